// SPDX-License-Identifier: GPL-2.0-only
/*
 * libkisol cgroup module: discovery agrees with the kernel's own files,
 * controllers are located with distinct errors, test cgroups are created,
 * used and removed, error paths give the documented -errno.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "kisol_test.h"
#include "lib_cgroup/cgcase.h"

TEST(table_names_resolve_back)
{
	for (int c = 0; c < _KISOL_CG_MAX; c++) {
		const struct kisol_cg_info *i = &kisol_cg_table[c];

		ASSERT_NE(NULL, i->name);
		EXPECT_EQ(c, kisol_cg_ctrl_from_name(i->name));
		if (i->v1)
			EXPECT_EQ(c, kisol_cg_ctrl_from_name(i->v1));
		if (i->v2)
			EXPECT_EQ(c, kisol_cg_ctrl_from_name(i->v2));
	}
	EXPECT_EQ(KISOL_CG_IO, kisol_cg_ctrl_from_name("blkio"));
	EXPECT_EQ(-EINVAL, kisol_cg_ctrl_from_name("nonesuch"));
	EXPECT_EQ(-EINVAL, kisol_cg_ctrl_from_name(NULL));
}

/* Every hierarchy found is a real cgroup mount whose own dir exists. */
TEST(discover_matches_mounts)
{
	struct kisol_cg_layout l;
	struct stat st;

	ASSERT_EQ(0, kisol_cg_discover(&l));
	if (l.n == 0)
		SKIP(return, "no cgroup hierarchy mounted");
	for (int i = 0; i < l.n; i++) {
		char p[KISOL_CG_PATH + 32];

		snprintf(p, sizeof(p), "%s/cgroup.procs", l.h[i].mnt);
		EXPECT_EQ(0, stat(p, &st)) TH_LOG("%s", p);
		if (l.h[i].version == 1)
			EXPECT_NE(0ULL, l.h[i].ctrls) TH_LOG("named v1 hierarchy %s kept", l.h[i].mnt);
		if (l.h[i].own_dir[0])
			EXPECT_EQ(0, stat(l.h[i].own_dir, &st)) TH_LOG("%s", l.h[i].own_dir);
	}
	EXPECT_EQ(-EINVAL, kisol_cg_discover(NULL));
}

