/* vt_pipeline_spool.c: write requests that reach the pipeline through the
 * spool folder (vt_spool): retry, edit (custom metadata), reindex and
 * harvest. They are applied on the loop thread, the store's one writer. */
#include <string.h>

#include "vt_audit.h"
#include "vt_meta.h"
#include "vt_staff.h"
#include "vt_pipeline_private.h"
#include "vt_spool.h"
#include "vt_terms.h"

typedef struct {
    vt_pipeline *p;
    GPtrArray *convert;   /* ids to queue after commit */
    GPtrArray *restore;   /* vt_asset* to move back from quarantine */
    bool failed;
    json_t *ids;
} spool_ctx;

static vt_status retry_one(vt_txn *txn, spool_ctx *c, const char *id)
{
    vt_asset *a = NULL;
    vt_status s = vt_asset_get(txn, id, &a);
    if (s != VT_OK)
        return s;
    switch (a->state) {
    case VT_ASSET_QUARANTINED:
        g_ptr_array_add(c->restore, a);
        return VT_OK;
    case VT_ASSET_CONVERTING:
    case VT_ASSET_READY: {
        /* READY too: an administrator asking for one asset again (after a
         * change of tile settings, say) wants it converted again. */
        vt_asset *before = vt_asset_dup(a);
        a->state = VT_ASSET_CONVERTING;
        a->next_attempt = 0;
        a->updated = vt__pipeline_now();
        vt_terms_put_asset(txn, before, a);
        vt_asset_free(before);
        g_ptr_array_add(c->convert, g_strdup(id));
        break;
    }
    case VT_ASSET_ARCHIVING:
        break;   /* resumed by the scan of its hotfolder */
    }
    vt_asset_free(a);
    return vt_txn_status(txn);
}

static bool collect_failed(const vt_asset *a, void *data)
{
    GPtrArray *ids = data;
    if (a->state == VT_ASSET_QUARANTINED || (a->state == VT_ASSET_CONVERTING && a->reason))
        g_ptr_array_add(ids, g_strdup(a->id));
    return true;
}

static vt_status spool_retry_fn(vt_txn *txn, void *data)
{
    spool_ctx *c = data;
    g_ptr_array_set_size(c->convert, 0);
    g_ptr_array_set_size(c->restore, 0);

    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
    if (c->failed) {
        vt_asset_foreach(txn, collect_failed, ids);
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(c->ids, i, v) g_ptr_array_add(ids, g_strdup(json_string_value(v)));
    }
    for (guint i = 0; i < ids->len; i++) {
        vt_status s = retry_one(txn, c, g_ptr_array_index(ids, i));
        if (s == VT_ERR_NOT_FOUND && !c->failed)
            return vt_txn_fail(txn, vt_error_set(VT_ERR_NOT_FOUND, "no asset %s",
                                                 (const char *)g_ptr_array_index(ids, i)));
        if (s != VT_OK && s != VT_ERR_NOT_FOUND)
            return s;
    }
    return vt_txn_status(txn);
}

/* An edit of one or more assets' custom metadata, applied all or nothing
 * in one transaction with one audit entry per changed asset. */
typedef struct {
    const vt_pipeline *p;
    char *const *ids;
    size_t n_ids;
    const json_t *edit;
    const char *if_match;   /* or NULL */
    const char *user;
    const char *via;
    json_t *saved;          /* out: [{id, version, custom, visibility}] */
    char *conflict;         /* out: the current version, on a conflict */
} edit_ctx;

static json_t *custom_of(vt_txn *txn, const char *id, const char **ret_visibility)
{
    vt_asset *a = NULL;
    if (vt_asset_get(txn, id, &a) != VT_OK)
        return NULL;
    json_t *custom = a->custom ? json_incref(a->custom) : json_object();
    if (ret_visibility)
        *ret_visibility = vt_visibility_name(a->visibility);
    vt_asset_free(a);
    return custom;
}

