/* vt_file.c: see vt_file.h. */
#include "vt_file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_beneath.h"
#include "vt_name.h"

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

/* fsync() of the folder open at @fd: 0, or the errno worth failing over.
 * Some file systems (CIFS, some FUSE) refuse fsync on a folder; the data
 * itself was synced, so that is not worth failing over. */
static int fsync_folder(int fd)
{
    if (fsync(fd) == 0 || errno == EINVAL || errno == ENOTSUP)
        return 0;
    return errno;
}

vt_status vt_file_fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot open the folder %s", path);
    int err = fsync_folder(fd);
    close(fd);
    if (err)
        return vt_error_set_errno(VT_ERR_IO, err, "cannot sync the folder %s", path);
    return VT_OK;
}

vt_status vt_file_fsync_dirfd(int dirfd, const char *shown)
{
    int err = fsync_folder(dirfd);
    if (err)
        return vt_error_set_errno(VT_ERR_IO, err, "cannot sync the folder of %s", shown);
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
 * writer lock, and the pipeline's one-job-per-file rule). A long name is
 * shortened (vt_name_fit) so that the prefix never pushes it past NAME_MAX. */
static char *temp_name(const char *name)
{
    g_autofree char *fitted = vt_name_fit(name, 5);
    return g_strconcat(".tmp-", fitted, NULL);
}

/* Opens the folder holding @path (given whole by a trusted caller: the
 * site, the state folder) and returns its descriptor; *ret_name is @path's
 * last component, owned by the caller. */
static int open_parent(const char *path, char **ret_name, vt_status *ret_status)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        *ret_status = vt_error_set_errno(errno == ENOENT ? VT_ERR_NOT_FOUND : transient_or_io(errno),
                                         errno, "cannot open the folder %s", dir);
        return -1;
    }
    *ret_name = g_path_get_basename(path);
    return fd;
}


/* Gives @tmp the name @dst in @dirfd, never replacing an existing @dst (an
 * archived original is never replaced). renameat2(RENAME_NOREPLACE) does it
 * in one step, so a crash leaves either the temporary or the target, never
 * both; file systems without it (some network ones) get link() + unlink(),
 * whose leftover a retry removes (vt_file_remove_temp). */
static vt_status name_without_replacing(int dirfd, const char *tmp, const char *dst,
                                        const char *shown)
{
    if (renameat2(dirfd, tmp, dirfd, dst, RENAME_NOREPLACE) == 0)
        return VT_OK;
    if (errno != EINVAL && errno != ENOSYS)
        return vt_error_set_errno(errno == EEXIST ? VT_ERR_EXISTS : transient_or_io(errno), errno,
                                  "cannot name %s", shown);
    if (linkat(dirfd, tmp, dirfd, dst, 0) != 0)
        return vt_error_set_errno(errno == EEXIST ? VT_ERR_EXISTS : transient_or_io(errno), errno,
                                  "cannot name %s", shown);
    unlinkat(dirfd, tmp, 0);
    return VT_OK;
}

