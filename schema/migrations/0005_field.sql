-- 0005_field: the work in the field and its end: utility line work (管线入地 / 架空线规整),
-- residents' surveys and public notices (意愿征集, 公示, 满意度调查), and the end of a
-- project: joint completion acceptance (联合竣工验收), the acceptance file in three copies,
-- the final-accounts audit (决算审计), long-term management (长效管理) and the housing
-- bureau's performance evaluation (绩效评估). See proto/field.proto for the operations.
--
-- The work plan decides who does what, and the schema holds it:
--   * inside the red line the government digs, lays ducts and backfills; the utility lays
--     its lines and clears old ones; outside the red line and overhead, the utility
--     (section 六(一)). A part's side is a generated column of line_work; the right it
--     needs is checked in reno_op_record_line_work; the hand-off (no lines before the
--     government's trench and ducts are done) is a trigger, so it holds for every writer;
--   * the final audit, the file copies and the evaluation follow a passed acceptance
--     (section 五, phases 3 and 4): they reference it by a foreign key on (id, result)
--     that only a passed acceptance satisfies;
--   * household numbers stay within the project's households (triggers, as 0001 does
--     for progress reports).
--
-- Depends only on 0001_core and 0002_operations. Helpers are prefixed reno_fld_ so that
-- they cannot collide with the other areas' migrations.

-- ---- Helpers -------------------------------------------------------------------------------

