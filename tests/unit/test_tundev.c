/*
 * test_tundev.c — the TUN/TAP driver's packet work without a device
 * (src/link/tundev.c): a socketpair of SOCK_SEQPACKET stands in for
 * /dev/net/tun (one message = one read or write, the virtio-net header
 * first), so no privilege is needed.
 *
 *   - consecutive full-sized TCP segments of one flow become one TSO
 *     super-packet: IPv4 (GSO_TCPV4) and IPv6 (GSO_TCPV6), on TUN (IP
 *     packets) and TAP (Ethernet frames: offsets count from the frame);
 *     the lengths, the IPv4 header checksum and the partial TCP checksum
 *     (the pseudo-header sum over the whole) are what the kernel needs;
 *   - what breaks a run: a gap in sequence numbers, PSH, another
 *     Ethernet destination, a packet that is not TCP; a shorter segment
 *     ends a run but never joins a lone longer one (a path MTU probe);
 *   - a packet read with a partial checksum (NEEDS_CSUM) is completed
 *     from the header's csum_start and csum_offset alone.
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "byteorder.h"
#include "checksum.h"
#include "test.h"
#include "../../src/link/tundev.h"

#define HDR_LEN ((size_t)sizeof(struct virtio_net_hdr))
#define MSS 1000u

struct rig {
    struct tundev dev;     /* large: static below */
    int kernel;            /* the other end: what "the kernel" reads and writes */
};

static struct rig rig;

static void rig_open(size_t l2_len)
{
    int sv[2];
    memset(&rig.dev, 0, sizeof rig.dev);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
    rig.dev.fd = sv[0];
    rig.kernel = sv[1];
    rig.dev.offload = true;
    rig.dev.l2_len = (uint8_t)l2_len;
    rig.dev.mtu = 1500;
}

static void rig_close(void)
{
    close(rig.dev.fd);
    close(rig.kernel);
}

/* The next message the kernel's end holds: its header and packet; the
 * packet's length, or -1 when there is none. */
static ssize_t kernel_reads(struct virtio_net_hdr *h, uint8_t *pkt, size_t cap)
{
    static uint8_t msg[HDR_LEN + TUNDEV_MAX_FRAME];
    memset(h, 0, sizeof *h);
    ssize_t n = recv(rig.kernel, msg, sizeof msg, 0);
    if (n < (ssize_t)HDR_LEN)
        return -1;
    size_t len = (size_t)n - HDR_LEN;
    CHECK(len <= cap);
    if (len > cap)
        return -1;
    memcpy(h, msg, HDR_LEN);
    memcpy(pkt, msg + HDR_LEN, len);
    return (ssize_t)len;
}

struct seg_spec {
    int family;            /* 4 or 6 */
    size_t l2;             /* 0 or 14 */
    uint32_t seq;
    size_t payload;
    uint8_t flags;         /* TCP flags */
    uint8_t dst_mac_last;  /* the Ethernet destination's last octet */
};

static const uint8_t src6[16] = { 0xfd, 0x00, 0x05, 0xac, [15] = 2 };
static const uint8_t dst6[16] = { 0xfd, 0x00, 0x05, 0xac, [15] = 1 };

/* A TCP segment as the stack would send it, checksums complete; payload
 * byte i of the flow is (seq + i) & 0xff. */
