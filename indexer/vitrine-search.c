/* vitrine-search.cgi: the search CGI (one process per request, any web
 * server: lighttpd mod_cgi, nginx + fcgiwrap, Apache mod_cgid).
 *
 * Reads $VITRINE_CONFIG (else the default config path), refuses anything
 * but GET, parses QUERY_STRING (vt_request), opens the index read-only,
 * asks it, and prints one JSON answer with its CGI headers. Every failure
 * is a JSON error with its HTTP status; details the client need not see
 * (config and index paths, library messages) go to stderr, the web
 * server's error log. It writes nothing anywhere.
 *
 * $VITRINE_AUDIENCE (internal|public), set by the web server per location,
 * overrides [search] audience, so that one config serves both sites; an
 * internal answer links the internal tree (vt_config_audience_view). Any
 * other value is a configuration error (500), never a silent default.
 * Every answer allows any origin (CORS): IIIF Content Search is called by
 * viewers on other sites, and nothing here depends on cookies.
 *
 * ?selection=a,b,c answers a shared selection instead (vt_selection.h): a
 * IIIF manifest composed from the audience's published manifests
 * (<site.dir>/<audience>/iiif/<id>/manifest.json), without the index; it
 * can be cached (ETag, If-None-Match gives 304, max-age 5 minutes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt_arena.h"
#include "vt_config.h"
#include "vt_index.h"
#include "vt_jsonout.h"
#include "vt_request.h"
#include "vt_selection.h"

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 405: return "Method Not Allowed";
    case 414: return "URI Too Long";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
    }
}

/* Prints the headers and @answer (taken over); NULL is an internal error. */
static int respond(int status, json_t *answer)
{
    if (!answer) {
        status = 500;
        answer = vt_request_error_answer(status, "internal error while building the answer");
    }
    /* vt_jsonout: json_dumps' bytes for less (its loop check was 15% of a
     * small request). */
    GString *body_text = g_string_sized_new(16 * 1024);
    const char *body = answer && vt_jsonout_append(body_text, answer) == VT_OK ? body_text->str : NULL;
    json_decref(answer);
    printf("Status: %d %s\r\n"
           "Content-Type: application/json; charset=utf-8\r\n"
           "Access-Control-Allow-Origin: *\r\n"
           "Cache-Control: no-store\r\n",
           status, reason(status));
    if (status == 405)
        printf("Allow: GET\r\n");
    printf("\r\n%s\n", body ? body : "{\"error\":\"out of memory\",\"status\":500}");
    g_string_free(body_text, TRUE);
    return fflush(stdout) == 0 ? 0 : 1;
}

static int fail(int status, const char *message)
{
    return respond(status, vt_request_error_answer(status, message));
}

/* An index failure: the client gets the message for its own mistakes
 * (400), a plain sentence otherwise; the log gets the details. */
static int index_failure(vt_status st)
{
    int status = vt_request_http_status(st);
    if (status == 400)
        return fail(status, vt_error_message());
    fprintf(stderr, "vitrine-search: %s\n", vt_error_message());
    if (status == 503)
        return fail(status, "the search index is not available yet; try again later");
    return fail(status, "the search failed on the server");
}

/* Called once the answer is out (respond() flushed it). A release build
 * exits there with @rc: the kernel takes memory, mappings and descriptors
 * back in one go, faster than the closes, frees and munmaps of an orderly
 * end (0.3 ms a request on a virtual machine). A sanitizer build returns
 * and ends in order, so that LeakSanitizer checks every request the tests
 * make. */
static void end_early(int rc)
{
#ifdef VT_SANITIZE
    (void)rc;
#else
    _exit(rc);
#endif
}

/* @config is the audience's view (URLs of its tree). */
static int run(const vt_config *config, const vt_request_settings *settings, const char *query)
{
    vt_request *request = NULL;
    vt_status st = vt_request_parse(query, settings, &request);
    if (st != VT_OK)
        return fail(vt_request_http_status(st), vt_error_message());

    vt_index *index = NULL;
    st = vt_index_open(settings->index_dir, false, &index);
    if (st != VT_OK) {
        vt_request_free(request);
        return index_failure(st);
    }

    json_t *answer = NULL, *out = NULL;
    switch (request->kind) {
    case VT_REQUEST_SEARCH:
        st = vt_index_search(index, request->search, &out);
        if (st == VT_OK)
            answer = vt_request_search_answer(config, out);
        break;
    case VT_REQUEST_CONTENT_SEARCH:
        if (!request->search) { /* the bare service id: no hits */
            out = json_pack("{s:[]}", "hits");
            st = out ? VT_OK : VT_ERR_NOMEM;
        } else {
            st = vt_index_search(index, request->search, &out);
        }
        if (st == VT_OK)
            answer = vt_request_content_answer(config, request, out);
        json_decref(out);
        break;
    case VT_REQUEST_SUGGEST:
        st = vt_index_suggest(index, request->prefix, request->field, request->limit,
                              !settings->internal, &out);
        if (st == VT_OK)
            answer = vt_request_suggest_answer(request, out);
        break;
    case VT_REQUEST_AUTOCOMPLETE:
        if (!request->prefix) { /* the bare service id: no terms */
            out = json_array();
            st = out ? VT_OK : VT_ERR_NOMEM;
        } else {
            st = vt_index_suggest(index, request->prefix, NULL, request->limit,
                                  !settings->internal, &out);
        }
        if (st == VT_OK)
            answer = vt_request_autocomplete_answer(config, request, out);
        json_decref(out);
        break;
    }
    /* Answer first; then a release build ends at once (end_early). */
    int rc = st == VT_OK ? respond(200, answer) : index_failure(st);
    end_early(rc);
    vt_index_close(index);
    vt_request_free(request);
    return rc;
}

