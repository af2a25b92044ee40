/* vt_file.c: see vt_file.h. */
#include "vt_file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HASH_CHUNK (1 << 20)

vt_status vt_file_sha256_fd(int fd, const char *name, char ret_hex[VT_SHA256_HEX_LEN + 1],
                            uint64_t *ret_size)
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    guchar *buf = g_malloc(HASH_CHUNK);
    uint64_t total = 0;
    vt_status st = VT_OK;

    for (;;) {
        ssize_t n = read(fd, buf, HASH_CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            st = vt_error_set_errno(VT_ERR_IO, errno, "cannot read %s", name);
            break;
        }
        if (n == 0)
            break;
        g_checksum_update(sum, buf, (gssize)n);
        total += (uint64_t)n;
    }
    if (st == VT_OK) {
        g_strlcpy(ret_hex, g_checksum_get_string(sum), VT_SHA256_HEX_LEN + 1);
        if (ret_size)
            *ret_size = total;
    }
    g_free(buf);
    g_checksum_free(sum);
    return st;
}

vt_status vt_file_sha256(const char *path, char ret_hex[VT_SHA256_HEX_LEN + 1], uint64_t *ret_size)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return vt_error_set_errno(errno == ENOENT ? VT_ERR_NOT_FOUND : VT_ERR_IO, errno,
                                  "cannot open %s", path);
    /* Reading ahead in big strides is what a whole-file hash wants. */
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    vt_status st = vt_file_sha256_fd(fd, path, ret_hex, ret_size);
    close(fd);
    return st;
}

vt_status vt_file_mkdirs(const char *path)
{
    if (g_mkdir_with_parents(path, 0750) != 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot create the folder %s", path);
    return VT_OK;
}

vt_status vt_file_fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot open the folder %s", path);
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    /* Some file systems (CIFS, some FUSE) refuse fsync on a folder; the
     * data itself was synced, so that is not worth failing over. */
    if (rc != 0 && saved != EINVAL && saved != ENOTSUP)
        return vt_error_set_errno(VT_ERR_IO, saved, "cannot sync the folder %s", path);
    return VT_OK;
}

static vt_status transient_or_io(int errnum)
{
    return (errnum == ENOSPC || errnum == EDQUOT || errnum == EROFS) ? VT_ERR_TRANSIENT : VT_ERR_IO;
}

static vt_status copy_fd(int in, int out, const char *src, const char *dst)
{
    bool kernel_copy = true;
    char *buf = NULL;

    for (;;) {
        ssize_t n;
        if (kernel_copy) {
            n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
            if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP ||
                          errno == EINVAL)) {
                kernel_copy = false;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                int e = errno;
                g_free(buf);
                return vt_error_set_errno(transient_or_io(e), e, "cannot copy %s to %s", src, dst);
            }
            if (n == 0)
                break;
            continue;
        }
        if (!buf)
            buf = g_malloc(HASH_CHUNK);
        n = read(in, buf, HASH_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            g_free(buf);
            return vt_error_set_errno(VT_ERR_IO, e, "cannot read %s", src);
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                int e = errno;
                g_free(buf);
                return vt_error_set_errno(transient_or_io(e), e, "cannot write %s", dst);
            }
            off += w;
        }
    }
    g_free(buf);
    return VT_OK;
}

/* The temporary name is fixed for a given target, not unique per process:
 * a copy interrupted by a crash is then overwritten by the retry instead of
 * being left behind. Safe because each target has one writer (the store's
 * writer lock, and the pipeline's one-job-per-file rule). */
static char *temp_name_beside(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    return g_strdup_printf("%s/.tmp-%s", dir, base);
}

/* Gives @tmp the name @dst, never replacing an existing @dst (an archived
 * original is never replaced). renameat2(RENAME_NOREPLACE) does it in one
 * step, so a crash leaves either the temporary or the target, never both;
 * file systems without it (some network ones) get link() + unlink(), whose
 * leftover a retry removes (vt_file_remove_temp). */
static vt_status name_without_replacing(const char *tmp, const char *dst)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
        return VT_OK;
    if (errno != EINVAL && errno != ENOSYS)
        return vt_error_set_errno(errno == EEXIST ? VT_ERR_EXISTS : transient_or_io(errno), errno,
                                  "cannot name %s", dst);
    if (link(tmp, dst) != 0)
        return vt_error_set_errno(errno == EEXIST ? VT_ERR_EXISTS : transient_or_io(errno), errno,
                                  "cannot name %s", dst);
    unlink(tmp);
    return VT_OK;
}

