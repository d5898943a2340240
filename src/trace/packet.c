/* packet.c — synack/packet.h over the engine's IPv4, IPv6 and TCP codec
 * (ipv4_parse; ipv6_parse, which walks the extension-header chain to the
 * upper-layer header, RFC 8200 §4; tcp_parse). */
#include "synack/packet.h"
#include "packet_internal.h"

#include <stdio.h>
#include <string.h>

#include "synack/errors.h"
#include "ipv4.h"
#include "ipv6.h"
#include "tcp_wire.h"

/* The TCP segment of len bytes at seg, whose addresses *out holds. */
static int decode_tcp(const uint8_t *seg, size_t len, struct synack_packet_info *out)
{
    struct tcp_segment s;
    enum synack_drop_reason why;
    if (!tcp_parse(seg, len, &s, &why))
        return -SYNACK_EINVAL;
    out->is_tcp = true;
    out->tcp_checksum_ok = tcp_checksum_ok(&out->src, &out->dst, seg, len);
    out->src_port = s.src_port;
    out->dst_port = s.dst_port;
    out->seq = s.seq;
    out->ack = s.ack;
    out->flags = s.flags;
    out->window = s.window;
    out->payload_len = s.payload_len;
    out->payload = s.payload;
    packet__set_options(out, &s.opt);
    return 0;
}

static int decode_ipv4(const uint8_t *packet, size_t len, struct synack_packet_info *out)
{
    struct ipv4_packet ip;
    enum synack_drop_reason why;
    if (!ipv4_parse(packet, len, &ip, &why))
        return -SYNACK_EINVAL;
    out->src = ip.src;
    out->dst = ip.dst;
    out->proto = ip.proto;
    out->ttl = ip.ttl;
    out->ip_total_len = (uint32_t)ip.header_len + ip.payload_len;
    if (ip.proto != IP_PROTO_TCP || ip.more_fragments || ip.frag_offset)
        return 0;
    return decode_tcp(ip.payload, ip.payload_len, out);
}

/* A fragment other than an atomic one (RFC 6946) holds part of a segment
 * at most: like an IPv4 fragment, it is reported but not decoded. */
static int decode_ipv6(const uint8_t *packet, size_t len, struct synack_packet_info *out)
{
    struct ipv6_packet ip;
    enum synack_drop_reason why;
    if (!ipv6_parse(packet, len, &ip, &why))
        return -SYNACK_EINVAL;
    out->src = ip.src;
    out->dst = ip.dst;
    out->proto = ip.proto;
    out->ttl = ip.hop_limit;
    out->ip_total_len = ip.length;
    if (ip.proto != IP_PROTO_TCP || (ip.has_frag && (ip.frag.more || ip.frag.offset)))
        return 0;
    return decode_tcp(ip.payload, ip.payload_len, out);
}

int synack_packet_decode(const uint8_t *packet, size_t len, struct synack_packet_info *out)
{
    memset(out, 0, sizeof *out);
    if (!packet || len == 0)
        return -SYNACK_EINVAL;
    return packet[0] >> 4 == 6 ? decode_ipv6(packet, len, out) : decode_ipv4(packet, len, out);
}

void packet__set_options(struct synack_packet_info *out, const struct tcp_options *opt)
{
    out->has_mss = opt->has_mss;
    out->mss = opt->mss;
    out->has_wscale = opt->has_wscale;
    out->wscale = opt->wscale;
    out->sack_permitted = opt->sack_permitted;
    out->has_timestamp = opt->has_timestamp;
    out->ts_val = opt->ts_val;
    out->ts_ecr = opt->ts_ecr;
    out->sack_count = opt->sack_count;
    for (unsigned i = 0; i < opt->sack_count && i < SYNACK_PACKET_SACK_MAX; i++) {
        out->sack[i][0] = opt->sack[i].left;
        out->sack[i][1] = opt->sack[i].right;
    }
}

char *synack_tcp_flags_text(uint8_t flags, char *buf, size_t len)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } order[] = {
        { SYNACK_TCP_SYN, "SYN" }, { SYNACK_TCP_FIN, "FIN" }, { SYNACK_TCP_RST, "RST" },
        { SYNACK_TCP_ACK, "ACK" }, { SYNACK_TCP_PSH, "PSH" }, { SYNACK_TCP_URG, "URG" },
        { SYNACK_TCP_ECE, "ECE" }, { SYNACK_TCP_CWR, "CWR" },
    };
    size_t used = 0;
    if (!len)
        return buf;
    buf[0] = '\0';
    for (unsigned i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!(flags & order[i].bit))
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", order[i].name);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
    if (!used)
        snprintf(buf, len, "none");
    return buf;
}
