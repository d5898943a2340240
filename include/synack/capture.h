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
    size_t ip_len;               /* bytes captured of it */
    size_t orig_len;             /* its length on the wire, from the record */
    int linktype;                /* LINKTYPE_* of the record's interface */
};

/* Opens a capture.  Returns 0, or a negative synack error with a
 * one-line explanation in err. */
int synack_capture_open(const char *path, struct synack_capture **out, char *err, size_t errlen);
/* The next IP packet: returns 1 and fills *p, 0 at the end of the file,
 * or a negative error with err explaining it (naming the packet number).
 * Records that carry no IP packet (ARP, other link types) are skipped and
 * counted. */
int synack_capture_next(struct synack_capture *c, struct synack_captured_packet *p, char *err, size_t errlen);
void synack_capture_close(struct synack_capture *c);

struct synack_capture_stats {
    uint64_t records;            /* packet records read */
    uint64_t ip_packets;         /* returned */
    uint64_t skipped;            /* not IP, or of a link type not understood */
};
const struct synack_capture_stats *synack_capture_stats(const struct synack_capture *c);

#ifdef __cplusplus
}
#endif
#endif
