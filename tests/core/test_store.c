/* Tests of core/vt_store: tables, sticky status, JSON values, counters,
 * map growth, the writer lock, read-only opens and the schema check. */
#include "vt_store.h"
#include "vt_file.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* --- fixture: a temporary folder, removed afterwards --- */

typedef struct {
    char *tmp;  /* the temporary folder */
    char *dir;  /* the store inside it (not created) */
} Fixture;

static void fixture_set_up(Fixture *f, gconstpointer data)
{
    GError *error = NULL;
    f->tmp = g_dir_make_tmp("vt-store-XXXXXX", &error);
    g_assert_no_error(error);
    f->dir = g_build_filename(f->tmp, "state", NULL);
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
    g_assert_cmpint(vt_file_remove_tree(f->tmp), ==, VT_OK);
    g_free(f->dir);
    g_free(f->tmp);
}

static vt_store *open_store(const char *dir, unsigned flags)
{
    vt_store *store = NULL;
    vt_status status = vt_store_open(dir, flags, &store);
    if (status != VT_OK)
        g_error("vt_store_open(%s): %s", dir, vt_error_message());
    g_assert_nonnull(store);
    return store;
}

/* Runs fn in a write txn and expects VT_OK. */
static void must_write(vt_store *store, vt_store_fn fn, void *data)
{
    vt_status status = vt_store_write(store, fn, data);
    if (status != VT_OK)
        g_error("vt_store_write: %s", vt_error_message());
}

/* The value of @key as a string ("" with length 0), or NULL if absent. */
static char *get_string(vt_txn *txn, vt_table table, const char *key)
{
    const void *val;
    size_t len;
    if (!vt_txn_get(txn, table, key, &val, &len))
        return NULL;
    return g_strndup(val, len);
}

/* --- put, get, del --- */

static vt_status put_basic(vt_txn *txn, void *data)
{
    vt_txn_put(txn, VT_TABLE_QUARANTINE, "alpha", "one", 3);
    vt_txn_put(txn, VT_TABLE_QUARANTINE, "beta", "two", 3);
    vt_txn_put(txn, VT_TABLE_QUARANTINE, "empty", NULL, 0);
    /* Same key, other table: tables are separate. */
    vt_txn_put(txn, VT_TABLE_ASSETS, "alpha", "asset", 5);
    vt_txn_put(txn, VT_TABLE_QUARANTINE, "beta", "TWO!", 4);  /* replaces */
    return vt_txn_status(txn);
}

static vt_status check_basic(vt_txn *txn, void *data)
{
    g_autofree char *alpha = get_string(txn, VT_TABLE_QUARANTINE, "alpha");
    g_autofree char *beta = get_string(txn, VT_TABLE_QUARANTINE, "beta");
    g_autofree char *empty = get_string(txn, VT_TABLE_QUARANTINE, "empty");
    g_autofree char *asset = get_string(txn, VT_TABLE_ASSETS, "alpha");
    g_assert_cmpstr(alpha, ==, "one");
    g_assert_cmpstr(beta, ==, "TWO!");
    g_assert_cmpstr(empty, ==, "");
    g_assert_cmpstr(asset, ==, "asset");
    g_assert_false(vt_txn_get(txn, VT_TABLE_QUARANTINE, "gamma", NULL, NULL));
    g_assert_false(vt_txn_get(txn, VT_TABLE_SHA256, "alpha", NULL, NULL));
    /* A missing key is not a failure. */
    g_assert_cmpint(vt_txn_status(txn), ==, VT_OK);
    return VT_OK;
}

static vt_status del_basic(vt_txn *txn, void *data)
{
    vt_txn_del(txn, VT_TABLE_QUARANTINE, "alpha");
    vt_txn_del(txn, VT_TABLE_QUARANTINE, "never-there");  /* no error */
    g_assert_false(vt_txn_get(txn, VT_TABLE_QUARANTINE, "alpha", NULL, NULL));
    return vt_txn_status(txn);
}

static vt_status check_deleted(vt_txn *txn, void *data)
{
    g_assert_false(vt_txn_get(txn, VT_TABLE_QUARANTINE, "alpha", NULL, NULL));
    g_assert_true(vt_txn_get(txn, VT_TABLE_ASSETS, "alpha", NULL, NULL));
    g_assert_true(vt_txn_get(txn, VT_TABLE_QUARANTINE, "beta", NULL, NULL));
    return VT_OK;
}

