/*
 * ladder_build.c — making the model of one connection, from the engine's
 * trace of both ends or from the packets seen at one capture point.
 *
 * Choosing the connection.  The n-th distinct pair of endpoints among the
 * TCP packets (counting only pairs with the configured port), or the pair
 * the config names.  The end that sent the connection's first packet is
 * drawn on the left, unless the config names the ends.
 *
 * From a trace.  Each PACKET_OUT becomes a segment; its bytes are hashed
 * (FNV-1a) into a table that the other end's PACKET_IN looks up, so that
 * the arrival time is the receiver's own.  The IP identification changes
 * with every packet a stack sends, so two different packets of one
 * connection never have the same bytes (until the 16-bit field wraps,
 * 65536 packets later; the table keeps the latest sender of each hash).
 * A packet received twice was duplicated by the network: the second copy
 * becomes a segment of its own, marked DUPLICATE.  A packet received that
 * no end sent was corrupted in transit (the simulator flips a bit); it is
 * counted, and its original shows as lost.  A DROP right after an arrival
 * marks the segment DROPPED with the receiver's reason.  When the trace
 * ends, a segment still unmatched is LOST if the trace went on for twice
 * the longest flight time seen in its direction (one second when none was
 * seen), else UNKNOWN.  STATE events are kept, and those of the chosen
 * connection become the ends' states.
 *
 * From a capture.  The capture point P sits somewhere between the ends;
 * let d[e] be the one-way delay from end e to P.  A segment from end e
 * seen at P at time t left e at t - d[e] and reached the other end at
 * t + d[1-e].  A segment from e and the first segment from the other end
 * acknowledging it are seen 2·d[1-e] apart (plus any ACK delay), so the
 * smallest such gap measures d[1-e] — the handshake gives both at once:
 * SYN to SYN,ACK is 2·d[server], SYN,ACK to ACK is 2·d[client].
 * Retransmitted ranges give no sample (Karn's rule, RFC 6298 §3).
 *
 * Bounded memory.  Everything is worked out as the segments come, in the
 * order they were sent (classification, the delay samples, the candidates
 * for presumed losses), so that older segments can be folded into counts
 * (ladder_fold.c) whenever the model reaches its budget.  What remains to
 * the end is bounded too: the first sequence numbers, a sample of flight
 * times, the packet hashes of the segments kept, the ACKs awaited for the
 * delay samples and the unacknowledged copies a retransmission may
 * repeat.
 */
#include <stdlib.h>
#include <string.h>

#include "ladder_internal.h"
#include "synack/errors.h"

enum mode { MODE_NONE, MODE_TRACE, MODE_CAPTURE };

/* A state change of any connection, kept until the end: it may come
 * before the connection's first packet (CLOSED -> SYN_SENT). */
struct pending_state {
    struct synack_endpoint local, remote;
    synack_time_us at;
    uint64_t order;
    uint8_t old_state, new_state;
};

struct pair {
    struct synack_endpoint a, b;
};

/* A sample of flight times: every stride-th value, the stride doubling
 * (and every other value kept dropped) whenever FLIGHT_SAMPLES are held,
 * so that its median stands for all of them in fixed memory (exact up to
 * FLIGHT_SAMPLES values). */
#define FLIGHT_SAMPLES 8192

struct flight_sample {
    uint64_t *v;
    size_t n;
    uint64_t seen, stride;
    synack_time_us max;
};

/* Capture: a data segment awaiting the first ACK that covers it. */
struct pending_ack {
    uint32_t seq, end_seq;
    synack_time_us at;
    bool ambiguous;              /* a retransmission repeated it (Karn) */
};

/* At most this many per direction (a capture of one direction only sees
 * no ACK at all); beyond, segments give no delay sample. */
#define PENDING_MAX 65536

/* Capture: the smallest gap between a segment and the first one
 * acknowledging it, per acknowledging end: 2·d[e] for ACKs sent by e. */
struct delay_meter {
    struct pending_ack *q[2];
    size_t head[2], tail[2], cap[2];
    synack_time_us sample[2];
};

struct synack_ladder_builder {
    struct synack_ladder_config cfg;
    struct synack_ladder *l;
    enum mode mode;
    bool failed;                 /* out of memory somewhere: finish returns NULL */
    bool chosen;
    struct synack_endpoint ep[2];
    struct pair *seen;           /* pairs met before the chosen one */
    size_t seen_count, seen_cap;
    uint64_t events;             /* counts trace events, for ordering */
    char names[2][32];

