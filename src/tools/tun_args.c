/*
 * tun_args.c — --tun, --tap, --addr and --mac, shared by serve and
 * connect, and the link they describe; see tun_args.h.
 */
#include "tun_args.h"

#include <stdio.h>
#include <string.h>

static bool device_name(struct args *a, const char **name)
{
    if (!args_string(a, name))
        return false;
    if ((*name)[0] == '\0' || strlen(*name) > TUN_NAME_MAX || strchr(*name, '/') != NULL) {
        fprintf(stderr, "%s: %s must be a device name of 1 to %d characters (got \"%s\")\n", a->prog, a->flag,
                TUN_NAME_MAX, *name);
        return false;
    }
    return true;
}

static bool set_device(struct link_opts *l, struct args *a, bool tap)
{
    if (l->dev != NULL) {
        fprintf(stderr, "%s: %s: one device only (--tun or --tap, once)\n", a->prog, a->flag);
        return false;
    }
    l->tap = tap;
    return device_name(a, &l->dev);
}

/* --addr A.B.C.D/PREFIX (1 to 32) or IPV6/PREFIX (1 to 128). */
static bool add_addr(struct link_opts *l, struct args *a)
{
    const char *text;
    struct synack_addr addr;
    uint8_t len;

    if (!args_string(a, &text))
        return false;
    if (synack_prefix_parse(text, &addr, &len) < 0 || len < 1 || synack_addr_is_any(&addr)) {
        fprintf(stderr,
                "%s: --addr must be A.B.C.D/PREFIX (PREFIX 1 to 32) or an IPv6 address/PREFIX (1 to 128), "
                "e.g. fd00:5ac::2/64 (got \"%s\")\n",
                a->prog, text);
        return false;
    }
    for (int i = 0; i < l->naddrs; i++) {
        if (synack_addr_equal(&l->addrs[i], &addr)) {
            fprintf(stderr, "%s: --addr %s is given twice\n", a->prog, text);
            return false;
        }
    }
    if (l->naddrs == LINK_MAX_ADDRS) {
        fprintf(stderr, "%s: --addr: at most %d addresses\n", a->prog, LINK_MAX_ADDRS);
        return false;
    }
    l->addrs[l->naddrs] = addr;
    l->prefix_lens[l->naddrs] = len;
    l->addr_texts[l->naddrs] = text;
    l->naddrs++;
    return true;
}

/* --mac: six hexadecimal octets separated by ':', unicast. */
static bool set_mac(struct link_opts *l, struct args *a)
{
    const char *text;
    unsigned o[6];
    char end;

    if (!args_string(a, &text))
        return false;
    if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &end) != 6 ||
        strlen(text) != 17 || (o[0] & 1) || (o[0] | o[1] | o[2] | o[3] | o[4] | o[5]) == 0) {
        fprintf(stderr, "%s: --mac must be a unicast MAC address XX:XX:XX:XX:XX:XX, not all zero (got \"%s\")\n",
                a->prog, text);
        return false;
    }
    for (int i = 0; i < 6; i++)
        l->mac[i] = (uint8_t)o[i];
    l->have_mac = true;
    return true;
}

bool link_args_option(struct link_opts *l, struct args *a, bool *ok)
{
    if (args_is(a, "--tun") || args_is(a, "--tap"))
        *ok = set_device(l, a, args_is(a, "--tap"));
    else if (args_is(a, "--addr"))
        *ok = add_addr(l, a);
    else if (args_is(a, "--mac"))
        *ok = set_mac(l, a);
    else
        return false;
    return true;
}

int link_args_check(const struct link_opts *l, const struct args *a)
{
    if (l->dev == NULL)
        return args_missing(a, "--tun or --tap", "the device to use, e.g. --tun syn0");
    if (l->naddrs == 0)
        return args_missing(a, "--addr", "synack's address and prefix, e.g. --addr 198.18.0.2/24");
    if (l->have_mac && !l->tap) {
        fprintf(stderr, "%s: --mac goes with --tap (a TUN device has no link addresses)\n", a->prog);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

bool link_has_family(const struct link_opts *l, int family)
{
    for (int i = 0; i < l->naddrs; i++)
        if (l->addrs[i].family == family)
            return true;
    return false;
}

int link_open(struct synack_runtime *rt, const struct link_opts *l, const char *prog)
{
    int iface;

    if (l->tap)
        iface = synack_runtime_add_tap_mac(rt, l->dev, l->addrs[0], l->prefix_lens[0], l->have_mac ? l->mac : NULL);
    else
        iface = synack_runtime_add_tun(rt, l->dev, l->addrs[0], l->prefix_lens[0]);
    if (iface < 0) {
        fprintf(stderr, "%s: cannot open %s device %s with address %s: %s\n", prog, l->tap ? "TAP" : "TUN", l->dev,
                l->addr_texts[0], synack_strerror(iface));
        return iface;
    }
    for (int i = 1; i < l->naddrs; i++) {
        int rc = synack_iface_add_addr(synack_runtime_stack(rt), iface, l->addrs[i], l->prefix_lens[i]);
        if (rc < 0) {
            fprintf(stderr, "%s: cannot add address %s to %s: %s\n", prog, l->addr_texts[i], l->dev,
                    synack_strerror(rc));
            return rc;
        }
    }
    return iface;
}

static void print_mac(FILE *f, const uint8_t m[6])
{
    fprintf(f, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

void link_describe(FILE *f, struct synack_runtime *rt, const struct link_opts *l, int iface)
{
    uint8_t mine[6], device[6];

    fprintf(f, "%s", l->dev);
    for (int i = 0; i < l->naddrs; i++)
        fprintf(f, " %s", l->addr_texts[i]);
    if (l->tap && synack_runtime_link_mac(rt, iface, mine, device) == 0) {
        fputs(" (MAC ", f);
        print_mac(f, mine);
        fputs("; the device ", f);
        print_mac(f, device);
        fputc(')', f);
    }
}
