/*
 * The client's settings and token file. See settings.h.
 *
 * The settings are one common/config.h table, so the config file, the RENO_* variables,
 * the flags and `reno --help` cannot disagree about names, ranges or defaults.
 *
 * The token is a bearer credential: anyone who reads it is logged in as its owner until it
 * expires. It is therefore written only through a private temporary file renamed into
 * place (a reader sees the old token or the new one, never a torn one, and the file never
 * exists with wider permissions), and it is read only from a regular file that belongs to
 * us and that group and others cannot read, opened without following symbolic links.
 */
#include "settings.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "hex.h"
#include "i18n.h"
#include "xmalloc.h"

static const struct setting settings_table[] = {
    {"server", SETTING_STRING, SETTINGS_DEFAULT_SERVER, 3, 255, offsetof(struct settings, server),
     N_("renod's address: host:port or [IPv6]:port"), false},
    {"timeout", SETTING_INT, "10000", 1, 600000, offsetof(struct settings, timeout_ms),
     N_("milliseconds to wait for a connection and for each reply"), false},
    {"tls", SETTING_STRING, "on", 2, 3, offsetof(struct settings, tls),
     N_("on, or off for plaintext (allowed only to a loopback address)"), false},
    {"ca", SETTING_STRING, "", 0, 4096, offsetof(struct settings, ca),
     N_("CA file renod's certificate must chain to (the county's ca.crt); empty: the system's"),
     false},
    {"server_name", SETTING_STRING, "", 0, 255, offsetof(struct settings, server_name),
     N_("name or address renod's certificate must carry; empty: the host in server"), false},
    {"cert", SETTING_STRING, "", 0, 4096, offsetof(struct settings, cert),
     N_("this client's certificate (PEM), for a renod that asks for one"), false},
    {"key", SETTING_STRING, "", 0, 4096, offsetof(struct settings, key),
     N_("the private key of cert (PEM; only its owner may read it)"), false},
};
#define SETTINGS_COUNT      (sizeof settings_table / sizeof settings_table[0])
#define SETTINGS_ENV_PREFIX "RENO_"

static void set_err(char err[SETTINGS_ERR_SIZE], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_err(char err[SETTINGS_ERR_SIZE], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, SETTINGS_ERR_SIZE, fmt, ap);
    va_end(ap);
}

/* $XDG_CONFIG_HOME/reno, else $HOME/.config/reno, else the password database's home. */
static char *config_dir(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    /* The XDG spec says a relative value is invalid and must be ignored. */
    if (xdg != NULL && xdg[0] == '/')
        return xasprintf("%s/reno", xdg);
    const char *home = getenv("HOME");
    if (home == NULL || home[0] != '/') {
        const struct passwd *pw = getpwuid(getuid());
        home = pw != NULL ? pw->pw_dir : NULL;
    }
    if (home == NULL || home[0] != '/')
        return NULL;
    return xasprintf("%s/.config/reno", home);
}

int settings_init(struct settings *s, const struct settings_flags *flags,
                  char err[SETTINGS_ERR_SIZE])
{
    char inner[CONFIG_ERR_SIZE];
    config_init(settings_table, SETTINGS_COUNT, s);
    s->dir = config_dir();
    if (s->dir == NULL) {
        set_err(err, "cannot find a home directory: set HOME or XDG_CONFIG_HOME");
        return -1;
    }

    char *path = settings_config_path(s);
    struct stat st;
    int rc = 0;
    if (stat(path, &st) == 0) {
        if (config_load_file(settings_table, SETTINGS_COUNT, s, path, inner) != 0) {
            set_err(err, "%s", inner);
            rc = -1;
        }
    } else if (errno != ENOENT && errno != ENOTDIR) {
        set_err(err, "%s: %s", path, strerror(errno));
        rc = -1;
    }
    free(path);
    if (rc != 0)
        return -1;

    if (config_load_env(settings_table, SETTINGS_COUNT, s, SETTINGS_ENV_PREFIX, inner) != 0) {
        set_err(err, "%s", inner);
        return -1;
    }
    const struct {
        const char *name, *value;
    } given[] = {
        {"server", flags->server}, {"timeout", flags->timeout},         {"tls", flags->tls},
        {"ca", flags->ca},         {"server_name", flags->server_name}, {"cert", flags->cert},
        {"key", flags->key},
    };
    for (size_t i = 0; i < sizeof given / sizeof given[0]; i++) {
        if (given[i].value != NULL && config_set(settings_table, SETTINGS_COUNT, s, given[i].name,
                                                 given[i].value, inner) != 0) {
            set_err(err, "--%s", inner);
            return -1;
        }
    }
    if (strcmp(s->tls, "on") != 0 && strcmp(s->tls, "off") != 0) {
        set_err(err, "tls must be on or off, not '%s'", s->tls);
        return -1;
    }
    if ((s->cert[0] == '\0') != (s->key[0] == '\0')) {
        set_err(err, "cert and key go together: set both or neither");
        return -1;
    }
    return 0;
}

