/*
 * The commands of the table-like operations (common/ops.def), all run by one function
 * driven by the protobuf descriptors: each field of the request message is an option
 * (--project-id 3, --renovation-type comprehensive; a repeated field may be given more
 * than once), a write gets a fresh idempotency key unless --key is given, and a reply's
 * `items` are printed as a table whose columns are the item's fields (or as JSON).
 *
 * A batch of writes can come from a CSV file (`reno import FILE`): see cmd_import.c,
 * which finds operations and their request fields with cmd_op_find() from here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cmd.h"
#include "cmd_op.h"
#include "date.h"
#include "hex.h"
#include "i18n.h"
#include "labels.h"
#include "op_help.h"
#include "output.h"
#include "reflect.h"
#include "table.h"
#include "xmalloc.h"

static int op_run(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_op cmd_ops[] = {
#define OP(name, kind, words, summary)                                                             \
    {{words, "[--FIELD VALUE ...]", summary, NULL, op_run}, #name, kind == 1},
#define READ  0
#define WRITE 1
#include "ops.def"
#undef READ
#undef WRITE
#undef OP
};
const size_t cmd_ops_count = sizeof cmd_ops / sizeof cmd_ops[0];

const struct cmd_op *cmd_op_find(const char *op_name)
{
    for (size_t i = 0; i < cmd_ops_count; i++)
        if (strcmp(cmd_ops[i].op, op_name) == 0)
            return &cmd_ops[i];
    return NULL;
}

const ProtobufCFieldDescriptor *cmd_op_request_field(const struct cmd_op *op)
{
    return protobuf_c_message_descriptor_get_field_by_name(&reno__request__descriptor, op->op);
}

static const char *type_hint(const ProtobufCFieldDescriptor *f)
{
    if (reflect_is_date_field(f))
        return "YYYY-MM-DD";
    switch (f->type) {
    case PROTOBUF_C_TYPE_BOOL:
        return "yes|no";
    case PROTOBUF_C_TYPE_STRING:
        return "TEXT";
    case PROTOBUF_C_TYPE_DOUBLE:
        return "AMOUNT";
    case PROTOBUF_C_TYPE_ENUM:
        return NULL;
    default:
        return "N";
    }
}

/* The option name of a field: its name with '-' for '_'. */
static void option_name(const char *field, char *out, size_t size)
{
    snprintf(out, size, "%s", field);
    for (char *p = out; *p; p++)
        if (*p == '_')
            *p = '-';
}

/*
 * The request field an option sets: --renovation-type sets renovation_type, and --project
 * sets project_id, as 'progress push --project' spells it. NULL for none (and for the
 * idempotency key, which is --key).
 */
static const ProtobufCFieldDescriptor *option_field(const ProtobufCMessageDescriptor *d,
                                                    const char *option)
{
    char name[80];
    if (strlen(option) + 4 > sizeof name)
        return NULL;
    snprintf(name, sizeof name, "%s", option);
    for (char *p = name; *p; p++)
        if (*p == '-')
            *p = '_';
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    if (f == NULL) {
        char with_id[sizeof name];
        snprintf(with_id, sizeof with_id, "%s_id", name);
        f = protobuf_c_message_descriptor_get_field_by_name(d, with_id);
    }
    return f != NULL && strcmp(f->name, "idempotency_key") != 0 ? f : NULL;
}

/* Fields that hold yuan, shown grouped by thousands with two decimals. */
static bool is_money(const char *field)
{
    static const char *const money[] = {"amount", "allocated",      "received",
                                        "paid",   "available",      "remaining",
                                        "budget", "audited_amount", "investment_completed"};
    for (size_t i = 0; i < sizeof money / sizeof money[0]; i++)
        if (strcmp(field, money[i]) == 0)
            return true;
    return false;
}

/* What an option's value is, in a sentence: by what the field holds, then by its type. */
static const char *value_sentence(const ProtobufCFieldDescriptor *f)
{
    size_t n = strlen(f->name);
    if (strcmp(f->name, "project_id") == 0)
        return _("its number, its name or community, or the unambiguous start of one (see "
                 "'reno project list')");
    if ((n >= 9 && strcmp(f->name + n - 9, "unit_code") == 0) ||
        strcmp(f->name, "utility_code") == 0)
        return _("a unit: its code, its name or the unambiguous start of it (see 'reno unit "
                 "list')");
    if (n > 3 && strcmp(f->name + n - 3, "_id") == 0)
        return _("the record's number, as listed or returned when it was written");
    if (reflect_is_date_field(f))
        return _("a date, YYYY-MM-DD");
    switch (f->type) {
    case PROTOBUF_C_TYPE_BOOL:
        return _("yes or no");
    case PROTOBUF_C_TYPE_STRING:
        return _("text");
    case PROTOBUF_C_TYPE_DOUBLE:
        return is_money(f->name) ? _("an amount in yuan (元), e.g. 1234567.50")
                                 : _("a number, e.g. 12.5");
    case PROTOBUF_C_TYPE_ENUM:
        return _("one of");
    default:
        return _("a whole number");
    }
}

