/*
 * ipv4.c — IPv4 header codec.
 * Reading list: RFC 791 §3.1 (header), RFC 1122 §3.2.1 (what a host must
 * check on receipt: version §3.2.1.1, checksum §3.2.1.2, addresses §3.2.1.3).
 */
#include "ipv4.h"

#include <string.h>

#include "byteorder.h"
#include "checksum.h"

/* Filled in place: building the address on the stack and copying it out
 * made a wide load of narrower stores just made, which cannot be
 * forwarded (seen in the ping-pong profile). */
static void addr_from_wire(struct synack_addr *a, const uint8_t *p)
{
    memset(a, 0, sizeof *a);
    a->family = SYNACK_AF_INET;
    memcpy(a->bytes, p, 4);
}

bool ipv4_parse(const uint8_t *p, size_t len, struct ipv4_packet *out, enum synack_drop_reason *why)
{
    if (len < IPV4_HEADER_LEN) {
        *why = SYNACK_DROP_IP_TRUNCATED;
        return false;
    }
    if (p[0] >> 4 != 4) {                      /* RFC 1122 §3.2.1.1 */
        *why = SYNACK_DROP_IP_VERSION;
        return false;
    }
    size_t hlen = (size_t)(p[0] & 0x0f) * 4;
    if (hlen < IPV4_HEADER_LEN) {
        *why = SYNACK_DROP_IP_HEADER_LENGTH;
        return false;
    }
    size_t total = get_be16(p + 2);
    if (hlen > len || total < hlen || total > len) {
        *why = total < hlen ? SYNACK_DROP_IP_HEADER_LENGTH : SYNACK_DROP_IP_TRUNCATED;
        return false;
    }
    if (csum_finish(csum_add(0, p, hlen)) != 0) {  /* RFC 1122 §3.2.1.2 */
        *why = SYNACK_DROP_IP_CHECKSUM;
        return false;
    }
    uint16_t frag = get_be16(p + 6);
    addr_from_wire(&out->src, p + 12);
    addr_from_wire(&out->dst, p + 16);
    out->proto = p[9];
    out->ttl = p[8];
    out->header_len = (uint8_t)hlen;
    out->id = get_be16(p + 4);
    out->dont_fragment = (frag & 0x4000) != 0;
    out->more_fragments = (frag & 0x2000) != 0;
    out->frag_offset = (uint16_t)((frag & 0x1fff) * 8);
    out->payload = p + hlen;
    out->payload_len = (uint16_t)(total - hlen);
    return true;
}

void ipv4_fill_checksum(uint8_t *hdr, size_t hlen)
{
    put_be16(hdr + 10, 0);
    put_be16(hdr + 10, csum_finish(csum_add(0, hdr, hlen)));
}

void ipv4_write_header(uint8_t *buf, const struct synack_addr *src, const struct synack_addr *dst,
                       uint8_t proto, uint16_t payload_len, uint8_t ttl, uint16_t id, bool dont_fragment)
{
    buf[0] = 0x45;
    buf[1] = 0;
    put_be16(buf + 2, (uint16_t)(IPV4_HEADER_LEN + payload_len));
    put_be16(buf + 4, id);
    put_be16(buf + 6, dont_fragment ? 0x4000 : 0);
    buf[8] = ttl;
    buf[9] = proto;
    memcpy(buf + 12, src->bytes, 4);
    memcpy(buf + 16, dst->bytes, 4);
    ipv4_fill_checksum(buf, IPV4_HEADER_LEN);
}
