/*
 * reno import FILE.csv: a batch of writes from a spreadsheet. Each row names a write
 * operation in its first column, `op` (a WRITE of common/ops.def, e.g. mark_milestone, or
 * push_progress), and gives its request fields in the columns named after them; an empty
 * cell leaves a field unset. A repeated field (record_acceptance's participating_units)
 * takes one column per value, all with its name.
 *
 * The file is read and every row checked before anything is sent: the operation exists
 * and is a write, each column is a field of the row's operation, each value parses for
 * its field's type (reflect_set_text()), and the request passes the protocol's own field
 * checks (msg_check_request(): text sizes, UTF-8, dates, enum values). One bad row and
 * nothing is sent; every problem is shown as "FILE:LINE: field: problem".
 *
 * Then the rows go in file order, one request (one transaction on the server) each, on
 * one connection. By default the first refusal stops the import; the rows before it stay
 * recorded. The idempotency key of a row is derived from the row, not drawn at random:
 * BLAKE2b of the operation, the request's content and how many identical rows come
 * before it in the file. Running the same file again after a failure, a lost reply or a
 * crash therefore records nothing twice (the server answers those rows "replayed"), and
 * so does running it again after fixing the refused row, because the other rows keep
 * their keys. The cost of this choice: a row identical to one imported before, from
 * another file, counts as the same write and is answered "already recorded".
 *
 * Ownership: everything read and built here is freed before run_import() returns; the
 * connection is main's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "i18n.h"
#include "cmd.h"
#include "cmd_op.h"
#include "csv.h"
#include "date.h"
#include "frame.h"
#include "hex.h"
#include "msg.h"
#include "output.h"
#include "reflect.h"
#include "xmalloc.h"

/* The largest file import reads: far more rows than a department's spreadsheet holds. */
#define IMPORT_MAX_FILE_BYTES (16u << 20)
/* Problems shown before the rest are only counted. */
#define IMPORT_MAX_PROBLEMS_SHOWN 100
/* Domain separation for the derived keys, and its version: changing how keys are derived
 * changes this text, so that old and new keys can never meet. */
#define IMPORT_KEY_TAG "reno import row key v1"

struct column {
    char *name; /* trimmed, '-' read as '_'; "" for a column without a name */
    bool known; /* a field of some operation import can send */
};

struct row {
    size_t line;
    const ProtobufCFieldDescriptor *body; /* the Request field: which operation */
    ProtobufCMessage *msg;                /* the request body, its key included */
    uint8_t digest[crypto_generichash_BYTES];
    size_t index; /* the row's position, to keep file order among equal digests */
};

enum outcome { OUTCOME_RECORDED, OUTCOME_REPLAYED, OUTCOME_REFUSED, OUTCOME_NO_ANSWER };

struct result {
    size_t row; /* index into rows */
    enum outcome outcome;
    int64_t id;
    Reno__StatusCode code;
    char *field; /* the column the server named, or "" */
    char *message;
};

struct import {
    const char *path;
    struct csv csv;
    struct column *columns;
    size_t n_columns;
    struct row *rows;
    size_t n_rows;
    size_t problems;
    struct result *results;
    size_t n_results;
};

/* ---- The operations a row may name ------------------------------------------------------ */

/* PushProgress is not a table-like operation but is a write all the same. */
static const char push_progress_name[] = "push_progress";

/* The Request field of an operation import can send; NULL with *why when there is none. */
static const ProtobufCFieldDescriptor *find_operation(const char *name, const char **why)
{
    if (strcmp(name, push_progress_name) == 0)
        return protobuf_c_message_descriptor_get_field_by_name(&reno__request__descriptor,
                                                               push_progress_name);
    const struct cmd_op *op = cmd_op_find(name);
    if (op == NULL) {
        *why = "is not an operation";
        return NULL;
    }
    if (!op->write) {
        *why = "reads and does not write: import sends writes only";
        return NULL;
    }
    return cmd_op_request_field(op);
}

/*
 * Calls fn on the Request field of every operation import can send, in --help order, with
 * the words of the command that sends it alone.
 */
static void each_operation(void (*fn)(const ProtobufCFieldDescriptor *body, const char *words,
                                      void *arg),
                           void *arg)
{
    fn(protobuf_c_message_descriptor_get_field_by_name(&reno__request__descriptor,
                                                       push_progress_name),
       "progress push", arg);
    for (size_t i = 0; i < cmd_ops_count; i++)
        if (cmd_ops[i].write)
            fn(cmd_op_request_field(&cmd_ops[i]), cmd_ops[i].cmd.name, arg);
}

static bool is_key_field(const ProtobufCFieldDescriptor *f)
{
    return strcmp(f->name, "idempotency_key") == 0;
}

/* A request field a column may name: any but the key, which import derives itself. */
static const ProtobufCFieldDescriptor *column_field(const ProtobufCFieldDescriptor *body,
                                                    const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(body->descriptor, name);
    return f != NULL && !is_key_field(f) ? f : NULL;
}

struct field_search {
    const char *name;
    bool found;
    bool repeated;
};

static void search_field(const ProtobufCFieldDescriptor *body, const char *words, void *arg)
{
    (void)words;
    struct field_search *s = arg;
    const ProtobufCFieldDescriptor *f = column_field(body, s->name);
    if (f != NULL) {
        s->found = true;
        s->repeated |= f->label == PROTOBUF_C_LABEL_REPEATED;
    }
}

