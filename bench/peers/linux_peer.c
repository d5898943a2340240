/*
 * linux_peer.c — options and helpers of linux_peer (see linux_peer.h for
 * the commands); main picks the command.
 */
#define _GNU_SOURCE
#include "linux_peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t lp_stop;

uint64_t lp_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double lp_cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) < 0)
        return 0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

void lp_die(const char *fmt, ...)
{
    va_list ap;
    fputs("linux_peer: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void on_signal(int sig)
{
    (void)sig;
    lp_stop = 1;
}

/* No SA_RESTART: a blocking call or epoll_wait returns EINTR and the loop
 * sees lp_stop. */
void lp_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

void lp_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

void lp_touch(const char *path)
{
    if (!path)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        lp_die("cannot create %s: %s", path, strerror(errno));
    close(fd);
}

/* The namespace's default algorithm is set with a sysctl, but a namespace
 * other than the first may only choose among the host's
 * tcp_allowed_congestion_control; a socket may choose any available one
 * with CAP_NET_ADMIN.  So the bench sets it per socket (an accepted
 * socket inherits its listener's). */
void lp_set_cc(int fd, const char *cc)
{
    if (cc && setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t)strlen(cc)) < 0)
        lp_die("TCP_CONGESTION %s: %s", cc, strerror(errno));
}

void lp_get_cc(int fd, char *buf, unsigned len)
{
    socklen_t l = len - 1;
    memset(buf, 0, len);
    if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, buf, &l) < 0)
        buf[0] = 0;
}

static void usage(FILE *f)
{
    fputs("usage:\n"
          "  linux_peer server   --addr A --port P [--blocking] [--ready-file F] [--timeout S]\n"
          "  linux_peer churn    --addr A --port P --count N --concurrency C [--clients a1,a2,...] [--timeout S]\n"
          "  linux_peer pingpong --addr A --port P --rounds N [--timeout S]\n"
          "  linux_peer impair   --a DEV --b DEV [--delay-ms D] [--rate BPS] [--loss P]\n"
          "                      [--queue-bytes Q] [--seed N] [--rt] [--ready-file F] [--timeout S]\n"
          "server, churn and pingpong take --cc NAME: the congestion control of every socket.\n"
          "Each prints one JSON object on stdout when it ends.\n",
          f);
}

static uint64_t parse_u64(const char *name, const char *s, uint64_t min, uint64_t max)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
        lp_die("%s: expected a whole number in %llu..%llu, got \"%s\"", name, (unsigned long long)min,
               (unsigned long long)max, s);
    return v;
}

static double parse_double(const char *name, const char *s, double min, double max)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= min && v <= max))
        lp_die("%s: expected a number in %g..%g, got \"%s\"", name, min, max, s);
    return v;
}

/* A rate: bits per second, with an optional k, m or g (decimal) and an
 * optional "bit" after it: 1gbit, 100mbit, 1e9. */
static double parse_rate(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        lp_die("--rate: expected e.g. 1gbit, got \"%s\"", s);
    switch (*end) {
    case 'k': case 'K': v *= 1e3; end++; break;
    case 'm': case 'M': v *= 1e6; end++; break;
    case 'g': case 'G': v *= 1e9; end++; break;
    default: break;
    }
    if (strcmp(end, "bit") != 0 && *end)
        lp_die("--rate: expected e.g. 1gbit, got \"%s\"", s);
    return v;
}

static struct in_addr parse_addr(const char *name, const char *s)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        lp_die("%s: not an IPv4 address: \"%s\"", name, s);
    return a;
}

static void parse_clients(struct lp_opts *o, const char *list)
{
    char buf[LP_MAX_CLIENTS * 16 + 1];
    if (strlen(list) >= sizeof buf)
        lp_die("--clients: list too long");
    strcpy(buf, list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (o->n_clients == LP_MAX_CLIENTS)
            lp_die("--clients: at most %d addresses", LP_MAX_CLIENTS);
        o->clients[o->n_clients++] = parse_addr("--clients", t);
    }
    if (o->n_clients == 0)
        lp_die("--clients: empty list");
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    struct lp_opts o;
    memset(&o, 0, sizeof o);
    o.timeout_s = 3600;
    o.delay_ms = 5;
    o.seed = 1;
    int have_addr = 0, have_port = 0;
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i];
        if (!strcmp(k, "--blocking")) {
            o.blocking = 1;
            continue;
        }
        if (!strcmp(k, "--rt")) {
            o.realtime = 1;
            continue;
        }
        if (i + 1 >= argc)
            lp_die("%s needs a value (linux_peer --help)", k);
        const char *v = argv[++i];
        if (!strcmp(k, "--addr")) {
            o.addr = parse_addr(k, v);
            have_addr = 1;
        } else if (!strcmp(k, "--port")) {
            o.port = (uint16_t)parse_u64(k, v, 1, 65535);
            have_port = 1;
        } else if (!strcmp(k, "--count")) {
            o.count = parse_u64(k, v, 1, UINT64_C(1) << 40);
        } else if (!strcmp(k, "--concurrency")) {
            o.concurrency = (uint32_t)parse_u64(k, v, 1, 1000000);
        } else if (!strcmp(k, "--rounds")) {
            o.rounds = parse_u64(k, v, 1, UINT64_C(1) << 40);
        } else if (!strcmp(k, "--clients")) {
            parse_clients(&o, v);
        } else if (!strcmp(k, "--timeout")) {
            o.timeout_s = parse_double(k, v, 0.1, 86400);
        } else if (!strcmp(k, "--cc")) {
            o.cc = v;
        } else if (!strcmp(k, "--ready-file")) {
            o.ready_file = v;
        } else if (!strcmp(k, "--a")) {
            o.dev_a = v;
        } else if (!strcmp(k, "--b")) {
            o.dev_b = v;
        } else if (!strcmp(k, "--delay-ms")) {
            o.delay_ms = parse_double(k, v, 0, 10000);
        } else if (!strcmp(k, "--rate")) {
            o.rate_bps = parse_rate(v);
        } else if (!strcmp(k, "--loss")) {
            o.loss = parse_double(k, v, 0, 1);
        } else if (!strcmp(k, "--queue-bytes")) {
            o.queue_bytes = parse_u64(k, v, 1, UINT64_C(1) << 34);
        } else if (!strcmp(k, "--seed")) {
            o.seed = parse_u64(k, v, 0, UINT64_MAX);
        } else {
            lp_die("unknown option %s (linux_peer --help)", k);
        }
    }
    lp_catch_signals();
    if (!strcmp(cmd, "impair")) {
        if (!o.dev_a || !o.dev_b)
            lp_die("impair needs --a DEV and --b DEV");
        return lp_impair(&o);
    }
    if (!have_addr || !have_port)
        lp_die("%s needs --addr and --port", cmd);
    if (!strcmp(cmd, "server"))
        return lp_server(&o);
    if (!strcmp(cmd, "churn")) {
        if (!o.count || !o.concurrency)
            lp_die("churn needs --count N and --concurrency C");
        return lp_churn(&o);
    }
    if (!strcmp(cmd, "pingpong")) {
        if (!o.rounds)
            lp_die("pingpong needs --rounds N");
        return lp_pingpong(&o);
    }
    usage(stderr);
    return 2;
}
