// SPDX-License-Identifier: GPL-2.0-only
/*
 * nsfs, per namespace type, for a namespace made by root and one made by
 * an unprivileged user (with its own user namespace): NS_GET_NSTYPE,
 * NS_GET_USERNS, NS_GET_OWNER_UID, NS_GET_PARENT and the EPERM when a
 * walk would leave the caller's user (or pid) namespace, namespace ids
 * (NS_GET_ID, 6.18+), the /proc/PID/ns link format and inode stability,
 * and lifetime by fd and by bind mount after the last process exits. Each
 * seen from inside (the namespace's own process) and from outside.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/nsfs.h>

#include "kisol_test.h"

struct report {
	int64_t outer_pid;
	struct kisol_ns_id own, own_user;
	int64_t nstype;
	int64_t owner_err;
	struct kisol_ns_id owner;
	int64_t parent_err;
	int64_t user_owner_err; /* NS_GET_USERNS on its own user namespace */
	int64_t owner_uid;      /* NS_GET_OWNER_UID of its own user namespace */
	char link[64];
	int64_t id_err;
	uint64_t id;
};

FIXTURE(nsfs) {
	struct kisol_child child;
	struct report in;
	pid_t pid; /* the namespace's process, as seen here */
	char dir[PATH_MAX];
};

FIXTURE_VARIANT(nsfs) {
	enum kisol_ns type;
	bool unpriv;
};

#define TYPE(n, t)                                                                   \
	FIXTURE_VARIANT_ADD(nsfs, n##_root) { .type = t };                           \
	FIXTURE_VARIANT_ADD(nsfs, n##_unpriv) { .type = t, .unpriv = true };

TYPE(mnt, KISOL_NS_MNT)
TYPE(uts, KISOL_NS_UTS)
TYPE(ipc, KISOL_NS_IPC)
TYPE(user, KISOL_NS_USER)
TYPE(pid, KISOL_NS_PID)
TYPE(net, KISOL_NS_NET)
TYPE(cgroup, KISOL_NS_CGROUP)
TYPE(time, KISOL_NS_TIME)

static int body(int sock, void *arg)
{
	enum kisol_ns t = *(const enum kisol_ns *)arg;
	_cleanup_close_ int fd = kisol_ns_open(0, t);
	_cleanup_close_ int ufd = kisol_ns_open(0, KISOL_NS_USER);
	_cleanup_close_ int owner = -EBADF, parent = -EBADF, uo = -EBADF;
	struct report r = { 0 };
	pid_t pids[40];
	uid_t uid = 0;
	int64_t go;

	if (fd < 0 || ufd < 0 || kisol_proc_nspids(0, false, pids, 40) < 1)
		return 90;
	r.outer_pid = pids[0];
	kisol_ns_id_fd(fd, &r.own);
	kisol_ns_id_fd(ufd, &r.own_user);
	r.nstype = ioctl(fd, NS_GET_NSTYPE);
	owner = kisol_ns_get_userns(fd);
	r.owner_err = owner < 0 ? owner : 0;
	if (owner >= 0)
		kisol_ns_id_fd(owner, &r.owner);
	parent = kisol_ns_get_parent(fd);
	r.parent_err = parent < 0 ? parent : 0;
	uo = kisol_ns_get_userns(ufd);
	r.user_owner_err = uo < 0 ? uo : 0;
	r.owner_uid = kisol_ns_get_owner_uid(ufd, &uid) < 0 ? -1 : (int64_t)uid;
	kisol_ns_link(0, t, r.link, sizeof(r.link));
	r.id_err = kisol_ns_get_id(fd, &r.id);
	if (kisol_send(sock, &r, sizeof(r)) < 0)
		return 91;
	kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS);
	return 0;
}

static int spawn_ns(const FIXTURE_VARIANT(nsfs) *variant, struct kisol_child *c,
		    struct report *in)
{
	struct kisol_spawn_opts o = { .flags = kisol_ns_table[variant->type].flag, .cgroup_fd = -1 };
	static enum kisol_ns type;
	int r;

	if (variant->unpriv) {
		o.flags |= CLONE_NEWUSER;
		o.unpriv = true;
		o.map_root = true;
	} else if (variant->type == KISOL_NS_USER) {
		o.map_root = true;
	}
	type = variant->type;
	r = kisol_spawn(&o, body, &type, c);
	if (r < 0)
		return r;
	r = kisol_recv(c->sock, in, sizeof(*in), KISOL_TIMEOUT_MS);
	return r == sizeof(*in) ? 0 : (r < 0 ? r : -EBADMSG);
}

/*
 * The namespace under test is the one just made: reported by its own
 * process, it differs from ours (and so does the user namespace that an
 * unprivileged variant created with it).
 */
static void assert_new(struct __test_metadata *_metadata, const FIXTURE_VARIANT(nsfs) *variant,
		       const struct report *in)
{
	struct kisol_ns_id mine;

	ASSERT_EQ(0, kisol_ns_id(0, variant->type, &mine));
	ASSERT_FALSE(kisol_ns_id_eq(&mine, &in->own))
		TH_LOG("the child is in our %s namespace", kisol_ns_table[variant->type].name);
	if (variant->unpriv || variant->type == KISOL_NS_USER) {
		ASSERT_EQ(0, kisol_ns_id(0, KISOL_NS_USER, &mine));
		ASSERT_FALSE(kisol_ns_id_eq(&mine, &in->own_user)) TH_LOG("no new user namespace");
	}
}

FIXTURE_SETUP(nsfs)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	self->dir[0] = '\0';
	/*
	 * an ordinary user: root of a user namespace of its own, which owns
	 * what it makes; the unprivileged variants run as that user itself
	 * (their child's owner uid and owning user namespace are the subject)
	 */
	if (!variant->unpriv)
		NEED_ROOT_OR_OWN_USERNS(variant->type);
	NEED_NS_VIA(variant->type, variant->unpriv);
	if (variant->unpriv)
		NEED_USERNS_UNPRIV(variant->type);
	ASSERT_EQ(0, spawn_ns(variant, &self->child, &self->in))
		TH_LOG("child exit %d", kisol_child_exit_code(&self->child, 1000));
	assert_new(_metadata, variant, &self->in);
	self->pid = (pid_t)self->in.outer_pid;
}

