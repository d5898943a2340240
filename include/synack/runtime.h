/*
 * synack/runtime.h — an event loop that owns one stack, its real links
 * and the real clock, for programs that just want to serve or connect.
 *
 *     struct synack_runtime *rt = synack_runtime_new(&cfg);
 *     synack_runtime_add_tun(rt, "syn0", addr, 24);     // or _add_tap
 *     synack_runtime_set_handler(rt, on_event, app);   // socket readiness
 *     ... synack_socket/bind/listen on synack_runtime_stack(rt) ...
 *     synack_runtime_run(rt);                          // until stopped
 *
 * The loop (epoll, CLOCK_MONOTONIC) reads packets in batches, feeds them
 * to synack_input, hands socket events to the handler, calls synack_poll
 * and sleeps until the next deadline or the next packet.  Socket calls
 * made from the handler take effect at the poll that follows.
 *
 * Threads: everything here runs on the thread that calls
 * synack_runtime_run; the only calls safe from other threads are
 * synack_runtime_stop and synack_runtime_post.
 *
 * Signals: while it runs, SIGINT and SIGTERM stop the loop gracefully
 * (see synack_runtime_set_shutdown_grace): open connections get their FIN
 * or RST and the queued output is written before run returns.
 */
#ifndef SYNACK_RUNTIME_H
#define SYNACK_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include "synack/socket.h"
#include "synack/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

struct synack_runtime;

typedef void (*synack_runtime_event_fn)(struct synack_runtime *rt, const struct synack_event *ev, void *ctx);
typedef void (*synack_runtime_fd_fn)(struct synack_runtime *rt, int fd, uint32_t epoll_events, void *ctx);
typedef void (*synack_runtime_timer_fn)(struct synack_runtime *rt, void *ctx);

/* cfg may be NULL for defaults; a zero secret is replaced by one from
 * getrandom().  Returns NULL on failure (errno set). */
struct synack_runtime *synack_runtime_new(const struct synack_config *cfg);
/* Closes the links and frees the stack (sending nothing more). */
void synack_runtime_free(struct synack_runtime *rt);
struct synack_stack *synack_runtime_stack(struct synack_runtime *rt);
/* The runtime's clock: microseconds of CLOCK_MONOTONIC. */
synack_time_us synack_runtime_now(const struct synack_runtime *rt);

/* Opens (or creates) TUN device `name` and adds it as an interface (IP
 * packets, SYNACK_LINK_IP) with address addr/prefix_len, IPv4 or IPv6,
 * and the device's MTU.  Returns the interface number or a negative
 * error.  A dual-stack interface gets its second address with
 * synack_iface_add_addr(synack_runtime_stack(rt), iface, addr, len). */
int synack_runtime_add_tun(struct synack_runtime *rt, const char *name, struct synack_addr addr,
                           uint8_t prefix_len);
/* Opens (or creates) TAP device `name` (synack/tap.h) and adds it as an
 * Ethernet interface (SYNACK_LINK_ETHERNET: the stack does ARP and
 * neighbour discovery) with address addr/prefix_len and the device's MTU.
 * synack's MAC address is `mac` if not NULL, else a locally administered
 * one made from the stack's secret (synack_tap_make_mac; never the
 * device's, which is the kernel's side).  Returns the interface number or
 * a negative error (-SYNACK_EADDRINUSE when mac is the device's own). */
int synack_runtime_add_tap(struct synack_runtime *rt, const char *name, struct synack_addr addr,
                           uint8_t prefix_len);
int synack_runtime_add_tap_mac(struct synack_runtime *rt, const char *name, struct synack_addr addr,
                               uint8_t prefix_len, const uint8_t *mac);
/* A TAP interface's MAC addresses: synack's (mac) and the device's, the
 * kernel's side (device_mac); either may be NULL.  Returns 0, or
 * -SYNACK_EINVAL when iface is not a TAP link of this runtime. */
int synack_runtime_link_mac(const struct synack_runtime *rt, int iface, uint8_t mac[6], uint8_t device_mac[6]);
/* Offloads (synack/tun.h SYNACK_TUN_OFFLOAD) for TUN and TAP links added
 * after this call: on by default.  Received super-packets and merged
 * sent ones cut the system calls per byte by up to 40 times. */
void synack_runtime_set_offload(struct synack_runtime *rt, bool on);
/* Writes every packet sent and received to a pcap file (received
 * checksums left partial by an offloading kernel are completed first). */
int synack_runtime_capture(struct synack_runtime *rt, const char *path);

/* The application's handler for socket events. */
void synack_runtime_set_handler(struct synack_runtime *rt, synack_runtime_event_fn fn, void *ctx);
/* Watches another descriptor (e.g. standard input); fn gets the epoll
 * events.  Returns 0 or a negative error. */
int synack_runtime_watch_fd(struct synack_runtime *rt, int fd, uint32_t epoll_events, synack_runtime_fd_fn fn,
                            void *ctx);
int synack_runtime_unwatch_fd(struct synack_runtime *rt, int fd);
/* Calls fn once, at or after `at` (runtime clock).  Returns 0 or -ENOMEM. */
int synack_runtime_at(struct synack_runtime *rt, synack_time_us at, synack_runtime_timer_fn fn, void *ctx);

/* Runs until synack_runtime_stop (or a signal).  Returns 0, or a negative
 * error if the loop itself failed. */
int synack_runtime_run(struct synack_runtime *rt);
/* Asks the loop to stop gracefully; safe from any thread and from signal
 * handlers. */
void synack_runtime_stop(struct synack_runtime *rt);
/* Runs fn(ctx) on the loop's thread soon: the one door for other threads
 * (like libuv's uv_async).  Safe from any thread. */
int synack_runtime_post(struct synack_runtime *rt, synack_runtime_timer_fn fn, void *ctx);
/* On stop, connections still open are closed (FIN) and given up to
 * grace_us to finish before the rest are reset.  Default 2 s. */
void synack_runtime_set_shutdown_grace(struct synack_runtime *rt, synack_time_us grace_us);
/* Handles SIGINT/SIGTERM as stop requests (default true). */
void synack_runtime_handle_signals(struct synack_runtime *rt, bool on);

#ifdef __cplusplus
}
#endif
#endif
