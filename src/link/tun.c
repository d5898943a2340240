/*
 * tun.c — the Linux TUN driver: /dev/net/tun with IFF_TUN | IFF_NO_PI, so
 * each read or write is exactly one IP packet, IPv4 or IPv6 (the kernel
 * tells them apart by the version nibble).  The handle serves TAP devices
 * too (tap.c opens them: each read or write is then one Ethernet frame).
 * Everything is done by tundev.c; see there for the offloads.
 */
#include "synack/tun.h"

#include <stdlib.h>

#include "synack/errors.h"
#include "tundev.h"

struct synack_tun {
    struct tundev dev;
};

int tundev_handle_open(const char *name, enum tundev_kind kind, unsigned flags, struct synack_tun **out)
{
    if (!name || !out)
        return -SYNACK_EINVAL;
    struct synack_tun *t = calloc(1, sizeof *t);
    if (!t)
        return -SYNACK_ENOMEM;
    int rc = tundev_open(&t->dev, name, kind, (flags & SYNACK_TUN_OFFLOAD) != 0);
    if (rc < 0) {
        free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int synack_tun_open_ex(const char *name, unsigned flags, struct synack_tun **out)
{
    return tundev_handle_open(name, TUNDEV_TUN, flags, out);
}

int synack_tun_open(const char *name, struct synack_tun **out) { return synack_tun_open_ex(name, 0, out); }

void synack_tun_close(struct synack_tun *tun)
{
    if (!tun)
        return;
    tundev_close(&tun->dev);
    free(tun);
}

int synack_tun_fd(const struct synack_tun *tun) { return tun->dev.fd; }
const char *synack_tun_name(const struct synack_tun *tun) { return tun->dev.name; }
uint32_t synack_tun_mtu(const struct synack_tun *tun) { return tun->dev.mtu; }
bool synack_tun_offloaded(const struct synack_tun *tun) { return tun->dev.offload; }
bool synack_tun_is_tap(const struct synack_tun *tun) { return tun->dev.l2_len != 0; }
const struct synack_tun_stats *synack_tun_stats(const struct synack_tun *tun) { return &tun->dev.stats; }

ssize_t synack_tun_read_ex(struct synack_tun *tun, uint8_t *buf, size_t len, bool *csum_valid)
{
    return tundev_read(&tun->dev, buf, len, csum_valid);
}

ssize_t synack_tun_read(struct synack_tun *tun, uint8_t *buf, size_t len)
{
    return tundev_read(&tun->dev, buf, len, NULL);
}

bool synack_tun_complete_checksum(const struct synack_tun *tun, uint8_t *buf, size_t len)
{
    return tundev_complete_checksum(&tun->dev, buf, len);
}

int synack_tun_write(struct synack_tun *tun, const uint8_t *packet, size_t len)
{
    return tundev_write(&tun->dev, packet, len);
}

int synack_tun_queue(struct synack_tun *tun, const uint8_t *packet, size_t len)
{
    return tundev_queue(&tun->dev, packet, len);
}

int synack_tun_flush(struct synack_tun *tun) { return tundev_flush(&tun->dev); }
