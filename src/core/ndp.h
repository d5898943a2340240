/*
 * ndp.h — IPv6 neighbour discovery (RFC 4861) and duplicate address
 * detection (RFC 4862 §5.4), over an Ethernet link.
 *
 *   ndp_input   an ICMPv6 message of types 133-137 (router solicitation
 *               and advertisement, neighbour solicitation and
 *               advertisement, redirect) that icmp6.c has checked
 *               (checksum, length); `hop_limit` is the IPv6 header's, which
 *               must be 255 (RFC 4861 §6.1, §7.1).
 */
#ifndef SYNACK_CORE_NDP_H
#define SYNACK_CORE_NDP_H

#include <stddef.h>
#include <stdint.h>

#include "synack/addr.h"
#include "synack/trace.h"

struct synack_stack;

#define ICMPV6_ROUTER_SOLICIT 133
#define ICMPV6_ROUTER_ADVERT 134
#define ICMPV6_NEIGHBOR_SOLICIT 135
#define ICMPV6_NEIGHBOR_ADVERT 136
#define ICMPV6_REDIRECT 137

void ndp_input(struct synack_stack *st, int iface, const struct synack_addr *src, const struct synack_addr *dst,
               uint8_t hop_limit, const uint8_t *msg, size_t len, synack_time_us now);

#endif
