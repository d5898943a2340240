/*
 * fuzz_eth.c — the link layer of a dual-stack stack on an Ethernet
 * interface: frames, ARP, neighbour discovery, DAD and the neighbour
 * cache, fed arbitrary frames from a crowd of hosts on the link while time
 * moves and the application opens connections to them.
 *
 * The world: stack A (under test) at 02:00:00:00:00:02 with 198.18.0.2/24
 * and fd00:5ac::2/64 (and its link-local address), a TCP listener on :80
 * and a UDP socket on :53; eight hosts at 02:00:00:00:01:0N, 198.18.0.1N
 * and fd00:5ac::1N, which the harness plays.  A's neighbour cache is
 * small (4 or 16 entries, queues of 2 or 3 packets: the first byte of the
 * input chooses) so that its bounds are reached.
 *
 * The input is a program: the variant byte, then records, each an op byte
 * whose low 3 bits say what it is:
 *   0  a raw frame: u16 length (mod 1600), then the bytes; op bit 3 puts
 *      A's MAC as the destination, bit 4 a host's MAC as the source (u8
 *      which), bit 5 an EtherType from a table (u8: IPv4, IPv6, ARP, VLAN);
 *   1  an ARP packet from a host (u8 which, u8 opcode choice, u8 target
 *      choice, u8 destination choice), then u8 offset and u8 value of a
 *      damaged byte (offset 0: none);
 *   2  a neighbour discovery message from a host: u8 which, u8 type, u8
 *      flags, u8 hop limit choice, u8 source, u8 destination, u8 target, u8
 *      option choice, then a damaged byte as above; the checksum is
 *      computed after the damage (icmp6.c would drop anything else);
 *   3  the host A last asked for (ARP request or solicitation) answers it
 *      as a good neighbour would (op bit 3: without the override flag);
 *   4  time moves on (u8: a step from fz_input_time_steps_us times 1..4);
 *   5  A's application acts (u8 what, u8 which host): a TCP connect over
 *      IPv4 or IPv6, a UDP datagram, data on a connection, an abort;
 *   6  an IP packet from a host (u8 which, u8 what): a SYN to :80 or an
 *      echo request, over IPv4 or IPv6 (A must resolve the host to answer);
 *   7  one more address on A's interface (u8: IPv4 or IPv6; once), whose
 *      gratuitous ARP or DAD then runs.
 * After every record the checks run.  At the end every socket is aborted
 * and ten virtual minutes pass.
 *
 * Checks:
 *   - every frame A sends: 60..1514 bytes, from A's MAC, padded with
 *     zeros; ARP: Ethernet/IPv4 sizes, opcode 1 or 2, A's MAC and one of
 *     A's IPv4 addresses as sender, a reply to its asker; IPv4: what
 *     fz_check_sent_packet checks; IPv6: header and lengths sound, group
 *     destinations framed to 33:33 and their last 4 bytes, transport
 *     checksums right, neighbour discovery with hop limit 255, and the
 *     source one of A's usable addresses (:: only for a DAD solicitation,
 *     which carries no option);
 *   - every frame handed in is accounted for once: LinkInFrames is the
 *     link drops plus the IP packets plus the ARP packets read or dropped
 *     as malformed;
 *   - the cache: NeighEntries within neigh_max_entries and equal to the
 *     table's count; the bytes the stack holds are the allocator's;
 *   - at the end, with every socket gone and ten minutes passed, the cache
 *     is empty (entries expire and are freed); once the stack is freed,
 *     nothing is left allocated;
 *   - ASan/UBSan: no memory error, no undefined behaviour.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "checksum.h"
#include "fuzz_util.h"
#include "ipv4.h"
#include "ipv6.h"
#include "stack_internal.h"
#include "tcp_wire.h"

#define NHOSTS 8
#define MAX_RECORDS 300
#define MAX_FRAME 1600
#define MAX_SOCKS 16

static const uint8_t a_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct world {
    struct synack_stack *st;
    uint64_t live_bytes;           /* what the allocator hook holds for A */
    synack_time_us now;
    int socks[MAX_SOCKS];
    unsigned nsocks;
    bool added_addr;
    /* The latest solicitation A sent: whom it asked for. */
    bool asked;
    struct synack_addr asked_for;
};

static struct world w;

