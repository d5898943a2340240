/*
 * sim.c — the deterministic simulated network (synack/sim.h).
 *
 * A discrete-event simulator drives N stacks on one virtual clock.  Three
 * kinds of event live in one binary min-heap keyed by (time, insertion
 * sequence number), so events at the same instant run in the order they were
 * scheduled and every run with the same seed and the same calls is identical:
 *
 *   packet arrival   synack_input() on the destination host;
 *   host timer       the deadline the host's last synack_poll() returned;
 *   user timer       a callback registered with synack_sim_at().
 *
 * The call chain for one event is: take the earliest event off the heap,
 * move the clock to its time, do its action (input, or the user callback),
 * then "settle" the host: poll its stack, run its application callback,
 * poll again, and put the host's timer event at the deadline the stack
 * returned.  Every run starts by settling each host (without its
 * application), so socket calls the program made between runs are sent at
 * the current time.  Stacks send through their interface's transmit callback, which
 * only copies the packet and schedules its arrival: the simulator never calls
 * into a stack from inside that stack's transmit callback.
 *
 * Application and timer callbacks may call socket functions, synack_sim_at()
 * and the building calls, but not the synack_sim_run functions: the
 * simulator is not re-entrant.  The tap runs inside the sending stack's
 * transmit, so it must only observe.
 *
 * All randomness comes from seeded generators owned by the simulator (see
 * prng.h): one for synack_sim_random() and one per link direction for its
 * impairments, so changing the traffic on one link does not perturb another.
 * Nothing here reads a clock or calls rand().
 *
 * Routing.  An IP host's packet goes by its destination address (IPv4
 * bytes 16..19, IPv6 bytes 24..39, by the version nibble) to the host that
 * owns that address (one table of every host's addresses), then to the
 * point-to-point link joining the two, if any.  An Ethernet host's frame
 * goes to its switch port whatever it carries; the switch (sim_switch.c)
 * forwards it by MAC address.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "synack/sim.h"
#include "synack/stack.h"
#include "prng.h"
#include "sim_internal.h"

/* Sane caps so that a runaway test fails with an error instead of eating all
 * memory.  Neither is a property of the model. */
#define SIM_MAX_HOSTS 4096
#define SIM_MAX_LINKS (1 << 20)
#define SIM_MAX_SWITCHES 4096

/* How often settle_host() polls a stack that keeps returning a deadline at
 * or before now before it gives up and looks again 1 µs later.  A correct
 * stack runs everything due in one poll, so the second round is already
 * the exception; the bound only stops a misbehaving stack from spinning the
 * simulator forever at one instant. */
#define SIM_SETTLE_ROUNDS 4

#define SIM_DEFAULT_IFACE_MTU 1500
#define SIM_DEFAULT_LINK_MTU 65535
#define SIM_MIN_REORDER_EXTRA_US 1000
#define IPV4_MIN_HEADER 20
#define IPV4_DST_OFFSET 16
#define IPV6_HEADER 40
#define IPV6_DST_OFFSET 24
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd

/* A duplicated packet arrives this long after the original. */
#define SIM_DUP_GAP_US 1

/* Domains for prng_derive(), one per consumer of randomness. */
enum seed_domain { SEED_SIM_RANDOM = 1, SEED_HOST_SECRET = 2, SEED_LINK_DIR = 3 };

#define NO_HEAP_POS SIZE_MAX

enum event_kind { EVENT_PACKET, EVENT_HOST_TIMER, EVENT_USER_TIMER };

struct link_dir;

struct event {
    synack_time_us at;
    uint64_t seq;                /* insertion order; breaks ties at equal `at` */
    enum event_kind kind;
    int host;                    /* destination / timer host; < 0 for none */
    union {
        struct {
            uint8_t *data;       /* owned by the event until delivered or freed */
            size_t len;
            struct link_dir *dir;
        } packet;
        struct {
            synack_sim_timer_fn fn;
            void *ctx;
        } timer;
    } u;
};

/* A host reachable over one point-to-point link, and the direction to it. */
struct neighbour {
    int peer;
    struct link_dir *dir;
};

/* Hosts too are allocated one by one: a host is its interface's transmit
 * context, so it must not move in memory. */
struct sim_host {
    struct synack_sim *sim;
    int index;
    char *name;                  /* our copy; the stack keeps this pointer */
    struct synack_addr addrs[SYNACK_IFACE_MAX_ADDRS];   /* those the simulator routes to it */
    int naddrs;
    uint8_t link;                /* enum synack_link_type */
    uint8_t mac[6];              /* Ethernet */
    struct link_dir *port;       /* Ethernet: into its switch, once attached */
    struct synack_stack *stack;
    synack_sim_app_fn app;
    void *app_ctx;
    size_t timer_pos;            /* heap index of this host's timer event, or NO_HEAP_POS */
    struct neighbour *neighbours;  /* IP: one per point-to-point link */
    size_t neighbour_count, neighbour_cap;
};

/* Every host address the simulator routes, to its host: open addressing
 * with linear probing, at most half full.  Addresses are never removed. */
struct addr_slot {
    struct synack_addr addr;
    int host;                    /* -1: empty */
};

struct addr_map {
    struct addr_slot *slots;
    size_t mask;                 /* slot count - 1 (a power of two minus one); 0 before the first */
    size_t count;
};

struct synack_sim {
    uint64_t seed;
    synack_time_us now;
    uint64_t next_seq;
    struct sim_prng rng;         /* for synack_sim_random() */

    /* Invariant: heap_cap >= heap_len + (hosts without a timer event), so
     * scheduling a host timer never allocates and never fails.  Every other
     * push reserves room for all hosts' timers first. */
    struct event *heap;
    size_t heap_len, heap_cap;

