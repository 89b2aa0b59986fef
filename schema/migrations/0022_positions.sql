-- 0022_positions: every committed write has a position, the id of its last audit_log row.
--
-- The audit chain (0012) takes the id inside a lock held until commit, so positions grow in
-- commit order: every id at or below the newest one a snapshot sees is committed and in
-- that snapshot. renod uses this as the version of its in-memory status: a write's reply
-- names its position, the status reply names the position it reflects, and a reader may
-- ask for "at least position P" (docs/PROTOCOL.md).
--
-- The notification now says what changed, in the compact text form
--     <programme id>:<project id>:<position>
-- (decimal, no spaces; a 0 programme means unknown, so every programme; a 0 project
-- means the change touches no single project, so the whole programme). A row whose
-- `after` (or, when it was removed, `before`) image has a numeric project_id touches that
-- project; a project row itself, its units and its evaluation conclusion are keyed by
-- the project's id. renod treats the payload as untrusted text and refreshes everything
-- on anything it cannot parse.
CREATE OR REPLACE FUNCTION audit_log_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_image jsonb := COALESCE(NEW.after, NEW.before);
    v_project bigint := 0;
BEGIN
    IF NEW.entity IN ('project', 'project_unit', 'evaluation_conclusion') THEN
        v_project := COALESCE(NEW.entity_id, 0);
    ELSIF jsonb_typeof(v_image) = 'object' AND jsonb_typeof(v_image -> 'project_id') = 'number' THEN
        v_project := (v_image ->> 'project_id')::bigint;
    END IF;
    -- The statement that wrote reads its position back through reno_write_position().
    PERFORM set_config('reno.position', NEW.id::text, true);
    PERFORM pg_notify('reno_changed',
                      COALESCE((SELECT u.programme_id FROM unit u WHERE u.id = NEW.unit_id), 0)::text
                      || ':' || v_project::text || ':' || NEW.id::text);
    RETURN NULL;
END $$;

-- The position of the write this statement made: its last audit row; when it wrote
-- nothing (a replayed idempotency key), the newest committed position, which is at or
-- after the first answer's. renod appends it to every write (server/op.c, server/sql.c).
CREATE FUNCTION reno_write_position() RETURNS bigint
LANGUAGE sql VOLATILE AS $$
    SELECT COALESCE(NULLIF(current_setting('reno.position', true), '')::bigint,
                    (SELECT c.last_id FROM audit_chain c), 0)
$$;

-- The newest committed position the caller's snapshot sees: what a status computed in
-- that snapshot reflects.
CREATE FUNCTION reno_position() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT c.last_id FROM audit_chain c), 0)
$$;

INSERT INTO runtime_function (name, why) VALUES
    ('reno_write_position', 'every write: the position of its reply'),
    ('reno_position', 'consolidated status: the position it reflects');
