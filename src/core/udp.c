/*
 * udp.c — the User Datagram Protocol.
 *
 * Reading list: RFC 768 (header, checksum over the pseudo-header, zero
 * meaning "no checksum"); RFC 1122 §4.1.3 (UDP in a host: §4.1.3.1 ports,
 * §4.1.3.4 checksums, §4.1.3.6 invalid addresses) and §3.2.2.1 (port
 * unreachable); RFC 8200 §8.1 (over IPv6 the checksum is mandatory: zero
 * is invalid); RFC 4443 §3.1 (port unreachable is ICMPv6 destination
 * unreachable code 4); RFC 6056 §3.3.2 (ephemeral ports); RFC 4113
 * (counters).  Sockets are dual-stack as sock.h says.
 *
 * In:  ip_input -> udp_input: length and checksum checks, lookup (a
 *      connected socket whose peer matches, else one bound to the exact
 *      address, else one bound to every address), queue; no socket: ICMP
 *      port unreachable.
 * Out: sendto queues a record; synack_poll -> udp_output builds the
 *      datagram in place behind the IP header and transmits it.
 * Errors: icmp.c -> udp_icmp_error reports hard errors to connected
 *      sockets.
 */
#include "udp.h"

#include <string.h>

#include "byteorder.h"
#include "checksum.h"
#include "icmp.h"
#include "icmp6.h"
#include "ipv4.h"
#include "ipv6.h"
#include "sock.h"
#include "stack_internal.h"

_Static_assert(sizeof(struct udp_rx_rec) == 32, "receive record size is documented in socket.h");
_Static_assert(sizeof(struct udp_tx_rec) == 52, "send record size is documented in socket.h");

/* RFC 768 length field: 16 bits, header included.  IPv4's total length
 * (16 bits) includes its own header, leaving 65535 - 20 - 8; IPv6's
 * payload length does not (RFC 8200 §3), leaving 65535 - 8. */
static size_t udp_max_payload(int family)
{
    return 65535 - (family == SYNACK_AF_INET6 ? 0 : IPV4_HEADER_LEN) - UDP_HEADER_LEN;
}

void udp_table_init(struct udp_table *t) { memset(t, 0, sizeof *t); }

static unsigned bucket_of(uint16_t port) { return port % UDP_HASH_BUCKETS; }

struct udp_sock *udp_sock_new(struct synack_stack *st, int sock, uint32_t sndbuf, uint32_t rcvbuf)
{
    /* A socket is new work: refused under memory pressure (mem.h). */
    struct udp_sock *u = stack_mem_room(st, sizeof *u) ? mem_zalloc(st, 1, sizeof *u) : NULL;
    if (!u) {
        st->stats.mem_refused_opens++;
        return NULL;
    }
    u->sock = sock;
    ringbuf_init(&u->sndq, sndbuf);
    ringbuf_init(&u->rcvq, rcvbuf);
    return u;
}

static void table_remove(struct synack_stack *st, struct udp_sock *u)
{
    if (!u->in_table)
        return;
    struct udp_sock **pp = &st->udp.buckets[bucket_of(u->local.port)];
    while (*pp && *pp != u)
        pp = &(*pp)->hash_next;
    if (*pp)
        *pp = u->hash_next;
    u->hash_next = NULL;
    u->in_table = false;
}

static void out_remove(struct synack_stack *st, struct udp_sock *u)
{
    if (!u->out_queued)
        return;
    struct udp_sock *prev = NULL;
    for (struct udp_sock *x = st->udp.out_head; x; prev = x, x = x->out_next) {
        if (x != u)
            continue;
        if (prev)
            prev->out_next = u->out_next;
        else
            st->udp.out_head = u->out_next;
        if (st->udp.out_tail == u)
            st->udp.out_tail = prev;
        break;
    }
    u->out_next = NULL;
    u->out_queued = false;
}

void udp_sock_free(struct synack_stack *st, struct udp_sock *u)
{
    if (!u)
        return;
    table_remove(st, u);
    out_remove(st, u);
    ringbuf_free(st, &u->rcvq);
    ringbuf_free(st, &u->sndq);
    mem_free(st, u, sizeof *u);
}

/* ---- Binding ---- */

