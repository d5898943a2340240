/*
 * synack/pcap.h — writing classic pcap files (LINKTYPE_RAW: each record is
 * one IP packet) that tcpdump, Wireshark and tshark read.
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

/* Creates (truncates) path and writes the file header.  NULL on error, with
 * errno set by the C library. */
struct synack_pcap *synack_pcap_open(const char *path);
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
