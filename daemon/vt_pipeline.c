/* vt_pipeline.c: see vt_pipeline.h.
 *
 * Invariants (what breaks if they are lost):
 *  - A source file is removed from its hotfolder only after its archived
 *    copy is on disk and its SHA-256 verified, and the asset's state is
 *    advanced past ARCHIVING only after that removal. So at any crash, an
 *    ARCHIVING asset has its bytes in the hotfolder, in the archive, or
 *    both, and the archive step can simply run again. Records are committed
 *    in groups (vt__pipeline_write): the archive step, which unlinks the
 *    drop, starts only once its ARCHIVING record is committed, never on a
 *    record still waiting for its group.
 *  - A path is "in flight" (p->inflight) from its offer until its hash,
 *    archive or quarantine job ends, so repeated inotify events, rescans and
 *    the start-up resume never run two jobs on one file.
 *  - Only this thread writes the store; worker threads get copies of what
 *    they need and hand results back through the done queue.
 */
#include "vt_pipeline.h"
#include "vt_pipeline_private.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_asset.h"
#include "vt_convert.h"
#include "vt_file.h"
#include "vt_meta.h"
#include "vt_filejob.h"
#include "vt_harvest.h"
#include "vt_indexer.h"
#include "vt_name.h"
#include "vt_scan.h"
#include "vt_settle.h"
#include "vt_site.h"
#include "vt_spool.h"
#include "vt_terms.h"
#include "vt_watch.h"

#define RETRY_FIRST_SECONDS 30
#define RETRY_MAX_SECONDS 3600

static void arm_settle_timer(vt_pipeline *p);

/* ---------------------------------------------------------------- helpers */

void vt__pipeline_emit(vt_pipeline *p, vt_event_kind kind, const char *dept, const char *source,
                 const char *id, const char *message)
{
    if (!p->opt.on_event)
        return;
    vt_event ev = {kind, dept, source, id, message};
    p->opt.on_event(&ev, p->opt.data);
}

#define INDEX_FLUSH_MS 300

/* terms.json is rewritten at most this often (its cost is the vocabulary's). */
#define TERMS_SECONDS 15
/* A `vitrine rebuild` holds the site: try again after this. */
#define SITE_BUSY_MS 2000

static gboolean on_terms(gpointer data)
{
    vt_pipeline *p = data;
    p->terms_timer = 0;
    if (p->publisher && vt_publisher_terms(p->publisher, p->store) != VT_OK)
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, vt_error_message());
    else if (p->publisher && p->opt.on_published)
        p->opt.on_published(p->opt.data);
    return G_SOURCE_REMOVE;
}

static gboolean on_flush(gpointer data);

/* The site follows the store: what the dirty marks name is rewritten. */
static void publish_site(vt_pipeline *p)
{
    if (!p->publisher)
        return;
    unsigned files = 0;
    vt_status s = vt_publisher_flush(p->publisher, p->store, &files);
    if (s == VT_ERR_BUSY) {
        if (!p->flush_timer)
            p->flush_timer = g_timeout_add(SITE_BUSY_MS, on_flush, p);
        return;
    }
    if (s != VT_OK) {
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, vt_error_message());
        return;
    }
    if (files > 0 && !p->terms_timer)
        p->terms_timer = g_timeout_add_seconds(TERMS_SECONDS, on_terms, p);
    if (files > 0 && p->opt.on_published)
        p->opt.on_published(p->opt.data);
}

/* The index flush ran on its own thread (a commit at the metadata caps
 * takes hundreds of ms, which the loop must not wait for); changes marked
 * meanwhile get the next one. */
static void index_flushed(vt_status status, const char *message, void *data)
{
    vt_pipeline *p = data;
    if (status != VT_OK)
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, message);
    if (vt_indexer_marked(p->indexer) > 0 && !p->flush_timer && !p->shutting_down)
        p->flush_timer = g_timeout_add(INDEX_FLUSH_MS, on_flush, p);
}

static gboolean on_flush(gpointer data)
{
    vt_pipeline *p = data;
    p->flush_timer = 0;
    if (p->indexer && !vt_indexer_flushing(p->indexer)) {
        if (p->opt.daemon)
            vt_indexer_flush_start(p->indexer, p->store, index_flushed, p);
        else if (vt_indexer_flush(p->indexer, p->store) != VT_OK)
            vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, vt_error_message());
    }
    publish_site(p);
    return G_SOURCE_REMOVE;
}

/* Asset @id changed: the search index and the site follow shortly, in one
 * commit and one publication for every change of the moment. */
void vt__pipeline_mark_changed(vt_pipeline *p, const char *id)
{
    if (p->indexer)
        vt_indexer_mark(p->indexer, id);
    if (!p->flush_timer)
        p->flush_timer = g_timeout_add(INDEX_FLUSH_MS, on_flush, p);
}

static void inflight_entry_free(gpointer data)
{
    inflight_entry *e = data;
    g_free(e->relpath);
    g_free(e);
}

static const vt_department *department_of_root(const vt_pipeline *p, const char *root)
{
    for (size_t i = 0; i < p->config->n_departments; i++)
        if (strcmp(p->config->departments[i].hotfolder, root) == 0)
            return &p->config->departments[i];
    return NULL;
}

/* The department whose hotfolder holds @path, and the relative rest. */
static const vt_department *department_of_path(const vt_pipeline *p, const char *path,
                                               const char **ret_rel)
{
    for (size_t i = 0; i < p->config->n_departments; i++) {
        const vt_department *d = &p->config->departments[i];
        size_t n = strlen(d->hotfolder);
        if (strncmp(path, d->hotfolder, n) == 0 && (path[n] == '/' || path[n] == '\0')) {
            *ret_rel = path[n] == '/' ? path + n + 1 : path + n;
            return d;
        }
    }
    return NULL;
}

static void pool_work(gpointer data, gpointer user_data)
{
    vt_filejob *j = data;
    vt_pipeline *p = user_data;

    vt_filejob_run(j, p->config);
    g_async_queue_push(p->done, j);
    uint64_t one = 1;
    /* A full eventfd counter only means a wake-up is already pending. */
    if (write(p->done_fd, &one, sizeof one) < 0 && errno != EAGAIN)
        g_warning("pipeline: cannot wake the loop: %s", g_strerror(errno));
}

/* -------------------------------------------------------------- loop side */

static void end_inflight(vt_pipeline *p, vt_filejob *j)
{
    if (j->inflight) {
        g_hash_table_remove(p->inflight, j->path);
        j->inflight = false;
    }
}

/* Quarantines the drop of @from (whose hold on its path, if any, passes to
 * the new job) or, with @asset, that asset's archived original at @path. */
