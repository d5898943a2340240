/*
 * tcp_pmtu.c — how large a connection's segments may be: path MTU
 * discovery from ICMP, and by probing when ICMP is silent.
 *
 * Reading list: RFC 1191 §5 (messages without an MTU: the plateau table
 * of §7), §6.2 (one estimate per destination), §6.3 (aging: after about
 * ten minutes try the first hop's MTU again), §6.4 (TCP never sends more
 * than the path MTU or the peer's MSS; resends at once what a Datagram Too
 * Big says was dropped, without changing the congestion window; ignores
 * messages that do not lower the MTU it used); RFC 8201 §4 (IPv6: never
 * below 1280, never raised by a Packet Too Big), §5.2; RFC 5927 §4.1, §7
 * (believe only messages quoting data in flight; forged small MTUs);
 * RFC 4821 §7 (packetization-layer PMTUD: §7.1 search range, §7.2
 * initial values, §7.3 probe size, convergence and re-probing, §7.4
 * preconditions, §7.5 the probe, §7.6 its results, §7.7 full-stop
 * timeouts); RFC 8899 §5.1 (MAX_PROBES, PMTU_RAISE_TIMER).
 *
 * The MTU in use (pm.mtu) is the smaller of what ICMP allows (ptb_mtu:
 * the interface's MTU until a message lowers it) and, once packetization-
 * layer discovery has taken over, the largest size it has confirmed
 * (search_low).  snd_mss and mss_wire follow (tcp_pmtu_sync_mss), bounded
 * by the peer's MSS too.  Every MTU <-> MSS conversion goes through
 * tcp_mtu_to_mss / tcp_mss_to_mtu, which take each family's IP header
 * from stack_ip_header_len.
 *
 * ICMP.  tcp_icmp.c passes on a fragmentation needed (or an ICMPv6 packet
 * too big) whose quoted sequence number is in flight.  Its MTU is used
 * when it is below the one in use (RFC 1191 §6.4: other messages are
 * ignored, or a burst of oversized segments would set off a burst of
 * retransmissions) and not below the floor: 552 bytes for IPv4, as Linux's
 * min_pmtu (RFC 791 allows 68, but whoever guesses a sequence number in
 * flight could then make a connection crawl in 28-byte segments, RFC 5927
 * §7.1, and no real path is that narrow), 1280 for IPv6 (RFC 8200 §5, RFC
 * 8201 §4: never below).  The others are counted (TCPPMTUIgnored,
 * TCPPMTUBelowMin) and dropped.  A message from an old router without an
 * MTU gives the largest plateau below the quoted packet's length (RFC
 * 1191 §5, without the note's 4.2BSD correction: those routers are long
 * gone), raised to the floor.  The connection takes the new MTU, the
 * stack's cache learns it (pmtu_cache.h), and every record in flight
 * whose payload no longer fits is marked lost and resent at once, cut to
 * the new size: it was dropped for its size, not for congestion, so cwnd
 * stays as it was (RFC 1191 §6.4, as Linux's tcp_simple_retransmit).
 * The resending runs in REC_PMTU (tcp_recovery.c), which ends when SND.UNA
 * passes what was in flight.  RFC 1191 §6.4 would resend one segment
 * until ACKs return; like Linux we resend what cwnd allows, which is what
 * was in flight.  Only the connection the message quotes learns at once;
 * others to the same destination learn from their own messages, and new
 * ones from the cache.
 *
 * Aging (RFC 1191 §6.3).  cfg.pmtu_expires_us after the last reduction
 * the connection goes back to the first hop's MTU (or what the cache then
 * holds); if the path is still narrow, the next full-sized segment brings
 * a new message.  Cache entries lapse at the same age.
 *
 * Probing (RFC 4821), in three modes (enum synack_plpmtud).  OFF never
 * probes.  ALWAYS starts every connection, once established, at the base
 * size (1024 bytes for IPv4, RFC 4821 §7.2; 1280 for IPv6, RFC 8899
 * §5.1.2) and searches upward.  BLACKHOLE, the default, starts at the MTU
 * ICMP allows and searches only after a black hole: PLPMTUD_BLACKHOLE_RTOS
 * consecutive timeouts without progress whose segments are larger than the
 * fallback size.  The response is RFC 4821 §7.7's: the MTU drops to
 * search_low if it was above it, else to the base, and on each further
 * timeout to half, never below the floor; search_high becomes one less
 * than the packets that timed out.
 *
 * The search: search_low is the largest size confirmed, search_high the
 * largest not yet ruled out (RFC 4821 §7.1 counts both one apart; the
 * search is the same).  Each probe is the midpoint, rounded up, so the
 * range halves with each result (§7.3), and the search has converged when
 * search_high - search_low < PLPMTUD_PRECISION bytes: the MTU in use is
 * then that close to the largest that works.  A probe is one new data
 * segment of exactly the probe size, IP header included (§7.5), sent
 * at SND.MAX when no loss recovery or other probe is under way and enough
 * data is queued to follow it, so that its loss shows up as a hole
 * (§7.4).  Acknowledged, cumulatively or by SACK: search_low = its size
 * and the MTU rises to it (§7.6).  Lost alone — RACK or duplicate ACKs
 * mark it and nothing else — it failed: no congestion response (§7.6),
 * and its bytes are resent cut to the current size in REC_PMTU.  Lost
 * along with other data, swept up by a timeout, or cut for a
 * retransmission, it proves little (§7.6: inconclusive) and the loss is
 * congestion as usual; but like RFC 8899 §5.1.2, which counts every probe
 * not acknowledged, it counts towards PLPMTUD_MAX_PROBES: after that many
 * probes of one size went undelivered, search_high drops below it.
 * Otherwise a path that drops a probe's followers with it would be probed
 * at that size for ever (and each time pay a congestion response).  A
 * packet too big quoting the probe ends it at once: search_high =
 * min(probe - 1, the MTU reported).  Once converged, the search starts again after
 * cfg.plpmtud_interval_us (§7.3: search_high back to its initial value;
 * RFC 8899 §5.1.1 PMTU_RAISE_TIMER), and the result goes into the cache
 * when it is below the interface's MTU, so that the next connection to
 * the destination does not fall into the black hole first.
 */