    struct ladder_classifier cls;
    struct ladder_folder folder;
    bool have_first[2];          /* end i's first sequence number is known */
    bool have_ack_to[2];
    uint32_t first_ack_to[2];    /* the first ACK end i got */
    bool have_clock;
    synack_time_us first_clock;  /* the earliest segment, in the builder's clock */

    /* Trace: packet hash -> the latest kept segment with it (its index).
     * Open addressing; a key of 0 is an empty slot.  Rebuilt from hashes[]
     * after each compaction, so it holds only kept segments. */
    uint64_t *hkeys;
    uint32_t *hvals;
    size_t hcap, hused;
    uint64_t *hashes;            /* per kept segment, its packet's hash */
    size_t hashes_cap;
    struct pending_state *pstates;
    size_t pcount, pcap;
    synack_time_us last_time;
    struct flight_sample flights[2];

    /* Capture: segments carry their time at the capture point in sent_at
     * until the delays are known. */
    struct delay_meter meter;
    struct ladder_presumer presumer;
    synack_time_us seen_min[2], seen_max[2];
};

void synack_ladder_config_default(struct synack_ladder_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_segments = SYNACK_LADDER_MAX_SEGMENTS;
}

struct synack_ladder_builder *synack_ladder_builder_new(const struct synack_ladder_config *cfg)
{
    struct synack_ladder_builder *b = calloc(1, sizeof *b);

    if (b == NULL)
        return NULL;
    if (cfg != NULL)
        b->cfg = *cfg;
    else
        synack_ladder_config_default(&b->cfg);
    b->l = ladder__new();
    if (b->l == NULL) {
        free(b);
        return NULL;
    }
    b->l->seg_limit = b->cfg.max_segments;
    ladder__classifier_init(&b->cls);
    ladder__folder_init(&b->folder, &b->cfg);
    for (int e = 0; e < 2; e++) {
        b->flights[e].stride = 1;
        b->flights[e].max = SYNACK_TIME_NEVER;
        b->meter.sample[e] = SYNACK_TIME_NEVER;
        b->seen_min[e] = SYNACK_TIME_NEVER;
    }
    if (b->cfg.have_ends) {
        b->chosen = true;
        b->ep[0] = b->cfg.ends[0];
        b->ep[1] = b->cfg.ends[1];
    }
    return b;
}

void synack_ladder_builder_free(struct synack_ladder_builder *b)
{
    if (b == NULL)
        return;
    synack_ladder_free(b->l);
    ladder__folder_free(&b->folder);
    ladder__presumer_free(&b->presumer);
    free(b->seen);
    free(b->hkeys);
    free(b->hvals);
    free(b->hashes);
    free(b->pstates);
    for (int e = 0; e < 2; e++) {
        free(b->flights[e].v);
        free(b->meter.q[e]);
    }
    free(b);
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    size_t n;
    void *q;

    if (need <= *cap)
        return true;
    n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    q = realloc(*p, n * size);
    if (q == NULL)
        return false;
    *p = q;
    *cap = n;
    return true;
}

/* ---- Choosing the connection ------------------------------------------- */

static bool pair_is(const struct synack_endpoint *a, const struct synack_endpoint *b,
                    const struct synack_endpoint *x, const struct synack_endpoint *y)
{
    return (synack_endpoint_equal(a, x) && synack_endpoint_equal(b, y)) ||
           (synack_endpoint_equal(a, y) && synack_endpoint_equal(b, x));
}

/* Which end sent a packet from src to dst: 0, 1, or -1 when it is not the
 * chosen connection's.  Chooses the connection when it is due. */
static int end_of(struct synack_ladder_builder *b, const struct synack_endpoint *src,
                  const struct synack_endpoint *dst)
{
    if (!b->chosen) {
        if (b->cfg.port != 0 && src->port != b->cfg.port && dst->port != b->cfg.port)
            return -1;
        for (size_t i = 0; i < b->seen_count; i++) {
            if (pair_is(&b->seen[i].a, &b->seen[i].b, src, dst))
                return -1;
        }
        if (b->seen_count < b->cfg.conn_index) {
            if (!grow((void **)&b->seen, &b->seen_cap, b->seen_count + 1, sizeof *b->seen)) {
                b->failed = true;
                return -1;
            }
            b->seen[b->seen_count].a = *src;
            b->seen[b->seen_count].b = *dst;
            b->seen_count++;
            return -1;
        }
        b->chosen = true;
        b->ep[0] = *src;
        b->ep[1] = *dst;
    }
    if (synack_endpoint_equal(src, &b->ep[0]) && synack_endpoint_equal(dst, &b->ep[1]))
        return 0;
    if (synack_endpoint_equal(src, &b->ep[1]) && synack_endpoint_equal(dst, &b->ep[0]))
        return 1;
    return -1;
}