/* The own cgroup of each hierarchy is what /proc/self/cgroup says. */
TEST(own_cgroup_matches_proc)
{
	const struct kisol_cg_layout *l;
	char buf[KISOL_CG_PATH];

	ASSERT_EQ(0, kisol_cg_layout(&l));
	if (l->n == 0)
		SKIP(return, "no cgroup hierarchy mounted");
	for (int i = 0; i < l->n; i++) {
		ASSERT_EQ(0, kisol_cg_proc_path(0, l->h[i].hier_id, buf, sizeof(buf)));
		EXPECT_STREQ(buf, l->h[i].own);
	}
	EXPECT_EQ(-ENOENT, kisol_cg_proc_path(0, 4242, buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, kisol_cg_proc_path(0, 0, NULL, 0));
}

TEST(layout_name)
{
	const struct kisol_cg_layout *l;
	const char *n;
	bool v1 = false;

	ASSERT_EQ(0, kisol_cg_layout(&l));
	n = kisol_cg_layout_name(l);
	for (int i = 0; i < l->n; i++)
		v1 |= l->h[i].version == 1;
	EXPECT_STREQ(v1 ? (l->v2 >= 0 ? "hybrid" : "v1") : (l->v2 >= 0 ? "v2" : "none"), n);
	EXPECT_STREQ("none", kisol_cg_layout_name(NULL));
	TH_LOG("layout %s, %d hierarchies", n, l->n);
}

/* A controller is located on exactly one version; the other gives -EXDEV. */
TEST(locate_distinct_errors)
{
	const struct kisol_cg_hier *h;
	int seen = 0;

	for (int c = 1; c < _KISOL_CG_MAX; c++) {
		int r1 = kisol_cg_locate(c, KISOL_CG_V1, &h);
		int r2 = kisol_cg_locate(c, KISOL_CG_V2, &h);
		int ra = kisol_cg_locate(c, KISOL_CG_ANY, &h);

		if (r1 == 0 && !kisol_cg_table[c].v2_core) {
			seen++;
			EXPECT_TRUE(r2 == -EXDEV || r2 == -EOPNOTSUPP)
				TH_LOG("%s on v1, v2 gives %d", kisol_cg_table[c].name, r2);
		}
		if (r2 == 0 && !kisol_cg_table[c].v2_core) {
			seen++;
			EXPECT_TRUE(r1 == -EXDEV || r1 == -EOPNOTSUPP || r1 == 0)
				TH_LOG("%s on v2, v1 gives %d", kisol_cg_table[c].name, r1);
		}
		if (r1 == -ENOENT && r2 == -ENOENT)
			EXPECT_EQ(-ENOENT, ra);
		if (r1 == 0 || r2 == 0)
			EXPECT_EQ(0, ra);
	}
	EXPECT_EQ(-EINVAL, kisol_cg_locate(_KISOL_CG_MAX, 0, &h));
	EXPECT_EQ(-EINVAL, kisol_cg_locate(KISOL_CG_PIDS, 3, &h));
	EXPECT_EQ(-EOPNOTSUPP, kisol_cg_locate(KISOL_CG_DEVICES, KISOL_CG_V2, &h));
	if (!seen)
		SKIP(return, "no controller mounted");
}

/*
 * kisol_cg_need names where the controller is bound, for root and for an
 * ordinary user alike (the layout comes before who may create cgroups).
 */
TEST(need_names_the_binding)
{
	char why[320], where[KISOL_CG_PATH + 32];
	int done = 0;

	for (int c = 1; c < _KISOL_CG_MAX; c++) {
		for (int v = 1; v <= 2; v++) {
			if (kisol_cg_locate(c, v, NULL) != -EXDEV)
				continue;
			ASSERT_EQ(1, kisol_cg_need(c, v, why, sizeof(why)));
			ASSERT_EQ(0, kisol_cg_where(c, where, sizeof(where)));
			EXPECT_NE(NULL, strstr(why, where)) TH_LOG("%s / %s", why, where);
			EXPECT_NE(NULL, strstr(why, v == 1 ? "v1-only" : "v2-only")) TH_LOG("%s", why);
			done++;
		}
	}
	EXPECT_EQ(-EINVAL, kisol_cg_need(-1, 0, why, sizeof(why)));
	if (!done)
		SKIP(return, "no controller is bound to only one version here (pure host)");
}

/*
 * Where the library puts its run directory and top cgroups when no
 * KISOL_CG_V2_BASE applies: the own cgroup; for an ordinary user on v2 the
 * top of the subtree delegated to it, if any.
 */
static void home_of(const struct kisol_cg_hier *h, char *buf, size_t size)
{
	if (h->version == 2 && !kisol_is_root() && kisol_cg_delegated_root(buf, size) == 0)
		return;
	snprintf(buf, size, "%s", h->own_dir);
}

FIXTURE(cg) {
	struct kisol_cg cg;
	struct kisol_child kid;
};
FIXTURE_VARIANT(cg) { int version; };
FIXTURE_VARIANT_ADD(cg, v1) { .version = KISOL_CG_V1 };
FIXTURE_VARIANT_ADD(cg, v2) { .version = KISOL_CG_V2 };

FIXTURE_SETUP(cg)
{
	struct kisol_cg i = KISOL_CG_INIT;
	struct kisol_child k = KISOL_CHILD_INIT;

	self->cg = i;
	self->kid = k;
	NEED_CG(KISOL_CG_CORE, variant->version);
	ASSERT_EQ(0, kisol_cg_create(KISOL_CG_CORE, variant->version, &self->cg));
}

FIXTURE_TEARDOWN(cg)
{
	EXPECT_EQ(0, kisol_cg_destroy(&self->cg));
	kisol_child_release(&self->kid);
}

/* The test cgroup is a directory below the run dir, named t<pid>-<n>. */
TEST_F(cg, create_names_and_rel)
{
	char name[64], run[KISOL_CG_PATH];
	struct stat st;

	ASSERT_EQ(0, stat(self->cg.path, &st));
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	snprintf(name, sizeof(name), "/t%d-", getpid());
	EXPECT_NE(NULL, strstr(self->cg.path, name));
	ASSERT_EQ(0, kisol_cg_run_dir(self->cg.hier_idx, run, sizeof(run)));
	EXPECT_EQ(0, strncmp(self->cg.path, run, strlen(run)));
	EXPECT_EQ('/', self->cg.rel[0]);
	EXPECT_NE(NULL, strstr(self->cg.path, self->cg.rel));
}

/* Spawned child is in the cgroup, as /proc/PID/cgroup and cgroup.procs say. */
TEST_F(cg, spawn_lands_inside)
{
	const struct kisol_cg_hier *h = kisol_cg_hier_of(&self->cg);
	char path[KISOL_CG_PATH];
	int r = cg_spawn_park(&self->cg, &self->kid);

	if (r < 0 && self->kid.pid > 0 && kisol_child_wait(&self->kid, 1000, NULL) == 0)
		TH_LOG("child wait status 0x%x", self->kid.status);
	ASSERT_EQ(0, r);
	EXPECT_EQ(1, kisol_cg_has_pid(&self->cg, self->kid.pid));
	EXPECT_EQ(1, kisol_cg_nr_procs(&self->cg));
	EXPECT_EQ(1, kisol_cg_populated(&self->cg));
	ASSERT_EQ(0, kisol_cg_proc_path(self->kid.pid, h->hier_id, path, sizeof(path)));
	EXPECT_STREQ(self->cg.rel, path);
}

/* is_member: 1 only for the cgroup the task is in (not its parent), -EINVAL for bad arguments. */
TEST_F(cg, is_member_one_cgroup)
{
	_cleanup_cg_ struct kisol_cg sub = KISOL_CG_INIT, none = KISOL_CG_INIT;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	ASSERT_EQ(0, cg_spawn_park(&sub, &self->kid));
	EXPECT_EQ(1, kisol_cg_is_member(&sub, self->kid.pid));
	EXPECT_EQ(0, kisol_cg_is_member(&self->cg, self->kid.pid));
	EXPECT_EQ(0, kisol_cg_is_member(&sub, getpid()));
	EXPECT_EQ(-EINVAL, kisol_cg_is_member(&none, self->kid.pid));
	EXPECT_EQ(-EINVAL, kisol_cg_is_member(&sub, 0));
}

/* kill empties the cgroup; wait_empty returns; destroy removes it. */
TEST_F(cg, kill_then_wait_empty)
{
	ASSERT_EQ(0, cg_spawn_park(&self->cg, &self->kid));
	ASSERT_EQ(0, kisol_cg_kill(&self->cg));
	ASSERT_EQ(0, kisol_cg_wait_empty(&self->cg, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, kisol_cg_populated(&self->cg));
	ASSERT_EQ(0, kisol_child_wait(&self->kid, KISOL_TIMEOUT_MS, NULL));
	EXPECT_EQ(SIGKILL, cg_termsig(self->kid.status));
}

/* destroy of a populated tree with a grandchild kills and removes all. */
TEST_F(cg, destroy_populated_tree)
{
	struct kisol_cg sub = KISOL_CG_INIT;
	char path[KISOL_CG_PATH];
	struct stat st;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	ASSERT_EQ(0, cg_spawn_park(&sub, &self->kid));
	snprintf(path, sizeof(path), "%s", self->cg.path);
	kisol_cg_destroy(&sub); /* sub is owned: removes only itself */
	EXPECT_EQ(0, kisol_cg_destroy(&self->cg));
	EXPECT_EQ(-1, stat(path, &st));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, kisol_child_wait(&self->kid, KISOL_TIMEOUT_MS, NULL));
	EXPECT_EQ(SIGKILL, cg_termsig(self->kid.status));
	EXPECT_EQ(0, kisol_cg_destroy(&self->cg)); /* twice is fine */
}

/* File errors are -errno: missing file, bad cgroup, bad value. */
TEST_F(cg, file_errors)
{
	struct kisol_cg none = KISOL_CG_INIT;
	char buf[64];
	int64_t v;

	EXPECT_EQ(-ENOENT, kisol_cg_read(&self->cg, "nonesuch.file", buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, kisol_cg_read(&none, "cgroup.procs", buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, kisol_cg_write(NULL, "cgroup.procs", "1"));
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "cgroup.procs", "garbage"));
	EXPECT_EQ(-ESRCH, kisol_cg_attach(&self->cg, 0x3ffffff0));
	EXPECT_EQ(0, kisol_cg_has_file(&self->cg, "nonesuch.file"));
	EXPECT_EQ(1, kisol_cg_has_file(&self->cg, "cgroup.procs"));
	EXPECT_EQ(-ENOENT, kisol_cg_keyed(&self->cg, "cgroup.procs", "nokey", &v));
	EXPECT_EQ(-EINVAL, kisol_cg_destroy(NULL));
}

/* Freeze and thaw: the frozen child makes no progress, then resumes. */
static int count_up(int sock, void *arg)
{
	volatile uint64_t *ctr = arg;

	kisol_send_int(sock, getpid());
	for (;;)
		(*ctr)++;
	return 0;
}

TEST_F(cg, freeze_stops_progress)
{
	volatile uint64_t *ctr = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t a, b;
	int64_t end;

	ASSERT_NE(MAP_FAILED, ctr);
	if (variant->version == 1)
		NEED_CG(KISOL_CG_FREEZER, 1);
	if (variant->version == 1) {
		/* v1 freezing needs the freezer hierarchy */
		struct kisol_cg f = KISOL_CG_INIT;

		kisol_cg_destroy(&self->cg);
		ASSERT_EQ(0, kisol_cg_create(KISOL_CG_FREEZER, 1, &f));
		self->cg = f;
	}
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, count_up, (void *)ctr, &self->kid));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	a = *ctr;
	end = cg_now_ns(CLOCK_MONOTONIC) + 20000000;
	while (cg_now_ns(CLOCK_MONOTONIC) < end)
		;
	b = *ctr;
	EXPECT_EQ(a, b) TH_LOG("counter moved while frozen");
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS));
	end = cg_now_ns(CLOCK_MONOTONIC) + 2000000000LL;
	while (*ctr == b && cg_now_ns(CLOCK_MONOTONIC) < end)
		sched_yield();
	EXPECT_NE(b, *ctr) TH_LOG("counter did not move after thaw");
	munmap((void *)ctr, 4096);
}

