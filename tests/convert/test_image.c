/* test_image.c: vt_image_convert() in-process on images made here with
 * libvips: formats, colour, alpha, orientation, odd shapes, damaged and
 * hostile files, the TIFF's structure and the static IIIF tiles. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <vips/vips.h>

#include "vt_image.h"

typedef struct {
    char *dir;        /* temporary, removed after each test */
    char *images_dir; /* dir/images */
    VipsObject *ctx;  /* owns the images a test makes */
} fixture;

static int rm_cb(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            rm_cb(child);
        }
        g_dir_close(d);
        return g_rmdir(path);
    }
    return g_unlink(path);
}

/* libvips reports a damaged file with g_warning() besides the error we
 * test for; g_test makes warnings fatal; libvips' are let through. */
static gboolean fatal_filter(const char *domain, GLogLevelFlags level, const char *message,
                             gpointer data)
{
    return g_strcmp0(domain, "VIPS") != 0;
}

static void fixture_setup(fixture *f, gconstpointer data)
{
    f->dir = g_dir_make_tmp("vt-image-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->images_dir = g_build_filename(f->dir, "images", NULL);
    g_assert_cmpint(g_mkdir(f->images_dir, 0755), ==, 0);
    f->ctx = VIPS_OBJECT(vips_image_new());
    /* g_test resets the fatal handler before every test case. */
    g_test_log_set_fatal_handler(fatal_filter, NULL);
}

static void fixture_teardown(fixture *f, gconstpointer data)
{
    g_object_unref(f->ctx);
    rm_cb(f->dir);
    g_free(f->images_dir);
    g_free(f->dir);
}

static VipsImage **scratch(fixture *f, int n)
{
    return (VipsImage **)vips_object_local_array(f->ctx, n);
}

static char *path_in(fixture *f, const char *name)
{
    return g_build_filename(f->dir, name, NULL);
}

/* A w x h sRGB image: the left half black, the right half grey noise (so
 * that JPEG compression behaves as on a photograph). Borrowed from f->ctx. */
static VipsImage *make_rgb(fixture *f, int w, int h)
{
    VipsImage **t = scratch(f, 8);
    VipsImage *bands[3];

    g_assert_cmpint(vips_gaussnoise(&t[0], w, h, "mean", 160.0, "sigma", 30.0, NULL), ==, 0);
    g_assert_cmpint(vips_cast_uchar(t[0], &t[1], NULL), ==, 0);
    bands[0] = bands[1] = bands[2] = t[1];
    g_assert_cmpint(vips_bandjoin(bands, &t[2], 3, NULL), ==, 0);
    g_assert_cmpint(vips_xyz(&t[3], w, h, NULL), ==, 0);
    g_assert_cmpint(vips_extract_band(t[3], &t[4], 0, NULL), ==, 0);
    g_assert_cmpint(vips_relational_const1(t[4], &t[5], VIPS_OPERATION_RELATIONAL_MOREEQ,
                                           w / 2.0, NULL), ==, 0);
    g_assert_cmpint(vips_black(&t[6], w, h, "bands", 3, NULL), ==, 0);
    g_assert_cmpint(vips_ifthenelse(t[5], t[2], t[6], &t[7], NULL), ==, 0);
    VipsImage **u = scratch(f, 1);
    g_assert_cmpint(vips_copy(t[7], &u[0], "interpretation", VIPS_INTERPRETATION_sRGB, NULL),
                    ==, 0);
    return u[0];
}

static char *write_jpeg(fixture *f, VipsImage *image, const char *name)
{
    char *path = path_in(f, name);
    g_assert_cmpint(vips_jpegsave(image, path, "Q", 90, NULL), ==, 0);
    return path;
}

typedef struct {
    vt_status status;
    json_t *result;
} outcome;

/* The defaults, converting @input as @id into the fixture's folder. */
static void options_for(fixture *f, const char *input, const char *id, vt_image_options *opt)
{
    vt_image_options_init(opt);
    opt->input = input;
    opt->id = id;
    opt->images_dir = f->images_dir;
    opt->images_base_url = "https://images.example.org/iiif";
}

static outcome convert_with(fixture *f, const char *input, const char *id,
                            vt_image_server server, uint64_t max_pixels)
{
    vt_image_options opt;
    outcome o = { 0 };

    options_for(f, input, id, &opt);
    opt.server = server;
    if (max_pixels)
        opt.max_pixels = max_pixels;
    vt_error_clear();
    o.status = vt_image_convert(&opt, &o.result);
    if (o.status != VT_OK)
        g_test_message("%s: %s", vt_strerror(o.status), vt_error_message());
    return o;
}

static json_t *convert_ok(fixture *f, const char *input, const char *id)
{
    outcome o = convert_with(f, input, id, VT_SERVER_CANTALOUPE, 0);
    g_assert_cmpint(o.status, ==, VT_OK);
    g_assert_true(json_is_object(o.result));
    return o.result;
}

static int jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    g_assert_true(json_is_integer(v));
    return (int)json_integer_value(v);
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    g_assert_true(json_is_string(v));
    return json_string_value(v);
}