static void endpoints_of(const struct synack_packet_info *p, struct synack_endpoint *src,
                         struct synack_endpoint *dst)
{
    *src = synack_endpoint_make(p->src, p->src_port);
    *dst = synack_endpoint_make(p->dst, p->dst_port);
}

/* ---- Segments as they come ------------------------------------------------ */

static int u64_cmp(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

    return a < b ? -1 : a > b;
}

static void sample_add(struct synack_ladder_builder *b, struct flight_sample *fs, uint64_t x)
{
    if (fs->max == SYNACK_TIME_NEVER || x > fs->max)
        fs->max = x;
    if (fs->seen++ % fs->stride != 0)
        return;
    if (fs->v == NULL) {
        fs->v = malloc(FLIGHT_SAMPLES * sizeof *fs->v);
        if (fs->v == NULL) {
            b->failed = true;
            return;
        }
    }
    if (fs->n == FLIGHT_SAMPLES) {
        for (size_t i = 0; i < FLIGHT_SAMPLES / 2; i++)
            fs->v[i] = fs->v[2 * i];
        fs->n = FLIGHT_SAMPLES / 2;
        fs->stride *= 2;
        if ((fs->seen - 1) % fs->stride != 0)
            return;
    }
    fs->v[fs->n++] = x;
}

static synack_time_us sample_median(struct flight_sample *fs)
{
    if (fs->n == 0)
        return SYNACK_TIME_NEVER;
    qsort(fs->v, fs->n, sizeof *fs->v, u64_cmp);
    return fs->v[fs->n / 2];
}

/* How long after it was sent a segment that has not arrived counts as
 * lost: twice the longest flight seen its way (or the other way), one
 * second when none was seen. */
static synack_time_us lost_wait(const struct synack_ladder_builder *b, int e)
{
    synack_time_us max = b->flights[e].max != SYNACK_TIME_NEVER ? b->flights[e].max : b->flights[1 - e].max;

    return max == SYNACK_TIME_NEVER ? 1000000 : 2 * max;
}

static void hash_put(struct synack_ladder_builder *b, uint64_t key, size_t seg);

/* The table of packet hashes again, from the kept segments alone. */
static void hash_rebuild(struct synack_ladder_builder *b)
{
    free(b->hkeys);
    free(b->hvals);
    b->hkeys = NULL;
    b->hvals = NULL;
    b->hcap = b->hused = 0;
    for (size_t i = 0; i < b->l->seg_count && !b->failed; i++)
        hash_put(b, b->hashes[i], i);
}

/* Folds older segments when the model has reached its budget. */
static void compact(struct synack_ladder_builder *b)
{
    struct ladder_fold_ctx c;
    const synack_time_us *sample = b->meter.sample;

    memset(&c, 0, sizeof c);
    c.trace = b->mode == MODE_TRACE;
    c.now = b->last_time;
    c.lost_after = lost_wait(b, 0) > lost_wait(b, 1) ? lost_wait(b, 0) : lost_wait(b, 1);
    c.origin = b->first_clock;
    if (b->mode == MODE_CAPTURE) {
        if (b->cfg.delay_given)
            c.margin = b->cfg.one_way_delay_us;
        else if (sample[0] != SYNACK_TIME_NEVER || sample[1] != SYNACK_TIME_NEVER)
            c.margin = sample[0] == SYNACK_TIME_NEVER ? sample[1]
                       : sample[1] == SYNACK_TIME_NEVER || sample[0] > sample[1] ? sample[0] : sample[1];
        else
            c.margin = 1000000;
    }
    c.aside = c.trace ? b->hashes : NULL;
    if (ladder__compact(&b->folder, b->l, &c) < 0) {
        b->failed = true;
        return;
    }
    if (c.trace)
        hash_rebuild(b);
}

/* A zeroed segment at the end of the model, after folding older ones if
 * the budget says so; NULL when out of memory. */
static struct synack_ladder_segment *append(struct synack_ladder_builder *b)
{
    struct synack_ladder_segment *s;

    if (ladder__folder_due(&b->folder, b->l))
        compact(b);
    if (b->mode == MODE_TRACE &&
        !grow((void **)&b->hashes, &b->hashes_cap, b->l->seg_count + 1, sizeof *b->hashes)) {
        b->failed = true;
        return NULL;
    }
    s = ladder__add_segment(b->l);
    if (s == NULL)
        b->failed = true;
    return s;
}

