-- duties: the operations on the tables of 0030_plan_duties.sql — special-fund
-- applications (专项资金申报, the fund management group's), the office's director and
-- deputy (办公室主任/副主任), the utilities' own renovation plans beside the county's, and
-- who maintains what after handover (移交后的维护管理). Their warnings are plan guards
-- (schema/functions/guards.sql), and the office's name with its director and deputy is
-- what the rhythm section says should have acted (rhythm.sql): this file sorts before both,
-- whose SQL bodies call its functions.
--
-- Re-runnable (CREATE OR REPLACE only, DROP when a signature changes): renod migrate
-- applies every file of schema/functions after the migrations, on every run.

-- ---- Special-fund applications (专项资金申报) ---------------------------------------------------

CREATE OR REPLACE FUNCTION reno_fund_outcome_name(p_outcome text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_outcome WHEN 'pending' THEN '待批复' WHEN 'approved' THEN '已批准'
                          WHEN 'rejected' THEN '未获批' ELSE p_outcome END
$$;

-- An application's state on a date: not submitted and its deadline not passed (preparing),
-- not submitted past its deadline (overdue), submitted after its deadline (late),
-- submitted in time and waiting for its answer (submitted), or answered (decided).
CREATE OR REPLACE FUNCTION reno_fund_application_state(a fund_application, p_as_of date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN a.submitted_on IS NULL OR a.submitted_on > p_as_of THEN
            CASE WHEN a.deadline < p_as_of THEN 'overdue' ELSE 'preparing' END
        WHEN a.decided_on IS NOT NULL AND a.decided_on <= p_as_of THEN 'decided'
        WHEN a.submitted_on > a.deadline THEN 'late'
        ELSE 'submitted' END
$$;

-- Records a project's application to a special fund (right funds.apply), or corrects it:
-- the same project and fund name is one application, whose submission and answer are
-- recorded on it as they happen.
DROP FUNCTION IF EXISTS reno_op_apply_funds(bigint, bytea, bytea, bigint, text, text, numeric,
                                            text, text, text, text, numeric);
CREATE OR REPLACE FUNCTION reno_op_apply_funds(p_account bigint, p_key bytea, p_digest bytea,
                                               p_project_id bigint, p_fund_name text,
                                               p_source text, p_amount numeric,
                                               p_deadline text, p_submitted_on text,
                                               p_outcome text, p_decided_on text,
                                               p_amount_approved numeric)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_name text;
    v_amount numeric;
    v_deadline date;
    v_submitted date;
    v_outcome text := COALESCE(p_outcome, 'pending');
    v_decided date;
    v_approved numeric := round(COALESCE(p_amount_approved, 0), 2);
    v_before fund_application%ROWTYPE;
    v_after fund_application%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'apply_funds');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'funds.apply');
    PERFORM reno_project_check(p_account, p_project_id);
    v_name := reno_text(p_fund_name, 'fund_name', 200, true);
    PERFORM reno_given(p_source, 'source');
    v_amount := round(COALESCE(p_amount, 0), 2);
    IF v_amount <= 0 OR v_amount > 1000000000000 THEN
        RAISE EXCEPTION 'amount must be more than 0 yuan'
            USING ERRCODE = 'check_violation', COLUMN = 'amount';
    END IF;
    v_deadline := reno_date(p_deadline, 'deadline', true);
    v_submitted := reno_date(p_submitted_on, 'submitted_on', false);
    IF v_submitted > current_date THEN
        RAISE EXCEPTION 'submitted_on % is in the future: record a submission once it was made',
            v_submitted USING ERRCODE = 'check_violation', COLUMN = 'submitted_on';
    END IF;
    v_decided := reno_date(p_decided_on, 'decided_on', false);
    IF v_outcome = 'pending' THEN
        IF v_decided IS NOT NULL OR v_approved <> 0 THEN
            RAISE EXCEPTION 'a pending application has no decision date and no approved amount'
                USING ERRCODE = 'check_violation', COLUMN = 'outcome';
        END IF;
    ELSE
        IF v_submitted IS NULL THEN
            RAISE EXCEPTION 'an application is answered only once submitted (submitted_on)'
                USING ERRCODE = 'check_violation', COLUMN = 'submitted_on';
        END IF;
        IF v_decided IS NULL THEN
            RAISE EXCEPTION 'decided_on is required with outcome %', v_outcome
                USING ERRCODE = 'check_violation', COLUMN = 'decided_on';
        END IF;
        IF v_decided < v_submitted OR v_decided > current_date THEN
            RAISE EXCEPTION 'decided_on % must lie between the submission (%) and today',
                v_decided, v_submitted USING ERRCODE = 'check_violation', COLUMN = 'decided_on';
        END IF;
        IF v_outcome = 'approved' AND (v_approved <= 0 OR v_approved > v_amount) THEN
            RAISE EXCEPTION 'amount_approved must be more than 0 and at most the % yuan applied for',
                v_amount USING ERRCODE = 'check_violation', COLUMN = 'amount_approved';
        END IF;
        IF v_outcome = 'rejected' AND v_approved <> 0 THEN
            RAISE EXCEPTION 'a rejected application has no approved amount'
                USING ERRCODE = 'check_violation', COLUMN = 'amount_approved';
        END IF;
    END IF;

    SELECT * INTO v_before FROM fund_application f
     WHERE f.project_id = p_project_id AND f.fund_name = v_name FOR UPDATE;
    IF v_before.id IS NULL THEN
        INSERT INTO fund_application (project_id, fund_name, source, amount, deadline,
                                      submitted_on, outcome, decided_on, amount_approved,
                                      recorded_by)
        VALUES (p_project_id, v_name, p_source, v_amount, v_deadline, v_submitted, v_outcome,
                v_decided, v_approved, p_account)
        RETURNING * INTO v_after;
    ELSE
        UPDATE fund_application f
           SET source = p_source, amount = v_amount, deadline = v_deadline,
               submitted_on = v_submitted, outcome = v_outcome, decided_on = v_decided,
               amount_approved = v_approved, recorded_by = p_account
         WHERE f.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'apply_funds', 'fund_application', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'apply_funds', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- Reading applications is reading the money: funds.read (programme) as the ledger.
DROP FUNCTION IF EXISTS reno_op_list_fund_applications(bigint, bigint);
CREATE OR REPLACE FUNCTION reno_op_list_fund_applications(p_account bigint, p_project_id bigint)
RETURNS TABLE (id bigint, project_id bigint, project_name text, fund_name text, source text,
               source_name text, amount numeric, deadline text, submitted_on text,
               outcome text, decided_on text, amount_approved numeric, state text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF reno_read_scope(p_account, 'funds') <> 'programme' THEN
        RAISE EXCEPTION 'your unit may not read the funds' USING ERRCODE = 'RN403';
    END IF;
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    SELECT f.id, f.project_id, p.name, f.fund_name, f.source::text,
           reno_status_source_name(f.source), f.amount, to_char(f.deadline, 'YYYY-MM-DD'),
           COALESCE(to_char(f.submitted_on, 'YYYY-MM-DD'), ''), f.outcome,
           COALESCE(to_char(f.decided_on, 'YYYY-MM-DD'), ''), f.amount_approved,
           reno_fund_application_state(f, current_date)
      FROM fund_application f JOIN project p ON p.id = f.project_id
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR f.project_id = p_project_id)
     ORDER BY f.deadline, f.id;
END $$;

-- ---- The office's director and deputy (办公室主任、副主任) -------------------------------------

CREATE OR REPLACE FUNCTION reno_office_role_name(p_role text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_role WHEN 'director' THEN '办公室主任' WHEN 'deputy_director' THEN '办公室副主任'
                       ELSE p_role END
$$;

-- The office as a reader names it: 领导小组办公室（主任刘川荣、副主任何忠诚）, or its plain
-- name while nobody holds either role.
CREATE OR REPLACE FUNCTION reno_office_named(p_programme bigint, p_office_name text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT p_office_name || COALESCE(
        '（' || string_agg(CASE o.role WHEN 'director' THEN '主任' ELSE '副主任' END || pe.name,
                          '、' ORDER BY o.role DESC, pe.id) || '）', '')
      FROM office_officer o JOIN person pe ON pe.id = o.person_id
     WHERE o.programme_id = p_programme
$$;

-- Names a person of the programme the office's director or deputy director, or takes the
-- role away (right organisation.write, as people are recorded). Naming a new director
-- replaces the old one, whose row stays in the audit log.
DROP FUNCTION IF EXISTS reno_op_set_office_officer(bigint, bytea, bytea, text, text, boolean);
CREATE OR REPLACE FUNCTION reno_op_set_office_officer(p_account bigint, p_key bytea,
                                                      p_digest bytea, p_person_name text,
                                                      p_role text, p_remove boolean)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_programme bigint := reno_programme_of(p_account);
    v_person bigint;
    v_before office_officer%ROWTYPE;
    v_after office_officer%ROWTYPE;
    v_old office_officer%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'set_office_officer');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'organisation.write');
    SELECT pe.id INTO v_person FROM person pe
     WHERE pe.programme_id = v_programme AND pe.name = reno_text(p_person_name, 'person_name', 64, true);
    IF v_person IS NULL THEN
        RAISE EXCEPTION 'no person named "%" (reno person list)', left(p_person_name, 64)
            USING ERRCODE = 'RN404', COLUMN = 'person_name';
    END IF;
    SELECT * INTO v_before FROM office_officer o WHERE o.person_id = v_person FOR UPDATE;
    IF COALESCE(p_remove, false) THEN
        IF v_before.id IS NULL THEN
            RAISE EXCEPTION '% holds no role in the office', p_person_name
                USING ERRCODE = 'RN404', COLUMN = 'person_name';
        END IF;
        DELETE FROM office_officer o WHERE o.id = v_before.id;
        PERFORM reno_audit(p_account, 'set_office_officer', 'office_officer', v_before.id,
                           to_jsonb(v_before), NULL);
        PERFORM reno_idem_store(p_account, p_key, p_digest, 'set_office_officer', v_before.id);
        RETURN QUERY SELECT v_before.id, false;
        RETURN;
    END IF;
    PERFORM reno_given(p_role, 'role');
    IF p_role = 'director' THEN
        SELECT * INTO v_old FROM office_officer o
         WHERE o.programme_id = v_programme AND o.role = 'director' AND o.person_id <> v_person
           FOR UPDATE;
        IF v_old.id IS NOT NULL THEN
            DELETE FROM office_officer o WHERE o.id = v_old.id;
            PERFORM reno_audit(p_account, 'set_office_officer', 'office_officer', v_old.id,
                               to_jsonb(v_old), NULL);
        END IF;
    END IF;
    IF v_before.id IS NULL THEN
        INSERT INTO office_officer (programme_id, person_id, role, recorded_by)
        VALUES (v_programme, v_person, p_role, p_account) RETURNING * INTO v_after;
    ELSE
        UPDATE office_officer o SET role = p_role, recorded_by = p_account
         WHERE o.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'set_office_officer', 'office_officer', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'set_office_officer', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- People with their leading-group role, their working groups and, since 0030, their role
-- in the office (first 0002_operations.sql).
DROP FUNCTION IF EXISTS reno_op_list_people(bigint, text);
CREATE OR REPLACE FUNCTION reno_op_list_people(p_account bigint, p_unit_code text)
RETURNS TABLE (id bigint, name text, unit_code text, unit_name text, "position" text,
               leading_group_role text, working_groups text, office_role text)
LANGUAGE sql STABLE AS $$
    SELECT p.id, p.name, COALESCE(u.code, ''), COALESCE(u.name, ''), p.position,
           COALESCE(l.role, ''),
           COALESCE((SELECT string_agg(g.name || ':' || reno_group_role_label(m.role), '、'
                                       ORDER BY g.id)
                       FROM group_member m JOIN working_group g ON g.id = m.group_id
                      WHERE m.person_id = p.id), ''),
           COALESCE(o.role, '')
      FROM person p
      LEFT JOIN unit u ON u.id = p.unit_id
      LEFT JOIN leading_group_member l ON l.person_id = p.id
      LEFT JOIN office_officer o ON o.person_id = p.id
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_unit_code, '') = '' OR u.code = p_unit_code)
     ORDER BY l.seq NULLS LAST, p.id
