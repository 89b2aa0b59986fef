/*
 * Tests for common/status_form: a page like the Ziyun seed's (a rhythm of two duties of
 * the office, lights naming their projects and the rhythm, units missing reports for
 * several projects) made compact is smaller, leaves the rows it was made from as they
 * were, and fills back to the page byte for byte; a page that would not fill back exactly
 * stays full; a hostile compact reply is filled without reading out of bounds; and a delta
 * of compact pages, applied to the full page a client holds, gives the next full page,
 * also when a unit's name changes on rows of projects that did not change otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "status_delta.h"
#include "status_form.h"
#include "unit.h"
#include "xmalloc.h"

#define LEADERS "，应由县改造办（主任刘川荣、副主任何忠诚）办理"

/* The page, owned by the test: every string and row from xasprintf/xcalloc, freed with
 * the message by reno__status_reply__free_unpacked (protobuf-c's default allocator). */
static Reno__StatusReply *page(const char *unit_name, const char *name2)
{
    Reno__StatusReply *s = xcalloc(1, sizeof *s);
    reno__status_reply__init(s);
    s->programme_title = xstrdup("紫云自治县2022年城镇老旧小区改造");
    s->as_of = xstrdup("2026-12-06");
    s->n_projects = 2;
    s->projects = xcalloc(2, sizeof *s->projects);
    for (size_t i = 0; i < 2; i++) {
        Reno__ProjectStatus *p = xcalloc(1, sizeof *p);
        reno__project_status__init(p);
        p->project_id = (int64_t)i + 1;
        p->name = xstrdup(i == 0 ? "示例小区一" : name2);
        s->projects[i] = p;
    }
    static const char *const codes[] = {"monthly_meeting", "monthly_notice"};
    static const char *const titles[] = {"每月一次调度会", "一月一通报"};
    s->n_rhythm = 6;
    s->rhythm = xcalloc(6, sizeof *s->rhythm);
    for (size_t i = 0; i < 6; i++) {
        Reno__StatusRhythm *r = xcalloc(1, sizeof *r);
        reno__status_rhythm__init(r);
        size_t duty = i / 3;
        bool summary = i % 3 == 0;
        r->code = xstrdup(codes[duty]);
        r->title = xstrdup(titles[duty]);
        r->unit_code = xstrdup("office");
        r->unit_name = xstrdup("县改造办");
        r->period = summary ? xstrdup("") : xasprintf("2022-%02zu", 9 + i % 3);
        r->due = summary ? xstrdup("") : xasprintf("2022-%02zu-28", 9 + i % 3);
        r->detail = summary ? xasprintf("%s：缺 2 次" LEADERS, titles[duty])
                            : xasprintf("%s 没有办理" LEADERS, r->period);
        r->due_count = summary ? 2 : 1;
        r->missed_count = summary ? 2 : 1;
        s->rhythm[i] = r;
    }
    s->n_lights = 3;
    s->lights = xcalloc(3, sizeof *s->lights);
    for (size_t i = 0; i < 3; i++) {
        Reno__StatusLight *l = xcalloc(1, sizeof *l);
        reno__status_light__init(l);
        l->project_id = i < 2 ? (int64_t)i + 1 : 0;
        l->name = xstrdup(i == 0 ? "示例小区一" : i == 1 ? name2 : s->programme_title);
        l->light = RENO__LIGHT__LIGHT_RED;
        l->n_reasons = 2;
        l->reasons = xcalloc(2, sizeof *l->reasons);
        for (size_t k = 0; k < 2; k++) {
            Reno__LightReason *r = xcalloc(1, sizeof *r);
            reno__light_reason__init(r);
            bool rhythm = i == 2 && k == 1;
            r->code = xstrdup(rhythm ? "rhythm_monthly_notice" : "start_all");
            r->light = RENO__LIGHT__LIGHT_RED;
            r->detail = rhythm ? xasprintf("%s: yellow", s->rhythm[3]->detail)
                               : xasprintf("no household started, project %zu: red", i);
            l->reasons[k] = r;
        }
        l->detail = xstrdup(l->reasons[0]->detail);
        s->lights[i] = l;
    }
    s->n_missing_reporters = 4;
    s->missing_reporters = xcalloc(4, sizeof *s->missing_reporters);
    for (size_t i = 0; i < 4; i++) {
        Reno__MissingReporter *m = xcalloc(1, sizeof *m);
        reno__missing_reporter__init(m);
        m->unit_code = xstrdup(i < 2 ? "housing" : "power-grid");
        m->unit_name = xstrdup(i < 2 ? unit_name : "南方电网紫云分公司");
        m->project_id = (int64_t)(i % 2) + 1;
        m->project_name = xstrdup(m->project_id == 1 ? "示例小区一" : name2);
        m->duty = xstrdup(i < 2 ? "项目推进" : "管线入地");
        s->missing_reporters[i] = m;
    }
    return s;
}

