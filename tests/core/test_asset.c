/* Tests of core/vt_asset: the JSON form (round trips, validation) and the
 * asset tables of the store (get, put, foreach, the sha256 index rules). */
#include "vt_asset.h"
#include "vt_file.h"

#include <glib/gstdio.h>
#include <string.h>

#define SHA_X "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SHA_Y "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define SHA_Z "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* --- helpers --- */

typedef struct {
    char *tmp;
    vt_store *store;
} Fixture;

static void fixture_set_up(Fixture *f, gconstpointer data)
{
    GError *error = NULL;
    f->tmp = g_dir_make_tmp("vt-asset-XXXXXX", &error);
    g_assert_no_error(error);
    g_autofree char *dir = g_build_filename(f->tmp, "state", NULL);
    if (vt_store_open(dir, VT_STORE_WRITER, &f->store) != VT_OK)
        g_error("vt_store_open: %s", vt_error_message());
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
    vt_store_close(f->store);
    g_assert_cmpint(vt_file_remove_tree(f->tmp), ==, VT_OK);
    g_free(f->tmp);
}

/* An asset with every field set, non-ASCII where it can be. */
static vt_asset *full_asset(void)
{
    vt_asset *a = vt_asset_new();
    a->id = g_strdup("k7q2m9");
    a->department = g_strdup("archives");
    a->state = VT_ASSET_READY;
    a->source = g_strdup("Fonds Müller/Grüße aus Zürich — 日本 №1.tif");
    a->original = g_strdup("/srv/vitrine/originals/archives/k7q2m9.tif");
    memcpy(a->sha256, SHA_X, 65);
    a->size = 12345678901ULL;
    a->image = g_strdup("/srv/vitrine/images/k7q2m9.tif");
    a->tiles = g_strdup("/srv/vitrine/tiles/k7q2m9");
    a->thumbnail = g_strdup("/srv/vitrine/site/thumbs/k7q2m9.jpg");
    a->download = g_strdup("/srv/vitrine/site/downloads/k7q2m9.jpg");
    a->width = 12000;
    a->height = 8000;
    a->format = g_strdup("tiff");
    a->intervention = g_strdup("2023.0042");
    a->visibility = VT_VISIBILITY_INTERNAL;
    a->created = 1700000000;
    a->updated = 1700000123;
    a->attempts = 3;
    a->next_attempt = 1700003600;
    a->reason = g_strdup("disque plein (écriture refusée)");
    a->embedded = json_pack("{s:s, s:[s,s], s:{s:i}}", "title", "Vue de Genève", "keywords", "lac",
                            "montagne", "exif", "iso", 100);
    return a;
}

static vt_asset *simple_asset(const char *id, const char *sha256, vt_asset_state state)
{
    vt_asset *a = vt_asset_new();
    a->id = g_strdup(id);
    a->department = g_strdup("photo");
    a->state = state;
    memcpy(a->sha256, sha256, 65);
    return a;
}

static void assert_same_string(const char *a, const char *b)
{
    g_assert_cmpstr(a, ==, b);
}

static void assert_assets_equal(const vt_asset *a, const vt_asset *b)
{
    assert_same_string(a->id, b->id);
    assert_same_string(a->department, b->department);
    g_assert_cmpint(a->state, ==, b->state);
    assert_same_string(a->source, b->source);
    assert_same_string(a->original, b->original);
    g_assert_cmpstr(a->sha256, ==, b->sha256);
    g_assert_cmpuint(a->size, ==, b->size);
    assert_same_string(a->image, b->image);
    assert_same_string(a->tiles, b->tiles);
    assert_same_string(a->thumbnail, b->thumbnail);
    assert_same_string(a->download, b->download);
    g_assert_cmpint(a->width, ==, b->width);
    g_assert_cmpint(a->height, ==, b->height);
    assert_same_string(a->format, b->format);
    assert_same_string(a->intervention, b->intervention);
    g_assert_cmpint(a->visibility, ==, b->visibility);
    g_assert_cmpint(a->created, ==, b->created);
    g_assert_cmpint(a->updated, ==, b->updated);
    g_assert_cmpint(a->attempts, ==, b->attempts);
    g_assert_cmpint(a->next_attempt, ==, b->next_attempt);
    assert_same_string(a->reason, b->reason);
    g_assert_true((a->embedded == NULL) == (b->embedded == NULL));
    if (a->embedded)
        g_assert_true(json_equal(a->embedded, b->embedded));
}

