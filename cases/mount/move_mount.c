// SPDX-License-Identifier: GPL-2.0-only
/*
 * move_mount() flags beyond moving (selftests move_mount_set_group, LTP
 * move_mount03):
 *  - MOVE_MOUNT_SET_GROUP puts a private mount into the peer group of
 *    another mount of the same superblock whose root covers it (what CRIU
 *    restores sharing with): afterwards mounts propagate both ways. Refused
 *    (EINVAL) for a private source, a shared target, another superblock, a
 *    narrower source, a path that is no mount root. 9ffb14ef61ba (5.15).
 *  - MOVE_MOUNT_BENEATH slides a mount under the top mount of a path: the
 *    top stays visible and the new mount appears once the top is
 *    unmounted (atomic replacement of a mount). Refused on a path that is
 *    no mount point and on the caller's root. 6ac392815628 (6.5).
 */
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "kisol_test.h"
#include "kisol/mount.h"

/* linux/mount.h of older installed headers lacks them */
#ifndef MOVE_MOUNT_SET_GROUP
#define MOVE_MOUNT_SET_GROUP 0x00000100
#endif
#ifndef MOVE_MOUNT_BENEATH
#define MOVE_MOUNT_BENEATH 0x00000200
#endif

static bool kernel_at_least(int maj, int min)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return true;
	return a > maj || (a == maj && b >= min);
}

static int touch(const char *dir, const char *name)
{
	char p[PATH_MAX + 64];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int present(const char *dir, const char *name)
{
	char p[PATH_MAX + 64];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

static int set_group(const char *from, const char *to)
{
	return kisol_mnt_move_mount(AT_FDCWD, from, AT_FDCWD, to, MOVE_MOUNT_SET_GROUP);
}

enum sg { SG_OK, SG_FROM_PRIVATE, SG_TO_SHARED, SG_OTHER_SB, SG_FROM_NARROWER, SG_NOT_ROOT };

FIXTURE(setgroup) {
	char dir[PATH_MAX];
	char a[PATH_MAX + 8], b[PATH_MAX + 8];
};

FIXTURE_VARIANT(setgroup) {
	enum sg c;
};

FIXTURE_VARIANT_ADD(setgroup, joins_peer_group) { .c = SG_OK };
FIXTURE_VARIANT_ADD(setgroup, from_private_einval) { .c = SG_FROM_PRIVATE };
FIXTURE_VARIANT_ADD(setgroup, to_shared_einval) { .c = SG_TO_SHARED };
FIXTURE_VARIANT_ADD(setgroup, other_superblock_einval) { .c = SG_OTHER_SB };
FIXTURE_VARIANT_ADD(setgroup, from_narrower_einval) { .c = SG_FROM_NARROWER };
FIXTURE_VARIANT_ADD(setgroup, not_mount_root_einval) { .c = SG_NOT_ROOT };

/* a: a shared tmpfs with a subdirectory s; b: a private bind of it (same superblock). */
FIXTURE_SETUP(setgroup)
{
	char s[PATH_MAX + 16];

	self->dir[0] = '\0';
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	NEED_MOUNT_API();
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("sg", "mode=0755", self->dir, sizeof(self->dir)));
	snprintf(self->a, sizeof(self->a), "%s/a", self->dir);
	snprintf(self->b, sizeof(self->b), "%s/b", self->dir);
	ASSERT_EQ(0, mkdir(self->a, 0755));
	ASSERT_EQ(0, mkdir(self->b, 0755));
	ASSERT_EQ(0, kisol_mnt_tmpfs(self->a, "mode=0755"));
	snprintf(s, sizeof(s), "%s/s", self->a);
	ASSERT_EQ(0, mkdir(s, 0755));
	ASSERT_EQ(0, kisol_mnt_set_propagation(self->a, MS_SHARED, false));
}

FIXTURE_TEARDOWN(setgroup)
{
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->dir));
}

