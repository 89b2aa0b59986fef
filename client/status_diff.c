/*
 * What changed between two statuses (see status_diff.h). The sections are the table
 * `sections` below; rows are matched by their key text, after sorting, so a status of a
 * thousand projects is compared in n log n, not n².
 *
 * Every label carries the context "status change" so that a short English word (paid,
 * open) may read in Chinese as this view needs without changing it elsewhere.
 */
#include "status_diff.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "labels.h"
#include "rules_text.h"
#include "layout.h"
#include "log.h"
#include "output.h"
#include "reflect.h"
#include "table.h"
#include "xmalloc.h"

/* A text with its context, marked for xgettext (--keyword=NC_:1c,2). */
#define NC_(context, text) context, text
#define COUNT(a)           (sizeof(a) / sizeof((a)[0]))

/* At most this many changes per call: a status of a new day may differ everywhere. */
#define STATUS_DIFF_MAX 500

static const char *ctx_gettext(const char *context, const char *text)
{
    char key[256];
    int n = snprintf(key, sizeof key, "%s\004%s", context, text);
    if (n < 0 || (size_t)n >= sizeof key)
        return text;
    const char *t = gettext(key);
    return t == key ? text : t;
}

enum diff_format {
    FMT_INT = 0,
    FMT_MONEY,      /* yuan, as an office writes it */
    FMT_TEXT,       /* a string or a date; "" reads "-" */
    FMT_ENUM,       /* the value's label */
    FMT_BOOL,       /* yes or no */
    FMT_HOUSEHOLDS, /* an int32 with its percentage field beside it: "150 (35.0%)" */
};

struct diff_field {
    const char *name; /* the field compared */
    const char *context;
    const char *label;
    enum diff_format format;
    const char *pct; /* FMT_HOUSEHOLDS: the percentage shown with it */
};

enum {
    /* A row whose key has a zero part is not a total (the programme's light is judged,
     * not summed). */
    DIFF_NO_TOTALS = 1 << 0,
    /* Rows are facts, present or absent (a unit not reported, a guard not met): the
     * section's one field says so. */
    DIFF_PRESENCE = 1 << 1,
    /* Only rows whose "period" is empty (the rhythm's summaries; a miss is counted there). */
    DIFF_SUMMARIES = 1 << 2,
};

struct diff_section {
    enum status_section section;
    const char *rows;     /* StatusReply's field: repeated or single message; NULL: itself */
    const char *keys[3];  /* the fields that identify a row */
    const char *names[3]; /* the fields that name it for people, joined by a space */
    const struct diff_field *fields;
    size_t n_fields;
    unsigned flags;
    /* DIFF_PRESENCE: the texts of present and absent, with their context. */
    const char *present[2], *absent[2];
};

#define FIELDS(a) a, COUNT(a)

