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

struct synack_addr synack_addr_v6(const uint8_t bytes[16])
{
    struct synack_addr r;
    memset(&r, 0, sizeof r);
    r.family = SYNACK_AF_INET6;
    memcpy(r.bytes, bytes, 16);
    return r;
}

struct synack_addr synack_addr_any(int family)
{
    struct synack_addr r;
    memset(&r, 0, sizeof r);
    r.family = (uint8_t)family;
    return r;
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

/* Dotted-quad IPv4 ("198.18.0.1"): four decimal parts 0..255, nothing
 * else (no signs, spaces, or octal/hex forms). */
static int parse_v4(const char *text, uint8_t out[4])
{
    unsigned v[4];
    int used = 0;
    if (sscanf(text, "%3u.%3u.%3u.%3u%n", &v[0], &v[1], &v[2], &v[3], &used) != 4 || text[used] != '\0')
        return -SYNACK_EINVAL;
    for (const char *p = text; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return -SYNACK_EINVAL;
    for (int i = 0; i < 4; i++) {
        if (v[i] > 255)
            return -SYNACK_EINVAL;
        out[i] = (uint8_t)v[i];
    }
    return 0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* IPv6 text (RFC 4291 §2.2): eight groups of 1-4 hex digits, one "::"
 * standing for one or more zero groups, and an optional dotted-quad IPv4
 * tail in place of the last two groups.  Zone suffixes ("%eth0") are not
 * accepted. */
static int parse_v6(const char *text, uint8_t out[16])
{
    uint16_t head[8], tail[8];
    int nhead = 0, ntail = 0;
    bool gap = false;
    const char *p = text;
    if (p[0] == ':') {
        if (p[1] != ':')
            return -SYNACK_EINVAL;
        gap = true;
        p += 2;
    }
    uint8_t v4[4];
    bool has_v4 = false;
    while (*p) {
        int groups = nhead + ntail + (has_v4 ? 2 : 0);
        /* A dotted-quad tail: the rest of the text has a '.' before any ':'. */
        const char *q = p;
        while (*q && *q != ':' && *q != '.')
            q++;
        if (*q == '.') {
            if (groups > 6 || parse_v4(p, v4) < 0)
                return -SYNACK_EINVAL;
            has_v4 = true;
            break;
        }
        unsigned val = 0;
        int digits = 0;
        for (; hex_digit(*p) >= 0; p++) {
            if (++digits > 4)
                return -SYNACK_EINVAL;
            val = val * 16 + (unsigned)hex_digit(*p);
        }
        if (!digits || groups >= 8)
            return -SYNACK_EINVAL;
        if (gap)
            tail[ntail++] = (uint16_t)val;
        else
            head[nhead++] = (uint16_t)val;
        if (*p == '\0')
            break;
        if (*p != ':')
            return -SYNACK_EINVAL;
        p++;
        if (*p == ':') {
            if (gap)
                return -SYNACK_EINVAL;             /* a second "::" */
            gap = true;
            p++;
            if (*p == '\0')
                break;
        } else if (*p == '\0') {
            return -SYNACK_EINVAL;                 /* a trailing single ':' */
        }
    }
    int total = nhead + ntail + (has_v4 ? 2 : 0);
    if (gap ? total > 7 : total != 8)
        return -SYNACK_EINVAL;
    memset(out, 0, 16);
    for (int i = 0; i < nhead; i++) {
        out[2 * i] = (uint8_t)(head[i] >> 8);
        out[2 * i + 1] = (uint8_t)head[i];
    }
    int end = has_v4 ? 12 : 16;
    for (int i = 0; i < ntail; i++) {
        int at = end - 2 * (ntail - i);
        out[at] = (uint8_t)(tail[i] >> 8);
        out[at + 1] = (uint8_t)tail[i];
    }
    if (has_v4)
        memcpy(out + 12, v4, 4);
    return 0;
}

int synack_addr_parse(const char *text, struct synack_addr *out)
{
    uint8_t b[16];
    if (!text || !out)
        return -SYNACK_EINVAL;
    if (strchr(text, ':')) {
        if (parse_v6(text, b) < 0)
            return -SYNACK_EINVAL;
        *out = synack_addr_v6(b);
        return 0;
    }
    if (parse_v4(text, b) < 0)
        return -SYNACK_EINVAL;
    *out = synack_addr_v4(b[0], b[1], b[2], b[3]);
    return 0;
}

int synack_prefix_parse(const char *text, struct synack_addr *out, uint8_t *prefix_len)
{
    char buf[64];
    const char *slash = text ? strchr(text, '/') : NULL;
    if (!slash || (size_t)(slash - text) >= sizeof buf)
        return -SYNACK_EINVAL;
    memcpy(buf, text, (size_t)(slash - text));
    buf[slash - text] = '\0';
    unsigned len = 0;
    int used = 0;
    if (slash[1] < '0' || slash[1] > '9' || sscanf(slash + 1, "%3u%n", &len, &used) != 1 ||
        slash[1 + used] != '\0')
        return -SYNACK_EINVAL;
    struct synack_addr a;
    int rc = synack_addr_parse(buf, &a);
    if (rc < 0)
        return rc;
    if (len > (a.family == SYNACK_AF_INET6 ? 128u : 32u))
        return -SYNACK_EINVAL;
    *out = a;
    *prefix_len = (uint8_t)len;
    return 0;
}

int synack_endpoint_parse(const char *text, struct synack_endpoint *out)
{
    char buf[64];
    const char *addr = text, *colon;
    size_t alen;
    if (!text || !out)
        return -SYNACK_EINVAL;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':')
            return -SYNACK_EINVAL;
        addr = text + 1;
        alen = (size_t)(close - addr);
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon || strchr(text, ':') != colon)
            return -SYNACK_EINVAL;                 /* IPv6 needs brackets */
        alen = (size_t)(colon - text);
    }
    if (alen == 0 || alen >= sizeof buf)
        return -SYNACK_EINVAL;
    memcpy(buf, addr, alen);
    buf[alen] = '\0';
    unsigned port = 0;
    int used = 0;
    if (colon[1] < '0' || colon[1] > '9' || sscanf(colon + 1, "%5u%n", &port, &used) != 1 ||
        colon[1 + used] != '\0' || port > 65535)
        return -SYNACK_EINVAL;
    struct synack_addr a;
    if (synack_addr_parse(buf, &a) < 0)
        return -SYNACK_EINVAL;
    *out = synack_endpoint_make(a, (uint16_t)port);
    return 0;
}