TEST_F(setgroup, move_mount_set_group)
{
	struct kisol_mnt_info ma, mb;
	char from[PATH_MAX + 16], to[PATH_MAX + 16], x[PATH_MAX + 16];
	int r;

	snprintf(from, sizeof(from), "%s", self->a);
	snprintf(to, sizeof(to), "%s", self->b);
	switch (variant->c) {
	case SG_OTHER_SB:
		ASSERT_EQ(0, kisol_mnt_tmpfs(self->b, NULL));
		ASSERT_EQ(0, kisol_mnt_set_propagation(self->b, MS_PRIVATE, false));
		break;
	case SG_FROM_NARROWER:
		/* from: a bind of a/s (shared, same group); to: a private bind of all of a */
		ASSERT_EQ(0, kisol_mnt_bind(self->a, self->b, false));
		ASSERT_EQ(0, kisol_mnt_set_propagation(self->b, MS_PRIVATE, false));
		snprintf(from, sizeof(from), "%s/s", self->dir);
		ASSERT_EQ(0, mkdir(from, 0755));
		snprintf(x, sizeof(x), "%s/s", self->a);
		ASSERT_EQ(0, kisol_mnt_bind(x, from, false));
		break;
	default:
		ASSERT_EQ(0, kisol_mnt_bind(self->a, self->b, false));
		ASSERT_EQ(0, kisol_mnt_set_propagation(self->b, MS_PRIVATE, false));
		break;
	}
	if (variant->c == SG_FROM_PRIVATE)
		ASSERT_EQ(0, kisol_mnt_set_propagation(self->a, MS_PRIVATE, false));
	if (variant->c == SG_TO_SHARED)
		ASSERT_EQ(0, kisol_mnt_set_propagation(self->b, MS_SHARED, false));
	if (variant->c == SG_NOT_ROOT)
		snprintf(to, sizeof(to), "%s/s", self->b);
	/* control: b is not a peer of a yet, a mount on a does not reach b */
	snprintf(x, sizeof(x), "%s/s", self->a);
	if (variant->c == SG_OK) {
		ASSERT_EQ(0, kisol_mnt_tmpfs(x, NULL));
		ASSERT_EQ(1, kisol_mnt_is_mountpoint(x));
		snprintf(x, sizeof(x), "%s/s", self->b);
		EXPECT_EQ(0, kisol_mnt_is_mountpoint(x)) TH_LOG("b received a mount before joining");
	}
	r = set_group(from, to);
	if (r == -EINVAL && !kernel_at_least(5, 15))
		SKIP(return, "MOVE_MOUNT_SET_GROUP refused (EINVAL): 5.15+ (9ffb14ef61ba)");
	if (variant->c != SG_OK) {
		EXPECT_EQ(-EINVAL, r);
		ASSERT_EQ(0, kisol_mnt_info(0, self->b, &mb));
		if (variant->c != SG_TO_SHARED)
			EXPECT_EQ(0, mb.shared) TH_LOG("b joined a group on a refused call");
		return;
	}
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, kisol_mnt_info(0, self->a, &ma));
	ASSERT_EQ(0, kisol_mnt_info(0, self->b, &mb));
	EXPECT_NE(0, ma.shared);
	EXPECT_EQ(ma.shared, mb.shared) TH_LOG("peer groups: a %d, b %d", ma.shared, mb.shared);
	/* peers now: a new mount on either side appears on the other */
	ASSERT_EQ(0, mkdir(strcat(strcpy(x, self->b), "/t"), 0755));
	ASSERT_EQ(0, kisol_mnt_tmpfs(x, NULL));
	snprintf(x, sizeof(x), "%s/t", self->a);
	EXPECT_EQ(1, kisol_mnt_is_mountpoint(x)) TH_LOG("a mount on b did not propagate to a");
}
KISOL_META(setgroup, move_mount_set_group, "commit=9ffb14ef61ba")

/* ------------------------------------------------------------------ */
/* MOVE_MOUNT_BENEATH                                                  */

FIXTURE(beneath) {
	char dir[PATH_MAX];
	char p[PATH_MAX + 8];
	int fd;
};

FIXTURE_SETUP(beneath)
{
	char log[256];

	self->dir[0] = '\0';
	self->fd = -1;
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	NEED_MOUNT_API();
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("bn", "mode=0755", self->dir, sizeof(self->dir)));
	snprintf(self->p, sizeof(self->p), "%s/p", self->dir);
	ASSERT_EQ(0, mkdir(self->p, 0755));
	/* the mount to slide under: a detached tmpfs holding "under" */
	self->fd = kisol_mnt_fs_create("tmpfs", "kisol", "mode=0755", 0, log, sizeof(log));
	ASSERT_LE(0, self->fd) TH_LOG("%s", log);
	ASSERT_EQ(0, mkdirat(self->fd, "d", 0755));
	close(openat(self->fd, "under", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
}

FIXTURE_TEARDOWN(beneath)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->dir));
}

static int beneath(int fd, const char *target)
{
	return kisol_mnt_move_mount(fd, "", AT_FDCWD, target,
				    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_BENEATH);
}

/* The top mount stays in view; unmounting it reveals the mount beneath, not the directory. */
TEST_F(beneath, top_stays_then_reveals)
{
	int r;

	ASSERT_EQ(0, kisol_mnt_tmpfs(self->p, NULL));
	ASSERT_EQ(0, touch(self->p, "top"));
	r = beneath(self->fd, self->p);
	if (r == -EINVAL && !kernel_at_least(6, 5))
		SKIP(return, "MOVE_MOUNT_BENEATH refused (EINVAL): 6.5+ (6ac392815628)");
	ASSERT_EQ(0, r);
	close(self->fd); /* the fd would keep the mount busy */
	self->fd = -1;
	EXPECT_TRUE(present(self->p, "top"));
	EXPECT_FALSE(present(self->p, "under"));
	ASSERT_EQ(0, kisol_mnt_umount(self->p, 0));
	EXPECT_TRUE(present(self->p, "under")) TH_LOG("the mount beneath is not there");
	EXPECT_FALSE(present(self->p, "top"));
	ASSERT_EQ(0, kisol_mnt_umount(self->p, 0));
	EXPECT_EQ(0, kisol_mnt_is_mountpoint(self->p));
}
KISOL_META(beneath, top_stays_then_reveals, "commit=6ac392815628")

/* Beneath needs a mount on the target, and never under the caller's root. */
TEST_F(beneath, no_mount_or_root_einval)
{
	int r = beneath(self->fd, self->p);

	if (r == -EINVAL && !kernel_at_least(6, 5))
		SKIP(return, "MOVE_MOUNT_BENEATH refused (EINVAL): 6.5+ (6ac392815628)");
	EXPECT_EQ(-EINVAL, r) TH_LOG("beneath a plain directory");
	EXPECT_EQ(0, kisol_mnt_is_mountpoint(self->p));
	EXPECT_EQ(-EINVAL, beneath(self->fd, "/")) TH_LOG("beneath the caller's root");
	/* the detached mount is still usable: attach it normally */
	EXPECT_EQ(0, kisol_mnt_attach(self->fd, self->p));
	EXPECT_TRUE(present(self->p, "under"));
}
KISOL_META(beneath, no_mount_or_root_einval, "commit=6ac392815628")

KISOL_META_FIXTURE(setgroup, "sides=both")
KISOL_META_FIXTURE(beneath, "sides=one: one mount namespace and the stacking is seen through the path")

KISOL_MAIN
