/* vt_arena.c: see vt_arena.h for the contract. */
#include "vt_arena.h"

#include <jansson.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* Every block the arena took from malloc, newest first. */
typedef struct block {
    struct block *next;
    alignas(max_align_t) unsigned char data[];
} block;

#define ALIGN       alignof(max_align_t)
#define LARGE       (VT_ARENA_JSON_BLOCK / 4)   /* own block from here */

static block *blocks;
static unsigned char *bump, *bump_end;   /* free room in the newest small block */
static size_t taken, limit;

static block *new_block(size_t size)
{
    if (size > limit - taken)
        return NULL;
    block *b = malloc(sizeof(block) + size);
    if (!b)
        return NULL;
    b->next = blocks;
    blocks = b;
    taken += size;
    return b;
}

static void *arena_malloc(size_t size)
{
    if (size > limit)
        return NULL;
    size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (size >= LARGE) {
        /* Its own block, so that the bump block keeps its room. */
        block *b = new_block(size);
        return b ? b->data : NULL;
    }
    if ((size_t)(bump_end - bump) < size) {
        block *b = new_block(VT_ARENA_JSON_BLOCK);
        if (!b)
            return NULL;
        bump = b->data;
        bump_end = b->data + VT_ARENA_JSON_BLOCK;
    }
    void *p = bump;
    bump += size;
    return p;
}

static void arena_free(void *p)
{
    (void)p;   /* given back with every block at vt_arena_json_end() */
}

void vt_arena_json_begin(size_t max_bytes)
{
    limit = max_bytes;
    json_set_alloc_funcs(arena_malloc, arena_free);
}

void vt_arena_json_end(void)
{
    json_set_alloc_funcs(malloc, free);
    while (blocks) {
        block *next = blocks->next;
        free(blocks);
        blocks = next;
    }
    bump = bump_end = NULL;
    taken = 0;
}

size_t vt_arena_json_size(void)
{
    return taken;
}

#define HUGE_PAGE ((uintptr_t)2 << 20)

bool vt_arena_heap_in_huge_pages(void)
{
#if defined(__GLIBC__) && !defined(VT_SANITIZE) && defined(MADV_HUGEPAGE)
    /* Large blocks from the heap, and freed memory kept in it. */
    if (!mallopt(M_MMAP_THRESHOLD, 32 << 20) || !mallopt(M_TRIM_THRESHOLD, 64 << 20))
        return false;
    /* Nothing may be written into the region before it is marked: a page
     * touched there first is a small page, and then the whole 2 MB range
     * around it stays in small pages. So the blocks below end short of the
     * boundary and the room reaches past the region. */
    static void *volatile spacer __attribute__((unused)), *volatile room;
    char *brk_now = sbrk(0);
    if (brk_now == (char *)-1)
        return false;
    /* Where the heap hands out its next large block: the start of its top
     * chunk (keepcost is that chunk's size), below the current break. */
    uintptr_t next = (uintptr_t)brk_now - mallinfo2().keepcost;
    uintptr_t start = (next + 4096 + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    /* A block from there to just short of the boundary, never freed: the
     * pages it spans are never touched (only its header's), so it costs
     * address space only; what is allocated after it starts at the
     * boundary. */
    spacer = malloc(start - next - 128);
    /* The heap grown past the region, handed back to the heap. */
    room = malloc(VT_ARENA_HEAP_HUGE + HUGE_PAGE);
    char *end = sbrk(0);
    bool ok = spacer && room && end != (char *)-1 && (uintptr_t)end >= start + VT_ARENA_HEAP_HUGE &&
              madvise((void *)start, VT_ARENA_HEAP_HUGE, MADV_HUGEPAGE) == 0;
    free(room);
    return ok;
#else
    return false;
#endif
}
