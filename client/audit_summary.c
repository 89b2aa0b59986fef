/*
 * Audit-log summaries. See audit_summary.h.
 *
 * The parser here reads only what it needs: the top-level members of one JSON object,
 * each as its key and the raw text of its value (a string without its quotes, escapes
 * left as they are). Input that is not such an object yields no members, never a crash.
 */
#include "audit_summary.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "labels.h"
#include "xmalloc.h"

#define MAX_MEMBERS 64

struct member {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
};

static const char *skip_blank(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

/* The end of the JSON string starting at p (at its opening quote), after its closing one. */
static const char *string_end(const char *p)
{
    for (p++; *p != '\0'; p++) {
        if (*p == '\\' && p[1] != '\0')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

/* The end of the JSON value at p: a string, a nested object or array, or a bare word. */
static const char *value_end(const char *p)
{
    if (*p == '"')
        return string_end(p);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (*p != '\0') {
            if (*p == '"') {
                p = string_end(p);
                if (p == NULL)
                    return NULL;
                continue;
            }
            if (*p == '{' || *p == '[')
                depth++;
            else if (*p == '}' || *p == ']')
                depth--;
            p++;
            if (depth == 0)
                return p;
        }
        return NULL;
    }
    while (*p != '\0' && *p != ',' && *p != '}' && *p != ' ' && *p != '\n')
        p++;
    return p;
}

static size_t members(const char *json, struct member *out)
{
    if (json == NULL)
        return 0;
    const char *p = skip_blank(json);
    if (*p != '{')
        return 0;
    p = skip_blank(p + 1);
    size_t n = 0;
    while (*p == '"' && n < MAX_MEMBERS) {
        const char *key_end = string_end(p);
        if (key_end == NULL)
            return n;
        const char *colon = skip_blank(key_end);
        if (*colon != ':')
            return n;
        const char *v = skip_blank(colon + 1);
        const char *end = value_end(v);
        if (end == NULL)
            return n;
        out[n].key = p + 1;
        out[n].key_len = (size_t)(key_end - p - 2);
        bool quoted = *v == '"';
        out[n].value = quoted ? v + 1 : v;
        out[n].value_len = (size_t)(end - v) - (quoted ? 2 : 0);
        n++;
        p = skip_blank(end);
        if (*p != ',')
            break;
        p = skip_blank(p + 1);
    }
    return n;
}

static const struct member *find(const struct member *m, size_t n, const struct member *like)
{
    for (size_t i = 0; i < n; i++)
        if (m[i].key_len == like->key_len && memcmp(m[i].key, like->key, like->key_len) == 0)
            return &m[i];
    return NULL;
}

static bool same_value(const struct member *a, const struct member *b)
{
    return a->value_len == b->value_len && memcmp(a->value, b->value, a->value_len) == 0;
}

/* Appends a piece unless the summary would pass max; false when it did not fit. */
static bool append(char **out, size_t *len, size_t max, const char *piece)
{
    size_t n = strlen(piece);
    if (*len + n > max)
        return false;
    *out = xrealloc(*out, *len + n + 1);
    memcpy(*out + *len, piece, n + 1);
    *len += n;
    return true;
}

/* A member's name as a person reads it: its column's label (开工户数 for
 * households_started), else the name itself. */
static void key_text(const struct member *m, char *out, size_t size)
{
    snprintf(out, size, "%.*s", (int)m->key_len, m->key);
    const char *label = label_field_word(out);
    if (label != NULL)
        snprintf(out, size, "%s", label);
}

/* A value as a person reads it: the label of a code (中央补助 for central_subsidy, in
 * the column named so), else the value itself, at most `len` bytes of it. */
static void value_text(const struct member *key, const char *value, int len, char *out, size_t size)
{
    char name[64], code[96];
    snprintf(name, sizeof name, "%.*s", (int)key->key_len, key->key);
    snprintf(code, sizeof code, "%.*s", len, value);
    const char *label = label_code(name, code);
    snprintf(out, size, "%s", label != code ? label : code);
}

/* "null" and "" read as "-", as empty cells do in the tables. */
static int shown_len(const struct member *m)
{
    if (m == NULL || m->value_len == 0 || (m->value_len == 4 && memcmp(m->value, "null", 4) == 0))
        return -1;
    return (int)(m->value_len > 60 ? 60 : m->value_len);
}

char *audit_summary(const char *before, const char *after, size_t max_bytes)
{
    struct member b[MAX_MEMBERS], a[MAX_MEMBERS];
    size_t nb = members(before, b), na = members(after, a);
    char *out = xstrdup("");
    size_t len = 0;
    char piece[256];
    bool any = false;
    if (nb == 0 && na > 0) {
        (void)append(&out, &len, max_bytes, _("new: "));
        for (size_t i = 0; i < na; i++) {
            int vl = shown_len(&a[i]);
            if (vl < 0 || (a[i].key_len == 2 && memcmp(a[i].key, "id", 2) == 0))
                continue;
            char key[96], value[128];
            key_text(&a[i], key, sizeof key);
            value_text(&a[i], a[i].value, vl, value, sizeof value);
            snprintf(piece, sizeof piece, "%s%s=%s", any ? ", " : "", key, value);
            if (!append(&out, &len, max_bytes, piece)) {
                (void)append(&out, &len, max_bytes, "…");
                break;
            }
            any = true;
        }
        return out;
    }
    if (na == 0 && nb > 0)
        (void)append(&out, &len, max_bytes, _("removed"));
    for (size_t i = 0; i < na; i++) {
        const struct member *old = find(b, nb, &a[i]);
        if (old != NULL && same_value(old, &a[i]))
            continue;
        int ol = shown_len(old), vl = shown_len(&a[i]);
        char key[96], was[128], now[128];
        key_text(&a[i], key, sizeof key);
        value_text(&a[i], ol < 0 ? "-" : old->value, ol < 0 ? 1 : ol, was, sizeof was);
        value_text(&a[i], vl < 0 ? "-" : a[i].value, vl < 0 ? 1 : vl, now, sizeof now);
        snprintf(piece, sizeof piece, "%s%s %s→%s", any ? "; " : "", key, was, now);
        if (!append(&out, &len, max_bytes, piece)) {
            (void)append(&out, &len, max_bytes, "…");
            break;
        }
        any = true;
    }
    return out;
}
