-- 0006_supervision: supervision items (督查督办), scheduling meetings (调度会) and the
-- half-monthly collection rounds (半月一调度): section 六(四) of the work plan, "领导小组办公室
-- 要对全县城镇老旧小区改造工作实行半月一调度、一月一通报制度，每14日、28日收集项目进展情况汇总
-- 上报县政府、市联席会议办公室。领导小组原则上每月组织召开一次调度会，采取室内会议或现场办公会议的
-- 方式进行".
--
-- Depends on 0001 (programme, unit, account, project, project_unit, progress_report,
-- reno_may_push_progress, reno_progress_as_of) and 0002 (reno_idem_prior/store,
-- reno_audit, reno_require, reno_has_right, reno_programme_of, reno_unit_id,
-- reno_project_check) only.
--
-- The rules live here, in two layers: each reno_op_* function refuses a bad request with
-- a typed error naming the request field (RN403, RN404, RN409, check_violation with
-- COLUMN), and the tables' constraints and triggers hold the same rules for every other
-- writer (a state machine trigger on items, append-only history and snapshots, reports
-- of a closed round frozen).
--
-- Rights: tasks.write is held by the supervision group's seat (县委督查室, seeded in
-- ziyun-2022.sql) and by the office ('*'). rounds.write is granted to nobody: only the
-- office's '*' holds it, so setting the round rule and closing rounds are the office's.
-- A reply or an extension request belongs to the unit an item is assigned to, whoever
-- that is (a data-dependent right, reno_sup_acts_for()).
--
-- Dates arrive as text and are parsed by reno_date(), so that an empty or malformed
-- date is refused naming its field rather than as a bare cast error.

-- ---- Helpers -----------------------------------------------------------------------------

CREATE FUNCTION reno_sup_ts(p_at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- Refuses every change to a table whose rows, once written, are history: the item events,
-- the round closures and their snapshots (as audit_log in 0001).
CREATE FUNCTION reno_sup_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: its rows never change', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

-- May the account speak for this unit? An enabled account of the unit whose role writes
-- at all (a leader reads and never writes, DESIGN "Who may do what").
CREATE FUNCTION reno_sup_acts_for(p_account bigint, p_unit bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM account a
                    WHERE a.id = p_account AND a.unit_id = p_unit AND NOT a.disabled
                      AND a.role IN ('office', 'department', 'utility'))
$$;

-- ---- Scheduling meetings -----------------------------------------------------------------

CREATE TABLE scheduling_meeting (
    id                  bigserial PRIMARY KEY,
    programme_id        bigint NOT NULL REFERENCES programme(id),
    held_on             date NOT NULL,
    -- 室内会议 (room) or 现场办公会 (site), the two ways the document allows.
    mode                text NOT NULL CHECK (mode IN ('room', 'site')),
    place               text NOT NULL CHECK (length(place) BETWEEN 1 AND 200),
    problems            text NOT NULL DEFAULT '' CHECK (length(problems) <= 4000),
    recorded_by         bigint NOT NULL REFERENCES account(id),
    recorded_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scheduling_meeting_programme ON scheduling_meeting (programme_id, held_on);

CREATE TABLE meeting_attendee (
    meeting_id          bigint NOT NULL REFERENCES scheduling_meeting(id),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    seq                 integer NOT NULL CHECK (seq >= 1),
    PRIMARY KEY (meeting_id, unit_id)
);

-- An attending unit belongs to the meeting's programme.
CREATE FUNCTION meeting_attendee_check_programme() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM scheduling_meeting m JOIN unit u ON u.programme_id = m.programme_id
                    WHERE m.id = NEW.meeting_id AND u.id = NEW.unit_id) THEN
        RAISE EXCEPTION 'unit % is not of the meeting''s programme', NEW.unit_id
            USING ERRCODE = 'check_violation', COLUMN = 'attendees';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER meeting_attendee_programme BEFORE INSERT OR UPDATE ON meeting_attendee
    FOR EACH ROW EXECUTE FUNCTION meeting_attendee_check_programme();

-- ---- Supervision items -------------------------------------------------------------------

CREATE TABLE supervision_item (
    id                  bigserial PRIMARY KEY,
    programme_id        bigint NOT NULL REFERENCES programme(id),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    detail              text NOT NULL DEFAULT '' CHECK (length(detail) <= 4000),
    deadline            date NOT NULL,
    source              text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    meeting_id          bigint REFERENCES scheduling_meeting(id),
    -- The decision's position in its meeting's list (1-based), for items a meeting issued.
    meeting_item        integer CHECK (meeting_item >= 1),
    state               text NOT NULL DEFAULT 'open'
                            CHECK (state IN ('open', 'replied', 'returned', 'closed')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    created_by          bigint NOT NULL REFERENCES account(id),
    CHECK (meeting_item IS NULL OR meeting_id IS NOT NULL),
    UNIQUE (meeting_id, meeting_item)
);
CREATE INDEX supervision_item_unit ON supervision_item (programme_id, unit_id, state);

-- The item's state machine and its immutable parts, for every writer:
--   open → replied, returned → replied (the unit replies),
--   replied → closed | returned (the review);
-- the deadline only ever moves later (an approved extension) and not once closed; what
-- was assigned to whom, and why, never changes; items are never deleted.
CREATE FUNCTION supervision_item_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'supervision items are never deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.state <> 'open' THEN
            RAISE EXCEPTION 'a new supervision item is open' USING ERRCODE = 'check_violation',
                COLUMN = 'task_id';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM unit WHERE id = NEW.unit_id
                          AND programme_id = NEW.programme_id) THEN
            RAISE EXCEPTION 'unit % is not of the item''s programme', NEW.unit_id
                USING ERRCODE = 'check_violation', COLUMN = 'unit_code';
        END IF;
        IF NEW.meeting_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM scheduling_meeting WHERE id = NEW.meeting_id
                              AND programme_id = NEW.programme_id) THEN
            RAISE EXCEPTION 'meeting % is not of the item''s programme', NEW.meeting_id
                USING ERRCODE = 'check_violation', COLUMN = 'meeting_id';
        END IF;
        RETURN NEW;
    END IF;
    IF (NEW.programme_id, NEW.unit_id, NEW.title, NEW.detail, NEW.source, NEW.meeting_id,
        NEW.meeting_item, NEW.created_at, NEW.created_by)
       IS DISTINCT FROM
       (OLD.programme_id, OLD.unit_id, OLD.title, OLD.detail, OLD.source, OLD.meeting_id,
        OLD.meeting_item, OLD.created_at, OLD.created_by) THEN
        RAISE EXCEPTION 'a supervision item''s assignment never changes'
            USING ERRCODE = 'check_violation', COLUMN = 'task_id';
    END IF;
    IF NEW.state <> OLD.state AND (OLD.state, NEW.state) NOT IN
           (('open', 'replied'), ('returned', 'replied'), ('replied', 'closed'),
            ('replied', 'returned')) THEN
        RAISE EXCEPTION 'supervision item % cannot go from % to %', OLD.id, OLD.state, NEW.state
            USING ERRCODE = 'check_violation', COLUMN = 'task_id';
    END IF;
    IF NEW.deadline <> OLD.deadline AND (NEW.deadline < OLD.deadline OR OLD.state = 'closed') THEN
        RAISE EXCEPTION 'a deadline only moves later, and not once the item is closed'
            USING ERRCODE = 'check_violation', COLUMN = 'new_deadline';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER supervision_item_rules BEFORE INSERT OR UPDATE OR DELETE ON supervision_item
    FOR EACH ROW EXECUTE FUNCTION supervision_item_guard();

