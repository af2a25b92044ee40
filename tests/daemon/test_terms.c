/* Tests of vt_terms: counts per field follow asset changes, spellings fold
 * together, and public counts never include internal assets. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "vt_store.h"
#include "vt_termlist.h"
#include "vt_terms.h"

typedef struct {
    const json_t *before, *after;
    bool before_public, after_public;
} change;

static vt_status change_fn(vt_txn *txn, void *data)
{
    const change *c = data;
    vt_terms_update(txn, (vt_terms_side){c->before, c->before_public},
                    (vt_terms_side){c->after, c->after_public});
    return vt_txn_status(txn);
}

typedef struct {
    const char *field;
    bool public_only;
    json_t *out;
    size_t max;
} list_args;

static vt_status list_fn(vt_txn *txn, void *data)
{
    list_args *a = data;
    a->out = vt_termlist_read(txn, a->field, a->public_only, a->max);
    return vt_txn_status(txn);
}

static json_int_t count_of(vt_store *store, const char *field, const char *term, bool public_only)
{
    list_args a = {field, public_only, NULL, 0};
    g_assert_cmpint(vt_store_read(store, list_fn, &a), ==, VT_OK);
    json_int_t n = 0;
    size_t i;
    json_t *t;
    json_array_foreach(a.out, i, t)
        if (g_ascii_strcasecmp(json_string_value(json_object_get(t, "term")), term) == 0)
            n = json_integer_value(json_object_get(t, "count"));
    json_decref(a.out);
    return n;
}

static void apply(vt_store *store, const json_t *before, bool bp, const json_t *after, bool ap)
{
    change c = {before, after, bp, ap};
    g_assert_cmpint(vt_store_write(store, change_fn, &c), ==, VT_OK);
}

static void test_terms(void)
{
    g_autofree char *dir = g_dir_make_tmp("vt-terms-XXXXXX", NULL);
    vt_store *store = NULL;
    g_assert_cmpint(vt_store_open(dir, 0, &store), ==, VT_OK);

    json_t *a = json_pack("{s:{s:[{s:s}, {s:s}]}}", "custom", "keywords", "value", "Vernis",
                          "value", "craquelure");
    json_t *b = json_pack("{s:{s:[{s:s, s:s}]}, s:{s:[{s:s}]}}", "custom", "keywords", "value",
                          "vernis ", "lang", "nl", "harvested", "creator", "value", "Rubens");

    apply(store, NULL, false, a, true);           /* a public asset appears */
    g_assert_cmpint(count_of(store, "keywords", "vernis", false), ==, 1);
    g_assert_cmpint(count_of(store, "keywords", "vernis", true), ==, 1);
    apply(store, NULL, false, b, false);          /* an internal one, "vernis " folds in */
    g_assert_cmpint(count_of(store, "keywords", "vernis", false), ==, 2);
    g_assert_cmpint(count_of(store, "keywords", "vernis", true), ==, 1);
    g_assert_cmpint(count_of(store, "creator", "rubens", false), ==, 1);
    g_assert_cmpint(count_of(store, "creator", "rubens", true), ==, 0);   /* never public */

    apply(store, b, false, b, true);              /* the internal one is made public */
    g_assert_cmpint(count_of(store, "keywords", "vernis", true), ==, 2);
    g_assert_cmpint(count_of(store, "creator", "rubens", true), ==, 1);
    g_assert_cmpint(count_of(store, "keywords", "vernis", false), ==, 2);

    /* The list: most used first, then by field and term; @max cuts it. */
    list_args top = {NULL, false, NULL, 0};
    g_assert_cmpint(vt_store_read(store, list_fn, &top), ==, VT_OK);
    g_assert_cmpuint(json_array_size(top.out), ==, 3);
    const char *order[][2] = {{"keywords", "Vernis"}, {"creator", "Rubens"}, {"keywords", "craquelure"}};
    for (size_t i = 0; i < 3; i++) {
        json_t *t = json_array_get(top.out, i);
        g_assert_cmpstr(json_string_value(json_object_get(t, "field")), ==, order[i][0]);
        g_assert_cmpstr(json_string_value(json_object_get(t, "term")), ==, order[i][1]);
    }
    json_decref(top.out);
    list_args first = {NULL, false, NULL, 1};
    g_assert_cmpint(vt_store_read(store, list_fn, &first), ==, VT_OK);
    g_assert_cmpuint(json_array_size(first.out), ==, 1);
    json_decref(first.out);

    apply(store, a, true, b, true);               /* a's metadata replaced by b's */
    g_assert_cmpint(count_of(store, "keywords", "craquelure", false), ==, 0);
    g_assert_cmpint(count_of(store, "keywords", "vernis", false), ==, 2);
    g_assert_cmpint(count_of(store, "creator", "rubens", false), ==, 2);

    apply(store, b, true, NULL, false);           /* gone */
    apply(store, b, true, NULL, false);
    g_assert_cmpint(count_of(store, "keywords", "vernis", false), ==, 0);
    list_args all = {NULL, false, NULL, 0};
    g_assert_cmpint(vt_store_read(store, list_fn, &all), ==, VT_OK);
    g_assert_cmpuint(json_array_size(all.out), ==, 0);   /* nothing left behind */
    json_decref(all.out);

    json_decref(a);
    json_decref(b);
    vt_store_close(store);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    g_assert_cmpint(system(cmd), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/terms/counts", test_terms);
    return g_test_run();
}
