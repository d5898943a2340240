/*
 * synack/stack.h — a protocol stack: configuration, interfaces, and the two
 * calls that drive it.
 *
 * The stack never reads a clock, never touches a file descriptor and never
 * sleeps.  Its owner drives it:
 *
 *     synack_input(stack, iface, packet, len, now)   a packet arrived
 *     synack_poll(stack, now) -> next deadline        run what is due
 *
 * and packets leave through each interface's transmit callback.  `now` is a
 * plain count of microseconds from any origin the owner likes; it must never
 * go backwards.  After any socket call (synack/socket.h) the owner calls
 * synack_poll() so that queued output is sent.
 *
 * Threads: a stack, its sockets and everything reached through them belong
 * to one thread at a time.  No function here is safe to call concurrently
 * on the same stack; different stacks are fully independent.
 */
#ifndef SYNACK_STACK_H
#define SYNACK_STACK_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include "synack/addr.h"
#include "synack/errors.h"
#include "synack/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

struct synack_stack;

/* Optional hook that chooses initial sequence numbers, for tests and
 * demonstrations that must reproduce an exchange exactly.  Without it the
 * stack uses RFC 6528 §3 (clock plus keyed hash of the 4-tuple).  A SYN
 * cookie's SYN|ACK does not ask it: its ISS is the cookie. */
typedef uint32_t (*synack_isn_fn)(void *ctx, const struct synack_endpoint *local,
                                  const struct synack_endpoint *remote, synack_time_us now);

/* The stack's allocator (synack_config.alloc): realloc with sizes, so that
 * an embedder can serve the stack from pools or an arena.
 *     alloc(ctx, NULL, 0, n)     allocate n bytes (n > 0)
 *     alloc(ctx, p, old, n)      resize p from old to n bytes, keeping the
 *                                common prefix; on failure return NULL and
 *                                leave p as it was
 *     alloc(ctx, p, old, 0)      free p, which has old bytes; return NULL
 * Blocks must be aligned as malloc's are.  Returning NULL is always
 * allowed: the stack refuses or drops what needed the memory and stays
 * consistent.  The stack never calls it from two threads at once (see
 * Threads above), and calls it last from synack_stack_free(). */
typedef void *(*synack_alloc_fn)(void *ctx, void *old, size_t old_size, size_t new_size);

/* Congestion control algorithms (per socket: SYNACK_OPT_CONGESTION). */
enum synack_cc {
    SYNACK_CC_CUBIC = 0,         /* RFC 9438, the default */
    SYNACK_CC_NEWRENO = 1,       /* RFC 5681 with RFC 6582 */
    SYNACK_CC_COUNT
};
/* "cubic", "newreno"; NULL for an unknown value. */
const char *synack_cc_name(int cc);
/* The value for a name, or -SYNACK_EINVAL. */
int synack_cc_from_name(const char *name);

/* Packetization-layer path MTU discovery for TCP (RFC 4821; per socket:
 * SYNACK_OPT_PLPMTUD).  ICMP-driven discovery (RFC 1191, RFC 8201) is
 * always on; this says what happens when ICMP does not tell. */
enum synack_plpmtud {
    SYNACK_PLPMTUD_OFF = 0,        /* never probe: a black hole stalls the connection */
    SYNACK_PLPMTUD_BLACKHOLE = 1,  /* the default: start at the interface MTU; after repeated
                                    * timeouts of full-sized segments fall back to a safe
                                    * size and search upward (Linux's tcp_mtu_probing=1) */
    SYNACK_PLPMTUD_ALWAYS = 2,     /* start at the safe size and search upward at once */
    SYNACK_PLPMTUD_COUNT
};
/* "off", "blackhole", "always"; NULL for an unknown value. */
const char *synack_plpmtud_name(int mode);
/* The value for a name, or -SYNACK_EINVAL. */
int synack_plpmtud_from_name(const char *name);

struct synack_config {
    const char *name;            /* shown in traces; default "stack" */
    uint64_t secret;             /* keys ISNs and hashes; set it from a good random source */
    uint32_t max_sockets;        /* sockets open at once, default 65536 */
    uint32_t max_connections;    /* connections incl. orphans and TIME_WAIT, default 65536 */
    uint8_t ttl;                 /* IPv4 TTL and IPv6 hop limit on output, default 64 */