static const struct diff_field programme_fields[] = {
    {"households_started", NC_("status change", "households started"), FMT_HOUSEHOLDS,
     "started_pct"},
    {"households_completed", NC_("status change", "households completed"), FMT_HOUSEHOLDS,
     "completed_pct"},
    {"target_households", NC_("status change", "target households"), FMT_INT, NULL},
    {"as_of", NC_("status change", "status date"), FMT_TEXT, NULL},
};
static const struct diff_field project_fields[] = {
    {"households_started", NC_("status change", "households started"), FMT_HOUSEHOLDS,
     "started_pct"},
    {"households_completed", NC_("status change", "households completed"), FMT_HOUSEHOLDS,
     "completed_pct"},
    {"households", NC_("status change", "households"), FMT_INT, NULL},
    {"last_report_date", NC_("status change", "last progress report"), FMT_TEXT, NULL},
};
static const struct diff_field plan_fields[] = {
    {"phase_name", NC_("status change", "programme phase"), FMT_TEXT, NULL},
};
static const struct diff_field light_fields[] = {
    {"light", NC_("status change", "light"), FMT_ENUM, NULL},
};
static const struct diff_field rule_fields[] = {
    {"verdict", NC_("status change", "verdict"), FMT_ENUM, NULL},
    {"actual", NC_("status change", "measured"), FMT_INT, NULL},
};
static const struct diff_field phase_fields[] = {
    {"phase_name", NC_("status change", "phase"), FMT_TEXT, NULL},
    {"milestones_done", NC_("status change", "milestones done"), FMT_INT, NULL},
    {"milestones_overdue", NC_("status change", "milestones overdue"), FMT_INT, NULL},
    {"milestones_due_soon", NC_("status change", "milestones due soon"), FMT_INT, NULL},
};
static const struct diff_field funds_fields[] = {
    {"allocated", NC_("status change", "allocated, yuan"), FMT_MONEY, NULL},
    {"received", NC_("status change", "received, yuan"), FMT_MONEY, NULL},
    {"paid", NC_("status change", "paid, yuan"), FMT_MONEY, NULL},
};
static const struct diff_field contract_fields[] = {
    {"contracts", NC_("status change", "contracts"), FMT_INT, NULL},
    {"amount", NC_("status change", "contract amounts, yuan"), FMT_MONEY, NULL},
    {"paid", NC_("status change", "paid on contracts, yuan"), FMT_MONEY, NULL},
};
static const struct diff_field line_fields[] = {
    {"parts_done", NC_("status change", "parts done"), FMT_INT, NULL},
    {"parts_in_progress", NC_("status change", "parts in progress"), FMT_INT, NULL},
    {"handed_over_on", NC_("status change", "handed over"), FMT_TEXT, NULL},
    {"waiting_on", NC_("status change", "waiting on"), FMT_TEXT, NULL},
};
static const struct diff_field survey_fields[] = {
    {"surveys", NC_("status change", "surveys"), FMT_INT, NULL},
    {"households_asked", NC_("status change", "households asked"), FMT_INT, NULL},
    {"households_agreeing", NC_("status change", "households agreeing"), FMT_INT, NULL},
};
static const struct diff_field supervision_fields[] = {
    {"items", NC_("status change", "items issued"), FMT_INT, NULL},
    {"items_open", NC_("status change", "items open"), FMT_INT, NULL},
    {"items_replied", NC_("status change", "items replied"), FMT_INT, NULL},
    {"items_returned", NC_("status change", "items returned"), FMT_INT, NULL},
    {"items_overdue", NC_("status change", "items overdue"), FMT_INT, NULL},
    {"items_closed", NC_("status change", "items closed"), FMT_INT, NULL},
};
static const struct diff_field round_fields[] = {
    {"round_date", NC_("status change", "round"), FMT_TEXT, NULL},
    {"state", NC_("status change", "round state"), FMT_ENUM, NULL},
    {"reports_received", NC_("status change", "reports received"), FMT_INT, NULL},
    {"units_missing", NC_("status change", "units not reported"), FMT_INT, NULL},
};
static const struct diff_field missing_fields[] = {
    {NULL, NC_("status change", "round report"), FMT_TEXT, NULL},
};
static const struct diff_field rhythm_fields[] = {
    {"missed_count", NC_("status change", "periods missed"), FMT_INT, NULL},
};
static const struct diff_field parties_fields[] = {
    {"parties", NC_("status change", "parties"), FMT_INT, NULL},
    {"joint_meetings", NC_("status change", "joint meetings"), FMT_INT, NULL},
    {"missing_for_acceptance", NC_("status change", "missing for acceptance"), FMT_TEXT, NULL},
};
static const struct diff_field quality_fields[] = {
    {"inspections", NC_("status change", "inspections"), FMT_INT, NULL},
    {"incidents", NC_("status change", "incidents"), FMT_INT, NULL},
    {"rectifications", NC_("status change", "rectifications"), FMT_INT, NULL},
    {"rectifications_open", NC_("status change", "rectifications open"), FMT_INT, NULL},
    {"rectifications_overdue", NC_("status change", "rectifications overdue"), FMT_INT, NULL},
};
static const struct diff_field payment_fields[] = {
    {"terms", NC_("status change", "payment terms"), FMT_INT, NULL},
    {"terms_due", NC_("status change", "terms due"), FMT_INT, NULL},
    {"amount_due", NC_("status change", "due, yuan"), FMT_MONEY, NULL},
    {"paid", NC_("status change", "paid, yuan"), FMT_MONEY, NULL},
    {"unpaid_due", NC_("status change", "due and unpaid, yuan"), FMT_MONEY, NULL},
    {"terms_unpaid", NC_("status change", "terms unpaid"), FMT_INT, NULL},
};
static const struct diff_field guard_fields[] = {
    {NULL, NC_("status change", "guard"), FMT_TEXT, NULL},
};
static const struct diff_field light_rule_fields[] = {
    {"value", NC_("status change", "threshold"), FMT_INT, NULL},
};

