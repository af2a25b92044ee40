/* vt_publog.c: listing positions, per-audience counters, the activity log
 * and dirty marks (see vt_publog.h). */
#include "vt_publog.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SEP "\x1f"

const char *vt_audience_name(vt_audience audience)
{
    return audience == VT_AUDIENCE_INTERNAL ? "internal" : "public";
}

bool vt_publog_visible(const vt_asset *a, vt_audience audience)
{
    if (!a || a->state != VT_ASSET_READY)
        return false;
    return audience == VT_AUDIENCE_INTERNAL || a->visibility == VT_VISIBILITY_PUBLIC;
}

/* ---- counters in META (decimal text) ---- */

static uint64_t meta_get_u64(vt_txn *txn, const char *key)
{
    const void *val;
    size_t len;
    char text[24];
    if (!vt_txn_get(txn, VT_TABLE_META, key, &val, &len) || len == 0 || len >= sizeof text)
        return 0;
    memcpy(text, val, len);
    text[len] = '\0';
    return g_ascii_strtoull(text, NULL, 10);
}

static void meta_put_u64(vt_txn *txn, const char *key, uint64_t value)
{
    char text[24];
    int n = snprintf(text, sizeof text, "%" PRIu64, value);
    vt_txn_put(txn, VT_TABLE_META, key, text, (size_t)n);
}

static char *count_key(const char *department, vt_audience audience)
{
    return g_strconcat("count.", vt_audience_name(audience), ".", department, NULL);
}

uint64_t vt_publog_count(vt_txn *txn, const char *department, vt_audience audience)
{
    g_autofree char *key = count_key(department, audience);
    return meta_get_u64(txn, key);
}

static void count_add(vt_txn *txn, const char *department, vt_audience audience, int delta)
{
    g_autofree char *key = count_key(department, audience);
    uint64_t n = meta_get_u64(txn, key);
    if (delta < 0 && n == 0)
        return;  /* never below zero, whatever an older store held */
    meta_put_u64(txn, key, delta < 0 ? n - 1 : n + 1);
}

/* ---- listing ---- */

/* PREFIX "\x1f" SEQ in 16 hex digits: the keys of LISTING and ACTIVITY,
 * which sort in sequence order. */
static char *seq_key(const char *prefix, uint64_t seq)
{
    return g_strdup_printf("%s" SEP "%016" PRIx64, prefix, seq);
}

static char *seq_name(const char *department)
{
    return g_strconcat("listing.", department, NULL);
}

uint64_t vt_publog_last_position(vt_txn *txn, const char *department)
{
    g_autofree char *name = seq_name(department);
    return vt_txn_get_seq(txn, name);
}

uint64_t vt_publog_pages(vt_txn *txn, const char *department)
{
    uint64_t last = vt_publog_last_position(txn, department);
    return last == 0 ? 1 : vt_publog_page_of(last);
}

/* The LISTING value: the ready and public flags, then the id. */
static void listing_put(vt_txn *txn, const char *key, const char *id, bool ready, bool is_public)
{
    size_t id_len = strlen(id);
    char *val = g_malloc(2 + id_len);
    val[0] = ready ? 'r' : '-';
    val[1] = is_public ? 'p' : '-';
    memcpy(val + 2, id, id_len);
    vt_txn_put(txn, VT_TABLE_LISTING, key, val, 2 + id_len);
    g_free(val);
}

/* The LISTING key of @id, or NULL. */
static char *position_key(vt_txn *txn, const char *id)
{
    const void *val;
    size_t len;
    if (!vt_txn_get(txn, VT_TABLE_POSITION, id, &val, &len))
        return NULL;
    return g_strndup(val, len);
}

static void listing_update(vt_txn *txn, const vt_asset *before, const vt_asset *after)
{
    if (!after) {
        /* The entry stays, shown as nothing: the page that listed the asset
         * is still found (and rewritten) from its position. */
        g_autofree char *key = position_key(txn, before->id);
        if (key)
            listing_put(txn, key, before->id, false, false);
        return;
    }
    g_autofree char *key = position_key(txn, after->id);
    if (!key) {
        if (after->state != VT_ASSET_READY)
            return;  /* listed from the first time it can be shown */
        g_autofree char *name = seq_name(after->department);
        uint64_t pos = vt_txn_next_seq(txn, name);
        if (pos == 0)
            return;  /* the txn failed */
        key = seq_key(after->department, pos);
        vt_txn_put(txn, VT_TABLE_POSITION, after->id, key, strlen(key));
    }
    listing_put(txn, key, after->id, after->state == VT_ASSET_READY,
                after->visibility == VT_VISIBILITY_PUBLIC);
}

