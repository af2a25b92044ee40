/* vt_site.c: opening the generator, writing files, full rebuilds and
 * incremental publishing (see vt_site.h). */
#include "vt_site_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_file.h"
#include "vt_jsonout.h"
#include "vt_manifest.h"

#ifndef VT_DATADIR
#define VT_DATADIR "/usr/local/share/vitrine"
#endif
#ifndef VT_SOURCE_DIR
#define VT_SOURCE_DIR "."
#endif

/* Third-party browser code, copied into each tree's static/vendor/: its
 * path there (and under VT_DATADIR/vendor/ once installed), and where npm
 * puts it under node_modules/. Only what the pages load, and the licences. */
static const struct {
    const char *path;
    const char *npm_path;
} vendor_files[] = {
    {"openseadragon/openseadragon.min.js", "openseadragon/build/openseadragon/openseadragon.min.js"},
    {"openseadragon/images", "openseadragon/build/openseadragon/images"},
    {"openseadragon/LICENSE.txt", "openseadragon/LICENSE.txt"},
    {"mirador/mirador.min.js", "mirador/dist/mirador.min.js"},
    {"mirador/LICENSE", "mirador/LICENSE"},
    /* Universal Viewer 4: UV.js loads its chunks from the folder it is in. */
    {"universalviewer/umd", "universalviewer/dist/umd"},
    {"universalviewer/uv.css", "universalviewer/dist/uv.css"},
    {"universalviewer/LICENSE.txt", "universalviewer/LICENSE.txt"},
    /* Annotorious 3 (BSD-3-Clause, its licence in the bundle's package.json):
     * the internal page's annotation workspace (static/workspace.js). */
    {"annotorious/annotorious-openseadragon.js",
     "@annotorious/openseadragon/dist/annotorious-openseadragon.js"},
    {"annotorious/annotorious-openseadragon.css",
     "@annotorious/openseadragon/dist/annotorious-openseadragon.css"},
};

/* ------------------------------------------------------------ files */

static vt_status write_fd(const char *path, int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return vt_error_set_errno(VT_ERR_IO, e, "cannot write %s", path);
        }
        data += n;
        len -= (size_t)n;
    }
    if (close(fd) != 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot write %s", path);
    return VT_OK;
}

static int open_creating_parents(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT) {
        /* Nearly every new folder (iiif/ID/, one per asset) sits in one
         * that exists: one mkdir, where g_mkdir_with_parents() would stat
         * every component of the path first. EEXIST: another worker was
         * quicker. */
        g_autofree char *parent = g_path_get_dirname(path);
        if (mkdir(parent, 0755) == 0 || errno == EEXIST ||
            g_mkdir_with_parents(parent, 0755) == 0)
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    return fd;
}

/* Per-thread buffers of the write path, reused from file to file: a
 * rebuild writes hundreds of thousands of files, and a fresh buffer of a
 * few KB per file is a large allocation each time (glibc then consolidates
 * its small free chunks, which showed in profiles). Freed when the thread
 * ends (GPrivate), or by vt__site_buffers_free() on the calling thread. */
typedef struct {
    GString *text;  /* vt__site_text_buffer(): pages being rendered */
    GString *json;  /* vt__site_write_json() */
    GString *read;  /* same_content() */
} site_buffers;

/* Larger buffers are not kept between files (a rare huge page). */
#define BUFFER_KEEP_MAX (4u << 20)

static void site_buffers_free(gpointer p)
{
    site_buffers *b = p;
    if (!b)
        return;
    if (b->text)
        g_string_free(b->text, TRUE);
    if (b->json)
        g_string_free(b->json, TRUE);
    if (b->read)
        g_string_free(b->read, TRUE);
    g_free(b);
}

static GPrivate site_buffers_key = G_PRIVATE_INIT(site_buffers_free);

static site_buffers *buffers_get(void)
{
    site_buffers *b = g_private_get(&site_buffers_key);
    if (!b) {
        b = g_new0(site_buffers, 1);
        b->text = g_string_sized_new(64 * 1024);
        b->json = g_string_sized_new(16 * 1024);
        b->read = g_string_sized_new(64 * 1024);
        g_private_set(&site_buffers_key, b);
    }
    return b;
}

/* Empties @*buf for the next file, dropping it when it grew too large. */
static GString *buffer_reset(GString **buf, gsize size)
{
    if ((*buf)->allocated_len > BUFFER_KEEP_MAX) {
        g_string_free(*buf, TRUE);
        *buf = g_string_sized_new(size);
    }
    g_string_truncate(*buf, 0);
    return *buf;
}

GString *vt__site_text_buffer(void)
{
    site_buffers *b = buffers_get();
    return buffer_reset(&b->text, 64 * 1024);
}

void vt__site_buffers_free(void)
{
    g_private_replace(&site_buffers_key, NULL);
}