vt_status vt_file_copy_durable(const char *src, const char *dst)
{
    struct stat st_dst;
    if (lstat(dst, &st_dst) == 0)
        return vt_error_set(VT_ERR_EXISTS, "%s exists already", dst);

    int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return vt_error_set_errno(errno == ENOENT ? VT_ERR_NOT_FOUND : VT_ERR_IO, errno,
                                  "cannot open %s", src);
    g_autofree char *tmp = temp_name_beside(dst);
    g_autofree char *dir = g_path_get_dirname(dst);
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (out < 0) {
        int e = errno;
        close(in);
        return vt_error_set_errno(transient_or_io(e), e, "cannot create %s", tmp);
    }
    vt_status st = copy_fd(in, out, src, tmp);
    close(in);
    if (st == VT_OK && fsync(out) != 0)
        st = vt_error_set_errno(transient_or_io(errno), errno, "cannot sync %s", tmp);
    if (close(out) != 0 && st == VT_OK)
        st = vt_error_set_errno(transient_or_io(errno), errno, "cannot close %s", tmp);
    if (st == VT_OK)
        st = name_without_replacing(tmp, dst);
    if (st != VT_OK)
        unlink(tmp);
    else
        st = vt_file_fsync_dir(dir);
    return st;
}

vt_status vt_file_remove_temp(const char *path)
{
    g_autofree char *tmp = temp_name_beside(path);
    if (unlink(tmp) != 0 && errno != ENOENT)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot remove %s", tmp);
    return VT_OK;
}

vt_status vt_file_move(const char *src, const char *dst)
{
    struct stat st_src, st_dst;

    if (lstat(src, &st_src) != 0)
        return vt_error_set_errno(errno == ENOENT ? VT_ERR_NOT_FOUND : VT_ERR_IO, errno,
                                  "cannot find %s", src);
    if (lstat(dst, &st_dst) == 0)
        return vt_error_set(VT_ERR_EXISTS, "%s exists already", dst);

    g_autofree char *src_dir = g_path_get_dirname(src);
    g_autofree char *dst_dir = g_path_get_dirname(dst);

    /* renameat2(RENAME_NOREPLACE) keeps an existing @dst safe from a race. */
    if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE) == 0) {
        vt_status st = vt_file_fsync_dir(dst_dir);
        if (st == VT_OK)
            st = vt_file_fsync_dir(src_dir);
        return st;
    }
    if (errno == EEXIST)
        return vt_error_set(VT_ERR_EXISTS, "%s exists already", dst);
    if (errno != EXDEV && errno != EINVAL)
        return vt_error_set_errno(transient_or_io(errno), errno, "cannot move %s to %s", src, dst);

    if (S_ISLNK(st_src.st_mode)) {
        char target[4096];
        ssize_t n = readlink(src, target, sizeof target - 1);
        if (n < 0)
            return vt_error_set_errno(VT_ERR_IO, errno, "cannot read the link %s", src);
        target[n] = '\0';
        if (symlink(target, dst) != 0)
            return vt_error_set_errno(transient_or_io(errno), errno, "cannot create %s", dst);
    } else {
        vt_status st = vt_file_copy_durable(src, dst);
        if (st != VT_OK)
            return st;
    }
    if (unlink(src) != 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "copied to %s but cannot remove %s", dst, src);
    return vt_file_fsync_dir(src_dir);
}

vt_status vt_file_write_atomic(const char *path, const void *data, size_t len)
{
    g_autofree char *tmp = temp_name_beside(path);
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return vt_error_set_errno(transient_or_io(errno), errno, "cannot create %s", tmp);
    const char *p = data;
    vt_status st = VT_OK;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            st = vt_error_set_errno(transient_or_io(errno), errno, "cannot write %s", tmp);
            break;
        }
        p += w;
        len -= (size_t)w;
    }
    if (st == VT_OK && fsync(fd) != 0)
        st = vt_error_set_errno(transient_or_io(errno), errno, "cannot sync %s", tmp);
    close(fd);
    if (st == VT_OK && rename(tmp, path) != 0)
        st = vt_error_set_errno(transient_or_io(errno), errno, "cannot rename %s", tmp);
    if (st != VT_OK)
        unlink(tmp);
    else
        st = vt_file_fsync_dir(dir);
    return st;
}

char *vt_file_free_name(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return g_strdup(path);

    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    const char *dot = strrchr(base, '.');
    /* ".hidden" and "name." have no extension worth keeping apart. */
    size_t stem_len = (dot && dot != base && dot[1]) ? (size_t)(dot - base) : strlen(base);
    const char *ext = base + stem_len;

    for (unsigned i = 2;; i++) {
        char *candidate = g_strdup_printf("%s/%.*s (%u)%s", dir, (int)stem_len, base, i, ext);
        if (lstat(candidate, &st) != 0)
            return candidate;
        g_free(candidate);
    }
}

void vt_file_drop_cache(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
}

vt_status vt_file_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? VT_OK : vt_error_set_errno(VT_ERR_IO, errno, "cannot examine %s", path);
    if (S_ISDIR(st.st_mode)) {
        GDir *dir = g_dir_open(path, 0, NULL);
        if (dir) {
            const char *name;
            while ((name = g_dir_read_name(dir))) {
                g_autofree char *child = g_build_filename(path, name, NULL);
                vt_status s = vt_file_remove_tree(child);
                if (s != VT_OK) {
                    g_dir_close(dir);
                    return s;
                }
            }
            g_dir_close(dir);
        }
        if (g_rmdir(path) != 0)
            return vt_error_set_errno(VT_ERR_IO, errno, "cannot remove the folder %s", path);
        return VT_OK;
    }
    if (g_unlink(path) != 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot remove %s", path);
    return VT_OK;
}
