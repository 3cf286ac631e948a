/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared helpers of the cgroup case areas (cgroup_*, cgroupns, lib_cgroup):
 * small child bodies and a fixture with a v1 and a v2 variant. Included
 * after kisol_test.h.
 */
#ifndef KISOL_CGCASE_H
#define KISOL_CGCASE_H

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>

#include "kisol/cgroup.h"

/* Child: report "ready", then wait for any message (or the parent's death). */
static inline int cg_fn_park(int sock, void *arg)
{
	int64_t v;

	if (kisol_send_int(sock, getpid()) < 0)
		return 100;
	kisol_recv_int(sock, &v, -1);
	return 0;
}

/* Child: report ready, then burn CPU until killed. */
static inline int cg_fn_spin(int sock, void *arg)
{
	volatile uint64_t n = 0;

	if (kisol_send_int(sock, getpid()) < 0)
		return 100;
	for (;;)
		n++;
	return 0;
}

static inline int64_t cg_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Spawn a child in cg that runs fn(sock, arg) and wait for its first message (ready). */
static inline int cg_spawn_fn(const struct kisol_cg *cg, kisol_child_fn fn, void *arg,
			      struct kisol_child *c)
{
	int64_t pid;
	int r = kisol_cg_spawn(cg, 0, fn, arg, c);

	if (r < 0)
		return r;
	r = kisol_recv_int(c->sock, &pid, KISOL_TIMEOUT_MS);
	return r < 0 ? r : 0;
}

/* Spawn a parked child in cg and wait for its ready message. */
static inline int cg_spawn_park(const struct kisol_cg *cg, struct kisol_child *c)
{
	return cg_spawn_fn(cg, cg_fn_park, NULL, c);
}

/*
 * clone3(CLONE_INTO_CGROUP) into dst from a fresh cgroup: the caller moves
 * into a new sibling cgroup for the clone and back afterwards, so that the
 * kill_seq bug (see kisol_cg_clone_into()) of a previously killed own
 * cgroup does not kill the child. 0 in the child, pid in the parent.
 * src is destroyed by hand, not by _cleanup_cg_: the child returns
 * through here too and must not remove the cgroup its parent is in.
 */
static inline pid_t cg_clone_into_fresh(const struct kisol_cg *dst, int *pidfd)
{
	struct kisol_cg src = KISOL_CG_INIT;
	char prev[KISOL_CG_PATH];
	pid_t pid;
	int r;

	r = kisol_cg_create(KISOL_CG_CORE, KISOL_CG_V2, &src);
	if (r < 0)
		return r;
	r = kisol_cg_move_self(&src, prev, sizeof(prev));
	if (r < 0) {
		kisol_cg_destroy(&src);
		return r;
	}
	pid = kisol_cg_clone_into(dst, pidfd);
	if (pid == 0)
		return 0;
	kisol_cg_move_self_path(prev);
	kisol_cg_destroy(&src);
	return pid;
}

/*
 * pid is in a new namespace of each type in flags (CLONE_NEW*), none of
 * them ours: 0, -EEXIST when it still shares one with us, or -errno.
 */
static inline int cg_ns_new(pid_t pid, uint64_t flags)
{
	struct kisol_ns_id mine, its;
	int e;

	for (int t = 0; t < _KISOL_NS_MAX; t++) {
		if (!(flags & kisol_ns_table[t].flag))
			continue;
		if ((e = kisol_ns_id(0, t, &mine)) < 0 || (e = kisol_ns_id(pid, t, &its)) < 0)
			return e;
		if (kisol_ns_id_eq(&mine, &its))
			return -EEXIST;
	}
	return 0;
}

