-- 0003_projects: the work plan's projects (sections 二, 四), the renovation content
-- catalogue and each project's renovation list (改造清单, section 四(二) and 六(二)), and
-- the milestone plan (section 五) with each project's copy of it.
--
-- Operations (common/ops_projects.def, proto/projects.proto): create_project,
-- update_project, list_projects, assign_project_unit, list_catalogue, add_project_item,
-- update_project_item, list_project_items, list_milestones, mark_milestone. Each follows
-- 0002's pattern: idempotency first, then the right, then validation raising typed errors
-- that name the request field (COLUMN), then the change, audited row by row.
--
-- Every row belongs to a programme: projects directly, renovation-list items and project
-- milestones through their project, milestone templates directly. The content catalogue
-- is the exception: it is the national classification the document quotes, the same for
-- every programme, so it is reference data shipped here rather than in a seed.

-- ---- Projects ----------------------------------------------------------------------------
--
-- households is every household of the project's community. In a demolition-plus-
-- renovation project (拆改结合型) part of the buildings is demolished, and "拆除部分不纳入
-- 城镇老旧小区改造范围": those households are outside the renovation scope. They are
-- recorded in demolished_households, and households_in_scope is what the renovation
-- covers. A comprehensive project (综合改造型) demolishes nothing.

ALTER TABLE project
    ADD COLUMN street text NOT NULL DEFAULT '' CHECK (length(street) <= 200),
    ADD COLUMN buildings integer NOT NULL DEFAULT 0 CHECK (buildings BETWEEN 0 AND 10000),
    ADD COLUMN area_m2 numeric(12, 2) NOT NULL DEFAULT 0
        CHECK (area_m2 >= 0 AND area_m2 <= 100000000),
    -- 历史文化街区、历史建筑: the renovation must follow the protection requirements.
    ADD COLUMN historic boolean NOT NULL DEFAULT false,
    -- 实施主体: named by each comprehensive project (section 六(二)); may be a company
    -- outside the programme's units, hence text.
    ADD COLUMN implementing_body text NOT NULL DEFAULT '' CHECK (length(implementing_body) <= 200),
    ADD COLUMN subsidy_batch text NOT NULL DEFAULT '' CHECK (length(subsidy_batch) <= 200),
    ADD COLUMN demolished_households integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT project_households_bounded CHECK (households <= 1000000),
    ADD CONSTRAINT project_demolished_within
        CHECK (demolished_households BETWEEN 0 AND households),
    ADD CONSTRAINT project_demolished_only_in_demolition
        CHECK (renovation_type = 'demolition' OR demolished_households = 0);

ALTER TABLE project
    ADD COLUMN households_in_scope integer
        GENERATED ALWAYS AS (households - demolished_households) STORED;

-- Progress counts households renovated, so households started may not exceed the
-- households in the renovation scope (for a comprehensive project: all of them). This
-- replaces 0001's check, which compared with every household of the community.
CREATE OR REPLACE FUNCTION progress_report_check_households() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    total integer;
BEGIN
    SELECT households - demolished_households INTO total FROM project WHERE id = NEW.project_id;
    IF NEW.households_started > total THEN
        RAISE EXCEPTION 'households_started % exceeds the project''s % households in the renovation scope',
            NEW.households_started, total
            USING ERRCODE = 'check_violation', COLUMN = 'households_started';
    END IF;
    RETURN NEW;
END $$;

-- The converse, when a project changes: its households in scope may not fall below what
-- has already been reported started, or the stored reports would break the rule above.
CREATE FUNCTION project_check_reported_households() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    started integer;
BEGIN
    SELECT max(r.households_started) INTO started FROM progress_report r
     WHERE r.project_id = NEW.id;
    IF started > NEW.households - NEW.demolished_households THEN
        RAISE EXCEPTION '% households were already reported started; the project would have % in scope',
            started, NEW.households - NEW.demolished_households
            USING ERRCODE = 'check_violation',
                  COLUMN = CASE WHEN NEW.demolished_households <> OLD.demolished_households
                                THEN 'demolished_households' ELSE 'households' END;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER project_reported_households BEFORE UPDATE OF households, demolished_households
    ON project FOR EACH ROW EXECUTE FUNCTION project_check_reported_households();

-- ---- The content catalogue (section 四(二)1) ----------------------------------------------
--
-- One row per item of the document's enumerations, in the document's order, named as the
-- document words them. Codes are ASCII for the command line.

