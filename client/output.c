/*
 * Output helpers. See output.h.
 *
 * JSON strings are written byte by byte: valid multi-byte UTF-8 passes through unchanged
 * (JSON text is UTF-8, and Chinese stays readable), the characters JSON forbids raw are
 * escaped, and a byte that starts no valid character is replaced by U+FFFD so that the
 * output is always valid JSON whatever the server sent.
 */
#include "output.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "labels.h"
#include "msg.h"
#include "refusal.h"
#include "table.h"
#include "utf8.h"

/* Length of the valid UTF-8 character at s (n bytes left), 0 when there is none. */
static size_t utf8_char_len(const unsigned char *s, size_t n)
{
    uint32_t cp;
    return utf8_decode(s, n, &cp);
}

void output_json_escape(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p);
    fputc('"', out);
    while (n > 0) {
        unsigned char c = *p;
        size_t len = utf8_char_len(p, n);
        if (len == 0) {
            fputs("\\ufffd", out);
            len = 1;
        } else if (len > 1) {
            fwrite(p, 1, len, out);
        } else if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
        } else if (c == '\n') {
            fputs("\\n", out);
        } else if (c == '\r') {
            fputs("\\r", out);
        } else if (c == '\t') {
            fputs("\\t", out);
        } else if (c == '\b') {
            fputs("\\b", out);
        } else if (c == '\f') {
            fputs("\\f", out);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(out, "\\u%04x", c);
        } else {
            fputc(c, out);
        }
        p += len;
        n -= len;
    }
    fputc('"', out);
}

void output_json_number(FILE *out, double v)
{
    if (!isfinite(v)) {
        fputs("null", out);
        return;
    }
    /* 17 significant digits always read back exactly; fewer usually do, and read better. */
    char buf[40];
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(buf, sizeof buf, "%.*g", precision, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, out);
}

void output_json_init(struct output_json *j, FILE *out)
{
    memset(j, 0, sizeof *j);
    j->out = out;
}

/* Writes the separator and key that come before any value. */
static void begin_value(struct output_json *j, const char *key)
{
    if (j->has_items[j->depth])
        fputc(',', j->out);
    j->has_items[j->depth] = true;
    if (key != NULL) {
        output_json_escape(j->out, key);
        fputc(':', j->out);
    }
}

static void open_container(struct output_json *j, const char *key, char open, char close)
{
    begin_value(j, key);
    if (j->depth >= OUTPUT_JSON_MAX_DEPTH)
        abort(); /* our own output never nests this deep: a bug, not input */
    fputc(open, j->out);
    j->depth++;
    j->has_items[j->depth] = false;
    j->closer[j->depth] = close;
}

void output_json_object(struct output_json *j, const char *key)
{
    open_container(j, key, '{', '}');
}

void output_json_array(struct output_json *j, const char *key)
{
    open_container(j, key, '[', ']');
}

void output_json_end(struct output_json *j)
{
    if (j->depth == 0)
        abort(); /* more ends than opens: a bug in the caller */
    fputc(j->closer[j->depth], j->out);
    j->depth--;
    /* Only the top-level value ends the line. */
    if (j->depth == 0)
        fputc('\n', j->out);
}

void output_json_string(struct output_json *j, const char *key, const char *value)
{
    begin_value(j, key);
    output_json_escape(j->out, value);
}

void output_json_int(struct output_json *j, const char *key, int64_t value)
{
    begin_value(j, key);
    fprintf(j->out, "%lld", (long long)value);
}

void output_json_double(struct output_json *j, const char *key, double value)
{
    begin_value(j, key);
    output_json_number(j->out, value);
}

void output_json_bool(struct output_json *j, const char *key, bool value)
{
    begin_value(j, key);
    fputs(value ? "true" : "false", j->out);
}

void output_safe_text(FILE *out, const char *text)
{
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    size_t n = strlen((const char *)p);
    while (n > 0) {
        size_t len = utf8_char_len(p, n);
        if (len == 0) {
            fputc('?', out);
            len = 1;
        } else if (len == 1 && (*p < 0x20 || *p == 0x7f)) {
            fputc('?', out);
        } else if (len == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
            fputc('?', out); /* C1 controls, U+0080..U+009F */
        } else {
            fwrite(p, 1, len, out);
        }
        p += len;
        n -= len;
    }
}

