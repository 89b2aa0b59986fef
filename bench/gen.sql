-- bench/gen.sql: grows the Ziyun 2022 programme of a database where `renod migrate` and
-- `renod seed ziyun-2022` have run (and an office account exists) to :projects projects
-- with a year of history, for the benchmark and for tests of size. bench/gen runs it with
-- psql; bench/README.md describes the shapes and proportions.
--
-- Repeatable: every figure, date and name comes from hashtextextended(key, :seed), a
-- function of the seed and of what the value is about (a project's number, a round, a
-- unit), never of the order rows are produced in, so the same seed gives the same data.
--
-- Every row goes into the real tables through set-based INSERT ... SELECT with every
-- constraint and trigger of the schema enforced (households within the project, receipts
-- within allocations, payments within balances, the hand-off rules of the line work,
-- round reports in open rounds, the supervision state machine). What bypasses the
-- operations is the per-row audit record and idempotency key: the operation functions
-- write one audit record per change, chained by hash under one lock, which would make
-- the load serial and ten times longer; instead each table loaded gets one audit record
-- (action 'bulk_load', with the seed, the row count and the id range), so the chain
-- stays whole and says what was loaded, by whom and when.
--
-- Variables: projects (total projects in the programme, at least 2), seed (an integer).
--
-- It runs in three transactions (the payments in between commit per 1,000 projects): a
-- failure leaves a partial programme, and the database is then dropped and made again.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET synchronous_commit = off;

BEGIN;

-- A number in [0, 1) for a key: the same for the same seed and key.
SELECT set_config('reno_gen.seed', :'seed', false);
CREATE FUNCTION pg_temp.r(k text) RETURNS double precision
LANGUAGE sql STABLE AS $$
    SELECT (hashtextextended(k, current_setting('reno_gen.seed')::bigint) & 2147483647)
           ::double precision / 2147483648.0
$$;

