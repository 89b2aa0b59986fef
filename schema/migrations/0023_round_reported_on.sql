-- 0023_round_reported_on: a round report states the day it was made (reported_on), and
-- timeliness is judged by that day against the round's window (schema/functions/
-- rounds.sql), not by when the row was written: a year entered after the fact, or
-- replayed, keeps each report's day. Reports written before this migration state the
-- day they were written (never before the round's collection day).

ALTER TABLE round_report ADD COLUMN reported_on date;

-- The guard refuses every change to a written report; this one fill is the migration's.
ALTER TABLE round_report DISABLE TRIGGER round_report_rules;
UPDATE round_report SET reported_on = GREATEST(effective_on, submitted_at::date);
ALTER TABLE round_report ENABLE TRIGGER round_report_rules;

ALTER TABLE round_report ALTER COLUMN reported_on SET NOT NULL,
    ADD CONSTRAINT reported_on CHECK (reported_on >= effective_on);