/* No temporary name of any id may be left in images_dir. */
static void assert_no_tmp(fixture *f)
{
    GDir *d = g_dir_open(f->images_dir, 0, NULL);
    const char *name;

    g_assert_nonnull(d);
    while ((name = g_dir_read_name(d)))
        g_assert_false(g_str_has_prefix(name, ".tmp-"));
    g_dir_close(d);
}

static VipsImage *open_output(fixture *f, const char *path)
{
    VipsImage **t = scratch(f, 1);
    t[0] = vips_image_new_from_file(path, NULL);
    g_assert_nonnull(t[0]);
    return t[0];
}

static void assert_pixel(VipsImage *image, int x, int y, double min, double max)
{
    double *v;
    int n;

    g_assert_cmpint(vips_getpoint(image, &v, &n, x, y, NULL), ==, 0);
    for (int i = 0; i < n; i++) {
        g_assert_cmpfloat(v[i], >=, min);
        g_assert_cmpfloat(v[i], <=, max);
    }
    g_free(v);
}

/* --- A minimal reader of classic TIFF structure, so that the test checks
 * the file itself rather than what libvips makes of it. */

typedef struct {
    int n_ifds;
    bool subifds;       /* any IFD with a SubIFDs tag (330) */
    long tile_width, tile_length, compression, width, height; /* first IFD */
} tiff_info;

static unsigned rd16(const guchar *p, bool le)
{
    return le ? (unsigned)(p[0] | p[1] << 8) : (unsigned)(p[0] << 8 | p[1]);
}

static unsigned long rd32(const guchar *p, bool le)
{
    return le ? (unsigned long)p[0] | (unsigned long)p[1] << 8 | (unsigned long)p[2] << 16 |
                    (unsigned long)p[3] << 24
              : (unsigned long)p[3] | (unsigned long)p[2] << 8 | (unsigned long)p[1] << 16 |
                    (unsigned long)p[0] << 24;
}

static tiff_info read_tiff(const char *path)
{
    g_autofree char *data = NULL;
    gsize len;
    tiff_info ti = { 0 };

    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    const guchar *b = (const guchar *)data;
    g_assert_cmpuint(len, >=, 8);
    bool le = b[0] == 'I';
    g_assert_cmpuint(rd16(b + 2, le), ==, 42); /* classic TIFF, not BigTIFF */
    unsigned long off = rd32(b + 4, le);
    while (off && ti.n_ifds < 64) {
        g_assert_cmpuint(off + 2, <=, len);
        unsigned n = rd16(b + off, le);
        g_assert_cmpuint(off + 2 + 12 * n + 4, <=, len);
        for (unsigned i = 0; i < n; i++) {
            const guchar *e = b + off + 2 + 12 * i;
            unsigned tag = rd16(e, le), type = rd16(e + 2, le);
            long value = type == 3 ? (long)rd16(e + 8, le) : (long)rd32(e + 8, le);
            if (tag == 330)
                ti.subifds = true;
            if (ti.n_ifds > 0)
                continue;
            if (tag == 256)
                ti.width = value;
            else if (tag == 257)
                ti.height = value;
            else if (tag == 259)
                ti.compression = value;
            else if (tag == 322)
                ti.tile_width = value;
            else if (tag == 323)
                ti.tile_length = value;
        }
        ti.n_ifds++;
        off = rd32(b + off + 2 + 12 * n, le);
    }
    return ti;
}

/* ------------------------------------------------------------------ */

static void test_jpeg(fixture *f, gconstpointer data)
{
    g_autofree char *in = write_jpeg(f, make_rgb(f, 1800, 1200), "photo.jpg");
    json_t *r = convert_ok(f, in, "2024.0001");

    g_assert_cmpint(jint(r, "width"), ==, 1800);
    g_assert_cmpint(jint(r, "height"), ==, 1200);
    g_assert_cmpstr(jstr(r, "format"), ==, "jpeg");
    g_assert_cmpint(jint(r, "bands"), ==, 3);
    g_assert_cmpstr(jstr(r, "interpretation"), ==, "srgb");
    g_assert_cmpint(jint(r, "bits"), ==, 8);
    g_assert_true(json_is_false(json_object_get(r, "has_alpha")));
    g_assert_true(json_is_false(json_object_get(r, "icc")));
    g_assert_cmpint(jint(r, "orientation"), ==, 1);
    g_assert_true(json_is_null(json_object_get(r, "tiles")));
    g_assert_true(json_is_object(json_object_get(r, "embedded")));

    g_autofree char *tif = g_build_filename(f->images_dir, "2024.0001.tif", NULL);
    g_autofree char *thumb =
        g_build_filename(f->images_dir, "derivatives", "2024.0001-thumb.jpg", NULL);
    g_autofree char *download =
        g_build_filename(f->images_dir, "derivatives", "2024.0001-download.jpg", NULL);
    g_assert_cmpstr(jstr(r, "image"), ==, tif);
    g_assert_cmpstr(jstr(r, "thumbnail"), ==, thumb);
    g_assert_cmpstr(jstr(r, "download"), ==, download);

    /* The pyramid: a chain of IFDs (1800 -> 900 -> 450), 512 px tiles, JPEG. */
    tiff_info ti = read_tiff(tif);
    g_assert_cmpint(ti.n_ifds, ==, 3);
    g_assert_false(ti.subifds);
    g_assert_cmpint(ti.width, ==, 1800);
    g_assert_cmpint(ti.height, ==, 1200);
    g_assert_cmpint(ti.tile_width, ==, 512);
    g_assert_cmpint(ti.tile_length, ==, 512);
    g_assert_cmpint(ti.compression, ==, 7); /* COMPRESSION_JPEG */
    VipsImage *out = open_output(f, tif);
    g_assert_cmpint(vips_image_get_n_pages(out), ==, 3);
    assert_pixel(out, 10, 10, 0, 8);        /* the black half stayed black */
    assert_pixel(out, 1700, 600, 60, 255);

    /* Derivatives: longest side 400 and 1800 (never enlarged to 2048). */
    VipsImage *t = open_output(f, thumb);
    g_assert_cmpint(t->Xsize, ==, 400);
    g_assert_cmpint(t->Ysize, ==, 267);
    g_assert_cmpint(t->Bands, ==, 3);
    g_assert_cmpint(jint(r, "thumbnail_width"), ==, 400);
    VipsImage *d = open_output(f, download);
    g_assert_cmpint(d->Xsize, ==, 1800);
    g_assert_cmpint(d->Ysize, ==, 1200);
    g_assert_cmpint(jint(r, "download_height"), ==, 1200);
    assert_no_tmp(f);
    json_decref(r);
}

