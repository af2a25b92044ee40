/* test_watch.c: vt_watch on real folders, driven by a poll() loop with a
 * deadline (no fixed sleeps: each wait ends as soon as the event is in). */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vt_scan.h"
#include "vt_watch.h"

#define TIMEOUT_MS 5000

typedef struct {
    char *dir;        /* temporary folder */
    char *root;       /* dir/hot: watched */
    char *outside;    /* dir/out: not watched, same file system */
    vt_watch *watch;
    GPtrArray *events; /* "F:relpath", "D:relpath", "O" */
    bool bad_root;     /* a callback came with a root other than f->root */
} fixture;

static void on_event(vt_watch_kind kind, const char *root, const char *relpath, void *data)
{
    fixture *f = data;

    switch (kind) {
    case VT_WATCH_FILE:
    case VT_WATCH_DIR:
        if (strcmp(root, f->root) != 0 || !relpath || !relpath[0])
            f->bad_root = true;
        g_ptr_array_add(f->events, g_strdup_printf("%c:%s", kind == VT_WATCH_FILE ? 'F' : 'D',
                                                   relpath));
        break;
    case VT_WATCH_OVERFLOW:
        if (root || relpath)
            f->bad_root = true;
        g_ptr_array_add(f->events, g_strdup("O"));
        break;
    }
}

static void remove_tree(const char *path)
{
    const char *argv[] = { "rm", "-rf", path, NULL };
    int wait_status = 0;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &wait_status, NULL));
    g_assert_cmpint(wait_status, ==, 0);
}

static void setup(fixture *f, gconstpointer unused)
{
    f->dir = g_dir_make_tmp("vt-watch-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->root = g_build_filename(f->dir, "hot", NULL);
    f->outside = g_build_filename(f->dir, "out", NULL);
    g_assert_cmpint(g_mkdir(f->root, 0755), ==, 0);
    g_assert_cmpint(g_mkdir(f->outside, 0755), ==, 0);
    f->events = g_ptr_array_new_with_free_func(g_free);
    g_assert_cmpint(vt_watch_new(on_event, f, &f->watch), ==, VT_OK);
}

static void teardown(fixture *f, gconstpointer unused)
{
    vt_watch_free(f->watch);
    remove_tree(f->dir);
    g_assert_false(f->bad_root);
    g_ptr_array_unref(f->events);
    g_free(f->outside);
    g_free(f->root);
    g_free(f->dir);
}

static bool has_event(const fixture *f, const char *event)
{
    for (guint i = 0; i < f->events->len; i++)
        if (strcmp(g_ptr_array_index(f->events, i), event) == 0)
            return true;
    return false;
}

/* Dispatches until @event has come, or fails after TIMEOUT_MS. */
static void wait_for(fixture *f, const char *event)
{
    gint64 deadline = g_get_monotonic_time() + TIMEOUT_MS * 1000;

    while (!has_event(f, event)) {
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        if (left <= 0) {
            for (guint i = 0; i < f->events->len; i++)
                g_test_message("seen: %s", (const char *)g_ptr_array_index(f->events, i));
            g_error("timed out waiting for %s", event);
        }
        struct pollfd pfd = { .fd = vt_watch_fd(f->watch), .events = POLLIN };
        g_assert_cmpint(poll(&pfd, 1, (int)MIN(left, 50)), >=, 0);
        g_assert_cmpint(vt_watch_dispatch(f->watch), ==, VT_OK);
    }
}

/* Written in place, as a scanner or a copy does (g_file_set_contents would
 * add events for its temporary file). */
static void write_file(const char *dir, const char *relpath)
{
    char *path = g_build_filename(dir, relpath, NULL);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, relpath, strlen(relpath)), ==, (ssize_t)strlen(relpath));
    g_assert_cmpint(close(fd), ==, 0);
    g_free(path);
}

/* Events are queued in order: once a file written last is reported,
 * everything before it has been dispatched too. */
static void sync_with(fixture *f, const char *relpath)
{
    write_file(f->root, relpath);
    char *event = g_strconcat("F:", relpath, NULL);
    wait_for(f, event);
    g_free(event);
}

