/* vt_indexer.c: see vt_indexer.h. */
#include "vt_indexer.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt_file.h"
#include "vt_index.h"
#include "vt_meta.h"
#include "vt_publog.h"
#include "vt_terms.h"

#define SYNONYMS_MAX_BYTES (16u << 20)
/* Longest synonym (vt_index_set_synonyms refuses longer ones). */
#define SYNONYM_MAX_BYTES 64

typedef struct flush_job flush_job;

struct vt_indexer {
    const vt_config *config;
    vt_annotation_types *annotation_types;
    vt_index *index;      /* used by one thread at a time: a running flush's, else the caller's */
    GHashTable *marked;   /* asset id -> NULL; the calling (loop) thread only */
    flush_job *running;   /* the flush on its own thread, or NULL */
};

char *vt_indexer_dir(const vt_config *config)
{
    return g_strdup(config->index_dir);
}

/* Is @tag a language a synonym may be tagged with: one the index stems or
 * one of [site] languages? */
static bool synonym_lang_known(const vt_config *config, const char *tag)
{
    static const char *const stemmed[] = {"nl", "fr", "en", "de", NULL};
    if (g_strv_contains(stemmed, tag))
        return true;
    return config->site_languages && g_strv_contains((const char *const *)config->site_languages, tag);
}

/* Synonym groups from the [search] synonyms file; NULL when none is set.
 * A member tagged with its language ("vernis@nl", as SKOS literals are
 * written) is {"value": "vernis", "lang": "nl"} (vt_index_set_synonyms). */
static vt_status load_synonyms(const vt_config *config, json_t **ret_groups)
{
    const char *path = config->synonyms_path;
    *ret_groups = NULL;
    if (!path)
        return VT_OK;
    g_autofree char *text = NULL;
    gsize len = 0;
    GError *err = NULL;
    if (!g_file_get_contents(path, &text, &len, &err)) {
        vt_status s = vt_error_set(VT_ERR_CONFIG, "[search] synonyms: %s", err->message);
        g_error_free(err);
        return s;
    }
    if (len > SYNONYMS_MAX_BYTES || !g_utf8_validate(text, (gssize)len, NULL))
        return vt_error_set(VT_ERR_CONFIG, "[search] synonyms: %s is over %u bytes or not UTF-8",
                            path, SYNONYMS_MAX_BYTES);
    json_t *groups = json_array();
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (size_t i = 0; lines[i]; i++) {
        char *hash = strchr(lines[i], '#');
        if (hash)
            *hash = '\0';
        g_auto(GStrv) words = g_strsplit(lines[i], ",", -1);
        json_t *group = json_array();
        for (size_t k = 0; words[k]; k++) {
            g_strstrip(words[k]);
            if (!*words[k])
                continue;
            char *at = strrchr(words[k], '@');
            const char *tag = NULL;
            if (at) {
                *at = '\0';
                tag = g_strstrip(at + 1);
                g_strstrip(words[k]);
                if (!synonym_lang_known(config, tag)) {
                    json_decref(group);
                    json_decref(groups);
                    return vt_error_set(VT_ERR_CONFIG,
                                        "[search] synonyms: %s line %zu: \"%s@%s\" has an unknown language"
                                        " tag; a tag is nl, fr, en, de or one of [site] languages"
                                        " (vernis@nl, varnish@en)",
                                        path, i + 1, words[k], tag);
                }
            }
            /* A member of several words ("lead white") is a phrase
             * synonym (vt_index_set_synonyms); what the index would refuse
             * is refused here with its line, not as "search index
             * unavailable" at reindex. */
            const char *w = words[k];
            unsigned n_words = 0;   /* runs of letters and digits: at least the index's words */
            bool gap = true;
            for (const char *c = w; *c; c = g_utf8_next_char(c)) {
                bool letter = g_unichar_isalnum(g_utf8_get_char(c));
                n_words += gap && letter;
                gap = !letter;
            }
            if (n_words == 0 || n_words > VT_INDEX_SYNONYM_PHRASE_WORDS || strlen(w) > SYNONYM_MAX_BYTES) {
                json_decref(group);
                json_decref(groups);
                return vt_error_set(VT_ERR_CONFIG,
                                    "[search] synonyms: %s line %zu: \"%s\" is %s; a group lists"
                                    " words or short phrases separated by commas (lead white,"
                                    " loodwit, Bleiweiß)",
                                    path, i + 1, w,
                                    strlen(w) > SYNONYM_MAX_BYTES ? "longer than 64 bytes"
                                    : n_words == 0                ? "not a word"
                                                                  : "more than 8 words");
            }
            json_array_append_new(group, tag ? json_pack("{s:s, s:s}", "value", w, "lang", tag)
                                             : json_string(w));
        }
        if (json_array_size(group) >= 2)
            json_array_append_new(groups, group);
        else
            json_decref(group);
    }
    *ret_groups = groups;
    return VT_OK;
}

