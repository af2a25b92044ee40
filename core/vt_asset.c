/* vt_asset.c: see vt_asset.h.
 *
 * The invariant of the SHA256 table: an entry sha -> id exists only while
 * asset id has that digest and is not quarantined, and no put ever removes
 * or overwrites an entry that belongs to another live asset. If it is lost,
 * a good re-drop of a file once quarantined is refused as a duplicate of
 * the bad one, or a duplicate is archived twice.
 */
#include "vt_asset.h"

#include <limits.h>
#include <string.h>

#include "vt_jsonparse.h"

static const char *const state_names[] = {
    [VT_ASSET_ARCHIVING] = "archiving",
    [VT_ASSET_CONVERTING] = "converting",
    [VT_ASSET_READY] = "ready",
    [VT_ASSET_QUARANTINED] = "quarantined",
};

vt_asset *vt_asset_new(void)
{
    vt_asset *asset = g_new0(vt_asset, 1);
    asset->state = VT_ASSET_ARCHIVING;
    return asset;
}

void vt_asset_free(vt_asset *asset)
{
    if (asset == NULL)
        return;
    g_free(asset->id);
    g_free(asset->department);
    g_free(asset->source);
    g_free(asset->original);
    g_free(asset->image);
    g_free(asset->tiles);
    g_free(asset->thumbnail);
    g_free(asset->download);
    g_free(asset->format);
    g_free(asset->intervention);
    g_free(asset->reason);
    json_decref(asset->embedded);
    json_decref(asset->custom);
    g_free(asset);
}

vt_asset *vt_asset_dup(const vt_asset *asset)
{
    if (asset == NULL)
        return NULL;
    vt_asset *copy = g_new(vt_asset, 1);
    *copy = *asset;
    copy->id = g_strdup(asset->id);
    copy->department = g_strdup(asset->department);
    copy->source = g_strdup(asset->source);
    copy->original = g_strdup(asset->original);
    copy->image = g_strdup(asset->image);
    copy->tiles = g_strdup(asset->tiles);
    copy->thumbnail = g_strdup(asset->thumbnail);
    copy->download = g_strdup(asset->download);
    copy->format = g_strdup(asset->format);
    copy->intervention = g_strdup(asset->intervention);
    copy->reason = g_strdup(asset->reason);
    copy->embedded = asset->embedded ? json_deep_copy(asset->embedded) : NULL;
    copy->custom = asset->custom ? json_deep_copy(asset->custom) : NULL;
    return copy;
}

const char *vt_asset_state_name(vt_asset_state state)
{
    if ((unsigned)state < G_N_ELEMENTS(state_names))
        return state_names[state];
    return "unknown";
}

bool vt_asset_state_parse(const char *name, vt_asset_state *ret_state)
{
    for (size_t i = 0; name && i < G_N_ELEMENTS(state_names); i++) {
        if (strcmp(name, state_names[i]) == 0) {
            *ret_state = (vt_asset_state)i;
            return true;
        }
    }
    return false;
}

bool vt_asset_id_valid(const char *id)
{
    if (id == NULL || *id == '\0')
        return false;
    size_t len = 0;
    for (const char *p = id; *p; p++, len++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            return false;
    }
    return len <= VT_ASSET_ID_MAX;
}

/* 64 hex digits; with @lower only lowercase ones. */
static bool sha256_valid(const char *sha256, bool lower)
{
    if (sha256 == NULL || strlen(sha256) != 64)
        return false;
    for (const char *p = sha256; *p; p++) {
        if (!g_ascii_isxdigit(*p) || (lower && g_ascii_isupper(*p)))
            return false;
    }
    return true;
}

/* --- JSON --- */

static vt_status set_string(json_t *obj, const vt_asset *asset, const char *key, const char *value)
{
    json_t *json = value ? json_string(value) : json_null();
    if (json == NULL)
        return vt_error_set(VT_ERR_INVALID, "asset %s: \"%s\" is not valid UTF-8",
                            asset->id ? asset->id : "(no id)", key);
    json_object_set_new(obj, key, json);
    return VT_OK;
}

