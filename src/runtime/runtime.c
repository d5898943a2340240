/*
 * runtime.c — the event loop of synack/runtime.h: one stack, its TUN and
 * TAP links, the real clock.
 *
 * One pass of the loop:
 *   1. read up to RT_BATCH packets from every link that is readable and
 *      hand each to synack_input (stamped with one clock reading);
 *   2. give the application every socket event (synack_next_event), then
 *      synack_poll, repeating while the handler's calls produce events;
 *   3. arm a timerfd for the earlier of the stack's deadline and the next
 *      application timer, and sleep in epoll_wait.
 * Other threads reach the loop only through an eventfd (stop, post).
 * SIGINT/SIGTERM arrive through a signalfd and start a graceful stop:
 * every socket is closed, the connections get `grace` to finish, the rest
 * are reset, and the last output is written before run returns.
 */
#define _GNU_SOURCE
#include "synack/runtime.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "synack/pcap.h"
#include "synack/tap.h"
#include "synack/tun.h"

#define RT_MAX_LINKS 8
#define RT_BATCH 64             /* packets read per link per wake-up: bounds one pass */
#define RT_MAX_FDS 32
#define RT_RX_BUF (65536 + 64)    /* a 64 KiB super-packet and its Ethernet header */

enum rt_source { SRC_LINK, SRC_TIMER, SRC_WAKE, SRC_SIGNAL, SRC_APP };

struct rt_fd {
    int fd;
    synack_runtime_fd_fn fn;
    void *ctx;
    bool used;
};

struct rt_timer {
    struct rt_timer *next;
    synack_time_us at;
    synack_runtime_timer_fn fn;
    void *ctx;
};

struct rt_link {
    struct synack_tun *tun;         /* a TUN or a TAP device */
    int iface;
    uint8_t mac[6];                 /* TAP: synack's own address on the wire */
};

struct synack_runtime {
    struct synack_stack *stack;
    uint64_t secret;                /* the stack's: TAP links' MAC addresses come from it */
    int epfd, timerfd, wakefd, sigfd;
    bool handle_signals;
    bool offload;                   /* TUN offloads for links added from now on */
    struct rt_link links[RT_MAX_LINKS];
    int link_count;
    struct rt_fd fds[RT_MAX_FDS];
    struct rt_timer *timers;        /* sorted by time */
    synack_runtime_event_fn handler;
    void *handler_ctx;
    synack_time_us grace_us;
    volatile sig_atomic_t stop_requested;
    bool stopping;
    synack_time_us stop_deadline;
    /* Posted work from other threads. */
    pthread_mutex_t post_lock;
    struct rt_timer *posted;
    struct synack_pcap *pcap;
    uint8_t rxbuf[RT_RX_BUF];
};

static synack_time_us monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (synack_time_us)ts.tv_sec * 1000000u + (synack_time_us)ts.tv_nsec / 1000u;
}

synack_time_us synack_runtime_now(const struct synack_runtime *rt)
{
    (void)rt;
    return monotonic_us();
}

