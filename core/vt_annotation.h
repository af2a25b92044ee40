/* vt_annotation.h: annotations on a region of an asset's image: the model,
 * its types, validation, and its W3C / IIIF forms.
 *
 * Who calls it: the daemon (sidecar import, storage: the only writer of the
 * ANNOTATIONS table), the site generator (AnnotationPage per audience), the
 * indexer (annotation text) and `vitrine annotations`. Pure functions, no
 * I/O except the store calls at the end; safe from any thread.
 *
 * The stored form (one JSON object per annotation, "v": 1) is vitrine's own
 * and closed: everything in it was validated here against the types and
 * the image's size.
 *
 *   {"v": 1, "id": "Ab3_x-9", "type": "restoration",
 *    "shape": {"x": 10, "y": 20, "w": 300, "h": 200}          a rectangle, or
 *    "shape": {"points": [[10,20], [300,20], [150,200]]},      a polygon
 *    "fields": {"treatment": "...", "damage": ["flaking"]},   per the type
 *    "creator": "jdoe", "created": 1765000000, "modified": 1765000000,
 *    "visibility": "internal"}                                 or "public"
 *
 * Ids are 1..VT_ANNOTATION_ID_MAX characters of [A-Za-z0-9_-] (URL-safe,
 * stable: kept from an imported annotation whose id ends in such a word,
 * otherwise derived from the asset id and the annotation's content, so
 * importing one file twice gives the same ids).
 *
 * Visibility: internal unless said otherwise. "public" is accepted only on a
 * public asset; an annotation is shown to the public only while both it and
 * its asset are public (vt_annotation_is_public), so an asset made internal
 * takes its annotations with it.
 *
 * Types and their fields: vt_annotation_types.h.
 *
 * W3C form (import, export), following docs/ARCHITECTURE.md: "body" is a list
 * of TextualBody, one per value, with "purpose" describing / tagging /
 * linking and "vitrine:type" / "vitrine:field"; "target" is
 * {type: SpecificResource, source: CANVAS, selector}. Import reads every
 * common selector form: FragmentSelector "xywh=x,y,w,h", "xywh=pixel:...",
 * "xywh=percent:...", a target "CANVAS#xywh=...", and SvgSelector with a
 * <rect>, <polygon>, <polyline> or <path> (parsed with libxml2 through
 * vt_xml; a path's curves are followed through their end points). Export
 * writes what Mirador 4 and Universal Viewer 4 draw: rectangles as
 * "xywh=x,y,w,h", polygons as an SvgSelector with one <path>, motivation
 * "commenting" ("tagging" for tags).
 */
#ifndef VT_ANNOTATION_H
#define VT_ANNOTATION_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vt_annotation_types.h"
#include "vt_config.h"
#include "vt_error.h"
#include "vt_store.h"

#define VT_ANNOTATION_ID_MAX 64
/* Points of a polygon (Annotorious draws a handful; a traced outline a few hundred). */
#define VT_ANNOTATION_POINTS_MAX 2000
/* Bytes of one value, and values of one list field. */
#define VT_ANNOTATION_VALUE_MAX_BYTES (8u * 1024)
#define VT_ANNOTATION_VALUES_MAX 100
/* An AnnotationPage sidecar, and the annotations one asset may have. */
#define VT_ANNOTATION_PAGE_MAX_BYTES (8u * 1024 * 1024)
#define VT_ANNOTATION_PER_ASSET_MAX 10000
/* An SVG selector's text. */
#define VT_ANNOTATION_SVG_MAX_BYTES (256u * 1024)

/* A sidecar of annotations: NAME.annotations.json beside image NAME.ext
 * (or NAME.ext.annotations.json), a W3C AnnotationPage. */
#define VT_ANNOTATION_SIDECAR_SUFFIX ".annotations.json"
/* True when @basename ends in VT_ANNOTATION_SIDECAR_SUFFIX (any case) and
 * has a name before it. */
bool vt_annotation_sidecar_name(const char *basename);

/* True when @id is a valid annotation id. */
bool vt_annotation_id_valid(const char *id);

/* What the checks need to know of the asset. */
typedef struct {
    const char *asset_id;
    int width, height;     /* the image's size in pixels (> 0) */
    bool asset_public;
} vt_annotation_target;

/* Checks the stored-form annotation @ann against @types and @target: id,
 * type, every field (known, of its kind, not too long), the shape (inside
 * the image, 3..VT_ANNOTATION_POINTS_MAX points), visibility. VT_OK or
 * VT_ERR_INVALID / VT_ERR_LIMIT with a message naming the annotation and
 * the field. */
