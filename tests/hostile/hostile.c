/* hostile.c — see hostile.h. */
#include "hostile.h"

#include <stdio.h>

#include "ipv4.h"

/* test.h declares it for TEST(); these programs have one main instead. */
void test_register(const char *name, test_fn fn)
{
    (void)name, (void)fn;
}

size_t raw_segment_build(const struct raw_segment *r, uint8_t *buf, size_t cap)
{
    if (cap < IPV4_HEADER_LEN + TCP_HEADER_MAX + r->len)
        return 0;
    uint8_t *tcp = buf + IPV4_HEADER_LEN;
    struct tcp_header_out h = {
        .src_port = r->sport,
        .dst_port = r->dport,
        .seq = r->seq,
        .ack = r->ack,
        .flags = r->flags,
        .window = r->window,
        .opt = r->opt,
    };
    size_t hlen = tcp_write_header(tcp, &h);
    if (r->len)
        memcpy(tcp + hlen, r->payload, r->len);
    tcp_fill_checksum(tcp, hlen + r->len, &r->src, &r->dst);
    ipv4_write_header(buf, &r->src, &r->dst, IP_PROTO_TCP, (uint16_t)(hlen + r->len), r->ttl ? r->ttl : 64,
                      r->ip_id, true);
    return IPV4_HEADER_LEN + hlen + r->len;
}

void pattern_fill(uint64_t stream, uint64_t off, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = pattern_byte(stream, off + i);
}

size_t pattern_check(uint64_t stream, uint64_t off, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != pattern_byte(stream, off + i))
            return i;
    return len;
}

int hostile_verdict(const char *name)
{
    if (test_failed_checks) {
        printf("FAIL %s (%d failed checks)\n", name, test_failed_checks);
        return 1;
    }
    printf("ok   %s\n", name);
    return 0;
}
