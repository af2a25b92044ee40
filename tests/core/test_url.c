/* Tests of vt_url: the URL scheme for each image server, id validation, and
 * the static thumbnail size read from info.json. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "vt_url.h"

static vt_config *load(const char *server, const char *images_dir)
{
    g_autofree char *text = g_strdup_printf(
        "[vitrine]\nstate-dir=/var/lib/vitrine\noriginals-dir=/srv/o\n"
        "quarantine-dir=/srv/q\nspool-dir=/var/spool/vitrine\n"
        "[images]\nserver=%s   # comment\ndir=%s\nbase-url=https://iiif.example.org/iiif/3/\n"
        "thumbnail-size=300\n"
        "[site]\ndir=/srv/site\nbase-url=https://collection.example.org\n"
        "[department:photo]\nhotfolder=/srv/hot/photo\nlabel=Photo\n",
        server, images_dir);
    vt_config *c = NULL;
    if (vt_config_load_data(text, "test", NULL, &c) != VT_OK)
        g_error("config: %s", vt_error_message());
    return c;
}

static void test_id(void)
{
    g_assert_true(vt_url_id_valid("ab12"));
    g_assert_true(vt_url_id_valid("0123456789012345678901234567890123456789012345678901234567890123"));
    g_assert_false(vt_url_id_valid("01234567890123456789012345678901234567890123456789012345678901234"));
    g_assert_false(vt_url_id_valid(""));
    g_assert_false(vt_url_id_valid(NULL));
    g_assert_false(vt_url_id_valid("AB12"));
    g_assert_false(vt_url_id_valid("../etc"));
    g_assert_false(vt_url_id_valid("a/b"));
    g_assert_false(vt_url_id_valid("a b"));

    vt_config *c = load("cantaloupe", "/srv/iiif");
    vt_error_clear();
    g_assert_null(vt_url_page(c, "../x"));
    g_assert_nonnull(strstr(vt_error_message(), "not an asset id"));
    g_assert_null(vt_url_manifest(c, "X"));
    g_assert_null(vt_url_thumbnail(c, "a?b", VT_VISIBILITY_PUBLIC, 0, 0));
    g_assert_null(vt_url_image_service(c, "", VT_VISIBILITY_PUBLIC));
    g_assert_null(vt_url_canvas(c, NULL));
    vt_config_free(c);
}

/* "!B,B" arithmetic: fits, never enlarges, never rounds a side to 0. */
static void test_fit(void)
{
    int w, h;
    vt_url_fit(1800, 2400, 400, &w, &h);
    g_assert_cmpint(w, ==, 300);
    g_assert_cmpint(h, ==, 400);
    vt_url_fit(3000, 2000, 400, &w, &h);
    g_assert_cmpint(w, ==, 400);
    g_assert_cmpint(h, ==, 267);
    vt_url_fit(100, 80, 400, &w, &h);
    g_assert_cmpint(w, ==, 100);
    g_assert_cmpint(h, ==, 80);
    vt_url_fit(100000, 10, 400, &w, &h);
    g_assert_cmpint(w, ==, 400);
    g_assert_cmpint(h, ==, 1);
}

/* The IIIF size request both the thumbnails and the download links use. */
static void test_image_size(void)
{
    g_autofree char *exact = vt_url_image_size("https://i.example.org/iiif/3/ab12", false, 640, 480);
    g_assert_cmpstr(exact, ==, "https://i.example.org/iiif/3/ab12/full/640,480/0/default.jpg");
    g_autofree char *fit = vt_url_image_size("https://i.example.org/iiif/3/ab12", true, 2000, 2000);
    g_assert_cmpstr(fit, ==, "https://i.example.org/iiif/3/ab12/full/!2000,2000/0/default.jpg");
}

static void test_cantaloupe(void)
{
    vt_config *c = load("cantaloupe", "/srv/iiif");
    g_autofree char *service = vt_url_image_service(c, "ab12", VT_VISIBILITY_PUBLIC);
    /* The config drops the trailing slash of base-url. */
    g_assert_cmpstr(service, ==, "https://iiif.example.org/iiif/3/ab12");
    g_autofree char *thumb = vt_url_thumbnail(c, "ab12", VT_VISIBILITY_PUBLIC, 120, 80);
    g_assert_cmpstr(thumb, ==, "https://iiif.example.org/iiif/3/ab12/full/!300,300/0/default.jpg");
    g_autofree char *page = vt_url_page(c, "ab12");
    g_assert_cmpstr(page, ==, "https://collection.example.org/assets/ab12.html");
    g_autofree char *manifest = vt_url_manifest(c, "ab12");
    g_assert_cmpstr(manifest, ==, "https://collection.example.org/iiif/ab12/manifest.json");
    g_autofree char *canvas = vt_url_canvas(c, "ab12");
    g_assert_cmpstr(canvas, ==, "https://collection.example.org/iiif/ab12/canvas/1");
    g_autofree char *search = vt_url_search(c);
    g_assert_cmpstr(search, ==, "https://collection.example.org/cgi-bin/vitrine-search.cgi");
    vt_config_free(c);
}