static void *counting_alloc(void *ctx, void *old, size_t old_size, size_t new_size)
{
    struct world *x = ctx;
    if (new_size == 0) {
        free(old);
        x->live_bytes -= old_size;
        return NULL;
    }
    void *p = realloc(old, new_size);
    if (p)
        x->live_bytes += new_size - old_size;
    return p;
}

static void host_mac(unsigned h, uint8_t mac[6])
{
    const uint8_t m[6] = { 0x02, 0, 0, 0, 0x01, (uint8_t)h };
    memcpy(mac, m, 6);
}
static struct synack_addr host_v4(unsigned h) { return synack_addr_v4(198, 18, 0, (uint8_t)(10 + h)); }
static struct synack_addr v6_with(uint8_t first, uint8_t second, uint8_t last)
{
    uint8_t b[16] = { first, second, 0x05, 0xac, [15] = last };
    if (first == 0xfe)
        b[2] = b[3] = 0;
    return synack_addr_v6(b);
}
static struct synack_addr host_v6(unsigned h) { return v6_with(0xfd, 0x00, (uint8_t)(0x10 + h)); }
static struct synack_addr host_ll(unsigned h) { return v6_with(0xfe, 0x80, (uint8_t)(0x10 + h)); }
#define A_V4 synack_addr_v4(198, 18, 0, 2)
#define A_V6 v6_with(0xfd, 0x00, 2)

/* ---- checking what A sends ---- */

/* Whether a is one of A's addresses that may be a source now. */
static bool usable_source(const struct synack_addr *a) { return stack_is_local_addr(w.st, a); }

static void check_arp_frame(const uint8_t *f, size_t len)
{
    const uint8_t *p = f + 14;
    FZ_CHECK(get_be16(p) == 1 && get_be16(p + 2) == 0x0800 && p[4] == 6 && p[5] == 4, "ARP of the wrong kind sent");
    uint16_t op = get_be16(p + 6);
    FZ_CHECK(op == 1 || op == 2, "ARP opcode %u sent", op);
    FZ_CHECK(memcmp(p + 8, a_mac, 6) == 0, "ARP sent with another sender MAC");
    struct synack_addr spa = synack_addr_v4(p[14], p[15], p[16], p[17]);
    FZ_CHECK(usable_source(&spa), "ARP sent with a sender address not A's");
    if (op == 2)
        FZ_CHECK(memcmp(f, p + 18, 6) == 0, "ARP reply not sent to its asker");
    for (size_t i = 14 + 28; i < len; i++)
        FZ_CHECK(f[i] == 0, "ARP frame padding not zero");
}

static void check_ip6_frame(const uint8_t *f, size_t len)
{
    struct ipv6_packet ip;
    enum synack_drop_reason why;
    const uint8_t *pkt = f + 14;
    FZ_CHECK(len - 14 >= 40 && ipv6_parse(pkt, len - 14, &ip, &why), "the stack sent an IPv6 packet that does not parse");
    FZ_CHECK(ip.length == len - 14 || (len == 60 && ip.length < 46), "IPv6 length %u in a frame of %zu", ip.length, len);
    FZ_CHECK(ip.ext_count == 0, "the stack sent an extension header");
    if (ipv6_is_multicast(&ip.dst))
        FZ_CHECK(f[0] == 0x33 && f[1] == 0x33 && memcmp(f + 2, ip.dst.bytes + 12, 4) == 0,
                 "IPv6 multicast framed to the wrong MAC");
    else
        FZ_CHECK(!(f[0] & 1), "IPv6 unicast framed to a group MAC");
    uint64_t sum = csum_add(csum_pseudo(&ip.src, &ip.dst, ip.proto, ip.payload_len), ip.payload, ip.payload_len);
    FZ_CHECK(ip.proto == IP_PROTO_TCP || ip.proto == IP_PROTO_UDP || ip.proto == IP_PROTO_ICMPV6,
             "IPv6 next header %u sent", ip.proto);
    FZ_CHECK(csum_finish(sum) == 0, "bad transport checksum over IPv6 (next header %u)", ip.proto);
    bool nd = ip.proto == IP_PROTO_ICMPV6 && ip.payload_len >= 24 && (ip.payload[0] == 135 || ip.payload[0] == 136);
    if (nd)
        FZ_CHECK(ip.hop_limit == 255, "neighbour discovery sent with hop limit %u", ip.hop_limit);
    if (synack_addr_is_any(&ip.src))
        FZ_CHECK(nd && ip.payload[0] == 135 && ip.payload_len == 24, "only a DAD solicitation may come from ::");
    else
        FZ_CHECK(usable_source(&ip.src), "IPv6 sent from an address not usable (tentative, duplicate, not A's)");
    if (nd && ip.payload[0] == 135) {
        w.asked = true;
        w.asked_for = synack_addr_v6(ip.payload + 8);
    }
}

