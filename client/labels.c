/*
 * Labels of codes. See labels.h.
 *
 * Both tables are written in English with a context (the enum's type, the field's name),
 * so that one English word may read differently in Chinese where it means different
 * things: TASK_STATE_CLOSED is 已办结, ROUND_STATE_CLOSED 已截止. The context travels to
 * gettext as "context\004text", which is how msgctxt entries are looked up.
 */
#include "labels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "reflect.h"
#include "utf8.h"
#include "xmalloc.h"

/* A text with its context, marked for xgettext (--keyword=NC_:1c,2). */
#define NC_(context, text) context, text

struct label {
    const char *key; /* the enum value's name, or the field's name */
    const char *context;
    const char *text;
};

static const struct label enum_labels[] = {
    {"LINE_SEGMENT_INSIDE_RED_LINE", NC_("LineSegment", "inside the red line")},
    {"LINE_SEGMENT_OUTSIDE_RED_LINE", NC_("LineSegment", "outside the red line")},
    {"LINE_SEGMENT_OVERHEAD", NC_("LineSegment", "overhead lines")},
    {"LINE_PART_TRENCH", NC_("LinePart", "trench")},
    {"LINE_PART_DUCTS", NC_("LinePart", "ducts")},
    {"LINE_PART_BACKFILL", NC_("LinePart", "backfill")},
    {"LINE_PART_LAY_LINES", NC_("LinePart", "lines laid")},
    {"LINE_PART_CLEAR_OLD_LINES", NC_("LinePart", "old lines cleared")},
    {"LINE_PART_OUTSIDE_WORKS", NC_("LinePart", "works outside the red line")},
    {"LINE_PART_OVERHEAD_TIDY", NC_("LinePart", "overhead lines tidied")},
    {"LINE_WORK_STATUS_PLANNED", NC_("LineWorkStatus", "planned")},
    {"LINE_WORK_STATUS_IN_PROGRESS", NC_("LineWorkStatus", "in progress")},
    {"LINE_WORK_STATUS_DONE", NC_("LineWorkStatus", "done")},
    {"SURVEY_KIND_WILLINGNESS", NC_("SurveyKind", "willingness")},
    {"SURVEY_KIND_SATISFACTION", NC_("SurveyKind", "satisfaction")},
    {"ACCEPTANCE_RESULT_PASSED", NC_("AcceptanceResult", "passed")},
    {"ACCEPTANCE_RESULT_FAILED", NC_("AcceptanceResult", "failed")},
    {"ACCEPTANCE_COPY_HOLDER_SELF_MANAGEMENT_GROUP",
     NC_("AcceptanceCopyHolder", "residents' self-management group")},
    {"ACCEPTANCE_COPY_HOLDER_COMMUNITY", NC_("AcceptanceCopyHolder", "community (社区)")},
    {"ACCEPTANCE_COPY_HOLDER_HOUSING_BUREAU", NC_("AcceptanceCopyHolder", "housing bureau")},
    {"MANAGEMENT_MODE_SELF_GOVERNANCE", NC_("ManagementMode", "residents' self-governance")},
    {"MANAGEMENT_MODE_COMMUNITY", NC_("ManagementMode", "community management")},
    {"MANAGEMENT_MODE_PROPERTY_COMPANY", NC_("ManagementMode", "property management company")},
    {"EVALUATION_DIMENSION_AREA_HOUSEHOLDS", NC_("EvaluationDimension", "area and households")},
    {"EVALUATION_DIMENSION_CONTENT", NC_("EvaluationDimension", "content")},
    {"EVALUATION_DIMENSION_STANDARDS", NC_("EvaluationDimension", "standards")},
    {"EVALUATION_DIMENSION_MATCHING_FUNDS", NC_("EvaluationDimension", "matching funds")},
    {"EVALUATION_DIMENSION_MANAGEMENT", NC_("EvaluationDimension", "long-term management")},
    {"CONTRACT_KIND_CONSTRUCTION", NC_("ContractKind", "construction")},
    {"CONTRACT_KIND_SUPERVISION", NC_("ContractKind", "supervision (监理)")},
    {"CONTRACT_KIND_DESIGN", NC_("ContractKind", "design")},
    {"CONTRACT_KIND_SUPPLIER", NC_("ContractKind", "supplier")},
    {"CONTRACT_KIND_AUDIT", NC_("ContractKind", "audit")},
    {"OVERSIGHT_KIND_SUPERVISION", NC_("OversightKind", "site supervision")},
    {"OVERSIGHT_KIND_TRACKING_AUDIT", NC_("OversightKind", "tracking audit")},
    {"FUND_SOURCE_CENTRAL_SUBSIDY", NC_("FundSource", "central subsidy")},
    {"FUND_SOURCE_PROVINCIAL_SUBSIDY", NC_("FundSource", "provincial subsidy")},
    {"FUND_SOURCE_COUNTY_FUND", NC_("FundSource", "county funds")},
    {"FUND_SOURCE_RESIDENT_DIRECT", NC_("FundSource", "residents' contribution")},
    {"FUND_SOURCE_MAINTENANCE_FUND", NC_("FundSource", "maintenance fund")},
    {"FUND_SOURCE_PROVIDENT_FUND", NC_("FundSource", "provident fund")},
    {"FUND_SOURCE_PUBLIC_INCOME", NC_("FundSource", "public income")},
    {"FUND_SOURCE_LABOUR", NC_("FundSource", "labour")},
    {"FUND_SOURCE_UTILITY_INVESTMENT", NC_("FundSource", "utility investment")},
    {"GROUP_ROLE_LEADER", NC_("GroupRole", "leader")},
    {"GROUP_ROLE_DEPUTY", NC_("GroupRole", "deputy leader")},
    {"GROUP_ROLE_MEMBER", NC_("GroupRole", "member")},
    {"RENOVATION_TYPE_COMPREHENSIVE", NC_("RenovationType", "comprehensive renovation")},
    {"RENOVATION_TYPE_DEMOLITION", NC_("RenovationType", "demolition and rebuilding")},
    {"FLAG_CHANGE_YES", NC_("FlagChange", "yes")},
    {"FLAG_CHANGE_NO", NC_("FlagChange", "no")},
    {"CONTENT_CLASS_BASIC", NC_("ContentClass", "basic")},
    {"CONTENT_CLASS_IMPROVEMENT", NC_("ContentClass", "improvement")},
    {"CONTENT_CLASS_ENHANCEMENT", NC_("ContentClass", "enhancement")},
    {"PROJECT_ITEM_STATUS_PLANNED", NC_("ProjectItemStatus", "planned")},
    {"PROJECT_ITEM_STATUS_IN_PROGRESS", NC_("ProjectItemStatus", "in progress")},
    {"PROJECT_ITEM_STATUS_DONE", NC_("ProjectItemStatus", "done")},
    {"PROJECT_ITEM_STATUS_CANCELLED", NC_("ProjectItemStatus", "cancelled")},
    {"MILESTONE_STATUS_DONE", NC_("MilestoneStatus", "done")},
    {"MILESTONE_STATUS_DUE", NC_("MilestoneStatus", "due")},
    {"MILESTONE_STATUS_OVERDUE", NC_("MilestoneStatus", "overdue")},
    {"OK", NC_("StatusCode", "ok")},
    {"BAD_REQUEST", NC_("StatusCode", "bad request")},
    {"UNAUTHENTICATED", NC_("StatusCode", "not logged in")},
    {"PERMISSION_DENIED", NC_("StatusCode", "not permitted")},
    {"NOT_FOUND", NC_("StatusCode", "not found")},
    {"CONFLICT", NC_("StatusCode", "conflict")},
    {"UNAVAILABLE", NC_("StatusCode", "unavailable")},
    {"INTERNAL", NC_("StatusCode", "internal error")},
    {"RESOURCE_EXHAUSTED", NC_("StatusCode", "too much")},
    {"ROLE_OFFICE", NC_("Role", "office")},
    {"ROLE_DEPARTMENT", NC_("Role", "department")},
    {"ROLE_UTILITY", NC_("Role", "utility company")},
    {"ROLE_LEADER", NC_("Role", "leader")},
    {"SESSION_END_EXPIRED", NC_("SessionEndReason", "expired")},
    {"SESSION_END_LOGGED_OUT", NC_("SessionEndReason", "logged out")},
    {"SESSION_END_REVOKED", NC_("SessionEndReason", "revoked")},
    {"SESSION_END_ACCOUNT_DISABLED", NC_("SessionEndReason", "account disabled")},
    {"SESSION_END_PASSWORD_CHANGED", NC_("SessionEndReason", "password changed")},
    {"VERDICT_MET", NC_("Verdict", "met")},
    {"VERDICT_PENDING", NC_("Verdict", "pending")},
    {"VERDICT_MISSED", NC_("Verdict", "missed")},
    {"LIGHT_GREEN", NC_("Light", "green")},
    {"LIGHT_YELLOW", NC_("Light", "yellow")},
    {"LIGHT_RED", NC_("Light", "red")},
    {"REPORT_KIND_ROUND", NC_("ReportKind", "half-monthly report")},
    {"REPORT_KIND_NOTICE", NC_("ReportKind", "monthly notice")},
    {"REPORT_KIND_EVALUATION", NC_("ReportKind", "performance evaluation")},
    {"REPORT_FORMAT_MD", NC_("ReportFormat", "Markdown")},
    {"REPORT_FORMAT_CSV", NC_("ReportFormat", "CSV")},
    {"REPORT_FORMAT_JSON", NC_("ReportFormat", "JSON")},
    {"REPORT_FORMAT_HTML", NC_("ReportFormat", "HTML")},
    {"TASK_STATE_OPEN", NC_("TaskState", "open")},
    {"TASK_STATE_REPLIED", NC_("TaskState", "replied")},
    {"TASK_STATE_RETURNED", NC_("TaskState", "returned")},
    {"TASK_STATE_CLOSED", NC_("TaskState", "closed")},
    {"MEETING_MODE_ROOM", NC_("MeetingMode", "meeting room")},
    {"MEETING_MODE_SITE", NC_("MeetingMode", "on site")},
    {"WEEKEND_RULE_KEEP", NC_("WeekendRule", "keep the date")},
    {"WEEKEND_RULE_PREVIOUS_WORKDAY", NC_("WeekendRule", "previous workday")},
    {"WEEKEND_RULE_NEXT_WORKDAY", NC_("WeekendRule", "next workday")},
    {"ROUND_STATE_UPCOMING", NC_("RoundState", "upcoming")},
    {"ROUND_STATE_OPEN", NC_("RoundState", "open")},
    {"ROUND_STATE_CLOSED", NC_("RoundState", "closed")},
    {"FUND_APPLICATION_OUTCOME_PENDING", NC_("FundApplicationOutcome", "pending")},
    {"FUND_APPLICATION_OUTCOME_APPROVED", NC_("FundApplicationOutcome", "approved")},
    {"FUND_APPLICATION_OUTCOME_REJECTED", NC_("FundApplicationOutcome", "rejected")},
    {"OFFICE_ROLE_DIRECTOR", NC_("OfficeRole", "office director")},
    {"OFFICE_ROLE_DEPUTY_DIRECTOR", NC_("OfficeRole", "office deputy director")},
    /* Not an enum: FundApplication.state is text; label_code() finds these by the field's
     * name. */
    {"FUND_APPLICATION_STATE_PREPARING", NC_("FundApplicationState", "preparing")},
    {"FUND_APPLICATION_STATE_OVERDUE", NC_("FundApplicationState", "overdue, not submitted")},
    {"FUND_APPLICATION_STATE_SUBMITTED", NC_("FundApplicationState", "submitted")},
    {"FUND_APPLICATION_STATE_LATE", NC_("FundApplicationState", "submitted late")},
    {"FUND_APPLICATION_STATE_DECIDED", NC_("FundApplicationState", "answered")},
    /* Not an enum: Right.basis is text, "plan" or "county"; label_code() finds these by
     * the field's name. English keeps the words renod sends. */
    /* Not an enum: IssuedReport.status is text; label_code() finds these by the field's
     * name. */
    {"REPORT_STATUS_PREVIEW", NC_("ReportStatus", "preview")},
    {"REPORT_STATUS_ISSUED", NC_("ReportStatus", "issued")},
    {"REPORT_STATUS_REPLACED", NC_("ReportStatus", "replaced")},
    {"BASIS_PLAN", NC_("Basis", "plan")},
    {"BASIS_COUNTY", NC_("Basis", "county")},
};

