/* vt_watch.c: see vt_watch.h, whose last paragraph is the design. */
#include "vt_watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_beneath.h"
#include "vt_name.h"
#include "vt_scan.h"

/* No IN_DELETE or IN_MOVED_FROM: a file leaving is nothing to ingest, and a
 * folder leaving is seen by its own watch (IN_DELETE_SELF, IN_MOVE_SELF). */
#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_ATTRIB \
                    | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)
/* Room for a burst: about 2000 events with short names per read. */
#define READ_BUFFER_SIZE (64 * 1024)
/* Reads per dispatch: 1 MiB of events, then back to the loop. */
#define MAX_READS_PER_DISPATCH 16

typedef struct {
    char *path;         /* as given, without trailing slashes */
    bool incomplete;    /* ran out of watches while adding it */
    bool gone;          /* it could not be watched, or moved away or was deleted */
} watch_root;

typedef struct {
    int wd;
    watch_root *root;
    char *relpath;      /* "" for the root itself */
    dev_t dev;          /* identity when it was (last) added */
    ino_t ino;
} watched;

struct vt_watch {
    int fd;
    vt_watch_fn fn;
    void *data;
    GHashTable *by_wd;  /* GINT_TO_POINTER(wd) -> watched* (owned) */
    GPtrArray *roots;   /* watch_root* (owned); never shrinks, so pointers stay valid */
    unsigned full_at;   /* folders watched when the last ENOSPC came */
    char *problem;
    char *buffer;       /* READ_BUFFER_SIZE bytes */
};

/* One vt_watch_add_tree() or new-folder walk. */
typedef struct {
    vt_watch *watch;
    watch_root *root;
    GString *path;      /* relative path of the folder being added */
    bool full;          /* ENOSPC: stop adding */
    unsigned problems;
    char *first_problem;
} adder;

static void watched_free(gpointer data)
{
    watched *node = data;

    g_free(node->relpath);
    g_free(node);
}

static void watch_root_free(gpointer data)
{
    watch_root *root = data;

    g_free(root->path);
    g_free(root);
}

static char *full_path(const watch_root *root, const char *relpath)
{
    if (!relpath[0])
        return g_strdup(root->path);
    if (g_str_has_suffix(root->path, "/"))
        return g_strconcat(root->path, relpath, NULL);
    return g_strconcat(root->path, "/", relpath, NULL);
}

static bool is_race(int err)
{
    /* Gone, or replaced by a file or a symbolic link, since we looked. */
    return err == ENOENT || err == ENOTDIR || err == ELOOP;
}

static unsigned depth_of(const char *relpath)
{
    unsigned depth = relpath[0] ? 1 : 0;

    for (const char *p = relpath; *p; p++)
        depth += *p == '/';
    return depth;
}

/* Opens the folder @relpath below @root: the root is followed if it is a
 * link (the administrator's choice), nothing below it is (vt_beneath), so a
 * folder swapped for a link is never watched in its target's place. */
static int open_below(const char *root, const char *relpath)
{
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0 || !relpath[0])
        return rootfd;
    int fd = vt_beneath_openat(rootfd, relpath, O_RDONLY | O_DIRECTORY, 0);
    int saved = errno;
    close(rootfd);
    errno = saved;
    return fd;
}

/* Does @node's path still lead to the folder it was added for? */
static bool still_there(const watched *node)
{
    int fd = open_below(node->root->path, node->relpath);
    struct stat st;
    int rc = fd >= 0 ? fstat(fd, &st) : -1;
    if (fd >= 0)
        close(fd);
    return rc == 0 && S_ISDIR(st.st_mode) && st.st_dev == node->dev && st.st_ino == node->ino;
}

static void update_problem(vt_watch *watch)
{
    g_clear_pointer(&watch->problem, g_free);
    for (guint i = 0; i < watch->roots->len; i++) {
        const watch_root *root = g_ptr_array_index(watch->roots, i);
        if (root->incomplete) {
            watch->problem = g_strdup_printf(
                "Out of inotify watches after %u folders: raise fs.inotify.max_user_watches "
                "(sysctl); changes in unwatched folders are only seen by the periodic rescan",
                watch->full_at);
            return;
        }
    }
    for (guint i = 0; i < watch->roots->len; i++) {
        const watch_root *root = g_ptr_array_index(watch->roots, i);
        if (root->gone) {
            watch->problem = g_strdup_printf(
                "Hotfolder %s cannot be watched (missing, moved, deleted or unreadable): "
                "files dropped there are not seen until it is back and added again", root->path);
            return;
        }
    }
}