/* The READ operation sharing a WRITE's words ("report numbering"), or NULL. */
static const struct cmd_op *read_twin(const struct cmd_op *op)
{
    for (size_t i = 0; i < cmd_ops_count && op->write; i++)
        if (!cmd_ops[i].write && strcmp(cmd_ops[i].cmd.name, op->cmd.name) == 0)
            return &cmd_ops[i];
    return NULL;
}

/* True when the options of argv are all fields of the READ twin's request and none of the
 * write's: `reno report numbering --year 2023` reads. */
static bool reads_twin(const struct cmd_op *op, const struct cmd_op *twin, int argc, char **argv)
{
    const ProtobufCMessageDescriptor *w = cmd_op_request_field(op)->descriptor;
    const ProtobufCMessageDescriptor *r = cmd_op_request_field(twin)->descriptor;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) != 0)
            continue;
        char name[80];
        snprintf(name, sizeof name, "%s", argv[i] + 2);
        name[strcspn(name, "=")] = '\0';
        if (option_field(w, name) != NULL || option_field(r, name) == NULL)
            return false;
    }
    return true;
}

static void print_help(const struct cmd_op *op, FILE *out)
{
    const ProtobufCMessageDescriptor *d = cmd_op_request_field(op)->descriptor;
    const struct op_help *h = op_help_find(op->op);
    fprintf(out, _("usage: reno %s [OPTIONS]\n\n%s.\n\nOptions%s:\n"), op->cmd.name,
            _(op->cmd.summary), h != NULL ? _(" (* required)") : "");
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char name[64];
        if (strcmp(f->name, "idempotency_key") == 0)
            continue;
        option_name(f->name, name, sizeof name);
        /* --project rather than --project-id: the name people use (both are accepted). */
        if (strcmp(f->name, "project_id") == 0)
            snprintf(name, sizeof name, "project");
        const char *hint = strcmp(f->name, "project_id") == 0 ? "PROJECT" : type_hint(f);
        fprintf(out, "  --%s %s%s%s\n", name, hint != NULL ? hint : "VALUE",
                op_help_required(h, f->name) ? " *" : "",
                f->label == PROTOBUF_C_LABEL_REPEATED ? _(" (may be repeated)") : "");
        /* One sentence: what the field is (its label), then what the value may be. */
        const char *what = label_field_word(f->name);
        if (f->type == PROTOBUF_C_TYPE_ENUM) {
            char choices[768];
            label_enum_choices(f->descriptor, choices, sizeof choices);
            output_indented(out, 6, _("      %s, one of: %s"), what != NULL ? what : name, choices);
        } else {
            output_indented(out, 6, _("      %s: %s"), what != NULL ? what : name,
                            value_sentence(f));
        }
    }
    if (op->write)
        fputs(_("  --key HEX32            idempotency key (32 hex digits); a retry with the\n"
                "                         same key is recorded once. Default: a new one.\n"),
              out);
    fputs(_("  --help                 this text\n"), out);
    const struct cmd_op *twin = read_twin(op);
    if (twin != NULL) {
        fputc('\n', out);
        output_indented(out, 0, _("Without these options it shows %s."), _(twin->cmd.summary));
    }
    if (h != NULL && h->example != NULL) {
        fputs(_("\nExample:\n"), out);
        output_indented(out, 6, "  reno %s %s", op->cmd.name, h->example);
    }
}

