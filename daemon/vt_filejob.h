/* vt_filejob.h: the file steps of the ingest pipeline, run on worker
 * threads: hashing a drop, archiving it, moving a file to quarantine with
 * its reason, and restoring a quarantined original for a retry.
 *
 * Sidecars: NAME.json and NAME.xmp beside a drop (NAME with or without the
 * drop's extension) travel with it. HASH reports one that is still being
 * written, so the drop waits; ARCHIVE reads each (vt_sidecar), archives it
 * beside the original and removes it from the hotfolder, or quarantines it
 * with the parser's reason; the image is ingested either way.
 *
 * The pipeline (vt_pipeline.c) fills a vt_filejob on its loop thread, hands
 * it to a worker, which calls vt_filejob_run(), and reads the results back
 * on the loop thread. A job touches only the files it names and never the
 * store, so the single-writer rule holds.
 *
 * Every file is reached beneath its root's descriptor (vt_beneath.h): a
 * drop below its hotfolder, an original below the archive, a quarantined
 * file below the quarantine. A folder on the way that became a symbolic
 * link makes the job a no-op (crosses_link), never a walk out of the root.
 * A drop is hashed from one descriptor; the archive step copies from a
 * descriptor of the same inode (else the drop counts as changed), and the
 * drop's name is unlinked only while it still names the file copied. A
 * drop with more than one hard link is reported (hard_linked), not read. vt_filejob_run() is thread-safe
 * for distinct jobs; the pipeline guarantees one job per path at a time.
 */
#ifndef VT_FILEJOB_H
#define VT_FILEJOB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "vt_asset.h"
#include "vt_config.h"
#include "vt_error.h"
#include "vt_file.h"

typedef enum {
    VT_FILEJOB_HASH,        /* path -> sha256, size; or is_symlink / vanished / changed */
    VT_FILEJOB_ARCHIVE,     /* path -> asset->original: copy, sync, verify, unlink path */
    VT_FILEJOB_QUARANTINE,  /* path -> a free name under quarantine-dir, + .reason.txt */
    VT_FILEJOB_RESTORE      /* path (in quarantine) -> dest (archive), verified */
} vt_filejob_kind;

typedef struct {
    vt_filejob_kind kind;
    const vt_department *dept;   /* borrowed from the configuration */
    char *relpath;   /* owned: relative to the hotfolder, for a drop; NULL for an asset's file */
    char *path;      /* owned: absolute path of the file the job works on */
    vt_asset *asset; /* owned copy: ARCHIVE, RESTORE, and QUARANTINE of an asset's original */
    char *reason;    /* owned: QUARANTINE, why, in plain words */
    char *dest;      /* owned: QUARANTINE result, or RESTORE target */
    bool inflight;   /* pipeline bookkeeping: this job holds its path */

    /* Results, set by vt_filejob_run(). */
    vt_status status;
    char *message;   /* owned: the error message when status != VT_OK */
    char sha256[VT_SHA256_HEX_LEN + 1];
    uint64_t size;
    bool is_symlink; /* HASH: the drop is a symbolic link */
    char *link_target; /* owned: HASH, where that link points (shown, never followed) */
    bool crosses_link; /* a folder on the file's way is a symbolic link: left alone */
    bool hard_linked;  /* HASH: the drop has other names (st_nlink > 1): not taken */
    uint64_t dev, ino; /* HASH result, ARCHIVE input (0: not known, after a restart) */
    bool vanished;   /* the file was gone: not an error, nothing to do */
    bool changed;    /* the file changed while it was read: still being written */
    bool sidecar_settling;       /* HASH: a sidecar beside it is still being written */
    json_t *sidecar_fields;      /* ARCHIVE: owned, custom fields read from its sidecars, or NULL */
    json_t *sidecar_quarantined; /* ARCHIVE: owned, [{source, path, reason}] of bad sidecars, or NULL */
    json_t *annotations;         /* ARCHIVE: owned, the NAME.annotations.json page read, or NULL */
    char *annotations_name;      /* ARCHIVE: owned, its file name */
} vt_filejob;

/* Runs @job on the calling thread and fills its results. */
void vt_filejob_run(vt_filejob *job, const vt_config *config);

void vt_filejob_free(vt_filejob *job);

/* "YYYY-MM-DD HH:MM:SS" in local time, for messages people read. Caller frees. */
char *vt_filejob_format_time(int64_t unix_seconds);

/* Opens the sidecar @name in the folder @dirfd (a regular file, never
 * through a link; @shown names it in messages), reads at most its kind's
 * size (VT_SIDECAR_MAX_JSON, VT_XMP_MAX_INPUT) and parses it:
 * vt_sidecar_parse()'s result and errors, VT_ERR_LIMIT for the size, and
 * VT_ERR_IO when it cannot be read now (left where it is by callers). On
 * success *ret_fields is owned by the caller, and so is *ret_fd (the open
 * file, to archive exactly the bytes read; NULL: closed) with its status in
 * *ret_st (may be NULL). Thread-safe. */
vt_status vt_filejob_open_sidecar(int dirfd, const char *name, const char *shown,
                                  json_t **ret_fields, int *ret_fd, struct stat *ret_st);

/* Archives the sidecar open at @fd (@st its status, @name its name in
 * @src_dirfd) under a free name in the archive folder @archive_dirfd
 * (@archive_shown, for messages), then removes @name if it still holds that
 * file. */
vt_status vt_filejob_archive_sidecar(int fd, const struct stat *st, int src_dirfd,
                                     const char *name, const char *shown, int archive_dirfd,
                                     const char *archive_shown);

/* Writes @text as "NAME.refused.reason.txt" in the department @dept's
 * quarantine folder (below @relpath's folder), for a file that was ingested
 * in part (a sidecar whose harvested fields were refused): staff look for
 * reasons there. NAME is @relpath's display name; the name is made free so
 * that a quarantined file's own reason is never replaced. *ret_path (may be NULL)
 * gets the note's path, owned by the caller. Blocks on one small fsync'ed
 * write. */
vt_status vt_filejob_write_note(const vt_config *cfg, const vt_department *dept,
                                const char *relpath, const char *text, char **ret_path);

#endif
