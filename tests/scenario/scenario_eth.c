/* scenario_eth.c — the scenario harness's Ethernet mode: frames, ARP and
 * neighbour discovery packets, their expectations, and how a failed
 * scenario prints and saves frames.  See scenario.h. */
#include "scenario.h"

#include <stdio.h>
#include <string.h>

#include "byteorder.h"
#include "checksum.h"
#include "ipv6.h"
#include "neigh.h"

const uint8_t scenario_stack_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
const uint8_t scenario_peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
const uint8_t scenario_broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
const uint8_t scenario_other_mac[6] = { 0x02, 0, 0, 0, 0, 0x09 };

#define ETH_HLEN 14
#define ETH_MIN 60
#define TYPE_IPV4 0x0800
#define TYPE_ARP 0x0806
#define TYPE_IPV6 0x86dd
#define ARP_BYTES 28

size_t eth_frame(uint8_t *buf, size_t cap, const uint8_t dst[6], const uint8_t src[6], uint16_t type,
                 const void *payload, size_t len)
{
    size_t n = ETH_HLEN + len < ETH_MIN ? ETH_MIN : ETH_HLEN + len;
    if (n > cap)
        return 0;
    memset(buf, 0, n);
    memcpy(buf, dst, 6);
    memcpy(buf + 6, src, 6);
    put_be16(buf + 12, type);
    memcpy(buf + ETH_HLEN, payload, len);
    return n;
}

void peer_sends_ip_framed(struct scenario *s, const void *ip, size_t len)
{
    uint8_t frame[1600];
    const uint8_t *p = ip;
    uint16_t type = len && (p[0] >> 4) == 6 ? TYPE_IPV6 : TYPE_IPV4;
    size_t n = eth_frame(frame, sizeof frame, scenario_stack_mac, scenario_peer_mac, type, ip, len);
    if (!n) {
        test_fail(__FILE__, __LINE__, "packet of %zu bytes too large for a frame", len);
        return;
    }
    peer_sends_frame(s, frame, n);
}

void arp_packet(uint8_t *buf, uint16_t op, const uint8_t sha[6], struct synack_addr spa, const uint8_t tha[6],
                struct synack_addr tpa)
{
    put_be16(buf, 1);
    put_be16(buf + 2, TYPE_IPV4);
    buf[4] = 6;
    buf[5] = 4;
    put_be16(buf + 6, op);
    memcpy(buf + 8, sha, 6);
    memcpy(buf + 14, spa.bytes, 4);
    memcpy(buf + 18, tha, 6);
    memcpy(buf + 24, tpa.bytes, 4);
}

void peer_sends_arp(struct scenario *s, uint16_t op, const uint8_t from[6], struct synack_addr spa,
                    struct synack_addr tpa, const uint8_t to[6])
{
    static const uint8_t zero[6];
    uint8_t arp[ARP_BYTES], frame[ETH_MIN];
    arp_packet(arp, op, from, spa, op == ARP_REPLY ? scenario_stack_mac : zero, tpa);
    size_t n = eth_frame(frame, sizeof frame, to, from, TYPE_ARP, arp, sizeof arp);
    peer_sends_frame(s, frame, n);
}

/* The next frame the stack sent (NULL, and a failure, if none). */
static bool next_frame(struct scenario *s, uint8_t *buf, size_t cap, size_t *len, synack_time_us *when,
                       const char *what, const char *file, int line)
{
    unsigned seen = 0;
    for (unsigned i = 0; i < s->log_count; i++) {
        if (!s->log[i].outgoing || seen++ != s->sent_taken)
            continue;
        s->sent_taken++;
        *len = s->log[i].len;
        *when = s->log[i].when;
        if (cap)
            memcpy(buf, s->log[i].bytes, *len < cap ? *len : cap);
        return true;
    }
    if (what)
        test_fail(file, line, "expected the stack to send %s, but it sent nothing", what);
    return false;
}

