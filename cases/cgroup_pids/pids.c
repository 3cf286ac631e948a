// SPDX-License-Identifier: GPL-2.0-only
/*
 * pids controller, v1 and v2: fork/clone fail with EAGAIN at pids.max,
 * pids.events "max" counts the refusals, threads count as tasks, limits
 * are hierarchical, migration is not limited.
 */
#include <sys/prctl.h>

#include "kisol_test.h"
#include "lib_cgroup/cgcase.h"

CG_FIXTURE(pids, KISOL_CG_PIDS)
/* Tests of properties cgroup v1 does not have: a v2 variant only. */
CG_FIXTURE_V2(pids_v2, KISOL_CG_PIDS)

struct forker {
	int forks;   /* processes to try to fork (kept alive) */
	int threads; /* threads to try to create */
};

static void *idle_thread(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

/*
 * Child: try forks then threads, keeping them; report how many succeeded
 * and the errno of the first failure (0 if none), then park.
 */
static int fork_threads(int sock, void *p)
{
	const struct forker *f = p;
	int ok = 0, err = 0;
	int64_t v;

	for (int i = 0; i < f->forks && !err; i++) {
		pid_t c = fork();

		if (c == 0) {
			pause();
			_exit(0);
		}
		if (c < 0)
			err = errno;
		else
			ok++;
	}
	for (int i = 0; i < f->threads && !err; i++) {
		pthread_t t;
		int r = pthread_create(&t, NULL, idle_thread, NULL);

		if (r)
			err = r;
		else
			ok++;
	}
	kisol_send_int(sock, getpid());
	kisol_send_int(sock, ok);
	kisol_send_int(sock, err);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

static int run_forker(const struct kisol_cg *cg, int forks, int threads, struct kisol_child *k,
		      int64_t *ok, int64_t *err)
{
	struct forker f = { forks, threads };
	int r = cg_spawn_fn(cg, fork_threads, &f, k);

	if (r < 0)
		return r;
	r = kisol_recv_int(k->sock, ok, KISOL_TIMEOUT_MS);
	if (r < 0)
		return r;
	return kisol_recv_int(k->sock, err, KISOL_TIMEOUT_MS);
}

/* pids.max defaults to max in a new cgroup. */
TEST_F(pids, max_default)
{
	int64_t v;

	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "pids.max", &v));
	EXPECT_EQ(INT64_MAX, v);
}

/* With pids.max 3, the member forks twice and the third fork fails with EAGAIN. */
TEST_F(pids, fork_eagain_at_max)
{
	int64_t ok, err;

	ASSERT_EQ(0, kisol_cg_write(&self->cg, "pids.max", "3"));
	ASSERT_EQ(0, run_forker(&self->cg, 5, 0, &self->kid[0], &ok, &err));
	EXPECT_EQ(2, ok);
	EXPECT_EQ(EAGAIN, err);
}

/* pids.events "max" counts the refused forks. */
TEST_F(pids, events_max_counts)
{
	int64_t ok, err, ev0, ev;

	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "pids.events", "max", &ev0));
	EXPECT_EQ(0, ev0);
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "pids.max", "1"));
	ASSERT_EQ(0, run_forker(&self->cg, 1, 0, &self->kid[0], &ok, &err));
	EXPECT_EQ(EAGAIN, err);
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "pids.events", "max", &ev));
	EXPECT_LE(1, ev);
}

/* Threads count: with pids.max 2 the first thread starts, the second fails (EAGAIN). */
TEST_F(pids, threads_count)
{
	int64_t ok, err;

	ASSERT_EQ(0, kisol_cg_write(&self->cg, "pids.max", "2"));
	ASSERT_EQ(0, run_forker(&self->cg, 0, 3, &self->kid[0], &ok, &err));
	EXPECT_EQ(1, ok);
	EXPECT_EQ(EAGAIN, err);
}

/* pids.current counts processes and threads of the cgroup. */
TEST_F(pids, current_counts)
{
	int64_t ok, err, cur;

	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "pids.current", &cur));
	EXPECT_EQ(0, cur);
	ASSERT_EQ(0, run_forker(&self->cg, 2, 2, &self->kid[0], &ok, &err));
	ASSERT_EQ(4, ok);
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "pids.current", &cur));
	EXPECT_EQ(5, cur);
}

/* A parent's limit binds a child cgroup whose own limit is max. */
TEST_F(pids, hierarchical_limit)
{
	_cleanup_cg_ struct kisol_cg sub = KISOL_CG_INIT;
	int64_t ok, err, cur;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "pids.max", "2"));
	ASSERT_EQ(0, run_forker(&sub, 4, 0, &self->kid[0], &ok, &err));
	EXPECT_EQ(1, ok);
	EXPECT_EQ(EAGAIN, err);
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "pids.current", &cur));
	EXPECT_EQ(2, cur);
}