CREATE FUNCTION reno_fld_iso(p date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(p, 'YYYY-MM-DD')
$$;

-- A project's households (the project exists: callers run reno_project_check first).
CREATE FUNCTION reno_fld_households(p_project bigint) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT households FROM project WHERE id = p_project
$$;

-- ---- Utility line work ---------------------------------------------------------------------

-- Who does a part (section 六(一)): the government digs the trench, lays the ducts and
-- backfills; everything else is the utility's own.
CREATE FUNCTION reno_fld_line_side(p_part text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_part IN ('trench', 'ducts', 'backfill') THEN 'government' ELSE 'utility' END
$$;

CREATE FUNCTION reno_fld_part_name(p_part text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_part
        WHEN 'trench' THEN '管沟开挖' WHEN 'ducts' THEN '管道预埋' WHEN 'backfill' THEN '覆土'
        WHEN 'lay_lines' THEN '线路埋设' WHEN 'clear_old_lines' THEN '废旧线路规整'
        WHEN 'outside_works' THEN '红线外线路改造' WHEN 'overhead_tidy' THEN '架空线规整'
        ELSE p_part END
$$;

-- The parts of each segment, in the order the work is done.
CREATE FUNCTION reno_fld_segment_parts(p_segment text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_segment
        WHEN 'inside_red_line' THEN ARRAY['trench', 'ducts', 'backfill', 'lay_lines',
                                          'clear_old_lines']
        WHEN 'outside_red_line' THEN ARRAY['outside_works']
        WHEN 'overhead' THEN ARRAY['overhead_tidy'] END
$$;

-- One row per project, utility, segment and part: the part's current state. A later
-- record updates the row; its earlier states are in the audit log.
CREATE TABLE line_work (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    utility_unit_id     bigint NOT NULL REFERENCES unit(id),
    segment             text NOT NULL
                            CHECK (segment IN ('inside_red_line', 'outside_red_line', 'overhead')),
    part                text NOT NULL,
    side                text NOT NULL GENERATED ALWAYS AS (reno_fld_line_side(part)) STORED,
    length_m            numeric(10, 2) NOT NULL DEFAULT 0,
    started_on          date,
    done_on             date,
    status              text NOT NULL CHECK (status IN ('planned', 'in_progress', 'done')),
    recorded_by         bigint NOT NULL REFERENCES account(id),
    recorded_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, utility_unit_id, segment, part),
    -- Constraints are named after the request field at fault: renod reports a CHECK
    -- violation's constraint name as the field path when no column is named.
    CONSTRAINT part CHECK (part = ANY (reno_fld_segment_parts(segment))),
    CONSTRAINT length_m CHECK (length_m BETWEEN 0 AND 100000),
    CONSTRAINT done_on CHECK (done_on >= started_on
                              AND (status = 'done') = (done_on IS NOT NULL)),
    CONSTRAINT started_on CHECK (status = 'planned' OR started_on IS NOT NULL)
);
CREATE INDEX line_work_utility ON line_work (utility_unit_id);

-- The handover (移交) of a project's buried facilities to a utility, which then maintains
-- them. One per project and utility.
CREATE TABLE line_handover (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    utility_unit_id     bigint NOT NULL REFERENCES unit(id),
    handed_over_on      date NOT NULL,
    recorded_by         bigint NOT NULL REFERENCES account(id),
    UNIQUE (project_id, utility_unit_id)
);

-- The facilities go to a utility of the project's own programme.
CREATE FUNCTION line_handover_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM unit u JOIN project p ON p.programme_id = u.programme_id
                    WHERE u.id = NEW.utility_unit_id AND p.id = NEW.project_id
                      AND u.kind = 'utility') THEN
        RAISE EXCEPTION 'a handover goes to a utility (专营单位) of the project''s programme'
            USING ERRCODE = 'check_violation', COLUMN = 'utility_code';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER line_handover_check BEFORE INSERT OR UPDATE ON line_handover
    FOR EACH ROW EXECUTE FUNCTION line_handover_check();

-- The rules across rows of line work, for every writer:
--   * the unit is a utility of the project's programme;
--   * the hand-off: lay_lines inside the red line may start (in_progress or done) only
--     once the government's trench and ducts for the same project and utility are done,
--     and not on a date before they were done; and a trench or ducts already built on may
--     not be set back;
--   * after the handover, the parts it covered stay done and dated no later than it.
CREATE FUNCTION line_work_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_unit unit%ROWTYPE;
    v_missing text;
    v_ready date;
    v_lines line_work%ROWTYPE;
    v_handover line_handover%ROWTYPE;
BEGIN
    SELECT u.* INTO v_unit FROM unit u JOIN project p ON p.programme_id = u.programme_id
     WHERE u.id = NEW.utility_unit_id AND p.id = NEW.project_id;
    IF v_unit.id IS NULL OR v_unit.kind <> 'utility' THEN
        RAISE EXCEPTION 'line work belongs to a utility (专营单位) of the project''s programme'
            USING ERRCODE = 'check_violation', COLUMN = 'utility_code';
    END IF;
    IF NEW.segment <> 'inside_red_line' THEN
        RETURN NEW;
    END IF;

    IF NEW.part = 'lay_lines' AND NEW.status <> 'planned' THEN
        SELECT string_agg(reno_fld_part_name(g.part) || ' (' ||
                          COALESCE(w.status, 'not recorded') || ')', '、' ORDER BY g.ord)
          INTO v_missing
          FROM (VALUES (1, 'trench'), (2, 'ducts')) AS g(ord, part)
          LEFT JOIN line_work w ON w.project_id = NEW.project_id
                               AND w.utility_unit_id = NEW.utility_unit_id
                               AND w.segment = 'inside_red_line' AND w.part = g.part
         WHERE w.status IS DISTINCT FROM 'done';
        IF v_missing IS NOT NULL THEN
            RAISE EXCEPTION '线路埋设 of % waits for the government''s trench and ducts: % not done',
                v_unit.name, v_missing
                USING ERRCODE = 'check_violation', COLUMN = 'part';
        END IF;
        SELECT max(w.done_on) INTO v_ready FROM line_work w
         WHERE w.project_id = NEW.project_id AND w.utility_unit_id = NEW.utility_unit_id
           AND w.segment = 'inside_red_line' AND w.part IN ('trench', 'ducts');
        IF NEW.started_on < v_ready THEN
            RAISE EXCEPTION '线路埋设 cannot start on % before the trench and ducts were done on %',
                NEW.started_on, v_ready
                USING ERRCODE = 'check_violation', COLUMN = 'started_on';
        END IF;
    END IF;

    IF NEW.part IN ('trench', 'ducts') THEN
        SELECT * INTO v_lines FROM line_work w
         WHERE w.project_id = NEW.project_id AND w.utility_unit_id = NEW.utility_unit_id
           AND w.segment = 'inside_red_line' AND w.part = 'lay_lines' AND w.status <> 'planned';
        IF v_lines.id IS NOT NULL AND NEW.status <> 'done' THEN
            RAISE EXCEPTION '% is built on: % started laying lines on %, so it stays done',
                reno_fld_part_name(NEW.part), v_unit.name, v_lines.started_on
                USING ERRCODE = 'check_violation', COLUMN = 'status';
        END IF;
        IF v_lines.id IS NOT NULL AND NEW.done_on > v_lines.started_on THEN
            RAISE EXCEPTION '% cannot be done after % started laying lines on %',
                reno_fld_part_name(NEW.part), v_unit.name, v_lines.started_on
                USING ERRCODE = 'check_violation', COLUMN = 'done_on';
        END IF;
    END IF;

    SELECT * INTO v_handover FROM line_handover h
     WHERE h.project_id = NEW.project_id AND h.utility_unit_id = NEW.utility_unit_id;
    IF v_handover.id IS NOT NULL AND NEW.part IN ('trench', 'ducts', 'backfill', 'lay_lines')
       AND (NEW.status <> 'done' OR NEW.done_on > v_handover.handed_over_on) THEN
        RAISE EXCEPTION 'the facilities were handed over to % on %: % stays done by then',
            v_unit.name, v_handover.handed_over_on, reno_fld_part_name(NEW.part)
            USING ERRCODE = 'check_violation', COLUMN = 'status';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER line_work_check BEFORE INSERT OR UPDATE ON line_work
    FOR EACH ROW EXECUTE FUNCTION line_work_check();

-- Records the state of one part of a utility's line work in a project.
--   government parts (trench, ducts, backfill): right lines.government;
--   the utility's parts: right lines.utility, and unless the unit holds every right (the
--   office), the account's unit must be the utility named: a utility records only its
--   own lines.
CREATE FUNCTION reno_op_record_line_work(p_account bigint, p_key bytea, p_digest bytea,
                                         p_project_id bigint, p_utility_code text,
                                         p_segment text, p_part text, p_length_m double precision,
                                         p_started_on text, p_done_on text, p_status text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_unit bigint;
    v_own_unit bigint;
    v_utility unit%ROWTYPE;
    v_started date;
    v_done date;
    v_before line_work%ROWTYPE;
    v_after line_work%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'record_line_work');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;

    -- The right depends on the part: who does it is the work plan's rule.
    PERFORM reno_given(p_part, 'part');
    SELECT a.unit_id INTO v_own_unit FROM account a WHERE a.id = p_account;
    IF reno_fld_line_side(p_part) = 'government' THEN
        IF NOT reno_has_right(p_account, 'lines.government') THEN
            -- 红线内 … 由地方政府负责管沟开挖、管道预埋、覆土.
            RAISE EXCEPTION '% (%) is the government''s part; your unit lacks lines.government',
                reno_fld_part_name(p_part), p_part USING ERRCODE = 'RN403';
        END IF;
        v_unit := reno_unit_id(p_account, p_utility_code, 'utility_code');
    ELSE
        IF NOT reno_has_right(p_account, 'lines.utility') THEN
            RAISE EXCEPTION '% (%) is the utility''s own part; your unit lacks lines.utility',
                reno_fld_part_name(p_part), p_part USING ERRCODE = 'RN403';
        END IF;
        v_unit := reno_unit_id(p_account, p_utility_code, 'utility_code');
        IF v_unit <> v_own_unit AND NOT reno_has_right(p_account, '*') THEN
            RAISE EXCEPTION 'a utility records only its own lines: % is not your unit',
                p_utility_code USING ERRCODE = 'RN403';
        END IF;
    END IF;

    PERFORM reno_project_check(p_account, p_project_id);
    SELECT * INTO v_utility FROM unit WHERE unit.id = v_unit;
    IF v_utility.kind <> 'utility' THEN
        RAISE EXCEPTION '% is not a utility (专营单位)', v_utility.name
            USING ERRCODE = 'check_violation', COLUMN = 'utility_code';
    END IF;
    PERFORM reno_given(p_segment, 'segment');
    PERFORM reno_given(p_status, 'status');
    IF NOT p_part = ANY (reno_fld_segment_parts(p_segment)) THEN
        RAISE EXCEPTION 'part % does not belong to segment % (its parts: %)', p_part, p_segment,
            array_to_string(reno_fld_segment_parts(p_segment), ', ')
            USING ERRCODE = 'check_violation', COLUMN = 'part';
    END IF;
    IF p_length_m IS NULL OR p_length_m < 0 OR p_length_m > 100000 THEN
        RAISE EXCEPTION 'length_m must be between 0 and 100000 metres'
            USING ERRCODE = 'check_violation', COLUMN = 'length_m';
    END IF;
    v_started := reno_date(p_started_on, 'started_on', p_status <> 'planned');
    v_done := reno_date(p_done_on, 'done_on', p_status = 'done');
    IF p_status <> 'done' AND v_done IS NOT NULL THEN
        RAISE EXCEPTION 'done_on is only for a part that is done (status %)', p_status
            USING ERRCODE = 'check_violation', COLUMN = 'done_on';
    END IF;
    IF v_done < v_started THEN
        RAISE EXCEPTION 'done_on % is before started_on %', v_done, v_started
            USING ERRCODE = 'check_violation', COLUMN = 'done_on';
    END IF;

    SELECT * INTO v_before FROM line_work w
     WHERE w.project_id = p_project_id AND w.utility_unit_id = v_unit
       AND w.segment = p_segment AND w.part = p_part
       FOR UPDATE;
    IF v_before.id IS NULL THEN
        INSERT INTO line_work (project_id, utility_unit_id, segment, part, length_m, started_on,
                               done_on, status, recorded_by)
        VALUES (p_project_id, v_unit, p_segment, p_part, p_length_m, v_started, v_done, p_status,
                p_account)
        RETURNING * INTO v_after;
    ELSE
        UPDATE line_work w
           SET length_m = p_length_m, started_on = v_started, done_on = v_done,
               status = p_status, recorded_by = p_account, recorded_at = now()
         WHERE w.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'record_line_work', 'line_work', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'record_line_work', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- Hands a project's facilities inside the red line over to a utility, once every part
-- that built them is done: trench, ducts and backfill by the government and the
-- utility's lay_lines. By the office or a unit holding lines.government.
CREATE FUNCTION reno_op_hand_over_line(p_account bigint, p_key bytea, p_digest bytea,
                                       p_project_id bigint, p_utility_code text,
                                       p_handed_over_on text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_unit bigint;
    v_on date;
    v_missing text;
    v_ready date;
    v_before line_handover%ROWTYPE;
    v_after line_handover%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'hand_over_line');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'lines.government');
    PERFORM reno_project_check(p_account, p_project_id);
    v_unit := reno_unit_id(p_account, p_utility_code, 'utility_code');
    IF (SELECT kind FROM unit WHERE unit.id = v_unit) <> 'utility' THEN
        RAISE EXCEPTION '% is not a utility (专营单位)', p_utility_code
            USING ERRCODE = 'check_violation', COLUMN = 'utility_code';
    END IF;
    v_on := reno_date(p_handed_over_on, 'handed_over_on', true);

    SELECT string_agg(reno_fld_part_name(g.part) || ' (' || COALESCE(w.status, 'not recorded')
                      || ')', '、' ORDER BY g.ord)
      INTO v_missing
      FROM (VALUES (1, 'trench'), (2, 'ducts'), (3, 'backfill'), (4, 'lay_lines')) AS g(ord, part)
      LEFT JOIN line_work w ON w.project_id = p_project_id AND w.utility_unit_id = v_unit
                           AND w.segment = 'inside_red_line' AND w.part = g.part
     WHERE w.status IS DISTINCT FROM 'done';
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'nothing to hand over yet: % not done', v_missing
            USING ERRCODE = 'check_violation', COLUMN = 'handed_over_on';
    END IF;
    SELECT max(w.done_on) INTO v_ready FROM line_work w
     WHERE w.project_id = p_project_id AND w.utility_unit_id = v_unit
       AND w.segment = 'inside_red_line' AND w.part IN ('trench', 'ducts', 'backfill', 'lay_lines');
    IF v_on < v_ready THEN
        RAISE EXCEPTION 'handed_over_on % is before the works were done (%)', v_on, v_ready
            USING ERRCODE = 'check_violation', COLUMN = 'handed_over_on';
    END IF;

    SELECT * INTO v_before FROM line_handover h
     WHERE h.project_id = p_project_id AND h.utility_unit_id = v_unit FOR UPDATE;
    IF v_before.id IS NULL THEN
        INSERT INTO line_handover (project_id, utility_unit_id, handed_over_on, recorded_by)
        VALUES (p_project_id, v_unit, v_on, p_account) RETURNING * INTO v_after;
    ELSE
        UPDATE line_handover h SET handed_over_on = v_on, recorded_by = p_account
         WHERE h.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'hand_over_line', 'line_handover', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'hand_over_line', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- The line work of one project (or all), with who must act next. Inside the red line a