size_t take_sent_frame(struct scenario *s, uint8_t *buf, size_t cap)
{
    size_t len;
    synack_time_us when;
    return next_frame(s, buf, cap, &len, &when, NULL, NULL, 0) ? len : 0;
}

int neigh_of(struct scenario *s, struct synack_addr a) { return neigh_state_of(s->st, 0, &a, s->now); }

void group_mac(struct synack_addr g, uint8_t mac[6])
{
    mac[0] = mac[1] = 0x33;
    memcpy(mac + 2, g.bytes + 12, 4);
}

static char *format_mac(const uint8_t *m, char *buf)
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return buf;
}

static void fail_frame(const char *what, const uint8_t *frame, size_t len, synack_time_us when, const char *file,
                       int line)
{
    char got[512];
    scenario_format_frame(frame, len, got, sizeof got);
    test_fail(file, line, "at %.3f ms expected the stack to send  %s\n      but it sent  %s", (double)when / 1000.0,
              what, got);
}

void expect_sent_arp_(struct scenario *s, uint16_t op, const uint8_t to[6], struct synack_addr spa,
                      const uint8_t *tha, struct synack_addr tpa, const char *file, int line)
{
    static const uint8_t zero[6];
    char what[160], a[48], b[48], m[18];
    if (op == ARP_REQUEST)
        snprintf(what, sizeof what, "ARP who-has %s tell %s (to %s)", synack_addr_format(&tpa, a, sizeof a),
                 synack_addr_format(&spa, b, sizeof b), format_mac(to, m));
    else
        snprintf(what, sizeof what, "ARP %s is-at 02:00:00:00:00:02 (to %s)", synack_addr_format(&spa, a, sizeof a),
                 format_mac(to, m));
    uint8_t f[1600];
    size_t len;
    synack_time_us when;
    if (!next_frame(s, f, sizeof f, &len, &when, what, file, line))
        return;
    uint8_t want[ARP_BYTES];
    arp_packet(want, op, scenario_stack_mac, spa, tha ? tha : zero, tpa);
    bool ok = len == ETH_MIN && memcmp(f, to, 6) == 0 && memcmp(f + 6, scenario_stack_mac, 6) == 0 &&
              get_be16(f + 12) == TYPE_ARP && memcmp(f + ETH_HLEN, want, sizeof want) == 0;
    /* IEEE 802.3: the 42 bytes of an ARP frame are padded with zeros. */
    for (size_t i = ETH_HLEN + ARP_BYTES; ok && i < len; i++)
        ok = f[i] == 0;
    if (!ok)
        fail_frame(what, f, len, when, file, line);
}

static size_t build_ndp(uint8_t *icmp, uint8_t type, uint8_t flags, struct synack_addr target, uint8_t opt_type,
                        const uint8_t *mac)
{
    memset(icmp, 0, 32);
    icmp[0] = type;
    icmp[4] = flags;
    memcpy(icmp + 8, target.bytes, 16);
    if (!opt_type)
        return 24;
    icmp[24] = opt_type;
    icmp[25] = 1;
    memcpy(icmp + 26, mac, 6);
    return 32;
}

size_t peer_ndp_packet(uint8_t *buf, size_t cap, struct synack_addr src, struct synack_addr dst, uint8_t hop_limit,
                       uint8_t type, uint8_t flags, struct synack_addr target, uint8_t opt_type, const uint8_t *mac)
{
    if (cap < 40 + 32)
        return 0;
    uint8_t *icmp = buf + 40;
    size_t n = build_ndp(icmp, type, flags, target, opt_type, mac);
    ipv6_write_header(buf, &src, &dst, 58, (uint16_t)n, hop_limit);
    put_be16(icmp + 2, csum_finish(csum_add(csum_pseudo(&src, &dst, 58, (uint32_t)n), icmp, n)));
    return 40 + n;
}

