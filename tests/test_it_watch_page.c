/*
 * Watching a page of the consolidated status (Watch.page), through the real path: a
 * watcher of the first page of projects by households started is told when a project
 * enters or leaves its page, with the page's new rows; a change to a project off its page
 * that moves the programme's totals reaches it as the new totals without project rows;
 * one that moves nothing the page shows (a name off the page) reaches it not at all. Two
 * watchers of the same view get the same bytes. A Watch of the whole status of a
 * programme over the reply limit is refused with a reason that says to watch a page, and
 * the connection stays; a page of a programme of 2,000 projects starts from a reply that
 * does not grow with the programme, nor do a page's reply and events from 2 projects to
 * 1,500.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "it.h"
#include "status_delta.h"
#include "status_form.h"

static struct net_conn *office;

static void setup(void)
{
    h_fixture_setup();
    office = h_login(&h_srv, H_OFFICE);
}

static void teardown(void)
{
    net_close(office);
    h_fixture_teardown();
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Today's status, one page as `view` asks (NULL: the first page by id). */
static Reno__ServerMessage *get_page(struct net_conn *c, const Reno__GetStatus *view)
{
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    if (view != NULL)
        gs = *view;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &gs;
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    return m;
}

/* Adds projects to the seeded programme until it has n, straight into the table (hundreds
 * of CreateProject round trips would only slow the test down), then tells every renod that
 * the data changed (a notification it cannot parse refreshes every programme) and waits
 * until the roll-up has them. */
static void grow_to(int n)
{
    char sql[1200];
    snprintf(sql, sizeof sql,
             "INSERT INTO project (programme_id, name, community, households, renovation_type, "
             "street, buildings, area_m2, subsidy_batch, is_sample) "
             "SELECT p.programme_id, '增补' || lpad(g::text, 5, '0') || '小区（示例）', "
             "'增补' || g || '小区', 100, 'comprehensive', '松山街道', 4, 8550, "
             "'2022年度中央补助支持老旧小区改造计划', true "
             "FROM (SELECT programme_id FROM project ORDER BY id LIMIT 1) p, "
             "generate_series((SELECT count(*) FROM project)::int + 1, %d) g",
             n);
    char state[6];
    h_sql_exec(h_db, sql, state);
    ck_assert_msg(state[0] == '\0', "adding projects: %s", state);
    h_sql_exec(h_db, "NOTIFY reno_changed, 'everything'", state);
    ck_assert_msg(state[0] == '\0', "notifying: %s", state);
    int have = 0;
    for (int64_t deadline = now_ms() + 60000; now_ms() < deadline;) {
        /* While the roll-up computes everything again, a read may wait and be told to
         * come back. */
        Reno__GetStatus gs = RENO__GET_STATUS__INIT;
        Reno__Request req = RENO__REQUEST__INIT;
        req.body_case = RENO__REQUEST__BODY_GET_STATUS;
        req.get_status = &gs;
        Reno__ServerMessage *m = h_call(office, &req);
        if (h_code(m) == RENO__STATUS_CODE__OK)
            have = m->response->status_reply->projects_in_programme;
        net_free(office, m);
        if (have == n)
            break;
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    ck_assert_int_eq(have, n);
}

/* Our own copy of a status. */
static Reno__StatusReply *copy_of(const Reno__StatusReply *s)
{
    size_t len = reno__status_reply__get_packed_size(s);
    uint8_t *buf = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(buf);
    reno__status_reply__pack(s, buf);
    Reno__StatusReply *copy = reno__status_reply__unpack(NULL, len, buf);
    free(buf);
    ck_assert_ptr_nonnull(copy);
    return copy;
}

/* Watches `view` (NULL: the whole status); returns the reply (free with net_free). */
static Reno__ServerMessage *watch_raw(struct net_conn *c, Reno__GetStatus *view, bool deltas)
{
    Reno__Watch w = RENO__WATCH__INIT;
    w.deltas = deltas;
    w.page = view;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_WATCH;
    req.watch = &w;
    return h_call(c, &req);
}

/* Watches `view`; the page it starts from, our own copy. */
static Reno__StatusReply *watch_page(struct net_conn *c, Reno__GetStatus *view, bool deltas)
{
    Reno__ServerMessage *m = watch_raw(c, view, deltas);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s",
                  m->response->status ? m->response->status->message : "");
    Reno__StatusReply *copy = copy_of(m->response->watch->status);
    net_free(c, m);
    return copy;
}

