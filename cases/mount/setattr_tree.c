// SPDX-License-Identifier: GPL-2.0-only
/*
 * mount_setattr() on whole trees is all or nothing (mount_setattr:
 * 2a1867219c7b, 5.12; idmapped mounts: 9caccd41541a, 5.12; selftests
 * mount_setattr_test and its idmap cases):
 *  - making a tree read-only while a file below is open for writing fails
 *    with EBUSY, and no mount of the tree changed (flags or propagation),
 *    wherever in the tree the writer is;
 *  - a mount of another mount namespace is refused (EINVAL), also for
 *    idmapping an attached mount; a detached clone is not in any namespace
 *    and can be idmapped from anywhere;
 *  - idmapping a tree in which one mount's filesystem cannot be idmapped
 *    fails, and the mounts that could have been idmapped are not;
 *  - a user namespace fd that is closed, too large, not a namespace, or of
 *    another type is refused, and the mount stays usable for a valid one.
 */
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kisol_test.h"
#include "kisol/mount.h"

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static const char *const levels[] = { "A", "A/AA", "A/AA/B", "A/AA/B/BB" };
#define NLEVELS 4

FIXTURE(tree) {
	char dir[PATH_MAX];
	char p[NLEVELS][PATH_MAX + 16];
	int writer;
};

/* dir/A, dir/A/AA, dir/A/AA/B, dir/A/AA/B/BB: four private tmpfs mounts, one in another. */
FIXTURE_SETUP(tree)
{
	self->dir[0] = '\0';
	self->writer = -1;
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	NEED_MNT_SETATTR();
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("sat", "mode=0755", self->dir, sizeof(self->dir)));
	for (int i = 0; i < NLEVELS; i++) {
		snprintf(self->p[i], sizeof(self->p[i]), "%s/%s", self->dir, levels[i]);
		ASSERT_EQ(0, mkdir(self->p[i], 0755));
		ASSERT_EQ(0, kisol_mnt_tmpfs(self->p[i], "mode=0755"));
		ASSERT_EQ(0, kisol_mnt_set_propagation(self->p[i], MS_PRIVATE, false));
	}
}

FIXTURE_TEARDOWN(tree)
{
	if (self->writer >= 0)
		close(self->writer);
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->dir));
}

FIXTURE_VARIANT(tree) {
	int writer_at; /* level holding the file open for writing */
};

FIXTURE_VARIANT_ADD(tree, writer_top) { .writer_at = 0 };
FIXTURE_VARIANT_ADD(tree, writer_middle) { .writer_at = 2 };
FIXTURE_VARIANT_ADD(tree, writer_bottom) { .writer_at = 3 };

/* Every level: ro / noexec in its options and shared or not, as expected. */
static void expect_tree(struct __test_metadata *_metadata, FIXTURE_DATA(tree) *self, bool changed)
{
	struct kisol_mnt_info m;

	for (int i = 0; i < NLEVELS; i++) {
		ASSERT_EQ(0, kisol_mnt_info(0, self->p[i], &m));
		EXPECT_EQ(changed, kisol_mnt_has_option(m.options, "ro") == 1) TH_LOG("%s: %s", levels[i], m.options);
		EXPECT_EQ(changed, kisol_mnt_has_option(m.options, "noexec") == 1) TH_LOG("%s: %s", levels[i], m.options);
		EXPECT_EQ(changed, m.shared != 0) TH_LOG("%s: peer group %d", levels[i], m.shared);
	}
}

