/*
 * What a person reads in place of a code: the label of every protobuf enum value
 * (LINE_SEGMENT_INSIDE_RED_LINE reads 红线内, "inside the red line" in English) and the
 * column header of every reply field the generic tables show (project_id reads 项目).
 * Labels are written in English here and translated through the catalogue; codes stay in
 * --json and are still accepted on input.
 *
 * Input runs the other way: label_enum_parse() accepts a value's code (inside_red_line),
 * its English label, its label in the current language, or an unambiguous prefix of any of
 * them (红线内, 红线外, "inside"), and says which values there are when it cannot decide.
 */
#ifndef RENO_LABELS_H
#define RENO_LABELS_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

/* The label of an enum value in the current language; NULL for 0 (unspecified). A value the
 * table does not know (from a newer server) reads as its code. The result is static or
 * the catalogue's; it is not freed. */
const char *label_enum(const ProtobufCEnumDescriptor *ed, int value);

/* The English label of a value, untranslated, or NULL when the table has none. */
const char *label_enum_english(const char *value_name);

/*
 * Finds the value text names (see above). true and *value when one value matches;
 * false with err describing the allowed values ("红线内 (inside_red_line), ...") otherwise.
 */
bool label_enum_parse(const ProtobufCEnumDescriptor *ed, const char *text, int *value, char *err,
                      size_t err_size);

/* The allowed values of an enum as "label (code), ..." into out. */
void label_enum_choices(const ProtobufCEnumDescriptor *ed, char *out, size_t size);

/* The label of a code sent as text in a field (segment "overhead", status "planned"): the
 * value of the enum named after the field whose name ends in it; for a field named like a
 * code (status, state, kind, side, role, source), the one label all such values share.
 * Otherwise the code itself. */
const char *label_code(const char *field_name, const char *code);

/* The column header of a reply field in the current language; a field the table does not
 * know reads as its name in capitals, '_' as ' '. Returns a string to free. */
char *label_field(const char *field_name);
/* The same label as a word in a sentence (项目, "project"); NULL when the table has none. */
const char *label_field_word(const char *field_name);

#endif
