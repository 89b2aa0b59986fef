/*
 * Logging to stderr. One write per line, so lines from several processes sharing a
 * terminal or a file do not interleave mid-line.
 */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "utf8.h"

static enum log_level current_level = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};
/* syslog(3) priorities of the levels: LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR. */
static const int level_priorities[] = {7, 6, 4, 3};
static bool to_journal;

bool log_detect_journal(void)
{
    const char *stream = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    int end = 0;
    struct stat st;
    to_journal = stream != NULL && sscanf(stream, "%llu:%llu%n", &dev, &ino, &end) == 2 &&
                 stream[end] == '\0' && fstat(STDERR_FILENO, &st) == 0 &&
                 (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
    return to_journal;
}

void log_set_level(enum log_level level)
{
    current_level = level;
}

enum log_level log_get_level(void)
{
    return current_level;
}

const char *log_level_name(enum log_level level)
{
    return level_names[level];
}

bool log_parse_level(const char *name, enum log_level *out)
{
    for (int i = LOG_DEBUG; i <= LOG_ERROR; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return true;
        }
    }
    return false;
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
    if (level < current_level)
        return;
    char line[2048];
    int n;
    if (to_journal) {
        n = snprintf(line, sizeof line, "<%d>%-5s ", level_priorities[level], level_names[level]);
    } else {
        struct timeval tv;
        struct tm tm;
        gettimeofday(&tv, NULL);
        gmtime_r(&tv.tv_sec, &tm);
        n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %-5s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (int)(tv.tv_usec / 1000), level_names[level]);
    }
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}

void fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(LOG_ERROR, fmt, ap);
    va_end(ap);
    abort();
}

char *log_escape(const char *in, char *out, size_t size)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t n = strlen(in);
    size_t len = 0;
    if (size < 4)
        fatal("log_escape: an output of %zu bytes is too small", size);
    for (size_t i = 0; i < n;) {
        char piece[8];
        size_t plen;
        uint32_t cp;
        size_t clen = utf8_decode(s + i, n - i, &cp);
        if (clen > 1 && !(cp >= 0x80 && cp < 0xa0)) {
            /* A whole multi-byte character other than a C1 control: kept as it is. */
            memcpy(piece, s + i, clen);
            plen = clen;
        } else {
            clen = 1;
            unsigned char c = s[i];
            if (c == '\\' || c == '"')
                plen = (size_t)snprintf(piece, sizeof piece, "\\%c", c);
            else if (c == '\n')
                plen = (size_t)snprintf(piece, sizeof piece, "\\n");
            else if (c == '\t')
                plen = (size_t)snprintf(piece, sizeof piece, "\\t");
            else if (c >= 0x20 && c < 0x7f)
                plen = (size_t)snprintf(piece, sizeof piece, "%c", c);
            else
                plen = (size_t)snprintf(piece, sizeof piece, "\\x%02x", c);
        }
        /* Keep room for "..." and the NUL: a cut is marked, never mid-escape. */
        if (len + plen + 4 > size) {
            memcpy(out + len, "...", 4);
            return out;
        }
        memcpy(out + len, piece, plen);
        len += plen;
        i += clen;
    }
    out[len] = '\0';
    return out;
}
