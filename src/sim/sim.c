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
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "synack/sim.h"
#include "synack/stack.h"
#include "prng.h"

/* Sane caps so that a runaway test fails with an error instead of eating all
 * memory.  Neither is a property of the model. */
#define SIM_MAX_HOSTS 4096
#define SIM_MAX_LINKS (1 << 20)

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

/* Transmission finish times of the packets a rate-limited direction has
 * accepted; the ones still in the future are the queue's occupancy.  Finish
 * times are increasing, so expired ones are always at the front. */
struct finish_fifo {
    synack_time_us *times;
    size_t head, count, cap;
};

/* One direction of a link.
 *
 * Queue and rate model: a direction is a drop-tail FIFO in front of a
 * serializer of rate_bps bits per second.  A packet accepted at time `now`
 * starts serializing at max(now, busy_until), when the packets before it
 * have finished, and finishes len*8/rate seconds later (rounded up to whole
 * microseconds); busy_until then moves to that finish time.  The queue's
 * occupancy is the number of accepted packets whose serialization has not
 * finished (the one on the wire included); a packet that finds it at
 * queue_packets is dropped.  With rate 0 a packet finishes the instant it
 * is sent, so nothing ever queues.  The packet then propagates for
 * delay_us plus a uniform jitter; jitter alone never reorders, because an
 * arrival is never scheduled before the previous in-order arrival. */
struct link_dir {
    struct synack_link_params params;   /* normalized: mtu and reorder_extra_us set */
    struct synack_link_stats stats;
    struct sim_prng rng;                /* this direction's impairments only */
    int to_host;
    synack_time_us busy_until;          /* serializer free from this time */
    synack_time_us last_arrival;        /* latest in-order arrival scheduled */
    struct finish_fifo in_flight;       /* only kept when the queue is bounded */
};

/* Links are allocated one by one so that pointers to their directions (held
 * by packet events, neighbour entries and callers of link_stats) stay valid
 * when the link array grows. */
struct sim_link {
    int a, b;
    struct link_dir dir[2];             /* [0] a to b, [1] b to a */
};

/* A host reachable over one link: its address and the direction to it. */
struct neighbour {
    uint8_t addr[4];
    struct link_dir *dir;
};

/* Hosts too are allocated one by one: a host is its interface's transmit
 * context, so it must not move in memory. */
struct sim_host {
    struct synack_sim *sim;
    int index;
    char *name;                  /* our copy; the stack keeps this pointer */
    struct synack_addr addr;
    struct synack_stack *stack;
    synack_sim_app_fn app;
    void *app_ctx;
    size_t timer_pos;            /* heap index of this host's timer event, or NO_HEAP_POS */
    struct neighbour *neighbours;
    size_t neighbour_count, neighbour_cap;
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

