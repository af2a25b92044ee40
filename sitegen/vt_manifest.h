/* vt_manifest.h: IIIF Presentation 3.0 manifests and collections.
 *
 * Builds, with jansson, the JSON documents that IIIF viewers (Mirador,
 * Universal Viewer) open: a Manifest per asset, a Manifest per intervention
 * (all its images, across departments), and Collections: the top one (the
 * departments), one per department and one per intervention. Writing them
 * to the site is the publisher's job, not this module's.
 *
 * Who calls it: the site generator (full rebuild and incremental updates).
 * Pure functions of their arguments and the configuration; the only I/O is
 * reading <images.dir>/<id>/info.json and listing <images.dir>/<id>/full/
 * for server=static (the sizes vitrine wrote). Safe from any thread, also with one harvested-fields value shared
 * between threads (it is only read; jansson counts references atomically),
 * as long as no thread changes it meanwhile. Every returned json_t is a
 * new reference owned by the caller (json_decref). Documents may share
 * values that never change (labels, metadata, strings, an image's body and
 * thumbnail, in both audiences' documents): a caller may set
 * members of a document's own objects (the document, an asset manifest's
 * canvas and partOf references) but not change the values found in them.
 * On failure they return NULL with the message set (vt_error_message()):
 * an asset id that is not one, an asset that is not converted (no
 * width/height), an unknown audience, an asset the audience may not see, a
 * malformed intervention number, or an asset given with the wrong
 * department or intervention.
 *
 * Audience ("public" or "internal"): the caller passes only the assets that
 * audience may see; this module never looks anything up, so it can never
 * add an internal asset by itself. As a second line of defence, an internal
 * asset given for the "public" audience is refused (VT_ERR_INVALID), never
 * published.
 *
 * Everything a person reads (labels, metadata values) is the text exactly
 * as stored, with one exception: where IIIF allows HTML (metadata values,
 * summary), a value holding '<', '>' or '&' is written as
 * "<span>escaped text</span>", because viewers (Mirador) render those
 * properties as HTML and would otherwise interpret archive text as markup.
 * Labels are never HTML in IIIF and stay as stored. Text that is not valid UTF-8
 * (a department label from a hand-edited config) is repaired with U+FFFD.
 *
 * URLs (the asset ones are core/vt_url.h's; these are this module's):
 *   asset manifest          <site.base-url>/iiif/<id>/manifest.json
 *   asset canvas            <site.base-url>/iiif/<id>/canvas/1
 *     its annotation page   <canvas>/page/1, its painting annotation
 *                           <canvas>/annotation/1
 *   intervention manifest   <site.base-url>/iiif/intervention/<number>/manifest.json
 *   top collection          <site.base-url>/iiif/collection/top.json
 *   department collection   <site.base-url>/iiif/collection/department/<department-id>.json
 *   intervention collection <site.base-url>/iiif/collection/intervention/<number>.json
 *   asset JSON (seeAlso)    <site.base-url>/assets/<id>.json
 * Every URL maps to the file at the same path under the site tree, so a
 * static web server serves them as they are.
 *
 * What an asset manifest holds, and from where:
 *   label            the "title" values of vt_meta_merged() by language
 *                    ("none" for values without one); else the source file
 *                    name (without folders)
 *   summary          the "description" values, the same way (absent if none)
 *   metadata         one entry per field and source (labels in language
 *                    "en"), in vt_meta_merged() order, except title and
 *                    description (they are label and summary) and
 *                    visibility (a control field, not a description).
 *                    Harvested and custom values are told apart by the label:
 *                    field "object_type" gives "Object type" for custom
 *                    values, "Object type (collection system)" for
 *                    harvested ones and "Object type (from the file)" for
 *                    embedded ones. Values are language maps as the label.
 *   requiredStatement "Attribution": [site] attribution, else the
 *                    department's label (markup characters escaped in a
 *                    <span>, as for metadata values)
 *   rights           the first "rights" value that is a Creative Commons or
 *                    RightsStatements.org URI (https is written as the
 *                    http form those vocabularies define); else [site]
 *                    rights; otherwise absent (the text still shows in
 *                    metadata)
 *   thumbnail        vt_url_thumbnail() with its size (static: the info.json
 *                    size; absent when static has no info.json, since a
 *                    level-0 server answers no other size) and the service
 *   items            one Canvas of the asset's width x height, with the
 *                    same thumbnail, and one painting Annotation whose body
 *                    is the image at the largest size the server has (for
 *                    static: the largest <images.dir>/<id>/full/W,H/0/
 *                    default.jpg, the download, listed in "sizes" or not)
 *                    with its service: ImageService3 (level2 for
 *                    cantaloupe, level0 + "sizes" for static) or
 *                    ImageService2 level1 for iipsrv
 *   seeAlso, homepage, partOf (intervention collection if any, department
 *   collection, each labelled as that collection labels itself; the site
 *   replaces the department by the page sub-collection that lists the
 *   asset), service: IIIF Content Search 2 (SearchService2 with an
 *   AutoCompleteService2) and Search 1 (SearchService1 with the
 *   search/1/search profile, which Mirador 4 needs, and an autocomplete
 *   service); their ids are paths, <search>/manifest/<id>[/v1] and
 *   <search>/autocomplete/<id>[/v1], to which a client appends ?q=.
 */
