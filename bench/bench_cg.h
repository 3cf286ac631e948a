/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol bench: cgroup helpers for the cgroup and scale benchmarks (local
 * until lib/cgroup.c settles; same rules). A hierarchy is named "v2" or
 * "v1:<controller>". Benchmark cgroups live only below the process's own
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
#include "kisol/proc.h"

struct cg_hier {
	bool v2;
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

/* ---- discovery ---- */

static bool opt_listed(const char *opts, const char *want)
{
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", opts);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (!strcmp(t, want))
			return true;
	return false;
}

static int cg_find_mount(struct cg_hier *h)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mp[PATH_MAX], fstype[64], src[256], opts[1024];
		const char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
		    sscanf(dash + 3, "%63s %255s %1023s", fstype, src, opts) != 3)
			continue;
		if (h->v2 ? !strcmp(fstype, "cgroup2") :
			    !strcmp(fstype, "cgroup") && opt_listed(opts, h->ctrl)) {
			snprintf(h->mnt, sizeof(h->mnt), "%s", mp);
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

static int cg_own_path(const struct cg_hier *h, char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = '\0';
		kisol_chomp(c2 + 1);
		if (h->v2 ? (!strncmp(line, "0:", 2) && c1[1] == '\0') : opt_listed(c1 + 1, h->ctrl)) {
			snprintf(buf, size, "%s", c2 + 1);
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

/*
 * Resolve a hierarchy spec and create our top directory. -ENOENT: not
 * mounted (why says where); -EINVAL: bad spec.
 */
static __attribute__((unused)) int cg_open(const char *spec, struct cg_hier *h, char *why, size_t wsize)
{
	static int seq;
	const char *base = getenv("KISOL_CG_V2_BASE");
	char own[PATH_MAX], dir[PATH_MAX];
	int r;

	memset(h, 0, sizeof(*h));
	snprintf(h->spec, sizeof(h->spec), "%s", spec);
	if (!strcmp(spec, "v2")) {
		h->v2 = true;
	} else if (!strncmp(spec, "v1:", 3) && spec[3] && strlen(spec + 3) < sizeof(h->ctrl)) {
		snprintf(h->ctrl, sizeof(h->ctrl), "%s", spec + 3);
	} else {
		return -EINVAL;
	}
	cg_install_cleanup();
	r = cg_find_mount(h);
	if (r < 0) {
		snprintf(why, wsize, "%s: no %s hierarchy is mounted", spec, h->v2 ? "cgroup2" : h->ctrl);
		return r;
	}
	if (h->v2 && base && *base) {
		snprintf(dir, sizeof(dir), "%s", base);
	} else {
		r = cg_own_path(h, own, sizeof(own));
		if (r < 0) {
			snprintf(why, wsize, "%s: own cgroup not found in /proc/self/cgroup", spec);
			return r;
		}
		snprintf(dir, sizeof(dir), "%s%s", h->mnt, strcmp(own, "/") ? own : "");
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
	char p[64], text[8192], *save = NULL;

	snprintf(p, sizeof(p), "/proc/%d/cgroup", pid);
	if (kisol_read_file(p, text, sizeof(text)) < 0)
		return -errno;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = '\0';
		if (h->v2 ? (!strncmp(l, "0:", 2) && c1[1] == '\0') : opt_listed(c1 + 1, h->ctrl)) {
			snprintf(buf, size, "%s", c2 + 1);
			return 0;
		}
	}
	return -ENOENT;
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