static void quarantine_file(vt_pipeline *p, vt_filejob *from, const vt_department *dept, const char *path,
                            vt_asset *asset, const char *reason)
{
    vt_filejob *j = g_new0(vt_filejob, 1);
    j->kind = VT_FILEJOB_QUARANTINE;
    j->dept = dept;
    j->relpath = from ? g_strdup(from->relpath) : NULL;
    j->path = g_strdup(path);
    j->asset = asset;
    j->reason = g_strdup(reason);
    if (from) {
        j->inflight = from->inflight;
        from->inflight = false;
    }
    vt__pipeline_start_job(p, j);
}

static vt_status update_asset(vt_pipeline *p, vt__update_ctx *c)
{
    vt_status s = vt_store_write(p->store, vt__pipeline_update_fn, c);
    if (s != VT_OK)
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, c->id, vt_error_message());
    else
        vt__pipeline_mark_changed(p, c->id);
    return s;
}

static void reoffer_later(vt_pipeline *p, vt_filejob *j)
{
    /* The file is still changing. Daemon: let it settle again. Batch: the
     * user asked for it now, so it is left for the next run. */
    if (p->opt.daemon && j->inflight && !p->shutting_down) {
        inflight_entry *e = g_hash_table_lookup(p->inflight, j->path);
        e->settling = true;
        vt_settle_touch_below(p->settle, j->dept->hotfolder, j->path,
                              (int64_t)j->dept->settle_seconds * G_USEC_PER_SEC,
                              g_get_monotonic_time());
        j->inflight = false;   /* stays in p->inflight, now settling */
        arm_settle_timer(p);
        return;
    }
    p->pending++;
    vt__pipeline_emit(p, VT_EVENT_PENDING, j->dept->id, j->relpath, NULL,
         "the file changed while it was being read; it was left in the hotfolder");
    end_inflight(p, j);
}

/* A drop whose file step failed for a reason that may pass (disk full,
 * permissions being fixed) is offered again after a back-off. */
typedef struct {
    vt_pipeline *p;
    const vt_department *dept;
    char *relpath;
    char *path;
    int failures;
    guint timer;
} file_retry;

static void file_retry_free(gpointer data)
{
    file_retry *r = data;
    if (r->timer)
        g_source_remove(r->timer);
    g_free(r->relpath);
    g_free(r->path);
    g_free(r);
}

static void offer(vt_pipeline *p, const vt_department *dept, const char *relpath);
static int64_t backoff_seconds(int attempts);

static gboolean on_file_retry(gpointer data)
{
    file_retry *r = data;
    r->timer = 0;
    offer(r->p, r->dept, r->relpath);
    return G_SOURCE_REMOVE;
}

static void retry_file_later(vt_pipeline *p, const vt_filejob *j, const char *message)
{
    if (!p->opt.daemon || p->shutting_down) {
        p->pending++;
        vt__pipeline_emit(p, VT_EVENT_PENDING, j->dept->id, j->relpath, j->asset ? j->asset->id : NULL, message);
        return;
    }
    file_retry *r = g_hash_table_lookup(p->file_retries, j->path);
    if (!r) {
        r = g_new0(file_retry, 1);
        r->p = p;
        r->dept = j->dept;
        r->relpath = g_strdup(j->relpath);
        r->path = g_strdup(j->path);
        g_hash_table_insert(p->file_retries, r->path, r);
    }
    r->failures++;
    int64_t delay = backoff_seconds(r->failures);
    if (r->timer)
        g_source_remove(r->timer);
    r->timer = g_timeout_add_seconds((guint)delay, on_file_retry, r);
    g_autofree char *msg = g_strdup_printf("%s; trying again in %" G_GINT64_FORMAT " s", message,
                                           delay);
    vt__pipeline_emit(p, VT_EVENT_RETRYING, j->dept->id, j->relpath, j->asset ? j->asset->id : NULL, msg);
}

/* The drop's file steps are over: forget its back-off. */
static void file_done(vt_pipeline *p, const vt_filejob *j)
{
    if (j->path)
        g_hash_table_remove(p->file_retries, j->path);
}

static void recorded(vt_pipeline *p, vt_status status, void *data);

/* A drop's record waits for its group commit (vt__pipeline_write). */
typedef struct {
    vt__record_ctx c;
    vt_filejob *j;      /* the hash job, holding the drop's path */
} record_wait;

/* Returns true when it kept @j (a write waits for it), else @j is the
 * caller's to free; so do archive_done and quarantine_done. */
static bool hash_done(vt_pipeline *p, vt_filejob *j)
{
    if (j->status != VT_OK) {
        end_inflight(p, j);
        retry_file_later(p, j, j->message);
        return false;
    }
    if (j->vanished) {
        if (j->crosses_link)
            vt__pipeline_emit(p, VT_EVENT_INFO, j->dept->id, j->relpath, NULL,
                 "a folder on this file's way was replaced by a symbolic link: not followed, the"
                 " file left alone (the link itself goes to quarantine)");
        end_inflight(p, j);
        file_done(p, j);
        return false;
    }
    if (j->is_symlink) {
        g_autofree char *why = g_strdup_printf(
            "This is a symbolic link (a shortcut pointing to \"%s\"), not an image. vitrine never"
            " follows links out of a hotfolder. Copy the image itself into the hotfolder.",
            j->link_target ? j->link_target : "");
        quarantine_file(p, j, j->dept, j->path, NULL, why);
        return false;
    }
    if (j->hard_linked) {
        quarantine_file(p, j, j->dept, j->path, NULL,
                        "This file has more than one name (a hard link): another name of the same"
                        " file may be outside the hotfolder, so vitrine does not take it. Copy the"
                        " image itself into the hotfolder.");
        return false;
    }
    if (j->changed || (j->sidecar_settling && p->opt.daemon)) {
        reoffer_later(p, j);
        return false;
    }
    if (j->size == 0) {
        quarantine_file(p, j, j->dept, j->path, NULL,
                        "The file is empty (0 bytes): the copy or the export that made it did not"
                        " finish. Copy or export the image again.");
        return false;
    }

    /* The archive step unlinks the drop: it starts only once the
     * ARCHIVING record is committed, in recorded(). */
    record_wait *w = g_new0(record_wait, 1);
    w->j = j;
    w->c = (vt__record_ctx){.p = p, .j = j, .display = vt_name_display(j->relpath)};
    vt__pipeline_write(p, vt__pipeline_record_fn, &w->c, recorded, w);
    return true;
}

