/*
 * stats.c — series of repetitions (suite.h): median, min, max, ratio.
 */
#include <math.h>
#include <stdlib.h>

#include "suite.h"

void bench_series_add(struct bench_series *s, double v)
{
    if (s->n < BENCH_MAX_REPS)
        s->v[s->n++] = v;
}

bool bench_series_has(const struct bench_series *s) { return s->n > 0; }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bench_series_median(const struct bench_series *s)
{
    if (s->n == 0)
        return NAN;
    double v[BENCH_MAX_REPS];
    memcpy(v, s->v, (size_t)s->n * sizeof v[0]);
    qsort(v, (size_t)s->n, sizeof v[0], cmp_double);
    return s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

double bench_series_min(const struct bench_series *s)
{
    double m = NAN;
    for (int i = 0; i < s->n; i++)
        if (i == 0 || s->v[i] < m)
            m = s->v[i];
    return m;
}

double bench_series_max(const struct bench_series *s)
{
    double m = NAN;
    for (int i = 0; i < s->n; i++)
        if (i == 0 || s->v[i] > m)
            m = s->v[i];
    return m;
}

double bench_series_ratio(const struct bench_series *a, const struct bench_series *b)
{
    if (!bench_series_has(a) || !bench_series_has(b))
        return NAN;
    double den = bench_series_median(b);
    return den > 0 ? bench_series_median(a) / den : NAN;
}
