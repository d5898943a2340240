/*
 * mem.h — every byte the engine allocates, through the stack's allocator,
 * counted.
 *
 * All allocation in src/core and src/api goes through these four calls with
 * the stack as context, and every call names the size of the block it
 * frees or resizes, so the stack knows its bytes in use exactly (the
 * allocator hook of struct synack_config sees the same sizes, which lets an
 * embedder back it with pools or an arena).
 *
 * Two lines bound the total (struct synack_config):
 *
 *   0 ............... pressure line ............... mem_max_bytes
 *        new work taken          new work refused     allocations fail
 *
 * *New* work — a connection, a socket, out-of-order data that needs a
 * larger ring, a fragment, a UDP datagram, growth of a send buffer, data
 * beyond the window already advertised — is taken only when what it
 * allocates fits below the pressure line (stack_mem_room); otherwise it is
 * refused and counted by reason.  The room above the line is for work
 * already accepted: data inside an advertised window, the sender's
 * scoreboard, the tables.  Once past the line (stack_mem_pressure) the
 * receive window opens no further than the ring's storage, and rings that
 * empty give their storage back (tcp_conn_reclaim, udp_reclaim).
 *
 * The hard cap is enforced here: an allocation that would pass it fails
 * as if the allocator had said no, and every caller copes with that
 * (tests/hostile/test_alloc_failure.c fails each allocation in turn).
 *
 * Invariant: stats.mem_bytes is the sum of the sizes of the blocks
 * allocated and not yet freed, the stack object included.
 */
#ifndef SYNACK_CORE_MEM_H
#define SYNACK_CORE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/stack.h"

struct synack_stack;

/* The libc allocator behind a config whose `alloc` is NULL. */
void *mem_libc_alloc(void *ctx, void *old, size_t old_size, size_t new_size);

/* size bytes, uninitialised; NULL when the allocator or the hard cap says no. */
void *mem_alloc(struct synack_stack *st, size_t size);
/* n * size bytes, zeroed; NULL also when the product overflows. */
void *mem_zalloc(struct synack_stack *st, size_t n, size_t size);
/* Resizes p (old_size bytes; NULL with old_size 0 allocates) to new_size,
 * keeping the common prefix.  NULL on failure, p then unchanged. */
void *mem_realloc(struct synack_stack *st, void *p, size_t old_size, size_t new_size);
/* Frees p, which was allocated with `size` bytes (NULL is fine). */
void mem_free(struct synack_stack *st, void *p, size_t size);

/* Whether the stack is past its pressure line: new work is refused. */
bool stack_mem_pressure(const struct synack_stack *st);
/* Whether `bytes` more may be taken for new work without passing the
 * pressure line (always, for 0 bytes). */
bool stack_mem_room(const struct synack_stack *st, size_t bytes);

/* stack.c uses these to create and free the stack object itself. */
void mem_init(struct synack_stack *st, const struct synack_config *cfg, size_t self_size);
uint64_t mem_pressure_line(const struct synack_config *cfg);

#endif