static void recorded(vt_pipeline *p, vt_status status, void *data)
{
    record_wait *w = data;
    vt_filejob *j = w->j;
    vt__record_ctx c = w->c;
    g_free(w);
    g_free(c.display);
    if (status == VT_OK && p->shutting_down) {
        /* Recorded ARCHIVING (or a duplicate): the next start resumes it
         * from the drop, still in its hotfolder. */
        vt_asset_free(c.asset);
        vt_asset_free(c.duplicate_of);
        end_inflight(p, j);
    } else if (status != VT_OK) {
        /* The store refused (disk full, say): the drop stays and is
         * offered again after a back-off. */
        g_autofree char *why = g_strdup(vt_error_message());
        vt_asset_free(c.asset);
        vt_asset_free(c.duplicate_of);
        end_inflight(p, j);
        retry_file_later(p, j, why);
    } else if (c.duplicate_of) {
        vt_asset *d = c.duplicate_of;
        g_autofree char *when = vt_filejob_format_time(d->created);
        g_autofree char *why = g_strdup_printf(
            "This file is a duplicate of %s: it is byte for byte identical (SHA-256 %s) to"
            " \"%s\" of department %s, ingested on %s. It was not ingested a second time.",
            d->id, d->sha256, d->source, d->department, when);
        vt_asset_free(d);
        quarantine_file(p, j, j->dept, j->path, NULL, why);
    } else {
        vt_filejob *a = g_new0(vt_filejob, 1);
        a->kind = VT_FILEJOB_ARCHIVE;
        a->dept = j->dept;
        a->relpath = g_strdup(j->relpath);
        a->path = g_strdup(j->path);
        a->asset = c.asset;
        a->dev = j->dev;             /* the archive step copies this very file */
        a->ino = j->ino;
        a->inflight = j->inflight;   /* the archive job inherits the path */
        j->inflight = false;
        vt__pipeline_start_job(p, a);
    }
    vt_filejob_free(j);
}

/* Sidecars that could not be read went to quarantine in the worker; the
 * store and the log hear of it here. */
void vt__pipeline_refuse_harvested(vt_pipeline *p, const vt_department *dept,
                                   const char *relpath, const char *shown, const char *id,
                                   json_t *fields)
{
    g_autofree char *dropped = vt_terms_drop_harvested(p->config, fields);
    if (!dropped)
        return;
    p->refused++;
    g_free(p->last_refused);
    p->last_refused = g_strdup_printf(
        "%s: %s refused: harvested from the collection system ([harvest-fields]);"
        " the sidecar's other fields applied", shown, dropped);
    vt__pipeline_emit(p, VT_EVENT_ERROR, dept->id, shown, id, p->last_refused);

    /* Staff who dropped the sidecar read the quarantine folder, not the log. */
    g_autofree char *when = vt_filejob_format_time(g_get_real_time() / G_USEC_PER_SEC);
    g_autofree char *text = g_strdup_printf(
        "vitrine ingested this file, but refused some of its metadata.\n\n"
        "File:        %s\nDepartment:  %s\nWhen:        %s\nAsset:       %s\n"
        "Refused:     %s\n\n"
        "Why:\nThese fields are harvested from the collection system ([harvest-fields] in"
        " vitrine's configuration). Their values come from there only: a sidecar, XMP or an"
        " edit can never set them. Change them in the collection system. The file's other"
        " fields were applied.\n\n"
        "Nothing was lost and nothing needs to be done here: this note can be deleted.\n",
        shown, dept->id, when, id, dropped);
    g_autofree char *note = NULL;
    if (vt_filejob_write_note(p->config, dept, relpath, text, &note) != VT_OK)
        vt__pipeline_emit(p, VT_EVENT_ERROR, dept->id, shown, id, vt_error_message());
}

/* An archived drop's CONVERTING record (and its bad sidecars' quarantine
 * records) waits for its group commit. */
typedef struct {
    vt__update_ctx u;
    vt_filejob *j;      /* the archive job, holding the drop's path */
} archive_wait;

static vt_status archived_fn(vt_txn *txn, void *data)
{
    archive_wait *w = data;
    size_t i;
    json_t *rec;
    json_array_foreach(w->j->sidecar_quarantined, i, rec) {
        vt__sidecar_ctx c = {w->j->dept->id, rec};
        vt_status s = vt__pipeline_sidecar_record_fn(txn, &c);
        if (s != VT_OK)
            return s;
    }
    return vt__pipeline_update_fn(txn, &w->u);
}

static void archived(vt_pipeline *p, vt_status status, void *data)
{
    archive_wait *w = data;
    vt_filejob *j = w->j;
    const char *id = j->asset->id;
    if (status != VT_OK)
        vt__pipeline_emit(p, VT_EVENT_ERROR, j->dept->id, j->asset->source, id,
                          vt_error_message());
    end_inflight(p, j);
    file_done(p, j);
    size_t i;
    json_t *rec;
    json_array_foreach(j->sidecar_quarantined, i, rec) {   /* moved, whatever the store said */
        p->quarantined++;
        vt__pipeline_emit(p, VT_EVENT_QUARANTINED, j->dept->id,
             json_string_value(json_object_get(rec, "source")), NULL,
             json_string_value(json_object_get(rec, "reason")));
    }
    if (status == VT_OK) {
        vt__pipeline_mark_changed(p, id);
        vt__pipeline_queue_convert(p, id);
    }
    g_free(w->u.annotations_refused);
    g_free(w);
    vt_filejob_free(j);
}

static bool archive_done(vt_pipeline *p, vt_filejob *j)
{
    const char *id = j->asset->id;

    if (j->status == VT_OK && j->vanished) {
        /* The drop was taken away before it was archived: nothing to keep. */
        vt__update_ctx u = {.id = id, .remove = true};
        update_asset(p, &u);
        vt__pipeline_emit(p, VT_EVENT_INFO, j->dept->id, j->asset->source, id,
             "removed from the hotfolder before it was archived; forgotten");
        end_inflight(p, j);
        file_done(p, j);
        return false;
    }
    if (j->status == VT_OK) {
        if (j->sidecar_fields) {
            g_autofree char *base = vt_asset_file_name(j->asset)
                ? g_strdup(vt_asset_file_name(j->asset)) : g_strdup(id);
            g_autofree char *shown = g_strdup_printf("the sidecar of %s", base);
            vt__pipeline_refuse_harvested(p, j->dept, j->relpath, shown, id, j->sidecar_fields);
        }
        /* The drop keeps its path until the record is committed. */
        archive_wait *w = g_new0(archive_wait, 1);
        w->j = j;
        w->u = (vt__update_ctx){.id = id, .state = VT_ASSET_CONVERTING,
                                .custom = j->sidecar_fields, .p = p,
                                .annotations = j->annotations,
                                .annotations_name = j->annotations_name};
        vt__pipeline_write(p, archived_fn, w, archived, w);
        return true;
    }
    if (j->changed) {
        vt__update_ctx u = {.id = id, .remove = true};
        update_asset(p, &u);
        reoffer_later(p, j);
        return false;
    }
    /* Could not archive (disk full, permissions): the drop stays in the
     * hotfolder and the asset stays ARCHIVING, and the drop is offered
     * again after a back-off (or at the next run, in batch mode). */
    end_inflight(p, j);
    retry_file_later(p, j, j->message);
    return false;
}

