/* vt_store.c: see vt_store.h.
 *
 * Design. Every transaction runs between g_rw_lock_reader_lock() and
 * _unlock() of store->map_lock; changing the map size (growth after
 * MDB_MAP_FULL, adoption after MDB_MAP_RESIZED) takes the writer side.
 * That is the invariant LMDB asks for: mdb_env_set_mapsize() remaps the
 * file, so no transaction of this process may be open while it runs, or a
 * reader in another thread would read through a dead mapping. It is also
 * why fn must not open a nested transaction on the same store: a reader
 * lock taken twice by one thread can deadlock against a waiting resize.
 */
#include "vt_store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_jsonparse.h"

/* Tables are LMDB named databases; four of eight slots are used so a later
 * schema can add some without a new layout of the environment. */
#define MAX_DBS 16

/* Doubling from 64 MiB reaches the 1 TiB limit in 14 steps; a few more
 * attempts cover MDB_MAP_RESIZED from a concurrent reader's point of view. */
#define MAX_ATTEMPTS 24

/* How much of a key goes into an error message. */
#define KEY_SHOWN 120

static const char *const table_names[VT_TABLE__COUNT] = {
    [VT_TABLE_META] = "meta",
    [VT_TABLE_ASSETS] = "assets",
    [VT_TABLE_SHA256] = "sha256",
    [VT_TABLE_QUARANTINE] = "quarantine",
    [VT_TABLE_HARVEST] = "harvest",
    [VT_TABLE_TERMS] = "terms",
    [VT_TABLE_INTERVENTIONS] = "interventions",
    [VT_TABLE_LISTING] = "listing",
    [VT_TABLE_POSITION] = "position",
    [VT_TABLE_ACTIVITY] = "activity",
    [VT_TABLE_DIRTY] = "dirty",
    [VT_TABLE_AUDIT] = "audit",
    [VT_TABLE_ANNOTATIONS] = "annotations",
};

struct vt_store {
    char *dir;
    unsigned flags;
    MDB_env *env;
    MDB_dbi dbi[VT_TABLE__COUNT];
    GRWLock map_lock;  /* see the design comment at the top */
    int lock_fd;       /* DIR/writer.lock, held with flock; -1 if not a writer */
};

struct vt_txn {
    vt_store *store;
    MDB_txn *txn;
    vt_status status;  /* sticky: the first failure */
    bool readonly;
    bool map_full;     /* the failure was MDB_MAP_FULL: grow and run fn again */
};

static vt_status status_of_mdb(int rc)
{
    switch (rc) {
    case ENOMEM:
        return VT_ERR_NOMEM;
    case ENOSPC:
    case EDQUOT:
        /* The disk, not the map, is full: the caller may retry later. */
        return VT_ERR_TRANSIENT;
    default:
        return VT_ERR_STORE;
    }
}

/* Records the first failure of @txn; the message is already set. */
static void txn_set_failed(vt_txn *txn, vt_status status)
{
    if (txn->status == VT_OK)
        txn->status = status;
}

static void txn_fail_mdb(vt_txn *txn, int rc, const char *what, vt_table table, const char *key)
{
    if (rc == MDB_MAP_FULL)
        txn->map_full = true;
    txn_set_failed(txn, vt_error_set(status_of_mdb(rc), "%s: cannot %s %s[\"%.*s\"]: %s",
                                     txn->store->dir, what, table_names[table], KEY_SHOWN,
                                     key ? key : "", mdb_strerror(rc)));
}

/* Common checks of every txn operation: false (and nothing to do) if the
 * txn has failed or the arguments are wrong, which fails it. */
static bool txn_check(vt_txn *txn, vt_table table, const char *key, bool write, MDB_val *ret_key)
{
    if (txn->status != VT_OK)
        return false;
    if ((unsigned)table >= VT_TABLE__COUNT) {
        txn_set_failed(txn, vt_error_set(VT_ERR_INTERNAL, "%s: no table number %d",
                                         txn->store->dir, (int)table));
        return false;
    }
    if (write && txn->readonly) {
        txn_set_failed(txn, vt_error_set(VT_ERR_INTERNAL,
                                         "%s: write to %s[\"%.*s\"] in a read-only transaction",
                                         txn->store->dir, table_names[table], KEY_SHOWN,
                                         key ? key : ""));
        return false;
    }
    if (ret_key == NULL)
        return true;

    size_t len = key ? strlen(key) : 0;
    if (len == 0 || len > VT_STORE_KEY_MAX) {
        txn_set_failed(txn, vt_error_set(VT_ERR_INVALID,
                                         "%s: key \"%.*s\" in %s has %zu bytes (1 to %d allowed)",
                                         txn->store->dir, KEY_SHOWN, key ? key : "",
                                         table_names[table], len, VT_STORE_KEY_MAX));
        return false;
    }
    ret_key->mv_size = len;
    ret_key->mv_data = (void *)key;
    return true;
}

