/*
 * tun_args.h — the options that `synack serve` and `synack connect` share
 * for putting the stack on a TUN device: --tun NAME and --addr A.B.C.D/N.
 * Like the helpers of args.h, each prints one line naming the option and
 * the accepted form when the value is wrong, and returns false.
 */
#ifndef SYNACK_TOOLS_TUN_ARGS_H
#define SYNACK_TOOLS_TUN_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/addr.h"

#include "args.h"

/* Linux interface names have at most IFNAMSIZ - 1 = 15 characters. */
#define TUN_NAME_MAX 15

/* --tun NAME: 1 to 15 characters, no '/'. */
bool args_tun_name(struct args *a, const char **name);

/* --addr A.B.C.D/PREFIX, PREFIX from 1 to 32; *text keeps the value as given. */
bool args_ipv4_prefix(struct args *a, struct synack_addr *addr, uint8_t *prefix_len, const char **text);

#endif
