/*
 * isn.c — initial sequence numbers, RFC 6528 §3:
 *     ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
 * where M is a timer ticking every 4 microseconds and F a keyed PRF
 * (SipHash-2-4 here, keyed from the stack's secret).  A configured hook
 * replaces the whole computation, for tests that need fixed numbers.
 */
#include <string.h>

#include "stack_internal.h"

uint32_t isn_generate(struct synack_stack *st, const struct synack_endpoint *local,
                      const struct synack_endpoint *remote, synack_time_us now)
{
    if (st->cfg.isn_hook)
        return st->cfg.isn_hook(st->cfg.isn_hook_ctx, local, remote, now);
    struct {
        uint8_t laddr[16], raddr[16];
        uint16_t lport, rport;
    } k;
    memset(&k, 0, sizeof k);
    memcpy(k.laddr, local->addr.bytes, 16);
    memcpy(k.raddr, remote->addr.bytes, 16);
    k.lport = local->port;
    k.rport = remote->port;
    uint32_t m = (uint32_t)(now / 4);
    return m + (uint32_t)siphash24(&st->isn_key, &k, sizeof k);
}
