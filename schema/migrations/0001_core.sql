-- 0001_core: programmes, units, people, accounts, sessions, projects, progress reports,
-- idempotency records and the append-only audit log.
--
-- Every row belongs to a programme (a jurisdiction and a year). Integrity lives here:
-- foreign keys, CHECK constraints and triggers, so that no client and no server bug can
-- store a report with more households started than the project has.

CREATE TABLE programme (
    id                  bigserial PRIMARY KEY,
    code                text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    jurisdiction        text NOT NULL CHECK (length(jurisdiction) BETWEEN 1 AND 200),
    year                integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 400),
    target_households   integer NOT NULL CHECK (target_households > 0),
    target_projects     integer NOT NULL CHECK (target_projects > 0),
    starts_on           date NOT NULL,
    -- The three milestone rules of the work plan (section 五). The 25% rule counts
    -- households started; the "all started" rule counts projects; completion counts
    -- households completed.
    start_share_pct     integer NOT NULL DEFAULT 25 CHECK (start_share_pct BETWEEN 1 AND 100),
    start_share_due     date NOT NULL,
    all_started_due     date NOT NULL,
    completion_due      date NOT NULL,
    acceptance_due      date NOT NULL,
    evaluation_due      date NOT NULL,
    CHECK (starts_on <= start_share_due),
    CHECK (start_share_due <= all_started_due),
    CHECK (all_started_due <= completion_due),
    CHECK (completion_due <= acceptance_due),
    CHECK (acceptance_due <= evaluation_due)
);

CREATE TABLE unit (
    id                  bigserial PRIMARY KEY,
    programme_id        bigint NOT NULL REFERENCES programme(id),
    code                text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind                text NOT NULL CHECK (kind IN ('leadership', 'office', 'department',
                            'municipal_branch', 'vertical_agency', 'street_office',
                            'utility', 'enterprise')),
    in_leading_group    boolean NOT NULL DEFAULT true,
    UNIQUE (programme_id, code),
    UNIQUE (programme_id, name)
);

-- Other spellings of a unit's name found in documents (县发展和改革局 for 县发展改革局).
CREATE TABLE unit_alias (
    unit_id             bigint NOT NULL REFERENCES unit(id),
    alias               text NOT NULL CHECK (length(alias) BETWEEN 1 AND 200),
    PRIMARY KEY (unit_id, alias)
);

CREATE TABLE person (
    id                  bigserial PRIMARY KEY,
    programme_id        bigint NOT NULL REFERENCES programme(id),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 100
                            AND name !~ '[[:space:]\u2002\u3000]'),
    unit_id             bigint REFERENCES unit(id),
    position            text NOT NULL DEFAULT '' CHECK (length(position) <= 200),
    UNIQUE (programme_id, name)
);

CREATE TABLE leading_group_member (
    programme_id        bigint NOT NULL REFERENCES programme(id),
    person_id           bigint NOT NULL REFERENCES person(id),
    role                text NOT NULL CHECK (role IN ('leader', 'deputy', 'member')),
    seq                 integer NOT NULL CHECK (seq >= 0),
    PRIMARY KEY (programme_id, person_id)
);