/* A new segment from end `from` with p's header and preview. */
static struct synack_ladder_segment *new_segment(struct synack_ladder_builder *b, int from,
                                                 const struct synack_packet_info *p,
                                                 size_t payload_present)
{
    struct synack_ladder_segment *s = append(b);
    size_t keep;

    if (s == NULL)
        return NULL;
    s->from = (uint8_t)from;
    ladder__fill_header(s, p);
    keep = payload_present < p->payload_len ? payload_present : p->payload_len;
    if (keep > SYNACK_LADDER_PREVIEW)
        keep = SYNACK_LADDER_PREVIEW;
    if (keep > 0 && p->payload != NULL)
        memcpy(s->preview, p->payload, keep);
    s->preview_len = (uint8_t)keep;
    return s;
}

/* What every new segment (not a second copy) tells, in the order sent:
 * the ends' first sequence numbers, the earliest time, what it is. */
static void note_segment(struct synack_ladder_builder *b, struct synack_ladder_segment *s)
{
    struct synack_ladder_info *in = &b->l->info;
    int e = s->from, to = 1 - s->from;

    if ((s->flags & SYNACK_TCP_SYN) && !in->have_isn[e]) {
        in->have_isn[e] = true;
        in->first_seq[e] = s->seq;
        b->have_first[e] = true;
    } else if (!b->have_first[e]) {
        b->have_first[e] = true;
        in->first_seq[e] = s->seq;
    }
    /* For an end that sends nothing: the first ACK it got. */
    if ((s->flags & SYNACK_TCP_ACK) && !b->have_ack_to[to]) {
        b->have_ack_to[to] = true;
        b->first_ack_to[to] = s->ack;
    }
    if (!b->have_clock || s->sent_at < b->first_clock) {
        b->have_clock = true;
        b->first_clock = s->sent_at;
    }
    ladder__classify(&b->cls, s);
}

/* ---- From a trace -------------------------------------------------------- */

static uint64_t packet_hash(const uint8_t *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull ^ len;

    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h | 1;   /* 0 marks an empty slot */
}

static bool hash_grow(struct synack_ladder_builder *b)
{
    size_t cap = b->hcap ? b->hcap * 2 : 1024;
    uint64_t *keys = calloc(cap, sizeof *keys);
    uint32_t *vals = calloc(cap, sizeof *vals);

    if (keys == NULL || vals == NULL) {
        free(keys);
        free(vals);
        return false;
    }
    for (size_t i = 0; i < b->hcap; i++) {
        if (b->hkeys[i] == 0)
            continue;
        size_t j = (size_t)b->hkeys[i] & (cap - 1);
        while (keys[j] != 0)
            j = (j + 1) & (cap - 1);
        keys[j] = b->hkeys[i];
        vals[j] = b->hvals[i];
    }
    free(b->hkeys);
    free(b->hvals);
    b->hkeys = keys;
    b->hvals = vals;
    b->hcap = cap;
    return true;
}

static void hash_put(struct synack_ladder_builder *b, uint64_t key, size_t seg)
{
    size_t j;

    if ((b->hused + 1) * 2 > b->hcap && !hash_grow(b)) {
        b->failed = true;
        return;
    }
    j = (size_t)key & (b->hcap - 1);
    while (b->hkeys[j] != 0 && b->hkeys[j] != key)
        j = (j + 1) & (b->hcap - 1);
    if (b->hkeys[j] == 0)
        b->hused++;
    b->hkeys[j] = key;
    b->hvals[j] = (uint32_t)seg;
}

/* The segment with these bytes, or -1. */
static long hash_get(const struct synack_ladder_builder *b, uint64_t key)
{
    size_t j;

    if (b->hcap == 0)
        return -1;
    j = (size_t)key & (b->hcap - 1);
    while (b->hkeys[j] != 0) {
        if (b->hkeys[j] == key)
            return (long)b->hvals[j];
        j = (j + 1) & (b->hcap - 1);
    }
    return -1;
}

static void name_end(struct synack_ladder_builder *b, int end, const char *stack_name)
{
    if (b->names[end][0] == '\0' && stack_name != NULL)
        snprintf(b->names[end], sizeof b->names[end], "%s", stack_name);
}

