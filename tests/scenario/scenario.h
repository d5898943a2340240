/*
 * scenario.h — scripted exchanges between a synack stack and a peer that
 * the test plays by hand, on a clock the test moves itself.
 *
 *     struct scenario s;
 *     scenario_listen(&s, 80, .iss = 8000, .mss = 1024);
 *     at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
 *                 expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1024));
 *     ...
 *     scenario_end(&s);
 *
 * Directions are named from the stack's side: peer_sends() is a segment
 * arriving at the stack, expect_sent() takes the next segment the stack
 * transmitted.  A mismatch prints both segments tcpdump-style, and a
 * failed scenario leaves its packets in scenario-<test>.pcap (with
 * SYNACK_SCENARIO_PCAP_DIR set, every scenario leaves them there: the fuzz
 * corpus is made from them).  The stack
 * is 198.18.0.2, the peer 198.18.0.1 (port 40000 unless set).
 */
#ifndef SYNACK_TEST_SCENARIO_H
#define SYNACK_TEST_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/synack.h"
#include "tcp_wire.h"
#include "test.h"

#define SYN TCP_SYN
#define ACK TCP_ACK
#define FIN TCP_FIN
#define RST TCP_RST
#define PSH TCP_PSH

/* What a segment is (to send) or must be (to expect).  Unset fields are
 * not checked: win is checked when non-zero or when win_zero is set, mss
 * when non-zero; seq and ack are always checked (ack only with ACK set);
 * the payload length always (data/len), PSH only when the spec has it. */
struct seg_spec {
    uint8_t flags;
    uint32_t seq, ack;
    uint32_t win;
    bool win_zero;
    uint16_t mss;
    const char *data;       /* payload text; len defaults to strlen(data) */
    uint32_t len;           /* payload length (bytes of a repeating pattern when data is NULL) */
    uint16_t sport, dport;  /* peer-side ports; 0 = the scenario's */
    bool bad_checksum;      /* peer_sends: corrupt the checksum */
    /* Options.  peer_sends writes those set; expect_sent checks those set
     * (and, with no_sack / no_ts, that they are absent). */
    bool sack_ok;           /* SACK-permitted (RFC 2018 §2) */
    bool has_ws;            /* window scale option (RFC 7323 §2) with shift ws */
    uint8_t ws;
    bool ts;                /* timestamps (RFC 7323 §3): tsval, tsecr */
    uint32_t tsval, tsecr;
    bool ts_ecr_check;      /* expect_sent: also compare TSecr (TSval is the stack's clock) */
    uint8_t nsack;          /* SACK blocks [left, right), in order */
    uint32_t sack[4][2];
    bool no_sack, no_ts;    /* expect_sent: must carry no SACK blocks / no timestamps */
};
#define SEG(fl, ...) ((struct seg_spec){ .flags = (fl), __VA_ARGS__ })

struct scenario_opts {
    uint32_t iss;             /* stack's ISS (forced) */
    uint16_t mss;             /* MSS the stack announces (0: from MTU 1500) */
    uint16_t port;            /* stack's port */
    uint16_t peer_port;       /* default 40000 */
    int backlog;              /* default 8 */
    uint32_t rcvbuf, sndbuf;  /* 0: 65535 and 256 KiB (a classic stack's windows) */
    synack_time_us delack_us; /* 0: default */
    synack_time_us msl_us;    /* 0: default */
    synack_time_us rto_min_us, rto_initial_us;
    uint32_t syn_retries, data_retries;
    const char *cc;           /* congestion control by name; NULL: the default (cubic) */
    uint32_t icmp_error_rate, icmp_error_burst;      /* 0: defaults (100/s, 50) */
    uint32_t ipfrag_max_datagrams, ipfrag_max_bytes; /* 0: defaults (64, 4 MiB) */
    synack_time_us ipfrag_timeout_us;                /* 0: default (30 s) */
    uint32_t challenge_ack_rate, challenge_ack_burst; /* 0: defaults (1000/s, 1000) */
    bool challenge_ack_unlimited;                     /* rate 0, burst 0: no limit */
    uint32_t syn_queue_len;   /* 0: default (256) */
    uint32_t syn_queue_total; /* 0: default (4096) */
    bool syncookies_always;   /* syn_queue_len 0: every SYN is answered with a cookie */
    bool no_syncookies;       /* SYN cookies off (a full SYN queue drops SYNs) */
    uint32_t max_connections; /* 0: default (65536) */
    uint64_t mem_max_bytes, mem_pressure_bytes;       /* 0: defaults (256 MiB, 7/8 of it) */
    uint32_t ooo_max_bytes;                           /* 0: default (the receive buffer) */
    uint64_t ooo_stack_max_bytes;                     /* 0: default (64 MiB) */
    const char *plpmtud;                              /* "off", "blackhole", "always"; NULL: the default */
    synack_time_us pmtu_expires_us;                   /* 0: default (10 min) */
};