uint64_t vt_publog_position(vt_txn *txn, const char *id, char **ret_department)
{
    g_autofree char *key = position_key(txn, id);
    if (!key)
        return 0;
    char *sep = strchr(key, '\x1f');
    if (!sep)
        return 0;
    *sep = '\0';
    if (ret_department)
        *ret_department = g_strdup(key);
    return g_ascii_strtoull(sep + 1, NULL, 16);
}

typedef struct {
    uint64_t last;
    GArray *out;
} range_ctx;

static bool collect_range(const char *key, size_t key_len, const void *val, size_t len,
                          void *data)
{
    range_ctx *ctx = data;
    const char *sep = memchr(key, '\x1f', key_len);
    if (!sep)
        return true;
    vt_publog_entry e = {0};
    e.position = g_ascii_strtoull(sep + 1, NULL, 16);
    if (e.position > ctx->last)
        return false;
    if (len < 3 || len - 2 > VT_ASSET_ID_MAX)
        return true;  /* not ours: skipped rather than trusted */
    const char *v = val;
    e.ready = v[0] == 'r';
    e.is_public = v[1] == 'p';
    memcpy(e.id, v + 2, len - 2);
    e.id[len - 2] = '\0';
    g_array_append_val(ctx->out, e);
    return true;
}

void vt_publog_range(vt_txn *txn, const char *department, uint64_t first, uint64_t last,
                     GArray *ret_entries)
{
    g_autofree char *prefix = g_strconcat(department, SEP, NULL);
    g_autofree char *from = seq_key(department, first);
    range_ctx ctx = {last, ret_entries};
    vt_txn_foreach_from(txn, VT_TABLE_LISTING, prefix, from, collect_range, &ctx);
}

static bool backfill_one(const vt_asset *a, void *data)
{
    vt_txn *txn = ((void **)data)[0];
    unsigned *n = ((void **)data)[1];
    if (a->state != VT_ASSET_READY || vt_txn_get(txn, VT_TABLE_POSITION, a->id, NULL, NULL))
        return true;
    listing_update(txn, NULL, a);
    for (int au = 0; au < VT_AUDIENCE__COUNT; au++)
        if (vt_publog_visible(a, (vt_audience)au))
            count_add(txn, a->department, (vt_audience)au, +1);
    (*n)++;
    return true;
}

unsigned vt_publog_backfill(vt_txn *txn)
{
    unsigned n = 0;
    void *ctx[2] = {txn, &n};
    vt_asset_foreach(txn, backfill_one, ctx);
    return n;
}

/* ---- activity ---- */

static char *activity_seq_name(vt_audience audience)
{
    return g_strconcat("activity.", vt_audience_name(audience), NULL);
}

static void activity_log(vt_txn *txn, vt_audience audience, char type, const char *id)
{
    g_autofree char *name = activity_seq_name(audience);
    uint64_t seq = vt_txn_next_seq(txn, name);
    if (seq == 0)
        return;
    g_autofree char *key = seq_key(vt_audience_name(audience), seq);
    g_autofree char *val = g_strdup_printf("%c %" G_GINT64_FORMAT " %s", type,
                                           (gint64)g_get_real_time() / G_USEC_PER_SEC, id);
    vt_txn_put(txn, VT_TABLE_ACTIVITY, key, val, strlen(val));
}

uint64_t vt_publog_activity_last(vt_txn *txn, vt_audience audience)
{
    g_autofree char *name = activity_seq_name(audience);
    return vt_txn_get_seq(txn, name);
}

typedef struct {
    uint64_t last;
    vt_publog_activity_fn fn;
    void *data;
} activity_ctx;