-- Every step of every item, timestamped with who: the item's history, append-only.
CREATE TABLE supervision_event (
    id                  bigserial PRIMARY KEY,
    item_id             bigint NOT NULL REFERENCES supervision_item(id),
    at                  timestamptz NOT NULL DEFAULT now(),
    account_id          bigint NOT NULL REFERENCES account(id),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    action              text NOT NULL CHECK (action IN ('created', 'replied', 'returned',
                            'closed', 'extension_requested', 'extension_approved',
                            'extension_refused')),
    state               text NOT NULL CHECK (state IN ('open', 'replied', 'returned', 'closed')),
    deadline            date NOT NULL,
    requested_deadline  date,
    text                text NOT NULL DEFAULT '' CHECK (length(text) <= 4000),
    CHECK ((requested_deadline IS NOT NULL) = (action LIKE 'extension%'))
);
CREATE INDEX supervision_event_item ON supervision_event (item_id, id);
CREATE TRIGGER supervision_event_append_only BEFORE UPDATE OR DELETE ON supervision_event
    FOR EACH ROW EXECUTE FUNCTION reno_sup_refuse_change();
CREATE TRIGGER supervision_event_no_truncate BEFORE TRUNCATE ON supervision_event
    FOR EACH STATEMENT EXECUTE FUNCTION reno_sup_refuse_change();

-- Requests for a later deadline. One pending request per item; a decided one keeps its
-- decision for good.
CREATE TABLE supervision_extension (
    id                  bigserial PRIMARY KEY,
    item_id             bigint NOT NULL REFERENCES supervision_item(id),
    reason              text NOT NULL CHECK (length(reason) BETWEEN 1 AND 4000),
    old_deadline        date NOT NULL,
    new_deadline        date NOT NULL,
    requested_at        timestamptz NOT NULL DEFAULT now(),
    requested_by        bigint NOT NULL REFERENCES account(id),
    approved            boolean,
    comment             text NOT NULL DEFAULT '' CHECK (length(comment) <= 4000),
    decided_at          timestamptz,
    decided_by          bigint REFERENCES account(id),
    -- Named after the request field, which the server reports when it breaks.
    CONSTRAINT new_deadline CHECK (new_deadline > old_deadline),
    CHECK ((approved IS NULL) = (decided_at IS NULL)),
    CHECK ((decided_at IS NULL) = (decided_by IS NULL))
);
CREATE UNIQUE INDEX supervision_extension_one_pending ON supervision_extension (item_id)
    WHERE approved IS NULL;

-- A request is decided once: only a pending row may change, and only its decision.
CREATE FUNCTION supervision_extension_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'extension requests are never deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.approved IS NOT NULL
       OR (NEW.item_id, NEW.reason, NEW.old_deadline, NEW.new_deadline, NEW.requested_at,
           NEW.requested_by)
          IS DISTINCT FROM
          (OLD.item_id, OLD.reason, OLD.old_deadline, OLD.new_deadline, OLD.requested_at,
           OLD.requested_by) THEN
        RAISE EXCEPTION 'an extension request is decided once and never changes after'
            USING ERRCODE = 'check_violation', COLUMN = 'task_id';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER supervision_extension_decided_once BEFORE UPDATE OR DELETE ON supervision_extension
    FOR EACH ROW EXECUTE FUNCTION supervision_extension_guard();

-- ---- Collection rounds: the rule, closures, reports, snapshots ---------------------------

-- The programme's round rule. Without a row the defaults apply (reno_sup_round_rule):
-- keep the date (the document names the 14th and the 28th and nothing else) and a window
-- of 2 days, so that a unit that collects on the date still has the next day or two to
-- send its figures.
CREATE TABLE round_rule (
    id                  bigserial PRIMARY KEY,
    programme_id        bigint NOT NULL UNIQUE REFERENCES programme(id),
    weekend_rule        text NOT NULL
                            CHECK (weekend_rule IN ('keep', 'previous_workday', 'next_workday')),
    window_days         integer NOT NULL CONSTRAINT window_days CHECK (window_days BETWEEN 1 AND 10),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    updated_by          bigint NOT NULL REFERENCES account(id)
);

CREATE FUNCTION reno_sup_round_rule(p_programme bigint)
RETURNS TABLE (weekend_rule text, window_days integer)
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(r.weekend_rule, 'keep'), COALESCE(r.window_days, 2)
      FROM (SELECT 1) AS one
      LEFT JOIN round_rule r ON r.programme_id = p_programme
$$;

-- The collection date a nominal date becomes under a weekend rule. Saturdays and Sundays
-- only: public holidays and the make-up working days (调休) are not modelled.
CREATE FUNCTION reno_sup_effective(p_nominal date, p_rule text) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN extract(isodow FROM p_nominal) < 6 OR p_rule = 'keep' THEN p_nominal
        -- Saturday (6) goes back 1 day, Sunday (7) 2: the Friday.
        WHEN p_rule = 'previous_workday' THEN p_nominal - (extract(isodow FROM p_nominal)::int - 5)
        -- Saturday goes on 2 days, Sunday 1: the Monday.
        ELSE p_nominal + (8 - extract(isodow FROM p_nominal)::int)
    END
$$;

-- A closed round, with the dates and rule it was closed under: a later rule change does
-- not move a round that has been reported up. Append-only.
CREATE TABLE round_close (
    id                  bigserial PRIMARY KEY,
    programme_id        bigint NOT NULL REFERENCES programme(id),
    round_on            date NOT NULL CHECK (extract(day FROM round_on) IN (14, 28)),
    effective_on        date NOT NULL,
    window_closes_on    date NOT NULL,
    weekend_rule        text NOT NULL,
    window_days         integer NOT NULL,
    closed_at           timestamptz NOT NULL DEFAULT now(),
    closed_by           bigint NOT NULL REFERENCES account(id),
    UNIQUE (programme_id, round_on),
    CHECK (effective_on = reno_sup_effective(round_on, weekend_rule)),
    CHECK (window_closes_on = effective_on + window_days)
);
CREATE TRIGGER round_close_append_only BEFORE UPDATE OR DELETE ON round_close
    FOR EACH ROW EXECUTE FUNCTION reno_sup_refuse_change();
CREATE TRIGGER round_close_no_truncate BEFORE TRUNCATE ON round_close
    FOR EACH STATEMENT EXECUTE FUNCTION reno_sup_refuse_change();

-- The rounds of a programme: the 14th and the 28th of every month from its start to its
-- evaluation deadline (the office keeps scheduling through acceptance and evaluation),
-- generated from the dates; closures are stored. State: closed once closed; upcoming
-- before the effective date; open in between (reports after the window are late but
-- accepted until the office closes the round).
CREATE FUNCTION reno_sup_rounds(p_programme bigint)
RETURNS TABLE (round_on date, effective_on date, window_closes_on date, state text,
               close_id bigint, closed_at timestamptz)
LANGUAGE sql STABLE AS $$
    WITH prog AS (
        SELECT p.starts_on, p.evaluation_due FROM programme p WHERE p.id = p_programme
    ), nominal AS (
        SELECT (date_trunc('month', prog.starts_on::timestamp)
                + make_interval(months => k, days => v.d - 1))::date AS round_on
          FROM prog
         CROSS JOIN generate_series(0,
                (extract(year FROM prog.evaluation_due)::int * 12
                 + extract(month FROM prog.evaluation_due)::int)
              - (extract(year FROM prog.starts_on)::int * 12
                 + extract(month FROM prog.starts_on)::int)) AS k
         CROSS JOIN (VALUES (14), (28)) AS v(d)
    )
    SELECT n.round_on,
           COALESCE(c.effective_on, e.effective_on),
           COALESCE(c.window_closes_on, e.effective_on + rr.window_days),
           CASE WHEN c.id IS NOT NULL THEN 'closed'
                WHEN current_date < e.effective_on THEN 'upcoming'
                ELSE 'open' END,
           c.id, c.closed_at
      FROM nominal n
     CROSS JOIN prog
     CROSS JOIN reno_sup_round_rule(p_programme) rr
     CROSS JOIN LATERAL (SELECT reno_sup_effective(n.round_on, rr.weekend_rule) AS effective_on) e
      LEFT JOIN round_close c ON c.programme_id = p_programme AND c.round_on = n.round_on
     WHERE n.round_on BETWEEN prog.starts_on AND prog.evaluation_due
     ORDER BY n.round_on
