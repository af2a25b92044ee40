/* vt_site_item.c: an asset with what its pages need (metadata view, label,
 * thumbnail), and the small helpers every page shares. */
#include "vt_site_private.h"

#include <string.h>
#include <time.h>

#include "vt_jsonbuild.h"
#include "vt_manifest.h"
#include "vt_meta.h"
#include "vt_url.h"

char *vt__site_iso_time(int64_t unix_seconds)
{
    /* gmtime_r, not GDateTime: a rebuild formats several times per asset,
     * and GDateTime's formatting showed in profiles. The same range as
     * GDateTime (up to 9999-12-31), the epoch outside it. */
    struct tm tm;
    time_t t = unix_seconds > 0 && unix_seconds <= INT64_C(253402300799) ? (time_t)unix_seconds : 0;
    char text[sizeof "9999-12-31T23:59:59Z"];
    if (!gmtime_r(&t, &tm) || strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return g_strdup("1970-01-01T00:00:00Z");
    return g_strdup(text);
}

bool vt__site_department_shown(const vt_site_tree *t, const vt_department *d)
{
    return t->audience == VT_AUDIENCE_INTERNAL || d->visibility == VT_VISIBILITY_PUBLIC;
}

/* The values of @titles (a merged view's "title") that come from @source
 * (new reference; an empty array when none). */
static json_t *titles_from(const json_t *titles, const char *source)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(titles, i, v)
        if (g_strcmp0(json_string_value(json_object_get(v, "source")), source) == 0)
            json_array_append(out, v);
    return out;
}

/* The label, the image's own title: of the custom titles (sidecars, staff)
 * the English one else the first, else so of the harvested ones, else of
 * the embedded ones, else the file name. One English harvested title no
 * longer wins over the custom Dutch one. */
static void pick_label(vt_site_item *item)
{
    static const char *const sources[] = {"custom", "harvested", "embedded"};
    const json_t *titles = json_object_get(item->view, "title");
    const json_t *chosen = NULL;
    json_t *from = NULL;
    for (size_t i = 0; !chosen && i < G_N_ELEMENTS(sources); i++) {
        json_decref(from);
        from = titles_from(titles, sources[i]);
        chosen = vt_meta_label_value(from);
    }
    if (chosen) {
        item->label = g_strdup(json_string_value(json_object_get(chosen, "value")));
        const char *lang = json_string_value(json_object_get(chosen, "lang"));
        item->label_lang = lang ? g_strdup(lang) : NULL;
        /* The same source's title in each language, for pages in that
         * language (the first of each). */
        item->labels = json_object();
        size_t i;
        json_t *v;
        json_array_foreach(from, i, v) {
            const char *l = json_string_value(json_object_get(v, "lang"));
            json_t *text = json_object_get(v, "value");
            /* The view's string itself, never changed (vt_meta_merged
             * shares the store's, checked and without NUL); the language
             * is a jansson string too. */
            if (l && json_is_string(text) && !json_object_get(item->labels, l))
                json_object_set_nocheck(item->labels, l, text);
        }
    }
    json_decref(from);
    if (!item->label) {
        const char *name = vt_asset_file_name(item->a);
        item->label = g_strdup(name ? name : item->a->id);
    }
}

static void pick_thumbnail(const vt_config *c, vt_site_item *item)
{
    const vt_asset *a = item->a;
    int w = 0, h = 0;
    if (c->server == VT_SERVER_STATIC) {
        if (vt_url_static_thumbnail_size(c, a->id, a->visibility, &w, &h) != VT_OK)
            w = h = 0;
    }
    item->thumbnail = vt_url_thumbnail(c, a->id, a->visibility, w, h);
    /* The server scales to fit !T,T: the same arithmetic, for the width
     * and height attributes that keep the layout still. */
    if (w == 0 && a->width > 0 && a->height > 0)
        vt_url_fit(a->width, a->height, c->thumbnail_size, &w, &h);
    item->thumb_w = w;
    item->thumb_h = h;
}

/* This thread's harvested fields of the interventions it loaded lately:
 * the assets of an intervention share one harvest record, which was parsed
 * again for each (1.4% of a rebuild). An entry is used only while the
 * store holds the very bytes it was parsed from, so an edit, a harvest or
 * another snapshot is never missed. The table holds at most
 * HARVEST_CACHE_MAX records and HARVEST_CACHE_BYTES of them as stored:
 * vitrined's publishing keeps it for the life of the process, and a
 * collection system's records may be large (a bigger one is not kept). */
