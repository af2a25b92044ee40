/* vt_pipeline_store.c: the pipeline's write transactions (run through
 * vt_store_write(), so each may run more than once and touches nothing but
 * the transaction). The pipeline decides; these record. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "vt_beneath.h"
#include "vt_imagemove.h"
#include "vt_name.h"
#include "vt_pipeline_private.h"
#include "vt_terms.h"

#define ID_MIN_LEN 16   /* hex digits of an asset id; more only on a collision */

static char *archive_path(const vt_pipeline *p, const vt_department *dept, const char *source,
                          const char *id)
{
    g_autofree char *rel = g_build_filename(dept->id, source, NULL);
    char *wanted = g_build_filename(p->config->originals_dir, rel, NULL);
    vt_place place = VT_PLACE_INIT;
    struct stat st;
    bool taken = vt_place_open(p->config->originals_dir, rel, 0, &place) == VT_OK &&
                 fstatat(place.dirfd, place.name, &st, AT_SYMLINK_NOFOLLOW) == 0;
    vt_place_close(&place);
    vt_error_clear();
    if (!taken)
        return wanted;
    /* Taken by an earlier file of the same name: the id keeps it apart
     * and stays the same if this step is run again; a long name is
     * shortened to fit (the asset's source keeps the name as dropped). */
    g_autofree char *dir = g_path_get_dirname(wanted);
    g_autofree char *base = g_path_get_basename(wanted);
    g_free(wanted);
    const char *dot = strrchr(base, '.');
    size_t stem = (dot && dot != base) ? (size_t)(dot - base) : strlen(base);
    g_autofree char *named = g_strdup_printf("%.*s.%s%s", (int)stem, base, id, base + stem);
    g_autofree char *fitted = vt_name_fit(named, 0);
    return g_build_filename(dir, fitted, NULL);
}

vt_status vt__pipeline_record_fn(vt_txn *txn, void *data)
{
    vt__record_ctx *c = data;
    const vt_filejob *j = c->j;

    g_clear_pointer(&c->asset, vt_asset_free);
    g_clear_pointer(&c->duplicate_of, vt_asset_free);

    g_autofree char *existing = vt_asset_find_sha256(txn, j->sha256);
    if (existing) {
        vt_asset *a = NULL;
        vt_status s = vt_asset_get(txn, existing, &a);
        if (s != VT_OK)
            return s;
        if (a->state == VT_ASSET_ARCHIVING && strcmp(a->department, j->dept->id) == 0 &&
            strcmp(a->source, c->display) == 0) {
            c->asset = a;      /* our own unfinished archive step */
            return VT_OK;
        }
        c->duplicate_of = a;
        return VT_OK;
    }

    vt_asset *a = vt_asset_new();
    for (size_t len = ID_MIN_LEN; len <= VT_SHA256_HEX_LEN; len += 4) {
        char *id = vt_name_make_id(j->sha256, len);
        vt_asset *other = NULL;
        if (vt_asset_get(txn, id, &other) == VT_ERR_NOT_FOUND) {
            a->id = id;
            break;
        }
        vt_asset_free(other);
        g_free(id);
    }
    if (!a->id) {
        vt_asset_free(a);
        return vt_txn_fail(txn, vt_error_set(VT_ERR_INTERNAL, "no free identifier for %s",
                                             j->sha256));
    }
    vt_error_clear();
    a->department = g_strdup(j->dept->id);
    a->state = VT_ASSET_ARCHIVING;
    a->source = g_strdup(c->display);
    g_strlcpy(a->sha256, j->sha256, sizeof a->sha256);
    a->size = j->size;
    a->visibility = j->dept->visibility;
    g_autofree char *base = g_path_get_basename(c->display);
    a->intervention = j->dept->intervention ? vt_name_intervention(j->dept->intervention, base)
                                            : NULL;
    a->original = archive_path(c->p, j->dept, c->display, a->id);
    a->created = a->updated = vt__pipeline_now();
    vt_terms_put_asset(txn, NULL, a);
    c->asset = a;
    return vt_txn_status(txn);
}

