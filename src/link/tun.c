/*
 * tun.c — the Linux TUN driver: /dev/net/tun with IFF_TUN | IFF_NO_PI, so
 * each read or write is exactly one IP packet.
 *
 * Offloads (IFF_VNET_HDR with TSO/GSO super-packets) and multiple queues
 * (IFF_MULTI_QUEUE) would attach here: a virtio-net header in front of
 * each packet, segmented or coalesced in this file.  They are not used
 * yet; see the note on issue 4 for the measurements that will decide.
 */
#define _GNU_SOURCE
#include "synack/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "synack/errors.h"

struct synack_tun {
    int fd;
    char name[IFNAMSIZ];
    uint32_t mtu;
    struct synack_tun_stats stats;
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
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    uint32_t mtu = 1500;
    if (ioctl(s, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 68 && ifr.ifr_mtu <= 65535)
        mtu = (uint32_t)ifr.ifr_mtu;
    close(s);
    return mtu;
}

int synack_tun_open(const char *name, struct synack_tun **out)
{
    if (!name || strlen(name) >= IFNAMSIZ || !out)
        return -SYNACK_EINVAL;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno_to_synack(errno);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return errno_to_synack(e);
    }
    struct synack_tun *t = calloc(1, sizeof *t);
    if (!t) {
        close(fd);
        return -SYNACK_ENOMEM;
    }
    t->fd = fd;
    memcpy(t->name, ifr.ifr_name, IFNAMSIZ);
    t->name[IFNAMSIZ - 1] = '\0';
    t->mtu = query_mtu(t->name);
    *out = t;
    return 0;
}

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
const struct synack_tun_stats *synack_tun_stats(const struct synack_tun *tun) { return &tun->stats; }

ssize_t synack_tun_read(struct synack_tun *tun, uint8_t *buf, size_t len)
{
    for (;;) {
        ssize_t n = read(tun->fd, buf, len);
        if (n >= 0) {
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

int synack_tun_write(struct synack_tun *tun, const uint8_t *packet, size_t len)
{
    for (;;) {
        ssize_t n = write(tun->fd, packet, len);
        if (n >= 0) {
            tun->stats.tx_packets++;
            tun->stats.tx_bytes += len;
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
