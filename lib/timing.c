// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <sched.h>
#include <stdlib.h>

#include "kisol/stats.h"
#include "kisol/timing.h"
#include "kisol/util.h"

int kisol_timing_overhead_ns(unsigned iters, double *ret_ns)
{
	_cleanup_free_ double *d = NULL;
	double med;
	int r;

	if (iters == 0 || !ret_ns)
		return -EINVAL;
	d = malloc(sizeof(*d) * iters);
	if (!d)
		return -ENOMEM;
	for (unsigned i = 0; i < iters; i++) {
		uint64_t t0 = kisol_now_ns();
		uint64_t t1 = kisol_now_ns();

		d[i] = (double)(t1 - t0);
	}
	r = kisol_stats_percentile(d, iters, 50, &med);
	if (r < 0)
		return r;
	*ret_ns = med;
	return 0;
}

int kisol_timing_resolution_ns(uint64_t *ret_ns)
{
	struct timespec ts;

	if (!ret_ns)
		return -EINVAL;
	if (clock_getres(CLOCK_MONOTONIC, &ts) < 0)
		return kisol_negerrno();
	*ret_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return 0;
}

int kisol_timing_pin_cpu(int cpu)
{
	cpu_set_t allowed, set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -EINVAL;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return kisol_negerrno();
	if (!CPU_ISSET(cpu, &allowed))
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return kisol_negerrno();
	return 0;
}

int kisol_timing_ncpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return kisol_negerrno();
	return CPU_COUNT(&set);
}
