/* conn_pick.c — see conn_pick.h. */
#include "conn_pick.h"

#include <stdlib.h>
#include <string.h>

#include "synack/packet.h"

struct conn_pick_pair {
    struct synack_endpoint a, b;
};

void conn_pick_init(struct conn_pick *cp, uint64_t index)
{
    memset(cp, 0, sizeof *cp);
    cp->index = index;
}

void conn_pick_fix(struct conn_pick *cp, const struct synack_endpoint *client, const struct synack_endpoint *server)
{
    cp->chosen = true;
    cp->ep[0] = *client;
    cp->ep[1] = *server;
}

static bool pair_is(const struct conn_pick_pair *p, const struct synack_endpoint *x, const struct synack_endpoint *y)
{
    return (synack_endpoint_equal(&p->a, x) && synack_endpoint_equal(&p->b, y)) ||
           (synack_endpoint_equal(&p->a, y) && synack_endpoint_equal(&p->b, x));
}

/* A packet from src to dst was sent: the connection is chosen when it is
 * the index-th new pair. */
static void count_pair(struct conn_pick *cp, const struct synack_endpoint *src, const struct synack_endpoint *dst)
{
    for (size_t i = 0; i < cp->seen_count; i++) {
        if (pair_is(&cp->seen[i], src, dst))
            return;
    }
    if (cp->seen_count < cp->index) {
        if (cp->seen_count == cp->seen_cap) {
            size_t cap = cp->seen_cap ? cp->seen_cap * 2 : 16;
            struct conn_pick_pair *seen = realloc(cp->seen, cap * sizeof *seen);
            if (seen == NULL) {
                cp->failed = true;
                return;
            }
            cp->seen = seen;
            cp->seen_cap = cap;
        }
        cp->seen[cp->seen_count].a = *src;
        cp->seen[cp->seen_count].b = *dst;
        cp->seen_count++;
        return;
    }
    conn_pick_fix(cp, src, dst);
}

/* The end at `local` talking to `remote`: 0, 1 or -1. */
static int end_at(const struct conn_pick *cp, const struct synack_endpoint *local, const struct synack_endpoint *remote)
{
    for (int e = 0; e < 2; e++) {
        if (synack_endpoint_equal(local, &cp->ep[e]) && synack_endpoint_equal(remote, &cp->ep[1 - e]))
            return e;
    }
    return -1;
}

int conn_pick_event(struct conn_pick *cp, const struct synack_trace_event *ev)
{
    struct synack_packet_info p;
    struct synack_endpoint src, dst;
    int end;

    switch (ev->kind) {
    case SYNACK_TRACE_PACKET_OUT:
    case SYNACK_TRACE_PACKET_IN:
        if (synack_packet_decode(ev->packet, ev->len, &p) < 0 || !p.is_tcp)
            return -1;
        src = synack_endpoint_make(p.src, p.src_port);
        dst = synack_endpoint_make(p.dst, p.dst_port);
        if (ev->kind == SYNACK_TRACE_PACKET_OUT) {
            if (!cp->chosen && !cp->failed)
                count_pair(cp, &src, &dst);
            end = cp->chosen ? end_at(cp, &src, &dst) : -1;
        } else {
            end = cp->chosen ? end_at(cp, &dst, &src) : -1;
        }
        break;
    case SYNACK_TRACE_STATE:
    case SYNACK_TRACE_CC:
        end = cp->chosen ? end_at(cp, &ev->local, &ev->remote) : -1;
        break;
    default:
        return -1;
    }
    if (end >= 0 && !cp->have_first) {
        cp->have_first = true;
        cp->first_at = ev->now;
    }
    return end;
}

void conn_pick_free(struct conn_pick *cp)
{
    free(cp->seen);
    cp->seen = NULL;
    cp->seen_count = cp->seen_cap = 0;
}
