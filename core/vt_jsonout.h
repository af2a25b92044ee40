/* vt_jsonout.h: jansson values written as compact JSON text, fast.
 *
 * The site generator writes some 300,000 JSON files per 100,000 assets
 * (manifests, records, collections), and the search CGI one answer per
 * process. json_dumps() spent a quarter of a rebuild's CPU time and 15% of
 * a small search: a callback per token, and a loop check per object and
 * array that formats its address with snprintf() into a hash table.
 * This module walks the same jansson values and appends the same bytes:
 * what json_dumps(value, JSON_COMPACT) returns, byte for byte (insertion
 * order of keys, '"' '\\' and control characters escaped as jansson does,
 * other UTF-8 as it is, reals through jansson itself). The values are
 * still built with jansson; only the last step is ours, and
 * tests/core/test_jsonout.c holds it to json_dumps().
 *
 * Who calls it: sitegen/vt_site.c (vt__site_write_json), sitegen's
 * templates (integers), sitegen/vt_site_feeds.c (the activity pages'
 * text), indexer/vitrine-search.c (the answer), core/vt_staff.c
 * (versions, sorted). Safe from any
 * thread for values no thread changes meanwhile. No loop detection: a
 * value that contains itself is a programming error here (jansson refuses
 * to build one with its own setters).
 */
#ifndef VT_JSONOUT_H
#define VT_JSONOUT_H

#include <glib.h>
#include <jansson.h>

#include "vt_error.h"

/* Room for any json_int_t in decimal, sign included. */
#define VT_JSONOUT_INTEGER_MAX 24

/* Writes @v in decimal at the end of @buf (no NUL) and returns where it
 * starts; *ret_len is its length. By hand: snprintf showed in profiles of
 * pages and manifests, which print many integers. */
const char *vt_jsonout_integer(json_int_t v, char buf[VT_JSONOUT_INTEGER_MAX], size_t *ret_len);

/* Appends the content of a JSON string holding the @n bytes at @s (NULs
 * included), escaped as vt_jsonout_append() escapes a string, without the
 * quotes around it. For documents written as text piece by piece (the
 * activity pages): the escape is byte by byte, so pieces escaped apart
 * join into the escaped whole. @s is not checked for UTF-8, and must not
 * lie inside @out (the buffer may move). */
void vt_jsonout_append_escaped(GString *out, const char *s, size_t n);

/* Appends @value (any type) to @out. VT_ERR_INVALID (message set) for a
 * NULL value or a real that jansson cannot write (NaN, infinity); @out is
 * then cut back to its length at the call. */
vt_status vt_jsonout_append(GString *out, const json_t *value);

/* The same with every object's keys sorted: json_dumps(value, JSON_COMPACT
 * | JSON_SORT_KEYS), byte for byte (jansson's order: the key's bytes, then
 * its length). For canonical text to hash (core/vt_staff.c's versions, one
 * per internal asset page), where json_dumps() sorted through a callback
 * per token. */
vt_status vt_jsonout_append_sorted(GString *out, const json_t *value);

#endif
