/* vt-bench-site: fills a store with synthetic assets and times the static
 * site's incremental publishing (bench/site; not a test, not installed).
 *
 * Usage:
 *   vt-bench-site fill CONFIG N
 *   vt-bench-site touch [--repeat K] CONFIG ID FIELD VALUE
 *   vt-bench-site arrive [--repeat K] CONFIG
 *   vt-bench-site floor DIR LIST
 *
 * fill: writes N READY assets (after any a previous fill wrote) into the
 * store of CONFIG, through vt_terms_put_asset() as the daemon writes them,
 * in write transactions of FILL_BATCH assets, with harvested records for
 * about a third of the interventions. A fill is a bulk load: the dirty
 * marks the writes leave are removed in the same transactions, so the next
 * flush publishes only what the benchmark changes afterwards (the site is
 * written by `vitrine rebuild`). The data are deterministic (one seed) and
 * need no image files: the config names server=cantaloupe. Prints
 * "filled N assets (T in the store) in S s (R assets/s)".
 *
 * touch: edits one custom field of asset ID ("-": the first READY one) as
 * a staff edit would (the daemon's edit path: vt_meta_apply_edit(), then
 * vt_terms_put_asset()), then runs vt_publisher_flush() and times the
 * flush alone (wall, and the process's CPU time). With --repeat K, K edits
 * on K different assets (ID first, the others spread over the id space),
 * one flush each; the value gets " RUN-i" appended so that every edit
 * changes something, also on a store edited before. Prints one line per
 * edit and, with K > 1, the median and p95 (nearest rank) and the median
 * CPU time. With VT_BENCH_INDEX=1 in the environment, the search index
 * follows each edit too, timed apart after the site's flush: what the
 * daemon's index flush does for one asset (vt_indexer_flush: the document
 * redone, a Xapian commit and the facet table rewritten); its lines start
 * with "index" (the index must exist: `vitrine reindex` first).
 *
 * floor DIR LIST: the file system's floor for a site: LIST holds "SIZE
 * PATH" lines (find SITE -type f -printf '%s %P\n'); every PATH is created
 * under DIR (new) with SIZE filler bytes the way the generator writes a
 * file (temporary name, one write, close, rename; parent folders made when
 * missing), with one thread per core like `vitrine rebuild`. Prints
 * "floor: N files, B bytes in S s (CPU C s, T threads)". Needs no config.
 *
 * arrive: adds one new public READY asset (as ingest leaves it: a new
 * listing position, an existing intervention) and flushes; prints the time
 * from the start of the store write to the end of the flush, when its page
 * and manifest are live (checked afterwards). --repeat K: K arrivals.
 *
 * Each edit or arrival is checked after its flush (outside the timing): the
 * asset's page and manifest exist and show the new value.
 *
 * No daemon may run on the store (it is opened as the writer). Exits 0, 1
 * on failure with a message on stderr, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vt_asset.h"
#include "vt_config.h"
#include "vt_indexer.h"
#include "vt_meta.h"
#include "vt_publisher.h"
#include "vt_publog.h"
#include "vt_store.h"
#include "vt_terms.h"

/* Assets per write transaction, as a busy daemon batches. */
#define FILL_BATCH 1000
/* Most assets one fill or edits one run makes: a benchmark, not a load
 * generator for a real collection; also keeps the arrays below bounded. */
#define FILL_MAX  5000000
#define REPEAT_MAX 10000
#define SEED 1
/* META keys where a fill leaves where it stopped, so that a second fill
 * adds to the first. */
#define META_FILLED "bench.site.filled"
#define META_INTERVENTIONS "bench.site.interventions"
/* The first asset's creation time (2023-01-01); one second per asset. */
#define CREATED_BASE INT64_C(1672531200)

/* ------------------------------------------------------------ data */

static const char *const HERITAGE[] = {
    "vernis", "varnish", "Firnis", "craquelure", "paneel", "retable", "retabel", "pigment",
    "loodwit", "vergulding", "dorure", "gilding", "ondertekening", "underdrawing",
    "dessin sous-jacent", "retouche", "overschildering", "repeint", "overpaint", "doek",
    "toile", "canvas", "triptiek", "triptyque", "triptych", "azuriet", "azurite", "vermiljoen",
    "vermillon", "vermilion", "lijm", "colle", "krijtgrond", "ground", "houtworm", "woodworm",
    "blaasvorming", "soulèvement", "blistering", "consolidatie", "consolidation",
    "dendrochronologie", "dendrochronology", "infrarood", "infrarouge", "infrared",
    "radiographie", "x-radiograph", "dwarsdoorsnede", "coupe", "cross-section", "polychromie",
    "polychromy", "beeldhouwwerk", "sculpture", "altaarstuk", "altarpiece"};
