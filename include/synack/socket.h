/*
 * synack/socket.h — non-blocking TCP and UDP sockets on a synack stack.
 *
 * A socket is a small integer handle local to its stack.  Every call returns
 * >= 0 on success or a negated synack_error (-SYNACK_EAGAIN, ...).  Calls
 * never block and never send by themselves: they change the socket's state
 * and queue output, and the next synack_poll() sends it.
 *
 * Memory: what synack_send() accepts is already in the socket's send
 * buffer; nothing behind it can fail later.  The buffer sizes are the
 * socket's SNDBUF and RCVBUF options.  A call that needs memory the stack
 * will not give (synack_config.mem_pressure_bytes, mem_max_bytes) returns
 * -SYNACK_ENOBUFS and changes nothing; trying again later is right.
 *
 * Readiness: a socket whose readiness changes is put (once) on the stack's
 * ready list; synack_next_event() takes sockets off it with their current
 * readiness.  Nothing is ever called back from inside the stack.
 *
 * Threads: as for synack/stack.h, one thread at a time per stack.
 */
#ifndef SYNACK_SOCKET_H
#define SYNACK_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "synack/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Readiness bits. */
enum synack_ready {
    SYNACK_READABLE = 1u << 0,  /* recv() has data or end of stream; accept() has a connection */
    SYNACK_WRITABLE = 1u << 1,  /* send() would accept at least one byte */
    SYNACK_CONNECTED = 1u << 2, /* the connection is (or was) established */
    SYNACK_HUP = 1u << 3,       /* the peer finished sending (FIN received and read up to) */
    SYNACK_ERROR = 1u << 4,     /* an error is pending; synack_socket_error() says which */
    SYNACK_CLOSED = 1u << 5,    /* the connection has reached CLOSED */
};

struct synack_event {
    int sock;
    uint32_t ready;             /* enum synack_ready bits, current at the time of the call */
};

/* Creates a TCP socket.  Returns its handle, -SYNACK_EMFILE or -SYNACK_ENOBUFS. */
int synack_socket(struct synack_stack *stack);
/* Port 0 chooses an ephemeral port.  Sockets are dual-stack (TCP and UDP
 * alike):
 *   - bound to the IPv4 wildcard 0.0.0.0: IPv4 only;
 *   - bound to the IPv6 wildcard ::, or to an address of family UNSPEC
 *     (every address; listen, connect and sendto bind an unbound socket
 *     so): IPv4 and IPv6, as Linux with net.ipv6.bindv6only=0 — except
 *     that connections and datagrams keep their real family (an IPv4 peer
 *     is an IPv4 endpoint, never a v4-mapped IPv6 one);
 *   - bound to one address: that address only, so its family only.
 * Two bindings of one port conflict (-SYNACK_EADDRINUSE) when some packet
 * would match both: every wildcard takes IPv4, so 0.0.0.0:p and [::]:p
 * conflict, [fd00::2]:p and 0.0.0.0:p do not.  connect and sendto to a
 * family the binding does not take return -SYNACK_EAFNOSUPPORT; they pick
 * the interface by route and the source address by a simple subset of RFC
 * 6724 (docs/ARCHITECTURE.md). */
int synack_bind(struct synack_stack *stack, int sock, const struct synack_endpoint *local);
/* backlog bounds the accept queue (connections established, not yet
 * accepted); at least 1.  The SYN queue has its own bounds
 * (synack_config.syn_queue_len, syn_queue_total), beyond which SYN cookies
 * take over. */
int synack_listen(struct synack_stack *stack, int sock, int backlog);
/* Returns a new socket handle, or -SYNACK_EAGAIN when none is waiting
 * (-SYNACK_ENOBUFS: no memory for the socket; the connection stays queued). */
int synack_accept(struct synack_stack *stack, int sock, struct synack_endpoint *peer);
/* Starts an active open; returns -SYNACK_EINPROGRESS.  CONNECTED (or ERROR
 * with ECONNREFUSED / ETIMEDOUT / ECONNRESET) is reported later.
 * -SYNACK_ENOBUFS: the connection table is full (max_connections) or
 * memory is short; nothing was started. */
