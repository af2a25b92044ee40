/* vt_store.h: vitrine's state, a small wrapper around one LMDB environment.
 *
 * Who calls it: vitrined (the loop thread writes, in batches), `vitrine
 * ingest` (writes), and the read-only commands and CGIs (read). Models:
 * Knot's knot_lmdb.[ch] (sticky status) and Postfix's slmdb.c (map growth).
 *
 * Layout: the environment lives in one folder (data.mdb, lock.mdb) and has
 * four named tables, all opened once, in one committed transaction, by
 * vt_store_open(). META holds "schema" (the layout version, "1") and the
 * counters of vt_txn_next_seq().
 *
 * Transactions are callbacks: vt_store_write() / vt_store_read() begin a
 * transaction, call fn(txn, data), then commit or abort. Inside fn the
 * vt_txn_* calls carry a *sticky status*: the first failure is recorded in
 * the txn (with its message, see vt_error.h), and every later put, get, del
 * and foreach is a no-op (get returns false / NULL). fn may therefore issue
 * a run of calls and look at one status at the end (vt_txn_status()); the
 * wrapper returns that status and commits nothing. A missing key is not a
 * failure.
 *
 * Rules for callers:
 *  - fn may be run MORE THAN ONCE: when the map is full, vt_store_write()
 *    aborts, doubles the map and runs fn again from the start. So fn must
 *    have no side effects outside the transaction (no file moves, no
 *    counters in @data that are not reset at the top of fn...).
 *  - fn must not call vt_store_read()/vt_store_write() on the same store
 *    (no nested transactions), and the vt_txn must not escape fn.
 *  - Pointers returned by vt_txn_get() and passed to a foreach callback
 *    point into the map: valid until the next put/del in the same txn or
 *    the end of fn, whichever comes first. Copy what must live longer.
 *  - Threads: several threads may call vt_store_read() at once; writes
 *    should come from one thread (vitrined's loop), though LMDB serialises
 *    writers anyway. A store must not be used in a forked child.
 *  - Only one process may open a store with VT_STORE_WRITER (a flock on
 *    DIR/writer.lock). Opening without it gives read-write access without
 *    that guard: meant for tests and tools that know no writer runs.
 *
 * Keys are NUL-terminated strings, stored without the NUL, 1 to
 * VT_STORE_KEY_MAX bytes. Values are bytes; JSON values are stored compact.
 */
#ifndef VT_STORE_H
#define VT_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vt_error.h"

/* The layout version this build writes and understands. */
#define VT_STORE_SCHEMA 1

/* The map starts at this size and doubles on demand up to the limit. */
#define VT_STORE_MAP_INITIAL ((size_t)64 << 20)
#define VT_STORE_MAP_LIMIT   ((size_t)1 << 40)

/* LMDB's default key limit (mdb_env_get_maxkeysize()). */
#define VT_STORE_KEY_MAX 511

/* Largest JSON value vt_txn_put_json() writes and vt_txn_get_json() parses. */
#define VT_STORE_JSON_MAX ((size_t)16 << 20)

typedef struct vt_store vt_store;
typedef struct vt_txn vt_txn;

typedef enum {
    VT_TABLE_META,        /* "meta": schema version, counters */
    VT_TABLE_ASSETS,      /* "assets": asset id -> asset JSON */
    VT_TABLE_SHA256,      /* "sha256": hex digest -> asset id (only for assets not quarantined) */
    VT_TABLE_QUARANTINE,  /* "quarantine": sortable key -> JSON record of a quarantined file */
    VT_TABLE_HARVEST,     /* "harvest": intervention number -> harvested record and its fetch state */
    VT_TABLE_TERMS,       /* "terms": field "\x1f" normalised term -> {count, display} */
    VT_TABLE_INTERVENTIONS, /* "interventions": number "\x1f" asset id -> "" (one intervention's assets) */
    VT_TABLE_LISTING,     /* "listing": department "\x1f" position -> flags + asset id (vt_publog.h) */
    VT_TABLE_POSITION,    /* "position": asset id -> its listing key */
    VT_TABLE_ACTIVITY,    /* "activity": audience "\x1f" seq -> change record (vt_publog.h) */
    VT_TABLE_DIRTY,       /* "dirty": what the site must regenerate (vt_publog.h) */
    VT_TABLE_AUDIT,       /* "audit": asset id "\x1f" seq -> staff change record (vt_audit.h) */
    VT_TABLE_ANNOTATIONS, /* "annotations": asset id "\x1f" annotation id -> annotation (vt_annotation.h) */
    VT_TABLE__COUNT
} vt_table;

enum {
    VT_STORE_READONLY = 1 << 0,  /* MDB_RDONLY; never creates anything */
    VT_STORE_WRITER = 1 << 1     /* hold DIR/writer.lock until close */
};

