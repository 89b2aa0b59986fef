/*
 * The client in both languages: under LANG=zh_CN.UTF-8 it speaks Simplified Chinese (help,
 * messages, errors, tables), under an English or C locale English, against a live renod.
 * The catalogue is the one the build compiled (RENO_LOCALEDIR, set by the harness).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "it.h"
#include "table.h"

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

/* Runs reno in a locale at 80 columns, as a terminal of that width would. */
static int reno80(const char *locale_env, char **out, char **err, const char *const *args)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = h_bin("reno");
    for (const char *const *a = args; *a && n < 31; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    const char *env[] = {env_xdg, env_server, locale_env, "COLUMNS=80", NULL};
    return h_run(argv, env, NULL, out, err);
}

static void live_setup(void)
{
    h_fixture_setup();
    make_home();
    snprintf(env_server, sizeof env_server, "RENO_SERVER=%s", h_srv.address);
}

static void live_teardown(void)
{
    remove_home();
    h_fixture_teardown();
}

static void login_as(const char *user)
{
    char password[128];
    snprintf(password, sizeof password, "%s-test-password\n", user);
    const char *argv[] = {h_bin("reno"), "login", "--user", user, "--password-stdin", NULL};
    const char *env[] = {env_xdg, env_server, NULL};
    char *out, *err;
    int rc = h_run(argv, env, password, &out, &err);
    ck_assert_msg(rc == 0, "login %s: %d %s%s", user, rc, out, err);
    free(out);
    free(err);
}

/* The widest line of text in display columns, and that line in *widest for a message. */
static size_t widest_line(const char *text, char *widest, size_t size)
{
    size_t best = 0;
    while (*text != '\0') {
        size_t len = strcspn(text, "\n");
        char *line = strndup(text, len);
        size_t w = text_width(line);
        if (w > best) {
            best = w;
            snprintf(widest, size, "%s", line);
        }
        free(line);
        text += len + (text[len] == '\n');
    }
    return best;
}

/*
 * The first ASCII word in text that a person would read as English, or NULL: a run of two
 * or more Latin letters that is not in `typed` (what the user types: the command, flags,
 * forms such as YYYY-MM-DD, the placeholders of a 文号 format).
 */