static void adder_problem(adder *a, int err)
{
    if (a->problems++ == 0) {
        g_autofree char *full = full_path(a->root, a->path->str);
        a->first_problem = g_strdup_printf("cannot watch %s: %s", full, g_strerror(err));
    }
}

/* inotify_add_watch() for a->path; 0 or an errno. */
static int add_one(adder *a)
{
    vt_watch *watch = a->watch;

    /* The folder is opened beneath the root and watched through its
     * descriptor (/proc/self/fd/N leads to the folder opened, whatever its
     * path has become), so the watch and the identity taken are the folder
     * below the hotfolder, never a link's target. */
    int fd = open_below(a->root->path, a->path->str);
    if (fd < 0)
        return errno == EXDEV ? ELOOP : errno;
    char proc[64];
    g_snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    int wd = inotify_add_watch(watch->fd, proc, WATCH_MASK);
    if (wd < 0) {
        int saved = errno;
        close(fd);
        return saved;
    }
    struct stat st;
    int rc = fstat(fd, &st);
    close(fd);

    watched *node = g_hash_table_lookup(watch->by_wd, GINT_TO_POINTER(wd));
    if (!node) {
        node = g_new0(watched, 1);
        node->wd = wd;
        g_hash_table_insert(watch->by_wd, GINT_TO_POINTER(wd), node);
    }
    /* Same wd as before: the folder was renamed or moved; take the new path. */
    g_free(node->relpath);
    node->relpath = g_strdup(a->path->str);
    node->root = a->root;
    node->dev = rc == 0 ? st.st_dev : 0;
    node->ino = rc == 0 ? st.st_ino : 0;
    return 0;
}

/* Watches a->path (first, so that nothing created in it from now on is
 * missed), then the subfolders it lists. Returns 0 if a->path itself is
 * watched, else the errno. */
static int add_subtree(adder *a, unsigned depth)
{
    int err = add_one(a);
    if (err) {
        if (err == ENOSPC)
            a->full = true;
        else if (!is_race(err) || depth == 0)
            adder_problem(a, err);
        return err;
    }

    int fd = open_below(a->root->path, a->path->str);
    if (fd < 0) {
        if (!is_race(errno))
            adder_problem(a, errno);
        return 0;
    }
    DIR *dir = fdopendir(fd);
    if (!dir) {
        adder_problem(a, errno);
        close(fd);
        return 0;
    }
    struct dirent *de;
    while (!a->full && (de = readdir(dir))) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || vt_name_is_ignored_dir(name))
            continue;
        if (de->d_type != DT_DIR) {
            struct stat st;
            if (de->d_type != DT_UNKNOWN
                || fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0
                || !S_ISDIR(st.st_mode))
                continue;
        }
        if (depth + 1 > VT_SCAN_MAX_DEPTH)
            continue;
        size_t saved = a->path->len;
        if (saved > 0)
            g_string_append_c(a->path, '/');
        g_string_append(a->path, name);
        if (a->path->len < VT_NAME_RELATIVE_MAX)
            add_subtree(a, depth + 1);
        g_string_truncate(a->path, saved);
    }
    closedir(dir);
    return 0;
}

/* Forgets @node and removes its kernel watch (EINVAL if the kernel already
 * removed it: harmless). Frees @node. */
static void drop(vt_watch *watch, watched *node)
{
    inotify_rm_watch(watch->fd, node->wd);
    g_hash_table_remove(watch->by_wd, GINT_TO_POINTER(node->wd));
}

static bool is_below(const watched *node, const watch_root *root, const char *prefix)
{
    size_t len = strlen(prefix);

    if (node->root != root)
        return false;
    if (len == 0)
        return true;
    return strncmp(node->relpath, prefix, len) == 0 && node->relpath[len] == '/';
}