/* True if the file at @path holds exactly @data. */
static bool same_content(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    bool same = false;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len) {
        site_buffers *b = buffers_get();
        GString *buf = buffer_reset(&b->read, 64 * 1024);
        g_string_set_size(buf, len);
        size_t got = 0;
        while (got < len) {
            ssize_t n = read(fd, buf->str + got, len - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        same = got == len && memcmp(buf->str, data, len) == 0;
    }
    close(fd);
    return same;
}

/* Sends @len bytes of file @src to @fd (then closed), in the kernel: a
 * copy without a buffer of our own for the static files (megabytes of
 * viewers per tree). */
static vt_status send_fd(const char *path, int fd, int src, size_t len)
{
    while (len > 0) {
        ssize_t n = sendfile(fd, src, NULL, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            close(fd);
            return vt_error_set_errno(VT_ERR_IO, e, "cannot write %s", path);
        }
        len -= (size_t)n;
    }
    if (close(fd) != 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot write %s", path);
    return VT_OK;
}

/* Puts @len bytes at @rel in tree @t (full path @path): those of @data, or
 * with @src >= 0 those of that file. A visitor sees the old file or the new
 * one, never a part: written beside it and renamed. No fsync: the site is
 * rebuilt from the store (a crash at worst leaves files a rebuild rewrites,
 * and .tmp- files it prunes). */
static vt_status put_file(const vt_site_tree *t, const char *rel, const char *path,
                          const char *data, int src, size_t len)
{
    /* DIR/REL-FOLDER/.tmp-BASE */
    const char *slash = strrchr(rel, '/');
    size_t base_at = slash ? (size_t)(slash - rel) + 1 : 0;
    size_t dir_len = strlen(t->dir), rel_len = strlen(rel);
    char *tmp = g_malloc(dir_len + rel_len + sizeof "/.tmp-");
    char *end = mempcpy(tmp, t->dir, dir_len);
    *end++ = '/';
    end = mempcpy(end, rel, base_at);
    end = mempcpy(end, ".tmp-", 5);
    memcpy(end, rel + base_at, rel_len - base_at + 1);
    vt_status st = VT_OK;
    int fd = open_creating_parents(tmp);
    if (fd < 0)
        st = vt_error_set_errno(VT_ERR_IO, errno, "cannot create %s", tmp);
    if (st == VT_OK) {
        st = src >= 0 ? send_fd(tmp, fd, src, len) : write_fd(tmp, fd, data, len);
        if (st == VT_OK && rename(tmp, path) != 0)
            st = vt_error_set_errno(VT_ERR_IO, errno, "cannot rename %s to %s", tmp, path);
        if (st != VT_OK)
            (void)unlink(tmp);
    }
    g_free(tmp);
    return st;
}

vt_status vt__site_write(const vt_site_tree *t, const char *rel, const char *data, size_t len)
{
    /* DIR/REL, and DIR/REL-FOLDER/.tmp-BASE in put_file: one allocation
     * each, for every file of the site. */
    char *path = g_strconcat(t->dir, "/", rel, NULL);
    if (t->keep) {
        /* A rebuild: remember the file (the rest is pruned at the end) and
         * leave it alone when it already says this. Rewriting identical
         * files would only churn inodes, which ext4 makes slow to reuse. */
        g_mutex_lock(t->keep_lock);
        g_hash_table_add(t->keep, g_strdup(rel));
        g_mutex_unlock(t->keep_lock);
        if (same_content(path, data, len)) {
            g_free(path);
            return VT_OK;
        }
    }
    vt_status st = put_file(t, rel, path, data, -1, len);
    g_free(path);
    return st;
}

vt_status vt__site_write_json(const vt_site_tree *t, const char *rel, const json_t *doc)
{
    site_buffers *b = buffers_get();
    GString *text = buffer_reset(&b->json, 16 * 1024);
    if (!json_is_object(doc) && !json_is_array(doc))
        return vt_error_set(VT_ERR_INVALID, "cannot encode %s/%s as JSON", t->dir, rel);
    vt_status st = vt_jsonout_append(text, doc);
    if (st != VT_OK)
        return st;
    return vt__site_write(t, rel, text->str, text->len);
}

bool vt__site_remove(const vt_site_tree *t, const char *rel)
{
    if (t->fresh)
        return false;
    g_autofree char *path = g_build_filename(t->dir, rel, NULL);
    return unlink(path) == 0;
}

/* Copies file @from to @rel in tree @t (as every other file: kept when
 * identical). */
static vt_status copy_file(const vt_site_tree *t, const char *from, const char *rel)
{
    if (!t->keep) {
        /* Nothing to compare with: the kernel copies it. */
        int src = open(from, O_RDONLY | O_CLOEXEC);
        struct stat sb;
        if (src < 0 || fstat(src, &sb) != 0) {
            vt_status st = vt_error_set_errno(VT_ERR_IO, errno, "cannot read %s", from);
            if (src >= 0)
                close(src);
            return st;
        }
        g_autofree char *path = g_strconcat(t->dir, "/", rel, NULL);
        vt_status st = put_file(t, rel, path, NULL, src, (size_t)sb.st_size);
        close(src);
        return st;
    }
    g_autoptr(GError) err = NULL;
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(from, &data, &len, &err))
        return vt_error_set(VT_ERR_IO, "cannot read %s: %s", from, err->message);
    return vt__site_write(t, rel, data, len);
}

/* Copies the files of folder @src to @rel in tree @t, recursively; names
 * starting with '.' are skipped. */
static vt_status copy_tree(const vt_site_tree *t, const char *src, const char *rel)
{
    g_autoptr(GError) err = NULL;
    GDir *dir = g_dir_open(src, 0, &err);
    if (!dir)
        return vt_error_set(VT_ERR_IO, "cannot read %s: %s", src, err->message);
    vt_status st = VT_OK;
    const char *name;
    while (st == VT_OK && (name = g_dir_read_name(dir))) {
        if (name[0] == '.')
            continue;
        g_autofree char *from = g_build_filename(src, name, NULL);
        g_autofree char *to = g_build_filename(rel, name, NULL);
        if (g_file_test(from, G_FILE_TEST_IS_DIR))
            st = copy_tree(t, from, to);
        else
            st = copy_file(t, from, to);
    }
    g_dir_close(dir);
    return st;
}

static vt_status copy_static(const vt_site *s, const vt_site_tree *t)
{
    g_autofree char *src = g_build_filename(s->templates_dir, "static", NULL);
    vt_status st = VT_OK;
    if (g_file_test(src, G_FILE_TEST_IS_DIR))
        st = copy_tree(t, src, "static");
    /* The institute's files replace the installed ones of the same name. */
    if (st == VT_OK && s->config->site_templates) {
        g_autofree char *own = g_build_filename(s->config->site_templates, "static", NULL);
        if (g_file_test(own, G_FILE_TEST_IS_DIR))
            st = copy_tree(t, own, "static");
    }
    for (size_t i = 0; st == VT_OK && s->vendor_dir && i < G_N_ELEMENTS(vendor_files); i++) {
        g_autofree char *npm = g_build_filename(s->vendor_dir, vendor_files[i].npm_path, NULL);
        g_autofree char *installed = g_build_filename(s->vendor_dir, vendor_files[i].path, NULL);
        const char *from = g_file_test(npm, G_FILE_TEST_EXISTS) ? npm : installed;
        g_autofree char *to = g_build_filename("static", "vendor", vendor_files[i].path, NULL);
        if (g_file_test(from, G_FILE_TEST_IS_DIR))
            st = copy_tree(t, from, to);
        else if (g_file_test(from, G_FILE_TEST_IS_REGULAR))
            st = copy_file(t, from, to);
        /* else not installed: the pages fall back to plain images */
    }
    return st;
}

/* ------------------------------------------------------------ open */

static char *find_templates_dir(void)
{
    const char *env = g_getenv("VITRINE_TEMPLATES_DIR");
    if (env && *env)
        return g_strdup(env);
    const char *candidates[] = {VT_DATADIR "/templates", VT_SOURCE_DIR "/templates"};
    for (size_t i = 0; i < G_N_ELEMENTS(candidates); i++) {
        g_autofree char *home = g_build_filename(candidates[i], "home.html", NULL);
        if (g_file_test(home, G_FILE_TEST_IS_REGULAR))
            return g_strdup(candidates[i]);
    }
    return NULL;
}

static char *find_vendor_dir(void)
{
    const char *env = g_getenv("VITRINE_VENDOR_DIR");
    if (env && *env)
        return g_strdup(env);
    const char *candidates[] = {VT_DATADIR "/vendor", VT_SOURCE_DIR "/node_modules"};
    for (size_t i = 0; i < G_N_ELEMENTS(candidates); i++)
        if (g_file_test(candidates[i], G_FILE_TEST_IS_DIR))
            return g_strdup(candidates[i]);
    return NULL;
}

char *vt_site_missing_vendor(void)
{
    g_autofree char *dir = find_vendor_dir();
    GString *missing = g_string_new(NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(vendor_files); i++) {
        g_autofree char *npm = dir ? g_build_filename(dir, vendor_files[i].npm_path, NULL) : NULL;
        g_autofree char *installed = dir ? g_build_filename(dir, vendor_files[i].path, NULL)
                                         : NULL;
        if (dir && (g_file_test(npm, G_FILE_TEST_EXISTS) ||
                    g_file_test(installed, G_FILE_TEST_EXISTS)))
            continue;
        g_string_append_printf(missing, "%s%s", missing->len ? ", " : "", vendor_files[i].path);
    }
    if (missing->len == 0) {
        g_string_free(missing, TRUE);
        return NULL;
    }
    g_autofree char *list = g_string_free(missing, FALSE);
    return g_strdup_printf("front-end files missing from %s: %s; the asset pages show a still"
                           " image instead of the zoomable viewer. Run `npm ci` in the source"
                           " tree before building, or install vitrine (cmake --install), or"
                           " set VITRINE_VENDOR_DIR", dir ? dir : VT_DATADIR "/vendor", list);
}

vt_status vt_site_open(const vt_config *config, vt_site **ret_site)
{
    g_autofree char *dir = find_templates_dir();
    if (!dir)
        return vt_error_set(VT_ERR_NOT_FOUND,
                            "no site templates in %s/templates (is vitrine installed?); "
                            "set VITRINE_TEMPLATES_DIR",
                            VT_DATADIR);
    vt_site *s = g_new0(vt_site, 1);
    s->config = config;
    vt_template_set_new(&s->templates);
    vt_status st = vt_template_set_load_dir(s->templates, dir);
    if (st == VT_OK && config->site_templates)
        st = vt_template_set_load_dir(s->templates, config->site_templates);
    if (st == VT_OK)
        st = vt_template_set_check(s->templates);
    if (st == VT_OK)
        st = vt_annotation_types_load(config->keyfile, &s->annotation_types);
    if (st == VT_OK) {
        json_t *types = vt_annotation_types_json(s->annotation_types);
        char *text = json_dumps(types, JSON_COMPACT);
        s->annotation_types_text = json_string(text ? text : "[]");
        free(text);
        json_decref(types);
        if (vt_staff_new(config, &s->staff) != VT_OK)
            s->staff = NULL;
    }
    size_t n_languages = config->site_languages ? g_strv_length(config->site_languages) : 0;
    s->catalogues = g_new0(vt_i18n *, n_languages + 1);
    for (size_t i = 0; st == VT_OK && i < n_languages; i++) {
        st = vt_i18n_load(config->site_languages[i], &s->catalogues[i]);
        if (st == VT_OK)
            s->n_languages++;
    }
    static const char *const needed[] = {"home", "search", "favourites", "asset", "intervention",
                                         "department"};
    for (size_t i = 0; st == VT_OK && i < G_N_ELEMENTS(needed); i++)
        if (!vt_template_set_has(s->templates, needed[i]))
            st = vt_error_set(VT_ERR_NOT_FOUND, "%s: no template %s.html", dir, needed[i]);
    if (st != VT_OK) {
        vt_site_free(s);
        return st;
    }
    s->templates_dir = g_steal_pointer(&dir);
    s->vendor_dir = find_vendor_dir();
    *ret_site = s;
    return VT_OK;
}

void vt_site_free(vt_site *s)
{
    if (!s)
        return;
    vt_template_set_free(s->templates);
    vt_annotation_types_free(s->annotation_types);
    vt_staff_free(s->staff);
    json_decref(s->annotation_types_text);
    for (size_t i = 0; s->catalogues && s->catalogues[i]; i++)
        vt_i18n_free(s->catalogues[i]);
    g_free(s->catalogues);
    g_free(s->templates_dir);
    g_free(s->vendor_dir);
    g_free(s);
}

const char *vt_site_templates_dir(const vt_site *s)
{
    return s->templates_dir;
}

static char *tree_path(const vt_site *s, vt_audience audience)
{
    return g_build_filename(s->config->site_dir, vt_audience_name(audience), NULL);
}

/* Tree @audience of the site, for writing; tree_clear() frees it. */
static void tree_init(const vt_site *s, vt_site_tree *t, vt_audience audience)
{
    memset(t, 0, sizeof *t);
    t->audience = audience;
    vt_config_audience_view(s->config, audience == VT_AUDIENCE_INTERNAL, &t->view);
    t->dir = tree_path(s, audience);
    vt__site_tree_contexts(s, t);
}

static void tree_clear(vt_site_tree *t)
{
    if (t->keep)
        g_hash_table_unref(t->keep);
    for (size_t i = 0; i < VT_SITE_ROOTS; i++)
        json_decref(t->site_json[i]);
    g_free(t->dir);
}

gboolean vt_site_exists(const vt_site *s)
{
    g_autofree char *pub = tree_path(s, VT_AUDIENCE_PUBLIC);
    g_autofree char *index = g_build_filename(pub, "index.html", NULL);
    return g_file_test(index, G_FILE_TEST_IS_REGULAR);
}

/* The site lock, held while writing. -1 and VT_ERR_BUSY if taken. */
static int lock_site(const vt_site *s, vt_status *ret_status)
{
    if (g_mkdir_with_parents(s->config->site_dir, 0755) != 0) {
        *ret_status = vt_error_set_errno(VT_ERR_IO, errno, "cannot create %s", s->config->site_dir);
        return -1;
    }
    g_autofree char *path = g_build_filename(s->config->site_dir, ".lock", NULL);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        *ret_status = vt_error_set_errno(VT_ERR_IO, errno, "cannot open %s", path);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        *ret_status = vt_error_set(VT_ERR_BUSY, "%s is being written by another process "
                                   "(a `vitrine rebuild`?)", s->config->site_dir);
        return -1;
    }
    *ret_status = VT_OK;
    return fd;
}

