/* vt_terms.c: see vt_terms.h. */
#include "vt_terms.h"

#include <stdlib.h>
#include <string.h>

#include "vt_harvest_map.h"
#include "vt_imagemove.h"
#include "vt_meta.h"
#include "vt_publog.h"
#include "vt_termlist.h"

#define SEP "\x1f"

/* field -> (normalised -> vt_meta_term*), for one side. */
static GHashTable *count_side(vt_terms_side side)
{
    GHashTable *counts = vt_meta_term_counts_new();
    if (side.metadata)
        vt_meta_count_terms(side.metadata, 1, counts);
    return counts;
}

static void apply(vt_txn *txn, const char *field, const char *norm, const char *display,
                  int delta_all, int delta_public)
{
    g_autofree char *key = g_strconcat(field, VT_TERMLIST_SEP, norm, NULL);
    json_t *rec = vt_txn_get_json(txn, VT_TABLE_TERMS, key);
    json_int_t all = rec ? json_integer_value(json_object_get(rec, "count")) : 0;
    json_int_t pub = rec ? json_integer_value(json_object_get(rec, "public")) : 0;
    const char *shown = rec ? json_string_value(json_object_get(rec, "display")) : NULL;
    all += delta_all;
    pub += delta_public;
    if (all <= 0) {
        vt_txn_del(txn, VT_TABLE_TERMS, key);
    } else {
        json_t *out = json_pack("{s:I, s:I, s:s}", "count", all, "public", pub > 0 ? pub : 0,
                                "display", shown ? shown : display);
        if (out)
            vt_txn_put_json(txn, VT_TABLE_TERMS, key, out);
        json_decref(out);
    }
    json_decref(rec);
}

static bool has_term(GHashTable *counts, const char *field, const char *norm)
{
    GHashTable *terms = g_hash_table_lookup(counts, field);
    return terms && g_hash_table_contains(terms, norm);
}

/* Visits every term of @from. From the "after" side (@from_after) it moves
 * each term by what changed; from the "before" side it handles only the
 * terms the after side lacks, so the union is visited once. */
static void visit(vt_txn *txn, GHashTable *from, bool from_after, GHashTable *old_counts,
                  GHashTable *new_counts, vt_terms_side before, vt_terms_side after)
{
    GHashTableIter fi;
    gpointer field, terms;
    g_hash_table_iter_init(&fi, from);
    while (g_hash_table_iter_next(&fi, &field, &terms)) {
        GHashTableIter ti;
        gpointer norm, term;
        g_hash_table_iter_init(&ti, terms);
        while (g_hash_table_iter_next(&ti, &norm, &term)) {
            bool in_new = has_term(new_counts, field, norm);
            bool in_old = has_term(old_counts, field, norm);
            if (!from_after && in_new)
                continue;
            int d_all = (int)in_new - (int)in_old;
            int d_pub = (int)(in_new && after.is_public) - (int)(in_old && before.is_public);
            if (d_all || d_pub)
                apply(txn, field, norm, ((vt_meta_term *)term)->display, d_all, d_pub);
        }
    }
}

void vt_terms_update(vt_txn *txn, vt_terms_side before, vt_terms_side after)
{
    GHashTable *old_counts = count_side(before);
    GHashTable *new_counts = count_side(after);
    visit(txn, new_counts, true, old_counts, new_counts, before, after);
    visit(txn, old_counts, false, old_counts, new_counts, before, after);
    g_hash_table_unref(old_counts);
    g_hash_table_unref(new_counts);
}

/* ------------------------------------------------------------ per asset */

static json_t *view_with(const vt_asset *a, const json_t *harvested)
{
    json_t *view = json_object();
    if (a->custom)
        json_object_set(view, "custom", a->custom);
    if (a->embedded)
        json_object_set(view, "embedded", a->embedded);
    if (json_is_object(harvested))
        json_object_set(view, "harvested", (json_t *)harvested);
    return view;
}

json_t *vt_terms_asset_view(vt_txn *txn, const vt_asset *a)
{
    json_t *h = a->intervention ? vt_txn_get_json(txn, VT_TABLE_HARVEST, a->intervention) : NULL;
    json_t *view = view_with(a, json_object_get(h, "fields"));
    json_decref(h);
    return view;
}

static char *intervention_key(const vt_asset *a)
{
    return g_strconcat(a->intervention, SEP, a->id, NULL);
}

void vt_terms_put_asset(vt_txn *txn, const vt_asset *before, const vt_asset *after)
{
    json_t *old_view = before && before->state == VT_ASSET_READY ? vt_terms_asset_view(txn, before)
                                                                 : NULL;
    json_t *new_view = after && after->state == VT_ASSET_READY ? vt_terms_asset_view(txn, after)
                                                               : NULL;
    if (old_view || new_view)
        vt_terms_update(txn,
                        (vt_terms_side){old_view, before && before->visibility == VT_VISIBILITY_PUBLIC},
                        (vt_terms_side){new_view, after && after->visibility == VT_VISIBILITY_PUBLIC});
    json_decref(old_view);
    json_decref(new_view);
    vt_publog_asset_changed(txn, before, after);
    if (before && after && before->intervention &&
        g_strcmp0(before->intervention, after->intervention) != 0) {
        g_autofree char *old_key = intervention_key(before);
        vt_txn_del(txn, VT_TABLE_INTERVENTIONS, old_key);
    }
    if (after) {
        vt_asset_put(txn, after);
        if (after->intervention) {
            g_autofree char *key = intervention_key(after);
            vt_txn_put(txn, VT_TABLE_INTERVENTIONS, key, "", 0);
        }
    } else if (before) {
        vt_txn_del(txn, VT_TABLE_ASSETS, before->id);
        g_autofree char *owner = vt_asset_find_sha256(txn, before->sha256);
        if (owner && strcmp(owner, before->id) == 0)
            vt_txn_del(txn, VT_TABLE_SHA256, before->sha256);
        if (before->intervention) {
            g_autofree char *key = intervention_key(before);
            vt_txn_del(txn, VT_TABLE_INTERVENTIONS, key);
        }
    }
}

