// SPDX-License-Identifier: GPL-2.0-only
/*
 * libkisol proc module: clone3/clone, pidfds, spawned children with a
 * socket handshake, waiting with a timeout, messages and fd passing, and
 * their error paths (bad fd, timeout, peer death, E2BIG).
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>

#include "kisol_test.h"

static int exit_with(int sock, void *arg)
{
	return (int)(intptr_t)arg;
}

static int block_forever(int sock, void *arg)
{
	int64_t v;

	/* never sent: returns only on peer close */
	kisol_recv_int(sock, &v, -1);
	return 3;
}

static int echo_once(int sock, void *arg)
{
	char buf[256];
	int n = kisol_recv(sock, buf, sizeof(buf), KISOL_TIMEOUT_MS);

	if (n < 0)
		return 1;
	return kisol_send(sock, buf, n) < 0 ? 2 : 0;
}

static int report_ids(int sock, void *arg)
{
	int64_t v[4] = { getpid(), getppid(), getuid(), getgid() };

	return kisol_send(sock, v, sizeof(v)) < 0 ? 1 : 0;
}

TEST(clone_plain_child_exits)
{
	struct kisol_clone_opts o = { .cgroup_fd = -1 };
	siginfo_t si = { 0 };
	int pidfd = -1;
	pid_t pid;

	pid = kisol_clone(&o, &pidfd);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(42);
	ASSERT_LE(0, pidfd);
	ASSERT_EQ(0, waitid(P_PID, pid, &si, WEXITED));
	EXPECT_EQ(CLD_EXITED, si.si_code);
	EXPECT_EQ(42, si.si_status);
	close(pidfd);
}

TEST(clone_without_pidfd)
{
	struct kisol_clone_opts o = { .cgroup_fd = -1, .exit_signal = SIGCHLD };
	int status;
	pid_t pid = kisol_clone(&o, NULL);

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(7);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(7, WEXITSTATUS(status));
}

TEST(clone_null_opts)
{
	EXPECT_EQ(-EINVAL, kisol_clone(NULL, NULL));
}

TEST(clone_new_pid_ns_child_is_1)
{
	struct kisol_clone_opts o = { .flags = CLONE_NEWPID, .cgroup_fd = -1 };
	int status;
	pid_t pid;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_PID);
	pid = kisol_clone(&o, NULL);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(getpid() == 1 && getppid() == 0 ? 0 : 1);
	/* outside: a normal pid, not 1 */
	EXPECT_LT(1, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(clone_set_tid_needs_new_pidns_owner)
{
	pid_t tid[1] = { 1 };
	struct kisol_clone_opts o = { .flags = CLONE_NEWPID, .cgroup_fd = -1,
				      .set_tid = tid, .set_tid_size = 1 };
	int status;
	pid_t pid;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_PID);
	NEED_CLONE3();
	pid = kisol_clone(&o, NULL);
	ASSERT_LE(0, pid) TH_LOG("clone3 set_tid={1}: %s", strerror(-pid));
	if (pid == 0)
		_exit(getpid() == 1 ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(clone3_raw_size_errors)
{
	struct {
		struct clone_args a;
		uint64_t tail[4];
	} big = { 0 };

	NEED_CLONE3();
	big.a.exit_signal = SIGCHLD;
	/* smaller than CLONE_ARGS_SIZE_VER0 (64) */
	EXPECT_EQ(-EINVAL, kisol_clone3_raw(&big.a, 63));
	EXPECT_EQ(-EINVAL, kisol_clone3_raw(&big.a, 0));
	/* larger than a page */
	EXPECT_EQ(-E2BIG, kisol_clone3_raw(&big.a, 4097 + 4096));
	/* unknown non-zero tail */
	big.tail[3] = 1;
	EXPECT_EQ(-E2BIG, kisol_clone3_raw(&big.a, sizeof(big)));
	EXPECT_EQ(-EFAULT, kisol_clone3_raw(NULL, sizeof(struct clone_args)));
}

TEST(clone3_raw_zero_tail_accepted)
{
	struct {
		struct clone_args a;
		uint64_t tail[4];
	} big = { 0 };
	int status;
	pid_t pid;

	NEED_CLONE3();
	big.a.exit_signal = SIGCHLD;
	pid = kisol_clone3_raw(&big.a, sizeof(big));
	ASSERT_LE(0, pid) TH_LOG("zeroed tail refused: %s", strerror(-pid));
	if (pid == 0)
		_exit(5);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(5, WEXITSTATUS(status));
}

TEST(pidfd_open_and_signal)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	_cleanup_close_ int fd = -EBADF;
	int status;

	NEED_PIDFD();
	ASSERT_EQ(0, kisol_spawn(NULL, block_forever, NULL, &c));
	fd = kisol_pidfd_open(c.pid);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kisol_pidfd_signal(fd, SIGUSR1));
	ASSERT_EQ(0, kisol_child_wait(&c, KISOL_TIMEOUT_MS, &status));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGUSR1, WTERMSIG(status));
	/* signal 0 on a reaped process: ESRCH */
	EXPECT_EQ(-ESRCH, kisol_pidfd_signal(fd, 0));
}

