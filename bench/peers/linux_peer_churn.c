/*
 * linux_peer_churn.c — connection churn on the kernel: N connections in
 * all, at most C open at once; each opens, sends 1 byte, reads the 1-byte
 * response, closes gracefully and waits for the server's FIN:
 *
 *   client                               server
 *   SYN, SYN|ACK, ACK       (connect)
 *   1 byte                  -->
 *                           <--          1 byte
 *   FIN                     -->          (shutdown(SHUT_WR))
 *                           <--          FIN (the server's close)
 *   end of stream read; close; the client's end stays in TIME_WAIT
 *
 * A connection counts when the client has read the server's FIN; the
 * figure is connections per second over the whole run, from the first
 * connect to the last end of stream.
 *
 * One thread, edge-triggered epoll, nonblocking sockets.  Each socket
 * tries its request straight after connect (on loopback the handshake has
 * usually finished inside connect), so a connection needs socket,
 * [setsockopt, bind,] connect, send, epoll_ctl, recv, shutdown, recv and
 * close, plus its share of epoll_wait.  With --clients, sockets are bound
 * round-robin to those source addresses with IP_BIND_ADDRESS_NO_PORT, so
 * the port is chosen at connect time for the whole 4-tuple and each
 * address has the full ephemeral range (RFC 6056 §2.1: the port only has
 * to make the 4-tuple unique).
 *
 * A connect that fails (EADDRNOTAVAIL: no port left for any address)
 * stops the run: the figure covers the connections made, and the report
 * says what stopped it.  A connection that fails later is counted as
 * failed and the run goes on, unless failures outnumber completions
 * (past the first thousand): then it stops too.
 */
#define _GNU_SOURCE
#include "linux_peer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24 /* linux/in.h, since Linux 4.2 */
#endif

#define CH_EVENTS 1024

enum ch_state { CH_FREE, CH_CONNECTING, CH_WAIT_RESP, CH_WAIT_EOF };

struct churn {
    const struct lp_opts *o;
    int ep;
    uint8_t *state; /* enum ch_state, indexed by fd */
    size_t nstate;
    uint64_t started, completed, failed;
    uint32_t open_now;
    unsigned next_client;
    int fail_errno;       /* errno of the last failed connection */
    int stop_errno;       /* errno of the connect that stopped the run */
    const char *stop_what; /* the call that failed */
    char cc[32];           /* congestion control of the first socket */
};

static void conn_done(struct churn *c, int fd, int err)
{
    c->state[fd] = CH_FREE;
    close(fd);
    c->open_now--;
    if (err) {
        c->failed++;
        c->fail_errno = err;
    } else {
        c->completed++;
    }
}

static void open_failed(struct churn *c, int fd, const char *what)
{
    c->stop_errno = errno;
    c->stop_what = what;
    if (fd >= 0)
        close(fd);
}

/* Opens one connection and sends its request if the handshake is done.
 * Returns 0, or -1 when the run must stop (stop_* say why). */
static int open_one(struct churn *c)
{
    const struct lp_opts *o = c->o;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        open_failed(c, -1, "socket");
        return -1;
    }
    if ((size_t)fd >= c->nstate) {
        errno = EMFILE;
        open_failed(c, fd, "socket (fd beyond RLIMIT_NOFILE)");
        return -1;
    }
    lp_set_cc(fd, o->cc);
    if (c->started == 0)
        lp_get_cc(fd, c->cc, sizeof c->cc);
    if (o->n_clients) {
        int one = 1;
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr = o->clients[c->next_client]};
        c->next_client = (c->next_client + 1) % o->n_clients;
        if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) {
            open_failed(c, fd, "bind");
            return -1;
        }
    }
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(o->port), .sin_addr = o->addr};
    if (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS) {
        open_failed(c, fd, "connect");
        return -1;
    }
    c->started++;
    c->open_now++;
    uint32_t events = EPOLLIN | EPOLLET;
    if (send(fd, "q", 1, MSG_NOSIGNAL) == 1) {
        c->state[fd] = CH_WAIT_RESP;
    } else if (errno == EAGAIN) {
        c->state[fd] = CH_CONNECTING; /* the EPOLLOUT edge says when */
        events |= EPOLLOUT;
    } else {
        conn_done(c, fd, errno);
        return 0;
    }
    struct epoll_event ev = {.events = events, .data.fd = fd};
    if (epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
        conn_done(c, fd, errno);
    return 0;
}