static const char *const CREATORS[] = {
    "Peter Paul Rubens", "Jan van Eyck", "Hans Memling", "Pieter Bruegel", "Jacob Jordaens",
    "Anthony van Dyck", "Hieronymus Bosch", "Rogier van der Weyden", "Dirk Bouts",
    "Hugo van der Goes", "Quinten Massys", "Joachim Patinir", "Bernard van Orley",
    "Gerard David", "Petrus Christus", "Jan Gossaert", "Michiel Coxcie", "David Teniers",
    "Meester van Flémalle", "Anonymous"};
/* Materials in nl, fr, en (same index). */
static const char *const MATERIALS[][3] = {
    {"olieverf op paneel", "huile sur bois", "oil on panel"},
    {"olieverf op doek", "huile sur toile", "oil on canvas"},
    {"polychroom hout", "bois polychromé", "polychrome wood"},
    {"tempera op paneel", "détrempe sur bois", "tempera on panel"},
    {"koper", "cuivre", "copper"},
    {"steen", "pierre", "stone"}};
/* Subjects in nl, fr, en (same index). */
static const char *const SUBJECTS[][3] = {
    {"heilige Barbara", "sainte Barbe", "Saint Barbara"},
    {"Madonna met kind", "Vierge à l'enfant", "Virgin and child"},
    {"kruisiging", "crucifixion", "crucifixion"},
    {"aanbidding der koningen", "adoration des mages", "adoration of the magi"},
    {"portret van een vrouw", "portrait d'une femme", "portrait of a woman"},
    {"winterlandschap", "paysage d'hiver", "winter landscape"},
    {"stilleven met bloemen", "nature morte aux fleurs", "still life with flowers"},
    {"laatste oordeel", "jugement dernier", "last judgement"}};
/* What a picture shows, per department (nl, fr, en). */
static const char *const VIEWS[][3] = {
    {"voorzijde", "face", "front"},      {"keerzijde", "revers", "reverse"},
    {"detail", "détail", "detail"},      {"strijklicht", "lumière rasante", "raking light"},
    {"ultraviolet", "ultraviolet", "ultraviolet"}};
static const char *const LANGS[3] = {"nl", "fr", "en"};

static double now_seconds(void)
{
    return (double)g_get_monotonic_time() / G_USEC_PER_SEC;
}

/* CPU time of the whole process (the flush runs on this thread; nothing
 * else runs meanwhile): on a shared machine, steadier than wall time. */
static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *pick(GRand *r, const char *const *list, size_t n)
{
    return list[g_rand_int_range(r, 0, (gint32)n)];
}
#define PICK(r, list) pick((r), (list), G_N_ELEMENTS(list))

/* sha256 of @text in lowercase hex (64 digits) into @out. */
static void digest(const char *text, char out[65])
{
    g_autofree char *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
    g_strlcpy(out, hex, 65);
}

static void add_value(json_t *fields, const char *field, const char *value, const char *lang)
{
    json_t *values = json_object_get(fields, field);
    if (!values) {
        values = json_array();
        json_object_set_new(fields, field, values);
    }
    json_t *v = json_pack("{s:s}", "value", value);
    if (lang)
        json_object_set_new(v, "lang", json_string(lang));
    json_array_append_new(values, v);
}

static char *intervention_number(unsigned k)
{
    return g_strdup_printf("%04u.%05u", 2000 + k / 10000, k % 10000 + 1);
}

/* The harvested record of intervention @number, in the shape the pipeline
 * stores (daemon/vt_pipeline_harvest.c): the object the pictures are of. */
static json_t *harvest_record(GRand *r, const char *number, int64_t now)
{
    json_t *fields = json_object();
    int s = g_rand_int_range(r, 0, G_N_ELEMENTS(SUBJECTS));
    for (int l = 0; l < 3; l++)
        add_value(fields, "object", SUBJECTS[s][l], LANGS[l]);
    add_value(fields, "creator", PICK(r, CREATORS), NULL);
    g_autofree char *inventory = g_strdup_printf("INV-%s", number);
    add_value(fields, "inventory", inventory, NULL);
    g_autofree char *date = g_strdup_printf("%d", g_rand_int_range(r, 1420, 1700));
    add_value(fields, "date", date, NULL);
    return json_pack("{s:i, s:o, s:s, s:i, s:i, s:I, s:I}", "v", 1, "fields", fields, "status",
                     "ok", "http_status", 200, "failures", 0, "fetched", (json_int_t)now,
                     "next_try", (json_int_t)(now + 30 * 86400));
}

/* A READY asset whose id and digest follow from @key (so a fill is
 * deterministic), in intervention @number (may be NULL). */
