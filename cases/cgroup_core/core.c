// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup core, on both versions: membership, fork inheritance, migration
 * of whole processes, rmdir rules, populated state, kill. Each test runs
 * on a v1 hierarchy (the first mounted one) and on cgroup2.
 */
#include <sys/inotify.h>

#include "kisol_test.h"
#include "lib_cgroup/cgcase.h"

CG_FIXTURE(core, KISOL_CG_CORE)

/* rmdir of a cgroup with a task fails with EBUSY; the task stays inside. */
TEST_F(core, rmdir_populated_ebusy)
{
	ASSERT_EQ(0, cg_spawn_park(&self->cg, &self->kid[0]));
	EXPECT_EQ(-1, rmdir(self->cg.path));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(1, kisol_cg_has_pid(&self->cg, self->kid[0].pid));
}

/* rmdir of a cgroup that has a child cgroup fails (EBUSY on cgroupfs). */
TEST_F(core, rmdir_with_child_ebusy)
{
	struct kisol_cg sub = KISOL_CG_INIT;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "c", &sub));
	EXPECT_EQ(-1, rmdir(self->cg.path));
	EXPECT_TRUE(errno == EBUSY || errno == ENOTEMPTY) TH_LOG("errno %d", errno);
	EXPECT_EQ(0, kisol_cg_destroy(&sub));
}

static void *park_thread(void *arg)
{
	int fd = *(int *)arg;
	char c;

	(void)!read(fd, &c, 1);
	return NULL;
}

/* Child with a second thread: reports its tid, then parks. */
static int two_threads(int sock, void *arg)
{
	int p[2];
	pthread_t t;
	int64_t v;

	if (pipe(p) < 0 || pthread_create(&t, NULL, park_thread, &p[0]))
		return 100;
	kisol_send_int(sock, getpid());
	kisol_recv_int(sock, &v, -1);
	return 0;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* cgroup.procs lists the process once; the thread list shows both threads. */
TEST_F(core, procs_vs_threads)
{
	char buf[512];

	ASSERT_EQ(0, cg_spawn_fn(&self->cg, two_threads, NULL, &self->kid[0]));
	ASSERT_LE(0, kisol_cg_read(&self->cg, "cgroup.procs", buf, sizeof(buf)));
	EXPECT_EQ(1, count_lines(buf)) TH_LOG("procs: %s", buf);
	ASSERT_LE(0, kisol_cg_read(&self->cg, variant->version == 2 ? "cgroup.threads" : "tasks",
				   buf, sizeof(buf)));
	EXPECT_EQ(2, count_lines(buf)) TH_LOG("threads: %s", buf);
}

/* Writing a pid to cgroup.procs moves every thread of the process. */
TEST_F(core, migration_moves_all_threads)
{
	_cleanup_cg_ struct kisol_cg dst = KISOL_CG_INIT;
	char path[128], buf[2048];
	int n = 0;

	ASSERT_EQ(0, cg_spawn_fn(&self->cg, two_threads, NULL, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "dst", &dst));
	ASSERT_EQ(0, kisol_cg_attach(&dst, self->kid[0].pid));
	snprintf(path, sizeof(path), "/proc/%d/task", self->kid[0].pid);
	DIR *d = opendir(path);
	struct dirent *e;

	ASSERT_NE(NULL, d);
	while ((e = readdir(d))) {
		char p[600];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s/cgroup", path, e->d_name);
		ASSERT_LE(0, kisol_read_file(p, buf, sizeof(buf)));
		EXPECT_NE(NULL, strstr(buf, dst.rel)) TH_LOG("thread %s: %s", e->d_name, buf);
		n++;
	}
	closedir(d);
	EXPECT_EQ(2, n);
	EXPECT_EQ(0, kisol_cg_nr_procs(&self->cg));
}

/* A child forked by a member is born in the same cgroup. */
static int fork_grandchild(int sock, void *arg)
{
	pid_t p = fork();
	int64_t v;

	if (p == 0) {
		pause();
		_exit(0);
	}
	kisol_send_int(sock, p);
	kisol_recv_int(sock, &v, -1);
	kill(p, SIGKILL);
	return 0;
}

TEST_F(core, fork_inherits_cgroup)
{
	int64_t gc;

	ASSERT_EQ(0, kisol_cg_spawn(&self->cg, 0, fork_grandchild, NULL, &self->kid[0]));
	ASSERT_EQ(0, kisol_recv_int(self->kid[0].sock, &gc, KISOL_TIMEOUT_MS));
	EXPECT_EQ(1, kisol_cg_has_pid(&self->cg, (pid_t)gc));
	EXPECT_EQ(2, kisol_cg_nr_procs(&self->cg));
}

/* Bad writes to cgroup.procs: no such pid (ESRCH), not a number (EINVAL). */
TEST_F(core, attach_errors)
{
	EXPECT_EQ(-ESRCH, kisol_cg_attach(&self->cg, 0x3ffffff0));
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "cgroup.procs", "abc"));
	EXPECT_EQ(0, kisol_cg_nr_procs(&self->cg));
}