static void quarantine_recorded(vt_pipeline *p, vt_status status, void *data)
{
    vt_filejob *j = data;
    const char *source = j->asset ? j->asset->source : j->relpath;
    if (status != VT_OK)
        vt__pipeline_emit(p, VT_EVENT_ERROR, j->dept->id, source, NULL, vt_error_message());
    else if (j->asset)
        vt__pipeline_mark_changed(p, j->asset->id);
    p->quarantined++;
    vt__pipeline_emit(p, VT_EVENT_QUARANTINED, j->dept->id, source, j->asset ? j->asset->id : NULL, j->reason);
    vt_filejob_free(j);
}

static bool quarantine_done(vt_pipeline *p, vt_filejob *j)
{
    const char *source = j->asset ? j->asset->source : j->relpath;
    end_inflight(p, j);
    if (j->relpath && j->status == VT_OK)
        file_done(p, j);
    if (j->status != VT_OK) {
        g_autofree char *msg = g_strdup_printf("cannot move the file to quarantine (%s); reason"
                                               " was: %s", j->message, j->reason);
        vt__pipeline_emit(p, VT_EVENT_ERROR, j->dept->id, source, j->asset ? j->asset->id : NULL, msg);
        if (!p->opt.daemon)
            p->pending++;
        return false;
    }
    if (j->vanished)
        return false;
    vt__pipeline_write(p, vt__pipeline_quarantine_record_fn, j, quarantine_recorded, j);
    return true;
}

static void restore_done(vt_pipeline *p, vt_filejob *j)
{
    if (j->status != VT_OK) {
        vt__pipeline_emit(p, VT_EVENT_ERROR, j->dept->id, j->asset->source, j->asset->id, j->message);
        return;
    }
    vt__update_ctx u = {.id = j->asset->id, .state = VT_ASSET_CONVERTING, .original = j->dest};
    if (update_asset(p, &u) == VT_OK)
        vt__pipeline_queue_convert(p, j->asset->id);
}

static gboolean on_done(gint fd, GIOCondition cond, gpointer data)
{
    vt_pipeline *p = data;
    uint64_t n;
    if (read(fd, &n, sizeof n) < 0 && errno != EAGAIN)
        g_warning("pipeline: eventfd read: %s", g_strerror(errno));

    vt_filejob *j;
    while ((j = g_async_queue_try_pop(p->done))) {
        p->file_jobs--;
        bool kept = false;   /* a grouped write waits for the job */
        switch (j->kind) {
        case VT_FILEJOB_HASH:       kept = hash_done(p, j); break;
        case VT_FILEJOB_ARCHIVE:    kept = archive_done(p, j); break;
        case VT_FILEJOB_QUARANTINE: kept = quarantine_done(p, j); break;
        case VT_FILEJOB_RESTORE:    restore_done(p, j); break;
        }
        if (!kept)
            vt_filejob_free(j);
    }
    vt__pipeline_check_idle(p);
    return G_SOURCE_CONTINUE;
}

void vt__pipeline_start_job(vt_pipeline *p, vt_filejob *j)
{
    GError *err = NULL;
    p->file_jobs++;
    p->idle_reported = false;
    if (!g_thread_pool_push(p->pool, j, &err)) {
        /* Only fails when a thread cannot be created: report it as the
         * job's own failure so its path is released. */
        j->status = vt_error_set(VT_ERR_INTERNAL, "cannot start a worker thread: %s", err->message);
        j->message = g_strdup(vt_error_message());
        g_error_free(err);
        g_async_queue_push(p->done, j);
        uint64_t one = 1;
        if (write(p->done_fd, &one, sizeof one) < 0)
            g_warning("pipeline: cannot wake the loop");
    }
}

/* ------------------------------------------------------------- conversion */

typedef struct {
    vt_pipeline *p;
    char *id;
} convert_ctx;

static int64_t backoff_seconds(int attempts)
{
    int64_t s = RETRY_FIRST_SECONDS;
    for (int i = 1; i < attempts && s < RETRY_MAX_SECONDS; i++)
        s *= 2;
    return MIN(s, RETRY_MAX_SECONDS);
}

typedef struct {
    vt_pipeline *p;
    char *id;
} retry_ctx;

static gboolean on_retry(gpointer data)
{
    retry_ctx *r = data;
    g_hash_table_remove(r->p->retry_timers, r->id);
    vt__pipeline_queue_convert(r->p, r->id);
    return G_SOURCE_REMOVE;
}

static void retry_ctx_free(gpointer data)
{
    retry_ctx *r = data;
    g_free(r->id);
    g_free(r);
}

/* A copy of asset @id (caller frees), or NULL after an ERROR event. */
static vt_asset *load_asset(vt_pipeline *p, const char *id)
{
    vt__load_ctx c = {id, NULL};
    if (vt_store_read(p->store, vt__pipeline_load_fn, &c) != VT_OK) {
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, id, vt_error_message());
        vt_asset_free(c.asset);
        return NULL;
    }
    return c.asset;
}

static void pump_conversions(vt_pipeline *p);

static void convert_failed_transient(vt_pipeline *p, const char *id, const char *message)
{
    bool again = p->opt.daemon && !p->shutting_down;
    vt__update_ctx u = {.id = id, .state = VT_ASSET_CONVERTING, .reason = message,
                    .count_attempt = true};
    vt_asset *a = load_asset(p, id);
    int64_t delay = backoff_seconds(a ? a->attempts + 1 : 1);
    vt_asset_free(a);
    u.next_attempt = again ? vt__pipeline_now() + delay : 0;
    update_asset(p, &u);
    if (!again) {
        p->pending++;
        vt__pipeline_emit(p, VT_EVENT_PENDING, NULL, NULL, id, message);
        return;
    }
    retry_ctx *r = g_new0(retry_ctx, 1);
    r->p = p;
    r->id = g_strdup(id);
    guint src = g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, (guint)delay, on_retry, r,
                                           retry_ctx_free);
    g_hash_table_replace(p->retry_timers, g_strdup(id), GUINT_TO_POINTER(src));
    g_autofree char *msg = g_strdup_printf("%s; trying again in %" G_GINT64_FORMAT " s", message,
                                           delay);
    vt__pipeline_emit(p, VT_EVENT_RETRYING, NULL, NULL, id, msg);
}

/* A converted asset's READY record waits for its group commit. */
typedef struct {
    vt__update_ctx u;
    vt_convert_result *result;
    char *id;
} convert_wait;