static vt_status asset_json(const vt_asset *asset, json_t **ret_json)
{
    json_t *obj = json_object();
    vt_status status = VT_OK;

    json_object_set_new(obj, "v", json_integer(VT_ASSET_VERSION));
    status = set_string(obj, asset, "id", asset->id);
    if (status == VT_OK)
        status = set_string(obj, asset, "department", asset->department);
    if (status == VT_OK)
        status = set_string(obj, asset, "state", vt_asset_state_name(asset->state));
    if (status == VT_OK)
        status = set_string(obj, asset, "source", asset->source);
    if (status == VT_OK)
        status = set_string(obj, asset, "original", asset->original);
    if (status == VT_OK) {
        /* Bounded: the buffer is the caller's and may lack its NUL. */
        json_object_set_new(obj, "sha256",
                            json_stringn(asset->sha256, strnlen(asset->sha256, 64)));
    }
    if (status != VT_OK) {
        json_decref(obj);
        return status;
    }
    /* Sizes past INT64_MAX do not exist on any file system we run on. */
    json_object_set_new(obj, "size", json_integer((json_int_t)MIN(asset->size, (uint64_t)INT64_MAX)));
    status = set_string(obj, asset, "image", asset->image);
    if (status == VT_OK)
        status = set_string(obj, asset, "tiles", asset->tiles);
    if (status == VT_OK)
        status = set_string(obj, asset, "thumbnail", asset->thumbnail);
    if (status == VT_OK)
        status = set_string(obj, asset, "download", asset->download);
    if (status != VT_OK) {
        json_decref(obj);
        return status;
    }
    json_object_set_new(obj, "width", json_integer(asset->width));
    json_object_set_new(obj, "height", json_integer(asset->height));
    status = set_string(obj, asset, "format", asset->format);
    if (status == VT_OK)
        status = set_string(obj, asset, "intervention", asset->intervention);
    if (status == VT_OK)
        status = set_string(obj, asset, "visibility", vt_visibility_name(asset->visibility));
    if (status != VT_OK) {
        json_decref(obj);
        return status;
    }
    json_object_set_new(obj, "created", json_integer(asset->created));
    json_object_set_new(obj, "updated", json_integer(asset->updated));
    json_object_set_new(obj, "attempts", json_integer(asset->attempts));
    json_object_set_new(obj, "next_attempt", json_integer(asset->next_attempt));
    status = set_string(obj, asset, "reason", asset->reason);
    if (status != VT_OK) {
        json_decref(obj);
        return status;
    }
    json_object_set_new(obj, "embedded",
                        asset->embedded ? json_deep_copy(asset->embedded) : json_null());
    json_object_set_new(obj, "custom", asset->custom ? json_deep_copy(asset->custom) : json_null());
    *ret_json = obj;
    return VT_OK;
}

json_t *vt_asset_to_json(const vt_asset *asset)
{
    json_t *json = NULL;
    if (asset == NULL || asset_json(asset, &json) != VT_OK)
        return NULL;
    return json;
}

/* Field readers for from_json: an absent or null optional field keeps the
 * zero value; a field of the wrong type is an error naming the key. @who
 * is the asset id (or a stand-in) for the message. */
/* The text of a string field, borrowed from @obj; NULL when absent or null. */
static vt_status read_text(const json_t *obj, const char *who, const char *key, bool required,
                           const json_t **ret_json)
{
    const json_t *json = json_object_get(obj, key);
    if (json == NULL || json_is_null(json)) {
        if (required)
            return vt_error_set(VT_ERR_INVALID, "asset %s: \"%s\" is missing", who, key);
        *ret_json = NULL;
        return VT_OK;
    }
    if (!json_is_string(json))
        return vt_error_set(VT_ERR_INVALID, "asset %s: \"%s\" is not a string", who, key);
    *ret_json = json;
    return VT_OK;
}