FIXTURE_TEARDOWN(nsfs)
{
	char p[PATH_MAX + 8];

	kisol_child_release(&self->child);
	if (self->dir[0]) {
		snprintf(p, sizeof(p), "%s/ns", self->dir);
		umount2(p, MNT_DETACH);
		unlink(p);
		EXPECT_EQ(0, rmdir(self->dir));
	}
}

TEST_F(nsfs, nstype_inside_and_outside)
{
	_cleanup_close_ int fd = kisol_ns_open(self->pid, variant->type);

	ASSERT_LE(0, fd);
	EXPECT_EQ((int64_t)kisol_ns_table[variant->type].flag, self->in.nstype);
	EXPECT_EQ((long)kisol_ns_table[variant->type].flag, (long)ioctl(fd, NS_GET_NSTYPE));
	EXPECT_EQ((int)variant->type, kisol_ns_get_type(fd));
}
KISOL_META(nsfs, nstype_inside_and_outside, "sides=both")

TEST_F(nsfs, owning_userns)
{
	_cleanup_close_ int fd = kisol_ns_open(self->pid, variant->type);
	_cleanup_close_ int owner = -EBADF;
	struct kisol_ns_id mine, outside_owner, its_user;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kisol_ns_id(0, KISOL_NS_USER, &mine));
	ASSERT_EQ(0, kisol_ns_id(self->pid, KISOL_NS_USER, &its_user));
	owner = kisol_ns_get_userns(fd);
	ASSERT_LE(0, owner);
	ASSERT_EQ(0, kisol_ns_id_fd(owner, &outside_owner));
	if (variant->type == KISOL_NS_USER) {
		/* a user namespace's owner is its parent: ours; above the child's reach */
		EXPECT_TRUE(kisol_ns_id_eq(&mine, &outside_owner));
		EXPECT_EQ(-EPERM, self->in.owner_err);
	} else if (variant->unpriv) {
		/* created together with a user namespace: owned by it */
		EXPECT_TRUE(kisol_ns_id_eq(&its_user, &outside_owner));
		ASSERT_EQ(0, self->in.owner_err);
		EXPECT_TRUE(kisol_ns_id_eq(&its_user, &self->in.owner));
	} else {
		EXPECT_TRUE(kisol_ns_id_eq(&mine, &outside_owner));
		ASSERT_EQ(0, self->in.owner_err);
		EXPECT_TRUE(kisol_ns_id_eq(&mine, &self->in.owner));
	}
	/* from inside a new user namespace its owner (ours) is out of reach */
	/* and so is the owner of the initial user namespace for the root variant */
	EXPECT_EQ(-EPERM, self->in.user_owner_err);
}
KISOL_META(nsfs, owning_userns, "sides=both")

