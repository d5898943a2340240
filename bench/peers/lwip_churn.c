/* lwip_churn.c — N connections, at most C open at once; on each, 1 byte
 * each way and a graceful close with FIN both ways.
 *
 *   client                                   server (198.18.0.2:5003)
 *   tcp_connect           SYN          -->
 *                         <--          SYN|ACK
 *   connected: write 1    ACK + 1 byte -->   accept; recv: write 1
 *                         <--          1 byte (+ACK)
 *   recv: shutdown(tx)    FIN          -->   recv(NULL): tcp_close
 *                         <--          FIN (+ACK)
 *   recv(NULL): done      ACK          -->   LAST_ACK -> CLOSED
 *   TIME_WAIT for 2*TCP_MSL = 120 s (lwIP's default, not shortened)
 *
 * The client closes first, so TIME_WAIT is on the client side, on lwIP's
 * tcp_tw_pcbs list.  A connection counts as done when the client has the
 * server's FIN (it is then in TIME_WAIT); its slot then opens the next.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lwip/priv/tcp_priv.h"

#include "lwip_peer.h"

struct churn;

struct slot {
    struct churn *c;
    struct tcp_pcb *pcb;
};

struct churn {
    uint64_t want, opened, accepted, completed;
    uint64_t events; /* every callback that moves a connection on */
    struct slot *slots;
    struct slot **free_slots;
    size_t n_free;
    struct port_plan plan;
    uint64_t first_n, last_n;     /* the first 1000; the last 10% */
    uint64_t t_start, t_first, t_mark, t_end, cpu_start, cpu_end;
};

static void release(struct slot *s)
{
    s->pcb = NULL;
    s->c->free_slots[s->c->n_free++] = s;
}

static void completed(struct churn *c)
{
    c->completed++;
    c->events++;
    uint64_t t = now_ns();
    if (c->completed == c->first_n)
        c->t_first = t;
    if (c->completed == c->want - c->last_n)
        c->t_mark = t;
    if (c->completed == c->want) {
        c->t_end = t;
        c->cpu_end = cpu_ns();
    }
}

static err_t client_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    const struct lwip *C = stack_client();
    struct slot *s = arg;
    if (err != ERR_OK) {
        if (p != NULL)
            C->pbuf_free(p);
        peer_fail("churn: receive error %d", (int)err);
        return ERR_OK;
    }
    if (p != NULL) {
        uint16_t n = p->tot_len;
        C->tcp_recved(pcb, n);
        C->pbuf_free(p);
        if (n != 1) {
            peer_fail("churn: %u response bytes, expected 1", n);
            return ERR_OK;
        }
        /* The response is in: close our side first (FIN). */
        s->c->events++;
        err_t e = C->tcp_shutdown(pcb, 0, 1);
        if (e != ERR_OK)
            peer_fail("churn: tcp_shutdown failed: %d", (int)e);
        return ERR_OK;
    }
    /* The server's FIN: the client is in TIME_WAIT now; lwIP keeps the pcb
     * there and frees it itself.  tcp_close() only marks it closed. */
    C->tcp_arg(pcb, NULL);
    C->tcp_recv(pcb, NULL);
    C->tcp_err(pcb, NULL);
    C->tcp_close(pcb);
    struct churn *c = s->c;
    release(s);
    completed(c);
    return ERR_OK;
}

static err_t client_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    const struct lwip *C = stack_client();
    struct slot *s = arg;
    s->c->events++;
    if (err != ERR_OK) {
        peer_fail("churn: connect failed: %d", (int)err);
        return ERR_OK;
    }
    uint8_t q = 'q';
    err_t e = C->tcp_write(pcb, &q, 1, TCP_WRITE_FLAG_COPY);
    if (e != ERR_OK)
        peer_fail("churn: client tcp_write failed: %d", (int)e);
    return ERR_OK;
}

static void client_err(void *arg, err_t err)
{
    struct slot *s = arg;
    peer_fail("churn: a client connection failed (err %d) after %llu completed", (int)err,
              (unsigned long long)s->c->completed);
}