/* After MDB_MAP_RESIZED: another process grew the map; take its size. */
static vt_status adopt_map_size(vt_store *store)
{
    g_rw_lock_writer_lock(&store->map_lock);
    int rc = mdb_env_set_mapsize(store->env, 0);
    g_rw_lock_writer_unlock(&store->map_lock);
    if (rc != 0)
        return vt_error_set(status_of_mdb(rc), "%s: cannot adopt the new map size: %s",
                            store->dir, mdb_strerror(rc));
    return VT_OK;
}

/* After MDB_MAP_FULL: double the map, up to VT_STORE_MAP_LIMIT. */
static vt_status grow_map(vt_store *store)
{
    vt_status status = VT_OK;

    g_rw_lock_writer_lock(&store->map_lock);
    MDB_envinfo info;
    int rc = mdb_env_info(store->env, &info);
    if (rc == 0 && info.me_mapsize >= VT_STORE_MAP_LIMIT) {
        status = vt_error_set(VT_ERR_LIMIT, "%s: the state store is full at its limit of %zu MiB",
                              store->dir, VT_STORE_MAP_LIMIT >> 20);
    } else if (rc == 0) {
        size_t size = info.me_mapsize > VT_STORE_MAP_LIMIT / 2 ? VT_STORE_MAP_LIMIT
                                                                : info.me_mapsize * 2;
        rc = mdb_env_set_mapsize(store->env, size);
    }
    if (rc != 0)
        status = vt_error_set(status_of_mdb(rc), "%s: cannot grow the map: %s", store->dir,
                              mdb_strerror(rc));
    g_rw_lock_writer_unlock(&store->map_lock);
    return status;
}

static vt_status run(vt_store *store, bool write, vt_store_fn fn, void *data)
{
    const char *what = write ? "write" : "read";

    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        MDB_txn *mtxn = NULL;

        g_rw_lock_reader_lock(&store->map_lock);
        int rc = mdb_txn_begin(store->env, NULL, write ? 0 : MDB_RDONLY, &mtxn);
        if (rc == MDB_MAP_RESIZED) {
            g_rw_lock_reader_unlock(&store->map_lock);
            vt_status status = adopt_map_size(store);
            if (status != VT_OK)
                return status;
            continue;
        }
        if (rc != 0) {
            g_rw_lock_reader_unlock(&store->map_lock);
            return vt_error_set(status_of_mdb(rc), "%s: cannot begin a %s transaction: %s",
                                store->dir, what, mdb_strerror(rc));
        }

        vt_txn txn = { .store = store, .txn = mtxn, .status = VT_OK, .readonly = !write };
        vt_status fn_status = fn(&txn, data);

        if (txn.map_full) {
            mdb_txn_abort(mtxn);
            g_rw_lock_reader_unlock(&store->map_lock);
            vt_status status = grow_map(store);
            if (status != VT_OK)
                return status;
            continue;
        }
        vt_status status = txn.status != VT_OK ? txn.status : fn_status;
        if (status != VT_OK || !write) {
            /* Aborting is also how a read-only transaction ends. */
            mdb_txn_abort(mtxn);
            g_rw_lock_reader_unlock(&store->map_lock);
            return status;
        }
        rc = mdb_txn_commit(mtxn); /* frees mtxn, also on failure */
        g_rw_lock_reader_unlock(&store->map_lock);
        if (rc == MDB_MAP_FULL) {
            status = grow_map(store);
            if (status != VT_OK)
                return status;
            continue;
        }
        if (rc != 0)
            return vt_error_set(status_of_mdb(rc), "%s: cannot commit: %s", store->dir,
                                mdb_strerror(rc));
        return VT_OK;
    }
    return vt_error_set(VT_ERR_STORE, "%s: gave up a %s transaction after %d attempts to resize",
                        store->dir, what, MAX_ATTEMPTS);
}

vt_status vt_store_write(vt_store *store, vt_store_fn fn, void *data)
{
    g_return_val_if_fail(store != NULL && fn != NULL, VT_ERR_INTERNAL);
    if (store->flags & VT_STORE_READONLY)
        return vt_error_set(VT_ERR_INTERNAL, "%s: write to a store opened read-only", store->dir);
    return run(store, true, fn, data);
}

