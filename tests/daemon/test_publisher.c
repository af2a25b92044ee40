/* Tests of incremental publishing (vt_publisher, sitegen/vt_site, core/
 * vt_publog): after any series of changes, the trees the daemon keeps up to
 * date hold exactly what a full rebuild writes; nothing internal reaches the
 * public tree; a rebuild holding the site makes publishing wait without
 * losing its marks. */
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "vt_file.h"
#include "vt_publisher.h"
#include "vt_publog.h"
#include "vt_site.h"
#include "vt_store.h"
#include "vt_terms.h"

typedef struct {
    char *dir;
    vt_config *config;
    vt_store *store;
    vt_publisher *pub;
} fixture;

/* @site_extra: more lines of [site] (may be ""). */
static void fixture_open_with(fixture *f, const char *site_extra)
{
    const char *src = g_getenv("VT_SOURCE_DIR");
    g_assert_nonnull(src);
    g_autofree char *templates = g_build_filename(src, "templates", NULL);
    g_setenv("VITRINE_TEMPLATES_DIR", templates, TRUE);
    g_setenv("VITRINE_VENDOR_DIR", "/nonexistent", TRUE);  /* no copies: faster, same pages */

    f->dir = g_dir_make_tmp("vt-publisher-XXXXXX", NULL);
    g_autofree char *conf = g_strdup_printf(
        "[vitrine]\nstate-dir=state\noriginals-dir=originals\nquarantine-dir=quarantine\n"
        "spool-dir=spool\n[images]\nserver=cantaloupe\ndir=images\n"
        "base-url=https://images.example.org/iiif/3\n"
        "[site]\ndir=site\nbase-url=https://collection.example.org\n%s"
        "[department:photo]\nhotfolder=hot/photo\nlabel=Photography\nvisibility=public\n"
        "[department:lab]\nhotfolder=hot/lab\nlabel=Secret Lab\nvisibility=internal\n",
        site_extra);
    g_assert_cmpint(vt_config_load_data(conf, "test.conf", f->dir, &f->config), ==, VT_OK);
    g_assert_cmpint(vt_store_open(f->config->state_dir, 0, &f->store), ==, VT_OK);
    g_assert_cmpint(vt_publisher_open(f->config, &f->pub), ==, VT_OK);
}

static void fixture_open(fixture *f)
{
    fixture_open_with(f, "");
}

static void fixture_close(fixture *f)
{
    vt_publisher_close(f->pub);
    vt_store_close(f->store);
    vt_config_free(f->config);
    vt_file_remove_tree(f->dir);
    g_free(f->dir);
}

/* ---------------------------------------------------------------- assets */

static char *id_of(const char *department, int n)
{
    return g_strdup_printf("%c%015x", department[0] == 'p' ? 'a' : 'b', n);
}

static vt_asset *make_asset(const char *department, int n, const char *intervention,
                            const char *title)
{
    vt_asset *a = vt_asset_new();
    a->id = id_of(department, n);
    a->department = g_strdup(department);
    a->state = VT_ASSET_READY;
    a->source = g_strdup_printf("img-%d.tif", n);
    a->original = g_strdup_printf("/srv/originals/%s/img-%d.tif", department, n);
    g_autofree char *hex = g_strdup_printf("%s%s%s%s", a->id, a->id, a->id, a->id);
    memcpy(a->sha256, hex, 64);
    a->size = 1000 + (uint64_t)n;
    a->image = g_strdup_printf("/srv/images/%s.tif", a->id);
    a->width = 4000;
    a->height = 3000;
    a->format = g_strdup("tiff");
    a->intervention = intervention ? g_strdup(intervention) : NULL;
    a->visibility = department[0] == 'p' ? VT_VISIBILITY_PUBLIC : VT_VISIBILITY_INTERNAL;
    a->created = a->updated = 1700000000 + n;
    a->custom = json_pack("{s:[{s:s, s:s}], s:[{s:s}]}", "title", "value", title, "lang", "en",
                          "keywords", "value", n % 2 ? "vernis" : "craquelure");
    return a;
}

typedef struct {
    const vt_asset *before, *after;
} put_args;