int synack_connect(struct synack_stack *stack, int sock, const struct synack_endpoint *remote);
/* Copies up to len bytes into the send buffer; returns how many (> 0),
 * -SYNACK_EAGAIN when the buffer is full, -SYNACK_EPIPE after shutdown or
 * close of the write side, or the connection's error.  Near the memory
 * limit the buffer does not grow: what fits in its storage is taken, else
 * -SYNACK_EAGAIN while data is queued (its ACKs make room; WRITABLE is
 * reported then), else -SYNACK_ENOBUFS. */
ssize_t synack_send(struct synack_stack *stack, int sock, const void *data, size_t len);
/* Returns bytes read (> 0), 0 at end of stream, -SYNACK_EAGAIN when nothing
 * is there yet, or the connection's error (e.g. -SYNACK_ECONNRESET). */
ssize_t synack_recv(struct synack_stack *stack, int sock, void *buf, size_t len);

enum synack_shutdown_how { SYNACK_SHUT_RD = 0, SYNACK_SHUT_WR = 1, SYNACK_SHUT_RDWR = 2 };
/* SHUT_WR sends FIN after the queued data; receiving goes on (half-close). */
int synack_shutdown(struct synack_stack *stack, int sock, int how);
/* Releases the handle.  The connection finishes in the background: queued
 * data is sent and a FIN follows (RFC 9293 §3.10.4).  Data that arrives
 * after close is answered with RST (RFC 1122 §4.2.2.13). */
int synack_close(struct synack_stack *stack, int sock);
/* Releases the handle and resets the connection (RST, no FIN). */
int synack_abort(struct synack_stack *stack, int sock);

/* Current readiness bits of a socket (0 for a bad handle). */
uint32_t synack_socket_ready(struct synack_stack *stack, int sock);
/* Takes the pending error (0 if none) and clears it, like SO_ERROR. */
int synack_socket_error(struct synack_stack *stack, int sock);
/* Takes one socket off the ready list.  Returns 1 and fills *ev, or 0. */
int synack_next_event(struct synack_stack *stack, struct synack_event *ev);

int synack_local_endpoint(struct synack_stack *stack, int sock, struct synack_endpoint *out);
int synack_remote_endpoint(struct synack_stack *stack, int sock, struct synack_endpoint *out);

enum synack_sockopt {
    SYNACK_OPT_SNDBUF,      /* bytes, 1 .. 2^30 */
    SYNACK_OPT_RCVBUF,      /* bytes, 1 .. 2^30 (above 65535 only with window scaling) */
    SYNACK_OPT_NODELAY,     /* 0/1: 1 turns Nagle's algorithm off (RFC 9293 §3.7.4) */
    SYNACK_OPT_MAXSEG,      /* MSS to announce, 88..65495; 0 = from MTU */
    SYNACK_OPT_REUSEADDR,   /* 0/1: allow bind to a port held in TIME_WAIT */
    SYNACK_OPT_LINGER_ABORT,/* 0/1: close() resets instead of closing gracefully */
    SYNACK_OPT_KEEPALIVE,   /* 0/1: probe an idle connection (RFC 1122 §4.2.3.6); default 0 */
    SYNACK_OPT_KEEPIDLE,    /* seconds idle before the first probe, default 7200 */
    SYNACK_OPT_KEEPINTVL,   /* seconds between unanswered probes, default 75 */
    SYNACK_OPT_KEEPCNT,     /* unanswered probes before ETIMEDOUT, default 10 */
    SYNACK_OPT_CONGESTION,  /* enum synack_cc; before connect/listen, or any time on a connection */
    SYNACK_OPT_PLPMTUD,     /* enum synack_plpmtud (RFC 4821); before connect/listen, or any time on a connection */
};
int synack_setsockopt(struct synack_stack *stack, int sock, int opt, int64_t value);
int synack_getsockopt(struct synack_stack *stack, int sock, int opt, int64_t *value);