$$;

-- One round of the caller's programme named by a request field; check_violation naming
-- the field when it is empty, not a date, or not a collection date of the programme.
CREATE FUNCTION reno_sup_round(p_account bigint, p_text text, p_field text)
RETURNS TABLE (round_on date, effective_on date, window_closes_on date, state text,
               close_id bigint, closed_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_date date := reno_date(p_text, p_field, true);
BEGIN
    RETURN QUERY SELECT * FROM reno_sup_rounds(reno_programme_of(p_account)) r
                  WHERE r.round_on = v_date;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not a collection date of the programme (the 14th and the 28th of each month, from its start to its evaluation deadline)', v_date
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
END $$;

-- Round writes of one programme take this lock: a report waits for a closure in progress
-- (and then sees the round closed), a closure waits for reports in flight (and then
-- freezes them), a rule change cannot move a round under a report being written.
CREATE FUNCTION reno_sup_lock_rounds(p_programme bigint) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(hashtextextended('reno rounds ' || p_programme, 0))
$$;

-- A unit's report for one project in one round. It belongs to its programme through its
-- project. The figures are the project's cumulative totals as of the effective date, as
-- progress_report's are; the same figures go into progress_report (progress_report_id).
CREATE TABLE round_report (
    id                  bigserial PRIMARY KEY,
    round_on            date NOT NULL CHECK (extract(day FROM round_on) IN (14, 28)),
    effective_on        date NOT NULL,
    project_id          bigint NOT NULL REFERENCES project(id),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    account_id          bigint NOT NULL REFERENCES account(id),
    -- Constraint names are the request fields, which the server reports when one breaks.
    households_started  integer NOT NULL CONSTRAINT households_started CHECK (households_started >= 0),
    households_completed integer NOT NULL CONSTRAINT households_completed
                            CHECK (households_completed BETWEEN 0 AND households_started),
    -- Yuan, to the fen: money ≥ 0.
    investment_completed numeric(16, 2) NOT NULL CONSTRAINT investment_completed
                            CHECK (investment_completed >= 0),
    problems            text NOT NULL DEFAULT '' CHECK (length(problems) <= 4000),
    help_needed         text NOT NULL DEFAULT '' CHECK (length(help_needed) <= 4000),
    progress_report_id  bigint NOT NULL UNIQUE REFERENCES progress_report(id),
    -- The later report of the same unit for the same round and project that replaced
    -- this one. Deferred: the replacement is inserted after this row is marked.
    superseded_by       bigint REFERENCES round_report(id) DEFERRABLE INITIALLY DEFERRED,
    submitted_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (superseded_by IS NULL OR superseded_by > id),
    -- A weekend rule moves a date by at most two days.
    CHECK (effective_on BETWEEN round_on - 2 AND round_on + 2)
);
-- One current report per unit, round and project; superseded ones stay.
CREATE UNIQUE INDEX round_report_current ON round_report (round_on, project_id, unit_id)
    WHERE superseded_by IS NULL;
CREATE INDEX round_report_project ON round_report (project_id, round_on, id);

-- Reports are history: never deleted; once written only superseded_by may be set (once);
-- and nothing at all changes in a closed round, whose reports have been frozen and sent up.
CREATE FUNCTION round_report_guard() RETURNS trigger
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
            USING ERRCODE = 'RN409', COLUMN = 'round_date';
    END IF;
    IF TG_OP = 'UPDATE' AND (OLD.superseded_by IS NOT NULL
        OR (NEW.id, NEW.round_on, NEW.effective_on, NEW.project_id, NEW.unit_id, NEW.account_id,
            NEW.households_started, NEW.households_completed, NEW.investment_completed,
            NEW.problems, NEW.help_needed, NEW.progress_report_id, NEW.submitted_at)
           IS DISTINCT FROM
           (OLD.id, OLD.round_on, OLD.effective_on, OLD.project_id, OLD.unit_id, OLD.account_id,
            OLD.households_started, OLD.households_completed, OLD.investment_completed,
            OLD.problems, OLD.help_needed, OLD.progress_report_id, OLD.submitted_at)) THEN
        RAISE EXCEPTION 'a round report never changes; a later report supersedes it'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER round_report_rules BEFORE INSERT OR UPDATE OR DELETE ON round_report
    FOR EACH ROW EXECUTE FUNCTION round_report_guard();
CREATE TRIGGER round_report_no_truncate BEFORE TRUNCATE ON round_report
    FOR EACH STATEMENT EXECUTE FUNCTION reno_sup_refuse_change();

-- The frozen snapshot of a closed round: every project's progress as of the effective
-- date, every report of the round (superseded ones flagged), and the responsible units
-- that had not reported. Written once by close_round, never changed.
CREATE TABLE round_snapshot_progress (
    round_close_id      bigint NOT NULL REFERENCES round_close(id),
    project_id          bigint NOT NULL REFERENCES project(id),
    project_name        text NOT NULL,
    households          integer NOT NULL CHECK (households > 0),
    households_started  integer NOT NULL CHECK (households_started BETWEEN 0 AND households),
    households_completed integer NOT NULL
                            CHECK (households_completed BETWEEN 0 AND households_started),
    investment_completed numeric(16, 2) NOT NULL CHECK (investment_completed >= 0),
    last_report_date    date,
    PRIMARY KEY (round_close_id, project_id)
);

CREATE TABLE round_snapshot_report (
    round_close_id      bigint NOT NULL REFERENCES round_close(id),
    round_report_id     bigint NOT NULL REFERENCES round_report(id),
    project_id          bigint NOT NULL REFERENCES project(id),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    account_id          bigint NOT NULL REFERENCES account(id),
    households_started  integer NOT NULL,
    households_completed integer NOT NULL,
    investment_completed numeric(16, 2) NOT NULL,
    problems            text NOT NULL,
    help_needed         text NOT NULL,
    submitted_at        timestamptz NOT NULL,
    superseded_by       bigint REFERENCES round_report(id),
    PRIMARY KEY (round_close_id, round_report_id)
);

CREATE TABLE round_snapshot_missing (
    round_close_id      bigint NOT NULL REFERENCES round_close(id),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    project_id          bigint NOT NULL REFERENCES project(id),
    PRIMARY KEY (round_close_id, unit_id, project_id)
);

CREATE TRIGGER round_snapshot_progress_append_only BEFORE UPDATE OR DELETE ON round_snapshot_progress
    FOR EACH ROW EXECUTE FUNCTION reno_sup_refuse_change();
CREATE TRIGGER round_snapshot_progress_no_truncate BEFORE TRUNCATE ON round_snapshot_progress
    FOR EACH STATEMENT EXECUTE FUNCTION reno_sup_refuse_change();
CREATE TRIGGER round_snapshot_report_append_only BEFORE UPDATE OR DELETE ON round_snapshot_report
    FOR EACH ROW EXECUTE FUNCTION reno_sup_refuse_change();
CREATE TRIGGER round_snapshot_report_no_truncate BEFORE TRUNCATE ON round_snapshot_report
    FOR EACH STATEMENT EXECUTE FUNCTION reno_sup_refuse_change();
CREATE TRIGGER round_snapshot_missing_append_only BEFORE UPDATE OR DELETE ON round_snapshot_missing
    FOR EACH ROW EXECUTE FUNCTION reno_sup_refuse_change();
CREATE TRIGGER round_snapshot_missing_no_truncate BEFORE TRUNCATE ON round_snapshot_missing
    FOR EACH STATEMENT EXECUTE FUNCTION reno_sup_refuse_change();

-- Responsible units (project_unit) without any report for a project in a round of a
-- programme. A superseded report still counts: the unit did report.
CREATE FUNCTION reno_sup_missing(p_programme bigint, p_round date)
RETURNS TABLE (unit_id bigint, project_id bigint)
LANGUAGE sql STABLE AS $$
    SELECT pu.unit_id, pu.project_id
      FROM project_unit pu JOIN project p ON p.id = pu.project_id
     WHERE p.programme_id = p_programme
       AND NOT EXISTS (SELECT 1 FROM round_report r
                        WHERE r.round_on = p_round AND r.project_id = pu.project_id
                          AND r.unit_id = pu.unit_id)
$$;

-- ---- Supervision item operations ---------------------------------------------------------

-- An item of the caller's programme, locked for the step about to be taken; RN404
-- naming task_id otherwise.
CREATE FUNCTION reno_sup_item_for_update(p_account bigint, p_task bigint)
RETURNS supervision_item LANGUAGE plpgsql AS $$
DECLARE
    v supervision_item%ROWTYPE;
BEGIN
    SELECT * INTO v FROM supervision_item i
     WHERE i.id = p_task AND i.programme_id = reno_programme_of(p_account)
       FOR UPDATE;
    IF v.id IS NULL THEN
        RAISE EXCEPTION 'supervision item % not found', p_task
            USING ERRCODE = 'RN404', COLUMN = 'task_id';
    END IF;
    RETURN v;
END $$;

-- Appends one step to an item's history and audits it.
CREATE FUNCTION reno_sup_event(p_account bigint, p_item supervision_item, p_action text,
                               p_text text, p_requested date)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v supervision_event%ROWTYPE;
BEGIN
    INSERT INTO supervision_event (item_id, account_id, unit_id, action, state, deadline,
                                   requested_deadline, text)
    SELECT p_item.id, a.id, a.unit_id, p_action, p_item.state, p_item.deadline, p_requested,
           COALESCE(p_text, '')
      FROM account a WHERE a.id = p_account
    RETURNING * INTO v;
    PERFORM reno_audit(p_account, p_action, 'supervision_event', v.id, NULL, to_jsonb(v));
    RETURN v.id;
END $$;

-- Creates one item (create_task and each decision of record_meeting). The caller has
-- checked the right and the fields.
CREATE FUNCTION reno_sup_new_item(p_account bigint, p_unit bigint, p_title text, p_detail text,
                                  p_deadline date, p_source text, p_meeting bigint,
                                  p_meeting_item integer)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v supervision_item%ROWTYPE;
BEGIN
    INSERT INTO supervision_item (programme_id, unit_id, title, detail, deadline, source,
                                  meeting_id, meeting_item, created_by)
    VALUES (reno_programme_of(p_account), p_unit, p_title, COALESCE(p_detail, ''), p_deadline,
            p_source, p_meeting, p_meeting_item, p_account)
    RETURNING * INTO v;
    PERFORM reno_audit(p_account, 'create_task', 'supervision_item', v.id, NULL, to_jsonb(v));
    PERFORM reno_sup_event(p_account, v, 'created', v.detail, NULL);
    RETURN v.id;
END $$;

CREATE FUNCTION reno_op_create_task(p_account bigint, p_key bytea, p_digest bytea,
                                    p_unit_code text, p_title text, p_detail text,
                                    p_deadline text, p_source text, p_meeting_id bigint)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_unit bigint;
    v_deadline date;
    v_meeting scheduling_meeting%ROWTYPE;
    v_source text := btrim(COALESCE(p_source, ''));
    v_starts date;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'create_task');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'tasks.write');
    PERFORM reno_nonblank(p_unit_code, 'unit_code');
    v_unit := reno_unit_id(p_account, p_unit_code, 'unit_code');
    PERFORM reno_nonblank(p_title, 'title');
    IF length(p_title) > 500 THEN
        RAISE EXCEPTION 'title is at most 500 characters'
            USING ERRCODE = 'check_violation', COLUMN = 'title';
    END IF;
    v_deadline := reno_date(p_deadline, 'deadline', true);
    IF COALESCE(p_meeting_id, 0) <> 0 THEN
        SELECT * INTO v_meeting FROM scheduling_meeting m
         WHERE m.id = p_meeting_id AND m.programme_id = reno_programme_of(p_account);
        IF v_meeting.id IS NULL THEN
            RAISE EXCEPTION 'meeting % not found', p_meeting_id
                USING ERRCODE = 'RN404', COLUMN = 'meeting_id';
        END IF;
        -- A decision is for after the meeting that took it.
        IF v_deadline < v_meeting.held_on THEN
            RAISE EXCEPTION 'deadline % is before the meeting of %', v_deadline, v_meeting.held_on
                USING ERRCODE = 'check_violation', COLUMN = 'deadline';
        END IF;
        IF v_source = '' THEN
            v_source := '调度会 ' || to_char(v_meeting.held_on, 'YYYY-MM-DD');
        END IF;
    END IF;
    -- Items are about the programme: none is due before it starts. A deadline already
    -- past is allowed, so that the programme's history can be recorded; it shows overdue.
    SELECT starts_on INTO v_starts FROM programme WHERE programme.id = reno_programme_of(p_account);
    IF v_deadline < v_starts THEN
        RAISE EXCEPTION 'deadline % is before the programme starts (%)', v_deadline, v_starts
            USING ERRCODE = 'check_violation', COLUMN = 'deadline';
    END IF;
    -- Where the item comes from is part of it (a rule of the plan, a meeting, a leader's
    -- instruction): the supervision group must be able to say why it was issued.
    PERFORM reno_nonblank(v_source, 'source');
    IF length(v_source) > 200 THEN
        RAISE EXCEPTION 'source is at most 200 characters'
            USING ERRCODE = 'check_violation', COLUMN = 'source';
    END IF;
    v_prior := reno_sup_new_item(p_account, v_unit, btrim(p_title), p_detail, v_deadline,
                                 v_source, v_meeting.id, NULL);
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'create_task', v_prior);
    RETURN QUERY SELECT v_prior, false;