vt_status vt_indexer_check_synonyms(const vt_config *config, size_t *ret_groups, size_t *ret_words)
{
    json_t *groups = NULL;
    vt_status s = load_synonyms(config, &groups);
    if (s != VT_OK)
        return s;
    size_t n = json_array_size(groups), words = 0;
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g)
        words += json_array_size(g);
    json_decref(groups);
    if (ret_groups)
        *ret_groups = n;
    if (ret_words)
        *ret_words = words;
    return VT_OK;
}

vt_status vt_indexer_open(const vt_config *config, vt_indexer **ret_indexer)
{
    g_autofree char *dir = vt_indexer_dir(config);
    json_t *synonyms = NULL;
    vt_status s = load_synonyms(config, &synonyms);
    if (s != VT_OK)
        return s;
    vt_index *index = NULL;
    s = vt_index_open(dir, true, &index);
    if (s == VT_OK && synonyms) {
        s = vt_index_set_synonyms(index, synonyms);
        if (s == VT_OK)
            s = vt_index_commit(index);
    }
    json_decref(synonyms);
    if (s != VT_OK) {
        vt_index_close(index);
        return s;
    }
    vt_annotation_types *types = NULL;
    s = vt_annotation_types_load(config->keyfile, &types);
    if (s != VT_OK) {
        vt_index_close(index);
        return s;
    }
    vt_indexer *ix = g_new0(vt_indexer, 1);
    ix->config = config;
    ix->annotation_types = types;
    ix->index = index;
    ix->marked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    *ret_indexer = ix;
    return VT_OK;
}

void vt_indexer_close(vt_indexer *ix)
{
    if (!ix)
        return;
    vt_indexer_flush_wait(ix);
    vt_index_close(ix->index);
    vt_annotation_types_free(ix->annotation_types);
    g_hash_table_destroy(ix->marked);
    g_free(ix);
}

void vt_indexer_mark(vt_indexer *ix, const char *id)
{
    if (ix && id)
        g_hash_table_add(ix->marked, g_strdup(id));
}

unsigned vt_indexer_marked(const vt_indexer *ix)
{
    return ix ? g_hash_table_size(ix->marked) : 0;
}

/* The first four-digit year in the asset's date fields, or 0. */
static int year_of(const json_t *fields)
{
    static const char *const keys[] = {"year", "date", "created", NULL};
    for (size_t k = 0; keys[k]; k++) {
        const json_t *values = json_object_get(fields, keys[k]);
        size_t i;
        const json_t *v;
        json_array_foreach(values, i, v) {
            const char *text = json_string_value(json_object_get(v, "value"));
            for (const char *p = text; p && *p; p++) {
                if (g_ascii_isdigit(p[0]) && g_ascii_isdigit(p[1]) && g_ascii_isdigit(p[2]) &&
                    g_ascii_isdigit(p[3]) && !g_ascii_isdigit(p[4]) &&
                    (p == text || !g_ascii_isdigit(p[-1]))) {
                    int y = atoi(p);
                    if (y >= 1000 && y <= 2999)
                        return y;
                }
            }
        }
    }
    return 0;
}

/* Index field names are [a-z][a-z0-9_]{0,31}; metadata names may also hold
 * '-', which becomes '_'. */
static char *index_field_name(const char *name)
{
    char *n = g_ascii_strdown(name, -1);
    for (char *p = n; *p; p++)
        if (*p == '-')
            *p = '_';
    if (strlen(n) > 32)
        n[32] = '\0';
    return n;
}