/* ------------------------------------------------------------ rebuild */

typedef enum { WORK_PAGE, WORK_INTERVENTION, WORK_SITEMAP } work_kind;

typedef struct {
    work_kind kind;
    const vt_department *d;
    uint64_t n;            /* page (1-based) or sitemap chunk */
    char *number;          /* intervention */
} work;

typedef struct {
    vt_site *s;
    vt_store *store;
    vt_site_tree *trees[VT_AUDIENCE__COUNT];
    GArray *work;          /* of work */
    gint next;             /* atomic: next work index */
    gint done_assets;      /* atomic */
    gint failed;           /* atomic: set once */
    vt_status status;      /* first failure (under lock) */
    char *message;
    unsigned running;      /* workers not yet done (under lock) */
    GCond stopped;         /* signalled as each worker is done */
    GMutex lock;
} rebuild_ctx;

typedef struct {
    rebuild_ctx *ctx;
    const work *w;
} work_call;

static vt_status do_work(vt_txn *txn, void *data)
{
    work_call *call = data;
    rebuild_ctx *ctx = call->ctx;
    const work *w = call->w;
    const vt_site_tree *const *trees = (const vt_site_tree *const *)ctx->trees;
    unsigned n = 0;
    vt_status st = VT_OK;
    switch (w->kind) {
    case WORK_PAGE:
        st = vt__site_department_page(ctx->s, trees, VT_AUDIENCE__COUNT, txn, w->d, w->n, true, &n);
        g_atomic_int_add(&ctx->done_assets, (gint)n);
        break;
    case WORK_INTERVENTION:
        st = vt__site_intervention(ctx->s, trees, VT_AUDIENCE__COUNT, txn, w->number);
        break;
    case WORK_SITEMAP:
        st = vt__site_sitemap_chunk(ctx->trees[VT_AUDIENCE_PUBLIC], txn, w->d, w->n);
        break;
    }
    return st;
}

