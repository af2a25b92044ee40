/* Tests of vt_beneath: a place below a root is reached without following a
 * link anywhere on its way, and the descriptor-relative vt_file functions
 * built on it keep names within NAME_MAX. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_beneath.h"
#include "vt_file.h"

static char *tmp;

static char *in_tmp(const char *name)
{
    return g_build_filename(tmp, name, NULL);
}

static void put(const char *rel, const char *text)
{
    g_autofree char *path = in_tmp(rel);
    g_autofree char *dir = g_path_get_dirname(path);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0750), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void test_plain(void)
{
    put("root/a/b/file.jpg", "image");
    g_autofree char *root = in_tmp("root");
    vt_place pl = VT_PLACE_INIT;
    g_assert_cmpint(vt_place_open(root, "a/b/file.jpg", 0, &pl), ==, VT_OK);
    g_assert_cmpstr(pl.name, ==, "file.jpg");
    g_assert_true(g_str_has_suffix(pl.shown, "root/a/b/file.jpg"));
    struct stat st;
    g_assert_cmpint(fstatat(pl.dirfd, pl.name, &st, AT_SYMLINK_NOFOLLOW), ==, 0);
    g_assert_true(S_ISREG(st.st_mode));
    g_assert_true(vt_beneath_is_same(pl.dirfd, pl.name, st.st_dev, st.st_ino));
    g_assert_false(vt_beneath_is_same(pl.dirfd, pl.name, st.st_dev, st.st_ino + 1));
    vt_place_close(&pl);
    g_assert_cmpint(pl.dirfd, ==, -1);
    vt_place_close(&pl);   /* closing twice is harmless */

    /* A file directly below the root. */
    put("root/top.jpg", "x");
    g_assert_cmpint(vt_place_open(root, "top.jpg", 0, &pl), ==, VT_OK);
    g_assert_cmpstr(pl.name, ==, "top.jpg");
    vt_place_close(&pl);

    /* The same through an absolute path, which must lie below the root. */
    g_autofree char *abs = in_tmp("root/a/b/file.jpg");
    g_assert_cmpint(vt_place_open_path(root, abs, 0, &pl), ==, VT_OK);
    vt_place_close(&pl);
    g_autofree char *outside = in_tmp("rootx/file.jpg");
    g_assert_cmpint(vt_place_open_path(root, outside, 0, &pl), ==, VT_ERR_INVALID);
    g_assert_cmpint(pl.dirfd, ==, -1);
}

/* The attack of issue 13: a folder on the way swapped for a link. */
static void test_link_on_the_way(void)
{
    put("victim/file.jpg", "someone else's");
    put("root2/x/keep", "");
    g_autofree char *root = in_tmp("root2");
    g_autofree char *victim = in_tmp("victim");
    g_autofree char *sub = in_tmp("root2/sub");
    g_assert_cmpint(symlink(victim, sub), ==, 0);
    vt_place pl = VT_PLACE_INIT;
    g_assert_cmpint(vt_place_open(root, "sub/file.jpg", 0, &pl), ==, VT_ERR_UNSAFE_PATH);
    g_assert_cmpint(pl.dirfd, ==, -1);
    g_assert_cmpint(vt_place_open(root, "sub/file.jpg", VT_BENEATH_CREATE, &pl), ==,
                    VT_ERR_UNSAFE_PATH);
    /* A relative link inside the root is refused as well: no link at all. */
    g_autofree char *inner = in_tmp("root2/inner");
    g_assert_cmpint(symlink("x", inner), ==, 0);
    g_assert_cmpint(vt_place_open(root, "inner/keep", 0, &pl), ==, VT_ERR_UNSAFE_PATH);
    /* Deeper: a link two levels down. */
    put("root2/d1/real/f", "");
    g_autofree char *d2 = in_tmp("root2/d1/d2");
    g_assert_cmpint(symlink(victim, d2), ==, 0);
    g_assert_cmpint(vt_place_open(root, "d1/d2/file.jpg", 0, &pl), ==, VT_ERR_UNSAFE_PATH);

    /* The last component is the caller's to check with O_NOFOLLOW. */
    g_autofree char *link = in_tmp("root2/x/link.jpg");
    g_autofree char *victim_file = in_tmp("victim/file.jpg");
    g_assert_cmpint(symlink(victim_file, link), ==, 0);
    int rootfd = open(root, O_RDONLY | O_DIRECTORY);
    g_assert_cmpint(rootfd, >=, 0);
    errno = 0;
    g_assert_cmpint(vt_beneath_openat(rootfd, "x/link.jpg", O_RDONLY, 0), ==, -1);
    g_assert_cmpint(errno, ==, ELOOP);
    g_assert_cmpint(vt_beneath_openat(rootfd, "sub", O_RDONLY | O_DIRECTORY, 0), ==, -1);
    int fd = vt_beneath_openat(rootfd, "x/keep", O_RDONLY, 0);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    /* The walk of kernels without openat2 refuses the same links. */
    const int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC;
    g_assert_cmpint(vt__beneath_walk_openat(rootfd, "sub/file.jpg", flags, 0), ==, -1);
    g_assert_cmpint(vt__beneath_walk_openat(rootfd, "d1/d2/file.jpg", flags, 0), ==, -1);
    g_assert_cmpint(vt__beneath_walk_openat(rootfd, "x/link.jpg", flags, 0), ==, -1);
    g_assert_cmpint(errno, ==, ELOOP);
    fd = vt__beneath_walk_openat(rootfd, "x/keep", flags, 0);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    close(rootfd);

    /* The victim is untouched. */
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(victim_file, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "someone else's");
}

