-- 0033_status_index_only: indexes that the consolidated status reads at the size of a
-- province (60,000 projects) hold the columns its statements need, so that they are read
-- from the index alone, in its order, without the table. Each replaces an index with the
-- same keys (every query that read the old one reads the new one), so a write still
-- makes one entry in it, a few bytes longer.
--
-- A round's reports by project and unit (0017's round_report_round) with the day each
-- report states it was made: the round's counts (reno_status_round,
-- schema/functions/status.sql) read which pairs had reported by a past date, 366,000
-- reports in a round, in (project, unit) order, each pair once as it comes.
CREATE INDEX round_report_round_reported ON round_report (round_on, project_id, unit_id)
    INCLUDE (reported_on);
DROP INDEX round_report_round;

-- Each project's milestones in the order of their due dates (0028's
-- project_milestone_project_due) with the template and the day each was done: the phases
-- (reno_status_phases_rows) read the programme's 1.44 million milestones once, project
-- by project, from this index (68 MB at 60,000 projects, the table 227 MB). The day done
-- being in an index, marking a milestone done is no longer a heap-only update: it writes
-- an entry in the table's three indexes, once in a milestone's life.
CREATE INDEX project_milestone_project_due_done ON project_milestone (project_id, due)
    INCLUDE (template_id, done_on);
DROP INDEX project_milestone_project_due;