vt_status vt_annotation_check(const vt_annotation_types *types, const vt_annotation_target *target,
                              const json_t *ann);

/* Reads one W3C annotation (@w3c) into the stored form, checked with
 * vt_annotation_check(). Its target is bound to @target's canvas whatever
 * its source says; a missing visibility is internal; a missing creator is
 * @default_creator (may be NULL); missing times are @now. On success
 * *ret_ann is new (caller json_decref). Errors as vt_annotation_check(). */
vt_status vt_annotation_from_w3c(const vt_annotation_types *types,
                                 const vt_annotation_target *target, const json_t *w3c,
                                 const char *default_creator, int64_t now, json_t **ret_ann);

/* Parses @len bytes of @data (a W3C AnnotationPage, an AnnotationCollection
 * with its first page embedded, a JSON list of annotations, or a single
 * annotation) into a list of stored-form annotations, each converted by
 * vt_annotation_from_w3c(). @name names the input in messages ("sidecar
 * a.annotations.json"). All or nothing: the first bad annotation fails the
 * whole input, with its position. Two with one id is an error. */
vt_status vt_annotation_parse_page(const vt_annotation_types *types,
                                   const vt_annotation_target *target, const char *name,
                                   const char *data, size_t len, const char *default_creator,
                                   int64_t now, json_t **ret_list);

/* Checks that @data is JSON that vt_annotation_parse_page() could read
 * (without an image to check the shapes against): for a sidecar read
 * before its image is converted. VT_ERR_INVALID / VT_ERR_LIMIT. On success
 * *ret_json is the parsed document (new reference). */
vt_status vt_annotation_page_load(const char *name, const char *data, size_t len,
                                  json_t **ret_json);

/* The version of stored-form annotation @ann: 16 hex digits of the SHA-256
 * of its canonical JSON (the If-Match of a change from the site). Caller
 * frees. */
char *vt_annotation_version(const json_t *ann);

/* The stored-form annotation @ann as W3C/IIIF JSON: id @annotation_url,
 * target @canvas_id, its version as "vitrine:version". New reference. */
json_t *vt_annotation_to_w3c(const vt_annotation_types *types, const json_t *ann,
                             const char *annotation_url, const char *canvas_id);

/* The IIIF AnnotationPage of asset @asset_id in the tree of @view (a
 * vt_config_audience_view): id vt_url_annotations(), each annotation's id
 * <base>/iiif/ID/annotation/ANNOTATION, targets on vt_url_canvas(). With
 * @public_only, only the annotations vt_annotation_is_public() allows (none
 * when @asset_public is false). @list is stored-form annotations. New
 * reference, NULL if @asset_id is not a valid id. */
json_t *vt_annotation_page(const vt_annotation_types *types, const vt_config *view,
                           const char *asset_id, const json_t *list, bool public_only,
                           bool asset_public);

/* The words of @ann worth indexing (every field value, the type's label),
 * one string, blank-separated. Caller frees. */
char *vt_annotation_text(const vt_annotation_types *types, const json_t *ann);

/* True if the public may see @ann of an asset that is (@asset_public) public. */
bool vt_annotation_is_public(const json_t *ann, bool asset_public);

/* The rectangle that holds @ann's shape ("x,y,w,h" in *ret_*). */
void vt_annotation_bounds(const json_t *ann, int *ret_x, int *ret_y, int *ret_w, int *ret_h);

/* ---- the ANNOTATIONS table (VT_TABLE_ANNOTATIONS) ----
 *   ANNOTATIONS[asset id "\x1f" annotation id] = the stored form
 *   ANNOTATIONS["pending\x1f" asset id] = a sidecar's W3C JSON waiting for its
 *   image's size (imported when the asset is READY)
 * Asset ids are lowercase hex, so the two never meet. Writes come from the
 * daemon or a batch writer only. */

/* The annotations of asset @asset_id, in id order: a new JSON list. */
json_t *vt_annotation_list(vt_txn *txn, const char *asset_id);
/* The annotation @ann_id of @asset_id, or NULL. New reference. */
json_t *vt_annotation_get(vt_txn *txn, const char *asset_id, const char *ann_id);
/* Stores @ann (checked by the caller) for @asset_id. */
void vt_annotation_put(vt_txn *txn, const char *asset_id, const json_t *ann);
/* Deletes annotation @ann_id (NULL: all of the asset's). *ret_n (may be NULL): how many. */
void vt_annotation_del(vt_txn *txn, const char *asset_id, const char *ann_id, unsigned *ret_n);

#endif