END $$;

CREATE FUNCTION reno_op_reply_task(p_account bigint, p_key bytea, p_digest bytea,
                                   p_task_id bigint, p_reply text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_before supervision_item%ROWTYPE;
    v_after supervision_item%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'reply_task');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    v_before := reno_sup_item_for_update(p_account, p_task_id);
    -- Only the unit the item is assigned to answers for it, or the office on its behalf.
    IF NOT (reno_sup_acts_for(p_account, v_before.unit_id) OR reno_has_right(p_account, '*')) THEN
        RAISE EXCEPTION 'supervision item % is assigned to another unit', p_task_id
            USING ERRCODE = 'RN403';
    END IF;
    IF v_before.state NOT IN ('open', 'returned') THEN
        RAISE EXCEPTION 'supervision item % is %: a reply is for an open or returned item',
                        p_task_id, v_before.state
            USING ERRCODE = 'check_violation', COLUMN = 'task_id';
    END IF;
    PERFORM reno_nonblank(p_reply, 'reply');
    UPDATE supervision_item i SET state = 'replied' WHERE i.id = v_before.id
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'reply_task', 'supervision_item', v_after.id,
                       to_jsonb(v_before), to_jsonb(v_after));
    PERFORM reno_sup_event(p_account, v_after, 'replied', p_reply, NULL);
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'reply_task', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE FUNCTION reno_op_review_task(p_account bigint, p_key bytea, p_digest bytea,
                                    p_task_id bigint, p_accept boolean, p_comment text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_before supervision_item%ROWTYPE;
    v_after supervision_item%ROWTYPE;
    v_ext_before supervision_extension%ROWTYPE;
    v_ext_after supervision_extension%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'review_task');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'tasks.write');
    v_before := reno_sup_item_for_update(p_account, p_task_id);
    IF v_before.state <> 'replied' THEN
        RAISE EXCEPTION 'supervision item % is %: only a replied item is reviewed',
                        p_task_id, v_before.state
            USING ERRCODE = 'check_violation', COLUMN = 'task_id';
    END IF;
    -- A unit sent back must learn what is missing.
    IF NOT COALESCE(p_accept, false) THEN
        PERFORM reno_nonblank(p_comment, 'comment');
    END IF;
    UPDATE supervision_item i
       SET state = CASE WHEN p_accept THEN 'closed' ELSE 'returned' END
     WHERE i.id = v_before.id
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'review_task', 'supervision_item', v_after.id,
                       to_jsonb(v_before), to_jsonb(v_after));
    PERFORM reno_sup_event(p_account, v_after, CASE WHEN p_accept THEN 'closed' ELSE 'returned' END,
                           p_comment, NULL);
    -- A closed item needs no more time: a request still pending is answered, not left
    -- dangling.
    IF p_accept THEN
        SELECT * INTO v_ext_before FROM supervision_extension e
         WHERE e.item_id = v_after.id AND e.approved IS NULL FOR UPDATE;
        IF v_ext_before.id IS NOT NULL THEN
            UPDATE supervision_extension e
               SET approved = false, comment = '事项已办结，延期申请不再需要',
                   decided_at = now(), decided_by = p_account
             WHERE e.id = v_ext_before.id
            RETURNING * INTO v_ext_after;
            PERFORM reno_audit(p_account, 'review_task', 'supervision_extension', v_ext_after.id,
                               to_jsonb(v_ext_before), to_jsonb(v_ext_after));
            PERFORM reno_sup_event(p_account, v_after, 'extension_refused', v_ext_after.comment,
                                   v_ext_after.new_deadline);
        END IF;
    END IF;
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'review_task', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE FUNCTION reno_op_request_extension(p_account bigint, p_key bytea, p_digest bytea,
                                          p_task_id bigint, p_reason text, p_new_deadline text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_item supervision_item%ROWTYPE;
    v_new date;
    v_ext supervision_extension%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'request_extension');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    v_item := reno_sup_item_for_update(p_account, p_task_id);
    -- The unit that owes the work asks for more time; nobody asks on its behalf.
    IF NOT reno_sup_acts_for(p_account, v_item.unit_id) THEN
        RAISE EXCEPTION 'only the unit supervision item % is assigned to may ask for more time',
                        p_task_id
            USING ERRCODE = 'RN403';
    END IF;
    IF v_item.state NOT IN ('open', 'returned') THEN
        RAISE EXCEPTION 'supervision item % is %: more time is asked for an open or returned item',
                        p_task_id, v_item.state
            USING ERRCODE = 'check_violation', COLUMN = 'task_id';
    END IF;
    IF EXISTS (SELECT 1 FROM supervision_extension e
                WHERE e.item_id = v_item.id AND e.approved IS NULL) THEN
        RAISE EXCEPTION 'supervision item % already has an extension request waiting for a decision',
                        p_task_id
            USING ERRCODE = 'check_violation', COLUMN = 'task_id';
    END IF;
    PERFORM reno_nonblank(p_reason, 'reason');
    v_new := reno_date(p_new_deadline, 'new_deadline', true);
    IF v_new <= v_item.deadline THEN
        RAISE EXCEPTION 'new_deadline % is not after the current deadline %', v_new, v_item.deadline
            USING ERRCODE = 'check_violation', COLUMN = 'new_deadline';
    END IF;
    INSERT INTO supervision_extension (item_id, reason, old_deadline, new_deadline, requested_by)
    VALUES (v_item.id, p_reason, v_item.deadline, v_new, p_account)
    RETURNING * INTO v_ext;
    PERFORM reno_audit(p_account, 'request_extension', 'supervision_extension', v_ext.id, NULL,
                       to_jsonb(v_ext));
    PERFORM reno_sup_event(p_account, v_item, 'extension_requested', p_reason, v_new);
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'request_extension', v_ext.id);
    RETURN QUERY SELECT v_ext.id, false;
