// SPDX-License-Identifier: GPL-2.0-only
/*
 * Invalid flag combinations and their errnos, for clone3(2), clone(2) and
 * unshare(2), including the unshare errno matrix: what an unprivileged
 * caller gets for each namespace type with and without CLONE_NEWUSER, and
 * the multithreaded and chrooted cases. Every attempt runs in a throwaway
 * child. A refused call must leave its namespaces as they were; a call
 * that succeeds must have made exactly the namespaces asked for, each
 * different from the caller's, as seen from inside the process that got
 * them (the clone child reports its own ids, an unshare caller its new
 * ones, pid and time through <type>_for_children).
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/sched.h>

#include "kisol_test.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

enum method { CLONE3, CLONE, UNSHARE };

enum ctx {
	AS_ROOT,
	UNPRIV,     /* dropped to an ordinary uid first */
	THREADED,   /* a second thread is running */
	CHROOTED,   /* chroot() into a scratch directory first */
	PIDNS_INIT, /* the caller is the init of a new pid namespace */
};

struct spec {
	uint64_t flags;
	enum method how;
	enum ctx ctx;
	int err; /* expected errno, 0: must succeed */
	bool no_exit_signal; /* clone3 with exit_signal 0 */
};

struct fix {
	struct kisol_child child;
	char dir[PATH_MAX];
};

FIXTURE(bad) { struct fix f; };
FIXTURE_VARIANT(bad) { struct spec s; };

#define V(n, f, h, c, e) \
	FIXTURE_VARIANT_ADD(bad, n) { .s = { .flags = f, .how = h, .ctx = c, .err = e } };

/* creation flags that clone/clone3 refuse together */
/* exit_signal 0: else clone3 refuses CLONE_THREAD for the exit signal alone */
FIXTURE_VARIANT_ADD(bad, clone3_newpid_thread) {
	.s = { .flags = CLONE_NEWPID | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, .how = CLONE3,
	       .ctx = AS_ROOT, .err = EINVAL, .no_exit_signal = true } };
FIXTURE_VARIANT_ADD(bad, clone3_newuser_thread) {
	.s = { .flags = CLONE_NEWUSER | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, .how = CLONE3,
	       .ctx = AS_ROOT, .err = EINVAL, .no_exit_signal = true } };
V(clone3_newns_fs, CLONE_NEWNS | CLONE_FS, CLONE3, AS_ROOT, EINVAL)
/* clone3 refuses an exit signal with CLONE_PARENT (the parent's parent would get it) */
V(clone3_parent_with_exit_signal, CLONE_PARENT, CLONE3, AS_ROOT, EINVAL)
/* controls: the same from an ordinary process is allowed */
FIXTURE_VARIANT_ADD(bad, clone3_parent_no_exit_signal) { .s = { .flags = CLONE_PARENT, .how = CLONE3,
							 .ctx = AS_ROOT, .no_exit_signal = true } };
V(clone_parent, CLONE_PARENT, CLONE, AS_ROOT, 0)
/* a namespace init may not create siblings (they would have no reaper) */
V(init_clone_parent, CLONE_PARENT, CLONE, PIDNS_INIT, EINVAL)
FIXTURE_VARIANT_ADD(bad, init_clone3_parent) { .s = { .flags = CLONE_PARENT, .how = CLONE3,
					       .ctx = PIDNS_INIT, .err = EINVAL,
					       .no_exit_signal = true } };