static vt_status read_string(const json_t *obj, const char *who, const char *key, bool required,
                             char **ret_value)
{
    const json_t *json;
    vt_status status = read_text(obj, who, key, required, &json);
    if (status != VT_OK || json == NULL)
        return status;
    g_free(*ret_value);
    *ret_value = g_strndup(json_string_value(json), json_string_length(json));
    return VT_OK;
}

static vt_status read_integer(const json_t *obj, const char *who, const char *key, json_int_t min,
                              json_int_t max, json_int_t *ret_value)
{
    const json_t *json = json_object_get(obj, key);
    if (json == NULL || json_is_null(json))
        return VT_OK;
    if (!json_is_integer(json))
        return vt_error_set(VT_ERR_INVALID, "asset %s: \"%s\" is not an integer", who, key);
    json_int_t value = json_integer_value(json);
    if (value < min || value > max)
        return vt_error_set(VT_ERR_INVALID, "asset %s: \"%s\" is out of range: %" JSON_INTEGER_FORMAT,
                            who, key, value);
    *ret_value = value;
    return VT_OK;
}

static vt_status read_int(const json_t *obj, const char *who, const char *key, int *ret_value)
{
    json_int_t value = *ret_value;
    vt_status status = read_integer(obj, who, key, 0, INT_MAX, &value);
    *ret_value = (int)value;
    return status;
}

static vt_status read_time(const json_t *obj, const char *who, const char *key, int64_t *ret_value)
{
    json_int_t value = *ret_value;
    vt_status status = read_integer(obj, who, key, INT64_MIN, INT64_MAX, &value);
    *ret_value = value;
    return status;
}

/* Everything after the id; @who is the valid id. With @share, "embedded"
 * and "custom" are taken by reference instead of copied: only for a tree
 * the caller drops right after (parse_record's), which then leaves them
 * to the asset alone. */
static vt_status read_fields(const json_t *json, const char *who, bool share, vt_asset *asset)
{
    vt_status status;
    const json_t *field;
    const char *text;

    if ((status = read_string(json, who, "department", true, &asset->department)) != VT_OK)
        return status;

    /* The state, digest and visibility are read in place (the copies that
     * were checked, then freed, showed in a site rebuild, which loads every
     * asset). The text stops at a NUL, as the copy did. */
    if ((status = read_text(json, who, "state", true, &field)) != VT_OK)
        return status;
    text = json_string_value(field);
    if (!vt_asset_state_parse(text, &asset->state))
        return vt_error_set(VT_ERR_INVALID, "asset %s: unknown state \"%s\"", who, text);

    if ((status = read_text(json, who, "sha256", true, &field)) != VT_OK)
        return status;
    text = json_string_value(field);
    if (!sha256_valid(text, false))
        return vt_error_set(VT_ERR_INVALID, "asset %s: \"sha256\" is not 64 hex digits", who);
    for (int i = 0; i < 64; i++)
        asset->sha256[i] = g_ascii_tolower(text[i]);
    asset->sha256[64] = '\0';

    if ((status = read_text(json, who, "visibility", false, &field)) != VT_OK)
        return status;
    text = json_string_value(field);
    if (text && !vt_visibility_parse(text, &asset->visibility))
        return vt_error_set(VT_ERR_INVALID, "asset %s: unknown visibility \"%s\"", who, text);

    json_int_t size = 0;
    const json_t *embedded = json_object_get(json, "embedded");
    if (embedded && !json_is_null(embedded) && !json_is_object(embedded))
        return vt_error_set(VT_ERR_INVALID, "asset %s: \"embedded\" is not an object", who);
    const json_t *custom = json_object_get(json, "custom");
    if (custom && !json_is_null(custom) && !json_is_object(custom))
        return vt_error_set(VT_ERR_INVALID, "asset %s: \"custom\" is not an object", who);

    if ((status = read_string(json, who, "source", false, &asset->source)) != VT_OK ||
        (status = read_string(json, who, "original", false, &asset->original)) != VT_OK ||
        (status = read_string(json, who, "image", false, &asset->image)) != VT_OK ||
        (status = read_string(json, who, "tiles", false, &asset->tiles)) != VT_OK ||
        (status = read_string(json, who, "thumbnail", false, &asset->thumbnail)) != VT_OK ||
        (status = read_string(json, who, "download", false, &asset->download)) != VT_OK ||
        (status = read_string(json, who, "format", false, &asset->format)) != VT_OK ||
        (status = read_string(json, who, "intervention", false, &asset->intervention)) != VT_OK ||
        (status = read_string(json, who, "reason", false, &asset->reason)) != VT_OK ||
        (status = read_integer(json, who, "size", 0, INT64_MAX, &size)) != VT_OK ||
        (status = read_int(json, who, "width", &asset->width)) != VT_OK ||
        (status = read_int(json, who, "height", &asset->height)) != VT_OK ||
        (status = read_int(json, who, "attempts", &asset->attempts)) != VT_OK ||
        (status = read_time(json, who, "created", &asset->created)) != VT_OK ||
        (status = read_time(json, who, "updated", &asset->updated)) != VT_OK ||
        (status = read_time(json, who, "next_attempt", &asset->next_attempt)) != VT_OK)
        return status;
    asset->size = (uint64_t)size;
    if (embedded && json_is_object(embedded))
        asset->embedded = share ? json_incref((json_t *)embedded) : json_deep_copy(embedded);
    if (custom && json_is_object(custom))
        asset->custom = share ? json_incref((json_t *)custom) : json_deep_copy(custom);
    return VT_OK;
}

