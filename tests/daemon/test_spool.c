/* Tests of vt_spool: order, removal after success, rejection with reason. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt_spool.h"

typedef struct {
    GPtrArray *seen;
} seen_ctx;

static vt_status take_fn(const json_t *req, const char *name, void *data)
{
    seen_ctx *c = data;
    const char *action = json_string_value(json_object_get(req, "action"));
    g_ptr_array_add(c->seen, g_strdup(action));
    if (strcmp(action, "refuse") == 0)
        return vt_error_set(VT_ERR_INVALID, "refused on purpose");
    return VT_OK;
}

static unsigned count_files(const char *dir, const char *suffix)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    unsigned n = 0;
    const char *name;
    while (d && (name = g_dir_read_name(d)))
        n += g_str_has_suffix(name, suffix);
    if (d)
        g_dir_close(d);
    return n;
}

static void test_spool(void)
{
    g_autofree char *tmp = g_dir_make_tmp("vt-spool-XXXXXX", NULL);
    g_autofree char *spool = g_build_filename(tmp, "spool", NULL);
    const char *actions[] = {"first", "refuse", "third"};
    for (size_t i = 0; i < G_N_ELEMENTS(actions); i++) {
        json_t *req = json_pack("{s:i, s:s}", "v", 1, "action", actions[i]);
        g_autofree char *name = NULL;
        g_assert_cmpint(vt_spool_submit(spool, req, &name), ==, VT_OK);
        g_assert_true(g_str_has_suffix(name, ".json"));
        json_decref(req);
        g_usleep(1000);   /* distinct microsecond prefixes, so order is by time */
    }
    /* Garbage from outside is rejected, not dropped. */
    g_autofree char *junk = g_build_filename(spool, "0000000000000000-1-junk.json", NULL);
    g_assert_true(g_file_set_contents(junk, "{not json", -1, NULL));

    seen_ctx c = {g_ptr_array_new_with_free_func(g_free)};
    unsigned taken = 0;
    g_assert_cmpint(vt_spool_take(spool, take_fn, &c, &taken), ==, VT_OK);
    g_assert_cmpuint(taken, ==, 4);
    g_assert_cmpuint(c.seen->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(c.seen, 0), ==, "first");
    g_assert_cmpstr(g_ptr_array_index(c.seen, 1), ==, "refuse");
    g_assert_cmpstr(g_ptr_array_index(c.seen, 2), ==, "third");
    g_assert_cmpuint(count_files(spool, ".json"), ==, 0);

    g_autofree char *rejected = g_build_filename(spool, "rejected", NULL);
    g_assert_cmpuint(count_files(rejected, ".json"), ==, 2);
    g_assert_cmpuint(count_files(rejected, ".reason.txt"), ==, 2);
    g_autofree char *why_path = g_build_filename(rejected, "0000000000000000-1-junk.json.reason.txt",
                                                 NULL);
    g_autofree char *why = NULL;
    g_assert_true(g_file_get_contents(why_path, &why, NULL, NULL));
    g_assert_nonnull(strstr(why, "not valid JSON"));

    /* Nothing pending: nothing taken. */
    g_ptr_array_set_size(c.seen, 0);
    g_assert_cmpint(vt_spool_take(spool, take_fn, &c, &taken), ==, VT_OK);
    g_assert_cmpuint(taken, ==, 0);
    g_ptr_array_free(c.seen, TRUE);

    /* A missing spool folder is not an error: nothing was ever submitted. */
    g_autofree char *none = g_build_filename(tmp, "none", NULL);
    g_assert_cmpint(vt_spool_take(none, take_fn, &c, &taken), ==, VT_OK);

    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmp);
    g_assert_cmpint(system(cmd), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/spool/order-and-rejection", test_spool);
    return g_test_run();
}
