/*
 * fuzz_conn.c — one connection, driven step by step by the fuzzer: the
 * peer's segments, the application's calls and the clock, with the
 * connection's invariants checked after every step against a model of
 * both byte streams.
 *
 * The stack (198.18.0.2) talks to a peer that the harness plays itself
 * (198.18.0.1:40000).  The peer's segments are built from the input but
 * stay plausible so that the connection goes deep: checksums are right,
 * sequence numbers are chosen near the peer's own (next, a retransmission,
 * beyond a hole, or raw), acknowledgments near what the stack sent, and
 * the payload at sequence number s is always the byte of the peer's stream
 * at offset s - (peer ISS + 1), so that the stream is one well-defined
 * thing however the peer cuts, repeats or reorders it.  The peer's FIN,
 * once sent, stays where it was.
 *
 * Input: three configuration bytes (passive or active open, which options
 * the peer offers, whether the handshake is completed before the program
 * starts, buffer sizes, the peer's MSS, window scale and ISS — one ISS
 * sits just below 2^32 so that sequence numbers wrap), then steps:
 *   op & 15:  0-4  the peer sends a segment (fields follow);
 *             5    an ICMP error quoting the stack's latest packet
 *                  (type, code, quoted length from the input), from the
 *                  peer or from a router on the way;
 *             6    the application sends n bytes (its own stream);
 *             7    the application reads up to n bytes;
 *             8    shutdown (write, read, both);
 *             9    close;   10  abort;   11  accept (passive);
 *             12   setsockopt (NODELAY, SNDBUF, keepalive);
 *             13-15  the clock moves (a step from a table).
 *
 * Invariants checked after every step (and on every packet sent):
 *   - SND.UNA <= SND.NXT (sequence-wise), and what is unacknowledged fits
 *     in the send buffer plus SYN and FIN;
 *   - the send queue within SNDBUF; the receive queue plus out-of-order
 *     bytes, and the receive queue plus the advertised window, within
 *     RCVBUF;
 *   - every byte the application reads is exactly the next byte of the
 *     peer's stream (no byte twice, none skipped, none out of order, none
 *     altered), never beyond what the peer sent, and end of stream comes
 *     exactly at the peer's FIN;
 *   - every byte the stack sends is the application's byte at that offset
 *     and was given to send(), and lies within the furthest right edge the
 *     peer's window ever offered (one byte beyond: a zero-window probe,
 *     RFC 9293 §3.8.6.1); its SYN carries its ISS; its FIN comes only
 *     after shutdown/close, right after the last byte; it never
 *     acknowledges (nor SACKs) what the peer never sent; every packet is
 *     well formed with a correct checksum and the connection's 4-tuple;
 *   - state changes (from the trace hook) only along RFC 9293's diagram,
 *     and getinfo's state is the one the events say;
 *   - at the end, with the application gone and the peer silent, the
 *     stack lets go of the connection within 30 virtual minutes, and no
 *     memory leaks (ASan).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "ipv4.h"
#include "seq.h"
#include "tcp_wire.h"

#define STACK_ADDR synack_addr_v4(198, 18, 0, 2)
#define PEER_ADDR synack_addr_v4(198, 18, 0, 1)
#define STACK_PORT 80
#define PEER_PORT 40000
#define STACK_ISS 0x10000000u
#define MAX_STEPS 400

/* Byte `off` of each stream: no short period, so that a byte delivered
 * twice or from the wrong place never matches by chance. */
static uint8_t peer_byte(uint32_t off) { return (uint8_t)(((off * 2654435761u) >> 13) ^ (off >> 11)); }
static uint8_t app_byte(uint32_t off) { return (uint8_t)(((off * 2246822519u) >> 11) ^ (off >> 9) ^ 0x5a); }

struct model {
    struct synack_stack *st;
    struct fz_states states;
    synack_time_us now;
    int listener, sock;           /* -1 when none */
    bool passive;
    uint32_t sndbuf, rcvbuf;
    bool peer_ts, peer_sack, peer_ws;
    uint16_t peer_mss;
    uint8_t peer_wscale;

    /* The peer's stream: bytes at offsets [0, p_max) have been sent at
     * least once; a FIN, once sent, ends it at p_fin_off. */
    uint32_t p_iss;
    uint32_t p_next;              /* offset the peer sends next by default */
    uint32_t p_max;
    bool p_syn_sent, p_fin_sent;
    uint32_t p_fin_off;
    uint32_t p_tsval;
    /* What the application has read of it. */
    uint32_t app_read;
    bool app_eof, read_shut;