/* Whether another socket holds addr:port (UDP's own port space). */
static bool port_in_use(struct synack_stack *st, const struct udp_sock *self, const struct synack_addr *addr,
                        uint16_t port)
{
    for (struct udp_sock *u = st->udp.buckets[bucket_of(port)]; u; u = u->hash_next)
        if (u != self && u->local.port == port && sock_addrs_overlap(&u->local.addr, addr))
            return true;
    return false;
}

/* RFC 6056 §3.3.2 (simple port randomisation): the search starts at a
 * keyed hash of a counter, so successive choices are not predictable. */
static uint16_t pick_ephemeral(struct synack_stack *st, const struct udp_sock *u, const struct synack_addr *addr)
{
    uint32_t lo = st->cfg.ephemeral_lo, n = st->cfg.ephemeral_hi - lo + 1;
    uint64_t counter = ++st->udp_port_counter;
    uint32_t start = (uint32_t)siphash24(&st->port_key, &counter, sizeof counter);
    for (uint32_t i = 0; i < n; i++) {
        uint16_t port = (uint16_t)(lo + (start + i) % n);
        if (!port_in_use(st, u, addr, port))
            return port;
    }
    return 0;
}

static void table_insert(struct synack_stack *st, struct udp_sock *u)
{
    unsigned b = bucket_of(u->local.port);
    u->hash_next = st->udp.buckets[b];
    st->udp.buckets[b] = u;
    u->in_table = true;
}

int udp_bind(struct synack_stack *st, struct udp_sock *u, const struct synack_endpoint *local)
{
    if (u->in_table)
        return -SYNACK_EINVAL;
    struct synack_addr addr = local->addr;
    if (addr.family == SYNACK_AF_UNSPEC)
        addr = synack_addr_any(SYNACK_AF_UNSPEC);     /* both families (sock.h) */
    else if (addr.family != SYNACK_AF_INET && addr.family != SYNACK_AF_INET6)
        return -SYNACK_EAFNOSUPPORT;
    if (!synack_addr_is_any(&addr) && !stack_is_assigned_addr(st, &addr))
        return -SYNACK_EADDRNOTAVAIL;
    uint16_t port = local->port;
    if (port == 0) {
        port = pick_ephemeral(st, u, &addr);
        if (!port)
            return -SYNACK_EADDRINUSE;
    } else if (port_in_use(st, u, &addr, port)) {
        return -SYNACK_EADDRINUSE;
    }
    u->local = synack_endpoint_make(addr, port);
    table_insert(st, u);
    return 0;
}

int udp_connect(struct synack_stack *st, struct udp_sock *u, const struct synack_endpoint *remote)
{
    if (remote->addr.family == SYNACK_AF_UNSPEC) {
        /* POSIX connect() with AF_UNSPEC: dissolve the association.  An
         * address that connect chose goes back to "any". */
        u->connected = false;
        memset(&u->remote, 0, sizeof u->remote);
        if (u->addr_from_connect) {
            u->local.addr = synack_addr_any(u->any_family);
            u->addr_from_connect = false;
        }
        return 0;
    }
    int iface = stack_route_remote(st, remote);
    if (iface < 0)
        return iface;
    if (u->in_table && !sock_addr_takes_family(&u->local.addr, remote->addr.family))
        return -SYNACK_EAFNOSUPPORT;
    if (!u->in_table) {
        struct synack_endpoint any = synack_endpoint_make(synack_addr_any(SYNACK_AF_UNSPEC), 0);
        int rc = udp_bind(st, u, &any);
        if (rc < 0)
            return rc;
    }
    /* As Linux does, the source address the route gives becomes the local
     * address, so that replies to another of our addresses are not taken
     * for this peer's. */
    if (synack_addr_is_any(&u->local.addr)) {
        const struct synack_addr *src = stack_source_addr(st, iface, &remote->addr);
        if (!src)
            return -SYNACK_EADDRNOTAVAIL;
        u->any_family = u->local.addr.family;
        u->local.addr = *src;
        u->addr_from_connect = true;
    }
    u->remote = *remote;
    u->connected = true;
    return 0;
}

int udp_set_buffer(struct synack_stack *st, struct udp_sock *u, bool send, uint32_t bytes)
{
    struct ringbuf *rb = send ? &u->sndq : &u->rcvq;
    if (bytes < rb->len)
        return -SYNACK_EINVAL;     /* what is queued stays within the bound */
    if (rb->size > bytes) {
        /* The storage is larger than the new bound: start it again at its
         * lazy minimum once it is empty, else keep it (cap still bounds). */
        if (!rb->len)
            ringbuf_free(st, rb);
    }
    rb->cap = bytes;
    return 0;
}

