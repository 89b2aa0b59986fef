-- 0021_parties: the parties outside the government, the joint meetings, the parties the
-- joint acceptance requires and the party that manages, quality and safety records with
-- their rectifications, contracts' payment terms, and the plan's guards in the status.
--
-- The document's words:
-- - 六(一) "要建立多方参与的联席会议制度，统筹协调社区居民委员会、业主委员会、产权单位、物业服务
--   企业等共同推进改造": parties are registered per project (party) and a joint meeting
--   (joint_meeting) lists the parties that attended;
-- - 五, 第三阶段 "由建设单位组织参建单位及相关职能部门、监理单位、物业服务企业及社区业主委员会（居民
--   代表）进行联合竣工验收": record_acceptance now names the parties present and refuses an
--   acceptance that lacks one the sentence requires (reno_party_acceptance_required);
--   "由县住房和城乡建设局指导街道社区、业主委员会或物业管理委员会落实物业管理队伍": the management
--   arrangement names its party;
-- - 六(二) "加强老旧小区改造施工管理，确保施工质量和安全文明施工": quality_record, whose
--   rectification is a supervision item (0006), so that it is replied to, reviewed,
--   extended and shown overdue like every other item;
-- - 六(三) "按照施工合同约定及时支付工程进度款": payment_term per contract, judged against the
--   contract's payments (0004);
-- - 一(二) "优先改造居民改造意愿强…的小区", "坚持先地下、后地上", 四(二) 拆改结合型 "配套建设面向
--   社区的养老、托育、停车场等公共服务设施", 六(一) "有条件的优先实行专业化物业管理": warnings
--   in the status's guards section (reno_status_guards), never refusals.
--
-- Depends on 0001-0006 (project, unit, account, contract, fund_payment, acceptance,
-- management_arrangement, resident_survey, project_item, content_catalogue,
-- supervision_item and reno_sup_new_item) and 0012 (runtime_function).
--
-- Rights: parties.write and quality.write are new; the plan gives the parties'
-- coordination to the office (领导小组办公室要…建立多方参与的联席会议制度) and names nobody
-- for quality and safety, so the office holds both through '*', and the housing bureau
-- (seat of 项目推进组) holds them as the county's own configuration, granted in the seed.
-- Payment terms are part of a contract: contract.write.

-- ---- Parties -------------------------------------------------------------------------------

CREATE FUNCTION reno_party_kind_name(p_kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_kind
        WHEN 'residents_committee' THEN '社区居民委员会'
        WHEN 'owners_committee' THEN '业主委员会'
        WHEN 'property_management_committee' THEN '物业管理委员会'
        WHEN 'property_owner' THEN '产权单位'
        WHEN 'property_company' THEN '物业服务企业'
        WHEN 'builder' THEN '建设单位'
        WHEN 'contractor' THEN '参建单位'
        WHEN 'supervisor' THEN '监理单位'
        WHEN 'resident_representative' THEN '居民代表'
        ELSE p_kind END
$$;

CREATE TABLE party (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    kind                text NOT NULL CHECK (kind IN ('residents_committee', 'owners_committee',
                            'property_management_committee', 'property_owner',
                            'property_company', 'builder', 'contractor', 'supervisor',
                            'resident_representative')),
    name                text NOT NULL CONSTRAINT name CHECK (length(name) BETWEEN 1 AND 200),
    contact             text NOT NULL DEFAULT ''
                            CONSTRAINT contact CHECK (length(contact) <= 200),
    recorded_by         bigint NOT NULL REFERENCES account(id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, kind, name),
    -- The target of the (party, project) foreign keys below: a party is named only where
    -- its own project is concerned.
    UNIQUE (id, project_id)
);

-- A joint meeting (联席会议) of a project, and the parties that attended it.
CREATE TABLE joint_meeting (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    held_on             date NOT NULL,
    topic               text NOT NULL CONSTRAINT topic CHECK (length(topic) BETWEEN 1 AND 500),
    outcome             text NOT NULL DEFAULT ''
                            CONSTRAINT outcome CHECK (length(outcome) <= 4000),
    recorded_by         bigint NOT NULL REFERENCES account(id),
    UNIQUE (id, project_id)
);
CREATE INDEX joint_meeting_project ON joint_meeting (project_id, held_on);

CREATE TABLE joint_meeting_party (
    meeting_id          bigint NOT NULL,
    party_id            bigint NOT NULL,
    project_id          bigint NOT NULL,
    PRIMARY KEY (meeting_id, party_id),
    FOREIGN KEY (meeting_id, project_id) REFERENCES joint_meeting (id, project_id),
    FOREIGN KEY (party_id, project_id) REFERENCES party (id, project_id)
);

-- The parties present at an acceptance, beside the government units of acceptance_unit.
CREATE TABLE acceptance_party (
    acceptance_id       bigint NOT NULL REFERENCES acceptance(id),
    party_id            bigint NOT NULL,
    project_id          bigint NOT NULL,
    PRIMARY KEY (acceptance_id, party_id),
    FOREIGN KEY (party_id, project_id) REFERENCES party (id, project_id)
);

-- The party that manages the project after renovation (长效管理).
ALTER TABLE management_arrangement ADD COLUMN party_id bigint REFERENCES party(id);

-- A party of the project, locked; RN404 naming the field otherwise.
CREATE FUNCTION reno_party_of_project(p_project bigint, p_party bigint, p_field text)
RETURNS party LANGUAGE plpgsql AS $$
DECLARE
    v party%ROWTYPE;
BEGIN
    SELECT * INTO v FROM party WHERE id = p_party AND project_id = p_project FOR SHARE;
    IF v.id IS NULL THEN
        RAISE EXCEPTION 'party % is not registered for project % (reno party add)',
            p_party, p_project USING ERRCODE = 'RN404', COLUMN = p_field;
    END IF;
    RETURN v;
END $$;

CREATE FUNCTION reno_op_add_party(p_account bigint, p_key bytea, p_digest bytea,
                                  p_project_id bigint, p_kind text, p_name text, p_contact text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_name text;
    v_contact text;
    v_before party%ROWTYPE;
    v_after party%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'add_party');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'parties.write');
    PERFORM reno_project_check(p_account, p_project_id);
    PERFORM reno_given(p_kind, 'kind');
    v_name := reno_text(p_name, 'name', 200, true);
    v_contact := reno_text(p_contact, 'contact', 200, false);
    SELECT * INTO v_before FROM party pa
     WHERE pa.project_id = p_project_id AND pa.kind = p_kind AND pa.name = v_name FOR UPDATE;
    IF v_before.id IS NULL THEN
        INSERT INTO party (project_id, kind, name, contact, recorded_by)
        VALUES (p_project_id, p_kind, v_name, v_contact, p_account)
        RETURNING * INTO v_after;
    ELSE
        UPDATE party pa SET contact = v_contact, recorded_by = p_account
         WHERE pa.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'add_party', 'party', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'add_party', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE FUNCTION reno_op_list_parties(p_account bigint, p_project_id bigint)
