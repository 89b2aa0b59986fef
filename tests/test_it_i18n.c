/*
 * The client in both languages: under LANG=zh_CN.UTF-8 it speaks Simplified Chinese (help,
 * messages, errors, tables), under an English or C locale English, against a live renod.
 * The catalogue is the one the build compiled (RENO_LOCALEDIR, set by the harness).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "it.h"

static char home[128];
static char env_xdg[200];
static char env_server[120];

/* Runs reno with `locale_env` ("LANG=zh_CN.UTF-8", ...) added to the environment. */
static int reno_in(const char *locale_env, char **out, char **err, const char *const *args)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = h_bin("reno");
    for (const char *const *a = args; *a && n < 31; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    const char *env[] = {env_xdg, env_server, locale_env, NULL};
    return h_run(argv, env, NULL, out, err);
}

static void make_home(void)
{
    snprintf(home, sizeof home, "/tmp/reno-it-i18n.XXXXXX");
    ck_assert(mkdtemp(home) != NULL);
    snprintf(env_xdg, sizeof env_xdg, "XDG_CONFIG_HOME=%s", home);
    snprintf(env_server, sizeof env_server, "RENO_SERVER=127.0.0.1:1");
}

static void remove_home(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/reno/token", home);
    unlink(path);
    snprintf(path, sizeof path, "%s/reno", home);
    rmdir(path);
    rmdir(home);
}

START_TEST(help_follows_the_locale)
{
    make_home();
    char *out, *err;
    int rc = reno_in("LANG=zh_CN.UTF-8", &out, &err, (const char *const[]){"--help", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_msg(strstr(out, "用法：reno") != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "命令："));
    ck_assert_ptr_nonnull(strstr(out, "退出码："));
    ck_assert_ptr_nonnull(strstr(out, "等待连接和每次回复的毫秒数"));
    ck_assert_ptr_null(strstr(out, "usage:"));
    free(out);
    free(err);

    rc = reno_in("LANG=en_US.UTF-8", &out, &err, (const char *const[]){"--help", NULL});
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: reno"));
    ck_assert_ptr_nonnull(strstr(out, "Exit status:"));
    ck_assert_ptr_null(strstr(out, "用法"));
    free(out);
    free(err);

    /* LC_ALL wins over LANG, as everywhere. */
    rc = reno_in("LC_ALL=C.UTF-8", &out, &err, (const char *const[]){"--help", NULL});
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: reno"));
    free(out);
    free(err);
    remove_home();
}
END_TEST

START_TEST(chinese_without_the_locale_installed)
{
    /* A locale nobody generated: the client still speaks the language it names. */
    make_home();
    char *out, *err;
    int rc = reno_in("LC_ALL=zh_CN.UTF-8@not-installed", &out, &err,
                     (const char *const[]){"--help", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_msg(strstr(out, "用法：reno") != NULL, "%s", out);
    free(out);
    free(err);
    remove_home();
}
END_TEST

Suite *it_i18n_suite(void)
{
    Suite *s = suite_create("it_i18n");
    TCase *tc = tcase_create("offline");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, help_follows_the_locale);
    tcase_add_test(tc, chinese_without_the_locale_installed);
    suite_add_tcase(s, tc);
    return s;
}
