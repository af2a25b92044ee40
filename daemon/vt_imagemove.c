/* vt_imagemove.c: see vt_imagemove.h. */
#include "vt_imagemove.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_beneath.h"
#include "vt_file.h"
#include "vt_terms.h"
#include "vt_url.h"

#define KEY_PREFIX "imagemove\x1f"
/* info.json files larger than this are not rewritten (vitrine's are ~2 KiB). */
#define INFO_MAX VT_URL_INFO_MAX

/* The four files of an asset, as offsets of their path in vt_asset, and
 * their names relative to an image root. */
enum { F_IMAGE, F_TILES, F_THUMB, F_DOWNLOAD, F_COUNT };

static char **field(vt_asset *a, int f)
{
    switch (f) {
    case F_IMAGE: return &a->image;
    case F_TILES: return &a->tiles;
    case F_THUMB: return &a->thumbnail;
    default: return &a->download;
    }
}

static char *rel_name(const char *id, int f)
{
    switch (f) {
    case F_IMAGE: return g_strconcat(id, ".tif", NULL);
    case F_TILES: return g_strdup(id);
    case F_THUMB: return g_strconcat("derivatives/", id, "-thumb.jpg", NULL);
    default: return g_strconcat("derivatives/", id, "-download.jpg", NULL);
    }
}

/* Where file @f of @a belongs: its root for the asset's visibility. */
static char *expected_path(const vt_config *c, const vt_asset *a, int f)
{
    g_autofree char *rel = rel_name(a->id, f);
    return g_build_filename(vt_config_images_dir(c, a->visibility), rel, NULL);
}

bool vt_imagemove_in_place(const vt_config *c, const vt_asset *a)
{
    for (int f = 0; f < F_COUNT; f++) {
        const char *path = *field((vt_asset *)a, f);
        if (!path)
            continue;
        g_autofree char *want = expected_path(c, a, f);
        if (strcmp(path, want) != 0)
            return false;
    }
    return true;
}

void vt_imagemove_note(vt_txn *txn, const vt_config *c, const vt_asset *a)
{
    if (!a || !vt_asset_id_valid(a->id) || vt_imagemove_in_place(c, a))
        return;
    g_autofree char *key = g_strconcat(KEY_PREFIX, a->id, NULL);
    const char *to = vt_visibility_name(a->visibility);
    vt_txn_put(txn, VT_TABLE_META, key, to, strlen(to));
}

/* The root that holds @path (the internal one first: by default it lies
 * inside the public one), and @path relative to it. */
static const char *root_of(const vt_config *c, const char *path, const char **ret_rel)
{
    const char *roots[] = {c->images_internal_dir, c->images_dir};
    for (size_t i = 0; i < G_N_ELEMENTS(roots); i++) {
        size_t n = roots[i] ? strlen(roots[i]) : 0;
        if (n && strncmp(path, roots[i], n) == 0 && path[n] == '/' && path[n + 1]) {
            *ret_rel = path + n + 1;
            return roots[i];
        }
    }
    return NULL;
}

/* Moves file @f of @a from its recorded path to where it belongs. Safe to
 * run again after a crash at any point (see the header). */
