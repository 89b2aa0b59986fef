/*
 * IssueReport: builds a report from the stored data, renders it and returns it; a
 * preview (the default) stops there, an issue stores it. Four steps, the third off the
 * loop:
 *
 *   1. reno_report_prior (issue only): a retry with the same key gets the report issued
 *      the first time, byte for byte, without building anything;
 *   2. reno_report_data: the content as records, read in one statement (one snapshot),
 *      with the audit-log position it reflects and, when issuing, the 文号 it will carry
 *      (after the rule of one issued report per kind and subject was checked) or, for a
 *      preview, the draft mark; then, for a round report, the work plan's rules as of the
 *      collection date (common/rules.c, the same verdicts as the status), measured by two
 *      statements that sum the programme in the database (the plan, then each rule's
 *      figure), so that the report's work does not grow with computing the whole status;
 *   3. rendering on the thread pool (common/report.c), since a document can be large;
 *   4. reno_report_store (issue only): content, SHA-256, audit position and 文号,
 *      committed before the reply, with its audit-log entry and idempotency record; the
 *      rules are checked again there under the programme's report lock.
 *
 * A preview is read on the streaming standby when the `standby` setting names one (how
 * far behind it was is read first, on the same pool, and goes back with the preview); when
 * the standby cannot answer, the whole preview is read again on the primary. Issuing
 * always reads and writes the primary.
 *
 * GetReport and ListReports are generic read operations (common/ops_report.def).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "date.h"
#include "dispatch.h"
#include "hex.h"
#include "log.h"
#include "op.h"
#include "reflect.h"
#include "report.h"
#include "rules.h"
#include "server.h"
#include "sql.h"
#include "xmalloc.h"

struct report_job {
    struct call *call;
    const char *kind;   /* "round", "notice", "evaluation" */
    const char *format; /* "md", "csv", "json", "html", "pdf" */
    enum report_format render_format;
    int32_t as_of; /* round reports: the collection date */
    /* Where the content is read: the primary, or for a preview the standby when the
     * `standby` setting names one; then how far behind it was (status.h). */
    struct db_pool *pool;
    bool from_standby;
    int64_t standby_lag_ms;
    char account[24];
    char programme_id[24];
    struct rules_plan plan;
    char *key_hex;
    char *digest_hex;
    struct report_doc doc;
    char *content;
    size_t len;
    uv_work_t work;
};

static void load_data(struct report_job *job);
static bool standby_failed(struct report_job *job, const struct db_error *err);

static void job_free(struct report_job *job)
{
    report_doc_done(&job->doc);
    free(job->key_hex);
    free(job->digest_hex);
    free(job->content);
    free(job);
}

static void fail_unavailable(struct report_job *job)
{
    call_fail_unavailable(job->call, true);
    job_free(job);
}

/* Replies with a reno_report_row() result (prior or stored). */
static void reply_row(struct call *call, const PGresult *res)
{
    Reno__IssuedReport *ir = (Reno__IssuedReport *)reflect_new(&reno__issued_report__descriptor);
    char err[REFLECT_ERR_SIZE];
    for (int col = 0; col < PQnfields(res); col++) {
        const char *name = PQfname(res, col);
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(&reno__issued_report__descriptor, name);
        if (f == NULL || PQgetisnull(res, 0, col))
            continue;
        if (reflect_set_text(&ir->base, f, PQgetvalue(res, 0, col), err) != 0)
            log_warn("report column %s: %s", name, err);
    }
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.body_case = RENO__RESPONSE__BODY_ISSUE_REPORT;
    resp.issue_report = ir;
    if (call_live(call))
        conn_log(&call->client->conn, LOG_INFO, "report %lld (%s %s, %zu bytes)%s",
                 (long long)ir->report_id, ir->subject, ir->sha256, ir->content.len,
                 ir->replayed ? " replayed" : "");
    call_reply(call, &resp);
    protobuf_c_message_free_unpacked(&ir->base, NULL);
}

