/*
 * A server's refusal in the user's language. See refusal.h.
 *
 * Every argument comes from the server and is printed through output_safe_text(), so that
 * a hostile or broken server cannot move the terminal. A sentence that needs an argument
 * the status does not carry is not attempted: the server's sentence is shown instead.
 */
#include "refusal.h"

#include <string.h>

#include "i18n.h"
#include "labels.h"
#include "output.h"

/* The argument i of a status, "" when it has fewer. */
static const char *arg(const Reno__Status *status, size_t i)
{
    return i < status->n_args && status->args[i] != NULL ? status->args[i] : "";
}

/* A report kind's code (IssueReport's subcommand: round, notice, evaluation) as a word. */
static const char *kind_word(const char *kind)
{
    if (strcmp(kind, "round") == 0)
        return _("the round report");
    if (strcmp(kind, "notice") == 0)
        return _("the monthly notice");
    if (strcmp(kind, "evaluation") == 0)
        return _("the evaluation report");
    return NULL;
}

/* What a reader area (reno_read_scope's funds, lines, ...) holds, in words. */
static const char *area_word(const char *area)
{
    static const struct {
        const char *code;
        const char *words;
    } areas[] = {
        {"funds", N_("the programme's funds")}, {"lines", N_("the utilities' line work")},
        {"tasks", N_("supervision items")},     {"contracts", N_("contracts")},
        {"audit", N_("the audit log")},         {"accounts", N_("accounts")},
    };
    for (size_t i = 0; i < sizeof areas / sizeof areas[0]; i++)
        if (strcmp(areas[i].code, area) == 0)
            return _(areas[i].words);
    return NULL;
}

