/*
 * linux_peer_pingpong.c — round trips on one connection: send 1 byte, read
 * the 1-byte response, N times, with TCP_NODELAY (the server, `server
 * --blocking`, sets it too).  Blocking calls: two system calls per round
 * trip on each side and nothing else, the least the kernel can be asked
 * for.  The figure is N over the time from the first send to the last
 * response; the handshake is not in it.  Pinning both ends to one CPU is
 * linux.sh's job (taskset), so that the report says what was done.
 */
#define _GNU_SOURCE
#include "linux_peer.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int lp_pingpong(const struct lp_opts *o)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        lp_die("socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    lp_set_cc(fd, o->cc);
    char cc[32];
    lp_get_cc(fd, cc, sizeof cc);
    /* A response that takes a second means something is broken: the
     * timeout turns a hang into an error. */
    struct timeval tv = {.tv_sec = 1, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(o->port), .sin_addr = o->addr};
    if (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0)
        lp_die("connect: %s", strerror(errno));

    uint64_t t0 = lp_now_ns();
    uint64_t deadline = t0 + (uint64_t)(o->timeout_s * 1e9);
    uint64_t done = 0;
    const char *err = "";
    char b = 'p';
    while (done < o->rounds) {
        if (send(fd, &b, 1, MSG_NOSIGNAL) != 1) {
            err = strerror(errno);
            break;
        }
        ssize_t n = recv(fd, &b, 1, 0);
        if (n != 1) {
            err = n == 0 ? "end of stream from the server" : strerror(errno);
            break;
        }
        done++;
        /* The clock is read every 64k rounds only: it bounds the run. */
        if ((done & 0xffff) == 0 && (lp_stop || lp_now_ns() >= deadline)) {
            err = lp_stop ? "interrupted" : "timed out";
            break;
        }
    }
    double secs = (double)(lp_now_ns() - t0) / 1e9;
    close(fd);
    printf("{\"role\":\"pingpong\",\"rounds\":%llu,\"completed\":%llu,\"seconds\":%.6f,\"rtps\":%.1f,"
           "\"error\":\"%s\",\"cc\":\"%s\",\"cpu_seconds\":%.3f}\n",
           (unsigned long long)o->rounds, (unsigned long long)done, secs, secs > 0 ? (double)done / secs : 0.0,
           err, cc, lp_cpu_seconds());
    return done == o->rounds ? 0 : 3;
}
