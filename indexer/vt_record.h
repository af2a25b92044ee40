/* vt_record.h: the stored record of an indexed document (its Xapian
 * document data): what a search hit shows without the state store.
 *
 * Who calls it: vt_index_document.cc, which writes one record per document
 * in vt_index_put(), and vt_index_snippet.cc, which reads the records of the
 * hits of every search.
 *
 * Why not JSON: the search CGI is a fresh process per request, and parsing
 * and freeing the JSON records of 20 hits was an eighth of a request's
 * instructions. A record is a flat list of items that a reader walks in
 * place, without allocating:
 *
 *   record := VT_RECORD_MAGIC item*
 *   item   := kind (one byte, vt_record_kind) length (LEB128, at most
 *             VT_RECORD_ITEM_MAX) bytes
 *
 * Kinds: the asset id, its label, its label per language (one item each,
 * "LANG\tlabel"), one item per text value (in field order; a value with a
 * language as "LANG\ttext", so that a snippet can be made in the reader's
 * language), and per annotation its id, then its text, region and language
 * (the last two only when it has them), and a mark on an annotation that
 * only an internal search may show. Readers skip kinds they do not
 * know, so a later writer may add some. Records written before this format
 * are compact JSON; they start with '{', never with VT_RECORD_MAGIC, and
 * vt_index_snippet.cc still reads them.
 *
 * Bytes are stored as given: text is UTF-8 because vt_index_put only
 * accepts JSON strings. */
#ifndef VT_RECORD_H
#define VT_RECORD_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VT_RECORD_MAGIC    '\x01'
#define VT_RECORD_ITEM_MAX ((size_t)1 << 30)

typedef enum {
    VT_RECORD_END = 0,           /* vt_record_next(): no item left */
    VT_RECORD_ID = 'i',
    VT_RECORD_LABEL = 'l',
    VT_RECORD_LABEL_IN = 'L',    /* "LANG\tlabel": the label in one language */
    VT_RECORD_TEXT = 't',
    VT_RECORD_TEXT_IN = 'T',     /* "LANG\ttext": a text value in one language */
    VT_RECORD_ANNOTATION_ID = 'a',  /* starts an annotation */
    VT_RECORD_ANNOTATION_TEXT = 'b',
    VT_RECORD_ANNOTATION_REGION = 'r',
    VT_RECORD_ANNOTATION_LANG = 'g',
    VT_RECORD_ANNOTATION_INTERNAL = 'n', /* empty: the annotation is for internal searches only */
    VT_RECORD_BAD = -1           /* vt_record_next(): truncated or malformed */
} vt_record_kind;

/* Is @data (@len bytes) a record of this format (else: legacy JSON)? */
bool vt_record_is_binary(const char *data, size_t len);

/* Starts a record in @out (cleared first). */
void vt_record_start(GString *out);

/* Appends an item of @kind with @len bytes of @value (borrowed). Values
 * longer than VT_RECORD_ITEM_MAX are cut there (vt_index_put refuses values
 * that long long before). */
void vt_record_append(GString *out, vt_record_kind kind, const char *value, size_t len);

/* A position in a record, walked with vt_record_next(). */
typedef struct {
    const unsigned char *next, *end;
} vt_record_reader;

/* Starts reading the record @data (@len bytes, borrowed for as long as the
 * reader and its items are used). A record without the magic byte reads as
 * VT_RECORD_BAD at once. */
void vt_record_reader_init(vt_record_reader *reader, const char *data, size_t len);

/* The next item: its kind, and in *ret_value / *ret_len its bytes (inside
 * the record, not NUL-terminated). VT_RECORD_END after the last one;
 * VT_RECORD_BAD (and every later call too) if the record is cut short or an
 * item claims more bytes than are left. */
vt_record_kind vt_record_next(vt_record_reader *reader, const char **ret_value, size_t *ret_len);

#ifdef __cplusplus
}
#endif

#endif
