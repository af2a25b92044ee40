/* vt_request.h: the search CGI's request and answers, as pure functions.
 *
 * Who calls it: vitrine-search.cgi (one request per process) and the fuzz
 * target fuzz/fuzz_request.c. No I/O except vt_request_settings_load (reads
 * the already loaded config) and the static thumbnail lookup done by
 * vt_request_search_answer (one info.json per hit, server=static only).
 * Safe from any thread; nothing is shared.
 *
 * The query string is hostile input. vt_request_parse accepts any bytes and
 * refuses, with VT_ERR_INVALID or VT_ERR_LIMIT and a message fit to show to
 * the client (plain words, the parameter named, at most ~100 bytes of its
 * value): a query string over VT_REQUEST_QUERY_MAX bytes, more than
 * VT_REQUEST_PARAMS_MAX parameters, bad percent-encoding (%G1, a truncated
 * %4), a NUL byte or other control character (tab, CR and LF excepted)
 * after decoding, invalid UTF-8 after decoding, unknown parameters,
 * "callback" (no JSONP), a single-valued parameter given twice, numbers that
 * are not plain decimal digits or are out of range, more than
 * VT_INDEX_FILTERS_MAX f= filters, a q over VT_INDEX_QUERY_MAX bytes or
 * nested deeper than VT_INDEX_QUERY_DEPTH, and parameters that do not belong
 * to the kind of request. The index checks q again (it parses it).
 *
 * Parameters ('+' is a space, %XX a byte, both in names and values):
 *   search (the default): q, f (repeatable field:value), page (1..10000),
 *       size (1..100), sort (relevance|year|-year|title), lang (nl|fr|en|de:
 *       stem the query in that language only), hl (the display language,
 *       a tag such as nl or pt-BR: snippets and facet labels in it first;
 *       lang stays free, a visitor on the Dutch page may type French)
 *   completions: suggest=PREFIX [field=NAME] [size=1..100, default 10]
 *   IIIF Content Search on one asset: manifest=ID q=... [v=1|2]
 *       [autocomplete=1] [lang]; motivation, date, user and min (defined by
 *       the Search API) are accepted and ignored.
 * The audience and the facets come from the config, never from the URL: a
 * public CGI's requests always carry "audience": "public".
 */
#ifndef VT_REQUEST_H
#define VT_REQUEST_H

#include <jansson.h>
#include <stdbool.h>

#include "vt_config.h"
#include "vt_error.h"
#include "vt_index.h"

#define VT_REQUEST_QUERY_MAX  8192  /* bytes of QUERY_STRING */
#define VT_REQUEST_PARAMS_MAX 64    /* name=value pairs */
#define VT_REQUEST_SUGGEST_DEFAULT 10

/* The [search] group of the config. */
typedef struct {
    bool internal;      /* audience=internal; default public */
    char **facets;      /* NULL-terminated field names */
    char *index_dir;    /* absolute; default <state-dir>/index */
} vt_request_settings;

/* Reads and validates [search] of @config: audience (public|internal),
 * facets (comma-separated field names, at most VT_INDEX_FILTERS_MAX;
 * default department,type,year,keywords), index (a folder, relative to the
 * config file's folder; default <state-dir>/index) and synonyms (used by the
 * daemon, not checked here). Unknown keys are VT_ERR_CONFIG. On success
 * *ret_settings is owned by the caller. */
vt_status vt_request_settings_load(const vt_config *config, vt_request_settings **ret_settings);
void vt_request_settings_free(vt_request_settings *settings);

/* The audience set by the web server for one location (the CGI passes
 * $VITRINE_AUDIENCE, never anything from the request), so that one config
 * serves the public and the internal site: "internal" or "public" replaces
 * [search] audience; NULL (unset) keeps it; anything else, the empty string
 * included, is VT_ERR_CONFIG and @settings is left as it was. */
