-- 0012_privilege: least privilege for the role renod serves as, row-level security as a
-- backstop for what each unit may write, and a tamper-evident audit log.
--
-- Two database roles (DESIGN.md): an owner that every migration runs as (renod migrate
-- creates it and switches to it with SET ROLE) and the role renod serves as, which owns
-- nothing. The serving role reaches data through the functions renod calls (the entry
-- points, listed below); those run as their owner (SECURITY DEFINER) with a fixed
-- search_path, so that a table or function planted in another schema cannot stand in
-- for ours. The serving role may SELECT the few tables renod reads directly (sessions,
-- accounts, the programme and its projects' progress for the consolidated status) and
-- nothing else: no INSERT, UPDATE or DELETE on any table, so never on the audit log,
-- the round snapshots or the issued reports.
--
-- The grants themselves are made by reno_grant_runtime(), which renod migrate calls after
-- every run of the migrations, so that functions added by later migrations are covered
-- without this file having to know them.

-- ---- The acting account -------------------------------------------------------------------
-- Every write names the account it acts for. The write envelope (reno_idem_prior, called
-- first by every write) records it in the transaction-local setting reno.account, which
-- the row-level security policies below read.

CREATE FUNCTION reno_acting_account() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('reno.account', true), '')::bigint
$$;

