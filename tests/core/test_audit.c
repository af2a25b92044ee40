/* Tests of vt_audit: entries appended in a write transaction, listed per
 * asset oldest first, described for people. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "vt_audit.h"

typedef struct {
    json_t *list;
    const char *id;
} ctx;

static vt_status append_fn(vt_txn *txn, void *data)
{
    (void)data;
    json_t *before = json_object();
    json_t *after = json_pack("{s:[{s:s}]}", "keywords", "value", "craquelure");
    json_t *change = json_pack("{s:{s:[s]}}", "set", "keywords", "craquelure");
    vt_audit_append(txn, "asset1", 1700000000, "jdoe", "web", change, before, after);
    vt_audit_append(txn, "asset10", 1700000001, "other", "web", change, NULL, after);
    json_t *after2 = json_pack("{s:[{s:s},{s:s,s:s}]}", "keywords", "value", "craquelure",
                               "value", "vernis", "lang", "nl");
    vt_audit_append(txn, "asset1", 1700000060, "asmit", "tool", NULL, after, after2);
    json_decref(before);
    json_decref(after);
    json_decref(after2);
    json_decref(change);
    return vt_txn_status(txn);
}

static vt_status list_fn(vt_txn *txn, void *data)
{
    ctx *c = data;
    c->list = vt_audit_list(txn, c->id);
    return vt_txn_status(txn);
}

static void test_audit(void)
{
    g_autofree char *dir = g_dir_make_tmp("vt-audit-XXXXXX", NULL);
    vt_store *store = NULL;
    g_assert_cmpint(vt_store_open(dir, VT_STORE_WRITER, &store), ==, VT_OK);
    g_assert_cmpint(vt_store_write(store, append_fn, NULL), ==, VT_OK);

    ctx c = {NULL, "asset1"};
    g_assert_cmpint(vt_store_read(store, list_fn, &c), ==, VT_OK);
    /* asset10's entry is not asset1's, though its id starts the same. */
    g_assert_cmpuint(json_array_size(c.list), ==, 2);
    json_t *first = json_array_get(c.list, 0), *second = json_array_get(c.list, 1);
    g_assert_cmpstr(json_string_value(json_object_get(first, "user")), ==, "jdoe");
    g_assert_cmpstr(json_string_value(json_object_get(second, "via")), ==, "tool");
    g_assert_cmpint(json_integer_value(json_object_get(first, "time")), ==, 1700000000);
    g_assert_cmpuint(json_object_size(json_object_get(first, "before")), ==, 0);
    g_assert_true(json_is_object(json_object_get(second, "change")));

    g_autofree char *line = vt_audit_describe(first);
    g_assert_cmpstr(line, ==, "2023-11-14 22:13:20 UTC jdoe (web)\n"
                              "    keywords: (none) -> craquelure");
    g_autofree char *line2 = vt_audit_describe(second);
    g_assert_nonnull(strstr(line2, "keywords: craquelure -> craquelure, vernis (nl)"));
    json_decref(c.list);

    c.id = "nothing";
    g_assert_cmpint(vt_store_read(store, list_fn, &c), ==, VT_OK);
    g_assert_cmpuint(json_array_size(c.list), ==, 0);
    json_decref(c.list);

    vt_store_close(store);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    g_assert_cmpint(system(cmd), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/audit/append-list-describe", test_audit);
    return g_test_run();
}