static int transmit(void *ctx, const uint8_t *f, size_t len)
{
    (void)ctx;
    FZ_CHECK(len >= 60 && len <= 14 + 1500, "frame of %zu bytes sent", len);
    FZ_CHECK(memcmp(f + 6, a_mac, 6) == 0, "frame sent from another MAC");
    FZ_CHECK(memcmp(f, "\0\0\0\0\0\0", 6) != 0, "frame sent to the zero MAC");
    switch (get_be16(f + 12)) {
    case 0x0806:
        check_arp_frame(f, len);
        if (get_be16(f + 14 + 6) == 1) {
            w.asked = true;
            w.asked_for = synack_addr_v4(f[38], f[39], f[40], f[41]);
        }
        break;
    case 0x0800: {
        size_t ip_len = get_be16(f + 16);
        FZ_CHECK(ip_len <= len - 14 && (ip_len == len - 14 || len == 60), "IPv4 length %zu in a frame of %zu", ip_len,
                 len);
        fz_check_sent_packet(f + 14, ip_len);
        struct synack_addr src = synack_addr_v4(f[26], f[27], f[28], f[29]);
        FZ_CHECK(usable_source(&src), "IPv4 sent from an address not A's");
        break;
    }
    case 0x86dd: check_ip6_frame(f, len); break;
    default: FZ_CHECK(false, "EtherType 0x%04x sent", get_be16(f + 12));
    }
    if (fz_verbose())
        printf("%10.6f A > frame of %zu bytes, type 0x%04x\n", (double)w.now / 1e6, len, get_be16(f + 12));
    return 0;
}

static void check_all(void)
{
    const struct synack_stats *x = synack_stack_stats(w.st);
    uint64_t link_drops = x->drops[SYNACK_DROP_LINK_TRUNCATED] + x->drops[SYNACK_DROP_LINK_NOT_FOR_US] +
                          x->drops[SYNACK_DROP_LINK_BAD_SOURCE] + x->drops[SYNACK_DROP_LINK_ETHERTYPE];
    uint64_t arp = x->arp_in_requests + x->arp_in_replies + x->drops[SYNACK_DROP_ARP_MALFORMED];
    FZ_CHECK(x->link_in_frames == link_drops + x->ip_in_receives + arp,
             "frames in %llu, but %llu link drops + %llu IP + %llu ARP", (unsigned long long)x->link_in_frames,
             (unsigned long long)link_drops, (unsigned long long)x->ip_in_receives, (unsigned long long)arp);
    FZ_CHECK(x->neigh_entries == w.st->neigh.count && x->neigh_entries <= w.st->cfg.neigh_max_entries,
             "neighbour entries %llu (table %u, at most %u)", (unsigned long long)x->neigh_entries, w.st->neigh.count,
             w.st->cfg.neigh_max_entries);
    FZ_CHECK(x->mem_bytes == w.live_bytes, "MemBytes %llu, allocator %llu", (unsigned long long)x->mem_bytes,
             (unsigned long long)w.live_bytes);
}

/* ---- what the hosts send ---- */

static void deliver(const uint8_t *frame, size_t len)
{
    synack_input(w.st, 0, frame, len, w.now);
    synack_poll(w.st, w.now);
}

/* Frames payload (len bytes) from host h to dst, padded to 60. */
static void send_frame(const uint8_t dst[6], unsigned h, uint16_t type, const uint8_t *payload, size_t len)
{
    uint8_t f[MAX_FRAME] = { 0 };
    if (len > sizeof f - 14)
        len = sizeof f - 14;
    memcpy(f, dst, 6);
    host_mac(h, f + 6);
    put_be16(f + 12, type);
    memcpy(f + 14, payload, len);
    deliver(f, len + 14 < 60 ? 60 : len + 14);
}

/* u8 offset (0: none) and u8 value of one damaged byte. */
static void damage(struct fz_in *in, uint8_t *p, size_t len)
{
    uint8_t off = fz_u8(in), value = fz_u8(in);
    if (off && off < len)
        p[off] = value;
}