char **vt_terms_harvest_fields(const vt_config *config)
{
    vt_harvest_config *hc = NULL;
    /* vitrined checked [harvest] at start; a config that no longer loads
     * refuses nothing more than the harvested records do. */
    if (!config || !config->keyfile || vt_harvest_config_load(config->keyfile, &hc) != VT_OK) {
        vt_error_clear();
        return NULL;
    }
    if (!hc)
        return NULL;
    char **fields = g_strdupv((char **)vt_harvest_config_fields(hc));
    vt_harvest_config_free(hc);
    return fields;
}

char *vt_terms_drop_harvested(const vt_config *config, json_t *fields)
{
    if (!json_is_object(fields) || json_object_size(fields) == 0)
        return NULL;
    g_auto(GStrv) harvested = vt_terms_harvest_fields(config);
    GString *dropped = NULL;
    for (size_t i = 0; harvested && harvested[i]; i++) {
        if (json_object_get(fields, harvested[i])) {
            json_object_del(fields, harvested[i]);
            if (!dropped)
                dropped = g_string_new(NULL);
            g_string_append_printf(dropped, "%s%s", dropped->len ? ", " : "", harvested[i]);
        }
    }
    return dropped ? g_string_free(dropped, FALSE) : NULL;
}

vt_status vt_terms_edit_asset(vt_txn *txn, const vt_config *config, const char *id,
                              const json_t *edit, bool *ret_changed)
{
    vt_asset *before = NULL;
    vt_status s = vt_asset_get(txn, id, &before);
    if (s == VT_ERR_NOT_FOUND)
        return vt_txn_fail(txn, vt_error_set(VT_ERR_NOT_FOUND, "no asset %s", id));
    if (s != VT_OK)
        return s;
    json_t *meta = vt_terms_asset_view(txn, before);
    json_object_del(meta, "embedded");
    bool changed = false;
    g_auto(GStrv) harvested = vt_terms_harvest_fields(config);
    s = vt_meta_apply_edit(meta, edit, (const char *const *)harvested, &changed);
    if (s != VT_OK) {
        json_decref(meta);
        vt_asset_free(before);
        return vt_txn_fail(txn, s);
    }
    vt_asset *a = vt_asset_dup(before);
    json_t *custom = json_object_get(meta, "custom");
    json_decref(a->custom);
    a->custom = json_is_object(custom) && json_object_size(custom) ? json_incref(custom) : NULL;
    vt_asset_apply_visibility(a, config);
    changed = changed || a->visibility != before->visibility;
    if (changed) {
        a->updated = g_get_real_time() / G_USEC_PER_SEC;
        vt_terms_put_asset(txn, before, a);
        /* A new visibility: its images move to that root (vt_imagemove). */
        if (a->visibility != before->visibility)
            vt_imagemove_note(txn, config, a);
    }
    json_decref(meta);
    vt_asset_free(before);
    vt_asset_free(a);
    if (ret_changed)
        *ret_changed = changed;
    return vt_txn_status(txn);
}

typedef struct {
    GPtrArray *ids;
} ids_ctx;

static bool collect_id(const char *key, size_t key_len, const void *val, size_t len, void *data)
{
    const char *sep = memchr(key, '\x1f', key_len);
    if (sep)
        g_ptr_array_add(data, g_strdup(sep + 1));
    return true;
}

void vt_terms_harvest_changed(vt_txn *txn, const char *intervention, const json_t *old_fields,
                              const json_t *new_fields, GPtrArray *ret_ids)
{
    g_autofree char *prefix = g_strconcat(intervention, SEP, NULL);
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
    vt_txn_foreach(txn, VT_TABLE_INTERVENTIONS, prefix, collect_id, ids);
    for (guint i = 0; i < ids->len; i++) {
        const char *id = g_ptr_array_index(ids, i);
        vt_asset *a = NULL;
        if (vt_asset_get(txn, id, &a) != VT_OK)
            continue;
        if (a->state == VT_ASSET_READY) {
            json_t *old_view = view_with(a, old_fields);
            json_t *new_view = view_with(a, new_fields);
            bool pub = a->visibility == VT_VISIBILITY_PUBLIC;
            vt_terms_update(txn, (vt_terms_side){old_view, pub}, (vt_terms_side){new_view, pub});
            json_decref(old_view);
            json_decref(new_view);
        }
        vt_publog_touch(txn, a);
        if (ret_ids)
            g_ptr_array_add(ret_ids, g_strdup(id));
        vt_asset_free(a);
    }
}
