/* vt_pipeline_annotations.c: annotations reaching the store: the sidecar
 * NAME.annotations.json (with its image or after it) and the spool's
 * "annotations" requests (`vitrine annotations import|delete`).
 *
 * A sidecar is checked against the image's size, which is known only once
 * the image is converted. So a page read before (by the archive step, or a
 * late sidecar of a CONVERTING asset) is kept in the store as
 * ANNOTATIONS["pending\x1f" ID] = {"name", "page"}, written in the same
 * transaction as the asset's step, and imported by the transaction that
 * makes the asset READY (vt__pipeline_annotations_ready). A page that cannot
 * be imported then gets a quarantine record with the reason (the file itself
 * is already archived beside the original) and the reason is logged; the
 * image is READY either way.
 *
 * Import rules: every target is bound to the asset's canvas, whatever its
 * source says; a missing visibility is internal; an annotation whose id is
 * already there replaces it (keeping its creation time), others are added,
 * and nothing else is removed. A file is imported all or nothing.
 *
 * Every change marks the asset dirty (vt_publog_touch) in its transaction,
 * and the caller marks it for the index, so the AnnotationPage, the page and
 * the search follow within the flush delay. Loop thread only.
 */
#include <string.h>

#include "vt_annotation.h"
#include "vt_pipeline_private.h"
#include "vt_publog.h"
#include "vt_url.h"

#define PENDING_PREFIX "pending\x1f"

static vt_annotation_target target_of(const vt_asset *a)
{
    vt_annotation_target t = {a->id, a->width, a->height,
                              a->visibility == VT_VISIBILITY_PUBLIC};
    return t;
}

/* Stores @list (checked) for @a: replaces same ids, adds others. Fails the
 * txn past VT_ANNOTATION_PER_ASSET_MAX. Returns how many changed. */
static unsigned import_list(vt_txn *txn, const vt_asset *a, const json_t *list)
{
    json_t *existing = vt_annotation_list(txn, a->id);
    size_t total = json_array_size(existing);
    unsigned changed = 0;
    size_t i;
    json_t *ann;
    json_array_foreach(list, i, ann) {
        const char *id = json_string_value(json_object_get(ann, "id"));
        json_t *old = vt_annotation_get(txn, a->id, id);
        json_t *copy = json_deep_copy(ann);
        if (old) {
            json_object_set(copy, "created", json_object_get(old, "created"));
            json_t *cmp = json_deep_copy(copy);
            json_object_set(cmp, "modified", json_object_get(old, "modified"));
            bool same = json_equal(cmp, old);
            json_decref(cmp);
            json_decref(old);
            if (same) {
                json_decref(copy);
                continue;
            }
        } else if (++total > VT_ANNOTATION_PER_ASSET_MAX) {
            json_decref(copy);
            vt_txn_fail(txn, vt_error_set(VT_ERR_LIMIT, "asset %s would have more than %d"
                                          " annotations", a->id, VT_ANNOTATION_PER_ASSET_MAX));
            break;
        }
        vt_annotation_put(txn, a->id, copy);
        json_decref(copy);
        changed++;
    }
    json_decref(existing);
    return changed;
}

/* Parses the W3C document @page for @a and imports it. */
static vt_status import_page(vt_txn *txn, const vt_pipeline *p, const vt_asset *a,
                             const char *name, const json_t *page, const char *creator,
                             unsigned *ret_changed)
{
    if (a->state != VT_ASSET_READY || a->width <= 0 || a->height <= 0)
        return vt_txn_fail(txn, vt_error_set(VT_ERR_INVALID, "asset %s is not ready (its image's"
                                             " size is not known yet)", a->id));
    char *text = json_dumps(page, JSON_COMPACT);
    if (!text)
        return vt_txn_fail(txn, vt_error_set(VT_ERR_INVALID, "%s: cannot be encoded", name));
    vt_annotation_target target = target_of(a);
    json_t *list = NULL;
    vt_status s = vt_annotation_parse_page(p->annotation_types, &target, name, text,
                                           strlen(text), creator, vt__pipeline_now(), &list);
    free(text);
    if (s != VT_OK)
        return vt_txn_fail(txn, s);
    unsigned n = import_list(txn, a, list);
    json_decref(list);
    if (n && vt_txn_status(txn) == VT_OK)
        vt_publog_touch(txn, a);
    *ret_changed = n;
    return vt_txn_status(txn);
}

void vt__pipeline_annotations_pending(vt_txn *txn, const char *asset_id, const char *name,
                                      const json_t *page)
{
    g_autofree char *key = g_strconcat(PENDING_PREFIX, asset_id, NULL);
    json_t *v = json_pack("{s:s, s:O}", "name", name ? name : VT_ANNOTATION_SIDECAR_SUFFIX,
                          "page", page);
    vt_txn_put_json(txn, VT_TABLE_ANNOTATIONS, key, v);
    json_decref(v);
}