TEST_F(tree, rdonly_with_writer_ebusy_rolls_back)
{
	char f[PATH_MAX + 32];
	int r;

	snprintf(f, sizeof(f), "%s/f", self->p[variant->writer_at]);
	self->writer = open(f, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	ASSERT_LE(0, self->writer);
	r = kisol_mnt_setattr(AT_FDCWD, self->p[0], MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC, 0,
			      MS_SHARED, true);
	EXPECT_EQ(-EBUSY, r) TH_LOG("with a writer on %s: %s", levels[variant->writer_at],
				    r ? strerror(-r) : "success");
	expect_tree(_metadata, self, false);
	/* the same call once the writer is gone changes every level */
	close(self->writer);
	self->writer = -1;
	ASSERT_EQ(0, kisol_mnt_setattr(AT_FDCWD, self->p[0], MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC, 0,
				       MS_SHARED, true));
	expect_tree(_metadata, self, true);
}
KISOL_META(tree, rdonly_with_writer_ebusy_rolls_back, "commit=2a1867219c7b")

/* A mount reached through an fd from the previous mount namespace is refused and unchanged. */
TEST(other_mount_namespace_einval)
{
	struct kisol_mnt_info m;
	char dir[PATH_MAX];
	int fd, st;
	pid_t pid;

	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	NEED_MNT_SETATTR();
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("sat", "mode=0755", dir, sizeof(dir)));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	/* control: through the fd, in its own namespace, it works */
	ASSERT_EQ(0, kisol_mnt_setattr(fd, "", MOUNT_ATTR_NOSUID, 0, 0, false));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS))
			_exit(10);
		_exit(kisol_mnt_setattr(fd, "", MOUNT_ATTR_RDONLY, 0, 0, true) == -EINVAL ? 0 : 11);
	}
	close(fd);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st)) TH_LOG("10: unshare failed, 11: not EINVAL");
	ASSERT_EQ(0, kisol_mnt_info(0, dir, &m));
	EXPECT_EQ(1, kisol_mnt_has_option(m.options, "nosuid"));
	EXPECT_EQ(0, kisol_mnt_has_option(m.options, "ro")) TH_LOG("%s", m.options);
	EXPECT_EQ(0, kisol_mnt_scratch_release(dir));
}
KISOL_META(global, other_mount_namespace_einval, "commit=2a1867219c7b")

/* ------------------------------------------------------------------ */
/* Idmapped trees                                                      */

static int park(int sock, void *arg)
{
	kisol_wait_go(sock);
	return 0;
}

static int idmap(int tree, uint64_t userns_fd, bool recursive)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = userns_fd };

	return kisol_mnt_mount_setattr(tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
				       &a, sizeof(a));
}

FIXTURE(idtree) {
	char dir[PATH_MAX];
	char top[PATH_MAX + 8], sub[PATH_MAX + 16];
	struct kisol_child child;
	int userns, tree;
};

FIXTURE_SETUP(idtree)
{
	struct kisol_spawn_opts so = { .flags = CLONE_NEWUSER, .cgroup_fd = -1,
				       .uid_map = "0 10000 1000", .gid_map = "0 10000 1000" };
	char f[PATH_MAX + 16];
	int fd, r;

	self->child = (struct kisol_child)KISOL_CHILD_INIT;
	self->userns = self->tree = -1;
	self->dir[0] = '\0';
	/* an ordinary user's own user namespace maps one id: its files could only turn unmapped */
	NEED_ROOT_TO("write the idmapping's uid_map of 1000 ids (0 10000 1000)");
	NEED_NS(KISOL_NS_USER);
	NEED_MNT_SETATTR();
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("idt", "mode=0755", self->dir, sizeof(self->dir)));
	snprintf(self->top, sizeof(self->top), "%s/top", self->dir);
	snprintf(self->sub, sizeof(self->sub), "%s/sub", self->top);
	ASSERT_EQ(0, mkdir(self->top, 0755));
	ASSERT_EQ(0, kisol_mnt_tmpfs(self->top, "mode=0755"));
	ASSERT_EQ(0, mkdir(self->sub, 0755));
	snprintf(f, sizeof(f), "%s/f", self->top);
	fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, kisol_spawn(&so, park, NULL, &self->child));
	self->userns = kisol_ns_open(self->child.pid, KISOL_NS_USER);
	ASSERT_LE(0, self->userns);
	/* tmpfs itself must take an idmapping (6.3+), else nothing here can run */
	self->tree = kisol_mnt_clone_tree(self->top, false);
	ASSERT_LE(0, self->tree);
	r = idmap(self->tree, self->userns, false);
	close(self->tree);
	self->tree = -1;
	if (r == -EINVAL)
		SKIP(return, "tmpfs refuses idmapped mounts (EINVAL): tmpfs supports them since 6.3");
	ASSERT_EQ(0, r);
}

