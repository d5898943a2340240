/*
 * linux_impair.c — the lossy path of the bench, for kernels built without
 * tc netem (CONFIG_NET_SCH_NETEM): a bridge in user space between two
 * interfaces (veth ends in a middle namespace, linux.sh), that gives each
 * direction what netem "delay D rate R loss P limit" would:
 *
 *   frame in --> loss (a->b only) --> rate queue (tail drop) --> delay --> frame out
 *
 *   - loss: each IPv4 frame from a to b is dropped with probability P
 *     (a seeded PRNG, so a run can be repeated); frames b to a (the ACKs)
 *     and non-IP frames (ARP) are never dropped;
 *   - rate: frames are serialized one after another at R bits per second,
 *     counting the Ethernet frame without preamble, FCS and gap (as netem
 *     counts skb->len); a frame whose arrival would put more than Q bytes
 *     ahead of it in the serializer is dropped (a drop-tail queue of Q
 *     bytes, linux.sh makes Q one bandwidth-delay product);
 *   - delay: every frame leaves D after it was serialized.
 * Since D is the same for every frame of a direction, release times only
 * grow and each direction is a FIFO ring; no sorting.
 *
 * Arrival times are the kernel's receive timestamps (SO_TIMESTAMPNS), so
 * the moment this process reads a frame does not move it.  It wakes when
 * a frame is due, not for each arrival, and at most every IM_TICK_NS
 * (50 us; frames are 12 us apart at 1 Gbit/s): each wake-up reads what
 * came and sends, in one batch, what is due within half a tick, much as a
 * NIC coalesces its interrupts.  How late frames really left (beyond that
 * half tick) is measured and reported.  Frames the socket itself dropped (this
 * process not keeping up) are counted from PACKET_STATISTICS: a report
 * with any is a path that was not the one asked for.
 */
#define _GNU_SOURCE
#include "linux_peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23 /* linux/if_packet.h, since Linux 4.20 */
#endif

#define IM_FRAME_MAX 2048       /* a 1500-byte MTU frame is 1514: offloads must be off */
#define IM_SLOTS 8192           /* frames held per direction (in the queue and on the delay line) */
#define IM_BATCH 64             /* frames per recvmmsg / sendmmsg */
#define IM_READ_BATCHES 4       /* batches read per socket per pass: sending is not starved */
#define IM_TICK_NS 50000.0      /* wake-ups while frames are held: every 50 us */
#define IM_SOCKBUF (16 << 20)   /* socket buffers: a burst waits there, not dropped */

struct im_frame {
    double release_ns; /* when it leaves (CLOCK_MONOTONIC) */
    uint32_t len;
};

struct im_dir {
    const char *name;
    int in_fd, out_fd;
    double loss;
    struct im_frame *meta; /* FIFO ring of IM_SLOTS, data beside it */
    uint8_t *data;
    uint32_t head, count;
    double busy_until_ns; /* the serializer is busy until then */
    /* what happened to the frames */
    uint64_t frames, bytes, lost, queue_drops, ring_drops, oversize, outgoing_seen;
    uint64_t sent, send_errors, send_retries, socket_drops;
    double max_backlog_bytes;
    double late_sum_ns, late_max_ns;   /* sent after release_ns */
    uint64_t late_over_1ms;            /* frames sent more than 1 ms late */
    double lag_sum_ns, lag_max_ns;     /* read after the kernel's timestamp */
};

struct im {
    const struct lp_opts *o;
    struct im_dir dir[2]; /* 0: a -> b, 1: b -> a */
    double delay_ns, ns_per_byte;
    uint64_t rng;
    uint8_t rxbuf[IM_BATCH][IM_FRAME_MAX];
};

/* splitmix64: small, good enough for Bernoulli losses, and seeded. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0); /* [0, 1) */
}

static double clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int open_packet_socket(const char *dev)
{
    int ifindex = (int)if_nametoindex(dev);
    if (!ifindex)
        lp_die("impair: no interface %s", dev);
    /* Protocol 0 until bind: nothing is queued from other interfaces. */
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        lp_die("impair: packet socket: %s (needs CAP_NET_RAW)", strerror(errno));
    int one = 1, size = IM_SOCKBUF;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ifindex};
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0)
        lp_die("impair: bind to %s: %s", dev, strerror(errno));
    return fd;
}

