/*
 * ladder_states.c — each end's states inferred from the segments it sent
 * and received, when no trace of its own says them (a capture of another
 * stack).  The transitions are those of RFC 9293 §3.3.2's diagram (its
 * Figure 5), taken at the moment each end sends or receives the segment
 * that causes them:
 *
 *   CLOSED       --send SYN-->              SYN_SENT
 *   (LISTEN)     --receive SYN-->           SYN_RECEIVED   (an end that
 *                receives a SYN first was listening: its line starts LISTEN)
 *   SYN_SENT     --receive SYN,ACK-->       ESTABLISHED
 *   SYN_SENT     --receive SYN-->           SYN_RECEIVED   (simultaneous open)
 *   SYN_RECEIVED --receive ACK of our SYN--> ESTABLISHED
 *   ESTABLISHED  --send FIN-->              FIN_WAIT_1
 *   ESTABLISHED  --receive FIN-->           CLOSE_WAIT
 *   FIN_WAIT_1   --receive ACK of our FIN--> FIN_WAIT_2 (and with a FIN: TIME_WAIT)
 *   FIN_WAIT_1   --receive FIN-->           CLOSING
 *   FIN_WAIT_2   --receive FIN-->           TIME_WAIT
 *   CLOSING      --receive ACK of our FIN--> TIME_WAIT
 *   CLOSE_WAIT   --send FIN-->              LAST_ACK
 *   LAST_ACK     --receive ACK of our FIN--> CLOSED
 *   any          --send or receive RST-->   CLOSED
 *
 * TIME_WAIT's end (2·MSL later) is never seen in a capture and is not
 * invented.  A capture that starts mid-connection starts both ends in
 * ESTABLISHED.  Lost segments are never received; everything else is
 * received at its (measured or estimated) arrival time.
 */
#include <stdlib.h>
#include <string.h>

#include "ladder_internal.h"
#include "synack/errors.h"

struct end_event {
    synack_time_us at;
    uint64_t order;
    size_t seg;
    bool sending;
};

struct end_machine {
    int state;
    bool fin_sent;
    uint32_t syn_seq, fin_seq;   /* our SYN's and FIN's sequence numbers */
};

static int event_cmp(const void *pa, const void *pb)
{
    const struct end_event *a = pa, *b = pb;

    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    if (a->order != b->order)
        return a->order < b->order ? -1 : 1;
    /* At one instant, what arrives comes before what it makes us send. */
    if (a->sending != b->sending)
        return a->sending ? 1 : -1;
    return a->seg < b->seg ? -1 : a->seg > b->seg;
}

static int enter(struct synack_ladder *l, int end, struct end_machine *m, int state,
                 const struct end_event *ev)
{
    struct synack_ladder_state st;

    if (m->state == state)
        return 0;
    memset(&st, 0, sizeof st);
    st.at = ev->at;
    /* The change sits just before what is sent, just after what arrived. */
    st.order = ev->sending ? ev->order - 1 : ev->order + 1;
    st.end = (uint8_t)end;
    st.old_state = (uint8_t)m->state;
    st.state = (uint8_t)state;
    st.inferred = true;
    m->state = state;
    return ladder__add_state(l, &st);
}

static int on_send(struct synack_ladder *l, int end, struct end_machine *m,
                   const struct synack_ladder_segment *s, const struct end_event *ev)
{
    if (s->flags & SYNACK_TCP_RST)
        return enter(l, end, m, SYNACK_TCP_CLOSED, ev);
    if ((s->flags & SYNACK_TCP_SYN) && !(s->flags & SYNACK_TCP_ACK) && m->state == SYNACK_TCP_CLOSED) {
        m->syn_seq = s->seq;
        return enter(l, end, m, SYNACK_TCP_SYN_SENT, ev);
    }
    if (s->flags & SYNACK_TCP_SYN)
        m->syn_seq = s->seq;
    if (s->flags & SYNACK_TCP_FIN) {
        m->fin_sent = true;
        m->fin_seq = s->seq + s->payload_len + !!(s->flags & SYNACK_TCP_SYN);
        if (m->state == SYNACK_TCP_ESTABLISHED || m->state == SYNACK_TCP_SYN_RECEIVED)
            return enter(l, end, m, SYNACK_TCP_FIN_WAIT_1, ev);
        if (m->state == SYNACK_TCP_CLOSE_WAIT)
            return enter(l, end, m, SYNACK_TCP_LAST_ACK, ev);
    }
    return 0;
}