static gpointer rebuild_worker(gpointer data)
{
    rebuild_ctx *ctx = data;
    for (;;) {
        gint i = g_atomic_int_add(&ctx->next, 1);
        if (i >= (gint)ctx->work->len || g_atomic_int_get(&ctx->failed))
            break;
        work_call call = {ctx, &g_array_index(ctx->work, work, i)};
        /* Most interventions were rendered by the listing page that loaded
         * their last asset (vt__site_department_page): no transaction for
         * them (beginning one allocates enough to make glibc consolidate
         * the thread's free chunks). */
        if (call.w->kind == WORK_INTERVENTION &&
            !vt__site_gather_claim(ctx->trees[0]->gather, call.w->number))
            continue;
        vt_status st = vt_store_read(ctx->store, do_work, &call);
        if (st != VT_OK) {
            g_mutex_lock(&ctx->lock);
            if (ctx->status == VT_OK) {
                ctx->status = st;
                ctx->message = g_strdup(vt_error_message());
            }
            g_mutex_unlock(&ctx->lock);
            g_atomic_int_set(&ctx->failed, 1);
        }
    }
    g_mutex_lock(&ctx->lock);
    ctx->running--;
    g_cond_signal(&ctx->stopped);
    g_mutex_unlock(&ctx->lock);
    return NULL;
}

