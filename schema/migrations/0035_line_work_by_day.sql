-- 0035_line_work_by_day: each segment's line work as a history by day, kept as the parts
-- and handovers are written, so that the line work's totals of the consolidated status as
-- of a date (per utility and segment over all projects: schema/functions/status_totals.sql)
-- read one row per segment instead of every part. At 60,000 projects the totals read
-- 1.29 million parts, grouped into 237,000 segments, on every `reno status --as-of`
-- (about 1 s, the longest statement of the request); from these rows they read 237,000
-- narrow rows and group them by step.
--
-- A segment (project, utility, segment) holds the days its state may change on, from the
-- first day a part of it is there (reno_status_lines_segments, status.sql: a part is there
-- from the earlier of its start and the day it was recorded, in the database's time zone,
-- the one renod reads it in), each with the state from that day on: the parts done and in
-- progress, the longest part
-- there, which parts are done (the bits of reno_status_lines_segments) and whether the
-- facilities are handed over. The state as of a date is that of the last day on or before
-- it (width_bucket over the days, a binary search); before the first day the segment is
-- not there. Every condition of the state is "a day of a part on or before the date"
-- (started, done, recorded, handed over), so it changes only on those days. The status
-- judges the state (reno_status_lines_step): these rows hold facts only.
--
-- Kept by statement triggers on line_work and line_handover, in the transaction of the
-- write: the projects a statement touched have their segments' histories made again from
-- their parts (a few rows each; a bulk load makes them all in one pass). An advisory lock
-- taken first makes two writers of line work compute one after the other, each from what
-- the other committed (READ COMMITTED: each statement of a trigger sees what was committed
-- before it started). renod's writes are serialised by the audit chain already: this is
-- for any other writer, and unlike a lock on the table it never waits for a vacuum.
--
-- As with the money by day (0032), a county's programme replicated into a city's database
-- arrives by the subscription's apply worker, which fires no ordinary trigger: there the
-- totals read the parts themselves (reno_programme_replicated).

CREATE TABLE line_segment_history (
    project_id          bigint NOT NULL,
    utility_unit_id     bigint NOT NULL,
    segment             text NOT NULL,
    days                date[] NOT NULL,        -- ascending; the first is the segment's first
    done                integer[] NOT NULL,     -- from each day on, as the days
    in_progress         integer[] NOT NULL,
    length_m            numeric[] NOT NULL,
    done_parts          integer[] NOT NULL,
    handed_over         boolean[] NOT NULL,
    PRIMARY KEY (project_id, utility_unit_id, segment)
);

