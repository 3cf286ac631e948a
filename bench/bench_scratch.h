/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol bench: a private scratch area for benchmarks that mount. The
 * parent makes an empty directory under $KISOL_SCRATCH (or /tmp); a child
 * enters a mount namespace of its own with every mount private, mounts a
 * tmpfs on the directory, chdirs into it and runs the benchmark. Its mounts
 * die with the namespace when it exits; the parent removes the directory,
 * also when the child failed.
 */
#ifndef KISOL_BENCH_SCRATCH_H
#define KISOL_BENCH_SCRATCH_H

#include <limits.h>
#include <sched.h>
#include <sys/mount.h>

#include "bench_main.h"
#include "kisol/mount.h"
#include "kisol/ns.h"

struct scratch {
	char dir[PATH_MAX];
};

static int scratch_child(struct bench *b, struct scratch *s,
			 int (*fn)(struct bench *b, struct scratch *s, void *arg), void *arg)
{
	int r = kisol_ns_unshare(CLONE_NEWNS);

	if (r == 0)
		r = kisol_mnt_set_propagation("/", MS_PRIVATE, true);
	if (r == 0)
		r = kisol_mnt_mount("kisol-bench", s->dir, "tmpfs", 0, "mode=0700,size=256m");
	if (r == 0 && chdir(s->dir) < 0)
		r = -errno;
	return r < 0 ? r : fn(b, s, arg);
}

static __attribute__((unused)) int
bench_in_scratch(struct bench *b, int (*fn)(struct bench *b, struct scratch *s, void *arg), void *arg)
{
	struct scratch s;
	int status, r;
	pid_t pid;

	if (b->bad_param)
		return -EINVAL;
	r = kisol_mnt_mkdtemp(NULL, "bench", s.dir, sizeof(s.dir));
	if (r < 0)
		return r;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		r = scratch_child(b, &s, fn, arg);
		fflush(NULL);
		_exit(r < 0 ? (-r & 0xff) : 0);
	}
	r = pid < 0 ? -errno : 0;
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		r = WIFEXITED(status) ? -WEXITSTATUS(status) : -EINTR;
	rmdir(s.dir);
	return r;
}

/* Run fn(arg) in a fresh child that reports the ns it measured over a pipe. */
static __attribute__((unused)) int timed_in_child(int (*fn)(void *arg, double *ret_ns), void *arg,
						  double *ret_ns)
{
	int p[2], st, status;
	double d = -1;
	pid_t pid;

	if (pipe(p) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		st = fn(arg, &d);
		if (st < 0)
			_exit(-st & 0xff);
		_exit(write(p[1], &d, sizeof(d)) == sizeof(d) ? 0 : EIO);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -errno;
	}
	st = read(p[0], &d, sizeof(d)) == sizeof(d) ? 0 : -EIO;
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (st < 0 && WIFEXITED(status) && WEXITSTATUS(status))
		return -WEXITSTATUS(status);
	if (st == 0)
		*ret_ns = d;
	return st;
}

#endif