static vt_status edit_fn(vt_txn *txn, void *data)
{
    edit_ctx *c = data;
    json_array_clear(c->saved);
    g_clear_pointer(&c->conflict, g_free);
    gint64 now = vt__pipeline_now();
    for (size_t i = 0; i < c->n_ids; i++) {
        const char *id = c->ids[i];
        json_t *before = custom_of(txn, id, NULL);
        if (!before)
            return vt_txn_fail(txn, vt_error_set(VT_ERR_NOT_FOUND, "no asset %s", id));
        if (c->if_match) {
            char *version = vt_staff_version(before);
            if (strcmp(version, c->if_match) != 0) {
                json_decref(before);
                c->conflict = version;
                return vt_txn_fail(txn, vt_error_set(VT_ERR_EXISTS,
                                                     "asset %s was changed by someone else"
                                                     " (version %s, not %s)",
                                                     id, version, c->if_match));
            }
            g_free(version);
        }
        bool changed = false;
        vt_status s = vt_terms_edit_asset(txn, c->p->config, id, c->edit, &changed);
        if (s != VT_OK) {
            json_decref(before);
            return s;
        }
        const char *visibility = NULL;
        json_t *after = custom_of(txn, id, &visibility);
        if (changed)
            vt_audit_append(txn, id, now, c->user, c->via, c->edit, before, after);
        char *version = vt_staff_version(after);
        json_array_append_new(c->saved, json_pack("{s:s, s:s, s:o, s:s}", "id", id, "version",
                                                  version, "custom", after, "visibility",
                                                  visibility ? visibility : "internal"));
        g_free(version);
        json_decref(before);
    }
    return vt_txn_status(txn);
}

static vt_status run_edit(vt_pipeline *p, edit_ctx *c)
{
    c->saved = json_array();
    vt_status s = vt_store_write(p->store, edit_fn, c);
    if (s == VT_OK) {
        for (size_t i = 0; i < c->n_ids; i++)
            vt__pipeline_mark_changed(p, c->ids[i]);
        g_autofree char *msg = g_strdup_printf("metadata edited by %s (%s)%s", c->user, c->via,
                                               c->n_ids > 1 ? ", bulk" : "");
        vt__pipeline_emit(p, VT_EVENT_INFO, NULL, NULL, c->n_ids == 1 ? c->ids[0] : NULL, msg);
    }
    return s;
}

/* A metadata edit from the `vitrine` tool (set/unset): applied to the
 * custom part; harvested fields are refused. The tool's spool is writable
 * by administrators only, so its "user" is taken as written. */
static vt_status apply_edit(vt_pipeline *p, const json_t *req)
{
    const char *id = json_string_value(json_object_get(req, "id"));
    const json_t *edit = json_object_get(req, "edit");
    if (!id || !json_is_object(edit))
        return vt_error_set(VT_ERR_INVALID, "an edit request has \"id\" and an \"edit\" object");
    const char *user = json_string_value(json_object_get(req, "user"));
    char *ids[] = {(char *)id, NULL};
    edit_ctx c = {.p = p, .ids = ids, .n_ids = 1, .edit = edit,
                  .user = vt_staff_user_valid(user) ? user : "(unknown)", .via = "tool"};
    vt_status s = run_edit(p, &c);
    json_decref(c.saved);
    g_free(c.conflict);
    return s;
}

/* Rebuilds the search index and the term counts from the store. The
 * writer handle is closed for the rebuild (Xapian allows one writer). */
static vt_status apply_reindex(vt_pipeline *p)
{
    if (p->flush_timer) {
        g_source_remove(p->flush_timer);
        p->flush_timer = 0;
    }
    vt_indexer_close(p->indexer);
    p->indexer = NULL;
    unsigned count = 0;
    vt_status s = vt_indexer_rebuild(p->config, p->store, &count);
    g_autofree char *failure = s != VT_OK ? g_strdup(vt_error_message()) : NULL;
    if (vt_indexer_open(p->config, &p->indexer) != VT_OK)
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, vt_error_message());
    if (s != VT_OK)
        return vt_error_set(s, "%s", failure);
    g_autofree char *msg = g_strdup_printf("search index rebuilt: %u assets", count);
    vt__pipeline_emit(p, VT_EVENT_INFO, NULL, NULL, NULL, msg);
    return VT_OK;
}

