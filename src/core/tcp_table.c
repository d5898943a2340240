/* tcp_table.c — connection and listener lookup; see tcp_table.h. */
#include "tcp_table.h"

#include <string.h>

#include "seq.h"
#include "sock.h"
#include "stack_internal.h"
#include "tcp_conn.h"

#define TCP_TABLE_INITIAL_BUCKETS 256

bool tcp_table_init(struct synack_stack *st, struct tcp_table *t)
{
    memset(t, 0, sizeof *t);
    t->buckets = mem_zalloc(st, TCP_TABLE_INITIAL_BUCKETS, sizeof *t->buckets);
    if (!t->buckets)
        return false;
    t->nbuckets = TCP_TABLE_INITIAL_BUCKETS;
    return true;
}

void tcp_table_free(struct synack_stack *st, struct tcp_table *t)
{
    mem_free(st, t->buckets, (size_t)t->nbuckets * sizeof *t->buckets);
    t->buckets = NULL;
    t->nbuckets = 0;
}

/* SipHash keyed with the stack's secret, so that a remote host cannot
 * aim connections at one chain.  An IPv4 tuple is packed into 12 bytes:
 * fewer SipHash blocks than the 36 an IPv6 tuple needs. */
static uint32_t tuple_hash(const struct synack_stack *st, const struct synack_endpoint *local,
                           const struct synack_endpoint *remote)
{
    if (local->addr.family != SYNACK_AF_INET6) {
        uint8_t k[12];
        memcpy(k, local->addr.bytes, 4);
        memcpy(k + 4, remote->addr.bytes, 4);
        memcpy(k + 8, &local->port, 2);
        memcpy(k + 10, &remote->port, 2);
        return (uint32_t)siphash24(&st->hash_key, k, sizeof k);
    }
    struct {
        uint8_t laddr[16], raddr[16];
        uint16_t lport, rport;
    } k;
    memcpy(k.laddr, local->addr.bytes, 16);
    memcpy(k.raddr, remote->addr.bytes, 16);
    k.lport = local->port;
    k.rport = remote->port;
    return (uint32_t)siphash24(&st->hash_key, &k, sizeof k);
}