static uint8_t *packed(const Reno__StatusReply *s, size_t *len)
{
    *len = reno__status_reply__get_packed_size(s);
    uint8_t *buf = xmalloc(*len + 1);
    reno__status_reply__pack(s, buf);
    return buf;
}

static bool same_bytes(const Reno__StatusReply *a, const Reno__StatusReply *b)
{
    size_t la, lb;
    uint8_t *pa = packed(a, &la), *pb = packed(b, &lb);
    bool same = la == lb && memcmp(pa, pb, la) == 0;
    free(pa);
    free(pb);
    return same;
}

/* The compact page as it travels: packed and unpacked. */
static Reno__StatusReply *sent(const Reno__StatusReply *view)
{
    size_t len;
    uint8_t *buf = packed(view, &len);
    Reno__StatusReply *got = reno__status_reply__unpack(NULL, len, buf);
    free(buf);
    ck_assert_ptr_nonnull(got);
    return got;
}

START_TEST(a_compact_page_fills_back_byte_for_byte)
{
    Reno__StatusReply *full = page("县住房和城乡建设局", "示例小区二");
    size_t before_len;
    uint8_t *before = packed(full, &before_len);
    Reno__StatusReply view = *full;
    struct status_form f;
    ck_assert(status_form_compact(&view, &f));
    ck_assert_int_eq(view.form, RENO__STATUS_FORM__STATUS_FORM_COMPACT);
    /* The rows the view was made from are as they were. */
    size_t after_len;
    uint8_t *after = packed(full, &after_len);
    ck_assert(before_len == after_len && memcmp(before, after, before_len) == 0);
    /* Smaller, and what was left out is what rows repeat. */
    ck_assert_uint_lt(reno__status_reply__get_packed_size(&view), before_len * 3 / 4);
    ck_assert_str_eq(view.rhythm[1]->title, "");
    ck_assert_str_eq(view.rhythm[1]->unit_name, "");
    ck_assert_str_eq(view.rhythm[1]->detail, "2022-10 没有办理");
    ck_assert_str_eq(view.rhythm[3]->title, "一月一通报"); /* a summary keeps its title */
    ck_assert_str_eq(view.rhythm[3]->unit_name, "");       /* the first summary's */
    ck_assert_str_eq(view.lights[0]->name, "");
    ck_assert_str_eq(view.lights[0]->detail, "");
    ck_assert(view.lights[2]->reasons[1]->rhythm_detail);
    ck_assert_str_eq(view.lights[2]->reasons[1]->detail, ": yellow");
    ck_assert_str_eq(view.missing_reporters[1]->unit_name, "");
    ck_assert_str_eq(view.missing_reporters[1]->project_name, "");
    ck_assert_str_eq(view.missing_reporters[2]->unit_name, "南方电网紫云分公司");

    Reno__StatusReply *got = sent(&view);
    Reno__StatusReply *filled = status_form_fill(got, NULL);
    ck_assert_ptr_nonnull(filled);
    ck_assert_int_eq(filled->form, RENO__STATUS_FORM__STATUS_FORM_FULL);
    ck_assert(same_bytes(filled, full));
    /* A full page is copied as it is. */
    Reno__StatusReply *again = status_form_fill(filled, NULL);
    ck_assert(same_bytes(again, full));
    reno__status_reply__free_unpacked(again, NULL);
    reno__status_reply__free_unpacked(filled, NULL);
    reno__status_reply__free_unpacked(got, NULL);
    status_form_release(&f);
    free(before);
    free(after);
    reno__status_reply__free_unpacked(full, NULL);
}
END_TEST

START_TEST(a_page_that_would_not_fill_back_stays_full)
{
    Reno__StatusReply *full = page("县住房和城乡建设局", "示例小区二");
    /* A light whose detail is empty while its first reason's is not: filling would give
     * it the reason's. */
    free(full->lights[1]->detail);
    full->lights[1]->detail = xstrdup("");
    Reno__StatusReply view = *full;
    struct status_form f;
    ck_assert(!status_form_compact(&view, &f));
    ck_assert_int_eq(view.form, RENO__STATUS_FORM__STATUS_FORM_FULL);
    ck_assert(same_bytes(&view, full));
    status_form_release(&f);
    reno__status_reply__free_unpacked(full, NULL);
}
END_TEST

