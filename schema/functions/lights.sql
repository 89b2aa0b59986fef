-- lights: the body of set_light_rule, whose refusal of a missing code names it by its facts
-- (DETAIL 'required', see checks.sql) rather than only in an English sentence. It was
-- 0009's, unchanged but for that.
--
-- Re-runnable (CREATE OR REPLACE; DROP where a signature or result changed): renod
-- migrate applies it after the migrations on every run.

-- Sets one threshold of the caller's programme. Right lights.write, which the seed grants
-- to nobody: only the office's '*' holds it. Returns the light_rule row's id.
CREATE OR REPLACE FUNCTION reno_op_set_light_rule(p_account bigint, p_key bytea, p_digest bytea,
                                       p_code text, p_value integer)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_programme bigint := reno_programme_of(p_account);
    v_kind light_rule_kind%ROWTYPE;
    v_before light_rule%ROWTYPE;
    v_after light_rule%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'set_light_rule');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'lights.write');
    IF COALESCE(btrim(p_code), '') = '' THEN
        RAISE EXCEPTION 'code is required (see light list)'
            USING ERRCODE = 'check_violation', COLUMN = 'code', DETAIL = 'required';
    END IF;
    SELECT * INTO v_kind FROM light_rule_kind k WHERE k.code = p_code;
    IF v_kind.code IS NULL THEN
        RAISE EXCEPTION 'no light rule "%" (there are: %)', p_code,
            (SELECT string_agg(k.code, ', ' ORDER BY k.seq) FROM light_rule_kind k)
            USING ERRCODE = 'RN404', COLUMN = 'code';
    END IF;
    IF p_value IS NULL OR p_value < v_kind.min_value OR p_value > v_kind.max_value THEN
        RAISE EXCEPTION '% must be between % and %, got %', p_code, v_kind.min_value,
            v_kind.max_value, p_value
            USING ERRCODE = 'check_violation', COLUMN = 'value';
    END IF;
    SELECT * INTO v_before FROM light_rule r
     WHERE r.programme_id = v_programme AND r.code = p_code FOR UPDATE;
    INSERT INTO light_rule (programme_id, code, value, updated_by)
    VALUES (v_programme, p_code, p_value, p_account)
    ON CONFLICT (programme_id, code) DO UPDATE
       SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'set_light_rule', 'light_rule', v_after.id,
                       CASE WHEN v_before.id IS NULL THEN NULL ELSE to_jsonb(v_before) END,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'set_light_rule', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;
