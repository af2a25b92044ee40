/* cli_query.c: the read-only commands: list, show, status, verify,
 * check-config. They open the store read-only, so they work while vitrined
 * runs (LMDB readers never block the writer). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "vt_beneath.h"
#include "vt_asset.h"
#include "vt_convert.h"
#include "vt_file.h"
#include "vt_harvest_map.h"
#include "vt_i18n.h"
#include "vt_imagemove.h"
#include "vt_indexer.h"
#include "vt_mirror.h"
#include "vt_site.h"
#include "vt_meta.h"
#include "vt_url.h"
#include "vt_store.h"

bool cli_daemon_running(const vt_config *config, int *ret_pid)
{
    g_autofree char *lock = g_build_filename(config->state_dir, "writer.lock", NULL);
    int fd = open(lock, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    if (!held)
        flock(fd, LOCK_UN);
    close(fd);
    if (held && ret_pid) {
        g_autofree char *text = NULL;
        *ret_pid = g_file_get_contents(lock, &text, NULL, NULL) ? atoi(text) : 0;
    }
    return held;
}

static vt_store *open_readonly(const vt_config *config)
{
    vt_store *store = NULL;
    if (vt_store_open(config->state_dir, VT_STORE_READONLY, &store) != VT_OK) {
        fprintf(stderr, "vitrine: %s\n", vt_error_message());
        return NULL;
    }
    return store;
}

static void print_json(json_t *json)
{
    char *text = json_dumps(json, JSON_INDENT(2) | JSON_ENSURE_ASCII * 0);
    puts(text ? text : "null");
    free(text);
}

/* ------------------------------------------------------------------- list */

typedef struct {
    const char *department;
    bool has_state;
    vt_asset_state state;
    GPtrArray *assets;   /* vt_asset* */
    GHashTable *harvested;   /* intervention -> fields (json_t*) or json null */
    vt_txn *txn;
} list_ctx;

/* The harvested fields of @intervention, as `show` joins them: kept once
 * per intervention in the store, looked up once per intervention here. */
static json_t *harvested_of(vt_txn *txn, GHashTable *cache, const char *intervention)
{
    if (!intervention)
        return json_null();
    json_t *fields = g_hash_table_lookup(cache, intervention);
    if (!fields) {
        json_t *rec = vt_txn_get_json(txn, VT_TABLE_HARVEST, intervention);
        json_t *f = json_object_get(rec, "fields");
        fields = json_is_object(f) ? json_incref(f) : json_null();
        json_decref(rec);
        g_hash_table_insert(cache, g_strdup(intervention), fields);
    }
    return fields;
}

/* The title the site shows for @a (sitegen's pick_label): of the custom
 * titles the English one else the first, else so of the harvested, else
 * of the embedded ones, else the file name. Caller frees. */
