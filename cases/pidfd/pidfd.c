// SPDX-License-Identifier: GPL-2.0-only
/*
 * pidfds: a pidfd names one process, never a pid number.
 *  - A signal sent through the pidfd of a process that has exited and been
 *    reaped fails with ESRCH, even after its pid number went to a new
 *    process; the new process receives nothing. pidfd_send_signal:
 *    3eb39f47934f (5.1); the pid is recycled on purpose with clone3 set_tid
 *    (49cb2fc42ce4, 5.5) inside a pid namespace of the case's own (LTP
 *    pidfd_send_signal03).
 *  - PIDFD_GET_<type>_NAMESPACE gives an fd of exactly the namespace the
 *    process is in (the one the case created, compared by id), and setns()
 *    takes it: 5b08bd408534 (6.11) (selftests pidfd).
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "kisol_test.h"

/* ------------------------------------------------------------------ */
/* Recycled pids                                                       */

struct recycle_report {
	int64_t a_pid, b_pid; /* the reaped process and its successor (pid in the new namespace) */
	int64_t old_signal;   /* 0 / -errno of the signal through the stale pidfd */
	int64_t pending_old;  /* SIGUSR1 pending in the successor afterwards (1/0, -errno) */
	int64_t new_signal;   /* through a pidfd of the successor itself (control) */
	int64_t pending_new;
	int64_t err;          /* setup failure in the pid namespace's init, -errno */
};

struct recycle_arg {
	bool clone_pidfd; /* stale pidfd from CLONE_PIDFD instead of pidfd_open */
};

/* Successor: report whether SIGUSR1 is pending each time it is asked, until EOF. */
static void successor(int cmd, int rep)
{
	sigset_t set;
	char c;

	while (read(cmd, &c, 1) == 1) {
		c = sigpending(&set) ? -1 : sigismember(&set, SIGUSR1);
		if (write(rep, &c, 1) != 1)
			break;
	}
	_exit(0);
}

static int64_t ask(int cmd, int rep)
{
	char c = 'c';

	if (write(cmd, &c, 1) != 1 || read(rep, &c, 1) != 1)
		return -EPIPE;
	return c;
}

/* Init of a new pid namespace: make A, reap it, make B with A's pid, signal A's pidfd. */
static void recycle(const struct recycle_arg *arg, struct recycle_report *r)
{
	struct kisol_clone_opts o = { .flags = arg->clone_pidfd ? CLONE_PIDFD : 0, .cgroup_fd = -1 };
	_cleanup_close_ int apfd = -1, bpfd = -1;
	int cmd[2], rep[2];
	sigset_t set;
	pid_t a, b, set_tid;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) || pipe2(cmd, O_CLOEXEC) || pipe2(rep, O_CLOEXEC)) {
		r->err = kisol_negerrno();
		return;
	}
	a = kisol_clone(&o, arg->clone_pidfd ? &apfd : NULL);
	if (a == 0)
		_exit(0);
	if (a < 0 || (!arg->clone_pidfd && (apfd = kisol_pidfd_open(a)) < 0) ||
	    waitpid(a, NULL, 0) != a) {
		r->err = a < 0 ? a : apfd < 0 ? apfd : kisol_negerrno();
		return;
	}
	r->a_pid = a;
	set_tid = a;
	b = kisol_clone(&(struct kisol_clone_opts){ .set_tid = &set_tid, .set_tid_size = 1,
						   .cgroup_fd = -1 }, NULL);
	if (b == 0) {
		close(cmd[1]);
		close(rep[0]);
		successor(cmd[0], rep[1]);
	}
	close(cmd[0]);
	close(rep[1]);
	if (b < 0) {
		r->err = b;
		return;
	}
	r->b_pid = b;
	r->old_signal = kisol_pidfd_signal(apfd, SIGUSR1);
	r->pending_old = ask(cmd[1], rep[0]);
	bpfd = kisol_pidfd_open(b);
	r->new_signal = bpfd < 0 ? bpfd : kisol_pidfd_signal(bpfd, SIGUSR1);
	r->pending_new = ask(cmd[1], rep[0]);
	close(cmd[1]);
	close(rep[0]);
	waitpid(b, NULL, 0);
}

static int recycle_child(int sock, void *p)
{
	struct recycle_report r = { 0 };

	recycle(p, &r);
	return kisol_send(sock, &r, sizeof(r)) < 0 ? 91 : 0;
}

FIXTURE(recycle) {
	struct kisol_child init;
};

FIXTURE_VARIANT(recycle) {
	bool clone_pidfd;
};

FIXTURE_VARIANT_ADD(recycle, pidfd_open) { .clone_pidfd = false };
FIXTURE_VARIANT_ADD(recycle, clone_pidfd) { .clone_pidfd = true };

FIXTURE_SETUP(recycle)
{
	self->init = (struct kisol_child)KISOL_CHILD_INIT;
	/* for an ordinary user: as root of a user namespace of its own, which owns the pid namespace */
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_PID);
	NEED_NS(KISOL_NS_PID);
	NEED_PIDFD();
	NEED_CLONE3();
}

FIXTURE_TEARDOWN(recycle)
{
	kisol_child_release(&self->init);
}

