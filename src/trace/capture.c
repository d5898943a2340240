/*
 * capture.c — a reader for classic pcap and pcapng files (synack/capture.h).
 *
 * Reading list: the libpcap file format (draft-ietf-opsawg-pcap), the
 * pcapng format (draft-ietf-opsawg-pcapng: §4 block layout, §4.1 Section
 * Header Block, §4.2 Interface Description Block and its if_tsresol and
 * if_tsoffset options, §4.3 Enhanced Packet Block, §4.4 Simple Packet
 * Block, Appendix A the obsolete Packet Block), and the link-layer header
 * types registry (tcpdump.org/linktypes.html).
 *
 * Classic pcap:
 *
 *   file header, 24 bytes:  magic | version | thiszone | sigfigs | snaplen | linktype
 *   per packet, 16 bytes:   ts_sec | ts_frac | incl_len | orig_len, then incl_len bytes
 *
 *   The magic says the byte order of every later field and the unit of
 *   ts_frac: a1b2c3d4 microseconds, a1b23c4d nanoseconds.
 *
 * pcapng is a sequence of blocks, each
 *
 *   block type (4) | block total length (4) | body | block total length (4)
 *
 * with both lengths equal and a multiple of 4.  A Section Header Block
 * starts each section; its byte-order magic (1a2b3c4d) sets the byte order
 * of every block up to the next one, and each section numbers its
 * interfaces afresh from 0, one per Interface Description Block, in order.
 * Blocks of other types (name resolution, statistics, decryption secrets,
 * custom) are passed over by their length.
 *
 * Everything read is untrusted: every length is checked against the bytes
 * present and against the fixed bounds below before anything is read or
 * allocated, and a file that breaks the format gives an error naming the
 * packet number (the 1-based number of the packet record at or after which
 * the trouble lies, as Wireshark counts).  Errors are sticky: once one is
 * returned, every later call returns it again.
 *
 * Link layers are taken apart in strip_link(); what it finds is IPv4 or
 * IPv6 (returned, cut to the length its header states) or anything else
 * (skipped and counted).
 */
#include "synack/capture.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synack/errors.h"

/* The largest packet record read: tcpdump's default snapshot length
 * (262144) and far above any real link's frame (a 64 KiB GSO super-packet
 * on loopback plus its link header). */
#define RECORD_MAX (256u * 1024u)
/* A record may exceed the snapshot length its file or interface declares
 * by this much (some writers count the link header apart); more is an
 * error. */
#define SNAPLEN_SLACK 64u
/* The largest pcapng block read whole (header blocks and packet blocks):
 * a packet of RECORD_MAX with room for its options. */
#define BLOCK_READ_MAX (RECORD_MAX + 64u * 1024u)
/* The largest pcapng block passed over unread: Wireshark's own bound on a
 * block (16 MiB). */
#define BLOCK_SKIP_MAX (16u * 1024u * 1024u)
/* Interfaces one pcapng section may describe. */
#define IFACES_MAX 4096u
/* 802.1Q / 802.1ad tags in front of one Ethernet payload. */
#define VLAN_TAGS_MAX 8

#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_PB 0x00000002u     /* obsolete Packet Block */
#define PCAPNG_SPB 0x00000003u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BOM 0x1a2b3c4du

#define OPT_ENDOFOPT 0
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14

/* Link-layer header types (LINKTYPE_*). */
#define LINKTYPE_NULL 0
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW_12 12          /* DLT_RAW on most BSDs and Linux, in old files */
#define LINKTYPE_RAW_14 14          /* DLT_RAW on OpenBSD */
#define LINKTYPE_RAW 101
#define LINKTYPE_LOOP 108
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229
#define LINKTYPE_LINUX_SLL2 276

#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86ddu
#define ETHERTYPE_8021Q 0x8100u
#define ETHERTYPE_8021AD 0x88a8u
#define ETHERTYPE_QINQ_OLD 0x9100u

enum format { FORMAT_PCAP, FORMAT_PCAPNG };