static vt_status from_json(const json_t *json, bool share, vt_asset **ret_asset)
{
    if (!json_is_object(json))
        return vt_error_set(VT_ERR_INVALID, "an asset record is not a JSON object");

    const json_t *version = json_object_get(json, "v");
    if (version && !json_is_null(version)) {
        if (!json_is_integer(version) || json_integer_value(version) < 1)
            return vt_error_set(VT_ERR_INVALID, "an asset record has a bad \"v\"");
        if (json_integer_value(version) > VT_ASSET_VERSION)
            return vt_error_set(VT_ERR_INVALID,
                                "an asset record has version %" JSON_INTEGER_FORMAT
                                ", newer than this vitrine knows (%d): upgrade vitrine",
                                json_integer_value(version), VT_ASSET_VERSION);
    }

    const json_t *id = json_object_get(json, "id");
    if (!json_is_string(id))
        return vt_error_set(VT_ERR_INVALID, "an asset record has no \"id\" string");
    if (!vt_asset_id_valid(json_string_value(id)) ||
        strlen(json_string_value(id)) != json_string_length(id))
        return vt_error_set(VT_ERR_INVALID, "asset id \"%.*s\" is not 1 to %d of [a-z0-9]", 80,
                            json_string_value(id), VT_ASSET_ID_MAX);

    vt_asset *asset = vt_asset_new();
    asset->id = g_strdup(json_string_value(id));
    vt_status status = read_fields(json, asset->id, share, asset);
    if (status != VT_OK) {
        vt_asset_free(asset);
        return status;
    }
    *ret_asset = asset;
    return VT_OK;
}

vt_status vt_asset_from_json(const json_t *json, vt_asset **ret_asset)
{
    return from_json(json, false, ret_asset);
}

/* --- the store --- */

/* The "sha256" and "state" of a stored record, leniently: a record that
 * does not parse gives false, and callers then leave its index alone. */
static bool stored_digest_state(vt_txn *txn, const char *id, char ret_sha256[65],
                                bool *ret_quarantined)
{
    const void *val;
    size_t len;
    if (!vt_txn_get(txn, VT_TABLE_ASSETS, id, &val, &len) || len > VT_STORE_JSON_MAX)
        return false;
    json_t *json = vt_jsonparse_load(val, len, 0, NULL);
    const char *sha256 = json_string_value(json_object_get(json, "sha256"));
    const char *state = json_string_value(json_object_get(json, "state"));
    bool ok = sha256_valid(sha256, false);
    if (ok) {
        for (int i = 0; i < 65; i++)
            ret_sha256[i] = g_ascii_tolower(sha256[i]);
        *ret_quarantined = state && strcmp(state, state_names[VT_ASSET_QUARANTINED]) == 0;
    }
    json_decref(json);
    return ok;
}