static vt_status put_fn(vt_txn *txn, void *data)
{
    put_args *p = data;
    vt_terms_put_asset(txn, p->before, p->after);
    return vt_txn_status(txn);
}

static void put(fixture *f, const vt_asset *before, const vt_asset *after)
{
    put_args p = {before, after};
    g_assert_cmpint(vt_store_write(f->store, put_fn, &p), ==, VT_OK);
}

/* Writes intervention 2024.00001's harvested record, its "object" field
 * @object, as the daemon does after a harvest (its assets are marked). */
static vt_status harvest_fn(vt_txn *txn, void *data)
{
    json_t *old = vt_txn_get_json(txn, VT_TABLE_HARVEST, "2024.00001");
    json_t *rec = json_pack("{s:i, s:{s:[{s:s}]}, s:s}", "v", 1, "fields", "object", "value",
                            (const char *)data, "status", "ok");
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
    vt_terms_harvest_changed(txn, "2024.00001", json_object_get(old, "fields"),
                             json_object_get(rec, "fields"), ids);
    vt_txn_put_json(txn, VT_TABLE_HARVEST, "2024.00001", rec);
    json_decref(rec);
    json_decref(old);
    return vt_txn_status(txn);
}

static void harvest(fixture *f, const char *object)
{
    g_assert_cmpint(vt_store_write(f->store, harvest_fn, (void *)object), ==, VT_OK);
}

static vt_asset *get(fixture *f, const char *id);

static vt_status get_fn(vt_txn *txn, void *data)
{
    void **args = data;
    return vt_asset_get(txn, args[0], (vt_asset **)&args[1]);
}

static vt_asset *get(fixture *f, const char *id)
{
    void *args[2] = {(void *)id, NULL};
    g_assert_cmpint(vt_store_read(f->store, get_fn, args), ==, VT_OK);
    return args[1];
}

static unsigned flush(fixture *f)
{
    unsigned files = 0;
    g_assert_cmpint(vt_publisher_flush(f->pub, f->store, &files), ==, VT_OK);
    g_assert_false(vt_publisher_pending(f->store));
    return files;
}

/* ---------------------------------------------------------------- trees */

static bool file_exists(fixture *f, const char *tree, const char *rel)
{
    g_autofree char *path = g_build_filename(f->config->site_dir, tree, rel, NULL);
    return g_file_test(path, G_FILE_TEST_IS_REGULAR);
}

static char *read_rel(fixture *f, const char *tree, const char *rel)
{
    g_autofree char *path = g_build_filename(f->config->site_dir, tree, rel, NULL);
    char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

/* Every file of @dir (recursively, static/ left out) -> its content, with
 * the generation time blanked (it is the one thing that may differ). */
static void snapshot_dir(GHashTable *out, const char *root, const char *rel, GRegex *times)
{
    g_autofree char *path = g_build_filename(root, rel, NULL);
    GDir *dir = g_dir_open(path, 0, NULL);
    g_assert_nonnull(dir);
    const char *name;
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *child = *rel ? g_build_filename(rel, name, NULL) : g_strdup(name);
        g_autofree char *full = g_build_filename(root, child, NULL);
        if (strcmp(child, "static") == 0)
            continue;
        g_assert_false(g_str_has_prefix(name, ".tmp-"));  /* no temporary left behind */
        if (g_file_test(full, G_FILE_TEST_IS_DIR)) {
            snapshot_dir(out, root, child, times);
            continue;
        }
        g_autofree char *text = NULL;
        g_assert_true(g_file_get_contents(full, &text, NULL, NULL));
        g_hash_table_insert(out, g_strdup(child),
                            g_regex_replace_literal(times, text, -1, 0, "TIME", 0, NULL));
    }
    g_dir_close(dir);
}

static GHashTable *snapshot(fixture *f, const char *tree)
{
    GHashTable *out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GRegex) times = g_regex_new("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z", 0, 0, NULL);
    g_autofree char *root = g_build_filename(f->config->site_dir, tree, NULL);
    snapshot_dir(out, root, "", times);
    return out;
}