#define VT_REQUEST_AUDIENCE_ENV "VITRINE_AUDIENCE"
vt_status vt_request_settings_set_audience(vt_request_settings *settings, const char *audience);

typedef enum {
    VT_REQUEST_SEARCH,          /* vt_index_search(search) */
    VT_REQUEST_SUGGEST,         /* vt_index_suggest(prefix, field, limit) */
    VT_REQUEST_CONTENT_SEARCH,  /* vt_index_search(search) on one asset */
    VT_REQUEST_AUTOCOMPLETE     /* vt_index_suggest_in(manifest, prefix, limit) */
} vt_request_kind;

typedef struct {
    vt_request_kind kind;
    json_t *search;     /* SEARCH, CONTENT_SEARCH: the vt_index_search
                           request (owned), audience and facets included */
    char *prefix;       /* SUGGEST, AUTOCOMPLETE */
    char *field;        /* SUGGEST: a field name, or NULL for plain words */
    int limit;          /* SUGGEST, AUTOCOMPLETE */
    char *manifest;     /* CONTENT_SEARCH, AUTOCOMPLETE: the asset id */
    char *q;            /* CONTENT_SEARCH: q as decoded (for the answer id) */
    int iiif_version;   /* CONTENT_SEARCH, AUTOCOMPLETE: 1 or 2 */
} vt_request;

/* Content Search service ids are paths, so that a client can append
 * "?q=word" (PATH_INFO): /manifest/ID is manifest=ID, /autocomplete/ID is
 * manifest=ID&autocomplete=1, and /v1 after either adds v=1 (Search API 1).
 * Gives the query string equivalent to @path_info plus @query_string (NULL
 * is empty) in *@ret_query (caller frees); VT_ERR_INVALID for any other
 * path. Without q such a request is a valid empty answer (request->q "",
 * request->search and request->prefix NULL). */
vt_status vt_request_path_query(const char *path_info, const char *query_string,
                                char **ret_query);

/* Parses @query_string (QUERY_STRING; NULL is empty: a search for
 * everything). @settings (borrowed) gives audience and facets. On success
 * *ret_request is owned by the caller (vt_request_free). */
vt_status vt_request_parse(const char *query_string, const vt_request_settings *settings,
                           vt_request **ret_request);
void vt_request_free(vt_request *request);

/* The HTTP status for a failure code: 400 (INVALID, LIMIT), 503 (NOT_FOUND,
 * BUSY: the index is missing or being created), 500 otherwise. */
int vt_request_http_status(vt_status status);

/* {"error": @message, "status": @http_status} (caller owns). */
json_t *vt_request_error_answer(int http_status, const char *message);

/* The answers below build their URLs with vt_url from @config: the CGI
 * passes vt_config_audience_view() of its audience, so that an internal
 * search links the internal tree's pages and manifests. */

/* The search answer: @result (vt_index_search's, taken over) with, per hit,
 * "thumbnail", "manifest" and "page" URLs (vt_url). Returns it (caller owns),
 * or NULL on out-of-memory. */
json_t *vt_request_search_answer(const vt_config *config, json_t *result);

/* {"prefix": ..., "field": ...|null, "terms": @terms (taken over)}. */
json_t *vt_request_suggest_answer(const vt_request *request, json_t *terms);

/* IIIF Content Search for @request->manifest from vt_index_search's @result
 * (borrowed): version 2, an AnnotationPage whose items are the matching
 * annotations (TextualBody with the highlighted snippet, target the canvas
 * and its region); version 1, an sc:AnnotationList with "resources" (plain
 * text, <mark> removed). */
json_t *vt_request_content_answer(const vt_config *config, const vt_request *request,
                                  const json_t *result);

/* The autocomplete answer of @request->iiif_version from vt_index_suggest's
 * @terms (borrowed): 2: TermPage with items {value, total, service}; 1:
 * search:TermList with terms {match, url, count}. */
json_t *vt_request_autocomplete_answer(const vt_config *config, const vt_request *request,
                                       const json_t *terms);

#endif