typedef struct {
    rebuild_ctx *ctx;
    unsigned total;
} plan_ctx;

static bool plan_intervention(const char *key, size_t key_len, const void *val, size_t len,
                              void *data)
{
    GArray *list = ((void **)data)[0];
    char **last = ((void **)data)[1];
    const char *sep = memchr(key, '\x1f', key_len);
    if (!sep)
        return true;
    size_t n = (size_t)(sep - key);
    if (*last && strlen(*last) == n && memcmp(*last, key, n) == 0)
        return true;
    work w = {WORK_INTERVENTION, NULL, 0, g_strndup(key, n)};
    g_array_append_val(list, w);
    *last = w.number;
    return true;
}

static vt_status plan(vt_txn *txn, void *data)
{
    plan_ctx *p = data;
    GArray *list = p->ctx->work;
    const vt_config *c = p->ctx->s->config;
    p->total = 0;
    /* The departments' listing pages in step (each at its share of its
     * department's pages): an intervention's assets arrive together and
     * sit in about the same share of each department's positions, so its
     * last one is loaded soon after its first (vt__site_department_page
     * renders it then, holding the others meanwhile). */
    uint64_t most = 0;
    for (size_t i = 0; i < c->n_departments; i++)
        most = MAX(most, vt_publog_pages(txn, c->departments[i].id));
    for (uint64_t step = 1; step <= most; step++) {
        for (size_t i = 0; i < c->n_departments; i++) {
            const vt_department *d = &c->departments[i];
            uint64_t pages = vt_publog_pages(txn, d->id);
            /* This department's pages up to step/most of them. */
            for (uint64_t pg = (step - 1) * pages / most + 1; pg <= step * pages / most; pg++) {
                work w = {WORK_PAGE, d, pg, NULL};
                g_array_append_val(list, w);
            }
        }
    }
    for (size_t i = 0; i < c->n_departments; i++) {
        const vt_department *d = &c->departments[i];
        uint64_t last = vt_publog_last_position(txn, d->id);
        p->total += (unsigned)vt_publog_count(txn, d->id, VT_AUDIENCE_INTERNAL);
        for (uint64_t ch = 0; last > 0 && ch <= vt_publog_sitemap_of(last); ch++) {
            work w = {WORK_SITEMAP, d, ch, NULL};
            g_array_append_val(list, w);
        }
    }
    char *last = NULL;
    void *ctx[2] = {list, &last};
    vt_txn_foreach(txn, VT_TABLE_INTERVENTIONS, NULL, plan_intervention, ctx);
    return vt_txn_status(txn);
}

typedef struct {
    vt_site *s;
    vt_site_tree *tree;
    vt_store *store;       /* for single_worker */
    vt_status status;      /* single_worker's, and its message */
    char *message;
} single_ctx;

/* What one tree has once: home, fixed pages, collections, sitemap index,
 * activity, terms. */
