/*
 * ndp.c — IPv6 neighbour discovery for hosts (RFC 4861) and duplicate
 * address detection (RFC 4862 §5.4), over the neighbour cache (neigh.h).
 *
 * Reading list: RFC 4861 §4.3, §4.4 (solicitation and advertisement
 * formats), §4.6.1 (link-layer address options), §7.1.1, §7.1.2 (their
 * validation), §7.2.3 (receiving a solicitation), §7.2.4 (answering it),
 * §7.2.5 (receiving an advertisement), §6.2.6 (hosts discard router
 * solicitations); RFC 4862 §5.4.2 (sending DAD solicitations), §5.4.3,
 * §5.4.4 (what shows a duplicate), §5.4.5 (a duplicate is never used);
 * RFC 2464 §6 (the Ethernet option is 8 bytes: length 1).
 *
 * Messages are built in a buffer of their own (never the stack's transmit
 * buffer, whose packet may be waiting to be queued when a solicitation is
 * sent) and leave through stack_link_output, traced like any packet:
 * hop limit 255, from the address the interface would use for the target
 * (solicitations) or from the target itself (advertisements), or from ::
 * for DAD.
 *
 * Not done: router discovery (RS, RA and redirects are counted and
 * ignored: synack has no default router, see next_hop in stack.c), the
 * random delay before the first DAD solicitation (RFC 4862 §5.4.2 SHOULD
 * for the first message after an interface starts), unsolicited
 * advertisements after DAD (RFC 4861 §7.2.6, optional), and disabling IPv6
 * on the interface when its link-local address is a duplicate (RFC 4862
 * §5.4.5 SHOULD): the address is marked duplicate and never used, the
 * others carry on.
 */
#include "ndp.h"

#include <string.h>

#include "byteorder.h"
#include "checksum.h"
#include "ipv6.h"
#include "link.h"
#include "neigh.h"
#include "stack_internal.h"

#define NDP_MSG_LEN 24             /* type, code, checksum, 4 bytes, target */
#define NDP_LLADDR_OPT_LEN 8       /* type, length 1, 6-byte MAC */

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };

/* Sends an NDP message (msg, len bytes; checksum filled here) from src to
 * dst with hop limit 255 (RFC 4861 §7.1: receivers check it). */
static void ndp_send(struct synack_stack *st, int iface, const struct synack_addr *src,
                     const struct synack_addr *dst, const uint8_t *msg, size_t len, synack_time_us now)
{
    uint8_t buf[ETH_HEADER_LEN + IPV6_HEADER_LEN + NDP_MSG_LEN + NDP_LLADDR_OPT_LEN];
    uint8_t *pkt = buf + ETH_HEADER_LEN;
    uint8_t *icmp = pkt + IPV6_HEADER_LEN;
    ipv6_write_header(pkt, src, dst, IP_PROTO_ICMPV6, (uint16_t)len, 255);
    memcpy(icmp, msg, len);
    put_be16(icmp + 2, 0);
    put_be16(icmp + 2, csum_finish(csum_add(csum_pseudo(src, dst, IP_PROTO_ICMPV6, (uint32_t)len), icmp, len)));
    st->stats.ip_out_requests++;
    stack_link_output(st, iface, dst, pkt, IPV6_HEADER_LEN + len, 0, now);
}

/* The fixed part of a solicitation or advertisement. */
static void put_head(uint8_t *m, uint8_t type, uint8_t flags, const struct synack_addr *target)
{
    memset(m, 0, NDP_MSG_LEN);
    m[0] = type;
    m[4] = flags;
    memcpy(m + 8, target->bytes, 16);
}

static void put_lladdr(uint8_t *o, uint8_t type, const uint8_t mac[6])
{
    o[0] = type;
    o[1] = 1;
    memcpy(o + 2, mac, 6);
}

void ndp_solicit(struct synack_stack *st, int iface, const struct synack_addr *target, const uint8_t *unicast,
                 synack_time_us now)
{
    /* RFC 4861 §7.2.2: from an address of the interface (the one it would
     * use to reach the target), carrying our link-layer address.  With
     * none usable yet (DAD running) the retries run out unanswered. */
    const struct synack_addr *src = stack_source_addr(st, iface, target);
    if (!src)
        return;
    uint8_t m[NDP_MSG_LEN + NDP_LLADDR_OPT_LEN];
    put_head(m, ICMPV6_NEIGHBOR_SOLICIT, 0, target);
    put_lladdr(m + NDP_MSG_LEN, NDP_OPT_SOURCE_LLADDR, st->ifaces[iface].mac);
    /* Probes go to the address itself (eth_output finds the cached MAC);
     * resolution to its solicited-node group. */
    struct synack_addr dst = unicast ? *target : ipv6_solicited_node(target);
    st->stats.ndp_out_solicits++;
    ndp_send(st, iface, src, &dst, m, sizeof m, now);
}

