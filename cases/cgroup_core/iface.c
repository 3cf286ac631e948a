// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup v2 core interface: cgroup.events notification, cgroup.freeze,
 * cgroup.kill, cgroup.max.depth / max.descendants, cgroup.stat. These
 * need no controller, so they run on any cgroup2 mount (here: the
 * unified hierarchy of a hybrid host).
 */
#include <sys/inotify.h>
#include <sys/ptrace.h>

#include "kisol_test.h"
#include "lib_cgroup/cgcase.h"

CG_FIXTURE_V2(iface, KISOL_CG_CORE)

static int poll_pri(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLPRI };

	return poll(&p, 1, ms);
}

/* cgroup.events raises POLLPRI when populated changes, both ways. */
TEST_F(iface, events_poll_populated)
{
	int fd = openat(self->cg.dfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	char buf[128];
	int64_t v;

	ASSERT_LE(0, fd);
	ASSERT_LT(0, pread(fd, buf, sizeof(buf) - 1, 0));
	EXPECT_EQ(0, poll_pri(fd, 0)); /* nothing pending after a read */
	ASSERT_EQ(0, cg_spawn_park(&self->cg, &self->kid[0]));
	EXPECT_EQ(1, poll_pri(fd, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "cgroup.events", "populated", &v));
	EXPECT_EQ(1, v);
	ASSERT_LT(0, pread(fd, buf, sizeof(buf) - 1, 0));
	kisol_send_int(self->kid[0].sock, 1);
	EXPECT_EQ(1, poll_pri(fd, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_wait_event(&self->cg, "populated", 0, KISOL_TIMEOUT_MS));
	close(fd);
}

/* inotify IN_MODIFY on cgroup.events fires when a task enters. */
TEST_F(iface, events_inotify)
{
	char path[KISOL_CG_PATH + 32], ev[512];
	struct pollfd p;
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

	ASSERT_LE(0, in);
	snprintf(path, sizeof(path), "%s/cgroup.events", self->cg.path);
	ASSERT_LE(0, inotify_add_watch(in, path, IN_MODIFY));
	ASSERT_EQ(0, cg_spawn_park(&self->cg, &self->kid[0]));
	p.fd = in;
	p.events = POLLIN;
	ASSERT_EQ(1, poll(&p, 1, KISOL_TIMEOUT_MS));
	EXPECT_LT(0, read(in, ev, sizeof(ev)));
	close(in);
}

/* A populated child makes the parent's events show populated 1. */
TEST_F(iface, events_populated_hierarchical)
{
	_cleanup_cg_ struct kisol_cg sub = KISOL_CG_INIT;
	int64_t v;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	ASSERT_EQ(0, cg_spawn_park(&sub, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "cgroup.events", "populated", &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, kisol_cg_kill(&sub));
	EXPECT_EQ(0, kisol_cg_wait_event(&self->cg, "populated", 0, KISOL_TIMEOUT_MS));
}

/* Freeze reaches frozen 1, the task stops; thaw gives frozen 0 and it runs. */
TEST_F(iface, freeze_and_thaw)
{
	volatile uint64_t *c = cg_counter_page();

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, cg_fn_count, (void *)c, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cgroup.freeze", "1"));
	ASSERT_EQ(0, kisol_cg_wait_event(&self->cg, "frozen", 1, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_still(c, 20));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cgroup.freeze", "0"));
	ASSERT_EQ(0, kisol_cg_wait_event(&self->cg, "frozen", 0, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_moves(c, 2000));
}

/* An empty cgroup is frozen at once; cgroup.freeze reads back 1. */
TEST_F(iface, freeze_empty)
{
	int64_t v;

	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cgroup.freeze", "1"));
	ASSERT_EQ(0, kisol_cg_wait_event(&self->cg, "frozen", 1, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "cgroup.freeze", &v));
	EXPECT_EQ(1, v);
}

/* Values other than 0/1: ERANGE; garbage: EINVAL. */
TEST_F(iface, freeze_bad_values)
{
	EXPECT_EQ(-ERANGE, kisol_cg_write(&self->cg, "cgroup.freeze", "2"));
	EXPECT_EQ(-ERANGE, kisol_cg_write(&self->cg, "cgroup.freeze", "-1"));
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "cgroup.freeze", "x"));
}

/* A child cgroup of a frozen cgroup is frozen too, also one made afterwards. */
TEST_F(iface, freeze_inherited)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT;
	volatile uint64_t *c = cg_counter_page();

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "a", &a));
	ASSERT_EQ(0, cg_spawn_fn(&a, cg_fn_count, (void *)c, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, kisol_cg_wait_event(&a, "frozen", 1, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_still(c, 20));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "b", &b));
	EXPECT_EQ(0, kisol_cg_wait_event(&b, "frozen", 1, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, kisol_cg_wait_event(&a, "frozen", 0, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_moves(c, 2000));
}

/* A task migrated into a frozen cgroup gets frozen; the cgroup reports frozen again. */
TEST_F(iface, freeze_migrate_in)
{
	_cleanup_cg_ struct kisol_cg out = KISOL_CG_INIT;
	volatile uint64_t *c = cg_counter_page();

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, kisol_cg_create(KISOL_CG_CORE, KISOL_CG_V2, &out));
	ASSERT_EQ(0, cg_spawn_fn(&out, cg_fn_count, (void *)c, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_attach(&self->cg, self->kid[0].pid));
	ASSERT_EQ(1, kisol_cg_is_member(&self->cg, self->kid[0].pid));
	ASSERT_EQ(0, kisol_cg_wait_event(&self->cg, "frozen", 1, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_still(c, 20));
}

/* A task leaving a frozen cgroup for a thawed one runs again. */
TEST_F(iface, freeze_migrate_out)
{
	_cleanup_cg_ struct kisol_cg out = KISOL_CG_INIT;
	volatile uint64_t *c = cg_counter_page();

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, cg_fn_count, (void *)c, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_create(KISOL_CG_CORE, KISOL_CG_V2, &out));
	ASSERT_EQ(0, kisol_cg_attach(&out, self->kid[0].pid));
	ASSERT_EQ(1, kisol_cg_is_member(&out, self->kid[0].pid));
	EXPECT_TRUE(cg_counter_moves(c, 2000));
}

/* A SIGSTOPped task does not keep the cgroup from reaching frozen; after thaw it is still stopped. */
TEST_F(iface, freeze_stopped_task)
{
	siginfo_t si = { 0 };
	char buf[512], *p;
	char path[64];

	ASSERT_EQ(0, cg_spawn_park(&self->cg, &self->kid[0]));
	NEED_UNTRACED(self->kid[0].pid);
	ASSERT_EQ(0, kill(self->kid[0].pid, SIGSTOP));
	ASSERT_EQ(0, waitid(P_PIDFD, self->kid[0].pidfd, &si, WSTOPPED));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS));
	snprintf(path, sizeof(path), "/proc/%d/stat", self->kid[0].pid);
	ASSERT_LT(0, kisol_read_file(path, buf, sizeof(buf)));
	p = strrchr(buf, ')');
	ASSERT_NE(NULL, p);
	EXPECT_EQ('T', p[2]) TH_LOG("state %c", p[2]);
	kill(self->kid[0].pid, SIGCONT);
}

