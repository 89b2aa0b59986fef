/*
 * Tests of client/status_diff: every section of the status reports its changes as items
 * (a project's households with their percentages, a unit's supervision items, a payment
 * in funds, contracts and progress payments, a reporter who reported, a guard now met),
 * totals only when no part changed, nothing for equal statuses, and lines that fit a
 * width with the subject cut first. Run in the C locale: the labels read in English.
 */
#include <stdlib.h>
#include <string.h>

#include "status_diff.h"
#include "table.h"
#include "unit.h"

/* A small status: two projects, one unit's supervision items, funds of one project. */
struct fixture {
    Reno__StatusReply s;
    Reno__ProjectStatus p[2];
    Reno__ProjectStatus *pp[2];
    Reno__StatusSupervision sup[2];
    Reno__StatusSupervision *psup[2];
    Reno__StatusFunds funds[2];
    Reno__StatusFunds *pfunds[2];
    Reno__StatusPayments pay[2];
    Reno__StatusPayments *ppay[2];
    Reno__MissingReporter miss[1];
    Reno__MissingReporter *pmiss[1];
    Reno__StatusGuard guard[1];
    Reno__StatusGuard *pguard[1];
    Reno__StatusRound round;
};

static void fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    reno__status_reply__init(&f->s);
    f->s.programme_title = "紫云自治县2022年老旧小区改造";
    f->s.as_of = "2022-04-01";
    f->s.target_households = 802;
    f->s.households_started = 150;
    f->s.started_pct = 150.0 * 100 / 802;
    const char *names[] = {"松山街道示例小区一", "示例小区二"};
    for (int i = 0; i < 2; i++) {
        reno__project_status__init(&f->p[i]);
        f->p[i].project_id = i + 1;
        f->p[i].name = (char *)names[i];
        f->p[i].community = "";
        f->p[i].last_report_date = "";
        f->p[i].households = 400;
        f->pp[i] = &f->p[i];
    }
    f->p[0].households_started = 150;
    f->p[0].started_pct = 37.5;
    f->s.n_projects = 2;
    f->s.projects = f->pp;

    /* The housing bureau's items, then all units' (the total). */
    for (int i = 0; i < 2; i++) {
        reno__status_supervision__init(&f->sup[i]);
        f->sup[i].unit_code = i == 0 ? "housing" : "";
        f->sup[i].unit_name = i == 0 ? "县住房和城乡建设局" : "合计";
        f->sup[i].next_deadline = "";
        f->psup[i] = &f->sup[i];
    }
    f->s.n_supervision = 2;
    f->s.supervision = f->psup;

    /* Project 1's central subsidy, then project 1 over all sources (a total). */
    for (int i = 0; i < 2; i++) {
        reno__status_funds__init(&f->funds[i]);
        f->funds[i].project_id = 1;
        f->funds[i].name = "松山街道示例小区一";
        f->funds[i].source = i == 0 ? RENO__FUND_SOURCE__FUND_SOURCE_CENTRAL_SUBSIDY : 0;
        f->funds[i].source_name = i == 0 ? "中央补助" : "合计";
        f->funds[i].allocated = 500000;
        f->funds[i].received = 500000;
        f->pfunds[i] = &f->funds[i];
    }
    f->s.n_funds = 2;
    f->s.funds = f->pfunds;

    for (int i = 0; i < 2; i++) {
        reno__status_payments__init(&f->pay[i]);
        f->pay[i].project_id = i == 0 ? 1 : 0;
        f->pay[i].name = i == 0 ? "松山街道示例小区一" : "合计";
        f->pay[i].earliest_unpaid = "";
        f->ppay[i] = &f->pay[i];
    }
    f->s.n_payments = 2;
    f->s.payments = f->ppay;

    reno__status_round__init(&f->round);
    f->round.round_date = "2022-03-28";
    f->round.effective_date = "2022-03-28";
    f->round.window_closes_on = "2022-03-30";
    f->s.round = &f->round;
    reno__missing_reporter__init(&f->miss[0]);
    f->miss[0].unit_code = "housing";
    f->miss[0].unit_name = "县住房和城乡建设局";
    f->miss[0].project_id = 2;
    f->miss[0].project_name = "示例小区二";
    f->miss[0].duty = "";
    f->pmiss[0] = &f->miss[0];
    f->s.n_missing_reporters = 1;
    f->s.missing_reporters = f->pmiss;

    reno__status_guard__init(&f->guard[0]);
    f->guard[0].project_id = 2;
    f->guard[0].name = "示例小区二";
    f->guard[0].code = "willingness";
    f->guard[0].detail = "未征集群众改造意愿";
    f->pguard[0] = &f->guard[0];
    f->s.n_guards = 1;
    f->s.guards = f->pguard;
}