/* clone_into: v2 child born inside; v1 gives -EOPNOTSUPP. */
TEST_F(cg, clone_into)
{
	int pidfd = -1, st;
	pid_t pid;

	if (variant->version == 1) {
		EXPECT_EQ(-EOPNOTSUPP, kisol_cg_clone_into(&self->cg, &pidfd));
		return;
	}
	NEED_CLONE3();
	pid = cg_clone_into_fresh(&self->cg, &pidfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[KISOL_CG_PATH];

		if (kisol_cg_proc_path(0, 0, buf, sizeof(buf)) < 0)
			_exit(2);
		_exit(strcmp(buf, self->cg.rel) ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	close(pidfd);
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st)) TH_LOG("child not in %s", self->cg.rel);
}

/* wait_event times out with -ETIMEDOUT on v2, -EOPNOTSUPP on v1. */
TEST_F(cg, wait_event_timeout)
{
	int r = kisol_cg_wait_event(&self->cg, "populated", 1, 20);

	EXPECT_EQ(variant->version == 2 ? -ETIMEDOUT : -EOPNOTSUPP, r);
}

/* A child cgroup, opened again by path, is the same directory. */
TEST_F(cg, child_and_open)
{
	struct kisol_cg sub = KISOL_CG_INIT, again = KISOL_CG_INIT;
	struct stat a, b;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "c", &sub));
	EXPECT_EQ(-EEXIST, kisol_cg_child(&self->cg, "c", &again));
	ASSERT_EQ(0, kisol_cg_open(sub.path, 0, &again));
	EXPECT_EQ(variant->version, again.version);
	EXPECT_STREQ(sub.rel, again.rel);
	ASSERT_EQ(0, fstat(sub.dfd, &a));
	ASSERT_EQ(0, fstat(again.dfd, &b));
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(0, kisol_cg_destroy(&again)); /* not owned: only closes */
	EXPECT_EQ(0, stat(sub.path, &a));
	EXPECT_EQ(0, kisol_cg_destroy(&sub));
	EXPECT_EQ(-ENOENT, kisol_cg_open("/nonexistent/cg", 0, &again));
}