CREATE TABLE content_catalogue (
    id                  bigserial PRIMARY KEY,
    content_class       text NOT NULL CHECK (content_class IN ('basic', 'improvement',
                                                               'enhancement')),
    code                text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]{0,40}$'),
    name                text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    seq                 integer NOT NULL UNIQUE CHECK (seq > 0)
);

INSERT INTO content_catalogue (seq, content_class, code, name) VALUES
    -- 基础类: 小区内建筑物屋面、外墙、楼梯等公共部位维修; 小区内部及与小区联系的供水、排水、
    -- 供电、弱电、道路、供气、消防、安防、生活垃圾分类、移动通信等基础设施改造提升; 光纤入户、
    -- 架空线规整（入地）.
    ( 1, 'basic', 'roof',               '屋面'),
    ( 2, 'basic', 'external_wall',      '外墙'),
    ( 3, 'basic', 'stairs_common_parts', '楼梯等公共部位维修'),
    ( 4, 'basic', 'water_supply',       '供水'),
    ( 5, 'basic', 'drainage',           '排水'),
    ( 6, 'basic', 'power_supply',       '供电'),
    ( 7, 'basic', 'weak_current',       '弱电'),
    ( 8, 'basic', 'roads',              '道路'),
    ( 9, 'basic', 'gas_supply',         '供气'),
    (10, 'basic', 'fire_protection',    '消防'),
    (11, 'basic', 'security',           '安防'),
    (12, 'basic', 'waste_sorting',      '生活垃圾分类'),
    (13, 'basic', 'mobile_comms',       '移动通信'),
    (14, 'basic', 'fibre_to_home',      '光纤入户'),
    (15, 'basic', 'overhead_lines',     '架空线规整（入地）'),
    -- 完善类: 小区及周边绿化、照明等环境整治; 适老设施、无障碍设施、停车场、电动自行车及汽车
    -- 充电设施、智能快件箱、智能信包箱、文化休闲设施、体育健身设施、物业用房等配套设施改造或
    -- 更新; 拆除违法建设.
    (16, 'improvement', 'greening',           '绿化'),
    (17, 'improvement', 'lighting',           '照明'),
    (18, 'improvement', 'elderly_friendly',   '适老设施'),
    (19, 'improvement', 'barrier_free',       '无障碍设施'),
    (20, 'improvement', 'parking',            '停车场'),
    (21, 'improvement', 'charging',           '电动自行车及汽车充电设施'),
    (22, 'improvement', 'parcel_lockers',     '智能快件箱'),
    (23, 'improvement', 'letter_boxes',       '智能信包箱'),
    (24, 'improvement', 'culture_leisure',    '文化休闲设施'),
    (25, 'improvement', 'fitness',            '体育健身设施'),
    (26, 'improvement', 'property_rooms',     '物业用房'),
    (27, 'improvement', 'illegal_structures', '拆除违法建设'),
    -- 提升类: 小区及周边的社区综合服务设施、卫生服务站等公共卫生设施、幼儿园等教育设施、
    -- 周界防护等智能感知设施; 养老、托育、助餐、家政保洁、便民市场、便利店、邮政快递末端综合
    -- 服务站等社区专项服务设施.
    (28, 'enhancement', 'community_service',  '社区综合服务设施'),
    (29, 'enhancement', 'health_station',     '卫生服务站等公共卫生设施'),
    (30, 'enhancement', 'kindergarten',       '幼儿园等教育设施'),
    (31, 'enhancement', 'perimeter_sensing',  '周界防护等智能感知设施'),
    (32, 'enhancement', 'elderly_care',       '养老'),
    (33, 'enhancement', 'child_care',         '托育'),
    (34, 'enhancement', 'meal_aid',           '助餐'),
    (35, 'enhancement', 'housekeeping',       '家政保洁'),
    (36, 'enhancement', 'convenience_market', '便民市场'),
    (37, 'enhancement', 'convenience_store',  '便利店'),
    (38, 'enhancement', 'postal_express',     '邮政快递末端综合服务站');

-- ---- The renovation list (改造清单) -------------------------------------------------------
--
-- One line per catalogue entry and project: the quantities and budget of, say, all the
-- project's roofs sit on one line. The responsible unit carries the item out and may
-- report its progress; that does not make it responsible for the whole project
-- (project_unit does).

