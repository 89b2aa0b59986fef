-- status_project: what renod reads to bring its in-memory status of today up to date
-- by project (server/status_project.c), rather than recomputing every project.
--
-- Re-runnable: renod migrate applies every file of schema/functions after the
-- migrations; 0029_status_project.sql lets the serving role call these.

-- What the writes after position p_after, up to p_upto, touched: one row per programme
-- (0 when the writer's unit has none), project (0 when the write touches no single
-- project, by the same rule as the notification of 0022_positions.sql) and entity (the
-- table written, as the audit log names it). renod reads it in the status's snapshot, so
-- that the projects it refreshes are exactly those changed up to the position it then
-- claims, whatever the notifications said or failed to say, and so that it reads again
-- the sections without a project dimension only when what was written can change them.
--
-- Positions are this database's own (its audit chain). A programme replicated from a
-- county into a city's database (0018_city.sql) changes by audit records of the county's
-- id range, which no range of this database's positions covers: for such a programme the
-- answer is one row "the whole programme" (project 0, entity 'replicated').
CREATE OR REPLACE FUNCTION reno_status_touched(p_programme bigint, p_after bigint,
                                               p_upto bigint)
RETURNS TABLE (programme_id bigint, project_id bigint, entity text)
LANGUAGE sql STABLE AS $$
    SELECT p_programme, 0::bigint, 'replicated'::text
     WHERE EXISTS (SELECT 1 FROM programme g
                    WHERE g.id = p_programme AND reno_site_code() IS NOT NULL
                      AND g.jurisdiction_code IS DISTINCT FROM reno_site_code())
    UNION ALL
    SELECT DISTINCT COALESCE(u.programme_id, 0),
           CASE WHEN a.entity IN ('project', 'project_unit', 'evaluation_conclusion')
                THEN COALESCE(a.entity_id, 0)
                WHEN jsonb_typeof(COALESCE(a.after, a.before) -> 'project_id') = 'number'
                THEN (COALESCE(a.after, a.before) ->> 'project_id')::bigint
                ELSE 0 END,
           a.entity
      FROM audit_log a
      LEFT JOIN unit u ON u.id = a.unit_id
     WHERE a.id > p_after AND a.id <= p_upto
$$;

-- The columns of the status's projects statement (server/sql.c, status_projects), for
-- the given projects of the programme only: each project's progress as of the date and
-- as of each rule's measuring date, by the definition of reno_progress_as_of (the latest
-- report on or before the date, ties broken by the later insert), read through the
-- index for each project instead of for the whole programme.
CREATE OR REPLACE FUNCTION reno_status_projects_some(p_programme bigint, p_as_of date,
                                                     p_share_due date, p_all_due date,
                                                     p_completion_due date, p_ids bigint[])
RETURNS TABLE (id bigint, name text, community text, households_in_scope integer,
               is_sample boolean, households_started integer, households_completed integer,
               report_date text, started_at_share_due integer, started_at_all_due integer,
               completed_at_completion_due integer)
LANGUAGE sql STABLE AS $$
    SELECT p.id, p.name, p.community, p.households_in_scope, p.is_sample,
           COALESCE(n.households_started, 0), COALESCE(n.households_completed, 0),
           COALESCE(to_char(n.report_date, 'YYYY-MM-DD'), ''),
           COALESCE(r1.households_started, 0), COALESCE(r2.households_started, 0),
           COALESCE(r3.households_completed, 0)
      FROM project p
      LEFT JOIN LATERAL (
            SELECT pr.households_started, pr.households_completed, pr.report_date
              FROM progress_report pr
             WHERE pr.project_id = p.id AND pr.report_date <= p_as_of
             ORDER BY pr.report_date DESC, pr.id DESC LIMIT 1) n ON true
      LEFT JOIN LATERAL (
            SELECT pr.households_started FROM progress_report pr
             WHERE pr.project_id = p.id AND pr.report_date <= p_share_due
             ORDER BY pr.report_date DESC, pr.id DESC LIMIT 1) r1 ON true
      LEFT JOIN LATERAL (
            SELECT pr.households_started FROM progress_report pr
             WHERE pr.project_id = p.id AND pr.report_date <= p_all_due
             ORDER BY pr.report_date DESC, pr.id DESC LIMIT 1) r2 ON true
      LEFT JOIN LATERAL (
            SELECT pr.households_completed FROM progress_report pr
             WHERE pr.project_id = p.id AND pr.report_date <= p_completion_due
             ORDER BY pr.report_date DESC, pr.id DESC LIMIT 1) r3 ON true
     WHERE p.programme_id = p_programme AND p.id = ANY (p_ids)
     ORDER BY p.id
$$;
