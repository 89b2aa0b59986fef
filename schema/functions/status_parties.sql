-- status_parties: the consolidated status's parties section (reno_status_parties, first
-- defined in 0021_parties.sql), set-based, with the same columns, rows and order.
--
-- Re-runnable: renod migrate applies every file of schema/functions after the migrations.
--
-- 0021's body ran five subqueries and a function call for every project (its parties
-- counted, their kinds listed, the acceptance's missing parties, its joint meetings
-- counted and the last one found): 1.6 s at 20,000 projects with no party recorded at
-- all. Here each table is read once for the programme and grouped by project; the
-- required parties are judged against each project's set of kinds, and a project with no
-- party lacks them all, the one text computed once.
--
-- The totals row names the projects whose acceptance lacks a party, the first ten by id
-- and then how many in all ("…等19998个项目"): the totals row is in every page of the
-- status, so a list of every such project made a page of 50 projects 938 KB at 20,000
-- projects (each Watch reply and each event to its watchers that size, and 10,000 page
-- watchers over the server's output budget). The first ten are the ten least ids of a
-- bounded sort, and the count is counted beside the sums, rather than every such project
-- sorted and numbered twice over.
CREATE OR REPLACE FUNCTION reno_status_parties(p_programme bigint, p_as_of date)
RETURNS TABLE (project_id bigint, name text, parties integer, kinds text,
               missing_for_acceptance text, joint_meetings integer, last_joint_meeting text)
LANGUAGE sql STABLE AS $$
    WITH scope AS (
        SELECT p.id, p.name FROM project p WHERE p.programme_id = p_programme
    ), required AS MATERIALIZED (
        SELECT r.label, r.kinds, r.ord
          FROM reno_party_acceptance_required() WITH ORDINALITY AS r(label, kinds, ord)
    ), lacking_all AS MATERIALIZED (
        SELECT COALESCE(string_agg(r.label, '、' ORDER BY r.ord), '') AS missing FROM required r
    ), pa AS (
        SELECT pa.project_id, count(*)::int AS parties, array_agg(DISTINCT pa.kind) AS kinds
          FROM party pa JOIN scope s ON s.id = pa.project_id
         GROUP BY pa.project_id
    ), jm AS (
        SELECT m.project_id, count(*)::int AS meetings, max(m.held_on) AS last_meeting
          FROM joint_meeting m JOIN scope s ON s.id = m.project_id
         WHERE m.held_on <= p_as_of
         GROUP BY m.project_id
    ), per AS (
        SELECT s.id, s.name, COALESCE(pa.parties, 0) AS parties,
               CASE WHEN pa.project_id IS NULL THEN ''
                    ELSE COALESCE((SELECT string_agg(k.label, '、' ORDER BY k.ord)
                                     FROM (SELECT DISTINCT reno_party_kind_name(x) AS label,
                                                  array_position(ARRAY['builder', 'contractor',
                                                      'supervisor', 'property_company',
                                                      'residents_committee', 'owners_committee',
                                                      'property_management_committee',
                                                      'property_owner',
                                                      'resident_representative'], x) AS ord
                                             FROM unnest(pa.kinds) x) k), '') END AS kinds,
               CASE WHEN pa.project_id IS NULL THEN (SELECT l.missing FROM lacking_all l)
                    ELSE (SELECT COALESCE(string_agg(r.label, '、' ORDER BY r.ord), '')
                            FROM required r WHERE NOT (r.kinds && pa.kinds)) END AS missing,
               COALESCE(jm.meetings, 0) AS meetings, jm.last_meeting
          FROM scope s
          LEFT JOIN pa ON pa.project_id = s.id
          LEFT JOIN jm ON jm.project_id = s.id
    )
    SELECT * FROM (
        SELECT per.id, per.name, per.parties, per.kinds, per.missing, per.meetings,
               COALESCE(reno_status_iso(per.last_meeting), '')
          FROM per ORDER BY per.id
    ) projects
    UNION ALL
    SELECT 0::bigint, '合计', COALESCE(sum(per.parties), 0)::int, '',
           COALESCE((SELECT string_agg(l.name, '、' ORDER BY l.id)
                       FROM (SELECT x.id, x.name FROM per x WHERE x.missing <> ''
                              ORDER BY x.id LIMIT 10) l)
                    || CASE WHEN count(*) FILTER (WHERE per.missing <> '') > 10
                            THEN '等' || count(*) FILTER (WHERE per.missing <> '') || '个项目'
                            ELSE '' END, ''),
           COALESCE(sum(per.meetings), 0)::int, COALESCE(reno_status_iso(max(per.last_meeting)), '')
      FROM per
$$;
