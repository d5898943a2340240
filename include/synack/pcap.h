/*
 * synack/pcap.h — writing classic pcap files that tcpdump, Wireshark and
 * tshark read: LINKTYPE_RAW (each record one IP packet, IPv4 or IPv6: what
 * an IP interface and the trace hooks carry) or LINKTYPE_ETHERNET (each
 * record one Ethernet frame, as an Ethernet interface carries them).
 */
#ifndef SYNACK_PCAP_H
#define SYNACK_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include "synack/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

struct synack_pcap;

#define SYNACK_PCAP_LINKTYPE_ETHERNET 1
#define SYNACK_PCAP_LINKTYPE_RAW 101

/* Creates (truncates) path and writes the file header, LINKTYPE_RAW.
 * NULL on error, with errno set by the C library. */
struct synack_pcap *synack_pcap_open(const char *path);
/* The same with the records' link type: SYNACK_PCAP_LINKTYPE_RAW or
 * SYNACK_PCAP_LINKTYPE_ETHERNET (another gives NULL, errno EINVAL). */
struct synack_pcap *synack_pcap_open_link(const char *path, uint32_t linktype);
/* Appends one packet stamped with `when` (microseconds since the epoch of
 * the capture: virtual time in the simulator).  Returns 0 or -1 on I/O error. */
int synack_pcap_write(struct synack_pcap *p, synack_time_us when, const uint8_t *packet, size_t len);
/* Flushes and closes; returns 0, or -1 if any write failed. */
int synack_pcap_close(struct synack_pcap *p);

/* A trace hook (synack/trace.h) that records SYNACK_TRACE_PACKET_OUT events:
 * set config.trace = synack_pcap_trace_out, config.trace_ctx = pcap. */
void synack_pcap_trace_out(void *pcap, const struct synack_trace_event *ev);

#ifdef __cplusplus
}
#endif
#endif
