/*
 * A reader for CSV files as spreadsheets write them (RFC 4180): cells separated by commas,
 * records by line breaks, a cell in double quotes may hold commas, line breaks and quotes
 * (written twice). It also takes what real exports add to the RFC: a UTF-8 byte-order mark
 * at the start (dropped), LF or a lone CR as the line break as well as CRLF, and a last
 * record without a line break. It is strict where a lenient reader would have to guess: a
 * quote inside an unquoted cell, text after a closing quote, an unclosed quote and a NUL
 * byte are errors, each with its line number. The cells are bytes: checking that they are
 * UTF-8 is the caller's.
 *
 * It knows nothing of headers or meanings; every record comes back, blank ones included
 * (csv_record_blank() tells them), each with the line its first byte is on, so that a
 * record whose quoted cell spans lines is reported where it starts.
 *
 * Ownership: csv_parse() fills a struct csv that csv_free() releases, cells included. It
 * allocates in proportion to the input, so the caller bounds the input's size.
 */
#ifndef RENO_CSV_H
#define RENO_CSV_H

#include <stdbool.h>
#include <stddef.h>

#define CSV_ERR_SIZE 160

struct csv_record {
    size_t line;    /* the line (from 1) the record starts on */
    size_t n_cells; /* at least 1: an empty line is one empty cell */
    char **cells;   /* NUL-terminated, never NULL */
};

struct csv {
    struct csv_record *records;
    size_t n_records;
};

struct csv_error {
    size_t line;
    char message[CSV_ERR_SIZE];
};

/*
 * Parses data[0..len). 0 with *out filled, or -1 with *err filled and *out empty. Empty
 * input is 0 records; a line break at the very end does not start another record.
 */
int csv_parse(const char *data, size_t len, struct csv *out, struct csv_error *err)
    __attribute__((warn_unused_result));
void csv_free(struct csv *c);

/* True when every cell of the record is empty (a blank line, or a row of bare commas). */
bool csv_record_blank(const struct csv_record *r);

#endif
