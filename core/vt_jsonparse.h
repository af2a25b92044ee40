/* vt_jsonparse.h: stored JSON records to jansson trees, fast.
 *
 * A site rebuild reads every asset record from the store, and jansson's
 * json_loadb() took 13% of its instructions doing it: its lexer reads a
 * byte at a time through a callback and checks UTF-8 per character. This
 * module lets simdjson (a SIMD parser) read the text and builds the same
 * jansson tree from simdjson's DOM, so every caller keeps its json_t.
 *
 * The contract: vt_jsonparse_load() returns what json_loadb() with the
 * same arguments returns, tree for tree (values, key order, the later of
 * two equal keys replacing the earlier's value in the earlier's place,
 * integers and reals as jansson splits them), and the same error text,
 * line, column and position when the text is refused. It holds by
 * construction: simdjson answers only where both parsers are known to
 * agree, and everything else goes to json_loadb() itself: text simdjson
 * refuses for any reason, a NUL (\u0000) in a string or key, an integer
 * past INT64_MAX, a scalar at the top without JSON_DECODE_ANY, input
 * larger than VT_JSONPARSE_FAST_MAX, and any flag other than
 * JSON_DECODE_ANY (JSON_REJECT_DUPLICATES included). Errors are therefore
 * always jansson's own. tests/core/test_jsonparse.c and
 * fuzz/fuzz_jsonparse.c hold it to json_loadb().
 *
 * Who calls it: the readers of the store's own records (core/vt_asset.c,
 * core/vt_store.c's vt_txn_get_json). Text from outside (request bodies,
 * sidecars) keeps json_loadb() with its flags.
 *
 * Threads: safe from any thread. Each thread keeps one simdjson parser
 * and its buffers, about 15 bytes per byte of the largest input it has
 * read (at most VT_JSONPARSE_FAST_MAX), until the thread ends.
 */
#ifndef VT_JSONPARSE_H
#define VT_JSONPARSE_H

#include <jansson.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Inputs above this many bytes go to json_loadb(): they would grow the
 * thread's parser buffers (above) for good. Records are about 1 KB. */
#define VT_JSONPARSE_FAST_MAX ((size_t)256 << 10)

/* json_loadb(@buf, @len, @flags, @error), faster (see above). New
 * reference, or NULL with @error (if not NULL) set by jansson. */
json_t *vt_jsonparse_load(const char *buf, size_t len, size_t flags, json_error_t *error);

#ifdef __cplusplus
}
#endif

#endif