    /* The stack's stream: the application gave it [0, app_sent). */
    uint32_t app_sent;
    bool app_done;                /* shutdown(WR) or close: a FIN may follow */
    bool a_syn_seen;
    uint32_t a_iss;
    uint32_t a_max;               /* highest sequence number (+len) the stack sent */
    uint32_t a_una;               /* SND.UNA as getinfo last said */
    uint32_t a_tsval;             /* latest TSval the stack sent */
    bool a_fin_seen;
    uint64_t sent_packets;
    /* The right edge of the peer's window (SEG.ACK + SEG.WND), the
     * furthest it ever offered: the stack may send no data beyond it but a
     * one-byte zero-window probe (RFC 9293 §3.8.6.1).  Counted from the
     * stack's ISS without wrapping (windows reach 2^30 with scaling, so
     * edges compared on the 32-bit circle could pass each other). */
    bool edge_valid;
    int64_t max_edge;
    bool syn_window_pending;      /* the peer's SYN offered a window before the stack's ISS was known */
    uint16_t syn_window;
    uint8_t last_out[1600];       /* the stack's latest packet, for ICMP quotes */
    size_t last_out_len;
};

static struct model M;

static uint32_t p_seq(uint32_t off) { return M.p_iss + 1 + off; }

/* An edge offered, `edge` bytes after the stack's ISS. */
static void note_edge(int64_t edge)
{
    if (!M.edge_valid || edge > M.max_edge)
        M.max_edge = edge;
    M.edge_valid = true;
}

/* ---- what the stack sends ---- */

static void check_segment(const struct tcp_segment *seg)
{
    FZ_CHECK(seg->src_port == STACK_PORT && seg->dst_port == PEER_PORT, "segment %u -> %u is not this connection's",
             seg->src_port, seg->dst_port);
    if (seg->flags & TCP_SYN) {
        FZ_CHECK(!(seg->flags & (TCP_FIN | TCP_RST)), "SYN with FIN or RST (flags %#x)", seg->flags);
        if (M.a_syn_seen) {
            FZ_CHECK(seg->seq == M.a_iss, "SYN seq %u, but the ISS was %u", seg->seq, M.a_iss);
        } else {
            M.a_syn_seen = true;
            M.a_iss = M.a_una = seg->seq;
            M.a_max = seg->seq + 1;
            if (M.syn_window_pending)
                note_edge(1 + (int64_t)M.syn_window);
        }
        FZ_CHECK(seg->payload_len == 0, "SYN with %u bytes of data", seg->payload_len);
    }
    if ((seg->flags & TCP_ACK) && !(seg->flags & TCP_RST) && M.p_syn_sent) {
        /* Never acknowledge what the peer never sent.  (A reset for a
         * segment with no connection echoes that segment's SEQ+LEN,
         * RFC 9293 §3.10.7.1, whatever it was.) */
        uint32_t peer_end = p_seq(M.p_max) + (M.p_fin_sent ? 1 : 0);
        FZ_CHECK(seq_leq(seg->ack, peer_end), "ACK %u beyond the peer's last sequence number %u", seg->ack, peer_end);
        for (unsigned i = 0; i < seg->opt.sack_count; i++)
            FZ_CHECK(seq_leq(seg->opt.sack[i].right, peer_end) && seq_lt(seg->opt.sack[i].left, seg->opt.sack[i].right),
                     "SACK block %u-%u beyond %u or empty", seg->opt.sack[i].left, seg->opt.sack[i].right, peer_end);
    }
    if (seg->opt.has_timestamp)
        M.a_tsval = seg->opt.ts_val;
    if (!M.a_syn_seen || (seg->flags & TCP_RST))
        return;
    /* Data: the application's bytes at their offsets, nothing it did not
     * give, nothing beyond the peer's window but a probe byte. */
    if (seg->payload_len && M.edge_valid)
        FZ_CHECK((int64_t)seq_diff(seg->seq + seg->payload_len, M.a_iss) <= M.max_edge + 1,
                 "data up to ISS+%d beyond the peer's window (right edge at most ISS+%lld)",
                 seq_diff(seg->seq + seg->payload_len, M.a_iss), (long long)M.max_edge);
    if (seg->payload_len) {
        int32_t off = seq_diff(seg->seq, M.a_iss + 1);
        FZ_CHECK(off >= 0 && (uint32_t)off + seg->payload_len <= M.app_sent,
                 "data at offset %d, %u bytes, but the application gave %u", off, seg->payload_len, M.app_sent);
        for (uint32_t i = 0; i < seg->payload_len; i++)
            FZ_CHECK(seg->payload[i] == app_byte((uint32_t)off + i), "byte %u sent is %#x, the application's is %#x",
                     (uint32_t)off + i, seg->payload[i], app_byte((uint32_t)off + i));
    }
    if (seg->flags & TCP_FIN) {
        FZ_CHECK(M.app_done, "FIN before the application closed or shut down");
        FZ_CHECK(seg->seq + seg->payload_len == M.a_iss + 1 + M.app_sent, "FIN at %u, the stream ends at %u",
                 seg->seq + seg->payload_len, M.a_iss + 1 + M.app_sent);
        M.a_fin_seen = true;
    }
    uint32_t end = seg->seq + tcp_seg_len(seg);
    if (seq_gt(end, M.a_max))
        M.a_max = end;
}