static vt_asset *round_trip(const vt_asset *asset)
{
    json_t *json = vt_asset_to_json(asset);
    g_assert_nonnull(json);
    /* Through text too, as the store and `show --json` do. */
    char *text = json_dumps(json, JSON_COMPACT);
    json_decref(json);
    json = json_loads(text, 0, NULL);
    free(text);
    g_assert_nonnull(json);
    vt_asset *back = NULL;
    if (vt_asset_from_json(json, &back) != VT_OK)
        g_error("vt_asset_from_json: %s", vt_error_message());
    json_decref(json);
    return back;
}

/* --- the model and JSON --- */

static void test_new_free_dup(void)
{
    vt_asset *a = vt_asset_new();
    g_assert_cmpint(a->state, ==, VT_ASSET_ARCHIVING);
    g_assert_null(a->id);
    g_assert_cmpint(a->width, ==, 0);
    vt_asset_free(a);
    vt_asset_free(NULL);
    g_assert_null(vt_asset_dup(NULL));

    a = full_asset();
    vt_asset *copy = vt_asset_dup(a);
    assert_assets_equal(a, copy);
    /* A deep copy: changing the copy leaves the original alone. */
    g_assert_true(copy->source != a->source);
    g_assert_true(copy->embedded != a->embedded);
    json_object_set_new(copy->embedded, "title", json_string("changed"));
    g_assert_cmpstr(json_string_value(json_object_get(a->embedded, "title")), ==, "Vue de Genève");
    vt_asset_free(copy);
    vt_asset_free(a);
}

static void test_state_names(void)
{
    static const char *const names[] = { "archiving", "converting", "ready", "quarantined" };
    for (int i = 0; i < 4; i++) {
        vt_asset_state state = (vt_asset_state)-1;
        g_assert_cmpstr(vt_asset_state_name((vt_asset_state)i), ==, names[i]);
        g_assert_true(vt_asset_state_parse(names[i], &state));
        g_assert_cmpint(state, ==, i);
    }
    vt_asset_state state = VT_ASSET_READY;
    g_assert_false(vt_asset_state_parse("Ready", &state));
    g_assert_false(vt_asset_state_parse("", &state));
    g_assert_false(vt_asset_state_parse(NULL, &state));
    g_assert_cmpint(state, ==, VT_ASSET_READY);
    g_assert_cmpstr(vt_asset_state_name((vt_asset_state)42), ==, "unknown");
}

static void test_id_valid(void)
{
    g_assert_true(vt_asset_id_valid("a"));
    g_assert_true(vt_asset_id_valid("0123456789abcdefghijklmnopqrstuvwxyz"));
    g_assert_false(vt_asset_id_valid(NULL));
    g_assert_false(vt_asset_id_valid(""));
    g_assert_false(vt_asset_id_valid("Abc"));
    g_assert_false(vt_asset_id_valid("a-b"));
    g_assert_false(vt_asset_id_valid("a/b"));
    g_assert_false(vt_asset_id_valid("../x"));
    g_autofree char *longest = g_strnfill(VT_ASSET_ID_MAX, 'z');
    g_assert_true(vt_asset_id_valid(longest));
    g_autofree char *too_long = g_strnfill(VT_ASSET_ID_MAX + 1, 'z');
    g_assert_false(vt_asset_id_valid(too_long));
}

static void test_round_trip_full(void)
{
    vt_asset *a = full_asset();
    vt_asset *back = round_trip(a);
    assert_assets_equal(a, back);
    vt_asset_free(back);
    vt_asset_free(a);
}

static void test_round_trip_nulls(void)
{
    vt_asset *a = simple_asset("x1", SHA_Y, VT_ASSET_CONVERTING);
    json_t *json = vt_asset_to_json(a);
    /* Absent strings are JSON null, not missing keys. */
    static const char *const nulls[] = { "source", "original", "image", "tiles", "thumbnail",
                                         "download", "format", "intervention", "reason",
                                         "embedded" };
    for (size_t i = 0; i < G_N_ELEMENTS(nulls); i++) {
        json_t *value = json_object_get(json, nulls[i]);
        g_assert_nonnull(value);
        g_assert_true(json_is_null(value));
    }
    json_decref(json);

    vt_asset *back = round_trip(a);
    assert_assets_equal(a, back);
    g_assert_null(back->source);
    g_assert_null(back->embedded);
    vt_asset_free(back);
    vt_asset_free(a);
}

