/* test_scan.c: vt_scan_tree on a real tree with the odd things hotfolders hold. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vt_name.h"
#include "vt_scan.h"

typedef struct {
    char *dir;       /* the temporary folder */
    char *root;      /* dir/hot: the hotfolder */
    GPtrArray *seen; /* "relpath" or "relpath@" for links, as reported */
} fixture;

/* rm handles what g_build_filename cannot: paths over PATH_MAX. */
static void remove_tree(const char *path)
{
    const char *chmod_argv[] = { "chmod", "-R", "u+rwx", path, NULL };
    const char *rm_argv[] = { "rm", "-rf", path, NULL };
    int wait_status = 0;

    g_assert_true(g_spawn_sync(NULL, (char **)chmod_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, &wait_status, NULL));
    g_assert_true(g_spawn_sync(NULL, (char **)rm_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, &wait_status, NULL));
    g_assert_cmpint(wait_status, ==, 0);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void put(fixture *f, const char *relpath)
{
    char *path = g_build_filename(f->root, relpath, NULL);
    char *parent = g_path_get_dirname(path);
    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, relpath, -1, NULL));
    g_free(parent);
    g_free(path);
}

static void put_dir(fixture *f, const char *relpath)
{
    char *path = g_build_filename(f->root, relpath, NULL);
    g_assert_cmpint(g_mkdir_with_parents(path, 0755), ==, 0);
    g_free(path);
}

static void put_link(fixture *f, const char *relpath, const char *target)
{
    char *path = g_build_filename(f->root, relpath, NULL);
    g_assert_cmpint(symlink(target, path), ==, 0);
    g_free(path);
}

