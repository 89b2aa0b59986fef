/*
 * reno_loadgen: drives one kind of request at renod from several connections and says how
 * fast the answers came. It owns its connections, their frame readers and write buffers,
 * and the latency samples; it knows nothing of how renod does the work. It exists so
 * that bench/run can put renod's throughput next to pgbench's doing the same SQL on the
 * same database (bench/README.md).
 *
 * Shape of a run: connect (127.0.0.1 only), Hello, Login on the first connection and
 * Resume with its token on the others (one argon2id hash per run, not one per connection),
 * then one GetStatus to learn the projects. Then a warm-up, then the measured window: each
 * connection keeps `depth` requests in flight (pipelined; responses are matched by id,
 * in any order), from one poll() loop. Sending stops at the end of the window; the
 * replies still owed are drained within a bound, and a reply that never comes is an error.
 *
 * watch-fanout is different: `clients` connections Watch, and one more connection pushes
 * one progress report at a time; the next push goes out only when every watcher has seen
 * the change the last one made (closed loop), so each sample is one watcher's delay from
 * the push being sent to its StatusChanged arriving, and each round also gives one sample
 * of what the target speaks of: from the push's acknowledgement until the last
 * watcher has the change.
 *
 * idle holds `clients` logged-in connections that send nothing for the window (so that
 * bench/run can read renod's memory while they are held, told by --ready-file), then
 * pings each once: a connection renod dropped meanwhile fails the run.
 *
 * --rate paces the requests of all connections together to that many a second (a
 * steady stream of writes while another load generator reads); without it each
 * connection sends as fast as its depth allows.
 *
 * Thousands of connections are served from one epoll loop; they are set up in small
 * batches (each batch's Hello, Resume and Watch pipelined), within renod's caps on
 * connections not yet logged in, and closed with a reset so that tens of thousands of
 * them in one run do not leave the loopback's ports in TIME_WAIT.
 *
 * Every reply is checked (status OK, the right body, a push not replayed, a pong with its
 * nonce, a status for the date asked); any failure makes the run fail (exit 1), because a
 * figure measured over errors measures the errors. Replies to status and ping are decoded
 * whole once per connection (and per position) and otherwise checked by their wire fields
 * (wire_check), so that checking costs less than what is measured. Everything is
 * bounded: connections, depth, seconds, requests, drain time, frame size, and memory per
 * unpacked reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <sodium.h>

#include "date.h"
#include "frame.h"
#include "msg.h"
#include "net.h"
#include "status_form.h"
#include "wire_check.h"
#include "xmalloc.h"

#define LG_MAX_CLIENTS          12000 /* 10,000 watchers or idle connections and more */
#define LG_SETUP_BATCH          16    /* under renod's max_unauthenticated_per_address, 20 */
#define LG_MAX_RATE             1000000
#define LG_EVENTS               256 /* epoll events taken per loop turn */
#define LG_MAX_DEPTH            32  /* renod's default max_inflight: more would only queue */
#define LG_MAX_SECONDS          120
#define LG_MAX_WARMUP           30
#define LG_DEFAULT_MAX_REQUESTS 2000000
#define LG_LIMIT_MAX_REQUESTS   20000000
#define LG_SETUP_TIMEOUT_MS     15000
#define LG_DRAIN_TIMEOUT_MS     10000
#define LG_ROUND_TIMEOUT_MS     10000 /* the default of --round-timeout */
#define LG_MAX_FRAME            (4u << 20)
#define LG_BUDGET               (16u << 20)
#define LG_READS_PER_TURN       16 /* reads per connection per loop turn, so none starves */
#define LG_POLL_MS              20
#define LG_NOTE                 "基准测试" /* the same note the pgbench script writes */

enum mix { MIX_PUSH, MIX_STATUS, MIX_PING, MIX_WATCH_FANOUT, MIX_IDLE };

static const char *const mix_names[] = {"push", "status", "ping", "watch-fanout", "idle"};

struct options {
    char server[128];
    char user[MSG_MAX_USERNAME + 1];
    enum mix mix;
    int clients;
    int depth;
    int duration_s;
    int warmup_s;
    long max_requests;
    long rate;                  /* requests a second over all connections; 0: unpaced */
    char ready_file[PATH_MAX];  /* created once every connection is set up; "": none */
    char as_of[DATE_TEXT_SIZE]; /* status: "" means today (the roll-up path) */
    int rhythm_periods;         /* status: GetStatus.rhythm_periods, 0 the server's default */
    bool full_page; /* status: the full form (GetStatus.form unset), not the compact one */
    char date[DATE_TEXT_SIZE]; /* push: the report date */
    bool kv;
    bool deltas;   /* watch-fanout: watchers ask for per-project deltas (Watch.deltas) */
    int page_size; /* watch-fanout: watchers watch the first page of this many; 0 the whole */
    int round_timeout_ms; /* watch-fanout: how long every watcher has to see a change */
};

/* A request in flight on a connection. */
struct slot {
    uint64_t id;
    int64_t sent_ns;
    bool measured; /* sent inside the measured window: its latency is a sample */
};

struct lg_conn {
    int index;
    int fd;
    struct frame_reader reader;
    struct msg_budget budget;
    uint8_t *out; /* bytes queued for the socket; out[sent..len) still to write */
    size_t out_len, out_sent, out_cap;
    uint64_t next_id;
    struct slot slots[LG_MAX_DEPTH];
    unsigned inflight;
    bool watcher;
    bool want_out;   /* registered with epoll for writability */
    bool seen_round; /* watch-fanout: this watcher has seen the current round's change */
    unsigned long long rx_bytes; /* read from the socket, set-up excluded */
    /* status and ping: a reply of this connection was decoded whole and found right, and
     * (status) the position it was at; later replies at that position are checked by
     * their wire fields (wire_check). */
    bool decoded_once;
    int64_t decoded_position;
    int decoded_form; /* status: its StatusReply.form */
};

struct project {
    int64_t id;
    int32_t households;
};

struct loadgen {
    struct options opt;
    struct lg_conn *conns;
    int n_conns;
    struct project *projects;
    size_t n_projects;
    char today[DATE_TEXT_SIZE];
    char token[MSG_TOKEN_HEX + 1];

    int64_t window_start_ns, window_end_ns;
    bool sending; /* false once the window is over or the request cap is reached */
    bool capped;
    int64_t next_send_ns; /* --rate: when the next request is due */
    int send_cursor;      /* --rate: the connection tried first for it */
    bool pinged;          /* idle: the closing ping went out on every connection */

    uint32_t *samples_us; /* latency of each measured request, in microseconds */
    size_t n_samples, cap_samples;
    unsigned long long sent, ok_in_window, errors;
    unsigned long long ok_total;     /* right replies, warm-up and drain included */
    unsigned long long decoded;      /* status and ping: replies decoded whole and checked */
    unsigned long long wire_checked; /* status and ping: replies checked by their wire fields */
    unsigned long long ok_measured;  /* right replies to requests sent in the window */
    int64_t last_measured_ns;        /* when the last of those arrived */
    char first_error[320];

