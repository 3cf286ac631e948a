// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/stats.c on inputs with known answers: percentiles by linear
 * interpolation, mean, sample standard deviation, CV, the distribution-free
 * CI of the median, sample buffers, and every error path.
 */
#include <math.h>

#include "kisol_test.h"
#include "kisol/stats.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

TEST(percentiles_of_1_to_100)
{
	double v[100], r;

	for (int i = 0; i < 100; i++)
		v[99 - i] = i + 1; /* unsorted on purpose */
	ASSERT_EQ(0, kisol_stats_percentile(v, 100, 50, &r));
	ASSERT_TRUE(NEAR(r, 50.5));
	ASSERT_EQ(0, kisol_stats_percentile(v, 100, 0, &r));
	ASSERT_TRUE(NEAR(r, 1));
	ASSERT_EQ(0, kisol_stats_percentile(v, 100, 100, &r));
	ASSERT_TRUE(NEAR(r, 100));
	ASSERT_EQ(0, kisol_stats_percentile(v, 100, 90, &r));
	ASSERT_TRUE(NEAR(r, 90.1));
	ASSERT_EQ(0, kisol_stats_percentile(v, 100, 99, &r));
	ASSERT_TRUE(NEAR(r, 99.01));
	/* the input is not reordered */
	ASSERT_TRUE(NEAR(v[0], 100));
}

TEST(median_odd_even_single)
{
	double odd[] = { 3, 1, 2 }, even[] = { 4, 1, 3, 2 }, one[] = { 7 }, r;

	ASSERT_EQ(0, kisol_stats_percentile(odd, 3, 50, &r));
	ASSERT_TRUE(NEAR(r, 2));
	ASSERT_EQ(0, kisol_stats_percentile(even, 4, 50, &r));
	ASSERT_TRUE(NEAR(r, 2.5));
	ASSERT_EQ(0, kisol_stats_percentile(one, 1, 99, &r));
	ASSERT_TRUE(NEAR(r, 7));
}

TEST(mean_stddev_cv)
{
	double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 }, m, sd, cv;

	ASSERT_EQ(0, kisol_stats_mean(v, 8, &m));
	ASSERT_TRUE(NEAR(m, 5));
	ASSERT_EQ(0, kisol_stats_stddev(v, 8, &sd));
	ASSERT_TRUE(NEAR(sd, sqrt(32.0 / 7.0))); /* sample stddev, n - 1 */
	ASSERT_EQ(0, kisol_stats_cv(v, 8, &cv));
	ASSERT_TRUE(NEAR(cv, sqrt(32.0 / 7.0) / 5));
	ASSERT_EQ(0, kisol_stats_stddev(v, 1, &sd));
	ASSERT_TRUE(NEAR(sd, 0));
}

TEST(cv_of_zero_mean_is_edom)
{
	double v[] = { -1, 1 }, cv = 42;

	ASSERT_EQ(-EDOM, kisol_stats_cv(v, 2, &cv));
	ASSERT_TRUE(NEAR(cv, 42)); /* output untouched on failure */
}

TEST(median_ci_known_ranks)
{
	double v[100], lo, hi;

	for (int i = 0; i < 100; i++)
		v[i] = i + 1;
	/* n = 100, z = 1.96: ranks floor(50 - 9.8) = 40 and ceil(51 + 9.8) = 61 */
	ASSERT_EQ(0, kisol_stats_median_ci_sorted(v, 100, 0.95, &lo, &hi));
	ASSERT_TRUE(NEAR(lo, 40));
	ASSERT_TRUE(NEAR(hi, 61));
	/* wider at 99%: z = 2.5758 -> ranks 37 and 64 */
	ASSERT_EQ(0, kisol_stats_median_ci_sorted(v, 100, 0.99, &lo, &hi));
	ASSERT_TRUE(NEAR(lo, 37));
	ASSERT_TRUE(NEAR(hi, 64));
	/* tiny samples: the whole range */
	ASSERT_EQ(0, kisol_stats_median_ci_sorted(v, 5, 0.95, &lo, &hi));
	ASSERT_TRUE(NEAR(lo, 1));
	ASSERT_TRUE(NEAR(hi, 5));
	ASSERT_EQ(-EINVAL, kisol_stats_median_ci_sorted(v, 100, 0.5, &lo, &hi));
}