json_t *vt_indexer_document(const vt_config *config, const vt_asset *a, const json_t *harvested)
{
    json_t *meta = json_object();
    if (a->custom)
        json_object_set(meta, "custom", a->custom);
    if (harvested)
        json_object_set(meta, "harvested", (json_t *)harvested);
    json_t *merged = NULL;
    if (vt_meta_merged(meta, a->embedded, &merged) != VT_OK)
        merged = json_object();
    json_decref(meta);

    /* The index takes {"value", "lang"?} items; "source" is for display. */
    json_t *fields = json_object();
    const char *name;
    json_t *values;
    json_object_foreach(merged, name, values) {
        if (strcmp(name, "visibility") == 0)
            continue;   /* a boolean term, not text */
        g_autofree char *key = index_field_name(name);
        json_t *items = json_object_get(fields, key);
        if (!items) {
            items = json_array();
            json_object_set_new(fields, key, items);
        }
        size_t i;
        json_t *v;
        json_array_foreach(values, i, v) {
            json_t *item = json_pack("{s:O}", "value", json_object_get(v, "value"));
            json_t *lang = json_object_get(v, "lang");
            if (json_is_string(lang))
                json_object_set(item, "lang", lang);
            json_array_append_new(items, item);
        }
    }
    json_decref(merged);

    /* The label a visitor sees: the site's (an English title, else the
     * first, else the file name). */
    const char *label = json_string_value(
        json_object_get(vt_meta_label_value(json_object_get(fields, "title")), "value"));
    const char *file_name = vt_asset_file_name(a);
    /* What a visitor may type to find this very image: the identifier its
     * page shows and the name it was dropped as (issue 12). */
    json_t *ident = json_pack("[{s:s}]", "value", a->id);
    if (file_name)
        json_array_append_new(ident, json_pack("{s:s}", "value", file_name));
    json_t *known = json_object_get(fields, "identifier");
    if (known) {
        json_array_extend(known, ident);
        json_decref(ident);
    } else {
        json_object_set_new(fields, "identifier", ident);
    }
    /* The "type" facet is the image's kind as its metadata says it (a
     * "type" field: "X-radiograph", "raking light"), not the department
     * again, which it repeated value for value; none: no type. */
    const json_t *kind = json_array_get(json_object_get(fields, "type"), 0);
    const char *type = json_string_value(json_object_get(kind, "value"));
    /* department, type and year are facets of every document already. */
    json_t *facets = json_array();
    for (size_t i = 0; config->facets[i]; i++)
        if (strcmp(config->facets[i], "department") != 0 && strcmp(config->facets[i], "type") != 0 &&
            strcmp(config->facets[i], "year") != 0)
            json_array_append_new(facets, json_string(config->facets[i]));
    int year = year_of(fields);
    json_t *doc = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s, s:o, s:o, s:[]}",
                            "id", a->id,
                            "department", a->department,
                            "intervention", a->intervention,
                            "visibility", vt_visibility_name(a->visibility),
                            "type", type,
                            "label", label ? label : file_name ? file_name : a->id,
                            "fields", fields,
                            "facets", facets,
                            "annotations");
    if (!doc)
        return NULL;
    json_object_set_new(doc, "year", year ? json_integer(year) : json_null());
    /* The title in each language it has (the first value of each), so that
     * a search page shows a hit in the page's language (issue 12). */
    json_t *labels = json_object();
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(fields, "title"), i, t) {
        const char *lang = json_string_value(json_object_get(t, "lang"));
        const char *value = json_string_value(json_object_get(t, "value"));
        if (lang && value && !json_object_get(labels, lang))
            json_object_set_new(labels, lang, json_string(value));
    }
    if (json_object_size(labels) > 0)
        json_object_set_new(doc, "labels", labels);
    else
        json_decref(labels);
    return doc;
}

static void add_value(json_t *fields, const char *field, const char *value)
{
    json_t *list = json_object_get(fields, field);
    if (!list) {
        list = json_array();
        json_object_set_new(fields, field, list);
    }
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
        if (g_strcmp0(json_string_value(v), value) == 0)
            return;
    json_array_append_new(list, json_string(value));
}