V(clone3_thread_without_sighand, CLONE_THREAD, CLONE3, AS_ROOT, EINVAL)
V(clone3_sighand_without_vm, CLONE_SIGHAND, CLONE3, AS_ROOT, EINVAL)
V(clone3_unknown_flag, 1ULL << 40, CLONE3, AS_ROOT, EINVAL)
V(clone_newpid_thread, CLONE_NEWPID | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, CLONE, AS_ROOT, EINVAL)
V(clone_newuser_thread, CLONE_NEWUSER | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, CLONE, AS_ROOT, EINVAL)
V(clone_newns_fs, CLONE_NEWNS | CLONE_FS, CLONE, AS_ROOT, EINVAL)
V(clone_pidfd_parent_settid, CLONE_PIDFD | CLONE_PARENT_SETTID, CLONE, AS_ROOT, EINVAL)
/* unshare: flags it does not know, and thread-related ones */
V(unshare_parent, CLONE_PARENT, UNSHARE, AS_ROOT, EINVAL)
V(unshare_ptrace, CLONE_PTRACE, UNSHARE, AS_ROOT, EINVAL)
V(unshare_newuser_threaded, CLONE_NEWUSER, UNSHARE, THREADED, EINVAL)
V(unshare_vm_threaded, CLONE_VM, UNSHARE, THREADED, EINVAL)
V(unshare_sighand_threaded, CLONE_SIGHAND, UNSHARE, THREADED, EINVAL)
V(unshare_thread_threaded, CLONE_THREAD, UNSHARE, THREADED, EINVAL)
V(unshare_newns_threaded, CLONE_NEWNS, UNSHARE, THREADED, 0)
V(unshare_newuts_threaded, CLONE_NEWUTS, UNSHARE, THREADED, 0)
V(unshare_newpid_threaded, CLONE_NEWPID, UNSHARE, THREADED, 0)
/* the unprivileged matrix: each type alone is EPERM, with a user ns fine */
#define UNPRIV_TYPE(n, f)                                                          \
	V(unpriv_unshare_##n, f, UNSHARE, UNPRIV, EPERM)                           \
	V(unpriv_clone3_##n, f, CLONE3, UNPRIV, EPERM)                             \
	V(unpriv_unshare_user_##n, CLONE_NEWUSER | f, UNSHARE, UNPRIV, 0)          \
	V(unpriv_clone3_user_##n, CLONE_NEWUSER | f, CLONE3, UNPRIV, 0)
UNPRIV_TYPE(mnt, CLONE_NEWNS)
UNPRIV_TYPE(uts, CLONE_NEWUTS)
UNPRIV_TYPE(ipc, CLONE_NEWIPC)
UNPRIV_TYPE(pid, CLONE_NEWPID)
UNPRIV_TYPE(net, CLONE_NEWNET)
UNPRIV_TYPE(cgroup, CLONE_NEWCGROUP)
UNPRIV_TYPE(time, CLONE_NEWTIME)
V(unpriv_unshare_user, CLONE_NEWUSER, UNSHARE, UNPRIV, 0)
V(unpriv_clone3_user, CLONE_NEWUSER, CLONE3, UNPRIV, 0)

static void fix_setup(struct __test_metadata *_metadata, struct fix *self, const struct spec *v)
{
	struct kisol_child init = KISOL_CHILD_INIT;
	int type = kisol_ns_from_flag(v->flags & ~(uint64_t)CLONE_NEWUSER);

	self->child = init;
	self->dir[0] = '\0';
	if (v->how == CLONE3)
		NEED_CLONE3();
	if (v->ctx == UNPRIV && !v->err)
		NEED_USERNS_UNPRIV(type >= 0 ? type : -1);
	/*
	 * Root's contexts, for an ordinary user: as root of a user namespace
	 * of its own (namespaces without a further user namespace, the init
	 * of a pid namespace, chroot: what that root may do there)
	 */
	if (v->ctx != UNPRIV && !kisol_is_root()) {
		uint64_t ns = v->flags & kisol_ns_all_flags() & ~(uint64_t)CLONE_NEWUSER;
		int first = v->ctx == PIDNS_INIT ? KISOL_NS_PID : KISOL_NS_USER;

		if (v->ctx == PIDNS_INIT)
			NEED_NS_IN_USERNS(KISOL_NS_PID);
		for (int t = 0; t < _KISOL_NS_MAX; t++)
			if (ns & kisol_ns_table[t].flag) {
				NEED_NS_IN_USERNS(t);
				first = t;
			}
		if (ns || v->ctx == PIDNS_INIT || v->ctx == CHROOTED)
			NEED_ROOT_OR_OWN_USERNS(first);
	}
	if (v->ctx == CHROOTED)
		ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "chroot", self->dir, sizeof(self->dir)));
}

static void fix_teardown(struct __test_metadata *_metadata, struct fix *self)
{
	kisol_child_release(&self->child);
	if (self->dir[0])
		EXPECT_EQ(0, rmdir(self->dir));
}

FIXTURE_SETUP(bad) { fix_setup(_metadata, &self->f, &variant->s); }
FIXTURE_TEARDOWN(bad) { fix_teardown(_metadata, &self->f); }

static void *idle(void *arg)
{
	int *fd = arg;
	char c;

	read(*fd, &c, 1);
	return NULL;
}

/*
 * The namespaces new processes get: <type>_for_children where the type has
 * one (the caller's own pid and time namespaces never change), else the
 * caller's own. nsdir: an open /proc/PID/ns directory (it still works
 * after a chroot).
 */
static int view(int nsdir, struct kisol_ns_id ids[_KISOL_NS_MAX])
{
	for (int t = 0; t < _KISOL_NS_MAX; t++) {
		const char *n = kisol_ns_table[t].children_name ?: kisol_ns_table[t].name;
		_cleanup_close_ int fd = openat(nsdir, n, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || kisol_ns_id_fd(fd, &ids[t]) < 0)
			return -1;
	}
	return 0;
}

/*
 * Bit t set when type t is not as asked: a type in want that is still the
 * caller's, or any other type that changed. -1 when a view failed.
 */
static int64_t not_as_asked(int nsdir, const struct kisol_ns_id before[_KISOL_NS_MAX],
			    uint64_t want)
{
	struct kisol_ns_id after[_KISOL_NS_MAX];
	int64_t bad = 0;

	if (view(nsdir, after) < 0)
		return -1;
	for (int t = 0; t < _KISOL_NS_MAX; t++)
		if (kisol_ns_id_eq(&before[t], &after[t]) == !!(want & kisol_ns_table[t].flag))
			bad |= 1LL << t;
	return bad;
}

struct job {
	const struct spec *v;
	const char *dir;
};

/*
 * A new process (the clone child, or a child forked after unshare, which
 * is the init of a new pid namespace): report from inside which
 * namespaces it is in, then exit.
 */
static void child_reports(int fd, const struct kisol_ns_id before[_KISOL_NS_MAX], uint64_t want)
{
	int nsdir = open("/proc/self/ns", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int64_t bad = nsdir < 0 ? -1 : not_as_asked(nsdir, before, want);

	_exit(write(fd, &bad, sizeof(bad)) == sizeof(bad) ? 0 : 1);
}

static int attempt(int sock, void *arg)
{
	const struct job *j = arg;
	const struct spec *v = j->v;
	uint64_t want = v->flags & kisol_ns_all_flags();
	struct kisol_ns_id before[_KISOL_NS_MAX];
	int pfd[2] = { -1, -1 }, rep[2] = { -1, -1 }, err = 0;
	_cleanup_close_ int nsdir = open("/proc/self/ns", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int64_t bad = -2; /* no report from a child */
	pthread_t th;
	pid_t pid = 0;

	if (nsdir < 0 || view(nsdir, before) < 0 || pipe2(rep, O_CLOEXEC) < 0)
		return 90;
	if (v->ctx == UNPRIV && kisol_become_unpriv() < 0)
		return 91;
	if (v->ctx == THREADED && (pipe(pfd) < 0 || pthread_create(&th, NULL, idle, &pfd[0])))
		return 92;
	if (v->ctx == CHROOTED && (chroot(j->dir) < 0 || chdir("/") < 0))
		return 93;
	if (v->how == UNSHARE) {
		err = unshare((int)v->flags) < 0 ? errno : 0;
		pid = err ? -1 : fork();
	} else {
		struct kisol_clone_opts o = { .flags = v->flags, .cgroup_fd = -1 };

		if (v->how == CLONE3 && v->no_exit_signal) {
			struct clone_args a = { .flags = v->flags };

			pid = kisol_clone3_raw(&a, sizeof(a));
			err = pid < 0 ? -pid : 0;
		} else if (v->how == CLONE3) {
			pid = kisol_clone(&o, NULL);
			err = pid < 0 ? -pid : 0;
		} else {
			int tid;

			pid = (pid_t)syscall(SYS_clone, (unsigned long)v->flags | SIGCHLD, NULL, &tid,
					     NULL, 0);
			err = pid < 0 ? errno : 0;
		}
	}
	if (pid == 0)
		child_reports(rep[1], before, want);
	close(rep[1]);
	/* a refused call changes nothing; one that succeeded made exactly what was asked */
	if (err)
		bad = not_as_asked(nsdir, before, 0);
	else if (read(rep[0], &bad, sizeof(bad)) != sizeof(bad))
		bad = -2;
	else if (v->how != UNSHARE && bad == 0)
		bad = not_as_asked(nsdir, before, 0); /* and the caller's stayed as they were */
	close(rep[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0); /* with CLONE_PARENT it is not ours: ECHILD */
	kisol_send_int(sock, err);
	kisol_send_int(sock, bad);
	if (v->ctx == THREADED) {
		close(pfd[1]);
		pthread_join(th, NULL);
	}
	return 0;
}

static void run_case(struct __test_metadata *_metadata, struct fix *self, const struct spec *v)
{
	struct job j = { v, self->dir };
	struct kisol_spawn_opts o = { .cgroup_fd = -1 };
	int64_t err, bad;

	if (v->ctx == PIDNS_INIT)
		o.flags = CLONE_NEWPID;
	ASSERT_EQ(0, kisol_spawn(&o, attempt, &j, &self->child));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &err, KISOL_TIMEOUT_MS))
		TH_LOG("child exit %d", kisol_child_exit_code(&self->child, 1000));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &bad, KISOL_TIMEOUT_MS));
	EXPECT_EQ(v->err, err) TH_LOG("got %s", strerror((int)err));
	/* bit t: namespace type t new where it should not be, or not new where asked */
	EXPECT_EQ(0, bad) TH_LOG("namespaces not as asked (mask 0x%llx; -1: no view, -2: no report)",
				 (long long)bad);
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
}

TEST_F(bad, errno_and_namespaces)
{
	run_case(_metadata, &self->f, &variant->s);
}
KISOL_META(bad, errno_and_namespaces, "sides=both")

/* CVE-2013-1858: CLONE_NEWUSER|CLONE_FS let a new user ns root chroot the shared fs */
FIXTURE(newuser_fs) { struct fix f; };
FIXTURE_VARIANT(newuser_fs) { struct spec s; };
FIXTURE_VARIANT_ADD(newuser_fs, clone3) { .s = { CLONE_NEWUSER | CLONE_FS, CLONE3, AS_ROOT, EINVAL } };
FIXTURE_VARIANT_ADD(newuser_fs, clone) { .s = { CLONE_NEWUSER | CLONE_FS, CLONE, AS_ROOT, EINVAL } };
FIXTURE_VARIANT_ADD(newuser_fs, clone3_unpriv) { .s = { CLONE_NEWUSER | CLONE_FS, CLONE3, UNPRIV, EINVAL } };
FIXTURE_SETUP(newuser_fs) { fix_setup(_metadata, &self->f, &variant->s); }
FIXTURE_TEARDOWN(newuser_fs) { fix_teardown(_metadata, &self->f); }
TEST_F(newuser_fs, refused)
{
	run_case(_metadata, &self->f, &variant->s);
}
KISOL_META(newuser_fs, refused, "sides=one: a refusal, no namespace exists to look into, the caller's are checked unchanged;cve=CVE-2013-1858;commit=e66eded8309e;ref=userns: Don't allow CLONE_NEWUSER | CLONE_FS")

/* CVE-2013-1956: a chrooted process could escape through a new user namespace */
FIXTURE(chrooted) { struct fix f; };
FIXTURE_VARIANT(chrooted) { struct spec s; };
FIXTURE_VARIANT_ADD(chrooted, unshare) { .s = { CLONE_NEWUSER, UNSHARE, CHROOTED, EPERM } };
FIXTURE_VARIANT_ADD(chrooted, clone3) { .s = { CLONE_NEWUSER, CLONE3, CHROOTED, EPERM } };
FIXTURE_VARIANT_ADD(chrooted, unshare_with_mnt) { .s = { CLONE_NEWUSER | CLONE_NEWNS, UNSHARE, CHROOTED, EPERM } };
FIXTURE_SETUP(chrooted) { fix_setup(_metadata, &self->f, &variant->s); }
FIXTURE_TEARDOWN(chrooted) { fix_teardown(_metadata, &self->f); }
TEST_F(chrooted, newuser_refused)
{
	run_case(_metadata, &self->f, &variant->s);
}
KISOL_META(chrooted, newuser_refused, "sides=one: a refusal, no namespace exists to look into, the caller's are checked unchanged;cve=CVE-2013-1956;commit=3151527ee007;ref=userns: Don't allow creation if the user is chrooted;mutant_immune=ns.mnt: the refusal comes from CLONE_NEWUSER in a chroot, with or without CLONE_NEWNS")

KISOL_MAIN