static void stored(void *arg, const PGresult *res, const struct db_error *err)
{
    struct report_job *job = arg;
    if (err)
        call_fail_db(job->call, err);
    else if (PQntuples(res) != 1)
        call_fail(job->call, RENO__STATUS_CODE__INTERNAL, "", "report was not stored");
    else
        reply_row(job->call, res);
    job_free(job);
}

static void render_work(uv_work_t *w)
{
    struct report_job *job = w->data;
    if (job->render_format == REPORT_PDF)
        report_render_pdf(&job->doc, &job->content, &job->len);
    else
        report_render(&job->doc, job->render_format, &job->content, &job->len);
}

/* A preview goes back as rendered, with its digest, stored nowhere. */
static void reply_preview(struct report_job *job)
{
    const Reno__IssueReport *ir = job->call->req->issue_report;
    uint8_t digest[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(digest, (const uint8_t *)job->content, job->len);
    hex_encode(digest, sizeof digest, hex);
    Reno__IssuedReport r = RENO__ISSUED_REPORT__INIT;
    r.kind = ir->kind;
    r.subject = ir->subject;
    r.format = ir->format;
    r.audit_position = job->doc.audit_position;
    r.sha256 = hex;
    r.content.data = (uint8_t *)job->content;
    r.content.len = job->len;
    r.status = "preview";
    r.from_standby = job->from_standby;
    r.standby_lag_ms = job->standby_lag_ms;
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.body_case = RENO__RESPONSE__BODY_ISSUE_REPORT;
    resp.issue_report = &r;
    if (call_live(job->call))
        conn_log(&job->call->client->conn, LOG_INFO, "report preview (%s %s, %zu bytes)", job->kind,
                 ir->subject, job->len);
    call_reply(job->call, &resp);
}

static void rendered(uv_work_t *w, int status)
{
    struct report_job *job = w->data;
    if (status != 0) {
        call_fail(job->call, RENO__STATUS_CODE__INTERNAL, "", "rendering was cancelled");
        job_free(job);
        return;
    }
    if (!job->call->req->issue_report->issue) {
        reply_preview(job);
        job_free(job);
        return;
    }
    char *content_hex = xmalloc(2 * job->len + 3);
    content_hex[0] = '\\';
    content_hex[1] = 'x';
    hex_encode((const uint8_t *)job->content, job->len, content_hex + 2);
    char position[24], year[16];
    snprintf(position, sizeof position, "%lld", (long long)job->doc.audit_position);
    snprintf(year, sizeof year, "%d", job->doc.doc_year);
    const char *params[] = {job->account,
                            job->key_hex,
                            job->digest_hex,
                            job->kind,
                            job->call->req->issue_report->subject,
                            job->format,
                            content_hex,
                            position,
                            year,
                            job->doc.doc_number ? job->doc.doc_number : "",
                            job->call->req->issue_report->replaces};
    int rc = server_query(job->call->srv, SQL_REPORT_STORE, 11, params, stored, job);
    free(content_hex);
    if (rc != 0)
        fail_unavailable(job);
}

static void render(struct report_job *job)
{
    job->work.data = job;
    if (uv_queue_work(job->call->srv->loop, &job->work, render_work, rendered) != 0) {
        call_fail(job->call, RENO__STATUS_CODE__INTERNAL, "", "cannot queue rendering");
        job_free(job);
    }
}

/* A query on the job's pool: the primary, or the standby a preview is read on. */
static int job_query(struct report_job *job, enum sql_stmt stmt, int nparams,
                     const char *const *params, db_cb cb)
{
    if (job->pool != job->call->srv->db)
        return db_query(job->pool, stmt, nparams, params, cb, job);
    return server_query(job->call->srv, stmt, nparams, params, cb, job);
}

static int32_t int_at(const PGresult *res, int col)
{
    return (int32_t)strtol(PQgetvalue(res, 0, col), NULL, 10);
}

static int32_t date_at(const PGresult *res, int col)
{
    int32_t day;
    return date_parse(PQgetvalue(res, 0, col), &day) ? day : 0;
}

/* The work plan's rules as of the collection date, as `reno status` shows them. */
static void rules_measured(void *arg, const PGresult *res, const struct db_error *err)
{
    struct report_job *job = arg;
    if (standby_failed(job, err))
        return;
    if (err) {
        call_fail_db(job->call, err);
        job_free(job);
        return;
    }
    if (PQntuples(res) != 1) {
        call_fail(job->call, RENO__STATUS_CODE__INTERNAL, "", "the rules were not measured");
        job_free(job);
        return;
    }
    struct rules_measure m = {
        .projects_registered = int_at(res, 0),
        .households_registered = int_at(res, 1),
        .households_started = int_at(res, 2),
        .projects_started = int_at(res, 3),
        .households_completed = int_at(res, 4),
    };
    struct rule_check checks[RULE_COUNT];
    rules_evaluate(&job->plan, job->as_of, &m, checks);
    const int32_t households = m.households_registered;
    const int32_t target_households = job->plan.target_households;

    const char *columns[] = {"计划要求", "期限", "结论", "依据"};
    struct report_table *t = report_add_table(&job->doc, "二、计划节点核查", 4, columns);
    for (size_t i = 0; i < RULE_COUNT; i++) {
        const struct rule_check *r = &checks[i];
        const char *verdict = r->verdict == RULE_MET      ? "已达到"
                              : r->verdict == RULE_MISSED ? "未达到"
                                                          : "进行中";
        char title[160], basis[240], due[DATE_TEXT_SIZE];
        date_format(r->due, due);
        double pct = r->denominator > 0 ? 100.0 * r->actual / r->denominator : 0.0;
        if (strcmp(r->code, "start_share") == 0) {
            snprintf(title, sizeof title, "开工户数不低于%.0f%%",
                     r->denominator > 0 ? 100.0 * r->required / r->denominator : 0.0);
            snprintf(basis, sizeof basis, "已开工 %d 户 / %d 户（%.1f%%），要求不少于 %d 户",
                     r->actual, r->denominator, pct, r->required);
        } else if (strcmp(r->code, "start_all") == 0) {
            snprintf(title, sizeof title, "所有项目开工");
            snprintf(basis, sizeof basis, "已开工项目 %d 个 / 已登记 %d 个（至少一户开工即为开工）",
                     r->actual, r->denominator);
        } else if (strcmp(r->code, "registered") == 0) {
            /* The registered projects and their households in scope against the plan's
             * targets, in the document's words (the rule's detail is the status's English). */
            snprintf(title, sizeof title, "登记项目与计划一致（%d 个）", r->required);
            snprintf(basis, sizeof basis, "已登记项目 %d 个、改造户数 %d 户；计划 %d 个、%d 户%s",
                     r->actual, households, r->required, target_households,
                     r->actual == r->required && households == target_households ? ""
                                                                                 : "（不一致）");
        } else {
            snprintf(title, sizeof title, "全面完成改造");
            snprintf(basis, sizeof basis, "已完工 %d 户 / %d 户（%.1f%%）", r->actual,
                     r->denominator, pct);
        }
        report_table_row(t, (const char *const[]){title, due, verdict, basis});
    }
    /* Tables in the order of their numbering: the rules are the second. */
    if (job->doc.ntables >= 2) {
        struct report_table rules = job->doc.tables[job->doc.ntables - 1];
        memmove(&job->doc.tables[2], &job->doc.tables[1],
                (job->doc.ntables - 2) * sizeof job->doc.tables[0]);
        job->doc.tables[1] = rules;
    }
    render(job);
}

/* The plan's targets and rule dates; then each rule's figure as of min(collection date,
 * the rule's due date), summed over the programme. */
static void plan_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct report_job *job = arg;
    if (standby_failed(job, err))
        return;
    if (err) {
        call_fail_db(job->call, err);
        job_free(job);
        return;
    }
    if (PQntuples(res) != 1) {
        call_fail(job->call, RENO__STATUS_CODE__NOT_FOUND, "", "programme not found");
        job_free(job);
        return;
    }
    struct rules_plan *plan = &job->plan;
    plan->target_households = int_at(res, 2);
    plan->target_projects = int_at(res, 3);
    plan->start_share_pct = int_at(res, 4);
    plan->start_share_due = date_at(res, 5);
    plan->all_started_due = date_at(res, 6);
    plan->completion_due = date_at(res, 7);
    char d1[DATE_TEXT_SIZE], d2[DATE_TEXT_SIZE], d3[DATE_TEXT_SIZE];
    date_format(rules_measure_date(plan, RULE_START_SHARE, job->as_of), d1);
    date_format(rules_measure_date(plan, RULE_START_ALL, job->as_of), d2);
    date_format(rules_measure_date(plan, RULE_COMPLETE_ALL, job->as_of), d3);
    const char *params[] = {job->programme_id, d1, d2, d3};
    if (job_query(job, SQL_REPORT_RULES, 4, params, rules_measured) != 0)
        fail_unavailable(job);
}

