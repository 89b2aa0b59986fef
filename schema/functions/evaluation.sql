-- The evaluation report of one project (绩效评估报告). First defined in 0010_report_sections.sql;
-- kept here since. Its subtitle counts the households in the renovation's scope (0015),
-- as the evaluation itself does, and names the demolished households left outside it.
CREATE OR REPLACE FUNCTION reno_report_evaluation_records(p_programme bigint, p_project bigint)
RETURNS TABLE (what text, cells text[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    pr project%ROWTYPE;
    con evaluation_conclusion%ROWTYPE;
BEGIN
    SELECT * INTO pr FROM project WHERE id = p_project AND programme_id = p_programme;
    IF pr.id IS NULL THEN
        RAISE EXCEPTION 'project % not found', p_project
            USING ERRCODE = 'RN404', COLUMN = 'subject';
    END IF;
    SELECT * INTO con FROM evaluation_conclusion WHERE project_id = p_project;
    RETURN QUERY VALUES
        ('meta', ARRAY['title', pr.name || '绩效评估报告']),
        ('meta', ARRAY['subtitle', pr.community || '，' || pr.households_in_scope || '户'
                                   || CASE WHEN pr.demolished_households > 0
                                           THEN '（另拆除 ' || pr.demolished_households
                                                || ' 户，不纳入改造范围）'
                                           ELSE '' END]),
        ('meta', ARRAY['issuer', '县住房和城乡建设局']),
        ('meta', ARRAY['recipients', '市住房和城乡建设局']),
        ('meta', ARRAY['date', COALESCE(to_char(con.concluded_on, 'YYYY-MM-DD'), '')]);
    RETURN QUERY SELECT 'table', ARRAY['一、验收与长效管理', '事项', '情况'];
    RETURN QUERY
        SELECT 'row', ARRAY['联合竣工验收', COALESCE((SELECT to_char(a.accepted_on, 'YYYY-MM-DD')
                                                       || CASE a.result WHEN 'passed' THEN ' 合格' ELSE ' 不合格' END
                                                  FROM acceptance a WHERE a.project_id = p_project
                                                 ORDER BY a.accepted_on DESC LIMIT 1), '未验收')]
        UNION ALL
        SELECT 'row', ARRAY['验收资料', (SELECT count(*) FROM acceptance_copy c
                                           JOIN acceptance a ON a.id = c.acceptance_id
                                          WHERE a.project_id = p_project)::text || ' / 3 份']
        UNION ALL
        SELECT 'row', ARRAY['决算审计', COALESCE((SELECT to_char(f.audited_on, 'YYYY-MM-DD') || ' '
                                                       || to_char(f.audited_amount, 'FM999999999990.00')
                                                       || ' 元（' || f.auditor || '）'
                                                  FROM final_audit f WHERE f.project_id = p_project),
                                                 '未审计')]
        UNION ALL
        SELECT 'row', ARRAY['长效管理', COALESCE((SELECT m.mode || '：' || m.provider
                                                  FROM management_arrangement m
                                                 WHERE m.project_id = p_project), '未落实')];
    RETURN QUERY SELECT 'table', ARRAY['二、评估维度', '维度', '评分', '量值', '户数', '说明'];
    RETURN QUERY
        SELECT 'row', ARRAY[reno_fld_dimension_name(e.dimension), e.score::text,
                            to_char(e.value, 'FM999999999990.00'),
                            CASE WHEN e.households > 0 THEN e.households::text ELSE '' END, e.note]
          FROM evaluation_item e WHERE e.project_id = p_project
         ORDER BY array_position(ARRAY['area_households', 'content', 'standards',
                                       'matching_funds', 'management'], e.dimension);
    RETURN QUERY SELECT 'table', ARRAY['三、评估结论', '结论', '上报市住建局'];
    RETURN QUERY
        SELECT 'row', ARRAY[con.conclusion, COALESCE(to_char(con.reported_on, 'YYYY-MM-DD'), '')]
         WHERE con.project_id IS NOT NULL;
END $$;