static const struct diff_section sections[] = {
    {STATUS_SECTION_PROGRAMME,
     NULL,
     {NULL},
     {"programme_title"},
     FIELDS(programme_fields),
     0,
     {NULL},
     {NULL}},
    {STATUS_SECTION_PROGRAMME, "plan", {NULL}, {NULL}, FIELDS(plan_fields), 0, {NULL}, {NULL}},
    {STATUS_SECTION_PROJECT,
     "projects",
     {"project_id"},
     {"name"},
     FIELDS(project_fields),
     0,
     {NULL},
     {NULL}},
    {STATUS_SECTION_LIGHT,
     "lights",
     {"project_id"},
     {"name"},
     FIELDS(light_fields),
     DIFF_NO_TOTALS,
     {NULL},
     {NULL}},
    {STATUS_SECTION_RULE, "rules", {"code"}, {"title"}, FIELDS(rule_fields), 0, {NULL}, {NULL}},
    {STATUS_SECTION_MILESTONES,
     "phases",
     {"project_id"},
     {"name"},
     FIELDS(phase_fields),
     0,
     {NULL},
     {NULL}},
    {STATUS_SECTION_FUNDS,
     "funds",
     {"project_id", "source"},
     {"name", "source_name"},
     FIELDS(funds_fields),
     0,
     {NULL},
     {NULL}},
    {STATUS_SECTION_CONTRACTS,
     "contracts",
     {"project_id", "kind"},
     {"name", "kind"},
     FIELDS(contract_fields),
     0,
     {NULL},
     {NULL}},
    {STATUS_SECTION_LINES,
     "lines",
     {"project_id", "utility_code", "segment"},
     {"name", "utility_name", "segment"},
     FIELDS(line_fields),
     0,
     {NULL},
     {NULL}},
    {STATUS_SECTION_SURVEYS,
     "surveys",
     {"project_id", "kind"},
     {"name", "kind"},
     FIELDS(survey_fields),
     0,
     {NULL},
     {NULL}},
    {STATUS_SECTION_SUPERVISION,
     "supervision",
     {"unit_code"},
     {"unit_name"},
     FIELDS(supervision_fields),
     0,
     {NULL},
     {NULL}},
    {STATUS_SECTION_ROUND, "round", {NULL}, {NULL}, FIELDS(round_fields), 0, {NULL}, {NULL}},
    {STATUS_SECTION_MISSING,
     "missing_reporters",
     {"unit_code", "project_id", "duty"},
     {"unit_name", "project_name"},
     FIELDS(missing_fields),
     DIFF_PRESENCE | DIFF_NO_TOTALS,
     {NC_("status change", "missing")},
     {NC_("status change", "received")}},
    {STATUS_SECTION_RHYTHM,
     "rhythm",
     {"code"},
     {"title"},
     FIELDS(rhythm_fields),
     DIFF_SUMMARIES,
     {NULL},
     {NULL}},
    {STATUS_SECTION_PARTIES,
     "parties",
     {"project_id"},
     {"name"},
     FIELDS(parties_fields),
     0,
     {NULL},
     {NULL}},
    {STATUS_SECTION_QUALITY,
     "quality",
     {"project_id"},
     {"name"},
     FIELDS(quality_fields),
     0,
     {NULL},
     {NULL}},
    {STATUS_SECTION_PAYMENTS,
     "payments",
     {"project_id"},
     {"name"},
     FIELDS(payment_fields),
     0,
     {NULL},
     {NULL}},
    {STATUS_SECTION_GUARDS,
     "guards",
     {"project_id", "code"},
     {"name", "code"},
     FIELDS(guard_fields),
     DIFF_PRESENCE | DIFF_NO_TOTALS,
     {NC_("status change", "not met")},
     {NC_("status change", "met")}},
    {STATUS_SECTION_LIGHT_RULES,
     "light_rules",
     {"code"},
     {"title"},
     FIELDS(light_rule_fields),
     DIFF_NO_TOTALS,
     {NULL},
     {NULL}},
};

