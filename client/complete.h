/*
 * Shell completion from the command table itself: `reno --complete WORD...` prints, one
 * per line, the words that may follow WORD... on a command line (the bash completion
 * script, packaging/reno.bash-completion, filters them by what is typed). So the
 * completion knows every command the binary knows, the generic operations of
 * common/ops.def included, and never goes stale.
 *
 * The option flag is hidden from `reno --help`: it is for the completion script.
 */
#ifndef RENO_COMPLETE_H
#define RENO_COMPLETE_H

#include <stddef.h>
#include <stdio.h>

#include "cmd.h"

/*
 * Writes the candidates for the word after words[0..nwords) to out. `command_at(i)` for
 * i < count is the command table (main.c owns it). Global options and their values among
 * the words are skipped, as reno's own parser skips them. Returns 0.
 */
int complete_print(const struct cmd *(*command_at)(size_t), size_t count, int nwords, char **words,
                   FILE *out);

#endif
