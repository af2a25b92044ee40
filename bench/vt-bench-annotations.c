/* vt-bench-annotations: what annotations cost (bench/annotations; not a
 * test, not installed).
 *
 * Usage:
 *   vt-bench-annotations annotate CONFIG K   K annotations on every READY asset
 *   vt-bench-annotations index CONFIG        rebuild the index, print time and size
 *   vt-bench-annotations live CONFIG ROUNDS  save to live, annotation vs. metadata edit
 *
 * annotate: writes K annotations (rectangles and polygons of every type, a
 * few words each, one in five public) on every READY asset of the store, in
 * batches, as the daemon stores them (vt_annotation_put); the dirty marks
 * are cleared, as vt-bench-site fill does, so that they cost the next
 * flush nothing. Prints the number written and the time.
 *
 * index: vt_indexer_rebuild() (what `vitrine reindex` runs: every document
 * with its annotations, one commit with its facet table); prints the wall
 * time, the index's size on disk, and the time of one commit of one
 * changed document afterwards (the daemon's flush: a document put, a
 * commit, the facet table rewritten).
 *
 * live: ROUNDS times, on assets spread over the store, the loop thread's
 * path from a saved annotation to its being live: the write transaction
 * (vt_annotation_put + vt_publog_touch, as vt_pipeline_annotations.c), the
 * index flush (vt_indexer_mark + vt_indexer_flush) and the site's
 * publication (vt_publisher_flush: page, manifest, AnnotationPage in both
 * trees); alternated with the same for a one-field metadata edit
 * (vt_terms_edit_asset), the peer, in the same run. After each annotation round it checks (outside
 * the timing) that the public AnnotationPage holds the annotation. Prints
 * the median and p95 of both and their ratio. The daemon adds its flush
 * delay (300 ms after the first change) to these figures.
 *
 * The store must have a site (vitrine rebuild) for live. No daemon may run
 * on the store. Exits 0, 1 on failure, 2 on bad usage. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "vt_annotation.h"
#include "vt_asset.h"
#include "vt_config.h"
#include "vt_file.h"
#include "vt_indexer.h"
#include "vt_meta.h"
#include "vt_publisher.h"
#include "vt_publog.h"
#include "vt_store.h"
#include "vt_terms.h"

#define BATCH 500

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "vt-bench-annotations: %s: %s\n", what, vt_error_message());
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank. */
static double percentile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t k = (size_t)(p * (double)n + 0.999999);
    return v[k ? k - 1 : 0];
}

typedef struct {
    GPtrArray *ids;
    GArray *public_flags;
} ready_ctx;

static bool collect_ready(const vt_asset *a, void *data)
{
    ready_ctx *c = data;
    if (a->state == VT_ASSET_READY && a->width > 0) {
        g_ptr_array_add(c->ids, g_strdup(a->id));
        bool pub = a->visibility == VT_VISIBILITY_PUBLIC;
        g_array_append_val(c->public_flags, pub);
    }
    return true;
}

static vt_status ready_fn(vt_txn *txn, void *data)
{
    vt_asset_foreach(txn, collect_ready, data);
    return vt_txn_status(txn);
}

static const char *const WORDS[] = {
    "vernis", "craquelure", "retouche", "vergeeld", "paneel", "barst", "verflaag", "schimmel",
    "varnish", "flaking", "abrasion", "overpaint", "underdrawing", "pigment", "loodwit", "azuriet",
    "Firnis", "Riss", "Malschicht", "vernis", "fissure", "lacune", "repeint", "dessin"};

/* The @k-th annotation of asset @id: a type in turn, a rectangle or a
 * polygon inside 1000 x 1000 (vt-bench-site's assets are larger). */