static void test_png_alpha_white(fixture *f, gconstpointer data)
{
    VipsImage *rgb = make_rgb(f, 640, 480);
    VipsImage **t = scratch(f, 5);

    /* Alpha 0 on the left half, where the colour underneath is black. */
    g_assert_cmpint(vips_extract_band(rgb, &t[0], 0, NULL), ==, 0);
    g_assert_cmpint(vips_relational_const1(t[0], &t[1], VIPS_OPERATION_RELATIONAL_MORE, 0.0, NULL),
                    ==, 0);
    VipsImage *bands[2] = { rgb, t[1] };
    g_assert_cmpint(vips_bandjoin(bands, &t[2], 2, NULL), ==, 0);
    g_autofree char *in = path_in(f, "alpha.png");
    g_assert_cmpint(vips_pngsave(t[2], in, NULL), ==, 0);

    json_t *r = convert_ok(f, in, "alpha");
    g_assert_cmpstr(jstr(r, "format"), ==, "png");
    g_assert_cmpint(jint(r, "bands"), ==, 4);
    g_assert_true(json_is_true(json_object_get(r, "has_alpha")));

    VipsImage *out = open_output(f, jstr(r, "image"));
    g_assert_cmpint(out->Bands, ==, 3);
    assert_pixel(out, 0, 0, 245, 255);     /* white, not black */
    assert_pixel(out, 0, 479, 245, 255);
    VipsImage *thumb = open_output(f, jstr(r, "thumbnail"));
    assert_pixel(thumb, 0, 0, 240, 255);
    json_decref(r);
}

static void test_tiff16(fixture *f, gconstpointer data)
{
    VipsImage *rgb = make_rgb(f, 600, 400);
    VipsImage **t = scratch(f, 3);

    g_assert_cmpint(vips_cast(rgb, &t[0], VIPS_FORMAT_USHORT, NULL), ==, 0);
    g_assert_cmpint(vips_linear1(t[0], &t[1], 257.0, 0.0, NULL), ==, 0);
    g_assert_cmpint(vips_cast(t[1], &t[2], VIPS_FORMAT_USHORT, NULL), ==, 0);
    VipsImage **u = scratch(f, 1);
    g_assert_cmpint(vips_copy(t[2], &u[0], "interpretation", VIPS_INTERPRETATION_RGB16, NULL),
                    ==, 0);
    g_autofree char *in = path_in(f, "sixteen.tif");
    g_assert_cmpint(vips_tiffsave(u[0], in, NULL), ==, 0);

    json_t *r = convert_ok(f, in, "sixteen");
    g_assert_cmpstr(jstr(r, "format"), ==, "tiff");
    g_assert_cmpint(jint(r, "bits"), ==, 16);
    g_assert_cmpstr(jstr(r, "interpretation"), ==, "rgb16");
    VipsImage *out = open_output(f, jstr(r, "image"));
    g_assert_cmpint(out->BandFmt, ==, VIPS_FORMAT_UCHAR);
    g_assert_cmpint(out->Bands, ==, 3);
    /* 8-bit values in 0..255, not 16-bit values clipped to 255 */
    assert_pixel(out, 10, 10, 0, 8);
    double mean;
    g_assert_cmpint(vips_avg(out, &mean, NULL), ==, 0);
    g_assert_cmpfloat(mean, >, 50);
    g_assert_cmpfloat(mean, <, 120);
    json_decref(r);
}

