// SPDX-License-Identifier: GPL-2.0-only
/*
 * libkisol ns module: the namespace table, opening and identifying
 * namespaces, entering them, nsfs ioctls, probes. Every public function,
 * success and error paths, once per namespace type where it applies.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/nsfs.h>

#include "kisol_test.h"

FIXTURE(nstype) {
	struct kisol_child child;
};

FIXTURE_VARIANT(nstype) {
	enum kisol_ns type;
};

FIXTURE_VARIANT_ADD(nstype, mnt) { .type = KISOL_NS_MNT };
FIXTURE_VARIANT_ADD(nstype, uts) { .type = KISOL_NS_UTS };
FIXTURE_VARIANT_ADD(nstype, ipc) { .type = KISOL_NS_IPC };
FIXTURE_VARIANT_ADD(nstype, user) { .type = KISOL_NS_USER };
FIXTURE_VARIANT_ADD(nstype, pid) { .type = KISOL_NS_PID };
FIXTURE_VARIANT_ADD(nstype, net) { .type = KISOL_NS_NET };
FIXTURE_VARIANT_ADD(nstype, cgroup) { .type = KISOL_NS_CGROUP };
FIXTURE_VARIANT_ADD(nstype, time) { .type = KISOL_NS_TIME };

FIXTURE_SETUP(nstype)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	/* an ordinary user: root of a user namespace of its own, which owns what it makes */
	NEED_ROOT_OR_OWN_USERNS(variant->type);
	NEED_NS(variant->type);
}

FIXTURE_TEARDOWN(nstype)
{
	kisol_child_release(&self->child);
}

/* Child: report the (dev, ino) of its own namespace of type *arg, then wait. */
static int report_id(int sock, void *arg)
{
	enum kisol_ns t = *(enum kisol_ns *)arg;
	struct kisol_ns_id id;
	int64_t go;

	if (kisol_ns_id(0, t, &id) < 0)
		return 1;
	if (kisol_send(sock, &id, sizeof(id)) < 0)
		return 2;
	kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS);
	return 0;
}

/* Child: pid / time namespaces apply to children; report the own ns. */
static int start_child(struct __test_metadata *_metadata, enum kisol_ns t,
		       struct kisol_child *c, struct kisol_ns_id *inside)
{
	struct kisol_spawn_opts o = { .flags = kisol_ns_table[t].flag, .cgroup_fd = -1 };
	static enum kisol_ns type;

	type = t;
	if (kisol_spawn(&o, report_id, &type, c) < 0)
		return -1;
	if (kisol_recv(c->sock, inside, sizeof(*inside), KISOL_TIMEOUT_MS) != sizeof(*inside))
		return -1;
	return 0;
}

TEST_F(nstype, table_row_consistent)
{
	const struct kisol_ns_info *i = &kisol_ns_table[variant->type];

	ASSERT_NE(NULL, i->name);
	EXPECT_EQ((int)variant->type, kisol_ns_from_name(i->name));
	EXPECT_EQ((int)variant->type, kisol_ns_from_flag(i->flag));
	EXPECT_NE(0ULL, i->flag & kisol_ns_all_flags());
	/* exactly one bit, and no other row shares it */
	EXPECT_EQ(1, __builtin_popcountll(i->flag));
	for (int t = 0; t < _KISOL_NS_MAX; t++)
		if (t != (int)variant->type)
			EXPECT_EQ(0ULL, kisol_ns_table[t].flag & i->flag);
	EXPECT_LE(2u, i->since_major);
}

