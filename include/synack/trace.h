/*
 * synack/trace.h — what the engine tells an observer while it works.
 *
 * A stack calls its trace hook (struct synack_config.trace) for every packet
 * it receives or sends, every packet it drops (with the reason), and every
 * change of a connection's state.  The hook runs synchronously inside
 * synack_input()/synack_poll(); it must only observe: it may not call back
 * into the stack.  Writers that turn events into text, pcap files or
 * diagrams live outside the engine (synack/pcap.h, synack/trace_text.h).
 */
#ifndef SYNACK_TRACE_H
#define SYNACK_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include "synack/addr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t synack_time_us;
#define SYNACK_TIME_NEVER UINT64_MAX

/* Connection states of RFC 9293 §3.3.2.  The order lets code ask range
 * questions: every state >= ESTABLISHED has been synchronized, and every
 * state > CLOSE_WAIT has had the user close (or shut down) its side. */
#define SYNACK_TCP_STATE_LIST(X) \
    X(CLOSED)                    \
    X(LISTEN)                    \
    X(SYN_SENT)                  \
    X(SYN_RECEIVED)              \
    X(ESTABLISHED)               \
    X(CLOSE_WAIT)                \
    X(FIN_WAIT_1)                \
    X(CLOSING)                   \
    X(LAST_ACK)                  \
    X(FIN_WAIT_2)                \
    X(TIME_WAIT)

enum synack_tcp_state {
#define SYNACK_STATE_ENUM_(name) SYNACK_TCP_##name,
    SYNACK_TCP_STATE_LIST(SYNACK_STATE_ENUM_)
#undef SYNACK_STATE_ENUM_
    SYNACK_TCP_STATE_COUNT
};

/* "ESTABLISHED", "SYN_SENT", ... */
const char *synack_tcp_state_name(int state);

/* Why an incoming packet (or an outgoing one) was dropped.  Each reason has
 * a stack-wide counter (synack_stack_stats().drops[reason]). */