static void test_put_get_del(Fixture *f, gconstpointer data)
{
    vt_store *store = open_store(f->dir, VT_STORE_WRITER);
    g_assert_cmpstr(vt_store_dir(store), ==, f->dir);
    must_write(store, put_basic, NULL);
    g_assert_cmpint(vt_store_read(store, check_basic, NULL), ==, VT_OK);
    must_write(store, del_basic, NULL);
    g_assert_cmpint(vt_store_read(store, check_deleted, NULL), ==, VT_OK);
    vt_store_close(store);

    /* Committed data survives a reopen; the folder was created 0750. */
    struct stat st;
    g_assert_cmpint(stat(f->dir, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0750);
    store = open_store(f->dir, VT_STORE_READONLY);
    g_assert_cmpint(vt_store_read(store, check_deleted, NULL), ==, VT_OK);
    vt_store_close(store);
    vt_store_close(NULL);
}

/* --- bad keys and writes where they are not allowed --- */

static vt_status put_key(vt_txn *txn, void *data)
{
    vt_txn_put(txn, VT_TABLE_META, data, "x", 1);
    return VT_OK;  /* the sticky status must win over this */
}

static void test_bad_keys(Fixture *f, gconstpointer data)
{
    vt_store *store = open_store(f->dir, 0);
    g_assert_cmpint(vt_store_write(store, put_key, (gpointer)""), ==, VT_ERR_INVALID);
    g_autofree char *long_key = g_strnfill(VT_STORE_KEY_MAX + 1, 'k');
    g_assert_cmpint(vt_store_write(store, put_key, long_key), ==, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "meta"));
    long_key[VT_STORE_KEY_MAX] = '\0';
    g_assert_cmpint(vt_store_write(store, put_key, long_key), ==, VT_OK);

    /* A write inside a read transaction fails it. */
    g_assert_cmpint(vt_store_read(store, put_key, (gpointer)"k"), ==, VT_ERR_INTERNAL);
    g_assert_nonnull(strstr(vt_error_message(), "read-only"));
    vt_store_close(store);

    /* A store opened read-only refuses write transactions. */
    store = open_store(f->dir, VT_STORE_READONLY);
    g_assert_cmpint(vt_store_write(store, put_key, (gpointer)"k"), ==, VT_ERR_INTERNAL);
    vt_store_close(store);
}

/* --- foreach --- */

static vt_status put_prefixed(vt_txn *txn, void *data)
{
    static const char *const keys[] = { "a/2", "b/1", "a/0", "ab", "a/1", "a", "c" };
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        vt_txn_put(txn, VT_TABLE_QUARANTINE, keys[i], keys[i], strlen(keys[i]));
    return vt_txn_status(txn);
}

typedef struct {
    GString *seen;  /* "key=value;" ... */
    int limit;      /* stop after this many (0: never) */
    int count;
} Walk;

static bool collect(const char *key, size_t key_len, const void *val, size_t val_len, void *data)
{
    Walk *walk = data;
    g_assert_cmpuint(strlen(key), ==, key_len);
    g_string_append_printf(walk->seen, "%s=%.*s;", key, (int)val_len, (const char *)val);
    walk->count++;
    return walk->limit == 0 || walk->count < walk->limit;
}

typedef struct {
    const char *prefix;
    int limit;
    const char *expect;
} WalkCase;

static vt_status walk_case(vt_txn *txn, void *data)
{
    const WalkCase *c = data;
    Walk walk = { .seen = g_string_new(NULL), .limit = c->limit };
    vt_txn_foreach(txn, VT_TABLE_QUARANTINE, c->prefix, collect, &walk);
    g_assert_cmpstr(walk.seen->str, ==, c->expect);
    g_string_free(walk.seen, TRUE);
    return vt_txn_status(txn);
}