static bool each_activity(const char *key, size_t key_len, const void *val, size_t len,
                          void *data)
{
    activity_ctx *ctx = data;
    const char *sep = memchr(key, '\x1f', key_len);
    if (!sep)
        return true;
    vt_publog_activity act = {0};
    act.seq = g_ascii_strtoull(sep + 1, NULL, 16);
    if (act.seq > ctx->last)
        return false;
    char text[VT_ASSET_ID_MAX + 40];
    if (len >= sizeof text)
        return true;
    memcpy(text, val, len);
    text[len] = '\0';
    char type;
    gint64 t;
    char id[VT_ASSET_ID_MAX + 1];
    if (sscanf(text, "%c %" G_GINT64_FORMAT " %128s", &type, &t, id) != 3)
        return true;
    act.type = type == 'C' ? "Create" : type == 'D' ? "Delete" : "Update";
    act.time = t;
    g_strlcpy(act.id, id, sizeof act.id);
    return ctx->fn(&act, ctx->data);
}

void vt_publog_activities(vt_txn *txn, vt_audience audience, uint64_t first, uint64_t last,
                          vt_publog_activity_fn fn, void *data)
{
    const char *name = vt_audience_name(audience);
    g_autofree char *prefix = g_strconcat(name, SEP, NULL);
    g_autofree char *from = seq_key(name, first);
    activity_ctx ctx = {last, fn, data};
    vt_txn_foreach_from(txn, VT_TABLE_ACTIVITY, prefix, from, each_activity, &ctx);
}

/* ---- dirty marks ---- */

static void mark(vt_txn *txn, const char *kind, const char *name)
{
    g_autofree char *key = g_strconcat(kind, SEP, name, NULL);
    vt_txn_put(txn, VT_TABLE_DIRTY, key, "", 0);
}

typedef struct {
    GPtrArray *assets, *interventions;
} dirty_ctx;

static bool collect_dirty(const char *key, size_t key_len, const void *val, size_t len,
                          void *data)
{
    dirty_ctx *ctx = data;
    if (key_len < 3 || key[1] != '\x1f')
        return true;
    if (key[0] == 'a')
        g_ptr_array_add(ctx->assets, g_strdup(key + 2));
    else if (key[0] == 'i')
        g_ptr_array_add(ctx->interventions, g_strdup(key + 2));
    return true;
}

void vt_publog_dirty(vt_txn *txn, GPtrArray *ret_assets, GPtrArray *ret_interventions)
{
    dirty_ctx ctx = {ret_assets, ret_interventions};
    vt_txn_foreach(txn, VT_TABLE_DIRTY, NULL, collect_dirty, &ctx);
}

void vt_publog_clear_dirty(vt_txn *txn, GPtrArray *assets, GPtrArray *interventions)
{
    for (guint i = 0; assets && i < assets->len; i++) {
        g_autofree char *key = g_strconcat("a" SEP, (char *)g_ptr_array_index(assets, i), NULL);
        vt_txn_del(txn, VT_TABLE_DIRTY, key);
    }
    for (guint i = 0; interventions && i < interventions->len; i++) {
        g_autofree char *key =
            g_strconcat("i" SEP, (char *)g_ptr_array_index(interventions, i), NULL);
        vt_txn_del(txn, VT_TABLE_DIRTY, key);
    }
}

/* ---- the change ---- */

void vt_publog_asset_changed(vt_txn *txn, const vt_asset *before, const vt_asset *after)
{
    const vt_asset *any = after ? after : before;
    if (!any)
        return;
    listing_update(txn, before, after);
    for (int i = 0; i < VT_AUDIENCE__COUNT; i++) {
        vt_audience au = (vt_audience)i;
        bool was = vt_publog_visible(before, au), is = vt_publog_visible(after, au);
        if (was != is)
            count_add(txn, any->department, au, is ? +1 : -1);
        if (was || is)
            activity_log(txn, au, !was ? 'C' : !is ? 'D' : 'U', any->id);
    }
    mark(txn, "a", any->id);
    if (before && before->intervention &&
        g_strcmp0(before->intervention, after ? after->intervention : NULL) != 0)
        mark(txn, "i", before->intervention);
}

void vt_publog_touch(vt_txn *txn, const vt_asset *a)
{
    for (int i = 0; i < VT_AUDIENCE__COUNT; i++)
        if (vt_publog_visible(a, (vt_audience)i))
            activity_log(txn, (vt_audience)i, 'U', a->id);
    mark(txn, "a", a->id);
}
