/*
 * tun.c — the Linux TUN driver: /dev/net/tun with IFF_TUN | IFF_NO_PI, so
 * each read or write is exactly one IP packet.
 *
 * Offloads (SYNACK_TUN_OFFLOAD): with IFF_VNET_HDR every packet is
 * preceded by a struct virtio_net_hdr.  Inbound, TUNSETOFFLOAD (TUN_F_CSUM
 * | TUN_F_TSO4) lets the kernel skip segmentation and checksums: a TCP
 * "super-packet" of up to 64 KiB arrives in one read, its checksum
 * vouched for (VIRTIO_NET_HDR_F_NEEDS_CSUM or _DATA_VALID) but possibly
 * left partial.  Outbound, synack_tun_queue merges consecutive full-sized
 * segments of one TCP flow into one packet with gso_type TCPV4 and
 * gso_size = the segment size, and the kernel cuts it up again: one
 * system call per 64 KiB instead of per segment.  A shorter last segment
 * may join a run of full-sized ones, but never a lone segment longer than
 * it: a router forwards or drops a GSO packet whole (when its segment size
 * exceeds the next hop's MTU), and a path MTU probe (RFC 4821), which is
 * longer than the segments after it, must be lost alone if it is lost.
 */
#define _GNU_SOURCE
#include "synack/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "synack/errors.h"
#include "byteorder.h"
#include "checksum.h"

#define VNET_HDR_LEN ((int)sizeof(struct virtio_net_hdr))
#define MAX_PACKET 65535

/* A super-packet being assembled from consecutive segments. */
struct coalescer {
    uint8_t pkt[MAX_PACKET];   /* IP header, TCP header, payload so far */
    size_t len;                /* bytes in pkt; 0 = nothing pending */
    size_t hdr_len;            /* IP + TCP header bytes */
    uint16_t gso_size;         /* payload of each segment but the last */
    uint32_t next_seq;
    unsigned segs;
};

struct synack_tun {
    int fd;
    char name[IFNAMSIZ];
    uint32_t mtu;
    bool offload;
    struct synack_tun_stats stats;
    struct coalescer co;
    uint8_t rxhdr[VNET_HDR_LEN];
};

static int errno_to_synack(int e)
{
    switch (e) {
    case EPERM:
    case EACCES:
        return -SYNACK_EPERM;
    case ENOENT:
    case ENODEV:
        return -SYNACK_ENOENT;
    case EAGAIN:
        return -SYNACK_EAGAIN;
    case ENOMEM:
        return -SYNACK_ENOMEM;
    case ENOBUFS:
        return -SYNACK_ENOBUFS;
    case EMSGSIZE:
        return -SYNACK_EMSGSIZE;
    case EBUSY:
        return -SYNACK_EADDRINUSE;
    default:
        return -SYNACK_EINVAL;
    }
}

static uint32_t query_mtu(const char *name)
{
    struct ifreq ifr;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return 1500;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    uint32_t mtu = 1500;
    if (ioctl(s, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 68 && ifr.ifr_mtu <= 65535)
        mtu = (uint32_t)ifr.ifr_mtu;
    close(s);
    return mtu;
}

/* Opens /dev/net/tun and attaches to `name` with the given flags. */
static int attach(const char *name, short flags, char *actual)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno_to_synack(errno);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = flags;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return errno_to_synack(e);
    }
    memcpy(actual, ifr.ifr_name, IFNAMSIZ);
    actual[IFNAMSIZ - 1] = '\0';
    return fd;
}

static bool enable_offload(int fd)
{
    int hdrlen = VNET_HDR_LEN;
    unsigned off = TUN_F_CSUM | TUN_F_TSO4;
    return ioctl(fd, TUNSETVNETHDRSZ, &hdrlen) == 0 && ioctl(fd, TUNSETOFFLOAD, off) == 0;
}