static void op_raw(uint8_t op, struct fz_in *in)
{
    static const uint16_t types[4] = { 0x0800, 0x86dd, 0x0806, 0x8100 };
    size_t len = fz_u16(in) % MAX_FRAME;
    const uint8_t *bytes;
    uint8_t f[MAX_FRAME] = { 0 };
    size_t n = fz_bytes(in, len, &bytes);
    memcpy(f, bytes, n);
    if (op & 8)
        memcpy(f, a_mac, 6);
    if (op & 16)
        host_mac(fz_u8(in) % NHOSTS, f + 6);
    if (op & 32) {
        put_be16(f + 12, types[fz_u8(in) & 3]);
        n = n < 14 ? 14 : n;
    }
    deliver(f, n);
}

static void op_arp(struct fz_in *in)
{
    unsigned h = fz_u8(in) % NHOSTS;
    uint8_t opc = fz_u8(in), tgt = fz_u8(in), dst = fz_u8(in);
    uint8_t p[28] = { 0 }, mac[6];
    host_mac(h, mac);
    put_be16(p, 1);
    put_be16(p + 2, 0x0800);
    p[4] = 6;
    p[5] = 4;
    put_be16(p + 6, (opc & 3) == 3 ? opc : (opc & 1) + 1);
    memcpy(p + 8, mac, 6);
    struct synack_addr spa = (tgt & 0x30) == 0x10 ? A_V4 : (tgt & 0x30) == 0x20 ? synack_addr_any(4) : host_v4(h);
    struct synack_addr tpa = (tgt & 3) == 0 ? A_V4 : (tgt & 3) == 1 ? host_v4(tgt >> 2) : (tgt & 3) == 2 ? spa : host_v4(h + 1);
    memcpy(p + 14, spa.bytes, 4);
    if (get_be16(p + 6) == 2)
        memcpy(p + 18, a_mac, 6);
    memcpy(p + 24, tpa.bytes, 4);
    damage(in, p, sizeof p);
    uint8_t to[6];
    if (dst & 1)
        memcpy(to, a_mac, 6);
    else if (dst & 2)
        host_mac((h + 1) % NHOSTS, to);
    else
        memcpy(to, bcast, 6);
    send_frame(to, h, 0x0806, p, sizeof p);
}

/* An IPv6 packet (header and an ICMPv6 message whose checksum is made
 * right) from src to dst, framed to the MAC dst maps to. */
static void send_icmp6(unsigned h, struct synack_addr src, struct synack_addr dst, uint8_t hop, uint8_t *msg,
                       size_t mlen)
{
    uint8_t pkt[40 + 64];
    ipv6_write_header(pkt, &src, &dst, IP_PROTO_ICMPV6, (uint16_t)mlen, hop);
    put_be16(msg + 2, 0);
    put_be16(msg + 2, csum_finish(csum_add(csum_pseudo(&src, &dst, IP_PROTO_ICMPV6, (uint32_t)mlen), msg, mlen)));
    memcpy(pkt + 40, msg, mlen);
    uint8_t to[6] = { 0x33, 0x33 };
    if (dst.bytes[0] == 0xff)
        memcpy(to + 2, dst.bytes + 12, 4);
    else
        memcpy(to, a_mac, 6);
    send_frame(to, h, 0x86dd, pkt, 40 + mlen);
}

static void op_ndp(struct fz_in *in)
{
    unsigned h = fz_u8(in) % NHOSTS;
    uint8_t type = fz_u8(in), flags = fz_u8(in), hop = fz_u8(in), src = fz_u8(in), dst = fz_u8(in);
    uint8_t tgt = fz_u8(in), opt = fz_u8(in);
    uint8_t m[40] = { 0 }, mac[6];
    host_mac(h, mac);
    m[0] = (uint8_t)(133 + type % 5);
    m[1] = (type & 0x80) ? 1 : 0;
    m[4] = flags & 0xe0;
    const struct synack_addr a_ll = w.st->ifaces[0].addrs[1].addr;     /* after 198.18.0.2: the link-local */
    struct synack_addr target = (tgt & 3) == 0   ? A_V6
                                : (tgt & 3) == 1 ? a_ll
                                : (tgt & 3) == 2 ? host_v6(h)
                                                 : host_v6(tgt >> 2);
    if (tgt & 0x80)
        target.bytes[0] = 0xff;
    memcpy(m + 8, target.bytes, 16);
    size_t mlen = 24;
    if (opt & 3) {
        /* A link-layer address option (source or target kind, of length
         * 1, 2 or the invalid 0), the host's MAC or another one. */
        mac[5] ^= (opt & 8);
        m[24] = (opt & 4) ? 2 : 1;
        m[25] = (opt & 3) == 3 ? 0 : (opt & 3);
        memcpy(m + 26, mac, 6);
        mlen = (opt & 3) == 2 ? 40 : 32;
    }
    struct synack_addr s = (src & 3) == 0   ? host_v6(h)
                           : (src & 3) == 1 ? host_ll(h)
                           : (src & 3) == 2 ? synack_addr_any(6)
                                            : A_V6;
    static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
    struct synack_addr d = (dst & 3) == 0   ? target
                           : (dst & 3) == 1 ? ipv6_solicited_node(&target)
                           : (dst & 3) == 2 ? synack_addr_v6(all_nodes)
                                            : A_V6;
    damage(in, m, mlen);              /* before the checksum, which stays right */
    send_icmp6(h, s, d, (hop & 1) ? hop : 255, m, mlen);
}