    /* watch-fanout: one round is one push and its change seen by every watcher. */
    bool round_open;
    bool round_replied;
    bool round_measured;
    int64_t round_sent_ns;
    int64_t round_ack_ns;   /* when the push's reply arrived */
    int64_t round_last_ns;  /* when the last watcher so far saw the change */
    int64_t round_first_ns; /* when the first watcher saw it */
    uint32_t *all_us;       /* per measured round: acknowledgement to the last watcher */
    size_t n_all, cap_all;
    uint32_t *spread_us; /* per measured round: the first watcher's event to the last's */
    size_t n_spread, cap_spread;
    int64_t round_project;
    int32_t round_value;
    int round_seen;
    int32_t last_value;
    unsigned long long rounds, rounds_in_window, events, stray_events, resyncs;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("reno_loadgen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("reno_loadgen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n(reno_loadgen --help for usage)\n", stderr);
    va_end(ap);
    exit(2);
}

/* Remembers the first failure for the report and stops sending: the run has failed, so
 * only the replies already owed are collected (each further failure still counts). */
static void record_error(struct loadgen *lg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void record_error(struct loadgen *lg, const char *fmt, ...)
{
    lg->errors++;
    lg->sending = false;
    if (lg->first_error[0] != '\0')
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lg->first_error, sizeof lg->first_error, fmt, ap);
    va_end(ap);
}

/* ---- options ----------------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: reno_loadgen --user NAME [options] < password\n"
            "\n"
            "Sends one kind of request to renod from several connections, pipelined, for a\n"
            "bounded time, and reports throughput and latency (send to reply). The password\n"
            "is the first line of standard input. Only 127.0.0.1 is accepted as the server.\n"
            "\n"
            "options:\n"
            "  --server 127.0.0.1:PORT   renod's address (default 127.0.0.1:7420)\n"
            "  --user NAME               the account; it must be allowed to push progress\n"
            "  --mix KIND                push, status, ping, watch-fanout or idle\n"
            "                            (default ping)\n"
            "  --clients N               connections, 1..%d (default 4); for watch-fanout\n"
            "                            the watchers, plus one connection that pushes;\n"
            "                            more than the open-files limit allows is refused\n"
            "  --depth N                 requests in flight per connection, 1..%d (default 4)\n"
            "  --duration S              measured seconds, 1..%d (default 5)\n"
            "  --warmup S                seconds sent but not measured first, 0..%d (default 1)\n"
            "  --max-requests N          stop sending after N requests, 1..%d\n"
            "                            (default %d)\n"
            "  --rate N                  at most N requests a second over all connections,\n"
            "                            1..%d (default: as fast as the depth allows)\n"
            "  --ready-file PATH         create PATH once every connection is logged in\n"
            "                            (idle: while they are held)\n"
            "  --as-of YYYY-MM-DD        status: ask for this date (the database path);\n"
            "                            without it, today (served from the roll-up)\n"
            "  --rhythm-periods N        status: missed periods of the plan's rhythm per duty,\n"
            "                            1..500 (default: the server's page, 3)\n"
            "  --full-page               status, and watch-fanout's page: ask for the full\n"
            "                            form of the page, as a client before\n"
            "                            GetStatus.form did (default: the compact form, as\n"
            "                            reno asks for it)\n"
            "  --date YYYY-MM-DD         push: the report date (default today)\n"
            "  --deltas                  watch-fanout: the watchers ask for per-project\n"
            "                            deltas instead of the whole status at each change\n"
            "  --page-size N             watch-fanout: the watchers watch the first page of\n"
            "                            N projects by id, 1..1000 (Watch.page; the pushed\n"
            "                            project is on it), not the whole status\n"
            "  --round-timeout S         watch-fanout: seconds every watcher has to see a\n"
            "                            change before the run fails (default 10)\n"
            "  --kv                      print one line of name=value pairs\n"
            "  --help                    show this help\n"
            "\n"
            "exit status: 0 every reply was right, 1 a failure or a wrong reply, 2 usage\n",
            LG_MAX_CLIENTS, LG_MAX_DEPTH, LG_MAX_SECONDS, LG_MAX_WARMUP, LG_LIMIT_MAX_REQUESTS,
            LG_DEFAULT_MAX_REQUESTS, LG_MAX_RATE);
}

static long parse_long(const char *flag, const char *text, long min, long max)
{
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
        usage_error("%s must be a whole number %ld..%ld, got '%.40s'", flag, min, max, text);
    return value;
}

static void parse_date_flag(const char *flag, const char *text, char out[DATE_TEXT_SIZE])
{
    int32_t days;
    if (!date_parse(text, &days))
        usage_error("%s must be a date YYYY-MM-DD, got '%.40s'", flag, text);
    if (days > date_today())
        usage_error("%s %s is after today", flag, text);
    date_format(days, out);
}

static void parse_options(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->server, sizeof o->server, "127.0.0.1:7420");
    o->mix = MIX_PING;
    o->clients = 4;
    o->depth = 4;
    o->duration_s = 5;
    o->warmup_s = 1;
    o->max_requests = LG_DEFAULT_MAX_REQUESTS;
    bool have_date = false;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        if (strcmp(arg, "--kv") == 0) {
            o->kv = true;
            continue;
        }
        if (strcmp(arg, "--deltas") == 0) {
            o->deltas = true;
            continue;
        }
        if (strcmp(arg, "--full-page") == 0) {
            o->full_page = true;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0)
            usage_error("unexpected argument '%.40s'", arg);
        /* Both "--name value" and "--name=value". */
        char name[32];
        const char *value;
        const char *eq = strchr(arg, '=');
        if (eq != NULL) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - arg), arg);
            value = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", arg);
            if (i + 1 >= argc)
                usage_error("%s needs a value", name);
            value = argv[++i];
        }
        if (strcmp(name, "--server") == 0) {
            if (strlen(value) >= sizeof o->server)
                usage_error("--server is too long");
            snprintf(o->server, sizeof o->server, "%s", value);
        } else if (strcmp(name, "--user") == 0) {
            if (value[0] == '\0' || strlen(value) > MSG_MAX_USERNAME)
                usage_error("--user must be 1..%d bytes", MSG_MAX_USERNAME);
            snprintf(o->user, sizeof o->user, "%s", value);
        } else if (strcmp(name, "--mix") == 0) {
            size_t k = 0;
            while (k < sizeof mix_names / sizeof mix_names[0] && strcmp(value, mix_names[k]) != 0)
                k++;
            if (k == sizeof mix_names / sizeof mix_names[0])
                usage_error("--mix must be push, status, ping, watch-fanout or idle, got '%.40s'",
                            value);
            o->mix = (enum mix)k;
        } else if (strcmp(name, "--clients") == 0) {
            o->clients = (int)parse_long(name, value, 1, LG_MAX_CLIENTS);
        } else if (strcmp(name, "--depth") == 0) {
            o->depth = (int)parse_long(name, value, 1, LG_MAX_DEPTH);
        } else if (strcmp(name, "--duration") == 0) {
            o->duration_s = (int)parse_long(name, value, 1, LG_MAX_SECONDS);
        } else if (strcmp(name, "--warmup") == 0) {
            o->warmup_s = (int)parse_long(name, value, 0, LG_MAX_WARMUP);
        } else if (strcmp(name, "--max-requests") == 0) {
            o->max_requests = parse_long(name, value, 1, LG_LIMIT_MAX_REQUESTS);
        } else if (strcmp(name, "--rate") == 0) {
            o->rate = parse_long(name, value, 1, LG_MAX_RATE);
        } else if (strcmp(name, "--ready-file") == 0) {
            if (value[0] == '\0' || strlen(value) >= sizeof o->ready_file)
                usage_error("--ready-file must be a path of 1..%zu bytes",
                            sizeof o->ready_file - 1);
            snprintf(o->ready_file, sizeof o->ready_file, "%s", value);
        } else if (strcmp(name, "--as-of") == 0) {
            parse_date_flag(name, value, o->as_of);
        } else if (strcmp(name, "--rhythm-periods") == 0) {
            o->rhythm_periods = (int)parse_long(name, value, 1, 500);
        } else if (strcmp(name, "--date") == 0) {
            parse_date_flag(name, value, o->date);
            have_date = true;
        } else if (strcmp(name, "--page-size") == 0) {
            o->page_size = (int)parse_long(name, value, 1, 1000);
        } else if (strcmp(name, "--round-timeout") == 0) {
            o->round_timeout_ms = (int)parse_long(name, value, 1, 600) * 1000;
        } else {
            usage_error("unknown option %s", name);
        }
    }
    if (o->user[0] == '\0')
        usage_error("--user is required");
    if (o->as_of[0] != '\0' && o->mix != MIX_STATUS)
        usage_error("--as-of applies to --mix status only");
    /* watch-fanout always reports for today: a watcher sees the status as of today, and
     * a report dated earlier changes that only while no later report exists. */
    if (have_date && o->mix != MIX_PUSH)
        usage_error("--date applies to --mix push only");
    if (o->round_timeout_ms == 0)
        o->round_timeout_ms = LG_ROUND_TIMEOUT_MS;
    if ((o->deltas || o->page_size != 0) && o->mix != MIX_WATCH_FANOUT)
        usage_error("--deltas and --page-size apply to --mix watch-fanout only");
    if (o->full_page && o->mix != MIX_STATUS && o->page_size == 0)
        usage_error("--full-page applies to --mix status and to watch-fanout's --page-size");
    /* watch-fanout is a closed loop (one push at a time) and idle sends nothing to pace. */
    if (o->rate != 0 && (o->mix == MIX_WATCH_FANOUT || o->mix == MIX_IDLE))
        usage_error("--rate applies to push, status and ping");
}