static int transmit(void *ctx, const uint8_t *pkt, size_t len)
{
    (void)ctx;
    fz_check_sent_packet(pkt, len);
    M.sent_packets++;
    M.last_out_len = len < sizeof M.last_out ? len : sizeof M.last_out;
    memcpy(M.last_out, pkt, M.last_out_len);
    if (fz_verbose())
        fz_print_packet("stack >", M.now, pkt, len);
    struct ipv4_packet ip;
    enum synack_drop_reason why;
    if (!ipv4_parse(pkt, len, &ip, &why) || ip.proto != IP_PROTO_TCP)
        return 0;   /* ICMP and the like: not this connection's business */
    struct tcp_segment seg;
    if (tcp_parse(ip.payload, ip.payload_len, &seg, &why))
        check_segment(&seg);
    return 0;
}

static void on_trace(void *ctx, const struct synack_trace_event *ev)
{
    (void)ctx;
    fz_states_event(&M.states, ev);
}

static uint32_t isn_hook(void *ctx, const struct synack_endpoint *l, const struct synack_endpoint *r,
                         synack_time_us now)
{
    (void)ctx, (void)l, (void)r, (void)now;
    return STACK_ISS;
}

/* ---- the peer ---- */

struct peer_seg {
    uint8_t flags;
    uint32_t seq, ack;
    uint16_t window;
    uint32_t off, len;            /* payload: the peer's stream [off, off+len) */
    bool has_payload;
    uint8_t nsack;
    uint32_t sack[3][2];
    bool ts_old;
};