/* A pcapng interface: how to read the timestamps of its packets. */
struct iface {
    int linktype;
    uint32_t snaplen;            /* 0: no limit declared */
    bool tsresol_pow2;           /* units are 2^-tsresol_exp s, else 10^-tsresol_exp s */
    uint8_t tsresol_exp;         /* 6 (microseconds) unless if_tsresol says otherwise */
    int64_t tsoffset_s;          /* if_tsoffset: seconds added to every timestamp */
};

struct synack_capture {
    FILE *file;
    enum format format;
    bool big_endian;             /* byte order of the current section's fields */
    uint64_t offset;             /* bytes of the file consumed */
    uint64_t number;             /* packet records read */
    synack_time_us last_when;    /* time of the last packet (for Simple Packet Blocks) */

    /* Classic pcap. */
    int linktype;
    uint32_t snaplen;
    bool nanoseconds;

    /* pcapng: the current section's interfaces. */
    struct iface *ifaces;
    size_t iface_count, iface_cap;

    uint8_t *buf;                /* the current record or block; grows to the largest seen */
    size_t buf_cap;

    struct synack_capture_stats stats;
    int error;                   /* sticky: 0, or the negative error returned */
    char error_text[256];
};

/* ---- Small helpers -------------------------------------------------------- */

static uint16_t get16(const struct synack_capture *c, const uint8_t *p)
{
    return c->big_endian ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t get32(const struct synack_capture *c, const uint8_t *p)
{
    if (c->big_endian)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t get64(const struct synack_capture *c, const uint8_t *p)
{
    uint64_t a = get32(c, p), b = get32(c, p + 4);
    return c->big_endian ? a << 32 | b : b << 32 | a;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static void set_text(char *err, size_t errlen, const char *text)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", text);
}

/* Records an error (sticky) and returns it. */
__attribute__((format(printf, 5, 6))) static int fail(struct synack_capture *c, char *err, size_t errlen, int code,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error_text, sizeof c->error_text, fmt, ap);
    va_end(ap);
    c->error = code;
    set_text(err, errlen, c->error_text);
    return code;
}

/* Reads up to n bytes; returns how many were read (fewer only at the end
 * of the file or on an I/O error, which the caller tells apart with
 * ferror()). */
static size_t read_bytes(struct synack_capture *c, void *dst, size_t n)
{
    size_t got = n ? fread(dst, 1, n, c->file) : 0;
    c->offset += got;
    return got;
}

static int io_error(struct synack_capture *c, char *err, size_t errlen)
{
    return fail(c, err, errlen, -SYNACK_EIO, "packet %" PRIu64 ": read error: %s", c->number + 1,
                strerror(errno ? errno : EIO));
}

/* Makes the buffer hold at least n bytes (n is bounded by the callers). */
static int reserve(struct synack_capture *c, size_t n, char *err, size_t errlen)
{
    if (n <= c->buf_cap)
        return 0;
    size_t cap = c->buf_cap ? c->buf_cap : 2048;
    while (cap < n)
        cap *= 2;
    uint8_t *b = realloc(c->buf, cap);
    if (!b)
        return fail(c, err, errlen, -SYNACK_ENOMEM, "out of memory for a %zu-byte record", n);
    c->buf = b;
    c->buf_cap = cap;
    return 0;
}

/* ---- Link layers ------------------------------------------------------------ */

enum link_result {
    LINK_IPV4,
    LINK_IPV6,
    LINK_OTHER,          /* ARP, LLC, another protocol: not IP */
    LINK_SHORT,          /* too short to hold its own link header */
    LINK_UNKNOWN,        /* a link type this reader does not take apart */
};

/* BSD loopback address families: AF_INET is 2 everywhere; AF_INET6 is
 * 10 on Linux, 24 on NetBSD/OpenBSD, 28 on FreeBSD, 30 on macOS. */
static enum link_result null_family(uint32_t af)
{
    if (af == 2)
        return LINK_IPV4;
    if (af == 10 || af == 24 || af == 28 || af == 30)
        return LINK_IPV6;
    return LINK_OTHER;
}

static enum link_result ip_version(const uint8_t *p, size_t len)
{
    if (len < 1)
        return LINK_SHORT;
    switch (p[0] >> 4) {
    case 4: return LINK_IPV4;
    case 6: return LINK_IPV6;
    default: return LINK_OTHER;
    }
}

static enum link_result ethertype(uint16_t type)
{
    if (type == ETHERTYPE_IPV4)
        return LINK_IPV4;
    if (type == ETHERTYPE_IPV6)
        return LINK_IPV6;
    return LINK_OTHER;
}

/* What a frame of `linktype` carries, and where it starts (*hdr). */
static enum link_result strip_link(int linktype, const uint8_t *d, size_t len, size_t *hdr)
{
    *hdr = 0;
    switch (linktype) {
    case LINKTYPE_ETHERNET: {
        /* dst(6) src(6) type(2); 802.1Q and 802.1ad tags put TPID(2) TCI(2)
         * in front of the real type.  Types up to 1500 are 802.3 lengths
         * (LLC frames), which carry no IP here. */
        if (len < 14)
            return LINK_SHORT;
        size_t off = 12;
        uint16_t type = be16(d + off);
        for (int tags = 0; type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD || type == ETHERTYPE_QINQ_OLD;
             tags++) {
            if (tags == VLAN_TAGS_MAX)
                return LINK_OTHER;
            off += 4;
            if (len < off + 2)
                return LINK_SHORT;
            type = be16(d + off);
        }
        *hdr = off + 2;
        return ethertype(type);
    }
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_12:
    case LINKTYPE_RAW_14:
        return ip_version(d, len);
    case LINKTYPE_IPV4:
        return len ? LINK_IPV4 : LINK_SHORT;
    case LINKTYPE_IPV6:
        return len ? LINK_IPV6 : LINK_SHORT;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
        /* A 4-byte address family: in the writer's byte order for NULL,
         * network order for LOOP — but writers disagree, so both orders
         * are tried (the values involved are small, so they cannot be
         * confused). */
        if (len < 4)
            return LINK_SHORT;
        *hdr = 4;
        enum link_result r = null_family(be32(d));
        return r != LINK_OTHER ? r : null_family(le32(d));
    }
    case LINKTYPE_LINUX_SLL:
        /* packet type(2) ARPHRD type(2) address length(2) address(8) protocol(2) */
        if (len < 16)
            return LINK_SHORT;
        *hdr = 16;
        return ethertype(be16(d + 14));
    case LINKTYPE_LINUX_SLL2:
        /* protocol(2) reserved(2) interface index(4) ARPHRD type(2)
         * packet type(1) address length(1) address(8) */
        if (len < 20)
            return LINK_SHORT;
        *hdr = 20;
        return ethertype(be16(d));
    default:
        return LINK_UNKNOWN;
    }
}

