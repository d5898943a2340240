/*
 * tundev.c — /dev/net/tun for the TUN and TAP drivers; see tundev.h.
 *
 * Offloads: with IFF_VNET_HDR every packet is preceded by a struct
 * virtio_net_hdr.  Inbound, TUNSETOFFLOAD (TUN_F_CSUM | TUN_F_TSO4 |
 * TUN_F_TSO6) lets the kernel skip segmentation and checksums: a TCP
 * "super-packet" of up to 64 KiB, IPv4 or IPv6, arrives in one read, its
 * checksum vouched for (VIRTIO_NET_HDR_F_NEEDS_CSUM or _DATA_VALID) but
 * possibly left partial.  Outbound, tundev_queue merges consecutive
 * full-sized segments of one TCP flow into one packet with gso_type
 * TCPV4 or TCPV6 and gso_size = the segment size, and the kernel cuts it
 * up again: one system call per 64 KiB instead of per segment.  A shorter
 * last segment may join a run of full-sized ones, but never a lone segment
 * longer than it: a router forwards or drops a GSO packet whole (when its
 * segment size exceeds the next hop's MTU), and a path MTU probe (RFC
 * 4821), which is longer than the segments after it, must be lost alone if
 * it is lost (the pmtu lane's rule, made for tun.c).  On TAP
 * the same header describes an Ethernet frame: its offsets (hdr_len,
 * csum_start) count from the frame's first byte, and the frames merged
 * must have the same Ethernet header.
 */
#define _GNU_SOURCE
#include "tundev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "synack/errors.h"
#include "../core/byteorder.h"
#include "../core/checksum.h"

#define VNET_HDR_LEN ((int)sizeof(struct virtio_net_hdr))
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define IP_PROTO_TCP 6
#define TCP_ACK 0x10
#define TCP_PSH 0x08

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

/* ioctl on an ordinary socket for interface `name` (SIOCGIFMTU, ...). */
static int if_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return errno_to_synack(errno);
    memset(ifr, 0, sizeof *ifr);
    snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
    int rc = ioctl(s, req, ifr) == 0 ? 0 : errno_to_synack(errno);
    close(s);
    return rc;
}