    struct sim_host **hosts;
    int host_count, host_cap;
    struct sim_link **links;
    int link_count, link_cap;
    struct sim_switch **switches;
    int switch_count, switch_cap;
    struct addr_map addrs;

    synack_sim_tap_fn tap;
    void *tap_ctx;
    synack_sim_tap_fn arrival_tap;
    void *arrival_tap_ctx;
    synack_sim_tap_fn wire_tap;
    void *wire_tap_ctx;

    uint64_t unroutable;         /* packets to an address no link of the sender reaches */
    uint64_t deferred_polls;     /* times settle_host() gave up at SIM_SETTLE_ROUNDS */
};

static synack_time_us time_add(synack_time_us t, synack_time_us d)
{
    return t > SYNACK_TIME_NEVER - 1 - d ? SYNACK_TIME_NEVER - 1 : t + d;
}

static synack_time_us time_max(synack_time_us a, synack_time_us b)
{
    return a > b ? a : b;
}

/* Grows *array (of elem_size elements) so that it holds at least `need`. */
bool sim__grow_array(void **array, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap)
        return true;
    size_t new_cap = *cap ? *cap : 8;
    while (new_cap < need)
        new_cap *= 2;
    void *p = realloc(*array, new_cap * elem_size);
    if (!p)
        return false;
    *array = p;
    *cap = new_cap;
    return true;
}

/* ---- The event heap ---------------------------------------------------- */

static bool event_before(const struct event *a, const struct event *b)
{
    return a->at != b->at ? a->at < b->at : a->seq < b->seq;
}

/* Stores ev at pos and keeps its host's timer_pos in step. */
static void heap_place(struct synack_sim *sim, size_t pos, const struct event *ev)
{
    sim->heap[pos] = *ev;
    if (ev->kind == EVENT_HOST_TIMER)
        sim->hosts[ev->host]->timer_pos = pos;
}

static void heap_sift_up(struct synack_sim *sim, size_t pos)
{
    struct event ev = sim->heap[pos];
    while (pos > 0) {
        size_t parent = (pos - 1) / 2;
        if (!event_before(&ev, &sim->heap[parent]))
            break;
        heap_place(sim, pos, &sim->heap[parent]);
        pos = parent;
    }
    heap_place(sim, pos, &ev);
}

static void heap_sift_down(struct synack_sim *sim, size_t pos)
{
    struct event ev = sim->heap[pos];
    for (;;) {
        size_t child = 2 * pos + 1;
        if (child >= sim->heap_len)
            break;
        if (child + 1 < sim->heap_len && event_before(&sim->heap[child + 1], &sim->heap[child]))
            child++;
        if (!event_before(&sim->heap[child], &ev))
            break;
        heap_place(sim, pos, &sim->heap[child]);
        pos = child;
    }
    heap_place(sim, pos, &ev);
}

/* Restores heap order after the key at pos changed either way. */
static void heap_fix(struct synack_sim *sim, size_t pos)
{
    if (pos > 0 && event_before(&sim->heap[pos], &sim->heap[(pos - 1) / 2]))
        heap_sift_up(sim, pos);
    else
        heap_sift_down(sim, pos);
}

/* Makes room for `extra` events besides every host's timer event. */
static bool heap_reserve(struct synack_sim *sim, size_t extra)
{
    size_t need = sim->heap_len + extra + (size_t)sim->host_count;
    return sim__grow_array((void **)&sim->heap, &sim->heap_cap, need, sizeof *sim->heap);
}

/* Pushes ev with the next sequence number; room must have been reserved. */
static void heap_push(struct synack_sim *sim, struct event *ev)
{
    ev->seq = sim->next_seq++;
    size_t pos = sim->heap_len++;
    heap_place(sim, pos, ev);
    heap_sift_up(sim, pos);
}

static void heap_remove(struct synack_sim *sim, size_t pos, struct event *out)
{
    *out = sim->heap[pos];
    if (out->kind == EVENT_HOST_TIMER)
        sim->hosts[out->host]->timer_pos = NO_HEAP_POS;
    size_t last = --sim->heap_len;
    if (pos == last)
        return;
    heap_place(sim, pos, &sim->heap[last]);
    heap_fix(sim, pos);
}

/* ---- Host timers and settling ------------------------------------------ */

/* Keeps exactly one timer event per host, at the stack's current deadline,
 * or none when the stack has nothing scheduled. */
static void schedule_host_timer(struct synack_sim *sim, struct sim_host *host, synack_time_us deadline)
{
    if (host->timer_pos != NO_HEAP_POS) {
        struct event unused;
        struct event *ev = &sim->heap[host->timer_pos];
        if (deadline == SYNACK_TIME_NEVER) {
            heap_remove(sim, host->timer_pos, &unused);
        } else if (ev->at != deadline) {
            ev->at = deadline;
            ev->seq = sim->next_seq++;
            heap_fix(sim, host->timer_pos);
        }
        return;
    }
    if (deadline == SYNACK_TIME_NEVER)
        return;
    struct event ev = { .at = deadline, .kind = EVENT_HOST_TIMER, .host = host->index };
    heap_push(sim, &ev);   /* cannot fail: see the heap invariant */
}

/* Polls the host and, when asked, runs its application callback and polls
 * again so that the application's socket calls send at this instant. */
static synack_time_us poll_and_run_app(struct synack_sim *sim, struct sim_host *host, bool run_app)
{
    synack_time_us deadline = synack_poll(host->stack, sim->now);
    if (run_app && host->app) {
        host->app(sim, host->index, host->app_ctx);
        deadline = synack_poll(host->stack, sim->now);
    }
    return deadline;
}

/* Brings a host up to date after anything happened to it, and schedules its
 * next timer.  The public API cannot tell whether socket events are waiting,
 * so the application callback runs after every event on its host; it drains
 * synack_next_event() itself.  A deadline at or before now is polled again
 * (a few rounds at most, see SIM_SETTLE_ROUNDS); if the stack still wants
 * now, it is looked at again 1 µs later. */
