/* cli_site.c: `vitrine rebuild`: the whole static site from the store.
 *
 * It runs beside the daemon: it only reads the store, and the site lock
 * (sitegen/vt_site.h) keeps the daemon's incremental publishing waiting
 * until the new trees are in place; what changed meanwhile is published by
 * the daemon right after. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "vt_site.h"
#include "vt_store.h"

typedef struct {
    bool tty;
    gint64 start;
} progress_ctx;

static void show_progress(unsigned done, unsigned total, void *data)
{
    progress_ctx *pc = data;
    if (!pc->tty)
        return;
    double secs = (double)(g_get_monotonic_time() - pc->start) / G_USEC_PER_SEC;
    int width = 30;
    int filled = total ? (int)((double)done / total * width) : width;
    if (filled > width)
        filled = width;
    fprintf(stderr, "\r[%.*s%*s] %u/%u assets, %.1f s ", filled,
            "##############################", width - filled, "", done, total, secs);
    fflush(stderr);
}

int cli_rebuild(cli_context *ctx, int argc, char **argv)
{
    gint threads = 0;
    GOptionEntry entries[] = {
        {"threads", 'j', 0, G_OPTION_ARG_INT, &threads, "Worker threads (default: one per core)",
         "N"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse("rebuild", "write the whole static site (public and internal trees) from the"
                   " store", entries, &argc, &argv))
        return 2;
    if (argc > 1 || threads < 0 || threads > 64) {
        fprintf(stderr, "vitrine rebuild: takes no arguments; --threads is 1 to 64\n");
        return 2;
    }
    vt_store *store = NULL;
    if (vt_store_open(ctx->config->state_dir, VT_STORE_READONLY, &store) != VT_OK) {
        fprintf(stderr, "vitrine rebuild: %s\n", vt_error_message());
        return 1;
    }
    vt_site *site = NULL;
    if (vt_site_open(ctx->config, &site) != VT_OK) {
        fprintf(stderr, "vitrine rebuild: %s\n", vt_error_message());
        vt_store_close(store);
        return 1;
    }
    g_autofree char *missing = vt_site_missing_vendor();
    if (missing)
        fprintf(stderr, "vitrine rebuild: WARNING: %s\n", missing);
    progress_ctx pc = {isatty(STDERR_FILENO), g_get_monotonic_time()};
    unsigned assets = 0;
    vt_status s = vt_site_rebuild(site, store, (unsigned)threads, show_progress, &pc, &assets);
    if (pc.tty)
        fputc('\n', stderr);
    double secs = (double)(g_get_monotonic_time() - pc.start) / G_USEC_PER_SEC;
    if (s == VT_OK)
        printf("site rebuilt: %u assets in %.2f s into %s/{public,internal}\n", assets, secs,
               ctx->config->site_dir);
    else
        fprintf(stderr, "vitrine rebuild: %s\n", vt_error_message());
    vt_site_free(site);
    vt_store_close(store);
    return s == VT_OK ? 0 : 1;
}
