/*
 * tcp_icmp.c — what an ICMP error means for a TCP connection.
 *
 * Reading list: RFC 1122 §4.2.3.9 (soft errors 0, 1, 5 MUST NOT abort;
 * hard errors 2-4 SHOULD; tell the application), RFC 5927 §4.1 (accept an
 * error only if the quoted sequence number is in flight), §5.2 (treat hard
 * errors as soft in the synchronized states, so that a forged ICMP message
 * cannot reset a connection), RFC 5461 (TCP's reaction to soft errors),
 * RFC 1191 (fragmentation needed: path MTU discovery, in tcp_pmtu.c).
 *
 * The policy, in one table:
 *
 *   state            hard error (port/protocol      soft error (net/host
 *                    unreachable, prohibited...)    unreachable, time exceeded...)
 *   SYN-SENT         abort the open with the error  remember; report at timeout
 *                    (RFC 1122: SHOULD; as Linux)   (RFC 1122: MUST NOT abort)
 *   every other      remember; report at timeout    remember; report at timeout
 *                    (RFC 5927 §5.2)
 *
 * "Remember" is c->soft_error: synack_getinfo shows it, and if the
 * connection later gives up by timeout (retransmission or keepalive) the
 * application gets it instead of ETIMEDOUT, as Linux does.  It is cleared
 * when SND.UNA advances.  Linux aborts SYN-SENT on soft errors too; we
 * keep trying, as RFC 1122 asks, and report the soft error if the open
 * times out.  A passive open in SYN-RECEIVED only remembers (no
 * application is waiting on it yet).
 */
#include "byteorder.h"
#include "icmp.h"
#include "seq.h"
#include "stack_internal.h"
#include "tcp_conn.h"

void tcp_icmp_error(struct synack_stack *st, int iface, const struct synack_addr *local,
                    const struct synack_addr *remote, const uint8_t *th, size_t thlen, const struct icmp_err *e,
                    synack_time_us now)
{
    (void)thlen;                   /* icmp.c guarantees 8 bytes: ports and sequence number */
    struct synack_endpoint le = synack_endpoint_make(*local, get_be16(th));
    struct synack_endpoint re = synack_endpoint_make(*remote, get_be16(th + 2));
    uint32_t seq = get_be32(th + 4);
    struct tcp_conn *c = tcp_table_lookup(st, &le, &re);
    if (!c) {
        stack_drop(st, iface, SYNACK_DROP_ICMP_ERROR_NO_MATCH, now);
        return;
    }
    /* RFC 5927 §4.1: SND.UNA <= SEG.SEQ < SND.NXT, where SND.NXT is the
     * highest ever sent (SND.MAX: after a timeout snd_nxt is pulled back).
     * An attacker must then guess a sequence number in flight. */
    if (!(seq_geq(seq, c->snd_una) && seq_lt(seq, c->snd_max))) {
        st->stats.tcp_out_of_window_icmps++;
        stack_drop(st, iface, SYNACK_DROP_ICMP_ERROR_OUT_OF_WINDOW, now);
        return;
    }
    if (e->frag_needed) {
        tcp_pmtu_icmp(st, c, e, seq, now);       /* path MTU news, not an error (RFC 1191, tcp_pmtu.c) */
        return;
    }
    if (c->state == SYNACK_TCP_SYN_SENT && e->hard) {
        st->stats.tcp_icmp_aborts++;
        st->stats.tcp_attempt_fails++;
        tcp_conn_close(st, c, -e->err, now);
        return;
    }
    st->stats.tcp_icmp_soft_errors++;
    c->soft_error = -e->err;
}
