-- city: the functions of county -> city replication and of the city's reads (the tables
-- are in migrations/0018_city.sql, which explains the id ranges).
--
-- Re-runnable (CREATE OR REPLACE only): renod migrate applies every file of
-- schema/functions after the migrations, on every run.

-- The column whose value says whose row it is: id, or the first column of the primary key
-- (a ranged id of the row it belongs to) for the few tables without one.
CREATE OR REPLACE FUNCTION reno_ranged_column(p_table text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(
        (SELECT 'id' FROM pg_attribute
          WHERE attrelid = ('public.' || p_table)::regclass AND attname = 'id'
            AND NOT attisdropped),
        (SELECT a.attname FROM pg_index i
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
          WHERE i.indrelid = ('public.' || p_table)::regclass AND i.indisprimary))::text
$$;

-- Records the site's jurisdiction and moves every sequence of the schema into its range.
-- Idempotent for the same code; refuses another code (RN409), an unknown one (RN404), and
-- a database holding published rows outside the range (RN409, naming the table).
CREATE OR REPLACE FUNCTION reno_site_set(p_code integer) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_current integer := reno_site_code();
    v_base bigint := reno_id_base(p_code);
    v_table text;
    v_column text;
    v_outside bigint;
    v_seq record;
BEGIN
    IF v_current IS NOT NULL AND v_current <> p_code THEN
        RAISE EXCEPTION 'this database already serves jurisdiction %', v_current
            USING ERRCODE = 'RN409';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM jurisdiction WHERE code = p_code) THEN
        RAISE EXCEPTION 'no jurisdiction % (INSERT INTO jurisdiction first)', p_code
            USING ERRCODE = 'RN404';
    END IF;
    FOR v_table IN SELECT name FROM replicated_table ORDER BY name LOOP
        v_column := reno_ranged_column(v_table);
        EXECUTE format('SELECT count(*) FROM %I WHERE %I NOT BETWEEN $1 AND $2',
                       v_table, v_column)
            INTO v_outside USING v_base, v_base + 999999999999;
        IF v_outside > 0 THEN
            RAISE EXCEPTION '% rows of % have ids outside jurisdiction %''s range: set the '
                            'site before loading the programme', v_outside, v_table, p_code
                USING ERRCODE = 'RN409';
        END IF;
    END LOOP;
    FOR v_seq IN
        SELECT s.oid::regclass AS seq FROM pg_class s
          JOIN pg_namespace n ON n.oid = s.relnamespace
         WHERE s.relkind = 'S' AND n.nspname = 'public'
    LOOP
        -- A sequence already moved (a second run) is left where it is.
        CONTINUE WHEN COALESCE(pg_sequence_last_value(v_seq.seq), 0) >= v_base;
        EXECUTE format('ALTER SEQUENCE %s MINVALUE %s MAXVALUE %s START WITH %s RESTART WITH %s',
                       v_seq.seq, v_base, v_base + 999999999999, v_base + 1, v_base + 1);
    END LOOP;
    INSERT INTO site (jurisdiction_code) VALUES (p_code) ON CONFLICT (singleton) DO NOTHING;
    UPDATE programme SET jurisdiction_code = p_code WHERE jurisdiction_code IS NULL;
    RETURN (SELECT name FROM jurisdiction WHERE code = p_code);
END $$;

-- The publication's table list, for CREATE or ALTER PUBLICATION. Every one of them has a
-- primary key, which logical replication uses to apply a county's UPDATE and DELETE.
CREATE OR REPLACE FUNCTION reno_publication_tables() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT string_agg(format('%I', name), ', ' ORDER BY name) FROM replicated_table
$$;

-- Rows that came from a county are read-only at the city: a local INSERT, UPDATE or
-- DELETE of a row whose origin is not this site is refused (RN403 becomes
-- PERMISSION_DENIED). An ordinary trigger does not fire in the subscription's apply
-- worker (session_replication_role = replica), so replication itself is not hindered.
CREATE OR REPLACE FUNCTION reno_replica_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_row jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
    v_origin integer := reno_origin((v_row ->> TG_ARGV[0])::bigint);
BEGIN
    IF v_origin IS DISTINCT FROM reno_site_code() THEN
        RAISE EXCEPTION '% rows of jurisdiction % are read-only here: they are replicated '
                        'from that county, which alone may change them', TG_TABLE_NAME, v_origin
            USING ERRCODE = 'RN403';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

-- Run by `renod subscribe` (idempotent): the guard on every replicated table, and the
-- audit log's notify trigger made ALWAYS, so that a county's change applied by the
-- subscription NOTIFYs 'reno_changed' as a local write does and the city's renod and
-- its watchers hear of it.
CREATE OR REPLACE FUNCTION reno_city_install() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_table text;
    v_count integer := 0;