static void make_dirs(const char *dir, const char *relpath)
{
    char *path = g_build_filename(dir, relpath, NULL);
    g_assert_cmpint(g_mkdir_with_parents(path, 0755), ==, 0);
    g_free(path);
}

static void move(const char *from_dir, const char *from, const char *to_dir, const char *to)
{
    char *a = g_build_filename(from_dir, from, NULL);
    char *b = g_build_filename(to_dir, to, NULL);
    g_assert_cmpint(g_rename(a, b), ==, 0);
    g_free(a);
    g_free(b);
}

static void add_root(fixture *f)
{
    vt_status status = vt_watch_add_tree(f->watch, f->root);
    if (status != VT_OK)
        g_test_message("add_tree: %s", vt_error_message());
    g_assert_cmpint(status, ==, VT_OK);
    g_assert_null(vt_watch_problem(f->watch));
}

static void test_files(fixture *f, gconstpointer unused)
{
    add_root(f);
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 1);

    write_file(f->root, "a.tif");
    wait_for(f, "F:a.tif");

    /* Moved in from outside. */
    write_file(f->outside, "b.jpg");
    move(f->outside, "b.jpg", f->root, "b.jpg");
    wait_for(f, "F:b.jpg");

    /* A symbolic link is reported (the pipeline quarantines it). */
    char *link = g_build_filename(f->root, "link.tif", NULL);
    g_assert_cmpint(symlink("/etc/passwd", link), ==, 0);
    wait_for(f, "F:link.tif");
    g_free(link);

    /* An attribute change alone is reported (chmod after a copy). */
    g_ptr_array_set_size(f->events, 0);
    char *a = g_build_filename(f->root, "a.tif", NULL);
    g_assert_cmpint(chmod(a, 0600), ==, 0);
    wait_for(f, "F:a.tif");
    g_free(a);
}

static void test_ignored(fixture *f, gconstpointer unused)
{
    make_dirs(f->root, "@eaDir");
    make_dirs(f->root, "sub");
    add_root(f);
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 2);  /* hot and sub, not @eaDir */

    static const char *const names[] = {
        ".DS_Store", "._a.tif", "x.part", "Thumbs.db", "~$x.docx", "y.TMP", "@eaDir/thumb.jpg",
        "sub/.hidden.jpg",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        write_file(f->root, names[i]);
    make_dirs(f->root, ".snapshot/hourly");
    write_file(f->root, ".snapshot/hourly/a.tif");
    make_dirs(f->root, "$RECYCLE.BIN");
    write_file(f->root, "$RECYCLE.BIN/b.tif");

    sync_with(f, "sub/z.tif");
    /* Only the last file's events (created, written, closed). */
    for (guint i = 0; i < f->events->len; i++)
        g_assert_cmpstr(g_ptr_array_index(f->events, i), ==, "F:sub/z.tif");
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 2);
}

static void ignore_file(const char *relpath, bool is_symlink, void *data)
{
}

/* A folder moved in with files in it: they give no events of their own, so
 * the DIR callback must come, after the subtree is watched. */
static void test_folder_moved_in(fixture *f, gconstpointer unused)
{
    add_root(f);
    make_dirs(f->outside, "batch/sub");
    make_dirs(f->outside, "batch/.AppleDouble");
    write_file(f->outside, "batch/1.tif");
    write_file(f->outside, "batch/sub/2.tif");

    move(f->outside, "batch", f->root, "batch");
    wait_for(f, "D:batch");
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 3);
    g_assert_false(has_event(f, "F:batch/1.tif"));

    /* The caller scans what the DIR event names. */
    unsigned count = 0;
    g_assert_cmpint(vt_scan_tree(f->root, "batch", ignore_file, NULL, &count), ==, VT_OK);
    g_assert_cmpuint(count, ==, 2);

    /* And from now on the new folders are watched. */
    write_file(f->root, "batch/sub/3.tif");
    wait_for(f, "F:batch/sub/3.tif");
}

static void found_file(const char *relpath, bool is_symlink, void *data)
{
    g_hash_table_add(data, g_strdup(relpath));
}

/* What a caller learns: the files of FILE events plus what scanning each
 * DIR event's folder finds (folders gone since are skipped). */