vt_status vt_store_read(vt_store *store, vt_store_fn fn, void *data)
{
    g_return_val_if_fail(store != NULL && fn != NULL, VT_ERR_INTERNAL);
    return run(store, false, fn, data);
}

/* --- opening --- */

/* flock is tied to the open file description, so a second open of the
 * store in this same process is refused too, as it should be. */
static vt_status take_writer_lock(vt_store *store)
{
    g_autofree char *path = g_build_filename(store->dir, "writer.lock", NULL);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot open %s", path);

    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        if (err != EWOULDBLOCK) {
            close(fd);
            return vt_error_set_errno(VT_ERR_IO, err, "cannot lock %s", path);
        }
        /* The holder may not have written its pid yet: then say less. */
        char buf[32];
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        close(fd);
        guint64 pid = 0;
        if (n > 0) {
            buf[n] = '\0';
            g_strchomp(buf);
            if (!g_ascii_string_to_unsigned(buf, 10, 1, G_MAXINT, &pid, NULL))
                pid = 0;
        }
        if (pid != 0)
            return vt_error_set(VT_ERR_BUSY,
                                "another vitrine process (pid %" G_GUINT64_FORMAT
                                ") is writing to %s",
                                pid, store->dir);
        return vt_error_set(VT_ERR_BUSY, "another vitrine process is writing to %s", store->dir);
    }

    char buf[32];
    int len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
        int err = errno;
        close(fd);
        return vt_error_set_errno(VT_ERR_IO, err, "cannot write %s", path);
    }
    store->lock_fd = fd;
    return VT_OK;
}

static vt_status check_schema(vt_store *store, MDB_txn *mtxn)
{
    MDB_val key = { .mv_size = strlen("schema"), .mv_data = (void *)"schema" };
    MDB_val val;
    int rc = mdb_get(mtxn, store->dbi[VT_TABLE_META], &key, &val);

    if (rc == MDB_NOTFOUND && !(store->flags & VT_STORE_READONLY)) {
        /* A new store: say which layout it has. */
        char text[16];
        int len = snprintf(text, sizeof text, "%d", VT_STORE_SCHEMA);
        val.mv_size = (size_t)len;
        val.mv_data = text;
        rc = mdb_put(mtxn, store->dbi[VT_TABLE_META], &key, &val, 0);
        if (rc != 0)
            return vt_error_set(status_of_mdb(rc), "%s: cannot write meta[\"schema\"]: %s",
                                store->dir, mdb_strerror(rc));
        return VT_OK;
    }
    if (rc == MDB_NOTFOUND)
        return vt_error_set(VT_ERR_STORE, "%s: no schema version in the store: not vitrine state?",
                            store->dir);
    if (rc != 0)
        return vt_error_set(status_of_mdb(rc), "%s: cannot read meta[\"schema\"]: %s", store->dir,
                            mdb_strerror(rc));

    char text[24];
    guint64 version = 0;
    if (val.mv_size > 0 && val.mv_size < sizeof text) {
        memcpy(text, val.mv_data, val.mv_size);
        text[val.mv_size] = '\0';
        if (!g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT64, &version, NULL))
            version = 0;
    }
    if (version == 0)
        return vt_error_set(VT_ERR_STORE, "%s: the schema version in the store is not a number",
                            store->dir);
    if (version > VT_STORE_SCHEMA)
        return vt_error_set(VT_ERR_STORE,
                            "%s: the state was written by a newer vitrine (schema version %"
                            G_GUINT64_FORMAT ", this one knows %d): upgrade vitrine",
                            store->dir, version, VT_STORE_SCHEMA);
    if (version < VT_STORE_SCHEMA)
        return vt_error_set(VT_ERR_STORE,
                            "%s: schema version %" G_GUINT64_FORMAT
                            " is older than %d and cannot be migrated",
                            store->dir, version, VT_STORE_SCHEMA);
    return VT_OK;
}

/* Opens every table and checks the schema in one committed transaction:
 * after the commit the handles live in the environment for good. */