int cmd_op_build(const struct cmd_op *op, int argc, char **argv, ProtobufCMessage **out,
                 uint8_t key[16], char *err, size_t err_size)
{
    const ProtobufCFieldDescriptor *rf = cmd_op_request_field(op);
    const ProtobufCMessageDescriptor *d = rf->descriptor;
    ProtobufCMessage *m = reflect_new(d);
    bool key_given = false;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        /* A round's date may stand alone, as in 'reno report round 2022-05-14':
         * 'reno round reports 2022-05-14' is 'reno round reports --round-date 2022-05-14'. */
        const ProtobufCFieldDescriptor *round =
            protobuf_c_message_descriptor_get_field_by_name(d, "round_date");
        int32_t round_days;
        if (strncmp(arg, "--", 2) != 0 && round != NULL && date_parse(arg, &round_days)) {
            char rerr[REFLECT_ERR_SIZE];
            if (reflect_set_text(m, round, arg, rerr) != 0) {
                snprintf(err, err_size, "%s", rerr);
                goto fail;
            }
            continue;
        }
        if (strncmp(arg, "--", 2) != 0) {
            snprintf(err, err_size, _("unexpected argument '%s'"), arg);
            goto fail;
        }
        const char *eq = strchr(arg, '=');
        char name[80];
        size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        if (len >= sizeof name) {
            snprintf(err, err_size, _("unknown option '%s'"), arg);
            goto fail;
        }
        memcpy(name, arg + 2, len);
        name[len] = '\0';
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (value == NULL) {
            snprintf(err, err_size, _("--%s needs a value"), name);
            goto fail;
        }
        if (op->write && strcmp(name, "key") == 0) {
            if (!hex_decode(value, key, 16)) {
                snprintf(err, err_size, "%s", _("--key must be 32 hexadecimal digits"));
                goto fail;
            }
            key_given = true;
            continue;
        }
        const ProtobufCFieldDescriptor *f = option_field(d, name);
        if (f == NULL) {
            snprintf(err, err_size, _("unknown option '--%.*s'"), (int)len, arg + 2);
            goto fail;
        }
        char rerr[REFLECT_ERR_SIZE];
        if (reflect_is_date_field(f)) {
            int32_t days;
            if (!date_parse(value, &days)) {
                snprintf(err, err_size, _("--%.*s: '%s' is not a date YYYY-MM-DD"), (int)len,
                         arg + 2, value);
                goto fail;
            }
        }
        /* Enums take a code, a label (Chinese or English) or a prefix of one; the code goes
         * on the wire. */
        char code[128];
        if (f->type == PROTOBUF_C_TYPE_ENUM) {
            int v = 0;
            char lerr[900];
            if (!label_enum_parse(f->descriptor, value, &v, lerr, sizeof lerr)) {
                snprintf(err, err_size, "--%.*s: %s", (int)len, arg + 2, lerr);
                goto fail;
            }
            char *t = reflect_enum_text(f->descriptor, v);
            snprintf(code, sizeof code, "%s", t != NULL ? t : "");
            free(t);
            value = code;
        }
        if (reflect_set_text(m, f, value, rerr) != 0) {
            snprintf(err, err_size, "--%.*s: %s", (int)len, arg + 2, strchr(rerr, ':') + 2);
            goto fail;
        }
    }
    if (op->write) {
        if (!key_given)
            randombytes_buf(key, 16);
        const ProtobufCFieldDescriptor *kf =
            protobuf_c_message_descriptor_get_field_by_name(d, "idempotency_key");
        ProtobufCBinaryData *b = reflect_field(m, kf);
        b->data = xmalloc(16);
        memcpy(b->data, key, 16);
        b->len = 16;
    }
    *out = m;
    return 0;
fail:
    protobuf_c_message_free_unpacked(m, NULL);
    return -1;
}

int cmd_op_send(struct cmd_ctx *ctx, const struct cmd_op *op, ProtobufCMessage *body,
                Reno__ServerMessage **reply)
{
    const ProtobufCFieldDescriptor *rf = cmd_op_request_field(op);
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = (Reno__Request__BodyCase)rf->id;
    *(ProtobufCMessage **)((char *)&req + rf->offset) = body;
    return cmd_call(ctx, &req, (Reno__Response__BodyCase)rf->id, reply);
}

/* The reply message inside a Response. */
static const ProtobufCMessage *reply_body(const struct cmd_op *op, const Reno__Response *resp)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
        &reno__response__descriptor, cmd_op_request_field(op)->id);
    return *(ProtobufCMessage *const *)((const char *)resp + f->offset);
}

static void json_message(struct output_json *j, const char *key, const ProtobufCMessage *m)
{
    output_json_object(j, key);
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *p = reflect_field(m, f);
        if (f->label == PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE) {
            output_json_array(j, f->name);
            for (size_t k = 0; k < reflect_count(m, f); k++)
                json_message(j, NULL, (*(ProtobufCMessage *const *const *)p)[k]);
            output_json_end(j);
            continue;
        }
        switch (f->type) {
        case PROTOBUF_C_TYPE_INT32:
            output_json_int(j, f->name, *(const int32_t *)p);
            break;
        case PROTOBUF_C_TYPE_INT64:
            output_json_int(j, f->name, *(const int64_t *)p);
            break;
        case PROTOBUF_C_TYPE_BOOL:
            output_json_bool(j, f->name, *(const protobuf_c_boolean *)p);
            break;
        case PROTOBUF_C_TYPE_DOUBLE:
            output_json_double(j, f->name, *(const double *)p);
            break;
        default: {
            char *t = reflect_get_text(m, f);
            output_json_string(j, f->name, t ? t : "");
            free(t);
        }
        }
    }
    output_json_end(j);
}