/* Every connection is a file descriptor: raise the soft limit as far as the hard one
 * allows, and refuse a run that would fail half-way through its set-up. */
static void ensure_open_files(int connections)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        die("getrlimit: %s", strerror(errno));
    rlim_t need = (rlim_t)connections + 16; /* stdio, epoll and what libraries open */
    if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        (void)getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < need)
        usage_error("%d connections need %llu open files; the limit is %llu (ulimit -n)",
                    connections, (unsigned long long)need, (unsigned long long)rl.rlim_cur);
}

/* ---- connections ------------------------------------------------------------------------- */

static void conn_queue(struct lg_conn *c, const uint8_t *bytes, size_t len)
{
    if (c->out_sent == c->out_len)
        c->out_sent = c->out_len = 0;
    if (c->out_len + len > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < c->out_len + len)
            cap *= 2;
        c->out = xrealloc(c->out, cap);
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, bytes, len);
    c->out_len += len;
}

/* Writes what the socket takes: 0, or -1 with err. */
static int conn_flush(struct lg_conn *c, char err[NET_ERR_SIZE])
{
    while (c->out_sent < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_sent, c->out_len - c->out_sent, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_sent += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        snprintf(err, NET_ERR_SIZE, "connection %d: cannot send: %s", c->index, strerror(errno));
        return -1;
    }
    return 0;
}

/* Reads what the socket holds (at most a few chunks): 0, or -1 with err (EOF included). */
static int conn_receive(struct lg_conn *c, char err[NET_ERR_SIZE])
{
    uint8_t buf[65536];
    for (int reads = 0; reads < LG_READS_PER_TURN; reads++) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n > 0) {
            frame_reader_feed(&c->reader, buf, (size_t)n);
            c->rx_bytes += (unsigned long long)n;
            continue;
        }
        if (n == 0) {
            snprintf(err, NET_ERR_SIZE, "connection %d: renod closed the connection", c->index);
            return -1;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        snprintf(err, NET_ERR_SIZE, "connection %d: cannot read: %s", c->index, strerror(errno));
        return -1;
    }
    return 0;
}

/* The next whole frame from the buffer: 1 with its payload (valid until the next call),
 * 0 when none is buffered, -1 with err on an oversized frame. */
static int conn_next_frame(struct lg_conn *c, const uint8_t **payload, uint32_t *len,
                           char err[NET_ERR_SIZE])
{
    enum frame_status st = frame_reader_next(&c->reader, payload, len);
    if (st == FRAME_NEED_MORE)
        return 0;
    if (st == FRAME_TOO_LARGE) {
        snprintf(err, NET_ERR_SIZE, "connection %d: renod sent a %u-byte frame", c->index, *len);
        return -1;
    }
    return 1;
}

/* Decodes a payload whole: *m (free with msg_free_server), or -1 with err. */
static int conn_decode(struct lg_conn *c, const uint8_t *payload, uint32_t len,
                       Reno__ServerMessage **m, char err[NET_ERR_SIZE])
{
    *m = msg_unpack_server(&c->budget, payload, len);
    if (*m == NULL) {
        snprintf(err, NET_ERR_SIZE, "connection %d: undecodable %u-byte frame", c->index, len);
        return -1;
    }
    return 1;
}

/*
 * The next whole message from the buffer: 1 and *m (free with msg_free_server), 0 when
 * none is buffered, -1 with err on an oversized or undecodable frame.
 */
static int conn_next_message(struct lg_conn *c, Reno__ServerMessage **m, char err[NET_ERR_SIZE])
{
    const uint8_t *payload = NULL;
    uint32_t len = 0;
    int got = conn_next_frame(c, &payload, &len, err);
    if (got <= 0)
        return got;
    return conn_decode(c, payload, len, m, err);
}

