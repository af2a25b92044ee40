/* vt_indexer.h: keeps the search index (indexer/vt_index, Xapian) in step
 * with the state store.
 *
 * The pipeline marks an asset whenever it changes (state, metadata,
 * visibility); vt_indexer_flush() then re-reads each marked asset from the
 * store and puts its document (READY assets) or deletes it (any other
 * state), and commits once. Re-reading instead of passing documents along
 * means the index can never hold something the store does not, and a
 * crash between the store commit and the index commit is repaired by
 * `vitrine reindex`, which rebuilds the index (and the term counts) from
 * the store into a fresh folder and swaps it in.
 *
 * The index lives in [search] index (default <state-dir>/index). Synonyms
 * come from [search] synonyms: a text file, one equivalence group a line,
 * members separated by commas ("vernis, varnish, Firnis"); a member of
 * several words is a phrase synonym ("lead white, loodwit, Bleiweiß": a
 * search for loodwit finds the phrase "lead white"); a member may end in
 * its language tag ("vernis@nl, varnish@en": nl, fr, en, de or one of
 * [site] languages), which labels the group's facet entry in that
 * language; '#' starts a comment. Facet fields come from [search] facets.
 *
 * Threads: the daemon's loop thread (it is the index's one writer), and
 * the one thread a vt_indexer_flush_start() runs the flush on.
 */
#ifndef VT_INDEXER_H
#define VT_INDEXER_H

#include <jansson.h>
#include <stdbool.h>

#include "vt_annotation.h"
#include "vt_asset.h"
#include "vt_config.h"
#include "vt_store.h"

typedef struct vt_indexer vt_indexer;

/* The index folder of @config (caller frees). */
char *vt_indexer_dir(const vt_config *config);

/* Reads and checks the [search] synonyms file as vt_indexer_open() will:
 * each member a word or a phrase of at most VT_INDEX_SYNONYM_PHRASE_WORDS
 * words, at most 64 bytes. *ret_groups and *ret_words (may be NULL) get
 * what it holds (members); 0 when no file is set. Errors: VT_ERR_CONFIG
 * naming the file and the line ("line 4: \"...\" is more than 8 words",
 * "line 2: \"vernis@xx\" has an unknown language tag").
 * For check-config. */
vt_status vt_indexer_check_synonyms(const vt_config *config, size_t *ret_groups,
                                    size_t *ret_words);

/* Opens (creating) the index as its writer and loads the synonyms. */
vt_status vt_indexer_open(const vt_config *config, vt_indexer **ret_indexer);
void vt_indexer_close(vt_indexer *indexer);

/* Asset @id changed: its document is redone at the next flush. */
void vt_indexer_mark(vt_indexer *indexer, const char *id);
unsigned vt_indexer_marked(const vt_indexer *indexer);

/* Puts or deletes the marked assets' documents and commits, on the
 * calling thread (after waiting for a flush running on its own thread). */
vt_status vt_indexer_flush(vt_indexer *indexer, vt_store *store);

/* The end of a flush: its status, and the error message when it failed
 * (borrowed for the call). */
typedef void (*vt_indexer_done_fn)(vt_status status, const char *message, void *data);

/* The same on a thread of its own, so that the daemon's loop never waits
 * for Xapian (a commit at the metadata caps takes hundreds of ms): the
 * marked ids are taken now, marks made meanwhile wait for the next flush,
 * and @done runs on the caller's thread-default main context when it ends
 * (failed ids are marked again first). Returns false, starting nothing,
 * when nothing is marked or a flush is running. While it runs the index
 * belongs to its thread: the caller uses the indexer only to mark, and to
 * flush or close (which wait for it). */
bool vt_indexer_flush_start(vt_indexer *indexer, vt_store *store, vt_indexer_done_fn done,
                            void *data);
bool vt_indexer_flushing(const vt_indexer *indexer);

/* Waits for a running flush and delivers its @done now (shutdown). */
void vt_indexer_flush_wait(vt_indexer *indexer);

/* The index document of @asset (see vt_index.h), with the harvested fields
 * of its intervention (@harvested, may be NULL). New reference. */
json_t *vt_indexer_document(const vt_config *config, const vt_asset *asset,
                            const json_t *harvested);

/* Adds the asset's annotations (@annotations, stored form, vt_annotation.h)
 * to its index document @doc: "annotations" [{id, text, lang, region
 * "xywh=x,y,w,h" (the shape's bounds), internal}] and, from the annotations
 * every reader of the document may see, "facet_values" (filters and facets
 * only, no words) "annotation_type" (type labels) and "damage_type". An internal annotation of a public asset
 * is "internal": only an internal search finds it (vt_index.h), and it
 * gives no facet value. */
void vt_indexer_document_annotations(json_t *doc, const vt_annotation_types *types,
                                     const vt_asset *asset, const json_t *annotations);

/* Rebuilds the index and the term counts from the store: the new index is
 * written beside the old one and renamed into place, so readers (the search
 * CGI) see the old index until the new one is complete. The caller must be
 * the store's writer and must not hold the index open. */
vt_status vt_indexer_rebuild(const vt_config *config, vt_store *store, unsigned *ret_count);

#endif