static const struct label field_labels[] = {
    {"id", NC_("id", "ID")},
    {"project_id", NC_("project_id", "project no.")},
    {"project_name", NC_("project_name", "project")},
    {"name", NC_("name", "name")},
    {"community", NC_("community", "community")},
    {"street", NC_("street", "street")},
    {"address", NC_("address", "address")},
    {"unit_code", NC_("unit_code", "unit code")},
    {"unit_name", NC_("unit_name", "unit")},
    {"utility_code", NC_("utility_code", "utility")},
    {"utility_name", NC_("utility_name", "utility")},
    {"responsible_unit_code", NC_("responsible_unit_code", "responsible unit")},
    {"households", NC_("households", "households")},
    {"households_started", NC_("households_started", "started")},
    {"households_completed", NC_("households_completed", "completed")},
    {"households_in_scope", NC_("households_in_scope", "households in scope")},
    {"started_pct", NC_("started_pct", "started %")},
    {"completed_pct", NC_("completed_pct", "completed %")},
    {"renovation_type", NC_("renovation_type", "type")},
    {"segment", NC_("segment", "segment")},
    {"part", NC_("part", "part")},
    {"part_name", NC_("part_name", "part")},
    {"status", NC_("status", "status")},
    {"state", NC_("state", "state")},
    {"kind", NC_("kind", "kind")},
    {"source", NC_("source", "source")},
    {"source_name", NC_("source_name", "source")},
    {"amount", NC_("amount", "amount (yuan)")},
    {"allocated", NC_("allocated", "allocated (yuan)")},
    {"received", NC_("received", "received (yuan)")},
    {"paid", NC_("paid", "paid (yuan)")},
    {"available", NC_("available", "available (yuan)")},
    {"remaining", NC_("remaining", "remaining (yuan)")},
    {"budget", NC_("budget", "budget (yuan)")},
    {"audited_amount", NC_("audited_amount", "audited (yuan)")},
    {"investment_completed", NC_("investment_completed", "investment done (yuan)")},
    {"paid_pct", NC_("paid_pct", "paid %")},
    {"received_pct", NC_("received_pct", "received %")},
    {"counterparty", NC_("counterparty", "counterparty")},
    {"contract_id", NC_("contract_id", "contract")},
    {"awarded_on", NC_("awarded_on", "awarded on")},
    {"allocated_on", NC_("allocated_on", "allocated on")},
    {"received_on", NC_("received_on", "received on")},
    {"paid_on", NC_("paid_on", "paid on")},
    {"subsidy_batch", NC_("subsidy_batch", "subsidy batch")},
    {"document_ref", NC_("document_ref", "document")},
    {"tender_method", NC_("tender_method", "tender method")},
    {"role", NC_("role", "role")},
    {"leading_group_role", NC_("leading_group_role", "leading-group role")},
    {"in_leading_group", NC_("in_leading_group", "in leading group")},
    {"position", NC_("position", "position")},
    {"person_name", NC_("person_name", "person")},
    {"group_code", NC_("group_code", "group")},
    {"seat", NC_("seat", "seat")},
    {"seat_unit_code", NC_("seat_unit_code", "seat")},
    {"duty", NC_("duty", "duty")},
    {"leader", NC_("leader", "leader")},
    {"deputies", NC_("deputies", "deputies")},
    {"members", NC_("members", "members")},
    {"title", NC_("title", "title")},
    {"content", NC_("content", "content")},
    {"content_class", NC_("content_class", "class")},
    {"catalogue_code", NC_("catalogue_code", "catalogue item")},
    {"item_id", NC_("item_id", "item")},
    {"planned_quantity", NC_("planned_quantity", "planned")},
    {"unit_of_measure", NC_("unit_of_measure", "unit of measure")},
    {"milestone_code", NC_("milestone_code", "milestone")},
    {"due", NC_("due", "due")},
    {"done_on", NC_("done_on", "done on")},
    {"done_by", NC_("done_by", "done by")},
    {"done_by_unit", NC_("done_by_unit", "done by")},
    {"started_on", NC_("started_on", "started on")},
    {"length_m", NC_("length_m", "length (m)")},
    {"waiting_on", NC_("waiting_on", "waiting on")},
    {"handed_over_on", NC_("handed_over_on", "handed over on")},
    {"surveyed_on", NC_("surveyed_on", "surveyed on")},
    {"households_asked", NC_("households_asked", "asked")},
    {"households_agreeing", NC_("households_agreeing", "agreeing")},
    {"asked_pct", NC_("asked_pct", "asked %")},
    {"agreeing_pct", NC_("agreeing_pct", "agreeing %")},
    {"result", NC_("result", "result")},
    {"accepted_on", NC_("accepted_on", "accepted on")},
    {"defects", NC_("defects", "defects")},
    {"copies_held", NC_("copies_held", "copies held")},
    {"copies_required", NC_("copies_required", "copies required")},
    {"holder", NC_("holder", "holder")},
    {"held_by", NC_("held_by", "held by")},
    {"auditor", NC_("auditor", "auditor")},
    {"audited_on", NC_("audited_on", "audited on")},
    {"management_mode", NC_("management_mode", "management")},
    {"management_provider", NC_("management_provider", "provider")},
    {"provider", NC_("provider", "provider")},
    {"dimension", NC_("dimension", "dimension")},
    {"dimension_name", NC_("dimension_name", "dimension")},
    {"score", NC_("score", "score")},
    {"conclusion", NC_("conclusion", "conclusion")},
    {"evaluated_on", NC_("evaluated_on", "evaluated on")},
    {"task_id", NC_("task_id", "item")},
    {"subject", NC_("subject", "subject")},
    {"deadline", NC_("deadline", "deadline")},
    {"requested_deadline", NC_("requested_deadline", "requested deadline")},
    {"new_deadline", NC_("new_deadline", "new deadline")},
    {"next_deadline", NC_("next_deadline", "next deadline")},
    {"next_step", NC_("next_step", "next step")},
    {"outstanding", NC_("outstanding", "outstanding")},
    {"event", NC_("event", "event")},
    {"comment", NC_("comment", "comment")},
    {"note", NC_("note", "note")},
    {"meeting_id", NC_("meeting_id", "meeting")},
    {"held_on", NC_("held_on", "held on")},
    {"place", NC_("place", "place")},
    {"mode", NC_("mode", "mode")},
    {"attendees", NC_("attendees", "attendees")},
    {"decisions", NC_("decisions", "decisions")},
    {"round_date", NC_("round_date", "round")},
    {"effective_date", NC_("effective_date", "effective date")},
    {"window_closes_on", NC_("window_closes_on", "closes on")},
    {"window_days", NC_("window_days", "window (days)")},
    {"weekday", NC_("weekday", "weekday")},
    {"weekend_rule", NC_("weekend_rule", "weekend rule")},
    {"report_date", NC_("report_date", "report date")},
    {"reported_on", NC_("reported_on", "reported on")},
    {"submitted_at", NC_("submitted_at", "submitted at")},
    {"late", NC_("late", "late")},
    {"problems", NC_("problems", "problems")},
    {"help_needed", NC_("help_needed", "help needed")},
    {"progress_pct", NC_("progress_pct", "progress %")},
    {"last_report_date", NC_("last_report_date", "last report")},
    {"report_id", NC_("report_id", "report")},
    {"format", NC_("format", "format")},
    {"sha256", NC_("sha256", "SHA-256")},
    {"issued_at", NC_("issued_at", "issued at")},
    {"issued_by", NC_("issued_by", "issued by")},
    {"superseded", NC_("superseded", "superseded")},
    {"superseded_by", NC_("superseded_by", "superseded by")},
    {"audit_position", NC_("audit_position", "audit log to")},
    {"doc_number", NC_("doc_number", "document number")},
    {"doc_number_format", NC_("doc_number_format", "document number format")},
    {"next_doc_number", NC_("next_doc_number", "next document number")},
    {"last_doc_number", NC_("last_doc_number", "last document number")},
    {"last_subject", NC_("last_subject", "last issued for")},
    {"last_issued_at", NC_("last_issued_at", "last issued at")},
    {"replayed", NC_("replayed", "replayed")},
    {"replaces", NC_("replaces", "replaces")},
    {"replaced_by", NC_("replaced_by", "replaced by")},
    {"from_standby", NC_("from_standby", "from standby")},
    {"standby_lag_ms", NC_("standby_lag_ms", "standby lag (ms)")},
    {"at", NC_("at", "at")},
    {"entity", NC_("entity", "entity")},
    {"entity_id", NC_("entity_id", "entity ID")},
    {"action", NC_("action", "action")},
    {"before", NC_("before", "before")},
    {"after", NC_("after", "after")},
    {"username", NC_("username", "user")},
    {"disabled", NC_("disabled", "disabled")},
    {"locked", NC_("locked", "locked")},
    {"locked_until", NC_("locked_until", "locked until")},
    {"failed_logins", NC_("failed_logins", "failed logins")},
    {"last_failed_at", NC_("last_failed_at", "last failure")},
    {"created_at", NC_("created_at", "created at")},
    {"updated_at", NC_("updated_at", "updated at")},
    {"updated_by", NC_("updated_by", "updated by")},
    {"recorded_on", NC_("recorded_on", "recorded on")},
    {"recorded_by", NC_("recorded_by", "recorded by")},
    {"code", NC_("code", "code")},
    {"value", NC_("value", "value")},
    {"default_value", NC_("default_value", "default")},
    {"min_value", NC_("min_value", "min")},
    {"max_value", NC_("max_value", "max")},
    {"is_default", NC_("is_default", "default")},
    {"right", NC_("right", "right")},
    {"reason", NC_("reason", "reason")},
    {"scope", NC_("scope", "scope")},
    {"basis", NC_("basis", "basis")},
    {"plan_words", NC_("plan_words", "plan words")},
    /* The city's tables (city status, city summary). */
    {"applied_lsn", NC_("applied_lsn", "applied lsn")},
    {"closed_at", NC_("closed_at", "closed at")},
    {"connected", NC_("connected", "connected")},
    {"figures_as_of", NC_("figures_as_of", "figures as of")},
    {"jurisdiction", NC_("jurisdiction", "jurisdiction")},
    {"jurisdiction_code", NC_("jurisdiction_code", "jurisdiction code")},
    {"lag_seconds", NC_("lag_seconds", "lag seconds")},
    {"programme_code", NC_("programme_code", "programme code")},
    {"projects", NC_("projects", "projects")},
    {"projects_started", NC_("projects_started", "projects started")},
    {"subscription", NC_("subscription", "subscription")},
    {"timeliness", NC_("timeliness", "timeliness")},
    {"year", NC_("year", "year")},
    {"is_sample", NC_("is_sample", "sample")},
    {"light", NC_("light", "light")},
    {"detail", NC_("detail", "detail")},
    {"verdict", NC_("verdict", "verdict")},
    {"phase", NC_("phase", "phase")},
    {"phase_name", NC_("phase_name", "phase")},
    {"text", NC_("text", "text")},
    {"sessions", NC_("sessions", "sessions")},
    {"expires_at", NC_("expires_at", "expires at")},
    {"client_name", NC_("client_name", "client")},
    {"buildings", NC_("buildings", "buildings")},
    {"area_m2", NC_("area_m2", "area (m²)")},
    {"demolished_households", NC_("demolished_households", "demolished households")},
    {"implementing_body", NC_("implementing_body", "implementing body")},
    {"starts_on", NC_("starts_on", "starts on")},
    {"ends_on", NC_("ends_on", "ends on")},
    {"filed_on", NC_("filed_on", "filed on")},
    {"historic", NC_("historic", "historic")},
    {"demonstration", NC_("demonstration", "demonstration")},
    {"fund_name", NC_("fund_name", "fund")},
    {"submitted_on", NC_("submitted_on", "submitted on")},
    {"outcome", NC_("outcome", "outcome")},
    {"decided_on", NC_("decided_on", "decided on")},
    {"amount_approved", NC_("amount_approved", "approved (yuan)")},
    {"office_role", NC_("office_role", "office role")},
    {"county_start_by", NC_("county_start_by", "county: all started by")},
    {"county_complete_by", NC_("county_complete_by", "county: all completed by")},
    {"aligned", NC_("aligned", "aligned")},
    {"facility", NC_("facility", "facility")},
    {"maintainer", NC_("maintainer", "maintained by")},
    {"party_id", NC_("party_id", "party")},
    {"aliases", NC_("aliases", "aliases")},
    {"side", NC_("side", "side")},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* gettext with a context: the translation, or text itself where there is none. */
static const char *pgettext_label(const char *context, const char *text)
{
    char key[256];
    int n = snprintf(key, sizeof key, "%s\004%s", context, text);
    if (n < 0 || (size_t)n >= sizeof key)
        return text;
    const char *t = gettext(key);
    return t == key ? text : t;
}

static const struct label *find_enum_label(const char *value_name)
{
    for (size_t i = 0; i < COUNT(enum_labels); i++)
        if (strcmp(enum_labels[i].key, value_name) == 0)
            return &enum_labels[i];
    return NULL;
}

const char *label_enum_english(const char *value_name)
{
    const struct label *l = find_enum_label(value_name);
    return l != NULL ? l->text : NULL;
}

/* The code a person types: the value's name without the enum's prefix, in lower case. */
static const char *enum_code(const ProtobufCEnumDescriptor *ed, int value, char *buf, size_t size)
{
    char *t = reflect_enum_text(ed, value);
    if (t == NULL)
        return NULL;
    snprintf(buf, size, "%s", t);
    free(t);
    return buf;
}

const char *label_enum(const ProtobufCEnumDescriptor *ed, int value)
{
    if (value == 0)
        return NULL;
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(ed, value);
    if (v == NULL)
        return NULL;
    const struct label *l = find_enum_label(v->name);
    if (l != NULL)
        return pgettext_label(l->context, l->text);
    /* Unknown to this client: the code, which is at least what --json would say. */
    static char code[128];
    return enum_code(ed, value, code, sizeof code);
}

/* How text names a candidate: 2 exactly, 1 as a prefix, 0 not at all. */
static int names(const char *candidate, const char *text)
{
    if (candidate == NULL)
        return 0;
    if (strcasecmp(candidate, text) == 0)
        return 2;
    return strncasecmp(candidate, text, strlen(text)) == 0 ? 1 : 0;
}

void label_enum_choices(const ProtobufCEnumDescriptor *ed, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < ed->n_values; i++) {
        int value = ed->values[i].value;
        char code[128];
        if (value == 0 || enum_code(ed, value, code, sizeof code) == NULL)
            continue;
        const char *label = label_enum(ed, value);
        int n = strcmp(label, code) == 0
                    ? snprintf(out + used, size - used, "%s%s", used ? ", " : "", code)
                    : snprintf(out + used, size - used, "%s%s (%s)", used ? ", " : "", label, code);
        if (n < 0 || (size_t)n >= size - used) {
            out[used] = '\0';
            return;
        }
        used += (size_t)n;
    }
}

