/* vt_meta.h: the metadata model of an asset: field values, edits, the
 * display view and term counts for suggestions.
 *
 * A field is a name ([a-z][a-z0-9_-]*, at most VT_META_NAME_MAX bytes) with
 * an array of values, each {"value": "text"} or {"value": "text", "lang":
 * "nl"}; "lang" is one of nl, fr, en, de, or absent. Values are trimmed and
 * never empty, and a (value, lang) pair appears once per field. A set of
 * fields is a JSON object {field: [values]} in which a field without values
 * is absent. An asset's metadata is
 *     {"harvested": {fields}, "custom": {fields}}
 * (harvested: from the collection system, never edited here; custom: from
 * sidecars and staff). What is embedded in the image (XMP/EXIF) stays in the
 * asset's "embedded" object, same shape.
 *
 * Two ways in, on purpose:
 *  - From people (a NAME.json sidecar, `vitrine set`, an edit request):
 *    strict. vt_meta_values_from_json() and vt_meta_check_values() refuse
 *    what is wrong with a message naming the field, so the person can fix it.
 *  - From machines (the harvest API, XMP): forgiving. vt_meta_add_value()
 *    repairs what it can (invalid UTF-8, over-long values are cut, unknown
 *    languages dropped, values over the caps dropped) so one odd value never
 *    loses a whole record.
 *
 * Who calls it: vt_sidecar and vt_harvest_map (building fields), the daemon
 * (edits from the spool, term counts), the CLI (vitrine set/unset), the site
 * generator and the indexer (vt_meta_merged). Pure functions, no I/O; safe
 * from any thread as long as one JSON value or hash table is not shared
 * between threads while being changed.
 */
#ifndef VT_META_H
#define VT_META_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "vt_error.h"

/* Longest field name, in bytes. */
#define VT_META_NAME_MAX 64
/* Longest value, in bytes (a long description fits; a book does not). */
#define VT_META_VALUE_MAX_BYTES (16u * 1024)
/* Most values one field may have. */
#define VT_META_VALUES_MAX 1000
/* Most fields one part (harvested, custom, a sidecar) may have. */
#define VT_META_FIELDS_MAX 256
/* Most words (runs of letters and digits, as the search index splits text)
 * in one value: each word is a handful of index terms (itself, its stems in
 * four languages, a word pair), so this bounds what one value costs the
 * index. */
#define VT_META_VALUE_MAX_WORDS 1000
/* Most bytes of one asset's custom metadata (field names, values and
 * languages, counted by vt_meta_fields_size()): what one asset costs the
 * store, the index and one edit on the daemon's loop. Room for one value
 * at VT_META_VALUE_MAX_BYTES and a few short ones; bench/edit gives what
 * the index flush of an asset at this cap costs. */
#define VT_META_CUSTOM_MAX_BYTES (20u * 1024)
/* Values longer than this are sentences, not terms: not counted for
 * suggestions. */
#define VT_META_TERM_MAX_BYTES 120

/* ---- names, languages, values ------------------------------------------ */

/* True when @lang is exactly one of "nl", "fr", "en", "de". */
bool vt_meta_lang_valid(const char *lang);

/* Our language for a language tag from outside (xml:lang, an API): its
 * primary subtag, case-insensitively, when that is one of ours ("nl-BE" ->
 * "nl", "FR" -> "fr"); NULL otherwise ("x-default", "es", NULL). The result
 * is a static string. */
const char *vt_meta_lang_from_tag(const char *tag);

/* VT_OK when @name is a valid field name, else VT_ERR_INVALID saying why. */
vt_status vt_meta_check_name(const char *name);

/* Splits "FIELD" or "FIELD.LANG" ("title.fr") into a field name and a
 * language, both validated. *ret_lang is NULL without a suffix. Both are
 * new strings (g_free). Errors: VT_ERR_INVALID. */
vt_status vt_meta_parse_key(const char *key, char **ret_field, char **ret_lang);