static GHashTable *known_files(fixture *f)
{
    GHashTable *found = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (guint i = 0; i < f->events->len; i++) {
        const char *event = g_ptr_array_index(f->events, i);
        if (event[0] == 'F') {
            g_hash_table_add(found, g_strdup(event + 2));
        } else if (event[0] == 'D') {
            vt_status status = vt_scan_tree(f->root, event + 2, found_file, found, NULL);
            g_assert_true(status == VT_OK || status == VT_ERR_NOT_FOUND);
        }
    }
    return found;
}

/* mkdir -p a/b/c and a file in c at once: either its event or the scan of a
 * reported folder finds it, whatever the timing. */
static void test_nested_quickly(fixture *f, gconstpointer unused)
{
    add_root(f);
    make_dirs(f->root, "a/b/c");
    write_file(f->root, "a/b/c/f.tif");
    wait_for(f, "D:a");
    sync_with(f, "sync.tif");

    GHashTable *found = known_files(f);
    g_assert_true(g_hash_table_contains(found, "a/b/c/f.tif"));
    g_hash_table_destroy(found);
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 4);

    write_file(f->root, "a/b/c/g.tif");
    wait_for(f, "F:a/b/c/g.tif");
}

/* Renaming a watched folder: new paths only, never the old ones. */
static void test_rename_folder(fixture *f, gconstpointer unused)
{
    make_dirs(f->root, "old/sub");
    make_dirs(f->root, "other");
    add_root(f);
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 4);

    move(f->root, "old", f->root, "new");
    wait_for(f, "D:new");
    write_file(f->root, "new/x.tif");
    write_file(f->root, "new/sub/y.tif");
    wait_for(f, "F:new/x.tif");
    wait_for(f, "F:new/sub/y.tif");

    /* Moved into another watched folder, then renamed back and forth. */
    move(f->root, "new", f->root, "other/moved");
    wait_for(f, "D:other/moved");
    write_file(f->root, "other/moved/sub/z.tif");
    wait_for(f, "F:other/moved/sub/z.tif");
    /* Renamed twice before we look: the first new name is gone when its
     * event is read. A file written meanwhile is found by the event or by
     * the scan of the folder reported under its final name. */
    move(f->root, "other/moved", f->root, "back");
    move(f->root, "back", f->root, "again");
    write_file(f->root, "again/sub/w.tif");
    wait_for(f, "D:again");
    sync_with(f, "sync.tif");
    GHashTable *found = known_files(f);
    g_assert_true(g_hash_table_contains(found, "again/sub/w.tif"));
    g_hash_table_destroy(found);
    write_file(f->root, "again/sub/v.tif");
    wait_for(f, "F:again/sub/v.tif");

    for (guint i = 0; i < f->events->len; i++) {
        const char *event = g_ptr_array_index(f->events, i);
        g_assert_false(g_str_has_prefix(event, "F:old"));
        g_assert_false(g_str_has_prefix(event, "F:back"));
    }
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 4);
}

/* A folder moved out of the tree is forgotten, with its subfolders. */
static void test_folder_moved_out(fixture *f, gconstpointer unused)
{
    make_dirs(f->root, "leaving/sub/deeper");
    add_root(f);
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 4);

    move(f->root, "leaving", f->outside, "left");
    sync_with(f, "sync1.tif");
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 1);

    write_file(f->outside, "left/a.tif");
    write_file(f->outside, "left/sub/deeper/b.tif");
    sync_with(f, "sync2.tif");
    for (guint i = 0; i < f->events->len; i++) {
        const char *event = g_ptr_array_index(f->events, i);
        g_assert_true(g_str_has_prefix(event, "F:sync"));
    }
}

static void test_folder_deleted(fixture *f, gconstpointer unused)
{
    make_dirs(f->root, "gone/sub");
    write_file(f->root, "gone/sub/a.tif");
    add_root(f);
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 3);

    char *gone = g_build_filename(f->root, "gone", NULL);
    remove_tree(gone);
    sync_with(f, "sync.tif");
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 1);

    /* Deleted and made again under the same name: watched afresh. */
    make_dirs(f->root, "gone/sub");
    wait_for(f, "D:gone");
    write_file(f->root, "gone/sub/b.tif");
    wait_for(f, "F:gone/sub/b.tif");
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 3);
    g_free(gone);
}