static void trace_sent(struct synack_ladder_builder *b, const struct synack_trace_event *ev)
{
    struct synack_packet_info p;
    struct synack_endpoint src, dst;
    struct synack_ladder_segment *s;
    int from;

    if (synack_packet_decode(ev->packet, ev->len, &p) < 0 || !p.is_tcp)
        return;
    endpoints_of(&p, &src, &dst);
    from = end_of(b, &src, &dst);
    if (from < 0) {
        b->l->info.other_segments++;
        return;
    }
    name_end(b, from, ev->stack_name);
    s = new_segment(b, from, &p, p.payload_len);
    if (s == NULL)
        return;
    s->sent_at = ev->now;
    s->sent_order = b->events * 4;
    note_segment(b, s);
    b->hashes[b->l->seg_count - 1] = packet_hash(ev->packet, ev->len);
    hash_put(b, b->hashes[b->l->seg_count - 1], b->l->seg_count - 1);
}

/* A second copy of a packet arrived: a segment of its own, sent when the
 * original was, judged as the original (it was classified when sent). */
static void note_duplicate(struct synack_ladder_builder *b, size_t original, const struct synack_trace_event *ev)
{
    struct synack_ladder_segment orig = b->l->segs[original];   /* folding may move it */
    struct synack_ladder_segment *copy = append(b);
    uint32_t number;

    if (copy == NULL)
        return;
    number = copy->number;
    *copy = orig;
    copy->number = number;
    copy->marks = (uint16_t)((orig.marks & LADDER_PUBLIC_MARKS & ~(SYNACK_LADDER_DROPPED | SYNACK_LADDER_LOST)) |
                             SYNACK_LADDER_DUPLICATE);
    copy->arrival = SYNACK_LADDER_ARRIVED;
    copy->arrived_at = ev->now;
    copy->arrived_order = b->events * 4;
    copy->drop_reason = -1;
    if (copy->arrived_at >= copy->sent_at)
        sample_add(b, &b->flights[copy->from], copy->arrived_at - copy->sent_at);
    /* A DROP that follows concerns this copy. */
    b->hashes[b->l->seg_count - 1] = packet_hash(ev->packet, ev->len);
    hash_put(b, b->hashes[b->l->seg_count - 1], b->l->seg_count - 1);
}

static void trace_received(struct synack_ladder_builder *b, const struct synack_trace_event *ev)
{
    long i = hash_get(b, packet_hash(ev->packet, ev->len));
    struct synack_ladder_segment *s;

    if (i < 0) {
        struct synack_packet_info p;
        struct synack_endpoint src, dst;
        if (b->chosen && synack_packet_decode(ev->packet, ev->len, &p) == 0 && p.is_tcp) {
            endpoints_of(&p, &src, &dst);
            if (end_of(b, &src, &dst) >= 0)
                b->l->info.unmatched_arrivals++;
        }
        return;
    }
    s = &b->l->segs[i];
    name_end(b, 1 - s->from, ev->stack_name);
    if (s->arrival == SYNACK_LADDER_ARRIVED) {
        note_duplicate(b, (size_t)i, ev);
        return;
    }
    s->arrival = SYNACK_LADDER_ARRIVED;
    s->arrived_at = ev->now;
    s->arrived_order = b->events * 4;
    if (s->arrived_at >= s->sent_at)
        sample_add(b, &b->flights[s->from], s->arrived_at - s->sent_at);
}

static void trace_dropped(struct synack_ladder_builder *b, const struct synack_trace_event *ev)
{
    long i;
    struct synack_ladder_segment *s;

    if (ev->packet == NULL)
        return;
    i = hash_get(b, packet_hash(ev->packet, ev->len));
    if (i < 0)
        return;
    s = &b->l->segs[i];
    s->drop_reason = ev->drop_reason;
    if (s->arrival == SYNACK_LADDER_ARRIVED)
        s->marks |= SYNACK_LADDER_DROPPED;
    else
        s->marks |= SYNACK_LADDER_LOST;   /* the sender's own driver refused it */
}

static void trace_state(struct synack_ladder_builder *b, const struct synack_trace_event *ev)
{
    struct pending_state *p;

    if (!grow((void **)&b->pstates, &b->pcap, b->pcount + 1, sizeof *b->pstates)) {
        b->failed = true;
        return;
    }
    p = &b->pstates[b->pcount++];
    p->local = ev->local;
    p->remote = ev->remote;
    p->at = ev->now;
    p->order = b->events * 4;
    p->old_state = (uint8_t)ev->old_state;
    p->new_state = (uint8_t)ev->new_state;
}

