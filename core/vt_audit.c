/* vt_audit.c: see vt_audit.h. */
#include "vt_audit.h"

#include <string.h>

void vt_audit_append(vt_txn *txn, const char *id, gint64 time, const char *user,
                     const char *via, const json_t *change, const json_t *before,
                     const json_t *after)
{
    uint64_t seq = vt_txn_next_seq(txn, "audit");
    if (seq == 0)
        return;
    g_autofree char *key = g_strdup_printf("%s\x1f%016" G_GINT64_MODIFIER "x", id, (guint64)seq);
    json_t *c = change ? json_incref((json_t *)change) : json_object();
    json_t *b = before ? json_incref((json_t *)before) : json_object();
    json_t *a = after ? json_incref((json_t *)after) : json_object();
    json_t *entry = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o}", "time", (json_int_t)time,
                              "user", user ? user : "", "via", via ? via : "", "change", c,
                              "before", b, "after", a);
    if (!entry) {
        vt_txn_fail(txn, vt_error_set(VT_ERR_NOMEM, "cannot build an audit entry for %s", id));
        return;
    }
    vt_txn_put_json(txn, VT_TABLE_AUDIT, key, entry);
    json_decref(entry);
}

typedef struct {
    json_t *list;
    vt_txn *txn;
} list_ctx;

static bool collect(const char *key, size_t key_len, const void *val, size_t len, void *data)
{
    list_ctx *c = data;
    json_error_t err;
    json_t *e = json_loadb(val, len, 0, &err);
    (void)key;
    (void)key_len;
    if (!json_is_object(e)) {
        json_decref(e);
        return true;   /* a damaged entry is skipped, not fatal to the history */
    }
    json_array_append_new(c->list, e);
    if (json_array_size(c->list) > VT_AUDIT_LIST_MAX)
        json_array_remove(c->list, 0);
    return true;
}

json_t *vt_audit_list(vt_txn *txn, const char *id)
{
    g_autofree char *prefix = g_strdup_printf("%s\x1f", id);
    list_ctx c = {json_array(), txn};
    vt_txn_foreach(txn, VT_TABLE_AUDIT, prefix, collect, &c);
    return c.list;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "a, b (fr)" for a values array, or "(none)". */
static void append_values(GString *out, const json_t *values)
{
    size_t i;
    json_t *v;
    if (json_array_size(values) == 0) {
        g_string_append(out, "(none)");
        return;
    }
    json_array_foreach(values, i, v) {
        if (i)
            g_string_append(out, ", ");
        g_string_append(out, json_string_value(json_object_get(v, "value")) ?: "?");
        const char *lang = json_string_value(json_object_get(v, "lang"));
        if (lang)
            g_string_append_printf(out, " (%s)", lang);
    }
}

char *vt_audit_describe(const json_t *entry)
{
    GString *out = g_string_new(NULL);
    json_int_t t = json_integer_value(json_object_get(entry, "time"));
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
    g_autofree char *when = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S UTC")
                               : g_strdup("?");
    g_string_append_printf(out, "%s %s (%s)", when,
                           json_string_value(json_object_get(entry, "user")) ?: "?",
                           json_string_value(json_object_get(entry, "via")) ?: "?");
    const json_t *before = json_object_get(entry, "before");
    const json_t *after = json_object_get(entry, "after");
    /* Every field that differs, in name order. */
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)before, key, v) g_ptr_array_add(names, (char *)key);
    json_object_foreach((json_t *)after, key, v) if (!json_object_get(before, key))
        g_ptr_array_add(names, (char *)key);
    g_ptr_array_sort(names, compare_names);
    bool any = false;
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        const json_t *b = json_object_get(before, name), *a = json_object_get(after, name);
        if (json_equal((json_t *)b, (json_t *)a))
            continue;
        g_string_append_printf(out, "\n    %s: ", name);
        append_values(out, b);
        g_string_append(out, " -> ");
        append_values(out, a);
        any = true;
    }
    if (!any)
        g_string_append(out, "\n    (no change)");
    return g_string_free(out, FALSE);
}
