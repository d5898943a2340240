/* test_rtt.c — the RFC 6298 estimator, against values worked out by hand
 * with the integer arithmetic rtt.c documents (alpha 1/8, beta 1/4, K 4,
 * G = RTT_CLOCK_GRANULARITY_US, divisions rounding down). */
#include "test.h"

#include "rtt.h"

#define MS 1000u
#define S 1000000u

TEST(rtt_initial_rto)
{
    struct rtt_estimator e;
    rtt_init(&e, 1 * S, 200 * MS, 60 * S);       /* RFC 6298 §2.1: 1 s */
    CHECK(!e.has_sample);
    CHECK_EQ(e.rto_us, 1 * S);
    CHECK_EQ(e.srtt_us, 0);
    CHECK_EQ(e.rttvar_us, 0);
    /* The initial value is clamped like any other. */
    rtt_init(&e, 2 * S, 200 * MS, 1 * S);
    CHECK_EQ(e.rto_us, 1 * S);
    rtt_init(&e, 100 * MS, 200 * MS, 60 * S);
    CHECK_EQ(e.rto_us, 200 * MS);
    /* A maximum below the minimum is raised to it. */
    rtt_init(&e, 1 * S, 200 * MS, 100 * MS);
    CHECK_EQ(e.max_us, 200 * MS);
    CHECK_EQ(e.rto_us, 200 * MS);
}

TEST(rtt_first_and_later_samples)
{
    struct rtt_estimator e;
    rtt_init(&e, 1 * S, 200 * MS, 60 * S);

    /* §2.2: R = 100 ms -> SRTT 100 ms, RTTVAR 50 ms, RTO = 100 + 4*50 = 300 ms. */
    rtt_sample(&e, 100 * MS);
    CHECK(e.has_sample);
    CHECK_EQ(e.srtt_us, 100000);
    CHECK_EQ(e.rttvar_us, 50000);
    CHECK_EQ(e.rto_us, 300000);

    /* §2.3: R = 120 ms.  |SRTT - R| = 20000.
     * RTTVAR = (3*50000 + 20000)/4 = 42500;  SRTT = (7*100000 + 120000)/8 = 102500;
     * RTO = 102500 + 4*42500 = 272500. */
    rtt_sample(&e, 120 * MS);
    CHECK_EQ(e.rttvar_us, 42500);
    CHECK_EQ(e.srtt_us, 102500);
    CHECK_EQ(e.rto_us, 272500);

    /* R = 80 ms.  |102500 - 80000| = 22500.
     * RTTVAR = (3*42500 + 22500)/4 = 37500;  SRTT = (7*102500 + 80000)/8 = 99687 (.5 dropped);
     * RTO = 99687 + 150000 = 249687. */
    rtt_sample(&e, 80 * MS);
    CHECK_EQ(e.rttvar_us, 37500);
    CHECK_EQ(e.srtt_us, 99687);
    CHECK_EQ(e.rto_us, 249687);
}

TEST(rtt_clamps_to_min_and_max)
{
    struct rtt_estimator e;
    /* §2.4: R = 10 ms gives 10 + 20 = 30 ms, raised to the 200 ms minimum. */
    rtt_init(&e, 1 * S, 200 * MS, 60 * S);
    rtt_sample(&e, 10 * MS);
    CHECK_EQ(e.srtt_us, 10000);
    CHECK_EQ(e.rto_us, 200 * MS);
    /* §2.5: R = 30 s gives 30 + 60 = 90 s, cut to the 60 s maximum. */
    rtt_init(&e, 1 * S, 200 * MS, 60 * S);
    rtt_sample(&e, 30 * S);
    CHECK_EQ(e.srtt_us, 30 * S);
    CHECK_EQ(e.rttvar_us, 15 * S);
    CHECK_EQ(e.rto_us, 60 * S);
    /* A huge sample does not overflow: 4 * RTTVAR is computed in 64 bits. */
    rtt_init(&e, 1 * S, 200 * MS, 60 * S);
    rtt_sample(&e, UINT32_MAX);
    CHECK_EQ(e.rto_us, 60 * S);
}

TEST(rtt_granularity_floor)
{
    /* With no minimum, a steady 1 ms path: RTTVAR decays 500, 375, 281, 210,
     * and once 4*RTTVAR drops under G = 1 ms the variance term is G. */
    struct rtt_estimator e;
    rtt_init(&e, 1 * S, 0, 60 * S);
    rtt_sample(&e, 1000);
    CHECK_EQ(e.rto_us, 1000 + 2000);
    rtt_sample(&e, 1000);
    CHECK_EQ(e.rttvar_us, 375);
    CHECK_EQ(e.rto_us, 1000 + 1500);
    rtt_sample(&e, 1000);
    CHECK_EQ(e.rttvar_us, 281);
    CHECK_EQ(e.rto_us, 1000 + 1124);
    rtt_sample(&e, 1000);
    CHECK_EQ(e.rttvar_us, 210);
    CHECK_EQ(e.rto_us, 1000 + RTT_CLOCK_GRANULARITY_US);
    for (int i = 0; i < 50; i++)
        rtt_sample(&e, 1000);
    CHECK_EQ(e.srtt_us, 1000);
    CHECK_EQ(e.rto_us, 1000 + RTT_CLOCK_GRANULARITY_US);
    /* A zero sample counts as 1 us. */
    rtt_init(&e, 1 * S, 0, 60 * S);
    rtt_sample(&e, 0);
    CHECK_EQ(e.srtt_us, 1);
    CHECK_EQ(e.rto_us, 1 + RTT_CLOCK_GRANULARITY_US);
}

TEST(rtt_backoff_doubles_and_caps)
{
    struct rtt_estimator e;
    rtt_init(&e, 1 * S, 200 * MS, 60 * S);
    rtt_sample(&e, 100 * MS);                  /* RTO 300 ms */
    CHECK_EQ(rtt_rto_backed_off(&e, 0), 300 * MS);
    CHECK_EQ(rtt_rto_backed_off(&e, 1), 600 * MS);
    CHECK_EQ(rtt_rto_backed_off(&e, 2), 1200 * MS);
    CHECK_EQ(rtt_rto_backed_off(&e, 7), 38400 * MS);
    CHECK_EQ(rtt_rto_backed_off(&e, 8), 60 * S);      /* 76.8 s capped */
    CHECK_EQ(rtt_rto_backed_off(&e, 100), 60 * S);
    CHECK_EQ(rtt_rto_backed_off(&e, ~0u), 60 * S);
    /* Backing off does not change the estimator. */
    CHECK_EQ(e.rto_us, 300 * MS);
    /* Before any sample the initial RTO is what doubles: 1, 2, 4 s. */
    rtt_init(&e, 1 * S, 200 * MS, 60 * S);
    CHECK_EQ(rtt_rto_backed_off(&e, 2), 4 * S);
    /* At the cap already, it stays there. */
    rtt_init(&e, 60 * S, 200 * MS, 60 * S);
    CHECK_EQ(rtt_rto_backed_off(&e, 1), 60 * S);
}
