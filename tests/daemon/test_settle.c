/* test_settle.c: vt_settle with real files and made-up clock values. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_settle.h"

#define SETTLE 2000000   /* 2 s, in µs of the fake clock */
#define T0 1000000000    /* an arbitrary monotonic time */

typedef struct {
    char *dir;
    vt_settle *settle;
} fixture;

static void setup(fixture *f, gconstpointer unused)
{
    f->dir = g_dir_make_tmp("vt-settle-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->settle = vt_settle_new();
}

static void teardown(fixture *f, gconstpointer unused)
{
    vt_settle_free(f->settle);
    GDir *dir = g_dir_open(f->dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(dir))) {
        char *path = g_build_filename(f->dir, name, NULL);
        g_assert_cmpint(g_unlink(path), ==, 0);
        g_free(path);
    }
    g_dir_close(dir);
    g_assert_cmpint(g_rmdir(f->dir), ==, 0);
    g_free(f->dir);
}

static char *make_file(fixture *f, const char *name, const char *content)
{
    char *path = g_build_filename(f->dir, name, NULL);
    g_assert_true(g_file_set_contents(path, content, -1, NULL));
    return path;
}

static void append(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_APPEND);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, text, strlen(text)), ==, (ssize_t)strlen(text));
    close(fd);
}

/* Asserts that collect(@now) returns exactly @expected (NULL-terminated). */
static void expect_collect(fixture *f, int64_t now, const char *const *expected)
{
    GPtrArray *got = vt_settle_collect(f->settle, now);
    g_assert_nonnull(got);
    size_t n = 0;
    while (expected[n])
        n++;
    g_assert_cmpuint(got->len, ==, n);
    for (size_t i = 0; i < n; i++)
        g_assert_cmpstr(g_ptr_array_index(got, i), ==, expected[i]);
    g_ptr_array_unref(got);
}

static const char *const none[] = { NULL };

static void test_unchanged_settles(fixture *f, gconstpointer unused)
{
    g_autofree char *a = make_file(f, "a.tif", "II*\0 some bytes");

    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, -1);
    vt_settle_touch(f->settle, a, SETTLE, T0);
    g_assert_cmpuint(vt_settle_count(f->settle), ==, 1);
    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, T0 + SETTLE);

    /* An unchanged file touched again keeps its deadline. */
    vt_settle_touch(f->settle, a, SETTLE, T0 + SETTLE / 2);
    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, T0 + SETTLE);

    expect_collect(f, T0, none);
    expect_collect(f, T0 + SETTLE - 1, none);
    g_assert_cmpuint(vt_settle_count(f->settle), ==, 1);
    const char *const settled[] = { a, NULL };
    expect_collect(f, T0 + SETTLE, settled);
    g_assert_cmpuint(vt_settle_count(f->settle), ==, 0);
    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, -1);
    expect_collect(f, T0 + 10 * SETTLE, none);
}

static void test_growing_file_waits(fixture *f, gconstpointer unused)
{
    g_autofree char *a = make_file(f, "a.tif", "first part");
    g_autofree char *b = make_file(f, "b.tif", "first part");

    vt_settle_touch(f->settle, a, SETTLE, T0);
    vt_settle_touch(f->settle, b, SETTLE, T0);

    /* a grows without an event: found at its deadline, which moves. */
    append(a, " second part");
    /* b grows and is touched (a write event): its deadline moves at once. */
    append(b, " second part");
    vt_settle_touch(f->settle, b, SETTLE, T0 + 500);

    expect_collect(f, T0 + SETTLE, none);
    g_assert_cmpuint(vt_settle_count(f->settle), ==, 2);
    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, T0 + 500 + SETTLE);

    const char *const only_b[] = { b, NULL };
    expect_collect(f, T0 + 500 + SETTLE, only_b);
    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, T0 + 2 * SETTLE);

    /* Changing once more before the new deadline restarts it again. */
    append(a, "!");
    expect_collect(f, T0 + 2 * SETTLE, none);
    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, T0 + 3 * SETTLE);
    expect_collect(f, T0 + 3 * SETTLE - 1, none);
    const char *const only_a[] = { a, NULL };
    expect_collect(f, T0 + 3 * SETTLE, only_a);
}