/* The next event within timeout_ms, or NULL. */
static Reno__ServerMessage *next_event(struct net_conn *c, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int left = (int)(deadline - now_ms());
        Reno__ServerMessage *m = NULL;
        char err[NET_ERR_SIZE];
        int rc = net_next(c, left > 0 ? left : 0, &m, err);
        ck_assert_msg(rc >= 0, "%s", err);
        if (rc > 0)
            return NULL;
        if (m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT)
            return m;
        net_free(c, m);
    }
}

static void push(long project, int started)
{
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, project, "2022-04-15", started, 0);
    Reno__ServerMessage *m = h_call(office, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    net_free(office, m);
}

static void rename_project(long project, const char *name)
{
    uint8_t key[16];
    Reno__UpdateProject up = RENO__UPDATE_PROJECT__INIT;
    h_new_key(&up.idempotency_key, key);
    up.project_id = project;
    up.community = (char *)name;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_UPDATE_PROJECT;
    req.update_project = &up;
    Reno__ServerMessage *m = h_call(office, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    net_free(office, m);
}

static bool on_page(const Reno__StatusReply *s, long project)
{
    for (size_t i = 0; i < s->n_projects; i++)
        if (s->projects[i]->project_id == project)
            return true;
    return false;
}

static bool listed(int64_t *ids, size_t n, long project)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == project)
            return true;
    return false;
}

static uint8_t *packed_event(const Reno__Event *e, size_t *len)
{
    *len = reno__event__get_packed_size(e);
    uint8_t *buf = malloc(*len ? *len : 1);
    ck_assert_ptr_nonnull(buf);
    reno__event__pack(e, buf);
    return buf;
}

/* The page a delta makes of `held`, checked against the page GetStatus answers now (but
 * for when the figures were computed); replaces *held. */
static void apply_and_check(Reno__StatusReply **held, const Reno__StatusDelta *d,
                            const Reno__GetStatus *view)
{
    ck_assert_msg(status_delta_fits(*held, d), "the delta from %lld does not fit the page at %lld",
                  (long long)d->from_position, (long long)(*held)->position);
    char why[200];
    Reno__StatusReply *next = status_form_apply(*held, d, why, sizeof why);
    ck_assert_msg(next != NULL, "%s", why);
    reno__status_reply__free_unpacked(*held, NULL);
    *held = next;
    Reno__ServerMessage *m = get_page(office, view);
    Reno__StatusReply *fresh = copy_of(m->response->status_reply);
    net_free(office, m);
    fresh->computed_at = next->computed_at;
    fresh->position = next->position;
    size_t a = reno__status_reply__get_packed_size(fresh);
    size_t b = reno__status_reply__get_packed_size(next);
    ck_assert_uint_eq(a, b);
    uint8_t *x = malloc(a + 1), *y = malloc(b + 1);
    reno__status_reply__pack(fresh, x);
    reno__status_reply__pack(next, y);
    ck_assert_msg(memcmp(x, y, a) == 0, "the page the deltas made is not GetStatus's page");
    free(x);
    free(y);
    reno__status_reply__free_unpacked(fresh, NULL);
}

