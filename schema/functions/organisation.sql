-- organisation: the bodies of the people and working-group operations whose refusals
-- name a missing value by its facts (DETAIL 'required', see checks.sql) rather than only
-- in an English sentence. They were 0002's, unchanged but for that.
--
-- Re-runnable (CREATE OR REPLACE; DROP where a signature or result changed): renod
-- migrate applies it after the migrations on every run.

CREATE OR REPLACE FUNCTION reno_op_upsert_person(p_account bigint, p_key bytea, p_digest bytea,
                                      p_name text, p_unit_code text, p_position text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_unit bigint;
    v_before person%ROWTYPE;
    v_after person%ROWTYPE;
    v_programme bigint := reno_programme_of(p_account);
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'upsert_person');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'organisation.write');
    IF COALESCE(p_name, '') = '' THEN
        RAISE EXCEPTION 'name is required' USING ERRCODE = 'check_violation', COLUMN = 'name',
            DETAIL = 'required';
    END IF;
    IF COALESCE(p_unit_code, '') <> '' THEN
        v_unit := reno_unit_id(p_account, p_unit_code, 'unit_code');
    END IF;
    SELECT * INTO v_before FROM person WHERE programme_id = v_programme AND name = p_name;
    IF v_before.id IS NULL THEN
        INSERT INTO person (programme_id, name, unit_id, position)
        VALUES (v_programme, p_name, v_unit, COALESCE(p_position, ''))
        RETURNING * INTO v_after;
    ELSE
        UPDATE person SET unit_id = v_unit, position = COALESCE(p_position, '')
         WHERE person.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'upsert_person', 'person', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'upsert_person', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE OR REPLACE FUNCTION reno_op_set_group_member(p_account bigint, p_key bytea, p_digest bytea,
                                         p_group_code text, p_person_name text, p_role text,
                                         p_remove boolean)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_group bigint;
    v_person bigint;
    v_before group_member%ROWTYPE;
    v_after group_member%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'set_group_member');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'organisation.write');
    v_group := reno_group_id(p_account, p_group_code);
    SELECT p.id INTO v_person FROM person p
     WHERE p.programme_id = reno_programme_of(p_account) AND p.name = p_person_name;
    IF v_person IS NULL THEN
        RAISE EXCEPTION 'no person "%"', p_person_name
            USING ERRCODE = 'RN404', COLUMN = 'person_name';
    END IF;
    SELECT * INTO v_before FROM group_member WHERE group_id = v_group AND person_id = v_person;
    IF p_remove THEN
        IF v_before.group_id IS NULL THEN
            RAISE EXCEPTION '% is not in the group', p_person_name
                USING ERRCODE = 'RN404', COLUMN = 'person_name';
        END IF;
        DELETE FROM group_member WHERE group_id = v_group AND person_id = v_person;
    ELSE
        IF p_role IS NULL THEN
            RAISE EXCEPTION 'role is required' USING ERRCODE = 'check_violation', COLUMN = 'role',
            DETAIL = 'required';
        END IF;
        INSERT INTO group_member (group_id, person_id, role, seq)
        VALUES (v_group, v_person, p_role,
                (SELECT COALESCE(max(seq), 0) + 1 FROM group_member WHERE group_id = v_group))
        ON CONFLICT (group_id, person_id) DO UPDATE SET role = EXCLUDED.role
        RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'set_group_member', 'working_group', v_group,
                       CASE WHEN v_before.group_id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       CASE WHEN p_remove THEN NULL ELSE to_jsonb(v_after) END);
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'set_group_member', v_group);
    RETURN QUERY SELECT v_group, false;
END $$;
