/*
 * reno report: preview the reports that go up, issue them, and fetch them again as
 * issued.
 *
 *   reno report round DATE|--round-date DATE [--format md|csv|json|html] [-o FILE]
 *                          [--issue [--replaces 文号] [--key HEX32]]
 *   reno report notice MONTH|--month MONTH ...
 *   reno report evaluation PROJECT|--project PROJECT ...
 *   reno report show ID [-o FILE]
 *
 * Without --issue a report is a preview: built from the data as it stands, marked 预览
 * on the page, stored nowhere. --issue is the office's act that numbers (文号) and
 * stores it. The document goes to FILE (or standard output); its 文号, id, digest and
 * the audit-log position it was built from go to standard error, so that a pipeline
 * gets the document alone. `reno report list` and `reno report get` are generic
 * operations (cmd_op.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "i18n.h"
#include "cmd.h"
#include "hex.h"
#include "output.h"

static int write_content(const char *path, const ProtobufCBinaryData *content)
{
    FILE *f = path ? fopen(path, "wb") : stdout;
    if (f == NULL) {
        output_error(_("cannot write %s: %s"), path, strerror(errno));
        return CMD_EXIT_LOCAL;
    }
    size_t n = content->len ? fwrite(content->data, 1, content->len, f) : 0;
    int bad = n != content->len || ferror(f);
    if (path && fclose(f) != 0)
        bad = 1;
    if (bad) {
        output_error(_("cannot write %s: %s"), path ? path : "the output", strerror(errno));
        return CMD_EXIT_LOCAL;
    }
    return CMD_EXIT_OK;
}

static void describe(const Reno__IssuedReport *r, const char *path)
{
    if (strcmp(r->status, "preview") == 0) {
        fprintf(stderr,
                _("preview (not issued, stored nowhere): %s, %zu bytes%s%s, sha256 %s, audit "
                  "position %lld; issue it with --issue\n"),
                r->subject, r->content.len, path ? " → " : "", path ? path : "", r->sha256,
                (long long)r->audit_position);
        output_standby(stderr, r->from_standby, r->standby_lag_ms);
        return;
    }
    fprintf(stderr,
            _("report %lld%s%s%s%s: %s %s, %zu bytes%s%s, sha256 %s, audit position %lld\n"),
            (long long)r->report_id, r->doc_number[0] ? " " : "", r->doc_number,
            strcmp(r->status, "replaced") == 0 ? _(" (replaced)") : "",
            r->replayed ? _(" (issued earlier with this key)") : "", r->subject, r->issued_at,
            r->content.len, path ? " → " : "", path ? path : "", r->sha256,
            (long long)r->audit_position);
    if (r->replaces[0])
        fprintf(stderr, _("it replaces %s, which stays on record marked replaced\n"), r->replaces);
}

static int parse_format(const struct cmd *self, const char *text, Reno__ReportFormat *out)
{
    static const char *const names[] = {NULL, "md", "csv", "json", "html", "pdf"};
    for (int i = 1; i <= 5; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = (Reno__ReportFormat)i;
            return CMD_CONTINUE;
        }
    }
    return cmd_usage_error(self, _("--format must be md, csv, json, html or pdf, not '%s'"), text);
}

/* The option that names a report's subject, as the other commands name the same thing:
 * `round missing --round-date`, `progress push --project`. The subject may also be given
 * as the one word that is not an option. */
static const char *subject_option(Reno__ReportKind kind)
{
    switch (kind) {
    case RENO__REPORT_KIND__REPORT_KIND_ROUND:
        return "round-date";
    case RENO__REPORT_KIND__REPORT_KIND_NOTICE:
        return "month";
    default:
        return "project";
    }
}