static void test_vanished_dropped(fixture *f, gconstpointer unused)
{
    g_autofree char *a = make_file(f, "a.tif", "x");
    g_autofree char *b = make_file(f, "b.tif", "x");
    g_autofree char *missing = g_build_filename(f->dir, "never-there.tif", NULL);

    vt_settle_touch(f->settle, missing, SETTLE, T0);
    g_assert_cmpuint(vt_settle_count(f->settle), ==, 0);

    vt_settle_touch(f->settle, a, SETTLE, T0);
    vt_settle_touch(f->settle, b, SETTLE, T0);
    g_assert_cmpint(g_unlink(a), ==, 0);
    expect_collect(f, T0 + SETTLE - 1, none);
    g_assert_cmpuint(vt_settle_count(f->settle), ==, 2);
    const char *const only_b[] = { b, NULL };
    expect_collect(f, T0 + SETTLE, only_b);
    g_assert_cmpuint(vt_settle_count(f->settle), ==, 0);

    /* Vanished when touched again: dropped at once. */
    vt_settle_touch(f->settle, b, SETTLE, T0);
    g_assert_cmpint(g_unlink(b), ==, 0);
    vt_settle_touch(f->settle, b, SETTLE, T0 + 1);
    g_assert_cmpuint(vt_settle_count(f->settle), ==, 0);
    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, -1);
}

/* A client that writes a temporary file and renames it over the old one:
 * same name, same size, new inode. */
static void test_replaced_restarts(fixture *f, gconstpointer unused)
{
    g_autofree char *a = make_file(f, "a.tif", "version 1");
    struct stat before;
    g_assert_cmpint(lstat(a, &before), ==, 0);

    vt_settle_touch(f->settle, a, SETTLE, T0);
    g_autofree char *tmp = make_file(f, "a.tif.new", "version 2");
    g_assert_cmpint(g_rename(tmp, a), ==, 0);
    struct stat after;
    g_assert_cmpint(lstat(a, &after), ==, 0);
    g_assert_cmpuint(before.st_ino, !=, after.st_ino);
    g_assert_cmpint(before.st_size, ==, after.st_size);

    expect_collect(f, T0 + SETTLE, none);
    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, T0 + 2 * SETTLE);
    const char *const settled[] = { a, NULL };
    expect_collect(f, T0 + 2 * SETTLE, settled);
}

/* Only the modification time changes (a copy tool setting it at the end). */
static void test_mtime_change_restarts(fixture *f, gconstpointer unused)
{
    g_autofree char *a = make_file(f, "a.tif", "same bytes");

    vt_settle_touch(f->settle, a, SETTLE, T0);
    struct timespec times[2] = { { 0, UTIME_OMIT }, { 946684800, 0 } };  /* 2000-01-01 */
    g_assert_cmpint(utimensat(AT_FDCWD, a, times, 0), ==, 0);
    expect_collect(f, T0 + SETTLE, none);
    g_assert_cmpuint(vt_settle_count(f->settle), ==, 1);
}

static void test_deadlines_and_forget(fixture *f, gconstpointer unused)
{
    g_autofree char *a = make_file(f, "a.tif", "a");
    g_autofree char *b = make_file(f, "b.tif", "b");
    g_autofree char *c = make_file(f, "c.tif", "c");

    vt_settle_touch(f->settle, c, 3 * SETTLE, T0);
    vt_settle_touch(f->settle, b, SETTLE, T0 + 10);
    vt_settle_touch(f->settle, a, SETTLE, T0 + 20);
    g_assert_cmpuint(vt_settle_count(f->settle), ==, 3);
    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, T0 + 10 + SETTLE);

    vt_settle_forget(f->settle, b);
    vt_settle_forget(f->settle, b);  /* twice: harmless */
    vt_settle_forget(f->settle, "/not/followed");
    g_assert_cmpuint(vt_settle_count(f->settle), ==, 2);
    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, T0 + 20 + SETTLE);

    /* Earliest deadline first. */
    vt_settle_touch(f->settle, b, SETTLE, T0 + 5);
    const char *const order[] = { b, a, c, NULL };
    expect_collect(f, T0 + 3 * SETTLE, order);
    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, -1);
}

/* A zero settle time settles at the first collect; a changed file is looked
 * at again only at the next collect, so collect always ends. */
