/* vt_name.h: what vitrine makes of file names found in hotfolders.
 *
 * Pure functions, no I/O, safe from any thread. Every name they look at
 * comes from outside (whatever a scanner, a Mac or a Windows share put in a
 * hotfolder), so they accept any bytes and never read past the terminating
 * NUL; they are fuzzed (fuzz/fuzz_intervention.c).
 *
 * Who calls them: the watcher and the scanner (ignored names and folders),
 * the pipeline (sidecars, intervention numbers, identifiers, safe relative
 * paths from the command line) and everything that shows a name to a person
 * (vt_name_display).
 */
#ifndef VT_NAME_H
#define VT_NAME_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* Longest basename vt_name_intervention() looks at, in bytes. */
#define VT_NAME_INTERVENTION_MAX 1024
/* Bounds of vt_name_make_id()'s length. */
#define VT_NAME_ID_MIN 12
#define VT_NAME_ID_MAX 64
/* vt_name_is_safe_relative() refuses paths of this many bytes or more. */
#define VT_NAME_RELATIVE_MAX 4096

/* True when @basename is not content and must be left alone: NULL or empty
 * names, dotfiles (".DS_Store", "._x" AppleDouble, ".~lock.x#" LibreOffice
 * locks, rsync and Syncthing temporaries), Office owner files ("~$x"),
 * names ending in ".part", ".partial", ".tmp", ".crdownload" or ".filepart"
 * (unfinished downloads and uploads), and "Thumbs.db", "ehthumbs.db",
 * "desktop.ini" and the Mac "Icon\r" file. Windows-made names compare
 * case-insensitively (THUMBS.DB, x.PART), as they do on the share. */
bool vt_name_is_ignored(const char *basename);

/* True when the folder @basename is never walked or watched: NULL or empty
 * names, dot-folders (".AppleDouble", ".Trashes", ".snapshot", ".zfs"...),
 * Synology's "@eaDir", "#recycle" and "#snapshot", NetApp's "~snapshot",
 * Windows' "$RECYCLE.BIN" and "System Volume Information", macOS file
 * sharing's "Network Trash Folder" and "Temporary Items", and "lost+found".
 * Windows and Mac names compare case-insensitively. */
bool vt_name_is_ignored_dir(const char *basename);

/* True when @basename ends in ".xmp" or ".json" (any case): a metadata
 * sidecar of the image with the same stem, never ingested as an image. */
bool vt_name_is_sidecar(const char *basename);

/* The intervention (file) number in @basename: group 1 of the department's
 * @regex (see vt_department.intervention), as a new NUL-terminated UTF-8
 * string the caller frees. NULL when @regex or @basename is NULL, the name is
 * not valid UTF-8 or longer than VT_NAME_INTERVENTION_MAX bytes, the regex
 * has no group 1, does not match, leaves group 1 unset or empty, or fails
 * (PCRE's match limit bounds the effort of a pathological pattern). */
char *vt_name_intervention(const GRegex *regex, const char *basename);

/* The public identifier of an asset: the first @length (VT_NAME_ID_MIN ..
 * VT_NAME_ID_MAX) characters of the hexadecimal SHA-256 @sha256_hex, in
 * lowercase. Only [0-9a-f], so it is safe in URLs, IIIF identifiers and
 * file names. NULL when @length is out of bounds or @sha256_hex has fewer
 * than @length characters or a non-hex one among them. Caller frees. */
char *vt_name_make_id(const char *sha256_hex, size_t length);

/* True when @relpath (from outside: a command line, a request) names
 * something inside whatever root it is joined to: not NULL or empty, not
 * absolute, no empty ("a//b", trailing "/"), "." or ".." component, no
 * backslash, shorter than VT_NAME_RELATIVE_MAX bytes. (A C string cannot
 * hold a NUL; callers that got a length must check for embedded NULs.)
 * Symbolic links inside the root are the opener's business (O_NOFOLLOW). */
bool vt_name_is_safe_relative(const char *relpath);

/* A file name made from @name that leaves room for @reserve more bytes
 * (a ".tmp-" prefix, a ".reason.txt" suffix, " (2)") within NAME_MAX: @name
 * itself when it fits, else its start (cut at a character boundary) + "~"
 * + 8 hex digits of @name's SHA-256 + its extension (up to 16 bytes), so
 * that two long names stay apart and the same name always gives the same
 * result. The original name is for the caller to record. Caller frees. */
char *vt_name_fit(const char *name, size_t reserve);

/* A version of the file-system name @raw_name that is safe to show or log:
 * valid UTF-8, with every invalid byte sequence and every control character
 * (C0, DEL, C1: newlines and escapes in names garble logs and pages)
 * replaced by U+FFFD. NULL gives "". Caller frees. */
char *vt_name_display(const char *raw_name);

#endif
