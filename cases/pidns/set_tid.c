// SPDX-License-Identifier: GPL-2.0-only
/*
 * clone3() set_tid (5.5, commit 49cb2fc42ce4): choosing the pid of a new
 * process in its namespace and in each ancestor namespace, and the
 * errors: EINVAL (bad pid, array longer than the nesting, first pid of a
 * new namespace not 1), EEXIST (pid taken), EPERM (no CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE over the owning user namespace of a level).
 */
#include <fcntl.h>
#include <sys/prctl.h>

#include "kisol_test.h"

/* clone3 with set_tid; the child reports its NSpid list then waits. */
static pid_t clone_tid(int sock, uint64_t flags, const pid_t *tid, size_t n)
{
	struct kisol_clone_opts o = { .flags = flags, .cgroup_fd = -1, .set_tid = tid,
				      .set_tid_size = n };
	int done[2];
	pid_t kid;
	char c;

	/* the report is complete when the child closes its end of done */
	if (pipe2(done, O_CLOEXEC) < 0)
		return -errno;
	kid = kisol_clone(&o, NULL);
	if (kid == 0) {
		pid_t p[40];
		int k = kisol_proc_nspids(0, false, p, 40);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(done[0]);
		kisol_send_int(sock, k);
		for (int i = 0; i < k; i++)
			kisol_send_int(sock, p[i]);
		close(done[1]);
		pause();
		_exit(0);
	}
	close(done[1]);
	if (kid > 0)
		read(done[0], &c, 1);
	close(done[0]);
	return kid;
}

FIXTURE(set_tid) {
	struct kisol_child child;
	int level; /* our own pid namespace level */
};

FIXTURE_SETUP(set_tid)
{
	struct kisol_child init = KISOL_CHILD_INIT;
	pid_t p[40];

	self->child = init;
	NEED_CLONE3();
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_PID);
	NEED_NS(KISOL_NS_PID);
	self->level = kisol_proc_nspids(0, false, p, 40) - 1;
	ASSERT_LE(0, self->level);
}

FIXTURE_TEARDOWN(set_tid)
{
	kisol_child_release(&self->child);
}

/* Receive one NSpid report; returns its length and fills p. */
static int rx_nspid(struct __test_metadata *_metadata, int sock, int64_t *p, int max)
{
	int64_t n = kisol_rx(_metadata, sock);

	for (int i = 0; i < n && i < max; i++)
		p[i] = kisol_rx(_metadata, sock);
	return (int)n;
}

