/*
 * renod: the reno server and its administrative commands.
 *
 * Settings come from the table in server.c: defaults, then the file named by --config
 * (or RENOD_CONFIG), then RENOD_* environment variables, then --flags. The command words
 * and their own options may stand anywhere after the program name.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>
#include <uv.h>

#include "admin.h"
#include "city.h"
#include "config.h"
#include "log.h"
#include "migrate.h"
#include "msg.h"
#include "op.h"
#include "server.h"
#include "xmalloc.h"

#define ENV_PREFIX "RENOD_"
#define MAX_WORDS  32

#if defined(__SANITIZE_ADDRESS__)
/* Under AddressSanitizer: the font caches fontconfig builds for PDF reports (through
 * pango and cairo) are kept for the life of the process by design, and released by
 * nobody; the leak checker is told so, and still reports every other leak. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\nleak:libcairo.so\nleak:libpango\nleak:libharfbuzz.so\n"
           "leak:libglib-2.0.so\nleak:libgobject-2.0.so\n";
}
#endif

static void usage(FILE *out)
{
    fprintf(out, "usage: renod [--config FILE] [SETTINGS] COMMAND [ARGS]\n"
                 "\n"
                 "renod serves the reno renovation-programme protocol over TLS and keeps\n"
                 "everything in PostgreSQL.\n"
                 "\n"
                 "commands:\n"
                 "  serve                      run the server until SIGINT or SIGTERM\n"
                 "  migrate                    create the database roles if missing, apply the\n"
                 "                             schema migrations compiled into renod as the\n"
                 "                             owner role, and grant the serving role its rights\n"
                 "  seed NAME                  load a programme's seed data (e.g. ziyun-2022)\n"
                 "  seed --list                list the seeds compiled into renod\n"
                 "  account add --username U --unit CODE --role ROLE [--programme CODE]\n"
                 "                             create an account; the password is read from\n"
                 "                             standard input (first line); ROLE is office,\n"
                 "                             department, utility or leader\n"
                 "  account list               list accounts\n"
                 "  audit verify               recompute the audit log's hash chain; exit 1\n"
                 "                             and name the first broken record if any\n"
                 "  settings                   print the effective settings and exit\n");
    fputs(city_usage, out);
    fprintf(out, "\n"
                 "settings (flag, or environment variable, or 'name = value' in the file):\n"
                 "  --config FILE              read settings from FILE (env RENOD_CONFIG)\n");
    config_print_help(renod_settings, renod_settings_count, ENV_PREFIX, out);
    fprintf(out, "\nexit status: 0 success, 1 failure, 2 usage error\n");
}

static PGconn *connect_blocking(const char *conninfo)
{
    PGconn *pg = PQconnectdb(conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        log_error("cannot connect to the database: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

static int run_serve(const struct renod_config *cfg)
{
    /* A peer that goes away while a reply is being written must cost an EPIPE on that
     * connection, not the process. */
    signal(SIGPIPE, SIG_IGN);
    op_init();
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0) {
        log_error("cannot create the event loop");
        return 1;
    }
    struct server srv;
    if (server_init(&srv, &loop, cfg) != 0) {
        uv_loop_close(&loop);
        return 1;
    }
    config_dump(renod_settings, renod_settings_count, cfg);
    int rc = 0;
    if (server_listen(&srv) != 0) {
        rc = 1;
        server_stop(&srv, "cannot listen");
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    server_done(&srv);
    if (uv_loop_close(&loop) != 0) {
        log_error("event loop closed with handles still open");
        rc = 1;
    }
    op_done();
    return rc;
}