void cmd_op_print_write(struct cmd_ctx *ctx, const Reno__WriteReply *w, const uint8_t key[16])
{
    char hex[33];
    hex_encode(key, 16, hex);
    if (ctx->json) {
        struct output_json j;
        output_json_init(&j, stdout);
        output_json_object(&j, NULL);
        output_json_int(&j, "id", w->id);
        output_json_bool(&j, "replayed", w->replayed);
        output_json_string(&j, "key", hex);
        output_json_int(&j, "position", w->position);
        output_json_end(&j);
        fputc('\n', stdout);
    } else if (w->replayed) {
        printf(_("%lld already recorded earlier (replayed; key %s)\n"), (long long)w->id, hex);
    } else {
        printf(_("%lld recorded (key %s)\n"), (long long)w->id, hex);
    }
}

/* Fields that hold a timestamp, shown in the local time zone. */
static bool is_time(const char *field)
{
    size_t n = strlen(field);
    return strcmp(field, "at") == 0 || (n > 3 && strcmp(field + n - 3, "_at") == 0);
}

/* The rows of one page of `reno log` when --limit is not given: a screen of 24 lines
 * holds them with the header, the count and the hint to the next page. */
#define LOG_PAGE 20

/* Whether a listing's column has anything to tell a person: bytes never do in a table
 * (a report's content is fetched with its own command), and a text or a yes/no that is
 * empty or "no" in every row only takes room from the columns that differ (a report list
 * where nothing was replaced or read on a standby). Numbers always show: a 0 is a figure.
 * --json keeps every field. */
static bool column_says_something(const ProtobufCFieldDescriptor *f, ProtobufCMessage *const *rows,
                                  size_t n)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return true;
    switch (f->type) {
    case PROTOBUF_C_TYPE_BYTES:
        return false;
    case PROTOBUF_C_TYPE_STRING:
        for (size_t r = 0; r < n; r++) {
            const char *v = *(const char *const *)reflect_field(rows[r], f);
            if (v != NULL && v[0] != '\0')
                return true;
        }
        return n == 0;
    case PROTOBUF_C_TYPE_BOOL:
        for (size_t r = 0; r < n; r++)
            if (*(const protobuf_c_boolean *)reflect_field(rows[r], f))
                return true;
        return n == 0;
    default:
        return true;
    }
}

/* Columns a narrow terminal leaves out first (table_set_optional): details a reader
 * checks one at a time, with --json or on a wide screen, not what tells rows apart. */
static bool is_detail(const char *field)
{
    static const char *const details[] = {"sha256",      "audit_position", "format",
                                          "issued_by",   "standby_lag_ms", "from_standby",
                                          "username",    "submitted_at",   "effective_date",
                                          "help_needed", "superseded_by",  "investment_completed"};
    for (size_t i = 0; i < sizeof details / sizeof details[0]; i++)
        if (strcmp(field, details[i]) == 0)
            return true;
    return false;
}

/* True when column f holds the same value in every one of n rows (n > 1): it tells no row
 * from another. With asked_for, a narrow screen may leave it out. */
static bool same_in_every_row(const ProtobufCFieldDescriptor *f, ProtobufCMessage *const *rows,
                              size_t n)
{
    if (n < 2 || f->label == PROTOBUF_C_LABEL_REPEATED || f->type == PROTOBUF_C_TYPE_MESSAGE)
        return false;
    char *first = reflect_get_text(rows[0], f);
    bool same = true;
    for (size_t r = 1; r < n && same; r++) {
        char *v = reflect_get_text(rows[r], f);
        same =
            (first == NULL && v == NULL) || (first != NULL && v != NULL && strcmp(first, v) == 0);
        free(v);
    }
    free(first);
    return same;
}

/* True when the request named field (the round of `round reports --round-date`): a
 * column of the value asked for. */
static bool asked_for(const ProtobufCMessage *request, const char *field)
{
    return request != NULL &&
           protobuf_c_message_descriptor_get_field_by_name(request->descriptor, field) != NULL;
}

