/*
 * The client's locale and message catalogue. See i18n.h.
 *
 * A locale that is asked for but not installed (LANG=zh_CN.UTF-8 on a machine where nobody
 * ran locale-gen) makes setlocale(LC_ALL, "") fail and would leave the client in the "C"
 * locale, in English, although the user asked for Chinese. Since the catalogue is UTF-8
 * and the client writes UTF-8 anyway, the language can still be honoured: the client then
 * takes C.UTF-8 and hands the requested language to gettext through LANGUAGE, which gettext
 * consults whenever the messages locale is not plain "C".
 */
#include "i18n.h"

#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

#ifndef RENO_LOCALEDIR
#define RENO_LOCALEDIR "/usr/local/share/locale"
#endif

/* The locale name the environment asks for messages, as setlocale() would look it up. */
static const char *requested_messages_locale(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && v[0] != '\0')
            return v;
    }
    return NULL;
}

static void keep_requested_language(void)
{
    const char *want = requested_messages_locale();
    const char *language = getenv("LANGUAGE");
    if (want == NULL || (language != NULL && language[0] != '\0'))
        return;
    /* "zh_CN.UTF-8@modifier" -> "zh_CN"; C and POSIX ask for no translation. */
    char name[32];
    size_t len = strcspn(want, ".@");
    if (len == 0 || len >= sizeof name)
        return;
    memcpy(name, want, len);
    name[len] = '\0';
    if (strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0)
        return;
    setenv("LANGUAGE", name, 1);
}

void i18n_init(void)
{
    if (setlocale(LC_ALL, "") == NULL) {
        keep_requested_language();
        if (setlocale(LC_ALL, "C.UTF-8") == NULL)
            setlocale(LC_ALL, "C");
    }
    table_init_locale();
    setlocale(LC_NUMERIC, "C");
    const char *dir = getenv("RENO_LOCALEDIR");
    bindtextdomain(RENO_TEXTDOMAIN, dir != NULL && dir[0] != '\0' ? dir : RENO_LOCALEDIR);
    bind_textdomain_codeset(RENO_TEXTDOMAIN, "UTF-8");
    textdomain(RENO_TEXTDOMAIN);
}

bool i18n_is_chinese(void)
{
    /* The catalogue's own translation of its language name tells which one answered. */
    return strcmp(_("English"), "English") != 0;
}
