/*
 * syncookie.h — SYN cookies (RFC 4987 §3.6): when a listener's SYN queue
 * is full, the SYN|ACK's sequence number carries what the embryonic
 * connection would have held, and the connection is made only when the
 * handshake's ACK brings it back (tcp_input.c, listen_input).
 *
 * The cookie (our own layout; RFC 4987 §3.6 describes the classic one):
 *
 *    31                                      5 4   3 2     0
 *   +-----------------------------------------+-----+-------+
 *   |  MAC: 27 bits of SipHash-2-4            |  t  |  mss  |
 *   +-----------------------------------------+-----+-------+
 *
 *   mss  index into a table of common MSS values: the largest entry not
 *        above the MSS the peer's SYN announced;
 *   t    the low two bits of a counter that ticks every 64 s;
 *   MAC  keyed with the stack's cookie key (from its secret) over both
 *        endpoints, the peer's ISN, the whole counter and the MSS index.
 *
 * A cookie is valid while the counter is the one it was made with or the
 * next (between 64 and 128 s).  For one counter, 4-tuple and peer ISN there
 * are 8 valid cookies (one per MSS index) among 2^32, and two counters are
 * open at once, so a blind guess succeeds with probability 2^-28.
 *
 * Window scale and SACK-permitted cannot fit beside the MAC; when the SYN
 * carried timestamps they travel in the low 6 bits of our TSval, which the
 * peer echoes in the ACK's TSecr (as Linux does):
 *
 *   bits 0-3  the peer's window shift (0..14); 15: no window scaling
 *   bit  4    SACK permitted
 *   bit  5    0
 *
 * Without timestamps the SYN|ACK offers neither option, and the connection
 * proceeds without them.  These bits are not authenticated: a peer that
 * alters them only changes its own connection.
 */
#ifndef SYNACK_CORE_SYNCOOKIE_H
#define SYNACK_CORE_SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/addr.h"
#include "synack/trace.h"
#include "siphash.h"

#define SYNCOOKIE_PERIOD_US (64ull * 1000000)   /* one tick of the counter */

/* Options that ride in the TSval. */
struct syncookie_opts {
    bool wscale_ok;
    uint8_t wscale;                    /* the peer's shift, 0..14 */
    bool sack_ok;
};

enum syncookie_verdict {
    SYNCOOKIE_VALID,
    SYNCOOKIE_EXPIRED,                 /* genuine, but two or three ticks old */
    SYNCOOKIE_INVALID,                 /* not ours (forged, or for another connection) */
};

/* The cookie for a SYN from remote to local with sequence number peer_isn
 * announcing peer_mss, at time now.  *mss_used gets the table value the
 * cookie encodes (the MSS the connection will use). */
uint32_t syncookie_make(const struct siphash_key *key, const struct synack_endpoint *local,
                        const struct synack_endpoint *remote, uint32_t peer_isn, uint16_t peer_mss,
                        synack_time_us now, uint16_t *mss_used);
/* Judges the cookie an ACK brings back (SEG.ACK - 1) for the peer's ISN
 * (SEG.SEQ - 1); when valid, *mss gets the MSS it encodes. */
enum syncookie_verdict syncookie_check(const struct siphash_key *key, const struct synack_endpoint *local,
                                       const struct synack_endpoint *remote, uint32_t peer_isn, uint32_t cookie,
                                       synack_time_us now, uint16_t *mss);
/* A TSval carrying o in its low bits, never later than ts_now (so that the
 * connection's later timestamps never go backwards). */
uint32_t syncookie_ts_encode(uint32_t ts_now, const struct syncookie_opts *o);
/* The options a TSecr echoes back. */
void syncookie_ts_decode(uint32_t tsecr, struct syncookie_opts *o);

#endif
