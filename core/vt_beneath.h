/* vt_beneath.h: finding a file below a folder without ever leaving it.
 *
 * Department users own their hotfolder's contents: they can rename a folder
 * away and put a symbolic link in its place at any moment, between any two
 * system calls of ours. A path such as "<hotfolder>/sub/x.jpg" handed to
 * stat(), open(), rename() or unlink() follows such a link and lands
 * anywhere the daemon can reach (the archive, another department, /etc).
 * So no path under a hotfolder, the archive, the quarantine or the image
 * root is given to the kernel whole: its folder is opened beneath the
 * root's descriptor with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS) (an O_NOFOLLOW walk, component by component, where
 * the kernel is older than 5.6), and every later call (fstatat, openat,
 * renameat2, unlinkat, mkdirat) names the entry relative to that folder
 * descriptor, which a rename of the folder cannot redirect.
 *
 * The root itself is configured by the administrator and opened as written
 * (a link there is the administrator's choice).
 *
 * Who calls it: the pipeline's file jobs (worker threads), late sidecars
 * (loop thread), and vt_file's path-based functions. Thread-safe: no state.
 */
#ifndef VT_BENEATH_H
#define VT_BENEATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "vt_error.h"

/* An entry below a root: the folder that holds it, opened beneath the
 * root, and its name in that folder. */
typedef struct {
    int dirfd;      /* owned: closed by vt_place_close(); -1 when not open */
    char *name;     /* owned: the last component */
    char *shown;    /* owned: root/rel, for messages only, never opened */
} vt_place;

#define VT_PLACE_INIT {.dirfd = -1, .name = NULL, .shown = NULL}

/* vt_place_open() flags. */
#define VT_BENEATH_CREATE 1u   /* create missing folders on the way (mode 0750) */

/* Opens the folder holding @rel below @root (see the top comment). @rel is
 * relative, without "." or ".." components or empty ones, and not longer
 * than PATH_MAX. Fails with VT_ERR_UNSAFE_PATH when a component on the way
 * is a symbolic link (or a folder was swapped for one), VT_ERR_NOT_FOUND
 * when a folder is missing (without VT_BENEATH_CREATE), VT_ERR_INVALID for
 * a malformed @rel, VT_ERR_IO otherwise. The last component is not looked
 * at: callers use fstatat/openat(..., O_NOFOLLOW) on ret->dirfd/ret->name.
 * @ret is left VT_PLACE_INIT on failure. */
vt_status vt_place_open(const char *root, const char *rel, unsigned flags, vt_place *ret);

/* The same for an absolute @path that must lie below @root: VT_ERR_INVALID
 * when it does not. */
vt_status vt_place_open_path(const char *root, const char *path, unsigned flags, vt_place *ret);

/* Closes and frees what vt_place_open() gave; VT_PLACE_INIT is a no-op. */
void vt_place_close(vt_place *place);

/* Opens @rel (a folder path, or "" for the root itself) below the folder
 * open at @rootfd, refusing any symbolic link on the way (including a last
 * component that is one). @flags are openat() flags; O_CLOEXEC and
 * O_NOFOLLOW are added. Returns the descriptor, or -1 with errno set: ELOOP
 * for a link, EXDEV for a path that would leave @rootfd, as openat2 says. */
int vt_beneath_openat(int rootfd, const char *rel, int flags, mode_t mode);

/* Is the entry @name in @dirfd still the file @dev/@ino (not a link)? The
 * check before unlinking a dropped file: a name swapped for another file
 * since it was read is left alone. */
bool vt_beneath_is_same(int dirfd, const char *name, dev_t dev, ino_t ino);

/* The O_NOFOLLOW walk that stands in for openat2 on older kernels (the
 * same contract as vt_beneath_openat without its checks of @rel); for its
 * tests. */
int vt__beneath_walk_openat(int rootfd, const char *rel, int flags, mode_t mode);

#endif