int synack_tun_open_ex(const char *name, unsigned flags, struct synack_tun **out)
{
    if (!name || strlen(name) >= IFNAMSIZ || !out)
        return -SYNACK_EINVAL;
    char actual[IFNAMSIZ];
    bool offload = false;
    int fd = -1;
    if (flags & SYNACK_TUN_OFFLOAD) {
        fd = attach(name, IFF_TUN | IFF_NO_PI | IFF_VNET_HDR, actual);
        if (fd >= 0 && enable_offload(fd)) {
            offload = true;
        } else if (fd >= 0) {
            close(fd);
            fd = -1;
        }
    }
    if (fd < 0)
        fd = attach(name, IFF_TUN | IFF_NO_PI, actual);   /* plain, or the fallback */
    if (fd < 0)
        return fd;
    struct synack_tun *t = calloc(1, sizeof *t);
    if (!t) {
        close(fd);
        return -SYNACK_ENOMEM;
    }
    t->fd = fd;
    t->offload = offload;
    memcpy(t->name, actual, IFNAMSIZ);
    t->mtu = query_mtu(t->name);
    *out = t;
    return 0;
}

int synack_tun_open(const char *name, struct synack_tun **out) { return synack_tun_open_ex(name, 0, out); }

void synack_tun_close(struct synack_tun *tun)
{
    if (!tun)
        return;
    close(tun->fd);
    free(tun);
}

int synack_tun_fd(const struct synack_tun *tun) { return tun->fd; }
const char *synack_tun_name(const struct synack_tun *tun) { return tun->name; }
uint32_t synack_tun_mtu(const struct synack_tun *tun) { return tun->mtu; }
bool synack_tun_offloaded(const struct synack_tun *tun) { return tun->offload; }
const struct synack_tun_stats *synack_tun_stats(const struct synack_tun *tun) { return &tun->stats; }