static void test_iipsrv(void)
{
    vt_config *c = load("iipsrv", "/srv/iiif");
    g_autofree char *service = vt_url_image_service(c, "ab12", VT_VISIBILITY_PUBLIC);
    g_assert_cmpstr(service, ==, "https://iiif.example.org/iiif/3/ab12.tif");
    g_autofree char *thumb = vt_url_thumbnail(c, "ab12", VT_VISIBILITY_PUBLIC, 0, 0);
    g_assert_cmpstr(thumb, ==, "https://iiif.example.org/iiif/3/ab12.tif/full/!300,300/0/default.jpg");
    vt_config_free(c);
}

static void write_info(const char *images, const char *id, const char *json)
{
    g_autofree char *dir = g_build_filename(images, id, NULL);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_autofree char *path = g_build_filename(dir, "info.json", NULL);
    g_assert_true(g_file_set_contents(path, json, -1, NULL));
}

static void remove_info(const char *images, const char *id)
{
    g_autofree char *dir = g_build_filename(images, id, NULL);
    g_autofree char *path = g_build_filename(dir, "info.json", NULL);
    g_unlink(path);
    g_rmdir(dir);
}

static void test_static(void)
{
    g_autofree char *tmp = g_dir_make_tmp("vt-test-url-XXXXXX", NULL);
    g_assert_nonnull(tmp);
    vt_config *c = load("static", tmp);
    g_autofree char *service = vt_url_image_service(c, "ab12", VT_VISIBILITY_PUBLIC);
    g_assert_cmpstr(service, ==, "https://iiif.example.org/iiif/3/ab12");
    g_autofree char *thumb = vt_url_thumbnail(c, "ab12", VT_VISIBILITY_PUBLIC, 300, 200);
    g_assert_cmpstr(thumb, ==, "https://iiif.example.org/iiif/3/ab12/full/300,200/0/default.jpg");

    int w = -1, h = -1;
    /* No info.json yet. */
    g_assert_cmpint(vt_url_static_thumbnail_size(c, "ab12", VT_VISIBILITY_PUBLIC, &w, &h), ==, VT_ERR_NOT_FOUND);
    g_assert_cmpint(w, ==, -1);
    g_assert_cmpint(vt_url_static_thumbnail_size(c, "../x", VT_VISIBILITY_PUBLIC, &w, &h), ==, VT_ERR_INVALID);

    /* The largest listed size within thumbnail-size (300). */
    write_info(tmp, "ab12",
               "{\"sizes\": [{\"width\": 1500, \"height\": 1000}, {\"width\": 300, \"height\": 200},"
               " {\"width\": 150, \"height\": 100}, {\"width\": 1200, \"height\": 800}]}");
    g_assert_cmpint(vt_url_static_thumbnail_size(c, "ab12", VT_VISIBILITY_PUBLIC, &w, &h), ==, VT_OK);
    g_assert_cmpint(w, ==, 300);
    g_assert_cmpint(h, ==, 200);

    /* None small enough: the smallest. */
    write_info(tmp, "cd34", "{\"sizes\": [{\"width\": 900, \"height\": 1200}, {\"width\": 450, \"height\": 600}]}");
    g_assert_cmpint(vt_url_static_thumbnail_size(c, "cd34", VT_VISIBILITY_PUBLIC, &w, &h), ==, VT_OK);
    g_assert_cmpint(w, ==, 450);
    g_assert_cmpint(h, ==, 600);

    /* Garbage and sizes without numbers. */
    write_info(tmp, "ef56", "not json");
    w = h = -1;
    g_assert_cmpint(vt_url_static_thumbnail_size(c, "ef56", VT_VISIBILITY_PUBLIC, &w, &h), ==, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "info.json"));
    write_info(tmp, "ef56", "{\"sizes\": [{\"width\": -3, \"height\": 2}, {\"width\": \"x\"}]}");
    g_assert_cmpint(vt_url_static_thumbnail_size(c, "ef56", VT_VISIBILITY_PUBLIC, &w, &h), ==, VT_ERR_INVALID);
    g_assert_cmpint(w, ==, -1);

    remove_info(tmp, "ab12");
    remove_info(tmp, "cd34");
    remove_info(tmp, "ef56");
    g_assert_cmpint(g_rmdir(tmp), ==, 0);
    vt_config_free(c);
}