void vt_indexer_document_annotations(json_t *doc, const vt_annotation_types *types,
                                     const vt_asset *a, const json_t *annotations)
{
    json_t *out = json_array();
    json_t *fields = json_object();   /* facet_values: filters and facets, not words */
    json_t *facets = json_object_get(doc, "facets");
    bool asset_public = a->visibility == VT_VISIBILITY_PUBLIC;
    bool any_facet = false;
    size_t i;
    const json_t *ann;
    json_array_foreach(annotations, i, ann) {
        const char *type_name = json_string_value(json_object_get(ann, "type"));
        const vt_annotation_type *t = vt_annotation_types_get(types, type_name);
        g_autofree char *words = vt_annotation_text(types, ann);
        /* The type's label is searched too: "restoration" finds them. */
        g_autofree char *text = g_strconcat(t ? t->label : type_name, words[0] ? " " : "", words,
                                            NULL);
        int x, y, w, h;
        vt_annotation_bounds(ann, &x, &y, &w, &h);
        g_autofree char *region = g_strdup_printf("xywh=%d,%d,%d,%d", x, y, w, h);
        const json_t *af = json_object_get(ann, "fields");
        const char *lang = json_string_value(json_object_get(af, "language"));
        /* Of a public asset, the public sees the public annotations only;
         * an internal asset is never seen by the public at all. */
        bool internal = asset_public && !vt_annotation_is_public(ann, true);
        json_t *item = json_pack("{s:s, s:s, s:s, s:b}", "id",
                                 json_string_value(json_object_get(ann, "id")), "text", text,
                                 "region", region, "internal", internal);
        if (lang)
            json_object_set_new(item, "lang", json_string(lang));
        json_array_append_new(out, item);
        if (internal)
            continue;
        add_value(fields, "annotation_type", t ? t->label : type_name);
        const char *damage = json_string_value(json_object_get(af, "damage"));
        if (damage)
            add_value(fields, "damage_type", damage);
        any_facet = true;
    }
    json_object_set_new(doc, "annotations", out);
    if (any_facet && json_is_array(facets)) {
        json_array_append_new(facets, json_string("annotation_type"));
        if (json_object_get(fields, "damage_type"))
            json_array_append_new(facets, json_string("damage_type"));
    }
    json_object_set_new(doc, "facet_values", fields);
}

typedef struct {
    vt_indexer *ix;
    GPtrArray *ids;
    vt_status status;
} flush_ctx;

static vt_status flush_fn(vt_txn *txn, void *data)
{
    flush_ctx *c = data;
    c->status = VT_OK;
    for (guint i = 0; i < c->ids->len && c->status == VT_OK; i++) {
        const char *id = g_ptr_array_index(c->ids, i);
        vt_asset *a = NULL;
        vt_status s = vt_asset_get(txn, id, &a);
        if (s == VT_ERR_NOT_FOUND || (s == VT_OK && a->state != VT_ASSET_READY)) {
            c->status = vt_index_delete(c->ix->index, id);
        } else if (s == VT_OK) {
            json_t *h = a->intervention ? vt_txn_get_json(txn, VT_TABLE_HARVEST, a->intervention)
                                        : NULL;
            json_t *harvested = json_object_get(h, "fields");
            json_t *doc = vt_indexer_document(c->ix->config, a,
                                              json_is_object(harvested) ? harvested : NULL);
            json_t *annotations = vt_annotation_list(txn, id);
            if (doc)
                vt_indexer_document_annotations(doc, c->ix->annotation_types, a, annotations);
            json_decref(annotations);
            c->status = doc ? vt_index_put(c->ix->index, doc)
                            : vt_error_set(VT_ERR_INTERNAL, "cannot build the document of %s", id);
            json_decref(doc);
            json_decref(h);
        } else {
            c->status = s;
        }
        vt_asset_free(a);
    }
    return vt_txn_status(txn);
}

/* Takes the marked ids out of the table (the flush owns them). */
static GPtrArray *take_marked(vt_indexer *ix)
{
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, ix->marked);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        g_ptr_array_add(ids, key);
        g_hash_table_iter_steal(&it);
    }
    return ids;
}

/* Puts or deletes @ids' documents and commits: the work of a flush, on
 * whichever thread runs it. */
static vt_status flush_ids(vt_indexer *ix, vt_store *store, GPtrArray *ids)
{
    flush_ctx c = {ix, ids, VT_OK};
    vt_status s = vt_store_read(store, flush_fn, &c);
    if (s == VT_OK)
        s = c.status;
    if (s == VT_OK)
        s = vt_index_commit(ix->index);
    return s;
}

/* A flush that failed keeps its ids marked: the next flush tries again. */
static void mark_again(vt_indexer *ix, GPtrArray *ids)
{
    for (guint i = 0; i < ids->len; i++)
        g_hash_table_add(ix->marked, g_strdup(g_ptr_array_index(ids, i)));
}