static size_t make_segment(uint8_t *p, const struct seg_spec *s)
{
    size_t ihl = s->family == 6 ? 40 : 20, len = s->l2 + ihl + 20 + s->payload;
    uint8_t *ip = p + s->l2, *t = ip + ihl;
    memset(p, 0, len);
    if (s->l2) {
        memcpy(p, (uint8_t[6]){ 0x5a, 0, 0, 0, 0, s->dst_mac_last }, 6);
        memcpy(p + 6, (uint8_t[6]){ 0x02, 0, 0, 0, 0, 2 }, 6);
        put_be16(p + 12, s->family == 6 ? 0x86dd : 0x0800);
    }
    struct synack_addr src, dst;
    if (s->family == 6) {
        ip[0] = 0x60;
        put_be16(ip + 4, (uint16_t)(20 + s->payload));
        ip[6] = 6;
        ip[7] = 64;
        memcpy(ip + 8, src6, 16);
        memcpy(ip + 24, dst6, 16);
        src = synack_addr_v6(src6);
        dst = synack_addr_v6(dst6);
    } else {
        ip[0] = 0x45;
        put_be16(ip + 2, (uint16_t)(ihl + 20 + s->payload));
        put_be16(ip + 6, 0x4000);                 /* DF */
        ip[8] = 64;
        ip[9] = 6;
        src = synack_addr_v4(198, 18, 0, 2);
        dst = synack_addr_v4(198, 18, 0, 1);
        memcpy(ip + 12, src.bytes, 4);
        memcpy(ip + 16, dst.bytes, 4);
        put_be16(ip + 10, csum_finish(csum_add(0, ip, 20)));
    }
    put_be16(t, 7);
    put_be16(t + 2, 40000);
    put_be32(t + 4, s->seq);
    put_be32(t + 8, 5000);
    t[12] = 5 << 4;
    t[13] = s->flags;
    put_be16(t + 14, 512);
    for (size_t i = 0; i < s->payload; i++)
        t[20 + i] = (uint8_t)(s->seq + i);
    uint32_t tcp_len = (uint32_t)(20 + s->payload);
    put_be16(t + 16, csum_finish(csum_add(csum_pseudo(&src, &dst, 6, tcp_len), t, tcp_len)));
    return len;
}

/* Whether the TCP checksum of an IP packet (at ip, IPv4 or IPv6 without
 * extension headers) verifies. */
static bool tcp_checksum_ok(const uint8_t *ip, size_t len)
{
    size_t ihl = ip[0] >> 4 == 6 ? 40 : 20;
    struct synack_addr src = ihl == 40 ? synack_addr_v6(ip + 8) : synack_addr_v4_u32(get_be32(ip + 12));
    struct synack_addr dst = ihl == 40 ? synack_addr_v6(ip + 24) : synack_addr_v4_u32(get_be32(ip + 16));
    uint32_t tcp_len = (uint32_t)(len - ihl);
    return csum_finish(csum_add(csum_pseudo(&src, &dst, 6, tcp_len), ip + ihl, tcp_len)) == 0;
}

static uint8_t seg[TUNDEV_MAX_FRAME], got[TUNDEV_MAX_FRAME];

