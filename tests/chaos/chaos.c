/*
 * reno_chaos: many clients push progress reports through renod while PostgreSQL and renod
 * are made to fail, and at the end the database is compared with what was acknowledged.
 * It owns the renod process it starts (and restarts), the client threads and their
 * records, the fault schedule and the figures; the PostgreSQL cluster is the caller's
 * (scripts/chaos makes a throwaway one), reached through the commands it is given. The
 * driver reads the database itself with its own connection string (--check-database),
 * since the role renod serves as may not read every row.
 *
 * Each client is a thread with one blocking connection (client/net.c, the same code reno
 * uses). It writes one report at a time, each with its own idempotency key and a note
 * that names the run, the client and the write; it retries that write with the same key
 * until it is acknowledged, reconnecting (Hello, Resume with the run's token) whenever the
 * connection fails. Every wait for a reply is timed.
 *
 * The faults, one at a time with normal load between them:
 *   postgres  the cluster stopped with `pg_ctl -m immediate` (the --pg-stop command), kept
 *             down for a while, started again (--pg-start);
 *   renod     renod killed with SIGKILL and started again on the same port;
 *   freeze    every backend of the database (renod's pool and listener) stopped with
 *             SIGSTOP for longer than renod's per-request deadline, then SIGCONT.
 * After each, the time back to service is the time from the end of the fault (the start
 * command issued, the process restarted, the backends continued) to the first write
 * acknowledged of those sent after it.
 *
 * The verdict: writes acknowledged = rows stored = audit rows for those rows; no note
 * stored twice; every acknowledged report id is the row with that write's note; no
 * answer other than OK or UNAVAILABLE; the longest wait for a reply within the limit
 * (renod's deadline plus a margin); every fault followed by service within a bound; and
 * renod, stopped with SIGTERM at the end, exits 0. Exit status 0 when all hold, 1 if not,
 * 2 on a usage or set-up error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "msg.h"
#include "net.h"

#define CHAOS_MAX_CLIENTS      200
#define CHAOS_MAX_FAULTS       100
#define CHAOS_MAX_RENOD_ARGS   32
#define CHAOS_MAX_WRITES       100000 /* per client: a bound on the records kept */
#define CHAOS_CALL_TIMEOUT_MS  30000  /* longer than any deadline, so a hang shows */
#define CHAOS_SERVICE_BOUND_MS 60000  /* a fault not followed by service by then fails */
#define CHAOS_DRAIN_MS         60000  /* for the writes in progress when faults end */
#define CHAOS_RETRY_MS         100
#define CHAOS_START_MS         20000 /* for renod to write its port file */

enum fault_kind { FAULT_POSTGRES, FAULT_RENOD, FAULT_FREEZE, FAULT_KINDS };

static const char *const fault_names[FAULT_KINDS] = {"postgres-stop", "renod-kill",
                                                     "backend-freeze"};

struct options {
    const char *renod;
    const char *database;       /* renod's connection string */
    const char *check_database; /* the driver's own: a role that may read every row */
    const char *dir;
    const char *renod_args[CHAOS_MAX_RENOD_ARGS];
    int n_renod_args;
    const char *pg_stop;
    const char *pg_start;
    const char *user;
    const char *password;
    int clients;
    int faults[FAULT_KINDS];
    int pg_down_ms;
    int freeze_ms;
    int deadline_ms; /* renod's per-request deadline; 0: it has none (no freeze faults) */
    int margin_ms;
    int settle_ms;
};

struct client {
    int index;
    pthread_t thread;
    int64_t *report_ids; /* by write number; 0 until acknowledged */
    atomic_long acked;   /* read by the main thread while the faults run */
    long replayed;
    long unavailable;
    long transport_failures;
    long unexpected; /* answers other than OK and UNAVAILABLE */
    char last_unexpected[NET_ERR_SIZE];
};

struct fault_result {
    enum fault_kind kind;
    int64_t back_ms; /* -1: no service within the bound */
};

static struct options opt;
static char address[64];
static char token[MSG_TOKEN_HEX + 1];
static char run_tag[32];
static int64_t project_id;
static pid_t renod_pid = -1;
static int renod_port;
static struct client clients[CHAOS_MAX_CLIENTS];

/* Set once the faults are over: each client finishes its current write and stops. */
static atomic_bool stopping;
/*
 * Back to service: once a fault has ended (watch_from > 0), the first acknowledgement of
 * a request sent after that moment. A reply sent by renod just before the fault but
 * taken in by the client just after it proves nothing, hence the time of sending.
 */
