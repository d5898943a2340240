/*
 * status.h — the live one-line status of a connection, like `ss -ti`,
 * that `synack sim --status S` and `synack serve --status S` print to
 * stderr every S seconds (virtual seconds for sim, wall-clock for serve):
 *
 *   12.000s client 198.18.0.1:49152 > 198.18.0.2:5001 ESTABLISHED cubic cwnd 86880 ssthresh 43440
 *     srtt 21.3ms rto 221ms acked 18300000 rcvd 0 retrans 12 (fast 10 rto 1 tlp 1) rate 19.4Mbit/s
 *     pmtu 1500
 *
 * (one line; wrapped here).  Bytes are bytes, cwnd and ssthresh too ("-"
 * while ssthresh is unset); rate is the latest delivery-rate sample of
 * synack_getinfo(), pmtu the path MTU the segments are cut to.
 */
#ifndef SYNACK_TOOLS_STATUS_H
#define SYNACK_TOOLS_STATUS_H

#include <stdio.h>

#include "synack/socket.h"

/* Prints one status line: `seconds` is the time shown first, `who` a
 * short label ("client", "server", the service name). */
void status_print(FILE *out, double seconds, const char *who, const struct synack_tcp_info *info);

#endif