void expect_sent_ndp_(struct scenario *s, uint8_t type, uint8_t flags, struct synack_addr src,
                      struct synack_addr dst, struct synack_addr target, uint8_t opt_type, const char *file,
                      int line)
{
    char what[300], a[48], b[48], c[48];
    snprintf(what, sizeof what, "IP6 %s > %s: ICMP6 %s %s, flags 0x%02x%s", synack_addr_format(&src, a, sizeof a),
             synack_addr_format(&dst, b, sizeof b), type == 135 ? "neighbor solicitation for" : "neighbor advertisement of",
             synack_addr_format(&target, c, sizeof c), flags, opt_type ? ", our lladdr" : "");
    uint8_t f[1600];
    size_t len;
    synack_time_us when;
    if (!next_frame(s, f, sizeof f, &len, &when, what, file, line))
        return;
    uint8_t to[6];
    if (dst.bytes[0] == 0xff)
        group_mac(dst, to);
    else
        memcpy(to, scenario_peer_mac, 6);
    uint8_t want[32];
    size_t n = build_ndp(want, type, flags, target, opt_type, scenario_stack_mac);
    const uint8_t *ip = f + ETH_HLEN, *icmp = ip + 40;
    bool ok = len >= ETH_HLEN + 40 + n && memcmp(f, to, 6) == 0 && memcmp(f + 6, scenario_stack_mac, 6) == 0 &&
              get_be16(f + 12) == TYPE_IPV6 && ip[0] >> 4 == 6 && get_be16(ip + 4) == n && ip[6] == 58 &&
              ip[7] == 255 && memcmp(ip + 8, src.bytes, 16) == 0 && memcmp(ip + 24, dst.bytes, 16) == 0 &&
              icmp[0] == want[0] && icmp[1] == 0 && memcmp(icmp + 4, want + 4, n - 4) == 0;
    if (!ok) {
        fail_frame(what, f, len, when, file, line);
        return;
    }
    if (csum_finish(csum_add(csum_pseudo(&src, &dst, 58, (uint32_t)n), icmp, n)) != 0)
        test_fail(file, line, "ICMPv6 checksum of the %s sent is wrong", type == 135 ? "solicitation" : "advertisement");
}

bool scenario_frame_ip(const uint8_t *frame, size_t len, bool outgoing, const uint8_t **ip, size_t *ip_len)
{
    if (len < ETH_HLEN)
        return false;
    const uint8_t *to = outgoing ? scenario_peer_mac : scenario_stack_mac;
    const uint8_t *from = outgoing ? scenario_stack_mac : scenario_peer_mac;
    uint16_t type = get_be16(frame + 12);
    if (memcmp(frame, to, 6) != 0 || memcmp(frame + 6, from, 6) != 0 || (type != TYPE_IPV4 && type != TYPE_IPV6))
        return false;
    const uint8_t *p = frame + ETH_HLEN;
    size_t n = len - ETH_HLEN, want = n;
    /* Without the padding of a short frame. */
    if (type == TYPE_IPV4 && n >= 20)
        want = get_be16(p + 2);
    else if (type == TYPE_IPV6 && n >= 40)
        want = 40 + (size_t)get_be16(p + 4);
    *ip = p;
    *ip_len = want < n ? want : n;
    return true;
}

static void format_ndp(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    char a[48], b[48], t[48], m[18];
    struct synack_addr src = synack_addr_v6(p + 8), dst = synack_addr_v6(p + 24);
    int k = snprintf(buf, cap, "IP6 %s > %s: ", synack_addr_format(&src, a, sizeof a),
                     synack_addr_format(&dst, b, sizeof b));
    if (k < 0 || (size_t)k >= cap)
        return;
    const uint8_t *icmp = p + 40;
    size_t ilen = n - 40;
    if (p[6] != 58 || ilen < 24 || (icmp[0] != 135 && icmp[0] != 136)) {
        snprintf(buf + k, cap - (size_t)k, "next-header %u, %zu bytes", p[6], ilen);
        return;
    }
    struct synack_addr target = synack_addr_v6(icmp + 8);
    int j = snprintf(buf + k, cap - (size_t)k, icmp[0] == 135 ? "ICMP6 neighbor solicitation, who has %s"
                                                               : "ICMP6 neighbor advertisement, tgt is %s",
                     synack_addr_format(&target, t, sizeof t));
    if (j < 0 || (size_t)(k + j) >= cap)
        return;
    k += j;
    if (icmp[0] == 136)
        k += snprintf(buf + k, cap - (size_t)k, ", flags [%s%s%s]", icmp[4] & 0x80 ? "R" : "",
                      icmp[4] & 0x40 ? "S" : "", icmp[4] & 0x20 ? "O" : "");
    if ((size_t)k < cap && ilen >= 32 && icmp[25] == 1)
        snprintf(buf + k, cap - (size_t)k, ", %s lladdr %s, hlim %u", icmp[24] == 1 ? "src" : "tgt",
                 format_mac(icmp + 26, m), p[7]);
    else if ((size_t)k < cap)
        snprintf(buf + k, cap - (size_t)k, ", hlim %u", p[7]);
}

