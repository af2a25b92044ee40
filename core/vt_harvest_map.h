/* vt_harvest_map.h: what vitrine takes from the collection system's answer
 * about an intervention (JSON or XML), as configured; no network here.
 *
 * Configuration (in vitrine's config file, read from vt_config.keyfile):
 *
 *   [harvest]
 *   url=https://collection.example.org/api/interventions/{intervention}
 *   format=json              # json | xml
 *   timeout-seconds=10       # 1..300
 *   refresh-hours=24         # 0 (never on schedule) .. 8760
 *
 *   [harvest-fields]         # FIELD or FIELD.LANG = where its values are
 *   title=/title             # format=json: a JSON pointer (RFC 6901)
 *   title.fr=/titles/fr
 *   creator=/object/creators
 *
 *   [harvest-namespaces]     # format=xml only: prefixes the XPaths use
 *   lido=http://www.lido-schema.org
 *
 * With format=xml each mapping is an XPath 1.0 expression. XPath has no
 * default namespace: a record whose elements are in a namespace (even one
 * declared with xmlns="...", no prefix) is matched only through a prefix
 * declared in [harvest-namespaces], e.g. /lido:lido/lido:title.
 *
 * What a mapping gives, in both formats: a string, or each string of an
 * array / node of a node set, is a value (an element's value is its text
 * content, an attribute's its value); a number is its text; objects, null,
 * booleans, missing paths and empty strings give nothing. A "FIELD.LANG"
 * mapping gives values in that language. Values are normalised by
 * vt_meta_add_value() (trimmed, cut, deduplicated, capped), so the result is
 * a fields object: {"title": [{"value": "...", "lang": "fr"}], ...}; fields
 * appear in the order of [harvest-fields].
 *
 * The answer is hostile (a down server's HTML page, a proxy's login form,
 * garbage, a huge or deeply nested body): it is capped, parsed without
 * network, DTDs or entities, and refused with a clear message rather than
 * half read. Safe from any thread; a vt_harvest_config is immutable and may
 * be shared.
 */
#ifndef VT_HARVEST_MAP_H
#define VT_HARVEST_MAP_H

#include <glib.h>
#include <jansson.h>
#include <stddef.h>

#include "vt_error.h"

/* Answers longer than this are refused (VT_ERR_LIMIT). */
#define VT_HARVEST_MAX_BODY (8u * 1024 * 1024)
/* JSON nested deeper than this is refused (VT_ERR_LIMIT); XML has
 * libxml2's own limit (256). */
#define VT_HARVEST_MAX_DEPTH 64
/* A JSON answer with more values (array elements and object members) than
 * this is refused (VT_ERR_LIMIT): a record has hundreds, and each value
 * costs jansson tens of bytes. */
#define VT_HARVEST_MAX_JSON_VALUES 200000
/* Longest intervention number put into a URL. */
#define VT_HARVEST_MAX_INTERVENTION 256

typedef enum {
    VT_HARVEST_JSON,
    VT_HARVEST_XML
} vt_harvest_format;

typedef struct vt_harvest_config vt_harvest_config;

/* Reads and checks [harvest], [harvest-fields] and [harvest-namespaces] of
 * @kf. *ret_config is NULL when there is no [harvest] group (harvest is
 * off), else a new config (vt_harvest_config_free). Errors: VT_ERR_CONFIG
 * with every problem found, one per line, as "[group] key: what is wrong". */
vt_status vt_harvest_config_load(GKeyFile *kf, vt_harvest_config **ret_config);

void vt_harvest_config_free(vt_harvest_config *config);

vt_harvest_format vt_harvest_config_format(const vt_harvest_config *config);
int vt_harvest_config_timeout_seconds(const vt_harvest_config *config);
int vt_harvest_config_refresh_hours(const vt_harvest_config *config);

/* The distinct field names the mappings fill, NULL-terminated, in the order
 * of [harvest-fields] (borrowed). For vt_meta_apply_edit(): these fields
 * are never edited, even for an asset whose harvest has not come yet. */
const char *const *vt_harvest_config_fields(const vt_harvest_config *config);

/* The URL for @intervention: the template with every "{intervention}"
 * replaced by @intervention percent-encoded (all but A-Z a-z 0-9 - . _ ~).
 * Caller frees. Errors: VT_ERR_INVALID (empty, longer than
 * VT_HARVEST_MAX_INTERVENTION, not UTF-8). */
vt_status vt_harvest_url(const vt_harvest_config *config, const char *intervention,
                         char **ret_url);

/* Maps a JSON answer (@len bytes of @body, need not be NUL-terminated).
 * *ret_fields is a new fields object, possibly {} (caller json_decref).
 * Errors: VT_ERR_LIMIT (size, depth, number of values), VT_ERR_INVALID
 * (empty, an HTML or XML page, not JSON), VT_ERR_NOMEM. */
vt_status vt_harvest_map_json(const vt_harvest_config *config, const char *body, size_t len,
                              json_t **ret_fields);

/* Maps an XML answer; same contract. Errors: VT_ERR_LIMIT (size),
 * VT_ERR_INVALID (empty, not well-formed, with libxml2's message and line;
 * has a DOCTYPE, which also refuses HTML pages), VT_ERR_NOMEM. */
vt_status vt_harvest_map_xml(const vt_harvest_config *config, const char *body, size_t len,
                             json_t **ret_fields);

/* The one of the two above that the config's format names. */
vt_status vt_harvest_map(const vt_harvest_config *config, const char *body, size_t len,
                         json_t **ret_fields);

#endif