static char *title_of(const vt_asset *a, json_t *harvested)
{
    json_t *metadata = json_pack("{s:O?, s:O?}", "custom", a->custom, "harvested",
                                 json_is_object(harvested) ? harvested : NULL);
    json_t *view = NULL;
    char *title = NULL;
    if (metadata && vt_meta_merged(metadata, a->embedded, &view) == VT_OK) {
        static const char *const sources[] = {"custom", "harvested", "embedded"};
        for (size_t s = 0; !title && s < G_N_ELEMENTS(sources); s++) {
            json_t *from = json_array();
            size_t i;
            json_t *v;
            json_array_foreach(json_object_get(view, "title"), i, v)
                if (g_strcmp0(json_string_value(json_object_get(v, "source")), sources[s]) == 0)
                    json_array_append(from, v);
            const json_t *t = vt_meta_label_value(from);
            if (t)
                title = g_strdup(json_string_value(json_object_get(t, "value")));
            json_decref(from);
        }
    }
    json_decref(view);
    json_decref(metadata);
    vt_error_clear();
    if (!title) {
        const char *name = vt_asset_file_name(a);
        title = g_strdup(name ? name : "-");
    }
    /* One line per asset in the table. */
    for (char *p = title; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    return title;
}

static bool list_one(const vt_asset *a, void *data)
{
    list_ctx *c = data;
    if (c->department && strcmp(a->department, c->department) != 0)
        return true;
    if (c->has_state && a->state != c->state)
        return true;
    g_ptr_array_add(c->assets, vt_asset_dup(a));
    harvested_of(c->txn, c->harvested, a->intervention);
    return true;
}

static vt_status list_fn(vt_txn *txn, void *data)
{
    list_ctx *c = data;
    c->txn = txn;
    vt_asset_foreach(txn, list_one, data);
    return vt_txn_status(txn);
}

static gint by_created(gconstpointer a, gconstpointer b)
{
    const vt_asset *x = *(vt_asset *const *)a, *y = *(vt_asset *const *)b;
    if (x->created != y->created)
        return x->created < y->created ? -1 : 1;
    return strcmp(x->id, y->id);
}

int cli_list(cli_context *ctx, int argc, char **argv)
{
    gboolean as_json = FALSE;
    g_autofree char *department = NULL, *state = NULL;
    GOptionEntry entries[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON array", NULL},
        {"department", 'd', 0, G_OPTION_ARG_STRING, &department, "Only this department", "ID"},
        {"state", 's', 0, G_OPTION_ARG_STRING, &state,
         "Only this state (archiving, converting, ready, quarantined)", "STATE"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse("list", "list assets, oldest first", entries, &argc, &argv))
        return 2;
    list_ctx c = {.department = department,
                  .assets = g_ptr_array_new_with_free_func((GDestroyNotify)vt_asset_free),
                  .harvested = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                     (GDestroyNotify)json_decref)};
    if (state && !(c.has_state = vt_asset_state_parse(state, &c.state))) {
        fprintf(stderr, "vitrine list: unknown state '%s' (archiving, converting, ready,"
                        " quarantined)\n", state);
        g_ptr_array_free(c.assets, TRUE);
        g_hash_table_destroy(c.harvested);
        return 2;
    }
    if (department && !vt_config_department(ctx->config, department)) {
        GString *known = g_string_new(NULL);
        for (size_t i = 0; i < ctx->config->n_departments; i++)
            g_string_append_printf(known, "%s%s", i ? ", " : "", ctx->config->departments[i].id);
        fprintf(stderr, "vitrine list: unknown department '%s' (%s)\n", department, known->str);
        g_string_free(known, TRUE);
        g_ptr_array_free(c.assets, TRUE);
        g_hash_table_destroy(c.harvested);
        return 2;
    }
    vt_store *store = open_readonly(ctx->config);
    if (!store) {
        g_ptr_array_free(c.assets, TRUE);
        g_hash_table_destroy(c.harvested);
        return 1;
    }
    vt_status s = vt_store_read(store, list_fn, &c);
    vt_store_close(store);
    if (s != VT_OK) {
        fprintf(stderr, "vitrine: %s\n", vt_error_message());
        g_ptr_array_free(c.assets, TRUE);
        g_hash_table_destroy(c.harvested);
        return 1;
    }
    g_ptr_array_sort(c.assets, by_created);
    if (as_json) {
        json_t *array = json_array();
        for (guint i = 0; i < c.assets->len; i++) {
            const vt_asset *a = g_ptr_array_index(c.assets, i);
            json_t *j = vt_asset_to_json(a);
            json_t *h = a->intervention ? g_hash_table_lookup(c.harvested, a->intervention) : NULL;
            json_object_set(j, "harvested", h ? h : json_null());
            json_array_append_new(array, j);
        }
        print_json(array);
        json_decref(array);
    } else {
        printf("%-16s  %-11s  %-10s  %-12s  %11s  %-16s  %s\n", "ID", "STATE", "VISIBILITY",
               "DEPARTMENT", "PIXELS", "INTERVENTION", "TITLE");
        for (guint i = 0; i < c.assets->len; i++) {
            const vt_asset *a = g_ptr_array_index(c.assets, i);
            g_autofree char *px = a->width ? g_strdup_printf("%dx%d", a->width, a->height)
                                           : g_strdup("-");
            json_t *h = a->intervention ? g_hash_table_lookup(c.harvested, a->intervention) : NULL;
            g_autofree char *title = title_of(a, h);
            printf("%-16s  %-11s  %-10s  %-12s  %11s  %-16s  %s\n", a->id,
                   vt_asset_state_name(a->state), vt_visibility_name(a->visibility),
                   a->department, px, a->intervention ? a->intervention : "-", title);
        }
        printf("%u asset%s\n", c.assets->len, c.assets->len == 1 ? "" : "s");
    }
    g_ptr_array_free(c.assets, TRUE);
    g_hash_table_destroy(c.harvested);
    return 0;
}

/* ------------------------------------------------------------------- show */

typedef struct {
    const char *id;
    vt_asset *asset;
    json_t *harvest;   /* the intervention's harvested record, or NULL */
    GPtrArray *matches;   /* ids that start with @id (char*), when it is not a whole id */
} show_ctx;

static bool match_prefix(const vt_asset *a, void *data)
{
    show_ctx *c = data;
    if (g_str_has_prefix(a->id, c->id) && c->matches->len < 10)
        g_ptr_array_add(c->matches, g_strdup(a->id));
    return true;
}

static vt_status show_fn(vt_txn *txn, void *data)
{
    show_ctx *c = data;
    vt_asset_free(c->asset);
    c->asset = NULL;
    json_decref(c->harvest);
    c->harvest = NULL;
    g_ptr_array_set_size(c->matches, 0);
    vt_status s = vt_asset_get(txn, c->id, &c->asset);
    if (s == VT_ERR_NOT_FOUND && *c->id) {
        /* A unique prefix names the asset, as git takes a short commit id. */
        vt_asset_foreach(txn, match_prefix, c);
        if (vt_txn_status(txn) != VT_OK)
            return vt_txn_status(txn);
        if (c->matches->len != 1)
            return VT_ERR_NOT_FOUND;
        s = vt_asset_get(txn, g_ptr_array_index(c->matches, 0), &c->asset);
    }
    if (s == VT_OK && c->asset->intervention)
        c->harvest = vt_txn_get_json(txn, VT_TABLE_HARVEST, c->asset->intervention);
    return s;
}

/* The metadata as people read it: one line per value, "Label: value",
 * its language and where it comes from (custom, harvested, embedded). */
static void print_metadata(const vt_asset *a, json_t *harvested)
{
    json_t *metadata = json_pack("{s:O?, s:O?}", "custom", a->custom, "harvested",
                                 json_is_object(harvested) ? harvested : NULL);
    json_t *view = NULL;
    if (!metadata || vt_meta_merged(metadata, a->embedded, &view) != VT_OK) {
        json_decref(metadata);
        vt_error_clear();
        return;
    }
    if (json_object_size(view) > 0)
        printf("metadata:\n");
    const char *field;
    json_t *values;
    json_object_foreach(view, field, values) {
        g_autofree char *label = vt_meta_field_label(field);
        size_t i;
        json_t *v;
        json_array_foreach(values, i, v) {
            const char *lang = json_string_value(json_object_get(v, "lang"));
            g_autofree char *text = g_strdup(json_string_value(json_object_get(v, "value")));
            for (char *p = text; p && *p; p++)
                if (*p == '\n' || *p == '\r')
                    *p = ' ';
            g_autofree char *name = i == 0 ? g_strdup_printf("%s:", label) : g_strdup("");
            printf("  %-18s %s", name, text ? text : "");
            if (lang)
                printf(" [%s]", lang);
            printf("  (%s)\n", json_string_value(json_object_get(v, "source")));
        }
    }
    json_decref(view);
    json_decref(metadata);
}

int cli_show(cli_context *ctx, int argc, char **argv)
{
    gboolean as_json = FALSE;
    GOptionEntry entries[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON object", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse("show ID", "show one asset; ID may be the start of an asset id, if only one"
                   " asset's id starts so", entries, &argc, &argv))
        return 2;
    if (argc != 2) {
        fprintf(stderr, "vitrine show: give one asset id\n");
        return 2;
    }
    vt_store *store = open_readonly(ctx->config);
    if (!store)
        return 1;
    show_ctx c = {.id = argv[1], .matches = g_ptr_array_new_with_free_func(g_free)};
    vt_status s = vt_store_read(store, show_fn, &c);
    vt_store_close(store);
    if (s != VT_OK) {
        if (s != VT_ERR_NOT_FOUND) {
            fprintf(stderr, "vitrine show: %s\n", vt_error_message());
        } else if (c.matches->len > 1) {
            fprintf(stderr, "vitrine show: '%s' starts more than one asset id:", argv[1]);
            for (guint i = 0; i < c.matches->len; i++)
                fprintf(stderr, " %s", (char *)g_ptr_array_index(c.matches, i));
            fprintf(stderr, "%s; give more of the id\n", c.matches->len >= 10 ? " ..." : "");
        } else {
            fprintf(stderr, "vitrine show: no asset has the id '%s' (`vitrine list` lists"
                            " them)\n", argv[1]);
        }
        vt_asset_free(c.asset);
        json_decref(c.harvest);
        g_ptr_array_free(c.matches, TRUE);
        return 1;
    }
    g_ptr_array_free(c.matches, TRUE);
    json_t *j = vt_asset_to_json(c.asset);
    /* Harvested metadata is kept once per intervention; show joins it. */
    json_t *fields = json_object_get(c.harvest, "fields");
    json_object_set(j, "harvested", json_is_object(fields) ? fields : json_null());
    if (as_json) {
        print_json(j);
    } else {
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v) {
            if (json_is_null(v))
                continue;
            if (strcmp(key, "v") == 0 || strcmp(key, "custom") == 0 ||
                strcmp(key, "embedded") == 0 || strcmp(key, "harvested") == 0)
                continue;
            if (json_is_integer(v) && (strcmp(key, "created") == 0 || strcmp(key, "updated") == 0 ||
                                       strcmp(key, "next_attempt") == 0)) {
                if (json_integer_value(v) == 0)
                    continue;
                GDateTime *t = g_date_time_new_from_unix_local(json_integer_value(v));
                g_autofree char *when = g_date_time_format(t, "%Y-%m-%d %H:%M:%S");
                g_date_time_unref(t);
                printf("%-13s %s\n", key, when);
                continue;
            }
            char *text = json_is_string(v) ? g_strdup(json_string_value(v))
                                           : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            printf("%-13s %s\n", key, text);
            if (json_is_string(v))
                g_free(text);
            else
                free(text);
        }
        if (c.asset->state == VT_ASSET_READY) {
            /* Where it is published: the tree of its audience. */
            vt_config view;
            vt_config_audience_view(ctx->config,
                                    c.asset->visibility == VT_VISIBILITY_INTERNAL, &view);
            g_autofree char *page = vt_url_page(&view, c.asset->id);
            g_autofree char *manifest = vt_url_manifest(&view, c.asset->id);
            vt_error_clear();
            if (page)
                printf("%-13s %s\n", "page", page);
            if (manifest)
                printf("%-13s %s\n", "manifest", manifest);
        }
        print_metadata(c.asset, fields);
    }
    json_decref(c.harvest);
    json_decref(j);
    vt_asset_free(c.asset);
    return 0;
}

