/* vt_pipeline_private.h: what the files of the pipeline module share
 * (vt_pipeline.c: the ingest state machine; vt_pipeline_harvest.c: fetching
 * collection-system records; vt_pipeline_spool.c: write requests from the
 * spool; vt_pipeline_sidecar.c: sidecars that arrive after their image). Nothing outside daemon/vt_pipeline*.c includes it.
 *
 * Everything here runs on the loop thread (see vt_pipeline.h).
 */
#ifndef VT_PIPELINE_PRIVATE_H
#define VT_PIPELINE_PRIVATE_H

#include <glib.h>
#include <stdint.h>

#include "vt_annotation.h"
#include "vt_asset.h"
#include "vt_filejob.h"
#include "vt_harvest.h"
#include "vt_indexer.h"
#include "vt_publisher.h"
#include "vt_pipeline.h"
#include "vt_settle.h"
#include "vt_staff.h"
#include "vt_watch.h"

typedef struct {
    const vt_department *dept;
    char *relpath;
    bool settling;   /* in p->settle, no job yet */
    bool sidecar;    /* a sidecar alone (vt_pipeline_sidecar.c), not a drop */
} inflight_entry;

struct vt_pipeline {
    const vt_config *config;
    vt_store *store;
    vt_pipeline_options opt;

    GThreadPool *pool;
    GAsyncQueue *done;
    int done_fd;
    guint done_source;
    unsigned file_jobs;

    vt_watch *watch;
    guint watch_source;
    vt_settle *settle;
    guint settle_timer;
    guint rescan_timer;

    GHashTable *inflight;     /* absolute path -> inflight_entry */
    GQueue convert_queue;     /* asset ids (owned) waiting for a slot */
    GHashTable *queued;       /* asset id -> NULL: queued or converting */
    unsigned converting;
    GHashTable *retry_timers; /* asset id -> GSource id */
    GHashTable *file_retries; /* absolute path -> file_retry: drops waiting to be offered again */
    GHashTable *orphan_sidecars; /* absolute path -> "size:mtime" of a sidecar with no image */
    GPtrArray *writes;        /* store writes waiting for their group commit (vt__pipeline_write) */
    guint writes_timer;
    uint64_t commits, grouped;  /* group commits made, and the writes they held (bench, logs) */

    vt_indexer *indexer;      /* NULL when the index could not be opened */
    guint flush_timer;        /* index flush and site publication */
    vt_publisher *publisher;  /* NULL when the site's templates could not be loaded */
    guint terms_timer;

    vt_annotation_types *annotation_types; /* [annotation-type:*] (vt_pipeline_annotations.c) */
    vt_harvest_config *harvest_config;   /* NULL: harvest is off */
    vt_harvest *harvester;
    GHashTable *harvesting;   /* intervention -> NULL: a fetch is under way */
    guint harvest_timer;

    uint64_t ingested, quarantined, pending, rejected;
    uint64_t refused;      /* sidecar fields refused: [harvest-fields] (vt__pipeline_refuse) */
    char *last_refused;    /* the latest refusal, as logged */
    char *problem;
    bool shutting_down;
    bool idle_reported;
};

static inline int64_t vt__pipeline_now(void)
{
    return g_get_real_time() / G_USEC_PER_SEC;
}

/* Drops from @fields (a sidecar's, changed in place) the fields that
 * [harvest-fields] names, and reports them: the log (an error event), the
 * daemon's status (refused, last_refused) and a reason file named after
 * @relpath (the sidecar, or the image its sidecars came with) in the
 * department's quarantine folder. @shown names the file in messages. */
void vt__pipeline_refuse_harvested(vt_pipeline *p, const vt_department *dept,
                                   const char *relpath, const char *shown, const char *id,
                                   json_t *fields);

/* Reports an event to the entry point (which logs it). */

void vt__pipeline_emit(vt_pipeline *p, vt_event_kind kind, const char *dept, const char *source,
                       const char *id, const char *message);
/* Asset @id changed: the search index follows shortly. */
void vt__pipeline_mark_changed(vt_pipeline *p, const char *id);
/* Reports idleness (from an idle callback) once nothing is left to do. */
void vt__pipeline_check_idle(vt_pipeline *p);
/* Queues asset @id for a conversion child. */
void vt__pipeline_queue_convert(vt_pipeline *p, const char *id);
/* Hands a file job to the worker threads (takes @j). */
void vt__pipeline_start_job(vt_pipeline *p, vt_filejob *j);

/* vt_pipeline_store.c: grouped writes. The ingest steps' records (a new
 * drop, archived, converted, quarantined) wait a few milliseconds on the
 * loop and are committed together, several files per LMDB commit (each
 * commit is two fsyncs). @fn(txn, @fn_data) follows vt_store_write()'s
 * rules and runs inside the group's transaction, after the writes queued
 * before it; @then(p, status, @then_data) runs on the loop once the group
 * is committed (durable), with VT_OK or the write's own failure and its
 * message set: a group that fails is replayed one write per transaction,
 * so one bad write fails alone. Whatever must follow a durable record (a
 * drop is unlinked only after its ARCHIVING record is on disk) goes in
 * @then. The pipeline is not idle while writes wait. */