static void conn_open(struct lg_conn *c, int index, const struct sockaddr_in *addr)
{
    memset(c, 0, sizeof *c);
    c->index = index;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        die("socket: %s", strerror(errno));
    /* A blocking connect is fine here: the address is the loopback, checked above. */
    if (connect(c->fd, (const struct sockaddr *)addr, sizeof *addr) != 0)
        die("cannot connect to 127.0.0.1:%u: %s", ntohs(addr->sin_port), strerror(errno));
    int one = 1;
    (void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int flags = fcntl(c->fd, F_GETFL);
    if (flags < 0 || fcntl(c->fd, F_SETFL, flags | O_NONBLOCK) != 0)
        die("fcntl: %s", strerror(errno));
    frame_reader_init(&c->reader, LG_MAX_FRAME);
    msg_budget_init(&c->budget, LG_BUDGET);
}

static void conn_close(struct lg_conn *c)
{
    if (c->fd >= 0) {
        /* A reset, not a FIN: the closing side keeps a port in TIME_WAIT for a minute,
         * and one run opens more connections than the loopback has ports for that. */
        struct linger lin = {.l_onoff = 1, .l_linger = 0};
        (void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
        close(c->fd);
    }
    c->fd = -1;
    frame_reader_done(&c->reader);
    free(c->out);
    c->out = NULL;
}

/*
 * Set-up only: sends req (a fresh id on each) on the n connections cs[] together and
 * waits for every one's Response, skipping anything else; any refusal or another body
 * ends the run. With keep (n must be 1) the reply is returned for the caller to free;
 * otherwise NULL.
 */
static Reno__ServerMessage *batch_call(struct lg_conn *const *cs, int n, Reno__Request *req,
                                       Reno__Response__BodyCase want, const char *what, bool keep)
{
    char err[NET_ERR_SIZE];
    uint64_t ids[LG_SETUP_BATCH];
    bool done[LG_SETUP_BATCH];
    struct pollfd pfds[LG_SETUP_BATCH];
    Reno__ServerMessage *kept = NULL;
    if (n < 1 || n > LG_SETUP_BATCH || (keep && n != 1))
        die("internal: a set-up batch of %d", n);
    int64_t deadline = now_ns() + (int64_t)LG_SETUP_TIMEOUT_MS * 1000000;
    for (int i = 0; i < n; i++) {
        req->id = ids[i] = ++cs[i]->next_id;
        done[i] = false;
        size_t len = 0;
        uint8_t *frame = msg_pack_frame(&req->base, &len);
        conn_queue(cs[i], frame, len);
        explicit_bzero(frame, len); /* a Login frame holds the password */
        free(frame);
    }
    for (int left = n;;) {
        for (int i = 0; i < n; i++) {
            struct lg_conn *c = cs[i];
            if (done[i])
                continue;
            if (conn_flush(c, err) != 0)
                die("%s: %s", what, err);
            for (;;) {
                Reno__ServerMessage *m = NULL;
                int got = conn_next_message(c, &m, err);
                if (got < 0)
                    die("%s: %s", what, err);
                if (got == 0)
                    break;
                if (m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT &&
                    m->event->body_case == RENO__EVENT__BODY_ERROR)
                    die("%s: connection %d: renod sent an error event: %s", what, c->index,
                        m->event->error->message);
                if (m->kind_case != RENO__SERVER_MESSAGE__KIND_RESPONSE ||
                    m->response->id != ids[i]) {
                    msg_free_server(&c->budget, m);
                    continue;
                }
                const Reno__Status *st = m->response->status;
                if (st != NULL && st->code != RENO__STATUS_CODE__OK)
                    die("%s refused on connection %d: %s: %s%s%s%s", what, c->index,
                        msg_status_name(st->code), st->message, st->field[0] ? " (field " : "",
                        st->field, st->field[0] ? ")" : "");
                if (m->response->body_case != want)
                    die("%s: renod answered with another body (%d)", what,
                        (int)m->response->body_case);
                if (c->out_sent == c->out_len && c->out != NULL)
                    explicit_bzero(c->out, c->out_cap);
                if (keep)
                    kept = m;
                else
                    msg_free_server(&c->budget, m);
                done[i] = true;
                left--;
                break;
            }
        }
        if (left == 0)
            return kept;
        int64_t left_ms = (deadline - now_ns()) / 1000000;
        if (left_ms <= 0)
            die("%s: no answer within %d ms", what, LG_SETUP_TIMEOUT_MS);
        nfds_t np = 0;
        for (int i = 0; i < n; i++) {
            if (done[i])
                continue;
            pfds[np].fd = cs[i]->fd;
            pfds[np].events = POLLIN;
            if (cs[i]->out_sent < cs[i]->out_len)
                pfds[np].events |= POLLOUT;
            pfds[np].revents = 0;
            np++;
        }
        if (poll(pfds, np, (int)left_ms) < 0 && errno != EINTR)
            die("poll: %s", strerror(errno));
        for (int i = 0, k = 0; i < n; i++) {
            if (done[i])
                continue;
            if ((pfds[k].revents & (POLLIN | POLLHUP | POLLERR)) && conn_receive(cs[i], err) != 0)
                die("%s: %s", what, err);
            k++;
        }
    }
}

static Reno__ServerMessage *conn_call(struct lg_conn *c, Reno__Request *req,
                                      Reno__Response__BodyCase want, const char *what)
{
    return batch_call(&c, 1, req, want, what, true);
}

static void batch_hello(struct lg_conn *const *cs, int n)
{
    Reno__Hello hello = RENO__HELLO__INIT;
    hello.protocol_version = RENO_PROTOCOL_VERSION;
    hello.client_name = "reno_loadgen/" RENO_VERSION;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_HELLO;
    req.hello = &hello;
    batch_call(cs, n, &req, RENO__RESPONSE__BODY_HELLO, "hello", false);
}

static void read_password(char *out, size_t size)
{
    if (fgets(out, (int)size, stdin) == NULL)
        usage_error("the password must be the first line of standard input");
    size_t len = strcspn(out, "\r\n");
    if (out[len] == '\0' && len == size - 1)
        usage_error("the password is longer than %d bytes", MSG_MAX_PASSWORD);
    out[len] = '\0';
    if (len == 0)
        usage_error("the password (first line of standard input) is empty");
}

/* Login on the first connection (one password check per run); it sets lg->token. */
static void log_in(struct loadgen *lg, struct lg_conn *c, const char *password)
{
    Reno__Request req = RENO__REQUEST__INIT;
    Reno__Login login = RENO__LOGIN__INIT;
    login.username = lg->opt.user;
    login.password = (char *)password;
    req.body_case = RENO__REQUEST__BODY_LOGIN;
    req.login = &login;
    Reno__ServerMessage *m = conn_call(c, &req, RENO__RESPONSE__BODY_SESSION, "login");
    snprintf(lg->token, sizeof lg->token, "%s", m->response->session->token);
    msg_free_server(&c->budget, m);
}

/* Resume with the first connection's token on the others. */
static void batch_resume(struct loadgen *lg, struct lg_conn *const *cs, int n)
{
    Reno__Request req = RENO__REQUEST__INIT;
    Reno__Resume resume = RENO__RESUME__INIT;
    resume.token = lg->token;
    req.body_case = RENO__REQUEST__BODY_RESUME;
    req.resume = &resume;
    batch_call(cs, n, &req, RENO__RESPONSE__BODY_SESSION, "resume", false);
}

static const Reno__ProjectStatus *find_project(const Reno__StatusReply *sr, int64_t id)
{
    for (size_t i = 0; sr != NULL && i < sr->n_projects; i++)
        if (sr->projects[i]->project_id == id)
            return sr->projects[i];
    return NULL;
}

/* The projects of the account's programme, from one GetStatus; also warms the roll-up. */
static void load_projects(struct loadgen *lg, struct lg_conn *c)
{
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    gs.as_of = "";
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &gs;
    Reno__ServerMessage *m = conn_call(c, &req, RENO__RESPONSE__BODY_STATUS_REPLY, "get_status");
    const Reno__StatusReply *sr = m->response->status_reply;
    lg->projects = xcalloc(sr->n_projects + 1, sizeof *lg->projects);
    for (size_t i = 0; i < sr->n_projects; i++) {
        if (sr->projects[i]->households < 2)
            continue; /* too small to vary a report on (watch-fanout needs two values) */
        lg->projects[lg->n_projects].id = sr->projects[i]->project_id;
        lg->projects[lg->n_projects].households = sr->projects[i]->households;
        lg->n_projects++;
    }
    if (lg->n_projects == 0)
        die("the programme of '%s' has no project with at least 2 households", lg->opt.user);
    /* watch-fanout's first push must change the first project's figure. */
    lg->last_value = find_project(sr, lg->projects[0].id)->households_started;
    msg_free_server(&c->budget, m);
}

/* Every watcher watches the same view (one frame per change for all of them): the whole
 * status, or the first page of page_size projects by id, in the compact form as reno asks
 * for a page unless full_page. */
static void batch_watch(struct lg_conn *const *cs, int n, bool deltas, int page_size,
                        bool full_page)
{
    Reno__Watch w = RENO__WATCH__INIT;
    w.deltas = deltas;
    Reno__GetStatus page = RENO__GET_STATUS__INIT;
    page.page_size = page_size;
    page.form =
        full_page ? RENO__STATUS_FORM__STATUS_FORM_FULL : RENO__STATUS_FORM__STATUS_FORM_COMPACT;
    if (page_size > 0)
        w.page = &page;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_WATCH;
    req.watch = &w;
    batch_call(cs, n, &req, RENO__RESPONSE__BODY_WATCH, "watch", false);
    for (int i = 0; i < n; i++)
        cs[i]->watcher = true;
}

/* ---- requests ---------------------------------------------------------------------------- */

static uint32_t random_below(uint32_t bound)
{
    return bound ? randombytes_uniform(bound) : 0;
}

/* Packs one request of the run's kind with a fresh id into c's write buffer. */
static uint64_t queue_request(struct loadgen *lg, struct lg_conn *c)
{
    Reno__Request req = RENO__REQUEST__INIT;
    Reno__PushProgress push = RENO__PUSH_PROGRESS__INIT;
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    Reno__Ping ping = RENO__PING__INIT;
    uint8_t key[MSG_IDEMPOTENCY_KEY_BYTES];
    req.id = ++c->next_id;

    switch (lg->opt.mix) {
    case MIX_PUSH:
    case MIX_WATCH_FANOUT: {
        const struct project *p;
        int32_t started, completed;
        if (lg->opt.mix == MIX_PUSH) {
            p = &lg->projects[req.id % lg->n_projects];
            started = (int32_t)random_below((uint32_t)p->households + 1);
            completed = (int32_t)random_below((uint32_t)started + 1);
        } else {
            /* Each round's value differs from the last, so each round changes the status. */
            p = &lg->projects[0];
            started = (lg->last_value + 1) % (p->households + 1);
            completed = 0;
            lg->round_project = p->id;
            lg->round_value = started;
            lg->last_value = started;
        }
        randombytes_buf(key, sizeof key); /* a fresh key: every push is a new write */
        push.idempotency_key.data = key;
        push.idempotency_key.len = sizeof key;
        push.project_id = p->id;
        push.report_date = lg->opt.date[0] ? lg->opt.date : lg->today;
        push.households_started = started;
        push.households_completed = completed;
        push.note = LG_NOTE;
        req.body_case = RENO__REQUEST__BODY_PUSH_PROGRESS;
        req.push_progress = &push;
        break;
    }
    case MIX_STATUS:
        gs.as_of = lg->opt.as_of;
        gs.rhythm_periods = lg->opt.rhythm_periods;
        gs.form = lg->opt.full_page ? RENO__STATUS_FORM__STATUS_FORM_FULL
                                    : RENO__STATUS_FORM__STATUS_FORM_COMPACT;
        req.body_case = RENO__REQUEST__BODY_GET_STATUS;
        req.get_status = &gs;
        break;
    case MIX_PING:
    case MIX_IDLE: /* idle's one closing request shows the connection is still served */
        ping.nonce = req.id * 2654435761u; /* anything the reply must echo */
        req.body_case = RENO__REQUEST__BODY_PING;
        req.ping = &ping;
        break;
    }
    size_t len = 0;
    uint8_t *frame = msg_pack_frame(&req.base, &len);
    conn_queue(c, frame, len);
    free(frame);
    return req.id;
}

static void send_one(struct loadgen *lg, struct lg_conn *c, int64_t now)
{
    struct slot *s = NULL;
    for (int i = 0; i < LG_MAX_DEPTH && s == NULL; i++)
        if (c->slots[i].id == 0)
            s = &c->slots[i];
    if (s == NULL)
        die("internal: no free slot on connection %d", c->index);
    s->id = queue_request(lg, c);
    s->sent_ns = now;
    s->measured = now >= lg->window_start_ns && now < lg->window_end_ns;
    c->inflight++;
    lg->sent++;
    if (lg->sent >= (unsigned long long)lg->opt.max_requests && lg->sending) {
        lg->sending = false;
        lg->capped = true;
    }
}

static void push_us(uint32_t **v, size_t *n, size_t *cap, int64_t ns)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 65536;
        *v = xrealloc(*v, *cap * sizeof **v);
    }
    int64_t us = ns < 0 ? 0 : ns / 1000;
    (*v)[(*n)++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static void add_sample(struct loadgen *lg, int64_t latency_ns)
{
    push_us(&lg->samples_us, &lg->n_samples, &lg->cap_samples, latency_ns);
}

/* ---- checking a reply by its wire fields ------------------------------------------------ */

/*
 * A reply to a status or ping request is decoded whole and checked (reply_is_right) the
 * first time on each connection, and again whenever a status reply's position differs
 * from the one last decoded there. Every other reply is checked by reading the top-level
 * fields of the protobuf wire format, without building the message: decoding a 15 KB
 * status whole costs the load generator more CPU than renod spends answering it, and on
 * a machine where both share the cores that would measure the load generator. What the
 * wire check reads (the same for both kinds, so that their rows stay comparable): the
 * frame is one ServerMessage that is a Response and nothing else, well formed at the
 * levels read; the Response's id is one in flight on the connection; its Status, when
 * present, has code OK; its body is the one asked for and nothing else; a status is as of
 * the date asked, at the position last decoded whole on this connection, and has at
 * least one project; a pong carries the nonce sent. Anything else (a refusal, an event,
 * a field out of place) sends the reply to the whole decoding, which reports it.
 */

/* Checks one reply by its wire fields (see above and wire_check.h): true and *id when it
 * is right; false when it must be decoded whole. */
static bool wire_check(const struct loadgen *lg, const struct lg_conn *c, const uint8_t *payload,
                       uint32_t len, uint64_t *id)
{
    if (!c->decoded_once)
        return false;
    struct wire_want want = {.body = lg->opt.mix == MIX_STATUS ? WIRE_STATUS : WIRE_PONG,
                             .as_of = lg->opt.as_of[0] ? lg->opt.as_of : lg->today,
                             .position = c->decoded_position,
                             .form = c->decoded_form};
    struct wire_reply got;
    if (!wire_check_reply(payload, len, &want, &got))
        return false;
    if (want.body == WIRE_PONG && got.nonce != got.id * 2654435761u)
        return false;
    *id = got.id;
    return true;
}

/* Checks that a reply is the right answer to the run's kind of request. */
static bool reply_is_right(struct loadgen *lg, const struct lg_conn *c, const Reno__Response *r,
                           uint64_t id)
{
    const Reno__Status *st = r->status;
    if (st != NULL && st->code != RENO__STATUS_CODE__OK) {
        record_error(lg, "connection %d request %llu: %s: %s%s%s%s", c->index,
                     (unsigned long long)id, msg_status_name(st->code), st->message,
                     st->field[0] ? " (field " : "", st->field, st->field[0] ? ")" : "");
        return false;
    }
    switch (lg->opt.mix) {
    case MIX_PUSH:
    case MIX_WATCH_FANOUT:
        if (r->body_case != RENO__RESPONSE__BODY_PUSH_PROGRESS ||
            r->push_progress->report_id <= 0 || r->push_progress->replayed) {
            record_error(lg, "connection %d request %llu: not a fresh push_progress reply",
                         c->index, (unsigned long long)id);
            return false;
        }
        return true;
    case MIX_STATUS: {
        const char *want = lg->opt.as_of[0] ? lg->opt.as_of : lg->today;
        if (r->body_case != RENO__RESPONSE__BODY_STATUS_REPLY ||
            strcmp(r->status_reply->as_of, want) != 0 || r->status_reply->n_projects == 0) {
            record_error(lg, "connection %d request %llu: not a status as of %s", c->index,
                         (unsigned long long)id, want);
            return false;
        }
        /* The form asked for, or the full page (sent when the compact one would not fill
         * back exactly), and one that fills back as reno fills it. */
        const Reno__StatusReply *got = r->status_reply;
        bool form_ok = got->form == RENO__STATUS_FORM__STATUS_FORM_FULL ||
                       (got->form == RENO__STATUS_FORM__STATUS_FORM_COMPACT && !lg->opt.full_page);
        Reno__StatusReply *filled = form_ok ? status_form_fill(got, NULL) : NULL;
        bool whole = filled != NULL && filled->n_projects == got->n_projects &&
                     strcmp(filled->as_of, want) == 0;
        if (filled != NULL)
            reno__status_reply__free_unpacked(filled, NULL);
        if (!whole) {
            record_error(lg,
                         "connection %d request %llu: a status of form %d that does not "
                         "fill back (asked for the %s form)",
                         c->index, (unsigned long long)id, (int)got->form,
                         lg->opt.full_page ? "full" : "compact");
            return false;
        }
        return true;
    }
    case MIX_PING:
    case MIX_IDLE:
        if (r->body_case != RENO__RESPONSE__BODY_PONG || r->pong->nonce != id * 2654435761u) {
            record_error(lg, "connection %d request %llu: not the pong asked for", c->index,
                         (unsigned long long)id);
            return false;
        }
        return true;
    }
    return false;
}

/* Settles the request `id` in flight on c: r is its reply decoded whole and checked here,
 * or NULL when the wire check (wire_check) found it right. */
static void on_response(struct loadgen *lg, struct lg_conn *c, uint64_t id, const Reno__Response *r,
                        int64_t now)
{
    struct slot *s = NULL;
    for (int i = 0; i < LG_MAX_DEPTH && s == NULL; i++)
        if (c->slots[i].id != 0 && c->slots[i].id == id)
            s = &c->slots[i];
    if (s == NULL) {
        record_error(lg, "connection %d: a response for id %llu, which is not in flight", c->index,
                     (unsigned long long)id);
        return;
    }
    bool right = r == NULL || reply_is_right(lg, c, r, s->id);
    if (r == NULL) {
        lg->wire_checked++;
    } else if (right && (lg->opt.mix == MIX_STATUS || lg->opt.mix == MIX_PING)) {
        /* The reference for the wire checks of this connection's next replies. */
        lg->decoded++;
        c->decoded_once = true;
        if (lg->opt.mix == MIX_STATUS) {
            c->decoded_position = r->status_reply->position;
            c->decoded_form = (int)r->status_reply->form;
        }
    }
    if (right)
        lg->ok_total++;
    if (lg->opt.mix == MIX_WATCH_FANOUT) {
        /* A push that failed changes nothing: no watcher would ever see the round. */
        if (!right)
            die("%s", lg->first_error);
        lg->round_replied = true;
        lg->round_ack_ns = now;
    } else if (right) {
        if (s->measured) {
            add_sample(lg, now - s->sent_ns);
            lg->ok_measured++;
            lg->last_measured_ns = now;
        }
        if (now >= lg->window_start_ns && now <= lg->window_end_ns)
            lg->ok_in_window++;
    }
    s->id = 0;
    c->inflight--;
}

static void on_event(struct loadgen *lg, struct lg_conn *c, const Reno__Event *ev, int64_t now)
{
    switch (ev->body_case) {
    case RENO__EVENT__BODY_ERROR:
        die("connection %d: renod sent an error event: %s: %s", c->index,
            msg_status_name(ev->error->code), ev->error->message);
    case RENO__EVENT__BODY_SHUTTING_DOWN:
        die("connection %d: renod is shutting down: %s", c->index, ev->shutting_down->reason);
    case RENO__EVENT__BODY_RESYNC:
        lg->resyncs++;
        record_error(lg, "connection %d: resync: %s", c->index, ev->resync->reason);
        return;
    case RENO__EVENT__BODY_STATUS_CHANGED:
    case RENO__EVENT__BODY_STATUS_DELTA: {
        lg->events++;
        /* A delta's status holds the rows of the projects that changed, which is the
         * pushed project when its figure moved. */
        const Reno__StatusReply *status = ev->body_case == RENO__EVENT__BODY_STATUS_DELTA
                                              ? ev->status_delta->status
                                              : ev->status_changed->status;
        const Reno__ProjectStatus *p = find_project(status, lg->round_project);
        if (!c->watcher || !lg->round_open || c->seen_round || p == NULL ||
            p->households_started != lg->round_value) {
            lg->stray_events++;
            return;
        }
        c->seen_round = true;
        if (lg->round_seen++ == 0)
            lg->round_first_ns = now;
        lg->round_last_ns = now;
        if (lg->round_measured) {
            add_sample(lg, now - lg->round_sent_ns);
            lg->ok_measured++;
            lg->last_measured_ns = now;
        }
        if (now >= lg->window_start_ns && now <= lg->window_end_ns)
            lg->ok_in_window++;
        return;
    }
    default:
        lg->stray_events++;
        return;
    }
}

/* Everything buffered on c: responses and events. */
static void drain_messages(struct loadgen *lg, struct lg_conn *c)
{
    char err[NET_ERR_SIZE];
    for (;;) {
        const uint8_t *payload = NULL;
        uint32_t len = 0;
        int got = conn_next_frame(c, &payload, &len, err);
        if (got < 0)
            die("%s", err);
        if (got == 0)
            return;
        int64_t now = now_ns();
        uint64_t id = 0;
        if (wire_check(lg, c, payload, len, &id)) {
            on_response(lg, c, id, NULL, now);
            continue;
        }
        Reno__ServerMessage *m = NULL;
        if (conn_decode(c, payload, len, &m, err) < 0)
            die("%s", err);
        if (m->kind_case == RENO__SERVER_MESSAGE__KIND_RESPONSE)
            on_response(lg, c, m->response->id, m->response, now);
        else if (m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT)
            on_event(lg, c, m->event, now);
        msg_free_server(&c->budget, m);
    }
}

/* ---- the loop ---------------------------------------------------------------------------- */

/* watch-fanout: closes a finished (or timed-out) round and opens the next. */
static void fanout_step(struct loadgen *lg, int64_t now)
{
    struct lg_conn *writer = &lg->conns[0];
    int watchers = lg->n_conns - 1;
    if (lg->round_open) {
        bool done = lg->round_replied && lg->round_seen == watchers;
        bool late = now - lg->round_sent_ns > (int64_t)lg->opt.round_timeout_ms * 1000000;
        if (!done && !late)
            return;
        if (!done)
            record_error(lg, "round %llu: %d of %d watchers saw the change within %d ms%s",
                         lg->rounds + 1, lg->round_seen, watchers, lg->opt.round_timeout_ms,
                         lg->round_replied ? "" : ", and the push had no reply");
        lg->rounds++;
        if (done && lg->round_measured) {
            lg->rounds_in_window++;
            /* A watcher may hear of the change before the pushing connection reads its
             * reply (both follow the commit); that counts as no wait at all. */
            push_us(&lg->all_us, &lg->n_all, &lg->cap_all, lg->round_last_ns - lg->round_ack_ns);
            /* What the fan-out itself takes, without the roll-up's refresh before it. */
            push_us(&lg->spread_us, &lg->n_spread, &lg->cap_spread,
                    lg->round_last_ns - lg->round_first_ns);
        }
        lg->round_open = false;
        if (!done)
            die("%s", lg->first_error); /* the watchers are out of step: nothing to measure */
    }
    if (!lg->sending || writer->inflight > 0)
        return;
    for (int i = 1; i < lg->n_conns; i++)
        lg->conns[i].seen_round = false;
    lg->round_open = true;
    lg->round_replied = false;
    lg->round_seen = 0;
    lg->round_sent_ns = now;
    lg->round_measured = now >= lg->window_start_ns && now < lg->window_end_ns;
    send_one(lg, writer, now);
}

static unsigned long long total_inflight(const struct loadgen *lg)
{
    unsigned long long n = 0;
    for (int i = 0; i < lg->n_conns; i++)
        n += lg->conns[i].inflight;
    return n + (lg->round_open ? 1 : 0);
}

/* Sends what is due: every free slot, or with --rate the requests whose time has come,
 * each on the next connection with a free slot. */
static void send_due(struct loadgen *lg, int64_t now)
{
    if (lg->opt.rate == 0) {
        for (int i = 0; i < lg->n_conns && lg->sending; i++)
            while (lg->sending && lg->conns[i].inflight < (unsigned)lg->opt.depth)
                send_one(lg, &lg->conns[i], now);
        return;
    }
    int64_t interval = 1000000000 / lg->opt.rate;
    while (lg->sending && now >= lg->next_send_ns) {
        struct lg_conn *c = NULL;
        for (int k = 0; k < lg->n_conns && c == NULL; k++) {
            struct lg_conn *cand = &lg->conns[(lg->send_cursor + k) % lg->n_conns];
            if (cand->inflight < (unsigned)lg->opt.depth)
                c = cand;
        }
        if (c == NULL)
            return; /* every slot busy: the stream runs behind, and the rate shows it */
        lg->send_cursor = (c->index + 1) % lg->n_conns;
        send_one(lg, c, now);
        lg->next_send_ns += interval;
    }
}

/* Asks epoll to report writability only while c has bytes the socket did not take. */
static void watch_out(int ep, struct lg_conn *c)
{
    bool want = c->out_sent < c->out_len;
    if (want == c->want_out)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0u),
                             .data.u32 = (uint32_t)c->index};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
        die("epoll_ctl: %s", strerror(errno));
    c->want_out = want;
}

