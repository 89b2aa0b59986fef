-- Surveys and notices of one project (or all), in date order, with percentages: of the
-- project's households asked, and of those asked who agreed (or were satisfied). A
-- project's households are those in the renovation's scope (0015): a survey may ask no
-- more than those (resident_survey_check_households), so "asked" is a share of them, as
-- in the status's surveys section. First defined in 0005_field.sql; kept here since.
CREATE OR REPLACE FUNCTION reno_op_list_surveys(p_account bigint, p_project_id bigint)
RETURNS TABLE (id bigint, project_id bigint, project_name text, kind text, held_on text,
               ends_on text, households integer, households_asked integer,
               households_agreeing integer, asked_pct double precision,
               agreeing_pct double precision, comments_received integer, note text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    SELECT e.id, p.id, p.name, e.kind, reno_fld_iso(e.held_on), reno_fld_iso(e.ends_on),
           p.households_in_scope, e.asked, e.agreeing,
           CASE WHEN e.asked IS NULL THEN NULL
                ELSE round(100.0 * e.asked / p.households_in_scope, 1)::double precision END,
           CASE WHEN e.asked IS NULL THEN NULL
                ELSE round(100.0 * e.agreeing / e.asked, 1)::double precision END,
           e.comments, e.note
      FROM (SELECT s.id, s.project_id, s.kind, s.surveyed_on AS held_on, NULL::date AS ends_on,
                   s.households_asked AS asked, s.households_agreeing AS agreeing,
                   NULL::integer AS comments, s.note
              FROM resident_survey s
            UNION ALL
            SELECT n.id, n.project_id, 'notice', n.starts_on, n.ends_on, NULL, NULL,
                   n.comments_received, n.changes_made
              FROM plan_notice n) e
      JOIN project p ON p.id = e.project_id
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR p.id = p_project_id)
     ORDER BY p.id, e.held_on, e.kind, e.id;
END $$;
