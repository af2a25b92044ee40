/* vt_pipeline_webannot.c: annotations drawn in the internal site's
 * workspace, reaching the store: the web spool's "annotation-create",
 * "annotation-update" and "annotation-delete" requests (core/vt_staff.h
 * gives their shape), already parsed and authorised to annotate by
 * vt_pipeline_spool.c. Loop thread only.
 *
 * The request carries the stored form without what vitrined sets: the
 * annotation's id (new ones get VT__WEBANNOT_ID_LEN random characters of
 * [A-Za-z0-9], never reused, never changed), "v", the creator (the
 * request's user), and the created and modified times. The rest is checked
 * by vt_annotation_check() against the configured types and the asset's
 * image (its size, its visibility): unknown types and fields, values over
 * their cap, shapes outside the image or with too many points are refused
 * and nothing changes. Values are stored as the text they are.
 *
 * Who may: an editor creates, and changes or deletes their own annotations;
 * someone else's only an admin (VT_STAFF_ANNOTATE_OTHERS); a visibility
 * other than internal on create, or a changed one on update, only a
 * publisher (VT_STAFF_VISIBILITY). Update and delete name the version they
 * were made on (vt_annotation_version): another version is a
 * conflict, answered with the current one and its annotation.
 *
 * Each change writes one audit entry in its transaction (vt_audit: change =
 * {"annotation": {"action", "id", "before", "after"}} with the stored forms
 * in full; before/after = {"annotation ID": [{"value": a one-line summary}]}
 * so that the page's and `vitrine history`'s readers show it), and marks
 * the asset dirty (vt_publog_touch) and for the index, so the
 * AnnotationPage, the manifest, the page and the search follow within the
 * flush delay, as a sidecar import does.
 */
#include <string.h>

#include "vt_annotation.h"
#include "vt_audit.h"
#include "vt_pipeline_private.h"
#include "vt_publog.h"
#include "vt_staff.h"

#define VT__WEBANNOT_ID_LEN 12

typedef enum { WA_CREATE, WA_UPDATE, WA_DELETE } wa_action;

typedef struct {
    const vt_pipeline *p;
    const vt_staff_request *r;
    vt_staff_role role;
    wa_action action;
    /* out */
    const char *code;   /* the answer's status when the txn failed */
    json_t *saved;      /* the stored form written (NULL: deleted) */
    json_t *current;    /* on a conflict: the annotation as it is */
    char *ann_id;
} wa_ctx;

static vt_status fail_with(vt_txn *txn, wa_ctx *c, const char *code, vt_status st)
{
    c->code = code;
    return vt_txn_fail(txn, st);
}

/* "restoration, internal, 10,20 300x200: damage: flaking; date: 2024". */
static json_t *summary(const json_t *ann)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "%s, %s", json_string_value(json_object_get(ann, "type")) ?: "?",
                           json_string_value(json_object_get(ann, "visibility")) ?: "internal");
    int x = 0, y = 0, w = 0, h = 0;
    vt_annotation_bounds(ann, &x, &y, &w, &h);
    const json_t *points = json_object_get(json_object_get(ann, "shape"), "points");
    if (points)
        g_string_append_printf(s, ", polygon of %zu points in %d,%d %dx%d",
                               json_array_size(points), x, y, w, h);
    else
        g_string_append_printf(s, ", %d,%d %dx%d", x, y, w, h);
    const char *key;
    const json_t *v;
    bool first = true;
    json_object_foreach((json_t *)json_object_get(ann, "fields"), key, v) {
        g_string_append_printf(s, "%s%s: ", first ? ": " : "; ", key);
        first = false;
        if (json_is_array(v)) {
            size_t i;
            const json_t *item;
            json_array_foreach(v, i, item)
                g_string_append_printf(s, "%s%s", i ? ", " : "", json_string_value(item) ?: "");
        } else if (json_is_number(v)) {
            g_string_append_printf(s, "%g", json_number_value(v));
        } else {
            g_string_append(s, json_string_value(v) ?: "");
        }
        if (s->len > 400)
            break;
    }
    if (s->len > 400) {
        /* Cut on a character boundary. */
        const char *end = g_utf8_find_prev_char(s->str, s->str + 400);
        g_string_truncate(s, end ? (gsize)(end - s->str) : 0);
        g_string_append(s, "…");
    }
    json_t *out = json_pack("[{s:s}]", "value", s->str);
    g_string_free(s, TRUE);
    return out;
}