/* Teardown shared by the idmapped-tree fixtures. */
static void id_release(struct __test_metadata *_metadata, int tree, int userns,
		       struct kisol_child *child, const char *dir)
{
	if (tree >= 0)
		close(tree);
	if (userns >= 0)
		close(userns);
	kisol_child_release(child);
	if (dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(dir));
}

FIXTURE_TEARDOWN(idtree)
{
	id_release(_metadata, self->tree, self->userns, &self->child, self->dir);
}

static int owner_in(int tree, const char *name)
{
	struct stat st;

	return fstatat(tree, name, &st, 0) ? -errno : (int)st.st_uid;
}

/*
 * top (tmpfs, idmappable) with a proc mount at top/sub (proc cannot be
 * idmapped): a recursive idmapping fails and top is not idmapped either.
 */
TEST_F(idtree, one_unsupported_mount_fails_whole_tree)
{
	int sub;

	ASSERT_EQ(0, kisol_mnt_mount("proc", self->sub, "proc", 0, NULL));
	/* precondition: the submount alone is refused */
	sub = kisol_mnt_clone_tree(self->sub, false);
	ASSERT_LE(0, sub);
	EXPECT_EQ(-EINVAL, idmap(sub, self->userns, false));
	close(sub);
	self->tree = kisol_mnt_clone_tree(self->top, true);
	ASSERT_LE(0, self->tree);
	EXPECT_EQ(-EINVAL, idmap(self->tree, self->userns, true));
	EXPECT_EQ(0, owner_in(self->tree, "f")) TH_LOG("top was idmapped by a refused call");
	/* control: without the submount the same idmapping applies to top */
	close(self->tree);
	self->tree = kisol_mnt_clone_tree(self->top, false);
	ASSERT_LE(0, self->tree);
	ASSERT_EQ(0, idmap(self->tree, self->userns, true));
	EXPECT_EQ(10000, owner_in(self->tree, "f"));
}
KISOL_META(idtree, one_unsupported_mount_fails_whole_tree, "commit=9caccd41541a")

/*
 * After unshare(CLONE_NEWNS), an attached mount of the old namespace
 * (open_tree without clone) cannot be idmapped; a detached clone can.
 */
TEST_F(idtree, attached_outside_namespace_refused)
{
	int attached, detached, st;
	pid_t pid;

	attached = kisol_mnt_open_tree(AT_FDCWD, self->top, OPEN_TREE_CLOEXEC);
	ASSERT_LE(0, attached);
	detached = kisol_mnt_clone_tree(self->top, false);
	ASSERT_LE(0, detached);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS))
			_exit(10);
		if (idmap(attached, self->userns, false) != -EINVAL)
			_exit(11);
		if (idmap(detached, self->userns, false) != 0)
			_exit(12);
		_exit(owner_in(detached, "f") == 10000 ? 0 : 13);
	}
	close(attached);
	close(detached);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st))
	TH_LOG("10: unshare, 11: attached mount not refused, 12: detached refused, 13: not mapped");
}
KISOL_META(idtree, attached_outside_namespace_refused, "commit=9caccd41541a")

enum badfd { B_CLOSED, B_TOO_LARGE, B_NOT_NSFS, B_MNT_NS, B_CLEAR };

FIXTURE(idbad) {
	char dir[PATH_MAX];
	struct kisol_child child;
	int userns, tree;
};

