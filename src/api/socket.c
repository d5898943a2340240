/*
 * socket.c — the socket calls of synack/socket.h over the engine.
 *
 * Each call validates its arguments, changes socket or connection state,
 * and queues output for the next synack_poll(); none of them transmits or
 * reads a clock.  The user-side rules come from RFC 9293 §3.10.1-§3.10.6
 * (OPEN, SEND, RECEIVE, CLOSE, ABORT, STATUS) and, for the shape of the
 * calls, from POSIX sockets.  UDP sockets (RFC 768) share the calls that
 * make sense for them; their work is done in core/udp.c.
 */
#include <string.h>

#include "cc.h"
#include "seq.h"
#include "sock.h"
#include "stack_internal.h"
#include "tcp_conn.h"
#include "tcp_recovery.h"

int synack_socket(struct synack_stack *st)
{
    if (!st)
        return -SYNACK_EINVAL;
    return sock_alloc(st, true);
}

static struct sock *tcp_sock(struct synack_stack *st, int sock)
{
    return sock_get(st, sock);
}

int synack_udp_socket(struct synack_stack *st)
{
    if (!st)
        return -SYNACK_EINVAL;
    int h = sock_alloc(st, true);
    if (h < 0)
        return h;
    struct sock *s = sock_get(st, h);
    s->udp = udp_sock_new(st, h, s->opt.sndbuf, s->opt.rcvbuf);
    if (!s->udp) {
        sock_release(st, h);
        return -SYNACK_ENOBUFS;
    }
    s->kind = SOCK_UDP;
    return h;
}

/* Takes a UDP socket's pending error (from an ICMP error), like SO_ERROR. */
static int take_sock_error(struct sock *s)
{
    int e = s->error;
    s->error = 0;
    return e;
}

