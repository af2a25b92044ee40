/* Tests of vt_pipeline in batch mode, in-process, with the real conversion
 * child: outcomes of good and bad drops, and the crash-resume states that
 * make "each file exactly once" true. Images are made with the `vips`
 * command line (libvips-tools). */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt_asset.h"
#include "vt_file.h"
#include "vt_pipeline.h"
#include "vt_store.h"

typedef struct {
    char *dir;
    char *hot;
    vt_config *config;
    vt_store *store;
    GMainLoop *loop;
    unsigned ingested, quarantined, errors;
} fixture;

static void on_event(const vt_event *e, void *data)
{
    fixture *f = data;
    if (e->kind == VT_EVENT_INGESTED)
        f->ingested++;
    else if (e->kind == VT_EVENT_QUARANTINED)
        f->quarantined++;
    else if (e->kind == VT_EVENT_ERROR || e->kind == VT_EVENT_PENDING) {
        f->errors++;
        g_test_message("event: %s", e->message ? e->message : "");
    }
}

static void on_idle(void *data)
{
    fixture *f = data;
    g_main_loop_quit(f->loop);
}

static void make_image(const char *path, int width, int height)
{
    g_autofree char *cmd = g_strdup_printf("vips gaussnoise '%s' %d %d", path, width, height);
    int status = 0;
    g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, &status, NULL));
    g_assert_cmpint(status, ==, 0);
}

static void setup(fixture *f, gconstpointer data)
{
    f->dir = g_dir_make_tmp("vt-pipeline-XXXXXX", NULL);
    f->hot = g_build_filename(f->dir, "hot", "photo", NULL);
    g_assert_cmpint(vt_file_mkdirs(f->hot), ==, VT_OK);
    const char *conf =
        "[vitrine]\nstate-dir=state\noriginals-dir=originals\nquarantine-dir=quarantine\n"
        "spool-dir=spool\nworkers=2\n"
        "[images]\nserver=cantaloupe\ndir=images\nbase-url=http://127.0.0.1/iiif/3\n"
        "[department:photo]\nhotfolder=hot/photo\nintervention=^([0-9]{4}\\.[0-9]{4,5})\n";
    g_assert_cmpint(vt_config_load_data(conf, "test", f->dir, &f->config), ==, VT_OK);
    g_assert_cmpint(vt_store_open(f->config->state_dir, VT_STORE_WRITER, &f->store), ==, VT_OK);
    f->loop = g_main_loop_new(NULL, FALSE);
}

static void teardown(fixture *f, gconstpointer data)
{
    vt_store_close(f->store);
    vt_config_free(f->config);
    g_main_loop_unref(f->loop);
    if (!getenv("VT_KEEP")) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
        g_assert_cmpint(system(cmd), ==, 0);
    }
    g_free(f->hot);
    g_free(f->dir);
}

static void run_batch(fixture *f)
{
    vt_pipeline_options opt = {.daemon = false, .on_event = on_event, .on_idle = on_idle, .data = f};
    vt_pipeline *p = NULL;
    g_assert_cmpint(vt_pipeline_new(f->config, f->store, &opt, &p), ==, VT_OK);
    g_assert_cmpint(vt_pipeline_start(p, NULL), ==, VT_OK);
    g_main_loop_run(f->loop);
    g_assert_true(vt_pipeline_is_idle(p));
    vt_pipeline_free(p);
}

static bool collect(const vt_asset *a, void *data)
{
    g_ptr_array_add(data, vt_asset_dup(a));
    return true;
}

static vt_status collect_fn(vt_txn *txn, void *data)
{
    vt_asset_foreach(txn, collect, data);
    return vt_txn_status(txn);
}

static GPtrArray *assets(fixture *f)
{
    GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)vt_asset_free);
    g_assert_cmpint(vt_store_read(f->store, collect_fn, all), ==, VT_OK);
    return all;
}

static unsigned count_entries(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    unsigned n = 0;
    while (d && g_dir_read_name(d))
        n++;
    if (d)
        g_dir_close(d);
    return n;
}