static vt_status open_tables(vt_store *store)
{
    bool readonly = store->flags & VT_STORE_READONLY;
    MDB_txn *mtxn = NULL;
    int rc = mdb_txn_begin(store->env, NULL, readonly ? MDB_RDONLY : 0, &mtxn);
    if (rc != 0)
        return vt_error_set(status_of_mdb(rc), "%s: cannot begin a transaction: %s", store->dir,
                            mdb_strerror(rc));

    for (int t = 0; t < VT_TABLE__COUNT; t++) {
        rc = mdb_dbi_open(mtxn, table_names[t], readonly ? 0 : MDB_CREATE, &store->dbi[t]);
        if (rc == MDB_NOTFOUND) {
            mdb_txn_abort(mtxn);
            return vt_error_set(VT_ERR_STORE,
                                "%s: table \"%s\" is missing: not vitrine state, or damaged",
                                store->dir, table_names[t]);
        }
        if (rc != 0) {
            mdb_txn_abort(mtxn);
            return vt_error_set(status_of_mdb(rc), "%s: cannot open table \"%s\": %s",
                                store->dir, table_names[t], mdb_strerror(rc));
        }
    }
    vt_status status = check_schema(store, mtxn);
    if (status != VT_OK) {
        mdb_txn_abort(mtxn);
        return status;
    }
    rc = mdb_txn_commit(mtxn);
    if (rc != 0)
        return vt_error_set(status_of_mdb(rc), "%s: cannot commit: %s", store->dir,
                            mdb_strerror(rc));
    return VT_OK;
}