CREATE TABLE project_item (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    catalogue_id        bigint NOT NULL REFERENCES content_catalogue(id),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    planned_quantity    numeric(14, 2) NOT NULL
                            CHECK (planned_quantity > 0 AND planned_quantity <= 1000000000),
    unit_of_measure     text NOT NULL CHECK (length(unit_of_measure) BETWEEN 1 AND 20),
    budget              numeric(16, 2) NOT NULL CHECK (budget >= 0 AND budget <= 1000000000000),
    status              text NOT NULL DEFAULT 'planned'
                            CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
    progress_pct        integer NOT NULL DEFAULT 0 CHECK (progress_pct BETWEEN 0 AND 100),
    note                text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, catalogue_id),
    -- A planned item has not started; a done one is complete. A cancelled one keeps the
    -- progress it had reached.
    CONSTRAINT project_item_planned_not_started CHECK (status <> 'planned' OR progress_pct = 0),
    CONSTRAINT project_item_done_complete CHECK (status <> 'done' OR progress_pct = 100)
);

-- The responsible unit must be one of the project's programme.
CREATE FUNCTION project_item_check_programme() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM project p JOIN unit u ON u.programme_id = p.programme_id
                    WHERE p.id = NEW.project_id AND u.id = NEW.unit_id) THEN
        RAISE EXCEPTION 'the responsible unit is not of the project''s programme'
            USING ERRCODE = 'check_violation', COLUMN = 'responsible_unit_code';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER project_item_programme BEFORE INSERT OR UPDATE OF project_id, unit_id
    ON project_item FOR EACH ROW EXECUTE FUNCTION project_item_check_programme();

-- ---- Milestones (section 五) --------------------------------------------------------------
--
-- The plan is data of the programme (a template; schema/seed/ziyun-2022.sql loads the
-- 2022 one); create_project copies it to each new project, whose copy is then marked
-- done step by step. starts_on..due is the window the document gives ("2022年1月" is
-- January 1 to 31).

CREATE TABLE milestone_template (
    id                  bigserial PRIMARY KEY,
    programme_id        bigint NOT NULL REFERENCES programme(id),
    phase               integer NOT NULL CHECK (phase BETWEEN 1 AND 4),
    seq                 integer NOT NULL CHECK (seq > 0),
    code                text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{0,40}$'),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 400),
    starts_on           date NOT NULL,
    due                 date NOT NULL,
    CHECK (starts_on <= due),
    UNIQUE (programme_id, code),
    UNIQUE (programme_id, seq)
);

-- A step lies within its programme: not before it starts, not after its evaluation.
CREATE FUNCTION milestone_template_check_window() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM programme p WHERE p.id = NEW.programme_id
                      AND NEW.starts_on >= p.starts_on AND NEW.due <= p.evaluation_due) THEN
        RAISE EXCEPTION 'milestone % lies outside its programme''s dates', NEW.code
            USING ERRCODE = 'check_violation', COLUMN = 'due';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER milestone_template_window BEFORE INSERT OR UPDATE ON milestone_template
    FOR EACH ROW EXECUTE FUNCTION milestone_template_check_window();

CREATE TABLE project_milestone (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    template_id         bigint NOT NULL REFERENCES milestone_template(id),
    -- Copied from the template, so that one project's plan may later move on its own.
    due                 date NOT NULL,
    done_on             date,
    evidence            text NOT NULL DEFAULT '' CHECK (length(evidence) <= 2000),
    done_by_account     bigint REFERENCES account(id),
    done_by_unit        bigint REFERENCES unit(id),
    done_at             timestamptz,
    UNIQUE (project_id, template_id),
    -- Done means: when, on what evidence, and who said so. Open means none of it.
    CONSTRAINT project_milestone_done_complete CHECK (
        (done_on IS NULL AND evidence = '' AND done_by_account IS NULL
             AND done_by_unit IS NULL AND done_at IS NULL)
        OR (done_on IS NOT NULL AND evidence <> '' AND done_by_account IS NOT NULL
             AND done_by_unit IS NOT NULL AND done_at IS NOT NULL))
);

-- A project's milestone comes from its own programme's plan.
CREATE FUNCTION project_milestone_check_programme() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM project p JOIN milestone_template t
                      ON t.programme_id = p.programme_id
                    WHERE p.id = NEW.project_id AND t.id = NEW.template_id) THEN
        RAISE EXCEPTION 'the milestone is not of the project''s programme'
            USING ERRCODE = 'check_violation', COLUMN = 'milestone_code';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER project_milestone_programme BEFORE INSERT OR UPDATE OF project_id, template_id
    ON project_milestone FOR EACH ROW EXECUTE FUNCTION project_milestone_check_programme();

-- ---- Helpers ------------------------------------------------------------------------------

