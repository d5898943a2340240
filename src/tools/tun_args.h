/*
 * tun_args.h — the options that `synack serve` and `synack connect` share
 * for putting the stack on a TUN or TAP device, and the setting up of
 * that link:
 *
 *     --tun NAME | --tap NAME   the device (TUN: IP packets; TAP: Ethernet
 *                               frames, the stack doing ARP and NDP)
 *     --addr ADDR/PREFIX        synack's address, IPv4 (198.18.0.2/24) or
 *                               IPv6 (fd00:5ac::2/64); repeated for a
 *                               dual-stack link
 *     --mac XX:XX:XX:XX:XX:XX   with --tap: synack's MAC address
 *
 * Like the helpers of args.h, each parser prints one line naming the
 * option and the accepted form when the value is wrong, and returns false.
 */
#ifndef SYNACK_TOOLS_TUN_ARGS_H
#define SYNACK_TOOLS_TUN_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "synack/addr.h"
#include "synack/runtime.h"

#include "args.h"

/* Linux interface names have at most IFNAMSIZ - 1 = 15 characters. */
#define TUN_NAME_MAX 15
/* Addresses on the link: an Ethernet link with IPv6 keeps one of the
 * interface's SYNACK_IFACE_MAX_ADDRS for its link-local address. */
#define LINK_MAX_ADDRS (SYNACK_IFACE_MAX_ADDRS - 1)

/* The options' lines for a verb's --help. */
#define LINK_USAGE                                                                      \
    "  --tun NAME        a TUN device (IP packets), 1 to 15 characters\n"                \
    "  --tap NAME        a TAP device (Ethernet frames): synack is a host behind\n"       \
    "                    it, with a MAC address of its own, and does ARP and IPv6\n"      \
    "                    neighbour discovery (one of --tun and --tap is required)\n"     \
    "  --addr ADDR/PREFIX  synack's address and on-link prefix: A.B.C.D/PREFIX\n"        \
    "                    (PREFIX 1 to 32) or IPv6, e.g. fd00:5ac::2/64 (PREFIX 1 to\n"   \
    "                    128); required, and repeated for more addresses (at most\n"    \
    "                    3: an IPv4 and an IPv6 one make a dual-stack link)\n"          \
    "  --mac MAC         with --tap: synack's MAC address, XX:XX:XX:XX:XX:XX,\n"        \
    "                    unicast (default: a locally administered one made from\n"      \
    "                    the stack's random secret, new at every run)\n"

struct link_opts {
    const char *dev;                       /* --tun or --tap NAME */
    bool tap;
    int naddrs;
    struct synack_addr addrs[LINK_MAX_ADDRS];
    uint8_t prefix_lens[LINK_MAX_ADDRS];
    const char *addr_texts[LINK_MAX_ADDRS];  /* as given */
    bool have_mac;
    uint8_t mac[6];
};

/* When the current option is one of --tun, --tap, --addr, --mac: parses
 * it into l, sets *ok (false: a message was printed) and returns true.
 * Otherwise returns false and leaves *ok alone. */
bool link_args_option(struct link_opts *l, struct args *a, bool *ok);

/* After the last option: a device and an address must have been given;
 * --mac only with --tap.  Returns EXIT_OK or EXIT_USAGE (with a message). */
int link_args_check(const struct link_opts *l, const struct args *a);

/* Whether the link has an address of the family. */
bool link_has_family(const struct link_opts *l, int family);

/* Opens the device in the runtime and gives the stack every address.
 * Returns the interface number; on failure prints "PROG: cannot ..." and
 * returns a negative error. */
int link_open(struct synack_runtime *rt, const struct link_opts *l, const char *prog);

/* "tap0 198.18.0.2/24 fd00:5ac::2/64 (MAC 02:..; the device 5a:..)" for a
 * banner line; iface is what link_open returned. */
void link_describe(FILE *f, struct synack_runtime *rt, const struct link_opts *l, int iface);

#endif