/* True when the item also names what field holds the code or number of: project_id
 * beside project_name, unit_code beside unit_name. The name tells rows apart; the code
 * may go on a narrow screen. */
static bool named_beside(const ProtobufCMessageDescriptor *d, const char *field)
{
    size_t n = strlen(field);
    size_t stem = n > 3 && strcmp(field + n - 3, "_id") == 0     ? n - 3
                  : n > 5 && strcmp(field + n - 5, "_code") == 0 ? n - 5
                                                                 : 0;
    if (stem == 0)
        return false;
    char name[96];
    snprintf(name, sizeof name, "%.*s_name", (int)stem, field);
    return protobuf_c_message_descriptor_get_field_by_name(d, name) != NULL;
}

/* A standby's lag says something only in a listing read on a standby. */
static bool read_on_standby(const ProtobufCMessageDescriptor *d, ProtobufCMessage *const *rows,
                            size_t n)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(d, "from_standby");
    for (size_t r = 0; f != NULL && r < n; r++)
        if (*(const protobuf_c_boolean *)reflect_field(rows[r], f))
            return true;
    return f == NULL;
}

static void print_read(struct cmd_ctx *ctx, const ProtobufCMessage *m,
                       const ProtobufCMessage *request)
{
    if (ctx->json) {
        struct output_json j;
        output_json_init(&j, stdout);
        json_message(&j, NULL, m);
        fputc('\n', stdout);
        return;
    }
    const ProtobufCFieldDescriptor *items =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "items");
    if (items == NULL || items->type != PROTOBUF_C_TYPE_MESSAGE) {
        /* One record: a line per field, by its label ("下一个文号: ..."). */
        for (unsigned i = 0; i < m->descriptor->n_fields; i++) {
            const ProtobufCFieldDescriptor *f = &m->descriptor->fields[i];
            char *t = reflect_get_text(m, f);
            char local[32];
            if (t != NULL && f->type == PROTOBUF_C_TYPE_STRING && is_time(f->name) &&
                output_local_time(t, local, sizeof local)) {
                free(t);
                t = xstrdup(local);
            }
            const char *label = label_field_word(f->name);
            output_line(stdout, _("%s: %s"), label != NULL ? label : f->name,
                        t != NULL && t[0] != '\0' ? t : "-");
            free(t);
        }
        return;
    }
    const ProtobufCMessageDescriptor *d = items->descriptor;
    /* The audit log has its own layout (cmd_log.c): a summary in place of the JSON. */
    if (d == &reno__audit_entry__descriptor) {
        cmd_log_print_list((const Reno__AuditList *)m, (const Reno__ListAudit *)request);
        return;
    }
    size_t n = reflect_count(m, items);
    ProtobufCMessage *const *rows = *(ProtobufCMessage *const *const *)reflect_field(m, items);
    unsigned *cols = xcalloc(d->n_fields, sizeof *cols);
    size_t ncols = 0;
    for (unsigned i = 0; i < d->n_fields; i++)
        if (column_says_something(&d->fields[i], rows, n) &&
            (strcmp(d->fields[i].name, "standby_lag_ms") != 0 || read_on_standby(d, rows, n)))
            cols[ncols++] = i;
    const char **headers = xcalloc(d->n_fields, sizeof *headers);
    char **upper = xcalloc(d->n_fields, sizeof *upper);
    for (size_t k = 0; k < ncols; k++) {
        const ProtobufCFieldDescriptor *f = &d->fields[cols[k]];
        upper[k] = label_field(f->name);
        headers[k] = upper[k];
    }
    struct table *t = table_new(ncols, headers);
    for (size_t k = 0; k < ncols; k++) {
        const char *name = d->fields[cols[k]].name;
        if (is_detail(name) || named_beside(d, name) ||
            (asked_for(request, name) && same_in_every_row(&d->fields[cols[k]], rows, n)))
            table_set_optional(t, k);
        /* A report is told apart by its 文号 and what it is of, a unit's row by the names
         * of the unit and the project. */
        if (strcmp(name, "doc_number") == 0 || strcmp(name, "subject") == 0 ||
            strcmp(name, "project_name") == 0 || strcmp(name, "unit_name") == 0)
            table_set_keep(t, k);
    }
    char **cells = xcalloc(d->n_fields, sizeof *cells);
    for (size_t r = 0; r < n; r++) {
        for (size_t k = 0; k < ncols; k++) {
            const ProtobufCFieldDescriptor *f = &d->fields[cols[k]];
            char *v = NULL;
            if (f->type == PROTOBUF_C_TYPE_ENUM && f->label != PROTOBUF_C_LABEL_REPEATED) {
                const char *label =
                    label_enum(f->descriptor, *(const int *)reflect_field(rows[r], f));
                v = label != NULL ? xstrdup(label) : NULL;
            } else {
                v = reflect_get_text(rows[r], f);
                if (v != NULL && f->type == PROTOBUF_C_TYPE_DOUBLE && is_money(f->name)) {
                    char money[64];
                    output_money(*(const double *)reflect_field(rows[r], f), money, sizeof money);
                    free(v);
                    v = xstrdup(money);
                }
                char local[32];
                if (v != NULL && f->type == PROTOBUF_C_TYPE_STRING && is_time(f->name) &&
                    output_local_time(v, local, sizeof local)) {
                    free(v);
                    v = xstrdup(local);
                }
                /* Some replies carry codes as text: show their labels as well. */
                if (v != NULL && f->type == PROTOBUF_C_TYPE_STRING) {
                    const char *label = label_code(f->name, v);
                    if (label != v) {
                        char *copy = xstrdup(label);
                        free(v);
                        v = copy;
                    }
                }
            }
            if (v && f->type == PROTOBUF_C_TYPE_BOOL) {
                char *yn = xstrdup(strcmp(v, "t") == 0 ? _("yes") : _("no"));
                free(v);
                v = yn;
            }
            cells[k] = v ? v : xstrdup("");
        }
        table_add_row(t, (const char *const *)cells);
        for (size_t k = 0; k < ncols; k++)
            free(cells[k]);
    }
    table_print(t, stdout);
    printf(ngettext("(%zu row)\n", "(%zu rows)\n", n), n);
    free(cols);
    table_free(t);
    free(cells);
    for (size_t k = 0; k < ncols; k++)
        free(upper[k]);
    free(upper);
    free(headers);
}