static vt_status tree_singles(vt_txn *txn, void *data)
{
    single_ctx *sc = data;
    const vt_site_tree *t = sc->tree;
    vt_status st = vt__site_home(sc->s, t, txn);
    if (st == VT_OK)
        st = vt__site_fixed_pages(sc->s, t, txn);
    if (st == VT_OK)
        st = vt__site_top_collection(t);
    for (size_t i = 0; st == VT_OK && i < t->view.n_departments; i++)
        st = vt__site_department_index(sc->s, t, txn, &t->view.departments[i]);
    if (st == VT_OK && t->audience == VT_AUDIENCE_PUBLIC)
        st = vt__site_sitemap_index(t, txn);
    if (st == VT_OK)
        st = vt__site_activity(t, txn, 0);
    if (st == VT_OK)
        st = vt__site_terms(t, txn);
    if (st == VT_OK)
        sc->s->activity_written[t->audience] = vt_publog_activity_last(txn, t->audience);
    return st;
}

/* tree_singles of one tree, in its own read transaction and thread. */
static gpointer single_worker(gpointer data)
{
    single_ctx *sc = data;
    sc->status = vt_store_read(sc->store, tree_singles, sc);
    if (sc->status != VT_OK)
        sc->message = g_strdup(vt_error_message());
    return NULL;
}

/* True when @dir does not exist or holds nothing. */
static bool tree_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT;
    bool empty = true;
    struct dirent *de;
    while (empty && (de = readdir(d)))
        empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
    closedir(d);
    return empty;
}

/* Removes from @rel (a folder of tree @t) every file a rebuild did not
 * write or keep: assets deleted or hidden while no one published, files of
 * an older layout, temporary files of an interrupted write. Empty folders
 * go too. Returns how many files were removed. */
static unsigned prune(const vt_site_tree *t, const char *rel)
{
    g_autofree char *path = *rel ? g_build_filename(t->dir, rel, NULL) : g_strdup(t->dir);
    /* readdir's d_type spares an lstat per file (a site has hundreds of
     * thousands); only a file system that does not fill it in costs one. */
    DIR *dir = opendir(path);
    if (!dir)
        return 0;
    unsigned removed = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        g_autofree char *child = *rel ? g_strconcat(rel, "/", name, NULL) : g_strdup(name);
        bool is_dir = de->d_type == DT_DIR;
        if (de->d_type == DT_UNKNOWN) {
            struct stat st;
            if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
                continue;
            is_dir = S_ISDIR(st.st_mode);
        }
        if (is_dir) {
            removed += prune(t, child);
            (void)unlinkat(dirfd(dir), name, AT_REMOVEDIR);  /* only if empty */
        } else if (!g_hash_table_contains(t->keep, child) && unlinkat(dirfd(dir), name, 0) == 0) {
            removed++;
        }
    }
    closedir(dir);
    return removed;
}

static void work_clear(gpointer p)
{
    g_free(((work *)p)->number);
}

vt_status vt_site_rebuild(vt_site *s, vt_store *store, unsigned threads,
                          vt_site_progress_fn progress, void *data, unsigned *ret_assets)
{
    vt_status st;
    int lock_fd = lock_site(s, &st);
    if (lock_fd < 0)
        return st;

    /* In place: every file is rendered and compared with what is there,
     * written (temporary name, rename) only if it differs, and what no
     * longer belongs is pruned at the end. A visitor always sees whole
     * files, and an unchanged site costs reads, not writes. */
    rebuild_ctx ctx = {.s = s, .store = store};
    g_mutex_init(&ctx.lock);
    g_cond_init(&ctx.stopped);
    GMutex keep_lock;
    g_mutex_init(&keep_lock);
    ctx.work = g_array_new(FALSE, FALSE, sizeof(work));
    g_array_set_clear_func(ctx.work, work_clear);
    vt_site_tree trees[VT_AUDIENCE__COUNT];
    vt_site_places *places = vt__site_places_new();
    vt_site_gather *gather = vt__site_gather_new();
    for (int a = 0; a < VT_AUDIENCE__COUNT; a++) {
        tree_init(s, &trees[a], (vt_audience)a);
        trees[a].places = places;
        trees[a].gather = gather;
        /* Into an empty tree (the first rebuild, or the site folder
         * removed) there is nothing to compare with and nothing to prune:
         * files are written as publishing writes them, without an open to
         * compare, a path remembered per file and a walk of the tree at
         * the end. The lock keeps the daemon from adding files meanwhile. */
        trees[a].fresh = tree_is_empty(trees[a].dir);
        if (!trees[a].fresh) {
            trees[a].keep = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
            trees[a].keep_lock = &keep_lock;
        }
        ctx.trees[a] = &trees[a];
    }
    for (int a = 0; st == VT_OK && a < VT_AUDIENCE__COUNT; a++)
        st = copy_static(s, &trees[a]);

    plan_ctx p = {&ctx, 0};
    if (st == VT_OK)
        st = vt_store_read(store, plan, &p);

    if (st == VT_OK) {
        if (threads == 0)
            threads = (unsigned)g_get_num_processors();
        threads = CLAMP(threads, 1, 64);
        GThread **workers = g_new(GThread *, threads);
        ctx.running = threads;
        for (unsigned i = 0; i < threads; i++)
            workers[i] = g_thread_new("vt-site", rebuild_worker, &ctx);
        /* Progress every 100 ms, and on as soon as the last worker is done:
         * a plain sleep between looks left the cores idle for up to 100 ms
         * at the end (up to 6% of a 10,000-asset rebuild on tmpfs). */
        g_mutex_lock(&ctx.lock);
        while (ctx.running > 0) {
            g_mutex_unlock(&ctx.lock);
            if (progress)
                progress((unsigned)g_atomic_int_get(&ctx.done_assets), p.total, data);
            gint64 deadline = g_get_monotonic_time() + 100 * G_TIME_SPAN_MILLISECOND;
            g_mutex_lock(&ctx.lock);
            while (ctx.running > 0 && g_cond_wait_until(&ctx.stopped, &ctx.lock, deadline))
                ;
        }
        g_mutex_unlock(&ctx.lock);
        for (unsigned i = 0; i < threads; i++)
            g_thread_join(workers[i]);
        g_free(workers);
        if (progress)
            progress((unsigned)g_atomic_int_get(&ctx.done_assets), p.total, data);
        st = ctx.status;
        if (st != VT_OK)
            vt_error_set(st, "%s", ctx.message);
    }
    /* The trees' own files (home, collections, activity pages: the
     * activity pages take a while on a large site) at once, a thread each:
     * they share nothing they change. */
    if (st == VT_OK) {
        single_ctx sc[VT_AUDIENCE__COUNT];
        GThread *singles[VT_AUDIENCE__COUNT];
        for (int a = 0; a < VT_AUDIENCE__COUNT; a++) {
            sc[a] = (single_ctx){s, &trees[a], store, VT_OK, NULL};
            singles[a] = g_thread_new("vt-site", single_worker, &sc[a]);
        }
        for (int a = 0; a < VT_AUDIENCE__COUNT; a++) {
            g_thread_join(singles[a]);
            if (st == VT_OK && sc[a].status != VT_OK)
                st = vt_error_set(sc[a].status, "%s", sc[a].message);
            g_free(sc[a].message);
        }
    }
    for (int a = 0; st == VT_OK && a < VT_AUDIENCE__COUNT; a++)
        if (trees[a].keep)
            prune(&trees[a], "");
    if (st == VT_OK)
        s->activity_known = true;
    for (int a = 0; a < VT_AUDIENCE__COUNT; a++) {
        tree_clear(&trees[a]);
    }
    vt__site_places_free(places);
    vt__site_gather_free(gather);
    if (ret_assets && st == VT_OK)
        *ret_assets = (unsigned)g_atomic_int_get(&ctx.done_assets);
    g_array_free(ctx.work, TRUE);
    g_free(ctx.message);
    g_cond_clear(&ctx.stopped);
    g_mutex_clear(&ctx.lock);
    g_mutex_clear(&keep_lock);
    vt__site_buffers_free();
    close(lock_fd);
    return st;
}