#define SCENARIO_MAX_PACKETS 4096

struct scenario_packet {
    synack_time_us when;
    bool outgoing;            /* sent by the stack */
    uint16_t len;
    uint8_t bytes[1600];
};

struct scenario {
    struct synack_stack *st;
    struct scenario_opts o;
    synack_time_us now;
    struct synack_endpoint stack_ep, peer_ep;
    int listener;             /* listening socket, or -1 */
    int sock;                 /* the connection's socket, or -1 */
    /* Everything in and out, for failure reports and pcaps. */
    struct scenario_packet *log;
    unsigned log_count;
    /* Outgoing packets not yet taken by expect_sent(). */
    unsigned sent_taken;      /* index into the outgoing subsequence */
    unsigned sent_count;
    int last_state;           /* from the trace: state of the latest connection event */
    uint64_t last_conn_id;
    /* The first 64 state changes, oldest first. */
    struct { uint64_t conn_id; int old_state, new_state; } changes[64];
    unsigned change_count;
    int failures_at_start;
    const char *name;
};

/* A stack listening on opts.port (default 80). */
#define scenario_listen(s, ...) scenario_listen_(s, __func__, (struct scenario_opts){ __VA_ARGS__ })
/* A stack with a fresh socket that the test will connect with app_connect(). */
#define scenario_client(s, ...) scenario_client_(s, __func__, (struct scenario_opts){ __VA_ARGS__ })
void scenario_listen_(struct scenario *s, const char *name, struct scenario_opts o);
void scenario_client_(struct scenario *s, const char *name, struct scenario_opts o);
/* Checks that nothing more was sent, frees the stack, and on failure
 * writes scenario-<name>.pcap. */
void scenario_end(struct scenario *s);

/* Moves the clock to t (milliseconds), running every timer due on the way. */
void at_ms(struct scenario *s, double t_ms);
#define at(s, t_ms) at_ms(s, (double)(t_ms))
/* Advances by d milliseconds. */
void after_ms(struct scenario *s, double d_ms);

void peer_sends_(struct scenario *s, struct seg_spec spec, const char *file, int line);
void expect_sent_(struct scenario *s, struct seg_spec spec, const char *file, int line);
void expect_nothing_sent_(struct scenario *s, const char *file, int line);
void expect_state_(struct scenario *s, int state, const char *file, int line);
/* Whether connection conn_id (0: the latest one to change) went from old to new. */
bool saw_change(const struct scenario *s, uint64_t conn_id, int old_state, int new_state);
#define peer_sends(s, spec) peer_sends_(s, spec, __FILE__, __LINE__)
#define expect_sent(s, spec) expect_sent_(s, spec, __FILE__, __LINE__)
#define expect_nothing_sent(s) expect_nothing_sent_(s, __FILE__, __LINE__)
#define expect_state(s, st) expect_state_(s, SYNACK_TCP_##st, __FILE__, __LINE__)
/* Takes the next sent segment without checking it; false if none. */
bool take_sent(struct scenario *s, struct tcp_segment *out);

/* Raw packets, for what a seg_spec cannot say (malformed headers, ICMP).
 * peer_packet() builds the IP packet peer_sends() would deliver for spec
 * into buf (cap bytes) and returns its length (0 if it does not fit), so
 * that a test can damage a good packet before peer_sends_raw() delivers
 * it.  take_sent_raw() takes the next packet the stack sent, whatever its
 * protocol, copies up to cap bytes of it into buf and returns its full
 * length (0 if nothing was sent). */
