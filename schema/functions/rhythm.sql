-- rhythm: the plan's rhythm as a section of the status (section 六(四)): 领导小组办公室要对
-- 全县城镇老旧小区改造工作实行半月一调度、一月一通报制度，每14日、28日收集项目进展情况
-- 汇总上报县政府、市联席会议办公室。领导小组原则上每月组织召开一次调度会.
--
-- Re-runnable (CREATE OR REPLACE only): renod migrate applies every file of
-- schema/functions after the migrations, on every run.
--
-- Four duties, each the office's (the leading group's meeting is organised and recorded by
-- its office), each checked from the day the plan was issued (programme.plan_issued_on,
-- 0019; the programme's start when unknown) to its evaluation deadline:
--   round_closed     a collection round closed by the end of its reporting window
--                    (round_close; the window is the round rule's, 2 days by default);
--   round_reported   its half-monthly report issued (issued_report, kind round);
--   monthly_notice   the month's notice (通报) issued within 7 days after the month;
--   monthly_meeting  a scheduling meeting held within the month.
-- A duty counts once its due date is before the status's date. Whether it was done is
-- read from the records as they stand, not from when they were written: reno keeps the
-- server's clock time of a closing or an issue, which says nothing about the plan's
-- calendar when a year is recorded afterwards.
--
-- Rows: per duty, its summary first (period ''; kept when nothing is missing; its
-- names the first missed periods), then each missed period. Columns are named after the
-- fields of StatusRhythm (proto/reno.proto).

CREATE OR REPLACE FUNCTION reno_status_rhythm(p_programme bigint, p_date date)
RETURNS TABLE (code text, title text, period text, due text, unit_code text, unit_name text,
               kept boolean, due_count integer, missed_count integer, detail text)
LANGUAGE sql STABLE AS $$
    WITH prog AS (
        SELECT COALESCE(g.plan_issued_on, g.starts_on) AS from_on, g.evaluation_due
          FROM programme g WHERE g.id = p_programme
    ), office AS (
        -- Named with its director and deputy (0030_plan_duties.sql) where it says who
        -- should have acted.
        SELECT u.code, u.name, reno_office_named(p_programme, u.name) AS named FROM unit u
         WHERE u.programme_id = p_programme AND u.kind = 'office'
         ORDER BY u.id LIMIT 1
    ), rounds AS (
        SELECT r.round_on, r.window_closes_on AS due, r.close_id IS NOT NULL AS closed,
               EXISTS (SELECT 1 FROM issued_report i
                        WHERE i.programme_id = p_programme AND i.kind = 'round'
                          AND i.subject = to_char(r.round_on, 'YYYY-MM-DD')) AS reported
          FROM reno_sup_rounds(p_programme) r CROSS JOIN prog
         WHERE r.round_on >= prog.from_on AND r.window_closes_on < p_date
    ), months AS (
        SELECT m::date AS first_day, (m + interval '1 month')::date - 1 AS last_day
          FROM prog CROSS JOIN generate_series(date_trunc('month', prog.from_on),
                                               date_trunc('month', prog.evaluation_due),
                                               interval '1 month') AS m
    ), items AS (
        SELECT 'round_closed' AS code, to_char(r.round_on, 'YYYY-MM-DD') AS period,
               r.due, r.closed AS kept
          FROM rounds r
        UNION ALL
        SELECT 'round_reported', to_char(r.round_on, 'YYYY-MM-DD'), r.due, r.reported
          FROM rounds r
        UNION ALL
        SELECT 'monthly_notice', to_char(m.first_day, 'YYYY-MM'), m.last_day + 7,
               EXISTS (SELECT 1 FROM issued_report i
                        WHERE i.programme_id = p_programme AND i.kind = 'notice'
                          AND i.subject = to_char(m.first_day, 'YYYY-MM'))
          FROM months m WHERE m.last_day + 7 < p_date
        UNION ALL
        SELECT 'monthly_meeting', to_char(m.first_day, 'YYYY-MM'), m.last_day,
               EXISTS (SELECT 1 FROM scheduling_meeting s
                        WHERE s.programme_id = p_programme
                          AND s.held_on BETWEEN m.first_day AND m.last_day)
          FROM months m WHERE m.last_day < p_date
    ), duty (ord, code, title, missed_text) AS (VALUES
        (1, 'round_closed', '半月一调度：收集日的调度轮次按时关闭',
            '%s 收集的调度轮次到 %s 仍未关闭（round close）'),
        (2, 'round_reported', '半月一调度：汇总上报县政府、市联席会议办公室',
            '%s 收集的半月调度报告到 %s 仍未签发上报（report round）'),
        (3, 'monthly_notice', '一月一通报：每月签发通报',
            '%s 的月通报到 %s 仍未签发（report notice）'),
        (4, 'monthly_meeting', '每月一次调度会（领导小组，办公室组织）',
            '%s 没有召开调度会（应在 %s 前，meeting record）')
    ), summary AS (
        SELECT d.ord, d.code, d.title,
               count(i.code)::integer AS due_count,
               (count(i.code) FILTER (WHERE NOT i.kept))::integer AS missed_count,
               string_agg(i.period, '、' ORDER BY i.period) FILTER (WHERE NOT i.kept)
                   AS missed_periods
          FROM duty d LEFT JOIN items i ON i.code = d.code
         GROUP BY d.ord, d.code, d.title
    )
    SELECT s.code, s.title, '', '', o.code, o.name, s.missed_count = 0, s.due_count,
           s.missed_count,
           CASE WHEN s.missed_count = 0
                THEN format('%s：到 %s 应办 %s 次，均已办理', s.title, p_date, s.due_count)
                ELSE format('%s：到 %s 应办 %s 次，缺 %s 次（%s），应由%s办理', s.title, p_date,
                            s.due_count, s.missed_count, left(s.missed_periods, 200), o.named)
           END
      FROM summary s CROSS JOIN office o
    UNION ALL
    SELECT i.code, d.title, i.period, to_char(i.due, 'YYYY-MM-DD'), o.code, o.name, false, 1, 1,
           format(d.missed_text, i.period, to_char(i.due, 'YYYY-MM-DD')) || '，应由' || o.named
               || '办理'
      FROM items i JOIN duty d ON d.code = i.code CROSS JOIN office o
     WHERE NOT i.kept
     ORDER BY 1, 3
$$;