static int issue(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv,
                 Reno__ReportKind kind)
{
    const char *format_text = "md", *out = NULL, *key_text = NULL, *replaces = NULL;
    const char *subject = NULL, *named = NULL;
    bool issue_it = false;
    /* The subject is the one word that is not an option. */
    if (argc > 0 && strncmp(argv[0], "--", 2) != 0 && strcmp(argv[0], "-o") != 0) {
        subject = argv[0];
        argc--;
        argv++;
    }
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else
            rest[nrest++] = argv[i];
    }
    const struct cmd_option opts[] = {
        {"format", &format_text, NULL}, {"output", &out, NULL},
        {"key", &key_text, NULL},       {"issue", NULL, &issue_it},
        {"replaces", &replaces, NULL},  {subject_option(kind), &named, NULL}};
    int rc = cmd_parse(self, nrest, rest, opts, sizeof opts / sizeof opts[0]);
    free(rest);
    if (rc != CMD_CONTINUE)
        return rc;
    if (subject != NULL && named != NULL && strcmp(subject, named) != 0)
        return cmd_usage_error(self, _("'%s' and --%s %s name two different reports: give one"),
                               subject, subject_option(kind), named);
    if (subject == NULL)
        subject = named;
    if (subject == NULL)
        return cmd_usage_error(self, _("which %s?"), self->usage);
    if (!issue_it && (replaces || key_text))
        return cmd_usage_error(self,
                               _("--%s goes with --issue (without it, a report is a preview)"),
                               replaces ? "replaces" : "key");
    Reno__ReportFormat format = RENO__REPORT_FORMAT__REPORT_FORMAT_MD;
    rc = parse_format(self, format_text, &format);
    if (rc != CMD_CONTINUE)
        return rc;
    uint8_t key[16];
    if (key_text) {
        if (!hex_decode(key_text, key, sizeof key))
            return cmd_usage_error(self, _("--key must be 32 hexadecimal digits"));
    } else {
        randombytes_buf(key, sizeof key);
    }
    rc = cmd_resume(ctx, NULL, NULL);
    if (rc != CMD_EXIT_OK)
        return rc;
    Reno__IssueReport ir = RENO__ISSUE_REPORT__INIT;
    ir.idempotency_key.data = key;
    ir.idempotency_key.len = sizeof key;
    ir.kind = kind;
    ir.subject = (char *)subject;
    ir.format = format;
    ir.issue = issue_it;
    ir.replaces = (char *)(replaces ? replaces : "");
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_ISSUE_REPORT;
    req.issue_report = &ir;
    Reno__ServerMessage *m = NULL;
    rc = cmd_call(ctx, &req, RENO__RESPONSE__BODY_ISSUE_REPORT, &m);
    if (issue_it && rc == CMD_EXIT_REFUSED + RENO__STATUS_CODE__UNAVAILABLE) {
        char hex[33];
        hex_encode(key, sizeof key, hex);
        output_error(_("retry with --key %s"), hex);
    }
    if (rc != CMD_EXIT_OK)
        return rc;
    rc = write_content(out, &m->response->issue_report->content);
    describe(m->response->issue_report, out);
    cmd_free(ctx, m);
    return rc;
}

static int run_round(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    return issue(self, ctx, argc, argv, RENO__REPORT_KIND__REPORT_KIND_ROUND);
}

static int run_notice(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    return issue(self, ctx, argc, argv, RENO__REPORT_KIND__REPORT_KIND_NOTICE);
}

static int run_evaluation(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    return issue(self, ctx, argc, argv, RENO__REPORT_KIND__REPORT_KIND_EVALUATION);
}

static int run_show(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    const char *out = NULL;
    const char *id_text = NULL;
    if (argc > 0 && strncmp(argv[0], "-", 1) != 0) {
        id_text = argv[0];
        argc--;
        argv++;
    }
    if (argc == 2 && strcmp(argv[0], "-o") == 0) {
        out = argv[1];
        argc = 0;
    }
    const struct cmd_option opts[] = {{"output", &out, NULL}};
    int rc = cmd_parse(self, argc, argv, opts, sizeof opts / sizeof opts[0]);
    if (rc != CMD_CONTINUE)
        return rc;
    long long id = 0;
    if (id_text == NULL)
        return cmd_usage_error(self, _("which report? (see reno report list)"));
    if (!cmd_parse_number(self, "ID", id_text, 1, INT64_MAX, &id))
        return CMD_EXIT_USAGE;
    rc = cmd_resume(ctx, NULL, NULL);
    if (rc != CMD_EXIT_OK)
        return rc;
    Reno__GetReport gr = RENO__GET_REPORT__INIT;
    gr.report_id = id;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_REPORT;
    req.get_report = &gr;
    Reno__ServerMessage *m = NULL;
    rc = cmd_call(ctx, &req, RENO__RESPONSE__BODY_GET_REPORT, &m);
    if (rc != CMD_EXIT_OK)
        return rc;
    const Reno__IssuedReport *r = m->response->get_report;
    /* Prove it unchanged: the digest of what arrived is the one stored at issue. */
    uint8_t digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, r->content.data ? r->content.data : (const uint8_t *)"",
                       r->content.len);
    char hex[2 * sizeof digest + 1];
    hex_encode(digest, sizeof digest, hex);
    if (strcmp(hex, r->sha256) != 0) {
        output_error(_("report %lld: content digest %s does not match the stored %s"),
                     (long long)r->report_id, hex, r->sha256);
        cmd_free(ctx, m);
        return CMD_EXIT_TRANSPORT;
    }
    rc = write_content(out, &r->content);
    describe(r, out);
    cmd_free(ctx, m);
    return rc;
}

/* Each kind's help is written out whole, the options every report shares repeated in
 * each: xgettext does not expand macros, so a text joined from macros would reach
 * po/reno.pot as its first piece only and never be translated. */
