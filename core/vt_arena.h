/* vt_arena.h: jansson's memory from one arena, for a process that answers
 * one request and exits.
 *
 * The search CGI builds its answer as a jansson tree: thousands of small
 * allocations (an object, its hash table, every key, every string), each
 * freed again before exit. malloc and free of those were a tenth of a
 * request's instructions. Between vt_arena_json_begin() and
 * vt_arena_json_end(), jansson allocates from large blocks instead, a
 * pointer bump each, and its frees do nothing; the end gives all the
 * blocks back at once.
 *
 * Who calls it: indexer/vitrine-search.c, around all of its work. Not for
 * a long-lived process: memory that jansson frees is not reused before the
 * end, so a loop that builds and drops values grows the arena. Past
 * VT_ARENA_JSON_MAX bytes jansson gets NULL (as from a failing malloc), so a
 * runaway request fails with "out of memory" rather than taking the
 * machine's memory.
 *
 * Rules: begin before any jansson value exists, end when none is left in
 * use (a value from the arena must not reach json_decref() after the end:
 * the default free would get an arena pointer). One thread: jansson values
 * are only made on the thread that began. Begin and end are not nested.
 */
#ifndef VT_ARENA_H
#define VT_ARENA_H

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

#endif
