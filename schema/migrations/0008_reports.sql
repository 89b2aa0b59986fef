-- 0008_reports: the reports that go up, built from the stored data and kept as issued.
--
-- reno_report_data(account, kind, subject) returns a report's content as records of
-- cells, in order, in one statement (so one snapshot of the data):
--   meta   [key, value]            title, subtitle, issuer, recipients, date, chart_title
--   table  [title, column, ...]    starts a table
--   row    [cell, ...]             a row of the last table
--   series [name, date, percent]   a point of a chart line
--   mark   [label, date, percent]  a threshold of the plan on the chart
-- renod adds what it computes itself (the milestone rules), renders the document off
-- the loop, and stores it with reno_report_store(): content, digest and the audit-log
-- position the data was read at, under the same idempotency rule as every write.
-- The content functions themselves (reno_report_data and the records of each kind) are
-- in 0010_report_sections, after every area whose data the reports draw on.

CREATE TABLE issued_report (
    id                  bigserial PRIMARY KEY,
    programme_id        bigint NOT NULL REFERENCES programme(id),
    kind                text NOT NULL CHECK (kind IN ('round', 'notice', 'evaluation')),
    subject             text NOT NULL CHECK (length(subject) BETWEEN 1 AND 40),
    format              text NOT NULL CHECK (format IN ('md', 'csv', 'json', 'html')),
    content             bytea NOT NULL,
    sha256              bytea NOT NULL CHECK (length(sha256) = 32),
    audit_position      bigint NOT NULL CHECK (audit_position >= 0),
    account_id          bigint NOT NULL REFERENCES account(id),
    issued_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (sha256 = sha256(content))
);

-- What went up is never changed or removed.
CREATE TRIGGER issued_report_append_only BEFORE UPDATE OR DELETE ON issued_report
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE FUNCTION reno_report_row(r issued_report, p_replayed boolean, p_with_content boolean)
RETURNS TABLE (report_id bigint, kind text, subject text, format text, issued_at text,
               issued_by text, audit_position bigint, sha256 text, content bytea,
               replayed boolean)
LANGUAGE sql STABLE AS $$
    SELECT r.id, r.kind, r.subject, r.format,
           to_char(r.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           (SELECT a.username FROM account a WHERE a.id = r.account_id),
           r.audit_position, encode(r.sha256, 'hex'),
           CASE WHEN p_with_content THEN r.content ELSE NULL END, p_replayed
$$;

-- The report a key issued before, if any (RN409 when the key was used for another one).
CREATE FUNCTION reno_report_prior(p_account bigint, p_key bytea, p_digest bytea)
RETURNS TABLE (report_id bigint, kind text, subject text, format text, issued_at text,
               issued_by text, audit_position bigint, sha256 text, content bytea,
               replayed boolean)
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

CREATE FUNCTION reno_report_store(p_account bigint, p_key bytea, p_digest bytea, p_kind text,
                                  p_subject text, p_format text, p_content bytea,
                                  p_audit_position bigint)
RETURNS TABLE (report_id bigint, kind text, subject text, format text, issued_at text,
               issued_by text, audit_position bigint, sha256 text, content bytea,
               replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
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
    INSERT INTO issued_report (programme_id, kind, subject, format, content, sha256,
                               audit_position, account_id)
    VALUES (reno_programme_of(p_account), p_kind, p_subject, p_format, p_content,
            sha256(p_content), p_audit_position, p_account)
    RETURNING * INTO r;
    PERFORM reno_audit(p_account, 'issue_report', 'issued_report', r.id, NULL,
                       jsonb_build_object('kind', r.kind, 'subject', r.subject,
                                          'format', r.format,
                                          'sha256', encode(r.sha256, 'hex'),
                                          'audit_position', r.audit_position));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'issue_report', r.id);
    RETURN QUERY SELECT * FROM reno_report_row(r, false, true);
END $$;

-- Generic reads: one issued report with its content, and the list without it.
CREATE FUNCTION reno_op_get_report(p_account bigint, p_report_id bigint)
RETURNS TABLE (report_id bigint, kind text, subject text, format text, issued_at text,
               issued_by text, audit_position bigint, sha256 text, content bytea,
               replayed boolean)
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

CREATE FUNCTION reno_op_list_reports(p_account bigint)
RETURNS TABLE (report_id bigint, kind text, subject text, format text, issued_at text,
               issued_by text, audit_position bigint, sha256 text, content bytea,
               replayed boolean)
LANGUAGE sql STABLE AS $$
    SELECT x.* FROM issued_report r, reno_report_row(r, false, false) x
     WHERE r.programme_id = reno_programme_of(p_account) ORDER BY r.id
$$;

-- ---- Report content ----------------------------------------------------------------------

CREATE FUNCTION reno_pct(p_part numeric, p_whole numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_whole > 0 THEN to_char(round(100 * p_part / p_whole, 1), 'FM990.0') || '%'
                ELSE '-' END
$$;