$$;

-- ---- Utilities' own renovation plans (专营单位的改造计划) --------------------------------------

-- The county's plan for a project as a utility's plan must meet it: every household
-- started by the project's start_all step, every one completed by its complete_all step.
CREATE OR REPLACE FUNCTION reno_county_plan_of(p_project bigint,
                                               OUT start_by date, OUT complete_by date)
LANGUAGE sql STABLE AS $$
    SELECT max(pm.due) FILTER (WHERE t.code = 'start_all'),
           max(pm.due) FILTER (WHERE t.code = 'complete_all')
      FROM project_milestone pm JOIN milestone_template t ON t.id = pm.template_id
     WHERE pm.project_id = p_project AND t.code IN ('start_all', 'complete_all')
$$;

-- How a utility's plan meets the county's: '' when aligned, else what does not.
CREATE OR REPLACE FUNCTION reno_utility_plan_gap(p_starts date, p_ends date, p_start_by date,
                                                 p_complete_by date)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT concat_ws('；',
        CASE WHEN p_start_by IS NOT NULL AND p_starts > p_start_by
             THEN format('开工 %s 晚于全县计划的全面开工 %s', p_starts, p_start_by) END,
        CASE WHEN p_complete_by IS NOT NULL AND p_ends > p_complete_by
             THEN format('完工 %s 晚于全县计划的全面完工 %s', p_ends, p_complete_by) END)