RETURNS TABLE (id bigint, project_id bigint, project_name text, kind text, kind_name text,
               name text, contact text, joint_meetings integer, acceptances integer)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    SELECT pa.id, pa.project_id, p.name, pa.kind, reno_party_kind_name(pa.kind), pa.name,
           pa.contact,
           (SELECT count(*)::int FROM joint_meeting_party j WHERE j.party_id = pa.id),
           (SELECT count(*)::int FROM acceptance_party a WHERE a.party_id = pa.id)
      FROM party pa JOIN project p ON p.id = pa.project_id
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR pa.project_id = p_project_id)
     ORDER BY pa.project_id,
              array_position(ARRAY['builder', 'contractor', 'supervisor', 'property_company',
                                   'residents_committee', 'owners_committee',
                                   'property_management_committee', 'property_owner',
                                   'resident_representative'], pa.kind),
              pa.id;
END $$;

-- ---- Joint meetings (联席会议) ---------------------------------------------------------------

CREATE FUNCTION reno_op_record_joint_meeting(p_account bigint, p_key bytea, p_digest bytea,
                                             p_project_id bigint, p_held_on text, p_topic text,
                                             p_party_ids bigint[], p_outcome text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_on date;
    v_party bigint;
    v_after joint_meeting%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'record_joint_meeting');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'parties.write');
    PERFORM reno_project_check(p_account, p_project_id);
    v_on := reno_date(p_held_on, 'held_on', true);
    IF v_on > current_date THEN
        RAISE EXCEPTION 'held_on % is in the future: record a meeting once it was held', v_on
            USING ERRCODE = 'check_violation', COLUMN = 'held_on';
    END IF;
    PERFORM reno_text(p_topic, 'topic', 500, true);
    PERFORM reno_text(p_outcome, 'outcome', 4000, false);
    -- 多方参与: a joint meeting brings at least two parties together.
    IF COALESCE(cardinality(p_party_ids), 0) < 2 THEN
        RAISE EXCEPTION 'party_ids: a joint meeting (多方参与的联席会议) names at least two parties'
            USING ERRCODE = 'check_violation', COLUMN = 'party_ids';
    END IF;
    IF cardinality(p_party_ids) > 50 THEN
        RAISE EXCEPTION 'party_ids: at most 50 parties'
            USING ERRCODE = 'check_violation', COLUMN = 'party_ids';
    END IF;
    IF (SELECT count(DISTINCT x) FROM unnest(p_party_ids) x) <> cardinality(p_party_ids) THEN
        RAISE EXCEPTION 'party_ids: each party once'
            USING ERRCODE = 'check_violation', COLUMN = 'party_ids';
    END IF;
    FOREACH v_party IN ARRAY p_party_ids LOOP
        PERFORM reno_party_of_project(p_project_id, v_party, 'party_ids');
    END LOOP;
    INSERT INTO joint_meeting (project_id, held_on, topic, outcome, recorded_by)
    VALUES (p_project_id, v_on, reno_text(p_topic, 'topic', 500, true),
            reno_text(p_outcome, 'outcome', 4000, false), p_account)
    RETURNING * INTO v_after;
    INSERT INTO joint_meeting_party (meeting_id, party_id, project_id)
    SELECT v_after.id, x, p_project_id FROM unnest(p_party_ids) x;
    PERFORM reno_audit(p_account, 'record_joint_meeting', 'joint_meeting', v_after.id, NULL,
                       to_jsonb(v_after) || jsonb_build_object('party_ids', p_party_ids));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'record_joint_meeting', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE FUNCTION reno_op_list_joint_meetings(p_account bigint, p_project_id bigint)
RETURNS TABLE (id bigint, project_id bigint, project_name text, held_on text, topic text,
               outcome text, party_count integer, parties text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    SELECT m.id, m.project_id, p.name, to_char(m.held_on, 'YYYY-MM-DD'), m.topic, m.outcome,
           (SELECT count(*)::int FROM joint_meeting_party j WHERE j.meeting_id = m.id),
           (SELECT string_agg(reno_party_kind_name(pa.kind) || ' ' || pa.name, '、'
                              ORDER BY pa.id)
              FROM joint_meeting_party j JOIN party pa ON pa.id = j.party_id
             WHERE j.meeting_id = m.id)
      FROM joint_meeting m JOIN project p ON p.id = m.project_id
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR m.project_id = p_project_id)
     ORDER BY m.held_on, m.id;
END $$;

-- ---- The joint acceptance's parties ---------------------------------------------------------

