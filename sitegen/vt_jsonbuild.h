/* vt_jsonbuild.h: jansson objects built without json_pack()'s format
 * parser, for the documents a site rebuild makes per asset (pages,
 * manifests, records, cards).
 *
 * A rebuild spent about a seventh of its instructions in json_pack() beyond
 * the values themselves: scanning the format for every key, and checking
 * the UTF-8 of every key and string again. vt_jsonbuild_object() takes the
 * values already made; vt_jsonbuild_text() makes a string without the check
 * for text known valid. What each caller passes to it, and why that is
 * valid UTF-8, is said where it calls: text from the store (jansson checked
 * it when the record was read: json_loadb() refuses bad UTF-8), our own
 * literals (ASCII), or text made from those. Text from the config (labels,
 * base URLs: GKeyFile does not check UTF-8) goes through json_string(),
 * which gives NULL for bad UTF-8, and the object is then NULL, as
 * json_pack() would make it; unless the caller checked that text once
 * already (the site checks a tree's base URLs when it opens the tree, and
 * then passes URLs made of them and of ASCII here).
 *
 * Who calls it: sitegen/vt_site_*.c and vt_manifest.c. Any thread.
 */
#ifndef VT_JSONBUILD_H
#define VT_JSONBUILD_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>

/* A JSON string of @text, which the caller knows is valid UTF-8 (see
 * above); json_null() for NULL (json_pack's "s?"). New reference. */
json_t *vt_jsonbuild_text(const char *text);

/* A JSON string of @text with jansson's UTF-8 check (text from the
 * config), NULL if it fails; json_null() for NULL. New reference. */
json_t *vt_jsonbuild_string(const char *text);

/* An object of the pairs @key, value, ... up to a NULL key, in that order
 * (json_pack("{s:o, ...}")): each key a literal of the caller (ASCII), each
 * value a new reference, stolen. A NULL value makes the result NULL (the
 * other values freed), as in json_pack(); for "o*" (a key left out when
 * its value is NULL) set it afterwards. New reference, or NULL. */
json_t *vt_jsonbuild_object(const char *key, ...) G_GNUC_NULL_TERMINATED;

/* Adds @key (a literal of the caller) with @value (stolen) to *@obj, for
 * objects with keys left out in the middle: a NULL @value frees *@obj and
 * sets it to NULL (json_pack's "o"), or with @optional is left out ("o*");
 * with *@obj already NULL, @value is freed. */
void vt_jsonbuild_set(json_t **obj, const char *key, json_t *value, bool optional);

#endif
