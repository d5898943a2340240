/* addr.c — constructing, comparing, parsing and printing addresses. */
#include "synack/addr.h"
#include "synack/errors.h"

#include <stdio.h>
#include <string.h>

struct synack_addr synack_addr_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    struct synack_addr r;
    memset(&r, 0, sizeof r);
    r.family = SYNACK_AF_INET;
    r.bytes[0] = a;
    r.bytes[1] = b;
    r.bytes[2] = c;
    r.bytes[3] = d;
    return r;
}

struct synack_addr synack_addr_v4_u32(uint32_t v)
{
    return synack_addr_v4((uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v);
}

uint32_t synack_addr_v4_value(const struct synack_addr *a)
{
    if (a->family != SYNACK_AF_INET)
        return 0;
    return (uint32_t)a->bytes[0] << 24 | (uint32_t)a->bytes[1] << 16 | (uint32_t)a->bytes[2] << 8 | a->bytes[3];
}

struct synack_endpoint synack_endpoint_make(struct synack_addr addr, uint16_t port)
{
    struct synack_endpoint e;
    memset(&e, 0, sizeof e);
    e.addr = addr;
    e.port = port;
    return e;
}

bool synack_addr_equal(const struct synack_addr *a, const struct synack_addr *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

bool synack_addr_is_any(const struct synack_addr *a)
{
    static const uint8_t zero[16];
    return a->family == SYNACK_AF_UNSPEC || memcmp(a->bytes, zero, sizeof zero) == 0;
}

bool synack_endpoint_equal(const struct synack_endpoint *a, const struct synack_endpoint *b)
{
    return a->port == b->port && synack_addr_equal(&a->addr, &b->addr);
}

int synack_addr_parse(const char *text, struct synack_addr *out)
{
    unsigned v[4];
    int used = 0;
    if (!text || sscanf(text, "%3u.%3u.%3u.%3u%n", &v[0], &v[1], &v[2], &v[3], &used) != 4 ||
        text[used] != '\0')
        return -SYNACK_EINVAL;
    for (int i = 0; i < 4; i++)
        if (v[i] > 255)
            return -SYNACK_EINVAL;
    /* Reject signs and spaces that sscanf would have skipped. */
    for (const char *p = text; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return -SYNACK_EINVAL;
    *out = synack_addr_v4((uint8_t)v[0], (uint8_t)v[1], (uint8_t)v[2], (uint8_t)v[3]);
    return 0;
}

int synack_prefix_parse(const char *text, struct synack_addr *out, uint8_t *prefix_len)
{
    char buf[32];
    const char *slash = text ? strchr(text, '/') : NULL;
    if (!slash || (size_t)(slash - text) >= sizeof buf)
        return -SYNACK_EINVAL;
    memcpy(buf, text, (size_t)(slash - text));
    buf[slash - text] = '\0';
    unsigned len = 0;
    int used = 0;
    if (slash[1] < '0' || slash[1] > '9' || sscanf(slash + 1, "%3u%n", &len, &used) != 1 ||
        slash[1 + used] != '\0' || len > 32)
        return -SYNACK_EINVAL;
    int rc = synack_addr_parse(buf, out);
    if (rc < 0)
        return rc;
    *prefix_len = (uint8_t)len;
    return 0;
}

char *synack_addr_format(const struct synack_addr *a, char *buf, size_t len)
{
    if (!len)
        return buf;
    if (a->family == SYNACK_AF_INET)
        snprintf(buf, len, "%u.%u.%u.%u", a->bytes[0], a->bytes[1], a->bytes[2], a->bytes[3]);
    else if (a->family == SYNACK_AF_UNSPEC)
        snprintf(buf, len, "*");
    else
        snprintf(buf, len, "?");
    return buf;
}

char *synack_endpoint_format(const struct synack_endpoint *e, char *buf, size_t len)
{
    char a[48];
    synack_addr_format(&e->addr, a, sizeof a);
    snprintf(buf, len, "%s:%u", a, e->port);
    return buf;
}

bool synack_addr_in_prefix(const struct synack_addr *a, const struct synack_addr *net, uint8_t prefix_len)
{
    if (a->family != net->family)
        return false;
    unsigned bits = prefix_len;
    unsigned max = a->family == SYNACK_AF_INET6 ? 128 : 32;
    if (bits > max)
        bits = max;
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(a->bytes, net->bytes, full) != 0)
        return false;
    if (rest) {
        uint8_t mask = (uint8_t)(0xff << (8 - rest));
        if ((a->bytes[full] & mask) != (net->bytes[full] & mask))
            return false;
    }
    return true;
}
