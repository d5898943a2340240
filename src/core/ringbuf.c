/* ringbuf.c — byte ring with storage that grows on demand; see ringbuf.h. */
#include "ringbuf.h"

#include <assert.h>
#include <string.h>

#include "checksum.h"
#include "mem.h"

void ringbuf_init(struct ringbuf *rb, uint32_t cap)
{
    memset(rb, 0, sizeof *rb);
    rb->cap = cap;
}

void ringbuf_free(struct synack_stack *st, struct ringbuf *rb)
{
    mem_free(st, rb->data, rb->size);
    rb->data = NULL;
    rb->size = rb->head = rb->len = rb->extent = 0;
}

/* Copies n bytes out of the ring from index `at` (mod size). */
static void copy_out(const struct ringbuf *rb, uint32_t at, uint8_t *dst, uint32_t n)
{
    at %= rb->size;
    uint32_t first = rb->size - at < n ? rb->size - at : n;
    memcpy(dst, rb->data + at, first);
    memcpy(dst + first, rb->data, n - first);
}

static void copy_in(struct ringbuf *rb, uint32_t at, const uint8_t *src, uint32_t n)
{
    at %= rb->size;
    uint32_t first = rb->size - at < n ? rb->size - at : n;
    memcpy(rb->data + at, src, first);
    memcpy(rb->data, src + first, n - first);
}

/* A copy in two pieces (the second empty unless the ring wraps), summed
 * on the way: the checksum.h sum of the n bytes as one run.  The second
 * piece starts at offset `first` of the run: odd, its bytes swap places
 * (RFC 1071 §2(B)). */
static uint64_t copy_csum_pieces(uint8_t *d1, const uint8_t *s1, uint8_t *d2, const uint8_t *s2, uint32_t first,
                                 uint32_t n)
{
    uint64_t sum = csum_copy(0, d1, s1, first);
    if (first < n) {
        uint64_t rest = csum_copy(0, d2, s2, n - first);
        sum += (first & 1) ? csum_shift_odd(rest) : rest;
    }
    return sum;
}

/* Storage for n bytes at `off` past the readable end (growing it if it
 * must), marked as holding data; *at is their ring index.  False when the
 * storage cannot grow. */
static bool place_at(struct synack_stack *st, struct ringbuf *rb, uint32_t off, uint32_t n, uint32_t *at)
{
    assert((uint64_t)off + n <= ringbuf_free_space(rb));
    uint32_t end = rb->len + off + n;
    if (!ringbuf_reserve(st, rb, end))
        return false;
    *at = (rb->head + rb->len + off) % rb->size;
    if (rb->extent < end)
        rb->extent = end;
    return true;
}

uint32_t ringbuf_growth(const struct ringbuf *rb, uint32_t bytes)
{
    if ((bytes <= rb->size && rb->data) || bytes > rb->cap)
        return 0;
    uint64_t size = rb->size ? rb->size : RINGBUF_MIN_SIZE;
    while (size < bytes)
        size *= 2;
    return size > rb->cap ? rb->cap : (uint32_t)size;
}

bool ringbuf_reserve(struct synack_stack *st, struct ringbuf *rb, uint32_t bytes)
{
    if (bytes <= rb->size && rb->data)
        return true;
    uint32_t size = ringbuf_growth(rb, bytes);
    if (!size)
        return false;
    uint8_t *n = mem_alloc(st, size);
    if (!n)
        return false;
    if (rb->data && rb->extent)
        copy_out(rb, rb->head, n, rb->extent);   /* linearise: head moves to 0 */
    mem_free(st, rb->data, rb->size);
    rb->data = n;
    rb->size = size;
    rb->head = 0;
    return true;
}

uint32_t ringbuf_append(struct synack_stack *st, struct ringbuf *rb, const void *src, uint32_t n)
{
    if (n > ringbuf_free_space(rb))
        n = ringbuf_free_space(rb);
    if (!n)
        return 0;
    if (!ringbuf_reserve(st, rb, rb->len + n)) {
        /* Take what fits in the storage already there. */
        uint32_t room = ringbuf_room(rb);
        if (!room)
            return 0;
        n = room < n ? room : n;
    }
    copy_in(rb, rb->head + rb->len, src, n);
    rb->len += n;
    if (rb->extent < rb->len)
        rb->extent = rb->len;
    return n;
}

bool ringbuf_write_at(struct synack_stack *st, struct ringbuf *rb, uint32_t off, const void *src, uint32_t n)
{
    uint32_t at;
    if (!n)
        return true;
    if (!place_at(st, rb, off, n, &at))
        return false;
    copy_in(rb, at, src, n);
    return true;
}

bool ringbuf_write_at_csum(struct synack_stack *st, struct ringbuf *rb, uint32_t off, const void *src, uint32_t n,
                          uint64_t *sum)
{
    uint32_t at;
    *sum = 0;
    if (!n)
        return true;
    if (!place_at(st, rb, off, n, &at))
        return false;
    uint32_t first = rb->size - at < n ? rb->size - at : n;
    const uint8_t *s = src;
    *sum = copy_csum_pieces(rb->data + at, s, rb->data, s + first, first, n);
    return true;
}

void ringbuf_commit(struct ringbuf *rb, uint32_t n)
{
    assert(rb->len + n <= rb->extent);
    rb->len += n;
}

uint64_t ringbuf_peek_csum(const struct ringbuf *rb, uint32_t off, void *dst, uint32_t n)
{
    assert((uint64_t)off + n <= rb->len);
    if (!n)
        return 0;
    uint32_t at = (rb->head + off) % rb->size;
    uint32_t first = rb->size - at < n ? rb->size - at : n;
    uint8_t *d = dst;
    return copy_csum_pieces(d, rb->data + at, d + first, rb->data, first, n);
}

void ringbuf_peek(const struct ringbuf *rb, uint32_t off, void *dst, uint32_t n)
{
    assert((uint64_t)off + n <= rb->len);
    if (n)
        copy_out(rb, rb->head + off, dst, n);
}

void ringbuf_consume(struct ringbuf *rb, uint32_t n)
{
    assert(n <= rb->len);
    rb->len -= n;
    rb->extent -= n;
    /* head keeps moving even when the ring empties: bytes written beyond
     * the readable end (write_at) are placed relative to it. */
    rb->head = rb->size ? (rb->head + n) % rb->size : 0;
}

uint32_t ringbuf_read(struct ringbuf *rb, void *dst, uint32_t n)
{
    if (n > rb->len)
        n = rb->len;
    ringbuf_peek(rb, 0, dst, n);
    ringbuf_consume(rb, n);
    return n;
}
