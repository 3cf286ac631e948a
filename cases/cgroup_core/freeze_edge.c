// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup v2 freezer (cgroup.freeze), edge cases: a vfork parent waiting for
 * its child and the child itself, a tracer attaching to a frozen task,
 * rmdir of frozen cgroups, and a cgroup whose tasks keep forking. The
 * freezer is part of the v2 core, so these run on any cgroup2 mount (on a
 * hybrid host: the unified hierarchy). Each test also watches a task in a
 * sibling cgroup that must keep running (the outside side), and counts
 * progress in shared pages instead of timing anything.
 *
 * Facts from Documentation/admin-guide/cgroup-v2.rst (cgroup.freeze) and
 * the peer tools/testing/selftests/cgroup/test_freezer.c (6.12).
 */
#include <sys/ptrace.h>
#include <sys/user.h>

#include "kisol_test.h"
#include "lib_cgroup/cgcase.h"

/* A fixture with the frozen cgroup (cg) and a running sibling (out). */
FIXTURE(frz) {
	struct kisol_cg cg, out;
	struct kisol_child kid[3];
	volatile uint64_t *c; /* shared counters: [0..7] inside, [8] outside, [9] flag */
};

FIXTURE_SETUP(frz)
{
	struct kisol_cg init = KISOL_CG_INIT;
	struct kisol_child kinit = KISOL_CHILD_INIT;

	self->cg = init;
	self->out = init;
	for (int i = 0; i < 3; i++)
		self->kid[i] = kinit;
	self->c = NULL;
	NEED_CG(KISOL_CG_CORE, KISOL_CG_V2);
	ASSERT_EQ(0, kisol_cg_create(KISOL_CG_CORE, KISOL_CG_V2, &self->cg));
	ASSERT_EQ(0, kisol_cg_create(KISOL_CG_CORE, KISOL_CG_V2, &self->out));
	self->c = cg_counter_page();
	ASSERT_NE(NULL, self->c);
	/* the outside side: a task in the sibling cgroup counting in c[8] */
	ASSERT_EQ(0, cg_spawn_fn(&self->out, cg_fn_count, (void *)(self->c + 8), &self->kid[2]));
}

FIXTURE_TEARDOWN(frz)
{
	int r1, r2;

	if (self->cg.dfd >= 0)
		kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS);
	r1 = kisol_cg_destroy(&self->cg);
	r2 = kisol_cg_destroy(&self->out);
	for (int i = 0; i < 3; i++)
		kisol_child_release(&self->kid[i]);
	if (self->c)
		munmap((void *)self->c, 4096);
	EXPECT_EQ(0, r1) TH_LOG("destroy: %s", strerror(-r1));
	EXPECT_EQ(0, r2) TH_LOG("destroy sibling: %s", strerror(-r2));
}

KISOL_META_FIXTURE(frz, "sides=both;ref=selftests cgroup/test_freezer.c")
KISOL_META(frz, vfork_parent_and_child_frozen, "commit=76f969e8948d")
KISOL_META(frz, vfork_parent_stays_frozen_after_child_exit, "commit=76f969e8948d")

/* The pids in cgroup.procs, sorted as the kernel lists them; count or -errno. */
static int cg_list_pids(const struct kisol_cg *cg, pid_t *pids, int max)
{
	char buf[4096], *p, *end;
	int n = 0, r = kisol_cg_read(cg, "cgroup.procs", buf, sizeof(buf));

	if (r < 0)
		return r;
	for (p = buf; *p && n < max; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		pids[n++] = (pid_t)v;
	}
	return n;
}

/* The sibling outside the frozen cgroup kept running. */
#define EXPECT_OUTSIDE_RUNS() \
	EXPECT_TRUE(cg_counter_moves(self->c + 8, 2000)) TH_LOG("the sibling cgroup's task stopped too")

/*
 * vfork child body: the parent (inside the test cgroup) vforks; the child
 * reports its pid and counts in c[1] until c[9] says exit; the parent,
 * once vfork returned, counts in c[0]. Only async-signal-safe calls in
 * the vfork child, and the function that called vfork never returns
 * while the child runs.
 */
static int vforker(int sock, void *arg)
{
	volatile uint64_t *c = arg;
	pid_t pid;

	kisol_send_int(sock, getpid());
	pid = vfork();
	if (pid == 0) {
		kisol_send_int(sock, getpid());
		while (!c[9])
			c[1]++;
		_exit(0);
	}
	if (pid < 0) {
		kisol_send_int(sock, -errno);
		return 1;
	}
	for (;;)
		c[0]++;
	return 0;
}

/* Spawn vforker in cg; *child gets the vfork child's pid. */
static int start_vforker(FIXTURE_DATA(frz) *self, pid_t *child)
{
	int64_t v = -1;
	int r = cg_spawn_fn(&self->cg, vforker, (void *)self->c, &self->kid[0]);

	if (r < 0)
		return r;
	r = kisol_recv_int(self->kid[0].sock, &v, KISOL_TIMEOUT_MS);
	if (r < 0)
		return r;
	if (v <= 0)
		return v < 0 ? (int)v : -EIO;
	*child = (pid_t)v;
	return 0;
}