/* Endpoints are compared whole: their padding is always zero (addr.h). */
static inline bool same_endpoint(const struct synack_endpoint *a, const struct synack_endpoint *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

struct tcp_conn *tcp_table_lookup(struct synack_stack *st, const struct synack_endpoint *local,
                                  const struct synack_endpoint *remote)
{
    struct tcp_table *t = &st->tcp;
    /* Segments come in trains on one connection: try the last one found
     * before hashing. */
    struct tcp_conn *c = t->last;
    if (c && same_endpoint(&c->remote, remote) && same_endpoint(&c->local, local))
        return c;
    for (c = t->buckets[tuple_hash(st, local, remote) & (t->nbuckets - 1)]; c; c = c->hash_next)
        if (same_endpoint(&c->remote, remote) && same_endpoint(&c->local, local)) {
            t->last = c;
            return c;
        }
    return NULL;
}

static void grow(struct synack_stack *st)
{
    struct tcp_table *t = &st->tcp;
    uint32_t n = t->nbuckets * 2;
    if (!stack_mem_room(st, (size_t)n * sizeof(struct tcp_conn *)))
        return;   /* chains get longer; lookups stay correct */
    struct tcp_conn **nb = mem_zalloc(st, n, sizeof *nb);
    if (!nb)
        return;
    for (uint32_t i = 0; i < t->nbuckets; i++) {
        struct tcp_conn *c = t->buckets[i];
        while (c) {
            struct tcp_conn *next = c->hash_next;
            uint32_t h = tuple_hash(st, &c->local, &c->remote) & (n - 1);
            c->hash_next = nb[h];
            nb[h] = c;
            c = next;
        }
    }
    mem_free(st, t->buckets, (size_t)t->nbuckets * sizeof *t->buckets);
    t->buckets = nb;
    t->nbuckets = n;
}

void tcp_table_insert(struct synack_stack *st, struct tcp_conn *c)
{
    struct tcp_table *t = &st->tcp;
    if (t->count >= t->nbuckets)
        grow(st);
    uint32_t h = tuple_hash(st, &c->local, &c->remote) & (t->nbuckets - 1);
    c->hash_next = t->buckets[h];
    t->buckets[h] = c;
    c->in_table = true;
    t->count++;
}

void tcp_table_remove(struct synack_stack *st, struct tcp_conn *c)
{
    struct tcp_table *t = &st->tcp;
    if (!c->in_table)
        return;
    if (t->last == c)
        t->last = NULL;
    struct tcp_conn **pp = &t->buckets[tuple_hash(st, &c->local, &c->remote) & (t->nbuckets - 1)];
    while (*pp && *pp != c)
        pp = &(*pp)->hash_next;
    if (*pp) {
        *pp = c->hash_next;
        t->count--;
    }
    c->hash_next = NULL;
    c->in_table = false;
}

static unsigned listen_bucket(uint16_t port) { return port % TCP_LISTEN_BUCKETS; }

struct tcp_listener *tcp_listener_lookup(struct synack_stack *st, const struct synack_endpoint *local)
{
    struct tcp_listener *wild = NULL;
    for (struct tcp_listener *l = st->tcp.listen[listen_bucket(local->port)]; l; l = l->hash_next) {
        if (l->local.port != local->port)
            continue;
        if (synack_addr_equal(&l->local.addr, &local->addr))
            return l;
        if (synack_addr_is_any(&l->local.addr) && sock_addr_accepts(&l->local.addr, &local->addr))
            wild = l;
    }
    return wild;
}

struct tcp_listener *tcp_listener_find_exact(struct synack_stack *st, const struct synack_endpoint *local)
{
    for (struct tcp_listener *l = st->tcp.listen[listen_bucket(local->port)]; l; l = l->hash_next)
        if (synack_endpoint_equal(&l->local, local))
            return l;
    return NULL;
}

void tcp_listener_insert(struct synack_stack *st, struct tcp_listener *l)
{
    unsigned b = listen_bucket(l->local.port);
    l->hash_next = st->tcp.listen[b];
    st->tcp.listen[b] = l;
}

void tcp_listener_remove(struct synack_stack *st, struct tcp_listener *l)
{
    struct tcp_listener **pp = &st->tcp.listen[listen_bucket(l->local.port)];
    while (*pp && *pp != l)
        pp = &(*pp)->hash_next;
    if (*pp)
        *pp = l->hash_next;
    l->hash_next = NULL;
}

/* Bind-time check.  It walks the whole table: bind is rare and this keeps
 * the per-segment structures free of a second index.  (The benchmark issue
 * may want a port index for connect-heavy churn.) */
bool tcp_port_in_use(struct synack_stack *st, const struct synack_addr *addr, uint16_t port, bool reuseaddr)
{
    for (struct tcp_listener *l = st->tcp.listen[listen_bucket(port)]; l; l = l->hash_next)
        if (l->local.port == port && sock_addrs_overlap(&l->local.addr, addr))
            return true;
    for (uint32_t i = 0; i < st->tcp.nbuckets; i++)
        for (struct tcp_conn *c = st->tcp.buckets[i]; c; c = c->hash_next)
            if (c->local.port == port && sock_addrs_overlap(&c->local.addr, addr) &&
                !(reuseaddr && c->state == SYNACK_TCP_TIME_WAIT))
                return true;
    for (uint32_t i = 0; i < st->socks.count; i++) {
        struct sock *s = &st->socks.slots[i];
        if (s->kind == SOCK_TCP && s->bound && !s->conn && s->local.port == port &&
            sock_addrs_overlap(&s->local.addr, addr))
            return true;
    }
    return false;
}

uint16_t tcp_pick_ephemeral(struct synack_stack *st, const struct synack_addr *local,
                            const struct synack_endpoint *remote)
{
    uint32_t lo = st->cfg.ephemeral_lo, hi = st->cfg.ephemeral_hi;
    uint32_t n = hi - lo + 1;
    /* RFC 6056 §3.3.3 (Algorithm 3): a keyed hash of the destination picks
     * where the search starts, and a counter moves it on for each use. */
    struct {
        uint8_t laddr[16], raddr[16];
        uint16_t rport;
    } k;
    memset(&k, 0, sizeof k);
    memcpy(k.laddr, local->bytes, 16);
    memcpy(k.raddr, remote->addr.bytes, 16);
    k.rport = remote->port;
    uint32_t offset = (uint32_t)siphash24(&st->port_key, &k, sizeof k);
    for (uint32_t i = 0; i < n; i++) {
        uint16_t port = (uint16_t)(lo + (offset + st->port_cursor + i) % n);
        struct synack_endpoint le = synack_endpoint_make(*local, port);
        if (tcp_table_lookup(st, &le, remote) || tcp_listener_find_exact(st, &le))
            continue;
        st->port_cursor += i + 1;
        return port;
    }
    return 0;
}