static void settle_host(struct synack_sim *sim, struct sim_host *host, bool run_app)
{
    synack_time_us deadline = poll_and_run_app(sim, host, run_app);
    for (int round = 1; deadline <= sim->now && round < SIM_SETTLE_ROUNDS; round++)
        deadline = poll_and_run_app(sim, host, run_app);
    if (deadline <= sim->now) {
        deadline = time_add(sim->now, 1);
        sim->deferred_polls++;
    }
    schedule_host_timer(sim, host, deadline);
}

/* Polls every host before a run, so that socket calls the program made
 * outside any callback (between runs) take effect at the current time. */
static void settle_all_hosts(struct synack_sim *sim)
{
    for (int i = 0; i < sim->host_count; i++)
        settle_host(sim, sim->hosts[i], false);
}

/* ---- Links: queue, rate and impairments -------------------------------- */

static void fifo_expire(struct finish_fifo *f, synack_time_us now)
{
    while (f->count > 0 && f->times[f->head] <= now) {
        f->head = (f->head + 1) % f->cap;
        f->count--;
    }
}

static bool fifo_push(struct finish_fifo *f, synack_time_us t)
{
    if (f->count == f->cap) {
        size_t new_cap = f->cap ? f->cap * 2 : 16;
        synack_time_us *times = malloc(new_cap * sizeof *times);
        if (!times)
            return false;
        for (size_t i = 0; i < f->count; i++)
            times[i] = f->times[(f->head + i) % f->cap];
        free(f->times);
        f->times = times;
        f->head = 0;
        f->cap = new_cap;
    }
    f->times[(f->head + f->count) % f->cap] = t;
    f->count++;
    return true;
}

/* Time to put len bytes on the wire at rate_bps, rounded up to whole µs. */
static synack_time_us serialization_us(size_t len, uint64_t rate_bps)
{
    uint64_t bit_us = (uint64_t)len * 8u * 1000000u;
    return bit_us / rate_bps + (bit_us % rate_bps != 0);
}

/* Admits a packet to the direction's queue and sets when its serialization
 * finishes; false when the drop-tail queue is full (see struct link_dir). */
static bool link_admit(struct link_dir *dir, synack_time_us now, size_t len, synack_time_us *finish)
{
    const struct synack_link_params *p = &dir->params;
    if (p->rate_bps == 0) {
        *finish = now;
        return true;
    }
    bool bounded = p->queue_packets > 0;
    if (bounded) {
        fifo_expire(&dir->in_flight, now);
        if (dir->in_flight.count >= p->queue_packets)
            return false;
    }
    synack_time_us done = time_add(time_max(now, dir->busy_until), serialization_us(len, p->rate_bps));
    if (bounded && !fifo_push(&dir->in_flight, done))
        return false;   /* no memory to track it: the queue cannot hold it */
    dir->busy_until = done;
    *finish = done;
    return true;
}

/* Propagation: delay plus jitter, never before the previous in-order
 * arrival; a reordered packet is held back further and leaves that bound
 * where it was, so later packets may overtake it. */
static synack_time_us link_arrival(struct link_dir *dir, synack_time_us finish)
{
    const struct synack_link_params *p = &dir->params;
    synack_time_us at = time_add(finish, p->delay_us);
    if (p->jitter_us > 0)
        at = time_add(at, prng_upto(&dir->rng, p->jitter_us));
    at = time_max(at, dir->last_arrival);
    if (prng_chance(&dir->rng, p->reorder)) {
        dir->stats.reordered++;
        return time_add(at, p->reorder_extra_us);
    }
    dir->last_arrival = at;
    return at;
}

