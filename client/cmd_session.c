/*
 * The session commands: login, logout, passwd, whoami, and ping. They own asking for the password
 * (standard input, RENO_PASSWORD, or the terminal with echo off) and keeping it out of
 * memory once sent; the token file itself belongs to settings.c. whoami also shows the
 * unit's rights, through the generic list_rights operation (cmd_op.h).
 *
 * While the terminal's echo is off, the fatal signals a user sends (^C, ^\, a hang-up, a
 * kill) first restore it and then take their default action, so no exit path leaves the
 * terminal without echo.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "cmd.h"
#include "cmd_op.h"
#include "log.h"
#include "msg.h"
#include "output.h"
#include "reflect.h"
#include "table.h"

/* Room for the longest password the protocol allows, its newline, and one byte more. */
#define PASSWORD_BUF (MSG_MAX_PASSWORD + 3)

/* ---- Reading the password -------------------------------------------------------------- */

static int tty_fd = -1;
static struct termios tty_saved;
static volatile sig_atomic_t tty_echo_off;

static const int tty_signals[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};
#define TTY_SIGNAL_COUNT (sizeof tty_signals / sizeof tty_signals[0])

static void restore_tty_and_die(int sig)
{
    /* tcsetattr, signal and raise are async-signal-safe. */
    if (tty_echo_off)
        tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
    signal(sig, SIG_DFL);
    raise(sig);
}

/*
 * Reads one line from fd into buf (at most size - 2 bytes of text), without stdio, so that
 * no copy of the secret stays in a stdio buffer. Returns the length (the newline, and a
 * carriage return before it, taken off), -1 on a read error, -2 when the line is too long.
 * End of input ends the line.
 */
static ssize_t read_secret_line(int fd, char *buf, size_t size)
{
    size_t len = 0;
    for (;;) {
        char c;
        ssize_t n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0 || c == '\n')
            break;
        if (len + 2 >= size)
            return -2;
        buf[len++] = c;
    }
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    buf[len] = '\0';
    return (ssize_t)len;
}

/* Prompts on the controlling terminal with echo off. CMD_CONTINUE or an exit code. */
static int read_password_tty(const struct cmd *self, const char *prompt, char *buf, size_t size)
{
    tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty_fd < 0)
        return cmd_usage_error(self, _("no terminal to ask for the password: "
                                       "use --password-stdin or set RENO_PASSWORD"));
    int rc = CMD_CONTINUE;
    struct sigaction old_actions[TTY_SIGNAL_COUNT];
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = restore_tty_and_die;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < TTY_SIGNAL_COUNT; i++)
        sigaction(tty_signals[i], &action, &old_actions[i]);

    struct termios quiet;
    if (tcgetattr(tty_fd, &tty_saved) != 0) {
        rc = cmd_usage_error(self,
                             _("cannot turn the terminal's echo off: %s; "
                               "use --password-stdin or set RENO_PASSWORD"),
                             strerror(errno));
        goto done;
    }
    quiet = tty_saved;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
    quiet.c_lflag |= ECHONL | ICANON;
    tty_echo_off = 1;
    if (tcsetattr(tty_fd, TCSAFLUSH, &quiet) != 0) {
        tty_echo_off = 0;
        rc = cmd_usage_error(self, _("cannot turn the terminal's echo off: %s"), strerror(errno));
        goto done;
    }
    dprintf(tty_fd, "%s: ", prompt);
    ssize_t len = read_secret_line(tty_fd, buf, size);
    tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
    tty_echo_off = 0;
    if (len == -2)
        rc = cmd_usage_error(self, _("the password is longer than %d bytes"), MSG_MAX_PASSWORD);
    else if (len < 0)
        rc = cmd_usage_error(self, _("cannot read the password: %s"), strerror(errno));
done:
    for (size_t i = 0; i < TTY_SIGNAL_COUNT; i++)
        sigaction(tty_signals[i], &old_actions[i], NULL);
    close(tty_fd);
    tty_fd = -1;
    return rc;
}