static void converted(vt_pipeline *p, vt_status status, void *data)
{
    convert_wait *w = data;
    const char *id = w->id;
    if (status != VT_OK) {
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, id, vt_error_message());
    } else {
        vt__pipeline_mark_changed(p, id);
        p->ingested++;
        vt_asset *a = load_asset(p, id);
        g_autofree char *msg = a ? g_strdup_printf("%d x %d %s, %.1f s", a->width, a->height,
                                                   a->format ? a->format : "image",
                                                   w->result->seconds)
                                 : NULL;
        vt__pipeline_emit(p, VT_EVENT_INGESTED, a ? a->department : NULL, a ? a->source : NULL, id, msg);
        if (w->u.annotations_refused)
            vt__pipeline_emit(p, VT_EVENT_ERROR, a ? a->department : NULL,
                              a ? a->source : NULL, id, w->u.annotations_refused);
        if (a)
            vt__pipeline_harvest_want(p, a->intervention, false);
        vt_asset_free(a);
    }
    g_free(w->u.annotations_refused);
    vt_convert_result_free(w->result);
    g_free(w->id);
    g_free(w);
}

static void convert_done(vt_convert_result *result, void *data)
{
    convert_ctx *c = data;
    vt_pipeline *p = c->p;
    char *id = c->id;
    g_free(c);

    p->converting--;
    g_hash_table_remove(p->queued, id);

    if (result->status == VT_OK) {
        /* READY waits for its group commit; the worker's slot is free now. */
        convert_wait *w = g_new0(convert_wait, 1);
        w->result = result;
        w->id = id;
        w->u = (vt__update_ctx){.id = id, .state = VT_ASSET_READY, .result = result->result,
                                .count_attempt = true, .p = p};
        vt__pipeline_write(p, vt__pipeline_update_fn, &w->u, converted, w);
        pump_conversions(p);
        return;
    } else if (result->status == VT_ERR_TRANSIENT) {
        convert_failed_transient(p, id, result->message ? result->message : "temporary failure");
    } else {
        /* A bad file: its archived original moves to quarantine with the
         * reason, and the asset is marked QUARANTINED when it got there. */
        vt__update_ctx u = {.id = id, .state = VT_ASSET_CONVERTING, .count_attempt = true,
                        .reason = result->message};
        update_asset(p, &u);
        vt_asset *a = load_asset(p, id);
        const vt_department *dept = a ? vt_config_department(p->config, a->department) : NULL;
        if (a && dept) {
            /* The converter names the archived copy, which is about to
             * move: the reason names the file as it was dropped instead. */
            GString *why = g_string_new(result->message ? result->message : "conversion failed");
            g_string_replace(why, a->original, a->source, 0);
            quarantine_file(p, NULL, dept, a->original, a, why->str);
            g_string_free(why, TRUE);
        } else {
            if (a)
                vt__pipeline_emit(p, VT_EVENT_ERROR, a->department, a->source, id,
                     "conversion failed and its department is no longer configured");
            vt_asset_free(a);
        }
    }
    vt_convert_result_free(result);
    g_free(id);
    pump_conversions(p);
    vt__pipeline_check_idle(p);
}

typedef struct {
    const vt_asset *a;
    char *rights;
} rights_ctx;

static vt_status rights_fn(vt_txn *txn, void *data)
{
    rights_ctx *c = data;
    const char *rights = vt_convert_asset_rights(c->a->custom);
    json_t *h = !rights && c->a->intervention
                    ? vt_txn_get_json(txn, VT_TABLE_HARVEST, c->a->intervention)
                    : NULL;
    if (h)
        rights = vt_convert_asset_rights(json_object_get(h, "fields"));
    g_free(c->rights);
    c->rights = g_strdup(rights);
    json_decref(h);
    return VT_OK;
}

/* The asset's own rights URI for its derived images: custom metadata's
 * first valid "rights" value, else the harvested record's; NULL: none
 * ([site] rights then). */
static char *asset_rights(vt_pipeline *p, const vt_asset *a)
{
    rights_ctx c = {a, NULL};
    if (vt_store_read(p->store, rights_fn, &c) != VT_OK)
        vt_error_clear();
    return c.rights;
}

static void pump_conversions(vt_pipeline *p)
{
    while (!p->shutting_down && p->converting < (unsigned)p->config->workers &&
           !g_queue_is_empty(&p->convert_queue)) {
        char *id = g_queue_pop_head(&p->convert_queue);
        vt_asset *a = load_asset(p, id);
        if (!a || a->state != VT_ASSET_CONVERTING) {
            g_hash_table_remove(p->queued, id);
            vt_asset_free(a);
            g_free(id);
            continue;
        }
        /* Leftovers of a conversion that was killed with us (in either
         * image root: the asset's visibility may have changed since). */
        vt_convert_cleanup(p->config->images_dir, id);
        vt_convert_cleanup(p->config->images_internal_dir, id);
        convert_ctx *c = g_new0(convert_ctx, 1);
        c->p = p;
        c->id = id;
        p->converting++;
        g_autofree char *rights = asset_rights(p, a);
        vt_status s = vt_convert_start(p->config, a->original, id, a->visibility, rights,
                                       convert_done, c);
        if (s != VT_OK) {
            p->converting--;
            g_hash_table_remove(p->queued, id);
            convert_failed_transient(p, id, vt_error_message());
            g_free(c->id);
            g_free(c);
        }
        vt_asset_free(a);
    }
}

void vt__pipeline_queue_convert(vt_pipeline *p, const char *id)
{
    if (g_hash_table_contains(p->queued, id))
        return;
    g_hash_table_add(p->queued, g_strdup(id));
    g_queue_push_tail(&p->convert_queue, g_strdup(id));
    p->idle_reported = false;
    pump_conversions(p);
}

/* ------------------------------------------------------------ offers, scan */