-- utility with any record there gets all five parts, the unrecorded ones as
-- 'not_recorded', because an unrecorded part is exactly what someone is waiting for.
CREATE FUNCTION reno_op_list_line_work(p_account bigint, p_project_id bigint)
RETURNS TABLE (id bigint, project_id bigint, project_name text, utility_code text,
               utility_name text, segment text, part text, part_name text, side text,
               length_m double precision, started_on text, done_on text, status text,
               waiting_on text, handed_over_on text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    WITH scope AS (
        SELECT p.id, p.name FROM project p
         WHERE p.programme_id = reno_programme_of(p_account)
           AND (COALESCE(p_project_id, 0) = 0 OR p.id = p_project_id)
    ), slots AS (
        -- Every part of the inside segment for each project and utility with a record
        -- there, and every recorded part elsewhere.
        SELECT DISTINCT w.project_id, w.utility_unit_id, 'inside_red_line'::text AS segment,
               g.part, g.ord
          FROM line_work w JOIN scope s ON s.id = w.project_id
         CROSS JOIN unnest(reno_fld_segment_parts('inside_red_line'))
                    WITH ORDINALITY AS g(part, ord)
         WHERE w.segment = 'inside_red_line'
        UNION
        SELECT w.project_id, w.utility_unit_id, w.segment, w.part, 1
          FROM line_work w JOIN scope s ON s.id = w.project_id
         WHERE w.segment <> 'inside_red_line'
    ), filled AS (
        SELECT sl.*, w.id AS work_id, w.length_m, w.started_on, w.done_on,
               COALESCE(w.status, 'not_recorded') AS status, h.handed_over_on,
               -- The government parts the utility's lines wait for, not yet done.
               (SELECT string_agg(reno_fld_part_name(t.part), '、' ORDER BY t.ord)
                  FROM (VALUES (1, 'trench'), (2, 'ducts')) AS t(ord, part)
                  LEFT JOIN line_work g ON g.project_id = sl.project_id
                                       AND g.utility_unit_id = sl.utility_unit_id
                                       AND g.segment = 'inside_red_line' AND g.part = t.part
                 WHERE g.status IS DISTINCT FROM 'done') AS blocked_by,
               -- Parts the handover needs, not yet done.
               (SELECT count(*) FROM (VALUES ('trench'), ('ducts'), ('backfill'), ('lay_lines'))
                                     AS t(part)
                  LEFT JOIN line_work g ON g.project_id = sl.project_id
                                       AND g.utility_unit_id = sl.utility_unit_id
                                       AND g.segment = 'inside_red_line' AND g.part = t.part
                 WHERE g.status IS DISTINCT FROM 'done') AS handover_pending
          FROM slots sl
          LEFT JOIN line_work w ON w.project_id = sl.project_id
                               AND w.utility_unit_id = sl.utility_unit_id
                               AND w.segment = sl.segment AND w.part = sl.part
          LEFT JOIN line_handover h ON h.project_id = sl.project_id
                                   AND h.utility_unit_id = sl.utility_unit_id
    )
    SELECT COALESCE(r.work_id, 0), r.project_id, s.name, u.code, u.name, r.segment, r.part,
           reno_fld_part_name(r.part), reno_fld_line_side(r.part), r.length_m::double precision,
           reno_fld_iso(r.started_on), reno_fld_iso(r.done_on), r.status,
           CASE
             WHEN r.status <> 'done' AND reno_fld_line_side(r.part) = 'government'
               THEN 'government: ' || reno_fld_part_name(r.part)
             WHEN r.status <> 'done' AND r.part = 'lay_lines' AND r.blocked_by IS NOT NULL
               THEN 'government: ' || r.blocked_by
             WHEN r.status <> 'done'
               THEN u.name || ': ' || reno_fld_part_name(r.part)
             -- The last part the handover needed is done: the government hands over.
             WHEN r.segment = 'inside_red_line' AND r.part = 'lay_lines'
                  AND r.handover_pending = 0 AND r.handed_over_on IS NULL
               THEN 'government: 移交'
             ELSE '' END,
           reno_fld_iso(r.handed_over_on)
      FROM filled r
      JOIN scope s ON s.id = r.project_id
      JOIN unit u ON u.id = r.utility_unit_id
     ORDER BY r.project_id, u.id,
              array_position(ARRAY['inside_red_line', 'outside_red_line', 'overhead'], r.segment),
              r.ord;
END $$;

-- ---- Residents: surveys and the public notice ----------------------------------------------

-- Willingness (意愿征集, phase 1) and satisfaction (满意度调查, after completion) surveys.
-- One per project, kind and date.
CREATE TABLE resident_survey (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    kind                text NOT NULL CHECK (kind IN ('willingness', 'satisfaction')),
    surveyed_on         date NOT NULL,
    households_asked    integer NOT NULL CONSTRAINT households_asked CHECK (households_asked > 0),
    households_agreeing integer NOT NULL
                            CONSTRAINT households_agreeing
                            CHECK (households_agreeing BETWEEN 0 AND households_asked),
    note                text NOT NULL DEFAULT '' CHECK (length(note) <= 4000),
    recorded_by         bigint NOT NULL REFERENCES account(id),
    UNIQUE (project_id, kind, surveyed_on)
);

-- No more households asked than the project has: a cross-table rule, so a trigger.
CREATE FUNCTION resident_survey_check_households() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_total integer := reno_fld_households(NEW.project_id);
BEGIN
    IF NEW.households_asked > v_total THEN
        RAISE EXCEPTION 'households_asked % exceeds the project''s % households',
            NEW.households_asked, v_total
            USING ERRCODE = 'check_violation', COLUMN = 'households_asked';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER resident_survey_households BEFORE INSERT OR UPDATE ON resident_survey
    FOR EACH ROW EXECUTE FUNCTION resident_survey_check_households();

-- The public notice (公示) of a project's plan and what the comments changed.
CREATE TABLE plan_notice (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    starts_on           date NOT NULL,
    ends_on             date NOT NULL,
    comments_received   integer NOT NULL
                            CONSTRAINT comments_received
                            CHECK (comments_received BETWEEN 0 AND 1000000),
    changes_made        text NOT NULL DEFAULT '' CHECK (length(changes_made) <= 4000),
    recorded_by         bigint NOT NULL REFERENCES account(id),
    UNIQUE (project_id, starts_on),
    CONSTRAINT ends_on CHECK (ends_on >= starts_on)
);

-- Households completed in the project's latest progress report on or before a date.
CREATE FUNCTION reno_fld_completed_as_of(p_project bigint, p_date date) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT r.households_completed FROM progress_report r
                      WHERE r.project_id = p_project AND r.report_date <= p_date
                      ORDER BY r.report_date DESC, r.id DESC LIMIT 1), 0)