-- A whole number within bounds; check_violation naming the field otherwise.
CREATE FUNCTION reno_projects_range(p_value numeric, p_field text, p_min numeric,
                                    p_max numeric)
RETURNS void LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF p_value IS NULL OR p_value < p_min OR p_value > p_max THEN
        RAISE EXCEPTION '% must be between % and %, got %', p_field, p_min, p_max, p_value
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
END $$;

-- Copies the programme's milestone plan to a project that does not have it yet, auditing
-- every row it creates.
CREATE FUNCTION reno_projects_instantiate_milestones(p_account bigint, p_project bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_row project_milestone%ROWTYPE;
BEGIN
    FOR v_row IN
        INSERT INTO project_milestone (project_id, template_id, due)
        SELECT p.id, t.id, t.due
          FROM project p JOIN milestone_template t ON t.programme_id = p.programme_id
         WHERE p.id = p_project
           AND NOT EXISTS (SELECT 1 FROM project_milestone m
                            WHERE m.project_id = p.id AND m.template_id = t.id)
         ORDER BY t.seq
        RETURNING *
    LOOP
        PERFORM reno_audit(p_account, 'create_project', 'project_milestone', v_row.id, NULL,
                           to_jsonb(v_row));
    END LOOP;
END $$;

-- ---- Project operations -------------------------------------------------------------------

CREATE FUNCTION reno_op_create_project(p_account bigint, p_key bytea, p_digest bytea,
                                       p_name text, p_community text, p_households integer,
                                       p_renovation_type text, p_street text,
                                       p_buildings integer, p_area_m2 numeric,
                                       p_historic boolean, p_implementing_body text,
                                       p_subsidy_batch text, p_demolished_households integer)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_programme bigint := reno_programme_of(p_account);
    v_name text;
    v_after project%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'create_project');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'project.write');

    v_name := reno_text(p_name, 'name', 200, true);
    PERFORM reno_projects_range(p_households, 'households', 1, 1000000);
    IF p_renovation_type IS NULL THEN
        RAISE EXCEPTION 'renovation_type is required (comprehensive or demolition)'
            USING ERRCODE = 'check_violation', COLUMN = 'renovation_type';
    END IF;
    PERFORM reno_projects_range(p_demolished_households, 'demolished_households', 0,
                                p_households);
    -- Only 拆改结合型 demolishes anything; a comprehensive project renovates every household.
    IF p_demolished_households > 0 AND p_renovation_type <> 'demolition' THEN
        RAISE EXCEPTION 'only a demolition-plus-renovation project (拆改结合型) has demolished households'
            USING ERRCODE = 'check_violation', COLUMN = 'demolished_households';
    END IF;
    PERFORM reno_projects_range(p_buildings, 'buildings', 0, 10000);
    PERFORM reno_projects_range(p_area_m2, 'area_m2', 0, 100000000);
    IF EXISTS (SELECT 1 FROM project p WHERE p.programme_id = v_programme AND p.name = v_name) THEN
        RAISE EXCEPTION 'the programme already has a project named "%"', v_name
            USING ERRCODE = 'unique_violation', COLUMN = 'name';
    END IF;

    INSERT INTO project (programme_id, name, community, households, renovation_type, street,
                         buildings, area_m2, historic, implementing_body, subsidy_batch,
                         demolished_households)
    VALUES (v_programme, v_name, reno_text(p_community, 'community', 200, true),
            p_households, p_renovation_type, reno_text(p_street, 'street', 200, false),
            p_buildings, round(p_area_m2, 2), COALESCE(p_historic, false),
            reno_text(p_implementing_body, 'implementing_body', 200, false),
            reno_text(p_subsidy_batch, 'subsidy_batch', 200, false),
            p_demolished_households)
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'create_project', 'project', v_after.id, NULL,
                       to_jsonb(v_after));
    -- A new project follows the programme's milestone plan from the start.
    PERFORM reno_projects_instantiate_milestones(p_account, v_after.id);
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'create_project', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- Zero and empty mean "unchanged" (proto3 cannot tell them from "not sent"); the two
-- yes/no properties travel as 'yes' / 'no' / NULL for the same reason.
CREATE FUNCTION reno_op_update_project(p_account bigint, p_key bytea, p_digest bytea,
                                       p_project_id bigint, p_name text, p_community text,
                                       p_households integer, p_renovation_type text,
                                       p_street text, p_buildings integer, p_area_m2 numeric,
                                       p_historic text, p_implementing_body text,
                                       p_subsidy_batch text, p_demolished_households integer,
                                       p_is_sample text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_before project%ROWTYPE;
    v_after project%ROWTYPE;
    v_name text;
    v_type text;
    v_households integer;
    v_demolished integer;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'update_project');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'project.write');
    PERFORM reno_project_check(p_account, p_project_id);
    SELECT * INTO v_before FROM project p WHERE p.id = p_project_id FOR UPDATE;

    v_name := reno_text(p_name, 'name', 200, false);
    IF v_name = '' THEN
        v_name := v_before.name;
    ELSIF v_name <> v_before.name AND EXISTS (
            SELECT 1 FROM project p WHERE p.programme_id = v_before.programme_id
               AND p.name = v_name) THEN
        RAISE EXCEPTION 'the programme already has a project named "%"', v_name
            USING ERRCODE = 'unique_violation', COLUMN = 'name';
    END IF;
    PERFORM reno_projects_range(p_households, 'households', 0, 1000000);
    PERFORM reno_projects_range(p_buildings, 'buildings', 0, 10000);
    PERFORM reno_projects_range(p_area_m2, 'area_m2', 0, 100000000);
    PERFORM reno_projects_range(p_demolished_households, 'demolished_households', 0, 1000000);

    v_type := COALESCE(p_renovation_type, v_before.renovation_type);
    v_households := CASE WHEN p_households = 0 THEN v_before.households ELSE p_households END;
    IF p_demolished_households > 0 AND v_type <> 'demolition' THEN
        RAISE EXCEPTION 'only a demolition-plus-renovation project (拆改结合型) has demolished households'
            USING ERRCODE = 'check_violation', COLUMN = 'demolished_households';
    END IF;
    -- A project that becomes comprehensive demolishes nothing any more, so its demolished
    -- households go back to 0 (the only way to get there, as 0 means "unchanged").
    v_demolished := CASE WHEN p_demolished_households > 0 THEN p_demolished_households
                         WHEN v_type = 'demolition' THEN v_before.demolished_households
                         ELSE 0 END;
    IF v_demolished > v_households THEN
        RAISE EXCEPTION 'demolished_households (%) exceeds households (%)', v_demolished,
            v_households
            USING ERRCODE = 'check_violation',
                  COLUMN = CASE WHEN p_demolished_households > 0 THEN 'demolished_households'
                                ELSE 'households' END;
    END IF;

    UPDATE project p SET
        name = v_name,
        community = COALESCE(NULLIF(reno_text(p_community, 'community', 200, false), ''),
                             p.community),
        households = v_households,
        renovation_type = v_type,
        street = COALESCE(NULLIF(reno_text(p_street, 'street', 200, false), ''),
                          p.street),
        buildings = CASE WHEN p_buildings = 0 THEN p.buildings ELSE p_buildings END,
        area_m2 = CASE WHEN p_area_m2 = 0 THEN p.area_m2 ELSE round(p_area_m2, 2) END,
        historic = CASE p_historic WHEN 'yes' THEN true WHEN 'no' THEN false ELSE p.historic END,
        implementing_body = COALESCE(NULLIF(reno_text(p_implementing_body,
                                                               'implementing_body', 200, false),
                                            ''), p.implementing_body),
        subsidy_batch = COALESCE(NULLIF(reno_text(p_subsidy_batch, 'subsidy_batch',
                                                           200, false), ''), p.subsidy_batch),
        demolished_households = v_demolished,
        is_sample = CASE p_is_sample WHEN 'yes' THEN true WHEN 'no' THEN false
                                     ELSE p.is_sample END
     WHERE p.id = p_project_id
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'update_project', 'project', v_after.id, to_jsonb(v_before),
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'update_project', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE FUNCTION reno_op_list_projects(p_account bigint)
RETURNS TABLE (id bigint, name text, community text, renovation_type text, households integer,
               demolished_households integer, households_in_scope integer, street text,
               buildings integer, area_m2 numeric, historic boolean, implementing_body text,
               subsidy_batch text, is_sample boolean, responsible_units text,
               milestones_done integer, milestones_overdue integer)
