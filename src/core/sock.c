/* sock.c — socket slots, handles and the ready list; see sock.h. */
#include "sock.h"

#include <string.h>

#include "stack_internal.h"

#define NONE UINT32_MAX

void sock_table_init(struct sock_table *t, uint32_t max)
{
    memset(t, 0, sizeof *t);
    t->max = max;
    t->free_head = NONE;
    t->ready_head = t->ready_tail = NONE;
}

void sock_table_free(struct synack_stack *st, struct sock_table *t)
{
    mem_free(st, t->slots, (size_t)t->cap * sizeof *t->slots);
    memset(t, 0, sizeof *t);
}

static int make_handle(uint32_t index, uint16_t gen)
{
    return (int)(((uint32_t)(gen & SOCK_GEN_MASK) << SOCK_INDEX_BITS) | index);
}

int sock_alloc(struct synack_stack *st, bool new_work)
{
    struct sock_table *t = &st->socks;
    uint32_t index;
    if (t->free_head != NONE) {
        index = t->free_head;
        t->free_head = t->slots[index].free_next;
    } else {
        if (t->count >= t->max)
            return -SYNACK_EMFILE;
        if (t->count == t->cap) {
            uint32_t ncap = t->cap ? t->cap * 2 : 16;
            if (ncap > t->max)
                ncap = t->max;
            size_t more = (size_t)(ncap - t->cap) * sizeof(struct sock);
            struct sock *n = NULL;
            if (!new_work || stack_mem_room(st, more))
                n = mem_realloc(st, t->slots, (size_t)t->cap * sizeof *n, (size_t)ncap * sizeof *n);
            if (!n) {
                st->stats.mem_refused_opens++;
                return -SYNACK_ENOBUFS;
            }
            t->slots = n;
            t->cap = ncap;
        }
        index = t->count++;
        t->slots[index].gen = 0;
    }
    struct sock *s = &t->slots[index];
    uint16_t gen = (uint16_t)((s->gen + 1) & SOCK_GEN_MASK);
    memset(s, 0, sizeof *s);
    s->gen = gen;
    s->ready_prev = s->ready_next = NONE;
    s->kind = SOCK_TCP;
    s->opt.sndbuf = st->cfg.sndbuf_bytes;
    s->opt.rcvbuf = st->cfg.rcvbuf_bytes;
    s->opt.maxseg = (uint16_t)st->cfg.mss;
    s->opt.cc = st->cfg.congestion;
    s->opt.plpmtud = st->cfg.plpmtud;
    s->opt.keep_idle_s = (uint32_t)(st->cfg.keepalive_idle_us / 1000000);
    s->opt.keep_intvl_s = (uint32_t)(st->cfg.keepalive_interval_us / 1000000);
    s->opt.keep_cnt = st->cfg.keepalive_count;
    return make_handle(index, gen);
}

struct sock *sock_get(struct synack_stack *st, int handle)
{
    if (!st || handle < 0)
        return NULL;
    uint32_t index = (uint32_t)handle & ((1u << SOCK_INDEX_BITS) - 1);
    uint16_t gen = (uint16_t)((uint32_t)handle >> SOCK_INDEX_BITS);
    if (index >= st->socks.count)
        return NULL;
    struct sock *s = &st->socks.slots[index];
    if (s->kind == SOCK_FREE || s->gen != gen)
        return NULL;
    return s;
}

static void ready_unlink(struct sock_table *t, uint32_t index)
{
    struct sock *s = &t->slots[index];
    if (!s->on_ready_list)
        return;
    if (s->ready_prev != NONE)
        t->slots[s->ready_prev].ready_next = s->ready_next;
    else
        t->ready_head = s->ready_next;
    if (s->ready_next != NONE)
        t->slots[s->ready_next].ready_prev = s->ready_prev;
    else
        t->ready_tail = s->ready_prev;
    s->ready_prev = s->ready_next = NONE;
    s->on_ready_list = false;
}

