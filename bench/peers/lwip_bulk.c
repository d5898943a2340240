/* lwip_bulk.c — one connection, N bytes of application data one way.
 *
 * The client (198.18.0.1) writes with tcp_write(..., TCP_WRITE_FLAG_COPY):
 * lwIP copies the bytes into its segments and, built with
 * LWIP_CHECKSUM_ON_COPY, sums them as it copies.  The server (198.18.0.2)
 * copies each received pbuf chain into a 64 KiB application buffer (as a
 * read() into a buffer would), then calls tcp_recved() and frees it.
 * lwIP verifies every TCP checksum on receive (CHECKSUM_CHECK_TCP).
 *
 * The sender writes whenever it can: when connected, from the sent
 * callback as ACKs free room, and once a round from the main loop; after
 * its last write it shuts its side (FIN), as a program that sends a file
 * and closes does.  That matters for lwIP: its Nagle (RFC 896, the classic
 * rule: hold a short segment while anything is unacknowledged) keeps the
 * last short segment back until the receiver's delayed ACK, which lwIP
 * sends from its 250 ms timer; a queued FIN lets tcp_output() send it at
 * once.  The clock runs from tcp_connect() to the last byte copied out.
 */
#include <stdlib.h>
#include <string.h>

#include "lwip_peer.h"

/* Stream byte i is i mod 251 (a prime, so it never lines up with powers of
 * two); the source holds one window plus a period, so any write of up to
 * 64 KiB starts at its offset mod 251. */
#define PATTERN 251u
#define APP_BUF 65536u

struct bulk {
    struct tcp_pcb *tx, *rx;
    uint64_t want, written, received;
    uint8_t *src, *dst;
    bool verify, shut;
    uint64_t bad_at; /* first wrong byte + 1, 0 if none */
    uint64_t t_start, t_end, cpu_start, cpu_end;
    unsigned mss;
};

static void push(struct bulk *b)
{
    const struct lwip *C = stack_client();
    while (b->written < b->want) {
        uint32_t room = tcp_sndbuf(b->tx);
        if (room == 0 || tcp_sndqueuelen(b->tx) >= TCP_SND_QUEUELEN)
            return;
        uint64_t left = b->want - b->written;
        uint16_t len = (uint16_t)(left < room ? left : room);
        err_t err = C->tcp_write(b->tx, b->src + b->written % PATTERN, len, TCP_WRITE_FLAG_COPY);
        if (err == ERR_MEM)
            return; /* lwIP's queue is full: the next ACK makes room */
        if (err != ERR_OK) {
            peer_fail("bulk: tcp_write failed: %d", (int)err);
            return;
        }
        b->written += len;
    }
    if (!b->shut) {
        b->shut = true;
        err_t err = C->tcp_shutdown(b->tx, 0, 1);
        if (err != ERR_OK)
            peer_fail("bulk: tcp_shutdown failed: %d", (int)err);
    }
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)pcb;
    (void)len;
    push(arg); /* tcp_input sends what this queues when the callback returns */
    return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct bulk *b = arg;
    if (err != ERR_OK) {
        peer_fail("bulk: connect failed: %d", (int)err);
        return ERR_OK;
    }
    b->mss = pcb->mss; /* the send MSS, from the SYN|ACK's option */
    push(b);
    return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    const struct lwip *S = stack_server();
    struct bulk *b = arg;
    if (p == NULL || err != ERR_OK) {
        if (p != NULL)
            S->pbuf_free(p);
        if (p != NULL || err != ERR_OK || b->received != b->want) {
            peer_fail("bulk: the sender closed after %llu of %llu bytes",
                      (unsigned long long)b->received, (unsigned long long)b->want);
            return ERR_OK;
        }
        /* The FIN after the last byte: close our side too. */
        S->tcp_arg(pcb, NULL);
        S->tcp_recv(pcb, NULL);
        S->tcp_err(pcb, NULL);
        S->tcp_close(pcb);
        return ERR_OK;
    }
    uint16_t n = p->tot_len;
    if (S->pbuf_copy_partial(p, b->dst, n, 0) != n) {
        peer_fail("bulk: pbuf_copy_partial copied short");
        S->pbuf_free(p);
        return ERR_OK;
    }
    if (b->verify && b->bad_at == 0) {
        for (uint16_t i = 0; i < n; i++) {
            if (b->dst[i] != (uint8_t)((b->received + i) % PATTERN)) {
                b->bad_at = b->received + i + 1;
                break;
            }
        }
    }
    b->received += n;
    if (b->received >= b->want && b->t_end == 0) {
        b->t_end = now_ns();
        b->cpu_end = cpu_ns();
    }
    S->tcp_recved(pcb, n);
    S->pbuf_free(p);
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    struct bulk *b = arg;
    b->tx = NULL; /* lwIP has freed the pcb (one of them: stop using both) */
    b->rx = NULL;
    peer_fail("bulk: connection error %d (reset or aborted)", (int)err);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    const struct lwip *S = stack_server();
    struct bulk *b = arg;
    if (pcb == NULL || err != ERR_OK) {
        peer_fail("bulk: accept failed: %d", (int)err);
        return ERR_VAL;
    }
    if (b->rx != NULL) {
        peer_fail("bulk: a second connection arrived");
        S->tcp_abort(pcb);
        return ERR_ABRT;
    }
    b->rx = pcb;
    S->tcp_arg(pcb, b);
    S->tcp_recv(pcb, on_recv);
    S->tcp_err(pcb, on_err);
    return ERR_OK;
}

