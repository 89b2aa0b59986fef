/*
 * libFuzzer target for message unpacking and checks on both sides of the protocol, one
 * frame payload at a time (fuzz_frame covers how payloads are cut from a stream).
 *
 * The first input byte says which side reads the rest:
 *   even  renod: msg_check_wire() on the bytes (whatever they are), msg_unpack_request()
 *         under a budget, then msg_check_request(); a request
 *         for a generic operation that passes also has its SQL parameters built
 *         (op_params, server/op.c), as renod would before sending it to the database;
 *   odd   reno: msg_unpack_server() under a budget, then the reply rendered as reno
 *         renders one (fuzz_render.c).
 * The budget comes from the first byte too: bit 1 clear is the production budget (renod:
 * 4 * payload + 4096; reno: its 16 MiB), bit 1 set a small one (64 bytes per step of the
 * byte's upper bits) so that allocations fail at every point of unpacking.
 *
 * Oracles besides the sanitizers: a failed unpack gives its whole budget back, and so
 * does every free; a refused request names a field and says why; an accepted operation
 * has exactly its number of parameters, each valid UTF-8, the account id first.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_render.h"
#include "msg.h"
#include "op.h"

/* 2022-06-01, a fixed "today" so that the future-date checks are reproducible. */
#define FUZZ_TODAY 19144
/* reno's budget for one unpacked reply (client/net.h NET_BUDGET). */
#define FUZZ_CLIENT_BUDGET (16u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static void check_params(const struct op *op, const Reno__Request *req)
{
    char *params[OP_MAX_PARAMS] = {0};
    int n = op_params(op, op_request_body(op, req), 42, params);
    FUZZ_ASSERT(n == op->nparams);
    FUZZ_ASSERT(params[0] != NULL && strcmp(params[0], "42") == 0);
    for (int i = 0; i < n; i++)
        if (params[i] != NULL)
            FUZZ_ASSERT(msg_valid_utf8(params[i], strlen(params[i])));
    if (op->kind == OP_WRITE) {
        /* The key and the digest go to PostgreSQL as bytea literals of fixed size. */
        FUZZ_ASSERT(params[1] != NULL && strlen(params[1]) == 2 + 2 * MSG_IDEMPOTENCY_KEY_BYTES);
        FUZZ_ASSERT(params[2] != NULL && strlen(params[2]) == 2 + 64);
    }
    op_params_free(params, n);
}

static void request_side(const uint8_t *data, size_t size, uint8_t mode)
{
    struct msg_budget budget;
    /* renod walks a request's wire bytes for its strings (msg_check_wire) only after they
     * decoded, but the walk must hold on any bytes: it is run on every input. */
    struct msg_fault wire;
    memset(&wire, 0, sizeof wire);
    if (!msg_check_wire(data, size, &wire))
        FUZZ_ASSERT(wire.code == RENO__STATUS_CODE__BAD_REQUEST && wire.message[0] != '\0');
    msg_budget_init(&budget, (mode & 2) ? 64 * (1 + (size_t)(mode >> 2)) : 4 * size + 4096);
    Reno__Request *req = msg_unpack_request(&budget, data, size);
    if (req == NULL) {
        FUZZ_ASSERT(budget.used == 0);
        return;
    }
    FUZZ_ASSERT(budget.used <= budget.limit);
    struct msg_fault fault;
    memset(&fault, 0, sizeof fault);
    if (msg_check_request(req, FUZZ_TODAY, &fault)) {
        const struct op *op = op_find(req->body_case);
        if (op != NULL)
            check_params(op, req);
    } else {
        FUZZ_ASSERT(fault.code == RENO__STATUS_CODE__BAD_REQUEST);
        FUZZ_ASSERT(fault.field[0] != '\0' && fault.message[0] != '\0');
    }
    msg_free_request(&budget, req);
    FUZZ_ASSERT(budget.used == 0);
}

static void server_side(const uint8_t *data, size_t size, uint8_t mode)
{
    struct msg_budget budget;
    msg_budget_init(&budget, (mode & 2) ? 64 * (1 + (size_t)(mode >> 2)) : FUZZ_CLIENT_BUDGET);
    Reno__ServerMessage *m = msg_unpack_server(&budget, data, size);
    if (m == NULL) {
        FUZZ_ASSERT(budget.used == 0);
        return;
    }
    FUZZ_ASSERT(budget.used <= budget.limit);
    fuzz_render_server_message(m);
    msg_free_server(&budget, m);
    FUZZ_ASSERT(budget.used == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        op_init();
        ready = true;
    }
    if (size == 0)
        return 0;
    uint8_t mode = data[0];
    if (mode & 1)
        server_side(data + 1, size - 1, mode);
    else
        request_side(data + 1, size - 1, mode);
    return 0;
}