    /* TCP defaults for new sockets (each can be changed per socket). */
    uint32_t mss;                /* MSS we announce; 0 = interface MTU - 40 (IPv6: - 60) */
    uint32_t sndbuf_bytes;       /* default 1 MiB; storage grows as data arrives */
    uint32_t rcvbuf_bytes;       /* default 1 MiB; storage grows as data arrives */
    bool window_scaling;         /* RFC 7323 §2, default on */
    bool timestamps;             /* RFC 7323 §3-§5 (RTTM, PAWS), default on */
    bool sack;                   /* RFC 2018 / RFC 6675, default on */
    uint8_t congestion;          /* enum synack_cc for new sockets, default CUBIC */
    synack_time_us keepalive_idle_us;     /* default 2 h (RFC 1122 §4.2.3.6) */
    synack_time_us keepalive_interval_us; /* default 75 s */
    uint32_t keepalive_count;             /* default 10 */
    synack_time_us rto_initial_us; /* RFC 6298 §2.1: 1 s */
    synack_time_us rto_min_us;     /* RFC 6298 §2.4: 1 s (Linux uses 200 ms with a 40 ms delayed ACK) */
    synack_time_us rto_max_us;     /* RFC 6298 §2.5: at least 60 s; default 60 s */
    uint32_t syn_retries;        /* SYN retransmissions before ETIMEDOUT, default 6 */
    uint32_t data_retries;       /* RTO retransmissions before ETIMEDOUT (R2), default 15 */
    synack_time_us msl_us;       /* TIME_WAIT lasts 2*MSL; default MSL 30 s */
    synack_time_us delack_us;    /* delayed-ACK limit, default 200 ms (RFC 1122 §4.2.3.2: < 0.5 s) */
    uint16_t ephemeral_lo;       /* ephemeral port range (TCP and UDP), default 49152 ... */
    uint16_t ephemeral_hi;       /* ... 65535 */

    /* ICMP errors we send (RFC 1122 §3.2.2: port and protocol unreachable,
     * reassembly time exceeded) pass a token bucket per stack: `rate`
     * tokens a second, at most `burst` saved up.  Echo replies are not
     * limited.  Rate 0 turns the limit off.  Default 100/s, burst 50. */
    uint32_t icmp_error_rate;
    uint32_t icmp_error_burst;

    /* Blind attacks (RFC 5961).  Challenge ACKs — the answer to a RST in
     * the window but not at RCV.NXT (§3.2), to a SYN in a synchronized
     * state (§4.2), and to an ACK outside SND.UNA - MAX.SND.WND .. SND.NXT
     * (§5.2) — pass a token bucket per stack (§7): `rate` a second, at
     * most `burst` saved up.  Rate 0 turns the limit off.  Default 1000/s,
     * burst 1000 (Linux's long-standing limit).  A limit shared by every
     * connection is a side channel (CVE-2016-5696: an off-path attacker
     * who drains it learns from the missing ACKs that a guessed
     * connection exists); rate 0 closes it at the cost of the limit. */
    uint32_t challenge_ack_rate;
    uint32_t challenge_ack_burst;

    /* SYN flood defence (RFC 4987).  Each listener holds at most
     * `syn_queue_len` embryonic (SYN_RECEIVED) connections (default 256;
     * its accept queue is the listen backlog), and the whole stack at most
     * `syn_queue_total` (default 4096).  When either is full, or the
     * connection table is, a SYN is answered with a SYN cookie (RFC 4987
     * §3.6) if `syn_cookies` is on (the default), else dropped
     * (ListenDrops).  syn_queue_len 0 answers every SYN with a cookie. */
    uint32_t syn_queue_len;
    uint32_t syn_queue_total;
    bool syn_cookies;

    /* IPv4 reassembly (RFC 791 §3.2, RFC 1122 §3.3.2).  Datagrams being
     * reassembled at once (default 64, at most 4096; 0 turns reassembly
     * off and drops every fragment), the memory they may hold together
     * (default 4 MiB), and how long a datagram may wait for its missing
     * fragments (default 30 s, as Linux; RFC 1122 §3.3.2 suggests 60-120 s). */
    uint32_t ipfrag_max_datagrams;
    uint32_t ipfrag_max_bytes;
    synack_time_us ipfrag_timeout_us;

