/*
 * ipv6.c — IPv6 (RFC 8200): header output, and input.
 *
 * Input is a placeholder until the extension-header walk lands: packets
 * are counted and dropped as IP_VERSION.
 */
#include <string.h>

#include "byteorder.h"
#include "ipv6.h"
#include "stack_internal.h"

void ipv6_write_header(uint8_t *buf, const struct synack_addr *src, const struct synack_addr *dst,
                       uint8_t next_header, uint16_t payload_len, uint8_t hop_limit)
{
    put_be32(buf, 6u << 28);             /* version 6, traffic class 0, flow label 0 */
    put_be16(buf + 4, payload_len);
    buf[6] = next_header;
    buf[7] = hop_limit;
    memcpy(buf + 8, src->bytes, 16);
    memcpy(buf + 24, dst->bytes, 16);
}

void ip6_input(struct synack_stack *st, int iface, const uint8_t *pkt, size_t len, synack_time_us now)
{
    (void)pkt;
    (void)len;
    st->stats.ip_in_hdr_errors++;
    stack_drop(st, iface, SYNACK_DROP_IP_VERSION, now);
}
