-- 0004_money: contracts from the tendering (招投标), oversight records (全过程工程监理 and
-- 跟踪审计), and the funds ledger (work plan sections 五 and 六(三)).
--
-- The ledger keeps, per project and per source of money, what was allocated to the project
-- (下达 / 筹集), what of it has arrived (到位) and what was paid out on the project's
-- contracts. Its rules live in this schema, in triggers that hold for every writer:
--   * the receipts of an allocation never add up to more than the allocation;
--   * the payments of a project from a source never add up to more than that project
--     received from that source: money is bound to its project (严禁挪用、拆借);
--   * the payments of a contract never add up to more than the contract's amount
--     (按合同约定支付工程进度款);
--   * no amount is negative (CHECKs), and ledger rows are never changed or removed.
-- There is deliberately NO operation that moves money from one project to another, and
-- none that lends it: a payment draws on the ledger of its own contract's project, and an
-- allocation, once recorded, stays with the project it was recorded for.
--
-- Amounts are yuan, numeric(15,2): exact, summed exactly. They arrive as the text of a
-- double (renod prints doubles with 17 digits); reno_money_amount() turns that into whole
-- fen and refuses anything that is not a whole number of fen.
--
-- Depends only on 0001_core and 0002_operations.

-- ---- Helpers -----------------------------------------------------------------------------

-- A request amount as yuan with two decimals. p_positive: zero is refused too. The upper
-- bound (1e12 yuan) is far above any county's programme and keeps numeric(15,2) safe.
CREATE FUNCTION reno_money_amount(p_amount numeric, p_field text, p_positive boolean)
RETURNS numeric LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    v numeric := round(COALESCE(p_amount, 0), 2);
BEGIN
    IF COALESCE(p_amount, 0) < 0 THEN
        RAISE EXCEPTION '% must not be negative', p_field
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
    -- A double carries 0.1 as 0.10000000000000001: such noise is far below a millionth of
    -- a fen, while a real third decimal (0.001 yuan) is not. Refuse that, never round it.
    IF abs(p_amount - v) > 0.000001 THEN
        RAISE EXCEPTION '% must be a whole number of fen (at most two decimals)', p_field
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
    IF p_positive AND v = 0 THEN
        RAISE EXCEPTION '% must be greater than 0', p_field
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
    IF v > 1000000000000 THEN
        RAISE EXCEPTION '% must be at most 1000000000000 yuan', p_field
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
    RETURN v;
END $$;

-- A required date of something that has happened: not empty and not after today. (renod
-- has already checked that a non-empty date is a valid YYYY-MM-DD.)
CREATE FUNCTION reno_money_date(p_date text, p_field text) RETURNS date
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v date;
BEGIN
    IF COALESCE(p_date, '') = '' THEN
        RAISE EXCEPTION '% is required', p_field
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
    v := p_date::date;
    IF v > current_date THEN
        RAISE EXCEPTION '% % is in the future: record it once it has happened', p_field, p_date
            USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
    RETURN v;
END $$;