static vt_asset *make_asset(GRand *r, const vt_config *c, const char *key, const char *number,
                            int64_t created)
{
    vt_asset *a = vt_asset_new();
    char sha[65];
    digest(key, sha);
    a->id = g_strndup(sha, 16);
    g_strlcpy(a->sha256, sha, sizeof a->sha256);
    const vt_department *d = &c->departments[g_rand_int_range(r, 0, (gint32)c->n_departments)];
    a->department = g_strdup(d->id);
    a->state = VT_ASSET_READY;
    int view = g_rand_int_range(r, 0, G_N_ELEMENTS(VIEWS));
    a->source = g_strdup_printf("%s_%s_%s.tif", number ? number : "misc", a->id, VIEWS[view][2]);
    a->original = g_strdup_printf("%s/%s/%s", c->originals_dir, d->id, a->source);
    a->size = (uint64_t)g_rand_int_range(r, 20, 400) << 20;
    a->image = g_strdup_printf("%s/%s.tif", c->images_dir, a->id);
    a->width = g_rand_int_range(r, 3000, 9000);
    a->height = g_rand_int_range(r, 2000, 7000);
    a->format = g_strdup("tiff");
    a->intervention = g_strdup(number);
    a->created = a->updated = created;
    a->attempts = 1;

    json_t *custom = json_object();
    int s = g_rand_int_range(r, 0, G_N_ELEMENTS(SUBJECTS));
    for (int l = 0; l < 3; l++) {
        g_autofree char *title = g_strdup_printf("%s, %s", SUBJECTS[s][l], VIEWS[view][l]);
        add_value(custom, "title", title, LANGS[l]);
    }
    int nk = g_rand_int_range(r, 2, 6);
    for (int k = 0; k < nk; k++) {
        const char *kw = PICK(r, HERITAGE);
        const json_t *have = json_object_get(custom, "keywords");
        size_t i;
        const json_t *v;
        bool dup = false;
        json_array_foreach(have, i, v) dup |= g_strcmp0(json_string_value(json_object_get(v, "value")), kw) == 0;
        if (!dup)
            add_value(custom, "keywords", kw, NULL);
    }
    add_value(custom, "creator", PICK(r, CREATORS), NULL);
    int m = g_rand_int_range(r, 0, G_N_ELEMENTS(MATERIALS));
    for (int l = 0; l < 3; l++)
        add_value(custom, "material", MATERIALS[m][l], LANGS[l]);
    /* About one in ten is internal, set as staff set it: a custom field. */
    if (g_rand_int_range(r, 0, 10) == 0) {
        add_value(custom, "visibility", "internal", NULL);
        a->visibility = VT_VISIBILITY_INTERNAL;
    } else {
        a->visibility = d->visibility;
    }
    a->custom = custom;
    return a;
}

/* ------------------------------------------------------------ fill */

typedef struct {
    GPtrArray *assets;        /* of vt_asset */
    GPtrArray *ids;           /* their ids (borrowed from assets) */
    GPtrArray *harvest_keys;  /* intervention numbers (owned) */
    GPtrArray *harvest_recs;  /* json_t */
    uint64_t filled, next_intervention;
} batch;

static vt_status read_fill_state(vt_txn *txn, void *data)
{
    uint64_t *v = data;
    const char *keys[2] = {META_FILLED, META_INTERVENTIONS};
    for (int i = 0; i < 2; i++) {
        const void *val;
        size_t len;
        char text[24] = "";
        if (vt_txn_get(txn, VT_TABLE_META, keys[i], &val, &len) && len < sizeof text)
            memcpy(text, val, len);
        v[i] = g_ascii_strtoull(text, NULL, 10);
    }
    return vt_txn_status(txn);
}

static void put_u64(vt_txn *txn, const char *key, uint64_t value)
{
    char text[24];
    int n = snprintf(text, sizeof text, "%" PRIu64, value);
    vt_txn_put(txn, VT_TABLE_META, key, text, (size_t)n);
}

/* Writes one batch. Everything was made beforehand, so running this again
 * after a map growth writes the same. */
static vt_status write_batch(vt_txn *txn, void *data)
{
    batch *b = data;
    for (guint i = 0; i < b->harvest_keys->len; i++)
        vt_txn_put_json(txn, VT_TABLE_HARVEST, g_ptr_array_index(b->harvest_keys, i),
                        g_ptr_array_index(b->harvest_recs, i));
    for (guint i = 0; i < b->assets->len; i++)
        vt_terms_put_asset(txn, NULL, g_ptr_array_index(b->assets, i));
    /* A bulk load: nothing for the incremental publisher to do. */
    vt_publog_clear_dirty(txn, b->ids, NULL);
    put_u64(txn, META_FILLED, b->filled);
    put_u64(txn, META_INTERVENTIONS, b->next_intervention);
    return vt_txn_status(txn);
}