/* True if SHA256[sha256] holds exactly @id. */
static bool index_points_to(vt_txn *txn, const char *sha256, const char *id)
{
    const void *val;
    size_t len;
    return vt_txn_get(txn, VT_TABLE_SHA256, sha256, &val, &len) && len == strlen(id) &&
           memcmp(val, id, len) == 0;
}

static void index_drop(vt_txn *txn, const char *sha256, const char *id)
{
    if (index_points_to(txn, sha256, id))
        vt_txn_del(txn, VT_TABLE_SHA256, sha256);
}

static void index_claim(vt_txn *txn, const char *sha256, const char *id)
{
    const void *val;
    size_t len;
    if (vt_txn_get(txn, VT_TABLE_SHA256, sha256, &val, &len)) {
        if (len == strlen(id) && memcmp(val, id, len) == 0)
            return;
        /* Another asset holds the digest: keep it unless it is stale. */
        g_autofree char *other = g_strndup(val, len);
        if (strlen(other) == len && vt_asset_id_valid(other) &&
            vt_txn_get(txn, VT_TABLE_ASSETS, other, NULL, NULL)) {
            char other_sha256[65];
            bool quarantined = false;
            /* A record we cannot read is not known to be stale: keep. */
            if (!stored_digest_state(txn, other, other_sha256, &quarantined) ||
                (strcmp(other_sha256, sha256) == 0 && !quarantined))
                return;
        }
    }
    if (vt_txn_status(txn) == VT_OK)
        vt_txn_put(txn, VT_TABLE_SHA256, sha256, id, strlen(id));
}

void vt_asset_put(vt_txn *txn, const vt_asset *asset)
{
    if (vt_txn_status(txn) != VT_OK)
        return;
    if (asset == NULL) {
        vt_txn_fail(txn, vt_error_set(VT_ERR_INTERNAL, "vt_asset_put() without an asset"));
        return;
    }
    /* Never store a record that would not read back: run it through the
     * reader's checks (id, required fields, ranges) before writing. */
    json_t *json = NULL;
    vt_asset *check = NULL;
    vt_status status = asset_json(asset, &json);
    if (status == VT_OK)
        status = vt_asset_from_json(json, &check);
    vt_asset_free(check);
    if (status == VT_OK && (strnlen(asset->sha256, sizeof asset->sha256) != 64 ||
                            !sha256_valid(asset->sha256, true)))
        status = vt_error_set(VT_ERR_INVALID, "asset %s: sha256 is not in lowercase", asset->id);
    if (status != VT_OK) {
        json_decref(json);
        vt_txn_fail(txn, status);
        return;
    }

    /* If the digest changed, the entry of the old one no longer holds. */
    char old_sha256[65];
    bool old_quarantined;
    if (stored_digest_state(txn, asset->id, old_sha256, &old_quarantined) &&
        strcmp(old_sha256, asset->sha256) != 0)
        index_drop(txn, old_sha256, asset->id);

    vt_txn_put_json(txn, VT_TABLE_ASSETS, asset->id, json);
    json_decref(json);
    if (asset->state == VT_ASSET_QUARANTINED)
        index_drop(txn, asset->sha256, asset->id);
    else
        index_claim(txn, asset->sha256, asset->id);
}