START_TEST(a_page_watcher_hears_its_page_and_the_totals_only)
{
    grow_to(40);
    /* The five projects furthest started, most first. */
    Reno__GetStatus view = RENO__GET_STATUS__INIT;
    view.page_size = 5;
    view.sort = RENO__STATUS_SORT__STATUS_SORT_STARTED;
    view.descending = true;
    struct net_conn *a = h_login(&h_srv, H_LEADER);
    struct net_conn *b = h_login(&h_srv, H_LEADER);
    struct net_conn *control = h_login(&h_srv, H_LEADER);
    Reno__StatusReply *held = watch_page(a, &view, true);
    Reno__StatusReply *other = watch_page(b, &view, true);
    ck_assert_uint_eq(held->n_projects, 5);
    ck_assert_int_eq(held->projects_in_programme, 40);
    ck_assert_str_eq(held->next_page_token, "5");

    /* Two projects off the page: one to rename, one to push. */
    long quiet = 0, mover = 0;
    for (int i = 0; i < 40 && (quiet == 0 || mover == 0); i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT id FROM project ORDER BY id OFFSET %d LIMIT 1", i);
        long id = h_sql_long(h_db, sql);
        if (on_page(held, id))
            continue;
        if (quiet == 0)
            quiet = id;
        else
            mover = id;
    }
    ck_assert(quiet != 0 && mover != 0);
    /* The control watches the renamed project's own page, so that it is told. */
    Reno__GetStatus just = RENO__GET_STATUS__INIT;
    just.project_id = quiet;
    reno__status_reply__free_unpacked(watch_page(control, &just, false), NULL);

    /* A new name off the page: nothing the page shows moved, so no event. */
    rename_project(quiet, "改名小区");
    Reno__ServerMessage *m = next_event(control, 5000);
    ck_assert_msg(m != NULL && m->event->body_case == RENO__EVENT__BODY_STATUS_CHANGED,
                  "the control was not told of the rename");
    ck_assert_str_eq(m->event->status_changed->status->projects[0]->community, "改名小区");
    net_free(control, m);
    m = next_event(a, 500);
    ck_assert_msg(m == NULL, "the page's watcher was told of a change off its page (event %d)",
                  m ? (int)m->event->body_case : 0);

    /* Ninety of a hundred households started: the project enters the page, at the top,
     * and the page's last project leaves it. */
    int64_t last = held->projects[4]->project_id;
    push(mover, 90);
    m = next_event(a, 5000);
    ck_assert_msg(m != NULL && m->event->body_case == RENO__EVENT__BODY_STATUS_DELTA,
                  "no delta when a project entered the page");
    const Reno__StatusDelta *d = m->event->status_delta;
    ck_assert(listed(d->projects, d->n_projects, mover));
    ck_assert(listed(d->removed, d->n_removed, last));
    /* The delta carries the page's rows only. */
    ck_assert_uint_le(d->status->n_projects, 5);
    apply_and_check(&held, d, &view);
    ck_assert_int_eq(held->projects[0]->project_id, mover);
    ck_assert(!on_page(held, last));
    /* The other watcher of the same view got the same bytes. */
    Reno__ServerMessage *m2 = next_event(b, 5000);
    ck_assert_ptr_nonnull(m2);
    size_t la, lb;
    uint8_t *ba = packed_event(m->event, &la), *bb = packed_event(m2->event, &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert_msg(memcmp(ba, bb, la) == 0, "two watchers of one view got different events");
    free(ba);
    free(bb);
    net_free(a, m);
    net_free(b, m2);

    /* A watcher of one project's page: one household started on another project moves
     * the programme's totals, which the page carries, so it is told them, with no
     * project's rows. */
    m = next_event(control, 5000); /* its own page's totals moved with the entering project */
    ck_assert_msg(m != NULL && m->event->body_case == RENO__EVENT__BODY_STATUS_CHANGED,
                  "the control was not told of the totals");
    ck_assert_uint_eq(m->event->status_changed->status->n_projects, 1);
    net_free(control, m);
    Reno__GetStatus one = RENO__GET_STATUS__INIT;
    one.project_id = mover;
    Reno__StatusReply *mine = watch_page(control, &one, true);
    ck_assert_uint_eq(mine->n_projects, 1);
    int before = mine->households_started;
    push(quiet, 1);
    m = next_event(control, 5000);
    ck_assert_msg(m != NULL && m->event->body_case == RENO__EVENT__BODY_STATUS_DELTA,
                  "no event when the totals moved (%d)", m ? (int)m->event->body_case : -1);
    d = m->event->status_delta;
    ck_assert(!listed(d->projects, d->n_projects, quiet));
    ck_assert_uint_eq(d->status->n_projects, 0);
    apply_and_check(&mine, d, &one);
    ck_assert_int_eq(mine->households_started, before + 1);
    ck_assert_int_eq(mine->projects[0]->project_id, mover);
    net_free(control, m);
    reno__status_reply__free_unpacked(mine, NULL);

    reno__status_reply__free_unpacked(held, NULL);
    reno__status_reply__free_unpacked(other, NULL);
    net_close(control);
    net_close(b);
    net_close(a);
}
END_TEST

/* A page watcher that did not ask for deltas is sent its whole page, never the programme. */
START_TEST(a_page_watcher_without_deltas_gets_its_page_whole)
{
    grow_to(30);
    Reno__GetStatus view = RENO__GET_STATUS__INIT;
    view.page_size = 3;
    view.sort = RENO__STATUS_SORT__STATUS_SORT_STARTED;
    view.descending = true;
    struct net_conn *a = h_login(&h_srv, H_LEADER);
    reno__status_reply__free_unpacked(watch_page(a, &view, false), NULL);
    long p0 = h_project_id(h_db, 0);
    push(p0, 400);
    Reno__ServerMessage *m = next_event(a, 5000);
    ck_assert_msg(m != NULL && m->event->body_case == RENO__EVENT__BODY_STATUS_CHANGED,
                  "no whole page pushed");
    const Reno__StatusReply *s = m->event->status_changed->status;
    ck_assert_uint_eq(s->n_projects, 3);
    ck_assert_int_eq(s->projects[0]->project_id, p0);
    ck_assert_int_eq(s->projects_in_programme, 30);
    net_free(a, m);
    net_close(a);
}
END_TEST

START_TEST(the_whole_status_over_the_limit_is_refused_with_a_reason)
{
    grow_to(300);
    /* A reply limit between a page and the whole status of 300 projects. */
    Reno__ServerMessage *m = get_page(office, NULL);
    size_t page_bytes = reno__status_reply__get_packed_size(m->response->status_reply);
    net_free(office, m);
    struct h_server small;
    char limit[24];
    snprintf(limit, sizeof limit, "%zu", page_bytes + 16384);
    const char *extra[] = {"--max-reply", limit, NULL};
    h_server_start(&small, h_db, extra);
    struct net_conn *c = h_login(&small, H_LEADER);

    m = watch_raw(c, NULL, true);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__RESOURCE_EXHAUSTED);
    const Reno__Status *st = m->response->status;
    ck_assert_str_eq(st->reason, "too_large");
    ck_assert_uint_eq(st->n_args, 3);
    ck_assert_str_eq(st->args[0], "page");
    ck_assert_str_eq(st->args[2], limit);
    ck_assert_ptr_nonnull(strstr(st->message, "watch a page"));
    net_free(c, m);

    /* The connection stays, and a page of the same programme is watched. */
    Reno__GetStatus view = RENO__GET_STATUS__INIT;
    Reno__StatusReply *held = watch_page(c, &view, true);
    ck_assert_uint_eq(held->n_projects, 50);
    ck_assert_int_eq(held->projects_in_programme, 300);
    reno__status_reply__free_unpacked(held, NULL);
    /* A page's own fields are checked as GetStatus's are. */
    view.page_size = 5000;
    m = watch_raw(c, &view, true);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
    ck_assert_str_eq(m->response->status->field, "watch.page.page_size");
    net_free(c, m);
    view.page_size = 0;
    view.as_of = "2022-04-01";
    m = watch_raw(c, &view, true);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
    ck_assert_str_eq(m->response->status->field, "watch.page.as_of");
    net_free(c, m);

    net_close(c);
    ck_assert_int_eq(h_server_stop(&small), 0);
}
END_TEST