/* The length of an IP packet as its header states it: the IPv4 total
 * length (RFC 791), or 40 plus the IPv6 payload length (RFC 8200 §3); 0
 * when the bytes present cannot tell, or the field is 0 (as segmentation
 * offload leaves an IPv4 super-packet's, and as an IPv6 jumbogram has
 * it, RFC 2675). */
static size_t stated_ip_len(enum link_result r, const uint8_t *ip, size_t len)
{
    if (r == LINK_IPV4 && len >= 4) {
        size_t total = be16(ip + 2);
        return total >= 20 ? total : 0;
    }
    if (r == LINK_IPV6 && len >= 6) {
        size_t payload = be16(ip + 4);
        return payload ? 40 + payload : 0;
    }
    return 0;
}

/* Hands out a record if it carries IPv4 or IPv6 (returns 1), else counts
 * it as skipped (returns 0).  Ethernet pads short frames and some links
 * append a frame check sequence, so the IP packet is cut to the length
 * its header states; orig_len is that length too, or what the record says
 * when the header cannot tell (see stated_ip_len). */
static int deliver(struct synack_capture *c, int linktype, const uint8_t *data, size_t caplen, uint64_t origlen,
                   synack_time_us when, struct synack_captured_packet *p)
{
    size_t hdr;
    enum link_result r = strip_link(linktype, data, caplen, &hdr);
    /* A link header that names the family must agree with the packet's
     * version field; a packet that does not is not what it claims. */
    if ((r == LINK_IPV4 || r == LINK_IPV6) && caplen > hdr && ip_version(data + hdr, caplen - hdr) != r)
        r = LINK_OTHER;
    if (r != LINK_IPV4 && r != LINK_IPV6) {
        c->stats.skipped++;
        if (r == LINK_UNKNOWN)
            c->stats.unknown_link++;
        return 0;
    }
    const uint8_t *ip = data + hdr;
    size_t ip_len = caplen - hdr;
    uint64_t wire = origlen > hdr ? origlen - hdr : 0;
    size_t total = stated_ip_len(r, ip, ip_len);
    if (total) {
        if (total < ip_len)
            ip_len = total;
        wire = total;
    }
    if (wire < ip_len)
        wire = ip_len;
    c->stats.ip_packets++;
    if (r == LINK_IPV6)
        c->stats.ipv6++;
    p->number = c->number;
    p->when = when;
    p->ip = ip;
    p->ip_len = ip_len;
    p->orig_len = (size_t)wire;
    p->linktype = linktype;
    return 1;
}

