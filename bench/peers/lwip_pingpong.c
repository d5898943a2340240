/* lwip_pingpong.c — 1-byte request, 1-byte response, N times on one
 * connection, Nagle off at both ends (tcp_nagle_disable).
 *
 * Each side answers from its receive callback: the server writes the
 * response byte when the request arrives, the client the next request when
 * the response arrives.  tcp_input() sends what a callback wrote as it
 * returns, so the response carries the ACK of the request (lwIP delays
 * that ACK) and each round trip is one segment each way.
 */
#include "lwip_peer.h"

struct pingpong {
    struct tcp_pcb *client, *server;
    uint64_t want, sent, answered;
    bool verify;
    uint64_t t_start, t_end, cpu_start, cpu_end;
};

static uint8_t request_byte(uint64_t round) { return (uint8_t)(round * 7u + 1u); }
static uint8_t response_byte(uint8_t request) { return (uint8_t)(request ^ 0xffu); }

static void send_request(struct pingpong *pp)
{
    const struct lwip *C = stack_client();
    uint8_t c = request_byte(pp->sent);
    err_t err = C->tcp_write(pp->client, &c, 1, TCP_WRITE_FLAG_COPY);
    if (err != ERR_OK) {
        peer_fail("pingpong: tcp_write (request %llu) failed: %d", (unsigned long long)pp->sent, (int)err);
        return;
    }
    pp->sent++;
}

static err_t client_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    const struct lwip *C = stack_client();
    struct pingpong *pp = arg;
    if (p == NULL || err != ERR_OK) {
        if (p != NULL)
            C->pbuf_free(p);
        peer_fail("pingpong: the server closed after %llu rounds", (unsigned long long)pp->answered);
        return ERR_OK;
    }
    uint16_t n = p->tot_len;
    uint8_t buf[16];
    uint16_t got = C->pbuf_copy_partial(p, buf, n < sizeof buf ? n : sizeof buf, 0);
    C->tcp_recved(pcb, n);
    C->pbuf_free(p);
    if (n != 1 || got != 1) {
        peer_fail("pingpong: %u bytes answered request %llu, expected 1", n, (unsigned long long)pp->sent);
        return ERR_OK;
    }
    if (pp->verify && buf[0] != response_byte(request_byte(pp->answered))) {
        peer_fail("pingpong: wrong response byte in round %llu", (unsigned long long)pp->answered);
        return ERR_OK;
    }
    pp->answered++;
    if (pp->answered == pp->want) {
        pp->t_end = now_ns();
        pp->cpu_end = cpu_ns();
    } else
        send_request(pp);
    return ERR_OK;
}

static err_t server_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    const struct lwip *S = stack_server();
    (void)arg;
    if (p == NULL || err != ERR_OK) {
        if (p != NULL)
            S->pbuf_free(p);
        S->tcp_arg(pcb, NULL);
        S->tcp_recv(pcb, NULL);
        S->tcp_close(pcb);
        return ERR_OK;
    }
    /* One response byte per request byte (requests never coalesce: the
     * client waits for each answer). */
    uint8_t buf[16];
    uint16_t n = p->tot_len;
    uint16_t got = S->pbuf_copy_partial(p, buf, n < sizeof buf ? n : sizeof buf, 0);
    S->tcp_recved(pcb, n);
    S->pbuf_free(p);
    for (uint16_t i = 0; i < got; i++) {
        uint8_t r = response_byte(buf[i]);
        err_t e = S->tcp_write(pcb, &r, 1, TCP_WRITE_FLAG_COPY);
        if (e != ERR_OK) {
            peer_fail("pingpong: server tcp_write failed: %d", (int)e);
            return ERR_OK;
        }
    }
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    (void)arg;
    peer_fail("pingpong: connection error %d (reset or aborted)", (int)err);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    const struct lwip *S = stack_server();
    struct pingpong *pp = arg;
    if (pcb == NULL || err != ERR_OK) {
        peer_fail("pingpong: accept failed: %d", (int)err);
        return ERR_VAL;
    }
    if (pp->server != NULL) {
        peer_fail("pingpong: a second connection arrived");
        S->tcp_abort(pcb);
        return ERR_ABRT;
    }
    pp->server = pcb;
    tcp_nagle_disable(pcb);
    S->tcp_arg(pcb, pp);
    S->tcp_recv(pcb, server_recv);
    S->tcp_err(pcb, on_err);
    return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct pingpong *pp = arg;
    (void)pcb;
    if (err != ERR_OK) {
        peer_fail("pingpong: connect failed: %d", (int)err);
        return ERR_OK;
    }
    pp->t_start = now_ns();
    pp->cpu_start = cpu_ns();
    send_request(pp);
    return ERR_OK;
}

static bool done(void *arg)
{
    const struct pingpong *pp = arg;
    return pp->answered >= pp->want;
}

static uint64_t progress(void *arg)
{
    const struct pingpong *pp = arg;
    return pp->answered;
}

int wl_pingpong(const struct peer_opts *o, struct json *j)
{
    const struct lwip *C = stack_client();
    struct pingpong pp = { .want = o->rounds, .verify = o->verify };
    int rc = -1;
    if (link_init(1) != 0 || server_listen(SERVER_PORT_PINGPONG, &pp, on_accept) == NULL)
        goto out;
    struct port_plan plan;
    ports_plan_init(&plan, 1, false);
    pp.client = ports_new_client(&plan);
    if (pp.client == NULL)
        goto out;
    tcp_nagle_disable(pp.client);
    C->tcp_arg(pp.client, &pp);
    C->tcp_recv(pp.client, client_recv);
    C->tcp_err(pp.client, on_err);
    err_t err = C->tcp_connect(pp.client, server_addr(), SERVER_PORT_PINGPONG, on_connected);
    if (err != ERR_OK) {
        peer_fail("pingpong: tcp_connect failed: %d", (int)err);
        goto out;
    }
    struct loop l = { .what = "pingpong", .arg = &pp, .done = done, .progress = progress };
    if (loop_run(&l) != 0)
        goto out;
    double seconds = (double)(pp.t_end - pp.t_start) / 1e9;
    struct link_stats ls;
    link_get_stats(&ls);
    json_num(j, "value", (double)pp.answered / seconds);
    json_str(j, "unit", "rtps");
    json_uint(j, "rounds", pp.answered);
    json_num(j, "seconds", seconds);
    json_num(j, "cpu_seconds", (double)(pp.cpu_end - pp.cpu_start) / 1e9);
    json_uint(j, "packets", ls.packets);
    json_bool(j, "verified", pp.verify);
    json_str(j, "notes",
             "one connection 198.18.0.1 -> 198.18.0.2, TCP_NODELAY (tcp_nagle_disable) at both ends; "
             "each side writes its byte from its receive callback, so each round trip is one "
             "segment each way (the response carries the delayed ACK); clock from the first "
             "request to the last response; one thread");
    rc = 0;
out:
    link_release();
    return rc;
}
