/* vt_site_feeds.c: the documents machines read: the top IIIF collection,
 * sitemaps, the IIIF Change Discovery activity stream and terms.json. */
#include "vt_site_private.h"

#include <inttypes.h>
#include <string.h>

#include "vt_manifest.h"
#include "vt_termlist.h"
#include "vt_url.h"

#define SEP "\x1f"
#define ACTIVITY_CONTEXT "http://iiif.io/api/discovery/1/context.json"
/* all-changes.json: the asset changes published (the log's last seq). */
#define ACTIVITY_SEQ_KEY "vitrine:assetChanges"

vt_status vt__site_top_collection(const vt_site_tree *t)
{
    const vt_department **shown = g_new(const vt_department *, t->view.n_departments + 1);
    size_t n = 0;
    for (size_t i = 0; i < t->view.n_departments; i++)
        if (vt__site_department_shown(t, &t->view.departments[i]))
            shown[n++] = &t->view.departments[i];
    json_t *top = vt_manifest_collection_top(&t->view, shown, n);
    g_free(shown);
    if (!top)
        return VT_ERR_INVALID;
    vt_status st = vt__site_write_json(t, "iiif/collection/top.json", top);
    json_decref(top);
    return st;
}

/* ------------------------------------------------------------ sitemaps */

/* The pages' folder a sitemap lists: the default language's ("nl/") with
 * two or more languages (the pages name the others with hreflang), else "". */
static char *sitemap_prefix(const vt_site_tree *t)
{
    char **langs = t->view.site_languages;
    return langs && langs[0] && langs[1] ? g_strconcat(langs[0], "/", NULL) : g_strdup("");
}

vt_status vt__site_sitemap_chunk(const vt_site_tree *t, vt_txn *txn, const vt_department *d,
                                 uint64_t chunk)
{
    /* A department the tree does not show has no sitemap there: its file
     * name alone would name it (an empty sitemaps/cond-0.xml did). */
    if (!vt__site_department_shown(t, d)) {
        g_autofree char *gone = g_strdup_printf("sitemaps/%s-%" PRIu64 ".xml", d->id, chunk);
        (void)vt__site_remove(t, gone);
        return VT_OK;
    }
    g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(vt_publog_entry));
    vt_publog_range(txn, d->id, chunk * VT_PUBLOG_SITEMAP + 1, (chunk + 1) * VT_PUBLOG_SITEMAP,
                    entries);
    g_autofree char *prefix = sitemap_prefix(t);
    GString *xml = g_string_sized_new(64 * 1024);
    g_string_append(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (guint i = 0; i < entries->len; i++) {
        const vt_publog_entry *e = &g_array_index(entries, vt_publog_entry, i);
        if (!e->ready || (t->audience == VT_AUDIENCE_PUBLIC && !e->is_public))
            continue;
        /* Ids are [a-z0-9]: nothing to escape. */
        g_string_append_printf(xml, "<url><loc>%s/%sassets/%s.html</loc></url>\n",
                               t->view.site_base_url, prefix, e->id);
    }
    g_string_append(xml, "</urlset>\n");
    g_autofree char *rel = g_strdup_printf("sitemaps/%s-%" PRIu64 ".xml", d->id, chunk);
    vt_status st = vt__site_write(t, rel, xml->str, xml->len);
    g_string_free(xml, TRUE);
    return st;
}