static void test_foreach_prefix(Fixture *f, gconstpointer data)
{
    static const WalkCase cases[] = {
        { NULL, 0, "a=a;a/0=a/0;a/1=a/1;a/2=a/2;ab=ab;b/1=b/1;c=c;" },
        { "", 0, "a=a;a/0=a/0;a/1=a/1;a/2=a/2;ab=ab;b/1=b/1;c=c;" },
        { "a/", 0, "a/0=a/0;a/1=a/1;a/2=a/2;" },
        { "a", 0, "a=a;a/0=a/0;a/1=a/1;a/2=a/2;ab=ab;" },
        { "a/", 2, "a/0=a/0;a/1=a/1;" },
        { "b", 0, "b/1=b/1;" },
        { "bb", 0, "" },
        { "d", 0, "" },
        { "0", 0, "" },
    };
    vt_store *store = open_store(f->dir, VT_STORE_WRITER);
    must_write(store, put_prefixed, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpint(vt_store_read(store, walk_case, (gpointer)&cases[i]), ==, VT_OK);
        /* The same in a write transaction, which walks differently. */
        must_write(store, walk_case, (gpointer)&cases[i]);
    }
    vt_store_close(store);
}

/* Many keys, so the table spans several pages and deleting merges them. */
#define MANY 3000

static vt_status put_many(vt_txn *txn, void *data)
{
    for (int i = 0; i < MANY; i++) {
        char key[32];
        g_snprintf(key, sizeof key, "k%05d", i);
        vt_txn_put(txn, VT_TABLE_QUARANTINE, key, key, strlen(key));
    }
    vt_txn_put(txn, VT_TABLE_QUARANTINE, "z", "keep", 4);
    return vt_txn_status(txn);
}

typedef struct {
    vt_txn *txn;
    int count;
    char last[32];
} Rewrite;

/* Deletes every other key and rewrites the others, while walking. */
static bool rewrite_one(const char *key, size_t key_len, const void *val, size_t val_len,
                        void *data)
{
    Rewrite *r = data;
    g_assert_cmpstr(key, >, r->last);  /* each key once, in order */
    g_strlcpy(r->last, key, sizeof r->last);
    int n = atoi(key + 1);
    if (n % 2 == 0)
        vt_txn_del(r->txn, VT_TABLE_QUARANTINE, key);
    else
        vt_txn_put(r->txn, VT_TABLE_QUARANTINE, key, "odd, and a longer value than before", 35);
    r->count++;
    return true;
}

static vt_status rewrite_walk(vt_txn *txn, void *data)
{
    Rewrite *r = data;
    memset(r, 0, sizeof *r);
    r->txn = txn;
    vt_txn_foreach(txn, VT_TABLE_QUARANTINE, "k", rewrite_one, r);
    return vt_txn_status(txn);
}

static bool count_kept(const char *key, size_t key_len, const void *val, size_t val_len,
                       void *data)
{
    int n = atoi(key + 1);
    g_assert_cmpint(n % 2, ==, 1);
    g_assert_cmpmem(val, val_len, "odd, and a longer value than before", 35);
    (*(int *)data)++;
    return true;
}

static vt_status check_rewritten(vt_txn *txn, void *data)
{
    int kept = 0;
    vt_txn_foreach(txn, VT_TABLE_QUARANTINE, "k", count_kept, &kept);
    g_assert_cmpint(kept, ==, MANY / 2);
    g_assert_true(vt_txn_get(txn, VT_TABLE_QUARANTINE, "z", NULL, NULL));
    return VT_OK;
}

static void test_foreach_write(Fixture *f, gconstpointer data)
{
    vt_store *store = open_store(f->dir, 0);
    must_write(store, put_many, NULL);
    Rewrite r;
    must_write(store, rewrite_walk, &r);
    g_assert_cmpint(r.count, ==, MANY);
    g_assert_cmpint(vt_store_read(store, check_rewritten, NULL), ==, VT_OK);
    vt_store_close(store);
}

/* --- sticky status --- */

static vt_status fail_midway(vt_txn *txn, void *data)
{
    vt_txn_put(txn, VT_TABLE_QUARANTINE, "before", "1", 1);
    g_assert_true(vt_txn_get(txn, VT_TABLE_QUARANTINE, "before", NULL, NULL));
    vt_status status = vt_txn_fail(txn, vt_error_set(VT_ERR_EXISTS, "caller says: exists"));
    g_assert_cmpint(status, ==, VT_ERR_EXISTS);
    g_assert_cmpint(vt_txn_status(txn), ==, VT_ERR_EXISTS);

    /* Every call is now a no-op. */
    vt_txn_put(txn, VT_TABLE_QUARANTINE, "after", "2", 1);
    g_assert_false(vt_txn_get(txn, VT_TABLE_QUARANTINE, "before", NULL, NULL));
    g_assert_null(vt_txn_get_json(txn, VT_TABLE_QUARANTINE, "before"));
    g_assert_cmpuint(vt_txn_next_seq(txn, "n"), ==, 0);
    Walk walk = { .seen = g_string_new(NULL) };
    vt_txn_foreach(txn, VT_TABLE_QUARANTINE, NULL, collect, &walk);
    g_assert_cmpint(walk.count, ==, 0);
    g_string_free(walk.seen, TRUE);

    /* A second failure does not replace the first. */
    vt_txn_fail(txn, VT_ERR_IO);
    vt_txn_put(txn, VT_TABLE_QUARANTINE, "", "x", 1);
    g_assert_cmpint(vt_txn_status(txn), ==, VT_ERR_EXISTS);
    return VT_OK;  /* the wrapper must still report the failure */
}

