/*
 * sim_net.h — the simulated network `synack demo` and `synack sim` run on:
 * a client and a server over IPv4 (198.18.0.1 and .2) or IPv6
 * (fd00:5ac::1 and ::2), joined by one point-to-point IP link, or with
 * --ethernet each attached to a port of one simulated switch (Ethernet
 * interfaces: the stacks resolve each other with ARP or neighbour
 * discovery first).  Either way the path from client to server has the
 * same delay, rate, queue and impairments: on a switch they are put on
 * each host's port towards the switch, and the switch's side is ideal.
 *
 * --pcap writes what the hosts send: IP packets (LINKTYPE_RAW) on IP
 * links, whole Ethernet frames (LINKTYPE_ETHERNET, ARP and all) on a
 * switch.
 */
#ifndef SYNACK_TOOLS_SIM_NET_H
#define SYNACK_TOOLS_SIM_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/synack.h"

#include "args.h"

#define SIM_NET_CLIENT 0
#define SIM_NET_SERVER 1

struct sim_net_options {
    bool ipv6;                   /* --ipv6 */
    bool ethernet;               /* --ethernet */
};

/* The options' lines for a verb's usage text. */
#define SIM_NET_USAGE                                                                        \
    "  --ipv6         run over IPv6: client fd00:5ac::1, server fd00:5ac::2 (the\n"          \
    "                 MTU must then be 1280 or more)\n"                                     \
    "  --ethernet     give both hosts Ethernet interfaces on a simulated switch, so\n"       \
    "                 that they resolve each other (ARP, or neighbour discovery over\n"     \
    "                 IPv6) before they talk; --pcap then writes Ethernet frames\n"

struct sim_net {
    struct synack_sim *sim;
    struct sim_net_options opt;
    int host[2];                 /* [SIM_NET_CLIENT], [SIM_NET_SERVER] */
    int link;                    /* the point-to-point link, or -1 on a switch */
    int sw;                      /* the switch, or -1 */
    int port[2];                 /* each host's switch port (a link number), or -1 */
    const char *pcap_path;
    struct synack_pcap *pcap;
    bool pcap_failed;
};

/* When the current option is --ipv6 or --ethernet, takes it: returns true
 * and sets *ok. */
bool sim_net_option(struct sim_net_options *o, struct args *a, bool *ok);
/* The address of the client or the server in the family the options say. */
struct synack_addr sim_net_addr(const struct sim_net_options *o, int which);
/* "IPv4", "IPv6 on an Ethernet switch", ... for summaries. */
const char *sim_net_describe(const struct sim_net_options *o);

/* A new simulator with the given seed and nothing in it, and when
 * pcap_path is not NULL, a capture there of every packet (or frame) sent.
 * Failures are reported on stderr as `prog`.  Returns EXIT_OK or
 * EXIT_FAILED (then nothing is left to free). */
int sim_net_open(struct sim_net *n, const struct sim_net_options *o, uint64_t seed, const char *pcap_path,
                 const char *prog);
/* Adds the client or the server (which) with its name, config and MTU. */
int sim_net_add_host(struct sim_net *n, int which, const char *name, const struct synack_config *cfg, uint32_t mtu);
/* Joins the two hosts: c2s impairs what the client sends, s2c what the
 * server sends.  Returns 0 or a negative error. */
int sim_net_join(struct sim_net *n, const struct synack_link_params *c2s, const struct synack_link_params *s2c);
/* Lets the hosts bring their interfaces up before any application
 * starts: on Ethernet, until nothing is scheduled (a gratuitous ARP goes
 * out at once; IPv6 duplicate address detection keeps an address
 * tentative, unusable, for a second, RFC 4862 §5.4), at most 10 s of
 * virtual time; on IP links nothing.  Returns the time the applications
 * start at. */
synack_time_us sim_net_bring_up(struct sim_net *n);
/* The link figures of one direction (from is SIM_NET_CLIENT or _SERVER):
 * on a switch, the impairments of the sender's port towards the switch
 * and the deliveries of the receiver's port. */
void sim_net_link_stats(const struct sim_net *n, int from, struct synack_link_stats *out);
/* Closes the capture and frees the simulator.  Returns EXIT_OK, or
 * EXIT_FAILED when writing the capture failed (reported as `prog`). */
int sim_net_close(struct sim_net *n, const char *prog);

#endif