TEST(median_ci_contains_median)
{
	double v[1000];
	struct kisol_stats s;

	for (int i = 0; i < 1000; i++)
		v[i] = (double)((i * 7919) % 1000); /* a permutation of 0..999 */
	ASSERT_EQ(0, kisol_stats_compute(v, 1000, &s));
	ASSERT_EQ((size_t)1000, s.n);
	ASSERT_TRUE(NEAR(s.min, 0));
	ASSERT_TRUE(NEAR(s.max, 999));
	ASSERT_TRUE(NEAR(s.median, 499.5));
	ASSERT_TRUE(NEAR(s.mean, 499.5));
	ASSERT_TRUE(NEAR(s.p90, 899.1));
	ASSERT_TRUE(NEAR(s.p99, 989.01));
	ASSERT_LE(s.ci_lo, s.median);
	ASSERT_GE(s.ci_hi, s.median);
	ASSERT_LT(s.ci_hi - s.ci_lo, 100); /* about 2 * 1.96 * sqrt(1000) / 2 ranks */
}

TEST(constant_samples)
{
	double v[50];
	struct kisol_stats s;

	for (int i = 0; i < 50; i++)
		v[i] = 42;
	ASSERT_EQ(0, kisol_stats_compute(v, 50, &s));
	ASSERT_TRUE(NEAR(s.min, 42) && NEAR(s.max, 42) && NEAR(s.p99, 42));
	ASSERT_TRUE(NEAR(s.stddev, 0));
	ASSERT_TRUE(NEAR(s.ci_lo, 42) && NEAR(s.ci_hi, 42));
}

TEST(error_paths)
{
	double v[] = { 1, 2 }, r = 5;
	struct kisol_stats s = { .n = 77 };

	ASSERT_EQ(-EINVAL, kisol_stats_percentile(v, 0, 50, &r));
	ASSERT_EQ(-EINVAL, kisol_stats_percentile(NULL, 2, 50, &r));
	ASSERT_EQ(-EINVAL, kisol_stats_percentile(v, 2, -1, &r));
	ASSERT_EQ(-EINVAL, kisol_stats_percentile(v, 2, 100.5, &r));
	ASSERT_EQ(-EINVAL, kisol_stats_percentile(v, 2, NAN, &r));
	ASSERT_EQ(-EINVAL, kisol_stats_percentile(v, 2, 50, NULL));
	ASSERT_EQ(-EINVAL, kisol_stats_mean(v, 0, &r));
	ASSERT_EQ(-EINVAL, kisol_stats_stddev(NULL, 2, &r));
	ASSERT_EQ(-EINVAL, kisol_stats_compute(v, 0, &s));
	ASSERT_TRUE(NEAR(r, 5));
	ASSERT_EQ((size_t)77, s.n); /* outputs written only on success */
}

TEST(sample_buffer_grows)
{
	struct kisol_samples s = KISOL_SAMPLES_INIT;

	for (int i = 0; i < 10000; i++)
		ASSERT_EQ(0, kisol_samples_add(&s, i));
	ASSERT_EQ((size_t)10000, s.n);
	ASSERT_GE(s.cap, (size_t)10000);
	ASSERT_TRUE(NEAR(s.v[9999], 9999));
	kisol_samples_free(&s);
	ASSERT_EQ((size_t)0, s.n);
	ASSERT_EQ(NULL, s.v);
	ASSERT_EQ(-EINVAL, kisol_samples_add(NULL, 1));
	ASSERT_EQ(-EINVAL, kisol_samples_reserve(NULL, 1));
	kisol_samples_free(NULL); /* safe */
}

KISOL_MAIN
