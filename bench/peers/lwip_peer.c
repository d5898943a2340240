/* lwip_peer.c — `synack-bench-lwip`: synack's benchmark workloads run on
 * Debian's liblwip through its raw API, one JSON line out.
 *
 *   synack-bench-lwip bulk [--bytes N] [--verify]
 *   synack-bench-lwip churn [--count N] [--concurrency C] [--client-addresses A] [--lwip-ports]
 *   synack-bench-lwip pingpong [--rounds N] [--verify]
 *   synack-bench-lwip idle [--count N] [--client-addresses A] [--lwip-ports]
 *   (each also takes --one-stack and --progress)
 *
 * `synack bench` runs it as a child process and reads stdout; errors go to
 * stderr with exit status 1.  See bench/peers/README.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/opt.h"
#include "lwip/priv/tcp_priv.h"

#include "lwip_peer.h"

#define PROG "synack-bench-lwip"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: " PROG " WORKLOAD [options]\n"
            "Runs one benchmark workload on lwIP %s through its raw API and prints one\n"
            "line of JSON.  The clients and the server each have their own lwIP instance\n"
            "(two copies of the library in one process, one thread), their netifs joined\n"
            "by a link that copies each packet.\n"
            "\n"
            "  bulk      [--bytes N]          N bytes one way on one connection (default 2 GiB)\n"
            "  churn     [--count N]          N connections, 1 byte each way, FIN both ways,\n"
            "            [--concurrency C]    at most C open at once (defaults 1000000, 10000)\n"
            "  pingpong  [--rounds N]         N 1-byte round trips, Nagle off (default 1000000)\n"
            "  idle      [--count N]          heap bytes per established idle connection\n"
            "                                 (default 100000)\n"
            "\n"
            "  --client-addresses A   churn, idle: client addresses to spread over (default:\n"
            "                         as many as the count needs, 16383 ports each, max %u)\n"
            "  --lwip-ports           churn, idle: let lwIP choose local ports (one address)\n"
            "  --verify               bulk, pingpong: check every byte received\n"
            "  --one-stack            both sides in one lwIP instance (every lookup then\n"
            "                         walks both ends' pcbs)\n"
            "  --progress             a line on stderr every 10 s (churn, idle: counts)\n"
            "  --help                 this text\n"
            "Sizes take a K, M or G suffix (powers of 1024 for --bytes, 1000 otherwise).\n",
            LWIP_VERSION_STRING, LINK_MAX_CLIENTS);
}

/* A count: digits and an optional K/M/G suffix; 0 and overflow refused. */
static int parse_size(const char *s, bool binary, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0)
        return -1;
    uint64_t unit = 1, k = binary ? 1024 : 1000;
    if (*end == 'K' || *end == 'k')
        unit = k, end++;
    else if (*end == 'M' || *end == 'm')
        unit = k * k, end++;
    else if (*end == 'G' || *end == 'g')
        unit = k * k * k, end++;
    if (*end != '\0' || v == 0 || v > UINT64_MAX / unit)
        return -1;
    *out = (uint64_t)v * unit;
    return 0;
}

enum workload { WL_BULK, WL_CHURN, WL_PINGPONG, WL_IDLE };

static const char *const workload_names[] = { "bulk", "churn", "pingpong", "idle" };

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, PROG ": ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(" PROG " --help for usage)\n");
    va_end(ap);
    return 1;
}

/* Which option each workload takes. */
static bool takes(enum workload w, const char *opt)
{
    if (strcmp(opt, "--bytes") == 0)
        return w == WL_BULK;
    if (strcmp(opt, "--count") == 0 || strcmp(opt, "--client-addresses") == 0 ||
        strcmp(opt, "--lwip-ports") == 0)
        return w == WL_CHURN || w == WL_IDLE;
    if (strcmp(opt, "--concurrency") == 0)
        return w == WL_CHURN;
    if (strcmp(opt, "--rounds") == 0)
        return w == WL_PINGPONG;
    if (strcmp(opt, "--verify") == 0)
        return w == WL_BULK || w == WL_PINGPONG;
    return strcmp(opt, "--one-stack") == 0 || strcmp(opt, "--progress") == 0;
}

/* The Debian build's limits, read from the headers it ships (the same
 * lwipopts.h it was built with), so the JSON says what bounds each
 * workload.  Numbers are bytes, milliseconds or counts as named. */
