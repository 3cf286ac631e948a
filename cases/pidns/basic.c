// SPDX-License-Identifier: GPL-2.0-only
/*
 * PID namespace basics, each from inside and outside, as root, as root in
 * a user namespace, and as an unprivileged user in its own user namespace:
 * init is 1 with getppid()==0, session and group ids, a private /proc,
 * outside pids invisible (ESRCH), si_pid 0 for signals from outside, init
 * immune to fatal signals from inside but killable from the parent (which
 * kills all inside), orphan reparenting, subreapers, NSpid, pidfds and
 * SCM_CREDENTIALS translation.
 */
#include <dirent.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "kisol_test.h"

FIXTURE(pidns) {
	struct kisol_child child;
	pid_t init; /* the namespace init's pid as seen here */
	int init_pidfd;
};

FIXTURE_VARIANT(pidns) {
	bool userns; /* new user namespace as well, root mapped */
	bool unpriv; /* created by an unprivileged user */
};

FIXTURE_VARIANT_ADD(pidns, root) { };
FIXTURE_VARIANT_ADD(pidns, in_userns) { .userns = true };
FIXTURE_VARIANT_ADD(pidns, unpriv) { .userns = true, .unpriv = true };

FIXTURE_SETUP(pidns)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	self->init = -1;
	self->init_pidfd = -EBADF;
	/* root's variant, for an ordinary user: as root of a user namespace of its own */
	if (!variant->userns)
		NEED_ROOT_OR_OWN_USERNS(KISOL_NS_PID);
	NEED_NS_VIA(KISOL_NS_PID, variant->userns);
	if (variant->unpriv)
		NEED_USERNS_UNPRIV(KISOL_NS_PID);
}

FIXTURE_TEARDOWN(pidns)
{
	if (self->init_pidfd >= 0) {
		kisol_pidfd_signal(self->init_pidfd, SIGKILL);
		close(self->init_pidfd);
	}
	kisol_child_release(&self->child);
}

/* Child side: first message is our pid as seen by the caller's /proc. */
static int hello(int sock)
{
	pid_t pids[40];
	int n = kisol_proc_nspids(0, false, pids, 40);

	if (n < 2)
		return -1;
	return kisol_send_int(sock, pids[0]);
}

typedef int (*body_fn)(int sock);

/* The init stays until the test sends a last go (or goes away). */
static int run_body(int sock, void *arg)
{
	int r;

	if (hello(sock) < 0)
		return 90;
	r = ((body_fn)arg)(sock);
	kisol_wait_go(sock);
	return r;
}

static void start(struct __test_metadata *_metadata, FIXTURE_DATA(pidns) *self,
		  const FIXTURE_VARIANT(pidns) *variant, body_fn fn)
{
	struct kisol_spawn_opts o = {
		.flags = CLONE_NEWPID | (variant->userns ? CLONE_NEWUSER : 0),
		.cgroup_fd = -1, .map_root = variant->userns, .unpriv = variant->unpriv,
	};
	int64_t init;

	ASSERT_EQ(0, kisol_spawn(&o, run_body, (void *)fn, &self->child));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &init, KISOL_TIMEOUT_MS))
		TH_LOG("child exit %d", kisol_child_exit_code(&self->child, 1000));
	self->init = (pid_t)init;
	self->init_pidfd = kisol_pidfd_open(self->init);
	ASSERT_LE(0, self->init_pidfd);
}

/* ---- init is 1, parent invisible ---- */

static int b_ids(int sock)
{
	KISOL_TX(getpid());
	KISOL_TX(getppid());
	return 0;
}