static vt_status move_one(const vt_config *c, const vt_asset *a, int f)
{
    const char *from = *field((vt_asset *)a, f);
    g_autofree char *rel = rel_name(a->id, f);
    const char *to_root = vt_config_images_dir(c, a->visibility);
    const char *from_rel = NULL;
    const char *from_root = root_of(c, from, &from_rel);
    if (!from_root || strcmp(from_rel, rel) != 0)
        return vt_error_set(VT_ERR_INVALID, "asset %s: %s is not in an image root of [images]"
                            " (dir, internal-dir): moved by hand? `vitrine retry %s` converts"
                            " it again", a->id, from, a->id);

    vt_place src = VT_PLACE_INIT, dst = VT_PLACE_INIT;
    vt_status s = vt_place_open(from_root, rel, 0, &src);
    struct stat st;
    bool have_src = s == VT_OK && fstatat(src.dirfd, src.name, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (s == VT_ERR_NOT_FOUND)
        s = VT_OK;
    if (s == VT_OK)
        s = vt_file_mkdirs(to_root);   /* the root itself (vitrined makes it at start) */
    if (s == VT_OK)
        s = vt_place_open(to_root, rel, VT_BENEATH_CREATE, &dst);
    if (s != VT_OK)
        goto out;
    bool have_dst = fstatat(dst.dirfd, dst.name, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (!have_src) {
        /* Moved before a crash (or gone: `vitrine verify` says so). */
        if (!have_dst)
            s = vt_error_set(VT_ERR_NOT_FOUND, "asset %s: %s is missing", a->id, from);
        goto out;
    }
    if (have_dst) {
        /* A stale copy at the new place (the record says the current file
         * is the one at the old place): it goes first. */
        g_autofree char *stale = g_build_filename(to_root, rel, NULL);
        if ((s = vt_file_remove_tree(stale)) != VT_OK)
            goto out;
    }
    if (renameat2(src.dirfd, src.name, dst.dirfd, dst.name, RENAME_NOREPLACE) != 0) {
        int e = errno;
        if (e == EXDEV)
            s = vt_error_set(VT_ERR_CONFIG, "cannot move %s to %s: [images] dir and internal-dir"
                             " are on different file systems (a visibility change renames the"
                             " images; `vitrine check-config` says so)", src.shown, dst.shown);
        else
            s = vt_error_set_errno(e == ENOSPC || e == EDQUOT ? VT_ERR_TRANSIENT : VT_ERR_IO, e,
                                   "cannot move %s to %s", src.shown, dst.shown);
        goto out;
    }
    s = vt_file_fsync_dirfd(dst.dirfd, dst.shown);
    if (s == VT_OK)
        s = vt_file_fsync_dirfd(src.dirfd, src.shown);
out:
    vt_place_close(&src);
    vt_place_close(&dst);
    return s;
}

/* Static tiles name the URL they are served from in info.json's "id":
 * rewritten for the root they are in now (replaced by rename). */
static vt_status rewrite_info(const vt_config *c, const vt_asset *a)
{
    g_autofree char *rel = g_strconcat(a->id, "/info.json", NULL);
    vt_place p = VT_PLACE_INIT;
    vt_status s = vt_place_open(vt_config_images_dir(c, a->visibility), rel, 0, &p);
    if (s == VT_ERR_NOT_FOUND)
        return VT_OK;   /* no tiles: nothing names a URL */
    if (s != VT_OK)
        return s;
    int fd = openat(p.dirfd, p.name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        vt_place_close(&p);
        return e == ENOENT ? VT_OK : vt_error_set_errno(VT_ERR_IO, e, "cannot open %s", p.shown);
    }
    char *buf = g_malloc(INFO_MAX + 1);
    ssize_t n = read(fd, buf, INFO_MAX + 1);
    close(fd);
    json_t *info = n > 0 && n <= INFO_MAX ? json_loadb(buf, (size_t)n, 0, NULL) : NULL;
    g_free(buf);
    if (!json_is_object(info)) {
        json_decref(info);
        s = vt_error_set(VT_ERR_INVALID, "%s is not an info.json vitrine wrote", p.shown);
        vt_place_close(&p);
        return s;
    }
    g_autofree char *id = vt_url_image_service(c, a->id, a->visibility);
    if (g_strcmp0(json_string_value(json_object_get(info, "id")), id) != 0) {
        json_object_set_new(info, "id", json_string(id));
        char *text = json_dumps(info, JSON_COMPACT | JSON_PRESERVE_ORDER);
        s = text ? vt_file_write_atomic_at(p.dirfd, p.name, p.shown, text, strlen(text))
                 : vt_error_set(VT_ERR_INTERNAL, "cannot encode %s", p.shown);
        free(text);
    }
    json_decref(info);
    vt_place_close(&p);
    return s;
}

typedef struct {
    const vt_config *config;
    const char *id;
    vt_visibility moved_to;  /* the visibility its files were moved for */
    bool done;               /* out: the paths were updated */
} finish_ctx;

/* Points the record at the new root and drops the pending mark, unless
 * the asset changed meanwhile (then its mark stays for the next run). */
static vt_status finish_fn(vt_txn *txn, void *data)
{
    finish_ctx *fc = data;
    fc->done = false;
    g_autofree char *key = g_strconcat(KEY_PREFIX, fc->id, NULL);
    vt_asset *before = NULL;
    vt_status s = vt_asset_get(txn, fc->id, &before);
    if (s == VT_ERR_NOT_FOUND) {
        vt_txn_del(txn, VT_TABLE_META, key);
        return vt_txn_status(txn);
    }
    if (s != VT_OK)
        return s;
    if (before->visibility != fc->moved_to) {
        vt_asset_free(before);
        return VT_OK;
    }
    vt_asset *a = vt_asset_dup(before);
    for (int f = 0; f < F_COUNT; f++) {
        char **path = field(a, f);
        if (*path) {
            g_free(*path);
            *path = expected_path(fc->config, a, f);
        }
    }
    if (!vt_imagemove_in_place(fc->config, before))
        vt_terms_put_asset(txn, before, a);   /* marks it for the site */
    vt_txn_del(txn, VT_TABLE_META, key);
    vt_asset_free(before);
    vt_asset_free(a);
    fc->done = true;
    return vt_txn_status(txn);
}

static bool collect(const char *key, size_t key_len, const void *val, size_t len, void *data)
{
    (void)val;
    (void)len;
    g_ptr_array_add(data, g_strndup(key + strlen(KEY_PREFIX), key_len - strlen(KEY_PREFIX)));
    return true;
}

static vt_status read_pending(vt_txn *txn, void *data)
{
    vt_txn_foreach(txn, VT_TABLE_META, KEY_PREFIX, collect, data);
    return vt_txn_status(txn);
}

typedef struct {
    const char *id;
    vt_asset *asset;
} get_ctx;

static vt_status get_fn(vt_txn *txn, void *data)
{
    get_ctx *g = data;
    vt_status s = vt_asset_get(txn, g->id, &g->asset);
    return s == VT_ERR_NOT_FOUND ? VT_OK : s;
}

static vt_status move_asset(const vt_config *c, vt_store *store, const char *id, bool *ret_moved)
{
    get_ctx g = {id, NULL};
    vt_status s = vt_store_read(store, get_fn, &g);
    if (s != VT_OK)
        return s;
    if (g.asset && !vt_asset_id_valid(g.asset->id)) {
        vt_asset_free(g.asset);
        return vt_error_set(VT_ERR_INVALID, "asset id %s cannot name image files", id);
    }
    for (int f = 0; g.asset && s == VT_OK && f < F_COUNT; f++) {
        const char *path = *field(g.asset, f);
        g_autofree char *want = path ? expected_path(c, g.asset, f) : NULL;
        if (path && strcmp(path, want) != 0)
            s = move_one(c, g.asset, f);
    }
    if (g.asset && s == VT_OK && c->server == VT_SERVER_STATIC && g.asset->tiles)
        s = rewrite_info(c, g.asset);
    if (s == VT_OK) {
        /* An asset deleted meanwhile: only its mark goes. */
        finish_ctx fc = {c, id, g.asset ? g.asset->visibility : VT_VISIBILITY_PUBLIC, false};
        s = vt_store_write(store, finish_fn, &fc);
        *ret_moved = fc.done && g.asset;
    }
    vt_asset_free(g.asset);
    return s;
}

vt_status vt_imagemove_run(const vt_config *c, vt_store *store, unsigned *ret_moved)
{
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
    vt_status s = vt_store_read(store, read_pending, ids);
    if (s != VT_OK)
        return s;
    vt_status first = VT_OK;
    g_autofree char *message = NULL;
    unsigned moved = 0;
    for (guint i = 0; i < ids->len; i++) {
        bool one = false;
        s = move_asset(c, store, g_ptr_array_index(ids, i), &one);
        moved += one;
        if (s != VT_OK && first == VT_OK) {
            first = s;
            message = g_strdup(vt_error_message());
        }
    }
    if (first != VT_OK)
        vt_error_set(first, "%s", message);
    if (ret_moved)
        *ret_moved = moved;
    return first;
}

bool vt_imagemove_pending(vt_store *store)
{
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
    return vt_store_read(store, read_pending, ids) == VT_OK && ids->len > 0;
}

/* The device of @path, or of its nearest existing parent. */
static bool device_of(const char *path, dev_t *ret_dev)
{
    g_autofree char *p = g_strdup(path);
    struct stat st;
    while (stat(p, &st) != 0) {
        char *slash = strrchr(p, '/');
        if (!slash || slash == p)
            return false;
        *slash = '\0';
    }
    *ret_dev = st.st_dev;
    return true;
}

vt_status vt_imagemove_check(const vt_config *c)
{
    dev_t pub, internal;
    if (!c->images_dir || !c->images_internal_dir || !device_of(c->images_dir, &pub) ||
        !device_of(c->images_internal_dir, &internal))
        return VT_OK;   /* created later, beside each other */
    if (pub != internal)
        return vt_error_set(VT_ERR_CONFIG, "[images] internal-dir (%s) is not on the file system"
                            " of [images] dir (%s): vitrine moves an asset's images between them"
                            " with a rename when its visibility changes, which only works on one"
                            " file system", c->images_internal_dir, c->images_dir);
    return VT_OK;
}