vt_status vt__pipeline_quarantine_record_fn(vt_txn *txn, void *data)
{
    const vt_filejob *j = data;
    /* A name that is not valid UTF-8 (one reason to quarantine) is
     * recorded as shown, so that JSON can hold it. */
    g_autofree char *source = vt_name_display(j->asset ? j->asset->source : j->relpath);
    char key[32];
    g_snprintf(key, sizeof key, "%016" G_GINT64_MODIFIER "x", (gint64)vt_txn_next_seq(txn, "quarantine"));
    json_t *rec = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}",
                            "time", (json_int_t)vt__pipeline_now(),
                            "department", j->dept->id,
                            "source", source,
                            "path", j->dest,
                            "reason", j->reason,
                            "asset", j->asset ? json_string(j->asset->id) : json_null());
    if (!rec)
        return vt_txn_fail(txn, vt_error_set(VT_ERR_INTERNAL, "cannot encode a quarantine record"));
    vt_txn_put_json(txn, VT_TABLE_QUARANTINE, key, rec);
    json_decref(rec);
    if (j->asset) {
        vt_asset *before = NULL;
        if (vt_asset_get(txn, j->asset->id, &before) != VT_OK)
            return vt_txn_status(txn) ? vt_txn_status(txn) : vt_txn_fail(txn, VT_ERR_NOT_FOUND);
        vt_asset *a = vt_asset_dup(before);
        a->state = VT_ASSET_QUARANTINED;
        g_free(a->original);
        a->original = g_strdup(j->dest);
        g_free(a->reason);
        a->reason = g_strdup(j->reason);
        a->updated = vt__pipeline_now();
        vt_terms_put_asset(txn, before, a);
        vt_asset_free(before);
        vt_asset_free(a);
    }
    return vt_txn_status(txn);
}

static void set_string(char **field, const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    g_free(*field);
    *field = v ? g_strdup(v) : NULL;
}

vt_status vt__pipeline_update_fn(vt_txn *txn, void *data)
{
    vt__update_ctx *c = data;
    vt_asset *a = NULL;
    vt_status s = vt_asset_get(txn, c->id, &a);
    if (s != VT_OK)
        return s;
    if (c->remove) {
        vt__pipeline_annotations_forget(txn, a->id);
        vt_terms_put_asset(txn, a, NULL);
        vt_asset_free(a);
        return vt_txn_status(txn);
    }
    vt_asset *before = vt_asset_dup(a);
    a->state = c->state;
    if (c->custom && json_object_size(c->custom)) {
        if (!a->custom)
            a->custom = json_object();
        json_object_update_missing(a->custom, (json_t *)c->custom);
        vt_asset_apply_visibility(a, c->p->config);
    }
    if (c->original) {
        g_free(a->original);
        a->original = g_strdup(c->original);
    }
    g_free(a->reason);
    a->reason = g_strdup(c->reason);
    if (c->count_attempt)
        a->attempts++;
    a->next_attempt = c->next_attempt;
    if (c->result) {
        const json_t *r = c->result;
        a->width = (int)json_integer_value(json_object_get(r, "width"));
        a->height = (int)json_integer_value(json_object_get(r, "height"));
        set_string(&a->format, r, "format");
        set_string(&a->image, r, "image");
        set_string(&a->thumbnail, r, "thumbnail");
        set_string(&a->download, r, "download");
        set_string(&a->tiles, r, "tiles");
        json_t *emb = json_object_get(r, "embedded");
        if (a->embedded)
            json_decref(a->embedded);
        a->embedded = json_is_object(emb) && json_object_size(emb) ? json_deep_copy(emb) : NULL;
    }
    a->updated = vt__pipeline_now();
    if (c->annotations)
        vt__pipeline_annotations_pending(txn, a->id, c->annotations_name, c->annotations);
    g_clear_pointer(&c->annotations_refused, g_free);   /* this fn may run again */
    if (c->p && a->state == VT_ASSET_READY)
        c->annotations_refused = vt__pipeline_annotations_ready(txn, c->p, a);
    vt_terms_put_asset(txn, before, a);
    /* Converted into the root of the visibility it had when the conversion
     * started, which a sidecar or an edit may have changed since. */
    if (c->p && a->state == VT_ASSET_READY)
        vt_imagemove_note(txn, c->p->config, a);
    vt_asset_free(before);
    vt_asset_free(a);
    return vt_txn_status(txn);
}