$$;

-- Records a utility's renovation plan for a project (right lines.utility; a utility
-- records its own only), or corrects it.
DROP FUNCTION IF EXISTS reno_op_set_utility_plan(bigint, bytea, bytea, bigint, text, text,
                                                 text, text, text);
CREATE OR REPLACE FUNCTION reno_op_set_utility_plan(p_account bigint, p_key bytea,
                                                    p_digest bytea, p_project_id bigint,
                                                    p_utility_code text, p_filed_on text,
                                                    p_starts_on text, p_ends_on text,
                                                    p_document_ref text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_unit bigint;
    v_filed date;
    v_starts date;
    v_ends date;
    v_before utility_plan%ROWTYPE;
    v_after utility_plan%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'set_utility_plan');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'lines.utility');
    PERFORM reno_project_check(p_account, p_project_id);
    v_unit := reno_unit_id(p_account, reno_text(p_utility_code, 'utility_code', 64, true),
                           'utility_code');
    IF (SELECT u.kind FROM unit u WHERE u.id = v_unit) <> 'utility' THEN
        RAISE EXCEPTION '% is not a utility (专营单位)', p_utility_code
            USING ERRCODE = 'check_violation', COLUMN = 'utility_code';
    END IF;
    IF (SELECT a.role FROM account a WHERE a.id = p_account) = 'utility'
       AND (SELECT a.unit_id FROM account a WHERE a.id = p_account) <> v_unit THEN
        RAISE EXCEPTION 'a utility records its own plan, not %''s', p_utility_code
            USING ERRCODE = 'RN403', COLUMN = 'utility_code';
    END IF;
    v_filed := reno_date(p_filed_on, 'filed_on', true);
    IF v_filed > current_date THEN
        RAISE EXCEPTION 'filed_on % is in the future', v_filed
            USING ERRCODE = 'check_violation', COLUMN = 'filed_on';
    END IF;
    v_starts := reno_date(p_starts_on, 'starts_on', true);
    v_ends := reno_date(p_ends_on, 'ends_on', true);
    IF v_ends < v_starts THEN
        RAISE EXCEPTION 'ends_on % is before starts_on %', v_ends, v_starts
            USING ERRCODE = 'check_violation', COLUMN = 'ends_on';
    END IF;

    SELECT * INTO v_before FROM utility_plan up
     WHERE up.project_id = p_project_id AND up.utility_unit_id = v_unit FOR UPDATE;
    IF v_before.id IS NULL THEN
        INSERT INTO utility_plan (project_id, utility_unit_id, filed_on, starts_on, ends_on,
                                  document_ref, recorded_by)
        VALUES (p_project_id, v_unit, v_filed, v_starts, v_ends,
                reno_text(p_document_ref, 'document_ref', 200, false), p_account)
        RETURNING * INTO v_after;
    ELSE
        UPDATE utility_plan up
           SET filed_on = v_filed, starts_on = v_starts, ends_on = v_ends,
               document_ref = reno_text(p_document_ref, 'document_ref', 200, false),
               recorded_by = p_account
         WHERE up.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'set_utility_plan', 'utility_plan', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'set_utility_plan', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- The utilities' plans beside the county's, each judged: aligned or what does not meet.