    /* Memory.  Everything the stack allocates goes through `alloc` (NULL:
     * the C library's realloc/free) and is counted (synack_stack_mem()).
     * `mem_max_bytes` is a hard cap on the total, the stack object itself
     * included (default 256 MiB; 0: none; else at least 256 KiB): an
     * allocation that would pass it fails as if `alloc` had said no.
     * Before that, the stack refuses new work rather than fail
     * allocations: work whose memory would take it past
     * `mem_pressure_bytes` (default 0: 7/8 of the cap) is refused — new
     * connections (a SYN gets a cookie, or is dropped with cookies off;
     * connect, socket, accept and listen return ENOBUFS), out-of-order
     * data needing a larger buffer, fragments, UDP datagrams needing a
     * larger queue, growth of a send buffer (send takes what fits, else
     * EAGAIN or ENOBUFS) — and once past it, receive windows open no
     * further than the buffers' storage and emptied buffers give theirs
     * back.  Data inside a window already advertised is still taken, up
     * to the cap.  Each refusal is counted by reason (Mem* counters and
     * drop reasons; docs/ARCHITECTURE.md, "Memory and limits"). */
    synack_alloc_fn alloc;
    void *alloc_ctx;
    uint64_t mem_max_bytes;
    uint64_t mem_pressure_bytes;

    /* Out-of-order TCP data is stored in place in the receive buffer, so
     * what it costs is the span from RCV.NXT to its far end (one byte at
     * the edge of a 1 MiB window makes the buffer 1 MiB).  A segment that
     * would make a connection's span larger than `ooo_max_bytes` (default
     * 0: the receive buffer is the only bound), or the sum of all
     * connections' spans larger than `ooo_stack_max_bytes` (default
     * 64 MiB; 0: no bound), is dropped and counted (TCPOFODrop); the
     * sender repeats it once the hole before it is filled. */
    uint32_t ooo_max_bytes;
    uint64_t ooo_stack_max_bytes;

    /* Path MTU (docs/ARCHITECTURE.md, "Path MTU").  A path MTU learnt from
     * ICMP fragmentation needed / packet too big is kept per destination
     * in a small cache for `pmtu_expires_us` (default 10 min, RFC 1191
     * §6.3), so that new connections start from it; after that the larger
     * MTU is tried again, by connections too.  `plpmtud` is the default
     * enum synack_plpmtud of new sockets (default BLACKHOLE); a search that
     * has converged probes upward again after `plpmtud_interval_us`
     * (default 10 min, RFC 4821 §7.3, RFC 8899 §5.1.1). */
    synack_time_us pmtu_expires_us;
    uint8_t plpmtud;
    synack_time_us plpmtud_interval_us;

    /* Neighbours on Ethernet links: the cache that ARP (RFC 826) and
     * neighbour discovery (RFC 4861) share (docs/ARCHITECTURE.md, "The
     * link layer").  At most `neigh_max_entries` entries per stack
     * (default 256, 1..65536): to make room the least recently used entry
     * that is not being resolved goes; when every entry is being resolved
     * the new one is refused.  A packet for a neighbour being resolved
     * waits in its entry's queue: at most `neigh_queue_len` packets
     * (default 3, as Linux's unres_qlen; 1..64) and `neigh_queue_bytes`
     * (default 64 KiB), the oldest dropped first.  Resolution sends
     * `neigh_solicits` requests (default 3: RFC 4861's
     * MAX_MULTICAST_SOLICIT and MAX_UNICAST_SOLICIT; 1..10)
     * `neigh_retrans_us` apart (RetransTimer, default 1 s); then the
     * queued packets are dropped and their connections told
     * (EHOSTUNREACH).  An answer makes the entry REACHABLE for
     * `neigh_reachable_us` (BaseReachableTime, default 30 s) times a
     * random 0.5..1.5; then STALE: its next use starts a
     * `neigh_delay_us` wait (DELAY_FIRST_PROBE_TIME, default 5 s) before
     * unicast probes.  A STALE entry unused for `neigh_gc_us` (default
     * 60 s, as Linux's gc_stale_time) is freed.  IPv6 addresses on an
     * Ethernet link go through duplicate address detection with
     * `dad_transmits` solicitations (DupAddrDetectTransmits, default 1;
     * 0 turns it off; at most 10), RFC 4862 §5.4. */
    uint32_t neigh_max_entries;
    uint32_t neigh_queue_len;
    uint32_t neigh_queue_bytes;
    uint32_t neigh_solicits;
    synack_time_us neigh_retrans_us;
    synack_time_us neigh_reachable_us;
    synack_time_us neigh_delay_us;
    synack_time_us neigh_gc_us;
    uint32_t dad_transmits;

