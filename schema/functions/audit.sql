-- audit: the listing of the audit log that `reno log` pages through. Newest first when
-- asked (newest_first, or a before_id cursor), as a person reading the log asks "what
-- changed lately?", with before_id as the cursor of the next (older) page; otherwise
-- oldest first, after_id following the log forward, for a reader that keeps up with new
-- entries (and for clients that paged so before newest_first existed). Scoped inside the
-- query rather than after it, so that a page (limit) of a utility's entries is as full as
-- anyone's.
--
-- Re-runnable (CREATE OR REPLACE; DROP where a signature or result changed): renod
-- migrate applies it after the migrations on every run.

-- The listing before before_id took a cursor for older pages (0002, 0014).
DROP FUNCTION IF EXISTS reno_op_list_audit(bigint, bigint, integer, text);

CREATE OR REPLACE FUNCTION reno_op_list_audit(p_account bigint, p_after_id bigint,
                                              p_limit integer, p_entity text,
                                              p_before_id bigint, p_newest_first boolean)
RETURNS TABLE (id bigint, at text, username text, unit_name text, action text, entity text,
               entity_id bigint, before text, after text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_own boolean := reno_read_scope(p_account, 'audit') = 'own';
    v_unit bigint := reno_unit_of(p_account);
    v_forward boolean := NOT COALESCE(p_newest_first, false) AND COALESCE(p_before_id, 0) = 0;
    v_limit integer := CASE WHEN COALESCE(p_limit, 0) = 0 THEN 100 ELSE p_limit END;
BEGIN
    IF COALESCE(p_limit, 0) < 0 OR p_limit > 500 THEN
        RAISE EXCEPTION 'limit must be 1..500' USING ERRCODE = 'check_violation', COLUMN = 'limit';
    END IF;
    IF COALESCE(p_before_id, 0) < 0 THEN
        RAISE EXCEPTION 'before_id must not be negative'
            USING ERRCODE = 'check_violation', COLUMN = 'before_id';
    END IF;
    -- Two statements rather than one ORDER BY CASE: each then walks the primary key's
    -- index in its own direction and stops at the limit.
    IF v_forward THEN
        RETURN QUERY
        SELECT l.id, to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
               COALESCE(a.username, ''), COALESCE(u.name, ''), l.action, l.entity, l.entity_id,
               COALESCE(l.before::text, ''), COALESCE(l.after::text, '')
          FROM audit_log l
          LEFT JOIN account a ON a.id = l.account_id
          LEFT JOIN unit u ON u.id = l.unit_id
         WHERE l.id > COALESCE(p_after_id, 0)
           AND (COALESCE(p_before_id, 0) = 0 OR l.id < p_before_id)
           AND (COALESCE(p_entity, '') = '' OR l.entity = p_entity)
           AND (u.programme_id = reno_programme_of(p_account) OR u.id IS NULL)
           AND (NOT v_own OR l.unit_id = v_unit)
         ORDER BY l.id
         LIMIT v_limit;
    ELSE
        RETURN QUERY
        SELECT l.id, to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
               COALESCE(a.username, ''), COALESCE(u.name, ''), l.action, l.entity, l.entity_id,
               COALESCE(l.before::text, ''), COALESCE(l.after::text, '')
          FROM audit_log l
          LEFT JOIN account a ON a.id = l.account_id
          LEFT JOIN unit u ON u.id = l.unit_id
         WHERE l.id > COALESCE(p_after_id, 0)
           AND (COALESCE(p_before_id, 0) = 0 OR l.id < p_before_id)
           AND (COALESCE(p_entity, '') = '' OR l.entity = p_entity)
           AND (u.programme_id = reno_programme_of(p_account) OR u.id IS NULL)
           AND (NOT v_own OR l.unit_id = v_unit)
         ORDER BY l.id DESC
         LIMIT v_limit;
    END IF;
END $$;