vt_status vt_file_copy_fd_at(int in, const char *src_shown, int dirfd, const char *name,
                             const char *dst_shown)
{
    struct stat st_dst;
    if (fstatat(dirfd, name, &st_dst, AT_SYMLINK_NOFOLLOW) == 0)
        return vt_error_set(VT_ERR_EXISTS, "%s exists already", dst_shown);
    if (lseek(in, 0, SEEK_SET) < 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot read %s", src_shown);

    g_autofree char *tmp = temp_name(name);
    int out = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (out < 0)
        return vt_error_set_errno(transient_or_io(errno), errno, "cannot create the temporary"
                                  " copy of %s", dst_shown);
    vt_status st = copy_fd(in, out, src_shown, dst_shown);
    if (st == VT_OK && fsync(out) != 0)
        st = vt_error_set_errno(transient_or_io(errno), errno, "cannot sync %s", dst_shown);
    if (close(out) != 0 && st == VT_OK)
        st = vt_error_set_errno(transient_or_io(errno), errno, "cannot close %s", dst_shown);
    if (st == VT_OK)
        st = name_without_replacing(dirfd, tmp, name, dst_shown);
    if (st != VT_OK)
        unlinkat(dirfd, tmp, 0);
    else
        st = vt_file_fsync_dirfd(dirfd, dst_shown);
    return st;
}

vt_status vt_file_copy_durable(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return vt_error_set_errno(errno == ENOENT ? VT_ERR_NOT_FOUND : VT_ERR_IO, errno,
                                  "cannot open %s", src);
    g_autofree char *name = NULL;
    vt_status st = VT_OK;
    int dirfd = open_parent(dst, &name, &st);
    if (dirfd >= 0) {
        st = vt_file_copy_fd_at(in, src, dirfd, name, dst);
        close(dirfd);
    }
    close(in);
    return st;
}

vt_status vt_file_remove_temp_at(int dirfd, const char *name, const char *shown)
{
    g_autofree char *tmp = temp_name(name);
    if (unlinkat(dirfd, tmp, 0) != 0 && errno != ENOENT)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot remove the temporary copy of %s", shown);
    return VT_OK;
}

vt_status vt_file_remove_temp(const char *path)
{
    g_autofree char *name = NULL;
    vt_status st = VT_OK;
    int dirfd = open_parent(path, &name, &st);
    if (dirfd < 0)
        return st == VT_ERR_NOT_FOUND ? VT_OK : st;
    st = vt_file_remove_temp_at(dirfd, name, path);
    close(dirfd);
    return st;
}

vt_status vt_file_move_at(int src_dirfd, const char *src_name, const char *src_shown,
                          int dst_dirfd, const char *dst_name, const char *dst_shown)
{
    struct stat st_src, st_dst;

    if (fstatat(src_dirfd, src_name, &st_src, AT_SYMLINK_NOFOLLOW) != 0)
        return vt_error_set_errno(errno == ENOENT ? VT_ERR_NOT_FOUND : VT_ERR_IO, errno,
                                  "cannot find %s", src_shown);
    if (fstatat(dst_dirfd, dst_name, &st_dst, AT_SYMLINK_NOFOLLOW) == 0)
        return vt_error_set(VT_ERR_EXISTS, "%s exists already", dst_shown);

    /* renameat2(RENAME_NOREPLACE) keeps an existing destination safe from a race. */
    if (renameat2(src_dirfd, src_name, dst_dirfd, dst_name, RENAME_NOREPLACE) == 0) {
        vt_status st = vt_file_fsync_dirfd(dst_dirfd, dst_shown);
        if (st == VT_OK)
            st = vt_file_fsync_dirfd(src_dirfd, src_shown);
        return st;
    }
    if (errno == EEXIST)
        return vt_error_set(VT_ERR_EXISTS, "%s exists already", dst_shown);
    if (errno == ENOENT)
        return vt_error_set_errno(VT_ERR_NOT_FOUND, errno, "cannot find %s", src_shown);
    if (errno != EXDEV && errno != EINVAL)
        return vt_error_set_errno(transient_or_io(errno), errno, "cannot move %s to %s",
                                  src_shown, dst_shown);

    if (S_ISLNK(st_src.st_mode)) {
        char target[4096];
        ssize_t n = readlinkat(src_dirfd, src_name, target, sizeof target - 1);
        if (n < 0)
            return vt_error_set_errno(VT_ERR_IO, errno, "cannot read the link %s", src_shown);
        target[n] = '\0';
        if (symlinkat(target, dst_dirfd, dst_name) != 0)
            return vt_error_set_errno(transient_or_io(errno), errno, "cannot create %s", dst_shown);
    } else {
        int in = openat(src_dirfd, src_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (in < 0)
            return vt_error_set_errno(errno == ENOENT ? VT_ERR_NOT_FOUND : VT_ERR_IO, errno,
                                      "cannot open %s", src_shown);
        struct stat st_in;
        vt_status st = VT_OK;
        if (fstat(in, &st_in) != 0 || !S_ISREG(st_in.st_mode))
            st = vt_error_set(VT_ERR_IO, "%s is not a regular file", src_shown);
        if (st == VT_OK)
            st = vt_file_copy_fd_at(in, src_shown, dst_dirfd, dst_name, dst_shown);
        close(in);
        if (st != VT_OK)
            return st;
        /* The name may have been given to another file meanwhile: only the
         * file that was copied is removed. */
        if (!vt_beneath_is_same(src_dirfd, src_name, st_in.st_dev, st_in.st_ino))
            return vt_error_set(VT_ERR_IO, "copied %s to %s, but the name now holds another"
                                " file: both are kept", src_shown, dst_shown);
    }
    if (unlinkat(src_dirfd, src_name, 0) != 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "copied to %s but cannot remove %s",
                                  dst_shown, src_shown);
    return vt_file_fsync_dirfd(src_dirfd, src_shown);
}

vt_status vt_file_move(const char *src, const char *dst)
{
    g_autofree char *src_name = NULL, *dst_name = NULL;
    vt_status st = VT_OK;
    int src_dirfd = open_parent(src, &src_name, &st);
    if (src_dirfd < 0)
        return st;
    int dst_dirfd = open_parent(dst, &dst_name, &st);
    if (dst_dirfd >= 0) {
        st = vt_file_move_at(src_dirfd, src_name, src, dst_dirfd, dst_name, dst);
        close(dst_dirfd);
    }
    close(src_dirfd);
    return st;
}

vt_status vt_file_write_atomic_at(int dirfd, const char *name, const char *shown,
                                  const void *data, size_t len)
{
    g_autofree char *tmp = temp_name(name);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0)
        return vt_error_set_errno(transient_or_io(errno), errno, "cannot create the temporary"
                                  " of %s", shown);
    const char *p = data;
    vt_status st = VT_OK;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            st = vt_error_set_errno(transient_or_io(errno), errno, "cannot write %s", shown);
            break;
        }
        p += w;
        len -= (size_t)w;
    }
    if (st == VT_OK && fsync(fd) != 0)
        st = vt_error_set_errno(transient_or_io(errno), errno, "cannot sync %s", shown);
    close(fd);
    if (st == VT_OK && renameat(dirfd, tmp, dirfd, name) != 0)
        st = vt_error_set_errno(transient_or_io(errno), errno, "cannot rename the temporary"
                                " of %s", shown);
    if (st != VT_OK)
        unlinkat(dirfd, tmp, 0);
    else
        st = vt_file_fsync_dirfd(dirfd, shown);
    return st;
}