/* ---- Classic pcap --------------------------------------------------------- */

static int open_pcap(struct synack_capture *c, const uint8_t *magic, char *err, size_t errlen)
{
    uint8_t h[24];
    memcpy(h, magic, 4);
    size_t got = read_bytes(c, h + 4, 20);
    if (got < 20) {
        if (ferror(c->file))
            return io_error(c, err, errlen);
        return fail(c, err, errlen, -SYNACK_EINVAL,
                    "file header truncated (need 24 bytes, file ends after %zu)", (size_t)c->offset);
    }
    uint16_t major = get16(c, h + 4), minor = get16(c, h + 6);
    if (major != 2)
        return fail(c, err, errlen, -SYNACK_EINVAL, "pcap version %u.%u not supported (only 2.x)", major, minor);
    c->snaplen = get32(c, h + 16);
    /* The upper bits of the link type field carry FCS information
     * (draft-ietf-opsawg-pcap §4, "LinkType and additional information"). */
    c->linktype = (int)(get32(c, h + 20) & 0x0fffffffu);
    return 0;
}

static int next_pcap(struct synack_capture *c, struct synack_captured_packet *p, char *err, size_t errlen)
{
    for (;;) {
        uint64_t n = c->number + 1;
        uint8_t h[16];
        size_t got = read_bytes(c, h, sizeof h);
        if (got < sizeof h) {
            if (ferror(c->file))
                return io_error(c, err, errlen);
            if (got == 0)
                return 0;
            return fail(c, err, errlen, -SYNACK_EINVAL,
                        "packet %" PRIu64 ": record header truncated (need 16 bytes, file ends after %zu)", n, got);
        }
        uint32_t sec = get32(c, h), frac = get32(c, h + 4);
        uint32_t incl = get32(c, h + 8), orig = get32(c, h + 12);
        if (incl > RECORD_MAX)
            return fail(c, err, errlen, -SYNACK_EMSGSIZE,
                        "packet %" PRIu64 ": record of %" PRIu32 " bytes is larger than the largest accepted (%u)", n,
                        incl, RECORD_MAX);
        if (c->snaplen && incl > (uint64_t)c->snaplen + SNAPLEN_SLACK)
            return fail(c, err, errlen, -SYNACK_EMSGSIZE,
                        "packet %" PRIu64 ": record of %" PRIu32 " bytes is larger than the file's snapshot length (%" PRIu32
                        ")",
                        n, incl, c->snaplen);
        int rc = reserve(c, incl, err, errlen);
        if (rc < 0)
            return rc;
        got = read_bytes(c, c->buf, incl);
        if (got < incl) {
            if (ferror(c->file))
                return io_error(c, err, errlen);
            return fail(c, err, errlen, -SYNACK_EINVAL,
                        "packet %" PRIu64 ": record truncated (need %" PRIu32 " bytes, file ends after %zu)", n, incl,
                        got);
        }
        c->number = n;
        c->stats.records++;
        synack_time_us when = (synack_time_us)sec * 1000000u + (c->nanoseconds ? frac / 1000u : frac);
        c->last_when = when;
        if (deliver(c, c->linktype, c->buf, incl, orig, when, p))
            return 1;
    }
}

/* ---- pcapng --------------------------------------------------------------- */

