/*
 * tcp_wire.h — the TCP header and its options on the wire (RFC 9293 §3.1,
 * §3.2; option kinds from RFC 7323 and RFC 2018).
 *
 * Parsing never trusts a length: every field is checked against the bytes
 * actually present, and a malformed header yields a drop reason instead of
 * a segment.  Building writes the header in place into the caller's buffer.
 */
#ifndef SYNACK_CORE_TCP_WIRE_H
#define SYNACK_CORE_TCP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "synack/addr.h"
#include "synack/packet.h"
#include "synack/trace.h"

/* Flag bits: the public values of synack/packet.h under the short names
 * the engine uses. */
#define TCP_FIN SYNACK_TCP_FIN
#define TCP_SYN SYNACK_TCP_SYN
#define TCP_RST SYNACK_TCP_RST
#define TCP_PSH SYNACK_TCP_PSH
#define TCP_ACK SYNACK_TCP_ACK
#define TCP_URG SYNACK_TCP_URG
#define TCP_ECE SYNACK_TCP_ECE
#define TCP_CWR SYNACK_TCP_CWR

#define TCP_HEADER_MIN 20
#define TCP_HEADER_MAX 60
#define TCP_SACK_BLOCKS_MAX 4
#define TCP_TS_OPTION_LEN 12   /* NOP, NOP, kind 8, length 10 (RFC 7323 Appendix A layout) */

enum tcp_option_kind {
    TCP_OPT_EOL = 0,
    TCP_OPT_NOP = 1,
    TCP_OPT_MSS = 2,        /* RFC 9293 §3.2 */
    TCP_OPT_WSCALE = 3,     /* RFC 7323 §2 */
    TCP_OPT_SACK_PERM = 4,  /* RFC 2018 §2 */
    TCP_OPT_SACK = 5,       /* RFC 2018 §3 */
    TCP_OPT_TIMESTAMP = 8,  /* RFC 7323 §3 */
};

struct tcp_sack_block {
    uint32_t left, right;
};

struct tcp_options {
    bool has_mss, has_wscale, sack_permitted, has_timestamp;
    uint16_t mss;
    uint8_t wscale;
    uint8_t sack_count;
    uint32_t ts_val, ts_ecr;
    struct tcp_sack_block sack[TCP_SACK_BLOCKS_MAX];
};

/* A parsed segment; payload points into the packet it came from. */
struct tcp_segment {
    uint16_t src_port, dst_port;
    uint32_t seq, ack;
    uint8_t flags;
    uint8_t header_len;
    uint16_t window;
    uint16_t urgent;
    struct tcp_options opt;
    const uint8_t *payload;
    uint32_t payload_len;
    bool placed;           /* payload already copied to RCV.NXT in the receive ring (tcp_input) */
};

/* SEG.LEN of RFC 9293 §3.4: payload plus one for SYN and one for FIN. */
static inline uint32_t tcp_seg_len(const struct tcp_segment *s)
{
    return s->payload_len + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);
}

/* Parses a TCP header and options from len bytes.  On failure returns false
 * and sets *why (TCP_TRUNCATED, TCP_DATA_OFFSET, TCP_OPTIONS). */
bool tcp_parse(const uint8_t *p, size_t len, struct tcp_segment *out, enum synack_drop_reason *why);
/* Parses an option list (RFC 9293 §3.2: EOL, NOP, and kind-length-value
 * options; unknown kinds are skipped by their length).  Returns false when
 * a length is below 2, runs past the end, or does not fit its kind. */
bool tcp_parse_options(const uint8_t *p, size_t len, struct tcp_options *out);
/* Whether the checksum of a whole segment (header and payload) verifies. */
bool tcp_checksum_ok(const struct synack_addr *src, const struct synack_addr *dst, const uint8_t *seg,
                     size_t len);
/* The same for a segment whose payload (after hlen bytes of header, hlen a
 * multiple of 4) was summed while it was copied; len is the whole length. */
bool tcp_checksum_ok_parts(const struct synack_addr *src, const struct synack_addr *dst, const uint8_t *seg,
                           size_t hlen, uint64_t payload_sum, size_t len);

/* Fields of a header to build. */
struct tcp_header_out {
    uint16_t src_port, dst_port;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window;
    const struct tcp_options *opt;   /* NULL for none; sack blocks are written too */
};
/* Writes the header (with options padded to a multiple of 4) at buf, which
 * must have room for TCP_HEADER_MAX bytes.  Returns the header length. */
size_t tcp_write_header(uint8_t *buf, const struct tcp_header_out *h);
/* Computes and stores the checksum of the len-byte segment at seg. */
void tcp_fill_checksum(uint8_t *seg, size_t len, const struct synack_addr *src, const struct synack_addr *dst);
/* The same for a header of hlen bytes (a multiple of 4) followed by a
 * payload whose sum (csum_add form) the caller took while copying it. */
void tcp_fill_checksum_parts(uint8_t *seg, size_t hlen, uint64_t payload_sum, size_t payload_len,
                             const struct synack_addr *src, const struct synack_addr *dst);

#endif
