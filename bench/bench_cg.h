/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol bench: cgroup helpers for the cgroup and scale benchmarks. A
 * hierarchy is named "v2" or "v1:<controller>" and found through libkisol
 * (kisol_cg_locate); the operations a benchmark times stay plain
 * open/write/mkdir on paths, so what is measured is the kernel's work. Benchmark cgroups live only below the process's own
 * cgroup in that hierarchy (on v2 below $KISOL_CG_V2_BASE when the driver
 * sets it), in a directory kisol-bench-p<pid>-<n> that is removed with
 * everything in it when the benchmark ends, also on error or SIGTERM.
 */
#ifndef KISOL_BENCH_CG_H
#define KISOL_BENCH_CG_H

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_main.h"
#include "kisol/cgroup.h"
#include "kisol/proc.h"

struct cg_hier {
	bool v2;
	int hier_id;             /* hierarchy id in /proc/PID/cgroup (0 on v2) */
	char ctrl[32];           /* v1 controller ("" on v2) */
	char mnt[PATH_MAX];      /* mount point */
	char top[PATH_MAX];      /* our directory */
	char spec[48];           /* "v2" or "v1:memory" */
};

/* ---- cleanup registry: dirs removed deepest first, pids killed first ---- */

#define CG_MAX_DIRS 20000
static char **cg_dirs;
static int cg_ndirs;
static pid_t cg_pids[1024];
static int cg_npids;
static pid_t cg_owner;

static void cg_track_pid(pid_t pid)
{
	if (cg_npids < (int)KISOL_ARRAY_SIZE(cg_pids))
		cg_pids[cg_npids++] = pid;
}

static void cg_untrack_pid(pid_t pid)
{
	for (int i = 0; i < cg_npids; i++)
		if (cg_pids[i] == pid) {
			cg_pids[i] = cg_pids[--cg_npids];
			return;
		}
}

static void cg_cleanup(void)
{
	if (getpid() != cg_owner)
		return;
	for (int i = 0; i < cg_npids; i++) {
		kill(cg_pids[i], SIGKILL);
		waitpid(cg_pids[i], NULL, 0);
	}
	cg_npids = 0;
	for (int i = cg_ndirs - 1; i >= 0; i--) {
		/* a cgroup may take a moment to drop a just-reaped task: retry briefly */
		for (int t = 0; t < 1000 && rmdir(cg_dirs[i]) < 0 && errno == EBUSY; t++)
			sched_yield();
		free(cg_dirs[i]);
	}
	cg_ndirs = 0;
}

static void cg_on_signal(int sig)
{
	cg_cleanup();
	_exit(128 + sig);
}

static void cg_install_cleanup(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	cg_owner = getpid();
	cg_dirs = calloc(CG_MAX_DIRS, sizeof(*cg_dirs));
	atexit(cg_cleanup);
	signal(SIGTERM, cg_on_signal);
	signal(SIGINT, cg_on_signal);
	signal(SIGHUP, cg_on_signal);
}

/* mkdir and remember for cleanup. */
static __attribute__((unused)) int cg_mkdir(const char *path)
{
	if (!cg_dirs || cg_ndirs == CG_MAX_DIRS)
		return -ENOSPC;
	if (mkdir(path, 0755) < 0)
		return -errno;
	cg_dirs[cg_ndirs] = strdup(path);
	if (!cg_dirs[cg_ndirs]) {
		rmdir(path);
		return -ENOMEM;
	}
	cg_ndirs++;
	return 0;
}

/* rmdir a remembered dir now. */
static __attribute__((unused)) int cg_rmdir(const char *path)
{
	if (rmdir(path) < 0)
		return -errno;
	for (int i = cg_ndirs - 1; i >= 0; i--)
		if (!strcmp(cg_dirs[i], path)) {
			free(cg_dirs[i]);
			memmove(&cg_dirs[i], &cg_dirs[i + 1], (size_t)(cg_ndirs - i - 1) * sizeof(*cg_dirs));
			cg_ndirs--;
			break;
		}
	return 0;
}

/* ---- discovery (libkisol) ---- */

/*
 * Parse a hierarchy spec into h and find the hierarchy through
 * kisol_cg_locate(): -EINVAL for a bad spec, -ENOENT when it is not there.
 */
