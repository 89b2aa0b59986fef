/*
 * Fields as text through descriptors. See reflect.h.
 */
#include "reflect.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "log.h"
#include "xmalloc.h"

void *reflect_field(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    return (char *)m + f->offset;
}

size_t reflect_count(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    if (f->label != PROTOBUF_C_LABEL_REPEATED)
        return 1;
    return *(const size_t *)((const char *)m + f->quantifier_offset);
}

/* The enum's value-name prefix: "RenovationType" gives "RENOVATION_TYPE_". */
static void enum_prefix(const ProtobufCEnumDescriptor *ed, char *out, size_t size)
{
    size_t n = 0;
    const char *s = ed->short_name;
    for (size_t i = 0; s[i] && n + 2 < size; i++) {
        if (i > 0 && isupper((unsigned char)s[i]))
            out[n++] = '_';
        out[n++] = (char)toupper((unsigned char)s[i]);
    }
    out[n++] = '_';
    out[n] = '\0';
}

char *reflect_enum_text(const ProtobufCEnumDescriptor *ed, int value)
{
    if (value == 0)
        return NULL;
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(ed, value);
    if (v == NULL)
        return NULL;
    char prefix[128];
    enum_prefix(ed, prefix, sizeof prefix);
    const char *name = v->name;
    if (strncmp(name, prefix, strlen(prefix)) == 0)
        name += strlen(prefix);
    char *out = xstrdup(name);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

bool reflect_enum_parse(const ProtobufCEnumDescriptor *ed, const char *text, int *value)
{
    for (unsigned i = 0; i < ed->n_values; i++) {
        char *t = reflect_enum_text(ed, ed->values[i].value);
        bool match = t && strcmp(t, text) == 0;
        free(t);
        if (match) {
            *value = ed->values[i].value;
            return true;
        }
    }
    return false;
}

bool reflect_is_date_field(const ProtobufCFieldDescriptor *f)
{
    if (f->type != PROTOBUF_C_TYPE_STRING)
        return false;
    const char *n = f->name;
    size_t len = strlen(n);
    return (len > 3 && strcmp(n + len - 3, "_on") == 0) ||
           (len > 5 && strcmp(n + len - 5, "_date") == 0) ||
           (len >= 8 && strcmp(n + len - 8, "deadline") == 0) || strcmp(n, "due") == 0 ||
           strcmp(n, "as_of") == 0 || strcmp(n, "date") == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

bool reflect_is_name_field(const ProtobufCFieldDescriptor *f)
{
    /* Names and codes are what the log, the tables and the dashboard print on one line,
     * so a line break or a tab in one would forge a log line or break a table. Free text
     * (notes, findings, decisions) may keep its lines. New fields named in the same
     * manner are covered without a change here. */
    static const char *const suffixes[] = {"name",  "code",    "title",    "token",
                                           "units", "aliases", "attendees"};
    if (f->type != PROTOBUF_C_TYPE_STRING)
        return false;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        if (ends_with(f->name, suffixes[i]))
            return true;
    return false;
}

/* A PostgreSQL array literal of strings: {"a","b \"c\""}. */
static char *array_literal(char **items, size_t n)
{
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += 2 * strlen(items[i]) + 3;
    char *out = xmalloc(cap);
    size_t k = 0;
    out[k++] = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            out[k++] = ',';
        out[k++] = '"';
        for (const char *p = items[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                out[k++] = '\\';
            out[k++] = *p;
        }
        out[k++] = '"';
    }
    out[k++] = '}';
    out[k] = '\0';
    return out;
}

/* A PostgreSQL array literal of whole numbers, "{3,17}": ids need no quoting. */
static char *int64_array_literal(const int64_t *items, size_t n)
{
    char *out = xmalloc(3 + 21 * n);
    size_t k = 0;
    out[k++] = '{';
    for (size_t i = 0; i < n; i++)
        k += (size_t)sprintf(out + k, "%s%" PRId64, i ? "," : "", items[i]);
    out[k++] = '}';
    out[k] = '\0';
    return out;
}

char *reflect_get_text(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    const void *p = reflect_field(m, f);
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        if (f->type == PROTOBUF_C_TYPE_INT64)
            return int64_array_literal(*(int64_t **)p, reflect_count(m, f));
        if (f->type != PROTOBUF_C_TYPE_STRING)
            return NULL;
        return array_literal(*(char ***)p, reflect_count(m, f));
    }
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return xasprintf("%" PRId32, *(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return xasprintf("%" PRIu32, *(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return xasprintf("%" PRId64, *(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return xasprintf("%" PRIu64, *(const uint64_t *)p);
    case PROTOBUF_C_TYPE_BOOL:
        return xstrdup(*(const protobuf_c_boolean *)p ? "t" : "f");
    case PROTOBUF_C_TYPE_DOUBLE: {
        /* The shortest form that reads back as the same double: 1234.56, not
         * 1234.5599999999999. */
        double v = *(const double *)p;
        for (int digits = 15; digits < 17; digits++) {
            char *t = xasprintf("%.*g", digits, v);
            if (strtod(t, NULL) == v)
                return t;
            free(t);
        }
        return xasprintf("%.17g", v);
    }
    case PROTOBUF_C_TYPE_FLOAT:
        return xasprintf("%.9g", (double)*(const float *)p);
    case PROTOBUF_C_TYPE_ENUM:
        return reflect_enum_text(f->descriptor, *(const int *)p);
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return xstrdup(s ? s : "");
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        char *out = xmalloc(2 * b->len + 3);
        out[0] = '\\';
        out[1] = 'x';
        hex_encode(b->data, b->len, out + 2);
        return out;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
    default:
        return NULL;
    }
}

static int fail(char err[REFLECT_ERR_SIZE], const char *field, const char *what)
{
    snprintf(err, REFLECT_ERR_SIZE, "%s: %s", field, what);
    return -1;
}

static bool parse_i64(const char *text, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

int reflect_set_text(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const char *text,
                     char err[REFLECT_ERR_SIZE])
{
    void *p = reflect_field(m, f);
    int64_t v;
    if (f->label == PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_INT64) {
        if (!parse_i64(text, INT64_MIN, INT64_MAX, &v))
            return fail(err, f->name, "not a whole number");
        size_t *n = (size_t *)((char *)m + f->quantifier_offset);
        int64_t **arr = p;
        *arr = xrealloc(*arr, (*n + 1) * sizeof **arr);
        (*arr)[(*n)++] = v;
        return 0;
    }
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        if (f->type != PROTOBUF_C_TYPE_STRING)
            return fail(err, f->name, "unsupported repeated field");
        size_t *n = (size_t *)((char *)m + f->quantifier_offset);
        char ***arr = p;
        *arr = xrealloc(*arr, (*n + 1) * sizeof **arr);
        (*arr)[(*n)++] = xstrdup(text);
        return 0;
    }
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL || f->label == PROTOBUF_C_LABEL_REQUIRED)
        return fail(err, f->name, "proto2 fields are not supported");
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (!parse_i64(text, INT32_MIN, INT32_MAX, &v))
            return fail(err, f->name, "not a whole number in the 32-bit range");
        *(int32_t *)p = (int32_t)v;
        return 0;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (!parse_i64(text, 0, UINT32_MAX, &v))
            return fail(err, f->name, "not a whole number in 0..4294967295");
        *(uint32_t *)p = (uint32_t)v;
        return 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (!parse_i64(text, f->type == PROTOBUF_C_TYPE_UINT64 ? 0 : INT64_MIN, INT64_MAX, &v))
            return fail(err, f->name, "not a whole number");
        *(int64_t *)p = v;
        return 0;
    case PROTOBUF_C_TYPE_BOOL:
        if (!strcmp(text, "t") || !strcmp(text, "true") || !strcmp(text, "yes") ||
            !strcmp(text, "1"))
            *(protobuf_c_boolean *)p = 1;
        else if (!strcmp(text, "f") || !strcmp(text, "false") || !strcmp(text, "no") ||
                 !strcmp(text, "0"))
            *(protobuf_c_boolean *)p = 0;
        else
            return fail(err, f->name, "not a yes/no value");
        return 0;
    case PROTOBUF_C_TYPE_DOUBLE: {
        char *end;
        errno = 0;
        double d = strtod(text, &end);
        if (errno || end == text || *end)
            return fail(err, f->name, "not a number");
        *(double *)p = d;
        return 0;
    }
    case PROTOBUF_C_TYPE_ENUM: {
        int e;
        if (!reflect_enum_parse(f->descriptor, text, &e))
            return fail(err, f->name, "not one of the allowed values");
        *(int *)p = e;
        return 0;
    }
    case PROTOBUF_C_TYPE_STRING: {
        char **s = p;
        if (*s && *s != (char *)protobuf_c_empty_string)
            free(*s);
        *s = xstrdup(text);
        return 0;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        ProtobufCBinaryData *b = p;
        const char *hex = strncmp(text, "\\x", 2) == 0 ? text + 2 : text;
        size_t len = strlen(hex) / 2;
        uint8_t *data = xmalloc(len ? len : 1);
        if (strlen(hex) % 2 || !hex_decode(hex, data, len)) {
            free(data);
            return fail(err, f->name, "not hexadecimal bytes");
        }
        free(b->data);
        b->data = data;
        b->len = len;
        return 0;
    }
    default:
        return fail(err, f->name, "unsupported field type");
    }
}

ProtobufCMessage *reflect_new(const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = xcalloc(1, d->sizeof_message);
    protobuf_c_message_init(d, m);
    return m;
}

ProtobufCMessage *reflect_append_message(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
        fatal("reflect_append_message on %s, which is not a repeated message", f->name);
    size_t *n = (size_t *)((char *)m + f->quantifier_offset);
    ProtobufCMessage ***arr = reflect_field(m, f);
    *arr = xrealloc(*arr, (*n + 1) * sizeof **arr);
    ProtobufCMessage *item = reflect_new(f->descriptor);
    (*arr)[(*n)++] = item;
    return item;
}
