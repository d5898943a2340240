/*
 * ndp.c — IPv6 neighbour discovery (RFC 4861).
 *
 * A placeholder until the neighbour cache lands: messages are counted and
 * dropped.
 */
#include "ndp.h"
#include "stack_internal.h"

void ndp_input(struct synack_stack *st, int iface, const struct synack_addr *src, const struct synack_addr *dst,
               uint8_t hop_limit, const uint8_t *msg, size_t len, synack_time_us now)
{
    (void)src;
    (void)dst;
    (void)hop_limit;
    (void)msg;
    (void)len;
    stack_drop(st, iface, SYNACK_DROP_ICMP_IGNORED, now);
}
