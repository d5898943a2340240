/*
 * synack/trace_text.h — tcpdump-like text for packets and trace events.
 *
 *   0.000200 client > 198.18.0.1.49152 > 198.18.0.2.80: Flags [S], seq 1000, win 65535, options [mss 1460], length 0
 *   0.000200 client   SYN_SENT -> ESTABLISHED  198.18.0.1:49152 198.18.0.2:80
 */
#ifndef SYNACK_TRACE_TEXT_H
#define SYNACK_TRACE_TEXT_H

#include <stddef.h>
#include <stdio.h>
#include "synack/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Formats one IP packet as tcpdump prints it ("IP 1.2.3.4.80 > ...: Flags
 * [S.], seq 8000, ack 1001, win 65535, options [mss 1024], length 0").
 * Malformed packets are described, never trusted.  Returns buf. */
char *synack_format_packet(const uint8_t *packet, size_t len, char *buf, size_t buflen);

/* A trace hook writing one line per event to a FILE *: set
 * config.trace = synack_text_trace, config.trace_ctx = the FILE *. */
void synack_text_trace(void *file, const struct synack_trace_event *ev);

#ifdef __cplusplus
}
#endif
#endif
