/*
 * The compact form of a status page (GetStatus.form, StatusReply.form): the same page in
 * fewer bytes. Rows that repeat a text another row of the same page carries leave it out,
 * and the client fills it back, so that what a person sees is byte for byte what the full
 * page shows:
 *
 *   - a missed period of the plan's rhythm: its duty summary's title, unit_code and
 *     unit_name, and the end of its detail that it shares with the summary's detail (who
 *     should have acted; StatusRhythm.detail_tail bytes); a duty summary other than the
 *     first: the first summary's unit_code and unit_name and the end of its detail;
 *   - a light: its project's name (the programme's title for project 0), its first
 *     reason's detail, and the beginning of a rhythm reason's detail that is its duty
 *     summary's detail (LightReason.rhythm_detail);
 *   - a missing reporter: its project's name, and the unit's name and duty that the
 *     unit's first row carries.
 *
 * Every text is filled from a row of the same page, never from another page or position,
 * so a compact page is a function of the full page alone: the server makes it
 * (status_form_compact) and checks that filling it gives the full page back exactly, or
 * sends the full page; the client fills it (status_form_fill). A watcher's deltas are
 * made between compact pages; the client holds the full page and applies a delta to its
 * compact form (status_form_apply), which the same function makes.
 */
#ifndef RENO_STATUS_FORM_H
#define RENO_STATUS_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "reno.pb-c.h"

/* What a compact view owns: its copies of the rows that leave texts out, the arrays of
 * pointers to them and the shortened texts. */
struct status_form {
    void **owned;
    size_t n_owned, cap;
};

/*
 * Makes *view (a page, e.g. from status_page_build, whose rows may be shared with other
 * views) compact: the rhythm, lights and missing_reporters arrays are replaced by arrays
 * owned by *f, their changed rows copies owned by *f; no row the view pointed to is
 * changed. True when the page is compact (form COMPACT) and filling it gives *view as it
 * was, byte for byte; false, *view left as it was (form FULL) otherwise. Release *f with
 * status_form_release once *view is no longer used.
 */
bool status_form_compact(Reno__StatusReply *view, struct status_form *f);
void status_form_release(struct status_form *f);

/*
 * A copy of `s` with every text left out filled back, form FULL, allocated with
 * `allocator` (NULL: protobuf-c's default; free it with reno__status_reply__free_unpacked
 * and the same allocator). A full page is copied as it is. Texts a hostile reply names
 * but cannot fill (a detail_tail longer than the summary's detail, a duty with no
 * summary) are left as they came. NULL when the allocator refuses.
 */
Reno__StatusReply *status_form_fill(const Reno__StatusReply *s, ProtobufCAllocator *allocator);

/*
 * status_delta_apply for a client that holds the full page `held`: a delta of compact
 * pages is applied to held's compact form, and the result filled. The result is the
 * caller's (reno__status_reply__free_unpacked with a NULL allocator); NULL when the delta
 * does not fit, with the reason in why.
 */
Reno__StatusReply *status_form_apply(const Reno__StatusReply *held, const Reno__StatusDelta *delta,
                                     char *why, size_t why_size);

#endif