/* A preview read on the standby that the standby could not answer is read again, from the
 * start, on the primary (logged; the client sees no error). True when it was. */
static bool standby_failed(struct report_job *job, const struct db_error *err)
{
    if (err == NULL || err->code != RENO__STATUS_CODE__UNAVAILABLE ||
        job->pool == job->call->srv->db)
        return false;
    log_warn("the standby failed (%s): the %s report %s is read from the primary", err->message,
             job->kind, job->call->req->issue_report->subject);
    job->pool = job->call->srv->db;
    job->from_standby = false;
    job->standby_lag_ms = 0;
    report_doc_done(&job->doc);
    report_doc_init(&job->doc);
    load_data(job);
    return true;
}

/* Builds the document from reno_report_data's records. */
static void data_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct report_job *job = arg;
    if (standby_failed(job, err))
        return;
    if (err) {
        call_fail_db(job->call, err);
        job_free(job);
        return;
    }
    struct report_doc *doc = &job->doc;
    int n = PQntuples(res);
    for (int i = 0; i < n;) {
        /* One record: the rows with the same seq, in column order. */
        int end = i;
        while (end < n && strcmp(PQgetvalue(res, end, 0), PQgetvalue(res, i, 0)) == 0)
            end++;
        const char *what = PQgetvalue(res, i, 1);
        int ncells = end - i;
        const char **cells = xcalloc((size_t)ncells + 1, sizeof *cells);
        for (int k = 0; k < ncells; k++)
            cells[k] = PQgetvalue(res, i + k, 3);
        if (strcmp(what, "meta") == 0 && ncells == 2) {
            const char *key = cells[0], *value = cells[1];
            if (strcmp(key, "title") == 0)
                report_set(&doc->title, value);
            else if (strcmp(key, "subtitle") == 0)
                report_set(&doc->subtitle, value);
            else if (strcmp(key, "issuer") == 0)
                report_set(&doc->issuer, value);
            else if (strcmp(key, "recipients") == 0)
                report_set(&doc->recipients, value);
            else if (strcmp(key, "copies") == 0)
                report_set(&doc->copies, value);
            else if (strcmp(key, "date") == 0)
                report_set(&doc->date, value);
            else if (strcmp(key, "chart_title") == 0)
                report_set(&doc->chart_title, value);
            else if (strcmp(key, "audit_position") == 0)
                doc->audit_position = strtoll(value, NULL, 10);
            else if (strcmp(key, "audit_head") == 0)
                report_set(&doc->audit_head, value);
            else if (strcmp(key, "doc_number") == 0)
                report_set(&doc->doc_number, value);
            else if (strcmp(key, "doc_year") == 0)
                doc->doc_year = (int)strtol(value, NULL, 10);
            else if (strcmp(key, "draft") == 0)
                doc->draft = 1;
        } else if (strcmp(what, "table") == 0 && ncells >= 2) {
            report_add_table(doc, cells[0], (size_t)ncells - 1, cells + 1);
        } else if (strcmp(what, "row") == 0 && doc->ntables > 0) {
            struct report_table *t = &doc->tables[doc->ntables - 1];
            const char **row = xcalloc(t->ncols, sizeof *row);
            for (size_t c = 0; c < t->ncols; c++)
                row[c] = (int)c < ncells ? cells[c] : "";
            report_table_row(t, row);
            free(row);
        } else if (strcmp(what, "note") == 0 && ncells == 1 && doc->ntables > 0) {
            report_table_note(&doc->tables[doc->ntables - 1], cells[0]);
        } else if ((strcmp(what, "series") == 0 || strcmp(what, "mark") == 0) && ncells == 3) {
            int32_t day;
            if (date_parse(cells[1], &day)) {
                double value = strtod(cells[2], NULL);
                if (what[0] == 'm') {
                    report_add_mark(doc, cells[0], day, value);
                } else {
                    struct report_series *s = NULL;
                    for (size_t k = 0; k < doc->nseries; k++)
                        if (strcmp(doc->series[k].name, cells[0]) == 0)
                            s = &doc->series[k];
                    if (s == NULL)
                        s = report_add_series(doc, cells[0]);
                    report_series_point(s, day, value);
                }
            }
        }
        free(cells);
        i = end;
    }
    if (strcmp(job->kind, "round") == 0) {
        snprintf(job->programme_id, sizeof job->programme_id, "%lld",
                 (long long)job->call->client->session.programme_id);
        const char *params[] = {job->programme_id};
        if (job_query(job, SQL_STATUS_PROGRAMME, 1, params, plan_loaded) != 0)
            fail_unavailable(job);
        return;
    }
    render(job);
}