static json_t *make_annotation(GRand *r, const vt_annotation_types *types, const char *id,
                               int k, bool asset_public)
{
    static const char *const kinds[] = {"descriptive", "tag", "restoration", "sample", "story",
                                        "link"};
    const char *type = kinds[k % G_N_ELEMENTS(kinds)];
    GString *words = g_string_new(NULL);
    for (int i = 0; i < 6; i++)
        g_string_append_printf(words, "%s%s", i ? " " : "",
                               WORDS[g_rand_int_range(r, 0, G_N_ELEMENTS(WORDS))]);
    json_t *fields = json_object();
    if (!strcmp(type, "descriptive"))
        json_object_set_new(fields, "text", json_string(words->str));
    else if (!strcmp(type, "tag"))
        json_object_set_new(fields, "terms", json_pack("[s, s]", WORDS[k % 8], WORDS[8 + k % 8]));
    else if (!strcmp(type, "restoration"))
        json_object_set_new(fields, "damage", json_string(k % 2 ? "flaking" : "loss")),
        json_object_set_new(fields, "treatment", json_string(words->str));
    else if (!strcmp(type, "sample"))
        json_object_set_new(fields, "sample-id", json_string("S1")),
        json_object_set_new(fields, "location", json_string(words->str));
    else if (!strcmp(type, "story"))
        json_object_set_new(fields, "title", json_string(words->str)),
        json_object_set_new(fields, "order", json_integer(k));
    else
        json_object_set_new(fields, "url", json_string("https://example.org/x")),
        json_object_set_new(fields, "label", json_string(words->str));
    g_string_free(words, TRUE);
    int x = g_rand_int_range(r, 0, 800), y = g_rand_int_range(r, 0, 800);
    json_t *shape = k % 3 == 2
        ? json_pack("{s:[[i,i],[i,i],[i,i],[i,i]]}", "points", x, y, x + 150, y, x + 120, y + 150,
                    x + 10, y + 100)
        : json_pack("{s:i, s:i, s:i, s:i}", "x", x, "y", y, "w", 100, "h", 80);
    char aid[32];
    g_snprintf(aid, sizeof aid, "bench-%d", k);
    json_t *ann = json_pack("{s:i, s:s, s:s, s:o, s:o, s:s, s:i, s:i, s:s}", "v", 1, "id", aid,
                            "type", type, "shape", shape, "fields", fields, "creator", "bench",
                            "created", 1765000000, "modified", 1765000000, "visibility",
                            asset_public && k % 5 == 0 ? "public" : "internal");
    vt_annotation_target target = {id, 1000, 1000, asset_public};
    if (vt_annotation_check(types, &target, ann) != VT_OK)
        die("a generated annotation");
    return ann;
}

typedef struct {
    const vt_annotation_types *types;
    ready_ctx *ready;
    guint from, to;
    int k;
    GRand *r;
} annotate_ctx;

static bool clear_dirty(const char *key, size_t key_len, const void *val, size_t len, void *data)
{
    (void)key_len;
    (void)val;
    (void)len;
    vt_txn_del(data, VT_TABLE_DIRTY, key);
    return true;
}

static vt_status annotate_fn(vt_txn *txn, void *data)
{
    annotate_ctx *c = data;
    for (guint i = c->from; i < c->to; i++) {
        const char *id = g_ptr_array_index(c->ready->ids, i);
        bool pub = g_array_index(c->ready->public_flags, bool, i);
        for (int k = 0; k < c->k; k++) {
            json_t *ann = make_annotation(c->r, c->types, id, k, pub);
            vt_annotation_put(txn, id, ann);
            json_decref(ann);
        }
    }
    vt_txn_foreach(txn, VT_TABLE_DIRTY, NULL, clear_dirty, txn);
    return vt_txn_status(txn);
}

static int cmd_annotate(const vt_config *c, vt_store *store, int k)
{
    vt_annotation_types *types = NULL;
    if (vt_annotation_types_load(c->keyfile, &types) != VT_OK)
        die("types");
    ready_ctx ready = {g_ptr_array_new_with_free_func(g_free), g_array_new(FALSE, FALSE, sizeof(bool))};
    if (vt_store_read(store, ready_fn, &ready) != VT_OK)
        die("read");
    GRand *r = g_rand_new_with_seed(7);
    double t0 = now_seconds();
    for (guint from = 0; from < ready.ids->len; from += BATCH) {
        annotate_ctx a = {types, &ready, from, MIN(ready.ids->len, from + BATCH), k, r};
        if (vt_store_write(store, annotate_fn, &a) != VT_OK)
            die("write");
    }
    printf("annotated %u assets with %d annotations each in %.2f s\n", ready.ids->len, k,
           now_seconds() - t0);
    g_rand_free(r);
    g_ptr_array_free(ready.ids, TRUE);
    g_array_free(ready.public_flags, TRUE);
    vt_annotation_types_free(types);
    return 0;
}