TEST(pidfd_errors)
{
	_cleanup_close_ int file = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	NEED_PIDFD();
	EXPECT_EQ(-EINVAL, kisol_pidfd_open(-1));
	EXPECT_EQ(-ESRCH, kisol_pidfd_open(4194305 + 7));
	EXPECT_EQ(-EBADF, kisol_pidfd_signal(-1, SIGKILL));
	ASSERT_LE(0, file);
	EXPECT_EQ(-EBADF, kisol_pidfd_signal(file, 0));
}

TEST(spawn_exit_code)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	int status = -1;

	ASSERT_EQ(0, kisol_spawn(NULL, exit_with, (void *)(intptr_t)17, &c));
	EXPECT_LT(0, c.pid);
	EXPECT_LE(0, c.pidfd);
	EXPECT_LE(0, c.sock);
	EXPECT_EQ(17, kisol_child_exit_code(&c, KISOL_TIMEOUT_MS));
	/* a second wait returns the cached status */
	EXPECT_EQ(0, kisol_child_wait(&c, 0, &status));
	EXPECT_EQ(17, WEXITSTATUS(status));
	EXPECT_TRUE(c.reaped);
}

TEST(spawn_errors)
{
	struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts bad = { .flags = CLONE_NEWPID | CLONE_THREAD, .cgroup_fd = -1 };

	EXPECT_EQ(-EINVAL, kisol_spawn(NULL, NULL, NULL, &c));
	EXPECT_EQ(-EINVAL, kisol_spawn(NULL, exit_with, NULL, NULL));
	EXPECT_EQ(-EINVAL, kisol_spawn(&bad, exit_with, NULL, &c));
	EXPECT_EQ(-1, c.pid); /* untouched */
}
KISOL_META(global, spawn_errors, "mutant_immune=ns.pid: clone3 refuses CLONE_THREAD without CLONE_SIGHAND (EINVAL) whether or not CLONE_NEWPID is set, the case checks that the error is passed on")

TEST(spawn_in_namespaces_reports_pid1)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWPID | CLONE_NEWUSER, .cgroup_fd = -1,
				      .map_root = true };
	int64_t v[4];

	ASSERT_EQ(0, kisol_spawn(&o, report_ids, NULL, &c));
	ASSERT_EQ((int)sizeof(v), kisol_recv(c.sock, v, sizeof(v), KISOL_TIMEOUT_MS));
	EXPECT_EQ(1, v[0]);
	EXPECT_EQ(0, v[1]);
	EXPECT_EQ(0, v[2]); /* mapped root */
	EXPECT_EQ(0, v[3]);
	EXPECT_NE(1, c.pid);
	EXPECT_EQ(0, kisol_child_exit_code(&c, KISOL_TIMEOUT_MS));
}