static char *new_id(vt_txn *txn, const char *asset_id)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (;;) {
        char id[VT__WEBANNOT_ID_LEN + 1];
        for (int i = 0; i < VT__WEBANNOT_ID_LEN; i++)
            id[i] = alphabet[g_random_int_range(0, (gint32)(sizeof alphabet - 1))];
        id[VT__WEBANNOT_ID_LEN] = '\0';
        json_t *old = vt_annotation_get(txn, asset_id, id);
        if (!old)
            return g_strdup(id);
        json_decref(old);
    }
}

/* The keys a request's annotation may have (vitrined sets the others). */
static vt_status keys_allowed(const json_t *in, bool with_id)
{
    static const char *const allowed[] = {"type", "shape", "fields", "visibility"};
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)in, key, v) {
        bool ok = with_id && strcmp(key, "id") == 0;
        for (size_t i = 0; i < G_N_ELEMENTS(allowed); i++)
            ok = ok || strcmp(key, allowed[i]) == 0;
        if (!ok)
            return vt_error_set(VT_ERR_INVALID, "an annotation from the site has type, shape,"
                                " fields and visibility%s (vitrined sets \"%.40s\")",
                                with_id ? " and its id" : "", key);
    }
    return VT_OK;
}

static void audit(vt_txn *txn, const wa_ctx *c, const char *asset_id, int64_t now,
                  const json_t *old, const json_t *ann)
{
    g_autofree char *label = g_strconcat("annotation ", c->ann_id, NULL);
    static const char *const names[] = {"create", "update", "delete"};
    json_t *change = json_pack("{s:{s:s, s:s, s:O?, s:O?}}", "annotation", "action",
                               names[c->action], "id", c->ann_id, "before", old, "after", ann);
    json_t *before = json_object(), *after = json_object();
    if (old)
        json_object_set_new(before, label, summary(old));
    if (ann)
        json_object_set_new(after, label, summary(ann));
    vt_audit_append(txn, asset_id, now, c->r->user, "web", change, before, after);
    json_decref(change);
    json_decref(before);
    json_decref(after);
}

