/* vt_sidecar.h: the custom metadata in a sidecar file beside an image.
 *
 * A sidecar is NAME.json or NAME.xmp next to NAME.tif (vt_name_is_sidecar()
 * recognises them). The pipeline reads the file (its size is capped by the
 * caller, or here) and hands the bytes to vt_sidecar_parse(); the result
 * becomes the asset's custom fields. Pure, no I/O, safe from any thread.
 *
 * NAME.json is written by people, so it is read strictly and a mistake is
 * reported with the file and the field, rather than half read:
 *
 *   {
 *     "title": "Portret van een man",                 one value
 *     "title.fr": "Portrait d'un homme",              one value in French
 *     "keywords": ["vernis", "paneel"],               several values
 *     "creator": {"value": "Rubens"},                 a value object
 *     "description": [{"value": "...", "lang": "en"}, {"value": "...", "lang": "nl"}],
 *     "visibility": "internal"                        public | internal
 *   }
 *
 * Field names and languages are vt_meta's (languages nl, fr, en, de);
 * "FIELD" and "FIELD.LANG" keys of one field add up; blank values and empty
 * arrays are skipped; a key given twice is an error.
 *
 * NAME.xmp is made by software (Lightroom, Bridge, exiftool): it is read
 * with vt_xmp_parse() and forgivingly, like embedded XMP: language tags are
 * reduced to ours ("nl-BE" -> "nl", others dropped), over-long values cut.
 */
#ifndef VT_SIDECAR_H
#define VT_SIDECAR_H

#include <jansson.h>
#include <stddef.h>

#include "vt_error.h"

/* Sidecars longer than this are refused (VT_ERR_LIMIT). */
#define VT_SIDECAR_MAX_JSON (1024u * 1024)
/* An XMP sidecar may be as large as an XMP packet (VT_XMP_MAX_INPUT). */

/* Parses the sidecar called @name (its basename or path: the extension,
 * .json or .xmp in any case, chooses the format, and the name is quoted in
 * messages) from @len bytes of @data (need not be NUL-terminated). On
 * success *ret_fields is a new fields object that passes
 * vt_meta_check_fields(), possibly {} (caller json_decref).
 * Errors, each message starting with "sidecar NAME: ": VT_ERR_INVALID (not
 * a .json or .xmp name, not JSON, not an object, a wrong field name, value
 * or language, a duplicate key; XMP not well-formed), VT_ERR_LIMIT (size,
 * value length, number of values or fields), VT_ERR_NOMEM. */
vt_status vt_sidecar_parse(const char *name, const char *data, size_t len, json_t **ret_fields);

#endif
