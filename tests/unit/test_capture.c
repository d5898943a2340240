/* test_capture.c — the capture reader (synack/capture.h): classic pcap in
 * both byte orders with µs and ns timestamps, pcapng with several
 * interfaces, sections and timestamp resolutions, every link layer it
 * takes apart, the exact errors for broken files, and a fuzz pass that
 * feeds every prefix and thousands of corruptions of valid files. */
#include "test.h"

#include <stdlib.h>

#include "capture_util.h"
#include "synack/capture.h"
#include "synack/errors.h"
#include "synack/pcap.h"

#define A synack_addr_v4(198, 18, 0, 1)
#define B synack_addr_v4(198, 18, 0, 2)

/* What a read of a whole file gave. */
struct got {
    int rc;                      /* the last return: 0 at the end, or the error */
    char err[256];
    size_t count;
    struct synack_captured_packet p[16];
    uint8_t ip[16][256];         /* copies of the first packets' bytes */
    struct synack_capture_stats stats;
};

static void read_file(const char *path, struct got *g)
{
    memset(g, 0, sizeof *g);
    struct synack_capture *c;
    g->rc = synack_capture_open(path, &c, g->err, sizeof g->err);
    if (g->rc < 0)
        return;
    struct synack_captured_packet p;
    while ((g->rc = synack_capture_next(c, &p, g->err, sizeof g->err)) == 1) {
        if (g->count < 16) {
            g->p[g->count] = p;
            memcpy(g->ip[g->count], p.ip, p.ip_len < 256 ? p.ip_len : 256);
        }
        g->count++;
    }
    g->stats = *synack_capture_stats(c);
    synack_capture_close(c);
}

static void read_bytes_as_file(const struct bytes *b, struct got *g)
{
    char path[64];
    if (!cap_temp_path(path, sizeof path) || !cap_write_file(path, b->d, b->n)) {
        memset(g, 0, sizeof *g);
        g->rc = -1;
        snprintf(g->err, sizeof g->err, "cannot write a temporary file");
        return;
    }
    read_file(path, g);
    remove(path);
}

static size_t syn_packet(uint8_t *buf, uint32_t seq)
{
    struct seg s = {.src = A, .dst = B, .sport = 49152, .dport = 80, .seq = seq, .flags = TCP_SYN, .mss = 1460};
    return seg_build(buf, &s);
}

static size_t syn_packet6(uint8_t *buf, uint32_t seq)
{
    struct seg s = {.src = cap_v6(1), .dst = cap_v6(2), .sport = 49152, .dport = 80, .seq = seq, .flags = TCP_SYN,
                    .mss = 1440};
    return seg_build(buf, &s);
}

static size_t data_packet(uint8_t *buf, uint32_t len)
{
    struct seg s = {.src = A, .dst = B, .sport = 49152, .dport = 80, .seq = 1001, .ack = 8001,
                    .flags = TCP_ACK | TCP_PSH, .len = len};
    return seg_build(buf, &s);
}

/* ---- Classic pcap ------------------------------------------------------------- */

TEST(capture_reads_what_the_pcap_writer_wrote)
{
    char path[64];
    REQUIRE(cap_temp_path(path, sizeof path));
    struct synack_pcap *w = synack_pcap_open(path);
    REQUIRE(w);
    uint8_t p1[128], p2[128];
    size_t n1 = syn_packet(p1, 1000), n2 = data_packet(p2, 20);
    CHECK_EQ(synack_pcap_write(w, 1234567, p1, n1), 0);
    CHECK_EQ(synack_pcap_write(w, 7200000001ull, p2, n2), 0);
    CHECK_EQ(synack_pcap_close(w), 0);
    struct got g;
    read_file(path, &g);
    remove(path);
    CHECK_EQ(g.rc, 0);
    REQUIRE(g.count == 2);
    CHECK_EQ(g.p[0].number, 1);
    CHECK_EQ(g.p[0].when, 1234567);
    CHECK_EQ(g.p[0].ip_len, n1);
    CHECK_EQ(g.p[0].orig_len, n1);
    CHECK_EQ(g.p[0].linktype, 101);
    CHECK(memcmp(g.ip[0], p1, n1) == 0);
    CHECK_EQ(g.p[1].number, 2);
    CHECK_EQ(g.p[1].when, 7200000001ull);
    CHECK(memcmp(g.ip[1], p2, n2) == 0);
    CHECK_EQ(g.stats.records, 2);
    CHECK_EQ(g.stats.ip_packets, 2);
    CHECK_EQ(g.stats.skipped, 0);
}

