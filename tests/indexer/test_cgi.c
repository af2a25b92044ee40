/* Tests of indexer/vitrine-search.c, the CGI run as the web server runs it
 * (a fresh process, CGI variables in its environment): the audience set by
 * VITRINE_AUDIENCE over the config's (what it shows, the tree its URLs
 * name, 500 on a bad value) and the CORS header of every answer. Needs the
 * built vitrine-search.cgi in $VT_BIN_DIR (skipped otherwise). */
#include "vt_index.h"
#include "vt_file.h"
#include "vt_test_cgi.h"

#include <string.h>

typedef struct {
    char *tmp;
    char *config;
    char *cgi;
} Fixture;

static void put(vt_index *index, const char *text)
{
    json_t *doc = json_loads(text, 0, NULL);
    g_assert_nonnull(doc);
    g_assert_cmpint(vt_index_put(index, doc), ==, VT_OK);
    json_decref(doc);
}

static void fixture_set_up(Fixture *f, gconstpointer data)
{
    f->cgi = vt_test_cgi_path();
    GError *error = NULL;
    f->tmp = g_dir_make_tmp("vt-cgi-XXXXXX", &error);
    g_assert_no_error(error);
    g_autofree char *index_dir = g_build_filename(f->tmp, "index", NULL);
    vt_index *index = NULL;
    g_assert_cmpint(vt_index_open(index_dir, true, &index), ==, VT_OK);
    put(index, "{\"id\": \"aa01\", \"department\": \"photo\", \"visibility\": \"public\","
               " \"label\": \"Public varnish\", \"fields\": {\"title\": [\"varnish\"]}}");
    put(index, "{\"id\": \"bb02\", \"department\": \"photo\", \"visibility\": \"internal\","
               " \"label\": \"Internal varnish\", \"fields\": {\"title\": [\"varnish\"]},"
               " \"annotations\": [{\"id\": \"n1\", \"text\": \"varnish layer\","
               " \"region\": \"xywh=1,2,3,4\"}]}");
    g_assert_cmpint(vt_index_commit(index), ==, VT_OK);
    vt_index_close(index);

    f->config = vt_test_cgi_config_new(f->tmp);
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
    g_assert_cmpint(vt_file_remove_tree(f->tmp), ==, VT_OK);
    g_free(f->tmp);
    g_free(f->config);
    g_free(f->cgi);
}

/* Runs the CGI with @query and VITRINE_AUDIENCE=@audience (NULL: unset);
 * returns its status and sets *ret_headers and *ret_body (caller owns). */
static int run_cgi(Fixture *f, const char *query, const char *audience, char **ret_headers,
                   json_t **ret_body)
{
    const char *const extra[] = {"VITRINE_AUDIENCE", audience, NULL};
    g_autofree char *body = NULL;
    int status = vt_test_cgi_get(f->cgi, f->config, query, extra, ret_headers, &body);
    *ret_body = json_loads(body, 0, NULL);
    g_assert_nonnull(*ret_body);
    return status;
}

/* Every URL of the hits must start with @tree. */
static void assert_urls(json_t *answer, const char *tree)
{
    size_t i;
    json_t *hit;
    json_array_foreach(json_object_get(answer, "hits"), i, hit) {
        const char *keys[] = {"page", "manifest"};
        for (size_t k = 0; k < G_N_ELEMENTS(keys); k++) {
            const char *url = json_string_value(json_object_get(hit, keys[k]));
            g_assert_nonnull(url);
            if (!g_str_has_prefix(url, tree))
                g_error("%s: %s is not under %s", keys[k], url, tree);
        }
    }
}

static void test_audience(Fixture *f, gconstpointer data)
{
    if (!f->cgi) {
        g_test_skip("vitrine-search.cgi is not built");
        return;
    }
    static const char *const public_tree = "https://collection.example.org/";
    static const char *const internal_tree = "https://intra.example.org/collection/";
    char *headers = NULL;
    json_t *body = NULL;

    /* The config's audience (public) when the server sets none, or public. */
    const char *const publics[] = {NULL, "public"};
    for (size_t i = 0; i < G_N_ELEMENTS(publics); i++) {
        g_assert_cmpint(run_cgi(f, "q=varnish", publics[i], &headers, &body), ==, 200);
        g_assert_nonnull(strstr(headers, "\r\nAccess-Control-Allow-Origin: *"));
        g_assert_cmpint(json_integer_value(json_object_get(body, "total")), ==, 1);
        assert_urls(body, public_tree);
        g_free(headers);
        json_decref(body);
    }

    /* Internal: the internal asset too, and links into the internal tree. */
    g_assert_cmpint(run_cgi(f, "q=varnish", "internal", &headers, &body), ==, 200);
    g_assert_cmpint(json_integer_value(json_object_get(body, "total")), ==, 2);
    assert_urls(body, internal_tree);
    g_free(headers);
    json_decref(body);

    /* IIIF Content Search on the internal asset: internal ids; a public CGI
     * finds nothing in it. */
    g_assert_cmpint(run_cgi(f, "manifest=bb02&q=varnish", "internal", &headers, &body), ==, 200);
    g_assert_nonnull(strstr(headers, "\r\nAccess-Control-Allow-Origin: *"));
    json_t *items = json_object_get(body, "items");
    g_assert_cmpint(json_array_size(items), ==, 1);
    const char *target = json_string_value(json_object_get(json_array_get(items, 0), "target"));
    g_assert_true(g_str_has_prefix(target, internal_tree));
    g_assert_true(g_str_has_prefix(json_string_value(json_object_get(
                                       json_array_get(json_object_get(body, "partOf"), 0), "id")),
                                   internal_tree));
    g_free(headers);
    json_decref(body);
    g_assert_cmpint(run_cgi(f, "manifest=bb02&q=varnish", NULL, &headers, &body), ==, 200);
    g_assert_cmpint(json_array_size(json_object_get(body, "items")), ==, 0);
    g_free(headers);
    json_decref(body);

    /* A bad value from the server: a configuration error, never a default. */
    const char *const bad[] = {"", "Internal", "everyone"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_cmpint(run_cgi(f, "q=varnish", bad[i], &headers, &body), ==, 500);
        g_assert_nonnull(strstr(headers, "\r\nContent-Type: application/json"));
        g_assert_nonnull(strstr(headers, "\r\nAccess-Control-Allow-Origin: *"));
        g_assert_cmpint(json_integer_value(json_object_get(body, "status")), ==, 500);
        g_assert_true(json_is_string(json_object_get(body, "error")));
        g_assert_null(json_object_get(body, "hits"));
        g_free(headers);
        json_decref(body);
    }

    /* Errors carry the CORS header too (a viewer must be able to read them). */
    g_assert_cmpint(run_cgi(f, "q=%G1", "internal", &headers, &body), ==, 400);
    g_assert_nonnull(strstr(headers, "\r\nAccess-Control-Allow-Origin: *"));
    g_free(headers);
    json_decref(body);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/cgi/audience-and-cors", Fixture, NULL, fixture_set_up, test_audience, fixture_tear_down);
    return g_test_run();
}
