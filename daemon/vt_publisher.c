/* vt_publisher.c: see vt_publisher.h. */
#include "vt_publisher.h"

#include <systemd/sd-daemon.h>

#include "vt_imagemove.h"
#include "vt_publog.h"
#include "vt_site.h"

struct vt_publisher {
    const vt_config *config;
    vt_site *site;
};

vt_status vt_publisher_open(const vt_config *config, vt_publisher **ret_publisher)
{
    vt_site *site = NULL;
    vt_status s = vt_site_open(config, &site);
    if (s != VT_OK)
        return s;
    vt_publisher *p = g_new0(vt_publisher, 1);
    p->config = config;
    p->site = site;
    *ret_publisher = p;
    return VT_OK;
}

void vt_publisher_close(vt_publisher *p)
{
    if (!p)
        return;
    vt_site_free(p->site);
    g_free(p);
}

typedef struct {
    GPtrArray *assets, *interventions;
} marks;

static vt_status read_marks(vt_txn *txn, void *data)
{
    marks *m = data;
    vt_publog_dirty(txn, m->assets, m->interventions);
    return vt_txn_status(txn);
}

static vt_status clear_marks(vt_txn *txn, void *data)
{
    marks *m = data;
    vt_publog_clear_dirty(txn, m->assets, m->interventions);
    return vt_txn_status(txn);
}

bool vt_publisher_pending(vt_store *store)
{
    if (vt_imagemove_pending(store))
        return true;
    g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) i = g_ptr_array_new_with_free_func(g_free);
    marks m = {a, i};
    return vt_store_read(store, read_marks, &m) == VT_OK && (a->len > 0 || i->len > 0);
}

/* A first site of a large collection takes minutes on the loop thread:
 * keep systemd's watchdog fed and say what is going on (no-ops outside
 * systemd). */
static void rebuild_progress(unsigned done, unsigned total, void *data)
{
    gint64 *last = data;
    gint64 now = g_get_monotonic_time();
    if (now - *last < G_USEC_PER_SEC)
        return;
    *last = now;
    sd_notifyf(0, "WATCHDOG=1\nSTATUS=writing the site: %u of %u assets", done, total);
}

vt_status vt_publisher_flush(vt_publisher *p, vt_store *store, unsigned *ret_files)
{
    g_autoptr(GPtrArray) assets = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) interventions = g_ptr_array_new_with_free_func(g_free);
    marks m = {assets, interventions};
    /* Images first, so that the pages name them where they are now. A
     * move that failed keeps its mark, says why, and is tried again at
     * the next flush; the site is published meanwhile. */
    vt_status moved = vt_imagemove_run(p->config, store, NULL);
    g_autofree char *move_error = moved != VT_OK ? g_strdup(vt_error_message()) : NULL;
    vt_status s = vt_store_read(store, read_marks, &m);
    if (s != VT_OK)
        return s;
    unsigned files = 0;
    if (!vt_site_exists(p->site)) {
        /* Everything, from the snapshot the rebuild reads; marks made
         * after it stay for the next flush. */
        unsigned n = 0;
        gint64 last = 0;
        s = vt_site_rebuild(p->site, store, 0, rebuild_progress, &last, &n);
        files = n + 1;
    } else if (assets->len > 0 || interventions->len > 0) {
        s = vt_site_publish(p->site, store, assets, interventions, &files);
    }
    if (s == VT_OK && (assets->len > 0 || interventions->len > 0))
        s = vt_store_write(store, clear_marks, &m);
    if (s == VT_OK && ret_files)
        *ret_files = files;
    if (s == VT_OK && moved != VT_OK)
        return vt_error_set(moved, "%s", move_error);
    return s;
}

vt_status vt_publisher_terms(vt_publisher *p, vt_store *store)
{
    return vt_site_publish_terms(p->site, store);
}