LANGUAGE sql STABLE AS $$
    SELECT p.id, p.name, p.community, p.renovation_type, p.households,
           p.demolished_households, p.households_in_scope, p.street, p.buildings, p.area_m2,
           p.historic, p.implementing_body, p.subsidy_batch, p.is_sample,
           COALESCE((SELECT string_agg(u.code, ',' ORDER BY u.id)
                       FROM project_unit pu JOIN unit u ON u.id = pu.unit_id
                      WHERE pu.project_id = p.id), ''),
           (SELECT count(*) FILTER (WHERE m.done_on IS NOT NULL)
              FROM project_milestone m WHERE m.project_id = p.id)::integer,
           (SELECT count(*) FILTER (WHERE m.done_on IS NULL AND m.due < current_date)
              FROM project_milestone m WHERE m.project_id = p.id)::integer
      FROM project p
     WHERE p.programme_id = reno_programme_of(p_account)
     ORDER BY p.id
$$;

-- Names a unit responsible for a project, with its duty, or takes it off. A responsible
-- department or utility may push the project's progress (reno_may_push_progress), which
-- is why this needs project.write. Returns the project's id.
CREATE FUNCTION reno_op_assign_project_unit(p_account bigint, p_key bytea, p_digest bytea,
                                            p_project_id bigint, p_unit_code text,
                                            p_duty text, p_remove boolean)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_unit bigint;
    v_duty text;
    v_before project_unit%ROWTYPE;
    v_after project_unit%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'assign_project_unit');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'project.write');
    PERFORM reno_project_check(p_account, p_project_id);
    PERFORM reno_text(p_unit_code, 'unit_code', 63, true);
    v_unit := reno_unit_id(p_account, p_unit_code, 'unit_code');
    SELECT * INTO v_before FROM project_unit pu
     WHERE pu.project_id = p_project_id AND pu.unit_id = v_unit FOR UPDATE;
    IF COALESCE(p_remove, false) THEN
        IF v_before.project_id IS NULL THEN
            RAISE EXCEPTION 'unit "%" is not responsible for project %', p_unit_code,
                p_project_id
                USING ERRCODE = 'RN404', COLUMN = 'unit_code';
        END IF;
        DELETE FROM project_unit pu WHERE pu.project_id = p_project_id AND pu.unit_id = v_unit;
    ELSE
        -- The duty says what the unit answers for (e.g. 管线入地/架空线规整): required.
        v_duty := reno_text(p_duty, 'duty', 400, true);
        INSERT INTO project_unit (project_id, unit_id, duty)
        VALUES (p_project_id, v_unit, v_duty)
        ON CONFLICT (project_id, unit_id) DO UPDATE SET duty = EXCLUDED.duty
        RETURNING * INTO v_after;
    END IF;
    PERFORM reno_audit(p_account, 'assign_project_unit', 'project_unit', p_project_id,
                       CASE WHEN v_before.project_id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       CASE WHEN v_after.project_id IS NULL THEN NULL ELSE to_jsonb(v_after) END);
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'assign_project_unit', p_project_id);
    RETURN QUERY SELECT p_project_id, false;
