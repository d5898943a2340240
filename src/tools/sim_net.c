/* sim_net.c — see sim_net.h. */
#include "sim_net.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

bool sim_net_option(struct sim_net_options *o, struct args *a, bool *ok)
{
    if (args_is(a, "--ipv6"))
        o->ipv6 = *ok = args_switch(a);
    else if (args_is(a, "--ethernet"))
        o->ethernet = *ok = args_switch(a);
    else
        return false;
    return true;
}

/* 198.18.0.0/15 is set aside for benchmarking (RFC 2544; RFC 6890
 * §2.2.2); fd00:5ac::/64 is a unique local prefix (RFC 4193) of the
 * project's choosing. */
struct synack_addr sim_net_addr(const struct sim_net_options *o, int which)
{
    uint8_t n = which == SIM_NET_CLIENT ? 1 : 2;
    if (!o->ipv6)
        return synack_addr_v4(198, 18, 0, n);
    uint8_t b[16] = { 0xfd, 0x00, 0x05, 0xac };
    b[15] = n;
    return synack_addr_v6(b);
}

const char *sim_net_describe(const struct sim_net_options *o)
{
    if (o->ethernet)
        return o->ipv6 ? "IPv6 on an Ethernet switch" : "IPv4 on an Ethernet switch";
    return o->ipv6 ? "IPv6" : "IPv4";
}

static void on_capture(void *ctx, int from_host, synack_time_us now, const uint8_t *packet, size_t len)
{
    struct sim_net *n = ctx;
    (void)from_host;
    if (synack_pcap_write(n->pcap, now, packet, len) < 0)
        n->pcap_failed = true;
}

int sim_net_open(struct sim_net *n, const struct sim_net_options *o, uint64_t seed, const char *pcap_path,
                 const char *prog)
{
    memset(n, 0, sizeof *n);
    n->opt = *o;
    n->host[0] = n->host[1] = n->link = n->sw = n->port[0] = n->port[1] = -1;
    n->sim = synack_sim_new(seed);
    if (n->sim == NULL) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return EXIT_FAILED;
    }
    if (pcap_path == NULL)
        return EXIT_OK;
    n->pcap_path = pcap_path;
    n->pcap = synack_pcap_open_link(pcap_path, o->ethernet ? SYNACK_PCAP_LINKTYPE_ETHERNET : SYNACK_PCAP_LINKTYPE_RAW);
    if (n->pcap == NULL) {
        fprintf(stderr, "%s: cannot create %s: %s\n", prog, pcap_path, strerror(errno));
        synack_sim_free(n->sim);
        n->sim = NULL;
        return EXIT_FAILED;
    }
    /* Frames on a switch, with ARP and all; IP packets otherwise. */
    if (o->ethernet)
        synack_sim_set_wire_tap(n->sim, on_capture, n);
    else
        synack_sim_set_tap(n->sim, on_capture, n);
    return EXIT_OK;
}

int sim_net_add_host(struct sim_net *n, int which, const char *name, const struct synack_config *cfg, uint32_t mtu)
{
    struct synack_sim_host_params p = {
        .name = name,
        .cfg = cfg,
        .addr = sim_net_addr(&n->opt, which),
        .mtu = mtu,
        .link = n->opt.ethernet ? SYNACK_LINK_ETHERNET : SYNACK_LINK_IP,
    };
    n->host[which] = synack_sim_add_host_params(n->sim, &p);
    return n->host[which] < 0 ? n->host[which] : 0;
}

int sim_net_join(struct sim_net *n, const struct synack_link_params *c2s, const struct synack_link_params *s2c)
{
    if (!n->opt.ethernet) {
        n->link = synack_sim_link(n->sim, n->host[SIM_NET_CLIENT], n->host[SIM_NET_SERVER], c2s, s2c);
        return n->link < 0 ? n->link : 0;
    }
    n->sw = synack_sim_switch_new(n->sim);
    if (n->sw < 0)
        return n->sw;
    for (int w = 0; w < 2; w++) {
        n->port[w] = synack_sim_switch_attach(n->sim, n->sw, n->host[w], w == SIM_NET_CLIENT ? c2s : s2c, NULL);
        if (n->port[w] < 0)
            return n->port[w];
    }
    return 0;
}

#define BRING_UP_LIMIT_US 10000000u

synack_time_us sim_net_bring_up(struct sim_net *n)
{
    if (n->opt.ethernet)
        synack_sim_run_until_idle(n->sim, synack_sim_now(n->sim) + BRING_UP_LIMIT_US);
    return synack_sim_now(n->sim);
}

void sim_net_link_stats(const struct sim_net *n, int from, struct synack_link_stats *out)
{
    const struct synack_link_stats *s;
    memset(out, 0, sizeof *out);
    if (!n->opt.ethernet) {
        s = synack_sim_link_stats(n->sim, n->link, n->host[from]);
        if (s != NULL)
            *out = *s;
        return;
    }
    s = synack_sim_link_stats(n->sim, n->port[from], n->host[from]);
    if (s != NULL)
        *out = *s;
    s = synack_sim_link_stats(n->sim, n->port[1 - from], SYNACK_SIM_SWITCH);
    if (s != NULL) {
        out->packets_delivered = s->packets_delivered;
        out->bytes_delivered = s->bytes_delivered;
    }
}

int sim_net_close(struct sim_net *n, const char *prog)
{
    int status = EXIT_OK;
    if (n->pcap != NULL && (synack_pcap_close(n->pcap) < 0 || n->pcap_failed)) {
        fprintf(stderr, "%s: writing %s failed\n", prog, n->pcap_path);
        status = EXIT_FAILED;
    }
    n->pcap = NULL;
    if (n->sim != NULL)
        synack_sim_free(n->sim);
    n->sim = NULL;
    return status;
}