static char *write_cmyk(fixture *f, const char *name, bool with_profile)
{
    VipsImage *rgb = make_rgb(f, 500, 300);
    VipsImage **t = scratch(f, 2);

    /* Ink: 255 - rgb in CMY, plus a little K. */
    g_assert_cmpint(vips_linear1(rgb, &t[0], -1.0, 255.0, "uchar", TRUE, NULL), ==, 0);
    g_assert_cmpint(vips_bandjoin_const1(t[0], &t[1], 10.0, NULL), ==, 0);
    VipsImage **u = scratch(f, 1);
    g_assert_cmpint(vips_copy(t[1], &u[0], "interpretation", VIPS_INTERPRETATION_CMYK, NULL),
                    ==, 0);
    char *path = path_in(f, name);
    if (with_profile)
        g_assert_cmpint(vips_jpegsave(u[0], path, "profile", "cmyk", NULL), ==, 0);
    else
        g_assert_cmpint(vips_jpegsave(u[0], path, NULL), ==, 0);
    return path;
}

static void test_cmyk(fixture *f, gconstpointer data)
{
    for (int profile = 0; profile <= 1; profile++) {
        g_autofree char *in = write_cmyk(f, profile ? "cmyk-icc.jpg" : "cmyk.jpg", profile);
        json_t *r = convert_ok(f, in, profile ? "cmyk-icc" : "cmyk");

        g_assert_cmpstr(jstr(r, "interpretation"), ==, "cmyk");
        g_assert_cmpint(jint(r, "bands"), ==, 4);
        g_assert_true(json_is_boolean(json_object_get(r, "icc")));
        g_assert_cmpint(json_is_true(json_object_get(r, "icc")), ==, profile);
        VipsImage *out = open_output(f, jstr(r, "image"));
        g_assert_cmpint(out->Bands, ==, 3);
        g_assert_cmpint(out->Type, ==, VIPS_INTERPRETATION_sRGB);
        assert_pixel(out, 5, 5, 0, 70);            /* full ink: dark */
        VipsImage *thumb = open_output(f, jstr(r, "thumbnail"));
        g_assert_cmpint(thumb->Bands, ==, 3);
        json_decref(r);
    }
}

static void test_orientation(fixture *f, gconstpointer data)
{
    VipsImage **t = scratch(f, 1);
    g_assert_cmpint(vips_copy(make_rgb(f, 600, 400), &t[0], NULL), ==, 0);
    vips_image_set_int(t[0], VIPS_META_ORIENTATION, 6);
    g_autofree char *in = write_jpeg(f, t[0], "rotated.jpg");

    json_t *r = convert_ok(f, in, "rotated");
    g_assert_cmpint(jint(r, "orientation"), ==, 6);
    g_assert_cmpint(jint(r, "width"), ==, 400);
    g_assert_cmpint(jint(r, "height"), ==, 600);
    VipsImage *out = open_output(f, jstr(r, "image"));
    g_assert_cmpint(out->Xsize, ==, 400);
    g_assert_cmpint(out->Ysize, ==, 600);
    /* Turned 90 degrees clockwise: the black left half is now on top. */
    assert_pixel(out, 200, 20, 0, 10);
    assert_pixel(out, 20, 20, 0, 10);
    double *v;
    int n;
    g_assert_cmpint(vips_getpoint(out, &v, &n, 200, 580, NULL), ==, 0);
    g_assert_cmpfloat(v[0], >, 60);
    g_free(v);
    VipsImage *thumb = open_output(f, jstr(r, "thumbnail"));
    g_assert_cmpint(thumb->Xsize, ==, 267);
    g_assert_cmpint(thumb->Ysize, ==, 400);
    json_decref(r);
}

static void test_grey(fixture *f, gconstpointer data)
{
    VipsImage **t = scratch(f, 2);
    g_assert_cmpint(vips_extract_band(make_rgb(f, 500, 500), &t[0], 0, NULL), ==, 0);
    g_assert_cmpint(vips_copy(t[0], &t[1], "interpretation", VIPS_INTERPRETATION_B_W, NULL), ==, 0);
    g_autofree char *in = write_jpeg(f, t[1], "grey.jpg");

    json_t *r = convert_ok(f, in, "grey");
    g_assert_cmpint(jint(r, "bands"), ==, 1);
    g_assert_cmpstr(jstr(r, "interpretation"), ==, "b-w");
    VipsImage *out = open_output(f, jstr(r, "image"));
    g_assert_cmpint(out->Bands, ==, 1);
    g_assert_cmpint(out->BandFmt, ==, VIPS_FORMAT_UCHAR);
    VipsImage *thumb = open_output(f, jstr(r, "thumbnail"));
    g_assert_cmpint(thumb->Bands, ==, 3); /* derivatives are sRGB */
    json_decref(r);
}

static void test_webp(fixture *f, gconstpointer data)
{
    g_autofree char *in = path_in(f, "photo.webp");
    g_assert_cmpint(vips_webpsave(make_rgb(f, 700, 500), in, NULL), ==, 0);
    json_t *r = convert_ok(f, in, "webp");
    g_assert_cmpstr(jstr(r, "format"), ==, "webp");
    g_assert_cmpint(jint(r, "width"), ==, 700);
    json_decref(r);
}