DROP FUNCTION IF EXISTS reno_op_list_utility_plans(bigint, bigint);
CREATE OR REPLACE FUNCTION reno_op_list_utility_plans(p_account bigint, p_project_id bigint)
RETURNS TABLE (id bigint, project_id bigint, project_name text, utility_code text,
               utility_name text, filed_on text, starts_on text, ends_on text,
               document_ref text, county_start_by text, county_complete_by text,
               aligned boolean, detail text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    SELECT up.id, up.project_id, p.name, u.code, u.name, to_char(up.filed_on, 'YYYY-MM-DD'),
           to_char(up.starts_on, 'YYYY-MM-DD'), to_char(up.ends_on, 'YYYY-MM-DD'),
           up.document_ref, COALESCE(to_char(c.start_by, 'YYYY-MM-DD'), ''),
           COALESCE(to_char(c.complete_by, 'YYYY-MM-DD'), ''),
           reno_utility_plan_gap(up.starts_on, up.ends_on, c.start_by, c.complete_by) = '',
           CASE WHEN reno_utility_plan_gap(up.starts_on, up.ends_on, c.start_by,
                                           c.complete_by) = ''
                THEN '与全县改造计划衔接'
                ELSE reno_utility_plan_gap(up.starts_on, up.ends_on, c.start_by,
                                           c.complete_by) END
      FROM utility_plan up
      JOIN project p ON p.id = up.project_id
      JOIN unit u ON u.id = up.utility_unit_id
      CROSS JOIN LATERAL reno_county_plan_of(up.project_id) c
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR up.project_id = p_project_id)
     ORDER BY up.project_id, u.id;
