/* Tests of indexer/vt_selection (shared selections as IIIF manifests) and
 * of vitrine-search.cgi?selection= run as the web server runs it: the ids
 * parsed and refused, canvases composed from published manifests, unknown
 * and internal ids left out and named in the summary, a public request
 * that names an internal asset, and the cache headers (ETag, 304). The CGI
 * part needs the built vitrine-search.cgi in $VT_BIN_DIR (skipped
 * otherwise). */
#include "vt_selection.h"
#include "vt_file.h"
#include "vt_test_cgi.h"

#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------------- parse */

static char **parse_ok(const char *query)
{
    char **ids = NULL;
    vt_status st = vt_selection_parse(query, &ids);
    if (st != VT_OK)
        g_error("%s: %s", query, vt_error_message());
    return ids;
}

static void parse_fails(const char *query, vt_status want, const char *words)
{
    char **ids = (char **)"untouched";
    g_assert_cmpint(vt_selection_parse(query, &ids), ==, want);
    g_assert_true(ids == (char **)"untouched");
    if (!strstr(vt_error_message(), words))
        g_error("%s: message \"%s\" lacks \"%s\"", query, vt_error_message(), words);
}

static void test_parse(void)
{
    g_auto(GStrv) a = parse_ok("selection=aa01,bb02,cc03");
    g_assert_cmpuint(g_strv_length(a), ==, 3);
    g_assert_cmpstr(a[0], ==, "aa01");
    g_assert_cmpstr(a[2], ==, "cc03");
    /* %2C separates too; a repeated id is kept once; empty entries skip. */
    g_auto(GStrv) b = parse_ok("selection=aa01%2Cbb02%2ccc03,aa01,,bb02,");
    g_assert_cmpuint(g_strv_length(b), ==, 3);
    g_assert_cmpstr(b[1], ==, "bb02");

    g_assert_true(vt_selection_requested("selection=a"));
    g_assert_true(vt_selection_requested("q=x&selection"));
    g_assert_false(vt_selection_requested("q=selection"));
    g_assert_false(vt_selection_requested("selections=a"));
    g_assert_false(vt_selection_requested(NULL));

    parse_fails("selection=", VT_ERR_INVALID, "no asset id");
    parse_fails("selection=,,", VT_ERR_INVALID, "no asset id");
    parse_fails("", VT_ERR_INVALID, "no selection");
    parse_fails("selection=AA01", VT_ERR_INVALID, "only asset ids");
    parse_fails("selection=aa01/../x", VT_ERR_INVALID, "only asset ids");
    parse_fails("selection=aa01%2Fx", VT_ERR_INVALID, "only asset ids");
    parse_fails("selection=a+b", VT_ERR_INVALID, "only asset ids");
    parse_fails("selection=aa01&q=x", VT_ERR_INVALID, "no other parameter");
    parse_fails("selection=aa01&selection=bb02", VT_ERR_INVALID, "more than once");
    g_autofree char *long_id = g_strnfill(65, 'a');
    g_autofree char *q = g_strconcat("selection=", long_id, NULL);
    parse_fails(q, VT_ERR_INVALID, "not an asset id");

    /* The cap: VT_SELECTION_MAX distinct ids pass, one more does not. */
    GString *many = g_string_new("selection=");
    for (int i = 0; i < VT_SELECTION_MAX; i++)
        g_string_append_printf(many, "%sx%d", i ? "," : "", i);
    g_auto(GStrv) c = parse_ok(many->str);
    g_assert_cmpuint(g_strv_length(c), ==, VT_SELECTION_MAX);
    g_string_append(many, ",y1");
    parse_fails(many->str, VT_ERR_LIMIT, "at most");
    /* Far too long is refused before the ids are looked at. */
    for (int i = 0; i < 200; i++)
        g_string_append(many, ",aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    parse_fails(many->str, VT_ERR_LIMIT, "too long");
    g_string_free(many, TRUE);
}

static void test_etag(void)
{
    g_autofree char *a = vt_selection_etag("abc", 3);
    g_autofree char *b = vt_selection_etag("abd", 3);
    g_assert_cmpstr(a, !=, b);
    g_assert_true(a[0] == '"' && a[strlen(a) - 1] == '"');
    g_assert_true(vt_selection_etag_matches(a, a));
    g_autofree char *list = g_strdup_printf("\"x\", W/%s", a);
    g_assert_true(vt_selection_etag_matches(list, a));
    g_assert_true(vt_selection_etag_matches("*", a));
    g_assert_false(vt_selection_etag_matches(b, a));
    g_assert_false(vt_selection_etag_matches(NULL, a));
    g_assert_false(vt_selection_etag_matches("", a));
}

/* ------------------------------------------------------------ fixture */

typedef struct {
    char *tmp;
    char *config;
    char *cgi;
} Fixture;

/* A manifest as the generator publishes it (the fields the selection
 * reads, and one it must not copy: the manifest's service). */
static void publish(const char *tree, const char *base, const char *id, const char *label)
{
    g_autofree char *dir = g_build_filename(tree, "iiif", id, NULL);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_autofree char *text = g_strdup_printf(
        "{\"@context\": \"http://iiif.io/api/presentation/3/context.json\","
        " \"id\": \"%1$s/iiif/%2$s/manifest.json\", \"type\": \"Manifest\","
        " \"label\": {\"en\": [\"%3$s\"]},"
        " \"requiredStatement\": {\"label\": {\"en\": [\"Attribution\"]}, \"value\": {\"none\": [\"Photo\"]}},"
        " \"rights\": \"http://creativecommons.org/licenses/by/4.0/\","
        " \"homepage\": [{\"id\": \"%1$s/assets/%2$s.html\", \"type\": \"Text\", \"label\": {\"en\": [\"%3$s\"]}, \"format\": \"text/html\"}],"
        " \"service\": [{\"id\": \"%1$s/cgi-bin/vitrine-search.cgi?manifest=%2$s\", \"type\": \"SearchService2\"}],"
        " \"items\": [{\"id\": \"%1$s/iiif/%2$s/canvas/1\", \"type\": \"Canvas\", \"width\": 100, \"height\": 80,"
        "   \"items\": [{\"id\": \"%1$s/iiif/%2$s/page/1\", \"type\": \"AnnotationPage\", \"items\": []}]}]}",
        base, id, label);
    g_autofree char *path = g_build_filename(dir, "manifest.json", NULL);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void fixture_set_up(Fixture *f, gconstpointer data)
{
    (void)data;
    f->cgi = vt_test_cgi_path();
    GError *error = NULL;
    f->tmp = g_dir_make_tmp("vt-selection-XXXXXX", &error);
    g_assert_no_error(error);
    f->config = vt_test_cgi_config_new(f->tmp);
    /* aa01 and cc03 public (both trees), bb02 internal only. */
    g_autofree char *pub = g_build_filename(f->tmp, "site", "public", NULL);
    g_autofree char *in = g_build_filename(f->tmp, "site", "internal", NULL);
    publish(pub, "https://collection.example.org", "aa01", "Front");
    publish(pub, "https://collection.example.org", "cc03", "Back");
    publish(in, "https://intra.example.org/collection", "aa01", "Front");
    publish(in, "https://intra.example.org/collection", "bb02", "Secret");
    publish(in, "https://intra.example.org/collection", "cc03", "Back");
    /* A broken manifest is left out like a missing one. */
    g_autofree char *bad_dir = g_build_filename(pub, "iiif", "dd04", NULL);
    g_assert_cmpint(g_mkdir_with_parents(bad_dir, 0755), ==, 0);
    g_autofree char *bad = g_build_filename(bad_dir, "manifest.json", NULL);
    g_assert_true(g_file_set_contents(bad, "{\"type\": \"Manifest\", \"items\": ", -1, NULL));
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_cmpint(vt_file_remove_tree(f->tmp), ==, VT_OK);
    g_free(f->tmp);
    g_free(f->config);
    g_free(f->cgi);
}

static const char *text_of(json_t *map)
{
    return json_string_value(json_array_get(json_object_get(map, "en"), 0));
}

static void test_manifest(Fixture *f, gconstpointer data)
{
    (void)data;
    vt_config *config = NULL;
    g_assert_cmpint(vt_config_load(f->config, &config), ==, VT_OK);
    vt_config view;
    vt_config_audience_view(config, false, &view);
    g_autofree char *pub = g_build_filename(f->tmp, "site", "public", NULL);

    const char *const ids[] = {"cc03", "bb02", "aa01", "zz99", "dd04", NULL};
    json_t *m = NULL;
    size_t found = 0;
    g_assert_cmpint(vt_selection_manifest(&view, pub, ids, &m, &found), ==, VT_OK);
    g_assert_cmpuint(found, ==, 2);
    g_assert_cmpstr(json_string_value(json_object_get(m, "type")), ==, "Manifest");
    g_assert_cmpstr(json_string_value(json_object_get(m, "id")), ==,
                    "https://collection.example.org/cgi-bin/vitrine-search.cgi"
                    "?selection=cc03,bb02,aa01,zz99,dd04");
    g_assert_cmpstr(text_of(json_object_get(m, "label")), ==, "Selection of 2 images");
    g_assert_cmpstr(text_of(json_object_get(m, "summary")), ==,
                    "2 of the 5 selected images. Not found on this site (left out): "
                    "bb02, zz99, dd04.");
    /* The canvases in the order asked, with their asset's statements. */
    json_t *items = json_object_get(m, "items");
    g_assert_cmpuint(json_array_size(items), ==, 2);
    json_t *first = json_array_get(items, 0);
    g_assert_cmpstr(json_string_value(json_object_get(first, "id")), ==,
                    "https://collection.example.org/iiif/cc03/canvas/1");
    g_assert_cmpstr(text_of(json_object_get(first, "label")), ==, "Back");
    g_assert_cmpstr(json_string_value(json_object_get(first, "rights")), ==,
                    "http://creativecommons.org/licenses/by/4.0/");
    g_assert_nonnull(json_object_get(first, "requiredStatement"));
    g_assert_nonnull(json_object_get(first, "homepage"));
    g_assert_null(json_object_get(first, "service"));
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(json_object_get(first, "partOf"), 0), "id")),
                    ==, "https://collection.example.org/iiif/cc03/manifest.json");
    char *dump = json_dumps(m, 0);
    g_assert_null(strstr(dump, "Secret"));
    free(dump);
    json_decref(m);

    /* Nothing found: still a manifest, without canvases. */
    const char *const none[] = {"bb02", NULL};
    g_assert_cmpint(vt_selection_manifest(&view, pub, none, &m, &found), ==, VT_OK);
    g_assert_cmpuint(found, ==, 0);
    g_assert_cmpuint(json_array_size(json_object_get(m, "items")), ==, 0);
    json_decref(m);

    /* Ids that the parser refuses are refused here too (a caller's bug). */
    const char *const bad[] = {"../x", NULL};
    m = NULL;
    g_assert_cmpint(vt_selection_manifest(&view, pub, bad, &m, NULL), ==, VT_ERR_INVALID);
    g_assert_null(m);
    vt_config_free(config);
}