static uint32_t query_mtu(const char *name)
{
    struct ifreq ifr;
    if (if_ioctl(name, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 68 && ifr.ifr_mtu <= 65535)
        return (uint32_t)ifr.ifr_mtu;
    return 1500;
}

int tundev_hwaddr(const char *name, uint8_t mac[6])
{
    struct ifreq ifr;
    int rc = if_ioctl(name, SIOCGIFHWADDR, &ifr);
    if (rc == 0)
        memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    return rc;
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
    unsigned off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
    return ioctl(fd, TUNSETVNETHDRSZ, &hdrlen) == 0 && ioctl(fd, TUNSETOFFLOAD, off) == 0;
}

int tundev_open(struct tundev *d, const char *name, enum tundev_kind kind, bool offload)
{
    if (!d || !name || strlen(name) >= IFNAMSIZ)
        return -SYNACK_EINVAL;
    short mode = (short)((kind == TUNDEV_TAP ? IFF_TAP : IFF_TUN) | IFF_NO_PI);
    char actual[IFNAMSIZ];
    bool on = false;
    int fd = -1;
    if (offload) {
        fd = attach(name, (short)(mode | IFF_VNET_HDR), actual);
        if (fd >= 0 && enable_offload(fd)) {
            on = true;
        } else if (fd >= 0) {
            close(fd);
            fd = -1;
        }
    }
    if (fd < 0)
        fd = attach(name, mode, actual);   /* plain, or the fallback */
    if (fd < 0)
        return fd;
    memset(d, 0, sizeof *d);
    d->fd = fd;
    d->offload = on;
    d->l2_len = kind == TUNDEV_TAP ? TUNDEV_ETH_HLEN : 0;
    memcpy(d->name, actual, IFNAMSIZ);
    d->mtu = query_mtu(d->name);
    return 0;
}

void tundev_close(struct tundev *d)
{
    if (d && d->fd >= 0)
        close(d->fd);
    if (d)
        d->fd = -1;
}

ssize_t tundev_read(struct tundev *d, uint8_t *buf, size_t len, bool *csum_valid)
{
    struct iovec iov[2] = { { &d->rxhdr, VNET_HDR_LEN }, { buf, len } };
    int iovcnt = d->offload ? 2 : 1;
    struct iovec *v = d->offload ? iov : iov + 1;
    if (csum_valid)
        *csum_valid = false;
    for (;;) {
        ssize_t n = readv(d->fd, v, iovcnt);
        if (n >= 0) {
            if (d->offload) {
                if (n < VNET_HDR_LEN) {
                    d->stats.rx_errors++;
                    return 0;
                }
                n -= VNET_HDR_LEN;
                const struct virtio_net_hdr *h = &d->rxhdr;
                if (csum_valid)
                    *csum_valid = (h->flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID)) != 0;
                if ((h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE)
                    d->stats.rx_super_packets++;
            }
            if ((size_t)n > len)
                d->stats.rx_truncated++;
            d->stats.rx_packets++;
            d->stats.rx_bytes += (uint64_t)n;
            return n;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        d->stats.rx_errors++;
        return errno_to_synack(errno);
    }
}

bool tundev_complete_checksum(const struct tundev *d, uint8_t *buf, size_t len)
{
    const struct virtio_net_hdr *h = &d->rxhdr;
    if (!d->offload || !(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
        return false;
    size_t start = h->csum_start, at = start + h->csum_offset;
    if (start >= len || at + 2 > len)
        return false;
    /* The field holds the pseudo-header sum, folded but not complemented:
     * summing from csum_start over it and the rest gives the checksum. */
    uint16_t c = csum_finish(csum_add(0, buf + start, len - start));
    if (h->csum_offset == 6 && c == 0)
        c = 0xffff;   /* UDP (RFC 768, RFC 8200 §8.1): a computed zero is sent as all ones */
    put_be16(buf + at, c);
    return true;
}

static int write_with_header(struct tundev *d, const struct virtio_net_hdr *h, const uint8_t *packet, size_t len,
                             unsigned segs)
{
    struct iovec iov[2] = { { (void *)h, VNET_HDR_LEN }, { (void *)packet, len } };
    int iovcnt = d->offload ? 2 : 1;
    struct iovec *v = d->offload ? iov : iov + 1;
    for (;;) {
        ssize_t n = writev(d->fd, v, iovcnt);
        if (n >= 0) {
            d->stats.tx_packets++;
            d->stats.tx_bytes += len;
            if (segs > 1) {
                d->stats.tx_super_packets++;
                d->stats.tx_segments_coalesced += segs;
            }
            return 0;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            d->stats.tx_dropped_full++;
            return -SYNACK_EAGAIN;
        }
        d->stats.tx_errors++;
        return errno_to_synack(errno);
    }
}

int tundev_write(struct tundev *d, const uint8_t *packet, size_t len)
{
    struct virtio_net_hdr h;
    memset(&h, 0, sizeof h);                      /* a plain packet, checksum complete */
    return write_with_header(d, &h, packet, len, 1);
}

/* ---- coalescing (TSO towards the kernel) ---- */

/* A plain TCP data segment that may join a super-packet: IPv4 without
 * options or fragmentation, or IPv6 with TCP as the first next header;
 * payload present; only ACK and PSH set.  Returns the header length (link
 * + IP + TCP) and the IP header's in *ip_hlen, or 0. */
static size_t segment_header_len(const uint8_t *frame, size_t len, size_t l2, size_t *ip_hlen)
{
    if (len < l2 + 41)
        return 0;
    const uint8_t *p = frame + l2;
    size_t iplen = len - l2;
    uint16_t ethertype = l2 ? get_be16(frame + 12) : 0;
    size_t ihl;
    if (p[0] == 0x45 && (!l2 || ethertype == ETHERTYPE_IPV4)) {
        if (p[9] != IP_PROTO_TCP || (get_be16(p + 6) & 0x3fff) != 0 || get_be16(p + 2) != iplen)
            return 0;
        ihl = 20;
    } else if (p[0] >> 4 == 6 && (!l2 || ethertype == ETHERTYPE_IPV6)) {
        if (p[6] != IP_PROTO_TCP || (size_t)get_be16(p + 4) + 40 != iplen)
            return 0;
        ihl = 40;
    } else {
        return 0;
    }
    if (iplen <= ihl + 20)
        return 0;
    const uint8_t *t = p + ihl;
    size_t thl = (size_t)(t[12] >> 4) * 4;
    uint8_t flags = t[13];
    if (thl < 20 || ihl + thl >= iplen)
        return 0;
    if (!(flags & TCP_ACK) || (flags & ~(TCP_ACK | TCP_PSH)))
        return 0;                                 /* SYN, FIN, RST, URG, ECE, CWR go alone */
    *ip_hlen = ihl;
    return l2 + ihl + thl;
}

/* Whether the IP headers of two segments of one super-packet agree on
 * everything the kernel copies into each segment it cuts. */
static bool same_ip_header(const uint8_t *p, const uint8_t *q, size_t ihl)
{
    if (ihl == 20)   /* addresses, TOS, TTL, DF */
        return memcmp(p + 12, q + 12, 8) == 0 && p[1] == q[1] && p[8] == q[8] && p[6] == q[6];
    /* version, traffic class, flow label; hop limit; addresses */
    return memcmp(p, q, 4) == 0 && p[7] == q[7] && memcmp(p + 8, q + 8, 32) == 0;
}

static bool joins(const struct tundev_coalescer *co, const uint8_t *frame, size_t len, size_t hdr, size_t l2,
                  size_t ihl)
{
    if (!co->len || hdr != co->hdr_len || ihl != co->ip_hlen || co->len + (len - hdr) > TUNDEV_MAX_FRAME ||
        co->len - l2 + (len - hdr) > TUNDEV_MAX_IP)
        return false;
    const uint8_t *p = frame + l2, *q = co->pkt + l2;
    const uint8_t *t = p + ihl, *u = q + ihl;
    /* Same link header, same flow, same IP fields, same ACK and window
     * and options; the next sequence number; the held segments all
     * full-sized and no PSH. */
    if (memcmp(frame, co->pkt, l2) != 0 || !same_ip_header(p, q, ihl) || memcmp(t, u, 4) != 0 ||
        memcmp(t + 8, u + 8, 4) != 0 || memcmp(t + 14, u + 14, 2) != 0 ||
        memcmp(t + 20, u + 20, hdr - l2 - ihl - 20) != 0)
        return false;
    if (get_be32(t + 4) != co->next_seq || (u[13] & TCP_PSH))
        return false;
    if (len - hdr < co->gso_size && co->segs == 1)
        return false;                             /* the lone segment may be a path MTU probe */
    return len - hdr <= co->gso_size && co->len - co->hdr_len == (size_t)co->segs * co->gso_size;
}

int tundev_flush(struct tundev *d)
{
    struct tundev_coalescer *co = &d->co;
    if (!co->len)
        return 0;
    struct virtio_net_hdr h;
    memset(&h, 0, sizeof h);
    int rc;
    if (co->segs == 1) {
        rc = write_with_header(d, &h, co->pkt, co->len, 1);
    } else {
        size_t l2 = d->l2_len, ihl = co->ip_hlen;
        uint8_t *p = co->pkt + l2;
        size_t tcp_len = co->len - l2 - ihl;
        struct synack_addr src, dst;
        if (ihl == 20) {
            /* IPv4 header of the whole, checksum recomputed. */
            put_be16(p + 2, (uint16_t)(co->len - l2));
            put_be16(p + 10, 0);
            put_be16(p + 10, csum_finish(csum_add(0, p, 20)));
            src = synack_addr_v4_u32(get_be32(p + 12));
            dst = synack_addr_v4_u32(get_be32(p + 16));
            h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
        } else {
            put_be16(p + 4, (uint16_t)tcp_len);   /* IPv6 payload length */
            src = synack_addr_v6(p + 8);
            dst = synack_addr_v6(p + 24);
            h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
        }
        /* TCP checksum left partial: the pseudo-header sum over the whole
         * length (RFC 9293 §3.1; RFC 8200 §8.1 for IPv6), which the kernel
         * adjusts for each segment it cuts. */
        uint64_t ps = csum_pseudo(&src, &dst, IP_PROTO_TCP, (uint32_t)tcp_len);
        put_be16(p + ihl + 16, (uint16_t)~csum_finish(ps));   /* folded, not complemented */
        h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        h.hdr_len = (uint16_t)co->hdr_len;
        h.gso_size = co->gso_size;
        h.csum_start = (uint16_t)(l2 + ihl);
        h.csum_offset = 16;
        rc = write_with_header(d, &h, co->pkt, co->len, co->segs);
    }
    co->len = 0;
    co->segs = 0;
    return rc;
}

int tundev_queue(struct tundev *d, const uint8_t *packet, size_t len)
{
    if (!d->offload)
        return tundev_write(d, packet, len);
    struct tundev_coalescer *co = &d->co;
    size_t l2 = d->l2_len, ihl = 0;
    size_t hdr = segment_header_len(packet, len, l2, &ihl);
    if (hdr && joins(co, packet, len, hdr, l2, ihl)) {
        memcpy(co->pkt + co->len, packet + hdr, len - hdr);
        co->len += len - hdr;
        co->segs++;
        co->next_seq += (uint32_t)(len - hdr);
        uint8_t flags = packet[l2 + ihl + 13];
        co->pkt[l2 + ihl + 13] |= flags & TCP_PSH;   /* PSH of the last segment */
        if (len - hdr < co->gso_size || (flags & TCP_PSH) || co->len - l2 + co->gso_size > TUNDEV_MAX_IP)
            return tundev_flush(d);
        return 0;
    }
    int rc = tundev_flush(d);
    if (!hdr) {
        int wrc = tundev_write(d, packet, len);
        return wrc < 0 ? wrc : rc;   /* as synack_tun_write: its own error */
    }
    memcpy(co->pkt, packet, len);
    co->len = len;
    co->hdr_len = hdr;
    co->ip_hlen = ihl;
    co->gso_size = (uint16_t)(len - hdr);
    co->segs = 1;
    co->next_seq = get_be32(packet + l2 + ihl + 4) + (uint32_t)(len - hdr);
    if (packet[l2 + ihl + 13] & TCP_PSH)
        return tundev_flush(d);
    return rc;
}
