/*
 * packet_internal.h — what packet.c shares with the capture readers in
 * src/trace (conn_index.c decodes the headers of packets cut short by
 * the snapshot length itself, and fills the same fields).
 */
#ifndef SYNACK_TRACE_PACKET_INTERNAL_H
#define SYNACK_TRACE_PACKET_INTERNAL_H

#include "synack/packet.h"
#include "tcp_wire.h"

/* Copies parsed TCP options into out (at most SYNACK_PACKET_SACK_MAX
 * SACK blocks; sack_count stays as parsed). */
void packet__set_options(struct synack_packet_info *out, const struct tcp_options *opt);

#endif
