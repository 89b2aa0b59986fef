/*
 * One view of the status's sections for every place that shows them: `reno status` prints
 * them through table.c, the dashboard draws them through its grid, and both take the
 * columns from here. A section is data, a row of columns each {header, short header,
 * width, align, keep, where, fill} (htop's Process_fields[] and Row_print*): what a column
 * is called (in full, and on a narrow screen: 开工 for 开工户数), the narrowest it may
 * become, how it is aligned, whether it is a name that keeps its width while numbers
 * shrink, which views show it, and how a row's cell is written. So a section's cells are
 * formatted once: the amounts as an office writes them (in 万元 on a narrow screen, never
 * cut), labels for codes, "-" for nothing.
 *
 * Which rows a view shows (a project's, the search's) stays the view's choice; the cells
 * are the section's.
 *
 * Ownership: the sections are static; sv_table() returns a table.c table the caller
 * prints and frees; cells are written into the caller's buffers.
 */
#ifndef RENO_STATUS_VIEW_H
#define RENO_STATUS_VIEW_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

#include "layout.h"
#include "reno.pb-c.h"
#include "table.h"

/* The views a column is shown in. */
enum sv_where {
    SV_CLI = 1 << 0,  /* reno status */
    SV_DASH = 1 << 1, /* reno dashboard */
    SV_BOTH = SV_CLI | SV_DASH,
};

/* What a cell may depend on besides its row. */
struct sv_context {
    const Reno__StatusReply *status; /* the whole status (a project's light) */
    bool narrow;                     /* a narrow screen: short headers, 万元, month and day */
    bool mark_samples;               /* sample projects' names end in " *" (explained below) */
};

/* The longest cell a column writes, in bytes. */
#define SV_CELL 256
/* The most columns a section has. */
#define SV_MAX_COLUMNS 12

struct sv_column {
    const char *header;       /* N_(): translated when shown */
    const char *short_header; /* N_(), on a narrow screen; NULL: the header */
    size_t width;             /* the narrowest the column may become on a screen */
    enum layout_align align;
    bool keep;      /* a name: keeps its natural width while the numbers shrink */
    unsigned where; /* enum sv_where */
    void (*fill)(const ProtobufCMessage *row, const struct sv_context *ctx, char *out, size_t size);
};

struct sv_section {
    const struct sv_column *columns;
    size_t n_columns;
};

/* The sections both views show. Rows are the StatusReply's of the same name. */
extern const struct sv_section sv_projects;    /* ProjectStatus */
extern const struct sv_section sv_rules;       /* RuleCheck */
extern const struct sv_section sv_phases;      /* StatusPhase */
extern const struct sv_section sv_funds;       /* StatusFunds */
extern const struct sv_section sv_lines;       /* StatusLines */
extern const struct sv_section sv_supervision; /* StatusSupervision */

/* The columns of sec shown in `where`, in order, into out (at most SV_MAX_COLUMNS);
 * returns how many. */
size_t sv_columns(const struct sv_section *sec, unsigned where, const struct sv_column **out);

/* A column's header in the current language: the short one on a narrow screen. */
const char *sv_header(const struct sv_column *c, const struct sv_context *ctx);

/* A row's cell in one column. */
void sv_cell(const struct sv_column *c, const ProtobufCMessage *row, const struct sv_context *ctx,
             char out[SV_CELL]);

/* A table.c table with the section's columns for reno status (headers, alignment). */
struct table *sv_table(const struct sv_section *sec, const struct sv_context *ctx);
/* Adds a row of the section to a table sv_table() made. */
void sv_table_add(struct table *t, const struct sv_section *sec, const ProtobufCMessage *row,
                  const struct sv_context *ctx);

#endif
