-- report_numbering: the office sets the format of the 文号 its issued reports are numbered
-- with (programme.doc_number_format, 0024_report_issue.sql; numbers are given by
-- reno_report_next_number in reports.sql). Before this operation the format could only be
-- changed in the database.
--
-- Re-runnable (CREATE OR REPLACE only, DROP when a signature changes): renod migrate
-- applies every file of schema/functions after the migrations, on every run.

-- Sets the caller's programme's 文号 format (right report.issue: whoever issues reports
-- decides how they are numbered). {n} and {year} must each appear once: numbering counts
-- per year, so a format without the year would give one 文号 again the next year. Reports
-- issued before keep the numbers they were issued with.
DROP FUNCTION IF EXISTS reno_op_set_doc_number_format(bigint, bytea, bytea, text);
CREATE OR REPLACE FUNCTION reno_op_set_doc_number_format(p_account bigint, p_key bytea,
                                                         p_digest bytea, p_format text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_programme bigint := reno_programme_of(p_account);
    v_format text;
    v_before text;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'set_doc_number_format');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'report.issue');
    v_format := reno_text(p_format, 'doc_number_format', 60, true);
    IF (length(v_format) - length(replace(v_format, '{n}', ''))) / 3 <> 1 THEN
        RAISE EXCEPTION 'doc_number_format must hold {n}, the number in the year, exactly once'
            USING ERRCODE = 'check_violation', COLUMN = 'doc_number_format',
                  DETAIL = 'doc_number_format', HINT = '{n}';
    END IF;
    IF (length(v_format) - length(replace(v_format, '{year}', ''))) / 6 <> 1 THEN
        RAISE EXCEPTION 'doc_number_format must hold {year}, the document''s year, exactly once'
            USING ERRCODE = 'check_violation', COLUMN = 'doc_number_format',
                  DETAIL = 'doc_number_format', HINT = '{year}';
    END IF;
    SELECT g.doc_number_format INTO v_before FROM programme g WHERE g.id = v_programme FOR UPDATE;
    UPDATE programme g SET doc_number_format = v_format WHERE g.id = v_programme;
    PERFORM reno_audit(p_account, 'set_doc_number_format', 'programme', v_programme,
                       jsonb_build_object('doc_number_format', v_before),
                       jsonb_build_object('doc_number_format', v_format));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'set_doc_number_format', v_programme);
    RETURN QUERY SELECT v_programme, false;
END $$;

-- What the numbering stands at, for anyone who may read the reports (reno report numbering
-- without an option): the format, the next 文号 of p_year and the last given in it. p_year
-- 0 or NULL is the year of the latest numbered report, or this year when none is; the
-- numbers are those reno_report_next_number gives when a report is issued.
DROP FUNCTION IF EXISTS reno_op_get_doc_numbering(bigint, integer);
CREATE OR REPLACE FUNCTION reno_op_get_doc_numbering(p_account bigint, p_year integer)
RETURNS TABLE (doc_number_format text, year integer, next_doc_number text,
               last_doc_number text, last_subject text, last_issued_at text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_programme bigint := reno_programme_of(p_account);
    v_year integer := NULLIF(p_year, 0);
BEGIN
    IF v_year IS NOT NULL AND v_year NOT BETWEEN 2000 AND 2999 THEN
        RAISE EXCEPTION 'year must be between 2000 and 2999, not %', v_year
            USING ERRCODE = 'check_violation', COLUMN = 'year';
    END IF;
    IF v_year IS NULL THEN
        SELECT r.doc_year INTO v_year FROM issued_report r
         WHERE r.programme_id = v_programme AND r.doc_year IS NOT NULL
         ORDER BY r.id DESC LIMIT 1;
    END IF;
    v_year := COALESCE(v_year, extract(year FROM current_date)::integer);
    RETURN QUERY
    SELECT g.doc_number_format, v_year, n.doc_number, l.doc_number, l.subject,
           to_char(l.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
      FROM programme g
     CROSS JOIN reno_report_next_number(v_programme, v_year) n
      LEFT JOIN LATERAL (SELECT r.doc_number, r.subject, r.issued_at FROM issued_report r
                          WHERE r.programme_id = v_programme AND r.doc_year = v_year
                          ORDER BY r.doc_seq DESC LIMIT 1) l ON true
     WHERE g.id = v_programme;
END $$;