/* need_file: present file passes, missing one gives a reason. */
TEST_F(cg, need_file)
{
	char why[320];

	EXPECT_EQ(0, kisol_cg_need_file(&self->cg, "cgroup.procs", why, sizeof(why)));
	EXPECT_EQ(1, kisol_cg_need_file(&self->cg, "nonesuch", why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "nonesuch"));
}

/* The run directory is reused by the same process and lies below our home or the base. */
TEST_F(cg, run_dir_stable)
{
	char a[KISOL_CG_PATH], b[KISOL_CG_PATH], home[KISOL_CG_PATH];
	const struct kisol_cg_hier *h = kisol_cg_hier_of(&self->cg);
	const char *base = getenv("KISOL_CG_V2_BASE");

	ASSERT_EQ(0, kisol_cg_run_dir(self->cg.hier_idx, a, sizeof(a)));
	ASSERT_EQ(0, kisol_cg_run_dir(self->cg.hier_idx, b, sizeof(b)));
	EXPECT_STREQ(a, b);
	if (variant->version == 2 && base && *base) {
		EXPECT_NE(NULL, strstr(a, base[0] == '/' ? base + 1 : base));
	} else {
		home_of(h, home, sizeof(home));
		EXPECT_EQ(0, strncmp(a, home, strlen(home))) TH_LOG("%s not below %s", a, home);
	}
	EXPECT_EQ(-EINVAL, kisol_cg_run_dir(99, a, sizeof(a)));
}

/* _cleanup_cg_ kills, drains and removes a test cgroup when the scope ends. */
TEST_F(cg, cleanup_attribute)
{
	char path[KISOL_CG_PATH];
	struct stat st;
	pid_t pid;

	{
		_cleanup_cg_ struct kisol_cg c = KISOL_CG_INIT;
		struct kisol_child k = KISOL_CHILD_INIT;

		ASSERT_EQ(0, kisol_cg_create(KISOL_CG_CORE, variant->version, &c));
		snprintf(path, sizeof(path), "%s", c.path);
		ASSERT_EQ(0, cg_spawn_park(&c, &k));
		pid = k.pid;
		self->kid = k; /* reaped by the fixture */
	}
	EXPECT_EQ(-1, stat(path, &st));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, kisol_child_wait(&self->kid, KISOL_TIMEOUT_MS, NULL));
	EXPECT_EQ(pid, self->kid.pid);
	EXPECT_EQ(SIGKILL, cg_termsig(self->kid.status));
}

/*
 * kisol_cg_create_top() and what the benchmarks do with it: a cgroup right
 * in the base directory, registered so that a stopped program leaves none
 * behind, knobs written through an open fd or by path, idle tasks.
 */
FIXTURE(top) {
	struct kisol_cg cg;
};
FIXTURE_VARIANT(top) { int version; };
FIXTURE_VARIANT_ADD(top, v1) { .version = KISOL_CG_V1 };
FIXTURE_VARIANT_ADD(top, v2) { .version = KISOL_CG_V2 };

FIXTURE_SETUP(top)
{
	self->cg = (struct kisol_cg)KISOL_CG_INIT;
	NEED_CG(KISOL_CG_CORE, variant->version);
	ASSERT_EQ(0, kisol_cg_create_top(KISOL_CG_CORE, variant->version, "libtop", &self->cg));
}

FIXTURE_TEARDOWN(top)
{
	EXPECT_EQ(0, kisol_cg_destroy(&self->cg));
}

