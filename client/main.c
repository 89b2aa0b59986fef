/*
 * reno, the command-line client of renod. This file owns the command table, the global
 * options (--server, --timeout, --json, --help, --version), `reno --help`, and the helpers
 * declared in cmd.h that every command uses to parse options, reach the server and turn
 * its answers into exit codes. The commands themselves live in cmd_*.c.
 *
 * Every path frees what it took (the connection, the settings, every reply): the test
 * suite runs the binary under AddressSanitizer with leak detection.
 */
#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_op.h"
#include "complete.h"
#include "date.h"
#include "i18n.h"
#include "msg.h"
#include "output.h"
#include "table.h"
#include "xmalloc.h"

#ifndef RENO_VERSION
#define RENO_VERSION "0.1.0"
#endif

static const struct cmd *const commands[] = {
    &cmd_login,         &cmd_logout,
    &cmd_whoami,        &cmd_ping,
    &cmd_status,        &cmd_watch,
    &cmd_progress_push, &cmd_report_round,
    &cmd_report_notice, &cmd_report_evaluation,
    &cmd_report_show,   &cmd_import,
    &cmd_dashboard,     &cmd_passwd,
    &cmd_log_show,
};
#define FIXED_COUNT   (sizeof commands / sizeof commands[0])
#define COMMAND_COUNT (FIXED_COUNT + cmd_ops_count)

/* The fixed commands, then one per table-like operation (cmd_op.c). */
static const struct cmd *command_at(size_t i)
{
    return i < FIXED_COUNT ? commands[i] : &cmd_ops[i - FIXED_COUNT].cmd;
}

/* The options that go before the command; named here to point a misplaced one out. */
static const char *const global_options[] = {"server",      "timeout", "tls",    "ca",
                                             "server-name", "json",    "version"};

const char *cmd_client_name(void)
{
    return "reno/" RENO_VERSION;
}

/* ---- Help ------------------------------------------------------------------------------ */

static void print_short_usage(FILE *out)
{
    fputs(_("usage: reno [--server ADDR] [--ca FILE] [--timeout MS] [--json] COMMAND [OPTIONS]\n"
            "Run 'reno --help' for the commands, settings and exit codes.\n"),
          out);
}

/* Where the help's descriptions begin: after "  " and a 22-column name. */
#define HELP_INDENT 25

/* Writes text line by line, each wrapped to the terminal with its continuation indented
 * by `indent` (under its description, or under the command after "usage: reno "). */
static void print_lines(FILE *out, char *text, size_t indent)
{
    for (char *line = text, *nl; line != NULL && *line != '\0'; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        output_indented(out, indent, "%s", line);
    }
}

/* The settings' lines, which config.c writes for renod and reno alike. */
static void print_settings_help(FILE *out)
{
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    if (mem == NULL)
        abort();
    settings_print_help(mem);
    fclose(mem);
    print_lines(out, text, HELP_INDENT);
    free(text);
}

