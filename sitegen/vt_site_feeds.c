/* vt_site_feeds.c: the documents machines read: the top IIIF collection,
 * sitemaps, the IIIF Change Discovery activity stream and terms.json. */
#include "vt_site_private.h"

#include <inttypes.h>
#include <string.h>

#include "vt_jsonout.h"
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

/* The activity pages are written as text, not built with jansson: a
 * rebuild writes an entry for every asset change and one per document that
 * changed with it (about six per change, 1,900 changes per 1,000 assets),
 * and making, hashing, writing and freeing their objects was 8% of a
 * rebuild's instructions. The text is json_dumps(JSON_COMPACT)'s for the
 * same values (jansson's key order is the order of insertion). Only the
 * tree's base URL needs escaping (vt_jsonout_append_escaped, once per
 * call); the rest is ASCII without '"' or '\\' that we made: asset ids
 * ([a-z0-9], vt_url), department ids ([a-z0-9_-], config), intervention
 * numbers (vt_manifest_intervention_valid), audience names, numbers, times
 * and the literals below. */

/* Appends BASE/activity/page-P.json (@base escaped). */
static void put_page_url(GString *out, const char *base, uint64_t page)
{
    g_string_append(out, base);
    g_string_append_printf(out, "/activity/page-%" PRIu64 ".json", page);
}

/* Appends {"id":"BASE/activity/page-P.json","type":"OrderedCollectionPage"}. */
static void put_page_ref(GString *out, const char *base, uint64_t page)
{
    g_string_append(out, "{\"id\":\"");
    put_page_url(out, base, page);
    g_string_append(out, "\",\"type\":\"OrderedCollectionPage\"}");
}

/* One activity page being made. Each entry is {"id", "type", "object":
 * {"id", "type"}, "endTime"}; the pieces an activity's entries share are
 * made once for it (head, tail) or for the call (update). */
typedef struct {
    const vt_site_tree *t;
    vt_txn *txn;
    GString *out;             /* the page's text so far */
    bool first;               /* no entry on it yet */
    GString *head;            /* {"id":"BASE/activity/AUDIENCE-SEQ of the current change */
    size_t head_base;         /* the length of its {"id":"BASE/activity/AUDIENCE- */
    GString *update;          /* ","type":"Update","object":{"id":"BASE/ */
    GString *tail;            /* "},"endTime":"TIME"} of the current change */
    int64_t time;             /* the time in tail */
    GString *manifest;        /* the changed asset's manifest URL, escaped */
    GString *path;            /* a document in the tree that changed with it */
    GHashTable *exists;       /* path in the tree -> 2 present, 1 absent */
} activity_page;

/* Starts an entry of the current change: a comma but before the first. */
static void put_head(activity_page *ap)
{
    if (!ap->first)
        g_string_append_c(ap->out, ',');
    ap->first = false;
    g_string_append_len(ap->out, ap->head->str, (gssize)ap->head->len);
}

/* Ends it with the object's @type and the change's time. */
static void put_tail(activity_page *ap, const char *type)
{
    g_string_append(ap->out, "\",\"type\":\"");
    g_string_append(ap->out, type);
    g_string_append_len(ap->out, ap->tail->str, (gssize)ap->tail->len);
}

/* An Update, number @sub of the change's, for the document at ap->path if
 * it exists in the tree now. Many changes name the same documents (the top
 * collection, a department's, a page's): each is looked for once per page. */
static void put_document(activity_page *ap, unsigned sub, const char *type)
{
    gpointer known = g_hash_table_lookup(ap->exists, ap->path->str);
    if (!known) {
        g_autofree char *file = g_build_filename(ap->t->dir, ap->path->str, NULL);
        known = GINT_TO_POINTER(g_file_test(file, G_FILE_TEST_IS_REGULAR) ? 2 : 1);
        g_hash_table_insert(ap->exists, g_strdup(ap->path->str), known);
    }
    if (known != GINT_TO_POINTER(2))
        return;
    /* At most five documents: one digit. */
    char number[2] = {'/', (char)('0' + sub)};
    put_head(ap);
    g_string_append_len(ap->out, number, 2);
    g_string_append_len(ap->out, ap->update->str, (gssize)ap->update->len);
    g_string_append_len(ap->out, ap->path->str, (gssize)ap->path->len);
    put_tail(ap, type);
}