static pthread_mutex_t service_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t watch_from;
static int64_t first_ack_after;
static atomic_int_fast64_t longest_wait_ms;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("chaos: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (renod_pid > 0)
        kill(renod_pid, SIGKILL);
    exit(2);
}

static void note_wait(int64_t waited)
{
    int_fast64_t seen = atomic_load(&longest_wait_ms);
    while (waited > seen && !atomic_compare_exchange_weak(&longest_wait_ms, &seen, waited)) {
    }
}

/* ---- renod ----------------------------------------------------------------------------- */

static void renod_start(void)
{
    char port_file[512], log_file[512], listen[64];
    snprintf(port_file, sizeof port_file, "%s/renod.port", opt.dir);
    snprintf(log_file, sizeof log_file, "%s/renod.log", opt.dir);
    /* The first start picks a free port; restarts take the same one, as an operator's
     * service would, so that clients find renod where it was. */
    snprintf(listen, sizeof listen, "127.0.0.1:%d", renod_port);
    unlink(port_file);
    const char *argv[CHAOS_MAX_RENOD_ARGS + 16];
    int n = 0;
    argv[n++] = opt.renod;
    argv[n++] = "serve";
    argv[n++] = "--listen";
    argv[n++] = listen;
    argv[n++] = "--port-file";
    argv[n++] = port_file;
    argv[n++] = "--database";
    argv[n++] = opt.database;
    for (int i = 0; i < opt.n_renod_args; i++)
        argv[n++] = opt.renod_args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open(log_file, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    renod_pid = pid;
    int64_t until = now_ms() + CHAOS_START_MS;
    for (;;) {
        FILE *f = fopen(port_file, "r");
        int port = 0;
        if (f != NULL) {
            if (fscanf(f, "%d", &port) != 1)
                port = 0;
            fclose(f);
        }
        if (port > 0) {
            renod_port = port;
            snprintf(address, sizeof address, "127.0.0.1:%d", port);
            return;
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            renod_pid = -1;
            die("renod exited at start (status %d); see %s", status, log_file);
        }
        if (now_ms() > until)
            die("renod did not start listening; see %s", log_file);
        sleep_ms(20);
    }
}

static void renod_kill(void)
{
    kill(renod_pid, SIGKILL);
    int status;
    waitpid(renod_pid, &status, 0);
    renod_pid = -1;
}

/* SIGTERM and the exit status: 0 is a clean shutdown. */
static int renod_stop(void)
{
    kill(renod_pid, SIGTERM);
    int status = 0;
    waitpid(renod_pid, &status, 0);
    renod_pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- the database, directly ------------------------------------------------------------ */

static PGconn *db_connect(void)
{
    PGconn *pg = PQconnectdb(opt.check_database);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "chaos: database: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

static PGresult *db_exec(PGconn *pg, const char *sql, int n, const char *const *params)
{
    PGresult *res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        die("query failed: %s\n  %s", PQresultErrorMessage(res), sql);
    return res;
}

static long db_long(PGconn *pg, const char *sql, const char *param)
{
    const char *params[] = {param};
    PGresult *res = db_exec(pg, sql, param ? 1 : 0, params);
    long v = PQntuples(res) > 0 ? strtol(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return v;
}

/* ---- clients --------------------------------------------------------------------------- */

static struct net_conn *client_connect(char err[NET_ERR_SIZE])
{
    struct net_conn *c = NULL;
    if (net_connect(address, CHAOS_CALL_TIMEOUT_MS, &c, err) != 0)
        return NULL;
    if (net_hello(c, "reno_chaos", err) != 0) {
        net_close(c);
        return NULL;
    }
    Reno__Resume resume = RENO__RESUME__INIT;
    resume.token = token;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_RESUME;
    req.resume = &resume;
    Reno__ServerMessage *m = NULL;
    int64_t t0 = now_ms();
    int rc = net_call(c, &req, &m, err);
    note_wait(now_ms() - t0);
    if (rc != 0) {
        net_close(c);
        return NULL;
    }
    Reno__StatusCode code = m->response->status ? m->response->status->code : 0;
    net_free(c, m);
    if (code != RENO__STATUS_CODE__OK) {
        snprintf(err, NET_ERR_SIZE, "resume: %s", msg_status_name(code));
        net_close(c);
        return NULL;
    }
    return c;
}

/*
 * Sends write `n` of client cl until it is acknowledged. Once the faults are over, a write
 * in progress gets a bounded time to finish; false if it did not.
 */
static bool client_write(struct client *cl, struct net_conn **conn, long n)
{
    int64_t give_up = INT64_MAX;
    uint8_t key[MSG_IDEMPOTENCY_KEY_BYTES];
    randombytes_buf(key, sizeof key);
    char note[96];
    snprintf(note, sizeof note, "chaos %s c%d w%ld", run_tag, cl->index, n);
    Reno__PushProgress push = RENO__PUSH_PROGRESS__INIT;
    push.idempotency_key.data = key;
    push.idempotency_key.len = sizeof key;
    push.project_id = project_id;
    push.report_date = "2022-06-01";
    push.households_started = 1;
    push.households_completed = 0;
    push.note = note;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_PUSH_PROGRESS;
    req.push_progress = &push;
    char err[NET_ERR_SIZE];
    for (;;) {
        if (give_up == INT64_MAX && atomic_load(&stopping))
            give_up = now_ms() + CHAOS_DRAIN_MS;
        if (now_ms() >= give_up)
            return false;
        if (*conn == NULL) {
            *conn = client_connect(err);
            if (*conn == NULL) {
                cl->transport_failures++;
                sleep_ms(CHAOS_RETRY_MS);
                continue;
            }
        }
        Reno__ServerMessage *m = NULL;
        int64_t t0 = now_ms();
        int rc = net_call(*conn, &req, &m, err);
        note_wait(now_ms() - t0);
        if (rc != 0) {
            cl->transport_failures++;
            net_close(*conn);
            *conn = NULL;
            sleep_ms(CHAOS_RETRY_MS);
            continue;
        }
        const Reno__Response *r = m->response;
        Reno__StatusCode code = r->status ? r->status->code : RENO__STATUS_CODE__OK;
        if (code == RENO__STATUS_CODE__OK && r->body_case == RENO__RESPONSE__BODY_PUSH_PROGRESS) {
            cl->report_ids[n] = r->push_progress->report_id;
            cl->replayed += r->push_progress->replayed;
            net_free(*conn, m);
            cl->acked++;
            pthread_mutex_lock(&service_lock);
            if (watch_from > 0 && t0 >= watch_from && first_ack_after < 0)
                first_ack_after = now_ms();
            pthread_mutex_unlock(&service_lock);
            return true;
        }
        if (code == RENO__STATUS_CODE__UNAVAILABLE) {
            cl->unavailable++;
        } else {
            cl->unexpected++;
            snprintf(cl->last_unexpected, sizeof cl->last_unexpected, "%s: %s",
                     msg_status_name(code),
                     r->status && r->status->message ? r->status->message : "");
        }
        net_free(*conn, m);
        sleep_ms(CHAOS_RETRY_MS);
    }
}

static void *client_main(void *arg)
{
    struct client *cl = arg;
    struct net_conn *conn = NULL;
    for (long n = 0; n < CHAOS_MAX_WRITES && !atomic_load(&stopping); n++)
        if (!client_write(cl, &conn, n))
            break;
    if (conn != NULL)
        net_close(conn);
    return NULL;
}

/* ---- faults ---------------------------------------------------------------------------- */

static int run_command(const char *what, const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "chaos: %s (%s) exited with %d\n", what, cmd, rc);
    return rc;
}

/* The backends of the database other than the one asking: renod's pool and listener. */
static int backend_pids(pid_t *pids, int max)
{
    PGconn *pg = db_connect();
    if (pg == NULL)
        return 0;
    PGresult *res = db_exec(pg,
                            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
                            0, NULL);
    int n = 0;
    for (int i = 0; i < PQntuples(res) && n < max; i++)
        pids[n++] = (pid_t)strtol(PQgetvalue(res, i, 0), NULL, 10);
    PQclear(res);
    PQfinish(pg);
    return n;
}

/* Injects one fault and returns the moment it ended (monotonic ms). */
static int64_t inject(enum fault_kind kind)
{
    switch (kind) {
    case FAULT_POSTGRES:
        run_command("pg-stop", opt.pg_stop);
        sleep_ms(opt.pg_down_ms);
        {
            int64_t ended = now_ms();
            if (run_command("pg-start", opt.pg_start) != 0)
                die("PostgreSQL did not start again");
            return ended;
        }
    case FAULT_RENOD: {
        renod_kill();
        int64_t ended = now_ms();
        renod_start();
        return ended;
    }
    case FAULT_FREEZE: {
        pid_t pids[64];
        int n = backend_pids(pids, 64);
        for (int i = 0; i < n; i++)
            kill(pids[i], SIGSTOP);
        sleep_ms(opt.freeze_ms);
        int64_t ended = now_ms();
        for (int i = 0; i < n; i++)
            kill(pids[i], SIGCONT);
        return ended;
    }
    default:
        die("unknown fault");
    }
}

/* The faults in an order that spreads each kind over the run (by position/count). */
static int schedule(enum fault_kind out[CHAOS_MAX_FAULTS])
{
    int n = 0, done[FAULT_KINDS] = {0};
    for (;;) {
        int best = -1;
        double best_at = 2.0;
        for (int k = 0; k < FAULT_KINDS; k++) {
            if (done[k] >= opt.faults[k])
                continue;
            double at = (done[k] + 0.5) / opt.faults[k];
            if (at < best_at) {
                best_at = at;
                best = k;
            }
        }
        if (best < 0 || n >= CHAOS_MAX_FAULTS)
            return n;
        out[n++] = (enum fault_kind)best;
        done[best]++;
    }
}

/* ---- set-up and verdict ---------------------------------------------------------------- */

static void login(void)
{
    char err[NET_ERR_SIZE];
    struct net_conn *c = NULL;
    if (net_connect(address, CHAOS_CALL_TIMEOUT_MS, &c, err) != 0 ||
        net_hello(c, "reno_chaos", err) != 0)
        die("connect: %s", err);
    Reno__Login lg = RENO__LOGIN__INIT;
    lg.username = (char *)opt.user;
    lg.password = (char *)opt.password;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_LOGIN;
    req.login = &lg;
    Reno__ServerMessage *m = NULL;
    if (net_call(c, &req, &m, err) != 0)
        die("login: %s", err);
    const Reno__Response *r = m->response;
    if ((r->status && r->status->code != RENO__STATUS_CODE__OK) ||
        r->body_case != RENO__RESPONSE__BODY_SESSION)
        die("login refused: %s", r->status ? msg_status_name(r->status->code) : "no session");
    snprintf(token, sizeof token, "%s", r->session->token);
    net_free(c, m);
    net_close(c);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void usage(void)
{
    fputs("usage: reno_chaos --renod PATH --database CONNINFO [--check-database CONNINFO]\n"
          "         --dir DIR --pg-stop CMD\n"
          "         --pg-start CMD --user NAME (password on stdin) [--clients N]\n"
          "         [--postgres-faults N] [--renod-faults N] [--freeze-faults N]\n"
          "         [--pg-down-ms MS] [--freeze-ms MS] [--deadline-ms MS] [--margin-ms MS]\n"
          "         [--settle-ms MS] [--renod-arg ARG]...\n",
          stderr);
    exit(2);
}

static int int_arg(const char *s, int min, int max)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "chaos: %s is not a number in %d..%d\n", s, min, max);
        usage();
    }
    return (int)v;
}

static void parse(int argc, char **argv)
{
    opt.clients = 5;
    opt.pg_down_ms = 2000;
    opt.freeze_ms = 4000;
    opt.margin_ms = 2000;
    opt.settle_ms = 1500;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (!strcmp(a, "--renod"))
            opt.renod = v;
        else if (!strcmp(a, "--database"))
            opt.database = v;
        else if (!strcmp(a, "--check-database"))
            opt.check_database = v;
        else if (!strcmp(a, "--dir"))
            opt.dir = v;
        else if (!strcmp(a, "--pg-stop"))
            opt.pg_stop = v;
        else if (!strcmp(a, "--pg-start"))
            opt.pg_start = v;
        else if (!strcmp(a, "--user"))
            opt.user = v;
        else if (!strcmp(a, "--clients"))
            opt.clients = int_arg(v, 1, CHAOS_MAX_CLIENTS);
        else if (!strcmp(a, "--postgres-faults"))
            opt.faults[FAULT_POSTGRES] = int_arg(v, 0, 40);
        else if (!strcmp(a, "--renod-faults"))
            opt.faults[FAULT_RENOD] = int_arg(v, 0, 40);
        else if (!strcmp(a, "--freeze-faults"))
            opt.faults[FAULT_FREEZE] = int_arg(v, 0, 20);
        else if (!strcmp(a, "--pg-down-ms"))
            opt.pg_down_ms = int_arg(v, 0, 120000);
        else if (!strcmp(a, "--freeze-ms"))
            opt.freeze_ms = int_arg(v, 0, 300000);
        else if (!strcmp(a, "--deadline-ms"))
            opt.deadline_ms = int_arg(v, 0, 300000);
        else if (!strcmp(a, "--margin-ms"))
            opt.margin_ms = int_arg(v, 0, 60000);
        else if (!strcmp(a, "--settle-ms"))
            opt.settle_ms = int_arg(v, 0, 60000);
        else if (!strcmp(a, "--renod-arg") && opt.n_renod_args < CHAOS_MAX_RENOD_ARGS)
            opt.renod_args[opt.n_renod_args++] = v;
        else
            usage();
    }
    if (opt.check_database == NULL)
        opt.check_database = opt.database;
    if (!opt.renod || !opt.database || !opt.dir || !opt.pg_stop || !opt.pg_start || !opt.user)
        usage();
    if (opt.faults[FAULT_FREEZE] > 0 && opt.deadline_ms == 0)
        die("freeze faults need renod's deadline (--deadline-ms)");
    static char password[MSG_MAX_PASSWORD + 2];
    if (fgets(password, sizeof password, stdin) == NULL)
        die("no password on standard input");
    password[strcspn(password, "\n")] = '\0';
    opt.password = password;
}

