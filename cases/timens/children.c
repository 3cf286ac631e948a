// SPDX-License-Identifier: GPL-2.0-only
/*
 * Time namespaces: time_for_children. unshare(CLONE_NEWTIME) leaves the
 * caller where it is; fork()ed children (and their children) enter the
 * new namespace, execve() moves the caller itself into it, while threads
 * and vfork() children (CLONE_VM) stay with the caller. setns() switches
 * clocks at once; clone3(CLONE_NEWTIME) yields zero, frozen offsets;
 * offsets are relative to the host, not to an enclosing time namespace.
 *
 * Offsets are a day (MONOTONIC) so "shifted" and "unshifted" readings
 * cannot be confused: value in [t0 + off, t1 + off] against readings
 * t0 / t1 taken by the parent before and after.
 */
#include <linux/sched.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "kisol_test.h"

#define NSEC 1000000000LL
#define DAY 86400LL
#define HOUR 3600LL
#define PROBE_ENV "KISOL_TIMENS_PROBE_FD"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * NSEC + t.tv_nsec;
}

static uint64_t time_ino(const char *which)
{
	struct stat st;
	char p[64];

	snprintf(p, sizeof(p), "/proc/self/ns/%s", which);
	return stat(p, &st) < 0 ? 0 : st.st_ino;
}

/*
 * Exec probe: when this binary is executed with PROBE_ENV set, report the
 * clock and the time namespace over that fd and exit before the harness
 * starts.
 */
static void __attribute__((constructor)) timens_probe(void)
{
	const char *e = getenv(PROBE_ENV);
	int fd;

	if (!e)
		return;
	fd = atoi(e);
	kisol_send_int(fd, mono_ns());
	kisol_send_int(fd, (int64_t)time_ino("time"));
	_exit(0);
}

static int set_offset(const char *text)
{
	return kisol_write_file("/proc/self/timens_offsets", text);
}

/* Send clock and namespace inode. */
static int report(int sock)
{
	return kisol_send_int(sock, mono_ns()) < 0 ||
	       kisol_send_int(sock, (int64_t)time_ino("time")) < 0;
}

static int report_fn(int sock, void *arg)
{
	(void)arg;
	return report(sock);
}

FIXTURE(tfc) {
	struct kisol_child child;
	uint64_t ino_before;
};
FIXTURE_SETUP(tfc)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_TIME);
	NEED_NS(KISOL_NS_TIME);
	self->ino_before = time_ino("time");
	ASSERT_NE(0u, self->ino_before);
}
FIXTURE_TEARDOWN(tfc)
{
	kisol_child_release(&self->child);
}

static int spawn(struct kisol_child *c, kisol_child_fn fn, void *arg)
{
	struct kisol_spawn_opts o = { .flags = 0, .cgroup_fd = -1 };

	return kisol_spawn(&o, fn, arg, c);
}

TEST_F(tfc, unshare_moves_children_not_caller)
{
	int64_t t0, t1, v, ino;

	ASSERT_EQ(0, unshare(CLONE_NEWTIME));
	ASSERT_LE(0, set_offset("monotonic 86400 0"));
	EXPECT_EQ(self->ino_before, time_ino("time")) TH_LOG("caller moved by unshare");
	EXPECT_NE(self->ino_before, time_ino("time_for_children"));
	t0 = mono_ns();
	ASSERT_EQ(0, spawn(&self->child, report_fn, NULL));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &v, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &ino, KISOL_TIMEOUT_MS));
	t1 = mono_ns();
	EXPECT_EQ((int64_t)time_ino("time_for_children"), ino);
	EXPECT_LE(t0 + DAY * NSEC, v);
	EXPECT_GE(t1 + DAY * NSEC, v);
	/* the caller's clock stayed on the host's */
	EXPECT_LT(t1 - t0, 60 * NSEC);
}
KISOL_META(tfc, unshare_moves_children_not_caller, "sides=both")

static int fork_grandchild(int sock, void *arg)
{
	pid_t p;
	int st;

	(void)arg;
	p = fork();
	if (p == 0)
		_exit(report(sock));
	if (p < 0 || waitpid(p, &st, 0) != p)
		return 1;
	return report(sock) || !WIFEXITED(st) || WEXITSTATUS(st);
}