static void flip_random_bit(struct sim_prng *rng, uint8_t *data, size_t len)
{
    uint64_t bit = prng_upto(rng, (uint64_t)len * 8 - 1);
    data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

static void schedule_arrival(struct synack_sim *sim, struct link_dir *dir, uint8_t *data, size_t len,
                             synack_time_us at)
{
    struct event ev = {
        .at = at,
        .kind = EVENT_PACKET,
        .host = dir->to_host,
        .u.packet = { .data = data, .len = len, .dir = dir },
    };
    heap_push(sim, &ev);
}

/* Schedules a second copy of a packet just after the first.  Skipped
 * (and not counted) when there is no memory for the copy. */
static void schedule_duplicate(struct synack_sim *sim, struct link_dir *dir, const uint8_t *data,
                               size_t len, synack_time_us at)
{
    uint8_t *copy = malloc(len);
    if (!copy)
        return;
    memcpy(copy, data, len);
    dir->stats.duplicated++;
    schedule_arrival(sim, dir, copy, len, time_add(at, SIM_DUP_GAP_US));
}

/* Puts one packet (or frame) on a link direction: MTU, loss, queue and
 * rate, delay and jitter, then reordering, corruption and duplication; a
 * duplicate copies the packet as delivered, corruption included.  Drops
 * are the link's business, so they return 0; only running out of memory
 * is reported to the stack (as -SYNACK_ENOBUFS). */
int sim__link_send(struct synack_sim *sim, struct link_dir *dir, const uint8_t *packet, size_t len)
{
    dir->stats.packets_in++;
    if (len > (size_t)dir->params.mtu + dir->header_len) {
        dir->stats.mtu_drops++;
        return 0;
    }
    if (prng_chance(&dir->rng, dir->params.loss)) {
        dir->stats.lost++;
        return 0;
    }
    uint8_t *copy = malloc(len);
    if (!copy || !heap_reserve(sim, 2)) {
        free(copy);
        return -SYNACK_ENOBUFS;
    }
    synack_time_us finish;
    if (!link_admit(dir, sim->now, len, &finish)) {
        dir->stats.queue_drops++;
        free(copy);
        return 0;
    }
    memcpy(copy, packet, len);
    synack_time_us at = link_arrival(dir, finish);
    if (prng_chance(&dir->rng, dir->params.corrupt)) {
        flip_random_bit(&dir->rng, copy, len);
        dir->stats.corrupted++;
    }
    schedule_arrival(sim, dir, copy, len, at);
    if (prng_chance(&dir->rng, dir->params.dup))
        schedule_duplicate(sim, dir, copy, len, at);
    return 0;
}

/* ---- Routing ------------------------------------------------------------ */

/* FNV-1a over the family and the address bytes. */
static size_t addr_hash(const struct synack_addr *a)
{
    uint64_t h = 0xcbf29ce484222325u;
    h = (h ^ a->family) * 0x100000001b3u;
    for (int i = 0; i < 16; i++)
        h = (h ^ a->bytes[i]) * 0x100000001b3u;
    return (size_t)(h ^ (h >> 32));
}

/* The slot holding addr, or the empty one where it would go; the map must
 * have slots. */
static struct addr_slot *addr_slot(const struct addr_map *m, const struct synack_addr *addr)
{
    size_t i = addr_hash(addr) & m->mask;
    while (m->slots[i].host >= 0 && !synack_addr_equal(&m->slots[i].addr, addr))
        i = (i + 1) & m->mask;
    return &m->slots[i];
}

/* The host that owns addr, or -1. */
static int addr_owner(const struct addr_map *m, const struct synack_addr *addr)
{
    return m->slots ? addr_slot(m, addr)->host : -1;
}

/* Makes room for one more address (keeping the map at most half full). */
static bool addr_map_reserve(struct addr_map *m)
{
    size_t n = m->slots ? m->mask + 1 : 0;
    if (2 * (m->count + 1) <= n)
        return true;
    size_t new_n = n ? 2 * n : 16;
    struct addr_slot *old = m->slots;
    m->slots = malloc(new_n * sizeof *m->slots);
    if (!m->slots) {
        m->slots = old;
        return false;
    }
    for (size_t i = 0; i < new_n; i++)
        m->slots[i].host = -1;
    m->mask = new_n - 1;
    for (size_t i = 0; i < n; i++) {
        if (old[i].host >= 0)
            *addr_slot(m, &old[i].addr) = old[i];
    }
    free(old);
    return true;
}

/* Room must have been reserved, and addr must not be in the map. */
static void addr_map_add(struct addr_map *m, const struct synack_addr *addr, int host)
{
    struct addr_slot *slot = addr_slot(m, addr);
    slot->addr = *addr;
    slot->host = host;
    m->count++;
}

/* The destination address of an IPv4 or IPv6 packet (by its version
 * nibble); false when the packet is too short for its fixed header or of
 * another version. */
static bool packet_dst(const uint8_t *packet, size_t len, struct synack_addr *dst)
{
    memset(dst, 0, sizeof *dst);
    if (len >= IPV4_MIN_HEADER && packet[0] >> 4 == 4) {
        dst->family = SYNACK_AF_INET;
        memcpy(dst->bytes, packet + IPV4_DST_OFFSET, 4);
        return true;
    }
    if (len >= IPV6_HEADER && packet[0] >> 4 == 6) {
        dst->family = SYNACK_AF_INET6;
        memcpy(dst->bytes, packet + IPV6_DST_OFFSET, 16);
        return true;
    }
    return false;
}

/* The point-to-point link that joins this IP host to the owner of the
 * packet's destination, or NULL. */
static struct link_dir *route(const struct synack_sim *sim, const struct sim_host *host, const uint8_t *packet,
                              size_t len)
{
    struct synack_addr dst;
    if (!packet_dst(packet, len, &dst))
        return NULL;
    int owner = addr_owner(&sim->addrs, &dst);
    if (owner < 0)
        return NULL;
    for (size_t i = 0; i < host->neighbour_count; i++) {
        if (host->neighbours[i].peer == owner)
            return host->neighbours[i].dir;
    }
    return NULL;
}

/* The IP packet a frame carries, cut to the length its IP header gives
 * (so without the padding of a short frame), or NULL when it carries
 * something else (ARP) or is too short to tell. */
static const uint8_t *frame_ip(const uint8_t *frame, size_t len, size_t *ip_len)
{
    if (len < SIM_ETH_HEADER_LEN)
        return NULL;
    unsigned type = (unsigned)frame[12] << 8 | frame[13];
    const uint8_t *ip = frame + SIM_ETH_HEADER_LEN;
    size_t n = len - SIM_ETH_HEADER_LEN;
    size_t stated;
    if (type == ETHERTYPE_IPV4 && n >= IPV4_MIN_HEADER)
        stated = (size_t)ip[2] << 8 | ip[3];
    else if (type == ETHERTYPE_IPV6 && n >= IPV6_HEADER)
        stated = IPV6_HEADER + ((size_t)ip[4] << 8 | ip[5]);
    else
        return NULL;
    *ip_len = stated < n ? stated : n;
    return ip;
}

/* Shows a packet to a tap that takes IP packets: an Ethernet host's frame
 * as the IP packet in it, if any. */
static void tap_ip(synack_sim_tap_fn fn, void *ctx, const struct sim_host *host, synack_time_us now,
                   const uint8_t *packet, size_t len)
{
    if (host->link == SYNACK_LINK_ETHERNET) {
        packet = frame_ip(packet, len, &len);
        if (!packet)
            return;
    }
    fn(ctx, host->index, now, packet, len);
}

/* Sends a packet from host: the taps see it, then the link to its
 * destination (for an Ethernet host, its switch port) takes it, or it is
 * counted as unroutable. */
static int host_send(struct synack_sim *sim, struct sim_host *host, const uint8_t *packet, size_t len)
{
    if (sim->wire_tap)
        sim->wire_tap(sim->wire_tap_ctx, host->index, sim->now, packet, len);
    if (sim->tap)
        tap_ip(sim->tap, sim->tap_ctx, host, sim->now, packet, len);
    struct link_dir *dir = host->link == SYNACK_LINK_ETHERNET ? host->port : route(sim, host, packet, len);
    if (!dir) {
        sim->unroutable++;
        return 0;
    }
    return sim__link_send(sim, dir, packet, len);
}

/* The interface's transmit callback.  It runs inside the sending stack's
 * input or poll, so it only copies the packet and schedules events. */
static int host_transmit(void *ctx, const uint8_t *packet, size_t len)
{
    struct sim_host *host = ctx;
    return host_send(host->sim, host, packet, len);
}

/* ---- Running events ----------------------------------------------------- */

/* A packet reached the end of its link: a host's stack, or a switch. */
static void deliver_packet(struct synack_sim *sim, const struct event *ev)
{
    struct link_dir *dir = ev->u.packet.dir;
    dir->stats.packets_delivered++;
    dir->stats.bytes_delivered += ev->u.packet.len;
    if (dir->to_switch) {
        sim__switch_input(sim, dir->to_switch, dir->to_port, ev->u.packet.data, ev->u.packet.len);
        free(ev->u.packet.data);
        return;
    }
    struct sim_host *host = sim->hosts[ev->host];
    if (sim->arrival_tap)
        tap_ip(sim->arrival_tap, sim->arrival_tap_ctx, host, sim->now, ev->u.packet.data, ev->u.packet.len);
    synack_input(host->stack, 0, ev->u.packet.data, ev->u.packet.len, sim->now);
    free(ev->u.packet.data);
    settle_host(sim, host, true);
}

static void run_user_timer(struct synack_sim *sim, const struct event *ev)
{
    ev->u.timer.fn(sim, ev->u.timer.ctx);
    if (ev->host >= 0 && ev->host < sim->host_count)
        settle_host(sim, sim->hosts[ev->host], true);
}

/* Runs the earliest event; the heap must not be empty. */
static void run_next_event(struct synack_sim *sim)
{
    struct event ev;
    heap_remove(sim, 0, &ev);
    sim->now = time_max(sim->now, ev.at);
    switch (ev.kind) {
    case EVENT_PACKET:
        deliver_packet(sim, &ev);
        break;
    case EVENT_HOST_TIMER:
        settle_host(sim, sim->hosts[ev.host], true);
        break;
    case EVENT_USER_TIMER:
        run_user_timer(sim, &ev);
        break;
    }
}

/* Whether an event is due at or before limit. */
static bool event_due(const struct synack_sim *sim, synack_time_us limit)
{
    return sim->heap_len > 0 && sim->heap[0].at <= limit;
}

/* A t before now leaves the clock where it is: time never goes backwards. */
void synack_sim_run_until(struct synack_sim *sim, synack_time_us t)
{
    settle_all_hosts(sim);
    while (event_due(sim, t))
        run_next_event(sim);
    sim->now = time_max(sim->now, t);
}

bool synack_sim_run_until_idle(struct synack_sim *sim, synack_time_us limit)
{
    settle_all_hosts(sim);
    while (event_due(sim, limit))
        run_next_event(sim);
    if (sim->heap_len == 0)
        return true;
    sim->now = time_max(sim->now, limit);
    return false;
}

/* Returns true when keep_going() turned false (it is asked before the first
 * event and after each one), false when the run reached limit or nothing
 * was left to run.  At the limit the clock ends at limit; when idle it
 * stays at the last event. */
bool synack_sim_run_while(struct synack_sim *sim, synack_time_us limit,
                          bool (*keep_going)(void *ctx), void *ctx)
{
    settle_all_hosts(sim);
    for (;;) {
        if (keep_going && !keep_going(ctx))
            return true;
        if (!event_due(sim, limit))
            break;
        run_next_event(sim);
    }
    if (sim->heap_len > 0)
        sim->now = time_max(sim->now, limit);
    return false;
}

/* ---- Building the network ---------------------------------------------- */

struct synack_sim *synack_sim_new(uint64_t seed)
{
    struct synack_sim *sim = calloc(1, sizeof *sim);
    if (!sim)
        return NULL;
    sim->seed = seed;
    prng_seed(&sim->rng, prng_derive(seed, SEED_SIM_RANDOM, 0));
    return sim;
}

static void free_host(struct sim_host *host)
{
    if (!host)
        return;
    if (host->stack)
        synack_stack_free(host->stack);
    free(host->neighbours);
    free(host->name);
    free(host);
}

void synack_sim_free(struct synack_sim *sim)
{
    if (!sim)
        return;
    for (size_t i = 0; i < sim->heap_len; i++) {
        if (sim->heap[i].kind == EVENT_PACKET)
            free(sim->heap[i].u.packet.data);
    }
    free(sim->heap);
    for (int i = 0; i < sim->host_count; i++)
        free_host(sim->hosts[i]);
    free(sim->hosts);
    for (int i = 0; i < sim->link_count; i++) {
        free(sim->links[i]->dir[0].in_flight.times);
        free(sim->links[i]->dir[1].in_flight.times);
        free(sim->links[i]);
    }
    free(sim->links);
    for (int i = 0; i < sim->switch_count; i++)
        sim__switch_free(sim->switches[i]);
    free(sim->switches);
    free(sim->addrs.slots);
    free(sim);
}

static bool valid_host(const struct synack_sim *sim, int host)
{
    return sim && host >= 0 && host < sim->host_count;
}

static char *copy_host_name(const char *name, int index)
{
    char fallback[32];
    if (!name) {
        snprintf(fallback, sizeof fallback, "host%d", index);
        name = fallback;
    }
    size_t len = strlen(name) + 1;
    char *copy = malloc(len);
    if (copy)
        memcpy(copy, name, len);
    return copy;
}

/* The prefix an address gets when the caller leaves it 0: the whole
 * address on an IP link (the simulator routes; the stack sends everything
 * to its one interface), a LAN's /24 or /64 on Ethernet (the stack
 * resolves neighbours on it). */
static uint8_t default_prefix(uint8_t link, const struct synack_addr *addr)
{
    bool v6 = addr->family == SYNACK_AF_INET6;
    if (link == SYNACK_LINK_ETHERNET)
        return v6 ? 64 : 24;
    return v6 ? 128 : 32;
}

static bool mac_is_zero(const uint8_t mac[6])
{
    static const uint8_t zero[6];
    return memcmp(mac, zero, 6) == 0;
}

static bool mac_in_use(const struct synack_sim *sim, const uint8_t mac[6])
{
    for (int i = 0; i < sim->host_count; i++) {
        if (sim->hosts[i]->link == SYNACK_LINK_ETHERNET && memcmp(sim->hosts[i]->mac, mac, 6) == 0)
            return true;
    }
    return false;
}

/* Creates the host's stack and its one interface. */
static int host_start_stack(struct synack_sim *sim, struct sim_host *host, const struct synack_sim_host_params *p)
{
    struct synack_config config;
    if (p->cfg)
        config = *p->cfg;
    else
        synack_config_default(&config);
    config.name = host->name;
    if (config.secret == 0)
        config.secret = prng_derive(sim->seed, SEED_HOST_SECRET, (uint64_t)host->index) | 1;
    host->stack = synack_stack_new(&config);
    if (!host->stack)
        return -SYNACK_EINVAL;   /* bad config or no memory; the stack cannot say which */
    struct synack_iface_config iface = {
        .addr = p->addr,
        .prefix_len = p->prefix_len ? p->prefix_len : default_prefix(host->link, &p->addr),
        .mtu = p->mtu ? p->mtu : SIM_DEFAULT_IFACE_MTU,
        .transmit = host_transmit,
        .transmit_ctx = host,
        .link = host->link,
    };
    memcpy(iface.mac, host->mac, 6);
    int rc = synack_iface_add(host->stack, &iface);
    return rc < 0 ? rc : 0;
}

/* Enters addr as the host's (room in the map reserved by the caller). */
static void host_add_routed_addr(struct synack_sim *sim, struct sim_host *host, const struct synack_addr *addr)
{
    host->addrs[host->naddrs++] = *addr;
    addr_map_add(&sim->addrs, addr, host->index);
}

int synack_sim_add_host_params(struct synack_sim *sim, const struct synack_sim_host_params *p)
{
    if (!sim || !p || (p->link != SYNACK_LINK_IP && p->link != SYNACK_LINK_ETHERNET))
        return -SYNACK_EINVAL;
    if (p->addr.family != SYNACK_AF_INET && p->addr.family != SYNACK_AF_INET6)
        return -SYNACK_EAFNOSUPPORT;
    if (sim->host_count >= SIM_MAX_HOSTS)
        return -SYNACK_ENOMEM;
    if (addr_owner(&sim->addrs, &p->addr) >= 0)
        return -SYNACK_EADDRINUSE;
    size_t cap = (size_t)sim->host_cap;
    if (!sim__grow_array((void **)&sim->hosts, &cap, (size_t)sim->host_count + 1, sizeof *sim->hosts))
        return -SYNACK_ENOMEM;
    sim->host_cap = (int)cap;
    if (!heap_reserve(sim, 1) || !addr_map_reserve(&sim->addrs))   /* the new host's timer and address */
        return -SYNACK_ENOMEM;
    struct sim_host *host = calloc(1, sizeof *host);
    if (!host)
        return -SYNACK_ENOMEM;
    host->sim = sim;
    host->index = sim->host_count;
    host->link = p->link;
    host->timer_pos = NO_HEAP_POS;
    if (host->link == SYNACK_LINK_ETHERNET) {
        if (mac_is_zero(p->mac)) {
            uint32_t n = (uint32_t)host->index + 1;
            const uint8_t mac[6] = { 0x02, 0, 0, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
            memcpy(host->mac, mac, 6);
        } else {
            memcpy(host->mac, p->mac, 6);
        }
        /* Unicast, and one host per address, or the switch cannot tell
         * hosts apart. */
        int bad = (host->mac[0] & 1) ? -SYNACK_EINVAL : mac_in_use(sim, host->mac) ? -SYNACK_EADDRINUSE : 0;
        if (bad) {
            free_host(host);
            return bad;
        }
    }
    host->name = copy_host_name(p->name, host->index);
    int rc = host->name ? host_start_stack(sim, host, p) : -SYNACK_ENOMEM;
    if (rc < 0) {
        free_host(host);
        return rc;
    }
    host_add_routed_addr(sim, host, &p->addr);
    sim->hosts[sim->host_count++] = host;
    return host->index;
}

int synack_sim_add_host(struct synack_sim *sim, const char *name,
                        const struct synack_config *cfg, struct synack_addr addr,
                        uint32_t mtu)
{
    struct synack_sim_host_params p = { .name = name, .cfg = cfg, .addr = addr, .mtu = mtu };
    return synack_sim_add_host_params(sim, &p);
}

int synack_sim_add_host_addr(struct synack_sim *sim, int host, struct synack_addr addr, uint8_t prefix_len)
{
    if (!valid_host(sim, host))
        return -SYNACK_EINVAL;
    if (addr.family != SYNACK_AF_INET && addr.family != SYNACK_AF_INET6)
        return -SYNACK_EAFNOSUPPORT;
    struct sim_host *h = sim->hosts[host];
    if (addr_owner(&sim->addrs, &addr) >= 0)
        return -SYNACK_EADDRINUSE;
    if (h->naddrs == SYNACK_IFACE_MAX_ADDRS)
        return -SYNACK_ENOMEM;
    if (!addr_map_reserve(&sim->addrs))
        return -SYNACK_ENOMEM;
    int rc = synack_iface_add_addr(h->stack, 0, addr, prefix_len ? prefix_len : default_prefix(h->link, &addr));
    if (rc < 0)
        return rc;
    host_add_routed_addr(sim, h, &addr);
    return 0;
}

struct synack_stack *synack_sim_stack(struct synack_sim *sim, int host)
{
    return valid_host(sim, host) ? sim->hosts[host]->stack : NULL;
}

const char *synack_sim_host_name(struct synack_sim *sim, int host)
{
    return valid_host(sim, host) ? sim->hosts[host]->name : NULL;
}

int synack_sim_host_count(const struct synack_sim *sim)
{
    return sim ? sim->host_count : 0;
}

int synack_sim_host_link(const struct synack_sim *sim, int host)
{
    return valid_host(sim, host) ? sim->hosts[host]->link : -SYNACK_EINVAL;
}

int synack_sim_host_mac(const struct synack_sim *sim, int host, uint8_t mac[6])
{
    if (!valid_host(sim, host) || sim->hosts[host]->link != SYNACK_LINK_ETHERNET)
        return -SYNACK_EINVAL;
    memcpy(mac, sim->hosts[host]->mac, 6);
    return 0;
}

static bool probability_valid(double p)
{
    return p >= 0.0 && p <= 1.0;   /* false for NaN too */
}

/* Copies params (NULL: an ideal link) and fills in the defaults. */
static int link_params_normalize(const struct synack_link_params *in, struct synack_link_params *out)
{
    if (in)
        *out = *in;
    else
        memset(out, 0, sizeof *out);
    if (!probability_valid(out->loss) || !probability_valid(out->dup) ||
        !probability_valid(out->reorder) || !probability_valid(out->corrupt))
        return -SYNACK_EINVAL;
    if (out->mtu == 0)
        out->mtu = SIM_DEFAULT_LINK_MTU;
    if (out->reorder_extra_us == 0)
        out->reorder_extra_us = time_max(out->delay_us, SIM_MIN_REORDER_EXTRA_US);
    return 0;
}

static bool hosts_linked(const struct sim_host *a, const struct sim_host *b)
{
    for (size_t i = 0; i < a->neighbour_count; i++) {
        if (a->neighbours[i].peer == b->index)
            return true;
    }
    return false;
}

static bool reserve_neighbour(struct sim_host *host)
{
    return sim__grow_array((void **)&host->neighbours, &host->neighbour_cap, host->neighbour_count + 1,
                           sizeof *host->neighbours);
}

static void add_neighbour(struct sim_host *host, const struct sim_host *peer, struct link_dir *dir)
{
    struct neighbour *n = &host->neighbours[host->neighbour_count++];
    n->peer = peer->index;
    n->dir = dir;
}

static void link_dir_init(struct synack_sim *sim, struct link_dir *dir, const struct synack_link_params *params,
                          int link, int direction)
{
    dir->params = *params;
    dir->to_host = -1;
    prng_seed(&dir->rng, prng_derive(sim->seed, SEED_LINK_DIR, 2 * (uint64_t)link + (uint64_t)direction));
}

struct sim_link *sim__link_new(struct synack_sim *sim, int a, int b, const struct synack_link_params *a_to_b,
                               const struct synack_link_params *b_to_a, int *err)
{
    struct synack_link_params ab, ba;
    *err = -SYNACK_EINVAL;
    if (link_params_normalize(a_to_b, &ab) < 0 || link_params_normalize(b_to_a, &ba) < 0)
        return NULL;
    *err = -SYNACK_ENOMEM;
    if (sim->link_count >= SIM_MAX_LINKS)
        return NULL;
    size_t cap = (size_t)sim->link_cap;
    if (!sim__grow_array((void **)&sim->links, &cap, (size_t)sim->link_count + 1, sizeof *sim->links))
        return NULL;
    sim->link_cap = (int)cap;
    struct sim_link *link = calloc(1, sizeof *link);
    if (!link)
        return NULL;
    int index = sim->link_count;
    link->a = a;
    link->b = b;
    link_dir_init(sim, &link->dir[0], &ab, index, 0);
    link_dir_init(sim, &link->dir[1], &ba, index, 1);
    sim->links[sim->link_count++] = link;
    *err = 0;
    return link;
}

int synack_sim_link(struct synack_sim *sim, int a, int b, const struct synack_link_params *a_to_b,
                    const struct synack_link_params *b_to_a)
{
    if (!valid_host(sim, a) || !valid_host(sim, b) || a == b)
        return -SYNACK_EINVAL;
    struct sim_host *ha = sim->hosts[a], *hb = sim->hosts[b];
    if (ha->link != SYNACK_LINK_IP || hb->link != SYNACK_LINK_IP)
        return -SYNACK_EINVAL;   /* an Ethernet host is joined through a switch */
    if (hosts_linked(ha, hb))
        return -SYNACK_EINVAL;   /* one link per pair: routing would be ambiguous */
    if (!reserve_neighbour(ha) || !reserve_neighbour(hb))
        return -SYNACK_ENOMEM;
    int err;
    struct sim_link *link = sim__link_new(sim, a, b, a_to_b, b_to_a, &err);
    if (!link)
        return err;
    link->dir[0].to_host = b;
    link->dir[1].to_host = a;
    add_neighbour(ha, hb, &link->dir[0]);
    add_neighbour(hb, ha, &link->dir[1]);
    return sim->link_count - 1;
}

const struct synack_link_stats *synack_sim_link_stats(struct synack_sim *sim, int link, int from_host)
{
    if (!sim || link < 0 || link >= sim->link_count)
        return NULL;
    struct sim_link *l = sim->links[link];
    if (from_host == l->a)
        return &l->dir[0].stats;
    if (from_host == l->b)
        return &l->dir[1].stats;
    return NULL;
}

/* ---- Switches ------------------------------------------------------------- */

int synack_sim_switch_new(struct synack_sim *sim)
{
    if (!sim || sim->switch_count >= SIM_MAX_SWITCHES)
        return -SYNACK_ENOMEM;
    size_t cap = (size_t)sim->switch_cap;
    if (!sim__grow_array((void **)&sim->switches, &cap, (size_t)sim->switch_count + 1, sizeof *sim->switches))
        return -SYNACK_ENOMEM;
    sim->switch_cap = (int)cap;
    struct sim_switch *sw = sim__switch_new(sim->switch_count);
    if (!sw)
        return -SYNACK_ENOMEM;
    sim->switches[sim->switch_count] = sw;
    return sim->switch_count++;
}

int synack_sim_switch_attach(struct synack_sim *sim, int sw, int host, const struct synack_link_params *to_switch,
                             const struct synack_link_params *from_switch)
{
    if (!sim || sw < 0 || sw >= sim->switch_count || !valid_host(sim, host))
        return -SYNACK_EINVAL;
    struct sim_host *h = sim->hosts[host];
    if (h->link != SYNACK_LINK_ETHERNET || h->port)
        return -SYNACK_EINVAL;
    int err;
    struct sim_link *link = sim__link_new(sim, host, SYNACK_SIM_SWITCH, to_switch, from_switch, &err);
    if (!link)
        return err;
    int port = sim__switch_add_port(sim->switches[sw], &link->dir[1]);
    if (port < 0)
        return -SYNACK_ENOMEM;   /* the link stays, unused: numbers already given out stay valid */
    link->dir[0].to_switch = sim->switches[sw];
    link->dir[0].to_port = port;
    link->dir[0].header_len = SIM_ETH_HEADER_LEN;
    link->dir[1].to_host = host;
    link->dir[1].header_len = SIM_ETH_HEADER_LEN;
    h->port = &link->dir[0];
    return sim->link_count - 1;
}

const struct synack_sim_switch_stats *synack_sim_switch_stats(const struct synack_sim *sim, int sw)
{
    if (!sim || sw < 0 || sw >= sim->switch_count)
        return NULL;
    return sim__switch_stats(sim->switches[sw]);
}

/* ---- Applications, timers, tap, clock ---------------------------------- */

void synack_sim_set_app(struct synack_sim *sim, int host, synack_sim_app_fn fn, void *ctx)
{
    if (!valid_host(sim, host))
        return;
    sim->hosts[host]->app = fn;
    sim->hosts[host]->app_ctx = ctx;
}

/* A time before now is moved to now.  Beyond the contract's 0 and
 * -SYNACK_ENOMEM, a NULL fn or a host number that does not exist (a
 * negative one means "no host") returns -SYNACK_EINVAL. */
int synack_sim_at(struct synack_sim *sim, synack_time_us at, int host, synack_sim_timer_fn fn, void *ctx)
{
    if (!sim || !fn || host >= sim->host_count)
        return -SYNACK_EINVAL;
    if (!heap_reserve(sim, 1))
        return -SYNACK_ENOMEM;
    struct event ev = {
        .at = time_max(at, sim->now),
        .kind = EVENT_USER_TIMER,
        .host = host < 0 ? -1 : host,
        .u.timer = { .fn = fn, .ctx = ctx },
    };
    heap_push(sim, &ev);
    return 0;
}

void synack_sim_set_tap(struct synack_sim *sim, synack_sim_tap_fn fn, void *ctx)
{
    if (!sim)
        return;
    sim->tap = fn;
    sim->tap_ctx = ctx;
}

void synack_sim_set_arrival_tap(struct synack_sim *sim, synack_sim_tap_fn fn, void *ctx)
{
    if (!sim)
        return;
    sim->arrival_tap = fn;
    sim->arrival_tap_ctx = ctx;
}

void synack_sim_set_wire_tap(struct synack_sim *sim, synack_sim_tap_fn fn, void *ctx)
{
    if (!sim)
        return;
    sim->wire_tap = fn;
    sim->wire_tap_ctx = ctx;
}

/* At least the fixed header of what the host's link carries: an Ethernet
 * header, or an IPv4 or IPv6 header by the version nibble. */
static bool raw_len_valid(const struct sim_host *host, const uint8_t *packet, size_t len)
{
    if (host->link == SYNACK_LINK_ETHERNET)
        return len >= SIM_ETH_HEADER_LEN && len <= SIM_DEFAULT_LINK_MTU + SIM_ETH_HEADER_LEN;
    if (len < IPV4_MIN_HEADER || len > SIM_DEFAULT_LINK_MTU)
        return false;
    return packet[0] >> 4 != 6 || len >= IPV6_HEADER;
}

int synack_sim_send_raw(struct synack_sim *sim, int from_host, const uint8_t *packet, size_t len)
{
    if (!valid_host(sim, from_host) || !packet || !raw_len_valid(sim->hosts[from_host], packet, len))
        return -SYNACK_EINVAL;
    return host_send(sim, sim->hosts[from_host], packet, len);
}

uint64_t synack_sim_unroutable(const struct synack_sim *sim)
{
    return sim ? sim->unroutable : 0;
}

synack_time_us synack_sim_now(const struct synack_sim *sim)
{
    return sim->now;
}

synack_time_us sim__now(const struct synack_sim *sim)
{
    return sim->now;
}

uint64_t synack_sim_random(struct synack_sim *sim)
{
    return prng_next(&sim->rng);
}
