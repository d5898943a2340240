/*
 * synack/packet.h — decoding a captured IP packet (IPv4, or IPv6 with its
 * extension headers walked to the upper-layer header) into the fields a
 * tool shows: addresses, TCP ports, flags, sequence numbers, window,
 * options.
 *
 * It uses the engine's own codec, so a packet decodes here exactly when
 * the stack would accept its headers; every length is checked against the
 * bytes present.  Checksums are reported, not required.
 */
#ifndef SYNACK_PACKET_H
#define SYNACK_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "synack/addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TCP header flag bits (RFC 9293 §3.1). */
enum synack_tcp_flag {
    SYNACK_TCP_FIN = 0x01,
    SYNACK_TCP_SYN = 0x02,
    SYNACK_TCP_RST = 0x04,
    SYNACK_TCP_PSH = 0x08,
    SYNACK_TCP_ACK = 0x10,
    SYNACK_TCP_URG = 0x20,
    SYNACK_TCP_ECE = 0x40,
    SYNACK_TCP_CWR = 0x80,
};

#define SYNACK_PACKET_SACK_MAX 4

struct synack_packet_info {
    struct synack_addr src, dst;
    uint8_t proto;                 /* IP protocol number (IPv6: the upper-layer protocol after any
                                    * extension headers; 44, Fragment, for a non-first fragment) */
    uint8_t ttl;                   /* IPv4 TTL or IPv6 hop limit */
    uint32_t ip_total_len;         /* IPv4 total length, or 40 + the IPv6 payload length */
    bool is_tcp;                   /* the fields below are valid */
    bool tcp_checksum_ok;
    uint16_t src_port, dst_port;
    uint32_t seq, ack;
    uint8_t flags;                 /* enum synack_tcp_flag bits */
    uint16_t window;               /* as on the wire, unscaled */
    uint32_t payload_len;
    const uint8_t *payload;        /* into the packet */
    bool has_mss, has_wscale, sack_permitted, has_timestamp;
    uint16_t mss;
    uint8_t wscale;
    uint32_t ts_val, ts_ecr;
    uint8_t sack_count;
    uint32_t sack[SYNACK_PACKET_SACK_MAX][2];   /* [left, right) */
};

/* Decodes an IPv4 or IPv6 packet (by its version field).  Returns 0, or
 * -SYNACK_EINVAL when its IP header or extension-header chain (or, for
 * TCP, its TCP header) is malformed.  A fragment (other than an IPv6
 * atomic fragment) is not decoded as TCP. */
int synack_packet_decode(const uint8_t *packet, size_t len, struct synack_packet_info *out);

/* Flags as the textbook tables write them: "SYN", "SYN,ACK", "ACK,PSH",
 * "FIN,ACK", "RST,ACK"; "none" for no flag.  Returns buf. */
char *synack_tcp_flags_text(uint8_t flags, char *buf, size_t len);

/* SEG.LEN of RFC 9293 §3.4: payload plus one for SYN and one for FIN. */
static inline uint32_t synack_packet_seg_len(const struct synack_packet_info *p)
{
    return p->payload_len + !!(p->flags & SYNACK_TCP_SYN) + !!(p->flags & SYNACK_TCP_FIN);
}

#ifdef __cplusplus
}
#endif
#endif