static void test_tiny(fixture *f, gconstpointer data)
{
    VipsImage **t = scratch(f, 1);
    g_assert_cmpint(vips_black(&t[0], 1, 1, "bands", 3, NULL), ==, 0);
    g_autofree char *in = path_in(f, "dot.png");
    g_assert_cmpint(vips_pngsave(t[0], in, NULL), ==, 0);

    json_t *r = convert_ok(f, in, "dot");
    g_assert_cmpint(jint(r, "width"), ==, 1);
    g_assert_cmpint(jint(r, "thumbnail_width"), ==, 1);
    g_assert_cmpint(jint(r, "download_height"), ==, 1);
    tiff_info ti = read_tiff(jstr(r, "image"));
    g_assert_cmpint(ti.n_ifds, ==, 1);
    g_assert_cmpint(ti.width, ==, 1);
    json_decref(r);
}

static void test_strip(fixture *f, gconstpointer data)
{
    g_autofree char *in = write_jpeg(f, make_rgb(f, 30000, 200), "strip.jpg");
    json_t *r = convert_ok(f, in, "strip");
    g_assert_cmpint(jint(r, "width"), ==, 30000);
    g_assert_cmpint(jint(r, "height"), ==, 200);
    g_assert_cmpint(jint(r, "thumbnail_width"), ==, 400);
    g_assert_cmpint(jint(r, "thumbnail_height"), >=, 2);
    g_assert_cmpint(jint(r, "thumbnail_height"), <=, 3);
    g_assert_cmpint(jint(r, "download_width"), ==, 2048);
    tiff_info ti = read_tiff(jstr(r, "image"));
    g_assert_cmpint(ti.width, ==, 30000);
    g_assert_cmpint(ti.n_ifds, >, 1);
    json_decref(r);
}

/* The outputs of an earlier conversion of @id survive a failed one. */
static void assert_failed_cleanly(fixture *f, outcome o, vt_status want, const char *phrase)
{
    g_assert_cmpint(o.status, ==, want);
    g_assert_null(o.result);
    g_assert_nonnull(strstr(vt_error_message(), phrase));
    assert_no_tmp(f);
}

static void test_truncated(fixture *f, gconstpointer data)
{
    g_autofree char *good = write_jpeg(f, make_rgb(f, 2000, 1500), "good.jpg");
    g_autofree char *bytes = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(good, &bytes, &len, NULL));
    g_autofree char *cut = path_in(f, "cut.jpg");
    g_assert_true(g_file_set_contents(cut, bytes, (gssize)(len / 2), NULL));

    /* An earlier good conversion of the same id must survive. */
    json_decref(convert_ok(f, good, "cut"));
    outcome o = convert_with(f, cut, "cut", VT_SERVER_STATIC, 0);
    assert_failed_cleanly(f, o, VT_ERR_BAD_IMAGE, "truncated or damaged");
    g_autofree char *tif = g_build_filename(f->images_dir, "cut.tif", NULL);
    g_assert_true(g_file_test(tif, G_FILE_TEST_IS_REGULAR));
    g_autofree char *tiles = g_build_filename(f->images_dir, "cut", NULL);
    g_assert_false(g_file_test(tiles, G_FILE_TEST_EXISTS));
}

static void test_not_image(fixture *f, gconstpointer data)
{
    static const struct {
        const char *name, *content, *phrase;
    } cases[] = {
        { "notes.jpg", "Minutes of the meeting\nof the acquisitions board.\n", "text" },
        { "scan.pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF" },
        { "photos.zip", "PK\x03\x04\x14\x00\x00\x00", "ZIP" },
        { "page.html", "<!DOCTYPE html><html><body>x</body></html>", "HTML" },
        { "noise.bin", "\x01\x02\x03\x04\x05\x06\x07\x08\x00\xff", "not recognised" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *in = path_in(f, cases[i].name);
        g_assert_true(g_file_set_contents(in, cases[i].content, -1, NULL));
        outcome o = convert_with(f, in, "nope", VT_SERVER_CANTALOUPE, 0);
        assert_failed_cleanly(f, o, VT_ERR_BAD_IMAGE, cases[i].phrase);
        g_assert_nonnull(strstr(vt_error_message(), "not an image file vitrine can read"));
    }
    g_autofree char *empty = path_in(f, "empty.jpg");
    g_assert_true(g_file_set_contents(empty, "", 0, NULL));
    assert_failed_cleanly(f, convert_with(f, empty, "nope", VT_SERVER_CANTALOUPE, 0),
                          VT_ERR_BAD_IMAGE, "empty");
}

/* A JPEG whose frame header claims 60000 x 60000 over a 64 x 64 body:
 * decoding any pixel would fail, so LIMIT proves the check came first. */
static void test_over_limit(fixture *f, gconstpointer data)
{
    g_autofree char *small = write_jpeg(f, make_rgb(f, 64, 64), "small.jpg");
    g_autofree char *bytes = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(small, &bytes, &len, NULL));
    guchar *b = (guchar *)bytes;
    gsize sof = 0;
    for (gsize i = 2; i + 9 < len; i++) {
        if (b[i] == 0xFF && b[i + 1] == 0xC0) {
            sof = i;
            break;
        }
    }
    g_assert_cmpuint(sof, >, 0);
    b[sof + 5] = 60000 >> 8; /* height */
    b[sof + 6] = 60000 & 0xFF;
    b[sof + 7] = 60000 >> 8; /* width */
    b[sof + 8] = 60000 & 0xFF;
    g_autofree char *bomb = path_in(f, "bomb.jpg");
    g_assert_true(g_file_set_contents(bomb, bytes, (gssize)len, NULL));

    gint64 start = g_get_monotonic_time();
    outcome o = convert_with(f, bomb, "bomb", VT_SERVER_CANTALOUPE, 1000000000u);
    assert_failed_cleanly(f, o, VT_ERR_LIMIT,
                          "The image is 60000 x 60000 = 3.6 gigapixels, over the limit of "
                          "1.0 gigapixels (images.max-pixels)");
    g_assert_cmpint(g_get_monotonic_time() - start, <, G_USEC_PER_SEC);

    /* And an ordinary image one pixel over a small limit. */
    outcome o2 = convert_with(f, small, "small", VT_SERVER_CANTALOUPE, 64 * 64 - 1);
    assert_failed_cleanly(f, o2, VT_ERR_LIMIT, "64 x 64 = 4096 pixels");
}