    synack_sim_tap_fn tap;
    void *tap_ctx;
    synack_sim_tap_fn arrival_tap;
    void *arrival_tap_ctx;

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
static bool grow_array(void **array, size_t *cap, size_t need, size_t elem_size)
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
    return grow_array((void **)&sim->heap, &sim->heap_cap, need, sizeof *sim->heap);
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

/* Puts one packet (at least an IPv4 header long) on a link direction: MTU,
 * loss, queue and rate, delay and jitter, then reordering, corruption and
 * duplication; a duplicate copies the packet as delivered, corruption
 * included.  Drops are the link's business, so they return 0; only running
 * out of memory is reported to the stack (as -SYNACK_ENOBUFS). */
static int link_send(struct synack_sim *sim, struct link_dir *dir, const uint8_t *packet, size_t len)
{
    dir->stats.packets_in++;
    if (len > dir->params.mtu) {
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

/* The link that joins this host to the owner of the packet's IPv4
 * destination, or NULL. */
static struct link_dir *route(const struct sim_host *host, const uint8_t *packet, size_t len)
{
    if (len < IPV4_MIN_HEADER || packet[0] >> 4 != 4)
        return NULL;
    for (size_t i = 0; i < host->neighbour_count; i++) {
        if (memcmp(host->neighbours[i].addr, packet + IPV4_DST_OFFSET, 4) == 0)
            return host->neighbours[i].dir;
    }
    return NULL;
}

/* Sends a packet from host: the tap sees it, then the link to its
 * destination takes it, or it is counted as unroutable. */
static int host_send(struct synack_sim *sim, struct sim_host *host, const uint8_t *packet, size_t len)
{
    if (sim->tap)
        sim->tap(sim->tap_ctx, host->index, sim->now, packet, len);
    struct link_dir *dir = route(host, packet, len);
    if (!dir) {
        sim->unroutable++;
        return 0;
    }
    return link_send(sim, dir, packet, len);
}

/* The interface's transmit callback.  It runs inside the sending stack's
 * input or poll, so it only copies the packet and schedules events. */
static int host_transmit(void *ctx, const uint8_t *packet, size_t len)
{
    struct sim_host *host = ctx;
    return host_send(host->sim, host, packet, len);
}

/* ---- Running events ----------------------------------------------------- */

static void deliver_packet(struct synack_sim *sim, const struct event *ev)
{
    struct sim_host *host = sim->hosts[ev->host];
    struct link_dir *dir = ev->u.packet.dir;
    dir->stats.packets_delivered++;
    dir->stats.bytes_delivered += ev->u.packet.len;
    if (sim->arrival_tap)
        sim->arrival_tap(sim->arrival_tap_ctx, host->index, sim->now, ev->u.packet.data, ev->u.packet.len);
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
    free(sim);
}

static bool valid_host(const struct synack_sim *sim, int host)
{
    return sim && host >= 0 && host < sim->host_count;
}

static struct sim_host *host_by_addr(const struct synack_sim *sim, const struct synack_addr *addr)
{
    for (int i = 0; i < sim->host_count; i++) {
        if (synack_addr_equal(&sim->hosts[i]->addr, addr))
            return sim->hosts[i];
    }
    return NULL;
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

/* Creates the host's stack and its one interface. */
static int host_start_stack(struct synack_sim *sim, struct sim_host *host, const struct synack_config *cfg,
                            uint32_t mtu)
{
    struct synack_config config;
    if (cfg)
        config = *cfg;
    else
        synack_config_default(&config);
    config.name = host->name;
    if (config.secret == 0)
        config.secret = prng_derive(sim->seed, SEED_HOST_SECRET, (uint64_t)host->index) | 1;
    host->stack = synack_stack_new(&config);
    if (!host->stack)
        return -SYNACK_EINVAL;   /* bad config or no memory; the stack cannot say which */
    struct synack_iface_config iface = {
        .addr = host->addr,
        .prefix_len = 32,        /* the simulator routes; the stack sends everything here */
        .mtu = mtu ? mtu : SIM_DEFAULT_IFACE_MTU,
        .transmit = host_transmit,
        .transmit_ctx = host,
    };
    int rc = synack_iface_add(host->stack, &iface);
    return rc < 0 ? rc : 0;
}

int synack_sim_add_host(struct synack_sim *sim, const char *name,
                        const struct synack_config *cfg, struct synack_addr addr,
                        uint32_t mtu)
{
    if (!sim)
        return -SYNACK_EINVAL;
    if (addr.family != SYNACK_AF_INET)
        return -SYNACK_EAFNOSUPPORT;
    if (sim->host_count >= SIM_MAX_HOSTS)
        return -SYNACK_ENOMEM;
    if (host_by_addr(sim, &addr))
        return -SYNACK_EADDRINUSE;
    size_t cap = (size_t)sim->host_cap;
    if (!grow_array((void **)&sim->hosts, &cap, (size_t)sim->host_count + 1, sizeof *sim->hosts))
        return -SYNACK_ENOMEM;
    sim->host_cap = (int)cap;
    if (!heap_reserve(sim, 1))   /* room for the new host's timer */
        return -SYNACK_ENOMEM;
    struct sim_host *host = calloc(1, sizeof *host);
    if (!host)
        return -SYNACK_ENOMEM;
    host->sim = sim;
    host->index = sim->host_count;
    host->addr = addr;
    host->timer_pos = NO_HEAP_POS;
    host->name = copy_host_name(name, host->index);
    int rc = host->name ? host_start_stack(sim, host, cfg, mtu) : -SYNACK_ENOMEM;
    if (rc < 0) {
        free_host(host);
        return rc;
    }
    sim->hosts[sim->host_count++] = host;
    return host->index;
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
        if (memcmp(a->neighbours[i].addr, b->addr.bytes, 4) == 0)
            return true;
    }
    return false;
}

static bool reserve_neighbour(struct sim_host *host)
{
    return grow_array((void **)&host->neighbours, &host->neighbour_cap, host->neighbour_count + 1,
                      sizeof *host->neighbours);
}

static void add_neighbour(struct sim_host *host, const struct sim_host *peer, struct link_dir *dir)
{
    struct neighbour *n = &host->neighbours[host->neighbour_count++];
    memcpy(n->addr, peer->addr.bytes, 4);
    n->dir = dir;
}

static void link_dir_init(struct synack_sim *sim, struct link_dir *dir, const struct synack_link_params *params,
                          int link, int direction, int to_host)
{
    dir->params = *params;
    dir->to_host = to_host;
    prng_seed(&dir->rng, prng_derive(sim->seed, SEED_LINK_DIR, 2 * (uint64_t)link + (uint64_t)direction));
}

int synack_sim_link(struct synack_sim *sim, int a, int b, const struct synack_link_params *a_to_b,
                    const struct synack_link_params *b_to_a)
{
    struct synack_link_params ab, ba;
    if (!valid_host(sim, a) || !valid_host(sim, b) || a == b)
        return -SYNACK_EINVAL;
    if (link_params_normalize(a_to_b, &ab) < 0 || link_params_normalize(b_to_a, &ba) < 0)
        return -SYNACK_EINVAL;
    struct sim_host *ha = sim->hosts[a], *hb = sim->hosts[b];
    if (hosts_linked(ha, hb))
        return -SYNACK_EINVAL;   /* one link per pair: routing would be ambiguous */
    if (sim->link_count >= SIM_MAX_LINKS)
        return -SYNACK_ENOMEM;
    size_t cap = (size_t)sim->link_cap;
    if (!grow_array((void **)&sim->links, &cap, (size_t)sim->link_count + 1, sizeof *sim->links))
        return -SYNACK_ENOMEM;
    sim->link_cap = (int)cap;
    if (!reserve_neighbour(ha) || !reserve_neighbour(hb))
        return -SYNACK_ENOMEM;
    struct sim_link *link = calloc(1, sizeof *link);
    if (!link)
        return -SYNACK_ENOMEM;
    int index = sim->link_count;
    link->a = a;
    link->b = b;
    link_dir_init(sim, &link->dir[0], &ab, index, 0, b);
    link_dir_init(sim, &link->dir[1], &ba, index, 1, a);
    add_neighbour(ha, hb, &link->dir[0]);
    add_neighbour(hb, ha, &link->dir[1]);
    sim->links[sim->link_count++] = link;
    return index;
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

int synack_sim_send_raw(struct synack_sim *sim, int from_host, const uint8_t *packet, size_t len)
{
    if (!valid_host(sim, from_host) || !packet || len < IPV4_MIN_HEADER || len > SIM_DEFAULT_LINK_MTU)
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

uint64_t synack_sim_random(struct synack_sim *sim)
{
    return prng_next(&sim->rng);
}
