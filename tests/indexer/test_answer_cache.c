/* Tests of indexer/vt_answer_cache: an answer comes back byte for byte
 * (embedded NULs included), the least recently used entry goes first (a
 * lookup counts as a use), the budget holds under a flood of distinct keys,
 * an entry over an eighth of the budget is refused without dropping
 * anything, a key stored again replaces its answer, and clear empties. */
#include "vt_answer_cache.h"

#include <string.h>

static bool has(vt_answer_cache *cache, const char *key)
{
    const char *data = NULL;
    gsize len = 0;
    return vt_answer_cache_lookup(cache, key, &data, &len);
}

static void test_round_trip(void)
{
    vt_answer_cache *cache = vt_answer_cache_new(1 << 20);
    static const char answer[] = "Status: 200 OK\r\n\r\n{\"a\":\"\0b\"}\n";
    g_assert_true(vt_answer_cache_store(cache, "{\"q\":\"a\"}", answer, sizeof answer - 1));
    const char *data = "untouched";
    gsize len = 7;
    g_assert_false(vt_answer_cache_lookup(cache, "{\"q\":\"b\"}", &data, &len));
    g_assert_cmpstr(data, ==, "untouched");
    g_assert_cmpuint(len, ==, 7);
    g_assert_true(vt_answer_cache_lookup(cache, "{\"q\":\"a\"}", &data, &len));
    g_assert_cmpmem(data, len, answer, sizeof answer - 1);
    /* Stored again: the new answer replaces the old, one entry. */
    g_assert_true(vt_answer_cache_store(cache, "{\"q\":\"a\"}", "new", 3));
    g_assert_true(vt_answer_cache_lookup(cache, "{\"q\":\"a\"}", &data, &len));
    g_assert_cmpmem(data, len, "new", 3);
    vt_answer_cache_stats s;
    vt_answer_cache_get_stats(cache, &s);
    g_assert_cmpuint(s.entries, ==, 1);
    g_assert_cmpuint(s.hits, ==, 2);
    g_assert_cmpuint(s.misses, ==, 1);
    g_assert_cmpuint(s.stored, ==, 2);
    vt_answer_cache_clear(cache);
    g_assert_false(has(cache, "{\"q\":\"a\"}"));
    vt_answer_cache_get_stats(cache, &s);
    g_assert_cmpuint(s.entries, ==, 0);
    g_assert_cmpuint(s.bytes, ==, 0);
    /* Usable after a clear. */
    g_assert_true(vt_answer_cache_store(cache, "k", "v", 1));
    g_assert_true(has(cache, "k"));
    vt_answer_cache_free(cache);
    vt_answer_cache_free(NULL);
}

static void test_least_recently_used(void)
{
    /* Room for exactly four entries of 1000 bytes under keys of one
     * character: each costs an eighth of the budget at most. */
    gsize cost = vt_answer_cache_cost("a", 1000);
    vt_answer_cache *cache = vt_answer_cache_new(8 * cost);
    char answer[1000];
    memset(answer, 'x', sizeof answer);
    const char *keys[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    for (int i = 0; i < 8; i++)
        g_assert_true(vt_answer_cache_store(cache, keys[i], answer, sizeof answer));
    vt_answer_cache_stats s;
    vt_answer_cache_get_stats(cache, &s);
    g_assert_cmpuint(s.entries, ==, 8);
    g_assert_cmpuint(s.bytes, ==, 8 * cost);
    /* A use of "a" makes "b" the least recently used: "i" drops "b". */
    g_assert_true(has(cache, "a"));
    g_assert_true(vt_answer_cache_store(cache, "i", answer, sizeof answer));
    g_assert_false(has(cache, "b"));
    g_assert_true(has(cache, "a"));
    g_assert_true(has(cache, "c"));
    /* Then "d" (c was just used, and a before it). */
    g_assert_true(vt_answer_cache_store(cache, "j", answer, sizeof answer));
    g_assert_false(has(cache, "d"));
    g_assert_true(has(cache, "e"));
    vt_answer_cache_get_stats(cache, &s);
    g_assert_cmpuint(s.entries, ==, 8);
    g_assert_cmpuint(s.dropped, ==, 2);
    vt_answer_cache_free(cache);
}

static void test_bounds(void)
{
    gsize budget = 64 * 1024;
    vt_answer_cache *cache = vt_answer_cache_new(budget);
    /* Over an eighth of the budget: refused, and nothing dropped. */
    g_assert_true(vt_answer_cache_store(cache, "small", "1", 1));
    g_autofree char *big = g_malloc0(budget / 8);
    g_assert_false(vt_answer_cache_store(cache, "big", big, budget / 8));
    g_assert_false(has(cache, "big"));
    g_assert_true(has(cache, "small"));
    /* Just at an eighth: kept. */
    gsize fits = budget / 8 - vt_answer_cache_cost("big", 0);
    g_assert_true(vt_answer_cache_store(cache, "big", big, fits));
    g_assert_true(has(cache, "big"));
    /* A flood of distinct keys and answers of every size: the cost never
     * passes the budget, and the newest entry is always there. */
    GRand *rand = g_rand_new_with_seed(14);
    vt_answer_cache_stats s;
    for (int i = 0; i < 20000; i++) {
        char key[32];
        g_snprintf(key, sizeof key, "q=%d", i);
        gsize len = (gsize)g_rand_int_range(rand, 0, (gint32)(budget / 8 - vt_answer_cache_cost(key, 0) + 1));
        g_assert_true(vt_answer_cache_store(cache, key, big, len));
        vt_answer_cache_get_stats(cache, &s);
        g_assert_cmpuint(s.bytes, <=, budget);
        g_assert_true(has(cache, key));
    }
    g_assert_cmpuint(s.entries, >=, 8);
    g_assert_cmpuint(s.dropped, >=, 20000 - s.entries);
    g_rand_free(rand);
    vt_answer_cache_free(cache);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/answer_cache/round-trip", test_round_trip);
    g_test_add_func("/answer_cache/least-recently-used", test_least_recently_used);
    g_test_add_func("/answer_cache/bounds", test_bounds);
    return g_test_run();
}