/* The changes as lines joined by "\n", to free. */
static char *lines(const struct status_changes *c, size_t width)
{
    char *out = strdup("");
    for (size_t i = 0; i < c->n; i++) {
        char *line = status_change_line(&c->items[i], width);
        size_t len = strlen(out) + strlen(line) + 2;
        char *next = malloc(len);
        snprintf(next, len, "%s%s\n", out, line);
        free(out);
        free(line);
        out = next;
    }
    return out;
}

START_TEST(equal_statuses_have_no_changes)
{
    struct fixture a, b;
    fixture_init(&a);
    fixture_init(&b);
    struct status_changes c = {0};
    status_diff(&a.s, &b.s, &c);
    ck_assert_uint_eq(c.n, 0);
    status_diff(NULL, &b.s, &c);
    ck_assert_uint_eq(c.n, 0);
    status_changes_free(&c);
}
END_TEST

START_TEST(households_change_with_their_percentages)
{
    struct fixture a, b;
    fixture_init(&a);
    fixture_init(&b);
    b.p[0].households_started = 210;
    b.p[0].started_pct = 52.5;
    b.s.households_started = 210;
    b.s.started_pct = 210.0 * 100 / 802;
    struct status_changes c = {0};
    status_diff(&a.s, &b.s, &c);
    char *text = lines(&c, 0);
    /* One line: the project's; the programme's total repeats it and is left out. */
    ck_assert_msg(c.n == 1, "%s", text);
    ck_assert_int_eq(c.items[0].section, STATUS_SECTION_PROJECT);
    ck_assert_str_eq(text, "project 松山街道示例小区一: households started 150 (37.5%) → 210 "
                           "(52.5%)\n");
    free(text);
    status_changes_free(&c);

    /* The total alone (its project off the page) is said as the programme's. */
    b.p[0].households_started = 150;
    b.p[0].started_pct = 37.5;
    status_diff(&a.s, &b.s, &c);
    text = lines(&c, 0);
    ck_assert_str_eq(text, "programme: households started 150 (18.7%) → 210 (26.2%)\n");
    free(text);
    status_changes_free(&c);
}
END_TEST