/* Fields that name a unit by its code. */
static bool is_unit_field(const char *name)
{
    size_t n = strlen(name);
    return (n >= 9 && strcmp(name + n - 9, "unit_code") == 0) || strcmp(name, "utility_code") == 0;
}

/* True when value is one of the "、"-separated spellings in aliases. */
static bool alias_matches(const char *aliases, const char *value)
{
    size_t len = strlen(value);
    for (const char *p = aliases != NULL ? aliases : ""; *p != '\0';) {
        const char *end = strstr(p, "、");
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, value, len) == 0)
            return true;
        p += n + (end != NULL ? strlen("、") : 0);
    }
    return false;
}

/*
 * A unit may be given by its name (南方电网紫云分公司), one of its other spellings, or the
 * unambiguous beginning of one, as well as by its code: such a value is looked up in the
 * programme's units and replaced by the code before the request is sent.
 */
static int resolve_unit_names(const struct cmd *self, struct cmd_ctx *ctx, ProtobufCMessage *body)
{
    const ProtobufCMessageDescriptor *d = body->descriptor;
    Reno__ServerMessage *units = NULL;
    int rc = CMD_EXIT_OK;
    for (unsigned i = 0; i < d->n_fields && rc == CMD_EXIT_OK; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED ||
            !is_unit_field(f->name))
            continue;
        char **slot = reflect_field(body, f);
        const char *value = *slot;
        bool ascii = true;
        for (const char *p = value != NULL ? value : ""; *p; p++)
            ascii &= (unsigned char)*p < 0x80;
        if (value == NULL || value[0] == '\0' || ascii)
            continue;
        if (units == NULL) {
            Reno__ListUnits list = RENO__LIST_UNITS__INIT;
            Reno__Request req = RENO__REQUEST__INIT;
            req.body_case = RENO__REQUEST__BODY_LIST_UNITS;
            req.list_units = &list;
            rc = cmd_call(ctx, &req, RENO__RESPONSE__BODY_LIST_UNITS, &units);
            if (rc != CMD_EXIT_OK)
                break;
        }
        const Reno__UnitList *ul = units->response->list_units;
        const Reno__Unit *exact = NULL, *prefix = NULL;
        size_t prefixes = 0, len = strlen(value);
        for (size_t k = 0; k < ul->n_items; k++) {
            const Reno__Unit *u = ul->items[k];
            if (strcmp(u->name, value) == 0 || alias_matches(u->aliases, value)) {
                exact = u;
                break;
            }
            if (strncmp(u->name, value, len) == 0) {
                prefix = u;
                prefixes++;
            }
        }
        const Reno__Unit *found = exact != NULL ? exact : (prefixes == 1 ? prefix : NULL);
        char option[80];
        option_name(f->name, option, sizeof option);
        if (found == NULL) {
            rc = cmd_usage_error(self,
                                 prefixes > 1 ? _("--%s: '%s' names more than one unit (see "
                                                  "reno unit list)")
                                              : _("--%s: no unit is called '%s' (see reno unit "
                                                  "list)"),
                                 option, value);
            break;
        }
        if (*slot != (char *)protobuf_c_empty_string)
            free(*slot);
        *slot = xstrdup(found->code);
    }
    cmd_free(ctx, units);
    return rc;
}