-- What the joint acceptance requires, in the sentence's order: "由建设单位组织参建单位及相关
-- 职能部门、监理单位、物业服务企业及社区业主委员会（居民代表）进行联合竣工验收". The functional
-- departments (相关职能部门) are county units (participating_units); the others are
-- parties, one of the kinds on each row. 业主委员会（居民代表）: the owners' committee, or
-- where the community has none, its 物业管理委员会 or the residents' representatives.
CREATE FUNCTION reno_party_acceptance_required()
RETURNS TABLE (label text, kinds text[]) LANGUAGE sql IMMUTABLE AS $$
    VALUES ('建设单位', ARRAY['builder']),
           ('参建单位', ARRAY['contractor']),
           ('监理单位', ARRAY['supervisor']),
           ('物业服务企业', ARRAY['property_company']),
           ('社区业主委员会（居民代表）',
            ARRAY['owners_committee', 'property_management_committee', 'resident_representative'])
$$;

-- The required parties a set of a project's parties lacks, "、"-separated; '' when none.
CREATE FUNCTION reno_party_acceptance_missing(p_project bigint, p_party_ids bigint[])
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT COALESCE(string_agg(r.label, '、' ORDER BY r.ord), '')
      FROM reno_party_acceptance_required() WITH ORDINALITY AS r(label, kinds, ord)
     WHERE NOT EXISTS (SELECT 1 FROM party pa
                        WHERE pa.project_id = p_project
                          AND pa.id = ANY (COALESCE(p_party_ids, '{}'))
                          AND pa.kind = ANY (r.kinds))
$$;

-- record_acceptance (0005) gains the parties present. Its body stays as it was, under
-- another name; the operation checks the parties, has the old body record the acceptance
-- (units, representatives, result, the works-completed rule, idempotency), then records
-- the parties against the acceptance it returns.
ALTER FUNCTION reno_op_record_acceptance(bigint, bytea, bytea, bigint, text, text, text[], text,
                                         text)
    RENAME TO reno_fld_record_acceptance;

CREATE FUNCTION reno_op_record_acceptance(p_account bigint, p_key bytea, p_digest bytea,
                                          p_project_id bigint, p_accepted_on text,
                                          p_result text, p_participating_units text[],
                                          p_resident_representatives text, p_defects text,
                                          p_party_ids bigint[])
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_party bigint;
    v_missing text;
    v_id bigint;
    v_before bigint[];
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'record_acceptance');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'acceptance.write');
    PERFORM reno_project_check(p_account, p_project_id);
    IF COALESCE(cardinality(p_party_ids), 0) > 50 THEN
        RAISE EXCEPTION 'party_ids: at most 50 parties'
            USING ERRCODE = 'check_violation', COLUMN = 'party_ids';
    END IF;
    FOREACH v_party IN ARRAY COALESCE(p_party_ids, '{}') LOOP
        PERFORM reno_party_of_project(p_project_id, v_party, 'party_ids');
    END LOOP;
    SELECT r.id INTO v_id
      FROM reno_fld_record_acceptance(p_account, p_key, p_digest, p_project_id, p_accepted_on,
                                      p_result, p_participating_units,
                                      p_resident_representatives, p_defects) r;
    -- The parties required are checked after the acceptance's own rules, so that a
    -- request wrong in both is told first what 0005 always told; the refusal rolls the
    -- acceptance back with the rest of the transaction.
    v_missing := reno_party_acceptance_missing(p_project_id, p_party_ids);
    IF v_missing <> '' THEN
        RAISE EXCEPTION 'the joint acceptance (联合竣工验收) lacks: % (register with reno party add, then name them in party_ids)',
            v_missing USING ERRCODE = 'check_violation', COLUMN = 'party_ids';
    END IF;
    -- Recorded again for the same date, the acceptance is corrected: its parties too.
    SELECT array_agg(ap.party_id ORDER BY ap.party_id) INTO v_before
      FROM acceptance_party ap WHERE ap.acceptance_id = v_id;
    DELETE FROM acceptance_party ap WHERE ap.acceptance_id = v_id;
    INSERT INTO acceptance_party (acceptance_id, party_id, project_id)
    SELECT DISTINCT v_id, x, p_project_id FROM unnest(p_party_ids) x;
    PERFORM reno_audit(p_account, 'record_acceptance', 'acceptance_party', v_id,
                       CASE WHEN v_before IS NULL THEN NULL
                            ELSE jsonb_build_object('party_ids', v_before) END,
                       jsonb_build_object('party_ids',
                           (SELECT array_agg(ap.party_id ORDER BY ap.party_id)
                              FROM acceptance_party ap WHERE ap.acceptance_id = v_id)));
    RETURN QUERY SELECT v_id, false;
END $$;

-- ---- Long-term management names its party -----------------------------------------------------

