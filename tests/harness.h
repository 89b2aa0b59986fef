/*
 * The integration-test harness: real PostgreSQL, real renod processes, real clients.
 *
 * Each run of the suites has a throwaway cluster of its own (tests/it-cluster.sh, under
 * which the test command's ctest runs each shard), in PGHOST, PGPORT, PGUSER and
 * RENO_TEST_PGCLUSTER. Before any test runs, h_global_setup() builds one template
 * database (migrations, the Ziyun 2022 seed, five test accounts); each test then gets its
 * own database copied from it and its own renod on an ephemeral loopback port, so tests
 * share nothing. Those renods serve plaintext, asked for explicitly
 * (--tls off, allowed on loopback only), and the harness exports RENO_TLS=off so that the
 * reno processes the tests run ask for it too; h_server_start_tls() starts one that
 * serves TLS with a certificate from scripts/tls-certs, for the suites that test TLS.
 *
 * Tests run in forked children (Check's default). A renod started by a test is tied to
 * that child with PR_SET_PDEATHSIG, so a failing test never leaves a server behind.
 *
 * Ownership: everything returned by h_* is freed by the matching h_* call; helpers that
 * fail use ck_assert, so a test never continues on a broken fixture.
 */
#ifndef RENO_TESTS_HARNESS_H
#define RENO_TESTS_HARNESS_H

#include <check.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <sys/types.h>

#include "net.h"
#include "reno.pb-c.h"

/* The test accounts in the template: username, unit code, role. Passwords are the
 * username followed by "-test-password" (test data only; the server has none built in),
 * hashed at libsodium's least cost (see h_global_setup() in harness.c). */
#define H_OFFICE  "office" /* 领导小组办公室, office */
#define H_HOUSING "housing" /* 县住房和城乡建设局, department, responsible for both projects */
#define H_FINANCE "finance" /* 县财政局, department, responsible for no project */
#define H_LEADER  "leader"  /* 紫云自治县人民政府, leader */
#define H_POWER   "power-grid" /* 南方电网紫云分公司, utility, responsible for both projects */

/* The database role renod serves as in the tests: renod migrate's default, created by
 * the template's migration. Administrative commands and the tests' own SQL connect as
 * the cluster's superuser. */
#define H_APP_ROLE "reno_app"

struct h_server {
    pid_t pid;
    int port;
    bool tls;     /* started by h_server_start_tls() */
    char ca[300]; /* then: the CA file that signed its certificate */
    char address[64];
    char db[64];
    char dir[256];
    char log_path[300];
};

void h_global_setup(void);
void h_global_teardown(void);

/* A fresh database copied from the template; its name is written to name. */
void h_db_new(char name[64]);
void h_db_drop(const char *name);

/* Starts renod on the database; extra is a NULL-terminated list of more arguments. */
void h_server_start(struct h_server *s, const char *db, const char *const *extra);
/* Makes a CA and a server certificate for the host names (NULL-terminated) in dir with
 * scripts/tls-certs: dir/ca.crt, dir/server.crt, dir/server.key. */
void h_tls_certs(const char *dir, const char *const *hosts);
/* Starts renod serving TLS with the certificate and key in cert_dir (see h_tls_certs());
 * h_connect() and h_login() then connect with TLS, trusting cert_dir/ca.crt. */
void h_server_start_tls(struct h_server *s, const char *db, const char *cert_dir,
                        const char *const *extra);
/* SIGTERM, then waits; returns renod's exit status (0 when it shut down cleanly, which
 * under the sanitizer build also means no leak was reported). */
int h_server_stop(struct h_server *s);
/* Waits for a server that was told to stop (e.g. sent SIGTERM by the test itself);
 * returns its exit status as h_server_stop() does. */
int h_server_wait(struct h_server *s);
/* True when the server process is still running. */
bool h_server_alive(const struct h_server *s);
/* True when a line of the server's log contains needle. */
bool h_log_has(const struct h_server *s, const char *needle);
/* Waits until a line of the server's log contains needle, for at most timeout_ms; true
 * when one does. For tests that must not act before the server has done something it
 * logs, whatever the machine's load. */
bool h_log_wait(const struct h_server *s, const char *needle, int timeout_ms);

/* A connection that has said Hello (TLS when the server serves TLS). */
struct net_conn *h_connect(const struct h_server *s);
/* A connection logged in as one of the test accounts. */
struct net_conn *h_login(const struct h_server *s, const char *username);
/* Logs a connection that has said Hello in as a test account; returns the session token
 * (caller frees). */
char *h_login_on(struct net_conn *c, const char *username);
/* GetStatus as of a date ("" for today); the reply, asserting the transport worked. */
Reno__ServerMessage *h_get_status(struct net_conn *c, const char *as_of);
/* Seconds on the monotonic clock, for tests that bound how long something took. */
double h_now_s(void);
/* Sends a request and returns the reply (asserting the transport worked). */
Reno__ServerMessage *h_call(struct net_conn *c, Reno__Request *req);
/* Sends a request with the given body (every body is a pointer in the same union) and
 * returns the reply, asserting the transport worked. */
Reno__ServerMessage *h_call_body(struct net_conn *c, Reno__Request__BodyCase body, void *msg);
/* Sets a fresh random idempotency key into a request field; buf keeps the bytes. */
void h_new_key(ProtobufCBinaryData *key, uint8_t buf[16]);
/* The status code of a reply. */
Reno__StatusCode h_code(const Reno__ServerMessage *m);

/* A PushProgress request with a fresh random key. */
void h_push_init(Reno__Request *req, Reno__PushProgress *p, uint8_t key[16], long project,
                 const char *date, int started, int completed);
/* The id of a sample project by its position (0 or 1). */
long h_project_id(const char *db, int index);

/* Blocking SQL against a test database, for checking what was stored. */
long h_sql_long(const char *db, const char *sql);
/* Asserts every line of text is at most `columns` display columns wide (text_width). */
void h_assert_fits(const char *text, size_t columns);
/* The one value of a one-row query as text (caller frees). */
char *h_sql_text(const char *db, const char *sql);
/* Runs a statement; returns its SQLSTATE ("" on success). */
void h_sql_exec(const char *db, const char *sql, char sqlstate[6]);

/* Stops and starts the cluster under running servers (scripts/pgcluster); h_pg_start()
 * returns at once when the cluster accepts connections. */
void h_pg_stop(void);
void h_pg_start(void);

/* Runs a program to completion; captures stdout and stderr (caller frees). Returns its
 * exit status, or -1 if it was killed by a signal. env_extra: NULL-terminated "K=V". */
int h_run(const char *const *argv, const char *const *env_extra, const char *stdin_text, char **out,
          char **err);
/* The path of a built binary ("renod", "reno"). */
const char *h_bin(const char *name);

/* Makes a fresh directory named after `what` (mode 0755, so that a cluster running as
 * postgres can use it) into buf, and asserts it was made. It lies in the run's scratch
 * directory ($RENO_TEST_SCRATCH, set by tests/it-cluster.sh, which destroys every
 * PostgreSQL cluster left under it and removes it when the run ends, however the run
 * ends), else in /tmp. */
void h_scratch_dir(char *buf, size_t cap, const char *what);

/* The usual checked fixture: a fresh database and a renod on it, in h_srv / h_db. The
 * teardown asserts that renod shut down cleanly (exit 0: no leak, no crash). */
extern struct h_server h_srv;
extern char h_db[64];
void h_fixture_setup(void);
void h_fixture_teardown(void);

#endif
