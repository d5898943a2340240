/* lwip_link.c — the wire between the peer's netifs.
 *
 * A netif per address: the server 198.18.0.2 (in the server's lwIP
 * instance), the clients 198.18.0.1 and, when a workload needs more client
 * addresses, 198.18.0.3 upwards (in the clients' instance; with
 * --one-stack all in one).  No Ethernet: a netif's IPv4 output function
 * receives the finished IP packet and hands it to the netif that owns the
 * destination address.
 *
 * The link copies each packet once, as a NIC's DMA would: the output
 * function copies the pbuf chain into a fresh pbuf of the receiving
 * instance (PBUF_RAM: one malloc, since Debian's lwIP takes all its memory
 * from malloc) and queues it; the main loop later passes it to the other
 * netif's input (ip4_input), so input never runs inside output.  The queue
 * is FIFO over both directions.
 *
 * Routing: each pcb is bound to its netif (tcp_bind_netif; an accepted pcb
 * inherits its listener's), so lwIP sends from the right netif without a
 * route lookup.  In one instance that matters: ip4_route() picks the first
 * netif whose subnet matches, and lwIP hands a packet whose destination is
 * that netif's own address to its loopback queue instead of to output.
 */
#include <stdlib.h>
#include <string.h>

#include "lwip/ip4.h"
#include "lwip/pbuf.h"

#include "lwip_peer.h"

#define LINK_MTU 1500u
/* A bound on the queue, like a NIC's ring: past it a packet is dropped
 * and counted.  Far above what any workload here keeps in flight (a 64 KiB
 * window is 45 segments; churn's 10,000 connections a few packets each). */
#define QUEUE_MAX (1u << 22)


struct queued {
    struct pbuf *p;
    struct netif *to;
};

/* Entries head..tail-1 (free-running counters), at counter & (cap - 1). */
static struct queued *ring;
static size_t ring_cap, head, tail;

static struct netif netifs[1 + LINK_MAX_CLIENTS];
static const struct lwip *owner[1 + LINK_MAX_CLIENTS]; /* each netif's instance */
static struct netif *by_last_octet[256]; /* 198.18.0.x -> its netif */
static unsigned n_clients_up;
static struct link_stats stats;

static int ring_grow(size_t want)
{
    size_t cap = ring_cap != 0 ? ring_cap : 1024;
    while (cap < want)
        cap *= 2;
    if (cap == ring_cap)
        return 0;
    struct queued *n = malloc(cap * sizeof *n);
    if (n == NULL)
        return -1;
    for (size_t c = head; c != tail; c++)
        n[c & (cap - 1)] = ring[c & (ring_cap - 1)];
    free(ring);
    ring = n;
    ring_cap = cap;
    return 0;
}

int link_reserve(size_t packets)
{
    return ring_grow((tail - head) + packets);
}

static struct netif *lookup(const ip4_addr_t *a)
{
    if (ip4_addr1(a) != 198 || ip4_addr2(a) != 18 || ip4_addr3(a) != 0)
        return NULL;
    return by_last_octet[ip4_addr4(a)];
}

static err_t link_output(struct netif *from, struct pbuf *p, const ip4_addr_t *next_hop)
{
    (void)from;
    struct netif *to = lookup(next_hop);
    if (to == NULL || tail - head >= QUEUE_MAX ||
        (tail - head == ring_cap && ring_grow(ring_cap + 1) != 0)) {
        stats.drops++;
        return ERR_OK; /* a wire drops silently */
    }
    const struct lwip *L = owner[to - netifs];
    struct pbuf *copy = L->pbuf_alloc(PBUF_RAW, p->tot_len, PBUF_RAM);
    if (copy == NULL || L->pbuf_copy(copy, p) != ERR_OK) {
        if (copy != NULL)
            L->pbuf_free(copy);
        stats.drops++;
        return ERR_OK;
    }
    ring[tail & (ring_cap - 1)] = (struct queued){ .p = copy, .to = to };
    tail++;
    stats.packets++;
    stats.bytes += p->tot_len;
    if (tail - head > stats.queue_peak)
        stats.queue_peak = tail - head;
    return ERR_OK;
}

#if LWIP_IPV6
static err_t link_output_ip6(struct netif *from, struct pbuf *p, const ip6_addr_t *next_hop)
{
    (void)from;
    (void)p;
    (void)next_hop;
    stats.ipv6_drops++;
    return ERR_OK;
}
#endif

static err_t netif_setup(struct netif *nif)
{
    nif->name[0] = 's';
    nif->name[1] = 'b';
    nif->output = link_output;
#if LWIP_IPV6
    nif->output_ip6 = link_output_ip6;
#endif
    nif->mtu = LINK_MTU;
    nif->flags = 0; /* no ARP, no broadcast: a point-to-point wire */
    nif->hwaddr_len = 0;
    return ERR_OK;
}

static int add_netif(unsigned i, const struct lwip *L, uint8_t last_octet)
{
    struct netif *nif = &netifs[i];
    ip4_addr_t addr, mask, gw;
    IP4_ADDR(&addr, 198, 18, 0, last_octet);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    ip4_addr_set_zero(&gw);
    if (L->netif_add(nif, &addr, &mask, &gw, NULL, netif_setup, L->ip4_input) == NULL)
        return -1;
    L->netif_set_link_up(nif);
    L->netif_set_up(nif);
    owner[i] = L;
    by_last_octet[last_octet] = nif;
    return 0;
}

int link_init(unsigned n_clients)
{
    if (n_clients == 0 || n_clients > LINK_MAX_CLIENTS) {
        peer_fail("%u client addresses asked for; the link has room for 1 to %u", n_clients,
                  LINK_MAX_CLIENTS);
        return -1;
    }
    if (ring_grow(1024) != 0) {
        peer_fail("out of memory for the link queue");
        return -1;
    }
    if (add_netif(0, stack_server(), 2) != 0) {
        peer_fail("netif_add failed for the server address 198.18.0.2");
        return -1;
    }
    for (unsigned k = 0; k < n_clients; k++) {
        uint8_t octet = (uint8_t)(k == 0 ? 1 : k + 2);
        if (add_netif(1 + k, stack_client(), octet) != 0) {
            peer_fail("netif_add failed for client address 198.18.0.%u", octet);
            return -1;
        }
        n_clients_up++;
    }
    return 0;
}

unsigned link_client_count(void) { return n_clients_up; }
struct netif *link_server_netif(void) { return &netifs[0]; }

struct netif *link_client_netif(unsigned k)
{
    return k < n_clients_up ? &netifs[1 + k] : NULL;
}

size_t link_deliver(void)
{
    size_t n = tail - head;
    for (size_t i = 0; i < n; i++) {
        struct queued q = ring[head & (ring_cap - 1)];
        head++;
        /* ip4_input owns the pbuf from here (it frees what it drops). */
        if (q.to->input(q.p, q.to) != ERR_OK)
            owner[q.to - netifs]->pbuf_free(q.p);
        loop_tick(); /* lwIP's timers between packets too (lwip_loop.c) */
    }
    return n;
}

void link_release(void)
{
    for (; head != tail; head++) {
        struct queued q = ring[head & (ring_cap - 1)];
        owner[q.to - netifs]->pbuf_free(q.p);
    }
    free(ring);
    ring = NULL;
    ring_cap = head = tail = 0;
}

void link_get_stats(struct link_stats *s)
{
    *s = stats;
    s->queued = tail - head;
}
