-- 0011_sessions: sessions that end, and logins that cannot be guessed at speed.
--
-- Failed logins are remembered per (username, source address) in login_failure, in the
-- database rather than in renod, so that the throttling survives a restart of renod and
-- holds across several renod on one database. renod asks reno_login_begin() before it
-- checks a password: the answer is either "wait N seconds" (nothing is checked) or the
-- account, with the attempt already counted as a failure; a right password then clears
-- the count in reno_session_create(). Counting before the check means that attempts made
-- in parallel cannot all slip in under the same count.
--
-- Sessions end by deleting their row, always with a reason (the setting
-- reno.session_end, set by the function that deletes); a trigger NOTIFYs every renod on
-- channel reno_session, which tells and closes the connections that used the token.
-- Disabling an account NOTIFYs as well, for a change made outside these functions.
--
-- Every function renod calls here is SECURITY DEFINER with a fixed search_path, and named
-- reno_login_*, reno_session_* or reno_op_*: renod may connect as a role that owns no
-- table and is granted EXECUTE on the run-time functions by those names.

CREATE TABLE login_failure (
    username            text NOT NULL CHECK (length(username) BETWEEN 1 AND 256),
    address             inet NOT NULL,
    failures            integer NOT NULL CHECK (failures > 0),
    last_failed_at      timestamptz NOT NULL,
    -- When the next attempt for this name from this address may be checked, as reckoned
    -- at the last failure (failures from other addresses may push it later); NULL: free.
    locked_until        timestamptz,
    PRIMARY KEY (username, address)
);
CREATE INDEX login_failure_address ON login_failure (address);
CREATE INDEX login_failure_last ON login_failure (last_failed_at);

-- The wait after `p_failures` failures: none for the first p_free, then p_base seconds
-- doubling with each further failure, at most p_max.
CREATE FUNCTION reno_login_delay(p_failures bigint, p_free integer, p_base integer,
                                 p_max integer)
RETURNS interval LANGUAGE sql IMMUTABLE
SET search_path = public, pg_temp AS $$
    SELECT CASE WHEN p_failures < p_free THEN interval '0'
                ELSE make_interval(secs => least(p_max::float8,
                                                 p_base * power(2::float8,
                                                                least(p_failures - p_free, 40))))
           END
$$;

-- The throttle, before any password is checked. Three counts decide, over failures within
-- the last p_window seconds:
--   this name from this address: free for p_free failures, then growing waits;
--   this name from every address: the same waits, applied to an address once it has
--     failed p_free times itself, so that many addresses cannot share one budget while a
--     user at an address that has not been failing still gets in at once;
--   this address for every name: free for p_address_free failures (guessing many names).
-- Returns one row: retry_after > 0 (seconds; the other columns NULL, nothing recorded),
-- or retry_after = 0 and the account (all NULL for an unknown name, which is counted the
-- same way, so a wrong name and a wrong password look alike).
CREATE FUNCTION reno_login_begin(p_username text, p_address inet, p_free integer,
                                 p_address_free integer, p_base integer, p_max integer,
                                 p_window integer)