/* ---- Help ------------------------------------------------------------------------------- */

static void print_columns(const ProtobufCFieldDescriptor *body, const char *words, void *arg)
{
    FILE *out = arg;
    const ProtobufCMessageDescriptor *d = body->descriptor;
    fprintf(out, _("  %s (reno %s --help)\n"), body->name, words);
    int width = fprintf(out, "      ");
    for (unsigned i = 0, shown = 0; i < d->n_fields; i++) {
        if (is_key_field(&d->fields[i]))
            continue;
        const char *name = d->fields[i].name;
        if (shown++ > 0)
            width += fprintf(out, ",");
        if (width + 1 + (int)strlen(name) > 88)
            width = fprintf(out, "\n      ") - 1;
        else if (shown > 1)
            width += fprintf(out, " ");
        width += fprintf(out, "%s", name);
    }
    fputc('\n', out);
}

static void print_help(const struct cmd *self, FILE *out)
{
    fprintf(out, _("usage: reno import %s\n\n%s"), self->usage, self->help);
    fprintf(out,
            _("\nOperations (column op), each with the command that describes its fields, and\n"
              "their columns:\n"));
    each_operation(print_columns, out);
}

/* ---- Reading and checking --------------------------------------------------------------- */

static void problem(struct import *im, size_t line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem(struct import *im, size_t line, const char *field, const char *fmt, ...)
{
    if (im->problems++ >= IMPORT_MAX_PROBLEMS_SHOWN)
        return;
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    fflush(stdout);
    if (field != NULL)
        output_line(stderr, _("%s:%zu: %s: %s"), im->path, line, field, message);
    else
        output_line(stderr, _("%s:%zu: %s"), im->path, line, message);
}

/* The whole file, or NULL after printing why. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        output_error(_("cannot open %s: %s"), path, strerror(errno));
        return NULL;
    }
    size_t cap = 64 * 1024, n = 0;
    char *data = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap > IMPORT_MAX_FILE_BYTES)
                break;
            cap *= 2;
            data = xrealloc(data, cap);
        }
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        output_error(_("cannot read %s"), path);
    } else if (n > IMPORT_MAX_FILE_BYTES) {
        output_error(_("%s is larger than %u MiB: split it into several files"), path,
                     IMPORT_MAX_FILE_BYTES >> 20);
        failed = true;
    }
    if (failed) {
        free(data);
        return NULL;
    }
    *len = n;
    return data;
}

/* A header name as a field name: blanks around it dropped, '-' read as '_'. */
static char *normalise_name(const char *cell)
{
    const char *start = cell;
    while (*start == ' ' || *start == '\t')
        start++;
    size_t len = strlen(start);
    while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
        len--;
    char *name = xstrndup(start, len);
    for (char *p = name; *p; p++)
        if (*p == '-')
            *p = '_';
    return name;
}

static void read_header(struct import *im, const struct csv_record *header)
{
    im->n_columns = header->n_cells;
    im->columns = xcalloc(im->n_columns, sizeof *im->columns);
    for (size_t k = 0; k < header->n_cells; k++)
        im->columns[k].name = normalise_name(header->cells[k]);
    if (strcmp(im->columns[0].name, "op") != 0)
        problem(im, header->line, NULL,
                "the first column must be 'op', the operation of each row, not '%s'",
                header->cells[0]);
    for (size_t k = 1; k < im->n_columns; k++) {
        struct column *c = &im->columns[k];
        if (c->name[0] == '\0')
            continue; /* its cells must be empty: see build_row() */
        if (!msg_valid_utf8(c->name, strlen(c->name))) {
            problem(im, header->line, NULL, "column %zu: its name is not valid UTF-8", k + 1);
            continue;
        }
        if (strcmp(c->name, "op") == 0) {
            problem(im, header->line, c->name, "only the first column may be 'op'");
            continue;
        }
        if (strcmp(c->name, "idempotency_key") == 0) {
            problem(im, header->line, c->name,
                    "import derives each row's key from the row: remove the column");
            continue;
        }
        struct field_search s = {c->name, false, false};
        each_operation(search_field, &s);
        if (!s.found) {
            problem(im, header->line, c->name,
                    "unknown column: no operation has this field (see 'reno import --help')");
            continue;
        }
        c->known = true;
        for (size_t j = 1; j < k && !s.repeated; j++) {
            if (strcmp(im->columns[j].name, c->name) == 0) {
                problem(im, header->line, c->name,
                        "column given twice (only a repeated field may be, one value a column)");
                break;
            }
        }
    }
}

/* "a|b|c": the texts of an enum's values, for a message. */
static void enum_values(const ProtobufCEnumDescriptor *ed, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned k = 0; k < ed->n_values && n < size; k++) {
        char *t = reflect_enum_text(ed, ed->values[k].value);
        if (t != NULL)
            n += (size_t)snprintf(out + n, size - n, "%s%s", n ? "|" : "", t);
        free(t);
    }
}

/* "project_id, milestone_code, ...": the columns of an operation, for a message. */
static void field_list(const ProtobufCFieldDescriptor *body, char *out, size_t size)
{
    const ProtobufCMessageDescriptor *d = body->descriptor;
    size_t n = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < d->n_fields && n < size; i++)
        if (!is_key_field(&d->fields[i]))
            n += (size_t)snprintf(out + n, size - n, "%s%s", n ? ", " : "", d->fields[i].name);
}

