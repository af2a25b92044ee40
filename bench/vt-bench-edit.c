/* vt-bench-edit: what one staff edit at the metadata caps costs the
 * daemon's loop thread (issue 13, Medium 6: no loop step over ~100 ms at
 * the caps), against a one-word edit measured in the same run (bench only;
 * not a test, not installed).
 *
 * Usage: vt-bench-edit [K]   (default 20 rounds)
 *
 * In a temporary folder: a store, an index, one READY asset and OTHERS
 * more with a title of 20 random words each. Each round
 * runs what vitrined runs for one edit request (all one-word rounds first,
 * then the cap rounds): (1) on the loop thread, the write transaction
 * (vt_terms_edit_asset plus the audit entry); (2) the index flush of that
 * asset (vt_indexer_mark + vt_indexer_flush_start, the 300 ms timer's step),
 * which runs on a thread of its own while the loop goes on. The loop
 * thread's step is (1) plus starting (2). The "cap" edit sets fields
 * of random words (the worst case for the index: every word a new term),
 * each value at VT_META_VALUE_MAX_WORDS or VT_META_VALUE_MAX_BYTES, until
 * the asset is just under VT_META_CUSTOM_MAX_BYTES; the "vocabulary" edit
 * the same from a fixed list of VOCABULARY words (text in a language, whose
 * words the index mostly has already); the "small" edit sets one word. Prints the median and the maximum of each
 * step, and the cap/small ratio of the medians. Exits 0, 1 on failure.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vt_asset.h"
#include "vt_audit.h"
#include "vt_config.h"
#include "vt_indexer.h"
#include "vt_meta.h"
#include "vt_store.h"
#include "vt_terms.h"

/* Assets besides the edited one. */
#define OTHERS 2000

typedef struct {
    const vt_config *config;
    const json_t *edit;
} edit_ctx;

static vt_status put_fn(vt_txn *txn, void *data)
{
    vt_terms_put_asset(txn, NULL, data);
    return vt_txn_status(txn);
}

static vt_status edit_fn(vt_txn *txn, void *data)
{
    edit_ctx *c = data;
    vt_status s = vt_terms_edit_asset(txn, c->config, "benchasset000001", c->edit, NULL);
    if (s == VT_OK)
        vt_audit_append(txn, "benchasset000001", 0, "bench", "web", c->edit, NULL, NULL);
    return s;
}

/* This thread's CPU time, in ms: what the step costs the loop on an idle
 * machine (wall time on a shared one also counts others' work). */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static double load_average(void)
{
    double load = 0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1)
            load = 0;
        fclose(f);
    }
    return load;
}