/* The shape is public: check it key by key. */
static void test_json_shape(void)
{
    vt_asset *a = full_asset();
    json_t *json = vt_asset_to_json(a);
    char *text = json_dumps(json, JSON_COMPACT | JSON_SORT_KEYS);
    g_assert_cmpstr(text, ==,
        "{\"attempts\":3,\"created\":1700000000,\"custom\":null,\"department\":\"archives\","
        "\"download\":\"/srv/vitrine/site/downloads/k7q2m9.jpg\","
        "\"embedded\":{\"exif\":{\"iso\":100},\"keywords\":[\"lac\",\"montagne\"],"
        "\"title\":\"Vue de Genève\"},\"format\":\"tiff\",\"height\":8000,"
        "\"id\":\"k7q2m9\",\"image\":\"/srv/vitrine/images/k7q2m9.tif\","
        "\"intervention\":\"2023.0042\",\"next_attempt\":1700003600,"
        "\"original\":\"/srv/vitrine/originals/archives/k7q2m9.tif\","
        "\"reason\":\"disque plein (écriture refusée)\","
        "\"sha256\":\"" SHA_X "\",\"size\":12345678901,"
        "\"source\":\"Fonds Müller/Grüße aus Zürich — 日本 №1.tif\",\"state\":\"ready\","
        "\"thumbnail\":\"/srv/vitrine/site/thumbs/k7q2m9.jpg\","
        "\"tiles\":\"/srv/vitrine/tiles/k7q2m9\",\"updated\":1700000123,\"v\":1,"
        "\"visibility\":\"internal\",\"width\":12000}");
    free(text);
    json_decref(json);
    vt_asset_free(a);
}

static void test_from_json_lenient(void)
{
    /* Minimal record, unknown keys, upper-case digest: all accepted. */
    json_error_t error;
    json_t *json = json_loads("{\"id\":\"abc\",\"department\":\"d\",\"state\":\"ready\","
                              "\"sha256\":\"" "0123456789ABCDEF0123456789abcdef0123456789abcdef"
                              "0123456789abcdef\",\"future_key\":{\"x\":[1]},\"v\":1}",
                              0, &error);
    g_assert_nonnull(json);
    vt_asset *a = NULL;
    g_assert_cmpint(vt_asset_from_json(json, &a), ==, VT_OK);
    g_assert_cmpstr(a->sha256, ==, SHA_X);
    g_assert_cmpint(a->visibility, ==, VT_VISIBILITY_PUBLIC);
    g_assert_cmpuint(a->size, ==, 0);
    g_assert_null(a->image);
    vt_asset_free(a);
    json_decref(json);
}