END $$;

CREATE FUNCTION reno_op_decide_extension(p_account bigint, p_key bytea, p_digest bytea,
                                         p_task_id bigint, p_approve boolean, p_comment text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_before supervision_item%ROWTYPE;
    v_after supervision_item%ROWTYPE;
    v_ext_before supervision_extension%ROWTYPE;
    v_ext_after supervision_extension%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'decide_extension');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'tasks.write');
    v_before := reno_sup_item_for_update(p_account, p_task_id);
    SELECT * INTO v_ext_before FROM supervision_extension e
     WHERE e.item_id = v_before.id AND e.approved IS NULL FOR UPDATE;
    IF v_ext_before.id IS NULL THEN
        RAISE EXCEPTION 'supervision item % has no extension request waiting for a decision',
                        p_task_id
            USING ERRCODE = 'check_violation', COLUMN = 'task_id';
    END IF;
    -- A unit refused more time must learn why.
    IF NOT COALESCE(p_approve, false) THEN
        PERFORM reno_nonblank(p_comment, 'comment');
    END IF;
    UPDATE supervision_extension e
       SET approved = COALESCE(p_approve, false), comment = COALESCE(p_comment, ''),
           decided_at = now(), decided_by = p_account
     WHERE e.id = v_ext_before.id
    RETURNING * INTO v_ext_after;
    PERFORM reno_audit(p_account, 'decide_extension', 'supervision_extension', v_ext_after.id,
                       to_jsonb(v_ext_before), to_jsonb(v_ext_after));
    v_after := v_before;
    IF v_ext_after.approved THEN
        UPDATE supervision_item i SET deadline = v_ext_after.new_deadline
         WHERE i.id = v_before.id
        RETURNING * INTO v_after;
        PERFORM reno_audit(p_account, 'decide_extension', 'supervision_item', v_after.id,
                           to_jsonb(v_before), to_jsonb(v_after));
    END IF;
    PERFORM reno_sup_event(p_account, v_after,
                           CASE WHEN v_ext_after.approved THEN 'extension_approved'
                                ELSE 'extension_refused' END,
                           p_comment, v_ext_after.new_deadline);
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'decide_extension', v_ext_after.id);
    RETURN QUERY SELECT v_ext_after.id, false;
END $$;

