/* test_syncookie.c — SYN cookies (syncookie.c) as pure functions: the
 * lifetime of a cookie in counter ticks, what the MAC covers, the MSS
 * table, and the options carried in the TSval. */
#include "syncookie.h"

#include "test.h"

#define TICK SYNCOOKIE_PERIOD_US

static const struct siphash_key key = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };

static struct synack_endpoint ep(uint8_t last, uint16_t port)
{
    return synack_endpoint_make(synack_addr_v4(198, 18, 0, last), port);
}

/* Made at `made`, checked at `checked`. */
static enum syncookie_verdict age_verdict(synack_time_us made, synack_time_us checked)
{
    struct synack_endpoint l = ep(2, 80), r = ep(1, 40000);
    uint16_t used, mss = 0;
    uint32_t c = syncookie_make(&key, &l, &r, 1000, 1460, made, &used);
    return syncookie_check(&key, &l, &r, 1000, c, checked, &mss);
}

TEST(cookie_lives_for_its_tick_and_the_next)
{
    CHECK_EQ(age_verdict(10 * TICK, 10 * TICK), SYNCOOKIE_VALID);
    CHECK_EQ(age_verdict(10 * TICK, 11 * TICK - 1), SYNCOOKIE_VALID);          /* same tick */
    CHECK_EQ(age_verdict(10 * TICK + TICK - 1, 11 * TICK), SYNCOOKIE_VALID);   /* next tick, 1 µs old */
    CHECK_EQ(age_verdict(10 * TICK, 12 * TICK - 1), SYNCOOKIE_VALID);          /* almost 128 s */
    CHECK_EQ(age_verdict(10 * TICK, 12 * TICK), SYNCOOKIE_EXPIRED);
    CHECK_EQ(age_verdict(10 * TICK, 13 * TICK + 5), SYNCOOKIE_EXPIRED);
    /* Four ticks on, the two bits of the counter come round again: the MAC
     * (over the whole counter) no longer matches. */
    CHECK_EQ(age_verdict(10 * TICK, 14 * TICK), SYNCOOKIE_INVALID);
    /* A cookie claiming a tick before the clock began is not ours. */
    struct synack_endpoint l = ep(2, 80), r = ep(1, 40000);
    uint16_t used, mss;
    uint32_t c = syncookie_make(&key, &l, &r, 1000, 1460, 3 * TICK, &used);   /* counter bits 3 */
    CHECK_EQ(syncookie_check(&key, &l, &r, 1000, c, 0, &mss), SYNCOOKIE_INVALID);
}

TEST(mac_covers_endpoints_isn_and_mss_index)
{
    struct synack_endpoint l = ep(2, 80), r = ep(1, 40000);
    synack_time_us now = 5 * TICK;
    uint16_t used, mss = 0;
    uint32_t c = syncookie_make(&key, &l, &r, 1000, 1460, now, &used);
    CHECK_EQ(used, 1460);
    CHECK_EQ(syncookie_check(&key, &l, &r, 1000, c, now, &mss), SYNCOOKIE_VALID);
    CHECK_EQ(mss, 1460);
    struct synack_endpoint other_port = ep(1, 40001), other_addr = ep(3, 40000), other_local = ep(2, 81);
    CHECK_EQ(syncookie_check(&key, &l, &other_port, 1000, c, now, &mss), SYNCOOKIE_INVALID);
    CHECK_EQ(syncookie_check(&key, &l, &other_addr, 1000, c, now, &mss), SYNCOOKIE_INVALID);
    CHECK_EQ(syncookie_check(&key, &other_local, &r, 1000, c, now, &mss), SYNCOOKIE_INVALID);
    CHECK_EQ(syncookie_check(&key, &l, &r, 1001, c, now, &mss), SYNCOOKIE_INVALID);
    CHECK_EQ(syncookie_check(&key, &l, &r, 1000, c ^ 1, now, &mss), SYNCOOKIE_INVALID);   /* MSS index changed */
    struct siphash_key other_key = { 1, 2 };
    CHECK_EQ(syncookie_check(&other_key, &l, &r, 1000, c, now, &mss), SYNCOOKIE_INVALID);
    /* Every single-bit change of the MAC fails. */
    for (int bit = 5; bit < 32; bit++)
        CHECK_EQ(syncookie_check(&key, &l, &r, 1000, c ^ (1u << bit), now, &mss), SYNCOOKIE_INVALID);
}

TEST(blind_guesses_almost_never_verify)
{
    /* 2^20 guesses at 2^-28 each: expected 0.004 successes. */
    struct synack_endpoint l = ep(2, 80), r = ep(1, 40000);
    uint16_t mss;
    uint32_t x = 12345, hits = 0;
    for (int i = 0; i < (1 << 20); i++) {
        x = x * 1664525u + 1013904223u;
        hits += syncookie_check(&key, &l, &r, 1000, x, 7 * TICK, &mss) == SYNCOOKIE_VALID;
    }
    CHECK_EQ(hits, 0);
}

TEST(mss_is_the_largest_table_entry_not_above_the_announced_one)
{
    static const struct { uint16_t announced, used; } cases[] = {
        { 65535, 8960 }, { 8960, 8960 }, { 8959, 1460 }, { 1460, 1460 }, { 1459, 1440 }, { 1440, 1440 },
        { 1400, 1400 }, { 1399, 1360 }, { 1360, 1360 }, { 1300, 1220 }, { 1220, 1220 }, { 1219, 536 },
        { 536, 536 }, { 535, 88 }, { 88, 88 }, { 1, 88 },
    };
    struct synack_endpoint l = ep(2, 80), r = ep(1, 40000);
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint16_t used, mss = 0;
        uint32_t c = syncookie_make(&key, &l, &r, 77, cases[i].announced, TICK, &used);
        CHECK_EQ(used, cases[i].used);
        CHECK_EQ(syncookie_check(&key, &l, &r, 77, c, TICK, &mss), SYNCOOKIE_VALID);
        CHECK_EQ(mss, cases[i].used);
    }
}

TEST(timestamp_carries_window_scale_and_sack_and_never_runs_ahead)
{
    static const uint32_t clocks[] = { 0, 1, 63, 64, 1000, 0x7fffffffu, 0xffffffc0u, 0xffffffffu };
    for (unsigned i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        for (int ws = -1; ws <= 14; ws++) {
            for (int sack = 0; sack <= 1; sack++) {
                struct syncookie_opts o = { .wscale_ok = ws >= 0, .wscale = (uint8_t)(ws < 0 ? 0 : ws),
                                            .sack_ok = sack != 0 }, back;
                uint32_t ts = syncookie_ts_encode(clocks[i], &o);
                CHECK((int32_t)(clocks[i] - ts) >= 0 && clocks[i] - ts < 128);   /* at most 127 ms behind */
                syncookie_ts_decode(ts, &back);
                CHECK_EQ(back.wscale_ok, o.wscale_ok);
                if (o.wscale_ok)
                    CHECK_EQ(back.wscale, o.wscale);
                CHECK_EQ(back.sack_ok, o.sack_ok);
            }
        }
    }
    /* A shift over 14 is sent as 14 (RFC 7323 §2.3). */
    struct syncookie_opts big = { .wscale_ok = true, .wscale = 15 }, back;
    syncookie_ts_decode(syncookie_ts_encode(5000, &big), &back);
    CHECK(back.wscale_ok && back.wscale == 14);
}
