/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol bench: the hierarchy a cgroup benchmark runs on. It is named "v2"
 * or "v1:<controller>" on the command line and found with
 * kisol_cg_locate(); the benchmark's own cgroup is kisol_cg_create_top()'s
 * kisol-bench-p<pid>-<n>, directly below the process's own cgroup (on v2
 * below $KISOL_CG_V2_BASE when the driver sets it), removed with everything
 * in it when the benchmark ends, also on SIGTERM, SIGINT and SIGHUP
 * (kisol_cg_destroy_registered_at_exit()). What a benchmark times stays
 * the kernel's work: single syscalls on paths (kisol_cg_write_path) or on
 * knobs kept open (kisol_cg_write_fd).
 */
#ifndef KISOL_BENCH_CG_H
#define KISOL_BENCH_CG_H

#include <stdio.h>
#include <string.h>

#include "bench_main.h"
#include "kisol/cgroup.h"

struct cg_hier {
	bool v2;
	int ctrl;              /* enum kisol_cg_ctrl (KISOL_CG_CORE on v2) */
	int hier_id;           /* hierarchy id in /proc/PID/cgroup (0 on v2) */
	char spec[48];         /* "v2" or "v1:memory" */
	struct kisol_cg top;   /* our directory */
};

/*
 * Parse a hierarchy spec into h and find the hierarchy: -EINVAL for a bad
 * spec, -ENOENT when it is not mounted.
 */
static int cg_spec(const char *spec, struct cg_hier *h)
{
	const struct kisol_cg_hier *kh = NULL;

	memset(h, 0, sizeof(*h));
	h->top = (struct kisol_cg)KISOL_CG_INIT;
	snprintf(h->spec, sizeof(h->spec), "%s", spec);
	if (!strcmp(spec, "v2")) {
		h->v2 = true;
		h->ctrl = KISOL_CG_CORE;
	} else if (!strncmp(spec, "v1:", 3) && spec[3] && strlen(spec) < sizeof(h->spec)) {
		h->ctrl = kisol_cg_ctrl_from_name(spec + 3);
	} else {
		return -EINVAL;
	}
	if (h->ctrl < 0 || kisol_cg_locate(h->ctrl, h->v2 ? KISOL_CG_V2 : KISOL_CG_V1, &kh) < 0 || !kh)
		return -ENOENT;
	h->hier_id = kh->hier_id;
	return 0;
}

/* cg_spec(), then create our cgroup (why says what failed). */
static __attribute__((unused)) int cg_open(const char *spec, struct cg_hier *h, char *why, size_t wsize)
{
	int r = cg_spec(spec, h);

	if (r == -EINVAL)
		return r;
	kisol_cg_destroy_registered_at_exit();
	if (r < 0) {
		snprintf(why, wsize, "%s: no %s hierarchy is mounted", spec, h->v2 ? "cgroup2" : spec + 3);
		return r;
	}
	r = kisol_cg_create_top(h->ctrl, h->v2 ? KISOL_CG_V2 : KISOL_CG_V1, "bench", &h->top);
	if (r == -ENOENT)
		snprintf(why, wsize, "%s: own cgroup not found in /proc/self/cgroup", spec);
	else if (r < 0)
		snprintf(why, wsize, "%s: mkdir of the benchmark cgroup: %s", spec, strerror(-r));
	return r;
}

#endif