TEST_F(nstype, open_self_matches_stat)
{
	char path[64];
	struct kisol_ns_id id, id2;
	struct stat st;
	_cleanup_close_ int fd = kisol_ns_open(0, variant->type);

	ASSERT_LE(0, fd) TH_LOG("open: %s", strerror(-fd));
	snprintf(path, sizeof(path), "/proc/self/ns/%s", kisol_ns_table[variant->type].name);
	ASSERT_EQ(0, stat(path, &st));
	ASSERT_EQ(0, kisol_ns_id_fd(fd, &id));
	EXPECT_EQ((uint64_t)st.st_dev, id.dev);
	EXPECT_EQ((uint64_t)st.st_ino, id.ino);
	ASSERT_EQ(0, kisol_ns_id(getpid(), variant->type, &id2));
	EXPECT_TRUE(kisol_ns_id_eq(&id, &id2));
	EXPECT_EQ(O_RDONLY, fcntl(fd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

TEST_F(nstype, get_type_roundtrip)
{
	_cleanup_close_ int fd = kisol_ns_open(0, variant->type);

	ASSERT_LE(0, fd);
	EXPECT_EQ((int)variant->type, kisol_ns_get_type(fd));
	/* the raw ioctl gives the CLONE_NEW* flag of the row */
	EXPECT_EQ((long)kisol_ns_table[variant->type].flag, (long)ioctl(fd, NS_GET_NSTYPE));
}

TEST_F(nstype, open_children_only_where_defined)
{
	_cleanup_close_ int fd = kisol_ns_open_children(0, variant->type);

	if (!kisol_ns_table[variant->type].children_name) {
		EXPECT_EQ(-EINVAL, fd);
		return;
	}
	ASSERT_LE(0, fd);
	EXPECT_EQ((int)variant->type, kisol_ns_get_type(fd));
}

TEST_F(nstype, link_format)
{
	char buf[64], want[64];
	struct kisol_ns_id id;

	ASSERT_LT(0, kisol_ns_link(0, variant->type, buf, sizeof(buf)));
	ASSERT_EQ(0, kisol_ns_id(0, variant->type, &id));
	snprintf(want, sizeof(want), "%s:[%llu]", kisol_ns_table[variant->type].name,
		 (unsigned long long)id.ino);
	EXPECT_STREQ(want, buf);
	EXPECT_EQ(-ENAMETOOLONG, kisol_ns_link(0, variant->type, buf, 4));
}

TEST_F(nstype, probe_ok)
{
	char why[128];

	EXPECT_EQ(0, kisol_ns_probe(variant->type));
	EXPECT_EQ(0, kisol_need_ns(variant->type, why, sizeof(why)));
}

TEST_F(nstype, spawn_in_new_ns_differs_both_sides)
{
	struct kisol_ns_id before, inside, after;

	ASSERT_EQ(0, kisol_ns_id(0, variant->type, &before));
	ASSERT_EQ(0, start_child(_metadata, variant->type, &self->child, &inside));
	ASSERT_EQ(0, kisol_ns_id(0, variant->type, &after));
	/* outside: we are still where we were */
	EXPECT_TRUE(kisol_ns_id_eq(&before, &after));
	/* inside: a different namespace */
	EXPECT_FALSE(kisol_ns_id_eq(&before, &inside));
	/* and the view through /proc/PID agrees with the child's own */
	ASSERT_EQ(0, kisol_ns_id(self->child.pid, variant->type, &after));
	EXPECT_TRUE(kisol_ns_id_eq(&inside, &after));
}

TEST_F(nstype, enter_child_ns_then_type_checked)
{
	struct kisol_ns_id inside, now;
	_cleanup_close_ int fd = -EBADF;
	int wrong = (variant->type + 1) % _KISOL_NS_MAX;

	ASSERT_EQ(0, start_child(_metadata, variant->type, &self->child, &inside));
	fd = kisol_ns_open(self->child.pid, variant->type);
	ASSERT_LE(0, fd);
	/* type mismatch is refused by the kernel */
	EXPECT_EQ(-EINVAL, kisol_ns_enter(fd, wrong));
	EXPECT_EQ(-EINVAL, kisol_ns_enter(fd, 99));
	if (variant->type == KISOL_NS_USER || variant->type == KISOL_NS_MNT) {
		/* a thread-shared fs / root user: do it in a fresh unshare(CLONE_FS) */
		ASSERT_EQ(0, kisol_ns_unshare(CLONE_FS));
	}
	ASSERT_EQ(0, kisol_ns_enter(fd, variant->type));
	if (variant->type == KISOL_NS_PID || variant->type == KISOL_NS_TIME) {
		_cleanup_close_ int cfd = kisol_ns_open_children(0, variant->type);
		ASSERT_LE(0, cfd);
		ASSERT_EQ(0, kisol_ns_id_fd(cfd, &now));
	} else {
		ASSERT_EQ(0, kisol_ns_id(0, variant->type, &now));
	}
	EXPECT_TRUE(kisol_ns_id_eq(&inside, &now));
}

TEST_F(nstype, enter_any_type)
{
	struct kisol_ns_id inside;
	_cleanup_close_ int fd = -EBADF;

	ASSERT_EQ(0, start_child(_metadata, variant->type, &self->child, &inside));
	fd = kisol_ns_open(self->child.pid, variant->type);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kisol_ns_unshare(CLONE_FS));
	EXPECT_EQ(0, kisol_ns_enter(fd, -1));
}

TEST_F(nstype, enter_pidfd_single_flag)
{
	struct kisol_ns_id inside, now;
	int pidfd;

	ASSERT_EQ(0, start_child(_metadata, variant->type, &self->child, &inside));
	pidfd = self->child.pidfd;
	ASSERT_EQ(0, kisol_ns_unshare(CLONE_FS));
	ASSERT_EQ(0, kisol_ns_enter_pidfd(pidfd, kisol_ns_table[variant->type].flag));
	if (kisol_ns_table[variant->type].children_name) {
		_cleanup_close_ int cfd = kisol_ns_open_children(0, variant->type);
		ASSERT_LE(0, cfd);
		ASSERT_EQ(0, kisol_ns_id_fd(cfd, &now));
	} else {
		ASSERT_EQ(0, kisol_ns_id(0, variant->type, &now));
	}
	EXPECT_TRUE(kisol_ns_id_eq(&inside, &now));
}

TEST_F(nstype, owner_is_creator_userns)
{
	struct kisol_ns_id inside, owner_id, mine;
	_cleanup_close_ int fd = -EBADF, owner = -EBADF;

	ASSERT_EQ(0, start_child(_metadata, variant->type, &self->child, &inside));
	fd = kisol_ns_open(self->child.pid, variant->type);
	ASSERT_LE(0, fd);
	owner = kisol_ns_get_userns(fd);
	if (variant->type == KISOL_NS_USER) {
		/* a user ns has no owner visible above the initial one: its parent */
		EXPECT_EQ(-EPERM, kisol_ns_get_userns(owner >= 0 ? owner : fd)) ;
		return;
	}
	ASSERT_LE(0, owner) TH_LOG("NS_GET_USERNS: %s", strerror(-owner));
	ASSERT_EQ(0, kisol_ns_id_fd(owner, &owner_id));
	ASSERT_EQ(0, kisol_ns_id(0, KISOL_NS_USER, &mine));
	EXPECT_TRUE(kisol_ns_id_eq(&owner_id, &mine));
	EXPECT_EQ(KISOL_NS_USER, kisol_ns_get_type(owner));
}

TEST_F(nstype, get_parent_only_hierarchical)
{
	struct kisol_ns_id inside, parent_id, mine;
	_cleanup_close_ int fd = -EBADF, parent = -EBADF;

	ASSERT_EQ(0, start_child(_metadata, variant->type, &self->child, &inside));
	fd = kisol_ns_open(self->child.pid, variant->type);
	ASSERT_LE(0, fd);
	parent = kisol_ns_get_parent(fd);
	if (variant->type != KISOL_NS_PID && variant->type != KISOL_NS_USER) {
		EXPECT_EQ(-EINVAL, parent);
		return;
	}
	ASSERT_LE(0, parent) TH_LOG("NS_GET_PARENT: %s", strerror(-parent));
	ASSERT_EQ(0, kisol_ns_id_fd(parent, &parent_id));
	ASSERT_EQ(0, kisol_ns_id(0, variant->type, &mine));
	EXPECT_TRUE(kisol_ns_id_eq(&parent_id, &mine));
}

TEST_F(nstype, owner_uid_only_userns)
{
	_cleanup_close_ int fd = kisol_ns_open(0, variant->type);
	uid_t uid = 12345;

	ASSERT_LE(0, fd);
	if (variant->type != KISOL_NS_USER) {
		EXPECT_EQ(-EINVAL, kisol_ns_get_owner_uid(fd, &uid));
		EXPECT_EQ((uid_t)12345, uid); /* untouched on failure */
		return;
	}
	EXPECT_EQ(0, kisol_ns_get_owner_uid(fd, &uid));
	EXPECT_EQ((uid_t)0, uid);
}

TEST_F(nstype, ns_id_where_available)
{
	_cleanup_close_ int fd = kisol_ns_open(0, variant->type);
	_cleanup_close_ int cfd = -EBADF;
	struct kisol_ns_id inside;
	uint64_t a = 0, b = 0;
	int r;

	ASSERT_LE(0, fd);
	r = kisol_ns_get_id(fd, &a);
	if (r == -ENOTTY)
		SKIP(return, "no NS_GET_ID for %s namespaces on this kernel (6.18+; mnt: NS_GET_MNTNS_ID 6.10+)",
		     kisol_ns_table[variant->type].name);
	ASSERT_EQ(0, r);
	EXPECT_NE(0ULL, a);
	ASSERT_EQ(0, start_child(_metadata, variant->type, &self->child, &inside));
	cfd = kisol_ns_open(self->child.pid, variant->type);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, kisol_ns_get_id(cfd, &b));
	EXPECT_NE(a, b);
}

/* Error paths that do not depend on the type. */
TEST(table_lookup_errors)
{
	EXPECT_EQ(-EINVAL, kisol_ns_from_name(NULL));
	EXPECT_EQ(-EINVAL, kisol_ns_from_name("bogus"));
	EXPECT_EQ(-EINVAL, kisol_ns_from_name(""));
	EXPECT_EQ(-EINVAL, kisol_ns_from_name("pid_for_children"));
	EXPECT_EQ(-EINVAL, kisol_ns_from_flag(0));
	EXPECT_EQ(-EINVAL, kisol_ns_from_flag(CLONE_NEWNS | CLONE_NEWUTS));
	EXPECT_EQ(-EINVAL, kisol_ns_from_flag(CLONE_THREAD));
}

TEST(all_flags_is_union)
{
	uint64_t all = 0;

	for (int t = 0; t < _KISOL_NS_MAX; t++)
		all |= kisol_ns_table[t].flag;
	EXPECT_EQ(all, kisol_ns_all_flags());
	EXPECT_EQ(8, __builtin_popcountll(kisol_ns_all_flags()));
}

TEST(open_errors)
{
	EXPECT_EQ(-EINVAL, kisol_ns_open(0, _KISOL_NS_MAX));
	EXPECT_EQ(-EINVAL, kisol_ns_open(0, (enum kisol_ns)-1));
	EXPECT_EQ(-EINVAL, kisol_ns_open(-1, KISOL_NS_UTS));
	/* a pid that cannot exist (above pid_max's hard limit) */
	EXPECT_EQ(-ENOENT, kisol_ns_open(4194305 + 7, KISOL_NS_UTS));
	EXPECT_EQ(-EINVAL, kisol_ns_open_children(0, _KISOL_NS_MAX));
	EXPECT_EQ(-EINVAL, kisol_ns_open_children(0, KISOL_NS_UTS));
	EXPECT_EQ(-ENOENT, kisol_ns_open_children(4194305 + 7, KISOL_NS_PID));
}

TEST(identity_errors)
{
	_cleanup_close_ int fd = kisol_ns_open(0, KISOL_NS_UTS);
	struct kisol_ns_id id = { 1, 2 };
	char buf[64];

	EXPECT_EQ(-EBADF, kisol_ns_id_fd(-1, &id));
	EXPECT_EQ(1u, id.dev); /* untouched */
	EXPECT_EQ(-EINVAL, kisol_ns_id(0, _KISOL_NS_MAX, &id));
	EXPECT_EQ(-ENOENT, kisol_ns_id(4194305 + 7, KISOL_NS_NET, &id));
	EXPECT_EQ(-EINVAL, kisol_ns_link(0, _KISOL_NS_MAX, buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, kisol_ns_link(0, KISOL_NS_UTS, buf, 0));
	EXPECT_EQ(-ENOENT, kisol_ns_link(4194305 + 7, KISOL_NS_UTS, buf, sizeof(buf)));
	/* NULL ret is allowed: only the check */
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, kisol_ns_id_fd(fd, NULL));
}

TEST(id_eq_distinguishes)
{
	struct kisol_ns_id a = { 1, 2 }, b = { 1, 2 }, c = { 1, 3 }, d = { 2, 2 };

	EXPECT_TRUE(kisol_ns_id_eq(&a, &b));
	EXPECT_FALSE(kisol_ns_id_eq(&a, &c));
	EXPECT_FALSE(kisol_ns_id_eq(&a, &d));
}

TEST(enter_errors)
{
	_cleanup_close_ int fd = kisol_ns_open(0, KISOL_NS_UTS);
	_cleanup_close_ int file = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, file);
	EXPECT_EQ(-EBADF, kisol_ns_enter(-1, KISOL_NS_UTS));
	EXPECT_EQ(-EINVAL, kisol_ns_enter(fd, _KISOL_NS_MAX));
	EXPECT_EQ(-EINVAL, kisol_ns_enter(fd, -2));
	EXPECT_EQ(-EINVAL, kisol_ns_enter(file, -1)); /* not a namespace file */
	EXPECT_EQ(-EINVAL, kisol_ns_enter_pidfd(fd, 0));
	EXPECT_EQ(-EINVAL, kisol_ns_enter_pidfd(fd, CLONE_THREAD));
	EXPECT_EQ(-EBADF, kisol_ns_enter_pidfd(-1, CLONE_NEWUTS));
	/* entering our own UTS namespace again is allowed (with CAP_SYS_ADMIN) and changes nothing */
	EXPECT_EQ(kisol_is_root() ? 0 : -EPERM, kisol_ns_enter(fd, KISOL_NS_UTS));
}