/* Each distinct view watched costs a page at every move: past the server's watch_views a
 * new one is refused with a reason, while the views already watched stay open to all and
 * a watcher may trade a view of its own for another. */
START_TEST(distinct_views_are_bounded)
{
    struct h_server small;
    const char *extra[] = {"--watch-views", "2", NULL};
    h_server_start(&small, h_db, extra);
    struct net_conn *a = h_login(&small, H_LEADER), *b = h_login(&small, H_LEADER),
                    *c = h_login(&small, H_LEADER);
    Reno__GetStatus one = RENO__GET_STATUS__INIT, two = RENO__GET_STATUS__INIT,
                    three = RENO__GET_STATUS__INIT;
    one.search = "一";
    two.search = "二";
    three.search = "三";
    reno__status_reply__free_unpacked(watch_page(a, &one, true), NULL);
    reno__status_reply__free_unpacked(watch_page(b, &two, true), NULL);
    Reno__ServerMessage *m = watch_raw(c, &three, true);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__RESOURCE_EXHAUSTED);
    ck_assert_str_eq(m->response->status->reason, "too_many_views");
    ck_assert_str_eq(m->response->status->field, "watch.page");
    ck_assert_uint_eq(m->response->status->n_args, 1);
    ck_assert_str_eq(m->response->status->args[0], "2");
    net_free(c, m);
    /* A view already watched is open to everyone, and the refused connection is served. */
    reno__status_reply__free_unpacked(watch_page(c, &one, true), NULL);
    /* b watches `two` alone: it may leave it for `three`; a, sharing `one`, may not. */
    reno__status_reply__free_unpacked(watch_page(b, &three, true), NULL);
    m = watch_raw(a, &two, true);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__RESOURCE_EXHAUSTED);
    net_free(a, m);
    m = get_page(a, NULL);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(a, m);
    net_close(a);
    net_close(b);
    net_close(c);
    ck_assert_int_eq(h_server_stop(&small), 0);
}
END_TEST