void ndp_dad_solicit(struct synack_stack *st, int iface, const struct synack_addr *target, synack_time_us now)
{
    /* RFC 4862 §5.4.2: from the unspecified address, to the target's
     * solicited-node group, without a source link-layer option. */
    uint8_t m[NDP_MSG_LEN];
    put_head(m, ICMPV6_NEIGHBOR_SOLICIT, 0, target);
    struct synack_addr src = synack_addr_any(SYNACK_AF_INET6);
    struct synack_addr dst = ipv6_solicited_node(target);
    st->stats.ndp_out_solicits++;
    ndp_send(st, iface, &src, &dst, m, sizeof m, now);
}

void ndp_dad_done(struct synack_stack *st, int iface, struct iface_addr *ia)
{
    (void)iface;
    ia->flags &= (uint8_t)~IFADDR_TENTATIVE;
    st->stats.ndp_dad_ok++;
}

/* RFC 4862 §5.4.5: another node has the address; it is never used. */
static void dad_duplicate(struct synack_stack *st, int iface, struct iface_addr *ia)
{
    ia->flags = (uint8_t)((ia->flags & ~IFADDR_TENTATIVE) | IFADDR_DUPLICATE);
    st->stats.ndp_dad_duplicates++;
    neigh_job_stop(st, iface, (int)(ia - st->ifaces[iface].addrs));
}

/* What a message's options say: the link-layer address option of the
 * kind it may carry (NULL if absent).  False if any option is malformed
 * (RFC 4861 §7.1.1, §7.1.2: a length of 0 invalidates the message; one
 * running past the end, likewise; RFC 2464 §6: on Ethernet a link-layer
 * address option has length 1). */
static bool parse_options(const uint8_t *opt, size_t len, uint8_t want, const uint8_t **lladdr)
{
    *lladdr = NULL;
    while (len) {
        if (len < 2)
            return false;
        size_t olen = (size_t)opt[1] * 8;
        if (olen == 0 || olen > len)
            return false;
        if (opt[0] == want) {
            if (olen != NDP_LLADDR_OPT_LEN)
                return false;
            *lladdr = opt + 2;
        }
        opt += olen;
        len -= olen;
    }
    return true;
}

static bool is_solicited_node(const struct synack_addr *a)
{
    struct synack_addr sn = ipv6_solicited_node(a);
    return synack_addr_equal(&sn, a);
}

/* RFC 4861 §7.2.3, §7.2.4; RFC 4862 §5.4.3. */
static void solicitation(struct synack_stack *st, int iface, const struct synack_addr *src,
                         const struct synack_addr *target, const uint8_t *slla, synack_time_us now)
{
    st->stats.ndp_in_solicits++;
    struct iface_addr *ia = stack_iface_addr(st, iface, target);
    if (!ia || (ia->flags & IFADDR_DUPLICATE)) {
        stack_drop(st, iface, SYNACK_DROP_NDP_NOT_FOR_US, now);
        return;
    }
    bool from_any = synack_addr_is_any(src);
    if (ia->flags & IFADDR_TENTATIVE) {
        /* From ::, another node is checking the same address: both have
         * it, so neither may use it.  From a unicast source, someone is
         * resolving an address that is not ours yet: no answer. */
        if (from_any)
            dad_duplicate(st, iface, ia);
        else
            stack_drop(st, iface, SYNACK_DROP_NDP_NOT_FOR_US, now);
        return;
    }
    if (!from_any && slla)
        neigh_update(st, iface, src, slla, NEIGH_UPD_CREATE | NEIGH_UPD_OVERRIDE, now);
    /* The answer: solicited unless the asker had no address yet (then to
     * all nodes); override, since the address is ours alone; our MAC in
     * the target link-layer option. */
    uint8_t m[NDP_MSG_LEN + NDP_LLADDR_OPT_LEN];
    put_head(m, ICMPV6_NEIGHBOR_ADVERT, (uint8_t)((from_any ? 0 : NDP_NA_SOLICITED) | NDP_NA_OVERRIDE), target);
    put_lladdr(m + NDP_MSG_LEN, NDP_OPT_TARGET_LLADDR, st->ifaces[iface].mac);
    struct synack_addr dst = from_any ? synack_addr_v6(all_nodes) : *src;
    st->stats.ndp_out_adverts++;
    ndp_send(st, iface, target, &dst, m, sizeof m, now);
}