static void test_malformed(void)
{
    g_autofree char *root = in_tmp("root");
    vt_place pl = VT_PLACE_INIT;
    const char *bad[] = {"", "/etc/passwd", "../victim/file.jpg", "a/../../victim", "a//b",
                         "./a", "a/./b", "a/", NULL};
    for (size_t i = 0; bad[i]; i++) {
        g_test_message("relative path '%s'", bad[i]);
        g_assert_cmpint(vt_place_open(root, bad[i], 0, &pl), ==, VT_ERR_INVALID);
    }
    int rootfd = open(root, O_RDONLY | O_DIRECTORY);
    errno = 0;
    g_assert_cmpint(vt_beneath_openat(rootfd, "../victim", O_RDONLY | O_DIRECTORY, 0), ==, -1);
    g_assert_cmpint(errno, ==, EXDEV);
    close(rootfd);
    g_assert_cmpint(vt_place_open(root, "missing/file.jpg", 0, &pl), ==, VT_ERR_NOT_FOUND);
}

static void test_create(void)
{
    g_autofree char *root = in_tmp("root3");
    g_assert_cmpint(g_mkdir(root, 0750), ==, 0);
    vt_place pl = VT_PLACE_INIT;
    g_assert_cmpint(vt_place_open(root, "dept/a/b/new.jpg", VT_BENEATH_CREATE, &pl), ==, VT_OK);
    g_autofree char *made = in_tmp("root3/dept/a/b");
    g_assert_true(g_file_test(made, G_FILE_TEST_IS_DIR));
    g_assert_cmpint(vt_file_write_atomic_at(pl.dirfd, pl.name, pl.shown, "data", 4), ==, VT_OK);
    vt_place_close(&pl);
    g_autofree char *file = in_tmp("root3/dept/a/b/new.jpg");
    g_assert_true(g_file_test(file, G_FILE_TEST_IS_REGULAR));
}