-- A pick of a syllable pair from a fixed list of place-name characters.
CREATE FUNCTION pg_temp.place(k text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT substr(s, 1 + floor(pg_temp.r(k || 'a') * length(s))::int, 1)
           || substr(s, 1 + floor(pg_temp.r(k || 'b') * length(s))::int, 1)
      FROM (SELECT '云岭松山华阳青河东西南北新兴和平安宁龙泉凤凰金星长乐永福文昌光明红旗胜利建设'
                   || '团结民主幸福春秋桂花玉屏石门白沙清水龙井望谟镇宁关岭普定六枝盘州兴义'::text AS s) x
$$;

CREATE TEMP TABLE g_prog AS
SELECT p.id, p.starts_on, (SELECT a.id FROM account a JOIN unit u ON u.id = a.unit_id
                            WHERE u.programme_id = p.id AND a.role = 'office'
                            ORDER BY a.id LIMIT 1) AS office_account,
       (SELECT a.password_hash FROM account a JOIN unit u ON u.id = a.unit_id
         WHERE u.programme_id = p.id AND a.role = 'office' ORDER BY a.id LIMIT 1) AS hash
  FROM programme p WHERE p.code = 'ziyun-2022';
ALTER TABLE g_prog ADD COLUMN office_unit bigint;
UPDATE g_prog SET office_unit = (SELECT unit_id FROM account WHERE id = office_account);

DO $$
BEGIN
    IF (SELECT office_account FROM g_prog) IS NULL THEN
        RAISE EXCEPTION 'bench/gen.sql needs the ziyun-2022 seed and an office account';
    END IF;
    IF (SELECT count(*) FROM project p JOIN g_prog g ON g.id = p.programme_id) > 2 THEN
        RAISE EXCEPTION 'bench/gen.sql runs once, on a freshly seeded programme';
    END IF;
END $$;

-- ---- Street offices, projects, responsible units, milestones ------------------------------

-- About 50 projects per street office, 12 streets per county.
CREATE TEMP TABLE g_street AS
SELECT s AS n, 'gen-street-' || lpad(s::text, 5, '0') AS code,
       pg_temp.place('county' || (s - 1) / 12) || '县' AS county,
       pg_temp.place('street' || s) || '街道' AS street
  FROM generate_series(1, GREATEST(1, ceil((:projects - 2) / 50.0)::int)) s;

INSERT INTO unit (programme_id, code, name, kind, in_leading_group)
SELECT g.id, s.code, s.county || s.street || '办事处（' || s.n || '）', 'street_office', false
  FROM g_street s CROSS JOIN g_prog g
 WHERE :projects > 2
 ORDER BY s.n;

CREATE TEMP TABLE g_project AS
SELECT k AS n, s.code AS street_code, s.county, s.street,
       pg_temp.place('community' || k) || '小区' AS community,
       40 + floor(pg_temp.r('households' || k) * 221)::int AS households,
       -- Construction starts in March-April for most, later for a tail (the lagging ones).
       (DATE '2022-03-01' + floor(power(pg_temp.r('start' || k), 2.0) * 150)::int) AS starts,
       -- Days from the start until every household is done.
       (90 + floor(pg_temp.r('duration' || k) * 180)::int) AS duration
  FROM generate_series(1, GREATEST(0, :projects - 2)) k
  JOIN g_street s ON s.n = (k - 1) / 50 + 1;

INSERT INTO project (programme_id, name, community, households, renovation_type, street,
                     buildings, area_m2, subsidy_batch, is_sample)
SELECT g.id, x.county || x.street || x.community || '（' || x.n || '）',
       x.community, x.households, 'comprehensive', x.street,
       GREATEST(1, x.households / 24), x.households * 85.5,
       '2022年度中央补助支持老旧小区改造计划', true
  FROM g_project x CROSS JOIN g_prog g
 ORDER BY x.n;

-- Every project of the programme with its curve: the seed's two take the curve of the
-- first numbers.
CREATE TEMP TABLE g_all AS
SELECT p.id, p.households, row_number() OVER (ORDER BY p.id) AS n,
       u.id AS street_unit
  FROM project p JOIN g_prog g ON p.programme_id = g.id
  LEFT JOIN g_project x ON p.name = x.county || x.street || x.community || '（' || x.n || '）'
  LEFT JOIN unit u ON u.code = x.street_code AND u.programme_id = g.id;
ALTER TABLE g_all ADD COLUMN starts date, ADD COLUMN duration integer;
UPDATE g_all SET starts = DATE '2022-03-01' + floor(power(pg_temp.r('start' || n), 2.0) * 150)::int,
                 duration = 90 + floor(pg_temp.r('duration' || n) * 180)::int;
CREATE UNIQUE INDEX ON g_all (id);
ANALYZE g_all;

-- The housing bureau, the project's street office and three to six utilities.
INSERT INTO project_unit (project_id, unit_id, duty)
SELECT a.id, u.id, v.duty
  FROM g_all a CROSS JOIN g_prog g
 CROSS JOIN (VALUES (1, 'housing', '项目推进、质量安全监管', 1.0),
                    (3, 'power-grid', '管线入地/架空线规整', 1.0),
                    (4, 'water-company', '管线入地/架空线规整', 1.0),
                    (5, 'telecom', '管线入地/架空线规整', 1.0),
                    (6, 'unicom', '管线入地/架空线规整', 0.4),
                    (7, 'mobile', '管线入地/架空线规整', 0.4),
                    (8, 'broadcast', '管线入地/架空线规整', 0.3),
                    (9, 'gas', '管线入地/架空线规整', 0.2)) AS v(ord, code, duty, share)
  JOIN unit u ON u.programme_id = g.id AND u.code = v.code
 WHERE a.street_unit IS NOT NULL AND pg_temp.r('unit' || a.n || v.code) < v.share
UNION ALL
SELECT a.id, a.street_unit, '群众意愿征集、宣传动员' FROM g_all a WHERE a.street_unit IS NOT NULL;

-- Copies of the plan (the rule of project_milestone_programme holds by the join: the
-- template is of the project's programme; its per-row trigger is off for the load).
SET LOCAL session_replication_role = replica;
INSERT INTO project_milestone (project_id, template_id, due)
SELECT a.id, t.id, t.due
  FROM g_all a JOIN g_prog g ON true JOIN milestone_template t ON t.programme_id = g.id
 WHERE a.street_unit IS NOT NULL
 ORDER BY a.id, t.seq;
SET LOCAL session_replication_role = origin;

-- An account for every unit that has none, sharing the office account's password (the
-- benchmark logs in as any of them with the one password it chose).
INSERT INTO account (username, password_hash, unit_id, role)
SELECT u.code, g.hash, u.id,
       CASE u.kind WHEN 'utility' THEN 'utility' WHEN 'leadership' THEN 'leader'
                   WHEN 'office' THEN 'office' ELSE 'department' END
  FROM unit u CROSS JOIN g_prog g
 WHERE u.programme_id = g.id
   AND NOT EXISTS (SELECT 1 FROM account a WHERE a.unit_id = u.id)
   AND NOT EXISTS (SELECT 1 FROM account a WHERE a.username = u.code)
 ORDER BY u.id;

CREATE TEMP TABLE g_acct AS
SELECT DISTINCT ON (a.unit_id) a.unit_id, a.id FROM account a ORDER BY a.unit_id, a.id;
CREATE UNIQUE INDEX ON g_acct (unit_id);

-- ---- Half-monthly reports from every responsible unit ------------------------------------

-- The project's households started and completed on a date, by its curve: started ramps
-- up over 30 days from its start, completion follows over its duration.
CREATE FUNCTION pg_temp.started(h integer, s date, d date) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT LEAST(h, GREATEST(0, floor(h * (d - s + 1) / 30.0)::int))
$$;
CREATE FUNCTION pg_temp.completed(h integer, s date, dur integer, d date) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT LEAST(pg_temp.started(h, s, d), GREATEST(0, floor(h * (d - s - 20) / dur::numeric)::int))
$$;

-- The rounds of the year (the 14th and 28th, the weekend rule 'keep'); about 3% of the
-- reports of a round are missing (a unit that did not report that time).
CREATE TEMP TABLE g_report AS
SELECT r.round_on, a.id AS project_id, pu.unit_id,
       pg_temp.started(a.households, a.starts, r.round_on) AS started,
       pg_temp.completed(a.households, a.starts, a.duration, r.round_on) AS completed
  FROM reno_sup_rounds((SELECT id FROM g_prog)) r
 CROSS JOIN g_all a
  JOIN project_unit pu ON pu.project_id = a.id
 WHERE r.round_on <= DATE '2022-12-28'
   AND pg_temp.r('report' || a.n || ':' || pu.unit_id || ':' || r.round_on) >= 0.03;

-- These two tables take nine in ten of the rows, and their per-row triggers (the foreign
-- keys and the two rule triggers) would take most of the time: they are loaded with
-- triggers off (session_replication_role = replica; CHECK, NOT NULL and UNIQUE still
-- hold) and the same rules are then checked once over the whole set, below.
SET LOCAL session_replication_role = replica;
WITH pr AS (
    INSERT INTO progress_report (project_id, report_date, households_started,
                                 households_completed, note, account_id, unit_id, created_at)
    SELECT x.project_id, x.round_on, x.started, x.completed, '', c.id, x.unit_id,
           x.round_on + TIME '10:00'
      FROM g_report x JOIN g_acct c ON c.unit_id = x.unit_id
     ORDER BY x.round_on, x.project_id, x.unit_id
    RETURNING id, project_id, unit_id, account_id, report_date, households_started,
              households_completed
)
INSERT INTO round_report (round_on, effective_on, project_id, unit_id, account_id,
                          households_started, households_completed, investment_completed,
                          problems, progress_report_id, submitted_at, reported_on)
SELECT pr.report_date, pr.report_date, pr.project_id, pr.unit_id, pr.account_id,
       pr.households_started, pr.households_completed, pr.households_completed * 42000.00,
       CASE WHEN pg_temp.r('problem' || pr.id) < 0.02 THEN '管线迁改协调中（示例）' ELSE '' END,
       pr.id, pr.report_date + TIME '10:00', pr.report_date
  FROM pr ORDER BY pr.id;
SET LOCAL session_replication_role = origin;
DROP TABLE g_report;

-- The foreign keys and rule triggers of progress_report and round_report, set-based.
ANALYZE progress_report;
ANALYZE round_report;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM progress_report r
                 LEFT JOIN project p ON p.id = r.project_id
                 LEFT JOIN account a ON a.id = r.account_id
                 LEFT JOIN unit u ON u.id = r.unit_id
                WHERE p.id IS NULL OR a.id IS NULL OR u.id IS NULL
                   OR r.households_started > p.households - p.demolished_households) THEN
        RAISE EXCEPTION 'a generated progress report breaks a rule of progress_report';
    END IF;
    IF EXISTS (SELECT 1 FROM round_report r
                 LEFT JOIN progress_report pr ON pr.id = r.progress_report_id
                 LEFT JOIN project p ON p.id = r.project_id
                 LEFT JOIN account a ON a.id = r.account_id
                 LEFT JOIN unit u ON u.id = r.unit_id
                WHERE pr.id IS NULL OR p.id IS NULL OR a.id IS NULL OR u.id IS NULL
                   OR EXISTS (SELECT 1 FROM round_close c
                               WHERE c.programme_id = p.programme_id
                                 AND c.round_on = r.round_on)) THEN
        RAISE EXCEPTION 'a generated round report breaks a rule of round_report';
    END IF;
