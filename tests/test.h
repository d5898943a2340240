/*
 * test.h — a dependency-free test runner.
 *
 *     TEST(name) { CHECK(x > 0); CHECK_EQ(a, b); }
 *
 * Tests register themselves; main() (in test_main.c) runs them all, or those
 * whose names contain argv[1].  A failed check prints the file, line, the
 * expression and both values, and fails the test; the run then continues
 * with the next test.  The last line is "N passed, N failed".
 */
#ifndef SYNACK_TEST_H
#define SYNACK_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*test_fn)(void);
void test_register(const char *name, test_fn fn);
/* Set by the check macros; read by the runner. */
extern int test_failed_checks;
void test_fail(const char *file, int line, const char *fmt, ...);

#define TEST(name)                                                       \
    static void test_##name(void);                                       \
    __attribute__((constructor)) static void test_register_##name(void)  \
    {                                                                    \
        test_register(#name, test_##name);                               \
    }                                                                    \
    static void test_##name(void)

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond))                                                       \
            test_fail(__FILE__, __LINE__, "CHECK(%s) is false", #cond);    \
    } while (0)

/* Compares as signed 64-bit integers and prints both sides. */
#define CHECK_EQ(a, b)                                                                        \
    do {                                                                                      \
        int64_t test_a_ = (int64_t)(a), test_b_ = (int64_t)(b);                               \
        if (test_a_ != test_b_)                                                               \
            test_fail(__FILE__, __LINE__, "CHECK_EQ(%s, %s): %" PRId64 " != %" PRId64, #a, #b, \
                      test_a_, test_b_);                                                      \
    } while (0)

/* Compares as doubles: passes when |a - b| <= rel * |b|, b being the
 * expected value (rel = 0.01 is "within 1%").  Prints both sides and the
 * relative difference. */
#define CHECK_NEAR(a, b, rel)                                                                   \
    do {                                                                                        \
        double test_a_ = (double)(a), test_b_ = (double)(b), test_r_ = (double)(rel);           \
        double test_d_ = test_a_ - test_b_;                                                     \
        double test_m_ = test_b_ < 0 ? -test_b_ : test_b_;                                      \
        if (!((test_d_ < 0 ? -test_d_ : test_d_) <= test_r_ * test_m_))                         \
            test_fail(__FILE__, __LINE__, "CHECK_NEAR(%s, %s, %s): %.9g vs %.9g (off by %.4g%%)", \
                      #a, #b, #rel, test_a_, test_b_,                                           \
                      test_m_ > 0 ? 100.0 * test_d_ / test_m_ : test_d_);                       \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                                   \
    do {                                                                                     \
        const char *test_a_ = (a), *test_b_ = (b);                                           \
        if (strcmp(test_a_, test_b_) != 0)                                                   \
            test_fail(__FILE__, __LINE__, "CHECK_STR_EQ(%s, %s):\n  \"%s\"\n  \"%s\"", #a, #b, \
                      test_a_, test_b_);                                                     \
    } while (0)

/* Stops the current test (after a failed check) when continuing is pointless. */
#define REQUIRE(cond)                                                        \
    do {                                                                     \
        if (!(cond)) {                                                       \
            test_fail(__FILE__, __LINE__, "REQUIRE(%s) is false", #cond);    \
            return;                                                          \
        }                                                                    \
    } while (0)

#endif
