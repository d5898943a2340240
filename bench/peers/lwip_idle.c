/* lwip_idle.c — memory per established, idle connection.
 *
 * Opens N connections (no data, so every buffer is empty), at most
 * OPENING at a time, waits until both ends of all of them are established,
 * lets lwIP's timers run for a second (delayed ACKs flushed, nothing
 * queued on the link), and compares the heap in use and the RSS with the
 * readings taken before the first connection.  Everything the peer itself
 * needs (its arrays, the link queue's room) is allocated and touched
 * before the first reading, so the difference is lwIP's: the client's and
 * the server's tcp_pcb for each connection (with MEMP_MEM_MALLOC each pcb
 * is its own malloc), plus lwIP's one TCP timer entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip_peer.h"

/* Connections in their handshake at once while opening. */
#define OPENING 1000u
#define SETTLE_NS (1000ull * 1000000ull)

struct idle {
    uint64_t want, opened, connected, accepted;
    struct tcp_pcb **clients, **servers;
    struct port_plan plan;
};

static err_t client_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct idle *d = arg;
    (void)pcb;
    if (err != ERR_OK) {
        peer_fail("idle: connect failed: %d", (int)err);
        return ERR_OK;
    }
    d->connected++;
    return ERR_OK;
}

static err_t no_data(const struct lwip *L, struct pbuf *p)
{
    if (p != NULL)
        L->pbuf_free(p);
    peer_fail("idle: data or a FIN arrived on an idle connection");
    return ERR_OK;
}

static err_t client_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)pcb;
    (void)err;
    return no_data(stack_client(), p);
}

static err_t server_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)pcb;
    (void)err;
    return no_data(stack_server(), p);
}

static void on_err(void *arg, err_t err)
{
    (void)arg;
    peer_fail("idle: a connection failed (err %d)", (int)err);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    const struct lwip *S = stack_server();
    struct idle *d = arg;
    if (pcb == NULL || err != ERR_OK) {
        peer_fail("idle: accept failed: %d", (int)err);
        return ERR_VAL;
    }
    if (d->accepted == d->want) {
        peer_fail("idle: more connections accepted than opened");
        S->tcp_abort(pcb);
        return ERR_ABRT;
    }
    d->servers[d->accepted++] = pcb;
    S->tcp_arg(pcb, d);
    S->tcp_recv(pcb, server_recv);
    S->tcp_err(pcb, on_err);
    return ERR_OK;
}

static bool step(void *arg)
{
    const struct lwip *C = stack_client();
    struct idle *d = arg;
    bool any = false;
    while (d->opened < d->want && d->opened - d->accepted < OPENING && !peer_failed()) {
        struct tcp_pcb *pcb = ports_new_client(&d->plan);
        if (pcb == NULL)
            return any;
        C->tcp_arg(pcb, d);
        C->tcp_recv(pcb, client_recv);
        C->tcp_err(pcb, on_err);
        err_t err = C->tcp_connect(pcb, server_addr(), SERVER_PORT_IDLE, client_connected);
        if (err != ERR_OK) {
            peer_fail("idle: tcp_connect failed (err %d) after %llu opened", (int)err,
                      (unsigned long long)d->opened);
            return any;
        }
        d->clients[d->opened++] = pcb;
        any = true;
        loop_tick();
    }
    return any;
}

static void report(void *arg, char *buf, size_t len)
{
    const struct idle *d = arg;
    snprintf(buf, len, "%llu opened, %llu established", (unsigned long long)d->opened,
             (unsigned long long)d->accepted);
}

static bool established(void *arg)
{
    const struct idle *d = arg;
    return d->connected == d->want && d->accepted == d->want;
}

static bool never(void *arg)
{
    (void)arg;
    return false;
}

static uint64_t progress(void *arg)
{
    const struct idle *d = arg;
    return d->opened + d->connected + d->accepted;
}

int wl_idle(const struct peer_opts *o, struct json *j)
{
    struct idle d = { .want = o->count };
    unsigned addrs = o->client_addrs != 0 ? o->client_addrs : ports_addrs_for(o->count);
    ports_plan_init(&d.plan, addrs, o->lwip_ports);
    d.clients = malloc(d.want * sizeof *d.clients);
    d.servers = malloc(d.want * sizeof *d.servers);
    int rc = -1;
    if (d.clients == NULL || d.servers == NULL) {
        peer_fail("idle: out of memory for %llu connections", (unsigned long long)d.want);
        goto out;
    }
    /* Touch the arrays so that their pages are resident before the RSS
     * reading. */
    memset(d.clients, 0, d.want * sizeof *d.clients);
    memset(d.servers, 0, d.want * sizeof *d.servers);
    if (link_init(d.plan.addrs) != 0 || link_reserve(8 * OPENING) != 0 ||
        server_listen(SERVER_PORT_IDLE, &d, on_accept) == NULL)
        goto out;
    uint64_t heap0 = heap_in_use(), rss0 = rss_bytes();
    uint64_t t0 = now_ns();
    struct loop open = { .what = "idle (opening)", .arg = &d, .done = established, .step = step,
                         .progress = progress, .report = report };
    if (loop_run(&open) != 0)
        goto out;
    double open_seconds = (double)(now_ns() - t0) / 1e9;
    struct loop settle = { .what = "idle (settling)", .arg = &d, .done = never,
                           .progress = progress, .deadline_ns = now_ns() + SETTLE_NS };
    if (loop_run(&settle) != 0)
        goto out;
    uint64_t heap1 = heap_in_use(), rss1 = rss_bytes();
    double n = (double)d.want;
    double heap_delta = (double)heap1 - (double)heap0;
    double rss_delta = (double)rss1 - (double)rss0;
    json_num(j, "value", heap_delta / n);
    json_str(j, "unit", "bytes_per_conn");
    json_uint(j, "count", d.want);
    json_num(j, "bytes_per_endpoint", heap_delta / (2.0 * n));
    json_num(j, "rss_bytes_per_conn", rss_delta / n);
    json_uint(j, "heap_bytes_before", heap0);
    json_uint(j, "heap_bytes_after", heap1);
    json_uint(j, "rss_bytes_before", rss0);
    json_uint(j, "rss_bytes_after", rss1);
    json_str(j, "heap_counter", heap_counter_name());
    json_uint(j, "sizeof_tcp_pcb", sizeof(struct tcp_pcb));
    json_uint(j, "client_addresses", d.plan.addrs);
    json_str(j, "client_ports", ports_describe(&d.plan));
    json_num(j, "open_seconds", open_seconds);
    json_str(j, "notes",
             "value = heap bytes per established connection, both endpoints (client and server "
             "tcp_pcb, each its own malloc with MEMP_MEM_MALLOC) counted; bytes_per_endpoint is "
             "half; no data sent, buffers empty; readings before the first connect and after all "
             "are established and 1 s of lwIP timers");
    rc = 0;
out:
    free(d.clients);
    free(d.servers);
    link_release();
    return rc;
}
