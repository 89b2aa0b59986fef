-- guards: the plan's preferences and guards in the status (reno_status_guards), first
-- created by 0021_parties.sql; kept here so that each new guard changes one function body
-- in one place.
--
-- Re-runnable (CREATE OR REPLACE only, DROP when a signature changes): renod migrate
-- applies every file of schema/functions after the migrations, on every run.

DROP FUNCTION IF EXISTS reno_status_guards(bigint, date);
DROP FUNCTION IF EXISTS reno_status_guards(bigint, date, bigint);
DROP FUNCTION IF EXISTS reno_status_guards_rows(bigint, date, bigint);

-- The plan's preferences and guards a project does not meet on the date: warnings, each
-- quoting the document, in project order. With p_project, that project's only; with
-- p_projects, those projects' only: the roll-up reads again the guards of the projects a
-- write touched, and a status of one page those of its projects, not the programme's (at
-- 20,000 projects about 170,000 rows, seconds). A project's guards read nothing of the
-- other projects; the one programme-wide input (the finance seat's name) changes only
-- by a write that is no project's, which makes the roll-up compute everything.
CREATE OR REPLACE FUNCTION reno_status_guards_rows(p_programme bigint, p_as_of date,
                                                   p_project bigint DEFAULT NULL,
                                                   p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (project_id bigint, name text, code text, detail text)
LANGUAGE sql STABLE AS $$
    WITH pr AS (
        SELECT p.* FROM project p
         WHERE p.programme_id = p_programme AND (p_project IS NULL OR p.id = p_project)
           AND (p_projects IS NULL OR p.id = ANY (p_projects))
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
        UNION ALL
        -- 资金管理组…指导全县争取城镇老旧小区各类专项资金的申报工作: an application not
        -- submitted by its deadline (0030_plan_duties.sql).
        SELECT pr.id, 70, 'fund_application',
               format('专项资金申报“%s”（%s 元）截止 %s，到 %s 仍未报送：应由资金管理组（%s）办理',
                      f.fund_name, f.amount, f.deadline, p_as_of,
                      COALESCE((SELECT u.name FROM working_group wg JOIN unit u ON u.id = wg.seat_unit_id
                                 WHERE wg.programme_id = p_programme AND wg.code = 'fund_management'),
                               '县财政局'))
          FROM pr JOIN fund_application f ON f.project_id = pr.id
         WHERE reno_fund_application_state(f, p_as_of) = 'overdue'
        UNION ALL
        -- 专营单位的改造计划应与我县城镇老旧小区改造规划和计划有效对接，同步推进实施: a
        -- utility's plan filed by the date that does not meet the project's milestone plan.
        SELECT pr.id, 80, 'utility_plan',
               format('%s的改造计划（%s—%s）与全县改造计划不衔接：%s', u.name, up.starts_on,
                      up.ends_on, reno_utility_plan_gap(up.starts_on, up.ends_on, c.start_by,
                                                        c.complete_by))
          FROM pr JOIN utility_plan up ON up.project_id = pr.id AND up.filed_on <= p_as_of
          JOIN unit u ON u.id = up.utility_unit_id
          CROSS JOIN LATERAL reno_county_plan_of(pr.id) c
         WHERE reno_utility_plan_gap(up.starts_on, up.ends_on, c.start_by, c.complete_by) <> ''
        UNION ALL
        -- ... and a utility working on the project by the date without a plan filed.
        SELECT pr.id, 81, 'utility_plan',
               format('%s已在本项目施工（%s 起），未报送其改造计划：专营单位的改造计划应与全县改造计划有效对接（utility-plan set）',
                      u.name, w.first_on)
          FROM pr JOIN (SELECT lw.project_id, lw.utility_unit_id, min(lw.started_on) AS first_on
                          FROM line_work lw
                         WHERE lw.started_on <= p_as_of
                           -- Said here too: the grouping hides pr's filter from the plan,
                           -- which grouped all the line work for one project (0.8 s).
                           AND (p_project IS NULL OR lw.project_id = p_project)
                           AND (p_projects IS NULL OR lw.project_id = ANY (p_projects))
                         GROUP BY lw.project_id, lw.utility_unit_id) w ON w.project_id = pr.id
          JOIN unit u ON u.id = w.utility_unit_id
         WHERE NOT EXISTS (SELECT 1 FROM utility_plan up
                            WHERE up.project_id = pr.id AND up.utility_unit_id = w.utility_unit_id
                              AND up.filed_on <= p_as_of)
        UNION ALL
        -- 改造后的专营设施…移交给专营单位，并由其负责维护管理: facilities handed over to a
        -- utility whose upkeep it is not recorded to bear.
        SELECT pr.id, 90, 'upkeep',
               format('专营设施已于 %s 移交%s，未登记由其负责维护管理（upkeep set）',
                      h.handed_over_on, u.name)
          FROM pr JOIN line_handover h ON h.project_id = pr.id AND h.handed_over_on <= p_as_of
          JOIN unit u ON u.id = h.utility_unit_id
         WHERE NOT EXISTS (SELECT 1 FROM upkeep k
                            WHERE k.project_id = pr.id AND k.unit_id = h.utility_unit_id
                              AND k.starts_on <= p_as_of)
        UNION ALL
        -- 落实长效管理: a project accepted with nobody recorded to maintain any of it.
        SELECT pr.id, 91, 'upkeep',
               format('已于 %s 竣工验收，未登记移交后由谁维护管理哪些设施（upkeep set）',
                      min(a.accepted_on))
          FROM pr JOIN acceptance a ON a.project_id = pr.id AND a.result = 'passed'
                                   AND a.accepted_on <= p_as_of
         WHERE NOT EXISTS (SELECT 1 FROM upkeep k
                            WHERE k.project_id = pr.id AND k.starts_on <= p_as_of)
         GROUP BY pr.id
    )
    SELECT g.id, pr.name, g.code, g.detail
      FROM g JOIN pr ON pr.id = g.id
     ORDER BY g.id, g.ord, g.detail
$$;

-- Called with its arguments as values (EXECUTE ... USING), so that each call is planned
-- for them: one project's guards, or a page's (p_projects, one statement for all its ids,
-- where one statement per project spent about 7 ms each in planning at 60,000 projects),
-- go through the indexes on project_id instead of the programme-wide plan (as
-- reno_status_phases does, schema/functions/status.sql).
CREATE OR REPLACE FUNCTION reno_status_guards(p_programme bigint, p_as_of date,
                                              p_project bigint DEFAULT NULL,
                                              p_projects bigint[] DEFAULT NULL)
RETURNS TABLE (project_id bigint, name text, code text, detail text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE 'SELECT * FROM reno_status_guards_rows($1, $2, $3, $4)'
        USING p_programme, p_as_of, p_project, p_projects;
END $$;
