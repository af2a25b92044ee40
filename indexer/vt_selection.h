/* vt_selection.h: shared selections, IIIF Presentation 3 manifests made on
 * request from a list of asset ids (vitrine-search.cgi?selection=a,b,c).
 *
 * Who calls it: vitrine-search.cgi (one request per process) and its tests.
 * No database: the manifest is composed from the canvases of the assets'
 * own manifests as the site generator published them in one audience's
 * tree (<site.dir>/public/iiif/<id>/manifest.json, or internal/). The
 * public tree holds public assets only, so a public selection can never
 * include an internal asset, even when the URL names one: that id is
 * "not found" like an id that never existed. Safe from any thread; nothing
 * is shared; the only I/O is reading those manifest files.
 *
 * The query string is hostile input: vt_selection_parse accepts one
 * parameter, selection=ID,ID,... (commas, or %2C), at most
 * VT_SELECTION_MAX ids, each [a-z0-9]{1,64} (vt_url_id_valid); a repeated
 * id is kept once (a manifest's canvases have distinct ids). Anything else
 * is VT_ERR_INVALID or VT_ERR_LIMIT with a message fit for the client.
 */
#ifndef VT_SELECTION_H
#define VT_SELECTION_H

#include <jansson.h>
#include <stdbool.h>

#include "vt_config.h"
#include "vt_error.h"

#define VT_SELECTION_MAX 100                        /* ids in one selection */
#define VT_SELECTION_MANIFEST_MAX (4 * 1024 * 1024) /* bytes of one asset manifest read */

/* True when @query_string (NULL: none) has a parameter named "selection":
 * the CGI then answers with a selection instead of a search. */
bool vt_selection_requested(const char *query_string);

/* The ids of @query_string (see above), in their order, duplicates
 * dropped. On success *ret_ids is a NULL-terminated array owned by the
 * caller (g_strfreev); on failure it is untouched. */
vt_status vt_selection_parse(const char *query_string, char ***ret_ids);

/* The selection manifest of @ids (NULL-terminated, as vt_selection_parse
 * gives them) from the published manifests in @tree_dir (one audience's
 * tree). @view is that audience's config view (vt_config_audience_view):
 * the manifest's id is <tree base-url>/cgi-bin/vitrine-search.cgi?selection=
 * with the ids. Each found asset gives its manifest's canvases, with the
 * asset's label, requiredStatement, rights, homepage and thumbnail copied
 * onto them (unless they have their own) and
 * partOf naming its manifest; an id without a readable manifest in the tree
 * is left out and named in the manifest's summary. A selection of which
 * nothing is found is still a valid manifest (no canvases; the summary says
 * so). On success *ret_manifest is owned by the caller; VT_ERR_NOMEM or
 * VT_ERR_INVALID (an id that vt_selection_parse would refuse) otherwise.
 * *ret_found (may be NULL) gets the number of assets included. */
vt_status vt_selection_manifest(const vt_config *view, const char *tree_dir,
                                const char *const *ids, json_t **ret_manifest,
                                size_t *ret_found);

/* A strong entity tag for @body ("\"<sha-256 prefix>\"", quotes included),
 * owned by the caller (g_free). */
char *vt_selection_etag(const char *body, size_t len);

/* Does @if_none_match (the If-None-Match request header, NULL when absent)
 * name @etag (or "*")? Then the CGI answers 304 Not Modified. */
bool vt_selection_etag_matches(const char *if_none_match, const char *etag);

#endif
