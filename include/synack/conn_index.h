/*
 * synack/conn_index.h — the TCP connections in a capture file.
 *
 * One pass over a capture (synack/capture.h) groups its TCP segments into
 * connections and sums each up: who opened it, when, how many packets and
 * bytes went each way, how many were retransmissions, how it ended.  The
 * index remembers which packets belong to which connection, so a renderer
 * (a ladder diagram, a time-sequence graph) can replay one connection's
 * packets, decoded and classified the same way the summary counted them.
 *
 *     struct synack_conn_index *ix;
 *     char err[256];
 *     if (synack_conn_index_build("trace.pcap", &ix, err, sizeof err) < 0)
 *         fprintf(stderr, "trace.pcap: %s\n", err);   // "packet 1234: record truncated (...)"
 *     for (size_t i = 0; i < synack_conn_index_count(ix); i++) {
 *         const struct synack_conn_summary *c = synack_conn_index_get(ix, i);
 *         ...
 *     }
 *     struct synack_conn_replay *r;
 *     struct synack_conn_packet p;
 *     synack_conn_replay_open(ix, 0, &r, err, sizeof err);
 *     while (synack_conn_replay_next(r, &p, err, sizeof err) == 1)
 *         ...   // p.info is the decoded segment, p.from its direction
 *     synack_conn_replay_close(r);
 *     synack_conn_index_free(ix);
 *
 * What makes a connection.  Segments are grouped by their 4-tuple, either
 * direction.  A SYN without ACK starts a new connection on a tuple unless
 * it repeats that connection's own SYN (same sender, same ISN: a
 * retransmission) or answers it (a simultaneous open); so a tuple reused
 * after a close, or after an abandoned attempt, gives a new connection.
 * The client is the side that sent the first SYN without ACK; when the
 * capture has none (it began mid-connection, or only the SYN,ACK was
 * caught), the receiver of a SYN,ACK, else the first sender.
 *
 * What is counted (per direction).  Sequence numbers are unwrapped to 64
 * bits from the first one seen, and the sequence space each side has sent
 * is kept as a set of ranges.  `bytes` is the payload sequence space
 * covered (a retransmitted byte counts once); a segment whose SYN, payload
 * or FIN covers sequence space already sent is a retransmission — except a
 * keepalive (RFC 9293 §3.8.4: at most one byte, at SND.NXT − 1, nothing
 * new), counted apart.  A segment that is partly new and partly old counts
 * as a retransmission and adds its new bytes.
 *
 * Numbering.  Connections are numbered from 0 in the order of their first
 * packet in the file (as Wireshark's tcp.stream counts); packets keep
 * their 1-based number in the file (synack/capture.h).
 *
 * Limits.  An index keeps 216 bytes per connection (its summary) and 8
 * per TCP packet (its number); while it is built, about 130 more per
 * connection (sequence tracking, the hash table) and 4 per packet record.
 * Measured: 1,168,193 segments of one connection, 0.75 s and 19 MB;
 * 100,000 connections of 10 segments, 0.6 s and 48 MB; 1,000,000
 * one-SYN connections (a port scan), 2.7 s and 360 MB.  A direction's range set
 * holds at most SYNACK_CONN_RANGES_MAX ranges; a capture with more holes
 * than that in one direction (heavy capture loss) has its lowest holes
 * filled in as if sent: their bytes are not counted, and a segment later
 * seen there counts as a retransmission.  At most SYNACK_CONN_INDEX_MAX
 * connections.
 *
 * IPv4 and IPv6 alike: endpoints carry their family, and a connection is
 * keyed by its full 4-tuple (16-byte addresses for IPv6).  An IPv6
 * segment's extension headers are walked to the TCP header; fragments are
 * counted as other IP packets, not reassembled.
 *
 * An index is owned by one thread at a time.  A replay opens the file
 * again (the index keeps its path) and reads it from the start, passing
 * over other connections' packets without decoding them and stopping
 * after the connection's last one; the file must not change in between
 * (if it has, the replay says so rather than hand out wrong packets).
 */
#ifndef SYNACK_CONN_INDEX_H
#define SYNACK_CONN_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/addr.h"
#include "synack/capture.h"
#include "synack/packet.h"
#include "synack/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SYNACK_CONN_RANGES_MAX 256
#define SYNACK_CONN_INDEX_MAX (1u << 24)

/* Directions, as indexes into synack_conn_summary.flow[]. */
enum synack_conn_dir {
    SYNACK_CONN_FROM_CLIENT = 0,
    SYNACK_CONN_FROM_SERVER = 1,
};

/* How a connection stands at the end of the capture, inferred from the
 * segments seen (not from either end's real state, which a capture cannot
 * show).  X(name, text) */
#define SYNACK_CONN_END_LIST(X)                                                   \
    X(SYN_SENT, "SYN_SENT (no answer)")                                           \
    X(REFUSED, "RESET (refused)")                                                 \
    X(SYN_RECEIVED, "SYN_RECEIVED (handshake not completed)")                     \
    X(ESTABLISHED, "ESTABLISHED (open)")                                          \
    X(HALF_CLOSED, "HALF_CLOSED (FIN one way)")                                   \
    X(CLOSED, "CLOSED (FIN both ways)")                                           \
    X(RESET, "RESET")

