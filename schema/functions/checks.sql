-- checks: the argument checks every operation shares, and the contract of their refusals.
-- Each raises check_violation with COLUMN naming the request field (renod reports it as the
-- field path, e.g. record_survey.kind) and, for a value that is missing, DETAIL 'required'
-- and HINT the form it takes when there is one ('YYYY-MM-DD'). renod copies DETAIL and
-- HINT into its struct db_error and from there into Status.reason and Status.args
-- (common/msg.c, msg_reason_of_db), so that a client says "missing the required --date" in
-- its own language from these facts, never from the English MESSAGE, which stays for
-- logs and for scripts.
--
-- Re-runnable (CREATE OR REPLACE; DROP where a signature or result changed): renod
-- migrate applies it after the migrations on every run. The bodies were 0002's and 0004's.

-- A value that must be given: an enum (value 0, "unspecified", arrives as NULL) or an id.
CREATE OR REPLACE FUNCTION reno_given(p_value text, p_field text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF p_value IS NULL THEN
        RAISE EXCEPTION '% is required', p_field
            USING ERRCODE = 'check_violation', COLUMN = p_field, DETAIL = 'required';
    END IF;
    RETURN p_value;
END $$;

-- Text trimmed of spaces (the document pads with U+2002 and U+3000 too), required or
-- not, at most p_max characters.
CREATE OR REPLACE FUNCTION reno_text(p_value text, p_field text, p_max integer,
                                     p_required boolean)
RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    v text := regexp_replace(COALESCE(p_value, ''),
                             '^[[:space:]\u2002\u3000]+|[[:space:]\u2002\u3000]+$', '', 'g');
BEGIN
    IF p_required AND v = '' THEN
        RAISE EXCEPTION '% is required', p_field
            USING ERRCODE = 'check_violation', COLUMN = p_field, DETAIL = 'required';
    END IF;
    IF length(v) > p_max THEN
        RAISE EXCEPTION '% is % characters long, at most % allowed', p_field, length(v), p_max
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
    RETURN v;
END $$;

-- Text that must not be blank, returned as given.
CREATE OR REPLACE FUNCTION reno_nonblank(p_value text, p_field text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF btrim(COALESCE(p_value, ''), E' \t\r\n\u2002\u3000') = '' THEN
        RAISE EXCEPTION '% is required', p_field
            USING ERRCODE = 'check_violation', COLUMN = p_field, DETAIL = 'required';
    END IF;
    RETURN p_value;
END $$;

-- A date YYYY-MM-DD; NULL when empty and not required.
CREATE OR REPLACE FUNCTION reno_date(p_text text, p_field text, p_required boolean)
RETURNS date LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_text, '') = '' THEN
        IF p_required THEN
            RAISE EXCEPTION '% is required (YYYY-MM-DD)', p_field
                USING ERRCODE = 'check_violation', COLUMN = p_field, DETAIL = 'required',
                      HINT = 'YYYY-MM-DD';
        END IF;
        RETURN NULL;
    END IF;
    IF p_text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
        RAISE EXCEPTION '% must be a date YYYY-MM-DD, got "%"', p_field, left(p_text, 40)
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
    BEGIN
        RETURN p_text::date;
    EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
        RAISE EXCEPTION '% is not a calendar date: %', p_field, p_text
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END;
END $$;

-- A required date of something that has happened: not empty and not after today. (renod
-- has already checked that a non-empty date is a valid YYYY-MM-DD.)
CREATE OR REPLACE FUNCTION reno_money_date(p_date text, p_field text) RETURNS date
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v date;
BEGIN
    IF COALESCE(p_date, '') = '' THEN
        RAISE EXCEPTION '% is required', p_field
            USING ERRCODE = 'check_violation', COLUMN = p_field, DETAIL = 'required',
                  HINT = 'YYYY-MM-DD';
    END IF;
    v := p_date::date;
    IF v > current_date THEN
        RAISE EXCEPTION '% % is in the future: record it once it has happened', p_field, p_date
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
    RETURN v;
END $$;
