-- 0009_status: the consolidated status beyond households started and completed: the
-- plan's calendar and each project's phase and milestones, the thresholds of the traffic
-- lights (data the office changes), funds, contracts, line work, surveys, supervision
-- items and the units missing from the current collection round.
--
-- Each section is one function reno_status_<field>(programme, as_of) whose result columns
-- are named after the fields of its message in proto/reno.proto (StatusReply.<field>):
-- server/status.c runs them after the progress query and fills the reply by name, so a
-- section grows by a column here and a field there. Each answers "as of" a date as far as
-- the stored dates allow:
--   * milestones by done_on; money by allocated_on, received_on, paid_on, awarded_on;
--   * line work by started_on / done_on (and recorded_at for a part not started), the
--     handover by handed_over_on; surveys by surveyed_on;
--   * supervision items by the timestamps of their events (the state and deadline an
--     item's latest event by then left it with); round reports by their round (the
--     round current on the date, closed or not as it stands now).
-- What has no history is taken as it is now: the projects and their households, the
-- responsible units (project_unit), milestone due dates, and the light thresholds.
--
-- In every section with a project_id, the rows with project_id 0 are the totals over all
-- projects and come last. Dates are text YYYY-MM-DD; money is numeric yuan.
--
-- The lights themselves are judged in server/status.c, because the three rules of the
-- plan live in common/rules.c only; this file holds their thresholds.
--
-- Depends on 0001-0006. Names are prefixed reno_status_ (functions) and light_ (tables).

-- ---- Light thresholds ----------------------------------------------------------------------

-- What can be set, with its bounds and the default a programme without a value of its own
-- gets. Reference data, the same for every programme.
CREATE TABLE light_rule_kind (
    code                text PRIMARY KEY CHECK (code ~ '^[a-z][a-z_]{0,40}$'),
    seq                 integer NOT NULL UNIQUE CHECK (seq > 0),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 400),
    default_value       integer NOT NULL,
    min_value           integer NOT NULL,
    max_value           integer NOT NULL,
    CHECK (min_value <= default_value AND default_value <= max_value)
);

INSERT INTO light_rule_kind (seq, code, default_value, min_value, max_value, title) VALUES
    (1, 'deadline_near_days', 14, 0, 180,
        'yellow when a rule or milestone not yet reached is due within this many days (0: on its due day)'),
    (2, 'start_lag_points', 10, 0, 100,
        'yellow when the share of households started trails the plan''s pace by more than this many percentage points'),
    (3, 'complete_lag_points', 20, 0, 100,
        'yellow when the share of households completed trails the plan''s pace by more than this many percentage points'),
    (4, 'overdue_red_milestones', 1, 1, 1000,
        'red when a project has this many overdue milestones (fewer, but at least one: yellow)'),
    (5, 'overdue_tasks_yellow', 1, 0, 100000,
        'the programme is yellow when this many supervision items are overdue (0: never)');

CREATE TABLE light_rule (
    id                  bigserial PRIMARY KEY,
    programme_id        bigint NOT NULL REFERENCES programme(id),
    code                text NOT NULL REFERENCES light_rule_kind(code),
    value               integer NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    -- NULL for a value loaded with the programme's seed.
    updated_by          bigint REFERENCES account(id),
    UNIQUE (programme_id, code)
);

-- The value lies within its kind's bounds, for every writer (a cross-table rule).
CREATE FUNCTION light_rule_check_value() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    k light_rule_kind%ROWTYPE;
BEGIN
    SELECT * INTO k FROM light_rule_kind WHERE code = NEW.code;
    IF NEW.value < k.min_value OR NEW.value > k.max_value THEN
        RAISE EXCEPTION '% must be between % and %, got %', NEW.code, k.min_value, k.max_value,
            NEW.value
            USING ERRCODE = 'check_violation', COLUMN = 'value';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER light_rule_value BEFORE INSERT OR UPDATE ON light_rule
    FOR EACH ROW EXECUTE FUNCTION light_rule_check_value();

-- Every threshold of a programme: its own value, or the default.
CREATE FUNCTION reno_status_light_rules(p_programme bigint, p_as_of date)
RETURNS TABLE (code text, title text, value integer, default_value integer, min_value integer,
               max_value integer, is_default boolean, updated_at text, updated_by text)