static void test_zero_settle(fixture *f, gconstpointer unused)
{
    g_autofree char *a = make_file(f, "a.tif", "a");

    vt_settle_touch(f->settle, a, 0, T0);
    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, T0);
    append(a, "more");
    expect_collect(f, T0, none);
    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, T0);
    const char *const settled[] = { a, NULL };
    expect_collect(f, T0, settled);

    vt_settle_touch(f->settle, a, -5, T0);  /* negative: as 0 */
    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, T0);
    expect_collect(f, T0, settled);
}

static void test_many(fixture *f, gconstpointer unused)
{
    enum { N = 300 };
    char *paths[N];

    for (int i = 0; i < N; i++) {
        char name[32];
        g_snprintf(name, sizeof name, "f%03d.tif", i);
        paths[i] = make_file(f, name, name);
        /* Deadlines in reverse order of names. */
        vt_settle_touch(f->settle, paths[i], SETTLE, T0 + (N - i));
    }
    g_assert_cmpuint(vt_settle_count(f->settle), ==, N);
    g_assert_cmpint(vt_settle_next_deadline(f->settle), ==, T0 + 1 + SETTLE);
    GPtrArray *got = vt_settle_collect(f->settle, T0 + SETTLE + N / 2);
    g_assert_cmpuint(got->len, ==, N / 2);
    for (guint i = 0; i < got->len; i++)
        g_assert_cmpstr(g_ptr_array_index(got, i), ==, paths[N - 1 - i]);
    g_ptr_array_unref(got);
    g_assert_cmpuint(vt_settle_count(f->settle), ==, N / 2);
    for (int i = 0; i < N; i++)
        g_free(paths[i]);
}

/* Below a hotfolder, a folder on the file's way swapped for a symbolic
 * link makes the file vanish: its settle time is never taken from the
 * link's target. */
static void test_below_link(fixture *f, gconstpointer unused)
{
    g_autofree char *sub = g_build_filename(f->dir, "sub", NULL);
    g_autofree char *away = g_build_filename(f->dir, "away", NULL);
    g_autofree char *file = g_build_filename(sub, "x.jpg", NULL);
    g_autofree char *moved = g_build_filename(away, "x.jpg", NULL);
    g_assert_cmpint(g_mkdir(sub, 0750), ==, 0);
    g_assert_true(g_file_set_contents(file, "jpeg", -1, NULL));

    vt_settle_touch_below(f->settle, f->dir, file, 1000, 0);
    g_assert_cmpuint(vt_settle_count(f->settle), ==, 1);
    /* Unchanged and below the root: it settles. */
    const char *const settled[] = {file, NULL};
    expect_collect(f, 1000, settled);

    vt_settle_touch_below(f->settle, f->dir, file, 1000, 2000);
    g_assert_cmpint(g_rename(sub, away), ==, 0);
    g_assert_cmpint(symlink(away, sub), ==, 0);
    /* The same path, the same file through the link: not followed. */
    expect_collect(f, 3000, none);
    g_assert_cmpuint(vt_settle_count(f->settle), ==, 0);
    vt_settle_touch_below(f->settle, f->dir, file, 1000, 4000);
    g_assert_cmpuint(vt_settle_count(f->settle), ==, 0);
    /* Without a root (the old form), lstat() would have followed it. */
    vt_settle_touch(f->settle, file, 1000, 5000);
    g_assert_cmpuint(vt_settle_count(f->settle), ==, 1);
    vt_settle_forget(f->settle, file);

    g_assert_cmpint(g_unlink(sub), ==, 0);
    g_assert_cmpint(g_unlink(moved), ==, 0);
    g_assert_cmpint(g_rmdir(away), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/settle/" name, fixture, NULL, setup, fn, teardown)
    ADD("below-link", test_below_link);
    ADD("unchanged-settles", test_unchanged_settles);
    ADD("growing-file-waits", test_growing_file_waits);
    ADD("vanished-dropped", test_vanished_dropped);
    ADD("replaced-restarts", test_replaced_restarts);
    ADD("mtime-change-restarts", test_mtime_change_restarts);
    ADD("deadlines-and-forget", test_deadlines_and_forget);
    ADD("zero-settle", test_zero_settle);
    ADD("many", test_many);
    vt_settle_free(NULL);
    return g_test_run();
}
