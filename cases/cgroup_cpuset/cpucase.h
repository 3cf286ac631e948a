/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the cgroup_cpuset cases: the CPU-count need, a task's own
 * affinity as a bit mask, and asking a probe child for its mask. Included
 * after kisol_test.h.
 */
#ifndef KISOL_CPUCASE_H
#define KISOL_CPUCASE_H

#include <sched.h>
#include <sys/sysinfo.h>

#include "kisol_test.h"

#define NEED_CPUS(n)                                                                     \
	do {                                                                             \
		if (get_nprocs() < (n))                                                  \
			SKIP(return, "needs %d online CPUs, have %d", (n), get_nprocs());  \
	} while (0)

/* The calling task's affinity as a mask of CPUs 0..63, -1 on error. */
static inline int64_t own_cpu_mask(void)
{
	int64_t mask = 0;
	cpu_set_t s;

	if (sched_getaffinity(0, sizeof(s), &s))
		return -1;
	for (int i = 0; i < 64; i++)
		if (CPU_ISSET(i, &s))
			mask |= 1LL << i;
	return mask;
}

/* Ask a probe child (which answers a message 1 with own_cpu_mask()) for its mask; -1 if none came. */
static inline int64_t ask_mask(struct kisol_child *k)
{
	int64_t m = -1;

	if (kisol_send_int(k->sock, 1) < 0 || kisol_recv_int(k->sock, &m, KISOL_TIMEOUT_MS) < 0)
		return -1;
	return m;
}

#endif
