-- status: the sections of the consolidated status that are per project (reno_status_*,
-- first defined in 0009_status.sql), rewritten set-based and given a project filter.
--
-- Re-runnable: renod migrate applies every file of schema/functions after the
-- migrations, on every run. The first run drops the two-argument signatures of 0009;
-- every later run replaces the bodies.
--
-- Each function keeps its result columns (server/status.c fills the reply by column
-- name) and gains p_project (NULL: every project of the programme, with the totals rows
-- of project_id 0 last, as before; a project's id: that project's rows only, without
-- totals, so that a roll-up can refresh one project and keep its own sums).
--
-- Each section is two functions: reno_status_<x>_rows, the query (plain SQL, so that the
-- planner inlines it), and reno_status_<x>, the entry point renod calls (SECURITY DEFINER
-- once renod migrate grants it, which keeps PostgreSQL from inlining it), which runs the
-- query with EXECUTE: planned on every call with the values of its arguments, so that
-- "every project" and "one project" each get their own plan. A query planned once for
-- any argument (a SQL function that is not inlined) cannot tell the two apart and took
-- seconds at 2,000 projects.
--
-- Set-based: every statement reads each table of its section once for the programme
-- (or once through an index for one project) and groups, ranks or joins the rows;
-- no statement runs a subquery per project over all of the programme's rows, so the
-- cost grows with the rows, never with the square of the projects. (0009's
-- reno_status_phases looked up each project's next and overdue milestones in the
-- materialised milestones of the whole programme, once per project: 12.7 s at 2,002
-- projects.)

DROP FUNCTION IF EXISTS reno_status_phases(bigint, date);
DROP FUNCTION IF EXISTS reno_status_funds(bigint, date);
DROP FUNCTION IF EXISTS reno_status_contracts(bigint, date);
DROP FUNCTION IF EXISTS reno_status_lines(bigint, date);
DROP FUNCTION IF EXISTS reno_status_surveys(bigint, date);
DROP FUNCTION IF EXISTS reno_status_missing(bigint, date);
DROP FUNCTION IF EXISTS reno_status_missing_reporters(bigint, date);
DROP FUNCTION IF EXISTS reno_status_missing(bigint, date, bigint);
DROP FUNCTION IF EXISTS reno_status_missing_reporters(bigint, date, bigint);
DROP FUNCTION IF EXISTS reno_status_missing_reporters_rows(bigint, date, bigint);
DROP FUNCTION IF EXISTS reno_status_missing_of(bigint, date, bigint[]);
DROP FUNCTION IF EXISTS reno_status_surveys(bigint, date, bigint);
DROP FUNCTION IF EXISTS reno_status_surveys_rows(bigint, date, bigint);
DROP FUNCTION IF EXISTS reno_status_lines_segments(bigint, date, bigint);
DROP FUNCTION IF EXISTS reno_status_lines_rows(bigint, date, bigint);
DROP FUNCTION IF EXISTS reno_status_lines(bigint, date, bigint);
DROP FUNCTION IF EXISTS reno_status_funds(bigint, date, bigint);
DROP FUNCTION IF EXISTS reno_status_funds_rows(bigint, date, bigint);
DROP FUNCTION IF EXISTS reno_status_contracts(bigint, date, bigint);
DROP FUNCTION IF EXISTS reno_status_contracts_rows(bigint, date, bigint);
DROP FUNCTION IF EXISTS reno_status_phases(bigint, date, bigint);
DROP FUNCTION IF EXISTS reno_status_phases_rows(bigint, date, bigint);