TEST_F(tfc, grandchildren_inherit)
{
	int64_t t0, v[2], ino[2];

	ASSERT_EQ(0, unshare(CLONE_NEWTIME));
	ASSERT_LE(0, set_offset("monotonic 86400 0"));
	t0 = mono_ns();
	ASSERT_EQ(0, spawn(&self->child, fork_grandchild, NULL));
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, kisol_recv_int(self->child.sock, &v[i], KISOL_TIMEOUT_MS));
		ASSERT_EQ(0, kisol_recv_int(self->child.sock, &ino[i], KISOL_TIMEOUT_MS));
		EXPECT_LE(t0 + DAY * NSEC, v[i]) TH_LOG("%s not shifted", i ? "child" : "grandchild");
		EXPECT_EQ((int64_t)time_ino("time_for_children"), ino[i]);
	}
	/* outside: the caller stayed in its namespace, on the host's clock */
	EXPECT_EQ(self->ino_before, time_ino("time"));
	EXPECT_GT(t0 + DAY * NSEC, mono_ns());
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
}
KISOL_META(tfc, grandchildren_inherit, "sides=both")

/*
 * Before 2b5f9dad32ed ("fs/exec: switch timens when a task gets a new mm",
 * v6.2) copy_process() refused CLONE_VM and CLONE_THREAD with EINVAL while
 * time_for_children differed from the caller's time namespace, and execve()
 * did not switch to time_for_children.
 */
#define PRE_2B5F9DAD32ED "kernel predates 2b5f9dad32ed (v6.2, \"fs/exec: switch timens when a task gets a new mm\"): "

static void *noop_thread(void *arg)
{
	return arg;
}

/* Child: in a pending time namespace, 1 if a thread is refused with EINVAL, 0 if created. */
static int clone_vm_probe(int sock, void *arg)
{
	pthread_t t;
	int r;

	(void)sock;
	(void)arg;
	if (unshare(CLONE_NEWTIME) < 0)
		return 10;
	r = pthread_create(&t, NULL, noop_thread, NULL);
	if (r == 0)
		return pthread_join(t, NULL) ? 11 : 0;
	return r == EINVAL ? 1 : 12;
}

/* Child: unshare, set the offset, report, then exec ourselves as the probe. */
static int unshare_then_exec(int sock, void *arg)
{
	char env[64], *argv[] = { "timens-probe", NULL };
	char *envp[] = { env, NULL };
	int fd;

	(void)arg;
	if (unshare(CLONE_NEWTIME) < 0 || set_offset("monotonic 86400 0") < 0)
		return 10;
	if (report(sock))
		return 11;
	kisol_send_int(sock, (int64_t)time_ino("time_for_children"));
	fd = dup(sock); /* without O_CLOEXEC: survives the exec */
	snprintf(env, sizeof(env), PROBE_ENV "=%d", fd);
	execve("/proc/self/exe", argv, envp);
	return 12;
}

KISOL_META(tfc, exec_enters_time_for_children, "sides=both;commit=2b5f9dad32ed;ref=fs/exec: switch timens when a task gets a new mm (v6.2, SKIP before)")
TEST_F(tfc, exec_enters_time_for_children)
{
	int64_t t0, t1, before, ino_before, tfc_ino, after, ino_after;

	t0 = mono_ns();
	ASSERT_EQ(0, spawn(&self->child, unshare_then_exec, NULL));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &before, KISOL_TIMEOUT_MS))
		TH_LOG("child exit %d", kisol_child_exit_code(&self->child, 1000));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &ino_before, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &tfc_ino, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &after, KISOL_TIMEOUT_MS))
		TH_LOG("exec probe did not report: exit %d",
		       kisol_child_exit_code(&self->child, 1000));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &ino_after, KISOL_TIMEOUT_MS));
	t1 = mono_ns();
	if (ino_after == ino_before && after >= t0 && after <= t1) {
		/* exec kept the old namespace: the pre-v6.2 rule, if its
		 * other signature (CLONE_VM refused) is there too */
		struct kisol_child probe = KISOL_CHILD_INIT;
		int old;

		ASSERT_EQ(0, spawn(&probe, clone_vm_probe, NULL));
		old = kisol_child_exit_code(&probe, KISOL_TIMEOUT_MS);
		kisol_child_release(&probe);
		if (old == 1)
			SKIP(return, PRE_2B5F9DAD32ED "execve() does not enter time_for_children");
	}
	/* before exec: still our namespace and our clock */
	EXPECT_EQ((int64_t)self->ino_before, ino_before);
	EXPECT_GE(t1, before);
	/* after exec: in the namespace it had made for its children */
	EXPECT_EQ(tfc_ino, ino_after);
	EXPECT_NE(ino_before, ino_after);
	EXPECT_LE(t0 + DAY * NSEC, after);
	EXPECT_GE(t1 + DAY * NSEC, after);
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
}

static volatile int64_t vfork_seen;
static volatile uint64_t vfork_ino;

