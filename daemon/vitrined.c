/* vitrined: the vitrine daemon. Thin on purpose: it parses arguments, loads
 * the configuration, opens the store as its single writer, runs the
 * pipeline in daemon mode under a GLib main loop, and talks to systemd
 * (READY, STATUS, WATCHDOG, STOPPING). */
#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "vt_config.h"
#include "vt_file.h"
#include "vt_log.h"
#include "vt_mirror.h"
#include "vt_pipeline.h"
#include "vt_spool.h"
#include "vt_store.h"

#define STATUS_INTERVAL_MS 2000
#define STOP_GRACE_SECONDS 20

typedef struct {
    const vt_config *config;
    vt_pipeline *pipeline;
    vt_mirror *mirror;      /* [mirror] targets, pushed after each publication */
    GMainLoop *loop;
    char *status_path;
    char *last_status;
    int64_t started;
    int64_t stop_deadline;   /* monotonic us; 0 = running */
    bool verbose;
} daemon_state;

static void on_event(const vt_event *event, void *data)
{
    daemon_state *d = data;
    vt_log_event(event, !d->verbose && event->kind == VT_EVENT_INFO);
}

static void on_published(void *data)
{
    daemon_state *d = data;
    vt_mirror_kick(d->mirror);
}

static void on_mirror_result(bool ok, const char *target, const char *message, void *data)
{
    daemon_state *d = data;
    if (ok && d->verbose)
        vt_log_line(false, "mirror %s: pushed", target);
    else if (!ok)
        vt_log_line(true, "mirror %s: %s (tried again later)", target, message);
}

static json_t *status_json(const daemon_state *d)
{
    vt_pipeline_stats s;
    vt_pipeline_get_stats(d->pipeline, &s);
    return json_pack("{s:i, s:I, s:I, s:{s:i, s:i, s:i, s:i, s:i, s:i}, s:i, s:I, s:I, s:s?, s:I, s:s?, s:b,"
                     " s:o, s:{s:I, s:I}}",
                     "pid", (int)getpid(),
                     "started", (json_int_t)d->started,
                     "updated", (json_int_t)(g_get_real_time() / G_USEC_PER_SEC),
                     "queue",
                     "settling", s.settling, "file_jobs", s.file_jobs, "waiting", s.waiting,
                     "converting", s.converting, "retrying", s.retrying,
                     "harvesting", s.harvesting,
                     "watches", s.watches,
                     "ingested", (json_int_t)s.ingested,
                     "quarantined", (json_int_t)s.quarantined,
                     "problem", s.problem,
                     "refused", (json_int_t)s.refused,
                     "last_refused", s.last_refused,
                     "stopping", d->stop_deadline != 0,
                     "mirrors", vt_mirror_status_json(d->mirror),
                     /* the ingest steps' store commits: records / commits = files per commit */
                     "store", "commits", (json_int_t)s.commits, "records", (json_int_t)s.records);
}

static gboolean on_status(gpointer data)
{
    daemon_state *d = data;
    vt_pipeline_stats s;
    vt_pipeline_get_stats(d->pipeline, &s);
    g_autofree char *line = g_strdup_printf(
        "%u settling, %u file jobs, %u waiting, %u converting, %u retrying; %" G_GUINT64_FORMAT
        " ingested, %" G_GUINT64_FORMAT " quarantined, %" G_GUINT64_FORMAT
        " sidecars with refused fields since start%s%s",
        s.settling, s.file_jobs, s.waiting, s.converting, s.retrying, s.ingested, s.quarantined,
        s.refused,
        s.problem ? "; PROBLEM: " : "", s.problem ? s.problem : "");
    /* Mirrors: the push count changes the line, so the file follows them. */
    if (vt_mirror_count(d->mirror) > 0) {
        char *with = g_strdup_printf("%s; mirrors: %u pushes, %zu of %zu failing", line,
                                     vt_mirror_runs(d->mirror), vt_mirror_failing(d->mirror),
                                     vt_mirror_count(d->mirror));
        g_free(line);
        line = with;
    }
    if (g_strcmp0(line, d->last_status) != 0) {
        sd_notifyf(0, "STATUS=%s", line);
        g_free(d->last_status);
        d->last_status = g_steal_pointer(&line);
        json_t *j = status_json(d);
        char *text = json_dumps(j, JSON_INDENT(2));
        if (text && vt_file_write_atomic(d->status_path, text, strlen(text)) != VT_OK)
            vt_log_line(true, "cannot write the status file: %s", vt_error_message());
        free(text);
        json_decref(j);
    }
    return G_SOURCE_CONTINUE;
}

static gboolean on_watchdog(gpointer data)
{
    sd_notify(0, "WATCHDOG=1");
    return G_SOURCE_CONTINUE;
}

