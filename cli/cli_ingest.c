/* cli_ingest.c: `vitrine ingest` and `vitrine retry`: the daemon's pipeline
 * run in batch mode, to completion, in this process. */
#include <glib-unix.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vt_log.h"
#include "vt_meta.h"
#include "vt_pipeline.h"
#include "vt_spool.h"
#include "vt_store.h"

typedef struct {
    GMainLoop *loop;
    vt_pipeline *pipeline;
    bool tty;
    bool quiet;
    bool interrupted;
    bool bar_shown;
} batch;

static void clear_bar(batch *b)
{
    if (b->bar_shown) {
        fputs("\r\033[K", stderr);
        b->bar_shown = false;
    }
}

static gboolean draw_bar(gpointer data)
{
    batch *b = data;
    vt_pipeline_stats s;
    vt_pipeline_get_stats(b->pipeline, &s);
    uint64_t done = s.ingested + s.quarantined + s.pending;
    uint64_t total = done + s.settling + s.file_jobs + s.waiting + s.converting;
    int width = 30;
    int filled = total ? (int)(done * (uint64_t)width / total) : 0;
    char bar[64];
    memset(bar, '#', (size_t)filled);
    memset(bar + filled, '.', (size_t)(width - filled));
    bar[width] = '\0';
    fprintf(stderr, "\r\033[K[%s] %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                    " done, %u converting", bar, done, total, s.converting);
    b->bar_shown = true;
    return G_SOURCE_CONTINUE;
}

static void on_event(const vt_event *event, void *data)
{
    batch *b = data;
    clear_bar(b);
    vt_log_event(event, b->quiet);
}

static void on_idle(void *data)
{
    batch *b = data;
    g_main_loop_quit(b->loop);
}

static gboolean on_interrupt(gpointer data)
{
    batch *b = data;
    if (!b->interrupted) {
        b->interrupted = true;
        vt_pipeline_shutdown(b->pipeline);
    }
    g_main_loop_quit(b->loop);
    return G_SOURCE_CONTINUE;
}

/* Runs the pipeline over @paths (NULL: every hotfolder) until it is idle.
 * Returns the exit code. */
static int run_batch(const vt_config *config, const char *const *paths, bool quiet)
{
    vt_store *store = NULL;
    vt_status s = vt_store_open(config->state_dir, VT_STORE_WRITER, &store);
    if (s == VT_ERR_BUSY) {
        fprintf(stderr, "vitrine: %s.\nvitrined is running and owns the store: drop the files into"
                        " a hotfolder instead, or stop vitrined first.\n", vt_error_message());
        return 1;
    }
    if (s != VT_OK) {
        fprintf(stderr, "vitrine: %s\n", vt_error_message());
        return 1;
    }
    batch b = {.loop = g_main_loop_new(NULL, FALSE), .tty = isatty(STDERR_FILENO), .quiet = quiet};
    vt_pipeline_options opt = {.daemon = false, .on_event = on_event, .on_idle = on_idle,
                               .data = &b};
    int rc = 1;
    if (vt_pipeline_new(config, store, &opt, &b.pipeline) != VT_OK ||
        vt_pipeline_start(b.pipeline, paths) != VT_OK) {
        fprintf(stderr, "vitrine: %s\n", vt_error_message());
        goto out;
    }
    guint sig_int = g_unix_signal_add(SIGINT, on_interrupt, &b);
    guint sig_term = g_unix_signal_add(SIGTERM, on_interrupt, &b);
    guint bar = b.tty ? g_timeout_add(100, draw_bar, &b) : 0;
    g_main_loop_run(b.loop);
    if (bar)
        g_source_remove(bar);
    g_source_remove(sig_int);
    g_source_remove(sig_term);
    clear_bar(&b);

    vt_pipeline_stats st;
    vt_pipeline_get_stats(b.pipeline, &st);
    /* `vitrine set` and friends only say something when work happened. */
    if (paths != NULL && paths[0] == NULL && !st.ingested && !st.quarantined && !st.pending &&
        !st.rejected && !b.interrupted)
        goto done;
    fprintf(stderr, "%" G_GUINT64_FORMAT " ingested, %" G_GUINT64_FORMAT " quarantined, %"
                    G_GUINT64_FORMAT " left pending",
            st.ingested, st.quarantined, st.pending);
    if (st.rejected)
        fprintf(stderr, ", %" G_GUINT64_FORMAT " request%s rejected", st.rejected,
                st.rejected == 1 ? "" : "s");
    fprintf(stderr, "%s\n", b.interrupted ? " (interrupted: run it again to continue)" : "");
done:
    rc = (b.interrupted || st.pending || st.rejected) ? 1 : 0;
out:
    vt_pipeline_free(b.pipeline);
    g_main_loop_unref(b.loop);
    vt_store_close(store);
    return rc;
}

int cli_ingest(cli_context *ctx, int argc, char **argv)
{
    gboolean quiet = FALSE;
    GOptionEntry entries[] = {
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print only problems and the summary", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse("ingest", "run the pipeline on the hotfolders, or on PATHs inside them, to"
                   " completion (files are taken at once, without waiting to settle)",
                   entries, &argc, &argv))
        return 2;
    const char *const *paths = argc > 1 ? (const char *const *)argv + 1 : NULL;
    return run_batch(ctx->config, paths, quiet);
}

/* Hands @request (taken) to the store's writer: vitrined through the spool
 * when it runs (waiting a little to tell the user how it went), else this
 * process, in batch mode. Returns the exit code. */