#ifndef VT_MANIFEST_H
#define VT_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "vt_asset.h"
#include "vt_config.h"
#include "vt_error.h"

#define VT_MANIFEST_CONTEXT "http://iiif.io/api/presentation/3/context.json"
#define VT_MANIFEST_SEARCH_CONTEXT "http://iiif.io/api/search/2/context.json"
#define VT_MANIFEST_SEARCH1_CONTEXT "http://iiif.io/api/search/1/context.json"
#define VT_MANIFEST_SEARCH1_PROFILE "http://iiif.io/api/search/1/search"
#define VT_MANIFEST_AUTOCOMPLETE1_PROFILE "http://iiif.io/api/search/1/autocomplete"

/* Longest intervention number accepted in a URL. */
#define VT_MANIFEST_INTERVENTION_MAX 64
/* Most "sizes" taken from one info.json (vitrine writes two). */
#define VT_MANIFEST_SIZES_MAX 16

/* True when @number can be a path segment: 1 to VT_MANIFEST_INTERVENTION_MAX
 * of [A-Za-z0-9._-], not starting with '.' ("2019.12345", "B-2020_7"). The
 * intervention regex of a department could capture anything; a number that
 * is not valid gets no intervention manifest or collection. */
bool vt_manifest_intervention_valid(const char *number);

/* The URLs above; the caller frees them (g_free). NULL with the message set
 * for an invalid department id or intervention number. */
char *vt_manifest_url_top(const vt_config *c);
char *vt_manifest_url_department(const vt_config *c, const char *department_id);
char *vt_manifest_url_intervention(const vt_config *c, const char *number);
char *vt_manifest_url_intervention_collection(const vt_config *c, const char *number);

/* Optional, for speed: the display views (vt_meta_merged() of custom,
 * harvested and embedded metadata) the caller already has for @assets[i]
 * with @harvested[i], so that building documents on this thread does not
 * compute them again, nor what is made of them (labels, metadata, the
 * titles of harvested fields, also when several assets share them). Matched
 * by pointer; the caller keeps every pointer valid and unchanged until
 * vt_manifest_views_clear() on the same thread. */
void vt_manifest_views_set(const vt_asset *const *assets, const json_t *const *harvested,
                           const json_t *const *views, size_t n);
void vt_manifest_views_clear(void);

/* The Manifest of asset @a (which must be converted: width and height > 0).
 * @harvested_fields: the fields harvested for its intervention ({field:
 * [values]}, vt_meta.h), or NULL. @audience: "public" or "internal". */
json_t *vt_manifest_asset(const vt_config *c, const vt_asset *a, const json_t *harvested_fields,
                          const char *audience);

/* The Manifest of intervention @number: one canvas per asset, in the order
 * given (the caller sorts), each as in the asset's own manifest (same canvas
 * ids, so annotations on either apply to both). @assets[i] must have
 * intervention @number; @harvested[i] is its harvested fields (@harvested
 * may be NULL, and so may any element). Label "Intervention <number>", with
 * ": <title>" per language of the first harvested title found. Attribution
 * is [site] attribution, else lists every department concerned; rights is
 * [site] rights (each asset's own is in its manifest); homepage is the intervention's page
 * <site.base-url>/interventions/<number>.html. @n_assets must be at least 1 (a
 * manifest needs a canvas). */
json_t *vt_manifest_intervention(const vt_config *c, const char *number,
                                 const vt_asset *const *assets, const json_t *const *harvested,
                                 size_t n_assets, const char *audience);

/* The top Collection: one Collection reference per department given (the
 * caller decides which departments an audience sees), in that order. */
json_t *vt_manifest_collection_top(const vt_config *c, const vt_department *const *departments,
                                   size_t n_departments);

/* The Collection of department @d: a Manifest reference (id, label) per
 * asset, in the order given; each asset must belong to @d. @harvested as
 * for vt_manifest_intervention().
 *
 * Size: one collection lists the whole department, about 200 bytes per
 * asset, so 20 MB for 100,000 assets: viewers load it whole. Presentation 3
 * has no paging for collections; if that becomes a problem the way out is
 * sub-collections (by year, by intervention) listed here instead. */
json_t *vt_manifest_collection_department(const vt_config *c, const vt_department *d,
                                          const vt_asset *const *assets,
                                          const json_t *const *harvested, size_t n_assets,
                                          const char *audience);

/* The Collection of intervention @number: the intervention manifest first,
 * then each asset's manifest, in the order given (assets as for
 * vt_manifest_intervention()). With no assets it is an empty collection
 * (and names no intervention manifest, which would not exist). */
json_t *vt_manifest_collection_intervention(const vt_config *c, const char *number,
                                            const vt_asset *const *assets,
                                            const json_t *const *harvested, size_t n_assets,
                                            const char *audience);

#endif