void synack_ladder_builder_trace(struct synack_ladder_builder *b, const struct synack_trace_event *ev)
{
    if (b == NULL || ev == NULL || b->mode == MODE_CAPTURE)
        return;
    b->mode = MODE_TRACE;
    b->events++;
    if (ev->now > b->last_time)
        b->last_time = ev->now;
    switch (ev->kind) {
    case SYNACK_TRACE_PACKET_OUT: trace_sent(b, ev); break;
    case SYNACK_TRACE_PACKET_IN: trace_received(b, ev); break;
    case SYNACK_TRACE_DROP: trace_dropped(b, ev); break;
    case SYNACK_TRACE_STATE: trace_state(b, ev); break;
    default: break;   /* congestion figures and whatever comes later */
    }
}

void synack_ladder_trace_hook(void *builder, const struct synack_trace_event *ev)
{
    synack_ladder_builder_trace(builder, ev);
}

/* ---- From a capture ------------------------------------------------------ */

/* Takes the delay samples a segment gives (see the file's comment), in
 * capture order: it may be the first ACK of segments awaited, and its own
 * data awaits an ACK unless it repeats sequence space. */
static void meter_feed(struct synack_ladder_builder *b, const struct synack_ladder_segment *s, synack_time_us t)
{
    struct delay_meter *m = &b->meter;
    int e = s->from, o = 1 - e;
    uint32_t len = ladder__seg_len(s);

    if (s->flags & SYNACK_TCP_ACK) {
        while (m->head[o] < m->tail[o] && ladder__seq_le(m->q[o][m->head[o]].end_seq, s->ack)) {
            const struct pending_ack *p = &m->q[o][m->head[o]++];
            if (!p->ambiguous && t >= p->at && t - p->at < m->sample[e])
                m->sample[e] = t - p->at;
        }
    }
    if (len == 0 || (s->flags & SYNACK_TCP_RST))
        return;
    if (s->marks & (SYNACK_LADDER_RETRANSMISSION | SYNACK_LADDER_KEEPALIVE | SYNACK_LADDER_ZERO_WINDOW_PROBE)) {
        for (size_t k = m->head[e]; k < m->tail[e]; k++) {
            struct pending_ack *q = &m->q[e][k];
            if (ladder__seq_lt(q->seq, s->seq + len) && ladder__seq_lt(s->seq, q->end_seq))
                q->ambiguous = true;
            else if (!ladder__seq_lt(q->seq, s->seq + len))
                break;
        }
        return;
    }
    if (m->tail[e] == m->cap[e] && m->head[e] > 0) {
        memmove(m->q[e], m->q[e] + m->head[e], (m->tail[e] - m->head[e]) * sizeof *m->q[e]);
        m->tail[e] -= m->head[e];
        m->head[e] = 0;
    }
    if (m->tail[e] == m->cap[e]) {
        if (m->cap[e] >= PENDING_MAX)
            return;   /* see PENDING_MAX */
        if (!grow((void **)&m->q[e], &m->cap[e], m->tail[e] + 1, sizeof *m->q[e])) {
            b->failed = true;
            return;
        }
    }
    m->q[e][m->tail[e]++] = (struct pending_ack){s->seq, s->seq + len, t, false};
}

int synack_ladder_builder_decoded(struct synack_ladder_builder *b, synack_time_us when,
                                  const struct synack_packet_info *p, size_t payload_present,
                                  uint64_t number)
{
    struct synack_endpoint src, dst;
    struct synack_ladder_segment *s;
    bool no_room = false;        /* the diagram then only lacks some presumed losses */
    uint32_t lost;
    int from;

    if (b == NULL || p == NULL || b->mode == MODE_TRACE)
        return -SYNACK_EINVAL;
    b->mode = MODE_CAPTURE;
    if (!p->is_tcp)
        return 0;
    endpoints_of(p, &src, &dst);
    from = end_of(b, &src, &dst);
    if (from < 0) {
        b->l->info.other_segments++;
        return b->failed ? -SYNACK_ENOMEM : 0;
    }
    s = new_segment(b, from, p, payload_present);
    if (s == NULL)
        return -SYNACK_ENOMEM;
    s->packet_number = number;
    s->sent_at = s->arrived_at = when;   /* until the delays are known */
    if (when < b->seen_min[from])
        b->seen_min[from] = when;
    if (when > b->seen_max[from])
        b->seen_max[from] = when;
    note_segment(b, s);
    meter_feed(b, s, when);
    lost = ladder__presume(&b->presumer, s, &no_room);
    if (lost != 0) {
        long i = ladder__find_segment(b->l, lost);
        if (i >= 0)
            b->l->segs[i].marks |= LADDER_PRESUMED;
        else
            ladder__folder_presume(&b->folder, lost, from);
    }
    return b->failed ? -SYNACK_ENOMEM : 0;
}

