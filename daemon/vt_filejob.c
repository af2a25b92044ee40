/* vt_filejob.c: see vt_filejob.h. */
#include "vt_filejob.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_beneath.h"

#include "vt_name.h"
#include "vt_annotation.h"
#include "vt_sidecar.h"
#include "vt_xmp.h"

void vt_filejob_free(vt_filejob *j)
{
    if (!j)
        return;
    g_free(j->relpath);
    g_free(j->path);
    vt_asset_free(j->asset);
    g_free(j->reason);
    g_free(j->dest);
    g_free(j->message);
    g_free(j->link_target);
    json_decref(j->sidecar_fields);
    json_decref(j->sidecar_quarantined);
    json_decref(j->annotations);
    g_free(j->annotations_name);
    g_free(j);
}

char *vt_filejob_format_time(int64_t seconds)
{
    GDateTime *t = g_date_time_new_from_unix_local(seconds);
    char *s = g_date_time_format(t, "%Y-%m-%d %H:%M:%S");
    g_date_time_unref(t);
    return s;
}

/* The configured root that @path lies below: the department's hotfolder,
 * the archive or the quarantine. NULL for anything else (a bug). */
static const char *root_of(const vt_filejob *j, const vt_config *cfg, const char *path)
{
    const char *roots[] = {j->dept ? j->dept->hotfolder : NULL, cfg->originals_dir,
                           cfg->quarantine_dir};
    for (size_t i = 0; i < G_N_ELEMENTS(roots); i++) {
        size_t n = roots[i] ? strlen(roots[i]) : 0;
        if (n && strncmp(path, roots[i], n) == 0 && path[n] == '/')
            return roots[i];
    }
    return NULL;
}

/* Opens the folder of @path (the job's drop when @path is j->path and the
 * job has a relpath, else a file of the archive or the quarantine) beneath
 * its root. */
static vt_status place_of(const vt_filejob *j, const vt_config *cfg, const char *path,
                          unsigned flags, vt_place *ret)
{
    if (path == j->path && j->relpath)
        return vt_place_open(j->dept->hotfolder, j->relpath, flags, ret);
    const char *root = root_of(j, cfg, path);
    if (!root)
        return vt_error_set(VT_ERR_INTERNAL, "%s is not below a folder vitrine manages", path);
    return vt_place_open_path(root, path, flags, ret);
}

/* A place that cannot be opened because the file or a folder on its way is
 * gone, or because a folder on its way became a link, holds nothing of ours:
 * the job has nothing to do (a link is reported as one by the scan). */
static bool place_gone(vt_filejob *j, vt_status s)
{
    if (s == VT_ERR_UNSAFE_PATH) {
        j->crosses_link = true;
        j->vanished = true;
        return true;
    }
    if (s == VT_ERR_NOT_FOUND) {
        j->vanished = true;
        return true;
    }
    return false;
}

/* The sidecars of the drop @base in @dirfd: NAME.json / NAME.xmp with NAME
 * its file name without, then with, its extension (Lightroom writes
 * IMG_1.xmp, darktable IMG_1.CR2.xmp). Regular files only: a link is not
 * followed. Just names, relative to @dirfd. */