static void test_from_json_invalid(void)
{
#define OK_HEAD "\"id\":\"abc\",\"department\":\"d\",\"state\":\"ready\",\"sha256\":\"" SHA_X "\""
    static const struct {
        const char *json;
        const char *message;  /* a part of the expected message */
    } cases[] = {
        { "[1,2]", "not a JSON object" },
        { "\"text\"", "not a JSON object" },
        { "{\"department\":\"d\",\"state\":\"ready\",\"sha256\":\"" SHA_X "\"}", "\"id\"" },
        { "{\"id\":7,\"department\":\"d\",\"state\":\"ready\",\"sha256\":\"" SHA_X "\"}", "\"id\"" },
        { "{\"id\":\"ABC\",\"department\":\"d\",\"state\":\"ready\",\"sha256\":\"" SHA_X "\"}",
          "asset id \"ABC\"" },
        { "{\"id\":\"a/b\",\"department\":\"d\",\"state\":\"ready\",\"sha256\":\"" SHA_X "\"}",
          "asset id" },
        { "{\"id\":\"abc\",\"state\":\"ready\",\"sha256\":\"" SHA_X "\"}",
          "asset abc: \"department\" is missing" },
        { "{\"id\":\"abc\",\"department\":null,\"state\":\"ready\",\"sha256\":\"" SHA_X "\"}",
          "\"department\" is missing" },
        { "{\"id\":\"abc\",\"department\":\"d\",\"sha256\":\"" SHA_X "\"}", "\"state\" is missing" },
        { "{\"id\":\"abc\",\"department\":\"d\",\"state\":\"done\",\"sha256\":\"" SHA_X "\"}",
          "unknown state \"done\"" },
        { "{\"id\":\"abc\",\"department\":\"d\",\"state\":\"ready\"}", "\"sha256\" is missing" },
        { "{\"id\":\"abc\",\"department\":\"d\",\"state\":\"ready\",\"sha256\":\"abc\"}",
          "64 hex digits" },
        { "{\"id\":\"abc\",\"department\":\"d\",\"state\":\"ready\",\"sha256\":\""
          "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}", "64 hex digits" },
        { "{" OK_HEAD ",\"width\":\"100\"}", "\"width\" is not an integer" },
        { "{" OK_HEAD ",\"width\":1.5}", "\"width\" is not an integer" },
        { "{" OK_HEAD ",\"height\":-1}", "\"height\" is out of range" },
        { "{" OK_HEAD ",\"width\":4294967296}", "\"width\" is out of range" },
        { "{" OK_HEAD ",\"size\":-5}", "\"size\" is out of range" },
        { "{" OK_HEAD ",\"attempts\":true}", "\"attempts\" is not an integer" },
        { "{" OK_HEAD ",\"created\":\"yesterday\"}", "\"created\" is not an integer" },
        { "{" OK_HEAD ",\"source\":42}", "\"source\" is not a string" },
        { "{" OK_HEAD ",\"intervention\":[]}", "\"intervention\" is not a string" },
        { "{" OK_HEAD ",\"visibility\":\"secret\"}", "unknown visibility \"secret\"" },
        { "{" OK_HEAD ",\"embedded\":[1]}", "\"embedded\" is not an object" },
        { "{" OK_HEAD ",\"v\":2}", "version 2, newer" },
        { "{" OK_HEAD ",\"v\":\"1\"}", "bad \"v\"" },
    };
#undef OK_HEAD
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        json_error_t error;
        json_t *json = json_loads(cases[i].json, JSON_DECODE_ANY, &error);
        if (json == NULL)
            g_error("case %zu does not parse: %s", i, error.text);
        vt_asset *a = NULL;
        vt_status status = vt_asset_from_json(json, &a);
        if (status != VT_ERR_INVALID || strstr(vt_error_message(), cases[i].message) == NULL)
            g_error("case %zu (%s): status %d, message \"%s\", expected \"%s\"", i, cases[i].json,
                    status, vt_error_message(), cases[i].message);
        g_assert_null(a);
        json_decref(json);
    }
}

static void test_to_json_bad_utf8(void)
{
    vt_asset *a = simple_asset("u1", SHA_X, VT_ASSET_READY);
    a->source = g_strdup("caf\xe9.jpg");  /* Latin-1, as some scanners write it */
    g_assert_null(vt_asset_to_json(a));
    vt_asset_free(a);
}

/* --- the store --- */

typedef struct {
    vt_asset *assets[8];
    size_t n;
} Batch;

static vt_status put_batch(vt_txn *txn, void *data)
{
    Batch *b = data;
    for (size_t i = 0; i < b->n; i++)
        vt_asset_put(txn, b->assets[i]);
    return vt_txn_status(txn);
}

static void put_one(Fixture *f, vt_asset *asset)
{
    Batch b = { .assets = { asset }, .n = 1 };
    if (vt_store_write(f->store, put_batch, &b) != VT_OK)
        g_error("vt_asset_put: %s", vt_error_message());
}

typedef struct {
    const char *sha256;
    char *found;
} Find;

static vt_status find_fn(vt_txn *txn, void *data)
{
    Find *find = data;
    find->found = vt_asset_find_sha256(txn, find->sha256);
    return vt_txn_status(txn);
}

/* The id SHA256[sha256] points to, or NULL. */
static char *find(Fixture *f, const char *sha256)
{
    Find find = { .sha256 = sha256 };
    g_assert_cmpint(vt_store_read(f->store, find_fn, &find), ==, VT_OK);
    return find.found;
}

typedef struct {
    const char *id;
    vt_asset *asset;
    vt_status status;
} Get;

static vt_status get_fn(vt_txn *txn, void *data)
{
    Get *get = data;
    get->status = vt_asset_get(txn, get->id, &get->asset);
    return vt_txn_status(txn);
}

