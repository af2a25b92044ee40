/* test_manifest.c: IIIF Presentation 3 manifests and collections.
 *
 * Asserts the structure in C (ids, types, services, canvas sizes, what is
 * refused). Every document built is also written to $VT_MANIFEST_OUT when
 * that is set: the ctest test sitegen/iiif-schema (iiif-schema.sh) then
 * validates all of them against the official JSON schema. */
#include <glib/gstdio.h>
#include <string.h>

#include "vt_manifest.h"
#include "vt_meta.h"

/* ------------------------------------------------------------------ */
/* Helpers */

static vt_config *load(const char *server, const char *images_dir)
{
    g_autofree char *text = g_strdup_printf(
        "[vitrine]\nstate-dir=/var/lib/vitrine\noriginals-dir=/srv/o\n"
        "quarantine-dir=/srv/q\nspool-dir=/var/spool/vitrine\n"
        "[images]\nserver=%s\ndir=%s\nbase-url=https://iiif.example.org/iiif/3/\n"
        "thumbnail-size=300\n"
        "[site]\ndir=/srv/site\nbase-url=https://collection.example.org/\n"
        "[department:photo]\nhotfolder=/srv/hot/photo\nlabel=Photography\n"
        "[department:xray]\nhotfolder=/srv/hot/xray\nlabel=X-ray\n",
        server, images_dir);
    vt_config *c = NULL;
    if (vt_config_load_data(text, "test", NULL, &c) != VT_OK)
        g_error("config: %s", vt_error_message());
    return c;
}

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    if (!v)
        g_error("test JSON: %s: %s", jerr.text, text);
    return v;
}

static vt_asset *make_asset(const char *id, const char *department, const char *intervention,
                            int width, int height, const char *custom)
{
    vt_asset *a = vt_asset_new();
    a->id = g_strdup(id);
    a->department = g_strdup(department);
    a->state = VT_ASSET_READY;
    a->source = g_strdup_printf("2019/%s scan.tif", id);
    a->intervention = g_strdup(intervention);
    a->width = width;
    a->height = height;
    a->custom = custom ? parse(custom) : NULL;
    return a;
}

/* Writes @doc as $VT_MANIFEST_OUT/@name.json for the schema test. */
static void emit(const char *name, const json_t *doc)
{
    const char *out = g_getenv("VT_MANIFEST_OUT");
    if (!out || !*out)
        return;
    g_assert_cmpint(g_mkdir_with_parents(out, 0755), ==, 0);
    g_autofree char *file = g_strdup_printf("%s.json", name);
    g_autofree char *path = g_build_filename(out, file, NULL);
    g_assert_cmpint(json_dump_file(doc, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER), ==, 0);
}

/* The string at @path ("a/0/b": keys and array indexes) in @doc. */
static const char *str_at(const json_t *doc, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);
    const json_t *v = doc;
    for (size_t i = 0; parts[i] && v; i++) {
        if (json_is_array(v))
            v = json_array_get(v, (size_t)g_ascii_strtoull(parts[i], NULL, 10));
        else
            v = json_object_get(v, parts[i]);
    }
    return json_string_value(v);
}

static const json_t *at(const json_t *doc, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);
    const json_t *v = doc;
    for (size_t i = 0; parts[i] && v; i++) {
        if (json_is_array(v))
            v = json_array_get(v, (size_t)g_ascii_strtoull(parts[i], NULL, 10));
        else
            v = json_object_get(v, parts[i]);
    }
    return v;
}

static json_int_t int_at(const json_t *doc, const char *path)
{
    const json_t *v = at(doc, path);
    g_assert_true(json_is_integer(v));
    return json_integer_value(v);
}

/* The metadata entry whose English label is @label, or NULL. */
static const json_t *metadata_entry(const json_t *manifest, const char *label)
{
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(manifest, "metadata"), i, e)
        if (g_strcmp0(str_at(e, "label/en/0"), label) == 0)
            return e;
    return NULL;
}

static const char *const CUSTOM =
    "{\"title\": [{\"value\": \"Portret van een vrouw\", \"lang\": \"nl\"},"
    "             {\"value\": \"Portrait d'une femme\", \"lang\": \"fr\"},"
    "             {\"value\": \"Woman, draft title\"}],"
    " \"description\": [{\"value\": \"Oil on panel, before treatment.\", \"lang\": \"en\"}],"
    " \"keywords\": [{\"value\": \"<script>alert(1)</script>\"},"
    "                {\"value\": \"vernis\", \"lang\": \"fr\"}],"
    " \"rights\": [{\"value\": \"https://creativecommons.org/licenses/by/4.0/\"}],"
    " \"visibility\": [{\"value\": \"public\"}]}";

static const char *const HARVESTED =
    "{\"title\": [{\"value\": \"Portrait of a woman\", \"lang\": \"en\"}],"
    " \"object_type\": [{\"value\": \"painting\", \"lang\": \"en\"}]}";

/* ------------------------------------------------------------------ */
/* Asset manifests */

