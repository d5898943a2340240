/*
 * pair.c — the two-stack setup of pair.h.
 */
#include "pair.h"

#include <string.h>

#include "bench.h"

void bench_pair_defaults(struct bench_pair_config *cfg)
{
    synack_config_default(&cfg->client);
    synack_config_default(&cfg->server);
    cfg->client.name = "client";
    cfg->client.secret = 0x5eed0001;
    cfg->server.name = "server";
    cfg->server.secret = 0x5eed0002;
    cfg->ifaces = 1;
    cfg->csum_offload = false;
    cfg->link_bytes = 1u << 20;
}

struct synack_addr bench_pair_client_addr(int k) { return synack_addr_v4(198, 18, (uint8_t)k, 1); }
struct synack_addr bench_pair_server_addr(int k) { return synack_addr_v4(198, 18, (uint8_t)k, 2); }

int bench_pair_open(struct bench_pair *p, const struct bench_pair_config *cfg, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (cfg->ifaces < 1 || cfg->ifaces > BENCH_PAIR_MAX_IFACES)
        return bench_errorf(err, errlen, "pair: %d interfaces (1..%d)", cfg->ifaces, BENCH_PAIR_MAX_IFACES);
    p->ifaces = cfg->ifaces;
    unsigned flags = cfg->csum_offload ? SYNACK_INPUT_CSUM_VALID : 0;
    if (bench_link_init(&p->c2s, cfg->link_bytes, flags, cfg->ifaces) < 0 ||
        bench_link_init(&p->s2c, cfg->link_bytes, flags, cfg->ifaces) < 0) {
        bench_pair_close(p);
        return bench_errorf(err, errlen, "pair: out of memory for the links");
    }
    p->client = synack_stack_new(&cfg->client);
    p->server = synack_stack_new(&cfg->server);
    if (!p->client || !p->server) {
        bench_pair_close(p);
        return bench_errorf(err, errlen, "pair: synack_stack_new failed (configuration refused or no memory)");
    }
    for (int k = 0; k < cfg->ifaces; k++) {
        struct synack_iface_config ic = {
            .addr = bench_pair_client_addr(k), .prefix_len = 24, .mtu = 1500,
            .transmit = bench_link_transmit, .transmit_ctx = &p->c2s, .tx_csum_offload = cfg->csum_offload,
        };
        struct synack_iface_config is = ic;
        is.addr = bench_pair_server_addr(k);
        is.transmit_ctx = &p->s2c;
        int rc1 = synack_iface_add(p->client, &ic);
        int rc2 = synack_iface_add(p->server, &is);
        if (rc1 < 0 || rc2 < 0) {
            bench_pair_close(p);
            return bench_errorf(err, errlen, "pair: synack_iface_add: %s", synack_strerror(rc1 < 0 ? rc1 : rc2));
        }
    }
    return 0;
}

int bench_listen(struct synack_stack *st, const struct synack_endpoint *ep, int backlog)
{
    int ls = synack_socket(st);
    int rc = ls < 0 ? ls : synack_bind(st, ls, ep);
    if (rc >= 0)
        rc = synack_listen(st, ls, backlog);
    return rc < 0 ? rc : ls;
}

void bench_pair_close(struct bench_pair *p)
{
    if (p->client)
        synack_stack_free(p->client);
    if (p->server)
        synack_stack_free(p->server);
    bench_link_free(&p->c2s);
    bench_link_free(&p->s2c);
    memset(p, 0, sizeof *p);
}

void bench_pair_turn(struct bench_pair *p, synack_time_us now)
{
    synack_poll(p->client, now);
    bench_link_deliver(&p->c2s, p->server, now);
    synack_poll(p->server, now);
    bench_link_deliver(&p->s2c, p->client, now);
}