/* Names a department can drop: 255 bytes, the longest a file system takes. */
static void test_long_names(void)
{
    g_autofree char *root = in_tmp("root4");
    g_assert_cmpint(g_mkdir(root, 0750), ==, 0);
    char name[NAME_MAX + 1];
    memset(name, 'n', NAME_MAX - 4);
    memcpy(name + NAME_MAX - 4, ".jpg", 5);
    g_assert_cmpuint(strlen(name), ==, NAME_MAX);

    vt_place pl = VT_PLACE_INIT;
    g_autofree char *rel = g_build_filename("d", name, NULL);
    g_assert_cmpint(vt_place_open(root, rel, VT_BENEATH_CREATE, &pl), ==, VT_OK);
    /* The temporary ".tmp-" + a 255-byte name would be too long: it is
     * shortened, and the file gets its full name. */
    g_assert_cmpint(vt_file_write_atomic_at(pl.dirfd, pl.name, pl.shown, "one", 3), ==, VT_OK);
    struct stat st;
    g_assert_cmpint(fstatat(pl.dirfd, name, &st, 0), ==, 0);

    /* A free name beside it leaves room for ".reason.txt". */
    g_autofree char *free1 = vt_file_free_name_at(pl.dirfd, name, strlen(".reason.txt"));
    g_assert_cmpuint(strlen(free1) + strlen(".reason.txt"), <=, NAME_MAX);
    g_assert_true(g_str_has_suffix(free1, ".jpg"));
    g_assert_cmpstr(free1, !=, name);
    g_autofree char *why = g_strconcat(free1, ".reason.txt", NULL);
    g_assert_cmpint(vt_file_write_atomic_at(pl.dirfd, why, why, "why", 3), ==, VT_OK);

    /* Taken names give " (2)", " (3)"... still within the limit. */
    g_assert_cmpint(vt_file_write_atomic_at(pl.dirfd, free1, free1, "two", 3), ==, VT_OK);
    g_autofree char *free2 = vt_file_free_name_at(pl.dirfd, name, strlen(".reason.txt"));
    g_assert_cmpuint(strlen(free2) + strlen(".reason.txt"), <=, NAME_MAX);
    g_assert_nonnull(strstr(free2, " (2)"));
    g_assert_true(g_str_has_suffix(free2, ".jpg"));

    /* A copy into a 255-byte name works, from a descriptor. */
    g_autofree char *src = in_tmp("src.jpg");
    g_assert_true(g_file_set_contents(src, "copied", -1, NULL));
    int in = open(src, O_RDONLY);
    g_assert_cmpint(unlinkat(pl.dirfd, name, 0), ==, 0);
    g_assert_cmpint(vt_file_copy_fd_at(in, src, pl.dirfd, name, name), ==, VT_OK);
    g_assert_cmpint(vt_file_copy_fd_at(in, src, pl.dirfd, name, name), ==, VT_ERR_EXISTS);
    close(in);
    vt_place_close(&pl);
}

/* A move between two folders opened beneath their roots. */
static void test_move_at(void)
{
    put("root5/hot/sub/drop.jpg", "drop");
    g_autofree char *root = in_tmp("root5");
    vt_place from = VT_PLACE_INIT, to = VT_PLACE_INIT;
    g_assert_cmpint(vt_place_open(root, "hot/sub/drop.jpg", 0, &from), ==, VT_OK);
    g_assert_cmpint(vt_place_open(root, "quarantine/sub/drop.jpg", VT_BENEATH_CREATE, &to), ==,
                    VT_OK);
    /* The folder is renamed away and a link put in its place after it was
     * opened: the move still acts on the folder that was opened. */
    g_autofree char *sub = in_tmp("root5/hot/sub");
    g_autofree char *away = in_tmp("root5/hot/away");
    g_assert_cmpint(g_rename(sub, away), ==, 0);
    put("elsewhere/drop.jpg", "not ours");
    g_autofree char *elsewhere = in_tmp("elsewhere");
    g_assert_cmpint(symlink(elsewhere, sub), ==, 0);
    g_assert_cmpint(vt_file_move_at(from.dirfd, from.name, from.shown, to.dirfd, to.name, to.shown),
                    ==, VT_OK);
    g_autofree char *moved = in_tmp("root5/quarantine/sub/drop.jpg");
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(moved, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "drop");
    g_autofree char *other = in_tmp("elsewhere/drop.jpg");
    g_assert_true(g_file_test(other, G_FILE_TEST_IS_REGULAR));
    vt_place_close(&from);
    vt_place_close(&to);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmp = g_dir_make_tmp("vt-test-beneath-XXXXXX", NULL);
    g_test_add_func("/beneath/plain", test_plain);
    g_test_add_func("/beneath/link-on-the-way", test_link_on_the_way);
    g_test_add_func("/beneath/malformed", test_malformed);
    g_test_add_func("/beneath/create", test_create);
    g_test_add_func("/beneath/long-names", test_long_names);
    g_test_add_func("/beneath/move-at", test_move_at);
    int rc = g_test_run();
    g_assert_cmpint(vt_file_remove_tree(tmp), ==, VT_OK);
    g_free(tmp);
    return rc;
}