#define HARVEST_CACHE_MAX 256
#define HARVEST_CACHE_BYTES ((size_t)4 << 20)

typedef struct {
    void *record;             /* the harvest record as stored (owned) */
    size_t len;
    json_t *fields;           /* its "fields" object (a reference), or NULL */
} harvest_entry;

typedef struct {
    GHashTable *entries;      /* intervention number -> harvest_entry */
    size_t bytes;             /* the sum of their records' lengths */
} harvest_cache;

static void harvest_entry_free(harvest_entry *e)
{
    g_free(e->record);
    json_decref(e->fields);
    g_free(e);
}

static void harvest_cache_free(harvest_cache *cache)
{
    g_hash_table_unref(cache->entries);
    g_free(cache);
}

static GPrivate harvest_cache_key = G_PRIVATE_INIT((GDestroyNotify)harvest_cache_free);

/* Keeps @fields (a new reference is taken) for @number, parsed from @len
 * bytes @val, in @cache, within its bounds. */
static void harvest_keep(harvest_cache *cache, const char *number, const void *val, size_t len,
                         json_t *fields)
{
    harvest_entry *old = g_hash_table_lookup(cache->entries, number);
    if (old) {
        cache->bytes -= old->len;
        g_hash_table_remove(cache->entries, number);
    }
    if (g_hash_table_size(cache->entries) >= HARVEST_CACHE_MAX ||
        len > HARVEST_CACHE_BYTES - cache->bytes) {
        g_hash_table_remove_all(cache->entries);
        cache->bytes = 0;
    }
    if (len > HARVEST_CACHE_BYTES)
        return;
    harvest_entry *e = g_new(harvest_entry, 1);
    *e = (harvest_entry){ .record = g_memdup2(val, len), .len = len, .fields = json_incref(fields) };
    g_hash_table_insert(cache->entries, g_strdup(number), e);
    cache->bytes += len;
}

/* The harvested fields of intervention @number (new reference), or NULL.
 * Shared with other items and threads: never changed (jansson's reference
 * counts are atomic). */
static json_t *harvested_get(vt_txn *txn, const char *number)
{
    const void *val;
    size_t len;
    if (!vt_txn_get(txn, VT_TABLE_HARVEST, number, &val, &len))
        return NULL;
    harvest_cache *cache = g_private_get(&harvest_cache_key);
    if (!cache) {
        cache = g_new0(harvest_cache, 1);
        cache->entries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify)harvest_entry_free);
        g_private_set(&harvest_cache_key, cache);
    }
    harvest_entry *e = g_hash_table_lookup(cache->entries, number);
    if (e && e->len == len && memcmp(e->record, val, len) == 0)
        return json_incref(e->fields);
    /* Parsed by the store, with its checks: a record it refuses fails the
     * txn, and is not kept, so that it fails every snapshot that has it. */
    json_t *h = vt_txn_get_json(txn, VT_TABLE_HARVEST, number);
    if (!h)
        return NULL;
    json_t *fields = json_object_get(h, "fields");
    fields = json_is_object(fields) ? json_incref(fields) : NULL;
    json_decref(h);
    harvest_keep(cache, number, val, len, fields);
    return fields;
}

vt_status vt__site_item_load(vt_txn *txn, const vt_config *c, const char *id,
                             vt_site_item **ret_item)
{
    vt_asset *a = NULL;
    vt_status s = vt_asset_get(txn, id, &a);
    if (s != VT_OK)
        return s;
    vt_site_item *item = g_new0(vt_site_item, 1);
    item->refs = 1;
    item->a = a;
    if (a->intervention)
        item->harvested = harvested_get(txn, a->intervention);
    json_t *metadata = json_object();
    if (item->harvested)
        json_object_set(metadata, "harvested", item->harvested);
    if (a->custom)
        json_object_set(metadata, "custom", a->custom);
    s = vt_meta_merged(metadata, a->embedded, &item->view);
    json_decref(metadata);
    if (s != VT_OK) {
        vt__site_item_free(item);
        return s;
    }
    pick_label(item);
    if (a->state == VT_ASSET_READY)
        pick_thumbnail(c, item);
    /* The base URL is the config's: checked here, not on each of the
     * item's cards (several pages of each tree show it). */
    item->thumbnail_json = vt_jsonbuild_string(item->thumbnail);
    item->position = vt_publog_position(txn, id, NULL);
    *ret_item = item;
    return VT_OK;
}

vt_site_item *vt__site_item_ref(vt_site_item *item)
{
    g_atomic_int_inc(&item->refs);
    return item;
}