static vt_status open_env(vt_store *store)
{
    bool readonly = store->flags & VT_STORE_READONLY;
    int rc = mdb_env_create(&store->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(store->env, MAX_DBS);
    /* MDB_NOTLS: a read transaction is not tied to its thread's slot, so
     * GLib worker threads can read without leaking reader slots. */
    if (rc == 0)
        rc = mdb_env_open(store->env, store->dir, MDB_NOTLS | (readonly ? MDB_RDONLY : 0), 0640);
    if (rc == ENOENT && readonly)
        return vt_error_set(VT_ERR_NOT_FOUND,
                            "no vitrine state in %s: has vitrined or `vitrine ingest` run?",
                            store->dir);
    if (rc != 0)
        return vt_error_set(status_of_mdb(rc), "%s: cannot open the state store: %s", store->dir,
                            mdb_strerror(rc));

    /* No size was set before mdb_env_open(), so LMDB took the size the
     * store last had (it may have grown); only raise it to our floor. */
    if (!readonly) {
        MDB_envinfo info;
        rc = mdb_env_info(store->env, &info);
        if (rc == 0 && info.me_mapsize < VT_STORE_MAP_INITIAL)
            rc = mdb_env_set_mapsize(store->env, VT_STORE_MAP_INITIAL);
        if (rc != 0)
            return vt_error_set(status_of_mdb(rc), "%s: cannot set the map size: %s", store->dir,
                                mdb_strerror(rc));
    }
    return VT_OK;
}

vt_status vt_store_open(const char *dir, unsigned flags, vt_store **ret_store)
{
    g_return_val_if_fail(dir != NULL && ret_store != NULL, VT_ERR_INTERNAL);

    if ((flags & VT_STORE_READONLY) && (flags & VT_STORE_WRITER))
        return vt_error_set(VT_ERR_INTERNAL, "%s: a store cannot be opened read-only as writer",
                            dir);

    if (flags & VT_STORE_READONLY) {
        g_autofree char *data = g_build_filename(dir, "data.mdb", NULL);
        struct stat st;
        if (stat(data, &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
            return vt_error_set(VT_ERR_NOT_FOUND,
                                "no vitrine state in %s: has vitrined or `vitrine ingest` run?",
                                dir);
    } else if (g_mkdir_with_parents(dir, 0750) != 0) {
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot create %s", dir);
    }

    vt_store *store = g_new0(vt_store, 1);
    store->dir = g_strdup(dir);
    store->flags = flags;
    store->lock_fd = -1;
    g_rw_lock_init(&store->map_lock);

    vt_status status = VT_OK;
    if (flags & VT_STORE_WRITER)
        status = take_writer_lock(store);
    if (status == VT_OK)
        status = open_env(store);
    if (status == VT_OK)
        status = open_tables(store);
    if (status != VT_OK) {
        vt_store_close(store);
        return status;
    }
    *ret_store = store;
    return VT_OK;
}

void vt_store_close(vt_store *store)
{
    if (store == NULL)
        return;
    if (store->env)
        mdb_env_close(store->env);
    if (store->lock_fd >= 0)
        close(store->lock_fd);
    g_rw_lock_clear(&store->map_lock);
    g_free(store->dir);
    g_free(store);
}

const char *vt_store_dir(const vt_store *store)
{
    return store->dir;
}

/* --- transactions --- */

void vt_txn_put(vt_txn *txn, vt_table table, const char *key, const void *val, size_t len)
{
    MDB_val k;
    if (!txn_check(txn, table, key, true, &k))
        return;
    /* An empty value may come as NULL; LMDB copies from mv_data regardless. */
    MDB_val v = { .mv_size = len, .mv_data = (void *)(val ? val : "") };
    int rc = mdb_put(txn->txn, txn->store->dbi[table], &k, &v, 0);
    if (rc != 0)
        txn_fail_mdb(txn, rc, "write", table, key);
}

void vt_txn_put_json(vt_txn *txn, vt_table table, const char *key, const json_t *val)
{
    MDB_val k;
    if (!txn_check(txn, table, key, true, &k))
        return;
    char *text = val ? json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (text == NULL) {
        txn_set_failed(txn, vt_error_set(VT_ERR_INVALID, "%s: cannot encode %s[\"%.*s\"] as JSON",
                                         txn->store->dir, table_names[table], KEY_SHOWN, key));
        return;
    }
    size_t len = strlen(text);
    if (len > VT_STORE_JSON_MAX)
        txn_set_failed(txn, vt_error_set(VT_ERR_LIMIT,
                                         "%s: %s[\"%.*s\"] is %zu bytes of JSON, over the limit of %zu",
                                         txn->store->dir, table_names[table], KEY_SHOWN, key, len,
                                         VT_STORE_JSON_MAX));
    else
        vt_txn_put(txn, table, key, text, len);
    free(text);
}

bool vt_txn_get(vt_txn *txn, vt_table table, const char *key, const void **ret_val,
                size_t *ret_len)
{
    MDB_val k, v;
    if (!txn_check(txn, table, key, false, &k))
        return false;
    int rc = mdb_get(txn->txn, txn->store->dbi[table], &k, &v);
    if (rc == MDB_NOTFOUND)
        return false;
    if (rc != 0) {
        txn_fail_mdb(txn, rc, "read", table, key);
        return false;
    }
    if (ret_val)
        *ret_val = v.mv_data;
    if (ret_len)
        *ret_len = v.mv_size;
    return true;
}

json_t *vt_txn_get_json(vt_txn *txn, vt_table table, const char *key)
{
    const void *val;
    size_t len;
    if (!vt_txn_get(txn, table, key, &val, &len))
        return NULL;
    if (len > VT_STORE_JSON_MAX) {
        txn_set_failed(txn, vt_error_set(VT_ERR_STORE,
                                         "%s: %s[\"%.*s\"] holds %zu bytes, over the JSON limit of %zu",
                                         txn->store->dir, table_names[table], KEY_SHOWN, key, len,
                                         VT_STORE_JSON_MAX));
        return NULL;
    }
    json_error_t error;
    json_t *json = vt_jsonparse_load(val, len, JSON_DECODE_ANY, &error);
    if (json == NULL)
        txn_set_failed(txn, vt_error_set(VT_ERR_STORE, "%s: corrupt JSON in %s[\"%.*s\"]: %s",
                                         txn->store->dir, table_names[table], KEY_SHOWN, key,
                                         error.text));
    return json;
}

void vt_txn_del(vt_txn *txn, vt_table table, const char *key)
{
    MDB_val k;
    if (!txn_check(txn, table, key, true, &k))
        return;
    int rc = mdb_del(txn->txn, txn->store->dbi[table], &k, NULL);
    if (rc != 0 && rc != MDB_NOTFOUND)
        txn_fail_mdb(txn, rc, "delete", table, key);
}

void vt_txn_foreach(vt_txn *txn, vt_table table, const char *prefix, vt_txn_iter_fn fn, void *data)
{
    vt_txn_foreach_from(txn, table, prefix, NULL, fn, data);
}

void vt_txn_foreach_from(vt_txn *txn, vt_table table, const char *prefix, const char *from,
                         vt_txn_iter_fn fn, void *data)
{
    if (!txn_check(txn, table, prefix, false, NULL))
        return;
    if (prefix == NULL)
        prefix = "";  /* memcmp() must not see NULL, even for 0 bytes */
    size_t prefix_len = strlen(prefix);
    if (prefix_len > VT_STORE_KEY_MAX)
        return; /* no key can start with it */
    /* Start at @from only when it lies within the prefix; else at the prefix. */
    const char *start = prefix;
    size_t start_len = prefix_len;
    if (from && strncmp(from, prefix, prefix_len) == 0 && strlen(from) <= VT_STORE_KEY_MAX) {
        start = from;
        start_len = strlen(from);
    }

    MDB_cursor *cursor;
    int rc = mdb_cursor_open(txn->txn, txn->store->dbi[table], &cursor);
    if (rc != 0) {
        txn_fail_mdb(txn, rc, "read", table, prefix);
        return;
    }

    char key[VT_STORE_KEY_MAX + 1];
    MDB_val k = { .mv_size = start_len, .mv_data = (void *)start };
    MDB_val v;
    rc = mdb_cursor_get(cursor, &k, &v, start_len ? MDB_SET_RANGE : MDB_FIRST);
    while (rc == 0) {
        if (k.mv_size < prefix_len || memcmp(k.mv_data, prefix, prefix_len) != 0)
            break;
        /* LMDB never stores a key longer than its limit, which is ours. */
        size_t key_len = MIN(k.mv_size, (size_t)VT_STORE_KEY_MAX);
        memcpy(key, k.mv_data, key_len);
        key[key_len] = '\0';
        if (!fn(key, key_len, v.mv_data, v.mv_size, data) || txn->status != VT_OK)
            break;
        if (txn->readonly) {
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
            continue;
        }
        /* fn may have written: rather than trust the cursor fix-ups of
         * LMDB, seek again to the key just seen and step past it. */
        k.mv_size = key_len;
        k.mv_data = key;
        rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
        if (rc == 0 && k.mv_size == key_len && memcmp(k.mv_data, key, key_len) == 0)
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
    }
    if (rc != 0 && rc != MDB_NOTFOUND)
        txn_fail_mdb(txn, rc, "iterate", table, prefix);
    mdb_cursor_close(cursor);
}

/* Reads counter @key into *ret_value (0 when absent). False, with the txn
 * failed, when the txn cannot read it or the stored value is corrupt. */
static bool read_seq(vt_txn *txn, const char *name, const char *key, guint64 *ret_value)
{
    if (!txn_check(txn, VT_TABLE_META, name, false, NULL))
        return false;
    if (name == NULL || *name == '\0') {
        txn_set_failed(txn, vt_error_set(VT_ERR_INTERNAL, "%s: a counter needs a name",
                                         txn->store->dir));
        return false;
    }
    guint64 value = 0;
    const void *val;
    size_t len;
    if (vt_txn_get(txn, VT_TABLE_META, key, &val, &len)) {
        char text[24];
        if (len > 0 && len < sizeof text) {
            memcpy(text, val, len);
            text[len] = '\0';
            if (!g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT64, &value, NULL))
                value = 0;
        }
        if (value == 0) {
            txn_set_failed(txn, vt_error_set(VT_ERR_STORE, "%s: corrupt counter meta[\"%.*s\"]",
                                             txn->store->dir, KEY_SHOWN, key));
            return false;
        }
    }
    if (txn->status != VT_OK)
        return false;
    *ret_value = value;
    return true;
}

uint64_t vt_txn_get_seq(vt_txn *txn, const char *name)
{
    g_autofree char *key = g_strconcat("seq.", name ? name : "", NULL);
    guint64 value = 0;
    return read_seq(txn, name, key, &value) ? value : 0;
}

uint64_t vt_txn_next_seq(vt_txn *txn, const char *name)
{
    if (!txn_check(txn, VT_TABLE_META, name, true, NULL))
        return 0;
    g_autofree char *key = g_strconcat("seq.", name ? name : "", NULL);
    guint64 value = 0;
    if (!read_seq(txn, name, key, &value))
        return 0;
    if (value == G_MAXUINT64) {
        txn_set_failed(txn, vt_error_set(VT_ERR_LIMIT, "%s: counter meta[\"%.*s\"] overflows",
                                         txn->store->dir, KEY_SHOWN, key));
        return 0;
    }
    value++;
    char text[24];
    int text_len = snprintf(text, sizeof text, "%" PRIu64, (uint64_t)value);
    vt_txn_put(txn, VT_TABLE_META, key, text, (size_t)text_len);
    return txn->status == VT_OK ? value : 0;
}

vt_status vt_txn_status(const vt_txn *txn)
{
    return txn->status;
}

vt_status vt_txn_fail(vt_txn *txn, vt_status status)
{
    if (status == VT_OK)
        status = vt_error_set(VT_ERR_INTERNAL, "vt_txn_fail() called with VT_OK");
    txn_set_failed(txn, status);
    return status;
}
