// SPDX-License-Identifier: GPL-2.0-only
/*
 * unshare(CLONE_NEWPID) and nesting: the caller stays where it is and only
 * its children enter the new namespace (pid_for_children); after the first
 * child (the init) exits no more can be forked (ENOMEM); a second unshare
 * before forking is EINVAL; nesting reaches the 32-level limit and fails
 * beyond it with ENOSPC. As root and as an unprivileged user.
 */
#include <sys/prctl.h>

#include "kisol_test.h"

FIXTURE(unshare_pid) {
	struct kisol_child child;
};

FIXTURE_VARIANT(unshare_pid) {
	bool unpriv;
};

FIXTURE_VARIANT_ADD(unshare_pid, root) { };
FIXTURE_VARIANT_ADD(unshare_pid, unpriv) { .unpriv = true };

FIXTURE_SETUP(unshare_pid)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	/* root's variant, for an ordinary user: as root of a user namespace of its own */
	if (!variant->unpriv)
		NEED_ROOT_OR_OWN_USERNS(KISOL_NS_PID);
	NEED_NS_VIA(KISOL_NS_PID, variant->unpriv);
	if (variant->unpriv)
		NEED_USERNS_UNPRIV(KISOL_NS_PID);
}

FIXTURE_TEARDOWN(unshare_pid)
{
	kisol_child_release(&self->child);
}

/* The child: become unprivileged if asked, then unshare the pid ns. */
static int enter(int sock, bool unpriv)
{
	int r;

	if (unpriv) {
		r = kisol_become_unpriv();
		if (r == 0)
			r = kisol_userns_unshare_root(CLONE_NEWPID);
	} else {
		r = kisol_ns_unshare(CLONE_NEWPID);
	}
	return kisol_send_int(sock, r) < 0 ? -EPIPE : r;
}

static void start(struct __test_metadata *_metadata, FIXTURE_DATA(unshare_pid) *self,
		  kisol_child_fn fn, const FIXTURE_VARIANT(unshare_pid) *variant)
{
	ASSERT_EQ(0, kisol_spawn(NULL, fn, (void *)variant, &self->child));
	ASSERT_EQ(0, kisol_rx(_metadata, self->child.sock)) TH_LOG("unshare(CLONE_NEWPID) in the child failed");
}

static int u_self_stays(int sock, void *arg)
{
	const FIXTURE_VARIANT(unshare_pid) *v = arg;
	struct kisol_ns_id before, after, kids;
	_cleanup_close_ int cfd = -EBADF;
	pid_t pid = getpid(), kid;
	int64_t go;

	if (kisol_ns_id(0, KISOL_NS_PID, &before) < 0)
		return 80;
	if (enter(sock, v->unpriv) < 0)
		return 81;
	if (kisol_ns_id(0, KISOL_NS_PID, &after) < 0)
		return 82;
	KISOL_TX(kisol_ns_id_eq(&before, &after));
	KISOL_TX(getpid() == pid);
	/* no init yet: pid_for_children cannot be opened */
	KISOL_TX(kisol_ns_open_children(0, KISOL_NS_PID));
	kid = fork();
	if (kid == 0) {
		/* never outlive the test, whatever happens to it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	cfd = kisol_ns_open_children(0, KISOL_NS_PID);
	if (cfd < 0 || kisol_ns_id_fd(cfd, &kids) < 0)
		return 83;
	KISOL_TX(kisol_ns_id_eq(&before, &kids));
	KISOL_TX(kid);
	kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	return 0;
}

TEST_F(unshare_pid, caller_stays_children_move)
{
	struct kisol_ns_id mine, its, its_kids, init_ns;
	_cleanup_close_ int cfd = -EBADF;
	pid_t init;

	start(_metadata, self, u_self_stays, variant);
	EXPECT_EQ(1, kisol_rx(_metadata, self->child.sock)); /* own pid ns unchanged */
	EXPECT_EQ(1, kisol_rx(_metadata, self->child.sock)); /* getpid() unchanged */
	EXPECT_EQ(-ENOENT, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock)); /* pid_for_children is new */
	init = (pid_t)kisol_rx(_metadata, self->child.sock);
	ASSERT_LT(1, init);
	/* outside view of the same */
	ASSERT_EQ(0, kisol_ns_id(0, KISOL_NS_PID, &mine));
	ASSERT_EQ(0, kisol_ns_id(self->child.pid, KISOL_NS_PID, &its));
	cfd = kisol_ns_open_children(self->child.pid, KISOL_NS_PID);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, kisol_ns_id_fd(cfd, &its_kids));
	ASSERT_EQ(0, kisol_ns_id(init, KISOL_NS_PID, &init_ns));
	EXPECT_TRUE(kisol_ns_id_eq(&mine, &its));
	EXPECT_FALSE(kisol_ns_id_eq(&mine, &its_kids));
	EXPECT_TRUE(kisol_ns_id_eq(&its_kids, &init_ns));
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
}
KISOL_META(unshare_pid, caller_stays_children_move, "sides=both")