static void vline(FILE *out, size_t indent, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* The display width of the one character at s (len bytes). */
static size_t char_width(const char *s, size_t len)
{
    char one[8];
    memcpy(one, s, len);
    one[len] = '\0';
    return text_width(one);
}

/*
 * Writes text (clean UTF-8) in lines of at most `limit` display columns, continued lines
 * indented by `indent` blanks (at most 32). Lines break at a blank (which is dropped) or beside a
 * wide character, never inside a word or a number; a word longer than a line stays whole.
 */
static void write_wrapped(FILE *out, const char *text, size_t limit, size_t indent)
{
    static const char blanks[] = "                                ";
    if (indent > sizeof blanks - 1)
        indent = sizeof blanks - 1;
    size_t n = strlen(text);
    size_t start = 0, brk = 0, width = 0, prev_w = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t len = utf8_decode((const unsigned char *)text + i, n - i, &cp);
        if (len == 0)
            len = 1;
        size_t w = char_width(text + i, len);
        if (i > start && (cp == ' ' || w == 2 || prev_w == 2))
            brk = i;
        if (width + w > limit && brk > start) {
            fwrite(text + start, 1, brk - start, out);
            fputc('\n', out);
            fwrite(blanks, 1, indent, out);
            start = brk;
            while (start < n && text[start] == ' ')
                start++;
            width = indent;
            for (size_t k = start; k < i;) {
                size_t kl = utf8_decode((const unsigned char *)text + k, n - k, &cp);
                kl = kl == 0 ? 1 : kl;
                width += char_width(text + k, kl);
                k += kl;
            }
            brk = start;
            if (i < start) {
                i = start;
                prev_w = 0;
                continue;
            }
        }
        width += w;
        prev_w = w;
        i += len;
    }
    fwrite(text + start, 1, n - start, out);
}

/* Formats, cleans and writes one line; a format with server text goes through here. Prose
 * for standard output is wrapped to the width tables fit (table_width_limit()). */
static void vline(FILE *out, size_t indent, const char *fmt, va_list ap)
{
    char *line = NULL;
    if (vasprintf(&line, fmt, ap) < 0)
        abort(); /* out of memory, as xmalloc would */
    size_t limit = out == stdout ? table_width_limit() : 0;
    if (limit > 0) {
        char *clean = NULL;
        size_t size = 0;
        FILE *mem = open_memstream(&clean, &size);
        if (mem == NULL)
            abort();
        output_safe_text(mem, line);
        fclose(mem);
        write_wrapped(out, clean, limit, indent);
        free(clean);
    } else {
        output_safe_text(out, line);
    }
    fputc('\n', out);
    free(line);
}

void output_line(FILE *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(out, 2, fmt, ap);
    va_end(ap);
}

void output_indented(FILE *out, size_t indent, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(out, indent, fmt, ap);
    va_end(ap);
}

void output_standby(FILE *out, bool from_standby, int64_t lag_ms)
{
    if (!from_standby)
        return;
    if (lag_ms >= 0)
        output_line(out, _("from the standby, about %lld s behind the primary"),
                    (long long)((lag_ms + 500) / 1000));
    else
        output_line(out, _("from the standby, how far behind the primary is unknown"));
}

void output_error(const char *fmt, ...)
{
    va_list ap;
    /* Whatever stdout holds came first; keep the order when both go to one terminal. */
    fflush(stdout);
    va_start(ap, fmt);
    fputs("reno: ", stderr);
    vline(stderr, 2, fmt, ap);
    va_end(ap);
}

void output_field_flag(const char *field, char *out, size_t size)
{
    /* "list_missing_reporters.round_date" and "rows[3].amount" name the option --round-date
     * and --amount: the last component, without an index, with '-' for '_'. */
    const char *last = strrchr(field, '.');
    last = last != NULL ? last + 1 : field;
    size_t len = strcspn(last, "[");
    /* Every command takes a project as --project (the name people use). */
    if (len == strlen("project_id") && strncmp(last, "project_id", len) == 0)
        len = strlen("project");
    if (len + 3 > size)
        len = size - 3;
    out[0] = '-';
    out[1] = '-';
    for (size_t i = 0; i < len; i++)
        out[2 + i] = last[i] == '_' ? '-' : (last[i] > 0x20 && last[i] < 0x7f ? last[i] : '?');
    out[2 + len] = '\0';
}