enum synack_conn_end {
#define SYNACK_CONN_END_ENUM_(name, text) SYNACK_CONN_##name,
    SYNACK_CONN_END_LIST(SYNACK_CONN_END_ENUM_)
#undef SYNACK_CONN_END_ENUM_
    SYNACK_CONN_END_COUNT
};

/* One direction of a connection. */
struct synack_conn_flow {
    uint64_t packets;              /* segments sent this way */
    uint64_t bytes;                /* payload sequence space covered (retransmissions count once) */
    uint64_t retransmissions;      /* segments re-sending sequence space already sent */
    uint64_t retransmitted_bytes;  /* payload bytes in them that had been sent before */
    uint64_t keepalives;           /* keepalive probes (not counted as retransmissions) */
    bool syn, fin, rst;            /* seen from this side */
    uint32_t isn;                  /* this side's SYN's sequence number, when syn */
};

struct synack_conn_summary {
    size_t index;                  /* 0-based, in order of the first packet */
    struct synack_endpoint client, server;
    bool client_sent_syn;          /* false: client only guessed (see above) */
    synack_time_us first_time, last_time;
    uint64_t first_packet, last_packet;   /* numbers in the file, 1-based */
    uint64_t packets;              /* both ways */
    struct synack_conn_flow flow[2];      /* [enum synack_conn_dir] */
    enum synack_conn_end end;
    enum synack_conn_dir reset_by; /* end == RESET or REFUSED: who sent the RST */
    enum synack_conn_dir first_fin_by;    /* end == HALF_CLOSED or CLOSED: who closed first */
};

struct synack_conn_index_stats {
    struct synack_capture_stats capture;  /* records read, IP packets, records skipped */
    uint64_t tcp_packets;          /* TCP segments, each in exactly one connection */
    uint64_t truncated_tcp;        /* of those, cut short by the snapshot length (headers read, payload partly absent) */
    uint64_t other_ip;             /* IP packets not TCP: UDP, ICMP, fragments after the first, ... */
    uint64_t malformed;            /* IP or TCP headers the decoder rejected */
};

struct synack_conn_index;

/* Reads the capture at path and indexes its TCP connections.  Returns 0,
 * or a negative synack error with a one-line explanation in err (for a
 * malformed file it names the packet number, as synack_capture_next()
 * does); *out is then NULL. */
int synack_conn_index_build(const char *path, struct synack_conn_index **out, char *err, size_t errlen);
void synack_conn_index_free(struct synack_conn_index *ix);

size_t synack_conn_index_count(const struct synack_conn_index *ix);
/* Connection i (0-based), or NULL when i >= count.  Valid until free. */
const struct synack_conn_summary *synack_conn_index_get(const struct synack_conn_index *ix, size_t i);
/* The numbers of connection i's packets in the file, ascending; *count is
 * set to their number (summary->packets).  NULL when i >= count.  Valid
 * until free. */
const uint64_t *synack_conn_index_packets(const struct synack_conn_index *ix, size_t i, size_t *count);
const struct synack_conn_index_stats *synack_conn_index_stats(const struct synack_conn_index *ix);
/* The path the index was built from. */
const char *synack_conn_index_path(const struct synack_conn_index *ix);

/* "CLOSED (FIN both ways)", "RESET by server", "HALF_CLOSED (FIN from
 * client)": the end state in words, with the side where it matters.
 * Returns buf. */
char *synack_conn_end_text(const struct synack_conn_summary *c, char *buf, size_t len);
/* "CLOSED", "RESET": the enum's name. */
const char *synack_conn_end_name(enum synack_conn_end end);

/* ---- Replaying one connection ------------------------------------------ */

/* One of a connection's packets, as a replay hands it out. */
struct synack_conn_packet {
    struct synack_captured_packet cap;    /* number, time, IP bytes (valid until the next call) */
    struct synack_packet_info info;       /* the decoded segment; is_tcp is always true */
    enum synack_conn_dir from;            /* who sent it */
    uint64_t seq_index;                   /* 0-based position among the connection's packets */
    bool truncated;                       /* cut by the snapshot length: info.payload_len is the
                                           * length on the wire, only cap.ip_len bytes are present
                                           * (info.payload points at what there is) */
    /* What the summary counted this segment as (see above): */
    bool retransmission;                  /* re-sends sequence space already sent */
    bool keepalive;
    uint32_t new_bytes;                   /* payload bytes sent for the first time */
    int64_t rel_seq, rel_ack;             /* SEG.SEQ and SEG.ACK relative to the sender's and
                                           * the receiver's first sequence number (the ISN when
                                           * the SYN was seen), unwrapped; rel_ack valid with ACK */
};

struct synack_conn_replay;

/* Opens the index's file again to hand out connection conn's packets in
 * file order.  Returns 0 or a negative error (err explains). */
int synack_conn_replay_open(const struct synack_conn_index *ix, size_t conn, struct synack_conn_replay **out,
                            char *err, size_t errlen);
/* The next packet: 1 and *p filled, 0 after the last, or a negative error
 * (the file ends early or changed since it was indexed). */
int synack_conn_replay_next(struct synack_conn_replay *r, struct synack_conn_packet *p, char *err, size_t errlen);
void synack_conn_replay_close(struct synack_conn_replay *r);

#ifdef __cplusplus
}
#endif
#endif
