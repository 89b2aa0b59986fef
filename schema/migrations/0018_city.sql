-- 0018_city: jurisdictions as data, and what a county database publishes to its city.
--
-- The national regime rolls counties up into cities and cities into provinces (分级实施、
-- 逐级汇总). A programme belongs to a jurisdiction (county, city or province, named by its
-- administrative division code, e.g. 520425 for 紫云苗族布依族自治县) and a year. A county
-- database publishes the tables the city needs; the city's database subscribes to every
-- county with PostgreSQL's logical replication (docs/SCALING.md), so the same qualified
-- table names hold the city's own rows and the counties' rows side by side.
--
-- Ids never collide because each database draws them from its own range: `renod site
-- CODE` records the database's jurisdiction and moves every sequence to
-- [CODE * 10^12, (CODE + 1) * 10^12). A row's origin is therefore its id divided by
-- 10^12 (reno_origin), in every table, at the county and at the city alike, with no
-- extra column to keep in step. Six-digit codes keep every id below 10^18, inside bigint.
-- A database that already holds rows outside its range cannot be given one (reno_site_set
-- says which table): the range is set before the programme's seed is loaded.

CREATE TABLE jurisdiction (
    code                integer PRIMARY KEY CHECK (code BETWEEN 100000 AND 999999),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    level               text NOT NULL CHECK (level IN ('province', 'city', 'county')),
    parent_code         integer REFERENCES jurisdiction(code),
    CHECK ((level = 'province') = (parent_code IS NULL))
);

-- Guizhou, Anshun and Anshun's districts and counties (GB/T 2260). Others are added with
-- INSERT INTO jurisdiction by the operator of the city or province that needs them.
INSERT INTO jurisdiction (code, name, level, parent_code) VALUES
    (520000, '贵州省', 'province', NULL),
    (520400, '安顺市', 'city', 520000),
    (520402, '西秀区', 'county', 520400),
    (520403, '平坝区', 'county', 520400),
    (520422, '普定县', 'county', 520400),
    (520423, '镇宁布依族苗族自治县', 'county', 520400),
    (520424, '关岭布依族苗族自治县', 'county', 520400),
    (520425, '紫云苗族布依族自治县', 'county', 520400);

-- The jurisdiction this database serves; one row, set once by `renod site CODE`.
CREATE TABLE site (
    singleton           boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    jurisdiction_code   integer NOT NULL REFERENCES jurisdiction(code),
    set_at              timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION reno_site_code() RETURNS integer
LANGUAGE sql STABLE AS $$ SELECT jurisdiction_code FROM site $$;

CREATE FUNCTION reno_id_base(p_code integer) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT p_code::bigint * 1000000000000 $$;

CREATE FUNCTION reno_origin(p_id bigint) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT (p_id / 1000000000000)::integer $$;

-- A programme belongs to a jurisdiction and a year (year is in 0001). New programmes take
-- the site's jurisdiction; the county's code travels with the row to the city.
ALTER TABLE programme ADD COLUMN jurisdiction_code integer REFERENCES jurisdiction(code);
ALTER TABLE programme ALTER COLUMN jurisdiction_code SET DEFAULT reno_site_code();

-- The tables a county publishes: everything the city needs to rebuild the county's
-- status, rounds, money, line work, supervision and issued reports, with the audit log
-- (whose trigger tells the city's renod of each change, and which issued reports point
-- into). Left out: accounts, sessions, idempotency keys and login failures (a county's
-- credentials stay in the county), rights (each site grants its own), and the reference
-- tables every migration fills alike (content_catalogue, light_rule_kind,
-- milestone_evidence). A migration that adds a table the city needs adds a row here
-- (docs/SCALING.md: order of migrations).
CREATE TABLE replicated_table (
    name                text PRIMARY KEY
);
INSERT INTO replicated_table (name) VALUES
    ('programme'), ('unit'), ('unit_alias'), ('person'), ('leading_group_member'),
    ('working_group'), ('group_member'), ('project'), ('project_unit'),
    ('progress_report'), ('audit_log'), ('project_item'), ('milestone_template'),
    ('project_milestone'), ('contract'), ('oversight_record'), ('fund_allocation'),
    ('fund_receipt'), ('fund_payment'), ('line_work'), ('line_handover'),
    ('resident_survey'), ('plan_notice'), ('acceptance'), ('acceptance_unit'),
    ('acceptance_copy'), ('final_audit'), ('management_arrangement'), ('evaluation_item'),
    ('evaluation_conclusion'), ('scheduling_meeting'), ('meeting_attendee'),
    ('supervision_item'), ('supervision_event'), ('supervision_extension'), ('round_rule'),
    ('round_close'), ('round_report'), ('round_snapshot_progress'),
    ('round_snapshot_report'), ('round_snapshot_missing'), ('issued_report'),
    ('light_rule');




-- ---- The city's side ------------------------------------------------------------------

-- One row per county the city subscribes to: the subscription's name is 'reno_' || name.
CREATE TABLE county_link (
    name                text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_]{0,39}$'),
    jurisdiction_code   integer NOT NULL UNIQUE REFERENCES jurisdiction(code),
    linked_at           timestamptz NOT NULL DEFAULT now()
);

-- The subscription's apply worker runs with an empty search_path: the audit log's notify
-- trigger, made ALWAYS at a city (reno_city_install), must name its schema to find unit.
ALTER FUNCTION audit_log_notify() SET search_path = public, pg_temp;
