/* vt_settle.c: see vt_settle.h.
 *
 * Invariant: every entry is in both the hash table (by path, which owns it)
 * and the queue (a GSequence ordered by deadline, then by a serial number so
 * that equal deadlines keep their arrival order), except inside collect,
 * where due entries are taken out of the queue before they are looked at.
 * An entry in the table but not in the queue would never be collected.
 */
#include "vt_settle.h"

#include <stdbool.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "vt_beneath.h"

typedef struct {
    dev_t dev;
    ino_t ino;
    off_t size;
    int64_t mtime_ns;
    int64_t ctime_ns;
} observation;

typedef struct {
    char *path;           /* also the table's key */
    const char *root;     /* borrowed: the folder @path lies below, or NULL */
    observation seen;     /* the latest observation that differed from the one before */
    int64_t deadline;     /* seen's time + settle_us */
    int64_t settle_us;
    uint64_t serial;
    GSequenceIter *iter;  /* position in the queue */
} entry;

struct vt_settle {
    GHashTable *paths;    /* char* path -> entry* (owned) */
    GSequence *queue;     /* entry*, by (deadline, serial); owns nothing */
    uint64_t next_serial;
};

static void entry_free(gpointer data)
{
    entry *e = data;

    g_free(e->path);
    g_free(e);
}

static gint by_deadline(gconstpointer a, gconstpointer b, gpointer unused)
{
    const entry *x = a, *y = b;

    if (x->deadline != y->deadline)
        return x->deadline < y->deadline ? -1 : 1;
    return x->serial < y->serial ? -1 : (x->serial > y->serial ? 1 : 0);
}

static bool observe(const char *root, const char *path, observation *ret_obs)
{
    struct stat st;

    if (root) {
        /* Below a hotfolder: never through a folder swapped for a link. */
        vt_place place = VT_PLACE_INIT;
        bool found = vt_place_open_path(root, path, 0, &place) == VT_OK &&
                     fstatat(place.dirfd, place.name, &st, AT_SYMLINK_NOFOLLOW) == 0;
        vt_place_close(&place);
        vt_error_clear();
        if (!found)
            return false;
    } else if (lstat(path, &st) != 0) {
        return false;
    }
    *ret_obs = (observation){
        .dev = st.st_dev,
        .ino = st.st_ino,
        .size = st.st_size,
        .mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
        .ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec,
    };
    return true;
}

static bool same(const observation *a, const observation *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size
        && a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

static void schedule(vt_settle *settle, entry *e, int64_t now_us)
{
    e->deadline = now_us + e->settle_us;
    e->serial = settle->next_serial++;
    e->iter = g_sequence_insert_sorted(settle->queue, e, by_deadline, NULL);
}

static void drop(vt_settle *settle, entry *e)
{
    if (e->iter)
        g_sequence_remove(e->iter);
    g_hash_table_remove(settle->paths, e->path);  /* frees e */
}

vt_settle *vt_settle_new(void)
{
    vt_settle *settle = g_new0(vt_settle, 1);

    settle->paths = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
    settle->queue = g_sequence_new(NULL);
    return settle;
}

void vt_settle_free(vt_settle *settle)
{
    if (!settle)
        return;
    g_sequence_free(settle->queue);
    g_hash_table_destroy(settle->paths);
    g_free(settle);
}

void vt_settle_touch(vt_settle *settle, const char *path, int64_t settle_us, int64_t now_us)
{
    vt_settle_touch_below(settle, NULL, path, settle_us, now_us);
}

void vt_settle_touch_below(vt_settle *settle, const char *root, const char *path,
                           int64_t settle_us, int64_t now_us)
{
    g_return_if_fail(settle && path && g_path_is_absolute(path));

    observation now;
    bool exists = observe(root, path, &now);
    entry *e = g_hash_table_lookup(settle->paths, path);

    if (!e) {
        if (!exists)
            return;
        e = g_new0(entry, 1);
        e->path = g_strdup(path);
        e->root = root;
        e->seen = now;
        e->settle_us = MAX(settle_us, 0);
        g_hash_table_insert(settle->paths, e->path, e);
        schedule(settle, e, now_us);
        return;
    }
    if (!exists) {
        drop(settle, e);
        return;
    }
    if (same(&e->seen, &now))
        return;
    e->seen = now;
    e->settle_us = MAX(settle_us, 0);
    g_sequence_remove(e->iter);
    schedule(settle, e, now_us);
}

GPtrArray *vt_settle_collect(vt_settle *settle, int64_t now_us)
{
    GPtrArray *settled = g_ptr_array_new_with_free_func(g_free);
    g_return_val_if_fail(settle, settled);

    /* Take the due entries out first, so that one rescheduled for a deadline
     * that is already due (settle_us 0) waits for the next call. */
    GPtrArray *due = g_ptr_array_new();
    while (!g_sequence_is_empty(settle->queue)) {
        GSequenceIter *first = g_sequence_get_begin_iter(settle->queue);
        entry *e = g_sequence_get(first);
        if (e->deadline > now_us)
            break;
        g_sequence_remove(first);
        e->iter = NULL;
        g_ptr_array_add(due, e);
    }

    for (guint i = 0; i < due->len; i++) {
        entry *e = g_ptr_array_index(due, i);
        observation now;
        if (!observe(e->root, e->path, &now)) {
            drop(settle, e);
        } else if (!same(&e->seen, &now)) {
            e->seen = now;
            schedule(settle, e, now_us);
        } else {
            g_hash_table_steal(settle->paths, e->path);
            g_ptr_array_add(settled, e->path);
            g_free(e);
        }
    }
    g_ptr_array_free(due, TRUE);
    return settled;
}

int64_t vt_settle_next_deadline(const vt_settle *settle)
{
    g_return_val_if_fail(settle, -1);
    if (g_sequence_is_empty(settle->queue))
        return -1;
    const entry *e = g_sequence_get(g_sequence_get_begin_iter(settle->queue));
    return e->deadline;
}

unsigned vt_settle_count(const vt_settle *settle)
{
    g_return_val_if_fail(settle, 0);
    return g_hash_table_size(settle->paths);
}

void vt_settle_forget(vt_settle *settle, const char *path)
{
    g_return_if_fail(settle);
    if (!path)
        return;
    entry *e = g_hash_table_lookup(settle->paths, path);
    if (e)
        drop(settle, e);
}