static void peer_send(const struct peer_seg *ps)
{
    static uint8_t payload[4096], pkt[IPV4_HEADER_LEN + TCP_HEADER_MAX + 4096];
    uint32_t len = ps->has_payload ? ps->len : 0;
    if (len > sizeof payload)
        len = sizeof payload;
    for (uint32_t i = 0; i < len; i++)
        payload[i] = peer_byte(ps->off + i);
    struct tcp_options opt;
    memset(&opt, 0, sizeof opt);
    if (ps->flags & TCP_SYN) {
        opt.has_mss = true;
        opt.mss = M.peer_mss;
        opt.sack_permitted = M.peer_sack;
        opt.has_wscale = M.peer_ws;
        opt.wscale = M.peer_wscale;
    }
    if (M.peer_ts) {
        M.p_tsval += 1 + (uint32_t)(M.now / 1000 % 7);
        opt.has_timestamp = true;
        opt.ts_val = ps->ts_old ? M.p_tsval - 100000 : M.p_tsval;
        opt.ts_ecr = M.a_tsval;
    }
    opt.sack_count = ps->nsack;
    for (unsigned i = 0; i < ps->nsack; i++) {
        opt.sack[i].left = ps->sack[i][0];
        opt.sack[i].right = ps->sack[i][1];
    }
    struct synack_addr src = PEER_ADDR, dst = STACK_ADDR;
    struct tcp_header_out h = { .src_port = PEER_PORT, .dst_port = STACK_PORT, .seq = ps->seq, .ack = ps->ack,
                                .flags = ps->flags, .window = ps->window, .opt = &opt };
    size_t n = fz_tcp_packet(pkt, sizeof pkt, &src, &dst, &h, NULL, 0, payload, len);
    if (!n)
        return;
    if (ps->has_payload && len) {
        if (ps->off + len > M.p_max)
            M.p_max = ps->off + len;
    }
    if ((ps->flags & TCP_FIN) && !M.p_fin_sent) {
        M.p_fin_sent = true;
        M.p_fin_off = ps->off + len;
    }
    if (ps->flags & TCP_SYN)
        M.p_syn_sent = true;
    /* The window this segment offers (never scaled in a SYN, RFC 7323
     * §2.2; otherwise by the peer's shift at most, whether or not the
     * stack took it).  Acknowledgments the stack would refuse (beyond what
     * it sent, or older than any window allows) offer nothing. */
    if (!(ps->flags & TCP_ACK) && (ps->flags & TCP_SYN)) {
        if (M.a_syn_seen)
            note_edge(1 + (int64_t)ps->window);
        else {
            M.syn_window_pending = true;
            M.syn_window = ps->window;
        }
    } else if ((ps->flags & TCP_ACK) && M.a_syn_seen) {
        /* The stack takes acknowledgments in SND.UNA - MAX.SND.WND ..
         * SND.MAX (RFC 5961 §5.2), MAX.SND.WND < 2^30. */
        int64_t ack = seq_diff(ps->ack, M.a_iss), max = seq_diff(M.a_max, M.a_iss);
        int64_t una = seq_diff(M.a_una, M.a_iss);
        if (ack <= max && ack >= una - (1ll << 30)) {
            uint8_t shift = (ps->flags & TCP_SYN) || !M.peer_ws ? 0 : M.peer_wscale > 14 ? 14 : M.peer_wscale;
            note_edge(ack + ((int64_t)ps->window << shift));
        }
    }
    if (fz_verbose())
        fz_print_packet("peer  >", M.now, pkt, n);
    synack_input(M.st, 0, pkt, n, M.now);
    synack_poll(M.st, M.now);
}

/* The segment of a peer-send step, from the input. */
static void step_peer(uint8_t op, struct fz_in *in)
{
    struct peer_seg ps;
    memset(&ps, 0, sizeof ps);
    uint8_t kind = fz_u8(in), modes = fz_u8(in);
    ps.flags = TCP_ACK;
    /* Where its bytes sit in the peer's stream. */
    uint32_t off = M.p_next;
    switch (modes & 3) {
    case 0: break;                                             /* the next new bytes */
    case 1: off = M.p_next > 0 ? M.p_next - 1 - fz_u16(in) % M.p_next : 0; break;   /* again */
    case 2: off = M.p_next + 1 + fz_u16(in) % 20000; break;    /* beyond a hole */
    default: off = fz_u16(in) % (M.p_max + 1); break;          /* anywhere sent */
    }
    uint32_t len = (kind & 0x80) ? fz_u16(in) % 3000 : (op & 1) ? 1 + fz_u8(in) * 4u : 0;
    if (M.p_fin_sent) {
        /* The stream ends at the FIN: nothing beyond it, ever. */
        if (off > M.p_fin_off)
            off = M.p_fin_off;
        if (off + len > M.p_fin_off)
            len = M.p_fin_off - off;
    }
    ps.off = off;
    ps.len = len;
    ps.has_payload = true;
    ps.seq = p_seq(off);
    /* Its acknowledgment. */
    switch ((modes >> 2) & 3) {
    case 0: ps.ack = M.a_max; break;                            /* everything sent */
    case 1: ps.ack = M.a_una + (M.a_max - M.a_una ? fz_u16(in) % (M.a_max - M.a_una + 1) : 0); break;
    case 2: ps.ack = M.a_una - fz_u8(in); break;                /* old */
    default: ps.ack = fz_u32(in); break;
    }
    switch ((modes >> 4) & 3) {
    case 0: ps.window = 65535; break;
    case 1: ps.window = fz_u16(in); break;
    case 2: ps.window = 0; break;
    default: ps.window = fz_u8(in); break;
    }
    ps.ts_old = (modes & 0x40) && (kind & 0x40);
    /* SACK blocks over what the stack sent (RFC 2018 §4), when offered. */
    if (M.peer_sack && (modes & 0x80)) {
        ps.nsack = (uint8_t)(1 + fz_u8(in) % 3);
        for (unsigned i = 0; i < ps.nsack; i++) {
            uint32_t span = M.a_max - M.a_una + 1;
            uint32_t l = M.a_una + fz_u16(in) % span, r = l + 1 + fz_u16(in) % span;
            ps.sack[i][0] = l;
            ps.sack[i][1] = r;
        }
    }
    /* Flags: mostly ACK with data; sometimes FIN, RST, SYN, or no ACK. */
    switch (kind & 7) {
    case 0: case 1: case 2: break;
    case 3:
        /* FIN: where the stream ends (the same place every time). */
        if (M.p_fin_sent ? ps.off + ps.len == M.p_fin_off : ps.off + ps.len >= M.p_max)
            ps.flags |= TCP_FIN;
        break;
    case 4:
        ps.flags = (kind & 8) ? TCP_RST | TCP_ACK : TCP_RST;
        ps.has_payload = false;
        if (kind & 0x10)
            ps.seq = fz_u32(in);
        break;
    case 5:
        /* SYN (with ACK when the stack sent its SYN): the peer's ISS again. */
        ps.flags = (kind & 8) && M.a_syn_seen ? TCP_SYN | TCP_ACK : TCP_SYN;
        if (ps.flags & TCP_ACK)
            ps.ack = (kind & 0x10) ? M.a_iss + 1 : ps.ack;
        ps.seq = M.p_iss;
        ps.has_payload = false;
        break;
    case 6:
        ps.flags = (kind & 8) ? TCP_PSH : 0;   /* no ACK */
        break;
    default:
        ps.flags |= TCP_PSH | ((kind & 8) ? TCP_URG : 0);
        break;
    }
    if (!ps.has_payload)
        ps.len = 0;
    if (ps.has_payload && ps.off + ps.len > M.p_next && (modes & 3) == 0)
        M.p_next = ps.off + ps.len;
    peer_send(&ps);
}

