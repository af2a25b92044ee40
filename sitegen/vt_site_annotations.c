/* vt_site_annotations.c: an asset's annotations in each tree, as one IIIF
 * AnnotationPage per audience (iiif/ID/annotations.json), referenced from
 * the canvas's "annotations" property so that Mirador and Universal Viewer
 * draw them, and read by the page's own viewer (static/annotations.js).
 *
 * The public tree holds public annotations only (vt_annotation_is_public:
 * the annotation and its asset both public), so an asset made internal
 * takes its annotations out of the public tree with it: the asset's public
 * files are removed, this one among them (vt__site_asset_remove). A tree
 * without annotations for an asset has no file, and a file left from
 * before is removed, so a deleted annotation disappears at the next
 * publication. */
#include "vt_site_private.h"
#include "vt_url.h"

vt_status vt__site_annotations_write(const vt_site *s, const vt_site_tree *t, vt_txn *txn,
                                     const vt_site_item *item, json_t *manifest,
                                     json_t **ret_page)
{
    const vt_asset *a = item->a;
    bool public_tree = t->audience == VT_AUDIENCE_PUBLIC;
    json_t *list = vt_annotation_list(txn, a->id);
    json_t *page = vt_annotation_page(s->annotation_types, &t->view, a->id, list, public_tree,
                                      a->visibility == VT_VISIBILITY_PUBLIC);
    json_decref(list);
    g_autofree char *rel = g_strconcat("iiif/", a->id, "/annotations.json", NULL);
    if (!page)
        return vt_error_set(VT_ERR_INVALID, "site: no AnnotationPage for %s", a->id);
    size_t n = json_array_size(json_object_get(page, "items"));
    if (n == 0) {
        json_decref(page);
        vt__site_remove(t, rel);
        if (ret_page)
            *ret_page = json_null();
        return VT_OK;
    }
    vt_status st = vt__site_write_json(t, rel, page);
    json_decref(page);
    if (st != VT_OK)
        return st;
    g_autofree char *url = vt_url_annotations(&t->view, a->id);
    json_t *canvas = json_array_get(json_object_get(manifest, "items"), 0);
    if (json_is_object(canvas))
        json_object_set_new(canvas, "annotations",
                            json_pack("[{s:s, s:s}]", "id", url, "type", "AnnotationPage"));
    if (ret_page) {
        /* The types this tree shows, for the legend: colour and label. */
        json_t *types = vt_annotation_types_json(s->annotation_types);
        *ret_page = json_pack("{s:s, s:I, s:o}", "url", url, "count", (json_int_t)n, "types",
                              types);
    }
    return VT_OK;
}
