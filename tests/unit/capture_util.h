/*
 * capture_util.h — building capture files byte by byte for the tests of
 * the capture reader and the connection index (test_capture.c,
 * test_conn_index.c): TCP/IPv4 and TCP/IPv6 packets from the engine's
 * codec, link headers, classic pcap and pcapng framing in either byte
 * order.
 *
 * Everything is static inline so that each test file takes what it uses.
 */
#ifndef SYNACK_TEST_CAPTURE_UTIL_H
#define SYNACK_TEST_CAPTURE_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipv4.h"
#include "ipv6.h"
#include "synack/addr.h"
#include "tcp_wire.h"

/* ---- A growable byte string with a chosen byte order ------------------------- */

struct bytes {
    uint8_t *d;
    size_t n, cap;
    bool big;        /* multi-byte fields big-endian */
};

static inline void bytes_put(struct bytes *b, const void *p, size_t len)
{
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + len)
            cap *= 2;
        b->d = realloc(b->d, cap);
        if (!b->d)
            abort();
        b->cap = cap;
    }
    if (len)
        memcpy(b->d + b->n, p, len);
    b->n += len;
}

static inline void bytes_u8(struct bytes *b, uint8_t v) { bytes_put(b, &v, 1); }

static inline void bytes_u16(struct bytes *b, uint16_t v)
{
    uint8_t p[2] = {(uint8_t)(b->big ? v >> 8 : v), (uint8_t)(b->big ? v : v >> 8)};
    bytes_put(b, p, 2);
}

static inline void bytes_u32(struct bytes *b, uint32_t v)
{
    uint8_t p[4];
    for (int i = 0; i < 4; i++)
        p[b->big ? 3 - i : i] = (uint8_t)(v >> (8 * i));
    bytes_put(b, p, 4);
}

static inline void bytes_u64(struct bytes *b, uint64_t v)
{
    if (b->big) {
        bytes_u32(b, (uint32_t)(v >> 32));
        bytes_u32(b, (uint32_t)v);
    } else {
        bytes_u32(b, (uint32_t)v);
        bytes_u32(b, (uint32_t)(v >> 32));
    }
}

