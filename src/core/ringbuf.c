/* ringbuf.c — byte ring; see ringbuf.h for the picture. */
#include "ringbuf.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void ringbuf_init(struct ringbuf *rb, uint32_t cap)
{
    rb->data = NULL;
    rb->cap = cap;
    rb->head = 0;
    rb->len = 0;
}

void ringbuf_free(struct ringbuf *rb)
{
    free(rb->data);
    rb->data = NULL;
    rb->head = 0;
    rb->len = 0;
}

bool ringbuf_reserve(struct ringbuf *rb)
{
    if (!rb->data && rb->cap)
        rb->data = malloc(rb->cap);
    return rb->data != NULL;
}

/* Copies n bytes into the ring starting at absolute index `at` (mod cap). */
static void copy_in(struct ringbuf *rb, uint32_t at, const uint8_t *src, uint32_t n)
{
    at %= rb->cap;
    uint32_t first = rb->cap - at < n ? rb->cap - at : n;
    memcpy(rb->data + at, src, first);
    memcpy(rb->data, src + first, n - first);
}

uint32_t ringbuf_append(struct ringbuf *rb, const void *src, uint32_t n)
{
    if (n > ringbuf_free_space(rb))
        n = ringbuf_free_space(rb);
    if (!n || !ringbuf_reserve(rb))
        return 0;
    copy_in(rb, rb->head + rb->len, src, n);
    rb->len += n;
    return n;
}

void ringbuf_write_at(struct ringbuf *rb, uint32_t off, const void *src, uint32_t n)
{
    assert((uint64_t)off + n <= ringbuf_free_space(rb));
    if (n)
        copy_in(rb, rb->head + rb->len + off, src, n);
}

void ringbuf_commit(struct ringbuf *rb, uint32_t n)
{
    assert(n <= ringbuf_free_space(rb));
    rb->len += n;
}

void ringbuf_peek(const struct ringbuf *rb, uint32_t off, void *dst, uint32_t n)
{
    assert((uint64_t)off + n <= rb->len);
    if (!n)
        return;
    uint32_t at = (rb->head + off) % rb->cap;
    uint32_t first = rb->cap - at < n ? rb->cap - at : n;
    memcpy(dst, rb->data + at, first);
    memcpy((uint8_t *)dst + first, rb->data, n - first);
}

void ringbuf_consume(struct ringbuf *rb, uint32_t n)
{
    assert(n <= rb->len);
    rb->len -= n;
    /* head keeps moving even when the ring empties: bytes written beyond
     * the readable end (write_at) are placed relative to it. */
    rb->head = rb->cap ? (rb->head + n) % rb->cap : 0;
}

uint32_t ringbuf_read(struct ringbuf *rb, void *dst, uint32_t n)
{
    if (n > rb->len)
        n = rb->len;
    ringbuf_peek(rb, 0, dst, n);
    ringbuf_consume(rb, n);
    return n;
}