/* The Request that carries one row's body (pointing into it, owning nothing). */
static void wrap_request(Reno__Request *req, const ProtobufCFieldDescriptor *body,
                         ProtobufCMessage *msg)
{
    Reno__Request init = RENO__REQUEST__INIT;
    *req = init;
    req->body_case = (Reno__Request__BodyCase)body->id;
    *(ProtobufCMessage **)((char *)req + body->offset) = msg;
}

static ProtobufCBinaryData *key_of(const struct row *r)
{
    const ProtobufCFieldDescriptor *kf =
        protobuf_c_message_descriptor_get_field_by_name(r->body->descriptor, "idempotency_key");
    return reflect_field(r->msg, kf);
}

static void set_key(struct row *r, const uint8_t key[MSG_IDEMPOTENCY_KEY_BYTES])
{
    ProtobufCBinaryData *b = key_of(r);
    if (b->data == NULL)
        b->data = xmalloc(MSG_IDEMPOTENCY_KEY_BYTES);
    memcpy(b->data, key, MSG_IDEMPOTENCY_KEY_BYTES);
    b->len = MSG_IDEMPOTENCY_KEY_BYTES;
}

/* What identifies the row's write: its operation and its request's content, key unset. */
static void digest_row(struct row *r)
{
    size_t len = protobuf_c_message_get_packed_size(r->msg);
    uint8_t *packed = xmalloc(len ? len : 1);
    protobuf_c_message_pack(r->msg, packed);
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof r->digest);
    crypto_generichash_update(&st, (const unsigned char *)r->body->name, strlen(r->body->name) + 1);
    crypto_generichash_update(&st, packed, len);
    crypto_generichash_final(&st, r->digest, sizeof r->digest);
    free(packed);
}

/* Sets one cell's value on the row's request; false after reporting a problem. */
static bool set_cell(struct import *im, const struct row *r, const struct column *c,
                     const char *cell, bool *given)
{
    const ProtobufCFieldDescriptor *f = column_field(r->body, c->name);
    if (f == NULL) {
        char fields[400];
        field_list(r->body, fields, sizeof fields);
        problem(im, r->line, c->name, "not a field of %s, whose columns are %s", r->body->name,
                fields);
        return false;
    }
    const ProtobufCMessageDescriptor *d = r->body->descriptor;
    size_t index = (size_t)(f - d->fields);
    if (given[index] && f->label != PROTOBUF_C_LABEL_REPEATED) {
        problem(im, r->line, c->name, "given twice");
        return false;
    }
    given[index] = true;
    if (!msg_valid_utf8(cell, strlen(cell))) {
        problem(im, r->line, c->name, "not valid UTF-8 text (save the file as CSV UTF-8)");
        return false;
    }
    int32_t days;
    if (reflect_is_date_field(f) && !date_parse(cell, &days)) {
        problem(im, r->line, c->name, "'%s' is not a date YYYY-MM-DD", cell);
        return false;
    }
    char err[REFLECT_ERR_SIZE];
    if (reflect_set_text(r->msg, f, cell, err) != 0) {
        const char *what = strstr(err, ": ") ? strstr(err, ": ") + 2 : err;
        if (f->type == PROTOBUF_C_TYPE_ENUM) {
            char values[400];
            enum_values(f->descriptor, values, sizeof values);
            problem(im, r->line, c->name, "'%s' is %s: %s", cell, what, values);
        } else {
            problem(im, r->line, c->name, "'%s' is %s", cell, what);
        }
        return false;
    }
    return true;
}

/* Builds the request of one data record into im->rows; problems are reported. */
static void build_row(struct import *im, const struct csv_record *rec, int32_t today)
{
    size_t before = im->problems;
    /* Empty cells past the header's last column (a spreadsheet's stray commas) are none. */
    size_t n_cells = rec->n_cells;
    while (n_cells > im->n_columns && rec->cells[n_cells - 1][0] == '\0')
        n_cells--;
    if (n_cells > im->n_columns) {
        problem(im, rec->line, NULL, "a value in cell %zu, but the header names only %zu columns",
                n_cells, im->n_columns);
        return;
    }
    const char *why = NULL;
    const ProtobufCFieldDescriptor *body = find_operation(rec->cells[0], &why);
    if (body == NULL) {
        if (rec->cells[0][0] == '\0')
            problem(im, rec->line, "op", "missing: name the operation of the row");
        else
            problem(im, rec->line, "op", "'%s' %s (see 'reno import --help')", rec->cells[0], why);
        return;
    }
    struct row r = {.line = rec->line, .body = body, .index = im->n_rows};
    r.msg = reflect_new(body->descriptor);
    const ProtobufCMessageDescriptor *d = body->descriptor;
    bool *given = xcalloc(d->n_fields, sizeof *given);
    for (size_t k = 1; k < n_cells; k++) {
        const struct column *c = &im->columns[k];
        const char *cell = rec->cells[k];
        if (cell[0] == '\0')
            continue;
        if (c->name[0] == '\0') {
            problem(im, rec->line, NULL, "column %zu has a value but no name in the header", k + 1);
            continue;
        }
        if (c->known)
            set_cell(im, &r, c, cell, given);
        /* A value in an unknown column: the header line already says so. */
    }
    free(given);

    if (im->problems == before) {
        digest_row(&r);
        /* The protocol's own checks, with a key of the right size in place. */
        uint8_t placeholder[MSG_IDEMPOTENCY_KEY_BYTES] = {0};
        set_key(&r, placeholder);
        Reno__Request req;
        wrap_request(&req, body, r.msg);
        struct msg_fault fault;
        /* The string rules are the server's too (msg_check_wire: no control characters,
         * none at all in a name or code), so a row that would be refused is found here,
         * before anything is sent. */
        size_t frame_len = 0;
        uint8_t *frame = msg_pack_frame(&req.base, &frame_len);
        bool packed = frame != NULL;
        bool ok =
            packed &&
            msg_check_wire(frame + FRAME_HEADER_SIZE, frame_len - FRAME_HEADER_SIZE, &fault) &&
            msg_check_request(&req, today, &fault);
        free(frame);
        if (!packed) {
            problem(im, rec->line, "op", "the row is too large to send");
        } else if (!ok) {
            const char *dot = strchr(fault.field, '.');
            /* "push_progress.report_date is in the future" under the column report_date. */
            const char *message = fault.message;
            size_t path_len = strlen(fault.field);
            if (strncmp(message, fault.field, path_len) == 0 && message[path_len] == ' ')
                message += path_len + 1;
            problem(im, rec->line, dot ? dot + 1 : fault.field, "%s", message);
        }
    }
    if (im->problems != before) {
        protobuf_c_message_free_unpacked(r.msg, NULL);
        return;
    }
    im->rows = xrealloc(im->rows, (im->n_rows + 1) * sizeof *im->rows);
    im->rows[im->n_rows++] = r;
}

