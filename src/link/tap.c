/*
 * tap.c — the Linux TAP driver: /dev/net/tun with IFF_TAP | IFF_NO_PI, so
 * each read or write is one Ethernet frame.  The handle and all I/O are
 * the TUN driver's (tun.c, tundev.c); what is TAP's own is the two MAC
 * addresses: the device's, and one made up for synack's side.
 */
#include "synack/tap.h"

#include <string.h>

#include "tundev.h"

int synack_tap_open(const char *name, unsigned flags, struct synack_tun **out)
{
    return tundev_handle_open(name, TUNDEV_TAP, flags, out);
}

int synack_tap_device_mac(const struct synack_tun *tap, uint8_t mac[6])
{
    return tundev_hwaddr(synack_tun_name(tap), mac);
}

/* splitmix64's output function: a bijection that spreads every input bit
 * over the whole word. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ z >> 27) * 0x94d049bb133111ebull;
    return z ^ z >> 31;
}

void synack_tap_make_mac(uint64_t secret, unsigned index, const uint8_t *avoid, uint8_t mac[6])
{
    uint64_t x = mix64(secret + 0x9e3779b97f4a7c15ull * (index + 1u));
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)(x >> (8 * i));
    mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);    /* locally administered, unicast */
    if (avoid && memcmp(mac, avoid, 6) == 0)
        mac[5] ^= 0x01;
}
