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
 *
 * Either IP family: with opts.family = 6, or with the environment
 * variable SYNACK_SCENARIO_FAMILY=6 for scenarios that do not say, the
 * stack is fd00:5ac::2/64 and the peer fd00:5ac::1, and every packet the
 * harness builds or reads is IPv6.  The stack's interface MTU is then
 * 1520 rather than 1500, so that the MSS it derives is 1460 in both
 * families and one script serves both (tests of the IPv6 MSS itself set
 * their own MTU: opts.mtu).  ip_fragment, peer_icmp_error and
 * expect_sent_icmp_error speak IPv4 only; their IPv6 counterparts are
 * ip6_fragment, peer_icmp6 and expect_sent_icmp6.
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
    uint8_t family;           /* 4 or 6; 0: SYNACK_SCENARIO_FAMILY from the environment, else 4 */
    uint32_t mtu;             /* 0: 1500 (IPv4), 1520 (IPv6: the same MSS) */
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
    /* Ethernet mode (scenario_eth.c): the stack's interface is Ethernet
     * (MAC 02:00:00:00:00:02), the peer sends frames from
     * 02:00:00:00:00:01, and IP expectations look inside frames to the
     * peer's MAC.  The stack does ARP itself. */
    bool ethernet;
    /* Called on the configuration before the stack is made: for settings
     * no field above names. */
    void (*tune)(struct synack_config *cfg);
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

/* Delivers the raw packet and checks that it was dropped for `why` (that
 * drop counter went up by one and no other moved) and that the stack sent
 * nothing. */
void expect_dropped_(struct scenario *s, const uint8_t *pkt, size_t len, int why, const char *file, int line);
#define expect_dropped(s, pkt, len, why) expect_dropped_(s, pkt, len, SYNACK_DROP_##why, __FILE__, __LINE__)

/* The scenario's family (4 or 6), and the length of the IP header the
 * harness writes for it. */
int scenario_family(const struct scenario *s);
size_t scenario_ip_hlen(const struct scenario *s);

/* UDP, ICMP and fragments (test_udp.c, test_icmp_errors.c, test_ipfrag.c).
 * peer_udp_packet() builds the IP packet of a UDP datagram from the peer
 * (198.18.0.1:sport) to the stack (198.18.0.2:dport), checksum right, IP
 * identification `id` (IPv4; IPv6 has none outside a fragment header).  ip_fragment() cuts bytes [off, off+len) of a
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

/* IPv6 (test_ipv6.c).  peer_icmp6() builds an ICMPv6 message from the
 * peer to `dst` (NULL: the stack's address): type, code, the 32-bit field
 * after the checksum (`word`), then body[0..blen); checksum right.
 * ip6_insert_ext() puts ext_len bytes of extension header(s) right after
 * the 40-byte header of the IPv6 packet in buf (len bytes, cap room): the
 * packet's Next Header moves into the first byte of ext, the header's
 * Next Header becomes `type`, the payload length grows; returns the new
 * length (0 if it does not fit).  ip6_fragment() cuts bytes [off,
 * off+len) of the fragmentable part of a whole IPv6 packet (whose
 * unfragmentable part is its first `unfrag` bytes: 40, or more with
 * hop-by-hop or routing headers) into a fragment with a fragment header
 * (identification id, M as `more`).  expect_sent_icmp6() takes the
 * stack's next packet and checks that it is an ICMPv6 message of
 * type/code to the peer with `word` after the checksum and quoting
 * exactly quoted[0..qlen), checksum right. */
size_t peer_icmp6(struct scenario *s, const struct synack_addr *dst, uint8_t type, uint8_t code, uint32_t word,
                  const void *body, size_t blen, uint8_t *buf, size_t cap);
/* peer_icmp6() to the stack's address, delivered: an ICMPv6 error quoting
 * body[0..blen) of a packet the stack sent, say. */
void peer_sends_icmp6(struct scenario *s, uint8_t type, uint8_t code, uint32_t word, const void *body, size_t blen);
size_t ip6_insert_ext(uint8_t *buf, size_t len, size_t cap, uint8_t type, const uint8_t *ext, size_t ext_len);
size_t ip6_fragment(const uint8_t *pkt, size_t unfrag, uint32_t off, uint32_t len, bool more, uint32_t id,
                    uint8_t *out, size_t cap);
void expect_sent_icmp6_(struct scenario *s, uint8_t type, uint8_t code, uint32_t word, const uint8_t *quoted,
                        size_t qlen, const char *file, int line);
#define expect_sent_icmp6(s, type, code, word, quoted, qlen) \
    expect_sent_icmp6_(s, type, code, word, quoted, qlen, __FILE__, __LINE__)

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

/* The stack's counters; drops(s, why) is stats(s)->drops[why]. */
const struct synack_stats *stats(struct scenario *s);
uint64_t drops(struct scenario *s, int why);
/* The address a test names in text ("fd00:5ac::9"); a bad one fails the
 * test. */
struct synack_addr parse_addr(const char *text);

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