/*
 * A read about a collection round that names none is about the current one: the round
 * the consolidated status shows.
 */
static int default_round(struct cmd_ctx *ctx, ProtobufCMessage *body)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(body->descriptor, "round_date");
    if (f == NULL || f->type != PROTOBUF_C_TYPE_STRING)
        return CMD_EXIT_OK;
    char **slot = reflect_field(body, f);
    if (*slot != NULL && (*slot)[0] != '\0')
        return CMD_EXIT_OK;
    Reno__GetStatus get = RENO__GET_STATUS__INIT;
    get.as_of = (char *)"";
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &get;
    Reno__ServerMessage *m = NULL;
    int rc = cmd_call(ctx, &req, RENO__RESPONSE__BODY_STATUS_REPLY, &m);
    if (rc != CMD_EXIT_OK)
        return rc;
    const Reno__StatusRound *round = m->response->status_reply->round;
    if (round != NULL && round->round_date != NULL && round->round_date[0] != '\0') {
        if (*slot != (char *)protobuf_c_empty_string)
            free(*slot);
        *slot = xstrdup(round->round_date);
        if (!ctx->json)
            output_line(stdout,
                        _("collection round %s (the current one; --round-date for another)"),
                        round->round_date);
    }
    cmd_free(ctx, m);
    return CMD_EXIT_OK;
}

/* A project named in an option by its name (or community, or the start of either) rather
 * than its number: the field it sets and the text, resolved once logged in. */
struct project_name {
    const ProtobufCFieldDescriptor *field;
    char option[80];
    const char *text;
};
#define MAX_PROJECT_NAMES 4

static bool all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static bool is_project_field(const ProtobufCFieldDescriptor *f)
{
    return f != NULL && f->type == PROTOBUF_C_TYPE_INT64 && f->label != PROTOBUF_C_LABEL_REPEATED &&
           strcmp(f->name, "project_id") == 0;
}

/*
 * Finds the options that name a project by text, notes them in names and puts a
 * placeholder number in their place in args (a copy of argv; `owned` keeps the strings
 * made for "--project=NAME"), so that the request builds and checks offline as before.
 * Returns how many were found, or -1 when there are more than MAX_PROJECT_NAMES.
 */
static int take_project_names(const struct cmd_op *op, int argc, char **args, char **owned,
                              struct project_name *names)
{
    const ProtobufCMessageDescriptor *d = cmd_op_request_field(op)->descriptor;
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (strncmp(args[i], "--", 2) != 0)
            continue;
        const char *eq = strchr(args[i], '=');
        char option[80];
        snprintf(option, sizeof option, "%.*s",
                 (int)(eq != NULL ? (size_t)(eq - args[i] - 2) : strlen(args[i] + 2)), args[i] + 2);
        const ProtobufCFieldDescriptor *f = option_field(d, option);
        const char *value = eq != NULL ? eq + 1 : (i + 1 < argc ? args[i + 1] : NULL);
        if (!is_project_field(f) || value == NULL || value[0] == '-' || all_digits(value)) {
            i += eq == NULL && f != NULL && f->type != PROTOBUF_C_TYPE_BOOL;
            continue;
        }
        if (n == MAX_PROJECT_NAMES)
            return -1;
        names[n].field = f;
        snprintf(names[n].option, sizeof names[n].option, "--%s", option);
        names[n].text = value;
        if (eq != NULL) {
            owned[n] = xasprintf("--%s=1", option);
            args[i] = owned[n];
        } else {
            args[++i] = (char *)"1";
        }
        n++;
    }
    return n;
}