/* The four magics: either byte order, micro- or nanoseconds. */
TEST(capture_classic_both_byte_orders_and_nanoseconds)
{
    uint8_t p[128];
    size_t n = syn_packet(p, 1000);
    for (int big = 0; big <= 1; big++) {
        for (int ns = 0; ns <= 1; ns++) {
            struct bytes b = {.big = big};
            pcap_file_header(&b, ns, 65535, 101);
            pcap_record(&b, 1700000000u, ns ? 123456789u : 123456u, p, (uint32_t)n, (uint32_t)n);
            pcap_record(&b, 1700000001u, ns ? 999u : 1u, p, (uint32_t)n, (uint32_t)n);
            struct got g;
            read_bytes_as_file(&b, &g);
            bytes_free(&b);
            CHECK_EQ(g.rc, 0);
            REQUIRE(g.count == 2);
            CHECK_EQ(g.p[0].when, 1700000000123456ull);            /* ns truncated to µs */
            CHECK_EQ(g.p[1].when, ns ? 1700000001000000ull : 1700000001000001ull);
            CHECK(memcmp(g.ip[0], p, n) == 0);
            CHECK_EQ(g.p[1].number, 2);
        }
    }
}

/* One record per link type, each around the same IPv4 packet and then
 * the same IPv6 packet. */
#define V4 1u                    /* comes back when it carries the IPv4 packet */
#define V6 2u                    /* ... the IPv6 packet */
struct link_case {
    const char *name;
    uint32_t linktype;
    uint8_t header[32];
    size_t header_len;
    unsigned ip;                 /* V4, V6, both, or 0: never (not IP, or the header names the other family) */
};

static const struct link_case link_cases[] = {
    {"ethernet", 1, {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00}, 14, V4},
    {"ethernet ipv6", 1, {0x33, 0x33, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1, 0x86, 0xdd}, 14, V6},
    {"ethernet 802.1Q", 1, {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x81, 0x00, 0x00, 0x05, 0x08, 0x00}, 18, V4},
    {"ethernet 802.1Q ipv6", 1, {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x81, 0x00, 0x00, 0x05, 0x86, 0xdd}, 18, V6},
    {"ethernet 802.1ad + 802.1Q", 1,
     {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xa8, 0x00, 0x07, 0x81, 0x00, 0x00, 0x05, 0x08, 0x00}, 22, V4},
    {"ethernet ARP", 1, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06}, 14, 0},
    {"ethernet 802.3 LLC", 1, {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x00, 0x40}, 14, 0},
    {"raw 101", 101, {0}, 0, V4 | V6},
    {"raw 12", 12, {0}, 0, V4 | V6},
    {"raw 14", 14, {0}, 0, V4 | V6},
    {"ipv4 228", 228, {0}, 0, V4},
    {"ipv6 229", 229, {0}, 0, V6},
    {"null little-endian", 0, {2, 0, 0, 0}, 4, V4},
    {"null big-endian", 0, {0, 0, 0, 2}, 4, V4},
    {"null AF_INET6 (Linux)", 0, {10, 0, 0, 0}, 4, V6},
    {"null AF_INET6 (OpenBSD)", 0, {24, 0, 0, 0}, 4, V6},
    {"null AF_INET6 (FreeBSD)", 0, {0, 0, 0, 28}, 4, V6},
    {"null AF_INET6 (macOS)", 0, {30, 0, 0, 0}, 4, V6},
    {"loop", 108, {0, 0, 0, 2}, 4, V4},
    {"linux sll", 113, {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00}, 16, V4},
    {"linux sll ipv6", 113, {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x86, 0xdd}, 16, V6},
    {"linux sll2", 276, {0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0}, 20, V4},
    {"linux sll2 ipv6", 276, {0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0}, 20, V6},
    {"unknown link type 147", 147, {0}, 0, 0},
};

