/*
 * ipv4.h — the IPv4 header (RFC 791 §3.1) on the wire.
 *
 * Options are accepted on input and skipped (RFC 1122 §3.2.1.8 asks a host
 * to ignore options it does not implement); synack never sends them.
 */
#ifndef SYNACK_CORE_IPV4_H
#define SYNACK_CORE_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "synack/addr.h"
#include "synack/trace.h"

#define IPV4_HEADER_LEN 20
#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17

struct ipv4_packet {
    struct synack_addr src, dst;
    uint8_t proto;
    uint8_t ttl;
    uint8_t header_len;
    uint16_t id;
    bool more_fragments, dont_fragment;
    uint16_t frag_offset;        /* in bytes */
    const uint8_t *payload;      /* into the packet */
    uint16_t payload_len;        /* from the total length field, not the buffer */
};

/* Validates version, header length, total length against len, and the
 * header checksum.  On failure returns false and sets *why. */
bool ipv4_parse(const uint8_t *p, size_t len, struct ipv4_packet *out, enum synack_drop_reason *why);

/* Writes the header checksum of the hlen-byte header at hdr (RFC 791
 * §3.1: the 16-bit one's complement sum, with the field taken as zero). */
void ipv4_fill_checksum(uint8_t *hdr, size_t hlen);

/* Writes a 20-byte header at buf for a payload of payload_len bytes,
 * checksum included. */
void ipv4_write_header(uint8_t *buf, const struct synack_addr *src, const struct synack_addr *dst,
                       uint8_t proto, uint16_t payload_len, uint8_t ttl, uint16_t id, bool dont_fragment);

#endif