RETURNS TABLE (retry_after integer, account_id bigint, password_hash text, role text,
               disabled boolean, unit_id bigint, unit_name text, programme_id bigint,
               programme_code text, programme_title text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    v_since timestamptz := now() - make_interval(secs => p_window);
    v_pair_n bigint := 0;
    v_pair_at timestamptz;
    v_name_n bigint;
    v_name_at timestamptz;
    v_addr_n bigint;
    v_addr_at timestamptz;
    v_until timestamptz;
BEGIN
    -- One decision at a time per name, then per address (always in this order: no
    -- deadlock), so that parallel attempts are counted one after the other.
    PERFORM pg_advisory_xact_lock(hashtextextended('login name ' || p_username, 0));
    PERFORM pg_advisory_xact_lock(hashtextextended('login address ' || host(p_address), 0));
    SELECT f.failures, f.last_failed_at INTO v_pair_n, v_pair_at
      FROM login_failure f
     WHERE f.username = p_username AND f.address = p_address AND f.last_failed_at > v_since;
    v_pair_n := COALESCE(v_pair_n, 0);
    SELECT COALESCE(sum(f.failures), 0), max(f.last_failed_at) INTO v_name_n, v_name_at
      FROM login_failure f WHERE f.username = p_username AND f.last_failed_at > v_since;
    SELECT COALESCE(sum(f.failures), 0), max(f.last_failed_at) INTO v_addr_n, v_addr_at
      FROM login_failure f WHERE f.address = p_address AND f.last_failed_at > v_since;
    v_until := greatest(
        v_pair_at + reno_login_delay(v_pair_n, p_free, p_base, p_max),
        CASE WHEN v_pair_n >= p_free
             THEN v_name_at + reno_login_delay(v_name_n, p_free, p_base, p_max) END,
        v_addr_at + reno_login_delay(v_addr_n, p_address_free, p_base, p_max));
    IF v_until > now() THEN
        RETURN QUERY SELECT ceil(extract(epoch FROM v_until - now()))::integer,
                            NULL::bigint, NULL::text, NULL::text, NULL::boolean, NULL::bigint,
                            NULL::text, NULL::bigint, NULL::text, NULL::text;
        RETURN;
    END IF;
    -- Counted as a failure now; a right password deletes the row again.
    INSERT INTO login_failure AS f (username, address, failures, last_failed_at, locked_until)
    VALUES (p_username, p_address, 1, now(), NULL)
    ON CONFLICT (username, address) DO UPDATE
       SET failures = CASE WHEN f.last_failed_at > v_since THEN f.failures + 1 ELSE 1 END,
           last_failed_at = now();
    v_until := greatest(
        now() + reno_login_delay(v_pair_n + 1, p_free, p_base, p_max),
        CASE WHEN v_pair_n + 1 >= p_free
             THEN now() + reno_login_delay(v_name_n + 1, p_free, p_base, p_max) END,
        now() + reno_login_delay(v_addr_n + 1, p_address_free, p_base, p_max));
    UPDATE login_failure f SET locked_until = CASE WHEN v_until > now() THEN v_until END
     WHERE f.username = p_username AND f.address = p_address;
    RETURN QUERY
    SELECT 0, a.id, a.password_hash, a.role, a.disabled, u.id, u.name, p.id, p.code, p.title
      FROM (SELECT 1) one
      LEFT JOIN account a ON a.username = p_username
      LEFT JOIN unit u ON u.id = a.unit_id
      LEFT JOIN programme p ON p.id = u.programme_id;
END $$;

-- A right password: the session row, and the name's failures from this address forgotten.
-- Returns the session's expiry (whole seconds since the epoch, rounded down: renod ends a
-- session at this second, never after the database would).
CREATE FUNCTION reno_session_create(p_token_hash text, p_account bigint, p_ttl integer,
                                    p_username text, p_address inet)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    v_expires timestamptz;
BEGIN
    DELETE FROM login_failure WHERE username = p_username AND address = p_address;
    INSERT INTO session (token_hash, account_id, expires_at)
    VALUES (decode(p_token_hash, 'hex'), p_account, now() + make_interval(secs => p_ttl))
    RETURNING expires_at INTO v_expires;
    RETURN floor(extract(epoch FROM v_expires))::bigint;
END $$;

-- Logout: this token's session, or (p_all) every session of its account. Returns how
-- many ended.
CREATE FUNCTION reno_session_end(p_token_hash text, p_all boolean)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    v_count integer;
BEGIN
    PERFORM set_config('reno.session_end', 'logged_out', true);
    IF p_all THEN
        DELETE FROM session WHERE account_id IN
            (SELECT s.account_id FROM session s WHERE s.token_hash = decode(p_token_hash, 'hex'));
    ELSE
        DELETE FROM session WHERE token_hash = decode(p_token_hash, 'hex');
    END IF;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END $$;

-- Of the given token hashes (hex), those whose session still stands: renod asks after its
-- subscription to reno_session was (re)established, when it may have missed an ending.
CREATE FUNCTION reno_session_check(p_token_hashes text[])
RETURNS TABLE (token_hash text) LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public, pg_temp AS $$
    SELECT encode(s.token_hash, 'hex')
      FROM session s JOIN account a ON a.id = s.account_id
     WHERE s.token_hash IN (SELECT decode(t, 'hex') FROM unnest(p_token_hashes) t)
       AND s.expires_at > now() AND NOT a.disabled
$$;

-- A new password hash (argon2id, computed by renod off its loop) for the account; every
-- session of the account but the one asking ends. Returns how many ended.
CREATE FUNCTION reno_login_change_password(p_account bigint, p_hash text, p_keep_token text,
                                           p_username text, p_address inet)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    v_count integer;