vt_status vt__site_sitemap_index(const vt_site_tree *t, vt_txn *txn)
{
    GString *xml = g_string_new("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    g_string_append_printf(xml, "<sitemap><loc>%s/sitemaps/pages.xml</loc></sitemap>\n",
                           t->view.site_base_url);
    for (size_t i = 0; i < t->view.n_departments; i++) {
        const vt_department *d = &t->view.departments[i];
        uint64_t last = vt__site_department_shown(t, d) ? vt_publog_last_position(txn, d->id) : 0;
        for (uint64_t c = 0; last > 0 && c <= vt_publog_sitemap_of(last); c++)
            g_string_append_printf(xml, "<sitemap><loc>%s/sitemaps/%s-%" PRIu64
                                        ".xml</loc></sitemap>\n",
                                   t->view.site_base_url, d->id, c);
    }
    g_string_append(xml, "</sitemapindex>\n");
    vt_status st = vt__site_write(t, "sitemap.xml", xml->str, xml->len);
    g_string_free(xml, TRUE);
    if (st != VT_OK)
        return st;

    /* The pages that are not assets: home, search, departments. */
    GString *pages = g_string_new("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                  "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    g_autofree char *prefix = sitemap_prefix(t);
    g_string_append_printf(pages, "<url><loc>%s/%sindex.html</loc></url>\n",
                           t->view.site_base_url, prefix);
    g_string_append_printf(pages, "<url><loc>%s/%ssearch.html</loc></url>\n",
                           t->view.site_base_url, prefix);
    for (size_t i = 0; i < t->view.n_departments; i++) {
        const vt_department *d = &t->view.departments[i];
        if (vt__site_department_shown(t, d))
            g_string_append_printf(pages, "<url><loc>%s/%sdepartments/%s/index.html</loc></url>\n",
                                   t->view.site_base_url, prefix, d->id);
    }
    g_string_append(pages, "</urlset>\n");
    st = vt__site_write(t, "sitemaps/pages.xml", pages->str, pages->len);
    g_string_free(pages, TRUE);
    return st;
}

/* ------------------------------------------------------------ activity */

static char *activity_page_url(const vt_site_tree *t, uint64_t page)
{
    return g_strdup_printf("%s/activity/page-%" PRIu64 ".json", t->view.site_base_url, page);
}

/* The documents that list asset @id and so change with it, as paths in
 * the tree ([i][0]) and IIIF types ([i][1]): its intervention's manifest and
 * collection, its department's page sub-collection and collection, the top
 * collection; only those the tree shows. NULL-terminated, caller frees. */
static char **containers_of(const vt_site_tree *t, vt_txn *txn, const char *id)
{
    GPtrArray *out = g_ptr_array_new();
    vt_asset *a = NULL;
    /* A rebuild's listing pages have loaded (nearly) every asset already:
     * their place, rather than parsing each record again. */
    const vt_site_place *known = vt__site_place_get(t->places, id);
    if (known || vt_asset_get(txn, id, &a) == VT_OK) {
        const char *number = known ? known->intervention : a->intervention;
        if (number && vt_manifest_intervention_valid(number)) {
            g_ptr_array_add(out, g_strconcat("iiif/intervention/", number, "/manifest.json",
                                             NULL));
            g_ptr_array_add(out, g_strdup("Manifest"));
            g_ptr_array_add(out, g_strconcat("iiif/collection/intervention/", number, ".json",
                                             NULL));
            g_ptr_array_add(out, g_strdup("Collection"));
        }
        const vt_department *d =
            vt_config_department(&t->view, known ? known->department : a->department);
        uint64_t position = vt_publog_position(txn, id, NULL);
        if (d && vt__site_department_shown(t, d)) {
            if (position > 0) {
                g_ptr_array_add(out, g_strdup_printf("iiif/collection/department/%s/%" PRIu64
                                                     ".json", d->id,
                                                     vt_publog_page_of(position)));
                g_ptr_array_add(out, g_strdup("Collection"));
            }
            g_ptr_array_add(out, g_strconcat("iiif/collection/department/", d->id, ".json", NULL));
            g_ptr_array_add(out, g_strdup("Collection"));
        }
        g_ptr_array_add(out, g_strdup("iiif/collection/top.json"));
        g_ptr_array_add(out, g_strdup("Collection"));
        vt_asset_free(a);
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

/* {"id", "type", "object": {"id", "type"}, "endTime"}: one entry of an
 * activity page, as json_pack would make it, without its UTF-8 check of
 * every string (most of the activity pages' cost): every string here is
 * ASCII we made (asset ids, department ids, intervention numbers, times,
 * types) after the tree's base URL, which vt__site_activity checks once.
 * NULL without memory. */
static json_t *activity_new(const char *id, const char *type, const char *object,
                            const char *object_type, const char *when)
{
    json_t *entry = json_object(), *target = json_object();
    if (!entry || !target ||
        json_object_set_new_nocheck(target, "id", json_string_nocheck(object)) != 0 ||
        json_object_set_new_nocheck(target, "type", json_string_nocheck(object_type)) != 0 ||
        json_object_set_new_nocheck(entry, "id", json_string_nocheck(id)) != 0 ||
        json_object_set_new_nocheck(entry, "type", json_string_nocheck(type)) != 0 ||
        json_object_set_new_nocheck(entry, "object", json_incref(target)) != 0 ||
        json_object_set_new_nocheck(entry, "endTime", json_string_nocheck(when)) != 0)
        g_clear_pointer(&entry, json_decref);
    json_decref(target);
    return entry;
}

/* One activity page being made. */
typedef struct {
    const vt_site_tree *t;
    json_t *items;            /* its orderedItems */
    vt_txn *txn;
    GHashTable *exists;       /* path in the tree -> 2 present, 1 absent */
    bool base_ok;             /* the tree's base URL is UTF-8 */
} activity_page;

static bool add_activity(const vt_publog_activity *act, void *data)
{
    activity_page *ap = data;
    const vt_site_tree *t = ap->t;
    json_t *items = ap->items;
    vt_txn *txn = ap->txn;
    GHashTable *exists = ap->exists;
    g_autofree char *manifest = vt_url_manifest(&t->view, act->id);
    g_autofree char *when = vt__site_iso_time(act->time);
    g_autofree char *id = g_strdup_printf("%s/activity/%s-%" PRIu64, t->view.site_base_url,
                                          vt_audience_name(t->audience), act->seq);
    /* A base URL that is not UTF-8 (a hand-edited config) makes no entry,
     * as json_pack() refused it. */
    if (!manifest || !ap->base_ok)
        return true;
    json_array_append_new(items, activity_new(id, act->type, manifest, "Manifest", when));
    /* The intervention manifest and the collections that list the asset
     * changed with it: an aggregator following the stream must see them
     * too. An Update each, for those that exist in the tree now. */
    g_auto(GStrv) containers = containers_of(t, txn, act->id);
    for (size_t k = 0; containers[k] && containers[k + 1]; k += 2) {
        /* Many changes name the same documents (the top collection, a
         * department's, a page's): each is looked for once per page. */
        gpointer known = g_hash_table_lookup(exists, containers[k]);
        if (!known) {
            g_autofree char *path = g_build_filename(t->dir, containers[k], NULL);
            known = GINT_TO_POINTER(g_file_test(path, G_FILE_TEST_IS_REGULAR) ? 2 : 1);
            g_hash_table_insert(exists, g_strdup(containers[k]), known);
        }
        if (known != GINT_TO_POINTER(2))
            continue;
        g_autofree char *object = g_strconcat(t->view.site_base_url, "/", containers[k], NULL);
        g_autofree char *sub = g_strdup_printf("%s/%zu", id, k / 2 + 1);
        json_array_append_new(items, activity_new(sub, "Update", object, containers[k + 1],
                                                  when));
    }
    return true;
}

vt_status vt__site_activity(const vt_site_tree *t, vt_txn *txn, uint64_t from)
{
    uint64_t last = vt_publog_activity_last(txn, t->audience);
    uint64_t pages = last == 0 ? 0 : (last - 1) / VT_PUBLOG_ACTIVITY_PAGE + 1;
    g_autofree char *root_url = g_strdup_printf("%s/activity/all-changes.json",
                                                t->view.site_base_url);
    uint64_t first_page = from == 0 ? 1 : (from - 1) / VT_PUBLOG_ACTIVITY_PAGE + 1;
    /* The page before the first new one gains its "next" link. */
    if (first_page > 1)
        first_page--;
    for (uint64_t p = first_page; p <= pages; p++) {
        json_t *items = json_array();
        activity_page ap = {t, items, txn,
                            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
                            g_utf8_validate(t->view.site_base_url, -1, NULL)};
        vt_publog_activities(txn, t->audience, (p - 1) * VT_PUBLOG_ACTIVITY_PAGE + 1,
                             p * VT_PUBLOG_ACTIVITY_PAGE, add_activity, &ap);
        g_hash_table_destroy(ap.exists);
        g_autofree char *id = activity_page_url(t, p);
        /* No startIndex: a page holds VT_PUBLOG_ACTIVITY_PAGE asset changes,
         * each followed by the documents that changed with it. */
        json_t *page = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:o}", "@context",
                                 ACTIVITY_CONTEXT, "id", id, "type", "OrderedCollectionPage",
                                 "partOf", "id", root_url, "type", "OrderedCollection",
                                 "orderedItems", items);
        if (p > 1) {
            g_autofree char *prev = activity_page_url(t, p - 1);
            json_object_set_new(page, "prev", json_pack("{s:s, s:s}", "id", prev, "type",
                                                        "OrderedCollectionPage"));
        }
        if (p < pages) {
            g_autofree char *next = activity_page_url(t, p + 1);
            json_object_set_new(page, "next", json_pack("{s:s, s:s}", "id", next, "type",
                                                        "OrderedCollectionPage"));
        }
        g_autofree char *rel = g_strdup_printf("activity/page-%" PRIu64 ".json", p);
        vt_status st = vt__site_write_json(t, rel, page);
        json_decref(page);
        if (st != VT_OK)
            return st;
    }
    /* No totalItems (optional): the activities per page vary. The number
     * of asset changes published is kept for the next publication. */
    json_t *root = json_pack("{s:s, s:s, s:s, s:I}", "@context", ACTIVITY_CONTEXT, "id", root_url,
                             "type", "OrderedCollection", ACTIVITY_SEQ_KEY, (json_int_t)last);
    if (pages > 0) {
        g_autofree char *first = activity_page_url(t, 1);
        g_autofree char *lastp = activity_page_url(t, pages);
        json_object_set_new(root, "first", json_pack("{s:s, s:s}", "id", first, "type",
                                                     "OrderedCollectionPage"));
        json_object_set_new(root, "last", json_pack("{s:s, s:s}", "id", lastp, "type",
                                                    "OrderedCollectionPage"));
    }
    vt_status st = vt__site_write_json(t, "activity/all-changes.json", root);
    json_decref(root);
    return st;
}

uint64_t vt__site_activity_on_disk(const vt_site_tree *t)
{
    g_autofree char *path = g_build_filename(t->dir, "activity", "all-changes.json", NULL);
    json_t *root = json_load_file(path, 0, NULL);
    json_int_t n = json_integer_value(json_object_get(root, ACTIVITY_SEQ_KEY));
    json_decref(root);
    return n > 0 ? (uint64_t)n : 0;
}

/* ------------------------------------------------------------ terms */

vt_status vt__site_terms(const vt_site_tree *t, vt_txn *txn)
{
    json_t *all = vt_termlist_read(txn, NULL, t->audience == VT_AUDIENCE_PUBLIC, VT_SITE_TERMS_MAX);
    json_t *list = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(all, i, x) {
        /* The visibility field is a control value, not a term to suggest. */
        if (strcmp(json_string_value(json_object_get(x, "field")), "visibility") != 0)
            json_array_append(list, x);
    }
    json_decref(all);
    vt_status st = vt__site_write_json(t, "terms.json", list);
    json_decref(list);
    return st;
}