/* kisol-<prefix>-p<pid>-<n> directly in the base (v2 driver base, else the home), owned. */
TEST_F(top, name_and_place)
{
	const struct kisol_cg_hier *h = kisol_cg_hier_of(&self->cg);
	const char *env = getenv("KISOL_CG_V2_BASE");
	char base[2 * KISOL_CG_PATH], want[64];
	const char *name = strrchr(self->cg.path, '/');
	struct stat st;

	ASSERT_NE(NULL, h);
	ASSERT_NE(NULL, name);
	if (variant->version == 2 && env && *env) {
		if (env[0] == '/' && stat(env, &st) == 0)
			snprintf(base, sizeof(base), "%s", env);
		else
			snprintf(base, sizeof(base), "%s/%s", h->mnt, env[0] == '/' ? env + 1 : env);
	} else {
		home_of(h, base, sizeof(base));
	}
	EXPECT_EQ(strlen(base), (size_t)(name - self->cg.path)) TH_LOG("%s not directly in %s", self->cg.path, base);
	EXPECT_EQ(0, strncmp(self->cg.path, base, strlen(base)));
	snprintf(want, sizeof(want), "/kisol-libtop-p%d-", getpid());
	EXPECT_EQ(0, strncmp(name, want, strlen(want))) TH_LOG("%s", name);
	EXPECT_EQ(getpid(), kisol_name_owner(name + 1));
	EXPECT_TRUE(self->cg.owned);
	EXPECT_EQ(variant->version, self->cg.version);
	EXPECT_EQ(1, kisol_cg_has_file(&self->cg, "cgroup.procs"));
	EXPECT_NE(NULL, strstr(self->cg.path, self->cg.rel));
	EXPECT_EQ(-EINVAL, kisol_cg_create_top(KISOL_CG_CORE, variant->version, "a/b", &self->cg));
	EXPECT_EQ(-EINVAL, kisol_cg_create_top(KISOL_CG_CORE, variant->version, "", &self->cg));
	EXPECT_EQ(-EINVAL, kisol_cg_create_top(KISOL_CG_CORE, variant->version, NULL, &self->cg));
}

/* A task in the registered cgroup and a sub-cgroup: destroy_registered kills it and removes both. */
TEST_F(top, destroy_registered_kills_and_removes)
{
	struct kisol_cg sub = KISOL_CG_INIT;
	struct kisol_child k = KISOL_CHILD_INIT;
	char top[KISOL_CG_PATH];
	struct stat st;
	int status;

	snprintf(top, sizeof(top), "%s", self->cg.path);
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	ASSERT_EQ(0, cg_spawn_park(&sub, &k));
	EXPECT_EQ(0, kisol_cg_destroy_registered());
	EXPECT_EQ(-1, stat(top, &st));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, kisol_child_wait(&k, KISOL_TIMEOUT_MS, &status));
	EXPECT_EQ(SIGKILL, cg_termsig(status));
	kisol_child_release(&k);
	close(sub.dfd); /* gone with top */
	EXPECT_EQ(0, kisol_cg_destroy_registered()); /* nothing left registered */
}