static void assert_same(GHashTable *incremental, GHashTable *rebuilt, const char *tree)
{
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, rebuilt);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const char *mine = g_hash_table_lookup(incremental, k);
        if (!mine)
            g_error("%s/%s: written by a rebuild, missing after incremental publishing", tree,
                    (char *)k);
        if (strcmp(mine, v) != 0)
            g_error("%s/%s: differs from a rebuild's:\n--- incremental\n%s\n--- rebuild\n%s",
                    tree, (char *)k, mine, (char *)v);
    }
    g_hash_table_iter_init(&it, incremental);
    while (g_hash_table_iter_next(&it, &k, &v))
        if (!g_hash_table_contains(rebuilt, k))
            g_error("%s/%s: left behind by incremental publishing (a rebuild has no such file)",
                    tree, (char *)k);
}

/* No file of the public tree names @needle; with @except_activity, the
 * activity stream may (an asset that was public once: its Delete tells
 * aggregators to drop it, and its earlier Create stays in the log). */
static void assert_public_names_not(GHashTable *public_tree, const char *needle,
                                    bool except_activity)
{
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, public_tree);
    while (g_hash_table_iter_next(&it, &k, &v))
        if (except_activity && g_str_has_prefix(k, "activity/"))
            continue;
        else if (strstr(v, needle) || strstr(k, needle))
            g_error("public/%s names \"%s\", which is not public", (char *)k, needle);
}

/* ---------------------------------------------------------------- tests */

#define N_PHOTO 130
#define N_LAB 5

