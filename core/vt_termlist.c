/* vt_termlist.c: see vt_termlist.h. Records are collected as plain structs
 * and sorted before any JSON is built: a vocabulary has tens of thousands
 * of terms, and terms.json is rewritten after changes. */
#include "vt_termlist.h"

#include <string.h>

#include "vt_jsonparse.h"

typedef struct {
    const char *field;
    const char *display;
    json_int_t count;
} term;

typedef struct {
    bool public_only;
    GArray *terms;
    GStringChunk *strings;
} collect_ctx;

static bool collect(const char *key, size_t key_len, const void *val, size_t len, void *data)
{
    collect_ctx *c = data;
    const char *sep = memchr(key, VT_TERMLIST_SEP[0], key_len);
    if (!sep)
        return true;
    json_t *v = vt_jsonparse_load(val, len, 0, NULL);
    json_int_t count = json_integer_value(json_object_get(v, c->public_only ? "public" : "count"));
    const char *display = json_string_value(json_object_get(v, "display"));
    if (count > 0 && display) {
        term t = {g_string_chunk_insert_len(c->strings, key, (gssize)(sep - key)),
                  g_string_chunk_insert(c->strings, display), count};
        g_array_append_val(c->terms, t);
    }
    json_decref(v);
    return true;
}

static gint by_count_desc(gconstpointer pa, gconstpointer pb)
{
    const term *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    int c = strcmp(a->field, b->field);
    return c ? c : strcmp(a->display, b->display);
}

json_t *vt_termlist_read(vt_txn *txn, const char *field, bool public_only, size_t max)
{
    collect_ctx c = {public_only, g_array_new(FALSE, FALSE, sizeof(term)),
                     g_string_chunk_new(64 * 1024)};
    g_autofree char *prefix = field ? g_strconcat(field, VT_TERMLIST_SEP, NULL) : NULL;
    vt_txn_foreach(txn, VT_TABLE_TERMS, prefix, collect, &c);
    g_array_sort(c.terms, by_count_desc);
    json_t *list = json_array();
    for (guint i = 0; i < c.terms->len && (max == 0 || i < max); i++) {
        const term *t = &g_array_index(c.terms, term, i);
        json_array_append_new(list, json_pack("{s:s, s:s, s:I}", "field", t->field, "term",
                                              t->display, "count", t->count));
    }
    g_array_free(c.terms, TRUE);
    g_string_chunk_free(c.strings);
    return list;
}
