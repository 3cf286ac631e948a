// SPDX-License-Identifier: GPL-2.0-only
/*
 * The new mount API: fsopen/fsconfig/fsmount/move_mount/open_tree/fspick
 * and mount_setattr. Mount attributes set at fsmount time and by
 * mount_setattr (recursive and not), their effect (not only the flag in
 * mountinfo), propagation changes, idmapped mounts into a user namespace,
 * and the errors each call documents. fsopen & co: commit 24dcb3d90a1f
 * (5.2); mount_setattr: commit 2a1867219c7b (5.12); idmapped mounts:
 * commit 9caccd41541a (5.12).
 */
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "kisol_test.h"
#include "kisol/mount.h"

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static int touch(const char *dir, const char *name, mode_t mode)
{
	char p[PATH_MAX + 64];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

FIXTURE(nm) {
	char dir[PATH_MAX];
	char a[PATH_MAX + 8], b[PATH_MAX + 8];
};

FIXTURE_SETUP(nm)
{
	self->dir[0] = '\0';
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("newapi", "mode=0755", self->dir, sizeof(self->dir)));
	snprintf(self->a, sizeof(self->a), "%s/a", self->dir);
	snprintf(self->b, sizeof(self->b), "%s/b", self->dir);
	mkdir(self->a, 0755);
	mkdir(self->b, 0755);
}

FIXTURE_TEARDOWN(nm)
{
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->dir));
}

FIXTURE_VARIANT(nm) {
	unsigned attr;   /* MOUNT_ATTR_* */
	const char *opt; /* per-mount option in mountinfo */
	bool by_setattr; /* set after the fact with mount_setattr instead of fsmount */
};

