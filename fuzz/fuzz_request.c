/* fuzz_request.c: vt_request_parse on arbitrary query strings (the search
 * CGI's QUERY_STRING), then the answers built from a parsed request.
 *
 * The input, cut at its first NUL byte (as an environment variable would
 * be), is parsed with public settings. Besides "no crash, no leak, no hang"
 * it checks what the CGI relies on: a status from the documented set, the
 * out-parameter set only on success, every search request carrying
 * "audience": "public" and the configured facets, and every answer
 * serialisable. Violations abort(). */
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vt_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vt_config *config = NULL;
static vt_request_settings *settings = NULL;

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void clean_up(void)
{
    vt_request_settings_free(settings);
    vt_config_free(config);
}

static void set_up(void)
{
    static const char *text =
        "[vitrine]\nstate-dir=/var/lib/vitrine\noriginals-dir=/srv/o\nquarantine-dir=/srv/q\n"
        "spool-dir=/var/spool/vitrine\n[images]\nserver=cantaloupe\ndir=/srv/iiif\n"
        "base-url=https://iiif.example.org/iiif\n[site]\ndir=/srv/site\n"
        "base-url=https://collection.example.org\n"
        "[department:photo]\nhotfolder=/srv/hot/photo\nlabel=Photo\n"
        "[search]\naudience=public\nfacets=department,keywords\n";
    check(vt_config_load_data(text, "fuzz", NULL, &config) == VT_OK);
    check(vt_request_settings_load(config, &settings) == VT_OK);
    atexit(clean_up);
}

static void check_answer(json_t *answer)
{
    check(answer != NULL);
    char *s = json_dumps(answer, JSON_COMPACT);
    check(s != NULL);
    free(s);
    json_decref(answer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!config)
        set_up();
    char *qs = g_strndup((const char *)data, size);
    vt_request *request = (vt_request *)&request;
    vt_request *marker = request;
    vt_status status = vt_request_parse(qs, settings, &request);
    check(status == VT_OK || status == VT_ERR_INVALID || status == VT_ERR_LIMIT);
    if (status != VT_OK) {
        check(request == marker);
        check(*vt_error_message() != '\0');
        check_answer(vt_request_error_answer(vt_request_http_status(status), vt_error_message()));
        g_free(qs);
        return 0;
    }
    check(request != NULL && request != marker);
    json_t *fake;
    switch (request->kind) {
    case VT_REQUEST_SEARCH:
        check(strcmp(json_string_value(json_object_get(request->search, "audience")), "public") == 0);
        check(json_array_size(json_object_get(request->search, "facets")) == 2);
        fake = json_pack("{s:i, s:[{s:s}]}", "total", 1, "hits", "id", "ab12");
        check_answer(vt_request_search_answer(config, fake));
        break;
    case VT_REQUEST_CONTENT_SEARCH:
        check(strcmp(json_string_value(json_object_get(request->search, "audience")), "public") == 0);
        check(request->manifest && request->q);
        fake = json_pack("{s:[{s:s, s:[{s:s, s:s, s:s}]}]}", "hits", "id", request->manifest,
                         "annotations", "id", request->q, "region", "xywh=1,2,3,4", "snippet",
                         request->q);
        check_answer(vt_request_content_answer(config, request, fake));
        json_decref(fake);
        break;
    case VT_REQUEST_SUGGEST:
        check(request->prefix && *request->prefix && request->limit >= 1);
        check_answer(vt_request_suggest_answer(request, json_array()));
        break;
    case VT_REQUEST_AUTOCOMPLETE:
        check(request->prefix && *request->prefix && request->manifest);
        fake = json_pack("[{s:s, s:i}]", "term", request->prefix, "count", 1);
        check_answer(vt_request_autocomplete_answer(config, request, fake));
        json_decref(fake);
        break;
    }
    vt_request_free(request);
    g_free(qs);
    return 0;
}
