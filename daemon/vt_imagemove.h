/* vt_imagemove.h: an asset's images follow its visibility between the two
 * image roots.
 *
 * The images of a public asset (pyramid <id>.tif, static tiles <id>/,
 * derivatives/<id>-thumb.jpg and -download.jpg) live in [images] dir, served
 * to everyone; those of an internal asset in [images] internal-dir, served
 * only behind the internal site's authentication (docs/web/). When an
 * asset's visibility changes, its files are renamed into the other root.
 *
 * Crash safety: the write transaction that leaves an asset's files in the
 * wrong root (a visibility edit, a conversion finished in the root of a
 * visibility changed meanwhile) also records META["imagemove" \x1f id]
 * (vt_imagemove_note). vt_imagemove_run() then renames each file beneath
 * its root's descriptor (core/vt_beneath), rewrites the tiles' info.json
 * "id" to the URL the root is served at, and in one transaction points the
 * asset record's paths at the new root and deletes the record. Every step
 * is redone safely after a crash: the asset record's path says where the
 * current file is; a file already at its new place is not touched again, a
 * stale copy at the new place (left by an earlier move) is removed before
 * the rename. Nothing is copied: both roots must be on one file system
 * (vt_imagemove_check, run by `vitrine check-config`), else the move fails
 * with a message saying so and the record stays for the next run.
 *
 * Who calls it: vt_terms_edit_asset() and the pipeline's conversion result
 * (note, inside their transactions); vt_publisher_flush() (run, before it
 * publishes, so pages name the images where they are; also at start).
 * Threads: the store's writer thread.
 */
#ifndef VT_IMAGEMOVE_H
#define VT_IMAGEMOVE_H

#include <stdbool.h>

#include "vt_asset.h"
#include "vt_config.h"
#include "vt_error.h"
#include "vt_store.h"

/* Inside a write transaction: if @a has an image file whose recorded path
 * is not its place in the root of its visibility, records that a move is
 * pending. Fails the txn only as vt_txn_put does. */
void vt_imagemove_note(vt_txn *txn, const vt_config *config, const vt_asset *a);

/* True when @a's recorded image paths are all where its visibility says. */
bool vt_imagemove_in_place(const vt_config *config, const vt_asset *a);

/* Runs every pending move (see the top comment). *ret_moved (may be NULL):
 * assets moved. A move that fails keeps its record, and the others still
 * run; the first failure is returned, with its message. */
vt_status vt_imagemove_run(const vt_config *config, vt_store *store, unsigned *ret_moved);

/* True if any move is pending (read from the store). */
bool vt_imagemove_pending(vt_store *store);

/* Both image roots on one file system (folders that do not exist yet are
 * judged by their nearest existing parent)? VT_ERR_CONFIG with a message
 * saying why a move needs it, otherwise VT_OK. */
vt_status vt_imagemove_check(const vt_config *config);

#endif