static vt_status apply_spool(const json_t *req, const char *name, void *data)
{
    vt_pipeline *p = data;
    const char *action = json_string_value(json_object_get(req, "action"));

    if (strcmp(action, "edit") == 0)
        return apply_edit(p, req);
    if (strcmp(action, "reindex") == 0)
        return apply_reindex(p);
    if (strcmp(action, "harvest") == 0)
        return vt__pipeline_apply_harvest(p, req);
    if (strcmp(action, "annotations") == 0)
        return vt__pipeline_apply_annotations(p, req);
    if (strcmp(action, "retry") != 0)
        return vt_error_set(VT_ERR_INVALID, "unknown action \"%s\"", action);

    spool_ctx c = {.p = p,
                   .convert = g_ptr_array_new_with_free_func(g_free),
                   .restore = g_ptr_array_new_with_free_func((GDestroyNotify)vt_asset_free),
                   .failed = json_is_true(json_object_get(req, "failed")),
                   .ids = json_object_get(req, "ids")};
    if (!c.failed) {
        size_t i;
        json_t *v;
        if (!json_is_array(c.ids) || json_array_size(c.ids) == 0 || json_array_size(c.ids) > 100000)
            goto invalid;
        json_array_foreach(c.ids, i, v) if (!json_is_string(v)) goto invalid;
    }
    vt_status s = vt_store_write(p->store, spool_retry_fn, &c);
    if (s == VT_OK) {
        for (guint i = 0; i < c.convert->len; i++) {
            const char *id = g_ptr_array_index(c.convert, i);
            guint timer = GPOINTER_TO_UINT(g_hash_table_lookup(p->retry_timers, id));
            if (timer) {
                g_source_remove(timer);
                g_hash_table_remove(p->retry_timers, id);
            }
            vt__pipeline_mark_changed(p, id);
            vt__pipeline_queue_convert(p, id);
        }
        for (guint i = 0; i < c.restore->len; i++) {
            vt_asset *a = g_ptr_array_index(c.restore, i);
            const vt_department *dept = vt_config_department(p->config, a->department);
            if (!dept) {
                vt__pipeline_emit(p, VT_EVENT_ERROR, a->department, a->source, a->id,
                     "its department is no longer in the configuration");
                continue;
            }
            vt_filejob *j = g_new0(vt_filejob, 1);
            j->kind = VT_FILEJOB_RESTORE;
            j->dept = dept;
            j->path = g_strdup(a->original);
            g_autofree char *wanted = g_build_filename(p->config->originals_dir, dept->id,
                                                       a->source, NULL);
            j->dest = vt_file_free_name(wanted);
            j->asset = vt_asset_dup(a);
            vt__pipeline_start_job(p, j);
        }
        vt__pipeline_emit(p, VT_EVENT_INFO, NULL, NULL, NULL, "retry requested");
    }
    g_ptr_array_free(c.convert, TRUE);
    g_ptr_array_free(c.restore, TRUE);
    (void)name;
    return s;

invalid:
    g_ptr_array_free(c.convert, TRUE);
    g_ptr_array_free(c.restore, TRUE);
    return vt_error_set(VT_ERR_INVALID, "a retry request has \"failed\": true or \"ids\": [strings]");
}

static vt_status apply_spool_reported(const json_t *req, const char *name, void *data)
{
    vt_pipeline *p = data;
    vt_status s = apply_spool(req, name, data);
    if (s != VT_OK) {
        g_autofree char *msg = g_strdup_printf("request %s rejected (kept in %s/rejected): %s",
                                               name, p->config->spool_dir, vt_error_message());
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, msg);
        p->rejected++;
    }
    return s;
}

/* ---- the web server's spool folder ---------------------------------------
 *
 * Anyone in the web server's group can write spool-dir/web, so a request
 * found there is believed no more than an HTTP request: it is parsed and
 * checked against [staff] again (its user must be allowed what it asks),
 * and answered in spool-dir/web/answers/NAME for the CGI waiting on it:
 *     {"status": "saved", "assets": [{id, version, custom, visibility}]}
 *     {"status": "conflict", "version": CURRENT, "message"}
 *     {"status": "forbidden" | "invalid" | "not-found" | "failed", "message"}
 * Anything but "saved" also moves the request to web/rejected/ with its
 * reason. */