/* A folder created and at once renamed (Explorer's "New folder"). */
static void test_created_then_renamed(fixture *f, gconstpointer unused)
{
    add_root(f);
    make_dirs(f->root, "New folder");
    move(f->root, "New folder", f->root, "Scans 2019");
    write_file(f->root, "Scans 2019/a.tif");
    wait_for(f, "D:Scans 2019");
    sync_with(f, "sync.tif");
    /* Either the file event or the scan of the folder finds a.tif; in any
     * case nothing is reported under the old name. */
    for (guint i = 0; i < f->events->len; i++)
        g_assert_false(g_str_has_prefix(g_ptr_array_index(f->events, i), "F:New folder"));
    GHashTable *found = known_files(f);
    g_assert_true(g_hash_table_contains(found, "Scans 2019/a.tif"));
    g_hash_table_destroy(found);
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 2);
}

static void test_root_problems(fixture *f, gconstpointer unused)
{
    char *missing = g_build_filename(f->dir, "missing", NULL);
    vt_error_clear();
    g_assert_cmpint(vt_watch_add_tree(f->watch, missing), ==, VT_ERR_IO);
    g_assert_nonnull(strstr(vt_error_message(), missing));
    g_assert_nonnull(vt_watch_problem(f->watch));
    g_assert_nonnull(strstr(vt_watch_problem(f->watch), missing));
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 0);

    /* It appears; adding it again clears the problem. */
    g_assert_cmpint(g_mkdir(missing, 0755), ==, 0);
    g_assert_cmpint(vt_watch_add_tree(f->watch, missing), ==, VT_OK);
    g_assert_null(vt_watch_problem(f->watch));

    /* A watched root deleted: a lasting problem. */
    add_root(f);
    g_assert_cmpint(g_rmdir(missing), ==, 0);
    write_file(f->root, "sync.tif");
    wait_for(f, "F:sync.tif");
    gint64 deadline = g_get_monotonic_time() + TIMEOUT_MS * 1000;
    while (!vt_watch_problem(f->watch) && g_get_monotonic_time() < deadline) {
        struct pollfd pfd = { .fd = vt_watch_fd(f->watch), .events = POLLIN };
        poll(&pfd, 1, 50);
        g_assert_cmpint(vt_watch_dispatch(f->watch), ==, VT_OK);
    }
    g_test_message("%s", vt_watch_problem(f->watch));
    g_assert_nonnull(vt_watch_problem(f->watch));
    g_assert_nonnull(strstr(vt_watch_problem(f->watch), missing));
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 1);
    g_free(missing);

    /* A trailing slash names the same root; a file is not a folder. */
    char *slashed = g_strconcat(f->root, "//", NULL);
    g_assert_cmpint(vt_watch_add_tree(f->watch, slashed), ==, VT_OK);
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 1);
    g_free(slashed);
    char *file = g_build_filename(f->root, "sync.tif", NULL);
    g_assert_cmpint(vt_watch_add_tree(f->watch, file), ==, VT_ERR_IO);
    g_free(file);
}

/* More events than the kernel queues (fs.inotify.max_queued_events, 16384
 * by default): one overflow callback, and the watch still works after it. */
