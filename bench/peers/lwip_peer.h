/* lwip_peer.h — the lwIP peer of `synack bench`: shared declarations.
 *
 * The peer runs synack's benchmark workloads on Debian's liblwip (2.1.3)
 * through lwIP's raw API, in one process and one thread:
 *
 *   lwip_peer.c       command line, the "limits" object, JSON out
 *   lwip_api.c        loads lwIP (one instance per side, or one for both)
 *                     and its raw API as a table per instance
 *   lwip_link.c       the wire: one netif per address, a copy per packet,
 *                     a FIFO delivered from the main loop (never from
 *                     inside an output function)
 *   lwip_loop.c       the main loop: deliver, run lwIP's timers, detect
 *                     stalls; the clock; the first error
 *   lwip_endpoints.c  the server's listener; which client address and
 *                     port each connection uses
 *   lwip_mem.c        heap bytes in use and RSS (for idle)
 *   lwip_json.c       one line of JSON
 *   lwip_bulk.c, lwip_pingpong.c, lwip_churn.c, lwip_idle.c
 *                     the four workloads
 *
 * Everything lwIP does happens inside link_deliver() (segments arriving,
 * the application callbacks they fire) and the timer checks, both called
 * from loop_run(), plus the calls a workload makes from its step function.
 * Client-side code calls stack_client()'s table, server-side code
 * stack_server()'s.
 */
#ifndef SYNACK_BENCH_LWIP_PEER_H
#define SYNACK_BENCH_LWIP_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"

/* ---- lwip_api.c: the lwIP instances ---- */

/* The raw API calls the peer makes, resolved in one loaded copy of the
 * library (the names are lwIP's). */
struct lwip {
    const char *label;
    void (*lwip_init)(void);
    struct netif *(*netif_add)(struct netif *netif, const ip4_addr_t *ipaddr,
                               const ip4_addr_t *netmask, const ip4_addr_t *gw, void *state,
                               netif_init_fn init, netif_input_fn input);
    void (*netif_set_up)(struct netif *netif);
    void (*netif_set_link_up)(struct netif *netif);
    err_t (*ip4_input)(struct pbuf *p, struct netif *inp);
    void (*sys_check_timeouts)(void);
    u32_t (*sys_timeouts_sleeptime)(void);
    struct tcp_pcb *(*tcp_new_ip_type)(u8_t type);
    err_t (*tcp_bind)(struct tcp_pcb *pcb, const ip_addr_t *ipaddr, u16_t port);
    void (*tcp_bind_netif)(struct tcp_pcb *pcb, const struct netif *netif);
    struct tcp_pcb *(*tcp_listen_with_backlog_and_err)(struct tcp_pcb *pcb, u8_t backlog,
                                                       err_t *err);
    void (*tcp_arg)(struct tcp_pcb *pcb, void *arg);
    void (*tcp_accept)(struct tcp_pcb *pcb, tcp_accept_fn accept);
    void (*tcp_recv)(struct tcp_pcb *pcb, tcp_recv_fn recv);
    void (*tcp_sent)(struct tcp_pcb *pcb, tcp_sent_fn sent);
    void (*tcp_err)(struct tcp_pcb *pcb, tcp_err_fn err);
    err_t (*tcp_connect)(struct tcp_pcb *pcb, const ip_addr_t *ipaddr, u16_t port,
                         tcp_connected_fn connected);
    err_t (*tcp_write)(struct tcp_pcb *pcb, const void *dataptr, u16_t len, u8_t apiflags);
    err_t (*tcp_output)(struct tcp_pcb *pcb);
    void (*tcp_recved)(struct tcp_pcb *pcb, u16_t len);
    err_t (*tcp_shutdown)(struct tcp_pcb *pcb, int shut_rx, int shut_tx);
    err_t (*tcp_close)(struct tcp_pcb *pcb);
    void (*tcp_abort)(struct tcp_pcb *pcb);
    const char *(*tcp_debug_state_str)(enum tcp_state s);
    struct pbuf *(*pbuf_alloc)(pbuf_layer l, u16_t length, pbuf_type type);
    err_t (*pbuf_copy)(struct pbuf *p_to, const struct pbuf *p_from);
    u16_t (*pbuf_copy_partial)(const struct pbuf *p, void *dataptr, u16_t len, u16_t offset);
    u8_t (*pbuf_free)(struct pbuf *p);
    struct tcp_pcb **tcp_active_pcbs; /* lwIP's lists (data symbols) */
    struct tcp_pcb **tcp_tw_pcbs;
};

/* Loads lwIP and calls lwip_init(): twice (clients, server) or once. */
int stacks_init(bool one_stack);
const struct lwip *stack_client(void);
const struct lwip *stack_server(void);
bool stacks_shared(void);
void stacks_check_timeouts(void);
uint32_t stacks_sleeptime_ms(void);

/* ---- options from the command line ---- */

struct peer_opts {
    uint64_t bytes;        /* bulk: application bytes to move */
    uint64_t count;        /* churn, idle: connections */
    uint64_t concurrency;  /* churn: most open at once */
    uint64_t rounds;       /* pingpong: round trips */
    unsigned client_addrs; /* churn, idle: 0 = as many as the count needs */
    bool lwip_ports;       /* churn, idle: let lwIP choose local ports */
    bool verify;           /* bulk, pingpong: check every byte received */
    bool one_stack;        /* both sides in one lwIP instance */
    bool progress;         /* a line on stderr every 10 s */
};

/* ---- lwip_json.c: one line of JSON, built in a fixed buffer ---- */

enum { JSON_MAX_DEPTH = 4 };

struct json {
    char buf[8192];
    size_t len;
    bool overflow;
    int depth;
    bool first[JSON_MAX_DEPTH + 1]; /* no member written yet at this depth */
};