TEST(spawn_explicit_maps)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER, .cgroup_fd = -1,
				      .uid_map = "100 0 1\n", .gid_map = "200 0 1\n" };
	int64_t v[4];

	NEED_ROOT_TO("write maps of ids other than its own");
	ASSERT_EQ(0, kisol_spawn(&o, report_ids, NULL, &c));
	ASSERT_EQ((int)sizeof(v), kisol_recv(c.sock, v, sizeof(v), KISOL_TIMEOUT_MS));
	EXPECT_EQ(100, v[2]);
	EXPECT_EQ(200, v[3]);
}

TEST(spawn_bad_map_fails_and_reaps)
{
	struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER, .cgroup_fd = -1,
				      .uid_map = "garbage\n" };

	EXPECT_EQ(-EINVAL, kisol_spawn(&o, report_ids, NULL, &c));
	EXPECT_EQ(-1, c.pid);
	EXPECT_GT(0, c.pidfd);
}

TEST(spawn_unpriv_maps_itself)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER | CLONE_NEWPID, .cgroup_fd = -1,
				      .map_root = true, .unpriv = true };
	char path[64], status[2048];
	int64_t v[4], uid;

	NEED_USERNS_UNPRIV(-1);
	ASSERT_EQ(0, kisol_spawn(&o, report_ids, NULL, &c));
	ASSERT_EQ((int)sizeof(v), kisol_recv(c.sock, v, sizeof(v), KISOL_TIMEOUT_MS));
	EXPECT_EQ(1, v[0]);
	EXPECT_EQ(0, v[2]);
	EXPECT_EQ(0, v[3]);
	/* outside: the middle process runs as the unprivileged uid */
	snprintf(path, sizeof(path), "/proc/%d/status", c.pid);
	ASSERT_LT(0, kisol_read_file(path, status, sizeof(status)));
	ASSERT_EQ(0, kisol_keyed_int64(status, "Uid", &uid));
	EXPECT_EQ((int64_t)kisol_unpriv_uid(), uid);
	EXPECT_EQ(0, kisol_child_exit_code(&c, KISOL_TIMEOUT_MS));
}

TEST(spawn_unpriv_refused_reports_errno)
{
	struct kisol_child c = KISOL_CHILD_INIT;
	/* no user namespace: an ordinary user may not create a UTS namespace */
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUTS, .cgroup_fd = -1, .unpriv = true };

	EXPECT_EQ(-EPERM, kisol_spawn(&o, report_ids, NULL, &c));
	EXPECT_EQ(-1, c.pid);
}

TEST(spawn_unpriv_exit_code_relayed)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER | CLONE_NEWPID, .cgroup_fd = -1,
				      .unpriv = true };

	NEED_USERNS_UNPRIV(KISOL_NS_PID);
	ASSERT_EQ(0, kisol_spawn(&o, exit_with, (void *)(intptr_t)33, &c));
	EXPECT_EQ(33, kisol_child_exit_code(&c, KISOL_TIMEOUT_MS));
}

TEST(wait_timeout_then_kill)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	int status = 1234;

	ASSERT_EQ(0, kisol_spawn(NULL, block_forever, NULL, &c));
	EXPECT_EQ(-ETIMEDOUT, kisol_child_wait(&c, 0, &status));
	EXPECT_EQ(-ETIMEDOUT, kisol_child_wait(&c, 20, &status));
	EXPECT_EQ(1234, status); /* untouched */
	EXPECT_FALSE(c.reaped);
	ASSERT_EQ(0, kisol_child_kill(&c, SIGKILL));
	EXPECT_EQ(-ECHILD, kisol_child_exit_code(&c, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_child_wait(&c, 0, &status));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
}

TEST(wait_errors)
{
	struct kisol_child none = KISOL_CHILD_INIT;

	EXPECT_EQ(-EINVAL, kisol_child_wait(NULL, 0, NULL));
	EXPECT_EQ(-EINVAL, kisol_child_wait(&none, 0, NULL));
	EXPECT_EQ(-EINVAL, kisol_child_exit_code(&none, 0));
	EXPECT_EQ(-EBADF, kisol_child_kill(&none, SIGKILL));
	EXPECT_EQ(-EBADF, kisol_child_kill(NULL, SIGKILL));
}