vt_status vt_indexer_flush(vt_indexer *ix, vt_store *store)
{
    if (!ix)
        return VT_OK;
    vt_indexer_flush_wait(ix);
    if (g_hash_table_size(ix->marked) == 0)
        return VT_OK;
    GPtrArray *ids = take_marked(ix);
    vt_status s = flush_ids(ix, store, ids);
    if (s != VT_OK)
        mark_again(ix, ids);
    g_ptr_array_free(ids, TRUE);
    return s;
}

/* ------------------------------------------------- flushing on a thread */

struct flush_job {
    vt_indexer *ix;
    vt_store *store;
    GPtrArray *ids;
    GThread *thread;
    vt_indexer_done_fn done;
    void *data;
    GMainContext *context;  /* where @done runs: the starter's thread-default context */
    vt_status status;       /* set by the thread, read after it ended */
    char *message;
    guint idle;             /* the completion source, attached by the thread */
    GMutex lock;            /* guards idle */
};

/* The end of a job, on the starter's thread: the thread is joined, failed
 * ids are marked again, and @done hears of it. */
static void finish(flush_job *job)
{
    if (job->thread)
        g_thread_join(job->thread);
    vt_indexer *ix = job->ix;
    ix->running = NULL;
    if (job->status != VT_OK)
        mark_again(ix, job->ids);
    if (job->done)
        job->done(job->status, job->message, job->data);
    g_ptr_array_free(job->ids, TRUE);
    g_free(job->message);
    g_main_context_unref(job->context);
    g_mutex_clear(&job->lock);
    g_free(job);
}

static gboolean on_finished(gpointer data)
{
    flush_job *job = data;
    g_mutex_lock(&job->lock);
    job->idle = 0;
    g_mutex_unlock(&job->lock);
    finish(job);
    return G_SOURCE_REMOVE;
}

static gpointer flush_thread(gpointer data)
{
    flush_job *job = data;
    vt_error_clear();
    job->status = flush_ids(job->ix, job->store, job->ids);
    if (job->status != VT_OK)
        job->message = g_strdup(vt_error_message());
    GSource *idle = g_idle_source_new();
    g_source_set_callback(idle, on_finished, job, NULL);
    g_mutex_lock(&job->lock);
    job->idle = g_source_attach(idle, job->context);
    g_mutex_unlock(&job->lock);
    g_source_unref(idle);
    return NULL;
}

bool vt_indexer_flush_start(vt_indexer *ix, vt_store *store, vt_indexer_done_fn done, void *data)
{
    if (!ix || ix->running || g_hash_table_size(ix->marked) == 0)
        return false;
    flush_job *job = g_new0(flush_job, 1);
    job->ix = ix;
    job->store = store;
    job->ids = take_marked(ix);
    job->done = done;
    job->data = data;
    job->context = g_main_context_ref_thread_default();
    g_mutex_init(&job->lock);
    GError *err = NULL;
    job->thread = g_thread_try_new("vt-index-flush", flush_thread, job, &err);
    if (!job->thread) {
        /* No thread to be had: the flush runs here, as it used to. */
        g_clear_error(&err);
        vt_status s = flush_ids(ix, store, job->ids);
        if (s != VT_OK)
            mark_again(ix, job->ids);
        if (done)
            done(s, s == VT_OK ? NULL : vt_error_message(), data);
        g_ptr_array_free(job->ids, TRUE);
        g_main_context_unref(job->context);
        g_mutex_clear(&job->lock);
        g_free(job);
        return true;
    }
    ix->running = job;
    return true;
}

bool vt_indexer_flushing(const vt_indexer *ix)
{
    return ix && ix->running;
}

void vt_indexer_flush_wait(vt_indexer *ix)
{
    if (!ix || !ix->running)
        return;
    flush_job *job = ix->running;
    /* The thread attaches its completion source as its last act: once it
     * is joined, that source is there to be taken back. */
    g_thread_join(job->thread);
    job->thread = NULL;
    g_mutex_lock(&job->lock);
    if (job->idle) {
        GSource *src = g_main_context_find_source_by_id(job->context, job->idle);
        if (src)
            g_source_destroy(src);
        job->idle = 0;
    }
    g_mutex_unlock(&job->lock);
    finish(job);
}

