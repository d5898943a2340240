/* mem.c — the engine's one way to allocate; see mem.h. */
#include "mem.h"

#include <stdlib.h>
#include <string.h>

#include "stack_internal.h"

void *mem_libc_alloc(void *ctx, void *old, size_t old_size, size_t new_size)
{
    (void)ctx;
    (void)old_size;
    if (new_size == 0) {
        free(old);
        return NULL;
    }
    return realloc(old, new_size);
}

uint64_t mem_pressure_line(const struct synack_config *cfg)
{
    if (!cfg->mem_max_bytes)
        return UINT64_MAX;
    if (cfg->mem_pressure_bytes)
        return cfg->mem_pressure_bytes;
    return cfg->mem_max_bytes - cfg->mem_max_bytes / 8;
}

void mem_init(struct synack_stack *st, const struct synack_config *cfg, size_t self_size)
{
    st->mem.fn = cfg->alloc ? cfg->alloc : mem_libc_alloc;
    st->mem.ctx = cfg->alloc ? cfg->alloc_ctx : NULL;
    st->mem.max = cfg->mem_max_bytes ? cfg->mem_max_bytes : UINT64_MAX;
    st->mem.line = mem_pressure_line(cfg);
    st->stats.mem_bytes = st->stats.mem_peak_bytes = self_size;
}

/* After every change of the total: the peak, and entering or leaving
 * pressure (entries are counted). */
static void account(struct synack_stack *st, uint64_t used)
{
    st->stats.mem_bytes = used;
    if (used > st->stats.mem_peak_bytes)
        st->stats.mem_peak_bytes = used;
    bool pressure = used >= st->mem.line;
    if (pressure && !st->mem.pressure)
        st->stats.mem_pressures++;
    st->mem.pressure = pressure;
}

void *mem_realloc(struct synack_stack *st, void *p, size_t old_size, size_t new_size)
{
    if (new_size == 0) {
        mem_free(st, p, old_size);
        return NULL;
    }
    uint64_t used = st->stats.mem_bytes;
    if (new_size > old_size && new_size - old_size > st->mem.max - used) {
        st->stats.mem_alloc_failures++;     /* the hard cap: fail before asking */
        return NULL;
    }
    void *n = st->mem.fn(st->mem.ctx, p, p ? old_size : 0, new_size);
    if (!n) {
        st->stats.mem_alloc_failures++;
        return NULL;
    }
    account(st, used - (p ? old_size : 0) + new_size);
    return n;
}

void *mem_alloc(struct synack_stack *st, size_t size)
{
    return mem_realloc(st, NULL, 0, size ? size : 1);
}

void *mem_zalloc(struct synack_stack *st, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        st->stats.mem_alloc_failures++;
        return NULL;
    }
    void *p = mem_alloc(st, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void mem_free(struct synack_stack *st, void *p, size_t size)
{
    if (!p)
        return;
    st->mem.fn(st->mem.ctx, p, size, 0);
    account(st, st->stats.mem_bytes - size);
}

bool stack_mem_pressure(const struct synack_stack *st) { return st->mem.pressure; }

bool stack_mem_room(const struct synack_stack *st, size_t bytes)
{
    uint64_t used = st->stats.mem_bytes;
    return bytes == 0 || (used < st->mem.line && bytes <= st->mem.line - used);
}