static int by_digest(const void *a, const void *b)
{
    const struct row *x = *(const struct row *const *)a;
    const struct row *y = *(const struct row *const *)b;
    int c = memcmp(x->digest, y->digest, sizeof x->digest);
    if (c != 0)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Each row's key: BLAKE2b-128 of the tag, the row's digest and how many rows with the same
 * digest come before it. Two identical rows are two writes; moving rows, fixing one or
 * adding others leaves the keys of the rest as they were.
 */
static void derive_keys(struct import *im)
{
    struct row **order = xcalloc(im->n_rows ? im->n_rows : 1, sizeof *order);
    for (size_t i = 0; i < im->n_rows; i++)
        order[i] = &im->rows[i];
    qsort(order, im->n_rows, sizeof *order, by_digest);
    uint32_t occurrence = 0;
    for (size_t i = 0; i < im->n_rows; i++) {
        if (i > 0 && memcmp(order[i]->digest, order[i - 1]->digest, sizeof order[i]->digest) == 0)
            occurrence++;
        else
            occurrence = 0;
        uint8_t counter[4] = {(uint8_t)(occurrence >> 24), (uint8_t)(occurrence >> 16),
                              (uint8_t)(occurrence >> 8), (uint8_t)occurrence};
        uint8_t key[MSG_IDEMPOTENCY_KEY_BYTES];
        crypto_generichash_state st;
        crypto_generichash_init(&st, NULL, 0, sizeof key);
        crypto_generichash_update(&st, (const unsigned char *)IMPORT_KEY_TAG,
                                  sizeof IMPORT_KEY_TAG);
        crypto_generichash_update(&st, order[i]->digest, sizeof order[i]->digest);
        crypto_generichash_update(&st, counter, sizeof counter);
        crypto_generichash_final(&st, key, sizeof key);
        set_key(order[i], key);
    }
    free(order);
}

/* Reads and checks the whole file into im: 0, or CMD_EXIT_USAGE after the problems. */
static int load(struct import *im)
{
    size_t len = 0;
    char *data = read_file(im->path, &len);
    if (data == NULL)
        return CMD_EXIT_USAGE;
    struct csv_error err;
    int rc = csv_parse(data, len, &im->csv, &err);
    free(data);
    if (rc != 0) {
        problem(im, err.line, NULL, "%s", err.message);
        return CMD_EXIT_USAGE;
    }
    size_t first = 0;
    while (first < im->csv.n_records && csv_record_blank(&im->csv.records[first]))
        first++;
    if (first == im->csv.n_records) {
        output_error(_("%s has no header: its first line names the columns, starting with 'op'"),
                     im->path);
        return CMD_EXIT_USAGE;
    }
    read_header(im, &im->csv.records[first]);
    int32_t today = date_today();
    for (size_t i = first + 1; i < im->csv.n_records; i++)
        if (!csv_record_blank(&im->csv.records[i]))
            build_row(im, &im->csv.records[i], today);
    if (im->problems > 0) {
        if (im->problems > IMPORT_MAX_PROBLEMS_SHOWN)
            output_error(_("... and %zu more problems"), im->problems - IMPORT_MAX_PROBLEMS_SHOWN);
        output_error(_("%zu %s in %s: nothing was sent"), im->problems,
                     im->problems == 1 ? "problem" : "problems", im->path);
        return CMD_EXIT_USAGE;
    }
    derive_keys(im);
    return CMD_EXIT_OK;
}

/* ---- Sending ---------------------------------------------------------------------------- */

static int refusal_exit(Reno__StatusCode code)
{
    if ((int)code >= 1 && (int)code <= 100)
        return CMD_EXIT_REFUSED + (int)code;
    return CMD_EXIT_REFUSED + RENO__STATUS_CODE__INTERNAL;
}

/* Refusals about one row, after which the next rows may still go through. */
static bool row_refusal(Reno__StatusCode code)
{
    return code == RENO__STATUS_CODE__BAD_REQUEST || code == RENO__STATUS_CODE__PERMISSION_DENIED ||
           code == RENO__STATUS_CODE__NOT_FOUND || code == RENO__STATUS_CODE__CONFLICT;
}

static struct result *add_result(struct import *im, size_t row, enum outcome outcome)
{
    im->results = xrealloc(im->results, (im->n_results + 1) * sizeof *im->results);
    struct result *res = &im->results[im->n_results++];
    memset(res, 0, sizeof *res);
    res->row = row;
    res->outcome = outcome;
    return res;
}

/* The id and replayed flag of a write's reply (WriteReply or PushProgressReply). */
static void read_reply(const struct row *r, const Reno__Response *resp, struct result *res)
{
    const ProtobufCFieldDescriptor *rf =
        protobuf_c_message_descriptor_get_field(&reno__response__descriptor, r->body->id);
    const ProtobufCMessage *m = *(ProtobufCMessage *const *)((const char *)resp + rf->offset);
    const ProtobufCFieldDescriptor *id = protobuf_c_message_descriptor_get_field(m->descriptor, 1);
    const ProtobufCFieldDescriptor *replayed =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "replayed");
    if (id != NULL && id->type == PROTOBUF_C_TYPE_INT64)
        res->id = *(const int64_t *)reflect_field(m, id);
    if (replayed != NULL && *(const protobuf_c_boolean *)reflect_field(m, replayed))
        res->outcome = OUTCOME_REPLAYED;
}