size_t peer_packet(struct scenario *s, struct seg_spec spec, uint8_t *buf, size_t cap);
void peer_sends_raw(struct scenario *s, const void *bytes, size_t len);
size_t take_sent_raw(struct scenario *s, uint8_t *buf, size_t cap);
/* The payload peer_sends() puts in a segment without .data: len bytes of a
 * pattern fixed by sequence number ('a' + seq % 26), so that a test can
 * check byte for byte what the application reads, however the peer cut or
 * repeated the stream. */
void peer_payload(uint32_t seq, uint32_t len, void *out);

/* UDP, ICMP and fragments (test_udp.c, test_icmp_errors.c, test_ipfrag.c).
 * peer_udp_packet() builds the IP packet of a UDP datagram from the peer
 * (198.18.0.1:sport) to the stack (198.18.0.2:dport), checksum right, IP
 * identification `id`.  ip_fragment() cuts bytes [off, off+len) of a
 * packet's payload into a fragment of it (header copied, MF and offset set
 * as asked, checksum right).  peer_icmp_error() builds an ICMP error of
 * type/code from the peer quoting `quoted` (qlen bytes: a packet the stack
 * sent, or part of it).  The expect_sent_* calls take the stack's next
 * packet and check it: a UDP datagram from the stack's sport to the peer's
 * dport carrying exactly data, checksum right; an ICMP error of type/code
 * to the peer whose quote is exactly quoted[0..qlen), checksum right. */
size_t peer_udp_packet(struct scenario *s, uint16_t sport, uint16_t dport, uint16_t id, const void *data,
                       size_t len, uint8_t *buf, size_t cap);
size_t ip_fragment(const uint8_t *pkt, uint32_t off, uint32_t len, bool more, uint8_t *out, size_t cap);
size_t peer_icmp_error(struct scenario *s, uint8_t type, uint8_t code, const uint8_t *quoted, size_t qlen,
                       uint8_t *buf, size_t cap);
void expect_sent_udp_(struct scenario *s, uint16_t sport, uint16_t dport, const void *data, size_t len,
                      const char *file, int line);
void expect_sent_icmp_error_(struct scenario *s, uint8_t type, uint8_t code, const uint8_t *quoted, size_t qlen,
                             const char *file, int line);
#define expect_sent_udp(s, sport, dport, data, len) expect_sent_udp_(s, sport, dport, data, len, __FILE__, __LINE__)
#define expect_sent_icmp_error(s, type, code, quoted, qlen) \
    expect_sent_icmp_error_(s, type, code, quoted, qlen, __FILE__, __LINE__)

/* Application calls, followed by a poll as an event loop would do. */
int app_accept(struct scenario *s);             /* sets s->sock; returns it or the error */
int app_connect(struct scenario *s);            /* connects s->sock to the peer */
long app_send(struct scenario *s, const char *text);
long app_send_bytes(struct scenario *s, uint32_t n);
/* Reads everything available; returns bytes read, 0 at EOF, or the error. */
long app_recv(struct scenario *s, char *buf, size_t len);
int app_shutdown_write(struct scenario *s);
int app_close(struct scenario *s);
int app_abort(struct scenario *s);
uint32_t app_ready(struct scenario *s);
int app_error(struct scenario *s);
/* synack_getinfo() of s->sock (all zero if it fails). */
struct synack_tcp_info app_info(struct scenario *s);

/* The three-way handshake at the current time (the clock does not move),
 * every segment checked.  The peer announces MSS 1460; the stack announces
 * opts.mss, or 1460 from the MTU.
 *   handshake_passive (stack listening): SYN seq=peer_iss in, SYN|ACK
 *     seq=ISS ack=peer_iss+1 out, ACK in -> ESTABLISHED, then accept()
 *     sets s->sock.
 *   handshake_active (stack as client): connect(), SYN seq=ISS out,
 *     SYN|ACK seq=peer_iss ack=ISS+1 in, ACK out -> ESTABLISHED. */
void handshake_passive_(struct scenario *s, uint32_t peer_iss, const char *file, int line);
void handshake_active_(struct scenario *s, uint32_t peer_iss, const char *file, int line);
#define handshake_passive(s, peer_iss) handshake_passive_(s, peer_iss, __FILE__, __LINE__)
#define handshake_active(s, peer_iss) handshake_active_(s, peer_iss, __FILE__, __LINE__)

#endif