static vt_status fn_fails(vt_txn *txn, void *data)
{
    vt_txn_put(txn, VT_TABLE_QUARANTINE, "fn", "1", 1);
    return vt_error_set(VT_ERR_BAD_IMAGE, "fn's own failure");
}

static vt_status check_nothing(vt_txn *txn, void *data)
{
    g_assert_false(vt_txn_get(txn, VT_TABLE_QUARANTINE, "before", NULL, NULL));
    g_assert_false(vt_txn_get(txn, VT_TABLE_QUARANTINE, "after", NULL, NULL));
    g_assert_false(vt_txn_get(txn, VT_TABLE_QUARANTINE, "fn", NULL, NULL));
    g_assert_false(vt_txn_get(txn, VT_TABLE_META, "seq.n", NULL, NULL));
    return VT_OK;
}

static void test_sticky(Fixture *f, gconstpointer data)
{
    vt_store *store = open_store(f->dir, VT_STORE_WRITER);
    g_assert_cmpint(vt_store_write(store, fail_midway, NULL), ==, VT_ERR_EXISTS);
    g_assert_cmpstr(vt_error_message(), ==, "caller says: exists");
    g_assert_cmpint(vt_store_write(store, fn_fails, NULL), ==, VT_ERR_BAD_IMAGE);
    g_assert_cmpstr(vt_error_message(), ==, "fn's own failure");
    g_assert_cmpint(vt_store_read(store, check_nothing, NULL), ==, VT_OK);
    vt_store_close(store);
}

/* --- JSON values --- */

static vt_status put_json(vt_txn *txn, void *data)
{
    json_t *value = json_pack("{s:s, s:i, s:[i,i], s:n, s:s}", "name", "Grüße", "n", 42, "list",
                              1, 2, "nothing", "text", "tab\there");
    vt_txn_put_json(txn, VT_TABLE_QUARANTINE, "obj", value);
    json_decref(value);
    json_t *scalar = json_string("just a string");
    vt_txn_put_json(txn, VT_TABLE_QUARANTINE, "scalar", scalar);
    json_decref(scalar);
    vt_txn_put(txn, VT_TABLE_QUARANTINE, "corrupt", "{\"a\": tru", 9);
    return vt_txn_status(txn);
}

static vt_status check_json(vt_txn *txn, void *data)
{
    /* Stored compact. */
    g_autofree char *raw = get_string(txn, VT_TABLE_QUARANTINE, "obj");
    g_assert_cmpstr(raw, ==,
                    "{\"name\":\"Grüße\",\"n\":42,\"list\":[1,2],\"nothing\":null,\"text\":\"tab\\there\"}");

    json_t *value = vt_txn_get_json(txn, VT_TABLE_QUARANTINE, "obj");
    g_assert_nonnull(value);
    g_assert_cmpstr(json_string_value(json_object_get(value, "name")), ==, "Grüße");
    g_assert_cmpint(json_integer_value(json_object_get(value, "n")), ==, 42);
    json_decref(value);

    json_t *scalar = vt_txn_get_json(txn, VT_TABLE_QUARANTINE, "scalar");
    g_assert_cmpstr(json_string_value(scalar), ==, "just a string");
    json_decref(scalar);

    g_assert_null(vt_txn_get_json(txn, VT_TABLE_QUARANTINE, "absent"));
    g_assert_cmpint(vt_txn_status(txn), ==, VT_OK);

    g_assert_null(vt_txn_get_json(txn, VT_TABLE_QUARANTINE, "corrupt"));
    g_assert_cmpint(vt_txn_status(txn), ==, VT_ERR_STORE);
    return VT_OK;
}

static vt_status put_unencodable(vt_txn *txn, void *data)
{
    vt_txn_put_json(txn, VT_TABLE_QUARANTINE, "null", NULL);
    return VT_OK;
}

