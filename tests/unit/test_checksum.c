/* test_checksum.c — the Internet checksum (RFC 1071) and the TCP
 * pseudo-header (RFC 9293 §3.1), checked against RFC examples, a captured
 * header and a deliberately naive reference written here. */
#include "test.h"

#include "checksum.h"
#include "ringbuf.h"
#include "tcp_wire.h"

/* Reference: RFC 1071 §1 done the slow way, one 16-bit word at a time,
 * folding the carry after every addition. */
static uint16_t naive_sum(uint16_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i += 2) {
        uint32_t word = (uint32_t)p[i] << 8;
        if (i + 1 < len)
            word |= p[i + 1];
        uint32_t s = (uint32_t)sum + word;
        sum = (uint16_t)((s & 0xffff) + (s >> 16));
    }
    return sum;
}

static uint16_t naive_checksum(const uint8_t *p, size_t len)
{
    return (uint16_t)~naive_sum(0, p, len);
}

/* Deterministic filler (a 32-bit LCG) so the tests need no randomness. */
static void fill(uint8_t *p, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (uint8_t)(seed >> 24);
    }
}

/* RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2, so the
 * checksum is its complement 220d. */
TEST(checksum_rfc1071_example)
{
    static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    CHECK_EQ(csum_finish(csum_add(0, b, sizeof b)), 0x220d);
    CHECK_EQ(naive_checksum(b, sizeof b), 0x220d);
    /* Summing the data together with its checksum gives all ones. */
    static const uint8_t with[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7, 0x22, 0x0d};
    CHECK_EQ(csum_finish(csum_add(0, with, sizeof with)), 0);
}

TEST(checksum_odd_lengths_pad_with_zero)
{
    static const uint8_t one[] = {0x01};
    CHECK_EQ(csum_finish(csum_add(0, one, 1)), 0xfeff);          /* ~0x0100 */
    static const uint8_t three[] = {0x12, 0x34, 0x56};
    CHECK_EQ(csum_finish(csum_add(0, three, 3)), 0x97cb);        /* ~(0x1234 + 0x5600) */
    CHECK_EQ(csum_finish(csum_add(0, three, 0)), 0xffff);        /* empty: ~0 */
    uint8_t buf[200];
    fill(buf, sizeof buf, 7);
    for (size_t len = 0; len <= sizeof buf; len++)
        CHECK_EQ(csum_finish(csum_add(0, buf, len)), naive_checksum(buf, len));
}

TEST(checksum_any_alignment)
{
    uint8_t data[64], shifted[72];
    fill(data, sizeof data, 99);
    for (size_t off = 0; off < 8; off++) {
        memcpy(shifted + off, data, sizeof data);
        CHECK_EQ(csum_finish(csum_add(0, shifted + off, sizeof data)), naive_checksum(data, sizeof data));
    }
}

TEST(checksum_piecewise_equals_whole)
{
    uint8_t buf[301];
    fill(buf, sizeof buf, 12345);
    uint16_t whole = csum_finish(csum_add(0, buf, sizeof buf));
    CHECK_EQ(whole, naive_checksum(buf, sizeof buf));
    /* Even-length pieces of many sizes, then the odd tail last. */
    static const size_t pieces[] = {2, 4, 6, 8, 10, 14, 16, 2, 30, 64, 100, 2};
    uint64_t sum = 0;
    size_t at = 0;
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        sum = csum_add(sum, buf + at, pieces[i]);
        at += pieces[i];
    }
    REQUIRE(at < sizeof buf);
    sum = csum_add(sum, buf + at, sizeof buf - at);
    CHECK_EQ(csum_finish(sum), whole);
    /* Two-byte pieces all the way. */
    sum = 0;
    for (at = 0; at + 2 <= sizeof buf; at += 2)
        sum = csum_add(sum, buf + at, 2);
    sum = csum_add(sum, buf + at, sizeof buf - at);
    CHECK_EQ(csum_finish(sum), whole);
}

