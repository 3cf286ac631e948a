// SPDX-License-Identifier: GPL-2.0-only
/*
 * setns(2): every namespace type by namespace fd and by pidfd, seen from
 * the joiner and from a process that stayed behind; several namespaces at
 * once through a pidfd, atomically (all or none); EINVAL for a mismatched
 * type; the mount namespace refused while fs is shared (CLONE_FS); pid and
 * time namespaces affecting children only; pidfd errors.
 */
#include <pthread.h>
#include <sys/prctl.h>

#include "kisol_test.h"

static int hold(int sock, void *arg)
{
	int64_t go;

	kisol_send_int(sock, 1);
	kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS);
	return 0;
}

/* Stays behind and answers: for each type number received, its ns id. */
static int stay_body(int sock, void *arg)
{
	struct kisol_ns_id id;
	int64_t t;

	kisol_send_int(sock, 1);
	while (kisol_recv_int(sock, &t, KISOL_TIMEOUT_MS) == 0) {
		if (t < 0 || t >= _KISOL_NS_MAX || kisol_ns_id(0, (enum kisol_ns)t, &id) < 0)
			return 1;
		if (kisol_send(sock, &id, sizeof(id)) < 0)
			return 2;
	}
	return 0;
}

/* The id a process lives in for type t (for pid/time: its children's). */
static int joined_id(pid_t pid, enum kisol_ns t, struct kisol_ns_id *id)
{
	_cleanup_close_ int fd = -EBADF;

	if (!kisol_ns_table[t].children_name)
		return kisol_ns_id(pid, t, id);
	fd = kisol_ns_open_children(pid, t);
	return fd < 0 ? fd : kisol_ns_id_fd(fd, id);
}

FIXTURE(join) {
	struct kisol_child target, stay;
	struct kisol_ns_id target_id, orig_id;
};

FIXTURE_VARIANT(join) {
	enum kisol_ns type;
};

FIXTURE_VARIANT_ADD(join, mnt) { .type = KISOL_NS_MNT };
FIXTURE_VARIANT_ADD(join, uts) { .type = KISOL_NS_UTS };
FIXTURE_VARIANT_ADD(join, ipc) { .type = KISOL_NS_IPC };
FIXTURE_VARIANT_ADD(join, user) { .type = KISOL_NS_USER };
FIXTURE_VARIANT_ADD(join, pid) { .type = KISOL_NS_PID };
FIXTURE_VARIANT_ADD(join, net) { .type = KISOL_NS_NET };
FIXTURE_VARIANT_ADD(join, cgroup) { .type = KISOL_NS_CGROUP };
FIXTURE_VARIANT_ADD(join, time) { .type = KISOL_NS_TIME };

FIXTURE_SETUP(join)
{
	struct kisol_child init = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = kisol_ns_table[variant->type].flag, .cgroup_fd = -1 };

	self->target = init;
	self->stay = init;
	/* rootless: the joiner is root of the user namespace that owns the target's */
	NEED_ROOT_OR_OWN_USERNS(variant->type);
	NEED_NS(variant->type);
	if (variant->type == KISOL_NS_USER)
		o.map_root = true;
	ASSERT_EQ(0, kisol_spawn(&o, hold, NULL, &self->target));
	ASSERT_EQ(1, kisol_rx(_metadata, self->target.sock));
	ASSERT_EQ(0, kisol_ns_id(self->target.pid, variant->type, &self->target_id));
	ASSERT_EQ(0, kisol_ns_id(0, variant->type, &self->orig_id));
	ASSERT_FALSE(kisol_ns_id_eq(&self->target_id, &self->orig_id));
	/* a process that stays behind, for the outside view */
	ASSERT_EQ(0, kisol_spawn(NULL, stay_body, NULL, &self->stay));
	ASSERT_EQ(1, kisol_rx(_metadata, self->stay.sock));
	/* joining mnt/user needs an unshared fs_struct */
	ASSERT_EQ(0, kisol_ns_unshare(CLONE_FS));
}

FIXTURE_TEARDOWN(join)
{
	kisol_child_release(&self->target);
	kisol_child_release(&self->stay);
}

static void check_joined(struct __test_metadata *_metadata, FIXTURE_DATA(join) *self,
			 enum kisol_ns t)
{
	struct kisol_ns_id now, behind;