/* A refusal caused by a parent's limit is counted (v1: in the forking task's cgroup). */
TEST_F(pids, events_at_limiting_cgroup)
{
	_cleanup_cg_ struct kisol_cg sub = KISOL_CG_INIT;
	int64_t ok, err, ev;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "pids.max", "1"));
	ASSERT_EQ(0, run_forker(&sub, 1, 0, &self->kid[0], &ok, &err));
	EXPECT_EQ(EAGAIN, err);
	if (variant->version == 1) {
		/* v1 counts in the forking task's own cgroup */
		ASSERT_EQ(0, kisol_cg_keyed(&sub, "pids.events", "max", &ev));
	} else {
		/*
		 * v2: sub has no pids css of its own (not enabled below us), so
		 * both the old rule (the forking task's css) and the hierarchical
		 * one (6.12+, the limiting cgroup) count here.
		 */
		ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "pids.events", "max", &ev));
	}
	EXPECT_LE(1, ev);
}

/* A limit below the current count is accepted; existing tasks stay, new forks fail. */
TEST_F(pids, limit_below_current)
{
	int64_t ok, err, cur;

	ASSERT_EQ(0, run_forker(&self->cg, 2, 0, &self->kid[0], &ok, &err));
	ASSERT_EQ(2, ok);
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "pids.max", "1"));
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "pids.current", &cur));
	EXPECT_EQ(3, cur);
	ASSERT_EQ(0, run_forker(&self->cg, 1, 0, &self->kid[1], &ok, &err));
	EXPECT_EQ(0, ok);
	EXPECT_EQ(EAGAIN, err);
}

/* Migration is not limited: a task can be moved into a full cgroup. */
TEST_F(pids, migration_not_limited)
{
	_cleanup_cg_ struct kisol_cg other = KISOL_CG_INIT;
	int64_t cur, ok, err;

	ASSERT_EQ(0, kisol_cg_write(&self->cg, "pids.max", "1"));
	ASSERT_EQ(0, cg_spawn_park(&self->cg, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_create(KISOL_CG_PIDS, variant->version, &other));
	ASSERT_EQ(0, cg_spawn_park(&other, &self->kid[1]));
	EXPECT_EQ(0, kisol_cg_attach(&self->cg, self->kid[1].pid));
	EXPECT_EQ(1, kisol_cg_is_member(&self->cg, self->kid[1].pid));
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "pids.current", &cur));
	EXPECT_EQ(2, cur);
	/* the limit is in force all the same: a member's fork is refused */
	ASSERT_EQ(0, run_forker(&self->cg, 1, 0, &self->kid[2], &ok, &err));
	EXPECT_EQ(0, ok);
	EXPECT_EQ(EAGAIN, err);
}

/* pids.max rejects negative numbers and garbage (EINVAL) and reads back what was set. */
TEST_F(pids, max_values)
{
	int64_t v;

	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "pids.max", "-1"));
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "pids.max", "abc"));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "pids.max", "17"));
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "pids.max", &v));
	EXPECT_EQ(17, v);
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "pids.max", "max"));
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "pids.max", &v));
	EXPECT_EQ(INT64_MAX, v);
}

/* pids.current drops back to 0 once the tasks are gone (reaped: zombies still count). */
TEST_F(pids, current_after_exit)
{
	int64_t ok, err, cur;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)); /* reap the orphans ourselves */
	ASSERT_EQ(0, run_forker(&self->cg, 2, 1, &self->kid[0], &ok, &err));
	ASSERT_EQ(0, kisol_cg_kill(&self->cg));
	ASSERT_EQ(0, kisol_cg_wait_empty(&self->cg, KISOL_TIMEOUT_MS));
	kisol_child_release(&self->kid[0]);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "pids.current", &cur));
	EXPECT_EQ(0, cur);
}

/* pids.peak (where present) records the high-water mark. */
TEST_F(pids, peak)
{
	int64_t ok, err, peak;

	NEED_CG_FILE(&self->cg, "pids.peak");
	ASSERT_EQ(0, run_forker(&self->cg, 3, 0, &self->kid[0], &ok, &err));
	ASSERT_EQ(0, kisol_cg_kill(&self->cg));
	ASSERT_EQ(0, kisol_cg_wait_empty(&self->cg, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "pids.peak", &peak));
	EXPECT_EQ(4, peak);
}

/* clone3(CLONE_INTO_CGROUP) into a full v2 cgroup fails with EAGAIN. */
TEST_F(pids_v2, clone_into_full_eagain)
{
	int pidfd = -1;
	pid_t pid;

	NEED_CLONE3();
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "pids.max", "0"));
	pid = cg_clone_into_fresh(&self->cg, &pidfd);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	EXPECT_EQ(-EAGAIN, pid);
}

KISOL_MAIN