/* Opens (and unless VT_STORE_READONLY, creates) the store in @dir.
 * Errors:
 *  VT_ERR_NOT_FOUND  read-only and there is no store in @dir
 *  VT_ERR_BUSY       VT_STORE_WRITER and another process holds the lock
 *  VT_ERR_STORE      LMDB failed, the store is not vitrine's, or its schema
 *                    is newer than this build understands
 *  VT_ERR_IO         @dir or the lock file could not be created/opened
 * On success *ret_store is owned by the caller (vt_store_close). */
vt_status vt_store_open(const char *dir, unsigned flags, vt_store **ret_store);

/* Closes the environment and releases the writer lock. NULL is a no-op.
 * No transaction may be running. */
void vt_store_close(vt_store *store);

/* The folder given to vt_store_open() (borrowed). */
const char *vt_store_dir(const vt_store *store);

typedef vt_status (*vt_store_fn)(vt_txn *txn, void *data);

/* Runs @fn in a write transaction; commits if fn returned VT_OK and the
 * txn's status is VT_OK. Returns the txn's sticky status if it failed,
 * else fn's status, else the commit's. See the rules above: fn may run
 * again after a map growth. VT_ERR_LIMIT when the map would pass
 * VT_STORE_MAP_LIMIT; VT_ERR_TRANSIENT when the disk is full. */
vt_status vt_store_write(vt_store *store, vt_store_fn fn, void *data);

/* Runs @fn in a read-only transaction (a consistent snapshot). Writes
 * inside it fail the txn. Returns as vt_store_write(). */
vt_status vt_store_read(vt_store *store, vt_store_fn fn, void *data);

/* Stores @len bytes at @key, replacing any value. */
void vt_txn_put(vt_txn *txn, vt_table table, const char *key, const void *val, size_t len);

/* Stores @val (not stolen) as compact JSON. Fails the txn with VT_ERR_LIMIT
 * past VT_STORE_JSON_MAX, VT_ERR_INVALID if jansson cannot encode it. */
void vt_txn_put_json(vt_txn *txn, vt_table table, const char *key, const json_t *val);

/* Looks @key up. True and the (borrowed, see above) value if present; false
 * if absent (not a failure) or if the txn has failed. @ret_val and @ret_len
 * may be NULL to test for presence only. */
bool vt_txn_get(vt_txn *txn, vt_table table, const char *key, const void **ret_val,
                size_t *ret_len);

/* The JSON value at @key, a new reference, or NULL if absent. A value that
 * does not parse (or is over VT_STORE_JSON_MAX) fails the txn with
 * VT_ERR_STORE and returns NULL. */
json_t *vt_txn_get_json(vt_txn *txn, vt_table table, const char *key);

/* Deletes @key; an absent key is not an error. */
void vt_txn_del(vt_txn *txn, vt_table table, const char *key);

/* Called for each entry: @key is a NUL-terminated copy (valid during the
 * call), @val borrowed as for vt_txn_get(). Return false to stop. */
typedef bool (*vt_txn_iter_fn)(const char *key, size_t key_len, const void *val, size_t val_len,
                               void *data);

/* Calls @fn for the keys of @table that start with @prefix (NULL or "" =
 * all), in byte order. Inside a write txn fn may put or delete the key it
 * is given (LMDB keeps the cursor right); the walk stops if the txn fails. */
void vt_txn_foreach(vt_txn *txn, vt_table table, const char *prefix, vt_txn_iter_fn fn, void *data);

/* The same, starting at the first key >= @from (which must start with
 * @prefix; otherwise, or NULL, at the prefix): a page of a sorted range
 * without walking what comes before it. */
void vt_txn_foreach_from(vt_txn *txn, vt_table table, const char *prefix, const char *from,
                         vt_txn_iter_fn fn, void *data);

/* Increments and returns the persistent counter @name (in META, key
 * "seq.NAME"); the first value is 1. Write txns only. 0 if the txn has
 * failed or fails here. */
uint64_t vt_txn_next_seq(vt_txn *txn, const char *name);

/* The current value of counter @name (0: never incremented), in any txn.
 * A corrupt value fails the txn with VT_ERR_STORE and gives 0. */
uint64_t vt_txn_get_seq(vt_txn *txn, const char *name);

/* VT_OK, or the first failure of this txn. */
vt_status vt_txn_status(const vt_txn *txn);

/* Marks the txn failed with @status (not VT_OK) unless it already failed;
 * the caller sets the message first, e.g.
 *     return vt_txn_fail(txn, vt_error_set(VT_ERR_EXISTS, "..."));
 * Returns @status. */
vt_status vt_txn_fail(vt_txn *txn, vt_status status);

#endif