    synack_isn_fn isn_hook;      /* optional, see above */
    void *isn_hook_ctx;
    synack_trace_fn trace;       /* optional observer, see synack/trace.h */
    void *trace_ctx;
};

/* Fills *cfg with the documented defaults. */
void synack_config_default(struct synack_config *cfg);

/* Returns NULL when out of memory or when cfg is invalid. */
struct synack_stack *synack_stack_new(const struct synack_config *cfg);
/* Frees the stack and every socket and connection it holds, sending nothing. */
void synack_stack_free(struct synack_stack *stack);

/* Transmit callback: send one packet — an IP packet on an IP link, an
 * Ethernet frame (without FCS) on an Ethernet link.  Return 0, or a
 * negative error if the driver could not take it (the packet is then
 * counted as dropped).  The packet memory is the stack's and is valid only
 * during the call. */
typedef int (*synack_transmit_fn)(void *ctx, const uint8_t *packet, size_t len);

/* What an interface carries. */
enum synack_link_type {
    SYNACK_LINK_IP = 0,          /* raw IPv4/IPv6 packets, as on TUN (the default) */
    SYNACK_LINK_ETHERNET = 1,    /* Ethernet II frames, as on TAP: the stack does ARP and NDP */
};

struct synack_iface_config {
    /* This stack's first address on the interface, IPv4 or IPv6 (more
     * with synack_iface_add_addr), and its on-link prefix. */
    struct synack_addr addr;
    uint8_t prefix_len;
    /* Largest IP packet, 68..65535 (1280..65535 to carry IPv6); default
     * 1500.  On Ethernet, the payload of a frame (the 14-byte header is
     * extra). */
    uint32_t mtu;
    synack_transmit_fn transmit;
    void *transmit_ctx;
    /* The link offloads TCP checksums on transmit (as Linux loopback and
     * NICs with offload do): segments leave with the checksum field 0 and
     * the link vouches for them.  Pair it with SYNACK_INPUT_CSUM_VALID on
     * the receiving side.  Default off: checksums computed in software. */
    bool tx_csum_offload;
    uint8_t link;                /* enum synack_link_type */
    uint8_t mac[6];              /* Ethernet: the interface's unicast MAC address */
};

/* Adds an interface.  Packets to destinations outside every on-link prefix
 * leave by the first interface with an address of their family (the
 * default route).  Returns the interface number (>= 0) or a negative
 * error. */
int synack_iface_add(struct synack_stack *stack, const struct synack_iface_config *cfg);

/* Adds another address to interface `iface` (a dual-stack interface has
 * an IPv4 and an IPv6 address; at most SYNACK_IFACE_MAX_ADDRS in all).
 * On an Ethernet link with IPv6 the stack also gives itself the
 * link-local address fe80::/64 made from the MAC (RFC 4291 §2.5.1,
 * Appendix A) for neighbour discovery.  Returns 0 or a negative error. */
#define SYNACK_IFACE_MAX_ADDRS 4
int synack_iface_add_addr(struct synack_stack *stack, int iface, struct synack_addr addr, uint8_t prefix_len);

/* One packet (IP, or an Ethernet frame on an Ethernet link) arrived on
 * interface `iface`.  The stack copies what it keeps; packet may be reused
 * when this returns.  Bad packets are counted
 * and dropped (see synack_stack_stats). */
void synack_input(struct synack_stack *stack, int iface, const uint8_t *packet, size_t len,
                  synack_time_us now);

/* Flags for synack_input_flags. */
enum synack_input_flags {
    /* The link vouches for the transport checksum (a TUN with offloads:
     * the packet comes from the local kernel, which may leave it partial). */
    SYNACK_INPUT_CSUM_VALID = 1u << 0,
};
void synack_input_flags(struct synack_stack *stack, int iface, const uint8_t *packet, size_t len, unsigned flags,
                        synack_time_us now);

/* Runs every timer due at `now`, sends queued output, and returns the time
 * at which it wants to be called again (SYNACK_TIME_NEVER if nothing is
 * scheduled).  That time may come before anything is due — timers that
 * moved later are re-filed only when their old time comes — and calling
 * it earlier is harmless. */
