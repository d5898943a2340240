/*
 * limit.c — how fast this machine copies and checksums 1460-byte buffers,
 * and what that allows synack's bulk path.
 *
 * Buffers: a source set and a destination set of BUFSET_BYTES (256 KiB)
 * each, walked in consecutive 1460-byte pieces as a ring is walked (so
 * alignments vary as they do in rings).  256 KiB is four times the 64 KiB
 * window of the lwIP comparison and larger than this machine's 32 KiB L1
 * data cache, but the two sets fit in a 1 MiB L2: the figures are what the
 * copies cost with the data in L2, which makes the limit a strict one
 * (synack's default 1 MiB rings do not all fit in L2).
 *
 * Three speeds (the plain checksum, a read pass, is the engine's path for
 * segments out of order and is reported for reference), each the best of several timed runs taken in turns (other
 * work on the machine only ever slows a run): memcpy; the Internet
 * checksum (RFC 1071: the 16-bit one's complement sum, here computed as
 * native-order 32-bit words summed into a 64-bit accumulator and folded at
 * the end: byte order independence §2(B), parallel summation §2(C),
 * deferred carries §2(D)); the two fused in one pass.  On x86-64 the
 * summing loops are built for AVX2 and for the baseline, and the loader
 * picks (as the engine's own checksum does).
 *
 * synack's bulk path moves each application byte through (the engine as
 * of commit 7b12ab5, "in-order payload summed while copied into the ring";
 * update the count here when the engine changes its copies):
 *   1 synack_send: application buffer -> send ring           memcpy
 *   2 output: send ring -> packet, checksum summed on the way copy+checksum
 *   3 the link (a NIC's DMA): packet -> the receiver's packet memcpy
 *   4 input: packet -> receive ring, checksum summed on the way
 *     (verified before the bytes become readable)             copy+checksum
 *   5 synack_recv: receive ring -> application buffer         memcpy
 * so the copy-bound limit is 1 / (3/memcpy + 2/copy_csum).  With checksum
 * offload (tx_csum_offload + SYNACK_INPUT_CSUM_VALID) steps 2 and 4 are
 * plain copies: memcpy / 5.
 */
#include <stdlib.h>

#include "bench.h"

#define PIECE 1460u
#define BUFSET_BYTES (256u * 1024u)

const char bench_limit_formula[] =
    "limit = 1 / (3/memcpy + 2/copy_csum): per application byte, 3 plain copies (send: app -> send ring; "
    "link: packet -> packet; recv: receive ring -> app) and 2 copies with the checksum summed on the way "
    "(output: send ring -> packet; input: packet -> receive ring); with checksum offload all 5 are plain: "
    "memcpy / 5; 1460-byte pieces, 256 KiB buffer sets, best of several runs";

/* GCC vectorizes these loops fully only at -O3 (the default build is -O2). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define WIDE __attribute__((target_clones("avx2", "default"), optimize("O3")))
#endif
#elif defined(__x86_64__) && defined(__clang__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define WIDE __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef WIDE
#define WIDE
#endif

/* Native-order 32-bit words of p[0 .. 4n) summed into 64 bits (no
 * overflow below 2^32 words). */
WIDE static uint64_t sum_words32(const uint8_t *p, size_t n)
{
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t w;
        memcpy(&w, p + 4 * i, sizeof w);
        acc += w;
    }
    return acc;
}

WIDE static uint64_t copy_sum_words32(uint8_t *restrict dst, const uint8_t *restrict src, size_t n)
{
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t w;
        memcpy(&w, src + 4 * i, sizeof w);
        memcpy(dst + 4 * i, &w, sizeof w);
        acc += w;
    }
    return acc;
}

/* Folds to 16 bits: the deferred end-around carries (RFC 1071 §2(D)). */
static uint16_t fold(uint64_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

enum op { OP_MEMCPY, OP_CSUM, OP_COPY_CSUM };

/* One pass over the sets; returns something that depends on every byte
 * touched, so that nothing is optimized away. */
static uint64_t pass(enum op op, uint8_t *dst, const uint8_t *src)
{
    uint64_t sink = 0;
    for (size_t off = 0; off + PIECE <= BUFSET_BYTES; off += PIECE) {
        switch (op) {
        case OP_MEMCPY:
            memcpy(dst + off, src + off, PIECE);
            sink += dst[off + PIECE - 1];
            break;
        case OP_CSUM:
            sink += fold(sum_words32(src + off, PIECE / 4));   /* 1460 = 4 * 365 */
            break;
        case OP_COPY_CSUM:
            sink += fold(copy_sum_words32(dst + off, src + off, PIECE / 4));
            break;
        }
    }
    return sink;
}

/* Gbit/s of one timed run of `op` lasting at least `seconds`. */
static double measure(enum op op, uint8_t *dst, const uint8_t *src, double seconds)
{
    const size_t bytes_per_pass = (BUFSET_BYTES / PIECE) * PIECE;
    volatile uint64_t sink = 0;
    uint64_t passes = 0;
    double t0 = bench_wall_seconds(), t1;
    do {
        for (int i = 0; i < 16; i++)
            sink += pass(op, dst, src);
        passes += 16;
        t1 = bench_wall_seconds();
    } while (t1 - t0 < seconds);
    (void)sink;
    return (double)(passes * bytes_per_pass) * 8 / (t1 - t0) / 1e9;
}

int bench_limit(int trials, double seconds, struct bench_limit_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (trials < 1)
        trials = 1;
    uint8_t *src = malloc(BUFSET_BYTES), *dst = malloc(BUFSET_BYTES);
    if (!src || !dst) {
        free(src);
        free(dst);
        return bench_errorf(err, errlen, "limit: out of memory");
    }
    for (size_t i = 0; i < BUFSET_BYTES; i++) {
        src[i] = (uint8_t)(i * 131 + 7);
        dst[i] = 0;
    }
    /* The checksum must be right before its speed means anything: the
     * 32-bit word sum folded must equal the plain 16-bit word sum. */
    uint32_t ref = 0;
    for (size_t i = 0; i < PIECE; i += 2) {
        uint16_t w;
        memcpy(&w, src + i, 2);
        ref += w;
    }
    uint16_t fast = fold(copy_sum_words32(dst, src, PIECE / 4));
    if (fold(ref) != fast || fold(sum_words32(src, PIECE / 4)) != fast || memcmp(dst, src, PIECE) != 0) {
        free(src);
        free(dst);
        return bench_errorf(err, errlen, "limit: the checksum loops disagree with a plain sum");
    }
    r->set_bytes = BUFSET_BYTES;
    /* The machine's speed is its best: other work only ever slows a run
     * down, so each figure is the best of the trials, taken in turns. */
    for (int t = 0; t < trials; t++) {
        double m = measure(OP_MEMCPY, dst, src, seconds);
        double c = measure(OP_CSUM, dst, src, seconds);
        double f = measure(OP_COPY_CSUM, dst, src, seconds);
        if (m > r->memcpy_gbps)
            r->memcpy_gbps = m;
        if (c > r->csum_gbps)
            r->csum_gbps = c;
        if (f > r->copy_csum_gbps)
            r->copy_csum_gbps = f;
    }
    r->limit_gbps = 1 / (3 / r->memcpy_gbps + 2 / r->copy_csum_gbps);
    r->limit_offload_gbps = r->memcpy_gbps / 5;
    free(src);
    free(dst);
    return 0;
}