static void load_data(struct report_job *job)
{
    const Reno__IssueReport *ir = job->call->req->issue_report;
    const char *params[] = {job->account, job->kind, ir->subject, ir->issue ? "true" : "false",
                            ir->replaces};
    if (job->pool != job->call->srv->db) {
        if (db_query(job->pool, SQL_REPORT_DATA, 5, params, data_loaded, job) == 0)
            return;
        struct db_error gone = {.code = RENO__STATUS_CODE__UNAVAILABLE};
        snprintf(gone.message, sizeof gone.message, "not connected");
        if (standby_failed(job, &gone))
            return;
    }
    if (server_query(job->call->srv, SQL_REPORT_DATA, 5, params, data_loaded, job) != 0)
        fail_unavailable(job);
}

/* How far behind the standby is, read just before the preview's content on the same
 * pool; then the content. */
static void standby_lag_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct report_job *job = arg;
    if (standby_failed(job, err))
        return;
    if (err) {
        call_fail_db(job->call, err);
        job_free(job);
        return;
    }
    if (PQntuples(res) == 1) {
        job->from_standby = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        job->standby_lag_ms = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    }
    load_data(job);
}

static void prior_checked(void *arg, const PGresult *res, const struct db_error *err)
{
    struct report_job *job = arg;
    if (err) {
        call_fail_db(job->call, err);
        job_free(job);
        return;
    }
    if (PQntuples(res) == 1) {
        reply_row(job->call, res);
        job_free(job);
        return;
    }
    load_data(job);
}

