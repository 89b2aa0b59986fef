/*
 * Tests for common/config with a small settings table of the tests' own: defaults, the
 * "name = value" file, PREFIX_NAME environment variables, --flags, the order in which those
 * sources override each other, and that secrets stay out of --help and the start-up dump.
 * Each test cleans up its temporary files and environment variables, so the suite also
 * passes with CK_FORK=no.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

struct test_settings {
    char *listen_host;
    long port;
    char *db_password;
    long max_frame_bytes;
};

static const struct setting test_table[] = {
    {.name = "listen_host",
     .type = SETTING_STRING,
     .def = "127.0.0.1",
     .min = 1,
     .max = 255,
     .offset = offsetof(struct test_settings, listen_host),
     .help = "address to listen on"},
    {.name = "port",
     .type = SETTING_INT,
     .def = "5433",
     .min = 1,
     .max = 65535,
     .offset = offsetof(struct test_settings, port),
     .help = "TCP port"},
    {.name = "db_password",
     .type = SETTING_STRING,
     .def = "",
     .min = 0,
     .max = 128,
     .offset = offsetof(struct test_settings, db_password),
     .help = "database password",
     .secret = true},
    {.name = "max_frame_bytes",
     .type = SETTING_INT,
     .def = "1048576",
     .min = 1024,
     .max = 67108864,
     .offset = offsetof(struct test_settings, max_frame_bytes),
     .help = "largest frame after login"},
};
#define TEST_TABLE_SIZE (sizeof test_table / sizeof test_table[0])
#define TEST_ENV_PREFIX "RENOTEST_"

static struct test_settings settings;
static char err[CONFIG_ERR_SIZE];

static void setup(void)
{
    memset(&settings, 0, sizeof settings);
    err[0] = '\0';
    config_init(test_table, TEST_TABLE_SIZE, &settings);
}

static void teardown(void)
{
    config_done(test_table, TEST_TABLE_SIZE, &settings);
    unsetenv(TEST_ENV_PREFIX "PORT");
    unsetenv(TEST_ENV_PREFIX "LISTEN_HOST");
    unsetenv(TEST_ENV_PREFIX "MAX_FRAME_BYTES");
}

/* Writes text to a new temporary file; the caller unlinks path. */
static void write_file(char path[32], const char *text)
{
    strcpy(path, "/tmp/reno-config-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    size_t len = strlen(text);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
}

/* Loads text as a configuration file and returns config_load_file()'s result. */
static int load_text(const char *text)
{
    char path[32];
    write_file(path, text);
    int rc = config_load_file(test_table, TEST_TABLE_SIZE, &settings, path, err);
    unlink(path);
    return rc;
}

/* Parses argv (NULL-terminated, argv[0] a program name) from index 1. */
static int parse_flags(char **argv, bool allow_unknown, int *index)
{
    int argc = 0;
    while (argv[argc] != NULL)
        argc++;
    *index = 1;
    return config_parse_args(test_table, TEST_TABLE_SIZE, &settings, argc, argv, index,
                             allow_unknown, err);
}

#define ck_assert_err_has(text)                                                                    \
    ck_assert_msg(strstr(err, text) != NULL, "error '%s' lacks '%s'", err, text)

START_TEST(test_defaults)
{
    ck_assert_str_eq(settings.listen_host, "127.0.0.1");
    ck_assert_int_eq(settings.port, 5433);
    ck_assert_str_eq(settings.db_password, "");
    ck_assert_int_eq(settings.max_frame_bytes, 1048576);
}
END_TEST

START_TEST(test_set_checks_type_and_range)
{
    ck_assert_int_eq(config_set(test_table, TEST_TABLE_SIZE, &settings, "port", "1", err), 0);
    ck_assert_int_eq(settings.port, 1);
    ck_assert_int_eq(config_set(test_table, TEST_TABLE_SIZE, &settings, "port", "65535", err), 0);
    ck_assert_int_eq(config_set(test_table, TEST_TABLE_SIZE, &settings, "port", "0", err), -1);
    ck_assert_err_has("outside 1..65535");
    ck_assert_int_eq(config_set(test_table, TEST_TABLE_SIZE, &settings, "port", "65536", err), -1);
    ck_assert_int_eq(
        config_set(test_table, TEST_TABLE_SIZE, &settings, "port", "99999999999999999999", err),
        -1);
    ck_assert_err_has("not a whole number");
    ck_assert_int_eq(config_set(test_table, TEST_TABLE_SIZE, &settings, "port", "", err), -1);
    ck_assert_int_eq(config_set(test_table, TEST_TABLE_SIZE, &settings, "port", "8x", err), -1);
    ck_assert_int_eq(settings.port, 65535);
    ck_assert_int_eq(config_set(test_table, TEST_TABLE_SIZE, &settings, "listen_host", "", err),
                     -1);
    ck_assert_err_has("length 0");
    ck_assert_int_eq(config_set(test_table, TEST_TABLE_SIZE, &settings, "nope", "1", err), -1);
    ck_assert_err_has("unknown setting 'nope'");
    /* A replaced string is freed; the leak checker would see it otherwise. */
    ck_assert_int_eq(config_set(test_table, TEST_TABLE_SIZE, &settings, "listen_host", "::1", err),
                     0);
    ck_assert_str_eq(settings.listen_host, "::1");
}
END_TEST

START_TEST(test_file)
{
    int rc = load_text("# reno test settings\n"
                       "\n"
                       "   \t\n"
                       "port = 6000\n"
                       "  listen-host=::1\n"
                       "max_frame_bytes\t=\t4096\n"
                       "db_password = a=b#c\n"
                       "  # port = 1\n");
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_int_eq(settings.port, 6000);
    ck_assert_str_eq(settings.listen_host, "::1");
    ck_assert_int_eq(settings.max_frame_bytes, 4096);
    /* Only whole lines are comments: a '#' in a value (a password) is kept. */
    ck_assert_str_eq(settings.db_password, "a=b#c");
}
END_TEST

START_TEST(test_file_trailing_comment_is_part_of_the_value)
{
    ck_assert_int_eq(load_text("port = 6000   # the test port\n"), -1);
    ck_assert_err_has("not a whole number");
}
END_TEST

START_TEST(test_file_last_line_without_newline)
{
    ck_assert_int_eq(load_text("port = 6001"), 0);
    ck_assert_int_eq(settings.port, 6001);
}
END_TEST

START_TEST(test_file_bad_line)
{
    ck_assert_int_eq(load_text("# ok\nport 6000\n"), -1);
    ck_assert_err_has(":2: expected 'name = value'");
}
END_TEST

START_TEST(test_file_unknown_key)
{
    ck_assert_int_eq(load_text("port = 6000\ncolour = blue\n"), -1);
    ck_assert_err_has(":2:");
    ck_assert_err_has("unknown setting 'colour'");
}
END_TEST

START_TEST(test_file_out_of_range)
{
    ck_assert_int_eq(load_text("port = 70000\n"), -1);
    ck_assert_err_has(":1:");
    ck_assert_err_has("70000 is outside 1..65535");
    ck_assert_int_eq(load_text("max_frame_bytes = 1023\n"), -1);
    ck_assert_err_has("outside 1024..67108864");
}
END_TEST

START_TEST(test_file_not_a_number)
{
    ck_assert_int_eq(load_text("port = 12ab\n"), -1);
    ck_assert_err_has("not a whole number");
    ck_assert_int_eq(load_text("port =\n"), -1);
    ck_assert_err_has("not a whole number");
    ck_assert_int_eq(load_text("port = 1.5\n"), -1);
    ck_assert_err_has("not a whole number");
}
END_TEST

START_TEST(test_file_missing)
{
    ck_assert_int_eq(
        config_load_file(test_table, TEST_TABLE_SIZE, &settings, "/nonexistent/reno.conf", err),
        -1);
    ck_assert_err_has("/nonexistent/reno.conf");
}
END_TEST

START_TEST(test_file_line_too_long)
{
    char text[1200 + 16];
    memset(text, ' ', 1200);
    strcpy(text + 1200, "port = 1\n");
    ck_assert_int_eq(load_text(text), -1);
    ck_assert_err_has("line too long");
}
END_TEST

START_TEST(test_env)
{
    setenv(TEST_ENV_PREFIX "PORT", "7000", 1);
    setenv(TEST_ENV_PREFIX "MAX_FRAME_BYTES", "65536", 1);
    int rc = config_load_env(test_table, TEST_TABLE_SIZE, &settings, TEST_ENV_PREFIX, err);
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_int_eq(settings.port, 7000);
    ck_assert_int_eq(settings.max_frame_bytes, 65536);
    ck_assert_str_eq(settings.listen_host, "127.0.0.1");

    /* Only the upper-case name with the prefix counts. */
    setenv("RENOTEST_port", "7001", 1);
    setenv("PORT", "7002", 1);
    rc = config_load_env(test_table, TEST_TABLE_SIZE, &settings, TEST_ENV_PREFIX, err);
    unsetenv("RENOTEST_port");
    unsetenv("PORT");
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(settings.port, 7000);
}
END_TEST

START_TEST(test_env_bad_value)
{
    setenv(TEST_ENV_PREFIX "PORT", "seven", 1);
    ck_assert_int_eq(config_load_env(test_table, TEST_TABLE_SIZE, &settings, TEST_ENV_PREFIX, err),
                     -1);
    ck_assert_err_has(TEST_ENV_PREFIX "PORT");
    ck_assert_err_has("not a whole number");
}
END_TEST

START_TEST(test_flags)
{
    char *argv[] = {"renod", "--port=8000", "--listen-host", "0.0.0.0", "--max_frame_bytes",
                    "2048",  NULL};
    int index = 0;
    int rc = parse_flags(argv, false, &index);
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_int_eq(index, 6);
    ck_assert_int_eq(settings.port, 8000);
    ck_assert_str_eq(settings.listen_host, "0.0.0.0");
    ck_assert_int_eq(settings.max_frame_bytes, 2048);
}
END_TEST

START_TEST(test_flags_dash_underscore)
{
    char *argv[] = {"renod", "--max-frame-bytes=4096", NULL};
    int index = 0;
    ck_assert_int_eq(parse_flags(argv, false, &index), 0);
    ck_assert_int_eq(settings.max_frame_bytes, 4096);
    char *argv2[] = {"renod", "--max_frame-bytes", "8192", NULL};
    ck_assert_int_eq(parse_flags(argv2, false, &index), 0);
    ck_assert_int_eq(settings.max_frame_bytes, 8192);
    /* A prefix of a name is not the name. */
    char *argv3[] = {"renod", "--max-frame=1", NULL};
    ck_assert_int_eq(parse_flags(argv3, false, &index), -1);
    char *argv4[] = {"renod", "--port-=1", NULL};
    ck_assert_int_eq(parse_flags(argv4, false, &index), -1);
}
END_TEST

START_TEST(test_flags_unknown)
{
    char *argv[] = {"renod", "--port=1", "--bogus=2", "--port=3", NULL};
    int index = 0;
    ck_assert_int_eq(parse_flags(argv, false, &index), -1);
    ck_assert_err_has("unknown option '--bogus=2'");

    /* Allowed, an unknown flag ends the settings and is left for the caller. */
    ck_assert_int_eq(parse_flags(argv, true, &index), 0);
    ck_assert_int_eq(index, 2);
    ck_assert_int_eq(settings.port, 1);
}
END_TEST

START_TEST(test_flags_missing_value)
{
    char *argv[] = {"renod", "--port", NULL};
    int index = 0;
    ck_assert_int_eq(parse_flags(argv, false, &index), -1);
    ck_assert_err_has("'--port' needs a value");
    char *argv2[] = {"renod", "--port=", NULL};
    ck_assert_int_eq(parse_flags(argv2, false, &index), -1);
    ck_assert_err_has("not a whole number");
    ck_assert_int_eq(settings.port, 5433);
}
END_TEST

START_TEST(test_flags_stop)
{
    /* Flags end at the first word that is not one (a command) or after "--". */
    char *argv[] = {"reno", "--port", "9", "status", "--port=1", NULL};
    int index = 0;
    ck_assert_int_eq(parse_flags(argv, false, &index), 0);
    ck_assert_int_eq(index, 3);
    ck_assert_int_eq(settings.port, 9);
    char *argv2[] = {"reno", "--port=10", "--", "--port=1", NULL};
    ck_assert_int_eq(parse_flags(argv2, false, &index), 0);
    ck_assert_int_eq(index, 3);
    ck_assert_int_eq(settings.port, 10);
    char *argv3[] = {"reno", NULL};
    ck_assert_int_eq(parse_flags(argv3, false, &index), 0);
    ck_assert_int_eq(index, 1);
}
END_TEST

START_TEST(test_precedence)
{
    /* Defaults, then the file, then the environment, then flags. */
    ck_assert_int_eq(load_text("port = 6000\nmax_frame_bytes = 2048\nlisten_host = file\n"), 0);
    setenv(TEST_ENV_PREFIX "PORT", "7000", 1);
    setenv(TEST_ENV_PREFIX "LISTEN_HOST", "env", 1);
    ck_assert_int_eq(config_load_env(test_table, TEST_TABLE_SIZE, &settings, TEST_ENV_PREFIX, err),
                     0);
    char *argv[] = {"renod", "--port=8000", NULL};
    int index = 0;
    ck_assert_int_eq(parse_flags(argv, false, &index), 0);
    ck_assert_int_eq(settings.port, 8000);
    ck_assert_str_eq(settings.listen_host, "env");
    ck_assert_int_eq(settings.max_frame_bytes, 2048);
    ck_assert_str_eq(settings.db_password, "");
}
END_TEST

START_TEST(test_help_hides_secret)
{
    ck_assert_int_eq(
        config_set(test_table, TEST_TABLE_SIZE, &settings, "db_password", "hunter2", err), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(out);
    config_print_help(test_table, TEST_TABLE_SIZE, TEST_ENV_PREFIX, out);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(text, "--max-frame-bytes"));
    ck_assert_ptr_nonnull(strstr(text, "RENOTEST_MAX_FRAME_BYTES"));
    ck_assert_ptr_nonnull(strstr(text, "range 1..65535"));
    ck_assert_ptr_nonnull(strstr(text, "largest frame after login"));
    ck_assert_ptr_nonnull(strstr(text, "(hidden)"));
    ck_assert_ptr_null(strstr(text, "hunter2"));
    free(text);
}
END_TEST

START_TEST(test_dump_hides_secret)
{
    ck_assert_int_eq(
        config_set(test_table, TEST_TABLE_SIZE, &settings, "db_password", "hunter2", err), 0);
    /* config_dump() logs to stderr: catch it in a file for the length of the call. */
    char path[32];
    write_file(path, "");
    FILE *capture = fopen(path, "r+");
    ck_assert_ptr_nonnull(capture);
    unlink(path);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(dup2(fileno(capture), STDERR_FILENO), 0);
    config_dump(test_table, TEST_TABLE_SIZE, &settings);
    ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
    close(saved);

    char text[2048];
    rewind(capture);
    size_t len = fread(text, 1, sizeof text - 1, capture);
    text[len] = '\0';
    fclose(capture);
    ck_assert_ptr_nonnull(strstr(text, "setting port = 5433"));
    ck_assert_ptr_nonnull(strstr(text, "setting db_password = (hidden)"));
    ck_assert_ptr_null(strstr(text, "hunter2"));
}
END_TEST

Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_set_checks_type_and_range);
    tcase_add_test(tc, test_file);
    tcase_add_test(tc, test_file_last_line_without_newline);
    tcase_add_test(tc, test_file_trailing_comment_is_part_of_the_value);
    tcase_add_test(tc, test_file_bad_line);
    tcase_add_test(tc, test_file_unknown_key);
    tcase_add_test(tc, test_file_out_of_range);
    tcase_add_test(tc, test_file_not_a_number);
    tcase_add_test(tc, test_file_missing);
    tcase_add_test(tc, test_file_line_too_long);
    tcase_add_test(tc, test_env);
    tcase_add_test(tc, test_env_bad_value);
    tcase_add_test(tc, test_flags);
    tcase_add_test(tc, test_flags_dash_underscore);
    tcase_add_test(tc, test_flags_unknown);
    tcase_add_test(tc, test_flags_missing_value);
    tcase_add_test(tc, test_flags_stop);
    tcase_add_test(tc, test_precedence);
    tcase_add_test(tc, test_help_hides_secret);
    tcase_add_test(tc, test_dump_hides_secret);
    suite_add_tcase(s, tc);
    return s;
}