/*
 * Fills buf with a password from wherever the user put it: a line of standard input
 * (from_stdin), else the environment variable env, else the terminal with `prompt`.
 * CMD_CONTINUE or an exit code.
 */
static int read_password(const struct cmd *self, const char *prompt, const char *env_name,
                         bool from_stdin, char *buf, size_t size)
{
    int rc = CMD_CONTINUE;
    const char *env = getenv(env_name);
    if (from_stdin) {
        ssize_t len = read_secret_line(STDIN_FILENO, buf, size);
        if (len == -2)
            return cmd_usage_error(self, _("the password is longer than %d bytes"),
                                   MSG_MAX_PASSWORD);
        if (len < 0)
            return cmd_usage_error(self, _("cannot read the password from standard input: %s"),
                                   strerror(errno));
    } else if (env != NULL) {
        if (strlen(env) > MSG_MAX_PASSWORD)
            return cmd_usage_error(self, _("%s is longer than %d bytes"), env_name,
                                   MSG_MAX_PASSWORD);
        memcpy(buf, env, strlen(env) + 1);
    } else {
        rc = read_password_tty(self, prompt, buf, size);
        if (rc != CMD_CONTINUE)
            return rc;
    }
    if (buf[0] == '\0')
        return cmd_usage_error(self, _("the password is empty"));
    if (strlen(buf) > MSG_MAX_PASSWORD)
        return cmd_usage_error(self, _("the password is longer than %d bytes"), MSG_MAX_PASSWORD);
    if (!msg_valid_utf8(buf, strlen(buf)))
        return cmd_usage_error(self, _("the password is not valid UTF-8"));
    return CMD_CONTINUE;
}

/* ---- Showing a session ----------------------------------------------------------------- */