static void offer(vt_pipeline *p, const vt_department *dept, const char *relpath)
{
    if (p->shutting_down)
        return;
    g_autofree char *base = g_path_get_basename(relpath);
    if (vt_name_is_ignored(base))
        return;
    bool sidecar = vt_name_is_sidecar(base);
    if (sidecar && !p->opt.daemon) {
        /* Batch: the images of this run are offered (and their jobs hold
         * their paths) before it ends; one still on disk keeps its sidecar. */
        vt__pipeline_late_sidecar(p, dept, relpath);
        return;
    }
    char *path = g_build_filename(dept->hotfolder, relpath, NULL);
    if (g_hash_table_contains(p->inflight, path)) {
        /* Settling files are re-observed; others are busy already. */
        inflight_entry *busy = g_hash_table_lookup(p->inflight, path);
        if (busy->settling)
            vt_settle_touch_below(p->settle, dept->hotfolder, path,
                                  (int64_t)dept->settle_seconds * G_USEC_PER_SEC,
                                  g_get_monotonic_time());
        g_free(path);
        return;
    }
    inflight_entry *e = g_new0(inflight_entry, 1);
    e->dept = dept;
    e->relpath = g_strdup(relpath);
    e->sidecar = sidecar;
    g_hash_table_insert(p->inflight, path, e);
    p->idle_reported = false;

    if (!sidecar && !g_utf8_validate(relpath, -1, NULL)) {
        g_autofree char *shown = vt_name_display(relpath);
        vt_filejob *j = g_new0(vt_filejob, 1);
        j->kind = VT_FILEJOB_QUARANTINE;
        j->dept = dept;
        j->relpath = g_strdup(relpath);
        j->path = g_strdup(path);
        j->reason = g_strdup_printf("The name \"%s\" is not valid UTF-8 (it was probably made by an"
                                    " old program or a mistranslated share): rename the file and"
                                    " drop it again.", shown);
        j->inflight = true;
        vt__pipeline_start_job(p, j);
        return;
    }
    if (p->opt.daemon) {
        e->settling = true;
        vt_settle_touch_below(p->settle, dept->hotfolder, path,
                                  (int64_t)dept->settle_seconds * G_USEC_PER_SEC,
                                  g_get_monotonic_time());
        arm_settle_timer(p);
        return;
    }
    vt_filejob *j = g_new0(vt_filejob, 1);
    j->kind = VT_FILEJOB_HASH;
    j->dept = dept;
    j->relpath = g_strdup(relpath);
    j->path = g_strdup(path);
    j->inflight = true;
    vt__pipeline_start_job(p, j);
}

static void start_hash(vt_pipeline *p, const char *path)
{
    inflight_entry *e = g_hash_table_lookup(p->inflight, path);
    if (!e)
        return;
    if (e->sidecar) {
        /* Settled; its image (if any) has had as long to show up. */
        const vt_department *dept = e->dept;
        g_autofree char *relpath = g_strdup(e->relpath);
        g_hash_table_remove(p->inflight, path);
        vt__pipeline_late_sidecar(p, dept, relpath);
        return;
    }
    e->settling = false;
    vt_filejob *j = g_new0(vt_filejob, 1);
    j->kind = VT_FILEJOB_HASH;
    j->dept = e->dept;
    j->relpath = g_strdup(e->relpath);
    j->path = g_strdup(path);
    j->inflight = true;
    vt__pipeline_start_job(p, j);
}

static gboolean on_settle_timer(gpointer data)
{
    vt_pipeline *p = data;
    p->settle_timer = 0;
    GPtrArray *ready = vt_settle_collect(p->settle, g_get_monotonic_time());
    for (guint i = 0; i < ready->len; i++)
        start_hash(p, g_ptr_array_index(ready, i));
    g_ptr_array_free(ready, TRUE);

    /* The settle table drops files that vanished while settling (renamed,
     * deleted, moved out): release their paths too. */
    GHashTableIter it;
    gpointer key, value;
    struct stat st;
    g_hash_table_iter_init(&it, p->inflight);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        inflight_entry *e = value;
        if (e->settling && lstat(key, &st) != 0 && errno == ENOENT) {
            vt_settle_forget(p->settle, key);
            g_hash_table_iter_remove(&it);
        }
    }
    arm_settle_timer(p);
    vt__pipeline_check_idle(p);
    return G_SOURCE_REMOVE;
}

static bool any_settling(vt_pipeline *p)
{
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, p->inflight);
    while (g_hash_table_iter_next(&it, NULL, &value))
        if (((inflight_entry *)value)->settling)
            return true;
    return false;
}

static void arm_settle_timer(vt_pipeline *p)
{
    if (p->settle_timer) {
        g_source_remove(p->settle_timer);
        p->settle_timer = 0;
    }
    if (p->shutting_down)
        return;
    int64_t deadline = vt_settle_next_deadline(p->settle);
    if (deadline < 0) {
        /* Nothing to observe, but vanished entries may wait for a sweep. */
        if (any_settling(p))
            p->settle_timer = g_timeout_add_seconds(1, on_settle_timer, p);
        return;
    }
    int64_t wait_us = deadline - g_get_monotonic_time();
    guint ms = wait_us <= 0 ? 0 : (guint)MIN((wait_us + 999) / 1000, G_MAXUINT32);
    p->settle_timer = g_timeout_add(ms, on_settle_timer, p);
}

typedef struct {
    vt_pipeline *p;
    const vt_department *dept;
} scan_ctx;

static void scan_found(const char *relpath, bool is_symlink, void *data)
{
    scan_ctx *c = data;
    (void)is_symlink;   /* the hash step looks again, with lstat */
    offer(c->p, c->dept, relpath);
}

static void scan_department(vt_pipeline *p, const vt_department *dept, const char *subdir)
{
    scan_ctx c = {p, dept};
    unsigned count = 0;
    vt_status s = vt_scan_tree(dept->hotfolder, subdir, scan_found, &c, &count);
    /* A new folder already renamed or removed (Windows' "New folder" is
     * renamed at once) is not a problem: its new name has its own event. */
    if (s != VT_OK && !(s == VT_ERR_NOT_FOUND && subdir))
        vt__pipeline_emit(p, VT_EVENT_ERROR, dept->id, subdir, NULL, vt_error_message());
}

static void scan_all(vt_pipeline *p)
{
    for (size_t i = 0; i < p->config->n_departments; i++)
        scan_department(p, &p->config->departments[i], NULL);
}

static void on_watch(vt_watch_kind kind, const char *root, const char *relpath, void *data)
{
    vt_pipeline *p = data;

    if (kind == VT_WATCH_OVERFLOW) {
        vt__pipeline_emit(p, VT_EVENT_INFO, NULL, NULL, NULL,
             "the kernel's inotify queue overflowed: rescanning every hotfolder");
        scan_all(p);
        vt_pipeline_take_spool(p);
        return;
    }
    if (strcmp(root, p->config->spool_dir) == 0) {
        vt_pipeline_take_spool(p);
        return;
    }
    const vt_department *dept = department_of_root(p, root);
    if (!dept)
        return;
    if (kind == VT_WATCH_DIR)
        scan_department(p, dept, relpath);
    else
        offer(p, dept, relpath);
}

static gboolean on_watch_fd(gint fd, GIOCondition cond, gpointer data)
{
    vt_pipeline *p = data;
    if (vt_watch_dispatch(p->watch) != VT_OK)
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, vt_error_message());
    const char *problem = vt_watch_problem(p->watch);
    if (problem && g_strcmp0(problem, p->problem) != 0) {
        g_free(p->problem);
        p->problem = g_strdup(problem);
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, problem);
    }
    vt__pipeline_check_idle(p);
    return G_SOURCE_CONTINUE;
}