/* Child of the test: its own top cgroup, cleanup handlers, then wait to be stopped. */
static int top_then_wait(int sock, void *arg)
{
	struct kisol_cg cg = KISOL_CG_INIT;
	int64_t v;

	if (kisol_cg_create_top(KISOL_CG_CORE, (int)(intptr_t)arg, "libtop", &cg) < 0 ||
	    kisol_cg_destroy_registered_at_exit() < 0)
		return 100;
	kisol_send_str(sock, cg.path);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

/*
 * A program stopped by SIGTERM removes its registered cgroup and dies of
 * the signal; the registration is its own, the parent's cgroup stays.
 */
TEST_F(top, sigterm_removes_registered)
{
	struct kisol_spawn_opts o = { .cgroup_fd = -1 };
	struct kisol_child k = KISOL_CHILD_INIT;
	char path[KISOL_CG_PATH];
	struct stat st;
	int status;

	ASSERT_EQ(0, kisol_spawn(&o, top_then_wait, (void *)(intptr_t)variant->version, &k));
	ASSERT_LT(0, kisol_recv_str(k.sock, path, sizeof(path), KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
	EXPECT_STRNE(path, self->cg.path);
	ASSERT_EQ(0, kisol_child_kill(&k, SIGTERM));
	ASSERT_EQ(0, kisol_child_wait(&k, KISOL_TIMEOUT_MS, &status));
	EXPECT_EQ(SIGTERM, cg_termsig(status));
	EXPECT_EQ(-1, stat(path, &st)) TH_LOG("%s left behind", path);
	EXPECT_EQ(0, stat(self->cg.path, &st)) TH_LOG("the parent's cgroup was taken");
	kisol_child_release(&k);
}

/* 32 registrations at a time; destroy frees a slot. */
TEST_F(top, registry_full_then_freed)
{
	struct kisol_cg more[40];
	int n = 0, r;

	for (; n < 40; n++) {
		more[n] = (struct kisol_cg)KISOL_CG_INIT;
		r = kisol_cg_create_top(KISOL_CG_CORE, variant->version, "libtop", &more[n]);
		if (r < 0)
			break;
	}
	EXPECT_EQ(-ENOSPC, r);
	EXPECT_EQ(31, n); /* the fixture holds one */
	if (n > 0) {
		EXPECT_EQ(0, kisol_cg_destroy(&more[n - 1]));
		EXPECT_EQ(0, kisol_cg_create_top(KISOL_CG_CORE, variant->version, "libtop", &more[n - 1]));
	}
	for (int i = 0; i < n; i++)
		EXPECT_EQ(0, kisol_cg_destroy(&more[i]));
}

/* A knob kept open takes one write per call; by path the same; errors are the kernel's. */
TEST_F(top, knob_fd_and_path_writes)
{
	char s[24];
	pid_t a, b;
	int fd, n;

	fd = kisol_cg_open_file(&self->cg, "cgroup.procs", O_WRONLY);
	ASSERT_LE(0, fd);
	a = kisol_cg_spawn_idle(NULL);
	ASSERT_LT(0, a);
	b = kisol_cg_spawn_idle(NULL);
	ASSERT_LT(0, b);
	n = snprintf(s, sizeof(s), "%d", a);
	EXPECT_EQ(0, kisol_cg_write_fd(fd, s, (size_t)n));
	EXPECT_EQ(1, kisol_cg_is_member(&self->cg, a));
	EXPECT_EQ(-EINVAL, kisol_cg_write_fd(fd, "x", 1));
	snprintf(s, sizeof(s), "%d", b);
	EXPECT_EQ(0, kisol_cg_write_path(&self->cg, "cgroup.procs", s));
	EXPECT_EQ(1, kisol_cg_is_member(&self->cg, b));
	EXPECT_EQ(2, kisol_cg_nr_procs(&self->cg));
	close(fd);
	EXPECT_EQ(-EBADF, kisol_cg_write_fd(fd, s, 1));
	EXPECT_EQ(-ENOENT, kisol_cg_open_file(&self->cg, "nonesuch", O_RDONLY));
	EXPECT_EQ(-ENOENT, kisol_cg_write_path(&self->cg, "nonesuch", "1"));
	EXPECT_EQ(-EINVAL, kisol_cg_open_file(NULL, "cgroup.procs", O_RDONLY));
	EXPECT_EQ(0, kisol_cg_reap_idle(a));
	EXPECT_EQ(0, kisol_cg_reap_idle(b));
	EXPECT_EQ(-EINVAL, kisol_cg_reap_idle(0));
}

/* wait_event_path: the state seen by absolute path, -ETIMEDOUT otherwise; v1 -EOPNOTSUPP. */
TEST_F(top, wait_event_path)
{
	pid_t pid;

	if (variant->version == 1) {
		EXPECT_EQ(-EOPNOTSUPP, kisol_cg_wait_event_path(&self->cg, "populated", 0, 20));
		return;
	}
	EXPECT_EQ(0, kisol_cg_wait_event_path(&self->cg, "populated", 0, 20));
	EXPECT_EQ(-ETIMEDOUT, kisol_cg_wait_event_path(&self->cg, "populated", 1, 20));
	pid = kisol_cg_spawn_idle(NULL);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, kisol_cg_attach(&self->cg, pid));
	EXPECT_EQ(0, kisol_cg_wait_event_path(&self->cg, "populated", 1, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, kisol_cg_reap_idle(pid));
	EXPECT_EQ(0, kisol_cg_wait_event_path(&self->cg, "populated", 0, KISOL_TIMEOUT_MS));
	EXPECT_EQ(-ENOENT, kisol_cg_wait_event_path(&self->cg, "nonesuch", 0, 20));
}

/* v2: an idle task born in the cgroup (from a never-killed cgroup, see kisol_cg_clone_into); v1: -EOPNOTSUPP. */
TEST_F(top, spawn_idle_into)
{
	struct kisol_cg src = KISOL_CG_INIT;
	char prev[KISOL_CG_PATH], path[KISOL_CG_PATH];
	pid_t pid;

	if (variant->version == 1) {
		EXPECT_EQ(-EOPNOTSUPP, kisol_cg_spawn_idle(&self->cg));
		return;
	}
	NEED_CLONE3();
	ASSERT_EQ(0, kisol_cg_create(KISOL_CG_CORE, KISOL_CG_V2, &src));
	ASSERT_EQ(0, kisol_cg_move_self(&src, prev, sizeof(prev)));
	pid = kisol_cg_spawn_idle(&self->cg);
	EXPECT_EQ(0, kisol_cg_move_self_path(prev));
	EXPECT_EQ(0, kisol_cg_destroy(&src));
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, kisol_cg_proc_path(pid, 0, path, sizeof(path)));
	EXPECT_STREQ(self->cg.rel, path);
	EXPECT_EQ(0, kisol_cg_reap_idle(pid));
}

/* Child: start an idle task outside any cgroup of ours, report it, exit on request. */
static int idle_then_exit(int sock, void *arg)
{
	int64_t v;
	pid_t pid = kisol_cg_spawn_idle(NULL);

	kisol_send_int(sock, pid);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

/* An idle task started outside any cgroup of ours dies with its parent. */
TEST(idle_dies_with_parent)
{
	struct kisol_spawn_opts o = { .cgroup_fd = -1 };
	struct kisol_child k = KISOL_CHILD_INIT;
	struct pollfd p = { .events = POLLIN };
	int64_t pid;

	ASSERT_EQ(0, kisol_spawn(&o, idle_then_exit, NULL, &k));
	ASSERT_EQ(0, kisol_recv_int(k.sock, &pid, KISOL_TIMEOUT_MS));
	ASSERT_LT(0, pid);
	p.fd = kisol_pidfd_open((pid_t)pid);
	ASSERT_LE(0, p.fd);
	EXPECT_EQ(0, poll(&p, 1, 0)) TH_LOG("idle task ended before its parent");
	ASSERT_EQ(0, kisol_send_int(k.sock, 1));
	EXPECT_EQ(0, kisol_child_exit_code(&k, KISOL_TIMEOUT_MS));
	EXPECT_EQ(1, poll(&p, 1, KISOL_TIMEOUT_MS)) TH_LOG("idle task outlived its parent");
	waitpid((pid_t)pid, NULL, WNOHANG); /* ours only if we are its subreaper */
	close(p.fd);
	kisol_child_release(&k);
}

/* v1 mount options name exactly the hierarchy's controllers. */
TEST(v1_opts_match_hierarchy)
{
	const struct kisol_cg_layout *l;
	char o[128], *save = NULL;
	int seen = 0;

	ASSERT_EQ(0, kisol_cg_layout(&l));
	for (int i = 0; i < l->n; i++) {
		uint64_t bits = 0;

		if (l->h[i].version != 1) {
			EXPECT_EQ(-EINVAL, kisol_cg_v1_opts(&l->h[i], o, sizeof(o)));
			continue;
		}
		ASSERT_EQ(0, kisol_cg_v1_opts(&l->h[i], o, sizeof(o)));
		for (char *t = strtok_r(o, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			int c = kisol_cg_ctrl_from_name(t);

			ASSERT_LE(0, c) TH_LOG("%s", t);
			bits |= 1ULL << c;
		}
		EXPECT_EQ(l->h[i].ctrls, bits) TH_LOG("%s", l->h[i].mnt);
		seen++;
	}
	EXPECT_EQ(-EINVAL, kisol_cg_v1_opts(NULL, o, sizeof(o)));
	if (!seen)
		SKIP(return, "no cgroup v1 hierarchy mounted");
}

/*
 * kisol_cg_delegated_root() and what an ordinary user gets from it when no
 * KISOL_CG_V2_BASE is given (systemd's Delegate=yes, e.g. user@UID.service,
 * with the user in a leaf scope below it). Root builds T/a/b below a test
 * cgroup T, gives a (or less) and b to uid 65534 as Delegate=yes does
 * (directory, cgroup.procs, cgroup.subtree_control) and starts a child in
 * the leaf b that drops to uid 65534 and asks. Everything is inside T.
 */
#define DELEG_UID ((uid_t)65534)

struct deleg_report {
	int root_r, need, create, attach, member, destroy, run_left, home_lists;
	char root[KISOL_CG_PATH], why[320], path[KISOL_CG_PATH], run[KISOL_CG_PATH];
};

FIXTURE(deleg) {
	struct kisol_cg t, a, b;
	struct kisol_child kid;
	enum kisol_cg_ctrl ctrl; /* a v2 controller T hands to a, or KISOL_CG_CORE */
};
FIXTURE_VARIANT(deleg) {
	bool a_given, a_subtree_given; /* b is always given */
	bool none;                     /* nothing given at all */
};
/* Delegate=yes: a and all below it are the user's; T (root's, 0755) is not. */
FIXTURE_VARIANT_ADD(deleg, subtree) { .a_given = true, .a_subtree_given = true };
/* a's cgroup.subtree_control stays root's: the walk stops at b. */
FIXTURE_VARIANT_ADD(deleg, leaf_only) { .a_given = true };
/* Nothing is the user's. */
FIXTURE_VARIANT_ADD(deleg, nothing) { .none = true };

static int give(int dfd, const char *file)
{
	return fchownat(dfd, file, DELEG_UID, DELEG_UID, *file ? 0 : AT_EMPTY_PATH) < 0 ? -errno : 0;
}

static int give_cgroup(const struct kisol_cg *cg, bool subtree)
{
	int r = give(cg->dfd, "");

	if (!r)
		r = give(cg->dfd, "cgroup.procs");
	if (!r && subtree)
		r = give(cg->dfd, "cgroup.subtree_control");
	return r;
}

FIXTURE_SETUP(deleg)
{
	self->t = self->a = self->b = (struct kisol_cg)KISOL_CG_INIT;
	self->kid = (struct kisol_child)KISOL_CHILD_INIT;
	self->ctrl = KISOL_CG_CORE;
	NEED_ROOT_TO("give a cgroup subtree to another uid");
	NEED_CG(KISOL_CG_CORE, KISOL_CG_V2);
	/* a controller if cgroup v2 has one: the user enables it in a (its home) */
	for (int c = 1; c < _KISOL_CG_MAX; c++)
		if (kisol_cg_table[c].v2 && !kisol_cg_table[c].v2_core &&
		    kisol_cg_locate(c, KISOL_CG_V2, NULL) == 0 &&
		    kisol_cg_need(c, KISOL_CG_V2, NULL, 0) == 0) {
			self->ctrl = c;
			break;
		}
	ASSERT_EQ(0, kisol_cg_create(self->ctrl, KISOL_CG_V2, &self->t));
	if (self->ctrl != KISOL_CG_CORE)
		ASSERT_EQ(0, kisol_cg_enable(&self->t, self->ctrl));
	ASSERT_EQ(0, kisol_cg_child(&self->t, "a", &self->a));
	ASSERT_EQ(0, kisol_cg_child(&self->a, "b", &self->b));
	if (!variant->none) {
		ASSERT_EQ(0, give_cgroup(&self->b, true));
		ASSERT_EQ(0, give_cgroup(&self->a, variant->a_subtree_given));
	}
}

FIXTURE_TEARDOWN(deleg)
{
	kisol_child_release(&self->kid);
	EXPECT_EQ(0, kisol_cg_destroy(&self->b));
	EXPECT_EQ(0, kisol_cg_destroy(&self->a));
	EXPECT_EQ(0, kisol_cg_destroy(&self->t));
}

/* Child, uid 65534 in b: the walk, the need, a test cgroup with a child of its own moved in. */
static int deleg_ask(int sock, void *arg)
{
	enum kisol_cg_ctrl c = (enum kisol_cg_ctrl)(intptr_t)arg;
	struct kisol_spawn_opts o = { .cgroup_fd = -1 };
	struct kisol_child k = KISOL_CHILD_INIT;
	struct kisol_cg x = KISOL_CG_INIT;
	static struct deleg_report rep;
	char p[KISOL_CG_PATH + 32], list[256] = "";
	struct stat st;

	unsetenv("KISOL_CG_V2_BASE"); /* the driver's base is root's */
	rep.root_r = kisol_cg_delegated_root(rep.root, sizeof(rep.root));
	rep.need = kisol_cg_need(c, KISOL_CG_V2, rep.why, sizeof(rep.why));
	rep.create = rep.attach = rep.member = rep.destroy = rep.run_left = rep.home_lists = -1;
	if (rep.need == 0) {
		rep.create = kisol_cg_create(c, KISOL_CG_V2, &x);
		if (rep.create == 0) {
			snprintf(rep.path, sizeof(rep.path), "%s", x.path);
			kisol_cg_run_dir(x.hier_idx, rep.run, sizeof(rep.run));
			/* migration: born in b, moved into x (common ancestor: the home) */
			rep.attach = kisol_spawn(&o, cg_fn_park, NULL, &k);
			if (rep.attach == 0) {
				int64_t pid;

				kisol_recv_int(k.sock, &pid, KISOL_TIMEOUT_MS);
				rep.attach = kisol_cg_attach(&x, k.pid);
				rep.member = kisol_cg_has_pid(&x, k.pid);
			}
			rep.destroy = kisol_cg_destroy(&x);
			kisol_child_release(&k);
			rep.run_left = stat(rep.run, &st) == 0;
			snprintf(p, sizeof(p), "%s/cgroup.subtree_control", rep.root);
			kisol_read_file(p, list, sizeof(list));
			rep.home_lists = c != KISOL_CG_CORE && strstr(list, kisol_cg_table[c].v2) != NULL;
		}
	}
	return kisol_send(sock, &rep, sizeof(rep)) < 0 ? 100 : 0;
}

TEST_F(deleg, walk_and_test_cgroups)
{
	struct kisol_spawn_opts o = { .cgroup_fd = self->b.dfd, .unpriv = true,
				      .unpriv_uid = DELEG_UID, .unpriv_gid = DELEG_UID };
	static struct deleg_report rep;
	char want[KISOL_CG_PATH + 32];
	size_t n;

	ASSERT_EQ(0, kisol_spawn(&o, deleg_ask, (void *)(intptr_t)self->ctrl, &self->kid));
	ASSERT_EQ((int)sizeof(rep), kisol_recv(self->kid.sock, &rep, sizeof(rep), KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_child_exit_code(&self->kid, KISOL_TIMEOUT_MS));
	if (variant->none) {
		EXPECT_EQ(-ENOENT, rep.root_r) TH_LOG("%s", rep.root);
		EXPECT_EQ(1, rep.need);
		EXPECT_NE(NULL, strstr(rep.why, "no cgroup v2 subtree is delegated")) TH_LOG("%s", rep.why);
		return;
	}
	ASSERT_EQ(0, rep.root_r);
	EXPECT_STREQ(variant->a_subtree_given ? self->a.path : self->b.path, rep.root);
	if (!variant->a_subtree_given) {
		/* the home is the leaf b, where the test process is: no controller below it */
		if (self->ctrl == KISOL_CG_CORE) {
			EXPECT_EQ(0, rep.need) TH_LOG("%s", rep.why);
		} else {
			EXPECT_EQ(1, rep.need);
			EXPECT_NE(NULL, strstr(rep.why, "cannot be enabled")) TH_LOG("%s", rep.why);
		}
		return;
	}
	ASSERT_EQ(0, rep.need) TH_LOG("%s", rep.why);
	ASSERT_EQ(0, rep.create) TH_LOG("controller %s", kisol_cg_table[self->ctrl].name);
	/* <home>/kisol-p<owner>/t<pid>-<n>, the home being a (the top of what is given) */
	snprintf(want, sizeof(want), "%s/kisol-p", self->a.path);
	n = strlen(want);
	EXPECT_EQ(0, strncmp(rep.run, want, n)) TH_LOG("run dir %s", rep.run);
	EXPECT_EQ(0, strncmp(rep.path, rep.run, strlen(rep.run))) TH_LOG("%s", rep.path);
	EXPECT_EQ(0, rep.attach);
	EXPECT_EQ(1, rep.member);
	EXPECT_EQ(0, rep.destroy);
	EXPECT_EQ(0, rep.run_left) TH_LOG("%s left behind", rep.run);
	EXPECT_EQ(0, rep.home_lists) /* what it enabled there is off again */
		TH_LOG("%s still enabled in %s", kisol_cg_table[self->ctrl].name, self->a.path);
}

KISOL_MAIN
