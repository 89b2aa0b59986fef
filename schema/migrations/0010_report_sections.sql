-- 0010_report_sections: the reports' content (0008 keeps them as issued), drawing on
-- every area's data. Fund sources, segments and line-work steps appear by their Chinese
-- names, in the order the work is done.
--
-- The half-monthly report follows the collection rounds (0006): it is dated the round's
-- effective date (the weekend rule applied), and a closed round is reported from its
-- frozen snapshot, so that what is sent up is what was frozen. It gains the funds, the
-- line work, the problems and requests units reported, the units that did not report
-- and the supervision items still open. The monthly notice (通报) and a project's
-- performance evaluation (绩效评估) join it. reno_report_data's record contract is
-- described in 0008.

CREATE FUNCTION reno_segment_name(p_segment text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_segment WHEN 'inside_red_line' THEN '红线内' WHEN 'outside_red_line' THEN '红线外'
                          WHEN 'overhead' THEN '架空线' ELSE p_segment END
$$;

CREATE FUNCTION reno_report_round_records(p_programme bigint, p_date date)
RETURNS TABLE (what text, cells text[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    pg programme%ROWTYPE;
    rd record;
    v_on date;
BEGIN
    SELECT * INTO pg FROM programme WHERE id = p_programme;
    SELECT * INTO rd FROM reno_sup_rounds(p_programme) r WHERE r.round_on = p_date;
    IF rd.round_on IS NULL THEN
        RAISE EXCEPTION '% is not a collection date of the programme', p_date
            USING ERRCODE = 'RN404', COLUMN = 'subject';
    END IF;
    v_on := rd.effective_on;

    RETURN QUERY VALUES
        ('meta', ARRAY['title', pg.title || '工作进展情况']),
        ('meta', ARRAY['subtitle', '半月调度（' || to_char(p_date, 'YYYY"年"FMMM"月"FMDD"日"')
                                   || '收集，数据截至' || to_char(v_on, 'YYYY"年"FMMM"月"FMDD"日"')
                                   || CASE WHEN rd.state = 'closed' THEN '，已冻结' ELSE '' END
                                   || '）']),
        ('meta', ARRAY['issuer', '紫云自治县城镇老旧小区改造工作领导小组办公室（县住房和城乡建设局代章）']),
        ('meta', ARRAY['recipients', '县人民政府、市联席会议办公室']),
        ('meta', ARRAY['date', to_char(v_on, 'YYYY-MM-DD')]),
        ('meta', ARRAY['chart_title', '各项目开工进度与计划节点']);

    RETURN QUERY SELECT 'table', ARRAY['一、项目进度', '项目', '社区', '改造户数', '已开工',
                                      '开工率', '已完工', '完工率', '最近报送'];
    IF rd.state = 'closed' THEN
        RETURN QUERY
            SELECT 'row', ARRAY[s.project_name, p.community, s.households::text,
                                s.households_started::text,
                                reno_pct(s.households_started, s.households),
                                s.households_completed::text,
                                reno_pct(s.households_completed, s.households),
                                COALESCE(to_char(s.last_report_date, 'YYYY-MM-DD'), '未报送')]
              FROM round_snapshot_progress s JOIN project p ON p.id = s.project_id
             WHERE s.round_close_id = rd.close_id ORDER BY s.project_id;
    ELSE
        RETURN QUERY
            SELECT 'row', ARRAY[p.name, p.community, p.households::text,
                                s.households_started::text,
                                reno_pct(s.households_started, p.households),
                                s.households_completed::text,
                                reno_pct(s.households_completed, p.households),
                                COALESCE(to_char(s.report_date, 'YYYY-MM-DD'), '未报送')]
              FROM project p JOIN reno_progress_as_of(p_programme, v_on) s ON s.project_id = p.id
             WHERE p.programme_id = p_programme ORDER BY p.id;
    END IF;

    -- 二、计划节点核查 is added by renod from the rules of common/rules.c.

    RETURN QUERY SELECT 'table', ARRAY['三、节点完成情况（截至收集日应完成的）', '项目', '节点',
                                      '计划完成', '状态', '完成日期'];
    RETURN QUERY
        SELECT 'row', ARRAY[p.name, t.title, to_char(m.due, 'YYYY-MM-DD'),
                            CASE WHEN m.done_on IS NOT NULL AND m.done_on <= v_on
                                 THEN CASE WHEN m.done_on <= m.due THEN '按期完成' ELSE '逾期完成' END
                                 ELSE '逾期未完成' END,
                            COALESCE(CASE WHEN m.done_on <= v_on
                                          THEN to_char(m.done_on, 'YYYY-MM-DD') END, '')]
          FROM project_milestone m
          JOIN project p ON p.id = m.project_id
          JOIN milestone_template t ON t.id = m.template_id
         WHERE p.programme_id = p_programme AND m.due <= v_on
         ORDER BY p.id, t.seq;

    RETURN QUERY SELECT 'table', ARRAY['四、资金到位与支付（元）', '项目', '资金来源', '下达',
                                      '到位', '已支付', '可用'];
    RETURN QUERY
        WITH alloc AS (
            SELECT a.project_id, a.source::text AS source,
                   sum(a.amount) FILTER (WHERE a.allocated_on <= v_on) AS allocated,
                   COALESCE((SELECT sum(r.amount) FROM fund_receipt r
                               JOIN fund_allocation a2 ON a2.id = r.allocation_id
                              WHERE a2.project_id = a.project_id AND a2.source = a.source
                                AND r.received_on <= v_on), 0) AS received,
                   COALESCE((SELECT sum(f.amount) FROM fund_payment f
                              WHERE f.project_id = a.project_id AND f.source = a.source
                                AND f.paid_on <= v_on), 0) AS paid
              FROM fund_allocation a
             GROUP BY a.project_id, a.source)
        SELECT 'row', ARRAY[p.name, reno_status_source_name(al.source), to_char(COALESCE(al.allocated, 0), 'FM999999999990.00'),
                            to_char(al.received, 'FM999999999990.00'),
                            to_char(al.paid, 'FM999999999990.00'),
                            to_char(al.received - al.paid, 'FM999999999990.00')]
          FROM alloc al JOIN project p ON p.id = al.project_id
         WHERE p.programme_id = p_programme AND COALESCE(al.allocated, 0) > 0
         ORDER BY p.id, reno_status_source_order(al.source);

    RETURN QUERY SELECT 'table', ARRAY['五、管线入地与架空线规整', '项目', '专营单位', '区段',
                                      '工序', '状态', '完成日期'];
    RETURN QUERY
        SELECT 'row', ARRAY[p.name, u.name, reno_segment_name(w.segment), reno_fld_part_name(w.part),
                            CASE WHEN w.status = 'done' AND w.done_on <= v_on THEN '已完成'
                                 WHEN w.started_on <= v_on THEN '施工中' ELSE '计划' END,
                            COALESCE(CASE WHEN w.done_on <= v_on
                                          THEN to_char(w.done_on, 'YYYY-MM-DD') END, '')]
          FROM line_work w
          JOIN project p ON p.id = w.project_id
          JOIN unit u ON u.id = w.utility_unit_id
         WHERE p.programme_id = p_programme
         ORDER BY p.id, u.id, w.segment, array_position(reno_fld_segment_parts(w.segment), w.part);

    RETURN QUERY SELECT 'table', ARRAY['六、各单位报告的问题与需协调事项', '单位', '项目',
                                      '存在问题', '需协调事项'];
    IF rd.state = 'closed' THEN
        RETURN QUERY
            SELECT 'row', ARRAY[u.name, p.name, s.problems, s.help_needed]
              FROM round_snapshot_report s
              JOIN unit u ON u.id = s.unit_id JOIN project p ON p.id = s.project_id
             WHERE s.round_close_id = rd.close_id AND s.superseded_by IS NULL
               AND (s.problems <> '' OR s.help_needed <> '')
             ORDER BY u.id, p.id;
    ELSE
        RETURN QUERY
            SELECT 'row', ARRAY[u.name, p.name, r.problems, r.help_needed]
              FROM round_report r
              JOIN unit u ON u.id = r.unit_id JOIN project p ON p.id = r.project_id
             WHERE p.programme_id = p_programme AND r.round_on = p_date
               AND r.superseded_by IS NULL AND (r.problems <> '' OR r.help_needed <> '')
             ORDER BY u.id, p.id;
    END IF;

    RETURN QUERY SELECT 'table', ARRAY['七、未按时报送的单位', '单位', '项目'];
    RETURN QUERY
        SELECT 'row', ARRAY[u.name, p.name]
          FROM (SELECT s.unit_id, s.project_id FROM round_snapshot_missing s
                 WHERE rd.state = 'closed' AND s.round_close_id = rd.close_id
                UNION ALL
                SELECT m.unit_id, m.project_id FROM reno_sup_missing(p_programme, p_date) m
                 WHERE rd.state <> 'closed') x
          JOIN unit u ON u.id = x.unit_id JOIN project p ON p.id = x.project_id
         ORDER BY u.id, p.id;

    -- Items not yet closed when the report is issued (their state now, not as of the
    -- collection date: a report describes what is still open when it goes up).
    RETURN QUERY SELECT 'table', ARRAY['八、督查督办事项（未办结）', '责任单位', '事项', '期限',
                                      '状态', '来源'];
    RETURN QUERY
        SELECT 'row', ARRAY[u.name, i.title, to_char(i.deadline, 'YYYY-MM-DD'),
                            CASE WHEN i.deadline < v_on THEN '逾期' ELSE '' END
                            || CASE i.state WHEN 'open' THEN '待办' WHEN 'replied' THEN '已答复待审'
                                            WHEN 'returned' THEN '退回重办' ELSE i.state END,
                            i.source]
          FROM supervision_item i JOIN unit u ON u.id = i.unit_id
         WHERE i.programme_id = p_programme AND i.state <> 'closed'
         ORDER BY i.deadline, i.id;

    -- The chart: each project's share of households started, report by report.
    RETURN QUERY
        SELECT 'series', ARRAY[p.name, to_char(r.report_date, 'YYYY-MM-DD'),
                               to_char(round(100.0 * r.households_started / p.households, 1),
                                       'FM990.0')]
          FROM project p
          JOIN LATERAL (SELECT DISTINCT ON (pr.report_date) pr.report_date, pr.households_started
                          FROM progress_report pr
                         WHERE pr.project_id = p.id AND pr.report_date <= v_on
                         ORDER BY pr.report_date, pr.id DESC) r ON true
         WHERE p.programme_id = p_programme
         ORDER BY p.id, r.report_date;
    RETURN QUERY VALUES
        ('mark', ARRAY['开工不低于' || pg.start_share_pct || '%',
                       to_char(pg.start_share_due, 'YYYY-MM-DD'), pg.start_share_pct::text]),
        ('mark', ARRAY['全部开工', to_char(pg.all_started_due, 'YYYY-MM-DD'), '100']),
        ('mark', ARRAY['全面完工', to_char(pg.completion_due, 'YYYY-MM-DD'), '100']);
END $$;

-- The monthly notice (一月一通报): per responsible unit, how it reported in the month's
-- rounds (on time, late, missing) and its supervision items overdue at month end,
-- ranked best first.
CREATE FUNCTION reno_report_notice_records(p_programme bigint, p_month date)
RETURNS TABLE (what text, cells text[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    pg programme%ROWTYPE;
    v_end date := (p_month + interval '1 month' - interval '1 day')::date;
BEGIN
    SELECT * INTO pg FROM programme WHERE id = p_programme;
    RETURN QUERY VALUES
        ('meta', ARRAY['title', pg.title || '工作通报']),
        ('meta', ARRAY['subtitle', to_char(p_month, 'YYYY"年"FMMM"月"')]),
        ('meta', ARRAY['issuer', '紫云自治县城镇老旧小区改造工作领导小组办公室（县住房和城乡建设局代章）']),
        ('meta', ARRAY['recipients', '领导小组各成员单位']),
        ('meta', ARRAY['date', to_char(v_end, 'YYYY-MM-DD')]);
    RETURN QUERY SELECT 'table', ARRAY['一、本月各单位报送与督办情况（按名次）', '名次', '单位',
                                      '应报', '按时', '逾时', '未报', '逾期督办事项'];
    RETURN QUERY
        WITH rounds AS (
            SELECT r.round_on, r.window_closes_on FROM reno_sup_rounds(p_programme) r
             WHERE r.round_on BETWEEN p_month AND v_end AND r.state <> 'upcoming'),
        duty AS (
            SELECT DISTINCT pu.unit_id, pu.project_id FROM project_unit pu
              JOIN project p ON p.id = pu.project_id WHERE p.programme_id = p_programme),
        cells AS (
            SELECT d.unit_id, ro.round_on,
                   (SELECT min(rr.submitted_at) FROM round_report rr
                     WHERE rr.unit_id = d.unit_id AND rr.project_id = d.project_id
                       AND rr.round_on = ro.round_on) AS first_at,
                   ro.window_closes_on
              FROM duty d CROSS JOIN rounds ro),
        per_unit AS (
            SELECT c.unit_id, count(*) AS due,
                   count(*) FILTER (WHERE c.first_at IS NOT NULL
                                      AND c.first_at::date <= c.window_closes_on) AS on_time,
                   count(*) FILTER (WHERE c.first_at IS NOT NULL
                                      AND c.first_at::date > c.window_closes_on) AS late,
                   count(*) FILTER (WHERE c.first_at IS NULL) AS missing
              FROM cells c GROUP BY c.unit_id),
        overdue AS (
            SELECT i.unit_id, count(*) AS n FROM supervision_item i
             WHERE i.programme_id = p_programme AND i.deadline <= v_end
               AND NOT EXISTS (SELECT 1 FROM supervision_event e
                                WHERE e.item_id = i.id AND e.action = 'closed'
                                  AND e.at::date <= v_end)
             GROUP BY i.unit_id)
        SELECT 'row', ARRAY[(row_number() OVER (ORDER BY pu.missing, pu.late,
                                                COALESCE(o.n, 0), u.id))::text,
                            u.name, pu.due::text, pu.on_time::text, pu.late::text,
                            pu.missing::text, COALESCE(o.n, 0)::text]
          FROM per_unit pu JOIN unit u ON u.id = pu.unit_id
          LEFT JOIN overdue o ON o.unit_id = pu.unit_id
         ORDER BY pu.missing, pu.late, COALESCE(o.n, 0), u.id;
END $$;

-- A project's performance evaluation (绩效评估) along the work plan's five dimensions.
CREATE FUNCTION reno_report_evaluation_records(p_programme bigint, p_project bigint)
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
        ('meta', ARRAY['subtitle', pr.community || '，' || pr.households || '户']),
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

-- A report's records, numbered in order, flattened to one row per cell, after the
-- audit-log position the data was read at.
CREATE TYPE reno_report_record AS (what text, cells text[]);

CREATE FUNCTION reno_report_flatten(p_records reno_report_record[])
RETURNS TABLE (seq bigint, what text, col bigint, value text)
LANGUAGE sql STABLE AS $$
    WITH recs AS (
        SELECT r.n, r.what, r.cells FROM unnest(p_records) WITH ORDINALITY AS r(what, cells, n)
        UNION ALL
        SELECT 0, 'meta', ARRAY['audit_position',
                                (SELECT COALESCE(max(id), 0) FROM audit_log)::text])
    SELECT recs.n, recs.what, c.ord, c.value
      FROM recs, unnest(recs.cells) WITH ORDINALITY AS c(value, ord)
     ORDER BY recs.n, c.ord
$$;

CREATE FUNCTION reno_report_data(p_account bigint, p_kind text, p_subject text)
RETURNS TABLE (seq bigint, what text, col bigint, value text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_programme bigint := reno_programme_of(p_account);
BEGIN
    PERFORM reno_require(p_account, 'report.issue');
    IF p_kind = 'notice' AND p_subject !~ '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN
        RAISE EXCEPTION 'a notice''s subject is its month, YYYY-MM'
            USING ERRCODE = 'check_violation', COLUMN = 'subject';
    END IF;
    IF p_kind = 'evaluation' AND p_subject !~ '^[1-9][0-9]{0,17}$' THEN
        RAISE EXCEPTION 'an evaluation''s subject is a project id'
            USING ERRCODE = 'check_violation', COLUMN = 'subject';
    END IF;
    -- One branch per kind: each subject is parsed only by its own kind.
    IF p_kind = 'round' THEN
        RETURN QUERY SELECT * FROM reno_report_flatten(
            ARRAY(SELECT ROW(r.what, r.cells)::reno_report_record
                    FROM reno_report_round_records(v_programme, p_subject::date)
                         WITH ORDINALITY AS r(what, cells, n) ORDER BY r.n));
    ELSIF p_kind = 'notice' THEN
        RETURN QUERY SELECT * FROM reno_report_flatten(
            ARRAY(SELECT ROW(r.what, r.cells)::reno_report_record
                    FROM reno_report_notice_records(v_programme, (p_subject || '-01')::date)
                         WITH ORDINALITY AS r(what, cells, n) ORDER BY r.n));
    ELSE
        RETURN QUERY SELECT * FROM reno_report_flatten(
            ARRAY(SELECT ROW(r.what, r.cells)::reno_report_record
                    FROM reno_report_evaluation_records(v_programme, p_subject::bigint)
                         WITH ORDINALITY AS r(what, cells, n) ORDER BY r.n));
    END IF;
END $$;
