/* lwip_mem.c — how much memory the process uses (for the idle workload).
 *
 * Debian builds lwIP with MEM_LIBC_MALLOC=1 and MEMP_MEM_MALLOC=1: every
 * pcb, segment and pbuf comes from the C library's malloc.  So the heap in
 * use (glibc's mallinfo2().uordblks: the chunks handed out, their headers
 * included) counts lwIP's memory exactly, plus whatever the peer itself
 * allocates — which is why the idle workload allocates all of its own
 * memory before it takes the first reading.  AddressSanitizer replaces
 * malloc and leaves mallinfo2() empty; under it we read the sanitizer's
 * own count (bytes asked for, without chunk headers).
 */
#include <malloc.h>
#include <stdio.h>
#include <unistd.h>

#include "lwip_peer.h"

#if defined(__SANITIZE_ADDRESS__)
#define PEER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PEER_ASAN 1
#endif
#endif

#ifdef PEER_ASAN
/* From the sanitizer runtime (declared in clang's
 * <sanitizer/allocator_interface.h>, which gcc does not ship). */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

uint64_t heap_in_use(void)
{
#ifdef PEER_ASAN
    return (uint64_t)__sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    return (uint64_t)mi.uordblks;
#endif
}

const char *heap_counter_name(void)
{
#ifdef PEER_ASAN
    return "__sanitizer_get_current_allocated_bytes (AddressSanitizer build)";
#else
    return "mallinfo2().uordblks";
#endif
}

/* Resident set size from /proc/self/statm (second field, in pages). */
uint64_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return 0;
    unsigned long long size = 0, resident = 0;
    int n = fscanf(f, "%llu %llu", &size, &resident);
    fclose(f);
    if (n != 2)
        return 0;
    long page = sysconf(_SC_PAGESIZE);
    return resident * (uint64_t)(page > 0 ? page : 4096);
}