TEST_F(pidns, init_is_pid_1_parent_0)
{
	pid_t pids[40];
	int n;

	start(_metadata, self, variant, b_ids);
	EXPECT_EQ(1, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	/* outside: an ordinary pid whose innermost NSpid is 1 */
	EXPECT_LT(1, self->init);
	n = kisol_proc_nspids(self->init, false, pids, 40);
	ASSERT_LE(2, n);
	EXPECT_EQ(self->init, pids[0]);
	EXPECT_EQ(1, pids[n - 1]);
}
KISOL_META(pidns, init_is_pid_1_parent_0, "sides=both")

/* ---- sessions and process groups ---- */

static int b_sid(int sock)
{
	KISOL_TX(getsid(0));
	KISOL_TX(getpgid(0));
	if (setsid() < 0)
		return 92;
	KISOL_TX(getsid(0));
	KISOL_TX(getpgid(0));
	return 0;
}

TEST_F(pidns, sid_pgid_translated)
{
	start(_metadata, self, variant, b_sid);
	/* inherited session and group lie outside: shown as 0 */
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	/* a new session inside is led by pid 1 */
	EXPECT_EQ(1, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(1, kisol_rx(_metadata, self->child.sock));
	/* outside it is the outer pid */
	EXPECT_EQ(self->init, getsid(self->init));
	EXPECT_EQ(self->init, getpgid(self->init));
	EXPECT_NE(getsid(0), getsid(self->init));
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
}
KISOL_META(pidns, sid_pgid_translated, "sides=both")

/* ---- /proc mounted inside ---- */

static int count_pids(const char *dir, char *list, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	list[0] = '\0';
	while ((e = readdir(d))) {
		char *end;

		strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name)
			continue;
		n++;
		if (strlen(list) + strlen(e->d_name) + 2 < size) {
			strcat(list, e->d_name);
			strcat(list, " ");
		}
	}
	closedir(d);
	return n;
}

static int b_proc(int sock)
{
	char list[256], self_link[32];
	ssize_t l;
	int pfd[2];
	pid_t kid;
	int n;

	/* a new mount namespace that shares no mount: the proc mount stays in it */
	if (kisol_mnt_isolate() < 0)
		return 94;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		KISOL_TX(-errno);
		return 0;
	}
	KISOL_TX(0);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return 96;
	kid = fork();
	if (kid == 0) {
		char c;

		close(pfd[1]);
		read(pfd[0], &c, 1); /* until init closes the pipe */
		_exit(0);
	}
	close(pfd[0]);
	n = count_pids("/proc", list, sizeof(list));
	l = readlink("/proc/self", self_link, sizeof(self_link) - 1);
	self_link[l > 0 ? l : 0] = '\0';
	KISOL_TX(n);
	KISOL_TX(kid);
	KISOL_TX(atoi(self_link));
	close(pfd[1]);
	waitpid(kid, NULL, 0);
	return kisol_send_str(sock, list) < 0 ? 97 : 0;
}

TEST_F(pidns, proc_mounted_inside_lists_only_members)
{
	char list[256], outer[4096];
	int64_t r;

	start(_metadata, self, variant, b_proc);
	r = kisol_rx(_metadata, self->child.sock);
	if (r == -EPERM && variant->unpriv)
		SKIP(return, "mounting proc in an unprivileged user namespace refused (EPERM): "
		     "a /proc submount hides part of procfs in this mount namespace");
	ASSERT_EQ(0, r) TH_LOG("mount proc inside: %s", strerror((int)-r));
	EXPECT_EQ(2, kisol_rx(_metadata, self->child.sock)); /* init and its child */
	EXPECT_EQ(2, kisol_rx(_metadata, self->child.sock)); /* the child is pid 2 */
	EXPECT_EQ(1, kisol_rx(_metadata, self->child.sock)); /* /proc/self -> 1 */
	ASSERT_LT(0, kisol_recv_str(self->child.sock, list, sizeof(list), KISOL_TIMEOUT_MS));
	EXPECT_TRUE(!strcmp(list, "1 2 ") || !strcmp(list, "2 1 ")) TH_LOG("inside /proc: %s", list);
	/* outside: our /proc is untouched and still shows us and the init */
	snprintf(outer, sizeof(outer), "/proc/%d", getpid());
	EXPECT_EQ(0, access(outer, F_OK));
	snprintf(outer, sizeof(outer), "/proc/%d/status", self->init);
	EXPECT_LT(2, count_pids("/proc", outer, sizeof(outer)));
}
KISOL_META(pidns, proc_mounted_inside_lists_only_members, "sides=both")

/* ---- outside pids do not exist inside ---- */