static err_t server_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    const struct lwip *S = stack_server();
    struct churn *c = arg;
    c->events++;
    if (err != ERR_OK) {
        if (p != NULL)
            S->pbuf_free(p);
        peer_fail("churn: server receive error %d", (int)err);
        return ERR_OK;
    }
    if (p != NULL) {
        uint16_t n = p->tot_len;
        S->tcp_recved(pcb, n);
        S->pbuf_free(p);
        uint8_t r = 'r';
        err_t e = S->tcp_write(pcb, &r, 1, TCP_WRITE_FLAG_COPY);
        if (e != ERR_OK)
            peer_fail("churn: server tcp_write failed: %d", (int)e);
        return ERR_OK;
    }
    /* The client's FIN: close ours (LAST_ACK); lwIP frees the pcb when the
     * last ACK arrives. */
    S->tcp_arg(pcb, NULL);
    S->tcp_recv(pcb, NULL);
    S->tcp_err(pcb, NULL);
    err_t e = S->tcp_close(pcb);
    if (e != ERR_OK)
        peer_fail("churn: server tcp_close failed: %d", (int)e);
    return ERR_OK;
}

static void server_err(void *arg, err_t err)
{
    (void)arg;
    peer_fail("churn: a server connection failed (err %d)", (int)err);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    const struct lwip *S = stack_server();
    struct churn *c = arg;
    if (pcb == NULL || err != ERR_OK) {
        peer_fail("churn: accept failed: %d", (int)err);
        return ERR_VAL;
    }
    c->accepted++;
    c->events++;
    S->tcp_arg(pcb, c);
    S->tcp_recv(pcb, server_recv);
    S->tcp_err(pcb, server_err);
    return ERR_OK;
}

/* Opens connections until C are open or all N have been opened. */
static bool step(void *arg)
{
    const struct lwip *C = stack_client();
    struct churn *c = arg;
    bool any = false;
    while (c->n_free > 0 && c->opened < c->want && !peer_failed()) {
        struct slot *s = c->free_slots[--c->n_free];
        s->pcb = ports_new_client(&c->plan);
        if (s->pcb == NULL)
            return any;
        C->tcp_arg(s->pcb, s);
        C->tcp_recv(s->pcb, client_recv);
        C->tcp_err(s->pcb, client_err);
        err_t err = C->tcp_connect(s->pcb, server_addr(), SERVER_PORT_CHURN, client_connected);
        if (err != ERR_OK) {
            peer_fail("churn: tcp_connect failed (err %d) after %llu opened", (int)err,
                      (unsigned long long)c->opened);
            return any;
        }
        c->opened++;
        c->events++;
        any = true;
        loop_tick(); /* each tcp_bind walks every pcb list: keep lwIP's timers going */
    }
    return any;
}

static void report(void *arg, char *buf, size_t len)
{
    const struct churn *c = arg;
    const struct lwip *C = stack_client();
    uint64_t tw = 0;
    for (const struct tcp_pcb *pcb = *C->tcp_tw_pcbs; pcb != NULL; pcb = pcb->next)
        tw++;
    snprintf(buf, len, "%llu done, %llu opened, %llu in TIME_WAIT", (unsigned long long)c->completed,
             (unsigned long long)c->opened, (unsigned long long)tw);
}

static bool done(void *arg)
{
    const struct churn *c = arg;
    return c->completed >= c->want;
}

/* Every step of every connection counts: with C connections in lockstep
 * several rounds pass between one completion and the next. */
static uint64_t progress(void *arg)
{
    const struct churn *c = arg;
    return c->events;
}

static uint64_t list_length(const struct tcp_pcb *pcb)
{
    uint64_t n = 0;
    for (; pcb != NULL; pcb = pcb->next)
        n++;
    return n;
}

/* After a failure: where the open connections are (to stderr). */
static void describe_open(const struct churn *c, uint64_t conc)
{
    const struct lwip *C = stack_client();
    uint64_t by_state[TIME_WAIT + 1] = { 0 }, retransmitting = 0;
    for (uint64_t i = 0; i < conc; i++) {
        const struct tcp_pcb *pcb = c->slots[i].pcb;
        if (pcb == NULL)
            continue;
        if ((unsigned)pcb->state <= TIME_WAIT)
            by_state[pcb->state]++;
        if (pcb->nrtx != 0)
            retransmitting++;
    }
    struct link_stats ls;
    link_get_stats(&ls);
    fprintf(stderr, "churn: opened %llu, accepted %llu, done %llu, %zu packets queued; open client pcbs:",
            (unsigned long long)c->opened, (unsigned long long)c->accepted,
            (unsigned long long)c->completed, ls.queued);
    for (int s = 0; s <= TIME_WAIT; s++)
        if (by_state[s] != 0)
            fprintf(stderr, " %s %llu", C->tcp_debug_state_str((enum tcp_state)s),
                    (unsigned long long)by_state[s]);
    fprintf(stderr, " (%llu retransmitting)\n", (unsigned long long)retransmitting);
    double seconds = (double)(now_ns() - c->t_start) / 1e9;
    fprintf(stderr, "churn: %llu connections done in %.0f s (%.0f/s) before the failure\n",
            (unsigned long long)c->completed, seconds, (double)c->completed / seconds);
}