bool label_enum_parse(const ProtobufCEnumDescriptor *ed, const char *text, int *value, char *err,
                      size_t err_size)
{
    int exact = 0, prefix = 0;
    int exact_value = 0, prefix_value = 0;
    if (text[0] != '\0') {
        for (unsigned i = 0; i < ed->n_values; i++) {
            int v = ed->values[i].value;
            char code[128];
            if (v == 0 || enum_code(ed, v, code, sizeof code) == NULL)
                continue;
            const char *english = label_enum_english(ed->values[i].name);
            int best = names(code, text);
            int k = names(english, text);
            best = k > best ? k : best;
            k = names(label_enum(ed, v), text);
            best = k > best ? k : best;
            if (best == 2 && exact_value != v) {
                exact++;
                exact_value = v;
            } else if (best == 1 && prefix_value != v) {
                prefix++;
                prefix_value = v;
            }
        }
    }
    if (exact == 1 || (exact == 0 && prefix == 1)) {
        *value = exact == 1 ? exact_value : prefix_value;
        return true;
    }
    char choices[768];
    label_enum_choices(ed, choices, sizeof choices);
    if (prefix > 1)
        snprintf(err, err_size, _("'%s' could mean more than one of: %s"), text, choices);
    else
        snprintf(err, err_size, _("'%s' is not one of: %s"), text, choices);
    return false;
}

