/*
 * Logging: one line per event on stderr, with a UTC timestamp and a level. Lines about a
 * connection carry its id, peer and account (the server's conn_log() adds them).
 * fatal() is for impossible internal states only, never for anything a peer sends.
 */
#ifndef RENO_LOG_H
#define RENO_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
bool log_parse_level(const char *name, enum log_level *out) __attribute__((warn_unused_result));
const char *log_level_name(enum log_level level);

/*
 * Under systemd, stderr may be a stream into the journal, which stamps every line with
 * its own time: when $JOURNAL_STREAM names the device and inode of stderr, lines lose
 * their timestamp and start with the syslog priority instead ("<6>info  ..."), which
 * journald reads as the line's priority. Returns whether it switched. A stderr that was
 * redirected elsewhere no longer matches, and keeps the timestamps.
 */
bool log_detect_journal(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/*
 * Text a peer chose (a client name, a username, a refusal that quotes a value), made safe
 * for one log line: printable ASCII and well-formed UTF-8 are kept; a backslash, a double
 * quote, control characters, DEL and bytes that are not UTF-8 become \\, \", \n, \t or
 * \xNN. The result always fits `size` (cut at a whole escape, "..." marking the cut), so
 * nothing a peer sends can start a new log line or drive a terminal. Returns out.
 */
char *log_escape(const char *in, char *out, size_t size);
/* Room for the escape of a peer string of `n` bytes: at most four bytes each, and "...". */
#define LOG_ESCAPED_SIZE(n) (4 * (n) + 4)

_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