/* A ptraced task is frozen too (the tracer does not hold it back). */
TEST_F(iface, freeze_ptraced_task)
{
	volatile uint64_t *c = cg_counter_page();

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, cg_fn_count, (void *)c, &self->kid[0]));
	NEED_UNTRACED(self->kid[0].pid);
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, self->kid[0].pid, NULL, NULL));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_still(c, 20));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_moves(c, 2000));
}

/* A task born into a frozen cgroup (CLONE_INTO_CGROUP) starts frozen. */
TEST_F(iface, freeze_clone_into_frozen)
{
	volatile uint64_t *c;
	int pidfd = -1;
	pid_t pid;

	NEED_CLONE3();
	c = cg_counter_page();
	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	pid = cg_clone_into_fresh(&self->cg, &pidfd);
	ASSERT_LE(0, pid);
	if (pid == 0)
		for (;;)
			(*c)++;
	self->kid[0].pid = pid;
	self->kid[0].pidfd = pidfd;
	EXPECT_EQ(0, kisol_cg_wait_event(&self->cg, "frozen", 1, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_still(c, 20));
	EXPECT_EQ(0ULL, *c);
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_moves(c, 2000));
}

/* A frozen task can still be killed with SIGKILL. */
TEST_F(iface, freeze_sigkill_works)
{
	ASSERT_EQ(0, cg_spawn_park(&self->cg, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_child_kill(&self->kid[0], SIGKILL));
	ASSERT_EQ(0, kisol_child_wait(&self->kid[0], KISOL_TIMEOUT_MS, NULL));
	EXPECT_EQ(SIGKILL, cg_termsig(self->kid[0].status));
}

/* cgroup.kill accepts only 1; it is write-only. */
TEST_F(iface, kill_bad_values)
{
	char buf[8];

	NEED_CG_FILE(&self->cg, "cgroup.kill");
	EXPECT_EQ(-ERANGE, kisol_cg_write(&self->cg, "cgroup.kill", "0"));
	EXPECT_EQ(-ERANGE, kisol_cg_write(&self->cg, "cgroup.kill", "2"));
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "cgroup.kill", "x"));
	EXPECT_GT(0, kisol_cg_read(&self->cg, "cgroup.kill", buf, sizeof(buf)));
}