static gboolean on_rescan(gpointer data)
{
    vt_pipeline *p = data;
    scan_all(p);
    vt_pipeline_take_spool(p);
    vt__pipeline_check_idle(p);
    return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ start */

static bool resume_one(const vt_asset *a, void *data)
{
    vt_pipeline *p = data;
    const vt_department *dept = vt_config_department(p->config, a->department);

    if (a->state == VT_ASSET_ARCHIVING) {
        if (!dept) {
            vt__pipeline_emit(p, VT_EVENT_ERROR, a->department, a->source, a->id,
                 "cannot finish archiving: its department is no longer in the configuration");
            return true;
        }
        char *path = g_build_filename(dept->hotfolder, a->source, NULL);
        if (g_hash_table_contains(p->inflight, path)) {
            g_free(path);
            return true;
        }
        inflight_entry *e = g_new0(inflight_entry, 1);
        e->dept = dept;
        e->relpath = g_strdup(a->source);
        g_hash_table_insert(p->inflight, g_strdup(path), e);
        vt_filejob *j = g_new0(vt_filejob, 1);
        j->kind = VT_FILEJOB_ARCHIVE;
        j->dept = dept;
        j->relpath = g_strdup(a->source);
        j->path = path;
        j->asset = vt_asset_dup(a);
        j->inflight = true;
        vt__pipeline_start_job(p, j);
    } else if (a->state == VT_ASSET_CONVERTING) {
        vt__pipeline_queue_convert(p, a->id);
    }
    return true;
}

static vt_status resume_fn(vt_txn *txn, void *data)
{
    vt_asset_foreach(txn, resume_one, data);
    return vt_txn_status(txn);
}

vt_status vt_pipeline_new(const vt_config *config, vt_store *store,
                          const vt_pipeline_options *options, vt_pipeline **ret_pipeline)
{
    vt_pipeline *p = g_new0(vt_pipeline, 1);
    p->config = config;
    p->store = store;
    p->opt = *options;
    p->done = g_async_queue_new();
    p->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (p->done_fd < 0) {
        vt_status s = vt_error_set_errno(VT_ERR_INTERNAL, errno, "eventfd");
        vt_pipeline_free(p);
        return s;
    }
    GError *err = NULL;
    /* File work is disk-bound: as many threads as conversion workers keeps
     * the disks busy without thrashing them. */
    p->pool = g_thread_pool_new(pool_work, p, MAX(2, config->workers), FALSE, &err);
    if (!p->pool) {
        vt_status s = vt_error_set(VT_ERR_INTERNAL, "cannot start worker threads: %s", err->message);
        g_error_free(err);
        vt_pipeline_free(p);
        return s;
    }
    /* Checked when the configuration was loaded: this cannot fail then. */
    if (vt_annotation_types_load(config->keyfile, &p->annotation_types) != VT_OK) {
        vt_pipeline_free(p);
        return VT_ERR_CONFIG;
    }
    if (vt_harvest_config_load(config->keyfile, &p->harvest_config) != VT_OK) {
        vt_status s = vt_error_set(VT_ERR_CONFIG, "%s", vt_error_message());
        vt_pipeline_free(p);
        return s;
    }
    p->harvesting = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    p->done_source = g_unix_fd_add(p->done_fd, G_IO_IN, on_done, p);
    p->settle = vt_settle_new();
    p->inflight = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, inflight_entry_free);
    p->queued = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    p->retry_timers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    p->file_retries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, file_retry_free);
    p->orphan_sidecars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_queue_init(&p->convert_queue);
    *ret_pipeline = p;
    return VT_OK;
}

static vt_status make_dirs(const vt_pipeline *p)
{
    const char *dirs[] = {p->config->originals_dir, p->config->quarantine_dir,
                          p->config->images_dir, p->config->images_internal_dir,
                          p->config->spool_dir};
    for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
        vt_status s = vt_file_mkdirs(dirs[i]);
        if (s != VT_OK)
            return s;
    }
    return VT_OK;
}

vt_status vt_pipeline_start(vt_pipeline *p, const char *const *paths)
{
    vt_status s = make_dirs(p);
    if (s != VT_OK)
        return s;
    /* Without its index vitrine still ingests (that is what must never
     * stop); search is stale until `vitrine reindex`. */
    if (vt_indexer_open(p->config, &p->indexer) != VT_OK) {
        g_free(p->problem);
        p->problem = g_strdup_printf("search index unavailable: %s", vt_error_message());
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, p->problem);
    }

    /* Without templates vitrine still ingests and indexes; the site waits
     * for an installation that has them. */
    if (vt_publisher_open(p->config, &p->publisher) != VT_OK) {
        g_free(p->problem);
        p->problem = g_strdup_printf("site unavailable: %s", vt_error_message());
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, p->problem);
    } else {
        /* Without OpenSeadragon the pages still work, as still images:
         * say so where an administrator looks (log, vitrine status). */
        g_autofree char *missing = vt_site_missing_vendor();
        if (missing) {
            vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, missing);
            if (!p->problem)
                p->problem = g_steal_pointer(&missing);
        }
        if (!p->flush_timer)   /* publish what a crash left dirty, or build a first site */
            p->flush_timer = g_timeout_add(0, on_flush, p);
    }

    if (p->opt.daemon) {
        s = vt_watch_new(on_watch, p, &p->watch);
        if (s != VT_OK)
            return s;
        for (size_t i = 0; i < p->config->n_departments; i++) {
            const vt_department *d = &p->config->departments[i];
            s = vt_watch_add_tree(p->watch, d->hotfolder);
            if (s == VT_ERR_LIMIT) {
                g_free(p->problem);
                p->problem = g_strdup(vt_error_message());
                vt__pipeline_emit(p, VT_EVENT_ERROR, d->id, NULL, NULL, p->problem);
            } else if (s != VT_OK) {
                vt__pipeline_emit(p, VT_EVENT_ERROR, d->id, NULL, NULL, vt_error_message());
            }
        }
        if (vt_watch_add_tree(p->watch, p->config->spool_dir) != VT_OK)
            vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, vt_error_message());
        p->watch_source = g_unix_fd_add(vt_watch_fd(p->watch), G_IO_IN, on_watch_fd, p);
        if (p->config->rescan_minutes > 0)
            p->rescan_timer = g_timeout_add_seconds((guint)p->config->rescan_minutes * 60,
                                                    on_rescan, p);
    }

    if (p->harvest_config) {
        s = vt_harvest_new(p->harvest_config, VT__HARVEST_PARALLEL, &p->harvester);
        if (s != VT_OK)
            return s;
        if (p->opt.daemon)
            p->harvest_timer = g_timeout_add_seconds(VT__HARVEST_SWEEP_SECONDS,
                                                     vt__pipeline_harvest_sweep, p);
    }

    s = vt_store_read(p->store, resume_fn, p);
    if (s != VT_OK)
        return s;
    vt_pipeline_take_spool(p);

    if (!paths) {
        scan_all(p);
    } else {
        for (size_t i = 0; paths[i]; i++) {
            g_autofree char *abs = g_canonicalize_filename(paths[i], NULL);
            const char *rel = NULL;
            const vt_department *dept = department_of_path(p, abs, &rel);
            if (!dept)
                return vt_error_set(VT_ERR_INVALID, "%s is not inside a configured hotfolder",
                                    paths[i]);
            struct stat st;
            if (lstat(abs, &st) != 0)
                return vt_error_set_errno(VT_ERR_NOT_FOUND, errno, "cannot find %s", paths[i]);
            if (S_ISDIR(st.st_mode))
                scan_department(p, dept, *rel ? rel : NULL);
            else
                offer(p, dept, rel);
        }
    }
    if (p->opt.daemon)
        vt__pipeline_harvest_all(p, false);
    vt__pipeline_check_idle(p);
    return VT_OK;
}

