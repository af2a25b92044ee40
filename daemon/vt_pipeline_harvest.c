/* vt_pipeline_harvest.c: the pipeline's harvest of collection-system
 * records (see vt_pipeline.h and docs/ARCHITECTURE.md). A READY asset
 * queues its intervention's record if it is missing or due; the answer is
 * stored on the loop thread, once per intervention. */
#include <string.h>

#include "vt_pipeline_private.h"
#include "vt_terms.h"

typedef struct {
    const vt_pipeline *p;
    const vt_harvest_result *r;
    GPtrArray *ids;    /* out: assets whose harvested metadata changed */
} harvest_ctx;

/* Records one fetch's outcome. A failed fetch keeps the fields of the last
 * good one: an API that is down never takes metadata off the site. */
static vt_status harvest_record_fn(vt_txn *txn, void *data)
{
    harvest_ctx *c = data;
    const vt_harvest_result *r = c->r;
    g_ptr_array_set_size(c->ids, 0);
    json_t *old = vt_txn_get_json(txn, VT_TABLE_HARVEST, r->intervention);
    json_t *old_fields = json_object_get(old, "fields");
    int failures = r->status == VT_OK ? 0
                   : (int)json_integer_value(json_object_get(old, "failures")) + 1;
    int64_t wait = vt_harvest_retry_after(c->p->harvest_config, r->status, failures);
    json_t *fields = r->status == VT_OK ? r->fields : old_fields;
    json_t *rec = json_pack("{s:i, s:O?, s:s, s:s?, s:i, s:i, s:I, s:I}",
                            "v", 1, "fields", json_is_object(fields) ? fields : NULL,
                            "status", r->status == VT_OK ? "ok" : vt_strerror(r->status),
                            "message", r->status == VT_OK ? NULL : r->message,
                            "http_status", (int)r->http_status, "failures", failures,
                            "fetched", (json_int_t)(r->status == VT_OK
                                                        ? vt__pipeline_now()
                                                        : json_integer_value(json_object_get(old, "fetched"))),
                            "next_try", (json_int_t)(wait < 0 ? 0 : vt__pipeline_now() + wait));
    if (r->status == VT_OK && !(json_is_object(old_fields) && json_equal(old_fields, r->fields)))
        vt_terms_harvest_changed(txn, r->intervention, old_fields, r->fields, c->ids);
    if (rec)
        vt_txn_put_json(txn, VT_TABLE_HARVEST, r->intervention, rec);
    json_decref(rec);
    json_decref(old);
    return vt_txn_status(txn);
}

static void harvest_done(const vt_harvest_result *r, void *data)
{
    vt_pipeline *p = data;
    g_hash_table_remove(p->harvesting, r->intervention);
    harvest_ctx c = {p, r, g_ptr_array_new_with_free_func(g_free)};
    if (vt_store_write(p->store, harvest_record_fn, &c) != VT_OK) {
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, vt_error_message());
    } else {
        for (guint i = 0; i < c.ids->len; i++)
            vt__pipeline_mark_changed(p, g_ptr_array_index(c.ids, i));
        g_autofree char *msg =
            r->status == VT_OK
                ? g_strdup_printf("intervention %s harvested (%u fields, %.1f s)", r->intervention,
                                  (unsigned)json_object_size(r->fields), r->seconds)
                : g_strdup_printf("intervention %s not harvested: %s", r->intervention, r->message);
        vt__pipeline_emit(p, r->status == VT_OK ? VT_EVENT_INFO : VT_EVENT_RETRYING, NULL, NULL, NULL, msg);
    }
    g_ptr_array_free(c.ids, TRUE);
    vt__pipeline_check_idle(p);
}

typedef struct {
    const char *intervention;
    int64_t next_try;
    bool exists;
} due_ctx;

static vt_status due_fn(vt_txn *txn, void *data)
{
    due_ctx *c = data;
    json_t *rec = vt_txn_get_json(txn, VT_TABLE_HARVEST, c->intervention);
    c->exists = rec != NULL;
    c->next_try = json_integer_value(json_object_get(rec, "next_try"));
    json_decref(rec);
    return vt_txn_status(txn);
}

/* Fetches @intervention's record unless one is under way or, without
 * @force, its record is fresh. Never blocks: the answer comes later. */
void vt__pipeline_harvest_want(vt_pipeline *p, const char *intervention, bool force)
{
    if (!p->harvester || !intervention || p->shutting_down ||
        g_hash_table_contains(p->harvesting, intervention))
        return;
    if (!force) {
        due_ctx c = {intervention, 0, false};
        if (vt_store_read(p->store, due_fn, &c) != VT_OK)
            return;
        if (c.exists && (c.next_try == 0 || c.next_try > vt__pipeline_now()))
            return;
    }
    if (vt_harvest_fetch(p->harvester, intervention, harvest_done, p) == VT_OK) {
        g_hash_table_add(p->harvesting, g_strdup(intervention));
        p->idle_reported = false;
    } else {
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, vt_error_message());
    }
}

static bool collect_intervention(const char *key, size_t key_len, const void *val, size_t len,
                                 void *data)
{
    GPtrArray *list = data;
    const char *sep = memchr(key, '\x1f', key_len);
    size_t n = sep ? (size_t)(sep - key) : key_len;
    const char *last = list->len ? g_ptr_array_index(list, list->len - 1) : NULL;
    if (!last || strlen(last) != n || strncmp(last, key, n) != 0)
        g_ptr_array_add(list, g_strndup(key, n));
    return true;
}

static vt_status interventions_fn(vt_txn *txn, void *data)
{
    vt_txn_foreach(txn, VT_TABLE_INTERVENTIONS, NULL, collect_intervention, data);
    return vt_txn_status(txn);
}

/* Every intervention in use whose record is missing or due (or all, with
 * @force). */
void vt__pipeline_harvest_all(vt_pipeline *p, bool force)
{
    if (!p->harvester)
        return;
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(g_free);
    if (vt_store_read(p->store, interventions_fn, list) != VT_OK)
        return;
    for (guint i = 0; i < list->len; i++)
        vt__pipeline_harvest_want(p, g_ptr_array_index(list, i), force);
}

gboolean vt__pipeline_harvest_sweep(gpointer data)
{
    vt__pipeline_harvest_all(data, false);
    return G_SOURCE_CONTINUE;
}

vt_status vt__pipeline_apply_harvest(vt_pipeline *p, const json_t *req)
{
    if (!p->harvester)
        return vt_error_set(VT_ERR_CONFIG, "harvest is not configured (no [harvest] group)");
    bool force = json_is_true(json_object_get(req, "refresh"));
    const json_t *list = json_object_get(req, "interventions");
    if (!list || json_array_size(list) == 0) {
        vt__pipeline_harvest_all(p, force);
        return VT_OK;
    }
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v) {
        if (!json_is_string(v))
            return vt_error_set(VT_ERR_INVALID, "\"interventions\" is a list of strings");
    }
    json_array_foreach(list, i, v) vt__pipeline_harvest_want(p, json_string_value(v), force);
    return VT_OK;
}