$$;

CREATE FUNCTION reno_op_record_survey(p_account bigint, p_key bytea, p_digest bytea,
                                      p_project_id bigint, p_kind text, p_surveyed_on text,
                                      p_households_asked integer, p_households_agreeing integer,
                                      p_note text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_on date;
    v_total integer;
    v_completed integer;
    v_before resident_survey%ROWTYPE;
    v_after resident_survey%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'record_survey');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'residents.write');
    PERFORM reno_project_check(p_account, p_project_id);
    PERFORM reno_given(p_kind, 'kind');
    v_on := reno_date(p_surveyed_on, 'surveyed_on', true);
    v_total := reno_fld_households(p_project_id);
    IF p_households_asked < 1 OR p_households_asked > v_total THEN
        RAISE EXCEPTION 'households_asked must be between 1 and the project''s % households',
            v_total USING ERRCODE = 'check_violation', COLUMN = 'households_asked';
    END IF;
    IF p_households_agreeing < 0 OR p_households_agreeing > p_households_asked THEN
        RAISE EXCEPTION 'households_agreeing must be between 0 and households_asked (%)',
            p_households_asked USING ERRCODE = 'check_violation', COLUMN = 'households_agreeing';
    END IF;
    -- Section 六(二): 项目完工后开展居民满意度调查评价. Completed means every household
    -- completed in the progress reports as of the survey's date.
    IF p_kind = 'satisfaction' THEN
        v_completed := reno_fld_completed_as_of(p_project_id, v_on);
        IF v_completed < v_total THEN
            RAISE EXCEPTION 'satisfaction is surveyed once completed: % of % households done by %',
                v_completed, v_total, v_on
                USING ERRCODE = 'check_violation', COLUMN = 'kind';
        END IF;
    END IF;

    SELECT * INTO v_before FROM resident_survey s
     WHERE s.project_id = p_project_id AND s.kind = p_kind AND s.surveyed_on = v_on FOR UPDATE;
    IF v_before.id IS NULL THEN
        INSERT INTO resident_survey (project_id, kind, surveyed_on, households_asked,
                                     households_agreeing, note, recorded_by)
        VALUES (p_project_id, p_kind, v_on, p_households_asked, p_households_agreeing,
                COALESCE(p_note, ''), p_account)
        RETURNING * INTO v_after;
    ELSE
        UPDATE resident_survey s
           SET households_asked = p_households_asked, households_agreeing = p_households_agreeing,
               note = COALESCE(p_note, ''), recorded_by = p_account
         WHERE s.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'record_survey', 'resident_survey', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'record_survey', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE FUNCTION reno_op_record_notice(p_account bigint, p_key bytea, p_digest bytea,
                                      p_project_id bigint, p_starts_on text, p_ends_on text,
                                      p_comments_received integer, p_changes_made text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_starts date;
    v_ends date;
    v_before plan_notice%ROWTYPE;
    v_after plan_notice%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'record_notice');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'residents.write');
    PERFORM reno_project_check(p_account, p_project_id);
    v_starts := reno_date(p_starts_on, 'starts_on', true);
    v_ends := reno_date(p_ends_on, 'ends_on', true);
    IF v_ends < v_starts THEN
        RAISE EXCEPTION 'ends_on % is before starts_on %', v_ends, v_starts
            USING ERRCODE = 'check_violation', COLUMN = 'ends_on';
    END IF;
    IF p_comments_received < 0 THEN
        RAISE EXCEPTION 'comments_received cannot be negative'
            USING ERRCODE = 'check_violation', COLUMN = 'comments_received';
    END IF;

    SELECT * INTO v_before FROM plan_notice n
     WHERE n.project_id = p_project_id AND n.starts_on = v_starts FOR UPDATE;
    IF v_before.id IS NULL THEN
        INSERT INTO plan_notice (project_id, starts_on, ends_on, comments_received, changes_made,
                                 recorded_by)
        VALUES (p_project_id, v_starts, v_ends, p_comments_received, COALESCE(p_changes_made, ''),
                p_account)
        RETURNING * INTO v_after;
    ELSE
        UPDATE plan_notice n
           SET ends_on = v_ends, comments_received = p_comments_received,
               changes_made = COALESCE(p_changes_made, ''), recorded_by = p_account
         WHERE n.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'record_notice', 'plan_notice', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'record_notice', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- Surveys and notices of one project (or all), in date order, with percentages: of the
-- project's households asked, and of those asked who agreed (or were satisfied).
CREATE FUNCTION reno_op_list_surveys(p_account bigint, p_project_id bigint)
RETURNS TABLE (id bigint, project_id bigint, project_name text, kind text, held_on text,
               ends_on text, households integer, households_asked integer,
               households_agreeing integer, asked_pct double precision,
               agreeing_pct double precision, comments_received integer, note text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    SELECT e.id, p.id, p.name, e.kind, reno_fld_iso(e.held_on), reno_fld_iso(e.ends_on),
           p.households, e.asked, e.agreeing,
           CASE WHEN e.asked IS NULL THEN NULL
                ELSE round(100.0 * e.asked / p.households, 1)::double precision END,
           CASE WHEN e.asked IS NULL THEN NULL
                ELSE round(100.0 * e.agreeing / e.asked, 1)::double precision END,
           e.comments, e.note
      FROM (SELECT s.id, s.project_id, s.kind, s.surveyed_on AS held_on, NULL::date AS ends_on,
                   s.households_asked AS asked, s.households_agreeing AS agreeing,
                   NULL::integer AS comments, s.note
              FROM resident_survey s
            UNION ALL
            SELECT n.id, n.project_id, 'notice', n.starts_on, n.ends_on, NULL, NULL,
                   n.comments_received, n.changes_made
              FROM plan_notice n) e
      JOIN project p ON p.id = e.project_id
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR p.id = p_project_id)
     ORDER BY p.id, e.held_on, e.kind, e.id;