TEST_F(set_tid, new_ns_first_pid_must_be_1)
{
	pid_t one = 1, two = 2;
	struct kisol_clone_opts o = { .flags = CLONE_NEWPID, .cgroup_fd = -1,
				      .set_tid = &two, .set_tid_size = 1 };
	int status;
	pid_t kid;

	EXPECT_EQ(-EINVAL, kisol_clone(&o, NULL));
	o.set_tid = &one;
	kid = kisol_clone(&o, NULL);
	ASSERT_LE(0, kid);
	if (kid == 0)
		_exit(getpid() == 1 ? 0 : 1);
	EXPECT_LT(1, kid);
	ASSERT_EQ(kid, waitpid(kid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}
KISOL_META(set_tid, new_ns_first_pid_must_be_1, "sides=one: a refusal (EINVAL) and its control, seen by the creator")

static int i_choose(int sock, void *arg)
{
	pid_t tid = 77;
	pid_t kid = clone_tid(sock, 0, &tid, 1);

	KISOL_TX(kid < 0 ? kid : 0);
	KISOL_TX(kid);
	/* the pid is taken now, and 1 always is */
	KISOL_TX(clone_tid(sock, 0, &tid, 1));
	tid = 1;
	KISOL_TX(clone_tid(sock, 0, &tid, 1));
	kisol_recv_int(sock, &(int64_t){ 0 }, KISOL_TIMEOUT_MS);
	return 0;
}

TEST_F(set_tid, choose_pid_in_existing_ns_and_eexist)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWPID, .cgroup_fd = -1 };
	int64_t p[40];
	pid_t outer[40];
	int n;

	ASSERT_EQ(0, kisol_spawn(&o, i_choose, NULL, &self->child));
	n = rx_nspid(_metadata, self->child.sock, p, 40);
	ASSERT_EQ(self->level + 2, n);
	EXPECT_EQ(77, p[n - 1]);
	ASSERT_EQ(0, kisol_rx(_metadata, self->child.sock)) TH_LOG("clone3 set_tid={77} failed");
	EXPECT_EQ(77, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(-EEXIST, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(-EEXIST, kisol_rx(_metadata, self->child.sock));
	/* outside: the process has an ordinary pid here, 77 inside */
	ASSERT_EQ(n, kisol_proc_nspids((pid_t)p[0], false, outer, 40));
	EXPECT_EQ(77, outer[n - 1]);
	EXPECT_EQ(0, kisol_send_int(self->child.sock, 1));
}

static int i_two_levels(int sock, void *arg)
{
	pid_t tid[2] = { 1, 88 };
	pid_t kid = clone_tid(sock, CLONE_NEWPID, tid, 2);

	KISOL_TX(kid < 0 ? kid : 0);
	kisol_recv_int(sock, &(int64_t){ 0 }, KISOL_TIMEOUT_MS);
	return 0;
}

TEST_F(set_tid, pids_at_two_levels)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWPID, .cgroup_fd = -1 };
	int64_t p[40];
	pid_t outer[40];
	int n;

	ASSERT_EQ(0, kisol_spawn(&o, i_two_levels, NULL, &self->child));
	n = rx_nspid(_metadata, self->child.sock, p, 40);
	ASSERT_EQ(self->level + 3, n);
	EXPECT_EQ(1, p[n - 1]);
	EXPECT_EQ(88, p[n - 2]);
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	ASSERT_EQ(n, kisol_proc_nspids((pid_t)p[0], false, outer, 40));
	EXPECT_EQ(88, outer[n - 2]);
	EXPECT_EQ(0, kisol_send_int(self->child.sock, 1));
}
KISOL_META(set_tid, pids_at_two_levels, "sides=both")

static int i_three_levels(int sock, void *arg)
{
	pid_t tid[2] = { 1, 99 };
	struct kisol_clone_opts o = { .flags = CLONE_NEWPID, .cgroup_fd = -1, .set_tid = tid,
				      .set_tid_size = 2 };
	pid_t kid = kisol_clone(&o, NULL);

	if (kid == 0) {
		/* level-2 init: one more level, choosing pids at three */
		pid_t t3[3] = { 1, 55, 66 };
		pid_t k = clone_tid(sock, CLONE_NEWPID, t3, 3);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		kisol_send_int(sock, k < 0 ? k : 0);
		pause();
		_exit(0);
	}
	/* only a failure is reported from here: the others talk in order */
	if (kid < 0)
		KISOL_TX(kid);
	kisol_recv_int(sock, &(int64_t){ 0 }, KISOL_TIMEOUT_MS);
	return 0;
}

TEST_F(set_tid, pids_at_three_levels)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWPID, .cgroup_fd = -1 };
	int64_t p[40];
	int n;

	ASSERT_EQ(0, kisol_spawn(&o, i_three_levels, NULL, &self->child));
	n = rx_nspid(_metadata, self->child.sock, p, 40);
	ASSERT_LT(0, n) TH_LOG("level 2 init not created: %s", strerror(-n));
	ASSERT_EQ(self->level + 4, n);
	EXPECT_EQ(1, p[n - 1]);
	EXPECT_EQ(55, p[n - 2]);
	EXPECT_EQ(66, p[n - 3]);
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_send_int(self->child.sock, 1));
}