static void test_outcomes(fixture *f, gconstpointer data)
{
    g_autofree char *a = g_build_filename(f->hot, "2019.12345_front.jpg", NULL);
    g_autofree char *b = g_build_filename(f->hot, "sub", "b.png", NULL);
    g_autofree char *sub = g_build_filename(f->hot, "sub", NULL);
    g_autofree char *empty = g_build_filename(f->hot, "empty.jpg", NULL);
    g_autofree char *link = g_build_filename(f->hot, "link.jpg", NULL);
    g_autofree char *dup = g_build_filename(f->hot, "copy of front.jpg", NULL);
    g_autofree char *junk = g_build_filename(f->hot, "notes.txt", NULL);
    g_autofree char *ignored = g_build_filename(f->hot, ".DS_Store", NULL);
    g_autofree char *sidecar = g_build_filename(f->hot, "2019.12345_front.xmp", NULL);
    g_assert_cmpint(vt_file_mkdirs(sub), ==, VT_OK);
    make_image(a, 320, 200);
    make_image(b, 64, 640);
    g_assert_true(g_file_set_contents(empty, "", 0, NULL));
    g_assert_cmpint(symlink("/etc/passwd", link), ==, 0);
    g_autofree char *a_bytes = NULL;
    gsize a_len = 0;
    g_assert_true(g_file_get_contents(a, &a_bytes, &a_len, NULL));
    g_assert_true(g_file_set_contents(junk, "not an image at all\n", -1, NULL));
    g_assert_true(g_file_set_contents(ignored, "finder", -1, NULL));
    g_assert_true(g_file_set_contents(sidecar, "<x:xmpmeta/>", -1, NULL));

    run_batch(f);

    /* Two images ready; the text file became an asset that was quarantined
     * after archiving; empty, link and duplicate never became assets. */
    g_autoptr(GPtrArray) all = assets(f);
    unsigned ready = 0, quarantined = 0;
    for (guint i = 0; i < all->len; i++) {
        const vt_asset *x = g_ptr_array_index(all, i);
        if (x->state == VT_ASSET_READY) {
            ready++;
            g_assert_true(g_file_test(x->image, G_FILE_TEST_IS_REGULAR));
            g_assert_true(g_file_test(x->original, G_FILE_TEST_IS_REGULAR));
            char sum[VT_SHA256_HEX_LEN + 1];
            g_assert_cmpint(vt_file_sha256(x->original, sum, NULL), ==, VT_OK);
            g_assert_cmpstr(sum, ==, x->sha256);
            if (strcmp(x->source, "2019.12345_front.jpg") == 0) {
                g_assert_cmpstr(x->intervention, ==, "2019.12345");
                g_assert_cmpint(x->width, ==, 320);
                g_assert_cmpint(x->height, ==, 200);
            } else {
                g_assert_cmpstr(x->source, ==, "sub/b.png");
                g_assert_null(x->intervention);
            }
        } else {
            g_assert_cmpint(x->state, ==, VT_ASSET_QUARANTINED);
            g_assert_cmpstr(x->source, ==, "notes.txt");
            g_assert_nonnull(x->reason);
            quarantined++;
        }
    }
    g_assert_cmpuint(ready, ==, 2);
    g_assert_cmpuint(quarantined, ==, 1);
    g_assert_cmpuint(f->ingested, ==, 2);
    g_assert_cmpuint(f->quarantined, ==, 3);   /* empty, link, text */
    g_assert_cmpuint(f->errors, ==, 0);

    /* The hotfolder keeps only what is not content. */
    g_assert_false(g_file_test(a, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(b, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(link, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(ignored, G_FILE_TEST_EXISTS));
    /* The sidecar travelled with its image into the archive. */
    g_assert_false(g_file_test(sidecar, G_FILE_TEST_EXISTS));
    g_autofree char *archived_sidecar = g_build_filename(f->config->originals_dir, "photo",
                                                         "2019.12345_front.xmp", NULL);
    g_assert_true(g_file_test(archived_sidecar, G_FILE_TEST_IS_REGULAR));

    /* A later copy of the same bytes under another name is a duplicate.
     * (Which of two copies in one run wins is a matter of timing, so the
     * copy comes in a run of its own.) */
    g_assert_true(g_file_set_contents(dup, a_bytes, (gssize)a_len, NULL));
    f->quarantined = 0;
    run_batch(f);
    g_assert_cmpuint(f->quarantined, ==, 1);

    /* Quarantined drops keep their bytes and get a reason. */
    g_autofree char *qdup = g_build_filename(f->config->quarantine_dir, "photo", "copy of front.jpg",
                                             NULL);
    g_autofree char *qdup_why = g_strconcat(qdup, ".reason.txt", NULL);
    g_autofree char *qdup_bytes = NULL;
    gsize qdup_len = 0;
    g_assert_true(g_file_get_contents(qdup, &qdup_bytes, &qdup_len, NULL));
    g_assert_cmpmem(qdup_bytes, qdup_len, a_bytes, a_len);
    g_autofree char *why = NULL;
    g_assert_true(g_file_get_contents(qdup_why, &why, NULL, NULL));
    g_assert_nonnull(strstr(why, "duplicate of"));
    g_autofree char *qlink = g_build_filename(f->config->quarantine_dir, "photo", "link.jpg", NULL);
    g_assert_true(g_file_test(qlink, G_FILE_TEST_IS_SYMLINK));
    g_autofree char *qtext = g_build_filename(f->config->quarantine_dir, "photo", "notes.txt", NULL);
    g_assert_true(g_file_test(qtext, G_FILE_TEST_IS_REGULAR));

    /* No temporary names left among the images. */
    GDir *d = g_dir_open(f->config->images_dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(d)))
        g_assert_false(g_str_has_prefix(name, ".tmp-"));
    g_dir_close(d);

    /* A second run finds nothing to do and changes nothing. */
    f->ingested = f->quarantined = 0;
    run_batch(f);
    g_assert_cmpuint(f->ingested + f->quarantined, ==, 0);
    g_autoptr(GPtrArray) again = assets(f);
    g_assert_cmpuint(again->len, ==, all->len);
}

typedef struct {
    vt_asset *asset;
} put_ctx;

static vt_status put_fn(vt_txn *txn, void *data)
{
    vt_asset_put(txn, data);
    return vt_txn_status(txn);
}

/* A crash after the archive copy was verified but before the source was
 * removed: the next run must finish the step, not ingest a duplicate. The
 * copy's temporary is left too (what a crash between link() and unlink()
 * left on a file system without renameat2): the step removes it. */
static void test_resume_archiving(fixture *f, gconstpointer data)
{
    g_autofree char *src = g_build_filename(f->hot, "2020.00001.jpg", NULL);
    make_image(src, 100, 80);
    vt_asset *a = vt_asset_new();
    g_assert_cmpint(vt_file_sha256(src, a->sha256, &a->size), ==, VT_OK);
    a->id = g_strndup(a->sha256, 16);
    a->department = g_strdup("photo");
    a->source = g_strdup("2020.00001.jpg");
    a->state = VT_ASSET_ARCHIVING;
    a->original = g_build_filename(f->config->originals_dir, "photo", "2020.00001.jpg", NULL);
    g_autofree char *odir = g_path_get_dirname(a->original);
    g_assert_cmpint(vt_file_mkdirs(odir), ==, VT_OK);
    g_assert_cmpint(vt_file_copy_durable(src, a->original), ==, VT_OK);
    g_autofree char *leftover = g_build_filename(odir, ".tmp-2020.00001.jpg", NULL);
    g_assert_cmpint(link(a->original, leftover), ==, 0);
    g_assert_cmpint(vt_store_write(f->store, put_fn, a), ==, VT_OK);

    run_batch(f);

    g_autoptr(GPtrArray) all = assets(f);
    g_assert_cmpuint(all->len, ==, 1);
    const vt_asset *x = g_ptr_array_index(all, 0);
    g_assert_cmpstr(x->id, ==, a->id);
    g_assert_cmpint(x->state, ==, VT_ASSET_READY);
    g_assert_false(g_file_test(src, G_FILE_TEST_EXISTS));
    g_assert_cmpuint(f->quarantined, ==, 0);
    g_assert_cmpuint(count_entries(odir), ==, 1);
    vt_asset_free(a);
}

/* A crash during a conversion: CONVERTING in the store, a half-written
 * temporary pyramid on disk. */
static void test_resume_converting(fixture *f, gconstpointer data)
{
    vt_asset *a = vt_asset_new();
    a->original = g_build_filename(f->config->originals_dir, "photo", "x.jpg", NULL);
    g_autofree char *odir = g_path_get_dirname(a->original);
    g_assert_cmpint(vt_file_mkdirs(odir), ==, VT_OK);
    make_image(a->original, 90, 90);
    g_assert_cmpint(vt_file_sha256(a->original, a->sha256, &a->size), ==, VT_OK);
    a->id = g_strndup(a->sha256, 16);
    a->department = g_strdup("photo");
    a->source = g_strdup("x.jpg");
    a->state = VT_ASSET_CONVERTING;
    g_assert_cmpint(vt_file_mkdirs(f->config->images_dir), ==, VT_OK);
    g_autofree char *leftover = g_strdup_printf("%s/.tmp-%s.tif", f->config->images_dir, a->id);
    g_assert_true(g_file_set_contents(leftover, "half a pyramid", -1, NULL));
    g_assert_cmpint(vt_store_write(f->store, put_fn, a), ==, VT_OK);

    run_batch(f);

    g_autoptr(GPtrArray) all = assets(f);
    g_assert_cmpuint(all->len, ==, 1);
    const vt_asset *x = g_ptr_array_index(all, 0);
    g_assert_cmpint(x->state, ==, VT_ASSET_READY);
    g_assert_cmpint(x->width, ==, 90);
    g_assert_false(g_file_test(leftover, G_FILE_TEST_EXISTS));
    vt_asset_free(a);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* Find the conversion child in the build tree. */
    const char *bin = getenv("VT_BIN_DIR");
    if (bin && !getenv("VT_CONVERT")) {
        g_autofree char *child = g_build_filename(bin, "vitrine-convert", NULL);
        g_setenv("VT_CONVERT", child, TRUE);
    }
    g_test_add("/pipeline/outcomes", fixture, NULL, setup, test_outcomes, teardown);
    g_test_add("/pipeline/resume-archiving", fixture, NULL, setup, test_resume_archiving, teardown);
    g_test_add("/pipeline/resume-converting", fixture, NULL, setup, test_resume_converting, teardown);
    return g_test_run();
}