/* Checks a values array of field @field: a non-empty array of at most
 * VT_META_VALUES_MAX objects with only "value" (a string, non-empty, no NUL,
 * at most VT_META_VALUE_MAX_BYTES and VT_META_VALUE_MAX_WORDS words) and
 * "lang" (absent or valid). The field
 * "visibility" takes exactly one value, "public" or "internal", without
 * lang. Errors: VT_ERR_INVALID, VT_ERR_LIMIT, with the field in the message. */
vt_status vt_meta_check_values(const char *field, const json_t *values);

/* The words of @text as the index counts them (runs of letters and
 * digits). */
size_t vt_meta_count_words(const char *text);

/* The size of the fields object @fields: the bytes of its field names,
 * values and languages. */
size_t vt_meta_fields_size(const json_t *fields);

/* Checks a fields object: at most VT_META_FIELDS_MAX fields, valid names,
 * valid values. Same errors. */
vt_status vt_meta_check_fields(const json_t *fields);

/* The same, for what becomes an asset's custom metadata (a sidecar): also
 * at most VT_META_CUSTOM_MAX_BYTES. */
vt_status vt_meta_check_custom(const json_t *fields);

/* The strict way in. Appends to the array @values the values written in
 * @spec for field @field: a string, an object {"value": "...", "lang":
 * "..."} or an array of strings and such objects. @lang (from a "title.fr"
 * key, or NULL) applies to every value without its own lang; an object
 * whose lang differs from @lang is refused. Values are trimmed; blank ones
 * are skipped (so @values may stay as it was); duplicates are skipped.
 * Lengths and counts are not checked here: call vt_meta_check_values() on
 * the final array. Errors: VT_ERR_INVALID (a number, null, nested array,
 * unknown key, unknown language), VT_ERR_NOMEM. On failure @values may hold
 * part of the values: callers use a scratch array. */
vt_status vt_meta_values_from_json(const char *field, const char *lang, const json_t *spec,
                                   json_t *values);

/* The forgiving way in: adds one value (@len bytes of @text, need not be
 * NUL-terminated) to field @field of the fields object @fields, creating the
 * field. The text is cut at a NUL, made valid UTF-8 (U+FFFD), trimmed, and
 * cut on a character boundary to VT_META_VALUE_MAX_BYTES and after
 * VT_META_VALUE_MAX_WORDS words; @lang goes through
 * vt_meta_lang_from_tag() (an unknown one is dropped, the value kept).
 * Nothing is added, silently, for a blank value, a duplicate, a field that
 * has VT_META_VALUES_MAX values or a new field when @fields has
 * VT_META_FIELDS_MAX. Errors: VT_ERR_INVALID (@field is not a valid name:
 * the caller's bug), VT_ERR_NOMEM. */
vt_status vt_meta_add_value(json_t *fields, const char *field, const char *text, size_t len,
                            const char *lang);

/* ---- edits -------------------------------------------------------------- */

/* Applies @edit to the custom part of @metadata (created if absent). An edit
 * is {"set": {KEY: spec, ...}, "unset": [KEY, ...]}, both optional, where
 * KEY is "FIELD" or "FIELD.LANG" and spec is what vt_meta_values_from_json()
 * reads.
 *  - "unset" runs first: "FIELD" removes the field, "FIELD.LANG" removes its
 *    values in that language. Unsetting what is not there is not an error.
 *  - "set": "FIELD" replaces all values of the field; "FIELD.LANG" replaces
 *    only its values in that language and keeps the others. When both are
 *    given, the field becomes the union of what they give.
 * A key whose field is harvested (present in metadata.harvested, or in
 * @harvested_fields, a NULL-terminated list, may be NULL) is refused with
 * "the field 'title' is harvested from the collection system and cannot be
 * edited here; add a custom field instead". Setting nothing (a blank value,
 * an empty array) is refused: removing is what "unset" is for.
 * The custom part may not grow past VT_META_CUSTOM_MAX_BYTES (VT_ERR_LIMIT;
 * an edit that shrinks an asset already over it is allowed).
 * All or nothing: on failure @metadata is unchanged. *ret_changed (may be
 * NULL) tells whether the custom part differs afterwards.
 * Errors: VT_ERR_INVALID, VT_ERR_LIMIT, VT_ERR_NOMEM. */
