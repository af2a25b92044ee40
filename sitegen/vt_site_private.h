/* vt_site_private.h: what the files of the site generator share (vt__site
 * names). Not for use outside sitegen/vt_site*.c. */
#ifndef VT_SITE_PRIVATE_H
#define VT_SITE_PRIVATE_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>

#include "vt_annotation.h"
#include "vt_asset.h"
#include "vt_i18n.h"
#include "vt_publog.h"
#include "vt_site.h"
#include "vt_staff.h"
#include "vt_template.h"

struct vt_site {
    const vt_config *config;
    vt_template_set *templates;
    vt_annotation_types *annotation_types; /* vt_site_annotations.c */
    /* Made once from the config (which a site never sees change), not per
     * internal asset page: [staff] (NULL when it cannot be read: the pages
     * then go without the staff part), and the annotation types as the
     * workspace's JSON text (a JSON string, shared by every page). Only
     * read while rendering. */
    vt_staff *staff;
    json_t *annotation_types_text;
    char *templates_dir;      /* the installed (or source) templates */
    char *vendor_dir;         /* node_modules or the installed vendor folder, or NULL */
    uint64_t activity_written[VT_AUDIENCE__COUNT]; /* last activity seq on disk */
    /* [site] languages' catalogues, the default first (none: one English
     * page tree, as before languages existed). With two or more, every
     * page is written once per language under <tree>/<lang>/. */
    vt_i18n **catalogues;
    size_t n_languages;
    bool activity_known;      /* activity_written read from the trees */
};

/* Where an asset's documents are listed, as a rebuild's listing pages
 * loaded it: the activity pages name those documents for each change, and
 * need not parse the asset's record again for it. */
typedef struct {
    const char *department;
    const char *intervention; /* NULL for none */
    char id[];                /* then the two strings, one allocation */
} vt_site_place;

/* Asset id -> vt_site_place, shared by a rebuild's workers (its own lock). */
typedef struct vt_site_places vt_site_places;

/* A rebuild's interventions, gathered from the items its listing pages
 * load (vt_site_pages.c): the page that loads an intervention's last asset
 * renders it, instead of its own work item loading every asset again. */
typedef struct vt_site_gather vt_site_gather;

/* Roots with a "site" object made once per tree (vt_site_pages.c). */
#define VT_SITE_ROOTS 3

/* One tree being written. */
typedef struct {
    vt_audience audience;
    vt_config view;           /* vt_config_audience_view(): URLs of this tree */
    char *dir;                /* where its files go */
    GHashTable *keep;         /* rebuild over an existing tree: relative paths written
                               * or kept (the rest is pruned); NULL when publishing or
                               * rebuilding into an empty tree (nothing to compare) */
    GMutex *keep_lock;        /* guards keep (the rebuild's workers share it) */
    vt_site_places *places;   /* rebuild only (both trees share it), else NULL */
    vt_site_gather *gather;   /* the same */
    bool fresh;               /* a rebuild into an empty tree: no file there to compare
                               * or remove (the rebuild writes each path once) */
    /* The pages' "site" object for the usual roots (vt__site_tree_contexts),
     * shared by every page of the tree and only read; NULL if not made. */
    json_t *site_json[VT_SITE_ROOTS];
    /* The base URLs the tree's documents are made of (its site's, the image
     * servers', the originals') are valid UTF-8: checked once by
     * vt__site_tree_contexts (GKeyFile does not), so the URLs made of them
     * and of checked or escaped text go into JSON unchecked. */
    bool urls_utf8;
} vt_site_tree;

/* The parts of an asset's page and record that are the same in every tree
 * (vt_site_pages.c). */
typedef struct vt_site_asset_parts vt_site_asset_parts;

/* An asset with what its pages need, loaded from one snapshot. */
typedef struct {
    vt_asset *a;
    json_t *harvested;        /* the intervention's harvested fields, or NULL */
    json_t *view;             /* vt_meta_merged() */
    char *label;              /* plain text for cards and titles */
    char *label_lang;         /* its language, or NULL */
    json_t *labels;           /* {lang: title} of the label's source, or NULL */
    char *thumbnail;          /* absolute URL */
    json_t *thumbnail_json;   /* the same as a JSON string for cards, checked once
                               * (json_null() without one, NULL if not UTF-8) */
    int thumb_w, thumb_h;
    uint64_t position;
    vt_site_asset_parts *parts; /* what its documents share between the trees, made
                                 * by the first (see vt_site_pages.c), or NULL */
    gint refs;                /* atomic: a rebuild shares items between its workers */
} vt_site_item;

/* ---- vt_site.c: files ---- */
vt_status vt__site_write(const vt_site_tree *t, const char *rel, const char *data, size_t len);
vt_status vt__site_write_json(const vt_site_tree *t, const char *rel, const json_t *doc);
/* This thread's buffer for a page being rendered, emptied; valid until the
 * next call on the thread. Freed when the thread ends, or by
 * vt__site_buffers_free() (the thread that called rebuild or publish). */
GString *vt__site_text_buffer(void);
void vt__site_buffers_free(void);
/* Removes a file if present; true if there was one. */
bool vt__site_remove(const vt_site_tree *t, const char *rel);
/* Removes the page @rel in every language's folder (or at @rel with one
 * language); the number of files removed. */