void json_begin(struct json *j);
void json_str(struct json *j, const char *key, const char *value);
void json_num(struct json *j, const char *key, double value);
void json_uint(struct json *j, const char *key, uint64_t value);
void json_bool(struct json *j, const char *key, bool value);
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
/* Closes the object; returns the line (no newline), or NULL on overflow. */
const char *json_end(struct json *j);

/* ---- lwip_loop.c: clock, first error, main loop ---- */

uint64_t now_ns(void);
uint64_t cpu_ns(void);

/* Records the first error (later ones are dropped); loop_run stops on it. */
void peer_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool peer_failed(void);
const char *peer_error(void);

struct loop {
    const char *what;                 /* names the workload in errors */
    void *arg;
    bool (*done)(void *arg);
    bool (*step)(void *arg);          /* application work each round (true if it did
                                         any); may be NULL */
    uint64_t (*progress)(void *arg);  /* grows while work gets done */
    void (*report)(void *arg, char *buf, size_t len); /* --progress line; may be NULL */
    uint64_t stall_ns;                /* no progress this long: an error */
    uint64_t deadline_ns;             /* 0, or stop (successfully) at this time */
};

/* No progress for this long is an error, not a hang. */
#define LOOP_STALL_NS (10ull * 1000000000ull)

/* --progress: a line on stderr every 10 s while a loop runs. */
void loop_set_progress(bool on);

/* Totals over every loop_run() so far. */
struct loop_stats {
    uint64_t rounds;
    uint64_t waits;      /* rounds that found nothing to do and slept */
    uint64_t waited_ns;  /* time spent asleep waiting for lwIP's timers */
};
void loop_get_stats(struct loop_stats *s);

/* For long stretches of application work inside a round (opening
 * thousands of connections): runs lwIP's timers every LOOP_TIMER_EVERY
 * calls, so that they keep to the real clock (see lwip_loop.c). */
#define LOOP_TIMER_EVERY 64u
void loop_tick(void);

/* Runs rounds until done() or the deadline; returns 0, or -1 on a stall
 * or a peer_fail() (the reason is in peer_error()). */
int loop_run(const struct loop *l);

/* ---- lwip_link.c: netifs joined by a copying link ---- */

/* The server is 198.18.0.2; client k is 198.18.0.1 for k = 0 and
 * 198.18.0.(k + 2) after that. */
#define LINK_MAX_CLIENTS 253u

/* lwip_init() and the netifs (one server, n_clients clients). */
int link_init(unsigned n_clients);
unsigned link_client_count(void);
struct netif *link_server_netif(void);
struct netif *link_client_netif(unsigned k);
/* Delivers the packets queued when it was called (those they cause wait
 * for the next call); returns how many. */
size_t link_deliver(void);
/* Makes room for this many queued packets now (so that the queue does not
 * grow during a memory measurement). */
int link_reserve(size_t packets);
void link_release(void);

struct link_stats {
    uint64_t packets;      /* handed from one netif to another */
    uint64_t bytes;        /* IP bytes copied */
    uint64_t drops;        /* no such address, no memory, queue full */
    uint64_t ipv6_drops;   /* lwIP tried to send IPv6 (never expected) */
    size_t queue_peak;
    size_t queued;         /* waiting for delivery now */
};
void link_get_stats(struct link_stats *s);

/* ---- lwip_endpoints.c: the server; client addresses and ports ---- */

/* Ports the peer hands out on each client address: lwIP's own ephemeral
 * range as tcp_new_port() walks it (tcp.c: TCP_LOCAL_PORT_RANGE_START
 * 0xc000; the counter wraps when it reaches 0xffff, so 0xffff itself is
 * never handed out). */
#define PORTS_FIRST 0xc000u
#define PORTS_PER_ADDR (0xffffu - 0xc000u)

struct port_plan {
    unsigned addrs;     /* client addresses (netifs) in use */
    bool lwip_ports;    /* tcp_bind(..., 0): lwIP's tcp_new_port() chooses */
    uint64_t next;      /* the next (address, port) pair, as an index */
};

/* How many client addresses `count` connections need so that no
 * (address, port) pair is used twice in the run. */
unsigned ports_addrs_for(uint64_t count);
void ports_plan_init(struct port_plan *pp, unsigned addrs, bool lwip_ports);
/* A new client pcb bound to its netif, address and port, callbacks not yet
 * set; NULL after peer_fail() when the ports ran out or lwIP failed. */
struct tcp_pcb *ports_new_client(struct port_plan *pp);
/* Text for the JSON: how addresses and ports were chosen. */
const char *ports_describe(const struct port_plan *pp);

#define SERVER_PORT_BULK 5001u
#define SERVER_PORT_PINGPONG 5002u
#define SERVER_PORT_CHURN 5003u
#define SERVER_PORT_IDLE 5004u

/* A listening pcb on the server netif; NULL after peer_fail(). */
struct tcp_pcb *server_listen(uint16_t port, void *arg, tcp_accept_fn accept);
const ip_addr_t *server_addr(void);

/* ---- lwip_mem.c ---- */

/* Heap bytes in use: mallinfo2().uordblks, or the sanitizer's count under
 * AddressSanitizer (which replaces malloc). */
uint64_t heap_in_use(void);
const char *heap_counter_name(void);
uint64_t rss_bytes(void);

/* ---- the workloads: each fills j's workload-specific members ---- */

int wl_bulk(const struct peer_opts *o, struct json *j);
int wl_pingpong(const struct peer_opts *o, struct json *j);
int wl_churn(const struct peer_opts *o, struct json *j);
int wl_idle(const struct peer_opts *o, struct json *j);

#endif