static void test_cantaloupe(void)
{
    vt_config *c = load("cantaloupe", "/srv/iiif");
    vt_asset *a = make_asset("ab12", "photo", "2019.12345", 4000, 3000, CUSTOM);
    json_t *harvested = parse(HARVESTED);

    json_t *m = vt_manifest_asset(c, a, harvested, "public");
    g_assert_nonnull(m);
    emit("asset-cantaloupe", m);

    /* Context: Content Search's, then Presentation's last. */
    g_assert_cmpstr(str_at(m, "@context/0"), ==, VT_MANIFEST_SEARCH_CONTEXT);
    g_assert_cmpstr(str_at(m, "@context/1"), ==, VT_MANIFEST_CONTEXT);
    g_assert_cmpstr(str_at(m, "id"), ==, "https://collection.example.org/iiif/ab12/manifest.json");
    g_assert_cmpstr(str_at(m, "type"), ==, "Manifest");

    /* Multilingual label from every source, "none" without a language. */
    g_assert_cmpstr(str_at(m, "label/nl/0"), ==, "Portret van een vrouw");
    g_assert_cmpstr(str_at(m, "label/fr/0"), ==, "Portrait d'une femme");
    g_assert_cmpstr(str_at(m, "label/none/0"), ==, "Woman, draft title");
    g_assert_cmpstr(str_at(m, "label/en/0"), ==, "Portrait of a woman");
    g_assert_cmpstr(str_at(m, "summary/en/0"), ==, "Oil on panel, before treatment.");

    /* Metadata: custom and harvested told apart by the label; the script
     * is escaped HTML that shows the exact text (viewers render metadata
     * values as HTML); title, description, visibility left out. */
    const json_t *kw = metadata_entry(m, "Keywords");
    g_assert_nonnull(kw);
    g_assert_cmpstr(str_at(kw, "value/none/0"), ==,
                    "<span>&lt;script&gt;alert(1)&lt;/script&gt;</span>");
    g_assert_cmpstr(str_at(kw, "value/fr/0"), ==, "vernis");
    const json_t *ot = metadata_entry(m, "Object type (collection system)");
    g_assert_nonnull(ot);
    g_assert_cmpstr(str_at(ot, "value/en/0"), ==, "painting");
    g_assert_null(metadata_entry(m, "Object type"));
    g_assert_null(metadata_entry(m, "Title"));
    g_assert_null(metadata_entry(m, "Title (collection system)"));
    g_assert_null(metadata_entry(m, "Visibility"));
    g_assert_nonnull(metadata_entry(m, "Rights"));
    g_autofree char *text = json_dumps(m, 0);
    g_assert_null(strstr(text, "<script>"));  /* never as markup, anywhere */

    g_assert_cmpstr(str_at(m, "requiredStatement/label/en/0"), ==, "Attribution");
    g_assert_cmpstr(str_at(m, "requiredStatement/value/none/0"), ==, "Photography");
    g_assert_cmpstr(str_at(m, "rights"), ==, "http://creativecommons.org/licenses/by/4.0/");

    /* Thumbnail: fits 300 x 300, with the image service. */
    g_assert_cmpstr(str_at(m, "thumbnail/0/id"), ==,
                    "https://iiif.example.org/iiif/3/ab12/full/!300,300/0/default.jpg");
    g_assert_cmpstr(str_at(m, "thumbnail/0/type"), ==, "Image");
    g_assert_cmpstr(str_at(m, "thumbnail/0/format"), ==, "image/jpeg");
    g_assert_cmpint(int_at(m, "thumbnail/0/width"), ==, 300);
    g_assert_cmpint(int_at(m, "thumbnail/0/height"), ==, 225);
    g_assert_cmpstr(str_at(m, "thumbnail/0/service/0/type"), ==, "ImageService3");

    /* One canvas, one painting annotation, ImageService3 level2. */
    g_assert_cmpint(json_array_size(json_object_get(m, "items")), ==, 1);
    const json_t *canvas = at(m, "items/0");
    g_assert_cmpstr(str_at(canvas, "id"), ==, "https://collection.example.org/iiif/ab12/canvas/1");
    g_assert_cmpstr(str_at(canvas, "type"), ==, "Canvas");
    g_assert_cmpint(int_at(canvas, "width"), ==, 4000);
    g_assert_cmpint(int_at(canvas, "height"), ==, 3000);
    g_assert_cmpstr(str_at(canvas, "items/0/type"), ==, "AnnotationPage");
    const json_t *anno = at(canvas, "items/0/items/0");
    g_assert_cmpstr(str_at(anno, "type"), ==, "Annotation");
    g_assert_cmpstr(str_at(anno, "motivation"), ==, "painting");
    g_assert_cmpstr(str_at(anno, "target"), ==, str_at(canvas, "id"));
    g_assert_cmpstr(str_at(anno, "body/id"), ==,
                    "https://iiif.example.org/iiif/3/ab12/full/max/0/default.jpg");
    g_assert_cmpstr(str_at(anno, "body/type"), ==, "Image");
    g_assert_cmpint(int_at(anno, "body/width"), ==, 4000);
    g_assert_cmpstr(str_at(anno, "body/service/0/id"), ==, "https://iiif.example.org/iiif/3/ab12");
    g_assert_cmpstr(str_at(anno, "body/service/0/type"), ==, "ImageService3");
    g_assert_cmpstr(str_at(anno, "body/service/0/profile"), ==, "level2");
    g_assert_null(at(anno, "body/service/0/sizes"));

    g_assert_cmpstr(str_at(m, "seeAlso/0/id"), ==,
                    "https://collection.example.org/assets/ab12.json");
    g_assert_cmpstr(str_at(m, "seeAlso/0/format"), ==, "application/json");
    g_assert_cmpstr(str_at(m, "homepage/0/id"), ==,
                    "https://collection.example.org/assets/ab12.html");
    g_assert_cmpstr(str_at(m, "homepage/0/type"), ==, "Text");
    g_assert_cmpstr(str_at(m, "homepage/0/format"), ==, "text/html");
    g_assert_cmpstr(str_at(m, "partOf/0/id"), ==,
                    "https://collection.example.org/iiif/collection/intervention/2019.12345.json");
    g_assert_cmpstr(str_at(m, "partOf/1/id"), ==,
                    "https://collection.example.org/iiif/collection/department/photo.json");
    g_assert_cmpstr(str_at(m, "partOf/1/type"), ==, "Collection");
    /* Each reference labelled as the document it names labels itself. */
    g_assert_cmpstr(str_at(m, "partOf/0/label/en/0"), ==,
                    "Intervention 2019.12345: Portrait of a woman");
    g_assert_cmpstr(str_at(m, "partOf/1/label/en/0"), ==, "Photography");
    /* Content Search 2, and 1 (which Mirador recognises by its profile):
     * path-style ids to which a client appends ?q=. */
    g_assert_cmpstr(str_at(m, "service/0/type"), ==, "SearchService2");
    g_assert_cmpstr(str_at(m, "service/0/id"), ==,
                    "https://collection.example.org/cgi-bin/vitrine-search.cgi/manifest/ab12");
    g_assert_cmpstr(str_at(m, "service/0/service/0/type"), ==, "AutoCompleteService2");
    g_assert_cmpstr(str_at(m, "service/0/service/0/id"), ==,
                    "https://collection.example.org/cgi-bin/vitrine-search.cgi/autocomplete/ab12");
    g_assert_cmpstr(str_at(m, "service/1/@context"), ==, "http://iiif.io/api/search/1/context.json");
    g_assert_cmpstr(str_at(m, "service/1/profile"), ==, "http://iiif.io/api/search/1/search");
    g_assert_cmpstr(str_at(m, "service/1/@id"), ==,
                    "https://collection.example.org/cgi-bin/vitrine-search.cgi/manifest/ab12/v1");
    g_assert_cmpstr(str_at(m, "service/1/service/0/profile"), ==,
                    "http://iiif.io/api/search/1/autocomplete");
    g_assert_cmpstr(str_at(m, "service/1/service/0/@id"), ==,
                    "https://collection.example.org/cgi-bin/vitrine-search.cgi/autocomplete/ab12/v1");
    for (size_t i = 0; i < 2; i++) {
        const char *sid = str_at(json_array_get(json_object_get(m, "service"), i),
                                 i == 0 ? "id" : "@id");
        g_assert_null(strchr(sid, '?'));
    }
    /* The canvas has the manifest's thumbnail (Universal Viewer). */
    g_assert_cmpstr(str_at(m, "items/0/thumbnail/0/id"), ==, str_at(m, "thumbnail/0/id"));

    /* The inputs are not changed. */
    g_assert_cmpint(json_object_size(harvested), ==, 2);
    g_assert_null(json_object_get(a->custom, "harvested"));

    json_decref(m);
    json_decref(harvested);
    vt_asset_free(a);
    vt_config_free(c);
}