static vt_status answer(vt_pipeline *p, const char *dir, const char *name, json_t *ans)
{
    if (vt_spool_answer(dir, name, ans) != VT_OK)
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, vt_error_message());
    json_decref(ans);
    return VT_OK;
}

static vt_status refuse(vt_pipeline *p, const char *dir, const char *name, const char *status,
                        vt_status st)
{
    g_autofree char *msg = g_strdup(vt_error_message());
    answer(p, dir, name, json_pack("{s:s, s:s}", "status", status, "message", msg));
    return vt_error_set(st, "%s", msg);
}

static vt_status apply_web(const json_t *req, const char *name, void *data)
{
    vt_pipeline *p = data;
    g_autofree char *dir = g_build_filename(p->config->spool_dir, VT_SPOOL_WEB, NULL);
    vt_staff_request *r = NULL;
    vt_status s = vt_staff_request_parse(req, true, &r);
    if (s != VT_OK)
        return refuse(p, dir, name, "invalid", s);
    vt_staff *staff = NULL;
    s = vt_staff_new(p->config, &staff);
    if (s == VT_OK)
        s = vt_staff_may(staff, r->user, r->kind);
    vt_staff_free(staff);
    if (s != VT_OK) {
        vt_staff_request_free(r);
        return refuse(p, dir, name, "forbidden", s);
    }
    if (r->kind == VT_STAFF_ANNOTATE) {
        /* Authorised to annotate; the rest is vt_pipeline_webannot.c's. */
        json_t *ans = NULL;
        s = vt__pipeline_web_annotation(p, r, &ans);
        g_autofree char *msg = s != VT_OK ? g_strdup(vt_error_message()) : NULL;
        answer(p, dir, name, ans);
        vt_staff_request_free(r);
        return s == VT_OK ? VT_OK : vt_error_set(s, "%s", msg);
    }
    edit_ctx c = {.p = p, .ids = r->ids, .n_ids = r->n_ids, .edit = r->edit,
                  .if_match = r->if_match, .user = r->user, .via = "web"};
    s = run_edit(p, &c);
    if (s == VT_OK) {
        answer(p, dir, name, json_pack("{s:s, s:O}", "status", "saved", "assets", c.saved));
    } else if (c.conflict) {
        g_autofree char *msg = g_strdup(vt_error_message());
        answer(p, dir, name, json_pack("{s:s, s:s, s:s}", "status", "conflict", "version",
                                       c.conflict, "message", msg));
        vt_error_set(s, "%s", msg);
    } else {
        refuse(p, dir, name,
               s == VT_ERR_NOT_FOUND                          ? "not-found"
               : s == VT_ERR_INVALID || s == VT_ERR_LIMIT ? "invalid"
                                                              : "failed",
               s);
    }
    json_decref(c.saved);
    g_free(c.conflict);
    vt_staff_request_free(r);
    return s;
}

static vt_status apply_web_reported(const json_t *req, const char *name, void *data)
{
    vt_pipeline *p = data;
    vt_status s = apply_web(req, name, data);
    if (s != VT_OK) {
        g_autofree char *msg = g_strdup_printf("web request %s refused (kept in %s/%s/rejected):"
                                               " %s", name, p->config->spool_dir, VT_SPOOL_WEB,
                                               vt_error_message());
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, msg);
        p->rejected++;
    }
    return s;
}

void vt_pipeline_take_spool(vt_pipeline *p)
{
    unsigned n = 0;
    if (vt_spool_take(p->config->spool_dir, apply_spool_reported, p, &n) != VT_OK)
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, vt_error_message());
    /* The tool run by an administrator (batch mode) may not be allowed to
     * read the web server's folder: that is the daemon's business then. */
    g_autofree char *web = g_build_filename(p->config->spool_dir, VT_SPOOL_WEB, NULL);
    if (vt_spool_take(web, apply_web_reported, p, &n) != VT_OK && p->opt.daemon)
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, vt_error_message());
    /* Answers nobody waited for (the CGI said 202): gone after an hour,
     * looked for at most once a minute. */
    static int64_t last_prune;
    int64_t now = vt__pipeline_now();
    if (now - last_prune >= 60) {
        last_prune = now;
        vt_spool_prune_answers(web, 3600);
    }
}