/* RFC 4861 §7.2.5; RFC 4862 §5.4.4. */
static void advertisement(struct synack_stack *st, int iface, uint8_t flags, const struct synack_addr *target,
                          const uint8_t *tlla, synack_time_us now)
{
    st->stats.ndp_in_adverts++;
    struct iface_addr *ia = stack_iface_addr(st, iface, target);
    if (ia) {
        /* During DAD: the address is someone else's.  After it, another
         * node claims an address we use: nothing to learn (RFC 4862
         * §5.4.4 leaves the remedy to the administrator). */
        if (ia->flags & IFADDR_TENTATIVE)
            dad_duplicate(st, iface, ia);
        else
            stack_drop(st, iface, SYNACK_DROP_NDP_NOT_FOR_US, now);
        return;
    }
    if (neigh_state_of(st, iface, target, now) < 0) {
        stack_drop(st, iface, SYNACK_DROP_NDP_NOT_FOR_US, now);    /* no entry: silently discarded */
        return;
    }
    unsigned upd = ((flags & NDP_NA_SOLICITED) ? NEIGH_UPD_CONFIRMED : 0u) |
                   ((flags & NDP_NA_OVERRIDE) ? NEIGH_UPD_OVERRIDE : 0u);
    neigh_update(st, iface, target, tlla, upd, now);
}

void ndp_input(struct synack_stack *st, int iface, const struct synack_addr *src, const struct synack_addr *dst,
               uint8_t hop_limit, const uint8_t *msg, size_t len, synack_time_us now)
{
    uint8_t type = len ? msg[0] : 0;
    if (type != ICMPV6_NEIGHBOR_SOLICIT && type != ICMPV6_NEIGHBOR_ADVERT) {
        stack_drop(st, iface, SYNACK_DROP_NDP_ROUTER, now);        /* §6.2.6: hosts discard RS; no RA, redirects */
        return;
    }
    /* Neighbour discovery runs on Ethernet links only: a TUN link has no
     * link-layer addresses to resolve. */
    if (st->ifaces[iface].link != SYNACK_LINK_ETHERNET) {
        stack_drop(st, iface, SYNACK_DROP_NDP_NOT_FOR_US, now);
        return;
    }
    /* §7.1.1, §7.1.2: hop limit 255 (the message cannot have come from
     * off the link), code 0, 24 bytes at least, a unicast target, sound
     * options. */
    const uint8_t *lladdr;
    bool ns = type == ICMPV6_NEIGHBOR_SOLICIT;
    if (hop_limit != 255 || len < NDP_MSG_LEN || msg[1] != 0 ||
        msg[8] == 0xff ||
        !parse_options(msg + NDP_MSG_LEN, len - NDP_MSG_LEN, ns ? NDP_OPT_SOURCE_LLADDR : NDP_OPT_TARGET_LLADDR,
                       &lladdr)) {
        stack_drop(st, iface, SYNACK_DROP_NDP_MALFORMED, now);
        return;
    }
    struct synack_addr target = synack_addr_v6(msg + 8);
    if (ns) {
        /* §7.1.1: from :: only to a solicited-node group (DAD), and then
         * without a source link-layer option. */
        if (synack_addr_is_any(src) && (!is_solicited_node(dst) || lladdr)) {
            stack_drop(st, iface, SYNACK_DROP_NDP_MALFORMED, now);
            return;
        }
        solicitation(st, iface, src, &target, lladdr, now);
        return;
    }
    /* §7.1.2: an advertisement to a group is never solicited. */
    if (dst->bytes[0] == 0xff && (msg[4] & NDP_NA_SOLICITED)) {
        stack_drop(st, iface, SYNACK_DROP_NDP_MALFORMED, now);
        return;
    }
    advertisement(st, iface, msg[4], &target, lladdr, now);
}
