/* vt_file.h: the file operations vitrine's fixity promise rests on.
 *
 * Streaming SHA-256, copying with fsync, durable moves, atomic writes and
 * free-name picking. Used by the pipeline's worker threads (archive,
 * quarantine), by `vitrine verify`, and by anything that publishes a file
 * that a reader must never see half-written. All functions are thread-safe
 * (they share no state) and set the vt_error message on failure, naming
 * the path.
 *
 * Durability rule: a file is "written" only when its data and the entry in
 * its folder are both on disk, i.e. after fsync(file) and fsync(folder).
 *
 * Two forms: the _at functions name a file relative to an open folder
 * descriptor (from vt_place_open(), vt_beneath.h) and are the only ones used
 * below a hotfolder, the archive and the quarantine, where a folder may be
 * swapped for a link; the path forms open the folder of a path given whole
 * by a trusted caller (the state folder, the site) and call them. Temporary
 * names and free names are kept within NAME_MAX (vt_name_fit).
 */
#ifndef VT_FILE_H
#define VT_FILE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "vt_error.h"

#define VT_SHA256_HEX_LEN 64

/* Streams @fd from its current offset to the end. @ret_hex gets 64
 * lowercase hex digits and a NUL. */
vt_status vt_file_sha256_fd(int fd, const char *name_for_errors, char ret_hex[VT_SHA256_HEX_LEN + 1],
                            uint64_t *ret_size);

/* Opens @path without following a final symbolic link and hashes it. */
vt_status vt_file_sha256(const char *path, char ret_hex[VT_SHA256_HEX_LEN + 1], uint64_t *ret_size);

/* Creates @path and its missing parents (mode 0750). */
vt_status vt_file_mkdirs(const char *path);

/* fsync() of a folder, so that entries created, renamed or removed in it
 * survive a power cut. */
vt_status vt_file_fsync_dir(const char *path);
/* The same for the folder open at @dirfd (@shown names a file in it, for
 * the message). */
vt_status vt_file_fsync_dirfd(int dirfd, const char *shown);

/* Copies @src to a temporary name beside @dst (".tmp-" + its name, reused
 * and overwritten by a retry after a crash), fsyncs it, renames it to
 * @dst (which must not exist: VT_ERR_EXISTS) and fsyncs the folder. Never
 * follows a symbolic link at @src. The kernel copies (copy_file_range)
 * where it can. */
vt_status vt_file_copy_durable(const char *src, const char *dst);

/* Appends to @out what @fd holds from its current offset, at most @cap + 1
 * bytes whatever st_size says: a sparse, endless or still growing file
 * costs no more than the cap. out->len > @cap means the file is over it
 * (the caller says so in its own words). @shown names it in messages. */
vt_status vt_file_read_capped(int fd, const char *shown, size_t cap, GByteArray *out);

/* The same from the open regular file @in (read from its start) to @name
 * in the folder @dirfd. @src_shown and @dst_shown name them in messages. */
vt_status vt_file_copy_fd_at(int in, const char *src_shown, int dirfd, const char *name,
                             const char *dst_shown);

/* Removes the temporary that a vt_file_copy_durable() or
 * vt_file_write_atomic() of @path, cut off by a crash, may have left
 * beside it. Only for a caller that is @path's one writer. */
vt_status vt_file_remove_temp(const char *path);
vt_status vt_file_remove_temp_at(int dirfd, const char *name, const char *shown);

/* Moves @src to @dst (which must not exist), durably: rename() when both
 * are on one file system, else vt_file_copy_durable() then unlink(@src).
 * A symbolic link is moved as a link, never followed. */
vt_status vt_file_move(const char *src, const char *dst);

/* The same between two open folders. Across file systems the source is
 * removed only if its name still holds the file that was copied. */
vt_status vt_file_move_at(int src_dirfd, const char *src_name, const char *src_shown,
                          int dst_dirfd, const char *dst_name, const char *dst_shown);

/* Writes @len bytes to @path through a temporary file and rename(), so a
 * reader sees the old content or the new, never a part. */
vt_status vt_file_write_atomic(const char *path, const void *data, size_t len);
vt_status vt_file_write_atomic_at(int dirfd, const char *name, const char *shown,
                                  const void *data, size_t len);

/* A name that does not exist yet: @path itself, or "stem (2).ext",
 * "stem (3).ext"... Caller frees. */
char *vt_file_free_name(const char *path);

/* A name (just the name) in @dirfd that does not exist yet and leaves room
 * for @reserve more bytes (a ".reason.txt" beside it) within NAME_MAX: @name,
 * shortened if needed (vt_name_fit), or "stem (2).ext"... Caller frees. */
char *vt_file_free_name_at(int dirfd, const char *name, size_t reserve);

/* Removes @path and, if it is a folder, everything below it. Symbolic
 * links are removed, never followed. A missing @path is not an error. */
vt_status vt_file_remove_tree(const char *path);

/* Drops @path's pages from the page cache after fsync, so that the next
 * read (a verification) comes from the disk, not from memory. */
void vt_file_drop_cache(const char *path);

#endif