static int cmd_fill(const vt_config *c, vt_store *store, uint64_t n)
{
    uint64_t state[2] = {0, 0};
    if (vt_store_read(store, read_fill_state, state) != VT_OK) {
        fprintf(stderr, "vt-bench-site: %s\n", vt_error_message());
        return 1;
    }
    uint64_t first = state[0], k = state[1];
    /* Seeded by where the fill starts, so that two fills differ. */
    g_autoptr(GRand) r = g_rand_new_with_seed((guint32)(SEED + first));
    int64_t now = (int64_t)(g_get_real_time() / G_USEC_PER_SEC);
    g_autofree char *number = NULL;
    int left_in_group = 0;
    double t0 = now_seconds();
    uint64_t done = 0;
    vt_status bad = VT_OK;
    while (done < n) {
        batch b = {g_ptr_array_new_with_free_func((GDestroyNotify)vt_asset_free),
                   g_ptr_array_new(), g_ptr_array_new_with_free_func(g_free),
                   g_ptr_array_new_with_free_func((GDestroyNotify)json_decref), 0, 0};
        for (unsigned i = 0; i < FILL_BATCH && done < n; i++, done++) {
            /* Interventions of 1 to 7 pictures (4 on average) spread over
             * the departments; about 1 in 20 pictures has none. */
            if (left_in_group == 0) {
                g_free(number);
                number = intervention_number((unsigned)k++);
                left_in_group = g_rand_int_range(r, 1, 8);
                if (g_rand_int_range(r, 0, 3) == 0) {
                    g_ptr_array_add(b.harvest_keys, g_strdup(number));
                    g_ptr_array_add(b.harvest_recs, harvest_record(r, number, now));
                }
            }
            left_in_group--;
            bool none = g_rand_int_range(r, 0, 20) == 0;
            uint64_t index = first + done;
            g_autofree char *key = g_strdup_printf("vt-bench-site/%" PRIu64, index);
            vt_asset *a = make_asset(r, c, key, none ? NULL : number,
                                     CREATED_BASE + (int64_t)index);
            g_ptr_array_add(b.assets, a);
            bad = vt_meta_check_fields(a->custom);
            if (bad != VT_OK)
                break;  /* reported below: the generator's bug */
            g_ptr_array_add(b.ids, a->id);
        }
        b.filled = first + done;
        b.next_intervention = k;
        vt_status s = bad != VT_OK ? bad : vt_store_write(store, write_batch, &b);
        g_ptr_array_free(b.ids, TRUE);
        g_ptr_array_free(b.assets, TRUE);
        g_ptr_array_free(b.harvest_keys, TRUE);
        g_ptr_array_free(b.harvest_recs, TRUE);
        if (s != VT_OK) {
            fprintf(stderr, "vt-bench-site: fill failed after %" PRIu64 " assets: %s\n", done,
                    vt_error_message());
            return 1;
        }
    }
    double secs = now_seconds() - t0;
    printf("filled %" PRIu64 " assets (%" PRIu64 " in the store) in %.2f s (%.0f assets/s)\n", n,
           first + n, secs, secs > 0 ? (double)n / secs : 0.0);
    return 0;
}

/* ------------------------------------------------------------ checks */

/* The page and manifest of @id are in the internal tree (and in the public
 * one when public) and one of them shows @needle (may be NULL): the page
 * shows one title, the manifest every language. */
static bool live(const vt_config *c, const char *id, bool is_public, const char *needle)
{
    for (int t = 0; t < (is_public ? 2 : 1); t++) {
        const char *tree = t == 0 ? "internal" : "public";
        g_autofree char *page = g_strdup_printf("%s/%s/assets/%s.html", c->site_dir, tree, id);
        g_autofree char *manifest =
            g_strdup_printf("%s/%s/iiif/%s/manifest.json", c->site_dir, tree, id);
        g_autofree char *page_text = NULL;
        g_autofree char *manifest_text = NULL;
        if (!g_file_get_contents(page, &page_text, NULL, NULL) ||
            !g_file_get_contents(manifest, &manifest_text, NULL, NULL)) {
            fprintf(stderr, "vt-bench-site: %s or %s is missing\n", page, manifest);
            return false;
        }
        if (needle && !strstr(page_text, needle) && !strstr(manifest_text, needle)) {
            fprintf(stderr, "vt-bench-site: neither %s nor %s shows \"%s\"\n", page, manifest,
                    needle);
            return false;
        }
    }
    return true;
}

/* True if @s can be looked for verbatim in HTML and JSON (nothing the
 * template engine or jansson escapes). */
static bool plain(const char *s)
{
    return strpbrk(s, "<>&\"'`=\\/") == NULL;
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
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    return v[CLAMP(rank, 1, n) - 1];
}

static void print_summary(const char *what, double *ms, double *cpu_ms, size_t n,
                          unsigned long files)
{
    if (n < 2)
        return;
    double p50 = percentile(ms, n, 50), p95 = percentile(ms, n, 95);
    double cpu50 = percentile(cpu_ms, n, 50);
    printf("%s: %zu runs, median %.2f ms, p95 %.2f ms, max %.2f ms, CPU median %.2f ms, "
           "%.1f files each\n",
           what, n, p50, p95, ms[n - 1], cpu50, (double)files / (double)n);
}

/* ------------------------------------------------------------ touch */