static void setup(fixture *f, gconstpointer unused)
{
    f->dir = g_dir_make_tmp("vt-scan-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    g_assert_cmpint(chmod(f->dir, 0755), ==, 0);  /* for the unprivileged child */
    f->root = g_build_filename(f->dir, "hot", NULL);
    g_assert_cmpint(g_mkdir(f->root, 0755), ==, 0);
    f->seen = g_ptr_array_new_with_free_func(g_free);
}

static void teardown(fixture *f, gconstpointer unused)
{
    remove_tree(f->dir);
    g_ptr_array_unref(f->seen);
    g_free(f->root);
    g_free(f->dir);
}

static void collect(const char *relpath, bool is_symlink, void *data)
{
    fixture *f = data;
    g_ptr_array_add(f->seen, g_strconcat(relpath, is_symlink ? "@" : "", NULL));
}

static gint by_string(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Scans and checks the sorted result against @expected (NULL-terminated). */
static void expect_scan(fixture *f, const char *subdir, const char *const *expected)
{
    unsigned count = 12345;
    g_ptr_array_set_size(f->seen, 0);
    vt_status status = vt_scan_tree(f->root, subdir, collect, f, &count);
    if (status != VT_OK)
        g_test_message("scan: %s", vt_error_message());
    g_assert_cmpint(status, ==, VT_OK);
    g_ptr_array_sort(f->seen, by_string);

    GString *got = g_string_new(NULL), *want = g_string_new(NULL);
    for (guint i = 0; i < f->seen->len; i++)
        g_string_append_printf(got, "%s\n", (const char *)g_ptr_array_index(f->seen, i));
    size_t n = 0;
    for (; expected[n]; n++)
        g_string_append_printf(want, "%s\n", expected[n]);
    g_assert_cmpstr(got->str, ==, want->str);
    g_assert_cmpuint(count, ==, n);
    g_string_free(got, TRUE);
    g_string_free(want, TRUE);
}

static void expect_failure(fixture *f, const char *root, const char *subdir, vt_status expected)
{
    unsigned count = 12345;
    g_ptr_array_set_size(f->seen, 0);
    vt_error_clear();
    vt_status status = vt_scan_tree(root, subdir, collect, f, &count);
    g_test_message("%s / %s: %s", root, subdir ? subdir : "-", vt_error_message());
    g_assert_cmpint(status, ==, expected);
    g_assert_cmpuint(count, ==, 12345);
    g_assert_cmpuint(f->seen->len, ==, 0);
    g_assert_cmpstr(vt_error_message(), !=, "");
}

static void make_tree(fixture *f)
{
    put(f, "a.tif");
    put(f, "2019.12345 église.jpg");
    put(f, "sidecar.xmp");
    put(f, ".DS_Store");
    put(f, "._a.tif");
    put(f, "upload.part");
    put(f, "Thumbs.db");
    put(f, "~$doc.docx");
    put(f, "sub/b.jpg");
    put(f, "sub/deeper/c.png");
    put(f, "sub/.hidden/d.jpg");
    put(f, "@eaDir/a.tif/SYNOFILE_THUMB_M.jpg");
    put(f, ".snapshot/hourly.0/a.tif");
    put(f, "$RECYCLE.BIN/e.jpg");
    put_dir(f, "empty");
    put_link(f, "link-to-file.tif", "a.tif");
    put_link(f, "link-to-dir", "sub");
    put_link(f, "link-outside", "/etc");
    put_link(f, "dangling.jpg", "nowhere");
    put_link(f, ".hidden-link", "a.tif");
    char *fifo = g_build_filename(f->root, "fifo.tif", NULL);
    g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);
    g_free(fifo);
}

static void test_walk(fixture *f, gconstpointer unused)
{
    make_tree(f);
    const char *const all[] = {
        "2019.12345 église.jpg", "a.tif", "dangling.jpg@", "link-outside@", "link-to-dir@",
        "link-to-file.tif@", "sidecar.xmp", "sub/b.jpg", "sub/deeper/c.png", NULL,
    };
    expect_scan(f, NULL, all);

    /* A trailing slash on the root changes nothing. */
    char *slashed = g_strconcat(f->root, "/", NULL);
    unsigned count = 0;
    g_assert_cmpint(vt_scan_tree(slashed, NULL, collect, f, &count), ==, VT_OK);
    g_assert_cmpuint(count, ==, 9);
    g_free(slashed);

    /* ret_count may be NULL. */
    g_assert_cmpint(vt_scan_tree(f->root, NULL, collect, f, NULL), ==, VT_OK);
}

static void test_subdir(fixture *f, gconstpointer unused)
{
    make_tree(f);
    const char *const sub[] = { "sub/b.jpg", "sub/deeper/c.png", NULL };
    expect_scan(f, "sub", sub);
    const char *const deeper[] = { "sub/deeper/c.png", NULL };
    expect_scan(f, "sub/deeper", deeper);
    const char *const one_file[] = { "sub/b.jpg", NULL };
    expect_scan(f, "sub/b.jpg", one_file);
    const char *const one_link[] = { "link-to-dir@", NULL };
    expect_scan(f, "link-to-dir", one_link);
    const char *const nothing[] = { NULL };
    expect_scan(f, "empty", nothing);
    expect_scan(f, "@eaDir", nothing);
    expect_scan(f, "@eaDir/a.tif/SYNOFILE_THUMB_M.jpg", nothing);
    expect_scan(f, "sub/.hidden", nothing);
    expect_scan(f, "Thumbs.db", nothing);
    expect_scan(f, "fifo.tif", nothing);

    expect_failure(f, f->root, "../hot", VT_ERR_INVALID);
    expect_failure(f, f->root, "/etc", VT_ERR_INVALID);
    expect_failure(f, f->root, "sub/../sub", VT_ERR_INVALID);
    expect_failure(f, f->root, "", VT_ERR_INVALID);
    expect_failure(f, f->root, "missing", VT_ERR_NOT_FOUND);
    expect_failure(f, f->root, "sub/missing/x", VT_ERR_NOT_FOUND);
    /* Not followed: a link in the middle of the path. */
    expect_failure(f, f->root, "link-to-dir/b.jpg", VT_ERR_NOT_FOUND);
    expect_failure(f, f->root, "link-outside/passwd", VT_ERR_NOT_FOUND);
    expect_failure(f, f->root, "a.tif/x", VT_ERR_NOT_FOUND);
}

static void test_bad_root(fixture *f, gconstpointer unused)
{
    char *missing = g_build_filename(f->dir, "missing", NULL);
    expect_failure(f, missing, NULL, VT_ERR_IO);
    g_assert_nonnull(strstr(vt_error_message(), missing));
    g_free(missing);

    put(f, "file");
    char *file = g_build_filename(f->root, "file", NULL);
    expect_failure(f, file, NULL, VT_ERR_IO);
    g_free(file);
}

/* The root may be a link (an administrator's choice); it is followed. */
static void test_root_link(fixture *f, gconstpointer unused)
{
    put(f, "a.tif");
    char *link = g_build_filename(f->dir, "hot-link", NULL);
    g_assert_cmpint(symlink(f->root, link), ==, 0);
    unsigned count = 0;
    g_assert_cmpint(vt_scan_tree(link, NULL, collect, f, &count), ==, VT_OK);
    g_assert_cmpuint(count, ==, 1);
    g_free(link);
}

static void test_depth_limit(fixture *f, gconstpointer unused)
{
    GString *path = g_string_new(NULL);
    for (int depth = 1; depth <= VT_SCAN_MAX_DEPTH + 2; depth++) {
        g_string_append(path, depth > 1 ? "/d" : "d");
        char *file = g_strdup_printf("%s/f%d.tif", path->str, depth);
        put(f, file);
        g_free(file);
    }
    g_string_free(path, TRUE);

    unsigned count = 0;
    g_ptr_array_set_size(f->seen, 0);
    vt_status status = vt_scan_tree(f->root, NULL, collect, f, &count);
    g_test_message("%s", vt_error_message());
    g_assert_cmpint(status, ==, VT_ERR_LIMIT);
    g_assert_nonnull(strstr(vt_error_message(), "nested"));
    /* Folders at depth 1..64 are walked; 65 and 66 are not. */
    g_assert_cmpuint(f->seen->len, ==, VT_SCAN_MAX_DEPTH);
    g_assert_cmpuint(count, ==, 0);  /* untouched on failure */
}

static void test_long_path(fixture *f, gconstpointer unused)
{
    /* 25 folders of 200 bytes: over VT_NAME_RELATIVE_MAX (and PATH_MAX, so
     * they are made relative to each other). */
    char component[201];
    memset(component, 'p', 200);
    component[200] = '\0';
    int fd = open(f->root, O_RDONLY | O_DIRECTORY);
    g_assert_cmpint(fd, >=, 0);
    for (int i = 0; i < 25; i++) {
        g_assert_cmpint(mkdirat(fd, component, 0755), ==, 0);
        int next = openat(fd, component, O_RDONLY | O_DIRECTORY);
        g_assert_cmpint(next, >=, 0);
        close(fd);
        fd = next;
    }
    int file = openat(fd, "too-deep.tif", O_WRONLY | O_CREAT, 0644);
    g_assert_cmpint(file, >=, 0);
    close(file);
    close(fd);
    put(f, "short.tif");

    g_ptr_array_set_size(f->seen, 0);
    g_assert_cmpint(vt_scan_tree(f->root, NULL, collect, f, NULL), ==, VT_ERR_LIMIT);
    g_assert_cmpuint(f->seen->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(f->seen, 0), ==, "short.tif");
}

/* Runs the unreadable-folder check; returns 0 when it holds. */
static int check_unreadable(fixture *f)
{
    unsigned count = 0;
    g_ptr_array_set_size(f->seen, 0);
    vt_status status = vt_scan_tree(f->root, NULL, collect, f, &count);
    if (status != VT_ERR_IO || !strstr(vt_error_message(), "locked")
        || !strstr(vt_error_message(), "Permission denied"))
        return 1;
    /* Everything else was still reported. */
    if (f->seen->len != 2)
        return 2;
    return 0;
}

static void test_unreadable_folder(fixture *f, gconstpointer unused)
{
    put(f, "a.tif");
    put(f, "open/b.tif");
    put(f, "locked/c.tif");
    char *locked = g_build_filename(f->root, "locked", NULL);
    g_assert_cmpint(chmod(locked, 0), ==, 0);

    if (geteuid() != 0) {
        g_assert_cmpint(check_unreadable(f), ==, 0);
    } else {
        /* root reads everything: check as nobody, in a child. */
        pid_t pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(10);
            _exit(check_unreadable(f));
        }
        int wstatus = 0;
        g_assert_cmpint(waitpid(pid, &wstatus, 0), ==, pid);
        g_assert_true(WIFEXITED(wstatus));
        g_assert_cmpint(WEXITSTATUS(wstatus), ==, 0);
    }
    g_free(locked);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/scan/" name, fixture, NULL, setup, fn, teardown)
    ADD("walk", test_walk);
    ADD("subdir", test_subdir);
    ADD("bad-root", test_bad_root);
    ADD("root-link", test_root_link);
    ADD("depth-limit", test_depth_limit);
    ADD("long-path", test_long_path);
    ADD("unreadable-folder", test_unreadable_folder);
    return g_test_run();
}
