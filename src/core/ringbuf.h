/*
 * ringbuf.h — a byte ring for send and receive buffers.
 *
 *        head                 head+len                 head+extent
 *   ------|=======readable=======|.....free....[ooo bytes]|------
 *
 * `cap` is the most the ring may hold (the socket's buffer size); the
 * storage starts empty and grows by doubling as bytes arrive, so an idle
 * connection costs nothing and a small one little.  Bytes beyond len can
 * be written with write_at (reassembly places out-of-order data straight
 * into the receive ring) and become readable with commit; `extent` is how
 * far from head anything has been written, so growth keeps those too.
 * Storage comes from the stack's allocator (mem.h), hence the stack
 * argument of the calls that allocate or free.
 */
#ifndef SYNACK_CORE_RINGBUF_H
#define SYNACK_CORE_RINGBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ringbuf {
    uint8_t *data;   /* NULL until first needed */
    uint32_t size;   /* bytes of storage allocated (a power of two, or cap) */
    uint32_t cap;    /* most bytes the ring may hold */
    uint32_t head;   /* index of the first readable byte */
    uint32_t len;    /* readable bytes */
    uint32_t extent; /* bytes from head that hold data (>= len) */
};

struct synack_stack;

/* Smallest storage ever allocated: one full-sized segment and change. */
#define RINGBUF_MIN_SIZE 2048u

void ringbuf_init(struct ringbuf *rb, uint32_t cap);
/* Frees the storage (the ring stays usable, empty, with its cap). */
void ringbuf_free(struct synack_stack *st, struct ringbuf *rb);
/* Grows the storage to hold at least `bytes` from head (bytes <= cap);
 * false when out of memory. */
bool ringbuf_reserve(struct synack_stack *st, struct ringbuf *rb, uint32_t bytes);
static inline uint32_t ringbuf_free_space(const struct ringbuf *rb) { return rb->cap - rb->len; }
/* The size of the storage ringbuf_reserve(rb, bytes) would allocate, or 0
 * when the storage there is suffices (or bytes is beyond cap). */
uint32_t ringbuf_growth(const struct ringbuf *rb, uint32_t bytes);
/* Bytes that fit after the readable end without growing the storage. */
static inline uint32_t ringbuf_room(const struct ringbuf *rb) { return rb->size > rb->len ? rb->size - rb->len : 0; }
/* Appends up to n bytes; returns how many fit (the storage there is, when
 * growing it fails; 0 when there is none). */
uint32_t ringbuf_append(struct synack_stack *st, struct ringbuf *rb, const void *src, uint32_t n);
/* Writes n bytes at offset `off` past the readable end, without making them
 * readable.  Requires off + n <= free space; false when out of memory. */
bool ringbuf_write_at(struct synack_stack *st, struct ringbuf *rb, uint32_t off, const void *src, uint32_t n);
/* ringbuf_write_at that also returns, in *sum, the Internet checksum sum
 * of the bytes (checksum.h, csum_add form): one pass for both. */
bool ringbuf_write_at_csum(struct synack_stack *st, struct ringbuf *rb, uint32_t off, const void *src, uint32_t n,
                          uint64_t *sum);
/* Makes n more bytes (already written with write_at) readable. */
void ringbuf_commit(struct ringbuf *rb, uint32_t n);
/* Copies n readable bytes starting `off` bytes after head, without consuming. */
void ringbuf_peek(const struct ringbuf *rb, uint32_t off, void *dst, uint32_t n);
/* ringbuf_peek that also returns the Internet checksum sum of the bytes
 * (checksum.h, csum_add form, as if they started at an even offset). */
uint64_t ringbuf_peek_csum(const struct ringbuf *rb, uint32_t off, void *dst, uint32_t n);
/* Drops n readable bytes from the head. */
void ringbuf_consume(struct ringbuf *rb, uint32_t n);
/* Copies out and consumes up to n bytes; returns how many. */
uint32_t ringbuf_read(struct ringbuf *rb, void *dst, uint32_t n);

#endif