static void format_time(int64_t seconds, char *out, size_t size)
{
    time_t t = (time_t)seconds;
    struct tm tm;
    if (seconds <= 0 || localtime_r(&t, &tm) == NULL ||
        strftime(out, size, "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
        snprintf(out, size, "-");
}

/* Starts the session's JSON object and writes its members; the caller ends it. */
static void print_session_json_open(struct output_json *j, const Reno__SessionReply *s)
{
    const char *role = output_enum_name(&reno__role__descriptor, (int)s->role);
    output_json_init(j, stdout);
    output_json_object(j, NULL);
    output_json_string(j, "username", s->username);
    output_json_string(j, "role", role != NULL ? role : "ROLE_UNSPECIFIED");
    output_json_string(j, "unit_name", s->unit_name);
    output_json_string(j, "programme_code", s->programme_code);
    output_json_string(j, "programme_title", s->programme_title);
    output_json_int(j, "expires_at", s->expires_at);
}

static void print_session_json(const Reno__SessionReply *s)
{
    struct output_json j;
    print_session_json_open(&j, s);
    output_json_end(&j);
}

/* ---- login ----------------------------------------------------------------------------- */

static int run_login(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    const char *user = NULL;
    bool from_stdin = false;
    const struct cmd_option opts[] = {
        {"user", &user, NULL},
        {"password-stdin", NULL, &from_stdin},
    };
    int rc = cmd_parse(self, argc, argv, opts, sizeof opts / sizeof opts[0]);
    if (rc != CMD_CONTINUE)
        return rc;
    if (user == NULL)
        return cmd_usage_error(self, _("--user is required"));
    if (user[0] == '\0' || strlen(user) > MSG_MAX_USERNAME || !msg_valid_utf8(user, strlen(user)))
        return cmd_usage_error(self, _("--user must be 1..%d bytes of UTF-8"), MSG_MAX_USERNAME);
    /* Settings first: a broken config file should not cost the user a typed password. */
    rc = cmd_settings(ctx);
    if (rc != CMD_EXIT_OK)
        return rc;

    char password[PASSWORD_BUF];
    char prompt[MSG_MAX_USERNAME + 32];
    snprintf(prompt, sizeof prompt, "Password for %s", user);
    rc = read_password(self, prompt, "RENO_PASSWORD", from_stdin, password, sizeof password);
    if (rc != CMD_CONTINUE)
        goto done;
    rc = cmd_connect(ctx);
    if (rc != CMD_EXIT_OK)
        goto done;

    Reno__Login login = RENO__LOGIN__INIT;
    login.username = (char *)user;
    login.password = password;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_LOGIN;
    req.login = &login;
    Reno__ServerMessage *m = NULL;
    rc = cmd_call(ctx, &req, RENO__RESPONSE__BODY_SESSION, &m);
    if (rc != CMD_EXIT_OK)
        goto done;

    const Reno__SessionReply *s = m->response->session;
    char err[SETTINGS_ERR_SIZE];
    if (settings_token_write(&ctx->settings, s->token, err) != 0) {
        output_error(_("logged in, but cannot store the session: %s"), err);
        rc = CMD_EXIT_LOCAL;
    } else if (ctx->json) {
        print_session_json(s);
    } else {
        output_line(stdout, _("logged in as %s (%s, %s) — programme %s"), s->username, s->unit_name,
                    output_role_name(s->role), s->programme_code);
    }
    cmd_free(ctx, m);
done:
    sodium_memzero(password, sizeof password);
    return rc;
}

const struct cmd cmd_login = {
    .name = "login",
    .usage = "--user NAME [--password-stdin]",
    .summary = N_("log in and store the session token"),
    .help = N_("The password is read from standard input with --password-stdin (one line), else\n"
               "from RENO_PASSWORD, else asked for on the terminal without echo. The session\n"
               "token is stored in the token file (see 'reno --help'), replacing any other.\n"
               "\n"
               "Options:\n"
               "  --user NAME         the account to log in as\n"
               "  --password-stdin    read the password from standard input\n"
               "  --help              show this help\n"),
    .run = run_login,
};

/* ---- logout ---------------------------------------------------------------------------- */

static int run_logout(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    bool all = false;
    const struct cmd_option opts[] = {{"all", NULL, &all}};
    int rc = cmd_parse(self, argc, argv, opts, sizeof opts / sizeof opts[0]);
    if (rc != CMD_CONTINUE)
        return rc;
    bool expired = false;
    rc = cmd_resume(ctx, NULL, &expired);
    if (rc != CMD_EXIT_OK)
        return rc; /* the token is kept: the session may still be live on the server */

    unsigned ended = 0;
    if (!expired) {
        Reno__Logout logout = RENO__LOGOUT__INIT;
        logout.all_sessions = all;
        Reno__Request req = RENO__REQUEST__INIT;
        req.body_case = RENO__REQUEST__BODY_LOGOUT;
        req.logout = &logout;
        Reno__ServerMessage *m = NULL;
        rc = cmd_call(ctx, &req, RENO__RESPONSE__BODY_LOGOUT, &m);
        if (rc != CMD_EXIT_OK)
            return rc;
        ended = m->response->logout->sessions_ended;
        cmd_free(ctx, m);
    }
    char err[SETTINGS_ERR_SIZE];
    if (settings_token_remove(&ctx->settings, err) != 0) {
        output_error(_("logged out, but %s"), err);
        return CMD_EXIT_LOCAL;
    }
    if (ctx->json) {
        struct output_json j;
        output_json_init(&j, stdout);
        output_json_object(&j, NULL);
        output_json_bool(&j, "logged_out", true);
        output_json_bool(&j, "session_was_active", !expired);
        output_json_int(&j, "sessions_ended", ended);
        output_json_end(&j);
    } else if (expired) {
        printf(_("logged out (the session had already ended; token removed)\n"));
    } else if (all) {
        printf(_("logged out: %u sessions of the account ended\n"), ended);
    } else {
        printf(_("logged out\n"));
    }
    return CMD_EXIT_OK;
}

const struct cmd cmd_logout = {
    .name = "logout",
    .usage = "[--all]",
    .summary = N_("end the session (or every session of the account) and remove the token"),
    .help = N_("Ends the stored session on the server and removes the token file. If the server\n"
               "cannot be reached the token is kept, so that the session can still be ended.\n"
               "With --all, every session of the account ends, on every connection and every\n"
               "computer: those connections are told and closed.\n"
               "\n"
               "Options:\n"
               "  --all     end every session of the account, not only this one\n"
               "  --help    show this help\n"),
    .run = run_logout,
};

/* ---- passwd ---------------------------------------------------------------------------- */

static int run_passwd(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    bool from_stdin = false;
    const struct cmd_option opts[] = {{"password-stdin", NULL, &from_stdin}};
    int rc = cmd_parse(self, argc, argv, opts, sizeof opts / sizeof opts[0]);
    if (rc != CMD_CONTINUE)
        return rc;
    rc = cmd_settings(ctx);
    if (rc != CMD_EXIT_OK)
        return rc;
    char old_password[PASSWORD_BUF], new_password[PASSWORD_BUF], again[PASSWORD_BUF];
    again[0] = '\0';
    rc = read_password(self, "Old password", "RENO_PASSWORD", from_stdin, old_password,
                       sizeof old_password);
    if (rc == CMD_CONTINUE)
        rc = read_password(self, "New password", "RENO_NEW_PASSWORD", from_stdin, new_password,
                           sizeof new_password);
    /* Typed on a terminal, the new password is asked twice. */
    if (rc == CMD_CONTINUE && !from_stdin && getenv("RENO_NEW_PASSWORD") == NULL) {
        rc = read_password(self, "New password again", "RENO_NEW_PASSWORD_AGAIN", false, again,
                           sizeof again);
        if (rc == CMD_CONTINUE && strcmp(again, new_password) != 0)
            rc = cmd_usage_error(self, _("the two new passwords differ"));
    }
    if (rc != CMD_CONTINUE)
        goto done;
    rc = cmd_resume(ctx, NULL, NULL);
    if (rc != CMD_EXIT_OK)
        goto done;
    Reno__ChangePassword cp = RENO__CHANGE_PASSWORD__INIT;
    cp.old_password = old_password;
    cp.new_password = new_password;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_CHANGE_PASSWORD;
    req.change_password = &cp;
    Reno__ServerMessage *m = NULL;
    rc = cmd_call(ctx, &req, RENO__RESPONSE__BODY_CHANGE_PASSWORD, &m);
    if (rc != CMD_EXIT_OK)
        goto done;
    unsigned ended = m->response->change_password->sessions_ended;
    cmd_free(ctx, m);
    if (ctx->json) {
        struct output_json j;
        output_json_init(&j, stdout);
        output_json_object(&j, NULL);
        output_json_bool(&j, "password_changed", true);
        output_json_int(&j, "sessions_ended", ended);
        output_json_end(&j);
    } else {
        printf(_("password changed; %u other sessions of the account ended\n"), ended);
    }
done:
    sodium_memzero(old_password, sizeof old_password);
    sodium_memzero(new_password, sizeof new_password);
    sodium_memzero(again, sizeof again);
    return rc;
}

const struct cmd cmd_passwd = {
    .name = "passwd",
    .usage = "[--password-stdin]",
    .summary = N_("change the password of the stored session's account"),
    .help = N_("Asks for the old password and the new one (twice) on the terminal without echo;\n"
               "with --password-stdin reads two lines, the old then the new; else takes them from\n"
               "RENO_PASSWORD and RENO_NEW_PASSWORD. The new password is 8 to 256 bytes. Every\n"
               "other session of the account ends; this one goes on. A wrong old password counts\n"
               "as a failed login (see 'reno lockout list').\n"
               "\n"
               "Options:\n"
               "  --password-stdin    read the old and the new password from standard input\n"
               "  --help              show this help\n"),
    .run = run_passwd,
};

/* ---- whoami ---------------------------------------------------------------------------- */

/*
 * The rights of the session's unit, from the generic list_rights operation (the table
 * right_grant, enforced by the server in reno_require()): CMD_EXIT_OK and *reply holding
 * a RightList, or the exit code after the error is printed.
 */
static int fetch_rights(struct cmd_ctx *ctx, Reno__ServerMessage **reply)
{
    const struct cmd_op *op = cmd_op_find("list_rights");
    if (op == NULL)
        fatal("the operation list_rights is not in common/ops.def");
    ProtobufCMessage *body = reflect_new(cmd_op_request_field(op)->descriptor);
    int rc = cmd_op_send(ctx, op, body, reply);
    protobuf_c_message_free_unpacked(body, NULL);
    return rc;
}

static void print_rights_json(struct output_json *j, const Reno__RightList *rights)
{
    output_json_array(j, "rights");
    for (size_t i = 0; i < rights->n_items; i++) {
        const Reno__Right *r = rights->items[i];
        output_json_object(j, NULL);
        output_json_string(j, "right", r->right);
        output_json_string(j, "scope", r->scope);
        output_json_string(j, "source", r->source);
        output_json_string(j, "basis", r->basis);
        output_json_string(j, "plan_words", r->plan_words);
        output_json_end(j);
    }
    output_json_end(j);
}

static void print_rights(const Reno__SessionReply *s, const Reno__RightList *rights)
{
    if (rights->n_items == 0) {
        output_line(stdout, _("rights     none: this account reads and does not write"));
        return;
    }
    output_line(stdout, _("rights     what %s may write, and why:"), s->unit_name);
    /* BASIS says whether the right is the work plan's word (quoted) or the county's own
     * configuration where the plan is silent. */
    const char *headers[] = {N_("RIGHT"), N_("SCOPE"), N_("SOURCE"), N_("BASIS")};
    struct table *t = table_new(4, headers);
    for (size_t i = 0; i < rights->n_items; i++) {
        const Reno__Right *r = rights->items[i];
        char basis[600];
        if (strcmp(r->basis, "plan") == 0)
            snprintf(basis, sizeof basis, _("plan: %s"), r->plan_words);
        else
            snprintf(basis, sizeof basis, "%s", _("county's own"));
        const char *cells[] = {r->right, r->scope, r->source, basis};
        table_add_row(t, cells);
    }
    table_print(t, stdout);
    table_free(t);
}

static int run_whoami(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    int rc = cmd_parse(self, argc, argv, NULL, 0);
    if (rc != CMD_CONTINUE)
        return rc;
    Reno__ServerMessage *m = NULL;
    rc = cmd_resume(ctx, &m, NULL);
    if (rc != CMD_EXIT_OK)
        return rc;
    Reno__ServerMessage *rights = NULL;
    rc = fetch_rights(ctx, &rights);
    if (rc != CMD_EXIT_OK) {
        cmd_free(ctx, m);
        return rc;
    }
    const Reno__SessionReply *s = m->response->session;
    const Reno__RightList *list = rights->response->list_rights;
    if (ctx->json) {
        struct output_json j;
        print_session_json_open(&j, s);
        print_rights_json(&j, list);
        output_json_end(&j);
    } else {
        char expires[64];
        format_time(s->expires_at, expires, sizeof expires);
        output_line(stdout, _("username   %s"), s->username);
        output_line(stdout, _("unit       %s"), s->unit_name);
        output_line(stdout, _("role       %s"), output_role_name(s->role));
        output_line(stdout, _("programme  %s (%s)"), s->programme_code, s->programme_title);
        output_line(stdout, _("expires    %s"), expires);
        output_line(stdout, _("server     %s (%s)"), net_server_name(ctx->conn),
                    ctx->settings.server);
        print_rights(s, list);
    }
    cmd_free(ctx, rights);
    cmd_free(ctx, m);
    return CMD_EXIT_OK;
}

const struct cmd cmd_whoami = {
    .name = "whoami",
    .usage = "",
    .summary = N_("show the account of the stored session and its unit's rights"),
    .help = N_("Resumes the stored session and shows its account, unit, role, programme and\n"
               "expiry, then the rights of its unit: each right (e.g. project.write), where it\n"
               "applies (the programme, or a project) and why the unit holds it. The server\n"
               "checks every write against these rights; 'reno rights' lists them alone.\n"
               "With --json, the rights are the member \"rights\".\n"
               "\n"
               "Options:\n"
               "  --help    show this help\n"),
    .run = run_whoami,
};

/* ---- ping ------------------------------------------------------------------------------ */

static double elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - since->tv_sec) * 1e3 +
           (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

static int run_ping(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    int rc = cmd_parse(self, argc, argv, NULL, 0);
    if (rc != CMD_CONTINUE)
        return rc;
    rc = cmd_settings(ctx);
    if (rc != CMD_EXIT_OK)
        return rc;

    /* Ping is answered only within a session: resume one if there is a token. */
    char token[MSG_TOKEN_HEX + 1];
    char err[SETTINGS_ERR_SIZE];
    int found = settings_token_read(&ctx->settings, token, err);
    sodium_memzero(token, sizeof token);
    if (found < 0)
        output_error(_("warning: %s; pinging without a session"), err);

    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    bool expired = false;
    rc = found == 0 ? cmd_resume(ctx, NULL, &expired) : cmd_connect(ctx);
    if (rc != CMD_EXIT_OK)
        return rc;
    double hello_ms = elapsed_ms(&start);
    bool logged_in = found == 0 && !expired;

    double ping_ms = -1;
    if (logged_in) {
        Reno__Ping ping = RENO__PING__INIT;
        randombytes_buf(&ping.nonce, sizeof ping.nonce);
        Reno__Request req = RENO__REQUEST__INIT;
        req.body_case = RENO__REQUEST__BODY_PING;
        req.ping = &ping;
        Reno__ServerMessage *m = NULL;
        clock_gettime(CLOCK_MONOTONIC, &start);
        rc = cmd_call(ctx, &req, RENO__RESPONSE__BODY_PONG, &m);
        if (rc != CMD_EXIT_OK)
            return rc;
        ping_ms = elapsed_ms(&start);
        bool same = m->response->pong->nonce == ping.nonce;
        cmd_free(ctx, m);
        if (!same) {
            output_error(_("the server answered Ping with another nonce"));
            return CMD_EXIT_TRANSPORT;
        }
    }

    const char *server = ctx->settings.server;
    const char *name = net_server_name(ctx->conn);
    if (ctx->json) {
        struct output_json j;
        output_json_init(&j, stdout);
        output_json_object(&j, NULL);
        output_json_string(&j, "server", server);
        output_json_string(&j, "server_name", name);
        output_json_double(&j, "connect_ms", hello_ms);
        output_json_bool(&j, "logged_in", logged_in);
        if (logged_in)
            output_json_double(&j, "ping_ms", ping_ms);
        output_json_end(&j);
    } else if (logged_in) {
        output_line(stdout, _("pong from %s at %s in %.1f ms (session set up in %.1f ms)"), name,
                    server, ping_ms, hello_ms);
    } else {
        output_line(stdout, _("%s at %s answered hello in %.1f ms (%s, so no Ping was sent)"), name,
                    server, hello_ms, expired ? "the session has ended" : "not logged in");
    }
    return CMD_EXIT_OK;
}

const struct cmd cmd_ping = {
    .name = "ping",
    .usage = "",
    .summary = N_("check that the server answers"),
    .help = N_("Connects and says hello; with a stored session, also resumes it and sends Ping\n"
               "(the server answers Ping only within a session). Exit status 0 means the server\n"
               "answered; 3 that it could not be reached or did not answer in time.\n"
               "\n"
               "Options:\n"
               "  --help    show this help\n"),
    .run = run_ping,
};