BEGIN
    FOR v_table IN SELECT name FROM replicated_table ORDER BY name LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_trigger
                        WHERE tgrelid = ('public.' || v_table)::regclass
                          AND tgname = 'reno_replica_guard') THEN
            EXECUTE format('CREATE TRIGGER reno_replica_guard BEFORE INSERT OR UPDATE OR '
                           'DELETE ON %I FOR EACH ROW EXECUTE FUNCTION '
                           'reno_replica_guard(%L)', v_table, reno_ranged_column(v_table));
            v_count := v_count + 1;
        END IF;
    END LOOP;
    ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_notify;
    -- Again here, in case a later definition of the function dropped its search_path: the
    -- apply worker runs with an empty one.
    ALTER FUNCTION audit_log_notify() SET search_path = public, pg_temp;
    RETURN v_count;
END $$;

-- ---- What the city's renod serves ------------------------------------------------------

-- The city's reads are for the office and the leaders of a programme of this site (the
-- city's own), at a site that is a city or a province. Anyone else, a county's view
-- account at the city included, is refused: a county does not see another county's data.
CREATE OR REPLACE FUNCTION reno_city_require(p_account bigint) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_site integer := reno_site_code();
BEGIN
    IF v_site IS NULL OR (SELECT level FROM jurisdiction WHERE code = v_site) = 'county' THEN
        RAISE EXCEPTION 'this database is not a city''s: it subscribes to no county'
            USING ERRCODE = 'RN403';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM account a JOIN unit u ON u.id = a.unit_id
                    WHERE a.id = p_account AND a.role IN ('office', 'leader')
                      AND NOT a.disabled AND reno_origin(u.programme_id) = v_site) THEN
        RAISE EXCEPTION 'the city''s consolidated figures are for the city''s office and leaders'
            USING ERRCODE = 'RN403';
    END IF;
    RETURN v_site;
END $$;