static void test_json(Fixture *f, gconstpointer data)
{
    vt_store *store = open_store(f->dir, VT_STORE_WRITER);
    must_write(store, put_json, NULL);
    g_assert_cmpint(vt_store_read(store, check_json, NULL), ==, VT_ERR_STORE);
    const char *message = vt_error_message();
    g_assert_nonnull(strstr(message, "corrupt JSON"));
    g_assert_nonnull(strstr(message, "quarantine[\"corrupt\"]"));
    g_assert_cmpint(vt_store_write(store, put_unencodable, NULL), ==, VT_ERR_INVALID);
    vt_store_close(store);
}

/* --- counters --- */

static vt_status next_three(vt_txn *txn, void *data)
{
    uint64_t *values = data;
    values[0] = vt_txn_next_seq(txn, "asset");
    values[1] = vt_txn_next_seq(txn, "asset");
    values[2] = vt_txn_next_seq(txn, "other");
    return vt_txn_status(txn);
}

static vt_status seq_in_read(vt_txn *txn, void *data)
{
    g_assert_cmpuint(vt_txn_next_seq(txn, "asset"), ==, 0);
    return VT_OK;
}

/* The current values, read without incrementing, in a read txn. */
static vt_status current_seqs(vt_txn *txn, void *data)
{
    uint64_t *values = data;
    values[0] = vt_txn_get_seq(txn, "asset");
    values[1] = vt_txn_get_seq(txn, "other");
    values[2] = vt_txn_get_seq(txn, "never");
    return vt_txn_status(txn);
}

static vt_status corrupt_counter_read(vt_txn *txn, void *data)
{
    vt_txn_put(txn, VT_TABLE_META, "seq.bad", "12x", 3);
    g_assert_cmpuint(vt_txn_get_seq(txn, "bad"), ==, 0);
    return VT_OK;
}

static vt_status corrupt_counter(vt_txn *txn, void *data)
{
    vt_txn_put(txn, VT_TABLE_META, "seq.bad", "12x", 3);
    g_assert_cmpuint(vt_txn_next_seq(txn, "bad"), ==, 0);
    return VT_OK;
}

static void test_next_seq(Fixture *f, gconstpointer data)
{
    uint64_t values[3];
    vt_store *store = open_store(f->dir, VT_STORE_WRITER);
    must_write(store, next_three, values);
    g_assert_cmpuint(values[0], ==, 1);
    g_assert_cmpuint(values[1], ==, 2);
    g_assert_cmpuint(values[2], ==, 1);
    g_assert_cmpint(vt_store_read(store, seq_in_read, NULL), ==, VT_ERR_INTERNAL);
    g_assert_cmpint(vt_store_write(store, corrupt_counter, NULL), ==, VT_ERR_STORE);
    g_assert_cmpint(vt_store_write(store, corrupt_counter_read, NULL), ==, VT_ERR_STORE);
    g_assert_cmpint(vt_store_read(store, current_seqs, values), ==, VT_OK);
    g_assert_cmpuint(values[0], ==, 2);
    g_assert_cmpuint(values[1], ==, 1);
    g_assert_cmpuint(values[2], ==, 0);
    vt_store_close(store);

    /* Counters persist. */
    store = open_store(f->dir, VT_STORE_WRITER);
    must_write(store, next_three, values);
    g_assert_cmpuint(values[0], ==, 3);
    g_assert_cmpuint(values[1], ==, 4);
    g_assert_cmpuint(values[2], ==, 2);
    vt_store_close(store);
}

/* --- map growth --- */

/* 40 values of 2 MiB: 80 MiB, past the initial 64 MiB map. */
#define BIG_COUNT 40
#define BIG_SIZE ((size_t)2 << 20)

typedef struct {
    int calls;  /* how many times fn ran: the retry is visible here */
    guint8 *buf;
} Big;

static vt_status put_big(vt_txn *txn, void *data)
{
    Big *big = data;
    big->calls++;
    for (int i = 0; i < BIG_COUNT; i++) {
        char key[16];
        g_snprintf(key, sizeof key, "big%02d", i);
        memset(big->buf, 'a' + i % 26, BIG_SIZE);
        vt_txn_put(txn, VT_TABLE_QUARANTINE, key, big->buf, BIG_SIZE);
    }
    return vt_txn_status(txn);
}