TEST(unshare_errors)
{
	EXPECT_EQ(-EINVAL, kisol_ns_unshare(CLONE_NEWPID | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | 0x1000000000ULL));
	EXPECT_EQ(0, kisol_ns_unshare(0));
}
KISOL_META(global, unshare_errors, "mutant_immune=ns.pid: the unknown flag bit 36 makes unshare fail with EINVAL whether or not CLONE_NEWPID is set, the case checks that the error is passed on")

/* The snapshot kisol_ns_unshare() and kisol_spawn() check against. */
TEST(snap_tells_new_from_unchanged)
{
	struct kisol_ns_snap s;
	int status;
	pid_t pid;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_UTS);
	NEED_NS(KISOL_NS_UTS);
	NEED_NS(KISOL_NS_PID);
	kisol_ns_snap_take(kisol_ns_all_flags(), &s);
	EXPECT_EQ(kisol_ns_all_flags(), s.known); /* every type readable here */
	/* nothing was created: each type is still the caller's */
	for (int t = 0; t < _KISOL_NS_MAX; t++)
		EXPECT_EQ(-EPROTO, kisol_ns_snap_all_new(kisol_ns_table[t].flag, &s));
	EXPECT_EQ(0, kisol_ns_snap_all_new(0, &s));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* new UTS and (for children) pid namespaces; the network one stays ours */
		if (unshare(CLONE_NEWUTS | CLONE_NEWPID) < 0)
			_exit(1);
		if (kisol_ns_snap_all_new(CLONE_NEWUTS | CLONE_NEWPID, &s) != 0)
			_exit(2);
		_exit(kisol_ns_snap_all_new(CLONE_NEWUTS | CLONE_NEWNET, &s) == -EPROTO ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("1: unshare, 2: not seen as new, 3: net seen as new");
}

