/* test_keep.c: the embedded metadata that published images keep
 * (vt_keep.h) through vt_image_convert(), read back with exiftool as a
 * visitor's tools would read it. The originals are made here with libvips
 * and given their metadata with exiftool. Skipped where exiftool is not
 * installed (Debian: libimage-exiftool-perl). */
#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <string.h>

#include <vips/vips.h>

#include "vt_image.h"
#include "vt_keep.h"

#define CC_BY "http://creativecommons.org/licenses/by/4.0/"
#define NOC "http://rightsstatements.org/vocab/NoC-NC/1.0/"
/* Markup characters and non-ASCII: libxml2 must escape them. */
#define ATTRIBUTION "Museum <Gent> & \"Co\" \xC2\xA9 2024"

typedef struct {
    char *dir;
    char *images_dir;
} fixture;

static char *exiftool;

static void rm_tree(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            rm_tree(child);
        }
        g_dir_close(d);
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}

static void drop_log(const char *domain, GLogLevelFlags level, const char *message,
                     gpointer data)
{
}

static gboolean fatal_filter(const char *domain, GLogLevelFlags level, const char *message,
                             gpointer data)
{
    return g_strcmp0(domain, "VIPS") != 0;
}

static void fixture_setup(fixture *f, gconstpointer data)
{
    f->dir = g_dir_make_tmp("vt-keep-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->images_dir = g_build_filename(f->dir, "images", NULL);
    g_assert_cmpint(g_mkdir(f->images_dir, 0755), ==, 0);
    g_test_log_set_fatal_handler(fatal_filter, NULL);
}

static void fixture_teardown(fixture *f, gconstpointer data)
{
    rm_tree(f->dir);
    g_free(f->images_dir);
    g_free(f->dir);
}

/* A w x h grey-noise sRGB original saved as @name (the suffix picks the
 * format). */
static char *make_original(fixture *f, const char *name, int w, int h)
{
    VipsImage *noise, *u, *rgb, *srgb;
    char *path = g_build_filename(f->dir, name, NULL);

    g_assert_cmpint(vips_gaussnoise(&noise, w, h, "mean", 128.0, "sigma", 30.0, NULL), ==, 0);
    g_assert_cmpint(vips_cast_uchar(noise, &u, NULL), ==, 0);
    VipsImage *bands[3] = { u, u, u };
    g_assert_cmpint(vips_bandjoin(bands, &rgb, 3, NULL), ==, 0);
    g_assert_cmpint(vips_copy(rgb, &srgb, "interpretation", VIPS_INTERPRETATION_sRGB, NULL), ==,
                    0);
    g_assert_cmpint(vips_image_write_to_file(srgb, path, NULL), ==, 0);
    g_object_unref(srgb);
    g_object_unref(rgb);
    g_object_unref(u);
    g_object_unref(noise);
    return path;
}

/* exiftool -overwrite_original TAG=VALUE ... @path */
static void exif_write(const char *path, const char *const *tags)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, exiftool);
    g_ptr_array_add(argv, (char *)"-q");
    g_ptr_array_add(argv, (char *)"-overwrite_original");
    for (size_t i = 0; tags[i]; i++)
        g_ptr_array_add(argv, (char *)tags[i]);
    g_ptr_array_add(argv, (char *)path);
    g_ptr_array_add(argv, NULL);
    g_autofree char *err = NULL;
    int status = 0;
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, &err, &status, NULL));
    g_ptr_array_free(argv, TRUE);
    if (!g_spawn_check_wait_status(status, NULL))
        g_error("exiftool could not write %s: %s", path, err);
}

/* What exiftool reads in @path: {"Group:Tag": value}, numbers as numbers
 * (-n: Orientation 1, not "Horizontal (normal)"). */
static json_t *exif_read(const char *path)
{
    const char *argv[] = { exiftool, "-j", "-G1", "-a", "-n", path, NULL };
    g_autofree char *out = NULL;
    int status = 0;
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, &out, NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    json_t *all = json_loads(out, 0, NULL);
    g_assert_true(json_is_array(all));
    json_t *tags = json_incref(json_array_get(all, 0));
    json_decref(all);
    g_assert_true(json_is_object(tags));
    return tags;
}

