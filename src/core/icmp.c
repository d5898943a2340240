/*
 * icmp.c — ICMP for IPv4 (RFC 792): echo reply (RFC 1122 §3.2.2.6 says
 * every host must answer echo requests).  Error messages and their use as
 * soft errors for TCP (RFC 5927) come with the real-networks work.
 */
#include <string.h>

#include "byteorder.h"
#include "checksum.h"
#include "ipv4.h"
#include "stack_internal.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMP_HEADER_LEN 8

void icmp_input(struct synack_stack *st, int iface, const struct synack_addr *src, const struct synack_addr *dst,
                const uint8_t *msg, size_t len, synack_time_us now)
{
    st->stats.icmp_in_msgs++;
    if (len < ICMP_HEADER_LEN) {
        st->stats.icmp_in_errors++;
        stack_drop(st, iface, SYNACK_DROP_ICMP_TRUNCATED, now);
        return;
    }
    if (csum_finish(csum_add(0, msg, len)) != 0) {
        st->stats.icmp_in_errors++;
        stack_drop(st, iface, SYNACK_DROP_ICMP_CHECKSUM, now);
        return;
    }
    if (msg[0] != ICMP_ECHO_REQUEST) {
        stack_drop(st, iface, SYNACK_DROP_ICMP_IGNORED, now);
        return;
    }
    st->stats.icmp_in_echos++;
    if (len > STACK_TX_BUF - IPV4_HEADER_LEN)
        return;
    /* The reply echoes identifier, sequence number and data unchanged. */
    uint8_t *reply = st->txbuf + IPV4_HEADER_LEN;
    memcpy(reply, msg, len);
    reply[0] = ICMP_ECHO_REPLY;
    reply[1] = 0;
    put_be16(reply + 2, 0);
    put_be16(reply + 2, csum_finish(csum_add(0, reply, len)));
    int out = stack_route(st, src);
    if (out < 0)
        out = iface;
    if (stack_ip_output(st, out, dst, src, IP_PROTO_ICMP, len, 0, now) == 0)
        st->stats.icmp_out_echo_reps++;
}
