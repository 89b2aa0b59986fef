-- rights: what `reno rights` and `reno whoami` show (first 0002, then 0014), with the
-- basis of each right and duty (0020): the plan's word, quoting it, or the county's own
-- configuration where the document is silent.
--
-- Re-runnable (CREATE OR REPLACE only, DROP when a signature changes): renod migrate
-- applies every file of schema/functions after the migrations, on every run.
--
-- They answer what the unit may write; the read rights are kept out of that list.

DROP FUNCTION IF EXISTS reno_op_list_rights(bigint);
CREATE OR REPLACE FUNCTION reno_op_list_rights(p_account bigint)
RETURNS TABLE ("right" text, scope text, source text, basis text, plan_words text)
LANGUAGE sql STABLE AS $$
    SELECT g.right_name, 'programme', g.source, g.basis, g.plan_words
      FROM account a JOIN unit u ON u.id = a.unit_id
      JOIN right_grant g ON g.programme_id = u.programme_id
     WHERE a.id = p_account AND NOT a.disabled
       AND ((g.grantee_kind = 'role' AND g.grantee = a.role)
            OR (g.grantee_kind = 'unit_kind' AND g.grantee = u.kind)
            OR (g.grantee_kind = 'unit' AND g.grantee = u.code))
       AND g.right_name !~ '\.read(_own)?$'
    UNION ALL
    -- Progress for the projects the unit is named responsible for (project_unit).
    SELECT 'progress.write', p.name, 'responsible unit: ' || pu.duty, pu.basis, pu.plan_words
      FROM account a JOIN project_unit pu ON pu.unit_id = a.unit_id
      JOIN project p ON p.id = pu.project_id
     WHERE a.id = p_account AND a.role IN ('department', 'utility')
    ORDER BY 1, 2
$$;