	ASSERT_EQ(0, joined_id(0, t, &now));
	EXPECT_TRUE(kisol_ns_id_eq(&self->target_id, &now)) TH_LOG("not in the target %s ns",
								   kisol_ns_table[t].name);
	/* asked from inside the process: /proc/PID may be out of our reach now */
	ASSERT_EQ(0, kisol_send_int(self->stay.sock, t));
	ASSERT_EQ((int)sizeof(behind), kisol_recv(self->stay.sock, &behind, sizeof(behind),
						   KISOL_TIMEOUT_MS));
	EXPECT_TRUE(kisol_ns_id_eq(&self->orig_id, &behind)) TH_LOG("the process left behind moved");
}

TEST_F(join, by_ns_fd)
{
	_cleanup_close_ int fd = kisol_ns_open(self->target.pid, variant->type);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kisol_ns_enter(fd, variant->type));
	check_joined(_metadata, self, variant->type);
}
KISOL_META(join, by_ns_fd, "sides=both")

TEST_F(join, by_pidfd)
{
	ASSERT_EQ(0, kisol_ns_enter_pidfd(self->target.pidfd, kisol_ns_table[variant->type].flag));
	check_joined(_metadata, self, variant->type);
}
KISOL_META(join, by_pidfd, "sides=both")

TEST_F(join, mismatched_type_is_einval)
{
	_cleanup_close_ int fd = kisol_ns_open(self->target.pid, variant->type);
	struct kisol_ns_id now;

	ASSERT_LE(0, fd);
	for (int t = 0; t < _KISOL_NS_MAX; t++) {
		if (t == (int)variant->type)
			continue;
		EXPECT_EQ(-EINVAL, kisol_ns_enter(fd, t)) TH_LOG("%s fd accepted as %s",
			  kisol_ns_table[variant->type].name, kisol_ns_table[t].name);
	}
	ASSERT_EQ(0, joined_id(0, variant->type, &now));
	EXPECT_TRUE(kisol_ns_id_eq(&self->orig_id, &now));
}
KISOL_META(join, mismatched_type_is_einval, "sides=one: a refusal (EINVAL), the caller's namespace is checked unchanged")

TEST_F(join, unprivileged_refused)
{
	_cleanup_close_ int fd = kisol_ns_open(self->target.pid, variant->type);
	struct kisol_ns_id now;
	pid_t kid;
	int status;

	ASSERT_LE(0, fd);
	kid = fork();
	ASSERT_LE(0, kid);
	if (kid == 0) {
		if (kisol_become_unpriv() < 0)
			_exit(100);
		_exit(-kisol_ns_enter(fd, variant->type) & 0xff);
	}
	ASSERT_EQ(kid, waitpid(kid, &status, 0));
	EXPECT_EQ(EPERM, WEXITSTATUS(status));
	ASSERT_EQ(0, joined_id(0, variant->type, &now));
	EXPECT_TRUE(kisol_ns_id_eq(&self->orig_id, &now));
}
KISOL_META(join, unprivileged_refused, "sides=one: a refusal (EPERM), the caller's namespace is checked unchanged")

/* ---- several at once ---- */

static uint64_t runtime_flags(void)
{
	return CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWCGROUP;
}

TEST(pidfd_joins_several_at_once)
{
	_cleanup_child_ struct kisol_child t = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = runtime_flags() | CLONE_NEWPID, .cgroup_fd = -1 };
	struct kisol_ns_id a, b, orig[_KISOL_NS_MAX];
	int64_t ready;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_NET);
	ASSERT_EQ(0, kisol_spawn(&o, hold, NULL, &t));
	ASSERT_EQ(0, kisol_recv_int(t.sock, &ready, KISOL_TIMEOUT_MS));
	for (int i = 0; i < _KISOL_NS_MAX; i++)
		ASSERT_EQ(0, joined_id(0, i, &orig[i]));
	ASSERT_EQ(0, kisol_ns_unshare(CLONE_FS));
	ASSERT_EQ(0, kisol_ns_enter_pidfd(t.pidfd, runtime_flags() | CLONE_NEWPID));
	for (int i = 0; i < _KISOL_NS_MAX; i++) {
		if (!(kisol_ns_table[i].flag & (runtime_flags() | CLONE_NEWPID)))
			continue;
		ASSERT_EQ(0, kisol_ns_id(t.pid, i, &a));
		ASSERT_EQ(0, joined_id(0, i, &b));
		EXPECT_TRUE(kisol_ns_id_eq(&a, &b)) TH_LOG("%s not joined", kisol_ns_table[i].name);
		EXPECT_FALSE(kisol_ns_id_eq(&orig[i], &b)) TH_LOG("%s: the target's was ours",
								   kisol_ns_table[i].name);
	}
}
KISOL_META(global, pidfd_joins_several_at_once, "sides=one: the joiner's view of each type at once, the process left behind is join.by_pidfd's check")