-- A write that names no account is an operator's (migrations, seeds, renod account add),
-- allowed only when the login role could have written the table directly anyway; renod's
-- serving role never can, so every write it causes must name its account.
CREATE FUNCTION reno_rls_unattributed_ok(p_table text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT has_table_privilege(session_user, p_table, 'INSERT')
$$;

-- ---- The tamper-evident audit log -----------------------------------------------------------
-- Each record carries chain_hash = sha256(predecessor's chain_hash || canonical content),
-- the first record's predecessor being 32 zero bytes. The canonical content is every
-- column but the hash, each as its text form prefixed with its length in bytes ("-" for
-- NULL), so that no two records can share one: renod audit verify recomputes it in C
-- from the same columns.
--
-- Chain order is id order. Ids are therefore given out inside the chain lock: the
-- trigger takes the single row of audit_chain FOR UPDATE, then takes the next id, so a
-- record's predecessor is always the record with the next lower id that committed. The
-- row lock is held to commit, which serialises writers; the write envelope takes it at
-- the start of a write (before any row lock), so two writes cannot deadlock over it.

CREATE TABLE audit_chain (
    only_row            boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    last_id             bigint NOT NULL,
    head                bytea NOT NULL CHECK (length(head) = 32)
);

ALTER TABLE audit_log ADD COLUMN chain_hash bytea CHECK (length(chain_hash) = 32);

CREATE FUNCTION reno_audit_field(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_text IS NULL THEN '-'
                ELSE octet_length(p_text)::text || ':' || p_text END
$$;

CREATE FUNCTION reno_audit_canonical(l audit_log) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT convert_to(reno_audit_field(l.id::text) || reno_audit_field(
                          to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
                      || reno_audit_field(l.account_id::text) || reno_audit_field(l.unit_id::text)
                      || reno_audit_field(l.action) || reno_audit_field(l.entity)
                      || reno_audit_field(l.entity_id::text) || reno_audit_field(l.before::text)
                      || reno_audit_field(l.after::text), 'UTF8')
$$;

-- Existing records are chained in id order, once, here.
DO $$
DECLARE
    v_head bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
    v_last bigint := 0;
    r audit_log%ROWTYPE;
BEGIN
    ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        v_head := sha256(v_head || reno_audit_canonical(r));
        UPDATE audit_log SET chain_hash = v_head WHERE id = r.id;
        v_last := r.id;
    END LOOP;
    ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
    INSERT INTO audit_chain (last_id, head) VALUES (v_last, v_head);
END $$;

ALTER TABLE audit_log ALTER COLUMN chain_hash SET NOT NULL;
-- The id is taken inside the chain lock (below), never by the column default.
ALTER TABLE audit_log ALTER COLUMN id DROP DEFAULT;

-- Runs as the owner whoever inserts, so that the head is kept even by an operator's
-- insert (renod account add) whose login role could not update audit_chain itself.
CREATE FUNCTION audit_log_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_head audit_chain%ROWTYPE;
BEGIN
    SELECT * INTO v_head FROM audit_chain FOR UPDATE;
    NEW.id := nextval(pg_get_serial_sequence('audit_log', 'id'));
    NEW.chain_hash := sha256(v_head.head || reno_audit_canonical(NEW));
    UPDATE audit_chain SET last_id = NEW.id, head = NEW.chain_hash;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE TRIGGER audit_chain_append_only BEFORE DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- The head as of the newest record the caller's snapshot sees: what an issued report was
-- built from (its audit_position and this hash).
CREATE FUNCTION reno_audit_head_at(p_position bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT encode(l.chain_hash, 'hex') FROM audit_log l
                      WHERE l.id = p_position), repeat('0', 64))
$$;

-- ---- The write envelope -----------------------------------------------------------------------
-- Every write calls reno_idem_prior first (0002). It now also names the acting account
-- for the row-level security policies and takes the audit chain's lock before the write
-- takes any row lock of its own.

CREATE FUNCTION reno_act_as(p_account bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('reno.account', p_account::text, true);
    PERFORM 1 FROM audit_chain FOR UPDATE;
END $$;

CREATE OR REPLACE FUNCTION reno_idem_prior(p_account bigint, p_key bytea, p_digest bytea,
                                           p_op text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    prior idempotency%ROWTYPE;
BEGIN
    IF p_key IS NULL OR length(p_key) <> 16 THEN
        RAISE EXCEPTION 'idempotency_key must be 16 bytes'
            USING ERRCODE = 'check_violation', COLUMN = 'idempotency_key';
    END IF;
    -- Serialise on the key: a concurrent retry waits here until the first commits.
    PERFORM pg_advisory_xact_lock(hashtextextended(encode(p_key, 'hex'), 0));
    PERFORM reno_act_as(p_account);
    SELECT * INTO prior FROM idempotency WHERE key = p_key;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF prior.account_id <> p_account OR prior.operation <> p_op
       OR prior.request_digest <> p_digest THEN
        RAISE EXCEPTION 'idempotency key was already used for a different request'
            USING ERRCODE = 'RN409', COLUMN = 'idempotency_key';
    END IF;
    RETURN prior.result_id;
END $$;

-- The progress write of 0001 predates the envelope; it joins it here (body unchanged
-- but for the acting account).
CREATE OR REPLACE FUNCTION reno_push_progress(p_account bigint, p_key bytea, p_digest bytea,
                                              p_project bigint, p_date date,
                                              p_started integer, p_completed integer,
                                              p_note text,
                                              OUT report_id bigint, OUT replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    prior idempotency%ROWTYPE;
    acct account%ROWTYPE;
    prev progress_report%ROWTYPE;
    rec progress_report%ROWTYPE;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(encode(p_key, 'hex'), 0));
    PERFORM reno_act_as(p_account);
    SELECT * INTO prior FROM idempotency WHERE key = p_key;
    IF FOUND THEN
        IF prior.account_id <> p_account OR prior.operation <> 'push_progress'
           OR prior.request_digest <> p_digest THEN
            RAISE EXCEPTION 'idempotency key was already used for a different request'
                USING ERRCODE = 'RN409', COLUMN = 'idempotency_key';
        END IF;
        report_id := prior.result_id;
        replayed := true;
        RETURN;
    END IF;

    SELECT * INTO acct FROM account WHERE id = p_account;
    IF NOT EXISTS (SELECT 1 FROM project p JOIN unit u ON u.programme_id = p.programme_id
                    WHERE p.id = p_project AND u.id = acct.unit_id) THEN
        RAISE EXCEPTION 'project % not found', p_project
            USING ERRCODE = 'RN404', COLUMN = 'project_id';
    END IF;
    IF NOT reno_may_push_progress(p_account, p_project) THEN
        RAISE EXCEPTION 'your unit is not responsible for project %', p_project
            USING ERRCODE = 'RN403';
    END IF;

    SELECT * INTO prev FROM progress_report WHERE project_id = p_project
     ORDER BY report_date DESC, id DESC LIMIT 1;

    INSERT INTO progress_report (project_id, report_date, households_started,
                                 households_completed, note, account_id, unit_id)
    VALUES (p_project, p_date, p_started, p_completed, p_note, p_account, acct.unit_id)
    RETURNING * INTO rec;

    INSERT INTO audit_log (account_id, unit_id, action, entity, entity_id, before, after)
    VALUES (p_account, acct.unit_id, 'push_progress', 'progress_report', rec.id,
            CASE WHEN prev.id IS NULL THEN NULL ELSE to_jsonb(prev) END, to_jsonb(rec));

    INSERT INTO idempotency (key, account_id, operation, request_digest, result_id)
    VALUES (p_key, p_account, 'push_progress', p_digest, rec.id);

    report_id := rec.id;
    replayed := false;
END $$;

-- ---- Sessions -----------------------------------------------------------------------------------
-- renod's own writes to the session table, as functions, since the serving role may not
-- write tables.

CREATE FUNCTION reno_session_create(p_token_hash_hex text, p_account bigint, p_ttl integer)
RETURNS bigint LANGUAGE sql AS $$
    INSERT INTO session (token_hash, account_id, expires_at)
    VALUES (decode(p_token_hash_hex, 'hex'), p_account, now() + make_interval(secs => p_ttl))
    RETURNING extract(epoch FROM expires_at)::bigint
$$;

CREATE FUNCTION reno_session_delete(p_token_hash_hex text) RETURNS bigint
LANGUAGE sql AS $$
    WITH gone AS (DELETE FROM session WHERE token_hash = decode(p_token_hash_hex, 'hex')
                  RETURNING 1)
    SELECT count(*) FROM gone
$$;

-- ---- Row-level security ------------------------------------------------------------------------
-- A backstop behind the rights checks of the operation functions: even a function that
-- forgot its check cannot write progress, line work or money for a unit that may not.
--
-- The functions run as the tables' owner, and an owner bypasses row-level security
-- unless the table FORCEs it; so these tables FORCE it, and the policies ask about the
-- acting account (reno.account, set by the write envelope), not about the database role.
-- Reads are not restricted here (the read functions scope them): every SELECT policy is
-- true, so the roll-up, the reports and the foreign-key checks see every row as before.
-- Every UPDATE policy lets the row be found (USING true) and checks the row written (WITH
-- CHECK): SELECT ... FOR UPDATE is governed by the UPDATE policy's USING, and a row
-- hidden from it would make a function's lock (fund_receipt_check locks its allocation)
-- find nothing and go wrong silently; a refused update is an error instead.
-- There is no DELETE policy: nothing deletes from these tables, so nothing may.
-- A write without an acting account is allowed only to a login role that may write the
-- table directly (an operator loading seeds); renod's serving role cannot.

-- May the acting account write this line work? The same rule as reno_op_record_line_work:
-- the government's parts need lines.government; a utility's parts need lines.utility and
-- are the utility's own, unless the account holds everything ('*').
CREATE FUNCTION reno_rls_line_work_ok(p_account bigint, p_part text, p_utility bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT reno_has_right(p_account, '*')
        OR (reno_fld_line_side(p_part) = 'government'
            AND reno_has_right(p_account, 'lines.government'))
        OR (reno_fld_line_side(p_part) <> 'government'
            AND reno_has_right(p_account, 'lines.utility')
            AND p_utility = (SELECT a.unit_id FROM account a WHERE a.id = p_account))
$$;

ALTER TABLE progress_report ENABLE ROW LEVEL SECURITY;
ALTER TABLE progress_report FORCE ROW LEVEL SECURITY;
CREATE POLICY progress_report_read ON progress_report FOR SELECT USING (true);
CREATE POLICY progress_report_write ON progress_report FOR INSERT WITH CHECK (
    CASE WHEN reno_acting_account() IS NULL THEN reno_rls_unattributed_ok('progress_report')
         ELSE account_id = reno_acting_account()
              AND reno_may_push_progress(reno_acting_account(), project_id) END);

CREATE POLICY progress_report_update ON progress_report FOR UPDATE USING (true) WITH CHECK (
    CASE WHEN reno_acting_account() IS NULL THEN reno_rls_unattributed_ok('progress_report')
         ELSE reno_may_push_progress(reno_acting_account(), project_id) END);

ALTER TABLE round_report ENABLE ROW LEVEL SECURITY;
ALTER TABLE round_report FORCE ROW LEVEL SECURITY;
CREATE POLICY round_report_read ON round_report FOR SELECT USING (true);
CREATE POLICY round_report_insert ON round_report FOR INSERT WITH CHECK (
    CASE WHEN reno_acting_account() IS NULL THEN reno_rls_unattributed_ok('round_report')
         ELSE account_id = reno_acting_account()
              AND reno_may_push_progress(reno_acting_account(), project_id) END);
-- A newer report of the same round supersedes the older one (it may be another
-- responsible unit's); the project is what decides.
CREATE POLICY round_report_update ON round_report FOR UPDATE USING (true) WITH CHECK (
    CASE WHEN reno_acting_account() IS NULL THEN reno_rls_unattributed_ok('round_report')
         ELSE reno_may_push_progress(reno_acting_account(), project_id) END);

ALTER TABLE line_work ENABLE ROW LEVEL SECURITY;
ALTER TABLE line_work FORCE ROW LEVEL SECURITY;
CREATE POLICY line_work_read ON line_work FOR SELECT USING (true);
CREATE POLICY line_work_insert ON line_work FOR INSERT WITH CHECK (
    CASE WHEN reno_acting_account() IS NULL THEN reno_rls_unattributed_ok('line_work')
         ELSE reno_rls_line_work_ok(reno_acting_account(), part, utility_unit_id) END);
CREATE POLICY line_work_update ON line_work FOR UPDATE USING (true) WITH CHECK (
    CASE WHEN reno_acting_account() IS NULL THEN reno_rls_unattributed_ok('line_work')
         ELSE reno_rls_line_work_ok(reno_acting_account(), part, utility_unit_id) END);

ALTER TABLE fund_allocation ENABLE ROW LEVEL SECURITY;
ALTER TABLE fund_allocation FORCE ROW LEVEL SECURITY;
CREATE POLICY fund_allocation_read ON fund_allocation FOR SELECT USING (true);
CREATE POLICY fund_allocation_write ON fund_allocation FOR INSERT WITH CHECK (
    CASE WHEN reno_acting_account() IS NULL THEN reno_rls_unattributed_ok('fund_allocation')
         ELSE reno_has_right(reno_acting_account(), 'funds.write') END);
CREATE POLICY fund_allocation_update ON fund_allocation FOR UPDATE USING (true) WITH CHECK (
    CASE WHEN reno_acting_account() IS NULL THEN reno_rls_unattributed_ok('fund_allocation')
         ELSE reno_has_right(reno_acting_account(), 'funds.write') END);

ALTER TABLE fund_receipt ENABLE ROW LEVEL SECURITY;
ALTER TABLE fund_receipt FORCE ROW LEVEL SECURITY;
CREATE POLICY fund_receipt_read ON fund_receipt FOR SELECT USING (true);
CREATE POLICY fund_receipt_write ON fund_receipt FOR INSERT WITH CHECK (
    CASE WHEN reno_acting_account() IS NULL THEN reno_rls_unattributed_ok('fund_receipt')
         ELSE reno_has_right(reno_acting_account(), 'funds.write') END);
CREATE POLICY fund_receipt_update ON fund_receipt FOR UPDATE USING (true) WITH CHECK (
    CASE WHEN reno_acting_account() IS NULL THEN reno_rls_unattributed_ok('fund_receipt')
         ELSE reno_has_right(reno_acting_account(), 'funds.write') END);

ALTER TABLE fund_payment ENABLE ROW LEVEL SECURITY;
ALTER TABLE fund_payment FORCE ROW LEVEL SECURITY;
CREATE POLICY fund_payment_read ON fund_payment FOR SELECT USING (true);
CREATE POLICY fund_payment_write ON fund_payment FOR INSERT WITH CHECK (
    CASE WHEN reno_acting_account() IS NULL THEN reno_rls_unattributed_ok('fund_payment')
         ELSE reno_has_right(reno_acting_account(), 'funds.write') END);
CREATE POLICY fund_payment_update ON fund_payment FOR UPDATE USING (true) WITH CHECK (
    CASE WHEN reno_acting_account() IS NULL THEN reno_rls_unattributed_ok('fund_payment')
         ELSE reno_has_right(reno_acting_account(), 'funds.write') END);

-- ---- The serving role's grants ------------------------------------------------------------------
-- The functions renod calls at run time. The operations (reno_op_*), sessions and logins
-- (reno_session_*, reno_login_*) are recognised by name; the others are listed here. A
-- later migration that adds a function renod calls under another name adds a row.
CREATE TABLE runtime_function (
    name                text PRIMARY KEY CHECK (name ~ '^reno_[a-z0-9_]+$'),
    why                 text NOT NULL DEFAULT ''
);
INSERT INTO runtime_function (name, why) VALUES
    ('reno_push_progress', 'PushProgress'),
    ('reno_report_prior', 'IssueReport: a replayed key'),
    ('reno_report_data', 'IssueReport: the content'),
    ('reno_report_store', 'IssueReport: the issued document'),
    ('reno_status_light_rules', 'consolidated status'),
    ('reno_status_plan', 'consolidated status'),
    ('reno_status_phases', 'consolidated status'),
    ('reno_status_funds', 'consolidated status'),
    ('reno_status_contracts', 'consolidated status'),
    ('reno_status_lines', 'consolidated status'),
    ('reno_status_surveys', 'consolidated status'),
    ('reno_status_supervision', 'consolidated status'),
    ('reno_status_round', 'consolidated status'),
    ('reno_status_missing_reporters', 'consolidated status');

-- (Re)grants the serving role exactly what it needs. Run by renod migrate, as the owner,
-- after the migrations; safe to run any number of times. Everything in the schema is
-- first taken from PUBLIC and from the role, then given back: SELECT on the tables renod
-- reads itself, and EXECUTE on the run-time functions, each made SECURITY DEFINER with a
-- fixed search_path. reno_progress_as_of stays an ordinary function (the status query
-- inlines it), reading progress_report with the role's own SELECT right.
CREATE FUNCTION reno_grant_runtime(p_role name) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    f record;
    n integer := 0;
BEGIN
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC, %I', p_role);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC, %I', p_role);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC, %I', p_role);
    -- Per schema, default privileges can only add: the owner's global default is revoked.
    EXECUTE 'ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC';
    EXECUTE format('GRANT SELECT ON programme, unit, account, session, project, '
                   'progress_report TO %I', p_role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION reno_progress_as_of(bigint, date) TO %I', p_role);
    FOR f IN SELECT p.oid::regprocedure AS sig, p.prosecdef, p.proconfig
               FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f'
                AND (p.proname ~ '^reno_(op|session|login)_'
                     OR p.proname IN (SELECT name FROM runtime_function)) LOOP
        IF NOT f.prosecdef OR f.proconfig IS NULL THEN
            EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = public, pg_temp',
                           f.sig);
        END IF;
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f.sig, p_role);
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;

-- ---- Issued reports name the chain head they were built from -------------------------------
-- Next to the audit-log position a report already records, the chain hash of that record:
-- the report's content carries it (meta audit_head, printed by renod), and the stored
-- report keeps it, filled from the log by reno_report_store. Reports issued before this
-- migration keep no head: their content never named one.

ALTER TABLE issued_report ADD COLUMN audit_head bytea CHECK (length(audit_head) = 32);

CREATE OR REPLACE FUNCTION reno_report_flatten(p_records reno_report_record[])
RETURNS TABLE (seq bigint, what text, col bigint, value text)
LANGUAGE sql STABLE AS $$
    WITH head AS (
        SELECT COALESCE(max(l.id), 0) AS position FROM audit_log l
    ), recs AS (
        SELECT r.n, r.what, r.cells FROM unnest(p_records) WITH ORDINALITY AS r(what, cells, n)
        UNION ALL
        SELECT 0, 'meta', ARRAY['audit_position', head.position::text] FROM head
        UNION ALL
        -- A record of its own (renod reads a record's cells by their seq).
        SELECT -1, 'meta', ARRAY['audit_head', reno_audit_head_at(head.position)] FROM head)
    SELECT recs.n, recs.what, c.ord, c.value
      FROM recs, unnest(recs.cells) WITH ORDINALITY AS c(value, ord)
     ORDER BY recs.n, c.ord
$$;

CREATE OR REPLACE FUNCTION reno_report_store(p_account bigint, p_key bytea, p_digest bytea,
                                             p_kind text, p_subject text, p_format text,
                                             p_content bytea, p_audit_position bigint)
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
                               audit_position, audit_head, account_id)
    VALUES (reno_programme_of(p_account), p_kind, p_subject, p_format, p_content,
            sha256(p_content), p_audit_position,
            (SELECT l.chain_hash FROM audit_log l WHERE l.id = p_audit_position), p_account)
    RETURNING * INTO r;
    PERFORM reno_audit(p_account, 'issue_report', 'issued_report', r.id, NULL,
                       jsonb_build_object('kind', r.kind, 'subject', r.subject,
                                          'format', r.format,
                                          'sha256', encode(r.sha256, 'hex'),
                                          'audit_position', r.audit_position,
                                          'audit_head', encode(r.audit_head, 'hex')));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'issue_report', r.id);
    RETURN QUERY SELECT * FROM reno_report_row(r, false, true);
END $$;