vt_status vt_meta_apply_edit(json_t *metadata, const json_t *edit,
                             const char *const *harvested_fields, bool *ret_changed);

/* The edit of `vitrine set ID FIELD=VALUE...`: each of the @n_args @args is
 * "FIELD=VALUE" or "FIELD.LANG=VALUE" (split at the first '='; the value may
 * contain '='); repeated keys accumulate ("keywords=a keywords=b"). Gives
 * {"set": {"title.fr": ["Portrait"], ...}}, checked as apply_edit would
 * check it (names, languages, lengths, visibility; not harvested names,
 * which only the daemon knows). Errors: VT_ERR_INVALID, VT_ERR_LIMIT. */
vt_status vt_meta_edit_from_set_args(const char *const *args, size_t n_args, json_t **ret_edit);

/* The edit of `vitrine unset ID FIELD...`: each arg is "FIELD" or
 * "FIELD.LANG". Gives {"unset": [...]}. Errors: VT_ERR_INVALID. */
vt_status vt_meta_edit_from_unset_args(const char *const *args, size_t n_args,
                                       json_t **ret_edit);

/* ---- reading ------------------------------------------------------------ */

/* The label people read for field @name: '_' and '-' become spaces and the
 * first letter a capital ("object_type" -> "Object type"). Caller frees. */
char *vt_meta_field_label(const char *name);

/* The display view of an asset: {field: [{"value", "lang"?, "source"}]}
 * combining metadata.custom, then metadata.harvested, then @embedded (any of
 * them may be absent; @metadata and @embedded may be NULL). "source" is
 * "custom", "harvested" or "embedded". Fields appear in the order first
 * met; within a field, custom values come first. A (value, lang) pair
 * already shown from an earlier source is not repeated (a sidecar copied
 * from the embedded XMP would otherwise show everything twice). Malformed
 * entries of stored data are skipped. The view's strings are those of
 * @metadata and @embedded, shared (text holding a NUL is copied cut
 * there): never json_string_set() them. Errors: VT_ERR_NOMEM. */
vt_status vt_meta_merged(const json_t *metadata, const json_t *embedded, json_t **ret_view);

/* The title an asset is shown by, wherever it is shown (site, manifest
 * label, search hit): of the values of its "title" field (@titles, an array
 * of {"value", "lang"?}, may be NULL) the English one, else the first.
 * Borrowed from @titles; NULL when there is none (callers then show the
 * file name, vt_asset_file_name()). */
const json_t *vt_meta_label_value(const json_t *titles);

/* The form of @value used to compare and suggest terms: case-folded,
 * compatibility-decomposed with accents (combining marks) removed, runs of
 * white space made one space, surrounding blanks removed: "Vernis",
 * " vernis ", "VERNIS", "Vérnis" all give "vernis". NULL when @value is
 * NULL, not valid UTF-8, or nothing is left. Caller frees. */
char *vt_meta_normalise_term(const char *value);

/* One term of a field, as counted by vt_meta_count_terms(). */
typedef struct {
    unsigned count;   /* how many assets use it in this field */
    char *display;    /* a spelling in use (the first one counted), owned */
} vt_meta_term;

/* A new, empty table of term counts: field name (char *) -> GHashTable of
 * normalised term (char *) -> vt_meta_term *. Everything in it is owned by
 * it: g_hash_table_unref() frees all. */
GHashTable *vt_meta_term_counts_new(void);

/* Adds (@delta > 0) or removes (@delta < 0) one asset's terms to or from
 * @counts: every value of the "harvested", "custom" and "embedded" parts of
 * @metadata that are present, normalised, and counted once per asset and
 * field whatever its sources and spellings. Values longer than
 * VT_META_TERM_MAX_BYTES are not terms and are skipped. A count reaching 0
 * removes the term, and a field without terms is removed. The daemon calls
 * it with -1 on an asset's old metadata and +1 on the new. */
void vt_meta_count_terms(const json_t *metadata, int delta, GHashTable *counts);

#endif