static guint64 dir_size(const char *dir)
{
    guint64 total = 0;
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d)
        return 0;
    const char *name;
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        struct stat st;
        if (lstat(path, &st) == 0)
            total += S_ISDIR(st.st_mode) ? dir_size(path) : (guint64)st.st_size;
    }
    g_dir_close(d);
    return total;
}

typedef struct {
    const vt_config *config;
    const char *id;
    const char *value;
} edit_ctx;

/* material=VALUE, as `vitrine set` makes it; an edit that changes nothing
 * fails (it would publish nothing). */
static vt_status edit_fn(vt_txn *txn, void *data)
{
    edit_ctx *c = data;
    g_autofree char *arg = g_strdup_printf("material=%s", c->value);
    const char *args[1] = {arg};
    json_t *edit = NULL;
    vt_status s = vt_meta_edit_from_set_args(args, 1, &edit);
    bool changed = false;
    if (s == VT_OK)
        s = vt_terms_edit_asset(txn, c->config, c->id, edit, &changed);
    json_decref(edit);
    if (s == VT_OK && !changed)
        s = vt_txn_fail(txn, vt_error_set(VT_ERR_EXISTS, "the edit of %s changed nothing", c->id));
    return s;
}

static int cmd_index(const vt_config *c, vt_store *store)
{
    unsigned count = 0;
    double t0 = now_seconds();
    if (vt_indexer_rebuild(c, store, &count) != VT_OK)
        die("rebuild");
    double rebuild = now_seconds() - t0;
    g_autofree char *dir = vt_indexer_dir(c);
    guint64 size = dir_size(dir);
    /* One changed document and its commit, as the daemon's flush does. */
    vt_indexer *ix = NULL;
    if (vt_indexer_open(c, &ix) != VT_OK)
        die("open the index");
    ready_ctx ready = {g_ptr_array_new_with_free_func(g_free), g_array_new(FALSE, FALSE, sizeof(bool))};
    if (vt_store_read(store, ready_fn, &ready) != VT_OK || ready.ids->len == 0)
        die("read");
    double commits[5];
    for (int i = 0; i < 5; i++) {
        const char *id = g_ptr_array_index(ready.ids, (guint)i * ready.ids->len / 5);
        g_autofree char *value = g_strdup_printf("eik %d %" G_GINT64_FORMAT, i, g_get_real_time());
        edit_ctx e = {c, id, value};
        if (vt_store_write(store, edit_fn, &e) != VT_OK)
            die("edit");
        vt_indexer_mark(ix, id);
        double t1 = now_seconds();
        if (vt_indexer_flush(ix, store) != VT_OK)
            die("flush");
        commits[i] = (now_seconds() - t1) * 1000;
    }
    vt_indexer_close(ix);
    printf("index: %u documents rebuilt in %.2f s, %.1f MB on disk, one document's flush"
           " (put + commit + facet table) median %.1f ms\n", count, rebuild,
           (double)size / 1e6, percentile(commits, 5, 0.5));
    g_ptr_array_free(ready.ids, TRUE);
    g_array_free(ready.public_flags, TRUE);
    return 0;
}

typedef struct {
    const char *id;
    json_t *ann;
} save_ctx;

static vt_status save_fn(vt_txn *txn, void *data)
{
    save_ctx *c = data;
    vt_asset *a = NULL;
    vt_status s = vt_asset_get(txn, c->id, &a);
    if (s != VT_OK)
        return s;
    vt_annotation_put(txn, c->id, c->ann);
    vt_publog_touch(txn, a);
    vt_asset_free(a);
    return vt_txn_status(txn);
}

static bool page_has(const vt_config *c, const char *id, const char *aid)
{
    g_autofree char *path = g_strdup_printf("%s/public/iiif/%s/annotations.json", c->site_dir, id);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return false;
    g_autofree char *needle = g_strdup_printf("/annotation/%s\"", aid);
    return strstr(text, needle) != NULL;
}

