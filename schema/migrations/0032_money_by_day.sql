-- 0032_money_by_day: a programme's money by day, kept as its ledgers are written, so that
-- the totals of the consolidated status as of a date (all projects' funds per source,
-- all projects' contracts per kind: schema/functions/status_totals.sql) add up a few
-- rows per day of the year instead of every allocation, receipt, payment and contract of
-- the programme. At 60,000 projects the two totals read about 1.3 million rows on every
-- `reno status --as-of`; by day they read at most a few thousand.
--
-- fund_day: per programme, day and source, what was allocated (by allocated_on),
-- received (by received_on; the receipt's project and source are its allocation's) and
-- paid (by paid_on) that day. contract_day: per programme, day and kind, the contracts
-- awarded that day (count and amount) and the payments that count from that day on: a
-- payment counts as of a date when it was paid by then on a contract awarded by then, so
-- it is kept under the later of its paid_on and its contract's awarded_on.
--
-- Kept by the triggers below, in the transaction of the write: the ledgers are
-- append-only (0004: no UPDATE, DELETE or TRUNCATE), so an insert adds; a contract, which
-- 0004 lets change, moves its own sums and its payments' from its old day and kind to
-- its new ones; a project moved to another programme takes its sums along. Rows are never
-- removed: a row whose sums went back to zero is what a moved contract or project leaves,
-- and the readers skip a source or kind with nothing in it (every amount of a ledger is
-- positive, so "nothing" is a zero sum; a contract is counted).
--
-- Several writers of one programme's money on one day and source meet on one row and
-- commit one after the other; payments of one project and source already do (0004's
-- advisory lock), and money is written a few times a day, not thousands.
--
-- These are this database's own writes. A county's programme replicated into a city's
-- database (0018_city.sql) arrives by the subscription's apply worker, which fires no
-- ordinary trigger, and its tables may be copied in any order at the start: there the
-- status reads the ledgers themselves (status_totals.sql asks reno_programme_replicated),
-- and these tables hold only the city's own programmes.

-- A programme of another jurisdiction, replicated into this database from its county
-- (the test of reno_status_touched, schema/functions/status_project.sql).
CREATE FUNCTION reno_programme_replicated(p_programme bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT reno_site_code() IS NOT NULL
       AND EXISTS (SELECT 1 FROM programme g
                    WHERE g.id = p_programme AND g.jurisdiction_code IS DISTINCT FROM reno_site_code())
$$;

CREATE TABLE fund_day (
    programme_id        bigint NOT NULL REFERENCES programme(id),
    day                 date NOT NULL,
    source              reno_fund_source NOT NULL,
    allocated           numeric NOT NULL DEFAULT 0,
    received            numeric NOT NULL DEFAULT 0,
    paid                numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (programme_id, day, source)
);

CREATE TABLE contract_day (
    programme_id        bigint NOT NULL REFERENCES programme(id),
    day                 date NOT NULL,
    kind                text NOT NULL,
    contracts           integer NOT NULL DEFAULT 0,
    amount              numeric NOT NULL DEFAULT 0,
    paid                numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (programme_id, day, kind)
);

-- Adds to one day's row (negative amounts take away).
CREATE FUNCTION reno_fund_day_add(p_programme bigint, p_day date, p_source text,
                                  p_allocated numeric, p_received numeric, p_paid numeric)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO fund_day AS d (programme_id, day, source, allocated, received, paid)
    VALUES (p_programme, p_day, p_source, p_allocated, p_received, p_paid)
    ON CONFLICT (programme_id, day, source) DO UPDATE
       SET allocated = d.allocated + EXCLUDED.allocated,
           received = d.received + EXCLUDED.received,
           paid = d.paid + EXCLUDED.paid
$$;

CREATE FUNCTION reno_contract_day_add(p_programme bigint, p_day date, p_kind text,
                                      p_contracts integer, p_amount numeric, p_paid numeric)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO contract_day AS d (programme_id, day, kind, contracts, amount, paid)
    VALUES (p_programme, p_day, p_kind, p_contracts, p_amount, p_paid)
    ON CONFLICT (programme_id, day, kind) DO UPDATE
       SET contracts = d.contracts + EXCLUDED.contracts,
           amount = d.amount + EXCLUDED.amount,
           paid = d.paid + EXCLUDED.paid
$$;

CREATE FUNCTION fund_allocation_by_day() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reno_fund_day_add(p.programme_id, NEW.allocated_on, NEW.source, NEW.amount, 0, 0)
       FROM project p WHERE p.id = NEW.project_id;
    RETURN NULL;
END $$;

CREATE FUNCTION fund_receipt_by_day() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reno_fund_day_add(p.programme_id, NEW.received_on, a.source, 0, NEW.amount, 0)
       FROM fund_allocation a JOIN project p ON p.id = a.project_id
      WHERE a.id = NEW.allocation_id;
    RETURN NULL;
END $$;

CREATE FUNCTION fund_payment_by_day() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reno_fund_day_add(p.programme_id, NEW.paid_on, NEW.source, 0, 0, NEW.amount)
       FROM project p WHERE p.id = NEW.project_id;
    PERFORM reno_contract_day_add(p.programme_id, greatest(NEW.paid_on, c.awarded_on), c.kind,
                                  0, 0, NEW.amount)
       FROM contract c JOIN project p ON p.id = c.project_id
      WHERE c.id = NEW.contract_id;
    RETURN NULL;
END $$;

-- A contract's own sums and its payments', added with p_sign (1 or -1) under the
-- contract's row as given (OLD or NEW).
CREATE FUNCTION reno_contract_by_day(c contract, p_sign integer, p_payments boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_programme bigint := (SELECT p.programme_id FROM project p WHERE p.id = c.project_id);
BEGIN
    PERFORM reno_contract_day_add(v_programme, c.awarded_on, c.kind, p_sign, p_sign * c.amount, 0);
    IF p_payments THEN
        PERFORM reno_contract_day_add(v_programme, x.day, c.kind, 0, 0, p_sign * x.paid)
           FROM (SELECT greatest(f.paid_on, c.awarded_on) AS day, sum(f.amount) AS paid
                   FROM fund_payment f WHERE f.contract_id = c.id
                  GROUP BY 1 ORDER BY 1) x;
    END IF;
END $$;

CREATE FUNCTION contract_by_day() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    -- An update of the amount alone leaves the payments where they are.
    v_moved boolean := TG_OP = 'UPDATE'
        AND (OLD.kind, OLD.awarded_on, OLD.project_id)
            IS DISTINCT FROM (NEW.kind, NEW.awarded_on, NEW.project_id);
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM reno_contract_by_day(OLD, -1, v_moved OR TG_OP = 'DELETE');
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM reno_contract_by_day(NEW, 1, v_moved);
    END IF;
    RETURN NULL;
END $$;

-- Everything of one project's money, added to p_programme with p_sign.
CREATE FUNCTION reno_money_by_day_of_project(p_project bigint, p_programme bigint,
                                             p_sign integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reno_fund_day_add(p_programme, x.day, x.source, p_sign * x.allocated,
                              p_sign * x.received, p_sign * x.paid)
       FROM (SELECT m.day, m.source, sum(m.allocated) AS allocated,
                    sum(m.received) AS received, sum(m.paid) AS paid
               FROM (SELECT a.allocated_on AS day, a.source::text AS source,
                            a.amount AS allocated, 0::numeric AS received, 0::numeric AS paid
                       FROM fund_allocation a WHERE a.project_id = p_project
                     UNION ALL
                     SELECT r.received_on, a.source::text, 0, r.amount, 0
                       FROM fund_receipt r JOIN fund_allocation a ON a.id = r.allocation_id
                      WHERE a.project_id = p_project
                     UNION ALL
                     SELECT f.paid_on, f.source::text, 0, 0, f.amount
                       FROM fund_payment f WHERE f.project_id = p_project) m
              GROUP BY m.day, m.source ORDER BY m.day, m.source) x;
    PERFORM reno_contract_day_add(p_programme, x.day, x.kind, p_sign * x.contracts,
                                  p_sign * x.amount, p_sign * x.paid)
       FROM (SELECT m.day, m.kind, sum(m.contracts)::int AS contracts, sum(m.amount) AS amount,
                    sum(m.paid) AS paid
               FROM (SELECT c.awarded_on AS day, c.kind, 1 AS contracts, c.amount,
                            0::numeric AS paid
                       FROM contract c WHERE c.project_id = p_project
                     UNION ALL
                     SELECT greatest(f.paid_on, c.awarded_on), c.kind, 0, 0, f.amount
                       FROM fund_payment f JOIN contract c ON c.id = f.contract_id
                      WHERE c.project_id = p_project) m
              GROUP BY m.day, m.kind ORDER BY m.day, m.kind) x;
END $$;

CREATE FUNCTION project_money_by_day() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reno_money_by_day_of_project(NEW.id, OLD.programme_id, -1);
    PERFORM reno_money_by_day_of_project(NEW.id, NEW.programme_id, 1);
    RETURN NULL;
END $$;

CREATE TRIGGER fund_allocation_by_day AFTER INSERT ON fund_allocation
    FOR EACH ROW EXECUTE FUNCTION fund_allocation_by_day();
CREATE TRIGGER fund_receipt_by_day AFTER INSERT ON fund_receipt
    FOR EACH ROW EXECUTE FUNCTION fund_receipt_by_day();
CREATE TRIGGER fund_payment_by_day AFTER INSERT ON fund_payment
    FOR EACH ROW EXECUTE FUNCTION fund_payment_by_day();
CREATE TRIGGER contract_by_day AFTER INSERT OR UPDATE OR DELETE ON contract
    FOR EACH ROW EXECUTE FUNCTION contract_by_day();
CREATE TRIGGER project_money_by_day AFTER UPDATE OF programme_id ON project
    FOR EACH ROW WHEN (OLD.programme_id IS DISTINCT FROM NEW.programme_id)
    EXECUTE FUNCTION project_money_by_day();

-- What the ledgers of this database's own programmes hold today, by day.
INSERT INTO fund_day (programme_id, day, source, allocated, received, paid)
SELECT m.programme_id, m.day, m.source, sum(m.allocated), sum(m.received), sum(m.paid)
  FROM (SELECT p.programme_id, a.allocated_on AS day, a.source, a.amount AS allocated,
               0::numeric AS received, 0::numeric AS paid
          FROM fund_allocation a JOIN project p ON p.id = a.project_id
        UNION ALL
        SELECT p.programme_id, r.received_on, a.source, 0, r.amount, 0
          FROM fund_receipt r JOIN fund_allocation a ON a.id = r.allocation_id
          JOIN project p ON p.id = a.project_id
        UNION ALL
        SELECT p.programme_id, f.paid_on, f.source, 0, 0, f.amount
          FROM fund_payment f JOIN project p ON p.id = f.project_id) m
 GROUP BY m.programme_id, m.day, m.source
HAVING NOT reno_programme_replicated(m.programme_id);

INSERT INTO contract_day (programme_id, day, kind, contracts, amount, paid)
SELECT m.programme_id, m.day, m.kind, sum(m.contracts), sum(m.amount), sum(m.paid)
  FROM (SELECT p.programme_id, c.awarded_on AS day, c.kind, 1 AS contracts, c.amount,
               0::numeric AS paid
          FROM contract c JOIN project p ON p.id = c.project_id
        UNION ALL
        SELECT p.programme_id, greatest(f.paid_on, c.awarded_on), c.kind, 0, 0, f.amount
          FROM fund_payment f JOIN contract c ON c.id = f.contract_id
          JOIN project p ON p.id = c.project_id) m
 GROUP BY m.programme_id, m.day, m.kind
HAVING NOT reno_programme_replicated(m.programme_id);