/* Sends one row. CMD_EXIT_OK when it is recorded (now or before), else the exit code. */
static int send_row(struct cmd_ctx *ctx, struct import *im, size_t i)
{
    const struct row *r = &im->rows[i];
    Reno__Request req;
    wrap_request(&req, r->body, r->msg);
    Reno__ServerMessage *m = NULL;
    char err[NET_ERR_SIZE];
    if (net_call(ctx->conn, &req, &m, err) != 0) {
        struct result *res = add_result(im, i, OUTCOME_NO_ANSWER);
        res->message = xstrdup(err);
        fflush(stdout);
        output_line(stderr, _("%s:%zu: no answer: %s: the row may or may not be recorded"),
                    im->path, r->line, err);
        return CMD_EXIT_TRANSPORT;
    }
    const Reno__Response *resp = m->response;
    int rc = CMD_EXIT_OK;
    if (resp->status != NULL && resp->status->code != RENO__STATUS_CODE__OK) {
        const Reno__Status *st = resp->status;
        struct result *res = add_result(im, i, OUTCOME_REFUSED);
        const char *field = st->field != NULL ? st->field : "";
        /* "mark_milestone.done_on" is the column done_on. */
        if (strncmp(field, r->body->name, strlen(r->body->name)) == 0 &&
            field[strlen(r->body->name)] == '.')
            field += strlen(r->body->name) + 1;
        res->code = st->code;
        res->field = xstrdup(field);
        res->message = xstrdup(st->message != NULL ? st->message : "");
        fflush(stdout);
        output_line(stderr, _("%s:%zu: %s%s%s: %s"), im->path, r->line, field, field[0] ? ": " : "",
                    msg_status_name(st->code), res->message);
        if (st->code == RENO__STATUS_CODE__CONFLICT && strcmp(field, "idempotency_key") == 0)
            output_error(_("the same row was imported before by another account: "
                           "it is not recorded again"));
        rc = refusal_exit(st->code);
    } else if (resp->body_case != (Reno__Response__BodyCase)r->body->id) {
        struct result *res = add_result(im, i, OUTCOME_NO_ANSWER);
        res->message = xstrdup("a reply without the expected body");
        output_line(stderr, _("%s:%zu: the server answered %s without the expected reply"),
                    im->path, r->line, r->body->name);
        rc = CMD_EXIT_TRANSPORT;
    } else {
        struct result *res = add_result(im, i, OUTCOME_RECORDED);
        read_reply(r, resp, res);
        if (!ctx->json)
            output_line(stdout, _("%s:%zu: %s %s (id %lld)"), im->path, r->line, r->body->name,
                        res->outcome == OUTCOME_REPLAYED ? "already recorded" : "recorded",
                        (long long)res->id);
    }
    net_free(ctx->conn, m);
    return rc;
}

/* What to do after a failure, so that the rest gets recorded exactly once. */
static void print_advice(const struct result *res)
{
    const char *once = "rows already recorded are answered 'already recorded', never "
                       "recorded twice";
    if (res->outcome == OUTCOME_NO_ANSWER)
        output_error(_("run the same import again: %s"), once);
    else if (res->code == RENO__STATUS_CODE__UNAUTHENTICATED)
        output_error(_("log in again and run the same import: %s"), once);
    else if (row_refusal(res->code))
        output_error(_("fix the refused row and run the import again: %s"), once);
    else
        output_error(_("run the same import again later: %s"), once);
}