#define SYNACK_DROP_LIST(X)                                                        \
    X(LINK_TRUNCATED, "Ethernet frame shorter than its 14-byte header")           \
    X(LINK_NOT_FOR_US, "Ethernet frame for another MAC address or a multicast group not joined") \
    X(LINK_BAD_SOURCE, "Ethernet frame from this interface's own MAC (looped back) or a group address") \
    X(LINK_ETHERTYPE, "Ethernet frame of an EtherType not handled (VLAN tags included)") \
    X(ARP_MALFORMED, "ARP packet short, not Ethernet/IPv4 (htype 1, ptype 0x0800, lengths 6 and 4), opcode not 1 or 2, or a bad sender") \
    X(ARP_NOT_FOR_US, "ARP for another host's address: not answered (the sender's entry updated if there was one)") \
    X(ARP_CONFLICT, "ARP from another MAC claiming one of this interface's IPv4 addresses (ignored)") \
    X(NEIGH_UNREACHABLE, "packet waiting for a neighbour whose resolution failed after the retries") \
    X(NEIGH_QUEUE_FULL, "packet pushed out of a full neighbour queue (the oldest goes), or larger than the queue") \
    X(NEIGH_TABLE_FULL, "packet for a neighbour without an entry: the cache is full of entries being resolved") \
    X(NEIGH_NO_MEMORY, "packet not queued for resolution: memory pressure, or the allocation failed") \
    X(NDP_MALFORMED, "neighbour discovery message failing RFC 4861 §7.1 validation (hop limit, code, length, target, options)") \
    X(NDP_NOT_FOR_US, "neighbour solicitation for a target not ours (or tentative, from a unicast source), advertisement for no entry, either on a link without link-layer addresses") \
    X(NDP_ROUTER, "router solicitation, router advertisement or redirect: ignored (no router discovery)") \
    X(IP_TRUNCATED, "IP packet shorter than its header or total length")           \
    X(IP_VERSION, "IP version neither 4 nor 6")                                    \
    X(IP_HEADER_LENGTH, "IP header length field invalid")                          \
    X(IP_CHECKSUM, "IP header checksum wrong")                                     \
    X(IP_NOT_FOR_US, "IP destination is not an address of this stack")            \
    X(IP_BAD_SOURCE, "IP source address is broadcast, multicast or ours")          \
    X(IP_FRAGMENT, "IP fragment while reassembly is off (ipfrag_max_datagrams 0)") \
    X(IP_FRAG_INVALID, "IP fragment not last, yet empty or not a multiple of 8 bytes") \
    X(IP_FRAG_TOO_LARGE, "IP fragment would make a datagram over 65535 bytes")     \
    X(IP_FRAG_CONFLICT, "IP fragment overlaps held bytes with other bytes, or moves the end: datagram abandoned") \
    X(IP_FRAG_ABANDONED, "IP fragment of a datagram abandoned earlier")           \
    X(IP_FRAG_DUPLICATE, "IP fragment whose bytes are all held already")           \
    X(IP_FRAG_LIMIT, "IP fragment refused: reassembly memory or datagram limit reached") \
    X(IP_FRAG_TIMEOUT, "IP datagram abandoned: reassembly timed out")              \
    X(IP_FRAG_NO_MEMORY, "IP fragment refused: memory pressure, or the allocation failed") \
    X(IP_UNKNOWN_PROTOCOL, "IP protocol not handled (answered with ICMP protocol unreachable)") \
    X(IP6_JUMBOGRAM, "IPv6 payload length 0 with a hop-by-hop header: jumbograms (RFC 2675) not supported") \
    X(IP6_UNSPEC_SOURCE, "IPv6 source :: for anything but ICMPv6 neighbour discovery") \
    X(IP6_MULTICAST_NOT_ICMP, "IPv6 multicast destination for a protocol other than ICMPv6") \
    X(IP6_EXT_TRUNCATED, "IPv6 extension header runs past the end of the packet") \
    X(IP6_EXT_TOO_MANY, "IPv6 extension-header chain longer than 16 headers") \
    X(IP6_HBH_NOT_FIRST, "IPv6 hop-by-hop options not right after the header (ICMPv6 parameter problem 1)") \
    X(IP6_OPTION_MALFORMED, "IPv6 option runs past its header (ICMPv6 parameter problem 0)") \
    X(IP6_OPTION_UNKNOWN, "IPv6 unknown option whose type says discard (parameter problem 2 unless silent)") \
    X(IP6_ROUTING_HEADER, "IPv6 routing header with segments left: we are not a router (parameter problem 0)") \
    X(IP6_NO_NEXT_HEADER, "IPv6 packet with no next header (59): nothing to deliver") \
    X(IP6_UNKNOWN_NEXT_HEADER, "IPv6 next header not handled (ICMPv6 parameter problem 1)") \
    X(IP6_FRAG_INCOMPLETE_CHAIN, "IPv6 first fragment without the header chain through the upper-layer header (RFC 7112)") \
    X(IP6_FRAG_NESTED, "IPv6 fragment header inside a reassembled packet") \
    X(ICMP_TRUNCATED, "ICMP message too short")                                    \
    X(ICMP_CHECKSUM, "ICMP checksum wrong")                                        \
    X(ICMP_IGNORED, "ICMP type not handled")                                       \
    X(ICMP_ERROR_TRUNCATED, "ICMP error too short to quote an IP header and 8 bytes") \
    X(ICMP_ERROR_BAD_QUOTE, "ICMP error quoting a packet this stack did not send")  \
    X(ICMP_ERROR_NO_MATCH, "ICMP error for no connection and no connected UDP socket") \
    X(ICMP_ERROR_OUT_OF_WINDOW, "ICMP error quoting a TCP sequence number outside SND.UNA..SND.MAX") \
    X(ICMP6_TRUNCATED, "ICMPv6 message too short for its type") \
    X(ICMP6_CHECKSUM, "ICMPv6 checksum wrong") \
    X(ICMP6_IGNORED, "ICMPv6 type not handled (echo reply, MLD, unknown)") \
    X(ICMP6_ERROR_TRUNCATED, "ICMPv6 error too short to quote an IPv6 header chain and 8 bytes") \
    X(ICMP6_ERROR_BAD_QUOTE, "ICMPv6 error quoting a packet this stack did not send, or a non-first fragment") \
    X(UDP_TRUNCATED, "UDP datagram shorter than its header")                      \
    X(UDP_LENGTH, "UDP length field below 8 or beyond the IP payload")            \
    X(UDP_CHECKSUM, "UDP checksum wrong")                                          \
    X(UDP_NO_PORT, "UDP datagram for no socket (answered with ICMP port unreachable)") \
    X(UDP_RCVBUF_FULL, "UDP datagram beyond the socket's receive buffer")         \
    X(UDP_NO_MEMORY, "UDP datagram dropped: its queue could not grow (memory pressure or allocation failure)") \
    X(TCP_TRUNCATED, "TCP segment shorter than its header")                        \
    X(TCP_DATA_OFFSET, "TCP data offset invalid")                                  \
    X(TCP_OPTIONS, "TCP options malformed")                                        \
    X(TCP_CHECKSUM, "TCP checksum wrong")                                          \
    X(TCP_BAD_PORT, "TCP port zero")                                               \
    X(TCP_NO_CONNECTION, "TCP segment for no connection (answered with RST)")      \
    X(TCP_NO_CONNECTION_RST, "RST for no connection")                              \
    X(TCP_LISTEN_BAD_FLAGS, "segment to a listener that is not a SYN")             \
    X(TCP_BACKLOG_FULL, "SYN or handshake ACK dropped: accept queue (listen backlog) full") \
    X(TCP_SYN_QUEUE_FULL, "SYN dropped: SYN queue full and SYN cookies off")       \
    X(TCP_CONN_LIMIT, "SYN or cookie ACK dropped: max_connections reached (for a SYN: SYN cookies off)") \
    X(TCP_MEM_PRESSURE, "SYN or cookie ACK dropped: no new connections under memory pressure (for a SYN: cookies off)") \
    X(TCP_COOKIE_INVALID, "ACK to a listener with a SYN cookie that does not verify (answered with RST)") \
    X(TCP_COOKIE_EXPIRED, "ACK to a listener with a SYN cookie too old (answered with RST)") \
    X(TCP_OUT_OF_WINDOW, "TCP segment outside the receive window")                 \
    X(TCP_PAWS, "TCP timestamp older than TS.Recent (PAWS)")                       \
    X(TCP_BAD_ACK, "TCP ACK for data never sent (challenge ACK, RFC 5961 §5.2)")   \
    X(TCP_RST_IGNORED, "TCP RST not acceptable (outside the window; SYN-SENT without a good ACK)") \
    X(TCP_RST_CHALLENGED, "TCP RST in the window but not at RCV.NXT (challenge ACK, RFC 5961 §3.2)") \
    X(TCP_RST_TIME_WAIT, "TCP RST in TIME_WAIT, ignored (RFC 1337)")              \
    X(TCP_SYN_CHALLENGED, "TCP SYN in a synchronized state (challenge ACK, RFC 5961 §4.2)") \
    X(TCP_ACK_TOO_OLD, "TCP ACK below SND.UNA - MAX.SND.WND (challenge ACK, RFC 5961 §5.2)") \
    X(TCP_NO_ACK, "TCP segment without ACK in a synchronized state")               \
    X(TCP_SYN_SENT_BAD, "unacceptable segment in SYN-SENT")                        \
    X(TCP_RCVBUF_FULL, "TCP data beyond the receive buffer")                       \
    X(TCP_OOO_LIMIT, "out-of-order data beyond the range table")                   \
    X(TCP_OOO_CONN_LIMIT, "out-of-order data reaching beyond ooo_max_bytes past RCV.NXT") \
    X(TCP_OOO_STACK_LIMIT, "out-of-order data beyond the stack-wide ooo_stack_max_bytes") \
    X(TCP_OOO_MEMORY, "out-of-order data refused under memory pressure")           \
    X(TCP_RCV_MEMORY, "TCP data beyond the advertised window refused under memory pressure") \
    X(TCP_NO_MEMORY, "TCP could not allocate a buffer")                            \
    X(TX_NO_ROUTE, "outgoing packet has no interface to leave by")                 \
    X(TX_DRIVER, "interface transmit callback refused the packet")                \
    X(TX_TOO_BIG, "outgoing packet larger than the interface MTU (no fragmentation on output)")