static const char *english_word(const char *text, char *word, size_t size)
{
    static const char *const typed[] = {"reno", "report", "round",     "notice",  "evaluation",
                                        "list", "issue",  "replaces",  "project", "key",
                                        "YYYY", "MM",     "DD",        "year",    "progress",
                                        "unit", "person", "milestone", NULL};
    for (const char *p = text; *p != '\0';) {
        size_t len = 0;
        while ((p[len] >= 'a' && p[len] <= 'z') || (p[len] >= 'A' && p[len] <= 'Z'))
            len++;
        if (len >= 2) {
            bool known = false;
            for (const char *const *t = typed; *t != NULL && !known; t++)
                known = strlen(*t) == len && strncmp(*t, p, len) == 0;
            if (!known) {
                snprintf(word, size, "%.*s", (int)len, p);
                return word;
            }
        }
        p += len > 0 ? len : 1;
    }
    return NULL;
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

START_TEST(status_reads_chinese_and_fits_80_columns)
{
    login_as(H_OFFICE);
    char *out, *err;
    char widest[1024];
    int rc = reno80("LANG=zh_CN.UTF-8", &out, &err, (const char *const[]){"status", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_msg(strstr(out, "开工率") != NULL && strstr(out, "完工率") != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "的进度汇总"));
    ck_assert_ptr_nonnull(strstr(out, "项目名称"));
    /* No internal codes where a person reads: labels instead. */
    ck_assert_msg(strstr(out, "VERDICT_") == NULL && strstr(out, "status as of") == NULL, "%s",
                  out);
    /* The plan's rhythm: its title, headers and duties in the plan's words. */
    ck_assert_msg(strstr(out, "调度节奏") != NULL && strstr(out, "履行") != NULL &&
                      strstr(out, "半月一调度：按期报送") != NULL,
                  "%s", out);
    ck_assert_msg(strstr(out, "monthly_meeting") == NULL && strstr(out, "round_closed") == NULL &&
                      strstr(out, "plan's rhythm") == NULL && strstr(out, "KEPT") == NULL,
                  "%s", out);
    /* The plan's rules in Chinese, from their codes and figures: no English title or
     * detail of the server's. */
    const char *rules = strstr(out, "\n规则");
    ck_assert_msg(rules != NULL, "%s", out);
    size_t rules_len =
        strstr(rules, "\n\n") != NULL ? (size_t)(strstr(rules, "\n\n") - rules) : strlen(rules);
    char *section = strndup(rules, rules_len), word[64];
    ck_assert_msg(strstr(section, "开工户数不低于 25%") != NULL &&
                      strstr(section, "全部住户完工") != NULL &&
                      strstr(section, "登记项目全部开工") != NULL,
                  "%s", section);
    ck_assert_msg(english_word(section, word, sizeof word) == NULL, "English '%s' in:\n%s", word,
                  section);
    free(section);
    /* The lights' reasons too, from their codes and figures. */
    const char *lights = strstr(out, "\n红绿灯：");
    ck_assert_msg(lights != NULL, "%s", out);
    size_t lights_len = strstr(lights + 1, "\n\n") != NULL
                            ? (size_t)(strstr(lights + 1, "\n\n") - lights)
                            : strlen(lights);
    section = strndup(lights, lights_len);
    ck_assert_msg(strstr(section, "已开工") != NULL, "%s", section);
    ck_assert_msg(english_word(section, word, sizeof word) == NULL, "English '%s' in:\n%s", word,
                  section);
    free(section);
    size_t w = widest_line(out, widest, sizeof widest);
    ck_assert_msg(w <= 80, "a line of %zu columns:\n%s\n---\n%s", w, widest, out);
    free(out);
    free(err);

    rc = reno80("LANG=C.UTF-8", &out, &err, (const char *const[]){"status", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_ptr_nonnull(strstr(out, "status as of"));
    ck_assert_ptr_nonnull(strstr(out, "RULE"));
    ck_assert_msg(strstr(out, "≥25% of households started") != NULL, "%s", out);
    ck_assert_ptr_null(strstr(out, "开工率"));
    w = widest_line(out, widest, sizeof widest);
    ck_assert_msg(w <= 80, "a line of %zu columns:\n%s\n---\n%s", w, widest, out);
    free(out);
    free(err);

    /* Without a width (a pipe, no COLUMNS) lines stay whole for scripts. */
    const char *argv[] = {h_bin("reno"), "status", NULL};
    const char *env[] = {env_xdg, env_server, "LANG=zh_CN.UTF-8", NULL};
    rc = h_run(argv, env, NULL, &out, &err);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_null(strstr(out, "…"));
    free(out);
    free(err);
}
END_TEST

START_TEST(chinese_labels_are_accepted_and_refusals_list_them)
{
    login_as(H_POWER);
    char project[32];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 0));
    char *out, *err;
    /* A value no label names: refused before sending, with the flag and every value. */
    int rc = reno_in("LANG=zh_CN.UTF-8", &out, &err,
                     (const char *const[]){"line", "record", "--project-id", project,
                                           "--utility-code", "power-grid", "--segment", "地下",
                                           "--part", "overhead_tidy", NULL});
    ck_assert_msg(rc == 2, "%d %s", rc, err);
    ck_assert_msg(strstr(err, "--segment") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "不是可选值之一") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "红线内 (inside_red_line)") != NULL, "%s", err);
    ck_assert_ptr_nonnull(strstr(err, "架空线 (overhead)"));
    free(out);
    free(err);

    /* Chinese labels and unambiguous prefixes of them reach renod as the codes. */
    rc = reno_in("LANG=zh_CN.UTF-8", &out, &err,
                 (const char *const[]){"line", "record", "--project-id", project, "--utility-code",
                                       "power-grid", "--segment", "架空线", "--part", "架空线规",
                                       "--status", "计划", "--length-m", "100", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_msg(strstr(out, "已记录") != NULL, "%s", out);
    free(out);
    free(err);

    /* The table shows labels, never the codes, in either language. */
    rc = reno_in("LANG=zh_CN.UTF-8", &out, &err,
                 (const char *const[]){"line", "list", "--project-id", project, NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_msg(strstr(out, "架空线规整") != NULL && strstr(out, "计划中") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "overhead_tidy") == NULL && strstr(out, "OVERHEAD") == NULL, "%s",
                  out);
    free(out);
    free(err);
    rc = reno_in("LANG=C.UTF-8", &out, &err,
                 (const char *const[]){"line", "list", "--project-id", project, NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_msg(strstr(out, "overhead lines tidied") != NULL, "%s", out);
    free(out);
    free(err);

    /* A refusal by renod reads Chinese and names the option, not the protobuf field. */
    rc = reno_in("LANG=zh_CN.UTF-8", &out, &err,
                 (const char *const[]){"line", "record", "--project-id", project, "--utility-code",
                                       "power-grid", "--segment", "overhead", "--part", "lay_lines",
                                       NULL});
    ck_assert_msg(rc == 10 + RENO__STATUS_CODE__BAD_REQUEST, "%d %s", rc, err);
    ck_assert_msg(strstr(err, "请求有误") != NULL && strstr(err, "缺少必填项 --status") != NULL,
                  "%s", err);
    ck_assert_ptr_null(strstr(err, "record_line_work."));
    ck_assert_ptr_null(strstr(err, "required"));
    free(out);
    free(err);
}
END_TEST

/* A refusal carries a reason and its arguments (Status.reason, Status.args): the client
 * says it through its own template in Chinese, naming the option and who may act, and
 * keeps renod's English sentence otherwise. */
START_TEST(refusals_are_said_in_the_users_language)
{
    login_as(H_POWER);
    char project[32];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 0));
    const char *const missing[] = {
        "line",     "record", "--project-id", project, "--utility-code", "power-grid", "--segment",
        "overhead", "--part", "lay_lines",    NULL};
    char *out, *err;
    int rc = reno_in("LANG=zh_CN.UTF-8", &out, &err, missing);
    ck_assert_msg(rc == 10 + RENO__STATUS_CODE__BAD_REQUEST, "%d %s", rc, err);
    ck_assert_msg(strcmp(err, "reno: 请求有误：缺少必填项 --status\n") == 0, "%s", err);
    free(out);
    free(err);
    rc = reno_in("LANG=C.UTF-8", &out, &err, missing);
    ck_assert_msg(rc == 10 + RENO__STATUS_CODE__BAD_REQUEST, "%d %s", rc, err);
    ck_assert_msg(strcmp(err, "reno: BAD_REQUEST: status is required (option --status)\n") == 0,
                  "%s", err);
    free(out);
    free(err);

    /* A right the account's unit lacks: named in the plan's words, with who holds it. */
    login_as(H_HOUSING);
    rc = reno_in("LANG=zh_CN.UTF-8", &out, &err, (const char *const[]){"rights", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_msg(strstr(out, "依据") != NULL && strstr(out, "工作方案") != NULL &&
                      strstr(out, "县自定") != NULL,
                  "%s", out);
    ck_assert_msg(strstr(out, "BASIS") == NULL && strstr(out, "PLAN WORDS") == NULL, "%s", out);
    free(out);
    free(err);
    rc = reno_in("LANG=C.UTF-8", &out, &err, (const char *const[]){"rights", NULL});
    ck_assert_msg(rc == 0 && strstr(out, "county") != NULL, "%d %s%s", rc, out, err);
    free(out);
    free(err);

    const char *const issue[] = {"report", "round", "2022-05-14", "--issue", NULL};
    rc = reno_in("LANG=zh_CN.UTF-8", &out, &err, issue);
    ck_assert_msg(rc == 10 + RENO__STATUS_CODE__PERMISSION_DENIED, "%d %s", rc, err);
    ck_assert_msg(strstr(err, "无权操作：签发报告由") != NULL &&
                      strstr(err, "领导小组办公室负责") != NULL,
                  "%s", err);
    ck_assert_ptr_null(strstr(err, "report.issue"));
    ck_assert_msg(
        strcmp(err,
               "reno: 无权操作：签发报告由紫云自治县城镇老旧小区改造工作领导小组办公室负责\n") == 0,
        "%s", err);
    free(out);
    free(err);
    rc = reno_in("LANG=C.UTF-8", &out, &err, issue);
    ck_assert_msg(rc == 10 + RENO__STATUS_CODE__PERMISSION_DENIED, "%d %s", rc, err);
    ck_assert_msg(strstr(err, "PERMISSION_DENIED: your unit does not hold the right report.issue "
                              "(held by ") != NULL &&
                      strstr(err, "领导小组办公室)") != NULL,
                  "%s", err);
    free(out);
    free(err);
}
END_TEST

/* Runs reno at 80 columns in Chinese, expects refusal `code` and every one of `words` in
 * its one line, and no English word; then returns its stderr (to free) for more checks. */
static char *refused_in_chinese(const char *const *args, Reno__StatusCode code,
                                const char *const *words)
{
    char *out, *err, word[64];
    int rc = reno80("LANG=zh_CN.UTF-8", &out, &err, args);
    ck_assert_msg(rc == 10 + (int)code, "%s %s: %d %.200s", args[0], args[1], rc, err);
    for (const char *const *w = words; *w != NULL; w++)
        ck_assert_msg(strstr(err, *w) != NULL, "no '%s' in: %s", *w, err);
    ck_assert_msg(english_word(err, word, sizeof word) == NULL, "English '%s' in: %s", word, err);
    ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "not one line: %s", err);
    free(out);
    return err;
}

/* The refusals an office meets in daily work, through the real path: each says in the
 * user's language which report, which flag or what to run, from the reason and arguments
 * renod sends (never by embedding renod's English sentence in a Chinese one). */
START_TEST(refusals_of_daily_work_say_what_to_do)
{
    login_as(H_OFFICE);
    char *out, *err;
    const char *const issue[] = {"report", "round", "2022-05-14", "--issue", NULL};
    int rc = reno80("LANG=zh_CN.UTF-8", &out, &err, issue);
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    free(out);
    free(err);

    /* Issued a second time: which report holds the round, and the command that replaces it. */
    err = refused_in_chinese(issue, RENO__STATUS_CODE__CONFLICT,
                             (const char *const[]){"冲突：半月调度报告 2022-05-14 已签发，文号 "
                                                   "紫改办〔2022〕1号",
                                                   "reno report round 2022-05-14 --issue "
                                                   "--replaces 紫改办〔2022〕1号",
                                                   NULL});
    free(err);
    rc = reno80("LANG=C.UTF-8", &out, &err, issue);
    ck_assert_int_eq(rc, 10 + RENO__STATUS_CODE__CONFLICT);
    ck_assert_msg(strcmp(err, "reno: CONFLICT: the round report of 2022-05-14 was already issued "
                              "as 紫改办〔2022〕1号; to issue a new one in its place: reno report "
                              "round 2022-05-14 --issue --replaces 紫改办〔2022〕1号\n") == 0,
                  "%s", err);
    free(out);
    free(err);

    /* A 文号 nobody issued; a date that is no collection date; a month written wrong. */
    err = refused_in_chinese((const char *const[]){"report", "round", "2022-05-14", "--issue",
                                                   "--replaces", "紫改办〔2022〕99号", NULL},
                             RENO__STATUS_CODE__NOT_FOUND,
                             (const char *const[]){"紫改办〔2022〕99号", "reno report list", NULL});
    free(err);
    err =
        refused_in_chinese((const char *const[]){"report", "round", "2022-05-15", NULL},
                           RENO__STATUS_CODE__BAD_REQUEST,
                           (const char *const[]){"2022-05-15 不是收集日", "reno round list", NULL});
    free(err);
    err = refused_in_chinese((const char *const[]){"report", "notice", "2022-5", NULL},
                             RENO__STATUS_CODE__BAD_REQUEST,
                             (const char *const[]){"YYYY-MM", "2022-5", NULL});
    free(err);

    /* The document number's format: which placeholder is missing, with an example. */
    err = refused_in_chinese(
        (const char *const[]){"report", "numbering", "--doc-number-format", "紫改发{n}号", NULL},
        RENO__STATUS_CODE__BAD_REQUEST,
        (const char *const[]){"{year}（年份）", "紫改办〔{year}〕{n}号", NULL});
    free(err);

    /* A project's name the programme already has: which, and where to see the others. */
    char *taken = h_sql_text(h_db, "SELECT name FROM project ORDER BY id LIMIT 1");
    err = refused_in_chinese(
        (const char *const[]){"project", "create", "--name", taken, "--community", "示例",
                              "--households", "10", "--renovation-type", "comprehensive", NULL},
        RENO__STATUS_CODE__CONFLICT,
        (const char *const[]){"本计划已有名为 ", taken, "reno project list", NULL});
    free(err);
    free(taken);

    /* A project that does not exist: the flag the user typed and where to look. */
    login_as(H_HOUSING);
    err = refused_in_chinese((const char *const[]){"progress", "push", "--project", "999999",
                                                   "--date", "2022-05-14", "--started", "1",
                                                   "--completed", "0", NULL},
                             RENO__STATUS_CODE__NOT_FOUND,
                             (const char *const[]){"--project", "reno project list", NULL});
    ck_assert_ptr_null(strstr(err, "--project-id"));
    free(err);

    /* A unit without the right to read the programme's money asks for a report. */
    login_as(H_POWER);
    err = refused_in_chinese((const char *const[]){"report", "round", "2022-05-14", NULL},
                             RENO__STATUS_CODE__PERMISSION_DENIED,
                             (const char *const[]){"无权", NULL});
    free(err);

    /* One idempotency key for two different writes: which flag, and what to do instead. */
    login_as(H_HOUSING);
    char project[32];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 0));
    const char *key = "00112233445566778899aabbccddeeff";
    rc = reno80("LANG=zh_CN.UTF-8", &out, &err,
                (const char *const[]){"progress", "push", "--project", project, "--date",
                                      "2022-05-14", "--started", "5", "--completed", "0", "--key",
                                      key, NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    free(out);
    free(err);
    err = refused_in_chinese((const char *const[]){"progress", "push", "--project", project,
                                                   "--date", "2022-05-14", "--started", "6",
                                                   "--completed", "0", "--key", key, NULL},
                             RENO__STATUS_CODE__CONFLICT,
                             (const char *const[]){"幂等键（--key）已用于另一项请求", NULL});
    free(err);
}
END_TEST

/* True when text has a run of `n` blanks: a column padded for a cell far wider. */
static bool has_blank_run(const char *text, size_t n)
{
    size_t run = 0;
    for (; *text != '\0'; text++) {
        run = *text == ' ' ? run + 1 : 0;
        if (run >= n)
            return true;
    }
    return false;
}

START_TEST(names_amounts_times_and_the_log_read_as_an_office_writes_them)
{
    char *out, *err;
    char widest[1024];
    char project[32];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 0));

    /* Money: thousands grouped, two decimals, the unit in the header; a Chinese label in. */
    login_as(H_FINANCE);
    int rc = reno_in("LANG=zh_CN.UTF-8", &out, &err,
                     (const char *const[]){"fund", "allocate", "--project", project, "--source",
                                           "中央", "--amount", "1234567.5", "--allocated-on",
                                           "2022-02-01", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    free(out);
    free(err);
    rc = reno_in("LANG=zh_CN.UTF-8", &out, &err,
                 (const char *const[]){"fund", "allocations", "--project-id", project, NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_msg(strstr(out, "1,234,567.50") != NULL && strstr(out, "（元）") != NULL &&
                      strstr(out, "中央补助") != NULL,
                  "%s", out);
    ck_assert_ptr_null(strstr(out, "central_subsidy"));
    free(out);
    free(err);

    /* A unit by its Chinese name, a project by its community. */
    login_as(H_POWER);
    rc = reno_in("LANG=zh_CN.UTF-8", &out, &err,
                 (const char *const[]){"line", "record", "--project", project, "--utility-code",
                                       "南方电网紫云分公司", "--segment", "架空线", "--part",
                                       "架空线规整", "--status", "计划中", "--length-m", "80",
                                       NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    free(out);
    free(err);
    rc = reno_in("LANG=zh_CN.UTF-8", &out, &err,
                 (const char *const[]){"line", "record", "--project", project, "--utility-code",
                                       "没有这个单位", "--segment", "架空线", "--part",
                                       "架空线规整", "--status", "计划中", NULL});
    ck_assert_msg(rc == 2 && strstr(err, "没有名为 '没有这个单位' 的单位") != NULL, "%d %s", rc,
                  err);
    free(out);
    free(err);

    login_as(H_OFFICE);
    rc = reno_in("LANG=zh_CN.UTF-8", &out, &err,
                 (const char *const[]){"status", "示例小区一", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_ptr_nonnull(strstr(out, "示例小区一"));
    ck_assert_ptr_null(strstr(out, "示例小区二"));
    free(out);
    free(err);

    /* The current round when none is named. */
    rc = reno_in("LANG=zh_CN.UTF-8", &out, &err, (const char *const[]){"round", "missing", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_msg(strstr(out, "（当前轮次") != NULL, "%s", out);
    free(out);
    free(err);

    /* The log: a summary of what changed, no wide padding, local times. */
    rc = reno80("LANG=zh_CN.UTF-8", &out, &err, (const char *const[]){"log", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_msg(strstr(out, "修改内容") != NULL && strstr(out, "新增：") != NULL, "%s", out);
    size_t w = widest_line(out, widest, sizeof widest);
    ck_assert_msg(w <= 80, "a line of %zu columns:\n%s", w, widest);
    free(out);
    free(err);
    rc = reno_in("LANG=C.UTF-8", &out, &err, (const char *const[]){"log", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_msg(!has_blank_run(out, 80), "%s", out);
    free(out);
    free(err);

    /* The same entry's time in two zones, eight hours apart. */
    rc = reno_in("TZ=UTC0", &out, &err, (const char *const[]){"log", NULL});
    ck_assert_int_eq(rc, 0);
    free(err);
    const char *line = strrchr(out, '\n');
    ck_assert_ptr_nonnull(line);
    char *utc = out;
    char *cst = NULL;
    rc = reno_in("TZ=CST-8", &cst, &err, (const char *const[]){"log", NULL});
    ck_assert_int_eq(rc, 0);
    free(err);
    int hu = -1, hc = -1;
    const char *pu = strstr(utc, " 2"); /* the first row's date, after its id */
    ck_assert_ptr_nonnull(pu);
    const char *tu = strchr(strstr(utc, "\n") + 1, ':');
    const char *tc = strchr(strstr(cst, "\n") + 1, ':');
    ck_assert(tu != NULL && tc != NULL);
    hu = atoi(tu - 2);
    hc = atoi(tc - 2);
    ck_assert_msg((hu + 8) % 24 == hc, "UTC %d, UTC+8 %d:\n%s\n%s", hu, hc, utc, cst);
    free(utc);
    free(cst);
}
END_TEST

/* The first entry id on each line of a `reno log` table, in order; how many were read. */
static size_t log_ids(const char *out, long *ids, size_t max)
{
    size_t n = 0;
    for (const char *line = out; *line != '\0' && n < max;) {
        char *end = NULL;
        long id = strtol(line, &end, 10);
        if (end != line && id > 0 && *end == ' ')
            ids[n++] = id;
        line = strchr(line, '\n');
        if (line == NULL)
            break;
        line++;
    }
    return n;
}

START_TEST(the_log_reads_newest_first_a_page_at_a_time)
{
    char project[32];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 0));
    login_as(H_FINANCE);
    const char *amounts[] = {"1000", "2000", "3000"};
    char *out, *err;
    for (size_t i = 0; i < 3; i++) {
        int rc = reno_in("LANG=C.UTF-8", &out, &err,
                         (const char *const[]){"fund", "allocate", "--project", project, "--source",
                                               "central", "--amount", amounts[i], "--allocated-on",
                                               "2022-02-01", NULL});
        ck_assert_msg(rc == 0, "%d %s", rc, err);
        free(out);
        free(err);
    }
    login_as(H_OFFICE);
    const char *locales[] = {"LANG=zh_CN.UTF-8", "LANG=C.UTF-8"};
    const char *older[] = {"更早的记录：reno log --before ", "Older entries: reno log --before "};
    for (size_t l = 0; l < 2; l++) {
        /* Newest first: the last allocation heads the page, and a full page says how to
         * go on. */
        int rc = reno80(locales[l], &out, &err, (const char *const[]){"log", "--limit", "2", NULL});
        ck_assert_msg(rc == 0, "%d %s", rc, err);
        long ids[8];
        size_t n = log_ids(out, ids, 8);
        ck_assert_msg(n == 2 && ids[0] > ids[1], "%s", out);
        ck_assert_msg(strstr(out, "3000") != NULL && strstr(out, "1000") == NULL, "%s", out);
        char hint[128];
        snprintf(hint, sizeof hint, "%s%ld", older[l], ids[1]);
        ck_assert_msg(strstr(out, hint) != NULL, "no '%s' in\n%s", hint, out);
        char widest[1024];
        ck_assert_msg(widest_line(out, widest, sizeof widest) <= 80, "%s", widest);
        free(out);
        free(err);

        /* The next page starts below the last entry shown. */
        char before[32];
        snprintf(before, sizeof before, "%ld", ids[1]);
        rc = reno80(locales[l], &out, &err,
                    (const char *const[]){"log", "--before", before, "--limit", "2", NULL});
        ck_assert_msg(rc == 0, "%d %s", rc, err);
        long next[8];
        size_t m = log_ids(out, next, 8);
        ck_assert_msg(m >= 1 && next[0] < ids[1] && strstr(out, "1000") != NULL, "%s", out);
        free(out);
        free(err);

        /* One entry whole: its JSON as stored. */
        char id[32];
        snprintf(id, sizeof id, "%ld", ids[0]);
        rc = reno80(locales[l], &out, &err, (const char *const[]){"log", "show", id, NULL});
        ck_assert_msg(rc == 0, "%d %s", rc, err);
        ck_assert_msg(strstr(out, "\"amount\": 3000") != NULL ||
                          strstr(out, "\"amount\":3000") != NULL,
                      "%s", out);
        ck_assert_msg(strstr(out, l == 0 ? "修改后" : "after") != NULL, "%s", out);
        free(out);
        free(err);
    }
    int rc = reno_in("LANG=zh_CN.UTF-8", &out, &err,
                     (const char *const[]){"log", "show", "99999999", NULL});
    ck_assert_msg(rc == 10 + RENO__STATUS_CODE__NOT_FOUND && strstr(err, "99999999") != NULL,
                  "%d %s", rc, err);
    free(out);
    free(err);
    rc = reno_in("LANG=C.UTF-8", &out, &err, (const char *const[]){"log", "show", "x", NULL});
    ck_assert_int_eq(rc, 2);
    free(out);
    free(err);
}
END_TEST

START_TEST(status_money_in_10k_yuan_and_names_whole_at_80_columns)
{
    char project[32];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 0));
    login_as(H_FINANCE);
    char *out, *err;
    int rc = reno_in("LANG=C.UTF-8", &out, &err,
                     (const char *const[]){"fund", "allocate", "--project", project, "--source",
                                           "central", "--amount", "12345678", "--allocated-on",
                                           "2022-02-01", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    free(out);
    free(err);
    login_as(H_OFFICE);
    const char *locales[] = {"LANG=zh_CN.UTF-8", "LANG=C.UTF-8"};
    const char *unit[] = {"单位：万元", "in 10k yuan"};
    const char *full_header[] = {"下达（万元）", "ALLOCATED (10k yuan)"};
    const char *started[] = {"开工", "START"};
    for (size_t l = 0; l < 2; l++) {
        /* 12,345,678 元 reads 1,234.57 万元, the unit in the section's title; at 80
         * columns the names keep their width and the numbers shrink under short headers. */
        rc = reno80(locales[l], &out, &err, (const char *const[]){"status", NULL});
        ck_assert_msg(rc == 0, "%d %s", rc, err);
        ck_assert_msg(strstr(out, "1,234.57") != NULL && strstr(out, unit[l]) != NULL &&
                          strstr(out, "12,345,678") == NULL,
                      "%.1500s", out);
        ck_assert_msg(strstr(out, "松山街道示例小区一（示例）") != NULL &&
                          strstr(out, "松山街道示例小区二（示例）") != NULL,
                      "a project's name cut:\n%.1500s", out);
        ck_assert_msg(strstr(out, started[l]) != NULL, "%.1500s", out);
        char widest[1024];
        size_t w = widest_line(out, widest, sizeof widest);
        ck_assert_msg(w <= 80, "a line of %zu columns:\n%s", w, widest);
        free(out);
        free(err);
        /* Wide enough, the headers carry the unit themselves. */
        rc = reno_in(locales[l], &out, &err, (const char *const[]){"status", NULL});
        ck_assert_msg(rc == 0 && strstr(out, full_header[l]) != NULL, "%d %.2000s", rc,
                      strstr(out, "funds") ? strstr(out, "funds") : out);
        free(out);
        free(err);
    }
}
END_TEST

/* Help for a write says which options it needs, what each takes and how it is typed. */
START_TEST(write_help_marks_required_options_and_ends_with_an_example)
{
    make_home();
    static const struct {
        const char *locale;
        const char *marks[6];
    } cases[] = {
        {"LANG=zh_CN.UTF-8",
         {"（* 为必填）", "--project PROJECT *", "--source VALUE *", "中央补助", "示例：",
          "reno fund allocate --project 示例小区一"}},
        {"LANG=C.UTF-8",
         {"(* required)", "--project PROJECT *", "--amount AMOUNT *",
          "one of:", "Example:", "an amount in yuan"}},
    };
    char widest[1024];
    for (size_t l = 0; l < 2; l++) {
        char *out, *err;
        int rc = reno80(cases[l].locale, &out, &err,
                        (const char *const[]){"fund", "allocate", "--help", NULL});
        ck_assert_msg(rc == 0, "%d %s", rc, err);
        for (size_t k = 0; k < 6; k++)
            ck_assert_msg(strstr(out, cases[l].marks[k]) != NULL, "no '%s' in\n%s",
                          cases[l].marks[k], out);
        /* An optional option is not marked. */
        ck_assert_msg(strstr(out, "--document-ref TEXT\n") != NULL, "%s", out);
        /* A sentence continues under its own start, not under the options. */
        for (const char *line = out; (line = strstr(line, "\n  ")) != NULL; line++)
            ck_assert_msg(line[3] == '-' || line[3] == ' ' || strncmp(line + 3, "reno", 4) == 0,
                          "a continued line out of place:\n%s", out);
        size_t w = widest_line(out, widest, sizeof widest);
        ck_assert_msg(w <= 80, "a line of %zu columns:\n%s\n---\n%s", w, widest, out);
        free(out);
        free(err);

        rc = reno80(cases[l].locale, &out, &err,
                    (const char *const[]){"progress", "push", "--help", NULL});
        ck_assert_msg(rc == 0, "%d %s", rc, err);
        ck_assert_msg(strstr(out, "--project PROJECT *") != NULL &&
                          strstr(out, l == 0 ? "示例：" : "Example:") != NULL,
                      "%s", out);
        free(out);
        free(err);

        /* Issuing a report is a write too: its help ends with a preview and an issue. */
        rc = reno80(cases[l].locale, &out, &err,
                    (const char *const[]){"report", "round", "--help", NULL});
        ck_assert_msg(rc == 0, "%d %s", rc, err);
        const char *example = l == 0 ? "示例：\n  reno report round 2022-05-14\n"
                                     : "Examples:\n  reno report round 2022-05-14\n";
        ck_assert_msg(strstr(out, example) != NULL && strstr(out, "--issue\n") != NULL, "%s", out);
        ck_assert_msg(l != 0 || strstr(out, "半月进度报告") != NULL, "not in Chinese:\n%s", out);
        w = widest_line(out, widest, sizeof widest);
        ck_assert_msg(w <= 80, "a line of %zu columns:\n%s\n---\n%s", w, widest, out);
        free(out);
        free(err);
    }
    remove_home();
}
END_TEST

/* A project by its name or community, or the start of one, in every command. */
START_TEST(projects_are_named_by_name_in_every_command)
{
    login_as(H_FINANCE);
    char *out, *err;
    int rc = reno_in("LANG=zh_CN.UTF-8", &out, &err,
                     (const char *const[]){"fund", "allocate", "--project", "示例小区一",
                                           "--source", "中央", "--amount", "7654321",
                                           "--allocated-on", "2022-02-01", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    free(out);
    free(err);
    rc =
        reno_in("LANG=zh_CN.UTF-8", &out, &err,
                (const char *const[]){"fund", "allocations", "--project=松山街道示例小区一", NULL});
    ck_assert_msg(rc == 0 && strstr(out, "7,654,321.00") != NULL, "%d %s %s", rc, out, err);
    free(out);
    free(err);
    /* Both communities start so: the refusal says so, in the user's language. */
    rc = reno_in("LANG=zh_CN.UTF-8", &out, &err,
                 (const char *const[]){"fund", "allocations", "--project", "示例小区", NULL});
    ck_assert_msg(rc == 2 && strstr(err, "对应多个项目") != NULL, "%d %s", rc, err);
    free(out);
    free(err);
    rc = reno_in("LANG=C.UTF-8", &out, &err,
                 (const char *const[]){"fund", "allocations", "--project", "没有这个小区", NULL});
    ck_assert_msg(rc == 2 && strstr(err, "no project is called") != NULL, "%d %s", rc, err);
    free(out);
    free(err);

    login_as(H_HOUSING);
    rc = reno_in("LANG=C.UTF-8", &out, &err,
                 (const char *const[]){"progress", "push", "--project", "示例小区二", "--date",
                                       "2022-03-01", "--started", "3", "--completed", "0", NULL});
    ck_assert_msg(rc == 0 && strstr(out, "recorded") != NULL, "%d %s %s", rc, out, err);
    free(out);
    free(err);

    /* A round's date may stand alone, as 'report round DATE' has it. */
    login_as(H_OFFICE);
    rc = reno_in("LANG=C.UTF-8", &out, &err, (const char *const[]){"round", "missing", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    const char *current = strstr(out, "collection round ");
    ck_assert_msg(current != NULL, "%s", out);
    char date[11];
    snprintf(date, sizeof date, "%s", current + strlen("collection round "));
    free(out);
    free(err);
    rc = reno_in("LANG=C.UTF-8", &out, &err, (const char *const[]){"round", "missing", date, NULL});
    ck_assert_msg(rc == 0 && strstr(out, "the current one") == NULL, "%d %s %s", rc, out, err);
    free(out);
    free(err);
}
END_TEST

/* Every missing value is said as missing, from the refusal's facts: the shared checks and
 * the operations that raise their own (a meeting's mode, a light's code, a person's name). */
START_TEST(missing_values_are_named_by_their_option)
{
    login_as(H_OFFICE);
    static const struct {
        const char *args[8];
        const char *said;
    } cases[] = {
        {{"light", "set", "--value", "20", NULL}, "缺少必填项 --code"},
        {{"person", "set", "--unit-code", "housing", NULL}, "缺少必填项 --name"},
        {{"meeting", "record", "--held-on", "2022-05-16", "--place", "县政府", NULL},
         "缺少必填项 --mode"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out, *err;
        int rc = reno_in("LANG=zh_CN.UTF-8", &out, &err, cases[i].args);
        ck_assert_msg(rc == 10 + RENO__STATUS_CODE__BAD_REQUEST &&
                          strstr(err, cases[i].said) != NULL,
                      "%s: %d %s", cases[i].args[0], rc, err);
        free(out);
        free(err);
    }
}
END_TEST

START_TEST(mistyped_commands_and_groups_help)
{
    make_home();
    char *out, *err;
    int rc = reno_in("LANG=zh_CN.UTF-8", &out, &err, (const char *const[]){"staus", NULL});
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(err, "未知命令 'staus'") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "reno status") != NULL, "%s", err);
    free(out);
    free(err);

    rc = reno_in("LANG=C.UTF-8", &out, &err, (const char *const[]){"report", "--help", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_ptr_nonnull(strstr(out, "reno report round"));
    ck_assert_ptr_nonnull(strstr(out, "reno report list"));
    free(out);
    free(err);

    /* The main help and a group's list fit 80 columns in both locales: summaries and
     * settings continue under themselves. */
    const char *const helps[][3] = {{"--help", NULL, NULL}, {"report", "--help", NULL}};
    const char *const locales[] = {"LANG=C.UTF-8", "LANG=zh_CN.UTF-8"};
    for (size_t h = 0; h < 2; h++)
        for (size_t l = 0; l < 2; l++) {
            rc = reno80(locales[l], &out, &err, helps[h]);
            ck_assert_msg(rc == 0, "%d %s", rc, err);
            char widest[512];
            size_t w = widest_line(out, widest, sizeof widest);
            ck_assert_msg(w <= 80, "%s %s: a line of %zu columns:\n%s", locales[l], helps[h][0], w,
                          widest);
            free(out);
            free(err);
        }

    /* Every command's help ends its last line. */
    rc = reno_in("LANG=zh_CN.UTF-8", &out, &err, (const char *const[]){"status", "--help", NULL});
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "示例："));
    ck_assert(strlen(out) > 0 && out[strlen(out) - 1] == '\n');
    free(out);
    free(err);

    /* A server that cannot be reached: the message says where the address came from. */
    rc = reno_in("LANG=zh_CN.UTF-8", &out, &err, (const char *const[]){"ping", NULL});
    ck_assert_int_eq(rc, 3);
    ck_assert_msg(strstr(err, "RENO_SERVER") != NULL && strstr(err, "--server") != NULL, "%s", err);
    /* ... and what went wrong, in the user's language (client/net.c's messages). */
    ck_assert_msg(strstr(err, "无法连接 127.0.0.1:1") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "cannot connect") == NULL, "%s", err);
    free(out);
    free(err);
    rc = reno_in("LANG=C.UTF-8", &out, &err, (const char *const[]){"ping", NULL});
    ck_assert_int_eq(rc, 3);
    ck_assert_msg(strstr(err, "cannot connect to 127.0.0.1:1") != NULL, "%s", err);
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
    tcase_add_test(tc, mistyped_commands_and_groups_help);
    tcase_add_test(tc, write_help_marks_required_options_and_ends_with_an_example);
    suite_add_tcase(s, tc);
    TCase *live = tcase_create("live");
    tcase_add_checked_fixture(live, live_setup, live_teardown);
    tcase_set_timeout(live, 60);
    tcase_add_test(live, status_reads_chinese_and_fits_80_columns);
    tcase_add_test(live, chinese_labels_are_accepted_and_refusals_list_them);
    tcase_add_test(live, refusals_are_said_in_the_users_language);
    tcase_add_test(live, refusals_of_daily_work_say_what_to_do);
    tcase_add_test(live, names_amounts_times_and_the_log_read_as_an_office_writes_them);
    tcase_add_test(live, the_log_reads_newest_first_a_page_at_a_time);
    tcase_add_test(live, status_money_in_10k_yuan_and_names_whole_at_80_columns);
    tcase_add_test(live, projects_are_named_by_name_in_every_command);
    tcase_add_test(live, missing_values_are_named_by_their_option);
    suite_add_tcase(s, live);
    return s;
}
