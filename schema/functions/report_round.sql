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
--
-- A document a person reads, at any size: every table lists at most a page of rows
-- (reno_report_page_rows, 100). A programme of that many projects or fewer (a county's)
-- gets every row as before. A bigger one (a city's, a province's: tens of thousands of
-- projects, where every row would make a document of a hundred megabytes) gets the
-- page that needs attention first, the totals over all projects and a note saying what
-- was left out and where it is read (the paged status, `reno status`): 一 the projects
-- furthest behind, 三 the milestones overdue, 四 the money per source, 六–八 the first
-- page, the annex's steps per utility in 五 only, the chart the ten projects furthest
-- behind. Its size no longer grows with the programme, and neither does the work of
-- rendering it.

-- The most rows a table of a report lists.
CREATE OR REPLACE FUNCTION reno_report_page_rows() RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT 100
$$;


CREATE OR REPLACE FUNCTION reno_report_round_records(p_programme bigint, p_date date)
RETURNS TABLE (what text, cells text[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    pg programme%ROWTYPE;
    rd record;
    v_on date;
    v_page integer := reno_report_page_rows();
    v_projects integer;
    v_large boolean;
    -- Rows a table lists: all of them, or a page for a large programme.
    v_rows bigint;
    v_total bigint;
    -- An open round of a large programme: section 一's page, the chart's ten projects and
    -- the totals, from one pass over every project's progress (see section 一).
    v_page_cells jsonb;
    v_chart bigint[];
    v_sum record;
BEGIN
    SELECT * INTO pg FROM programme WHERE id = p_programme;
    SELECT * INTO rd FROM reno_sup_rounds(p_programme) r WHERE r.round_on = p_date;
    IF rd.round_on IS NULL THEN
        RAISE EXCEPTION '% is not a collection date of the programme', p_date
            USING ERRCODE = 'RN404', COLUMN = 'subject', DETAIL = 'not_a_round', HINT = p_date;
    END IF;
    v_on := rd.effective_on;
    SELECT count(*) INTO v_projects FROM project p WHERE p.programme_id = p_programme;
    v_large := v_projects > v_page;
    v_rows := CASE WHEN v_large THEN v_page ELSE 9223372036854775807 END;

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
        ('meta', ARRAY['chart_title', CASE WHEN v_large THEN '完工率最低的10个项目开工、完工进度与计划节点'
                                           ELSE '各项目开工、完工进度与计划节点' END]);

    RETURN QUERY SELECT 'table', ARRAY['一、项目进度', '项目', '社区', '改造户数', '已开工',
                                      '开工率', '已完工', '完工率', '最近报送'];
    -- Every project's figures (the closed round's from its snapshot), ranked by how far
    -- behind it is (completion, then start, as shares of its households); a large
    -- programme lists the page furthest behind, in the order of their ids, then the total.
    -- An open round of a large programme reads every project's progress once: the same
    -- ranking gives the page (in the order of the ids), the chart's ten furthest behind
    -- and the totals. Reading it a second time for the chart cost as much as the table.
    IF v_large AND rd.state <> 'closed' THEN
        SELECT jsonb_agg(jsonb_build_array(k.name, k.community, k.h::text, k.st::text,
                                           reno_pct(k.st, k.h), k.co::text, reno_pct(k.co, k.h),
                                           COALESCE(to_char(k.last, 'YYYY-MM-DD'), '未报送'))
                         ORDER BY k.id) FILTER (WHERE k.behind <= v_rows) AS cells,
               array_agg(k.id ORDER BY k.behind) FILTER (WHERE k.behind <= 10) AS chart,
               count(*) AS n, sum(k.h) AS h, sum(k.st) AS st, sum(k.co) AS co
          INTO v_sum
          FROM (SELECT p.id, p.name, p.community, p.households_in_scope AS h,
                       s.households_started AS st, s.households_completed AS co,
                       s.report_date AS last,
                       row_number() OVER (ORDER BY s.households_completed::numeric
                                                   / GREATEST(p.households_in_scope, 1),
                                                   s.households_started::numeric
                                                   / GREATEST(p.households_in_scope, 1),
                                                   p.id) AS behind
                  FROM project p JOIN reno_progress_as_of(p_programme, v_on) s ON s.project_id = p.id
                 WHERE p.programme_id = p_programme) k;
        v_page_cells := v_sum.cells;
        v_chart := v_sum.chart;
        RETURN QUERY
            SELECT 'row', ARRAY(SELECT jsonb_array_elements_text(c.cells))
              FROM jsonb_array_elements(v_page_cells) WITH ORDINALITY AS c(cells, n)
             ORDER BY c.n;
        RETURN QUERY SELECT 'row', ARRAY['合计（' || v_sum.n || '个项目）', '', v_sum.h::text,
                                         v_sum.st::text, reno_pct(v_sum.st, v_sum.h),
                                         v_sum.co::text, reno_pct(v_sum.co, v_sum.h), ''];
    ELSE
        RETURN QUERY
            WITH s AS (
                SELECT s.project_id AS id, s.project_name AS name, p.community,
                       s.households AS h, s.households_started AS st,
                       s.households_completed AS co, s.last_report_date AS last
                  FROM round_snapshot_progress s JOIN project p ON p.id = s.project_id
                 WHERE rd.state = 'closed' AND s.round_close_id = rd.close_id
                UNION ALL
                SELECT p.id, p.name, p.community, p.households_in_scope, s.households_started,
                       s.households_completed, s.report_date
                  FROM project p JOIN reno_progress_as_of(p_programme, v_on) s ON s.project_id = p.id
                 WHERE rd.state <> 'closed' AND p.programme_id = p_programme
            ), k AS (
                SELECT s.*, row_number() OVER (ORDER BY s.co::numeric / GREATEST(s.h, 1),
                                                        s.st::numeric / GREATEST(s.h, 1), s.id) AS behind
                  FROM s
            )
            SELECT x.what, x.cells FROM (
                SELECT 'row'::text AS what,
                       ARRAY[k.name, k.community, k.h::text, k.st::text, reno_pct(k.st, k.h),
                             k.co::text, reno_pct(k.co, k.h),
                             COALESCE(to_char(k.last, 'YYYY-MM-DD'), '未报送')] AS cells
                  FROM k WHERE k.behind <= v_rows ORDER BY k.id) x
            UNION ALL
            SELECT 'row', ARRAY['合计（' || count(*) || '个项目）', '', sum(k.h)::text, sum(k.st)::text,
                                reno_pct(sum(k.st), sum(k.h)), sum(k.co)::text,
                                reno_pct(sum(k.co), sum(k.h)), '']
              FROM k HAVING v_large; -- an aggregate row exists even over no rows: HAVING drops it
    END IF;
    IF v_large THEN
        RETURN QUERY SELECT 'note', ARRAY['共' || v_projects || '个项目，本表列出完工率最低的'
                                          || v_page || '个及全部项目合计；各项目进度见 reno status'
                                          || '（分页查询）。'];
    END IF;

    -- 二、计划节点核查 is added by renod from the rules of common/rules.c.

    RETURN QUERY SELECT 'table', ARRAY['三、节点完成情况（截至收集日应完成的）', '项目', '节点',
                                      '计划完成', '状态', '完成日期'];
    -- A large programme lists the page of milestones overdue and not done (the earliest
    -- due first), then how many were done on time, late, or not at all.
    IF NOT v_large THEN
        RETURN QUERY
            SELECT 'row', ARRAY[p.name, t.title, to_char(m.due, 'YYYY-MM-DD'),
                                CASE WHEN m.done_on IS NOT NULL AND m.done_on <= v_on
                                     THEN CASE WHEN m.done_on <= m.due THEN '按期完成'
                                               ELSE '逾期完成' END
                                     ELSE '逾期未完成' END,
                                COALESCE(CASE WHEN m.done_on <= v_on
                                              THEN to_char(m.done_on, 'YYYY-MM-DD') END, '')]
              FROM project_milestone m
              JOIN project p ON p.id = m.project_id
              JOIN milestone_template t ON t.id = m.template_id
             WHERE p.programme_id = p_programme AND m.due <= v_on
             ORDER BY m.project_id, t.seq;
    ELSE
        -- Two narrow passes (the page, then the counts) instead of one that carried every
        -- milestone's names and state through a materialised table: at 60,000 projects
        -- a million rows of text for a page of a hundred.
        RETURN QUERY
            SELECT 'row', ARRAY[p.name, t.title, to_char(m.due, 'YYYY-MM-DD'), '逾期未完成', '']
              FROM project_milestone m
              JOIN project p ON p.id = m.project_id
              JOIN milestone_template t ON t.id = m.template_id
             WHERE p.programme_id = p_programme AND m.due <= v_on
               AND NOT (m.done_on IS NOT NULL AND m.done_on <= v_on)
             ORDER BY m.due, m.project_id, t.seq LIMIT v_page;
    END IF;
    -- A large programme's page of section 三 ends with the counts of every milestone due.
    -- A small one lists them all above, and has no such note (an aggregate row exists even
    -- over no rows: HAVING drops it; a WHERE alone gave the county's own report a note
    -- that said 0 milestones were due under a table of them).
    RETURN QUERY
        SELECT 'note', ARRAY['截至收集日应完成的节点共' || count(*) || '个：按期完成'
                             || count(*) FILTER (WHERE m.done_on <= v_on AND m.done_on <= m.due)
                             || '个，逾期完成'
                             || count(*) FILTER (WHERE m.done_on <= v_on AND m.done_on > m.due)
                             || '个，逾期未完成'
                             || count(*) FILTER (WHERE NOT (m.done_on IS NOT NULL
                                                            AND m.done_on <= v_on))
                             || '个；本表列出逾期未完成的前' || v_page
                             || '个（按计划完成日期），各项目节点见 reno status（分页查询）。']
          FROM project_milestone m JOIN project p ON p.id = m.project_id
         WHERE p.programme_id = p_programme AND m.due <= v_on
        HAVING v_large;

    RETURN QUERY SELECT 'table', ARRAY['四、资金到位与支付（元）', '项目', '资金来源', '下达',
                                      '到位', '已支付', '可用'];
    -- Per project and source, summed once per table (not a lookup per project); a large
    -- programme gets one row per source over all its projects.
    RETURN QUERY
        WITH scope AS (
            SELECT p.id, p.name FROM project p WHERE p.programme_id = p_programme
        ), money AS (
            SELECT a.project_id, a.source::text AS source,
                   CASE WHEN a.allocated_on <= v_on THEN a.amount ELSE 0 END AS allocated,
                   0::numeric AS received, 0::numeric AS paid
              FROM fund_allocation a JOIN scope ON scope.id = a.project_id
            UNION ALL
            SELECT a.project_id, a.source::text, 0, r.amount, 0
              FROM fund_receipt r JOIN fund_allocation a ON a.id = r.allocation_id
              JOIN scope ON scope.id = a.project_id
             WHERE r.received_on <= v_on
            UNION ALL
            SELECT f.project_id, f.source::text, 0, 0, f.amount
              FROM fund_payment f JOIN scope ON scope.id = f.project_id
             WHERE f.paid_on <= v_on
        ), al AS (
            -- The (project, source) ledgers with money allocated by the date.
            SELECT m.project_id, m.source, sum(m.allocated) AS allocated,
                   sum(m.received) AS received, sum(m.paid) AS paid
              FROM money m
             GROUP BY m.project_id, m.source
            HAVING sum(m.allocated) > 0
        )
        SELECT x.what, x.cells FROM (
            SELECT 'row'::text AS what,
                   ARRAY[scope.name, reno_status_source_name(al.source),
                         to_char(al.allocated, 'FM999999999990.00'),
                         to_char(al.received, 'FM999999999990.00'),
                         to_char(al.paid, 'FM999999999990.00'),
                         to_char(al.received - al.paid, 'FM999999999990.00')] AS cells
              FROM al JOIN scope ON scope.id = al.project_id
             WHERE NOT v_large
             ORDER BY al.project_id, reno_status_source_order(al.source)) x
        UNION ALL
        SELECT y.what, y.cells FROM (
            SELECT 'row'::text AS what,
                   ARRAY['全部' || count(*) || '个项目', reno_status_source_name(al.source),
                         to_char(sum(al.allocated), 'FM999999999990.00'),
                         to_char(sum(al.received), 'FM999999999990.00'),
                         to_char(sum(al.paid), 'FM999999999990.00'),
                         to_char(sum(al.received - al.paid), 'FM999999999990.00')] AS cells
              FROM al WHERE v_large
             GROUP BY al.source ORDER BY reno_status_source_order(al.source)) y;
    IF v_large THEN
        RETURN QUERY SELECT 'note', ARRAY['项目较多，本表按资金来源汇总全部项目；各项目资金见 '
                                          || 'reno status（分页查询）。'];
    END IF;

    -- Per utility, the steps done, under way and planned; every step is in the annex.
    RETURN QUERY SELECT 'table', ARRAY['五、管线入地与架空线规整（按专营单位汇总）', '专营单位',
                                      '项目数', '工序数', '已完成', '施工中', '计划'];
    -- Counted per utility and project first, then per utility: the number of projects is
    -- the number of those groups. A count(DISTINCT) per utility read every step in the
    -- utility's index order instead (a random read of the whole table at 60,000 projects).
    RETURN QUERY
        WITH c AS (
            SELECT w.utility_unit_id, w.project_id, count(*) AS steps,
                   count(*) FILTER (WHERE w.status = 'done' AND w.done_on <= v_on) AS done,
                   count(*) FILTER (WHERE NOT (w.status = 'done' AND w.done_on <= v_on)
                                      AND w.started_on <= v_on) AS doing,
                   count(*) FILTER (WHERE NOT (w.status = 'done' AND w.done_on <= v_on)
                                      AND (w.started_on IS NULL OR w.started_on > v_on)) AS planned
              FROM line_work w
              JOIN project p ON p.id = w.project_id
             WHERE p.programme_id = p_programme
             GROUP BY w.utility_unit_id, w.project_id
        )
        SELECT 'row', ARRAY[u.name, count(*)::text, sum(c.steps)::text, sum(c.done)::text,
                            sum(c.doing)::text, sum(c.planned)::text]
          FROM c JOIN unit u ON u.id = c.utility_unit_id
         GROUP BY u.id, u.name
         ORDER BY u.id;
    IF NOT v_large THEN
        RETURN QUERY SELECT 'note', ARRAY['各工序明细见附件。'];
    END IF;

    RETURN QUERY SELECT 'table', ARRAY['六、各单位报告的问题与需协调事项', '单位', '项目',
                                      '存在问题', '需协调事项'];
    RETURN QUERY
        WITH q AS (
            SELECT s.unit_id, s.project_id, s.problems, s.help_needed
              FROM round_snapshot_report s
             WHERE rd.state = 'closed' AND s.round_close_id = rd.close_id
               AND s.superseded_by IS NULL AND (s.problems <> '' OR s.help_needed <> '')
            UNION ALL
            SELECT r.unit_id, r.project_id, r.problems, r.help_needed
              FROM round_report r JOIN project p ON p.id = r.project_id
             WHERE rd.state <> 'closed' AND p.programme_id = p_programme AND r.round_on = p_date
               AND r.superseded_by IS NULL AND (r.problems <> '' OR r.help_needed <> '')
        )
        SELECT 'row', ARRAY[u.name, p.name, q.problems, q.help_needed]
          FROM q JOIN unit u ON u.id = q.unit_id JOIN project p ON p.id = q.project_id
         ORDER BY u.id, p.id LIMIT v_rows;
    IF v_large THEN
        SELECT count(*) INTO v_total
          FROM (SELECT 1 FROM round_snapshot_report s
                 WHERE rd.state = 'closed' AND s.round_close_id = rd.close_id
                   AND s.superseded_by IS NULL AND (s.problems <> '' OR s.help_needed <> '')
                UNION ALL
                SELECT 1 FROM round_report r JOIN project p ON p.id = r.project_id
                 WHERE rd.state <> 'closed' AND p.programme_id = p_programme
                   AND r.round_on = p_date AND r.superseded_by IS NULL
                   AND (r.problems <> '' OR r.help_needed <> '')) n;
        IF v_total > v_page THEN
            RETURN QUERY SELECT 'note', ARRAY['共' || v_total || '条，本表列出（按单位）前' || v_page
                                              || '条；其余见 reno round reports ' || to_char(p_date, 'YYYY-MM-DD') || '。'];
        END IF;
    END IF;

    -- Late and missing alike: the heading says "not on time", and the notice counts
    -- both from the same definition.
    RETURN QUERY SELECT 'table', ARRAY['七、未按时报送的单位', '单位', '项目', '情况'];
    RETURN QUERY
        WITH t AS MATERIALIZED (
            SELECT t.unit_id, t.project_id, t.timeliness, t.first_reported_on
              FROM reno_round_timeliness(p_programme, p_date) t
             WHERE t.timeliness <> 'on_time'
        )
        SELECT x.what, x.cells FROM (
            SELECT 'row'::text AS what,
                   ARRAY[u.name, p.name,
                         reno_round_timeliness_name(t.timeliness, t.first_reported_on)] AS cells
              FROM t JOIN unit u ON u.id = t.unit_id JOIN project p ON p.id = t.project_id
             ORDER BY u.id, p.id LIMIT v_rows) x
        UNION ALL
        SELECT 'note', ARRAY['共' || count(*) || '条（逾时报送' || count(*) FILTER (WHERE t.timeliness = 'late')
                             || '条、未报送' || count(*) FILTER (WHERE t.timeliness = 'missing')
                             || '条），本表列出（按单位）前' || v_page
                             || '条；其余见 reno round missing 及 reno round reports。']
          FROM t WHERE v_large HAVING count(*) > v_page;
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
         ORDER BY i.deadline, i.id LIMIT v_rows;
    IF v_large THEN
        SELECT count(*) INTO v_total FROM supervision_item i
         WHERE i.programme_id = p_programme AND i.state <> 'closed';
        IF v_total > v_page THEN
            RETURN QUERY SELECT 'note', ARRAY['共' || v_total || '项，本表列出期限最早的' || v_page
                                              || '项；其余见 reno task list。'];
        END IF;
    END IF;

    RETURN QUERY SELECT 'table', ARRAY['附件：管线入地与架空线规整明细', '项目', '专营单位', '区段',
                                      '工序', '状态', '完成日期'];
    IF NOT v_large THEN
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
    ELSE
        RETURN QUERY SELECT 'note', ARRAY['项目较多，各工序明细不随本报告印发：按专营单位的汇总见五，'
                                          || '各项目的工序见 reno status（分页查询）。'];
    END IF;

    -- The chart: each project's share of households started and completed, report by
    -- report; for a large programme, of the ten projects furthest behind (as in 一).
    RETURN QUERY
        WITH charted AS (
            SELECT p.id, p.name, p.households_in_scope FROM project p
             WHERE p.programme_id = p_programme AND NOT v_large
            UNION ALL
            SELECT p.id, p.name, p.households_in_scope FROM project p
             WHERE v_chart IS NOT NULL AND p.id = ANY (v_chart)
            UNION ALL
            SELECT b.id, b.name, b.households_in_scope
              FROM (SELECT p.id, p.name, p.households_in_scope
                      FROM project p JOIN reno_progress_as_of(p_programme, v_on) s ON s.project_id = p.id
                     WHERE p.programme_id = p_programme AND v_large AND v_chart IS NULL
                     ORDER BY s.households_completed::numeric / GREATEST(p.households_in_scope, 1),
                              s.households_started::numeric / GREATEST(p.households_in_scope, 1), p.id
                     LIMIT 10) b
        )
        SELECT 'series', ARRAY[p.name || ' ' || k.label, to_char(r.report_date, 'YYYY-MM-DD'),
                               to_char(round(100.0 * CASE k.label WHEN '开工' THEN r.households_started
                                                                  ELSE r.households_completed END
                                             / GREATEST(p.households_in_scope, 1), 1),
                                       'FM990.0')]
          FROM charted p
          CROSS JOIN (VALUES (1, '开工'), (2, '完工')) AS k(n, label)
          JOIN LATERAL (SELECT DISTINCT ON (pr.report_date) pr.report_date, pr.households_started,
                               pr.households_completed
                          FROM progress_report pr
                         WHERE pr.project_id = p.id AND pr.report_date <= v_on
                         ORDER BY pr.report_date, pr.id DESC) r ON true
         ORDER BY p.id, k.n, r.report_date;
    RETURN QUERY VALUES
        ('mark', ARRAY['开工不低于' || pg.start_share_pct || '%',
                       to_char(pg.start_share_due, 'YYYY-MM-DD'), pg.start_share_pct::text]),
        ('mark', ARRAY['全部开工', to_char(pg.all_started_due, 'YYYY-MM-DD'), '100']),
        ('mark', ARRAY['全面完工', to_char(pg.completion_due, 'YYYY-MM-DD'), '100']);
END $$;
