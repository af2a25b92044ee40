/* vt_site.h: the static site and its IIIF documents, written from the store.
 *
 * Two trees from one pass: <site.dir>/public/ (what the public may see) and
 * <site.dir>/internal/ (everything READY). templates/README.md lists the
 * pages and the data each template gets; vt_manifest.h the IIIF documents.
 * What a tree holds (paths relative to it):
 *   index.html search.html favourites.html terms.json
 *   assets/<id>.html assets/<id>.json          one per visible asset
 *   iiif/<id>/manifest.json
 *   interventions/<number>.html iiif/intervention/<number>/manifest.json
 *   iiif/collection/top.json
 *   iiif/collection/department/<d>.json        lists the pages below
 *   iiif/collection/department/<d>/<page>.json one per VT_PUBLOG_PAGE positions
 *   iiif/collection/intervention/<number>.json
 *   departments/<d>/index.html (newest page), departments/<d>/page-<n>.html
 *   sitemap.xml (an index) sitemaps/<d>-<n>.xml  (public tree only)
 *   activity/all-changes.json activity/page-<n>.json  (IIIF Change Discovery 1.0)
 *   static/ (the templates' static/ folder and vendor/: OpenSeadragon, Mirador)
 * A public tree never names an asset that is not visible to the public
 * (vt_publog_visible), whatever it is linked from.
 *
 * Two ways to write it:
 *  - vt_site_rebuild(): everything, in parallel (one read transaction per
 *    work item: a listing page, an intervention, a sitemap file), in place:
 *    each file is compared with the one there and replaced (temporary name,
 *    rename) only if it differs; files no longer part of the site are
 *    pruned at the end. Into an empty tree (the first rebuild) there is
 *    nothing to compare or prune: every file is just written. A visitor
 *    sees whole files throughout. Cost grows with the collection. Marks
 *    made while it runs are published after.
 *  - vt_site_publish(): what some changes touch (the dirty marks of
 *    vt_publog.h): the assets' pages and manifests, their interventions,
 *    the listing pages, sub-collections and sitemap files that hold them,
 *    home, top collection, activity pages. Every file goes to a temporary
 *    name and is renamed. Its cost does not grow with the collection: every
 *    file it writes covers a fixed range (a page of positions, an
 *    intervention, the last activity page).
 *  - terms.json, whose cost grows with the vocabulary, is written by
 *    vt_site_publish_terms(), which the daemon calls on a timer.
 * Both take an exclusive lock (<site.dir>/.lock), so a `vitrine rebuild`
 * and the daemon never write at once: publish returns VT_ERR_BUSY and the
 * daemon keeps its dirty marks for later.
 *
 * Templates: the installed folder (VT_DATADIR/templates, or the source
 * tree's templates/ when running from a build tree; $VITRINE_TEMPLATES_DIR
 * overrides), then [site] templates on top. Vendor files: VT_DATADIR/vendor
 * or the source tree's node_modules/.
 *
 * Threads: a vt_site is used by one thread at a time; rebuild runs its own
 * workers inside. Files are not fsync'ed: the site is regenerated from the
 * store at will.
 */
#ifndef VT_SITE_H
#define VT_SITE_H

#include <glib.h>

#include "vt_config.h"
#include "vt_error.h"
#include "vt_store.h"

/* Most terms listed in terms.json (most used first). */
#define VT_SITE_TERMS_MAX 2000
/* Cards on the home page. */
#define VT_SITE_RECENT 12

typedef struct vt_site vt_site;

/* Loads and checks the templates (every partial must exist). @config is
 * borrowed and must outlive the site. */
vt_status vt_site_open(const vt_config *config, vt_site **ret_site);
void vt_site_free(vt_site *site);

/* The third-party browser files (OpenSeadragon, Mirador, Universal Viewer,
 * Annotorious: npm's node_modules in a source tree, VT_DATADIR/vendor once
 * installed) that a site generated now would lack, as one line naming them
 * and what to do ("`npm ci` was not run..."), or NULL when all are there.
 * Without OpenSeadragon the asset pages show a still image instead of the
 * zoomable viewer. For the log, `vitrine status` and check-config.
 * Caller frees. */
char *vt_site_missing_vendor(void);

/* The folder the templates were loaded from (borrowed). */
const char *vt_site_templates_dir(const vt_site *site);

typedef void (*vt_site_progress_fn)(unsigned done, unsigned total, void *data);

/* Writes both trees from scratch with @threads workers (0: one per core),
 * calling @progress (may be NULL) from the calling thread now and then.
 * *ret_assets (may be NULL): assets published in the internal tree. */
vt_status vt_site_rebuild(vt_site *site, vt_store *store, unsigned threads,
                          vt_site_progress_fn progress, void *data, unsigned *ret_assets);

/* True once a tree exists (a rebuild has run). */
gboolean vt_site_exists(const vt_site *site);

/* Publishes the changes of @assets (ids) and @interventions (numbers an
 * asset left), from one store snapshot. *ret_files (may be NULL): files
 * written or removed. VT_ERR_BUSY while a rebuild holds the lock. */
vt_status vt_site_publish(vt_site *site, vt_store *store, GPtrArray *assets,
                          GPtrArray *interventions, unsigned *ret_files);

/* Writes terms.json of both trees. */
vt_status vt_site_publish_terms(vt_site *site, vt_store *store);

#endif