END $$;

-- ---- Catalogue and renovation-list operations ---------------------------------------------

CREATE FUNCTION reno_op_list_catalogue(p_account bigint, p_content_class text)
RETURNS TABLE (id bigint, code text, content_class text, name text)
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.code, c.content_class, c.name FROM content_catalogue c
     WHERE p_content_class IS NULL OR c.content_class = p_content_class
     ORDER BY c.seq
$$;

CREATE FUNCTION reno_op_add_project_item(p_account bigint, p_key bytea, p_digest bytea,
                                         p_project_id bigint, p_catalogue_code text,
                                         p_responsible_unit_code text,
                                         p_planned_quantity numeric, p_unit_of_measure text,
                                         p_budget numeric, p_note text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_catalogue bigint;
    v_unit bigint;
    v_after project_item%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'add_project_item');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'project.write');
    PERFORM reno_project_check(p_account, p_project_id);
    PERFORM reno_text(p_catalogue_code, 'catalogue_code', 41, true);
    SELECT c.id INTO v_catalogue FROM content_catalogue c WHERE c.code = p_catalogue_code;
    IF v_catalogue IS NULL THEN
        RAISE EXCEPTION 'no catalogue entry "%" (see catalogue list)', p_catalogue_code
            USING ERRCODE = 'RN404', COLUMN = 'catalogue_code';
    END IF;
    PERFORM reno_text(p_responsible_unit_code, 'responsible_unit_code', 63, true);
    v_unit := reno_unit_id(p_account, p_responsible_unit_code, 'responsible_unit_code');
    -- Stored with two decimals: a quantity that rounds to nothing is no quantity.
    IF p_planned_quantity IS NULL OR round(p_planned_quantity, 2) <= 0
       OR p_planned_quantity > 1000000000 THEN
        RAISE EXCEPTION 'planned_quantity must be more than 0 and at most 1000000000'
            USING ERRCODE = 'check_violation', COLUMN = 'planned_quantity';
    END IF;
    IF p_budget IS NULL OR p_budget < 0 OR p_budget > 1000000000000 THEN
        RAISE EXCEPTION 'budget must be between 0 and 1000000000000 yuan'
            USING ERRCODE = 'check_violation', COLUMN = 'budget';
    END IF;
    IF EXISTS (SELECT 1 FROM project_item pi WHERE pi.project_id = p_project_id
                  AND pi.catalogue_id = v_catalogue) THEN
        RAISE EXCEPTION 'the renovation list of project % already has "%"; update that line',
            p_project_id, p_catalogue_code
            USING ERRCODE = 'unique_violation', COLUMN = 'catalogue_code';
    END IF;

    INSERT INTO project_item (project_id, catalogue_id, unit_id, planned_quantity,
                              unit_of_measure, budget, note)
    VALUES (p_project_id, v_catalogue, v_unit, round(p_planned_quantity, 2),
            reno_text(p_unit_of_measure, 'unit_of_measure', 20, true),
            round(p_budget, 2), reno_text(p_note, 'note', 2000, false))
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'add_project_item', 'project_item', v_after.id, NULL,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'add_project_item', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- Status and progress of one line of a renovation list. The office and the holders of
-- project.write may write any line; a department or utility the lines it is responsible
-- for, since it is the one doing the work. Leaders write nothing.
CREATE FUNCTION reno_op_update_project_item(p_account bigint, p_key bytea, p_digest bytea,
                                            p_item_id bigint, p_status text,
                                            p_progress_pct integer, p_note text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_before project_item%ROWTYPE;
    v_after project_item%ROWTYPE;
    v_status text;
    v_pct integer;
    v_note text;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'update_project_item');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    -- The line first: who may write it depends on its responsible unit.
    SELECT pi.* INTO v_before FROM project_item pi JOIN project p ON p.id = pi.project_id
     WHERE pi.id = p_item_id AND p.programme_id = reno_programme_of(p_account)
       FOR UPDATE OF pi;
    IF v_before.id IS NULL THEN
        RAISE EXCEPTION 'renovation-list item % not found', p_item_id
            USING ERRCODE = 'RN404', COLUMN = 'item_id';
    END IF;
    IF NOT reno_has_right(p_account, 'project.write')
       AND NOT EXISTS (SELECT 1 FROM account a WHERE a.id = p_account AND NOT a.disabled
                          AND a.role IN ('department', 'utility')
                          AND a.unit_id = v_before.unit_id) THEN
        RAISE EXCEPTION 'your unit is not responsible for renovation-list item %', p_item_id
            USING ERRCODE = 'RN403';
    END IF;

    PERFORM reno_projects_range(p_progress_pct, 'progress_pct', 0, 100);
    v_note := reno_text(p_note, 'note', 2000, false);
    v_pct := CASE WHEN p_progress_pct = 0 THEN v_before.progress_pct ELSE p_progress_pct END;
    v_status := COALESCE(p_status, v_before.status);
    -- Progress reported on a planned item means the work has begun; an item reported done
    -- without a figure is complete.
    IF p_status IS NULL AND v_status = 'planned' AND v_pct > 0 THEN
        v_status := 'in_progress';
    END IF;
    IF p_status = 'done' AND p_progress_pct = 0 THEN
        v_pct := 100;
    END IF;
    IF v_status = 'done' AND v_pct <> 100 THEN
        RAISE EXCEPTION 'a done item is complete (progress_pct 100), not at %', v_pct
            USING ERRCODE = 'check_violation', COLUMN = 'progress_pct';
    END IF;
    IF v_status = 'planned' AND v_pct > 0 THEN
        RAISE EXCEPTION 'an item with progress_pct % has started: its status is in_progress, not planned', v_pct
            USING ERRCODE = 'check_violation', COLUMN = 'status';
    END IF;

    UPDATE project_item pi SET status = v_status, progress_pct = v_pct,
           note = CASE WHEN v_note = '' THEN pi.note ELSE v_note END, updated_at = now()
     WHERE pi.id = p_item_id
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'update_project_item', 'project_item', v_after.id,
                       to_jsonb(v_before), to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'update_project_item', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE FUNCTION reno_op_list_project_items(p_account bigint, p_project_id bigint)