/* One frame arrived at arrival_ns: loss, queue, schedule. */
static void admit(struct im *m, struct im_dir *d, const uint8_t *frame, uint32_t len, double arrival_ns)
{
    d->frames++;
    d->bytes += len;
    if (d->loss > 0 && len >= 14 && frame[12] == 0x08 && frame[13] == 0x00 && rng_unit(&m->rng) < d->loss) {
        d->lost++;
        return;
    }
    double depart = arrival_ns;
    if (m->ns_per_byte > 0) {
        double backlog = d->busy_until_ns > arrival_ns ? (d->busy_until_ns - arrival_ns) / m->ns_per_byte : 0;
        if (backlog + len > (double)m->o->queue_bytes) {
            d->queue_drops++;
            return;
        }
        if (backlog > d->max_backlog_bytes)
            d->max_backlog_bytes = backlog;
        double start = d->busy_until_ns > arrival_ns ? d->busy_until_ns : arrival_ns;
        d->busy_until_ns = start + len * m->ns_per_byte;
        depart = d->busy_until_ns;
    }
    if (d->count == IM_SLOTS) {
        d->ring_drops++;
        return;
    }
    uint32_t slot = (d->head + d->count) % IM_SLOTS;
    d->meta[slot].release_ns = depart + m->delay_ns;
    d->meta[slot].len = len;
    memcpy(d->data + (size_t)slot * IM_FRAME_MAX, frame, len);
    d->count++;
}

/* Reads what is waiting on d's input, up to IM_READ_BATCHES batches. */
static void read_some(struct im *m, struct im_dir *d)
{
    struct mmsghdr msgs[IM_BATCH];
    struct iovec iov[IM_BATCH];
    struct sockaddr_ll from[IM_BATCH];
    union {
        char buf[CMSG_SPACE(sizeof(struct timespec))];
        struct cmsghdr align;
    } ctl[IM_BATCH];
    for (int b = 0; b < IM_READ_BATCHES; b++) {
        for (int i = 0; i < IM_BATCH; i++) {
            iov[i].iov_base = m->rxbuf[i];
            iov[i].iov_len = IM_FRAME_MAX;
            memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof from[i];
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_control = ctl[i].buf;
            msgs[i].msg_hdr.msg_controllen = sizeof ctl[i].buf;
        }
        int n = recvmmsg(d->in_fd, msgs, IM_BATCH, MSG_TRUNC, NULL);
        if (n <= 0)
            return;
        double mono = clock_ns(CLOCK_MONOTONIC);
        double real_minus_mono = clock_ns(CLOCK_REALTIME) - mono;
        for (int i = 0; i < n; i++) {
            if (from[i].sll_pkttype == PACKET_OUTGOING) {
                d->outgoing_seen++; /* only if PACKET_IGNORE_OUTGOING is missing */
                continue;
            }
            double arrival = mono;
            struct cmsghdr *cm = CMSG_FIRSTHDR(&msgs[i].msg_hdr);
            for (; cm; cm = CMSG_NXTHDR(&msgs[i].msg_hdr, cm)) {
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
                    struct timespec ts;
                    memcpy(&ts, CMSG_DATA(cm), sizeof ts);
                    double a = (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec - real_minus_mono;
                    if (a < arrival)
                        arrival = a;
                }
            }
            double lag = mono - arrival;
            d->lag_sum_ns += lag;
            if (lag > d->lag_max_ns)
                d->lag_max_ns = lag;
            if (msgs[i].msg_len > IM_FRAME_MAX || (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)) {
                d->frames++;
                d->oversize++;
                continue;
            }
            admit(m, d, m->rxbuf[i], msgs[i].msg_len, arrival);
        }
        if (n < IM_BATCH)
            return;
    }
}

/* Sends every frame of d whose time has come: due within half a tick, so
 * that a frame leaves at most half a tick early or late (when this
 * process runs on time; lateness is measured). */