TEST(nsfs_ioctl_errors)
{
	_cleanup_close_ int file = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int userfd = kisol_ns_open(0, KISOL_NS_USER);
	uid_t uid = 7;

	ASSERT_LE(0, file);
	ASSERT_LE(0, userfd);
	EXPECT_EQ(-EBADF, kisol_ns_get_type(-1));
	EXPECT_EQ(-ENOTTY, kisol_ns_get_type(file));
	EXPECT_EQ(-EBADF, kisol_ns_get_userns(-1));
	EXPECT_EQ(-ENOTTY, kisol_ns_get_userns(file));
	EXPECT_EQ(-EBADF, kisol_ns_get_parent(-1));
	EXPECT_EQ(-ENOTTY, kisol_ns_get_parent(file));
	EXPECT_EQ(-EBADF, kisol_ns_get_owner_uid(-1, &uid));
	EXPECT_EQ(-ENOTTY, kisol_ns_get_owner_uid(file, &uid));
	EXPECT_EQ(-EBADF, kisol_ns_get_id(-1, NULL));
	EXPECT_EQ((uid_t)7, uid);
	/* the test runs in the initial user namespace: it has no parent */
	if (kisol_userns_depth(userfd) == 0)
		EXPECT_EQ(-EPERM, kisol_ns_get_parent(userfd));
}

TEST(probe_errors)
{
	char why[64];

	EXPECT_EQ(-EINVAL, kisol_ns_probe(_KISOL_NS_MAX));
	EXPECT_EQ(-EINVAL, kisol_ns_probe((enum kisol_ns)-1));
	EXPECT_EQ(-EINVAL, kisol_need_ns(_KISOL_NS_MAX, why, sizeof(why)));
}

KISOL_MAIN