#include "tcp_pmtu.h"

#include <string.h>

#include "icmp.h"
#include "seq.h"
#include "stack_internal.h"
#include "tcp_conn.h"
#include "tcp_recovery.h"

#define PMTU_FLOOR_V4 552          /* Linux's min_pmtu; see above */
#define PMTU_FLOOR_V6 1280         /* RFC 8200 §5 */
#define PLPMTUD_BASE_V4 1024       /* RFC 4821 §7.2: "probably safe enough" */
#define PLPMTUD_BASE_V6 1280       /* RFC 8899 §5.1.2 BASE_PLPMTU */
#define PLPMTUD_PRECISION 8        /* bytes: the search ends closer than this (as Linux) */
#define PLPMTUD_MAX_PROBES 3       /* RFC 8899 §5.1.2 */
#define PLPMTUD_BLACKHOLE_RTOS 3   /* consecutive timeouts (Linux waits for tcp_retries1 = 3) */
#define PLPMTUD_FOLLOWERS 3        /* full segments queued behind a probe: enough for DupThresh */

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }
static uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }

/* ---- sizes ---- */

uint32_t tcp_mtu_to_mss(int family, uint32_t mtu)
{
    uint32_t hdr = (uint32_t)stack_ip_header_len(family) + TCP_HEADER_MIN;
    return mtu > hdr ? mtu - hdr : 0;
}

uint32_t tcp_mss_to_mtu(int family, uint32_t mss)
{
    return mss + (uint32_t)stack_ip_header_len(family) + TCP_HEADER_MIN;
}

uint32_t tcp_pmtu_floor(int family) { return family == SYNACK_AF_INET6 ? PMTU_FLOOR_V6 : PMTU_FLOOR_V4; }

static uint32_t base_mtu(const struct tcp_conn *c)
{
    return c->remote.addr.family == SYNACK_AF_INET6 ? PLPMTUD_BASE_V6 : PLPMTUD_BASE_V4;
}

static int family(const struct tcp_conn *c) { return c->remote.addr.family; }

