/*
 * Settings as one table: {name, type, default, min, max, help, offset}. The same table
 * drives defaults, the configuration file ("name = value" lines), the environment
 * (PREFIX_NAME in upper case), command-line flags (--name=value or --name value, with
 * '-' and '_' interchangeable), validation, --help and the dump at start-up. Later
 * sources override earlier ones: defaults, file, environment, flags.
 *
 * Ownership: string settings are heap copies owned by the target struct; config_done()
 * frees them. Errors are written to a caller-supplied buffer.
 */
#ifndef RENO_CONFIG_H
#define RENO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum setting_type { SETTING_STRING, SETTING_INT };

struct setting {
    const char *name; /* snake_case */
    enum setting_type type;
    const char *def; /* default, as text */
    long min, max;   /* for SETTING_INT; for SETTING_STRING the byte length bounds */
    size_t offset;   /* of a `char *` or `long` in the target struct */
    const char *help;
    bool secret; /* not printed by config_dump() */
};

#define CONFIG_ERR_SIZE 256

/* Sets every setting to its default. */
void config_init(const struct setting *table, size_t n, void *target);
void config_done(const struct setting *table, size_t n, void *target);

/* Sets one setting from text, checking type and range. -1 with *err filled on failure. */
int config_set(const struct setting *table, size_t n, void *target, const char *name,
               const char *value, char *err) __attribute__((warn_unused_result));

/* Reads "name = value" lines (a line starting with '#' is a comment). A missing file is an error.
 */
int config_load_file(const struct setting *table, size_t n, void *target, const char *path,
                     char *err) __attribute__((warn_unused_result));

/* Reads PREFIX + NAME (upper case) from the environment for every setting. */
int config_load_env(const struct setting *table, size_t n, void *target, const char *prefix,
                    char *err) __attribute__((warn_unused_result));

/*
 * Consumes leading --name=value / --name value flags from argv[*index...]; stops at the
 * first argument that is not a known flag of the table, at "--", or at the end, leaving
 * *index there. An unknown "--flag" is an error unless allow_unknown.
 */
int config_parse_args(const struct setting *table, size_t n, void *target, int argc, char **argv,
                      int *index, bool allow_unknown, char *err)
    __attribute__((warn_unused_result));

/* One line per setting: --flag, environment name, default, range, help. */
void config_print_help(const struct setting *table, size_t n, const char *env_prefix, FILE *out);
/* The same with every text passed through translate (the client's gettext); the two
 * "default ..." lines are translated as printf formats. */
void config_print_help_translated(const struct setting *table, size_t n, const char *env_prefix,
                                  const char *(*translate)(const char *), FILE *out);
/* Logs every setting's value (secrets masked) at info level. */
void config_dump(const struct setting *table, size_t n, const void *target);

#endif
