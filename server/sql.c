/*
 * The run-time SQL of renod, in one place. Writes go through functions defined by the
 * migrations (schema/migrations), so that a write and its audit and idempotency rows are
 * one statement and one transaction.
 */
#include "sql.h"

#include <stddef.h>

#include "log.h"

/*
 * Whether the server is a standby, and how far behind the primary it was: 0 when it had
 * replayed all the WAL it had received (caught up, or the primary idle since), else the
 * age of the last transaction it replayed; -1 when that is unknown. now() is the
 * transaction's start, so in the status's snapshot the figure belongs to that snapshot.
 */
#define STANDBY_LAG_COLUMNS                                                                        \
    "pg_is_in_recovery(), CASE WHEN NOT pg_is_in_recovery() THEN 0 "                               \
    "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "                            \
    "ELSE COALESCE(GREATEST(0, (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) "      \
    "* 1000)::bigint), -1) END"

static const struct sql_statement statements[SQL_STMT_COUNT] = {
    /* Login and sessions: functions of schema/migrations/0011_sessions.sql. */
    [SQL_LOGIN_BEGIN] = {"login_begin",
                         "SELECT * FROM reno_login_begin($1, $2::inet, $3, $4, $5, $6, $7)", 7},
    [SQL_SESSION_CREATE] = {"session_create",
                            "SELECT reno_session_create($1, $2, $3, $4, $5::inet)", 5},
    [SQL_SESSION_RESUME] =
        {"session_resume",
         "SELECT a.id, a.username, a.role, u.id, u.name, p.id, p.code, p.title, "
         "extract(epoch FROM s.expires_at)::bigint "
         "FROM session s JOIN account a ON a.id = s.account_id "
         "JOIN unit u ON u.id = a.unit_id JOIN programme p ON p.id = u.programme_id "
         "WHERE s.token_hash = decode($1, 'hex') AND s.expires_at > now() AND NOT a.disabled",
         1},
    [SQL_SESSION_END] = {"session_end", "SELECT reno_session_end($1, $2::boolean)", 2},
    [SQL_SESSION_CHECK] = {"session_check",
                           "SELECT token_hash, ended FROM reno_session_check_ended($1::text[])", 1},
    [SQL_PASSWORD_CHANGE] = {"password_change",
                             "SELECT reno_login_change_password($1, $2, $3, $4, $5::inet)", 5},
    [SQL_PURGE] = {"purge", "SELECT sessions, failures FROM reno_session_purge($1)", 1},
    [SQL_PUSH_PROGRESS] =
        {"push_progress",
         "SELECT report_id, replayed, reno_write_position() FROM reno_push_progress($1, "
         "decode($2, 'hex'), "
         "decode($3, 'hex'), $4, $5::date, $6, $7, $8)",
         8},
    [SQL_STATUS_BEGIN] = {"status_begin", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0},
    [SQL_STATUS_COMMIT] = {"status_commit", "COMMIT", 0},
    [SQL_STATUS_POSITION] = {"status_position", "SELECT reno_position(), " STANDBY_LAG_COLUMNS, 0},
    [SQL_STATUS_PROGRAMME] =
        {"status_programme",
         "SELECT code, title, target_households, target_projects, start_share_pct, "
         "start_share_due, all_started_due, completion_due FROM programme WHERE id = $1",
         1},
    /* One row per project: its progress as of the requested date and as of each rule's
     * measuring date (the caller passes min(as_of, due) for each). A project's households
     * are those in scope: a demolition project's demolished part is outside renovation.
     * Each date's progress is reno_progress_as_of's (the latest report dated on or before
     * it, ties to the later insert, 0 without one), read by one probe of the project's
     * reports in progress_report_project_date per project and date; a rule's date that
     * is the requested date (every date before the plan's first due date, the
     * completion's until it is due) takes the requested date's report, not a probe of
     * its own. (Through reno_progress_as_of it was four joins of the programme's
     * projects, each probing: at 60,000 projects 240,000 probes and five scans.) */
    [SQL_STATUS_PROJECTS] =
        {"status_projects",
         "SELECT p.id, p.name, p.community, p.households_in_scope, p.is_sample, "
         "COALESCE(n.households_started, 0), COALESCE(n.households_completed, 0), "
         "COALESCE(to_char(n.report_date, 'YYYY-MM-DD'), ''), "
         "COALESCE(CASE WHEN $3::date = $2::date THEN n.households_started "
         "ELSE r1.households_started END, 0), "
         "COALESCE(CASE WHEN $4::date = $2::date THEN n.households_started "
         "ELSE r2.households_started END, 0), "
         "COALESCE(CASE WHEN $5::date = $2::date THEN n.households_completed "
         "ELSE r3.households_completed END, 0) "
         "FROM project p "
         "LEFT JOIN LATERAL (SELECT pr.households_started, pr.households_completed, "
         "pr.report_date FROM progress_report pr "
         "WHERE pr.project_id = p.id AND pr.report_date <= $2::date "
         "ORDER BY pr.report_date DESC, pr.id DESC LIMIT 1) n ON true "
         "LEFT JOIN LATERAL (SELECT pr.households_started FROM progress_report pr "
         "WHERE $3::date <> $2::date AND pr.project_id = p.id AND pr.report_date <= $3::date "
         "ORDER BY pr.report_date DESC, pr.id DESC LIMIT 1) r1 ON true "
         "LEFT JOIN LATERAL (SELECT pr.households_started FROM progress_report pr "
         "WHERE $4::date <> $2::date AND pr.project_id = p.id AND pr.report_date <= $4::date "
         "ORDER BY pr.report_date DESC, pr.id DESC LIMIT 1) r2 ON true "
         "LEFT JOIN LATERAL (SELECT pr.households_completed FROM progress_report pr "
         "WHERE $5::date <> $2::date AND pr.project_id = p.id AND pr.report_date <= $5::date "
         "ORDER BY pr.report_date DESC, pr.id DESC LIMIT 1) r3 ON true "
         "WHERE p.programme_id = $1 ORDER BY p.id",
         5},
    /* The measures of the work plan's rules for a report, summed in the database: the
     * same figures as SQL_STATUS_PROJECTS adds up row by row for the status (a project
     * counts as started with one household started), without sending every project. */
    [SQL_REPORT_RULES] = {"report_rules",
                          "SELECT count(*), COALESCE(sum(p.households_in_scope), 0), "
                          "COALESCE(sum(r1.households_started), 0), "
                          "count(*) FILTER (WHERE r2.households_started > 0), "
                          "COALESCE(sum(r3.households_completed), 0) "
                          "FROM project p "
                          "JOIN reno_progress_as_of($1, $2::date) r1 ON r1.project_id = p.id "
                          "JOIN reno_progress_as_of($1, $3::date) r2 ON r2.project_id = p.id "
                          "JOIN reno_progress_as_of($1, $4::date) r3 ON r3.project_id = p.id "
                          "WHERE p.programme_id = $1",
                          4},
    [SQL_REPORT_PRIOR] = {"report_prior", "SELECT * FROM reno_report_prior($1, $2, $3)", 3},
    [SQL_REPORT_DATA] = {"report_data",
                         "SELECT * FROM reno_report_data($1, $2, $3, $4::boolean, $5)", 5},
    [SQL_REPORT_STORE] = {"report_store",
                          "SELECT * FROM reno_report_store($1, $2, $3, $4, $5, $6, $7, $8, "
                          "$9::integer, $10, $11)",
                          11},
    [SQL_STANDBY_LAG] = {"standby_lag", "SELECT " STANDBY_LAG_COLUMNS, 0},
    [SQL_PING] = {"ping", "SELECT 1", 0},
};

const struct sql_statement *sql_get(enum sql_stmt stmt)
{
    if ((unsigned)stmt >= SQL_STMT_COUNT || statements[stmt].text == NULL)
        fatal("no SQL statement %d", (int)stmt);
    return &statements[stmt];
}