/* The section names, in the order of enum status_section. */
static const char *const section_names[STATUS_SECTION_COUNT][2] = {
    {NC_("status change", "programme")},
    {NC_("status change", "project")},
    {NC_("status change", "light")},
    {NC_("status change", "rule")},
    {NC_("status change", "milestones")},
    {NC_("status change", "funds")},
    {NC_("status change", "contracts")},
    {NC_("status change", "line work")},
    {NC_("status change", "survey")},
    {NC_("status change", "supervision")},
    {NC_("status change", "round")},
    {NC_("status change", "not reported")},
    {NC_("status change", "rhythm")},
    {NC_("status change", "parties")},
    {NC_("status change", "quality and safety")},
    {NC_("status change", "progress payments")},
    {NC_("status change", "guards")},
    {NC_("status change", "light thresholds")},
};

/* The plan's guards (StatusGuard.code) for people. */
static const char *const guard_labels[][3] = {
    {"willingness", NC_("status change", "residents' willingness")},
    {"property_management", NC_("status change", "professional property management")},
    {"management_party", NC_("status change", "management party named")},
    {"underground_first", NC_("status change", "underground first, then above ground")},
    {"demolition_facilities", NC_("status change", "public facilities of a demolition")},
    {"historic_protection", NC_("status change", "historic protection")},
};

const char *status_section_name(enum status_section section)
{
    if ((unsigned)section >= STATUS_SECTION_COUNT)
        return "?";
    return ctx_gettext(section_names[section][0], section_names[section][1]);
}

/* ---- reading fields -------------------------------------------------------------------- */

static const ProtobufCFieldDescriptor *field_of(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
    /* The table names fields of reno.proto; a mismatch is a bug caught by the unit suite. */
    if (f == NULL)
        fatal("status_diff: %s has no field %s", m->descriptor->name, name);
    return f;
}

static double number_of(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *f = field_of(m, name);
    const void *p = reflect_field(m, f);
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_ENUM:
        return *(const int32_t *)p;
    case PROTOBUF_C_TYPE_INT64:
        return (double)*(const int64_t *)p;
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)p;
    case PROTOBUF_C_TYPE_BOOL:
        return *(const protobuf_c_boolean *)p ? 1 : 0;
    default:
        return 0;
    }
}

static const char *string_of(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *f = field_of(m, name);
    if (f->type != PROTOBUF_C_TYPE_STRING)
        return NULL;
    const char *s = *(const char *const *)reflect_field(m, f);
    return s != NULL ? s : "";
}

static const char *guard_label(const char *code)
{
    for (size_t i = 0; i < COUNT(guard_labels); i++)
        if (strcmp(guard_labels[i][0], code) == 0)
            return ctx_gettext(guard_labels[i][1], guard_labels[i][2]);
    return code;
}