static int b_esrch(int sock)
{
	int64_t pid;

	if (kisol_recv_int(sock, &pid, KISOL_TIMEOUT_MS) < 0)
		return 92;
	KISOL_TX(kill((pid_t)pid, 0) < 0 ? errno : 0);
	KISOL_TX(getpgid((pid_t)pid) < 0 ? errno : 0);
	KISOL_TX(getsid((pid_t)pid) < 0 ? errno : 0);
	KISOL_TX(kisol_pidfd_open((pid_t)pid));
	return 0;
}

TEST_F(pidns, outside_pid_is_esrch_inside)
{
	start(_metadata, self, variant, b_esrch);
	ASSERT_EQ(0, kisol_send_int(self->child.sock, getpid()));
	EXPECT_EQ(ESRCH, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(ESRCH, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(ESRCH, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(-ESRCH, kisol_rx(_metadata, self->child.sock));
	/* the other way round works: the inside is visible from here */
	EXPECT_EQ(0, kill(self->init, 0));
	EXPECT_EQ(0, kisol_pidfd_signal(self->init_pidfd, 0));
}
KISOL_META(pidns, outside_pid_is_esrch_inside, "sides=both")

/* ---- signal sender pids ---- */

static int b_sigwait(int sock)
{
	sigset_t set;
	siginfo_t si;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return 92;
	KISOL_TX(0); /* ready */
	if (sigwaitinfo(&set, &si) < 0)
		return 93;
	KISOL_TX(si.si_pid);
	KISOL_TX(si.si_code);
	return 0;
}

TEST_F(pidns, signal_from_outside_has_si_pid_0)
{
	start(_metadata, self, variant, b_sigwait);
	ASSERT_EQ(0, kisol_rx(_metadata, self->child.sock));
	ASSERT_EQ(0, kill(self->init, SIGUSR1));
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(SI_USER, kisol_rx(_metadata, self->child.sock));
}
KISOL_META(pidns, signal_from_outside_has_si_pid_0, "sides=one: the sender's pid as the receiver inside sees it, outside there is only the kill (the reverse translation is scm_credentials_pid_translated)")

static int b_sig_inside(int sock)
{
	sigset_t set;
	siginfo_t si;
	pid_t kid;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return 92;
	kid = fork();
	if (kid == 0)
		_exit(kill(1, SIGUSR1) < 0 ? 1 : 0);
	if (sigwaitinfo(&set, &si) < 0)
		return 93;
	KISOL_TX(si.si_pid);
	KISOL_TX(kid);
	waitpid(kid, NULL, 0);
	return 0;
}

TEST_F(pidns, signal_from_inside_has_inner_si_pid)
{
	int64_t sender, kid;

	start(_metadata, self, variant, b_sig_inside);
	sender = kisol_rx(_metadata, self->child.sock);
	kid = kisol_rx(_metadata, self->child.sock);
	EXPECT_EQ(kid, sender);
	EXPECT_EQ(2, sender);
}
KISOL_META(pidns, signal_from_inside_has_inner_si_pid, "sides=one: sender and receiver are both inside, the outside plays no part")

/* ---- init and fatal signals ---- */

static int b_immune(int sock)
{
	int sigs[] = { SIGKILL, SIGTERM, SIGINT, SIGHUP };
	int status;
	pid_t kid;

	kid = fork();
	if (kid == 0) {
		for (size_t i = 0; i < KISOL_ARRAY_SIZE(sigs); i++)
			if (kill(1, sigs[i]) < 0)
				_exit(10 + i);
		_exit(0);
	}
	if (waitpid(kid, &status, 0) != kid)
		return 92;
	KISOL_TX(WIFEXITED(status) ? WEXITSTATUS(status) : 100);
	/* still alive after all that */
	KISOL_TX(kill(1, SIGKILL) < 0 ? errno : 0);
	KISOL_TX(12345);
	return 0;
}

TEST_F(pidns, init_ignores_fatal_signals_from_inside)
{
	start(_metadata, self, variant, b_immune);
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock)); /* kill() itself succeeded */
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock)); /* even from itself */
	EXPECT_EQ(12345, kisol_rx(_metadata, self->child.sock));
	/* outside: the init is still running */
	EXPECT_EQ(0, kisol_pidfd_signal(self->init_pidfd, 0));
	EXPECT_EQ(-ETIMEDOUT, kisol_child_wait(&self->child, 0, NULL));
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
}
KISOL_META(pidns, init_ignores_fatal_signals_from_inside, "sides=both")

