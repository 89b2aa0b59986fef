/*
 * What `reno COMMAND --help` says of a table-like operation (common/ops*.def) beyond what
 * its protobuf descriptor tells: which options a write cannot do without, and an example
 * to copy. The descriptor still gives the options themselves, their types and an enum's
 * allowed values (cmd_op.c); this table only adds what it cannot know.
 *
 * The required options are those renod refuses without (schema/functions/checks.sql's
 * DETAIL 'required', a missing project or record), read from the operations' SQL when the
 * table was written; a value required only in some cases (a role unless removing) is not
 * marked. The unit test every_write_has_required_options_and_an_example_that_parses
 * checks that every write has an entry, that each required name is a field of its request
 * and that each example names real options with values the client accepts; it does not
 * ask renod, so a change to an operation's checks must be carried here by hand.
 */
#ifndef RENO_OP_HELP_H
#define RENO_OP_HELP_H

#include <stdbool.h>

struct op_help {
    const char *op;       /* the operation's name in ops.def */
    const char *required; /* its required fields, separated by blanks */
    const char *example;  /* the options of an example, after "reno <words> " */
};

/* The entry for an operation, or NULL for one without (a read). */
const struct op_help *op_help_find(const char *op);

/* Whether field is one of the entry's required fields. */
bool op_help_required(const struct op_help *h, const char *field);

#endif
