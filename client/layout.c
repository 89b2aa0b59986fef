/*
 * Fitting UTF-8 text into terminal columns for the dashboard (see layout.h). The text is
 * walked one character at a time: a character's byte length comes from its lead byte
 * (checked against its continuation bytes), its width from text_width(), so layout agrees
 * with the CLI's tables on every character, wide ones included. Bytes that start no
 * character and control characters become '?': a cell can neither shift the columns nor
 * send an escape sequence to the terminal.
 */
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "table.h"
#include "xmalloc.h"

/* The length of the UTF-8 character at s (1..4), or 0 when s starts none. */
static size_t char_length(const unsigned char *s)
{
    size_t len;
    if (s[0] < 0x80)
        return 1;
    else if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4;
    else
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* True for C0, DEL and C1 controls (U+0080..U+009F is encoded 0xc2 0x80..0x9f). */
static bool is_control(const unsigned char *s, size_t len)
{
    if (len == 1)
        return s[0] < 0x20 || s[0] == 0x7f;
    return len == 2 && s[0] == 0xc2 && s[1] < 0xa0;
}

/* The next character of *text as shown: its bytes in out (NUL-terminated) and its width.
 * Advances *text; returns false at the end. */
static bool next_char(const char **text, char out[5], size_t *width)
{
    const unsigned char *s = (const unsigned char *)*text;
    if (s[0] == '\0')
        return false;
    size_t len = char_length(s);
    if (len == 0 || is_control(s, len)) {
        out[0] = '?';
        out[1] = '\0';
        *width = 1;
        *text += len == 0 ? 1 : len;
        return true;
    }
    memcpy(out, s, len);
    out[len] = '\0';
    *width = text_width(out);
    *text += len;
    return true;
}

/* The width of text as it will be shown (controls and invalid bytes as '?'). */
static size_t shown_width(const char *text)
{
    size_t total = 0, w;
    char ch[5];
    while (next_char(&text, ch, &w))
        total += w;
    return total;
}

char *layout_cell(const char *utf8, size_t columns, enum layout_align align)
{
    const char *text = utf8 != NULL ? utf8 : "";
    size_t width = shown_width(text);
    /* Each column holds at most 4 bytes of text ("…" is 3), plus the terminating NUL. */
    char *out = xmalloc(columns * 4 + 1);
    size_t used = 0, taken = 0, w;
    char ch[5];

    if (width <= columns) {
        size_t pad = columns - width;
        if (align == LAYOUT_RIGHT) {
            memset(out, ' ', pad);
            used = pad;
        }
        while (next_char(&text, ch, &w)) {
            memcpy(out + used, ch, strlen(ch));
            used += strlen(ch);
        }
        if (align != LAYOUT_RIGHT) {
            memset(out + used, ' ', pad);
            used += pad;
        }
        out[used] = '\0';
        return out;
    }

    /* Too wide: keep what fits in columns - 1, then the ellipsis. */
    size_t room = columns > 0 ? columns - 1 : 0;
    while (columns > 0 && next_char(&text, ch, &w) && taken + w <= room) {
        memcpy(out + used, ch, strlen(ch));
        used += strlen(ch);
        taken += w;
    }
    /* A wide character that would straddle the edge leaves a blank instead. */
    while (columns > 0 && taken < room) {
        out[used++] = ' ';
        taken++;
    }
    if (columns > 0) {
        memcpy(out + used, LAYOUT_ELLIPSIS, strlen(LAYOUT_ELLIPSIS));
        used += strlen(LAYOUT_ELLIPSIS);
    }
    out[used] = '\0';
    return out;
}

size_t layout_widths(const size_t *natural, const size_t *minimum, size_t n, size_t gap,
                     size_t total, size_t *widths)
{
    size_t sum = n > 0 ? gap * (n - 1) : 0;
    for (size_t i = 0; i < n; i++) {
        widths[i] = natural[i] > minimum[i] ? natural[i] : minimum[i];
        sum += widths[i];
    }
    /* Take one column at a time from the widest column that can still give one; a few
     * hundred turns at most on any real screen. */
    while (sum > total) {
        size_t widest = n;
        for (size_t i = 0; i < n; i++)
            if (widths[i] > minimum[i] && (widest == n || widths[i] > widths[widest]))
                widest = i;
        if (widest == n)
            break;
        widths[widest]--;
        sum--;
    }
    return sum;
}

bool layout_is_number(const char *text)
{
    if (text == NULL || text[0] == '\0')
        return false;
    if (strcmp(text, "-") == 0)
        return true;
    const char *p = text;
    if (*p == '-' || *p == '+')
        p++;
    bool digits = false, point = false;
    for (; *p != '\0'; p++) {
        if (*p >= '0' && *p <= '9')
            digits = true;
        else if (*p == '.' && !point)
            point = true;
        else if (*p == '%' && p[1] == '\0')
            break;
        else
            return false;
    }
    return digits;
}