static void run(struct loadgen *lg)
{
    char err[NET_ERR_SIZE];
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll_create1: %s", strerror(errno));
    for (int i = 0; i < lg->n_conns; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, lg->conns[i].fd, &ev) != 0)
            die("epoll_ctl: %s", strerror(errno));
        lg->conns[i].want_out = false;
        lg->conns[i].rx_bytes = 0; /* what the run's own requests and events brought */
    }
    struct epoll_event events[LG_EVENTS];
    int64_t start = now_ns();
    lg->window_start_ns = start + (int64_t)lg->opt.warmup_s * 1000000000;
    lg->window_end_ns = lg->window_start_ns + (int64_t)lg->opt.duration_s * 1000000000;
    lg->next_send_ns = start;
    int64_t drain_deadline = 0;
    lg->sending = lg->opt.mix != MIX_IDLE;

    for (;;) {
        int64_t now = now_ns();
        if (lg->sending && now >= lg->window_end_ns)
            lg->sending = false;
        if (lg->opt.mix == MIX_IDLE && !lg->pinged && now >= lg->window_end_ns) {
            /* The connections were held; one ping each shows renod still serves them. */
            lg->sending = true;
            for (int i = 0; i < lg->n_conns; i++)
                send_one(lg, &lg->conns[i], now);
            lg->sending = false;
            lg->pinged = true;
        }
        bool waiting = lg->opt.mix == MIX_IDLE && !lg->pinged;
        if (!lg->sending && !waiting && drain_deadline == 0)
            drain_deadline = now + (int64_t)LG_DRAIN_TIMEOUT_MS * 1000000;

        if (lg->opt.mix == MIX_WATCH_FANOUT)
            fanout_step(lg, now);
        else if (lg->sending)
            send_due(lg, now);
        for (int i = 0; i < lg->n_conns; i++) {
            if (conn_flush(&lg->conns[i], err) != 0)
                die("%s", err);
            watch_out(ep, &lg->conns[i]);
        }

        if (!lg->sending && !waiting && total_inflight(lg) == 0)
            break;
        if (drain_deadline != 0 && now > drain_deadline) {
            record_error(lg, "%llu replies still owed %d ms after the window closed",
                         total_inflight(lg), LG_DRAIN_TIMEOUT_MS);
            break;
        }

        int timeout = LG_POLL_MS;
        if (lg->sending && lg->opt.rate != 0) {
            int64_t due_ms = (lg->next_send_ns - now_ns() + 999999) / 1000000;
            timeout = due_ms < 0 ? 0 : (due_ms < timeout ? (int)due_ms : timeout);
        }
        int n = epoll_wait(ep, events, LG_EVENTS, timeout);
        if (n < 0 && errno != EINTR)
            die("epoll_wait: %s", strerror(errno));
        for (int k = 0; k < n; k++) {
            if (!(events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                continue;
            struct lg_conn *c = &lg->conns[events[k].data.u32];
            /* Whole frames already buffered are handled even if the read then fails. */
            int rc = conn_receive(c, err);
            drain_messages(lg, c);
            if (rc != 0)
                die("%s", err);
        }
    }
    close(ep);
}

/* ---- the report -------------------------------------------------------------------------- */

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile, in milliseconds. */
static double percentile_ms(const uint32_t *sorted, size_t n, double q)
{
    if (n == 0)
        return 0.0;
    size_t rank = (size_t)((q / 100.0) * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1] / 1000.0;
}

static void report(struct loadgen *lg)
{
    const struct options *o = &lg->opt;
    /* qsort must not be given NULL, even for no elements (an idle run has no samples). */
    if (lg->n_samples > 0)
        qsort(lg->samples_us, lg->n_samples, sizeof *lg->samples_us, compare_u32);
    if (lg->n_all > 0)
        qsort(lg->all_us, lg->n_all, sizeof *lg->all_us, compare_u32);
    double all_p50 = percentile_ms(lg->all_us, lg->n_all, 50);
    double all_p99 = percentile_ms(lg->all_us, lg->n_all, 99);
    double all_max = lg->n_all ? lg->all_us[lg->n_all - 1] / 1000.0 : 0.0;
    if (lg->n_spread > 0)
        qsort(lg->spread_us, lg->n_spread, sizeof *lg->spread_us, compare_u32);
    double spread_p50 = percentile_ms(lg->spread_us, lg->n_spread, 50);
    double spread_p99 = percentile_ms(lg->spread_us, lg->n_spread, 99);
    if (o->mix == MIX_WATCH_FANOUT && lg->rounds_in_window == 0 && lg->errors == 0)
        record_error(lg, "no push was sent and seen by every watcher in the window: a longer"
                         " --duration, or --warmup 0");
    if (lg->capped && lg->ok_measured == 0)
        record_error(lg, "--max-requests %ld was reached before the measured window opened",
                     o->max_requests);
    double seconds = (double)(lg->window_end_ns - lg->window_start_ns) / 1e9;
    unsigned long long answered = lg->ok_in_window;
    if (lg->capped) {
        /* The cap stopped sending inside the window: count what was sent in the window
         * over the time until its last reply, rather than over an idle tail. */
        seconds = (double)(lg->last_measured_ns - lg->window_start_ns) / 1e9;
        answered = lg->ok_measured;
    }
    if (seconds <= 0)
        seconds = 1e-9;
    double rps = (double)answered / seconds;
    double p50 = percentile_ms(lg->samples_us, lg->n_samples, 50);
    double p90 = percentile_ms(lg->samples_us, lg->n_samples, 90);
    double p99 = percentile_ms(lg->samples_us, lg->n_samples, 99);
    double max = lg->n_samples ? lg->samples_us[lg->n_samples - 1] / 1000.0 : 0.0;
    const char *detail = o->mix == MIX_STATUS ? (o->as_of[0] ? o->as_of : "today") : "-";

    if (o->kv) {
        printf("mix=%s clients=%d depth=%d seconds=%.3f ok=%llu errors=%llu rps=%.1f "
               "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f samples=%zu as_of=%s",
               mix_names[o->mix], o->clients, o->mix == MIX_WATCH_FANOUT ? 1 : o->depth, seconds,
               answered, lg->errors, rps, p50, p90, p99, max, lg->n_samples, detail);
        if (o->mix == MIX_WATCH_FANOUT)
            printf(" rounds=%llu rounds_per_s=%.1f stray_events=%llu all_p50_ms=%.3f"
                   " all_p99_ms=%.3f all_max_ms=%.3f spread_p50_ms=%.3f spread_p99_ms=%.3f",
                   lg->rounds_in_window, (double)lg->rounds_in_window / seconds, lg->stray_events,
                   all_p50, all_p99, all_max, spread_p50, spread_p99);
        if (o->rate != 0)
            printf(" rate=%ld", o->rate);
        /* Bytes per right reply (per event delivered, for watch-fanout): what a reply costs
         * to pack, send and read. */
        unsigned long long rx = 0;
        for (int i = 0; i < lg->n_conns; i++)
            rx += lg->conns[i].rx_bytes;
        unsigned long long per = o->mix == MIX_WATCH_FANOUT ? lg->events : lg->ok_total;
        printf(" rx_bytes_per_reply=%llu", per ? rx / per : 0);
        printf(" ok_total=%llu capped=%d", lg->ok_total, lg->capped ? 1 : 0);
        if (o->mix == MIX_STATUS || o->mix == MIX_PING)
            printf(" decoded=%llu wire_checked=%llu", lg->decoded, lg->wire_checked);
        printf("\n");
    } else {
        printf("reno_loadgen: %s against %s as %s\n", mix_names[o->mix], o->server, o->user);
        if (o->mix == MIX_WATCH_FANOUT)
            printf("  %d watchers (%s%s) and 1 pushing connection, one push at a time\n",
                   o->clients, o->page_size > 0 ? "a page of projects" : "the whole status",
                   o->deltas ? ", deltas" : "");
        else if (o->mix == MIX_IDLE)
            printf("  %d connections held idle, then one ping each\n", o->clients);
        else
            printf("  %d connections x %d in flight%s%s\n", o->clients, o->depth,
                   o->mix == MIX_STATUS ? ", as of " : "", o->mix == MIX_STATUS ? detail : "");
        printf("  measured %.2f s after %d s of warm-up%s\n", seconds, o->warmup_s,
               lg->capped ? " (cut short by --max-requests)" : "");
        if (o->mix == MIX_WATCH_FANOUT) {
            printf("  rounds     %llu (%.1f pushes/s seen by every watcher)\n",
                   lg->rounds_in_window, (double)lg->rounds_in_window / seconds);
            printf("  throughput %.1f changes delivered/s\n", rps);
            printf(
                "  every watcher, from the push's reply: p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
                all_p50, all_p99, all_max);
            printf("  the first watcher's event to the last's: p50 %.2f ms  p99 %.2f ms\n",
                   spread_p50, spread_p99);
        } else if (o->mix == MIX_IDLE) {
            printf("  answered   %llu of %d connections after the idle window\n", lg->ok_total,
                   lg->n_conns);
        } else {
            printf("  requests   %llu answered right in the window\n", answered);
            printf("  throughput %.1f requests/s\n", rps);
        }
        printf("  latency    p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  (%zu samples,"
               " send to %s)\n",
               p50, p90, p99, max, lg->n_samples,
               o->mix == MIX_WATCH_FANOUT ? "a watcher's event" : "reply");
        printf("  errors     %llu\n", lg->errors);
    }
    if (lg->errors > 0)
        fprintf(stderr, "reno_loadgen: %llu errors; the first: %s\n", lg->errors, lg->first_error);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    struct loadgen lg;
    memset(&lg, 0, sizeof lg);
    parse_options(argc, argv, &lg.opt);
    if (sodium_init() < 0)
        die("libsodium failed to initialise");
    date_format(date_today(), lg.today);

    char host[64], port[6], err[NET_ERR_SIZE];
    if (net_split_address(lg.opt.server, host, sizeof host, port, err) != 0)
        usage_error("--server: %s", err);
    if (strcmp(host, "127.0.0.1") != 0)
        usage_error("--server must be 127.0.0.1:PORT: a load generator aims at this machine only");
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)atoi(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    char password[MSG_MAX_PASSWORD + 2];
    read_password(password, sizeof password);

    lg.n_conns = lg.opt.clients + (lg.opt.mix == MIX_WATCH_FANOUT ? 1 : 0);
    ensure_open_files(lg.n_conns);
    lg.conns = xcalloc((size_t)lg.n_conns, sizeof *lg.conns);
    struct lg_conn *first = &lg.conns[0];
    conn_open(first, 0, &addr);
    batch_hello(&first, 1);
    log_in(&lg, first, password);
    explicit_bzero(password, sizeof password);
    load_projects(&lg, first);
    /* The others in batches: one round trip per step for the batch, not per connection. */
    for (int i = 1; i < lg.n_conns; i += LG_SETUP_BATCH) {
        struct lg_conn *batch[LG_SETUP_BATCH];
        int n = lg.n_conns - i < LG_SETUP_BATCH ? lg.n_conns - i : LG_SETUP_BATCH;
        for (int k = 0; k < n; k++) {
            batch[k] = &lg.conns[i + k];
            conn_open(batch[k], i + k, &addr);
        }
        batch_hello(batch, n);
        batch_resume(&lg, batch, n);
        if (lg.opt.mix == MIX_WATCH_FANOUT)
            batch_watch(batch, n, lg.opt.deltas, lg.opt.page_size, lg.opt.full_page);
    }
    if (lg.opt.ready_file[0] != '\0') {
        FILE *f = fopen(lg.opt.ready_file, "w");
        if (f == NULL || fprintf(f, "%d\n", lg.n_conns) < 0 || fclose(f) != 0)
            die("cannot write %s: %s", lg.opt.ready_file, strerror(errno));
    }

    run(&lg);
    report(&lg);

    for (int i = 0; i < lg.n_conns; i++)
        conn_close(&lg.conns[i]);
    free(lg.conns);
    free(lg.projects);
    free(lg.samples_us);
    free(lg.all_us);
    free(lg.spread_us);
    return lg.errors > 0 ? 1 : 0;
}