typedef void (*vt__written_fn)(vt_pipeline *p, vt_status status, void *then_data);
void vt__pipeline_write(vt_pipeline *p, vt_store_fn fn, void *fn_data, vt__written_fn then,
                        void *then_data);
/* Commits the writes waiting now (and those their @then queue meanwhile). */
void vt__pipeline_write_flush(vt_pipeline *p);

/* vt_pipeline_store.c: transaction functions for vt_store_write/read. */
/* The store side of a new or resumed drop, run inside one write txn. */
typedef struct {
    const vt_pipeline *p;
    const vt_filejob *j;
    char *display;
    /* out */
    vt_asset *asset;       /* to archive (new, or resumed) */
    vt_asset *duplicate_of;
} vt__record_ctx;

typedef struct {
    const char *id;
    vt_asset_state state;
    const char *original;   /* or NULL: unchanged */
    const char *reason;     /* or NULL */
    const json_t *result;   /* conversion result, or NULL */
    int64_t next_attempt;
    bool count_attempt;
    bool remove;            /* delete the record (its drop vanished) */
    const json_t *custom;   /* sidecar fields to add to the custom metadata, or NULL */
    const vt_pipeline *p;   /* for the department defaults, with @custom; and to import
                             * pending annotations when the asset becomes READY */
    const json_t *annotations; /* a NAME.annotations.json page read with the image, or NULL */
    const char *annotations_name; /* its file name */
    /* out */
    char *annotations_refused;   /* why a pending page was not imported (owned), or NULL */
} vt__update_ctx;

typedef struct {
    const char *department;
    const json_t *record;   /* {source, path, reason} */
} vt__sidecar_ctx;

typedef struct {
    const char *id;
    vt_asset *asset;
} vt__load_ctx;

/* A new drop: finds a duplicate or our own unfinished archive step, or
 * records a new ARCHIVING asset. */
vt_status vt__pipeline_record_fn(vt_txn *txn, void *data);          /* vt__record_ctx */
/* A file (and its asset, if any) went to quarantine. */
vt_status vt__pipeline_quarantine_record_fn(vt_txn *txn, void *data); /* vt_filejob */
/* Moves an asset to a new state with what the step learnt. */
vt_status vt__pipeline_update_fn(vt_txn *txn, void *data);          /* vt__update_ctx */
/* A sidecar that could not be read went to quarantine. */
vt_status vt__pipeline_sidecar_record_fn(vt_txn *txn, void *data);  /* vt__sidecar_ctx */
/* Reads one asset (a read transaction). */
vt_status vt__pipeline_load_fn(vt_txn *txn, void *data);            /* vt__load_ctx */

/* vt_pipeline_sidecar.c: the settled sidecar @relpath of @dept, alone in
 * its hotfolder: applied to its image's asset and archived, quarantined, or
 * left for an image still to come (see the file's top comment). */
void vt__pipeline_late_sidecar(vt_pipeline *p, const vt_department *dept, const char *relpath);

/* vt_pipeline_annotations.c (see its top comment) */
/* Keeps the sidecar page @page (@name its file name) of asset @asset_id
 * until the asset is READY. Inside a write txn. */
void vt__pipeline_annotations_pending(vt_txn *txn, const char *asset_id, const char *name,
                                      const json_t *page);
/* Asset @a (being written as READY, with its size) imports its pending page,
 * if it has one; a page that cannot be imported gets a quarantine record, and
 * the reason is returned (owned; the caller logs it), else NULL. */
char *vt__pipeline_annotations_ready(vt_txn *txn, const vt_pipeline *p, const vt_asset *a);
/* Asset @asset_id is deleted: its annotations and pending page go too. */
void vt__pipeline_annotations_forget(vt_txn *txn, const char *asset_id);
/* A late NAME.annotations.json of asset @id: imported (READY) or kept
 * pending (CONVERTING). *ret_changed: whether anything changed. */
vt_status vt__pipeline_late_annotations(vt_pipeline *p, const char *id, const char *name,
                                        const json_t *page, bool *ret_changed);
/* The spool's {"action": "annotations", "id", "import": PAGE | "delete": [ids] | true}. */
vt_status vt__pipeline_apply_annotations(vt_pipeline *p, const json_t *req);

/* vt_pipeline_webannot.c (see its top comment): the web spool's annotation
 * request @r (VT_STAFF_ANNOTATE, its user allowed to annotate) checked and
 * applied; *ret_answer (always set, new) is the CGI's answer: {"status":
 * "saved", "annotation", "version", ...} or conflict / forbidden / invalid /
 * not-found with a message. VT_OK when saved. */
vt_status vt__pipeline_web_annotation(vt_pipeline *p, const vt_staff_request *r,
                                      json_t **ret_answer);

/* vt_pipeline_harvest.c */
#define VT__HARVEST_PARALLEL 2        /* requests at once to the collection system */
#define VT__HARVEST_SWEEP_SECONDS 60  /* how often due records are looked for */
void vt__pipeline_harvest_want(vt_pipeline *p, const char *intervention, bool force);
void vt__pipeline_harvest_all(vt_pipeline *p, bool force);
gboolean vt__pipeline_harvest_sweep(gpointer pipeline);
vt_status vt__pipeline_apply_harvest(vt_pipeline *p, const json_t *request);

#endif
