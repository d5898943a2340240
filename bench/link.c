/*
 * link.c — the in-memory DMA-like link of link.h.
 */
#include "link.h"

#include <stdlib.h>
#include <string.h>

/* Each packet: a header holding its length, then the bytes, the header
 * padded so that the IP header starts 16-byte aligned (as in a driver's
 * receive buffers). */
#define REC_HEADER 16u
#define REC_ALIGN 16u

static size_t record_size(size_t len)
{
    return (REC_HEADER + len + REC_ALIGN - 1) & ~(size_t)(REC_ALIGN - 1);
}

int bench_link_init(struct bench_link *l, size_t initial_bytes, unsigned input_flags, int receiver_ifaces)
{
    memset(l, 0, sizeof *l);
    l->cap = initial_bytes < 65536 ? 65536 : initial_bytes;
    l->arena = malloc(l->cap);
    if (!l->arena)
        return -1;
    l->input_flags = input_flags;
    l->ifaces = receiver_ifaces < 1 ? 1 : receiver_ifaces;
    return 0;
}

void bench_link_free(struct bench_link *l)
{
    free(l->arena);
    memset(l, 0, sizeof *l);
}

int bench_link_transmit(void *ctx, const uint8_t *packet, size_t len)
{
    struct bench_link *l = ctx;
    size_t need = record_size(len);
    if (l->used + need > l->cap) {
        if (l->delivering) {            /* see the invariant in link.h */
            l->drops++;
            return -1;
        }
        size_t ncap = l->cap * 2;
        while (ncap < l->used + need)
            ncap *= 2;
        uint8_t *n = realloc(l->arena, ncap);
        if (!n) {
            l->drops++;
            return -1;
        }
        l->arena = n;
        l->cap = ncap;
    }
    uint8_t *rec = l->arena + l->used;
    uint32_t len32 = (uint32_t)len;
    memcpy(rec, &len32, sizeof len32);
    memcpy(rec + REC_HEADER, packet, len);
    l->used += need;
    l->queued++;
    return 0;
}

uint32_t bench_link_deliver(struct bench_link *l, struct synack_stack *to, synack_time_us now)
{
    uint32_t n = 0;
    size_t off = 0;
    l->delivering = true;
    while (off < l->used) {
        const uint8_t *rec = l->arena + off;
        uint32_t len;
        memcpy(&len, rec, sizeof len);
        uint8_t *pkt = l->arena + off + REC_HEADER;
        /* Tests: 60 bytes hold IP and TCP headers with timestamps, so a
         * longer packet carries data. */
        if (l->corrupt_at && l->packets + n + 1 >= l->corrupt_at && len > 60) {
            pkt[len - 1] ^= 0x01;
            l->corrupt_at = 0;
        }
        int iface = 0;
        if (l->ifaces > 1 && len >= 20 && pkt[18] < l->ifaces)
            iface = pkt[18];
        synack_input_flags(to, iface, pkt, len, l->input_flags, now);
        l->bytes += len;
        off += record_size(len);
        n++;
    }
    l->delivering = false;
    l->used = 0;
    l->queued = 0;
    l->packets += n;
    return n;
}
