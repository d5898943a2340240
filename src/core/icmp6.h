/*
 * icmp6.h — ICMPv6 (RFC 4443): what the rest of the engine asks of it.
 *
 *   icmp6_input       every ICMPv6 message that arrives (echo; errors
 *                     quoting a packet we sent, handed to tcp_icmp_error
 *                     and udp_icmp_error; neighbour discovery, handed to
 *                     ndp_input);
 *   icmp6_send_error  destination unreachable, time exceeded or parameter
 *                     problem about a packet we received, after RFC 4443
 *                     §2.4 (e)'s exceptions and the stack's rate limit
 *                     (the bucket ICMPv4 errors use, §2.4 (f)).
 */
#ifndef SYNACK_CORE_ICMP6_H
#define SYNACK_CORE_ICMP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/addr.h"
#include "synack/trace.h"

struct synack_stack;

/* Types (RFC 4443 §2.1, §3, §4). */
#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_PACKET_TOO_BIG 2
#define ICMPV6_TIME_EXCEEDED 3
#define ICMPV6_PARAM_PROBLEM 4
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129

/* Destination unreachable codes (RFC 4443 §3.1). */
#define ICMPV6_UNREACH_NO_ROUTE 0
#define ICMPV6_UNREACH_ADMIN 1
#define ICMPV6_UNREACH_BEYOND_SCOPE 2
#define ICMPV6_UNREACH_ADDR 3
#define ICMPV6_UNREACH_PORT 4
#define ICMPV6_UNREACH_POLICY 5
#define ICMPV6_UNREACH_REJECT_ROUTE 6
/* Time exceeded codes (§3.3). */
#define ICMPV6_TIMXCEED_HOP_LIMIT 0
#define ICMPV6_TIMXCEED_REASS 1
/* Parameter problem codes (§3.4; code 3 from RFC 7112 §5). */
#define ICMPV6_PARAMPROB_HEADER 0
#define ICMPV6_PARAMPROB_NEXT_HEADER 1
#define ICMPV6_PARAMPROB_OPTION 2
#define ICMPV6_PARAMPROB_FIRST_FRAGMENT 3

/* RFC 4443 §2.4 (c): an error carries as much of the offending packet as
 * fits in the IPv6 minimum MTU: 1280 - 40 - 8. */
#define ICMPV6_QUOTE_MAX 1232

/* An ICMPv6 message arrived (st->rx_packet is its IPv6 packet); hop_limit
 * is the IPv6 header's, for neighbour discovery. */
void icmp6_input(struct synack_stack *st, int iface, const struct synack_addr *src, const struct synack_addr *dst,
                 uint8_t hop_limit, const uint8_t *msg, size_t len, synack_time_us now);

/* Sends an ICMPv6 error of type/code about `orig`, the IPv6 packet that
 * arrived on `iface`; `word` is the field after the checksum (parameter
 * problem: the pointer; packet too big: the MTU; else 0).
 * `to_multicast_ok`: the error may be sent even though orig went to a
 * multicast address (RFC 4443 §2.4 (e.3): packet too big, and parameter
 * problem code 2 for an option of type 10xxxxxx).  Sends nothing, and
 * returns false, when §2.4 (e) forbids an error about orig or the rate
 * limit says no. */
bool icmp6_send_error(struct synack_stack *st, int iface, uint8_t type, uint8_t code, uint32_t word,
                      const uint8_t *orig, size_t orig_len, bool to_multicast_ok, synack_time_us now);

#endif