/* ---------------------------------------------------------------- rebuild */

typedef struct {
    const vt_config *config;
    vt_index *index;
    unsigned count;
    vt_status status;
    vt_annotation_types *annotation_types;
} rebuild_ctx;

static bool clear_term(const char *key, size_t key_len, const void *val, size_t len, void *data)
{
    vt_txn_del(data, VT_TABLE_TERMS, key);
    return true;
}

typedef struct {
    rebuild_ctx *c;
    vt_txn *txn;
} rebuild_walk;

static bool rebuild_walk_one(const vt_asset *a, void *data)
{
    rebuild_walk *w = data;
    rebuild_ctx *c = w->c;
    if (a->state != VT_ASSET_READY)
        return true;
    json_t *h = a->intervention ? vt_txn_get_json(w->txn, VT_TABLE_HARVEST, a->intervention) : NULL;
    json_t *harvested = json_object_get(h, "fields");
    if (!json_is_object(harvested))
        harvested = NULL;
    json_t *view = json_object();
    if (a->custom)
        json_object_set(view, "custom", a->custom);
    if (a->embedded)
        json_object_set(view, "embedded", a->embedded);
    if (harvested)
        json_object_set(view, "harvested", harvested);
    vt_terms_update(w->txn, (vt_terms_side){NULL, false},
                    (vt_terms_side){view, a->visibility == VT_VISIBILITY_PUBLIC});
    json_decref(view);
    json_t *doc = vt_indexer_document(c->config, a, harvested);
    json_t *annotations = vt_annotation_list(w->txn, a->id);
    if (doc)
        vt_indexer_document_annotations(doc, c->annotation_types, a, annotations);
    json_decref(annotations);
    c->status = doc ? vt_index_put(c->index, doc)
                    : vt_error_set(VT_ERR_INTERNAL, "cannot build the document of %s", a->id);
    json_decref(doc);
    json_decref(h);
    c->count++;
    return c->status == VT_OK;
}

static vt_status rebuild_fn(vt_txn *txn, void *data)
{
    rebuild_ctx *c = data;
    c->count = 0;
    c->status = VT_OK;
    vt_txn_foreach(txn, VT_TABLE_TERMS, NULL, clear_term, txn);
    rebuild_walk w = {c, txn};
    vt_asset_foreach(txn, rebuild_walk_one, &w);
    /* Stores from before the site listing existed get their positions. */
    vt_publog_backfill(txn);
    if (c->status != VT_OK)
        return vt_txn_fail(txn, c->status);
    return vt_txn_status(txn);
}

vt_status vt_indexer_rebuild(const vt_config *config, vt_store *store, unsigned *ret_count)
{
    g_autofree char *dir = vt_indexer_dir(config);
    g_autofree char *fresh = g_strconcat(dir, ".new", NULL);
    g_autofree char *old = g_strconcat(dir, ".old", NULL);
    vt_file_remove_tree(fresh);
    json_t *synonyms = NULL;
    vt_status s = load_synonyms(config, &synonyms);
    if (s != VT_OK)
        return s;
    rebuild_ctx c = {config, NULL, 0, VT_OK, NULL};
    s = vt_annotation_types_load(config->keyfile, &c.annotation_types);
    if (s == VT_OK)
        s = vt_index_open(fresh, true, &c.index);
    if (s == VT_OK && synonyms)
        s = vt_index_set_synonyms(c.index, synonyms);
    json_decref(synonyms);
    /* The term counts are rebuilt in the same pass, in one write
     * transaction: a rebuild is an administrator's repair, not a hot path. */
    if (s == VT_OK)
        s = vt_store_write(store, rebuild_fn, &c);
    if (s == VT_OK)
        s = vt_index_commit(c.index);
    vt_index_close(c.index);
    vt_annotation_types_free(c.annotation_types);
    if (s != VT_OK) {
        vt_file_remove_tree(fresh);
        return s;
    }
    /* Swap: readers holding the old index keep reading their open files. */
    vt_file_remove_tree(old);
    if (g_file_test(dir, G_FILE_TEST_IS_DIR) && rename(dir, old) != 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot move the old index %s aside", dir);
    if (rename(fresh, dir) != 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot put the new index in place at %s", dir);
    vt_file_remove_tree(old);
    *ret_count = c.count;
    return VT_OK;
}
