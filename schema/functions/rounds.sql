-- rounds: when a unit's report for a collection round is on time, late or missing. One
-- definition, reno_round_timeliness(), read by the half-monthly report (section 七), the
-- monthly notice, `reno round reports`, `reno round missing`, the consolidated status's
-- missing reporters and so the dashboard.
--
-- A round is judged by its own window (0006: from the effective date to
-- window_closes_on) against the day each report states it was made (round_report.
-- reported_on, 0015), never against the time the row was written: a year typed in
-- after the fact, or replayed, judges every round as it was. Live, reported_on is the
-- day of the write; a unit may state an earlier day (not before the round opened, and
-- never earlier than a report of its own it replaces), and the write time stays in the
-- record beside it (submitted_at, the audit log).
--
-- Re-runnable (CREATE OR REPLACE; DROP where a signature or result changed): renod
-- migrate applies it after the migrations on every run.

DROP FUNCTION IF EXISTS reno_round_expected(bigint, date, bigint);
DROP FUNCTION IF EXISTS reno_round_timeliness(bigint, date, date, bigint);

-- Late: reported after the day the window closed.
CREATE OR REPLACE FUNCTION reno_round_is_late(p_reported_on date, p_window_closes_on date)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT p_reported_on > p_window_closes_on
$$;

-- Every unit and project expected to report in the round: in an open round, the
-- responsible units (project_unit); in a closed round, those its frozen snapshot holds
-- (missing, or reported while responsible); with p_project, that project's only; with
-- p_projects, those projects' only (a page of the status). The one definition of who is
-- expected, read by reno_round_timeliness and by the consolidated status's round counts
-- (reno_status_round), which need only whether each reported.
CREATE OR REPLACE FUNCTION reno_round_expected(p_programme bigint, p_round date,
                                               p_project bigint DEFAULT NULL,
                                               p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (unit_id bigint, project_id bigint)
LANGUAGE sql STABLE AS $$
    WITH rd AS (
        SELECT r.close_id FROM reno_sup_rounds(p_programme) r WHERE r.round_on = p_round
    )
    -- An open round: the responsible units, each pair once by project_unit's key (a
    -- UNION here hashed every pair of the programme again to find no duplicate).
    SELECT pu.unit_id, pu.project_id
      FROM rd CROSS JOIN project_unit pu JOIN project p ON p.id = pu.project_id
     WHERE rd.close_id IS NULL
       AND p.programme_id = p_programme AND (p_project IS NULL OR p.id = p_project)
       AND (p_projects IS NULL OR p.id = ANY (p_projects))
    UNION ALL
    SELECT c.unit_id, c.project_id FROM (
        SELECT pu.unit_id, pu.project_id
          FROM rd CROSS JOIN project_unit pu JOIN project p ON p.id = pu.project_id
         WHERE rd.close_id IS NOT NULL
           AND p.programme_id = p_programme AND (p_project IS NULL OR p.id = p_project)
           AND (p_projects IS NULL OR p.id = ANY (p_projects))
           AND EXISTS (SELECT 1 FROM round_snapshot_report s
                        WHERE s.round_close_id = rd.close_id AND s.unit_id = pu.unit_id
                          AND s.project_id = pu.project_id)
        UNION
        SELECT s.unit_id, s.project_id
          FROM rd JOIN round_snapshot_missing s ON s.round_close_id = rd.close_id
         WHERE (p_project IS NULL OR s.project_id = p_project)
           AND (p_projects IS NULL OR s.project_id = ANY (p_projects))) c
$$;