/* The tag's text: a string, the first of a list, or a number as text. */
static char *tag_text(json_t *tags, const char *key)
{
    json_t *v = json_object_get(tags, key);
    if (json_is_array(v))
        v = json_array_get(v, 0);
    if (json_is_string(v))
        return g_strdup(json_string_value(v));
    if (json_is_boolean(v))
        return g_strdup(json_is_true(v) ? "True" : "False");
    if (json_is_integer(v))
        return g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return NULL;
}

static void assert_tag(json_t *tags, const char *what, const char *key, const char *want)
{
    g_autofree char *have = tag_text(tags, key);
    if (g_strcmp0(have, want) != 0)
        g_error("%s: %s is \"%s\", want \"%s\"", what, key, have ? have : "(absent)", want);
}

static void assert_no_tag(json_t *tags, const char *what, const char *key)
{
    if (json_object_get(tags, key))
        g_error("%s: %s should be gone, is there", what, key);
}

/* No tag of @group ("GPS", "IPTC", "XMP-dc", ...) at all. */
static void assert_no_group(json_t *tags, const char *what, const char *group)
{
    const char *key;
    json_t *v;
    g_autofree char *prefix = g_strconcat(group, ":", NULL);
    json_object_foreach(tags, key, v) {
        if (g_str_has_prefix(key, prefix))
            g_error("%s: %s should be gone, is there", what, key);
    }
}

typedef struct {
    const char *keep, *drop, *rights, *attribution;
    vt_image_server server;
} rules;

static json_t *convert(fixture *f, const char *input, const char *id, const rules *r)
{
    vt_image_options opt;
    vt_keep *keep = NULL;

    g_assert_cmpint(vt_keep_new(r->keep, r->drop, r->rights, r->attribution, &keep), ==, VT_OK);
    vt_image_options_init(&opt);
    opt.input = input;
    opt.id = id;
    opt.images_dir = f->images_dir;
    opt.server = r->server;
    opt.images_base_url = "https://images.example.org/iiif";
    opt.keep = keep;
    json_t *result = NULL;
    vt_status status = vt_image_convert(&opt, &result);
    if (status != VT_OK)
        g_error("%s: %s", vt_strerror(status), vt_error_message());
    vt_keep_free(keep);
    return result;
}

static json_t *read_output(json_t *result, const char *key)
{
    return exif_read(json_string_value(json_object_get(result, key)));
}

#define SKIP_WITHOUT_EXIFTOOL()                                       \
    do {                                                              \
        if (!exiftool) {                                              \
            g_test_skip("exiftool is not installed");                 \
            return;                                                   \
        }                                                             \
    } while (0)

/* ------------------------------------------------------------------ */

/* A JPEG with XMP, IPTC and EXIF rights of its own: all kept, in the
 * pyramid, the download and the static full-size download; nothing of
 * vitrine's overwrites them; the thumbnail carries nothing. */