/* Bytes of TCP options on every segment: snd_mss is mss_wire less them. */
static uint32_t option_len(const struct tcp_conn *c) { return (uint32_t)(c->mss_wire - c->snd_mss); }

/* RFC 1191 §7, Table 7-1: the plateaus. */
static uint32_t plateau_below(uint32_t len)
{
    static const uint16_t plateaus[] = { 65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68 };
    for (unsigned i = 0; i < sizeof plateaus / sizeof plateaus[0]; i++)
        if (plateaus[i] < len)
            return plateaus[i];
    return 68;
}

void tcp_pmtu_sync_mss(struct tcp_conn *c)
{
    struct tcp_pmtu *pm = &c->pm;
    uint32_t peer_mtu = tcp_mss_to_mtu(family(c), c->peer_mss);
    /* A probe must not exceed the peer's MSS (RFC 9293 §3.7.1) either. */
    if (pm->state != PL_DISABLED && pm->search_high > peer_mtu)
        pm->search_high = max_u32(pm->search_low, peer_mtu);
    pm->mtu = pm->state == PL_DISABLED ? pm->ptb_mtu : min_u32(pm->ptb_mtu, pm->search_low);
    uint32_t mss = min_u32(tcp_mtu_to_mss(family(c), pm->mtu), c->peer_mss);
    uint32_t opts = c->ts_ok ? TCP_TS_OPTION_LEN : 0;
    c->mss_wire = (uint16_t)mss;
    c->snd_mss = (uint16_t)(mss - opts);
}

/* ---- the search ---- */

static void probe_forget(struct tcp_pmtu *pm)
{
    pm->probe_mtu = 0;
    pm->probe_seq = pm->probe_end = 0;
}

static void remember(struct synack_stack *st, const struct tcp_conn *c, uint32_t mtu, synack_time_us now)
{
    pmtu_cache_put(&st->pmtu_cache, &c->remote.addr, mtu, now + st->cfg.pmtu_expires_us);
    st->stats.tcp_pmtu_cache_entries = st->pmtu_cache.count;
}

static void schedule(struct tcp_pmtu *pm, synack_time_us when)
{
    if (when < pm->next_check)
        pm->next_check = when;
}

/* RFC 4821 §7.3: converged when the range is narrower than the precision;
 * the search starts again after cfg.plpmtud_interval_us. */
static void check_converged(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    struct tcp_pmtu *pm = &c->pm;
    if (pm->state != PL_SEARCHING || pm->search_high - pm->search_low >= PLPMTUD_PRECISION)
        return;
    pm->state = PL_COMPLETE;
    pm->retry_mtu = 0;
    pm->probe_fails = 0;
    schedule(pm, now + st->cfg.plpmtud_interval_us);
    if (pm->search_low < pm->if_mtu && pm->search_low <= pm->ptb_mtu)
        remember(st, c, pm->search_low, now);
}

/* Starts (or restarts) the search with `low` confirmed and everything up
 * to what ICMP and the peer allow still possible. */
static void start_search(struct synack_stack *st, struct tcp_conn *c, uint32_t low, uint32_t high,
                         synack_time_us now)
{
    struct tcp_pmtu *pm = &c->pm;
    pm->state = PL_SEARCHING;
    pm->search_low = low;
    pm->search_high = max_u32(low, min_u32(high, pm->ptb_mtu));
    pm->retry_mtu = 0;
    pm->probe_fails = 0;
    tcp_pmtu_sync_mss(c);
    check_converged(st, c, now);
}

/* The size of the next probe: the one that just failed again, until it
 * has failed PLPMTUD_MAX_PROBES times, else the middle of the range. */
static uint32_t next_probe_mtu(const struct tcp_pmtu *pm)
{
    if (pm->retry_mtu > pm->search_low && pm->retry_mtu <= pm->search_high)
        return pm->retry_mtu;
    return pm->search_low + (pm->search_high - pm->search_low + 1) / 2;
}

static void probe_succeeded(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    struct tcp_pmtu *pm = &c->pm;
    pm->probes_ok++;
    st->stats.tcp_mtup_success++;
    /* RFC 4821 §7.6: search_low = the probe size, and eff_pmtu rises to it. */
    if (pm->probe_mtu > pm->search_low)
        pm->search_low = min_u32(pm->probe_mtu, pm->search_high);
    pm->retry_mtu = 0;
    pm->probe_fails = 0;
    probe_forget(pm);
    tcp_pmtu_sync_mss(c);
    check_converged(st, c, now);
}