LANGUAGE sql STABLE AS $$
    SELECT k.code, k.title, COALESCE(r.value, k.default_value), k.default_value, k.min_value,
           k.max_value, r.id IS NULL,
           COALESCE(to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), ''),
           COALESCE(a.username, '')
      FROM light_rule_kind k
      LEFT JOIN light_rule r ON r.code = k.code AND r.programme_id = p_programme
      LEFT JOIN account a ON a.id = r.updated_by
     ORDER BY k.seq
$$;

CREATE FUNCTION reno_status_threshold(p_programme bigint, p_code text) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(r.value, k.default_value)
      FROM light_rule_kind k
      LEFT JOIN light_rule r ON r.code = k.code AND r.programme_id = p_programme
     WHERE k.code = p_code
$$;

CREATE FUNCTION reno_op_list_light_rules(p_account bigint)
RETURNS TABLE (code text, title text, value integer, default_value integer, min_value integer,
               max_value integer, is_default boolean, updated_at text, updated_by text)
LANGUAGE sql STABLE AS $$
    SELECT * FROM reno_status_light_rules(reno_programme_of(p_account), current_date)
$$;

-- Sets one threshold of the caller's programme. Right lights.write, which the seed grants
-- to nobody: only the office's '*' holds it. Returns the light_rule row's id.
CREATE FUNCTION reno_op_set_light_rule(p_account bigint, p_key bytea, p_digest bytea,
                                       p_code text, p_value integer)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_programme bigint := reno_programme_of(p_account);
    v_kind light_rule_kind%ROWTYPE;
    v_before light_rule%ROWTYPE;
    v_after light_rule%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'set_light_rule');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'lights.write');
    IF COALESCE(btrim(p_code), '') = '' THEN
        RAISE EXCEPTION 'code is required (see light list)'
            USING ERRCODE = 'check_violation', COLUMN = 'code';
    END IF;
    SELECT * INTO v_kind FROM light_rule_kind k WHERE k.code = p_code;
    IF v_kind.code IS NULL THEN
        RAISE EXCEPTION 'no light rule "%" (there are: %)', p_code,
            (SELECT string_agg(k.code, ', ' ORDER BY k.seq) FROM light_rule_kind k)
            USING ERRCODE = 'RN404', COLUMN = 'code';
    END IF;
    IF p_value IS NULL OR p_value < v_kind.min_value OR p_value > v_kind.max_value THEN
        RAISE EXCEPTION '% must be between % and %, got %', p_code, v_kind.min_value,
            v_kind.max_value, p_value
            USING ERRCODE = 'check_violation', COLUMN = 'value';
    END IF;
    SELECT * INTO v_before FROM light_rule r
     WHERE r.programme_id = v_programme AND r.code = p_code FOR UPDATE;
    INSERT INTO light_rule (programme_id, code, value, updated_by)
    VALUES (v_programme, p_code, p_value, p_account)
    ON CONFLICT (programme_id, code) DO UPDATE
       SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'set_light_rule', 'light_rule', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'set_light_rule', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- ---- The plan and the phases --------------------------------------------------------------