-- The histories of the projects' segments (all projects' with NULL), from their parts and
-- handovers as they are now. Each part is an event on the day it is there (its length), on
-- the day it started and on the day it was done (its bit, reno_status_lines_segments);
-- a handover inside the red line is one on its day. The events of a segment are summed
-- day by day, and the running sums over its days are its state from each day on: parts
-- started less parts done is what is in progress (a part done was started by then:
-- 0005's checks).
CREATE FUNCTION reno_line_history_rows(p_projects bigint[])
RETURNS TABLE (project_id bigint, utility_unit_id bigint, segment text, days date[],
               done integer[], in_progress integer[], length_m numeric[],
               done_parts integer[], handed_over boolean[])
LANGUAGE sql STABLE AS $$
    WITH event AS (
        SELECT lw.project_id, lw.utility_unit_id, lw.segment, e.day, e.started, e.done,
               e.bit, e.length_m, false AS handed_over
          FROM line_work lw
         CROSS JOIN LATERAL (VALUES
                 (least(lw.started_on, lw.recorded_at::date), 0, 0, 0, lw.length_m),
                 (lw.started_on, 1, 0, 0, NULL::numeric),
                 (lw.done_on, 0, 1,
                  CASE lw.part WHEN 'trench' THEN 1 WHEN 'ducts' THEN 2 WHEN 'lay_lines' THEN 4
                               WHEN 'backfill' THEN 8 WHEN 'clear_old_lines' THEN 16
                               ELSE 0 END, NULL)) e(day, started, done, bit, length_m)
         WHERE (p_projects IS NULL OR lw.project_id = ANY (p_projects)) AND e.day IS NOT NULL
        UNION ALL
        SELECT h.project_id, h.utility_unit_id, 'inside_red_line', h.handed_over_on, 0, 0, 0,
               NULL, true
          FROM line_handover h
         WHERE p_projects IS NULL OR h.project_id = ANY (p_projects)
    ), by_day AS (
        SELECT e.project_id, e.utility_unit_id, e.segment, e.day, sum(e.started) AS started,
               sum(e.done) AS done, bit_or(e.bit) AS bits, max(e.length_m) AS length_m,
               bool_or(e.handed_over) AS handed_over
          FROM event e
         GROUP BY e.project_id, e.utility_unit_id, e.segment, e.day
    ), running AS (
        SELECT d.project_id, d.utility_unit_id, d.segment, d.day,
               sum(d.started) OVER w AS started, sum(d.done) OVER w AS done,
               bit_or(d.bits) OVER w AS bits, max(d.length_m) OVER w AS length_m,
               bool_or(d.handed_over) OVER w AS handed_over
          FROM by_day d
        WINDOW w AS (PARTITION BY d.project_id, d.utility_unit_id, d.segment ORDER BY d.day)
    )
    -- A day before the segment's first part (a handover recorded before any of its parts)
    -- has no length yet: the segment is not there. A handover of a project and utility
    -- without line work inside the red line makes no segment.
    SELECT r.project_id, r.utility_unit_id, r.segment, array_agg(r.day ORDER BY r.day),
           array_agg(r.done::int ORDER BY r.day),
           array_agg((r.started - r.done)::int ORDER BY r.day),
           array_agg(r.length_m ORDER BY r.day), array_agg(r.bits ORDER BY r.day),
           array_agg(r.handed_over ORDER BY r.day)
      FROM running r
     WHERE r.length_m IS NOT NULL
     GROUP BY r.project_id, r.utility_unit_id, r.segment
$$;

-- The projects' segments' histories made again from what their line work is now.
CREATE FUNCTION reno_line_history_refresh(p_projects bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(p_projects) = 0 THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('reno.line_segment_history', 0));
    DELETE FROM line_segment_history h WHERE h.project_id = ANY (p_projects);
    INSERT INTO line_segment_history
    SELECT * FROM reno_line_history_rows(p_projects);
END $$;

-- The projects a statement wrote (its transition tables: new rows of an insert, old rows of
-- a delete, both of an update), made again.
CREATE FUNCTION line_history_of_statement() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM reno_line_history_refresh(ARRAY(SELECT DISTINCT n.project_id FROM new_rows n));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM reno_line_history_refresh(ARRAY(SELECT DISTINCT o.project_id FROM old_rows o));
    ELSE
        PERFORM reno_line_history_refresh(ARRAY(SELECT n.project_id FROM new_rows n
                                                UNION SELECT o.project_id FROM old_rows o));
    END IF;
    RETURN NULL;
END $$;

-- A trigger with transition tables has one event: three per table.
CREATE TRIGGER line_work_history_insert AFTER INSERT ON line_work
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION line_history_of_statement();
CREATE TRIGGER line_work_history_update AFTER UPDATE ON line_work
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION line_history_of_statement();
CREATE TRIGGER line_work_history_delete AFTER DELETE ON line_work
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION line_history_of_statement();
CREATE TRIGGER line_handover_history_insert AFTER INSERT ON line_handover
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION line_history_of_statement();
CREATE TRIGGER line_handover_history_update AFTER UPDATE ON line_handover
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION line_history_of_statement();
CREATE TRIGGER line_handover_history_delete AFTER DELETE ON line_handover
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION line_history_of_statement();

-- What the line work of this database's own programmes holds today.
INSERT INTO line_segment_history
SELECT h.* FROM reno_line_history_rows(NULL) h
  JOIN project p ON p.id = h.project_id
 WHERE NOT reno_programme_replicated(p.programme_id);