END $$;

-- ---- Upkeep after handover (移交后的维护管理) --------------------------------------------------

-- Records who maintains a facility of a project from a date (right acceptance.write, with
-- long-term management): a county unit (a utility for the facilities handed over to it)
-- or a registered party of the project. The same facility again: corrected.
DROP FUNCTION IF EXISTS reno_op_set_upkeep(bigint, bytea, bytea, bigint, text, text, bigint,
                                           text);
CREATE OR REPLACE FUNCTION reno_op_set_upkeep(p_account bigint, p_key bytea, p_digest bytea,
                                              p_project_id bigint, p_facility text,
                                              p_unit_code text, p_party_id bigint,
                                              p_starts_on text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_facility text;
    v_unit bigint;
    v_party bigint;
    v_starts date;
    v_before upkeep%ROWTYPE;
    v_after upkeep%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'set_upkeep');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'acceptance.write');
    PERFORM reno_project_check(p_account, p_project_id);
    v_facility := reno_text(p_facility, 'facility', 200, true);
    IF COALESCE(p_unit_code, '') <> '' AND COALESCE(p_party_id, 0) <> 0 THEN
        RAISE EXCEPTION 'name the maintainer once: unit_code or party_id, not both'
            USING ERRCODE = 'check_violation', COLUMN = 'party_id';
    END IF;
    IF COALESCE(p_unit_code, '') <> '' THEN
        v_unit := reno_unit_id(p_account, p_unit_code, 'unit_code');
    ELSIF COALESCE(p_party_id, 0) <> 0 THEN
        v_party := (reno_party_of_project(p_project_id, p_party_id, 'party_id')).id;
    ELSE
        RAISE EXCEPTION 'unit_code is required: who maintains it (or party_id)'
            USING ERRCODE = 'check_violation', COLUMN = 'unit_code';
    END IF;
    v_starts := reno_date(p_starts_on, 'starts_on', true);

    SELECT * INTO v_before FROM upkeep k
     WHERE k.project_id = p_project_id AND k.facility = v_facility FOR UPDATE;
    IF v_before.id IS NULL THEN
        INSERT INTO upkeep (project_id, facility, unit_id, party_id, starts_on, recorded_by)
        VALUES (p_project_id, v_facility, v_unit, v_party, v_starts, p_account)
        RETURNING * INTO v_after;
    ELSE
        UPDATE upkeep k SET unit_id = v_unit, party_id = v_party, starts_on = v_starts,
                            recorded_by = p_account
         WHERE k.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'set_upkeep', 'upkeep', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'set_upkeep', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

DROP FUNCTION IF EXISTS reno_op_list_upkeep(bigint, bigint);
CREATE OR REPLACE FUNCTION reno_op_list_upkeep(p_account bigint, p_project_id bigint)
RETURNS TABLE (id bigint, project_id bigint, project_name text, facility text,
               maintainer text, unit_code text, party_id bigint, starts_on text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    SELECT k.id, k.project_id, p.name, k.facility,
           COALESCE(u.name, reno_party_kind_name(pa.kind) || ' ' || pa.name),
           COALESCE(u.code, ''), COALESCE(k.party_id, 0), to_char(k.starts_on, 'YYYY-MM-DD')
      FROM upkeep k
      JOIN project p ON p.id = k.project_id
      LEFT JOIN unit u ON u.id = k.unit_id
      LEFT JOIN party pa ON pa.id = k.party_id
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR k.project_id = p_project_id)
     ORDER BY k.project_id, k.starts_on, k.id;
END $$;
