/*
 * The client's language. reno speaks Simplified Chinese first and English too: every text a
 * person reads is written in English in the source, marked with _() (translated where it
 * is used) or N_() (marked only, for tables of strings translated when printed), and
 * translated through gettext from the "reno" catalogue (po/zh_CN.po, compiled by the
 * build). The language follows the locale as usual (LANGUAGE, LC_ALL, LC_MESSAGES, LANG).
 *
 * i18n_init() is called once by main before anything is printed. It also fixes the
 * categories the client depends on: LC_CTYPE is UTF-8 (widths of Chinese text), LC_NUMERIC
 * is "C" (JSON numbers keep their decimal point whatever the locale).
 */
#ifndef RENO_I18N_H
#define RENO_I18N_H

#include <libintl.h>
#include <stdbool.h>

#define RENO_TEXTDOMAIN "reno"

#define _(text)  gettext(text)
#define N_(text) text

/*
 * Sets the locale from the environment and binds the catalogue: from $RENO_LOCALEDIR when
 * set (the tests point it at the build tree), else from the installed locale directory.
 */
void i18n_init(void);

/* True when messages are translated into Chinese (the catalogue answered for zh). */
bool i18n_is_chinese(void);

#endif