END $$;

-- ---- Milestones done ----------------------------------------------------------------------

-- Most steps are done a few days before their due date; the later a project starts, the
-- later its steps; about one in ten is not done by the end of the year.
UPDATE project_milestone pm
   SET done_on = v.done_on, evidence = '完成（示例）', done_by_account = g.office_account,
       done_by_unit = g.office_unit, done_at = v.done_on + TIME '17:00'
  FROM g_all a, g_prog g, milestone_template t,
       LATERAL (SELECT t.due - 10 + floor(pg_temp.r('ms' || a.n || t.code) * 14)::int
                       + GREATEST(0, a.starts - DATE '2022-04-01') AS done_on) v
 WHERE pm.project_id = a.id AND t.id = pm.template_id
   AND v.done_on <= DATE '2022-12-31'
   AND pg_temp.r('msdone' || a.n || t.code) >= 0.1;

-- ---- Contracts and funds ------------------------------------------------------------------

CREATE TEMP TABLE g_unit AS
SELECT u.code, u.id FROM unit u JOIN g_prog g ON g.id = u.programme_id;

INSERT INTO contract (project_id, kind, counterparty, awarded_on, amount, tender_method,
                      account_id, unit_id)
SELECT a.id, v.kind, v.who || '（示例' || (1 + floor(pg_temp.r('firm' || a.n || v.kind) * 40)::int) || '）',
       LEAST(a.starts - 1, DATE '2022-02-15' + floor(pg_temp.r('award' || a.n || v.kind) * 40)::int),
       round((a.households * v.per_household
              * (0.8 + 0.4 * pg_temp.r('amount' || a.n || v.kind)))::numeric, 2),
       '公开招标', g.office_account, (SELECT id FROM g_unit WHERE code = 'housing')
  FROM g_all a CROSS JOIN g_prog g
 CROSS JOIN (VALUES ('construction', '建筑工程有限公司', 30000.0),
                    ('supervision', '工程监理有限公司', 900.0),
                    ('design', '建筑设计院', 1200.0)) AS v(kind, who, per_household)
 ORDER BY a.id, v.kind;

