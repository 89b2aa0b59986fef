-- status_totals: the totals rows (project_id 0) of the sections of the consolidated status
-- whose project rows a page cuts to its own projects (funds, contracts, line work,
-- surveys), each computed over the whole programme without its project rows. A status as
-- of a past date asked for one page (server/status.c) reads the page's projects' rows
-- with each section's p_project (or, for the surveys, p_projects) and these totals,
-- instead of every project's rows: at 20,000 projects the funds' totals alone take a
-- quarter of the whole section.
--
-- Each function returns exactly the rows of project_id 0 of its section's function in
-- schema/functions/status.sql, with the same columns and in the same order; suite
-- status_asof compares every page with the whole programme's statements.
--
-- Each is a query (reno_status_<x>_totals_rows, plain SQL) and the entry point renod calls
-- (reno_status_<x>_totals), which runs it with EXECUTE so that it is planned for the
-- values of its arguments, as the sections' own functions are (status.sql).
--
-- Re-runnable (CREATE OR REPLACE only, DROP when a signature changes): renod migrate
-- applies every file of schema/functions after the migrations, on every run;
-- 0031_status_page.sql and 0034_status_surveys_totals.sql let the serving role call the
-- entry points.

-- reno_status_funds_rows's rows per source over all projects and in all. Its totals add
-- up the (project, source) sums; these add up, for each source, the programme's money by
-- day up to the date (fund_day, 0032_money_by_day.sql): a few rows per day of the year,
-- not every movement. A source appears when something of it was allocated, received or
-- paid by then (every movement is positive: a source whose sums are zero has none, and
-- its rows are what a moved project left). For a programme replicated from a county,
-- whose money by day this database does not keep, the sums are those of the ledgers'
-- movements themselves; either way the same exact numeric sums.
CREATE OR REPLACE FUNCTION reno_status_funds_totals_rows(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, source text, source_name text, allocated numeric,
               received numeric, paid numeric, available numeric, received_pct double precision)
LANGUAGE sql STABLE AS $$
    WITH scope AS (
        SELECT p.id FROM project p
         WHERE p.programme_id = p_programme AND (SELECT reno_programme_replicated(p_programme))
    ), ledger AS (
        SELECT a.source::text AS source, a.amount AS allocated, 0::numeric AS received,
               0::numeric AS paid
          FROM fund_allocation a JOIN scope s ON s.id = a.project_id
         WHERE a.allocated_on <= p_as_of
        UNION ALL
        SELECT a.source::text, 0, r.amount, 0
          FROM fund_receipt r JOIN fund_allocation a ON a.id = r.allocation_id
          JOIN scope s ON s.id = a.project_id
         WHERE r.received_on <= p_as_of
        UNION ALL
        SELECT f.source::text, 0, 0, f.amount
          FROM fund_payment f JOIN scope s ON s.id = f.project_id
         WHERE f.paid_on <= p_as_of
    ), by_source AS (
        SELECT d.source::text AS source, sum(d.allocated) AS allocated,
               sum(d.received) AS received, sum(d.paid) AS paid
          FROM fund_day d
         WHERE d.programme_id = p_programme AND d.day <= p_as_of
           AND NOT (SELECT reno_programme_replicated(p_programme))
         GROUP BY d.source
        HAVING sum(d.allocated) <> 0 OR sum(d.received) <> 0 OR sum(d.paid) <> 0
        UNION ALL
        SELECT l.source, sum(l.allocated), sum(l.received), sum(l.paid)
          FROM ledger l
         GROUP BY l.source
    ), sums AS (
        SELECT b.source, sum(b.allocated) AS allocated, sum(b.received) AS received,
               sum(b.paid) AS paid, GROUPING(b.source) AS all_sources
          FROM by_source b
         GROUP BY GROUPING SETS ((b.source), ())
    )
    SELECT 0::bigint, '合计',
           CASE WHEN x.all_sources = 1 THEN NULL ELSE x.source END,
           reno_status_source_name(CASE WHEN x.all_sources = 1 THEN NULL ELSE x.source END),
           COALESCE(x.allocated, 0), COALESCE(x.received, 0), COALESCE(x.paid, 0),
           COALESCE(x.received, 0) - COALESCE(x.paid, 0),
           reno_status_pct(COALESCE(x.received, 0), COALESCE(x.allocated, 0))
      FROM sums x
     ORDER BY x.all_sources, reno_status_source_order(x.source)
$$;

-- reno_status_contracts_rows's rows per kind over all projects and in all: the
-- programme's contracts by day up to the date (contract_day, 0032_money_by_day.sql), or
-- for a programme replicated from a county, the contracts themselves. A kind appears when
-- a contract of it was awarded by the date; what was paid on it by then is kept by day
-- under the later of the payment's and the contract's day.
CREATE OR REPLACE FUNCTION reno_status_contracts_totals_rows(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, kind text, contracts integer, amount numeric,
               paid numeric, remaining numeric, paid_pct double precision)