void vt__site_item_free(vt_site_item *item)
{
    if (!item || !g_atomic_int_dec_and_test(&item->refs))
        return;
    vt_asset_free(item->a);
    json_decref(item->harvested);
    json_decref(item->view);
    g_free(item->label);
    g_free(item->label_lang);
    json_decref(item->labels);
    vt__site_asset_parts_clear(item);
    g_free(item->thumbnail);
    json_decref(item->thumbnail_json);
    g_free(item);
}

struct vt_site_places {
    GMutex lock;
    GHashTable *by_id;        /* its id -> vt_site_place (owned) */
};

vt_site_places *vt__site_places_new(void)
{
    vt_site_places *places = g_new0(vt_site_places, 1);
    g_mutex_init(&places->lock);
    places->by_id = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    return places;
}

void vt__site_places_free(vt_site_places *places)
{
    if (!places)
        return;
    g_hash_table_destroy(places->by_id);
    g_mutex_clear(&places->lock);
    g_free(places);
}

void vt__site_place_add(vt_site_places *places, const vt_asset *a)
{
    if (!places)
        return;
    /* One allocation an asset: a rebuild of 100,000 assets keeps 100,000. */
    const char *dept = a->department ? a->department : "";
    size_t id_len = strlen(a->id) + 1, dept_len = strlen(dept) + 1;
    size_t number_len = a->intervention ? strlen(a->intervention) + 1 : 0;
    vt_site_place *place = g_malloc(sizeof *place + id_len + dept_len + number_len);
    memcpy(place->id, a->id, id_len);
    char *at = place->id + id_len;
    place->department = memcpy(at, dept, dept_len);
    place->intervention = number_len ? memcpy(at + dept_len, a->intervention, number_len)
                                     : NULL;
    g_mutex_lock(&places->lock);
    g_hash_table_replace(places->by_id, place->id, place);
    g_mutex_unlock(&places->lock);
}

const vt_site_place *vt__site_place_get(vt_site_places *places, const char *id)
{
    if (!places)
        return NULL;
    g_mutex_lock(&places->lock);
    const vt_site_place *place = g_hash_table_lookup(places->by_id, id);
    g_mutex_unlock(&places->lock);
    return place;
}

json_t *vt__site_card(const vt_site_tree *t, const vt_site_item *item, const char *root)
{
    const vt_asset *a = item->a;
    const vt_department *d = vt_config_department(&t->view, a->department);
    g_autofree char *url = g_strconcat(root, "assets/", a->id, ".html", NULL);
    /* Without json_pack() (a card per asset on several pages of each
     * tree): the id, department, intervention, label and its language are
     * the store's text (see vt_jsonbuild.h), the URL made of them; the
     * thumbnail URL (checked by vt__site_item_load) and a department's
     * label come from the config. Our keys need no UTF-8 check. */
    json_t *card = vt_jsonbuild_object(
        "id", vt_jsonbuild_text(a->id), "label", vt_jsonbuild_text(item->label), "lang",
        vt_jsonbuild_text(item->label_lang), "url", vt_jsonbuild_text(url), "thumbnail",
        json_incref(item->thumbnail_json), "department",
        vt_jsonbuild_object("id", vt_jsonbuild_text(a->department), "label",
                            d ? vt_jsonbuild_string(d->label) : vt_jsonbuild_text(a->department),
                            NULL),
        "intervention", vt_jsonbuild_text(a->intervention), NULL);
    if (card && item->labels && json_object_size(item->labels) > 1)
        json_object_set_nocheck(card, "labels", item->labels);
    /* A size only when known: width="0" would hide the image. */
    if (card && item->thumb_w > 0 && item->thumb_h > 0) {
        json_object_set_new_nocheck(card, "thumbnail_width", json_integer(item->thumb_w));
        json_object_set_new_nocheck(card, "thumbnail_height", json_integer(item->thumb_h));
    }
    return card;
}

void vt__site_views_set(vt_site_views *v, vt_site_item *const *items, size_t n)
{
    v->assets = g_new(const vt_asset *, n + 1);
    v->harvested = g_new(const json_t *, n + 1);
    v->views = g_new(const json_t *, n + 1);
    for (size_t i = 0; i < n; i++) {
        v->assets[i] = items[i]->a;
        v->harvested[i] = items[i]->harvested;
        v->views[i] = items[i]->view;
    }
    vt_manifest_views_set(v->assets, v->harvested, v->views, n);
}

void vt__site_views_clear(vt_site_views *v)
{
    vt_manifest_views_clear();
    g_free(v->assets);
    g_free(v->harvested);
    g_free(v->views);
}