/*
 * A vfork parent (waiting in the kernel for its child) and the running
 * vfork child are both frozen: the cgroup reaches frozen 1, the child's
 * counter stops, the parent never returned from vfork; after thaw the
 * child runs again. Since the v2 freezer (76f969e8948d, 5.2) the wait for
 * the vfork child counts as frozen.
 */
TEST_F(frz, vfork_parent_and_child_frozen)
{
	pid_t child = -1;

	ASSERT_EQ(0, start_vforker(self, &child));
	EXPECT_EQ(1, kisol_cg_has_pid(&self->cg, self->kid[0].pid));
	EXPECT_EQ(1, kisol_cg_has_pid(&self->cg, child)) TH_LOG("the vfork child is not in the cgroup");
	EXPECT_EQ(2, kisol_cg_nr_procs(&self->cg));
	ASSERT_TRUE(cg_counter_moves(self->c + 1, 2000));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS))
		TH_LOG("frozen 1 never came with a vfork parent waiting");
	EXPECT_TRUE(cg_counter_still(self->c + 1, 20)) TH_LOG("the vfork child still runs");
	EXPECT_EQ(0ULL, self->c[0]) TH_LOG("the vfork parent returned from vfork");
	EXPECT_OUTSIDE_RUNS();
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_moves(self->c + 1, 2000));
	self->c[9] = 1; /* the vfork child exits, the parent goes on */
	EXPECT_TRUE(cg_counter_moves(self->c + 0, 2000));
}

/*
 * The vfork child moved out to a running cgroup; the frozen cgroup holds
 * only the waiting parent. When the child exits, the parent's vfork
 * returns inside the frozen cgroup: it must not run a single user
 * instruction (c[0] stays 0) until thaw, and the cgroup is frozen again.
 */
TEST_F(frz, vfork_parent_stays_frozen_after_child_exit)
{
	pid_t child = -1;
	int cfd;

	ASSERT_EQ(0, start_vforker(self, &child));
	cfd = kisol_pidfd_open(child);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, kisol_cg_attach(&self->out, child));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_moves(self->c + 1, 2000)) TH_LOG("the vfork child, outside, was frozen");
	self->c[9] = 1;
	{
		struct pollfd p = { .fd = cfd, .events = POLLIN };

		EXPECT_EQ(1, poll(&p, 1, KISOL_TIMEOUT_MS)) TH_LOG("the vfork child did not exit");
	}
	close(cfd);
	ASSERT_EQ(0, kisol_cg_wait_event(&self->cg, "frozen", 1, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_still(self->c + 0, 20));
	EXPECT_EQ(0ULL, self->c[0]) TH_LOG("the vfork parent ran in a frozen cgroup");
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_moves(self->c + 0, 2000));
}

/*
 * A tracer outside the cgroup attaches to a frozen task (PTRACE_SEIZE and
 * PTRACE_INTERRUPT): the tracer gets the trap stop and can read the
 * tracee's registers and siginfo, while the cgroup stays frozen and the
 * task does not run; after PTRACE_DETACH it is still frozen, and it runs
 * only after thaw.
 */
TEST_F(frz, ptrace_attach_to_frozen)
{
	struct user_regs_struct regs;
	siginfo_t si;
	int status = 0;

	ASSERT_EQ(0, cg_spawn_fn(&self->cg, cg_fn_count, (void *)self->c, &self->kid[0]));
	ASSERT_TRUE(cg_counter_moves(self->c, 2000));
	NEED_UNTRACED(self->kid[0].pid);
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, self->kid[0].pid, NULL, NULL)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, self->kid[0].pid, NULL, NULL));
	ASSERT_EQ(self->kid[0].pid, waitpid(self->kid[0].pid, &status, __WALL));
	EXPECT_TRUE(WIFSTOPPED(status)) TH_LOG("status %#x", status);
	EXPECT_EQ(0, ptrace(PTRACE_GETREGS, self->kid[0].pid, NULL, &regs));
	EXPECT_EQ(0, ptrace(PTRACE_GETSIGINFO, self->kid[0].pid, NULL, &si));
	EXPECT_EQ(0, kisol_cg_wait_event(&self->cg, "frozen", 1, KISOL_TIMEOUT_MS))
		TH_LOG("the cgroup left frozen with a traced task");
	EXPECT_TRUE(cg_counter_still(self->c, 20));
	ASSERT_EQ(0, ptrace(PTRACE_DETACH, self->kid[0].pid, NULL, NULL));
	EXPECT_EQ(0, kisol_cg_wait_event(&self->cg, "frozen", 1, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_still(self->c, 20)) TH_LOG("detach let a frozen task run");
	EXPECT_OUTSIDE_RUNS();
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_moves(self->c, 2000));
}

/*
 * rmdir of a frozen, populated cgroup fails (EBUSY) and leaves its task
 * frozen; the task can be killed while frozen, and then the cgroup goes.
 */
