/*
 * segment.c — a defensive summary reader for TCP/IPv4 packets; see
 * segment.h.  Reading list: RFC 791 §3.1 (IPv4 header), RFC 9293 §3.1
 * (TCP header) and §3.2 (options: kind 0 ends the list, kind 1 is one byte
 * of padding, every other kind carries a length byte that counts itself).
 */
#include "segment.h"

#include <stdio.h>
#include <string.h>

#define IPV4_HEADER_MIN 20
#define TCP_HEADER_MIN 20
#define IP_PROTO_TCP 6
#define OPT_EOL 0
#define OPT_NOP 1
#define OPT_MSS 2

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Finds the MSS option among the TCP options in opt[0..len). */
static void read_options(const uint8_t *opt, size_t len, struct seg_summary *out)
{
    size_t i = 0;

    while (i < len && opt[i] != OPT_EOL) {
        if (opt[i] == OPT_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
            return; /* malformed: stop reading, keep what was found */
        if (opt[i] == OPT_MSS && opt[i + 1] == 4) {
            out->has_mss = true;
            out->mss = be16(opt + i + 2);
        }
        i += opt[i + 1];
    }
}

bool seg_parse(const uint8_t *packet, size_t len, struct seg_summary *out)
{
    size_t ihl, total, doff;
    const uint8_t *tcp;

    memset(out, 0, sizeof *out);
    if (len < IPV4_HEADER_MIN || packet[0] >> 4 != 4 || packet[9] != IP_PROTO_TCP)
        return false;
    ihl = (size_t)(packet[0] & 0x0f) * 4;
    total = be16(packet + 2);
    if (ihl < IPV4_HEADER_MIN || total > len || total < ihl + TCP_HEADER_MIN)
        return false;
    tcp = packet + ihl;
    doff = (size_t)(tcp[12] >> 4) * 4;
    if (doff < TCP_HEADER_MIN || ihl + doff > total)
        return false;
    out->src_port = be16(tcp);
    out->dst_port = be16(tcp + 2);
    out->seq = be32(tcp + 4);
    out->ack = be32(tcp + 8);
    out->flags = tcp[13];
    out->window = be16(tcp + 14);
    out->payload_len = (uint32_t)(total - ihl - doff);
    read_options(tcp + TCP_HEADER_MIN, doff - TCP_HEADER_MIN, out);
    return true;
}

char *seg_flags_text(uint8_t flags, char *buf, size_t len)
{
    /* The order of the source texts: SYN,ACK / FIN,ACK / ACK,PSH. */
    static const struct {
        uint8_t bit;
        const char *name;
    } names[] = {
        {SEG_SYN, "SYN"}, {SEG_FIN, "FIN"}, {SEG_RST, "RST"}, {SEG_ACK, "ACK"},
        {SEG_PSH, "PSH"}, {SEG_URG, "URG"}, {SEG_ECE, "ECE"}, {SEG_CWR, "CWR"},
    };
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if ((flags & names[i].bit) && used < len)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
                                     names[i].name);
    }
    if (used == 0)
        snprintf(buf, len, "none");
    return buf;
}
