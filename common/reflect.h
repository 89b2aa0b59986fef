/*
 * Protobuf fields as text, through protobuf-c's descriptors. This is the bridge that lets
 * one generic path carry every table-like operation: request fields become SQL parameters
 * (server), result columns become reply fields by name (server), command-line options
 * become request fields and reply fields become table cells or JSON (client).
 *
 * Text forms: integers in decimal, bools "t"/"f" (read: also true/false/yes/no/1/0),
 * doubles with %.17g, bytes as "\x" followed by hex (PostgreSQL's bytea input), enums as
 * the value name without the enum's prefix, in lower case (RENOVATION_TYPE_COMPREHENSIVE
 * of enum RenovationType is "comprehensive"), repeated strings and repeated int64 (ids) as
 * a PostgreSQL array literal. Value 0 of an enum is "unset" and has no text.
 *
 * Only these field types are supported: int32, int64, uint32, uint64, bool, double,
 * string, bytes, enum (singular), repeated string, repeated int64, and repeated message
 * (replies).
 *
 * Ownership: strings returned are xmalloc'd and freed by the caller. Values set on a
 * message are allocated with malloc, so protobuf_c_message_free_unpacked(m, NULL) frees
 * a message built this way.
 */
#ifndef RENO_REFLECT_H
#define RENO_REFLECT_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

#define REFLECT_ERR_SIZE 160

/* The address of a field's value (or of the array pointer of a repeated field). */
void *reflect_field(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);
/* The number of values of a repeated field. */
size_t reflect_count(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);

/* The text of enum value `value`, NULL for 0 and for values the enum does not have. */
char *reflect_enum_text(const ProtobufCEnumDescriptor *ed, int value);
bool reflect_enum_parse(const ProtobufCEnumDescriptor *ed, const char *text, int *value);

/* The field's value as text; NULL when it has none (enum 0, repeated message). */
char *reflect_get_text(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);

/* Sets a singular field, or appends to a repeated string or whole number, from text. */
int reflect_set_text(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const char *text,
                     char err[REFLECT_ERR_SIZE]) __attribute__((warn_unused_result));

/* Appends a new, initialised element to a repeated message field and returns it. */
ProtobufCMessage *reflect_append_message(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);

/* A new, initialised message of the given type (malloc). */
ProtobufCMessage *reflect_new(const ProtobufCMessageDescriptor *d);

/* True when the field holds a date by its name (…_on, …_date, …deadline, due, as_of, date). */
bool reflect_is_date_field(const ProtobufCFieldDescriptor *f);

/* True when a string field holds a name, a code or a token by its name (…name, …code,
 * …title, …_units, token, …): one line of text, without tabs or line breaks. */
bool reflect_is_name_field(const ProtobufCFieldDescriptor *f);

#endif