static void test_jpeg_xmp_iptc(fixture *f, gconstpointer data)
{
    SKIP_WITHOUT_EXIFTOOL();
    g_autofree char *in = make_original(f, "own.jpg", 3000, 2000);
    const char *tags[] = {
        "-XMP-dc:Rights=\xC2\xA9 Rijksmuseum <1900> & Co", "-XMP-dc:Creator=Jan Steen",
        "-XMP-dc:Title=Het vrolijke huisgezin", "-XMP-dc:Description=Een feest",
        "-XMP-xmpRights:WebStatement=" NOC, "-XMP-xmpRights:Marked=True",
        "-XMP-photoshop:Credit=Own credit", "-XMP-xmp:CreatorTool=Secret Tool",
        "-XMP-iptcCore:CreatorWorkEmail=foto@example.org",
        "-IPTC:CodedCharacterSet=UTF8", "-IPTC:By-line=Jan IPTC",
        "-IPTC:CopyrightNotice=IPTC \xC2\xA9 1900", "-IPTC:Credit=IPTC credit",
        "-IPTC:Keywords=feest", "-EXIF:Artist=Jan EXIF", "-EXIF:Copyright=EXIF copyright",
        "-EXIF:Software=Secret Software", NULL,
    };
    exif_write(in, tags);
    rules r = { .rights = CC_BY, .attribution = ATTRIBUTION, .server = VT_SERVER_STATIC };
    json_t *result = convert(f, in, "own", &r);

    int dw = (int)json_integer_value(json_object_get(result, "download_width"));
    int dh = (int)json_integer_value(json_object_get(result, "download_height"));
    g_autofree char *size = g_strdup_printf("%d,%d", dw, dh);
    g_autofree char *full = g_build_filename(json_string_value(json_object_get(result, "tiles")),
                                             "full", size, "0", "default.jpg", NULL);
    struct {
        const char *what;
        json_t *tags;
    } outputs[] = {
        { "pyramid", read_output(result, "image") },
        { "download", read_output(result, "download") },
        { "static full size", exif_read(full) },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(outputs); i++) {
        const char *what = outputs[i].what;
        json_t *t = outputs[i].tags;
        assert_tag(t, what, "XMP-dc:Rights", "\xC2\xA9 Rijksmuseum <1900> & Co");
        assert_tag(t, what, "XMP-dc:Creator", "Jan Steen");
        assert_tag(t, what, "XMP-dc:Title", "Het vrolijke huisgezin");
        assert_tag(t, what, "XMP-dc:Description", "Een feest");
        assert_tag(t, what, "XMP-xmpRights:WebStatement", NOC);
        assert_tag(t, what, "XMP-xmpRights:Marked", "True");
        assert_tag(t, what, "XMP-photoshop:Credit", "Own credit");
        assert_tag(t, what, "XMP-iptcCore:CreatorWorkEmail", "foto@example.org");
        assert_no_tag(t, what, "XMP-xmp:CreatorTool");
        assert_tag(t, what, "IPTC:By-line", "Jan IPTC");
        assert_tag(t, what, "IPTC:CopyrightNotice", "IPTC \xC2\xA9 1900");
        assert_tag(t, what, "IPTC:Credit", "IPTC credit");
        assert_no_tag(t, what, "IPTC:Keywords");
        assert_no_tag(t, what, "IFD0:Software");
        if (strcmp(what, "pyramid") != 0) {
            /* A JPEG carries EXIF; libvips 8.14 writes none into a TIFF. */
            assert_tag(t, what, "IFD0:Artist", "Jan EXIF");
            assert_tag(t, what, "IFD0:Copyright", "EXIF copyright");
        }
        json_decref(t);
    }

    json_t *thumb = read_output(result, "thumbnail");
    assert_no_group(thumb, "thumbnail", "XMP-dc");
    assert_no_group(thumb, "thumbnail", "IPTC");
    assert_no_group(thumb, "thumbnail", "IFD0");
    json_decref(thumb);
    json_decref(result);
}

/* A TIFF whose XMP has a creator but no rights: vitrine's rights URI and
 * credit line land in the pyramid and the download, escaped correctly. */
static void test_tiff_default_rights(fixture *f, gconstpointer data)
{
    SKIP_WITHOUT_EXIFTOOL();
    g_autofree char *in = make_original(f, "scan.tif", 1200, 900);
    const char *tags[] = { "-XMP-dc:Creator=Fotograaf", NULL };
    exif_write(in, tags);
    rules r = { .rights = CC_BY, .attribution = ATTRIBUTION };
    json_t *result = convert(f, in, "scan", &r);

    const char *keys[] = { "image", "download" };
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        json_t *t = read_output(result, keys[i]);
        assert_tag(t, keys[i], "XMP-dc:Creator", "Fotograaf");
        assert_tag(t, keys[i], "XMP-xmpRights:WebStatement", CC_BY);
        assert_tag(t, keys[i], "XMP-dc:Rights", CC_BY);
        assert_tag(t, keys[i], "XMP-photoshop:Credit", ATTRIBUTION);
        json_decref(t);
    }
    json_decref(result);
}

/* A PNG with XMP rights and a GPS position in its XMP: the rights stay,
 * the position goes. Without vitrine values nothing is added. */