/* The probe in flight was not delivered: lost alone (`alone`: a failure,
 * TCPMTUPFail), or one of the inconclusive ways above; `too_big` is the
 * MTU a packet too big quoting it reported (0: none), which settles it. */
static void probe_lost(struct synack_stack *st, struct tcp_conn *c, uint32_t too_big, bool alone,
                       synack_time_us now)
{
    struct tcp_pmtu *pm = &c->pm;
    uint32_t size = pm->probe_mtu;
    if (!size)
        return;
    if (alone || too_big) {
        pm->probes_failed++;
        st->stats.tcp_mtup_fail++;
    }
    probe_forget(pm);
    if (pm->retry_mtu != size) {
        pm->retry_mtu = size;
        pm->probe_fails = 0;
    }
    if (too_big || ++pm->probe_fails >= PLPMTUD_MAX_PROBES) {
        uint32_t high = too_big ? min_u32(too_big, size - 1) : size - 1;
        pm->search_high = max_u32(pm->search_low, min_u32(pm->search_high, high));
        pm->retry_mtu = 0;
        pm->probe_fails = 0;
    }
    check_converged(st, c, now);
}

/* ---- the connection ---- */

void tcp_pmtu_init(struct synack_stack *st, struct tcp_conn *c, uint8_t mode, synack_time_us now)
{
    struct tcp_pmtu *pm = &c->pm;
    pm->if_mtu = c->iface < st->iface_count ? st->ifaces[c->iface].mtu : 576;
    pm->ptb_mtu = pm->if_mtu;
    pm->next_check = SYNACK_TIME_NEVER;
    pm->mode = mode;
    pm->state = PL_DISABLED;
    synack_time_us expires;
    uint32_t cached = pmtu_cache_get(&st->pmtu_cache, &c->remote.addr, now, &expires);
    st->stats.tcp_pmtu_cache_entries = st->pmtu_cache.count;
    if (cached && cached < pm->if_mtu) {
        /* RFC 1191 §6.2, RFC 8201 §5.2: what the last connection learnt. */
        pm->ptb_mtu = cached;
        pm->next_check = expires;
        st->stats.tcp_pmtu_cache_hits++;
    }
    tcp_pmtu_sync_mss(c);
}

void tcp_pmtu_established(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    /* ALWAYS: the peer's MSS is known now; search up from the base. */
    if (c->pm.mode == SYNACK_PLPMTUD_ALWAYS && c->pm.state == PL_DISABLED)
        start_search(st, c, min_u32(base_mtu(c), c->pm.ptb_mtu), c->pm.ptb_mtu, now);
}

void tcp_pmtu_set_mode(struct synack_stack *st, struct tcp_conn *c, uint8_t mode, synack_time_us now)
{
    struct tcp_pmtu *pm = &c->pm;
    pm->mode = mode;
    if (mode == SYNACK_PLPMTUD_OFF && pm->state != PL_DISABLED) {
        pm->state = PL_DISABLED;
        pm->search_low = pm->search_high = 0;
        probe_forget(pm);
        tcp_pmtu_sync_mss(c);
    } else if (tcp_state_synchronized(c->state)) {
        tcp_pmtu_established(st, c, now);
    }
}

/* Marks lost every record in flight that the segments of the new size
 * cannot carry, and resends them now (RFC 1191 §6.4). */
static void resend_oversized(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    bool marked = false;
    for (uint32_t i = 0; i < c->txq.count; i++) {
        struct txseg *s = txq_at(&c->txq, i);
        uint32_t payload = txseg_len(s) - !!(s->flags & TXS_FIN);
        if (payload > c->snd_mss && !(s->flags & (TXS_SACKED | TXS_LOST))) {
            txq_mark_lost(&c->txq, s);
            marked = true;
        }
    }
    if (marked)
        tcp_rec_enter_pmtu(st, c, now);
    tcp_output(st, c, now);
}