INSERT INTO fund_allocation (project_id, source, amount, allocated_on, document_ref,
                             account_id, unit_id)
SELECT a.id, v.source, round((a.households * v.per_household)::numeric, 2),
       DATE '2022-01-10' + floor(pg_temp.r('alloc' || a.n || v.source) * 60)::int,
       '示例文号', g.office_account, (SELECT id FROM g_unit WHERE code = 'finance')
  FROM g_all a CROSS JOIN g_prog g
 CROSS JOIN (VALUES ('central_subsidy', 6000.0), ('provincial_subsidy', 2000.0),
                    ('county_fund', 2000.0), ('resident_direct', 500.0)) AS v(source, per_household)
 ORDER BY a.id, v.source;

-- Two instalments per allocation: 60%, then the rest (for four in five).
INSERT INTO fund_receipt (allocation_id, amount, received_on, account_id, unit_id)
SELECT f.id, CASE v.k WHEN 1 THEN round(f.amount * 0.6, 2) ELSE f.amount - round(f.amount * 0.6, 2) END,
       f.allocated_on + CASE v.k WHEN 1 THEN 10 + floor(pg_temp.r('rc1' || f.id) * 30)::int
                                 ELSE 90 + floor(pg_temp.r('rc2' || f.id) * 120)::int END,
       g.office_account, (SELECT id FROM g_unit WHERE code = 'finance')
  FROM fund_allocation f JOIN g_all a ON a.id = f.project_id CROSS JOIN g_prog g
 CROSS JOIN (VALUES (1), (2)) AS v(k)
 WHERE v.k = 1 OR pg_temp.r('rc2ok' || f.id) < 0.8
 ORDER BY f.id, v.k;