/* A field's value for people; a string to free. */
static char *value_text(const ProtobufCMessage *m, const struct diff_field *df)
{
    const ProtobufCFieldDescriptor *f = field_of(m, df->name);
    switch (df->format) {
    case FMT_MONEY: {
        char buf[64];
        output_money(number_of(m, df->name), buf, sizeof buf);
        return xstrdup(buf);
    }
    case FMT_TEXT: {
        const char *s = string_of(m, df->name);
        return xstrdup(s != NULL && s[0] != '\0' ? s : "-");
    }
    case FMT_ENUM: {
        const char *label = label_enum(f->descriptor, (int)number_of(m, df->name));
        return xstrdup(label != NULL ? label : "-");
    }
    case FMT_BOOL:
        return xstrdup(number_of(m, df->name) != 0 ? _("yes") : _("no"));
    case FMT_HOUSEHOLDS:
        return xasprintf("%.0f (%.1f%%)", number_of(m, df->name), number_of(m, df->pct));
    case FMT_INT:
    default:
        return xasprintf("%.0f", number_of(m, df->name));
    }
}

static bool same_value(const ProtobufCMessage *a, const ProtobufCMessage *b,
                       const struct diff_field *df)
{
    const ProtobufCFieldDescriptor *f = field_of(a, df->name);
    if (f->type == PROTOBUF_C_TYPE_STRING)
        return strcmp(string_of(a, df->name), string_of(b, df->name)) == 0;
    /* Money compares to the fen, so that a value read back differently is not a change. */
    if (df->format == FMT_MONEY) {
        double d = number_of(a, df->name) - number_of(b, df->name);
        return d > -0.005 && d < 0.005;
    }
    return number_of(a, df->name) == number_of(b, df->name);
}

/* ---- rows ------------------------------------------------------------------------------ */

struct row {
    char *key;
    const ProtobufCMessage *msg;
    bool total; /* a part of its key is zero: it sums other rows */
};

static int row_cmp(const void *a, const void *b)
{
    return strcmp(((const struct row *)a)->key, ((const struct row *)b)->key);
}

static char *row_key(const struct diff_section *sec, const ProtobufCMessage *m, bool *total)
{
    char *key = xstrdup("");
    *total = false;
    for (size_t k = 0; k < COUNT(sec->keys) && sec->keys[k] != NULL; k++) {
        const ProtobufCFieldDescriptor *f = field_of(m, sec->keys[k]);
        char *text = reflect_get_text(m, f);
        if (text == NULL || text[0] == '\0' || strcmp(text, "0") == 0)
            *total = true;
        char *next = xasprintf("%s%s\037", key, text != NULL ? text : "");
        free(text);
        free(key);
        key = next;
    }
    if (sec->flags & DIFF_NO_TOTALS)
        *total = false;
    return key;
}

/* The rows of a section in s, sorted by key; *n their number. */
static struct row *rows_of(const struct diff_section *sec, const Reno__StatusReply *s, size_t *n)
{
    const ProtobufCMessage *top = &s->base;
    *n = 0;
    if (sec->rows == NULL) {
        struct row *r = xcalloc(1, sizeof *r);
        r->key = xstrdup("");
        r->msg = top;
        *n = 1;
        return r;
    }
    const ProtobufCFieldDescriptor *f = field_of(top, sec->rows);
    const void *p = reflect_field(top, f);
    if (f->label != PROTOBUF_C_LABEL_REPEATED) {
        const ProtobufCMessage *one = *(const ProtobufCMessage *const *)p;
        if (one == NULL)
            return NULL;
        struct row *r = xcalloc(1, sizeof *r);
        r->key = xstrdup("");
        r->msg = one;
        *n = 1;
        return r;
    }
    size_t count = reflect_count(top, f);
    const ProtobufCMessage *const *items = *(const ProtobufCMessage *const *const *)p;
    struct row *rows = xcalloc(count > 0 ? count : 1, sizeof *rows);
    for (size_t i = 0; i < count; i++) {
        const ProtobufCMessage *m = items[i];
        if ((sec->flags & DIFF_SUMMARIES) && string_of(m, "period")[0] != '\0')
            continue;
        rows[*n].msg = m;
        rows[*n].key = row_key(sec, m, &rows[*n].total);
        (*n)++;
    }
    qsort(rows, *n, sizeof *rows, row_cmp);
    return rows;
}