/* An ICMP error about the stack's latest packet (RFC 792; what it does to
 * the connection: RFC 1122 §4.2.3.9, RFC 5927). */
static void step_icmp(struct fz_in *in)
{
    static const uint8_t types[4] = { 3, 11, 12, 4 };
    uint8_t sel = fz_u8(in), code = fz_u8(in) % 16;
    if (!M.last_out_len)
        return;
    size_t q = (sel & 4) ? M.last_out_len : IPV4_HEADER_LEN + 8;
    if (q > M.last_out_len)
        q = M.last_out_len;
    static uint8_t pkt[IPV4_HEADER_LEN + 8 + sizeof M.last_out];
    uint8_t *m = pkt + IPV4_HEADER_LEN;
    memset(m, 0, 8);
    m[0] = types[sel & 3];
    m[1] = code;
    if (m[0] == 3 && code == 4)
        m[7] = (uint8_t)(sel & 0xf0);   /* next-hop MTU (RFC 1191), low byte */
    memcpy(m + 8, M.last_out, q);
    struct synack_addr src = (sel & 8) ? synack_addr_v4(198, 18, 0, 9) : PEER_ADDR, dst = STACK_ADDR;
    ipv4_write_header(pkt, &src, &dst, IP_PROTO_ICMP, (uint16_t)(8 + q), 64, 11, false);
    fz_fix_packet(pkt, IPV4_HEADER_LEN + 8 + q, FZ_FIX_L4);
    if (fz_verbose())
        fprintf(stderr, "%10.3f ms peer  > ICMP type %u code %u quoting %zu bytes\n", (double)M.now / 1000.0, m[0],
                code, q);
    synack_input(M.st, 0, pkt, IPV4_HEADER_LEN + 8 + q, M.now);
    synack_poll(M.st, M.now);
}

/* ---- the application ---- */

static void app_send(uint32_t n)
{
    if (M.sock < 0)
        return;
    static uint8_t buf[65536];
    if (n > sizeof buf)
        n = sizeof buf;
    for (uint32_t i = 0; i < n; i++)
        buf[i] = app_byte(M.app_sent + i);
    struct synack_tcp_info before;
    bool have = synack_getinfo(M.st, M.sock, &before) == 0;
    ssize_t rc = synack_send(M.st, M.sock, buf, n);
    if (rc > 0) {
        FZ_CHECK(!M.app_done, "send accepted %zd bytes after shutdown/close", rc);
        FZ_CHECK((size_t)rc <= n, "send took %zd of %u bytes", rc, n);
        M.app_sent += (uint32_t)rc;
    } else if (rc == -SYNACK_EAGAIN && have) {
        FZ_CHECK(before.send_queue_bytes >= M.sndbuf, "send said EAGAIN with %u of %u bytes queued",
                 before.send_queue_bytes, M.sndbuf);
    }
    synack_poll(M.st, M.now);
}