synack_time_us synack_poll(struct synack_stack *stack, synack_time_us now);

/* Stack-wide counters, named after the MIBs of RFC 4022 (TCP), RFC 4293 (IP
 * and ICMP) and RFC 4113 (UDP) where such a name exists, else after Linux's
 * netstat names.  (RFC 4293's ipReasmTimeout is the configured time, not a
 * counter; the counter takes Linux's name ReasmTimeout.)
 * X(field, "MIB or descriptive name", "what it counts") */
#define SYNACK_STATS_LIST(X)                                                            \
    X(ip_in_receives, "ipInReceives", "IP packets received")                            \
    X(ip_in_hdr_errors, "ipInHdrErrors", "IP packets dropped for header errors")        \
    X(ip_in_addr_errors, "ipInAddrErrors", "IP packets not addressed to this stack")    \
    X(ip_in_unknown_protos, "ipInUnknownProtos", "IP packets of an unhandled protocol") \
    X(ip_in_delivers, "ipInDelivers", "IP packets passed to TCP, UDP or ICMP")          \
    X(ip_out_requests, "ipOutRequests", "IP packets sent")                              \
    X(ip_out_no_routes, "ipOutNoRoutes", "IP packets with no interface to leave by")    \
    X(ip_out_discards, "ipOutDiscards", "IP packets the driver refused")                \
    X(ip_out_frag_fails, "ipOutFragFails", "IP packets over the MTU (never fragmented)") \
    X(link_in_frames, "LinkInFrames", "Ethernet frames received")                      \
    X(link_out_frames, "LinkOutFrames", "Ethernet frames handed to the driver")         \
    X(arp_in_requests, "ArpInRequests", "ARP requests received (well formed)")          \
    X(arp_in_replies, "ArpInReplies", "ARP replies received (well formed)")             \
    X(arp_out_requests, "ArpOutRequests", "ARP requests sent: resolution, probes, gratuitous") \
    X(arp_out_replies, "ArpOutReplies", "ARP replies sent")                             \
    X(arp_conflicts, "ArpConflicts", "ARP from another MAC claiming one of our IPv4 addresses") \
    X(ndp_in_solicits, "NdpInSolicits", "neighbour solicitations received (valid)")     \
    X(ndp_in_adverts, "NdpInAdverts", "neighbour advertisements received (valid)")      \
    X(ndp_out_solicits, "NdpOutSolicits", "neighbour solicitations sent: resolution, probes, DAD") \
    X(ndp_out_adverts, "NdpOutAdverts", "neighbour advertisements sent")                \
    X(ndp_dad_ok, "NdpDadSucceeded", "IPv6 addresses that passed duplicate address detection") \
    X(ndp_dad_duplicates, "NdpDadDuplicates", "IPv6 addresses found duplicate by DAD (never used)") \
    X(neigh_entries, "NeighEntries", "neighbour cache entries now (a gauge)")           \
    X(neigh_allocs, "NeighAllocs", "neighbour cache entries made")                      \
    X(neigh_destroys, "NeighDestroys", "neighbour cache entries freed: expired, failed or evicted") \
    X(neigh_evictions, "NeighForcedGC", "entries evicted (least recently used) to make room") \
    X(neigh_table_fulls, "NeighTableFulls", "entries refused: the cache full of entries being resolved") \
    X(neigh_res_failed, "NeighResFailed", "address resolutions that failed after the retries") \
    X(neigh_unresolved_discards, "NeighUnresolvedDiscards", "packets dropped while waiting for resolution") \
    X(ip_reasm_reqds, "ipReasmReqds", "IP fragments received for reassembly")           \
    X(ip_reasm_oks, "ipReasmOKs", "IP datagrams reassembled")                           \
    X(ip_reasm_fails, "ipReasmFails", "reassembly failures: refused fragments, abandoned datagrams") \
    X(ip_reasm_timeouts, "ReasmTimeout", "IP datagrams whose reassembly timed out")     \
    X(ip6_in_receives, "Ip6InReceives", "of the IP packets received, IPv6 ones (the ip* counters count both families)") \
    X(ip6_in_delivers, "Ip6InDelivers", "IPv6 packets passed to TCP, UDP or ICMPv6") \
    X(ip6_in_mcast_pkts, "Ip6InMcastPkts", "IPv6 packets to a multicast address taken (ICMPv6 only)") \
    X(ip6_in_atomic_frags, "Ip6InAtomicFrags", "IPv6 atomic fragments, processed whole (RFC 6946)") \
    X(icmp_in_msgs, "icmpInMsgs", "ICMP messages received")                             \
    X(icmp_in_errors, "icmpInErrors", "ICMP messages dropped as malformed")             \
    X(icmp_in_echos, "icmpInEchos", "ICMP echo requests received")                      \
    X(icmp_in_dest_unreachs, "icmpInDestUnreachs", "ICMP destination unreachable received") \
    X(icmp_in_frag_needed, "IcmpInFragNeeded", "of those, fragmentation needed (code 4)") \
    X(icmp_in_time_excds, "icmpInTimeExcds", "ICMP time exceeded received")             \
    X(icmp_in_parm_probs, "icmpInParmProbs", "ICMP parameter problem received")         \
    X(icmp_out_msgs, "icmpOutMsgs", "ICMP messages sent")                               \
    X(icmp_out_echo_reps, "icmpOutEchoReps", "ICMP echo replies sent")                  \
    X(icmp_out_dest_unreachs, "icmpOutDestUnreachs", "ICMP destination unreachable sent") \
    X(icmp_out_time_excds, "icmpOutTimeExcds", "ICMP time exceeded sent")               \
    X(icmp_out_rate_limited, "OutRateLimitGlobal", "ICMP errors not sent: rate limit")  \
    X(icmp6_in_msgs, "Icmp6InMsgs", "ICMPv6 messages received")                         \
    X(icmp6_in_errors, "Icmp6InErrors", "ICMPv6 messages dropped as malformed (length, checksum)") \
    X(icmp6_in_echos, "Icmp6InEchos", "ICMPv6 echo requests received")                  \
    X(icmp6_in_dest_unreachs, "Icmp6InDestUnreachs", "ICMPv6 destination unreachable received") \
    X(icmp6_in_pkt_too_bigs, "Icmp6InPktTooBigs", "ICMPv6 packet too big received")     \
    X(icmp6_in_time_excds, "Icmp6InTimeExcds", "ICMPv6 time exceeded received")         \
    X(icmp6_in_parm_problems, "Icmp6InParmProblems", "ICMPv6 parameter problem received") \
    X(icmp6_in_nd_msgs, "Icmp6InNdMsgs", "ICMPv6 neighbour discovery messages (types 133-137) passed to NDP") \
    X(icmp6_out_msgs, "Icmp6OutMsgs", "ICMPv6 messages sent by icmp6.c (echo replies and errors)") \
    X(icmp6_out_echo_replies, "Icmp6OutEchoReplies", "ICMPv6 echo replies sent")        \
    X(icmp6_out_dest_unreachs, "Icmp6OutDestUnreachs", "ICMPv6 destination unreachable sent") \
    X(icmp6_out_time_excds, "Icmp6OutTimeExcds", "ICMPv6 time exceeded sent")           \
    X(icmp6_out_parm_problems, "Icmp6OutParmProblems", "ICMPv6 parameter problem sent") \
    X(udp_in_datagrams, "udpInDatagrams", "UDP datagrams delivered to sockets")         \
    X(udp_no_ports, "udpNoPorts", "UDP datagrams for a port with no socket")            \
    X(udp_in_errors, "udpInErrors", "UDP datagrams dropped: malformed, or no room")     \
    X(udp_rcvbuf_errors, "udpRcvbufErrors", "of those, dropped for a full receive queue") \
    X(udp_out_datagrams, "udpOutDatagrams", "UDP datagrams sent")                       \
    X(tcp_active_opens, "tcpActiveOpens", "connections opened by connect()")            \
    X(tcp_passive_opens, "tcpPassiveOpens", "connections opened from a listener")       \
    X(tcp_attempt_fails, "tcpAttemptFails", "opens that failed before ESTABLISHED")     \
    X(tcp_estab_resets, "tcpEstabResets", "established connections reset")              \
    X(tcp_curr_estab, "tcpCurrEstab", "connections now ESTABLISHED or CLOSE_WAIT")      \
    X(tcp_in_segs, "tcpInSegs", "TCP segments received")                                \
    X(tcp_out_segs, "tcpOutSegs", "TCP segments sent (excluding retransmissions)")      \
    X(tcp_retrans_segs, "tcpRetransSegs", "TCP segments retransmitted")                 \
    X(tcp_in_errs, "tcpInErrs", "TCP segments dropped as malformed")                    \
    X(tcp_out_rsts, "tcpOutRsts", "TCP segments sent with RST")                         \
    X(tcp_timeouts, "TcpTimeouts", "retransmission timeouts")                           \
    X(tcp_delayed_acks, "DelayedACKs", "ACKs sent when the delayed-ACK timer fired")    \
    X(tcp_ooo_queued, "TCPOFOQueue", "segments held out of order")                      \
    X(tcp_dup_segs, "TCPDupSegs", "segments (or parts) received twice")                 \
    X(tcp_fast_retrans, "TCPFastRetrans", "fast retransmissions")                       \
    X(tcp_time_wait_expired, "TWExpired", "TIME_WAIT connections ended after 2*MSL")    \
    X(tcp_listen_drops, "ListenDrops", "SYNs and handshake ACKs dropped: a listen queue was full") \
    X(tcp_sack_recoveries, "TCPSackRecovery", "fast recoveries entered")                \
    X(tcp_loss_probes, "TCPLossProbes", "tail loss probes sent")                        \
    X(tcp_loss_probe_recovery, "TCPLossProbeRecovery", "losses repaired by a probe")    \
    X(tcp_spurious_rtos, "TCPSpuriousRTOs", "timeouts found spurious and undone")       \
    X(tcp_undo_recoveries, "TCPFullUndo", "fast recoveries found spurious and undone")  \
    X(tcp_dsack_recv, "TCPDSACKRecv", "D-SACK blocks received")                          \
    X(tcp_dsack_sent, "TCPDSACKOldSent", "D-SACK blocks sent")                           \
    X(tcp_paws_drops, "PAWSEstab", "segments dropped by PAWS")                          \
    X(tcp_keepalive_probes, "TCPKeepAlive", "keepalive probes sent")                    \
    X(tcp_keepalive_drops, "TCPKeepAliveDrop", "connections ended by keepalive")         \
    X(tcp_icmp_soft_errors, "TCPIcmpSoftErrors", "ICMP errors recorded as soft errors")  \
    X(tcp_icmp_aborts, "TCPIcmpAborts", "connection attempts ended by an ICMP hard error") \
    X(tcp_out_of_window_icmps, "OutOfWindowIcmps", "ICMP errors quoting a sequence number not in flight") \
    X(tcp_pmtu_updates, "TCPPMTUUpdates", "path MTUs lowered by fragmentation needed / packet too big (RFC 1191, RFC 8201)") \
    X(tcp_pmtu_ignored, "TCPPMTUIgnored", "fragmentation needed ignored: the MTU it reports is not below the one in use (RFC 1191 §6.4)") \
    X(tcp_pmtu_below_min, "TCPPMTUBelowMin", "fragmentation needed ignored: the MTU it reports is below 552 (IPv4) or 1280 (IPv6)") \
    X(tcp_pmtu_cache_hits, "TCPPMTUCacheHits", "connections that started from a path MTU in the stack's cache") \
    X(tcp_pmtu_cache_entries, "TCPPMTUCacheEntries", "destinations in the path MTU cache (a gauge; expired ones leave when looked at)") \
    X(tcp_mtup_probes, "TCPMTUPProbes", "path MTU probes sent (RFC 4821 §7.5)") \
    X(tcp_mtup_success, "TCPMTUPSuccess", "path MTU probes acknowledged: the path MTU rose") \
    X(tcp_mtup_fail, "TCPMTUPFail", "path MTU probes lost alone: no congestion response (RFC 4821 §7.6)") \
    X(tcp_mtup_black_holes, "TCPMTUPBlackHoles", "black holes detected: repeated timeouts of full-sized segments (RFC 4821 §7.7)") \
    X(tcp_challenge_acks, "TCPChallengeACK", "challenge ACKs sent (RFC 5961)")           \
    X(tcp_challenge_acks_limited, "TCPChallengeACKLimited", "challenge ACKs not sent: rate limit (RFC 5961 §7)") \
    X(tcp_rst_challenged, "TCPRSTChallenge", "RSTs in the window but not at RCV.NXT (RFC 5961 §3.2)") \
    X(tcp_rst_out_of_window, "TCPRSTOutOfWindow", "RSTs outside the window, dropped (RFC 5961 §3.2)") \
    X(tcp_tw_rst_ignored, "TCPTWRSTIgnored", "RSTs ignored in TIME_WAIT (RFC 1337)")       \
    X(tcp_syn_challenged, "TCPSYNChallenge", "SYNs in a synchronized state (RFC 5961 §4.2)") \
    X(tcp_ack_too_old, "TCPACKTooOld", "ACKs below SND.UNA - MAX.SND.WND, dropped (RFC 5961 §5.2)") \
    X(tcp_ack_unsent, "TCPACKUnsentData", "ACKs beyond SND.NXT, dropped (RFC 5961 §5.2)") \
    X(tcp_listen_overflows, "ListenOverflows", "SYNs and handshake ACKs dropped: accept queue full") \
    X(tcp_syn_queue_len, "SynQueueLen", "embryonic (passive SYN_RECEIVED) connections now (a gauge)") \
    X(tcp_syncookies_sent, "SyncookiesSent", "SYN|ACKs sent with a SYN cookie (RFC 4987 §3.6)") \
    X(tcp_syncookies_recv, "SyncookiesRecv", "ACKs with a valid SYN cookie (connections made)") \
    X(tcp_syncookies_failed, "SyncookiesFailed", "ACKs with an invalid or expired SYN cookie") \
    X(tcp_conn_limit, "TCPConnLimit", "connections refused: max_connections reached (SYN cookied or dropped, connect() ENOBUFS)") \
    X(tcp_sndbuf_full, "TCPSndBufFull", "send() calls that found the send buffer (SNDBUF) full: EAGAIN") \
    X(tcp_ooo_drops, "TCPOFODrop", "out-of-order segments dropped: range table, ooo_max_bytes, ooo_stack_max_bytes or memory") \
    X(tcp_ooo_span_bytes, "TCPOFOSpanBytes", "receive-buffer bytes spanned by out-of-order data, all connections (a gauge)") \
    X(mem_bytes, "MemBytes", "bytes the stack has allocated now, itself included (a gauge)") \
    X(mem_peak_bytes, "MemPeakBytes", "most bytes the stack has had allocated at once") \
    X(mem_alloc_failures, "MemAllocFailures", "allocations that failed: the allocator said no, or mem_max_bytes") \
    X(mem_pressures, "MemPressures", "times memory in use crossed the pressure line (new work refused)") \
    X(mem_refused_opens, "MemRefusedOpens", "connections and sockets refused under memory pressure (SYN cookied or dropped, ENOBUFS)") \
    X(mem_refused_sends, "MemRefusedSends", "send()/sendto() calls cut short or refused under memory pressure") \
    X(mem_window_clamped, "MemRcvWndClamped", "windows advertised no further than the receive buffer's storage, under memory pressure")