/* At 2,000 projects a page starts from a reply the size of a page: a few times the
 * programme-wide part, not a row per project (the whole status is megabytes). */
START_TEST(a_page_of_two_thousand_projects_starts_small)
{
    grow_to(2000);
    struct net_conn *c = h_login(&h_srv, H_LEADER);
    Reno__GetStatus view = RENO__GET_STATUS__INIT;
    view.sort = RENO__STATUS_SORT__STATUS_SORT_LIGHT;
    Reno__StatusReply *held = watch_page(c, &view, true);
    size_t page_bytes = reno__status_reply__get_packed_size(held);
    ck_assert_uint_eq(held->n_projects, 50);
    ck_assert_int_eq(held->projects_in_programme, 2000);
    reno__status_reply__free_unpacked(held, NULL);
    Reno__ServerMessage *m = watch_raw(c, NULL, true);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    size_t whole_bytes = reno__status_reply__get_packed_size(m->response->watch->status);
    net_free(c, m);
    ck_assert_msg(page_bytes < 256 * 1024, "a page of 50 is %zu bytes", page_bytes);
    ck_assert_msg(whole_bytes > 8 * page_bytes, "the page %zu bytes, the whole %zu", page_bytes,
                  whole_bytes);
    net_close(c);
}
END_TEST

/* A page's Watch reply and its events do not grow with the programme: every page carries
 * the totals rows of the per-project sections, and a totals row that named every project
 * (the parties' "acceptance lacks" named each project without parties) made a page of 50
 * projects 938 KB at 20,000 projects, so that 10,000 watchers of it were over the
 * server's output budget and renod closed their connections. A page of one project is
 * watched at 2 and at 1,500 projects: the same size within a few hundred bytes (its counts
 * grow by a digit or two), and the delta of a push on it smaller than that. */
