/*
 * Where the client finds things: the server address, the call timeout and how to trust
 * the server (a settings table: defaults, then the config file, then RENO_* environment,
 * then command-line flags), and the session token kept beside the config file. It does no
 * networking and prints nothing; errors come back as text.
 *
 *   directory  $XDG_CONFIG_HOME/reno, else ~/.config/reno (created 0700 when needed)
 *   config     <directory>/config, "name = value" lines: server, timeout, ca, server_name,
 *              tls (see settings.c's table or `reno --help`)
 *   token      <directory>/token, 64 hex digits; written 0600 through a temporary file
 *              and rename(); refused when group or others may read it or it is not ours
 *
 * Ownership: struct settings is embedded by the caller (settings_init ... settings_done);
 * its strings are owned by it.
 */
#ifndef RENO_SETTINGS_H
#define RENO_SETTINGS_H

#include <stdbool.h>
#include <stdio.h>

#include "msg.h"

#define SETTINGS_ERR_SIZE       256
#define SETTINGS_DEFAULT_SERVER "127.0.0.1:7420"

struct settings {
    char *server;      /* "host:port" */
    long timeout_ms;   /* for connecting and for each call */
    char *tls;         /* "on", or "off" for plaintext (loopback only) */
    char *ca;          /* PEM file of the CA certificates to trust; "" for the system's */
    char *server_name; /* the name the server's certificate must carry; "" for the host */
    char *cert;        /* PEM client certificate, for a renod that asks for one; "" none */
    char *key;         /* its private key (PEM, not readable by group or others) */
    char *dir;         /* the configuration directory, absolute */
};

/* Values given as command-line flags; NULL when absent. */
struct settings_flags {
    const char *server;
    const char *timeout;
    const char *tls;
    const char *ca;
    const char *server_name;
    const char *cert;
    const char *key;
};

/*
 * Fills s from defaults, the config file (if it exists), the environment, and finally the
 * flags given on the command line. 0, or -1 with err filled (a broken config file, an
 * out-of-range value, no home directory); s is usable for settings_done() either way.
 */
int settings_init(struct settings *s, const struct settings_flags *flags,
                  char err[SETTINGS_ERR_SIZE]) __attribute__((warn_unused_result));
/* True when the settings ask for plaintext (tls = off). */
bool settings_plaintext(const struct settings *s);
void settings_done(struct settings *s);

/* The config and token file paths, as new strings the caller frees. */
char *settings_config_path(const struct settings *s);
char *settings_token_path(const struct settings *s);

/* Describes the settings table (flags, environment names, defaults) for --help. */
void settings_print_help(FILE *out);

/*
 * Reads the stored token into token (MSG_TOKEN_HEX hex digits and a NUL).
 * 0 when read, 1 when there is no token file, -1 with err when it exists but is unusable
 * (unsafe permissions, not a regular file, not ours, malformed).
 */
int settings_token_read(const struct settings *s, char token[MSG_TOKEN_HEX + 1],
                        char err[SETTINGS_ERR_SIZE]) __attribute__((warn_unused_result));
/* Stores token (creating the directory 0700): 0, or -1 with err; never half-written. */
int settings_token_write(const struct settings *s, const char *token, char err[SETTINGS_ERR_SIZE])
    __attribute__((warn_unused_result));
/* Removes the token file: 0 (also when there was none), or -1 with err. */
int settings_token_remove(const struct settings *s, char err[SETTINGS_ERR_SIZE])
    __attribute__((warn_unused_result));

#endif