static vt_status check_big(vt_txn *txn, void *data)
{
    for (int i = 0; i < BIG_COUNT; i++) {
        char key[16];
        g_snprintf(key, sizeof key, "big%02d", i);
        const guint8 *val;
        size_t len;
        g_assert_true(vt_txn_get(txn, VT_TABLE_QUARANTINE, key, (const void **)&val, &len));
        g_assert_cmpuint(len, ==, BIG_SIZE);
        g_assert_cmpint(val[0], ==, 'a' + i % 26);
        g_assert_cmpint(val[BIG_SIZE / 2], ==, 'a' + i % 26);
        g_assert_cmpint(val[BIG_SIZE - 1], ==, 'a' + i % 26);
    }
    return VT_OK;
}

static void test_map_growth(Fixture *f, gconstpointer data)
{
    Big big = { .buf = g_malloc(BIG_SIZE) };
    vt_store *store = open_store(f->dir, VT_STORE_WRITER);
    must_write(store, put_big, &big);
    g_assert_cmpint(big.calls, >=, 2);
    g_assert_cmpint(vt_store_read(store, check_big, NULL), ==, VT_OK);
    vt_store_close(store);

    g_autofree char *data_mdb = g_build_filename(f->dir, "data.mdb", NULL);
    struct stat st;
    g_assert_cmpint(stat(data_mdb, &st), ==, 0);
    g_assert_cmpint(st.st_size, >, (off_t)VT_STORE_MAP_INITIAL);

    /* Readable after a reopen, read-only (the map must cover the data). */
    store = open_store(f->dir, VT_STORE_READONLY);
    g_assert_cmpint(vt_store_read(store, check_big, NULL), ==, VT_OK);
    vt_store_close(store);
    g_free(big.buf);
}

/* Another process grows the map while we have the store open: our next
 * transaction meets MDB_MAP_RESIZED and must adopt the new size. */
static void test_map_resized(Fixture *f, gconstpointer data)
{
    vt_store *store = open_store(f->dir, VT_STORE_WRITER);
    vt_store_close(store);
    store = open_store(f->dir, VT_STORE_READONLY);

    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        /* The child touches only its own environment, never the parent's. */
        Big big = { .buf = g_malloc(BIG_SIZE) };
        vt_store *child = NULL;
        int code = vt_store_open(f->dir, VT_STORE_WRITER, &child) != VT_OK ? 2
                   : vt_store_write(child, put_big, &big) != VT_OK ? 3
                   : big.calls < 2 ? 4 : 0;
        vt_store_close(child);
        g_free(big.buf);
        _exit(code);
    }
    int wstatus;
    g_assert_cmpint(waitpid(pid, &wstatus, 0), ==, pid);
    g_assert_true(WIFEXITED(wstatus));
    g_assert_cmpint(WEXITSTATUS(wstatus), ==, 0);

    g_assert_cmpint(vt_store_read(store, check_big, NULL), ==, VT_OK);
    vt_store_close(store);
}

/* --- the writer lock --- */

static void test_writer_lock(Fixture *f, gconstpointer data)
{
    vt_store *writer = open_store(f->dir, VT_STORE_WRITER);

    /* A second writer in this process. */
    vt_store *second = NULL;
    g_assert_cmpint(vt_store_open(f->dir, VT_STORE_WRITER, &second), ==, VT_ERR_BUSY);
    g_assert_null(second);
    g_autofree char *expect = g_strdup_printf("another vitrine process (pid %ld) is writing to %s",
                                              (long)getpid(), f->dir);
    g_assert_cmpstr(vt_error_message(), ==, expect);

    /* A second writer in another process. */
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        vt_store *child = NULL;
        vt_status status = vt_store_open(f->dir, VT_STORE_WRITER, &child);
        _exit(status == VT_ERR_BUSY && strstr(vt_error_message(), expect) ? 0 : 1);
    }
    int wstatus;
    g_assert_cmpint(waitpid(pid, &wstatus, 0), ==, pid);
    g_assert_true(WIFEXITED(wstatus));
    g_assert_cmpint(WEXITSTATUS(wstatus), ==, 0);

    /* Readers do not need the lock. */
    vt_store *reader = open_store(f->dir, VT_STORE_READONLY);
    vt_store_close(reader);

    /* The pid is in the lock file. */
    g_autofree char *lock = g_build_filename(f->dir, "writer.lock", NULL);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(lock, &text, NULL, NULL));
    g_autofree char *pid_line = g_strdup_printf("%ld\n", (long)getpid());
    g_assert_cmpstr(text, ==, pid_line);

    /* Released on close. */
    vt_store_close(writer);
    second = open_store(f->dir, VT_STORE_WRITER);
    vt_store_close(second);

    /* Both flags at once make no sense. */
    g_assert_cmpint(vt_store_open(f->dir, VT_STORE_READONLY | VT_STORE_WRITER, &second), ==,
                    VT_ERR_INTERNAL);
}

