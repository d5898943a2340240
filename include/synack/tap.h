/*
 * synack/tap.h — a Linux TAP device as a synack link: Ethernet II frames
 * (without FCS) in and out of the kernel (IFF_TAP | IFF_NO_PI).
 *
 * The device is the kernel's Ethernet interface; synack is another host
 * on the same wire, behind it, with a MAC address of its own (the
 * device's belongs to the kernel's side).  The stack does ARP and
 * neighbour discovery itself (an interface of type SYNACK_LINK_ETHERNET).
 *
 * A TAP device is driven by the calls of synack/tun.h on the handle
 * synack_tap_open returns (read, write, queue, flush, fd, mtu, stats):
 * each packet is then a whole frame.  The device's MTU is the largest IP
 * packet a frame carries (1500 by default); a frame is 14 bytes more.
 * With SYNACK_TUN_OFFLOAD the virtio-net header is used as on TUN (64 KiB
 * TCP super-packets each way, checksums vouched for).
 *
 * Linux only; opening needs CAP_NET_ADMIN (or a persistent device owned
 * by the user).
 */
#ifndef SYNACK_TAP_H
#define SYNACK_TAP_H

#include <stdint.h>
#include "synack/tun.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Attaches to the TAP device `name`, creating it (non-persistent) if it
 * does not exist; flags are synack_tun_flags.  Returns 0 and *out (close
 * it with synack_tun_close), or a negative synack error as
 * synack_tun_open_ex (-SYNACK_EINVAL also when `name` is a TUN device). */
int synack_tap_open(const char *name, unsigned flags, struct synack_tun **out);

/* The device's own MAC address: the kernel's side of the wire.  Returns 0
 * or a negative error. */
int synack_tap_device_mac(const struct synack_tun *tap, uint8_t mac[6]);

/* A MAC address for synack's side: locally administered and unicast
 * (IEEE 802: the second-lowest bit of the first octet set, the lowest
 * clear), derived from `secret` and `index` (the same pair gives the
 * same address, so a restarted program keeps its neighbours' caches
 * valid), and never equal to `avoid` (the device's, may be NULL). */
void synack_tap_make_mac(uint64_t secret, unsigned index, const uint8_t *avoid, uint8_t mac[6]);

#ifdef __cplusplus
}
#endif
#endif