/* The subject's form depends on the kind; a refusal names the field. */
static bool check_subject(struct call *call, Reno__ReportKind kind, const char *subject,
                          int32_t *as_of)
{
    const Reno__IssueReport *ir = call->req->issue_report;
    int32_t days;
    (void)ir;
    switch (kind) {
    case RENO__REPORT_KIND__REPORT_KIND_ROUND: {
        int y, m, d;
        struct msg_reason why;
        if (!date_parse(subject, &days)) {
            msg_reason_set(&why, "round_date_form", subject, NULL, NULL);
            call_fail_why(call, RENO__STATUS_CODE__BAD_REQUEST, "issue_report.subject", &why,
                          "a round report's subject is its collection date YYYY-MM-DD");
            return false;
        }
        date_to_civil(days, &y, &m, &d);
        if (d != 14 && d != 28) {
            msg_reason_set(&why, "not_a_round", subject, NULL, NULL);
            call_fail_why(call, RENO__STATUS_CODE__BAD_REQUEST, "issue_report.subject", &why,
                          "progress is collected on the 14th and the 28th, not on %s", subject);
            return false;
        }
        if (days > call->srv->today()) {
            msg_reason_set(&why, "round_not_yet", subject, NULL, NULL);
            call_fail_why(call, RENO__STATUS_CODE__BAD_REQUEST, "issue_report.subject", &why,
                          "%s has not come yet", subject);
            return false;
        }
        *as_of = days;
        return true;
    }
    case RENO__REPORT_KIND__REPORT_KIND_NOTICE:
    case RENO__REPORT_KIND__REPORT_KIND_EVALUATION:
    default:
        return true; /* checked by reno_report_data */
    }
}