static void app_recv(uint32_t n)
{
    if (M.sock < 0)
        return;
    static uint8_t buf[70000];
    if (n > sizeof buf)
        n = sizeof buf;
    uint32_t ready = synack_socket_ready(M.st, M.sock);
    ssize_t rc = synack_recv(M.st, M.sock, buf, n);
    if (rc > 0) {
        FZ_CHECK(!M.read_shut, "recv returned %zd bytes after SHUT_RD", rc);
        FZ_CHECK(!M.app_eof, "recv returned %zd bytes after end of stream", rc);
        FZ_CHECK(M.app_read + (uint32_t)rc <= M.p_max, "read up to %u, but the peer sent only %u",
                 M.app_read + (uint32_t)rc, M.p_max);
        for (uint32_t i = 0; i < (uint32_t)rc; i++)
            FZ_CHECK(buf[i] == peer_byte(M.app_read + i), "byte %u read is %#x, the peer's is %#x (read %zd at %u)",
                     M.app_read + i, buf[i], peer_byte(M.app_read + i), rc, M.app_read);
        M.app_read += (uint32_t)rc;
    } else if (rc == 0 && n > 0 && !M.read_shut) {
        /* End of stream: exactly at the peer's FIN, or a connection that
         * ended (reset, timeout) after its error was taken. */
        struct synack_tcp_info ti;
        bool closed = synack_getinfo(M.st, M.sock, &ti) == 0 && ti.state == SYNACK_TCP_CLOSED;
        FZ_CHECK(closed || (M.p_fin_sent && M.app_read == M.p_fin_off),
                 "end of stream at %u, but the peer's FIN is %s %u", M.app_read, M.p_fin_sent ? "at" : "not sent;",
                 M.p_fin_off);
        if (M.p_fin_sent && M.app_read == M.p_fin_off)
            M.app_eof = true;
    } else if (rc == -SYNACK_EAGAIN) {
        FZ_CHECK(!(ready & SYNACK_READABLE), "READABLE, yet recv says EAGAIN");
    }
    synack_poll(M.st, M.now);
}

static void app_gone(void)
{
    M.sock = -1;
    M.app_done = true;
}

static void step_app(uint8_t op, struct fz_in *in)
{
    switch (op & 15) {
    case 6: app_send(1 + fz_u16(in) % 20000); break;
    case 7: app_recv(1 + fz_u16(in) % 70000); break;
    case 8: {
        uint8_t how = fz_u8(in) % 3;
        if (M.sock >= 0 && synack_shutdown(M.st, M.sock, how) == 0) {
            if (how != SYNACK_SHUT_RD)
                M.app_done = true;
            if (how != SYNACK_SHUT_WR)
                M.read_shut = true;
        }
        synack_poll(M.st, M.now);
        break;
    }
    case 9:
        if (M.sock >= 0)
            synack_close(M.st, M.sock);
        app_gone();
        synack_poll(M.st, M.now);
        break;
    case 10:
        if (M.sock >= 0)
            synack_abort(M.st, M.sock);
        app_gone();
        synack_poll(M.st, M.now);
        break;
    case 11:
        if (M.listener >= 0 && M.sock < 0 && !M.app_done) {
            uint32_t ready = synack_socket_ready(M.st, M.listener);
            int h = synack_accept(M.st, M.listener, NULL);
            FZ_CHECK(!(ready & SYNACK_READABLE) || h >= 0, "listener READABLE, yet accept says %d", h);
            if (h >= 0)
                M.sock = h;
        }
        synack_poll(M.st, M.now);
        break;
    default: {
        uint8_t which = fz_u8(in);
        if (M.sock < 0)
            break;
        switch (which & 3) {
        case 0: synack_setsockopt(M.st, M.sock, SYNACK_OPT_NODELAY, which >> 2 & 1); break;
        case 1: {
            static const uint32_t sizes[4] = { 1, 1000, 8192, 200000 };
            uint32_t v = sizes[which >> 2 & 3];
            if (synack_setsockopt(M.st, M.sock, SYNACK_OPT_SNDBUF, v) == 0)
                M.sndbuf = v;
            break;
        }
        default:
            synack_setsockopt(M.st, M.sock, SYNACK_OPT_KEEPIDLE, 1 + (which >> 2 & 7));
            synack_setsockopt(M.st, M.sock, SYNACK_OPT_KEEPINTVL, 1);
            synack_setsockopt(M.st, M.sock, SYNACK_OPT_KEEPCNT, 1 + (which >> 5));
            synack_setsockopt(M.st, M.sock, SYNACK_OPT_KEEPALIVE, 1);
            break;
        }
        synack_poll(M.st, M.now);
        break;
    }
    }
}