static void test_png_xmp(fixture *f, gconstpointer data)
{
    SKIP_WITHOUT_EXIFTOOL();
    g_autofree char *in = make_original(f, "drawing.png", 800, 600);
    const char *tags[] = { "-XMP-dc:Rights=Public domain", "-XMP-dc:Creator=Tekenaar",
                           "-XMP-exif:GPSLatitude=51.05", "-XMP-exif:GPSLongitude=3.72",
                           "-XMP-aux:SerialNumber=A123", NULL };
    exif_write(in, tags);
    rules r = { 0 };
    json_t *result = convert(f, in, "drawing", &r);

    const char *keys[] = { "image", "download" };
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        json_t *t = read_output(result, keys[i]);
        assert_tag(t, keys[i], "XMP-dc:Rights", "Public domain");
        assert_tag(t, keys[i], "XMP-dc:Creator", "Tekenaar");
        assert_no_group(t, keys[i], "XMP-exif");
        assert_no_group(t, keys[i], "XMP-aux");
        assert_no_tag(t, keys[i], "XMP-xmpRights:WebStatement");
        assert_no_tag(t, keys[i], "XMP-photoshop:Credit");
        json_decref(t);
    }
    json_decref(result);
}

/* A camera photo, turned (orientation 6), with a GPS position, serial
 * numbers and camera tags: by default only the rights survive and the
 * orientation is 1; keep-metadata brings back what it names, and a bare
 * "exif:*" still leaves the position and the serial numbers out. */
static void test_gps_serial(fixture *f, gconstpointer data)
{
    SKIP_WITHOUT_EXIFTOOL();
    g_autofree char *in = make_original(f, "camera.jpg", 600, 400);
    const char *tags[] = {
        "-EXIF:Make=Canon", "-EXIF:Model=Canon EOS R5", "-EXIF:Orientation#=6",
        "-EXIF:SerialNumber=SN-12345", "-EXIF:LensSerialNumber=LENS-999",
        "-GPS:GPSLatitude=52.37", "-GPS:GPSLatitudeRef=N", "-GPS:GPSLongitude=4.89",
        "-GPS:GPSLongitudeRef=E", "-XMP-aux:SerialNumber=SN-12345",
        "-EXIF:Copyright=Fotostudio", "-EXIF:Artist=Fotograaf", NULL,
    };
    exif_write(in, tags);

    rules r = { .rights = CC_BY };
    json_t *result = convert(f, in, "camera", &r);
    g_assert_cmpint(json_integer_value(json_object_get(result, "width")), ==, 400);
    g_assert_cmpint(json_integer_value(json_object_get(result, "height")), ==, 600);
    const char *keys[] = { "image", "download" };
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        json_t *t = read_output(result, keys[i]);
        assert_no_group(t, keys[i], "GPS");
        assert_no_group(t, keys[i], "XMP-aux");
        assert_no_tag(t, keys[i], "ExifIFD:SerialNumber");
        assert_no_tag(t, keys[i], "ExifIFD:LensSerialNumber");
        assert_no_tag(t, keys[i], "IFD0:Make");
        assert_no_tag(t, keys[i], "IFD0:Model");
        /* The pixels are turned: no viewer may turn them again. */
        g_autofree char *orientation = tag_text(t, "IFD0:Orientation");
        g_assert_true(!orientation || strcmp(orientation, "1") == 0);
        /* EXIF Copyright is the photo's own rights: vitrine's stay out;
         * the TIFF, which gets no EXIF, has them in its XMP. */
        assert_no_tag(t, keys[i], "XMP-xmpRights:WebStatement");
        assert_tag(t, keys[i], "XMP-dc:Rights", "Fotostudio");
        assert_tag(t, keys[i], "XMP-dc:Creator", "Fotograaf");
        json_decref(t);
    }
    json_t *d = read_output(result, "download");
    assert_tag(d, "download", "IFD0:Copyright", "Fotostudio");
    assert_tag(d, "download", "IFD0:Orientation", "1");
    g_assert_cmpint(json_integer_value(json_object_get(d, "File:ImageWidth")), ==, 400);
    json_decref(d);
    json_decref(result);

    /* exif:* keeps the camera, not the position or the serial numbers. */
    rules all_exif = { .keep = "exif:*" };
    result = convert(f, in, "camera2", &all_exif);
    d = read_output(result, "download");
    assert_tag(d, "exif:*", "IFD0:Make", "Canon");
    assert_no_group(d, "exif:*", "GPS");
    assert_no_tag(d, "exif:*", "ExifIFD:SerialNumber");
    json_decref(d);
    json_decref(result);

    /* Named, they are kept. */
    rules named = { .keep = "gps, serial-numbers" };
    result = convert(f, in, "camera3", &named);
    d = read_output(result, "download");
    assert_tag(d, "gps", "GPS:GPSLatitudeRef", "N");
    g_assert_nonnull(json_object_get(d, "GPS:GPSLatitude"));
    assert_tag(d, "serial-numbers", "ExifIFD:SerialNumber", "SN-12345");
    assert_tag(d, "serial-numbers", "XMP-aux:SerialNumber", "SN-12345");
    assert_no_tag(d, "gps", "IFD0:Make");
    json_decref(d);
    json_decref(result);
}