void sock_release(struct synack_stack *st, int handle)
{
    struct sock *s = sock_get(st, handle);
    if (!s)
        return;
    uint32_t index = (uint32_t)handle & ((1u << SOCK_INDEX_BITS) - 1);
    ready_unlink(&st->socks, index);
    s->kind = SOCK_FREE;
    s->conn = NULL;
    s->listener = NULL;
    s->udp = NULL;
    s->free_next = st->socks.free_head;
    st->socks.free_head = index;
}

void sock_notify(struct synack_stack *st, int handle)
{
    struct sock *s = sock_get(st, handle);
    if (!s || s->on_ready_list)
        return;
    struct sock_table *t = &st->socks;
    uint32_t index = (uint32_t)handle & ((1u << SOCK_INDEX_BITS) - 1);
    s->ready_prev = t->ready_tail;
    s->ready_next = NONE;
    if (t->ready_tail != NONE)
        t->slots[t->ready_tail].ready_next = index;
    else
        t->ready_head = index;
    t->ready_tail = index;
    s->on_ready_list = true;
}

int synack_next_event(struct synack_stack *st, struct synack_event *ev)
{
    if (!st || !ev)
        return 0;
    struct sock_table *t = &st->socks;
    if (t->ready_head == NONE)
        return 0;
    uint32_t index = t->ready_head;
    ready_unlink(t, index);
    int h = make_handle(index, t->slots[index].gen);
    ev->sock = h;
    ev->ready = sock_ready_bits(st, h);
    return 1;
}

uint32_t sock_ready_bits(struct synack_stack *st, int handle)
{
    struct sock *s = sock_get(st, handle);
    if (!s)
        return 0;
    uint32_t bits = 0;
    if (s->kind == SOCK_LISTENER) {
        if (s->listener->accept_count)
            bits |= SYNACK_READABLE;
        return bits;
    }
    if (s->kind == SOCK_UDP) {
        bits = udp_ready_bits(s->udp);
        if (s->error)
            bits |= SYNACK_ERROR | SYNACK_READABLE;   /* recv would return it */
        return bits;
    }
    if (s->error)
        bits |= SYNACK_ERROR;
    struct tcp_conn *c = s->conn;
    if (!c)
        return bits;
    if (c->error)
        bits |= SYNACK_ERROR | SYNACK_READABLE;
    if (c->was_established)
        bits |= SYNACK_CONNECTED;
    if (c->rcvbuf.len || c->fin_received || c->user_read_shut)
        bits |= SYNACK_READABLE;
    if (c->fin_received && !c->rcvbuf.len)
        bits |= SYNACK_HUP;
    /* Under memory pressure a send takes only the storage the ring has
     * (socket.c); with data queued it waits for ACKs to free some. */
    bool stalled = stack_mem_pressure(st) && c->sndbuf.len && !ringbuf_room(&c->sndbuf);
    if (tcp_state_synchronized(c->state) && !c->fin_queued && !s->write_shut && ringbuf_free_space(&c->sndbuf) &&
        !stalled)
        bits |= SYNACK_WRITABLE;
    if (c->state == SYNACK_TCP_CLOSED) {
        bits |= SYNACK_CLOSED | SYNACK_READABLE;
        bits &= ~(uint32_t)SYNACK_WRITABLE;
    }
    return bits;
}

struct tcp_conn_params sock_conn_params(const struct sock *s)
{
    struct tcp_conn_params p = {
        .sndbuf = s->opt.sndbuf,
        .rcvbuf = s->opt.rcvbuf,
        .mss = s->opt.maxseg,
        .cc = s->opt.cc,
        .plpmtud = s->opt.plpmtud,
        .nodelay = s->opt.nodelay,
        .keepalive = s->opt.keepalive,
        .keep_idle_s = s->opt.keep_idle_s,
        .keep_intvl_s = s->opt.keep_intvl_s,
        .keep_cnt = s->opt.keep_cnt,
    };
    return p;
}