TEST(checksum_many_carries)
{
    /* 65535 bytes of ff: every addition carries. */
    static uint8_t ff[65535];
    memset(ff, 0xff, sizeof ff);
    CHECK_EQ(csum_finish(csum_add(0, ff, sizeof ff)), naive_checksum(ff, sizeof ff));
    /* A sum of all-ones words folds to ffff, whose complement is 0. */
    CHECK_EQ(csum_finish(csum_add(0, ff, 65534)), 0);
    CHECK_EQ(csum_finish(0), 0xffff);
    CHECK_EQ(csum_finish(0xffff), 0);
    CHECK_EQ(csum_finish(0x1fffeull), 0);          /* fffe + 1 = ffff */
    CHECK_EQ(csum_finish(0x1ffffull), 0xfffe);     /* ffff + 1 = 1 0000, folds again to 0001 */
    CHECK_EQ(csum_finish(0x2ddf0ull), 0x220d);     /* the RFC 1071 example, unfolded */
}

/* An IPv4 header (UDP, 192.168.0.1 -> 192.168.0.199) with its checksum b861. */
TEST(checksum_ipv4_header_vector)
{
    uint8_t h[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                   0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    CHECK_EQ(csum_finish(csum_add(0, h, sizeof h)), 0);
    h[10] = h[11] = 0;
    CHECK_EQ(csum_finish(csum_add(0, h, sizeof h)), 0xb861);
    CHECK_EQ(naive_checksum(h, sizeof h), 0xb861);
}

TEST(checksum_pseudo_header_ipv4)
{
    struct synack_addr src = synack_addr_v4(198, 18, 0, 1), dst = synack_addr_v4(198, 18, 0, 2);
    /* src c612 0001, dst c612 0002, zero+proto 0006, length 0028 */
    static const uint8_t pseudo[] = {0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02,
                                     0x00, 0x06, 0x00, 0x28};
    CHECK_EQ(csum_finish(csum_pseudo(&src, &dst, 6, 40)), naive_checksum(pseudo, sizeof pseudo));
    CHECK_EQ(csum_finish(csum_pseudo(&src, &dst, 6, 40)), (uint16_t)~0x8c56);  /* 0x18c55 folded */
    /* Source and destination swapped give the same sum (addition commutes). */
    CHECK_EQ(csum_finish(csum_pseudo(&dst, &src, 6, 40)), csum_finish(csum_pseudo(&src, &dst, 6, 40)));
    /* UDP's protocol number changes it. */
    CHECK(csum_finish(csum_pseudo(&src, &dst, 17, 40)) != csum_finish(csum_pseudo(&src, &dst, 6, 40)));
}

/* A TCP segment with an odd-length payload, checksummed by the naive
 * reference over pseudo-header + segment, must match tcp_fill_checksum. */
TEST(checksum_tcp_segment_matches_reference)
{
    struct synack_addr src = synack_addr_v4(10, 0, 0, 1), dst = synack_addr_v4(10, 0, 0, 2);
    uint8_t seg[20 + 11] = {
        0xc0, 0x00, 0x00, 0x50,             /* 49152 -> 80 */
        0x00, 0x00, 0x03, 0xe9,             /* seq 1001 */
        0x00, 0x00, 0x1f, 0x41,             /* ack 8001 */
        0x50, 0x18, 0xff, 0xff,             /* offset 5, PSH|ACK, win 65535 */
        0x00, 0x00, 0x00, 0x00,             /* checksum, urgent */
        'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd',
    };
    uint8_t buf[12 + sizeof seg];
    memcpy(buf, src.bytes, 4);
    memcpy(buf + 4, dst.bytes, 4);
    buf[8] = 0;
    buf[9] = 6;
    buf[10] = 0;
    buf[11] = (uint8_t)sizeof seg;
    memcpy(buf + 12, seg, sizeof seg);
    uint16_t expect = naive_checksum(buf, sizeof buf);

    tcp_fill_checksum(seg, sizeof seg, &src, &dst);
    CHECK_EQ((seg[16] << 8) | seg[17], expect);
    CHECK(tcp_checksum_ok(&src, &dst, seg, sizeof seg));

    /* Filling again over a stale checksum gives the same value. */
    seg[16] = 0xab;
    tcp_fill_checksum(seg, sizeof seg, &src, &dst);
    CHECK_EQ((seg[16] << 8) | seg[17], expect);

    /* Any single flipped bit, in header or payload, is caught. */
    for (size_t i = 0; i < sizeof seg; i++) {
        for (int bit = 0; bit < 8; bit++) {
            seg[i] ^= (uint8_t)(1u << bit);
            if (tcp_checksum_ok(&src, &dst, seg, sizeof seg))
                test_fail(__FILE__, __LINE__, "flip of byte %zu bit %d not detected", i, bit);
            seg[i] ^= (uint8_t)(1u << bit);
        }
    }
    CHECK(tcp_checksum_ok(&src, &dst, seg, sizeof seg));
    /* The wrong addresses fail it too. */
    struct synack_addr other = synack_addr_v4(10, 0, 0, 3);
    CHECK(!tcp_checksum_ok(&src, &other, seg, sizeof seg));
}

/* csum_copy sums exactly what csum_add would and copies every byte, for
 * every length up to a little past a full segment and every alignment of
 * source and destination. */
TEST(checksum_copy_equals_add_and_copies)
{
    static uint8_t src[1600], dst[1600];
    fill(src, sizeof src, 4242);
    for (size_t so = 0; so < 4; so++)
        for (size_t dof = 0; dof < 4; dof++)
            for (size_t len = 0; len + 4 <= sizeof src; len += (len < 80 ? 1 : 97)) {
                memset(dst, 0xa5, sizeof dst);
                uint64_t sum = csum_copy(0, dst + dof, src + so, len);
                CHECK_EQ(csum_finish(sum), naive_checksum(src + so, len));
                CHECK(memcmp(dst + dof, src + so, len) == 0);
                CHECK_EQ(dst[dof + len], 0xa5);         /* not a byte more */
            }
}

/* A piece that starts at an odd offset of the whole: its sum taken on its
 * own, shifted with csum_shift_odd, adds up to the whole's sum. */
TEST(checksum_odd_offset_piece_shifts)
{
    uint8_t buf[1461];
    fill(buf, sizeof buf, 77);
    for (size_t cut = 1; cut < sizeof buf; cut += 2) {
        uint64_t first = csum_add(0, buf, cut);
        uint64_t rest = csum_add(0, buf + cut, sizeof buf - cut);
        CHECK_EQ(csum_finish(first + csum_shift_odd(rest)), naive_checksum(buf, sizeof buf));
    }
}

/* ringbuf_peek_csum across the ring's end, where the second piece starts
 * at an odd or even offset of the segment: the copy is the bytes in
 * order and the sum is theirs. */
TEST(checksum_ring_peek_across_the_wrap)
{
    static uint8_t storage[4096], flat[4096], out[2000];
    fill(storage, sizeof storage, 31337);
    for (uint32_t head = 4096 - 1500; head < 4096; head += 37) {
        struct ringbuf rb = {.data = storage, .size = 4096, .cap = 4096, .head = head, .len = 3000, .extent = 3000};
        for (uint32_t off = 0; off < 40; off += 3) {
            uint32_t n = 1460 - off;
            for (uint32_t i = 0; i < n; i++)
                flat[i] = storage[(head + off + i) % 4096];
            uint64_t sum = ringbuf_peek_csum(&rb, off, out, n);
            CHECK(memcmp(out, flat, n) == 0);
            CHECK_EQ(csum_finish(sum), naive_checksum(flat, n));
        }
    }
}
