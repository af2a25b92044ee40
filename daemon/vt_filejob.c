/* vt_filejob.c: see vt_filejob.h. */
#include "vt_filejob.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The sidecars beside @image_path: NAME.json / NAME.xmp with NAME its file
 * name without, then with, its extension (Lightroom writes IMG_1.xmp,
 * darktable IMG_1.CR2.xmp). Regular files only: a link is not followed. */
static GPtrArray *sidecars_of(const char *image_path)
{
    static const char *const exts[] = {".json", ".xmp", ".JSON", ".XMP",
                                       VT_ANNOTATION_SIDECAR_SUFFIX};
    GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *dir = g_path_get_dirname(image_path);
    g_autofree char *base = g_path_get_basename(image_path);
    const char *dot = strrchr(base, '.');
    g_autofree char *stem = dot && dot != base ? g_strndup(base, (gsize)(dot - base)) : NULL;
    const char *names[] = {stem, base};
    for (size_t n = 0; n < G_N_ELEMENTS(names); n++) {
        if (!names[n])
            continue;
        for (size_t e = 0; e < G_N_ELEMENTS(exts); e++) {
            char *path = g_strdup_printf("%s/%s%s", dir, names[n], exts[e]);
            struct stat st;
            bool dup = false;
            for (guint k = 0; k < found->len; k++)
                dup |= strcmp(g_ptr_array_index(found, k), path) == 0;
            if (!dup && lstat(path, &st) == 0 && S_ISREG(st.st_mode))
                g_ptr_array_add(found, path);
            else
                g_free(path);
        }
    }
    return found;
}

/* Is a sidecar of @j's drop changed more recently than its settle time? */
static bool sidecar_settling(const vt_filejob *j)
{
    g_autoptr(GPtrArray) found = sidecars_of(j->path);
    int64_t now = g_get_real_time() / G_USEC_PER_SEC;
    for (guint i = 0; i < found->len; i++) {
        struct stat st;
        if (lstat(g_ptr_array_index(found, i), &st) == 0 &&
            now - (int64_t)st.st_ctim.tv_sec < (int64_t)j->dept->settle_seconds)
            return true;
    }
    return false;
}

static vt_status work_quarantine(vt_filejob *j, const char *quarantine_dir);