BEGIN
    UPDATE account SET password_hash = p_hash WHERE id = p_account AND NOT disabled;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the account is disabled' USING ERRCODE = 'RN403';
    END IF;
    DELETE FROM login_failure WHERE username = p_username AND address = p_address;
    PERFORM set_config('reno.session_end', 'password_changed', true);
    DELETE FROM session WHERE account_id = p_account
                          AND token_hash <> decode(p_keep_token, 'hex');
    GET DIAGNOSTICS v_count = ROW_COUNT;
    PERFORM reno_audit(p_account, 'change_password', 'account', p_account, NULL,
                       jsonb_build_object('sessions_ended', v_count));
    RETURN v_count;
END $$;

-- Periodic upkeep (renod's janitor): expired sessions, and failures older than the window
-- that lock nothing any more. Expired sessions end without a notification: every renod
-- already ends a connection at its session's expiry on its own.
CREATE FUNCTION reno_session_purge(p_window integer, OUT sessions integer, OUT failures integer)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM set_config('reno.session_end', 'expired', true);
    DELETE FROM session WHERE expires_at <= now();
    GET DIAGNOSTICS sessions = ROW_COUNT;
    DELETE FROM login_failure
     WHERE last_failed_at <= now() - make_interval(secs => p_window)
       AND (locked_until IS NULL OR locked_until <= now());
    GET DIAGNOSTICS failures = ROW_COUNT;
END $$;

-- ---- Notifications ------------------------------------------------------------------------
-- Payloads on channel reno_session: "token <hash hex> <reason>" and "account <id> <reason>",
-- reason one of logged_out, revoked, account_disabled, password_changed.

CREATE FUNCTION session_end_notify() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    -- A deletion by hand (psql) is a revocation.
    v_reason text := COALESCE(NULLIF(current_setting('reno.session_end', true), ''), 'revoked');
BEGIN
    IF v_reason <> 'expired' THEN
        PERFORM pg_notify('reno_session',
                          'token ' || encode(OLD.token_hash, 'hex') || ' ' || v_reason);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER session_end_notify AFTER DELETE ON session
    FOR EACH ROW EXECUTE FUNCTION session_end_notify();

CREATE FUNCTION account_disabled_notify() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.disabled AND NOT OLD.disabled THEN
        PERFORM pg_notify('reno_session', 'account ' || NEW.id || ' account_disabled');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER account_disabled_notify AFTER UPDATE OF disabled ON account
    FOR EACH ROW EXECUTE FUNCTION account_disabled_notify();

-- ---- The office's operations (proto/account.proto) ----------------------------------------

-- An account of the caller's programme by name; RN404 naming the field when there is none.
CREATE FUNCTION reno_account_id(p_account bigint, p_username text) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    SELECT a.id INTO v_id FROM account a JOIN unit u ON u.id = a.unit_id
     WHERE a.username = reno_nonblank(p_username, 'username')
       AND u.programme_id = reno_programme_of(p_account);
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'no account % in your programme', p_username
            USING ERRCODE = 'RN404', COLUMN = 'username';
    END IF;
    RETURN v_id;
END $$;

CREATE FUNCTION reno_op_list_accounts(p_account bigint)
RETURNS TABLE (username text, unit_code text, unit_name text, role text, disabled boolean,
               sessions integer, failed_logins integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reno_require(p_account, 'accounts.manage');
    RETURN QUERY
    SELECT a.username, u.code, u.name, a.role, a.disabled,
           (SELECT count(*)::integer FROM session s
             WHERE s.account_id = a.id AND s.expires_at > now()),
           (SELECT COALESCE(sum(f.failures), 0)::integer FROM login_failure f
             WHERE f.username = a.username)
      FROM account a JOIN unit u ON u.id = a.unit_id
     WHERE u.programme_id = reno_programme_of(p_account)
     ORDER BY a.username;
END $$;

CREATE FUNCTION reno_set_account_disabled(p_account bigint, p_key bytea, p_digest bytea,
                                          p_username text, p_disabled boolean, p_op text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    v_prior bigint;
    v_target bigint;
    v_ended integer := 0;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, p_op);
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'accounts.manage');
    v_target := reno_account_id(p_account, p_username);
    IF p_disabled AND v_target = p_account THEN
        RAISE EXCEPTION 'an account cannot disable itself'
            USING ERRCODE = 'check_violation', COLUMN = 'username';
    END IF;
    UPDATE account SET disabled = p_disabled WHERE account.id = v_target;
    IF p_disabled THEN
        PERFORM set_config('reno.session_end', 'account_disabled', true);
        DELETE FROM session WHERE account_id = v_target;
        GET DIAGNOSTICS v_ended = ROW_COUNT;
    END IF;
    PERFORM reno_audit(p_account, p_op, 'account', v_target, NULL,
                       jsonb_build_object('username', p_username, 'disabled', p_disabled,
                                          'sessions_ended', v_ended));
    PERFORM reno_idem_store(p_account, p_key, p_digest, p_op, v_target);
    RETURN QUERY SELECT v_target, false;
END $$;

CREATE FUNCTION reno_op_disable_account(p_account bigint, p_key bytea, p_digest bytea,
                                        p_username text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE sql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
    SELECT * FROM reno_set_account_disabled(p_account, p_key, p_digest, p_username, true,
                                            'disable_account')
$$;

CREATE FUNCTION reno_op_enable_account(p_account bigint, p_key bytea, p_digest bytea,
                                       p_username text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE sql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
    SELECT * FROM reno_set_account_disabled(p_account, p_key, p_digest, p_username, false,
                                            'enable_account')
$$;

CREATE FUNCTION reno_op_revoke_unit_sessions(p_account bigint, p_key bytea, p_digest bytea,
                                             p_unit_code text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    v_prior bigint;
    v_unit bigint;
    v_ended integer;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'revoke_unit_sessions');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'accounts.manage');
    v_unit := reno_unit_id(p_account, reno_nonblank(p_unit_code, 'unit_code'), 'unit_code');
    PERFORM set_config('reno.session_end', 'revoked', true);
    DELETE FROM session WHERE account_id IN (SELECT a.id FROM account a WHERE a.unit_id = v_unit);
    GET DIAGNOSTICS v_ended = ROW_COUNT;
    PERFORM reno_audit(p_account, 'revoke_unit_sessions', 'unit', v_unit, NULL,
                       jsonb_build_object('unit_code', p_unit_code, 'sessions_ended', v_ended));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'revoke_unit_sessions', v_ended);
    RETURN QUERY SELECT v_ended::bigint, false;
END $$;

-- Failures of names that are accounts of the caller's programme, and of names that are no
-- account at all (guesses belong to no programme); most recent first.
CREATE FUNCTION reno_op_list_lockouts(p_account bigint)
RETURNS TABLE (username text, address text, failures integer, last_failed_at text,
               locked_until text, locked boolean, account_exists boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reno_require(p_account, 'accounts.manage');
    RETURN QUERY
    SELECT f.username, host(f.address), f.failures,
           to_char(f.last_failed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           COALESCE(to_char(f.locked_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), ''),
           COALESCE(f.locked_until > now(), false), a.id IS NOT NULL
      FROM login_failure f
      LEFT JOIN account a ON a.username = f.username
      LEFT JOIN unit u ON u.id = a.unit_id
     WHERE a.id IS NULL OR u.programme_id = reno_programme_of(p_account)
     ORDER BY f.last_failed_at DESC, f.username, f.address
     LIMIT 500;
END $$;

CREATE FUNCTION reno_op_clear_lockout(p_account bigint, p_key bytea, p_digest bytea,
                                      p_username text, p_address text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    v_prior bigint;
    v_address inet;
    v_cleared integer;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'clear_lockout');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'accounts.manage');
    PERFORM reno_nonblank(p_username, 'username');
    IF COALESCE(p_address, '') <> '' THEN
        BEGIN
            v_address := p_address::inet;
        EXCEPTION WHEN invalid_text_representation THEN
            RAISE EXCEPTION 'address % is not an IP address', p_address
                USING ERRCODE = 'check_violation', COLUMN = 'address';
        END;
    END IF;
    -- Another programme's account is not the caller's to clear.
    IF EXISTS (SELECT 1 FROM account a JOIN unit u ON u.id = a.unit_id
                WHERE a.username = p_username
                  AND u.programme_id <> reno_programme_of(p_account)) THEN
        RAISE EXCEPTION 'no account % in your programme', p_username
            USING ERRCODE = 'RN404', COLUMN = 'username';
    END IF;
    DELETE FROM login_failure f
     WHERE f.username = p_username AND (v_address IS NULL OR f.address = v_address);
    GET DIAGNOSTICS v_cleared = ROW_COUNT;
    PERFORM reno_audit(p_account, 'clear_lockout', 'login_failure', NULL, NULL,
                       jsonb_build_object('username', p_username, 'address', p_address,
                                          'cleared', v_cleared));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'clear_lockout', v_cleared);
    RETURN QUERY SELECT v_cleared::bigint, false;
END $$;
