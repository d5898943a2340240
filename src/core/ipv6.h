/*
 * ipv6.h — the IPv6 header (RFC 8200 §3) on the wire, and IPv6 input.
 *
 * synack sends no extension headers; on input ip6_input (ipv6.c) walks the
 * extension-header chain (RFC 8200 §4) before handing the upper-layer
 * payload to TCP, UDP or ICMPv6.
 */
#ifndef SYNACK_CORE_IPV6_H
#define SYNACK_CORE_IPV6_H

#include <stddef.h>
#include <stdint.h>

#include "synack/addr.h"
#include "synack/trace.h"

struct synack_stack;

#define IPV6_HEADER_LEN 40
#define IPV6_MIN_MTU 1280          /* RFC 8200 §5 */
#define IP_PROTO_ICMPV6 58

/* Writes a 40-byte header at buf: traffic class and flow label 0. */
void ipv6_write_header(uint8_t *buf, const struct synack_addr *src, const struct synack_addr *dst,
                       uint8_t next_header, uint16_t payload_len, uint8_t hop_limit);

/* An IPv6 packet arrived on iface (st->rx_packet is pkt). */
void ip6_input(struct synack_stack *st, int iface, const uint8_t *pkt, size_t len, synack_time_us now);

#endif