ssize_t synack_tun_read_ex(struct synack_tun *tun, uint8_t *buf, size_t len, bool *csum_valid)
{
    struct iovec iov[2] = { { tun->rxhdr, VNET_HDR_LEN }, { buf, len } };
    int iovcnt = tun->offload ? 2 : 1;
    struct iovec *v = tun->offload ? iov : iov + 1;
    if (csum_valid)
        *csum_valid = false;
    for (;;) {
        ssize_t n = readv(tun->fd, v, iovcnt);
        if (n >= 0) {
            if (tun->offload) {
                if (n < VNET_HDR_LEN) {
                    tun->stats.rx_errors++;
                    return 0;
                }
                n -= VNET_HDR_LEN;
                struct virtio_net_hdr h;
                memcpy(&h, tun->rxhdr, sizeof h);
                if (csum_valid)
                    *csum_valid = (h.flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID)) != 0;
                if ((h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE)
                    tun->stats.rx_super_packets++;
            }
            if ((size_t)n > len)
                tun->stats.rx_truncated++;
            tun->stats.rx_packets++;
            tun->stats.rx_bytes += (uint64_t)n;
            return n;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        tun->stats.rx_errors++;
        return errno_to_synack(errno);
    }
}

ssize_t synack_tun_read(struct synack_tun *tun, uint8_t *buf, size_t len)
{
    return synack_tun_read_ex(tun, buf, len, NULL);
}

static int write_with_header(struct synack_tun *tun, const struct virtio_net_hdr *h, const uint8_t *packet,
                             size_t len, unsigned segs)
{
    struct iovec iov[2] = { { (void *)h, VNET_HDR_LEN }, { (void *)packet, len } };
    int iovcnt = tun->offload ? 2 : 1;
    struct iovec *v = tun->offload ? iov : iov + 1;
    for (;;) {
        ssize_t n = writev(tun->fd, v, iovcnt);
        if (n >= 0) {
            tun->stats.tx_packets++;
            tun->stats.tx_bytes += len;
            if (segs > 1) {
                tun->stats.tx_super_packets++;
                tun->stats.tx_segments_coalesced += segs;
            }
            return 0;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            tun->stats.tx_dropped_full++;
            return -SYNACK_EAGAIN;
        }
        tun->stats.tx_errors++;
        return errno_to_synack(errno);
    }
}

int synack_tun_write(struct synack_tun *tun, const uint8_t *packet, size_t len)
{
    struct virtio_net_hdr h;
    memset(&h, 0, sizeof h);                      /* a plain packet, checksum complete */
    return write_with_header(tun, &h, packet, len, 1);
}

/* ---- coalescing (TSO towards the kernel) ---- */

/* A plain IPv4 TCP data segment that may join a super-packet: no IP
 * options, no fragment, payload present, only ACK and PSH set.  Returns
 * the header length (IP + TCP) or 0. */
static size_t segment_header_len(const uint8_t *p, size_t len)
{
    if (len < 40 || p[0] != 0x45 || p[9] != 6 || (get_be16(p + 6) & 0x3fff) != 0 || get_be16(p + 2) != len)
        return 0;
    size_t thl = (size_t)(p[32] >> 4) * 4;
    uint8_t flags = p[33];
    if (thl < 20 || 20 + thl >= len)
        return 0;
    if (!(flags & 0x10) || (flags & ~0x18))
        return 0;                                 /* SYN, FIN, RST, URG, ECE, CWR go alone */
    return 20 + thl;
}

static bool joins(const struct coalescer *co, const uint8_t *p, size_t len, size_t hdr)
{
    if (!co->len || hdr != co->hdr_len || co->len + (len - hdr) > MAX_PACKET)
        return false;
    const uint8_t *q = co->pkt;
    /* Same flow, same TTL/TOS/DF, same ACK and window and options; the
     * next sequence number; the held segments all full-sized and no PSH. */
    if (memcmp(p + 12, q + 12, 8) != 0 || p[1] != q[1] || p[8] != q[8] || p[6] != q[6] ||
        memcmp(p + 20, q + 20, 4) != 0 || memcmp(p + 28, q + 28, 4) != 0 || memcmp(p + 34, q + 34, 2) != 0 ||
        memcmp(p + 40, q + 40, hdr - 40) != 0)
        return false;
    if (get_be32(p + 24) != co->next_seq || (q[33] & 0x08))
        return false;
    if (len - hdr < co->gso_size && co->segs == 1)
        return false;                             /* the lone segment may be a path MTU probe */
    return len - hdr <= co->gso_size && co->len - co->hdr_len == (size_t)co->segs * co->gso_size;
}

int synack_tun_flush(struct synack_tun *tun)
{
    struct coalescer *co = &tun->co;
    if (!co->len)
        return 0;
    struct virtio_net_hdr h;
    memset(&h, 0, sizeof h);
    int rc;
    if (co->segs == 1) {
        rc = write_with_header(tun, &h, co->pkt, co->len, 1);
    } else {
        uint8_t *p = co->pkt;
        size_t tcp_len = co->len - 20;
        /* IP header of the whole, checksum recomputed. */
        put_be16(p + 2, (uint16_t)co->len);
        put_be16(p + 10, 0);
        put_be16(p + 10, csum_finish(csum_add(0, p, 20)));
        /* TCP checksum left partial: the pseudo-header sum over the whole
         * length (RFC 9293 §3.1), which the kernel adjusts for each
         * segment it cuts. */
        struct synack_addr src = synack_addr_v4_u32(get_be32(p + 12)), dst = synack_addr_v4_u32(get_be32(p + 16));
        uint64_t ps = csum_pseudo(&src, &dst, 6, (uint32_t)tcp_len);
        put_be16(p + 36, (uint16_t)~csum_finish(ps));   /* folded, not complemented */
        h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
        h.hdr_len = (uint16_t)co->hdr_len;
        h.gso_size = co->gso_size;
        h.csum_start = 20;
        h.csum_offset = 16;
        rc = write_with_header(tun, &h, p, co->len, co->segs);
    }
    co->len = 0;
    co->segs = 0;
    return rc;
}

int synack_tun_queue(struct synack_tun *tun, const uint8_t *packet, size_t len)
{
    if (!tun->offload)
        return synack_tun_write(tun, packet, len);
    struct coalescer *co = &tun->co;
    size_t hdr = segment_header_len(packet, len);
    if (hdr && joins(co, packet, len, hdr)) {
        memcpy(co->pkt + co->len, packet + hdr, len - hdr);
        co->len += len - hdr;
        co->segs++;
        co->next_seq += (uint32_t)(len - hdr);
        co->pkt[33] |= packet[33] & 0x08;         /* PSH of the last segment */
        if (len - hdr < co->gso_size || (packet[33] & 0x08) || co->len + co->gso_size > MAX_PACKET)
            return synack_tun_flush(tun);
        return 0;
    }
    int rc = synack_tun_flush(tun);
    if (!hdr)
        return synack_tun_write(tun, packet, len) < 0 ? -SYNACK_EAGAIN : rc;
    memcpy(co->pkt, packet, len);
    co->len = len;
    co->hdr_len = hdr;
    co->gso_size = (uint16_t)(len - hdr);
    co->segs = 1;
    co->next_seq = get_be32(packet + 24) + (uint32_t)(len - hdr);
    if (packet[33] & 0x08)
        return synack_tun_flush(tun);
    return rc;
}