/* ---- time ---- */

static void advance(synack_time_us delta) { fz_advance(M.st, &M.now, delta); }

/* ---- invariants ---- */

static void check_invariants(void)
{
    fz_check_stats(M.st, &M.states, synack_stack_stats(M.st)->ip_in_receives);
    if (M.sock < 0)
        return;
    struct synack_tcp_info ti;
    FZ_CHECK(synack_getinfo(M.st, M.sock, &ti) == 0, "getinfo failed on an open socket");
    if (!ti.conn_id)
        return;
    int followed = fz_states_get(&M.states, ti.conn_id);
    FZ_CHECK(followed < 0 || followed == ti.state, "getinfo says %s, the events %s", synack_tcp_state_name(ti.state),
             synack_tcp_state_name(followed));
    FZ_CHECK(ti.bytes_received <= M.p_max, "%llu bytes received in order, the peer sent %u",
             (unsigned long long)ti.bytes_received, M.p_max);
    FZ_CHECK(ti.recv_queue_bytes + ti.ooo_bytes <= M.rcvbuf, "receive queue %u + out of order %u > RCVBUF %u",
             ti.recv_queue_bytes, ti.ooo_bytes, M.rcvbuf);
    if (ti.state == SYNACK_TCP_CLOSED)
        return;
    M.a_una = ti.snd_una;
    FZ_CHECK(seq_leq(ti.snd_una, ti.snd_nxt), "SND.UNA %u after SND.NXT %u in %s", ti.snd_una, ti.snd_nxt,
             synack_tcp_state_name(ti.state));
    FZ_CHECK(seq_leq(ti.snd_nxt, M.a_max) || !M.a_syn_seen, "SND.NXT %u beyond anything sent (%u)", ti.snd_nxt,
             M.a_max);
    FZ_CHECK(ti.unacked_bytes <= ti.send_queue_bytes + 2, "%u bytes unacknowledged, %u in the send buffer (%s)",
             ti.unacked_bytes, ti.send_queue_bytes, synack_tcp_state_name(ti.state));
    FZ_CHECK(ti.in_flight_bytes <= ti.unacked_bytes, "pipe %u above %u unacknowledged", ti.in_flight_bytes,
             ti.unacked_bytes);
    FZ_CHECK(ti.send_queue_bytes <= M.sndbuf, "send queue %u > SNDBUF %u", ti.send_queue_bytes, M.sndbuf);
    FZ_CHECK(ti.recv_queue_bytes + ti.rcv_wnd <= M.rcvbuf, "receive queue %u + window %u > RCVBUF %u",
             ti.recv_queue_bytes, ti.rcv_wnd, M.rcvbuf);
    FZ_CHECK(M.app_read + ti.recv_queue_bytes <= M.p_max || M.read_shut, "read %u + queued %u beyond the %u sent",
             M.app_read, ti.recv_queue_bytes, M.p_max);
}

/* ---- setup ---- */