vt_status vt_filejob_read_sidecar(const char *path, const char *name, json_t **ret_fields)
{
    gsize cap = vt_annotation_sidecar_name(name) ? VT_ANNOTATION_PAGE_MAX_BYTES
              : g_str_has_suffix(name, "json") || g_str_has_suffix(name, "JSON")
                    ? VT_SIDECAR_MAX_JSON : VT_XMP_MAX_INPUT;
    struct stat st;
    if (lstat(path, &st) != 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot examine %s", path);
    if ((gsize)st.st_size > cap)
        return vt_error_set(VT_ERR_LIMIT, "The sidecar %s is larger than %zu bytes.", name,
                            (size_t)cap);
    g_autofree char *data = NULL;
    gsize len = 0;
    GError *err = NULL;
    if (!g_file_get_contents(path, &data, &len, &err)) {
        vt_status s = vt_error_set(VT_ERR_IO, "cannot read %s: %s", path, err->message);
        g_error_free(err);
        return s;
    }
    if (vt_annotation_sidecar_name(name))   /* the page, checked when READY */
        return vt_annotation_page_load(name, data, len, ret_fields);
    return vt_sidecar_parse(name, data, len, ret_fields);
}

/* Reads, archives or quarantines the sidecars of @j's drop (see the header).
 * A failure with one sidecar never fails the image. */
static void take_sidecars(vt_filejob *j, const char *quarantine_dir)
{
    g_autoptr(GPtrArray) found = sidecars_of(j->path);
    g_autofree char *rel_dir = g_path_get_dirname(j->relpath ? j->relpath : j->asset->source);
    g_autofree char *archive_dir = g_path_get_dirname(j->asset->original);
    for (guint i = 0; i < found->len; i++) {
        const char *path = g_ptr_array_index(found, i);
        g_autofree char *name = g_path_get_basename(path);
        json_t *fields = NULL;
        vt_status s = vt_filejob_read_sidecar(path, name, &fields);
        if (s == VT_OK) {
            g_autofree char *wanted = g_build_filename(archive_dir, name, NULL);
            g_autofree char *dest = vt_file_free_name(wanted);
            bool archived = vt_file_copy_durable(path, dest) == VT_OK && unlink(path) == 0;
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
            json_decref(fields);
            continue;
        }
        if (s == VT_ERR_IO)
            continue;   /* unreadable now: left where it is */
        vt_filejob q = {.kind = VT_FILEJOB_QUARANTINE, .dept = j->dept,
                        .relpath = g_build_filename(rel_dir, name, NULL),
                        .path = g_strdup(path), .reason = g_strdup(vt_error_message())};
        if (work_quarantine(&q, quarantine_dir) == VT_OK && q.dest) {
            if (!j->sidecar_quarantined)
                j->sidecar_quarantined = json_array();
            json_array_append_new(j->sidecar_quarantined,
                                  json_pack("{s:s, s:s, s:s}", "source", q.relpath, "path", q.dest,
                                            "reason", q.reason));
        }
        g_free(q.relpath);
        g_free(q.path);
        g_free(q.reason);
        g_free(q.dest);
        g_free(q.message);
    }
}

static vt_status work_hash(vt_filejob *j)
{
    struct stat st;
    if (lstat(j->path, &st) != 0) {
        if (errno == ENOENT) {
            j->vanished = true;
            return VT_OK;
        }
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot examine %s", j->path);
    }
    if (S_ISLNK(st.st_mode)) {
        j->is_symlink = true;
        return VT_OK;
    }
    if (!S_ISREG(st.st_mode)) {
        j->vanished = true;   /* a fifo or device: not content, not ours */
        return VT_OK;
    }
    vt_status s = vt_file_sha256(j->path, j->sha256, &j->size);
    if (s == VT_ERR_NOT_FOUND) {
        j->vanished = true;
        return VT_OK;
    }
    if (s != VT_OK)
        return s;
    struct stat after;
    if (lstat(j->path, &after) != 0 || after.st_size != st.st_size ||
        after.st_mtim.tv_sec != st.st_mtim.tv_sec || after.st_mtim.tv_nsec != st.st_mtim.tv_nsec ||
        after.st_ino != st.st_ino || (uint64_t)after.st_size != j->size)
        j->changed = true;
    j->sidecar_settling = sidecar_settling(j);
    return VT_OK;
}

static vt_status verify_copy(const char *path, const char *sha256)
{
    char sum[VT_SHA256_HEX_LEN + 1];
    vt_file_drop_cache(path);
    vt_status s = vt_file_sha256(path, sum, NULL);
    if (s != VT_OK)
        return s;
    if (strcmp(sum, sha256) != 0)
        return vt_error_set(VT_ERR_TRANSIENT, "the copy %s does not match its SHA-256 (%s, not %s)",
                            path, sum, sha256);
    return VT_OK;
}

static vt_status work_archive(vt_filejob *j, const char *quarantine_dir)
{
    const char *dst = j->asset->original;
    struct stat st;

    /* A copy cut off by a crash may have left its temporary; this job is
     * the one writer of @dst, so whatever is there is stale. */
    vt_file_remove_temp(dst);
    if (lstat(dst, &st) == 0) {
        /* Archived before a crash: trust it only after verification. */
        vt_status s = verify_copy(dst, j->asset->sha256);
        if (s != VT_OK)
            return vt_error_set(VT_ERR_INTERNAL, "%s is in the way of the archived original: %s",
                                dst, vt_error_message());
    } else {
        if (lstat(j->path, &st) != 0) {
            if (errno == ENOENT) {
                j->vanished = true;
                return VT_OK;
            }
            return vt_error_set_errno(VT_ERR_IO, errno, "cannot examine %s", j->path);
        }
        g_autofree char *dir = g_path_get_dirname(dst);
        vt_status s = vt_file_mkdirs(dir);
        if (s == VT_OK)
            s = vt_file_copy_durable(j->path, dst);
        if (s != VT_OK)
            return s == VT_ERR_IO ? VT_ERR_TRANSIENT : s;
        s = verify_copy(dst, j->asset->sha256);
        if (s != VT_OK) {
            /* Either the source changed after it was hashed (still being
             * written) or the copy is bad: our copy goes, the source stays. */
            g_unlink(dst);
            j->changed = true;
            return s;
        }
    }
    if (unlink(j->path) != 0 && errno != ENOENT)
        return vt_error_set_errno(VT_ERR_IO, errno,
                                  "archived %s but cannot remove it from the hotfolder", j->path);
    take_sidecars(j, quarantine_dir);
    g_autofree char *src_dir = g_path_get_dirname(j->path);
    vt_file_fsync_dir(src_dir);
    return VT_OK;
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

static vt_status work_quarantine(vt_filejob *j, const char *quarantine_dir)
{
    const char *source = j->asset ? j->asset->source : j->relpath;
    g_autofree char *display = vt_name_display(source);
    g_autofree char *wanted = g_build_filename(quarantine_dir, j->dept->id, display, NULL);
    g_autofree char *dir = g_path_get_dirname(wanted);

    vt_status s = vt_file_mkdirs(dir);
    if (s != VT_OK)
        return s;
    char *dest = vt_file_free_name(wanted);
    s = vt_file_move(j->path, dest);
    if (s == VT_ERR_NOT_FOUND) {
        g_free(dest);
        j->vanished = true;
        return VT_OK;
    }
    if (s != VT_OK) {
        g_free(dest);
        return s;
    }
    j->dest = dest;
    g_autofree char *why_path = g_strdup_printf("%s.reason.txt", dest);
    g_autofree char *text = reason_text(j, display, j->dept->id);
    return vt_file_write_atomic(why_path, text, strlen(text));
}

static vt_status work_restore(vt_filejob *j)
{
    g_autofree char *dir = g_path_get_dirname(j->dest);
    vt_status s = vt_file_mkdirs(dir);
    if (s == VT_OK)
        s = vt_file_move(j->path, j->dest);
    if (s == VT_OK)
        s = verify_copy(j->dest, j->asset->sha256);
    if (s == VT_OK) {
        g_autofree char *why = g_strdup_printf("%s.reason.txt", j->path);
        g_unlink(why);
    }
    return s;
}

void vt_filejob_run(vt_filejob *j, const char *quarantine_dir)
{
    vt_error_clear();
    switch (j->kind) {
    case VT_FILEJOB_HASH:       j->status = work_hash(j); break;
    case VT_FILEJOB_ARCHIVE:    j->status = work_archive(j, quarantine_dir); break;
    case VT_FILEJOB_QUARANTINE: j->status = work_quarantine(j, quarantine_dir); break;
    case VT_FILEJOB_RESTORE:    j->status = work_restore(j); break;
    }
    if (j->status != VT_OK)
        j->message = g_strdup(vt_error_message());
}