static void print_main_help(FILE *out)
{
    char *head = xstrdup(
        _("usage: reno [--server ADDR] [--ca FILE] [--timeout MS] [--json] COMMAND [OPTIONS]\n"
          "\n"
          "The command-line client of renod, the old-community renovation programme\n"
          "server: log in, read the programme's consolidated status, report progress.\n"
          "\n"
          "Commands:\n"));
    print_lines(out, head, strlen("usage: reno "));
    free(head);
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        const char *name = command_at(i)->name;
        /* Names are ASCII: padding them by bytes pads them by display width. A summary
         * longer than the terminal continues under itself. */
        output_indented(out, HELP_INDENT, "  %-22s %s", name, _(command_at(i)->summary));
    }
    fputs(_("\n"
            "Options (before the command):\n"
            "  --json          print results as one JSON object on one line\n"
            "  --help, -h      show this help; 'reno COMMAND --help' for a command\n"
            "  --version       show the client's version and protocol\n"
            "\n"
            "Settings (a flag before the command, an environment variable, or a\n"
            "'name = value' line in the config file; flags win over the environment,\n"
            "the environment over the file):\n"),
          out);
    print_settings_help(out);
    fputs(_("\n"
            "Files:\n"
            "  $XDG_CONFIG_HOME/reno/config   settings (default ~/.config/reno/config)\n"
            "  $XDG_CONFIG_HOME/reno/token    the session token, mode 0600, written by\n"
            "                                 'reno login', removed by 'reno logout'\n"
            "\n"
            "Environment:\n"
            "  RENO_PASSWORD   the password for 'reno login' without --password-stdin\n"
            "  LANG, LC_ALL    the language: zh_CN.UTF-8 for Chinese, English otherwise\n"
            "\n"
            "Exit status:\n"
            "  0   success\n"
            "  1   local failure (e.g. the token file cannot be written)\n"
            "  2   usage error: bad option, argument or configuration\n"
            "  3   cannot connect, transport failure, timeout, or a reply that makes no\n"
            "      sense (for 'progress push': retry with the printed --key)\n"
            "  4   not logged in: no usable token file (run 'reno login')\n"
            "  10 + N, the server refused with StatusCode N:\n"),
          out);
    for (int code = RENO__STATUS_CODE__BAD_REQUEST; code <= RENO__STATUS_CODE__INTERNAL; code++)
        fprintf(out, "  %d  %s\n", CMD_EXIT_REFUSED + code,
                msg_status_name((Reno__StatusCode)code));
}

static void print_command_help(const struct cmd *self, FILE *out)
{
    const char *help = _(self->help);
    fprintf(out, _("usage: reno %s%s%s\n\n%s"), self->name, self->usage[0] ? " " : "", self->usage,
            help);
    /* Every help ends its last line, whatever its text. */
    size_t len = strlen(help);
    if (len > 0 && help[len - 1] != '\n')
        fputc('\n', out);
}

int cmd_usage_error(const struct cmd *self, const char *fmt, ...)
{
    va_list ap;
    char message[512];
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    output_error("%s", message);
    fprintf(stderr, _("usage: reno %s%s%s\nRun 'reno %s --help' for more.\n"), self->name,
            self->usage[0] ? " " : "", self->usage, self->name);
    return CMD_EXIT_USAGE;
}

/* ---- Options and arguments ------------------------------------------------------------- */

static const struct cmd_option *find_option(const struct cmd_option *opts, size_t n,
                                            const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return &opts[i];
    return NULL;
}

static bool is_global_option(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof global_options / sizeof global_options[0]; i++)
        if (strlen(global_options[i]) == len && strncmp(global_options[i], name, len) == 0)
            return true;
    return false;
}

int cmd_parse(const struct cmd *self, int argc, char **argv, const struct cmd_option *opts,
              size_t n_opts)
{
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_command_help(self, stdout);
            return CMD_EXIT_OK;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
            return cmd_usage_error(self, _("unexpected argument '%s'"), arg);
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        int len = (int)(eq ? (size_t)(eq - name) : strlen(name));
        const struct cmd_option *opt = find_option(opts, n_opts, name, (size_t)len);
        if (opt == NULL) {
            if (is_global_option(name, (size_t)len))
                return cmd_usage_error(self,
                                       _("--%.*s goes before the command: reno --%.*s ... %s"), len,
                                       name, len, name, self->name);
            return cmd_usage_error(self, _("unknown option '%s'"), arg);
        }
        if (opt->flag != NULL) {
            if (eq != NULL)
                return cmd_usage_error(self, _("--%s takes no value"), opt->name);
            *opt->flag = true;
            continue;
        }
        if (eq != NULL) {
            *opt->value = eq + 1;
            continue;
        }
        /* "--user --password-stdin" is a forgotten value, not a user named so. */
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (next == NULL || strcmp(next, "--help") == 0 ||
            (strncmp(next, "--", 2) == 0 &&
             find_option(opts, n_opts, next + 2, strcspn(next + 2, "=")) != NULL))
            return cmd_usage_error(self, _("--%s needs a value"), opt->name);
        *opt->value = next;
        i++;
    }
    return CMD_CONTINUE;
}