typedef struct {
    const char *from;   /* in: start of the id range to look in */
    GHashTable *taken;  /* in: ids already used */
    char *id;           /* out (owned) */
} find_ctx;

static bool find_ready(const char *key, size_t key_len, const void *val, size_t len, void *data)
{
    find_ctx *f = data;
    if (g_hash_table_contains(f->taken, key))
        return true;
    /* The state without parsing the whole record. */
    if (!g_strstr_len(val, (gssize)len, "\"state\":\"ready\""))
        return true;
    f->id = g_strdup(key);
    return false;
}

static vt_status find_fn(vt_txn *txn, void *data)
{
    find_ctx *f = data;
    vt_txn_foreach_from(txn, VT_TABLE_ASSETS, "", f->from, find_ready, f);
    if (!f->id)  /* past the last id: wrap around */
        vt_txn_foreach(txn, VT_TABLE_ASSETS, NULL, find_ready, f);
    return vt_txn_status(txn);
}

/* A READY asset not in @taken, at or after @from in id order. */
static char *find_asset(vt_store *store, const char *from, GHashTable *taken)
{
    find_ctx f = {from, taken, NULL};
    if (vt_store_read(store, find_fn, &f) != VT_OK) {
        g_free(f.id);
        return NULL;
    }
    return f.id;
}

typedef struct {
    const vt_config *c;
    const char *id;
    const json_t *edit;
    bool changed;
    bool is_public;
} edit_ctx;

/* The daemon's edit path (vt_terms_edit_asset, as a spool edit). */
static vt_status edit_fn(vt_txn *txn, void *data)
{
    edit_ctx *e = data;
    vt_status s = vt_terms_edit_asset(txn, e->c, e->id, e->edit, &e->changed);
    if (s != VT_OK)
        return s;
    vt_asset *a = NULL;
    s = vt_asset_get(txn, e->id, &a);
    if (s != VT_OK)
        return s;
    e->is_public = a->visibility == VT_VISIBILITY_PUBLIC && a->state == VT_ASSET_READY;
    vt_asset_free(a);
    return vt_txn_status(txn);
}

static vt_status apply_edit(const vt_config *c, vt_store *store, const char *id,
                            const char *field, const char *value, bool *ret_public)
{
    g_autofree char *arg = g_strdup_printf("%s=%s", field, value);
    const char *args[1] = {arg};
    json_t *edit = NULL;
    vt_status s = vt_meta_edit_from_set_args(args, 1, &edit);
    if (s != VT_OK)
        return s;
    edit_ctx e = {c, id, edit, false, false};
    s = vt_store_write(store, edit_fn, &e);
    json_decref(edit);
    if (s == VT_OK && !e.changed)
        s = vt_error_set(VT_ERR_EXISTS, "asset %s already has %s=%s: nothing to publish", id,
                         field, value);
    if (s == VT_OK)
        *ret_public = e.is_public;
    return s;
}