END $$;

-- ---- Acceptance, file copies, final audit, management, evaluation --------------------------

-- A joint completion acceptance. A project may fail and be accepted again later; it
-- passes at most once. A failed acceptance names its defects; residents' representatives
-- take part in every acceptance (联合竣工验收 … 居民代表).
CREATE TABLE acceptance (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    accepted_on         date NOT NULL,
    result              text NOT NULL CHECK (result IN ('passed', 'failed')),
    resident_representatives text NOT NULL
                            CONSTRAINT resident_representatives
                            CHECK (length(resident_representatives) BETWEEN 1 AND 4000),
    defects             text NOT NULL DEFAULT '' CHECK (length(defects) <= 4000),
    recorded_by         bigint NOT NULL REFERENCES account(id),
    UNIQUE (project_id, accepted_on),
    -- The target of the (acceptance_id, 'passed') foreign keys below.
    UNIQUE (id, result),
    CONSTRAINT defects CHECK (result = 'passed' OR defects <> '')
);
CREATE UNIQUE INDEX acceptance_passes_once ON acceptance (project_id) WHERE result = 'passed';

-- The units that took part in an acceptance (参建单位、职能部门、监理单位、物业服务企业).
CREATE TABLE acceptance_unit (
    acceptance_id       bigint NOT NULL REFERENCES acceptance(id),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    PRIMARY KEY (acceptance_id, unit_id)
);

-- The units that took part belong to the project's programme.
CREATE FUNCTION acceptance_unit_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM acceptance a JOIN project p ON p.id = a.project_id
                     JOIN unit u ON u.programme_id = p.programme_id
                    WHERE a.id = NEW.acceptance_id AND u.id = NEW.unit_id) THEN
        RAISE EXCEPTION 'a participating unit belongs to the project''s programme'
            USING ERRCODE = 'check_violation', COLUMN = 'participating_units';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER acceptance_unit_check BEFORE INSERT OR UPDATE ON acceptance_unit
    FOR EACH ROW EXECUTE FUNCTION acceptance_unit_check();

-- The acceptance file is kept in three copies (一式三份): one per holder. The foreign key
-- on (acceptance_id, 'passed') admits only a passed acceptance.
CREATE TABLE acceptance_copy (
    id                  bigserial PRIMARY KEY,
    acceptance_id       bigint NOT NULL,
    acceptance_result   text NOT NULL DEFAULT 'passed' CHECK (acceptance_result = 'passed'),
    holder              text NOT NULL
                            CHECK (holder IN ('self_management_group', 'community',
                                              'housing_bureau')),
    held_by             text NOT NULL CONSTRAINT held_by CHECK (length(held_by) BETWEEN 1 AND 200),
    filed_on            date NOT NULL,
    recorded_by         bigint NOT NULL REFERENCES account(id),
    FOREIGN KEY (acceptance_id, acceptance_result) REFERENCES acceptance (id, result),
    UNIQUE (acceptance_id, holder)
);

-- The final-accounts audit (决算审计), after a passed acceptance. One per project.
CREATE TABLE final_audit (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL UNIQUE REFERENCES project(id),
    acceptance_id       bigint NOT NULL,
    acceptance_result   text NOT NULL DEFAULT 'passed' CHECK (acceptance_result = 'passed'),
    audited_on          date NOT NULL,
    audited_amount      numeric(14, 2) NOT NULL
                            CONSTRAINT audited_amount
                            CHECK (audited_amount BETWEEN 0 AND 1000000000000),
    auditor             text NOT NULL CONSTRAINT auditor CHECK (length(auditor) BETWEEN 1 AND 200),
    recorded_by         bigint NOT NULL REFERENCES account(id),
    FOREIGN KEY (acceptance_id, acceptance_result) REFERENCES acceptance (id, result)
);

-- Long-term management after renovation (长效管理): the current arrangement per project.
CREATE TABLE management_arrangement (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL UNIQUE REFERENCES project(id),
    mode                text NOT NULL
                            CHECK (mode IN ('self_governance', 'community', 'property_company')),
    provider            text NOT NULL
                            CONSTRAINT provider CHECK (length(provider) BETWEEN 1 AND 200),
    starts_on           date NOT NULL,
    recorded_by         bigint NOT NULL REFERENCES account(id)
);

