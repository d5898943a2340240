/*
 * synack/capture.h — reading packet captures: classic pcap (either byte
 * order, microsecond or nanosecond timestamps) and pcapng, with the link
 * layers tcpdump and Wireshark write most: Ethernet (with 802.1Q tags),
 * raw IP, Linux cooked (SLL and SLL2), BSD loopback/null.
 *
 * Each packet comes back as the IP packet it carries, with its time and
 * its number in the file (1-based, as Wireshark counts), so that tools
 * can decode it with synack/packet.h.  A malformed or truncated file is
 * an error whose message names the packet number; it never crashes.
 *
 *   formats      classic pcap (magic a1b2c3d4 µs, a1b23c4d ns; either byte
 *                order); pcapng (any number of sections, either byte order;
 *                Enhanced, Simple and obsolete Packet Blocks; if_tsresol
 *                10^-n and 2^-n, if_tsoffset; other blocks passed over)
 *   link types   0 BSD null, 1 Ethernet (802.1Q/802.1ad tags), 12/14/101
 *                raw IP, 108 OpenBSD loop, 113 Linux SLL, 228 IPv4,
 *                229 IPv6, 276 Linux SLL2
 *   bounds       a record of more than 256 KiB, or more than its snapshot
 *                length + 64, is an error; so is a pcapng block whose two
 *                lengths differ, or that is read whole and exceeds 320 KiB
 *                (other blocks: 16 MiB)
 *
 * IPv4 and IPv6 packets are returned; records carrying anything else
 * (ARP, say) are skipped and counted.  A Simple Packet Block has no
 * timestamp: it is given the time of the packet before it.
 */
#ifndef SYNACK_CAPTURE_H
#define SYNACK_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include "synack/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

struct synack_capture;

struct synack_captured_packet {
    uint64_t number;             /* 1-based position in the file */
    synack_time_us when;         /* timestamp, microseconds since the epoch */
    const uint8_t *ip;           /* the IP packet (link header removed); valid until the next call */
    size_t ip_len;               /* bytes captured of it (cut to the length its IP header
                                  * states: no Ethernet padding or FCS) */
    size_t orig_len;             /* its length on the wire: the IPv4 total length or 40 +
                                  * the IPv6 payload length, or when that is unreadable
                                  * (or 0), the record's original length less the link
                                  * header */
    int linktype;                /* LINKTYPE_* of the record's interface */
};

/* Opens a capture and reads its file header (or first Section Header
 * Block).  Returns 0, or a negative synack error (-SYNACK_ENOENT,
 * -SYNACK_EPERM, -SYNACK_EIO for the file, -SYNACK_EINVAL when it is not
 * a capture) with a one-line explanation in err. */
int synack_capture_open(const char *path, struct synack_capture **out, char *err, size_t errlen);
/* The next IP packet: returns 1 and fills *p, 0 at the end of the file,
 * or a negative error with err explaining it (naming the packet number).
 * Records that carry no IP packet (ARP, other link types) are skipped and
 * counted.  Errors are -SYNACK_EINVAL (malformed or truncated),
 * -SYNACK_EMSGSIZE (a record over the bounds), -SYNACK_EIO, -SYNACK_ENOMEM;
 * once one is returned, every later call returns it again. */
int synack_capture_next(struct synack_capture *c, struct synack_captured_packet *p, char *err, size_t errlen);
void synack_capture_close(struct synack_capture *c);

struct synack_capture_stats {
    uint64_t records;            /* packet records read */
    uint64_t ip_packets;         /* returned, IPv4 and IPv6 */
    uint64_t ipv6;               /* of the returned: IPv6 */
    uint64_t skipped;            /* not IP, or of a link type not understood */
    uint64_t unknown_link;       /* of the skipped: a link type this reader does not take apart */
};
const struct synack_capture_stats *synack_capture_stats(const struct synack_capture *c);

#ifdef __cplusplus
}
#endif
#endif
