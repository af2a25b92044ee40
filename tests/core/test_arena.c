/* test_arena.c: jansson values built between vt_arena_json_begin() and
 * vt_arena_json_end() come from the arena, stay intact until the end, and
 * are written as they would be from malloc; the arena refuses to grow past
 * its limit. vt_arena_heap_in_huge_pages() puts large blocks in the heap,
 * in a region marked for huge pages. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vt_arena.h"
#include "vt_jsonout.h"

/* A tree with small and large strings, nested objects and arrays. */
static json_t *build(size_t hits, size_t big)
{
    json_t *root = json_object();
    json_t *list = json_array();
    char *text = g_malloc(big + 1);
    memset(text, 'x', big);
    text[big] = '\0';
    for (size_t i = 0; i < hits; i++) {
        json_t *hit = json_object();
        json_object_set_new(hit, "id", json_sprintf("%016zx", i));
        json_object_set_new(hit, "rank", json_integer((json_int_t)i + 1));
        json_object_set_new(hit, "snippet", json_string(i % 7 == 0 ? text : "a <mark>word</mark>"));
        json_array_append_new(list, hit);
    }
    json_object_set_new(root, "hits", list);
    g_free(text);
    return root;
}

static void test_same_text(void)
{
    json_t *plain = build(300, 40000);
    char *expected = json_dumps(plain, JSON_COMPACT);
    json_decref(plain);

    vt_arena_json_begin(VT_ARENA_JSON_MAX);
    json_t *v = build(300, 40000);
    g_assert_nonnull(v);
    g_assert_cmpuint(vt_arena_json_size(), >, 0);
    /* Built, dropped and built again: the first tree's memory is not
     * reused, and nothing of the second is overwritten by it. */
    json_t *w = build(300, 40000);
    json_decref(v);
    GString *out = g_string_new(NULL);
    g_assert_cmpint(vt_jsonout_append(out, w), ==, VT_OK);
    g_assert_cmpstr(out->str, ==, expected);
    json_decref(w);
    vt_arena_json_end();
    g_assert_cmpuint(vt_arena_json_size(), ==, 0);

    /* After the end, jansson uses malloc and free again. */
    json_t *after = build(10, 10);
    json_decref(after);
    g_string_free(out, TRUE);
    free(expected);
}

static void test_alignment(void)
{
    vt_arena_json_begin(VT_ARENA_JSON_MAX);
    for (int i = 0; i < 1000; i++) {
        json_t *v = json_real(i * 0.5);
        g_assert_cmpuint((uintptr_t)v % _Alignof(max_align_t), ==, 0);
        g_assert_cmpfloat(json_real_value(v), ==, i * 0.5);
    }
    vt_arena_json_end();
}

static void test_limit(void)
{
    const size_t max = 4 << 20;
    vt_arena_json_begin(max);
    /* One string over the limit: refused, as a failing malloc would be. */
    char *big = g_malloc(max + 1);
    memset(big, 'y', max);
    big[max] = '\0';
    g_assert_null(json_string_nocheck(big));
    /* Strings of 256 KB until the arena is full: the last ones are refused,
     * and the arena stays within its limit. */
    big[256 * 1024] = '\0';
    size_t made = 0;
    json_t *v;
    while ((v = json_string_nocheck(big)) != NULL && made < 1000)
        made++;
    g_assert_null(v);
    g_assert_cmpuint(made, >=, 8);
    g_assert_cmpuint(made, <, 16);
    g_assert_cmpuint(vt_arena_json_size(), <=, max);
    g_free(big);
    vt_arena_json_end();
}

static bool huge_laid_out;

#ifndef VT_SANITIZE   /* the heap is AddressSanitizer's there: nothing to look at */
/* The value of line @key (e.g. "THPeligible:", "AnonHugePages:") of
 * /proc/self/smaps for the mapping holding @p; -1 if not found. */
static long smaps_value(const void *p, const char *key)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    g_assert_nonnull(f);
    char line[512];
    bool inside = false;
    long value = -1;
    size_t n = strlen(key);
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {   /* a mapping's first line */
            inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
            continue;
        }
        if (inside && strncmp(line, key, n) == 0) {
            value = strtol(line + n, NULL, 10);
            break;
        }
    }
    fclose(f);
    return value;
}

/* A counter of /proc/vmstat; -1 if not found. */
static long vmstat(const char *key)
{
    gchar *text = NULL;
    long value = -1;
    if (g_file_get_contents("/proc/vmstat", &text, NULL, NULL)) {
        gchar **lines = g_strsplit(text, "\n", -1);
        for (gchar **l = lines; *l; l++)
            if (g_str_has_prefix(*l, key) && (*l)[strlen(key)] == ' ')
                value = strtol(*l + strlen(key) + 1, NULL, 10);
        g_strfreev(lines);
    }
    g_free(text);
    return value;
}

#endif

static void test_heap_in_huge_pages(void)
{
#ifdef VT_SANITIZE
    /* AddressSanitizer's allocator is not glibc's heap: nothing to lay out. */
    g_assert_false(huge_laid_out);
#else
    g_assert_true(huge_laid_out);
    /* A block of 1 MB comes from the heap (below the break), not from a
     * mapping of its own, and lies where huge pages are allowed. */
    char *block = malloc(1 << 20);
    g_assert_nonnull(block);
    char *brk_now = sbrk(0);
    g_assert_true(block < brk_now);
    g_assert_true(block + (1 << 20) <= brk_now);
    gchar *mode = NULL;
    bool thp = g_file_get_contents("/sys/kernel/mm/transparent_hugepage/enabled", &mode, NULL, NULL) &&
               !strstr(mode, "[never]");
    g_free(mode);
    long fallbacks = vmstat("thp_fault_fallback");
    memset(block, 1, 1 << 20);
    if (thp) {
        g_assert_cmpint(smaps_value(block + (1 << 19), "THPeligible:"), ==, 1);
        /* And it is in a huge page, unless the kernel had none to give
         * (it counts that): a small page touched in the region before it
         * was marked would have kept the whole range in small pages. */
        if (vmstat("thp_fault_fallback") == fallbacks)
            g_assert_cmpint(smaps_value(block + (1 << 19), "AnonHugePages:"), >=, 2048);
        else
            g_test_message("the kernel had no huge page to give");
    }
    /* Freed, it stays in the heap: the break does not move back. */
    free(block);
    g_assert_true((char *)sbrk(0) == brk_now);
#endif
}

int main(int argc, char **argv)
{
    huge_laid_out = vt_arena_heap_in_huge_pages();
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/arena/heap-in-huge-pages", test_heap_in_huge_pages);
    g_test_add_func("/arena/same-text", test_same_text);
    g_test_add_func("/arena/alignment", test_alignment);
    g_test_add_func("/arena/limit", test_limit);
    return g_test_run();
}
