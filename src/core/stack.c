/*
 * stack.c — the stack object, its interfaces, and the two entry points
 * that drive it.
 *
 * Call chain:
 *   synack_input -> [eth_input: ARP, NDP] -> stack_ip_input
 *   stack_ip_input -> ipv4_parse -> [ipfrag_input] -> tcp_input | udp_input | icmp_input
 *                  -> ip6_input (ipv6.c) -> extension headers, fragments -> tcp | udp | icmp6
 *   synack_poll  -> queued output (tcp_output, udp_output) -> timers due
 *                   (tcp_timer_run, ipfrag_expire)
 *   tcp_output / udp_output / icmp -> stack_ip_output -> stack_link_output
 *                  -> interface transmit callback (IP link) | eth_output (Ethernet: neighbour cache)
 *
 * Reading list: RFC 1122 §3.2.1 (IP receive checks), RFC 791 §3.1, §3.2
 * (reassembly, in ipfrag.c), RFC 1122 §3.2.2.1 (protocol unreachable).
 */
#include <stddef.h>
#include <string.h>

#include "byteorder.h"
#include "icmp.h"
#include "ipv4.h"
#include "ipv6.h"
#include "link.h"
#include "stack_internal.h"
#include "tcp_conn.h"

void synack_config_default(struct synack_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->name = "stack";
    cfg->max_sockets = 65536;
    cfg->max_connections = 65536;
    cfg->ttl = 64;
    cfg->sndbuf_bytes = 1024 * 1024;
    cfg->rcvbuf_bytes = 1024 * 1024;
    cfg->window_scaling = true;
    cfg->timestamps = true;
    cfg->sack = true;
    cfg->congestion = SYNACK_CC_CUBIC;
    cfg->keepalive_idle_us = 7200ull * 1000000;     /* RFC 1122 §4.2.3.6: at least two hours */
    cfg->keepalive_interval_us = 75ull * 1000000;   /* the 75 s the source texts quote */
    cfg->keepalive_count = 10;
    cfg->rto_initial_us = 1000000;
    cfg->rto_min_us = 1000000;
    cfg->rto_max_us = 60000000;
    cfg->syn_retries = 6;
    cfg->data_retries = 15;
    cfg->msl_us = 30000000;
    cfg->delack_us = 200000;
    cfg->ephemeral_lo = 49152;
    cfg->ephemeral_hi = 65535;
    cfg->icmp_error_rate = 100;
    cfg->icmp_error_burst = 50;
    cfg->challenge_ack_rate = 1000;
    cfg->challenge_ack_burst = 1000;
    cfg->syn_queue_len = 256;
    cfg->syn_queue_total = 4096;
    cfg->syn_cookies = true;
    cfg->ipfrag_max_datagrams = 64;
    cfg->ipfrag_max_bytes = 4u << 20;
    cfg->ipfrag_timeout_us = 30ull * 1000000;     /* Linux's ipfrag_time; see ipfrag.c */
    cfg->mem_max_bytes = 256ull << 20;
    cfg->ooo_stack_max_bytes = 64ull << 20;
    cfg->pmtu_expires_us = 600ull * 1000000;      /* RFC 1191 §6.3, RFC 8201 §4: ten minutes */
    cfg->plpmtud = SYNACK_PLPMTUD_BLACKHOLE;
    cfg->plpmtud_interval_us = 600ull * 1000000;  /* RFC 8899 §5.1.1 PMTU_RAISE_TIMER */
    cfg->neigh_max_entries = 256;
    cfg->neigh_queue_len = 3;                      /* Linux's unres_qlen */
    cfg->neigh_queue_bytes = 64u << 10;
    cfg->neigh_solicits = 3;                       /* RFC 4861 §10: MAX_MULTICAST_SOLICIT, MAX_UNICAST_SOLICIT */
    cfg->neigh_retrans_us = 1000000;               /* RETRANS_TIMER */
    cfg->neigh_reachable_us = 30ull * 1000000;     /* REACHABLE_TIME */
    cfg->neigh_delay_us = 5ull * 1000000;          /* DELAY_FIRST_PROBE_TIME */
    cfg->neigh_gc_us = 60ull * 1000000;            /* Linux's gc_stale_time */
    cfg->dad_transmits = 1;                        /* RFC 4862 §5.1: DupAddrDetectTransmits */
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The neighbour cache's bounds (synack/stack.h); times at most an hour
 * (RFC 4861 §6.2.1 caps BaseReachableTime there), which also keeps
 * neigh.c's arithmetic in 64 bits. */
static bool neigh_config_valid(const struct synack_config *c)
{
    const synack_time_us hour = 3600ull * 1000000;
    return c->neigh_max_entries >= 1 && c->neigh_max_entries <= 65536 && c->neigh_queue_len >= 1 &&
           c->neigh_queue_len <= 64 && c->neigh_queue_bytes >= 1 && c->neigh_solicits >= 1 &&
           c->neigh_solicits <= 10 && c->neigh_retrans_us >= 1 && c->neigh_retrans_us <= hour &&
           c->neigh_reachable_us >= 2 && c->neigh_reachable_us <= hour && c->neigh_delay_us >= 1 &&
           c->neigh_delay_us <= hour && c->neigh_gc_us >= 1 && c->neigh_gc_us <= hour && c->dad_transmits <= 10;
}

static bool config_valid(const struct synack_config *c)
{
    return c->max_sockets >= 1 && c->max_sockets <= (1u << SOCK_INDEX_BITS) && c->max_connections >= 1 &&
           c->ttl >= 1 && c->sndbuf_bytes >= 1 && c->sndbuf_bytes <= (1u << 30) && c->rcvbuf_bytes >= 1 &&
           c->rcvbuf_bytes <= (1u << 30) && c->congestion < SYNACK_CC_COUNT && c->keepalive_idle_us >= 1000000 &&
           c->keepalive_interval_us >= 1000000 && c->keepalive_count >= 1 &&
           c->rto_min_us >= 1 && c->rto_min_us <= c->rto_max_us && c->rto_max_us <= UINT32_MAX &&
           c->rto_initial_us >= 1 && c->rto_initial_us <= UINT32_MAX && c->delack_us <= 500000 &&
           c->ephemeral_lo >= 1 && c->ephemeral_lo <= c->ephemeral_hi && c->msl_us >= 1 &&
           (c->mss == 0 || (c->mss >= 88 && c->mss <= 65495)) &&
           (c->icmp_error_rate == 0 || c->icmp_error_burst >= 1) &&
           (c->challenge_ack_rate == 0 || c->challenge_ack_burst >= 1) &&
           (c->syn_cookies || (c->syn_queue_len >= 1 && c->syn_queue_total >= 1)) &&
           c->ipfrag_max_datagrams <= 4096 &&
           (c->ipfrag_max_datagrams == 0 || c->ipfrag_timeout_us >= 1) &&
           (c->mem_max_bytes == 0 || c->mem_max_bytes >= STACK_MEM_MIN) &&
           (c->mem_pressure_bytes == 0 || (c->mem_max_bytes && c->mem_pressure_bytes <= c->mem_max_bytes)) &&
           neigh_config_valid(c) &&
           c->pmtu_expires_us >= 1 && c->plpmtud < SYNACK_PLPMTUD_COUNT && c->plpmtud_interval_us >= 1;
}

struct synack_stack *synack_stack_new(const struct synack_config *cfg)
{
    struct synack_config def;
    if (!cfg) {
        synack_config_default(&def);
        cfg = &def;
    }
    if (!config_valid(cfg))
        return NULL;
    /* The stack object is the first block of its own accounting. */
    synack_alloc_fn alloc = cfg->alloc ? cfg->alloc : mem_libc_alloc;
    struct synack_stack *st = alloc(cfg->alloc ? cfg->alloc_ctx : NULL, NULL, 0, sizeof *st);
    if (!st)
        return NULL;
    memset(st, 0, sizeof *st);
    st->cfg = *cfg;
    mem_init(st, cfg, sizeof *st);
    strncpy(st->name, cfg->name ? cfg->name : "stack", STACK_NAME_MAX - 1);
    st->cfg.name = st->name;
    uint64_t seed = cfg->secret;
    st->isn_key.k0 = splitmix64(&seed);
    st->isn_key.k1 = splitmix64(&seed);
    st->hash_key.k0 = splitmix64(&seed);
    st->hash_key.k1 = splitmix64(&seed);
    st->port_key.k0 = splitmix64(&seed);
    st->port_key.k1 = splitmix64(&seed);
    st->ip_id = (uint16_t)splitmix64(&seed);
    st->cookie_key.k0 = splitmix64(&seed);      /* drawn last: the keys above stay what they were */
    st->cookie_key.k1 = splitmix64(&seed);
    st->next_conn_id = 1;
    timer_heap_init(&st->timers);
    udp_table_init(&st->udp);
    ipfrag_init(&st->frag);
    neigh_init(&st->neigh);
    token_bucket_init(&st->icmp_errors, cfg->icmp_error_burst);
    token_bucket_init(&st->challenge_acks, cfg->challenge_ack_burst);
    pmtu_cache_init(&st->pmtu_cache);
    sock_table_init(&st->socks, cfg->max_sockets);
    /* The heap's first entries (the reassembly table's among them: see
     * timer_heap.h) and the connection table. */
    if (!timer_heap_reserve(st, &st->timers, 64) || !tcp_table_init(st, &st->tcp)) {
        synack_stack_free(st);
        return NULL;
    }
    return st;
}

void synack_stack_free(struct synack_stack *st)
{
    if (!st)
        return;
    /* Connections in the table (including orphans and TIME_WAIT). */
    for (uint32_t i = 0; i < st->tcp.nbuckets; i++) {
        struct tcp_conn *c = st->tcp.buckets[i];
        while (c) {
            struct tcp_conn *next = c->hash_next;
            if (c->sock >= 0) {
                struct sock *s = sock_get(st, c->sock);
                if (s)
                    s->conn = NULL;
            }
            tcp_conn_destroy(st, c);
            c = next;
        }
    }
    /* Connections held only by sockets (CLOSED), and listeners. */
    for (uint32_t i = 0; i < st->socks.count; i++) {
        struct sock *s = &st->socks.slots[i];
        if (s->kind == SOCK_TCP && s->conn)
            tcp_conn_destroy(st, s->conn);
        if (s->kind == SOCK_LISTENER)
            mem_free(st, s->listener, sizeof *s->listener);
        if (s->kind == SOCK_UDP)
            udp_sock_free(st, s->udp);
    }
    ipfrag_free(st);
    neigh_free(st);
    for (unsigned b = 0; b < TCP_LISTEN_BUCKETS; b++)
        st->tcp.listen[b] = NULL;
    tcp_table_free(st, &st->tcp);
    timer_heap_free(st, &st->timers);
    sock_table_free(st, &st->socks);
    /* Everything else is back: only the stack object is left. */
    struct stack_mem mem = st->mem;
    mem.fn(mem.ctx, st, sizeof *st, 0);
}

/* The EUI-64 link-local address of a MAC (RFC 4291 §2.5.1, Appendix A,
 * RFC 4862 §5.3): fe80::/64 and the MAC with the universal/local bit
 * flipped and ff:fe in the middle. */
static struct synack_addr link_local_from_mac(const uint8_t mac[6])
{
    uint8_t b[16] = { 0xfe, 0x80 };
    b[8] = mac[0] ^ 0x02;
    b[9] = mac[1];
    b[10] = mac[2];
    b[11] = 0xff;
    b[12] = 0xfe;
    b[13] = mac[3];
    b[14] = mac[4];
    b[15] = mac[5];
    return synack_addr_v6(b);
}

struct iface_addr *stack_iface_addr(struct synack_stack *st, int iface, const struct synack_addr *addr)
{
    struct iface *ifc = &st->ifaces[iface];
    for (int k = 0; k < ifc->naddrs; k++)
        if (synack_addr_equal(&ifc->addrs[k].addr, addr))
            return &ifc->addrs[k];
    return NULL;
}

static int iface_put_addr(struct synack_stack *st, int iface, const struct synack_addr *addr, uint8_t prefix_len,
                          uint8_t flags)
{
    struct iface *ifc = &st->ifaces[iface];
    if (stack_iface_addr(st, iface, addr))
        return -SYNACK_EEXIST;
    if (ifc->naddrs == SYNACK_IFACE_MAX_ADDRS)
        return -SYNACK_ENOBUFS;
    struct iface_addr *ia = &ifc->addrs[ifc->naddrs++];
    ia->addr = *addr;
    ia->prefix_len = prefix_len;
    ia->flags = flags;
    if (ifc->link == SYNACK_LINK_ETHERNET)
        eth_addr_added(st, iface, ia);
    return 0;
}

int synack_iface_add_addr(struct synack_stack *st, int iface, struct synack_addr addr, uint8_t prefix_len)
{
    if (!st || iface < 0 || iface >= st->iface_count)
        return -SYNACK_EINVAL;
    if (addr.family == SYNACK_AF_INET) {
        if (prefix_len > 32 || synack_addr_is_any(&addr))
            return -SYNACK_EINVAL;
    } else if (addr.family == SYNACK_AF_INET6) {
        /* IPv6 needs a link MTU of at least 1280 (RFC 8200 §5). */
        if (prefix_len > 128 || synack_addr_is_any(&addr) || addr.bytes[0] == 0xff ||
            st->ifaces[iface].mtu < 1280)
            return -SYNACK_EINVAL;
    } else {
        return -SYNACK_EAFNOSUPPORT;
    }
    struct iface *ifc = &st->ifaces[iface];
    if (addr.family == SYNACK_AF_INET6 && ifc->link == SYNACK_LINK_ETHERNET) {
        /* Neighbour discovery speaks from the link-local address. */
        struct synack_addr ll = link_local_from_mac(ifc->mac);
        if (!stack_iface_addr(st, iface, &ll) && !synack_addr_equal(&addr, &ll)) {
            if (ifc->naddrs + 2 > SYNACK_IFACE_MAX_ADDRS)
                return -SYNACK_ENOBUFS;
            iface_put_addr(st, iface, &ll, 64, IFADDR_AUTO);
        }
    }
    return iface_put_addr(st, iface, &addr, prefix_len, 0);
}

int synack_iface_add(struct synack_stack *st, const struct synack_iface_config *cfg)
{
    if (!st || !cfg || !cfg->transmit ||
        (cfg->link != SYNACK_LINK_IP && cfg->link != SYNACK_LINK_ETHERNET))
        return -SYNACK_EINVAL;
    uint32_t mtu = cfg->mtu ? cfg->mtu : 1500;
    if (mtu < 68 || mtu > 65535)
        return -SYNACK_EINVAL;
    if (cfg->link == SYNACK_LINK_ETHERNET && (cfg->mac[0] & 1))
        return -SYNACK_EINVAL;                     /* a group address cannot be an interface's */
    if (st->iface_count == STACK_MAX_IFACES)
        return -SYNACK_ENOBUFS;
    int n = st->iface_count;
    struct iface *ifc = &st->ifaces[n];
    memset(ifc, 0, sizeof *ifc);
    ifc->link = cfg->link;
    memcpy(ifc->mac, cfg->mac, 6);
    ifc->mtu = mtu;
    ifc->transmit = cfg->transmit;
    ifc->transmit_ctx = cfg->transmit_ctx;
    ifc->tx_csum_offload = cfg->tx_csum_offload;
    st->iface_count++;
    int rc = synack_iface_add_addr(st, n, cfg->addr, cfg->prefix_len);
    if (rc < 0) {
        st->iface_count--;
        return rc;
    }
    return n;
}

const struct synack_stats *synack_stack_stats(const struct synack_stack *st) { return &st->stats; }

void synack_stack_mem(const struct synack_stack *st, struct synack_mem_info *info)
{
    memset(info, 0, sizeof *info);
    info->used = st->stats.mem_bytes;
    info->peak = st->stats.mem_peak_bytes;
    info->max = st->cfg.mem_max_bytes;
    info->pressure_at = st->cfg.mem_max_bytes ? mem_pressure_line(&st->cfg) : 0;
    info->pressure = stack_mem_pressure(st);
}
const char *synack_stack_name(const struct synack_stack *st) { return st->name; }

static void emit_packet_event(struct synack_stack *st, enum synack_trace_kind kind, int iface, const uint8_t *pkt,
                              size_t len, uint64_t conn_id, int drop_reason, synack_time_us now)
{
    struct synack_trace_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.now = now;
    ev.stack_name = st->name;
    ev.iface = iface;
    ev.packet = pkt;
    ev.len = len;
    ev.conn_id = conn_id;
    ev.drop_reason = drop_reason;
    st->cfg.trace(st->cfg.trace_ctx, &ev);
}

void stack_trace_packet(struct synack_stack *st, enum synack_trace_kind kind, int iface, const uint8_t *pkt,
                        size_t len, uint64_t conn_id, synack_time_us now)
{
    if (st->cfg.trace)
        emit_packet_event(st, kind, iface, pkt, len, conn_id, 0, now);
}

void stack_drop_packet(struct synack_stack *st, int iface, const uint8_t *pkt, size_t len,
                       enum synack_drop_reason why, synack_time_us now)
{
    st->stats.drops[why]++;
    if (st->cfg.trace)
        emit_packet_event(st, SYNACK_TRACE_DROP, iface, pkt, len, 0, (int)why, now);
}

void stack_drop(struct synack_stack *st, int iface, enum synack_drop_reason why, synack_time_us now)
{
    stack_drop_packet(st, iface, st->rx_packet, st->rx_len, why, now);
}

/* Whether addr is one of ours with none of the flags in `unusable`.  The
 * first interface holding it decides (an address may stand on two).  The
 * walk is short (a few addresses per interface), so every packet takes it
 * rather than keeping a cache to invalidate as addresses come and go. */
static bool own_addr_without(const struct synack_stack *st, const struct synack_addr *addr, uint8_t unusable)
{
    for (int i = 0; i < st->iface_count; i++)
        for (int k = 0; k < st->ifaces[i].naddrs; k++) {
            const struct iface_addr *ia = &st->ifaces[i].addrs[k];
            if (synack_addr_equal(&ia->addr, addr))
                return !(ia->flags & unusable);
        }
    return false;
}

bool stack_is_local_addr(const struct synack_stack *st, const struct synack_addr *addr)
{
    return own_addr_without(st, addr, IFADDR_TENTATIVE | IFADDR_DUPLICATE);
}

bool stack_is_assigned_addr(const struct synack_stack *st, const struct synack_addr *addr)
{
    return own_addr_without(st, addr, IFADDR_DUPLICATE);
}

static bool is_link_local(const struct synack_addr *a)
{
    return a->family == SYNACK_AF_INET6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
}

/* Source address selection, kept simple (a subset of RFC 6724 §5): among
 * the interface's usable addresses of dst's family, one whose prefix holds
 * dst (rule 8's longest match, approximately), else one of the same scope
 * (rule 2: link-local for a link-local destination, global otherwise),
 * else the first. */
const struct synack_addr *stack_source_addr(const struct synack_stack *st, int iface,
                                            const struct synack_addr *dst)
{
    if (iface < 0 || iface >= st->iface_count)
        return NULL;
    const struct iface *ifc = &st->ifaces[iface];
    const struct synack_addr *first = NULL, *scoped = NULL;
    for (int k = 0; k < ifc->naddrs; k++) {
        const struct iface_addr *ia = &ifc->addrs[k];
        if (ia->addr.family != dst->family || (ia->flags & (IFADDR_TENTATIVE | IFADDR_DUPLICATE)))
            continue;
        if (synack_addr_in_prefix(dst, &ia->addr, ia->prefix_len))
            return &ia->addr;
        if (!first)
            first = &ia->addr;
        if (!scoped && is_link_local(&ia->addr) == is_link_local(dst))
            scoped = &ia->addr;
    }
    return scoped ? scoped : first;
}

int stack_route_remote(const struct synack_stack *st, const struct synack_endpoint *remote)
{
    if (remote->addr.family != SYNACK_AF_INET && remote->addr.family != SYNACK_AF_INET6)
        return -SYNACK_EAFNOSUPPORT;
    if (remote->port == 0 || synack_addr_is_any(&remote->addr))
        return -SYNACK_EINVAL;
    int iface = stack_route(st, &remote->addr);
    return iface < 0 ? -SYNACK_ENETUNREACH : iface;
}

/* The interface whose on-link prefix holds dst most specifically; else
 * (the default route) the first interface with an address of dst's
 * family.  A link-local IPv6 destination has no scope id in this API: it
 * is taken to be on the first interface with a link-local address. */
int stack_route(const struct synack_stack *st, const struct synack_addr *dst)
{
    int best = -1, best_len = -1, fallback = -1;
    for (int i = 0; i < st->iface_count; i++) {
        const struct iface *ifc = &st->ifaces[i];
        for (int k = 0; k < ifc->naddrs; k++) {
            const struct iface_addr *ia = &ifc->addrs[k];
            if (ia->addr.family != dst->family)
                continue;
            if (fallback < 0)
                fallback = i;
            if (synack_addr_in_prefix(dst, &ia->addr, ia->prefix_len) && ia->prefix_len > best_len) {
                best = i;
                best_len = ia->prefix_len;
            }
        }
    }
    return best >= 0 ? best : fallback;
}

bool stack_iface_directed_broadcast(const struct synack_stack *st, int iface, const struct synack_addr *addr)
{
    uint32_t a = synack_addr_v4_value(addr);
    const struct iface *ifc = &st->ifaces[iface];
    for (int k = 0; k < ifc->naddrs; k++) {
        const struct iface_addr *ia = &ifc->addrs[k];
        uint8_t plen = ia->prefix_len;
        if (ia->addr.family != SYNACK_AF_INET || plen == 0 || plen > 30)
            continue;
        uint32_t host_mask = 0xffffffffu >> plen;
        if (synack_addr_in_prefix(addr, &ia->addr, plen) && (a & host_mask) == host_mask)
            return true;
    }
    return false;
}

/* The next hop for dst on iface: dst itself when it is on-link (or the
 * link is point-to-point: TUN has no neighbours), else the configured
 * gateway.  synack has no gateways yet: off-link destinations on an
 * Ethernet link are resolved as if on-link (proxy ARP/NDP on the router
 * answers), which is what a namespace's veth peer does for us. */
static const struct synack_addr *next_hop(const struct synack_stack *st, int iface, const struct synack_addr *dst)
{
    (void)st;
    (void)iface;
    return dst;
}

int stack_ip_output(struct synack_stack *st, int iface, const struct synack_addr *src,
                    const struct synack_addr *dst, uint8_t proto, size_t payload_len, uint64_t conn_id,
                    synack_time_us now)
{
    return stack_ip_output_ttl(st, iface, src, dst, proto, payload_len, st->cfg.ttl, conn_id, now);
}

int stack_ip_output_ttl(struct synack_stack *st, int iface, const struct synack_addr *src,
                        const struct synack_addr *dst, uint8_t proto, size_t payload_len, uint8_t ttl,
                        uint64_t conn_id, synack_time_us now)
{
    size_t hlen = stack_ip_header_len(src->family);
    uint8_t *pkt = stack_tx_l4(st) - hlen;
    size_t len = hlen + payload_len;
    if (src->family == SYNACK_AF_INET6)
        ipv6_write_header(pkt, src, dst, proto, (uint16_t)payload_len, ttl);
    else
        /* TCP sets DF: synack sizes its segments to the path (RFC 1191, tcp_pmtu.c). */
        ipv4_write_header(pkt, src, dst, proto, (uint16_t)payload_len, ttl, st->ip_id++,
                          proto == IP_PROTO_TCP);
    if (iface < 0 || iface >= st->iface_count) {
        st->stats.ip_out_no_routes++;
        stack_drop_packet(st, -1, pkt, len, SYNACK_DROP_TX_NO_ROUTE, now);
        return -SYNACK_EHOSTUNREACH;
    }
    st->stats.ip_out_requests++;
    struct iface *ifc = &st->ifaces[iface];
    if (len > ifc->mtu) {
        /* synack never fragments on output: TCP sizes segments from the
         * MTU and UDP refuses larger datagrams (EMSGSIZE), so only an echo
         * reply to a reassembled request can get here. */
        st->stats.ip_out_frag_fails++;
        stack_drop_packet(st, iface, pkt, len, SYNACK_DROP_TX_TOO_BIG, now);
        return -SYNACK_EMSGSIZE;
    }
    return stack_link_output(st, iface, next_hop(st, iface, dst), pkt, len, conn_id, now);
}

int stack_link_output(struct synack_stack *st, int iface, const struct synack_addr *nexthop, uint8_t *pkt,
                      size_t len, uint64_t conn_id, synack_time_us now)
{
    struct iface *ifc = &st->ifaces[iface];
    stack_trace_packet(st, SYNACK_TRACE_PACKET_OUT, iface, pkt, len, conn_id, now);
    if (ifc->link == SYNACK_LINK_ETHERNET)
        return eth_output(st, iface, nexthop, pkt, len, now);
    int rc = ifc->transmit(ifc->transmit_ctx, pkt, len);
    if (rc < 0) {
        st->stats.ip_out_discards++;
        stack_drop_packet(st, iface, pkt, len, SYNACK_DROP_TX_DRIVER, now);
        return rc;
    }
    return 0;
}

static void ip_input(struct synack_stack *st, int iface, const uint8_t *pkt, size_t len, synack_time_us now);
static void ip_deliver(struct synack_stack *st, int iface, const struct ipv4_packet *ip, synack_time_us now);

static bool bad_source(const struct synack_stack *st, const struct synack_addr *src)
{
    /* RFC 1122 §3.2.1.3: a host must silently discard a datagram whose
     * source is a broadcast or multicast address.  Our own addresses
     * arriving from outside are spoofed. */
    uint8_t first = src->bytes[0];
    if (first >= 224)                                       /* multicast, class E, broadcast */
        return true;
    if (first == 0 || first == 127)
        return true;
    return stack_is_local_addr(st, src);
}

void synack_input(struct synack_stack *st, int iface, const uint8_t *pkt, size_t len, synack_time_us now)
{
    synack_input_flags(st, iface, pkt, len, 0, now);
}

void synack_input_flags(struct synack_stack *st, int iface, const uint8_t *pkt, size_t len, unsigned flags,
                        synack_time_us now)
{
    if (!st || iface < 0 || iface >= st->iface_count || !pkt)
        return;
    if (now > st->now)
        st->now = now;
    st->rx_packet = pkt;
    st->rx_len = len;
    st->rx_csum_valid = (flags & SYNACK_INPUT_CSUM_VALID) != 0;
    if (st->ifaces[iface].link == SYNACK_LINK_ETHERNET)
        eth_input(st, iface, pkt, len, now);     /* IP inside comes back through stack_ip_input */
    else
        stack_ip_input(st, iface, pkt, len, now);
    st->rx_packet = NULL;
    st->rx_len = 0;
    st->rx_csum_valid = false;
}

void stack_ip_input(struct synack_stack *st, int iface, const uint8_t *pkt, size_t len, synack_time_us now)
{
    st->stats.ip_in_receives++;
    st->rx_packet = pkt;
    st->rx_len = len;
    stack_trace_packet(st, SYNACK_TRACE_PACKET_IN, iface, pkt, len, 0, now);
    if (len >= 1 && pkt[0] >> 4 == 6)
        ip6_input(st, iface, pkt, len, now);
    else
        ip_input(st, iface, pkt, len, now);
}

static void ip_input(struct synack_stack *st, int iface, const uint8_t *pkt, size_t len, synack_time_us now)
{
    struct ipv4_packet ip;
    enum synack_drop_reason why;
    if (!ipv4_parse(pkt, len, &ip, &why)) {
        st->stats.ip_in_hdr_errors++;
        stack_drop(st, iface, why, now);
        return;
    }
    if (!stack_is_local_addr(st, &ip.dst)) {
        st->stats.ip_in_addr_errors++;
        stack_drop(st, iface, SYNACK_DROP_IP_NOT_FOR_US, now);
        return;
    }
    if (bad_source(st, &ip.src)) {
        st->stats.ip_in_addr_errors++;
        stack_drop(st, iface, SYNACK_DROP_IP_BAD_SOURCE, now);
        return;
    }
    if (!(ip.more_fragments || ip.frag_offset)) {
        ip_deliver(st, iface, &ip, now);
        return;
    }
    /* RFC 791 §3.2, RFC 1122 §3.3.2: fragments wait in ipfrag.c until
     * their datagram is whole; it then goes up as if it had arrived in one
     * piece (and is what a drop or an ICMP error about it shows). */
    struct ipfrag_done done;
    if (!ipfrag_input(st, iface, &ip, pkt, now, &done))
        return;
    struct ipv4_packet whole;
    if (ipv4_parse(done.packet, done.len, &whole, &why)) {
        /* What a link vouched for was the last fragment alone; a
         * fragmented datagram's transport checksum is always complete, so
         * it is checked. */
        struct stack_rx saved = stack_rx_replace(st, done.packet, done.len);
        ip_deliver(st, iface, &whole, now);
        stack_rx_restore(st, saved);
    }
    ipfrag_release(st, &done);
}

/* Hands a whole datagram (st->rx_packet) to its transport. */
static void ip_deliver(struct synack_stack *st, int iface, const struct ipv4_packet *ip, synack_time_us now)
{
    switch (ip->proto) {
    case IP_PROTO_TCP:
        st->stats.ip_in_delivers++;
        tcp_input(st, iface, &ip->src, &ip->dst, ip->payload, ip->payload_len, now);
        break;
    case IP_PROTO_UDP:
        st->stats.ip_in_delivers++;
        udp_input(st, iface, &ip->src, &ip->dst, ip->payload, ip->payload_len, now);
        break;
    case IP_PROTO_ICMP:
        st->stats.ip_in_delivers++;
        icmp_input(st, iface, &ip->src, &ip->dst, ip->payload, ip->payload_len, now);
        break;
    default:
        /* RFC 1122 §3.2.2.1: a host SHOULD answer a transport protocol it
         * does not support with protocol unreachable. */
        st->stats.ip_in_unknown_protos++;
        stack_drop(st, iface, SYNACK_DROP_IP_UNKNOWN_PROTOCOL, now);
        icmp_send_error(st, iface, ICMP_DEST_UNREACH, ICMP_UNREACH_PROTOCOL, st->rx_packet, st->rx_len, now);
        break;
    }
}

static void flush_queued_output(struct synack_stack *st, synack_time_us now)
{
    while (st->out_head) {
        struct tcp_conn *c = st->out_head;
        tcp_conn_unqueue_output(st, c);
        tcp_output(st, c, now);
    }
}

synack_time_us synack_poll(struct synack_stack *st, synack_time_us now)
{
    if (!st)
        return SYNACK_TIME_NEVER;
    if (now > st->now)
        st->now = now;
    /* Output queued by socket calls comes first: an aborted connection
     * sends its RST and is freed here, before any of its timers could run
     * (tcp_output frees a connection only when abort_pending is set). */
    flush_queued_output(st, now);
    udp_output(st, now);
    if (st->neigh.next <= now)
        neigh_poll(st, now);
    struct timer_entry *e;
    unsigned guard = 0;
    while ((e = timer_heap_top(&st->timers)) && e->deadline <= now && guard++ < 1000000) {
        if (e == &st->frag.sched) {
            ipfrag_expire(st, now);
            continue;
        }
        struct tcp_conn *c = (struct tcp_conn *)((char *)e - offsetof(struct tcp_conn, sched));
        tcp_timer_run(st, c, now);
    }
    e = timer_heap_top(&st->timers);
    synack_time_us next = e ? e->deadline : SYNACK_TIME_NEVER;
    return st->neigh.next < next ? st->neigh.next : next;
}
