/*
 * checksum.c — RFC 1071 Internet checksum with a wide accumulator.
 *
 * The loop adds 32-bit big-endian words into a 64-bit sum, which cannot
 * overflow for any packet shorter than 2^32 * 4 bytes, and folds once at
 * the end.  One's-complement addition is associative and byte-order
 * independent in the way RFC 1071 §2(B) describes, so summing 32-bit words
 * gives the same folded result as summing 16-bit ones.
 */
#include "checksum.h"

#include <string.h>

uint64_t csum_add(uint64_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len >= 8) {
        uint32_t w0 = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        uint32_t w1 = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
        sum += (uint64_t)w0 + w1;
        p += 8;
        len -= 8;
    }
    while (len >= 2) {
        sum += (uint32_t)p[0] << 8 | p[1];
        p += 2;
        len -= 2;
    }
    if (len)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

uint16_t csum_finish(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint64_t csum_pseudo(const struct synack_addr *src, const struct synack_addr *dst, uint8_t proto,
                     uint32_t length)
{
    size_t alen = src->family == SYNACK_AF_INET6 ? 16 : 4;
    uint64_t sum = csum_add(0, src->bytes, alen);
    sum = csum_add(sum, dst->bytes, alen);
    return sum + proto + (length & 0xffff) + (length >> 16);
}