LANGUAGE sql STABLE AS $$
    WITH scope AS (
        SELECT p.id FROM project p
         WHERE p.programme_id = p_programme AND (SELECT reno_programme_replicated(p_programme))
    ), pay AS (
        SELECT f.contract_id, sum(f.amount) AS paid
          FROM fund_payment f JOIN scope s ON s.id = f.project_id
         WHERE f.paid_on <= p_as_of
         GROUP BY f.contract_id
    ), k AS (
        SELECT c.kind, c.amount, COALESCE(pay.paid, 0) AS paid
          FROM contract c JOIN scope s ON s.id = c.project_id
          LEFT JOIN pay ON pay.contract_id = c.id
         WHERE c.awarded_on <= p_as_of
    ), by_kind AS (
        SELECT d.kind, sum(d.contracts) AS contracts, sum(d.amount) AS amount,
               sum(d.paid) AS paid
          FROM contract_day d
         WHERE d.programme_id = p_programme AND d.day <= p_as_of
           AND NOT (SELECT reno_programme_replicated(p_programme))
         GROUP BY d.kind
        HAVING sum(d.contracts) > 0
        UNION ALL
        SELECT k.kind, count(*), sum(k.amount), sum(k.paid) FROM k GROUP BY k.kind
    ), sums AS (
        SELECT b.kind, COALESCE(sum(b.contracts), 0)::int AS contracts, sum(b.amount) AS amount,
               sum(b.paid) AS paid, GROUPING(b.kind) AS all_kinds
          FROM by_kind b
         GROUP BY GROUPING SETS ((b.kind), ())
    )
    SELECT 0::bigint, '合计', CASE WHEN x.all_kinds = 1 THEN NULL ELSE x.kind END,
           x.contracts, COALESCE(x.amount, 0), COALESCE(x.paid, 0),
           COALESCE(x.amount, 0) - COALESCE(x.paid, 0),
           reno_status_pct(COALESCE(x.paid, 0), COALESCE(x.amount, 0))
      FROM sums x
     ORDER BY x.all_kinds,
              array_position(ARRAY['construction', 'supervision', 'design', 'supplier', 'audit'],
                             x.kind)
$$;

-- reno_status_lines_rows's rows per utility and segment over all projects, from the same
-- segments and steps: the segments are counted per utility, segment and step, and only
-- those few groups are named and put into words (reno_status_lines_waiting), as
-- reno_status_lines_judged words each segment; the segments of a group wait on the same
-- party, so that a group's count is that party's share. (Judging, naming and wording each
-- of the 237,000 segments of 60,000 projects into a table that was then read twice took
-- 1.5-5 s.) Each segment's state as of the date is read from its history by day
-- (line_segment_history, 0035_line_work_by_day.sql), one row per segment, and judged as
-- reno_status_lines_segments (schema/functions/status.sql) judges it from the parts
-- (grouping the 1.29 million parts of 60,000 projects into segments took about 1 s); for
-- a programme replicated from a county, whose histories this database does not keep,
-- from the parts themselves.
CREATE OR REPLACE FUNCTION reno_status_lines_totals_rows(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, utility_code text, utility_name text, segment text,
               parts integer, parts_done integer, parts_in_progress integer,
               length_m double precision, waiting_on text, waiting integer,
               handed_over_on text)