/* ---- Ethernet mode (opts.ethernet; scenario_eth.c) ----------------------
 *
 * The log holds frames.  peer_sends_raw() frames an IP packet from the
 * peer's MAC to the stack's; peer_sends_frame() delivers a frame as it is.
 * expect_sent() and the other IP expectations take the next frame, which
 * must carry IPv4 or IPv6 from the stack's MAC to the peer's; the ARP and
 * NDP expectations below take ARP frames and neighbour discovery packets.
 * Failures print frames ("02:00:00:00:00:02 > ff:ff:ff:ff:ff:ff ARP
 * who-has 198.18.0.1 tell 198.18.0.2") and leave an Ethernet pcap. */
extern const uint8_t scenario_stack_mac[6];   /* 02:00:00:00:00:02 */
extern const uint8_t scenario_peer_mac[6];    /* 02:00:00:00:00:01 */
extern const uint8_t scenario_broadcast[6];
extern const uint8_t scenario_other_mac[6];   /* 02:00:00:00:00:09, a third host */
#define ARP_REQUEST 1
#define ARP_REPLY 2
void peer_sends_frame(struct scenario *s, const void *frame, size_t len);
void peer_sends_ip_framed(struct scenario *s, const void *ip, size_t len);
/* Builds a frame (padded with zeros to 60 bytes); returns its length, 0
 * if it does not fit. */
size_t eth_frame(uint8_t *buf, size_t cap, const uint8_t dst[6], const uint8_t src[6], uint16_t type,
                 const void *payload, size_t len);
/* An ARP packet for Ethernet and IPv4 (28 bytes at buf). */
void arp_packet(uint8_t *buf, uint16_t op, const uint8_t sha[6], struct synack_addr spa, const uint8_t tha[6],
                struct synack_addr tpa);
/* The peer (or a host with MAC `from`) sends an ARP packet in a frame to
 * `to`: peer_sends_arp(s, ARP_REPLY, peer_mac, peer, stack, stack_mac)
 * says "198.18.0.1 is-at 02:00:00:00:00:01" to the stack.  tha is zero in
 * a request, the stack's MAC in a reply. */
void peer_sends_arp(struct scenario *s, uint16_t op, const uint8_t from[6], struct synack_addr spa,
                    struct synack_addr tpa, const uint8_t to[6]);
/* The next frame is an ARP packet from the stack's MAC to `to`, of opcode
 * op, sender (stack MAC, spa), target (tha, tpa); tha NULL: all zero. */
void expect_sent_arp_(struct scenario *s, uint16_t op, const uint8_t to[6], struct synack_addr spa,
                      const uint8_t *tha, struct synack_addr tpa, const char *file, int line);
#define expect_sent_arp(s, op, to, spa, tha, tpa) expect_sent_arp_(s, op, to, spa, tha, tpa, __FILE__, __LINE__)
/* Takes the next frame whatever it is: copies up to cap bytes, returns its
 * length (0 if none). */
size_t take_sent_frame(struct scenario *s, uint8_t *buf, size_t cap);
/* The stack's neighbour cache state (enum neigh_state) for `a` on
 * interface 0, now. */
int neigh_of(struct scenario *s, struct synack_addr a);
/* The MAC of an IPv6 group address: 33:33 and its last 4 bytes (RFC 2464
 * §7). */
void group_mac(struct synack_addr g, uint8_t mac[6]);

/* Neighbour discovery (RFC 4861 §4.3, §4.4).  peer_ndp_packet() builds an
 * IPv6 packet carrying a solicitation (type 135) or advertisement (136)
 * with `flags` (NA: R 0x80, S 0x40, O 0x20), target, and, when opt_type is
 * non-zero, a link-layer address option of that type with `mac`; hop limit
 * as given (255 for a valid one); checksum right.  Returns its length.
 * expect_sent_ndp() takes the next frame and checks it is such a message
 * from src to dst (frame destination: the peer's MAC for a unicast dst,
 * 33:33 and its last 4 bytes for a group), hop limit 255, checksum right,
 * and the link-layer option (opt_type 0: none) carrying the stack's MAC. */
size_t peer_ndp_packet(uint8_t *buf, size_t cap, struct synack_addr src, struct synack_addr dst, uint8_t hop_limit,
                       uint8_t type, uint8_t flags, struct synack_addr target, uint8_t opt_type, const uint8_t *mac);
void expect_sent_ndp_(struct scenario *s, uint8_t type, uint8_t flags, struct synack_addr src,
                      struct synack_addr dst, struct synack_addr target, uint8_t opt_type, const char *file,
                      int line);
#define expect_sent_ndp(s, type, flags, src, dst, target, opt) \
    expect_sent_ndp_(s, type, flags, src, dst, target, opt, __FILE__, __LINE__)

/* What scenario.c asks of scenario_eth.c. */
bool scenario_frame_ip(const uint8_t *frame, size_t len, bool outgoing, const uint8_t **ip, size_t *ip_len);
void scenario_format_frame(const uint8_t *frame, size_t len, char *buf, size_t cap);
bool scenario_eth_write_pcap(const struct scenario *s, const char *path);

#endif