CREATE FUNCTION reno_money_unit_of(p_account bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT a.unit_id FROM account a WHERE a.id = p_account
$$;

-- The ledger rows are facts: a payment made stays made. Changing or removing one would
-- silently break the sums the triggers below guard, so it is refused for everyone.
CREATE FUNCTION reno_money_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: ledger entries are never changed or removed',
        TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

-- ---- Contracts ---------------------------------------------------------------------------

CREATE TABLE contract (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    kind                text NOT NULL CHECK (kind IN ('construction', 'supervision', 'design',
                                                      'supplier', 'audit')),
    counterparty        text NOT NULL CHECK (length(counterparty) BETWEEN 1 AND 200),
    awarded_on          date NOT NULL,
    amount              numeric(15, 2) NOT NULL CHECK (amount >= 0),
    tender_method       text NOT NULL CHECK (length(tender_method) BETWEEN 1 AND 100),
    account_id          bigint NOT NULL REFERENCES account(id),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    -- The target of the (contract, project) foreign keys below: whatever refers to a
    -- contract also names its project, and the two must agree.
    UNIQUE (id, project_id)
);
CREATE INDEX contract_project ON contract (project_id);

-- ---- Oversight records -------------------------------------------------------------------

CREATE TABLE oversight_record (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    -- NULL when the record is about the project as a whole; otherwise a contract of the
    -- same project (the composite key is not checked when contract_id is NULL).
    contract_id         bigint,
    kind                text NOT NULL CHECK (kind IN ('supervision', 'tracking_audit')),
    recorded_on         date NOT NULL,
    findings            text NOT NULL CHECK (length(findings) BETWEEN 1 AND 4000),
    account_id          bigint NOT NULL REFERENCES account(id),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (contract_id, project_id) REFERENCES contract (id, project_id)
);
CREATE INDEX oversight_record_project ON oversight_record (project_id, recorded_on);
CREATE INDEX oversight_record_contract ON oversight_record (contract_id);

-- ---- The funds ledger --------------------------------------------------------------------

-- Where money comes from: subsidies and the county's funds, the five ways residents
-- contribute (section 六(三)), and utilities' own investment. One list for every table.
CREATE DOMAIN reno_fund_source AS text CHECK (VALUE IN (
    'central_subsidy',      -- 中央补助
    'provincial_subsidy',   -- 省级补助
    'county_fund',          -- 县级配套
    'resident_direct',      -- 居民直接出资
    'maintenance_fund',     -- 住宅专项维修资金
    'provident_fund',       -- 住房公积金
    'public_income',        -- 让渡小区公共收益
    'labour',               -- 投工投劳 (at its agreed value)
    'utility_investment')); -- 专营单位投资

CREATE TABLE fund_allocation (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES project(id),
    source              reno_fund_source NOT NULL,
    amount              numeric(15, 2) NOT NULL CHECK (amount > 0),
    allocated_on        date NOT NULL,
    document_ref        text NOT NULL DEFAULT '' CHECK (length(document_ref) <= 200),
    account_id          bigint NOT NULL REFERENCES account(id),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fund_allocation_project_source ON fund_allocation (project_id, source);

CREATE TABLE fund_receipt (
    id                  bigserial PRIMARY KEY,
    allocation_id       bigint NOT NULL REFERENCES fund_allocation(id),
    amount              numeric(15, 2) NOT NULL CHECK (amount > 0),
    received_on         date NOT NULL,
    account_id          bigint NOT NULL REFERENCES account(id),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fund_receipt_allocation ON fund_receipt (allocation_id);

CREATE TABLE fund_payment (
    id                  bigserial PRIMARY KEY,
    contract_id         bigint NOT NULL,
    -- The contract's project, kept here so that the balance of (project, source) is one
    -- indexed sum; the composite key makes it impossible to disagree with the contract.
    project_id          bigint NOT NULL,
    source              reno_fund_source NOT NULL,
    amount              numeric(15, 2) NOT NULL CHECK (amount > 0),
    paid_on             date NOT NULL,
    note                text NOT NULL DEFAULT '' CHECK (length(note) <= 4000),
    account_id          bigint NOT NULL REFERENCES account(id),
    unit_id             bigint NOT NULL REFERENCES unit(id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (contract_id, project_id) REFERENCES contract (id, project_id)
);
CREATE INDEX fund_payment_project_source ON fund_payment (project_id, source);
CREATE INDEX fund_payment_contract ON fund_payment (contract_id);

-- The advisory-lock key of the ledger of one project and source. Every payment takes it
-- before it sums that ledger, so two payments from the same balance run one after the
-- other and the second sees the first (READ COMMITTED: each statement of a volatile
-- function sees what was committed before it started).
CREATE FUNCTION reno_money_lock_key(p_project bigint, p_source text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT hashtextextended('reno.fund_ledger:' || p_project || ':' || p_source, 0)
$$;

-- Receipts never exceed their allocation. The allocation row is locked first, so that
-- two receipts of the same allocation are summed one after the other.
CREATE FUNCTION fund_receipt_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    alloc fund_allocation%ROWTYPE;
    so_far numeric;
BEGIN
    SELECT * INTO alloc FROM fund_allocation a WHERE a.id = NEW.allocation_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NEW;     -- the foreign key refuses it
    END IF;
    IF NEW.received_on < alloc.allocated_on THEN
        RAISE EXCEPTION 'received_on % is before the allocation of %', NEW.received_on,
            alloc.allocated_on USING ERRCODE = 'check_violation', COLUMN = 'received_on';
    END IF;
    SELECT COALESCE(sum(r.amount), 0.00) INTO so_far FROM fund_receipt r
     WHERE r.allocation_id = NEW.allocation_id;
    IF so_far + NEW.amount > alloc.amount THEN
        RAISE EXCEPTION 'allocation % is % yuan and % has arrived already: % more is too much',
            alloc.id, alloc.amount, so_far, NEW.amount
            USING ERRCODE = 'check_violation', COLUMN = 'amount';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER fund_receipt_within_allocation BEFORE INSERT ON fund_receipt
    FOR EACH ROW EXECUTE FUNCTION fund_receipt_check();

-- A payment is bound to its contract's project, comes after the award, keeps the contract
-- within its amount and the project's ledger of that source within what it received.
--
-- Locks, always in this order, so that no two payments can deadlock: the contract row
-- (payments of one contract are summed one at a time), then the (project, source) ledger
-- lock. The receipts summed are not locked: nothing ever lowers them (the ledger is
-- append-only), so a receipt committed meanwhile can only make a refusal too cautious,
-- never let a payment overdraw.
CREATE FUNCTION fund_payment_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    c contract%ROWTYPE;
    contract_paid numeric;
    received numeric;
    paid numeric;
BEGIN
    SELECT * INTO c FROM contract k WHERE k.id = NEW.contract_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NEW;     -- the foreign key refuses it
    END IF;
    IF NEW.project_id IS DISTINCT FROM c.project_id THEN
        RAISE EXCEPTION 'a payment of contract % is paid from project %''s money, not project %''s',
            c.id, c.project_id, NEW.project_id
            USING ERRCODE = 'check_violation', COLUMN = 'contract_id';
    END IF;
    IF NEW.paid_on < c.awarded_on THEN
        RAISE EXCEPTION 'paid_on % is before the contract was awarded on %', NEW.paid_on,
            c.awarded_on USING ERRCODE = 'check_violation', COLUMN = 'paid_on';
    END IF;

    SELECT COALESCE(sum(f.amount), 0.00) INTO contract_paid FROM fund_payment f
     WHERE f.contract_id = c.id;
    IF contract_paid + NEW.amount > c.amount THEN
        RAISE EXCEPTION 'contract % is % yuan and % is paid already: % more exceeds the contract',
            c.id, c.amount, contract_paid, NEW.amount
            USING ERRCODE = 'check_violation', COLUMN = 'amount';
    END IF;

    PERFORM pg_advisory_xact_lock(reno_money_lock_key(NEW.project_id, NEW.source));
    SELECT COALESCE(sum(r.amount), 0.00) INTO received
      FROM fund_receipt r JOIN fund_allocation a ON a.id = r.allocation_id
     WHERE a.project_id = NEW.project_id AND a.source = NEW.source;
    SELECT COALESCE(sum(f.amount), 0.00) INTO paid FROM fund_payment f
     WHERE f.project_id = NEW.project_id AND f.source = NEW.source;
    IF paid + NEW.amount > received THEN
        RAISE EXCEPTION 'project % has % yuan of % available (received %, paid %): % cannot be paid from it, and no other project''s money may be used',
            NEW.project_id, received - paid, NEW.source, received, paid, NEW.amount
            USING ERRCODE = 'check_violation', COLUMN = 'amount';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER fund_payment_within_balance BEFORE INSERT ON fund_payment
    FOR EACH ROW EXECUTE FUNCTION fund_payment_check();

-- A contract's amount may not drop below what was paid on it (no operation changes a
-- contract today; this keeps the rule true for whatever does later).
CREATE FUNCTION contract_check_paid() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    paid numeric;
BEGIN
    SELECT COALESCE(sum(f.amount), 0.00) INTO paid FROM fund_payment f WHERE f.contract_id = OLD.id;
    IF NEW.amount < paid THEN
        RAISE EXCEPTION 'contract % has % yuan paid on it already', OLD.id, paid
            USING ERRCODE = 'check_violation', COLUMN = 'amount';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER contract_amount_covers_paid BEFORE UPDATE OF amount ON contract
    FOR EACH ROW EXECUTE FUNCTION contract_check_paid();

CREATE TRIGGER fund_allocation_append_only BEFORE UPDATE OR DELETE ON fund_allocation
    FOR EACH ROW EXECUTE FUNCTION reno_money_refuse_change();
CREATE TRIGGER fund_allocation_no_truncate BEFORE TRUNCATE ON fund_allocation
    FOR EACH STATEMENT EXECUTE FUNCTION reno_money_refuse_change();
CREATE TRIGGER fund_receipt_append_only BEFORE UPDATE OR DELETE ON fund_receipt
    FOR EACH ROW EXECUTE FUNCTION reno_money_refuse_change();
CREATE TRIGGER fund_receipt_no_truncate BEFORE TRUNCATE ON fund_receipt
    FOR EACH STATEMENT EXECUTE FUNCTION reno_money_refuse_change();
CREATE TRIGGER fund_payment_append_only BEFORE UPDATE OR DELETE ON fund_payment
    FOR EACH ROW EXECUTE FUNCTION reno_money_refuse_change();
CREATE TRIGGER fund_payment_no_truncate BEFORE TRUNCATE ON fund_payment
    FOR EACH STATEMENT EXECUTE FUNCTION reno_money_refuse_change();

-- ---- Lookups that name the field at fault --------------------------------------------------

-- A contract of the caller's programme; RN404 otherwise.
CREATE FUNCTION reno_money_contract(p_account bigint, p_contract bigint) RETURNS contract
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v contract%ROWTYPE;
BEGIN
    SELECT k.* INTO v FROM contract k JOIN project p ON p.id = k.project_id
     WHERE k.id = p_contract AND p.programme_id = reno_programme_of(p_account);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'contract % not found', p_contract
            USING ERRCODE = 'RN404', COLUMN = 'contract_id';
    END IF;
    RETURN v;
END $$;

-- ---- Contract operations -----------------------------------------------------------------

CREATE FUNCTION reno_op_add_contract(p_account bigint, p_key bytea, p_digest bytea,
                                     p_project_id bigint, p_kind text, p_counterparty text,
                                     p_awarded_on text, p_amount numeric,
                                     p_tender_method text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_counterparty text;
    v_awarded_on date;
    v_amount numeric;
    v_tender_method text;
    v_after contract%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'add_contract');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    -- The project promotion group's seat (the housing bureau) and the office.
    PERFORM reno_require(p_account, 'contract.write');
    -- Fields are checked in field order, so the first one at fault is the one named.
    PERFORM reno_project_check(p_account, p_project_id);
    PERFORM reno_given(p_kind, 'kind');
    v_counterparty := reno_text(p_counterparty, 'counterparty', 200, true);
    v_awarded_on := reno_money_date(p_awarded_on, 'awarded_on');
    v_amount := reno_money_amount(p_amount, 'amount', false);
    v_tender_method := reno_text(p_tender_method, 'tender_method', 100, true);
    INSERT INTO contract (project_id, kind, counterparty, awarded_on, amount, tender_method,
                          account_id, unit_id)
    VALUES (p_project_id, p_kind, v_counterparty, v_awarded_on, v_amount, v_tender_method,
            p_account, reno_money_unit_of(p_account))
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'add_contract', 'contract', v_after.id, NULL,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'add_contract', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE FUNCTION reno_op_list_contracts(p_account bigint, p_project_id bigint)
RETURNS TABLE (id bigint, project_id bigint, project_name text, kind text,
               counterparty text, awarded_on text, amount numeric, tender_method text,
               paid numeric, remaining numeric)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    SELECT k.id, k.project_id, p.name, k.kind, k.counterparty,
           to_char(k.awarded_on, 'YYYY-MM-DD'), k.amount, k.tender_method,
           COALESCE(f.paid, 0), k.amount - COALESCE(f.paid, 0)
      FROM contract k
      JOIN project p ON p.id = k.project_id
      LEFT JOIN (SELECT fp.contract_id, sum(fp.amount) AS paid FROM fund_payment fp
                  GROUP BY fp.contract_id) f ON f.contract_id = k.id
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR k.project_id = p_project_id)
     ORDER BY k.project_id, k.awarded_on, k.id;
END $$;

-- ---- Oversight operations ----------------------------------------------------------------

-- Full-process supervision (全过程工程监理) and tracking audit (跟踪审计) are written by
-- the same hands as the contracts they oversee: right contract.write.
CREATE FUNCTION reno_op_record_oversight(p_account bigint, p_key bytea, p_digest bytea,
                                         p_project_id bigint, p_kind text, p_recorded_on text,
                                         p_findings text, p_contract_id bigint)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_contract contract%ROWTYPE;
    v_on date;
    v_findings text;
    v_after oversight_record%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'record_oversight');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'contract.write');
    PERFORM reno_project_check(p_account, p_project_id);
    PERFORM reno_given(p_kind, 'kind');
    v_on := reno_money_date(p_recorded_on, 'recorded_on');
    v_findings := reno_text(p_findings, 'findings', 4000, true);
    IF COALESCE(p_contract_id, 0) <> 0 THEN
        v_contract := reno_money_contract(p_account, p_contract_id);
        IF v_contract.project_id <> p_project_id THEN
            RAISE EXCEPTION 'contract % belongs to project %, not to project %',
                v_contract.id, v_contract.project_id, p_project_id
                USING ERRCODE = 'check_violation', COLUMN = 'contract_id';
        END IF;
        -- Overseeing a contract starts with its award: an earlier date is a typing error.
        IF v_on < v_contract.awarded_on THEN
            RAISE EXCEPTION 'recorded_on % is before the contract was awarded on %', v_on,
                v_contract.awarded_on USING ERRCODE = 'check_violation', COLUMN = 'recorded_on';
        END IF;
    END IF;
    INSERT INTO oversight_record (project_id, contract_id, kind, recorded_on, findings,
                                  account_id, unit_id)
    VALUES (p_project_id, v_contract.id, p_kind, v_on, v_findings, p_account,
            reno_money_unit_of(p_account))
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'record_oversight', 'oversight_record', v_after.id, NULL,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'record_oversight', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE FUNCTION reno_op_list_oversight(p_account bigint, p_project_id bigint,
                                       p_contract_id bigint, p_kind text)
RETURNS TABLE (id bigint, project_id bigint, project_name text, kind text, recorded_on text,
               findings text, contract_id bigint, counterparty text, recorded_by text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    IF COALESCE(p_contract_id, 0) <> 0 THEN
        PERFORM reno_money_contract(p_account, p_contract_id);
    END IF;
    RETURN QUERY
    SELECT o.id, o.project_id, p.name, o.kind, to_char(o.recorded_on, 'YYYY-MM-DD'),
           o.findings, COALESCE(o.contract_id, 0), COALESCE(k.counterparty, ''), u.name
      FROM oversight_record o
      JOIN project p ON p.id = o.project_id
      JOIN unit u ON u.id = o.unit_id
      LEFT JOIN contract k ON k.id = o.contract_id
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR o.project_id = p_project_id)
       AND (COALESCE(p_contract_id, 0) = 0 OR o.contract_id = p_contract_id)
       AND (p_kind IS NULL OR o.kind = p_kind)
     ORDER BY o.recorded_on, o.id;
END $$;

-- ---- Funds operations --------------------------------------------------------------------
-- All three writes need funds.write: the fund management group's seat (the finance
-- bureau) and the office.