static void test_overflow(fixture *f, gconstpointer unused)
{
    make_dirs(f->root, "doomed");
    make_dirs(f->root, "renamed-from");
    add_root(f);
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 3);
    gchar *max_text = NULL;
    int max_events = 16384;
    if (g_file_get_contents("/proc/sys/fs/inotify/max_queued_events", &max_text, NULL, NULL))
        max_events = atoi(max_text);
    g_free(max_text);
    if (max_events > 100000) {
        g_test_skip("fs.inotify.max_queued_events is too high to overflow quickly");
        return;
    }

    /* Writes alternating between two files: one IN_MODIFY each, never
     * merged with the one before (cheaper than making thousands of files). */
    char *a = g_build_filename(f->root, "a.tif", NULL), *b = g_build_filename(f->root, "b.tif", NULL);
    int fds[2] = { open(a, O_WRONLY | O_CREAT, 0644), open(b, O_WRONLY | O_CREAT, 0644) };
    g_assert_cmpint(fds[0], >=, 0);
    g_assert_cmpint(fds[1], >=, 0);
    for (int i = 0; i < max_events + 100; i++)
        g_assert_cmpint(write(fds[i % 2], "x", 1), ==, 1);
    close(fds[0]);
    close(fds[1]);
    g_free(a);
    g_free(b);
    /* Changed while the queue is full, so their events are lost: only the
     * refresh after the overflow can watch the new folder, follow the
     * renamed one and forget the deleted one. */
    make_dirs(f->root, "made-during-overflow");
    move(f->root, "renamed-from", f->root, "renamed-to");
    char *doomed = g_build_filename(f->root, "doomed", NULL);
    g_assert_cmpint(g_rmdir(doomed), ==, 0);
    g_free(doomed);
    wait_for(f, "O");
    g_assert_cmpuint(vt_watch_count(f->watch), ==, 3);
    write_file(f->root, "made-during-overflow/a.tif");
    write_file(f->root, "renamed-to/b.tif");
    wait_for(f, "F:made-during-overflow/a.tif");
    wait_for(f, "F:renamed-to/b.tif");
}

/* In a child process, in a new user namespace whose inotify watch limit is
 * 5 (the limit is per user namespace since Linux 5.11). Returns 0 when all
 * holds, 77 when the namespace cannot be made, else the failed step. */
static int run_out_of_watches(fixture *f)
{
    if (unshare(CLONE_NEWUSER) != 0)
        return 77;
    int fd = open("/proc/sys/user/max_inotify_watches", O_WRONLY);
    if (fd < 0)
        return 77;
    bool written = write(fd, "5\n", 2) == 2;
    close(fd);
    if (!written)
        return 77;

    vt_watch *watch = NULL;
    if (vt_watch_new(on_event, f, &watch) != VT_OK)
        return 1;
    f->watch = watch;
    if (vt_watch_add_tree(watch, f->root) != VT_ERR_LIMIT)
        return 2;
    if (vt_watch_count(watch) != 5)
        return 3;
    const char *problem = vt_watch_problem(watch);
    if (!problem || !strstr(problem, "after 5 folders") || !strstr(problem, "max_user_watches"))
        return 4;
    if (!strstr(vt_error_message(), "max_user_watches"))
        return 5;

    /* A new folder in a watched one (the root is watched first) still gets
     * its DIR call, so that the caller scans it, though it is not watched. */
    make_dirs(f->root, "new");
    wait_for(f, "D:new");
    if (vt_watch_count(watch) != 5)
        return 6;
    return 0;
}

static void test_out_of_watches(fixture *f, gconstpointer unused)
{
    /* Eight folders: the root, d0..d6; the watch limit will be 5. */
    for (int i = 0; i < 7; i++) {
        char *name = g_strdup_printf("d%d", i);
        make_dirs(f->root, name);
        g_free(name);
    }
    vt_watch_free(f->watch);
    f->watch = NULL;

    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0)
        _exit(run_out_of_watches(f));
    int wstatus = 0;
    g_assert_cmpint(waitpid(pid, &wstatus, 0), ==, pid);
    g_assert_true(WIFEXITED(wstatus));
    if (WEXITSTATUS(wstatus) == 77) {
        g_test_skip("cannot make a user namespace to lower the inotify watch limit");
        return;
    }
    g_assert_cmpint(WEXITSTATUS(wstatus), ==, 0);
}

static void test_free_null(void)
{
    vt_watch_free(NULL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/watch/" name, fixture, NULL, setup, fn, teardown)
    ADD("files", test_files);
    ADD("ignored", test_ignored);
    ADD("folder-moved-in", test_folder_moved_in);
    ADD("nested-quickly", test_nested_quickly);
    ADD("rename-folder", test_rename_folder);
    ADD("folder-moved-out", test_folder_moved_out);
    ADD("folder-deleted", test_folder_deleted);
    ADD("created-then-renamed", test_created_then_renamed);
    ADD("root-problems", test_root_problems);
    ADD("overflow", test_overflow);
    ADD("out-of-watches", test_out_of_watches);
    g_test_add_func("/watch/free-null", test_free_null);
    return g_test_run();
}