CREATE FUNCTION reno_fld_dimension_name(p_dimension text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_dimension
        WHEN 'area_households' THEN '改造面积和户数' WHEN 'content' THEN '改造内容'
        WHEN 'standards' THEN '改造标准' WHEN 'matching_funds' THEN '配套资金到位情况'
        WHEN 'management' THEN '物业管理长效机制建立情况' ELSE p_dimension END
$$;

-- One dimension of a project's performance evaluation, after a passed acceptance.
CREATE TABLE evaluation_item (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    acceptance_id       bigint NOT NULL,
    acceptance_result   text NOT NULL DEFAULT 'passed' CHECK (acceptance_result = 'passed'),
    dimension           text NOT NULL
                            CHECK (dimension IN ('area_households', 'content', 'standards',
                                                 'matching_funds', 'management')),
    evaluated_on        date NOT NULL,
    score               integer NOT NULL CONSTRAINT score CHECK (score BETWEEN 0 AND 100),
    -- m² for area_households, yuan for matching_funds; the others have no measured value.
    value               numeric(16, 2) NOT NULL DEFAULT 0
                            CONSTRAINT value
                            CHECK (value BETWEEN 0 AND 1000000000000
                                   AND (dimension IN ('area_households', 'matching_funds')
                                        OR value = 0)),
    households          integer NOT NULL DEFAULT 0
                            CONSTRAINT households
                            CHECK ((dimension = 'area_households') = (households > 0)
                                   AND households >= 0),
    note                text NOT NULL DEFAULT '' CHECK (length(note) <= 4000),
    recorded_by         bigint NOT NULL REFERENCES account(id),
    FOREIGN KEY (acceptance_id, acceptance_result) REFERENCES acceptance (id, result),
    UNIQUE (project_id, dimension)
);

-- The evaluation's overall conclusion and its report to the municipal housing bureau
-- (报送市住房和城乡建设局). One per project.
CREATE TABLE evaluation_conclusion (
    project_id          bigint PRIMARY KEY REFERENCES project(id),
    acceptance_id       bigint NOT NULL,
    acceptance_result   text NOT NULL DEFAULT 'passed' CHECK (acceptance_result = 'passed'),
    concluded_on        date NOT NULL,
    conclusion          text NOT NULL CONSTRAINT conclusion
                            CHECK (length(conclusion) BETWEEN 1 AND 4000),
    reported_on         date,
    recorded_by         bigint NOT NULL REFERENCES account(id),
    FOREIGN KEY (acceptance_id, acceptance_result) REFERENCES acceptance (id, result),
    CONSTRAINT reported_on CHECK (reported_on >= concluded_on)
);

-- The project's passed acceptance; check_violation naming project_id when there is none,
-- since what follows it (audit, copies, evaluation) cannot come first (section 五: 经验收
-- 合格后 …).
CREATE FUNCTION reno_fld_passed_acceptance(p_project bigint, p_what text) RETURNS acceptance
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v acceptance%ROWTYPE;
BEGIN
    SELECT * INTO v FROM acceptance a WHERE a.project_id = p_project AND a.result = 'passed';
    IF v.id IS NULL THEN
        RAISE EXCEPTION '% follows a passed acceptance (验收合格后), and project % has none yet',
            p_what, p_project USING ERRCODE = 'check_violation', COLUMN = 'project_id';
    END IF;
    RETURN v;
END $$;

CREATE FUNCTION reno_op_record_acceptance(p_account bigint, p_key bytea, p_digest bytea,
                                          p_project_id bigint, p_accepted_on text,
                                          p_result text, p_participating_units text[],
                                          p_resident_representatives text, p_defects text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_on date;
    v_units bigint[];
    v_code text;
    v_total integer;
    v_completed integer;
    v_passed acceptance%ROWTYPE;
    v_before acceptance%ROWTYPE;
    v_after acceptance%ROWTYPE;
    v_before_units text[];
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'record_acceptance');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'acceptance.write');
    PERFORM reno_project_check(p_account, p_project_id);
    v_on := reno_date(p_accepted_on, 'accepted_on', true);
    PERFORM reno_given(p_result, 'result');
    IF COALESCE(cardinality(p_participating_units), 0) = 0 THEN
        RAISE EXCEPTION 'participating_units: name the units that took part (参建单位 …)'
            USING ERRCODE = 'check_violation', COLUMN = 'participating_units';
    END IF;
    -- Each code names a unit of the programme; a code given twice counts once.
    FOREACH v_code IN ARRAY p_participating_units LOOP
        v_units := array_append(v_units,
                                reno_unit_id(p_account, v_code, 'participating_units'));
    END LOOP;
    PERFORM reno_nonblank(p_resident_representatives, 'resident_representatives');
    IF p_result = 'failed' AND COALESCE(btrim(p_defects), '') = '' THEN
        RAISE EXCEPTION 'a failed acceptance names its defects'
            USING ERRCODE = 'check_violation', COLUMN = 'defects';
    END IF;

    SELECT * INTO v_passed FROM acceptance a
     WHERE a.project_id = p_project_id AND a.result = 'passed';
    IF v_passed.id IS NOT NULL AND v_passed.accepted_on <> v_on THEN
        RAISE EXCEPTION 'project % already passed acceptance on %', p_project_id,
            v_passed.accepted_on USING ERRCODE = 'unique_violation', COLUMN = 'accepted_on';
    END IF;
    -- Acceptance comes once the works are done (11月底前全面完成 … 组织竣工验收): a pass
    -- needs every household completed in the progress reports as of its date.
    IF p_result = 'passed' THEN
        v_total := reno_fld_households(p_project_id);
        v_completed := reno_fld_completed_as_of(p_project_id, v_on);
        IF v_completed < v_total THEN
            RAISE EXCEPTION 'a pass needs the works completed: % of % households done by %',
                v_completed, v_total, v_on USING ERRCODE = 'check_violation', COLUMN = 'result';
        END IF;
    END IF;

    SELECT * INTO v_before FROM acceptance a
     WHERE a.project_id = p_project_id AND a.accepted_on = v_on FOR UPDATE;
    IF v_before.id IS NULL THEN
        INSERT INTO acceptance (project_id, accepted_on, result, resident_representatives,
                                defects, recorded_by)
        VALUES (p_project_id, v_on, p_result, p_resident_representatives,
                COALESCE(p_defects, ''), p_account)
        RETURNING * INTO v_after;
    ELSE
        -- What follows a pass refers to it: a pass with copies, an audit or an evaluation
        -- cannot be turned into a failure (the foreign keys would refuse it too).
        IF v_before.result = 'passed' AND p_result <> 'passed'
           AND (EXISTS (SELECT 1 FROM acceptance_copy c WHERE c.acceptance_id = v_before.id)
                OR EXISTS (SELECT 1 FROM final_audit f WHERE f.acceptance_id = v_before.id)
                OR EXISTS (SELECT 1 FROM evaluation_item e
                            WHERE e.acceptance_id = v_before.id)) THEN
            RAISE EXCEPTION 'the pass of % has file copies, an audit or an evaluation: it stays',
                v_on USING ERRCODE = 'check_violation', COLUMN = 'result';
        END IF;
        SELECT array_agg(u.code ORDER BY u.code) INTO v_before_units
          FROM acceptance_unit au JOIN unit u ON u.id = au.unit_id
         WHERE au.acceptance_id = v_before.id;
        UPDATE acceptance a
           SET result = p_result, resident_representatives = p_resident_representatives,
               defects = COALESCE(p_defects, ''), recorded_by = p_account
         WHERE a.id = v_before.id RETURNING * INTO v_after;
        DELETE FROM acceptance_unit au WHERE au.acceptance_id = v_after.id;
    END IF;
    INSERT INTO acceptance_unit (acceptance_id, unit_id)
    SELECT DISTINCT v_after.id, x FROM unnest(v_units) AS x;
    PERFORM reno_audit(p_account, 'record_acceptance', 'acceptance', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL
                            ELSE to_jsonb(v_before)
                                 || jsonb_build_object('participating_units', v_before_units) END,
                       to_jsonb(v_after) || jsonb_build_object('participating_units',
                           (SELECT array_agg(u.code ORDER BY u.code) FROM acceptance_unit au
                              JOIN unit u ON u.id = au.unit_id
                             WHERE au.acceptance_id = v_after.id)));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'record_acceptance', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE FUNCTION reno_fld_holder_name(p_holder text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_holder WHEN 'self_management_group' THEN '小区自管小组'
                         WHEN 'community' THEN '社区'
                         WHEN 'housing_bureau' THEN '县住房和城乡建设局' ELSE p_holder END
$$;

CREATE FUNCTION reno_op_record_file_copy(p_account bigint, p_key bytea, p_digest bytea,
                                         p_project_id bigint, p_holder text, p_held_by text,
                                         p_filed_on text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_on date;
    v_acceptance acceptance%ROWTYPE;
    v_before acceptance_copy%ROWTYPE;
    v_after acceptance_copy%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'record_file_copy');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'acceptance.write');
    PERFORM reno_project_check(p_account, p_project_id);
    PERFORM reno_given(p_holder, 'holder');
    PERFORM reno_nonblank(p_held_by, 'held_by');
    v_on := reno_date(p_filed_on, 'filed_on', true);
    v_acceptance := reno_fld_passed_acceptance(p_project_id, 'the acceptance file');
    IF v_on < v_acceptance.accepted_on THEN
        RAISE EXCEPTION 'filed_on % is before the acceptance on %', v_on, v_acceptance.accepted_on
            USING ERRCODE = 'check_violation', COLUMN = 'filed_on';
    END IF;

    SELECT * INTO v_before FROM acceptance_copy c
     WHERE c.acceptance_id = v_acceptance.id AND c.holder = p_holder FOR UPDATE;
    IF v_before.id IS NULL THEN
        INSERT INTO acceptance_copy (acceptance_id, holder, held_by, filed_on, recorded_by)
        VALUES (v_acceptance.id, p_holder, p_held_by, v_on, p_account)
        RETURNING * INTO v_after;
    ELSE
        UPDATE acceptance_copy c SET held_by = p_held_by, filed_on = v_on, recorded_by = p_account
         WHERE c.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'record_file_copy', 'acceptance_copy', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'record_file_copy', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE FUNCTION reno_op_record_final_audit(p_account bigint, p_key bytea, p_digest bytea,
                                           p_project_id bigint, p_audited_on text,
                                           p_audited_amount double precision, p_auditor text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_on date;
    v_acceptance acceptance%ROWTYPE;
    v_before final_audit%ROWTYPE;
    v_after final_audit%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'record_final_audit');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'acceptance.write');
    PERFORM reno_project_check(p_account, p_project_id);
    v_on := reno_date(p_audited_on, 'audited_on', true);
    IF p_audited_amount IS NULL OR p_audited_amount < 0 OR p_audited_amount > 1e12 THEN
        RAISE EXCEPTION 'audited_amount must be between 0 and 10^12 yuan'
            USING ERRCODE = 'check_violation', COLUMN = 'audited_amount';
    END IF;
    PERFORM reno_nonblank(p_auditor, 'auditor');
    -- 改造项目经验收合格后，完成改造工程项目决算审计.
    v_acceptance := reno_fld_passed_acceptance(p_project_id, 'the final-accounts audit (决算审计)');
    IF v_on < v_acceptance.accepted_on THEN
        RAISE EXCEPTION 'audited_on % is before the acceptance on %', v_on,
            v_acceptance.accepted_on USING ERRCODE = 'check_violation', COLUMN = 'audited_on';
    END IF;

    SELECT * INTO v_before FROM final_audit f WHERE f.project_id = p_project_id FOR UPDATE;
    IF v_before.id IS NULL THEN
        INSERT INTO final_audit (project_id, acceptance_id, audited_on, audited_amount, auditor,
                                 recorded_by)
        VALUES (p_project_id, v_acceptance.id, v_on, p_audited_amount, p_auditor, p_account)
        RETURNING * INTO v_after;
    ELSE
        UPDATE final_audit f
           SET acceptance_id = v_acceptance.id, audited_on = v_on,
               audited_amount = p_audited_amount, auditor = p_auditor, recorded_by = p_account
         WHERE f.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'record_final_audit', 'final_audit', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'record_final_audit', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- The housing bureau guides the street, community and owners to arrange long-term