CREATE FUNCTION reno_op_list_tasks(p_account bigint, p_unit_code text, p_state text)
RETURNS TABLE (id bigint, unit_code text, unit_name text, title text, deadline text,
               state text, overdue boolean, requested_deadline text, source text,
               meeting_id bigint, created_at text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_unit bigint;
BEGIN
    IF COALESCE(p_unit_code, '') <> '' THEN
        v_unit := reno_unit_id(p_account, p_unit_code, 'unit_code');
    END IF;
    RETURN QUERY
    SELECT i.id, u.code, u.name, i.title, to_char(i.deadline, 'YYYY-MM-DD'), i.state,
           -- Overdue as of the database's today: not closed and past its deadline.
           i.state <> 'closed' AND i.deadline < current_date,
           COALESCE((SELECT to_char(e.new_deadline, 'YYYY-MM-DD') FROM supervision_extension e
                      WHERE e.item_id = i.id AND e.approved IS NULL), ''),
           i.source, COALESCE(i.meeting_id, 0), reno_sup_ts(i.created_at)
      FROM supervision_item i JOIN unit u ON u.id = i.unit_id
     WHERE i.programme_id = reno_programme_of(p_account)
       AND (v_unit IS NULL OR i.unit_id = v_unit)
       AND (p_state IS NULL OR i.state = p_state)
     ORDER BY i.deadline, i.id;
END $$;

CREATE FUNCTION reno_op_list_task_events(p_account bigint, p_task_id bigint)
RETURNS TABLE (id bigint, task_id bigint, at text, username text, unit_name text, action text,
               state text, deadline text, requested_deadline text, text text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_task_id, 0) <> 0 AND NOT EXISTS (
            SELECT 1 FROM supervision_item i
             WHERE i.id = p_task_id AND i.programme_id = reno_programme_of(p_account)) THEN
        RAISE EXCEPTION 'supervision item % not found', p_task_id
            USING ERRCODE = 'RN404', COLUMN = 'task_id';
    END IF;
    RETURN QUERY
    SELECT e.id, e.item_id, reno_sup_ts(e.at), a.username, u.name, e.action, e.state,
           to_char(e.deadline, 'YYYY-MM-DD'),
           COALESCE(to_char(e.requested_deadline, 'YYYY-MM-DD'), ''), e.text
      FROM supervision_event e
      JOIN supervision_item i ON i.id = e.item_id
      JOIN account a ON a.id = e.account_id
      JOIN unit u ON u.id = e.unit_id
     WHERE i.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_task_id, 0) = 0 OR e.item_id = p_task_id)
     ORDER BY e.id;
END $$;

-- ---- Meeting operations ------------------------------------------------------------------

CREATE FUNCTION reno_op_record_meeting(p_account bigint, p_key bytea, p_digest bytea,
                                       p_held_on text, p_mode text, p_place text,
                                       p_attendees text[], p_problems text, p_decisions text[])
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_programme bigint := reno_programme_of(p_account);
    v_held date;
    v_starts date;
    v_meeting scheduling_meeting%ROWTYPE;
    v_code text;
    v_unit bigint;
    v_units bigint[] := '{}';
    v_parts text[];
    v_due date;
    v_text text;
    v_n integer := 0;
    -- The parsed decisions, checked in full before anything is written.
    v_dec_units bigint[] := '{}';
    v_dec_dues date[] := '{}';
    v_dec_texts text[] := '{}';
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'record_meeting');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'tasks.write');
    v_held := reno_date(p_held_on, 'held_on', true);
    -- A record of a meeting that was held: not in the future, not before the programme.
    SELECT starts_on INTO v_starts FROM programme WHERE programme.id = v_programme;
    IF v_held > current_date OR v_held < v_starts THEN
        RAISE EXCEPTION 'held_on % must be between the programme''s start (%) and today',
                        v_held, v_starts
            USING ERRCODE = 'check_violation', COLUMN = 'held_on';
    END IF;
    IF p_mode IS NULL THEN
        RAISE EXCEPTION 'mode is required: room (室内会议) or site (现场办公会)'
            USING ERRCODE = 'check_violation', COLUMN = 'mode';
    END IF;
    PERFORM reno_nonblank(p_place, 'place');
    IF length(btrim(p_place)) > 200 THEN
        RAISE EXCEPTION 'place is at most 200 characters'
            USING ERRCODE = 'check_violation', COLUMN = 'place';
    END IF;
    IF COALESCE(cardinality(p_attendees), 0) = 0 THEN
        RAISE EXCEPTION 'attendees is required: the codes of the units that attended'
            USING ERRCODE = 'check_violation', COLUMN = 'attendees';
    END IF;
    FOREACH v_code IN ARRAY p_attendees LOOP
        v_unit := reno_unit_id(p_account, v_code, 'attendees');
        IF v_unit = ANY (v_units) THEN
            RAISE EXCEPTION 'attendees lists "%" twice', v_code
                USING ERRCODE = 'check_violation', COLUMN = 'attendees';
        END IF;
        v_units := v_units || v_unit;
    END LOOP;
    FOREACH v_code IN ARRAY COALESCE(p_decisions, '{}') LOOP
        v_n := v_n + 1;
        -- Unit and date may not contain '|'; the text may (everything after the second).
        v_parts := regexp_match(v_code, '^([^|]*)\|([^|]*)\|(.*)$', 's');
        IF v_parts IS NULL OR btrim(v_parts[1]) = '' OR btrim(v_parts[3]) = ''
           OR btrim(v_parts[2]) !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
            RAISE EXCEPTION 'decisions[%] must read UNIT_CODE|YYYY-MM-DD|text, got "%"',
                            v_n, left(v_code, 60)
                USING ERRCODE = 'check_violation', COLUMN = 'decisions';
        END IF;
        SELECT u.id INTO v_unit FROM unit u
         WHERE u.programme_id = v_programme AND u.code = btrim(v_parts[1]);
        IF v_unit IS NULL THEN
            RAISE EXCEPTION 'decisions[%]: no unit with code "%"', v_n, btrim(v_parts[1])
                USING ERRCODE = 'RN404', COLUMN = 'decisions';
        END IF;
        BEGIN
            v_due := btrim(v_parts[2])::date;
        EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
            RAISE EXCEPTION 'decisions[%]: % is not a calendar date', v_n, v_parts[2]
                USING ERRCODE = 'check_violation', COLUMN = 'decisions';
        END;
        IF v_due < v_held THEN
            RAISE EXCEPTION 'decisions[%]: deadline % is before the meeting (%)', v_n, v_due, v_held
                USING ERRCODE = 'check_violation', COLUMN = 'decisions';
        END IF;
        v_text := btrim(v_parts[3]);
        IF length(v_text) > 500 THEN
            RAISE EXCEPTION 'decisions[%]: the text is at most 500 characters', v_n
                USING ERRCODE = 'check_violation', COLUMN = 'decisions';
        END IF;
        v_dec_units := v_dec_units || v_unit;
        v_dec_dues := v_dec_dues || v_due;
        v_dec_texts := v_dec_texts || v_text;
    END LOOP;

    INSERT INTO scheduling_meeting (programme_id, held_on, mode, place, problems, recorded_by)
    VALUES (v_programme, v_held, p_mode, btrim(p_place), COALESCE(p_problems, ''), p_account)
    RETURNING * INTO v_meeting;
    INSERT INTO meeting_attendee (meeting_id, unit_id, seq)
    SELECT v_meeting.id, a.unit_id, a.seq::int
      FROM unnest(v_units) WITH ORDINALITY AS a(unit_id, seq);
    PERFORM reno_audit(p_account, 'record_meeting', 'scheduling_meeting', v_meeting.id, NULL,
                       to_jsonb(v_meeting) || jsonb_build_object('attendees', to_jsonb(p_attendees)));
    -- Each decision becomes an item of the unit it names, due when it says.
    FOR v_n IN 1 .. cardinality(v_dec_units) LOOP
        PERFORM reno_sup_new_item(p_account, v_dec_units[v_n], v_dec_texts[v_n], '',
                                  v_dec_dues[v_n], '调度会 ' || to_char(v_held, 'YYYY-MM-DD'),
                                  v_meeting.id, v_n);
    END LOOP;
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'record_meeting', v_meeting.id);
    RETURN QUERY SELECT v_meeting.id, false;