static vt_status wa_fn(vt_txn *txn, void *data)
{
    wa_ctx *c = data;
    g_clear_pointer(&c->saved, json_decref);
    g_clear_pointer(&c->current, json_decref);
    g_clear_pointer(&c->ann_id, g_free);
    c->code = NULL;
    const vt_staff_request *r = c->r;
    const char *asset_id = r->ids[0];
    const json_t *in = r->edit;
    int64_t now = vt__pipeline_now();

    vt_asset *a = NULL;
    if (vt_asset_get(txn, asset_id, &a) != VT_OK) {
        if (vt_txn_status(txn) != VT_OK)
            return vt_txn_status(txn);
        return fail_with(txn, c, "not-found", vt_error_set(VT_ERR_NOT_FOUND, "no asset %s",
                                                           asset_id));
    }
    vt_annotation_target target = {a->id, a->width, a->height,
                                   a->visibility == VT_VISIBILITY_PUBLIC};
    if (a->state != VT_ASSET_READY || a->width <= 0 || a->height <= 0) {
        vt_asset_free(a);
        return fail_with(txn, c, "invalid", vt_error_set(VT_ERR_INVALID, "asset %s is not ready"
                                                         " (its image's size is not known yet)",
                                                         asset_id));
    }

    json_t *old = NULL, *ann = NULL;
    vt_status st = keys_allowed(in, c->action != WA_CREATE);
    if (st != VT_OK)
        goto refused_invalid;
    if (c->action == WA_CREATE) {
        c->ann_id = new_id(txn, asset_id);
        json_t *existing = vt_annotation_list(txn, asset_id);
        size_t n = json_array_size(existing);
        json_decref(existing);
        if (n >= VT_ANNOTATION_PER_ASSET_MAX) {
            st = vt_error_set(VT_ERR_LIMIT, "asset %s has %d annotations, the most it may have",
                              asset_id, VT_ANNOTATION_PER_ASSET_MAX);
            goto refused_invalid;
        }
    } else {
        const char *id = json_string_value(json_object_get(in, "id"));
        if (!vt_annotation_id_valid(id)) {
            st = vt_error_set(VT_ERR_INVALID, "the request does not name an annotation (\"id\")");
            goto refused_invalid;
        }
        c->ann_id = g_strdup(id);
        old = vt_annotation_get(txn, asset_id, id);
        if (!old) {
            vt_asset_free(a);
            return fail_with(txn, c, "not-found",
                             vt_error_set(VT_ERR_NOT_FOUND, "asset %s has no annotation %s"
                                          " (deleted by someone else?)", asset_id, id));
        }
        g_autofree char *version = vt_annotation_version(old);
        if (!r->if_match) {
            st = vt_error_set(VT_ERR_INVALID, "give the version of annotation %s you changed"
                              " (If-Match)", id);
            goto refused_invalid;
        }
        if (strcmp(version, r->if_match) != 0) {
            c->current = json_incref(old);
            json_decref(old);
            vt_asset_free(a);
            return fail_with(txn, c, "conflict",
                             vt_error_set(VT_ERR_EXISTS, "annotation %s was changed by someone"
                                          " else (version %s, not %s)", id, version,
                                          r->if_match));
        }
        const char *creator = json_string_value(json_object_get(old, "creator"));
        if (g_strcmp0(creator, r->user) != 0 && c->role < VT_STAFF_ADMIN) {
            vt_error_set(VT_ERR_INVALID, "%s may not %s annotation %s of %s: admins only",
                         r->user, c->action == WA_DELETE ? "delete" : "change", id,
                         creator ? creator : "someone else");
            json_decref(old);
            vt_asset_free(a);
            return fail_with(txn, c, "forbidden", VT_ERR_INVALID);
        }
    }

    if (c->action != WA_DELETE) {
        ann = json_object();
        json_object_set_new(ann, "v", json_integer(1));
        json_object_set_new(ann, "id", json_string(c->ann_id));
        /* A missing piece is left out, for vt_annotation_check to name. */
        static const char *const copied[] = {"type", "shape", "fields"};
        for (size_t i = 0; i < G_N_ELEMENTS(copied); i++)
            if (json_object_get(in, copied[i]))
                json_object_set_new(ann, copied[i],
                                    json_deep_copy(json_object_get(in, copied[i])));
        if (old && json_object_get(old, "creator"))
            json_object_set(ann, "creator", json_object_get(old, "creator"));
        else if (!old)
            json_object_set_new(ann, "creator", json_string(r->user));
        json_object_set_new(ann, "created", old ? json_incref(json_object_get(old, "created"))
                                                : json_integer(now));
        json_object_set_new(ann, "modified", json_integer(now));
        const json_t *vis = json_object_get(in, "visibility");
        if (!vis)
            vis = old ? json_object_get(old, "visibility") : NULL;
        json_object_set_new(ann, "visibility", vis ? json_incref((json_t *)vis)
                                                   : json_string("internal"));
        const char *was = old ? json_string_value(json_object_get(old, "visibility")) : "internal";
        const char *now_vis = json_string_value(json_object_get(ann, "visibility"));
        if (g_strcmp0(was, now_vis) != 0 && c->role < VT_STAFF_PUBLISHER) {
            json_decref(ann);
            json_decref(old);
            vt_asset_free(a);
            return fail_with(txn, c, "forbidden",
                             vt_error_set(VT_ERR_INVALID, "%s may not change an annotation's"
                                          " visibility: publishers only", r->user));
        }
        st = vt_annotation_check(c->p->annotation_types, &target, ann);
        if (st != VT_OK)
            goto refused_invalid;
        if (old) {
            /* Nothing changed but the time: no write, no audit entry. */
            json_t *cmp = json_deep_copy(ann);
            json_object_set(cmp, "modified", json_object_get(old, "modified"));
            bool same = json_equal(cmp, old);
            json_decref(cmp);
            if (same) {
                c->saved = json_incref(old);
                json_decref(ann);
                json_decref(old);
                vt_asset_free(a);
                return VT_OK;
            }
        }
        vt_annotation_put(txn, asset_id, ann);
    } else {
        vt_annotation_del(txn, asset_id, c->ann_id, NULL);
    }

    audit(txn, c, asset_id, now, old, ann);
    vt_publog_touch(txn, a);
    c->saved = ann;
    json_decref(old);
    vt_asset_free(a);
    return vt_txn_status(txn);

refused_invalid:
    json_decref(ann);
    json_decref(old);
    vt_asset_free(a);
    return fail_with(txn, c, "invalid", st);
}