/* ----------------------------------------------------------------- status */

typedef struct {
    const vt_config *config;
    unsigned counts[4];
    unsigned total;
    unsigned quarantine_files;
    json_t *latest_quarantine;   /* the newest record */
    unsigned harvest_records, harvest_failing;
    json_t *harvest_problems;    /* [{intervention, status, message, next_try}] */
} status_ctx;

static bool count_harvest(const char *key, size_t key_len, const void *val, size_t len, void *data)
{
    status_ctx *c = data;
    json_t *rec = json_loadb(val, len, 0, NULL);
    c->harvest_records++;
    const char *st = json_string_value(json_object_get(rec, "status"));
    if (st && strcmp(st, "ok") != 0) {
        c->harvest_failing++;
        if (json_array_size(c->harvest_problems) < 20)
            json_array_append_new(c->harvest_problems,
                                  json_pack("{s:s, s:s, s:O?, s:O?}", "intervention", key, "status",
                                            st, "message", json_object_get(rec, "message"),
                                            "next_try", json_object_get(rec, "next_try")));
    }
    json_decref(rec);
    return true;
}

static bool count_one(const vt_asset *a, void *data)
{
    status_ctx *c = data;
    if ((unsigned)a->state < G_N_ELEMENTS(c->counts))
        c->counts[a->state]++;
    c->total++;
    return true;
}