static int cmd_touch(const vt_config *c, vt_store *store, const char *id, const char *field,
                     const char *value, int repeat)
{
    vt_publisher *pub = NULL;
    if (vt_publisher_open(c, &pub) != VT_OK) {
        fprintf(stderr, "vt-bench-site: %s\n", vt_error_message());
        return 1;
    }
    if (vt_publisher_pending(store))
        fprintf(stderr, "vt-bench-site: warning: dirty marks were pending; the first flush "
                        "publishes them too\n");
    g_autoptr(GHashTable) taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    double *ms = g_new(double, (size_t)repeat), *cpu_ms = g_new(double, (size_t)repeat);
    unsigned long files_total = 0;
    int rc = 0, done = 0, idone = 0;
    vt_indexer *indexer = NULL;
    double *ims = g_new(double, (size_t)repeat), *icpu_ms = g_new(double, (size_t)repeat);
    if (g_strcmp0(getenv("VT_BENCH_INDEX"), "1") == 0 && vt_indexer_open(c, &indexer) != VT_OK) {
        fprintf(stderr, "vt-bench-site: index: %s\n", vt_error_message());
        rc = 1;
        repeat = 0;
    }
    /* Each run its own values, so that rerunning on a kept store still
     * changes something. */
    gint64 run = g_get_real_time() / G_USEC_PER_SEC;
    for (int i = 0; i < repeat; i++) {
        g_autofree char *target = NULL;
        if (i == 0 && strcmp(id, "-") != 0) {
            target = g_strdup(id);
        } else {
            /* Spread over the id space (ids are hex digests). */
            g_autofree char *from =
                g_strdup_printf("%016" PRIx64, (uint64_t)i * (UINT64_MAX / (uint64_t)repeat));
            target = find_asset(store, from, taken);
            if (!target) {
                fprintf(stderr, "vt-bench-site: no further READY asset to edit\n");
                rc = 1;
                break;
            }
        }
        g_hash_table_add(taken, g_strdup(target));
        g_autofree char *val = repeat > 1 ? g_strdup_printf("%s %" G_GINT64_FORMAT "-%d", value,
                                                            run, i + 1)
                                          : g_strdup(value);
        bool is_public = false;
        if (apply_edit(c, store, target, field, val, &is_public) != VT_OK) {
            fprintf(stderr, "vt-bench-site: edit of %s: %s\n", target, vt_error_message());
            rc = 1;
            break;
        }
        unsigned files = 0;
        double c0 = cpu_seconds(), t0 = now_seconds();
        vt_status s = vt_publisher_flush(pub, store, &files);
        double t1 = now_seconds(), c1 = cpu_seconds();
        if (s != VT_OK) {
            fprintf(stderr, "vt-bench-site: flush: %s\n", vt_error_message());
            rc = 1;
            break;
        }
        ms[done] = (t1 - t0) * 1000;
        cpu_ms[done++] = (c1 - c0) * 1000;
        files_total += files;
        printf("touch %s %s: flush %.2f ms (CPU %.2f ms), %u files\n", target, field,
               (t1 - t0) * 1000, (c1 - c0) * 1000, files);
        if (!live(c, target, is_public, plain(val) ? val : NULL)) {
            rc = 1;
            break;
        }
        if (indexer) {
            vt_indexer_mark(indexer, target);
            c0 = cpu_seconds();
            t0 = now_seconds();
            s = vt_indexer_flush(indexer, store);
            t1 = now_seconds();
            c1 = cpu_seconds();
            if (s != VT_OK) {
                fprintf(stderr, "vt-bench-site: index flush: %s\n", vt_error_message());
                rc = 1;
                break;
            }
            ims[idone] = (t1 - t0) * 1000;
            icpu_ms[idone++] = (c1 - c0) * 1000;
            printf("index %s: flush %.2f ms (CPU %.2f ms)\n", target, (t1 - t0) * 1000,
                   (c1 - c0) * 1000);
        }
    }
    print_summary("touch", ms, cpu_ms, (size_t)done, files_total);
    print_summary("index", ims, icpu_ms, (size_t)idone, 0);
    vt_indexer_close(indexer);
    g_free(ims);
    g_free(icpu_ms);
    g_free(ms);
    g_free(cpu_ms);
    vt_publisher_close(pub);
    return rc;
}

/* ------------------------------------------------------------ arrive */

typedef struct {
    vt_asset *a;      /* in: the new asset */
    guint32 pick;     /* in: a random number choosing its intervention */
} arrive_ctx;

static bool first_intervention(const char *key, size_t key_len, const void *val, size_t len,
                               void *data)
{
    char **out = data;
    const char *sep = memchr(key, '\x1f', key_len);
    if (!sep)
        return true;
    *out = g_strndup(key, (gsize)(sep - key));
    return false;
}

/* An existing intervention, at random among those the fills made. */
static vt_status pick_intervention(vt_txn *txn, void *data)
{
    arrive_ctx *ac = data;
    uint64_t state[2] = {0, 0};
    read_fill_state(txn, state);
    g_autofree char *from = intervention_number(state[1] ? (unsigned)(ac->pick % state[1]) : 0);
    char *number = NULL;
    vt_txn_foreach_from(txn, VT_TABLE_INTERVENTIONS, "", from, first_intervention, &number);
    if (!number)
        vt_txn_foreach(txn, VT_TABLE_INTERVENTIONS, NULL, first_intervention, &number);
    g_free(ac->a->intervention);
    ac->a->intervention = number;
    return vt_txn_status(txn);
}

static vt_status arrive_fn(vt_txn *txn, void *data)
{
    arrive_ctx *ac = data;
    vt_terms_put_asset(txn, NULL, ac->a);
    return vt_txn_status(txn);
}