#define ATTR(name, a, o)                                                             \
	FIXTURE_VARIANT_ADD(nm, name##_fsmount) { .attr = a, .opt = o };             \
	FIXTURE_VARIANT_ADD(nm, name##_setattr) { .attr = a, .opt = o, .by_setattr = true }

/* each attribute on its mount and absent from another mount of the same superblock */
KISOL_META_FIXTURE(nm, "sides=both")

ATTR(rdonly, MOUNT_ATTR_RDONLY, "ro");
ATTR(nosuid, MOUNT_ATTR_NOSUID, "nosuid");
ATTR(nodev, MOUNT_ATTR_NODEV, "nodev");
ATTR(noexec, MOUNT_ATTR_NOEXEC, "noexec");
ATTR(nosymfollow, MOUNT_ATTR_NOSYMFOLLOW, "nosymfollow");
ATTR(noatime, MOUNT_ATTR_NOATIME, "noatime");

/*
 * A tmpfs at a with the variant's attribute (at fsmount time or by
 * mount_setattr afterwards); files are made through a writable bind of the
 * same superblock at b.
 */
static void mount_with_attr(struct __test_metadata *_metadata, FIXTURE_DATA(nm) *self,
			    const FIXTURE_VARIANT(nm) *variant)
{
	char log[256], p[PATH_MAX + 16];
	int fd;

	NEED_MOUNT_API();
	if (variant->by_setattr)
		NEED_MNT_SETATTR();
	fd = kisol_mnt_fs_create("tmpfs", "kisol", "mode=0755",
				 variant->by_setattr ? 0 : variant->attr, log, sizeof(log));
	ASSERT_LE(0, fd) TH_LOG("%s", log);
	ASSERT_EQ(0, kisol_mnt_attach(fd, self->a));
	close(fd);
	ASSERT_EQ(0, kisol_mnt_bind(self->a, self->b, false));
	/* b: none of the attributes (an atime mode is kept unless one is given) */
	ASSERT_EQ(0, kisol_mnt_remount_bind(self->b, MS_RELATIME));
	ASSERT_EQ(0, touch(self->b, "exe", 0755));
	/* rootless: no device node (only nodev's attr_enforced uses it, and needs root) */
	snprintf(p, sizeof(p), "%s/null", self->b);
	if (kisol_is_root())
		ASSERT_EQ(0, mknod(p, S_IFCHR | 0666, makedev(1, 3)));
	snprintf(p, sizeof(p), "%s/link", self->b);
	ASSERT_EQ(0, symlink("exe", p));
	if (variant->by_setattr)
		/* atime modes are changed by clearing MOUNT_ATTR__ATIME too */
		ASSERT_EQ(0, kisol_mnt_setattr(AT_FDCWD, self->a, variant->attr,
					       (variant->attr & MOUNT_ATTR__ATIME) ? MOUNT_ATTR__ATIME : 0,
					       0, false));
}

/* The attribute shows in mountinfo. */
TEST_F(nm, attr_in_mountinfo)
{
	struct kisol_mnt_info m;

	mount_with_attr(_metadata, self, variant);
	ASSERT_EQ(0, kisol_mnt_info(0, self->a, &m));
	EXPECT_EQ(1, kisol_mnt_has_option(m.options, variant->opt)) TH_LOG("options: %s", m.options);
	/* a per-mount attribute: the other mount of the same superblock lacks it */
	ASSERT_EQ(0, kisol_mnt_info(0, self->b, &m));
	EXPECT_EQ(0, kisol_mnt_has_option(m.options, variant->opt)) TH_LOG("b's options: %s", m.options);
}

/* The attribute takes effect. */
TEST_F(nm, attr_enforced)
{
	char p[PATH_MAX + 16];
	struct stat st;
	int fd;

	if (variant->attr == MOUNT_ATTR_NODEV)
		NEED_ROOT_TO("make a device node (a tmpfs mounted in a user namespace is nodev anyway)");
	mount_with_attr(_metadata, self, variant);
	switch (variant->attr) {
	case MOUNT_ATTR_RDONLY:
		EXPECT_EQ(-EROFS, touch(self->a, "new", 0644));
		EXPECT_EQ(0, touch(self->b, "new", 0644)) TH_LOG("read-only reached the superblock");
		break;
	case MOUNT_ATTR_NOSUID: {
		struct statvfs sv;

		ASSERT_EQ(0, statvfs(self->a, &sv));
		EXPECT_TRUE(!!(sv.f_flag & ST_NOSUID));
		ASSERT_EQ(0, statvfs(self->b, &sv));
		EXPECT_FALSE(!!(sv.f_flag & ST_NOSUID)) TH_LOG("nosuid reached the other mount");
		break;
	}
	case MOUNT_ATTR_NODEV:
		snprintf(p, sizeof(p), "%s/null", self->a);
		fd = open(p, O_WRONLY);
		EXPECT_EQ(-1, fd);
		EXPECT_EQ(EACCES, errno);
		if (fd >= 0)
			close(fd);
		snprintf(p, sizeof(p), "%s/null", self->b);
		fd = open(p, O_WRONLY | O_CLOEXEC);
		EXPECT_LE(0, fd) TH_LOG("nodev reached the other mount: %m");
		if (fd >= 0)
			close(fd);
		break;
	case MOUNT_ATTR_NOEXEC:
		snprintf(p, sizeof(p), "%s/exe", self->a);
		EXPECT_EQ(-1, access(p, X_OK));
		EXPECT_EQ(EACCES, errno);
		snprintf(p, sizeof(p), "%s/exe", self->b);
		EXPECT_EQ(0, access(p, X_OK)) TH_LOG("noexec reached the other mount");
		break;
	case MOUNT_ATTR_NOSYMFOLLOW:
		snprintf(p, sizeof(p), "%s/link", self->a);
		fd = open(p, O_RDONLY);
		EXPECT_EQ(-1, fd);
		EXPECT_EQ(ELOOP, errno);
		if (fd >= 0)
			close(fd);
		EXPECT_EQ(0, lstat(p, &st)); /* the link itself is still there */
		snprintf(p, sizeof(p), "%s/link", self->b);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		EXPECT_LE(0, fd) TH_LOG("nosymfollow reached the other mount: %m");
		if (fd >= 0)
			close(fd);
		break;
	case MOUNT_ATTR_NOATIME: {
		struct timespec ts[2] = { { 1000, 0 }, { 1000, 0 } };
		char buf[4];

		snprintf(p, sizeof(p), "%s/exe", self->a);
		ASSERT_EQ(0, utimensat(AT_FDCWD, p, ts, 0));
		fd = open(p, O_RDONLY);
		ASSERT_LE(0, fd);
		ASSERT_LE(0, read(fd, buf, sizeof(buf)));
		close(fd);
		ASSERT_EQ(0, stat(p, &st));
		EXPECT_EQ(1000, (long)st.st_atime) TH_LOG("atime updated under noatime");
		/* the same read through the other mount (relatime) does update it */
		snprintf(p, sizeof(p), "%s/exe", self->b);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_LE(0, read(fd, buf, sizeof(buf)));
		close(fd);
		ASSERT_EQ(0, stat(p, &st));
		EXPECT_NE(1000, (long)st.st_atime) TH_LOG("noatime reached the other mount");
		break;
	}
	}
}

/* ------------------------------------------------------------------ */

FIXTURE(tree) {
	char dir[PATH_MAX];
	char top[PATH_MAX + 16], sub[PATH_MAX + 16], other[PATH_MAX + 16];
};

FIXTURE_SETUP(tree)
{
	self->dir[0] = '\0';
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("tree", NULL, self->dir, sizeof(self->dir)));
	snprintf(self->top, sizeof(self->top), "%s/top", self->dir);
	snprintf(self->sub, sizeof(self->sub), "%s/top/sub", self->dir);
	snprintf(self->other, sizeof(self->other), "%s/other", self->dir);
	ASSERT_EQ(0, mkdir(self->top, 0755));
	ASSERT_EQ(0, mkdir(self->other, 0755));
	ASSERT_EQ(0, kisol_mnt_tmpfs(self->top, NULL));
	ASSERT_EQ(0, mkdir(self->sub, 0755));
	ASSERT_EQ(0, kisol_mnt_tmpfs(self->sub, NULL));
}

FIXTURE_TEARDOWN(tree)
{
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->dir));
}