struct synack_stats {
#define SYNACK_STATS_FIELD_(field, name, desc) uint64_t field;
    SYNACK_STATS_LIST(SYNACK_STATS_FIELD_)
#undef SYNACK_STATS_FIELD_
    uint64_t drops[SYNACK_DROP_COUNT];   /* by enum synack_drop_reason */
};

const struct synack_stats *synack_stack_stats(const struct synack_stack *stack);

/* Closes every socket the application still holds, as at shutdown:
 * gracefully (FIN after the queued data), or with abort set by RST, which
 * also resets connections the application had already closed.  Handles
 * become invalid.  Takes effect at the next synack_poll. */
void synack_stack_close_all(struct synack_stack *stack, bool abort);
/* Connections the stack still holds (with or without TIME_WAIT ones). */
uint32_t synack_stack_connections(const struct synack_stack *stack, bool include_time_wait);
const char *synack_stack_name(const struct synack_stack *stack);

/* The stack's memory (every byte it allocated through synack_config.alloc,
 * the stack object included). */
struct synack_mem_info {
    uint64_t used;               /* bytes allocated now (stats MemBytes) */
    uint64_t peak;               /* most ever allocated at once (MemPeakBytes) */
    uint64_t max;                /* mem_max_bytes; 0: no cap */
    uint64_t pressure_at;        /* the pressure line; 0: no cap */
    bool pressure;               /* past the line: new work is refused */
};
void synack_stack_mem(const struct synack_stack *stack, struct synack_mem_info *info);

#ifdef __cplusplus
}
#endif
#endif