const char *label_code(const char *field_name, const char *code)
{
    char suffix[96];
    int n = snprintf(suffix, sizeof suffix, "_%s", code);
    if (n <= 1 || (size_t)n >= sizeof suffix)
        return code;
    for (char *p = suffix; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || *p == '_' || (*p >= '0' && *p <= '9')))
            return code; /* not a code: names and free text pass unchanged */
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 32);
    }
    char field[64];
    snprintf(field, sizeof field, "%s_", field_name);
    for (char *p = field; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 32);
    const char *found = NULL;
    bool ambiguous = false;
    for (size_t i = 0; i < COUNT(enum_labels); i++) {
        const char *key = enum_labels[i].key;
        size_t kl = strlen(key), sl = strlen(suffix);
        if (kl <= sl || strcmp(key + kl - sl, suffix) != 0)
            continue;
        const char *label = pgettext_label(enum_labels[i].context, enum_labels[i].text);
        /* The enum named after the field decides: "segment" is LINE_SEGMENT_... */
        if (strstr(key, field) != NULL)
            return label;
        if (found != NULL && strcmp(found, label) != 0)
            ambiguous = true;
        found = label;
    }
    /* Only fields that hold a code of some kind take a label from another enum: a user
     * named "office" is not the office. */
    static const char *const generic[] = {"status", "state", "kind", "side", "role", "source"};
    bool is_generic = false;
    for (size_t i = 0; i < COUNT(generic); i++)
        is_generic |= strcmp(field_name, generic[i]) == 0;
    return found != NULL && !ambiguous && is_generic ? found : code;
}

const char *label_field_word(const char *field_name)
{
    for (size_t i = 0; i < COUNT(field_labels); i++)
        if (strcmp(field_labels[i].key, field_name) == 0)
            return pgettext_label(field_labels[i].context, field_labels[i].text);
    return NULL;
}

char *label_field(const char *field_name)
{
    for (size_t i = 0; i < COUNT(field_labels); i++)
        if (strcmp(field_labels[i].key, field_name) == 0) {
            char *out = xstrdup(pgettext_label(field_labels[i].context, field_labels[i].text));
            /* English headers are written in capitals, as they always were. */
            for (char *p = out; *p; p++)
                if (*p >= 'a' && *p <= 'z')
                    *p = (char)(*p - 32);
            return out;
        }
    char *out = xstrdup(field_name);
    for (char *p = out; *p; p++)
        *p = *p == '_' ? ' ' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    return out;
}