/* ------------------------------------------------------------ publish */

typedef struct {
    vt_site *s;
    vt_site_tree *trees[VT_AUDIENCE__COUNT];
    GPtrArray *assets, *interventions;
    unsigned files;
} publish_ctx;

/* DEPARTMENT "\x1f" N: a page or sitemap file of a department, as a key
 * of the sets of what to rewrite. */
static char *page_key(const char *department, uint64_t page)
{
    return g_strdup_printf("%s\x1f%" PRIu64, department, page);
}

/* The department of @key (NULL if no longer configured) and its N. */
static const vt_department *page_key_split(const vt_config *c, const char *key, uint64_t *ret_n)
{
    const char *sep = strchr(key, '\x1f');
    g_autofree char *dept = g_strndup(key, (gsize)(sep - key));
    *ret_n = g_ascii_strtoull(sep + 1, NULL, 10);
    return vt_config_department(c, dept);
}

static vt_status publish_fn(vt_txn *txn, void *data)
{
    publish_ctx *pc = data;
    vt_site *s = pc->s;
    const vt_config *c = s->config;
    const vt_site_tree *const *trees = (const vt_site_tree *const *)pc->trees;
    g_autoptr(GHashTable) pages = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) chunks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) numbers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) new_pages = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    bool new_chunk = false;
    vt_status st = VT_OK;

    for (guint i = 0; st == VT_OK && i < pc->assets->len; i++) {
        const char *id = g_ptr_array_index(pc->assets, i);
        vt_site_item *item = NULL;
        if (vt__site_item_load(txn, c, id, &item) != VT_OK) {
            /* Gone: its files go, and the page that listed it is redone. */
            for (int a = 0; a < VT_AUDIENCE__COUNT; a++)
                pc->files += vt__site_asset_remove(s, pc->trees[a], id);
            g_autofree char *dept = NULL;
            uint64_t pos = vt_publog_position(txn, id, &dept);
            if (pos > 0) {
                g_hash_table_add(pages, page_key(dept, vt_publog_page_of(pos)));
                g_hash_table_add(chunks, page_key(dept, vt_publog_sitemap_of(pos)));
            }
            continue;
        }
        vt_site_views views;
        vt__site_views_set(&views, &item, 1);
        for (int a = 0; st == VT_OK && a < VT_AUDIENCE__COUNT; a++) {
            if (vt_publog_visible(item->a, (vt_audience)a)) {
                st = vt__site_asset_write(s, pc->trees[a], txn, item);
                pc->files += 3;
            } else {
                pc->files += vt__site_asset_remove(s, pc->trees[a], id);
            }
        }
        vt__site_views_clear(&views);
        if (item->position > 0) {
            uint64_t page = vt_publog_page_of(item->position);
            g_hash_table_add(pages, page_key(item->a->department, page));
            /* The newest page is also index.html, which shows the
             * department's totals: they may have changed with this asset. */
            g_hash_table_add(pages, page_key(item->a->department,
                                             vt_publog_pages(txn, item->a->department)));
            g_hash_table_add(chunks, page_key(item->a->department,
                                              vt_publog_sitemap_of(item->position)));
            /* The first asset of a page: the page before gains its
             * "newer" link, the department collection a page. */
            if ((item->position - 1) % VT_PUBLOG_PAGE == 0) {
                g_hash_table_add(new_pages, g_strdup(item->a->department));
                if (page > 1)
                    g_hash_table_add(pages, page_key(item->a->department, page - 1));
            }
            if ((item->position - 1) % VT_PUBLOG_SITEMAP == 0)
                new_chunk = true;
        }
        if (item->a->intervention)
            g_hash_table_add(numbers, g_strdup(item->a->intervention));
        vt__site_item_free(item);
    }
    for (guint i = 0; i < pc->interventions->len; i++)
        g_hash_table_add(numbers, g_strdup(g_ptr_array_index(pc->interventions, i)));

    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, numbers);
    while (st == VT_OK && g_hash_table_iter_next(&it, &key, NULL)) {
        st = vt__site_intervention(s, trees, VT_AUDIENCE__COUNT, txn, key);
        pc->files += 3 * VT_AUDIENCE__COUNT;
    }
    g_hash_table_iter_init(&it, pages);
    while (st == VT_OK && g_hash_table_iter_next(&it, &key, NULL)) {
        uint64_t page;
        const vt_department *d = page_key_split(c, key, &page);
        if (d) {
            st = vt__site_department_page(s, trees, VT_AUDIENCE__COUNT, txn, d, page, false,
                                          NULL);
            pc->files += 3 * VT_AUDIENCE__COUNT;
        }
    }
    g_hash_table_iter_init(&it, new_pages);
    while (st == VT_OK && g_hash_table_iter_next(&it, &key, NULL)) {
        const vt_department *d = vt_config_department(c, key);
        for (int a = 0; d && st == VT_OK && a < VT_AUDIENCE__COUNT; a++) {
            st = vt__site_department_index(s, pc->trees[a], txn, d);
            pc->files++;
        }
    }
    g_hash_table_iter_init(&it, chunks);
    while (st == VT_OK && g_hash_table_iter_next(&it, &key, NULL)) {
        uint64_t chunk;
        const vt_department *d = page_key_split(c, key, &chunk);
        if (d) {
            st = vt__site_sitemap_chunk(pc->trees[VT_AUDIENCE_PUBLIC], txn, d, chunk);
            pc->files++;
        }
    }
    if (st == VT_OK && new_chunk) {
        st = vt__site_sitemap_index(pc->trees[VT_AUDIENCE_PUBLIC], txn);
        pc->files += 2;
    }
    for (int a = 0; st == VT_OK && a < VT_AUDIENCE__COUNT; a++) {
        vt_site_tree *t = pc->trees[a];
        st = vt__site_home(s, t, txn);
        if (st == VT_OK)
            st = vt__site_top_collection(t);
        uint64_t last = vt_publog_activity_last(txn, t->audience);
        if (st == VT_OK && last != s->activity_written[a]) {
            st = vt__site_activity(t, txn, s->activity_written[a] + 1);
            if (st == VT_OK)
                s->activity_written[a] = last;
        }
        pc->files += 4;
    }
    return st;
}