static int u_first_child(int sock, void *arg)
{
	const FIXTURE_VARIANT(unshare_pid) *v = arg;
	struct kisol_ns_id kids;
	_cleanup_close_ int cfd = -EBADF;
	pid_t kid;
	int status;

	int pfd[2];

	if (enter(sock, v->unpriv) < 0)
		return 81;
	if (pipe(pfd) < 0)
		return 82;
	kid = fork();
	if (kid == 0) {
		struct kisol_ns_id mine;
		char c;

		/* wait until the parent has looked at pid_for_children */
		close(pfd[1]);
		read(pfd[0], &c, 1);
		if (kisol_ns_id(0, KISOL_NS_PID, &mine) < 0 ||
		    kisol_send(sock, &mine, sizeof(mine)) < 0)
			_exit(3);
		_exit(getpid() == 1 ? 0 : 1);
	}
	close(pfd[0]);
	cfd = kisol_ns_open_children(0, KISOL_NS_PID);
	if (cfd < 0 || kisol_ns_id_fd(cfd, &kids) < 0)
		return 84;
	close(pfd[1]);
	if (waitpid(kid, &status, 0) != kid)
		return 83;
	KISOL_TX(kid);
	KISOL_TX(WIFEXITED(status) ? WEXITSTATUS(status) : 100);
	return kisol_send(sock, &kids, sizeof(kids)) < 0 ? 85 : 0;
}

TEST_F(unshare_pid, first_child_is_init_of_new_ns)
{
	struct kisol_ns_id its, kids, mine;
	int64_t kid;

	start(_metadata, self, u_first_child, variant);
	ASSERT_EQ((int)sizeof(its), kisol_recv(self->child.sock, &its, sizeof(its), KISOL_TIMEOUT_MS));
	kid = kisol_rx(_metadata, self->child.sock);
	EXPECT_LT(1, kid); /* the parent sees an ordinary pid */
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock)); /* the child saw getpid() == 1 */
	ASSERT_EQ((int)sizeof(kids), kisol_recv(self->child.sock, &kids, sizeof(kids), KISOL_TIMEOUT_MS));
	/* the child's namespace is its parent's pid_for_children, not ours */
	EXPECT_TRUE(kisol_ns_id_eq(&its, &kids));
	ASSERT_EQ(0, kisol_ns_id(0, KISOL_NS_PID, &mine));
	EXPECT_FALSE(kisol_ns_id_eq(&its, &mine));
}
KISOL_META(unshare_pid, first_child_is_init_of_new_ns, "sides=both")

static int u_after_init(int sock, void *arg)
{
	const FIXTURE_VARIANT(unshare_pid) *v = arg;
	pid_t kid;

	if (enter(sock, v->unpriv) < 0)
		return 81;
	kid = fork();
	if (kid == 0)
		_exit(0);
	if (waitpid(kid, NULL, 0) != kid)
		return 82;
	kid = fork();
	if (kid == 0)
		_exit(0);
	KISOL_TX(kid < 0 ? errno : 0);
	if (kid > 0)
		waitpid(kid, NULL, 0);
	return 0;
}

