-- report_round: the half-monthly report's records (半月调度, 每14日、28日收集项目进展情况
-- 汇总上报县政府、市联席会议办公室), first created by 0010.
--
-- Re-runnable (CREATE OR REPLACE only): renod migrate applies every file of
-- schema/functions after the migrations, on every run.
--
-- Every share is of the households in the renovation scope (households_in_scope; the
-- demolished part of a 拆改结合型 project is outside it), as in the status: a closed
-- round's snapshot stores them (0015), an open round's rows and the chart read them from
-- the project.
--
-- Section 七 lists the units that reported late and those that did not report, by the
-- one definition of timeliness (schema/functions/rounds.sql) the monthly notice counts
-- with, so that the two documents agree.

CREATE OR REPLACE FUNCTION reno_report_round_records(p_programme bigint, p_date date)
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
        ('meta', ARRAY['copies', '领导小组各成员单位']),
        ('meta', ARRAY['date', to_char(v_on, 'YYYY-MM-DD')]),
        ('meta', ARRAY['chart_title', '各项目开工、完工进度与计划节点']);

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
            SELECT 'row', ARRAY[p.name, p.community, p.households_in_scope::text,
                                s.households_started::text,
                                reno_pct(s.households_started, p.households_in_scope),
                                s.households_completed::text,
                                reno_pct(s.households_completed, p.households_in_scope),
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

    -- Per utility, the steps done, under way and planned; every step is in the annex.
    RETURN QUERY SELECT 'table', ARRAY['五、管线入地与架空线规整（按专营单位汇总）', '专营单位',
                                      '项目数', '工序数', '已完成', '施工中', '计划'];
    RETURN QUERY
        SELECT 'row', ARRAY[u.name, count(DISTINCT w.project_id)::text, count(*)::text,
                            count(*) FILTER (WHERE w.status = 'done' AND w.done_on <= v_on)::text,
                            count(*) FILTER (WHERE NOT (w.status = 'done' AND w.done_on <= v_on)
                                               AND w.started_on <= v_on)::text,
                            count(*) FILTER (WHERE NOT (w.status = 'done' AND w.done_on <= v_on)
                                               AND (w.started_on IS NULL OR w.started_on > v_on))::text]
          FROM line_work w
          JOIN project p ON p.id = w.project_id
          JOIN unit u ON u.id = w.utility_unit_id
         WHERE p.programme_id = p_programme
         GROUP BY u.id, u.name
         ORDER BY u.id;
    RETURN QUERY SELECT 'note', ARRAY['各工序明细见附件。'];

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

    -- Late and missing alike: the heading says "not on time", and the notice counts
    -- both from the same definition.
    RETURN QUERY SELECT 'table', ARRAY['七、未按时报送的单位', '单位', '项目', '情况'];
    RETURN QUERY
        SELECT 'row', ARRAY[u.name, p.name,
                            reno_round_timeliness_name(t.timeliness, t.first_reported_on)]
          FROM reno_round_timeliness(p_programme, p_date) t
          JOIN unit u ON u.id = t.unit_id JOIN project p ON p.id = t.project_id
         WHERE t.timeliness <> 'on_time'
         ORDER BY u.id, p.id;
    RETURN QUERY SELECT 'note', ARRAY['报送时限：' || to_char(v_on, 'FMMM"月"FMDD"日"') || '收集，'
                                      || to_char(rd.window_closes_on, 'FMMM"月"FMDD"日"')
                                      || '（含）前报送为按时，之后报送为逾时。'];

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

    RETURN QUERY SELECT 'table', ARRAY['附件：管线入地与架空线规整明细', '项目', '专营单位', '区段',
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

    -- The chart: each project's share of households started and completed, report by
    -- report.
    RETURN QUERY
        SELECT 'series', ARRAY[p.name || ' ' || k.label, to_char(r.report_date, 'YYYY-MM-DD'),
                               to_char(round(100.0 * CASE k.label WHEN '开工' THEN r.households_started
                                                                  ELSE r.households_completed END
                                             / GREATEST(p.households_in_scope, 1), 1),
                                       'FM990.0')]
          FROM project p
          CROSS JOIN (VALUES (1, '开工'), (2, '完工')) AS k(n, label)
          JOIN LATERAL (SELECT DISTINCT ON (pr.report_date) pr.report_date, pr.households_started,
                               pr.households_completed
                          FROM progress_report pr
                         WHERE pr.project_id = p.id AND pr.report_date <= v_on
                         ORDER BY pr.report_date, pr.id DESC) r ON true
         WHERE p.programme_id = p_programme
         ORDER BY p.id, k.n, r.report_date;
    RETURN QUERY VALUES
        ('mark', ARRAY['开工不低于' || pg.start_share_pct || '%',
                       to_char(pg.start_share_due, 'YYYY-MM-DD'), pg.start_share_pct::text]),
        ('mark', ARRAY['全部开工', to_char(pg.all_started_due, 'YYYY-MM-DD'), '100']),
        ('mark', ARRAY['全面完工', to_char(pg.completion_due, 'YYYY-MM-DD'), '100']);
END $$;