TEST(capture_link_layers)
{
    for (unsigned family = V4; family <= V6; family++) {
        uint8_t p[128];
        size_t n = family == V4 ? syn_packet(p, 1000) : syn_packet6(p, 1000);
        for (size_t i = 0; i < sizeof link_cases / sizeof link_cases[0]; i++) {
            const struct link_case *lc = &link_cases[i];
            bool ip = (lc->ip & family) != 0;
            uint8_t frame[256];
            memcpy(frame, lc->header, lc->header_len);
            memcpy(frame + lc->header_len, p, n);
            size_t len = lc->header_len + n;
            /* Ethernet pads to 60 bytes and may carry an FCS: 4 more bytes,
             * which the reader must cut off by the IP header's length. */
            if (lc->linktype == 1) {
                memset(frame + len, 0xee, 4);
                len += 4;
            }
            for (int ng = 0; ng <= 1; ng++) {
                struct bytes b = {.big = ng};
                if (ng) {
                    ng_shb(&b);
                    ng_idb(&b, (uint16_t)lc->linktype, 0, -1, 0);
                    ng_epb(&b, 0, 5000000, frame, (uint32_t)len, (uint32_t)len);
                } else {
                    pcap_file_header(&b, false, 262144, lc->linktype);
                    pcap_record(&b, 5, 0, frame, (uint32_t)len, (uint32_t)len);
                }
                struct got g;
                read_bytes_as_file(&b, &g);
                bytes_free(&b);
                if (g.rc != 0 || g.count != (ip ? 1u : 0u))
                    test_fail(__FILE__, __LINE__, "%s (%s, IPv%d packet): rc %d, %zu packets (%s)", lc->name,
                              ng ? "pcapng" : "pcap", family == V4 ? 4 : 6, g.rc, g.count, g.err);
                CHECK_EQ(g.stats.records, 1);
                if (ip && g.count == 1) {
                    CHECK_EQ(g.p[0].ip_len, n);
                    CHECK_EQ(g.p[0].orig_len, n);
                    CHECK_EQ(g.p[0].when, 5000000);
                    CHECK_EQ(g.p[0].linktype, lc->linktype);
                    CHECK(memcmp(g.ip[0], p, n) == 0);
                    CHECK_EQ(g.stats.ipv6, family == V6);
                } else {
                    CHECK_EQ(g.stats.skipped, 1);
                }
            }
        }
    }
}

TEST(capture_counts_what_it_skips)
{
    uint8_t p[128], v6[60] = {0x60};
    size_t n = syn_packet(p, 1000);
    struct bytes b = {0};
    pcap_file_header(&b, false, 65535, 101);
    pcap_record(&b, 1, 0, p, (uint32_t)n, (uint32_t)n);
    pcap_record(&b, 2, 0, v6, sizeof v6, sizeof v6);           /* IPv6 on raw IP: returned */
    pcap_record(&b, 3, 0, (const uint8_t *)"\x10", 1, 1);     /* neither */
    pcap_record(&b, 4, 0, p, (uint32_t)n, (uint32_t)n);
    struct got g;
    read_bytes_as_file(&b, &g);
    bytes_free(&b);
    CHECK_EQ(g.rc, 0);
    REQUIRE(g.count == 3);
    CHECK_EQ(g.p[0].number, 1);
    CHECK_EQ(g.p[1].number, 2);
    CHECK_EQ(g.p[1].ip_len, sizeof v6);     /* payload length 0: the record says how long */
    CHECK_EQ(g.p[2].number, 4);             /* numbers count every record */
    CHECK_EQ(g.stats.records, 4);
    CHECK_EQ(g.stats.ip_packets, 3);
    CHECK_EQ(g.stats.skipped, 1);
    CHECK_EQ(g.stats.ipv6, 1);
    CHECK_EQ(g.stats.unknown_link, 0);
}