static void test_put_get(Fixture *f, gconstpointer data)
{
    vt_asset *a = full_asset();
    put_one(f, a);

    Get get = { .id = "k7q2m9" };
    g_assert_cmpint(vt_store_read(f->store, get_fn, &get), ==, VT_OK);
    g_assert_cmpint(get.status, ==, VT_OK);
    assert_assets_equal(a, get.asset);
    vt_asset_free(get.asset);

    /* Absent: VT_ERR_NOT_FOUND, and the txn goes on. */
    Get missing = { .id = "nothere" };
    g_assert_cmpint(vt_store_read(f->store, get_fn, &missing), ==, VT_OK);
    g_assert_cmpint(missing.status, ==, VT_ERR_NOT_FOUND);
    g_assert_nonnull(strstr(vt_error_message(), "nothere"));
    g_assert_null(missing.asset);
    Get bad = { .id = "Not/An/Id" };
    g_assert_cmpint(vt_store_read(f->store, get_fn, &bad), ==, VT_OK);
    g_assert_cmpint(bad.status, ==, VT_ERR_NOT_FOUND);

    g_autofree char *found = find(f, SHA_X);
    g_assert_cmpstr(found, ==, "k7q2m9");
    /* Upper case digests are found as well; malformed ones are not. */
    g_autofree char *upper = g_ascii_strup(SHA_X, -1);
    g_autofree char *found_upper = find(f, upper);
    g_assert_cmpstr(found_upper, ==, "k7q2m9");
    g_assert_null(find(f, "0123"));
    g_assert_null(find(f, SHA_Y));
    vt_asset_free(a);
}

typedef struct {
    const vt_asset *asset;
    json_t *stored;
} Raw;

static vt_status raw_fn(vt_txn *txn, void *data)
{
    Raw *raw = data;
    raw->stored = vt_txn_get_json(txn, VT_TABLE_ASSETS, raw->asset->id);
    return vt_txn_status(txn);
}

static void test_stored_record(Fixture *f, gconstpointer data)
{
    vt_asset *a = full_asset();
    put_one(f, a);
    Raw raw = { .asset = a };
    g_assert_cmpint(vt_store_read(f->store, raw_fn, &raw), ==, VT_OK);
    g_assert_nonnull(raw.stored);
    g_assert_cmpint(json_integer_value(json_object_get(raw.stored, "v")), ==, VT_ASSET_VERSION);
    json_t *expect = vt_asset_to_json(a);
    g_assert_true(json_equal(raw.stored, expect));
    json_decref(expect);
    json_decref(raw.stored);
    vt_asset_free(a);
}

static void test_put_invalid(Fixture *f, gconstpointer data)
{
    vt_asset *good = simple_asset("good1", SHA_Y, VT_ASSET_READY);
    vt_asset *bad_id = simple_asset("Bad", SHA_X, VT_ASSET_READY);
    Batch b = { .assets = { good, bad_id }, .n = 2 };
    g_assert_cmpint(vt_store_write(f->store, put_batch, &b), ==, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "\"Bad\""));
    /* Nothing of the batch was committed. */
    g_assert_null(find(f, SHA_Y));

    vt_asset *bad_sha = simple_asset("badsha", SHA_X, VT_ASSET_READY);
    bad_sha->sha256[3] = 'G';
    b.assets[1] = bad_sha;
    g_assert_cmpint(vt_store_write(f->store, put_batch, &b), ==, VT_ERR_INVALID);
    bad_sha->sha256[3] = 'A';  /* upper case is not how we store it */
    g_assert_cmpint(vt_store_write(f->store, put_batch, &b), ==, VT_ERR_INVALID);

    /* Whatever would not read back is refused: a negative size, no
     * department, a state or visibility out of range, no NUL in sha256. */
    vt_asset *bad_field = simple_asset("field", SHA_X, VT_ASSET_READY);
    bad_field->width = -1;
    b.assets[1] = bad_field;
    g_assert_cmpint(vt_store_write(f->store, put_batch, &b), ==, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "\"width\" is out of range"));
    bad_field->width = 0;
    g_clear_pointer(&bad_field->department, g_free);
    g_assert_cmpint(vt_store_write(f->store, put_batch, &b), ==, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "\"department\" is missing"));
    bad_field->department = g_strdup("photo");
    bad_field->state = (vt_asset_state)7;
    g_assert_cmpint(vt_store_write(f->store, put_batch, &b), ==, VT_ERR_INVALID);
    bad_field->state = VT_ASSET_READY;
    bad_field->visibility = (vt_visibility)7;
    g_assert_cmpint(vt_store_write(f->store, put_batch, &b), ==, VT_ERR_INVALID);
    bad_field->visibility = VT_VISIBILITY_PUBLIC;
    bad_field->sha256[64] = 'f';
    g_assert_cmpint(vt_store_write(f->store, put_batch, &b), ==, VT_ERR_INVALID);
    bad_field->sha256[64] = '\0';
    g_assert_cmpint(vt_store_write(f->store, put_batch, &b), ==, VT_OK);
    g_autofree char *found = find(f, SHA_X);
    g_assert_cmpstr(found, ==, "field");
    vt_asset_free(bad_field);

    vt_asset *bad_utf8 = simple_asset("utf", SHA_Z, VT_ASSET_READY);
    bad_utf8->original = g_strdup("/srv/caf\xe9");
    b.assets[1] = bad_utf8;
    g_assert_cmpint(vt_store_write(f->store, put_batch, &b), ==, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "\"original\" is not valid UTF-8"));
    g_assert_null(find(f, SHA_Z));

    vt_asset_free(good);
    vt_asset_free(bad_id);
    vt_asset_free(bad_sha);
    vt_asset_free(bad_utf8);
}