CREATE FUNCTION reno_status_iso(p date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(to_char(p, 'YYYY-MM-DD'), '')
$$;

CREATE FUNCTION reno_status_phase_name(p_phase integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_phase WHEN 1 THEN '前期准备' WHEN 2 THEN '施工' WHEN 3 THEN '验收'
                        WHEN 4 THEN '绩效评估' WHEN 5 THEN '全部完成' ELSE '无计划' END
$$;

-- The calendar: a phase begins on the earliest starts_on of its milestones; as_of falls
-- in the latest phase begun (phases overlap: tendering is due at the end of March while
-- construction starts in March).
CREATE FUNCTION reno_status_plan(p_programme bigint, p_as_of date)
RETURNS TABLE (starts_on text, construction_starts_on text, start_share_pct integer,
               start_share_due text, all_started_due text, completion_due text,
               acceptance_due text, evaluation_due text, phase integer, phase_name text)
LANGUAGE sql STABLE AS $$
    SELECT reno_status_iso(g.starts_on),
           reno_status_iso(COALESCE(w.construction, g.starts_on)),
           g.start_share_pct, reno_status_iso(g.start_share_due),
           reno_status_iso(g.all_started_due), reno_status_iso(g.completion_due),
           reno_status_iso(g.acceptance_due), reno_status_iso(g.evaluation_due),
           ph.phase,
           CASE ph.phase WHEN 0 THEN '未开始' WHEN 5 THEN '已结束'
                ELSE reno_status_phase_name(ph.phase) END
      FROM programme g
     CROSS JOIN LATERAL (SELECT min(t.starts_on) FILTER (WHERE t.phase = 2) AS construction
                           FROM milestone_template t WHERE t.programme_id = g.id) w
     CROSS JOIN LATERAL (
            SELECT CASE WHEN p_as_of < g.starts_on THEN 0
                        WHEN p_as_of > g.evaluation_due THEN 5
                        ELSE COALESCE((SELECT max(t.phase) FROM milestone_template t
                                        WHERE t.programme_id = g.id
                                          AND t.starts_on <= p_as_of), 1) END AS phase) ph
     WHERE g.id = p_programme
$$;

-- Each project's milestones as of a date, then the total. A project is in the first phase
-- that still has a milestone not done: the plan's order is the order of the work.
CREATE FUNCTION reno_status_phases(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, phase integer, phase_name text, milestones integer,
               milestones_done integer, milestones_due_soon integer,
               milestones_overdue integer, next_due text, next_milestone text, overdue text)
LANGUAGE sql STABLE AS $$
    WITH near AS (
        SELECT reno_status_threshold(p_programme, 'deadline_near_days') AS days
    ), m AS (
        SELECT pm.project_id, t.phase, t.seq, t.code, t.title, pm.due,
               (pm.done_on IS NOT NULL AND pm.done_on <= p_as_of) AS done
          FROM project_milestone pm
          JOIN milestone_template t ON t.id = pm.template_id
          JOIN project p ON p.id = pm.project_id
         WHERE p.programme_id = p_programme
    ), per AS (
        SELECT p.id, p.name,
               CASE WHEN count(m.code) = 0 THEN 0
                    ELSE COALESCE(min(m.phase) FILTER (WHERE NOT m.done), 5) END AS phase,
               count(m.code)::int AS milestones,
               count(*) FILTER (WHERE m.done)::int AS done,
               count(*) FILTER (WHERE NOT m.done AND m.due >= p_as_of
                                  AND m.due <= p_as_of + near.days)::int AS due_soon,
               count(*) FILTER (WHERE NOT m.done AND m.due < p_as_of)::int AS overdue,
               min(m.due) FILTER (WHERE NOT m.done AND m.due >= p_as_of) AS next_due
          FROM project p
          LEFT JOIN m ON m.project_id = p.id
         CROSS JOIN near
         WHERE p.programme_id = p_programme
         GROUP BY p.id, p.name
    )
    SELECT * FROM (
        SELECT per.id, per.name, per.phase, reno_status_phase_name(per.phase), per.milestones,
               per.done, per.due_soon, per.overdue, reno_status_iso(per.next_due),
               COALESCE((SELECT m.code || ' ' || m.title FROM m
                          WHERE m.project_id = per.id AND NOT m.done AND m.due >= p_as_of
                          ORDER BY m.due, m.seq LIMIT 1), ''),
               COALESCE((SELECT string_agg(o.item, '、' ORDER BY o.ord)
                               || CASE WHEN max(o.total) > 5 THEN '、…' ELSE '' END
                           FROM (SELECT m.code || ' (' || reno_status_iso(m.due) || ')' AS item,
                                        row_number() OVER (ORDER BY m.due, m.seq) AS ord,
                                        count(*) OVER () AS total
                                   FROM m WHERE m.project_id = per.id AND NOT m.done
                                    AND m.due < p_as_of) o
                          WHERE o.ord <= 5), '')
          FROM per
         ORDER BY per.id) projects
    UNION ALL
    SELECT 0, '合计', COALESCE(min(per.phase), 0), reno_status_phase_name(COALESCE(min(per.phase), 0)),
           COALESCE(sum(per.milestones), 0)::int, COALESCE(sum(per.done), 0)::int,
           COALESCE(sum(per.due_soon), 0)::int, COALESCE(sum(per.overdue), 0)::int,
           reno_status_iso(min(per.next_due)), '', ''
      FROM per
$$;

-- ---- Money ----------------------------------------------------------------------------------

CREATE FUNCTION reno_status_source_name(p_source text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_source
        WHEN 'central_subsidy' THEN '中央补助' WHEN 'provincial_subsidy' THEN '省级补助'
        WHEN 'county_fund' THEN '县级配套' WHEN 'resident_direct' THEN '居民直接出资'
        WHEN 'maintenance_fund' THEN '住宅专项维修资金' WHEN 'provident_fund' THEN '住房公积金'
        WHEN 'public_income' THEN '让渡小区公共收益' WHEN 'labour' THEN '投工投劳'
        WHEN 'utility_investment' THEN '专营单位投资' ELSE '合计' END
$$;

CREATE FUNCTION reno_status_source_order(p_source text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_position(ARRAY['central_subsidy', 'provincial_subsidy', 'county_fund',
                                'resident_direct', 'maintenance_fund', 'provident_fund',
                                'public_income', 'labour', 'utility_investment'], p_source)
$$;

CREATE FUNCTION reno_status_pct(p_part numeric, p_whole numeric) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_whole > 0 THEN round(100.0 * p_part / p_whole, 1)::double precision
                ELSE 0 END
$$;

-- Per project and source, per project, per source over all projects, and in all: every
-- (project, source) that has an allocation, a receipt or a payment by the date.
CREATE FUNCTION reno_status_funds(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, source text, source_name text, allocated numeric,
               received numeric, paid numeric, available numeric, received_pct double precision)
LANGUAGE sql STABLE AS $$
    WITH scope AS (
        SELECT p.id, p.name FROM project p WHERE p.programme_id = p_programme
    ), money AS (
        SELECT a.project_id, a.source::text AS source, a.amount AS allocated,
               0::numeric AS received, 0::numeric AS paid
          FROM fund_allocation a JOIN scope s ON s.id = a.project_id
         WHERE a.allocated_on <= p_as_of
        UNION ALL
        SELECT a.project_id, a.source::text, 0, r.amount, 0
          FROM fund_receipt r JOIN fund_allocation a ON a.id = r.allocation_id
          JOIN scope s ON s.id = a.project_id
         WHERE r.received_on <= p_as_of
        UNION ALL
        SELECT f.project_id, f.source::text, 0, 0, f.amount
          FROM fund_payment f JOIN scope s ON s.id = f.project_id
         WHERE f.paid_on <= p_as_of
    ), sums AS (
        SELECT money.project_id, money.source, sum(money.allocated) AS allocated,
               sum(money.received) AS received, sum(money.paid) AS paid,
               GROUPING(money.project_id) AS all_projects, GROUPING(money.source) AS all_sources
          FROM money
         GROUP BY GROUPING SETS ((money.project_id, money.source), (money.project_id),
                                 (money.source), ())
    )
    SELECT CASE WHEN x.all_projects = 1 THEN 0 ELSE x.project_id END,
           CASE WHEN x.all_projects = 1 THEN '合计' ELSE s.name END,
           CASE WHEN x.all_sources = 1 THEN NULL ELSE x.source END,
           reno_status_source_name(CASE WHEN x.all_sources = 1 THEN NULL ELSE x.source END),
           COALESCE(x.allocated, 0), COALESCE(x.received, 0), COALESCE(x.paid, 0),
           COALESCE(x.received, 0) - COALESCE(x.paid, 0),
           reno_status_pct(COALESCE(x.received, 0), COALESCE(x.allocated, 0))
      FROM sums x
      LEFT JOIN scope s ON s.id = x.project_id
     ORDER BY x.all_projects, x.project_id, x.all_sources, reno_status_source_order(x.source)
$$;

-- Contracts awarded by the date and what was paid on them by then, per project and kind,
-- per project, per kind over all projects, and in all.
CREATE FUNCTION reno_status_contracts(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, kind text, contracts integer, amount numeric,
               paid numeric, remaining numeric, paid_pct double precision)
LANGUAGE sql STABLE AS $$
    WITH scope AS (
        SELECT p.id, p.name FROM project p WHERE p.programme_id = p_programme
    ), k AS (
        SELECT c.project_id, c.kind, c.amount,
               COALESCE((SELECT sum(f.amount) FROM fund_payment f
                          WHERE f.contract_id = c.id AND f.paid_on <= p_as_of), 0) AS paid
          FROM contract c JOIN scope s ON s.id = c.project_id
         WHERE c.awarded_on <= p_as_of
    ), sums AS (
        SELECT k.project_id, k.kind, count(*)::int AS contracts, sum(k.amount) AS amount,
               sum(k.paid) AS paid, GROUPING(k.project_id) AS all_projects,
               GROUPING(k.kind) AS all_kinds
          FROM k
         GROUP BY GROUPING SETS ((k.project_id, k.kind), (k.project_id), (k.kind), ())
    )
    SELECT CASE WHEN x.all_projects = 1 THEN 0 ELSE x.project_id END,
           CASE WHEN x.all_projects = 1 THEN '合计' ELSE s.name END,
           CASE WHEN x.all_kinds = 1 THEN NULL ELSE x.kind END,
           x.contracts, COALESCE(x.amount, 0), COALESCE(x.paid, 0),
           COALESCE(x.amount, 0) - COALESCE(x.paid, 0),
           reno_status_pct(COALESCE(x.paid, 0), COALESCE(x.amount, 0))
      FROM sums x
      LEFT JOIN scope s ON s.id = x.project_id
     ORDER BY x.all_projects, x.project_id, x.all_kinds,
              array_position(ARRAY['construction', 'supervision', 'design', 'supplier', 'audit'],
                             x.kind)
$$;

-- ---- Line work, surveys ---------------------------------------------------------------------

-- Per project, utility and segment with a part recorded by the date (or started by then:
-- a part recorded later with an earlier start counts), and who must act next there:
-- inside the red line the utility's lines wait for the government's trench and ducts
-- (the hand-off of section 六(一)), the backfill for the lines, and the handover (移交)
-- for everything else; outside and overhead, the utility. Then per utility and segment
-- over all projects, with how many of its projects wait on whom.
CREATE FUNCTION reno_status_lines(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, utility_code text, utility_name text, segment text,
               parts integer, parts_done integer, parts_in_progress integer,
               length_m double precision, waiting_on text, waiting integer,
               handed_over_on text)
LANGUAGE sql STABLE AS $$
    WITH w AS (
        SELECT lw.project_id, lw.utility_unit_id, lw.segment, lw.part, lw.length_m,
               CASE WHEN lw.done_on <= p_as_of THEN 'done'
                    WHEN lw.started_on <= p_as_of THEN 'in_progress'
                    ELSE 'planned' END AS state
          FROM line_work lw JOIN project p ON p.id = lw.project_id
         WHERE p.programme_id = p_programme
           AND (lw.started_on <= p_as_of OR lw.recorded_at::date <= p_as_of)
    ), seg AS (
        SELECT w.project_id, w.utility_unit_id, w.segment,
               count(*) FILTER (WHERE w.state = 'done')::int AS done,
               count(*) FILTER (WHERE w.state = 'in_progress')::int AS in_progress,
               max(w.length_m) AS length_m,
               COALESCE(array_agg(w.part) FILTER (WHERE w.state = 'done'), '{}') AS done_parts
          FROM w GROUP BY w.project_id, w.utility_unit_id, w.segment
    ), judged AS (
        SELECT seg.*, p.name AS project_name, u.code AS utility_code, u.name AS utility_name,
               cardinality(reno_fld_segment_parts(seg.segment)) AS parts,
               h.handed_over_on,
               CASE
                 WHEN seg.segment <> 'inside_red_line' THEN
                   CASE WHEN seg.done < 1
                        THEN u.name || ': ' || reno_fld_part_name((reno_fld_segment_parts(seg.segment))[1])
                        ELSE '' END
                 WHEN NOT (seg.done_parts @> ARRAY['trench', 'ducts']) THEN
                   'government: ' || array_to_string(ARRAY(
                        SELECT reno_fld_part_name(x) FROM unnest(ARRAY['trench', 'ducts']) x
                         WHERE NOT COALESCE(x = ANY (seg.done_parts), false)), '、')
                 WHEN NOT ('lay_lines' = ANY (seg.done_parts)) THEN u.name || ': 线路埋设'
                 WHEN NOT ('backfill' = ANY (seg.done_parts)) THEN 'government: 覆土'
                 WHEN NOT ('clear_old_lines' = ANY (seg.done_parts)) THEN u.name || ': 废旧线路规整'
                 WHEN h.handed_over_on IS NULL THEN 'government: 移交'
                 ELSE '' END AS waiting_on
          FROM seg
          JOIN project p ON p.id = seg.project_id
          JOIN unit u ON u.id = seg.utility_unit_id
          LEFT JOIN line_handover h ON h.project_id = seg.project_id
                                   AND h.utility_unit_id = seg.utility_unit_id
                                   AND h.handed_over_on <= p_as_of
                                   AND seg.segment = 'inside_red_line'
    )
    SELECT * FROM (
        SELECT j.project_id, j.project_name, j.utility_code, j.utility_name, j.segment, j.parts,
               j.done, j.in_progress, j.length_m::double precision,
               COALESCE(j.waiting_on, ''), CASE WHEN COALESCE(j.waiting_on, '') = '' THEN 0 ELSE 1 END,
               reno_status_iso(j.handed_over_on)
          FROM judged j
         ORDER BY j.project_id, j.utility_unit_id,
                  array_position(ARRAY['inside_red_line', 'outside_red_line', 'overhead'], j.segment)
    ) projects
    UNION ALL
    SELECT * FROM (
        SELECT 0::bigint, '合计', j.utility_code, j.utility_name, j.segment,
               sum(j.parts)::int, sum(j.done)::int, sum(j.in_progress)::int,
               max(j.length_m)::double precision,
               COALESCE((SELECT string_agg(c.who || ' ' || c.n, '、' ORDER BY c.who)
                           FROM (SELECT split_part(j2.waiting_on, ':', 1) AS who, count(*) AS n
                                   FROM judged j2
                                  WHERE j2.utility_unit_id = j.utility_unit_id
                                    AND j2.segment = j.segment AND j2.waiting_on <> ''
                                  GROUP BY 1) c), ''),
               count(*) FILTER (WHERE j.waiting_on <> '')::int, ''
          FROM judged j
         GROUP BY j.utility_unit_id, j.utility_code, j.utility_name, j.segment
         ORDER BY j.utility_unit_id,
                  array_position(ARRAY['inside_red_line', 'outside_red_line', 'overhead'], j.segment)
    ) utilities
$$;

-- The latest survey of each kind per project by the date, then per kind over all projects
-- (their latest surveys summed).
CREATE FUNCTION reno_status_surveys(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, kind text, surveyed_on text, surveys integer,
               households integer, households_asked integer, households_agreeing integer,
               asked_pct double precision, agreeing_pct double precision)
LANGUAGE sql STABLE AS $$
    WITH held AS (
        SELECT s.*, p.name AS project_name, p.households,
               row_number() OVER (PARTITION BY s.project_id, s.kind
                                  ORDER BY s.surveyed_on DESC, s.id DESC) AS latest,
               count(*) OVER (PARTITION BY s.project_id, s.kind) AS surveys
          FROM resident_survey s JOIN project p ON p.id = s.project_id
         WHERE p.programme_id = p_programme AND s.surveyed_on <= p_as_of
    ), last AS (
        SELECT * FROM held WHERE latest = 1
    )
    SELECT * FROM (
        SELECT l.project_id, l.project_name, l.kind, reno_status_iso(l.surveyed_on),
               l.surveys::int, l.households, l.households_asked, l.households_agreeing,
               reno_status_pct(l.households_asked, l.households),
               reno_status_pct(l.households_agreeing, l.households_asked)
          FROM last l ORDER BY l.project_id, l.kind DESC
    ) projects
    UNION ALL
    SELECT * FROM (
        SELECT 0::bigint, '合计', l.kind, reno_status_iso(max(l.surveyed_on)),
               sum(l.surveys)::int, sum(l.households)::int, sum(l.households_asked)::int,
               sum(l.households_agreeing)::int,
               reno_status_pct(sum(l.households_asked), sum(l.households)),
               reno_status_pct(sum(l.households_agreeing), sum(l.households_asked))
          FROM last l GROUP BY l.kind ORDER BY l.kind DESC
    ) totals
$$;

-- ---- Supervision and the collection round ---------------------------------------------------

-- Items per unit as of the date: each in the state and with the deadline its latest event
-- by the end of that day left it with (an item not yet created then does not count).
CREATE FUNCTION reno_status_supervision(p_programme bigint, p_as_of date)
RETURNS TABLE (unit_code text, unit_name text, items integer, items_open integer,
               items_overdue integer, items_returned integer, items_closed integer,
               next_deadline text)
LANGUAGE sql STABLE AS $$
    WITH st AS (
        SELECT i.unit_id, e.state, e.deadline
          FROM supervision_item i
          JOIN LATERAL (SELECT ev.state, ev.deadline FROM supervision_event ev
                         WHERE ev.item_id = i.id AND ev.at::date <= p_as_of
                         ORDER BY ev.id DESC LIMIT 1) e ON true
         WHERE i.programme_id = p_programme
    ), sums AS (
        SELECT st.unit_id, count(*)::int AS items,
               count(*) FILTER (WHERE st.state <> 'closed')::int AS open,
               count(*) FILTER (WHERE st.state <> 'closed' AND st.deadline < p_as_of)::int
                   AS overdue,
               count(*) FILTER (WHERE st.state = 'returned')::int AS returned,
               count(*) FILTER (WHERE st.state = 'closed')::int AS closed,
               min(st.deadline) FILTER (WHERE st.state <> 'closed') AS next_deadline,
               GROUPING(st.unit_id) AS all_units
          FROM st GROUP BY ROLLUP (st.unit_id)
    )
    SELECT CASE WHEN x.all_units = 1 THEN '' ELSE u.code END,
           CASE WHEN x.all_units = 1 THEN '合计' ELSE u.name END,
           x.items, x.open, x.overdue, x.returned, x.closed, reno_status_iso(x.next_deadline)
      FROM sums x LEFT JOIN unit u ON u.id = x.unit_id
     ORDER BY x.all_units, x.overdue DESC, u.id
$$;

-- The round current on a date: the latest whose effective date has come by then.
CREATE FUNCTION reno_status_current_round(p_programme bigint, p_as_of date)
RETURNS TABLE (round_on date, effective_on date, window_closes_on date, close_id bigint,
               closed boolean)
LANGUAGE sql STABLE AS $$
    SELECT r.round_on, r.effective_on, r.window_closes_on,
           r.close_id, r.close_id IS NOT NULL
      FROM reno_sup_rounds(p_programme) r
     WHERE r.effective_on <= p_as_of
     ORDER BY r.round_on DESC LIMIT 1
$$;

-- Responsible units (project_unit) without a report for a project in the round current
-- on the date: from the frozen snapshot when the round is closed, else from the round's
-- reports (a superseded report still counts). A round is judged by its own dates, not by
-- when its reports were typed in: a year entered after the fact (or a late report) still
-- shows who reported in each round.
CREATE FUNCTION reno_status_missing(p_programme bigint, p_as_of date)
RETURNS TABLE (unit_id bigint, project_id bigint)
LANGUAGE sql STABLE AS $$
    SELECT s.unit_id, s.project_id
      FROM reno_status_current_round(p_programme, p_as_of) c
      JOIN round_snapshot_missing s ON s.round_close_id = c.close_id
     WHERE c.closed
    UNION ALL
    SELECT pu.unit_id, pu.project_id
      FROM reno_status_current_round(p_programme, p_as_of) c
     CROSS JOIN project_unit pu
      JOIN project p ON p.id = pu.project_id
     WHERE NOT c.closed AND p.programme_id = p_programme
       AND NOT EXISTS (SELECT 1 FROM round_report r
                        WHERE r.round_on = c.round_on AND r.project_id = pu.project_id
                          AND r.unit_id = pu.unit_id)
$$;

CREATE FUNCTION reno_status_round(p_programme bigint, p_as_of date)
RETURNS TABLE (round_date text, effective_date text, window_closes_on text, state text,
               reports_expected integer, reports_received integer, units_missing integer)
LANGUAGE sql STABLE AS $$
    SELECT reno_status_iso(c.round_on), reno_status_iso(c.effective_on),
           reno_status_iso(c.window_closes_on), CASE WHEN c.closed THEN 'closed' ELSE 'open' END,
           e.expected, e.expected - m.missing, m.units
      FROM reno_status_current_round(p_programme, p_as_of) c
     CROSS JOIN LATERAL (SELECT count(*)::int AS expected
                           FROM project_unit pu JOIN project p ON p.id = pu.project_id
                          WHERE p.programme_id = p_programme) e
     CROSS JOIN LATERAL (SELECT count(*)::int AS missing, count(DISTINCT x.unit_id)::int AS units
                           FROM reno_status_missing(p_programme, p_as_of) x) m
$$;

CREATE FUNCTION reno_status_missing_reporters(p_programme bigint, p_as_of date)
RETURNS TABLE (unit_code text, unit_name text, project_id bigint, project_name text, duty text)
LANGUAGE sql STABLE AS $$
    SELECT u.code, u.name, p.id, p.name, COALESCE(pu.duty, '')
      FROM reno_status_missing(p_programme, p_as_of) x
      JOIN unit u ON u.id = x.unit_id
      JOIN project p ON p.id = x.project_id
      LEFT JOIN project_unit pu ON pu.project_id = x.project_id AND pu.unit_id = x.unit_id
     ORDER BY u.id, p.id
$$;