uint32_t udp_ready_bits(const struct udp_sock *u)
{
    uint32_t bits = 0;
    if (u->rcvq.len)
        bits |= SYNACK_READABLE;
    if (ringbuf_free_space(&u->sndq) >= u->sndq.cap / 2)
        bits |= SYNACK_WRITABLE;
    if (u->connected)
        bits |= SYNACK_CONNECTED;
    return bits;
}

/* ---- Sending ---- */

ssize_t udp_sendto(struct synack_stack *st, struct udp_sock *u, const void *data, size_t len,
                   const struct synack_endpoint *to)
{
    if (!to) {
        if (!u->connected)
            return -SYNACK_EDESTADDRREQ;
        to = &u->remote;
    }
    if ((to->addr.family != SYNACK_AF_INET && to->addr.family != SYNACK_AF_INET6) ||
        (u->in_table && !sock_addr_takes_family(&u->local.addr, to->addr.family)))
        return -SYNACK_EAFNOSUPPORT;
    if (to->port == 0 || synack_addr_is_any(&to->addr))
        return -SYNACK_EINVAL;
    int iface = stack_route(st, &to->addr);
    if (iface < 0)
        return -SYNACK_ENETUNREACH;
    /* synack never fragments what it sends: the datagram must fit the
     * interface's MTU (RFC 1122 §4.1.4 lets UDP leave this to the
     * application; Linux would fragment, we say EMSGSIZE instead). */
    if (len > udp_max_payload(to->addr.family) ||
        stack_ip_header_len(to->addr.family) + UDP_HEADER_LEN + len > st->ifaces[iface].mtu)
        return -SYNACK_EMSGSIZE;
    uint32_t need = (uint32_t)(sizeof(struct udp_tx_rec) + len);
    if (need > u->sndq.cap)
        return -SYNACK_EMSGSIZE;   /* could never be queued */
    if (ringbuf_free_space(&u->sndq) < need)
        return -SYNACK_EAGAIN;
    if (!u->in_table) {
        struct synack_endpoint any = synack_endpoint_make(synack_addr_any(SYNACK_AF_UNSPEC), 0);
        int rc = udp_bind(st, u, &any);
        if (rc < 0)
            return rc;
    }
    /* Growing the queue is new work: only below the pressure line (mem.h). */
    uint32_t grown = ringbuf_growth(&u->sndq, u->sndq.len + need);
    if ((grown && !stack_mem_room(st, grown)) || !ringbuf_reserve(st, &u->sndq, u->sndq.len + need)) {
        st->stats.mem_refused_sends++;
        return -SYNACK_ENOBUFS;
    }
    struct udp_tx_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.len = (uint32_t)len;
    rec.iface = (uint8_t)iface;
    if (synack_addr_is_any(&u->local.addr)) {
        const struct synack_addr *src = stack_source_addr(st, iface, &to->addr);
        if (!src)
            return -SYNACK_EADDRNOTAVAIL;
        rec.src = *src;
    } else {
        if (!stack_is_local_addr(st, &u->local.addr))
            return -SYNACK_EADDRNOTAVAIL;          /* still tentative (RFC 4862 §5.4) */
        rec.src = u->local.addr;
    }
    rec.dst = *to;
    ringbuf_append(st, &u->sndq, &rec, sizeof rec);       /* reserved: both fit */
    ringbuf_append(st, &u->sndq, data, (uint32_t)len);
    if (!u->out_queued) {
        u->out_queued = true;
        u->out_next = NULL;
        if (st->udp.out_tail)
            st->udp.out_tail->out_next = u;
        else
            st->udp.out_head = u;
        st->udp.out_tail = u;
    }
    return (ssize_t)len;
}