unsigned vt__site_remove_page(const vt_site *s, const vt_site_tree *t, const char *rel);
/* "nl/" for language @i of a site with two or more, else "". Caller frees. */
char *vt__site_page_prefix(const vt_site *s, size_t i);

/* ---- vt_site_item.c: loading ---- */
vt_status vt__site_item_load(vt_txn *txn, const vt_config *c, const char *id,
                             vt_site_item **ret_item);
/* Drops a reference; the last one frees. */
void vt__site_item_free(vt_site_item *item);
vt_site_item *vt__site_item_ref(vt_site_item *item);
vt_site_places *vt__site_places_new(void);
void vt__site_places_free(vt_site_places *places);
/* Remembers @a's place (no-op for NULL @places). */
void vt__site_place_add(vt_site_places *places, const vt_asset *a);
/* The place of asset @id, or NULL (also for NULL @places). Valid until the
 * table is freed. */
const vt_site_place *vt__site_place_get(vt_site_places *places, const char *id);
/* Hands the items' views to vt_manifest (vt_manifest_views_set) for this
 * thread until vt__site_views_clear(), so manifests reuse them. */
typedef struct {
    const vt_asset **assets;
    const json_t **harvested;
    const json_t **views;
} vt_site_views;
void vt__site_views_set(vt_site_views *v, vt_site_item *const *items, size_t n);
void vt__site_views_clear(vt_site_views *v);
/* The card of @item for a page @root away from the tree's root (new ref). */
json_t *vt__site_card(const vt_site_tree *t, const vt_site_item *item, const char *root);
/* ISO 8601 UTC. Caller frees. */
char *vt__site_iso_time(int64_t unix_seconds);
/* The departments @t shows (config order). */
bool vt__site_department_shown(const vt_site_tree *t, const vt_department *d);

/* ---- vt_site_pages.c: HTML pages and asset documents ---- */
/* Makes @t's site_json (tree_clear frees them). */
void vt__site_tree_contexts(const vt_site *s, vt_site_tree *t);
vt_status vt__site_render(const vt_site *s, const vt_site_tree *t, vt_txn *txn, const char *name,
                          const char *kind, const char *title, const char *root, json_t *extra,
                          const char *rel);
vt_status vt__site_asset_write(const vt_site *s, const vt_site_tree *t, vt_txn *txn,
                               const vt_site_item *item);
/* Frees what vt__site_asset_write() made for @item's other trees (no-op
 * without). */
void vt__site_asset_parts_clear(vt_site_item *item);
unsigned vt__site_asset_remove(const vt_site *s, const vt_site_tree *t, const char *id);
vt_status vt__site_intervention(const vt_site *s, const vt_site_tree *const *trees, size_t n_trees,
                                vt_txn *txn, const char *number);
vt_site_gather *vt__site_gather_new(void);
void vt__site_gather_free(vt_site_gather *gather);
/* True when intervention @number is still to be rendered, and from now on
 * by the caller (its own work item), never by a listing page. */
bool vt__site_gather_claim(vt_site_gather *gather, const char *number);
/* Listing page @page (1-based) of @d in every tree, and its sub-collection;
 * when @write_assets, also the pages and manifests of its assets (rebuild). */
vt_status vt__site_department_page(const vt_site *s, const vt_site_tree *const *trees,
                                   size_t n_trees, vt_txn *txn, const vt_department *d,
                                   uint64_t page, bool write_assets, unsigned *ret_assets);
/* index.html = the newest page, and the department collection. */
vt_status vt__site_department_index(const vt_site *s, const vt_site_tree *t, vt_txn *txn,
                                    const vt_department *d);
vt_status vt__site_home(const vt_site *s, const vt_site_tree *t, vt_txn *txn);
vt_status vt__site_fixed_pages(const vt_site *s, const vt_site_tree *t, vt_txn *txn);

/* ---- vt_site_annotations.c: the asset's AnnotationPage ---- */
/* Writes iiif/ID/annotations.json of @item in @t (public annotations only in
 * the public tree), or removes it when there are none; when written, the
 * canvas of @manifest gets its "annotations" reference. *ret_page (may be
 * NULL): for the page's viewer, {"url", "count", "types": [...]}, or
 * json_null() when there are none (new reference). */
vt_status vt__site_annotations_write(const vt_site *s, const vt_site_tree *t, vt_txn *txn,
                                     const vt_site_item *item, json_t *manifest,
                                     json_t **ret_page);

/* ---- vt_site_feeds.c: collections, sitemaps, activity, terms ---- */
vt_status vt__site_top_collection(const vt_site_tree *t);
vt_status vt__site_sitemap_chunk(const vt_site_tree *t, vt_txn *txn, const vt_department *d,
                                 uint64_t chunk);
vt_status vt__site_sitemap_index(const vt_site_tree *t, vt_txn *txn);
/* Activity pages from the one holding seq @from to the last, and the root. */
vt_status vt__site_activity(const vt_site_tree *t, vt_txn *txn, uint64_t from);
/* The last activity seq the tree's activity/all-changes.json lists (0). */
uint64_t vt__site_activity_on_disk(const vt_site_tree *t);
vt_status vt__site_terms(const vt_site_tree *t, vt_txn *txn);

#endif