/* Sends the rows in order; the exit code of the first failure, or CMD_EXIT_OK. */
static int send_rows(struct cmd_ctx *ctx, struct import *im, bool keep_going)
{
    int first_rc = CMD_EXIT_OK;
    size_t first_failure = 0;
    for (size_t i = 0; i < im->n_rows; i++) {
        int rc = send_row(ctx, im, i);
        if (rc == CMD_EXIT_OK)
            continue;
        if (first_rc == CMD_EXIT_OK) {
            first_rc = rc;
            first_failure = im->n_results - 1;
        }
        const struct result *res = &im->results[im->n_results - 1];
        if (keep_going && res->outcome == OUTCOME_REFUSED && row_refusal(res->code))
            continue;
        size_t recorded = 0;
        for (size_t k = 0; k + 1 < im->n_results; k++)
            recorded += im->results[k].outcome == OUTCOME_RECORDED ||
                        im->results[k].outcome == OUTCOME_REPLAYED;
        size_t unsent = im->n_rows - i - 1;
        char before[80];
        if (recorded == 0)
            snprintf(before, sizeof before, "nothing before it was recorded");
        else
            snprintf(before, sizeof before, "the %zu %s before it %s recorded", recorded,
                     recorded == 1 ? "row" : "rows", recorded == 1 ? "is" : "are");
        output_error(_("stopped at line %zu: %s; the %zu %s after it %s not sent"),
                     im->rows[i].line, before, unsent, unsent == 1 ? "row" : "rows",
                     unsent == 1 ? "was" : "were");
        break;
    }
    if (first_rc != CMD_EXIT_OK)
        print_advice(&im->results[first_failure]);
    return first_rc;
}

/* ---- Output ----------------------------------------------------------------------------- */

static const char *outcome_name(enum outcome o)
{
    switch (o) {
    case OUTCOME_RECORDED:
        return "recorded";
    case OUTCOME_REPLAYED:
        return "already_recorded";
    case OUTCOME_REFUSED:
        return "refused";
    case OUTCOME_NO_ANSWER:
        return "no_answer";
    }
    return "unknown";
}

static void count(const struct import *im, size_t counts[4])
{
    memset(counts, 0, 4 * sizeof *counts);
    for (size_t i = 0; i < im->n_results; i++)
        counts[im->results[i].outcome]++;
}

static void print_json(const struct import *im, bool dry_run)
{
    size_t counts[4];
    count(im, counts);
    struct output_json j;
    output_json_init(&j, stdout);
    output_json_object(&j, NULL);
    output_json_string(&j, "file", im->path);
    output_json_bool(&j, "dry_run", dry_run);
    output_json_int(&j, "rows", (int64_t)im->n_rows);
    output_json_int(&j, "recorded", (int64_t)counts[OUTCOME_RECORDED]);
    output_json_int(&j, "already_recorded", (int64_t)counts[OUTCOME_REPLAYED]);
    output_json_int(&j, "refused", (int64_t)counts[OUTCOME_REFUSED]);
    output_json_int(&j, "no_answer", (int64_t)counts[OUTCOME_NO_ANSWER]);
    output_json_int(&j, "not_sent", (int64_t)(dry_run ? im->n_rows : im->n_rows - im->n_results));
    output_json_array(&j, "results");
    for (size_t i = 0; i < im->n_rows; i++) {
        const struct result *res = NULL;
        for (size_t k = 0; k < im->n_results && res == NULL; k++)
            if (im->results[k].row == i)
                res = &im->results[k];
        const struct row *r = &im->rows[i];
        char key[2 * MSG_IDEMPOTENCY_KEY_BYTES + 1];
        const ProtobufCBinaryData *b = key_of(r);
        hex_encode(b->data, b->len, key);
        output_json_object(&j, NULL);
        output_json_int(&j, "line", (int64_t)r->line);
        output_json_string(&j, "op", r->body->name);
        output_json_string(&j, "key", key);
        output_json_string(&j, "status",
                           res ? outcome_name(res->outcome) : (dry_run ? "valid" : "not_sent"));
        if (res && (res->outcome == OUTCOME_RECORDED || res->outcome == OUTCOME_REPLAYED))
            output_json_int(&j, "id", res->id);
        if (res && res->outcome == OUTCOME_REFUSED) {
            output_json_string(&j, "code", msg_status_name(res->code));
            output_json_string(&j, "field", res->field);
        }
        if (res && res->message)
            output_json_string(&j, "message", res->message);
        output_json_end(&j);
    }
    output_json_end(&j);
    output_json_end(&j);
}

static void print_summary(const struct import *im, bool dry_run)
{
    if (dry_run) {
        printf(_("%zu %s: all valid; nothing sent (--dry-run)\n"), im->n_rows,
               im->n_rows == 1 ? "row" : "rows");
        return;
    }
    size_t counts[4];
    count(im, counts);
    printf(_("%zu %s: %zu recorded, %zu already recorded, %zu refused"), im->n_rows,
           im->n_rows == 1 ? "row" : "rows", counts[OUTCOME_RECORDED], counts[OUTCOME_REPLAYED],
           counts[OUTCOME_REFUSED]);
    if (counts[OUTCOME_NO_ANSWER] > 0)
        printf(_(", %zu unanswered"), counts[OUTCOME_NO_ANSWER]);
    if (im->n_results < im->n_rows)
        printf(_(", %zu not sent"), im->n_rows - im->n_results);
    putchar('\n');
}

/* ---- Which projects --------------------------------------------------------------------- */

/* The project a row names by project_id, 0 for none. */
static int64_t row_project_id(const struct row *r)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(r->msg->descriptor, "project_id");
    if (f == NULL || f->type != PROTOBUF_C_TYPE_INT64 || f->label == PROTOBUF_C_LABEL_REPEATED)
        return 0;
    return *(const int64_t *)reflect_field(r->msg, f);
}

static bool creates_project(const struct row *r)
{
    return r->msg->descriptor == &reno__create_project__descriptor;
}

