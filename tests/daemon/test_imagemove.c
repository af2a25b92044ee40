/* Tests of vt_imagemove: an asset's images follow its visibility between
 * [images] dir and internal-dir. A visibility change noted in the store
 * moves every file (pyramid, static tiles, thumbnail, download) and
 * rewrites info.json's id; a stale copy at the new place (left by an
 * earlier move) gives way to the current file the record names; a file
 * moved before a crash is not moved again; nothing noted, nothing done. */
#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <string.h>

#include "vt_file.h"
#include "vt_imagemove.h"
#include "vt_store.h"

#define ID "a000000000000001"

typedef struct {
    char *dir;
    vt_config *config;
    vt_store *store;
} fixture;

static void put_file(const char *root, const char *rel, const char *text)
{
    g_autofree char *path = g_build_filename(root, rel, NULL);
    g_autofree char *dir = g_path_get_dirname(path);
    g_assert_cmpint(vt_file_mkdirs(dir), ==, VT_OK);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static char *read_file(const char *root, const char *rel)
{
    g_autofree char *path = g_build_filename(root, rel, NULL);
    char *text = NULL;
    return g_file_get_contents(path, &text, NULL, NULL) ? text : NULL;
}

static void fixture_open(fixture *f)
{
    f->dir = g_dir_make_tmp("vt-imagemove-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    const char *conf =
        "[vitrine]\nstate-dir=state\noriginals-dir=originals\nquarantine-dir=quarantine\n"
        "spool-dir=spool\n[images]\nserver=static\ndir=images\n"
        "base-url=https://c.example.org/images\n"
        "[site]\ndir=site\nbase-url=https://c.example.org\n"
        "[department:photo]\nhotfolder=hot/photo\nlabel=Photography\n";
    g_assert_cmpint(vt_config_load_data(conf, "test.conf", f->dir, &f->config), ==, VT_OK);
    g_assert_cmpint(vt_store_open(f->config->state_dir, 0, &f->store), ==, VT_OK);
}

static void fixture_close(fixture *f)
{
    vt_store_close(f->store);
    vt_config_free(f->config);
    vt_file_remove_tree(f->dir);
    g_free(f->dir);
}

/* A READY asset of @visibility whose four files are in @root. */
static vt_asset *asset_in(const fixture *f, const char *root, vt_visibility visibility)
{
    vt_asset *a = vt_asset_new();
    a->id = g_strdup(ID);
    a->department = g_strdup("photo");
    a->state = VT_ASSET_READY;
    memset(a->sha256, 'a', 64);
    a->visibility = visibility;
    a->image = g_build_filename(root, ID ".tif", NULL);
    a->tiles = g_build_filename(root, ID, NULL);
    a->thumbnail = g_build_filename(root, "derivatives", ID "-thumb.jpg", NULL);
    a->download = g_build_filename(root, "derivatives", ID "-download.jpg", NULL);
    (void)f;
    return a;
}

typedef struct {
    const fixture *f;
    const vt_asset *a;
} put_ctx;

/* The asset as stored, and the note a visibility edit leaves. */
static vt_status put_fn(vt_txn *txn, void *data)
{
    put_ctx *c = data;
    vt_asset_put(txn, c->a);
    vt_imagemove_note(txn, c->f->config, c->a);
    return vt_txn_status(txn);
}

static void store_asset(fixture *f, const vt_asset *a)
{
    put_ctx c = {f, a};
    g_assert_cmpint(vt_store_write(f->store, put_fn, &c), ==, VT_OK);
}

typedef struct {
    vt_asset *a;
} get_ctx;

static vt_status get_fn(vt_txn *txn, void *data)
{
    return vt_asset_get(txn, ID, &((get_ctx *)data)->a);
}

static vt_asset *stored(fixture *f)
{
    get_ctx g = {NULL};
    g_assert_cmpint(vt_store_read(f->store, get_fn, &g), ==, VT_OK);
    return g.a;
}

static void write_files(const char *root, const char *tag)
{
    g_autofree char *info = g_strdup_printf("{\"id\": \"https://old.example.org/%s\", "
                                            "\"tag\": \"%s\"}", ID, tag);
    put_file(root, ID ".tif", tag);
    put_file(root, ID "/info.json", info);
    put_file(root, ID "/0,0,512,512/512,/0/default.jpg", tag);
    put_file(root, "derivatives/" ID "-thumb.jpg", tag);
    put_file(root, "derivatives/" ID "-download.jpg", tag);
}

static void assert_files(const char *root, const char *tag, const char *url)
{
    g_autofree char *tif = read_file(root, ID ".tif");
    g_autofree char *tile = read_file(root, ID "/0,0,512,512/512,/0/default.jpg");
    g_autofree char *thumb = read_file(root, "derivatives/" ID "-thumb.jpg");
    g_autofree char *download = read_file(root, "derivatives/" ID "-download.jpg");
    g_assert_cmpstr(tif, ==, tag);
    g_assert_cmpstr(tile, ==, tag);
    g_assert_cmpstr(thumb, ==, tag);
    g_assert_cmpstr(download, ==, tag);
    g_autofree char *info_text = read_file(root, ID "/info.json");
    json_t *info = json_loads(info_text, 0, NULL);
    g_assert_cmpstr(json_string_value(json_object_get(info, "id")), ==, url);
    g_assert_cmpstr(json_string_value(json_object_get(info, "tag")), ==, tag);
    json_decref(info);
}

static void assert_gone(const char *root)
{
    static const char *const rels[] = {ID ".tif", ID, "derivatives/" ID "-thumb.jpg",
                                       "derivatives/" ID "-download.jpg"};
    for (size_t i = 0; i < G_N_ELEMENTS(rels); i++) {
        g_autofree char *path = g_build_filename(root, rels[i], NULL);
        g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    }
}

static void test_there_and_back(void)
{
    fixture f;
    fixture_open(&f);
    const char *pub = f.config->images_dir, *internal = f.config->images_internal_dir;
    write_files(pub, "current");

    /* Public and in place: nothing noted, nothing to do. */
    vt_asset *a = asset_in(&f, pub, VT_VISIBILITY_PUBLIC);
    g_assert_true(vt_imagemove_in_place(f.config, a));
    store_asset(&f, a);
    g_assert_false(vt_imagemove_pending(f.store));

    /* Made internal: noted, then moved, with info.json naming its new URL. */
    a->visibility = VT_VISIBILITY_INTERNAL;
    g_assert_false(vt_imagemove_in_place(f.config, a));
    store_asset(&f, a);
    g_assert_true(vt_imagemove_pending(f.store));
    unsigned moved = 0;
    g_assert_cmpint(vt_imagemove_run(f.config, f.store, &moved), ==, VT_OK);
    g_assert_cmpuint(moved, ==, 1);
    g_assert_false(vt_imagemove_pending(f.store));
    assert_files(internal, "current", "https://c.example.org/internal/images/" ID);
    assert_gone(pub);
    vt_asset *now = stored(&f);
    g_assert_true(vt_imagemove_in_place(f.config, now));
    g_autofree char *want = g_build_filename(internal, "derivatives", ID "-thumb.jpg", NULL);
    g_assert_cmpstr(now->thumbnail, ==, want);

    /* Public again, with a stale copy left at the public place: the file
     * the record names (the internal one) wins. */
    write_files(pub, "stale");
    now->visibility = VT_VISIBILITY_PUBLIC;
    store_asset(&f, now);
    g_assert_cmpint(vt_imagemove_run(f.config, f.store, &moved), ==, VT_OK);
    g_assert_cmpuint(moved, ==, 1);
    assert_files(pub, "current", "https://c.example.org/images/" ID);
    assert_gone(internal);
    vt_asset_free(now);
    vt_asset_free(a);
    fixture_close(&f);
}

/* A crash after some files moved: the record still names the old root for
 * all four; the run moves the rest and takes the moved ones as done. */
static void test_half_moved(void)
{
    fixture f;
    fixture_open(&f);
    const char *pub = f.config->images_dir, *internal = f.config->images_internal_dir;
    write_files(pub, "current");
    vt_asset *a = asset_in(&f, pub, VT_VISIBILITY_INTERNAL);
    store_asset(&f, a);
    g_autofree char *from = g_build_filename(pub, ID ".tif", NULL);
    g_autofree char *to = g_build_filename(internal, ID ".tif", NULL);
    g_assert_cmpint(vt_file_mkdirs(internal), ==, VT_OK);
    g_assert_cmpint(g_rename(from, to), ==, 0);
    unsigned moved = 0;
    g_assert_cmpint(vt_imagemove_run(f.config, f.store, &moved), ==, VT_OK);
    g_assert_cmpuint(moved, ==, 1);
    assert_files(internal, "current", "https://c.example.org/internal/images/" ID);
    assert_gone(pub);

    /* A file gone from both places is reported, and its mark stays. */
    vt_asset *now = stored(&f);
    now->visibility = VT_VISIBILITY_PUBLIC;
    store_asset(&f, now);
    g_assert_cmpint(g_unlink(to), ==, 0);
    g_assert_cmpint(vt_imagemove_run(f.config, f.store, &moved), ==, VT_ERR_NOT_FOUND);
    g_assert_nonnull(strstr(vt_error_message(), ID ".tif is missing"));
    g_assert_true(vt_imagemove_pending(f.store));
    vt_asset_free(now);
    vt_asset_free(a);
    fixture_close(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/imagemove/there-and-back", test_there_and_back);
    g_test_add_func("/imagemove/half-moved", test_half_moved);
    return g_test_run();
}