END $$;

CREATE FUNCTION reno_op_list_meetings(p_account bigint)
RETURNS TABLE (id bigint, held_on text, mode text, place text, attendees text, problems text,
               decisions integer, open_items integer, recorded_by text)
LANGUAGE sql STABLE AS $$
    SELECT m.id, to_char(m.held_on, 'YYYY-MM-DD'), m.mode, m.place,
           COALESCE((SELECT string_agg(u.name, '、' ORDER BY a.seq)
                       FROM meeting_attendee a JOIN unit u ON u.id = a.unit_id
                      WHERE a.meeting_id = m.id), ''),
           m.problems,
           (SELECT count(*)::int FROM supervision_item i
             WHERE i.meeting_id = m.id AND i.meeting_item IS NOT NULL),
           (SELECT count(*)::int FROM supervision_item i
             WHERE i.meeting_id = m.id AND i.state <> 'closed'),
           ac.username
      FROM scheduling_meeting m JOIN account ac ON ac.id = m.recorded_by
     WHERE m.programme_id = reno_programme_of(p_account)
     ORDER BY m.held_on, m.id
$$;

-- ---- Round operations --------------------------------------------------------------------

CREATE FUNCTION reno_op_set_round_rule(p_account bigint, p_key bytea, p_digest bytea,
                                       p_weekend_rule text, p_window_days integer)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_programme bigint := reno_programme_of(p_account);
    v_before round_rule%ROWTYPE;
    v_after round_rule%ROWTYPE;
    v_moved record;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'set_round_rule');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'rounds.write');
    IF p_weekend_rule IS NULL THEN
        RAISE EXCEPTION 'weekend_rule is required: keep, previous_workday or next_workday'
            USING ERRCODE = 'check_violation', COLUMN = 'weekend_rule';
    END IF;
    IF p_window_days IS NULL OR p_window_days NOT BETWEEN 1 AND 10 THEN
        RAISE EXCEPTION 'window_days must be 1..10, got %', p_window_days
            USING ERRCODE = 'check_violation', COLUMN = 'window_days';
    END IF;
    PERFORM reno_sup_lock_rounds(v_programme);
    -- Reports already made in an open round are as of its effective date: a rule that
    -- moves that date would leave them dated wrongly. Closed rounds keep their own dates.
    SELECT r.round_on, r.effective_on INTO v_moved
      FROM round_report r JOIN project p ON p.id = r.project_id
     WHERE p.programme_id = v_programme
       AND NOT EXISTS (SELECT 1 FROM round_close c
                        WHERE c.programme_id = v_programme AND c.round_on = r.round_on)
       AND r.effective_on <> reno_sup_effective(r.round_on, p_weekend_rule)
     ORDER BY r.round_on LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'the round of % already has reports as of %, which this rule would move; close it first',
                        v_moved.round_on, v_moved.effective_on
            USING ERRCODE = 'check_violation', COLUMN = 'weekend_rule';
    END IF;
    SELECT * INTO v_before FROM round_rule r WHERE r.programme_id = v_programme;
    INSERT INTO round_rule (programme_id, weekend_rule, window_days, updated_by)
    VALUES (v_programme, p_weekend_rule, p_window_days, p_account)
    ON CONFLICT (programme_id) DO UPDATE
       SET weekend_rule = EXCLUDED.weekend_rule, window_days = EXCLUDED.window_days,
           updated_at = now(), updated_by = EXCLUDED.updated_by
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'set_round_rule', 'round_rule', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'set_round_rule', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE FUNCTION reno_op_list_rounds(p_account bigint, p_state text)
RETURNS TABLE (round_date text, weekday text, effective_date text, window_closes_on text,
               state text, reports_received integer, units_missing integer, closed_at text)
LANGUAGE sql STABLE AS $$
    SELECT to_char(r.round_on, 'YYYY-MM-DD'),
           (ARRAY['周一', '周二', '周三', '周四', '周五', '周六', '周日'])
               [extract(isodow FROM r.round_on)::int],
           to_char(r.effective_on, 'YYYY-MM-DD'), to_char(r.window_closes_on, 'YYYY-MM-DD'),
           r.state,
           (SELECT count(*)::int FROM round_report rr JOIN project p ON p.id = rr.project_id
             WHERE p.programme_id = reno_programme_of(p_account) AND rr.round_on = r.round_on
               AND rr.superseded_by IS NULL),
           CASE r.state
               WHEN 'upcoming' THEN 0
               WHEN 'closed' THEN (SELECT count(DISTINCT s.unit_id)::int
                                     FROM round_snapshot_missing s
                                    WHERE s.round_close_id = r.close_id)
               ELSE (SELECT count(DISTINCT m.unit_id)::int
                       FROM reno_sup_missing(reno_programme_of(p_account), r.round_on) m)
           END,
           COALESCE(reno_sup_ts(r.closed_at), '')
      FROM reno_sup_rounds(reno_programme_of(p_account)) r
     WHERE p_state IS NULL OR r.state = p_state
     ORDER BY r.round_on
$$;

CREATE FUNCTION reno_op_submit_round_report(p_account bigint, p_key bytea, p_digest bytea,
                                            p_project_id bigint, p_round_date text,
                                            p_households_started integer,
                                            p_households_completed integer,
                                            p_investment_completed numeric,
                                            p_problems text, p_help_needed text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_programme bigint := reno_programme_of(p_account);
    v_round record;
    v_households integer;
    v_unit bigint;
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
            USING ERRCODE = 'RN409', COLUMN = 'round_date';
    END IF;
    -- A report is as of the effective date, which must have come (as push_progress
    -- refuses a report dated in the future).
    IF v_round.state = 'upcoming' THEN
        RAISE EXCEPTION 'the round of % opens on %', v_round.round_on, v_round.effective_on
            USING ERRCODE = 'check_violation', COLUMN = 'round_date';
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

    -- The consolidated status reads progress_report: the round's figures go there too,
    -- dated the effective date. A later report has a later id and so wins the same date.
    INSERT INTO progress_report (project_id, report_date, households_started,
                                 households_completed, note, account_id, unit_id)
    VALUES (p_project_id, v_round.effective_on, p_households_started, p_households_completed,
            '半月调度 ' || to_char(v_round.round_on, 'YYYY-MM-DD'), p_account, v_unit)
    RETURNING * INTO v_progress;
    PERFORM reno_audit(p_account, 'submit_round_report', 'progress_report', v_progress.id, NULL,
                       to_jsonb(v_progress));

    -- The same unit's current report for this round and project, if any, is superseded:
    -- marked first (the one-current index allows no second current row), then the new
    -- row is written with the id the mark points to.
    v_new_id := nextval(pg_get_serial_sequence('round_report', 'id'));
    SELECT * INTO v_old_before FROM round_report r
     WHERE r.round_on = v_round.round_on AND r.project_id = p_project_id
       AND r.unit_id = v_unit AND r.superseded_by IS NULL
       FOR UPDATE;
    IF v_old_before.id IS NOT NULL THEN
        UPDATE round_report r SET superseded_by = v_new_id WHERE r.id = v_old_before.id
        RETURNING * INTO v_old_after;
        PERFORM reno_audit(p_account, 'submit_round_report', 'round_report', v_old_after.id,
                           to_jsonb(v_old_before), to_jsonb(v_old_after));
    END IF;
    INSERT INTO round_report (id, round_on, effective_on, project_id, unit_id, account_id,
                              households_started, households_completed, investment_completed,
                              problems, help_needed, progress_report_id)
    VALUES (v_new_id, v_round.round_on, v_round.effective_on, p_project_id, v_unit, p_account,
            p_households_started, p_households_completed, round(p_investment_completed, 2),
            COALESCE(p_problems, ''), COALESCE(p_help_needed, ''), v_progress.id)
    RETURNING * INTO v_new;
    PERFORM reno_audit(p_account, 'submit_round_report', 'round_report', v_new.id, NULL,
                       to_jsonb(v_new));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'submit_round_report', v_new.id);
    RETURN QUERY SELECT v_new.id, false;