static char *read_password(void)
{
    char line[MSG_MAX_PASSWORD + 2];
    if (fgets(line, sizeof line, stdin) == NULL) {
        log_error("expected the password on standard input");
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    char *p = xstrdup(line);
    sodium_memzero(line, sizeof line);
    return p;
}

static const char *option_value(int nwords, char **words, const char *name)
{
    for (int i = 0; i + 1 < nwords; i++)
        if (strcmp(words[i], name) == 0)
            return words[i + 1];
    return NULL;
}

static int run_account(const struct renod_config *cfg, int nwords, char **words)
{
    if (nwords >= 2 && strcmp(words[1], "list") == 0) {
        PGconn *pg = connect_blocking(cfg->database);
        if (pg == NULL)
            return 1;
        int rc = admin_account_list(pg);
        PQfinish(pg);
        return rc == 0 ? 0 : 1;
    }
    if (nwords < 2 || strcmp(words[1], "add") != 0) {
        fprintf(stderr, "usage: renod account add --username U --unit CODE --role ROLE "
                        "[--programme CODE] < password\n       renod account list\n");
        return 2;
    }
    const char *username = option_value(nwords, words, "--username");
    const char *unit = option_value(nwords, words, "--unit");
    const char *role = option_value(nwords, words, "--role");
    const char *programme = option_value(nwords, words, "--programme");
    if (username == NULL || unit == NULL || role == NULL) {
        fprintf(stderr, "renod account add: --username, --unit and --role are required\n");
        return 2;
    }
    char *password = read_password();
    if (password == NULL)
        return 1;
    PGconn *pg = connect_blocking(cfg->database);
    int rc = 1;
    if (pg) {
        rc = admin_account_add(pg, programme ? programme : "ziyun-2022", username, unit, role,
                               password) == 0
                 ? 0
                 : 1;
        PQfinish(pg);
    }
    sodium_memzero(password, strlen(password));
    free(password);
    return rc;
}

static int run_command(const struct renod_config *cfg, int nwords, char **words)
{
    const char *cmd = words[0];
    if (strcmp(cmd, "serve") == 0)
        return run_serve(cfg);
    if (strcmp(cmd, "settings") == 0) {
        config_dump(renod_settings, renod_settings_count, cfg);
        return 0;
    }
    if (strcmp(cmd, "account") == 0)
        return run_account(cfg, nwords, words);
    if (strcmp(cmd, "audit") == 0 && nwords == 2 && strcmp(words[1], "verify") == 0) {
        PGconn *pg = connect_blocking(cfg->database);
        if (pg == NULL)
            return 1;
        int rc = admin_audit_verify(pg);
        PQfinish(pg);
        return rc == 0 ? 0 : 1;
    }
    if (strcmp(cmd, "seed") == 0 && nwords == 2 && strcmp(words[1], "--list") == 0) {
        migrate_list_seeds();
        return 0;
    }
    if (strcmp(cmd, "migrate") == 0 || (strcmp(cmd, "seed") == 0 && nwords == 2)) {
        PGconn *pg = connect_blocking(cfg->database);
        if (pg == NULL)
            return 1;
        int rc = cmd[0] == 'm' ? migrate_apply(pg, cfg->db_owner_role, cfg->db_app_role)
                               : migrate_seed(pg, cfg->db_owner_role, words[1]);
        PQfinish(pg);
        return rc == 0 ? 0 : 1;
    }
    int city_rc = city_command(cfg, nwords, words);
    if (city_rc >= 0)
        return city_rc;
    fprintf(stderr, "renod: unknown command or wrong arguments: %s (see renod --help)\n", cmd);
    return 2;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "renod: cannot initialise libsodium\n");
        return 1;
    }
    /* Under systemd the journal stamps each line itself (log.h). */
    log_detect_journal();
    const char *config_file = getenv(ENV_PREFIX "CONFIG");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("renod %s\n", RENO_VERSION);
            return 0;
        }
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config_file = argv[i + 1];
    }

    struct renod_config cfg;
    char err[CONFIG_ERR_SIZE];
    config_init(renod_settings, renod_settings_count, &cfg);
    int rc = 2;
    char *words[MAX_WORDS];
    int nwords = 0;
    if (config_file &&
        config_load_file(renod_settings, renod_settings_count, &cfg, config_file, err) != 0)
        goto bad;
    if (config_load_env(renod_settings, renod_settings_count, &cfg, ENV_PREFIX, err) != 0)
        goto bad;
    /* Settings flags anywhere; everything else (command words and their options) kept. */
    for (int i = 1; i < argc;) {
        if (strcmp(argv[i], "--config") == 0) {
            i += 2;
            continue;
        }
        int next = i;
        if (config_parse_args(renod_settings, renod_settings_count, &cfg, argc, argv, &next, true,
                              err) != 0)
            goto bad;
        if (next > i) {
            i = next;
            continue;
        }
        if (nwords == MAX_WORDS) {
            snprintf(err, sizeof err, "too many arguments");
            goto bad;
        }
        words[nwords++] = argv[i++];
    }
    enum log_level level;
    if (!log_parse_level(cfg.log_level, &level)) {
        snprintf(err, sizeof err, "log_level must be debug, info, warn or error");
        goto bad;
    }
    log_set_level(level);
    if (nwords == 0) {
        usage(stderr);
        goto done;
    }
    rc = run_command(&cfg, nwords, words);
    goto done;
bad:
    fprintf(stderr, "renod: %s\n", err);
    rc = 2;
done:
    config_done(renod_settings, renod_settings_count, &cfg);
    return rc;
}
