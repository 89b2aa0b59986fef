-- reports: the monthly notice's content function (0010) as it is now (the half-monthly
-- report's is in report_round.sql), and how a report is previewed or issued.
-- Re-runnable: renod migrate applies it after the migrations on every run.
--
-- Timeliness in both the half-monthly report (section 七) and the monthly notice is
-- schema/functions/rounds.sql's one definition, so that the two documents agree.
-- A 'note' record ([text]) follows a table and is printed under it.

-- The monthly notice (一月一通报): per responsible unit, how it reported in the month's
-- rounds (on time, late, missing) and its supervision items overdue at month end,
-- ranked best first.
CREATE OR REPLACE FUNCTION reno_report_notice_records(p_programme bigint, p_month date)
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
        ('meta', ARRAY['copies', '县人民政府、市联席会议办公室']),
        ('meta', ARRAY['date', to_char(v_end, 'YYYY-MM-DD')]);
    RETURN QUERY SELECT 'table', ARRAY['一、本月各单位报送与督办情况（按名次）', '名次', '单位',
                                      '应报', '按时', '逾时', '未报', '逾期督办事项'];
    RETURN QUERY
        WITH rounds AS (
            SELECT r.round_on FROM reno_sup_rounds(p_programme) r
             WHERE r.round_on BETWEEN p_month AND v_end AND r.state <> 'upcoming'),
        cells AS (
            SELECT t.unit_id, t.timeliness
              FROM rounds ro CROSS JOIN LATERAL reno_round_timeliness(p_programme, ro.round_on) t),
        per_unit AS (
            SELECT c.unit_id, count(*) AS due,
                   count(*) FILTER (WHERE c.timeliness = 'on_time') AS on_time,
                   count(*) FILTER (WHERE c.timeliness = 'late') AS late,
                   count(*) FILTER (WHERE c.timeliness = 'missing') AS missing
              FROM cells c GROUP BY c.unit_id),
        overdue AS (
            SELECT i.unit_id, count(*) AS n FROM supervision_item i
             WHERE i.programme_id = p_programme AND i.deadline <= v_end
               AND NOT EXISTS (SELECT 1 FROM supervision_event e
                                WHERE e.item_id = i.id AND e.action = 'closed'
                                  AND e.at::date <= v_end)
             GROUP BY i.unit_id),
        ranked AS (
            -- Standard competition ranking: equal records share a rank and the next
            -- rank skips as many places (1, 1, 3).
            SELECT pu.*, COALESCE(o.n, 0) AS overdue_n,
                   rank() OVER (ORDER BY pu.missing, pu.late, COALESCE(o.n, 0)) AS place
              FROM per_unit pu LEFT JOIN overdue o ON o.unit_id = pu.unit_id)
        SELECT 'row', ARRAY[r.place::text, u.name, r.due::text, r.on_time::text, r.late::text,
                            r.missing::text, r.overdue_n::text]
          FROM ranked r JOIN unit u ON u.id = r.unit_id
         ORDER BY r.place, u.id;
    RETURN QUERY SELECT 'note', ARRAY[
        '名次依次按未报次数、逾时次数、逾期督办事项数从少到多排列；三项均相同的单位名次并列，'
        || '其后的名次顺延（如 1、1、3）。按时、逾时以每轮收集日起至报送截止日（含）为准，'
        || '以各单位报送所载日期计。'];
END $$;


-- ---- Preview and issue -------------------------------------------------------------------
-- A report is previewed (rendered, stored nowhere) unless the office issues it. An issued
-- report carries its 文号 and is the one current document of its kind and subject until
-- a later one names it as the report it replaces; the replaced one stays, marked.