/*
 * Atomic: root of a user namespace U may join a UTS namespace U owns, but
 * not the host's IPC namespace; asking for both changes nothing.
 */
static int c_atomic(int sock, void *arg)
{
	struct kisol_ns_id before, after, want;
	int pfd[2], pidfd;
	pid_t t;
	char name[65];

	if (kisol_become_unpriv() < 0 ||
	    kisol_userns_unshare_root(0) < 0 || pipe(pfd) < 0)
		return 90;
	t = fork();
	if (t == 0) {
		char c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWUTS) < 0 || sethostname("kisol-atomic", 12) < 0)
			_exit(1);
		close(pfd[0]);
		write(pfd[1], "x", 1);
		pause();
		(void)c;
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], name, 1) != 1)
		return 92;
	pidfd = kisol_pidfd_open(t);
	if (pidfd < 0 || kisol_ns_id(0, KISOL_NS_UTS, &before) < 0 ||
	    kisol_ns_id(t, KISOL_NS_UTS, &want) < 0)
		return 93;
	KISOL_TX(kisol_ns_enter_pidfd(pidfd, CLONE_NEWUTS | CLONE_NEWIPC));
	if (kisol_ns_id(0, KISOL_NS_UTS, &after) < 0)
		return 94;
	KISOL_TX(kisol_ns_id_eq(&before, &after));
	gethostname(name, sizeof(name));
	KISOL_TX(strcmp(name, "kisol-atomic") != 0);
	/* control: the UTS namespace alone is allowed */
	KISOL_TX(kisol_ns_enter_pidfd(pidfd, CLONE_NEWUTS));
	if (kisol_ns_id(0, KISOL_NS_UTS, &after) < 0)
		return 95;
	KISOL_TX(kisol_ns_id_eq(&want, &after));
	kill(t, SIGKILL);
	waitpid(t, NULL, 0);
	return 0;
}

TEST(pidfd_all_or_nothing)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	char host[65], now[65];

	NEED_USERNS_UNPRIV(KISOL_NS_UTS);
	ASSERT_EQ(0, gethostname(host, sizeof(host)));
	ASSERT_EQ(0, kisol_spawn(NULL, c_atomic, NULL, &c));
	EXPECT_EQ(-EPERM, kisol_rx(_metadata, c.sock));
	EXPECT_EQ(1, kisol_rx(_metadata, c.sock)) TH_LOG("UTS joined although IPC was refused");
	EXPECT_EQ(1, kisol_rx(_metadata, c.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, c.sock));
	EXPECT_EQ(1, kisol_rx(_metadata, c.sock));
	EXPECT_EQ(0, kisol_child_exit_code(&c, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, gethostname(now, sizeof(now)));
	EXPECT_STREQ(host, now);
}
KISOL_META(global, pidfd_all_or_nothing, "sides=both")

TEST(pidfd_errors)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	_cleanup_close_ int uts = kisol_ns_open(0, KISOL_NS_UTS);
	int64_t ready;

	ASSERT_EQ(0, kisol_spawn(NULL, hold, NULL, &c));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &ready, KISOL_TIMEOUT_MS));
	/* flags 0 and non-namespace flags */
	EXPECT_EQ(-EINVAL, (setns(c.pidfd, 0) < 0 ? -errno : 0));
	EXPECT_EQ(-EINVAL, (setns(c.pidfd, CLONE_VM) < 0 ? -errno : 0));
	/* a namespace fd with several flags */
	EXPECT_EQ(-EINVAL, (setns(uts, CLONE_NEWUTS | CLONE_NEWIPC) < 0 ? -errno : 0));
	/* a process that exited */
	ASSERT_EQ(0, kisol_send_int(c.sock, 1));
	ASSERT_EQ(0, kisol_child_exit_code(&c, KISOL_TIMEOUT_MS));
	EXPECT_EQ(-ESRCH, kisol_ns_enter_pidfd(c.pidfd, CLONE_NEWUTS));
}
KISOL_META(global, pidfd_errors, "sides=one: argument errors, nothing is joined")

/* ---- mount namespace and a shared fs_struct ---- */

static void *idle(void *arg)
{
	int *fd = arg;
	char c;

	read(*fd, &c, 1);
	return NULL;
}