END $$;

CREATE FUNCTION reno_op_close_round(p_account bigint, p_key bytea, p_digest bytea,
                                    p_round_date text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_programme bigint := reno_programme_of(p_account);
    v_round record;
    v_rule record;
    v_close round_close%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'close_round');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'rounds.write');
    PERFORM reno_sup_lock_rounds(v_programme);
    SELECT * INTO v_round FROM reno_sup_round(p_account, p_round_date, 'round_date');
    IF v_round.state = 'closed' THEN
        RAISE EXCEPTION 'the round of % was already closed at %', v_round.round_on,
                        reno_sup_ts(v_round.closed_at)
            USING ERRCODE = 'RN409', COLUMN = 'round_date';
    END IF;
    -- The window is the time the units were promised to report in: the round cannot be
    -- closed under them.
    IF current_date <= v_round.window_closes_on THEN
        RAISE EXCEPTION 'the round of % is open for reports until %: close it after that',
                        v_round.round_on, v_round.window_closes_on
            USING ERRCODE = 'check_violation', COLUMN = 'round_date';
    END IF;
    SELECT * INTO v_rule FROM reno_sup_round_rule(v_programme);
    INSERT INTO round_close (programme_id, round_on, effective_on, window_closes_on, weekend_rule,
                             window_days, closed_by)
    VALUES (v_programme, v_round.round_on, v_round.effective_on, v_round.window_closes_on,
            v_rule.weekend_rule, v_rule.window_days, p_account)
    RETURNING * INTO v_close;

    -- Every project's progress as of the effective date (what the consolidated status
    -- said that day), with the investment of the latest round report up to this round.
    INSERT INTO round_snapshot_progress (round_close_id, project_id, project_name, households,
                                         households_started, households_completed,
                                         investment_completed, last_report_date)
    SELECT v_close.id, p.id, p.name, p.households, a.households_started,
           a.households_completed,
           COALESCE((SELECT r.investment_completed FROM round_report r
                      WHERE r.project_id = p.id AND r.round_on <= v_round.round_on
                        AND r.superseded_by IS NULL
                      ORDER BY r.round_on DESC, r.id DESC LIMIT 1), 0),
           a.report_date
      FROM reno_progress_as_of(v_programme, v_close.effective_on) a
      JOIN project p ON p.id = a.project_id;
    -- Every report of the round, superseded ones included.
    INSERT INTO round_snapshot_report (round_close_id, round_report_id, project_id, unit_id,
                                       account_id, households_started, households_completed,
                                       investment_completed, problems, help_needed,
                                       submitted_at, superseded_by)
    SELECT v_close.id, r.id, r.project_id, r.unit_id, r.account_id, r.households_started,
           r.households_completed, r.investment_completed, r.problems, r.help_needed,
           r.submitted_at, r.superseded_by
      FROM round_report r JOIN project p ON p.id = r.project_id
     WHERE p.programme_id = v_programme AND r.round_on = v_round.round_on;
    INSERT INTO round_snapshot_missing (round_close_id, unit_id, project_id)
    SELECT v_close.id, m.unit_id, m.project_id FROM reno_sup_missing(v_programme, v_round.round_on) m;

    -- One audit entry carries the whole frozen snapshot.
    PERFORM reno_audit(p_account, 'close_round', 'round_close', v_close.id, NULL,
        to_jsonb(v_close) || jsonb_build_object(
            'progress', (SELECT COALESCE(jsonb_agg(to_jsonb(s) ORDER BY s.project_id), '[]')
                           FROM round_snapshot_progress s WHERE s.round_close_id = v_close.id),
            'reports', (SELECT COALESCE(jsonb_agg(to_jsonb(s) ORDER BY s.round_report_id), '[]')
                          FROM round_snapshot_report s WHERE s.round_close_id = v_close.id),
            'missing', (SELECT COALESCE(jsonb_agg(to_jsonb(s) ORDER BY s.unit_id, s.project_id), '[]')
                          FROM round_snapshot_missing s WHERE s.round_close_id = v_close.id)));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'close_round', v_close.id);
    RETURN QUERY SELECT v_close.id, false;
END $$;

CREATE FUNCTION reno_op_list_round_reports(p_account bigint, p_round_date text)
RETURNS TABLE (id bigint, round_date text, effective_date text, project_id bigint,
               project_name text, unit_code text, unit_name text, username text,
               submitted_at text, households_started integer, households_completed integer,
               investment_completed numeric, problems text, help_needed text,
               superseded boolean, superseded_by bigint, late boolean)
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
           -- Late: written after the window the programme promised (the local date of
           -- the database decides).
           r.submitted_at::date > v_round.window_closes_on
      FROM round_report r
      JOIN project p ON p.id = r.project_id
      JOIN unit u ON u.id = r.unit_id
      JOIN account a ON a.id = r.account_id
     WHERE p.programme_id = reno_programme_of(p_account) AND r.round_on = v_round.round_on
     ORDER BY p.id, u.id, r.id;
END $$;

CREATE FUNCTION reno_op_list_missing_reporters(p_account bigint, p_round_date text)
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
    -- A closed round answers from its snapshot: who was missing when it was sent up.
    RETURN QUERY
    SELECT u.code, u.name, p.id, p.name, COALESCE(pu.duty, '')
      FROM (SELECT s.unit_id, s.project_id FROM round_snapshot_missing s
             WHERE v_round.state = 'closed' AND s.round_close_id = v_round.close_id
            UNION ALL
            SELECT m.unit_id, m.project_id
              FROM reno_sup_missing(reno_programme_of(p_account), v_round.round_on) m
             WHERE v_round.state = 'open') x
      JOIN unit u ON u.id = x.unit_id
      JOIN project p ON p.id = x.project_id
      LEFT JOIN project_unit pu ON pu.project_id = x.project_id AND pu.unit_id = x.unit_id
     ORDER BY u.id, p.id;
END $$;

CREATE FUNCTION reno_op_list_round_snapshot(p_account bigint, p_round_date text)
RETURNS TABLE (project_id bigint, project_name text, households integer,
               households_started integer, households_completed integer,
               started_pct double precision, completed_pct double precision,
               investment_completed numeric, last_report_date text, effective_date text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_round record;
BEGIN
    SELECT * INTO v_round FROM reno_sup_round(p_account, p_round_date, 'round_date');
    IF v_round.state <> 'closed' THEN
        RAISE EXCEPTION 'the round of % is not closed: it has no snapshot yet', v_round.round_on
            USING ERRCODE = 'RN404', COLUMN = 'round_date';
    END IF;
    RETURN QUERY
    SELECT s.project_id, s.project_name, s.households, s.households_started,
           s.households_completed,
           round(100.0 * s.households_started / s.households, 1)::double precision,
           round(100.0 * s.households_completed / s.households, 1)::double precision,
           s.investment_completed, COALESCE(to_char(s.last_report_date, 'YYYY-MM-DD'), ''),
           to_char(v_round.effective_on, 'YYYY-MM-DD')
      FROM round_snapshot_progress s
     WHERE s.round_close_id = v_round.close_id
     ORDER BY s.project_id;
END $$;