TEST_F(recycle, stale_pidfd_never_signals_successor)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWPID, .cgroup_fd = -1 };
	struct recycle_arg a = { .clone_pidfd = variant->clone_pidfd };
	struct recycle_report r;
	int n;

	ASSERT_EQ(0, kisol_spawn(&o, recycle_child, &a, &self->init));
	n = kisol_recv(self->init.sock, &r, sizeof(r), KISOL_TIMEOUT_MS);
	ASSERT_EQ((int)sizeof(r), n) TH_LOG("no report: %s", strerror(-n));
	ASSERT_EQ(0, r.err) TH_LOG("setup in the pid namespace: %s", strerror((int)-r.err));
	/* the successor really holds the reaped process's pid */
	ASSERT_LT(1, r.a_pid);
	ASSERT_EQ(r.a_pid, r.b_pid);
	EXPECT_EQ(-ESRCH, r.old_signal);
	EXPECT_EQ(0, r.pending_old) TH_LOG("the successor got the stale pidfd's signal");
	/* control: the successor's own pidfd does deliver, and the check sees it */
	EXPECT_EQ(0, r.new_signal);
	EXPECT_EQ(1, r.pending_new);
}
KISOL_META(recycle, stale_pidfd_never_signals_successor, "commit=3eb39f47934f;ref=49cb2fc42ce4")

/* ------------------------------------------------------------------ */
/* PIDFD_GET_*_NAMESPACE                                               */

FIXTURE(nsfd) {
	struct kisol_child child;
	int fd;
};

FIXTURE_VARIANT(nsfd) {
	enum kisol_ns type;
	bool children; /* pid_for_children / time_for_children */
};

FIXTURE_VARIANT_ADD(nsfd, mnt) { .type = KISOL_NS_MNT };
FIXTURE_VARIANT_ADD(nsfd, uts) { .type = KISOL_NS_UTS };
FIXTURE_VARIANT_ADD(nsfd, ipc) { .type = KISOL_NS_IPC };
FIXTURE_VARIANT_ADD(nsfd, user) { .type = KISOL_NS_USER };
FIXTURE_VARIANT_ADD(nsfd, pid) { .type = KISOL_NS_PID };
FIXTURE_VARIANT_ADD(nsfd, pid_for_children) { .type = KISOL_NS_PID, .children = true };
FIXTURE_VARIANT_ADD(nsfd, net) { .type = KISOL_NS_NET };
FIXTURE_VARIANT_ADD(nsfd, cgroup) { .type = KISOL_NS_CGROUP };
FIXTURE_VARIANT_ADD(nsfd, time) { .type = KISOL_NS_TIME };
FIXTURE_VARIANT_ADD(nsfd, time_for_children) { .type = KISOL_NS_TIME, .children = true };

static int park(int sock, void *arg)
{
	kisol_wait_go(sock);
	return 0;
}

FIXTURE_SETUP(nsfd)
{
	struct kisol_spawn_opts o = { .cgroup_fd = -1, .flags = kisol_ns_table[variant->type].flag,
				      .uid_map = "0 0 1", .gid_map = "0 0 1" };

	self->child = (struct kisol_child)KISOL_CHILD_INIT;
	self->fd = -1;
	/* for an ordinary user: as root of a user namespace of its own */
	NEED_ROOT_OR_OWN_USERNS(variant->type);
	NEED_NS(variant->type);
	NEED_PIDFD();
	ASSERT_EQ(0, kisol_spawn(&o, park, NULL, &self->child));
	self->fd = kisol_pidfd_get_ns(self->child.pidfd, variant->type, variant->children);
	if (self->fd == -ENOTTY)
		SKIP(return, "PIDFD_GET_%s_NAMESPACE gives ENOTTY (6.11+, 5b08bd408534)",
		     kisol_ns_table[variant->type].name);
	ASSERT_LE(0, self->fd) TH_LOG("PIDFD_GET_* ioctl: %s", strerror(-self->fd));
}

FIXTURE_TEARDOWN(nsfd)
{
	if (self->fd >= 0)
		close(self->fd);
	kisol_child_release(&self->child);
}

/* The namespace the process is in (or its *_for_children one), by id. */
static int proc_ns_id(pid_t pid, enum kisol_ns t, bool children, struct kisol_ns_id *ret)
{
	_cleanup_close_ int fd = children ? kisol_ns_open_children(pid, t) : kisol_ns_open(pid, t);

	return fd < 0 ? fd : kisol_ns_id_fd(fd, ret);
}

TEST_F(nsfd, is_the_created_namespace)
{
	struct kisol_ns_id got, want, own;

	ASSERT_EQ(0, kisol_ns_id_fd(self->fd, &got));
	ASSERT_EQ(0, proc_ns_id(self->child.pid, variant->type, variant->children, &want));
	ASSERT_EQ(0, proc_ns_id(0, variant->type, false, &own));
	EXPECT_TRUE(kisol_ns_id_eq(&got, &want));
	EXPECT_FALSE(kisol_ns_id_eq(&got, &own)) TH_LOG("the fd names the caller's own namespace");
	EXPECT_EQ((int)variant->type, kisol_ns_get_type(self->fd));
}
KISOL_META(nsfd, is_the_created_namespace, "commit=5b08bd408534")

/* setns() with that fd lands in the namespace (for pid and time: the *_for_children one). */
TEST_F(nsfd, setns_enters_it)
{
	struct kisol_ns_id want, now;
	int st, r;
	pid_t pid;

	ASSERT_EQ(0, kisol_ns_id_fd(self->fd, &want));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		bool pc = variant->type == KISOL_NS_PID || variant->type == KISOL_NS_TIME;

		r = kisol_ns_enter(self->fd, variant->type);
		if (r < 0)
			_exit(10);
		if (proc_ns_id(0, variant->type, pc, &now) < 0)
			_exit(11);
		_exit(kisol_ns_id_eq(&want, &now) ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st)) TH_LOG("10: setns refused, 11: no ns link, 12: other namespace");
}
KISOL_META(nsfd, setns_enters_it, "commit=5b08bd408534")

KISOL_META_FIXTURE(recycle, "sides=both")
KISOL_META_FIXTURE(nsfd, "sides=both")

KISOL_MAIN