TEST(release_kills_and_is_idempotent)
{
	struct kisol_child c = KISOL_CHILD_INIT;
	_cleanup_close_ int watch = -EBADF;
	struct pollfd p;
	pid_t pid;

	ASSERT_EQ(0, kisol_spawn(NULL, block_forever, NULL, &c));
	pid = c.pid;
	watch = kisol_pidfd_open(pid);
	ASSERT_LE(0, watch);
	kisol_child_release(&c);
	EXPECT_EQ(-1, c.pid);
	EXPECT_GT(0, c.pidfd);
	EXPECT_GT(0, c.sock);
	kisol_child_release(&c);
	kisol_child_release(NULL);
	/* the process is gone (reaped): pidfd readable, signal gives ESRCH */
	p.fd = watch;
	p.events = POLLIN;
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(-ESRCH, kisol_pidfd_signal(watch, 0));
}

TEST(messages_roundtrip)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	char buf[64];

	ASSERT_EQ(0, kisol_spawn(NULL, echo_once, NULL, &c));
	ASSERT_EQ(0, kisol_send_str(c.sock, "hello kisol"));
	ASSERT_EQ(11, kisol_recv_str(c.sock, buf, sizeof(buf), KISOL_TIMEOUT_MS));
	EXPECT_STREQ("hello kisol", buf);
	EXPECT_EQ(0, kisol_child_exit_code(&c, KISOL_TIMEOUT_MS));
}

TEST(int_roundtrip_and_bad_size)
{
	int sv[2];
	int64_t v = 0;
	int32_t small = 5;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, kisol_send_int(sv[0], -123456789012LL));
	ASSERT_EQ(0, kisol_recv_int(sv[1], &v, 0));
	EXPECT_EQ(-123456789012LL, v);
	/* a message of the wrong size is not an int */
	ASSERT_EQ(0, kisol_send(sv[0], &small, sizeof(small)));
	v = 99;
	EXPECT_EQ(-EBADMSG, kisol_recv_int(sv[1], &v, 0));
	EXPECT_EQ(99, v);
	close(sv[0]);
	close(sv[1]);
}

TEST(recv_truncation_is_an_error)
{
	int sv[2];
	char buf[4];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, kisol_send_str(sv[0], "much too long"));
	EXPECT_EQ(-EMSGSIZE, kisol_recv(sv[1], buf, sizeof(buf), 0));
	ASSERT_EQ(0, kisol_send_str(sv[0], "toolong"));
	EXPECT_EQ(-EMSGSIZE, kisol_recv_str(sv[1], buf, sizeof(buf), 0));
	EXPECT_EQ(-EINVAL, kisol_recv_str(sv[1], buf, 0, 0));
	close(sv[0]);
	close(sv[1]);
}

TEST(recv_timeout)
{
	int sv[2];
	char buf[8];
	int64_t v;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	EXPECT_EQ(-ETIMEDOUT, kisol_recv(sv[1], buf, sizeof(buf), 0));
	EXPECT_EQ(-ETIMEDOUT, kisol_recv(sv[1], buf, sizeof(buf), 10));
	EXPECT_EQ(-ETIMEDOUT, kisol_recv_int(sv[1], &v, 10));
	EXPECT_EQ(-ETIMEDOUT, kisol_recv_str(sv[1], buf, sizeof(buf), 10));
	EXPECT_EQ(-ETIMEDOUT, kisol_recv_fd(sv[1], 10));
	close(sv[0]);
	close(sv[1]);
}