int wl_churn(const struct peer_opts *o, struct json *j)
{
    struct churn c = { .want = o->count };
    uint64_t conc = o->concurrency < o->count ? o->concurrency : o->count;
    c.first_n = c.want < 1000 ? c.want : 1000;
    c.last_n = c.want / 10 != 0 ? c.want / 10 : 1;
    unsigned addrs = o->client_addrs != 0 ? o->client_addrs : ports_addrs_for(o->count);
    ports_plan_init(&c.plan, addrs, o->lwip_ports);
    c.slots = calloc(conc, sizeof *c.slots);
    c.free_slots = calloc(conc, sizeof *c.free_slots);
    int rc = -1;
    if (c.slots == NULL || c.free_slots == NULL) {
        peer_fail("churn: out of memory for %llu slots", (unsigned long long)conc);
        goto out;
    }
    for (uint64_t i = conc; i-- > 0;) {
        c.slots[i].c = &c;
        c.free_slots[c.n_free++] = &c.slots[i];
    }
    if (link_init(c.plan.addrs) != 0 || link_reserve(8 * conc) != 0 ||
        server_listen(SERVER_PORT_CHURN, &c, on_accept) == NULL)
        goto out;
    c.t_start = now_ns();
    c.cpu_start = cpu_ns();
    if (c.want - c.last_n == 0)
        c.t_mark = c.t_start;
    struct loop l = { .what = "churn", .arg = &c, .done = done, .step = step, .progress = progress,
                      .report = report };
    if (loop_run(&l) != 0) {
        describe_open(&c, conc);
        goto out;
    }
    /* The servers' last ACKs are still on the link: deliver them, so that
     * the counts below show only TIME_WAIT (bounded: each round can only
     * answer what the previous one sent). */
    for (int round = 0; round < 16 && link_deliver() != 0; round++)
        ;
    const struct lwip *C = stack_client(), *S = stack_server();
    uint64_t time_wait = list_length(*C->tcp_tw_pcbs);
    uint64_t server_time_wait = stacks_shared() ? 0 : list_length(*S->tcp_tw_pcbs);
    uint64_t active = list_length(*C->tcp_active_pcbs) +
                      (stacks_shared() ? 0 : list_length(*S->tcp_active_pcbs));
    double seconds = (double)(c.t_end - c.t_start) / 1e9;
    json_num(j, "value", (double)c.completed / seconds);
    json_str(j, "unit", "cps");
    json_uint(j, "count", c.completed);
    json_uint(j, "concurrency", conc);
    json_num(j, "seconds", seconds);
    json_num(j, "cpu_seconds", (double)(c.cpu_end - c.cpu_start) / 1e9);
    json_num(j, "first_1000_cps", (double)c.first_n / ((double)(c.t_first - c.t_start) / 1e9));
    json_num(j, "last_10pct_cps", (double)c.last_n / ((double)(c.t_end - c.t_mark) / 1e9));
    json_uint(j, "client_addresses", c.plan.addrs);
    json_str(j, "client_ports", ports_describe(&c.plan));
    json_uint(j, "time_wait_at_end", time_wait);
    json_uint(j, "server_time_wait_at_end", server_time_wait);
    json_uint(j, "active_pcbs_at_end", active);
    json_uint(j, "time_wait_ms", 2 * TCP_MSL);
    json_str(j, "notes",
             "clients 198.18.0.x -> server 198.18.0.2:5003; per connection: SYN, "
             "SYN|ACK, ACK+1 byte, 1 byte, FIN, FIN, ACK; the client closes first and keeps "
             "TIME_WAIT for lwIP's full 2*TCP_MSL (120 s); a connection is done when the client "
             "has the server's FIN; first_1000_cps over the first 1000 done, last_10pct_cps over "
             "the last 10%");
    rc = 0;
out:
    free(c.slots);
    free(c.free_slots);
    link_release();
    return rc;
}