CREATE FUNCTION reno_op_allocate_funds(p_account bigint, p_key bytea, p_digest bytea,
                                       p_project_id bigint, p_source text, p_amount numeric,
                                       p_allocated_on text, p_document_ref text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_amount numeric;
    v_allocated_on date;
    v_document_ref text;
    v_after fund_allocation%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'allocate_funds');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'funds.write');
    PERFORM reno_project_check(p_account, p_project_id);
    PERFORM reno_given(p_source, 'source');
    v_amount := reno_money_amount(p_amount, 'amount', true);
    v_allocated_on := reno_money_date(p_allocated_on, 'allocated_on');
    v_document_ref := reno_text(p_document_ref, 'document_ref', 200, false);
    INSERT INTO fund_allocation (project_id, source, amount, allocated_on, document_ref,
                                 account_id, unit_id)
    VALUES (p_project_id, p_source, v_amount, v_allocated_on, v_document_ref, p_account,
            reno_money_unit_of(p_account))
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'allocate_funds', 'fund_allocation', v_after.id, NULL,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'allocate_funds', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- The ceiling (receipts ≤ allocation) and the date order are the fund_receipt trigger's.
CREATE FUNCTION reno_op_receive_funds(p_account bigint, p_key bytea, p_digest bytea,
                                      p_allocation_id bigint, p_amount numeric,
                                      p_received_on text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_amount numeric;
    v_received_on date;
    v_after fund_receipt%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'receive_funds');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'funds.write');
    IF NOT EXISTS (SELECT 1 FROM fund_allocation a JOIN project p ON p.id = a.project_id
                    WHERE a.id = p_allocation_id
                      AND p.programme_id = reno_programme_of(p_account)) THEN
        RAISE EXCEPTION 'allocation % not found', p_allocation_id
            USING ERRCODE = 'RN404', COLUMN = 'allocation_id';
    END IF;
    v_amount := reno_money_amount(p_amount, 'amount', true);
    v_received_on := reno_money_date(p_received_on, 'received_on');
    INSERT INTO fund_receipt (allocation_id, amount, received_on, account_id, unit_id)
    VALUES (p_allocation_id, v_amount, v_received_on, p_account, reno_money_unit_of(p_account))
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'receive_funds', 'fund_receipt', v_after.id, NULL,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'receive_funds', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