static void test_static_tiles(fixture *f, gconstpointer data)
{
    g_autofree char *in = write_jpeg(f, make_rgb(f, 3000, 2000), "big.jpg");
    g_autofree char *tiles = g_build_filename(f->images_dir, "obj-7", NULL);
    g_autofree char *stale = g_build_filename(tiles, "stale.txt", NULL);

    /* Left over from an earlier attempt: must be replaced, not merged. */
    g_assert_cmpint(g_mkdir(tiles, 0755), ==, 0);
    g_assert_true(g_file_set_contents(stale, "old", -1, NULL));

    outcome o = convert_with(f, in, "obj-7", VT_SERVER_STATIC, 0);
    g_assert_cmpint(o.status, ==, VT_OK);
    json_t *r = o.result;
    g_assert_cmpstr(jstr(r, "tiles"), ==, tiles);
    g_assert_false(g_file_test(stale, G_FILE_TEST_EXISTS));

    g_autofree char *info_path = g_build_filename(tiles, "info.json", NULL);
    json_error_t jerr;
    json_t *info = json_load_file(info_path, 0, &jerr);
    g_assert_nonnull(info);
    g_assert_cmpstr(jstr(info, "id"), ==, "https://images.example.org/iiif/obj-7");
    g_assert_cmpstr(jstr(info, "type"), ==, "ImageService3");
    g_assert_cmpstr(jstr(info, "profile"), ==, "level0");
    g_assert_cmpint(jint(info, "width"), ==, 3000);
    g_assert_cmpint(jint(info, "height"), ==, 2000);
    json_t *tile = json_array_get(json_object_get(info, "tiles"), 0);
    g_assert_cmpint(jint(tile, "width"), ==, 512);
    /* Scale factors 1, 2, 4, 8: every level libvips wrote, the 375 x 250
     * one in a single tile included (libvips lists all but that one, and
     * OpenSeadragon then opens the image at the wrong size). Three sizes
     * would be taken by OpenSeadragon for the three levels below full, and
     * 2048 x 1365 is neither that level nor within one tile, so the
     * smallest level's and the thumbnail's are listed (the download stays
     * a level-0 URL all the same). */
    json_t *factors = json_object_get(tile, "scaleFactors");
    g_assert_cmpuint(json_array_size(factors), ==, 4);
    g_assert_cmpint(json_integer_value(json_array_get(factors, 3)), ==, 8);
    json_t *sizes = json_object_get(info, "sizes");
    g_assert_cmpuint(json_array_size(sizes), ==, 2);
    g_assert_cmpint(jint(json_array_get(sizes, 0), "width"), ==, 375);
    g_assert_cmpint(jint(json_array_get(sizes, 0), "height"), ==, 250);
    g_assert_cmpint(jint(json_array_get(sizes, 1), "width"), ==, 400);
    g_assert_cmpint(jint(json_array_get(sizes, 1), "height"), ==, 267);
    json_decref(info);

    static const char *const files[] = {
        "0,0,512,512/512,512/0/default.jpg",
        "2560,1536,440,464/440,464/0/default.jpg",
        "full/400,267/0/default.jpg",
        "full/400,/0/default.jpg",      /* the w, form, as Universal Viewer asks */
        "full/375,250/0/default.jpg",   /* the smallest level, as viewers ask for it */
        "full/2048,1365/0/default.jpg",
        "full/2048,/0/default.jpg",
        "thumbnail.jpg",                /* for a web server's rewrite of other w, */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *p = g_build_filename(tiles, files[i], NULL);
        g_assert_true(g_file_test(p, G_FILE_TEST_IS_REGULAR));
    }
    g_autofree char *full = g_build_filename(tiles, "full/2048,1365/0/default.jpg", NULL);
    VipsImage *d = open_output(f, full);
    g_assert_cmpint(d->Xsize, ==, 2048);
    g_autofree char *props = g_build_filename(tiles, "vips-properties.xml", NULL);
    g_assert_false(g_file_test(props, G_FILE_TEST_EXISTS));
    assert_no_tmp(f);
    json_decref(r);

    /* An image within one tile: libvips lists no scale factor at all
     * (OpenSeadragon then draws nothing); it gets [1], and full/max, which
     * OpenSeadragon asks for, exists. */
    g_autofree char *small = write_jpeg(f, make_rgb(f, 300, 200), "small.jpg");
    outcome o2 = convert_with(f, small, "obj-8", VT_SERVER_STATIC, 0);
    g_assert_cmpint(o2.status, ==, VT_OK);
    g_autofree char *small_info = g_build_filename(f->images_dir, "obj-8", "info.json", NULL);
    info = json_load_file(small_info, 0, &jerr);
    g_assert_nonnull(info);
    tile = json_array_get(json_object_get(info, "tiles"), 0);
    factors = json_object_get(tile, "scaleFactors");
    g_assert_cmpuint(json_array_size(factors), ==, 1);
    g_assert_cmpint(json_integer_value(json_array_get(factors, 0)), ==, 1);
    json_decref(info);
    static const char *const small_files[] = {"full/max/0/default.jpg",
                                              "full/300,200/0/default.jpg",
                                              "full/300,/0/default.jpg"};
    for (size_t i = 0; i < G_N_ELEMENTS(small_files); i++) {
        g_autofree char *p = g_build_filename(f->images_dir, "obj-8", small_files[i], NULL);
        g_assert_true(g_file_test(p, G_FILE_TEST_IS_REGULAR));
    }
    g_autofree char *max = g_build_filename(f->images_dir, "obj-8", "full/max/0/default.jpg", NULL);
    VipsImage *m = open_output(f, max);
    g_assert_cmpint(m->Xsize, ==, 300);
    g_assert_cmpint(m->Ysize, ==, 200);
    json_decref(o2.result);
}

