-- 0014_read_scope: what each role may read, as data in right_grant beside what it may
-- write, checked in the read functions.
--
-- The office (right '*') and the leaders and departments read the whole programme. A
-- utility reads the consolidated status, the projects and the plan, and of the areas
-- below only its own part: its own line work, the supervision items assigned to its
-- unit, and the audit entries its own unit made; the funds ledger not at all.
--
-- An area's read rights are '<area>.read' (the whole programme) and '<area>.read_own'
-- (the account's own unit only). The areas: funds (allocations, ledger, payments), lines
-- (line work), tasks (supervision items and their history) and audit (the audit log).
-- The seed grants them for a new programme; this migration for programmes already loaded.

INSERT INTO right_grant (programme_id, grantee_kind, grantee, right_name, source)
SELECT p.id, v.kind, v.grantee, v.right_name, v.source
  FROM programme p
 CROSS JOIN (VALUES
    ('role', 'leader', 'funds.read', 'leaders read everything'),
    ('role', 'leader', 'lines.read', 'leaders read everything'),
    ('role', 'leader', 'tasks.read', 'leaders read everything'),
    ('role', 'leader', 'audit.read', 'leaders read everything'),
    ('role', 'department', 'funds.read', 'departments read the programme'),
    ('role', 'department', 'lines.read', 'departments read the programme'),
    ('role', 'department', 'tasks.read', 'departments read the programme'),
    ('role', 'department', 'audit.read', 'departments read the programme'),
    ('role', 'utility', 'lines.read_own', 'a utility reads its own line work'),
    ('role', 'utility', 'tasks.read_own', 'a utility reads the items assigned to it'),
    ('role', 'utility', 'audit.read_own', 'a utility reads its own unit''s audit entries')
  ) AS v(kind, grantee, right_name, source)
ON CONFLICT DO NOTHING;

-- 'programme' or 'own' for an account reading an area; RN403 when it may read neither.
CREATE FUNCTION reno_read_scope(p_account bigint, p_area text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF reno_has_right(p_account, p_area || '.read') THEN
        RETURN 'programme';
    END IF;
    IF reno_has_right(p_account, p_area || '.read_own') THEN
        RETURN 'own';
    END IF;
    RAISE EXCEPTION 'your unit may not read %', p_area USING ERRCODE = 'RN403';
END $$;

CREATE FUNCTION reno_unit_of(p_account bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT a.unit_id FROM account a WHERE a.id = p_account
$$;

-- ---- The funds ledger: the whole programme's, or nothing ----------------------------------
-- The read functions of 0004 become the bodies behind scoped ones of the same name and
-- signature: renamed (so renod keeps calling the same name), then wrapped.

ALTER FUNCTION reno_op_list_allocations(bigint, bigint, text)
    RENAME TO reno_list_allocations_unscoped;
CREATE FUNCTION reno_op_list_allocations(p_account bigint, p_project_id bigint, p_source text)
RETURNS TABLE (id bigint, project_id bigint, project_name text, source text, amount numeric,
               allocated_on text, document_ref text, received numeric, outstanding numeric)
LANGUAGE sql STABLE AS $$
    SELECT a.* FROM reno_read_scope(p_account, 'funds') AS s(scope),
                    reno_list_allocations_unscoped(p_account, p_project_id, p_source) a
     WHERE s.scope = 'programme'
$$;

ALTER FUNCTION reno_op_list_ledger(bigint, bigint) RENAME TO reno_list_ledger_unscoped;
CREATE FUNCTION reno_op_list_ledger(p_account bigint, p_project_id bigint)
RETURNS TABLE (project_id bigint, project_name text, source text, allocated numeric,
               received numeric, paid numeric, available numeric)
LANGUAGE sql STABLE AS $$
    SELECT l.* FROM reno_read_scope(p_account, 'funds') AS s(scope),
                    reno_list_ledger_unscoped(p_account, p_project_id) l
     WHERE s.scope = 'programme'
$$;

ALTER FUNCTION reno_op_list_payments(bigint, bigint, bigint)
    RENAME TO reno_list_payments_unscoped;
CREATE FUNCTION reno_op_list_payments(p_account bigint, p_project_id bigint,
                                      p_contract_id bigint)
RETURNS TABLE (id bigint, project_id bigint, project_name text, contract_id bigint,
               counterparty text, source text, amount numeric, paid_on text, note text)
LANGUAGE sql STABLE AS $$
    SELECT f.* FROM reno_read_scope(p_account, 'funds') AS s(scope),
                    reno_list_payments_unscoped(p_account, p_project_id, p_contract_id) f
     WHERE s.scope = 'programme'
$$;

-- ---- Line work and supervision items: all, or the unit's own --------------------------------

ALTER FUNCTION reno_op_list_line_work(bigint, bigint) RENAME TO reno_list_line_work_unscoped;
CREATE FUNCTION reno_op_list_line_work(p_account bigint, p_project_id bigint)
RETURNS TABLE (id bigint, project_id bigint, project_name text, utility_code text,
               utility_name text, segment text, part text, part_name text, side text,
               length_m double precision, started_on text, done_on text, status text,
               waiting_on text, handed_over_on text)
LANGUAGE sql STABLE AS $$
    SELECT w.* FROM reno_read_scope(p_account, 'lines') AS s(scope),
                    reno_list_line_work_unscoped(p_account, p_project_id) w
     WHERE s.scope = 'programme'
        OR w.utility_code = (SELECT u.code FROM unit u WHERE u.id = reno_unit_of(p_account))
$$;

ALTER FUNCTION reno_op_list_tasks(bigint, text, text) RENAME TO reno_list_tasks_unscoped;
CREATE FUNCTION reno_op_list_tasks(p_account bigint, p_unit_code text, p_state text)
RETURNS TABLE (id bigint, unit_code text, unit_name text, title text, deadline text,
               state text, overdue boolean, requested_deadline text, source text,
               meeting_id bigint, created_at text)
LANGUAGE sql STABLE AS $$
    SELECT t.* FROM reno_read_scope(p_account, 'tasks') AS s(scope),
                    reno_list_tasks_unscoped(p_account, p_unit_code, p_state) t
     WHERE s.scope = 'programme'
        OR t.unit_code = (SELECT u.code FROM unit u WHERE u.id = reno_unit_of(p_account))
$$;

ALTER FUNCTION reno_op_list_task_events(bigint, bigint) RENAME TO reno_list_task_events_unscoped;
CREATE FUNCTION reno_op_list_task_events(p_account bigint, p_task_id bigint)
RETURNS TABLE (id bigint, task_id bigint, at text, username text, unit_name text, action text,
               state text, deadline text, requested_deadline text, text text)
LANGUAGE sql STABLE AS $$
    SELECT e.* FROM reno_read_scope(p_account, 'tasks') AS s(scope),
                    reno_list_task_events_unscoped(p_account, p_task_id) e
     WHERE s.scope = 'programme'
        OR e.task_id IN (SELECT i.id FROM supervision_item i
                          WHERE i.unit_id = reno_unit_of(p_account))
$$;

-- ---- The audit log: all of the programme's, or the entries the unit made ------------------
-- Scoped inside the query rather than after it, so that a page (limit) of a utility's
-- entries is as full as anyone's.

CREATE OR REPLACE FUNCTION reno_op_list_audit(p_account bigint, p_after_id bigint,
                                              p_limit integer, p_entity text)
RETURNS TABLE (id bigint, at text, username text, unit_name text, action text, entity text,
               entity_id bigint, before text, after text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_own boolean := reno_read_scope(p_account, 'audit') = 'own';
    v_unit bigint := reno_unit_of(p_account);
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
       AND (NOT v_own OR l.unit_id = v_unit)
     ORDER BY l.id
     LIMIT CASE WHEN COALESCE(p_limit, 0) = 0 THEN 100 ELSE p_limit END;
END $$;

-- ---- What `reno rights` and `reno whoami` show ------------------------------------------------
-- They answer what the unit may write (ops.def: "what your unit may write, and why"); the
-- read rights above are kept out of that list, as before there were any.

CREATE OR REPLACE FUNCTION reno_op_list_rights(p_account bigint)
RETURNS TABLE ("right" text, scope text, source text) LANGUAGE sql STABLE AS $$
    SELECT r.right_name, 'programme', r.source FROM reno_rights(p_account) r
     WHERE r.right_name !~ '\.read(_own)?$'
    UNION ALL
    -- Progress for the projects the unit is named responsible for (project_unit).
    SELECT 'progress.write', p.name, 'responsible unit: ' || pu.duty
      FROM account a JOIN project_unit pu ON pu.unit_id = a.unit_id
      JOIN project p ON p.id = pu.project_id
     WHERE a.id = p_account AND a.role IN ('department', 'utility')
    ORDER BY 1, 2
$$;
