/* vt_pipeline.h: the ingest pipeline, from a file in a hotfolder to a
 * recorded, archived, converted asset. Used by vitrined (daemon mode) and by
 * `vitrine ingest` / `vitrine retry` (batch mode).
 *
 * Steps of one file, each recorded in the store before the next begins, so
 * that after a crash (kill -9 at any moment) the next start resumes and
 * every file ends exactly once, archived or quarantined:
 *
 *   offer -> settle (daemon) -> hash -> record asset (ARCHIVING)
 *         -> archive: copy, fsync, verify SHA-256, only then unlink the source
 *         -> CONVERTING -> conversion child -> READY
 *   bad file at any step -> quarantine-dir/<department>/<relative path>
 *                           with <name>.reason.txt, never deleted
 *   transient failure (disk full, image root not writable) -> retried with
 *                           back-off (daemon) or left pending (batch)
 *
 * Threads: everything here runs on the thread of the default GMainContext
 * (the loop thread), which is also the only thread that writes the store.
 * File work (hashing, copying, moving) runs in a GThreadPool whose results
 * come back through an eventfd; conversions run as child processes
 * (vt_convert). The caller runs the main loop.
 *
 * Ownership: the pipeline borrows @config and @store, which must outlive it.
 */
#ifndef VT_PIPELINE_H
#define VT_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "vt_config.h"
#include "vt_error.h"
#include "vt_store.h"

typedef struct vt_pipeline vt_pipeline;

typedef enum {
    VT_EVENT_INGESTED,     /* an asset is ready */
    VT_EVENT_QUARANTINED,  /* a file went to quarantine; message = reason */
    VT_EVENT_RETRYING,     /* a transient failure; it will be tried again */
    VT_EVENT_PENDING,      /* batch mode: a transient failure left for later */
    VT_EVENT_ERROR,        /* needs an administrator; message says what */
    VT_EVENT_INFO          /* worth a log line */
} vt_event_kind;

typedef struct {
    vt_event_kind kind;
    const char *department;  /* or NULL */
    const char *source;      /* path relative to the hotfolder, or NULL */
    const char *id;          /* asset id, or NULL */
    const char *message;     /* or NULL */
} vt_event;

typedef struct {
    /* true: inotify watches, settle times, periodic rescans, spool watching,
     * back-off retries (vitrined). false: take files at once and finish
     * (vitrine ingest / retry). */
    bool daemon;
    void (*on_event)(const vt_event *event, void *data);
    /* Called (from the loop) whenever the pipeline has nothing left to do. */
    void (*on_idle)(void *data);
    /* Called (from the loop) after a publication changed site files
     * (vitrined pushes them to mirrors: vt_mirror.h); may be NULL. */
    void (*on_published)(void *data);
    void *data;
} vt_pipeline_options;

typedef struct {
    unsigned settling;    /* files waiting to be completely written */
    unsigned file_jobs;   /* hashing, archiving, quarantining */
    unsigned waiting;     /* assets waiting for a conversion slot */
    unsigned converting;  /* conversion children running */
    unsigned retrying;    /* assets waiting for a back-off retry */
    unsigned watches;     /* folders watched */
    unsigned harvesting;  /* interventions being fetched from the collection system */
    uint64_t ingested;    /* since start */
    uint64_t quarantined; /* since start */
    uint64_t pending;     /* batch mode: transient failures left */
    uint64_t rejected;    /* spool requests that could not be applied */
    const char *problem;  /* a lasting problem (borrowed), or NULL */
    uint64_t refused;     /* sidecars whose [harvest-fields] fields were refused, since start */
    const char *last_refused;  /* the latest such refusal (borrowed), or NULL */
    uint64_t commits;     /* store commits of the ingest steps' records, since start */
    uint64_t records;     /* the records they held (records / commits: files per commit) */
} vt_pipeline_stats;

vt_status vt_pipeline_new(const vt_config *config, vt_store *store,
                          const vt_pipeline_options *options, vt_pipeline **ret_pipeline);

/* Resumes unfinished assets, takes pending spool requests, then scans
 * @paths (files or folders inside hotfolders; NULL: every hotfolder). In
 * daemon mode it first adds the inotify watches, so nothing dropped during
 * the scan is missed. */
vt_status vt_pipeline_start(vt_pipeline *pipeline, const char *const *paths);

/* Applies the pending spool requests now (batch mode calls this instead of
 * scanning when it only serves `vitrine retry`). */
void vt_pipeline_take_spool(vt_pipeline *pipeline);

void vt_pipeline_get_stats(const vt_pipeline *pipeline, vt_pipeline_stats *ret_stats);
bool vt_pipeline_is_idle(const vt_pipeline *pipeline);

/* Stops taking new work; what is in flight is recorded at its current step
 * and resumed at the next start. */
void vt_pipeline_shutdown(vt_pipeline *pipeline);

void vt_pipeline_free(vt_pipeline *pipeline);

#endif
