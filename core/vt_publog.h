/* vt_publog.h: what the published site must show, kept in the store.
 *
 * The site is regenerated incrementally: one change must cost the same
 * at 1,000 assets as at 100,000. So nothing the site generator needs may
 * require walking the collection. This module keeps, in the same write
 * transaction as every asset change (the daemon calls
 * vt_publog_asset_changed() from vt_terms_put_asset()):
 *
 *  - a listing per department: every asset gets a position (1, 2, ...) in
 *    its department the first time it is READY, and keeps it. Listing
 *    pages, sub-collections and sitemaps are fixed ranges of positions
 *    (VT_PUBLOG_PAGE, VT_PUBLOG_SITEMAP), so a change rewrites the one
 *    range that holds the asset. A deleted asset keeps its entry (flags
 *    "--"), so the page that listed it is found again. Each entry carries two flags (ready,
 *    public) so ranges are filtered without reading assets.
 *      LISTING[DEPT "\x1f" %016x position] = "r" or "-", "p" or "-", id
 *      POSITION[id] = the LISTING key
 *  - counters: META "count.public.DEPT" and "count.internal.DEPT", the
 *    assets each audience sees per department.
 *  - the activity log per audience (IIIF Change Discovery): one record per
 *    change an audience sees: Create (the asset became visible), Update
 *    (it changed while visible), Delete (it stopped being visible).
 *      ACTIVITY[AUDIENCE "\x1f" %016x seq] = {"type", "id", "t"}
 *      META "seq.activity.AUDIENCE" = the last seq
 *  - dirty marks, what the site generator still has to publish: written
 *    with the change, removed once published, so a crash in between is
 *    repaired at the next start.
 *      DIRTY["a\x1f" id], DIRTY["i\x1f" number] (an intervention an asset
 *      left, which the asset's own record no longer names)
 *
 * "Visible to an audience": READY, and public for "public"; READY for
 * "internal".
 *
 * Who calls it: the daemon (writes, loop thread, inside vt_store_write),
 * the site generator (reads, any thread, inside vt_store_read).
 */
#ifndef VT_PUBLOG_H
#define VT_PUBLOG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "vt_asset.h"
#include "vt_store.h"

/* Assets per listing page and per department sub-collection. */
#define VT_PUBLOG_PAGE 60
/* Positions per sitemap file (a sitemap may list 50,000 URLs). */
#define VT_PUBLOG_SITEMAP 1000
/* Activities per Change Discovery page. */
#define VT_PUBLOG_ACTIVITY_PAGE 100

typedef enum { VT_AUDIENCE_PUBLIC, VT_AUDIENCE_INTERNAL, VT_AUDIENCE__COUNT } vt_audience;

/* "public" / "internal". */
const char *vt_audience_name(vt_audience audience);

/* True if @a (may be NULL) is visible to @audience. */
bool vt_publog_visible(const vt_asset *a, vt_audience audience);

/* ---- writing (daemon) ---- */

/* Asset @before became @after (either may be NULL: created, deleted).
 * Keeps listing, counters and activity log in step, and marks it dirty. */
void vt_publog_asset_changed(vt_txn *txn, const vt_asset *before, const vt_asset *after);

/* Something the asset shows changed outside its record (the harvested
 * record of its intervention): marks it dirty and logs an Update for every
 * audience that sees it. */
void vt_publog_touch(vt_txn *txn, const vt_asset *a);

/* Removes the dirty marks @assets and @interventions (published). */
void vt_publog_clear_dirty(vt_txn *txn, GPtrArray *assets, GPtrArray *interventions);

/* Gives every READY asset without a position one (stores made before the
 * listing existed; `vitrine reindex`). Returns how many. */
unsigned vt_publog_backfill(vt_txn *txn);

/* ---- reading (site generator) ---- */

typedef struct {
    uint64_t position;
    bool ready, is_public;
    char id[VT_ASSET_ID_MAX + 1];
} vt_publog_entry;

/* The dirty marks: asset ids and intervention numbers (owned strings are
 * appended to the arrays). */
void vt_publog_dirty(vt_txn *txn, GPtrArray *ret_assets, GPtrArray *ret_interventions);

/* The highest position given in @department (0: none yet). */
uint64_t vt_publog_last_position(vt_txn *txn, const char *department);

/* The listing page (1-based) and the sitemap file (0-based) that hold
 * position @position (>= 1). */
static inline uint64_t vt_publog_page_of(uint64_t position)
{
    return (position - 1) / VT_PUBLOG_PAGE + 1;
}

static inline uint64_t vt_publog_sitemap_of(uint64_t position)
{
    return (position - 1) / VT_PUBLOG_SITEMAP;
}

/* How many listing pages @department has: at least 1, empty or not. */
uint64_t vt_publog_pages(vt_txn *txn, const char *department);

/* The position of asset @id (0 if it has none) and, if @ret_department is
 * not NULL, its department (caller frees). */
uint64_t vt_publog_position(vt_txn *txn, const char *id, char **ret_department);

/* The entries of @department with positions in [@first, @last], in order,
 * appended to @ret_entries (a GArray of vt_publog_entry). */
void vt_publog_range(vt_txn *txn, const char *department, uint64_t first, uint64_t last,
                     GArray *ret_entries);

/* How many assets of @department @audience sees. */
uint64_t vt_publog_count(vt_txn *txn, const char *department, vt_audience audience);

/* The last activity seq of @audience (0: none). */
uint64_t vt_publog_activity_last(vt_txn *txn, vt_audience audience);

typedef struct {
    uint64_t seq;
    const char *type;  /* "Create" "Update" "Delete" */
    char id[VT_ASSET_ID_MAX + 1];
    int64_t time;      /* unix seconds */
} vt_publog_activity;

/* Calls @fn for the activities of @audience with seq in [@first, @last]. */
typedef bool (*vt_publog_activity_fn)(const vt_publog_activity *act, void *data);
void vt_publog_activities(vt_txn *txn, vt_audience audience, uint64_t first, uint64_t last,
                          vt_publog_activity_fn fn, void *data);

#endif