TEST_F(unshare_pid, fork_after_init_exit_is_enomem)
{
	pid_t kid;

	start(_metadata, self, u_after_init, variant);
	EXPECT_EQ(ENOMEM, kisol_rx(_metadata, self->child.sock));
	/* outside, forking is unaffected */
	kid = fork();
	if (kid == 0)
		_exit(0);
	ASSERT_LT(0, kid);
	EXPECT_EQ(kid, waitpid(kid, NULL, 0));
}
KISOL_META(unshare_pid, fork_after_init_exit_is_enomem, "sides=one: a refusal (ENOMEM) inside a namespace whose init is gone")

static int u_twice(int sock, void *arg)
{
	const FIXTURE_VARIANT(unshare_pid) *v = arg;

	if (enter(sock, v->unpriv) < 0)
		return 81;
	KISOL_TX(kisol_ns_unshare(CLONE_NEWPID));
	return 0;
}

TEST_F(unshare_pid, second_unshare_before_fork_is_einval)
{
	start(_metadata, self, u_twice, variant);
	EXPECT_EQ(-EINVAL, kisol_rx(_metadata, self->child.sock));
}
KISOL_META(unshare_pid, second_unshare_before_fork_is_einval, "sides=one: a refusal (EINVAL) of the second unshare")

/* ---- nesting to the limit ---- */

#define MAX_PID_NS_LEVEL 32

/*
 * Each level clones the next into a new pid namespace and waits for it;
 * the innermost reports its depth and the error of one more level.
 */
static int nest(int sock, int levels_left)
{
	struct kisol_clone_opts o = { .flags = CLONE_NEWPID, .cgroup_fd = -1 };
	pid_t pids[64];
	siginfo_t si;
	pid_t kid;

	if (levels_left == 0) {
		KISOL_TX(kisol_proc_nspids(0, false, pids, 64));
		KISOL_TX(getpid());
		kid = kisol_clone(&o, NULL);
		if (kid == 0)
			_exit(0);
		KISOL_TX(kid < 0 ? kid : 0);
		if (kid > 0)
			waitpid(kid, NULL, 0);
		return 0;
	}
	kid = kisol_clone(&o, NULL);
	if (kid < 0) {
		KISOL_TX(kid);
		return 0;
	}
	if (kid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(nest(sock, levels_left - 1));
	}
	if (waitid(P_PID, kid, &si, WEXITED) < 0)
		return 84;
	return si.si_code == CLD_EXITED ? si.si_status : 85;
}

static int n_chain(int sock, void *arg)
{
	const FIXTURE_VARIANT(unshare_pid) *v = arg;
	pid_t pids[64];
	int level, r;

	if (v->unpriv) {
		r = kisol_become_unpriv();
		if (r == 0)
			r = kisol_userns_unshare_root(0);
		if (r < 0) {
			KISOL_TX(r);
			return 0;
		}
	}
	level = kisol_proc_nspids(0, false, pids, 64) - 1;
	KISOL_TX(level);
	return nest(sock, MAX_PID_NS_LEVEL - level);
}

TEST_F_TIMEOUT(unshare_pid, nesting_stops_at_32_levels, 20)
{
	int64_t level, n, own, err;

	ASSERT_EQ(0, kisol_spawn(NULL, n_chain, (void *)variant, &self->child));
	level = kisol_rx(_metadata, self->child.sock);
	ASSERT_LE(0, level);
	ASSERT_GT(MAX_PID_NS_LEVEL, level);
	n = kisol_rx(_metadata, self->child.sock);
	ASSERT_LT(0, n) TH_LOG("nesting failed early: %s", strerror((int)-n));
	/* NSpid lists the levels from ours (0 here) to the innermost (32) */
	EXPECT_EQ(MAX_PID_NS_LEVEL + 1 - level, n);
	own = kisol_rx(_metadata, self->child.sock);
	EXPECT_EQ(1, own);
	err = kisol_rx(_metadata, self->child.sock);
	EXPECT_EQ(-ENOSPC, err) TH_LOG("level 33 gave %s", strerror((int)-err));
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
	/* cleaned up: the whole chain is gone with its waiters */
	EXPECT_EQ(-1, waitpid(-1, NULL, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
}
KISOL_META(unshare_pid, nesting_stops_at_32_levels, "sides=one: the innermost level reports its depth and the refusal (ENOSPC) of one more")

KISOL_MAIN