/* IN_DELETE_SELF or IN_MOVE_SELF on @node. */
static void folder_left(vt_watch *watch, watched *node)
{
    if (still_there(node))
        return;  /* renamed inside the tree and already re-added under its new path */

    watch_root *root = node->root;
    g_autofree char *prefix = g_strdup(node->relpath);
    drop(watch, node);

    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, watch->by_wd);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        watched *below = value;
        if (is_below(below, root, prefix) && !still_there(below)) {
            inotify_rm_watch(watch->fd, below->wd);
            g_hash_table_iter_remove(&iter);
        }
    }
    if (!prefix[0]) {
        root->gone = true;
        update_problem(watch);
    }
}

/* Marks @root after adding (part of) it. */
static void note_full(vt_watch *watch, watch_root *root)
{
    root->incomplete = true;
    watch->full_at = g_hash_table_size(watch->by_wd);
    update_problem(watch);
}

/* After an overflow: every tree again, then drop what no longer exists. */
static void refresh_all(vt_watch *watch)
{
    for (guint i = 0; i < watch->roots->len; i++) {
        watch_root *root = g_ptr_array_index(watch->roots, i);
        adder a = { .watch = watch, .root = root, .path = g_string_new(NULL) };
        int err = add_subtree(&a, 0);
        root->gone = err != 0 && err != ENOSPC;
        root->incomplete = a.full;
        if (a.full)
            watch->full_at = g_hash_table_size(watch->by_wd);
        g_free(a.first_problem);
        g_string_free(a.path, TRUE);
    }

    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, watch->by_wd);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        watched *node = value;
        if (!still_there(node)) {
            inotify_rm_watch(watch->fd, node->wd);
            g_hash_table_iter_remove(&iter);
        }
    }
    update_problem(watch);
}

static void new_folder(vt_watch *watch, watch_root *root, const char *relpath)
{
    unsigned depth = depth_of(relpath);
    if (depth > VT_SCAN_MAX_DEPTH)
        return;

    adder a = { .watch = watch, .root = root, .path = g_string_new(relpath) };
    int err = add_subtree(&a, depth);
    if (a.full)
        note_full(watch, root);
    g_free(a.first_problem);
    g_string_free(a.path, TRUE);
    /* Unless it is gone already, the caller scans it, watched or not (out
     * of watches, or unreadable: the scan then says so). */
    if (!is_race(err))
        watch->fn(VT_WATCH_DIR, root->path, relpath, watch->data);
}

static void handle_event(vt_watch *watch, const struct inotify_event *ev, const char *name)
{
    if (ev->mask & IN_Q_OVERFLOW) {
        refresh_all(watch);
        watch->fn(VT_WATCH_OVERFLOW, NULL, NULL, watch->data);
        return;
    }
    watched *node = g_hash_table_lookup(watch->by_wd, GINT_TO_POINTER(ev->wd));
    if (ev->mask & IN_IGNORED) {
        /* The kernel removed the watch (folder deleted, file system unmounted). */
        if (node)
            g_hash_table_remove(watch->by_wd, GINT_TO_POINTER(ev->wd));
        return;
    }
    if (!node)
        return;  /* queued before we dropped its folder */
    if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        folder_left(watch, node);
        return;
    }
    if (!name[0])
        return;  /* about the folder itself (IN_ATTRIB) */

    g_autofree char *relpath = node->relpath[0] ? g_strconcat(node->relpath, "/", name, NULL)
                                                : g_strdup(name);
    if (strlen(relpath) >= VT_NAME_RELATIVE_MAX)
        return;
    watch_root *root = node->root;
    if (ev->mask & IN_ISDIR) {
        if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && !vt_name_is_ignored_dir(name))
            new_folder(watch, root, relpath);
        return;
    }
    if (!vt_name_is_ignored(name))
        watch->fn(VT_WATCH_FILE, root->path, relpath, watch->data);
}

