/* vt_staff.c: see vt_staff.h. */
#include "vt_staff.h"

#include <string.h>

#include "vt_jsonout.h"
#include "vt_meta.h"

struct vt_staff {
    bool editors_all;
    char **editors;     /* NULL-terminated, each list may be empty */
    char **publishers;
    char **admins;
    json_t *fields;     /* the default form fields */
    GHashTable *dept_fields;   /* department -> form fields (json_t) */
};

static const char *const kind_names[] = {"text", "term", "url", "date"};

/* "keywords:term, note" as form fields; NULL and the message on error. */
static json_t *parse_fields(const char *key, const char *text)
{
    json_t *list = json_array();
    g_auto(GStrv) parts = g_strsplit(text, ",", -1);
    for (size_t i = 0; parts[i]; i++) {
        g_strstrip(parts[i]);
        if (!parts[i][0])
            continue;
        char *colon = strchr(parts[i], ':');
        const char *kind = "text";
        if (colon) {
            *colon = '\0';
            kind = g_strstrip(colon + 1);
            g_strstrip(parts[i]);
        }
        bool known = false;
        for (size_t k = 0; k < G_N_ELEMENTS(kind_names); k++)
            known = known || strcmp(kind, kind_names[k]) == 0;
        if (vt_meta_check_name(parts[i]) != VT_OK || strcmp(parts[i], "visibility") == 0 ||
            !known) {
            vt_error_set(VT_ERR_CONFIG, "[staff] %s: '%.64s%s%.16s' is not FIELD or FIELD:KIND"
                         " (kinds: text, term, url, date)", key, parts[i], colon ? ":" : "",
                         colon ? kind : "");
            json_decref(list);
            return NULL;
        }
        g_autofree char *label = vt_meta_field_label(parts[i]);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "name", parts[i], "label", label,
                                              "kind", kind));
    }
    return list;
}

static vt_status read_fields(vt_staff *s, const vt_config *config)
{
    g_autofree char *raw = config->keyfile ? vt_config_get_raw(config->keyfile, "staff", "fields")
                                           : NULL;
    s->fields = parse_fields("fields", raw ? raw : VT_STAFF_DEFAULT_FIELDS);
    if (!s->fields)
        return VT_ERR_CONFIG;
    s->dept_fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify)json_decref);
    if (!config->keyfile || !g_key_file_has_group(config->keyfile, "staff"))
        return VT_OK;
    g_auto(GStrv) keys = g_key_file_get_keys(config->keyfile, "staff", NULL, NULL);
    for (size_t i = 0; keys && keys[i]; i++) {
        const char *k = keys[i];
        if (strcmp(k, "editors") == 0 || strcmp(k, "publishers") == 0 ||
            strcmp(k, "admins") == 0 || strcmp(k, "fields") == 0)
            continue;
        if (!g_str_has_prefix(k, "fields."))
            return vt_error_set(VT_ERR_CONFIG, "[staff] %.64s: unknown key (known: editors,"
                                " publishers, admins, fields, fields.DEPARTMENT)", k);
        if (!vt_config_department(config, k + 7))
            return vt_error_set(VT_ERR_CONFIG, "[staff] %.64s: no department '%.64s'", k, k + 7);
        g_autofree char *v = vt_config_get_raw(config->keyfile, "staff", k);
        json_t *f = parse_fields(k, v ? v : "");
        if (!f)
            return VT_ERR_CONFIG;
        g_hash_table_replace(s->dept_fields, g_strdup(k + 7), f);
    }
    return VT_OK;
}

json_t *vt_staff_fields(const vt_staff *staff, const char *department)
{
    json_t *f = department ? g_hash_table_lookup(staff->dept_fields, department) : NULL;
    return json_incref(f ? f : staff->fields);
}

bool vt_staff_user_valid(const char *user)
{
    size_t len = user ? strlen(user) : 0;
    if (len == 0 || len > VT_STAFF_USER_MAX || !g_utf8_validate(user, (gssize)len, NULL))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)user[i];
        if (c < 0x20 || c == 0x7f || c == ' ' || c == ',' || c == '"' || c == '\\')
            return false;
    }
    return true;
}

