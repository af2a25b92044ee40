/* vt_scan.c: see vt_scan.h.
 *
 * At most VT_SCAN_MAX_DEPTH + 1 directory descriptors are open at once (one
 * per level of the current branch), so the depth cap also caps descriptors.
 */
#include "vt_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_name.h"

typedef struct {
    const char *root;
    vt_scan_fn fn;
    void *data;
    GString *path;         /* relative path of the entry being looked at */
    unsigned count;
    unsigned problems;
    vt_status first_status;
    char *first_problem;
} walker;

static void problem(walker *w, vt_status status, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* Remembers a folder that could not be walked; the walk goes on. */
static void problem(walker *w, vt_status status, const char *fmt, ...)
{
    if (w->problems++ > 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    w->first_status = status;
    w->first_problem = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

static void report(walker *w, const char *name, bool is_symlink)
{
    if (vt_name_is_ignored(name))
        return;
    w->fn(w->path->str, is_symlink, w->data);
    w->count++;
}

/* d_type, or the type from fstatat() where the file system does not fill it
 * in (DT_UNKNOWN: XFS without ftype, some network file systems). DT_UNKNOWN
 * when the entry is gone. */
static unsigned char entry_type(int dirfd, const struct dirent *de)
{
    struct stat st;

    if (de->d_type != DT_UNKNOWN)
        return de->d_type;
    if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return DT_UNKNOWN;
    if (S_ISREG(st.st_mode))
        return DT_REG;
    if (S_ISDIR(st.st_mode))
        return DT_DIR;
    if (S_ISLNK(st.st_mode))
        return DT_LNK;
    return DT_UNKNOWN;
}

/* Walks the folder open at @fd (w->path is its relative path), which it
 * takes over. */
static void walk(walker *w, int fd, int depth)
{
    DIR *dir = fdopendir(fd);
    if (!dir) {
        problem(w, VT_ERR_IO, "%s/%s: %s", w->root, w->path->str, g_strerror(errno));
        close(fd);
        return;
    }

    for (;;) {
        errno = 0;
        struct dirent *de = readdir(dir);
        if (!de) {
            /* ENOENT: the folder was removed while we read it. */
            if (errno != 0 && errno != ENOENT)
                problem(w, VT_ERR_IO, "%s/%s: %s", w->root, w->path->str, g_strerror(errno));
            break;
        }
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;

        unsigned char type = entry_type(dirfd(dir), de);
        if (type != DT_REG && type != DT_LNK && type != DT_DIR)
            continue;
        if (type == DT_DIR ? vt_name_is_ignored_dir(name) : vt_name_is_ignored(name))
            continue;

        size_t saved = w->path->len;
        if (saved > 0)
            g_string_append_c(w->path, '/');
        g_string_append(w->path, name);
        if (w->path->len >= VT_NAME_RELATIVE_MAX) {
            problem(w, VT_ERR_LIMIT, "%s: a path below it is %zu bytes long, over the limit of %d",
                    w->root, w->path->len, VT_NAME_RELATIVE_MAX - 1);
        } else if (type == DT_REG || type == DT_LNK) {
            report(w, name, type == DT_LNK);
        } else if (depth + 1 > VT_SCAN_MAX_DEPTH) {
            problem(w, VT_ERR_LIMIT, "%s/%s: folder nested more than %d deep, not walked",
                    w->root, w->path->str, VT_SCAN_MAX_DEPTH);
        } else {
            int sub = openat(dirfd(dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                walk(w, sub, depth + 1);
            else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
                /* The three above are races: gone, or swapped for a file or link. */
                problem(w, VT_ERR_IO, "%s/%s: %s", w->root, w->path->str, g_strerror(errno));
        }
        g_string_truncate(w->path, saved);
    }
    closedir(dir);
}

/* Opens @root/@subdir's parent folders one by one without following links,
 * then walks or reports the last component. Returns the status of the
 * opening; walk problems are left in @w. Takes over @fd. */
static vt_status start_in_subdir(walker *w, int fd, const char *subdir)
{
    g_auto(GStrv) parts = g_strsplit(subdir, "/", -1);
    guint n = g_strv_length(parts);

    /* Nothing below an ignored folder is ever ingested. */
    for (guint i = 0; i + 1 < n; i++)
        if (vt_name_is_ignored_dir(parts[i])) {
            close(fd);
            return VT_OK;
        }

    for (guint i = 0; i + 1 < n; i++) {
        int next = openat(fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int err = errno;
        close(fd);
        if (next < 0) {
            if (err == ENOENT || err == ENOTDIR || err == ELOOP)
                return vt_error_set(VT_ERR_NOT_FOUND, "%s/%s: no such file or folder", w->root, subdir);
            return vt_error_set_errno(VT_ERR_IO, err, "%s/%s", w->root, subdir);
        }
        fd = next;
    }

    const char *last = parts[n - 1];
    struct stat st;
    if (fstatat(fd, last, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        int err = errno;
        close(fd);
        if (err == ENOENT || err == ENOTDIR)
            return vt_error_set(VT_ERR_NOT_FOUND, "%s/%s: no such file or folder", w->root, subdir);
        return vt_error_set_errno(VT_ERR_IO, err, "%s/%s", w->root, subdir);
    }
    g_string_assign(w->path, subdir);
    if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
        report(w, last, S_ISLNK(st.st_mode));
        close(fd);
        return VT_OK;
    }
    if (!S_ISDIR(st.st_mode) || vt_name_is_ignored_dir(last)) {
        close(fd);
        return VT_OK;
    }
    int sub = openat(fd, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    close(fd);
    if (sub < 0) {
        if (err == ENOENT || err == ENOTDIR || err == ELOOP)
            return vt_error_set(VT_ERR_NOT_FOUND, "%s/%s: no such file or folder", w->root, subdir);
        return vt_error_set_errno(VT_ERR_IO, err, "%s/%s", w->root, subdir);
    }
    walk(w, sub, (int)n);
    return VT_OK;
}

vt_status vt_scan_tree(const char *root, const char *subdir, vt_scan_fn fn, void *data,
                       unsigned *ret_count)
{
    g_return_val_if_fail(root && fn, VT_ERR_INTERNAL);

    if (subdir && !vt_name_is_safe_relative(subdir))
        return vt_error_set(VT_ERR_INVALID, "%s: \"%s\" is not a safe relative path", root, subdir);

    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot open folder %s", root);

    walker w = { .root = root, .fn = fn, .data = data, .path = g_string_new(NULL) };
    vt_status status = VT_OK;
    if (subdir)
        status = start_in_subdir(&w, fd, subdir);
    else
        walk(&w, fd, 0);

    if (status == VT_OK && w.problems > 0) {
        if (w.problems == 1)
            status = vt_error_set(w.first_status, "%s", w.first_problem);
        else
            status = vt_error_set(w.first_status, "%s (and %u more problems)",
                                  w.first_problem, w.problems - 1);
    }
    if (status == VT_OK && ret_count)
        *ret_count = w.count;
    g_free(w.first_problem);
    g_string_free(w.path, TRUE);
    return status;
}