TEST_F(frz, rmdir_frozen_populated_ebusy)
{
	_cleanup_cg_ struct kisol_cg sub = KISOL_CG_INIT;
	struct stat st;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	ASSERT_EQ(0, cg_spawn_fn(&sub, cg_fn_count, (void *)self->c, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_freeze(&sub, true, KISOL_TIMEOUT_MS));
	EXPECT_EQ(-1, rmdir(sub.path));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(0, stat(sub.path, &st));
	EXPECT_EQ(0, kisol_cg_wait_event(&sub, "frozen", 1, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_still(self->c, 20));
	EXPECT_OUTSIDE_RUNS();
	ASSERT_EQ(0, kisol_child_kill(&self->kid[0], SIGKILL));
	ASSERT_EQ(0, kisol_child_wait(&self->kid[0], KISOL_TIMEOUT_MS, NULL));
	ASSERT_EQ(0, kisol_cg_wait_event(&sub, "populated", 0, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, rmdir(sub.path)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-1, stat(sub.path, &st));
}

/*
 * Removing an empty frozen child leaves the frozen parent frozen with its
 * task stopped; a cgroup made again under the removed name is frozen
 * because its parent is, and a removed frozen cgroup under a thawed
 * parent leaves nothing behind: the same name made again starts thawed.
 */
TEST_F(frz, rmdir_frozen_child)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT, b2 = KISOL_CG_INIT;
	_cleanup_cg_ struct kisol_cg x = KISOL_CG_INIT, x2 = KISOL_CG_INIT;
	int64_t v;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "a", &a));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "b", &b));
	ASSERT_EQ(0, cg_spawn_fn(&a, cg_fn_count, (void *)self->c, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_wait_event(&b, "frozen", 1, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_destroy(&b));
	EXPECT_EQ(0, kisol_cg_wait_event(&self->cg, "frozen", 1, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_still(self->c, 20));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "b", &b2));
	EXPECT_EQ(0, kisol_cg_wait_event(&b2, "frozen", 1, KISOL_TIMEOUT_MS));
	EXPECT_OUTSIDE_RUNS();
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_moves(self->c, 2000));
	/* a frozen leaf under a thawed parent: removed, made again, thawed */
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "x", &x));
	ASSERT_EQ(0, kisol_cg_freeze(&x, true, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_destroy(&x));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "x", &x2));
	ASSERT_EQ(0, kisol_cg_read_int(&x2, "cgroup.freeze", &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, kisol_cg_keyed(&x2, "cgroup.events", "frozen", &v));
	EXPECT_EQ(0, v);
}

/*
 * Forker: keeps up to 8 long-lived children that count in c[1] and,
 * beyond them, forks short-lived children it reaps at once, counting
 * forks in c[0]. New tasks keep appearing while the freeze goes on.
 */
static int forker(int sock, void *arg)
{
	volatile uint64_t *c = arg;
	int live = 0;

	kisol_send_int(sock, getpid());
	for (;;) {
		pid_t p = fork();

		if (p == 0) {
			if (live < 8)
				for (;;)
					c[1]++;
			_exit(0);
		}
		if (p < 0)
			continue;
		c[0]++;
		if (live < 8 && ++live == 8)
			kisol_send_int(sock, live); /* all long-lived children exist */
		else if (live == 8)
			waitpid(p, NULL, 0);
	}
	return 0;
}

/*
 * Freezing a cgroup whose tasks keep forking reaches frozen 1; then no
 * fork happens and no task runs (both counters still), the task list is
 * stable and holds the forker and its long-lived children; thaw resumes
 * both.
 */
TEST_F(frz, forking_tasks_freeze)
{
	pid_t a[64], b[64];
	int na, nb;
	int64_t v = 0;

	ASSERT_EQ(0, cg_spawn_fn(&self->cg, forker, (void *)self->c, &self->kid[0]));
	ASSERT_EQ(0, kisol_recv_int(self->kid[0].sock, &v, KISOL_TIMEOUT_MS));
	ASSERT_EQ(8, v);
	ASSERT_TRUE(cg_counter_moves(self->c + 1, 2000));
	ASSERT_TRUE(cg_counter_moves(self->c + 0, 2000));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	na = cg_list_pids(&self->cg, a, 64);
	EXPECT_TRUE(cg_counter_still(self->c + 0, 20)) TH_LOG("a frozen task forked");
	EXPECT_TRUE(cg_counter_still(self->c + 1, 20)) TH_LOG("a child born during the freeze runs");
	nb = cg_list_pids(&self->cg, b, 64);
	ASSERT_LE(9, na) TH_LOG("%d tasks in the cgroup", na);
	ASSERT_EQ(na, nb);
	EXPECT_EQ(0, memcmp(a, b, na * sizeof(pid_t))) TH_LOG("tasks changed in a frozen cgroup");
	EXPECT_EQ(1, kisol_cg_populated(&self->out)); /* the sibling still holds its task */
	EXPECT_OUTSIDE_RUNS();
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS));
	EXPECT_TRUE(cg_counter_moves(self->c + 0, 2000));
	EXPECT_TRUE(cg_counter_moves(self->c + 1, 2000));
}

KISOL_MAIN