TEST_F(set_tid, invalid_arguments)
{
	int64_t pid_max;
	pid_t tid[40] = { 0 };
	struct kisol_clone_opts o = { .cgroup_fd = -1, .set_tid = tid };

	ASSERT_EQ(0, kisol_read_int64("/proc/sys/kernel/pid_max", &pid_max));
	/* longer than our nesting + 1 without a new namespace */
	o.set_tid_size = self->level + 2;
	for (int i = 0; i < 40; i++)
		tid[i] = 30000 + i;
	EXPECT_EQ(-EINVAL, kisol_clone(&o, NULL));
	/* longer than the nesting limit */
	o.flags = CLONE_NEWPID;
	o.set_tid_size = 33;
	EXPECT_EQ(-EINVAL, kisol_clone(&o, NULL));
	o.flags = 0;
	o.set_tid_size = 1;
	tid[0] = 0;
	EXPECT_EQ(-EINVAL, kisol_clone(&o, NULL));
	tid[0] = -1;
	EXPECT_EQ(-EINVAL, kisol_clone(&o, NULL));
	tid[0] = (pid_t)pid_max;
	EXPECT_EQ(-EINVAL, kisol_clone(&o, NULL));
	tid[0] = (pid_t)pid_max + 1;
	EXPECT_EQ(-EINVAL, kisol_clone(&o, NULL));
	/* a size with no array */
	o.set_tid = NULL;
	EXPECT_EQ(-EINVAL, kisol_clone(&o, NULL));
	/*
	 * our own pid is taken; in a PID namespace its user namespace does not
	 * own (rootless: the host's) the caller is refused first (u_eperm)
	 */
	o.set_tid = tid;
	tid[0] = getpid();
	EXPECT_EQ(kisol_is_root() ? -EEXIST : -EPERM, kisol_clone(&o, NULL));
}
KISOL_META(set_tid, invalid_arguments, "sides=one: argument errors, no process is created")

static int u_eperm(int sock, void *arg)
{
	pid_t tid = getpid(); /* a taken pid: EPERM is checked first */
	struct kisol_clone_opts o = { .cgroup_fd = -1, .set_tid = &tid, .set_tid_size = 1 };

	if (kisol_become_unpriv() < 0)
		return 90;
	KISOL_TX(kisol_clone(&o, NULL));
	return 0;
}

TEST_F(set_tid, eperm_without_capability)
{
	ASSERT_EQ(0, kisol_spawn(NULL, u_eperm, NULL, &self->child));
	EXPECT_EQ(-EPERM, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
}

static int u_levels(int sock, void *arg)
{
	pid_t p[40];
	int level = kisol_proc_nspids(0, false, p, 40) - 1;
	pid_t tid[40];
	pid_t kid;

	/* own namespace (owned by our user namespace): allowed */
	tid[0] = 77;
	kid = clone_tid(sock, 0, tid, 1);
	KISOL_TX(kid < 0 ? kid : 0);
	/* reaching into the parent pid namespace: not ours */
	tid[0] = 1;
	tid[1] = 78;
	for (int i = 2; i <= level + 1; i++)
		tid[i] = 31000 + i;
	KISOL_TX(clone_tid(sock, CLONE_NEWPID, tid, level + 2));
	/* but the levels we own are fine */
	KISOL_TX(clone_tid(sock, CLONE_NEWPID, tid, 2) > 0 ? 0 : -1);
	kisol_recv_int(sock, &(int64_t){ 0 }, KISOL_TIMEOUT_MS);
	return 0;
}

TEST_F(set_tid, eperm_for_levels_of_other_user_namespaces)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER | CLONE_NEWPID, .cgroup_fd = -1,
				      .map_root = true, .unpriv = true };
	int64_t p[40];
	int n;

	NEED_USERNS_UNPRIV(KISOL_NS_PID);
	ASSERT_EQ(0, kisol_spawn(&o, u_levels, NULL, &self->child));
	n = rx_nspid(_metadata, self->child.sock, p, 40);
	ASSERT_LE(2, n);
	EXPECT_EQ(77, p[n - 1]);
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(-EPERM, kisol_rx(_metadata, self->child.sock));
	n = rx_nspid(_metadata, self->child.sock, p, 40);
	ASSERT_LE(3, n);
	EXPECT_EQ(1, p[n - 1]);
	EXPECT_EQ(78, p[n - 2]);
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_send_int(self->child.sock, 1));
}
KISOL_META(set_tid, eperm_for_levels_of_other_user_namespaces, "sides=one: a refusal (EPERM) per level and its control, seen by the creator")

KISOL_META(set_tid, choose_pid_in_existing_ns_and_eexist, "sides=both;commit=49cb2fc42ce4;ref=clone3 set_tid, Linux 5.5")
KISOL_META(set_tid, pids_at_three_levels, "sides=one: the NSpid list read by the new process names every level at once;commit=49cb2fc42ce4")
KISOL_META(set_tid, eperm_without_capability, "sides=one: a refusal (EPERM);commit=124ea650d307;ref=CAP_CHECKPOINT_RESTORE for set_tid, Linux 5.9")

KISOL_MAIN