RETURNS TABLE (id bigint, project_id bigint, catalogue_code text, content_class text,
               name text, responsible_unit_code text, planned_quantity numeric,
               unit_of_measure text, budget numeric, status text, progress_pct integer,
               note text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    SELECT pi.id, pi.project_id, c.code, c.content_class, c.name, u.code, pi.planned_quantity,
           pi.unit_of_measure, pi.budget, pi.status, pi.progress_pct, pi.note
      FROM project_item pi
      JOIN project p ON p.id = pi.project_id
      JOIN content_catalogue c ON c.id = pi.catalogue_id
      JOIN unit u ON u.id = pi.unit_id
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR pi.project_id = p_project_id)
     ORDER BY pi.project_id, c.seq;
END $$;

-- ---- Milestone operations -----------------------------------------------------------------

-- Done, or else due / overdue as of the database server's current date.
CREATE FUNCTION reno_op_list_milestones(p_account bigint, p_project_id bigint)
RETURNS TABLE (id bigint, project_id bigint, phase integer, code text, title text,
               starts_on text, due text, status text, done_on text, evidence text,
               done_by text, done_by_unit text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    SELECT m.id, m.project_id, t.phase, t.code, t.title, to_char(t.starts_on, 'YYYY-MM-DD'),
           to_char(m.due, 'YYYY-MM-DD'),
           CASE WHEN m.done_on IS NOT NULL THEN 'done'
                WHEN m.due < current_date THEN 'overdue' ELSE 'due' END,
           COALESCE(to_char(m.done_on, 'YYYY-MM-DD'), ''), m.evidence,
           COALESCE(a.username, ''), COALESCE(u.name, '')
      FROM project_milestone m
      JOIN project p ON p.id = m.project_id
      JOIN milestone_template t ON t.id = m.template_id
      LEFT JOIN account a ON a.id = m.done_by_account
      LEFT JOIN unit u ON u.id = m.done_by_unit
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR m.project_id = p_project_id)
     ORDER BY m.project_id, t.seq;