/* A snapshot length cuts the packet: ip_len is what is there, orig_len
 * the IPv4 total length, or 40 + the IPv6 payload length. */
TEST(capture_snaplen_cut_packet)
{
    for (int v6 = 0; v6 <= 1; v6++) {
        struct seg s = {.src = v6 ? cap_v6(1) : A, .dst = v6 ? cap_v6(2) : B, .sport = 49152, .dport = 80,
                        .seq = 1001, .ack = 8001, .flags = TCP_ACK | TCP_PSH, .len = 1400};
        uint8_t p[1600];
        size_t n = seg_build(p, &s);
        struct bytes b = {.big = true};
        pcap_file_header(&b, false, 96, 1);
        uint8_t frame[1700] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, v6 ? 0x86 : 0x08, v6 ? 0xdd : 0x00};
        memcpy(frame + 14, p, n);
        pcap_record(&b, 1, 0, frame, 96, (uint32_t)(14 + n));
        struct got g;
        read_bytes_as_file(&b, &g);
        bytes_free(&b);
        CHECK_EQ(g.rc, 0);
        REQUIRE(g.count == 1);
        CHECK_EQ(g.p[0].ip_len, 96 - 14);
        CHECK_EQ(g.p[0].orig_len, n);
        CHECK_EQ(g.stats.ipv6, v6);
    }
}

/* ---- pcapng ------------------------------------------------------------------ */

/* Two sections, one in each byte order, interfaces with several
 * timestamp resolutions, the three packet blocks and blocks to pass
 * over. */
TEST(capture_pcapng_sections_interfaces_resolutions)
{
    uint8_t p[128], frame[160] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
    size_t n = syn_packet(p, 1000);
    memcpy(frame + 14, p, n);
    struct bytes b = {.big = false};
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);                           /* 0: Ethernet, µs (default) */
    ng_idb(&b, 101, 65535, 9, 0);                      /* 1: raw, ns */
    struct bytes nrb = {.big = b.big};
    bytes_u32(&nrb, 0);                                /* an empty Name Resolution Block */
    ng_block(&b, 4, &nrb);
    bytes_free(&nrb);
    ng_epb(&b, 0, 1700000000123456ull, frame, (uint32_t)(14 + n), (uint32_t)(14 + n));     /* packet 1 */
    ng_epb(&b, 1, 1700000000123456789ull, p, (uint32_t)n, (uint32_t)n);                    /* packet 2 */
    struct bytes custom = {.big = b.big};
    bytes_u32(&custom, 32473);                         /* a Custom Block's PEN and some data */
    bytes_put(&custom, "opaque", 6);
    ng_block(&b, 0x00000bad, &custom);
    bytes_free(&custom);
    ng_spb(&b, frame, (uint32_t)(14 + n));             /* packet 3: interface 0, no timestamp */
    /* Section 2, big-endian: interfaces numbered afresh. */
    struct bytes s2 = {.big = true};
    ng_shb(&s2);
    ng_idb(&s2, 101, 0, 0x80 | 10, 0);                 /* 0: raw, 2^-10 s */
    ng_idb(&s2, 0, 0, 3, 1000);                        /* 1: null, ms, offset 1000 s */
    ng_epb(&s2, 0, (3ull << 10) | 512, p, (uint32_t)n, (uint32_t)n);   /* 3.5 s: packet 4 */
    uint8_t nullframe[160] = {0, 0, 0, 2};
    memcpy(nullframe + 4, p, n);
    ng_epb(&s2, 1, 2500, nullframe, (uint32_t)(4 + n), (uint32_t)(4 + n));   /* 1002.5 s: packet 5 */
    bytes_put(&b, s2.d, s2.n);
    bytes_free(&s2);

    struct got g;
    read_bytes_as_file(&b, &g);
    bytes_free(&b);
    CHECK_EQ(g.rc, 0);
    if (g.rc)
        printf("    %s\n", g.err);
    REQUIRE(g.count == 5);
    for (size_t i = 0; i < 5; i++) {
        CHECK_EQ(g.p[i].number, i + 1);
        CHECK_EQ(g.p[i].ip_len, n);
        CHECK(memcmp(g.ip[i], p, n) == 0);
    }
    CHECK_EQ(g.p[0].when, 1700000000123456ull);
    CHECK_EQ(g.p[0].linktype, 1);
    CHECK_EQ(g.p[1].when, 1700000000123456ull);
    CHECK_EQ(g.p[1].linktype, 101);
    CHECK_EQ(g.p[2].when, 1700000000123456ull);       /* the SPB takes the time before it */
    CHECK_EQ(g.p[2].linktype, 1);
    CHECK_EQ(g.p[3].when, 3500000);
    CHECK_EQ(g.p[4].when, 1002500000);
    CHECK_EQ(g.p[4].linktype, 0);
    CHECK_EQ(g.stats.records, 5);
}