static void op_answer(uint8_t op)
{
    if (!w.asked)
        return;
    for (unsigned h = 0; h < NHOSTS; h++) {
        uint8_t mac[6];
        host_mac(h, mac);
        struct synack_addr v4 = host_v4(h), v6 = host_v6(h);
        if (synack_addr_equal(&w.asked_for, &v4)) {
            uint8_t p[28];
            put_be16(p, 1);
            put_be16(p + 2, 0x0800);
            p[4] = 6;
            p[5] = 4;
            put_be16(p + 6, 2);
            memcpy(p + 8, mac, 6);
            memcpy(p + 14, v4.bytes, 4);
            memcpy(p + 18, a_mac, 6);
            memcpy(p + 24, A_V4.bytes, 4);
            send_frame(a_mac, h, 0x0806, p, sizeof p);
            return;
        }
        if (synack_addr_equal(&w.asked_for, &v6)) {
            /* Solicited, and with the override flag unless op bit 3. */
            uint8_t m[32] = { 136, 0, 0, 0, (uint8_t)((op & 8) ? 0x40 : 0x60) };
            memcpy(m + 8, v6.bytes, 16);
            m[24] = 2;
            m[25] = 1;
            memcpy(m + 26, mac, 6);
            send_icmp6(h, v6, A_V6, 255, m, sizeof m);
            return;
        }
    }
}

static void advance(synack_time_us d) { fz_advance(w.st, &w.now, d); }

static void op_time(struct fz_in *in)
{
    uint8_t b = fz_u8(in);
    advance(fz_input_time_steps_us[b & 15] * (1 + (b >> 6)));
}

static void op_app(struct fz_in *in)
{
    uint8_t what = fz_u8(in);
    unsigned h = fz_u8(in) % NHOSTS;
    struct synack_endpoint to = synack_endpoint_make((what & 8) ? host_v6(h) : host_v4(h), 80);
    switch (what & 3) {
    case 0:
        if (w.nsocks < MAX_SOCKS) {
            int s = synack_socket(w.st);
            if (s >= 0) {
                w.socks[w.nsocks++] = s;
                synack_connect(w.st, s, &to);
            }
        }
        break;
    case 1: {
        int u = w.socks[0];
        synack_sendto(w.st, u, "datagram", 8, &to);
        break;
    }
    case 2:
        if (w.nsocks > 1)
            synack_send(w.st, w.socks[1 + (what >> 4) % (w.nsocks - 1)], "data", 4);
        break;
    default:
        if (w.nsocks > 1)
            synack_abort(w.st, w.socks[1 + (what >> 4) % (w.nsocks - 1)]);
        break;
    }
    synack_poll(w.st, w.now);
}