-- Which kinds of party fit a mode of management (改造后的小区可通过居民自治、社区代管、物业管理
-- 等方式进行管理).
CREATE FUNCTION reno_party_fits_management(p_mode text, p_kind text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_mode
        WHEN 'property_company' THEN p_kind = 'property_company'
        WHEN 'community' THEN p_kind = 'residents_committee'
        WHEN 'self_governance' THEN p_kind IN ('owners_committee',
                                               'property_management_committee',
                                               'resident_representative')
        ELSE false END
$$;

-- set_management (0005) with the managing party. The whole body is here, since the
-- party is part of the one arrangement row and its one audit record.
DROP FUNCTION reno_op_set_management(bigint, bytea, bytea, bigint, text, text, text);

CREATE FUNCTION reno_op_set_management(p_account bigint, p_key bytea, p_digest bytea,
                                       p_project_id bigint, p_mode text, p_provider text,
                                       p_starts_on text, p_party_id bigint)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_on date;
    v_party party%ROWTYPE;
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
    IF COALESCE(p_party_id, 0) <> 0 THEN
        v_party := reno_party_of_project(p_project_id, p_party_id, 'party_id');
        IF NOT reno_party_fits_management(p_mode, v_party.kind) THEN
            RAISE EXCEPTION 'party % is a % (%): it does not manage by %', v_party.id,
                reno_party_kind_name(v_party.kind), v_party.name, p_mode
                USING ERRCODE = 'check_violation', COLUMN = 'party_id';
        END IF;
    END IF;

    SELECT * INTO v_before FROM management_arrangement m
     WHERE m.project_id = p_project_id FOR UPDATE;
    IF v_before.id IS NULL THEN
        INSERT INTO management_arrangement (project_id, mode, provider, starts_on, recorded_by,
                                            party_id)
        VALUES (p_project_id, p_mode, p_provider, v_on, p_account, v_party.id)
        RETURNING * INTO v_after;
    ELSE
        UPDATE management_arrangement m
           SET mode = p_mode, provider = p_provider, starts_on = v_on, recorded_by = p_account,
               party_id = v_party.id
         WHERE m.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'set_management', 'management_arrangement', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'set_management', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- ---- Quality and safety (施工质量和安全文明施工) -----------------------------------------------

CREATE TABLE quality_record (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    kind                text NOT NULL CHECK (kind IN ('inspection', 'incident')),
    aspect              text NOT NULL CHECK (aspect IN ('quality', 'safety', 'civilised')),
    occurred_on         date NOT NULL,
    inspector           text NOT NULL
                            CONSTRAINT inspector CHECK (length(inspector) BETWEEN 1 AND 200),
    findings            text NOT NULL
                            CONSTRAINT findings CHECK (length(findings) BETWEEN 1 AND 4000),
    party_id            bigint,
    -- The rectification (整改), when one is asked: a supervision item with its deadline.
    task_id             bigint UNIQUE REFERENCES supervision_item(id),
    recorded_by         bigint NOT NULL REFERENCES account(id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (party_id, project_id) REFERENCES party (id, project_id),
    -- An incident is always rectified.
    CONSTRAINT rectify_unit_code CHECK (kind <> 'incident' OR task_id IS NOT NULL)
);
CREATE INDEX quality_record_project ON quality_record (project_id, occurred_on);

CREATE FUNCTION reno_quality_kind_name(p_kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_kind WHEN 'inspection' THEN '检查' WHEN 'incident' THEN '事故/隐患'
                       ELSE p_kind END
$$;

CREATE FUNCTION reno_quality_aspect_name(p_aspect text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_aspect WHEN 'quality' THEN '施工质量' WHEN 'safety' THEN '安全施工'
                         WHEN 'civilised' THEN '文明施工' ELSE p_aspect END
$$;

CREATE FUNCTION reno_op_record_quality(p_account bigint, p_key bytea, p_digest bytea,
                                       p_project_id bigint, p_kind text, p_aspect text,
                                       p_occurred_on text, p_inspector text, p_findings text,
                                       p_rectify_unit_code text, p_rectify_deadline text,
                                       p_party_id bigint)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_on date;
    v_deadline date;
    v_unit bigint;
    v_party party%ROWTYPE;
    v_project project%ROWTYPE;
    v_task bigint;
    v_findings text;
    v_after quality_record%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'record_quality');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'quality.write');
    PERFORM reno_project_check(p_account, p_project_id);
    SELECT * INTO v_project FROM project WHERE project.id = p_project_id;
    PERFORM reno_given(p_kind, 'kind');
    PERFORM reno_given(p_aspect, 'aspect');
    v_on := reno_date(p_occurred_on, 'occurred_on', true);
    IF v_on > current_date THEN
        RAISE EXCEPTION 'occurred_on % is in the future', v_on
            USING ERRCODE = 'check_violation', COLUMN = 'occurred_on';
    END IF;
    PERFORM reno_text(p_inspector, 'inspector', 200, true);
    v_findings := reno_text(p_findings, 'findings', 4000, true);
    IF COALESCE(p_party_id, 0) <> 0 THEN
        v_party := reno_party_of_project(p_project_id, p_party_id, 'party_id');
    END IF;
    IF COALESCE(btrim(p_rectify_unit_code), '') = '' THEN
        IF COALESCE(p_rectify_deadline, '') <> '' THEN
            RAISE EXCEPTION 'a rectification deadline needs the unit answering for it'
                USING ERRCODE = 'check_violation', COLUMN = 'rectify_unit_code';
        END IF;
        IF p_kind = 'incident' THEN
            RAISE EXCEPTION 'an incident is rectified: name the unit answering for it and the deadline'
                USING ERRCODE = 'check_violation', COLUMN = 'rectify_unit_code';
        END IF;
    ELSE
        v_unit := reno_unit_id(p_account, btrim(p_rectify_unit_code), 'rectify_unit_code');
        v_deadline := reno_date(p_rectify_deadline, 'rectify_deadline', true);
        IF v_deadline < v_on THEN
            RAISE EXCEPTION 'rectify_deadline % is before the % of %', v_deadline,
                reno_quality_kind_name(p_kind), v_on
                USING ERRCODE = 'check_violation', COLUMN = 'rectify_deadline';
        END IF;
        -- The rectification is a supervision item like any other (0006): the unit replies,
        -- the supervision group reviews, an overdue one shows and turns the lights.
        v_task := reno_sup_new_item(
            p_account, v_unit,
            left('整改：' || v_project.name || ' ' || reno_quality_aspect_name(p_aspect) || ' '
                 || v_findings, 500),
            v_findings || CASE WHEN v_party.id IS NULL THEN ''
                               ELSE E'\n整改单位：' || reno_party_kind_name(v_party.kind) || ' '
                                    || v_party.name END,
            v_deadline,
            CASE p_kind WHEN 'incident' THEN '质量安全事故 ' ELSE '质量安全检查 ' END
                || to_char(v_on, 'YYYY-MM-DD'),
            NULL, NULL);
    END IF;
    INSERT INTO quality_record (project_id, kind, aspect, occurred_on, inspector, findings,
                                party_id, task_id, recorded_by)
    VALUES (p_project_id, p_kind, p_aspect, v_on, reno_text(p_inspector, 'inspector', 200, true),
            v_findings, v_party.id, v_task, p_account)
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'record_quality', 'quality_record', v_after.id, NULL,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'record_quality', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE FUNCTION reno_op_list_quality(p_account bigint, p_project_id bigint)
RETURNS TABLE (id bigint, project_id bigint, project_name text, kind text, kind_name text,
               aspect text, aspect_name text, occurred_on text, inspector text, findings text,
               party_name text, task_id bigint, unit_code text, deadline text,
               task_state text, overdue boolean)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    SELECT q.id, q.project_id, p.name, q.kind, reno_quality_kind_name(q.kind), q.aspect,
           reno_quality_aspect_name(q.aspect), to_char(q.occurred_on, 'YYYY-MM-DD'),
           q.inspector, q.findings,
           COALESCE(reno_party_kind_name(pa.kind) || ' ' || pa.name, ''),
           COALESCE(q.task_id, 0), COALESCE(u.code, ''),
           COALESCE(to_char(i.deadline, 'YYYY-MM-DD'), ''), COALESCE(i.state, ''),
           COALESCE(i.state <> 'closed' AND i.deadline < current_date, false)
      FROM quality_record q
      JOIN project p ON p.id = q.project_id
      LEFT JOIN party pa ON pa.id = q.party_id
      LEFT JOIN supervision_item i ON i.id = q.task_id
      LEFT JOIN unit u ON u.id = i.unit_id
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR q.project_id = p_project_id)
     ORDER BY q.occurred_on, q.id;
END $$;

-- ---- Payment terms (按照施工合同约定及时支付工程进度款) ------------------------------------------

CREATE TABLE payment_term (
    id                  bigserial PRIMARY KEY,
    contract_id         bigint NOT NULL REFERENCES contract(id),
    seq                 integer NOT NULL CONSTRAINT seq CHECK (seq BETWEEN 1 AND 100),
    due_on              date NOT NULL,
    amount              numeric(15, 2) NOT NULL CONSTRAINT amount CHECK (amount > 0),
    basis               text NOT NULL CONSTRAINT basis CHECK (length(basis) BETWEEN 1 AND 200),
    recorded_by         bigint NOT NULL REFERENCES account(id),
    UNIQUE (contract_id, seq)
);

-- A contract's terms, each with what is due up to it and the date the contract's
-- payments first covered that: payments settle terms in the terms' order.
CREATE FUNCTION reno_payment_terms(p_programme bigint)
RETURNS TABLE (id bigint, contract_id bigint, project_id bigint, seq integer, due_on date,
               amount numeric, basis text, due_cumulative numeric, paid_on date)
LANGUAGE sql STABLE AS $$
    WITH t AS (
        SELECT pt.*, c.project_id,
               sum(pt.amount) OVER (PARTITION BY pt.contract_id ORDER BY pt.seq) AS due_cumulative
          FROM payment_term pt
          JOIN contract c ON c.id = pt.contract_id
          JOIN project p ON p.id = c.project_id
         WHERE p.programme_id = p_programme
    ), paid AS (
        SELECT f.contract_id, f.paid_on,
               sum(f.amount) OVER (PARTITION BY f.contract_id ORDER BY f.paid_on, f.id)
                   AS paid_cumulative
          FROM fund_payment f WHERE f.contract_id IN (SELECT t.contract_id FROM t)
    )
    SELECT t.id, t.contract_id, t.project_id, t.seq, t.due_on, t.amount, t.basis,
           t.due_cumulative,
           (SELECT min(pd.paid_on) FROM paid pd
             WHERE pd.contract_id = t.contract_id AND pd.paid_cumulative >= t.due_cumulative)
      FROM t
$$;

CREATE FUNCTION reno_op_add_payment_term(p_account bigint, p_key bytea, p_digest bytea,
                                         p_contract_id bigint, p_seq integer, p_due_on text,
                                         p_amount numeric, p_basis text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_contract contract%ROWTYPE;
    v_due date;
    v_amount numeric;
    v_others numeric;
    v_before payment_term%ROWTYPE;
    v_after payment_term%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'add_payment_term');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'contract.write');
    -- The contract, locked, so that two terms added at once are summed one after the other.
    SELECT c.* INTO v_contract FROM contract c JOIN project p ON p.id = c.project_id
     WHERE c.id = p_contract_id AND p.programme_id = reno_programme_of(p_account)
       FOR UPDATE OF c;
    IF v_contract.id IS NULL THEN
        RAISE EXCEPTION 'contract % not found', p_contract_id
            USING ERRCODE = 'RN404', COLUMN = 'contract_id';
    END IF;
    IF p_seq IS NULL OR p_seq NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'seq is the term''s number, 1..100'
            USING ERRCODE = 'check_violation', COLUMN = 'seq';
    END IF;
    v_due := reno_date(p_due_on, 'due_on', true);
    IF v_due < v_contract.awarded_on THEN
        RAISE EXCEPTION 'due_on % is before the contract was awarded (%)', v_due,
            v_contract.awarded_on USING ERRCODE = 'check_violation', COLUMN = 'due_on';
    END IF;
    v_amount := round(COALESCE(p_amount, 0), 2);
    IF v_amount <= 0 OR v_amount > 1000000000000 THEN
        RAISE EXCEPTION 'amount must be more than 0 yuan'
            USING ERRCODE = 'check_violation', COLUMN = 'amount';
    END IF;
    SELECT COALESCE(sum(pt.amount), 0) INTO v_others FROM payment_term pt
     WHERE pt.contract_id = p_contract_id AND pt.seq <> p_seq;
    IF v_others + v_amount > v_contract.amount THEN
        RAISE EXCEPTION 'the terms would add up to % yuan, more than the contract''s %',
            v_others + v_amount, v_contract.amount
            USING ERRCODE = 'check_violation', COLUMN = 'amount';
    END IF;
    PERFORM reno_text(p_basis, 'basis', 200, true);

    SELECT * INTO v_before FROM payment_term pt
     WHERE pt.contract_id = p_contract_id AND pt.seq = p_seq FOR UPDATE;
    IF v_before.id IS NULL THEN
        INSERT INTO payment_term (contract_id, seq, due_on, amount, basis, recorded_by)
        VALUES (p_contract_id, p_seq, v_due, v_amount, reno_text(p_basis, 'basis', 200, true),
                p_account)
        RETURNING * INTO v_after;
    ELSE
        UPDATE payment_term pt
           SET due_on = v_due, amount = v_amount, basis = reno_text(p_basis, 'basis', 200, true),
               recorded_by = p_account
         WHERE pt.id = v_before.id RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'add_payment_term', 'payment_term', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'add_payment_term', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- A term's state on a date: paid on time (covered by its due date), paid late, due and
