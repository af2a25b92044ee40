/* vt_filejob.c: see vt_filejob.h. */
#include "vt_filejob.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_name.h"

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
    g_free(j);
}

char *vt_filejob_format_time(int64_t seconds)
{
    GDateTime *t = g_date_time_new_from_unix_local(seconds);
    char *s = g_date_time_format(t, "%Y-%m-%d %H:%M:%S");
    g_date_time_unref(t);
    return s;
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

static vt_status work_archive(vt_filejob *j)
{
    const char *dst = j->asset->original;
    struct stat st;

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
    case VT_FILEJOB_ARCHIVE:    j->status = work_archive(j); break;
    case VT_FILEJOB_QUARANTINE: j->status = work_quarantine(j, quarantine_dir); break;
    case VT_FILEJOB_RESTORE:    j->status = work_restore(j); break;
    }
    if (j->status != VT_OK)
        j->message = g_strdup(vt_error_message());
}