/* Three full segments, merged; then what the kernel reads is checked. */
static void check_merge(int family, size_t l2)
{
    size_t ihl = family == 6 ? 40 : 20;
    rig_open(l2);
    for (uint32_t i = 0; i < 3; i++) {
        struct seg_spec s = { .family = family, .l2 = l2, .seq = 1000 + i * MSS, .payload = MSS, .flags = 0x10 };
        size_t len = make_segment(seg, &s);
        CHECK_EQ(tundev_queue(&rig.dev, seg, len), 0);
    }
    struct virtio_net_hdr h;
    CHECK_EQ(kernel_reads(&h, got, sizeof got), -1);   /* held back until the flush */
    CHECK_EQ(tundev_flush(&rig.dev), 0);
    ssize_t n = kernel_reads(&h, got, sizeof got);
    size_t want = l2 + ihl + 20 + 3 * MSS;
    CHECK_EQ(n, (ssize_t)want);
    CHECK_EQ(h.gso_type, family == 6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4);
    CHECK_EQ(h.gso_size, MSS);
    CHECK_EQ(h.hdr_len, l2 + ihl + 20);
    CHECK_EQ(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    CHECK_EQ(h.csum_start, l2 + ihl);
    CHECK_EQ(h.csum_offset, 16);
    const uint8_t *ip = got + l2, *t = ip + ihl;
    if (l2)
        CHECK_EQ(get_be16(got + 12), family == 6 ? 0x86dd : 0x0800);
    if (family == 6) {
        CHECK_EQ(get_be16(ip + 4), 20 + 3 * MSS);
    } else {
        CHECK_EQ(get_be16(ip + 2), want - l2);
        CHECK_EQ(csum_finish(csum_add(0, ip, 20)), 0);   /* header checksum recomputed */
    }
    CHECK_EQ(get_be32(t + 4), 1000);
    bool bytes_ok = true;
    for (size_t i = 0; i < 3 * MSS; i++)
        bytes_ok &= t[20 + i] == (uint8_t)(1000 + i);
    CHECK(bytes_ok);
    /* The partial checksum is the pseudo-header sum of the whole: what the
     * kernel completes per segment.  Completed here over the whole, the
     * super-packet's TCP checksum verifies. */
    CHECK(!tcp_checksum_ok(ip, (size_t)n - l2));
    uint16_t c = csum_finish(csum_add(0, got + h.csum_start, (size_t)n - h.csum_start));
    put_be16(got + h.csum_start + h.csum_offset, c);
    CHECK(tcp_checksum_ok(ip, (size_t)n - l2));
    CHECK_EQ(rig.dev.stats.tx_super_packets, 1);
    CHECK_EQ(rig.dev.stats.tx_segments_coalesced, 3);
    rig_close();
}

TEST(tun_ipv4_segments_merge_into_one_tso_packet) { check_merge(4, 0); }
TEST(tun_ipv6_segments_merge_into_one_tso_packet) { check_merge(6, 0); }
TEST(tap_ipv4_frames_merge_into_one_tso_frame) { check_merge(4, TUNDEV_ETH_HLEN); }
TEST(tap_ipv6_frames_merge_into_one_tso_frame) { check_merge(6, TUNDEV_ETH_HLEN); }

struct message {
    int segs;              /* segments carried (gso_size being MSS) */
    size_t payload;        /* TCP payload bytes */
    uint8_t flags;         /* the TCP flags of the whole */
};

/* Queues the segments and counts the messages the kernel reads. */
static int messages_for(const struct seg_spec *specs, int count, struct message *out)
{
    int messages = 0;
    for (int i = 0; i < count; i++) {
        size_t len = make_segment(seg, &specs[i]);
        CHECK_EQ(tundev_queue(&rig.dev, seg, len), 0);
    }
    CHECK_EQ(tundev_flush(&rig.dev), 0);
    struct virtio_net_hdr h;
    ssize_t n;
    while ((n = kernel_reads(&h, got, sizeof got)) >= 0) {
        struct message *m = &out[messages++];
        m->segs = h.gso_type == VIRTIO_NET_HDR_GSO_NONE ? 1 : (int)(((size_t)n - h.hdr_len) / MSS);
        size_t hdr = specs[0].l2 + (specs[0].family == 6 ? 40 : 20) + 20;
        m->payload = (size_t)n - hdr;
        m->flags = got[hdr - 20 + 13];
        CHECK(messages < 16);
    }
    return messages;
}

TEST(a_gap_psh_or_another_destination_ends_the_run)
{
    struct message m[16];
    rig_open(TUNDEV_ETH_HLEN);
    struct seg_spec base = { .family = 6, .l2 = TUNDEV_ETH_HLEN, .payload = MSS, .flags = 0x10, .dst_mac_last = 1 };
    struct seg_spec s[6];
    for (int i = 0; i < 6; i++) {
        s[i] = base;
        s[i].seq = 1000 + (uint32_t)i * MSS;
    }
    s[2].seq += 1;                 /* a gap: a new run from here */
    s[3].seq += 1;
    s[3].flags |= 0x08;            /* PSH: the run ends with it, and the whole carries it */
    s[5].dst_mac_last = 9;         /* another neighbour: not merged */
    CHECK_EQ(messages_for(s, 6, m), 4);
    CHECK_EQ(m[0].segs, 2);
    CHECK_EQ(m[0].flags, 0x10);
    CHECK_EQ(m[1].segs, 2);
    CHECK_EQ(m[1].flags, 0x18);
    CHECK_EQ(m[2].segs, 1);
    CHECK_EQ(m[3].segs, 1);
    rig_close();
}

TEST(a_packet_that_is_not_tcp_goes_alone_and_in_order)
{
    struct message m[16];
    rig_open(0);
    struct seg_spec s = { .family = 4, .seq = 1000, .payload = MSS, .flags = 0x10 };
    size_t len = make_segment(seg, &s);
    CHECK_EQ(tundev_queue(&rig.dev, seg, len), 0);
    seg[9] = 17;                   /* the same bytes as UDP: written at once, after the held segment */
    CHECK_EQ(tundev_queue(&rig.dev, seg, len), 0);
    struct virtio_net_hdr h;
    CHECK_EQ(kernel_reads(&h, got, sizeof got), (ssize_t)len);
    CHECK_EQ(got[9], 6);
    CHECK_EQ(kernel_reads(&h, got, sizeof got), (ssize_t)len);
    CHECK_EQ(got[9], 17);
    CHECK_EQ(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
    CHECK_EQ(messages_for(&s, 0, m), 0);
    rig_close();
}

/* The kernel hands over a segment whose checksum it left partial. */
static void check_completion(int family, size_t l2)
{
    rig_open(l2);
    size_t ihl = family == 6 ? 40 : 20;
    struct seg_spec s = { .family = family, .l2 = l2, .seq = 7, .payload = 333, .flags = 0x18 };
    size_t len = make_segment(seg, &s);
    uint8_t *ip = seg + l2;
    CHECK(tcp_checksum_ok(ip, len - l2));
    struct synack_addr src = family == 6 ? synack_addr_v6(src6) : synack_addr_v4(198, 18, 0, 2);
    struct synack_addr dst = family == 6 ? synack_addr_v6(dst6) : synack_addr_v4(198, 18, 0, 1);
    put_be16(ip + ihl + 16, (uint16_t)~csum_finish(csum_pseudo(&src, &dst, 6, (uint32_t)(len - l2 - ihl))));
    CHECK(!tcp_checksum_ok(ip, len - l2));
    struct virtio_net_hdr h = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = (uint16_t)(l2 + ihl), .csum_offset = 16,
    };
    uint8_t msg[HDR_LEN + 2048];
    memcpy(msg, &h, HDR_LEN);
    memcpy(msg + HDR_LEN, seg, len);
    CHECK_EQ(send(rig.kernel, msg, HDR_LEN + len, 0), (ssize_t)(HDR_LEN + len));
    bool valid = false;
    CHECK_EQ(tundev_read(&rig.dev, got, sizeof got, &valid), (ssize_t)len);
    CHECK(valid);
    CHECK(tundev_complete_checksum(&rig.dev, got, len));
    CHECK(tcp_checksum_ok(got + l2, len - l2));
    CHECK_EQ(tundev_read(&rig.dev, got, sizeof got, &valid), 0);   /* nothing more */
    rig_close();
}

TEST(a_partial_checksum_read_is_completed_tun_ipv4) { check_completion(4, 0); }
TEST(a_partial_checksum_read_is_completed_tap_ipv6) { check_completion(6, TUNDEV_ETH_HLEN); }

/* A lone segment may be a path MTU probe, longer than those after it: a
 * shorter segment does not join it (a router would drop the two
 * together), but it does end a run of full-sized ones. */
TEST(a_short_segment_joins_a_run_but_not_a_lone_segment)
{
    struct message m[16];
    rig_open(0);
    struct seg_spec s[5] = {
        { .family = 6, .seq = 1000, .payload = MSS, .flags = 0x10 },
        { .family = 6, .seq = 1000 + MSS, .payload = MSS / 2, .flags = 0x10 },
        { .family = 6, .seq = 1000 + MSS + MSS / 2, .payload = MSS / 2, .flags = 0x10 },
        { .family = 6, .seq = 1000 + 2 * MSS, .payload = MSS / 2, .flags = 0x10 },
        { .family = 6, .seq = 1000 + 2 * MSS + MSS / 2, .payload = MSS / 4, .flags = 0x10 },
    };
    /* 1000 | 500 500 500 250: the 500 does not join the lone 1000; the
     * 250 joins the run of 500s and ends it. */
    CHECK_EQ(messages_for(s, 5, m), 2);
    CHECK_EQ(m[0].payload, MSS);
    CHECK_EQ(m[1].payload, 3 * (MSS / 2) + MSS / 4);
    rig_close();
}