/* Builds and transmits one queued datagram. */
static void send_one(struct synack_stack *st, struct udp_sock *u, synack_time_us now)
{
    struct udp_tx_rec rec;
    ringbuf_peek(&u->sndq, 0, &rec, sizeof rec);
    uint8_t *udp = stack_tx_l4(st);
    uint16_t ulen = (uint16_t)(UDP_HEADER_LEN + rec.len);
    put_be16(udp, u->local.port);
    put_be16(udp + 2, rec.dst.port);
    put_be16(udp + 4, ulen);
    put_be16(udp + 6, 0);
    ringbuf_peek(&u->sndq, sizeof rec, udp + UDP_HEADER_LEN, rec.len);
    ringbuf_consume(&u->sndq, (uint32_t)sizeof rec + rec.len);
    /* RFC 768: the checksum covers the pseudo-header, the header and the
     * data; a computed zero is sent as all ones, since zero on the wire
     * means "no checksum".  We always compute it (RFC 1122 §4.1.3.4). */
    uint16_t sum = csum_finish(csum_add(csum_pseudo(&rec.src, &rec.dst.addr, IP_PROTO_UDP, ulen), udp, ulen));
    put_be16(udp + 6, sum ? sum : 0xffff);
    if (stack_ip_output(st, rec.iface, &rec.src, &rec.dst.addr, IP_PROTO_UDP, ulen, 0, now) == 0)
        st->stats.udp_out_datagrams++;
}

void udp_output(struct synack_stack *st, synack_time_us now)
{
    while (st->udp.out_head) {
        struct udp_sock *u = st->udp.out_head;
        uint32_t before = udp_ready_bits(u);
        while (u->sndq.len)
            send_one(st, u, now);
        out_remove(st, u);
        udp_reclaim(st, u);
        if (udp_ready_bits(u) != before)
            sock_notify(st, u->sock);
    }
}

void udp_reclaim(struct synack_stack *st, struct udp_sock *u)
{
    if (!stack_mem_pressure(st))
        return;
    if (!u->sndq.len)
        ringbuf_free(st, &u->sndq);
    if (!u->rcvq.len)
        ringbuf_free(st, &u->rcvq);
}

/* ---- Receiving ---- */

ssize_t udp_recvfrom(struct udp_sock *u, void *buf, size_t len, struct synack_endpoint *from, bool *truncated)
{
    if (!u->rcvq.len)
        return -SYNACK_EAGAIN;
    struct udp_rx_rec rec;
    ringbuf_peek(&u->rcvq, 0, &rec, sizeof rec);
    uint32_t n = len < rec.len ? (uint32_t)len : rec.len;
    ringbuf_peek(&u->rcvq, sizeof rec, buf, n);
    ringbuf_consume(&u->rcvq, (uint32_t)sizeof rec + rec.len);
    if (from)
        *from = rec.from;
    if (truncated)
        *truncated = rec.len > len;
    return (ssize_t)n;
}

/* The socket a datagram src:sport -> dst:dport belongs to: among those
 * bound to dport on dst or on every address, a connected one must have
 * src:sport as its peer; the most specific match wins (connected, then
 * exact address). */
static struct udp_sock *lookup(struct synack_stack *st, const struct synack_addr *dst, uint16_t dport,
                               const struct synack_endpoint *from)
{
    struct udp_sock *best = NULL;
    int best_score = -1;
    for (struct udp_sock *u = st->udp.buckets[bucket_of(dport)]; u; u = u->hash_next) {
        if (u->local.port != dport)
            continue;
        bool exact = synack_addr_equal(&u->local.addr, dst);
        if (!exact && !sock_addr_accepts(&u->local.addr, dst))
            continue;
        if (u->connected && !synack_endpoint_equal(&u->remote, from))
            continue;
        int score = (u->connected ? 2 : 0) + (exact ? 1 : 0);
        if (score > best_score) {
            best = u;
            best_score = score;
        }
    }
    return best;
}