static GPtrArray *sidecars_of(int dirfd, const char *base)
{
    static const char *const exts[] = {".json", ".xmp", ".JSON", ".XMP",
                                       VT_ANNOTATION_SIDECAR_SUFFIX};
    GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
    const char *dot = strrchr(base, '.');
    g_autofree char *stem = dot && dot != base ? g_strndup(base, (gsize)(dot - base)) : NULL;
    const char *names[] = {stem, base};
    for (size_t n = 0; n < G_N_ELEMENTS(names); n++) {
        if (!names[n])
            continue;
        for (size_t e = 0; e < G_N_ELEMENTS(exts); e++) {
            char *name = g_strconcat(names[n], exts[e], NULL);
            struct stat st;
            bool dup = false;
            for (guint k = 0; k < found->len; k++)
                dup |= strcmp(g_ptr_array_index(found, k), name) == 0;
            if (!dup && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
                g_ptr_array_add(found, name);
            else
                g_free(name);
        }
    }
    return found;
}

/* Is a sidecar of the drop @base changed more recently than its settle time? */
static bool sidecar_settling(const vt_filejob *j, int dirfd, const char *base)
{
    g_autoptr(GPtrArray) found = sidecars_of(dirfd, base);
    int64_t now = g_get_real_time() / G_USEC_PER_SEC;
    for (guint i = 0; i < found->len; i++) {
        struct stat st;
        if (fstatat(dirfd, g_ptr_array_index(found, i), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            now - (int64_t)st.st_ctim.tv_sec < (int64_t)j->dept->settle_seconds)
            return true;
    }
    return false;
}

static vt_status work_quarantine(vt_filejob *j, const vt_config *cfg);

vt_status vt_filejob_open_sidecar(int dirfd, const char *name, const char *shown,
                                  json_t **ret_fields, int *ret_fd, struct stat *ret_st)
{
    gsize cap = vt_annotation_sidecar_name(name) ? VT_ANNOTATION_PAGE_MAX_BYTES
              : g_str_has_suffix(name, "json") || g_str_has_suffix(name, "JSON")
                    ? VT_SIDECAR_MAX_JSON : VT_XMP_MAX_INPUT;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot open %s", shown);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return vt_error_set(VT_ERR_IO, "%s is not a regular file", shown);
    }
    g_autoptr(GByteArray) data = g_byte_array_new();
    vt_status s = (gsize)st.st_size > cap ? VT_ERR_LIMIT
                                            : vt_file_read_capped(fd, shown, cap, data);
    if (s == VT_OK && data->len > cap)
        s = VT_ERR_LIMIT;
    if (s == VT_ERR_LIMIT)
        s = vt_error_set(VT_ERR_LIMIT, "The sidecar %s is larger than %zu bytes.", name,
                         (size_t)cap);
    json_t *fields = NULL;
    if (s == VT_OK && vt_annotation_sidecar_name(name))   /* the page, checked when READY */
        s = vt_annotation_page_load(name, (const char *)data->data, data->len, &fields);
    else if (s == VT_OK)
        s = vt_sidecar_parse(name, (const char *)data->data, data->len, &fields);
    if (s != VT_OK) {
        close(fd);
        return s;
    }
    *ret_fields = fields;
    if (ret_fd)
        *ret_fd = fd;
    else
        close(fd);
    if (ret_st)
        *ret_st = st;
    return VT_OK;
}

vt_status vt_filejob_archive_sidecar(int fd, const struct stat *st, int src_dirfd,
                                     const char *name, const char *shown, int archive_dirfd,
                                     const char *archive_shown)
{
    g_autofree char *dest = vt_file_free_name_at(archive_dirfd, name, 0);
    g_autofree char *dest_shown = g_build_filename(archive_shown, dest, NULL);
    vt_status s = vt_file_copy_fd_at(fd, shown, archive_dirfd, dest, dest_shown);
    if (s != VT_OK)
        return s;
    /* Removed only if the name still holds the file that was copied. */
    if (vt_beneath_is_same(src_dirfd, name, st->st_dev, st->st_ino) &&
        unlinkat(src_dirfd, name, 0) != 0 && errno != ENOENT)
        return vt_error_set_errno(VT_ERR_IO, errno, "archived %s but cannot remove it", shown);
    return VT_OK;
}

/* Reads, archives or quarantines the sidecars of @j's drop @src (see the
 * header) into the archive folder @dst. A failure with one sidecar never
 * fails the image. */
static void take_sidecars(vt_filejob *j, const vt_config *cfg, const vt_place *src,
                          const vt_place *dst)
{
    g_autoptr(GPtrArray) found = sidecars_of(src->dirfd, src->name);
    g_autofree char *rel_dir = g_path_get_dirname(j->relpath ? j->relpath : j->asset->source);
    g_autofree char *src_dir = g_path_get_dirname(src->shown);
    g_autofree char *archive_dir = g_path_get_dirname(dst->shown);
    for (guint i = 0; i < found->len; i++) {
        const char *name = g_ptr_array_index(found, i);
        g_autofree char *shown = g_build_filename(src_dir, name, NULL);
        json_t *fields = NULL;
        int fd = -1;
        struct stat st;
        vt_status s = vt_filejob_open_sidecar(src->dirfd, name, shown, &fields, &fd, &st);
        if (s == VT_OK) {
            bool archived = vt_filejob_archive_sidecar(fd, &st, src->dirfd, name, shown,
                                                       dst->dirfd, archive_dir) == VT_OK;
            if (archived && vt_annotation_sidecar_name(name)) {
                json_decref(j->annotations);   /* vt_pipeline_annotations.c imports it */
                j->annotations = json_incref(fields);
                g_free(j->annotations_name);
                j->annotations_name = g_strdup(name);
            } else if (archived) {
                if (!j->sidecar_fields)
                    j->sidecar_fields = json_object();
                /* The first sidecar read wins a field given twice. */
                json_object_update_missing(j->sidecar_fields, fields);
            }
            close(fd);
            json_decref(fields);
            continue;
        }
        if (s == VT_ERR_IO)
            continue;   /* unreadable now: left where it is */
        vt_filejob q = {.kind = VT_FILEJOB_QUARANTINE, .dept = j->dept,
                        .relpath = strcmp(rel_dir, ".") == 0
                                       ? g_strdup(name) : g_build_filename(rel_dir, name, NULL),
                        .reason = g_strdup(vt_error_message())};
        q.path = g_build_filename(j->dept->hotfolder, q.relpath, NULL);
        if (work_quarantine(&q, cfg) == VT_OK && q.dest) {
            if (!j->sidecar_quarantined)
                j->sidecar_quarantined = json_array();
            g_autofree char *source = vt_name_display(q.relpath);
            json_array_append_new(j->sidecar_quarantined,
                                  json_pack("{s:s, s:s, s:s}", "source", source, "path", q.dest,
                                            "reason", q.reason));
        }
        g_free(q.relpath);
        g_free(q.path);
        g_free(q.reason);
        g_free(q.dest);
        g_free(q.message);
        g_free(q.link_target);
    }
}

static vt_status work_hash(vt_filejob *j, const vt_config *cfg)
{
    vt_place src = VT_PLACE_INIT;
    vt_status s = place_of(j, cfg, j->path, 0, &src);
    if (s != VT_OK)
        return place_gone(j, s) ? VT_OK : s;

    struct stat st;
    int fd = openat(src.dirfd, src.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT) {
            j->vanished = true;
        } else if (e == ELOOP && fstatat(src.dirfd, src.name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                   S_ISLNK(st.st_mode)) {
            char target[1024];
            ssize_t n = readlinkat(src.dirfd, src.name, target, sizeof target - 1);
            target[n > 0 ? n : 0] = '\0';
            j->is_symlink = true;
            j->link_target = vt_name_display(target);
        } else {
            s = vt_error_set_errno(VT_ERR_IO, e, "cannot open %s", src.shown);
        }
        vt_place_close(&src);
        return s;
    }
    if (fstat(fd, &st) != 0) {
        s = vt_error_set_errno(VT_ERR_IO, errno, "cannot examine %s", src.shown);
    } else if (!S_ISREG(st.st_mode)) {
        j->vanished = true;   /* a fifo or device: not content, not ours */
    } else if (st.st_nlink > 1) {
        /* Another name of this file may lie outside the hotfolder (a hard
         * link to someone else's file): it is not taken. */
        j->hard_linked = true;
    } else {
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        s = vt_file_sha256_fd(fd, src.shown, j->sha256, &j->size);
        struct stat after;
        if (s == VT_OK &&
            (fstat(fd, &after) != 0 || after.st_size != st.st_size ||
             after.st_mtim.tv_sec != st.st_mtim.tv_sec ||
             after.st_mtim.tv_nsec != st.st_mtim.tv_nsec || (uint64_t)after.st_size != j->size ||
             !vt_beneath_is_same(src.dirfd, src.name, st.st_dev, st.st_ino)))
            j->changed = true;
        j->dev = (uint64_t)st.st_dev;
        j->ino = (uint64_t)st.st_ino;
        if (s == VT_OK)
            j->sidecar_settling = sidecar_settling(j, src.dirfd, src.name);
    }
    close(fd);
    vt_place_close(&src);
    return s;
}

/* Hashes @name in @dirfd again, from the disk (not the page cache), and
 * compares it with @sha256. */
static vt_status verify_copy(int dirfd, const char *name, const char *shown, const char *sha256)
{
    char sum[VT_SHA256_HEX_LEN + 1];
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return vt_error_set_errno(errno == ENOENT ? VT_ERR_NOT_FOUND : VT_ERR_IO, errno,
                                  "cannot open %s", shown);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    vt_status s = vt_file_sha256_fd(fd, shown, sum, NULL);
    close(fd);
    if (s != VT_OK)
        return s;
    if (strcmp(sum, sha256) != 0)
        return vt_error_set(VT_ERR_TRANSIENT, "the copy %s does not match its SHA-256 (%s, not %s)",
                            shown, sum, sha256);
    return VT_OK;
}

/* Copies the drop (open at @src) to the archive (@dst), and verifies the
 * copy. Sets *ret_st to the drop's status, for the unlink check. */
static vt_status archive_copy(vt_filejob *j, const vt_place *src, const vt_place *dst,
                              struct stat *ret_st)
{
    int fd = openat(src->dirfd, src->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            j->vanished = true;
            return VT_OK;
        }
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot open %s", src->shown);
    }
    vt_status s = VT_OK;
    if (fstat(fd, ret_st) != 0)
        s = vt_error_set_errno(VT_ERR_IO, errno, "cannot examine %s", src->shown);
    else if (!S_ISREG(ret_st->st_mode) || ret_st->st_nlink > 1 ||
             (j->ino && (ret_st->st_ino != (ino_t)j->ino || ret_st->st_dev != (dev_t)j->dev))) {
        /* Not the file that was hashed: it is read again from the start. */
        j->changed = true;
        s = vt_error_set(VT_ERR_TRANSIENT, "%s was replaced after it was read", src->shown);
    }
    if (s == VT_OK)
        s = vt_file_copy_fd_at(fd, src->shown, dst->dirfd, dst->name, dst->shown);
    close(fd);
    if (s != VT_OK)
        return s == VT_ERR_IO ? VT_ERR_TRANSIENT : s;
    s = verify_copy(dst->dirfd, dst->name, dst->shown, j->asset->sha256);
    if (s != VT_OK) {
        /* Either the source changed after it was hashed (still being
         * written) or the copy is bad: our copy goes, the source stays. */
        unlinkat(dst->dirfd, dst->name, 0);
        j->changed = true;
    }
    return s;
}