static int epoll_add(struct synack_runtime *rt, int fd, uint32_t events, enum rt_source src, uint32_t index)
{
    struct epoll_event ev = { .events = events, .data.u64 = (uint64_t)src << 32 | index };
    return epoll_ctl(rt->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void on_trace(void *ctx, const struct synack_trace_event *ev)
{
    struct synack_runtime *rt = ctx;
    if (rt->pcap && (ev->kind == SYNACK_TRACE_PACKET_IN || ev->kind == SYNACK_TRACE_PACKET_OUT))
        synack_pcap_write(rt->pcap, ev->now, ev->packet, ev->len);
}

struct synack_runtime *synack_runtime_new(const struct synack_config *cfg)
{
    struct synack_config c;
    if (cfg)
        c = *cfg;
    else
        synack_config_default(&c);
    if (!c.secret && getrandom(&c.secret, sizeof c.secret, 0) != sizeof c.secret)
        c.secret = (uint64_t)monotonic_us() ^ (uint64_t)getpid() << 32;
    struct synack_runtime *rt = calloc(1, sizeof *rt);
    if (!rt)
        return NULL;
    rt->epfd = rt->timerfd = rt->wakefd = rt->sigfd = -1;
    rt->grace_us = 2000000;
    rt->handle_signals = true;
    rt->offload = true;
    pthread_mutex_init(&rt->post_lock, NULL);
    if (!c.trace) {
        c.trace = on_trace;   /* pcap capture when asked for; otherwise a no-op */
        c.trace_ctx = rt;
    }
    rt->secret = c.secret;
    rt->stack = synack_stack_new(&c);
    rt->epfd = epoll_create1(EPOLL_CLOEXEC);
    rt->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    rt->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!rt->stack || rt->epfd < 0 || rt->timerfd < 0 || rt->wakefd < 0 ||
        epoll_add(rt, rt->timerfd, EPOLLIN, SRC_TIMER, 0) < 0 || epoll_add(rt, rt->wakefd, EPOLLIN, SRC_WAKE, 0) < 0) {
        int e = errno ? errno : ENOMEM;
        synack_runtime_free(rt);
        errno = e;
        return NULL;
    }
    return rt;
}

void synack_runtime_free(struct synack_runtime *rt)
{
    if (!rt)
        return;
    for (int i = 0; i < rt->link_count; i++)
        synack_tun_close(rt->links[i].tun);
    synack_stack_free(rt->stack);
    if (rt->pcap)
        synack_pcap_close(rt->pcap);
    for (struct rt_timer *t = rt->timers, *n; t; t = n) {
        n = t->next;
        free(t);
    }
    for (struct rt_timer *t = rt->posted, *n; t; t = n) {
        n = t->next;
        free(t);
    }
    if (rt->epfd >= 0)
        close(rt->epfd);
    if (rt->timerfd >= 0)
        close(rt->timerfd);
    if (rt->wakefd >= 0)
        close(rt->wakefd);
    if (rt->sigfd >= 0)
        close(rt->sigfd);
    pthread_mutex_destroy(&rt->post_lock);
    free(rt);
}

struct synack_stack *synack_runtime_stack(struct synack_runtime *rt) { return rt->stack; }

static int transmit(void *ctx, const uint8_t *packet, size_t len)
{
    /* A full device queue drops the packet; TCP will send it again.
     * Segments may be held to be merged (offloads) until flush_links. */
    return synack_tun_queue(ctx, packet, len) == 0 ? 0 : -SYNACK_ENOBUFS;
}

static void flush_links(struct synack_runtime *rt)
{
    for (int i = 0; i < rt->link_count; i++)
        synack_tun_flush(rt->links[i].tun);
}

/* The MAC address synack uses on a TAP device: `mac` if given, else one
 * made from the stack's secret; never the device's own (the kernel's). */
static int choose_mac(const struct synack_runtime *rt, struct synack_tun *tap, const uint8_t *mac, uint8_t out[6])
{
    uint8_t device_mac[6];
    bool have_device_mac = synack_tap_device_mac(tap, device_mac) == 0;
    if (mac)
        memcpy(out, mac, 6);
    else
        synack_tap_make_mac(rt->secret, (unsigned)rt->link_count, have_device_mac ? device_mac : NULL, out);
    if (have_device_mac && memcmp(out, device_mac, 6) == 0)
        return -SYNACK_EADDRINUSE;                /* two hosts on one wire with one address */
    return 0;
}

/* Opens a TUN or TAP device, adds it as an interface and watches it. */
static int add_device(struct synack_runtime *rt, const char *name, bool tap, struct synack_addr addr,
                      uint8_t prefix_len, const uint8_t *mac)
{
    if (rt->link_count == RT_MAX_LINKS)
        return -SYNACK_ENOBUFS;
    struct synack_tun *dev;
    unsigned flags = rt->offload ? SYNACK_TUN_OFFLOAD : 0;
    int rc = tap ? synack_tap_open(name, flags, &dev) : synack_tun_open_ex(name, flags, &dev);
    if (rc < 0)
        return rc;
    struct synack_iface_config ic = {
        .addr = addr, .prefix_len = prefix_len, .mtu = synack_tun_mtu(dev), .transmit = transmit,
        .transmit_ctx = dev, .link = tap ? SYNACK_LINK_ETHERNET : SYNACK_LINK_IP,
    };
    rc = tap ? choose_mac(rt, dev, mac, ic.mac) : 0;
    int iface = rc < 0 ? rc : synack_iface_add(rt->stack, &ic);
    if (iface < 0 || epoll_add(rt, synack_tun_fd(dev), EPOLLIN, SRC_LINK, (uint32_t)rt->link_count) < 0) {
        synack_tun_close(dev);
        return iface < 0 ? iface : -SYNACK_EINVAL;
    }
    struct rt_link *l = &rt->links[rt->link_count++];
    l->tun = dev;
    l->iface = iface;
    memcpy(l->mac, ic.mac, 6);
    return iface;
}

int synack_runtime_add_tun(struct synack_runtime *rt, const char *name, struct synack_addr addr, uint8_t prefix_len)
{
    return add_device(rt, name, false, addr, prefix_len, NULL);
}

int synack_runtime_add_tap_mac(struct synack_runtime *rt, const char *name, struct synack_addr addr,
                               uint8_t prefix_len, const uint8_t *mac)
{
    return add_device(rt, name, true, addr, prefix_len, mac);
}

int synack_runtime_add_tap(struct synack_runtime *rt, const char *name, struct synack_addr addr, uint8_t prefix_len)
{
    return synack_runtime_add_tap_mac(rt, name, addr, prefix_len, NULL);
}

int synack_runtime_link_mac(const struct synack_runtime *rt, int iface, uint8_t mac[6], uint8_t device_mac[6])
{
    for (int i = 0; i < rt->link_count; i++) {
        const struct rt_link *l = &rt->links[i];
        if (l->iface != iface)
            continue;
        if (!synack_tun_is_tap(l->tun))
            return -SYNACK_EINVAL;
        if (mac)
            memcpy(mac, l->mac, 6);
        return device_mac ? synack_tap_device_mac(l->tun, device_mac) : 0;
    }
    return -SYNACK_EINVAL;
}

int synack_runtime_capture(struct synack_runtime *rt, const char *path)
{
    struct synack_pcap *p = synack_pcap_open(path);
    if (!p)
        return -SYNACK_EINVAL;
    if (rt->pcap)
        synack_pcap_close(rt->pcap);
    rt->pcap = p;
    return 0;
}

void synack_runtime_set_handler(struct synack_runtime *rt, synack_runtime_event_fn fn, void *ctx)
{
    rt->handler = fn;
    rt->handler_ctx = ctx;
}

int synack_runtime_watch_fd(struct synack_runtime *rt, int fd, uint32_t epoll_events, synack_runtime_fd_fn fn,
                            void *ctx)
{
    for (uint32_t i = 0; i < RT_MAX_FDS; i++) {
        if (rt->fds[i].used)
            continue;
        if (epoll_add(rt, fd, epoll_events, SRC_APP, i) < 0)
            return errno == EPERM ? -SYNACK_EPERM : -SYNACK_EINVAL;
        rt->fds[i] = (struct rt_fd){ .fd = fd, .fn = fn, .ctx = ctx, .used = true };
        return 0;
    }
    return -SYNACK_ENOBUFS;
}

int synack_runtime_unwatch_fd(struct synack_runtime *rt, int fd)
{
    for (uint32_t i = 0; i < RT_MAX_FDS; i++)
        if (rt->fds[i].used && rt->fds[i].fd == fd) {
            epoll_ctl(rt->epfd, EPOLL_CTL_DEL, fd, NULL);
            rt->fds[i].used = false;
            return 0;
        }
    return -SYNACK_EBADF;
}

int synack_runtime_at(struct synack_runtime *rt, synack_time_us at, synack_runtime_timer_fn fn, void *ctx)
{
    struct rt_timer *t = malloc(sizeof *t);
    if (!t)
        return -SYNACK_ENOMEM;
    t->at = at;
    t->fn = fn;
    t->ctx = ctx;
    struct rt_timer **pp = &rt->timers;
    while (*pp && (*pp)->at <= at)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    return 0;
}

static void wake(struct synack_runtime *rt)
{
    uint64_t one = 1;
    ssize_t n = write(rt->wakefd, &one, sizeof one);
    (void)n;   /* a full counter still wakes the loop */
}

void synack_runtime_stop(struct synack_runtime *rt)
{
    rt->stop_requested = 1;
    wake(rt);
}

int synack_runtime_post(struct synack_runtime *rt, synack_runtime_timer_fn fn, void *ctx)
{
    struct rt_timer *t = malloc(sizeof *t);
    if (!t)
        return -SYNACK_ENOMEM;
    t->fn = fn;
    t->ctx = ctx;
    t->at = 0;
    pthread_mutex_lock(&rt->post_lock);
    t->next = rt->posted;
    rt->posted = t;
    pthread_mutex_unlock(&rt->post_lock);
    wake(rt);
    return 0;
}

void synack_runtime_set_shutdown_grace(struct synack_runtime *rt, synack_time_us grace_us) { rt->grace_us = grace_us; }
void synack_runtime_set_offload(struct synack_runtime *rt, bool on) { rt->offload = on; }
void synack_runtime_handle_signals(struct synack_runtime *rt, bool on) { rt->handle_signals = on; }

/* Each packet is stamped with the time it was read, not the batch's: the
 * kernel may answer what synack sends while the batch is being read (a
 * whole round trip on a fast link), and a clock that stood still would
 * make that round trip take no time and leave RACK (RFC 8985 §6.2) unable
 * to tell a retransmission from the segments sent before it. */
static void read_link(struct synack_runtime *rt, struct rt_link *l)
{
    for (int i = 0; i < RT_BATCH; i++) {
        bool csum_valid = false;
        ssize_t n = synack_tun_read_ex(l->tun, rt->rxbuf, sizeof rt->rxbuf, &csum_valid);
        if (n <= 0)
            break;
        synack_time_us now = monotonic_us();
        if (csum_valid && rt->pcap) {
            /* A capture must show checksums as they would be on a wire:
             * complete the partial one an offloading kernel may hand over
             * (IPv4 or IPv6, TUN or TAP: the virtio-net header says where). */
            synack_tun_complete_checksum(l->tun, rt->rxbuf, (size_t)n);
            csum_valid = false;
        }
        synack_input_flags(rt->stack, l->iface, rt->rxbuf, (size_t)n, csum_valid ? SYNACK_INPUT_CSUM_VALID : 0,
                           now);
    }
}

static void run_posted(struct synack_runtime *rt)
{
    uint64_t count;
    ssize_t n = read(rt->wakefd, &count, sizeof count);
    (void)n;
    pthread_mutex_lock(&rt->post_lock);
    struct rt_timer *list = rt->posted;
    rt->posted = NULL;
    pthread_mutex_unlock(&rt->post_lock);
    /* Reverse to run them in the order they were posted. */
    struct rt_timer *ordered = NULL;
    while (list) {
        struct rt_timer *next = list->next;
        list->next = ordered;
        ordered = list;
        list = next;
    }
    while (ordered) {
        struct rt_timer *next = ordered->next;
        ordered->fn(rt, ordered->ctx);
        free(ordered);
        ordered = next;
    }
}

static void run_app_timers(struct synack_runtime *rt, synack_time_us now)
{
    while (rt->timers && rt->timers->at <= now) {
        struct rt_timer *t = rt->timers;
        rt->timers = t->next;
        t->fn(rt, t->ctx);
        free(t);
    }
}

/* Socket events to the handler and poll, until the handler stops causing
 * new events (bounded: a handler that always causes more still yields to
 * I/O). */
static synack_time_us dispatch(struct synack_runtime *rt)
{
    synack_time_us next = SYNACK_TIME_NEVER;
    for (int round = 0; round < 16; round++) {
        synack_time_us now = monotonic_us();
        next = synack_poll(rt->stack, now);
        struct synack_event ev;
        bool any = false;
        while (synack_next_event(rt->stack, &ev)) {
            any = true;
            if (rt->handler)
                rt->handler(rt, &ev, rt->handler_ctx);
        }
        if (!any)
            break;
    }
    return next;
}

static void arm_timer(struct synack_runtime *rt, synack_time_us deadline)
{
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (deadline != SYNACK_TIME_NEVER) {
        if (deadline == 0)
            deadline = 1;                         /* 0 would disarm */
        its.it_value.tv_sec = (time_t)(deadline / 1000000u);
        its.it_value.tv_nsec = (long)(deadline % 1000000u) * 1000;
    }
    timerfd_settime(rt->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void begin_stop(struct synack_runtime *rt)
{
    if (rt->stopping)
        return;
    rt->stopping = true;
    rt->stop_deadline = monotonic_us() + rt->grace_us;
    synack_stack_close_all(rt->stack, rt->grace_us == 0);
}

static bool stop_done(struct synack_runtime *rt)
{
    if (!rt->stopping)
        return false;
    if (synack_stack_connections(rt->stack, false) == 0)
        return true;
    if (monotonic_us() >= rt->stop_deadline) {
        synack_stack_close_all(rt->stack, true);  /* out of time: reset the rest */
        synack_poll(rt->stack, monotonic_us());
        flush_links(rt);
        return true;
    }
    return false;
}

static int setup_signals(struct synack_runtime *rt, sigset_t *old)
{
    if (!rt->handle_signals)
        return 0;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (pthread_sigmask(SIG_BLOCK, &set, old) != 0)
        return -SYNACK_EINVAL;
    rt->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (rt->sigfd < 0 || epoll_add(rt, rt->sigfd, EPOLLIN, SRC_SIGNAL, 0) < 0)
        return -SYNACK_EINVAL;
    return 0;
}

int synack_runtime_run(struct synack_runtime *rt)
{
    sigset_t old;
    sigemptyset(&old);
    int rc = setup_signals(rt, &old);
    struct epoll_event events[16];
    while (rc == 0) {
        if (rt->stop_requested)
            begin_stop(rt);
        synack_time_us next = dispatch(rt);
        if (stop_done(rt))
            break;
        if (rt->timers && rt->timers->at < next)
            next = rt->timers->at;
        if (rt->stopping && rt->stop_deadline < next)
            next = rt->stop_deadline;
        arm_timer(rt, next);
        flush_links(rt);
        int n = epoll_wait(rt->epfd, events, 16, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -SYNACK_EINVAL;
            break;
        }
        for (int i = 0; i < n; i++) {
            enum rt_source src = (enum rt_source)(events[i].data.u64 >> 32);
            uint32_t index = (uint32_t)events[i].data.u64;
            switch (src) {
            case SRC_LINK:
                read_link(rt, &rt->links[index]);
                break;
            case SRC_TIMER: {
                uint64_t expirations;
                ssize_t r = read(rt->timerfd, &expirations, sizeof expirations);
                (void)r;
                break;
            }
            case SRC_WAKE:
                run_posted(rt);
                break;
            case SRC_SIGNAL: {
                struct signalfd_siginfo si;
                while (read(rt->sigfd, &si, sizeof si) == sizeof si)
                    rt->stop_requested = 1;
                break;
            }
            case SRC_APP:
                if (rt->fds[index].used)
                    rt->fds[index].fn(rt, rt->fds[index].fd, events[i].events, rt->fds[index].ctx);
                break;
            }
        }
        run_app_timers(rt, monotonic_us());
    }
    synack_poll(rt->stack, monotonic_us());       /* the last output goes out */
    flush_links(rt);
    if (rt->sigfd >= 0) {
        epoll_ctl(rt->epfd, EPOLL_CTL_DEL, rt->sigfd, NULL);
        close(rt->sigfd);
        rt->sigfd = -1;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    rt->stopping = false;
    rt->stop_requested = 0;
    return rc;
}
