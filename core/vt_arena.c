/* vt_arena.c: see vt_arena.h for the contract. */
#include "vt_arena.h"

#include <jansson.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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
