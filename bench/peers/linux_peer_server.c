/*
 * linux_peer_server.c — the kernel-side server of the churn and ping-pong
 * workloads: an echo server (every byte read is written back), which is
 * "1-byte response to a 1-byte request" for both, and closes its end when
 * the client's FIN arrives (FIN both ways; the client, which closed first,
 * keeps the TIME_WAIT).
 *
 * Two shapes, each the fastest for its workload on the kernel:
 *   - epoll (default, for churn): one thread, level-triggered epoll,
 *     nonblocking sockets.  A new connection is read at once after
 *     accept4 (its request is usually there already: the client writes as
 *     soon as connect returns), and only goes into the epoll set when it
 *     is still open after that.  Per connection: accept4, recv, send,
 *     epoll_ctl, recv (end of stream), close.
 *   - --blocking (for ping-pong): one connection at a time with blocking
 *     recv/send, TCP_NODELAY: two system calls per round trip, none for
 *     readiness.
 * Responses are at most as large as what was just read (256 bytes at a
 * time), so a send never blocks on a client that reads its responses; a
 * short send ends the connection and counts as an error.
 */
#define _GNU_SOURCE
#include "linux_peer.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define SRV_EVENTS 256       /* epoll events taken per wake-up */
#define SRV_ACCEPT_BATCH 256 /* connections accepted per listener event: bounds one pass */
#define SRV_BUF 256          /* bytes read (and echoed) per recv */

struct srv_stats {
    uint64_t accepted;  /* connections accepted */
    uint64_t completed; /* ended by the client's FIN, then closed by us */
    uint64_t errors;    /* ended otherwise (reset, short send, ...) */
    uint64_t bytes;     /* bytes echoed */
    int last_errno;     /* of the last error, 0 if none */
    char cc[32];        /* congestion control of the first accepted socket */
};

static int make_listener(const struct lp_opts *o, int nonblock)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        lp_die("socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    lp_set_cc(fd, o->cc); /* accepted sockets inherit it */
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(o->port), .sin_addr = o->addr};
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        lp_die("bind %s:%u: %s", "--addr", o->port, strerror(errno));
    /* The kernel clamps the backlog to net.core.somaxconn; linux.sh raises
     * that in its namespace so that C concurrent connects are not turned
     * into SYN cookies or drops. */
    if (listen(fd, 65535) < 0)
        lp_die("listen: %s", strerror(errno));
    return fd;
}

static void conn_error(struct srv_stats *st, int fd, int err)
{
    st->errors++;
    st->last_errno = err;
    close(fd);
}

/* One read and its echo.  Returns 1 while the connection stays open, 0
 * once it is closed (and counted). */
static int serve_once(struct srv_stats *st, int fd)
{
    char buf[SRV_BUF];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
        ssize_t w = send(fd, buf, (size_t)n, MSG_NOSIGNAL);
        if (w != n) {
            conn_error(st, fd, w < 0 ? errno : EMSGSIZE);
            return 0;
        }
        st->bytes += (uint64_t)n;
        return 1;
    }
    if (n == 0) {
        st->completed++;
        close(fd);
        return 0;
    }
    if (errno == EAGAIN || errno == EINTR)
        return 1;
    conn_error(st, fd, errno);
    return 0;
}

static void accept_some(struct srv_stats *st, int lfd, int ep)
{
    for (int i = 0; i < SRV_ACCEPT_BATCH; i++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EINTR)
                return;
            if (errno == ECONNABORTED)
                continue;
            /* EMFILE and the like: leave the rest in the accept queue. */
            st->errors++;
            st->last_errno = errno;
            return;
        }
        if (st->accepted++ == 0)
            lp_get_cc(fd, st->cc, sizeof st->cc);
        if (!serve_once(st, fd))
            continue;
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
            conn_error(st, fd, errno);
    }
}

static void serve_epoll(const struct lp_opts *o, struct srv_stats *st, uint64_t deadline)
{
    int lfd = make_listener(o, 1);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        lp_die("epoll_create1: %s", strerror(errno));
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
        lp_die("epoll_ctl: %s", strerror(errno));
    lp_touch(o->ready_file);
    struct epoll_event evs[SRV_EVENTS];
    while (!lp_stop && lp_now_ns() < deadline) {
        int n = epoll_wait(ep, evs, SRV_EVENTS, 200);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            lp_die("epoll_wait: %s", strerror(errno));
        }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.fd == lfd)
                accept_some(st, lfd, ep);
            else
                serve_once(st, evs[i].data.fd); /* a closed fd leaves the set by itself */
        }
    }
    close(ep);
    close(lfd);
}

/* --blocking: connections one after another.  Receive timeouts of 200 ms
 * let the loops notice SIGTERM and the deadline; they end nothing. */
static void serve_blocking(const struct lp_opts *o, struct srv_stats *st, uint64_t deadline)
{
    int lfd = make_listener(o, 0);
    struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
    setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    lp_touch(o->ready_file);
    while (!lp_stop && lp_now_ns() < deadline) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue; /* timeout, EINTR, ECONNABORTED */
        if (st->accepted++ == 0)
            lp_get_cc(fd, st->cc, sizeof st->cc);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        while (serve_once(st, fd))
            if (lp_stop || lp_now_ns() >= deadline) {
                close(fd);
                break;
            }
    }
    close(lfd);
}

int lp_server(const struct lp_opts *o)
{
    struct srv_stats st;
    memset(&st, 0, sizeof st);
    lp_raise_nofile();
    uint64_t deadline = lp_now_ns() + (uint64_t)(o->timeout_s * 1e9);
    if (o->blocking)
        serve_blocking(o, &st, deadline);
    else
        serve_epoll(o, &st, deadline);
    printf("{\"role\":\"server\",\"mode\":\"%s\",\"accepted\":%llu,\"completed\":%llu,\"errors\":%llu,"
           "\"last_error\":\"%s\",\"bytes\":%llu,\"cc\":\"%s\",\"cpu_seconds\":%.3f}\n",
           o->blocking ? "blocking" : "epoll", (unsigned long long)st.accepted, (unsigned long long)st.completed,
           (unsigned long long)st.errors, st.last_errno ? strerror(st.last_errno) : "",
           (unsigned long long)st.bytes, st.cc, lp_cpu_seconds());
    return 0;
}