static int cmd_live(const vt_config *c, vt_store *store, int rounds)
{
    vt_annotation_types *types = NULL;
    vt_indexer *ix = NULL;
    vt_publisher *pub = NULL;
    if (vt_annotation_types_load(c->keyfile, &types) != VT_OK || vt_indexer_open(c, &ix) != VT_OK ||
        vt_publisher_open(c, &pub) != VT_OK)
        die("open");
    if (vt_publisher_pending(store) && vt_publisher_flush(pub, store, NULL) != VT_OK)
        die("first flush");
    ready_ctx ready = {g_ptr_array_new_with_free_func(g_free), g_array_new(FALSE, FALSE, sizeof(bool))};
    if (vt_store_read(store, ready_fn, &ready) != VT_OK || ready.ids->len == 0)
        die("read");
    double *t[2];
    for (int kind = 0; kind < 2; kind++)
        t[kind] = g_new(double, rounds);
    GRand *r = g_rand_new_with_seed(11);
    /* Alternated, so that the machine's load weighs on both alike. */
    for (int i = 0; i < rounds; i++) {
        for (int kind = 0; kind < 2; kind++) {
            guint n = ((guint)i * 7919u + (guint)kind * 104729u) % ready.ids->len;
            const char *id = g_ptr_array_index(ready.ids, n);
            bool is_public = g_array_index(ready.public_flags, bool, n);
            g_autofree char *aid = g_strdup_printf("live-%d", i);
            json_t *ann = NULL;
            if (kind == 0) {
                ann = make_annotation(r, types, id, 0, is_public);
                json_object_set_new(ann, "id", json_string(aid));
                json_object_set_new(ann, "visibility", json_string(is_public ? "public" : "internal"));
            }
            g_autofree char *value = g_strdup_printf("eik %d %" G_GINT64_FORMAT, i, g_get_real_time());
            double t0 = now_seconds();
            save_ctx sc = {id, ann};
            edit_ctx ec = {c, id, value};
            vt_status s = kind == 0 ? vt_store_write(store, save_fn, &sc)
                                    : vt_store_write(store, edit_fn, &ec);
            if (s != VT_OK)
                die("save");
            vt_indexer_mark(ix, id);
            if (vt_indexer_flush(ix, store) != VT_OK || vt_publisher_flush(pub, store, NULL) != VT_OK)
                die("flush");
            t[kind][i] = (now_seconds() - t0) * 1000;
            json_decref(ann);
            if (kind == 0 && is_public && !page_has(c, id, aid)) {
                fprintf(stderr, "vt-bench-annotations: %s is not in the public AnnotationPage of %s\n",
                        aid, id);
                return 1;
            }
        }
    }
    double med_a = percentile(t[0], (size_t)rounds, 0.5), p95_a = percentile(t[0], (size_t)rounds, 0.95);
    double med_e = percentile(t[1], (size_t)rounds, 0.5), p95_e = percentile(t[1], (size_t)rounds, 0.95);
    printf("save to live, %u assets, %d rounds: annotation median %.1f ms p95 %.1f ms;"
           " metadata edit median %.1f ms p95 %.1f ms; ratio of medians %.2f\n",
           ready.ids->len, rounds, med_a, p95_a, med_e, p95_e, med_a / med_e);
    g_rand_free(r);
    g_free(t[0]);
    g_free(t[1]);
    g_ptr_array_free(ready.ids, TRUE);
    g_array_free(ready.public_flags, TRUE);
    vt_publisher_close(pub);
    vt_indexer_close(ix);
    vt_annotation_types_free(types);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: vt-bench-annotations annotate CONFIG K | index CONFIG |"
                        " live CONFIG ROUNDS\n");
        return 2;
    }
    vt_config *c = NULL;
    if (vt_config_load(argv[2], &c) != VT_OK)
        die("config");
    vt_store *store = NULL;
    if (vt_store_open(c->state_dir, VT_STORE_WRITER, &store) != VT_OK)
        die("store");
    int rc = 2;
    if (!strcmp(argv[1], "annotate") && argc == 4)
        rc = cmd_annotate(c, store, atoi(argv[3]));
    else if (!strcmp(argv[1], "index"))
        rc = cmd_index(c, store);
    else if (!strcmp(argv[1], "live") && argc == 4)
        rc = cmd_live(c, store, MAX(1, atoi(argv[3])));
    else
        fprintf(stderr, "vt-bench-annotations: bad usage\n");
    vt_store_close(store);
    vt_config_free(c);
    return rc;
}