typedef struct {
    GString *ids;
    int limit;
    int count;
    bool update;  /* put each asset back as READY while walking */
    vt_txn *txn;
} Walk;

static bool walk_one(const vt_asset *asset, void *data)
{
    Walk *walk = data;
    g_string_append_printf(walk->ids, "%s:%s;", asset->id, vt_asset_state_name(asset->state));
    if (walk->update) {
        vt_asset *copy = vt_asset_dup(asset);
        copy->state = VT_ASSET_READY;
        vt_asset_put(walk->txn, copy);
        vt_asset_free(copy);
    }
    return ++walk->count != walk->limit;
}

static vt_status walk_fn(vt_txn *txn, void *data)
{
    Walk *walk = data;
    walk->txn = txn;
    vt_asset_foreach(txn, walk_one, walk);
    return vt_txn_status(txn);
}

static vt_status put_corrupt(vt_txn *txn, void *data)
{
    vt_txn_put(txn, VT_TABLE_ASSETS, data, "{\"id\":", 6);
    return vt_txn_status(txn);
}

static vt_status put_mismatch(vt_txn *txn, void *data)
{
    json_t *json = json_pack("{s:s, s:s, s:s, s:s}", "id", "other", "department", "d", "state",
                             "ready", "sha256", SHA_Z);
    vt_txn_put_json(txn, VT_TABLE_ASSETS, "mismatch", json);
    json_decref(json);
    return vt_txn_status(txn);
}

static void test_foreach(Fixture *f, gconstpointer data)
{
    vt_asset *c = simple_asset("c3", SHA_Z, VT_ASSET_QUARANTINED);
    vt_asset *a = simple_asset("a1", SHA_X, VT_ASSET_CONVERTING);
    vt_asset *b = simple_asset("b2", SHA_Y, VT_ASSET_ARCHIVING);
    Batch batch = { .assets = { c, a, b }, .n = 3 };
    g_assert_cmpint(vt_store_write(f->store, put_batch, &batch), ==, VT_OK);

    Walk all = { .ids = g_string_new(NULL) };
    g_assert_cmpint(vt_store_read(f->store, walk_fn, &all), ==, VT_OK);
    g_assert_cmpstr(all.ids->str, ==, "a1:converting;b2:archiving;c3:quarantined;");

    Walk two = { .ids = g_string_new(NULL), .limit = 2 };
    g_assert_cmpint(vt_store_read(f->store, walk_fn, &two), ==, VT_OK);
    g_assert_cmpstr(two.ids->str, ==, "a1:converting;b2:archiving;");

    /* fn may put the asset it is given. */
    Walk update = { .ids = g_string_new(NULL), .update = true };
    g_assert_cmpint(vt_store_write(f->store, walk_fn, &update), ==, VT_OK);
    g_assert_cmpstr(update.ids->str, ==, "a1:converting;b2:archiving;c3:quarantined;");
    Walk after = { .ids = g_string_new(NULL) };
    g_assert_cmpint(vt_store_read(f->store, walk_fn, &after), ==, VT_OK);
    g_assert_cmpstr(after.ids->str, ==, "a1:ready;b2:ready;c3:ready;");
    /* c3 left quarantine: its digest is indexed again. */
    g_autofree char *found = find(f, SHA_Z);
    g_assert_cmpstr(found, ==, "c3");

    /* A corrupt record ends the walk with VT_ERR_STORE. */
    g_assert_cmpint(vt_store_write(f->store, put_corrupt, (gpointer)"b5"), ==, VT_OK);
    Walk broken = { .ids = g_string_new(NULL) };
    g_assert_cmpint(vt_store_read(f->store, walk_fn, &broken), ==, VT_ERR_STORE);
    g_assert_nonnull(strstr(vt_error_message(), "assets[\"b5\"]"));
    g_assert_cmpstr(broken.ids->str, ==, "a1:ready;b2:ready;");
    Get get = { .id = "b5" };
    g_assert_cmpint(vt_store_read(f->store, get_fn, &get), ==, VT_ERR_STORE);
    g_assert_cmpint(get.status, ==, VT_ERR_STORE);

    /* So does a record filed under another id. */
    g_assert_cmpint(vt_store_write(f->store, put_mismatch, NULL), ==, VT_OK);
    Get mismatch = { .id = "mismatch" };
    g_assert_cmpint(vt_store_read(f->store, get_fn, &mismatch), ==, VT_ERR_STORE);
    g_assert_nonnull(strstr(vt_error_message(), "it has id \"other\""));
    g_assert_null(mismatch.asset);

    g_string_free(all.ids, TRUE);
    g_string_free(two.ids, TRUE);
    g_string_free(update.ids, TRUE);
    g_string_free(after.ids, TRUE);
    g_string_free(broken.ids, TRUE);
    vt_asset_free(a);
    vt_asset_free(b);
    vt_asset_free(c);
}