char *vt__pipeline_annotations_ready(vt_txn *txn, const vt_pipeline *p, const vt_asset *a)
{
    g_autofree char *key = g_strconcat(PENDING_PREFIX, a->id, NULL);
    json_t *pending = vt_txn_get_json(txn, VT_TABLE_ANNOTATIONS, key);
    char *refused = NULL;
    if (!pending)
        return NULL;
    vt_txn_del(txn, VT_TABLE_ANNOTATIONS, key);
    const char *name = json_string_value(json_object_get(pending, "name"));
    vt_annotation_target target = target_of(a);
    char *text = json_dumps(json_object_get(pending, "page"), JSON_COMPACT);
    json_t *list = NULL;
    vt_status s = text ? vt_annotation_parse_page(p->annotation_types, &target, name, text,
                                                  strlen(text), NULL, vt__pipeline_now(), &list)
                       : vt_error_set(VT_ERR_INVALID, "%s: cannot be encoded", name);
    free(text);
    if (s == VT_OK) {
        import_list(txn, a, list);
        json_decref(list);
    } else {
        /* The file is archived already: the record says why none of it
         * was imported, and the asset goes on to READY. */
        g_autofree char *dir = g_path_get_dirname(a->source);
        g_autofree char *source = g_build_filename(dir, name, NULL);
        char *reason = g_strdup_printf(
            "The annotations of asset %s were not imported (the file is archived beside the"
            " original): %s", a->id, vt_error_message());
        refused = reason;
        json_t *record = json_pack("{s:s, s:s, s:s}", "source", source, "path", a->original,
                                   "reason", reason);
        vt__sidecar_ctx c = {a->department, record};
        vt__pipeline_sidecar_record_fn(txn, &c);
        json_decref(record);
    }
    json_decref(pending);
    return refused;
}

void vt__pipeline_annotations_forget(vt_txn *txn, const char *asset_id)
{
    vt_annotation_del(txn, asset_id, NULL, NULL);
    g_autofree char *key = g_strconcat(PENDING_PREFIX, asset_id, NULL);
    vt_txn_del(txn, VT_TABLE_ANNOTATIONS, key);
}

typedef struct {
    const vt_pipeline *p;
    const char *id;
    const char *name;
    const json_t *page;
    const char *creator;
    const json_t *delete;   /* a list of ids, or true: all */
    /* out */
    unsigned changed;
    bool pending;
} annotations_ctx;

static vt_status annotations_fn(vt_txn *txn, void *data)
{
    annotations_ctx *c = data;
    c->changed = 0;
    c->pending = false;
    vt_asset *a = NULL;
    vt_status s = vt_asset_get(txn, c->id, &a);
    if (s != VT_OK)
        return vt_txn_status(txn) ? vt_txn_status(txn)
                                  : vt_txn_fail(txn, vt_error_set(VT_ERR_NOT_FOUND, "no asset %s",
                                                                  c->id));
    if (c->page && a->state == VT_ASSET_CONVERTING) {
        /* A late sidecar of an image still converting: imported with it. */
        vt__pipeline_annotations_pending(txn, a->id, c->name, c->page);
        c->pending = true;
    } else if (c->page) {
        import_page(txn, c->p, a, c->name, c->page, c->creator, &c->changed);
    }
    if (c->delete && vt_txn_status(txn) == VT_OK) {
        if (json_is_true(c->delete)) {
            vt_annotation_del(txn, a->id, NULL, &c->changed);
        } else {
            size_t i;
            const json_t *v;
            json_array_foreach(c->delete, i, v) {
                unsigned n = 0;
                vt_annotation_del(txn, a->id, json_string_value(v), &n);
                if (!n) {
                    vt_txn_fail(txn, vt_error_set(VT_ERR_NOT_FOUND, "asset %s has no annotation"
                                                  " %s", a->id, json_string_value(v)));
                    break;
                }
                c->changed += n;
            }
        }
        if (c->changed && vt_txn_status(txn) == VT_OK)
            vt_publog_touch(txn, a);
    }
    vt_asset_free(a);
    return vt_txn_status(txn);
}

vt_status vt__pipeline_late_annotations(vt_pipeline *p, const char *id, const char *name,
                                        const json_t *page, bool *ret_changed)
{
    annotations_ctx c = {.p = p, .id = id, .name = name, .page = page};
    vt_status s = vt_store_write(p->store, annotations_fn, &c);
    if (s == VT_OK && c.changed)
        vt__pipeline_mark_changed(p, id);
    *ret_changed = c.changed > 0 || c.pending;
    return s;
}

vt_status vt__pipeline_apply_annotations(vt_pipeline *p, const json_t *req)
{
    const char *id = json_string_value(json_object_get(req, "id"));
    const json_t *page = json_object_get(req, "import");
    const json_t *del = json_object_get(req, "delete");
    const char *creator = json_string_value(json_object_get(req, "creator"));
    if (!id || !vt_url_id_valid(id))
        return vt_error_set(VT_ERR_INVALID, "an annotations request needs the asset's \"id\"");
    if (!page == !del)
        return vt_error_set(VT_ERR_INVALID, "an annotations request has \"import\" (an"
                            " AnnotationPage) or \"delete\" (a list of ids, or true), one of them");
    if (del && !json_is_true(del)) {
        size_t i;
        const json_t *v;
        if (!json_is_array(del) || json_array_size(del) == 0)
            return vt_error_set(VT_ERR_INVALID, "\"delete\" is a list of annotation ids, or true");
        json_array_foreach(del, i, v)
            if (!vt_annotation_id_valid(json_string_value(v)))
                return vt_error_set(VT_ERR_INVALID, "\"delete\": not an annotation id");
    }
    annotations_ctx c = {.p = p, .id = id, .name = "the imported annotations", .page = page,
                         .creator = creator, .delete = del};
    vt_status s = vt_store_write(p->store, annotations_fn, &c);
    if (s != VT_OK)
        return s;
    if (c.changed)
        vt__pipeline_mark_changed(p, id);
    g_autofree char *msg = g_strdup_printf("annotations of %s: %u %s", id, c.changed,
                                           page ? "imported or changed" : "deleted");
    vt__pipeline_emit(p, VT_EVENT_INFO, NULL, NULL, id, msg);
    return VT_OK;
}