/* mount_setattr AT_RECURSIVE makes the whole tree read-only; without it only the top. */
TEST_F(tree, setattr_recursive_rdonly)
{
	NEED_MNT_SETATTR();
	ASSERT_EQ(0, kisol_mnt_setattr(AT_FDCWD, self->top, MOUNT_ATTR_RDONLY, 0, 0, true));
	EXPECT_EQ(-EROFS, touch(self->top, "x", 0644));
	EXPECT_EQ(-EROFS, touch(self->sub, "x", 0644));
	ASSERT_EQ(0, kisol_mnt_setattr(AT_FDCWD, self->top, 0, MOUNT_ATTR_RDONLY, 0, true));
	EXPECT_EQ(0, touch(self->sub, "x", 0644));
}
KISOL_META(tree, setattr_recursive_rdonly, "sides=one: the attribute through the mounts it was set on (nm checks that another mount of the superblock lacks it);commit=2a1867219c7b")

TEST_F(tree, setattr_plain_rdonly_top_only)
{
	NEED_MNT_SETATTR();
	ASSERT_EQ(0, kisol_mnt_setattr(AT_FDCWD, self->top, MOUNT_ATTR_RDONLY, 0, 0, false));
	EXPECT_EQ(-EROFS, touch(self->top, "x", 0644));
	EXPECT_EQ(0, touch(self->sub, "x", 0644));
}
KISOL_META(tree, setattr_plain_rdonly_top_only, "sides=both;commit=2a1867219c7b")

/* Propagation by mount_setattr: shared gets a peer group, then private drops it. */
TEST_F(tree, setattr_propagation)
{
	struct kisol_mnt_info m;

	NEED_MNT_SETATTR();
	ASSERT_EQ(0, kisol_mnt_setattr(AT_FDCWD, self->top, 0, 0, MS_SHARED, true));
	ASSERT_EQ(0, kisol_mnt_info(0, self->sub, &m));
	EXPECT_LT(0, m.shared);
	ASSERT_EQ(0, kisol_mnt_setattr(AT_FDCWD, self->top, 0, 0, MS_UNBINDABLE, false));
	ASSERT_EQ(0, kisol_mnt_info(0, self->top, &m));
	EXPECT_TRUE(m.unbindable);
	EXPECT_EQ(-EINVAL, kisol_mnt_bind(self->top, self->other, false));
	ASSERT_EQ(0, kisol_mnt_setattr(AT_FDCWD, self->top, 0, 0, MS_PRIVATE, true));
	ASSERT_EQ(0, kisol_mnt_info(0, self->sub, &m));
	EXPECT_EQ(0, m.shared);
}
KISOL_META(tree, setattr_propagation, "sides=one: propagation tags of our own mount table;commit=2a1867219c7b")