/* cgroup.kill kills a frozen cgroup's tasks too. */
TEST_F(iface, kill_frozen)
{
	NEED_CG_FILE(&self->cg, "cgroup.kill");
	ASSERT_EQ(0, cg_spawn_park(&self->cg, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cgroup.kill", "1"));
	ASSERT_EQ(0, kisol_cg_wait_event(&self->cg, "populated", 0, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_child_wait(&self->kid[0], KISOL_TIMEOUT_MS, NULL));
	EXPECT_EQ(SIGKILL, cg_termsig(self->kid[0].status));
}

/* cgroup.kill leaves tasks outside the cgroup alone. */
TEST_F(iface, kill_spares_siblings)
{
	_cleanup_cg_ struct kisol_cg other = KISOL_CG_INIT;

	NEED_CG_FILE(&self->cg, "cgroup.kill");
	ASSERT_EQ(0, kisol_cg_create(KISOL_CG_CORE, KISOL_CG_V2, &other));
	ASSERT_EQ(0, cg_spawn_park(&self->cg, &self->kid[0]));
	ASSERT_EQ(0, cg_spawn_park(&other, &self->kid[1]));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cgroup.kill", "1"));
	ASSERT_EQ(0, kisol_cg_wait_event(&self->cg, "populated", 0, KISOL_TIMEOUT_MS));
	EXPECT_EQ(-ETIMEDOUT, kisol_child_wait(&self->kid[1], 0, NULL));
	EXPECT_EQ(1, kisol_cg_has_pid(&other, self->kid[1].pid));
}

/* cgroup.max.depth: default max; depth 1 allows a child but no grandchild (EAGAIN). */
TEST_F(iface, max_depth)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT;
	int64_t v;

	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "cgroup.max.depth", &v));
	EXPECT_EQ(INT64_MAX, v);
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cgroup.max.depth", "1"));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "a", &a));
	EXPECT_EQ(-EAGAIN, kisol_cg_child(&a, "b", &b));
	EXPECT_EQ(-ERANGE, kisol_cg_write(&self->cg, "cgroup.max.depth", "-1"));
}

/* cgroup.max.descendants 1: the second child is refused with EAGAIN. */
TEST_F(iface, max_descendants)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT;
	int64_t v;

	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "cgroup.max.descendants", &v));
	EXPECT_EQ(INT64_MAX, v);
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cgroup.max.descendants", "1"));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "a", &a));
	EXPECT_EQ(-EAGAIN, kisol_cg_child(&self->cg, "b", &b));
	EXPECT_EQ(-EAGAIN, kisol_cg_child(&a, "c", &b)); /* counts the whole subtree */
	kisol_cg_destroy(&a);
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "b", &b)); /* room again after rmdir */
}

/* A limit on an ancestor also binds the subtree below a child. */
TEST_F(iface, max_depth_from_ancestor)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT, c = KISOL_CG_INIT;

	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cgroup.max.depth", "2"));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "a", &a));
	ASSERT_EQ(0, kisol_cg_child(&a, "b", &b));
	EXPECT_EQ(-EAGAIN, kisol_cg_child(&b, "c", &c));
}

/* cgroup.stat nr_descendants follows mkdir and rmdir. */
TEST_F(iface, stat_nr_descendants)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT;
	int64_t v;

	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "cgroup.stat", "nr_descendants", &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "a", &a));
	ASSERT_EQ(0, kisol_cg_child(&a, "b", &b));
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "cgroup.stat", "nr_descendants", &v));
	EXPECT_EQ(2, v);
	ASSERT_EQ(0, kisol_cg_keyed(&a, "cgroup.stat", "nr_descendants", &v));
	EXPECT_EQ(1, v);
	kisol_cg_destroy(&b);
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "cgroup.stat", "nr_descendants", &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "cgroup.stat", "nr_dying_descendants", &v));
	EXPECT_LE(0, v);
}

/* cpu.stat exists in every v2 cgroup (core) and counts a spinning task's time. */
TEST_F(iface, cpu_stat_usage_core)
{
	int64_t a, b;

	NEED_CG_FILE(&self->cg, "cpu.stat");
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "cpu.stat", "usage_usec", &a));
	EXPECT_EQ(0, a);
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, cg_fn_spin, NULL, &self->kid[0]));
	for (int64_t end = cg_now_ns(CLOCK_MONOTONIC) + 2000000000LL;
	     cg_now_ns(CLOCK_MONOTONIC) < end;) {
		ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "cpu.stat", "usage_usec", &b));
		if (b >= 10000)
			break;
		sched_yield();
	}
	EXPECT_LE(10000, b) TH_LOG("usage_usec %lld after 2 s of spinning", (long long)b);
}

KISOL_MAIN