/* --- read-only opens --- */

static void test_readonly_missing(Fixture *f, gconstpointer data)
{
    vt_store *store = NULL;
    g_assert_cmpint(vt_store_open(f->dir, VT_STORE_READONLY, &store), ==, VT_ERR_NOT_FOUND);
    g_assert_null(store);
    g_autofree char *expect = g_strdup_printf(
        "no vitrine state in %s: has vitrined or `vitrine ingest` run?", f->dir);
    g_assert_cmpstr(vt_error_message(), ==, expect);
    /* Nothing was created. */
    g_assert_false(g_file_test(f->dir, G_FILE_TEST_EXISTS));

    /* An existing but empty folder is no store either. */
    g_assert_cmpint(g_mkdir(f->dir, 0700), ==, 0);
    g_assert_cmpint(vt_store_open(f->dir, VT_STORE_READONLY, &store), ==, VT_ERR_NOT_FOUND);
    g_assert_null(store);
    g_autofree char *data_mdb = g_build_filename(f->dir, "data.mdb", NULL);
    g_assert_false(g_file_test(data_mdb, G_FILE_TEST_EXISTS));
}

/* --- schema version --- */

static vt_status set_schema(vt_txn *txn, void *data)
{
    vt_txn_put(txn, VT_TABLE_META, "schema", data, strlen(data));
    return vt_txn_status(txn);
}

static vt_status check_schema(vt_txn *txn, void *data)
{
    g_autofree char *schema = get_string(txn, VT_TABLE_META, "schema");
    g_assert_cmpstr(schema, ==, "1");
    return VT_OK;
}

static void test_schema(Fixture *f, gconstpointer data)
{
    vt_store *store = open_store(f->dir, VT_STORE_WRITER);
    g_assert_cmpint(vt_store_read(store, check_schema, NULL), ==, VT_OK);
    must_write(store, set_schema, (gpointer)"2");
    vt_store_close(store);

    /* A newer schema is refused, by writers and readers. */
    store = NULL;
    g_assert_cmpint(vt_store_open(f->dir, VT_STORE_WRITER, &store), ==, VT_ERR_STORE);
    g_assert_null(store);
    g_assert_nonnull(strstr(vt_error_message(), "newer vitrine (schema version 2"));
    g_assert_nonnull(strstr(vt_error_message(), f->dir));
    g_assert_cmpint(vt_store_open(f->dir, VT_STORE_READONLY, &store), ==, VT_ERR_STORE);
    g_assert_null(store);
    /* The failed writer open released its lock. */
    g_assert_cmpint(vt_store_open(f->dir, VT_STORE_WRITER, &store), ==, VT_ERR_STORE);

    /* A version that is not a number is refused too. */
    g_assert_cmpint(vt_file_remove_tree(f->dir), ==, VT_OK);
    store = open_store(f->dir, 0);
    must_write(store, set_schema, (gpointer)"one");
    vt_store_close(store);
    store = NULL;
    g_assert_cmpint(vt_store_open(f->dir, 0, &store), ==, VT_ERR_STORE);
    g_assert_nonnull(strstr(vt_error_message(), "not a number"));
    g_assert_null(store);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
    ADD("/store/put-get-del", test_put_get_del);
    ADD("/store/bad-keys", test_bad_keys);
    ADD("/store/foreach-prefix", test_foreach_prefix);
    ADD("/store/foreach-write", test_foreach_write);
    ADD("/store/sticky", test_sticky);
    ADD("/store/json", test_json);
    ADD("/store/next-seq", test_next_seq);
    ADD("/store/map-growth", test_map_growth);
    ADD("/store/map-resized", test_map_resized);
    ADD("/store/writer-lock", test_writer_lock);
    ADD("/store/readonly-missing", test_readonly_missing);
    ADD("/store/schema", test_schema);
#undef ADD
    return g_test_run();
}