END $$;

-- Marks a project's milestone done. The date may lie in the past: the plan was issued on
-- 2022-03-03, after its own December to February steps, which are recorded afterwards.
-- It may not lie in the future (nothing is done before it happens) nor before the
-- programme began. Marking it again corrects date and evidence; the audit keeps both.
CREATE FUNCTION reno_op_mark_milestone(p_account bigint, p_key bytea, p_digest bytea,
                                       p_project_id bigint, p_milestone_code text,
                                       p_done_on text, p_evidence text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_before project_milestone%ROWTYPE;
    v_after project_milestone%ROWTYPE;
    v_done date;
    v_starts date;
    v_evidence text;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'mark_milestone');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'milestone.write');
    PERFORM reno_project_check(p_account, p_project_id);
    PERFORM reno_text(p_milestone_code, 'milestone_code', 41, true);
    SELECT m.* INTO v_before FROM project_milestone m
      JOIN milestone_template t ON t.id = m.template_id
     WHERE m.project_id = p_project_id AND t.code = p_milestone_code
       FOR UPDATE OF m;
    IF v_before.id IS NULL THEN
        RAISE EXCEPTION 'project % has no milestone "%" (see milestone list)', p_project_id,
            p_milestone_code
            USING ERRCODE = 'RN404', COLUMN = 'milestone_code';
    END IF;

    IF COALESCE(p_done_on, '') = '' THEN
        RAISE EXCEPTION 'done_on is required (YYYY-MM-DD)'
            USING ERRCODE = 'check_violation', COLUMN = 'done_on';
    END IF;
    BEGIN
        v_done := p_done_on::date;
    EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
        RAISE EXCEPTION 'done_on must be a date YYYY-MM-DD'
            USING ERRCODE = 'check_violation', COLUMN = 'done_on';
    END;
    IF v_done > current_date THEN
        RAISE EXCEPTION 'done_on % is in the future', v_done
            USING ERRCODE = 'check_violation', COLUMN = 'done_on';
    END IF;
    SELECT g.starts_on INTO v_starts FROM programme g
      JOIN project p ON p.programme_id = g.id WHERE p.id = p_project_id;
    IF v_done < v_starts THEN
        RAISE EXCEPTION 'done_on % is before the programme began (%)', v_done, v_starts
            USING ERRCODE = 'check_violation', COLUMN = 'done_on';
    END IF;
    v_evidence := reno_text(p_evidence, 'evidence', 2000, true);

    UPDATE project_milestone m
       SET done_on = v_done, evidence = v_evidence, done_by_account = p_account,
           done_by_unit = (SELECT a.unit_id FROM account a WHERE a.id = p_account),
           done_at = now()
     WHERE m.id = v_before.id
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'mark_milestone', 'project_milestone', v_after.id,
                       to_jsonb(v_before), to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'mark_milestone', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;
