// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kisol/stats.h"
#include "kisol/util.h"

int kisol_samples_reserve(struct kisol_samples *s, size_t cap)
{
	double *v;

	if (!s)
		return -EINVAL;
	if (cap <= s->cap)
		return 0;
	v = realloc(s->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->v = v;
	s->cap = cap;
	return 0;
}

int kisol_samples_add(struct kisol_samples *s, double v)
{
	if (!s)
		return -EINVAL;
	if (s->n == s->cap) {
		int r = kisol_samples_reserve(s, s->cap ? s->cap * 2 : 256);

		if (r < 0)
			return r;
	}
	s->v[s->n++] = v;
	return 0;
}

void kisol_samples_free(struct kisol_samples *s)
{
	if (!s)
		return;
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int kisol_stats_percentile_sorted(const double *sorted, size_t n, double p, double *ret)
{
	double pos, frac;
	size_t lo;

	if (!sorted || n == 0 || !ret || !(p >= 0 && p <= 100))
		return -EINVAL;
	pos = p / 100.0 * (double)(n - 1);
	lo = (size_t)pos;
	if (lo >= n - 1) {
		*ret = sorted[n - 1];
		return 0;
	}
	frac = pos - (double)lo;
	*ret = sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
	return 0;
}

static double *sorted_copy(const double *v, size_t n)
{
	double *c = malloc(n * sizeof(*c));

	if (!c)
		return NULL;
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	return c;
}

int kisol_stats_percentile(const double *v, size_t n, double p, double *ret)
{
	_cleanup_free_ double *c = NULL;

	if (!v || n == 0 || !ret)
		return -EINVAL;
	c = sorted_copy(v, n);
	if (!c)
		return -ENOMEM;
	return kisol_stats_percentile_sorted(c, n, p, ret);
}

int kisol_stats_mean(const double *v, size_t n, double *ret)
{
	double sum = 0;

	if (!v || n == 0 || !ret)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	*ret = sum / (double)n;
	return 0;
}

int kisol_stats_stddev(const double *v, size_t n, double *ret)
{
	double mean, ss = 0;
	int r;

	r = kisol_stats_mean(v, n, &mean);
	if (r < 0 || !ret)
		return r < 0 ? r : -EINVAL;
	if (n == 1) {
		*ret = 0;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - mean) * (v[i] - mean);
	*ret = sqrt(ss / (double)(n - 1));
	return 0;
}

int kisol_stats_cv(const double *v, size_t n, double *ret)
{
	double mean, sd;
	int r;

	if (!ret)
		return -EINVAL;
	r = kisol_stats_mean(v, n, &mean);
	if (r < 0)
		return r;
	r = kisol_stats_stddev(v, n, &sd);
	if (r < 0)
		return r;
	if (mean == 0)
		return -EDOM;
	*ret = sd / fabs(mean);
	return 0;
}

int kisol_stats_median_ci_sorted(const double *sorted, size_t n, double conf,
				 double *ret_lo, double *ret_hi)
{
	double z, half, lo, hi;

	if (!sorted || n == 0 || !ret_lo || !ret_hi)
		return -EINVAL;
	if (conf == 0.90)
		z = 1.6449;
	else if (conf == 0.95)
		z = 1.96;
	else if (conf == 0.99)
		z = 2.5758;
	else
		return -EINVAL;
	if (n < 6) {
		*ret_lo = sorted[0];
		*ret_hi = sorted[n - 1];
		return 0;
	}
	/* 1-based ranks j = floor(n/2 - z*sqrt(n)/2), k = ceil(1 + n/2 + z*sqrt(n)/2) */
	half = z * sqrt((double)n) / 2.0;
	lo = floor((double)n / 2.0 - half);
	hi = ceil(1.0 + (double)n / 2.0 + half);
	if (lo < 1)
		lo = 1;
	if (hi > (double)n)
		hi = (double)n;
	*ret_lo = sorted[(size_t)lo - 1];
	*ret_hi = sorted[(size_t)hi - 1];
	return 0;
}

int kisol_stats_compute(const double *v, size_t n, struct kisol_stats *ret)
{
	_cleanup_free_ double *c = NULL;
	struct kisol_stats s = { 0 };
	int r;

	if (!v || n == 0 || !ret)
		return -EINVAL;
	c = sorted_copy(v, n);
	if (!c)
		return -ENOMEM;
	s.n = n;
	s.min = c[0];
	s.max = c[n - 1];
	if ((r = kisol_stats_percentile_sorted(c, n, 50, &s.median)) < 0 ||
	    (r = kisol_stats_percentile_sorted(c, n, 90, &s.p90)) < 0 ||
	    (r = kisol_stats_percentile_sorted(c, n, 99, &s.p99)) < 0 ||
	    (r = kisol_stats_mean(c, n, &s.mean)) < 0 ||
	    (r = kisol_stats_stddev(c, n, &s.stddev)) < 0 ||
	    (r = kisol_stats_median_ci_sorted(c, n, 0.95, &s.ci_lo, &s.ci_hi)) < 0)
		return r;
	*ret = s;
	return 0;
}