static int cmd_arrive(const vt_config *c, vt_store *store, int repeat)
{
    vt_publisher *pub = NULL;
    if (vt_publisher_open(c, &pub) != VT_OK) {
        fprintf(stderr, "vt-bench-site: %s\n", vt_error_message());
        return 1;
    }
    if (vt_publisher_pending(store))
        fprintf(stderr, "vt-bench-site: warning: dirty marks were pending; the first flush "
                        "publishes them too\n");
    gint64 run = g_get_real_time();
    g_autoptr(GRand) r = g_rand_new_with_seed((guint32)run);
    double *ms = g_new(double, (size_t)repeat), *cpu_ms = g_new(double, (size_t)repeat);
    unsigned long files_total = 0;
    int rc = 0, done = 0;
    for (int i = 0; i < repeat; i++) {
        g_autofree char *key = g_strdup_printf("vt-bench-site/arrive/%" G_GINT64_FORMAT "/%d", run, i);
        int64_t now = (int64_t)(g_get_real_time() / G_USEC_PER_SEC);
        vt_asset *a = make_asset(r, c, key, NULL, now);
        /* Ingest leaves a new arrival with its department's default
         * visibility; the benchmark wants it public, to time both trees. */
        json_object_del(a->custom, "visibility");
        a->visibility = VT_VISIBILITY_PUBLIC;
        arrive_ctx ac = {a, g_rand_int(r)};
        if (vt_store_read(store, pick_intervention, &ac) != VT_OK) {
            fprintf(stderr, "vt-bench-site: %s\n", vt_error_message());
            vt_asset_free(a);
            rc = 1;
            break;
        }
        unsigned files = 0;
        double c0 = cpu_seconds(), t0 = now_seconds();
        vt_status s = vt_store_write(store, arrive_fn, &ac);
        double t1 = now_seconds();
        if (s == VT_OK)
            s = vt_publisher_flush(pub, store, &files);
        double t2 = now_seconds(), c2 = cpu_seconds();
        if (s != VT_OK) {
            fprintf(stderr, "vt-bench-site: arrival: %s\n", vt_error_message());
            vt_asset_free(a);
            rc = 1;
            break;
        }
        ms[done] = (t2 - t0) * 1000;
        cpu_ms[done++] = (c2 - c0) * 1000;
        files_total += files;
        printf("arrive %s (%s, intervention %s): %.2f ms (store write %.2f ms, flush %.2f ms; "
               "CPU %.2f ms), %u files\n",
               a->id, a->department, a->intervention ? a->intervention : "none",
               (t2 - t0) * 1000, (t1 - t0) * 1000, (t2 - t1) * 1000, (c2 - c0) * 1000, files);
        bool ok = live(c, a->id, true, NULL);
        vt_asset_free(a);
        if (!ok) {
            rc = 1;
            break;
        }
    }
    print_summary("arrive", ms, cpu_ms, (size_t)done, files_total);
    g_free(ms);
    g_free(cpu_ms);
    vt_publisher_close(pub);
    return rc;
}

/* ------------------------------------------------------------ floor */

/* Longest line of a floor list, and most files in one. */
#define FLOOR_LINE_MAX 4096
#define FLOOR_FILES_MAX 50000000

typedef struct {
    char *rel;    /* relative path */
    size_t size;  /* bytes */
} floor_file;

typedef struct {
    const char *dir;
    GArray *files;     /* of floor_file */
    const char *fill;  /* the bytes written (as long as the largest file) */
    gint next;         /* atomic: next file */
    gint failed;       /* atomic */
} floor_ctx;

/* Creates @path (mode 0644, truncated), creating its parent folders if
 * missing, as the site generator does. -1 with errno on failure. */
static int floor_open(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT) {
        g_autofree char *parent = g_path_get_dirname(path);
        if (g_mkdir_with_parents(parent, 0755) == 0)
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    return fd;
}

/* What every file of a site costs at least: a temporary name, one write,
 * close, rename. No reading, no rendering, no comparing. */
static gpointer floor_worker(gpointer data)
{
    floor_ctx *f = data;
    for (;;) {
        gint i = g_atomic_int_add(&f->next, 1);
        if (i >= (gint)f->files->len || g_atomic_int_get(&f->failed))
            break;
        const floor_file *ff = &g_array_index(f->files, floor_file, i);
        g_autofree char *path = g_build_filename(f->dir, ff->rel, NULL);
        g_autofree char *dir = g_path_get_dirname(path);
        g_autofree char *base = g_path_get_basename(path);
        g_autofree char *tmp = g_strdup_printf("%s/.tmp-%s", dir, base);
        int fd = floor_open(tmp);
        bool ok = fd >= 0;
        if (ok && ff->size > 0)
            ok = write(fd, f->fill, ff->size) == (ssize_t)ff->size;
        if (fd >= 0 && close(fd) != 0)
            ok = false;
        if (ok)
            ok = rename(tmp, path) == 0;
        if (!ok) {
            fprintf(stderr, "vt-bench-site: floor: %s: %s\n", tmp, g_strerror(errno));
            g_atomic_int_set(&f->failed, 1);
        }
    }
    return NULL;
}

static void floor_file_clear(gpointer p)
{
    g_free(((floor_file *)p)->rel);
}

/* floor DIR LIST: LIST holds "SIZE PATH" lines (find SITE -type f -printf
 * '%s %P\n'); creates every PATH under DIR (which must not exist yet) with
 * SIZE bytes, as the site generator writes a file, with as many threads as
 * `vitrine rebuild` uses by default (one per core). */
