-- supervision: the bodies of supervision operations whose refusals name a missing value by
-- its facts (DETAIL 'required', see checks.sql) rather than only in an English sentence.
-- They were 0006's, unchanged but for that; the rest of the supervision operations stay
-- in their migration.
--
-- Re-runnable (CREATE OR REPLACE; DROP where a signature or result changed): renod
-- migrate applies it after the migrations on every run.

CREATE OR REPLACE FUNCTION reno_op_record_meeting(p_account bigint, p_key bytea, p_digest bytea,
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
            USING ERRCODE = 'check_violation', COLUMN = 'mode', DETAIL = 'required';
    END IF;
    PERFORM reno_nonblank(p_place, 'place');
    IF length(btrim(p_place)) > 200 THEN
        RAISE EXCEPTION 'place is at most 200 characters'
            USING ERRCODE = 'check_violation', COLUMN = 'place';
    END IF;
    IF COALESCE(cardinality(p_attendees), 0) = 0 THEN
        RAISE EXCEPTION 'attendees is required: the codes of the units that attended'
            USING ERRCODE = 'check_violation', COLUMN = 'attendees', DETAIL = 'required';
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

CREATE OR REPLACE FUNCTION reno_op_set_round_rule(p_account bigint, p_key bytea, p_digest bytea,
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
            USING ERRCODE = 'check_violation', COLUMN = 'weekend_rule', DETAIL = 'required';
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