static int c_shared_fs(int sock, void *arg)
{
	int fd = kisol_recv_fd(sock, KISOL_TIMEOUT_MS);
	struct kisol_ns_id a, b;
	int pfd[2];
	pthread_t th;

	if (fd < 0 || pipe(pfd) < 0 || pthread_create(&th, NULL, idle, &pfd[0]))
		return 90;
	/* the thread shares our fs_struct */
	KISOL_TX(kisol_ns_enter(fd, KISOL_NS_MNT));
	if (kisol_ns_id(0, KISOL_NS_MNT, &a) < 0 || kisol_ns_id_fd(fd, &b) < 0)
		return 91;
	KISOL_TX(kisol_ns_id_eq(&a, &b));
	/* with our own copy it works, although the thread still runs */
	KISOL_TX(kisol_ns_unshare(CLONE_FS));
	KISOL_TX(kisol_ns_enter(fd, KISOL_NS_MNT));
	close(pfd[1]);
	pthread_join(th, NULL);
	return 0;
}

TEST(mnt_refused_while_fs_shared)
{
	_cleanup_child_ struct kisol_child t = KISOL_CHILD_INIT;
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWNS, .cgroup_fd = -1 };
	_cleanup_close_ int fd = -EBADF;
	int64_t ready;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	NEED_NS(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_spawn(&o, hold, NULL, &t));
	ASSERT_EQ(0, kisol_recv_int(t.sock, &ready, KISOL_TIMEOUT_MS));
	fd = kisol_ns_open(t.pid, KISOL_NS_MNT);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kisol_spawn(NULL, c_shared_fs, NULL, &c));
	ASSERT_EQ(0, kisol_send_fd(c.sock, fd));
	EXPECT_EQ(-EINVAL, kisol_rx(_metadata, c.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, c.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, c.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, c.sock));
}
KISOL_META(global, mnt_refused_while_fs_shared, "sides=one: a refusal (EINVAL) and its control, seen by the joiner")

/*
 * ---- pid and time ----
 * Joining a pid namespace moves only later children (the caller keeps its
 * pid); joining a time namespace switches the caller at once (5.8+).
 */

FIXTURE(children_only) {
	struct kisol_child target;
};

FIXTURE_VARIANT(children_only) {
	enum kisol_ns type;
};

FIXTURE_VARIANT_ADD(children_only, pid) { .type = KISOL_NS_PID };
FIXTURE_VARIANT_ADD(children_only, time) { .type = KISOL_NS_TIME };

FIXTURE_SETUP(children_only)
{
	struct kisol_child init = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = kisol_ns_table[variant->type].flag, .cgroup_fd = -1 };
	struct kisol_ns_id mine, its;
	int64_t ready;

	self->target = init;
	NEED_ROOT_OR_OWN_USERNS(variant->type);
	NEED_NS(variant->type);
	ASSERT_EQ(0, kisol_spawn(&o, hold, NULL, &self->target));
	ASSERT_EQ(0, kisol_recv_int(self->target.sock, &ready, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_ns_id(0, variant->type, &mine));
	ASSERT_EQ(0, kisol_ns_id(self->target.pid, variant->type, &its));
	ASSERT_FALSE(kisol_ns_id_eq(&mine, &its)) TH_LOG("the target is in our namespace");
}

FIXTURE_TEARDOWN(children_only)
{
	kisol_child_release(&self->target);
}

TEST_F(children_only, caller_and_children_after_setns)
{
	_cleanup_close_ int fd = kisol_ns_open(self->target.pid, variant->type);
	struct kisol_ns_id before, after, target;
	int pfd[2], status;
	pid_t kid, mine = getpid();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kisol_ns_id_fd(fd, &target));
	ASSERT_EQ(0, kisol_ns_id(0, variant->type, &before));
	ASSERT_EQ(0, kisol_ns_enter(fd, variant->type));
	ASSERT_EQ(0, kisol_ns_id(0, variant->type, &after));
	if (variant->type == KISOL_NS_PID) {
		EXPECT_TRUE(kisol_ns_id_eq(&before, &after)); /* we did not move */
	} else {
		EXPECT_TRUE(kisol_ns_id_eq(&target, &after)); /* we moved */
	}
	EXPECT_EQ(mine, getpid());
	ASSERT_EQ(0, pipe(pfd));
	kid = fork();
	ASSERT_LE(0, kid);
	if (kid == 0) {
		struct kisol_ns_id in;
		int ok = kisol_ns_id(0, variant->type, &in) == 0 && kisol_ns_id_eq(&in, &target);

		if (variant->type == KISOL_NS_PID)
			ok = ok && getpid() > 1 && getppid() == 0;
		_exit(ok ? 0 : 1);
	}
	ASSERT_EQ(kid, waitpid(kid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("the child is not in the joined namespace");
	close(pfd[0]);
	close(pfd[1]);
}
KISOL_META(children_only, caller_and_children_after_setns, "sides=both")

KISOL_MAIN