TEST_F(nsfs, owner_uid_translated)
{
	_cleanup_close_ int ufd = kisol_ns_open(self->pid, KISOL_NS_USER);
	uid_t uid = 4242;

	ASSERT_LE(0, ufd);
	ASSERT_EQ(0, kisol_ns_get_owner_uid(ufd, &uid));
	/* outside: the real creator */
	EXPECT_EQ(variant->unpriv ? kisol_unpriv_uid() : 0, uid);
	/* inside: the creator as mapped there (root) */
	EXPECT_EQ(0, self->in.owner_uid);
}
KISOL_META(nsfs, owner_uid_translated, "sides=both")

TEST_F(nsfs, parent_only_within_reach)
{
	_cleanup_close_ int fd = kisol_ns_open(self->pid, variant->type);
	_cleanup_close_ int parent = -EBADF;
	struct kisol_ns_id mine, pid_parent;

	ASSERT_LE(0, fd);
	parent = kisol_ns_get_parent(fd);
	if (variant->type != KISOL_NS_PID && variant->type != KISOL_NS_USER) {
		EXPECT_EQ(-EINVAL, parent);
		EXPECT_EQ(-EINVAL, self->in.parent_err);
		return;
	}
	/* outside: the parent is ours */
	ASSERT_LE(0, parent) TH_LOG("NS_GET_PARENT: %s", strerror(-parent));
	ASSERT_EQ(0, kisol_ns_id_fd(parent, &pid_parent));
	ASSERT_EQ(0, kisol_ns_id(0, variant->type, &mine));
	EXPECT_TRUE(kisol_ns_id_eq(&mine, &pid_parent));
	/* inside: walking above the caller's own namespace is EPERM */
	EXPECT_EQ(-EPERM, self->in.parent_err);
}
KISOL_META(nsfs, parent_only_within_reach, "sides=both")

TEST_F(nsfs, link_format_and_inode)
{
	char out[64], want[64];
	struct kisol_ns_id id, again;

	ASSERT_LT(0, kisol_ns_link(self->pid, variant->type, out, sizeof(out)));
	EXPECT_STREQ(self->in.link, out); /* the same from both sides */
	snprintf(want, sizeof(want), "%s:[%llu]", kisol_ns_table[variant->type].name,
		 (unsigned long long)self->in.own.ino);
	EXPECT_STREQ(want, out);
	ASSERT_EQ(0, kisol_ns_id(self->pid, variant->type, &id));
	EXPECT_TRUE(kisol_ns_id_eq(&self->in.own, &id));
	/* stable: opening again gives the same inode */
	ASSERT_EQ(0, kisol_ns_id(self->pid, variant->type, &again));
	EXPECT_TRUE(kisol_ns_id_eq(&id, &again));
	/* and not ours */
	ASSERT_EQ(0, kisol_ns_id(0, variant->type, &again));
	EXPECT_FALSE(kisol_ns_id_eq(&id, &again));
	/* one nsfs superblock for all types */
	EXPECT_EQ(again.dev, id.dev);
}
KISOL_META(nsfs, link_format_and_inode, "sides=both")

TEST_F(nsfs, namespace_id)
{
	_cleanup_close_ int fd = kisol_ns_open(self->pid, variant->type);
	_cleanup_close_ int mine = kisol_ns_open(0, variant->type);
	uint64_t out = 0, ours = 0;
	int r;

	ASSERT_LE(0, fd);
	r = kisol_ns_get_id(fd, &out);
	if (r == -ENOTTY)
		SKIP(return, "no NS_GET_ID for %s namespaces on this kernel (6.18+)",
		     kisol_ns_table[variant->type].name);
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, self->in.id_err);
	EXPECT_EQ(self->in.id, out); /* the same id from both sides */
	ASSERT_EQ(0, kisol_ns_get_id(mine, &ours));
	EXPECT_NE(ours, out);
	EXPECT_NE(0ULL, out);
}
KISOL_META(nsfs, namespace_id, "sides=both")