vt_status vt_file_write_atomic(const char *path, const void *data, size_t len)
{
    g_autofree char *name = NULL;
    vt_status st = VT_OK;
    int dirfd = open_parent(path, &name, &st);
    if (dirfd < 0)
        return st == VT_ERR_NOT_FOUND ? VT_ERR_IO : st;
    st = vt_file_write_atomic_at(dirfd, name, path, data, len);
    close(dirfd);
    return st;
}

vt_status vt_file_read_capped(int fd, const char *shown, size_t cap, GByteArray *out)
{
    guint8 buf[65536];
    while (out->len <= cap) {
        ssize_t n = read(fd, buf, MIN(sizeof buf, cap + 1 - out->len));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return vt_error_set_errno(VT_ERR_IO, errno, "cannot read %s", shown);
        if (n == 0)
            break;
        g_byte_array_append(out, buf, (guint)n);
    }
    return VT_OK;
}

char *vt_file_free_name_at(int dirfd, const char *name, size_t reserve)
{
    struct stat st;
    g_autofree char *fitted = vt_name_fit(name, reserve);
    if (fstatat(dirfd, fitted, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return g_steal_pointer(&fitted);

    /* Room for " (NNNNNNNNNN)" too, so that every candidate fits. */
    g_autofree char *base = vt_name_fit(name, reserve + 13);
    const char *dot = strrchr(base, '.');
    /* ".hidden" and "name." have no extension worth keeping apart. */
    size_t stem_len = (dot && dot != base && dot[1]) ? (size_t)(dot - base) : strlen(base);
    const char *ext = base + stem_len;

    for (unsigned i = 2;; i++) {
        char *candidate = g_strdup_printf("%.*s (%u)%s", (int)stem_len, base, i, ext);
        if (fstatat(dirfd, candidate, &st, AT_SYMLINK_NOFOLLOW) != 0)
            return candidate;
        g_free(candidate);
    }
}

char *vt_file_free_name(const char *path)
{
    g_autofree char *name = NULL;
    vt_status st = VT_OK;
    int dirfd = open_parent(path, &name, &st);
    if (dirfd < 0)
        return g_strdup(path);
    g_autofree char *free_name = vt_file_free_name_at(dirfd, name, 0);
    close(dirfd);
    g_autofree char *dir = g_path_get_dirname(path);
    return g_build_filename(dir, free_name, NULL);
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
