-- 0037_session_end_reasons: a session that ended while renod could not hear it is ended
-- for its own reason, not as "revoked".
--
-- renod learns that a session ended from the NOTIFY of session_end_notify (0011). When its
-- LISTEN connection is new (at start, or again after it was lost) it may have missed some,
-- so it asks which of the sessions it serves still stand. Until now the answer was only
-- yes or no, and every session found gone was told "revoked": a user who logged out
-- elsewhere, or whose password was changed, was told something untrue. It happened
-- in earnest at start-up, when a logout came before renod's first LISTEN.
--
-- Each ending now leaves the token's hash and its reason in session_ended, kept until the
-- session would have expired (after that no renod may use the token anyway), and
-- reno_session_check_ended() answers, for the tokens asked about, why each one that no
-- longer stands has ended. A row deleted with the triggers off leaves no reason behind: it
-- is "revoked", as a deletion by hand always was.

CREATE TABLE session_ended (
    token_hash          bytea PRIMARY KEY,
    reason              text NOT NULL
                        CHECK (reason IN ('logged_out', 'revoked', 'account_disabled',
                                          'password_changed')),
    ended_at            timestamptz NOT NULL DEFAULT now(),
    -- The session's own expiry: the row is purged after it.
    expires_at          timestamptz NOT NULL
);
CREATE INDEX session_ended_expires ON session_ended (expires_at);

CREATE OR REPLACE FUNCTION session_end_notify() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    -- A deletion by hand (psql) is a revocation.
    v_reason text := COALESCE(NULLIF(current_setting('reno.session_end', true), ''), 'revoked');
BEGIN
    IF v_reason <> 'expired' THEN
        INSERT INTO session_ended (token_hash, reason, expires_at)
        VALUES (OLD.token_hash, v_reason, OLD.expires_at)
        ON CONFLICT (token_hash) DO NOTHING;
        PERFORM pg_notify('reno_session',
                          'token ' || encode(OLD.token_hash, 'hex') || ' ' || v_reason);
    END IF;
    RETURN NULL;
END $$;

-- Of the given token hashes (hex), those whose session no longer stands, each with why:
-- expired, account_disabled, or the reason its ending left (logged_out, revoked,
-- password_changed, account_disabled); revoked when it left none.
CREATE FUNCTION reno_session_check_ended(p_token_hashes text[])
RETURNS TABLE (token_hash text, ended text) LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public, pg_temp AS $$
    SELECT t.hex,
           CASE WHEN s.token_hash IS NULL THEN COALESCE(e.reason, 'revoked')
                WHEN a.disabled THEN 'account_disabled'
                ELSE 'expired' END
      FROM (SELECT DISTINCT h AS hex FROM unnest(p_token_hashes) h) t
      LEFT JOIN session s ON s.token_hash = decode(t.hex, 'hex')
      LEFT JOIN account a ON a.id = s.account_id
      LEFT JOIN session_ended e ON e.token_hash = decode(t.hex, 'hex')
     WHERE s.token_hash IS NULL OR s.expires_at <= now() OR a.disabled
$$;

-- renod of this version asks reno_session_check_ended() instead.
DROP FUNCTION reno_session_check(text[]);

-- The janitor's upkeep (0011), and the reasons of sessions past their expiry.
CREATE OR REPLACE FUNCTION reno_session_purge(p_window integer, OUT sessions integer,
                                              OUT failures integer)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM set_config('reno.session_end', 'expired', true);
    DELETE FROM session WHERE expires_at <= now();
    GET DIAGNOSTICS sessions = ROW_COUNT;
    DELETE FROM session_ended WHERE expires_at <= now();
    DELETE FROM login_failure
     WHERE last_failed_at <= now() - make_interval(secs => p_window)
       AND (locked_until IS NULL OR locked_until <= now());
    GET DIAGNOSTICS failures = ROW_COUNT;
END $$;