/* A shared selection: the manifest of the ids of @query from @tree_dir. */
static int run_selection(const vt_config *view, const char *tree_dir, const char *query)
{
    char **ids = NULL;
    vt_status st = vt_selection_parse(query, &ids);
    if (st != VT_OK)
        return fail(vt_request_http_status(st), vt_error_message());
    json_t *manifest = NULL;
    st = vt_selection_manifest(view, tree_dir, (const char *const *)ids, &manifest, NULL);
    g_strfreev(ids);
    if (st != VT_OK) {
        fprintf(stderr, "vitrine-search: %s\n", vt_error_message());
        return fail(st == VT_ERR_INVALID ? 400 : 500, "the selection could not be made");
    }
    GString *body = g_string_sized_new(64 * 1024);
    st = vt_jsonout_append(body, manifest);
    json_decref(manifest);
    if (st != VT_OK) {
        g_string_free(body, TRUE);
        return fail(500, "the selection could not be written");
    }
    g_autofree char *etag = vt_selection_etag(body->str, body->len);
    bool fresh = vt_selection_etag_matches(getenv("HTTP_IF_NONE_MATCH"), etag);
    /* The published manifests change when the site is rebuilt: a few
     * minutes of caching, then a revalidation that costs no body. */
    printf("Status: %d %s\r\n"
           "Content-Type: application/ld+json;profile=\"http://iiif.io/api/presentation/3/context.json\"\r\n"
           "Access-Control-Allow-Origin: *\r\n"
           "Cache-Control: public, max-age=300\r\n"
           "ETag: %s\r\n"
           "\r\n",
           fresh ? 304 : 200, reason(fresh ? 304 : 200), etag);
    if (!fresh)
        printf("%s\n", body->str);
    g_string_free(body, TRUE);
    return fflush(stdout) == 0 ? 0 : 1;
}

static int serve(void)
{
    const char *method = getenv("REQUEST_METHOD");
    if (!method || strcmp(method, "GET") != 0)
        return fail(405, "only GET is supported");

    /* Checked before anything is copied: the parser checks again. */
    const char *query = getenv("QUERY_STRING");
    if (query && strlen(query) > VT_REQUEST_QUERY_MAX)
        return fail(414, "the query string is too long");

    /* A path-style Content Search id (vt_request_path_query). */
    const char *path_info = getenv("PATH_INFO");
    g_autofree char *path_query = NULL;
    if (path_info && *path_info && strcmp(path_info, "/") != 0) {
        if (vt_request_path_query(path_info, query, &path_query) != VT_OK)
            return fail(404, vt_error_message());
        query = path_query;
    }

    const char *path = getenv("VITRINE_CONFIG");
    if (!path || !*path)
        path = VT_CONFIG_DEFAULT_PATH;
    vt_config *config = NULL;
    vt_request_settings *settings = NULL;
    if (vt_config_load(path, &config) != VT_OK ||
        vt_request_settings_load(config, &settings) != VT_OK ||
        vt_request_settings_set_audience(settings, getenv(VT_REQUEST_AUDIENCE_ENV)) != VT_OK) {
        fprintf(stderr, "vitrine-search: %s\n", vt_error_message());
        vt_request_settings_free(settings);
        vt_config_free(config);
        return fail(500, "the search service is not configured correctly");
    }
    vt_config view;
    vt_config_audience_view(config, settings->internal, &view);
    int rc;
    if (vt_selection_requested(query)) {
        g_autofree char *tree = g_build_filename(config->site_dir,
                                                 settings->internal ? "internal" : "public", NULL);
        rc = run_selection(&view, tree, query);
    } else {
        rc = run(&view, settings, query);
    }
    vt_request_settings_free(settings);
    vt_config_free(config);
    return rc;
}

int main(void)
{
    /* One request, then exit: the heap in huge pages, jansson's values
     * from an arena (vt_arena.h). */
    (void)vt_arena_heap_in_huge_pages();
    vt_arena_json_begin(VT_ARENA_JSON_MAX);
    int rc = serve();
    vt_arena_json_end();
    return rc;
}
