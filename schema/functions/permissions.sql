-- permissions: the one permission question, reno_may(account, right, project, unit).
--
-- Re-runnable (CREATE OR REPLACE only): renod migrate applies every file of
-- schema/functions after the migrations, on every run, so a function whose body changes
-- is changed here rather than by yet another migration.
--
-- Rights were decided four ways (reno_require, direct reno_has_right,
-- reno_may_push_progress, reno_sup_acts_for) plus a table of roles in renod. They are
-- decided here now, for reads and writes alike; the four old names stay, because the
-- operation functions of the landed migrations call them, as one-line questions to
-- reno_may. The data it asks: right_grant (what a role, a kind of unit or a unit holds,
-- '*' for everything in the programme), project_unit (who is responsible for a project)
-- and the account itself (its unit, its role, whether it is disabled).

-- May the account exercise the right, on the project and for the unit when given?
--   '*' and any granted right       held through right_grant, for the whole programme
--   'progress.write' + project      '*', or a department's or utility's account whose
--                                   unit is named responsible for the project
--   'unit.act' + unit               an account of that very unit (not a leader's): a
--                                   unit's own word (a reply, a request for more time),
--                                   which nobody gives on its behalf, '*' included
--   '<area>.<x>_own' + unit         held, and the unit is the account's own
-- A disabled account may nothing; a project or unit of another programme is nobody's.
CREATE OR REPLACE FUNCTION reno_may(p_account bigint, p_right text, p_project bigint DEFAULT NULL,
                                    p_unit bigint DEFAULT NULL)
RETURNS boolean LANGUAGE sql STABLE AS $$
    WITH acct AS (
        SELECT a.id, a.role, a.unit_id, u.code, u.kind, u.programme_id
          FROM account a JOIN unit u ON u.id = a.unit_id
         WHERE a.id = p_account AND NOT a.disabled
    ), held AS (
        SELECT g.right_name
          FROM acct JOIN right_grant g ON g.programme_id = acct.programme_id
         WHERE (g.grantee_kind = 'role' AND g.grantee = acct.role)
            OR (g.grantee_kind = 'unit_kind' AND g.grantee = acct.kind)
            OR (g.grantee_kind = 'unit' AND g.grantee = acct.code)
    )
    SELECT COALESCE((
        SELECT CASE
            WHEN p_project IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM project p
                     WHERE p.id = p_project AND p.programme_id = acct.programme_id) THEN false
            WHEN p_unit IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM unit u
                     WHERE u.id = p_unit AND u.programme_id = acct.programme_id) THEN false
            WHEN p_right = 'unit.act' THEN p_unit = acct.unit_id AND acct.role <> 'leader'
            WHEN EXISTS (SELECT 1 FROM held WHERE held.right_name = '*') THEN true
            WHEN p_right = 'progress.write' THEN
                p_project IS NOT NULL AND acct.role IN ('department', 'utility')
                AND EXISTS (SELECT 1 FROM project_unit pu
                             WHERE pu.project_id = p_project AND pu.unit_id = acct.unit_id)
            WHEN p_right LIKE '%\_own' THEN
                EXISTS (SELECT 1 FROM held WHERE held.right_name = p_right)
                AND (p_unit IS NULL OR p_unit = acct.unit_id)
            ELSE EXISTS (SELECT 1 FROM held WHERE held.right_name = p_right)
        END
          FROM acct), false)
$$;

-- The old names, each one question to reno_may.

CREATE OR REPLACE FUNCTION reno_has_right(p_account bigint, p_right text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT reno_may(p_account, p_right)
$$;

-- Who holds a right in the account's programme, so that a refusal can name where to
-- turn (领导小组办公室 for report.issue): the units granted it by code, by kind, or
-- through the role of one of their accounts ('*' included); at most three names, then
-- "等"; "" when nobody does.
CREATE OR REPLACE FUNCTION reno_right_holders(p_account bigint, p_right text) RETURNS text
LANGUAGE sql STABLE AS $$
    WITH me AS (
        SELECT u.programme_id FROM account a JOIN unit u ON u.id = a.unit_id WHERE a.id = p_account
    ), holders AS (
        SELECT u.name
          FROM me JOIN unit u ON u.programme_id = me.programme_id
         WHERE EXISTS (
                SELECT 1 FROM right_grant g
                 WHERE g.programme_id = me.programme_id AND g.right_name IN (p_right, '*')
                   AND ((g.grantee_kind = 'unit' AND g.grantee = u.code)
                     OR (g.grantee_kind = 'unit_kind' AND g.grantee = u.kind)
                     OR (g.grantee_kind = 'role' AND EXISTS (
                            SELECT 1 FROM account a
                             WHERE a.unit_id = u.id AND a.role = g.grantee AND NOT a.disabled))))
         ORDER BY u.name
    )
    SELECT COALESCE((SELECT string_agg(h.name, '、') FROM (SELECT name FROM holders LIMIT 3) h), '')
           || CASE WHEN (SELECT count(*) FROM holders) > 3 THEN '等' ELSE '' END
$$;

-- The refusal names the right and, when somebody holds it, who: "(held by 领导小组办公室)".
-- The facts travel apart from the English sentence: DETAIL is the right's code, HINT its
-- holders; renod passes them to the client as Status.args (common/msg.c,
-- msg_reason_of_db), which says them in the user's language.
CREATE OR REPLACE FUNCTION reno_require(p_account bigint, p_right text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_holders text;
BEGIN
    IF NOT reno_may(p_account, p_right) THEN
        v_holders := reno_right_holders(p_account, p_right);
        IF v_holders <> '' THEN
            RAISE EXCEPTION 'your unit does not hold the right % (held by %)', p_right, v_holders
                USING ERRCODE = 'RN403', DETAIL = p_right, HINT = v_holders;
        END IF;
        RAISE EXCEPTION 'your unit does not hold the right %', p_right
            USING ERRCODE = 'RN403', DETAIL = p_right;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION reno_may_push_progress(p_account bigint, p_project bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT reno_may(p_account, 'progress.write', p_project)
$$;

CREATE OR REPLACE FUNCTION reno_sup_acts_for(p_account bigint, p_unit bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT reno_may(p_account, 'unit.act', NULL, p_unit)
$$;

-- What an account reads of an area (0014): 'programme' or 'own', by the same question.
CREATE OR REPLACE FUNCTION reno_read_scope(p_account bigint, p_area text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF reno_may(p_account, p_area || '.read') THEN
        RETURN 'programme';
    END IF;
    IF reno_may(p_account, p_area || '.read_own', NULL, reno_unit_of(p_account)) THEN
        RETURN 'own';
    END IF;
    RAISE EXCEPTION 'your unit may not read %', p_area
        USING ERRCODE = 'RN403', DETAIL = 'may_not_read', HINT = p_area;
END $$;
