/*
 * The client's pure formatting: amounts of yuan grouped by thousands, timestamps in the
 * local time zone, the audit log's one-line summaries, tables cut to a width without
 * cutting a number or a name that tells rows apart, and the help table of the generic
 * operations checked against the protocol's descriptors.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_summary.h"
#include "date.h"
#include "labels.h"
#include "op_help.h"
#include "output.h"
#include "reflect.h"
#include "table.h"
#include "unit.h"

START_TEST(money_is_grouped_by_thousands)
{
    char buf[64];
    output_money(0, buf, sizeof buf);
    ck_assert_str_eq(buf, "0.00");
    output_money(999.5, buf, sizeof buf);
    ck_assert_str_eq(buf, "999.50");
    output_money(1234567.5, buf, sizeof buf);
    ck_assert_str_eq(buf, "1,234,567.50");
    output_money(-1000, buf, sizeof buf);
    ck_assert_str_eq(buf, "-1,000.00");
    output_money(100000, buf, sizeof buf);
    ck_assert_str_eq(buf, "100,000.00");
}
END_TEST

START_TEST(times_are_shown_in_the_local_zone)
{
    char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    setenv("TZ", "CST-8", 1);
    tzset();
    char buf[32];
    ck_assert(output_local_time("2022-05-14T01:30:00.123+00:00", buf, sizeof buf));
    ck_assert_str_eq(buf, "2022-05-14 09:30:00");
    ck_assert(output_local_time("2022-05-13 20:00:00-05", buf, sizeof buf));
    ck_assert_str_eq(buf, "2022-05-14 09:00:00");
    ck_assert(output_local_time("2022-05-14T01:30:00Z", buf, sizeof buf));
    ck_assert_str_eq(buf, "2022-05-14 09:30:00");
    /* A date, no zone, or trailing junk: not a time to convert. */
    ck_assert(!output_local_time("2022-05-14", buf, sizeof buf));
    ck_assert(!output_local_time("2022-05-14 01:30:00", buf, sizeof buf));
    ck_assert(!output_local_time("2022-05-14T01:30:00+00:00x", buf, sizeof buf));
    if (old != NULL)
        setenv("TZ", old, 1);
    else
        unsetenv("TZ");
    tzset();
    free(old);
}
END_TEST

START_TEST(audit_summaries_say_what_changed)
{
    char *s = audit_summary("{\"id\": 3, \"households_started\": 150, \"note\": null}",
                            "{\"id\": 3, \"households_started\": 210, \"note\": \"开工\"}", 200);
    ck_assert_str_eq(s, "started 150→210; note -→开工");
    free(s);
    /* A code reads as its label, in the column named so; codes stay in the JSON. */
    s = audit_summary("", "{\"id\": 5, \"source\": \"central_subsidy\"}", 200);
    ck_assert_str_eq(s, "new: source=central subsidy");
    free(s);
    s = audit_summary("", "{\"id\": 4, \"name\": \"示例\", \"x\": null, \"n\": 5}", 200);
    ck_assert_str_eq(s, "new: name=示例, n=5");
    free(s);
    s = audit_summary("{\"a\": 1}", "", 200);
    ck_assert_str_eq(s, "removed");
    free(s);
    /* Cut at a member with an ellipsis; hostile or broken JSON gives no members. */
    s = audit_summary(NULL, "{\"aaaa\": \"0123456789\", \"bbbb\": \"0123456789\"}", 24);
    ck_assert_str_eq(s, "new: aaaa=0123456789…");
    free(s);
    s = audit_summary("{\"a\": \"unterminated", "[1, 2]", 200);
    ck_assert_str_eq(s, "");
    free(s);
    s = audit_summary("{\"a\": {\"nested\": [1, {\"b\": \"}\"}]}}", "{\"a\": 2}", 200);
    ck_assert_str_eq(s, "a {\"nested\": [1, {\"b\": \"}\"}]}→2");
    free(s);
}
END_TEST

START_TEST(tables_fit_a_width_without_cutting_numbers)
{
    const char *headers[] = {"NAME", "AMOUNT"};
    struct table *t = table_new(2, headers);
    table_add_row(t, (const char *const[]){"松山街道示例小区一（示例）", "1,234,567.50"});
    table_add_row(t, (const char *const[]){"short", "5.00"});
    table_set_width_limit(24);
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    table_print(t, out);
    fclose(out);
    table_set_width_limit(0);
    ck_assert_msg(strstr(buf, "1,234,567.50") != NULL, "%s", buf);
    ck_assert_msg(strstr(buf, "…") != NULL, "%s", buf);
    for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n"))
        ck_assert_msg(text_width(line) <= 24, "'%s'", line);
    free(buf);
    table_free(t);
}
END_TEST

START_TEST(money_in_10k_yuan_keeps_two_places)
{
    char buf[64];
    output_money_10k(12345678, buf, sizeof buf);
    ck_assert_str_eq(buf, "1,234.57");
    output_money_10k(5000, buf, sizeof buf);
    ck_assert_str_eq(buf, "0.50");
}
END_TEST

/* Too wide, numbers take their short headers and the kept names stay whole; wide enough,
 * the long headers come back. */
