/*
 * ndp.h — IPv6 neighbour discovery (RFC 4861) and duplicate address
 * detection (RFC 4862 §5.4), over an Ethernet link.
 *
 *   ndp_input        an ICMPv6 message of types 133-137 (router
 *                    solicitation and advertisement, neighbour
 *                    solicitation and advertisement, redirect) that
 *                    icmp6.c has checked (checksum, length); `hop_limit`
 *                    is the IPv6 header's, which must be 255 (RFC 4861
 *                    §6.1, §7.1);
 *   ndp_solicit      asks for target's link-layer address (neigh.c): to
 *                    its solicited-node group, or unicast to the cached
 *                    MAC when probing;
 *   ndp_dad_solicit  one DAD solicitation for a tentative address, and
 *   ndp_dad_done     DAD heard no objection: the address is ours
 *                    (neigh.c runs both as the address's job).
 */
#ifndef SYNACK_CORE_NDP_H
#define SYNACK_CORE_NDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/addr.h"
#include "synack/trace.h"

struct synack_stack;
struct iface_addr;

#define ICMPV6_ROUTER_SOLICIT 133
#define ICMPV6_ROUTER_ADVERT 134
#define ICMPV6_NEIGHBOR_SOLICIT 135
#define ICMPV6_NEIGHBOR_ADVERT 136
#define ICMPV6_REDIRECT 137
/* Whether an ICMPv6 type is one of neighbour discovery's (133-137). */
static inline bool icmp6_type_is_nd(int type) { return type >= ICMPV6_ROUTER_SOLICIT && type <= ICMPV6_REDIRECT; }

/* Options (RFC 4861 §4.6.1) and advertisement flags (§4.4). */
#define NDP_OPT_SOURCE_LLADDR 1
#define NDP_OPT_TARGET_LLADDR 2
#define NDP_NA_ROUTER 0x80
#define NDP_NA_SOLICITED 0x40
#define NDP_NA_OVERRIDE 0x20

void ndp_input(struct synack_stack *st, int iface, const struct synack_addr *src, const struct synack_addr *dst,
               uint8_t hop_limit, const uint8_t *msg, size_t len, synack_time_us now);
void ndp_solicit(struct synack_stack *st, int iface, const struct synack_addr *target, const uint8_t *unicast,
                 synack_time_us now);
void ndp_dad_solicit(struct synack_stack *st, int iface, const struct synack_addr *target, synack_time_us now);
void ndp_dad_done(struct synack_stack *st, int iface, struct iface_addr *ia);

#endif