/* ---- Broken files: exact messages --------------------------------------------------- */

/* A valid classic file of three Ethernet records, then whatever `tail`
 * appends. */
static void three_records(struct bytes *b, uint32_t snaplen)
{
    uint8_t p[1600], frame[1700] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
    size_t n = data_packet(p, 1460);
    memcpy(frame + 14, p, n);
    pcap_file_header(b, false, snaplen, 1);
    for (int i = 0; i < 3; i++)
        pcap_record(b, 1, (uint32_t)i, frame, (uint32_t)(14 + n), (uint32_t)(14 + n));
}

static void expect_error(struct bytes *b, int code, const char *message, size_t packets_before)
{
    struct got g;
    read_bytes_as_file(b, &g);
    CHECK_EQ(g.rc, code);
    CHECK_STR_EQ(g.err, message);
    CHECK_EQ(g.count, packets_before);
}

TEST(capture_truncated_final_record)
{
    struct bytes b = {0};
    three_records(&b, 65535);
    b.n -= 1514 - 800;                    /* record 3 has 800 of its 1514 bytes */
    expect_error(&b, -SYNACK_EINVAL, "packet 3: record truncated (need 1514 bytes, file ends after 800)", 2);
    b.n = 24 + 2 * (16 + 1514) + 7;       /* record 3's header has 7 of 16 bytes */
    expect_error(&b, -SYNACK_EINVAL, "packet 3: record header truncated (need 16 bytes, file ends after 7)", 2);
    b.n = 24 + 2 * (16 + 1514);           /* ends cleanly after record 2 */
    expect_error(&b, 0, "", 2);
    bytes_free(&b);
}

TEST(capture_records_over_the_bounds)
{
    struct bytes b = {0};
    three_records(&b, 1500);              /* 1514-byte records: within snaplen + 64 */
    expect_error(&b, 0, "", 3);
    bytes_free(&b);
    three_records(&b, 1400);
    expect_error(&b, -SYNACK_EMSGSIZE,
                 "packet 1: record of 1514 bytes is larger than the file's snapshot length (1400)", 0);
    bytes_free(&b);
    /* No snapshot length: the fixed bound of 256 KiB still holds. */
    three_records(&b, 0);
    bytes_set_u32(&b, 24 + 2 * (16 + 1514) + 8, 300000);
    expect_error(&b, -SYNACK_EMSGSIZE, "packet 3: record of 300000 bytes is larger than the largest accepted (262144)",
                 2);
    bytes_free(&b);
}