-- management (由县住房和城乡建设局指导 … 落实物业管理队伍): right acceptance.write.
CREATE FUNCTION reno_op_set_management(p_account bigint, p_key bytea, p_digest bytea,
                                       p_project_id bigint, p_mode text, p_provider text,
                                       p_starts_on text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_on date;
    v_before management_arrangement%ROWTYPE;
    v_after management_arrangement%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'set_management');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'acceptance.write');
    PERFORM reno_project_check(p_account, p_project_id);
    PERFORM reno_given(p_mode, 'mode');
    PERFORM reno_nonblank(p_provider, 'provider');
    v_on := reno_date(p_starts_on, 'starts_on', true);

    SELECT * INTO v_before FROM management_arrangement m
     WHERE m.project_id = p_project_id FOR UPDATE;
    IF v_before.id IS NULL THEN
        INSERT INTO management_arrangement (project_id, mode, provider, starts_on, recorded_by)
        VALUES (p_project_id, p_mode, p_provider, v_on, p_account)
        RETURNING * INTO v_after;
    ELSE
        UPDATE management_arrangement m
           SET mode = p_mode, provider = p_provider, starts_on = v_on, recorded_by = p_account
         WHERE m.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'set_management', 'management_arrangement', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'set_management', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- One dimension of the performance evaluation, and optionally the overall conclusion