enum synack_drop_reason {
#define SYNACK_DROP_ENUM_(name, desc) SYNACK_DROP_##name,
    SYNACK_DROP_LIST(SYNACK_DROP_ENUM_)
#undef SYNACK_DROP_ENUM_
    SYNACK_DROP_COUNT
};

const char *synack_drop_name(int reason);        /* "TCP_CHECKSUM" */
const char *synack_drop_description(int reason); /* "TCP checksum wrong" */

enum synack_trace_kind {
    SYNACK_TRACE_PACKET_IN,  /* packet handed to synack_input() */
    SYNACK_TRACE_PACKET_OUT, /* packet handed to an interface's transmit */
    SYNACK_TRACE_DROP,       /* packet dropped; see drop_reason */
    SYNACK_TRACE_STATE,      /* connection moved old_state -> new_state */
    SYNACK_TRACE_CC,         /* sender figures after an ACK or a timeout: see cc */
};

/* Congestion-control figures of a connection (SYNACK_TRACE_CC), for
 * plots of cwnd, ssthresh, bytes in flight, SRTT and RTO over time. */
struct synack_trace_cc {
    uint32_t cwnd, ssthresh;     /* bytes */
    uint32_t in_flight;          /* RFC 6675 pipe, bytes */
    uint32_t snd_una, snd_max;   /* SND.UNA, highest sequence sent */
    uint32_t snd_wnd;            /* the peer's window, bytes */
    uint32_t srtt_us, rto_us;
    uint8_t recovery;            /* 0 open, 1 fast recovery, 2 after a timeout, 3 resending what outgrew the path MTU */
};

struct synack_trace_event {
    enum synack_trace_kind kind;
    synack_time_us now;
    const char *stack_name;      /* synack_config.name, never NULL */
    int iface;                   /* packet events: the interface */
    const uint8_t *packet;       /* packet events: the IP packet */
    size_t len;
    uint64_t conn_id;            /* 0 when no connection is involved */
    struct synack_endpoint local, remote;   /* state events */
    int old_state, new_state;    /* state events: enum synack_tcp_state */
    int drop_reason;             /* drop events: enum synack_drop_reason */
    struct synack_trace_cc cc;   /* CC events (local and remote are set too) */
};

typedef void (*synack_trace_fn)(void *ctx, const struct synack_trace_event *ev);

#ifdef __cplusplus
}
#endif
#endif
