/* vt_arena.h: memory for a process that answers one request and exits
 * (the search CGI): jansson's values from one arena, and the heap in huge
 * pages.
 *
 * The arena. The search CGI builds its answer as a jansson tree: thousands
 * of small allocations (an object, its hash table, every key, every
 * string), each freed again before exit. malloc and free of those were a
 * tenth of a request's instructions. Between vt_arena_json_begin() and
 * vt_arena_json_end(), jansson allocates from large blocks instead, a
 * pointer bump each, and its frees do nothing; the end gives all the
 * blocks back at once. Not for a long-lived process: memory that jansson
 * frees is not reused before the end, so a loop that builds and drops
 * values grows the arena. Past the limit given to vt_arena_json_begin()
 * jansson gets NULL (as from a failing malloc), so a runaway request fails
 * with "out of memory" rather than taking the machine's memory.
 * Rules: begin before any jansson value exists, end when none is left in
 * use (a value from the arena must not reach json_decref() after the end:
 * the default free would get an arena pointer). One thread: jansson values
 * are only made on the thread that began. Begin and end are not nested.
 *
 * Huge pages. A fresh process touches every page of its heap for the first
 * time, and on the virtual machines measured a first touch of a 4 KB page
 * cost 7 to 11 us (the host backs guest memory lazily), about 90 of them
 * per search: a tenth of a request. One 2 MB transparent huge page costs
 * about as much as 40 small ones and holds the whole heap of a search at
 * 20,000 documents. vt_arena_heap_in_huge_pages() lays out glibc's heap so
 * that what the process allocates next comes from VT_ARENA_HEAP_HUGE bytes
 * marked MADV_HUGEPAGE, keeps large blocks in that heap (rather than in
 * separate mappings) and freed memory in it (no trimming). Best effort and
 * harmless where it cannot help: without transparent huge pages
 * (/sys/kernel/mm/transparent_hugepage/enabled = never) the heap stays in
 * small pages; under AddressSanitizer (own allocator) it does nothing. A
 * huge page is resident whole: 2 to 4 MB per search process.
 */
#ifndef VT_ARENA_H
#define VT_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#define VT_ARENA_JSON_BLOCK (64 * 1024)            /* bytes per block */
#define VT_ARENA_JSON_MAX   ((size_t)256 << 20)    /* the search CGI's limit */

/* Routes jansson's allocations to the arena (json_set_alloc_funcs), which
 * takes at most @max_bytes from malloc in all. */
void vt_arena_json_begin(size_t max_bytes);

/* Frees every block and gives jansson malloc and free again. */
void vt_arena_json_end(void);

/* Bytes taken from the system so far (blocks and large allocations). */
size_t vt_arena_json_size(void);

#define VT_ARENA_HEAP_HUGE ((size_t)4 << 20)   /* two huge pages */

/* Call first thing in main(), before the process allocates much: see above.
 * Returns whether the heap was laid out (false: not glibc, a sanitizer
 * build, or glibc refused). */
bool vt_arena_heap_in_huge_pages(void);

#endif