-- How far behind each county is, from the subscription's worker: whether it is connected,
-- when the county last sent (every change it committed before then has arrived), and
-- the position applied. The county's newest audit record here says when its last change
-- was made, connected or not.
CREATE OR REPLACE FUNCTION reno_city_links()
RETURNS TABLE (jurisdiction_code integer, subscription text, connected boolean,
               figures_as_of timestamptz, lag_seconds bigint, applied_lsn text,
               apply_errors bigint, last_change_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT l.jurisdiction_code, 'reno_' || l.name, w.pid IS NOT NULL,
           w.last_msg_send_time,
           COALESCE(floor(extract(epoch FROM now() - w.last_msg_send_time))::bigint, -1),
           COALESCE(w.latest_end_lsn::text, ''),
           COALESCE(st.apply_error_count + st.sync_error_count, 0),
           (SELECT max(a.at) FROM audit_log a
             WHERE a.id BETWEEN reno_id_base(l.jurisdiction_code)
                            AND reno_id_base(l.jurisdiction_code) + 999999999999)
      FROM county_link l
      LEFT JOIN pg_stat_subscription w ON w.subname = 'reno_' || l.name AND w.relid IS NULL
      LEFT JOIN pg_stat_subscription_stats st ON st.subname = 'reno_' || l.name
$$;

CREATE OR REPLACE FUNCTION reno_city_ts(p timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(to_char(p AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '')
$$;

-- Each county's programme of a year under the site, as of today: households in scope,
-- started and completed (each project's latest report, as the status counts them),
-- projects and projects started, and the newest report counted.
CREATE OR REPLACE FUNCTION reno_city_counties(p_site integer, p_year integer)
RETURNS TABLE (code integer, programme_code text, year integer, households integer,
               started integer, completed integer, projects integer, projects_started integer,
               last_report date)
LANGUAGE sql STABLE AS $$
    SELECT g.jurisdiction_code, g.code, g.year,
           COALESCE(sum(p.households_in_scope), 0)::integer,
           COALESCE(sum(n.households_started), 0)::integer,
           COALESCE(sum(n.households_completed), 0)::integer,
           count(p.id)::integer,
           (count(p.id) FILTER (WHERE n.households_started > 0))::integer,
           max(n.report_date)
      FROM programme g
      JOIN jurisdiction j ON j.code = g.jurisdiction_code
      LEFT JOIN project p ON p.programme_id = g.id
      LEFT JOIN reno_progress_as_of(g.id, current_date) n ON n.project_id = p.id
     WHERE j.parent_code = p_site AND (p_year = 0 OR g.year = p_year)
     GROUP BY g.id
$$;

-- The consolidated status of every county's programme for the year (0: every year), and
-- of the city as a whole (the last row, with the city's own code), as of today.
CREATE OR REPLACE FUNCTION reno_op_city_status(p_account bigint, p_year integer)
RETURNS TABLE (jurisdiction_code integer, jurisdiction text, programme_code text,
               year integer, households integer, households_started integer,
               households_completed integer, started_pct double precision, projects integer,
               projects_started integer, last_report_date text, subscription text,
               connected boolean, figures_as_of text, lag_seconds bigint, applied_lsn text,
               apply_errors bigint, last_change_at text)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    v_site integer := reno_city_require(p_account);
BEGIN
    RETURN QUERY
    SELECT c.code, j.name, c.programme_code, c.year, c.households, c.started, c.completed,
           reno_status_pct(c.started, c.households), c.projects, c.projects_started,
           COALESCE(to_char(c.last_report, 'YYYY-MM-DD'), ''),
           COALESCE(k.subscription, ''), COALESCE(k.connected, false),
           reno_city_ts(k.figures_as_of), COALESCE(k.lag_seconds, -1),
           COALESCE(k.applied_lsn, ''), COALESCE(k.apply_errors, 0),
           reno_city_ts(k.last_change_at)
      FROM reno_city_counties(v_site, p_year) c
      JOIN jurisdiction j ON j.code = c.code
      LEFT JOIN reno_city_links() k ON k.jurisdiction_code = c.code
     ORDER BY c.code, c.programme_code;
    RETURN QUERY
    SELECT v_site, (SELECT j.name FROM jurisdiction j WHERE j.code = v_site) || ' 合计', '',
           p_year, COALESCE(sum(c.households), 0)::integer,
           COALESCE(sum(c.started), 0)::integer, COALESCE(sum(c.completed), 0)::integer,
           reno_status_pct(COALESCE(sum(c.started), 0), COALESCE(sum(c.households), 0)),
           COALESCE(sum(c.projects), 0)::integer, COALESCE(sum(c.projects_started), 0)::integer,
           COALESCE(to_char(max(c.last_report), 'YYYY-MM-DD'), ''), '',
           COALESCE(bool_and(COALESCE(k.connected, false)), false),
           reno_city_ts(min(k.figures_as_of)),
           CASE WHEN bool_and(k.lag_seconds >= 0) THEN max(k.lag_seconds) ELSE -1 END,
           '', COALESCE(sum(k.apply_errors), 0)::bigint, reno_city_ts(max(k.last_change_at))
      FROM reno_city_counties(v_site, p_year) c
      LEFT JOIN reno_city_links() k ON k.jurisdiction_code = c.code;
END $$;

-- A rule's verdict as of a date: met or missed once its due date has passed (measured on
-- the due date), met already or not yet due before it.
CREATE OR REPLACE FUNCTION reno_city_verdict(p_met_at_due boolean, p_met_now boolean, p_due date,
                                  p_as_of date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_as_of >= p_due THEN CASE WHEN p_met_at_due THEN '达标' ELSE '未达标' END
        WHEN p_met_now THEN '已达标'
        ELSE '未到期'
    END
$$;

-- The city's half-monthly summary: one row per county for one collection round (the
-- 14th or the 28th): the round's state and whether the county closed it within its
-- window, the reports and missing reporters, the figures as of the round's effective
-- date, and the plan's three rules judged as of that date.
CREATE OR REPLACE FUNCTION reno_op_city_summary(p_account bigint, p_round_date text)
RETURNS TABLE (jurisdiction_code integer, jurisdiction text, programme_code text,
               round_date text, state text, closed_at text, timeliness text,
               reports_received integer, units_missing integer, households integer,
               households_started integer, households_completed integer,
               start_share_rule text, all_started_rule text, completion_rule text,
               connected boolean, lag_seconds bigint)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    v_site integer := reno_city_require(p_account);
    v_round date;
BEGIN
    IF p_round_date !~ '^\d{4}-\d{2}-(14|28)$' THEN
        RAISE EXCEPTION 'a round is the 14th or the 28th of a month, YYYY-MM-DD'
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'round_date';
    END IF;
    v_round := p_round_date::date;
    RETURN QUERY
    WITH r AS (
        SELECT g.id, g.jurisdiction_code AS code, g.code AS programme_code, g.start_share_pct,
               g.start_share_due, g.all_started_due, g.completion_due, s.effective_on,
               s.window_closes_on, s.state, s.close_id, s.closed_at
          FROM programme g
          JOIN jurisdiction j ON j.code = g.jurisdiction_code
          JOIN reno_sup_rounds(g.id) s ON s.round_on = v_round
         WHERE j.parent_code = v_site
    ), fig AS (
        SELECT r.id,
               (SELECT COALESCE(sum(p.households_in_scope), 0) FROM project p
                 WHERE p.programme_id = r.id)::integer AS households,
               (SELECT count(*) FROM project p WHERE p.programme_id = r.id)::integer AS projects,
               (SELECT COALESCE(sum(n.households_started), 0)
                  FROM reno_progress_as_of(r.id, r.effective_on) n)::integer AS started,
               (SELECT COALESCE(sum(n.households_completed), 0)
                  FROM reno_progress_as_of(r.id, r.effective_on) n)::integer AS completed,
               (SELECT count(*) FILTER (WHERE n.households_started > 0)
                  FROM reno_progress_as_of(r.id, r.effective_on) n)::integer AS projects_started,
               (SELECT COALESCE(sum(n.households_started), 0)
                  FROM reno_progress_as_of(r.id, least(r.effective_on, r.start_share_due)) n)
                   AS started_at_share_due,
               (SELECT count(*) FILTER (WHERE n.households_started > 0)
                  FROM reno_progress_as_of(r.id, least(r.effective_on, r.all_started_due)) n)
                   AS started_projects_at_due,
               (SELECT COALESCE(sum(n.households_completed), 0)
                  FROM reno_progress_as_of(r.id, least(r.effective_on, r.completion_due)) n)
                   AS completed_at_due
          FROM r
    )
    SELECT r.code, j.name, r.programme_code, to_char(v_round, 'YYYY-MM-DD'), r.state,
           reno_city_ts(r.closed_at),
           CASE
               WHEN r.state = 'closed' AND r.closed_at::date <= r.window_closes_on THEN '按时'
               WHEN r.state = 'closed' THEN '逾期'
               WHEN r.state = 'upcoming' THEN '未开始'
               WHEN current_date > r.window_closes_on THEN '逾期未关闭'
               ELSE '进行中'
           END,
           (SELECT count(*)::integer FROM round_report rr JOIN project p ON p.id = rr.project_id
             WHERE p.programme_id = r.id AND rr.round_on = v_round
               AND rr.superseded_by IS NULL),
           CASE r.state
               WHEN 'upcoming' THEN 0
               WHEN 'closed' THEN (SELECT count(DISTINCT s.unit_id)::integer
                                     FROM round_snapshot_missing s
                                    WHERE s.round_close_id = r.close_id)
               ELSE (SELECT count(DISTINCT m.unit_id)::integer
                       FROM reno_sup_missing(r.id, v_round) m)
           END,
           n.households, n.started, n.completed,
           reno_city_verdict(n.started_at_share_due * 100 >= r.start_share_pct * n.households,
                             n.started * 100 >= r.start_share_pct * n.households,
                             r.start_share_due, r.effective_on),
           reno_city_verdict(n.started_projects_at_due >= n.projects,
                             n.projects_started >= n.projects, r.all_started_due,
                             r.effective_on),
           reno_city_verdict(n.completed_at_due >= n.households, n.completed >= n.households,
                             r.completion_due, r.effective_on),
           COALESCE(k.connected, false), COALESCE(k.lag_seconds, -1)
      FROM r
      JOIN fig n ON n.id = r.id
      JOIN jurisdiction j ON j.code = r.code
      LEFT JOIN reno_city_links() k ON k.jurisdiction_code = r.code
     ORDER BY r.code;
END $$;

-- Deletes every row of a county at the city (`renod unsubscribe NAME --purge`, after the
-- subscription is gone). In replica mode, as the apply worker works, so that neither the
-- read-only guard nor the foreign keys' triggers stand in the way: the county's rows go
-- whole. Needs a superuser (session_replication_role). Returns the rows deleted.
CREATE OR REPLACE FUNCTION reno_city_purge(p_code integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_table text;
    v_rows bigint;
    v_total bigint := 0;
BEGIN
    IF p_code = reno_site_code() THEN
        RAISE EXCEPTION 'jurisdiction % is this site''s own', p_code USING ERRCODE = 'RN409';
    END IF;
    PERFORM set_config('session_replication_role', 'replica', true);
    FOR v_table IN SELECT name FROM replicated_table ORDER BY name LOOP
        EXECUTE format('DELETE FROM %I WHERE %I BETWEEN $1 AND $2', v_table,
                       reno_ranged_column(v_table))
            USING reno_id_base(p_code), reno_id_base(p_code) + 999999999999;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_total := v_total + v_rows;
    END LOOP;
    PERFORM set_config('session_replication_role', 'origin', true);
    RETURN v_total;
END $$;