void h_issue_report(struct call *call)
{
    const Reno__IssueReport *ir = call->req->issue_report;
    static const char *const kinds[] = {NULL, "round", "notice", "evaluation"};
    static const char *const formats[] = {NULL, "md", "csv", "json", "html", "pdf"};
    if (ir->kind <= 0 || ir->kind > RENO__REPORT_KIND__REPORT_KIND_EVALUATION) {
        call_fail(call, RENO__STATUS_CODE__BAD_REQUEST, "issue_report.kind",
                  "kind must be round, notice or evaluation");
        return;
    }
    if (ir->format <= 0 || ir->format > RENO__REPORT_FORMAT__REPORT_FORMAT_PDF) {
        call_fail(call, RENO__STATUS_CODE__BAD_REQUEST, "issue_report.format",
                  "format must be md, csv, json, html or pdf");
        return;
    }
    if (strlen(ir->replaces) > 80) {
        call_fail(call, RENO__STATUS_CODE__BAD_REQUEST, "issue_report.replaces",
                  "replaces is a 文号 of at most 80 bytes");
        return;
    }
    int32_t as_of = 0;
    if (!check_subject(call, ir->kind, ir->subject, &as_of))
        return;

    struct report_job *job = xcalloc(1, sizeof *job);
    job->call = call;
    job->kind = kinds[ir->kind];
    job->format = formats[ir->format];
    job->render_format = (enum report_format)ir->format;
    job->as_of = as_of;
    report_doc_init(&job->doc);
    snprintf(job->account, sizeof job->account, "%lld",
             (long long)call->client->session.account_id);
    job->key_hex = reflect_get_text(&ir->base, protobuf_c_message_descriptor_get_field_by_name(
                                                   ir->base.descriptor, "idempotency_key"));
    job->digest_hex = xmalloc(OP_DIGEST_TEXT);
    op_digest(&ir->base, job->digest_hex);

    job->pool = call->srv->db;
    if (!ir->issue) {
        /* A preview writes nothing (no key to look up) and may be read on the standby. */
        struct db_pool *standby = call->srv->standby;
        if (standby != NULL && db_pool_healthy(standby)) {
            job->pool = standby;
            if (db_query(standby, SQL_STANDBY_LAG, 0, NULL, standby_lag_loaded, job) == 0)
                return;
            job->pool = call->srv->db;
            log_warn("the standby is unavailable: the %s report %s is read from the primary",
                     job->kind, ir->subject);
        }
        load_data(job);
        return;
    }
    const char *params[] = {job->account, job->key_hex, job->digest_hex};
    if (server_query(call->srv, SQL_REPORT_PRIOR, 3, params, prior_checked, job) != 0)
        fail_unavailable(job);
}
