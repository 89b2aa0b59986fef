-- 0007_notify: tell every renod when a programme's data changed, so that each keeps its
-- in-memory consolidated status current and pushes changes to its watchers.
--
-- Every mutation appends to audit_log (DESIGN.md), so one trigger there covers every
-- domain, present and future. NOTIFY is transactional: renod hears of a change only
-- once it has committed, and PostgreSQL folds identical notifications of one
-- transaction into one. The payload is the programme id ('' when unknown: refresh all).
CREATE FUNCTION audit_log_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('reno_changed',
                      COALESCE((SELECT u.programme_id::text FROM unit u
                                 WHERE u.id = NEW.unit_id), ''));
    RETURN NULL;
END $$;

CREATE TRIGGER audit_log_notify AFTER INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_notify();