const struct cmd cmd_report_round = {
    .name = "report round",
    .usage = "DATE|--round-date D [--format FMT] [-o FILE] [--issue]",
    .summary = N_("preview or issue the half-monthly report of a collection date (14th or 28th)"),
    .help = N_("The half-monthly progress report to the county government and the municipal\n"
               "joint-meeting office for the collection date DATE (YYYY-MM-DD, the 14th or\n"
               "the 28th): each project's progress, the plan's rules, milestones, and the rest\n"
               "of what the office consolidates.\n"
               "\n"
               "The document is built by renod from the stored data and written to FILE or\n"
               "standard output. Without --issue it is a preview: marked 预览 on the page,\n"
               "stored nowhere, as often as you like. With --issue the office issues it: it\n"
               "gets the next 文号 of its year (e.g. 紫改办〔2022〕3号) and is stored as issued\n"
               "(content, SHA-256 and the audit-log position it reflects). A round, month or\n"
               "project is issued once; to issue it again, name the 文号 it replaces (the\n"
               "replaced one stays, marked replaced).\n"
               "\n"
               "Options:\n"
               "  --format FMT    md (default), csv, json, html (a printable page with a\n"
               "                  chart) or pdf (the printed 公文, A4, with its charts; use\n"
               "                  -o FILE)\n"
               "  -o, --output F  write the document to F\n"
               "  --issue         issue it (the office's): number and store it\n"
               "  --replaces NO   with --issue: the 文号 of the issued report it replaces\n"
               "  --key HEX32     with --issue: idempotency key; the same key gives back\n"
               "                  the report it issued\n"
               "  --help          show this help\n"
               "\n"
               "Examples:\n"
               "  reno report round 2022-05-14\n"
               "  reno report round 2022-05-14 --format pdf -o 2022-05-14.pdf --issue\n"),
    .run = run_round,
};

const struct cmd cmd_report_notice = {
    .name = "report notice",
    .usage = "MONTH|--month M [--format FMT] [-o FILE] [--issue]",
    .summary = N_("preview or issue the monthly notice (通报) for MONTH (YYYY-MM)"),
    .help = N_("The monthly notice per unit for MONTH (YYYY-MM).\n"
               "\n"
               "The document is built by renod from the stored data and written to FILE or\n"
               "standard output. Without --issue it is a preview: marked 预览 on the page,\n"
               "stored nowhere, as often as you like. With --issue the office issues it: it\n"
               "gets the next 文号 of its year (e.g. 紫改办〔2022〕3号) and is stored as issued\n"
               "(content, SHA-256 and the audit-log position it reflects). A round, month or\n"
               "project is issued once; to issue it again, name the 文号 it replaces (the\n"
               "replaced one stays, marked replaced).\n"
               "\n"
               "Options:\n"
               "  --format FMT    md (default), csv, json, html (a printable page with a\n"
               "                  chart) or pdf (the printed 公文, A4, with its charts; use\n"
               "                  -o FILE)\n"
               "  -o, --output F  write the document to F\n"
               "  --issue         issue it (the office's): number and store it\n"
               "  --replaces NO   with --issue: the 文号 of the issued report it replaces\n"
               "  --key HEX32     with --issue: idempotency key; the same key gives back\n"
               "                  the report it issued\n"
               "  --help          show this help\n"
               "\n"
               "Examples:\n"
               "  reno report notice 2022-05\n"
               "  reno report notice 2022-05 --format pdf -o 2022-05.pdf --issue\n"),
    .run = run_notice,
};

const struct cmd cmd_report_evaluation = {
    .name = "report evaluation",
    .usage = "PROJECT|--project P [--format FMT] [-o FILE] [--issue]",
    .summary = N_("preview or issue a project's performance evaluation"),
    .help = N_("The performance evaluation (绩效评估) of project PROJECT (its id).\n"
               "\n"
               "The document is built by renod from the stored data and written to FILE or\n"
               "standard output. Without --issue it is a preview: marked 预览 on the page,\n"
               "stored nowhere, as often as you like. With --issue the office issues it: it\n"
               "gets the next 文号 of its year (e.g. 紫改办〔2022〕3号) and is stored as issued\n"
               "(content, SHA-256 and the audit-log position it reflects). A round, month or\n"
               "project is issued once; to issue it again, name the 文号 it replaces (the\n"
               "replaced one stays, marked replaced).\n"
               "\n"
               "Options:\n"
               "  --format FMT    md (default), csv, json, html (a printable page with a\n"
               "                  chart) or pdf (the printed 公文, A4, with its charts; use\n"
               "                  -o FILE)\n"
               "  -o, --output F  write the document to F\n"
               "  --issue         issue it (the office's): number and store it\n"
               "  --replaces NO   with --issue: the 文号 of the issued report it replaces\n"
               "  --key HEX32     with --issue: idempotency key; the same key gives back\n"
               "                  the report it issued\n"
               "  --help          show this help\n"
               "\n"
               "Examples:\n"
               "  reno report evaluation 1\n"
               "  reno report evaluation 1 --format pdf -o 1.pdf --issue\n"),
    .run = run_evaluation,
};

const struct cmd cmd_report_show = {
    .name = "report show",
    .usage = "ID [-o FILE]",
    .summary = N_("an issued report again, byte for byte, its digest checked"),
    .help = N_("Fetches issued report ID as it was issued, checks its SHA-256 against the one\n"
               "stored at issue, and writes it to FILE or standard output.\n"
               "\n"
               "Options:\n"
               "  -o, --output F  write the document to F\n"
               "  --help          show this help\n"),
    .run = run_show,
};