CREATE TABLE account (
    id                  bigserial PRIMARY KEY,
    username            text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    password_hash       text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    role                text NOT NULL CHECK (role IN ('office', 'department', 'utility', 'leader')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    disabled            boolean NOT NULL DEFAULT false
);

-- Session tokens are stored as their BLAKE2b hash: a copy of this table gives no login.
CREATE TABLE session (
    token_hash          bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id          bigint NOT NULL REFERENCES account(id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    expires_at          timestamptz NOT NULL,
    CHECK (expires_at > created_at)
);
CREATE INDEX session_account ON session (account_id);

CREATE TABLE project (
    id                  bigserial PRIMARY KEY,
    programme_id        bigint NOT NULL REFERENCES programme(id),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    community           text NOT NULL CHECK (length(community) BETWEEN 1 AND 200),
    households          integer NOT NULL CHECK (households > 0),
    renovation_type     text NOT NULL CHECK (renovation_type IN ('comprehensive', 'demolition')),
    -- True when the name and household split are sample data, not from the document.
    is_sample           boolean NOT NULL DEFAULT false,
    UNIQUE (programme_id, name)
);

-- Units named responsible for a project: they may push its progress.
CREATE TABLE project_unit (
    project_id          bigint NOT NULL REFERENCES project(id),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    duty                text NOT NULL DEFAULT '' CHECK (length(duty) <= 400),
    PRIMARY KEY (project_id, unit_id)
);

CREATE TABLE progress_report (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    report_date         date NOT NULL,
    households_started  integer NOT NULL CHECK (households_started >= 0),
    households_completed integer NOT NULL CHECK (households_completed >= 0),
    note                text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    account_id          bigint NOT NULL REFERENCES account(id),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (households_completed <= households_started)
);
CREATE INDEX progress_report_project_date ON progress_report (project_id, report_date, id);

-- Started households may not exceed the project's households: a cross-table rule, so a
-- trigger rather than a CHECK.
CREATE FUNCTION progress_report_check_households() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    total integer;
BEGIN
    SELECT households INTO total FROM project WHERE id = NEW.project_id;
    IF NEW.households_started > total THEN
        RAISE EXCEPTION 'households_started % exceeds the project''s % households',
            NEW.households_started, total
            USING ERRCODE = 'check_violation', COLUMN = 'households_started';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER progress_report_households BEFORE INSERT OR UPDATE ON progress_report
    FOR EACH ROW EXECUTE FUNCTION progress_report_check_households();

-- One row per mutating request that succeeded: the key, who sent it, a digest of the
-- request, and the result that was acknowledged. Written in the same transaction as the
-- change itself.
CREATE TABLE idempotency (
    key                 bytea PRIMARY KEY CHECK (length(key) = 16),
    account_id          bigint NOT NULL REFERENCES account(id),
    operation           text NOT NULL,
    request_digest      bytea NOT NULL CHECK (length(request_digest) = 32),
    result_id           bigint NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
    id                  bigserial PRIMARY KEY,
    at                  timestamptz NOT NULL DEFAULT now(),
    account_id          bigint REFERENCES account(id),
    unit_id             bigint REFERENCES unit(id),
    action              text NOT NULL,
    entity              text NOT NULL,
    entity_id           bigint,
    before              jsonb,
    after               jsonb
);

-- The audit log is append-only for everyone, table owner included.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- May this account write progress for this project? The office may write every project
-- of its programme; any other unit only projects it is named responsible for. The one
-- place this rule lives; it grows with the responsibility model.
CREATE FUNCTION reno_may_push_progress(p_account bigint, p_project bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1
          FROM account a
          JOIN unit u ON u.id = a.unit_id
          JOIN project p ON p.programme_id = u.programme_id
         WHERE a.id = p_account AND p.id = p_project AND NOT a.disabled
           AND (a.role = 'office'
                OR (a.role IN ('department', 'utility')
                    AND EXISTS (SELECT 1 FROM project_unit pu
                                 WHERE pu.project_id = p.id AND pu.unit_id = a.unit_id))))
$$;

-- Records one progress report, idempotently, in one transaction (one statement).
-- Returns (report_id, replayed). Raises:
--   RN404 when the project does not exist in the account's programme,
--   RN403 when the account may not write it,
--   RN409 when the key was used before for a different request,
--   check_violation (23514) when a number breaks a rule (with the column name).
CREATE FUNCTION reno_push_progress(p_account bigint, p_key bytea, p_digest bytea,
                                   p_project bigint, p_date date, p_started integer,
                                   p_completed integer, p_note text,
                                   OUT report_id bigint, OUT replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    prior idempotency%ROWTYPE;
    acct account%ROWTYPE;
    prev progress_report%ROWTYPE;
    rec progress_report%ROWTYPE;
BEGIN
    -- Serialise on the key: a concurrent retry waits here until the first commits.
    PERFORM pg_advisory_xact_lock(hashtextextended(encode(p_key, 'hex'), 0));
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

-- Progress of every project of a programme as of a date: the latest report dated on or
-- before that date (ties broken by the later insert). Projects without a report count 0.
CREATE FUNCTION reno_progress_as_of(p_programme bigint, p_date date)
RETURNS TABLE (project_id bigint, households_started integer,
               households_completed integer, report_date date)
LANGUAGE sql STABLE AS $$
    SELECT p.id, COALESCE(r.households_started, 0), COALESCE(r.households_completed, 0),
           r.report_date
      FROM project p
      LEFT JOIN LATERAL (
            SELECT pr.households_started, pr.households_completed, pr.report_date
              FROM progress_report pr
             WHERE pr.project_id = p.id AND pr.report_date <= p_date
             ORDER BY pr.report_date DESC, pr.id DESC
             LIMIT 1) r ON true
     WHERE p.programme_id = p_programme
$$;