static void send_due(struct im_dir *d)
{
    struct mmsghdr msgs[IM_BATCH];
    struct iovec iov[IM_BATCH];
    while (d->count) {
        double now = clock_ns(CLOCK_MONOTONIC);
        int k = 0;
        while (k < IM_BATCH && (uint32_t)k < d->count) {
            uint32_t slot = (d->head + (uint32_t)k) % IM_SLOTS;
            if (d->meta[slot].release_ns > now + IM_TICK_NS / 2)
                break;
            iov[k].iov_base = d->data + (size_t)slot * IM_FRAME_MAX;
            iov[k].iov_len = d->meta[slot].len;
            memset(&msgs[k].msg_hdr, 0, sizeof msgs[k].msg_hdr);
            msgs[k].msg_hdr.msg_iov = &iov[k];
            msgs[k].msg_hdr.msg_iovlen = 1;
            k++;
        }
        if (k == 0)
            return;
        int n = sendmmsg(d->out_fd, msgs, (unsigned)k, 0);
        int done = n > 0 ? n : 0;
        if (n < k) {
            int err = n < 0 ? errno : EAGAIN;
            if (err == EAGAIN || err == ENOBUFS || err == EINTR) {
                d->send_retries++; /* keep the rest for the next pass */
            } else {
                d->send_errors++; /* drop the frame that failed */
                done++;
            }
        }
        for (int i = 0; i < done; i++) {
            double late = now - d->meta[d->head].release_ns;
            if (late > 0) {
                d->late_over_1ms += late > 1e6;
                d->late_sum_ns += late;
                if (late > d->late_max_ns)
                    d->late_max_ns = late;
            }
            d->head = (d->head + 1) % IM_SLOTS;
            d->count--;
        }
        d->sent += (uint64_t)(n > 0 ? n : 0);
        if (n < k)
            return;
    }
}

static void print_dir(const struct im_dir *d)
{
    double nsent = d->sent ? (double)d->sent : 1;
    double nread = d->frames ? (double)d->frames : 1;
    printf("\"%s\":{\"frames\":%llu,\"bytes\":%llu,\"lost\":%llu,\"queue_drops\":%llu,\"ring_drops\":%llu,"
           "\"oversize\":%llu,\"socket_drops\":%llu,\"send_errors\":%llu,\"send_retries\":%llu,\"sent\":%llu,"
           "\"left_in_queue\":%u,\"max_backlog_bytes\":%.0f,\"late_us_mean\":%.1f,\"late_us_max\":%.1f,"
           "\"late_over_1ms\":%llu,"
           "\"read_lag_us_mean\":%.1f,\"read_lag_us_max\":%.1f,\"outgoing_seen\":%llu}",
           d->name, (unsigned long long)d->frames, (unsigned long long)d->bytes, (unsigned long long)d->lost,
           (unsigned long long)d->queue_drops, (unsigned long long)d->ring_drops, (unsigned long long)d->oversize,
           (unsigned long long)d->socket_drops, (unsigned long long)d->send_errors,
           (unsigned long long)d->send_retries, (unsigned long long)d->sent, d->count, d->max_backlog_bytes,
           d->late_sum_ns / nsent / 1e3, d->late_max_ns / 1e3, (unsigned long long)d->late_over_1ms,
           d->lag_sum_ns / nread / 1e3, d->lag_max_ns / 1e3, (unsigned long long)d->outgoing_seen);
}

