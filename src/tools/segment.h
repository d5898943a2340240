/*
 * segment.h — reading the few TCP/IPv4 header fields the tool's tables show
 * (flags, sequence and acknowledgment numbers, payload length, MSS).
 *
 * The engine's own codec is internal to it; the tool only needs a summary
 * of packets it is shown through trace hooks and taps, so it reads them
 * here, checking every length against the bytes present (RFC 791 §3.1,
 * RFC 9293 §3.1 and §3.2 for the MSS option).
 */
#ifndef SYNACK_TOOLS_SEGMENT_H
#define SYNACK_TOOLS_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum seg_flag {
    SEG_FIN = 0x01,
    SEG_SYN = 0x02,
    SEG_RST = 0x04,
    SEG_PSH = 0x08,
    SEG_ACK = 0x10,
    SEG_URG = 0x20,
    SEG_ECE = 0x40,
    SEG_CWR = 0x80,
};

struct seg_summary {
    uint16_t src_port, dst_port;
    uint32_t seq, ack;
    uint8_t flags;                /* enum seg_flag bits */
    uint16_t window;
    uint32_t payload_len;
    bool has_mss;
    uint16_t mss;
};

/* Reads an IPv4 packet carrying TCP.  Returns false for anything else or
 * for a packet whose lengths do not add up. */
bool seg_parse(const uint8_t *packet, size_t len, struct seg_summary *out);

/* Writes the flags the way the textbook tables do ("SYN,ACK", "FIN,ACK",
 * "ACK,PSH"); "none" when no flag is set.  Returns buf. */
char *seg_flags_text(uint8_t flags, char *buf, size_t len);

#endif
