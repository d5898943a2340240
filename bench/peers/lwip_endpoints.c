/* lwip_endpoints.c — the server's listeners, and which client address and
 * local port each client connection uses.
 *
 * lwIP's own choice (tcp_connect on an unbound pcb, or tcp_bind with port
 * 0) is tcp_new_port(): one counter over 0xc000..0xfffe — 16,383 ports —
 * shared by every local address, skipping any port some pcb in any list
 * holds, TIME_WAIT included.  With TIME_WAIT kept for 2*TCP_MSL = 120 s,
 * that is 16,383 connections per two minutes for the whole stack, however
 * many addresses it has.  So by default the peer chooses the pair itself:
 * connection i uses client address i mod A and port 0xc000 + (i / A) mod
 * 16383, through an explicit tcp_bind(pcb, address, port), with A just
 * large enough that no pair repeats in the run.  tcp_bind() then checks
 * the port against every pcb in every list, as tcp_new_port() would: the
 * cost per connection is the one lwIP itself pays.  `--lwip-ports` keeps
 * lwIP's choice (one client address), to show where it stops.
 */
#include <stdio.h>

#include "lwip_peer.h"

static ip_addr_t server_ip;

const ip_addr_t *server_addr(void)
{
    ip_addr_copy_from_ip4(server_ip, *netif_ip4_addr(link_server_netif()));
    return &server_ip;
}

struct tcp_pcb *server_listen(uint16_t port, void *arg, tcp_accept_fn accept)
{
    const struct lwip *S = stack_server();
    struct tcp_pcb *pcb = S->tcp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL) {
        peer_fail("tcp_new failed for the listener");
        return NULL;
    }
    err_t err = S->tcp_bind(pcb, server_addr(), port);
    if (err != ERR_OK) {
        peer_fail("tcp_bind(198.18.0.2:%u) failed: %d", port, (int)err);
        S->tcp_abort(pcb);
        return NULL;
    }
    struct tcp_pcb *l = S->tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err);
    if (l == NULL) {
        peer_fail("tcp_listen failed: %d", (int)err);
        S->tcp_abort(pcb);
        return NULL;
    }
    /* tcp_listen() makes a new pcb with no netif: bind this one; the
     * connections it accepts inherit it. */
    S->tcp_bind_netif(l, link_server_netif());
    S->tcp_arg(l, arg);
    S->tcp_accept(l, accept);
    return l;
}

unsigned ports_addrs_for(uint64_t count)
{
    uint64_t a = (count + PORTS_PER_ADDR - 1) / PORTS_PER_ADDR;
    if (a == 0)
        a = 1;
    return a > LINK_MAX_CLIENTS ? LINK_MAX_CLIENTS : (unsigned)a;
}

void ports_plan_init(struct port_plan *pp, unsigned addrs, bool lwip_ports)
{
    pp->addrs = lwip_ports ? 1 : addrs;
    pp->lwip_ports = lwip_ports;
    pp->next = 0;
}

struct tcp_pcb *ports_new_client(struct port_plan *pp)
{
    const struct lwip *C = stack_client();
    struct tcp_pcb *pcb = C->tcp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL) {
        peer_fail("tcp_new failed after %llu connections", (unsigned long long)pp->next);
        return NULL;
    }
    if (pp->lwip_ports) {
        struct netif *nif = link_client_netif(0);
        ip_addr_t a;
        ip_addr_copy_from_ip4(a, *netif_ip4_addr(nif));
        err_t err = C->tcp_bind(pcb, &a, 0);
        if (err != ERR_OK) {
            peer_fail("lwIP found no free local port (tcp_bind port 0: err %d) after %llu connections: "
                      "tcp_new_port() has 16383 ports for all addresses, and TIME_WAIT holds each "
                      "for 2*TCP_MSL",
                      (int)err, (unsigned long long)pp->next);
            C->tcp_abort(pcb);
            return NULL;
        }
        C->tcp_bind_netif(pcb, nif);
        pp->next++;
        return pcb;
    }
    /* Every pair is tried at most once per call: a pair whose port is still
     * held (TIME_WAIT from a wrap-around) is skipped. */
    uint64_t pairs = (uint64_t)pp->addrs * PORTS_PER_ADDR;
    for (uint64_t tries = 0; tries < pairs; tries++) {
        uint64_t i = pp->next++;
        unsigned k = (unsigned)(i % pp->addrs);
        uint16_t port = (uint16_t)(PORTS_FIRST + (i / pp->addrs) % PORTS_PER_ADDR);
        struct netif *nif = link_client_netif(k);
        ip_addr_t a;
        ip_addr_copy_from_ip4(a, *netif_ip4_addr(nif));
        err_t err = C->tcp_bind(pcb, &a, port);
        if (err == ERR_USE)
            continue;
        if (err != ERR_OK) {
            peer_fail("tcp_bind(198.18.0.x:%u) failed: %d", port, (int)err);
            C->tcp_abort(pcb);
            return NULL;
        }
        C->tcp_bind_netif(pcb, nif);
        return pcb;
    }
    peer_fail("all %llu (address, port) pairs are in use (%u client addresses x %u ports)",
              (unsigned long long)pairs, pp->addrs, PORTS_PER_ADDR);
    C->tcp_abort(pcb);
    return NULL;
}

const char *ports_describe(const struct port_plan *pp)
{
    if (pp->lwip_ports)
        return "lwIP chooses: tcp_bind(198.18.0.1, port 0) -> tcp_new_port(), one counter over "
               "49152..65534 for all local addresses, skipping ports any pcb holds (TIME_WAIT too)";
    return "the peer chooses: connection i binds client address i mod A (198.18.0.1, then "
           "198.18.0.3 upwards) and port 49152 + (i / A) mod 16383 (lwIP's ephemeral range) with "
           "tcp_bind(); A is just large enough that no (address, port) pair repeats in the run, "
           "because lwIP's own tcp_new_port() has 16383 ports for all addresses together";
}