START_TEST(a_hostile_compact_reply_is_filled_within_bounds)
{
    Reno__StatusReply *full = page("县住房和城乡建设局", "示例小区二");
    Reno__StatusReply view = *full;
    struct status_form f;
    ck_assert(status_form_compact(&view, &f));
    Reno__StatusReply *got = sent(&view);
    got->rhythm[1]->detail_tail = 100000; /* longer than the summary's detail */
    got->rhythm[2]->detail_tail = -5;
    free(got->rhythm[4]->code);
    got->rhythm[4]->code = xstrdup("no_such_duty"); /* no summary to fill from */
    free(got->lights[0]->reasons[0]->code);
    got->lights[0]->reasons[0]->code = xstrdup("rhythm_"); /* names no duty */
    got->lights[0]->reasons[0]->rhythm_detail = true;
    got->missing_reporters[0]->project_id = 99; /* not on the page */
    Reno__StatusReply *filled = status_form_fill(got, NULL);
    ck_assert_ptr_nonnull(filled);
    ck_assert_str_eq(filled->rhythm[1]->detail, "2022-10 没有办理");
    ck_assert_int_eq(filled->rhythm[1]->detail_tail, 0);
    ck_assert_str_eq(filled->rhythm[4]->title, "");
    reno__status_reply__free_unpacked(filled, NULL);
    reno__status_reply__free_unpacked(got, NULL);
    status_form_release(&f);
    reno__status_reply__free_unpacked(full, NULL);
}
END_TEST

/* The server's delta between two compact pages, through the wire. */
static Reno__StatusDelta *delta_of(const Reno__StatusReply *a, const Reno__StatusReply *b)
{
    Reno__StatusReply va = *a, vb = *b;
    struct status_form fa, fb;
    ck_assert(status_form_compact(&va, &fa));
    ck_assert(status_form_compact(&vb, &fb));
    struct status_delta d;
    status_delta_make(&va, &vb, &d);
    d.delta.from_position = 1;
    d.delta.to_position = 2;
    size_t len = reno__status_delta__get_packed_size(&d.delta);
    uint8_t *buf = xmalloc(len + 1);
    reno__status_delta__pack(&d.delta, buf);
    status_delta_release(&d);
    status_form_release(&fa);
    status_form_release(&fb);
    Reno__StatusDelta *got = reno__status_delta__unpack(NULL, len, buf);
    free(buf);
    ck_assert_ptr_nonnull(got);
    return got;
}

START_TEST(a_delta_of_compact_pages_applies_to_the_full_page_held)
{
    /* The unit's name changes: in the compact pages only its first row carries it, so
     * project 2's rows do not change there; the client must still show the new name. */
    Reno__StatusReply *a = page("县住房和城乡建设局", "示例小区二");
    Reno__StatusReply *b = page("县住房城乡建设局", "示例小区二");
    a->position = 1;
    b->position = 2;
    Reno__StatusDelta *d = delta_of(a, b);
    char why[200] = "";
    Reno__StatusReply *next = status_form_apply(a, d, why, sizeof why);
    ck_assert_msg(next != NULL, "%s", why);
    ck_assert(same_bytes(next, b));
    reno__status_reply__free_unpacked(next, NULL);
    reno__status_delta__free_unpacked(d, NULL);

    /* A project renamed: its light and missing reporters take the new name. */
    Reno__StatusReply *c = page("县住房城乡建设局", "新名字小区");
    c->position = 3;
    d = delta_of(b, c);
    next = status_form_apply(b, d, why, sizeof why);
    ck_assert_msg(next != NULL, "%s", why);
    ck_assert(same_bytes(next, c));
    reno__status_reply__free_unpacked(next, NULL);
    reno__status_delta__free_unpacked(d, NULL);
    reno__status_reply__free_unpacked(a, NULL);
    reno__status_reply__free_unpacked(b, NULL);
    reno__status_reply__free_unpacked(c, NULL);
}
END_TEST

Suite *status_form_suite(void)
{
    Suite *s = suite_create("status_form");
    TCase *tc = tcase_create("status_form");
    tcase_add_test(tc, a_compact_page_fills_back_byte_for_byte);
    tcase_add_test(tc, a_page_that_would_not_fill_back_stays_full);
    tcase_add_test(tc, a_hostile_compact_reply_is_filled_within_bounds);
    tcase_add_test(tc, a_delta_of_compact_pages_applies_to_the_full_page_held);
    suite_add_tcase(s, tc);
    return s;
}