static void rows_free(struct row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rows[i].key);
    free(rows);
}

/* The row's name for people: its name fields joined by a space, enums by their label. */
static char *subject_of(const struct diff_section *sec, const ProtobufCMessage *m)
{
    if (sec->section == STATUS_SECTION_RULE) {
        /* A rule by its title in the user's language, from its code and figures. */
        char title[200];
        rules_text_title((const Reno__RuleCheck *)m, title, sizeof title);
        return xstrdup(title);
    }
    char *out = xstrdup("");
    for (size_t k = 0; k < COUNT(sec->names) && sec->names[k] != NULL; k++) {
        const ProtobufCFieldDescriptor *f = field_of(m, sec->names[k]);
        const char *part = NULL;
        if (f->type == PROTOBUF_C_TYPE_ENUM)
            part = label_enum(f->descriptor, (int)number_of(m, sec->names[k]));
        else if (sec->section == STATUS_SECTION_GUARDS && strcmp(sec->names[k], "code") == 0)
            continue; /* the guard is the change's item */
        else
            part = string_of(m, sec->names[k]);
        if (part == NULL || part[0] == '\0')
            continue;
        char *next = xasprintf("%s%s%s", out, out[0] != '\0' ? " " : "", part);
        free(out);
        out = next;
    }
    return out;
}

static void add(struct status_changes *out, enum status_section section, char *subject,
                const char *item, char *before, char *after)
{
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 16;
        out->items = xrealloc(out->items, out->cap * sizeof out->items[0]);
    }
    out->items[out->n++] = (struct status_change){section, subject, item, before, after};
}

/* Compares one pair of rows (either may be NULL: absent); returns how many changes. */
static size_t diff_rows(const struct diff_section *sec, const ProtobufCMessage *a,
                        const ProtobufCMessage *b, const ProtobufCMessage *zero,
                        struct status_changes *out)
{
    const ProtobufCMessage *named = b != NULL ? b : a;
    if (sec->flags & DIFF_PRESENCE) {
        if ((a == NULL) == (b == NULL))
            return 0;
        const char *item = ctx_gettext(sec->fields[0].context, sec->fields[0].label);
        if (sec->section == STATUS_SECTION_GUARDS)
            item = guard_label(string_of(named, "code"));
        const char *present = ctx_gettext(sec->present[0], sec->present[1]);
        const char *absent = ctx_gettext(sec->absent[0], sec->absent[1]);
        add(out, sec->section, subject_of(sec, named), item,
            xstrdup(a != NULL ? present : (sec->section == STATUS_SECTION_GUARDS ? absent : "-")),
            xstrdup(b != NULL ? present : absent));
        return 1;
    }
    if (a == NULL)
        a = zero;
    if (b == NULL)
        b = zero;
    size_t n = 0;
    for (size_t i = 0; i < sec->n_fields && out->n < STATUS_DIFF_MAX; i++) {
        const struct diff_field *df = &sec->fields[i];
        if (same_value(a, b, df))
            continue;
        add(out, sec->section, subject_of(sec, named), ctx_gettext(df->context, df->label),
            value_text(a, df), value_text(b, df));
        n++;
    }
    return n;
}

/* The round's reporters are compared only within one round: a new round is the round's
 * change, not a list of every unit that has not reported yet. */