-- Every unit and project expected to report in the round (reno_round_expected), with
-- the first day it reported (a report later superseded still counts: the unit did
-- report) and whether that was on time, late or is missing. With p_as_of, only reports
-- stated by that day count, so that a status as of a past day sees the round as it stood
-- then; with p_project, that project's only; with p_projects, those projects' only.
-- Set-based: each table is read once for the round (0006's indexes on round_report by
-- round and project serve it).
CREATE OR REPLACE FUNCTION reno_round_timeliness(p_programme bigint, p_round date,
                                                 p_as_of date DEFAULT NULL,
                                                 p_project bigint DEFAULT NULL,
                                                 p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (unit_id bigint, project_id bigint, first_reported_on date,
               window_closes_on date, timeliness text)
LANGUAGE sql STABLE AS $$
    WITH rd AS (
        SELECT r.round_on, r.window_closes_on
          FROM reno_sup_rounds(p_programme) r WHERE r.round_on = p_round
    ), firsts AS (
        SELECT r.unit_id, r.project_id, min(r.reported_on) AS first_on
          FROM round_report r JOIN project p ON p.id = r.project_id
         WHERE p.programme_id = p_programme AND r.round_on = p_round
           AND (p_project IS NULL OR r.project_id = p_project)
           AND (p_projects IS NULL OR r.project_id = ANY (p_projects))
           AND (p_as_of IS NULL OR r.reported_on <= p_as_of)
         GROUP BY r.unit_id, r.project_id
    )
    SELECT e.unit_id, e.project_id, f.first_on, rd.window_closes_on,
           CASE WHEN f.first_on IS NULL THEN 'missing'
                WHEN reno_round_is_late(f.first_on, rd.window_closes_on) THEN 'late'
                ELSE 'on_time' END
      FROM reno_round_expected(p_programme, p_round, p_project, p_projects) e CROSS JOIN rd
      LEFT JOIN firsts f ON f.unit_id = e.unit_id AND f.project_id = e.project_id
$$;

-- The Chinese words for a timeliness, as the documents print them.
CREATE OR REPLACE FUNCTION reno_round_timeliness_name(p_timeliness text, p_on date)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_timeliness
               WHEN 'on_time' THEN '按时报送'
               WHEN 'late' THEN '逾时报送（' || to_char(p_on, 'FMMM"月"FMDD"日"') || '）'
               ELSE '未报送' END
$$;

-- Round reports never change once written, reported_on included (0006's guard, with the
-- column 0015 added).
CREATE OR REPLACE FUNCTION round_report_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r round_report%ROWTYPE;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'round reports are never deleted; a later report supersedes one'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    r := NEW;
    IF EXISTS (SELECT 1 FROM round_close c JOIN project p ON p.programme_id = c.programme_id
                WHERE p.id = r.project_id AND c.round_on = r.round_on) THEN
        RAISE EXCEPTION 'the round of % is closed: its reports are frozen', r.round_on
            USING ERRCODE = 'RN409', COLUMN = 'round_date', DETAIL = 'round_closed',
                  HINT = r.round_on::text;
    END IF;
    IF TG_OP = 'UPDATE' AND (OLD.superseded_by IS NOT NULL
        OR (NEW.id, NEW.round_on, NEW.effective_on, NEW.project_id, NEW.unit_id, NEW.account_id,
            NEW.households_started, NEW.households_completed, NEW.investment_completed,
            NEW.problems, NEW.help_needed, NEW.progress_report_id, NEW.submitted_at,
            NEW.reported_on)
           IS DISTINCT FROM
           (OLD.id, OLD.round_on, OLD.effective_on, OLD.project_id, OLD.unit_id, OLD.account_id,
            OLD.households_started, OLD.households_completed, OLD.investment_completed,
            OLD.problems, OLD.help_needed, OLD.progress_report_id, OLD.submitted_at,
            OLD.reported_on)) THEN
        RAISE EXCEPTION 'a round report never changes; a later report supersedes it'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

-- SubmitRoundReport with the day the unit states it reported (reported_on, empty: today).
DROP FUNCTION IF EXISTS reno_op_submit_round_report(bigint, bytea, bytea, bigint, text, integer,
                                                    integer, numeric, text, text);
CREATE OR REPLACE FUNCTION reno_op_submit_round_report(p_account bigint, p_key bytea,
                                                       p_digest bytea, p_project_id bigint,
                                                       p_round_date text,
                                                       p_households_started integer,
                                                       p_households_completed integer,
                                                       p_investment_completed numeric,
                                                       p_problems text, p_help_needed text,
                                                       p_reported_on text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_programme bigint := reno_programme_of(p_account);
    v_round record;
    v_households integer;
    v_unit bigint;
    v_reported_on date;
    v_progress progress_report%ROWTYPE;
    v_old_before round_report%ROWTYPE;
    v_old_after round_report%ROWTYPE;
    v_new round_report%ROWTYPE;
    v_new_id bigint;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'submit_round_report');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_project_check(p_account, p_project_id);
    -- The same rule as push_progress: the office, or a unit named responsible for the
    -- project (project_unit). A leader never writes.
    IF NOT reno_may_push_progress(p_account, p_project_id) THEN
        RAISE EXCEPTION 'your unit is not responsible for project %', p_project_id
            USING ERRCODE = 'RN403';
    END IF;
    -- Taken before the round is read, so that a closure in progress is seen once it commits.
    PERFORM reno_sup_lock_rounds(v_programme);
    SELECT * INTO v_round FROM reno_sup_round(p_account, p_round_date, 'round_date');
    -- CONFLICT, not BAD_REQUEST: the request is well formed, but the round was closed
    -- and its figures sent up; nothing may change under what was reported.
    IF v_round.state = 'closed' THEN
        RAISE EXCEPTION 'the round of % was closed at %: it takes no more reports',
                        v_round.round_on, reno_sup_ts(v_round.closed_at)
            USING ERRCODE = 'RN409', COLUMN = 'round_date', DETAIL = 'round_closed',
                  HINT = v_round.round_on::text;
    END IF;
    -- A report is as of the effective date, which must have come (as push_progress
    -- refuses a report dated in the future).
    IF v_round.state = 'upcoming' THEN
        RAISE EXCEPTION 'the round of % opens on %', v_round.round_on, v_round.effective_on
            USING ERRCODE = 'check_violation', COLUMN = 'round_date';
    END IF;
    v_reported_on := COALESCE(reno_date(p_reported_on, 'reported_on', false), current_date);
    IF v_reported_on < v_round.effective_on OR v_reported_on > current_date THEN
        RAISE EXCEPTION 'reported_on must be between the round''s collection day % and today, got %',
                        v_round.effective_on, v_reported_on
            USING ERRCODE = 'check_violation', COLUMN = 'reported_on';
    END IF;
    SELECT households INTO v_households FROM project WHERE project.id = p_project_id;
    IF p_households_started IS NULL OR p_households_started NOT BETWEEN 0 AND v_households THEN
        RAISE EXCEPTION 'households_started must be 0..% (the project''s households), got %',
                        v_households, p_households_started
            USING ERRCODE = 'check_violation', COLUMN = 'households_started';
    END IF;
    IF p_households_completed IS NULL
       OR p_households_completed NOT BETWEEN 0 AND p_households_started THEN
        RAISE EXCEPTION 'households_completed must be 0..% (households_started), got %',
                        p_households_started, p_households_completed
            USING ERRCODE = 'check_violation', COLUMN = 'households_completed';
    END IF;
    -- numeric(16, 2) holds up to 10^14 yuan, far above any renovation budget.
    IF p_investment_completed IS NULL OR p_investment_completed < 0
       OR p_investment_completed >= 1e14 THEN
        RAISE EXCEPTION 'investment_completed must be an amount of yuan ≥ 0, got %', p_investment_completed
            USING ERRCODE = 'check_violation', COLUMN = 'investment_completed';
    END IF;
    SELECT a.unit_id INTO v_unit FROM account a WHERE a.id = p_account;

    -- The same unit's current report for this round and project, if any, is superseded.
    -- A correction cannot state an earlier day than what it corrects: lateness is
    -- judged by the first report, and a later one must not move it.
    SELECT * INTO v_old_before FROM round_report r
     WHERE r.round_on = v_round.round_on AND r.project_id = p_project_id
       AND r.unit_id = v_unit AND r.superseded_by IS NULL
       FOR UPDATE;
    IF v_old_before.id IS NOT NULL AND v_reported_on < v_old_before.reported_on THEN
        RAISE EXCEPTION 'reported_on % is before % of the report it replaces',
                        v_reported_on, v_old_before.reported_on
            USING ERRCODE = 'check_violation', COLUMN = 'reported_on';
    END IF;

    -- The consolidated status reads progress_report: the round's figures go there too,
    -- dated the effective date. A later report has a later id and so wins the same date.
    INSERT INTO progress_report (project_id, report_date, households_started,
                                 households_completed, note, account_id, unit_id)
    VALUES (p_project_id, v_round.effective_on, p_households_started, p_households_completed,
            '半月调度 ' || to_char(v_round.round_on, 'YYYY-MM-DD'), p_account, v_unit)
    RETURNING * INTO v_progress;
    PERFORM reno_audit(p_account, 'submit_round_report', 'progress_report', v_progress.id, NULL,
                       to_jsonb(v_progress));

    -- Marked first (the one-current index allows no second current row), then the new
    -- row is written with the id the mark points to.
    v_new_id := nextval(pg_get_serial_sequence('round_report', 'id'));
    IF v_old_before.id IS NOT NULL THEN
        UPDATE round_report r SET superseded_by = v_new_id WHERE r.id = v_old_before.id
        RETURNING * INTO v_old_after;
        PERFORM reno_audit(p_account, 'submit_round_report', 'round_report', v_old_after.id,
                           to_jsonb(v_old_before), to_jsonb(v_old_after));
    END IF;
    INSERT INTO round_report (id, round_on, effective_on, project_id, unit_id, account_id,
                              households_started, households_completed, investment_completed,
                              problems, help_needed, progress_report_id, reported_on)
    VALUES (v_new_id, v_round.round_on, v_round.effective_on, p_project_id, v_unit, p_account,
            p_households_started, p_households_completed, round(p_investment_completed, 2),
            COALESCE(p_problems, ''), COALESCE(p_help_needed, ''), v_progress.id, v_reported_on)
    RETURNING * INTO v_new;
    PERFORM reno_audit(p_account, 'submit_round_report', 'round_report', v_new.id, NULL,
                       to_jsonb(v_new));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'submit_round_report', v_new.id);
    RETURN QUERY SELECT v_new.id, false;
