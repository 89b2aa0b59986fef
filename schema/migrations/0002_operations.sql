-- 0002_operations: what every table-like operation (common/ops.def) stands on, and the
-- organisation operations themselves.
--
-- An operation is a function reno_op_<name>(account, [key, digest,] fields...) called by
-- renod's generic handler. A write:
--   1. v := reno_idem_prior(account, key, digest, op): a prior result id for this key
--      (then it returns that id with replayed = true and changes nothing);
--   2. reno_require(account, right [, project]): RN403 unless the unit holds the right;
--   3. changes rows, calling reno_audit() for each with before and after;
--   4. reno_idem_store(account, key, digest, op, id);
-- all in the one transaction of the statement, so the reply renod sends after it
-- returns is for committed work only.
--
-- Errors: RN403 no right, RN404 not found, RN409 key reused for other content, and
-- check_violation / not_null_violation with COLUMN set to the request field's name.

-- ---- Idempotency, audit, context ---------------------------------------------------------

CREATE FUNCTION reno_idem_prior(p_account bigint, p_key bytea, p_digest bytea, p_op text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    prior idempotency%ROWTYPE;
BEGIN
    IF p_key IS NULL OR length(p_key) <> 16 THEN
        RAISE EXCEPTION 'idempotency_key must be 16 bytes'
            USING ERRCODE = 'check_violation', COLUMN = 'idempotency_key';
    END IF;
    -- Serialise on the key: a concurrent retry waits here until the first commits.
    PERFORM pg_advisory_xact_lock(hashtextextended(encode(p_key, 'hex'), 0));
    SELECT * INTO prior FROM idempotency WHERE key = p_key;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF prior.account_id <> p_account OR prior.operation <> p_op
       OR prior.request_digest <> p_digest THEN
        RAISE EXCEPTION 'idempotency key was already used for a different request'
            USING ERRCODE = 'RN409', COLUMN = 'idempotency_key';
    END IF;
    RETURN prior.result_id;
END $$;

CREATE FUNCTION reno_idem_store(p_account bigint, p_key bytea, p_digest bytea, p_op text,
                                p_result bigint)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO idempotency (key, account_id, operation, request_digest, result_id)
    VALUES (p_key, p_account, p_op, p_digest, p_result)
$$;

CREATE FUNCTION reno_audit(p_account bigint, p_action text, p_entity text, p_entity_id bigint,
                           p_before jsonb, p_after jsonb)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO audit_log (account_id, unit_id, action, entity, entity_id, before, after)
    SELECT p_account, a.unit_id, p_action, p_entity, p_entity_id, p_before, p_after
      FROM account a WHERE a.id = p_account
$$;

CREATE FUNCTION reno_programme_of(p_account bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT u.programme_id FROM account a JOIN unit u ON u.id = a.unit_id WHERE a.id = p_account
$$;

-- A unit of the caller's programme by code; RN404 naming the field when there is none.
CREATE FUNCTION reno_unit_id(p_account bigint, p_code text, p_field text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v bigint;
BEGIN
    SELECT u.id INTO v FROM unit u
     WHERE u.programme_id = reno_programme_of(p_account) AND u.code = p_code;
    IF v IS NULL THEN
        RAISE EXCEPTION 'no unit with code "%"', p_code USING ERRCODE = 'RN404', COLUMN = p_field;
    END IF;
    RETURN v;
END $$;

-- A project of the caller's programme; RN404 otherwise.
CREATE FUNCTION reno_project_check(p_account bigint, p_project bigint) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM project WHERE id = p_project
                      AND programme_id = reno_programme_of(p_account)) THEN
        RAISE EXCEPTION 'project % not found', p_project
            USING ERRCODE = 'RN404', COLUMN = 'project_id';
    END IF;
    RETURN p_project;
END $$;

-- ---- Checks shared by every operation ------------------------------------------------------
-- Each raises check_violation naming the request field, which renod reports as the
-- field path (e.g. record_survey.kind).

-- A value that must be given: an enum (value 0, "unspecified", arrives as NULL) or an id.
CREATE FUNCTION reno_given(p_value text, p_field text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF p_value IS NULL THEN
        RAISE EXCEPTION '% is required', p_field
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
    RETURN p_value;
END $$;

-- Text trimmed of spaces (the document pads with U+2002 and U+3000 too), required or
-- not, at most p_max characters.
CREATE FUNCTION reno_text(p_value text, p_field text, p_max integer, p_required boolean)
RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    v text := regexp_replace(COALESCE(p_value, ''),
                             '^[[:space:]\u2002\u3000]+|[[:space:]\u2002\u3000]+$', '', 'g');
BEGIN
    IF p_required AND v = '' THEN
        RAISE EXCEPTION '% is required', p_field
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
    IF length(v) > p_max THEN
        RAISE EXCEPTION '% is % characters long, at most % allowed', p_field, length(v), p_max
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
    RETURN v;
END $$;

-- Text that must not be blank, returned as given.
CREATE FUNCTION reno_nonblank(p_value text, p_field text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF btrim(COALESCE(p_value, ''), E' \t\r\n\u2002\u3000') = '' THEN
        RAISE EXCEPTION '% is required', p_field
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
    RETURN p_value;
END $$;

-- A date YYYY-MM-DD; NULL when empty and not required.
CREATE FUNCTION reno_date(p_text text, p_field text, p_required boolean) RETURNS date
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_text, '') = '' THEN
        IF p_required THEN
            RAISE EXCEPTION '% is required (YYYY-MM-DD)', p_field
                USING ERRCODE = 'check_violation', COLUMN = p_field;
        END IF;
        RETURN NULL;
    END IF;
    IF p_text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
        RAISE EXCEPTION '% must be a date YYYY-MM-DD, got "%"', p_field, left(p_text, 40)
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
    BEGIN
        RETURN p_text::date;
    EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
        RAISE EXCEPTION '% is not a calendar date: %', p_field, p_text
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END;
END $$;

-- ---- Working groups ----------------------------------------------------------------------

CREATE TABLE working_group (
    id                  bigserial PRIMARY KEY,
    programme_id        bigint NOT NULL REFERENCES programme(id),
    code                text NOT NULL CHECK (code ~ '^[a-z][a-z_]{0,40}$'),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- A group may be only partly defined (综合协调组 has no seat, members or duty).
    seat_unit_id        bigint REFERENCES unit(id),
    duty                text NOT NULL DEFAULT '' CHECK (length(duty) <= 2000),
    UNIQUE (programme_id, code),
    UNIQUE (programme_id, name)
);

CREATE TABLE group_member (
    group_id            bigint NOT NULL REFERENCES working_group(id),
    person_id           bigint NOT NULL REFERENCES person(id),
    role                text NOT NULL CHECK (role IN ('leader', 'deputy', 'member')),
    seq                 integer NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, person_id)
);
-- One leader per group.
CREATE UNIQUE INDEX group_member_one_leader ON group_member (group_id) WHERE role = 'leader';

-- ---- Rights as data ----------------------------------------------------------------------
-- A right is held by a role (every account of that role), a unit kind, or a unit. The
-- office holds '*'. Rights are checked in one place, reno_require(), called by every write.

CREATE TABLE right_grant (
    id                  bigserial PRIMARY KEY,
    programme_id        bigint NOT NULL REFERENCES programme(id),
    grantee_kind        text NOT NULL CHECK (grantee_kind IN ('role', 'unit_kind', 'unit')),
    grantee             text NOT NULL,
    right_name          text NOT NULL CHECK (right_name ~ '^(\*|[a-z_]+\.[a-z_]+)$'),
    source              text NOT NULL DEFAULT '',
    UNIQUE (programme_id, grantee_kind, grantee, right_name)
);

CREATE FUNCTION reno_rights(p_account bigint)
RETURNS TABLE (right_name text, source text) LANGUAGE sql STABLE AS $$
    SELECT g.right_name, g.source
      FROM account a JOIN unit u ON u.id = a.unit_id
      JOIN right_grant g ON g.programme_id = u.programme_id
     WHERE a.id = p_account AND NOT a.disabled
       AND ((g.grantee_kind = 'role' AND g.grantee = a.role)
            OR (g.grantee_kind = 'unit_kind' AND g.grantee = u.kind)
            OR (g.grantee_kind = 'unit' AND g.grantee = u.code))
$$;

CREATE FUNCTION reno_has_right(p_account bigint, p_right text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM reno_rights(p_account) r
                    WHERE r.right_name = p_right OR r.right_name = '*')
$$;

CREATE FUNCTION reno_require(p_account bigint, p_right text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT reno_has_right(p_account, p_right) THEN
        RAISE EXCEPTION 'your unit does not hold the right %', p_right USING ERRCODE = 'RN403';
    END IF;
END $$;

-- ---- Organisation operations -------------------------------------------------------------

CREATE FUNCTION reno_op_list_units(p_account bigint)
RETURNS TABLE (id bigint, code text, name text, kind text, in_leading_group boolean,
               aliases text)
LANGUAGE sql STABLE AS $$
    SELECT u.id, u.code, u.name, u.kind, u.in_leading_group,
           COALESCE((SELECT string_agg(a.alias, '、' ORDER BY a.alias)
                       FROM unit_alias a WHERE a.unit_id = u.id), '')
      FROM unit u WHERE u.programme_id = reno_programme_of(p_account) ORDER BY u.id
$$;

CREATE FUNCTION reno_group_role_label(p_role text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_role WHEN 'leader' THEN '组长' WHEN 'deputy' THEN '副组长' ELSE '成员' END
$$;

CREATE FUNCTION reno_op_list_people(p_account bigint, p_unit_code text)
RETURNS TABLE (id bigint, name text, unit_code text, unit_name text, "position" text,
               leading_group_role text, working_groups text)
LANGUAGE sql STABLE AS $$
    SELECT p.id, p.name, COALESCE(u.code, ''), COALESCE(u.name, ''), p.position,
           COALESCE(l.role, ''),
           COALESCE((SELECT string_agg(g.name || ':' || reno_group_role_label(m.role), '、'
                                       ORDER BY g.id)
                       FROM group_member m JOIN working_group g ON g.id = m.group_id
                      WHERE m.person_id = p.id), '')
      FROM person p
      LEFT JOIN unit u ON u.id = p.unit_id
      LEFT JOIN leading_group_member l ON l.person_id = p.id
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_unit_code, '') = '' OR u.code = p_unit_code)
     ORDER BY l.seq NULLS LAST, p.id
$$;

CREATE FUNCTION reno_op_upsert_person(p_account bigint, p_key bytea, p_digest bytea,
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
        RAISE EXCEPTION 'name is required' USING ERRCODE = 'check_violation', COLUMN = 'name';
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

CREATE FUNCTION reno_op_list_groups(p_account bigint)
RETURNS TABLE (id bigint, code text, name text, seat text, duty text, leader text,
               deputies text, members text)
LANGUAGE sql STABLE AS $$
    SELECT g.id, g.code, g.name, COALESCE(u.name, ''), g.duty,
           COALESCE((SELECT string_agg(p.name, '、') FROM group_member m
                       JOIN person p ON p.id = m.person_id
                      WHERE m.group_id = g.id AND m.role = 'leader'), ''),
           COALESCE((SELECT string_agg(p.name, '、' ORDER BY m.seq) FROM group_member m
                       JOIN person p ON p.id = m.person_id
                      WHERE m.group_id = g.id AND m.role = 'deputy'), ''),
           COALESCE((SELECT string_agg(p.name, '、' ORDER BY m.seq) FROM group_member m
                       JOIN person p ON p.id = m.person_id
                      WHERE m.group_id = g.id AND m.role = 'member'), '')
      FROM working_group g LEFT JOIN unit u ON u.id = g.seat_unit_id
     WHERE g.programme_id = reno_programme_of(p_account) ORDER BY g.id
$$;

CREATE FUNCTION reno_group_id(p_account bigint, p_code text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v bigint;
BEGIN
    SELECT g.id INTO v FROM working_group g
     WHERE g.programme_id = reno_programme_of(p_account) AND g.code = p_code;
    IF v IS NULL THEN
        RAISE EXCEPTION 'no working group "%"', p_code
            USING ERRCODE = 'RN404', COLUMN = 'group_code';
    END IF;
    RETURN v;
END $$;

CREATE FUNCTION reno_op_set_group_member(p_account bigint, p_key bytea, p_digest bytea,
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
            RAISE EXCEPTION 'role is required' USING ERRCODE = 'check_violation', COLUMN = 'role';
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

CREATE FUNCTION reno_op_update_group(p_account bigint, p_key bytea, p_digest bytea,
                                     p_group_code text, p_seat_unit_code text, p_duty text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_group bigint;
    v_before working_group%ROWTYPE;
    v_after working_group%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'update_group');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'organisation.write');
    v_group := reno_group_id(p_account, p_group_code);
    SELECT * INTO v_before FROM working_group WHERE working_group.id = v_group;
    UPDATE working_group
       SET seat_unit_id = CASE WHEN COALESCE(p_seat_unit_code, '') = '' THEN seat_unit_id
                          ELSE reno_unit_id(p_account, p_seat_unit_code, 'seat_unit_code') END,
           duty = CASE WHEN COALESCE(p_duty, '') = '' THEN duty ELSE p_duty END
     WHERE working_group.id = v_group RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'update_group', 'working_group', v_group, to_jsonb(v_before),
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'update_group', v_group);
    RETURN QUERY SELECT v_group, false;
END $$;

CREATE FUNCTION reno_op_list_rights(p_account bigint)
RETURNS TABLE ("right" text, scope text, source text) LANGUAGE sql STABLE AS $$
    SELECT r.right_name, 'programme', r.source FROM reno_rights(p_account) r
    UNION ALL
    -- Progress for the projects the unit is named responsible for (project_unit).
    SELECT 'progress.write', p.name, 'responsible unit: ' || pu.duty
      FROM account a JOIN project_unit pu ON pu.unit_id = a.unit_id
      JOIN project p ON p.id = pu.project_id
     WHERE a.id = p_account AND a.role IN ('department', 'utility')
    ORDER BY 1, 2
$$;

CREATE FUNCTION reno_op_list_audit(p_account bigint, p_after_id bigint, p_limit integer,
                                   p_entity text)
RETURNS TABLE (id bigint, at text, username text, unit_name text, action text, entity text,
               entity_id bigint, before text, after text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_limit, 0) < 0 OR p_limit > 500 THEN
        RAISE EXCEPTION 'limit must be 1..500' USING ERRCODE = 'check_violation', COLUMN = 'limit';
    END IF;
    RETURN QUERY
    SELECT l.id, to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           COALESCE(a.username, ''), COALESCE(u.name, ''), l.action, l.entity, l.entity_id,
           COALESCE(l.before::text, ''), COALESCE(l.after::text, '')
      FROM audit_log l
      LEFT JOIN account a ON a.id = l.account_id
      LEFT JOIN unit u ON u.id = l.unit_id
     WHERE l.id > COALESCE(p_after_id, 0)
       AND (COALESCE(p_entity, '') = '' OR l.entity = p_entity)
       AND (u.programme_id = reno_programme_of(p_account) OR u.id IS NULL)
     ORDER BY l.id
     LIMIT CASE WHEN COALESCE(p_limit, 0) = 0 THEN 100 ELSE p_limit END;
END $$;