TEST(recv_peer_death_is_epipe)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	char buf[8];
	int64_t v;

	ASSERT_EQ(0, kisol_spawn(NULL, exit_with, (void *)0, &c));
	/* no message ever comes: the child exits and its end closes */
	EXPECT_EQ(-EPIPE, kisol_recv(c.sock, buf, sizeof(buf), KISOL_TIMEOUT_MS));
	EXPECT_EQ(-EPIPE, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(-EPIPE, kisol_recv_fd(c.sock, KISOL_TIMEOUT_MS));
	EXPECT_EQ(-EPIPE, kisol_send_int(c.sock, 1));
	EXPECT_EQ(0, kisol_child_exit_code(&c, KISOL_TIMEOUT_MS));
}

TEST(bad_fd_errors)
{
	_cleanup_close_ int file = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	char buf[8];
	int64_t v;

	EXPECT_EQ(-EBADF, kisol_send(-1, "x", 1));
	EXPECT_EQ(-EBADF, kisol_send_int(-1, 1));
	EXPECT_EQ(-EBADF, kisol_send_str(-1, "x"));
	EXPECT_EQ(-EBADF, kisol_send_fd(-1, 0));
	EXPECT_EQ(-EBADF, kisol_recv(-1, buf, sizeof(buf), -1));
	EXPECT_EQ(-EBADF, kisol_recv_int(-1, &v, -1));
	EXPECT_EQ(-EBADF, kisol_recv_str(-1, buf, sizeof(buf), -1));
	EXPECT_EQ(-EBADF, kisol_recv_fd(-1, -1));
	/* a closed but non-negative fd */
	EXPECT_EQ(-EBADF, kisol_recv(1000, buf, sizeof(buf), 0));
	EXPECT_EQ(-EBADF, kisol_send(1000, "x", 1));
	/* not a socket */
	ASSERT_LE(0, file);
	EXPECT_EQ(-ENOTSOCK, kisol_send(file, "x", 1));
	EXPECT_EQ(-EINVAL, kisol_send_str(file, NULL));
}

TEST(fd_passing)
{
	int sv[2];
	_cleanup_close_ int nsfd = kisol_ns_open(0, KISOL_NS_UTS);
	_cleanup_close_ int got = -EBADF;
	struct kisol_ns_id a, b;

	ASSERT_LE(0, nsfd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, kisol_send_fd(sv[0], nsfd));
	got = kisol_recv_fd(sv[1], 0);
	ASSERT_LE(0, got);
	EXPECT_NE(nsfd, got);
	ASSERT_EQ(0, kisol_ns_id_fd(nsfd, &a));
	ASSERT_EQ(0, kisol_ns_id_fd(got, &b));
	EXPECT_TRUE(kisol_ns_id_eq(&a, &b));
	EXPECT_EQ(FD_CLOEXEC, fcntl(got, F_GETFD) & FD_CLOEXEC);
	/* a message without SCM_RIGHTS is not an fd */
	ASSERT_EQ(0, kisol_send_int(sv[0], 1));
	EXPECT_EQ(-EBADMSG, kisol_recv_fd(sv[1], 0));
	EXPECT_EQ(-EBADF, kisol_send_fd(sv[0], -1));
	close(sv[0]);
	close(sv[1]);
}

/* ---- NSpid ---- */

static int nspid_child(int sock, void *arg)
{
	pid_t p[4], t[4];
	int n = kisol_proc_nspids(0, false, p, 4);
	int m = kisol_proc_nspids(0, true, t, 4);

	kisol_send_int(sock, n);
	kisol_send_int(sock, m);
	kisol_send_int(sock, n > 0 ? p[n - 1] : -1);
	kisol_send_int(sock, n > 0 ? p[0] : -1);
	return 0;
}