bool cmd_parse_number(const struct cmd *self, const char *option, const char *text, long long min,
                      long long max, long long *out)
{
    /* strtoll would skip leading blanks and accept "+"; a script's typo should not pass. */
    const char *digits = text[0] == '-' ? text + 1 : text;
    if (!isdigit((unsigned char)digits[0])) {
        cmd_usage_error(self, _("%s: '%s' is not a whole number"), option, text);
        return false;
    }
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (*end != '\0') {
        cmd_usage_error(self, _("%s: '%s' is not a whole number"), option, text);
        return false;
    }
    if (errno == ERANGE || value < min || value > max) {
        cmd_usage_error(self, _("%s: %s is outside %lld..%lld"), option, text, min, max);
        return false;
    }
    *out = value;
    return true;
}

bool cmd_parse_date(const struct cmd *self, const char *option, const char *text)
{
    int32_t days;
    if (!date_parse(text, &days)) {
        cmd_usage_error(self, _("%s: '%s' is not a date YYYY-MM-DD"), option, text);
        return false;
    }
    return true;
}

/* ---- Reaching the server --------------------------------------------------------------- */

int cmd_settings(struct cmd_ctx *ctx)
{
    if (ctx->settings_loaded)
        return CMD_EXIT_OK;
    char err[SETTINGS_ERR_SIZE];
    if (settings_init(&ctx->settings, &ctx->flags, err) != 0) {
        output_error("%s", err);
        settings_done(&ctx->settings);
        return CMD_EXIT_USAGE;
    }
    ctx->settings_loaded = true;
    return CMD_EXIT_OK;
}

int cmd_connect(struct cmd_ctx *ctx)
{
    int rc = cmd_settings(ctx);
    if (rc != CMD_EXIT_OK)
        return rc;
    const char *server = ctx->settings.server;
    char err[NET_ERR_SIZE];
    char host[256];
    char port[6];
    /* A malformed address is the user's to fix, not a network failure. */
    if (net_split_address(server, host, sizeof host, port, err) != 0) {
        output_error(_("%s (from --server, RENO_SERVER or the config file)"), err);
        return CMD_EXIT_USAGE;
    }
    if (cmd_dial(ctx, (int)ctx->settings.timeout_ms, err) != 0) {
        output_error("%s", err);
        output_error(_("the server's address %s comes from --server, else $RENO_SERVER, else "
                       "'server = ...' in the config file (see 'reno --help')"),
                     server);
        return CMD_EXIT_TRANSPORT;
    }
    if (net_hello(ctx->conn, cmd_client_name(), err) != 0) {
        output_error("%s", err);
        return CMD_EXIT_TRANSPORT;
    }
    return CMD_EXIT_OK;
}

int cmd_dial(struct cmd_ctx *ctx, int timeout_ms, char err[NET_ERR_SIZE])
{
    const struct settings *s = &ctx->settings;
    struct net_tls tls = {
        .plaintext = settings_plaintext(s),
        .ca_file = s->ca,
        .server_name = s->server_name,
        .cert_file = s->cert,
        .key_file = s->key,
    };
    return net_connect_tls(s->server, timeout_ms, &tls, &ctx->conn, err);
}

void cmd_free(struct cmd_ctx *ctx, Reno__ServerMessage *reply)
{
    if (reply != NULL)
        net_free(ctx->conn, reply);
}

static int refusal_exit(Reno__StatusCode code)
{
    /* A code from a newer server still maps to 10 + code, within what exit() can carry. */
    if ((int)code >= 1 && (int)code <= 100)
        return CMD_EXIT_REFUSED + (int)code;
    return CMD_EXIT_REFUSED + RENO__STATUS_CODE__INTERNAL;
}