static vt_status read_list(const vt_config *config, const char *key, bool *ret_all,
                           char ***ret_list)
{
    g_autofree char *raw = config->keyfile ? vt_config_get_raw(config->keyfile, "staff", key)
                                           : NULL;
    GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
    if (raw) {
        g_auto(GStrv) parts = g_strsplit_set(raw, ", \t", -1);
        for (size_t i = 0; parts[i]; i++) {
            if (!parts[i][0])
                continue;
            if (strcmp(parts[i], "*") == 0 && ret_all) {
                *ret_all = true;
                continue;
            }
            if (!vt_staff_user_valid(parts[i]) || strcmp(parts[i], "*") == 0) {
                g_ptr_array_free(list, TRUE);
                return vt_error_set(VT_ERR_CONFIG, "[staff] %s: \"%s\" is not a user name%s",
                                    key, parts[i],
                                    ret_all ? "" : " (\"*\" is only for editors)");
            }
            g_ptr_array_add(list, g_strdup(parts[i]));
        }
    }
    g_ptr_array_add(list, NULL);
    *ret_list = (char **)g_ptr_array_free(list, FALSE);
    return VT_OK;
}

vt_status vt_staff_new(const vt_config *config, vt_staff **ret_staff)
{
    vt_staff *s = g_new0(vt_staff, 1);
    vt_status st = read_list(config, "editors", &s->editors_all, &s->editors);
    if (st == VT_OK)
        st = read_list(config, "publishers", NULL, &s->publishers);
    if (st == VT_OK)
        st = read_list(config, "admins", NULL, &s->admins);
    if (st == VT_OK)
        st = read_fields(s, config);
    if (st != VT_OK) {
        vt_staff_free(s);
        return st;
    }
    *ret_staff = s;
    return VT_OK;
}

void vt_staff_free(vt_staff *staff)
{
    if (!staff)
        return;
    g_strfreev(staff->editors);
    g_strfreev(staff->publishers);
    g_strfreev(staff->admins);
    json_decref(staff->fields);
    if (staff->dept_fields)
        g_hash_table_destroy(staff->dept_fields);
    g_free(staff);
}

static bool listed(char *const *list, const char *user)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i], user) == 0)
            return true;
    return false;
}

vt_staff_role vt_staff_role_of(const vt_staff *staff, const char *user)
{
    if (!staff || !vt_staff_user_valid(user))
        return VT_STAFF_NONE;
    if (listed(staff->admins, user))
        return VT_STAFF_ADMIN;
    if (listed(staff->publishers, user))
        return VT_STAFF_PUBLISHER;
    if (staff->editors_all || listed(staff->editors, user))
        return VT_STAFF_EDITOR;
    return VT_STAFF_NONE;
}

vt_status vt_staff_may(const vt_staff *staff, const char *user, vt_staff_kind kind)
{
    vt_staff_role role = vt_staff_role_of(staff, user);
    vt_staff_role needed = VT_STAFF_EDITOR;
    const char *what = "edit";
    switch (kind) {
    case VT_STAFF_EDIT_METADATA:
        what = "edit metadata: editors only";
        break;
    case VT_STAFF_ANNOTATE:
        what = "annotate: editors only";
        break;
    case VT_STAFF_VISIBILITY:
        needed = VT_STAFF_PUBLISHER;
        what = "change visibility: publishers only";
        break;
    case VT_STAFF_ANNOTATE_OTHERS:
        needed = VT_STAFF_ADMIN;
        what = "change other people's annotations: admins only";
        break;
    }
    if (role >= needed)
        return VT_OK;
    if (!vt_staff_user_valid(user))
        return vt_error_set(VT_ERR_INVALID, "no valid user: the request is refused");
    return vt_error_set(VT_ERR_INVALID, "%s may not %s ([staff] in the configuration)", user,
                        what);
}

/* ---- requests ------------------------------------------------------------ */

void vt_staff_request_free(vt_staff_request *r)
{
    if (!r)
        return;
    g_free(r->action);
    g_free(r->user);
    g_strfreev(r->ids);
    g_free(r->if_match);
    json_decref(r->edit);
    g_free(r);
}

static bool id_valid(const char *id)
{
    size_t len = strlen(id);
    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!g_ascii_isalnum(id[i]) && id[i] != '-' && id[i] != '_' && id[i] != '.')
            return false;
    return true;
}

