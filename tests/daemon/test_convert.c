/* test_convert.c: vt_convert_start() running the real vitrine-convert in a
 * GMainLoop, and stand-in children (shell scripts pointed at by
 * $VT_CONVERT) that hang, crash, flood their pipes or print nonsense. */
#include <glib.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "vt_convert.h"

/* A 64 x 48 grey-gradient baseline JPEG (vips jpegsave --Q 50 --strip). */
static const unsigned char small_jpeg[] = {
    0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x10, 0x0b, 0x0c, 0x0e, 0x0c, 0x0a, 0x10, 0x0e, 0x0d,
    0x0e, 0x12, 0x11, 0x10, 0x13, 0x18, 0x28, 0x1a, 0x18, 0x16, 0x16, 0x18, 0x31, 0x23, 0x25, 0x1d,
    0x28, 0x3a, 0x33, 0x3d, 0x3c, 0x39, 0x33, 0x38, 0x37, 0x40, 0x48, 0x5c, 0x4e, 0x40, 0x44, 0x57,
    0x45, 0x37, 0x38, 0x50, 0x6d, 0x51, 0x57, 0x5f, 0x62, 0x67, 0x68, 0x67, 0x3e, 0x4d, 0x71, 0x79,
    0x70, 0x64, 0x78, 0x5c, 0x65, 0x67, 0x63, 0xff, 0xdb, 0x00, 0x43, 0x01, 0x11, 0x12, 0x12, 0x18,
    0x15, 0x18, 0x2f, 0x1a, 0x1a, 0x2f, 0x63, 0x42, 0x38, 0x42, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
    0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
    0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
    0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0xff, 0xc0, 0x00, 0x11,
    0x08, 0x00, 0x30, 0x00, 0x40, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff,
    0xc4, 0x00, 0x16, 0x00, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x05, 0x07, 0x06, 0xff, 0xc4, 0x00, 0x15, 0x10, 0x01, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xff, 0xc4,
    0x00, 0x14, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xc4, 0x00, 0x14, 0x11, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01,
    0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00, 0xc3, 0x40, 0x84, 0x07, 0xc0, 0x84, 0x00, 0x84,
    0x08, 0x40, 0x7c, 0x08, 0x40, 0x08, 0x40, 0x84, 0x07, 0xc0, 0x84, 0x00, 0x84, 0x08, 0x40, 0x7c,
    0x08, 0x40, 0x10, 0xf8, 0x10, 0x80, 0xf8, 0x10, 0x80, 0x10, 0x81, 0x08, 0x0f, 0x81, 0x08, 0x01,
    0x08, 0x10, 0x80, 0xf8, 0x10, 0x80, 0x10, 0x81, 0x08, 0x0f, 0x81, 0x08, 0x02, 0x1f, 0x02, 0x10,
    0x1f, 0x02, 0x10, 0x02, 0x10, 0x21, 0x01, 0xf0, 0x21, 0x00, 0x21, 0x02, 0x10, 0x1f, 0x02, 0x10,
    0x02, 0x10, 0x21, 0x01, 0xf0, 0x21, 0x00, 0x7f, 0xff, 0xd9,

};

typedef struct {
    char *dir;
    char *images_dir;
    vt_config config;
    char *saved_convert; /* $VT_CONVERT before the test */
} fixture;

typedef struct {
    GMainLoop *loop;
    vt_convert_result *result;
    int calls;
    bool start_returned;
    bool called_inside_start;
} waiter;

static void rm_rf(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            rm_rf(child);
        }
        g_dir_close(d);
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}

static const char *real_child(void)
{
    static char path[4096];
    const char *bin = g_getenv("VT_BIN_DIR");

    if (!bin)
        return NULL;
    g_snprintf(path, sizeof path, "%s/vitrine-convert", bin);
    return path;
}

