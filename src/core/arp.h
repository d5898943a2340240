/*
 * arp.h — ARP for IPv4 over Ethernet (RFC 826), over the neighbour cache
 * (neigh.h).
 *
 *   arp_input     an ARP frame arrived (eth_input): validated, answered
 *                 when it asks for one of our addresses, and what it says
 *                 about its sender merged into the cache;
 *   arp_request   asks who has `target` (neigh.c: resolution, broadcast;
 *                 probes, unicast to the cached MAC);
 *   arp_announce  a gratuitous ARP for one of our addresses (RFC 5227 §3).
 */
#ifndef SYNACK_CORE_ARP_H
#define SYNACK_CORE_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "synack/addr.h"
#include "synack/trace.h"

struct synack_stack;

#define ARP_LEN 28                 /* the packet for Ethernet and IPv4 */
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

void arp_input(struct synack_stack *st, int iface, const uint8_t *frame, size_t len, synack_time_us now);
/* unicast: the MAC to ask directly, or NULL to broadcast. */
void arp_request(struct synack_stack *st, int iface, const struct synack_addr *target, const uint8_t *unicast,
                 synack_time_us now);
void arp_announce(struct synack_stack *st, int iface, const struct synack_addr *addr, synack_time_us now);

#endif
