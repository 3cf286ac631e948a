/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol bench: a private scratch area for benchmarks that mount. The
 * parent makes an empty directory (kisol_mnt_mkdtemp: under $KISOL_SCRATCH,
 * or /tmp); a child (bench_in_child) enters a mount namespace of its own
 * with every mount private (kisol_mnt_isolate), mounts a tmpfs on the
 * directory, chdirs into it and runs the benchmark. Its mounts die with
 * the namespace when it exits; the parent removes the directory, also
 * when the child failed.
 */
#ifndef KISOL_BENCH_SCRATCH_H
#define KISOL_BENCH_SCRATCH_H

#include <limits.h>

#include "bench_main.h"
#include "kisol/mount.h"

struct scratch {
	char dir[PATH_MAX];
	int (*fn)(struct bench *b, struct scratch *s, void *arg);
	void *arg;
};

static int scratch_child(struct bench *b, void *arg)
{
	struct scratch *s = arg;
	int r = kisol_mnt_isolate();

	if (r == 0)
		r = kisol_mnt_tmpfs(s->dir, "mode=0700,size=256m");
	if (r == 0 && chdir(s->dir) < 0)
		r = -errno;
	return r < 0 ? r : s->fn(b, s, s->arg);
}

static __attribute__((unused)) int
bench_in_scratch(struct bench *b, int (*fn)(struct bench *b, struct scratch *s, void *arg), void *arg)
{
	struct scratch s = { .fn = fn, .arg = arg };
	int r;

	if (b->bad_param)
		return -EINVAL;
	r = kisol_mnt_mkdtemp(NULL, "bench", s.dir, sizeof(s.dir));
	if (r < 0)
		return r;
	r = bench_in_child(b, scratch_child, &s);
	rmdir(s.dir);
	return r;
}

#endif