static void test_iipsrv(void)
{
    vt_config *c = load("iipsrv", "/srv/iiif");
    /* Portrait, smaller than the thumbnail size: never scaled up. */
    vt_asset *a = make_asset("cd34", "xray", NULL, 200, 250, NULL);

    json_t *m = vt_manifest_asset(c, a, NULL, "public");
    g_assert_nonnull(m);
    emit("asset-iipsrv", m);

    const json_t *service = at(m, "items/0/items/0/items/0/body/service/0");
    g_assert_cmpstr(str_at(service, "@id"), ==, "https://iiif.example.org/iiif/3/cd34.tif");
    g_assert_cmpstr(str_at(service, "@type"), ==, "ImageService2");
    g_assert_cmpstr(str_at(service, "profile"), ==, "http://iiif.io/api/image/2/level1.json");
    g_assert_null(json_object_get(service, "id"));
    g_assert_null(json_object_get(service, "type"));
    g_assert_cmpstr(str_at(m, "items/0/items/0/items/0/body/id"), ==,
                    "https://iiif.example.org/iiif/3/cd34.tif/full/full/0/default.jpg");
    g_assert_cmpstr(str_at(m, "thumbnail/0/service/0/@type"), ==, "ImageService2");
    g_assert_cmpint(int_at(m, "thumbnail/0/width"), ==, 200);
    g_assert_cmpint(int_at(m, "thumbnail/0/height"), ==, 250);
    g_assert_cmpint(int_at(m, "items/0/width"), ==, 200);
    g_assert_cmpint(int_at(m, "items/0/height"), ==, 250);

    /* No title anywhere: the file name, without its folders. */
    g_assert_cmpstr(str_at(m, "label/none/0"), ==, "cd34 scan.tif");
    /* No description, no rights, no intervention. */
    g_assert_null(json_object_get(m, "summary"));
    g_assert_null(json_object_get(m, "rights"));
    g_assert_cmpint(json_array_size(json_object_get(m, "partOf")), ==, 1);
    g_assert_cmpstr(str_at(m, "partOf/0/id"), ==,
                    "https://collection.example.org/iiif/collection/department/xray.json");
    g_assert_cmpstr(str_at(m, "requiredStatement/value/none/0"), ==, "X-ray");

    json_decref(m);
    vt_asset_free(a);
    vt_config_free(c);
}

