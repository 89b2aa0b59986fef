/*
 * Candidates for shell completion (complete.h). Three cases, after the global options
 * are skipped: no word yet gives the first words of every command and the global
 * options; the first word of a two-word group ("project", "round") gives its second
 * words; a whole command gives its options, read from its usage and help text, or for a
 * generic operation from the fields of its request, as `reno COMMAND --help` lists them.
 */
#include "complete.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "cmd_op.h"

/* The global options, and which of them take a value (reno's main.c parses the same). */
static const char *const global_flags[] = {"--json", "--help", "--version"};
static const char *const global_values[] = {"--server",      "--timeout", "--tls", "--ca",
                                            "--server-name", "--cert",    "--key"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A small set of printed words, so that each candidate is printed once. */
struct seen {
    char words[256][48];
    size_t n;
};

static void emit(struct seen *seen, const char *word, size_t len, FILE *out)
{
    if (len == 0 || len >= sizeof seen->words[0])
        return;
    for (size_t i = 0; i < seen->n; i++)
        if (strlen(seen->words[i]) == len && strncmp(seen->words[i], word, len) == 0)
            return;
    if (seen->n < COUNT(seen->words)) {
        memcpy(seen->words[seen->n], word, len);
        seen->words[seen->n][len] = '\0';
        seen->n++;
    }
    fprintf(out, "%.*s\n", (int)len, word);
}

/* "--help" and "--key" are also options of commands (the idempotency key of a write). */
static bool is_global(const char *word, size_t len)
{
    if ((len == 6 && strncmp(word, "--help", 6) == 0) ||
        (len == 5 && strncmp(word, "--key", 5) == 0))
        return false;
    for (size_t g = 0; g < COUNT(global_flags); g++)
        if (strlen(global_flags[g]) == len && strncmp(global_flags[g], word, len) == 0)
            return true;
    for (size_t g = 0; g < COUNT(global_values); g++)
        if (strlen(global_values[g]) == len && strncmp(global_values[g], word, len) == 0)
            return true;
    return false;
}

/* Every "--name" in a text (a usage line, a help text), but a global option a help text
 * mentions: it goes before the command, not after. */
static void emit_options_in(struct seen *seen, const char *text, FILE *out)
{
    if (text == NULL)
        return;
    for (const char *p = strstr(text, "--"); p != NULL; p = strstr(p, "--")) {
        const char *start = p;
        p += 2;
        if (!islower((unsigned char)*p) || (start > text && isalnum((unsigned char)start[-1])))
            continue;
        while (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-')
            p++;
        if (!is_global(start, (size_t)(p - start)))
            emit(seen, start, (size_t)(p - start), out);
    }
}

static const struct cmd_op *as_op(const struct cmd *cmd)
{
    for (size_t i = 0; i < cmd_ops_count; i++)
        if (&cmd_ops[i].cmd == cmd)
            return &cmd_ops[i];
    return NULL;
}

static void emit_op_options(struct seen *seen, const struct cmd_op *op, FILE *out)
{
    const ProtobufCMessageDescriptor *d = cmd_op_request_field(op)->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        if (strcmp(d->fields[i].name, "idempotency_key") == 0)
            continue;
        char name[64];
        snprintf(name, sizeof name, "--%s", d->fields[i].name);
        for (char *c = name + 2; *c; c++)
            if (*c == '_')
                *c = '-';
        emit(seen, name, strlen(name), out);
    }
    if (op->write)
        emit(seen, "--key", 5, out);
}

/* Whether `name` (one or two words) starts with words[0..n) exactly, word by word. */
static bool name_matches(const char *name, int n, char **words)
{
    for (int w = 0; w < n; w++) {
        size_t len = strcspn(name, " ");
        if (strlen(words[w]) != len || strncmp(words[w], name, len) != 0)
            return false;
        name += len;
        if (*name == '\0')
            return w == n - 1;
        name++;
    }
    return true;
}

int complete_print(const struct cmd *(*command_at)(size_t), size_t count, int nwords, char **words,
                   FILE *out)
{
    struct seen seen = {.n = 0};
    int first = 0;
    /* Global options come before the command; a value-taking one eats the next word. */
    while (first < nwords && words[first][0] == '-') {
        bool takes_value = false;
        for (size_t g = 0; g < COUNT(global_values); g++)
            takes_value |= strcmp(words[first], global_values[g]) == 0;
        first += takes_value ? 2 : 1;
    }
    if (first >= nwords) {
        if (first > nwords)
            return 0; /* the word to complete is a global option's value */
        for (size_t i = 0; i < count; i++) {
            const char *name = command_at(i)->name;
            emit(&seen, name, strcspn(name, " "), out);
        }
        for (size_t g = 0; g < COUNT(global_flags); g++)
            emit(&seen, global_flags[g], strlen(global_flags[g]), out);
        for (size_t g = 0; g < COUNT(global_values); g++)
            emit(&seen, global_values[g], strlen(global_values[g]), out);
        return 0;
    }
    int n = nwords - first;
    char **cmd_words = words + first;
    for (size_t i = 0; i < count; i++) {
        const struct cmd *cmd = command_at(i);
        const char *space = strchr(cmd->name, ' ');
        /* The group's word alone: its subcommands. */
        if (n == 1 && space != NULL && name_matches(cmd->name, 1, cmd_words) &&
            (size_t)(space - cmd->name) == strlen(cmd_words[0])) {
            emit(&seen, space + 1, strlen(space + 1), out);
            continue;
        }
        int length = space == NULL ? 1 : 2;
        if (n < length || !name_matches(cmd->name, length, cmd_words))
            continue;
        const struct cmd_op *op = as_op(cmd);
        if (op != NULL) {
            emit_op_options(&seen, op, out);
        } else {
            emit_options_in(&seen, cmd->usage, out);
            emit_options_in(&seen, cmd->help, out);
        }
        emit(&seen, "--help", 6, out);
    }
    return 0;
}