/* A stored record to an asset; corruption fails the txn. */
static vt_status parse_record(vt_txn *txn, const char *id, const void *val, size_t len,
                              vt_asset **ret_asset)
{
    vt_status status = VT_OK;
    vt_asset *asset = NULL;
    json_error_t error;
    /* vt_jsonparse: json_loadb()'s tree and errors, at a fraction of its
     * cost (it was 13% of a site rebuild, which reads every record). */
    json_t *json = len <= VT_STORE_JSON_MAX ? vt_jsonparse_load(val, len, 0, &error) : NULL;

    if (json == NULL)
        status = vt_error_set(VT_ERR_STORE, "corrupt record assets[\"%s\"]: %s", id,
                              len <= VT_STORE_JSON_MAX ? error.text : "too large");
    /* The record's tree is ours and dropped below: the asset may keep its
     * "embedded" and "custom" without a copy (a deep copy and its free
     * were 3% of a site rebuild, which loads every asset). */
    else if (from_json(json, true, &asset) != VT_OK) {
        g_autofree char *why = g_strdup(vt_error_message());
        status = vt_error_set(VT_ERR_STORE, "corrupt record assets[\"%s\"]: %s", id, why);
    } else if (strcmp(asset->id, id) != 0) {
        status = vt_error_set(VT_ERR_STORE, "corrupt record assets[\"%s\"]: it has id \"%s\"", id,
                              asset->id);
        g_clear_pointer(&asset, vt_asset_free);
    }
    json_decref(json);
    if (status != VT_OK)
        return vt_txn_fail(txn, status);
    *ret_asset = asset;
    return VT_OK;
}

vt_status vt_asset_get(vt_txn *txn, const char *id, vt_asset **ret_asset)
{
    vt_status status = vt_txn_status(txn);
    if (status != VT_OK)
        return status;
    if (!vt_asset_id_valid(id))
        return vt_error_set(VT_ERR_NOT_FOUND, "no asset \"%.*s\" (asset ids are [a-z0-9])", 80,
                            id ? id : "");
    const void *val;
    size_t len;
    if (!vt_txn_get(txn, VT_TABLE_ASSETS, id, &val, &len)) {
        status = vt_txn_status(txn);
        return status != VT_OK ? status : vt_error_set(VT_ERR_NOT_FOUND, "no asset \"%s\"", id);
    }
    return parse_record(txn, id, val, len, ret_asset);
}

char *vt_asset_find_sha256(vt_txn *txn, const char *sha256)
{
    if (!sha256_valid(sha256, false))
        return NULL;
    char key[65];
    for (int i = 0; i < 65; i++)
        key[i] = g_ascii_tolower(sha256[i]);
    const void *val;
    size_t len;
    if (!vt_txn_get(txn, VT_TABLE_SHA256, key, &val, &len))
        return NULL;
    return g_strndup(val, len);
}

typedef struct {
    vt_txn *txn;
    vt_asset_iter_fn fn;
    void *data;
} foreach_ctx;

static bool foreach_one(const char *key, size_t key_len, const void *val, size_t val_len,
                        void *data)
{
    foreach_ctx *ctx = data;
    vt_asset *asset = NULL;
    if (parse_record(ctx->txn, key, val, val_len, &asset) != VT_OK)
        return false;
    bool more = ctx->fn(asset, ctx->data);
    vt_asset_free(asset);
    return more;
}

void vt_asset_foreach(vt_txn *txn, vt_asset_iter_fn fn, void *data)
{
    foreach_ctx ctx = { .txn = txn, .fn = fn, .data = data };
    vt_txn_foreach(txn, VT_TABLE_ASSETS, NULL, foreach_one, &ctx);
}

const char *vt_asset_file_name(const vt_asset *asset)
{
    if (!asset->source || !*asset->source)
        return NULL;
    const char *slash = strrchr(asset->source, '/');
    return slash && slash[1] ? slash + 1 : asset->source;
}

void vt_asset_apply_visibility(vt_asset *asset, const vt_config *config)
{
    const vt_department *dept = vt_config_department(config, asset->department);
    const char *vis = json_string_value(
        json_object_get(json_array_get(json_object_get(asset->custom, "visibility"), 0), "value"));
    if (!vis || !vt_visibility_parse(vis, &asset->visibility))
        asset->visibility = dept ? dept->visibility : asset->visibility;
}