static int b_tree(int sock)
{
	for (int i = 0; i < 3; i++) {
		pid_t kid = fork();

		if (kid < 0)
			return 92;
		if (kid == 0) {
			if (hello(sock) < 0)
				_exit(1);
			pause();
			_exit(0);
		}
	}
	return 0;
}

TEST_F(pidns, sigkill_init_from_parent_kills_all)
{
	int fds[3];
	pid_t pids[40];
	struct pollfd p[4];

	start(_metadata, self, variant, b_tree);
	for (int i = 0; i < 3; i++) {
		pid_t pid = (pid_t)kisol_rx(_metadata, self->child.sock);
		int n = kisol_proc_nspids(pid, false, pids, 40);

		ASSERT_LE(2, n);
		EXPECT_LE(2, pids[n - 1]); /* members, not init */
		fds[i] = kisol_pidfd_open(pid);
		ASSERT_LE(0, fds[i]);
		EXPECT_EQ(0, kisol_pidfd_signal(fds[i], 0));
	}
	/* a fatal signal from the parent namespace is not ignored */
	ASSERT_EQ(0, kisol_pidfd_signal(self->init_pidfd, SIGKILL));
	for (int i = 0; i < 3; i++) {
		p[i].fd = fds[i];
		p[i].events = POLLIN;
	}
	p[3].fd = self->init_pidfd;
	p[3].events = POLLIN;
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(1, poll(&p[i], 1, KISOL_TIMEOUT_MS)) TH_LOG("process %d survived its init", i);
	}
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}
KISOL_META(pidns, sigkill_init_from_parent_kills_all, "sides=both")

/* ---- orphans and subreapers ---- */

/* A forks B and exits; B reports its parent (inside) and its outer pid. */
static int orphan_pair(int sock)
{
	int pfd[2];
	pid_t a;

	if (pipe(pfd) < 0)
		return 80;
	a = fork();
	if (a == 0) {
		pid_t b = fork();
		char c;

		if (b == 0) {
			int pf = kisol_pidfd_open(getppid());
			struct pollfd p = { .fd = pf, .events = POLLIN };

			if (pf < 0)
				_exit(1);
			write(pfd[1], "x", 1); /* let A exit */
			poll(&p, 1, KISOL_TIMEOUT_MS);
			if (hello(sock) < 0)
				_exit(2);
			kisol_send_int(sock, getppid());
			pause(); /* until the namespace goes */
			_exit(0);
		}
		read(pfd[0], &c, 1);
		_exit(0);
	}
	waitpid(a, NULL, 0);
	return 0;
}

static int b_orphan(int sock)
{
	if (orphan_pair(sock))
		return 92;
	return 0;
}

static pid_t status_ppid(pid_t pid)
{
	char path[64], buf[4096];
	int64_t v = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (kisol_read_file(path, buf, sizeof(buf)) < 0 || kisol_keyed_int64(buf, "PPid", &v) < 0)
		return -1;
	return (pid_t)v;
}

TEST_F(pidns, orphan_reparents_to_ns_init)
{
	pid_t b;

	start(_metadata, self, variant, b_orphan);
	b = (pid_t)kisol_rx(_metadata, self->child.sock);
	EXPECT_EQ(1, kisol_rx(_metadata, self->child.sock)); /* inside: init */
	EXPECT_EQ(self->init, status_ppid(b)); /* outside: the same process */
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
}
KISOL_META(pidns, orphan_reparents_to_ns_init, "sides=both")

static int b_subreaper(int sock)
{
	pid_t s = fork();

	if (s == 0) {
		if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
			_exit(1);
		if (hello(sock) < 0)
			_exit(2);
		kisol_send_int(sock, getpid());
		if (orphan_pair(sock))
			_exit(3);
		pause();
		_exit(0);
	}
	return 0;
}