/* ---- UDP (RFC 768) ----
 *
 * A UDP socket is made by synack_udp_socket() and then uses the calls
 * above where they make sense:
 *   synack_bind      UDP has its own port space: a UDP socket and a TCP
 *                    socket may hold the same port number.  Port 0 picks
 *                    an ephemeral port.
 *   synack_connect   fixes the default destination (for synack_send and a
 *                    NULL `to`) and filters input: only datagrams from that
 *                    peer are delivered.  Returns 0 at once; nothing is
 *                    sent.  A remote of family UNSPEC dissolves the
 *                    association again.  An unbound socket is bound first
 *                    (ephemeral port, the address of the route's interface).
 *   synack_send / synack_recv   sendto / recvfrom with the connected peer.
 *   synack_close / synack_abort release the socket and its queued datagrams.
 *   SNDBUF / RCVBUF  bound the send and receive queues in bytes (each
 *                    datagram counts its payload plus 32 bytes of
 *                    bookkeeping in the receive queue, 52 in the send
 *                    queue).  A datagram that does not fit the
 *                    receive queue is dropped and counted (udpRcvbufErrors).
 *   listen, accept, shutdown and getinfo return -SYNACK_EOPNOTSUPP.
 * Readiness: READABLE while a datagram (or an error) waits; WRITABLE while
 * at least half the send queue is free (as Linux); CONNECTED after connect.
 * An ICMP error that says a datagram from a *connected* socket could not be
 * delivered (port or protocol unreachable, and the other "hard" codes) is
 * kept as the socket's pending error: the next synack_recv/recvfrom or
 * synack_socket_error returns it once (Linux does the same). */

/* Creates a UDP socket.  Returns its handle, -SYNACK_EMFILE or -SYNACK_ENOBUFS. */
int synack_udp_socket(struct synack_stack *stack);

/* Queues one datagram of len bytes (0 is allowed) to `to`, or to the
 * connected peer when `to` is NULL; the next synack_poll() sends it.
 * Returns len, or -SYNACK_EDESTADDRREQ (no `to`, not connected),
 * -SYNACK_EMSGSIZE (larger than the interface MTU allows: synack never
 * fragments what it sends, or larger than SNDBUF), -SYNACK_EAGAIN (the
 * send queue is full), -SYNACK_ENOBUFS (the queue may not grow: memory),
 * -SYNACK_ENETUNREACH, -SYNACK_EINVAL (port 0 or address 0.0.0.0), or the
 * pending error.  An unbound socket is bound to
 * an ephemeral port first.  On a TCP socket `to` is ignored and this is
 * synack_send (POSIX). */
ssize_t synack_sendto(struct synack_stack *stack, int sock, const void *data, size_t len,
                      const struct synack_endpoint *to);

/* Takes the oldest datagram: copies up to len bytes of it into buf and
 * returns how many were copied; the rest of a longer datagram is discarded
 * (POSIX recvfrom).  *from (if not NULL) gets the sender.  Returns
 * -SYNACK_EAGAIN when no datagram waits, or the pending error (taken, as
 * SO_ERROR would be).  On a TCP socket this is synack_recv and *from is
 * the connection's peer. */
ssize_t synack_recvfrom(struct synack_stack *stack, int sock, void *buf, size_t len,
                        struct synack_endpoint *from);

/* Flags synack_recvmsg reports. */
enum synack_msg_flags {
    SYNACK_MSG_TRUNC = 1u << 0,  /* the datagram was longer than the buffer (POSIX MSG_TRUNC) */
};
/* synack_recvfrom that also says, in *flags (if not NULL), whether the
 * datagram was truncated. */
ssize_t synack_recvmsg(struct synack_stack *stack, int sock, void *buf, size_t len,
                       struct synack_endpoint *from, uint32_t *flags);

