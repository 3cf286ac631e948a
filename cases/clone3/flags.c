// SPDX-License-Identifier: GPL-2.0-only
/*
 * Each CLONE_NEW* flag alone and the combinations container runtimes use,
 * through clone3(2), clone(2) and unshare(2), as root and (with
 * CLONE_NEWUSER) unprivileged: exactly the namespaces asked for are new
 * for the created process (or, after unshare, for the caller; pid and time
 * for its children), every other one is shared, and the caller's own
 * namespaces are unchanged.
 */
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "kisol_test.h"

enum method { CLONE3, CLONE, UNSHARE };

FIXTURE(flags) {
	struct kisol_child child;
};

FIXTURE_VARIANT(flags) {
	uint64_t flags;
	enum method how;
	bool unpriv;
};

#define ONE(n, f)                                                                   \
	FIXTURE_VARIANT_ADD(flags, n##_clone3) { .flags = f, .how = CLONE3 };       \
	FIXTURE_VARIANT_ADD(flags, n##_unshare) { .flags = f, .how = UNSHARE };
#define ONE3(n, f)                                                                  \
	ONE(n, f)                                                                   \
	FIXTURE_VARIANT_ADD(flags, n##_clone) { .flags = f, .how = CLONE };

ONE3(mnt, CLONE_NEWNS)
ONE3(uts, CLONE_NEWUTS)
ONE3(ipc, CLONE_NEWIPC)
ONE3(user, CLONE_NEWUSER)
ONE3(pid, CLONE_NEWPID)
ONE3(net, CLONE_NEWNET)
ONE3(cgroup, CLONE_NEWCGROUP)
/* CLONE_NEWTIME (0x80) lies in clone(2)'s exit-signal byte: clone3/unshare only */
ONE(time, CLONE_NEWTIME)

#define DOCKER (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET)
#define ROOTLESS (DOCKER | CLONE_NEWUSER | CLONE_NEWCGROUP)
#define ALL8 (ROOTLESS | CLONE_NEWTIME)

ONE3(docker, DOCKER)
ONE3(docker_cgroupns, DOCKER | CLONE_NEWCGROUP)
ONE3(rootless, ROOTLESS)
ONE(all8, ALL8)
ONE3(sandbox_user_net, CLONE_NEWUSER | CLONE_NEWNET)
ONE3(bwrap_like, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS)
FIXTURE_VARIANT_ADD(flags, user_unpriv_clone3) { .flags = CLONE_NEWUSER, .how = CLONE3, .unpriv = true };
FIXTURE_VARIANT_ADD(flags, user_unpriv_unshare) { .flags = CLONE_NEWUSER, .how = UNSHARE, .unpriv = true };
FIXTURE_VARIANT_ADD(flags, rootless_unpriv_clone3) { .flags = ROOTLESS, .how = CLONE3, .unpriv = true };
FIXTURE_VARIANT_ADD(flags, rootless_unpriv_unshare) { .flags = ROOTLESS, .how = UNSHARE, .unpriv = true };
FIXTURE_VARIANT_ADD(flags, all8_unpriv_clone3) { .flags = ALL8, .how = CLONE3, .unpriv = true };
FIXTURE_VARIANT_ADD(flags, all8_unpriv_unshare) { .flags = ALL8, .how = UNSHARE, .unpriv = true };

FIXTURE_SETUP(flags)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	/* root's variants, for an ordinary user: as root of a user namespace of its own */
	if (!variant->unpriv && !kisol_is_root() && (variant->flags & ~(uint64_t)CLONE_NEWUSER)) {
		int first = KISOL_NS_USER;

		for (int t = 0; t < _KISOL_NS_MAX; t++)
			if (variant->flags & ~(uint64_t)CLONE_NEWUSER & kisol_ns_table[t].flag) {
				NEED_NS_IN_USERNS(t);
				first = t;
			}
		NEED_ROOT_OR_OWN_USERNS(first);
	}
	for (int t = 0; t < _KISOL_NS_MAX; t++)
		if (variant->flags & kisol_ns_table[t].flag)
			NEED_NS_VIA(t, variant->unpriv);
	if (variant->unpriv)
		NEED_USERNS_UNPRIV(-1);
	if (variant->how == CLONE3)
		NEED_CLONE3();
}

FIXTURE_TEARDOWN(flags)
{
	kisol_child_release(&self->child);
}

/* Where this process's future processes live, per type. */
static int view(struct kisol_ns_id ids[_KISOL_NS_MAX])
{
	for (int t = 0; t < _KISOL_NS_MAX; t++) {
		_cleanup_close_ int fd = kisol_ns_table[t].children_name ?
			kisol_ns_open_children(0, t) : kisol_ns_open(0, t);

		if (fd < 0 || kisol_ns_id_fd(fd, &ids[t]) < 0)
			return -1;
	}
	return 0;
}

static void report(int sock)
{
	struct kisol_ns_id ids[_KISOL_NS_MAX];

	if (view(ids) < 0) {
		kisol_send_int(sock, -EIO);
		return;
	}
	kisol_send_int(sock, 0);
	kisol_send(sock, ids, sizeof(ids));
}

static pid_t legacy_clone(uint64_t flags)
{
	return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, 0);
}

static int worker(int sock, void *arg)
{
	const FIXTURE_VARIANT(flags) *v = arg;
	struct kisol_clone_opts o = { .flags = v->flags, .cgroup_fd = -1 };
	pid_t pid = -1;
	int r;

	if (v->unpriv && kisol_become_unpriv() < 0)
		return 90;
	if (v->how == UNSHARE) {
		r = kisol_ns_unshare(v->flags);
		if (r < 0) {
			kisol_send_int(sock, r);
			return 0;
		}
		/* pid_for_children only resolves once its init exists */
		if (v->flags & CLONE_NEWPID) {
			pid = fork();
			if (pid == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				pause();
				_exit(0);
			}
		}
		report(sock);
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		return 0;
	}
	pid = v->how == CLONE3 ? kisol_clone(&o, NULL) : legacy_clone(v->flags);
	if (pid == 0) {
		report(sock);
		_exit(0);
	}
	if (pid < 0) {
		kisol_send_int(sock, v->how == CLONE3 ? pid : -errno);
		return 0;
	}
	waitpid(pid, NULL, 0);
	return 0;
}

TEST_F(flags, exactly_the_requested_namespaces_are_new)
{
	struct kisol_ns_id before[_KISOL_NS_MAX], after[_KISOL_NS_MAX], in[_KISOL_NS_MAX];
	int64_t r;

	ASSERT_EQ(0, view(before));
	ASSERT_EQ(0, kisol_spawn(NULL, worker, (void *)variant, &self->child));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &r, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, r) TH_LOG("creating the namespaces failed: %s", strerror((int)-r));
	ASSERT_EQ((int)sizeof(in), kisol_recv(self->child.sock, in, sizeof(in), KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, view(after));
	for (int t = 0; t < _KISOL_NS_MAX; t++) {
		bool want_new = variant->flags & kisol_ns_table[t].flag;

		/* outside: unchanged */
		EXPECT_TRUE(kisol_ns_id_eq(&before[t], &after[t])) TH_LOG("our %s ns changed",
									  kisol_ns_table[t].name);
		/* inside: new exactly when asked for */
		EXPECT_EQ(want_new, !kisol_ns_id_eq(&before[t], &in[t]))
			TH_LOG("%s ns: %s", kisol_ns_table[t].name, want_new ? "shared" : "new");
	}
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
}
KISOL_META(flags, exactly_the_requested_namespaces_are_new, "sides=both")

KISOL_MAIN