/* Runs the CGI with @query, VITRINE_AUDIENCE=@audience and
 * HTTP_IF_NONE_MATCH=@if_none_match (NULL: unset); returns its status,
 * headers and body (caller owns). */
static int run_cgi(Fixture *f, const char *query, const char *audience, const char *if_none_match,
                   char **ret_headers, char **ret_body)
{
    const char *const extra[] = {"VITRINE_AUDIENCE", audience, "HTTP_IF_NONE_MATCH", if_none_match, NULL};
    return vt_test_cgi_get(f->cgi, f->config, query, extra, ret_headers, ret_body);
}

static void test_cgi(Fixture *f, gconstpointer data)
{
    (void)data;
    if (!f->cgi) {
        g_test_skip("vitrine-search.cgi is not built");
        return;
    }
    char *headers = NULL, *body = NULL;
    /* Public: the internal asset named in the URL is not in the answer,
     * and no search index is needed (there is none). */
    g_assert_cmpint(run_cgi(f, "selection=aa01,bb02", "public", NULL, &headers, &body), ==, 200);
    g_autofree char *type = vt_test_cgi_header(headers, "Content-Type");
    g_assert_true(g_str_has_prefix(type, "application/ld+json"));
    g_autofree char *cors = vt_test_cgi_header(headers, "Access-Control-Allow-Origin");
    g_assert_cmpstr(cors, ==, "*");
    g_autofree char *cache = vt_test_cgi_header(headers, "Cache-Control");
    g_assert_nonnull(strstr(cache, "max-age="));
    g_autofree char *etag = vt_test_cgi_header(headers, "ETag");
    g_assert_nonnull(etag);
    json_t *m = json_loads(body, 0, NULL);
    g_assert_nonnull(m);
    g_assert_cmpuint(json_array_size(json_object_get(m, "items")), ==, 1);
    g_assert_null(strstr(body, "Secret"));
    g_assert_null(strstr(body, "intra.example.org"));
    g_assert_nonnull(strstr(text_of(json_object_get(m, "summary")), "bb02"));
    json_decref(m);
    g_free(headers);
    g_free(body);

    /* The same request with its ETag: 304 and no body. */
    g_assert_cmpint(run_cgi(f, "selection=aa01,bb02", "public", etag, &headers, &body), ==, 304);
    g_assert_cmpstr(body, ==, "");
    g_free(headers);
    g_free(body);
    /* Another selection has another tag. */
    g_assert_cmpint(run_cgi(f, "selection=aa01", "public", etag, &headers, &body), ==, 200);
    g_autofree char *other = vt_test_cgi_header(headers, "ETag");
    g_assert_cmpstr(other, !=, etag);
    g_free(headers);
    g_free(body);

    /* Internal: the internal tree, its asset included. */
    g_assert_cmpint(run_cgi(f, "selection=aa01,bb02", "internal", NULL, &headers, &body), ==, 200);
    m = json_loads(body, 0, NULL);
    g_assert_cmpuint(json_array_size(json_object_get(m, "items")), ==, 2);
    g_assert_true(g_str_has_prefix(json_string_value(json_object_get(m, "id")),
                                   "https://intra.example.org/collection/cgi-bin/"));
    json_decref(m);
    g_free(headers);
    g_free(body);

    /* Bad input: a JSON error with CORS. */
    const char *const bad[] = {"selection=../etc", "selection=aa01&q=x", "selection="};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_cmpint(run_cgi(f, bad[i], "public", NULL, &headers, &body), ==, 400);
        g_autofree char *c = vt_test_cgi_header(headers, "Access-Control-Allow-Origin");
        g_assert_cmpstr(c, ==, "*");
        m = json_loads(body, 0, NULL);
        g_assert_true(json_is_string(json_object_get(m, "error")));
        json_decref(m);
        g_free(headers);
        g_free(body);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/selection/parse", test_parse);
    g_test_add_func("/selection/etag", test_etag);
    g_test_add("/selection/manifest", Fixture, NULL, fixture_set_up, test_manifest,
               fixture_tear_down);
    g_test_add("/selection/cgi", Fixture, NULL, fixture_set_up, test_cgi, fixture_tear_down);
    return g_test_run();
}
