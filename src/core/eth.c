/*
 * eth.c — Ethernet II framing (IEEE 802.3 with EtherType, RFC 894 for
 * IPv4, RFC 2464 for IPv6).
 *
 * A placeholder until neighbour resolution lands: input strips the header
 * and hands IP up; output has no way to learn a neighbour's MAC yet, so it
 * drops (TX_NO_ROUTE).
 */
#include "byteorder.h"
#include "link.h"
#include "stack_internal.h"

void eth_input(struct synack_stack *st, int iface, const uint8_t *frame, size_t len, synack_time_us now)
{
    if (len < ETH_HEADER_LEN) {
        st->stats.ip_in_hdr_errors++;
        stack_drop(st, iface, SYNACK_DROP_IP_TRUNCATED, now);
        return;
    }
    uint16_t type = get_be16(frame + 12);
    if (type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6)
        stack_ip_input(st, iface, frame + ETH_HEADER_LEN, len - ETH_HEADER_LEN, now);
}

int eth_output(struct synack_stack *st, int iface, const struct synack_addr *nexthop, uint8_t *pkt, size_t len,
               synack_time_us now)
{
    (void)nexthop;
    st->stats.ip_out_no_routes++;
    stack_drop_packet(st, iface, pkt, len, SYNACK_DROP_TX_NO_ROUTE, now);
    return -SYNACK_EHOSTUNREACH;
}

void eth_addr_added(struct synack_stack *st, int iface, struct iface_addr *ia)
{
    (void)st;
    (void)iface;
    (void)ia;
}