/* IPTC alone, in ISO 8859-1 (exiftool's default without a coded character
 * set): its by-line, copyright and credit reach the XMP too, which is all
 * Cantaloupe passes on; its own copyright keeps vitrine's rights out. */
static void test_iptc_only(fixture *f, gconstpointer data)
{
    SKIP_WITHOUT_EXIFTOOL();
    g_autofree char *in = make_original(f, "iptc.jpg", 900, 600);
    const char *tags[] = { "-IPTC:By-line=Jos\xC3\xA9 Dupont",
                           "-IPTC:CopyrightNotice=\xC2\xA9 Dupont <1950>",
                           "-IPTC:Credit=Archief & co", NULL };
    exif_write(in, tags);
    rules r = { .rights = CC_BY, .attribution = ATTRIBUTION };
    json_t *result = convert(f, in, "iptc", &r);
    const char *keys[] = { "image", "download" };
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        json_t *t = read_output(result, keys[i]);
        assert_tag(t, keys[i], "IPTC:By-line", "Jos\xC3\xA9 Dupont");
        assert_tag(t, keys[i], "XMP-dc:Creator", "Jos\xC3\xA9 Dupont");
        assert_tag(t, keys[i], "XMP-dc:Rights", "\xC2\xA9 Dupont <1950>");
        assert_tag(t, keys[i], "XMP-photoshop:Credit", "Archief & co");
        assert_no_tag(t, keys[i], "XMP-xmpRights:WebStatement");
        json_decref(t);
    }
    json_decref(result);
}

/* drop-metadata takes out even what is kept by default, and vitrine's own
 * values are not written where their field is dropped. */
static void test_drop(fixture *f, gconstpointer data)
{
    SKIP_WITHOUT_EXIFTOOL();
    g_autofree char *in = make_original(f, "drop.jpg", 600, 400);
    const char *tags[] = { "-XMP-dc:Creator=Iemand", "-XMP-dc:Title=Titel",
                           "-IPTC:By-line=Iemand", NULL };
    exif_write(in, tags);
    rules r = { .drop = "dc:creator,iptc:By-line,xmpRights:*", .rights = CC_BY };
    json_t *result = convert(f, in, "drop", &r);
    json_t *d = read_output(result, "download");
    assert_tag(d, "download", "XMP-dc:Title", "Titel");
    assert_tag(d, "download", "XMP-dc:Rights", CC_BY);
    assert_no_tag(d, "download", "XMP-dc:Creator");
    assert_no_tag(d, "download", "XMP-xmpRights:WebStatement");
    assert_no_group(d, "download", "IPTC");
    json_decref(d);
    json_decref(result);
}

/* The same conversion without vt_keep writes the same pixels: keeping
 * metadata touches the headers only. */
