/*
 * Settings table handling. See config.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

static char **string_slot(const struct setting *s, void *target)
{
    return (char **)((char *)target + s->offset);
}

static long *int_slot(const struct setting *s, void *target)
{
    return (long *)((char *)target + s->offset);
}

/* Compares a setting name with user text where '-' and '_' are the same. */
static bool name_matches(const char *name, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char a = name[i];
        char b = text[i] == '-' ? '_' : text[i];
        if (a == '\0' || a != b)
            return false;
    }
    return name[len] == '\0';
}

static const struct setting *find(const struct setting *table, size_t n, const char *text,
                                  size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (name_matches(table[i].name, text, len))
            return &table[i];
    return NULL;
}

static int set_one(const struct setting *s, void *target, const char *value, char *err)
{
    if (s->type == SETTING_STRING) {
        size_t len = strlen(value);
        if ((long)len < s->min || (long)len > s->max) {
            snprintf(err, CONFIG_ERR_SIZE, "%s: length %zu is outside %ld..%ld", s->name, len,
                     s->min, s->max);
            return -1;
        }
        char **slot = string_slot(s, target);
        free(*slot);
        *slot = xstrdup(value);
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0') {
        snprintf(err, CONFIG_ERR_SIZE, "%s: '%s' is not a whole number", s->name, value);
        return -1;
    }
    if (v < s->min || v > s->max) {
        snprintf(err, CONFIG_ERR_SIZE, "%s: %ld is outside %ld..%ld", s->name, v, s->min, s->max);
        return -1;
    }
    *int_slot(s, target) = v;
    return 0;
}

void config_init(const struct setting *table, size_t n, void *target)
{
    char err[CONFIG_ERR_SIZE];
    for (size_t i = 0; i < n; i++) {
        if (table[i].type == SETTING_STRING)
            *string_slot(&table[i], target) = NULL;
        if (set_one(&table[i], target, table[i].def, err) != 0)
            fatal("bad default in settings table: %s", err);
    }
}

void config_done(const struct setting *table, size_t n, void *target)
{
    for (size_t i = 0; i < n; i++) {
        if (table[i].type == SETTING_STRING) {
            char **slot = string_slot(&table[i], target);
            free(*slot);
            *slot = NULL;
        }
    }
}

int config_set(const struct setting *table, size_t n, void *target, const char *name,
               const char *value, char *err)
{
    const struct setting *s = find(table, n, name, strlen(name));
    if (s == NULL) {
        snprintf(err, CONFIG_ERR_SIZE, "unknown setting '%s'", name);
        return -1;
    }
    return set_one(s, target, value, err);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        s[--len] = '\0';
    return s;
}

int config_load_file(const struct setting *table, size_t n, void *target, const char *path,
                     char *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, CONFIG_ERR_SIZE, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int lineno = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            snprintf(err, CONFIG_ERR_SIZE, "%s:%d: line too long", path, lineno);
            rc = -1;
            break;
        }
        /* A comment is a whole line starting with '#': values may contain '#' (a
         * database password, say). */
        char *text = trim(line);
        if (*text == '\0' || *text == '#')
            continue;
        char *eq = strchr(text, '=');
        if (eq == NULL) {
            snprintf(err, CONFIG_ERR_SIZE, "%s:%d: expected 'name = value'", path, lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *name = trim(text);
        char *value = trim(eq + 1);
        char inner[CONFIG_ERR_SIZE];
        if (config_set(table, n, target, name, value, inner) != 0) {
            snprintf(err, CONFIG_ERR_SIZE, "%s:%d: %.200s", path, lineno, inner);
            rc = -1;
            break;
        }
    }
    fclose(f);
    return rc;
}

int config_load_env(const struct setting *table, size_t n, void *target, const char *prefix,
                    char *err)
{
    for (size_t i = 0; i < n; i++) {
        char var[128];
        int len = snprintf(var, sizeof var, "%s%s", prefix, table[i].name);
        for (int k = 0; k < len && k < (int)sizeof var; k++)
            var[k] = (char)toupper((unsigned char)var[k]);
        const char *value = getenv(var);
        if (value == NULL)
            continue;
        char inner[CONFIG_ERR_SIZE];
        if (set_one(&table[i], target, value, inner) != 0) {
            snprintf(err, CONFIG_ERR_SIZE, "%s: %.200s", var, inner);
            return -1;
        }
    }
    return 0;
}

int config_parse_args(const struct setting *table, size_t n, void *target, int argc, char **argv,
                      int *index, bool allow_unknown, char *err)
{
    int i = *index;
    while (i < argc) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        if (strncmp(arg, "--", 2) != 0)
            break;
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct setting *s = find(table, n, name, len);
        if (s == NULL) {
            if (allow_unknown)
                break;
            snprintf(err, CONFIG_ERR_SIZE, "unknown option '%s'", arg);
            return -1;
        }
        const char *value;
        if (eq) {
            value = eq + 1;
        } else {
            if (i + 1 >= argc) {
                snprintf(err, CONFIG_ERR_SIZE, "option '%s' needs a value", arg);
                return -1;
            }
            value = argv[++i];
        }
        if (set_one(s, target, value, err) != 0)
            return -1;
        i++;
    }
    *index = i;
    return 0;
}

void config_print_help(const struct setting *table, size_t n, const char *env_prefix, FILE *out)
{
    config_print_help_translated(table, n, env_prefix, NULL, out);
}

void config_print_help_translated(const struct setting *table, size_t n, const char *env_prefix,
                                  const char *(*translate)(const char *), FILE *out)
{
    const char *default_int = "default %s, range %ld..%ld, env %s";
    const char *default_string = "default '%s', env %s";
    const char *hidden = "(hidden)";
    if (translate != NULL) {
        default_int = translate(default_int);
        default_string = translate(default_string);
        hidden = translate(hidden);
    }
    for (size_t i = 0; i < n; i++) {
        const struct setting *s = &table[i];
        char flag[64];
        char env[96];
        snprintf(flag, sizeof flag, "--%s", s->name);
        for (char *p = flag + 2; *p; p++)
            if (*p == '_')
                *p = '-';
        int len = snprintf(env, sizeof env, "%s%s", env_prefix, s->name);
        for (int k = 0; k < len && k < (int)sizeof env; k++)
            env[k] = (char)toupper((unsigned char)env[k]);
        fprintf(out, "  %-22s %s\n", flag, translate != NULL ? translate(s->help) : s->help);
        fprintf(out, "  %-22s ", "");
        /* The formats come from the caller's catalogue, checked by msgfmt --check. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        if (s->type == SETTING_INT)
            fprintf(out, default_int, s->def, s->min, s->max, env);
        else
            fprintf(out, default_string, s->secret ? hidden : s->def, env);
#pragma GCC diagnostic pop
        fputc('\n', out);
    }
}

void config_dump(const struct setting *table, size_t n, const void *target)
{
    for (size_t i = 0; i < n; i++) {
        const struct setting *s = &table[i];
        void *t = (void *)(uintptr_t)target;
        if (s->type == SETTING_INT)
            log_info("setting %s = %ld", s->name, *int_slot(s, t));
        else
            log_info("setting %s = %s", s->name, s->secret ? "(hidden)" : *string_slot(s, t));
    }
}