KISOL_META(tfc, vfork_child_stays_with_parent, "sides=both;commit=2b5f9dad32ed;ref=fs/exec: switch timens when a task gets a new mm (v6.2, SKIP before)")
TEST_F(tfc, vfork_child_stays_with_parent)
{
	int64_t t0, t1;
	pid_t p;
	int st;

	ASSERT_EQ(0, unshare(CLONE_NEWTIME));
	ASSERT_LE(0, set_offset("monotonic 86400 0"));
	t0 = mono_ns();
	p = vfork();
	if (p < 0 && errno == EINVAL)
		SKIP(return, PRE_2B5F9DAD32ED "vfork() refused with EINVAL after unshare(CLONE_NEWTIME)");
	if (p == 0) {
		/* shares our memory: store the readings and leave at once */
		vfork_seen = mono_ns();
		vfork_ino = time_ino("time");
		_exit(0);
	}
	ASSERT_LT(0, p);
	ASSERT_EQ(p, waitpid(p, &st, 0));
	t1 = mono_ns();
	EXPECT_LE(t0, vfork_seen) TH_LOG("CLONE_VM child got the new time namespace");
	EXPECT_GE(t1, vfork_seen);
	EXPECT_EQ(self->ino_before, vfork_ino);
	/* the offsets are still writable: nobody entered */
	EXPECT_LE(0, set_offset("monotonic 3600 0"));
}

static void *thread_read(void *arg)
{
	int64_t *out = arg;

	out[0] = mono_ns();
	out[1] = (int64_t)time_ino("time");
	return NULL;
}

KISOL_META(tfc, threads_stay_with_process, "sides=both;commit=2b5f9dad32ed;ref=fs/exec: switch timens when a task gets a new mm (v6.2, SKIP before)")
TEST_F(tfc, threads_stay_with_process)
{
	pthread_t t;
	int64_t t0, t1, out[2] = { 0, 0 };
	int r;

	ASSERT_EQ(0, unshare(CLONE_NEWTIME));
	ASSERT_LE(0, set_offset("monotonic 86400 0"));
	t0 = mono_ns();
	r = pthread_create(&t, NULL, thread_read, out);
	if (r == EINVAL)
		SKIP(return, PRE_2B5F9DAD32ED "pthread_create() refused with EINVAL after unshare(CLONE_NEWTIME)");
	ASSERT_EQ(0, r) TH_LOG("pthread_create: %s", strerror(r));
	ASSERT_EQ(0, pthread_join(t, NULL));
	t1 = mono_ns();
	EXPECT_LE(t0, out[0]);
	EXPECT_GE(t1, out[0]) TH_LOG("thread clock shifted");
	EXPECT_EQ((int64_t)self->ino_before, out[1]);
}

static int hold(int sock, void *arg)
{
	int64_t go;

	(void)arg;
	if (report(sock))
		return 1;
	return kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS) < 0;
}

TEST_F(tfc, setns_switches_clock_at_once)
{
	_cleanup_close_ int fd = -EBADF;
	int64_t v, ino, t0, t1, a0, a1;

	ASSERT_EQ(0, unshare(CLONE_NEWTIME));
	ASSERT_LE(0, set_offset("monotonic 86400 0"));
	ASSERT_EQ(0, spawn(&self->child, hold, NULL));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &v, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &ino, KISOL_TIMEOUT_MS));
	fd = kisol_ns_open(self->child.pid, KISOL_NS_TIME);
	ASSERT_LE(0, fd);
	t0 = mono_ns();
	ASSERT_EQ(0, setns(fd, CLONE_NEWTIME)) TH_LOG("setns time: %m");
	a0 = mono_ns();
	EXPECT_EQ((int64_t)time_ino("time"), ino);
	EXPECT_EQ((int64_t)time_ino("time_for_children"), ino);
	/* vDSO and syscall both switched */
	struct timespec raw;

	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &raw);
	a1 = mono_ns();
	t1 = raw.tv_sec * NSEC + raw.tv_nsec;
	EXPECT_LE(t0 + DAY * NSEC, a0) TH_LOG("vDSO clock not switched by setns");
	EXPECT_LE(a0, t1) TH_LOG("syscall clock disagrees with vDSO after setns");
	EXPECT_LE(t1, a1);
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
}
KISOL_META(tfc, setns_switches_clock_at_once, "sides=both")

static void *park(void *arg)
{
	int *fds = arg;
	char c;

	return read(fds[0], &c, 1) < 0 ? NULL : NULL;
}

/*
 * The target namespace comes from clone3(CLONE_NEWTIME), so the caller has
 * no pending time namespace and may create threads on every kernel
 * (before 2b5f9dad32ed a pending one made pthread_create() fail).
 */