static void setup(struct fz_in *in)
{
    uint8_t c0 = fz_u8(in), c1 = fz_u8(in), c2 = fz_u8(in);
    static const uint32_t rcvbufs[5] = { 2048, 4096, 16384, 65535, 200000 };
    static const uint32_t sndbufs[4] = { 1000, 4096, 16384, 100000 };
    static const uint16_t msss[4] = { 536, 1000, 1460, 100 };
    static const uint32_t isss[4] = { 1000, 0x7ffffff0u, 0xfffffc00u, 0xffffffffu };
    memset(&M, 0, sizeof M);
    M.listener = M.sock = -1;
    M.passive = !(c0 & 1);
    M.peer_ts = c0 & 2;
    M.peer_sack = c0 & 4;
    M.peer_ws = c0 & 8;
    M.rcvbuf = rcvbufs[c1 % 5];
    M.sndbuf = sndbufs[(c1 >> 3) & 3];
    M.peer_mss = msss[c2 & 3];
    M.peer_wscale = (uint8_t)((c2 >> 2) & 15);
    M.p_iss = isss[(c2 >> 6) & 3];
    M.p_tsval = 5000;
    struct synack_config cfg;
    synack_config_default(&cfg);
    cfg.name = "stack";
    cfg.secret = 42;
    cfg.isn_hook = isn_hook;
    cfg.trace = on_trace;
    cfg.rcvbuf_bytes = M.rcvbuf;
    cfg.sndbuf_bytes = M.sndbuf;
    cfg.congestion = (c0 & 0x20) ? SYNACK_CC_NEWRENO : SYNACK_CC_CUBIC;
    cfg.syn_retries = 3;
    cfg.data_retries = 4;
    cfg.rto_max_us = 5000000;
    cfg.msl_us = 1000000;
    M.st = synack_stack_new(&cfg);
    FZ_CHECK(M.st != NULL, "synack_stack_new failed");
    struct synack_iface_config ic = { .addr = STACK_ADDR, .prefix_len = 24, .mtu = 1500, .transmit = transmit };
    FZ_CHECK(synack_iface_add(M.st, &ic) == 0, "synack_iface_add failed");
    struct synack_endpoint local = synack_endpoint_make(STACK_ADDR, STACK_PORT);
    struct synack_endpoint remote = synack_endpoint_make(PEER_ADDR, PEER_PORT);
    bool complete = (c0 & 0xc0) != 0xc0;
    if (M.passive) {
        M.listener = synack_socket(M.st);
        synack_bind(M.st, M.listener, &local);
        synack_listen(M.st, M.listener, 2);
        synack_poll(M.st, M.now);
        struct peer_seg syn = { .flags = TCP_SYN, .seq = M.p_iss, .window = 65535 };
        peer_send(&syn);
        if (complete) {
            struct peer_seg ack = { .flags = TCP_ACK, .seq = p_seq(0), .ack = M.a_max, .window = 65535 };
            peer_send(&ack);
            M.sock = synack_accept(M.st, M.listener, NULL);
            synack_poll(M.st, M.now);
        }
    } else {
        M.sock = synack_socket(M.st);
        synack_bind(M.st, M.sock, &local);
        synack_connect(M.st, M.sock, &remote);
        synack_poll(M.st, M.now);
        if (complete) {
            struct peer_seg synack = { .flags = TCP_SYN | TCP_ACK, .seq = M.p_iss, .ack = M.a_iss + 1, .window = 65535 };
            peer_send(&synack);
        }
    }
    M.now = 1000;
    check_invariants();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = { .p = data, .len = size };
    setup(&in);
    for (unsigned step = 0; step < MAX_STEPS && fz_left(&in); step++) {
        uint8_t op = fz_u8(&in);
        uint8_t k = op & 15;
        if (k <= 4) {
            step_peer(op, &in);
        } else if (k == 5) {
            step_icmp(&in);
        } else if (k <= 12) {
            step_app(op, &in);
        } else {
            static const synack_time_us step_us[8] = { 1000, 10000, 40000, 200000, 1000000, 3000000, 20000000, 120000000 };
            advance(step_us[(op >> 4) & 7] * (1 + (op >> 7)));
        }
        check_invariants();
    }
    /* The application lets go, the peer falls silent: within 30 virtual
     * minutes every retransmission, probe and TIME-WAIT must have ended. */
    if (M.sock >= 0)
        synack_close(M.st, M.sock);
    if (M.listener >= 0)
        synack_close(M.st, M.listener);
    app_gone();
    M.listener = -1;
    synack_poll(M.st, M.now);
    advance(1800ull * 1000000);
    check_invariants();
    FZ_CHECK(synack_stack_connections(M.st, true) == 0, "%u connections still held 30 minutes after the end",
             synack_stack_connections(M.st, true));
    synack_stack_free(M.st);
    M.st = NULL;
    return 0;
}