/* The documents that list asset @id and so change with it: its
 * intervention's manifest and collection, its department's page
 * sub-collection and collection, the top collection; only those the tree
 * shows, numbered in that order (1, 2, ...). */
static void put_documents(activity_page *ap, const char *id)
{
    const vt_site_tree *t = ap->t;
    vt_asset *a = NULL;
    /* A rebuild's listing pages have loaded (nearly) every asset already:
     * their place, rather than parsing each record again. */
    const vt_site_place *known = vt__site_place_get(t->places, id);
    if (!known && vt_asset_get(ap->txn, id, &a) != VT_OK)
        return;
    GString *path = ap->path;
    unsigned sub = 0;
    const char *number = known ? known->intervention : a->intervention;
    if (number && vt_manifest_intervention_valid(number)) {
        g_string_assign(path, "iiif/intervention/");
        g_string_append(path, number);
        g_string_append(path, "/manifest.json");
        put_document(ap, ++sub, "Manifest");
        g_string_assign(path, "iiif/collection/intervention/");
        g_string_append(path, number);
        g_string_append(path, ".json");
        put_document(ap, ++sub, "Collection");
    }
    const vt_department *d =
        vt_config_department(&t->view, known ? known->department : a->department);
    if (d && vt__site_department_shown(t, d)) {
        uint64_t position = vt_publog_position(ap->txn, id, NULL);
        if (position > 0) {
            g_string_printf(path, "iiif/collection/department/%s/%" PRIu64 ".json", d->id,
                            vt_publog_page_of(position));
            put_document(ap, ++sub, "Collection");
        }
        g_string_assign(path, "iiif/collection/department/");
        g_string_append(path, d->id);
        g_string_append(path, ".json");
        put_document(ap, ++sub, "Collection");
    }
    g_string_assign(path, "iiif/collection/top.json");
    put_document(ap, ++sub, "Collection");
    vt_asset_free(a);
}

static bool add_activity(const vt_publog_activity *act, void *data)
{
    activity_page *ap = data;
    const vt_site_tree *t = ap->t;
    g_autofree char *manifest = vt_url_manifest(&t->view, act->id);
    if (!manifest)
        return true;
    /* The manifest URL starts with the base URL: escaped whole. */
    g_string_truncate(ap->manifest, 0);
    vt_jsonout_append_escaped(ap->manifest, manifest, strlen(manifest));
    g_string_truncate(ap->head, ap->head_base);
    g_string_append_printf(ap->head, "%" PRIu64, act->seq);
    /* Changes published together share their time. */
    if (ap->tail->len == 0 || act->time != ap->time) {
        g_autofree char *when = vt__site_iso_time(act->time);
        g_string_assign(ap->tail, "\"},\"endTime\":\"");
        g_string_append(ap->tail, when);
        g_string_append(ap->tail, "\"}");
        ap->time = act->time;
    }
    put_head(ap);
    g_string_append(ap->out, "\",\"type\":\"");
    g_string_append(ap->out, act->type);
    g_string_append(ap->out, "\",\"object\":{\"id\":\"");
    g_string_append_len(ap->out, ap->manifest->str, (gssize)ap->manifest->len);
    put_tail(ap, "Manifest");
    /* The intervention manifest and the collections that list the asset
     * changed with it: an aggregator following the stream must see them
     * too. An Update each, for those that exist in the tree now. */
    put_documents(ap, act->id);
    return true;
}