/* open_tree(OPEN_TREE_CLONE|AT_RECURSIVE) copies the tree; without AT_RECURSIVE only the top. */
TEST_F(tree, open_tree_clone_recursive)
{
	char p[PATH_MAX + 32];
	int fd;

	NEED_MOUNT_API();
	ASSERT_EQ(0, touch(self->sub, "marker", 0644));
	fd = kisol_mnt_clone_tree(self->top, true);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kisol_mnt_attach(fd, self->other));
	close(fd);
	snprintf(p, sizeof(p), "%s/sub/marker", self->other);
	EXPECT_EQ(0, access(p, F_OK));
	ASSERT_EQ(0, kisol_mnt_detach(self->other));
	fd = kisol_mnt_clone_tree(self->top, false);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kisol_mnt_attach(fd, self->other));
	close(fd);
	EXPECT_EQ(-1, access(p, F_OK)) TH_LOG("plain clone carried the submount");
}
KISOL_META(tree, open_tree_clone_recursive, "sides=one: what the attached copy holds, with and without AT_RECURSIVE")

/* move_mount of an attached mount (open_tree without clone) moves it. */
TEST_F(tree, move_mount_attached)
{
	char p[PATH_MAX + 32];
	int fd;

	NEED_MOUNT_API();
	ASSERT_EQ(0, touch(self->sub, "m", 0644));
	fd = kisol_mnt_open_tree(AT_FDCWD, self->sub, OPEN_TREE_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kisol_mnt_move_mount(fd, "", AT_FDCWD, self->other, MOVE_MOUNT_F_EMPTY_PATH));
	close(fd);
	snprintf(p, sizeof(p), "%s/m", self->other);
	EXPECT_EQ(0, access(p, F_OK));
	EXPECT_EQ(0, kisol_mnt_is_mountpoint(self->sub));
}
KISOL_META(tree, move_mount_attached, "sides=both")

/* fspick + FSCONFIG_CMD_RECONFIGURE changes the superblock (tmpfs size). */
TEST_F(tree, fspick_reconfigure)
{
	struct kisol_mnt_info m;
	int fd;

	NEED_MOUNT_API();
	fd = kisol_mnt_fspick(AT_FDCWD, self->top, FSPICK_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kisol_mnt_fsconfig(fd, FSCONFIG_SET_STRING, "size", "4m", 0));
	ASSERT_EQ(0, kisol_mnt_fsconfig(fd, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
	close(fd);
	ASSERT_EQ(0, kisol_mnt_info(0, self->top, &m));
	EXPECT_NE(NULL, strstr(m.super_options, "size=4096k")) TH_LOG("%s", m.super_options);
}
KISOL_META(tree, fspick_reconfigure, "sides=one: the superblock option after reconfiguration")

/* A detached mount is invisible in mountinfo until attached; closing it unmounts. */
TEST_F(tree, detached_mount_invisible)
{
	int before, fd;

	NEED_MOUNT_API();
	before = kisol_mnt_count(0);
	fd = kisol_mnt_fs_create("tmpfs", "kisol", NULL, 0, NULL, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(before, kisol_mnt_count(0));
	ASSERT_EQ(0, kisol_mnt_attach(fd, self->other));
	EXPECT_EQ(before + 1, kisol_mnt_count(0));
	close(fd);
	EXPECT_EQ(1, kisol_mnt_is_mountpoint(self->other));
}
KISOL_META(tree, detached_mount_invisible, "sides=one: our mount table before and after the attach")

/* ------------------------------------------------------------------ */
/* Idmapped mounts                                                     */

static int wait_forever(int sock, void *arg)
{
	(void)arg;
	kisol_recv_int(sock, &(int64_t){ 0 }, -1);
	return 0;
}

FIXTURE(idmap) {
	char dir[PATH_MAX];
	char src[PATH_MAX + 8], dst[PATH_MAX + 8];
	struct kisol_child child;
	int userns;
};

FIXTURE_SETUP(idmap)
{
	struct kisol_spawn_opts so = { .flags = CLONE_NEWUSER, .cgroup_fd = -1,
				       .uid_map = "0 10000 1000", .gid_map = "0 10000 1000" };
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	self->userns = -1;
	self->dir[0] = '\0';
	/* an ordinary user's own user namespace maps one id: its files could only turn unmapped */
	NEED_ROOT_TO("write the idmapping's uid_map of 1000 ids (0 10000 1000)");
	NEED_NS(KISOL_NS_USER);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("idmap", "mode=0755", self->dir, sizeof(self->dir)));
	snprintf(self->src, sizeof(self->src), "%s/src", self->dir);
	snprintf(self->dst, sizeof(self->dst), "%s/dst", self->dir);
	ASSERT_EQ(0, mkdir(self->src, 0777));
	ASSERT_EQ(0, mkdir(self->dst, 0755));
	ASSERT_EQ(0, touch(self->src, "owned_by_0", 0644));
	ASSERT_EQ(0, kisol_spawn(&so, wait_forever, NULL, &self->child));
	self->userns = kisol_ns_open(self->child.pid, KISOL_NS_USER);
	ASSERT_LE(0, self->userns);
}

FIXTURE_TEARDOWN(idmap)
{
	if (self->userns >= 0)
		close(self->userns);
	kisol_child_release(&self->child);
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->dir));
}