static void test_embedded(fixture *f, gconstpointer data)
{
    static const char xmp[] =
        "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
        "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
        "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
        "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Blue vase</rdf:li></rdf:Alt></dc:title>"
        "</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>";
    VipsImage **t = scratch(f, 1);
    g_assert_cmpint(vips_copy(make_rgb(f, 320, 240), &t[0], NULL), ==, 0);
    vips_image_set_string(t[0], "exif-ifd0-Make", "Canon");
    vips_image_set_string(t[0], "exif-ifd0-Model", "Canon EOS 5D");
    vips_image_set_string(t[0], "exif-ifd0-Artist", "Jane Doe");
    vips_image_set_string(t[0], "exif-ifd2-DateTimeOriginal", "2019:05:01 12:34:56");
    vips_image_set_blob_copy(t[0], VIPS_META_XMP_NAME, xmp, sizeof xmp - 1);
    g_autofree char *in = write_jpeg(f, t[0], "meta.jpg");

    json_t *r = convert_ok(f, in, "meta");
    json_t *e = json_object_get(r, "embedded");
    g_autofree char *dump = json_dumps(e, JSON_SORT_KEYS | JSON_COMPACT);
    g_test_message("embedded: %s", dump);
    g_assert_cmpstr(jstr(json_array_get(json_object_get(e, "camera"), 0), "value"), ==,
                    "Canon EOS 5D");
    g_assert_cmpstr(jstr(json_array_get(json_object_get(e, "creator"), 0), "value"), ==,
                    "Jane Doe");
    g_assert_cmpstr(jstr(json_array_get(json_object_get(e, "date"), 0), "value"), ==,
                    "2019-05-01T12:34:56");
    g_assert_cmpstr(jstr(json_array_get(json_object_get(e, "title"), 0), "value"), ==,
                    "Blue vase");
    /* The published files carry no metadata. */
    VipsImage *out = open_output(f, jstr(r, "image"));
    g_assert_cmpint(vips_image_get_typeof(out, VIPS_META_XMP_NAME), ==, 0);
    g_assert_cmpint(vips_image_get_typeof(out, "exif-ifd0-Artist"), ==, 0);
    json_decref(r);
}

static void test_unwritable(fixture *f, gconstpointer data)
{
    g_autofree char *in = write_jpeg(f, make_rgb(f, 100, 100), "x.jpg");
    vt_image_options opt;

    vt_image_options_init(&opt);
    opt.input = in;
    opt.id = "x";
    opt.images_base_url = "https://example.org";
    g_autofree char *missing = g_build_filename(f->dir, "no-such-folder", NULL);
    opt.images_dir = missing;
    json_t *r = NULL;
    g_assert_cmpint(vt_image_convert(&opt, &r), ==, VT_ERR_TRANSIENT);
    g_assert_null(r);
    g_assert_nonnull(strstr(vt_error_message(), missing));

    opt.images_dir = f->images_dir;
    opt.id = "../escape";
    g_assert_cmpint(vt_image_convert(&opt, &r), ==, VT_ERR_INVALID);
    opt.id = ".hidden";
    g_assert_cmpint(vt_image_convert(&opt, &r), ==, VT_ERR_INVALID);
    g_assert_null(r);
}

/* download size 0 (an image server that makes downloads): the pyramid and
 * the thumbnail only; refused for static tiles, whose largest size is the
 * download. */