START_TEST(narrow_tables_shorten_headers_and_keep_names)
{
    const char *headers[] = {"NAME", "COMMUNITY", "HOUSEHOLDS STARTED", "HOUSEHOLDS COMPLETED"};
    struct table *t = table_new(4, headers);
    table_set_short_header(t, 2, "BEGUN");
    table_set_short_header(t, 3, "ENDED");
    table_set_keep(t, 0);
    table_set_keep(t, 1);
    table_add_row(t, (const char *const[]){"松山街道示例小区一（示例）", "示例小区一", "210", "0"});
    table_add_row(t, (const char *const[]){"松山街道示例小区二（示例）", "示例小区二", "1", "1"});
    for (int pass = 0; pass < 2; pass++) {
        table_set_width_limit(pass == 0 ? 60 : 200);
        char *buf = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&buf, &size);
        table_print(t, out);
        fclose(out);
        ck_assert_msg(strstr(buf, "松山街道示例小区一（示例）") != NULL &&
                          strstr(buf, "示例小区二") != NULL && strstr(buf, "…") == NULL,
                      "%s", buf);
        ck_assert_msg((strstr(buf, "BEGUN") != NULL) == (pass == 0), "%s", buf);
        ck_assert_msg((strstr(buf, "HOUSEHOLDS STARTED") != NULL) == (pass == 1), "%s", buf);
        for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n"))
            ck_assert_msg(text_width(line) <= (pass == 0 ? 60 : 200), "'%s'", line);
        free(buf);
    }
    table_set_width_limit(0);
    table_free(t);
}
END_TEST

/* The option an example or the table names, as the client reads it (cmd_op.c). */
static const ProtobufCFieldDescriptor *field_of(const ProtobufCMessageDescriptor *d,
                                                const char *option)
{
    char name[80];
    snprintf(name, sizeof name, "%s", option);
    for (char *p = name; *p; p++)
        if (*p == '-')
            *p = '_';
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    if (f == NULL) {
        char with_id[96];
        snprintf(with_id, sizeof with_id, "%s_id", name);
        f = protobuf_c_message_descriptor_get_field_by_name(d, with_id);
    }
    return f;
}

/* Every write of ops.def has its help; every required field is a field of its request;
 * every example names real options with values the client accepts offline. */
START_TEST(every_write_has_required_options_and_an_example_that_parses)
{
    static const struct {
        const char *name;
        int write;
    } ops[] = {
#define OP(name, kind, words, summary) {#name, kind},
#define READ                           0
#define WRITE                          1
#include "ops.def"
#undef READ
#undef WRITE
#undef OP
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        const struct op_help *h = op_help_find(ops[i].name);
        if (!ops[i].write)
            continue;
        ck_assert_msg(h != NULL, "%s has no help entry (client/op_help.c)", ops[i].name);
        const ProtobufCFieldDescriptor *rf = protobuf_c_message_descriptor_get_field_by_name(
            &reno__request__descriptor, ops[i].name);
        ck_assert_ptr_nonnull(rf);
        const ProtobufCMessageDescriptor *d = rf->descriptor;
        char fields[256];
        snprintf(fields, sizeof fields, "%s", h->required);
        for (char *f = strtok(fields, " "); f != NULL; f = strtok(NULL, " "))
            ck_assert_msg(protobuf_c_message_descriptor_get_field_by_name(d, f) != NULL,
                          "%s: required %s is no field", ops[i].name, f);
        char example[512];
        snprintf(example, sizeof example, "%s", h->example);
        char *save = NULL;
        for (char *opt = strtok_r(example, " ", &save); opt != NULL;
             opt = strtok_r(NULL, " ", &save)) {
            ck_assert_msg(strncmp(opt, "--", 2) == 0, "%s: '%s'", ops[i].name, opt);
            const ProtobufCFieldDescriptor *f = field_of(d, opt + 2);
            ck_assert_msg(f != NULL, "%s: no option %s", ops[i].name, opt);
            const char *value = strtok_r(NULL, " ", &save);
            ck_assert_msg(value != NULL, "%s: %s has no value", ops[i].name, opt);
            int32_t days;
            int v;
            char err[900];
            if (reflect_is_date_field(f))
                ck_assert_msg(date_parse(value, &days), "%s: %s %s", ops[i].name, opt, value);
            else if (f->type == PROTOBUF_C_TYPE_ENUM)
                ck_assert_msg(label_enum_parse(f->descriptor, value, &v, err, sizeof err),
                              "%s: %s %s: %s", ops[i].name, opt, value, err);
        }
        /* The example gives every required option. */
        snprintf(fields, sizeof fields, "%s", h->required);
        for (char *f = strtok(fields, " "); f != NULL; f = strtok(NULL, " ")) {
            char option[80];
            snprintf(option, sizeof option, "--%s ", f);
            for (char *p = option; *p; p++)
                if (*p == '_')
                    *p = '-';
            bool given = strstr(h->example, option) != NULL ||
                         (strcmp(f, "project_id") == 0 && strstr(h->example, "--project ") != NULL);
            ck_assert_msg(given, "%s: the example lacks %s", ops[i].name, option);
        }
    }
}
END_TEST

Suite *client_format_suite(void)
{
    Suite *s = suite_create("client_format");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, money_is_grouped_by_thousands);
    tcase_add_test(tc, times_are_shown_in_the_local_zone);
    tcase_add_test(tc, audit_summaries_say_what_changed);
    tcase_add_test(tc, tables_fit_a_width_without_cutting_numbers);
    tcase_add_test(tc, money_in_10k_yuan_keeps_two_places);
    tcase_add_test(tc, narrow_tables_shorten_headers_and_keep_names);
    tcase_add_test(tc, every_write_has_required_options_and_an_example_that_parses);
    suite_add_tcase(s, tc);
    return s;
}