CREATE OR REPLACE FUNCTION reno_report_kind_name(p_kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_kind WHEN 'round' THEN '半月调度报告' WHEN 'notice' THEN '通报'
                       WHEN 'evaluation' THEN '绩效评估报告' ELSE p_kind END
$$;

-- The next 文号 of a programme in a year: N counts the year's issued reports from 1.
CREATE OR REPLACE FUNCTION reno_report_next_number(p_programme bigint, p_year integer)
RETURNS TABLE (doc_seq integer, doc_number text)
LANGUAGE sql STABLE AS $$
    SELECT n.seq, replace(replace(pg.doc_number_format, '{year}', p_year::text), '{n}', n.seq::text)
      FROM programme pg
     CROSS JOIN (SELECT COALESCE(max(r.doc_seq), 0) + 1 AS seq FROM issued_report r
                  WHERE r.programme_id = p_programme AND r.doc_year = p_year) n
     WHERE pg.id = p_programme
$$;

-- May a report of this kind and subject be issued now? Yes when none is current (issued
-- and not replaced); otherwise only as the replacement of the current one, named by its
-- 文号 (or, for a report issued before reports were numbered, its id). Returns the id of
-- the report replaced, NULL when none; RN409 or RN404 naming the field otherwise.
CREATE OR REPLACE FUNCTION reno_report_check_issue(p_programme bigint, p_kind text,
                                                   p_subject text, p_replaces text)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
    cur issued_report%ROWTYPE;
    old issued_report%ROWTYPE;
BEGIN
    SELECT * INTO cur FROM issued_report r
     WHERE r.programme_id = p_programme AND r.kind = p_kind AND r.subject = p_subject
       AND NOT EXISTS (SELECT 1 FROM issued_report x WHERE x.replaces_id = r.id)
     ORDER BY r.id DESC LIMIT 1;
    IF COALESCE(p_replaces, '') = '' THEN
        IF cur.id IS NOT NULL THEN
            RAISE EXCEPTION '% % was already issued as % (report %, %): to issue it again, say which report it replaces (reno report % % --issue --replaces %)',
                            reno_report_kind_name(p_kind), p_subject,
                            COALESCE(cur.doc_number, '（无文号）'), cur.id,
                            to_char(cur.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"'),
                            p_kind, p_subject, COALESCE(cur.doc_number, cur.id::text)
                USING ERRCODE = 'RN409', COLUMN = 'replaces', DETAIL = 'already_issued',
                      HINT = concat_ws(E'\n', p_kind, p_subject,
                                       COALESCE(cur.doc_number, cur.id::text));
        END IF;
        RETURN NULL;
    END IF;
    SELECT * INTO old FROM issued_report r
     WHERE r.programme_id = p_programme
       AND (r.doc_number = p_replaces
            OR (r.doc_number IS NULL AND p_replaces ~ '^[0-9]{1,18}$' AND r.id = p_replaces::bigint));
    IF old.id IS NULL THEN
        RAISE EXCEPTION 'no issued report has the number %', left(p_replaces, 80)
            USING ERRCODE = 'RN404', COLUMN = 'replaces', DETAIL = 'no_such_report',
                  HINT = left(p_replaces, 80);
    END IF;
    IF old.kind <> p_kind OR old.subject <> p_subject THEN
        RAISE EXCEPTION '% is the % of %, not the % of %', p_replaces,
                        reno_report_kind_name(old.kind), old.subject,
                        reno_report_kind_name(p_kind), p_subject
            USING ERRCODE = 'check_violation', COLUMN = 'replaces', DETAIL = 'replaces_other',
                  HINT = concat_ws(E'\n', left(p_replaces, 80), old.kind, old.subject);
    END IF;
    IF old.id <> cur.id THEN
        RAISE EXCEPTION '% was already replaced; the current one is %', p_replaces,
                        COALESCE(cur.doc_number, cur.id::text)
            USING ERRCODE = 'RN409', COLUMN = 'replaces', DETAIL = 'already_replaced',
                  HINT = concat_ws(E'\n', left(p_replaces, 80),
                                   COALESCE(cur.doc_number, cur.id::text));
    END IF;
    RETURN old.id;
END $$;

-- One issued report as the protocol's IssuedReport: its 文号, whether a later one
-- replaced it, and the 文号 of the one it replaces.
DROP FUNCTION IF EXISTS reno_report_row(issued_report, boolean, boolean);
CREATE OR REPLACE FUNCTION reno_report_row(r issued_report, p_replayed boolean,
                                           p_with_content boolean)
RETURNS TABLE (report_id bigint, kind text, subject text, format text, issued_at text,
               issued_by text, audit_position bigint, sha256 text, content bytea,
               replayed boolean, doc_number text, status text, replaces text,
               replaced_by text)
LANGUAGE sql STABLE AS $$
    SELECT r.id, r.kind, r.subject, r.format,
           to_char(r.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           (SELECT a.username FROM account a WHERE a.id = r.account_id),
           r.audit_position, encode(r.sha256, 'hex'),
           CASE WHEN p_with_content THEN r.content ELSE NULL END, p_replayed,
           COALESCE(r.doc_number, ''),
           CASE WHEN x.id IS NULL THEN 'issued' ELSE 'replaced' END,
           COALESCE((SELECT COALESCE(o.doc_number, o.id::text) FROM issued_report o
                      WHERE o.id = r.replaces_id), ''),
           COALESCE(COALESCE(x.doc_number, x.id::text), '')
      FROM (SELECT 1) one
      LEFT JOIN issued_report x ON x.replaces_id = r.id
$$;

DROP FUNCTION IF EXISTS reno_report_prior(bigint, bytea, bytea);
CREATE OR REPLACE FUNCTION reno_report_prior(p_account bigint, p_key bytea, p_digest bytea)
RETURNS TABLE (report_id bigint, kind text, subject text, format text, issued_at text,
               issued_by text, audit_position bigint, sha256 text, content bytea,
               replayed boolean, doc_number text, status text, replaces text,
               replaced_by text)
LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    r issued_report%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'issue_report');
    IF v_prior IS NULL THEN
        RETURN;
    END IF;
    SELECT * INTO r FROM issued_report WHERE id = v_prior;
    RETURN QUERY SELECT * FROM reno_report_row(r, true, true);
END $$;

-- Stores an issued report under the number reno_report_data gave it. Under the
-- programme's report lock the rules are checked again: one current report per kind and
-- subject, and the number still the next one (a report issued meanwhile took it: RN409,
-- issue again).
DROP FUNCTION IF EXISTS reno_report_store(bigint, bytea, bytea, text, text, text, bytea, bigint);
CREATE OR REPLACE FUNCTION reno_report_store(p_account bigint, p_key bytea, p_digest bytea,
                                             p_kind text, p_subject text, p_format text,
                                             p_content bytea, p_audit_position bigint,
                                             p_doc_year integer, p_doc_number text,
                                             p_replaces text)
RETURNS TABLE (report_id bigint, kind text, subject text, format text, issued_at text,
               issued_by text, audit_position bigint, sha256 text, content bytea,
               replayed boolean, doc_number text, status text, replaces text,
               replaced_by text)
LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_programme bigint := reno_programme_of(p_account);
    v_replaced bigint;
    v_next record;
    r issued_report%ROWTYPE;
BEGIN
    -- A concurrent issue with the same key: the first one stored wins, the second
    -- answers with it (the content rendered twice from the same data is the same).
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'issue_report');
    IF v_prior IS NOT NULL THEN
        SELECT * INTO r FROM issued_report WHERE id = v_prior;
        RETURN QUERY SELECT * FROM reno_report_row(r, true, true);
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'report.issue');
    PERFORM pg_advisory_xact_lock(hashtextextended('reno reports ' || v_programme, 0));
    v_replaced := reno_report_check_issue(v_programme, p_kind, p_subject, p_replaces);
    SELECT * INTO v_next FROM reno_report_next_number(v_programme, p_doc_year);
    IF v_next.doc_number IS DISTINCT FROM p_doc_number THEN
        RAISE EXCEPTION 'another report was issued meanwhile as %: issue this one again',
                        p_doc_number
            USING ERRCODE = 'RN409', DETAIL = 'issued_meanwhile', HINT = p_doc_number;
    END IF;
    INSERT INTO issued_report (programme_id, kind, subject, format, content, sha256,
                               audit_position, audit_head, account_id, doc_year, doc_seq,
                               doc_number, replaces_id)
    VALUES (v_programme, p_kind, p_subject, p_format, p_content, sha256(p_content),
            p_audit_position,
            (SELECT l.chain_hash FROM audit_log l WHERE l.id = p_audit_position), p_account,
            p_doc_year, v_next.doc_seq, v_next.doc_number, v_replaced)
    RETURNING * INTO r;
    PERFORM reno_audit(p_account, 'issue_report', 'issued_report', r.id, NULL,
                       jsonb_build_object('kind', r.kind, 'subject', r.subject,
                                          'format', r.format,
                                          'sha256', encode(r.sha256, 'hex'),
                                          'audit_position', r.audit_position,
                                          'audit_head', encode(r.audit_head, 'hex'),
                                          'doc_number', r.doc_number,
                                          'replaces_id', r.replaces_id));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'issue_report', r.id);
    RETURN QUERY SELECT * FROM reno_report_row(r, false, true);
