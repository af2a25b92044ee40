/* vt_scan.h: walking a hotfolder (or part of one) for files to ingest.
 *
 * Who calls it: the pipeline, at start-up, on the periodic rescan, after an
 * inotify overflow, for each new folder the watcher reports (files moved in
 * with a folder give no events of their own), and `vitrine ingest`.
 * Synchronous, no shared state: any thread may scan, though the pipeline
 * does it on the loop thread.
 *
 * The walk opens every folder relative to its parent (openat, O_NOFOLLOW,
 * O_DIRECTORY), so a folder swapped for a symbolic link mid-walk is not
 * followed out of the root. It reports every regular file and every symbolic
 * link (never followed, whatever it points to: the pipeline quarantines
 * links) whose name is not vt_name_is_ignored() (sidecars included: the
 * caller tells them apart with vt_name_is_sidecar()), and descends into every
 * folder whose name is not vt_name_is_ignored_dir(), down to VT_SCAN_MAX_DEPTH
 * folders below the root. Fifos, sockets and devices are skipped silently.
 * Entries come in directory order (not sorted).
 */
#ifndef VT_SCAN_H
#define VT_SCAN_H

#include <stdbool.h>

#include "vt_error.h"

/* Folders deeper than this below the root are not walked. */
#define VT_SCAN_MAX_DEPTH 64

/* Called for each file found: @relpath is relative to the root given to
 * vt_scan_tree() (borrowed: copy it to keep it), @is_symlink tells a link
 * from a regular file. The callback runs in the middle of the walk: it may
 * queue work, but should not move or delete entries of the tree being
 * walked (directory order would then be undefined: entries could be missed
 * or seen twice). */
typedef void (*vt_scan_fn)(const char *relpath, bool is_symlink, void *data);

/* Walks @root (followed if it is itself a link: it is the configured
 * hotfolder) or, when @subdir is not NULL, only @root/@subdir, which must be
 * vt_name_is_safe_relative() and is opened component by component without
 * following links. @subdir may also name a single file, which is then
 * reported alone (if its name is not ignored). A @subdir inside an ignored
 * folder gives nothing. Relative paths passed to @fn are always relative to
 * @root.
 *
 * Races are normal (the hotfolder is live): an entry that vanishes or
 * changes type between listing and opening is skipped silently.
 *
 * Returns VT_OK and *ret_count (may be NULL) = files reported, when the
 * whole walk succeeded. Otherwise *ret_count is left alone and:
 *  - VT_ERR_INVALID: @subdir is not a safe relative path; nothing walked.
 *  - VT_ERR_NOT_FOUND: @subdir does not exist (any more); nothing walked.
 *  - VT_ERR_IO: @root (or @subdir) cannot be opened; nothing walked. Or:
 *    the walk went to the end and reported everything it could read, but one
 *    or more folders below could not be read (EACCES, EIO...): the message
 *    names the first one and how many there were.
 *  - VT_ERR_LIMIT: as the second VT_ERR_IO case, for folders deeper than
 *    VT_SCAN_MAX_DEPTH or paths of VT_NAME_RELATIVE_MAX bytes or more.
 * In the second and third cases the caller should log the message and carry
 * on with what was reported. */
vt_status vt_scan_tree(const char *root, const char *subdir, vt_scan_fn fn, void *data,
                       unsigned *ret_count);

#endif