static int cmd_floor(const char *dir, const char *list)
{
    FILE *in = strcmp(list, "-") == 0 ? stdin : fopen(list, "r");
    if (!in) {
        fprintf(stderr, "vt-bench-site: floor: cannot open %s: %s\n", list, g_strerror(errno));
        return 1;
    }
    GArray *files = g_array_new(FALSE, FALSE, sizeof(floor_file));
    g_array_set_clear_func(files, floor_file_clear);
    char line[FLOOR_LINE_MAX];
    size_t largest = 0;
    uint64_t total = 0;
    int rc = 0;
    while (fgets(line, sizeof line, in)) {
        g_strchomp(line);
        char *end = NULL;
        uint64_t size = g_ascii_strtoull(line, &end, 10);
        /* Relative paths only, never out of DIR. */
        if (!end || *end != ' ' || end[1] == '\0' || end[1] == '/' || strstr(end + 1, "..") ||
            size > (64u << 20) || files->len >= FLOOR_FILES_MAX) {
            fprintf(stderr, "vt-bench-site: floor: bad line in %s: %.80s\n", list, line);
            rc = 1;
            break;
        }
        floor_file ff = {g_strdup(end + 1), (size_t)size};
        g_array_append_val(files, ff);
        largest = MAX(largest, ff.size);
        total += size;
    }
    if (in != stdin)
        fclose(in);
    if (rc == 0 && g_mkdir(dir, 0755) != 0) {
        fprintf(stderr, "vt-bench-site: floor: cannot create %s: %s\n", dir, g_strerror(errno));
        rc = 1;
    }
    if (rc != 0) {
        g_array_free(files, TRUE);
        return rc;
    }
    /* Text-like filler: the file system does not look at it anyway. */
    char *fill = g_malloc(largest + 1);
    for (size_t i = 0; i < largest; i++)
        fill[i] = (char)('a' + i % 26);
    floor_ctx f = {dir, files, fill, 0, 0};
    unsigned threads = CLAMP(g_get_num_processors(), 1, 64);
    double t0 = now_seconds(), c0 = cpu_seconds();
    GThread **workers = g_new(GThread *, threads);
    for (unsigned i = 0; i < threads; i++)
        workers[i] = g_thread_new("vt-floor", floor_worker, &f);
    for (unsigned i = 0; i < threads; i++)
        g_thread_join(workers[i]);
    double secs = now_seconds() - t0, cpu = cpu_seconds() - c0;
    g_free(workers);
    if (f.failed) {
        rc = 1;
    } else {
        printf("floor: %u files, %" PRIu64 " bytes in %.2f s (CPU %.2f s, %u threads)\n",
               files->len, total, secs, cpu, threads);
    }
    g_free(fill);
    g_array_free(files, TRUE);
    return rc;
}

/* ------------------------------------------------------------ main */

static int usage(void)
{
    fprintf(stderr, "usage: vt-bench-site fill CONFIG N\n"
                    "       vt-bench-site touch [--repeat K] CONFIG ID FIELD VALUE\n"
                    "       vt-bench-site arrive [--repeat K] CONFIG\n"
                    "       vt-bench-site floor DIR LIST\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "floor") == 0)
        return argc == 4 ? cmd_floor(argv[2], argv[3]) : usage();
    int repeat = 1;
    /* --repeat K anywhere after the command. */
    GPtrArray *args = g_ptr_array_new();
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            char *end = NULL;
            long k = strtol(argv[++i], &end, 10);
            if (!end || *end || k < 1 || k > REPEAT_MAX) {
                fprintf(stderr, "vt-bench-site: --repeat is 1 to %d\n", REPEAT_MAX);
                g_ptr_array_free(args, TRUE);
                return 2;
            }
            repeat = (int)k;
        } else {
            g_ptr_array_add(args, argv[i]);
        }
    }
    char **av = (char **)args->pdata;
    guint ac = args->len;
    bool ok_usage = (strcmp(cmd, "fill") == 0 && ac == 2) ||
                    (strcmp(cmd, "touch") == 0 && ac == 4) ||
                    (strcmp(cmd, "arrive") == 0 && ac == 1);
    uint64_t n = 0;
    if (ok_usage && strcmp(cmd, "fill") == 0) {
        char *end = NULL;
        n = g_ascii_strtoull(av[1], &end, 10);
        ok_usage = end && !*end && n >= 1 && n <= FILL_MAX;
    }
    if (!ok_usage) {
        g_ptr_array_free(args, TRUE);
        return usage();
    }

    vt_config *config = NULL;
    if (vt_config_load(av[0], &config) != VT_OK) {
        fprintf(stderr, "vt-bench-site: %s\n", vt_error_message());
        g_ptr_array_free(args, TRUE);
        return 1;
    }
    vt_store *store = NULL;
    if (vt_store_open(config->state_dir, VT_STORE_WRITER, &store) != VT_OK) {
        fprintf(stderr, "vt-bench-site: %s\n", vt_error_message());
        vt_config_free(config);
        g_ptr_array_free(args, TRUE);
        return 1;
    }
    int rc;
    if (strcmp(cmd, "fill") == 0)
        rc = cmd_fill(config, store, n);
    else if (strcmp(cmd, "touch") == 0)
        rc = cmd_touch(config, store, av[1], av[2], av[3], repeat);
    else
        rc = cmd_arrive(config, store, repeat);
    vt_store_close(store);
    vt_config_free(config);
    g_ptr_array_free(args, TRUE);
    return rc;
}