int cmd_project_by_name(const struct cmd *self, struct cmd_ctx *ctx, const char *option,
                        const char *text, int64_t *id)
{
    Reno__ListProjects list = RENO__LIST_PROJECTS__INIT;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_LIST_PROJECTS;
    req.list_projects = &list;
    Reno__ServerMessage *m = NULL;
    int rc = cmd_call(ctx, &req, RENO__RESPONSE__BODY_LIST_PROJECTS, &m);
    if (rc != CMD_EXIT_OK)
        return rc;
    /* The exact name or community first, then the one project either starts with. */
    const Reno__ProjectList *pl = m->response->list_projects;
    size_t len = strlen(text);
    const Reno__Project *exact = NULL, *prefix = NULL;
    size_t prefixes = 0;
    for (size_t i = 0; i < pl->n_items && exact == NULL; i++) {
        const Reno__Project *p = pl->items[i];
        if (strcmp(p->name, text) == 0 || strcmp(p->community, text) == 0)
            exact = p;
        else if (strncmp(p->name, text, len) == 0 || strncmp(p->community, text, len) == 0) {
            prefix = p;
            prefixes++;
        }
    }
    const Reno__Project *found = exact != NULL ? exact : (prefixes == 1 ? prefix : NULL);
    if (found != NULL)
        *id = found->id;
    else
        rc = cmd_usage_error(self,
                             prefixes > 1 ? _("%s: '%s' names more than one project (see reno "
                                              "project list)")
                                          : _("%s: no project is called '%s' (see reno project "
                                              "list)"),
                             option, text);
    cmd_free(ctx, m);
    return rc;
}

static int resolve_project_names(const struct cmd *self, struct cmd_ctx *ctx,
                                 ProtobufCMessage *body, const struct project_name *names, int n)
{
    int rc = CMD_EXIT_OK;
    for (int k = 0; k < n && rc == CMD_EXIT_OK; k++) {
        int64_t id = 0;
        rc = cmd_project_by_name(self, ctx, names[k].option, names[k].text, &id);
        if (rc == CMD_EXIT_OK)
            *(int64_t *)reflect_field(body, names[k].field) = id;
    }
    return rc;
}

static int op_run(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    const struct cmd_op *op = (const struct cmd_op *)self;
    /* A write given nothing to write shows what it would change: its READ twin answers
     * (`reno report numbering` shows the format that --doc-number-format sets). */
    if (read_twin(op) != NULL && reads_twin(op, read_twin(op), argc, argv)) {
        op = read_twin(op);
        self = &op->cmd;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_help(op, stdout);
            return CMD_EXIT_OK;
        }
    }
    ProtobufCMessage *body = NULL;
    uint8_t key[16];
    char err[256];
    char **args = xcalloc((size_t)argc + 1, sizeof *args);
    memcpy(args, argv, (size_t)argc * sizeof *args);
    char *owned[MAX_PROJECT_NAMES] = {0};
    struct project_name names[MAX_PROJECT_NAMES];
    int n_names = take_project_names(op, argc, args, owned, names);
    int built = n_names < 0 ? -1 : cmd_op_build(op, argc, args, &body, key, err, sizeof err);
    free(args);
    if (n_names < 0)
        snprintf(err, sizeof err, "%s", _("too many projects named by name"));
    if (built != 0) {
        for (int k = 0; k < MAX_PROJECT_NAMES; k++)
            free(owned[k]);
        return cmd_usage_error(self, "%s", err);
    }
    /* `reno log` reads newest first, a screenful at a time, unless following the log
     * forward with --after-id. */
    if (body->descriptor == &reno__list_audit__descriptor) {
        Reno__ListAudit *la = (Reno__ListAudit *)body;
        if (la->limit == 0)
            la->limit = LOG_PAGE;
        if (la->after_id == 0)
            la->newest_first = true;
    }
    int rc = cmd_resume(ctx, NULL, NULL);
    if (rc == CMD_EXIT_OK)
        rc = resolve_project_names(self, ctx, body, names, n_names);
    for (int k = 0; k < MAX_PROJECT_NAMES; k++)
        free(owned[k]);
    if (rc == CMD_EXIT_OK)
        rc = resolve_unit_names(self, ctx, body);
    if (rc == CMD_EXIT_OK && !op->write)
        rc = default_round(ctx, body);
    Reno__ServerMessage *reply = NULL;
    if (rc == CMD_EXIT_OK)
        rc = cmd_op_send(ctx, op, body, &reply);
    if (rc == CMD_EXIT_OK) {
        const ProtobufCMessage *m = reply_body(op, reply->response);
        if (op->write)
            cmd_op_print_write(ctx, (const Reno__WriteReply *)m, key);
        else
            print_read(ctx, m, body);
    } else if (op->write && rc == CMD_EXIT_REFUSED + RENO__STATUS_CODE__UNAVAILABLE) {
        char hex[33];
        hex_encode(key, 16, hex);
        output_error(_("retry with --key %s"), hex);
    }
    cmd_free(ctx, reply);
    protobuf_c_message_free_unpacked(body, NULL);
    return rc;
}