static const char *block_name(uint32_t type)
{
    switch (type) {
    case PCAPNG_SHB: return "Section Header Block";
    case PCAPNG_IDB: return "Interface Description Block";
    case PCAPNG_PB: return "Packet Block";
    case PCAPNG_SPB: return "Simple Packet Block";
    case PCAPNG_EPB: return "Enhanced Packet Block";
    default: return "block";
    }
}

static bool is_packet_block(uint32_t type)
{
    return type == PCAPNG_EPB || type == PCAPNG_SPB || type == PCAPNG_PB;
}

/* An error in a block: "packet N: ..." for a packet block, else "after
 * packet N: <block> at byte B: ..." (N = 0: "before the first packet"). */
__attribute__((format(printf, 6, 7))) static int block_fail(struct synack_capture *c, char *err, size_t errlen,
                                                            uint32_t type, uint64_t at, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (is_packet_block(type))
        return fail(c, err, errlen, -SYNACK_EINVAL, "packet %" PRIu64 ": %s", c->number + 1, what);
    if (c->number == 0)
        return fail(c, err, errlen, -SYNACK_EINVAL, "before the first packet: %s at byte %" PRIu64 ": %s",
                    block_name(type), at, what);
    return fail(c, err, errlen, -SYNACK_EINVAL, "after packet %" PRIu64 ": %s at byte %" PRIu64 ": %s", c->number,
                block_name(type), at, what);
}

/* Converts a pcapng timestamp to microseconds since the epoch. */
static synack_time_us iface_time(const struct iface *f, uint64_t ts)
{
    uint64_t us;
    if (f->tsresol_pow2) {
        /* ts / 2^e seconds = (ts >> e) s + (ts mod 2^e) / 2^e s. */
        unsigned e = f->tsresol_exp;
        uint64_t sec = e >= 64 ? 0 : ts >> e;
        uint64_t frac = e >= 64 ? ts : ts & ((UINT64_C(1) << e) - 1);
        /* frac * 10^6 must fit in 64 bits: drop low bits of frac first. */
        while (e > 44) {
            frac >>= 1;
            e--;
        }
        us = sec * 1000000u + ((frac * 1000000u) >> e);
    } else {
        unsigned e = f->tsresol_exp;
        if (e <= 6) {
            uint64_t mul = 1;
            for (unsigned i = e; i < 6; i++)
                mul *= 10;
            us = ts * mul;
        } else {
            uint64_t div = 1;
            for (unsigned i = 6; i < e && div <= UINT64_MAX / 10; i++)
                div *= 10;
            us = (e - 6 > 19) ? 0 : ts / div;
        }
    }
    return us + (synack_time_us)((uint64_t)f->tsoffset_s * 1000000u);
}

/* Parses the options of an Interface Description Block into f. */
static int idb_options(struct synack_capture *c, const uint8_t *o, size_t len, struct iface *f, uint64_t at, char *err,
                       size_t errlen)
{
    size_t off = 0;
    while (off + 4 <= len) {
        uint16_t code = get16(c, o + off), olen = get16(c, o + off + 2);
        off += 4;
        if (code == OPT_ENDOFOPT)
            break;
        if (olen > len - off)
            return block_fail(c, err, errlen, PCAPNG_IDB, at, "option %u runs past the end of the block", code);
        if (code == OPT_IF_TSRESOL && olen >= 1) {
            f->tsresol_pow2 = (o[off] & 0x80) != 0;
            f->tsresol_exp = o[off] & 0x7f;
        } else if (code == OPT_IF_TSOFFSET && olen == 8) {
            f->tsoffset_s = (int64_t)get64(c, o + off);
        }
        off += ((size_t)olen + 3) & ~(size_t)3;
    }
    return 0;
}

static int handle_shb(struct synack_capture *c, const uint8_t *body, size_t len, uint64_t at, char *err,
                      size_t errlen)
{
    /* body, after the byte-order magic: major (2) minor (2) section length (8) options */
    if (len < 12)
        return block_fail(c, err, errlen, PCAPNG_SHB, at, "too short (%zu bytes of body, need 16)", len + 4);
    uint16_t major = get16(c, body), minor = get16(c, body + 2);
    if (major != 1)
        return block_fail(c, err, errlen, PCAPNG_SHB, at, "pcapng version %u.%u not supported (only 1.x)", major,
                          minor);
    c->iface_count = 0;   /* a new section numbers its interfaces from 0 */
    return 0;
}