FIXTURE_VARIANT(idbad) {
	enum badfd b;
	int err;
};

FIXTURE_VARIANT_ADD(idbad, closed_fd) { .b = B_CLOSED, .err = EBADF };
FIXTURE_VARIANT_ADD(idbad, fd_above_int_max) { .b = B_TOO_LARGE, .err = EINVAL };
FIXTURE_VARIANT_ADD(idbad, not_a_namespace) { .b = B_NOT_NSFS, .err = EINVAL };
FIXTURE_VARIANT_ADD(idbad, mount_namespace_fd) { .b = B_MNT_NS, .err = EINVAL };
FIXTURE_VARIANT_ADD(idbad, clear_idmap) { .b = B_CLEAR, .err = EINVAL };

FIXTURE_SETUP(idbad)
{
	struct kisol_spawn_opts so = { .flags = CLONE_NEWUSER, .cgroup_fd = -1,
				       .uid_map = "0 10000 1000", .gid_map = "0 10000 1000" };

	self->child = (struct kisol_child)KISOL_CHILD_INIT;
	self->userns = self->tree = -1;
	self->dir[0] = '\0';
	/* an ordinary user's own user namespace maps one id: its files could only turn unmapped */
	NEED_ROOT_TO("write the idmapping's uid_map of 1000 ids (0 10000 1000)");
	NEED_NS(KISOL_NS_USER);
	NEED_MNT_SETATTR();
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("idb", "mode=0755", self->dir, sizeof(self->dir)));
	ASSERT_EQ(0, kisol_spawn(&so, park, NULL, &self->child));
	self->userns = kisol_ns_open(self->child.pid, KISOL_NS_USER);
	ASSERT_LE(0, self->userns);
	self->tree = kisol_mnt_clone_tree(self->dir, false);
	ASSERT_LE(0, self->tree);
}

FIXTURE_TEARDOWN(idbad)
{
	id_release(_metadata, self->tree, self->userns, &self->child, self->dir);
}

TEST_F(idbad, refused_then_valid_one_applies)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP };
	int fd = -1, r;

	switch (variant->b) {
	case B_CLOSED:
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		close(fd);
		a.userns_fd = fd;
		fd = -1;
		break;
	case B_TOO_LARGE:
		a.userns_fd = (uint64_t)INT32_MAX + 1;
		break;
	case B_NOT_NSFS:
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		a.userns_fd = fd;
		break;
	case B_MNT_NS:
		fd = kisol_ns_open(self->child.pid, KISOL_NS_MNT);
		a.userns_fd = fd;
		break;
	case B_CLEAR:
		a.attr_set = 0;
		a.attr_clr = MOUNT_ATTR_IDMAP;
		a.userns_fd = self->userns;
		break;
	}
	r = kisol_mnt_mount_setattr(self->tree, "", AT_EMPTY_PATH, &a, sizeof(a));
	if (fd >= 0)
		close(fd);
	EXPECT_EQ(-variant->err, r);
	/* the clone is still un-idmapped: a valid idmapping is taken (or tmpfs cannot, < 6.3) */
	r = idmap(self->tree, self->userns, false);
	if (r == -EINVAL)
		SKIP(return, "tmpfs refuses idmapped mounts (EINVAL): tmpfs supports them since 6.3");
	EXPECT_EQ(0, r);
}
KISOL_META(idbad, refused_then_valid_one_applies, "commit=9caccd41541a")

KISOL_META_FIXTURE(tree, "sides=one: one mount namespace and the rollback is checked on every mount of the tree")
KISOL_META_FIXTURE(global, "sides=both")
KISOL_META_FIXTURE(idtree, "sides=one: detached trees and every mount of the tree is checked")
KISOL_META_FIXTURE(idbad, "sides=one: the refusal and the same mount taking a valid idmapping afterwards")

KISOL_MAIN