static bool same_round(const Reno__StatusReply *a, const Reno__StatusReply *b)
{
    const char *ra = a->round != NULL && a->round->round_date != NULL ? a->round->round_date : "";
    const char *rb = b->round != NULL && b->round->round_date != NULL ? b->round->round_date : "";
    return strcmp(ra, rb) == 0;
}

static void diff_section(const struct diff_section *sec, const Reno__StatusReply *before,
                         const Reno__StatusReply *now, struct status_changes *out)
{
    if (sec->section == STATUS_SECTION_MISSING && !same_round(before, now))
        return;
    size_t na, nb;
    struct row *ra = rows_of(sec, before, &na);
    struct row *rb = rows_of(sec, now, &nb);
    const ProtobufCMessageDescriptor *d =
        na > 0 ? ra[0].msg->descriptor : (nb > 0 ? rb[0].msg->descriptor : NULL);
    if (d == NULL) {
        rows_free(ra, na);
        rows_free(rb, nb);
        return;
    }
    ProtobufCMessage *zero = xmalloc(d->sizeof_message);
    protobuf_c_message_init(d, zero);

    /* Two passes over the merged rows: the parts first, then the totals if nothing else of
     * the section changed. The totals' changes are kept apart and appended at the end. */
    struct status_changes totals = {0};
    size_t parts = 0;
    size_t i = 0, j = 0;
    while ((i < na || j < nb) && out->n < STATUS_DIFF_MAX) {
        int c = i >= na ? 1 : j >= nb ? -1 : strcmp(ra[i].key, rb[j].key);
        const ProtobufCMessage *a = c <= 0 ? ra[i].msg : NULL;
        const ProtobufCMessage *b = c >= 0 ? rb[j].msg : NULL;
        bool total = c <= 0 ? ra[i].total : rb[j].total;
        if (total)
            (void)diff_rows(sec, a, b, zero, &totals);
        else
            parts += diff_rows(sec, a, b, zero, out);
        i += c <= 0;
        j += c >= 0;
    }
    for (size_t k = 0; k < totals.n; k++) {
        if (parts == 0 && out->n < STATUS_DIFF_MAX) {
            add(out, totals.items[k].section, totals.items[k].subject, totals.items[k].item,
                totals.items[k].before, totals.items[k].after);
        } else {
            free(totals.items[k].subject);
            free(totals.items[k].before);
            free(totals.items[k].after);
        }
    }
    free(totals.items);
    free(zero);
    rows_free(ra, na);
    rows_free(rb, nb);
}

void status_diff(const Reno__StatusReply *before, const Reno__StatusReply *now,
                 struct status_changes *out)
{
    if (before == NULL || now == NULL)
        return;
    /* The programme's household totals sum the projects': said when no project changed. */
    size_t mark = out->n;
    for (size_t s = 2; s < COUNT(sections); s++)
        diff_section(&sections[s], before, now, out);
    bool projects_changed = false;
    for (size_t k = mark; k < out->n; k++)
        projects_changed |= out->items[k].section == STATUS_SECTION_PROJECT;
    struct status_changes head = {0};
    for (size_t i = 0; i < sections[0].n_fields; i++) {
        const struct diff_field *df = &sections[0].fields[i];
        if (projects_changed && df->format == FMT_HOUSEHOLDS)
            continue;
        if (!same_value(&before->base, &now->base, df))
            add(&head, STATUS_SECTION_PROGRAMME, xstrdup(""), ctx_gettext(df->context, df->label),
                value_text(&before->base, df), value_text(&now->base, df));
    }
    diff_section(&sections[1], before, now, &head);
    /* The programme's changes come first: they say what the rest is about. */
    if (head.n > 0) {
        size_t rest = out->n - mark;
        if (out->cap < out->n + head.n) {
            out->cap = out->n + head.n;
            out->items = xrealloc(out->items, out->cap * sizeof out->items[0]);
        }
        memmove(out->items + mark + head.n, out->items + mark, rest * sizeof out->items[0]);
        memcpy(out->items + mark, head.items, head.n * sizeof head.items[0]);
        out->n += head.n;
    }
    free(head.items);
}