/* An exited, reaped child is no longer listed. */
TEST_F(core, exit_leaves_cgroup)
{
	ASSERT_EQ(0, cg_spawn_park(&self->cg, &self->kid[0]));
	ASSERT_EQ(0, kisol_send_int(self->kid[0].sock, 1));
	ASSERT_EQ(0, kisol_child_exit_code(&self->kid[0], KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_wait_empty(&self->cg, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, kisol_cg_nr_procs(&self->cg));
	EXPECT_EQ(0, kisol_cg_populated(&self->cg));
}

/* A task in a grandchild makes the ancestors populated; own procs stay empty. */
TEST_F(core, populated_counts_descendants)
{
	struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "a", &a));
	ASSERT_EQ(0, kisol_cg_child(&a, "b", &b));
	EXPECT_EQ(0, kisol_cg_populated(&self->cg));
	ASSERT_EQ(0, cg_spawn_park(&b, &self->kid[0]));
	EXPECT_EQ(1, kisol_cg_populated(&self->cg));
	EXPECT_EQ(1, kisol_cg_populated(&a));
	EXPECT_EQ(0, kisol_cg_nr_procs(&self->cg));
	kisol_cg_destroy(&b);
	kisol_cg_destroy(&a);
	EXPECT_EQ(0, kisol_cg_populated(&self->cg));
}

/* /proc/PID/cgroup of a member names the cgroup on its hierarchy line. */
TEST_F(core, proc_cgroup_names_it)
{
	const struct kisol_cg_hier *h = kisol_cg_hier_of(&self->cg);
	char path[KISOL_CG_PATH], mine[KISOL_CG_PATH];

	ASSERT_EQ(0, cg_spawn_park(&self->cg, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_proc_path(self->kid[0].pid, h->hier_id, path, sizeof(path)));
	EXPECT_STREQ(self->cg.rel, path);
	ASSERT_EQ(0, kisol_cg_proc_path(0, h->hier_id, mine, sizeof(mine)));
	EXPECT_STRNE(self->cg.rel, mine); /* the test process itself is elsewhere */
}

/* kill ends every task of the subtree, including one in a child cgroup. */
TEST_F(core, kill_reaches_descendants)
{
	_cleanup_cg_ struct kisol_cg sub = KISOL_CG_INIT;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	ASSERT_EQ(0, cg_spawn_park(&self->cg, &self->kid[0]));
	ASSERT_EQ(0, cg_spawn_park(&sub, &self->kid[1]));
	ASSERT_EQ(0, kisol_cg_kill(&self->cg));
	ASSERT_EQ(0, kisol_cg_wait_empty(&self->cg, KISOL_TIMEOUT_MS));
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, kisol_child_wait(&self->kid[i], KISOL_TIMEOUT_MS, NULL));
		EXPECT_EQ(SIGKILL, cg_termsig(self->kid[i].status));
	}
}

/*
 * Child forking without pause: each fork's child exits at once and is
 * reaped, so the population stays tiny (no fork bomb) while new tasks keep
 * appearing during a kill or a freeze.
 */
static int fork_storm(int sock, void *arg)
{
	kisol_send_int(sock, getpid());
	for (;;) {
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		if (p > 0)
			waitpid(p, NULL, 0);
	}
	return 0;
}

TEST_F(core, kill_catches_forkers)
{
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, fork_storm, NULL, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_kill(&self->cg));
	ASSERT_EQ(0, kisol_cg_wait_empty(&self->cg, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, kisol_cg_populated(&self->cg));
	ASSERT_EQ(0, kisol_child_wait(&self->kid[0], KISOL_TIMEOUT_MS, NULL));
	EXPECT_EQ(SIGKILL, cg_termsig(self->kid[0].status));
}

/* Freezing reaches the frozen state even while a member keeps forking. */
TEST_F(core, freeze_catches_forkers)
{
	if (variant->version == 1) {
		NEED_CG(KISOL_CG_FREEZER, KISOL_CG_V1);
		ASSERT_EQ(0, kisol_cg_destroy(&self->cg));
		ASSERT_EQ(0, kisol_cg_create(KISOL_CG_FREEZER, KISOL_CG_V1, &self->cg));
	}
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, fork_storm, NULL, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS));
}

/* A deleted cgroup can be created again under the same name, empty. */
TEST_F(core, rmdir_and_recreate)
{
	struct kisol_cg sub = KISOL_CG_INIT;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "again", &sub));
	ASSERT_EQ(0, cg_spawn_park(&sub, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_destroy(&sub));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "again", &sub));
	EXPECT_EQ(0, kisol_cg_nr_procs(&sub));
	EXPECT_EQ(0, kisol_cg_destroy(&sub));
}

/* Files a fresh cgroup has on this version. */
TEST_F(core, interface_files)
{
	static const char *v1[] = { "cgroup.procs", "tasks", "notify_on_release",
				    "cgroup.clone_children" };
	static const char *v2[] = { "cgroup.procs", "cgroup.threads", "cgroup.type",
				    "cgroup.controllers", "cgroup.subtree_control", "cgroup.events",
				    "cgroup.max.depth", "cgroup.max.descendants", "cgroup.stat",
				    "cgroup.freeze" };
	const char **f = variant->version == 1 ? v1 : v2;
	size_t n = variant->version == 1 ? KISOL_ARRAY_SIZE(v1) : KISOL_ARRAY_SIZE(v2);

	for (size_t i = 0; i < n; i++) {
		EXPECT_EQ(1, kisol_cg_has_file(&self->cg, f[i])) TH_LOG("%s missing", f[i]);
	}
	/* and not the other version's */
	EXPECT_EQ(0, kisol_cg_has_file(&self->cg, variant->version == 1 ? "cgroup.events" : "tasks"));
}

KISOL_MAIN
