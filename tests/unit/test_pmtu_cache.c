/*
 * test_pmtu_cache.c — the per-destination path MTU cache (pmtu_cache.h:
 * RFC 1191 §6.2-§6.3, RFC 8201 §5.2) and the MTU <-> MSS conversions
 * every TCP size goes through (tcp_pmtu.h).
 */
#include "pmtu_cache.h"
#include "tcp_pmtu.h"
#include "test.h"

static struct synack_addr host(uint32_t n) { return synack_addr_v4_u32(0xc6120000u + n); }

TEST(entries_are_found_replaced_and_lapse)
{
    static struct pmtu_cache pc;
    pmtu_cache_init(&pc);
    struct synack_addr a = host(1), b = host(2);
    synack_time_us exp = 0;
    CHECK_EQ(pmtu_cache_get(&pc, &a, 0, &exp), 0);
    pmtu_cache_put(&pc, &a, 1280, 1000);
    pmtu_cache_put(&pc, &b, 1400, 2000);
    CHECK_EQ(pmtu_cache_get(&pc, &a, 999, &exp), 1280);
    CHECK_EQ(exp, 1000);
    pmtu_cache_put(&pc, &a, 1006, 3000);                 /* news about a: replaced, not added */
    CHECK_EQ(pc.count, 2);
    CHECK_EQ(pmtu_cache_get(&pc, &a, 2500, NULL), 1006);
    /* RFC 1191 §6.3: a lapsed entry is gone (and leaves the table). */
    CHECK_EQ(pmtu_cache_get(&pc, &b, 2000, NULL), 0);
    CHECK_EQ(pc.count, 1);
    CHECK_EQ(pmtu_cache_get(&pc, &a, 2999, NULL), 1006);
    /* Another family's address with the same bytes is another destination. */
    struct synack_addr v6 = a;
    v6.family = SYNACK_AF_INET6;
    CHECK_EQ(pmtu_cache_get(&pc, &v6, 0, NULL), 0);
}

TEST(a_full_cache_gives_up_the_entry_that_lapses_first)
{
    static struct pmtu_cache pc;
    pmtu_cache_init(&pc);
    for (uint32_t i = 0; i < PMTU_CACHE_SLOTS; i++) {
        struct synack_addr d = host(i);
        pmtu_cache_put(&pc, &d, 1000 + i, 10000 - i);   /* the last one put lapses first */
    }
    CHECK_EQ(pc.count, PMTU_CACHE_SLOTS);
    struct synack_addr extra = host(500);
    pmtu_cache_put(&pc, &extra, 576, 50000);
    CHECK_EQ(pc.count, PMTU_CACHE_SLOTS);
    CHECK_EQ(pmtu_cache_get(&pc, &extra, 0, NULL), 576);
    struct synack_addr evicted = host(PMTU_CACHE_SLOTS - 1), kept = host(0);
    CHECK_EQ(pmtu_cache_get(&pc, &evicted, 0, NULL), 0);
    CHECK_EQ(pmtu_cache_get(&pc, &kept, 0, NULL), 1000);
}

TEST(mtu_and_mss_convert_by_the_family_header)
{
    /* IPv4: 20 + 20; IPv6: 40 + 20 (RFC 8200 §3); the floors of tcp_pmtu.c. */
    CHECK_EQ(tcp_mtu_to_mss(SYNACK_AF_INET, 1500), 1460);
    CHECK_EQ(tcp_mtu_to_mss(SYNACK_AF_INET6, 1500), 1440);
    CHECK_EQ(tcp_mss_to_mtu(SYNACK_AF_INET, 1460), 1500);
    CHECK_EQ(tcp_mss_to_mtu(SYNACK_AF_INET6, 1220), 1280);
    CHECK_EQ(tcp_mtu_to_mss(SYNACK_AF_INET, 30), 0);
    CHECK_EQ(tcp_pmtu_floor(SYNACK_AF_INET), 552);
    CHECK_EQ(tcp_pmtu_floor(SYNACK_AF_INET6), 1280);
}