/* RFC 5952 §4: lowercase, no leading zeros, the longest run of two or
 * more zero groups (the first of equal runs) as "::", and the IPv4 tail
 * of v4-mapped addresses (::ffff:a.b.c.d) in dotted form (§5). */
static void format_v6(const uint8_t *b, char *buf, size_t len)
{
    uint16_t g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j > i ? j : i + 1;
    }
    bool mapped = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff;
    int ngroups = mapped ? 6 : 8;
    size_t at = 0;
    for (int i = 0; i < ngroups && at < len;) {
        if (i == best) {
            at += (size_t)snprintf(buf + at, len - at, "%s", i == 0 ? "::" : ":");
            i += best_len;
            continue;
        }
        at += (size_t)snprintf(buf + at, len - at, "%x%s", g[i], i + 1 < ngroups ? ":" : "");
        i++;
    }
    if (mapped && at < len)
        snprintf(buf + at, len - at, ":%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
}

char *synack_addr_format(const struct synack_addr *a, char *buf, size_t len)
{
    if (!len)
        return buf;
    if (a->family == SYNACK_AF_INET)
        snprintf(buf, len, "%u.%u.%u.%u", a->bytes[0], a->bytes[1], a->bytes[2], a->bytes[3]);
    else if (a->family == SYNACK_AF_INET6)
        format_v6(a->bytes, buf, len);
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
    if (e->addr.family == SYNACK_AF_INET6)
        snprintf(buf, len, "[%s]:%u", a, e->port);
    else
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