#define NEED_IDMAP(r)                                                                     \
	do {                                                                              \
		if ((r) == -ENOSYS)                                                       \
			SKIP(return, "mount_setattr gives ENOSYS (5.12+)");               \
		if ((r) == -EINVAL && kisol_mnt_setattr_probe() == 0)                     \
			SKIP(return, "tmpfs idmapped mounts refused (EINVAL): tmpfs supports them since 6.3"); \
	} while (0)

/* Files owned by 0 on disk appear owned by 10000 through a mount idmapped with 0->10000. */
TEST_F(idmap, owner_mapped)
{
	char p[2 * PATH_MAX];
	struct stat st;
	int r;

	r = kisol_mnt_idmapped(self->src, self->dst, self->userns, false);
	NEED_IDMAP(r);
	ASSERT_EQ(0, r);
	snprintf(p, sizeof(p), "%s/owned_by_0", self->dst);
	ASSERT_EQ(0, stat(p, &st));
	EXPECT_EQ(10000, (int)st.st_uid);
	EXPECT_EQ(10000, (int)st.st_gid);
	/* the original mount is unchanged */
	snprintf(p, sizeof(p), "%s/owned_by_0", self->src);
	ASSERT_EQ(0, stat(p, &st));
	EXPECT_EQ(0, (int)st.st_uid);
}
KISOL_META(idmap, owner_mapped, "sides=both;commit=9caccd41541a")

/* Creating a file through the idmapped mount as uid 0 (unmapped there) fails with EOVERFLOW. */
TEST_F(idmap, unmapped_creator_refused)
{
	int r = kisol_mnt_idmapped(self->src, self->dst, self->userns, false);

	NEED_IDMAP(r);
	ASSERT_EQ(0, r);
	EXPECT_EQ(-EOVERFLOW, touch(self->dst, "new", 0644));
}
KISOL_META(idmap, unmapped_creator_refused, "sides=one: a refusal (EOVERFLOW) through the idmapped mount;commit=9caccd41541a")

/* A mapped creator: fsuid 10000 through the idmapped mount writes uid 0 on disk. */
TEST_F(idmap, mapped_creator_writes_mapped_down)
{
	char p[2 * PATH_MAX];
	struct stat st;
	int r = kisol_mnt_idmapped(self->src, self->dst, self->userns, false);

	NEED_IDMAP(r);
	ASSERT_EQ(0, r);
	setfsuid(10000);
	setfsgid(10000);
	r = touch(self->dst, "by_10000", 0644);
	setfsuid(0);
	setfsgid(0);
	ASSERT_EQ(0, r);
	snprintf(p, sizeof(p), "%s/by_10000", self->src);
	ASSERT_EQ(0, stat(p, &st));
	EXPECT_EQ(0, (int)st.st_uid) TH_LOG("on-disk owner should be mapped down to 0");
}
KISOL_META(idmap, mapped_creator_writes_mapped_down, "sides=both;commit=9caccd41541a")

/* Idmapping an attached mount (not a detached clone) is refused. */
TEST_F(idmap, attached_mount_refused)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)self->userns };

	NEED_MNT_SETATTR();
	EXPECT_EQ(-EINVAL, kisol_mnt_mount_setattr(AT_FDCWD, self->dir, 0, &a, sizeof(a)));
}
KISOL_META(idmap, attached_mount_refused, "sides=one: a refusal (EINVAL);commit=9caccd41541a")