/* Writes SHA256[sha256] = id directly, as a bug or a crash might have. */
typedef struct {
    const char *sha256;
    const char *id;
} Entry;

static vt_status put_entry(vt_txn *txn, void *data)
{
    const Entry *entry = data;
    vt_txn_put(txn, VT_TABLE_SHA256, entry->sha256, entry->id, strlen(entry->id));
    return vt_txn_status(txn);
}

static void assert_index(Fixture *f, const char *sha256, const char *expect)
{
    g_autofree char *found = find(f, sha256);
    g_assert_cmpstr(found, ==, expect);
}

static void test_sha256_index(Fixture *f, gconstpointer data)
{
    vt_asset *a = simple_asset("aaa", SHA_X, VT_ASSET_ARCHIVING);
    vt_asset *b = simple_asset("bbb", SHA_X, VT_ASSET_CONVERTING);
    vt_asset *c = simple_asset("ccc", SHA_X, VT_ASSET_READY);

    /* Every state but QUARANTINED is indexed. */
    put_one(f, a);
    assert_index(f, SHA_X, "aaa");
    a->state = VT_ASSET_CONVERTING;
    put_one(f, a);
    a->state = VT_ASSET_READY;
    put_one(f, a);
    assert_index(f, SHA_X, "aaa");

    /* Another live asset with the same digest does not take the entry... */
    put_one(f, b);
    assert_index(f, SHA_X, "aaa");
    /* ...and quarantining it does not delete the entry of the first. */
    b->state = VT_ASSET_QUARANTINED;
    put_one(f, b);
    assert_index(f, SHA_X, "aaa");

    /* Quarantining the owner removes its entry: the digest is free. */
    a->state = VT_ASSET_QUARANTINED;
    put_one(f, a);
    assert_index(f, SHA_X, NULL);

    /* A corrected re-drop is not a duplicate of the bad file. */
    put_one(f, c);
    assert_index(f, SHA_X, "ccc");

    /* The entry follows a change of digest. */
    memcpy(c->sha256, SHA_Y, 65);
    put_one(f, c);
    assert_index(f, SHA_X, NULL);
    assert_index(f, SHA_Y, "ccc");

    /* An entry whose asset is quarantined (or gone) is stale: taken over. */
    b->state = VT_ASSET_READY;
    memcpy(b->sha256, SHA_Y, 65);
    c->state = VT_ASSET_QUARANTINED;
    Entry ghost = { SHA_Z, "ghost" };
    g_assert_cmpint(vt_store_write(f->store, put_entry, &ghost), ==, VT_OK);
    Batch batch = { .assets = { b }, .n = 1 };
    g_assert_cmpint(vt_store_write(f->store, put_batch, &batch), ==, VT_OK);
    assert_index(f, SHA_Y, "ccc");  /* ccc is still live in the store */
    put_one(f, c);                  /* now quarantined: its entry goes */
    assert_index(f, SHA_Y, NULL);
    put_one(f, b);
    assert_index(f, SHA_Y, "bbb");
    assert_index(f, SHA_Z, "ghost");
    vt_asset *d = simple_asset("ddd", SHA_Z, VT_ASSET_READY);
    put_one(f, d);
    assert_index(f, SHA_Z, "ddd");

    /* Quarantining an asset whose entry was never made removes nothing. */
    vt_asset *e = simple_asset("eee", SHA_Z, VT_ASSET_QUARANTINED);
    put_one(f, e);
    assert_index(f, SHA_Z, "ddd");

    /* An entry pointing to a quarantined asset is stale too. */
    Entry stale = { SHA_X, "eee" };
    g_assert_cmpint(vt_store_write(f->store, put_entry, &stale), ==, VT_OK);
    vt_asset *g = simple_asset("ggg", SHA_X, VT_ASSET_READY);
    put_one(f, g);
    assert_index(f, SHA_X, "ggg");
    /* As is one pointing to an asset that now has another digest. */
    stale.id = "ddd";
    g_assert_cmpint(vt_store_write(f->store, put_entry, &stale), ==, VT_OK);
    put_one(f, g);
    assert_index(f, SHA_X, "ggg");
    vt_asset_free(g);

    vt_asset_free(a);
    vt_asset_free(b);
    vt_asset_free(c);
    vt_asset_free(d);
    vt_asset_free(e);
}