static void limits(struct json *j)
{
    json_obj_begin(j, "limits");
    json_str(j, "lwip_version", LWIP_VERSION_STRING);
    json_uint(j, "window", TCP_WND);
    json_uint(j, "window_scale_shift", TCP_RCV_SCALE);
    json_uint(j, "mss", TCP_MSS);
    json_uint(j, "tcp_snd_buf", TCP_SND_BUF);
    json_uint(j, "tcp_snd_queuelen_pbufs", TCP_SND_QUEUELEN);
    json_uint(j, "tcp_msl_ms", TCP_MSL);
    json_uint(j, "time_wait_ms", 2 * TCP_MSL);
    json_uint(j, "tcp_timer_ms", TCP_TMR_INTERVAL);
    json_uint(j, "ephemeral_ports", PORTS_PER_ADDR);
    json_str(j, "ephemeral_port_range", "49152-65534, one range for all local addresses");
    json_str(j, "memory",
             "MEM_LIBC_MALLOC=1, MEMP_MEM_MALLOC=1: every pcb, segment and pbuf is a malloc; the "
             "pool counts (MEMP_NUM_TCP_PCB=5, MEMP_NUM_TCP_SEG, PBUF_POOL_SIZE=16) are not enforced");
    json_bool(j, "listen_backlog", TCP_LISTEN_BACKLOG != 0);
    json_bool(j, "sack", LWIP_TCP_SACK_OUT != 0);
    json_bool(j, "timestamps", LWIP_TCP_TIMESTAMPS != 0);
    json_bool(j, "checksum_on_copy", LWIP_CHECKSUM_ON_COPY != 0);
    json_bool(j, "checksum_gen_tcp", CHECKSUM_GEN_TCP != 0);
    json_bool(j, "checksum_check_tcp", CHECKSUM_CHECK_TCP != 0);
    json_str(j, "pcb_lookup",
             "linear lists per lwIP instance: every segment scans the active list, then (if no "
             "match) the TIME_WAIT list, then the listeners; binding a port scans every list");
    json_str(j, "instances",
             "lwIP keeps its state in globals; by default the clients and the server each get "
             "their own instance (a second copy of liblwip.so.0 loaded from a memfd), as two "
             "hosts would; lwip_instances 1 (--one-stack) puts both ends' pcbs in one set of lists");
    json_obj_end(j);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return die("no workload given");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    enum workload w;
    size_t nw = sizeof workload_names / sizeof workload_names[0];
    size_t i = 0;
    while (i < nw && strcmp(argv[1], workload_names[i]) != 0)
        i++;
    if (i == nw)
        return die("unknown workload '%s'", argv[1]);
    w = (enum workload)i;

    struct peer_opts o = {
        .bytes = 2ull << 30,
        .count = w == WL_IDLE ? 100000 : 1000000,
        .concurrency = 10000,
        .rounds = 1000000,
    };
    for (int a = 2; a < argc; a++) {
        const char *opt = argv[a];
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (!takes(w, opt))
            return die("option '%s' does not apply here", opt);
        if (strcmp(opt, "--verify") == 0) {
            o.verify = true;
            continue;
        }
        if (strcmp(opt, "--lwip-ports") == 0) {
            o.lwip_ports = true;
            continue;
        }
        if (strcmp(opt, "--one-stack") == 0) {
            o.one_stack = true;
            continue;
        }
        if (strcmp(opt, "--progress") == 0) {
            o.progress = true;
            continue;
        }
        if (a + 1 >= argc)
            return die("option '%s' needs a value", opt);
        const char *val = argv[++a];
        uint64_t v;
        if (parse_size(val, strcmp(opt, "--bytes") == 0, &v) != 0)
            return die("bad number '%s'", val);
        if (strcmp(opt, "--bytes") == 0)
            o.bytes = v;
        else if (strcmp(opt, "--count") == 0)
            o.count = v;
        else if (strcmp(opt, "--concurrency") == 0)
            o.concurrency = v;
        else if (strcmp(opt, "--rounds") == 0)
            o.rounds = v;
        else if (strcmp(opt, "--client-addresses") == 0) {
            if (v > LINK_MAX_CLIENTS)
                return die("--client-addresses %s: at most 253", val);
            o.client_addrs = (unsigned)v;
        }
    }
    /* Idle keeps every connection open, so each needs its own (address,
     * port) pair; churn may reuse pairs whose TIME_WAIT has ended, but
     * only when asked to (--client-addresses). */
    uint64_t pairs = (uint64_t)(o.client_addrs != 0 ? o.client_addrs : LINK_MAX_CLIENTS) * PORTS_PER_ADDR;
    if (w == WL_IDLE && !o.lwip_ports && o.count > pairs)
        return die("idle --count %llu: more connections than %llu (address, port) pairs",
                   (unsigned long long)o.count, (unsigned long long)pairs);
    if (w == WL_CHURN && o.client_addrs == 0 && o.count > pairs)
        return die("churn --count %llu: more than %llu connections would reuse (address, port) "
                   "pairs; give --client-addresses to allow that",
                   (unsigned long long)o.count, (unsigned long long)pairs);

    struct json j;
    json_begin(&j);
    json_str(&j, "peer", "lwip");
    json_str(&j, "workload", workload_names[w]);
    json_uint(&j, "lwip_instances", o.one_stack ? 1 : 2);
    loop_set_progress(o.progress);
    int rc = stacks_init(o.one_stack);
    if (rc == 0) {
        switch (w) {
        case WL_BULK: rc = wl_bulk(&o, &j); break;
        case WL_CHURN: rc = wl_churn(&o, &j); break;
        case WL_PINGPONG: rc = wl_pingpong(&o, &j); break;
        case WL_IDLE: rc = wl_idle(&o, &j); break;
        default: rc = -1; break;
        }
    }
    if (rc != 0) {
        fprintf(stderr, PROG " %s: %s\n", workload_names[w],
                peer_failed() ? peer_error() : "failed");
        return 1;
    }
    struct link_stats ls;
    link_get_stats(&ls);
    json_uint(&j, "link_drops", ls.drops + ls.ipv6_drops);
    struct loop_stats lp;
    loop_get_stats(&lp);
    json_uint(&j, "loop_rounds", lp.rounds);
    json_uint(&j, "timer_waits", lp.waits);
    json_num(&j, "timer_wait_seconds", (double)lp.waited_ns / 1e9);
    limits(&j);
    const char *line = json_end(&j);
    if (line == NULL) {
        fprintf(stderr, PROG ": the JSON line did not fit its buffer\n");
        return 1;
    }
    printf("%s\n", line);
    return fflush(stdout) == 0 ? 0 : 1;
}
