/* test_seq.c — sequence-number comparisons on the 32-bit circle (RFC 9293 §3.4). */
#include "test.h"

#include "seq.h"

TEST(seq_compare_without_wrap)
{
    CHECK(seq_lt(1000, 1001));
    CHECK(!seq_lt(1001, 1000));
    CHECK(seq_gt(1001, 1000));
    CHECK(!seq_gt(1000, 1001));
    CHECK(seq_leq(1000, 1001));
    CHECK(seq_geq(1001, 1000));
    CHECK_EQ(seq_diff(1021, 1001), 20);
    CHECK_EQ(seq_diff(1001, 1021), -20);
}

TEST(seq_compare_equal_values)
{
    const uint32_t values[] = {0, 1, 1000, 0x7fffffffu, 0x80000000u, 0xffffffffu};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        uint32_t v = values[i];
        CHECK(!seq_lt(v, v));
        CHECK(!seq_gt(v, v));
        CHECK(seq_leq(v, v));
        CHECK(seq_geq(v, v));
        CHECK_EQ(seq_diff(v, v), 0);
        CHECK_EQ(seq_min(v, v), v);
        CHECK_EQ(seq_max(v, v), v);
    }
}

/* 0xffffff00 is 0x200 before 0x100 once the counter wraps. */
TEST(seq_compare_across_wrap)
{
    uint32_t before = 0xffffff00u, after = 0x100u;
    CHECK(seq_lt(before, after));
    CHECK(seq_leq(before, after));
    CHECK(!seq_gt(before, after));
    CHECK(!seq_geq(before, after));
    CHECK(seq_gt(after, before));
    CHECK(seq_geq(after, before));
    CHECK(!seq_lt(after, before));
    CHECK(!seq_leq(after, before));
    CHECK_EQ(seq_diff(after, before), 0x200);
    CHECK_EQ(seq_diff(before, after), -0x200);
    CHECK_EQ(seq_min(before, after), before);
    CHECK_EQ(seq_min(after, before), before);
    CHECK_EQ(seq_max(before, after), after);
    CHECK_EQ(seq_max(after, before), after);
    /* The raw integers order the other way: that is the whole point. */
    CHECK(before > after);
    CHECK(seq_lt(0xffffffffu, 0));
    CHECK(seq_gt(0, 0xffffffffu));
}

/* Two values exactly 2^31 apart: (int32_t)(a - b) is INT32_MIN both ways,
 * so each is "before" the other.  RFC 9293 leaves this case undefined; the
 * test pins down what seq.h does so that a change is noticed. */
TEST(seq_compare_half_circle_apart)
{
    uint32_t a = 0, b = 0x80000000u;
    CHECK_EQ(seq_diff(a, b), INT32_MIN);
    CHECK_EQ(seq_diff(b, a), INT32_MIN);
    CHECK(seq_lt(a, b));
    CHECK(seq_lt(b, a));
    CHECK(!seq_gt(a, b));
    CHECK(!seq_gt(b, a));
    /* One less than half the circle is unambiguous. */
    CHECK(seq_lt(0, 0x7fffffffu));
    CHECK(seq_gt(0x7fffffffu, 0));
    CHECK(seq_gt(0, 0x80000001u));
    CHECK(seq_lt(0x80000001u, 0));
}

TEST(seq_in_range_half_open)
{
    /* [1000, 2000) */
    CHECK(seq_in_range(1000, 1000, 2000));
    CHECK(seq_in_range(1999, 1000, 2000));
    CHECK(!seq_in_range(2000, 1000, 2000));
    CHECK(!seq_in_range(999, 1000, 2000));
    /* Empty range holds nothing. */
    CHECK(!seq_in_range(1000, 1000, 1000));
}

TEST(seq_in_range_across_wrap)
{
    /* [0xffffff00, 0x100) spans the wrap. */
    uint32_t lo = 0xffffff00u, hi = 0x100u;
    CHECK(seq_in_range(0xffffff00u, lo, hi));
    CHECK(seq_in_range(0xffffffffu, lo, hi));
    CHECK(seq_in_range(0, lo, hi));
    CHECK(seq_in_range(0xffu, lo, hi));
    CHECK(!seq_in_range(0x100u, lo, hi));
    CHECK(!seq_in_range(0xfffffeffu, lo, hi));
    CHECK(!seq_in_range(0x80000000u, lo, hi));
}