static int submit(cli_context *ctx, json_t *request)
{
    g_autofree char *name = NULL;
    vt_status s = vt_spool_submit(ctx->config->spool_dir, request, &name);
    json_decref(request);
    if (s != VT_OK) {
        fprintf(stderr, "vitrine: %s\n", vt_error_message());
        return 1;
    }
    int pid = 0;
    if (!cli_daemon_running(ctx->config, &pid)) {
        /* No daemon: apply the request here, as the store's writer. */
        const char *none[] = {NULL};
        int rc = run_batch(ctx->config, none, false);
        if (rc == 0)
            printf("done by this process (vitrined is not running)\n");
        return rc;
    }
    g_autofree char *pending = g_build_filename(ctx->config->spool_dir, name, NULL);
    g_autofree char *rejected = g_build_filename(ctx->config->spool_dir, "rejected", name, NULL);
    for (int i = 0; i < 200 && g_file_test(pending, G_FILE_TEST_EXISTS); i++)
        g_usleep(50 * 1000);
    if (g_file_test(pending, G_FILE_TEST_EXISTS)) {
        printf("queued for vitrined (pid %d) as %s; it has not taken it yet\n", pid, name);
        return 0;
    }
    if (g_file_test(rejected, G_FILE_TEST_EXISTS)) {
        g_autofree char *why_path = g_strconcat(rejected, ".reason.txt", NULL);
        g_autofree char *why = NULL;
        g_file_get_contents(why_path, &why, NULL, NULL);
        fprintf(stderr, "vitrine: refused by vitrined (pid %d): %s", pid, why ? why : "(no reason)\n");
        return 1;
    }
    printf("done by vitrined (pid %d)\n", pid);
    return 0;
}

int cli_submit(cli_context *ctx, json_t *request)
{
    return submit(ctx, request);
}

int cli_retry(cli_context *ctx, int argc, char **argv)
{
    gboolean failed = FALSE;
    GOptionEntry entries[] = {
        {"failed", 0, 0, G_OPTION_ARG_NONE, &failed,
         "Every quarantined asset and every conversion waiting for a retry", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse("retry", "convert assets again; quarantined ones are first moved back from"
                   " quarantine into the archive", entries, &argc, &argv))
        return 2;
    if (failed == (argc > 1)) {
        fprintf(stderr, "vitrine retry: give asset ids or --failed (not both)\n");
        return 2;
    }
    json_t *req = json_pack("{s:i, s:s}", "v", 1, "action", "retry");
    if (failed) {
        json_object_set_new(req, "failed", json_true());
    } else {
        json_t *ids = json_array();
        for (int i = 1; i < argc; i++)
            json_array_append_new(ids, json_string(argv[i]));
        json_object_set_new(req, "ids", ids);
    }
    return submit(ctx, req);
}

static int edit_command(cli_context *ctx, const char *command, int argc, char **argv, bool set)
{
    GOptionEntry entries[] = {{NULL, 0, 0, 0, NULL, NULL, NULL}};
    const char *summary = set ? "set custom metadata: FIELD=VALUE or FIELD.LANG=VALUE (nl, fr, en,"
                                " de); visibility=public|internal. Fields named in"
                                " [harvest-fields] come from the collection system and are"
                                " refused.\n\nExample:\n  vitrine set 1a2b3c4d title.en='Recto after"
                                " cleaning' keywords=varnish keywords=craquelure"
                                " visibility=internal"
                              : "remove custom metadata: FIELD or FIELD.LANG";
    if (!cli_parse(command, summary, entries, &argc, &argv))
        return 2;
    if (argc < 3) {
        fprintf(stderr, "vitrine %s: give an asset id and at least one field\n", argv[0]);
        return 2;
    }
    json_t *edit = NULL;
    const char *const *args = (const char *const *)argv + 2;
    vt_status s = set ? vt_meta_edit_from_set_args(args, (size_t)argc - 2, &edit)
                      : vt_meta_edit_from_unset_args(args, (size_t)argc - 2, &edit);
    if (s != VT_OK) {
        fprintf(stderr, "vitrine %s: %s\n", argv[0], vt_error_message());
        return 2;
    }
    /* Who asked, for the audit trail (vitrine history). */
    json_t *req = json_pack("{s:i, s:s, s:s, s:o, s:s}", "v", 1, "action", "edit", "id", argv[1],
                            "edit", edit, "user", g_get_user_name());
    return submit(ctx, req);
}

int cli_set(cli_context *ctx, int argc, char **argv)
{
    return edit_command(ctx, "set ID FIELD=VALUE...", argc, argv, true);
}

int cli_unset(cli_context *ctx, int argc, char **argv)
{
    return edit_command(ctx, "unset ID FIELD...", argc, argv, false);
}

int cli_reindex(cli_context *ctx, int argc, char **argv)
{
    GOptionEntry entries[] = {{NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse("reindex", "rebuild the search index and the term counts from the store",
                   entries, &argc, &argv))
        return 2;
    return submit(ctx, json_pack("{s:i, s:s}", "v", 1, "action", "reindex"));
}

int cli_harvest(cli_context *ctx, int argc, char **argv)
{
    gboolean refresh = FALSE;
    GOptionEntry entries[] = {
        {"refresh", 0, 0, G_OPTION_ARG_NONE, &refresh,
         "Fetch again even records that are still fresh", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse("harvest [INTERVENTION...]", "fetch the collection system's records of these"
                   " interventions (default: every intervention in use that is due)",
                   entries, &argc, &argv))
        return 2;
    json_t *list = json_array();
    for (int i = 1; i < argc; i++)
        json_array_append_new(list, json_string(argv[i]));
    return submit(ctx, json_pack("{s:i, s:s, s:b, s:o}", "v", 1, "action", "harvest", "refresh",
                                 refresh, "interventions", list));
}