LANGUAGE sql STABLE AS $$
    WITH judged AS (
        -- Each segment's state on the last day of its history on or before the date.
        SELECT x.utility_unit_id, x.segment,
               reno_status_lines_step(x.segment, x.done[x.i], x.done_parts[x.i],
                                      x.handed_over[x.i]) AS step,
               x.done[x.i] AS done, x.in_progress[x.i] AS in_progress,
               x.length_m[x.i] AS length_m
          FROM (SELECT h.*, width_bucket(p_as_of, h.days) AS i
                  FROM line_segment_history h JOIN project p ON p.id = h.project_id
                 WHERE p.programme_id = p_programme
                   AND NOT (SELECT reno_programme_replicated(p_programme))) x
         WHERE x.i > 0
        UNION ALL
        SELECT g.utility_unit_id, g.segment, g.step, g.done, g.in_progress, g.length_m
          FROM reno_status_lines_segments(p_programme, p_as_of, NULL) g
         WHERE (SELECT reno_programme_replicated(p_programme))
    ), steps AS MATERIALIZED (
        SELECT s.utility_unit_id, s.segment, u.code, u.name,
               reno_status_lines_waiting(s.step, s.segment, u.name) AS waiting_on, s.n,
               s.done, s.in_progress, s.length_m
          FROM (SELECT g.utility_unit_id, g.segment, g.step, count(*) AS n,
                       sum(g.done) AS done, sum(g.in_progress) AS in_progress,
                       max(g.length_m) AS length_m
                  FROM judged g
                 GROUP BY g.utility_unit_id, g.segment, g.step) s
          JOIN unit u ON u.id = s.utility_unit_id
    ), who AS (
        -- How many segments of each utility and segment wait on whom.
        SELECT c.utility_unit_id, c.segment,
               string_agg(c.who || ' ' || c.n, '、' ORDER BY c.who) AS waiting_on
          FROM (SELECT x.utility_unit_id, x.segment, split_part(x.waiting_on, ':', 1) AS who,
                       sum(x.n) AS n
                  FROM steps x WHERE x.waiting_on <> ''
                 GROUP BY 1, 2, 3) c
         GROUP BY c.utility_unit_id, c.segment
    )
    SELECT 0::bigint, '合计', s.code, s.name, s.segment,
           (sum(s.n) * cardinality(reno_fld_segment_parts(s.segment)))::int, sum(s.done)::int,
           sum(s.in_progress)::int, max(s.length_m)::double precision,
           COALESCE(min(who.waiting_on), ''),
           COALESCE(sum(s.n) FILTER (WHERE s.waiting_on <> ''), 0)::int, ''
      FROM steps s
      LEFT JOIN who ON who.utility_unit_id = s.utility_unit_id AND who.segment = s.segment
     GROUP BY s.utility_unit_id, s.code, s.name, s.segment
     ORDER BY s.utility_unit_id,
              array_position(ARRAY['inside_red_line', 'outside_red_line', 'overhead'], s.segment)
$$;

CREATE OR REPLACE FUNCTION reno_status_funds_totals(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, source text, source_name text, allocated numeric,
               received numeric, paid numeric, available numeric, received_pct double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE 'SELECT * FROM reno_status_funds_totals_rows($1, $2)'
        USING p_programme, p_as_of;
END $$;

CREATE OR REPLACE FUNCTION reno_status_contracts_totals(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, kind text, contracts integer, amount numeric,
               paid numeric, remaining numeric, paid_pct double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE 'SELECT * FROM reno_status_contracts_totals_rows($1, $2)'
        USING p_programme, p_as_of;
END $$;

CREATE OR REPLACE FUNCTION reno_status_lines_totals(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, utility_code text, utility_name text, segment text,
               parts integer, parts_done integer, parts_in_progress integer,
               length_m double precision, waiting_on text, waiting integer,
               handed_over_on text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE 'SELECT * FROM reno_status_lines_totals_rows($1, $2)'
        USING p_programme, p_as_of;
END $$;

-- reno_status_surveys_rows's rows per kind over all projects: each project's latest
-- survey of the kind by the date, summed, with every survey of the kind by then counted
-- and the latest day of them all (the latest of the latest surveys). The surveys of the
-- programme's projects by the date are read once in the order of resident_survey's key
-- (project, kind, day), each project's latest of a kind the last of its run, instead of
-- numbering and counting every project's surveys by window to make its rows first.
CREATE OR REPLACE FUNCTION reno_status_surveys_totals_rows(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, kind text, surveyed_on text, surveys integer,
               households integer, households_asked integer, households_agreeing integer,
               asked_pct double precision, agreeing_pct double precision)
LANGUAGE sql STABLE AS $$
    WITH last AS (
        SELECT DISTINCT ON (s.project_id, s.kind) s.kind, s.surveyed_on,
               p.households_in_scope AS households, s.households_asked,
               s.households_agreeing
          FROM resident_survey s JOIN project p ON p.id = s.project_id
         WHERE p.programme_id = p_programme AND s.surveyed_on <= p_as_of
         ORDER BY s.project_id, s.kind, s.surveyed_on DESC, s.id DESC
    ), counted AS (
        SELECT s.kind, count(*) AS surveys
          FROM resident_survey s JOIN project p ON p.id = s.project_id
         WHERE p.programme_id = p_programme AND s.surveyed_on <= p_as_of
         GROUP BY s.kind
    )
    SELECT 0::bigint, '合计', l.kind, reno_status_iso(max(l.surveyed_on)),
           min(c.surveys)::int, sum(l.households)::int, sum(l.households_asked)::int,
           sum(l.households_agreeing)::int,
           reno_status_pct(sum(l.households_asked), sum(l.households)),
           reno_status_pct(sum(l.households_agreeing), sum(l.households_asked))
      FROM last l JOIN counted c ON c.kind = l.kind
     GROUP BY l.kind ORDER BY l.kind DESC
$$;

CREATE OR REPLACE FUNCTION reno_status_surveys_totals(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, kind text, surveyed_on text, surveys integer,
               households integer, households_asked integer, households_agreeing integer,
               asked_pct double precision, agreeing_pct double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE 'SELECT * FROM reno_status_surveys_totals_rows($1, $2)'
        USING p_programme, p_as_of;
END $$;
