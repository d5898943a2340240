/*
 * synack/tun.h — a Linux TUN device as a synack link: raw IP packets,
 * IPv4 and IPv6, in and out of the kernel (IFF_TUN | IFF_NO_PI).  The
 * same handle drives a TAP device (synack/tap.h opens one), whose packets
 * are Ethernet frames; everything below applies to both.
 *
 * Linux only.  Opening needs CAP_NET_ADMIN (or a persistent device owned
 * by the user).  The descriptor is non-blocking; the runtime
 * (synack/runtime.h) drives it, but a program with its own event loop can
 * use these calls directly.
 */
#ifndef SYNACK_TUN_H
#define SYNACK_TUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct synack_tun;

/* Attaches to the TUN device `name`, creating it (non-persistent, gone
 * when closed) if it does not exist.  name may be "" to let the kernel
 * pick one (see synack_tun_name).  Returns 0 and *out, or a negative
 * synack error (-SYNACK_EPERM without CAP_NET_ADMIN, -SYNACK_ENOENT when
 * /dev/net/tun is missing, -SYNACK_EINVAL for a bad name). */
int synack_tun_open(const char *name, struct synack_tun **out);

/* Flags for synack_tun_open_ex. */
enum synack_tun_flags {
    /* IFF_VNET_HDR with checksum and TSO offloads (TCP over IPv4 and
     * IPv6): the kernel may hand us TCP "super-packets" of up to 64 KiB
     * whose checksum it vouches for, and consecutive segments we write
     * are coalesced into such packets that the kernel segments itself
     * (synack_tun_queue/flush).  Falls back to plain packets if the
     * kernel refuses. */
    SYNACK_TUN_OFFLOAD = 1u << 0,
};
int synack_tun_open_ex(const char *name, unsigned flags, struct synack_tun **out);
/* Whether offloads are in use. */
bool synack_tun_offloaded(const struct synack_tun *tun);
/* Whether the device is a TAP device (Ethernet frames), see synack/tap.h. */
bool synack_tun_is_tap(const struct synack_tun *tun);
void synack_tun_close(struct synack_tun *tun);

int synack_tun_fd(const struct synack_tun *tun);
const char *synack_tun_name(const struct synack_tun *tun);
/* The device's MTU as the kernel reports it (1500 if unknown). */
uint32_t synack_tun_mtu(const struct synack_tun *tun);

/* Reads one packet.  Returns its length, 0 when none is waiting, or a
 * negative error.  A packet longer than len is truncated and counted.
 * With offloads, *csum_valid (if not NULL) is set when the kernel vouches
 * for the packet's transport checksum (which may then be left partial). */
ssize_t synack_tun_read(struct synack_tun *tun, uint8_t *buf, size_t len);
ssize_t synack_tun_read_ex(struct synack_tun *tun, uint8_t *buf, size_t len, bool *csum_valid);
/* With offloads, the kernel may leave the transport checksum of the
 * packet just read partial (it vouches for it): this completes it in
 * buf, so that a capture shows what a wire would.  Returns whether it
 * changed anything. */
bool synack_tun_complete_checksum(const struct synack_tun *tun, uint8_t *buf, size_t len);
/* Writes one packet.  Returns 0, -SYNACK_EAGAIN when the device queue is
 * full (the packet is dropped and counted), or another negative error. */
int synack_tun_write(struct synack_tun *tun, const uint8_t *packet, size_t len);
/* Queues one packet for writing: with offloads, consecutive full-sized
 * segments of one TCP flow are merged into a super-packet of up to 64 KiB;
 * otherwise (or for anything else) it is written at once.  Returns as
 * synack_tun_write. */
int synack_tun_queue(struct synack_tun *tun, const uint8_t *packet, size_t len);
/* Writes what synack_tun_queue holds back.  Call before sleeping. */
int synack_tun_flush(struct synack_tun *tun);

struct synack_tun_stats {
    uint64_t rx_packets, rx_bytes, rx_truncated, rx_errors;
    uint64_t tx_packets, tx_bytes, tx_dropped_full, tx_errors;
    uint64_t rx_super_packets;      /* offload: GSO packets received */
    uint64_t tx_super_packets;      /* offload: coalesced packets written */
    uint64_t tx_segments_coalesced; /* offload: segments they carried */
};
const struct synack_tun_stats *synack_tun_stats(const struct synack_tun *tun);

#ifdef __cplusplus
}
#endif
#endif