/* The initial user namespace cannot be used for an idmapping. */
TEST_F(idmap, initial_userns_refused)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP };
	int fd, ns, r;

	NEED_MNT_SETATTR();
	fd = kisol_mnt_clone_tree(self->src, false);
	ASSERT_LE(0, fd);
	ns = kisol_ns_open(0, KISOL_NS_USER);
	ASSERT_LE(0, ns);
	a.userns_fd = ns;
	r = kisol_mnt_mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a));
	close(ns);
	close(fd);
	EXPECT_EQ(-EPERM, r);
}
KISOL_META(idmap, initial_userns_refused, "sides=one: a refusal (EINVAL);commit=9caccd41541a")

/* A mount can be idmapped once only. */
TEST_F(idmap, idmap_twice_refused)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)self->userns };
	int fd, r;

	fd = kisol_mnt_clone_tree(self->src, false);
	ASSERT_LE(0, fd);
	r = kisol_mnt_mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a));
	if (r < 0)
		close(fd);
	NEED_IDMAP(r);
	ASSERT_EQ(0, r);
	EXPECT_EQ(-EPERM, kisol_mnt_mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a)));
	close(fd);
}
KISOL_META(idmap, idmap_twice_refused, "sides=one: a refusal of the second idmapping;commit=9caccd41541a")

/* ------------------------------------------------------------------ */
/* Errors the calls document                                           */

enum nerr {
	N_FSOPEN_UNKNOWN_FS, N_FSOPEN_BAD_FLAGS, N_FSCONFIG_UNKNOWN_KEY, N_FSCONFIG_NOT_FSFD,
	N_FSMOUNT_BEFORE_CREATE, N_FSMOUNT_BAD_ATTR, N_MOVE_MOUNT_BAD_FD, N_OPEN_TREE_MISSING,
	N_OPEN_TREE_BAD_FLAGS, N_SETATTR_BAD_ATTR, N_SETATTR_SMALL_SIZE, N_SETATTR_BAD_PROPAGATION,
	N_FSPICK_NOT_MOUNTPOINT,
};

FIXTURE(nerr) {
	char dir[PATH_MAX];
};

FIXTURE_VARIANT(nerr) {
	enum nerr c;
	int err;
	bool setattr; /* needs mount_setattr */
};

FIXTURE_VARIANT_ADD(nerr, fsopen_unknown_fs) { .c = N_FSOPEN_UNKNOWN_FS, .err = ENODEV };
FIXTURE_VARIANT_ADD(nerr, fsopen_bad_flags) { .c = N_FSOPEN_BAD_FLAGS, .err = EINVAL };
FIXTURE_VARIANT_ADD(nerr, fsconfig_unknown_key) { .c = N_FSCONFIG_UNKNOWN_KEY, .err = EINVAL };
FIXTURE_VARIANT_ADD(nerr, fsconfig_not_an_fs_context) { .c = N_FSCONFIG_NOT_FSFD, .err = EINVAL };
FIXTURE_VARIANT_ADD(nerr, fsmount_before_create) { .c = N_FSMOUNT_BEFORE_CREATE, .err = EINVAL };
FIXTURE_VARIANT_ADD(nerr, fsmount_bad_attr) { .c = N_FSMOUNT_BAD_ATTR, .err = EINVAL };
FIXTURE_VARIANT_ADD(nerr, move_mount_bad_fd) { .c = N_MOVE_MOUNT_BAD_FD, .err = EBADF };
FIXTURE_VARIANT_ADD(nerr, open_tree_missing_path) { .c = N_OPEN_TREE_MISSING, .err = ENOENT };
FIXTURE_VARIANT_ADD(nerr, open_tree_bad_flags) { .c = N_OPEN_TREE_BAD_FLAGS, .err = EINVAL };
FIXTURE_VARIANT_ADD(nerr, setattr_unknown_attr) { .c = N_SETATTR_BAD_ATTR, .err = EINVAL, .setattr = true };
FIXTURE_VARIANT_ADD(nerr, setattr_size_too_small) { .c = N_SETATTR_SMALL_SIZE, .err = EINVAL, .setattr = true };
FIXTURE_VARIANT_ADD(nerr, setattr_two_propagations) { .c = N_SETATTR_BAD_PROPAGATION, .err = EINVAL, .setattr = true };
FIXTURE_VARIANT_ADD(nerr, fspick_not_a_mount_root) { .c = N_FSPICK_NOT_MOUNTPOINT, .err = EINVAL };

