/* vt_watch.h: recursive inotify watching of the hotfolders.
 *
 * Who calls it: the pipeline, on the loop thread only (a vt_watch is not
 * thread-safe). It adds each hotfolder with vt_watch_add_tree(), polls
 * vt_watch_fd() for G_IO_IN (g_unix_fd_add) and calls vt_watch_dispatch(),
 * which reads every pending event and calls the vt_watch_fn:
 *
 *  - VT_WATCH_FILE (root, relpath): something happened to a file or symbolic
 *    link whose name is not vt_name_is_ignored() (sidecars included):
 *    created, written, closed after writing, moved in, attributes changed.
 *    Often several times per file; the caller hands it to vt_settle, which
 *    decides when it is done.
 *  - VT_WATCH_DIR (root, relpath): a folder was created or moved in (or
 *    renamed) inside a watched folder. By the time of the call it and its
 *    whole subtree are watched, so nothing created from now on is missed;
 *    what was already inside (files moved in with the folder, or written
 *    before the watch was in place) gave no event: the caller scans it
 *    (vt_scan_tree(root, relpath)). A folder gone before it could be watched
 *    gives no call.
 *  - VT_WATCH_OVERFLOW (NULL, NULL): the kernel's event queue overflowed and
 *    events were lost. The watch has already re-added every hotfolder tree
 *    and dropped watches of folders that are gone; the caller rescans
 *    everything.
 *
 * @root is the hotfolder as given to vt_watch_add_tree() (trailing slashes
 * removed) and @relpath is relative to it; both are borrowed for the time of
 * the call. The callback must not call vt_watch_dispatch() or
 * vt_watch_free(); it may call vt_watch_add_tree().
 *
 * Folders are watched down to VT_SCAN_MAX_DEPTH below the root, skipping
 * vt_name_is_ignored_dir() names, exactly the folders vt_scan_tree() walks.
 * Hotfolders must not overlap (vt_config refuses that): a folder is watched
 * once, under one root.
 *
 * Design: inotify reports a watch descriptor (wd) and a name; a table maps
 * each wd to (root, relative path, device, inode). inotify gives the same wd
 * for the same folder however often it is added, so re-adding a renamed or
 * moved folder's tree simply corrects the paths of its wd and of its
 * descendants' wds. A folder that moves away or is deleted
 * (IN_MOVE_SELF/IN_DELETE_SELF) is checked against its recorded path: if the
 * path still leads to the same inode (it was renamed inside the tree, and
 * IN_MOVED_TO, which comes first, re-added it), nothing is lost; otherwise
 * its wd and every descendant wd whose path no longer leads to its inode are
 * removed, so that no stale path is ever reported.
 */
#ifndef VT_WATCH_H
#define VT_WATCH_H

#include "vt_error.h"

typedef enum {
    VT_WATCH_FILE,
    VT_WATCH_DIR,
    VT_WATCH_OVERFLOW
} vt_watch_kind;

typedef void (*vt_watch_fn)(vt_watch_kind kind, const char *root, const char *relpath,
                            void *data);

typedef struct vt_watch vt_watch;

/* A new watcher with its own inotify instance (non-blocking, close-on-exec).
 * Errors: VT_ERR_LIMIT (out of inotify instances: fs.inotify.max_user_instances),
 * VT_ERR_IO. */
vt_status vt_watch_new(vt_watch_fn fn, void *data, vt_watch **ret_watch);

/* Closes the inotify instance; NULL is a no-op. */
void vt_watch_free(vt_watch *watch);

/* Watches @root (an absolute folder, followed if it is a link) and every
 * folder below it; adding a root again refreshes it (missing subfolders
 * are added, moved ones get their new paths). Folders that vanish while
 * being added are skipped. Errors (what could be watched stays watched):
 *  - VT_ERR_IO: @root cannot be watched (missing, not a folder, no access);
 *    or some subfolder could not be (the message names the first).
 *  - VT_ERR_LIMIT: the kernel's limit on watches was reached; the rest of
 *    the tree is not watched and vt_watch_problem() says what to do. */
vt_status vt_watch_add_tree(vt_watch *watch, const char *root);

/* The inotify descriptor, to poll for reading (g_unix_fd_add, G_IO_IN). */
int vt_watch_fd(const vt_watch *watch);

/* Reads the pending events (without blocking; at most 1 MiB of them per
 * call, so a storm of events cannot starve the loop: the descriptor then
 * stays readable) and calls the callback for each. VT_ERR_IO only if the
 * inotify descriptor fails. */
vt_status vt_watch_dispatch(vt_watch *watch);

/* The number of folders watched. */
unsigned vt_watch_count(const vt_watch *watch);

/* NULL, or a lasting problem in plain words for the administrator (status
 * page, log): out of inotify watches, or a hotfolder that disappeared.
 * Borrowed, valid until the next call into @watch. Cleared when re-adding
 * the trees concerned succeeds. */
const char *vt_watch_problem(const vt_watch *watch);

#endif
