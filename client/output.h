/*
 * How the client says things: a small streaming JSON writer for --json (correct escaping
 * of UTF-8 text, numbers that read back exactly), the error lines every command prints on
 * stderr, and the names enums are shown by. Nothing here talks to the server or decides
 * exit codes.
 *
 * Text that came from the server is written to the terminal only through functions here
 * that replace control characters, so a message cannot carry escape sequences.
 *
 * Ownership: struct output_json is embedded by the caller and holds no heap memory; the
 * FILE stays the caller's. Returned names are static strings.
 */
#ifndef RENO_OUTPUT_H
#define RENO_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "reno.pb-c.h"

#define OUTPUT_JSON_MAX_DEPTH 16

/* Writes s as a JSON string with its quotes; invalid UTF-8 becomes U+FFFD. */
void output_json_escape(FILE *out, const char *s);
/* Writes v in the shortest form that reads back as the same double; null if not finite. */
void output_json_number(FILE *out, double v);

/*
 * One JSON value written as it is built, on one line. Every call inside an object passes
 * the member's key; inside an array or at the top the key is NULL. output_json_end()
 * closes the innermost object or array and, at the top, ends the line.
 */
struct output_json {
    FILE *out;
    int depth;
    bool has_items[OUTPUT_JSON_MAX_DEPTH + 1];
    char closer[OUTPUT_JSON_MAX_DEPTH + 1]; /* '}' or ']' for each open level */
};

void output_json_init(struct output_json *j, FILE *out);
void output_json_object(struct output_json *j, const char *key);
void output_json_array(struct output_json *j, const char *key);
void output_json_end(struct output_json *j);
void output_json_string(struct output_json *j, const char *key, const char *value);
void output_json_int(struct output_json *j, const char *key, int64_t value);
void output_json_double(struct output_json *j, const char *key, double value);
void output_json_bool(struct output_json *j, const char *key, bool value);

/* Writes text with control characters and invalid UTF-8 replaced by '?'. */
void output_safe_text(FILE *out, const char *text);

/*
 * Formats one line (fmt holds no newline), replaces every control character in it by '?'
 * and writes it with a newline: for human output that includes text from the server.
 */
void output_line(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, its continued lines indented by `indent` blanks (at most 32) to stand under
 * the text they continue, as a help's option sentences do. */
void output_indented(FILE *out, size_t indent, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Where figures read on a streaming standby came from and how far behind the primary it
 * was (StatusReply, IssuedReport: lag in ms, -1 unknown), as one line; nothing when they
 * came from the primary. */
void output_standby(FILE *out, bool from_standby, int64_t lag_ms);

/* "reno: <message>" on stderr. */
void output_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A server refusal on stderr: "reno: PERMISSION_DENIED: <message> (field <field>)", the
 * field part only when the status names one.
 */
/* A right's code (report.issue) in the user's language ("签发报告"); the code when unknown. */
const char *output_right_name(const char *code);
void output_status_error(const Reno__Status *status);

/* The command-line option a status's field path names: "a.round_date" -> "--round-date";
 * anything but printable ASCII reads '?'. */
void output_field_flag(const char *field, char *out, size_t size);

/* The role's label for people (领导小组办公室, "office" in English); "unspecified" for
 * unknown values. */
const char *output_role_name(Reno__Role role);
/* The verdict's label for people (达标, "met" in English); "unspecified" for unknown values. */
const char *output_verdict_name(Reno__Verdict verdict);
/* The value's name as written in reno.proto ("ROLE_OFFICE"), for JSON; NULL if unknown. */
const char *output_enum_name(const ProtobufCEnumDescriptor *descriptor, int value);

/* An amount of yuan as an office writes it: two decimals, thousands grouped (1,234.50). */
void output_money(double yuan, char *out, size_t size);
/* The same amount in 万元 (ten thousand yuan), as the county's summary tables and the
 * status's money sections give it: two decimals, thousands grouped (1,234.57 for
 * 12,345,678.00 元). The column's header says 万元. */
void output_money_10k(double yuan, char *out, size_t size);

/* An ISO 8601 timestamp with a zone, in the local time zone ($TZ) as "YYYY-MM-DD HH:MM:SS";
 * false (out untouched) when iso is not such a timestamp. */
bool output_local_time(const char *iso, char *out, size_t size);

#endif