static inline void bytes_be16(struct bytes *b, uint16_t v)
{
    uint8_t p[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    bytes_put(b, p, 2);
}

static inline void bytes_pad4(struct bytes *b)
{
    while (b->n % 4)
        bytes_u8(b, 0);
}

static inline void bytes_free(struct bytes *b)
{
    free(b->d);
    memset(b, 0, sizeof *b);
}

/* Overwrites a 32-bit field at offset `at` in the string's byte order. */
static inline void bytes_set_u32(struct bytes *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->d[at + (size_t)(b->big ? 3 - i : i)] = (uint8_t)(v >> (8 * i));
}

/* ---- Packets ------------------------------------------------------------------- */

struct seg {
    struct synack_addr src, dst;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint32_t len;                /* payload bytes: 'a', 'b', ... */
    uint16_t mss;                /* 0: no MSS option */
};

/* Builds the IPv4 or IPv6 packet of s (by the family of its addresses)
 * into buf (room for 60 + 40 + len bytes); returns its length. */
static inline size_t seg_build(uint8_t *buf, const struct seg *s)
{
    bool v6 = s->src.family == SYNACK_AF_INET6;
    size_t ip = v6 ? IPV6_HEADER_LEN : IPV4_HEADER_LEN;
    struct tcp_options opt = {.has_mss = s->mss != 0, .mss = s->mss};
    struct tcp_header_out h = {.src_port = s->sport, .dst_port = s->dport, .seq = s->seq, .ack = s->ack,
                               .flags = s->flags, .window = 65535, .opt = s->mss ? &opt : NULL};
    size_t hlen = tcp_write_header(buf + ip, &h);
    for (uint32_t i = 0; i < s->len; i++)
        buf[ip + hlen + i] = (uint8_t)('a' + i % 26);
    tcp_fill_checksum(buf + ip, hlen + s->len, &s->src, &s->dst);
    if (v6)
        ipv6_write_header(buf, &s->src, &s->dst, IP_PROTO_TCP, (uint16_t)(hlen + s->len), 64);
    else
        ipv4_write_header(buf, &s->src, &s->dst, IP_PROTO_TCP, (uint16_t)(hlen + s->len), 64, 1, true);
    return ip + hlen + s->len;
}

/* fd00:5ac::n, the documentation-free ULA prefix the project's IPv6
 * tests use. */
static inline struct synack_addr cap_v6(uint8_t n)
{
    uint8_t b[16] = {0xfd, 0x00, 0x05, 0xac};
    b[15] = n;
    return synack_addr_v6(b);
}

/* A UDP/IPv4 packet of 8 + len bytes after the IP header (checksum 0). */
static inline size_t udp_build(uint8_t *buf, struct synack_addr src, struct synack_addr dst, uint16_t len)
{
    memset(buf + 20, 0, 8u + len);
    buf[20] = 0x13, buf[21] = 0x88, buf[22] = 0x00, buf[23] = 0x35;
    buf[24] = (uint8_t)((8 + len) >> 8), buf[25] = (uint8_t)(8 + len);
    ipv4_write_header(buf, &src, &dst, 17, (uint16_t)(8 + len), 64, 1, true);
    return 28u + len;
}

/* ---- Classic pcap ---------------------------------------------------------------- */

static inline void pcap_file_header(struct bytes *b, bool ns, uint32_t snaplen, uint32_t linktype)
{
    bytes_u32(b, ns ? 0xa1b23c4du : 0xa1b2c3d4u);
    bytes_u16(b, 2);
    bytes_u16(b, 4);
    bytes_u32(b, 0);
    bytes_u32(b, 0);
    bytes_u32(b, snaplen);
    bytes_u32(b, linktype);
}

/* A record of caplen bytes of data (orig bytes on the wire). */
static inline void pcap_record(struct bytes *b, uint32_t sec, uint32_t frac, const uint8_t *data, uint32_t caplen,
                               uint32_t orig)
{
    bytes_u32(b, sec);
    bytes_u32(b, frac);
    bytes_u32(b, caplen);
    bytes_u32(b, orig);
    bytes_put(b, data, caplen);
}

/* ---- pcapng -------------------------------------------------------------------------- */

static inline void ng_shb(struct bytes *b)
{
    bytes_u32(b, 0x0a0d0d0au);
    bytes_u32(b, 28);
    bytes_u32(b, 0x1a2b3c4du);
    bytes_u16(b, 1);
    bytes_u16(b, 0);
    bytes_u64(b, UINT64_MAX);    /* section length unknown */
    bytes_u32(b, 28);
}

/* A block of `type` with `body` (padded to 4). */
static inline void ng_block(struct bytes *b, uint32_t type, const struct bytes *body)
{
    uint32_t total = (uint32_t)(12 + ((body->n + 3) & ~(size_t)3));
    bytes_u32(b, type);
    bytes_u32(b, total);
    bytes_put(b, body->d, body->n);
    bytes_pad4(b);
    bytes_u32(b, total);
}

/* An IDB; tsresol < 0: no if_tsresol option; tsoffset != 0: if_tsoffset. */
static inline void ng_idb(struct bytes *b, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
    struct bytes body = {.big = b->big};
    bytes_u16(&body, linktype);
    bytes_u16(&body, 0);
    bytes_u32(&body, snaplen);
    if (tsresol >= 0) {
        bytes_u16(&body, 9);
        bytes_u16(&body, 1);
        bytes_u8(&body, (uint8_t)tsresol);
        bytes_pad4(&body);
    }
    if (tsoffset) {
        bytes_u16(&body, 14);
        bytes_u16(&body, 8);
        bytes_u64(&body, (uint64_t)tsoffset);
    }
    if (tsresol >= 0 || tsoffset) {
        bytes_u16(&body, 0);     /* opt_endofopt */
        bytes_u16(&body, 0);
    }
    ng_block(b, 1, &body);
    bytes_free(&body);
}

static inline void ng_epb(struct bytes *b, uint32_t iface, uint64_t ts, const uint8_t *data, uint32_t caplen,
                          uint32_t orig)
{
    struct bytes body = {.big = b->big};
    bytes_u32(&body, iface);
    bytes_u32(&body, (uint32_t)(ts >> 32));
    bytes_u32(&body, (uint32_t)ts);
    bytes_u32(&body, caplen);
    bytes_u32(&body, orig);
    bytes_put(&body, data, caplen);
    ng_block(b, 6, &body);
    bytes_free(&body);
}

static inline void ng_spb(struct bytes *b, const uint8_t *data, uint32_t len)
{
    struct bytes body = {.big = b->big};
    bytes_u32(&body, len);
    bytes_put(&body, data, len);
    ng_block(b, 3, &body);
    bytes_free(&body);
}

/* ---- Files ------------------------------------------------------------------------------ */

/* A fresh, empty path in /tmp; the caller removes it. */
static inline bool cap_temp_path(char *path, size_t len)
{
    snprintf(path, len, "/tmp/synack-cap-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

static inline bool cap_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

#endif