int lp_impair(const struct lp_opts *o)
{
    struct im *m = calloc(1, sizeof *m);
    if (!m)
        lp_die("out of memory");
    m->o = o;
    m->delay_ns = o->delay_ms * 1e6;
    m->ns_per_byte = o->rate_bps > 0 ? 8e9 / o->rate_bps : 0;
    m->rng = o->seed;
    if (m->ns_per_byte > 0 && !o->queue_bytes)
        lp_die("impair: --rate needs --queue-bytes");
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0); /* wake-ups within 1 us, not the default 50 */
    /* --rt: the path runs before the endpoints whose packets it carries,
     * so their CPU use does not stretch its delays.  It sleeps between
     * frames and the kernel's RT throttling caps it in any case. */
    int rt = 0;
    if (o->realtime) {
        struct sched_param sp = {.sched_priority = 10};
        rt = sched_setscheduler(0, SCHED_FIFO, &sp) == 0;
    }
    int fd_a = open_packet_socket(o->dev_a), fd_b = open_packet_socket(o->dev_b);
    const char *names[2] = {"a_to_b", "b_to_a"};
    for (int i = 0; i < 2; i++) {
        struct im_dir *d = &m->dir[i];
        d->name = names[i];
        d->in_fd = i == 0 ? fd_a : fd_b;
        d->out_fd = i == 0 ? fd_b : fd_a;
        d->loss = i == 0 ? o->loss : 0;
        d->meta = calloc(IM_SLOTS, sizeof *d->meta);
        d->data = malloc((size_t)IM_SLOTS * IM_FRAME_MAX);
        if (!d->meta || !d->data)
            lp_die("out of memory");
    }
    lp_touch(o->ready_file);

    /* When to wake.  Frames are stamped by the kernel on arrival, so
     * reading them late moves nothing, as long as each is read before it
     * is due; and a frame that arrived after the last read is due no
     * sooner than that read plus the delay.  So while frames are held the
     * process sleeps until the first of: a held frame due (less half a
     * tick), the last read plus the delay (less a tick); but never less
     * than IM_TICK_NS after its last wake-up, so that at 1 Gbit/s
     * (a frame every 12 us) one wake-up handles a batch.  With nothing
     * held it waits in ppoll for a frame. */
    uint64_t deadline = lp_now_ns() + (uint64_t)(o->timeout_s * 1e9);
    struct pollfd pfd[2] = {{.fd = fd_a, .events = POLLIN}, {.fd = fd_b, .events = POLLIN}};
    uint64_t wakeups = 0;
    double read_horizon = m->delay_ns - IM_TICK_NS > IM_TICK_NS ? m->delay_ns - IM_TICK_NS : IM_TICK_NS;
    double last_wake = clock_ns(CLOCK_MONOTONIC), last_read = last_wake;
    while (!lp_stop && lp_now_ns() < deadline) {
        wakeups++;
        if (m->dir[0].count || m->dir[1].count) {
            double wake = last_read + read_horizon;
            for (int i = 0; i < 2; i++) {
                const struct im_dir *d = &m->dir[i];
                if (d->count && d->meta[d->head].release_ns - IM_TICK_NS / 2 < wake)
                    wake = d->meta[d->head].release_ns - IM_TICK_NS / 2;
            }
            if (wake < last_wake + IM_TICK_NS)
                wake = last_wake + IM_TICK_NS;
            if (wake > 100e6 + last_wake)
                wake = 100e6 + last_wake; /* at least every 100 ms */
            struct timespec ts = {.tv_sec = (time_t)(wake / 1e9)};
            ts.tv_nsec = (long)(wake - (double)ts.tv_sec * 1e9);
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        } else {
            struct timespec ts = {.tv_sec = 0, .tv_nsec = 100000000}; /* at least every 100 ms */
            if (ppoll(pfd, 2, &ts, NULL) < 0 && errno != EINTR)
                lp_die("impair: ppoll: %s", strerror(errno));
        }
        last_wake = last_read = clock_ns(CLOCK_MONOTONIC);
        read_some(m, &m->dir[0]);
        read_some(m, &m->dir[1]);
        send_due(&m->dir[0]);
        send_due(&m->dir[1]);
    }
    for (int i = 0; i < 2; i++) {
        struct tpacket_stats st;
        socklen_t len = sizeof st;
        if (getsockopt(m->dir[i].in_fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
            m->dir[i].socket_drops = st.tp_drops;
    }
    double cpu = lp_cpu_seconds();
    printf("{\"role\":\"impair\",\"delay_ms\":%g,\"rate_bps\":%.0f,\"loss\":%g,\"queue_bytes\":%llu,\"seed\":%llu,"
           "\"sched_fifo\":%s,\"cpu_seconds\":%.2f,\"wakeups\":%llu,",
           o->delay_ms, o->rate_bps, o->loss, (unsigned long long)o->queue_bytes, (unsigned long long)o->seed,
           rt ? "true" : "false", cpu, (unsigned long long)wakeups);
    print_dir(&m->dir[0]);
    putchar(',');
    print_dir(&m->dir[1]);
    puts("}");
    for (int i = 0; i < 2; i++) {
        free(m->dir[i].meta);
        free(m->dir[i].data);
    }
    close(fd_a);
    close(fd_b);
    free(m);
    return 0;
}
