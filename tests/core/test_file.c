/* Tests of vt_file: hashing, durable copies and moves, atomic writes. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_file.h"

static char *tmp;

static char *in_tmp(const char *name)
{
    return g_build_filename(tmp, name, NULL);
}

static void test_sha256(void)
{
    g_autofree char *path = in_tmp("abc");
    g_assert_true(g_file_set_contents(path, "abc", 3, NULL));
    char hex[VT_SHA256_HEX_LEN + 1];
    uint64_t size = 0;
    g_assert_cmpint(vt_file_sha256(path, hex, &size), ==, VT_OK);
    g_assert_cmpstr(hex, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    g_assert_cmpuint(size, ==, 3);

    /* Larger than one read chunk, to cross the chunk boundary. */
    g_autofree char *big = in_tmp("big");
    gsize n = 3 * 1024 * 1024 + 17;
    g_autofree char *data = g_malloc(n);
    for (gsize i = 0; i < n; i++)
        data[i] = (char)(i * 7);
    g_assert_true(g_file_set_contents(big, data, (gssize)n, NULL));
    g_autofree char *expected = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)data, n);
    g_assert_cmpint(vt_file_sha256(big, hex, &size), ==, VT_OK);
    g_assert_cmpstr(hex, ==, expected);
    g_assert_cmpuint(size, ==, n);

    g_autofree char *missing = in_tmp("missing");
    g_assert_cmpint(vt_file_sha256(missing, hex, NULL), ==, VT_ERR_NOT_FOUND);
    g_assert_nonnull(strstr(vt_error_message(), missing));

    /* Never through a symbolic link. */
    g_autofree char *link = in_tmp("link");
    g_assert_cmpint(symlink(path, link), ==, 0);
    g_assert_cmpint(vt_file_sha256(link, hex, NULL), ==, VT_ERR_IO);
}

static void test_copy_and_move(void)
{
    g_autofree char *src = in_tmp("src.tif");
    g_autofree char *dir = in_tmp("deep/er");
    g_autofree char *dst = in_tmp("deep/er/dst.tif");
    g_assert_true(g_file_set_contents(src, "pixels", -1, NULL));
    g_assert_cmpint(vt_file_mkdirs(dir), ==, VT_OK);
    g_assert_cmpint(vt_file_copy_durable(src, dst), ==, VT_OK);
    g_autofree char *copied = NULL;
    g_assert_true(g_file_get_contents(dst, &copied, NULL, NULL));
    g_assert_cmpstr(copied, ==, "pixels");
    g_assert_true(g_file_test(src, G_FILE_TEST_EXISTS));
    /* An archived file is never replaced. */
    g_assert_cmpint(vt_file_copy_durable(src, dst), ==, VT_ERR_EXISTS);
    /* No temporary file left beside it. */
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    int count = 0;
    while ((name = g_dir_read_name(d)))
        count++;
    g_dir_close(d);
    g_assert_cmpint(count, ==, 1);

    /* The temporary a crash left beside @dst goes; @dst stays. */
    g_autofree char *stale = in_tmp("deep/er/.tmp-dst.tif");
    g_assert_true(g_file_set_contents(stale, "pix", -1, NULL));
    g_assert_cmpint(vt_file_remove_temp(dst), ==, VT_OK);
    g_assert_false(g_file_test(stale, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(dst, G_FILE_TEST_IS_REGULAR));
    g_assert_cmpint(vt_file_remove_temp(dst), ==, VT_OK);

    g_autofree char *moved = in_tmp("moved.tif");
    g_assert_cmpint(vt_file_move(src, moved), ==, VT_OK);
    g_assert_false(g_file_test(src, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(moved, G_FILE_TEST_IS_REGULAR));
    g_assert_cmpint(vt_file_move(moved, dst), ==, VT_ERR_EXISTS);
    g_assert_true(g_file_test(moved, G_FILE_TEST_EXISTS));

    /* A link is moved as a link. */
    g_autofree char *link = in_tmp("alink");
    g_autofree char *link2 = in_tmp("alink-moved");
    g_assert_cmpint(symlink("/etc/passwd", link), ==, 0);
    g_assert_cmpint(vt_file_move(link, link2), ==, VT_OK);
    g_assert_true(g_file_test(link2, G_FILE_TEST_IS_SYMLINK));
}

static void test_atomic_and_names(void)
{
    g_autofree char *path = in_tmp("status.json");
    g_assert_cmpint(vt_file_write_atomic(path, "{}", 2), ==, VT_OK);
    g_assert_cmpint(vt_file_write_atomic(path, "{\"a\":1}", 7), ==, VT_OK);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "{\"a\":1}");

    g_autofree char *fresh = in_tmp("fresh.jpg");
    g_autofree char *same = vt_file_free_name(fresh);
    g_assert_cmpstr(same, ==, fresh);
    g_assert_true(g_file_set_contents(fresh, "x", 1, NULL));
    g_autofree char *second = vt_file_free_name(fresh);
    g_autofree char *want2 = in_tmp("fresh (2).jpg");
    g_assert_cmpstr(second, ==, want2);
    g_assert_true(g_file_set_contents(want2, "x", 1, NULL));
    g_autofree char *third = vt_file_free_name(fresh);
    g_autofree char *want3 = in_tmp("fresh (3).jpg");
    g_assert_cmpstr(third, ==, want3);
    g_autofree char *hidden = in_tmp(".hidden");
    g_assert_true(g_file_set_contents(hidden, "x", 1, NULL));
    g_autofree char *hidden2 = vt_file_free_name(hidden);
    g_autofree char *want_hidden = in_tmp(".hidden (2)");
    g_assert_cmpstr(hidden2, ==, want_hidden);
}

/* A tree goes, links in it go, and what a link points to stays. */
static void test_remove_tree(void)
{
    g_autofree char *outside = in_tmp("keep.txt");
    g_autofree char *tree = in_tmp("tree");
    g_autofree char *deep = in_tmp("tree/a/b");
    g_autofree char *file = in_tmp("tree/a/b/f");
    g_autofree char *link = in_tmp("tree/a/link");
    g_autofree char *dirlink = in_tmp("tree/dirlink");
    g_assert_true(g_file_set_contents(outside, "keep", -1, NULL));
    g_assert_cmpint(vt_file_mkdirs(deep), ==, VT_OK);
    g_assert_true(g_file_set_contents(file, "x", -1, NULL));
    g_assert_cmpint(symlink(outside, link), ==, 0);
    g_assert_cmpint(symlink(tmp, dirlink), ==, 0);
    g_assert_cmpint(vt_file_remove_tree(tree), ==, VT_OK);
    g_assert_false(g_file_test(tree, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(outside, G_FILE_TEST_IS_REGULAR));
    g_assert_cmpint(vt_file_remove_tree(tree), ==, VT_OK);   /* already gone */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmp = g_dir_make_tmp("vt-file-XXXXXX", NULL);
    g_test_add_func("/file/sha256", test_sha256);
    g_test_add_func("/file/copy-and-move", test_copy_and_move);
    g_test_add_func("/file/atomic-and-names", test_atomic_and_names);
    g_test_add_func("/file/remove-tree", test_remove_tree);
    int rc = g_test_run();
    g_assert_cmpint(vt_file_remove_tree(tmp), ==, VT_OK);
    g_free(tmp);
    return rc;
}