TEST_F(nsfs, lifetime_by_fd)
{
	_cleanup_close_ int fd = kisol_ns_open(self->pid, variant->type);
	_cleanup_close_ int ufd = -EBADF;
	struct kisol_ns_id held, now;

	ASSERT_LE(0, fd);
	/*
	 * An ordinary user (the unprivileged variants) has no capability of
	 * its own to setns with: it joins the child's user namespace first,
	 * as its owner, and the namespace from there.
	 */
	if (variant->unpriv && !kisol_is_root() && variant->type != KISOL_NS_USER) {
		ufd = kisol_ns_open(self->pid, KISOL_NS_USER);
		ASSERT_LE(0, ufd);
	}
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
	ASSERT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
	/* no process left in it: the fd still names it */
	ASSERT_EQ(0, kisol_ns_id_fd(fd, &held));
	EXPECT_TRUE(kisol_ns_id_eq(&self->in.own, &held));
	EXPECT_EQ((int)variant->type, kisol_ns_get_type(fd));
	ASSERT_EQ(0, kisol_ns_unshare(CLONE_FS));
	if (ufd >= 0)
		ASSERT_EQ(0, kisol_ns_enter(ufd, KISOL_NS_USER)) TH_LOG("setns into its user namespace");
	ASSERT_EQ(0, kisol_ns_enter(fd, variant->type)) TH_LOG("setns into the orphaned namespace");
	if (kisol_ns_table[variant->type].children_name) {
		_cleanup_close_ int cfd = kisol_ns_open_children(0, variant->type);

		if (variant->type == KISOL_NS_PID) {
			/* a pid namespace whose init died accepts no new process */
			pid_t kid = fork();

			if (kid == 0)
				_exit(0);
			EXPECT_EQ(-1, kid);
			EXPECT_EQ(ENOMEM, errno);
			return;
		}
		ASSERT_LE(0, cfd);
		ASSERT_EQ(0, kisol_ns_id_fd(cfd, &now));
	} else {
		ASSERT_EQ(0, kisol_ns_id(0, variant->type, &now));
	}
	EXPECT_TRUE(kisol_ns_id_eq(&held, &now));
}

KISOL_META(nsfs, lifetime_by_fd, "sides=one: after the last process left there is no inside, the holder's fd (and setns into it) is the property")

TEST_F(nsfs, lifetime_by_bind_mount)
{
	char p[PATH_MAX + 8], src[64];
	_cleanup_close_ int fd = -EBADF;
	struct kisol_ns_id held;
	cpu_set_t one;

	/*
	 * A mount namespace may only be bound into an older one (else the
	 * reference could form a loop): take our own mount namespace first,
	 * then a fresh child namespace for this test.
	 */
	/*
	 * Both namespaces are made on one CPU: on 6.18 the loop check compares
	 * ids from per-CPU batches (see mntns_loop.c), which this case is not about.
	 */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	/* the unprivileged variants' ordinary user: a user namespace of its own to mount in */
	if (variant->unpriv)
		NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	/* a new, private mount namespace: the bind mount below stays in it */
	ASSERT_EQ(0, kisol_mnt_isolate());
	kisol_child_release(&self->child);
	ASSERT_EQ(0, spawn_ns(variant, &self->child, &self->in));
	assert_new(_metadata, variant, &self->in);
	self->pid = (pid_t)self->in.outer_pid;
	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "nsfs", self->dir, sizeof(self->dir)));
	snprintf(p, sizeof(p), "%s/ns", self->dir);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	snprintf(src, sizeof(src), "/proc/%d/ns/%s", self->pid, kisol_ns_table[variant->type].name);
	ASSERT_EQ(0, mount(src, p, NULL, MS_BIND, NULL)) {
		uint64_t a = 0, b = 0;
		_cleanup_close_ int x = kisol_ns_open(0, KISOL_NS_MNT);
		_cleanup_close_ int y = kisol_ns_open(self->pid, KISOL_NS_MNT);

		kisol_ns_get_id(x, &a);
		kisol_ns_get_id(y, &b);
		TH_LOG("bind %s: %s (ours %llu, theirs %llu)", src, strerror(errno),
		       (unsigned long long)a, (unsigned long long)b);
	}
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
	ASSERT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
	fd = open(p, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kisol_ns_id_fd(fd, &held));
	EXPECT_TRUE(kisol_ns_id_eq(&self->in.own, &held));
	EXPECT_EQ((int)variant->type, kisol_ns_get_type(fd));
}

KISOL_META(nsfs, lifetime_by_bind_mount, "sides=one: after the last process left there is no inside, the bind mount holding it is the property")

/* A mount namespace may not be bound into a newer one (a reference loop). */
static int hold(int sock, void *arg)
{
	int64_t go;

	kisol_send_int(sock, 1);
	kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS);
	return 0;
}