START_TEST(a_page_and_its_events_stay_the_size_of_a_page)
{
    long first = h_project_id(h_db, 0);
    Reno__GetStatus view = RENO__GET_STATUS__INIT;
    view.page_size = 1;
    /* At 2 projects, from a renod of its own (the test's renod computes its first status
     * once the programme has grown). */
    struct h_server two;
    h_server_start(&two, h_db, NULL);
    struct net_conn *a = h_login(&two, H_LEADER);
    Reno__StatusReply *held = watch_page(a, &view, true);
    ck_assert_int_eq(held->projects[0]->project_id, first);
    ck_assert_int_eq(held->projects_in_programme, 2);
    size_t small_reply = reno__status_reply__get_packed_size(held);
    reno__status_reply__free_unpacked(held, NULL);
    net_close(a);
    ck_assert_int_eq(h_server_stop(&two), 0);

    grow_to(1500);
    a = h_login(&h_srv, H_LEADER);
    held = watch_page(a, &view, true);
    ck_assert_int_eq(held->projects_in_programme, 1500);
    size_t large_reply = reno__status_reply__get_packed_size(held);
    reno__status_reply__free_unpacked(held, NULL);
    push(first, 20);
    Reno__ServerMessage *m = next_event(a, 5000);
    ck_assert_msg(m != NULL && m->event->body_case == RENO__EVENT__BODY_STATUS_DELTA,
                  "no delta after a push on the page (%d)", m ? (int)m->event->body_case : -1);
    size_t large_event = reno__event__get_packed_size(m->event);
    net_free(a, m);
    ck_assert_msg(large_reply < small_reply + 1024,
                  "a page of one project is %zu bytes at 2 projects, %zu at 1,500", small_reply,
                  large_reply);
    ck_assert_msg(large_event < small_reply + 1024,
                  "a push on a page of one project is an event of %zu bytes at 1,500 projects "
                  "(the page is %zu bytes at 2)",
                  large_event, small_reply);
    net_close(a);
}
END_TEST

static void create_project(const char *name)
{
    uint8_t key[16];
    Reno__CreateProject cp = RENO__CREATE_PROJECT__INIT;
    h_new_key(&cp.idempotency_key, key);
    cp.name = (char *)name;
    cp.community = (char *)name;
    cp.households = 60;
    cp.renovation_type = RENO__RENOVATION_TYPE__RENOVATION_TYPE_COMPREHENSIVE;
    Reno__ServerMessage *m = h_call_body(office, RENO__REQUEST__BODY_CREATE_PROJECT, &cp);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    net_free(office, m);
}

/* `reno watch --full` against `srv`, running in the background as the leader, its output
 * in a file of `dir`; returns its pid once renod has its watch. */
static pid_t cli_watch_full(const struct h_server *srv, const char *dir, char out_path[256])
{
    char env_xdg[200], env_server[120];
    snprintf(env_xdg, sizeof env_xdg, "XDG_CONFIG_HOME=%s", dir);
    snprintf(env_server, sizeof env_server, "RENO_SERVER=%s", srv->address);
    const char *login[] = {h_bin("reno"), "login", "--user", H_LEADER, "--password-stdin", NULL};
    const char *env[] = {env_xdg, env_server, NULL};
    char *out, *err;
    int rc = h_run(login, env, "leader-test-password\n", &out, &err);
    ck_assert_msg(rc == 0, "login: %d %s%s", rc, out, err);
    free(out);
    free(err);
    snprintf(out_path, 256, "%s/watch.out", dir);
    int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert(fd >= 0);
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        putenv(env_xdg);
        putenv(env_server);
        const char *argv[] = {h_bin("reno"), "watch", "--full", NULL};
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fd);
    ck_assert_msg(h_log_wait(srv, "(the whole status)", 20000), "reno watch --full did not watch");
    return pid;
}