ssize_t synack_sendto(struct synack_stack *st, int sock, const void *data, size_t len,
                      const struct synack_endpoint *to)
{
    struct sock *s = sock_get(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    if (s->kind != SOCK_UDP)
        return synack_send(st, sock, data, len);   /* POSIX: `to` is ignored on a connected stream */
    if (!data && len)
        return -SYNACK_EINVAL;
    if (s->error)
        return take_sock_error(s);
    return udp_sendto(st, s->udp, data ? data : "", len, to);
}

ssize_t synack_recvmsg(struct synack_stack *st, int sock, void *buf, size_t len, struct synack_endpoint *from,
                       uint32_t *flags)
{
    struct sock *s = sock_get(st, sock);
    if (flags)
        *flags = 0;
    if (!s)
        return -SYNACK_EBADF;
    if (s->kind != SOCK_UDP) {
        ssize_t n = synack_recv(st, sock, buf, len);
        if (n >= 0 && from && s->conn)
            *from = s->conn->remote;
        return n;
    }
    if (!buf && len)
        return -SYNACK_EINVAL;
    /* An error waiting is reported first (as Linux's UDP does). */
    if (s->error)
        return take_sock_error(s);
    bool truncated = false;
    ssize_t n = udp_recvfrom(s->udp, buf, len, from, &truncated);
    udp_reclaim(st, s->udp);
    if (truncated && flags)
        *flags |= SYNACK_MSG_TRUNC;
    return n;
}

ssize_t synack_recvfrom(struct synack_stack *st, int sock, void *buf, size_t len, struct synack_endpoint *from)
{
    return synack_recvmsg(st, sock, buf, len, from, NULL);
}

/* Chooses a free port for a bind to port 0. */
static uint16_t bind_ephemeral(struct synack_stack *st, const struct synack_addr *addr)
{
    uint32_t lo = st->cfg.ephemeral_lo, n = st->cfg.ephemeral_hi - lo + 1;
    for (uint32_t i = 0; i < n; i++) {
        uint16_t port = (uint16_t)(lo + (st->port_cursor + i) % n);
        if (!tcp_port_in_use(st, addr, port, false)) {
            st->port_cursor += i + 1;
            return port;
        }
    }
    return 0;
}

int synack_bind(struct synack_stack *st, int sock, const struct synack_endpoint *local)
{
    struct sock *s = tcp_sock(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    if (!local)
        return -SYNACK_EINVAL;
    if (s->kind == SOCK_UDP) {
        return udp_bind(st, s->udp, local);   /* the socket's address lives in s->udp */
    }
    if (s->bound || s->conn || s->kind != SOCK_TCP)
        return -SYNACK_EINVAL;
    if (local->addr.family != SYNACK_AF_INET && local->addr.family != SYNACK_AF_INET6 &&
        local->addr.family != SYNACK_AF_UNSPEC)
        return -SYNACK_EAFNOSUPPORT;
    struct synack_addr addr = local->addr;
    if (addr.family == SYNACK_AF_UNSPEC)
        addr = synack_addr_any(SYNACK_AF_UNSPEC);     /* both families (sock.h) */
    if (!synack_addr_is_any(&addr) && !stack_is_assigned_addr(st, &addr))
        return -SYNACK_EADDRNOTAVAIL;
    uint16_t port = local->port;
    if (port == 0) {
        port = bind_ephemeral(st, &addr);
        if (!port)
            return -SYNACK_EADDRINUSE;
    } else if (tcp_port_in_use(st, &addr, port, s->opt.reuseaddr)) {
        return -SYNACK_EADDRINUSE;
    }
    s->local = synack_endpoint_make(addr, port);
    s->bound = true;
    return 0;
}

int synack_listen(struct synack_stack *st, int sock, int backlog)
{
    struct sock *s = tcp_sock(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    if (s->kind == SOCK_UDP)
        return -SYNACK_EOPNOTSUPP;
    if (s->kind == SOCK_LISTENER) {
        s->listener->backlog = backlog < 1 ? 1 : (uint32_t)backlog;
        return 0;
    }
    if (s->conn)
        return -SYNACK_EISCONN;
    if (!s->bound) {
        struct synack_endpoint any = synack_endpoint_make(synack_addr_any(SYNACK_AF_UNSPEC), 0);
        int rc = synack_bind(st, sock, &any);
        if (rc < 0)
            return rc;
    }
    if (tcp_listener_find_exact(st, &s->local))
        return -SYNACK_EADDRINUSE;
    /* A listener is new work: refused under memory pressure (mem.h). */
    struct tcp_listener *l = stack_mem_room(st, sizeof *l) ? mem_zalloc(st, 1, sizeof *l) : NULL;
    if (!l) {
        st->stats.mem_refused_opens++;
        return -SYNACK_ENOBUFS;
    }
    l->local = s->local;
    l->sock = sock;
    l->backlog = backlog < 1 ? 1 : backlog > 65535 ? 65535 : (uint32_t)backlog;
    s->kind = SOCK_LISTENER;
    s->listener = l;
    tcp_listener_insert(st, l);
    return 0;
}

int synack_accept(struct synack_stack *st, int sock, struct synack_endpoint *peer)
{
    struct sock *s = tcp_sock(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    if (s->kind == SOCK_UDP)
        return -SYNACK_EOPNOTSUPP;
    if (s->kind != SOCK_LISTENER)
        return -SYNACK_EINVAL;
    struct tcp_listener *l = s->listener;
    struct tcp_conn *c = l->accept_head;
    if (!c)
        return -SYNACK_EAGAIN;
    int h = sock_alloc(st, false);      /* the connection exists: not new work */
    if (h < 0)
        return h;                       /* the connection stays queued */
    s = tcp_sock(st, sock);             /* the slot array may have moved */
    struct sock *ns = tcp_sock(st, h);
    l->accept_head = c->accept_next;
    if (!l->accept_head)
        l->accept_tail = NULL;
    l->accept_count--;
    c->accept_next = NULL;
    c->accept_ready = false;
    c->listener = NULL;
    c->sock = h;
    ns->conn = c;
    ns->bound = true;
    ns->local = c->local;
    ns->opt = s->opt;                   /* options are inherited from the listener */
    if (peer)
        *peer = c->remote;
    sock_notify(st, h);                 /* the new socket's readiness is news */
    return h;
}

int synack_connect(struct synack_stack *st, int sock, const struct synack_endpoint *remote)
{
    struct sock *s = tcp_sock(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    if (!remote)
        return -SYNACK_EINVAL;
    if (s->kind == SOCK_UDP) {
        int rc = udp_connect(st, s->udp, remote);
        if (rc == 0)
            sock_notify(st, sock);      /* CONNECTED changed */
        return rc;
    }
    if (s->kind == SOCK_LISTENER)
        return -SYNACK_EINVAL;
    if (s->conn)
        return s->conn->state == SYNACK_TCP_SYN_SENT ? -SYNACK_EALREADY : -SYNACK_EISCONN;
    int iface = stack_route_remote(st, remote);
    if (iface < 0)
        return iface;
    if (s->bound && !sock_addr_takes_family(&s->local.addr, remote->addr.family))
        return -SYNACK_EAFNOSUPPORT;
    struct synack_addr laddr;
    if (s->bound && !synack_addr_is_any(&s->local.addr)) {
        if (!stack_is_local_addr(st, &s->local.addr))
            return -SYNACK_EADDRNOTAVAIL;          /* still tentative (RFC 4862 §5.4) */
        laddr = s->local.addr;
    } else {
        const struct synack_addr *src = stack_source_addr(st, iface, &remote->addr);
        if (!src)
            return -SYNACK_EADDRNOTAVAIL;
        laddr = *src;
    }
    uint16_t lport = s->bound ? s->local.port : tcp_pick_ephemeral(st, &laddr, remote);
    if (!lport)
        return -SYNACK_EADDRNOTAVAIL;
    struct synack_endpoint local = synack_endpoint_make(laddr, lport);
    if (tcp_table_lookup(st, &local, remote))
        return -SYNACK_EADDRINUSE;
    struct tcp_conn_params p = sock_conn_params(s);
    enum synack_drop_reason why;
    if (!tcp_conn_room(st, true, &why))
        return -SYNACK_ENOBUFS;
    /* The ISS is chosen again, with the clock, when the SYN goes out. */
    struct tcp_conn *c = tcp_conn_new(st, &local, remote, iface, &p, st->now);
    if (!c)
        return -SYNACK_ENOBUFS;
    c->sock = sock;
    s->conn = c;
    s->bound = true;
    s->local = local;
    if (s->write_shut)
        c->fin_queued = true;
    tcp_table_insert(st, c);
    st->stats.tcp_active_opens++;
    c->open_pending = true;
    tcp_conn_want_output(st, c);
    return -SYNACK_EINPROGRESS;
}

static int take_conn_error(struct tcp_conn *c)
{
    int e = c->error;
    c->error = 0;
    return e;
}

ssize_t synack_send(struct synack_stack *st, int sock, const void *data, size_t len)
{
    struct sock *s = tcp_sock(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    if (s->kind == SOCK_UDP)
        return synack_sendto(st, sock, data, len, NULL);
    if (s->kind != SOCK_TCP || (!data && len))
        return -SYNACK_EINVAL;
    struct tcp_conn *c = s->conn;
    if (!c)
        return -SYNACK_ENOTCONN;
    if (c->error)
        return take_conn_error(c);
    if (s->write_shut || c->fin_queued || (c->state == SYNACK_TCP_CLOSED && !c->open_pending))
        return -SYNACK_EPIPE;
    if (len == 0)
        return 0;
    if (!ringbuf_free_space(&c->sndbuf)) {
        st->stats.tcp_sndbuf_full++;
        return -SYNACK_EAGAIN;
    }
    uint32_t chunk = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    if (chunk > ringbuf_free_space(&c->sndbuf))
        chunk = ringbuf_free_space(&c->sndbuf);
    /* Growing the send ring is new work: only when the new storage fits
     * below the memory pressure line (mem.h); else the storage there is
     * takes what it can.  A ring with no storage may still have its first
     * RINGBUF_MIN_SIZE bytes (up to the hard cap), so that every
     * connection keeps moving under pressure (Linux's tcp_wmem[0] is the
     * same floor).  What is accepted is in the ring, so nothing later can
     * fail for it. */
    uint32_t want = chunk;
    uint32_t grown = ringbuf_growth(&c->sndbuf, c->sndbuf.len + chunk);
    if (grown && !stack_mem_room(st, grown))
        chunk = c->sndbuf.size ? ringbuf_room(&c->sndbuf) : chunk < RINGBUF_MIN_SIZE ? chunk : RINGBUF_MIN_SIZE;
    uint32_t n = ringbuf_append(st, &c->sndbuf, data, chunk);
    if (n < want)
        st->stats.mem_refused_sends++;
    if (!n) {
        /* Nothing fits.  With data queued, its ACKs make room and the
         * socket is notified (EAGAIN, as for a full buffer); with none,
         * there is nothing to wait for. */
        return c->sndbuf.len ? -SYNACK_EAGAIN : -SYNACK_ENOBUFS;
    }
    tcp_conn_want_output(st, c);
    return (ssize_t)n;
}

ssize_t synack_recv(struct synack_stack *st, int sock, void *buf, size_t len)
{
    struct sock *s = tcp_sock(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    if (s->kind == SOCK_UDP)
        return synack_recvfrom(st, sock, buf, len, NULL);
    if (s->kind != SOCK_TCP || (!buf && len))
        return -SYNACK_EINVAL;
    struct tcp_conn *c = s->conn;
    if (!c)
        return -SYNACK_ENOTCONN;
    if (c->rcvbuf.len && len) {
        uint32_t n = ringbuf_read(&c->rcvbuf, buf, len > UINT32_MAX ? UINT32_MAX : (uint32_t)len);
        tcp_conn_reclaim(st, c);
        /* After the peer's FIN nothing more can arrive: a window update
         * then only draws a RST from a peer that has gone. */
        if (c->state != SYNACK_TCP_CLOSED && !c->fin_received && tcp_conn_window_update_due(st, c)) {
            c->ack_now = true;          /* tell the peer the window opened */
            tcp_conn_want_output(st, c);
        }
        return (ssize_t)n;
    }
    if (c->fin_received || c->user_read_shut)
        return 0;
    if (c->error)
        return take_conn_error(c);
    if (c->state == SYNACK_TCP_CLOSED && !c->open_pending)
        return 0;
    if (c->open_pending)
        return -SYNACK_EAGAIN;
    /* Still opening: SYN-SENT, SYN-RECEIVED, or closed in SYN-RECEIVED
     * with our SYN not yet acknowledged (then in FIN-WAIT-1). */
    bool opening = c->state == SYNACK_TCP_SYN_SENT || c->state == SYNACK_TCP_SYN_RECEIVED || c->snd_una == c->iss;
    if (!c->was_established && !opening)
        return -SYNACK_ENOTCONN;
    return -SYNACK_EAGAIN;
}

/* Queues our FIN after the data (RFC 9293 §3.10.4) and moves the state. */
static void queue_fin(struct synack_stack *st, struct tcp_conn *c)
{
    if (c->fin_queued)
        return;
    /* The state moves (ESTABLISHED -> FIN-WAIT-1, CLOSE-WAIT -> LAST-ACK)
     * at the next poll, in tcp_output; during the handshake the FIN waits
     * until the connection is established. */
    if (c->state == SYNACK_TCP_ESTABLISHED || c->state == SYNACK_TCP_CLOSE_WAIT ||
        c->state == SYNACK_TCP_SYN_SENT || c->state == SYNACK_TCP_SYN_RECEIVED || c->open_pending) {
        c->fin_queued = true;
        tcp_conn_want_output(st, c);
    }
}

int synack_shutdown(struct synack_stack *st, int sock, int how)
{
    struct sock *s = tcp_sock(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    if (how < SYNACK_SHUT_RD || how > SYNACK_SHUT_RDWR)
        return -SYNACK_EINVAL;
    if (s->kind == SOCK_UDP)
        return -SYNACK_EOPNOTSUPP;
    if (s->kind != SOCK_TCP)
        return -SYNACK_ENOTCONN;
    struct tcp_conn *c = s->conn;
    if (!c)
        return -SYNACK_ENOTCONN;
    if (how != SYNACK_SHUT_WR) {
        c->user_read_shut = true;
        ringbuf_consume(&c->rcvbuf, c->rcvbuf.len);
        sock_notify(st, sock);
    }
    if (how != SYNACK_SHUT_RD) {
        s->write_shut = true;
        queue_fin(st, c);
        sock_notify(st, sock);
    }
    return 0;
}

static void close_listener(struct synack_stack *st, struct sock *s)
{
    struct tcp_listener *l = s->listener;
    tcp_listener_remove(st, l);
    /* Connections not yet accepted, and embryos in the SYN queue, are
     * reset: nobody will ever read them. */
    for (uint32_t i = 0; i < st->tcp.nbuckets && (l->syn_count || l->accept_count); i++) {
        struct tcp_conn *c = st->tcp.buckets[i];
        while (c) {
            struct tcp_conn *next = c->hash_next;
            if (c->listener == l) {
                c->listener = NULL;
                c->accept_ready ? l->accept_count-- : l->syn_count--;
                c->accept_ready = false;
                c->abort_pending = true;
                tcp_conn_want_output(st, c);
            }
            c = next;
        }
    }
    mem_free(st, l, sizeof *l);
    s->listener = NULL;
}

int synack_close(struct synack_stack *st, int sock)
{
    struct sock *s = tcp_sock(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    if (s->kind == SOCK_LISTENER) {
        close_listener(st, s);
        sock_release(st, sock);
        return 0;
    }
    if (s->kind == SOCK_UDP) {
        udp_sock_free(st, s->udp);      /* datagrams not yet sent go with it */
        sock_release(st, sock);
        return 0;
    }
    struct tcp_conn *c = s->conn;
    if (c) {
        c->sock = -1;
        if (c->state == SYNACK_TCP_CLOSED) {
            tcp_conn_destroy(st, c);
        } else if (s->opt.linger_abort || c->rcvbuf.len) {
            /* Unread data would be lost silently: RFC 1122 §4.2.2.13 says
             * send a reset instead (RFC 2525 §2.17). */
            c->abort_pending = true;
            tcp_conn_want_output(st, c);
        } else if (c->state == SYNACK_TCP_SYN_SENT || c->open_pending) {
            c->abort_pending = true;    /* nothing to tell the peer; just forget */
            tcp_conn_want_output(st, c);
        } else {
            /* Nobody will read again; data that still arrives is answered
             * with RST (tcp_input.c, text step), so the ring can go. */
            tcp_conn_free_rcvbuf(st, c);
            queue_fin(st, c);
            if (c->state == SYNACK_TCP_FIN_WAIT_2)
                tcp_timer_set(st, c, TCP_TIMER_2MSL, st->now + 2 * st->cfg.msl_us);
            tcp_conn_want_output(st, c);
        }
    }
    sock_release(st, sock);
    return 0;
}

int synack_abort(struct synack_stack *st, int sock)
{
    struct sock *s = tcp_sock(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    if (s->kind == SOCK_LISTENER || s->kind == SOCK_UDP)
        return synack_close(st, sock);
    struct tcp_conn *c = s->conn;
    if (c) {
        c->sock = -1;
        if (c->state == SYNACK_TCP_CLOSED) {
            tcp_conn_destroy(st, c);
        } else {
            c->abort_pending = true;
            tcp_conn_want_output(st, c);
        }
    }
    sock_release(st, sock);
    return 0;
}

uint32_t synack_socket_ready(struct synack_stack *st, int sock) { return sock_ready_bits(st, sock); }

int synack_socket_error(struct synack_stack *st, int sock)
{
    struct sock *s = tcp_sock(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    int e = s->error;
    s->error = 0;
    if (!e && s->conn)
        e = take_conn_error(s->conn);
    return e;
}

int synack_local_endpoint(struct synack_stack *st, int sock, struct synack_endpoint *out)
{
    struct sock *s = tcp_sock(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    if (!out)
        return -SYNACK_EINVAL;
    if (s->kind == SOCK_UDP) {
        *out = s->udp->local;           /* port 0 until bound */
        return 0;
    }
    *out = s->conn ? s->conn->local : s->local;
    return 0;
}

int synack_remote_endpoint(struct synack_stack *st, int sock, struct synack_endpoint *out)
{
    struct sock *s = tcp_sock(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    if (!out)
        return -SYNACK_EINVAL;
    if (s->kind == SOCK_UDP) {
        if (!s->udp->connected)
            return -SYNACK_ENOTCONN;
        *out = s->udp->remote;
        return 0;
    }
    if (!s->conn)
        return -SYNACK_ENOTCONN;
    *out = s->conn->remote;
    return 0;
}

static bool in_range(int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; }

int synack_setsockopt(struct synack_stack *st, int sock, int opt, int64_t value)
{
    struct sock *s = tcp_sock(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    if (s->kind == SOCK_UDP) {
        /* UDP has its two queue bounds and REUSEADDR (kept, without effect:
         * UDP ports are never shared); the rest is TCP's. */
        if (opt == SYNACK_OPT_SNDBUF || opt == SYNACK_OPT_RCVBUF) {
            if (!in_range(value, 1, 1 << 30))
                return -SYNACK_EINVAL;
            int rc = udp_set_buffer(st, s->udp, opt == SYNACK_OPT_SNDBUF, (uint32_t)value);
            if (rc == 0)
                *(opt == SYNACK_OPT_SNDBUF ? &s->opt.sndbuf : &s->opt.rcvbuf) = (uint32_t)value;
            return rc;
        }
        if (opt == SYNACK_OPT_REUSEADDR) {
            s->opt.reuseaddr = value != 0;
            return 0;
        }
        return -SYNACK_ENOPROTOOPT;
    }
    struct tcp_conn *c = s->conn;
    switch (opt) {
    case SYNACK_OPT_SNDBUF:
        if (!in_range(value, 1, 1 << 30) || (c && value < c->sndbuf.len))
            return -SYNACK_EINVAL;
        s->opt.sndbuf = (uint32_t)value;
        if (c)
            c->sndbuf.cap = (uint32_t)value;   /* storage grows toward it on demand */
        return 0;
    case SYNACK_OPT_RCVBUF:
        if (!in_range(value, 1, 1 << 30))
            return -SYNACK_EINVAL;
        if (c)
            return -SYNACK_EINVAL;      /* the window scale was announced already */
        s->opt.rcvbuf = (uint32_t)value;
        return 0;
    case SYNACK_OPT_NODELAY:
        s->opt.nodelay = value != 0;
        if (c) {
            c->nodelay = s->opt.nodelay;
            tcp_conn_want_output(st, c);   /* held-back small data may go now */
        }
        return 0;
    case SYNACK_OPT_MAXSEG:
        if (value != 0 && !in_range(value, 88, 65495))
            return -SYNACK_EINVAL;
        if (c)
            return -SYNACK_EINVAL;
        s->opt.maxseg = (uint16_t)value;
        return 0;
    case SYNACK_OPT_REUSEADDR:
        s->opt.reuseaddr = value != 0;
        return 0;
    case SYNACK_OPT_LINGER_ABORT:
        s->opt.linger_abort = value != 0;
        return 0;
    case SYNACK_OPT_KEEPALIVE:
    case SYNACK_OPT_KEEPIDLE:
    case SYNACK_OPT_KEEPINTVL:
    case SYNACK_OPT_KEEPCNT:
        if (opt == SYNACK_OPT_KEEPALIVE)
            s->opt.keepalive = value != 0;
        else if (!in_range(value, 1, opt == SYNACK_OPT_KEEPCNT ? 255 : 32767))
            return -SYNACK_EINVAL;
        else if (opt == SYNACK_OPT_KEEPIDLE)
            s->opt.keep_idle_s = (uint32_t)value;
        else if (opt == SYNACK_OPT_KEEPINTVL)
            s->opt.keep_intvl_s = (uint32_t)value;
        else
            s->opt.keep_cnt = (uint32_t)value;
        if (c)
            tcp_conn_set_keepalive(st, c, s->opt.keepalive, s->opt.keep_idle_s, s->opt.keep_intvl_s,
                                   s->opt.keep_cnt);
        return 0;
    case SYNACK_OPT_CONGESTION:
        if (!cc_lookup((int)value) || value < 0 || value >= SYNACK_CC_COUNT)
            return -SYNACK_EINVAL;
        s->opt.cc = (uint8_t)value;
        if (c)
            tcp_conn_set_cc(c, (int)value, st->now);
        return 0;
    case SYNACK_OPT_PLPMTUD:
        if (!in_range(value, 0, SYNACK_PLPMTUD_COUNT - 1))
            return -SYNACK_EINVAL;
        s->opt.plpmtud = (uint8_t)value;
        if (c)
            tcp_pmtu_set_mode(st, c, (uint8_t)value, st->now);
        return 0;
    default:
        return -SYNACK_ENOPROTOOPT;
    }
}

int synack_getsockopt(struct synack_stack *st, int sock, int opt, int64_t *value)
{
    struct sock *s = tcp_sock(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    if (!value)
        return -SYNACK_EINVAL;
    if (s->kind == SOCK_UDP && opt != SYNACK_OPT_SNDBUF && opt != SYNACK_OPT_RCVBUF && opt != SYNACK_OPT_REUSEADDR)
        return -SYNACK_ENOPROTOOPT;
    switch (opt) {
    case SYNACK_OPT_SNDBUF: *value = s->opt.sndbuf; return 0;
    case SYNACK_OPT_RCVBUF: *value = s->opt.rcvbuf; return 0;
    case SYNACK_OPT_NODELAY: *value = s->opt.nodelay; return 0;
    case SYNACK_OPT_MAXSEG: *value = s->conn ? s->conn->snd_mss : s->opt.maxseg; return 0;
    case SYNACK_OPT_REUSEADDR: *value = s->opt.reuseaddr; return 0;
    case SYNACK_OPT_LINGER_ABORT: *value = s->opt.linger_abort; return 0;
    case SYNACK_OPT_KEEPALIVE: *value = s->opt.keepalive; return 0;
    case SYNACK_OPT_KEEPIDLE: *value = s->opt.keep_idle_s; return 0;
    case SYNACK_OPT_KEEPINTVL: *value = s->opt.keep_intvl_s; return 0;
    case SYNACK_OPT_KEEPCNT: *value = s->opt.keep_cnt; return 0;
    case SYNACK_OPT_CONGESTION: *value = s->conn ? s->conn->cc->id : s->opt.cc; return 0;
    case SYNACK_OPT_PLPMTUD: *value = s->conn ? s->conn->pm.mode : s->opt.plpmtud; return 0;
    default: return -SYNACK_ENOPROTOOPT;
    }
}

int synack_getinfo(struct synack_stack *st, int sock, struct synack_tcp_info *info)
{
    struct sock *s = tcp_sock(st, sock);
    if (!s)
        return -SYNACK_EBADF;
    if (!info)
        return -SYNACK_EINVAL;
    if (s->kind == SOCK_UDP)
        return -SYNACK_EOPNOTSUPP;
    memset(info, 0, sizeof *info);
    if (s->kind == SOCK_LISTENER) {
        info->state = SYNACK_TCP_LISTEN;
        info->local = s->local;
        return 0;
    }
    struct tcp_conn *c = s->conn;
    if (!c) {
        info->state = SYNACK_TCP_CLOSED;
        info->local = s->local;
        return 0;
    }
    info->state = c->state;
    info->local = c->local;
    info->remote = c->remote;
    info->iss = c->iss;
    info->irs = c->irs;
    info->snd_una = c->snd_una;
    info->snd_nxt = c->snd_nxt;
    info->snd_wnd = c->snd_wnd;
    info->rcv_nxt = c->rcv_nxt;
    info->rcv_wnd = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
    info->snd_max = c->snd_max;
    info->max_snd_wnd = c->max_snd_wnd;
    info->rcv_space = tcp_conn_rcv_space(c);
    info->snd_mss = c->snd_mss;
    info->rcv_mss = c->rcv_mss;
    info->snd_wscale = c->wscale_ok ? c->snd_wscale : 0;
    info->rcv_wscale = c->wscale_ok ? c->rcv_wscale : 0;
    bool negotiated = tcp_state_synchronized(c->state) || c->state == SYNACK_TCP_SYN_RECEIVED;
    info->wscale_ok = negotiated && c->wscale_ok;
    info->timestamps_ok = negotiated && c->ts_ok;
    info->sack_ok = negotiated && c->sack_ok;
    info->cc = c->cc->id;
    info->min_rtt_us = c->min_rtt_us;
    info->in_flight_bytes = tcp_rec_pipe(c);
    info->reordering = c->reordering;
    info->bytes_retrans = c->bytes_retrans;
    info->retrans_rto = c->retrans_rto;
    info->retrans_fast = c->retrans_fast;
    info->retrans_tlp = c->retrans_tlp;
    info->sack_blocks_in = c->sack_blocks_in;
    info->dsack_in = c->dsack_in;
    info->sack_blocks_out = c->sack_blocks_out;
    info->dsack_out = c->dsack_out;
    info->spurious_rtos = c->spurious_rtos;
    info->spurious_retrans = c->spurious_retrans;
    info->zero_window_probes = c->zero_window_probes;
    info->keepalive_probes = c->keepalive_probes;
    info->delivery_rate_bps = c->delivery_rate_bps;
    info->srtt_us = c->rtt.srtt_us;
    info->rttvar_us = c->rtt.rttvar_us;
    info->rto_us = rtt_rto_backed_off(&c->rtt, c->backoff);
    info->backoff = c->backoff;
    info->cwnd_bytes = c->cwnd;
    info->ssthresh_bytes = c->ssthresh;
    info->unacked_bytes = c->snd_max - c->snd_una;
    info->snd_nxt = c->snd_max;
    info->send_queue_bytes = c->sndbuf.len;
    info->recv_queue_bytes = c->rcvbuf.len;
    info->ooo_bytes = reass_bytes(&c->ooo);
    info->bytes_acked = c->bytes_acked;
    info->bytes_received = c->bytes_received;
    info->segs_out = c->segs_out;
    info->segs_in = c->segs_in;
    info->data_segs_out = c->data_segs_out;
    info->data_segs_in = c->data_segs_in;
    info->retrans_segs = c->retrans_segs;
    info->rto_expiries = c->rto_expiries;
    info->fast_retrans = c->fast_retrans;
    info->dup_acks_in = c->dup_acks_in;
    info->conn_id = c->id;
    info->soft_error = c->soft_error;
    info->pmtu = c->pm.mtu;
    info->plpmtud = c->pm.mode;
    info->pmtu_searching = c->pm.state == PL_SEARCHING ? 1 : c->pm.state == PL_COMPLETE ? 2 : 0;
    info->pmtu_search_low = c->pm.search_low;
    info->pmtu_search_high = c->pm.search_high;
    info->pmtu_probes = c->pm.probes;
    info->pmtu_probes_ok = c->pm.probes_ok;
    info->pmtu_probes_failed = c->pm.probes_failed;
    info->pmtu_black_holes = c->pm.black_holes;
    return 0;
}

void synack_stack_close_all(struct synack_stack *st, bool abort)
{
    if (!st)
        return;
    for (uint32_t i = 0; i < st->socks.count; i++) {
        struct sock *s = &st->socks.slots[i];
        if (s->kind == SOCK_FREE)
            continue;
        int h = (int)(((uint32_t)(s->gen & SOCK_GEN_MASK) << SOCK_INDEX_BITS) | i);
        if (abort)
            synack_abort(st, h);
        else
            synack_close(st, h);
    }
    if (!abort)
        return;
    /* Orphans still finishing their close are reset too. */
    for (uint32_t b = 0; b < st->tcp.nbuckets; b++)
        for (struct tcp_conn *c = st->tcp.buckets[b]; c; c = c->hash_next)
            if (c->state != SYNACK_TCP_TIME_WAIT && c->state != SYNACK_TCP_CLOSED) {
                c->abort_pending = true;
                tcp_conn_want_output(st, c);
            }
}

uint32_t synack_stack_connections(const struct synack_stack *st, bool include_time_wait)
{
    uint32_t n = 0;
    for (uint32_t b = 0; st && b < st->tcp.nbuckets; b++)
        for (const struct tcp_conn *c = st->tcp.buckets[b]; c; c = c->hash_next)
            if (include_time_wait || c->state != SYNACK_TCP_TIME_WAIT)
                n++;
    return n;
}