static bool touches_visibility(const json_t *edit)
{
    const char *key;
    json_t *v;
    size_t i;
    json_object_foreach((json_t *)json_object_get(edit, "set"), key, v)
        if (strcmp(key, "visibility") == 0 || g_str_has_prefix(key, "visibility."))
            return true;
    json_array_foreach(json_object_get(edit, "unset"), i, v) {
        const char *k = json_string_value(v);
        if (k && (strcmp(k, "visibility") == 0 || g_str_has_prefix(k, "visibility.")))
            return true;
    }
    return false;
}

static vt_status invalid(vt_staff_request *r, vt_status st)
{
    vt_staff_request_free(r);
    return st;
}

vt_status vt_staff_request_parse(const json_t *obj, bool from_spool,
                                 vt_staff_request **ret_request)
{
    if (!json_is_object(obj))
        return vt_error_set(VT_ERR_INVALID, "a request is a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        static const char *const body_keys[] = {"id", "ids", "edit", "if_match", "action",
                                                "annotation"};
        bool known = false;
        for (size_t i = 0; i < G_N_ELEMENTS(body_keys); i++)
            known = known || strcmp(key, body_keys[i]) == 0;
        if (from_spool)
            known = known || strcmp(key, "v") == 0 || strcmp(key, "user") == 0;
        if (!known)
            return vt_error_set(VT_ERR_INVALID, "unknown key \"%.40s\" in the request", key);
    }
    vt_staff_request *r = g_new0(vt_staff_request, 1);
    if (from_spool) {
        if (json_integer_value(json_object_get(obj, "v")) != 1)
            return invalid(r, vt_error_set(VT_ERR_INVALID, "a web request has \"v\": 1"));
        const char *user = json_string_value(json_object_get(obj, "user"));
        if (!vt_staff_user_valid(user))
            return invalid(r, vt_error_set(VT_ERR_INVALID, "a web request names its user"));
        r->user = g_strdup(user);
    }
    /* The HTTP body may name an annotation action; without one it is an edit. */
    const json_t *action_json = json_object_get(obj, "action");
    const char *action = json_string_value(action_json);
    if (!from_spool && !action_json)
        action = "edit";
    if (!action)
        return invalid(r, vt_error_set(VT_ERR_INVALID, "a web request has an \"action\""));
    if (strcmp(action, "edit") == 0) {
        r->kind = VT_STAFF_EDIT_METADATA;
    } else if (strcmp(action, "annotation-create") == 0 ||
               strcmp(action, "annotation-update") == 0 ||
               strcmp(action, "annotation-delete") == 0) {
        /* The hook for annotations: authorised as such; their body is read
         * by the module that stores them. */
        r->kind = VT_STAFF_ANNOTATE;
    } else {
        return invalid(r, vt_error_set(VT_ERR_INVALID,
                                       "unknown action for a web request (edit, annotation-create,"
                                       " annotation-update, annotation-delete)"));
    }
    r->action = g_strdup(action);

    const json_t *id = json_object_get(obj, "id"), *ids = json_object_get(obj, "ids");
    GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
    if (id && !ids && json_is_string(id)) {
        g_ptr_array_add(list, g_strdup(json_string_value(id)));
    } else if (ids && !id && json_is_array(ids)) {
        r->bulk = true;
        if (json_array_size(ids) > VT_STAFF_IDS_MAX) {
            g_ptr_array_free(list, TRUE);
            return invalid(r, vt_error_set(VT_ERR_LIMIT, "at most %d assets in one request",
                                           VT_STAFF_IDS_MAX));
        }
        size_t i;
        json_array_foreach(ids, i, v) {
            if (!json_is_string(v))
                break;
            g_ptr_array_add(list, g_strdup(json_string_value(v)));
        }
        if (list->len != json_array_size(ids) || list->len == 0) {
            g_ptr_array_free(list, TRUE);
            return invalid(r, vt_error_set(VT_ERR_INVALID,
                                           "\"ids\" is a non-empty array of asset ids"));
        }
    } else {
        g_ptr_array_free(list, TRUE);
        return invalid(r, vt_error_set(VT_ERR_INVALID,
                                       "a request names one asset (\"id\") or several (\"ids\")"));
    }
    for (guint i = 0; i < list->len; i++)
        if (!id_valid(g_ptr_array_index(list, i))) {
            g_ptr_array_free(list, TRUE);
            return invalid(r, vt_error_set(VT_ERR_INVALID, "not an asset id"));
        }
    r->n_ids = list->len;
    g_ptr_array_add(list, NULL);
    r->ids = (char **)g_ptr_array_free(list, FALSE);

    const json_t *m = json_object_get(obj, "if_match");
    if (m) {
        const char *s = json_string_value(m);
        if (!s || strlen(s) != 16 || strspn(s, "0123456789abcdef") != 16)
            return invalid(r, vt_error_set(VT_ERR_INVALID, "\"if_match\" is a version (16 hex"
                                                           " digits)"));
        if (r->n_ids != 1)
            return invalid(r, vt_error_set(VT_ERR_INVALID,
                                           "\"if_match\" goes with one asset only"));
        r->if_match = g_strdup(s);
    }

    const json_t *edit = json_object_get(obj, "edit");
    const json_t *annotation = json_object_get(obj, "annotation");
    if (r->kind == VT_STAFF_ANNOTATE) {
        /* Its content is checked by vitrined against the types and the
         * image (daemon/vt_pipeline_webannot.c); here only its shape. */
        if (!json_is_object(annotation) || edit)
            return invalid(r, vt_error_set(VT_ERR_INVALID, "an annotation request has an"
                                           " \"annotation\" object and no \"edit\""));
        if (r->n_ids != 1)
            return invalid(r, vt_error_set(VT_ERR_INVALID, "an annotation request names one"
                                                           " asset (\"id\")"));
        r->edit = json_deep_copy(annotation);
        *ret_request = r;
        return VT_OK;
    }
    if (annotation)
        return invalid(r, vt_error_set(VT_ERR_INVALID, "\"annotation\" goes with an annotation"
                                                       " action only"));
    if (r->kind == VT_STAFF_EDIT_METADATA) {
        if (!json_is_object(edit))
            return invalid(r, vt_error_set(VT_ERR_INVALID, "an edit request has an \"edit\""
                                                           " object (set, unset)"));
        json_object_foreach((json_t *)edit, key, v)
            if (strcmp(key, "set") != 0 && strcmp(key, "unset") != 0)
                return invalid(r, vt_error_set(VT_ERR_INVALID,
                                               "an edit has \"set\" and \"unset\" only"));
        if (json_object_size(edit) == 0)
            return invalid(r, vt_error_set(VT_ERR_INVALID, "the edit changes nothing"));
        /* Everything apply_edit checks, on an empty record. */
        json_t *scratch = json_object();
        vt_status st = vt_meta_apply_edit(scratch, edit, NULL, NULL);
        json_decref(scratch);
        if (st != VT_OK)
            return invalid(r, st);
        if (touches_visibility(edit))
            r->kind = VT_STAFF_VISIBILITY;
    }
    r->edit = edit ? json_deep_copy(edit) : NULL;
    *ret_request = r;
    return VT_OK;
}