void status_changes_free(struct status_changes *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].subject);
        free(c->items[i].before);
        free(c->items[i].after);
    }
    free(c->items);
    memset(c, 0, sizeof *c);
}

/* ---- lines ----------------------------------------------------------------------------- */

/* The line with the subject given; a string to free. */
static char *compose(const struct status_change *c, const char *subject)
{
    const char *section = status_section_name(c->section);
    if (subject[0] == '\0')
        /* TRANSLATORS: a change of the status: section: what before → after. */
        return xasprintf(_("%s: %s %s → %s"), section, c->item, c->before, c->after);
    /* TRANSLATORS: a change of the status: section subject: what before → after. */
    return xasprintf(_("%s %s: %s %s → %s"), section, subject, c->item, c->before, c->after);
}

/* text cut to at most width columns, without the padding layout_cell() adds. */
static char *cut(const char *text, size_t width)
{
    char *cell = layout_cell(text, width, LAYOUT_LEFT);
    size_t len = strlen(cell);
    while (len > 0 && cell[len - 1] == ' ')
        cell[--len] = '\0';
    /* A wide character that would straddle the edge leaves a blank before the "…": one
     * column less reads better ("松山街…", not "松山街 …"). */
    size_t el = strlen(LAYOUT_ELLIPSIS);
    if (width > 1 && len > el && strcmp(cell + len - el, LAYOUT_ELLIPSIS) == 0 &&
        cell[len - el - 1] == ' ') {
        free(cell);
        return cut(text, width - 1);
    }
    return cell;
}

char *status_change_line(const struct status_change *c, size_t width)
{
    char *line = compose(c, c->subject);
    if (width == 0 || text_width(line) <= width)
        return line;
    /* Too wide: the subject gives up columns first, down to a few characters. */
    size_t over = text_width(line) - width;
    size_t subject = text_width(c->subject);
    if (subject > 6) {
        size_t keep = subject > over + 6 ? subject - over : 6;
        char *short_subject = cut(c->subject, keep);
        free(line);
        line = compose(c, short_subject);
        free(short_subject);
        if (text_width(line) <= width)
            return line;
    }
    char *shorter = cut(line, width);
    free(line);
    return shorter;
}

char *status_changes_group_line(const struct status_changes *c, size_t *i, size_t subject_width)
{
    const struct status_change *first = &c->items[*i];
    char *subject = subject_width > 0 && text_width(first->subject) > subject_width
                        ? cut(first->subject, subject_width)
                        : xstrdup(first->subject);
    char *line = compose(first, subject);
    free(subject);
    for ((*i)++; *i < c->n; (*i)++) {
        const struct status_change *next = &c->items[*i];
        if (next->section != first->section || strcmp(next->subject, first->subject) != 0)
            break;
        /* TRANSLATORS: one more change of the same subject, appended to its line. */
        char *more = xasprintf(_("%s, %s %s → %s"), line, next->item, next->before, next->after);
        free(line);
        line = more;
    }
    return line;
}

/* ---- copies ---------------------------------------------------------------------------- */

Reno__StatusReply *status_copy(const Reno__StatusReply *s)
{
    size_t size = reno__status_reply__get_packed_size(s);
    uint8_t *buf = xmalloc(size > 0 ? size : 1);
    reno__status_reply__pack(s, buf);
    Reno__StatusReply *copy = reno__status_reply__unpack(NULL, size, buf);
    free(buf);
    /* What we packed ourselves always unpacks, unless memory ran out. */
    if (copy == NULL)
        fatal("cannot copy the status (%zu bytes)", size);
    return copy;
}
