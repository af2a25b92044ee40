/* Tests of vt_config: the documented format, defaults, and that every
 * problem is reported with its group and key. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "vt_config.h"

/* The example from the configuration contract, inline comments and all. */
static const char *example =
    "[vitrine]\n"
    "state-dir=/var/lib/vitrine          # LMDB (and later Xapian)\n"
    "originals-dir=/srv/vitrine/originals\n"
    "quarantine-dir=/srv/vitrine/quarantine\n"
    "spool-dir=/var/spool/vitrine\n"
    "workers=2                           # parallel conversions\n"
    "\n[images]\n"
    "server=cantaloupe                   # cantaloupe | iipsrv | static\n"
    "dir=/srv/iiif/images                # Cantaloupe FilesystemSource root: the TIFFs go here\n"
    "base-url=https://iiif.example.org/iiif/3\n"
    "\n[site]\n"
    "dir=/srv/vitrine/site\n"
    "base-url=https://collection.example.org\n"
    "\n[department:photo]\n"
    "hotfolder=/srv/shares/photo\n"
    "label=Photography\n"
    "visibility=public                   # public | internal: the default for its assets\n"
    "intervention=^([0-9]{4}\\.[0-9]{4,5})  # regex on the file name; group 1 is the intervention file number\n"
    "settle-seconds=5\n";

static void test_example(void)
{
    vt_config *c = NULL;
    g_assert_cmpint(vt_config_load_data(example, "example", NULL, &c), ==, VT_OK);
    g_assert_cmpstr(c->state_dir, ==, "/var/lib/vitrine");
    g_assert_cmpint(c->workers, ==, 2);
    g_assert_cmpint(c->server, ==, VT_SERVER_CANTALOUPE);
    g_assert_cmpstr(c->images_dir, ==, "/srv/iiif/images");
    g_assert_cmpstr(c->images_base_url, ==, "https://iiif.example.org/iiif/3");
    g_assert_cmpuint(c->n_departments, ==, 1);
    const vt_department *d = vt_config_department(c, "photo");
    g_assert_nonnull(d);
    g_assert_cmpstr(d->hotfolder, ==, "/srv/shares/photo");
    g_assert_cmpstr(d->label, ==, "Photography");
    g_assert_cmpint(d->visibility, ==, VT_VISIBILITY_PUBLIC);
    g_assert_cmpstr(d->intervention_source, ==, "^([0-9]{4}\\.[0-9]{4,5})");
    g_assert_cmpint(d->settle_seconds, ==, 5);

    GMatchInfo *m = NULL;
    g_assert_true(g_regex_match(d->intervention, "2019.12345_front.tif", 0, &m));
    g_autofree char *number = g_match_info_fetch(m, 1);
    g_assert_cmpstr(number, ==, "2019.12345");
    g_match_info_free(m);
    g_assert_false(g_regex_match(d->intervention, "2019x12345.tif", 0, NULL));

    /* Defaults of keys the example leaves out. */
    g_assert_cmpint(c->tile_size, ==, 512);
    g_assert_cmpint(c->quality, ==, 85);
    g_assert_cmpuint(c->max_pixels, ==, 1000000000u);
    g_assert_null(vt_config_department(c, "xray"));
    vt_config_free(c);
}

static void expect_problem(const char *text, const char *needle, unsigned count)
{
    vt_config *c = NULL;
    g_assert_cmpint(vt_config_load_data(text, "test.conf", NULL, &c), ==, VT_ERR_CONFIG);
    g_assert_null(c);
    const char *msg = vt_error_message();
    if (!strstr(msg, needle))
        g_error("expected \"%s\" in:\n%s", needle, msg);
    g_autofree char *head = g_strdup_printf("%u problem", count);
    if (!g_str_has_prefix(msg, head))
        g_error("expected %u problems in:\n%s", count, msg);
}