int synack_ladder_builder_packet(struct synack_ladder_builder *b, synack_time_us when,
                                 const uint8_t *packet, size_t len, uint64_t number)
{
    struct synack_packet_info p;

    if (b == NULL || b->mode == MODE_TRACE)
        return -SYNACK_EINVAL;
    if (synack_packet_decode(packet, len, &p) < 0)
        return 0;   /* not ours to judge: a capture may hold anything */
    return synack_ladder_builder_decoded(b, when, &p, p.payload_len, number);
}

/* ---- Finishing ------------------------------------------------------------- */

static void set_names(struct synack_ladder_builder *b)
{
    struct synack_ladder *l = b->l;
    bool opened_by_left = l->seg_count > 0 && l->segs[0].number == 1 && (l->segs[0].flags & SYNACK_TCP_SYN) &&
                          !(l->segs[0].flags & SYNACK_TCP_ACK) && l->segs[0].from == 0;
    static const char *const roles[2] = {"client", "server"};
    static const char *const letters[2] = {"A", "B"};

    for (int e = 0; e < 2; e++) {
        const char *name = b->cfg.names[e];
        if (name == NULL && b->names[e][0] != '\0')
            name = b->names[e];
        if (name == NULL)
            name = opened_by_left || b->cfg.have_ends ? roles[e] : letters[e];
        snprintf(l->ends[e].name, sizeof l->ends[e].name, "%s", name);
        l->ends[e].ep = b->ep[e];
        /* An end that sent nothing: count from the first ACK it got. */
        if (!b->have_first[e] && b->have_ack_to[e])
            l->info.first_seq[e] = b->first_ack_to[e];
    }
}

/* Medians of each direction's flight times (the other direction's when
 * one has none; 0 when neither has), and the longest. */
static void flight_times(struct synack_ladder_builder *b, synack_time_us median[2], synack_time_us max[2])
{
    for (int e = 0; e < 2; e++) {
        median[e] = sample_median(&b->flights[e]);
        max[e] = b->flights[e].max;
    }
    for (int e = 0; e < 2; e++) {
        if (median[e] == SYNACK_TIME_NEVER && median[1 - e] != SYNACK_TIME_NEVER) {
            median[e] = median[1 - e];
            max[e] = max[1 - e];
        }
    }
}

static void finish_trace(struct synack_ladder_builder *b, struct ladder_fold_times *ft)
{
    struct synack_ladder *l = b->l;
    synack_time_us median[2], max[2];

    l->info.source = SYNACK_LADDER_FROM_TRACE;
    l->info.end_time = b->last_time;
    flight_times(b, median, max);
    for (int e = 0; e < 2; e++)
        l->typical_flight[e] = ft->typical_flight[e] = median[e] == SYNACK_TIME_NEVER ? 0 : median[e];
    for (size_t i = 0; i < l->seg_count; i++) {
        struct synack_ladder_segment *s = &l->segs[i];
        synack_time_us wait;
        if (s->arrival == SYNACK_LADDER_ARRIVED)
            continue;
        wait = max[s->from] == SYNACK_TIME_NEVER ? 1000000 : 2 * max[s->from];
        s->arrived_at = s->sent_at + (median[s->from] == SYNACK_TIME_NEVER ? 0 : median[s->from]);
        s->arrived_order = s->sent_order;
        if ((s->marks & SYNACK_LADDER_LOST) || b->last_time >= s->sent_at + wait) {
            s->arrival = SYNACK_LADDER_NEVER;
            s->marks |= SYNACK_LADDER_LOST;
        }
    }
    for (size_t i = 0; i < b->pcount; i++) {
        const struct pending_state *p = &b->pstates[i];
        for (int e = 0; e < 2; e++) {
            struct synack_ladder_state st;
            if (!synack_endpoint_equal(&p->local, &b->ep[e]) ||
                !synack_endpoint_equal(&p->remote, &b->ep[1 - e]))
                continue;
            memset(&st, 0, sizeof st);
            st.at = p->at;
            st.order = p->order;
            st.end = (uint8_t)e;
            st.old_state = p->old_state;
            st.state = p->new_state;
            if (l->ends[e].initial_state < 0)
                l->ends[e].initial_state = p->old_state;
            if (ladder__add_state(l, &st) < 0)
                b->failed = true;
        }
    }
    if (l->state_count == 0 && l->seg_count > 0) {
        if (ladder__infer_states(l) < 0)
            b->failed = true;
    }
}

