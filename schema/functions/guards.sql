-- guards: the plan's preferences and guards in the status (reno_status_guards), first
-- created by 0021_parties.sql; kept here so that each new guard changes one function body
-- in one place.
--
-- Re-runnable (CREATE OR REPLACE only, DROP when a signature changes): renod migrate
-- applies every file of schema/functions after the migrations, on every run.

-- The plan's preferences and guards a project does not meet on the date: warnings, each
-- quoting the document.
CREATE OR REPLACE FUNCTION reno_status_guards(p_programme bigint, p_as_of date)
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
        UNION ALL
        -- 改造涉及历史文化街区、历史建筑的，严格落实相关保护修缮要求: a historic project
        -- whose renovation list carries no protection and repair (heritage_protection).
        SELECT pr.id, 60, 'historic_protection',
               '涉及历史文化街区、历史建筑，改造清单未列入保护修缮（heritage_protection）：'
               || '严格落实相关保护修缮要求'
          FROM pr
         WHERE pr.historic
           AND NOT EXISTS (SELECT 1 FROM project_item i
                             JOIN content_catalogue c ON c.id = i.catalogue_id
                            WHERE i.project_id = pr.id AND c.code = 'heritage_protection'
                              AND i.status <> 'cancelled')
    )
    SELECT g.id, pr.name, g.code, g.detail
      FROM g JOIN pr ON pr.id = g.id
     ORDER BY g.id, g.ord, g.detail
$$;