static int handle_idb(struct synack_capture *c, const uint8_t *body, size_t len, uint64_t at, char *err,
                      size_t errlen)
{
    /* body: link type (2) reserved (2) snaplen (4) options */
    if (len < 8)
        return block_fail(c, err, errlen, PCAPNG_IDB, at, "too short (%zu bytes of body, need 8)", len);
    if (c->iface_count == IFACES_MAX)
        return block_fail(c, err, errlen, PCAPNG_IDB, at, "more than %u interfaces in one section", IFACES_MAX);
    struct iface f = {.linktype = get16(c, body), .snaplen = get32(c, body + 4), .tsresol_exp = 6};
    int rc = idb_options(c, body + 8, len - 8, &f, at, err, errlen);
    if (rc < 0)
        return rc;
    if (c->iface_count == c->iface_cap) {
        size_t cap = c->iface_cap ? c->iface_cap * 2 : 4;
        struct iface *n = realloc(c->ifaces, cap * sizeof *n);
        if (!n)
            return fail(c, err, errlen, -SYNACK_ENOMEM, "out of memory for interfaces");
        c->ifaces = n;
        c->iface_cap = cap;
    }
    c->ifaces[c->iface_count++] = f;
    return 0;
}

/* A packet block's packet: checks and hands it to deliver(). */
static int handle_packet(struct synack_capture *c, uint32_t type, const uint8_t *body, size_t len, uint64_t at,
                         struct synack_captured_packet *p, char *err, size_t errlen)
{
    uint32_t iface_id, caplen;
    uint64_t origlen, ts = 0;
    size_t data_off;
    if (type == PCAPNG_EPB || type == PCAPNG_PB) {
        /* EPB: interface (4) ts high (4) ts low (4) captured (4) original (4) data options
         * PB:  interface (2) drops (2) ts high (4) ts low (4) captured (4) original (4) data options */
        if (len < 20)
            return block_fail(c, err, errlen, type, at, "%s too short (%zu bytes of body, need 20)",
                              block_name(type), len);
        iface_id = type == PCAPNG_EPB ? get32(c, body) : get16(c, body);
        ts = (uint64_t)get32(c, body + 4) << 32 | get32(c, body + 8);
        caplen = get32(c, body + 12);
        origlen = get32(c, body + 16);
        data_off = 20;
        if (caplen > len - data_off)
            return block_fail(c, err, errlen, type, at,
                              "captured length %" PRIu32 " runs past the end of its block (%zu bytes left)", caplen,
                              len - data_off);
    } else {
        /* SPB: original length (4) data — captured length is what the
         * block holds, up to the interface's snapshot length; interface 0. */
        if (len < 4)
            return block_fail(c, err, errlen, type, at, "Simple Packet Block too short (%zu bytes of body)", len);
        iface_id = 0;
        origlen = get32(c, body);
        data_off = 4;
        uint64_t cap = len - data_off;
        if (origlen < cap)
            cap = origlen;
        if (c->iface_count && c->ifaces[0].snaplen && cap > c->ifaces[0].snaplen)
            cap = c->ifaces[0].snaplen;
        caplen = (uint32_t)cap;
    }
    if (iface_id >= c->iface_count)
        return block_fail(c, err, errlen, type, at,
                          "interface %" PRIu32 " not described (the section has %zu Interface Description Blocks)",
                          iface_id, c->iface_count);
    const struct iface *f = &c->ifaces[iface_id];
    if (caplen > RECORD_MAX)
        return fail(c, err, errlen, -SYNACK_EMSGSIZE,
                    "packet %" PRIu64 ": record of %" PRIu32 " bytes is larger than the largest accepted (%u)",
                    c->number + 1, caplen, RECORD_MAX);
    if (f->snaplen && caplen > (uint64_t)f->snaplen + SNAPLEN_SLACK)
        return fail(c, err, errlen, -SYNACK_EMSGSIZE,
                    "packet %" PRIu64 ": record of %" PRIu32
                    " bytes is larger than its interface's snapshot length (%" PRIu32 ")",
                    c->number + 1, caplen, f->snaplen);
    c->number++;
    c->stats.records++;
    /* A Simple Packet Block has no timestamp: it gets the time of the
     * packet before it, so that durations stay meaningful. */
    synack_time_us when = type == PCAPNG_SPB ? c->last_when : iface_time(f, ts);
    c->last_when = when;
    return deliver(c, f->linktype, body + data_off, caplen, origlen, when, p);
}

