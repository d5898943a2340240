/*
 * sim_switch.c — the simulator's Ethernet switch: a transparent learning
 * bridge (IEEE 802.1D §7/§8, without spanning tree: switches here are
 * never joined to each other, so there are no loops to break).
 *
 * Each port is a link (sim.c): frames a host sends cross its port's
 * inbound direction and arrive here, where the switch
 *
 *   learns      the source address, if unicast, as reachable through the
 *               port the frame came in by (a host that moves is learned
 *               again at its new port);
 *   forwards    a frame whose unicast destination was learned on another
 *               port out of that port only;
 *   filters     one whose destination was learned on the port it came in
 *               by (the receiver already has it);
 *   floods      broadcast (ff:ff:ff:ff:ff:ff), multicast (the group bit:
 *               33:33:... for IPv6, RFC 2464 §7; 01:00:5e:... for IPv4)
 *               and unknown unicast out of every port but the one it came
 *               in by, in port order.
 *
 * Forwarding takes no time; each port's outbound direction (the switch's
 * output queue towards its host) has its own delay, rate, queue and
 * impairments.  Nothing here draws random numbers, so a run stays
 * deterministic: the ports' directions have their own generators.
 *
 * The address table is a bounded cache: SWITCH_MACS slots, where an
 * address may sit in any of the SWITCH_BUCKET slots from its hash on.  An
 * entry not refreshed within SWITCH_AGEING_US is forgotten (IEEE 802.1D's
 * default ageing time, 300 s); when every slot of a bucket is live, the
 * entry seen longest ago gives way.  A frame to a forgotten address is
 * flooded, as to any unknown one, so a full table costs bandwidth, never
 * correctness.  (Corruption on a port may invent source addresses; the
 * bound keeps them from growing the table.)
 */
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

#define SWITCH_MACS 1024                     /* a power of two */
#define SWITCH_BUCKET 8
#define SWITCH_AGEING_US (300ull * 1000000ull)
#define SWITCH_MAX_PORTS 4096                /* as many as there can be hosts */

struct mac_entry {
    uint8_t mac[6];
    bool used;
    int port;
    synack_time_us seen;                     /* last time it was a frame's source */
};

struct sim_switch {
    int index;
    struct link_dir **out;                   /* per port: the direction towards its host */
    size_t port_count, port_cap;
    struct synack_sim_switch_stats stats;
    struct mac_entry table[SWITCH_MACS];
};

struct sim_switch *sim__switch_new(int index)
{
    struct sim_switch *sw = calloc(1, sizeof *sw);
    if (sw)
        sw->index = index;
    return sw;
}

void sim__switch_free(struct sim_switch *sw)
{
    if (!sw)
        return;
    free(sw->out);
    free(sw);
}

int sim__switch_add_port(struct sim_switch *sw, struct link_dir *out)
{
    if (sw->port_count >= SWITCH_MAX_PORTS ||
        !sim__grow_array((void **)&sw->out, &sw->port_cap, sw->port_count + 1, sizeof *sw->out))
        return -1;
    sw->out[sw->port_count] = out;
    return (int)sw->port_count++;
}

const struct synack_sim_switch_stats *sim__switch_stats(const struct sim_switch *sw)
{
    return &sw->stats;
}

/* FNV-1a over the six bytes: the first slot of the address's bucket. */
static size_t mac_bucket(const uint8_t mac[6])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 6; i++)
        h = (h ^ mac[i]) * 16777619u;
    return (size_t)(h ^ (h >> 16)) & (SWITCH_MACS - 1);
}

static bool entry_live(const struct mac_entry *e, synack_time_us now)
{
    return e->used && now - e->seen < SWITCH_AGEING_US;
}

static struct mac_entry *slot(struct sim_switch *sw, size_t bucket, int i)
{
    return &sw->table[(bucket + (size_t)i) & (SWITCH_MACS - 1)];
}

/* The port a unicast address was last seen on, or -1 when unknown or
 * aged out. */
static int lookup(struct sim_switch *sw, const uint8_t mac[6], synack_time_us now)
{
    size_t b = mac_bucket(mac);
    for (int i = 0; i < SWITCH_BUCKET; i++) {
        struct mac_entry *e = slot(sw, b, i);
        if (entry_live(e, now) && memcmp(e->mac, mac, 6) == 0)
            return e->port;
    }
    return -1;
}

/* Records that mac is reachable through port (see the bound above). */
static void learn(struct sim_switch *sw, const uint8_t mac[6], int port, synack_time_us now)
{
    size_t b = mac_bucket(mac);
    struct mac_entry *victim = NULL;
    for (int i = 0; i < SWITCH_BUCKET; i++) {
        struct mac_entry *e = slot(sw, b, i);
        if (e->used && memcmp(e->mac, mac, 6) == 0) {
            if (e->port != port || !entry_live(e, now))
                sw->stats.learned++;
            e->port = port;
            e->seen = now;
            return;
        }
        if (!entry_live(e, now)) {
            if (!victim || entry_live(victim, now))
                victim = e;
        } else if (!victim || (entry_live(victim, now) && e->seen < victim->seen)) {
            victim = e;
        }
    }
    memcpy(victim->mac, mac, 6);
    victim->used = true;
    victim->port = port;
    victim->seen = now;
    sw->stats.learned++;
}

static void flood(struct synack_sim *sim, struct sim_switch *sw, int in_port, const uint8_t *frame, size_t len)
{
    sw->stats.flooded++;
    for (size_t p = 0; p < sw->port_count; p++) {
        if ((int)p != in_port)
            sim__link_send(sim, sw->out[p], frame, len);
    }
}

void sim__switch_input(struct synack_sim *sim, struct sim_switch *sw, int port, const uint8_t *frame, size_t len)
{
    synack_time_us now = sim__now(sim);
    sw->stats.frames_in++;
    if (len < SIM_ETH_HEADER_LEN) {
        sw->stats.runts++;
        return;
    }
    const uint8_t *dst = frame, *src = frame + 6;
    if (!(src[0] & 1))
        learn(sw, src, port, now);
    if (dst[0] & 1) {
        flood(sim, sw, port, frame, len);
        return;
    }
    int out = lookup(sw, dst, now);
    if (out < 0) {
        flood(sim, sw, port, frame, len);
    } else if (out == port) {
        sw->stats.filtered++;
    } else {
        sw->stats.forwarded++;
        sim__link_send(sim, sw->out[out], frame, len);
    }
}