static gboolean on_stop_tick(gpointer data)
{
    daemon_state *d = data;
    vt_pipeline_stats s;
    vt_pipeline_get_stats(d->pipeline, &s);
    /* Conversions in flight get a grace period to finish; anything left is
     * still recorded at its step and is redone at the next start. */
    if ((s.converting == 0 && s.file_jobs == 0) || g_get_monotonic_time() >= d->stop_deadline) {
        g_main_loop_quit(d->loop);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer data)
{
    daemon_state *d = data;
    if (d->stop_deadline) {
        g_main_loop_quit(d->loop);   /* a second signal: stop now */
        return G_SOURCE_CONTINUE;
    }
    sd_notify(0, "STOPPING=1");
    vt_log_line(false, "stopping");
    d->stop_deadline = g_get_monotonic_time() + (int64_t)STOP_GRACE_SECONDS * G_USEC_PER_SEC;
    vt_pipeline_shutdown(d->pipeline);
    g_timeout_add(100, on_stop_tick, d);
    return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
    /* The site's catalogues are chosen per page (vt_i18n.h), never by
     * LANGUAGE; unset here, before any thread reads the environment. */
    g_unsetenv("LANGUAGE");
    g_autofree char *config_path = NULL;
    gboolean version = FALSE, verbose = FALSE;
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
         "Configuration file (default: $VITRINE_CONFIG or " VT_CONFIG_DEFAULT_PATH ")", "FILE"},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log notes too", NULL},
        {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("- the vitrine ingest daemon");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "vitrined: %s\n", err->message);
        g_error_free(err);
        g_option_context_free(ctx);
        return 2;
    }
    g_option_context_free(ctx);
    if (version) {
        printf("vitrined %s\n", VT_VERSION);
        return 0;
    }
    if (!config_path)
        config_path = g_strdup(getenv("VITRINE_CONFIG") ? getenv("VITRINE_CONFIG")
                                                        : VT_CONFIG_DEFAULT_PATH);

    vt_config *config = NULL;
    if (vt_config_load(config_path, &config) != VT_OK) {
        vt_log_line(true, "%s", vt_error_message());
        return 2;
    }
    vt_store *store = NULL;
    if (vt_store_open(config->state_dir, VT_STORE_WRITER, &store) != VT_OK) {
        vt_log_line(true, "%s", vt_error_message());
        vt_config_free(config);
        return 1;
    }

    daemon_state d = {.config = config, .verbose = verbose,
                      .started = g_get_real_time() / G_USEC_PER_SEC};
    d.loop = g_main_loop_new(NULL, FALSE);
    d.status_path = g_build_filename(config->state_dir, "status.json", NULL);
    vt_pipeline_options opt = {.daemon = true, .on_event = on_event,
                               .on_published = on_published, .data = &d};
    int rc = 0;
    if (vt_mirror_new(config, on_mirror_result, &d, &d.mirror) != VT_OK) {
        vt_log_line(true, "%s", vt_error_message());
        g_main_loop_unref(d.loop);
        g_free(d.status_path);
        vt_store_close(store);
        vt_config_free(config);
        return 2;
    }
    /* What was published while vitrined was down reaches the mirrors too. */
    vt_mirror_kick(d.mirror);
    /* Held until exit: the edit CGI tells from it that vitrined runs. */
    int web_lock = -1;
    if (vt_spool_hold_web(config->spool_dir, &web_lock) != VT_OK)
        vt_log_line(true, "the internal site cannot tell that vitrined runs: %s",
                    vt_error_message());
    if (vt_pipeline_new(config, store, &opt, &d.pipeline) != VT_OK ||
        vt_pipeline_start(d.pipeline, NULL) != VT_OK) {
        vt_log_line(true, "cannot start: %s", vt_error_message());
        rc = 1;
        goto out;
    }
    g_unix_signal_add(SIGTERM, on_signal, &d);
    g_unix_signal_add(SIGINT, on_signal, &d);
    uint64_t watchdog_us = 0;
    if (sd_watchdog_enabled(0, &watchdog_us) > 0 && watchdog_us > 0)
        g_timeout_add((guint)MAX(watchdog_us / 2000, 1), on_watchdog, &d);
    g_timeout_add(STATUS_INTERVAL_MS, on_status, &d);

    vt_log_line(false, "vitrined %s watching %zu hotfolder%s (config %s)", VT_VERSION,
                config->n_departments, config->n_departments == 1 ? "" : "s", config_path);
    on_status(&d);
    sd_notify(0, "READY=1");
    g_main_loop_run(d.loop);
    on_status(&d);
    vt_log_line(false, "stopped");

out:
    /* The last publications (in vt_pipeline_free) reach the mirrors at the
     * next start: the loop that would watch a push has ended. */
    vt_mirror_free(d.mirror);
    d.mirror = NULL;
    vt_pipeline_free(d.pipeline);
    g_unlink(d.status_path);
    g_free(d.status_path);
    g_free(d.last_status);
    g_main_loop_unref(d.loop);
    vt_store_close(store);
    vt_config_free(config);
    return rc;
}