END $$;

-- `reno round reports`: each report with the day it states and whether that was late.
DROP FUNCTION IF EXISTS reno_op_list_round_reports(bigint, text);
CREATE OR REPLACE FUNCTION reno_op_list_round_reports(p_account bigint, p_round_date text)
RETURNS TABLE (id bigint, round_date text, effective_date text, project_id bigint,
               project_name text, unit_code text, unit_name text, username text,
               submitted_at text, households_started integer, households_completed integer,
               investment_completed numeric, problems text, help_needed text,
               superseded boolean, superseded_by bigint, late boolean, reported_on text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_round record;
BEGIN
    SELECT * INTO v_round FROM reno_sup_round(p_account, p_round_date, 'round_date');
    RETURN QUERY
    SELECT r.id, to_char(r.round_on, 'YYYY-MM-DD'), to_char(r.effective_on, 'YYYY-MM-DD'),
           p.id, p.name, u.code, u.name, a.username, reno_sup_ts(r.submitted_at),
           r.households_started, r.households_completed, r.investment_completed, r.problems,
           r.help_needed, r.superseded_by IS NOT NULL, COALESCE(r.superseded_by, 0),
           reno_round_is_late(r.reported_on, v_round.window_closes_on),
           to_char(r.reported_on, 'YYYY-MM-DD')
      FROM round_report r
      JOIN project p ON p.id = r.project_id
      JOIN unit u ON u.id = r.unit_id
      JOIN account a ON a.id = r.account_id
     WHERE p.programme_id = reno_programme_of(p_account) AND r.round_on = v_round.round_on
     ORDER BY p.id, u.id, r.id;
END $$;

-- `reno round missing`: the round's expected reporters without a report.
CREATE OR REPLACE FUNCTION reno_op_list_missing_reporters(p_account bigint, p_round_date text)
RETURNS TABLE (unit_code text, unit_name text, project_id bigint, project_name text, duty text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_round record;
BEGIN
    SELECT * INTO v_round FROM reno_sup_round(p_account, p_round_date, 'round_date');
    IF v_round.state = 'upcoming' THEN
        RAISE EXCEPTION 'the round of % opens on %: nobody is missing yet', v_round.round_on,
                        v_round.effective_on
            USING ERRCODE = 'check_violation', COLUMN = 'round_date';
    END IF;
    RETURN QUERY
    SELECT u.code, u.name, p.id, p.name, COALESCE(pu.duty, '')
      FROM reno_round_timeliness(reno_programme_of(p_account), v_round.round_on) t
      JOIN unit u ON u.id = t.unit_id
      JOIN project p ON p.id = t.project_id
      LEFT JOIN project_unit pu ON pu.project_id = t.project_id AND pu.unit_id = t.unit_id
     WHERE t.timeliness = 'missing'
     ORDER BY u.id, p.id;
END $$;