static void fixture_setup(fixture *f, gconstpointer data)
{
    f->dir = g_dir_make_tmp("vt-convert-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->images_dir = g_build_filename(f->dir, "images", NULL);
    g_assert_cmpint(g_mkdir(f->images_dir, 0755), ==, 0);
    memset(&f->config, 0, sizeof f->config);
    f->config.images_dir = f->images_dir;
    f->config.images_base_url = (char *)"https://images.example.org/iiif";
    f->config.server = VT_SERVER_CANTALOUPE;
    f->config.max_pixels = 1000000000u;
    f->config.tile_size = 512;
    f->config.quality = 85;
    f->config.thumbnail_size = 400;
    f->config.download_size = 2048;
    f->config.convert_timeout_seconds = 120;
    f->config.convert_memory_mb = 2048;
    f->saved_convert = g_strdup(g_getenv("VT_CONVERT"));
    if (real_child())
        g_setenv("VT_CONVERT", real_child(), TRUE);
}

static void fixture_teardown(fixture *f, gconstpointer data)
{
    if (f->saved_convert)
        g_setenv("VT_CONVERT", f->saved_convert, TRUE);
    else
        g_unsetenv("VT_CONVERT");
    g_free(f->saved_convert);
    rm_rf(f->dir);
    g_free(f->images_dir);
    g_free(f->dir);
}

static char *write_file(fixture *f, const char *name, const void *data, gssize len)
{
    char *path = g_build_filename(f->dir, name, NULL);
    g_assert_true(g_file_set_contents(path, data, len, NULL));
    return path;
}

/* A stand-in for vitrine-convert: a shell script, made current. */
static void use_script(fixture *f, const char *name, const char *body)
{
    g_autofree char *text = g_strdup_printf("#!/bin/sh\n%s\n", body);
    g_autofree char *path = write_file(f, name, text, -1);
    g_assert_cmpint(g_chmod(path, 0755), ==, 0);
    g_setenv("VT_CONVERT", path, TRUE);
}

static void on_done(vt_convert_result *result, void *data)
{
    waiter *w = data;

    if (!w->start_returned)
        w->called_inside_start = true;
    w->calls++;
    w->result = result;
    g_main_loop_quit(w->loop);
}

static gboolean on_stuck(gpointer data)
{
    g_error("the conversion never reported back");
    return G_SOURCE_REMOVE;
}

/* Runs one conversion to its end in a main loop of its own, with the
 * asset's own @rights (NULL: none). */
static vt_convert_result *run_rights(fixture *f, const char *input, const char *id,
                                     const char *rights)
{
    waiter w = { 0 };
    GMainContext *context = g_main_context_new();

    g_main_context_push_thread_default(context);
    w.loop = g_main_loop_new(context, FALSE);
    GSource *stuck = g_timeout_source_new_seconds(100);
    g_source_set_callback(stuck, on_stuck, NULL, NULL);
    g_source_attach(stuck, context);

    g_assert_cmpint(vt_convert_start(&f->config, input, id, VT_VISIBILITY_PUBLIC, rights, on_done, &w), ==, VT_OK);
    w.start_returned = true;
    g_main_loop_run(w.loop);
    /* Give a wrongly repeated callback its chance to show. */
    while (g_main_context_iteration(context, FALSE))
        ;

    g_source_destroy(stuck);
    g_source_unref(stuck);
    g_main_loop_unref(w.loop);
    g_main_context_pop_thread_default(context);
    g_main_context_unref(context);
    g_assert_cmpint(w.calls, ==, 1);
    g_assert_false(w.called_inside_start);
    g_assert_nonnull(w.result);
    if (w.result->status != VT_OK)
        g_test_message("%s: %s", vt_strerror(w.result->status), w.result->message);
    return w.result;
}

static vt_convert_result *run(fixture *f, const char *input, const char *id)
{
    return run_rights(f, input, id, NULL);
}

static void assert_no_tmp(fixture *f)
{
    GDir *d = g_dir_open(f->images_dir, 0, NULL);
    const char *name;

    g_assert_nonnull(d);
    while ((name = g_dir_read_name(d)))
        g_assert_false(g_str_has_prefix(name, ".tmp-"));
    g_dir_close(d);
}

static void assert_failure(vt_convert_result *r, vt_status status, const char *phrase)
{
    g_assert_cmpint(r->status, ==, status);
    g_assert_null(r->result);
    g_assert_nonnull(r->message);
    if (!strstr(r->message, phrase))
        g_error("\"%s\" is not in the message \"%s\"", phrase, r->message);
    g_assert_null(strchr(r->message, '\n'));
}

/* ------------------------------------------------------------------ */

static void test_success(fixture *f, gconstpointer data)
{
    if (!real_child()) {
        g_test_skip("VT_BIN_DIR is not set");
        return;
    }
    g_autofree char *in = write_file(f, "small.jpg", small_jpeg, sizeof small_jpeg);
    vt_convert_result *r = run(f, in, "a1b2c3d4e5f6");

    g_assert_cmpint(r->status, ==, VT_OK);
    g_assert_null(r->message);
    g_assert_true(json_is_object(r->result));
    g_assert_cmpint(json_integer_value(json_object_get(r->result, "width")), ==, 64);
    g_assert_cmpint(json_integer_value(json_object_get(r->result, "height")), ==, 48);
    g_assert_cmpstr(json_string_value(json_object_get(r->result, "format")), ==, "jpeg");
    const char *image = json_string_value(json_object_get(r->result, "image"));
    g_autofree char *want = g_build_filename(f->images_dir, "a1b2c3d4e5f6.tif", NULL);
    g_assert_cmpstr(image, ==, want);
    g_assert_true(g_file_test(image, G_FILE_TEST_IS_REGULAR));
    g_assert_cmpfloat(r->seconds, >, 0.0);
    g_assert_cmpfloat(r->seconds, <, 60.0);
    assert_no_tmp(f);
    vt_convert_result_free(r);

    /* Static tiles through the same path. */
    f->config.server = VT_SERVER_STATIC;
    r = run(f, in, "static1");
    g_assert_cmpint(r->status, ==, VT_OK);
    g_autofree char *info = g_build_filename(f->images_dir, "static1", "info.json", NULL);
    g_assert_true(g_file_test(info, G_FILE_TEST_IS_REGULAR));
    vt_convert_result_free(r);
}

static void test_bad_file(fixture *f, gconstpointer data)
{
    if (!real_child()) {
        g_test_skip("VT_BIN_DIR is not set");
        return;
    }
    g_autofree char *text = write_file(f, "notes.jpg", "Dear all,\nthe scanner is broken.\n", -1);
    vt_convert_result *r = run(f, text, "bad1");
    assert_failure(r, VT_ERR_BAD_IMAGE, "not an image file vitrine can read");
    g_assert_false(g_str_has_prefix(r->message, "vitrine-convert"));
    vt_convert_result_free(r);

    /* A truncated JPEG. */
    g_autofree char *cut = write_file(f, "cut.jpg", small_jpeg, sizeof small_jpeg / 2);
    r = run(f, cut, "bad2");
    assert_failure(r, VT_ERR_BAD_IMAGE, "truncated or damaged");
    vt_convert_result_free(r);
    assert_no_tmp(f);
}

static void test_over_limit(fixture *f, gconstpointer data)
{
    if (!real_child()) {
        g_test_skip("VT_BIN_DIR is not set");
        return;
    }
    g_autofree char *in = write_file(f, "small.jpg", small_jpeg, sizeof small_jpeg);
    f->config.max_pixels = 1000;
    vt_convert_result *r = run(f, in, "big1");
    assert_failure(r, VT_ERR_LIMIT,
                   "The image is 64 x 48 = 3072 pixels, over the limit of 1000 pixels");
    vt_convert_result_free(r);
}

static void test_timeout(fixture *f, gconstpointer data)
{
    g_autofree char *in = write_file(f, "small.jpg", small_jpeg, sizeof small_jpeg);
    use_script(f, "hang.sh", "exec sleep 60");
    f->config.convert_timeout_seconds = 1;

    vt_convert_result *r = run(f, in, "slow1");
    assert_failure(r, VT_ERR_BAD_IMAGE,
                   "Converting took longer than 1 seconds (vitrine.convert-timeout-seconds)");
    g_assert_cmpfloat(r->seconds, >=, 0.9);
    g_assert_cmpfloat(r->seconds, <, 30.0);
    vt_convert_result_free(r);
}

static void make_leftovers(fixture *f, const char *id)
{
    g_autofree char *work_name = g_strdup_printf(".tmp-%s.work", id);
    g_autofree char *work = g_build_filename(f->images_dir, work_name, NULL);
    g_autofree char *inner = g_build_filename(work, "vips-1234.v", NULL);
    g_autofree char *tif_name = g_strdup_printf(".tmp-%s.tif", id);
    g_autofree char *tif = g_build_filename(f->images_dir, tif_name, NULL);

    g_assert_cmpint(g_mkdir(work, 0700), ==, 0);
    g_assert_true(g_file_set_contents(inner, "x", -1, NULL));
    g_assert_true(g_file_set_contents(tif, "x", -1, NULL));
}

static void test_crash(fixture *f, gconstpointer data)
{
    g_autofree char *in = write_file(f, "small.jpg", small_jpeg, sizeof small_jpeg);
    use_script(f, "crash.sh", "echo 'VipsJpeg: something broke' >&2; kill -SEGV $$");
    make_leftovers(f, "crash1");

    vt_convert_result *r = run(f, in, "crash1");
    assert_failure(r, VT_ERR_BAD_IMAGE, "The converter crashed on this file (signal 11");
    g_assert_nonnull(strstr(r->message, "something broke"));
    assert_no_tmp(f);
    vt_convert_result_free(r);
}

/* The same crash, when the input is larger than half the free space: the
 * disk being full is the likely cause, so try again later. A sparse file
 * makes the input look that large without using the space. It is as large
 * as all the free space, not just over half of it, so that other tests
 * freeing space meanwhile (ctest runs them in parallel) cannot flip the
 * outcome. */
static void test_crash_disk_full(fixture *f, gconstpointer data)
{
    struct statvfs vfs;
    g_assert_cmpint(statvfs(f->images_dir, &vfs), ==, 0);
    guint64 free_space = (guint64)vfs.f_bavail * vfs.f_frsize;
    g_autofree char *in = g_build_filename(f->dir, "huge.tif", NULL);
    g_assert_true(g_file_set_contents(in, "II*", -1, NULL));
    if (truncate(in, (off_t)free_space) != 0) {
        g_test_skip("cannot make a sparse file that large here");
        return;
    }
    use_script(f, "crash.sh", "kill -SEGV $$");
    make_leftovers(f, "full1");

    vt_convert_result *r = run(f, in, "full1");
    assert_failure(r, VT_ERR_TRANSIENT, "the image disk is full");
    assert_no_tmp(f);
    vt_convert_result_free(r);
}

/* The child said how much its outputs need once it had read the header:
 * a crash with less than that free is a full disk, whatever the input's
 * size (a 700-byte JPEG here; issue 13 #4 was a 200 KB JPEG of
 * 30000 x 30000 pixels whose output was 88 MB). */
static void test_crash_expected_full(fixture *f, gconstpointer data)
{
    struct statvfs vfs;
    g_assert_cmpint(statvfs(f->images_dir, &vfs), ==, 0);
    guint64 free_space = (guint64)vfs.f_bavail * vfs.f_frsize;
    g_autofree char *in = write_file(f, "small.jpg", small_jpeg, sizeof small_jpeg);
    /* Far more than is free, so that other tests freeing space meanwhile
     * cannot flip the outcome. */
    g_autofree char *body = g_strdup_printf(
        "echo 'vitrine-convert: expected-output-bytes %" G_GUINT64_FORMAT "' >&2; kill -SEGV $$",
        free_space * 2 + 1000000000);
    use_script(f, "crash.sh", body);
    make_leftovers(f, "full2");

    vt_convert_result *r = run(f, in, "full2");
    assert_failure(r, VT_ERR_TRANSIENT, "the image disk is full");
    g_assert_null(strstr(r->message, "expected-output-bytes"));
    assert_no_tmp(f);
    vt_convert_result_free(r);
}

/* ... and with room to spare, a crash is the file's fault; the figure
 * line is not taken for what the converter said. */
static void test_crash_expected_room(fixture *f, gconstpointer data)
{
    g_autofree char *in = write_file(f, "small.jpg", small_jpeg, sizeof small_jpeg);
    use_script(f, "crash.sh",
               "echo 'vitrine-convert: expected-output-bytes 1000' >&2; "
               "echo 'VipsJpeg: something broke' >&2; kill -SEGV $$");

    vt_convert_result *r = run(f, in, "room1");
    assert_failure(r, VT_ERR_BAD_IMAGE, "probably damaged");
    g_assert_nonnull(strstr(r->message, "something broke"));
    g_assert_null(strstr(r->message, "expected-output-bytes"));
    vt_convert_result_free(r);

    /* The figure alone, then the crash: nothing else said. */
    use_script(f, "crash2.sh", "echo 'vitrine-convert: expected-output-bytes 1000' >&2; "
                               "kill -SEGV $$");
    r = run(f, in, "room2");
    assert_failure(r, VT_ERR_BAD_IMAGE, "probably damaged");
    g_assert_null(strstr(r->message, "expected-output-bytes"));
    vt_convert_result_free(r);
}

/* Runs the vips command line; false if it is not there or fails. */
static bool vips_cli(const char *const *args)
{
    g_autofree char *err = NULL;
    int status = 0;
    return g_spawn_sync(NULL, (char **)args, NULL,
                        G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                        &err, &status, NULL) &&
           g_spawn_check_wait_status(status, NULL);
}

/* Issue 13 #4 for real: the image folder is a 6 MB tmpfs, the input a
 * 4000 x 4000 PNG of repeated grain that deflate packs into far less than
 * 3 MB (so twice the input "fits"), while its JPEG pyramid does not. The
 * full disk is "try again later", never "probably damaged". Needs root
 * (mount) and the vips command. */
static void test_tmpfs_full(fixture *f, gconstpointer data)
{
    g_autofree char *vips = g_find_program_in_path("vips");
    if (!real_child() || geteuid() != 0 || !vips) {
        g_test_skip("needs VT_BIN_DIR, root and the vips command");
        return;
    }
    g_autofree char *noise = g_build_filename(f->dir, "noise.v", NULL);
    g_autofree char *grain = g_build_filename(f->dir, "grain.v", NULL);
    g_autofree char *big = g_build_filename(f->dir, "big.v", NULL);
    g_autofree char *png = g_build_filename(f->dir, "grain.png", NULL);
    const char *a1[] = { "vips", "gaussnoise", noise, "64", "64", "--sigma", "60", NULL };
    const char *a2[] = { "vips", "cast", noise, grain, "uchar", NULL };
    const char *a3[] = { "vips", "replicate", grain, big, "63", "63", NULL };
    const char *a4[] = { "vips", "pngsave", big, png, "--compression", "9", NULL };
    g_assert_true(vips_cli(a1) && vips_cli(a2) && vips_cli(a3) && vips_cli(a4));
    g_unlink(big);
    struct stat st;
    g_assert_cmpint(stat(png, &st), ==, 0);

    g_autofree char *disk = g_build_filename(f->dir, "small-disk", NULL);
    g_assert_cmpint(g_mkdir(disk, 0755), ==, 0);
    if (mount("tmpfs", disk, "tmpfs", MS_NOSUID | MS_NODEV, "size=6m") != 0) {
        g_test_skip("cannot mount a tmpfs here");
        return;
    }
    struct statvfs vfs;
    g_assert_cmpint(statvfs(disk, &vfs), ==, 0);
    guint64 free_space = (guint64)vfs.f_bavail * vfs.f_frsize;
    f->config.images_dir = disk;
    vt_convert_result *r = run(f, png, "full3");
    f->config.images_dir = f->images_dir;
    g_assert_cmpint(umount(disk), ==, 0);

    g_test_message("input %lld bytes, %" G_GUINT64_FORMAT " bytes free: %s: %s",
                   (long long)st.st_size, free_space, vt_strerror(r->status),
                   r->message ? r->message : "");
    /* Twice the input fits: the old rule would have blamed the file. */
    g_assert_cmpuint(2 * (guint64)st.st_size, <, free_space);
    g_assert_cmpint(r->status, ==, VT_ERR_TRANSIENT);
    g_assert_null(strstr(r->message, "damaged"));
    vt_convert_result_free(r);
}

/* The real child with its arguments from the config: the loaders allowed
 * (ImageMagick never: an XPM is text that it reads as a picture), and
 * GIF only when images.loaders names it. */
static void test_loaders(fixture *f, gconstpointer data)
{
    if (!real_child()) {
        g_test_skip("VT_BIN_DIR is not set");
        return;
    }
    static const char xpm[] = "/* XPM */\nstatic char *x[] = {\n\"2 2 1 1\",\n"
                              "\"a c #ff0000\",\n\"aa\",\n\"aa\"};\n";
    /* A 1 x 1 GIF, made by hand: header, screen, colour table, image. */
    static const unsigned char gif[] = {
        'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff,
        ',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, ';',
    };
    g_autofree char *x = write_file(f, "drawing.xpm", xpm, sizeof xpm - 1);
    g_autofree char *g = write_file(f, "tiny.gif", gif, sizeof gif);

    vt_convert_result *r = run(f, x, "xpm1");
    assert_failure(r, VT_ERR_BAD_IMAGE, "not an image file vitrine can read");
    vt_convert_result_free(r);

    char *defaults[] = { (char *)"jpeg", (char *)"tiff", (char *)"png", NULL };
    f->config.loaders = defaults;
    r = run(f, g, "gif1");
    assert_failure(r, VT_ERR_BAD_IMAGE, "images.loaders");
    vt_convert_result_free(r);

    char *with_gif[] = { (char *)"jpeg", (char *)"gif", NULL };
    f->config.loaders = with_gif;
    r = run(f, g, "gif2");
    g_assert_cmpint(r->status, ==, VT_OK);
    g_assert_cmpstr(json_string_value(json_object_get(r->result, "format")), ==, "gif");
    vt_convert_result_free(r);

    /* Only what the list names: a JPEG is refused where it names GIF alone. */
    char *only_gif[] = { (char *)"gif", NULL };
    f->config.loaders = only_gif;
    g_autofree char *j = write_file(f, "small.jpg", small_jpeg, sizeof small_jpeg);
    r = run(f, j, "jpeg1");
    assert_failure(r, VT_ERR_BAD_IMAGE, "images.loaders");
    vt_convert_result_free(r);
    f->config.loaders = NULL;
}

/* What exiftool reads as @tag ("-XMP-xmpRights:WebStatement") in @path. */
static char *exiftool_tag(const char *path, const char *tag)
{
    const char *argv[] = { "exiftool", "-s3", tag, path, NULL };
    char *out = NULL;
    int status = 0;
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                               &out, NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    return g_strstrip(out);
}

/* [site] rights and attribution reach the child and land in the
 * download; an asset's own rights value wins over the site's. */
static void test_rights(fixture *f, gconstpointer data)
{
    g_autofree char *exiftool = g_find_program_in_path("exiftool");
    if (!real_child() || !exiftool) {
        g_test_skip("needs VT_BIN_DIR and exiftool");
        return;
    }
    g_autofree char *in = write_file(f, "small.jpg", small_jpeg, sizeof small_jpeg);
    f->config.site_rights = (char *)"http://creativecommons.org/licenses/by/4.0/";
    f->config.site_attribution = (char *)"Stadsarchief \xC3\xA9 <Gent>";

    vt_convert_result *r = run(f, in, "site1");
    g_assert_cmpint(r->status, ==, VT_OK);
    const char *download = json_string_value(json_object_get(r->result, "download"));
    g_autofree char *web = exiftool_tag(download, "-XMP-xmpRights:WebStatement");
    g_autofree char *credit = exiftool_tag(download, "-XMP-photoshop:Credit");
    g_assert_cmpstr(web, ==, "http://creativecommons.org/licenses/by/4.0/");
    g_assert_cmpstr(credit, ==, "Stadsarchief \xC3\xA9 <Gent>");
    vt_convert_result_free(r);

    r = run_rights(f, in, "asset1", "http://rightsstatements.org/vocab/InC/1.0/");
    g_assert_cmpint(r->status, ==, VT_OK);
    download = json_string_value(json_object_get(r->result, "download"));
    g_autofree char *own = exiftool_tag(download, "-XMP-xmpRights:WebStatement");
    g_assert_cmpstr(own, ==, "http://rightsstatements.org/vocab/InC/1.0/");
    /* The thumbnail stays bare. */
    g_autofree char *thumb_web = exiftool_tag(
        json_string_value(json_object_get(r->result, "thumbnail")), "-XMP-xmpRights:WebStatement");
    g_assert_cmpstr(thumb_web, ==, "");
    vt_convert_result_free(r);
}

static void test_asset_rights(void)
{
    json_t *m = json_pack("{s:[{s:s},{s:s}]}", "rights", "value", "all rights reserved", "value",
                          "http://creativecommons.org/publicdomain/zero/1.0/");
    g_assert_cmpstr(vt_convert_asset_rights(m), ==,
                    "http://creativecommons.org/publicdomain/zero/1.0/");
    json_decref(m);
    m = json_pack("{s:[{s:s}]}", "rights", "value", "all rights reserved");
    g_assert_null(vt_convert_asset_rights(m));
    json_decref(m);
    g_assert_null(vt_convert_asset_rights(NULL));
}

static void test_not_writable(fixture *f, gconstpointer data)
{
    g_autofree char *in = write_file(f, "small.jpg", small_jpeg, sizeof small_jpeg);
    /* A script that would leave a mark if it ran. */
    g_autofree char *mark = g_build_filename(f->dir, "ran", NULL);
    g_autofree char *body = g_strdup_printf("touch '%s'; exit 0", mark);
    use_script(f, "mark.sh", body);

    g_autofree char *missing = g_build_filename(f->dir, "no-such-folder", NULL);
    f->config.images_dir = missing;
    vt_convert_result *r = run(f, in, "nowrite1");
    assert_failure(r, VT_ERR_TRANSIENT, "is not writable");
    g_assert_nonnull(strstr(r->message, missing));
    vt_convert_result_free(r);

    if (geteuid() != 0) {
        /* root writes through permissions; others see them. */
        f->config.images_dir = f->images_dir;
        g_assert_cmpint(g_chmod(f->images_dir, 0555), ==, 0);
        r = run(f, in, "nowrite2");
        assert_failure(r, VT_ERR_TRANSIENT, "is not writable");
        vt_convert_result_free(r);
        g_assert_cmpint(g_chmod(f->images_dir, 0755), ==, 0);
    }
    g_assert_false(g_file_test(mark, G_FILE_TEST_EXISTS));
}

static void test_no_child(fixture *f, gconstpointer data)
{
    g_autofree char *in = write_file(f, "small.jpg", small_jpeg, sizeof small_jpeg);
    g_autofree char *missing = g_build_filename(f->dir, "no-such-converter", NULL);
    g_setenv("VT_CONVERT", missing, TRUE);

    vt_convert_result *r = run(f, in, "nochild1");
    assert_failure(r, VT_ERR_TRANSIENT, "Could not start the converter");
    vt_convert_result_free(r);
}

static void test_child_misbehaves(fixture *f, gconstpointer data)
{
    g_autofree char *in = write_file(f, "small.jpg", small_jpeg, sizeof small_jpeg);

    use_script(f, "garbage.sh", "echo 'this is not json'; exit 0");
    vt_convert_result *r = run(f, in, "odd1");
    assert_failure(r, VT_ERR_INTERNAL, "not a JSON object");
    vt_convert_result_free(r);

    /* 3 MB of output: read to the end (the child must not block), kept to
     * the cap, and refused. */
    use_script(f, "flood.sh", "head -c 3000000 /dev/zero | tr '\\0' x; exit 0");
    r = run(f, in, "odd2");
    assert_failure(r, VT_ERR_INTERNAL, "printed more than");
    vt_convert_result_free(r);

    /* A noisy stderr: only the last line counts, and its status word. */
    use_script(f, "noisy.sh",
               "head -c 200000 /dev/zero | tr '\\0' '\\n' >&2;"
               "printf 'warning\\n\\377\\376 bytes\\n' >&2;"
               "echo 'vitrine-convert: over a limit: The image is too large' >&2; exit 65");
    r = run(f, in, "odd3");
    assert_failure(r, VT_ERR_LIMIT, "The image is too large");
    g_assert_cmpstr(r->message, ==, "The image is too large");
    vt_convert_result_free(r);

    use_script(f, "temp.sh", "echo 'vitrine-convert: temporary failure: disk gone' >&2; exit 75");
    r = run(f, in, "odd4");
    assert_failure(r, VT_ERR_TRANSIENT, "disk gone");
    vt_convert_result_free(r);

    use_script(f, "usage.sh", "echo 'vitrine-convert: invalid input: --id missing' >&2; exit 64");
    r = run(f, in, "odd5");
    assert_failure(r, VT_ERR_INTERNAL, "exit status 64");
    vt_convert_result_free(r);
}

/* The child runs niced, without core files, with a CPU limit, and (except
 * in sanitizer builds) with an address-space limit; what it reports on
 * stdout comes back as the result object. */
static void test_limits(fixture *f, gconstpointer data)
{
    g_autofree char *in = write_file(f, "small.jpg", small_jpeg, sizeof small_jpeg);
    use_script(f, "limits.sh",
               "printf '{\"as\":\"%s\",\"core\":\"%s\",\"cpu\":\"%s\",\"nice\":%s,"
               "\"arenas\":\"%s\"}\\n' \"$(ulimit -v)\" \"$(ulimit -c)\" \"$(ulimit -t)\" "
               "\"$(nice)\" \"$MALLOC_ARENA_MAX\"");
    f->config.convert_timeout_seconds = 100;
    f->config.convert_memory_mb = 3000;

    vt_convert_result *r = run(f, in, "limits1");
    g_assert_cmpint(r->status, ==, VT_OK);
    g_autofree char *dump = json_dumps(r->result, JSON_SORT_KEYS);
    g_test_message("child limits: %s", dump);
    json_t *o = r->result;
    g_assert_cmpstr(json_string_value(json_object_get(o, "core")), ==, "0");
    g_autofree char *cpu = g_strdup_printf("%d", 100 * MAX(1, (int)g_get_num_processors()) + 10);
    g_assert_cmpstr(json_string_value(json_object_get(o, "cpu")), ==, cpu);
    errno = 0;
    int own_nice = nice(0);
    g_assert_cmpint(json_integer_value(json_object_get(o, "nice")), ==, MIN(own_nice + 5, 19));
    g_assert_cmpstr(json_string_value(json_object_get(o, "arenas")), ==, "2");
#ifndef VT_SANITIZE
    g_assert_cmpstr(json_string_value(json_object_get(o, "as")), ==, "3072000"); /* KiB */
#endif
    vt_convert_result_free(r);
}

static void test_child_path(fixture *f, gconstpointer data)
{
    g_setenv("VT_CONVERT", "/opt/x/vitrine-convert", TRUE);
    g_assert_cmpstr(vt_convert_child_path(), ==, "/opt/x/vitrine-convert");
    g_unsetenv("VT_CONVERT");
    const char *path = vt_convert_child_path();
    g_assert_true(g_str_has_suffix(path, "/vitrine-convert"));
    if (real_child()) {
        /* The build puts the tests and vitrine-convert in one folder. */
        g_autofree char *a = g_canonicalize_filename(path, NULL);
        g_autofree char *b = g_canonicalize_filename(real_child(), NULL);
        g_assert_cmpstr(a, ==, b);
    }
}

static void never(vt_convert_result *result, void *data)
{
    g_error("done must not be called when start fails");
}

static void test_invalid(fixture *f, gconstpointer data)
{
    g_assert_cmpint(vt_convert_start(&f->config, "/x.jpg", "../up", VT_VISIBILITY_PUBLIC, NULL, never, NULL), ==,
                    VT_ERR_INVALID);
    g_assert_cmpint(vt_convert_start(&f->config, "/x.jpg", ".hidden", VT_VISIBILITY_PUBLIC, NULL, never, NULL), ==,
                    VT_ERR_INVALID);
    g_assert_cmpint(vt_convert_start(&f->config, NULL, "abc", VT_VISIBILITY_PUBLIC, NULL, never, NULL), ==, VT_ERR_INVALID);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    vt_convert_result_free(NULL);
}

static void test_cleanup(fixture *f, gconstpointer data)
{
    make_leftovers(f, "abc");
    g_autofree char *other = g_build_filename(f->images_dir, ".tmp-abcd.tif", NULL);
    g_autofree char *final = g_build_filename(f->images_dir, "abc.tif", NULL);
    g_assert_true(g_file_set_contents(other, "x", -1, NULL));
    g_assert_true(g_file_set_contents(final, "x", -1, NULL));

    vt_convert_cleanup(f->images_dir, "abc");
    g_autofree char *work = g_build_filename(f->images_dir, ".tmp-abc.work", NULL);
    g_assert_false(g_file_test(work, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(other, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(final, G_FILE_TEST_EXISTS));
    vt_convert_cleanup(f->images_dir, "abc");         /* nothing left: fine */
    vt_convert_cleanup(f->images_dir, "../images");   /* refused quietly */
    g_assert_true(g_file_test(f->images_dir, G_FILE_TEST_IS_DIR));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/convert/asset-rights", test_asset_rights);
#define ADD(name, fn) g_test_add(name, fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/convert/success", test_success);
    ADD("/convert/bad-file", test_bad_file);
    ADD("/convert/over-limit", test_over_limit);
    ADD("/convert/timeout", test_timeout);
    ADD("/convert/crash", test_crash);
    ADD("/convert/crash-disk-full", test_crash_disk_full);
    ADD("/convert/crash-expected-full", test_crash_expected_full);
    ADD("/convert/crash-expected-room", test_crash_expected_room);
    ADD("/convert/loaders", test_loaders);
    ADD("/convert/tmpfs-full", test_tmpfs_full);
    ADD("/convert/rights", test_rights);
    ADD("/convert/not-writable", test_not_writable);
    ADD("/convert/no-child", test_no_child);
    ADD("/convert/child-misbehaves", test_child_misbehaves);
    ADD("/convert/limits", test_limits);
    ADD("/convert/child-path", test_child_path);
    ADD("/convert/invalid", test_invalid);
    ADD("/convert/cleanup", test_cleanup);
#undef ADD
    return g_test_run();
}