void scenario_format_frame(const uint8_t *f, size_t len, char *buf, size_t cap)
{
    char d[18], s[18], a[48], b[48];
    if (len < ETH_HLEN) {
        snprintf(buf, cap, "truncated frame (%zu bytes)", len);
        return;
    }
    int k = snprintf(buf, cap, "%s > %s ", format_mac(f + 6, s), format_mac(f, d));
    if (k < 0 || (size_t)k >= cap)
        return;
    const uint8_t *p = f + ETH_HLEN;
    size_t n = len - ETH_HLEN;
    uint16_t type = get_be16(f + 12);
    if (type == TYPE_ARP && n >= ARP_BYTES) {
        struct synack_addr spa = synack_addr_v4(p[14], p[15], p[16], p[17]);
        struct synack_addr tpa = synack_addr_v4(p[24], p[25], p[26], p[27]);
        uint16_t op = get_be16(p + 6);
        if (op == ARP_REQUEST)
            snprintf(buf + k, cap - (size_t)k, "ARP who-has %s tell %s", synack_addr_format(&tpa, a, sizeof a),
                     synack_addr_format(&spa, b, sizeof b));
        else
            snprintf(buf + k, cap - (size_t)k, "ARP %s is-at %s (op %u)", synack_addr_format(&spa, a, sizeof a),
                     format_mac(p + 8, s), op);
        return;
    }
    const uint8_t *ip;
    size_t ip_len;
    bool out = memcmp(f + 6, scenario_stack_mac, 6) == 0;
    if (type == TYPE_IPV6 && n >= 40) {
        format_ndp(p, n, buf + k, cap - (size_t)k);
        return;
    }
    if (type == TYPE_IPV4 && scenario_frame_ip(f, len, out, &ip, &ip_len)) {
        synack_format_packet(ip, ip_len, buf + k, cap - (size_t)k);
        return;
    }
    snprintf(buf + k, cap - (size_t)k, "ethertype 0x%04x, %zu bytes", type, n);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

bool scenario_eth_write_pcap(const struct scenario *s, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    /* pcap: magic, 2.4, zone 0, sigfigs 0, snaplen 65535, LINKTYPE_ETHERNET. */
    uint8_t h[24];
    put_le32(h, 0xa1b2c3d4u);
    h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0;
    put_le32(h + 8, 0);
    put_le32(h + 12, 0);
    put_le32(h + 16, 65535);
    put_le32(h + 20, 1);
    bool ok = fwrite(h, sizeof h, 1, f) == 1;
    for (unsigned i = 0; ok && i < s->log_count; i++) {
        uint8_t r[16];
        put_le32(r, (uint32_t)(s->log[i].when / 1000000u));
        put_le32(r + 4, (uint32_t)(s->log[i].when % 1000000u));
        put_le32(r + 8, s->log[i].len);
        put_le32(r + 12, s->log[i].len);
        ok = fwrite(r, sizeof r, 1, f) == 1 && fwrite(s->log[i].bytes, s->log[i].len, 1, f) == 1;
    }
    return fclose(f) == 0 && ok;
}
