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
    bool frag_needed;         /* type 3 code 4, or ICMPv6 packet too big: path MTU news (RFC 1191, 8201), not an error */
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

/* Shared with ICMPv6 (icmp6.c). */
/* Copies the echo request msg (len bytes, at most STACK_TX_BUF less an IP
 * header) to where transports build, as a reply of reply_type with code
 * and checksum 0; returns it for the caller's checksum. */
uint8_t *icmp_echo_reply_at_tx(struct synack_stack *st, uint8_t reply_type, const uint8_t *msg, size_t len);
/* Hands an error that quotes a packet qsrc -> qdst of protocol `proto`
 * (th: its transport header, at least 8 bytes) to TCP or UDP. */
void icmp_error_to_transport(struct synack_stack *st, int iface, uint8_t proto, const struct synack_addr *qsrc,
                             const struct synack_addr *qdst, const uint8_t *th, size_t thlen,
                             const struct icmp_err *e, synack_time_us now);
/* The interface an error to `to` leaves by (its route, else the one the
 * offending packet came in on), once the rate limit allows it: RFC 1122
 * §3.2.2, RFC 4443 §2.4 (f), one token bucket for every ICMP and ICMPv6
 * error the stack sends (cfg.icmp_error_rate).  -1 when the bucket is
 * empty (counted as OutRateLimitGlobal). */
int icmp_error_iface(struct synack_stack *st, int iface, const struct synack_addr *to, synack_time_us now);
/* Writes an error message at msg: type, code, a zero checksum, the 32-bit
 * field after it (unused, an MTU or a pointer), then as much of the
 * offending packet orig as fits in `max_quote` bytes and in the MTU of
 * interface `out` behind an IP header of ip_hlen bytes.  Returns the
 * message's length; the caller fills the checksum. */
size_t icmp_write_error(struct synack_stack *st, int out, size_t ip_hlen, uint8_t type, uint8_t code, uint32_t word,
                        const uint8_t *orig, size_t orig_len, size_t max_quote);

#endif