/* The rights renod checks (schema/functions/permissions.sql), in the plan's words. */
static const struct {
    const char *code;
    const char *name;
} right_names[] = {
    {"report.issue", N_("issuing reports")},
    {"project.write", N_("recording projects")},
    {"milestone.write", N_("recording milestones")},
    {"contract.write", N_("recording contracts")},
    {"funds.write", N_("recording funds")},
    {"tasks.write", N_("supervision items")},
    {"residents.write", N_("residents' surveys and notices")},
    {"parties.write", N_("the parties' register")},
    {"quality.write", N_("quality and safety checks")},
    {"acceptance.write", N_("acceptance and evaluation")},
    {"lines.government", N_("the government's share of line work")},
    {"lines.utility", N_("the utilities' line work")},
    {"rounds.write", N_("collection rounds")},
    {"lights.write", N_("the traffic-light rules")},
    {"organisation.write", N_("the organisation")},
    {"accounts.manage", N_("managing accounts")},
    {"progress.write", N_("reporting progress")},
};

const char *output_right_name(const char *code)
{
    for (size_t i = 0; i < sizeof right_names / sizeof right_names[0]; i++)
        if (strcmp(right_names[i].code, code) == 0)
            return _(right_names[i].name);
    return code;
}

void output_status_error(const Reno__Status *status)
{
    fflush(stdout);
    /* English keeps the code's name, which scripts match; Chinese reads its label. */
    const char *what =
        i18n_is_chinese() ? label_enum(&reno__status_code__descriptor, (int)status->code) : NULL;
    fprintf(stderr, "reno: %s", what != NULL ? what : msg_status_name(status->code));
    char flag[128] = "";
    if (status->field != NULL && status->field[0] != '\0')
        output_field_flag(status->field, flag, sizeof flag);
    char *words = NULL;
    size_t words_len = 0;
    FILE *out = open_memstream(&words, &words_len);
    bool said = out != NULL && refusal_say(out, status, flag);
    if (out != NULL)
        fclose(out);
    if (said) {
        fputs(_(": "), stderr);
        fputs(words, stderr);
        fputc('\n', stderr);
        free(words);
        return;
    }
    free(words);
    if (status->message != NULL && status->message[0] != '\0') {
        fputs(_(": "), stderr);
        output_safe_text(stderr, status->message);
    }
    if (flag[0] != '\0')
        fprintf(stderr, _(" (option %s)"), flag);
    fputc('\n', stderr);
}

const char *output_role_name(Reno__Role role)
{
    const char *label = label_enum(&reno__role__descriptor, (int)role);
    return label != NULL ? label : _("unspecified");
}

const char *output_verdict_name(Reno__Verdict verdict)
{
    const char *label = label_enum(&reno__verdict__descriptor, (int)verdict);
    return label != NULL ? label : _("unspecified");
}

const char *output_enum_name(const ProtobufCEnumDescriptor *descriptor, int value)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(descriptor, value);
    return v != NULL ? v->name : NULL;
}

void output_money(double yuan, char *out, size_t size)
{
    /* Two decimals, the integer part grouped by thousands: 1,234,567.89. */
    char plain[64];
    snprintf(plain, sizeof plain, "%.2f", yuan);
    const char *digits = plain[0] == '-' ? plain + 1 : plain;
    size_t int_len = strcspn(digits, ".");
    size_t o = 0;
    if (digits != plain && o + 1 < size)
        out[o++] = '-';
    for (size_t i = 0; i < int_len && o + 1 < size; i++) {
        if (i > 0 && (int_len - i) % 3 == 0 && o + 2 < size)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    for (const char *p = digits + int_len; *p != '\0' && o + 1 < size; p++)
        out[o++] = *p;
    out[o] = '\0';
}

void output_money_10k(double yuan, char *out, size_t size)
{
    output_money(yuan / 10000.0, out, size);
}

bool output_local_time(const char *iso, char *out, size_t size)
{
    /* "2022-05-14T09:30:00.123+08:00", "2022-05-14 01:30:00+00", "...Z"; a bare date or
     * anything else is not a time and is left to the caller. */
    int y, mo, d, h, mi, s;
    int used = 0;
    if (iso == NULL ||
        sscanf(iso, "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &used) != 6)
        return false;
    const char *p = iso + used;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    long offset = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh = 0, om = 0, n = 0;
        if (sscanf(p + 1, "%2d%n", &oh, &n) != 1)
            return false;
        const char *q = p + 1 + n;
        if (*q == ':')
            q++;
        if (*q >= '0' && *q <= '9' && sscanf(q, "%2d%n", &om, &n) == 1)
            q += n;
        offset = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
        p = q;
    } else {
        return false; /* no zone: cannot say which local time it is */
    }
    if (*p != '\0')
        return false;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    time_t t = timegm(&tm) - offset;
    struct tm local;
    if (localtime_r(&t, &local) == NULL)
        return false;
    return strftime(out, size, "%Y-%m-%d %H:%M:%S", &local) > 0;
}
