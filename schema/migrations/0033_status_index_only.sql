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