-- (once all five dimensions are in) and the date it was reported upward.
CREATE FUNCTION reno_op_record_evaluation(p_account bigint, p_key bytea, p_digest bytea,
                                          p_project_id bigint, p_evaluated_on text,
                                          p_dimension text, p_score integer,
                                          p_value double precision, p_households integer,
                                          p_note text, p_conclusion text, p_reported_on text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_on date;
    v_reported date;
    v_total integer;
    v_acceptance acceptance%ROWTYPE;
    v_before evaluation_item%ROWTYPE;
    v_after evaluation_item%ROWTYPE;
    v_cbefore evaluation_conclusion%ROWTYPE;
    v_cafter evaluation_conclusion%ROWTYPE;
    v_dimensions integer;
    v_has_conclusion boolean;
    v_concluded date;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'record_evaluation');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'acceptance.write');
    PERFORM reno_project_check(p_account, p_project_id);
    v_on := reno_date(p_evaluated_on, 'evaluated_on', true);
    PERFORM reno_given(p_dimension, 'dimension');
    IF p_score < 0 OR p_score > 100 THEN
        RAISE EXCEPTION 'score must be between 0 and 100'
            USING ERRCODE = 'check_violation', COLUMN = 'score';
    END IF;
    IF p_value < 0 OR p_value > 1e12
       OR (p_value <> 0 AND p_dimension NOT IN ('area_households', 'matching_funds')) THEN
        -- m² renovated for area_households, yuan in place for matching_funds; else none.
        RAISE EXCEPTION 'value must be >= 0, and only area_households and matching_funds have one'
            USING ERRCODE = 'check_violation', COLUMN = 'value';
    END IF;
    v_total := reno_fld_households(p_project_id);
    IF p_dimension = 'area_households' AND (p_households < 1 OR p_households > v_total) THEN
        RAISE EXCEPTION 'households renovated must be between 1 and the project''s % households',
            v_total USING ERRCODE = 'check_violation', COLUMN = 'households';
    END IF;
    IF p_dimension <> 'area_households' AND p_households <> 0 THEN
        RAISE EXCEPTION 'households belongs to the area_households dimension only'
            USING ERRCODE = 'check_violation', COLUMN = 'households';
    END IF;
    -- 项目竣工验收后 … 开展项目绩效评估.
    v_acceptance := reno_fld_passed_acceptance(p_project_id, 'the performance evaluation (绩效评估)');
    IF v_on < v_acceptance.accepted_on THEN
        RAISE EXCEPTION 'evaluated_on % is before the acceptance on %', v_on,
            v_acceptance.accepted_on USING ERRCODE = 'check_violation', COLUMN = 'evaluated_on';
    END IF;
    v_reported := reno_date(p_reported_on, 'reported_on', false);

    SELECT * INTO v_before FROM evaluation_item e
     WHERE e.project_id = p_project_id AND e.dimension = p_dimension FOR UPDATE;
    IF v_before.id IS NULL THEN
        INSERT INTO evaluation_item (project_id, acceptance_id, dimension, evaluated_on, score,
                                     value, households, note, recorded_by)
        VALUES (p_project_id, v_acceptance.id, p_dimension, v_on, p_score, p_value, p_households,
                COALESCE(p_note, ''), p_account)
        RETURNING * INTO v_after;
    ELSE
        UPDATE evaluation_item e
           SET acceptance_id = v_acceptance.id, evaluated_on = v_on, score = p_score,
               value = p_value, households = p_households, note = COALESCE(p_note, ''),
               recorded_by = p_account
         WHERE e.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'record_evaluation', 'evaluation_item', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));

    -- The conclusion is about the whole evaluation: it needs all five dimensions. It is
    -- reported upward only once it exists, and not before it was reached.
    SELECT * INTO v_cbefore FROM evaluation_conclusion c
     WHERE c.project_id = p_project_id FOR UPDATE;
    v_has_conclusion := COALESCE(btrim(p_conclusion), '') <> '';
    IF v_has_conclusion THEN
        SELECT count(*) INTO v_dimensions FROM evaluation_item e
         WHERE e.project_id = p_project_id;
        IF v_dimensions < 5 THEN
            RAISE EXCEPTION 'the conclusion needs all five dimensions evaluated; % of 5 so far',
                v_dimensions USING ERRCODE = 'check_violation', COLUMN = 'conclusion';
        END IF;
    ELSIF v_reported IS NOT NULL AND v_cbefore.project_id IS NULL THEN
        RAISE EXCEPTION 'reported_on: there is no conclusion to report yet'
            USING ERRCODE = 'check_violation', COLUMN = 'reported_on';
    END IF;
    IF v_has_conclusion OR v_reported IS NOT NULL THEN
        v_concluded := CASE WHEN v_has_conclusion THEN v_on ELSE v_cbefore.concluded_on END;
        v_reported := COALESCE(v_reported, v_cbefore.reported_on);
        IF v_reported < v_concluded THEN
            RAISE EXCEPTION 'reported_on % is before the conclusion of %', v_reported, v_concluded
                USING ERRCODE = 'check_violation', COLUMN = 'reported_on';
        END IF;
        IF v_cbefore.project_id IS NULL THEN
            INSERT INTO evaluation_conclusion (project_id, acceptance_id, concluded_on,
                                               conclusion, reported_on, recorded_by)
            VALUES (p_project_id, v_acceptance.id, v_concluded, p_conclusion, v_reported,
                    p_account)
            RETURNING * INTO v_cafter;
        ELSE
            UPDATE evaluation_conclusion c
               SET acceptance_id = v_acceptance.id, concluded_on = v_concluded,
                   conclusion = CASE WHEN v_has_conclusion THEN p_conclusion
                                     ELSE c.conclusion END,
                   reported_on = v_reported, recorded_by = p_account
             WHERE c.project_id = p_project_id RETURNING * INTO v_cafter;
        END IF;
        PERFORM reno_audit(p_account, 'record_evaluation', 'evaluation_conclusion', p_project_id,
                           CASE WHEN v_cbefore.project_id IS NULL THEN NULL
                                ELSE to_jsonb(v_cbefore) END,
                           to_jsonb(v_cafter));
    END IF;
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'record_evaluation', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- Phases 3 and 4 per project: the acceptance (a passed one if any, else the latest), the
-- file copies, the final audit, the management arrangement and the evaluation, and what
-- the project still waits for.
CREATE FUNCTION reno_op_list_acceptance(p_account bigint, p_project_id bigint)
RETURNS TABLE (project_id bigint, project_name text, accepted_on text, result text,
               participating_units text, defects text, copies_held integer,
               copies_required integer, copy_holders text, final_audit_on text,
               audited_amount double precision, management_mode text,
               management_provider text, dimensions_evaluated integer,
               evaluation_score double precision, evaluation_conclusion text,
               reported_on text, next_step text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    WITH base AS (
        SELECT p.id, p.name, a.id AS acceptance_id, a.accepted_on, a.result, a.defects,
               (SELECT string_agg(u.name, '、' ORDER BY u.id) FROM acceptance_unit au
                  JOIN unit u ON u.id = au.unit_id WHERE au.acceptance_id = a.id) AS units,
               (SELECT count(*)::integer FROM acceptance_copy c
                 WHERE c.acceptance_id = a.id AND a.result = 'passed') AS copies,
               (SELECT string_agg(reno_fld_holder_name(c.holder), '、'
                                  ORDER BY array_position(ARRAY['self_management_group',
                                                                'community', 'housing_bureau'],
                                                          c.holder))
                  FROM acceptance_copy c
                 WHERE c.acceptance_id = a.id AND a.result = 'passed') AS holders,
               (SELECT string_agg(reno_fld_holder_name(h.holder), '、' ORDER BY h.ord)
                  FROM (VALUES (1, 'self_management_group'), (2, 'community'),
                               (3, 'housing_bureau')) AS h(ord, holder)
                 WHERE NOT EXISTS (SELECT 1 FROM acceptance_copy c
                                    WHERE c.acceptance_id = a.id AND c.holder = h.holder))
                   AS missing_holders,
               f.audited_on, f.audited_amount, m.mode, m.provider,
               (SELECT count(*)::integer FROM evaluation_item e WHERE e.project_id = p.id)
                   AS dimensions,
               (SELECT avg(e.score)::double precision FROM evaluation_item e
                 WHERE e.project_id = p.id) AS score,
               ec.conclusion, ec.reported_on
          FROM project p
          LEFT JOIN LATERAL (
                SELECT * FROM acceptance a0 WHERE a0.project_id = p.id
                 ORDER BY (a0.result = 'passed') DESC, a0.accepted_on DESC LIMIT 1) a ON true
          LEFT JOIN final_audit f ON f.project_id = p.id
          LEFT JOIN management_arrangement m ON m.project_id = p.id
          LEFT JOIN evaluation_conclusion ec ON ec.project_id = p.id
         WHERE p.programme_id = reno_programme_of(p_account)
           AND (COALESCE(p_project_id, 0) = 0 OR p.id = p_project_id)
    )
    SELECT b.id, b.name, reno_fld_iso(b.accepted_on), COALESCE(b.result, ''),
           COALESCE(b.units, ''), COALESCE(b.defects, ''), COALESCE(b.copies, 0), 3,
           COALESCE(b.holders, ''), reno_fld_iso(b.audited_on),
           b.audited_amount::double precision, COALESCE(b.mode, ''), COALESCE(b.provider, ''),
           b.dimensions, round(COALESCE(b.score, 0)::numeric, 1)::double precision,
           COALESCE(b.conclusion, ''), reno_fld_iso(b.reported_on),
           CASE
             WHEN b.result IS NULL THEN '联合竣工验收'
             WHEN b.result = 'failed' THEN '整改后重新验收 (re-acceptance after the defects are fixed)'
             ELSE COALESCE(array_to_string(ARRAY[
                      CASE WHEN b.missing_holders IS NOT NULL
                           THEN '验收材料: ' || b.missing_holders END,
                      CASE WHEN b.audited_on IS NULL THEN '决算审计' END,
                      CASE WHEN b.mode IS NULL THEN '长效管理' END,
                      CASE WHEN b.dimensions < 5
                           THEN '绩效评估 ' || b.dimensions || '/5' END,
                      CASE WHEN b.dimensions = 5 AND b.conclusion IS NULL
                           THEN '绩效评估结论' END,
                      CASE WHEN b.conclusion IS NOT NULL AND b.reported_on IS NULL
                           THEN '报送市住房和城乡建设局' END], '; '), '')
           END
      FROM base b
     ORDER BY b.id;
END $$;

CREATE FUNCTION reno_op_list_evaluation(p_account bigint, p_project_id bigint)
RETURNS TABLE (id bigint, project_id bigint, project_name text, dimension text,
               dimension_name text, evaluated_on text, score integer, value double precision,
               households integer, note text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    SELECT e.id, p.id, p.name, e.dimension, reno_fld_dimension_name(e.dimension),
           reno_fld_iso(e.evaluated_on), e.score, e.value::double precision, e.households,
           e.note
      FROM evaluation_item e JOIN project p ON p.id = e.project_id
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR p.id = p_project_id)
     ORDER BY p.id, array_position(ARRAY['area_households', 'content', 'standards',
                                         'matching_funds', 'management'], e.dimension);
END $$;
