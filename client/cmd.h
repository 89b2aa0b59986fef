/*
 * The CLI's commands: one table row per command ({name, usage, summary, help, run}, as
 * tmux's cmd_table), one cmd_*.c file per group of commands, and the helpers every command
 * shares (option parsing, argument checks, connecting, resuming the session, calling the
 * server and turning its answer into an exit code). main.c owns the table and the helpers.
 *
 * A command's run function parses its own options first (so `reno CMD --help` works with
 * no server and no configuration), checks its arguments, and returns an exit code. It
 * prints its result on stdout (JSON when ctx->json) and its errors on stderr; the helpers
 * print theirs already, so a command just returns the code they give.
 *
 * Ownership: the context is main's. A reply from cmd_call()/cmd_resume() is the command's
 * to free with cmd_free() before it returns; the connection is closed by main.
 */
#ifndef RENO_CMD_H
#define RENO_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "net.h"
#include "settings.h"

/* The exit codes scripts may rely on; `reno --help` lists them. */
enum cmd_exit {
    CMD_EXIT_OK = 0,
    CMD_EXIT_LOCAL = 1,         /* a local failure, e.g. the token file cannot be written */
    CMD_EXIT_USAGE = 2,         /* bad option, argument or configuration */
    CMD_EXIT_TRANSPORT = 3,     /* cannot connect, transport failure, timeout, nonsense reply */
    CMD_EXIT_NOT_LOGGED_IN = 4, /* no usable token file */
    CMD_EXIT_REFUSED = 10       /* plus the StatusCode of the server's refusal */
};

/* Returned by cmd_parse() when the command should go on. */
#define CMD_CONTINUE (-1)

struct cmd_ctx {
    bool json;
    struct settings_flags flags; /* --server, --timeout, --tls, --ca, ... */
    bool settings_loaded;
    struct settings settings; /* valid once settings_loaded */
    struct net_conn *conn;    /* NULL until cmd_connect() */
};

struct cmd {
    const char *name;    /* one or two words: "status", "progress push" */
    const char *usage;   /* the arguments after the name */
    const char *summary; /* one line for `reno --help` */
    const char *help;    /* what `reno NAME --help` prints after the usage line */
    int (*run)(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv);
};

extern const struct cmd cmd_login;
extern const struct cmd cmd_logout;
extern const struct cmd cmd_whoami;
extern const struct cmd cmd_passwd;
extern const struct cmd cmd_ping;
extern const struct cmd cmd_status;
extern const struct cmd cmd_watch;
extern const struct cmd cmd_report_round;
extern const struct cmd cmd_report_notice;
extern const struct cmd cmd_report_evaluation;
extern const struct cmd cmd_report_show;
extern const struct cmd cmd_progress_push;
extern const struct cmd cmd_import;
extern const struct cmd cmd_dashboard;
extern const struct cmd cmd_log_show;

/* One --name option of a command: `value` for options with an argument, else `flag`. */
struct cmd_option {
    const char *name; /* without the dashes */
    const char **value;
    bool *flag;
};

/*
 * Parses argv[0..argc) (what follows the command's name) against opts: "--name value",
 * "--name=value" and flags; --help prints the command's help. Returns CMD_CONTINUE, or the
 * exit code to return at once (0 after --help, 2 after a usage error, already printed).
 */
int cmd_parse(const struct cmd *self, int argc, char **argv, const struct cmd_option *opts,
              size_t n_opts);

/* Prints "reno: <message>", the usage line and a hint; returns CMD_EXIT_USAGE. */
int cmd_usage_error(const struct cmd *self, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Whole numbers in min..max, and strict dates; false after printing a usage error. */
bool cmd_parse_number(const struct cmd *self, const char *option, const char *text, long long min,
                      long long max, long long *out) __attribute__((warn_unused_result));
bool cmd_parse_date(const struct cmd *self, const char *option, const char *text)
    __attribute__((warn_unused_result));

/* Loads the settings once (defaults, file, environment, flags): CMD_EXIT_OK or 2. */
int cmd_settings(struct cmd_ctx *ctx);

/* Connects and says Hello: CMD_EXIT_OK, or an exit code after printing the error. */
int cmd_connect(struct cmd_ctx *ctx);
/* Opens ctx->conn as the settings say (TLS with their CA and name, or plaintext to
 * loopback) without Hello; 0, or -1 with err filled. Settings must be loaded. */
int cmd_dial(struct cmd_ctx *ctx, int timeout_ms, char err[NET_ERR_SIZE])
    __attribute__((warn_unused_result));

/*
 * Sends req and waits for its reply. CMD_EXIT_OK and *reply when the server answered OK
 * with the body `expect`; otherwise the error is printed and the exit code returned: 3 for
 * transport failures and replies without the expected body, 10 + code for refusals.
 */
int cmd_call(struct cmd_ctx *ctx, Reno__Request *req, Reno__Response__BodyCase expect,
             Reno__ServerMessage **reply);
void cmd_free(struct cmd_ctx *ctx, Reno__ServerMessage *reply);

/*
 * Reads the stored token, connects, says Hello and resumes the session; a token the
 * server rotated is stored again. CMD_EXIT_OK and, if session is not NULL, the reply with
 * the SessionReply (free it with cmd_free). Without a token: 4. When `expired` is not NULL,
 * a refusal with UNAUTHENTICATED is not printed: *expired is set and CMD_EXIT_OK returned
 * with no session.
 */
int cmd_resume(struct cmd_ctx *ctx, Reno__ServerMessage **session, bool *expired);

/* The client name sent in Hello, e.g. "reno/0.1.0". */
const char *cmd_client_name(void);

#endif
