-- 0017_status_indexes: an index the set-based status functions (schema/functions/
-- status.sql) read by.
--
-- The units missing from a round are the responsible units without a report of that
-- round: one round's reports are found by their date, superseded ones included (they
-- still count as reported), which round_report_current (current reports only) and
-- round_report_project (by project first) cannot give without reading every round.
CREATE INDEX round_report_round ON round_report (round_on, project_id, unit_id);
