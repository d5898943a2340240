/*
 * tun_args.c — --tun and --addr, shared by serve and connect; see tun_args.h.
 */
#include "tun_args.h"

#include <stdio.h>
#include <string.h>

bool args_tun_name(struct args *a, const char **name)
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

bool args_ipv4_prefix(struct args *a, struct synack_addr *addr, uint8_t *prefix_len, const char **text)
{
    if (!args_string(a, text))
        return false;
    if (synack_prefix_parse(*text, addr, prefix_len) < 0 || *prefix_len < 1 || *prefix_len > 32) {
        fprintf(stderr, "%s: %s must be A.B.C.D/PREFIX with PREFIX from 1 to 32 (got \"%s\")\n", a->prog, a->flag,
                *text);
        return false;
    }
    return true;
}