TEST(capture_not_a_capture)
{
    struct bytes b = {0};
    bytes_put(&b, "Hello, world\n", 13);
    expect_error(&b, -SYNACK_EINVAL, "not a pcap or pcapng capture (it starts 48 65 6c 6c)", 0);
    b.n = 0;
    expect_error(&b, -SYNACK_EINVAL, "empty file: not a pcap or pcapng capture", 0);
    bytes_put(&b, "\x1f\x8b\x08\x00", 4);
    expect_error(&b, -SYNACK_EINVAL, "a gzip-compressed file: decompress it first", 0);
    bytes_free(&b);
    pcap_file_header(&b, false, 65535, 1);
    b.n = 20;
    expect_error(&b, -SYNACK_EINVAL, "file header truncated (need 24 bytes, file ends after 20)", 0);
    bytes_free(&b);
    struct got g;
    read_file("/nonexistent-dir-for-synack/x.pcap", &g);
    CHECK_EQ(g.rc, -SYNACK_ENOENT);
    CHECK_STR_EQ(g.err, "cannot open it: No such file or directory");
}

TEST(capture_pcapng_errors)
{
    uint8_t p[128];
    size_t n = syn_packet(p, 1000);
    for (int big = 0; big <= 1; big++) {
        /* The trailing length of packet 2's block disagrees. */
        struct bytes b = {.big = big};
        ng_shb(&b);
        ng_idb(&b, 101, 0, -1, 0);
        ng_epb(&b, 0, 1, p, (uint32_t)n, (uint32_t)n);
        size_t second = b.n;
        ng_epb(&b, 0, 2, p, (uint32_t)n, (uint32_t)n);
        uint32_t total = (uint32_t)(b.n - second);
        bytes_set_u32(&b, b.n - 4, total + 4);
        char want[160];
        snprintf(want, sizeof want, "packet 2: block lengths inconsistent (%u at the start, %u at the end)", total,
                 total + 4);
        expect_error(&b, -SYNACK_EINVAL, want, 1);
        /* Packet 2's block cut short. */
        bytes_set_u32(&b, b.n - 4, total);
        b.n -= 10;
        snprintf(want, sizeof want, "packet 2: record truncated (need %u bytes, file ends after %u)", total,
                 total - 10);
        expect_error(&b, -SYNACK_EINVAL, want, 1);
        /* A packet for an interface never described. */
        b.n = second;
        ng_epb(&b, 3, 2, p, (uint32_t)n, (uint32_t)n);
        expect_error(&b, -SYNACK_EINVAL,
                     "packet 2: interface 3 not described (the section has 1 Interface Description Blocks)", 1);
        /* A captured length beyond its block. */
        b.n = second;
        ng_epb(&b, 0, 2, p, (uint32_t)n, (uint32_t)n);
        bytes_set_u32(&b, second + 20, (uint32_t)n + 8);
        snprintf(want, sizeof want, "packet 2: captured length %zu runs past the end of its block (%zu bytes left)",
                 n + 8, (n + 3) & ~(size_t)3);
        expect_error(&b, -SYNACK_EINVAL, want, 1);
        /* A block length that is not a multiple of 4. */
        b.n = second;
        ng_epb(&b, 0, 2, p, (uint32_t)n, (uint32_t)n);
        bytes_set_u32(&b, second + 4, 61);
        expect_error(&b, -SYNACK_EINVAL, "packet 2: block length 61 invalid (must be a multiple of 4, at least 12)",
                     1);
        /* An interface block cut short at the end of the file. */
        b.n = second;
        ng_idb(&b, 1, 0, 6, 0);
        b.n -= 2;
        snprintf(want, sizeof want,
                 "after packet 1: Interface Description Block at byte %zu: block truncated (need 32 bytes, file "
                 "ends after 30)",
                 second);
        expect_error(&b, -SYNACK_EINVAL, want, 1);
        bytes_free(&b);
    }
    /* A bad byte-order magic, and an unknown version. */
    struct bytes b = {0};
    ng_shb(&b);
    b.d[8] = 0x55;
    expect_error(&b, -SYNACK_EINVAL,
                 "before the first packet: Section Header Block at byte 0: byte-order magic is 55 3c 2b 1a, not 1a2b3c4d in "
                 "either byte order",
                 0);
    b.d[8] = 0x4d;
    b.d[12] = 2;
    expect_error(&b, -SYNACK_EINVAL,
                 "before the first packet: Section Header Block at byte 0: pcapng version 2.0 not supported (only 1.x)",
                 0);
    bytes_free(&b);
}