TEST_F(pidns, subreaper_inside_adopts_orphans)
{
	pid_t s_outer, b;
	int64_t s_inner;

	start(_metadata, self, variant, b_subreaper);
	s_outer = (pid_t)kisol_rx(_metadata, self->child.sock);
	s_inner = kisol_rx(_metadata, self->child.sock);
	EXPECT_EQ(2, s_inner);
	b = (pid_t)kisol_rx(_metadata, self->child.sock);
	EXPECT_EQ(s_inner, kisol_rx(_metadata, self->child.sock)); /* not 1 */
	EXPECT_EQ(s_outer, status_ppid(b));
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
}
KISOL_META(pidns, subreaper_inside_adopts_orphans, "sides=both")

/* ---- NSpid / NStgid ---- */

static int b_nspid(int sock)
{
	pid_t kid = fork();

	if (kid == 0) {
		pid_t p[40], t[40];
		int n = kisol_proc_nspids(0, false, p, 40);
		int m = kisol_proc_nspids(0, true, t, 40);

		kisol_send_int(sock, n);
		kisol_send_int(sock, m);
		for (int i = 0; i < n && i < 40; i++)
			kisol_send_int(sock, p[i] == t[i] ? p[i] : -1);
		kisol_send_int(sock, getpid());
		pause();
		_exit(0);
	}
	return 0;
}

TEST_F(pidns, nspid_lists_every_level)
{
	pid_t mine[40], outer[40];
	int64_t n, in[40], own;
	int me = kisol_proc_nspids(0, false, mine, 40), m;

	ASSERT_LE(1, me);
	start(_metadata, self, variant, b_nspid);
	n = kisol_rx(_metadata, self->child.sock);
	EXPECT_EQ(n, kisol_rx(_metadata, self->child.sock)); /* NStgid as long */
	ASSERT_EQ(me + 1, n); /* one level more than us */
	for (int i = 0; i < n; i++)
		in[i] = kisol_rx(_metadata, self->child.sock);
	own = kisol_rx(_metadata, self->child.sock);
	EXPECT_EQ(own, in[n - 1]); /* innermost is getpid() inside */
	EXPECT_EQ(2, own);
	/* outside view of the same process */
	m = kisol_proc_nspids((pid_t)in[0], false, outer, 40);
	ASSERT_EQ(n, m);
	for (int i = 0; i < m; i++)
		EXPECT_EQ(in[i], outer[i]);
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
}
KISOL_META(pidns, nspid_lists_every_level, "sides=both")

/* ---- pidfds across the boundary ---- */

static int b_pidfd(int sock)
{
	int fd = kisol_recv_fd(sock, KISOL_TIMEOUT_MS);
	int own;

	if (fd < 0)
		return 92;
	/* the sender of the pidfd lives outside: not reachable from here */
	KISOL_TX(kisol_pidfd_signal(fd, 0));
	own = kisol_pidfd_open(getpid());
	KISOL_TX(own < 0 ? own : kisol_pidfd_signal(own, 0));
	return 0;
}

TEST_F(pidns, pidfd_of_outside_process_refused_inside)
{
	_cleanup_close_ int mine = kisol_pidfd_open(getpid());

	ASSERT_LE(0, mine);
	start(_metadata, self, variant, b_pidfd);
	ASSERT_EQ(0, kisol_send_fd(self->child.sock, mine));
	EXPECT_EQ(-EINVAL, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	/* outside in: allowed */
	EXPECT_EQ(0, kisol_pidfd_signal(self->init_pidfd, 0));
}
KISOL_META(pidns, pidfd_of_outside_process_refused_inside, "sides=both")

/* ---- SCM_CREDENTIALS ---- */

static int recv_creds(int sock, struct ucred *uc)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	struct pollfd p = { .fd = sock, .events = POLLIN };

	if (poll(&p, 1, KISOL_TIMEOUT_MS) != 1)
		return -ETIMEDOUT;
	if (recvmsg(sock, &m, 0) != 1)
		return -EIO;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			memcpy(uc, CMSG_DATA(c), sizeof(*uc));
			return 0;
		}
	return -ENOMSG;
}

