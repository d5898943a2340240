/*
 * tundev.h — what the TUN and TAP drivers share (tundev.c): a descriptor
 * of /dev/net/tun attached to one device, the virtio-net header and its
 * offloads, the merging of TCP segments into TSO super-packets, the
 * counters.  The only difference between the two kinds is what a read or
 * write carries: an IP packet (TUN, IFF_TUN | IFF_NO_PI) or an Ethernet
 * II frame without FCS (TAP, IFF_TAP | IFF_NO_PI), i.e. how many bytes of
 * link header come before the IP header (l2_len: 0 or 14).
 *
 * synack/tun.h and synack/tap.h are thin public faces of this; the
 * runtime drives both kinds through it directly.
 */
#ifndef SYNACK_LINK_TUNDEV_H
#define SYNACK_LINK_TUNDEV_H

#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "synack/tun.h"

#define TUNDEV_ETH_HLEN 14
/* The largest IP packet (64 KiB, a super-packet), its link header and the
 * virtio-net header are all that one read or write can carry. */
#define TUNDEV_MAX_IP 65535
#define TUNDEV_MAX_FRAME (TUNDEV_MAX_IP + TUNDEV_ETH_HLEN)

enum tundev_kind { TUNDEV_TUN, TUNDEV_TAP };

/* A super-packet being assembled from consecutive segments of one flow. */
struct tundev_coalescer {
    uint8_t pkt[TUNDEV_MAX_FRAME];   /* link header, IP header, TCP header, payload so far */
    size_t len;                      /* bytes in pkt; 0 = nothing pending */
    size_t hdr_len;                  /* link + IP + TCP header bytes */
    size_t ip_hlen;                  /* 20 (IPv4) or 40 (IPv6) */
    uint16_t gso_size;               /* payload of each segment but the last */
    uint32_t next_seq;
    unsigned segs;
};

struct tundev {
    int fd;
    char name[IF_NAMESIZE];
    uint32_t mtu;                    /* the device's: the largest IP packet */
    bool offload;                    /* the virtio-net header is in use */
    uint8_t l2_len;                  /* 0 (TUN) or TUNDEV_ETH_HLEN (TAP) */
    struct synack_tun_stats stats;
    struct virtio_net_hdr rxhdr;     /* the last packet read's, with offloads */
    struct tundev_coalescer co;
};

/* Attaches to device `name` of the given kind (creating it if it does not
 * exist; "" lets the kernel name it), with offloads if asked and the
 * kernel agrees, else plain.  d is the caller's (it is large: allocate
 * it).  Returns 0 or a negative synack error (-SYNACK_EPERM without
 * CAP_NET_ADMIN, -SYNACK_ENOENT without /dev/net/tun, -SYNACK_EINVAL for a
 * bad name or a device of the other kind). */
int tundev_open(struct tundev *d, const char *name, enum tundev_kind kind, bool offload);
void tundev_close(struct tundev *d);

/* As synack_tun_read_ex. */
ssize_t tundev_read(struct tundev *d, uint8_t *buf, size_t len, bool *csum_valid);
/* Completes the transport checksum of the packet just read into buf when
 * the kernel left it partial (VIRTIO_NET_HDR_F_NEEDS_CSUM: the field
 * holds the pseudo-header sum, to be summed over from csum_start), so that
 * a capture shows what a wire would.  Returns whether it changed it. */
bool tundev_complete_checksum(const struct tundev *d, uint8_t *buf, size_t len);
/* As synack_tun_write, _queue and _flush. */
int tundev_write(struct tundev *d, const uint8_t *packet, size_t len);
int tundev_queue(struct tundev *d, const uint8_t *packet, size_t len);
int tundev_flush(struct tundev *d);

/* Allocates a public handle (synack/tun.h) around a device of the given
 * kind, opened with SYNACK_TUN_* flags (tun.c). */
int tundev_handle_open(const char *name, enum tundev_kind kind, unsigned flags, struct synack_tun **out);

/* The hardware address of interface `name` (SIOCGIFHWADDR).  Returns 0 or
 * a negative synack error. */
int tundev_hwaddr(const char *name, uint8_t mac[6]);

#endif