vt_status vt_watch_new(vt_watch_fn fn, void *data, vt_watch **ret_watch)
{
    g_return_val_if_fail(fn && ret_watch, VT_ERR_INTERNAL);

    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
        if (errno == EMFILE)
            return vt_error_set(VT_ERR_LIMIT, "cannot create an inotify instance: too many "
                                "(raise fs.inotify.max_user_instances with sysctl)");
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot create an inotify instance");
    }
    vt_watch *watch = g_new0(vt_watch, 1);
    watch->fd = fd;
    watch->fn = fn;
    watch->data = data;
    watch->by_wd = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, watched_free);
    watch->roots = g_ptr_array_new_with_free_func(watch_root_free);
    watch->buffer = g_malloc(READ_BUFFER_SIZE);
    *ret_watch = watch;
    return VT_OK;
}

void vt_watch_free(vt_watch *watch)
{
    if (!watch)
        return;
    close(watch->fd);
    g_hash_table_destroy(watch->by_wd);
    g_ptr_array_free(watch->roots, TRUE);
    g_free(watch->problem);
    g_free(watch->buffer);
    g_free(watch);
}

vt_status vt_watch_add_tree(vt_watch *watch, const char *root_path)
{
    g_return_val_if_fail(watch && root_path && root_path[0], VT_ERR_INTERNAL);

    g_autofree char *clean = g_strdup(root_path);
    for (size_t len = strlen(clean); len > 1 && clean[len - 1] == '/'; len--)
        clean[len - 1] = '\0';

    watch_root *root = NULL;
    for (guint i = 0; i < watch->roots->len && !root; i++) {
        watch_root *r = g_ptr_array_index(watch->roots, i);
        if (strcmp(r->path, clean) == 0)
            root = r;
    }
    if (!root) {
        root = g_new0(watch_root, 1);
        root->path = g_steal_pointer(&clean);
        g_ptr_array_add(watch->roots, root);
    }

    adder a = { .watch = watch, .root = root, .path = g_string_new(NULL) };
    int err = add_subtree(&a, 0);
    vt_status status = VT_OK;
    if (a.full) {
        note_full(watch, root);
        status = vt_error_set(VT_ERR_LIMIT, "%s", watch->problem);
    } else {
        root->incomplete = false;
        root->gone = err != 0;
        update_problem(watch);
        if (a.problems == 1)
            status = vt_error_set(VT_ERR_IO, "%s", a.first_problem);
        else if (a.problems > 1)
            status = vt_error_set(VT_ERR_IO, "%s (and %u more folders)", a.first_problem,
                                  a.problems - 1);
    }
    g_free(a.first_problem);
    g_string_free(a.path, TRUE);
    return status;
}

int vt_watch_fd(const vt_watch *watch)
{
    g_return_val_if_fail(watch, -1);
    return watch->fd;
}

vt_status vt_watch_dispatch(vt_watch *watch)
{
    g_return_val_if_fail(watch, VT_ERR_INTERNAL);

    for (int round = 0; round < MAX_READS_PER_DISPATCH; round++) {
        ssize_t n = read(watch->fd, watch->buffer, READ_BUFFER_SIZE);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return VT_OK;
            return vt_error_set_errno(VT_ERR_IO, errno, "cannot read inotify events");
        }
        size_t len = (size_t)n, off = 0;
        while (len - off >= sizeof(struct inotify_event)) {
            /* Copied out: events in the buffer are only 4-byte aligned by luck. */
            struct inotify_event ev;
            memcpy(&ev, watch->buffer + off, sizeof ev);
            const char *name = watch->buffer + off + sizeof ev;
            if (ev.len > len - off - sizeof ev)
                break;
            /* The kernel pads names with NULs; an unterminated one is not trusted. */
            if (ev.len == 0)
                name = "";
            else if (!memchr(name, '\0', ev.len))
                name = NULL;
            if (name)
                handle_event(watch, &ev, name);
            off += sizeof ev + ev.len;
        }
    }
    return VT_OK;
}

unsigned vt_watch_count(const vt_watch *watch)
{
    g_return_val_if_fail(watch, 0);
    return g_hash_table_size(watch->by_wd);
}

const char *vt_watch_problem(const vt_watch *watch)
{
    g_return_val_if_fail(watch, NULL);
    return watch->problem;
}