static int b_creds(int sock)
{
	int on = 1;
	struct ucred uc;
	int64_t go;
	int tx;

	if (setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0)
		return 92;
	KISOL_TX(0); /* ready: this message carries our credentials */
	if (kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS) < 0)
		return 93;
	/* the next message from the parent: read its credentials */
	if (recv_creds(sock, &uc) < 0)
		return 94;
	on = 0;
	setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	tx = kisol_send_int(sock, uc.pid);
	tx |= kisol_send_int(sock, uc.uid);
	return tx ? 95 : 0;
}

TEST_F(pidns, scm_credentials_pid_translated)
{
	int on = 1;
	struct ucred uc;
	uid_t overflow;

	ASSERT_EQ(0, kisol_userns_overflow_uid(&overflow));
	start(_metadata, self, variant, b_creds);
	ASSERT_EQ(0, setsockopt(self->child.sock, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)));
	/* inside -> outside: pid 1 arrives as the outer pid */
	ASSERT_EQ(0, recv_creds(self->child.sock, &uc));
	EXPECT_EQ(self->init, uc.pid);
	EXPECT_EQ(variant->unpriv ? kisol_unpriv_uid() : geteuid(), uc.uid); /* root inside: its creator */
	on = 0;
	ASSERT_EQ(0, setsockopt(self->child.sock, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)));
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
	ASSERT_EQ(0, kisol_send(self->child.sock, "c", 1));
	/* outside -> inside: our pid does not exist there, it reads 0 */
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	/* and our uid as mapped there: unmapped (overflow) unless we are its creator */
	EXPECT_EQ(variant->unpriv && geteuid() != kisol_unpriv_uid() ? (int64_t)overflow : 0,
		  kisol_rx(_metadata, self->child.sock));
}
KISOL_META(pidns, scm_credentials_pid_translated, "sides=both")

/* ---- kill(-1) stays inside ---- */

#define KILL_UID 61301 /* used by this case only: nothing else runs as it */

static int k_helper(int sock, void *arg)
{
	int64_t go;

	kisol_send_int(sock, 1);
	kisol_recv_int(sock, &go, -1);
	return 0;
}

static int k_init(int sock, void *arg)
{
	int status;
	pid_t victim = fork();

	if (victim == 0) {
		pause();
		_exit(0);
	}
	KISOL_TX(kill(-1, SIGUSR1) < 0 ? errno : 0);
	if (waitpid(victim, &status, 0) != victim)
		return 92;
	KISOL_TX(WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return 0;
}

/*
 * Run as an ordinary user (its own uid), so that even without isolation
 * the broadcast could reach nothing but this case's own processes.
 */
TEST(kill_minus_one_confined_to_namespace)
{
	_cleanup_child_ struct kisol_child helper = KISOL_CHILD_INIT;
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts ho = { .cgroup_fd = -1, .unpriv = true, .unpriv_uid = KILL_UID,
				       .unpriv_gid = KILL_UID };
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER | CLONE_NEWPID, .cgroup_fd = -1,
				      .map_root = true, .unpriv = true, .unpriv_uid = KILL_UID,
				      .unpriv_gid = KILL_UID };
	int64_t v;

	NEED_USERNS_UNPRIV(KISOL_NS_PID);
	NEED_ROOT_TO("run the helpers as a uid of their own");
	/* a process of the same user outside the namespace */
	ASSERT_EQ(0, kisol_spawn(&ho, k_helper, NULL, &helper));
	ASSERT_EQ(0, kisol_recv_int(helper.sock, &v, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_spawn(&o, k_init, NULL, &c));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(SIGUSR1, v); /* inside: the sibling got it */
	/* outside: neither the helper nor the namespace's parent process */
	EXPECT_EQ(0, kisol_child_exit_code(&c, KISOL_TIMEOUT_MS));
	EXPECT_EQ(-ETIMEDOUT, kisol_child_wait(&helper, 0, NULL));
	EXPECT_EQ(0, kisol_child_kill(&helper, 0));
}
KISOL_META(global, kill_minus_one_confined_to_namespace, "sides=both")

KISOL_MAIN
