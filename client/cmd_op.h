/*
 * The table-like operations as commands (common/ops.def). One struct cmd_op per
 * operation; its `cmd` comes first, so the command table can hold it as a struct cmd.
 *
 * Ownership: cmd_op_build() returns a request body the caller frees with
 * protobuf_c_message_free_unpacked(body, NULL).
 */
#ifndef RENO_CMD_OP_H
#define RENO_CMD_OP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"

struct cmd_op {
    struct cmd cmd;
    const char *op; /* the Request field, e.g. "create_project" */
    bool write;
};

extern const struct cmd_op cmd_ops[];
extern const size_t cmd_ops_count;

/* The operation by its name; NULL when there is none. */
const struct cmd_op *cmd_op_find(const char *op_name);
const ProtobufCFieldDescriptor *cmd_op_request_field(const struct cmd_op *op);

/*
 * Builds the request body from "--field value" options (and --key for writes, else a
 * random key, written to key). -1 with err filled on a bad option or value.
 */
int cmd_op_build(const struct cmd_op *op, int argc, char **argv, ProtobufCMessage **out,
                 uint8_t key[16], char *err, size_t err_size);
/* Sends a body built by cmd_op_build(); as cmd_call(). */
int cmd_op_send(struct cmd_ctx *ctx, const struct cmd_op *op, ProtobufCMessage *body,
                Reno__ServerMessage **reply);
void cmd_op_print_write(struct cmd_ctx *ctx, const Reno__WriteReply *w, const uint8_t key[16]);

/*
 * The id of the project `text` names: its exact name or community, else the one project
 * whose name or community starts with it, looked up in the caller's programme (logged in).
 * CMD_EXIT_OK and *id, or an exit code after saying which option named no project or more
 * than one.
 */
int cmd_project_by_name(const struct cmd *self, struct cmd_ctx *ctx, const char *option,
                        const char *text, int64_t *id);

/* `reno log`'s table (cmd_log.c): one line per entry, newest first, with a summary of the
 * change in place of the before and after JSON, and the hint to the next page when the
 * page is full (the limit the request asked for). */
void cmd_log_print_list(const Reno__AuditList *list, const Reno__ListAudit *request);

#endif