bool settings_plaintext(const struct settings *s)
{
    return strcmp(s->tls, "off") == 0;
}

void settings_done(struct settings *s)
{
    config_done(settings_table, SETTINGS_COUNT, s);
    free(s->dir);
    s->dir = NULL;
}

char *settings_config_path(const struct settings *s)
{
    return xasprintf("%s/config", s->dir);
}

char *settings_token_path(const struct settings *s)
{
    return xasprintf("%s/token", s->dir);
}

static const char *translate(const char *text)
{
    return _(text);
}

/* The texts config_print_help_translated() translates, marked for the catalogue. */
static const char *const settings_help_formats[] __attribute__((unused)) = {
    N_("default %s, range %ld..%ld, env %s"),
    N_("default '%s', env %s"),
    N_("(hidden)"),
};

void settings_print_help(FILE *out)
{
    config_print_help_translated(settings_table, SETTINGS_COUNT, SETTINGS_ENV_PREFIX, translate,
                                 out);
}

static bool token_well_formed(const char *token)
{
    uint8_t raw[MSG_TOKEN_BYTES];
    return strlen(token) == MSG_TOKEN_HEX && hex_decode(token, raw, sizeof raw);
}

int settings_token_read(const struct settings *s, char token[MSG_TOKEN_HEX + 1],
                        char err[SETTINGS_ERR_SIZE])
{
    char *path = settings_token_path(s);
    int rc = -1;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            rc = 1;
        else if (errno == ELOOP)
            set_err(err, "%s is a symbolic link; refusing to use it", path);
        else
            set_err(err, "%s: %s", path, strerror(errno));
        free(path);
        return rc;
    }

    struct stat st;
    char buf[MSG_TOKEN_HEX + 8];
    ssize_t n = 0;
    if (fstat(fd, &st) != 0) {
        set_err(err, "%s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        set_err(err, "%s is not a regular file", path);
    } else if (st.st_uid != geteuid()) {
        set_err(err, "%s belongs to another user; refusing to use it", path);
    } else if ((st.st_mode & 077) != 0) {
        set_err(err, "%s has mode %04o: others may read it; log in again or chmod 600 it", path,
                (unsigned)(st.st_mode & 07777));
    } else if ((n = read(fd, buf, sizeof buf - 1)) < 0) {
        set_err(err, "%s: %s", path, strerror(errno));
    } else {
        buf[n] = '\0';
        /* The file ends with a newline; an editor may have added other blank space. */
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
            buf[--n] = '\0';
        if (!token_well_formed(buf)) {
            set_err(err, "%s does not hold a token; log in again", path);
        } else {
            memcpy(token, buf, MSG_TOKEN_HEX + 1);
            rc = 0;
        }
    }
    close(fd);
    free(path);
    return rc;
}

/* mkdir -p with mode 0700 for every directory it creates. */
static int make_dirs(const char *dir, char err[SETTINGS_ERR_SIZE])
{
    char *path = xstrdup(dir);
    int rc = 0;
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            set_err(err, "cannot create %s: %s", path, strerror(errno));
            rc = -1;
            break;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    free(path);
    if (rc != 0)
        return -1;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        set_err(err, "%s is not a directory", dir);
        return -1;
    }
    return 0;
}

int settings_token_write(const struct settings *s, const char *token, char err[SETTINGS_ERR_SIZE])
{
    if (!token_well_formed(token)) {
        set_err(err, "the server sent a malformed session token; not stored");
        return -1;
    }
    if (make_dirs(s->dir, err) != 0)
        return -1;

    char *path = settings_token_path(s);
    char *tmp = xasprintf("%s/.token.XXXXXX", s->dir);
    char line[MSG_TOKEN_HEX + 2];
    snprintf(line, sizeof line, "%s\n", token);
    size_t len = strlen(line);
    int rc = -1;

    /* mkstemp creates the file 0600 already; fchmod states it against any odd umask. */
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        set_err(err, "cannot create a file in %s: %s", s->dir, strerror(errno));
        goto done;
    }
    if (fchmod(fd, 0600) != 0 || write(fd, line, len) != (ssize_t)len || fsync(fd) != 0) {
        set_err(err, "cannot write %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto done;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        set_err(err, "cannot store %s: %s", path, strerror(errno));
        unlink(tmp);
        goto done;
    }
    /* Make the rename itself durable; a failure here loses nothing already written. */
    int dir_fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        (void)fsync(dir_fd);
        close(dir_fd);
    }
    rc = 0;
done:
    explicit_bzero(line, sizeof line);
    free(tmp);
    free(path);
    return rc;
}

int settings_token_remove(const struct settings *s, char err[SETTINGS_ERR_SIZE])
{
    char *path = settings_token_path(s);
    int rc = 0;
    if (unlink(path) != 0 && errno != ENOENT) {
        set_err(err, "cannot remove %s: %s", path, strerror(errno));
        rc = -1;
    }
    free(path);
    return rc;
}