-- The payment takes its project from the contract, never from the request: the money it
-- draws on is the contract's project's. The balance and contract ceilings, the date order
-- and the locking that makes them hold under concurrency are the fund_payment trigger's.
CREATE FUNCTION reno_op_record_payment(p_account bigint, p_key bytea, p_digest bytea,
                                       p_contract_id bigint, p_source text, p_amount numeric,
                                       p_paid_on text, p_note text)
RETURNS TABLE (id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_prior bigint;
    v_contract contract%ROWTYPE;
    v_amount numeric;
    v_paid_on date;
    v_note text;
    v_after fund_payment%ROWTYPE;
BEGIN
    v_prior := reno_idem_prior(p_account, p_key, p_digest, 'record_payment');
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT v_prior, true;
        RETURN;
    END IF;
    PERFORM reno_require(p_account, 'funds.write');
    v_contract := reno_money_contract(p_account, p_contract_id);
    PERFORM reno_given(p_source, 'source');
    v_amount := reno_money_amount(p_amount, 'amount', true);
    v_paid_on := reno_money_date(p_paid_on, 'paid_on');
    v_note := reno_text(p_note, 'note', 4000, false);
    INSERT INTO fund_payment (contract_id, project_id, source, amount, paid_on, note,
                              account_id, unit_id)
    VALUES (v_contract.id, v_contract.project_id, p_source, v_amount, v_paid_on, v_note,
            p_account, reno_money_unit_of(p_account))
    RETURNING * INTO v_after;
    PERFORM reno_audit(p_account, 'record_payment', 'fund_payment', v_after.id, NULL,
                       to_jsonb(v_after));
    PERFORM reno_idem_store(p_account, p_key, p_digest, 'record_payment', v_after.id);
    RETURN QUERY SELECT v_after.id, false;
END $$;

CREATE FUNCTION reno_op_list_allocations(p_account bigint, p_project_id bigint, p_source text)
RETURNS TABLE (id bigint, project_id bigint, project_name text, source text, amount numeric,
               allocated_on text, document_ref text, received numeric, outstanding numeric)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    SELECT a.id, a.project_id, p.name, a.source::text, a.amount,
           to_char(a.allocated_on, 'YYYY-MM-DD'), a.document_ref, COALESCE(r.received, 0),
           a.amount - COALESCE(r.received, 0)
      FROM fund_allocation a
      JOIN project p ON p.id = a.project_id
      LEFT JOIN (SELECT fr.allocation_id, sum(fr.amount) AS received FROM fund_receipt fr
                  GROUP BY fr.allocation_id) r ON r.allocation_id = a.id
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR a.project_id = p_project_id)
       AND (p_source IS NULL OR a.source = p_source)
     ORDER BY a.project_id, a.allocated_on, a.id;