END $$;

DROP FUNCTION IF EXISTS reno_op_get_report(bigint, bigint);
CREATE OR REPLACE FUNCTION reno_op_get_report(p_account bigint, p_report_id bigint)
RETURNS TABLE (report_id bigint, kind text, subject text, format text, issued_at text,
               issued_by text, audit_position bigint, sha256 text, content bytea,
               replayed boolean, doc_number text, status text, replaces text,
               replaced_by text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r issued_report%ROWTYPE;
BEGIN
    SELECT * INTO r FROM issued_report
     WHERE id = p_report_id AND programme_id = reno_programme_of(p_account);
    IF r.id IS NULL THEN
        RAISE EXCEPTION 'report % not found', p_report_id
            USING ERRCODE = 'RN404', COLUMN = 'report_id';
    END IF;
    RETURN QUERY SELECT * FROM reno_report_row(r, false, true);
END $$;

DROP FUNCTION IF EXISTS reno_op_list_reports(bigint);
CREATE OR REPLACE FUNCTION reno_op_list_reports(p_account bigint)
RETURNS TABLE (report_id bigint, kind text, subject text, format text, issued_at text,
               issued_by text, audit_position bigint, sha256 text, content bytea,
               replayed boolean, doc_number text, status text, replaces text,
               replaced_by text)
LANGUAGE sql STABLE AS $$
    SELECT x.* FROM issued_report r, reno_report_row(r, false, false) x
     WHERE r.programme_id = reno_programme_of(p_account) ORDER BY r.id
$$;

-- The report's records for renod to render: as a preview (meta draft) or, when issuing,
-- numbered (meta doc_number and doc_year, the year of the document's date) after the
-- issuing rules were checked, so that a refused issue renders nothing.
DROP FUNCTION IF EXISTS reno_report_data(bigint, text, text);
CREATE OR REPLACE FUNCTION reno_report_data(p_account bigint, p_kind text, p_subject text,
                                            p_issue boolean, p_replaces text)
RETURNS TABLE (seq bigint, what text, col bigint, value text)
-- No JIT: at tens of thousands of projects every statement of a report passes
-- jit_above_cost, and compiling it took longer than running it (the monthly notice at
-- 20,000 projects: 6.8 s with, 2.6 s without). Nothing compiled is kept between calls.
LANGUAGE plpgsql STABLE SET jit = off AS $$
DECLARE
    v_programme bigint := reno_programme_of(p_account);
    v_records reno_report_record[];
    v_date text;
    v_year integer;
    v_next record;
BEGIN
    -- Issuing is the office's act (report.issue); looking is reading: a preview needs only
    -- the right to read what every report shows, the whole programme's money and line work.
    IF p_issue THEN
        PERFORM reno_require(p_account, 'report.issue');
    ELSIF reno_read_scope(p_account, 'funds') <> 'programme'
          OR reno_read_scope(p_account, 'lines') <> 'programme' THEN
        RAISE EXCEPTION 'a report shows the whole programme; your unit reads only its own records'
            USING ERRCODE = 'RN403', DETAIL = 'report_whole_programme';
    END IF;
    IF p_kind = 'notice' AND p_subject !~ '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN
        RAISE EXCEPTION 'a notice''s subject is its month, YYYY-MM'
            USING ERRCODE = 'check_violation', COLUMN = 'subject', DETAIL = 'notice_month',
                  HINT = left(p_subject, 40);
    END IF;
    IF p_kind = 'evaluation' AND p_subject !~ '^[1-9][0-9]{0,17}$' THEN
        RAISE EXCEPTION 'an evaluation''s subject is a project id'
            USING ERRCODE = 'check_violation', COLUMN = 'subject', DETAIL = 'evaluation_project',
                  HINT = left(p_subject, 40);
    END IF;
    IF p_issue THEN
        PERFORM reno_report_check_issue(v_programme, p_kind, p_subject, p_replaces);
    ELSIF COALESCE(p_replaces, '') <> '' THEN
        RAISE EXCEPTION 'only an issued report replaces another: add issue'
            USING ERRCODE = 'check_violation', COLUMN = 'replaces', DETAIL = 'replaces_needs_issue';
    END IF;
    -- One branch per kind: each subject is parsed only by its own kind.
    IF p_kind = 'round' THEN
        v_records := ARRAY(SELECT ROW(r.what, r.cells)::reno_report_record
                             FROM reno_report_round_records(v_programme, p_subject::date)
                                  WITH ORDINALITY AS r(what, cells, n) ORDER BY r.n);
    ELSIF p_kind = 'notice' THEN
        v_records := ARRAY(SELECT ROW(r.what, r.cells)::reno_report_record
                             FROM reno_report_notice_records(v_programme,
                                                             (p_subject || '-01')::date)
                                  WITH ORDINALITY AS r(what, cells, n) ORDER BY r.n);
    ELSE
        v_records := ARRAY(SELECT ROW(r.what, r.cells)::reno_report_record
                             FROM reno_report_evaluation_records(v_programme,
                                                                 p_subject::bigint)
                                  WITH ORDINALITY AS r(what, cells, n) ORDER BY r.n);
    END IF;
    IF p_issue THEN
        SELECT x.cells[2] INTO v_date FROM unnest(v_records) AS x(what, cells)
         WHERE x.what = 'meta' AND x.cells[1] = 'date' LIMIT 1;
        v_year := CASE WHEN v_date ~ '^[0-9]{4}-' THEN left(v_date, 4)::integer
                       ELSE extract(year FROM current_date)::integer END;
        SELECT * INTO v_next FROM reno_report_next_number(v_programme, v_year);
        v_records := v_records
            || ROW('meta', ARRAY['doc_number', v_next.doc_number])::reno_report_record
            || ROW('meta', ARRAY['doc_year', v_year::text])::reno_report_record;
    ELSE
        v_records := v_records || ROW('meta', ARRAY['draft', '预览'])::reno_report_record;
    END IF;
    RETURN QUERY SELECT * FROM reno_report_flatten(v_records);
END $$;