/* A project's name from the programme's list, or NULL (an unknown id, or no list). */
static const char *project_name(const Reno__ServerMessage *list, int64_t id)
{
    if (list == NULL)
        return NULL;
    const Reno__ProjectList *pl = list->response->list_projects;
    for (size_t i = 0; i < pl->n_items; i++)
        if (pl->items[i]->id == id)
            return pl->items[i]->name;
    return NULL;
}

/* "示例小区一 (project 3)" into buf: the name a person knows, with the number reno knows. */
static void describe_project(const Reno__ServerMessage *list, const struct row *r,
                             const struct result *res, char *buf, size_t size)
{
    int64_t id = creates_project(r) ? res->id : row_project_id(r);
    const char *name =
        creates_project(r) ? ((const Reno__CreateProject *)r->msg)->name : project_name(list, id);
    if (name != NULL && name[0] != '\0')
        snprintf(buf, size, _("%s (project %lld)"), name, (long long)id);
    else
        snprintf(buf, size, _("project %lld"), (long long)id);
}

/*
 * Which projects the import created and which it wrote to, by name, each with the lines
 * that did it, and every refused line with its operation and project: what a person
 * checks after an import, where the per-line output only gave ids. The names of projects
 * written to come from one ListProjects after the rows were sent.
 */
static void print_projects(struct cmd_ctx *ctx, const struct import *im)
{
    bool named_by_id = false, any = false, connected = true;
    for (size_t k = 0; k < im->n_results; k++) {
        const struct row *r = &im->rows[im->results[k].row];
        named_by_id |= !creates_project(r) && row_project_id(r) != 0;
        any |= creates_project(r) || row_project_id(r) != 0 ||
               im->results[k].outcome == OUTCOME_REFUSED;
        connected &= im->results[k].outcome != OUTCOME_NO_ANSWER &&
                     im->results[k].code != RENO__STATUS_CODE__UNAUTHENTICATED;
    }
    if (!any)
        return;
    /* Without a connection (a row went unanswered) the projects go by their numbers. */
    Reno__ServerMessage *list = NULL;
    if (named_by_id && connected) {
        Reno__ListProjects lp = RENO__LIST_PROJECTS__INIT;
        Reno__Request req = RENO__REQUEST__INIT;
        req.body_case = RENO__REQUEST__BODY_LIST_PROJECTS;
        req.list_projects = &lp;
        if (cmd_call(ctx, &req, RENO__RESPONSE__BODY_LIST_PROJECTS, &list) != CMD_EXIT_OK)
            list = NULL;
    }
    char what[320];
    /* Created: one entry per project, in file order. */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    size_t n = 0;
    for (size_t k = 0; k < im->n_results; k++) {
        const struct result *res = &im->results[k];
        const struct row *r = &im->rows[res->row];
        if (res->outcome != OUTCOME_RECORDED || !creates_project(r))
            continue;
        describe_project(list, r, res, what, sizeof what);
        char line[24];
        snprintf(line, sizeof line, "%zu", r->line);
        fprintf(f, _("%s%s, line %s"), n++ ? _("; ") : "", what, line);
    }
    fclose(f);
    if (n > 0)
        output_line(stdout, _("projects created: %s"), text);
    free(text);
    /* Written to: one entry per project, with every line that wrote to it. */
    text = NULL;
    f = open_memstream(&text, &len);
    n = 0;
    for (size_t k = 0; k < im->n_results; k++) {
        const struct result *res = &im->results[k];
        const struct row *r = &im->rows[res->row];
        int64_t id = row_project_id(r);
        if (res->outcome != OUTCOME_RECORDED || creates_project(r) || id == 0)
            continue;
        bool seen = false;
        for (size_t j = 0; j < k && !seen; j++)
            seen = im->results[j].outcome == OUTCOME_RECORDED &&
                   !creates_project(&im->rows[im->results[j].row]) &&
                   row_project_id(&im->rows[im->results[j].row]) == id;
        if (seen)
            continue;
        describe_project(list, r, res, what, sizeof what);
        char lines[200];
        size_t used = (size_t)snprintf(lines, sizeof lines, "%zu", r->line);
        for (size_t j = k + 1; j < im->n_results && used < sizeof lines; j++)
            if (im->results[j].outcome == OUTCOME_RECORDED &&
                !creates_project(&im->rows[im->results[j].row]) &&
                row_project_id(&im->rows[im->results[j].row]) == id) {
                int w = snprintf(lines + used, sizeof lines - used, "%s%zu", _(", "),
                                 im->rows[im->results[j].row].line);
                used += w > 0 ? (size_t)w : 0;
            }
        fprintf(f, _("%s%s, line %s"), n++ ? _("; ") : "", what, lines);
    }
    fclose(f);
    if (n > 0)
        output_line(stdout, _("projects updated: %s"), text);
    free(text);
    /* Refused: each line, its operation and project, and the server's reason. */
    for (size_t k = 0; k < im->n_results; k++) {
        const struct result *res = &im->results[k];
        const struct row *r = &im->rows[res->row];
        if (res->outcome != OUTCOME_REFUSED)
            continue;
        if (creates_project(r)) {
            const char *name = ((const Reno__CreateProject *)r->msg)->name;
            snprintf(what, sizeof what, "%s", name != NULL ? name : "");
        } else if (row_project_id(r) != 0) {
            describe_project(list, r, res, what, sizeof what);
        } else {
            what[0] = '\0';
        }
        const char *why = res->message != NULL ? res->message : "";
        if (what[0] != '\0')
            output_line(stdout, _("refused: line %zu (%s, %s): %s"), r->line, r->body->name, what,
                        why);
        else
            output_line(stdout, _("refused: line %zu (%s): %s"), r->line, r->body->name, why);
    }
    if (list != NULL)
        cmd_free(ctx, list);
}

