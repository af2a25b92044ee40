/* vt_answer_cache.h: whole answers kept in memory by key, within a byte
 * budget, the least recently used dropped first.
 *
 * Who calls it: vitrine-search.cgi in FastCGI mode, one cache per process
 * (a CGI answers one request and exits: it has nothing to keep). The
 * caller decides what a key stands for and when every entry stops being
 * valid (vt_answer_cache_clear: a new index revision, another config); this
 * module only keeps, bounds and orders. Keys are NUL-terminated strings,
 * answers any bytes.
 *
 * Bounds: an entry costs its answer's and its key's bytes plus
 * VT_ANSWER_CACHE_ENTRY_COST for the bookkeeping (an estimate of the entry
 * header, the hash table's slot and malloc's headers), and the entries'
 * costs together never exceed the budget given to vt_answer_cache_new():
 * storing past it drops the least recently used entries first, and an
 * entry costing more than an eighth of the budget is not kept at all. A
 * client sending only distinct requests therefore makes the cache drop
 * entries, never grow. The table hashes keys with g_str_hash, whose
 * collisions a client can make on purpose: a lookup then walks the
 * colliding entries, at most all of them, which the budget bounds.
 *
 * Threads: one at a time (a FastCGI process serves one request at a time).
 */
#ifndef VT_ANSWER_CACHE_H
#define VT_ANSWER_CACHE_H

#include <glib.h>
#include <stdbool.h>

#define VT_ANSWER_CACHE_ENTRY_COST 96

typedef struct vt_answer_cache vt_answer_cache;

typedef struct {
    guint64 hits, misses;   /* lookups since _new */
    guint64 stored;         /* answers kept (not counting those too large) */
    guint64 dropped;        /* entries dropped to make room */
    guint entries;          /* now */
    gsize bytes;            /* their cost now, at most the budget */
} vt_answer_cache_stats;

/* An empty cache whose entries cost at most @budget bytes in all (> 0);
 * owned by the caller (vt_answer_cache_free). */
vt_answer_cache *vt_answer_cache_new(gsize budget);

/* What an entry of @key and @len bytes of answer counts against a budget. */
gsize vt_answer_cache_cost(const char *key, gsize len);

/* Frees @cache and its entries. NULL: no-op. */
void vt_answer_cache_free(vt_answer_cache *cache);

/* The answer kept for @key: true, and *ret_data (borrowed: valid until the
 * next call that stores or clears) and *ret_len set; the entry becomes the
 * most recently used. False (a miss): the ret_ parameters are untouched. */
bool vt_answer_cache_lookup(vt_answer_cache *cache, const char *key, const char **ret_data,
                            gsize *ret_len);

/* Keeps a copy of @len bytes of @data as the answer for @key (replacing
 * one kept before), the most recently used, after dropping the least
 * recently used entries that leave no room for it. Returns false, keeping
 * nothing and dropping nothing, if the entry would cost more than an
 * eighth of the budget. */
bool vt_answer_cache_store(vt_answer_cache *cache, const char *key, const char *data, gsize len);

/* Drops every entry (the counters of hits and misses stay). */
void vt_answer_cache_clear(vt_answer_cache *cache);

void vt_answer_cache_get_stats(const vt_answer_cache *cache, vt_answer_cache_stats *ret_stats);

#endif