static void test_no_download(fixture *f, gconstpointer data)
{
    g_autofree char *in = write_jpeg(f, make_rgb(f, 1800, 1200), "photo.jpg");
    vt_image_options opt;
    options_for(f, in, "nodl", &opt);
    opt.download_size = 0;
    json_t *r = NULL;
    g_assert_cmpint(vt_image_convert(&opt, &r), ==, VT_OK);
    g_assert_true(json_is_null(json_object_get(r, "download")));
    g_assert_cmpint(jint(r, "download_width"), ==, 0);
    g_autofree char *tif = g_build_filename(f->images_dir, "nodl.tif", NULL);
    g_autofree char *thumb = g_build_filename(f->images_dir, "derivatives", "nodl-thumb.jpg", NULL);
    g_autofree char *download =
        g_build_filename(f->images_dir, "derivatives", "nodl-download.jpg", NULL);
    g_assert_cmpstr(jstr(r, "image"), ==, tif);
    g_assert_cmpstr(jstr(r, "thumbnail"), ==, thumb);
    g_assert_true(g_file_test(thumb, G_FILE_TEST_IS_REGULAR));
    g_assert_false(g_file_test(download, G_FILE_TEST_EXISTS));
    assert_no_tmp(f);
    json_decref(r);

    r = NULL;
    opt.server = VT_SERVER_STATIC;
    g_assert_cmpint(vt_image_convert(&opt, &r), ==, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "static tiles need a download"));
    g_assert_null(r);
}

static void test_cleanup(fixture *f, gconstpointer data)
{
    static const char *const leftovers[] = { ".tmp-a.tif", ".tmp-a.thumb.jpg", ".tmp-a.work" };
    static const char *const kept[] = { ".tmp-ab.tif", "a.tif", ".tmp-a.b.tif" };

    for (size_t i = 0; i < G_N_ELEMENTS(leftovers); i++) {
        g_autofree char *p = g_build_filename(f->images_dir, leftovers[i], NULL);
        if (g_str_has_suffix(p, ".work")) {
            g_assert_cmpint(g_mkdir(p, 0700), ==, 0);
            g_autofree char *inner = g_build_filename(p, "vips-1.v", NULL);
            g_assert_true(g_file_set_contents(inner, "x", -1, NULL));
        } else {
            g_assert_true(g_file_set_contents(p, "x", -1, NULL));
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(kept); i++) {
        g_autofree char *p = g_build_filename(f->images_dir, kept[i], NULL);
        g_assert_true(g_file_set_contents(p, "x", -1, NULL));
    }
    vt_image_cleanup(f->images_dir, "a");
    for (size_t i = 0; i < G_N_ELEMENTS(leftovers); i++) {
        g_autofree char *p = g_build_filename(f->images_dir, leftovers[i], NULL);
        g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(kept); i++) {
        g_autofree char *p = g_build_filename(f->images_dir, kept[i], NULL);
        g_assert_true(g_file_test(p, G_FILE_TEST_EXISTS));
    }
}

static void note_log(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
    g_test_message("libvips warned: %s", message);
}

static void drop_log(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
}

/* Issue 13 #4: a 200 KB JPEG of 30000 x 30000 pixels wrote 88 MB; the
 * estimate that tells a full disk from a damaged file must cover that, not
 * twice the input, and grow with what the conversion writes. */
static void test_expected_bytes(void)
{
    vt_image_options opt;
    vt_image_options_init(&opt);
    uint64_t big = vt_image_expected_bytes(&opt, 30000, 30000, 3, false);
    g_assert_cmpuint(big, >, 88u * 1000 * 1000);
    g_assert_cmpuint(big, <, 30000ull * 30000 * 3);
    g_assert_cmpuint(vt_image_expected_bytes(&opt, 30000, 30000, 3, true), >,
                     big + 30000ull * 30000 * 3 - 1);
    g_assert_cmpuint(vt_image_expected_bytes(&opt, 30000, 30000, 1, false), <, big);
    opt.server = VT_SERVER_STATIC;
    g_assert_cmpuint(vt_image_expected_bytes(&opt, 30000, 30000, 3, false), >, big);
    /* A small image still needs room for its derivatives. */
    opt.server = VT_SERVER_CANTALOUPE;
    g_assert_cmpuint(vt_image_expected_bytes(&opt, 10, 10, 3, false), >, 1000000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_log_set_handler("VIPS", G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG, drop_log, NULL);
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                      note_log, NULL);
    if (VIPS_INIT(argv[0]))
        g_error("libvips: %s", vips_error_buffer());
    vips_cache_set_max(0);

    g_test_add_func("/image/expected-bytes", test_expected_bytes);
#define ADD(name, fn) g_test_add(name, fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/image/jpeg", test_jpeg);
    ADD("/image/png-alpha-white", test_png_alpha_white);
    ADD("/image/tiff16", test_tiff16);
    ADD("/image/cmyk", test_cmyk);
    ADD("/image/orientation", test_orientation);
    ADD("/image/grey", test_grey);
    ADD("/image/webp", test_webp);
    ADD("/image/tiny", test_tiny);
    ADD("/image/strip", test_strip);
    ADD("/image/truncated", test_truncated);
    ADD("/image/not-image", test_not_image);
    ADD("/image/over-limit", test_over_limit);
    ADD("/image/static-tiles", test_static_tiles);
    ADD("/image/embedded", test_embedded);
    ADD("/image/unwritable", test_unwritable);
    ADD("/image/cleanup", test_cleanup);
    ADD("/image/no-download", test_no_download);
#undef ADD
    int rc = g_test_run();
    vips_shutdown();
    return rc;
}
