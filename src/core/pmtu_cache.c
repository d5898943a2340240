/* pmtu_cache.c — the stack's per-destination path MTUs; see pmtu_cache.h. */
#include "pmtu_cache.h"

#include <string.h>

void pmtu_cache_init(struct pmtu_cache *pc) { memset(pc, 0, sizeof *pc); }

static int find(const struct pmtu_cache *pc, const struct synack_addr *dst)
{
    for (uint32_t i = 0; i < pc->count; i++)
        if (synack_addr_equal(&pc->e[i].dst, dst))
            return (int)i;
    return -1;
}

/* The table stays dense: the last entry fills the hole. */
static void drop(struct pmtu_cache *pc, uint32_t i)
{
    pc->e[i] = pc->e[--pc->count];
}

uint32_t pmtu_cache_get(struct pmtu_cache *pc, const struct synack_addr *dst, synack_time_us now,
                        synack_time_us *expires)
{
    if (!pc->count)
        return 0;
    int i = find(pc, dst);
    if (i < 0)
        return 0;
    if (now >= pc->e[i].expires) {
        drop(pc, (uint32_t)i);                    /* RFC 1191 §6.3: stale, try the first hop's MTU */
        return 0;
    }
    if (expires)
        *expires = pc->e[i].expires;
    return pc->e[i].mtu;
}

void pmtu_cache_put(struct pmtu_cache *pc, const struct synack_addr *dst, uint32_t mtu, synack_time_us expires)
{
    int i = find(pc, dst);
    if (i < 0 && pc->count < PMTU_CACHE_SLOTS) {
        i = (int)pc->count++;
    } else if (i < 0) {
        i = 0;                                    /* full: the entry that lapses first gives way */
        for (uint32_t k = 1; k < pc->count; k++)
            if (pc->e[k].expires < pc->e[i].expires)
                i = (int)k;
    }
    pc->e[i].dst = *dst;
    pc->e[i].mtu = mtu;
    pc->e[i].expires = expires;
}