static int cg_spec(const char *spec, struct cg_hier *h, const struct kisol_cg_hier **ret)
{
	const struct kisol_cg_hier *kh = NULL;
	int c = KISOL_CG_CORE;

	memset(h, 0, sizeof(*h));
	snprintf(h->spec, sizeof(h->spec), "%s", spec);
	if (!strcmp(spec, "v2")) {
		h->v2 = true;
	} else if (!strncmp(spec, "v1:", 3) && spec[3] && strlen(spec + 3) < sizeof(h->ctrl)) {
		snprintf(h->ctrl, sizeof(h->ctrl), "%s", spec + 3);
		c = kisol_cg_ctrl_from_name(h->ctrl);
	} else {
		return -EINVAL;
	}
	if (c < 0 || kisol_cg_locate(c, h->v2 ? KISOL_CG_V2 : KISOL_CG_V1, &kh) < 0 || !kh)
		return -ENOENT;
	h->hier_id = kh->hier_id;
	snprintf(h->mnt, sizeof(h->mnt), "%s", kh->mnt);
	if (ret)
		*ret = kh;
	return 0;
}

/* cg_spec(), then create our top directory (why says what failed). */
static __attribute__((unused)) int cg_open(const char *spec, struct cg_hier *h, char *why, size_t wsize)
{
	static int seq;
	const char *base = getenv("KISOL_CG_V2_BASE");
	const struct kisol_cg_hier *kh;
	char dir[PATH_MAX];
	int r;

	r = cg_spec(spec, h, &kh);
	if (r == -EINVAL)
		return r;
	cg_install_cleanup();
	if (r < 0) {
		snprintf(why, wsize, "%s: no %s hierarchy is mounted", spec, h->v2 ? "cgroup2" : h->ctrl);
		return r;
	}
	if (h->v2 && base && *base) {
		snprintf(dir, sizeof(dir), "%s", base);
	} else if (kh->own_dir[0]) {
		snprintf(dir, sizeof(dir), "%s", kh->own_dir);
	} else {
		snprintf(why, wsize, "%s: own cgroup not found in /proc/self/cgroup", spec);
		return -ENOENT;
	}
	snprintf(h->top, sizeof(h->top), "%s/kisol-bench-p%d-%d", dir, getpid(), seq++);
	r = cg_mkdir(h->top);
	if (r < 0)
		snprintf(why, wsize, "%s: mkdir %s: %s", spec, h->top, strerror(-r));
	return r;
}

/* open(path/file) + write(s) + close. */
static __attribute__((unused)) int cg_write(const char *dir, const char *file, const char *s)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return kisol_write_file(p, s);
}

static __attribute__((unused)) int cg_attach(const char *dir, pid_t pid)
{
	char b[32];

	snprintf(b, sizeof(b), "%d", pid);
	return cg_write(dir, "cgroup.procs", b);
}

/* The cgroup path of pid in hierarchy h, as /proc/PID/cgroup shows it. */
static __attribute__((unused)) int cg_path_of(const struct cg_hier *h, pid_t pid, char *buf, size_t size)
{
	return kisol_cg_proc_path(pid, h->hier_id, buf, size);
}

/* The path of dir relative to the hierarchy's mount (what /proc/PID/cgroup prints). */
static __attribute__((unused)) const char *cg_rel(const struct cg_hier *h, const char *dir)
{
	size_t l = strlen(h->mnt);

	return !strncmp(dir, h->mnt, l) ? dir + l : dir;
}

/*
 * Wait until cgroup.events of dir has "key value": poll() for POLLPRI
 * (the kernel notifies on every change), no sleeping.
 */
static __attribute__((unused)) int cg_wait_event(const char *dir, const char *key, int64_t want, int timeout_ms)
{
	char p[PATH_MAX], text[512];
	int fd, r;

	snprintf(p, sizeof(p), "%s/cgroup.events", dir);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLPRI };
		int64_t v;
		ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

		if (n < 0) {
			r = -errno;
			break;
		}
		text[n] = '\0';
		if (kisol_keyed_int64(text, key, &v) == 0 && v == want) {
			r = 0;
			break;
		}
		r = poll(&pfd, 1, timeout_ms);
		if (r == 0) {
			r = -ETIMEDOUT;
			break;
		}
		if (r < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
	}
	close(fd);
	return r;
}

/* A child that sleeps until killed, optionally born in a cgroup (v2 dir fd). */
static __attribute__((unused)) pid_t cg_spawn_sleeper(int cgfd)
{
	struct kisol_clone_opts o = { .cgroup_fd = cgfd };
	pid_t pid = kisol_clone(&o, NULL);

	if (pid == 0) {
		for (;;)
			pause();
	}
	if (pid > 0)
		cg_track_pid(pid);
	return pid;
}

static __attribute__((unused)) void cg_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	cg_untrack_pid(pid);
}

#endif
