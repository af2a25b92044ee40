/* vt_answer_cache.c: see vt_answer_cache.h.
 *
 * An entry is one allocation: its header, the answer's bytes, then the key
 * (NUL-terminated), which is also the hash table's key. Its link in the
 * recency queue (head: most recently used) is part of the header, so that
 * moving it to the front or dropping it allocates nothing. The invariant:
 * every entry is in both the table and the queue, and cache->bytes is the
 * sum of their costs; entry_remove() and vt_answer_cache_store() keep it.
 */
#include "vt_answer_cache.h"

#include <string.h>

typedef struct {
    GList link;     /* in cache->recent; link.data is the entry */
    gsize len;      /* bytes of the answer, at data */
    gsize cost;     /* what it counts against the budget */
    char *key;      /* points into data, after the answer */
    char data[];
} entry;

struct vt_answer_cache {
    GHashTable *table;  /* key -> entry (owned by the table) */
    GQueue recent;      /* of the entries' links, most recently used first */
    gsize budget, bytes;
    vt_answer_cache_stats stats;
};

vt_answer_cache *vt_answer_cache_new(gsize budget)
{
    vt_answer_cache *cache = g_new0(vt_answer_cache, 1);
    cache->table = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    g_queue_init(&cache->recent);
    cache->budget = budget;
    return cache;
}

void vt_answer_cache_free(vt_answer_cache *cache)
{
    if (!cache)
        return;
    g_hash_table_destroy(cache->table);
    g_free(cache);
}

gsize vt_answer_cache_cost(const char *key, gsize len)
{
    return sizeof(entry) + len + strlen(key) + 1 + VT_ANSWER_CACHE_ENTRY_COST;
}

/* Takes @e out of the queue and the table, which frees it. */
static void entry_remove(vt_answer_cache *cache, entry *e)
{
    g_queue_unlink(&cache->recent, &e->link);
    cache->bytes -= e->cost;
    g_hash_table_remove(cache->table, e->key);
}

bool vt_answer_cache_lookup(vt_answer_cache *cache, const char *key, const char **ret_data,
                            gsize *ret_len)
{
    entry *e = g_hash_table_lookup(cache->table, key);
    if (!e) {
        cache->stats.misses++;
        return false;
    }
    cache->stats.hits++;
    g_queue_unlink(&cache->recent, &e->link);
    g_queue_push_head_link(&cache->recent, &e->link);
    *ret_data = e->data;
    *ret_len = e->len;
    return true;
}

bool vt_answer_cache_store(vt_answer_cache *cache, const char *key, const char *data, gsize len)
{
    gsize key_size = strlen(key) + 1;
    gsize cost = vt_answer_cache_cost(key, len);
    if (cost > cache->budget / 8)
        return false;
    entry *old = g_hash_table_lookup(cache->table, key);
    if (old)
        entry_remove(cache, old);
    while (cache->bytes + cost > cache->budget) {
        GList *last = g_queue_peek_tail_link(&cache->recent);
        entry_remove(cache, last->data);
        cache->stats.dropped++;
    }
    entry *e = g_malloc(sizeof(entry) + len + key_size);
    e->len = len;
    e->cost = cost;
    memcpy(e->data, data, len);
    e->key = e->data + len;
    memcpy(e->key, key, key_size);
    e->link = (GList){.data = e};
    g_queue_push_head_link(&cache->recent, &e->link);
    g_hash_table_insert(cache->table, e->key, e);
    cache->bytes += cost;
    cache->stats.stored++;
    return true;
}

void vt_answer_cache_clear(vt_answer_cache *cache)
{
    g_hash_table_remove_all(cache->table);
    g_queue_init(&cache->recent);
    cache->bytes = 0;
}

void vt_answer_cache_get_stats(const vt_answer_cache *cache, vt_answer_cache_stats *ret_stats)
{
    *ret_stats = cache->stats;
    ret_stats->entries = g_hash_table_size(cache->table);
    ret_stats->bytes = cache->bytes;
}