vt_status vt_site_publish(vt_site *s, vt_store *store, GPtrArray *assets,
                          GPtrArray *interventions, unsigned *ret_files)
{
    vt_status st;
    int lock_fd = lock_site(s, &st);
    if (lock_fd < 0)
        return st;
    vt_site_tree trees[VT_AUDIENCE__COUNT];
    publish_ctx pc = {.s = s, .assets = assets, .interventions = interventions};
    for (int a = 0; a < VT_AUDIENCE__COUNT; a++) {
        tree_init(s, &trees[a], (vt_audience)a);
        pc.trees[a] = &trees[a];
        if (!s->activity_known)
            s->activity_written[a] = vt__site_activity_on_disk(&trees[a]);
    }
    s->activity_known = true;
    st = vt_store_read(store, publish_fn, &pc);
    for (int a = 0; a < VT_AUDIENCE__COUNT; a++)
        tree_clear(&trees[a]);
    if (ret_files && st == VT_OK)
        *ret_files = pc.files;
    vt__site_buffers_free();
    close(lock_fd);
    return st;
}

static vt_status terms_fn(vt_txn *txn, void *data)
{
    vt_site *s = data;
    vt_status st = VT_OK;
    for (int a = 0; st == VT_OK && a < VT_AUDIENCE__COUNT; a++) {
        vt_site_tree t;
        tree_init(s, &t, (vt_audience)a);
        st = vt__site_terms(&t, txn);
        tree_clear(&t);
    }
    return st;
}

vt_status vt_site_publish_terms(vt_site *s, vt_store *store)
{
    vt_status st;
    int lock_fd = lock_site(s, &st);
    if (lock_fd < 0)
        return st;
    st = vt_store_read(store, terms_fn, s);
    vt__site_buffers_free();
    close(lock_fd);
    return st;
}
