/*
 * tcp_wire.c — TCP header and option codec.
 * Reading list: RFC 9293 §3.1 (header format), §3.2 (options), §3.10.7.1
 * MUST-7 (an illegal option length must not crash the receiver); RFC 7323
 * §2.2, §3.2 (window scale and timestamp options); RFC 2018 §2-§3 (SACK).
 */
#include "tcp_wire.h"

#include <string.h>

#include "byteorder.h"
#include "checksum.h"

bool tcp_parse_options(const uint8_t *p, size_t len, struct tcp_options *out)
{
    memset(out, 0, sizeof *out);
    size_t i = 0;
    while (i < len) {
        uint8_t kind = p[i];
        if (kind == TCP_OPT_EOL)
            break;
        if (kind == TCP_OPT_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= len)
            return false;            /* kind without a length byte */
        uint8_t olen = p[i + 1];
        if (olen < 2 || i + olen > len)
            return false;            /* RFC 9293 MUST-7: illegal length */
        const uint8_t *v = p + i + 2;
        switch (kind) {
        case TCP_OPT_MSS:
            if (olen != 4)
                return false;
            out->has_mss = true;
            out->mss = get_be16(v);
            break;
        case TCP_OPT_WSCALE:
            if (olen != 3)
                return false;
            out->has_wscale = true;
            out->wscale = v[0];
            break;
        case TCP_OPT_SACK_PERM:
            if (olen != 2)
                return false;
            out->sack_permitted = true;
            break;
        case TCP_OPT_TIMESTAMP:
            if (olen != 10)
                return false;
            out->has_timestamp = true;
            out->ts_val = get_be32(v);
            out->ts_ecr = get_be32(v + 4);
            break;
        case TCP_OPT_SACK: {
            if ((olen - 2) % 8 != 0 || olen == 2)
                return false;
            unsigned n = (unsigned)(olen - 2) / 8;
            for (unsigned b = 0; b < n && out->sack_count < TCP_SACK_BLOCKS_MAX; b++) {
                out->sack[out->sack_count].left = get_be32(v + 8 * b);
                out->sack[out->sack_count].right = get_be32(v + 8 * b + 4);
                out->sack_count++;
            }
            break;
        }
        default:
            break;                   /* unknown kinds are skipped (RFC 9293 §3.2) */
        }
        i += olen;
    }
    return true;
}

bool tcp_parse(const uint8_t *p, size_t len, struct tcp_segment *out, enum synack_drop_reason *why)
{
    if (len < TCP_HEADER_MIN) {
        *why = SYNACK_DROP_TCP_TRUNCATED;
        return false;
    }
    size_t hlen = (size_t)(p[12] >> 4) * 4;
    if (hlen < TCP_HEADER_MIN || hlen > len) {
        *why = SYNACK_DROP_TCP_DATA_OFFSET;
        return false;
    }
    out->src_port = get_be16(p);
    out->dst_port = get_be16(p + 2);
    out->seq = get_be32(p + 4);
    out->ack = get_be32(p + 8);
    out->flags = p[13];
    out->window = get_be16(p + 14);
    out->urgent = get_be16(p + 18);
    out->header_len = (uint8_t)hlen;
    if (!tcp_parse_options(p + TCP_HEADER_MIN, hlen - TCP_HEADER_MIN, &out->opt)) {
        *why = SYNACK_DROP_TCP_OPTIONS;
        return false;
    }
    out->payload = p + hlen;
    out->payload_len = (uint32_t)(len - hlen);
    return true;
}

bool tcp_checksum_ok_parts(const struct synack_addr *src, const struct synack_addr *dst, const uint8_t *seg,
                           size_t hlen, uint64_t payload_sum, size_t len)
{
    uint64_t sum = csum_pseudo(src, dst, 6, (uint32_t)len);
    sum = csum_add(sum, seg, hlen) + payload_sum;
    return csum_finish(sum) == 0;
}

bool tcp_checksum_ok(const struct synack_addr *src, const struct synack_addr *dst, const uint8_t *seg,
                     size_t len)
{
    /* A correct segment sums (with its checksum field) to 0xffff. */
    return tcp_checksum_ok_parts(src, dst, seg, len, 0, len);
}

size_t tcp_write_header(uint8_t *buf, const struct tcp_header_out *h)
{
    uint8_t *o = buf + TCP_HEADER_MIN;
    const struct tcp_options *opt = h->opt;
    if (opt) {
        if (opt->has_mss) {
            o[0] = TCP_OPT_MSS;
            o[1] = 4;
            put_be16(o + 2, opt->mss);
            o += 4;
        }
        if (opt->sack_permitted && !opt->has_timestamp) {
            o[0] = TCP_OPT_NOP;
            o[1] = TCP_OPT_NOP;
            o[2] = TCP_OPT_SACK_PERM;
            o[3] = 2;
            o += 4;
        }
        if (opt->has_timestamp) {
            if (opt->sack_permitted) {
                o[0] = TCP_OPT_SACK_PERM;
                o[1] = 2;
            } else {
                o[0] = TCP_OPT_NOP;
                o[1] = TCP_OPT_NOP;
            }
            o[2] = TCP_OPT_TIMESTAMP;
            o[3] = 10;
            put_be32(o + 4, opt->ts_val);
            put_be32(o + 8, opt->ts_ecr);
            o += 12;
        }
        if (opt->has_wscale) {
            o[0] = TCP_OPT_NOP;
            o[1] = TCP_OPT_WSCALE;
            o[2] = 3;
            o[3] = opt->wscale;
            o += 4;
        }
        /* SACK blocks: as many as fit in the 40 bytes of option space. */
        size_t used = (size_t)(o - (buf + TCP_HEADER_MIN));
        unsigned room = used + 4 <= 40 ? (unsigned)((40 - used - 4) / 8) : 0;
        unsigned n = opt->sack_count < room ? opt->sack_count : room;
        if (n) {
            o[0] = TCP_OPT_NOP;
            o[1] = TCP_OPT_NOP;
            o[2] = TCP_OPT_SACK;
            o[3] = (uint8_t)(2 + 8 * n);
            o += 4;
            for (unsigned b = 0; b < n; b++) {
                put_be32(o, opt->sack[b].left);
                put_be32(o + 4, opt->sack[b].right);
                o += 8;
            }
        }
    }
    size_t hlen = (size_t)(o - buf);
    put_be16(buf, h->src_port);
    put_be16(buf + 2, h->dst_port);
    put_be32(buf + 4, h->seq);
    put_be32(buf + 8, h->ack);
    buf[12] = (uint8_t)((hlen / 4) << 4);
    buf[13] = h->flags;
    put_be16(buf + 14, h->window);
    put_be16(buf + 16, 0);
    put_be16(buf + 18, 0);
    return hlen;
}

void tcp_fill_checksum(uint8_t *seg, size_t len, const struct synack_addr *src, const struct synack_addr *dst)
{
    tcp_fill_checksum_parts(seg, len, 0, 0, src, dst);
}

void tcp_fill_checksum_parts(uint8_t *seg, size_t hlen, uint64_t payload_sum, size_t payload_len,
                             const struct synack_addr *src, const struct synack_addr *dst)
{
    put_be16(seg + 16, 0);
    uint64_t sum = csum_pseudo(src, dst, 6, (uint32_t)(hlen + payload_len));
    sum = csum_add(sum, seg, hlen) + payload_sum;
    put_be16(seg + 16, csum_finish(sum));
}