END $$;

-- One line per project and source that has an allocation (a payment needs a receipt,
-- which needs an allocation, so no money is left out).
CREATE FUNCTION reno_op_list_ledger(p_account bigint, p_project_id bigint)
RETURNS TABLE (project_id bigint, project_name text, source text, allocated numeric,
               received numeric, paid numeric, available numeric)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    RETURN QUERY
    WITH alloc AS (
        SELECT a.project_id, a.source::text AS source, sum(a.amount) AS allocated
          FROM fund_allocation a GROUP BY a.project_id, a.source
    ), recv AS (
        SELECT a.project_id, a.source::text AS source, sum(r.amount) AS received
          FROM fund_receipt r JOIN fund_allocation a ON a.id = r.allocation_id
         GROUP BY a.project_id, a.source
    ), pay AS (
        SELECT f.project_id, f.source::text AS source, sum(f.amount) AS paid
          FROM fund_payment f GROUP BY f.project_id, f.source
    )
    SELECT al.project_id, p.name, al.source, al.allocated, COALESCE(rc.received, 0),
           COALESCE(py.paid, 0), COALESCE(rc.received, 0) - COALESCE(py.paid, 0)
      FROM alloc al
      JOIN project p ON p.id = al.project_id
      LEFT JOIN recv rc ON rc.project_id = al.project_id AND rc.source = al.source
      LEFT JOIN pay py ON py.project_id = al.project_id AND py.source = al.source
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR al.project_id = p_project_id)
     ORDER BY al.project_id,
              array_position(ARRAY['central_subsidy', 'provincial_subsidy', 'county_fund',
                                   'resident_direct', 'maintenance_fund', 'provident_fund',
                                   'public_income', 'labour', 'utility_investment'],
                             al.source);
END $$;

CREATE FUNCTION reno_op_list_payments(p_account bigint, p_project_id bigint,
                                      p_contract_id bigint)
RETURNS TABLE (id bigint, project_id bigint, project_name text, contract_id bigint,
               counterparty text, source text, amount numeric, paid_on text, note text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_project_id, 0) <> 0 THEN
        PERFORM reno_project_check(p_account, p_project_id);
    END IF;
    IF COALESCE(p_contract_id, 0) <> 0 THEN
        PERFORM reno_money_contract(p_account, p_contract_id);
    END IF;
    RETURN QUERY
    SELECT f.id, f.project_id, p.name, f.contract_id, k.counterparty, f.source::text,
           f.amount, to_char(f.paid_on, 'YYYY-MM-DD'), f.note
      FROM fund_payment f
      JOIN contract k ON k.id = f.contract_id
      JOIN project p ON p.id = f.project_id
     WHERE p.programme_id = reno_programme_of(p_account)
       AND (COALESCE(p_project_id, 0) = 0 OR f.project_id = p_project_id)
       AND (COALESCE(p_contract_id, 0) = 0 OR f.contract_id = p_contract_id)
     ORDER BY f.paid_on, f.id;
END $$;