/*
 * cmd_call() with one refusal the caller handles itself: when the server refuses with
 * `quiet` (if not NULL), nothing is printed.
 */
static int call(struct cmd_ctx *ctx, Reno__Request *req, Reno__Response__BodyCase expect,
                Reno__ServerMessage **reply, const Reno__StatusCode *quiet)
{
    char err[NET_ERR_SIZE];
    Reno__ServerMessage *m = NULL;
    *reply = NULL;
    if (net_call(ctx->conn, req, &m, err) != 0) {
        output_error("%s", err);
        return CMD_EXIT_TRANSPORT;
    }
    const Reno__Response *r = m->response;
    if (r->status != NULL && r->status->code != RENO__STATUS_CODE__OK) {
        Reno__StatusCode code = r->status->code;
        if (quiet == NULL || *quiet != code)
            output_status_error(r->status);
        cmd_free(ctx, m);
        return refusal_exit(code);
    }
    if (r->body_case != expect) {
        output_error(_("the server answered %s without the expected reply"),
                     msg_request_name(req->body_case));
        cmd_free(ctx, m);
        return CMD_EXIT_TRANSPORT;
    }
    *reply = m;
    return CMD_EXIT_OK;
}

int cmd_call(struct cmd_ctx *ctx, Reno__Request *req, Reno__Response__BodyCase expect,
             Reno__ServerMessage **reply)
{
    return call(ctx, req, expect, reply, NULL);
}

int cmd_resume(struct cmd_ctx *ctx, Reno__ServerMessage **session, bool *expired)
{
    if (session != NULL)
        *session = NULL;
    if (expired != NULL)
        *expired = false;
    int rc = cmd_settings(ctx);
    if (rc != CMD_EXIT_OK)
        return rc;

    char token[MSG_TOKEN_HEX + 1];
    char err[SETTINGS_ERR_SIZE];
    int found = settings_token_read(&ctx->settings, token, err);
    if (found > 0) {
        output_error("%s", _("not logged in: run 'reno login --user NAME' first"));
        return CMD_EXIT_NOT_LOGGED_IN;
    }
    if (found < 0) {
        output_error("%s", err);
        return CMD_EXIT_NOT_LOGGED_IN;
    }
    rc = cmd_connect(ctx);
    if (rc != CMD_EXIT_OK)
        goto done;

    Reno__Resume resume = RENO__RESUME__INIT;
    resume.token = token;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_RESUME;
    req.resume = &resume;
    const Reno__StatusCode unauthenticated = RENO__STATUS_CODE__UNAUTHENTICATED;
    Reno__ServerMessage *m = NULL;
    rc = call(ctx, &req, RENO__RESPONSE__BODY_SESSION, &m, expired ? &unauthenticated : NULL);
    if (rc == refusal_exit(unauthenticated)) {
        if (expired != NULL) {
            *expired = true;
            rc = CMD_EXIT_OK;
        } else {
            output_error("%s", _("the stored session is no longer valid: run 'reno login' again"));
        }
        goto done;
    }
    if (rc != CMD_EXIT_OK)
        goto done;

    /* The server may hand out a fresh token; the old one may stop working. */
    const char *fresh = m->response->session->token;
    if (fresh != NULL && fresh[0] != '\0' && strcmp(fresh, token) != 0 &&
        settings_token_write(&ctx->settings, fresh, err) != 0)
        output_error(_("warning: cannot store the renewed session token: %s"), err);
    if (session != NULL)
        *session = m;
    else
        cmd_free(ctx, m);
done:
    sodium_memzero(token, sizeof token);
    return rc;
}

/* ---- main ------------------------------------------------------------------------------ */

/* Finds the command named by argv[0..] (one or two words); *words says how many it took. */
static const struct cmd *find_command(int argc, char **argv, int *words)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        const char *name = command_at(i)->name;
        int w = 0;
        bool match = true;
        while (*name != '\0' && match) {
            size_t len = strcspn(name, " ");
            match = w < argc && strlen(argv[w]) == len && strncmp(argv[w], name, len) == 0;
            name += len;
            name += *name == ' ';
            w++;
        }
        if (match) {
            *words = w;
            return command_at(i);
        }
    }
    return NULL;
}

