/* vt_settle.h: deciding when a file in a hotfolder is completely written.
 *
 * A close event is not enough: SMB and AFP clients close and reopen a file
 * several times while copying it, and scanners write in bursts. So a file is
 * settled when two lstat() observations at least settle_us apart show the
 * same size, mtime, ctime (nanoseconds), inode and device. A file system
 * with coarse timestamps (FAT, some SMB servers: 1 or 2 s) can hide an
 * in-place rewrite of the same size within its granularity; use a settle
 * time well above it.
 *
 * Who calls it: the pipeline, on the loop thread. It touches a path for each
 * watch event or scan hit, arms a timer for vt_settle_next_deadline(), and
 * on expiry calls vt_settle_collect() and queues what it returns. Not
 * thread-safe: one thread owns a vt_settle.
 *
 * Times are the caller's monotonic clock in microseconds
 * (g_get_monotonic_time()), passed in so that tests can drive it. Paths are
 * absolute and copied. The table is not capped: the caller bounds what it
 * touches (the hotfolders' contents). Every operation is O(log n) in the
 * number of paths followed, collect O(k log n) for k due paths.
 */
#ifndef VT_SETTLE_H
#define VT_SETTLE_H

#include <glib.h>
#include <stdint.h>

typedef struct vt_settle vt_settle;

vt_settle *vt_settle_new(void);
void vt_settle_free(vt_settle *settle);   /* NULL is a no-op */

/* Observes @path (absolute) at @now_us. A path not yet followed is added with
 * a deadline of now_us + @settle_us (negative counts as 0), unless lstat()
 * fails (it is gone already: nothing to wait for). A followed path that
 * changed since its last observation gets the new observation and a new
 * deadline of now_us + @settle_us; an unchanged one keeps its deadline (the
 * earlier observation still counts); one that vanished is dropped. */
void vt_settle_touch(vt_settle *settle, const char *path, int64_t settle_us, int64_t now_us);

/* The same for a @path below the folder @root (a hotfolder; borrowed, it
 * must outlive the entry): every observation of it is made beneath @root's
 * descriptor (vt_beneath.h), so a folder on its way swapped for a symbolic
 * link makes it vanish instead of observing the link's target. */
void vt_settle_touch_below(vt_settle *settle, const char *root, const char *path,
                           int64_t settle_us, int64_t now_us);

/* Looks again (lstat) at every path whose deadline is <= @now_us: vanished
 * ones are dropped; changed ones get a new observation and deadline (they are
 * looked at again by a later collect, even if their new deadline is already
 * due, so a collect call always ends); unchanged ones are settled: removed
 * from the table and returned, earliest deadline first. Returns a new array
 * of char* (absolute paths, freed with the array); never NULL. */
GPtrArray *vt_settle_collect(vt_settle *settle, int64_t now_us);

/* The earliest deadline of all followed paths, or -1 when there are none. */
int64_t vt_settle_next_deadline(const vt_settle *settle);

/* The number of paths followed. */
unsigned vt_settle_count(const vt_settle *settle);

/* Stops following @path (it was taken by other means, or removed). */
void vt_settle_forget(vt_settle *settle, const char *path);

#endif