TEST(proc_nspids)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWPID, .cgroup_fd = -1 };
	pid_t p[64], one;
	int64_t v;
	int n;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_PID);
	n = kisol_proc_nspids(0, false, p, 64);
	ASSERT_LE(1, n);
	EXPECT_EQ(getpid(), p[n - 1]);
	EXPECT_EQ(n, kisol_proc_nspids(getpid(), true, p, 64));
	/* counting only, and truncation still counts everything */
	EXPECT_EQ(n, kisol_proc_nspids(0, false, NULL, 0));
	EXPECT_EQ(n, kisol_proc_nspids(0, false, &one, 1));
	EXPECT_EQ(-EINVAL, kisol_proc_nspids(-1, false, p, 64));
	EXPECT_EQ(-EINVAL, kisol_proc_nspids(0, false, NULL, 3));
	EXPECT_EQ(-ENOENT, kisol_proc_nspids(4194305 + 7, false, p, 64));
	/* one level more inside a new pid namespace: outer pid first, 1 last */
	ASSERT_EQ(0, kisol_spawn(&o, nspid_child, NULL, &c));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(n + 1, v);
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(n + 1, v);
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(c.pid, v);
}

/* ---- clone3 missing: kisol_clone falls back to clone(2) ---- */

/* In the calling process: clone3 gives ENOSYS from now on. */
static int filter_clone3(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = KISOL_ARRAY_SIZE(f), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0 ? -errno : 0;
}

static int fallback_body(int sock, void *arg)
{
	struct kisol_clone_opts o = { .flags = CLONE_NEWPID | CLONE_NEWUTS, .cgroup_fd = -1 };
	pid_t tid = 1;
	struct clone_args a = { .exit_signal = SIGCHLD };
	struct kisol_ns_id uts, child_uts;
	char why[128];
	int status, pidfd = -1;
	pid_t pid;

	if (filter_clone3() < 0 || kisol_ns_id(0, KISOL_NS_UTS, &uts) < 0)
		return 90;
	kisol_send_int(sock, kisol_clone3_raw(&a, sizeof(a)));
	kisol_send_int(sock, kisol_need_clone3(why, sizeof(why)));
	pid = kisol_clone(&o, &pidfd);
	if (pid == 0) {
		/* pid 1 of a new pid namespace, in a UTS namespace that is not ours */
		if (kisol_ns_id(0, KISOL_NS_UTS, &child_uts) < 0)
			_exit(2);
		_exit(getpid() == 1 && !kisol_ns_id_eq(&uts, &child_uts) ? 0 : 1);
	}
	kisol_send_int(sock, pid > 0 ? 0 : pid);
	kisol_send_int(sock, pidfd >= 0);
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		kisol_send_int(sock, WEXITSTATUS(status));
	else
		kisol_send_int(sock, -1);
	/* what only clone3 can do is refused cleanly */
	o.set_tid = &tid;
	o.set_tid_size = 1;
	kisol_send_int(sock, kisol_clone(&o, NULL));
	o.set_tid_size = 0;
	o.cgroup_fd = 0;
	kisol_send_int(sock, kisol_clone(&o, NULL));
	return 0;
}

TEST(clone_falls_back_without_clone3)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	int64_t v;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_PID);
	ASSERT_EQ(0, kisol_spawn(NULL, fallback_body, NULL, &c));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS))
		TH_LOG("child exit %d", kisol_child_exit_code(&c, 1000));
	EXPECT_EQ(-ENOSYS, v); /* the filter works */
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(1, v);       /* and the need reports it */
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, v);       /* fallback clone(2) with namespaces */
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(1, v);       /* with a pidfd (CLONE_PIDFD) */
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, v);       /* the child was pid 1 of its namespace, in a new UTS one */
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(-ENOSYS, v); /* set_tid */
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(-ENOSYS, v); /* CLONE_INTO_CGROUP */
}

/* kisol_pidfd_get_ns: argument errors before and from the kernel. */
TEST(pidfd_get_ns_bad_arguments)
{
	EXPECT_EQ(-EINVAL, kisol_pidfd_get_ns(0, KISOL_NS_UTS, true));
	EXPECT_EQ(-EINVAL, kisol_pidfd_get_ns(0, _KISOL_NS_MAX, false));
	EXPECT_EQ(-EINVAL, kisol_pidfd_get_ns(0, _KISOL_NS_INVALID, false));
	EXPECT_EQ(-EBADF, kisol_pidfd_get_ns(-1, KISOL_NS_UTS, false));
}

KISOL_MAIN