/* Edit distance between a and the first alen bytes of b (insert, delete, change, swap). */
static size_t edit_distance(const char *a, const char *b, size_t blen)
{
    size_t alen = strlen(a);
    if (alen > 32 || blen > 32)
        return SIZE_MAX;
    size_t d[33][33];
    for (size_t i = 0; i <= alen; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= blen; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= alen; i++)
        for (size_t j = 1; j <= blen; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[alen][blen];
}

/* The command (its first word) a mistyped word most likely meant, or NULL. */
static const char *nearest_command(const char *word)
{
    static char best_name[64];
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        const char *name = command_at(i)->name;
        size_t len = strcspn(name, " ");
        size_t d = edit_distance(word, name, len);
        if (d < best && len < sizeof best_name) {
            best = d;
            memcpy(best_name, name, len);
            best_name[len] = '\0';
        }
    }
    /* Two edits in a word of five or more letters, one in a shorter one. */
    size_t allowed = strlen(word) >= 5 ? 2 : 1;
    return best <= allowed ? best_name : NULL;
}

/* Lists the subcommands of group `word` on out; false when it is no group. */
static bool list_group(const char *word, FILE *out)
{
    bool group = false;
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        size_t len = strcspn(command_at(i)->name, " ");
        if (command_at(i)->name[len] == ' ' && strlen(word) == len &&
            strncmp(command_at(i)->name, word, len) == 0) {
            group = true;
            output_indented(out, 8, "  reno %s %s", command_at(i)->name, command_at(i)->usage);
            output_indented(out, 6, "      %s", _(command_at(i)->summary));
        }
    }
    return group;
}

static bool is_group(const char *word)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        size_t len = strcspn(command_at(i)->name, " ");
        if (command_at(i)->name[len] == ' ' && strlen(word) == len &&
            strncmp(command_at(i)->name, word, len) == 0)
            return true;
    }
    return false;
}

static void report_unknown_command(const char *word)
{
    bool group = is_group(word);
    if (group) {
        output_error(_("'%s' needs a subcommand:"), word);
        (void)list_group(word, stderr);
    }
    if (!group) {
        output_error(_("unknown command '%s'"), word);
        const char *near = nearest_command(word);
        if (near != NULL)
            fprintf(stderr, _("Did you mean 'reno %s'?\n"), near);
        print_short_usage(stderr);
    }
}

static int global_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int global_usage_error(const char *fmt, ...)
{
    va_list ap;
    char message[512];
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    output_error("%s", message);
    print_short_usage(stderr);
    return CMD_EXIT_USAGE;
}

/*
 * Takes the value of --name / --name=value at argv[*i] when arg is that option: 1 when it
 * was, 0 when not, -1 (after a usage error) when its value is missing.
 */