static void flushed(vt_status status, const char *message, void *data)
{
    if (status != VT_OK)
        fprintf(stderr, "vt-bench-edit: flush: %s\n", message);
    *(int *)data = status == VT_OK ? 1 : -1;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void die(const char *what)
{
    fprintf(stderr, "vt-bench-edit: %s: %s\n", what, vt_error_message());
    exit(1);
}

/* @n words of 4 to 13 random lower-case letters. */
static char *random_words(GRand *r, int n, size_t max_bytes)
{
    GString *s = g_string_new(NULL);
    for (int i = 0; i < n; i++) {
        int len = g_rand_int_range(r, 4, 14);
        if (s->len + (size_t)len + 1 > max_bytes)
            break;
        if (i)
            g_string_append_c(s, ' ');
        for (int k = 0; k < len; k++)
            g_string_append_c(s, (char)('a' + g_rand_int_range(r, 0, 26)));
    }
    return g_string_free(s, FALSE);
}

/* Words of a text in a language: drawn from VOCABULARY words (made once,
 * from seed 11), so that most of an edit's words are already in the index,
 * as in real descriptions. */
#define VOCABULARY 3000
static char *vocabulary_words(GRand *r, int n, size_t max_bytes)
{
    static char *words[VOCABULARY];
    if (!words[0]) {
        GRand *seed = g_rand_new_with_seed(11);
        for (int i = 0; i < VOCABULARY; i++)
            words[i] = random_words(seed, 1, 20);
        g_rand_free(seed);
    }
    GString *s = g_string_new(NULL);
    for (int i = 0; i < n; i++) {
        const char *w = words[g_rand_int_range(r, 0, VOCABULARY)];
        if (s->len + strlen(w) + 1 > max_bytes)
            break;
        if (i)
            g_string_append_c(s, ' ');
        g_string_append(s, w);
    }
    return g_string_free(s, FALSE);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 20;
    if (rounds < 1)
        rounds = 20;
    g_autofree char *dir = g_dir_make_tmp("vt-bench-edit-XXXXXX", NULL);
    g_autofree char *text = g_strdup_printf(
        "[vitrine]\nstate-dir=%s/state\noriginals-dir=%s/o\nquarantine-dir=%s/q\nspool-dir=%s/s\n"
        "[images]\nserver=cantaloupe\ndir=%s/i\nbase-url=http://127.0.0.1/iiif\n"
        "[site]\ndir=%s/site\nbase-url=http://127.0.0.1\n"
        "[department:photo]\nhotfolder=%s/hot\nvisibility=public\n",
        dir, dir, dir, dir, dir, dir, dir);
    vt_config *config = NULL;
    if (vt_config_load_data(text, "bench", NULL, &config) != VT_OK)
        die("config");
    vt_store *store = NULL;
    if (vt_store_open(config->state_dir, VT_STORE_WRITER, &store) != VT_OK)
        die("store");
    vt_indexer *indexer = NULL;
    if (vt_indexer_open(config, &indexer) != VT_OK)
        die("index");
    vt_asset *a = vt_asset_new();
    a->id = g_strdup("benchasset000001");
    memset(a->sha256, 'a', 64);
    a->department = g_strdup("photo");
    a->state = VT_ASSET_READY;
    a->source = g_strdup("x.tif");
    a->original = g_strdup_printf("%s/o/photo/x.tif", dir);
    a->width = a->height = 1000;
    if (vt_store_write(store, put_fn, a) != VT_OK)
        die("put");
    vt_asset_free(a);
    /* Other assets, so that the index is not the one edited document (with
     * one document every term is in all of them, and the facet table keeps
     * the postings of every term). */
    GRand *fill = g_rand_new_with_seed(7);
    for (int i = 0; i < OTHERS; i++) {
        vt_asset *o = vt_asset_new();
        o->id = g_strdup_printf("benchother%06d", i);
        memset(o->sha256, 'b', 64);
        g_snprintf(o->sha256, 17, "%016x", i);
        o->sha256[16] = 'b';
        o->department = g_strdup("photo");
        o->state = VT_ASSET_READY;
        o->source = g_strdup_printf("o%d.tif", i);
        o->original = g_strdup_printf("%s/o/photo/o%d.tif", dir, i);
        o->width = o->height = 1000;
        char *words = random_words(fill, 20, 200);
        o->custom = json_pack("{s:[{s:s}], s:[{s:s}]}", "title", "value", words, "keywords",
                              "value", i % 2 ? "craquelure" : "varnish");
        g_free(words);
        if (vt_store_write(store, put_fn, o) != VT_OK)
            die("put");
        vt_indexer_mark(indexer, o->id);
        vt_asset_free(o);
    }
    g_rand_free(fill);
    if (vt_indexer_flush(indexer, store) != VT_OK)
        die("flush");

    GRand *r = g_rand_new_with_seed(13);
    /* [cap random / small / cap vocabulary][write, flush wall; write, flush CPU;
     * the loop thread's whole step: write + starting the flush, wall] */
    double *t[3][5];
    for (int k = 0; k < 3; k++)
        for (int s = 0; s < 5; s++)
            t[k][s] = g_new(double, rounds);
    /* The small edits first, on a clean index; then the cap edits with a
     * vocabulary, then the random ones. */
    static const int order[3] = {1, 2, 0};
    for (int o = 0; o < 3; o++) {
        int k = order[o];
        for (int i = 0; i < rounds; i++) {
            json_t *set = json_object();
            if (k == 0 || k == 2) {
                /* Values of VT_META_VALUE_MAX_WORDS words (or up to the
                 * byte cap) until the asset's cap is nearly reached. */
                size_t total = 64;   /* room for the one-word edits' keywords */
                for (int f = 0; total + 64 < VT_META_CUSTOM_MAX_BYTES; f++) {
                    size_t room = VT_META_CUSTOM_MAX_BYTES - total - 16;
                    size_t max = MIN(room, (size_t)VT_META_VALUE_MAX_BYTES);
                    char *v = k == 0 ? random_words(r, VT_META_VALUE_MAX_WORDS, max)
                                     : vocabulary_words(r, VT_META_VALUE_MAX_WORDS, max);
                    char name[16];
                    g_snprintf(name, sizeof name, "note%d", f);
                    total += strlen(v) + strlen(name);
                    json_object_set_new(set, name, json_string(v));
                    g_free(v);
                }
            } else {
                char *v = random_words(r, 1, 100);
                json_object_set_new(set, "keywords", json_string(v));
                g_free(v);
            }
            json_t *edit = json_pack("{s:o}", "set", set);
            edit_ctx c = {config, edit};
            double c0 = cpu_ms();
            gint64 t0 = g_get_monotonic_time();
            if (vt_store_write(store, edit_fn, &c) != VT_OK)
                die("edit");
            gint64 t1 = g_get_monotonic_time();
            double c1 = cpu_ms();
            vt_indexer_mark(indexer, "benchasset000001");
            /* As vitrined does it: the flush on its own thread, the loop
             * thread only starts it and hears when it ends. */
            int done = 0;
            if (!vt_indexer_flush_start(indexer, store, flushed, &done))
                die("flush start");
            gint64 t1s = g_get_monotonic_time();
            while (!done)
                g_main_context_iteration(NULL, TRUE);
            if (done < 0)
                die("flush");
            gint64 t2 = g_get_monotonic_time();
            double c2 = c1;   /* the flush's CPU is its thread's, not counted here */
            t[k][0][i] = (double)(t1 - t0) / 1000.0;
            t[k][1][i] = (double)(t2 - t1) / 1000.0;
            t[k][2][i] = c1 - c0;
            t[k][3][i] = c2 - c1;
            t[k][4][i] = (double)(t1s - t0) / 1000.0;
            json_decref(edit);
        }
    }
    g_autofree char *cap_name = g_strdup_printf("cap (%u bytes, <= %d words a value)",
                                                VT_META_CUSTOM_MAX_BYTES,
                                                VT_META_VALUE_MAX_WORDS);
    g_autofree char *vocab_name = g_strdup_printf("cap, words from a %d-word vocabulary",
                                                  VOCABULARY);
    const char *names[3] = {cap_name, "small (1 word)", vocab_name};
    double med[3][5];
    for (int k = 0; k < 3; k++) {
        for (int s = 0; s < 5; s++) {
            qsort(t[k][s], (size_t)rounds, sizeof(double), compare_doubles);
            med[k][s] = t[k][s][rounds / 2];
        }
        printf("%s\n  write: median %7.2f ms (CPU %6.2f), max %7.2f ms (CPU %6.2f)\n"
               "  index flush (its own thread): median %7.2f ms, max %7.2f ms\n"
               "  the loop thread's step (write + flush start): median %7.2f ms, max %7.2f ms\n",
               names[k], med[k][0], med[k][2], t[k][0][rounds - 1], t[k][2][rounds - 1],
               med[k][1], t[k][1][rounds - 1], med[k][4], t[k][4][rounds - 1]);
    }
    printf("ratio cap/small (median wall): write %.1f, index flush %.1f, loop step %.1f;"
           " vocabulary cap/small: index flush %.1f (%d rounds, load %.2f)\n",
           med[0][0] / med[1][0], med[0][1] / med[1][1], med[0][4] / med[1][4],
           med[2][1] / med[1][1], rounds, load_average());
    vt_indexer_close(indexer);
    vt_store_close(store);
    vt_config_free(config);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
