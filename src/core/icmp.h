/*
 * icmp.h — ICMP for IPv4 (RFC 792): what the rest of the engine asks of it.
 *
 *   icmp_input       every ICMP message that arrives (echo, and the errors
 *                    that quote a packet we sent: icmp.c hands those to
 *                    tcp_icmp_error and udp_icmp_error);
 *   icmp_send_error  destination unreachable / time exceeded about a packet
 *                    we received, after the RFC 1122 §3.2.2 checks and the
 *                    stack's rate limit.
 */
#ifndef SYNACK_CORE_ICMP_H
#define SYNACK_CORE_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/addr.h"
#include "synack/trace.h"

struct synack_stack;

#define ICMP_HEADER_LEN 8

/* Types (RFC 792) and the destination-unreachable codes we send or read. */
#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_SOURCE_QUENCH 4
#define ICMP_ECHO_REQUEST 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12

#define ICMP_UNREACH_PROTOCOL 2
#define ICMP_UNREACH_PORT 3
#define ICMP_UNREACH_FRAG_NEEDED 4
#define ICMP_TIMXCEED_REASS 1      /* time exceeded: fragment reassembly */

/* How much of the offending datagram an error quotes: RFC 792 asks for
 * the IP header and 8 bytes; RFC 1812 §4.3.2.3 lets an error carry as much
 * as fits in 576 bytes, which is what Linux sends (576 - 20 - 8). */
#define ICMP_QUOTE_MAX 548

/* What an incoming error means for the transport it quotes (RFC 1122
 * §4.2.3.9): the errno to report, and whether it is "hard" (may end a
 * connection attempt) or "soft" (only remembered). */
struct icmp_err {
    uint8_t type, code;
    int err;                  /* positive synack_error */
    bool hard;
    bool frag_needed;         /* type 3 code 4: path MTU news (RFC 1191), not an error */
    /* With frag_needed: the next-hop MTU the message reports (IPv4: RFC
     * 1191 §4, bytes 6-7 of the ICMP header; IPv6: RFC 4443 §3.2), 0 when
     * an old router left it zero (RFC 1191 §5: the plateau table then
     * gives an estimate, tcp_pmtu.c); and the Total Length of the quoted
     * packet (0 if unknown), which that estimate starts from. */
    uint32_t mtu;
    uint32_t quoted_len;
};

void icmp_input(struct synack_stack *st, int iface, const struct synack_addr *src, const struct synack_addr *dst,
                const uint8_t *msg, size_t len, synack_time_us now);

/* Sends an ICMP error of type/code about `orig`, the IP packet (header
 * first) that arrived on `iface`.  Sends nothing, and returns false, when
 * RFC 1122 §3.2.2 forbids an error about that packet or the rate limit
 * says no. */
bool icmp_send_error(struct synack_stack *st, int iface, uint8_t type, uint8_t code, const uint8_t *orig,
                     size_t orig_len, synack_time_us now);

#endif
