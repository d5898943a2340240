/*
 * serve.h — what `synack serve` (cmd_serve.c) shares with the services it
 * runs: echo, discard, chargen (serve_basic.c) and HTTP (serve_http.c).
 *
 * cmd_serve.c owns the runtime, the listening sockets and one struct
 * serve_conn per accepted connection; a service owns only what hangs off
 * conn->state.  The call chain:
 *
 *     runtime handler (cmd_serve.c)
 *       listener READABLE -> accept -> service->open(conn)
 *       connection event  -> service->event(conn, ready) -> verdict
 *       verdict CLOSE/ABORT, idle or deadline passed, or stop
 *                         -> service->release(conn) -> close/abort, free
 *
 * A service never closes the socket itself: it returns a verdict, so that
 * exactly one place releases the handle and the connection's memory.
 * Services read and write through serve_recv/serve_send, which count the
 * bytes for the summary printed at exit.
 */
#ifndef SYNACK_TOOLS_SERVE_H
#define SYNACK_TOOLS_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "synack/synack.h"

/* What a service wants done with a connection after an event. */
enum serve_verdict {
    SERVE_KEEP,      /* wait for the next event */
    SERVE_CLOSE,     /* graceful close: queued data, then FIN */
    SERVE_ABORT,     /* reset the connection */
};

/* Counters for the summary line at exit. */
struct serve_stats {
    uint64_t connections;      /* accepted */
    uint64_t bytes_in, bytes_out;
    uint64_t http_requests;    /* responses started, errors included */
};

struct serve_conn;

struct service {
    const char *name;          /* "echo" */
    /* A connection was accepted.  Sets conn->state; returns 0, or a
     * negative error to reset the connection at once. */
    int (*open)(struct serve_conn *conn);
    /* The socket's readiness changed (enum synack_ready bits). */
    enum serve_verdict (*event)(struct serve_conn *conn, uint32_t ready);
    /* Frees conn->state.  Called exactly once, however the connection
     * ends (also at shutdown, when the handle may already be stale). */
    void (*release)(struct serve_conn *conn);
};

extern const struct service service_echo;
extern const struct service service_discard;
extern const struct service service_chargen;
extern const struct service service_http;

/* One listening port, on each of the link's addresses. */
struct serve_listener {
    const struct service *service;
    uint16_t port;
    const char *root;          /* HTTP: the served directory, as realpath() gave it */
    int socks[SYNACK_IFACE_MAX_ADDRS];  /* one per address of the link (-1: not listening yet) */
};

struct serve_conn {
    int sock;                  /* the full handle: a table slot is only ours if it matches */
    struct synack_stack *stack;
    struct synack_runtime *rt;
    const struct serve_listener *listener;
    struct serve_stats *stats;
    synack_time_us last_active_us;  /* the last event */
    synack_time_us idle_limit_us;   /* closed after this long without an event; 0 = never */
    synack_time_us deadline_us;     /* closed at this time whatever happens; SYNACK_TIME_NEVER = none */
    void *state;               /* the service's */
};

/* synack_recv and synack_send that count bytes in conn->stats. */
ssize_t serve_recv(struct serve_conn *conn, void *buf, size_t len);
ssize_t serve_send(struct serve_conn *conn, const void *data, size_t len);
/* The runtime clock, for services that set deadlines. */
synack_time_us serve_now(const struct serve_conn *conn);

/* Reads and drops whatever is waiting.  Returns 1 at end of stream, 0 when
 * nothing more is waiting (-SYNACK_EAGAIN), or the connection's error. */
int serve_drain_input(struct serve_conn *conn);

#endif
