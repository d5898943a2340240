/*
 * ipv6.h — IPv6 (RFC 8200): the header and extension-header chain on the
 * wire, and IPv6 input.
 *
 * Two layers:
 *   - a pure codec that needs no stack: ipv6_parse (header checks and the
 *     walk of the extension-header chain to the upper-layer header, for
 *     tools and tests) and ipv6_walk (the walk itself, from any point of a
 *     chain, optionally acting on options as RFC 8200 §4.2 says);
 *   - ip6_input (ipv6.c), which the stack calls for every IPv6 packet:
 *     address checks, the walk, reassembly (ipfrag.c), and delivery to
 *     TCP, UDP or ICMPv6 (icmp6.c).
 *
 * synack sends no extension headers.
 */
#ifndef SYNACK_CORE_IPV6_H
#define SYNACK_CORE_IPV6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "synack/addr.h"
#include "synack/trace.h"

struct synack_stack;

#define IPV6_HEADER_LEN 40
#define IPV6_MIN_MTU 1280          /* RFC 8200 §5 */
#define IPV6_FRAG_HEADER_LEN 8     /* RFC 8200 §4.5 */

/* Next Header values (IANA "Assigned Internet Protocol Numbers"). */
#define IP6_NH_HOP_BY_HOP 0
#define IP6_NH_ROUTING 43
#define IP6_NH_FRAGMENT 44
#define IP6_NH_NONE 59
#define IP6_NH_DEST_OPTS 60
#define IP_PROTO_ICMPV6 58

/* Extension headers walked at most (RFC 8200 §4.1 expects each at most
 * once, destination options twice: a longer chain is hostile). */
#define IPV6_MAX_EXT_HEADERS 16

/* The fields of a fragment header (RFC 8200 §4.5). */
struct ipv6_frag {
    uint16_t offset;             /* in bytes */
    bool more;                   /* M flag */
    uint32_t id;
    uint8_t next_header;         /* of the fragmentable part */
    uint32_t at;                 /* offset of the fragment header in the packet */
};

/* What walking a chain found.  On success `proto` is the upper-layer
 * protocol (IP6_NH_NONE included, or any value the walk does not know
 * as an extension header) whose header starts at `upper`, named by the
 * Next Header field at `nh_at`; or, with `fragmented`, the walk stopped at
 * a fragment header (`frag`) that is not an atomic fragment.  On failure,
 * `why` says why, and `icmp_code` (0xff: none) and `pointer` the ICMPv6
 * parameter problem that RFC 8200 asks for (`icmp_to_multicast`: it may be
 * sent even if the packet went to a multicast address, RFC 4443 §2.4 (e.3)). */
struct ipv6_chain {
    uint8_t proto;
    uint32_t upper;
    uint32_t nh_at;
    uint16_t ext_count;
    bool fragmented;             /* stopped at a fragment header */
    bool atomic;                 /* passed an atomic fragment header (RFC 6946) */
    struct ipv6_frag frag;       /* the fragment header met last */
    enum synack_drop_reason why;
    uint8_t icmp_code;
    bool icmp_to_multicast;
    uint32_t pointer;
};

/* ipv6_walk flags. */
#define IPV6_WALK_OPTIONS 0x1          /* act on options and routing headers (RFC 8200 §4.2, §4.4) */
#define IPV6_WALK_DST_MULTICAST 0x2    /* ... for a packet sent to a multicast address */
#define IPV6_WALK_THROUGH_FIRST 0x4    /* go on past the fragment header of a first fragment */
#define IPV6_WALK_REASSEMBLED 0x8      /* a reassembled packet: another fragment header is an error */

/* Walks the chain of the len-byte packet p from the header at `off`
 * (type `nh`, named by the field at `nh_at`).  Returns false, with
 * c->why (and maybe an ICMPv6 parameter problem to send), when the chain
 * is malformed, too long, or an option or routing header says to discard
 * the packet; then c->proto, c->upper are the last header reached. */
bool ipv6_walk(const uint8_t *p, size_t len, size_t off, uint8_t nh, size_t nh_at, unsigned flags,
               struct ipv6_chain *c);

/* A decoded IPv6 packet, for tools and tests (and the first checks of
 * ip6_input).  `payload` points at the upper-layer header, `payload_len`
 * bytes of it are in the buffer (for a non-first fragment: the fragment's
 * data); `proto` is the upper-layer protocol, or IP6_NH_FRAGMENT for a
 * fragment other than the first. */
struct ipv6_packet {
    struct synack_addr src, dst;
    uint8_t hop_limit;
    uint8_t traffic_class;
    uint32_t flow_label;
    uint32_t length;             /* 40 + the Payload Length field: the bytes that belong to the packet */
    uint8_t proto;
    const uint8_t *payload;
    uint32_t payload_len;
    bool has_frag;               /* a fragment header was found (atomic or not) */
    struct ipv6_frag frag;
    uint16_t ext_count;          /* extension headers passed */
};

/* Checks the fixed header (RFC 8200 §3: version 6, a payload length that
 * fits in len; a longer buffer is trimmed to it; jumbograms are not
 * supported) and walks the chain structurally (options are skipped, not
 * acted on; the walk goes through a first fragment's fragment header).
 * On failure returns false and sets *why. */
bool ipv6_parse(const uint8_t *p, size_t len, struct ipv6_packet *out, enum synack_drop_reason *why);

/* The header checks of ipv6_parse only: fills src, dst, hop_limit,
 * traffic class, flow label and length; leaves the chain alone. */
bool ipv6_parse_header(const uint8_t *p, size_t len, struct ipv6_packet *out, enum synack_drop_reason *why);

/* Writes a 40-byte header at buf: traffic class and flow label 0. */
void ipv6_write_header(uint8_t *buf, const struct synack_addr *src, const struct synack_addr *dst,
                       uint8_t next_header, uint16_t payload_len, uint8_t hop_limit);

/* Address classes (RFC 4291 §2.4). */
static inline bool ipv6_is_multicast(const struct synack_addr *a)
{
    return a->family == SYNACK_AF_INET6 && a->bytes[0] == 0xff;
}
/* ::1 (RFC 4291 §2.5.3) */
static inline bool ipv6_is_loopback(const struct synack_addr *a)
{
    static const uint8_t loopback[16] = { [15] = 1 };
    return a->family == SYNACK_AF_INET6 && memcmp(a->bytes, loopback, 16) == 0;
}
/* ::ffff:0:0/96, IPv4-mapped (RFC 4291 §2.5.5.2) */
static inline bool ipv6_is_v4_mapped(const struct synack_addr *a)
{
    static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };
    return a->family == SYNACK_AF_INET6 && memcmp(a->bytes, prefix, 12) == 0;
}
/* The solicited-node multicast address of a (RFC 4291 §2.7.1):
 * ff02::1:ff00:0/104 and a's low 24 bits. */
struct synack_addr ipv6_solicited_node(const struct synack_addr *a);

/* An IPv6 packet arrived on iface (st->rx_packet is pkt). */
void ip6_input(struct synack_stack *st, int iface, const uint8_t *pkt, size_t len, synack_time_us now);

#endif