int main(int argc, char **argv)
{
    parse(argc, argv);
    if (sodium_init() < 0)
        die("libsodium failed to initialise");
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(run_tag, sizeof run_tag, "%08" PRIx32, randombytes_random());

    PGconn *pg = db_connect();
    if (pg == NULL)
        die("cannot reach the database");
    project_id = db_long(pg, "SELECT min(id) FROM project", NULL);
    PQfinish(pg);
    if (project_id <= 0)
        die("the database has no project");

    int64_t started = now_ms();
    renod_start();
    login();
    printf("chaos: run %s, %d clients pushing to project %" PRId64 " through renod at %s\n",
           run_tag, opt.clients, project_id, address);
    printf("chaos: faults: %d postgres stop -m immediate (%d ms down), %d renod SIGKILL, "
           "%d backend SIGSTOP (%d ms; renod deadline %d ms)\n",
           opt.faults[FAULT_POSTGRES], opt.pg_down_ms, opt.faults[FAULT_RENOD],
           opt.faults[FAULT_FREEZE], opt.freeze_ms, opt.deadline_ms);

    for (int i = 0; i < opt.clients; i++) {
        clients[i].index = i;
        clients[i].report_ids = calloc(CHAOS_MAX_WRITES, sizeof *clients[i].report_ids);
        if (clients[i].report_ids == NULL ||
            pthread_create(&clients[i].thread, NULL, client_main, &clients[i]) != 0)
            die("cannot start client %d", i);
    }

    /* Every client is writing before the first fault. */
    int64_t until = now_ms() + CHAOS_SERVICE_BOUND_MS;
    for (int i = 0; i < opt.clients; i++)
        while (clients[i].acked == 0 && now_ms() < until)
            sleep_ms(20);

    enum fault_kind plan[CHAOS_MAX_FAULTS];
    int n_faults = schedule(plan);
    struct fault_result results[CHAOS_MAX_FAULTS];
    bool ok = true;
    for (int f = 0; f < n_faults; f++) {
        sleep_ms(opt.settle_ms);
        int64_t ended = inject(plan[f]);
        pthread_mutex_lock(&service_lock);
        watch_from = ended;
        first_ack_after = -1;
        pthread_mutex_unlock(&service_lock);
        int64_t bound = ended + CHAOS_SERVICE_BOUND_MS, back = -1;
        while (back < 0 && now_ms() < bound) {
            sleep_ms(5);
            pthread_mutex_lock(&service_lock);
            back = first_ack_after >= 0 ? first_ack_after - ended : -1;
            pthread_mutex_unlock(&service_lock);
        }
        pthread_mutex_lock(&service_lock);
        watch_from = 0;
        pthread_mutex_unlock(&service_lock);
        results[f].kind = plan[f];
        results[f].back_ms = back;
        printf("fault %2d %-15s back to service in %6" PRId64 " ms%s\n", f + 1,
               fault_names[plan[f]], back, back < 0 ? "  NO SERVICE" : "");
        if (back < 0)
            ok = false;
    }
    sleep_ms(opt.settle_ms);
    atomic_store(&stopping, true);
    for (int i = 0; i < opt.clients; i++)
        pthread_join(clients[i].thread, NULL);
    int renod_status = renod_stop();

    /* ---- the verdict ---- */
    pg = db_connect();
    if (pg == NULL)
        die("cannot reach the database for the verdict");
    char pattern[64];
    snprintf(pattern, sizeof pattern, "chaos %s %%", run_tag);
    long rows = db_long(pg, "SELECT count(*) FROM progress_report WHERE note LIKE $1", pattern);
    long distinct_notes =
        db_long(pg, "SELECT count(DISTINCT note) FROM progress_report WHERE note LIKE $1", pattern);
    long audit = db_long(pg,
                         "SELECT count(*) FROM audit_log a JOIN progress_report p "
                         "ON a.entity = 'progress_report' AND a.entity_id = p.id "
                         "WHERE p.note LIKE $1",
                         pattern);
    const char *params[] = {pattern};
    PGresult *res =
        db_exec(pg, "SELECT id, note FROM progress_report WHERE note LIKE $1", 1, params);
    long mismatched = 0, stored_unacked = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        int64_t id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        int c = -1;
        long w = -1;
        char tag[32];
        if (sscanf(PQgetvalue(res, i, 1), "chaos %31s c%d w%ld", tag, &c, &w) != 3 || c < 0 ||
            c >= opt.clients || w < 0 || w >= CHAOS_MAX_WRITES) {
            mismatched++;
            continue;
        }
        if (clients[c].report_ids[w] == 0)
            stored_unacked++;
        else if (clients[c].report_ids[w] != id)
            mismatched++;
    }
    PQclear(res);
    PQfinish(pg);

    long acked = 0, replayed = 0, unavailable = 0, transport = 0, unexpected = 0;
    for (int i = 0; i < opt.clients; i++) {
        acked += clients[i].acked;
        replayed += clients[i].replayed;
        unavailable += clients[i].unavailable;
        transport += clients[i].transport_failures;
        unexpected += clients[i].unexpected;
        if (clients[i].unexpected)
            printf("client %d: unexpected answer: %s\n", i, clients[i].last_unexpected);
        free(clients[i].report_ids);
    }
    int64_t wait_limit =
        opt.deadline_ms > 0 ? opt.deadline_ms + opt.margin_ms : CHAOS_CALL_TIMEOUT_MS - 1;
    int64_t longest = atomic_load(&longest_wait_ms);

    printf("writes acknowledged          %ld\n", acked);
    printf("rows stored                  %ld\n", rows);
    printf("audit rows for them          %ld\n", audit);
    printf("duplicates                   %ld\n", rows - distinct_notes);
    printf("acknowledged id mismatches   %ld\n", mismatched);
    printf("stored but not acknowledged  %ld\n", stored_unacked);
    printf("replayed acknowledgements    %ld\n", replayed);
    printf("UNAVAILABLE answers          %ld\n", unavailable);
    printf("transport failures           %ld\n", transport);
    printf("other answers                %ld\n", unexpected);
    printf("longest wait for a reply     %" PRId64 " ms (limit %" PRId64 " ms)\n", longest,
           wait_limit);
    for (int k = 0; k < FAULT_KINDS; k++) {
        int64_t backs[CHAOS_MAX_FAULTS];
        int n = 0;
        for (int f = 0; f < n_faults; f++)
            if (results[f].kind == (enum fault_kind)k && results[f].back_ms >= 0)
                backs[n++] = results[f].back_ms;
        if (n == 0)
            continue;
        qsort(backs, (size_t)n, sizeof backs[0], cmp_i64);
        printf("back to service, %-15s median %" PRId64 " ms, max %" PRId64 " ms (%d faults)\n",
               fault_names[k], backs[n / 2], backs[n - 1], n);
    }
    printf("renod exit status at the end %d\n", renod_status);
    printf("run time                     %" PRId64 " s\n", (now_ms() - started) / 1000);

    ok = ok && acked > 0 && acked == rows && rows == audit && rows == distinct_notes &&
         mismatched == 0 && stored_unacked == 0 && unexpected == 0 && longest <= wait_limit &&
         renod_status == 0;
    printf("chaos: %s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