static bool count_quarantine(const char *key, size_t key_len, const void *val, size_t len,
                             void *data)
{
    status_ctx *c = data;
    /* Files as the folder holds them: a record whose file was restored by
     * a retry (or removed by an administrator) is history, not a file. */
    json_t *rec = json_loadb(val, len, 0, NULL);
    const char *path = json_string_value(json_object_get(rec, "path"));
    vt_place place = VT_PLACE_INIT;
    struct stat st;
    bool there = path &&
                 vt_place_open_path(c->config->quarantine_dir, path, 0, &place) == VT_OK &&
                 fstatat(place.dirfd, place.name, &st, AT_SYMLINK_NOFOLLOW) == 0;
    vt_place_close(&place);
    vt_error_clear();
    if (!there) {
        json_decref(rec);
        return true;
    }
    c->quarantine_files++;
    json_decref(c->latest_quarantine);
    c->latest_quarantine = rec;
    return true;
}

static vt_status status_fn(vt_txn *txn, void *data)
{
    status_ctx *c = data;
    vt_asset_foreach(txn, count_one, c);
    vt_txn_foreach(txn, VT_TABLE_QUARANTINE, NULL, count_quarantine, c);
    vt_txn_foreach(txn, VT_TABLE_HARVEST, NULL, count_harvest, c);
    return vt_txn_status(txn);
}