/* Reads one block.  `head` holds the first `have` bytes of it, read
 * already (its type); `at` is its offset in the file.  Returns 1 with the
 * block's type and its body (after the type and length, and for a Section
 * Header Block after the byte-order magic too) in c->buf, or a negative
 * error.  Blocks of types not read are passed over (*body_len = 0). */
static int read_block(struct synack_capture *c, uint8_t *head, size_t have, uint64_t at, uint32_t *type_out,
                      size_t *body_len, char *err, size_t errlen)
{
    uint32_t type = be32(head);   /* the SHB type reads the same in both orders */
    if (type != PCAPNG_SHB)
        type = get32(c, head);
    size_t want = type == PCAPNG_SHB ? 12 : 8;
    size_t got = read_bytes(c, head + have, want - have);
    if (got < want - have) {
        if (ferror(c->file))
            return io_error(c, err, errlen);
        return block_fail(c, err, errlen, type, at, "block header truncated (need %zu bytes, file ends after %zu)",
                          want, have + got);
    }
    if (type == PCAPNG_SHB) {
        /* The byte-order magic decides how this section is read. */
        if (be32(head + 8) == PCAPNG_BOM)
            c->big_endian = true;
        else if (le32(head + 8) == PCAPNG_BOM)
            c->big_endian = false;
        else
            return block_fail(c, err, errlen, type, at,
                              "byte-order magic is %02x %02x %02x %02x, not 1a2b3c4d in either byte order", head[8],
                              head[9], head[10], head[11]);
    }
    uint32_t total = get32(c, head + 4);
    uint32_t min = type == PCAPNG_SHB ? 28 : 12;
    if (total < min || total % 4 != 0)
        return block_fail(c, err, errlen, type, at,
                          "block length %" PRIu32 " invalid (must be a multiple of 4, at least %" PRIu32 ")", total,
                          min);
    bool keep = type == PCAPNG_SHB || type == PCAPNG_IDB || is_packet_block(type);
    uint32_t max = keep ? BLOCK_READ_MAX : BLOCK_SKIP_MAX;
    if (total > max)
        return block_fail(c, err, errlen, type, at,
                          "block length %" PRIu32 " is larger than the largest accepted (%" PRIu32 ")", total, max);
    size_t body = total - want - 4;   /* then the trailing length */
    int rc = reserve(c, keep ? body : (body < 65536 ? body : 65536), err, errlen);
    if (rc < 0)
        return rc;
    if (keep) {
        got = read_bytes(c, c->buf, body);
    } else {
        for (got = 0; got < body;) {
            size_t chunk = body - got < 65536 ? body - got : 65536;
            size_t n = read_bytes(c, c->buf, chunk);
            got += n;
            if (n < chunk)
                break;
        }
    }
    uint8_t trailer[4];
    if (got == body)
        got += read_bytes(c, trailer, 4);
    if (got < body + 4) {
        if (ferror(c->file))
            return io_error(c, err, errlen);
        return block_fail(c, err, errlen, type, at, "%s truncated (need %zu bytes, file ends after %zu)",
                          is_packet_block(type) ? "record" : "block", (size_t)total, want + got);
    }
    if (get32(c, trailer) != total)
        return block_fail(c, err, errlen, type, at,
                          "block lengths inconsistent (%" PRIu32 " at the start, %" PRIu32 " at the end)", total,
                          get32(c, trailer));
    *type_out = type;
    *body_len = keep ? body : 0;
    return 1;
}

