/* vt_beneath.c: see vt_beneath.h. */
#include "vt_beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Is @rel a relative path of plain components (no "", ".", "..")? */
static bool rel_is_plain(const char *rel)
{
    if (!rel || rel[0] == '/' || strlen(rel) >= PATH_MAX)
        return false;
    if (rel[0] == '\0')
        return true;
    for (const char *p = rel;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || n > NAME_MAX || (n == 1 && p[0] == '.') ||
            (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        if (!slash)
            return true;
        p = slash + 1;
    }
}

/* The walk for kernels without openat2 (before 5.6, or a seccomp filter
 * that refuses it): each component opened with O_NOFOLLOW relative to the
 * one before, so no link is ever followed. */
int vt__beneath_walk_openat(int rootfd, const char *rel, int flags, mode_t mode)
{
    if (rel[0] == '\0')
        return openat(rootfd, ".", flags, mode);
    g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
    int fd = rootfd;
    for (size_t i = 0; parts[i]; i++) {
        bool last = parts[i + 1] == NULL;
        int next = last ? openat(fd, parts[i], flags, mode)
                        : openat(fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        if (fd != rootfd)
            close(fd);
        if (next < 0) {
            errno = saved;
            return -1;
        }
        fd = next;
    }
    return fd;
}

int vt_beneath_openat(int rootfd, const char *rel, int flags, mode_t mode)
{
    if (!rel_is_plain(rel)) {
        errno = EXDEV;
        return -1;
    }
    flags |= O_CLOEXEC | O_NOFOLLOW;
    struct open_how how = {
        .flags = (uint64_t)flags,
        .mode = (flags & (O_CREAT | O_TMPFILE)) ? (uint64_t)mode : 0,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    int fd = (int)syscall(SYS_openat2, rootfd, rel[0] ? rel : ".", &how, sizeof how);
    if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
        return fd;
    return vt__beneath_walk_openat(rootfd, rel, flags, mode);
}

bool vt_beneath_is_same(int dirfd, const char *name, dev_t dev, ino_t ino)
{
    struct stat st;
    return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
           st.st_dev == dev && st.st_ino == ino;
}

/* A failed open of a folder on the way: a link (ELOOP; ENOTDIR when a
 * component is a link to a file) is refused in words that say so. */
static vt_status open_failed(int err, const char *shown)
{
    if (err == ELOOP || err == EXDEV)
        return vt_error_set(VT_ERR_UNSAFE_PATH,
                            "%s: a folder on the way is a symbolic link; vitrine never follows"
                            " links below a hotfolder or its own folders", shown);
    if (err == ENOENT)
        return vt_error_set_errno(VT_ERR_NOT_FOUND, err, "cannot open the folder of %s", shown);
    if (err == ENOTDIR)
        return vt_error_set(VT_ERR_UNSAFE_PATH, "%s: a name on the way is not a folder", shown);
    return vt_error_set_errno(VT_ERR_IO, err, "cannot open the folder of %s", shown);
}

/* Opens (creating what is missing) the folder @dir below @rootfd, one
 * component at a time, so that a component created here is never one an
 * attacker swapped in between the mkdir and the open. */
static int open_creating(int rootfd, const char *dir)
{
    if (dir[0] == '\0')
        return openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    g_auto(GStrv) parts = g_strsplit(dir, "/", -1);
    int fd = rootfd;
    for (size_t i = 0; parts[i]; i++) {
        int next = vt_beneath_openat(fd, parts[i], O_RDONLY | O_DIRECTORY, 0);
        if (next < 0 && errno == ENOENT) {
            if (mkdirat(fd, parts[i], 0750) != 0 && errno != EEXIST) {
                int saved = errno;
                if (fd != rootfd)
                    close(fd);
                errno = saved;
                return -1;
            }
            next = vt_beneath_openat(fd, parts[i], O_RDONLY | O_DIRECTORY, 0);
        }
        int saved = errno;
        if (fd != rootfd)
            close(fd);
        if (next < 0) {
            errno = saved;
            return -1;
        }
        fd = next;
    }
    return fd;
}

vt_status vt_place_open(const char *root, const char *rel, unsigned flags, vt_place *ret)
{
    g_autofree char *shown = g_build_filename(root, rel, NULL);
    if (!rel_is_plain(rel) || rel[0] == '\0')
        return vt_error_set(VT_ERR_INVALID, "%s: not a plain relative path below %s", shown, root);

    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return vt_error_set_errno(errno == ENOENT ? VT_ERR_NOT_FOUND : VT_ERR_IO, errno,
                                  "cannot open the folder %s", root);
    const char *slash = strrchr(rel, '/');
    g_autofree char *dir = slash ? g_strndup(rel, (gsize)(slash - rel)) : g_strdup("");
    int fd = (flags & VT_BENEATH_CREATE) ? open_creating(rootfd, dir)
                                         : vt_beneath_openat(rootfd, dir, O_RDONLY | O_DIRECTORY, 0);
    int saved = errno;
    close(rootfd);
    if (fd < 0)
        return open_failed(saved, shown);
    *ret = (vt_place){.dirfd = fd, .name = g_strdup(slash ? slash + 1 : rel),
                      .shown = g_steal_pointer(&shown)};
    return VT_OK;
}

vt_status vt_place_open_path(const char *root, const char *path, unsigned flags, vt_place *ret)
{
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    if (strncmp(path, root, n) != 0 || path[n] != '/')
        return vt_error_set(VT_ERR_INVALID, "%s is not below %s", path, root);
    return vt_place_open(root, path + n + 1, flags, ret);
}

void vt_place_close(vt_place *place)
{
    if (!place)
        return;
    if (place->dirfd >= 0)
        close(place->dirfd);
    g_free(place->name);
    g_free(place->shown);
    *place = (vt_place)VT_PLACE_INIT;
}