static void op_ip(struct fz_in *in)
{
    unsigned h = fz_u8(in) % NHOSTS;
    uint8_t what = fz_u8(in);
    bool v6 = what & 1;
    struct synack_addr src = v6 ? host_v6(h) : host_v4(h), dst = v6 ? A_V6 : A_V4;
    size_t hl = v6 ? 40 : 20;
    uint8_t pkt[128] = { 0 };
    size_t len;
    uint8_t proto;
    if (what & 2) {
        struct tcp_header_out th = { .src_port = (uint16_t)(40000 + h), .dst_port = 80, .seq = 1000u * h,
                                     .flags = TCP_SYN, .window = 65535 };
        len = tcp_write_header(pkt + hl, &th);
        tcp_fill_checksum(pkt + hl, len, &src, &dst);
        proto = IP_PROTO_TCP;
    } else {
        uint8_t *m = pkt + hl;
        m[0] = v6 ? 128 : 8;
        memcpy(m + 8, "echo", 4);
        len = 12;
        uint64_t base = v6 ? csum_pseudo(&src, &dst, IP_PROTO_ICMPV6, (uint32_t)len) : 0;
        put_be16(m + 2, csum_finish(csum_add(base, m, len)));
        proto = v6 ? IP_PROTO_ICMPV6 : IP_PROTO_ICMP;
    }
    if (v6)
        ipv6_write_header(pkt, &src, &dst, proto, (uint16_t)len, 64);
    else
        ipv4_write_header(pkt, &src, &dst, proto, (uint16_t)len, 64, 1, false);
    send_frame(a_mac, h, v6 ? 0x86dd : 0x0800, pkt, hl + len);
}

static void op_add_addr(struct fz_in *in)
{
    uint8_t b = fz_u8(in);
    if (w.added_addr)
        return;
    w.added_addr = true;
    struct synack_addr a = (b & 1) ? v6_with(0xfd, 0x01, 2) : synack_addr_v4(198, 19, 0, 2);
    synack_iface_add_addr(w.st, 0, a, (b & 1) ? 64 : 24);
    synack_poll(w.st, w.now);
}

static void setup(uint8_t variant)
{
    struct synack_config cfg;
    synack_config_default(&cfg);
    cfg.name = "A";
    cfg.secret = 0x5eed;
    cfg.alloc = counting_alloc;
    cfg.alloc_ctx = &w;
    cfg.neigh_max_entries = (variant & 1) ? 16 : 4;
    cfg.neigh_queue_len = (variant & 2) ? 3 : 2;
    cfg.dad_transmits = (variant & 4) ? 2 : 1;
    cfg.syn_retries = 3;
    cfg.rto_max_us = 10000000;
    cfg.msl_us = 2000000;
    w.st = synack_stack_new(&cfg);
    FZ_CHECK(w.st != NULL, "synack_stack_new failed");
    struct synack_iface_config ic = { .addr = A_V4, .prefix_len = 24, .mtu = 1500, .transmit = transmit,
                                      .link = SYNACK_LINK_ETHERNET };
    memcpy(ic.mac, a_mac, 6);
    FZ_CHECK(synack_iface_add(w.st, &ic) == 0, "synack_iface_add failed");
    FZ_CHECK(synack_iface_add_addr(w.st, 0, A_V6, 64) == 0, "synack_iface_add_addr failed");
    int u = synack_udp_socket(w.st);
    struct synack_endpoint any53 = synack_endpoint_make(synack_addr_any(0), 53);
    FZ_CHECK(u >= 0 && synack_bind(w.st, u, &any53) == 0, "UDP socket");
    w.socks[w.nsocks++] = u;
    int l = synack_socket(w.st);
    struct synack_endpoint any80 = synack_endpoint_make(synack_addr_any(0), 80);
    FZ_CHECK(l >= 0 && synack_bind(w.st, l, &any80) == 0 && synack_listen(w.st, l, 4) == 0, "listener");
    synack_poll(w.st, w.now);
    /* DAD passes, unless the input objects in its first second. */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(&w, 0, sizeof w);
    struct fz_in in = { .p = data, .len = size };
    setup(fz_u8(&in));
    check_all();
    for (unsigned r = 0; r < MAX_RECORDS && fz_left(&in); r++) {
        uint8_t op = fz_u8(&in);
        switch (op & 7) {
        case 0: op_raw(op, &in); break;
        case 1: op_arp(&in); break;
        case 2: op_ndp(&in); break;
        case 3: op_answer(op); break;
        case 4: op_time(&in); break;
        case 5: op_app(&in); break;
        case 6: op_ip(&in); break;
        default: op_add_addr(&in); break;
        }
        check_all();
    }
    synack_stack_close_all(w.st, true);
    for (int i = 0; i < 20; i++) {
        advance(30000000);
        check_all();
    }
    FZ_CHECK(synack_stack_stats(w.st)->neigh_entries == 0, "%llu neighbour entries ten minutes after the end",
             (unsigned long long)synack_stack_stats(w.st)->neigh_entries);
    synack_stack_free(w.st);
    FZ_CHECK(w.live_bytes == 0, "%llu bytes left allocated after synack_stack_free", (unsigned long long)w.live_bytes);
    return 0;
}