static void test_problems(void)
{
    const char *dept = "[department:photo]\nhotfolder=/hot/photo\n";
    g_autofree char *unknown = g_strconcat("[vitrine]\nworkerz=3\n", dept, NULL);
    expect_problem(unknown, "[vitrine] workerz: unknown key", 1);

    g_autofree char *server = g_strconcat("[images]\nserver=iis\n", dept, NULL);
    expect_problem(server, "'iis' is not cantaloupe, iipsrv or static", 1);

    expect_problem("[vitrine]\nworkers=2\n", "no [department:ID] group", 1);
    expect_problem("[department:photo]\nlabel=x\n", "[department:photo] hotfolder: missing", 1);
    expect_problem("[department:photo]\nhotfolder=/h\nintervention=^([0-9]{4}\n",
                   "invalid regular expression", 1);
    expect_problem("[department:photo]\nhotfolder=/h\nintervention=^[0-9]{4}\n",
                   "needs a group in parentheses", 1);
    expect_problem("[department:Photo Dept]\nhotfolder=/h\n", "department id 'Photo Dept'", 1);
    expect_problem("[department:photo]\nhotfolder=/h\nvisibility=secret\n",
                   "'secret' is not public or internal", 1);
    expect_problem("[department:photo]\nhotfolder=/h\nsettle-seconds=-1\n",
                   "not a whole number from 0 to 3600", 1);
    expect_problem("[site]\nbase-url=collection.example.org\n[department:photo]\nhotfolder=/h\n",
                   "not an http:// or https:// URL", 1);
    expect_problem("[wat]\nx=1\n[department:photo]\nhotfolder=/h\n", "[wat]: unknown group", 1);
    /* IIIF takes rights only from Creative Commons and RightsStatements.org. */
    expect_problem("[site]\nrights=https://example.org/my-licence\n" "[department:photo]\nhotfolder=/h\n",
                   "not a Creative Commons or RightsStatements.org URI", 1);
    expect_problem("[site]\nrights=http://creativecommons.org/licenses/\n"
                   "[department:photo]\nhotfolder=/h\n", "[site] rights", 1);
    {
        vt_config *rc = NULL;
        g_assert_cmpint(vt_config_load_data("[site]\nrights=http://rightsstatements.org/vocab/InC/1.0/\n"
                                            "attribution=Institute  # credit\n"
                                            "[department:photo]\nhotfolder=/h\n", "t", NULL, &rc),
                        ==, VT_OK);
        g_assert_cmpstr(rc->site_rights, ==, "http://rightsstatements.org/vocab/InC/1.0/");
        g_assert_cmpstr(rc->site_attribution, ==, "Institute");
        vt_config_free(rc);
    }

    /* Overlaps: a hotfolder inside the archive, and two nested hotfolders. */
    expect_problem("[vitrine]\noriginals-dir=/srv/o\n[department:photo]\nhotfolder=/srv/o/photo\n",
                   "overlaps [vitrine] originals-dir", 1);
    expect_problem("[department:a]\nhotfolder=/h\n[department:b]\nhotfolder=/h/b\n",
                   "[department:a] and [department:b] overlap", 1);
    /* "/h" and "/hb" are neighbours, not nested. */
    vt_config *c = NULL;
    g_assert_cmpint(vt_config_load_data("[department:a]\nhotfolder=/h\n[department:b]\nhotfolder=/hb\n",
                                        "t", NULL, &c), ==, VT_OK);
    vt_config_free(c);

    /* download-size=0: no download JPEG, for image servers only. */
    expect_problem("[images]\ndownload-size=10\n[department:photo]\nhotfolder=/h\n",
                   "'10' is not 0 or a whole number from 64 to 16384", 1);
    expect_problem("[images]\nserver=static\ndownload-size=0\n[department:photo]\nhotfolder=/h\n",
                   "[images] download-size: 0 (no download JPEG) needs an image server", 1);
    g_assert_cmpint(vt_config_load_data("[images]\ndownload-size=0\n[department:a]\nhotfolder=/h\n",
                                        "t", NULL, &c), ==, VT_OK);
    g_assert_cmpint(c->download_size, ==, 0);
    vt_config_free(c);

    /* Every problem is listed, not just the first. */
    expect_problem("[vitrine]\nworkers=0\nfoo=1\n[images]\nserver=x\n", "[vitrine] foo", 4);
}