static int take_value(const char *name, int argc, char **argv, int *i, const char **value)
{
    const char *arg = argv[*i] + 2;
    size_t len = strlen(name);
    if (strncmp(arg, name, len) != 0 || (arg[len] != '\0' && arg[len] != '='))
        return 0;
    if (arg[len] == '=') {
        *value = arg + len + 1;
        return 1;
    }
    if (*i + 1 >= argc) {
        global_usage_error(_("--%s needs a value"), name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

/* Parses the global options; CMD_CONTINUE with *index at the command, or an exit code. */
static int parse_global(struct cmd_ctx *ctx, int argc, char **argv, int *index)
{
    bool help = false;
    bool version = false;
    int i = 1;
    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        if (arg[0] != '-')
            break;
        int took = 0;
        if (strncmp(arg, "--", 2) == 0) {
            /* The settings that may be given as flags, each once in the settings table. */
            const struct {
                const char *name;
                const char **value;
            } settings_flags[] = {
                {"server", &ctx->flags.server},
                {"timeout", &ctx->flags.timeout},
                {"tls", &ctx->flags.tls},
                {"ca", &ctx->flags.ca},
                {"server-name", &ctx->flags.server_name},
                {"cert", &ctx->flags.cert},
                {"key", &ctx->flags.key},
            };
            for (size_t f = 0; f < sizeof settings_flags / sizeof settings_flags[0] && took == 0;
                 f++)
                took = take_value(settings_flags[f].name, argc, argv, &i, settings_flags[f].value);
        }
        if (took < 0)
            return CMD_EXIT_USAGE;
        if (took > 0)
            continue;
        if (strcmp(arg, "--json") == 0)
            ctx->json = true;
        else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            help = true;
        else if (strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0)
            version = true;
        else
            return global_usage_error(_("unknown option '%s'"), arg);
    }
    if (help) {
        print_main_help(stdout);
        return CMD_EXIT_OK;
    }
    if (version) {
        printf("reno %s (protocol %d)\n", RENO_VERSION, RENO_PROTOCOL_VERSION);
        return CMD_EXIT_OK;
    }
    *index = i;
    return CMD_CONTINUE;
}

static int run(int argc, char **argv)
{
    struct cmd_ctx ctx = {0};
    int i = 0;
    int rc = parse_global(&ctx, argc, argv, &i);
    if (rc != CMD_CONTINUE)
        return rc;
    if (i >= argc) {
        print_short_usage(stderr);
        return CMD_EXIT_USAGE;
    }
    int words = 0;
    const struct cmd *cmd = find_command(argc - i, argv + i, &words);
    if (cmd == NULL && i + 1 < argc && is_group(argv[i]) &&
        (strcmp(argv[i + 1], "--help") == 0 || strcmp(argv[i + 1], "-h") == 0)) {
        /* 'reno report --help' asks for the group's commands: an answer, not an error. */
        printf(_("usage: reno %s SUBCOMMAND [OPTIONS]\n\nSubcommands:\n"), argv[i]);
        (void)list_group(argv[i], stdout);
        printf(_("\nRun 'reno %s SUBCOMMAND --help' for one of them.\n"), argv[i]);
        return CMD_EXIT_OK;
    }
    if (cmd == NULL) {
        report_unknown_command(argv[i]);
        return CMD_EXIT_USAGE;
    }
    rc = cmd->run(cmd, &ctx, argc - i - words, argv + i + words);
    net_close(ctx.conn);
    if (ctx.settings_loaded)
        settings_done(&ctx.settings);
    return rc;
}

/*
 * The width tables and prose fit: $COLUMNS when set (as shells and tests set it), else the
 * terminal's when standard output is one; a pipe or a file gets whole lines.
 */
static void set_width_limit(void)
{
    const char *columns = getenv("COLUMNS");
    if (columns != NULL && columns[0] != '\0') {
        char *end = NULL;
        long n = strtol(columns, &end, 10);
        if (*end == '\0' && n >= 20 && n <= 10000) {
            table_set_width_limit((size_t)n);
            return;
        }
    }
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        table_set_width_limit(ws.ws_col);
}

int main(int argc, char **argv)
{
    i18n_init();
    set_width_limit();
    if (sodium_init() < 0) {
        output_error("%s", _("cannot initialise libsodium"));
        return CMD_EXIT_LOCAL;
    }
    /* Hidden: the bash completion script asks the command table (complete.h). */
    int rc = argc >= 2 && strcmp(argv[1], "--complete") == 0
                 ? complete_print(command_at, COMMAND_COUNT, argc - 2, argv + 2, stdout)
                 : run(argc, argv);
    /* A result that could not be written (disk full, closed pipe) is not a success. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (rc == CMD_EXIT_OK) {
            output_error(_("cannot write the output: %s"), strerror(errno));
            rc = CMD_EXIT_LOCAL;
        }
    }
    return rc;
}
