/*
 * syncookie.c — making and checking SYN cookies (RFC 4987 §3.6); the
 * layout is described in syncookie.h.
 */
#include "syncookie.h"

#include <string.h>

#include "seq.h"

#define MSS_BITS 3
#define TIME_BITS 2
#define MAC_SHIFT (MSS_BITS + TIME_BITS)
#define MAC_MASK ((1u << (32 - MAC_SHIFT)) - 1)
#define TS_OPT_BITS 6
#define TS_OPT_MASK ((1u << TS_OPT_BITS) - 1)
#define TS_NO_WSCALE 15u
#define TS_SACK_BIT (1u << 4)

/* Common MSS values, ascending: the lowest an IPv4 host may announce
 * (RFC 879's 536 is the default, but 88 is our floor), tunnels and VPNs
 * (1220, 1360, 1400), PPPoE and DSL (1440, 1452), Ethernet (1460), and
 * jumbo frames (8960).  A peer announcing less than an entry gets the
 * entry below it, so the MSS used never exceeds the one announced. */
static const uint16_t mss_table[1u << MSS_BITS] = { 88, 536, 1220, 1360, 1400, 1440, 1460, 8960 };

static unsigned mss_index(uint16_t mss)
{
    unsigned i = (1u << MSS_BITS) - 1;
    while (i > 0 && mss_table[i] > mss)
        i--;
    return i;
}

static uint32_t mac(const struct siphash_key *key, const struct synack_endpoint *local,
                    const struct synack_endpoint *remote, uint32_t peer_isn, uint64_t counter, unsigned mss_idx)
{
    struct {
        uint8_t laddr[16], raddr[16];
        uint64_t counter;
        uint32_t peer_isn;
        uint16_t lport, rport;
        uint32_t mss_idx;
    } m;
    memset(&m, 0, sizeof m);           /* padding hashes as zeros */
    memcpy(m.laddr, local->addr.bytes, 16);
    memcpy(m.raddr, remote->addr.bytes, 16);
    m.counter = counter;
    m.peer_isn = peer_isn;
    m.lport = local->port;
    m.rport = remote->port;
    m.mss_idx = mss_idx;
    return (uint32_t)siphash24(key, &m, sizeof m) & MAC_MASK;
}

uint32_t syncookie_make(const struct siphash_key *key, const struct synack_endpoint *local,
                        const struct synack_endpoint *remote, uint32_t peer_isn, uint16_t peer_mss,
                        synack_time_us now, uint16_t *mss_used)
{
    uint64_t counter = now / SYNCOOKIE_PERIOD_US;
    unsigned idx = mss_index(peer_mss);
    *mss_used = mss_table[idx];
    return mac(key, local, remote, peer_isn, counter, idx) << MAC_SHIFT |
           (uint32_t)(counter & ((1u << TIME_BITS) - 1)) << MSS_BITS | idx;
}

enum syncookie_verdict syncookie_check(const struct siphash_key *key, const struct synack_endpoint *local,
                                       const struct synack_endpoint *remote, uint32_t peer_isn, uint32_t cookie,
                                       synack_time_us now, uint16_t *mss)
{
    uint64_t counter_now = now / SYNCOOKIE_PERIOD_US;
    uint64_t tbits = (cookie >> MSS_BITS) & ((1u << TIME_BITS) - 1);
    /* The latest counter with the cookie's low bits: 0..3 ticks ago. */
    uint64_t age = (counter_now - tbits) & ((1u << TIME_BITS) - 1);
    if (age > counter_now)
        return SYNCOOKIE_INVALID;     /* from before the clock began */
    unsigned idx = cookie & ((1u << MSS_BITS) - 1);
    if (cookie >> MAC_SHIFT != mac(key, local, remote, peer_isn, counter_now - age, idx))
        return SYNCOOKIE_INVALID;
    if (age >= 2)
        return SYNCOOKIE_EXPIRED;
    *mss = mss_table[idx];
    return SYNCOOKIE_VALID;
}

uint32_t syncookie_ts_encode(uint32_t ts_now, const struct syncookie_opts *o)
{
    uint32_t bits = o->wscale_ok ? (o->wscale > 14 ? 14u : o->wscale) : TS_NO_WSCALE;
    if (o->sack_ok)
        bits |= TS_SACK_BIT;
    uint32_t ts = (ts_now & ~TS_OPT_MASK) | bits;
    if (seq_gt(ts, ts_now))
        ts -= TS_OPT_MASK + 1;         /* the previous 64 ms: never ahead of the clock */
    return ts;
}

void syncookie_ts_decode(uint32_t tsecr, struct syncookie_opts *o)
{
    uint32_t ws = tsecr & 0xf;
    o->wscale_ok = ws != TS_NO_WSCALE;
    o->wscale = (uint8_t)(ws > 14 ? 14 : ws);
    o->sack_ok = (tsecr & TS_SACK_BIT) != 0;
}