-- The construction contract is paid from the central subsidy as it arrives (half of each
-- instalment), supervision and design from the county's fund. The payments are worked
-- out once, set-based, numbered by their project's place in the programme; then they are
-- inserted 1,000 projects per transaction (a range of that number, read from an index):
-- each payment takes an advisory lock on its project's ledger until commit
-- (fund_payment_check), and one transaction would run out of lock slots.
-- The payment rule (fund_payment_check) sums the project's receipts and payments for every
-- payment, with plans made once per database connection: planned before the tables' statistics
-- know their size, the sums hash the whole ledger for every row (hours at 60,000
-- projects). Analysed first, and fund_payment again once it holds a batch, they are
-- index look-ups.
ANALYZE contract;
ANALYZE fund_allocation;
ANALYZE fund_receipt;

CREATE TEMP TABLE g_county_first AS
SELECT fa.project_id, min(r.received_on) AS received_on
  FROM fund_allocation fa JOIN fund_receipt r ON r.allocation_id = fa.id
  JOIN g_all a ON a.id = fa.project_id
 WHERE fa.source = 'county_fund'
 GROUP BY fa.project_id;
CREATE UNIQUE INDEX ON g_county_first (project_id);

CREATE TEMP TABLE g_pay AS
SELECT a.n, c.id AS contract_id, c.project_id, v.source, v.amount,
       GREATEST(v.received_on, c.awarded_on) + 15 AS paid_on, v.id AS receipt_id
  FROM contract c JOIN g_all a ON a.id = c.project_id
  JOIN fund_allocation fa ON fa.project_id = c.project_id
   AND fa.source = CASE c.kind WHEN 'construction' THEN 'central_subsidy' ELSE 'county_fund' END
  JOIN fund_receipt r ON r.allocation_id = fa.id
  LEFT JOIN g_county_first cf ON cf.project_id = c.project_id
 CROSS JOIN LATERAL (SELECT fa.source::text AS source, round(r.amount * 0.5, 2) AS amount,
                            r.received_on, r.id) v
 WHERE (c.kind = 'construction' OR r.amount * 0.5 <= c.amount)
   AND GREATEST(v.received_on, c.awarded_on) + 15 <= DATE '2022-12-31'
   AND (c.kind <> 'design' OR v.received_on = cf.received_on)
   AND (c.kind <> 'supervision' OR v.received_on > cf.received_on);
CREATE INDEX ON g_pay (n);
ANALYZE g_pay;
COMMIT;
DO $$
DECLARE
    k bigint := 0;
    v_office bigint := (SELECT office_account FROM g_prog);
    v_finance bigint := (SELECT id FROM g_unit WHERE code = 'finance');
BEGIN
    WHILE k < (SELECT max(n) FROM g_all) LOOP
        INSERT INTO fund_payment (contract_id, project_id, source, amount, paid_on, account_id, unit_id)
        SELECT p.contract_id, p.project_id, p.source, p.amount, p.paid_on, v_office, v_finance
          FROM g_pay p
         WHERE p.n > k AND p.n <= k + 1000
         ORDER BY p.contract_id, p.receipt_id;
        COMMIT;
        IF k = 0 THEN
            ANALYZE fund_payment;
        END IF;
        k := k + 1000;
    END LOOP;
END $$;
DROP TABLE g_pay, g_county_first;
BEGIN;

-- ---- Line work inside the red line, one utility at a time ---------------------------------