void tcp_pmtu_icmp(struct synack_stack *st, struct tcp_conn *c, const struct icmp_err *e, uint32_t seq,
                   synack_time_us now)
{
    struct tcp_pmtu *pm = &c->pm;
    uint32_t floor = tcp_pmtu_floor(family(c));
    uint32_t mtu = e->mtu;
    if (!mtu) {
        /* RFC 1191 §5: an old router; estimate from the quoted length. */
        mtu = max_u32(plateau_below(e->quoted_len ? e->quoted_len : pm->mtu), floor);
    }
    if (mtu < floor) {
        st->stats.tcp_pmtu_below_min++;            /* RFC 8201 §4, RFC 5927 §7.1 */
        return;
    }
    /* RFC 1191 §6.4: act only on news that the size we sent was too big
     * (only a probe is larger than the MTU in use); never raise (RFC 8201
     * §4).  A quoted packet no larger than the MTU reported cannot have
     * been dropped for its size. */
    bool hits_probe = pm->probe_mtu && seq_geq(seq, pm->probe_seq) && seq_lt(seq, pm->probe_end);
    if ((mtu >= pm->mtu && !hits_probe) || (e->quoted_len && e->quoted_len <= mtu)) {
        st->stats.tcp_pmtu_ignored++;
        return;
    }
    if (mtu < pm->ptb_mtu) {
        pm->ptb_mtu = mtu;
        remember(st, c, mtu, now);
        pm->next_check = now + st->cfg.pmtu_expires_us;   /* RFC 1191 §6.3: from the last reduction */
    }
    if (hits_probe)
        probe_lost(st, c, mtu, true, now);
    probe_forget(pm);                              /* a probe still out is larger than the path */
    if (mtu < pm->mtu) {
        st->stats.tcp_pmtu_updates++;
        if (pm->state != PL_DISABLED) {
            pm->search_low = min_u32(pm->search_low, mtu);
            pm->search_high = min_u32(pm->search_high, mtu);
        }
    }
    tcp_pmtu_sync_mss(c);
    check_converged(st, c, now);
    resend_oversized(st, c, now);
}

void tcp_pmtu_tick(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    struct tcp_pmtu *pm = &c->pm;
    pm->next_check = SYNACK_TIME_NEVER;
    /* RFC 1191 §6.3: what ICMP said has aged; the first hop's MTU, unless
     * the cache has newer news.  An increase resends nothing (ibid.). */
    synack_time_us expires;
    uint32_t cached = pmtu_cache_get(&st->pmtu_cache, &c->remote.addr, now, &expires);
    st->stats.tcp_pmtu_cache_entries = st->pmtu_cache.count;
    pm->ptb_mtu = pm->if_mtu;
    if (cached && cached < pm->if_mtu) {
        pm->ptb_mtu = cached;
        pm->next_check = expires;
    }
    if (pm->state == PL_DISABLED) {
        tcp_pmtu_sync_mss(c);
        return;
    }
    /* RFC 4821 §7.3: search_high back to its initial value; what is
     * confirmed stays. */
    start_search(st, c, min_u32(pm->search_low, pm->ptb_mtu), pm->ptb_mtu, now);
}

/* ---- probes ---- */

uint32_t tcp_pmtu_probe_len(const struct tcp_conn *c, uint32_t avail, uint32_t room)
{
    const struct tcp_pmtu *pm = &c->pm;
    /* RFC 4821 §7.4: one probe at a time, not during loss recovery (the
     * caller asks only in states that send data: after a close too, as
     * the data before the FIN may still be most of the transfer). */
    if (pm->state != PL_SEARCHING || pm->probe_mtu || c->rec_state != REC_OPEN || c->txq.lost_bytes ||
        c->txq.sacked_bytes || c->tlp_out)
        return 0;
    uint32_t len = tcp_mtu_to_mss(family(c), next_probe_mtu(pm)) - option_len(c);
    if (len <= c->snd_mss)
        return 0;
    /* The windows take all of it, and enough data waits to follow it that
     * its loss will show as a hole rather than as a timeout. */
    if (room < len || avail < len + PLPMTUD_FOLLOWERS * (uint32_t)c->snd_mss)
        return 0;
    return len;
}

