/*
 * fuzz_util.h — what the fuzz harnesses share: a reader over the fuzz
 * input, packet building with correct checksums, and a checker of
 * connection state changes against RFC 9293's state diagram.
 *
 * Harnesses are deterministic: no clock (time is a variable the harness
 * moves), a fixed stack secret and fixed ISNs, so that any input that
 * crashes once crashes every time.  A broken invariant prints what broke
 * and aborts, which libFuzzer (or the replay driver) reports as a crash.
 */
#ifndef SYNACK_FUZZ_UTIL_H
#define SYNACK_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/synack.h"

/* Aborts with a message when cond is false (kept in every build type). */
#define FZ_CHECK(cond, ...)                                          \
    do {                                                             \
        if (!(cond))                                                 \
            fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);         \
    } while (0)
_Noreturn void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- reading the input ---- */
struct fz_in {
    const uint8_t *p;
    size_t len, pos;
};
static inline size_t fz_left(const struct fz_in *in) { return in->len - in->pos; }
/* Each returns 0 (or zero bytes) once the input is used up. */
uint8_t fz_u8(struct fz_in *in);
uint16_t fz_u16(struct fz_in *in);
uint32_t fz_u32(struct fz_in *in);
/* Up to n bytes; returns how many are there (pointer into the input). */
size_t fz_bytes(struct fz_in *in, size_t n, const uint8_t **out);

/* fuzz_input's clock steps (its op 4, times a multiplier), shared with
 * make_seeds.c, which writes programs in that format. */
extern const synack_time_us fz_input_time_steps_us[16];

/* Runs st's timers from *now to *now + delta, polling at each deadline it
 * asks for on the way; *now ends at the target. */
void fz_advance(struct synack_stack *st, synack_time_us *now, synack_time_us delta);

/* ---- packets ---- */
/* Recomputes what the fuzzer should not have to guess, as asked by
 * FZ_FIX_* bits: the IP total length (to len) and header checksum (IPv6:
 * the payload length), and the TCP/UDP/ICMP/ICMPv6 checksum of the
 * payload (IPv6: of the upper layer past the extension headers of a whole
 * packet). */
enum { FZ_FIX_IP = 1u << 0, FZ_FIX_L4 = 1u << 1 };
void fz_fix_packet(uint8_t *pkt, size_t len, unsigned fix);

/* Writes the IP header of src's family (IPv4 or IPv6, no options) for a
 * payload of payload_len bytes already behind it; returns its length (the
 * payload starts there: 20 or 40). */
size_t fz_ip_header(uint8_t *buf, const struct synack_addr *src, const struct synack_addr *dst, uint8_t proto,
                    size_t payload_len, uint16_t id);

/* Builds an IP/TCP packet (IPv4 or IPv6, by src's family) from src to
 * dst into buf (room for 20 or 40, + 60 + plen bytes needed) with the
 * checksums right; returns its length.
 * `opt` may be NULL; `raw_opt` (if rawlen > 0) replaces the options with
 * raw bytes (padded with EOL to a multiple of 4, at most 40). */
struct tcp_header_out;
size_t fz_tcp_packet(uint8_t *buf, size_t cap, const struct synack_addr *src, const struct synack_addr *dst,
                     const struct tcp_header_out *h, const uint8_t *raw_opt, size_t rawlen,
                     const uint8_t *payload, size_t plen);

/* ---- connection states ---- */
/* Whether RFC 9293's diagram (§3.3.2, Figure 5), with the arcs its text
 * adds (§3.10.7.4: SYN-RECEIVED -> CLOSE-WAIT on a FIN; any state ->
 * CLOSED on RST, ABORT or a timeout), allows old -> new.  LISTEN ->
 * SYN-RECEIVED is how a connection born from a listener first appears. */
bool fz_transition_allowed(int old_state, int new_state);

/* Follows every connection of one stack through its STATE trace events:
 * each event's old state must be the one the previous event left, each
 * change must be allowed, and a connection never leaves CLOSED once it
 * got there.  Connection ids above FZ_MAX_CONNS are not followed. */
#define FZ_MAX_CONNS 1024
struct fz_states {
    uint8_t state[FZ_MAX_CONNS];   /* enum synack_tcp_state + 1; 0 = never seen */
    bool closed[FZ_MAX_CONNS];
    uint32_t open;                 /* followed connections not CLOSED */
    uint32_t estab;                /* ... in ESTABLISHED or CLOSE_WAIT */
    uint32_t events;
};
void fz_states_event(struct fz_states *s, const struct synack_trace_event *ev);
/* The state a followed connection is in (-1 if never seen). */
int fz_states_get(const struct fz_states *s, uint64_t conn_id);

/* Stack-wide counters that must agree with each other and with what the
 * harness saw: every packet handed in is accounted for exactly once, and
 * the connection counts match the followed states. */
void fz_check_stats(struct synack_stack *st, const struct fz_states *s, uint64_t packets_in);

/* Every packet a stack sends must be well formed: IPv4 or IPv6 header
 * valid (no fragment, no extension header), its transport checksum right
 * (UDP over IPv6 never 0), a TCP header that parses, an ICMPv6 error
 * within the minimum MTU. */
void fz_check_sent_packet(const uint8_t *pkt, size_t len);

/* FUZZ_VERBOSE set: prints one line per packet (tcpdump-like, TCP only in
 * detail) and per state change, to read what a crashing input does. */
bool fz_verbose(void);
void fz_print_packet(const char *who, synack_time_us now, const uint8_t *pkt, size_t len);

#endif
