-- projects: creating, changing and listing a project (reno_op_create_project,
-- reno_op_update_project, reno_op_list_projects), first created by 0003_projects.sql and
-- kept here since the demonstration flag (0027) widened them, so that the next property of
-- a project changes these bodies in one place.
--
-- Re-runnable (CREATE OR REPLACE only, DROP when a signature changes): renod migrate
-- applies every file of schema/functions after the migrations, on every run. The old
-- signatures are dropped once, by 0027_demonstration.sql.

CREATE OR REPLACE FUNCTION reno_op_create_project(p_account bigint, p_key bytea, p_digest bytea,
                                       p_name text, p_community text, p_households integer,
                                       p_renovation_type text, p_street text,
                                       p_buildings integer, p_area_m2 numeric,
                                       p_historic boolean, p_implementing_body text,
                                       p_subsidy_batch text, p_demolished_households integer,
                                       p_demonstration boolean)
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
            USING ERRCODE = 'check_violation', COLUMN = 'renovation_type', DETAIL = 'required';
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
            USING ERRCODE = 'unique_violation', COLUMN = 'name', DETAIL = 'name_taken',
                  HINT = v_name;
    END IF;

    INSERT INTO project (programme_id, name, community, households, renovation_type, street,
                         buildings, area_m2, historic, implementing_body, subsidy_batch,
                         demolished_households, demonstration)
    VALUES (v_programme, v_name, reno_text(p_community, 'community', 200, true),
            p_households, p_renovation_type, reno_text(p_street, 'street', 200, false),
            p_buildings, round(p_area_m2, 2), COALESCE(p_historic, false),
            reno_text(p_implementing_body, 'implementing_body', 200, false),
            reno_text(p_subsidy_batch, 'subsidy_batch', 200, false),
            p_demolished_households, COALESCE(p_demonstration, false))
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
CREATE OR REPLACE FUNCTION reno_op_update_project(p_account bigint, p_key bytea, p_digest bytea,
                                       p_project_id bigint, p_name text, p_community text,
                                       p_households integer, p_renovation_type text,
                                       p_street text, p_buildings integer, p_area_m2 numeric,
                                       p_historic text, p_implementing_body text,
                                       p_subsidy_batch text, p_demolished_households integer,
                                       p_is_sample text, p_demonstration text)
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
            USING ERRCODE = 'unique_violation', COLUMN = 'name', DETAIL = 'name_taken',
                  HINT = v_name;
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
                                     ELSE p.is_sample END,
        demonstration = CASE p_demonstration WHEN 'yes' THEN true WHEN 'no' THEN false
                                             ELSE p.demonstration END
     WHERE p.id = p_project_id
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'update_project', 'project', v_after.id, to_jsonb(v_before),
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'update_project', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE OR REPLACE FUNCTION reno_op_list_projects(p_account bigint)
RETURNS TABLE (id bigint, name text, community text, renovation_type text, households integer,
               demolished_households integer, households_in_scope integer, street text,
               buildings integer, area_m2 numeric, historic boolean, implementing_body text,
               subsidy_batch text, is_sample boolean, responsible_units text,
               milestones_done integer, milestones_overdue integer, demonstration boolean)
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
              FROM project_milestone m WHERE m.project_id = p.id)::integer,
           p.demonstration
      FROM project p
     WHERE p.programme_id = reno_programme_of(p_account)
     ORDER BY p.id
$$;