/* One line per [mirror] target from the daemon's status file. */
static void print_mirrors(json_t *mirrors)
{
    size_t i;
    json_t *m;
    json_array_foreach(mirrors, i, m) {
        const char *error = json_string_value(json_object_get(m, "last_error"));
        json_int_t failures = json_integer_value(json_object_get(m, "failures"));
        printf("mirror %s (%s tree): %s, %lld push%s", json_string_value(json_object_get(m, "target")),
               json_string_value(json_object_get(m, "tree")),
               json_string_value(json_object_get(m, "state")),
               (long long)json_integer_value(json_object_get(m, "pushes")),
               json_integer_value(json_object_get(m, "pushes")) == 1 ? "" : "es");
        if (failures)
            printf(", FAILING (%lld in a row): %s", (long long)failures, error ? error : "-");
        printf("\n");
    }
}

int cli_status(cli_context *ctx, int argc, char **argv)
{
    gboolean as_json = FALSE;
    GOptionEntry entries[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON object", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse("status", "daemon, queue and store figures", entries, &argc, &argv))
        return 2;
    status_ctx c = {.config = ctx->config, .harvest_problems = json_array()};
    vt_store *store = NULL;
    vt_status s = vt_store_open(ctx->config->state_dir, VT_STORE_READONLY, &store);
    if (s == VT_OK) {
        s = vt_store_read(store, status_fn, &c);
        vt_store_close(store);
    }
    if (s != VT_OK && s != VT_ERR_NOT_FOUND) {
        fprintf(stderr, "vitrine: %s\n", vt_error_message());
        return 1;
    }
    int pid = 0;
    bool running = cli_daemon_running(ctx->config, &pid);
    json_t *daemon = NULL;
    if (running) {
        g_autofree char *path = g_build_filename(ctx->config->state_dir, "status.json", NULL);
        daemon = json_load_file(path, 0, NULL);
    }
    if (!json_is_object(daemon)) {
        json_decref(daemon);
        daemon = json_object();
    }
    unsigned hotfolders = 0;
    for (size_t i = 0; i < ctx->config->n_departments; i++) {
        struct stat st;
        hotfolders += stat(ctx->config->departments[i].hotfolder, &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (running)
        json_object_set_new(daemon, "hotfolders", json_integer(hotfolders));
    json_object_set_new(daemon, "running", json_boolean(running));
    json_object_set_new(daemon, "pid", running && pid > 0 ? json_integer(pid) : json_null());

    json_t *out = json_pack("{s:{s:i, s:i, s:i, s:i, s:i}, s:{s:i, s:O?}, s:O}",
                            "assets", "total", c.total,
                            "archiving", c.counts[VT_ASSET_ARCHIVING],
                            "converting", c.counts[VT_ASSET_CONVERTING],
                            "ready", c.counts[VT_ASSET_READY],
                            "quarantined", c.counts[VT_ASSET_QUARANTINED],
                            "quarantine", "files", c.quarantine_files,
                            "latest", c.latest_quarantine,
                            "daemon", daemon);
    json_object_set_new(out, "harvest", json_pack("{s:i, s:i, s:O}", "records", c.harvest_records,
                                                  "failing", c.harvest_failing, "problems",
                                                  c.harvest_problems));
    if (as_json) {
        print_json(out);
    } else {
        if (running) {
            json_t *q = json_object_get(daemon, "queue");
            /* "watches" counts inotify watches: every subfolder of a
             * hotfolder and the spool folders too, so 3 hotfolders read as
             * 4 or 5 "folders". People count hotfolders. */
            printf("vitrined: running (pid %d), %u hotfolder%s watched; %lld settling,"
                   " %lld file jobs, %lld waiting, %lld converting, %lld waiting to retry\n",
                   pid, hotfolders, hotfolders == 1 ? "" : "s",
                   json_integer_value(json_object_get(q, "settling")),
                   json_integer_value(json_object_get(q, "file_jobs")),
                   json_integer_value(json_object_get(q, "waiting")),
                   json_integer_value(json_object_get(q, "converting")),
                   json_integer_value(json_object_get(q, "retrying")));
            const char *problem = json_string_value(json_object_get(daemon, "problem"));
            if (problem)
                printf("PROBLEM: %s\n", problem);
            json_int_t refused = json_integer_value(json_object_get(daemon, "refused"));
            const char *last = json_string_value(json_object_get(daemon, "last_refused"));
            if (refused)
                printf("sidecars with refused fields since start: %lld, latest: %s\n",
                       (long long)refused, last ? last : "-");
            print_mirrors(json_object_get(daemon, "mirrors"));
        } else {
            printf("vitrined: not running\n");
        }
        printf("assets: %u (%u ready, %u converting, %u archiving, %u quarantined)\n", c.total,
               c.counts[VT_ASSET_READY], c.counts[VT_ASSET_CONVERTING],
               c.counts[VT_ASSET_ARCHIVING], c.counts[VT_ASSET_QUARANTINED]);
        printf("quarantine: %u file%s", c.quarantine_files, c.quarantine_files == 1 ? "" : "s");
        if (c.latest_quarantine)
            printf(", latest %s/%s", json_string_value(json_object_get(c.latest_quarantine, "department")),
                   json_string_value(json_object_get(c.latest_quarantine, "source")));
        printf("\n");
        printf("harvest: %u intervention record%s, %u failing\n", c.harvest_records,
               c.harvest_records == 1 ? "" : "s", c.harvest_failing);
        size_t i;
        json_t *h;
        json_array_foreach(c.harvest_problems, i, h)
            printf("  %s: %s\n", json_string_value(json_object_get(h, "intervention")),
                   json_string_value(json_object_get(h, "message")));
    }
    json_decref(c.harvest_problems);
    json_decref(out);
    json_decref(daemon);
    json_decref(c.latest_quarantine);
    return 0;
}

/* ----------------------------------------------------------------- verify */

typedef struct {
    GPtrArray *assets;
} verify_ctx;

static bool collect(const vt_asset *a, void *data)
{
    g_ptr_array_add(data, vt_asset_dup(a));
    return true;
}

static vt_status verify_fn(vt_txn *txn, void *data)
{
    vt_asset_foreach(txn, collect, data);
    return vt_txn_status(txn);
}

static void add_problem(json_t *problems, const vt_asset *a, const char *what)
{
    json_array_append_new(problems, json_pack("{s:s, s:s, s:s}", "id", a->id, "source", a->source,
                                              "problem", what));
}

static void check_exists(json_t *problems, const vt_asset *a, const char *path, const char *what)
{
    struct stat st;
    if (!path || stat(path, &st) != 0) {
        g_autofree char *msg = g_strdup_printf("the %s is missing (%s)", what, path ? path : "none");
        add_problem(problems, a, msg);
    }
}

int cli_verify(cli_context *ctx, int argc, char **argv)
{
    gboolean as_json = FALSE;
    GOptionEntry entries[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON object", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse("verify", "re-check every archived original against its SHA-256 and that"
                   " every converted image exists", entries, &argc, &argv))
        return 2;
    vt_store *store = open_readonly(ctx->config);
    if (!store)
        return 1;
    GPtrArray *assets = g_ptr_array_new_with_free_func((GDestroyNotify)vt_asset_free);
    vt_status s = vt_store_read(store, verify_fn, assets);
    vt_store_close(store);
    if (s != VT_OK) {
        fprintf(stderr, "vitrine: %s\n", vt_error_message());
        g_ptr_array_free(assets, TRUE);
        return 1;
    }
    bool tty = isatty(STDERR_FILENO) && !as_json;
    json_t *problems = json_array();
    for (guint i = 0; i < assets->len; i++) {
        const vt_asset *a = g_ptr_array_index(assets, i);
        if (tty)
            fprintf(stderr, "\r\033[Kverifying %u/%u %s", i + 1, assets->len, a->id);
        char sum[VT_SHA256_HEX_LEN + 1];
        if (vt_file_sha256(a->original, sum, NULL) != VT_OK) {
            add_problem(problems, a, vt_error_message());
        } else if (strcmp(sum, a->sha256) != 0) {
            g_autofree char *msg = g_strdup_printf("%s has SHA-256 %s, recorded %s: the archived"
                                                   " original changed", a->original, sum, a->sha256);
            add_problem(problems, a, msg);
        }
        if (a->state == VT_ASSET_READY) {
            check_exists(problems, a, a->image, "pyramidal TIFF");
            check_exists(problems, a, a->thumbnail, "thumbnail");
            check_exists(problems, a, a->download, "download JPEG");
            if (ctx->config->server == VT_SERVER_STATIC)
                check_exists(problems, a, a->tiles, "static tiles folder");
        }
    }
    if (tty)
        fputs("\r\033[K", stderr);
    size_t n = json_array_size(problems);
    if (as_json) {
        json_t *out = json_pack("{s:i, s:O, s:b}", "checked", (int)assets->len, "problems",
                                problems, "ok", n == 0);
        print_json(out);
        json_decref(out);
    } else {
        size_t i;
        json_t *p;
        json_array_foreach(problems, i, p)
            printf("%s (%s): %s\n", json_string_value(json_object_get(p, "id")),
                   json_string_value(json_object_get(p, "source")),
                   json_string_value(json_object_get(p, "problem")));
        printf("%u asset%s checked, %zu problem%s\n", assets->len, assets->len == 1 ? "" : "s", n,
               n == 1 ? "" : "s");
    }
    json_decref(problems);
    g_ptr_array_free(assets, TRUE);
    return n ? 1 : 0;
}

/* ----------------------------------------------------------- check-config */

/* The image loaders: what the conversion child's libvips has
 * (vitrine-convert --list-loaders) against images.loaders. */
static void print_loaders(const vt_config *c)
{
    const char *argv[] = { vt_convert_child_path(), "--list-loaders", NULL };
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(GError) error = NULL;
    int status = 0;
    g_autofree char *configured = g_strjoinv(", ", c->loaders);

    printf("  image loaders used (images.loaders): %s\n", configured);
    if (!g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out, &err, &status, &error) ||
        !g_spawn_check_wait_status(status, NULL)) {
        printf("  image loaders this libvips has: unknown (%s does not run: %s)\n", argv[0],
               error ? error->message : g_strstrip(err));
        return;
    }
    g_auto(GStrv) have = g_strsplit(g_strstrip(out), "\n", -1);
    g_autofree char *have_text = g_strjoinv(", ", have);
    printf("  image loaders this libvips has: %s\n", have_text);
    for (size_t i = 0; c->loaders[i]; i++) {
        if (!g_strv_contains((const char *const *)have, c->loaders[i]))
            printf("  loader %s: not in this libvips; such files are refused\n", c->loaders[i]);
    }
}

int cli_check_config(cli_context *ctx, int argc, char **argv)
{
    GOptionEntry entries[] = {{NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse("check-config", "validate the configuration file", entries, &argc, &argv))
        return 2;
    vt_config *c = NULL;
    if (vt_config_load(ctx->config_path, &c) != VT_OK) {
        fprintf(stderr, "%s\n", vt_error_message());
        return 2;
    }
    vt_harvest_config *harvest = NULL;
    if (vt_harvest_config_load(c->keyfile, &harvest) != VT_OK) {
        fprintf(stderr, "%s: %s\n", ctx->config_path, vt_error_message());
        vt_config_free(c);
        return 2;
    }
    vt_mirror *mirror = NULL;
    if (vt_mirror_new(c, NULL, NULL, &mirror) != VT_OK) {
        fprintf(stderr, "%s: %s\n", ctx->config_path, vt_error_message());
        vt_harvest_config_free(harvest);
        vt_config_free(c);
        return 2;
    }
    size_t n_mirrors = vt_mirror_count(mirror);
    vt_mirror_free(mirror);
    size_t synonym_groups = 0, synonym_words = 0;
    if (vt_indexer_check_synonyms(c, &synonym_groups, &synonym_words) != VT_OK) {
        fprintf(stderr, "%s: %s\n", ctx->config_path, vt_error_message());
        vt_harvest_config_free(harvest);
        vt_config_free(c);
        return 2;
    }
    if (vt_imagemove_check(c) != VT_OK) {
        fprintf(stderr, "%s: %s\n", ctx->config_path, vt_error_message());
        vt_harvest_config_free(harvest);
        vt_config_free(c);
        return 2;
    }
    /* Each language's interface catalogue, as rebuild and vitrined load them. */
    for (size_t i = 0; c->site_languages && c->site_languages[i]; i++) {
        vt_i18n *cat = NULL;
        if (vt_i18n_load(c->site_languages[i], &cat) != VT_OK) {
            fprintf(stderr, "%s: [site] languages: %s\n", ctx->config_path, vt_error_message());
            vt_config_free(c);
            return 2;
        }
        vt_i18n_free(cat);
    }
    int warnings = 0;
    printf("%s: configuration OK\n", ctx->config_path);
    if (c->site_languages && c->site_languages[0]) {
        g_autofree char *langs = g_strjoinv(", ", c->site_languages);
        printf("  languages: %s (the first is the default; each has its catalogue)\n", langs);
    }
    if (c->synonyms_path)
        printf("  synonyms: %zu group%s, %zu words, from %s\n", synonym_groups,
               synonym_groups == 1 ? "" : "s", synonym_words, c->synonyms_path);
    printf("  harvest: %s\n", harvest ? "on" : "off (no [harvest] group)");
    printf("  mirrors: %zu rsync target%s\n", n_mirrors, n_mirrors == 1 ? "" : "s");
    vt_harvest_config_free(harvest);
    printf("  image server: %s, images in %s, served at %s\n", vt_image_server_name(c->server),
           c->images_dir, c->images_base_url);
    printf("  internal images in %s, served at %s (behind the internal site's"
           " authentication)\n", c->images_internal_dir, c->images_internal_base_url);
    print_loaders(c);
    for (size_t i = 0; i < c->n_departments; i++) {
        const vt_department *d = &c->departments[i];
        struct stat st;
        bool exists = stat(d->hotfolder, &st) == 0 && S_ISDIR(st.st_mode);
        printf("  department %s (%s, %s): %s%s\n", d->id, d->label,
               vt_visibility_name(d->visibility), d->hotfolder,
               exists ? "" : "  (does not exist yet: vitrined will not see it)");
        warnings += !exists;
    }
    g_autofree char *missing = vt_site_missing_vendor();
    if (missing) {
        printf("  %s\n", missing);
        warnings++;
    }
    if (warnings)
        printf("%d warning%s\n", warnings, warnings == 1 ? "" : "s");
    vt_config_free(c);
    return 0;
}
