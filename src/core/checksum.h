/*
 * checksum.h — the Internet checksum (RFC 1071) and the TCP/UDP
 * pseudo-header sum (RFC 9293 §3.1, RFC 768).
 *
 * Partial sums are carried as 64-bit accumulators and folded only at the
 * end, so that a header and its payload can be summed in pieces.
 */
#ifndef SYNACK_CORE_CHECKSUM_H
#define SYNACK_CORE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>
#include "synack/addr.h"

/* Adds the bytes of data to sum as big-endian 16-bit words.  `data` may
 * have any alignment and length; an odd final byte is padded with zero, so
 * only the last piece of a multi-piece sum may have odd length. */
uint64_t csum_add(uint64_t sum, const void *data, size_t len);
/* csum_add over src while copying it to dst (one pass over the bytes;
 * the buffers must not overlap). */
uint64_t csum_copy(uint64_t sum, void *dst, const void *src, size_t len);
/* The sum of a piece that starts at an odd offset of the whole, made ready
 * to add (RFC 1071 §2(B): its bytes swap places). */
uint64_t csum_shift_odd(uint64_t piece);
/* Folds a sum to 16 bits (end-around carries). */
static inline uint32_t csum_fold16(uint64_t s)
{
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    return (uint32_t)s;
}
/* Folds to 16 bits and complements: the value to put in a header. */
static inline uint16_t csum_finish(uint64_t sum) { return (uint16_t)~csum_fold16(sum); }
/* Sum of the IPv4 pseudo-header for protocol and length (host order). */
uint64_t csum_pseudo(const struct synack_addr *src, const struct synack_addr *dst, uint8_t proto,
                     uint32_t length);

#endif
