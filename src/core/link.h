/*
 * link.h — the Ethernet link layer under IP (eth.c): what stack.c asks of
 * it for interfaces of type SYNACK_LINK_ETHERNET.
 *
 *   eth_input       a frame arrived: IPv4 and IPv6 go up to
 *                   stack_ip_input, ARP to arp.c;
 *   eth_output      an IP packet (with room for the frame header in front
 *                   of it) to send to `nexthop`: framed at once when the
 *                   neighbour is known, else queued while it is resolved
 *                   (ARP, RFC 826; neighbour solicitation, RFC 4861);
 *   eth_addr_added  an address was added to the interface (gratuitous ARP
 *                   for IPv4, duplicate address detection for IPv6);
 *   eth_send        frames a payload and hands it to the driver (ARP,
 *                   and the packets the neighbour cache held).
 */
#ifndef SYNACK_CORE_LINK_H
#define SYNACK_CORE_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/addr.h"
#include "synack/trace.h"

struct synack_stack;
struct iface_addr;

#define ETH_HEADER_LEN 14
#define ETH_MIN_FRAME 60           /* IEEE 802.3 minimum, without the 4-byte FCS */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd

void eth_input(struct synack_stack *st, int iface, const uint8_t *frame, size_t len, synack_time_us now);
int eth_output(struct synack_stack *st, int iface, const struct synack_addr *nexthop, uint8_t *pkt, size_t len,
               synack_time_us now);
void eth_addr_added(struct synack_stack *st, int iface, struct iface_addr *ia);
/* Writes the header (to dst, from the interface's MAC, `type`) in the 14
 * bytes before payload, pads a short frame with zeros to 60 bytes, and
 * transmits.  A driver refusal is counted (an IP payload's as
 * ipOutDiscards) and dropped.  Returns 0 or the driver's error. */
int eth_send(struct synack_stack *st, int iface, const uint8_t dst[6], uint16_t type, uint8_t *payload,
             size_t len, synack_time_us now);

#endif