/* The exit status of pid within 20 s (a generous margin: it exits at the next event). */
static int cli_exit(pid_t pid)
{
    for (int64_t deadline = now_ms() + 20000; now_ms() < deadline;) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    ck_abort_msg("reno watch --full did not exit after its resync");
    return -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char *text = calloc(1, 1 << 20);
    ck_assert_ptr_nonnull(text);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* Watchers of the whole status whose status grows over the reply limit while they watch:
 * the whole status cannot be sent, nor watched again, so each gets one Resync saying why
 * and to watch a page at the move that takes it over (one that asked for deltas too,
 * though its delta would fit), its watch ends, and its connection stays: a page is
 * watched on it, a Watch of the whole is refused with the reason, and every write is in
 * the status. `reno watch --full` prints the resync, watches again, prints the refusal
 * and exits with an error. */
START_TEST(a_whole_status_watcher_is_told_to_watch_a_page_when_it_outgrows_the_limit)
{
    Reno__ServerMessage *m = watch_raw(office, NULL, false);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    size_t whole = reno__status_reply__get_packed_size(m->response->watch->status);
    net_free(office, m);
    /* Room for the whole status now and a little more: a few projects more are over. */
    struct h_server small;
    char limit[24];
    snprintf(limit, sizeof limit, "%zu", whole + 6000);
    const char *extra[] = {"--max-reply", limit, NULL};
    h_server_start(&small, h_db, extra);
    char dir[64] = "/tmp/reno-it-watch-full.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char cli_out[256];
    pid_t cli = cli_watch_full(&small, dir, cli_out);
    struct net_conn *whole_watcher = h_login(&small, H_LEADER);
    struct net_conn *delta_watcher = h_login(&small, H_LEADER);
    m = watch_raw(whole_watcher, NULL, false);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(whole_watcher, m);
    Reno__StatusReply *held = watch_page(delta_watcher, NULL, true);

    int created = 0;
    Reno__ServerMessage *resync = NULL;
    while (resync == NULL && created < 40) {
        char name[64];
        snprintf(name, sizeof name, "长大小区%02d（示例）", ++created);
        create_project(name);
        /* The whole watcher hears each change whole, until it is over the limit. */
        m = next_event(whole_watcher, 5000);
        ck_assert_msg(m != NULL, "no event after project %d was created", created);
        if (m->event->body_case == RENO__EVENT__BODY_RESYNC)
            resync = m;
        else {
            ck_assert_int_eq(m->event->body_case, RENO__EVENT__BODY_STATUS_CHANGED);
            ck_assert_int_eq(m->event->status_changed->status->n_projects, 2 + created);
            net_free(whole_watcher, m);
        }
        /* The delta watcher follows every change, and is told at the same move. */
        m = next_event(delta_watcher, 5000);
        ck_assert_msg(m != NULL, "no event for the delta watcher after project %d", created);
        if (resync != NULL) {
            ck_assert_int_eq(m->event->body_case, RENO__EVENT__BODY_RESYNC);
            ck_assert_str_eq(m->event->resync->reason, resync->event->resync->reason);
        } else {
            ck_assert_int_eq(m->event->body_case, RENO__EVENT__BODY_STATUS_DELTA);
            char why[200];
            Reno__StatusReply *next =
                status_form_apply(held, m->event->status_delta, why, sizeof why);
            ck_assert_msg(next != NULL, "%s", why);
            reno__status_reply__free_unpacked(held, NULL);
            held = next;
        }
        net_free(delta_watcher, m);
    }
    ck_assert_msg(resync != NULL, "no resync after %d projects created", created);
    ck_assert_msg(created > 1, "the first project was already over the limit");
    ck_assert_ptr_nonnull(strstr(resync->event->resync->reason, "over the reply limit"));
    ck_assert_ptr_nonnull(strstr(resync->event->resync->reason, "watch a page"));
    net_free(whole_watcher, resync);
    ck_assert_int_eq(held->n_projects, 2 + created - 1);
    reno__status_reply__free_unpacked(held, NULL);

    /* reno watch --full: the resync, then its Watch again refused, in the user's words. */
    int rc = cli_exit(cli);
    char *text = slurp(cli_out);
    size_t len = strlen(text);
    const char *tail = len > 1500 ? text + len - 1500 : text; /* its last lines */
    ck_assert_msg(rc != 0, "reno watch --full exited 0:\n%s", tail);
    const char *said = strstr(text, "reno: the whole status is over the reply limit");
    ck_assert_msg(said != NULL, "%s", tail);
    ck_assert_msg(strstr(said, "RESOURCE_EXHAUSTED") != NULL &&
                      strstr(said, "watch a page") != NULL,
                  "%s", tail);
    free(text);
    unlink(cli_out);

    /* The watches ended: the next change is sent to neither. */
    create_project("长大小区之后（示例）");
    m = next_event(whole_watcher, 1000);
    ck_assert_msg(m == NULL, "an event (%d) after the resync", m ? (int)m->event->body_case : 0);
    m = next_event(delta_watcher, 200);
    ck_assert_msg(m == NULL, "an event (%d) after the resync", m ? (int)m->event->body_case : 0);
    /* The connection is served: the whole is refused with the reason, a page is watched
     * and holds every project written. */
    m = watch_raw(whole_watcher, NULL, false);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__RESOURCE_EXHAUSTED);
    ck_assert_str_eq(m->response->status->reason, "too_large");
    net_free(whole_watcher, m);
    Reno__GetStatus view = RENO__GET_STATUS__INIT;
    held = watch_page(whole_watcher, &view, true);
    ck_assert_int_eq(held->projects_in_programme, 2 + created + 1);
    reno__status_reply__free_unpacked(held, NULL);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM project"), 2 + created + 1);

    net_close(whole_watcher);
    net_close(delta_watcher);
    ck_assert_int_eq(h_server_stop(&small), 0);
    char token[128];
    snprintf(token, sizeof token, "%s/reno/token", dir);
    unlink(token);
    snprintf(token, sizeof token, "%s/reno", dir);
    rmdir(token);
    rmdir(dir);
}
END_TEST