void tcp_pmtu_probe_sent(struct synack_stack *st, struct tcp_conn *c, uint32_t seq, uint32_t len)
{
    struct tcp_pmtu *pm = &c->pm;
    pm->probe_seq = seq;
    pm->probe_end = seq + len;
    pm->probe_mtu = tcp_mss_to_mtu(family(c), len + option_len(c));
    pm->probes++;
    st->stats.tcp_mtup_probes++;
}

bool tcp_pmtu_probe_check(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    struct tcp_pmtu *pm = &c->pm;
    if (!pm->probe_mtu)
        return false;
    if (seq_geq(c->snd_una, pm->probe_end)) {
        probe_succeeded(st, c, now);
        return false;
    }
    uint32_t i = txq_find(&c->txq, seq_gt(c->snd_una, pm->probe_seq) ? c->snd_una : pm->probe_seq);
    if (i == c->txq.count) {
        probe_forget(pm);                          /* cannot happen: its record goes only when delivered */
        return false;
    }
    struct txseg *s = txq_at(&c->txq, i);
    if (s->flags & TXS_SACKED) {
        probe_succeeded(st, c, now);
        return false;
    }
    if (!(s->flags & TXS_LOST))
        return false;
    /* RFC 4821 §7.6: lost alone, it failed and is not congestion; lost
     * with other data, it is inconclusive and the loss is congestion. */
    if (c->rec_state != REC_OPEN || c->txq.lost_bytes != txseg_len(s)) {
        probe_lost(st, c, 0, false, now);
        return false;
    }
    probe_lost(st, c, 0, true, now);
    tcp_rec_enter_pmtu(st, c, now);
    return true;
}

void tcp_pmtu_record_cut(struct synack_stack *st, struct tcp_conn *c, const struct txseg *s)
{
    struct tcp_pmtu *pm = &c->pm;
    if (pm->probe_mtu && seq_leq(s->start, pm->probe_seq) && seq_lt(pm->probe_seq, s->end))
        probe_lost(st, c, 0, false, st->now);
}

void tcp_pmtu_on_rto(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    struct tcp_pmtu *pm = &c->pm;
    probe_lost(st, c, 0, false, now);              /* swept up with the rest: inconclusive */
    if (pm->mode == SYNACK_PLPMTUD_OFF || c->backoff < PLPMTUD_BLACKHOLE_RTOS || !c->txq.count)
        return;
    /* RFC 4821 §7.7: eff_pmtu falls to search_low if above it, else to
     * the initial search_low, and halves on each further timeout. */
    uint32_t base = min_u32(base_mtu(c), pm->if_mtu), floor = tcp_pmtu_floor(family(c));
    uint32_t target;
    if (pm->state == PL_DISABLED)
        target = min_u32(base, pm->mtu);
    else if (pm->mtu > pm->search_low)
        target = pm->search_low;
    else if (pm->search_low > base)
        target = base;
    else
        target = max_u32(floor, pm->search_low / 2);
    if (target >= pm->mtu)
        return;
    /* Only when what keeps timing out would be smaller after the fall:
     * small segments lost are not a path MTU problem. */
    const struct txseg *head = txq_at(&c->txq, 0);
    uint32_t sent = tcp_mss_to_mtu(family(c), txseg_len(head) - !!(head->flags & TXS_FIN) + option_len(c));
    if (sent <= target)
        return;
    pm->black_holes++;
    st->stats.tcp_mtup_black_holes++;
    uint32_t high = pm->state == PL_DISABLED ? pm->ptb_mtu : pm->search_high;
    start_search(st, c, target, min_u32(high, sent - 1), now);
}

/* ---- names ---- */

static const char *const mode_names[SYNACK_PLPMTUD_COUNT] = { "off", "blackhole", "always" };

const char *synack_plpmtud_name(int mode)
{
    return mode >= 0 && mode < SYNACK_PLPMTUD_COUNT ? mode_names[mode] : NULL;
}

int synack_plpmtud_from_name(const char *name)
{
    for (int m = 0; m < SYNACK_PLPMTUD_COUNT; m++)
        if (name && strcmp(name, mode_names[m]) == 0)
            return m;
    return -SYNACK_EINVAL;
}