static void on_event(struct churn *c, int fd, uint32_t ev)
{
    char buf[16];
    ssize_t n;
    int readable = (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0;
    switch (c->state[fd]) {
    case CH_CONNECTING:
        if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        if (send(fd, "q", 1, MSG_NOSIGNAL) == 1)
            c->state[fd] = CH_WAIT_RESP; /* the response needs the server to run: wait */
        else if (errno != EAGAIN)
            conn_done(c, fd, errno);
        return;
    case CH_WAIT_RESP:
        if (!readable)
            return;
        n = recv(fd, buf, sizeof buf, 0);
        if (n == 1) {
            if (shutdown(fd, SHUT_WR) < 0)
                conn_done(c, fd, errno);
            else
                c->state[fd] = CH_WAIT_EOF;
        } else if (n == 0) {
            conn_done(c, fd, ECONNRESET); /* ended before the response */
        } else if (n > 1) {
            conn_done(c, fd, EPROTO);
        } else if (errno != EAGAIN) {
            conn_done(c, fd, errno);
        }
        return;
    case CH_WAIT_EOF:
        if (!readable)
            return;
        n = recv(fd, buf, sizeof buf, 0);
        if (n == 0)
            conn_done(c, fd, 0);
        else if (n > 0)
            conn_done(c, fd, EPROTO);
        else if (errno != EAGAIN)
            conn_done(c, fd, errno);
        return;
    default:
        return; /* a stale event for an fd already closed in this batch */
    }
}

int lp_churn(const struct lp_opts *o)
{
    struct churn c;
    memset(&c, 0, sizeof c);
    c.o = o;
    lp_raise_nofile();
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    c.nstate = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 22) ? (1u << 22) : (size_t)rl.rlim_cur;
    if (o->concurrency + 16 > c.nstate)
        lp_die("--concurrency %u needs more file descriptors than RLIMIT_NOFILE allows (%zu)", o->concurrency,
               c.nstate);
    c.state = calloc(c.nstate, 1);
    c.ep = epoll_create1(EPOLL_CLOEXEC);
    if (!c.state || c.ep < 0)
        lp_die("out of memory or epoll_create1 failed");

    struct epoll_event *evs = calloc(CH_EVENTS, sizeof *evs);
    if (!evs)
        lp_die("out of memory");
    uint64_t t0 = lp_now_ns();
    uint64_t deadline = t0 + (uint64_t)(o->timeout_s * 1e9);
    int timed_out = 0, stopped = 0;
    while (c.completed + c.failed < c.started || (!stopped && c.started < o->count)) {
        /* At most C opens per pass: connections refused at once (no
         * server) must not keep this loop from the checks below. */
        for (uint32_t k = 0; k < o->concurrency && !stopped && c.started < o->count && c.open_now < o->concurrency;
             k++)
            if (open_one(&c) < 0)
                stopped = 1;
        if (c.open_now == 0 && (stopped || c.started >= o->count))
            break;
        /* With none open (all of this pass failed at once) there is
         * nothing to wait for: the next pass opens more. */
        int n = c.open_now ? epoll_wait(c.ep, evs, CH_EVENTS, 100) : 0;
        if (n < 0 && errno != EINTR)
            lp_die("epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++)
            on_event(&c, evs[i].data.fd, evs[i].events);
        if (lp_stop || lp_now_ns() >= deadline) {
            timed_out = !lp_stop;
            break;
        }
        /* Mostly failures (the server gone, say): stop, and say so. */
        if (!stopped && c.failed > 1000 && c.failed > c.completed) {
            stopped = 1;
            c.stop_what = "more connections failed than completed, the last";
            c.stop_errno = c.fail_errno;
        }
    }
    double secs = (double)(lp_now_ns() - t0) / 1e9;
    printf("{\"role\":\"churn\",\"count\":%llu,\"concurrency\":%u,\"client_addresses\":%u,\"started\":%llu,"
           "\"completed\":%llu,\"failed\":%llu,\"last_failure\":\"%s\",\"seconds\":%.6f,\"cps\":%.1f,"
           "\"stopped_by\":\"%s%s%s\",\"timed_out\":%s,\"interrupted\":%s,\"cc\":\"%s\","
           "\"cpu_seconds\":%.3f}\n",
           (unsigned long long)o->count, o->concurrency, o->n_clients, (unsigned long long)c.started,
           (unsigned long long)c.completed, (unsigned long long)c.failed,
           c.fail_errno ? strerror(c.fail_errno) : "", secs, secs > 0 ? (double)c.completed / secs : 0.0,
           c.stop_what ? c.stop_what : "", c.stop_what ? ": " : "", c.stop_what ? strerror(c.stop_errno) : "",
           timed_out ? "true" : "false", lp_stop ? "true" : "false", c.cc, lp_cpu_seconds());
    free(evs);
    free(c.state);
    close(c.ep);
    return c.completed == o->count ? 0 : 3;
}