static void test_incremental_equals_rebuild(void)
{
    fixture f;
    fixture_open(&f);

    for (int n = 1; n <= N_PHOTO; n++) {
        g_autofree char *title = g_strdup_printf("Photo %d", n);
        vt_asset *a = make_asset("photo", n, n <= 4 ? "2024.00001" : NULL, title);
        put(&f, NULL, a);
        vt_asset_free(a);
    }
    for (int n = 1; n <= N_LAB; n++) {
        g_autofree char *title = g_strdup_printf("Lab secret %d", n);
        vt_asset *a = make_asset("lab", n, n <= 2 ? "2024.00001" : "2024.09999", title);
        put(&f, NULL, a);
        vt_asset_free(a);
    }
    harvest(&f, "Harvested panel");
    g_assert_true(vt_publisher_pending(f.store));
    g_assert_false(file_exists(&f, "public", "index.html"));
    flush(&f);  /* no site yet: a full rebuild */
    g_assert_true(file_exists(&f, "public", "index.html"));
    g_assert_true(file_exists(&f, "public", "departments/photo/page-3.html"));
    g_assert_false(file_exists(&f, "public", "departments/photo/page-4.html"));
    g_assert_false(file_exists(&f, "public", "departments/lab/index.html"));
    g_assert_true(file_exists(&f, "internal", "departments/lab/index.html"));
    g_autofree char *lab1 = id_of("lab", 1);
    g_autofree char *lab_page = g_strconcat("assets/", lab1, ".html", NULL);
    g_assert_false(file_exists(&f, "public", lab_page));
    g_assert_true(file_exists(&f, "internal", lab_page));
    g_assert_false(file_exists(&f, "public", "interventions/2024.09999.html"));
    g_assert_true(file_exists(&f, "internal", "interventions/2024.09999.html"));
    g_assert_false(vt_publisher_pending(f.store));

    /* One edit: a few files, not the collection. */
    g_autofree char *id130 = id_of("photo", 130);
    vt_asset *before = get(&f, id130);
    vt_asset *after = vt_asset_dup(before);
    json_decref(after->custom);
    after->custom = json_pack("{s:[{s:s, s:s}]}", "title", "value",
                              "<script>alert(1)</script>", "lang", "en");
    put(&f, before, after);
    vt_asset_free(before);
    vt_asset_free(after);
    unsigned files = flush(&f);
    g_assert_cmpuint(files, >, 0);
    g_assert_cmpuint(files, <, 40);
    g_autofree char *page130_rel = g_strconcat("assets/", id130, ".html", NULL);
    g_autofree char *page130 = read_rel(&f, "public", page130_rel);
    g_assert_null(strstr(page130, "<script>alert(1)</script>"));
    g_assert_nonnull(strstr(page130, "&lt;script&gt;alert(1)&lt;/script&gt;"));

    /* A new harvest of the intervention: its assets' pages show it (the
     * site keeps what it parsed of the old record). */
    g_autofree char *id1 = id_of("photo", 1);
    g_autofree char *page1_rel = g_strconcat("assets/", id1, ".html", NULL);
    g_autofree char *page1 = read_rel(&f, "public", page1_rel);
    g_assert_nonnull(strstr(page1, "Harvested panel"));
    harvest(&f, "Harvested canvas");
    flush(&f);
    g_free(page1);
    page1 = read_rel(&f, "public", page1_rel);
    g_assert_null(strstr(page1, "Harvested panel"));
    g_assert_nonnull(strstr(page1, "Harvested canvas"));

    /* Photo 5 becomes internal; photo 3 moves to another intervention;
     * photo 10 is deleted; 51 new photos start a fourth listing page. */
    g_autofree char *id5 = id_of("photo", 5);
    before = get(&f, id5);
    after = vt_asset_dup(before);
    after->visibility = VT_VISIBILITY_INTERNAL;
    put(&f, before, after);
    vt_asset_free(before);
    vt_asset_free(after);

    flush(&f);
    /* The department's index (its newest page) shows the new total,
     * although photo 5 is on the oldest page. */
    g_autofree char *index_public = read_rel(&f, "public", "departments/photo/index.html");
    g_autofree char *index_internal = read_rel(&f, "internal", "departments/photo/index.html");
    g_assert_nonnull(strstr(index_public, "Images: 129."));
    g_assert_nonnull(strstr(index_internal, "Images: 130."));

    g_autofree char *id3 = id_of("photo", 3);
    before = get(&f, id3);
    after = vt_asset_dup(before);
    g_free(after->intervention);
    after->intervention = g_strdup("2024.00002");
    put(&f, before, after);
    vt_asset_free(before);
    vt_asset_free(after);
    flush(&f);

    g_autofree char *id10 = id_of("photo", 10);
    before = get(&f, id10);
    put(&f, before, NULL);
    vt_asset_free(before);
    flush(&f);

    for (int n = N_PHOTO + 1; n <= N_PHOTO + 51; n++) {
        g_autofree char *title = g_strdup_printf("Photo %d", n);
        vt_asset *a = make_asset("photo", n, "2024.00001", title);
        put(&f, NULL, a);
        vt_asset_free(a);
        if (n == N_PHOTO + 50)
            flush(&f);  /* position 180 fills page 3; 181 starts page 4 alone */
    }
    flush(&f);
    g_assert_true(file_exists(&f, "public", "departments/photo/page-4.html"));
    g_autofree char *id10_rel = g_strconcat("assets/", id10, ".html", NULL);
    g_assert_false(file_exists(&f, "public", id10_rel));
    g_assert_false(file_exists(&f, "internal", id10_rel));
    g_assert_true(file_exists(&f, "public", "interventions/2024.00002.html"));
    g_assert_cmpint(vt_publisher_terms(f.pub, f.store), ==, VT_OK);

    g_autoptr(GHashTable) inc_public = snapshot(&f, "public");
    g_autoptr(GHashTable) inc_internal = snapshot(&f, "internal");

    /* The leak test: nothing of an asset that is not public. */
    assert_public_names_not(inc_public, id5, true);
    assert_public_names_not(inc_public, "Photo 5\"", false);
    assert_public_names_not(inc_public, "Secret Lab", false);
    assert_public_names_not(inc_public, "2024.09999", false);
    for (int n = 1; n <= N_LAB; n++) {
        g_autofree char *id = id_of("lab", n);
        g_autofree char *label = g_strdup_printf("Lab secret %d", n);
        assert_public_names_not(inc_public, id, false);
        assert_public_names_not(inc_public, label, false);
    }
    assert_public_names_not(inc_public, "/srv/originals", false);  /* no server path either */
    g_autofree char *id5_rel = g_strconcat("assets/", id5, ".html", NULL);
    g_assert_true(g_hash_table_contains(inc_internal, id5_rel));

    /* The activity stream says what happened to photo 5 and 10. */
    const char *act = g_hash_table_lookup(inc_public, "activity/page-2.json");
    g_assert_nonnull(act);
    g_autofree char *deleted5 = g_strdup_printf("\"type\":\"Delete\",\"object\":{\"id\":"
                                                "\"https://collection.example.org/iiif/%s/"
                                                "manifest.json\"", id5);
    g_assert_nonnull(strstr(act, deleted5));

    /* The incremental trees are what a rebuild writes. */
    unsigned n = 0;
    vt_site *site = NULL;
    g_assert_cmpint(vt_site_open(f.config, &site), ==, VT_OK);
    g_assert_cmpint(vt_site_rebuild(site, f.store, 2, NULL, NULL, &n), ==, VT_OK);
    vt_site_free(site);
    g_assert_cmpuint(n, ==, N_PHOTO + 51 - 1 + N_LAB);
    g_autoptr(GHashTable) re_public = snapshot(&f, "public");
    g_autoptr(GHashTable) re_internal = snapshot(&f, "internal");
    assert_same(inc_public, re_public, "public");
    assert_same(inc_internal, re_internal, "internal");
    fixture_close(&f);
}