TEST(mntns_bind_of_older_ns_is_einval)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWNS, .cgroup_fd = -1 };
	char dir[PATH_MAX], p[PATH_MAX + 8], src[64];
	struct kisol_ns_id before, its, now;
	int64_t ready;
	cpu_set_t one;
	int fd, r;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	NEED_NS(KISOL_NS_MNT);
	/* one CPU for both: the cross-CPU orders are mntns_loop.c's subject */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	/* the child's mount namespace is older than the one we take now */
	ASSERT_EQ(0, kisol_spawn(&o, hold, NULL, &c));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &ready, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_ns_id(0, KISOL_NS_MNT, &before));
	ASSERT_EQ(0, kisol_mnt_isolate());
	/* three different namespaces: the child's, the one we left, ours now */
	ASSERT_EQ(0, kisol_ns_id(c.pid, KISOL_NS_MNT, &its));
	ASSERT_EQ(0, kisol_ns_id(0, KISOL_NS_MNT, &now));
	ASSERT_FALSE(kisol_ns_id_eq(&before, &now)) TH_LOG("unshare made no mount namespace");
	ASSERT_FALSE(kisol_ns_id_eq(&before, &its)) TH_LOG("the child is in our old namespace");
	ASSERT_FALSE(kisol_ns_id_eq(&its, &now));
	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "loop", dir, sizeof(dir)));
	snprintf(p, sizeof(p), "%s/ns", dir);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	snprintf(src, sizeof(src), "/proc/%d/ns/mnt", c.pid);
	r = mount(src, p, NULL, MS_BIND, NULL) < 0 ? errno : 0;
	if (r == 0)
		umount2(p, MNT_DETACH);
	unlink(p);
	rmdir(dir);
	EXPECT_EQ(EINVAL, r);
}
KISOL_META(global, mntns_bind_of_older_ns_is_einval, "sides=one: a refusal (EINVAL) of the bind, nothing is created")

/* ---- pid translation through a pid namespace fd (6.10+) ---- */

#ifndef NS_GET_PID_FROM_PIDNS
#define NS_GET_PID_FROM_PIDNS _IOR(NSIO, 0x6, int)
#define NS_GET_TGID_FROM_PIDNS _IOR(NSIO, 0x7, int)
#define NS_GET_PID_IN_PIDNS _IOR(NSIO, 0x8, int)
#define NS_GET_TGID_IN_PIDNS _IOR(NSIO, 0x9, int)
#endif

static int own_translation(int sock, void *arg)
{
	_cleanup_close_ int fd = kisol_ns_open(0, KISOL_NS_PID);
	int64_t go;

	kisol_send_int(sock, ioctl(fd, NS_GET_PID_FROM_PIDNS, 1) < 0 ? -errno :
			     ioctl(fd, NS_GET_PID_FROM_PIDNS, 1));
	kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS);
	return 0;
}

TEST(pidns_fd_translates_pids)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWPID, .cgroup_fd = -1 };
	_cleanup_close_ int fd = -EBADF;
	int64_t inside;
	int r;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_PID);
	NEED_NS(KISOL_NS_PID);
	ASSERT_EQ(0, kisol_spawn(&o, own_translation, NULL, &c));
	fd = kisol_ns_open(c.pid, KISOL_NS_PID);
	ASSERT_LE(0, fd);
	r = ioctl(fd, NS_GET_PID_FROM_PIDNS, 1);
	if (r < 0 && errno == ENOTTY)
		SKIP(return, "NS_GET_PID_FROM_PIDNS not supported (Linux 6.10+)");
	/* its 1 is the pid we know it by, and back */
	EXPECT_EQ(c.pid, r);
	EXPECT_EQ(c.pid, ioctl(fd, NS_GET_TGID_FROM_PIDNS, 1));
	EXPECT_EQ(1, ioctl(fd, NS_GET_PID_IN_PIDNS, c.pid));
	EXPECT_EQ(1, ioctl(fd, NS_GET_TGID_IN_PIDNS, c.pid));
	/* we do not exist in it */
	EXPECT_EQ(-1, ioctl(fd, NS_GET_PID_IN_PIDNS, getpid()));
	EXPECT_EQ(ESRCH, errno);
	/* inside, its own namespace maps 1 to 1 */
	ASSERT_EQ(0, kisol_recv_int(c.sock, &inside, KISOL_TIMEOUT_MS));
	EXPECT_EQ(1, inside);
}
KISOL_META(global, pidns_fd_translates_pids, "sides=both")

KISOL_MAIN