static void test_static(void)
{
    g_autofree char *images = g_dir_make_tmp("vt-manifest-XXXXXX", NULL);
    g_assert_nonnull(images);
    g_autofree char *dir = g_build_filename(images, "ef56", NULL);
    g_assert_cmpint(g_mkdir(dir, 0755), ==, 0);
    g_autofree char *info = g_build_filename(dir, "info.json", NULL);
    g_assert_true(g_file_set_contents(
        info,
        "{\"id\": \"https://iiif.example.org/iiif/3/ef56\", \"type\": \"ImageService3\","
        " \"sizes\": [{\"width\": 300, \"height\": 200}, {\"width\": 2048, \"height\": 1365},"
        " {\"width\": -1, \"height\": 5}, \"junk\"]}",
        -1, NULL));
    /* The whole images written: the listed ones, a larger download left
     * out of "sizes" (viewers would take it for a level), and names that
     * are no image of this asset. */
    static const char *const wholes[] = {"300,200", "2048,1365", "3000,2000", "9000,6000",
                                         "max", "12,", "1,x"};
    for (size_t i = 0; i < G_N_ELEMENTS(wholes); i++) {
        g_autofree char *d = g_build_filename(dir, "full", wholes[i], "0", NULL);
        g_assert_cmpint(g_mkdir_with_parents(d, 0755), ==, 0);
        g_autofree char *file = g_build_filename(d, "default.jpg", NULL);
        /* 3000,2000 is a folder without its image. */
        if (strcmp(wholes[i], "3000,2000") != 0)
            g_assert_true(g_file_set_contents(file, "jpeg", -1, NULL));
    }
    vt_config *c = load("static", images);
    vt_asset *a = make_asset("ef56", "photo", "2019.12345", 6000, 4000,
                             "{\"rights\": [{\"value\": \"All rights reserved\"},"
                             " {\"value\": \"http://example.org/licenses/by/4.0/\"},"
                             " {\"value\": \"http://rightsstatements.org/vocab/InC/1.0/\"}]}");

    json_t *m = vt_manifest_asset(c, a, NULL, "internal");
    g_assert_nonnull(m);
    emit("asset-static", m);

    const json_t *service = at(m, "items/0/items/0/items/0/body/service/0");
    g_assert_cmpstr(str_at(service, "id"), ==, "https://iiif.example.org/iiif/3/ef56");
    g_assert_cmpstr(str_at(service, "type"), ==, "ImageService3");
    g_assert_cmpstr(str_at(service, "profile"), ==, "level0");
    /* Only the usable sizes of info.json. */
    g_assert_cmpint(json_array_size(json_object_get(service, "sizes")), ==, 2);
    g_assert_cmpint(int_at(service, "sizes/1/width"), ==, 2048);
    g_assert_cmpint(int_at(service, "sizes/1/height"), ==, 1365);
    /* The body is the largest whole image that exists as a file. */
    g_assert_cmpstr(str_at(m, "items/0/items/0/items/0/body/id"), ==,
                    "https://iiif.example.org/iiif/3/ef56/full/2048,1365/0/default.jpg");
    g_assert_cmpint(int_at(m, "items/0/items/0/items/0/body/width"), ==, 2048);
    g_assert_cmpint(int_at(m, "items/0/width"), ==, 6000);
    json_decref(m);

    /* Also when "sizes" leaves the download out: never the thumbnail. */
    g_assert_true(g_file_set_contents(
        info,
        "{\"id\": \"https://iiif.example.org/iiif/3/ef56\", \"type\": \"ImageService3\","
        " \"sizes\": [{\"width\": 300, \"height\": 200}]}",
        -1, NULL));
    m = vt_manifest_asset(c, a, NULL, "internal");
    g_assert_nonnull(m);
    g_assert_cmpstr(str_at(m, "items/0/items/0/items/0/body/id"), ==,
                    "https://iiif.example.org/iiif/3/ef56/full/2048,1365/0/default.jpg");
    g_assert_cmpint(int_at(m, "items/0/items/0/items/0/body/height"), ==, 1365);
    g_assert_cmpstr(str_at(m, "items/0/thumbnail/0/id"), ==,
                    "https://iiif.example.org/iiif/3/ef56/full/300,200/0/default.jpg");
    g_assert_cmpstr(str_at(m, "thumbnail/0/id"), ==,
                    "https://iiif.example.org/iiif/3/ef56/full/300,200/0/default.jpg");
    g_assert_cmpint(int_at(m, "thumbnail/0/width"), ==, 300);
    g_assert_cmpint(int_at(m, "thumbnail/0/height"), ==, 200);
    /* rights: only a vocabulary URI, not text nor another site. */
    g_assert_cmpstr(str_at(m, "rights"), ==, "http://rightsstatements.org/vocab/InC/1.0/");
    g_assert_cmpstr(str_at(metadata_entry(m, "Rights"), "value/none/0"), ==,
                    "All rights reserved");
    json_decref(m);

    /* Without info.json: no sizes, and no thumbnail (a level-0 server has
     * no other size to give). */
    g_assert_cmpint(g_unlink(info), ==, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(wholes); i++) {
        g_autofree char *file = g_build_filename(dir, "full", wholes[i], "0", "default.jpg", NULL);
        g_autofree char *d0 = g_build_filename(dir, "full", wholes[i], "0", NULL);
        g_autofree char *d = g_build_filename(dir, "full", wholes[i], NULL);
        (void)g_unlink(file);
        g_assert_cmpint(g_rmdir(d0), ==, 0);
        g_assert_cmpint(g_rmdir(d), ==, 0);
    }
    g_autofree char *full_dir = g_build_filename(dir, "full", NULL);
    g_assert_cmpint(g_rmdir(full_dir), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
    m = vt_manifest_asset(c, a, NULL, "internal");
    g_assert_nonnull(m);
    emit("asset-static-bare", m);
    g_assert_null(json_object_get(m, "thumbnail"));
    g_assert_null(at(m, "items/0/items/0/items/0/body/service/0/sizes"));
    g_assert_cmpstr(str_at(m, "items/0/items/0/items/0/body/service/0/profile"), ==, "level0");
    json_decref(m);

    g_assert_cmpint(g_rmdir(images), ==, 0);
    vt_asset_free(a);
    vt_config_free(c);
}

/* [site] attribution is the requiredStatement, [site] rights the default
 * rights, which an asset's own rights value overrides. */
static void test_site_rights(void)
{
    const char *text =
        "[vitrine]\nstate-dir=/var/lib/vitrine\noriginals-dir=/srv/o\n"
        "quarantine-dir=/srv/q\nspool-dir=/var/spool/vitrine\n"
        "[images]\nserver=cantaloupe\ndir=/srv/iiif\nbase-url=https://iiif.example.org/iiif/3/\n"
        "[site]\ndir=/srv/site\nbase-url=https://collection.example.org/\n"
        "rights=http://rightsstatements.org/vocab/InC/1.0/\n"
        "attribution=Courtesy of the <Museum> & Archive\n"
        "[department:photo]\nhotfolder=/srv/hot/photo\nlabel=Photography\n";
    vt_config *c = NULL;
    if (vt_config_load_data(text, "test", NULL, &c) != VT_OK)
        g_error("config: %s", vt_error_message());
    vt_asset *plain = make_asset("ab12", "photo", NULL, 400, 300, NULL);
    vt_asset *own = make_asset("ab13", "photo", NULL, 400, 300,
                               "{\"rights\": [{\"value\": \"https://creativecommons.org/publicdomain/zero/1.0/\"}]}");

    json_t *m = vt_manifest_asset(c, plain, NULL, "public");
    g_assert_nonnull(m);
    emit("asset-site-rights", m);
    g_assert_cmpstr(str_at(m, "rights"), ==, "http://rightsstatements.org/vocab/InC/1.0/");
    /* The credit line, not the department; markup characters escaped, as
     * a requiredStatement value may be HTML. */
    g_assert_cmpstr(str_at(m, "requiredStatement/value/none/0"), ==,
                    "<span>Courtesy of the &lt;Museum&gt; &amp; Archive</span>");
    g_assert_cmpuint(json_array_size(at(m, "requiredStatement/value/none")), ==, 1);
    json_decref(m);

    m = vt_manifest_asset(c, own, NULL, "public");
    g_assert_nonnull(m);
    g_assert_cmpstr(str_at(m, "rights"), ==, "http://creativecommons.org/publicdomain/zero/1.0/");
    json_decref(m);

    /* An intervention manifest states the default; attribution as above. */
    g_free(plain->intervention);
    plain->intervention = g_strdup("2019.1");
    const vt_asset *const one[] = {plain};
    m = vt_manifest_intervention(c, "2019.1", one, NULL, 1, "public");
    g_assert_nonnull(m);
    emit("intervention-site-rights", m);
    g_assert_cmpstr(str_at(m, "rights"), ==, "http://rightsstatements.org/vocab/InC/1.0/");
    g_assert_cmpstr(str_at(m, "requiredStatement/value/none/0"), ==,
                    "<span>Courtesy of the &lt;Museum&gt; &amp; Archive</span>");
    json_decref(m);

    vt_asset_free(plain);
    vt_asset_free(own);
    vt_config_free(c);
}

static void test_refused(void)
{
    vt_config *c = load("cantaloupe", "/srv/iiif");
    vt_asset *a = make_asset("ab12", "photo", NULL, 100, 100, NULL);

    /* An internal asset is never published for the public. */
    a->visibility = VT_VISIBILITY_INTERNAL;
    vt_error_clear();
    g_assert_null(vt_manifest_asset(c, a, NULL, "public"));
    g_assert_nonnull(strstr(vt_error_message(), "internal"));
    json_t *m = vt_manifest_asset(c, a, NULL, "internal");
    g_assert_nonnull(m);
    json_decref(m);
    a->visibility = VT_VISIBILITY_PUBLIC;

    vt_error_clear();
    g_assert_null(vt_manifest_asset(c, a, NULL, "everyone"));
    g_assert_nonnull(strstr(vt_error_message(), "audience"));
    g_assert_null(vt_manifest_asset(c, a, NULL, NULL));

    /* Not converted yet. */
    a->width = 0;
    vt_error_clear();
    g_assert_null(vt_manifest_asset(c, a, NULL, "public"));
    g_assert_nonnull(strstr(vt_error_message(), "ab12"));
    a->width = 100;

    /* An id that would escape the URL scheme. */
    g_free(a->id);
    a->id = g_strdup("../x");
    vt_error_clear();
    g_assert_null(vt_manifest_asset(c, a, NULL, "public"));
    g_assert_nonnull(strstr(vt_error_message(), "not an asset id"));

    /* An intervention number that cannot be a path: no collection named. */
    g_free(a->id);
    a->id = g_strdup("ab12");
    g_free(a->intervention);
    a->intervention = g_strdup("../../etc");
    m = vt_manifest_asset(c, a, NULL, "public");
    g_assert_nonnull(m);
    g_assert_cmpint(json_array_size(json_object_get(m, "partOf")), ==, 1);
    json_decref(m);

    /* A file name that is not UTF-8 (Latin-1) is repaired, not a failure. */
    g_free(a->source);
    a->source = g_strdup("scans/caf\xe9.tif");
    m = vt_manifest_asset(c, a, NULL, "public");
    g_assert_nonnull(m);
    g_assert_cmpstr(str_at(m, "label/none/0"), ==, "caf\xef\xbf\xbd.tif");
    json_decref(m);

    vt_asset_free(a);
    vt_config_free(c);
}

static void test_urls(void)
{
    vt_config *c = load("cantaloupe", "/srv/iiif");
    g_assert_true(vt_manifest_intervention_valid("2019.12345"));
    g_assert_true(vt_manifest_intervention_valid("B-2020_7"));
    g_assert_false(vt_manifest_intervention_valid(".."));
    g_assert_false(vt_manifest_intervention_valid(".hidden"));
    g_assert_false(vt_manifest_intervention_valid("a/b"));
    g_assert_false(vt_manifest_intervention_valid("a b"));
    g_assert_false(vt_manifest_intervention_valid(""));
    g_assert_false(vt_manifest_intervention_valid(NULL));
    g_autofree char *long_ok = g_strnfill(VT_MANIFEST_INTERVENTION_MAX, '7');
    g_autofree char *too_long = g_strnfill(VT_MANIFEST_INTERVENTION_MAX + 1, '7');
    g_assert_true(vt_manifest_intervention_valid(long_ok));
    g_assert_false(vt_manifest_intervention_valid(too_long));

    g_autofree char *top = vt_manifest_url_top(c);
    g_assert_cmpstr(top, ==, "https://collection.example.org/iiif/collection/top.json");
    g_autofree char *dept = vt_manifest_url_department(c, "photo");
    g_assert_cmpstr(dept, ==,
                    "https://collection.example.org/iiif/collection/department/photo.json");
    g_autofree char *im = vt_manifest_url_intervention(c, "2019.12345");
    g_assert_cmpstr(im, ==,
                    "https://collection.example.org/iiif/intervention/2019.12345/manifest.json");
    g_autofree char *ic = vt_manifest_url_intervention_collection(c, "2019.12345");
    g_assert_cmpstr(ic, ==,
                    "https://collection.example.org/iiif/collection/intervention/2019.12345.json");
    vt_error_clear();
    g_assert_null(vt_manifest_url_department(c, "../x"));
    g_assert_nonnull(strstr(vt_error_message(), "department"));
    g_assert_null(vt_manifest_url_intervention(c, "a/b"));
    g_assert_null(vt_manifest_url_intervention_collection(c, NULL));
    vt_config_free(c);
}

/* ------------------------------------------------------------------ */
/* Intervention manifest and collections */

typedef struct {
    vt_config *c;
    vt_asset *assets[3];
    json_t *harvested[3];
} fixture;

static void fixture_init(fixture *f)
{
    f->c = load("cantaloupe", "/srv/iiif");
    /* One intervention photographed by one department, x-rayed by another. */
    f->assets[0] = make_asset("aa01", "photo", "2019.12345", 4000, 3000,
                              "{\"title\": [{\"value\": \"Front\", \"lang\": \"en\"}]}");
    f->assets[1] = make_asset("aa02", "xray", "2019.12345", 2000, 2500, NULL);
    f->assets[2] = make_asset("aa03", "photo", "2019.12345", 3000, 4000, NULL);
    for (size_t i = 0; i < 3; i++)
        f->harvested[i] = parse("{\"title\": [{\"value\": \"Altarpiece\", \"lang\": \"en\"},"
                                " {\"value\": \"Retable\", \"lang\": \"fr\"}]}");
}

static void fixture_clear(fixture *f)
{
    for (size_t i = 0; i < 3; i++) {
        vt_asset_free(f->assets[i]);
        json_decref(f->harvested[i]);
    }
    vt_config_free(f->c);
}

static void test_intervention(void)
{
    fixture f;
    fixture_init(&f);
    const vt_asset *const assets[] = { f.assets[0], f.assets[1] };
    const json_t *const harvested[] = { f.harvested[0], f.harvested[1] };

    json_t *m = vt_manifest_intervention(f.c, "2019.12345", assets, harvested, 2, "public");
    g_assert_nonnull(m);
    emit("intervention", m);
    g_assert_cmpstr(str_at(m, "@context"), ==, VT_MANIFEST_CONTEXT);
    g_assert_cmpstr(str_at(m, "id"), ==,
                    "https://collection.example.org/iiif/intervention/2019.12345/manifest.json");
    g_assert_cmpstr(str_at(m, "type"), ==, "Manifest");
    g_assert_cmpstr(str_at(m, "label/en/0"), ==, "Intervention 2019.12345: Altarpiece");
    g_assert_cmpstr(str_at(m, "label/fr/0"), ==, "Intervention 2019.12345: Retable");
    /* Both departments are credited, once each. */
    g_assert_cmpstr(str_at(m, "requiredStatement/value/none/0"), ==, "Photography");
    g_assert_cmpstr(str_at(m, "requiredStatement/value/none/1"), ==, "X-ray");
    g_assert_cmpint(json_array_size(at(m, "requiredStatement/value/none")), ==, 2);
    /* The same canvases as the assets' own manifests, in the order given. */
    g_assert_cmpint(json_array_size(json_object_get(m, "items")), ==, 2);
    g_assert_cmpstr(str_at(m, "items/0/id"), ==,
                    "https://collection.example.org/iiif/aa01/canvas/1");
    g_assert_cmpstr(str_at(m, "items/0/label/en/0"), ==, "Front");
    g_assert_cmpstr(str_at(m, "items/1/id"), ==,
                    "https://collection.example.org/iiif/aa02/canvas/1");
    g_assert_cmpint(int_at(m, "items/1/width"), ==, 2000);
    g_assert_cmpint(int_at(m, "items/1/height"), ==, 2500);
    g_assert_cmpstr(str_at(m, "items/1/items/0/items/0/body/service/0/type"), ==, "ImageService3");
    g_assert_cmpstr(str_at(m, "partOf/0/id"), ==,
                    "https://collection.example.org/iiif/collection/intervention/2019.12345.json");
    g_assert_nonnull(at(m, "thumbnail/0/id"));
    json_decref(m);

    /* Without harvested titles: the number alone. */
    m = vt_manifest_intervention(f.c, "2019.12345", assets, NULL, 2, "public");
    g_assert_nonnull(m);
    g_assert_cmpstr(str_at(m, "label/none/0"), ==, "Intervention 2019.12345");
    json_decref(m);

    /* An asset of another intervention, none at all, a bad number, an
     * internal asset for the public: refused. */
    vt_error_clear();
    g_assert_null(vt_manifest_intervention(f.c, "2019.99999", assets, harvested, 2, "public"));
    g_assert_nonnull(strstr(vt_error_message(), "aa01"));
    g_assert_null(vt_manifest_intervention(f.c, "2019.12345", assets, harvested, 0, "public"));
    g_assert_null(vt_manifest_intervention(f.c, "../x", assets, harvested, 2, "public"));
    f.assets[1]->visibility = VT_VISIBILITY_INTERNAL;
    g_assert_null(vt_manifest_intervention(f.c, "2019.12345", assets, harvested, 2, "public"));
    m = vt_manifest_intervention(f.c, "2019.12345", assets, harvested, 2, "internal");
    g_assert_nonnull(m);
    json_decref(m);

    fixture_clear(&f);
}

/* The documents of @assets (each asset's manifest, the intervention's
 * manifest and collection) for @audience as one text; @intervention_first
 * builds the intervention's documents before the assets' own. */
static char *documents_text(const vt_config *c, const vt_asset *const *assets,
                            const json_t *const *harvested, size_t n, const char *audience,
                            bool intervention_first)
{
    json_t *docs = json_array();
    for (int round = 0; round < 2; round++) {
        if (round == (intervention_first ? 0 : 1)) {
            json_array_append_new(docs, vt_manifest_intervention(c, assets[0]->intervention,
                                                                 assets, harvested, n, audience));
            json_array_append_new(docs, vt_manifest_collection_intervention(
                                            c, assets[0]->intervention, assets, harvested, n,
                                            audience));
        } else {
            for (size_t i = 0; i < n; i++)
                json_array_append_new(docs,
                                      vt_manifest_asset(c, assets[i], harvested[i], audience));
        }
    }
    g_assert_cmpint(json_array_size(docs), ==, n + 2);
    char *text = json_dumps(docs, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(docs);
    g_assert_nonnull(text);
    char *copy = g_strdup(text);
    free(text);
    return copy;
}

/* With the views known (vt_manifest_views_set), the parts made once and
 * then shared (labels, metadata and its labels, summaries, the titles of
 * harvested fields that several assets share, attributions, literals, an
 * asset's image body and thumbnail) give the same documents as without,
 * both when made and when reused: for both audiences, each with its own
 * config view as the site has (their canvases differ in the base URL, the
 * images they share do not), in either order, asset manifests or the
 * intervention's documents first, and for a config with other images
 * settings in the same batch (which must not take the first one's). */
static void test_known_views(void)
{
    vt_config *c = load("cantaloupe", "/srv/iiif");
    vt_config *other = load("iipsrv", "/srv/iiif");
    vt_config views_of[2];
    vt_config_audience_view(c, false, &views_of[0]);
    vt_config_audience_view(c, true, &views_of[1]);
    const char *const audiences[] = { "public", "internal" };
    vt_asset *a = make_asset("kv01", "photo", "2019.12345", 4000, 3000, CUSTOM);
    vt_asset *b = make_asset("kv02", "xray", "2019.12345", 2000, 2500,
                             "{\"object_type\": [{\"value\": \"drawing\", \"lang\": \"en\"}]}");
    /* Every source of one field, markup in a value, text that is not ASCII. */
    a->embedded = parse("{\"object_type\": [{\"value\": \"photo & <b>x</b>\"}],"
                        " \"creator\": [{\"value\": \"Ren\u00e9 \\\"R\\\" \u2603\"}]}");
    vt_asset *d = make_asset("kv03", "photo", "2019.12345", 300, 200, NULL);
    /* One harvested record for all, as for one intervention. */
    json_t *h = parse(HARVESTED);
    const vt_asset *const assets[] = { a, b, d };
    const json_t *const harvested[] = { h, h, h };
    /* [audience][intervention first], and the other images settings. */
    char *alone[2][2], *alone_other[2];
    for (size_t w = 0; w < 2; w++)
        for (int first = 0; first < 2; first++)
            alone[w][first] =
                documents_text(&views_of[w], assets, harvested, 3, audiences[w], first);
    for (int first = 0; first < 2; first++)
        alone_other[first] = documents_text(other, assets, harvested, 3, "internal", first);
    g_assert_nonnull(strstr(alone[0][0], "Object type (from the file)"));
    g_assert_nonnull(strstr(alone[0][0], "Intervention 2019.12345: Portrait of a woman"));
    g_assert_nonnull(
        strstr(alone[1][0], "\"https://collection.example.org/internal/iiif/kv01/canvas/1\""));
    g_assert_null(strstr(alone[0][0], "/internal/"));
    g_assert_nonnull(strstr(alone_other[0], "kv01.tif"));

    json_t *views[3];
    for (size_t i = 0; i < 3; i++) {
        json_t *metadata = json_pack("{s:O, s:O*}", "harvested", h, "custom", assets[i]->custom);
        g_assert_cmpint(vt_meta_merged(metadata, assets[i]->embedded, &views[i]), ==, VT_OK);
        json_decref(metadata);
    }
    /* first: the audience that makes the parts; intervention_first: which
     * documents make them. Each batch: made, then reused, then the other
     * audience, then the other images settings. */
    for (size_t first = 0; first < 2; first++)
        for (int intervention_first = 0; intervention_first < 2; intervention_first++) {
            vt_manifest_views_set(assets, harvested, (const json_t *const *)views, 3);
            for (size_t round = 0; round < 2; round++)
                for (size_t j = 0; j < 2; j++) {
                    size_t w = j == 0 ? first : 1 - first;
                    g_autofree char *text = documents_text(&views_of[w], assets, harvested, 3,
                                                           audiences[w], intervention_first);
                    g_assert_cmpstr(text, ==, alone[w][intervention_first]);
                }
            g_autofree char *text_other =
                documents_text(other, assets, harvested, 3, "internal", intervention_first);
            vt_manifest_views_clear();
            g_assert_cmpstr(text_other, ==, alone_other[intervention_first]);
        }

    for (size_t w = 0; w < 2; w++)
        for (int first = 0; first < 2; first++)
            g_free(alone[w][first]);
    for (int first = 0; first < 2; first++)
        g_free(alone_other[first]);
    for (size_t i = 0; i < 3; i++)
        json_decref(views[i]);
    json_decref(h);
    vt_asset_free(a);
    vt_asset_free(b);
    vt_asset_free(d);
    vt_config_free(other);
    vt_config_free(c);
}

static void test_collections(void)
{
    fixture f;
    fixture_init(&f);

    /* Top: the departments the caller gives, in that order. */
    const vt_department *const departments[] = { &f.c->departments[0], &f.c->departments[1] };
    json_t *top = vt_manifest_collection_top(f.c, departments, 2);
    g_assert_nonnull(top);
    emit("collection-top", top);
    g_assert_cmpstr(str_at(top, "@context"), ==, VT_MANIFEST_CONTEXT);
    g_assert_cmpstr(str_at(top, "id"), ==,
                    "https://collection.example.org/iiif/collection/top.json");
    g_assert_cmpstr(str_at(top, "type"), ==, "Collection");
    g_assert_nonnull(str_at(top, "label/en/0"));
    g_assert_cmpint(json_array_size(json_object_get(top, "items")), ==, 2);
    g_assert_cmpstr(str_at(top, "items/0/type"), ==, "Collection");
    g_assert_cmpstr(str_at(top, "items/0/id"), ==,
                    "https://collection.example.org/iiif/collection/department/photo.json");
    /* Labelled as the department's collection labels itself. */
    g_assert_cmpstr(str_at(top, "items/0/label/en/0"), ==, "Photography");
    g_assert_cmpstr(str_at(top, "items/1/label/en/0"), ==, "X-ray");
    json_decref(top);

    /* Department: a Manifest reference per asset given. */
    const vt_asset *const photo[] = { f.assets[0], f.assets[2] };
    const json_t *const photo_h[] = { f.harvested[0], f.harvested[2] };
    json_t *dept = vt_manifest_collection_department(f.c, &f.c->departments[0], photo, photo_h, 2,
                                                     "public");
    g_assert_nonnull(dept);
    emit("collection-department", dept);
    g_assert_cmpstr(str_at(dept, "id"), ==,
                    "https://collection.example.org/iiif/collection/department/photo.json");
    g_assert_cmpstr(str_at(dept, "type"), ==, "Collection");
    g_assert_cmpstr(str_at(dept, "label/en/0"), ==, "Photography");
    g_assert_cmpstr(str_at(dept, "partOf/0/id"), ==,
                    "https://collection.example.org/iiif/collection/top.json");
    g_assert_cmpint(json_array_size(json_object_get(dept, "items")), ==, 2);
    g_assert_cmpstr(str_at(dept, "items/0/id"), ==,
                    "https://collection.example.org/iiif/aa01/manifest.json");
    g_assert_cmpstr(str_at(dept, "items/0/type"), ==, "Manifest");
    g_assert_cmpstr(str_at(dept, "items/0/label/en/0"), ==, "Front");
    g_assert_cmpstr(str_at(dept, "items/1/id"), ==,
                    "https://collection.example.org/iiif/aa03/manifest.json");
    /* aa03 has only the harvested title. */
    g_assert_cmpstr(str_at(dept, "items/1/label/fr/0"), ==, "Retable");
    json_decref(dept);

    /* An asset of another department is refused, and so is an internal one
     * for the public. */
    const vt_asset *const mixed[] = { f.assets[0], f.assets[1] };
    vt_error_clear();
    g_assert_null(vt_manifest_collection_department(f.c, &f.c->departments[0], mixed, NULL, 2,
                                                    "public"));
    g_assert_nonnull(strstr(vt_error_message(), "aa02"));
    f.assets[2]->visibility = VT_VISIBILITY_INTERNAL;
    g_assert_null(vt_manifest_collection_department(f.c, &f.c->departments[0], photo, photo_h, 2,
                                                    "public"));
    f.assets[2]->visibility = VT_VISIBILITY_PUBLIC;

    /* An empty department is an empty collection. */
    dept = vt_manifest_collection_department(f.c, &f.c->departments[1], NULL, NULL, 0, "public");
    g_assert_nonnull(dept);
    emit("collection-department-empty", dept);
    g_assert_cmpint(json_array_size(json_object_get(dept, "items")), ==, 0);
    json_decref(dept);

    /* Intervention: its manifest first, then each asset's. */
    const vt_asset *const all[] = { f.assets[0], f.assets[1], f.assets[2] };
    const json_t *const all_h[] = { f.harvested[0], f.harvested[1], f.harvested[2] };
    json_t *ic = vt_manifest_collection_intervention(f.c, "2019.12345", all, all_h, 3, "public");
    g_assert_nonnull(ic);
    emit("collection-intervention", ic);
    g_assert_cmpstr(str_at(ic, "id"), ==,
                    "https://collection.example.org/iiif/collection/intervention/2019.12345.json");
    g_assert_cmpstr(str_at(ic, "type"), ==, "Collection");
    g_assert_cmpstr(str_at(ic, "label/en/0"), ==, "Intervention 2019.12345: Altarpiece");
    g_assert_cmpint(json_array_size(json_object_get(ic, "items")), ==, 4);
    g_assert_cmpstr(str_at(ic, "items/0/id"), ==,
                    "https://collection.example.org/iiif/intervention/2019.12345/manifest.json");
    g_assert_cmpstr(str_at(ic, "items/0/type"), ==, "Manifest");
    g_assert_cmpstr(str_at(ic, "items/2/id"), ==,
                    "https://collection.example.org/iiif/aa02/manifest.json");
    json_decref(ic);

    ic = vt_manifest_collection_intervention(f.c, "2019.12345", NULL, NULL, 0, "public");
    g_assert_nonnull(ic);
    g_assert_cmpint(json_array_size(json_object_get(ic, "items")), ==, 0);
    json_decref(ic);
    g_assert_null(vt_manifest_collection_intervention(f.c, "2019.12345", all, all_h, 3, "anyone"));

    fixture_clear(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/manifest/cantaloupe", test_cantaloupe);
    g_test_add_func("/manifest/iipsrv", test_iipsrv);
    g_test_add_func("/manifest/static", test_static);
    g_test_add_func("/manifest/refused", test_refused);
    g_test_add_func("/manifest/site-rights", test_site_rights);
    g_test_add_func("/manifest/urls", test_urls);
    g_test_add_func("/manifest/intervention", test_intervention);
    g_test_add_func("/manifest/collections", test_collections);
    g_test_add_func("/manifest/known-views", test_known_views);
    return g_test_run();
}