/* ------------------------------------------------------------------- misc */

bool vt_pipeline_is_idle(const vt_pipeline *p)
{
    return p->file_jobs == 0 && g_hash_table_size(p->inflight) == 0 && p->converting == 0 &&
           (!p->writes || p->writes->len == 0) &&
           (!p->harvesting || g_hash_table_size(p->harvesting) == 0) &&
           p->convert_queue.length == 0;
}

static gboolean report_idle(gpointer data)
{
    vt_pipeline *p = data;
    if (vt_pipeline_is_idle(p) && !p->idle_reported) {
        /* Idle means searchable too: no change waits for the flush timer. */
        if (p->flush_timer) {
            g_source_remove(p->flush_timer);
            on_flush(p);
        }
        p->idle_reported = true;
        if (p->opt.on_idle)
            p->opt.on_idle(p->opt.data);
    }
    return G_SOURCE_REMOVE;
}

void vt__pipeline_check_idle(vt_pipeline *p)
{
    if (vt_pipeline_is_idle(p) && !p->idle_reported)
        g_idle_add(report_idle, p);
}

void vt_pipeline_get_stats(const vt_pipeline *p, vt_pipeline_stats *ret)
{
    memset(ret, 0, sizeof *ret);
    ret->settling = vt_settle_count(p->settle);
    ret->file_jobs = p->file_jobs;
    ret->waiting = p->convert_queue.length;
    ret->converting = p->converting;
    ret->retrying = g_hash_table_size(p->retry_timers) + g_hash_table_size(p->file_retries);
    ret->watches = p->watch ? vt_watch_count(p->watch) : 0;
    ret->harvesting = p->harvesting ? g_hash_table_size(p->harvesting) : 0;
    ret->ingested = p->ingested;
    ret->quarantined = p->quarantined;
    ret->pending = p->pending;
    ret->rejected = p->rejected;
    ret->problem = p->problem;
    ret->refused = p->refused;
    ret->last_refused = p->last_refused;
    ret->commits = p->commits;
    ret->records = p->grouped;
}

void vt_pipeline_shutdown(vt_pipeline *p)
{
    p->shutting_down = true;
    if (p->harvest_timer) {
        g_source_remove(p->harvest_timer);
        p->harvest_timer = 0;
    }
    if (p->settle_timer) {
        g_source_remove(p->settle_timer);
        p->settle_timer = 0;
    }
    if (p->rescan_timer) {
        g_source_remove(p->rescan_timer);
        p->rescan_timer = 0;
    }
    if (p->watch_source) {
        g_source_remove(p->watch_source);
        p->watch_source = 0;
    }
    /* Waiting conversions stay CONVERTING in the store: the next start
     * queues them again. */
    char *id;
    while ((id = g_queue_pop_head(&p->convert_queue))) {
        g_hash_table_remove(p->queued, id);
        g_free(id);
    }
}

void vt_pipeline_free(vt_pipeline *p)
{
    if (!p)
        return;
    /* Records still waiting for their commit are written (their next steps
     * are left for the next start, as a shutdown leaves them). */
    p->shutting_down = true;
    vt__pipeline_write_flush(p);
    if (p->writes)
        g_ptr_array_free(p->writes, TRUE);
    p->writes = NULL;
    vt_pipeline_shutdown(p);
    if (p->pool)
        g_thread_pool_free(p->pool, TRUE, TRUE);   /* drop queued jobs, wait for running */
    if (p->done_source)
        g_source_remove(p->done_source);
    if (p->done) {
        vt_filejob *j;
        while ((j = g_async_queue_try_pop(p->done)))
            vt_filejob_free(j);
        g_async_queue_unref(p->done);
    }
    if (p->done_fd >= 0)
        close(p->done_fd);
    GHashTableIter it;
    gpointer key, value;
    if (p->retry_timers) {
        g_hash_table_iter_init(&it, p->retry_timers);
        while (g_hash_table_iter_next(&it, &key, &value))
            g_source_remove(GPOINTER_TO_UINT(value));
        g_hash_table_destroy(p->retry_timers);
    }
    if (p->file_retries)
        g_hash_table_destroy(p->file_retries);
    if (p->orphan_sidecars)
        g_hash_table_destroy(p->orphan_sidecars);
    if (p->harvest_timer)
        g_source_remove(p->harvest_timer);
    vt_harvest_free(p->harvester);
    vt_harvest_config_free(p->harvest_config);
    vt_annotation_types_free(p->annotation_types);
    if (p->harvesting)
        g_hash_table_destroy(p->harvesting);
    if (p->flush_timer) {
        g_source_remove(p->flush_timer);
        p->flush_timer = 0;
    }
    if (p->indexer && vt_indexer_flush(p->indexer, p->store) != VT_OK)
        vt__pipeline_emit(p, VT_EVENT_ERROR, NULL, NULL, NULL, vt_error_message());
    vt_indexer_close(p->indexer);
    publish_site(p);
    if (p->flush_timer) {  /* set again if a rebuild held the site: too late now */
        g_source_remove(p->flush_timer);
        p->flush_timer = 0;
    }
    if (p->terms_timer) {
        g_source_remove(p->terms_timer);
        on_terms(p);
    }
    vt_publisher_close(p->publisher);
    vt_watch_free(p->watch);
    vt_settle_free(p->settle);
    if (p->inflight)
        g_hash_table_destroy(p->inflight);
    if (p->queued)
        g_hash_table_destroy(p->queued);
    g_free(p->problem);
    g_free(p->last_refused);
    g_free(p);
}