vt_status vt__pipeline_web_annotation(vt_pipeline *p, const vt_staff_request *r,
                                      json_t **ret_answer)
{
    wa_ctx c = {.p = p, .r = r};
    c.action = strcmp(r->action, "annotation-create") == 0   ? WA_CREATE
               : strcmp(r->action, "annotation-update") == 0 ? WA_UPDATE
                                                              : WA_DELETE;
    vt_staff *staff = NULL;
    vt_status s = vt_staff_new(p->config, &staff);
    if (s != VT_OK) {
        *ret_answer = json_pack("{s:s, s:s}", "status", "failed", "message", vt_error_message());
        return s;
    }
    c.role = vt_staff_role_of(staff, r->user);
    vt_staff_free(staff);
    if (!p->annotation_types || r->n_ids != 1 || !json_is_object(r->edit)) {
        s = vt_error_set(VT_ERR_INVALID, "this request cannot be applied (no annotation types,"
                         " or not one asset and one annotation)");
        *ret_answer = json_pack("{s:s, s:s}", "status", "invalid", "message", vt_error_message());
        return s;
    }
    s = vt_store_write(p->store, wa_fn, &c);
    if (s == VT_OK) {
        vt__pipeline_mark_changed(p, r->ids[0]);
        json_t *ans = json_pack("{s:s, s:[{s:s}], s:s, s:s}", "status", "saved", "assets", "id",
                                r->ids[0], "action", r->action, "annotation_id", c.ann_id);
        if (c.saved) {
            char *version = vt_annotation_version(c.saved);
            json_object_set_new(ans, "version", json_string(version));
            json_object_set(ans, "annotation", c.saved);
            g_free(version);
        }
        *ret_answer = ans;
        g_autofree char *msg = g_strdup_printf("annotation %s of %s: %s by %s (web)", c.ann_id,
                                               r->ids[0], r->action + 11, r->user);
        vt__pipeline_emit(p, VT_EVENT_INFO, NULL, NULL, r->ids[0], msg);
    } else {
        const char *code = c.code ? c.code
                           : s == VT_ERR_NOT_FOUND                     ? "not-found"
                           : s == VT_ERR_INVALID || s == VT_ERR_LIMIT ? "invalid"
                                                                       : "failed";
        json_t *ans = json_pack("{s:s, s:s}", "status", code, "message", vt_error_message());
        if (c.current) {
            char *version = vt_annotation_version(c.current);
            json_object_set_new(ans, "version", json_string(version));
            json_object_set(ans, "annotation", c.current);
            g_free(version);
        }
        *ret_answer = ans;
    }
    json_decref(c.saved);
    json_decref(c.current);
    g_free(c.ann_id);
    return s;
}