-- unpaid, or not due yet.
CREATE FUNCTION reno_payment_term_state(p_due date, p_paid date, p_as_of date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_paid IS NOT NULL AND p_paid <= p_as_of AND p_paid <= p_due THEN 'paid_on_time'
        WHEN p_paid IS NOT NULL AND p_paid <= p_as_of THEN 'paid_late'
        WHEN p_due <= p_as_of THEN 'due_unpaid'
        ELSE 'not_due' END
$$;

-- Reading terms is reading the money: funds.read (programme) as the ledger.
CREATE FUNCTION reno_op_list_payment_terms(p_account bigint, p_project_id bigint)
RETURNS TABLE (id bigint, contract_id bigint, project_id bigint, project_name text,
               counterparty text, seq integer, due_on text, amount numeric, basis text,
               due_cumulative numeric, paid_on text, state text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF reno_read_scope(p_account, 'funds') <> 'programme' THEN
        RAISE EXCEPTION 'your unit may not read the funds' USING ERRCODE = 'RN403';
    END IF;
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    SELECT t.id, t.contract_id, t.project_id, p.name, c.counterparty, t.seq,
           to_char(t.due_on, 'YYYY-MM-DD'), t.amount, t.basis, t.due_cumulative,
           COALESCE(to_char(t.paid_on, 'YYYY-MM-DD'), ''),
           reno_payment_term_state(t.due_on, t.paid_on, current_date)
      FROM reno_payment_terms(reno_programme_of(p_account)) t
      JOIN contract c ON c.id = t.contract_id
      JOIN project p ON p.id = t.project_id
     WHERE COALESCE(p_project_id, 0) = 0 OR t.project_id = p_project_id
     ORDER BY t.project_id, t.contract_id, t.seq;
END $$;

-- ---- 先地下、后地上 ----------------------------------------------------------------------------

-- Which catalogue entries lie underground (pipes and lines: 供水、排水、供电、弱电、供气、
-- 架空线规整（入地）) and which are surface works that should follow them (roofs, walls,
-- stairs, roads, greening, parking). The others are neither: the rule does not judge them.
ALTER TABLE content_catalogue ADD COLUMN layer text
    CHECK (layer IN ('underground', 'surface'));
UPDATE content_catalogue SET layer = 'underground'
 WHERE code IN ('water_supply', 'drainage', 'power_supply', 'weak_current', 'gas_supply',
                'overhead_lines');
UPDATE content_catalogue SET layer = 'surface'
 WHERE code IN ('roof', 'external_wall', 'stairs_common_parts', 'roads', 'greening', 'parking');

-- When a surface item of a project starts while an underground item of the same project
-- is not done, that moment is kept: the guard must still show after the underground
-- works are finished, and the renovation list keeps no dates of its own.
CREATE TABLE underground_first_breach (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    surface_item_id     bigint NOT NULL REFERENCES project_item(id),
    pending             text NOT NULL,  -- the underground items not done then, "、"-separated
    at                  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (surface_item_id)
);

CREATE FUNCTION project_item_underground_first() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_pending text;
BEGIN
    IF NEW.status NOT IN ('in_progress', 'done')
       OR (TG_OP = 'UPDATE' AND OLD.status IN ('in_progress', 'done'))
       OR (SELECT layer FROM content_catalogue WHERE id = NEW.catalogue_id)
          IS DISTINCT FROM 'surface' THEN
        RETURN NULL;
    END IF;
    SELECT string_agg(c.name, '、' ORDER BY c.seq) INTO v_pending
      FROM project_item i JOIN content_catalogue c ON c.id = i.catalogue_id
     WHERE i.project_id = NEW.project_id AND c.layer = 'underground'
       AND i.status IN ('planned', 'in_progress');
    IF v_pending IS NOT NULL THEN
        INSERT INTO underground_first_breach (project_id, surface_item_id, pending)
        VALUES (NEW.project_id, NEW.id, v_pending)
        ON CONFLICT (surface_item_id) DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER project_item_underground_first AFTER INSERT OR UPDATE OF status ON project_item
    FOR EACH ROW EXECUTE FUNCTION project_item_underground_first();

-- ---- Status sections ----------------------------------------------------------------------------

-- Parties per project, the kinds the joint acceptance requires and the project lacks,
-- and the joint meetings held by the date. A party has no date of its own (it is who it
-- is, whenever it was typed in): every registered party counts.
CREATE FUNCTION reno_status_parties(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, parties integer, kinds text,
               missing_for_acceptance text, joint_meetings integer, last_joint_meeting text)
LANGUAGE sql STABLE AS $$
    WITH per AS (
        SELECT p.id, p.name,
               (SELECT count(*)::int FROM party pa WHERE pa.project_id = p.id) AS parties,
               COALESCE((SELECT string_agg(k.label, '、' ORDER BY k.ord)
                           FROM (SELECT DISTINCT reno_party_kind_name(pa.kind) AS label,
                                        array_position(ARRAY['builder', 'contractor',
                                            'supervisor', 'property_company',
                                            'residents_committee', 'owners_committee',
                                            'property_management_committee', 'property_owner',
                                            'resident_representative'], pa.kind) AS ord
                                   FROM party pa WHERE pa.project_id = p.id) k), '') AS kinds,
               reno_party_acceptance_missing(p.id,
                   (SELECT array_agg(pa.id) FROM party pa WHERE pa.project_id = p.id))
                   AS missing,
               (SELECT count(*)::int FROM joint_meeting m
                 WHERE m.project_id = p.id AND m.held_on <= p_as_of) AS meetings,
               (SELECT max(m.held_on) FROM joint_meeting m
                 WHERE m.project_id = p.id AND m.held_on <= p_as_of) AS last_meeting
          FROM project p WHERE p.programme_id = p_programme
    )
    SELECT * FROM (
        SELECT per.id, per.name, per.parties, per.kinds, per.missing, per.meetings,
               COALESCE(reno_status_iso(per.last_meeting), '')
          FROM per ORDER BY per.id
    ) projects
    UNION ALL
    SELECT 0::bigint, '合计', COALESCE(sum(per.parties), 0)::int, '',
           COALESCE((SELECT string_agg(x.name, '、' ORDER BY x.id) FROM per x
                      WHERE x.missing <> ''), ''),
           COALESCE(sum(per.meetings), 0)::int, COALESCE(reno_status_iso(max(per.last_meeting)), '')
      FROM per
$$;

-- Quality records by their date; each rectification in the state its supervision item's
-- latest event by the end of the date left it (as the supervision section counts items).
-- A record entered after the fact (its item written after the date) has no history by
-- then: its rectification counts in the state it is in now, rather than as never asked.
CREATE FUNCTION reno_status_quality(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, inspections integer, incidents integer,
               rectifications integer, rectifications_open integer,
               rectifications_overdue integer, next_deadline text)
LANGUAGE sql STABLE AS $$
    WITH q AS (
        SELECT r.project_id, r.kind, r.task_id, e.state, e.deadline
          FROM quality_record r
          JOIN project p ON p.id = r.project_id
          LEFT JOIN LATERAL (SELECT ev.state, ev.deadline FROM supervision_event ev
                              WHERE ev.item_id = r.task_id
                              ORDER BY (ev.at::date <= p_as_of) DESC, ev.id DESC
                              LIMIT 1) e ON true
         WHERE p.programme_id = p_programme AND r.occurred_on <= p_as_of
    ), sums AS (
        SELECT q.project_id,
               count(*) FILTER (WHERE q.kind = 'inspection')::int AS inspections,
               count(*) FILTER (WHERE q.kind = 'incident')::int AS incidents,
               count(q.task_id)::int AS rectifications,
               count(*) FILTER (WHERE q.state IS DISTINCT FROM 'closed'
                                  AND q.task_id IS NOT NULL)::int AS open,
               count(*) FILTER (WHERE q.state IS DISTINCT FROM 'closed' AND q.task_id IS NOT NULL
                                  AND q.deadline < p_as_of)::int AS overdue,
               min(q.deadline) FILTER (WHERE q.state IS DISTINCT FROM 'closed'
                                         AND q.task_id IS NOT NULL) AS next_deadline,
               GROUPING(q.project_id) AS all_projects
          FROM q GROUP BY ROLLUP (q.project_id)
        HAVING count(*) > 0     -- no grand total over nothing
    )
    SELECT CASE WHEN x.all_projects = 1 THEN 0 ELSE x.project_id END,
           CASE WHEN x.all_projects = 1 THEN '合计' ELSE p.name END,
           x.inspections, x.incidents, x.rectifications, x.open, x.overdue,
           COALESCE(reno_status_iso(x.next_deadline), '')
      FROM sums x LEFT JOIN project p ON p.id = x.project_id
     ORDER BY x.all_projects, x.project_id
$$;

-- Payment terms due by the date against the contract's payments by then. A contract's
-- unpaid part is what is due less what was paid, never below zero (paying ahead of a
-- term is no debt); the project's is the sum over its contracts.
CREATE FUNCTION reno_status_payments(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, terms integer, terms_due integer,
               amount_due numeric, paid numeric, unpaid_due numeric, terms_unpaid integer,
               earliest_unpaid text)
LANGUAGE sql STABLE AS $$
    WITH t AS (
        SELECT * FROM reno_payment_terms(p_programme)
    ), per_contract AS (
        SELECT t.contract_id, t.project_id, count(*)::int AS terms,
               count(*) FILTER (WHERE t.due_on <= p_as_of)::int AS terms_due,
               COALESCE(sum(t.amount) FILTER (WHERE t.due_on <= p_as_of), 0) AS amount_due,
               COALESCE((SELECT sum(f.amount) FROM fund_payment f
                          WHERE f.contract_id = t.contract_id AND f.paid_on <= p_as_of), 0)
                   AS paid,
               count(*) FILTER (WHERE reno_payment_term_state(t.due_on, t.paid_on, p_as_of)
                                      = 'due_unpaid')::int AS terms_unpaid,
               min(t.due_on) FILTER (WHERE reno_payment_term_state(t.due_on, t.paid_on, p_as_of)
                                           = 'due_unpaid') AS earliest_unpaid
          FROM t GROUP BY t.contract_id, t.project_id
    ), sums AS (
        SELECT c.project_id, sum(c.terms)::int AS terms, sum(c.terms_due)::int AS terms_due,
               sum(c.amount_due) AS amount_due, sum(c.paid) AS paid,
               sum(greatest(c.amount_due - c.paid, 0)) AS unpaid_due,
               sum(c.terms_unpaid)::int AS terms_unpaid, min(c.earliest_unpaid) AS earliest,
               GROUPING(c.project_id) AS all_projects
          FROM per_contract c GROUP BY ROLLUP (c.project_id)
        HAVING count(*) > 0     -- no grand total over nothing
    )
    SELECT CASE WHEN x.all_projects = 1 THEN 0 ELSE x.project_id END,
           CASE WHEN x.all_projects = 1 THEN '合计' ELSE p.name END,
           x.terms, x.terms_due, x.amount_due, x.paid, x.unpaid_due, x.terms_unpaid,
           COALESCE(reno_status_iso(x.earliest), '')
      FROM sums x LEFT JOIN project p ON p.id = x.project_id
     ORDER BY x.all_projects, x.project_id
$$;

-- The plan's preferences and guards a project does not meet on the date: warnings, each
-- quoting the document.
CREATE FUNCTION reno_status_guards(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, code text, detail text)
LANGUAGE sql STABLE AS $$
    WITH pr AS (
        SELECT p.* FROM project p WHERE p.programme_id = p_programme
    ), willing AS (
        SELECT DISTINCT ON (s.project_id) s.project_id, s.surveyed_on, s.households_asked,
               s.households_agreeing
          FROM resident_survey s JOIN pr ON pr.id = s.project_id
         WHERE s.kind = 'willingness' AND s.surveyed_on <= p_as_of
         ORDER BY s.project_id, s.surveyed_on DESC, s.id DESC
    ), g AS (
        -- 优先改造居民改造意愿强、参与积极性高…的小区: a project on the list with no
        -- willingness survey, or whose latest shows fewer than half of those asked willing.
        SELECT pr.id, 10 AS ord, 'willingness' AS code,
               CASE WHEN w.project_id IS NULL
                    THEN '未征集群众改造意愿：无意愿调查（优先改造居民改造意愿强的小区）'
                    ELSE format('改造意愿 %s/%s 户（%s%%）不足半数（%s）：优先改造居民改造意愿强的小区',
                                w.households_agreeing, w.households_asked,
                                round(100.0 * w.households_agreeing / w.households_asked, 1),
                                reno_status_iso(w.surveyed_on)) END AS detail
          FROM pr LEFT JOIN willing w ON w.project_id = pr.id
         WHERE w.project_id IS NULL OR 2 * w.households_agreeing < w.households_asked
        UNION ALL
        -- 有条件的优先实行专业化物业管理.
        SELECT pr.id, 20, 'property_management',
               format('长效管理为%s（%s）：有条件的优先实行专业化物业管理',
                      CASE m.mode WHEN 'self_governance' THEN '居民自治'
                                  ELSE '社区代管' END, m.provider)
          FROM pr JOIN management_arrangement m ON m.project_id = pr.id
         WHERE m.mode <> 'property_company' AND m.starts_on <= p_as_of
        UNION ALL
        SELECT pr.id, 30, 'management_party',
               format('长效管理（%s）未指明管理方：请以 party_id 指明物业服务企业、居委会或业委会',
                      m.provider)
          FROM pr JOIN management_arrangement m ON m.project_id = pr.id
         WHERE m.party_id IS NULL AND m.starts_on <= p_as_of
        UNION ALL
        -- 坚持先地下、后地上. The renovation list keeps no dates of its own, so a breach
        -- is not dated by the plan's calendar either: it shows on any date asked, as the
        -- list itself does (a year typed in afterwards would otherwise never show one).
        SELECT pr.id, 40, 'underground_first',
               format('先地下、后地上：%s开工时，地下部分（%s）尚未完成', c.name, b.pending)
          FROM pr JOIN underground_first_breach b ON b.project_id = pr.id
          JOIN project_item i ON i.id = b.surface_item_id
          JOIN content_catalogue c ON c.id = i.catalogue_id
        UNION ALL
        -- 拆改结合型: 配套建设面向社区的养老、托育、停车场等公共服务设施.
        SELECT pr.id, 50, 'demolition_facilities',
               '拆改结合型项目未列入配套公共服务设施：' || string_agg(c.name, '、' ORDER BY c.seq)
          FROM pr CROSS JOIN content_catalogue c
         WHERE pr.renovation_type = 'demolition'
           AND c.code IN ('elderly_care', 'child_care', 'parking')
           AND NOT EXISTS (SELECT 1 FROM project_item i
                            WHERE i.project_id = pr.id AND i.catalogue_id = c.id
                              AND i.status <> 'cancelled')
         GROUP BY pr.id
    )
    SELECT g.id, pr.name, g.code, g.detail
      FROM g JOIN pr ON pr.id = g.id
     ORDER BY g.id, g.ord, g.detail
$$;

INSERT INTO runtime_function (name, why) VALUES
    ('reno_status_parties', 'consolidated status'),
    ('reno_status_quality', 'consolidated status'),
    ('reno_status_payments', 'consolidated status'),
    ('reno_status_guards', 'consolidated status');

-- ---- Rights of a programme loaded before this migration ---------------------------------------
-- A programme loaded later takes them from its seed (schema/seed/ziyun-2022.sql).
INSERT INTO right_grant (programme_id, grantee_kind, grantee, right_name, source)
SELECT p.id, 'unit', 'housing', v.right_name, v.source
  FROM programme p
 CROSS JOIN (VALUES
    ('parties.write', '县住房和城乡建设局: 各方主体登记、联席会议 (county configuration)'),
    ('quality.write', '县住房和城乡建设局: 施工质量和安全文明施工检查 (county configuration)')
  ) AS v(right_name, source)
 WHERE EXISTS (SELECT 1 FROM unit u WHERE u.programme_id = p.id AND u.code = 'housing')
ON CONFLICT DO NOTHING;