vt_status vt__site_activity(const vt_site_tree *t, vt_txn *txn, uint64_t from)
{
    /* A base URL that is not UTF-8 (a hand-edited config) writes no
     * activity file, as json_pack() refused it. */
    if (!g_utf8_validate(t->view.site_base_url, -1, NULL))
        return vt_error_set(VT_ERR_INVALID, "activity: the site base URL of %s is not UTF-8",
                            t->dir);
    GString *escaped = g_string_new(NULL);
    vt_jsonout_append_escaped(escaped, t->view.site_base_url, strlen(t->view.site_base_url));
    g_autofree char *base = g_string_free(escaped, FALSE);
    uint64_t last = vt_publog_activity_last(txn, t->audience);
    uint64_t pages = last == 0 ? 0 : (last - 1) / VT_PUBLOG_ACTIVITY_PAGE + 1;
    uint64_t first_page = from == 0 ? 1 : (from - 1) / VT_PUBLOG_ACTIVITY_PAGE + 1;
    /* The page before the first new one gains its "next" link. */
    if (first_page > 1)
        first_page--;
    activity_page ap = {.t = t,
                        .txn = txn,
                        .head = g_string_new("{\"id\":\""),
                        .update = g_string_new("\",\"type\":\"Update\",\"object\":{\"id\":\""),
                        .tail = g_string_new(NULL),
                        .manifest = g_string_new(NULL),
                        .path = g_string_new(NULL),
                        .exists = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)};
    g_string_append_printf(ap.head, "%s/activity/%s-", base, vt_audience_name(t->audience));
    ap.head_base = ap.head->len;
    g_string_append(ap.update, base);
    g_string_append_c(ap.update, '/');
    vt_status st = VT_OK;
    for (uint64_t p = first_page; p <= pages && st == VT_OK; p++) {
        GString *out = vt__site_text_buffer();
        /* No startIndex: a page holds VT_PUBLOG_ACTIVITY_PAGE asset changes,
         * each followed by the documents that changed with it. */
        g_string_append(out, "{\"@context\":\"" ACTIVITY_CONTEXT "\",\"id\":\"");
        put_page_url(out, base, p);
        g_string_append(out, "\",\"type\":\"OrderedCollectionPage\",\"partOf\":{\"id\":\"");
        g_string_append(out, base);
        g_string_append(out, "/activity/all-changes.json\",\"type\":\"OrderedCollection\"},"
                             "\"orderedItems\":[");
        ap.out = out;
        ap.first = true;
        vt_publog_activities(txn, t->audience, (p - 1) * VT_PUBLOG_ACTIVITY_PAGE + 1,
                             p * VT_PUBLOG_ACTIVITY_PAGE, add_activity, &ap);
        g_string_append_c(out, ']');
        if (p > 1) {
            g_string_append(out, ",\"prev\":");
            put_page_ref(out, base, p - 1);
        }
        if (p < pages) {
            g_string_append(out, ",\"next\":");
            put_page_ref(out, base, p + 1);
        }
        g_string_append_c(out, '}');
        g_hash_table_remove_all(ap.exists);
        g_autofree char *rel = g_strdup_printf("activity/page-%" PRIu64 ".json", p);
        st = vt__site_write(t, rel, out->str, out->len);
    }
    g_string_free(ap.head, TRUE);
    g_string_free(ap.update, TRUE);
    g_string_free(ap.tail, TRUE);
    g_string_free(ap.manifest, TRUE);
    g_string_free(ap.path, TRUE);
    g_hash_table_destroy(ap.exists);
    if (st != VT_OK)
        return st;
    /* No totalItems (optional): the activities per page vary. The number
     * of asset changes published is kept for the next publication. */
    GString *out = vt__site_text_buffer();
    g_string_append(out, "{\"@context\":\"" ACTIVITY_CONTEXT "\",\"id\":\"");
    g_string_append(out, base);
    g_string_append_printf(out, "/activity/all-changes.json\",\"type\":\"OrderedCollection\","
                                "\"" ACTIVITY_SEQ_KEY "\":%" PRIu64, last);
    if (pages > 0) {
        g_string_append(out, ",\"first\":");
        put_page_ref(out, base, 1);
        g_string_append(out, ",\"last\":");
        put_page_ref(out, base, pages);
    }
    g_string_append_c(out, '}');
    return vt__site_write(t, "activity/all-changes.json", out->str, out->len);
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