/* A page that grows over a small reply limit while it is watched is the same: a Resync
 * saying to watch a smaller page, the watch ended, the connection kept. */
START_TEST(a_page_over_the_limit_is_a_resync_not_a_closed_connection)
{
    long first = h_project_id(h_db, 0), second = h_project_id(h_db, 1);
    Reno__GetStatus view = RENO__GET_STATUS__INIT;
    view.project_id = first;
    Reno__StatusReply *held = watch_page(office, &view, false);
    /* The page as it travels: in the compact form the client asks for. */
    Reno__StatusReply sent = *held;
    struct status_form form;
    ck_assert(status_form_compact(&sent, &form));
    size_t page = reno__status_reply__get_packed_size(&sent);
    status_form_release(&form);
    reno__status_reply__free_unpacked(held, NULL);
    struct h_server small;
    char limit[24];
    snprintf(limit, sizeof limit, "%zu", page + 200);
    const char *extra[] = {"--max-reply", limit, NULL};
    h_server_start(&small, h_db, extra);
    struct net_conn *c = h_login(&small, H_LEADER);
    reno__status_reply__free_unpacked(watch_page(c, &view, false), NULL);

    /* A community's name of a hundred characters: 300 bytes more on the page. */
    char name[400] = "";
    for (int i = 0; i < 100; i++)
        strcat(name, "长");
    rename_project(first, name);
    Reno__ServerMessage *m = next_event(c, 5000);
    ck_assert_msg(m != NULL && m->event->body_case == RENO__EVENT__BODY_RESYNC,
                  "no resync when the page grew over the limit (%d)",
                  m ? (int)m->event->body_case : -1);
    ck_assert_ptr_nonnull(strstr(m->event->resync->reason, "watch a smaller page"));
    net_free(c, m);
    /* The connection is served: another project's page is watched and hears its push. */
    view.project_id = second;
    reno__status_reply__free_unpacked(watch_page(c, &view, false), NULL);
    push(second, 7);
    m = next_event(c, 5000);
    ck_assert_msg(m != NULL && m->event->body_case == RENO__EVENT__BODY_STATUS_CHANGED,
                  "no event on the other page (%d)", m ? (int)m->event->body_case : -1);
    ck_assert_int_eq(m->event->status_changed->status->projects[0]->households_started, 7);
    net_free(c, m);
    net_close(c);
    ck_assert_int_eq(h_server_stop(&small), 0);
}
END_TEST

Suite *it_watch_page_suite(void)
{
    Suite *s = suite_create("it_watch_page");
    TCase *tc = tcase_create("watch_page");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_page_watcher_hears_its_page_and_the_totals_only);
    tcase_add_test(tc, a_page_watcher_without_deltas_gets_its_page_whole);
    tcase_add_test(tc, the_whole_status_over_the_limit_is_refused_with_a_reason);
    tcase_add_test(tc, a_page_of_two_thousand_projects_starts_small);
    tcase_add_test(tc, distinct_views_are_bounded);
    tcase_add_test(tc, a_page_and_its_events_stay_the_size_of_a_page);
    tcase_add_test(tc, a_whole_status_watcher_is_told_to_watch_a_page_when_it_outgrows_the_limit);
    tcase_add_test(tc, a_page_over_the_limit_is_a_resync_not_a_closed_connection);
    suite_add_tcase(s, tc);
    return s;
}
