/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol: timing. CLOCK_MONOTONIC in nanoseconds (vDSO, no syscall), the
 * measured cost of one clock read, and CPU pinning for benchmarks.
 */
#ifndef KISOL_TIMING_H
#define KISOL_TIMING_H

#include <stdint.h>
#include <time.h>

/* Monotonic time in ns. Inline: the harness calls it twice per sample. */
static inline uint64_t kisol_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Same clock as a double, for callers that divide. */
static inline double kisol_now_ns_f(void)
{
	return (double)kisol_now_ns();
}

/*
 * Cost of one timed sample's clock pair: median over iters of
 * (t1 - t0) for back-to-back reads. -EINVAL if iters is 0.
 */
int kisol_timing_overhead_ns(unsigned iters, double *ret_ns);

/* Resolution of CLOCK_MONOTONIC (clock_getres) in ns. */
int kisol_timing_resolution_ns(uint64_t *ret_ns);

/*
 * Pin the calling thread to one CPU (sched_setaffinity). -EINVAL for a
 * negative cpu or one not in the allowed set.
 */
int kisol_timing_pin_cpu(int cpu);

/* Number of CPUs the calling thread may run on. */
int kisol_timing_ncpus(void);

#endif
