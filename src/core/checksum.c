/*
 * checksum.c — RFC 1071 Internet checksum, fast.
 *
 * The public sum (the uint64_t passed between calls) holds big-endian
 * 16-bit words, so callers can add header fields as host-order integers.
 * Inside, the bulk of a buffer is summed as native-order 32-bit words into
 * a 64-bit accumulator: that loop has no byte shuffling and the compiler
 * turns it into wide vector adds.  RFC 1071 §2(B): the one's-complement
 * sum is byte-order independent — the native sum of the same bytes, folded
 * to 16 bits, is the big-endian sum with its two bytes swapped — so one
 * swap at the end puts it back in the public form.  Appending a piece
 * that starts at an odd offset swaps its bytes too (§2(B) again).
 *
 * On x86-64 the two loops are compiled twice, with and without AVX2, and
 * the C library picks one when the program loads (GCC/Clang target_clones,
 * an ifunc): about 4x faster than SSE2 here (see docs/ARCHITECTURE.md).
 */
#include "checksum.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define CSUM_WIDE __attribute__((target_clones("avx2", "default"), optimize("O3")))
#endif
#elif defined(__x86_64__) && defined(__clang__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define CSUM_WIDE __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef CSUM_WIDE
#define CSUM_WIDE
#endif

/* Sum of n native-order 32-bit words (n < 2^32: cannot overflow 64 bits). */
CSUM_WIDE static uint64_t sum_words(const uint8_t *p, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t w;
        memcpy(&w, p + 4 * i, 4);
        s += w;
    }
    return s;
}

/* The same while copying the words to dst (the buffers must not overlap). */
CSUM_WIDE static uint64_t copy_sum_words(uint8_t *restrict dst, const uint8_t *restrict src, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t w;
        memcpy(&w, src + 4 * i, 4);
        memcpy(dst + 4 * i, &w, 4);
        s += w;
    }
    return s;
}

static uint32_t fold16(uint64_t s) { return csum_fold16(s); }

static uint32_t swap16(uint32_t v) { return ((v & 0xff) << 8) | (v >> 8); }

/* A native-order word sum turned into the public (big-endian) form. */
static uint32_t native_to_public(uint64_t native)
{
    uint32_t v = fold16(native);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return v;
#else
    return swap16(v);
#endif
}

/* The last 0..3 bytes, as big-endian words starting at an even offset. */
static uint32_t tail_sum(const uint8_t *p, size_t len)
{
    uint32_t s = 0;
    if (len >= 2) {
        s += (uint32_t)p[0] << 8 | p[1];
        p += 2;
        len -= 2;
    }
    if (len)
        s += (uint32_t)p[0] << 8;
    return s;
}

/* Headers and addresses: too short for the wide loop to pay for its
 * set-up.  They are read 16 bits at a time because they were usually just
 * written field by field (16- and 32-bit stores): a load that spans two
 * stores cannot be forwarded from them and waits for both to retire. */
#define CSUM_SHORT 64

/* Kept scalar: vectorised, it would load 16 bytes at a time again. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-vectorize")))
#endif
static uint64_t sum_halves(const uint8_t *p, size_t halves)
{
    uint64_t native = 0;
#if defined(__clang__)
#pragma clang loop vectorize(disable)
#endif
    for (size_t i = 0; i < halves; i++) {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        native += h;
    }
    return native;
}

uint64_t csum_add(uint64_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    if (len < CSUM_SHORT)
        return sum + native_to_public(sum_halves(p, len / 2)) + (len & 1 ? (uint32_t)p[len - 1] << 8 : 0);
    size_t words = len / 4;
    return sum + native_to_public(sum_words(p, words)) + tail_sum(p + 4 * words, len % 4);
}

uint64_t csum_copy(uint64_t sum, void *dst, const void *src, size_t len)
{
    size_t words = len / 4, rest = len % 4;
    uint8_t *d = dst;
    const uint8_t *s = src;
    uint64_t native = copy_sum_words(d, s, words);
    memcpy(d + 4 * words, s + 4 * words, rest);
    return sum + native_to_public(native) + tail_sum(s + 4 * words, rest);
}

uint64_t csum_shift_odd(uint64_t piece)
{
    return swap16(fold16(piece));
}


uint64_t csum_pseudo(const struct synack_addr *src, const struct synack_addr *dst, uint8_t proto,
                     uint32_t length)
{
    uint64_t sum = proto + (length & 0xffff) + (length >> 16);
    if (src->family != SYNACK_AF_INET6) {
        const uint8_t *s = src->bytes, *d = dst->bytes;
        return sum + ((uint32_t)s[0] << 8 | s[1]) + ((uint32_t)s[2] << 8 | s[3]) +
               ((uint32_t)d[0] << 8 | d[1]) + ((uint32_t)d[2] << 8 | d[3]);
    }
    return csum_add(csum_add(sum, src->bytes, 16), dst->bytes, 16);
}