static bool step(void *arg)
{
    const struct lwip *C = stack_client();
    struct bulk *b = arg;
    if (b->tx == NULL || b->shut || b->tx->state != ESTABLISHED)
        return false;
    uint64_t before = b->written;
    push(b);
    C->tcp_output(b->tx);
    return b->written != before;
}

static bool done(void *arg)
{
    const struct bulk *b = arg;
    return b->received >= b->want;
}

static uint64_t progress(void *arg)
{
    const struct bulk *b = arg;
    return b->received;
}

int wl_bulk(const struct peer_opts *o, struct json *j)
{
    const struct lwip *C = stack_client();
    struct bulk b = { .want = o->bytes, .verify = o->verify };
    b.src = malloc(APP_BUF + PATTERN);
    b.dst = malloc(APP_BUF);
    if (b.src == NULL || b.dst == NULL) {
        free(b.src);
        free(b.dst);
        peer_fail("bulk: out of memory");
        return -1;
    }
    for (uint32_t i = 0; i < APP_BUF + PATTERN; i++)
        b.src[i] = (uint8_t)(i % PATTERN);
    int rc = -1;
    if (link_init(1) != 0 || server_listen(SERVER_PORT_BULK, &b, on_accept) == NULL)
        goto out;
    struct port_plan pp;
    ports_plan_init(&pp, 1, false);
    b.tx = ports_new_client(&pp);
    if (b.tx == NULL)
        goto out;
    C->tcp_arg(b.tx, &b);
    C->tcp_sent(b.tx, on_sent);
    C->tcp_err(b.tx, on_err);
    b.t_start = now_ns();
    b.cpu_start = cpu_ns();
    err_t err = C->tcp_connect(b.tx, server_addr(), SERVER_PORT_BULK, on_connected);
    if (err != ERR_OK) {
        peer_fail("bulk: tcp_connect failed: %d", (int)err);
        goto out;
    }
    struct loop l = { .what = "bulk", .arg = &b, .done = done, .step = step, .progress = progress };
    if (loop_run(&l) != 0)
        goto out;
    if (b.bad_at != 0) {
        peer_fail("bulk: byte %llu of the stream arrived wrong", (unsigned long long)(b.bad_at - 1));
        goto out;
    }
    if (b.received != b.want) {
        peer_fail("bulk: received %llu bytes, %llu were sent", (unsigned long long)b.received,
                  (unsigned long long)b.want);
        goto out;
    }
    double seconds = (double)(b.t_end - b.t_start) / 1e9;
    struct link_stats ls;
    link_get_stats(&ls);
    json_num(j, "value", (double)b.received * 8.0 / seconds / 1e9);
    json_str(j, "unit", "gbps");
    json_uint(j, "bytes", b.received);
    json_num(j, "seconds", seconds);
    json_num(j, "cpu_seconds", (double)(b.cpu_end - b.cpu_start) / 1e9);
    json_uint(j, "window", TCP_WND);
    json_uint(j, "mss", b.mss);
    json_bool(j, "verified", b.verify);
    json_uint(j, "packets", ls.packets);
    json_str(j, "notes",
             "netifs 198.18.0.1 -> 198.18.0.2 (see lwip_instances), the link copies each IP packet "
             "into a fresh pbuf and delivers it from the main loop; one thread; tcp_write with "
             "TCP_WRITE_FLAG_COPY (checksum on copy), copy out with pbuf_copy_partial then "
             "tcp_recved; TCP checksums generated and verified in software; clock from "
             "tcp_connect to the last byte copied out (CLOCK_MONOTONIC)");
    rc = 0;
out:
    free(b.src);
    free(b.dst);
    link_release();
    return rc;
}