static void test_pixels_unchanged(fixture *f, gconstpointer data)
{
    SKIP_WITHOUT_EXIFTOOL();
    g_autofree char *in = make_original(f, "same.jpg", 1500, 1000);
    const char *tags[] = { "-XMP-dc:Rights=Eigen", "-IPTC:By-line=Iemand", NULL };
    exif_write(in, tags);
    rules r = { .rights = CC_BY };
    json_t *kept = convert(f, in, "kept", &r);

    vt_image_options opt;
    vt_image_options_init(&opt);
    opt.input = in;
    opt.id = "stripped";
    opt.images_dir = f->images_dir;
    opt.images_base_url = "https://images.example.org/iiif";
    json_t *stripped = NULL;
    g_assert_cmpint(vt_image_convert(&opt, &stripped), ==, VT_OK);

    const char *keys[] = { "image", "download", "thumbnail" };
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        for (int page = 0; page < (i == 0 ? 3 : 1); page++) {
            const char *pa = json_string_value(json_object_get(kept, keys[i]));
            const char *pb = json_string_value(json_object_get(stripped, keys[i]));
            /* The TIFF's pages are the pyramid's levels; a JPEG has none. */
            VipsImage *a = i == 0 ? vips_image_new_from_file(pa, "page", page, NULL)
                                  : vips_image_new_from_file(pa, NULL);
            VipsImage *b = i == 0 ? vips_image_new_from_file(pb, "page", page, NULL)
                                  : vips_image_new_from_file(pb, NULL);
            g_assert_nonnull(a);
            g_assert_nonnull(b);
            VipsImage *diff, *abs;
            double max = -1;
            g_assert_cmpint(vips_subtract(a, b, &diff, NULL), ==, 0);
            g_assert_cmpint(vips_abs(diff, &abs, NULL), ==, 0);
            g_assert_cmpint(vips_max(abs, &max, NULL), ==, 0);
            g_assert_cmpfloat(max, ==, 0.0);
            g_object_unref(abs);
            g_object_unref(diff);
            g_object_unref(a);
            g_object_unref(b);
        }
    }
    json_decref(kept);
    json_decref(stripped);
}

static void test_patterns(void)
{
    const char *good[] = { "dc:rights", "xmpRights:*", "exif:GPS*", "iptc:By-line", "gps",
                           "serial-numbers", "maker-notes", "Iptc4xmpCore:CreatorContactInfo" };
    const char *bad[] = { "", "rights", ":x", "dc:", "dc:ri ghts", "dc:*x", "1dc:x", "dc:<x>",
                          "gpss" };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
        g_assert_true(vt_keep_pattern_valid(good[i]));
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_false(vt_keep_pattern_valid(bad[i]));

    vt_keep *k = NULL;
    g_assert_cmpint(vt_keep_new("dc:x,bad pattern", NULL, NULL, NULL, &k), ==, VT_ERR_INVALID);
    g_assert_null(k);
    g_assert_nonnull(strstr(vt_error_message(), "bad pattern"));

    g_assert_cmpint(vt_keep_new("exif:*,aux:SerialNumber", "dc:title", NULL, NULL, &k), ==,
                    VT_OK);
    g_assert_true(vt_keep_field_kept(k, "dc:rights"));
    g_assert_true(vt_keep_field_kept(k, "xmpRights:UsageTerms"));
    g_assert_true(vt_keep_field_kept(k, "DC:RIGHTS"));
    g_assert_false(vt_keep_field_kept(k, "dc:title"));
    g_assert_false(vt_keep_field_kept(k, "dc:subject"));
    g_assert_true(vt_keep_field_kept(k, "exif:Make"));
    g_assert_false(vt_keep_field_kept(k, "exif:GPSLatitude"));
    g_assert_false(vt_keep_field_kept(k, "exif:MakerNote"));
    g_assert_false(vt_keep_field_kept(k, "exif:BodySerialNumber"));
    g_assert_true(vt_keep_field_kept(k, "aux:SerialNumber"));
    vt_keep_free(k);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_log_set_handler("VIPS", G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG, drop_log, NULL);
    if (VIPS_INIT(argv[0]))
        g_error("libvips: %s", vips_error_buffer());
    vips_cache_set_max(0);
    exiftool = g_find_program_in_path("exiftool");

    g_test_add_func("/keep/patterns", test_patterns);
#define ADD(name, fn) g_test_add(name, fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/keep/jpeg-xmp-iptc", test_jpeg_xmp_iptc);
    ADD("/keep/tiff-default-rights", test_tiff_default_rights);
    ADD("/keep/png-xmp", test_png_xmp);
    ADD("/keep/gps-serial", test_gps_serial);
    ADD("/keep/iptc-only", test_iptc_only);
    ADD("/keep/drop", test_drop);
    ADD("/keep/pixels-unchanged", test_pixels_unchanged);
#undef ADD
    int rc = g_test_run();
    g_free(exiftool);
    vips_shutdown();
    return rc;
}