static int next_pcapng(struct synack_capture *c, struct synack_captured_packet *p, char *err, size_t errlen)
{
    for (;;) {
        uint8_t head[12];
        uint64_t at = c->offset;
        size_t got = read_bytes(c, head, 4);
        if (got < 4) {
            if (ferror(c->file))
                return io_error(c, err, errlen);
            if (got == 0)
                return 0;
            return fail(c, err, errlen, -SYNACK_EINVAL,
                        "after packet %" PRIu64 ": block at byte %" PRIu64
                        ": block header truncated (need 8 bytes, file ends after %zu)",
                        c->number, at, got);
        }
        uint32_t type;
        size_t len;
        int rc = read_block(c, head, 4, at, &type, &len, err, errlen);
        if (rc < 0)
            return rc;
        switch (type) {
        case PCAPNG_SHB:
            rc = handle_shb(c, c->buf, len, at, err, errlen);
            break;
        case PCAPNG_IDB:
            rc = handle_idb(c, c->buf, len, at, err, errlen);
            break;
        case PCAPNG_EPB:
        case PCAPNG_SPB:
        case PCAPNG_PB:
            rc = handle_packet(c, type, c->buf, len, at, p, err, errlen);
            if (rc == 1)
                return 1;
            break;
        default:
            rc = 0;   /* passed over */
        }
        if (rc < 0)
            return rc;
    }
}

/* ---- The public calls -------------------------------------------------------- */

int synack_capture_open(const char *path, struct synack_capture **out, char *err, size_t errlen)
{
    *out = NULL;
    struct synack_capture *c = calloc(1, sizeof *c);
    if (!c) {
        set_text(err, errlen, "out of memory");
        return -SYNACK_ENOMEM;
    }
    c->file = fopen(path, "rb");
    if (!c->file) {
        int e = errno;
        snprintf(c->error_text, sizeof c->error_text, "cannot open it: %s", strerror(e));
        set_text(err, errlen, c->error_text);
        free(c);
        return e == ENOENT ? -SYNACK_ENOENT : e == EACCES || e == EPERM ? -SYNACK_EPERM : -SYNACK_EIO;
    }
    uint8_t m[12];
    size_t got = read_bytes(c, m, 4);
    int rc = 0;
    if (got < 4) {
        if (ferror(c->file))
            rc = io_error(c, err, errlen);
        else if (got == 0)
            rc = fail(c, err, errlen, -SYNACK_EINVAL, "empty file: not a pcap or pcapng capture");
        else
            rc = fail(c, err, errlen, -SYNACK_EINVAL, "file of %zu bytes is too short for a capture header", got);
    } else {
        uint32_t magic = be32(m);
        switch (magic) {
        case 0xa1b2c3d4u: c->big_endian = true; break;
        case 0xd4c3b2a1u: break;
        case 0xa1b23c4du: c->big_endian = true; c->nanoseconds = true; break;
        case 0x4d3cb2a1u: c->nanoseconds = true; break;
        case PCAPNG_SHB: c->format = FORMAT_PCAPNG; break;
        default:
            if (m[0] == 0x1f && m[1] == 0x8b)
                rc = fail(c, err, errlen, -SYNACK_EINVAL, "a gzip-compressed file: decompress it first");
            else
                rc = fail(c, err, errlen, -SYNACK_EINVAL,
                          "not a pcap or pcapng capture (it starts %02x %02x %02x %02x)", m[0], m[1], m[2], m[3]);
        }
        if (rc == 0 && c->format == FORMAT_PCAP) {
            rc = open_pcap(c, m, err, errlen);
        } else if (rc == 0) {
            /* The first block must be a Section Header Block; read it now so
             * that a file that is not pcapng fails at open. */
            uint32_t type;
            size_t len;
            rc = read_block(c, m, 4, 0, &type, &len, err, errlen);
            if (rc > 0)
                rc = handle_shb(c, c->buf, len, 0, err, errlen);
        }
    }
    if (rc < 0) {
        synack_capture_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

int synack_capture_next(struct synack_capture *c, struct synack_captured_packet *p, char *err, size_t errlen)
{
    if (c->error) {
        set_text(err, errlen, c->error_text);
        return c->error;
    }
    return c->format == FORMAT_PCAP ? next_pcap(c, p, err, errlen) : next_pcapng(c, p, err, errlen);
}

void synack_capture_close(struct synack_capture *c)
{
    if (!c)
        return;
    if (c->file)
        fclose(c->file);
    free(c->ifaces);
    free(c->buf);
    free(c);
}

const struct synack_capture_stats *synack_capture_stats(const struct synack_capture *c)
{
    return &c->stats;
}