void udp_input(struct synack_stack *st, int iface, const struct synack_addr *src, const struct synack_addr *dst,
               const uint8_t *p, size_t len, synack_time_us now)
{
    if (len < UDP_HEADER_LEN) {
        st->stats.udp_in_errors++;
        stack_drop(st, iface, SYNACK_DROP_UDP_TRUNCATED, now);
        return;
    }
    /* RFC 768: the length counts header and data.  Bytes of the IP
     * payload beyond it are not part of the datagram (RFC 1122 §4.1.3.4
     * leaves them unspecified; Linux trims them too). */
    size_t ulen = get_be16(p + 4);
    if (ulen < UDP_HEADER_LEN || ulen > len) {
        st->stats.udp_in_errors++;
        stack_drop(st, iface, SYNACK_DROP_UDP_LENGTH, now);
        return;
    }
    /* RFC 768 / RFC 1122 §4.1.3.4: a zero checksum field means the sender
     * computed none; any other value must verify, else drop silently.
     * Over IPv6 the checksum is not optional: zero is invalid (RFC 8200
     * §8.1).  A link that vouches for the checksum (TUN offloads: the
     * local kernel may leave it partial) is believed, as in tcp_input. */
    bool v6 = src->family == SYNACK_AF_INET6;
    uint16_t field = get_be16(p + 6);
    if (!st->rx_csum_valid &&
        (field == 0 ? v6
                    : csum_finish(csum_add(csum_pseudo(src, dst, IP_PROTO_UDP, (uint32_t)ulen), p, ulen)) != 0)) {
        st->stats.udp_in_errors++;
        stack_drop(st, iface, SYNACK_DROP_UDP_CHECKSUM, now);
        return;
    }
    struct synack_endpoint from = synack_endpoint_make(*src, get_be16(p));
    struct udp_sock *u = lookup(st, dst, get_be16(p + 2), &from);
    if (!u) {
        /* RFC 1122 §3.2.2.1: UDP, which cannot tell the sender itself,
         * SHOULD answer with port unreachable (icmp_send_error applies the
         * §3.2.2 exceptions and the rate limit). */
        st->stats.udp_no_ports++;
        stack_drop(st, iface, SYNACK_DROP_UDP_NO_PORT, now);
        if (v6)
            icmp6_send_error(st, iface, ICMPV6_DEST_UNREACH, ICMPV6_UNREACH_PORT, 0, st->rx_packet, st->rx_len,
                             false, now);
        else
            icmp_send_error(st, iface, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, st->rx_packet, st->rx_len, now);
        return;
    }
    uint32_t plen = (uint32_t)(ulen - UDP_HEADER_LEN);
    uint32_t need = (uint32_t)sizeof(struct udp_rx_rec) + plen;
    enum synack_drop_reason why = SYNACK_DROP_COUNT;
    if (ringbuf_free_space(&u->rcvq) < need)
        why = SYNACK_DROP_UDP_RCVBUF_FULL;
    else if (!stack_mem_room(st, ringbuf_growth(&u->rcvq, u->rcvq.len + need)) ||
             !ringbuf_reserve(st, &u->rcvq, u->rcvq.len + need))
        why = SYNACK_DROP_UDP_NO_MEMORY;          /* growing the queue is new work (mem.h) */
    if (why != SYNACK_DROP_COUNT) {
        st->stats.udp_rcvbuf_errors++;
        st->stats.udp_in_errors++;
        stack_drop(st, iface, why, now);
        return;
    }
    struct udp_rx_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.len = plen;
    rec.from = from;
    ringbuf_append(st, &u->rcvq, &rec, sizeof rec);       /* reserved: both fit */
    ringbuf_append(st, &u->rcvq, p + UDP_HEADER_LEN, plen);
    st->stats.udp_in_datagrams++;
    sock_notify(st, u->sock);
}

/* ---- ICMP errors ---- */

void udp_icmp_error(struct synack_stack *st, int iface, const struct synack_addr *local,
                    const struct synack_addr *remote, const uint8_t *th, size_t thlen, const struct icmp_err *e,
                    synack_time_us now)
{
    (void)thlen;                   /* icmp.c guarantees the 8 header bytes */
    struct synack_endpoint peer = synack_endpoint_make(*remote, get_be16(th + 2));
    uint16_t sport = get_be16(th);
    /* Only a connected socket can be told (as Linux without IP_RECVERR):
     * for an unconnected one the error would be about some earlier
     * sendto, and there is no way to say which.  Only hard errors count:
     * a soft one (host unreachable, say) may pass. */
    for (struct udp_sock *u = st->udp.buckets[bucket_of(sport)]; u; u = u->hash_next) {
        if (u->local.port != sport || !u->connected || !synack_endpoint_equal(&u->remote, &peer))
            continue;
        if (!synack_addr_is_any(&u->local.addr) && !synack_addr_equal(&u->local.addr, local))
            continue;
        if (!e->hard)
            return;                /* counted by icmp.c (icmpInDestUnreachs ...), nothing to do */
        struct sock *s = sock_get(st, u->sock);
        if (s) {
            s->error = -e->err;
            sock_notify(st, u->sock);
        }
        return;
    }
    stack_drop(st, iface, SYNACK_DROP_ICMP_ERROR_NO_MATCH, now);
}