/* ---- The command ------------------------------------------------------------------------ */

static void import_done(struct import *im)
{
    for (size_t i = 0; i < im->n_columns; i++)
        free(im->columns[i].name);
    free(im->columns);
    for (size_t i = 0; i < im->n_rows; i++)
        protobuf_c_message_free_unpacked(im->rows[i].msg, NULL);
    free(im->rows);
    for (size_t i = 0; i < im->n_results; i++) {
        free(im->results[i].field);
        free(im->results[i].message);
    }
    free(im->results);
    csv_free(&im->csv);
}

static int run_import(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    /* The file is the one argument that is not an option (all options are flags). */
    const char *path = NULL;
    char **options = xcalloc((size_t)argc + 1, sizeof *options);
    int n_options = 0;
    bool positional_only = false;
    int rc = CMD_CONTINUE;
    for (int i = 0; i < argc && rc == CMD_CONTINUE; i++) {
        if (!positional_only && strcmp(argv[i], "--") == 0) {
            positional_only = true;
        } else if (!positional_only &&
                   (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
            print_help(self, stdout);
            rc = CMD_EXIT_OK;
        } else if (!positional_only && strncmp(argv[i], "--", 2) == 0) {
            options[n_options++] = argv[i];
        } else if (path == NULL) {
            path = argv[i];
        } else {
            rc = cmd_usage_error(self, _("one file at a time ('%s' is a second)"), argv[i]);
        }
    }
    bool dry_run = false, keep_going = false;
    const struct cmd_option opts[] = {
        {"dry-run", NULL, &dry_run},
        {"keep-going", NULL, &keep_going},
    };
    if (rc == CMD_CONTINUE)
        rc = cmd_parse(self, n_options, options, opts, sizeof opts / sizeof opts[0]);
    free(options);
    if (rc != CMD_CONTINUE)
        return rc;
    if (path == NULL)
        return cmd_usage_error(self, _("which file? (reno import FILE.csv)"));

    struct import im = {.path = path};
    rc = load(&im);
    if (rc == CMD_EXIT_OK && !dry_run && im.n_rows > 0) {
        rc = cmd_resume(ctx, NULL, NULL);
        if (rc == CMD_EXIT_OK)
            rc = send_rows(ctx, &im, keep_going);
    }
    if (rc == CMD_EXIT_OK || im.n_results > 0) {
        if (ctx->json) {
            print_json(&im, dry_run);
        } else {
            print_summary(&im, dry_run);
            if (!dry_run && im.n_results > 0)
                print_projects(ctx, &im);
        }
    }
    import_done(&im);
    return rc;
}

const struct cmd cmd_import = {
    .name = "import",
    .usage = "FILE.csv [--dry-run] [--keep-going]",
    .summary = N_("send a spreadsheet's rows of writes (CSV), each recorded once"),
    .help =
        N_("Sends the writes in a CSV file (RFC 4180, UTF-8, a byte-order mark allowed), one\n"
           "row each. The first line is the header: the first column is 'op', the operation of\n"
           "each row (listed below), the others are named after request fields, e.g.\n"
           "\n"
           "  op,project_id,report_date,households_started,households_completed,milestone_code,"
           "done_on,evidence\n"
           "  push_progress,1,2022-03-28,210,0,,,\n"
           "  mark_milestone,1,,,,tendering_done,2022-03-20,\"招标文件, 中标通知书\"\n"
           "\n"
           "An empty cell leaves its field unset; a row uses only its operation's columns.\n"
           "Dates are YYYY-MM-DD, yes/no fields yes or no, choices as in 'reno COMMAND --help'.\n"
           "A repeated field takes one column per value, each named after the field.\n"
           "\n"
           "Every row is checked before anything is sent. If any is wrong, each problem is\n"
           "shown as FILE:LINE: field: problem, nothing is sent, and the exit status is 2.\n"
           "\n"
           "Then the rows are sent in file order. Each row is one write on the server and is\n"
           "recorded whole or not at all; the file is not one transaction. By default the\n"
           "first row the server refuses stops the import: the rows before it stay recorded,\n"
           "the rows after it are not sent, the refused line is shown with the server's status\n"
           "and field, and the exit status is 10 + the status code (13: permission denied).\n"
           "\n"
           "Each row's idempotency key is derived from the row itself (its operation, its\n"
           "values, and how many identical rows come before it), so running the same file\n"
           "again records nothing twice: rows already recorded are answered 'already\n"
           "recorded'. That holds after a refusal, a lost reply or an outage, and also after\n"
           "fixing the refused row, since the other rows keep their keys. A row identical to\n"
           "one imported before from another file also counts as already recorded.\n"
           "\n"
           "Options:\n"
           "  --dry-run       check every row, send nothing\n"
           "  --keep-going    on a refusal of one row (bad request, permission denied, not\n"
           "                  found, conflict) go on with the next; the exit status is still\n"
           "                  that of the first refusal\n"
           "  --help          show this help\n"),
    .run = run_import,
};