/* The signal that ended a child (wait status), 0 if it exited. */
static inline int cg_termsig(int status)
{
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static inline const char *cg_vname(int v)
{
	return v == 1 ? "v1" : "v2";
}

/*
 * The body every cgroup fixture shares: a test cgroup for controller ctrl
 * on the variant's version and up to four children, created in setup
 * (SKIP where the controller is not on that version) and destroyed in
 * teardown (thaw, kill, drain, rmdir), even after a failed ASSERT.
 */
#define __CG_FIXTURE_BODY(name, ctrl)                                            \
	FIXTURE_SETUP(name)                                                      \
	{                                                                        \
		struct kisol_cg init = KISOL_CG_INIT;                            \
		struct kisol_child kinit = KISOL_CHILD_INIT;                     \
		int _r;                                                          \
                                                                                 \
		self->cg = init;                                                 \
		for (int i = 0; i < 4; i++)                                      \
			self->kid[i] = kinit;                                    \
		NEED_CG((ctrl), variant->version);                               \
		_r = kisol_cg_create((ctrl), variant->version, &self->cg);       \
		ASSERT_EQ(0, _r) TH_LOG("create test cgroup: %s", strerror(-_r)); \
	}                                                                        \
	FIXTURE_TEARDOWN(name)                                                   \
	{                                                                        \
		int _r = kisol_cg_destroy(&self->cg);                            \
                                                                                 \
		for (int i = 0; i < 4; i++)                                      \
			kisol_child_release(&self->kid[i]);                      \
		EXPECT_EQ(0, _r) TH_LOG("destroy %s", strerror(-_r));            \
	}

#define __CG_FIXTURE_DATA(name)                                                  \
	FIXTURE(name) {                                                          \
		struct kisol_cg cg;                                              \
		struct kisol_child kid[4];                                       \
	};                                                                       \
	FIXTURE_VARIANT(name) { int version; }

/* A cgroup fixture in two variants, v1 and v2. */
#define CG_FIXTURE(name, ctrl)                                                   \
	__CG_FIXTURE_DATA(name);                                                 \
	FIXTURE_VARIANT_ADD(name, v1) { .version = KISOL_CG_V1 };                \
	FIXTURE_VARIANT_ADD(name, v2) { .version = KISOL_CG_V2 };                \
	__CG_FIXTURE_BODY(name, ctrl)

/* Only a v2 variant (properties cgroup v1 does not have). */
#define CG_FIXTURE_V2(name, ctrl)                                                \
	__CG_FIXTURE_DATA(name);                                                 \
	FIXTURE_VARIANT_ADD(name, v2) { .version = KISOL_CG_V2 };                \
	__CG_FIXTURE_BODY(name, ctrl)

/* Only a v1 variant (interfaces cgroup v2 does not have). */
#define CG_FIXTURE_V1(name, ctrl)                                                \
	__CG_FIXTURE_DATA(name);                                                 \
	FIXTURE_VARIANT_ADD(name, v1) { .version = KISOL_CG_V1 };                \
	__CG_FIXTURE_BODY(name, ctrl)

/* Shared counter page for "does it run?" checks. */
static inline volatile uint64_t *cg_counter_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Child: report, then count up in the shared page forever. */
static inline int cg_fn_count(int sock, void *arg)
{
	volatile uint64_t *c = arg;

	kisol_send_int(sock, getpid());
	for (;;)
		(*c)++;
	return 0;
}

/* true if *c does not move during a window of ms milliseconds (busy wait on the clock). */
static inline bool cg_counter_still(volatile uint64_t *c, int ms)
{
	uint64_t a = *c;
	int64_t end = cg_now_ns(CLOCK_MONOTONIC) + (int64_t)ms * 1000000;

	while (cg_now_ns(CLOCK_MONOTONIC) < end)
		sched_yield();
	return *c == a;
}

/* true if *c moves within ms milliseconds. */
static inline bool cg_counter_moves(volatile uint64_t *c, int ms)
{
	uint64_t a = *c;
	int64_t end = cg_now_ns(CLOCK_MONOTONIC) + (int64_t)ms * 1000000;

	while (cg_now_ns(CLOCK_MONOTONIC) < end)
		if (*c != a)
			return true;
		else
			sched_yield();
	return *c != a;
}

/* The tracer of pid (TracerPid of /proc/PID/status), 0 if none, -errno. */
static inline int64_t tracer_of(pid_t pid)
{
	char path[64], buf[8192];
	int64_t v;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	r = kisol_read_file(path, buf, sizeof(buf));
	if (r >= 0)
		r = kisol_keyed_int64(buf, "TracerPid", &v);
	return r < 0 ? r : v;
}

/*
 * Under an outer tracer (a debugger, make mutate's supervisor) the child
 * is traced already: its SIGSTOP is a ptrace stop ('t', not the group
 * stop 'T') and nobody else can PTRACE_SEIZE it.
 */
#define NEED_UNTRACED(pid)                                                            \
	do {                                                                          \
		int64_t _t = tracer_of(pid);                                          \
		ASSERT_LE(0, _t) TH_LOG("TracerPid of %d: %s", (int)(pid), strerror((int)-_t)); \
		if (_t)                                                               \
			SKIP(return, "the child is ptraced already (TracerPid %lld: a debugger or " \
			     "make mutate's supervisor); this case needs an untraced task", (long long)_t); \
	} while (0)

#endif
