/* vt_publisher.h: keeps the static site (sitegen/vt_site.h) in step with
 * the store, from the daemon.
 *
 * Every asset change leaves dirty marks in the store, in the same
 * transaction as the change (core/vt_publog.h). vt_publisher_flush() reads
 * them, has vt_site_publish() rewrite what they touch, and removes the marks
 * it published; a crash in between leaves the marks, and the next flush
 * (at the next start at the latest) publishes them. With no site yet (first
 * start, or the site folder was emptied) the flush is a full rebuild; it
 * runs on the loop thread (ingest waits for it) and feeds systemd's
 * watchdog while it works. Before it publishes, the flush moves the images
 * of assets whose visibility changed into their new root (vt_imagemove), so
 * that every page names an image where it is.
 *
 * terms.json costs what the vocabulary costs, not what one change costs:
 * the pipeline calls vt_publisher_terms() on a slower timer.
 *
 * Threads: the daemon's loop thread (the store's one writer).
 */
#ifndef VT_PUBLISHER_H
#define VT_PUBLISHER_H

#include "vt_config.h"
#include "vt_error.h"
#include "vt_store.h"

typedef struct vt_publisher vt_publisher;

/* Loads the site's templates. @config is borrowed. */
vt_status vt_publisher_open(const vt_config *config, vt_publisher **ret_publisher);
void vt_publisher_close(vt_publisher *publisher);

/* Publishes the dirty marks. *ret_files (may be NULL): files written or
 * removed (0: nothing was dirty). VT_ERR_BUSY while a `vitrine rebuild`
 * holds the site: the marks stay for the next flush. */
vt_status vt_publisher_flush(vt_publisher *publisher, vt_store *store, unsigned *ret_files);

/* True if anything is dirty (read from the store). */
bool vt_publisher_pending(vt_store *store);

/* Writes terms.json of both trees. */
vt_status vt_publisher_terms(vt_publisher *publisher, vt_store *store);

#endif
