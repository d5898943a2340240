/* hostile.c — see hostile.h. */
#include "hostile.h"

#include <stdio.h>
#include <stdlib.h>

#include "ipv4.h"
#include "ipv6.h"

/* test.h declares it for TEST(); these programs have one main instead. */
void test_register(const char *name, test_fn fn)
{
    (void)name, (void)fn;
}

size_t raw_segment_build(const struct raw_segment *r, uint8_t *buf, size_t cap)
{
    bool v6 = r->src.family == SYNACK_AF_INET6;
    size_t ip = v6 ? IPV6_HEADER_LEN : IPV4_HEADER_LEN;
    if (cap < ip + TCP_HEADER_MAX + r->len)
        return 0;
    uint8_t *tcp = buf + ip;
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
    if (v6)
        ipv6_write_header(buf, &r->src, &r->dst, IP_PROTO_TCP, (uint16_t)(hlen + r->len), r->ttl ? r->ttl : 64);
    else
        ipv4_write_header(buf, &r->src, &r->dst, IP_PROTO_TCP, (uint16_t)(hlen + r->len), r->ttl ? r->ttl : 64,
                          r->ip_id, true);
    return ip + hlen + r->len;
}

bool hostile_ipv6(void)
{
    const char *v = getenv("SYNACK_HOSTILE_FAMILY");
    return v != NULL && strcmp(v, "6") == 0;
}

struct synack_addr hostile_addr(uint8_t net, uint8_t a, uint8_t b)
{
    if (!hostile_ipv6())
        return synack_addr_v4(198, net, a, b);
    uint8_t x[16] = { 0xfd, 0x00, 0x05, 0xac };
    x[11] = net;
    x[13] = a;
    x[15] = b;
    return synack_addr_v6(x);
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