START_TEST(a_supervision_item_and_a_payment_each_have_their_line)
{
    struct fixture a, b;
    fixture_init(&a);
    fixture_init(&b);
    /* A first item issued to the housing bureau: its row and the total change. */
    b.sup[0].items = b.sup[0].items_open = 1;
    b.sup[1].items = b.sup[1].items_open = 1;
    b.funds[0].paid = 50000;
    b.funds[1].paid = 50000;
    b.pay[0].paid = b.pay[1].paid = 50000;
    struct status_changes c = {0};
    status_diff(&a.s, &b.s, &c);
    char *text = lines(&c, 0);
    ck_assert_msg(strstr(text, "supervision 县住房和城乡建设局: items issued 0 → 1\n") != NULL,
                  "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "supervision 县住房和城乡建设局: items open 0 → 1\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "funds 松山街道示例小区一 中央补助: paid, yuan 0.00 → 50,000.00\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "progress payments 松山街道示例小区一: paid, yuan 0.00 → 50,000.00\n"));
    /* Totals repeat their parts: not said. */
    ck_assert_msg(strstr(text, "合计") == NULL, "%s", text);
    ck_assert_msg(c.n == 4, "%s", text);
    free(text);
    status_changes_free(&c);

    /* Closed: open 1 → 0, closed 0 → 1. */
    a.sup[0].items = a.sup[0].items_open = 1;
    a.sup[1].items = a.sup[1].items_open = 1;
    a.funds[0].paid = a.funds[1].paid = 50000;
    a.pay[0].paid = a.pay[1].paid = 50000;
    b.sup[0].items_open = b.sup[1].items_open = 0;
    b.sup[0].items_closed = b.sup[1].items_closed = 1;
    status_diff(&a.s, &b.s, &c);
    text = lines(&c, 0);
    ck_assert_str_eq(text, "supervision 县住房和城乡建设局: items open 1 → 0\n"
                           "supervision 县住房和城乡建设局: items closed 0 → 1\n");
    free(text);
    status_changes_free(&c);
}
END_TEST

START_TEST(reporters_guards_and_rounds)
{
    struct fixture a, b;
    fixture_init(&a);
    fixture_init(&b);
    /* The unit reported (it leaves the missing list); the guard is now met. */
    b.s.n_missing_reporters = 0;
    b.s.n_guards = 0;
    struct status_changes c = {0};
    status_diff(&a.s, &b.s, &c);
    char *text = lines(&c, 0);
    ck_assert_str_eq(text, "not reported 县住房和城乡建设局 示例小区二: round report missing → "
                           "received\n"
                           "guards 示例小区二: residents' willingness not met → met\n");
    free(text);
    status_changes_free(&c);

    /* A new round: the round says so; its reporters are not listed one by one. */
    b.s.n_missing_reporters = 1;
    b.s.n_guards = 1;
    b.round.round_date = "2022-04-14";
    b.miss[0].project_id = 1;
    status_diff(&a.s, &b.s, &c);
    text = lines(&c, 0);
    ck_assert_str_eq(text, "round: round 2022-03-28 → 2022-04-14\n");
    free(text);
    status_changes_free(&c);
}
END_TEST

START_TEST(a_new_unit_row_compares_with_zeros)
{
    struct fixture a, b;
    fixture_init(&a);
    fixture_init(&b);
    a.s.n_supervision = 0; /* before: no items anywhere, so no rows */
    b.sup[0].items = b.sup[1].items = 2;
    struct status_changes c = {0};
    status_diff(&a.s, &b.s, &c);
    char *text = lines(&c, 0);
    ck_assert_str_eq(text, "supervision 县住房和城乡建设局: items issued 0 → 2\n");
    free(text);
    status_changes_free(&c);
}
END_TEST

START_TEST(lines_fit_their_width_subject_first)
{
    struct fixture a, b;
    fixture_init(&a);
    fixture_init(&b);
    b.funds[0].paid = b.funds[1].paid = 1234567.5;
    struct status_changes c = {0};
    status_diff(&a.s, &b.s, &c);
    ck_assert_uint_eq(c.n, 1);
    char *full = status_change_line(&c.items[0], 0);
    ck_assert_str_eq(full, "funds 松山街道示例小区一 中央补助: paid, yuan 0.00 → 1,234,567.50");
    free(full);
    /* Narrower: the subject is cut with "…", the amounts stay whole. */
    char *narrow = status_change_line(&c.items[0], 50);
    ck_assert_msg(text_width(narrow) <= 50, "%s", narrow);
    ck_assert_msg(strstr(narrow, "…") != NULL, "%s", narrow);
    ck_assert_msg(strstr(narrow, "0.00 → 1,234,567.50") != NULL, "%s", narrow);
    free(narrow);
    /* Narrower than the rest: the whole line is cut, never wider than asked. */
    char *tiny = status_change_line(&c.items[0], 20);
    ck_assert_msg(text_width(tiny) <= 20, "%s", tiny);
    free(tiny);
    status_changes_free(&c);
}
END_TEST

START_TEST(a_group_is_one_line_per_section_and_subject)
{
    struct fixture a, b;
    fixture_init(&a);
    fixture_init(&b);
    b.sup[0].items = b.sup[1].items = 1;
    b.sup[0].items_open = b.sup[1].items_open = 1;
    b.funds[0].paid = b.funds[1].paid = 50000;
    struct status_changes c = {0};
    status_diff(&a.s, &b.s, &c);
    ck_assert_uint_eq(c.n, 3);
    size_t i = 0;
    char *line = status_changes_group_line(&c, &i, 0);
    ck_assert_str_eq(line, "funds 松山街道示例小区一 中央补助: paid, yuan 0.00 → 50,000.00");
    ck_assert_uint_eq(i, 1);
    free(line);
    line = status_changes_group_line(&c, &i, 0);
    ck_assert_str_eq(line, "supervision 县住房和城乡建设局: items issued 0 → 1, items open 0 → 1");
    ck_assert_uint_eq(i, 3);
    free(line);
    /* The brief form cuts the subject, not the figures. */
    i = 0;
    line = status_changes_group_line(&c, &i, 8);
    ck_assert_str_eq(line, "funds 松山街…: paid, yuan 0.00 → 50,000.00");
    free(line);
    status_changes_free(&c);
}
END_TEST

START_TEST(copies_are_deep)
{
    struct fixture a;
    fixture_init(&a);
    Reno__StatusReply *copy = status_copy(&a.s);
    ck_assert_ptr_ne(copy->projects[0]->name, a.p[0].name);
    ck_assert_str_eq(copy->projects[0]->name, "松山街道示例小区一");
    struct status_changes c = {0};
    status_diff(&a.s, copy, &c);
    ck_assert_uint_eq(c.n, 0);
    reno__status_reply__free_unpacked(copy, NULL);
}
END_TEST

Suite *status_diff_suite(void)
{
    Suite *s = suite_create("status_diff");
    TCase *tc = tcase_create("status_diff");
    tcase_add_test(tc, equal_statuses_have_no_changes);
    tcase_add_test(tc, households_change_with_their_percentages);
    tcase_add_test(tc, a_supervision_item_and_a_payment_each_have_their_line);
    tcase_add_test(tc, reporters_guards_and_rounds);
    tcase_add_test(tc, a_new_unit_row_compares_with_zeros);
    tcase_add_test(tc, lines_fit_their_width_subject_first);
    tcase_add_test(tc, a_group_is_one_line_per_section_and_subject);
    tcase_add_test(tc, copies_are_deep);
    suite_add_tcase(s, tc);
    return s;
}