vt_status vt__pipeline_sidecar_record_fn(vt_txn *txn, void *data)
{
    vt__sidecar_ctx *c = data;
    char key[32];
    g_snprintf(key, sizeof key, "%016" G_GINT64_MODIFIER "x",
               (gint64)vt_txn_next_seq(txn, "quarantine"));
    json_t *rec = json_deep_copy(c->record);
    json_object_set_new(rec, "time", json_integer(vt__pipeline_now()));
    json_object_set_new(rec, "department", json_string(c->department));
    json_object_set_new(rec, "asset", json_null());
    vt_txn_put_json(txn, VT_TABLE_QUARANTINE, key, rec);
    json_decref(rec);
    return vt_txn_status(txn);
}

vt_status vt__pipeline_load_fn(vt_txn *txn, void *data)
{
    vt__load_ctx *c = data;
    vt_asset_free(c->asset);
    c->asset = NULL;
    return vt_asset_get(txn, c->id, &c->asset);
}


/* ------------------------------------------------------------ grouped writes */

/* How long a write waits for others to share its commit while the
 * conversion workers are busy anyway; with a worker idle, the group goes at
 * the loop's next turn (it still holds every result of this turn). */
#define GROUP_WAIT_MS 40
/* A group this large is committed without waiting for the window. */
#define GROUP_MAX 256

typedef struct {
    vt_store_fn fn;
    void *fn_data;
    vt__written_fn then;
    void *then_data;
    vt_status status;
    char *message;    /* the failure's message, kept until @then runs */
} pending_write;

static vt_status group_fn(vt_txn *txn, void *data)
{
    GPtrArray *writes = data;
    for (guint i = 0; i < writes->len; i++) {
        pending_write *w = g_ptr_array_index(writes, i);
        vt_status s = w->fn(txn, w->fn_data);
        if (s == VT_OK)
            s = vt_txn_status(txn);
        if (s != VT_OK)
            return s;
    }
    return VT_OK;
}

static gboolean on_write_timer(gpointer data)
{
    vt_pipeline *p = data;
    p->writes_timer = 0;
    vt__pipeline_write_flush(p);
    vt__pipeline_check_idle(p);
    return G_SOURCE_REMOVE;
}

static void arm_write_timer(vt_pipeline *p)
{
    bool worker_idle = p->converting < (unsigned)p->config->workers &&
                       g_queue_is_empty(&p->convert_queue);
    guint ms = p->writes->len >= GROUP_MAX || worker_idle ? 0 : GROUP_WAIT_MS;
    if (p->writes_timer && ms > 0)
        return;   /* the window already runs */
    if (p->writes_timer)
        g_source_remove(p->writes_timer);
    p->writes_timer = g_timeout_add(ms, on_write_timer, p);
}

void vt__pipeline_write(vt_pipeline *p, vt_store_fn fn, void *fn_data, vt__written_fn then,
                        void *then_data)
{
    if (!p->writes)
        p->writes = g_ptr_array_new();
    pending_write *w = g_new0(pending_write, 1);
    w->fn = fn;
    w->fn_data = fn_data;
    w->then = then;
    w->then_data = then_data;
    g_ptr_array_add(p->writes, w);
    p->idle_reported = false;
    arm_write_timer(p);
}

void vt__pipeline_write_flush(vt_pipeline *p)
{
    if (p->writes_timer) {
        g_source_remove(p->writes_timer);
        p->writes_timer = 0;
    }
    /* @then may queue writes of its own: they form the next group. */
    while (p->writes && p->writes->len > 0) {
        GPtrArray *group = p->writes;
        p->writes = g_ptr_array_new();
        bool together = group->len > 1 && vt_store_write(p->store, group_fn, group) == VT_OK;
        if (together)
            p->commits++;
        else
            p->commits += group->len;
        p->grouped += group->len;
        for (guint i = 0; i < group->len && !together; i++) {
            /* A write alone, or a failed group: one transaction each, so a
             * failure stays with the write that caused it. */
            pending_write *w = g_ptr_array_index(group, i);
            w->status = vt_store_write(p->store, w->fn, w->fn_data);
            if (w->status != VT_OK)
                w->message = g_strdup(vt_error_message());
        }
        for (guint i = 0; i < group->len; i++) {
            pending_write *w = g_ptr_array_index(group, i);
            if (w->status != VT_OK)
                vt_error_set(w->status, "%s", w->message);
            if (w->then)
                w->then(p, w->status, w->then_data);
            g_free(w->message);
            g_free(w);
        }
        g_ptr_array_free(group, TRUE);
    }
}