json_t *vt_staff_request_to_spool(const vt_staff_request *r, const char *user,
                                  const char *if_match)
{
    json_t *ids = json_array();
    for (size_t i = 0; i < r->n_ids; i++)
        json_array_append_new(ids, json_string(r->ids[i]));
    json_t *req = json_pack("{s:i, s:s, s:s, s:o}", "v", 1, "action", r->action, "user", user,
                            "ids", ids);
    if (r->edit)
        json_object_set_new(req, r->kind == VT_STAFF_ANNOTATE ? "annotation" : "edit",
                            json_deep_copy(r->edit));
    if (if_match)
        json_object_set_new(req, "if_match", json_string(if_match));
    return req;
}

char *vt_staff_version(const json_t *custom)
{
    /* json_dumps(custom, JSON_COMPACT | JSON_SORT_KEYS)'s text, by
     * vt_jsonout (the same bytes, so versions already given out still
     * match): every internal asset page computes one, and json_dumps()
     * was 3.5% of a rebuild's instructions. */
    g_autoptr(GString) text = g_string_sized_new(512);
    if (!custom || !json_object_size(custom) || vt_jsonout_append_sorted(text, custom) != VT_OK)
        g_string_assign(text, "{}");
    g_autofree char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                                      (const guchar *)text->str, text->len);
    return g_strndup(sum, 16);
}