/* An internal asset's images: their own root and URL (defaults: <dir>/internal
 * and <site.internal-base-url>/images); the search CGI finds the root of an
 * id for the internal audience only. */
static void test_internal(void)
{
    g_autofree char *tmp = g_dir_make_tmp("vt-test-url-XXXXXX", NULL);
    vt_config *c = load("static", tmp);
    g_autofree char *internal = g_build_filename(tmp, "internal", NULL);
    g_assert_cmpstr(vt_config_images_dir(c, VT_VISIBILITY_INTERNAL), ==, internal);
    g_assert_cmpstr(vt_config_images_dir(c, VT_VISIBILITY_PUBLIC), ==, tmp);
    g_autofree char *service = vt_url_image_service(c, "ab12", VT_VISIBILITY_INTERNAL);
    g_assert_cmpstr(service, ==, "https://collection.example.org/internal/images/ab12");
    g_autofree char *thumb = vt_url_thumbnail(c, "ab12", VT_VISIBILITY_INTERNAL, 30, 20);
    g_assert_cmpstr(thumb, ==,
                    "https://collection.example.org/internal/images/ab12/full/30,20/0/default.jpg");

    g_assert_cmpint(vt_url_image_place(c, "ab12", true), ==, VT_VISIBILITY_PUBLIC);
    g_assert_cmpint(g_mkdir(internal, 0755), ==, 0);
    write_info(internal, "ab12", "{\"sizes\": [{\"width\": 30, \"height\": 20}]}");
    g_assert_cmpint(vt_url_image_place(c, "ab12", true), ==, VT_VISIBILITY_INTERNAL);
    g_assert_cmpint(vt_url_image_place(c, "ab12", false), ==, VT_VISIBILITY_PUBLIC);
    int w = 0, h = 0;
    g_assert_cmpint(vt_url_static_thumbnail_size(c, "ab12", VT_VISIBILITY_PUBLIC, &w, &h), ==,
                    VT_ERR_NOT_FOUND);
    g_assert_cmpint(vt_url_static_thumbnail_size(c, "ab12", VT_VISIBILITY_INTERNAL, &w, &h), ==,
                    VT_OK);
    g_assert_cmpint(w, ==, 30);
    remove_info(internal, "ab12");
    g_assert_cmpint(g_rmdir(internal), ==, 0);
    g_assert_cmpint(g_rmdir(tmp), ==, 0);
    vt_config_free(c);

    /* Configured, and refused where it would serve internal images publicly. */
    const char *base = "[vitrine]\nstate-dir=/s\noriginals-dir=/o\nquarantine-dir=/q\n"
                       "spool-dir=/p\n[site]\ndir=/site\nbase-url=https://c.example.org\n"
                       "[department:photo]\nhotfolder=/h\nlabel=P\n[images]\nserver=static\n"
                       "dir=/img\nbase-url=https://c.example.org/images\n";
    g_autofree char *ok = g_strconcat(base, "internal-dir=/img-staff\n"
                                      "internal-base-url=https://staff.example.org/img/\n", NULL);
    g_assert_cmpint(vt_config_load_data(ok, "test", NULL, &c), ==, VT_OK);
    g_assert_cmpstr(c->images_internal_dir, ==, "/img-staff");
    g_assert_cmpstr(c->images_internal_base_url, ==, "https://staff.example.org/img");
    vt_config_free(c);
    g_autofree char *same = g_strconcat(base, "internal-dir=/img\n"
                                        "internal-base-url=https://c.example.org/images\n", NULL);
    c = NULL;
    g_assert_cmpint(vt_config_load_data(same, "test", NULL, &c), ==, VT_ERR_CONFIG);
    g_assert_nonnull(strstr(vt_error_message(), "internal-dir"));
    g_assert_nonnull(strstr(vt_error_message(), "internal-base-url"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/url/id", test_id);
    g_test_add_func("/url/internal", test_internal);
    g_test_add_func("/url/fit", test_fit);
    g_test_add_func("/url/image-size", test_image_size);
    g_test_add_func("/url/cantaloupe", test_cantaloupe);
    g_test_add_func("/url/iipsrv", test_iipsrv);
    g_test_add_func("/url/static", test_static);
    return g_test_run();
}