/* Once an error is returned, it is returned again. */
TEST(capture_errors_are_sticky)
{
    struct bytes b = {0};
    three_records(&b, 65535);
    b.n -= 100;
    char path[64];
    REQUIRE(cap_temp_path(path, sizeof path));
    REQUIRE(cap_write_file(path, b.d, b.n));
    bytes_free(&b);
    struct synack_capture *c;
    char err[256];
    REQUIRE(synack_capture_open(path, &c, err, sizeof err) == 0);
    struct synack_captured_packet p;
    CHECK_EQ(synack_capture_next(c, &p, err, sizeof err), 1);
    CHECK_EQ(synack_capture_next(c, &p, err, sizeof err), 1);
    CHECK_EQ(synack_capture_next(c, &p, err, sizeof err), -SYNACK_EINVAL);
    err[0] = '\0';
    CHECK_EQ(synack_capture_next(c, &p, err, sizeof err), -SYNACK_EINVAL);
    CHECK_STR_EQ(err, "packet 3: record truncated (need 1514 bytes, file ends after 1414)");
    synack_capture_close(c);
    remove(path);
}

/* ---- Fuzzing ---------------------------------------------------------------------------- */

/* xorshift64*: a small seeded generator, so that a failure can be replayed. */
static uint64_t fuzz_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* Reads a whole file; it must end with 0 or an error with a message, and
 * hand out only packets whose bytes lie inside what it said. */
static void fuzz_read(const uint8_t *data, size_t len, const char *path)
{
    if (!cap_write_file(path, data, len)) {
        test_fail(__FILE__, __LINE__, "cannot write %s", path);
        return;
    }
    struct synack_capture *c;
    char err[256] = "";
    int rc = synack_capture_open(path, &c, err, sizeof err);
    if (rc < 0) {
        if (!err[0])
            test_fail(__FILE__, __LINE__, "open failed (%d) without a message", rc);
        return;
    }
    struct synack_captured_packet p;
    uint64_t last = 0, sum = 0;
    while ((rc = synack_capture_next(c, &p, err, sizeof err)) == 1) {
        if (p.number <= last || p.ip_len > p.orig_len || p.ip_len > 262144)
            test_fail(__FILE__, __LINE__, "packet %" PRIu64 " after %" PRIu64 ", ip_len %zu, orig_len %zu", p.number,
                      last, p.ip_len, p.orig_len);
        last = p.number;
        for (size_t i = 0; i < p.ip_len; i++)    /* every byte readable (ASan checks) */
            sum += p.ip[i];
    }
    if (rc < 0 && !err[0])
        test_fail(__FILE__, __LINE__, "error %d without a message", rc);
    if (rc > 1)
        test_fail(__FILE__, __LINE__, "next returned %d", rc);
    (void)sum;
    synack_capture_close(c);
}