/* Custom metadata (staff's fields) survives the JSON round trip and dup,
 * and a non-object is refused. */
static void test_custom_metadata(void)
{
    vt_asset *a = vt_asset_new();
    a->id = g_strdup("c0ffee");
    a->department = g_strdup("photo");
    a->source = g_strdup("x.jpg");
    memset(a->sha256, 'a', 64);
    a->sha256[64] = '\0';
    a->custom = json_pack("{s:[{s:s, s:s}]}", "keywords", "value", "vernis", "lang", "nl");
    json_t *j = vt_asset_to_json(a);
    vt_asset *b = NULL;
    g_assert_cmpint(vt_asset_from_json(j, &b), ==, VT_OK);
    g_assert_true(json_equal(a->custom, b->custom));
    vt_asset *c = vt_asset_dup(b);
    g_assert_true(json_equal(a->custom, c->custom));
    g_assert_true(c->custom != b->custom);
    json_object_set_new(j, "custom", json_string("nope"));
    vt_asset *d = NULL;
    g_assert_cmpint(vt_asset_from_json(j, &d), ==, VT_ERR_INVALID);
    g_assert_null(d);
    json_decref(j);
    vt_asset_free(a);
    vt_asset_free(b);
    vt_asset_free(c);
}

static void test_file_name(void)
{
    vt_asset *a = vt_asset_new();
    g_assert_null(vt_asset_file_name(a));
    a->source = g_strdup("");
    g_assert_null(vt_asset_file_name(a));
    g_free(a->source);
    a->source = g_strdup("2019.12345_front.tif");
    g_assert_cmpstr(vt_asset_file_name(a), ==, "2019.12345_front.tif");
    g_free(a->source);
    a->source = g_strdup("sub/dir/verso.jpg");
    g_assert_cmpstr(vt_asset_file_name(a), ==, "verso.jpg");
    vt_asset_free(a);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/asset/new-free-dup", test_new_free_dup);
    g_test_add_func("/asset/state-names", test_state_names);
    g_test_add_func("/asset/id-valid", test_id_valid);
    g_test_add_func("/asset/file-name", test_file_name);
    g_test_add_func("/asset/round-trip-full", test_round_trip_full);
    g_test_add_func("/asset/round-trip-nulls", test_round_trip_nulls);
    g_test_add_func("/asset/custom-metadata", test_custom_metadata);
    g_test_add_func("/asset/json-shape", test_json_shape);
    g_test_add_func("/asset/from-json-lenient", test_from_json_lenient);
    g_test_add_func("/asset/from-json-invalid", test_from_json_invalid);
    g_test_add_func("/asset/to-json-bad-utf8", test_to_json_bad_utf8);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
    ADD("/asset/put-get", test_put_get);
    ADD("/asset/stored-record", test_stored_record);
    ADD("/asset/put-invalid", test_put_invalid);
    ADD("/asset/foreach", test_foreach);
    ADD("/asset/sha256-index", test_sha256_index);
#undef ADD
    return g_test_run();
}
