-- 0024_report_issue: looking at a report is not issuing it. A report is previewed by
-- default (built and rendered, stored nowhere); issuing is the office's explicit act,
-- which numbers the document with a 文号 and stores it. A kind and subject (a round, a
-- month, a project) is issued once; issuing it again must name the report it replaces,
-- which stays, marked replaced (schema/functions/reports.sql).
--
-- The 文号 follows the programme's format, {year} and {n} standing for the document's
-- year and its number in that year (N counts per programme and year, from 1).

ALTER TABLE programme ADD COLUMN doc_number_format text NOT NULL
    DEFAULT '紫改办〔{year}〕{n}号'
    CONSTRAINT doc_number_format CHECK (position('{n}' IN doc_number_format) > 0
                                        AND length(doc_number_format) <= 60);

-- Reports issued before this migration keep no number (their content never named one).
ALTER TABLE issued_report
    ADD COLUMN doc_year integer CHECK (doc_year BETWEEN 2000 AND 2999),
    ADD COLUMN doc_seq integer CHECK (doc_seq > 0),
    ADD COLUMN doc_number text CHECK (length(doc_number) BETWEEN 1 AND 80),
    -- The issued report of the same kind and subject this one replaces; each is replaced
    -- at most once, and the replaced one stays as it was issued.
    ADD COLUMN replaces_id bigint UNIQUE REFERENCES issued_report(id),
    ADD CHECK ((doc_year IS NULL) = (doc_seq IS NULL) AND (doc_seq IS NULL) = (doc_number IS NULL));
CREATE UNIQUE INDEX issued_report_doc_seq ON issued_report (programme_id, doc_year, doc_seq)
    WHERE doc_seq IS NOT NULL;
CREATE UNIQUE INDEX issued_report_doc_number ON issued_report (programme_id, doc_number)
    WHERE doc_number IS NOT NULL;

-- Reports are printed too: PDF, the 公文 on A4 with its charts (common/report_pdf.c).
ALTER TABLE issued_report DROP CONSTRAINT issued_report_format_check,
    ADD CONSTRAINT issued_report_format_check
        CHECK (format IN ('md', 'csv', 'json', 'html', 'pdf'));
