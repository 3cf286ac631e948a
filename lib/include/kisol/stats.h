/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol: statistics over benchmark samples. Sample buffers, percentiles
 * (linear interpolation between closest ranks), mean, sample standard
 * deviation, coefficient of variation, and a distribution-free confidence
 * interval for the median from binomial order statistics.
 */
#ifndef KISOL_STATS_H
#define KISOL_STATS_H

#include <stddef.h>
#include <stdint.h>

/* A growable buffer of samples (ns or any unit). */
struct kisol_samples {
	double *v;
	size_t n;
	size_t cap;
};

#define KISOL_SAMPLES_INIT { .v = NULL, .n = 0, .cap = 0 }

/* Reserve room for at least cap samples. */
int kisol_samples_reserve(struct kisol_samples *s, size_t cap);
/* Append one sample (grows the buffer). */
int kisol_samples_add(struct kisol_samples *s, double v);
void kisol_samples_free(struct kisol_samples *s);

struct kisol_stats {
	size_t n;
	double min, max, mean, median, p90, p99, stddev;
	double ci_lo, ci_hi; /* confidence interval of the median */
};

/* Percentile p in [0, 100] of a sorted array. -EINVAL on n == 0 or bad p. */
int kisol_stats_percentile_sorted(const double *sorted, size_t n, double p, double *ret);
/* Same on an unsorted array (copies and sorts). */
int kisol_stats_percentile(const double *v, size_t n, double p, double *ret);
int kisol_stats_mean(const double *v, size_t n, double *ret);
/* Sample standard deviation (n - 1); 0 for n == 1. */
int kisol_stats_stddev(const double *v, size_t n, double *ret);
/* Coefficient of variation stddev/mean; -EDOM when the mean is 0. */
int kisol_stats_cv(const double *v, size_t n, double *ret);
/*
 * Confidence interval of the median of a sorted array, at confidence
 * level conf (0.90, 0.95 or 0.99): the order statistics whose ranks are
 * n/2 -+ z*sqrt(n)/2. For n < 6 the interval is [min, max].
 */
int kisol_stats_median_ci_sorted(const double *sorted, size_t n, double conf,
				 double *ret_lo, double *ret_hi);
/* Everything at once (95% CI). v is not modified. */
int kisol_stats_compute(const double *v, size_t n, struct kisol_stats *ret);

#endif