/* Per-connection figures in the spirit of Linux TCP_INFO. */
struct synack_tcp_info {
    int state;                           /* enum synack_tcp_state */
    struct synack_endpoint local, remote;
    uint32_t iss, irs;
    uint32_t snd_una, snd_nxt, snd_wnd;  /* SND.UNA, SND.NXT, SND.WND (scaled: bytes) */
    uint32_t rcv_nxt, rcv_wnd;           /* RCV.NXT, RCV.WND as last advertised (bytes) */
    uint32_t snd_max;                    /* highest sequence number sent (SND.NXT falls back after a timeout) */
    uint32_t max_snd_wnd;                /* MAX.SND.WND of RFC 5961 §5.2: the largest window the peer offered */
    uint32_t rcv_space;                  /* receive space beyond RCV.NXT that input accepts (>= rcv_wnd) */
    uint32_t snd_mss, rcv_mss;           /* effective send MSS; MSS we announced */
    uint8_t snd_wscale, rcv_wscale;      /* window shifts in use (RFC 7323 §2); 0 when not negotiated */
    uint8_t wscale_ok, timestamps_ok, sack_ok;   /* options negotiated */
    uint8_t cc;                          /* enum synack_cc */
    uint32_t srtt_us, rttvar_us, rto_us; /* RFC 6298 estimator; srtt 0 before a sample */
    uint32_t min_rtt_us;                 /* smallest RTT seen (0 before a sample) */
    uint32_t backoff;                    /* consecutive RTO expiries */
    uint32_t cwnd_bytes, ssthresh_bytes;
    uint32_t in_flight_bytes;            /* RFC 6675 "pipe": sent, not acked, not SACKed, not lost */
    uint32_t unacked_bytes;              /* SND.NXT - SND.UNA */
    uint32_t send_queue_bytes;           /* in the send buffer, not yet acknowledged */
    uint32_t recv_queue_bytes;           /* in order, not yet read */
    uint32_t ooo_bytes;                  /* held out of order */
    uint32_t reordering;                 /* largest reordering seen, in segments (starts at 3) */
    uint64_t bytes_acked, bytes_received, bytes_retrans;
    uint64_t segs_out, segs_in, data_segs_out, data_segs_in;
    uint64_t retrans_segs;               /* all retransmitted segments, by cause below */
    uint64_t retrans_rto, retrans_fast, retrans_tlp;
    uint64_t rto_expiries, fast_retrans, dup_acks_in;
    uint64_t sack_blocks_in, dsack_in;   /* SACK blocks received; of them, D-SACKs (RFC 2883) */
    uint64_t sack_blocks_out, dsack_out; /* SACK blocks sent; of them, D-SACKs */
    uint64_t spurious_rtos;              /* timeouts undone (Eifel, RFC 3522, with timestamps) */
    uint64_t spurious_retrans;           /* retransmissions D-SACK showed were not needed */
    uint64_t zero_window_probes, keepalive_probes;
    uint64_t delivery_rate_bps;          /* latest delivery-rate sample, bits per second */
    uint64_t conn_id;
    /* The latest "soft" ICMP error (RFC 1122 §4.2.3.9), e.g.
     * -SYNACK_EHOSTUNREACH, or 0; cleared when an ACK acknowledges new data.
     * The connection goes on; if it later times out, this error is reported
     * instead of -SYNACK_ETIMEDOUT (as Linux does). */
    int32_t soft_error;
    /* Path MTU (RFC 1191, RFC 8201, RFC 4821): the IP packet size segments
     * are cut to (snd_mss follows from it), what PLPMTUD is doing (enum
     * synack_plpmtud; pmtu_searching 1 while it probes, 2 once it has
     * converged until the next search), its range (search_low confirmed,
     * search_high not yet ruled out; 0 before it searches) and its
     * counters. */
    uint32_t pmtu;
    uint8_t plpmtud, pmtu_searching;
    uint32_t pmtu_search_low, pmtu_search_high;
    uint32_t pmtu_probes, pmtu_probes_ok, pmtu_probes_failed, pmtu_black_holes;
};
int synack_getinfo(struct synack_stack *stack, int sock, struct synack_tcp_info *info);

#ifdef __cplusplus
}
#endif
#endif