TEST_F(tfc, setns_refused_when_multithreaded)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWTIME, .cgroup_fd = -1 };
	_cleanup_close_ int fd = -EBADF;
	int fds[2], r;
	int64_t v, ino;
	pthread_t t;

	ASSERT_EQ(0, kisol_spawn(&o, hold, NULL, &self->child));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &v, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &ino, KISOL_TIMEOUT_MS));
	fd = kisol_ns_open(self->child.pid, KISOL_NS_TIME);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(fds));
	ASSERT_EQ(0, pthread_create(&t, NULL, park, fds));
	EXPECT_NE((int64_t)self->ino_before, ino) TH_LOG("child has no time namespace of its own");
	r = setns(fd, CLONE_NEWTIME) < 0 ? -errno : 0;
	close(fds[1]);
	pthread_join(t, NULL);
	close(fds[0]);
	EXPECT_EQ(-EUSERS, r);
	EXPECT_EQ(self->ino_before, time_ino("time")) TH_LOG("moved anyway");
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
}
KISOL_META(tfc, setns_refused_when_multithreaded, "sides=one: a refusal (EUSERS), the caller is checked not moved")

TEST_F(tfc, second_unshare_replaces_pending_ns)
{
	uint64_t first;
	int64_t t0, v, ino;

	ASSERT_EQ(0, unshare(CLONE_NEWTIME));
	ASSERT_LE(0, set_offset("monotonic 86400 0"));
	first = time_ino("time_for_children");
	ASSERT_EQ(0, unshare(CLONE_NEWTIME));
	EXPECT_NE(first, time_ino("time_for_children"));
	ASSERT_LE(0, set_offset("monotonic 3600 0"));
	t0 = mono_ns();
	ASSERT_EQ(0, spawn(&self->child, report_fn, NULL));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &v, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &ino, KISOL_TIMEOUT_MS));
	EXPECT_EQ((int64_t)time_ino("time_for_children"), ino);
	EXPECT_LE(t0 + HOUR * NSEC, v);
	EXPECT_GT(t0 + DAY * NSEC, v) TH_LOG("child got the first, replaced namespace");
}
KISOL_META(tfc, second_unshare_replaces_pending_ns, "sides=both")

/* In a namespace with +1 day: unshare again with +1 hour, report from a grandchild. */
static int nested(int sock, void *arg)
{
	pid_t p;
	int st;

	(void)arg;
	if (unshare(CLONE_NEWTIME) < 0 || set_offset("monotonic 3600 0") < 0)
		return 10;
	p = fork();
	if (p == 0)
		_exit(report(sock));
	return p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st);
}

TEST_F(tfc, nested_offsets_are_relative_to_host)
{
	int64_t t0, t1, v, ino;

	ASSERT_EQ(0, unshare(CLONE_NEWTIME));
	ASSERT_LE(0, set_offset("monotonic 86400 0"));
	t0 = mono_ns();
	ASSERT_EQ(0, spawn(&self->child, nested, NULL));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &v, KISOL_TIMEOUT_MS))
		TH_LOG("child exit %d", kisol_child_exit_code(&self->child, 1000));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &ino, KISOL_TIMEOUT_MS));
	t1 = mono_ns();
	EXPECT_LE(t0 + HOUR * NSEC, v);
	EXPECT_GE(t1 + HOUR * NSEC, v) TH_LOG("offsets stacked: +1 day +1 hour");
	EXPECT_NE((int64_t)time_ino("time_for_children"), ino);
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
}
KISOL_META(tfc, nested_offsets_are_relative_to_host, "sides=both")

static int report_offsets_write(int sock, void *arg)
{
	(void)arg;
	int64_t go;

	if (report(sock))
		return 1;
	if (kisol_send_int(sock, set_offset("monotonic 10 0")) < 0)
		return 2;
	/* stay alive until the parent has read our offsets from outside */
	return kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS) < 0;
}

TEST_F(tfc, clone3_newtime_zero_frozen_offsets)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWTIME, .cgroup_fd = -1 };
	int64_t t0, t1, v, ino, w;
	char path[64], buf[256];

	t0 = mono_ns();
	ASSERT_EQ(0, kisol_spawn(&o, report_offsets_write, NULL, &self->child));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &v, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &ino, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &w, KISOL_TIMEOUT_MS));
	t1 = mono_ns();
	EXPECT_NE((int64_t)self->ino_before, ino) TH_LOG("no new time namespace");
	EXPECT_LE(t0, v);
	EXPECT_GE(t1, v);
	EXPECT_EQ(-EACCES, w) TH_LOG("offsets of an entered namespace writable");
	snprintf(path, sizeof(path), "/proc/%d/timens_offsets", self->child.pid);
	ASSERT_LT(0, kisol_read_file(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "monotonic           0")) TH_LOG("%s", buf);
	EXPECT_EQ(self->ino_before, time_ino("time")) TH_LOG("parent moved");
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
}
KISOL_META(tfc, clone3_newtime_zero_frozen_offsets, "sides=both")

KISOL_MAIN