static void test_relative_paths(void)
{
    g_autofree char *dir = g_dir_make_tmp("vt-config-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "vitrine.conf", NULL);
    g_assert_true(g_file_set_contents(path,
        "[vitrine]\nstate-dir=state\n[images]\nserver=static\nbase-url=http://x/iiif/\n"
        "[department:photo]\nhotfolder=hot/../hot/photo\n", -1, NULL));
    vt_config *c = NULL;
    g_assert_cmpint(vt_config_load(path, &c), ==, VT_OK);
    g_autofree char *state = g_build_filename(dir, "state", NULL);
    g_autofree char *hot = g_build_filename(dir, "hot", "photo", NULL);
    g_assert_cmpstr(c->state_dir, ==, state);
    g_assert_cmpstr(c->departments[0].hotfolder, ==, hot);
    g_assert_cmpstr(c->images_base_url, ==, "http://x/iiif");
    g_assert_cmpint(c->server, ==, VT_SERVER_STATIC);
    vt_config_free(c);

    g_autofree char *missing = g_build_filename(dir, "nope.conf", NULL);
    g_assert_cmpint(vt_config_load(missing, &c), ==, VT_ERR_CONFIG);
    g_assert_nonnull(strstr(vt_error_message(), "cannot read the configuration"));
    g_unlink(path);
    g_rmdir(dir);
}

static void test_search(void)
{
    vt_config *c = NULL;
    g_assert_cmpint(vt_config_load_data(example, "example", NULL, &c), ==, VT_OK);
    g_assert_false(c->search_internal);
    g_assert_null(c->synonyms_path);
    g_assert_cmpstr(c->index_dir, ==, "/var/lib/vitrine/index");
    g_assert_cmpuint(g_strv_length(c->facets), ==, 6);
    g_assert_cmpstr(c->facets[3], ==, "keywords");
    g_assert_cmpstr(c->facets[5], ==, "damage_type");
    vt_config_free(c);

    g_assert_cmpint(vt_config_load_data("[search]\naudience=internal  # staff\n"
                                        "synonyms=syn.txt\nfacets=material, year\nindex=idx\n"
                                        "[department:photo]\nhotfolder=/h\n",
                                        "t", "/etc/vitrine", &c), ==, VT_OK);
    g_assert_true(c->search_internal);
    g_assert_cmpstr(c->synonyms_path, ==, "/etc/vitrine/syn.txt");
    g_assert_cmpstr(c->index_dir, ==, "/etc/vitrine/idx");
    g_assert_cmpuint(g_strv_length(c->facets), ==, 2);
    g_assert_cmpstr(c->facets[0], ==, "material");
    vt_config_free(c);

    expect_problem("[search]\naudience=all\n[department:photo]\nhotfolder=/h\n",
                   "[search] audience: 'all' is not public or internal", 1);
    expect_problem("[search]\nfacets=Year\n[department:photo]\nhotfolder=/h\n",
                   "'Year' is not a field name", 1);
}

/* [images] loaders, keep-metadata and drop-metadata (convert/vt_keep.h). */
static void test_images_metadata(void)
{
    vt_config *c = NULL;
    g_assert_cmpint(vt_config_load_data(example, "example", NULL, &c), ==, VT_OK);
    g_assert_cmpuint(g_strv_length(c->loaders), ==, 6);
    g_assert_true(g_strv_contains((const char *const *)c->loaders, "jp2k"));
    g_assert_false(g_strv_contains((const char *const *)c->loaders, "gif"));
    g_assert_cmpuint(g_strv_length(c->keep_metadata), ==, 0);
    g_assert_cmpuint(g_strv_length(c->drop_metadata), ==, 0);
    vt_config_free(c);

    g_assert_cmpint(vt_config_load_data("[images]\nloaders=jpeg, gif\n"
                                        "keep-metadata=gps, exif:Make , Iptc4xmpExt:*\n"
                                        "drop-metadata=dc:creator\n"
                                        "[department:photo]\nhotfolder=/h\n",
                                        "t", NULL, &c), ==, VT_OK);
    g_assert_cmpuint(g_strv_length(c->loaders), ==, 2);
    g_assert_cmpstr(c->loaders[1], ==, "gif");
    g_assert_cmpuint(g_strv_length(c->keep_metadata), ==, 3);
    g_assert_cmpstr(c->keep_metadata[1], ==, "exif:Make");
    g_assert_cmpstr(c->drop_metadata[0], ==, "dc:creator");
    vt_config_free(c);

    expect_problem("[images]\nloaders=jpeg,magick\n[department:photo]\nhotfolder=/h\n",
                   "[images] loaders: 'magick' is not a loader vitrine uses", 1);
    expect_problem("[images]\nloaders=\n[department:photo]\nhotfolder=/h\n",
                   "[images] loaders: names no loader", 1);
    expect_problem("[images]\nkeep-metadata=rights\n[department:photo]\nhotfolder=/h\n",
                   "[images] keep-metadata: 'rights' is not a metadata name", 1);
    expect_problem("[images]\ndrop-metadata=dc:<x>\n[department:photo]\nhotfolder=/h\n",
                   "[images] drop-metadata: 'dc:<x>' is not a metadata name", 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/config/images-metadata", test_images_metadata);
    g_test_add_func("/config/example", test_example);
    g_test_add_func("/config/problems", test_problems);
    g_test_add_func("/config/relative-paths", test_relative_paths);
    g_test_add_func("/config/search", test_search);
    return g_test_run();
}