static void test_busy_keeps_marks(void)
{
    fixture f;
    fixture_open(&f);
    vt_asset *a = make_asset("photo", 1, NULL, "One");
    put(&f, NULL, a);
    flush(&f);
    vt_asset *b = vt_asset_dup(a);
    b->visibility = VT_VISIBILITY_INTERNAL;
    put(&f, a, b);

    /* A `vitrine rebuild` holds the site. */
    g_autofree char *lock = g_build_filename(f.config->site_dir, ".lock", NULL);
    int fd = open(lock, O_RDWR | O_CREAT, 0644);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(flock(fd, LOCK_EX), ==, 0);
    g_assert_cmpint(vt_publisher_flush(f.pub, f.store, NULL), ==, VT_ERR_BUSY);
    g_assert_true(vt_publisher_pending(f.store));
    g_autofree char *rel = g_strconcat("assets/", a->id, ".html", NULL);
    g_assert_true(file_exists(&f, "public", rel));
    close(fd);

    flush(&f);
    g_assert_false(file_exists(&f, "public", rel));
    g_assert_true(file_exists(&f, "internal", rel));
    vt_asset_free(a);
    vt_asset_free(b);
    fixture_close(&f);
}

/* True when a file under @path (a folder or a file) holds @needle. */
static bool tree_holds(const char *path, const char *needle)
{
    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
        GDir *dir = g_dir_open(path, 0, NULL);
        g_assert_nonnull(dir);
        const char *name;
        bool found = false;
        while (!found && (name = g_dir_read_name(dir))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            found = tree_holds(child, needle);
        }
        g_dir_close(dir);
        return found;
    }
    g_autofree char *text = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, &text, &len, NULL));
    return g_strstr_len(text, (gssize)len, needle) != NULL;
}

/* The site puts URLs made of the config's base URLs into its JSON without
 * a second UTF-8 check only when those bases are valid UTF-8 (GKeyFile
 * does not check them): an originals-base-url that is not fails the
 * internal asset page, as it always did, and its bytes reach no file. */
static void test_base_url_not_utf8(void)
{
    fixture f;
    fixture_open_with(&f, "originals-base-url=https://originals.example.org/\xff\n");
    vt_asset *a = make_asset("lab", 1, NULL, "Lab one");
    g_free(a->original);
    a->original = g_build_filename(f.config->originals_dir, "lab", "img-1.tif", NULL);
    put(&f, NULL, a);
    vt_asset_free(a);
    g_assert_cmpint(vt_publisher_flush(f.pub, f.store, NULL), !=, VT_OK);
    g_assert_nonnull(strstr(vt_error_message(), "cannot build the page of"));
    g_autofree char *internal = g_build_filename(f.config->site_dir, "internal", NULL);
    g_assert_false(tree_holds(internal, "originals.example.org"));
    fixture_close(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/publisher/incremental-equals-rebuild", test_incremental_equals_rebuild);
    g_test_add_func("/publisher/busy-keeps-marks", test_busy_keeps_marks);
    g_test_add_func("/publisher/base-url-not-utf8", test_base_url_not_utf8);
    return g_test_run();
}