/* The list command that shows the records a request field refers to, NULL when none. */
static const char *list_command(const char *field)
{
    static const struct {
        const char *field;
        const char *command;
    } lists[] = {
        {"project_id", "reno project list"},
        {"report_id", "reno report list"},
        {"replaces", "reno report list"},
        {"unit_code", "reno unit list"},
        {"utility_code", "reno unit list"},
        {"person_name", "reno person list"},
        {"milestone_code", "reno milestone list"},
        {"round_date", "reno round list"},
        {"subject", "reno round list"},
        {"task_id", "reno task list"},
        {"contract_id", "reno contract list"},
        {"meeting_id", "reno meeting list"},
        {"item_id", "reno item list"},
        {"code", "reno light list"},
        {"group_code", "reno group list"},
        {"username", "reno account list"},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (strcmp(lists[i].field, field) == 0)
            return lists[i].command;
    return NULL;
}

/* The enum a status's field path names ("issue_report.format"), NULL when it is none. */
static const ProtobufCEnumDescriptor *enum_of_field(const char *path)
{
    const char *dot = strchr(path, '.');
    if (dot == NULL || strchr(dot + 1, '.') != NULL || (size_t)(dot - path) >= 64)
        return NULL;
    char body[64];
    memcpy(body, path, (size_t)(dot - path));
    body[dot - path] = '\0';
    const ProtobufCFieldDescriptor *b =
        protobuf_c_message_descriptor_get_field_by_name(&reno__request__descriptor, body);
    if (b == NULL || b->type != PROTOBUF_C_TYPE_MESSAGE)
        return NULL;
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(b->descriptor, dot + 1);
    return f != NULL && f->type == PROTOBUF_C_TYPE_ENUM ? f->descriptor : NULL;
}

static void text(FILE *out, const char *s)
{
    output_safe_text(out, s);
}

/* The refusals about issuing a report (schema/functions/reports.sql). */
static bool say_report(FILE *out, const char *r, const Reno__Status *status)
{
    const char *a0 = arg(status, 0), *a1 = arg(status, 1), *a2 = arg(status, 2);
    if (strcmp(r, "already_issued") == 0 && kind_word(a0) != NULL && a2[0] != '\0') {
        /* "半月调度报告 2022-05-14 已签发，文号 紫改办〔2022〕7号；…" */
        fprintf(out, _("%s of "), kind_word(a0));
        text(out, a1);
        fputs(_(" was already issued as "), out);
        text(out, a2);
        fputs(_("; to issue a new one in its place: reno report "), out);
        text(out, a0);
        fputc(' ', out);
        text(out, a1);
        fputs(" --issue --replaces ", out);
        text(out, a2);
    } else if (strcmp(r, "no_such_report") == 0) {
        fputs(_("no issued report has the number "), out);
        text(out, a0);
        fputs(_(": reno report list shows the numbers"), out);
    } else if (strcmp(r, "replaces_other") == 0 && kind_word(a1) != NULL) {
        text(out, a0);
        fprintf(out, _(" is %s of "), kind_word(a1));
        text(out, a2);
        fputs(_(", not the report this one replaces: reno report list shows the numbers"), out);
    } else if (strcmp(r, "already_replaced") == 0 && a1[0] != '\0') {
        text(out, a0);
        fputs(_(" was already replaced; the current one is "), out);
        text(out, a1);
        fputs(_(": give --replaces "), out);
        text(out, a1);
    } else if (strcmp(r, "issued_meanwhile") == 0) {
        fputs(_("another report was issued meanwhile as "), out);
        text(out, a0);
        fputs(_(": issue this one again (it takes the next number)"), out);
    } else if (strcmp(r, "replaces_needs_issue") == 0)
        fputs(_("only an issued report replaces another: add --issue"), out);
    else if (strcmp(r, "report_whole_programme") == 0)
        fputs(_("a report shows the whole programme's money and line work, and your unit reads "
                "only its own records: ask the leading-group office for it"),
              out);
    else if (strcmp(r, "notice_month") == 0) {
        fputs(_("a monthly notice is for a month: write it YYYY-MM (2022-05), not "), out);
        text(out, a0);
    } else if (strcmp(r, "evaluation_project") == 0) {
        fputs(_("an evaluation report is for a project: give its number (reno project list), "
                "not "),
              out);
        text(out, a0);
    } else if (strcmp(r, "not_a_round") == 0) {
        text(out, a0);
        fputs(_(" is no collection date: progress is collected on the 14th and the 28th "
                "(reno round list shows the rounds)"),
              out);
    } else if (strcmp(r, "round_date_form") == 0) {
        text(out, a0);
        fputs(_(" is no date: a round report is for a collection date YYYY-MM-DD (2022-05-14)"),
              out);
    } else if (strcmp(r, "round_not_yet") == 0) {
        text(out, a0);
        fputs(_(" has not come yet: a round report is for a collection date already past"), out);
    } else if (strcmp(r, "doc_number_format") == 0 && a0[0] != '\0') {
        fputs(_("a document number format must hold "), out);
        text(out, a0);
        fputs(strcmp(a0, "{year}") == 0 ? _(" (the year)") : _(" (the number in the year)"), out);
        fputs(_(" exactly once, e.g. 紫改办〔{year}〕{n}号"), out);
    } else
        return false;
    return true;
}

/* The refusals any request may meet: a field, a right, a record, the server's state. */
static bool say_common(FILE *out, const char *r, const Reno__Status *status, const char *flag)
{
    const char *a0 = arg(status, 0), *a1 = arg(status, 1);
    if (strcmp(r, "required") == 0 && flag[0] != '\0') {
        fprintf(out, _("missing the required %s"), flag);
        if (a1[0] != '\0')
            fprintf(out, _(" (%s)"), a1);
    } else if (strcmp(r, "too_long") == 0 && flag[0] != '\0')
        fprintf(out, _("%s is too long: at most %s bytes"), flag, a1);
    else if (strcmp(r, "invalid_choice") == 0 && flag[0] != '\0') {
        /* The allowed values by their labels in the user's language, with their codes. */
        const ProtobufCEnumDescriptor *e = enum_of_field(status->field);
        char choices[768];
        if (e != NULL)
            label_enum_choices(e, choices, sizeof choices);
        fprintf(out, _("%s is not one of: "), flag);
        text(out, e != NULL ? choices : a1);
    } else if (strcmp(r, "too_large") == 0 && a1[0] != '\0' && arg(status, 2)[0] != '\0')
        fprintf(out,
                _("the whole status is %s bytes, over the server's limit of %s: watch a page "
                  "of it (reno watch without --full)"),
                a1, arg(status, 2));
    else if (strcmp(r, "too_many_views") == 0 && a0[0] != '\0')
        fprintf(out,
                _("%s different pages of this programme are watched already: watch one of "
                  "them (the first page, no search)"),
                a0);
    else if (strcmp(r, "invalid_date") == 0 && flag[0] != '\0')
        fprintf(out, _("%s must be a date YYYY-MM-DD"), flag);
    else if (strcmp(r, "in_future") == 0 && flag[0] != '\0')
        fprintf(out, _("%s is in the future"), flag);
    else if (strcmp(r, "not_allowed") == 0 && a0[0] != '\0') {
        const char *right = output_right_name(a0);
        if (a1[0] != '\0') {
            /* After the code's label: "无权操作：签发报告由领导小组办公室负责". */
            text(out, right);
            fputs(_(" is for "), out);
            text(out, a1);
            fputs(_(" to do"), out);
        } else {
            fputs(_("your unit does not hold the right "), out);
            text(out, right);
        }
    } else if (strcmp(r, "may_not_read") == 0 && area_word(a0) != NULL)
        fprintf(out, _("your unit may not read %s"), area_word(a0));
    else if (strcmp(r, "role_not_allowed") == 0) {
        fputs(_("your role may not make this request: "), out);
        text(out, a0);
    } else if (strcmp(r, "not_found") == 0 && flag[0] != '\0') {
        const char *list = list_command(a0);
        fprintf(out, _("nothing of the programme is what %s names"), flag);
        if (list != NULL)
            fprintf(out, _(": %s shows what there is"), list);
    } else if (strcmp(r, "conflict") == 0 && strcmp(a0, "idempotency_key") == 0)
        fputs(_("this idempotency key (--key) was already used for a different request: a new "
                "write needs a new key (leave --key out and reno makes one)"),
              out);
    else if (strcmp(r, "name_taken") == 0) {
        fputs(_("the programme already has a project named "), out);
        text(out, a0);
        fputs(_(": choose another name (reno project list shows them)"), out);
    } else if (strcmp(r, "round_closed") == 0) {
        fputs(_("the round of "), out);
        text(out, a0);
        fputs(_(" is closed and its figures were sent up: nothing in it changes any more"), out);
    } else if (strcmp(r, "retry_later") == 0) {
        if (status->retry_after > 0)
            fprintf(out, _("the server cannot take this now: try again in %u seconds"),
                    (unsigned)status->retry_after);
        else
            fputs(_("the server cannot take this now: try again shortly"), out);
    } else if (strcmp(r, "unavailable") == 0)
        fputs(_("the database cannot be reached now: try again shortly (a write retried with "
                "the same --key is recorded once)"),
              out);
    else if (strcmp(r, "log_in_first") == 0)
        fputs(_("log in first"), out);
    else
        return false;
    return true;
}

bool refusal_say(FILE *out, const Reno__Status *status, const char *flag)
{
    const char *r = status->reason;
    if (r == NULL || r[0] == '\0')
        return false;
    /* The report's refusals read in every language: the server's sentence names the kind
     * of report in Chinese, whatever the client's language. */
    if (say_report(out, r, status))
        return true;
    return i18n_is_chinese() && say_common(out, r, status, flag);
}