static void finish_capture(struct synack_ladder_builder *b, struct ladder_fold_times *ft)
{
    struct synack_ladder *l = b->l;
    synack_time_us *sample = b->meter.sample, d[2], shift, first;

    l->info.source = SYNACK_LADDER_FROM_CAPTURE;
    for (int e = 0; e < 2; e++) {
        l->info.delay_measured[e] = sample[e] != SYNACK_TIME_NEVER;
        d[e] = l->info.delay_measured[e] ? sample[e] / 2 : 0;
    }
    if (l->info.delay_measured[0] != l->info.delay_measured[1]) {
        int known = l->info.delay_measured[0] ? 0 : 1;
        d[1 - known] = d[known];   /* no better guess than symmetry */
    }
    if (b->cfg.delay_given) {
        synack_time_us total = b->cfg.one_way_delay_us;
        double share = d[0] + d[1] > 0 ? (double)d[0] / (double)(d[0] + d[1]) : 0.5;
        d[0] = (synack_time_us)((double)total * share + 0.5);
        d[1] = total - d[0];
        l->info.delay_given = true;
    }
    l->info.delay_us[0] = d[0];
    l->info.delay_us[1] = d[1];
    /* A copy a retransmission repeated can have been lost after the
     * capture point only if that point is at least as near its sender as
     * its receiver. */
    ft->capture = true;
    ft->near_sender[0] = d[0] <= d[1];
    ft->near_sender[1] = d[1] <= d[0];

    first = b->seen_min[0] < b->seen_min[1] ? b->seen_min[0] : b->seen_min[1];
    shift = d[0] > d[1] ? d[0] : d[1];
    if (first == SYNACK_TIME_NEVER || first >= shift)
        shift = 0;   /* times stay those of the capture, unless they would go below zero */
    ft->shift = shift;
    ft->delay[0] = d[0];
    ft->delay[1] = d[1];
    for (int e = 0; e < 2; e++) {
        l->typical_flight[e] = l->info.segments > 0 ? d[0] + d[1] : 0;
        if (b->seen_min[e] != SYNACK_TIME_NEVER && b->seen_max[e] + shift + d[1 - e] > l->info.end_time)
            l->info.end_time = b->seen_max[e] + shift + d[1 - e];
    }
    for (size_t i = 0; i < l->seg_count; i++) {
        struct synack_ladder_segment *s = &l->segs[i];
        synack_time_us t = s->sent_at + shift;   /* sent_at held the time seen */
        if ((s->marks & LADDER_PRESUMED) && ft->near_sender[s->from])
            s->marks |= SYNACK_LADDER_LOST;
        s->sent_at = t - d[s->from];
        s->arrived_at = t + d[1 - s->from];
        s->sent_order = s->arrived_order = (uint64_t)(s->number - 1) * 4 + 2;
        s->arrival = (s->marks & SYNACK_LADDER_LOST) ? SYNACK_LADDER_NEVER : SYNACK_LADDER_ESTIMATED;
    }
    if (l->seg_count > 0 && ladder__infer_states(l) < 0)
        b->failed = true;
}

struct synack_ladder *synack_ladder_builder_finish(struct synack_ladder_builder *b)
{
    struct synack_ladder *l;
    struct ladder_fold_times ft;

    if (b == NULL)
        return NULL;
    l = b->l;
    memset(&ft, 0, sizeof ft);
    set_names(b);
    if (b->mode == MODE_CAPTURE)
        finish_capture(b, &ft);
    else
        finish_trace(b, &ft);
    if (ladder__folder_finish(&b->folder, l, &ft) < 0)
        b->failed = true;
    for (size_t i = 0; i < l->seg_count; i++)
        l->segs[i].marks &= LADDER_PUBLIC_MARKS;
    ladder__sort_states(l);
    l->info.origin = SYNACK_TIME_NEVER;
    for (size_t i = 0; i < l->seg_count; i++) {
        if (l->segs[i].sent_at < l->info.origin)
            l->info.origin = l->segs[i].sent_at;
    }
    for (size_t i = 0; i < l->fold_count; i++) {
        if (l->folds[i].from < l->info.origin)
            l->info.origin = l->folds[i].from;
    }
    if (l->info.origin == SYNACK_TIME_NEVER)
        l->info.origin = l->state_count ? l->states[0].at : 0;
    for (size_t i = 0; i < l->state_count; i++) {
        if (l->states[i].at > l->info.end_time)
            l->info.end_time = l->states[i].at;
    }
    if (b->failed) {
        synack_ladder_builder_free(b);
        return NULL;
    }
    b->l = NULL;
    synack_ladder_builder_free(b);
    return l;
}
