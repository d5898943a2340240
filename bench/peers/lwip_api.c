/* lwip_api.c — loads lwIP, once or twice, and the raw API calls the peer
 * makes, as a table per instance.
 *
 * lwIP keeps all its state in globals (pcb lists, timers, netif list), so
 * one copy of the library is one TCP/IP stack.  By default the peer gives
 * each side its own stack, as two hosts would have: the clients' netifs
 * in one instance, the server's in another.  The second instance is a
 * second copy of Debian's liblwip.so.0, read into a memfd and dlopen()ed
 * from /proc/self/fd/N: the dynamic loader knows a library by its file
 * identity, so that copy gets its own data segment, and each copy's
 * references to its own globals stay inside it (both are loaded
 * RTLD_LOCAL and nothing else in the process defines lwIP's symbols; the
 * executable does not link liblwip).  Both copies share the process's C
 * library, so they share one malloc and one heap count.
 *
 * With --one-stack, both sides use one instance (the setup of lwIP's own
 * unit tests): then every lookup walks both ends' pcbs, and the server's
 * SYN processing walks the clients' TIME_WAIT list.
 */
#define _GNU_SOURCE /* memfd_create */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lwip_peer.h"

#ifndef LWIP_PEER_LIBRARY
#error "LWIP_PEER_LIBRARY (the path of liblwip's shared library) must be defined by the build"
#endif

static struct lwip instances[2];
static const struct lwip *client, *server;

const struct lwip *stack_client(void) { return client; }
const struct lwip *stack_server(void) { return server; }
bool stacks_shared(void) { return client == server; }

/* Copies the library into an anonymous file; returns its descriptor. */
static int copy_to_memfd(const char *path)
{
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        peer_fail("cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    int fd = memfd_create("liblwip-second-instance", MFD_CLOEXEC);
    if (fd < 0) {
        peer_fail("memfd_create failed (%s); --one-stack runs without a second lwIP instance",
                  strerror(errno));
        close(in);
        return -1;
    }
    char buf[1 << 16];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0 || write(fd, buf, (size_t)n) != n) {
            peer_fail("copying %s failed: %s", path, strerror(errno));
            close(in);
            close(fd);
            return -1;
        }
    }
    close(in);
    return fd;
}

static int resolve(void *h, const char *name, void **slot)
{
    dlerror();
    *slot = dlsym(h, name);
    if (*slot == NULL) {
        const char *e = dlerror();
        peer_fail("lwIP symbol %s not found: %s", name, e != NULL ? e : "(null)");
        return -1;
    }
    return 0;
}

/* dlsym returns data pointers; POSIX guarantees they convert to function
 * pointers, and this is the conversion its dlsym page shows. */
#define RESOLVE(L, h, name)                                        \
    do {                                                           \
        if (resolve((h), #name, (void **)(&(L)->name)) != 0)       \
            return -1;                                             \
    } while (0)

/* The peer reads pcb fields through lwIP's headers (tcp_sndbuf() and the
 * like): a new pcb must hold what tcp_alloc() puts there under the
 * headers' options, or the headers do not describe this library. */
static int check_layout(const struct lwip *L)
{
    struct tcp_pcb *pcb = L->tcp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL) {
        peer_fail("tcp_new failed right after lwip_init");
        return -1;
    }
    bool ok = pcb->snd_buf == TCP_SND_BUF && pcb->ttl == TCP_TTL && pcb->state == CLOSED &&
              pcb->mss == (TCP_MSS > 536 ? 536 : TCP_MSS); /* tcp.c: INITIAL_MSS */
    L->tcp_close(pcb); /* a new, unbound pcb is freed at once */
    if (!ok) {
        peer_fail("lwIP's headers do not match %s: a new pcb's fields differ", LWIP_PEER_LIBRARY);
        return -1;
    }
    return 0;
}

static int load(struct lwip *L, const char *label, bool fresh_copy)
{
    void *h;
    if (!fresh_copy) {
        h = dlopen(LWIP_PEER_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    } else {
        int fd = copy_to_memfd(LWIP_PEER_LIBRARY);
        if (fd < 0)
            return -1;
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        close(fd); /* the mapping stays */
    }
    if (h == NULL) {
        const char *e = dlerror();
        peer_fail("dlopen of lwIP (%s) failed: %s", LWIP_PEER_LIBRARY, e != NULL ? e : "(null)");
        return -1;
    }
    L->label = label;
    RESOLVE(L, h, lwip_init);
    RESOLVE(L, h, netif_add);
    RESOLVE(L, h, netif_set_up);
    RESOLVE(L, h, netif_set_link_up);
    RESOLVE(L, h, ip4_input);
    RESOLVE(L, h, sys_check_timeouts);
    RESOLVE(L, h, sys_timeouts_sleeptime);
    RESOLVE(L, h, tcp_new_ip_type);
    RESOLVE(L, h, tcp_bind);
    RESOLVE(L, h, tcp_bind_netif);
    RESOLVE(L, h, tcp_listen_with_backlog_and_err);
    RESOLVE(L, h, tcp_arg);
    RESOLVE(L, h, tcp_accept);
    RESOLVE(L, h, tcp_recv);
    RESOLVE(L, h, tcp_sent);
    RESOLVE(L, h, tcp_err);
    RESOLVE(L, h, tcp_connect);
    RESOLVE(L, h, tcp_write);
    RESOLVE(L, h, tcp_output);
    RESOLVE(L, h, tcp_recved);
    RESOLVE(L, h, tcp_shutdown);
    RESOLVE(L, h, tcp_close);
    RESOLVE(L, h, tcp_abort);
    RESOLVE(L, h, tcp_debug_state_str);
    RESOLVE(L, h, pbuf_alloc);
    RESOLVE(L, h, pbuf_copy);
    RESOLVE(L, h, pbuf_copy_partial);
    RESOLVE(L, h, pbuf_free);
    RESOLVE(L, h, tcp_active_pcbs);
    RESOLVE(L, h, tcp_tw_pcbs);
    L->lwip_init();
    return check_layout(L);
}

int stacks_init(bool one_stack)
{
    if (load(&instances[0], one_stack ? "lwip" : "lwip (clients)", false) != 0)
        return -1;
    client = server = &instances[0];
    if (one_stack)
        return 0;
    if (load(&instances[1], "lwip (server)", true) != 0)
        return -1;
    if (instances[1].tcp_active_pcbs == instances[0].tcp_active_pcbs) {
        peer_fail("the second lwIP instance shares the first one's globals");
        return -1;
    }
    server = &instances[1];
    return 0;
}

void stacks_check_timeouts(void)
{
    client->sys_check_timeouts();
    if (server != client)
        server->sys_check_timeouts();
}

uint32_t stacks_sleeptime_ms(void)
{
    uint32_t a = client->sys_timeouts_sleeptime();
    uint32_t b = server->sys_timeouts_sleeptime();
    return a < b ? a : b;
}