/* The valid files the fuzzer starts from. */
static void fuzz_seeds(struct bytes *classic, struct bytes *ng)
{
    uint8_t p[256], frame[300] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x81, 0x00, 0, 1, 0x08, 0x00};
    size_t n = data_packet(p, 100);
    memcpy(frame + 18, p, n);
    *classic = (struct bytes){.big = true};
    pcap_file_header(classic, true, 65535, 1);
    for (int i = 0; i < 4; i++)
        pcap_record(classic, (uint32_t)i, 0, frame, (uint32_t)(18 + n), (uint32_t)(18 + n));
    *ng = (struct bytes){0};
    ng_shb(ng);
    ng_idb(ng, 1, 0, 9, 0);
    ng_idb(ng, 113, 128, 0x80 | 20, 0);
    uint8_t sll[300] = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00};
    memcpy(sll + 16, p, n);
    ng_epb(ng, 0, 1, frame, (uint32_t)(18 + n), (uint32_t)(18 + n));
    ng_epb(ng, 1, 2, sll, 128, (uint32_t)(16 + n));
    ng_spb(ng, frame, (uint32_t)(18 + n));
    struct bytes s2 = {.big = true};
    ng_shb(&s2);
    ng_idb(&s2, 276, 0, -1, 5);
    uint8_t sll2[300] = {0x08, 0x00};
    memcpy(sll2 + 20, p, n);
    ng_epb(&s2, 0, 3, sll2, (uint32_t)(20 + n), (uint32_t)(20 + n));
    bytes_put(ng, s2.d, s2.n);
    bytes_free(&s2);
}

TEST(capture_fuzz_prefixes_and_corruptions)
{
    struct bytes seeds[2];
    fuzz_seeds(&seeds[0], &seeds[1]);
    char path[64];
    REQUIRE(cap_temp_path(path, sizeof path));
    uint64_t state = 0x5eed5eed12345678ull;
    const char *env = getenv("SYNACK_FUZZ_ITERATIONS");
    long iterations = env ? atol(env) : 3000;
    for (int s = 0; s < 2; s++) {
        const struct bytes *seed = &seeds[s];
        /* Unchanged, it reads to the end. */
        struct got g;
        read_bytes_as_file(seed, &g);
        CHECK_EQ(g.rc, 0);
        CHECK_EQ(g.count, 4);
        /* Every prefix. */
        for (size_t len = 0; len <= seed->n; len++)
            fuzz_read(seed->d, len, path);
        /* Random corruptions: flipped bits, random bytes, and 32-bit
         * values (small, huge, near the real ones) at aligned offsets,
         * where the length fields are. */
        uint8_t *buf = malloc(seed->n);
        REQUIRE(buf);
        for (long it = 0; it < iterations; it++) {
            memcpy(buf, seed->d, seed->n);
            int edits = 1 + (int)(fuzz_next(&state) % 4);
            for (int e = 0; e < edits; e++) {
                uint64_t r = fuzz_next(&state);
                size_t at = (size_t)(r >> 8) % seed->n;
                switch (r % 4) {
                case 0: buf[at] ^= (uint8_t)(1u << ((r >> 4) % 8)); break;
                case 1: buf[at] = (uint8_t)(r >> 40); break;
                default: {
                    static const uint32_t values[] = {0, 1, 3, 4, 8, 12, 16, 27, 28, 0x7fffffff, 0x80000000u,
                                                      0xffffffffu, 65535, 65536, 262144, 262145, 0x0a0d0d0au};
                    at &= ~(size_t)3;
                    if (at + 4 > seed->n)
                        break;
                    uint32_t v = (r >> 32) % 3 == 0 ? (uint32_t)(r >> 32)
                                                    : values[(r >> 16) % (sizeof values / sizeof values[0])];
                    for (int i = 0; i < 4; i++)
                        buf[at + (size_t)i] = (uint8_t)(v >> (8 * ((r >> 3) & 1 ? i : 3 - i)));
                }
                }
            }
            size_t len = seed->n - (size_t)(fuzz_next(&state) % 3 == 0 ? fuzz_next(&state) % seed->n : 0);
            fuzz_read(buf, len, path);
        }
        free(buf);
    }
    remove(path);
    bytes_free(&seeds[0]);
    bytes_free(&seeds[1]);
}