-- Each utility's parts follow the project's start, offset by up to a month per utility:
-- trench and ducts before the start, the lines after, then backfill, old lines cleared
-- and the handover. A part not started by the end of the year is not recorded.
CREATE TEMP TABLE g_line AS
SELECT a.id AS project_id, pu.unit_id, v.ord, v.part,
       a.starts + v.starts + floor(pg_temp.r('line' || a.n || ':' || pu.unit_id) * 30)::int AS started_on,
       a.starts + v.done + floor(pg_temp.r('line' || a.n || ':' || pu.unit_id) * 30)::int AS done_on,
       a.households
  FROM g_all a
  JOIN project_unit pu ON pu.project_id = a.id
  JOIN g_unit u ON u.id = pu.unit_id
  JOIN unit uu ON uu.id = u.id AND uu.kind = 'utility'
 CROSS JOIN (VALUES (1, 'trench', -20, -8), (2, 'ducts', -12, -2), (3, 'lay_lines', 5, 30),
                    (4, 'backfill', 32, 45), (5, 'clear_old_lines', 50, 70)) AS v(ord, part, starts, done);
DELETE FROM g_line WHERE started_on > DATE '2022-12-31';
-- Nothing downstream of a part not done yet is started.
DELETE FROM g_line l WHERE EXISTS (SELECT 1 FROM g_line e
                                    WHERE e.project_id = l.project_id AND e.unit_id = l.unit_id
                                      AND e.ord IN (1, 2) AND l.ord >= 3
                                      AND e.done_on > DATE '2022-12-31');

DO $$
DECLARE
    k integer;
BEGIN
    FOR k IN 1..5 LOOP
        INSERT INTO line_work (project_id, utility_unit_id, segment, part, length_m, started_on,
                               done_on, status, recorded_by, recorded_at)
        SELECT l.project_id, l.unit_id, 'inside_red_line', l.part, 20 + l.households * 2.5,
               l.started_on, CASE WHEN l.done_on <= DATE '2022-12-31' THEN l.done_on END,
               CASE WHEN l.done_on <= DATE '2022-12-31' THEN 'done' ELSE 'in_progress' END,
               (SELECT id FROM g_acct WHERE unit_id = l.unit_id), l.started_on + TIME '09:00'
          FROM g_line l WHERE l.ord = k ORDER BY l.project_id, l.unit_id;
    END LOOP;
END $$;

INSERT INTO line_handover (project_id, utility_unit_id, handed_over_on, recorded_by)
SELECT l.project_id, l.unit_id, l.done_on + 10, g.office_account
  FROM g_line l CROSS JOIN g_prog g
 WHERE l.ord = 5 AND l.done_on + 10 <= DATE '2022-12-31'
 ORDER BY l.project_id, l.unit_id;
DROP TABLE g_line;

-- ---- Surveys --------------------------------------------------------------------------------

INSERT INTO resident_survey (project_id, kind, surveyed_on, households_asked,
                             households_agreeing, recorded_by)
SELECT a.id, 'willingness', DATE '2021-12-05' + floor(pg_temp.r('will' || a.n) * 20)::int,
       a.households, a.households - floor(a.households * 0.1 * pg_temp.r('agree' || a.n))::int,
       (SELECT id FROM g_acct WHERE unit_id = (SELECT id FROM g_unit WHERE code = 'housing'))
  FROM g_all a
UNION ALL
SELECT a.id, 'satisfaction', a.starts + a.duration + 40, a.households,
       a.households - floor(a.households * 0.15 * pg_temp.r('sat' || a.n))::int,
       (SELECT id FROM g_acct WHERE unit_id = (SELECT id FROM g_unit WHERE code = 'housing'))
  FROM g_all a
 WHERE a.starts + a.duration + 40 <= DATE '2022-12-31';

-- ---- Supervision items: one per ten projects, to the units with duties ---------------------

CREATE TEMP TABLE g_item AS
SELECT k AS n, u.id AS unit_id,
       DATE '2022-02-01' + floor(pg_temp.r('item' || k) * 300)::int AS created_on,
       floor(pg_temp.r('deadline' || k) * 30)::int + 7 AS days,
       pg_temp.r('fate' || k) AS fate
  FROM generate_series(1, GREATEST(3, (SELECT count(*) FROM g_all)::int / 10)) k
  JOIN LATERAL (SELECT uu.id FROM unit uu JOIN g_prog g ON g.id = uu.programme_id
                 WHERE uu.kind IN ('department', 'utility', 'street_office')
                 ORDER BY pg_temp.r('itemunit' || k || ':' || uu.id), uu.id LIMIT 1) u ON true;