static int on_receive(struct synack_ladder *l, int end, struct end_machine *m,
                      const struct synack_ladder_segment *s, const struct end_event *ev)
{
    bool ack = (s->flags & SYNACK_TCP_ACK) != 0;
    bool fin = (s->flags & SYNACK_TCP_FIN) != 0;
    bool fin_acked = m->fin_sent && ack && ladder__seq_lt(m->fin_seq, s->ack);
    int rc = 0;

    if (s->flags & SYNACK_TCP_RST)
        return m->state == SYNACK_TCP_LISTEN ? 0 : enter(l, end, m, SYNACK_TCP_CLOSED, ev);
    if (s->flags & SYNACK_TCP_SYN) {
        if (m->state == SYNACK_TCP_LISTEN || m->state == SYNACK_TCP_CLOSED)
            return ack ? 0 : enter(l, end, m, SYNACK_TCP_SYN_RECEIVED, ev);
        if (m->state == SYNACK_TCP_SYN_SENT)
            return enter(l, end, m, ack ? SYNACK_TCP_ESTABLISHED : SYNACK_TCP_SYN_RECEIVED, ev);
        return 0;
    }
    if (m->state == SYNACK_TCP_SYN_RECEIVED && ack && s->ack == m->syn_seq + 1)
        rc = enter(l, end, m, SYNACK_TCP_ESTABLISHED, ev);
    if (rc < 0)
        return rc;
    switch (m->state) {
    case SYNACK_TCP_ESTABLISHED:
        return fin ? enter(l, end, m, SYNACK_TCP_CLOSE_WAIT, ev) : 0;
    case SYNACK_TCP_FIN_WAIT_1:
        if (fin_acked && fin)
            return enter(l, end, m, SYNACK_TCP_TIME_WAIT, ev);
        if (fin_acked)
            return enter(l, end, m, SYNACK_TCP_FIN_WAIT_2, ev);
        return fin ? enter(l, end, m, SYNACK_TCP_CLOSING, ev) : 0;
    case SYNACK_TCP_FIN_WAIT_2:
        return fin ? enter(l, end, m, SYNACK_TCP_TIME_WAIT, ev) : 0;
    case SYNACK_TCP_CLOSING:
        return fin_acked ? enter(l, end, m, SYNACK_TCP_TIME_WAIT, ev) : 0;
    case SYNACK_TCP_LAST_ACK:
        return fin_acked ? enter(l, end, m, SYNACK_TCP_CLOSED, ev) : 0;
    default:
        return 0;
    }
}

/* The state an end starts in, from the first segment it sends or gets. */
static int initial_state(const struct synack_ladder *l, const struct end_event *first)
{
    const struct synack_ladder_segment *s = &l->segs[first->seg];

    if (!(s->flags & SYNACK_TCP_SYN))
        return SYNACK_TCP_ESTABLISHED;   /* the capture began mid-connection */
    if (first->sending)
        return (s->flags & SYNACK_TCP_ACK) ? SYNACK_TCP_SYN_RECEIVED : SYNACK_TCP_CLOSED;
    return (s->flags & SYNACK_TCP_ACK) ? SYNACK_TCP_SYN_SENT : SYNACK_TCP_LISTEN;
}

static int infer_end(struct synack_ladder *l, int end, struct end_event *ev, size_t n)
{
    struct end_machine m;
    int rc = 0;

    if (n == 0)
        return 0;
    qsort(ev, n, sizeof *ev, event_cmp);
    memset(&m, 0, sizeof m);
    m.state = initial_state(l, &ev[0]);
    l->ends[end].initial_state = m.state;
    for (size_t i = 0; i < n && rc >= 0; i++) {
        const struct synack_ladder_segment *s = &l->segs[ev[i].seg];
        rc = ev[i].sending ? on_send(l, end, &m, s, &ev[i]) : on_receive(l, end, &m, s, &ev[i]);
    }
    return rc;
}

int ladder__infer_states(struct synack_ladder *l)
{
    struct end_event *ev = malloc((l->seg_count * 2 + 1) * sizeof *ev);
    int rc = 0;

    if (ev == NULL)
        return -SYNACK_ENOMEM;
    l->state_count = 0;
    l->info.states_inferred = true;
    for (int end = 0; end < 2 && rc >= 0; end++) {
        size_t n = 0;
        for (size_t i = 0; i < l->seg_count; i++) {
            const struct synack_ladder_segment *s = &l->segs[i];
            if (s->from == end) {
                ev[n++] = (struct end_event){s->sent_at, s->sent_order, i, true};
            } else if (s->arrival != SYNACK_LADDER_NEVER && s->arrival != SYNACK_LADDER_UNKNOWN &&
                       !(s->marks & SYNACK_LADDER_DROPPED)) {
                ev[n++] = (struct end_event){s->arrived_at, s->arrived_order, i, false};
            }
        }
        rc = infer_end(l, end, ev, n);
    }
    free(ev);
    return rc;
}