static vt_status work_archive(vt_filejob *j, const vt_config *cfg)
{
    vt_place src = VT_PLACE_INIT, dst = VT_PLACE_INIT;
    vt_status s = place_of(j, cfg, j->asset->original, VT_BENEATH_CREATE, &dst);
    if (s != VT_OK)
        return s == VT_ERR_IO ? VT_ERR_TRANSIENT : s;
    s = place_of(j, cfg, j->path, 0, &src);
    if (s != VT_OK) {
        vt_place_close(&dst);
        return place_gone(j, s) ? VT_OK : s;
    }

    /* A copy cut off by a crash may have left its temporary; this job is
     * the one writer of the archived name, so whatever is there is stale. */
    vt_file_remove_temp_at(dst.dirfd, dst.name, dst.shown);
    struct stat st;
    bool remove_source = true;
    if (fstatat(dst.dirfd, dst.name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        /* Archived before a crash: trust it only after verification, and
         * remove the drop only if it still is those bytes. */
        s = verify_copy(dst.dirfd, dst.name, dst.shown, j->asset->sha256);
        if (s != VT_OK) {
            s = vt_error_set(VT_ERR_INTERNAL, "%s is in the way of the archived original: %s",
                             dst.shown, vt_error_message());
        } else {
            remove_source = verify_copy(src.dirfd, src.name, src.shown, j->asset->sha256) == VT_OK &&
                            fstatat(src.dirfd, src.name, &st, AT_SYMLINK_NOFOLLOW) == 0;
            vt_error_clear();
        }
    } else {
        s = archive_copy(j, &src, &dst, &st);
    }
    if (s == VT_OK && !j->vanished && remove_source) {
        /* Only the file that was copied is removed: a name given to another
         * file meanwhile is left for its own turn. */
        if (vt_beneath_is_same(src.dirfd, src.name, st.st_dev, st.st_ino) &&
            unlinkat(src.dirfd, src.name, 0) != 0 && errno != ENOENT)
            s = vt_error_set_errno(VT_ERR_IO, errno,
                                   "archived %s but cannot remove it from the hotfolder", src.shown);
        if (s == VT_OK) {
            take_sidecars(j, cfg, &src, &dst);
            s = vt_file_fsync_dirfd(src.dirfd, src.shown);
        }
    }
    vt_place_close(&src);
    vt_place_close(&dst);
    return s;
}

static char *reason_text(const vt_filejob *j, const char *source, const char *department)
{
    g_autofree char *when = vt_filejob_format_time(g_get_real_time() / G_USEC_PER_SEC);
    GString *s = g_string_new("vitrine could not ingest this file.\n\n");
    g_string_append_printf(s, "File:        %s\n", source);
    g_string_append_printf(s, "Department:  %s\n", department);
    g_string_append_printf(s, "When:        %s\n", when);
    if (j->asset)
        g_string_append_printf(s, "Asset:       %s (SHA-256 %s)\n", j->asset->id, j->asset->sha256);
    g_string_append_printf(s, "\nWhy:\n%s\n", j->reason);
    g_string_append(s, "\nNothing was deleted: this is the file exactly as it was dropped. Fix the"
                       " problem and drop a good copy into the hotfolder again; if the file is fine"
                       " and vitrine was wrong, an administrator can run `vitrine retry`"
                       " for an asset, or tell the developers.\n");
    return g_string_free(s, FALSE);
}

#define REASON_SUFFIX ".reason.txt"

/* Opens the quarantine folder of @rel (DEPT/NAME, made if missing) in
 * @dst and picks a free name there for NAME that leaves room for the
 * reason file beside it: *ret_name and *ret_dir (the folder as shown),
 * owned by the caller. */
static vt_status quarantine_slot(const vt_config *cfg, const char *rel, vt_place *dst, char **ret_name,
                                 char **ret_dir)
{
    vt_status s = vt_place_open(cfg->quarantine_dir, rel, VT_BENEATH_CREATE, dst);
    if (s != VT_OK)
        return s;
    *ret_name = vt_file_free_name_at(dst->dirfd, dst->name, strlen(REASON_SUFFIX));
    *ret_dir = g_path_get_dirname(dst->shown);
    return VT_OK;
}

/* Writes @text as the reason file of @name in @dst (@dir as shown);
 * *ret_path (may be NULL) gets its path, owned by the caller. */
static vt_status write_reason(const vt_place *dst, const char *dir, const char *name, const char *text,
                              char **ret_path)
{
    g_autofree char *why_name = g_strconcat(name, REASON_SUFFIX, NULL);
    g_autofree char *why = g_build_filename(dir, why_name, NULL);
    vt_status s = vt_file_write_atomic_at(dst->dirfd, why_name, why, text, strlen(text));
    if (s == VT_OK && ret_path)
        *ret_path = g_steal_pointer(&why);
    return s;
}

static vt_status work_quarantine(vt_filejob *j, const vt_config *cfg)
{
    const char *source = j->asset ? j->asset->source : j->relpath;
    g_autofree char *display = vt_name_display(source);
    vt_place src = VT_PLACE_INIT, dst = VT_PLACE_INIT;
    vt_status s = place_of(j, cfg, j->path, 0, &src);
    if (s != VT_OK)
        return place_gone(j, s) ? VT_OK : s;
    g_autofree char *rel = g_build_filename(j->dept->id, display, NULL);
    g_autofree char *name = NULL, *dst_dir = NULL;
    s = quarantine_slot(cfg, rel, &dst, &name, &dst_dir);
    if (s != VT_OK) {
        vt_place_close(&src);
        return s;
    }
    char *dest = g_build_filename(dst_dir, name, NULL);
    s = vt_file_move_at(src.dirfd, src.name, src.shown, dst.dirfd, name, dest);
    if (s == VT_ERR_NOT_FOUND) {
        j->vanished = true;
        s = VT_OK;
        g_free(dest);
    } else if (s != VT_OK) {
        g_free(dest);
    } else {
        j->dest = dest;
        g_autofree char *text = reason_text(j, display, j->dept->id);
        s = write_reason(&dst, dst_dir, name, text, NULL);
    }
    vt_place_close(&src);
    vt_place_close(&dst);
    return s;
}

vt_status vt_filejob_write_note(const vt_config *cfg, const vt_department *dept,
                                const char *relpath, const char *text, char **ret_path)
{
    /* ".refused" keeps the note apart from the reason of a file of the same
     * name that goes to quarantine later. */
    g_autofree char *display = vt_name_display(relpath);
    g_autofree char *rel = g_strconcat(dept->id, "/", display, ".refused", NULL);
    vt_place dst = VT_PLACE_INIT;
    g_autofree char *name = NULL, *dst_dir = NULL;
    vt_status s = quarantine_slot(cfg, rel, &dst, &name, &dst_dir);
    if (s != VT_OK)
        return s;
    s = write_reason(&dst, dst_dir, name, text, ret_path);
    vt_place_close(&dst);
    return s;
}

static vt_status work_restore(vt_filejob *j, const vt_config *cfg)
{
    vt_place src = VT_PLACE_INIT, dst = VT_PLACE_INIT;
    vt_status s = place_of(j, cfg, j->path, 0, &src);
    if (s == VT_OK)
        s = vt_place_open_path(cfg->originals_dir, j->dest, VT_BENEATH_CREATE, &dst);
    if (s == VT_OK) {
        g_autofree char *name = vt_file_free_name_at(dst.dirfd, dst.name, 0);
        g_autofree char *dst_dir = g_path_get_dirname(dst.shown);
        char *dest = g_build_filename(dst_dir, name, NULL);
        s = vt_file_move_at(src.dirfd, src.name, src.shown, dst.dirfd, name, dest);
        if (s == VT_OK)
            s = verify_copy(dst.dirfd, name, dest, j->asset->sha256);
        if (s == VT_OK) {
            g_autofree char *why = g_strconcat(src.name, REASON_SUFFIX, NULL);
            unlinkat(src.dirfd, why, 0);
            g_free(j->dest);
            j->dest = dest;
        } else {
            g_free(dest);
        }
    }
    vt_place_close(&src);
    vt_place_close(&dst);
    return s;
}

void vt_filejob_run(vt_filejob *j, const vt_config *cfg)
{
    vt_error_clear();
    switch (j->kind) {
    case VT_FILEJOB_HASH:       j->status = work_hash(j, cfg); break;
    case VT_FILEJOB_ARCHIVE:    j->status = work_archive(j, cfg); break;
    case VT_FILEJOB_QUARANTINE: j->status = work_quarantine(j, cfg); break;
    case VT_FILEJOB_RESTORE:    j->status = work_restore(j, cfg); break;
    }
    if (j->status != VT_OK)
        j->message = g_strdup(vt_error_message());
}