WITH ins AS (
    INSERT INTO supervision_item (programme_id, unit_id, title, deadline, source, created_at,
                                  created_by)
    SELECT g.id, i.unit_id, '督办事项' || i.n || '（示例）', i.created_on + i.days, '调度会议（示例）',
           i.created_on + TIME '09:00', g.office_account
      FROM g_item i CROSS JOIN g_prog g ORDER BY i.n
    RETURNING id, unit_id, deadline, created_at
)
INSERT INTO supervision_event (item_id, at, account_id, unit_id, action, state, deadline)
SELECT ins.id, ins.created_at, g.office_account,
       (SELECT unit_id FROM account WHERE id = g.office_account), 'created', 'open', ins.deadline
  FROM ins CROSS JOIN g_prog g ORDER BY ins.id;

-- Seven in ten are answered before their deadline (most of those closed), the rest stay
-- open, some past their deadline.
CREATE TEMP TABLE g_fate AS
SELECT s.id, s.unit_id, s.deadline, s.created_at, i.fate
  FROM supervision_item s JOIN g_item i ON s.title = '督办事项' || i.n || '（示例）'
  JOIN g_prog g ON g.id = s.programme_id;
UPDATE supervision_item s SET state = 'replied' FROM g_fate f WHERE f.id = s.id AND f.fate < 0.7;
INSERT INTO supervision_event (item_id, at, account_id, unit_id, action, state, deadline, text)
SELECT f.id, f.created_at + interval '3 days', c.id, f.unit_id, 'replied', 'replied', f.deadline,
       '已办理（示例）'
  FROM g_fate f JOIN g_acct c ON c.unit_id = f.unit_id WHERE f.fate < 0.7 ORDER BY f.id;
UPDATE supervision_item s SET state = 'closed' FROM g_fate f WHERE f.id = s.id AND f.fate < 0.55;
INSERT INTO supervision_event (item_id, at, account_id, unit_id, action, state, deadline)
SELECT f.id, f.created_at + interval '5 days', g.office_account,
       (SELECT unit_id FROM account WHERE id = g.office_account), 'closed', 'closed', f.deadline
  FROM g_fate f CROSS JOIN g_prog g WHERE f.fate < 0.55 ORDER BY f.id;

-- ---- The programme's targets and one audit record per table loaded -------------------------

UPDATE programme p
   SET target_projects = (SELECT count(*) FROM project WHERE programme_id = p.id),
       target_households = (SELECT sum(households) FROM project WHERE programme_id = p.id)
  FROM g_prog g WHERE p.id = g.id;

SELECT set_config('reno.account', (SELECT office_account::text FROM g_prog), true);
INSERT INTO audit_log (account_id, unit_id, action, entity, entity_id, before, after)
SELECT g.office_account, (SELECT unit_id FROM account WHERE id = g.office_account),
       'bulk_load', t.name, NULL, NULL,
       jsonb_build_object('generator', 'bench/gen', 'seed', :seed, 'projects', :projects,
                          'rows', t.n)
  FROM g_prog g
 CROSS JOIN LATERAL (VALUES
        ('project', (SELECT count(*) FROM project)),
        ('project_unit', (SELECT count(*) FROM project_unit)),
        ('project_milestone', (SELECT count(*) FROM project_milestone)),
        ('progress_report', (SELECT count(*) FROM progress_report)),
        ('round_report', (SELECT count(*) FROM round_report)),
        ('contract', (SELECT count(*) FROM contract)),
        ('fund_allocation', (SELECT count(*) FROM fund_allocation)),
        ('fund_receipt', (SELECT count(*) FROM fund_receipt)),
        ('fund_payment', (SELECT count(*) FROM fund_payment)),
        ('line_work', (SELECT count(*) FROM line_work)),
        ('line_handover', (SELECT count(*) FROM line_handover)),
        ('resident_survey', (SELECT count(*) FROM resident_survey)),
        ('supervision_item', (SELECT count(*) FROM supervision_item))) AS t(name, n);

COMMIT;

ANALYZE;