FIXTURE_SETUP(nerr)
{
	self->dir[0] = '\0';
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("nerr", NULL, self->dir, sizeof(self->dir)));
}

FIXTURE_TEARDOWN(nerr)
{
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->dir));
}

TEST_F(nerr, refused)
{
	struct mount_attr a = { 0 };
	char p[PATH_MAX + 32];
	int fd = -1, r = 0;

	NEED_MOUNT_API();
	if (variant->setattr)
		NEED_MNT_SETATTR();
	switch (variant->c) {
	case N_FSOPEN_UNKNOWN_FS:
		r = kisol_mnt_fsopen("kisol-no-such-fs", FSOPEN_CLOEXEC);
		break;
	case N_FSOPEN_BAD_FLAGS:
		r = kisol_mnt_fsopen("tmpfs", 0x80);
		break;
	case N_FSCONFIG_UNKNOWN_KEY:
		fd = kisol_mnt_fsopen("tmpfs", FSOPEN_CLOEXEC);
		r = kisol_mnt_fsconfig(fd, FSCONFIG_SET_STRING, "kisol_no_such_key", "1", 0);
		break;
	case N_FSCONFIG_NOT_FSFD:
		fd = open(self->dir, O_RDONLY | O_DIRECTORY);
		r = kisol_mnt_fsconfig(fd, FSCONFIG_SET_STRING, "size", "1m", 0);
		break;
	case N_FSMOUNT_BEFORE_CREATE:
		fd = kisol_mnt_fsopen("tmpfs", FSOPEN_CLOEXEC);
		r = kisol_mnt_fsmount(fd, FSMOUNT_CLOEXEC, 0);
		break;
	case N_FSMOUNT_BAD_ATTR:
		fd = kisol_mnt_fsopen("tmpfs", FSOPEN_CLOEXEC);
		kisol_mnt_fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
		r = kisol_mnt_fsmount(fd, FSMOUNT_CLOEXEC, 0x40000000);
		break;
	case N_MOVE_MOUNT_BAD_FD:
		r = kisol_mnt_move_mount(9999, "", AT_FDCWD, self->dir, MOVE_MOUNT_F_EMPTY_PATH);
		break;
	case N_OPEN_TREE_MISSING:
		snprintf(p, sizeof(p), "%s/missing", self->dir);
		r = kisol_mnt_open_tree(AT_FDCWD, p, OPEN_TREE_CLONE);
		break;
	case N_OPEN_TREE_BAD_FLAGS:
		r = kisol_mnt_open_tree(AT_FDCWD, self->dir, 0x4000000);
		break;
	case N_SETATTR_BAD_ATTR:
		a.attr_set = 0x40000000;
		r = kisol_mnt_mount_setattr(AT_FDCWD, self->dir, 0, &a, sizeof(a));
		break;
	case N_SETATTR_SMALL_SIZE:
		a.attr_set = MOUNT_ATTR_RDONLY;
		r = kisol_mnt_mount_setattr(AT_FDCWD, self->dir, 0, &a, 8);
		break;
	case N_SETATTR_BAD_PROPAGATION:
		a.propagation = MS_SHARED | MS_PRIVATE;
		r = kisol_mnt_mount_setattr(AT_FDCWD, self->dir, 0, &a, sizeof(a));
		break;
	case N_FSPICK_NOT_MOUNTPOINT:
		snprintf(p, sizeof(p), "%s/plain", self->dir);
		mkdir(p, 0755);
		r = kisol_mnt_fspick(AT_FDCWD, p, FSPICK_CLOEXEC);
		break;
	}
	if (r >= 0 && variant->c != N_FSCONFIG_UNKNOWN_KEY)
		close(r);
	if (fd >= 0)
		close(fd);
	EXPECT_EQ(-variant->err, r > 0 ? 0 : r) TH_LOG("gave %s, expected %s",
						       r < 0 ? strerrorname_np(-r) : "success",
						       strerrorname_np(variant->err));
	/* nothing got mounted on the scratch dir */
	EXPECT_EQ(1, kisol_mnt_count(0) > 0);
}
KISOL_META(nerr, refused, "sides=one: argument errors, nothing is mounted")

KISOL_MAIN