-- Each project's milestones as of a date, then the total. A project is in the first phase
-- that still has a milestone not done: the plan's order is the order of the work.
--
-- At size (tens of thousands of projects, over a million milestones) the shape matters.
-- The milestones are read once, project by project, from the index that holds what this
-- needs (project_milestone_project_due_done, 0033_status_index_only: 68 MB at 60,000
-- projects, the table 227 MB), and each project's are aggregated as they come, without
-- a hash table: counts, the lowest phase not done, the next milestone as the least of a
-- key that orders by due date, then the plan's sequence ((days since 2000-01-01) << 31 |
-- seq, both recovered from it, its name joined once per project), and the overdue ones
-- in that order, of which the first five make the list. The threshold of "due soon" is
-- read once, as a value. (Ranking every milestone in project order took 4.3 s at 60,000
-- projects; a hashed pass over the table for the counts and a second pass over it for
-- the overdue ones, ranked, 3.0 s.)
--
-- With p_projects, those projects' rows only (a page of the status). Without p_words, the
-- rows carry the figures alone, not the words of the next milestone and the overdue ones
-- (next_milestone and overdue are ''): what the lights need to choose a page, without
-- building and ordering the words of every project's milestones, which took about a third
-- of the statement at 60,000 projects (the page's own rows are then read with them).
CREATE OR REPLACE FUNCTION reno_status_phases_rows(p_programme bigint, p_as_of date,
                                                   p_project bigint DEFAULT NULL,
                                                   p_projects bigint[] DEFAULT NULL,
                                                   p_words boolean DEFAULT true)
RETURNS TABLE (project_id bigint, name text, phase integer, phase_name text, milestones integer,
               milestones_done integer, milestones_due_soon integer,
               milestones_overdue integer, next_due text, next_milestone text, overdue text)
LANGUAGE sql STABLE AS $$
    WITH per AS (
        SELECT m.project_id,
               COALESCE(min(m.phase) FILTER (WHERE NOT m.done), 5) AS phase,
               count(*)::int AS milestones,
               count(*) FILTER (WHERE m.done)::int AS done,
               count(*) FILTER (WHERE NOT m.done AND m.due >= p_as_of
                                  AND m.due <= p_as_of + (SELECT reno_status_threshold(
                                                   p_programme, 'deadline_near_days')))::int
                   AS due_soon,
               count(*) FILTER (WHERE NOT m.done AND m.due < p_as_of)::int AS overdue,
               min(((m.due - DATE '2000-01-01')::bigint << 31) | m.seq)
                   FILTER (WHERE NOT m.done AND m.due >= p_as_of) AS next_key,
               -- The first five overdue milestones, by due date and sequence.
               array_to_string((array_agg(m.code || ' (' || reno_status_iso(m.due) || ')'
                                          ORDER BY m.due, m.seq)
                                    FILTER (WHERE p_words AND NOT m.done AND m.due < p_as_of))[1:5],
                               '、')
                   AS overdue_list
          FROM (SELECT pm.project_id, t.phase, t.seq, t.code, pm.due,
                       (pm.done_on IS NOT NULL AND pm.done_on <= p_as_of) AS done
                  FROM project_milestone pm
                  JOIN milestone_template t ON t.id = pm.template_id
                 WHERE t.programme_id = p_programme
                   AND (p_project IS NULL OR pm.project_id = p_project)
                   AND (p_projects IS NULL OR pm.project_id = ANY (p_projects))) m
         GROUP BY m.project_id
    ), joined AS (
        -- Every project of the scope, those without milestones in phase 0 with nothing.
        SELECT p.id, p.name,
               CASE WHEN per.project_id IS NULL THEN 0 ELSE per.phase END AS phase,
               COALESCE(per.milestones, 0) AS milestones, COALESCE(per.done, 0) AS done,
               COALESCE(per.due_soon, 0) AS due_soon, COALESCE(per.overdue, 0) AS overdue,
               DATE '2000-01-01' + (per.next_key >> 31)::int AS next_due,
               tn.code || ' ' || tn.title AS next_milestone, per.overdue_list
          FROM project p
          LEFT JOIN per ON per.project_id = p.id
          LEFT JOIN milestone_template tn
            ON p_words AND tn.programme_id = p_programme
           AND tn.seq = (per.next_key & 2147483647)::int
         WHERE p.programme_id = p_programme AND (p_project IS NULL OR p.id = p_project)
           AND (p_projects IS NULL OR p.id = ANY (p_projects))
    )
    SELECT * FROM (
        SELECT j.id, j.name, j.phase, reno_status_phase_name(j.phase), j.milestones,
               j.done, j.due_soon, j.overdue, reno_status_iso(j.next_due),
               COALESCE(j.next_milestone, ''),
               COALESCE(NULLIF(j.overdue_list, '') || CASE WHEN j.overdue > 5 THEN '、…' ELSE '' END,
                        '')
          FROM joined j
         ORDER BY j.id) projects
    UNION ALL
    SELECT 0, '合计', COALESCE(min(j.phase), 0), reno_status_phase_name(COALESCE(min(j.phase), 0)),
           COALESCE(sum(j.milestones), 0)::int, COALESCE(sum(j.done), 0)::int,
           COALESCE(sum(j.due_soon), 0)::int, COALESCE(sum(j.overdue), 0)::int,
           reno_status_iso(min(j.next_due)), '', ''
      FROM joined j
     WHERE p_project IS NULL AND p_projects IS NULL
$$;

CREATE OR REPLACE FUNCTION reno_status_phases(p_programme bigint, p_as_of date,
                                              p_project bigint DEFAULT NULL,
                                              p_projects bigint[] DEFAULT NULL,
                                              p_words boolean DEFAULT true)
RETURNS TABLE (project_id bigint, name text, phase integer, phase_name text, milestones integer,
               milestones_done integer, milestones_due_soon integer,
               milestones_overdue integer, next_due text, next_milestone text, overdue text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE 'SELECT * FROM reno_status_phases_rows($1, $2, $3, $4, $5)'
        USING p_programme, p_as_of, p_project, p_projects, p_words;
END $$;

-- Per project and source, per project, per source over all projects, and in all: every
-- (project, source) that has an allocation, a receipt or a payment by the date.
-- With p_project, that project's rows only; with p_projects, those projects' rows only (a
-- page of the status, whose totals are reno_status_funds_totals, status_totals.sql).
CREATE OR REPLACE FUNCTION reno_status_funds_rows(p_programme bigint, p_as_of date,
                                             p_project bigint DEFAULT NULL,
                                             p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (project_id bigint, name text, source text, source_name text, allocated numeric,
               received numeric, paid numeric, available numeric, received_pct double precision)
LANGUAGE sql STABLE AS $$
    WITH scope AS (
        SELECT p.id, p.name FROM project p
         WHERE p.programme_id = p_programme AND (p_project IS NULL OR p.id = p_project)
           AND (p_projects IS NULL OR p.id = ANY (p_projects))
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
    ), ledger AS (
        -- Each (project, source) summed once; the grouping sets then add up these few
        -- rows instead of hashing every movement four times over.
        SELECT money.project_id, money.source, sum(money.allocated) AS allocated,
               sum(money.received) AS received, sum(money.paid) AS paid
          FROM money
         GROUP BY money.project_id, money.source
    ), sums AS (
        SELECT ledger.project_id, ledger.source, sum(ledger.allocated) AS allocated,
               sum(ledger.received) AS received, sum(ledger.paid) AS paid,
               GROUPING(ledger.project_id) AS all_projects, GROUPING(ledger.source) AS all_sources
          FROM ledger
         GROUP BY GROUPING SETS ((ledger.project_id, ledger.source), (ledger.project_id),
                                 (ledger.source), ())
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
     WHERE (p_project IS NULL AND p_projects IS NULL) OR x.all_projects = 0
     ORDER BY x.all_projects, x.project_id, x.all_sources, reno_status_source_order(x.source)
$$;

CREATE OR REPLACE FUNCTION reno_status_funds(p_programme bigint, p_as_of date,
                                             p_project bigint DEFAULT NULL,
                                             p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (project_id bigint, name text, source text, source_name text, allocated numeric,
               received numeric, paid numeric, available numeric, received_pct double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE 'SELECT * FROM reno_status_funds_rows($1, $2, $3, $4)'
        USING p_programme, p_as_of, p_project, p_projects;
END $$;

-- Contracts awarded by the date and what was paid on them by then, per project and kind,
-- per project, per kind over all projects, and in all. What was paid is summed once per
-- contract over the programme's payments, then joined.
-- With p_project or p_projects, those projects' rows only, as the funds'.
CREATE OR REPLACE FUNCTION reno_status_contracts_rows(p_programme bigint, p_as_of date,
                                                 p_project bigint DEFAULT NULL,
                                                 p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (project_id bigint, name text, kind text, contracts integer, amount numeric,
               paid numeric, remaining numeric, paid_pct double precision)
LANGUAGE sql STABLE AS $$
    WITH scope AS (
        SELECT p.id, p.name FROM project p
         WHERE p.programme_id = p_programme AND (p_project IS NULL OR p.id = p_project)
           AND (p_projects IS NULL OR p.id = ANY (p_projects))
    ), pay AS (
        SELECT f.contract_id, sum(f.amount) AS paid
          FROM fund_payment f JOIN scope s ON s.id = f.project_id
         WHERE f.paid_on <= p_as_of
         GROUP BY f.contract_id
    ), k AS (
        SELECT c.project_id, c.kind, c.amount, COALESCE(pay.paid, 0) AS paid
          FROM contract c JOIN scope s ON s.id = c.project_id
          LEFT JOIN pay ON pay.contract_id = c.id
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
     WHERE (p_project IS NULL AND p_projects IS NULL) OR x.all_projects = 0
     ORDER BY x.all_projects, x.project_id, x.all_kinds,
              array_position(ARRAY['construction', 'supervision', 'design', 'supplier', 'audit'],
                             x.kind)
$$;

CREATE OR REPLACE FUNCTION reno_status_contracts(p_programme bigint, p_as_of date,
                                                 p_project bigint DEFAULT NULL,
                                                 p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (project_id bigint, name text, kind text, contracts integer, amount numeric,
               paid numeric, remaining numeric, paid_pct double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE 'SELECT * FROM reno_status_contracts_rows($1, $2, $3, $4)'
        USING p_programme, p_as_of, p_project, p_projects;
END $$;

-- Per project, utility and segment with a part recorded by the date (or started by then:
-- a part recorded later with an earlier start counts), and who must act next there:
-- inside the red line the utility's lines wait for the government's trench and ducts
-- (the hand-off of section 六(一)), the backfill for the lines, and the handover (移交)
-- for everything else; outside and overhead, the utility. Then per utility and segment
-- over all projects, with how many of its projects wait on whom (one subquery per
-- utility and segment, a handful, not per project).
-- Each project's segments as of the date, judged: who must act next there. One
-- definition for the section's rows (reno_status_lines_rows, through
-- reno_status_lines_judged) and its totals over all projects (reno_status_lines_totals);
-- plain SQL, inlined into both. Which of the five parts inside the red line are done is
-- kept as the bits of one integer (trench 1, ducts 2, lay_lines 4, backfill 8,
-- clear_old_lines 16), one aggregate over the parts rather than five: at 60,000
-- projects building 240,000 arrays of the done parts took longer than reading the parts.
-- A segment's step (reno_status_lines_step) is the next thing to be done there, and its
-- words (reno_status_lines_waiting) depend only on the step, the segment and the
-- utility: the totals count segments per step and put words to the few steps.
--
-- The step: 0 nothing waits; 1 outside the red line or overhead, the utility's one part
-- is not done; inside the red line, 8 + the bits of trench and ducts done while either
-- is not (the government digs and lays the ducts), 2 the utility lays its lines, 3 the
-- government backfills, 4 the utility clears its old lines, 5 the government hands over.
CREATE OR REPLACE FUNCTION reno_status_lines_step(p_segment text, p_done integer,
                                                  p_done_parts integer, p_handed_over boolean)
RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
             WHEN p_segment <> 'inside_red_line' THEN CASE WHEN p_done < 1 THEN 1 ELSE 0 END
             WHEN p_done_parts & 3 <> 3 THEN 8 + (p_done_parts & 3)
             WHEN p_done_parts & 4 = 0 THEN 2
             WHEN p_done_parts & 8 = 0 THEN 3
             WHEN p_done_parts & 16 = 0 THEN 4
             WHEN NOT p_handed_over THEN 5
             ELSE 0 END
$$;

-- Who must act next at a step, and on what: '' when nothing waits.
CREATE OR REPLACE FUNCTION reno_status_lines_waiting(p_step integer, p_segment text,
                                                     p_utility_name text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_step
             WHEN 0 THEN ''
             WHEN 1 THEN p_utility_name || ': '
                         || reno_fld_part_name((reno_fld_segment_parts(p_segment))[1])
             WHEN 2 THEN p_utility_name || ': 线路埋设'
             WHEN 3 THEN 'government: 覆土'
             WHEN 4 THEN p_utility_name || ': 废旧线路规整'
             WHEN 5 THEN 'government: 移交'
             ELSE 'government: ' || concat_ws('、',
                      CASE WHEN p_step & 1 = 0 THEN reno_fld_part_name('trench') END,
                      CASE WHEN p_step & 2 = 0 THEN reno_fld_part_name('ducts') END) END
$$;

-- Per project, utility and segment with a part recorded by the date (or started by then:
-- a part recorded later with an earlier start counts): its parts done and in progress,
-- its length, its handover and its step, without names. With p_project, that project's
-- only; with p_projects, those projects' only (a page of the status), their line work
-- read by its project's index (said of line_work too: an array's ids, unlike one id, are
-- not carried over the join to it by the planner).
CREATE OR REPLACE FUNCTION reno_status_lines_segments(p_programme bigint, p_as_of date,
                                                      p_project bigint DEFAULT NULL,
                                                      p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (project_id bigint, utility_unit_id bigint, segment text, done integer,
               in_progress integer, length_m numeric, handed_over_on date, step integer)
LANGUAGE sql STABLE AS $$
    WITH seg AS (
        -- A part is done when its done_on is on or before the date, else in progress
        -- when its started_on is; a part recorded by the date but started later counts
        -- as planned.
        SELECT lw.project_id, lw.utility_unit_id, lw.segment,
               count(*) FILTER (WHERE lw.done_on <= p_as_of)::int AS done,
               count(*) FILTER (WHERE (lw.done_on <= p_as_of) IS NOT TRUE
                                  AND lw.started_on <= p_as_of)::int AS in_progress,
               max(lw.length_m) AS length_m,
               COALESCE(bit_or(CASE lw.part WHEN 'trench' THEN 1 WHEN 'ducts' THEN 2
                                            WHEN 'lay_lines' THEN 4 WHEN 'backfill' THEN 8
                                            WHEN 'clear_old_lines' THEN 16 ELSE 0 END)
                            FILTER (WHERE lw.done_on <= p_as_of), 0) AS done_parts
          FROM line_work lw JOIN project p ON p.id = lw.project_id
         WHERE p.programme_id = p_programme AND (p_project IS NULL OR p.id = p_project)
           AND (p_projects IS NULL OR lw.project_id = ANY (p_projects))
           AND (lw.started_on <= p_as_of OR lw.recorded_at::date <= p_as_of)
         GROUP BY lw.project_id, lw.utility_unit_id, lw.segment
    )
    SELECT seg.project_id, seg.utility_unit_id, seg.segment, seg.done, seg.in_progress,
           seg.length_m, h.handed_over_on,
           reno_status_lines_step(seg.segment, seg.done, seg.done_parts,
                                  h.handed_over_on IS NOT NULL)
      FROM seg
      LEFT JOIN line_handover h ON h.project_id = seg.project_id
                               AND h.utility_unit_id = seg.utility_unit_id
                               AND h.handed_over_on <= p_as_of
                               AND seg.segment = 'inside_red_line'
$$;

-- The segments with their project's and utility's names and the words of who waits.
DROP FUNCTION IF EXISTS reno_status_lines_judged(bigint, date, bigint);
CREATE OR REPLACE FUNCTION reno_status_lines_judged(p_programme bigint, p_as_of date,
                                                    p_project bigint DEFAULT NULL,
                                                    p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (project_id bigint, utility_unit_id bigint, segment text, done integer,
               in_progress integer, length_m numeric, project_name text, utility_code text,
               utility_name text, parts integer, handed_over_on date, waiting_on text)
LANGUAGE sql STABLE AS $$
    SELECT s.project_id, s.utility_unit_id, s.segment, s.done, s.in_progress, s.length_m,
           p.name, u.code, u.name, cardinality(reno_fld_segment_parts(s.segment)),
           s.handed_over_on, reno_status_lines_waiting(s.step, s.segment, u.name)
      FROM reno_status_lines_segments(p_programme, p_as_of, p_project, p_projects) s
      JOIN project p ON p.id = s.project_id
      JOIN unit u ON u.id = s.utility_unit_id
$$;

CREATE OR REPLACE FUNCTION reno_status_lines_rows(p_programme bigint, p_as_of date,
                                             p_project bigint DEFAULT NULL,
                                             p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (project_id bigint, name text, utility_code text, utility_name text, segment text,
               parts integer, parts_done integer, parts_in_progress integer,
               length_m double precision, waiting_on text, waiting integer,
               handed_over_on text)
LANGUAGE sql STABLE AS $$
    WITH judged AS MATERIALIZED (
        SELECT * FROM reno_status_lines_judged(p_programme, p_as_of, p_project, p_projects)
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
         WHERE p_project IS NULL AND p_projects IS NULL
         GROUP BY j.utility_unit_id, j.utility_code, j.utility_name, j.segment
         ORDER BY j.utility_unit_id,
                  array_position(ARRAY['inside_red_line', 'outside_red_line', 'overhead'], j.segment)
    ) utilities
$$;

-- Called with its arguments as values (EXECUTE ... USING), so that each call is planned
-- for them: the programme's, one project's, or a page's (p_projects, one statement for
-- all its ids, where one statement per project spent 160-240 ms on a page of 50 at
-- 60,000 projects, most of it planning).
CREATE OR REPLACE FUNCTION reno_status_lines(p_programme bigint, p_as_of date,
                                             p_project bigint DEFAULT NULL,
                                             p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (project_id bigint, name text, utility_code text, utility_name text, segment text,
               parts integer, parts_done integer, parts_in_progress integer,
               length_m double precision, waiting_on text, waiting integer,
               handed_over_on text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE 'SELECT * FROM reno_status_lines_rows($1, $2, $3, $4)'
        USING p_programme, p_as_of, p_project, p_projects;
END $$;

-- The latest survey of each kind per project by the date, then per kind over all projects
-- (their latest surveys summed). A project's households are those in the renovation's
-- scope (0015): a survey asks no more than those, so "asked" is a share of them. With
-- p_project, that project's rows only; with p_projects, those projects' rows only (a
-- page of the status, whose totals are reno_status_surveys_totals, status_totals.sql).
CREATE OR REPLACE FUNCTION reno_status_surveys_rows(p_programme bigint, p_as_of date,
                                               p_project bigint DEFAULT NULL,
                                               p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (project_id bigint, name text, kind text, surveyed_on text, surveys integer,
               households integer, households_asked integer, households_agreeing integer,
               asked_pct double precision, agreeing_pct double precision)
LANGUAGE sql STABLE AS $$
    WITH held AS (
        SELECT s.*, p.name AS project_name, p.households_in_scope AS households,
               row_number() OVER (PARTITION BY s.project_id, s.kind
                                  ORDER BY s.surveyed_on DESC, s.id DESC) AS latest,
               count(*) OVER (PARTITION BY s.project_id, s.kind) AS surveys
          FROM resident_survey s JOIN project p ON p.id = s.project_id
         WHERE p.programme_id = p_programme AND s.surveyed_on <= p_as_of
           AND (p_project IS NULL OR p.id = p_project)
           AND (p_projects IS NULL OR p.id = ANY (p_projects))
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
          FROM last l WHERE p_project IS NULL AND p_projects IS NULL
         GROUP BY l.kind ORDER BY l.kind DESC
    ) totals
$$;

CREATE OR REPLACE FUNCTION reno_status_surveys(p_programme bigint, p_as_of date,
                                               p_project bigint DEFAULT NULL,
                                               p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (project_id bigint, name text, kind text, surveyed_on text, surveys integer,
               households integer, households_asked integer, households_agreeing integer,
               asked_pct double precision, agreeing_pct double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE 'SELECT * FROM reno_status_surveys_rows($1, $2, $3, $4)'
        USING p_programme, p_as_of, p_project, p_projects;
END $$;

-- Expected reporters without a report in the round current on the date, as of that
-- date: the one definition of schema/functions/rounds.sql, so that the status, the
-- dashboard and the reports name the same units. A report stated after the date does
-- not count yet; a closed round's expected units are those of its frozen snapshot. With
-- p_project, that project's only; with p_projects, those projects' only.
CREATE OR REPLACE FUNCTION reno_status_missing(p_programme bigint, p_as_of date,
                                               p_project bigint DEFAULT NULL,
                                               p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (unit_id bigint, project_id bigint)
LANGUAGE sql STABLE AS $$
    SELECT t.unit_id, t.project_id
      FROM reno_status_current_round(p_programme, p_as_of) c
     CROSS JOIN LATERAL reno_round_timeliness(p_programme, c.round_on, p_as_of, p_project,
                                              p_projects) t
     WHERE t.timeliness = 'missing'
$$;

-- The current round's counts, over the same expected reporters as the missing ones
-- (reno_round_expected), as reno_round_timeliness would count them: a pair is missing
-- when no report of the programme's for it is stated by the date. Only whether each pair
-- reported is asked, not the first day it did: the round's reports by the date are read
-- in the order of round_report_round_reported (round, project, unit; it holds
-- reported_on, 0033_status_index_only, so the table is not read), each pair once as they
-- come, and the expected pairs are looked up in them once, counting as they go. (Through
-- reno_round_timeliness, which finds each pair's first day, this grouped the round's
-- 366,000 reports by pair and joined them: 2.0 s at 60,000 projects.) In an open round
-- every expected project is the programme's; a closed round's snapshot is checked as
-- before.
CREATE OR REPLACE FUNCTION reno_status_round(p_programme bigint, p_as_of date)
RETURNS TABLE (round_date text, effective_date text, window_closes_on text, state text,
               reports_expected integer, reports_received integer, units_missing integer)
LANGUAGE sql STABLE AS $$
    SELECT reno_status_iso(c.round_on), reno_status_iso(c.effective_on),
           reno_status_iso(c.window_closes_on), CASE WHEN c.closed THEN 'closed' ELSE 'open' END,
           e.expected, e.expected - e.missing, e.units
      FROM reno_status_current_round(p_programme, p_as_of) c
     CROSS JOIN LATERAL (
            SELECT count(*)::int AS expected,
                   (count(*) FILTER (WHERE m.missing))::int AS missing,
                   (count(DISTINCT m.unit_id) FILTER (WHERE m.missing))::int AS units
              FROM (SELECT x.unit_id,
                           r.project_id IS NULL
                           OR (c.closed AND NOT EXISTS (
                                   SELECT 1 FROM project p
                                    WHERE p.id = x.project_id AND p.programme_id = p_programme))
                               AS missing
                      FROM reno_round_expected(p_programme, c.round_on) x
                      LEFT JOIN (SELECT DISTINCT r.project_id, r.unit_id
                                   FROM round_report r
                                  WHERE r.round_on = c.round_on AND r.reported_on <= p_as_of) r
                        ON r.project_id = x.project_id AND r.unit_id = x.unit_id) m) e
$$;

CREATE OR REPLACE FUNCTION reno_status_missing_reporters_rows(p_programme bigint, p_as_of date,
                                                         p_project bigint DEFAULT NULL,
                                                         p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (unit_code text, unit_name text, project_id bigint, project_name text, duty text)
LANGUAGE sql STABLE AS $$
    SELECT u.code, u.name, p.id, p.name, COALESCE(pu.duty, '')
      FROM reno_status_missing(p_programme, p_as_of, p_project, p_projects) x
      JOIN unit u ON u.id = x.unit_id
      JOIN project p ON p.id = x.project_id
      LEFT JOIN project_unit pu ON pu.project_id = x.project_id AND pu.unit_id = x.unit_id
     ORDER BY u.id, p.id
$$;

-- Called with its arguments as values (EXECUTE ... USING), so that each call is planned
-- for them: the programme's, one project's, or some projects' (p_projects), whose rows
-- of project_unit and round_report are then read by index for their ids alone.
CREATE OR REPLACE FUNCTION reno_status_missing_reporters(p_programme bigint, p_as_of date,
                                                         p_project bigint DEFAULT NULL,
                                                         p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (unit_code text, unit_name text, project_id bigint, project_name text, duty text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE 'SELECT * FROM reno_status_missing_reporters_rows($1, $2, $3, $4)'
        USING p_programme, p_as_of, p_project, p_projects;
END $$;

-- The missing reporters of some projects only (those of one page of the status), in the
-- order of reno_status_missing_reporters's rows: one statement planned for all their ids
-- (p_projects, a value when it is planned), so that a page costs its projects, not the
-- programme's. (One statement per project, each planned for its id, took 0.26 s for a
-- page of 50 at 60,000 projects, nearly all of it planning; one statement with the ids
-- as a column of a join, not a value, was planned for the whole programme: 1.2 s for 50
-- of 20,000 projects.)
CREATE OR REPLACE FUNCTION reno_status_missing_reporters_of(p_programme bigint, p_as_of date,
                                                            p_projects bigint[])
RETURNS TABLE (unit_code text, unit_name text, project_id bigint, project_name text, duty text)
LANGUAGE sql STABLE AS $$
    SELECT * FROM reno_status_missing_reporters(p_programme, p_as_of, NULL,
                                                COALESCE(p_projects, '{}'))
$$;
