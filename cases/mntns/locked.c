// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mount namespaces: mounts copied into a mount namespace owned by a less
 * privileged user namespace are locked. They cannot be unmounted (EINVAL),
 * which would reveal what they cover, nor moved, and their ro/nosuid/nodev
 * flags cannot be cleared (EPERM) by remount or mount_setattr; shared
 * mounts arrive as slaves. The same operations succeed when the copy stays
 * in the same user namespace (variant same_userns), and on mounts the
 * less privileged side made itself: so every check can fail both ways.
 */
#include "kisol_test.h"
#include "mntns/agent.h"

#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#endif

FIXTURE(locked) {
	char s[PATH_MAX];
	char cover[PATH_MAX + 8], shr[PATH_MAX + 8], own[PATH_MAX + 8];
	char dst[PATH_MAX + 8];
	struct kisol_child agent;
};
FIXTURE_VARIANT(locked) {
	bool userns; /* copied into a less privileged user namespace */
	bool unpriv; /* ... created by an unprivileged user (uid 65534) */
};
/* each operation's result inside the copy and our mounts outside it */
KISOL_META_FIXTURE(locked, "sides=both")
KISOL_META_FIXTURE(lockflag, "sides=both")

FIXTURE_VARIANT_ADD(locked, less_privileged_userns) { .userns = true };
FIXTURE_VARIANT_ADD(locked, unprivileged_userns) { .userns = true, .unpriv = true };
FIXTURE_VARIANT_ADD(locked, same_userns) { .userns = false };

#define RO_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV)

FIXTURE_SETUP(locked)
{
	struct kisol_child init = KISOL_CHILD_INIT;
	char hidden[PATH_MAX + 32];
	int fd;

	self->agent = init;
	self->s[0] = '\0';
	/* an ordinary user: the outside is a user namespace of its own */
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	NEED_NS_VIA(KISOL_NS_MNT, variant->userns);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("mntns", "size=1m", self->s, sizeof(self->s)));
	snprintf(self->cover, sizeof(self->cover), "%s/cover", self->s);
	snprintf(self->shr, sizeof(self->shr), "%s/shr", self->s);
	snprintf(self->own, sizeof(self->own), "%s/own", self->s);
	snprintf(self->dst, sizeof(self->dst), "%s/dst", self->s);
	ASSERT_EQ(0, mkdir(self->cover, 0755));
	ASSERT_EQ(0, mkdir(self->shr, 0755));
	ASSERT_EQ(0, mkdir(self->own, 0755));
	ASSERT_EQ(0, mkdir(self->dst, 0755));
	/* a file the cover mount hides */
	snprintf(hidden, sizeof(hidden), "%s/hidden", self->cover);
	fd = open(hidden, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, mount_marked(self->cover));
	ASSERT_EQ(0, mount_marked(self->shr));
	snprintf(hidden, sizeof(hidden), "%s/sub", self->shr);
	ASSERT_EQ(0, mkdir(hidden, 0755));
	snprintf(hidden, sizeof(hidden), "%s/sub2", self->shr);
	ASSERT_EQ(0, mkdir(hidden, 0755));
	ASSERT_EQ(0, kisol_mnt_set_propagation(self->shr, MS_SHARED, false));
	struct agent_opts o = { .unpriv = variant->unpriv };

	ASSERT_EQ(0, agent_start(&self->agent, variant->userns && !variant->unpriv, &o));
}

FIXTURE_TEARDOWN(locked)
{
	kisol_child_release(&self->agent);
	if (self->s[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->s));
}

static int expect_locked(const FIXTURE_VARIANT(locked) *v, int err)
{
	return v->userns ? err : 0;
}

TEST_F(locked, umount_refused_cover_stays)
{
	int r = agent_req(self->agent.sock, "umount %s", self->cover);

	EXPECT_EQ(expect_locked(variant, -EINVAL), r);
	/* inside: the covered file is revealed only if the umount happened */
	EXPECT_EQ(variant->userns ? -ENOENT : 0,
		  agent_req(self->agent.sock, "exists %s/hidden", self->cover))
		TH_LOG("locked cover mount was removed, hidden file revealed");
	/* outside: our mount is there either way */
	EXPECT_TRUE(marked(self->cover));
}

TEST_F(locked, lazy_umount_refused)
{
	EXPECT_EQ(expect_locked(variant, -EINVAL),
		  agent_req(self->agent.sock, "detach %s", self->cover));
	/* inside: the covered file shows only if the detach happened */
	EXPECT_EQ(variant->userns ? -ENOENT : 0,
		  agent_req(self->agent.sock, "exists %s/hidden", self->cover));
	EXPECT_TRUE(marked(self->cover));
}

TEST_F(locked, move_refused)
{
	EXPECT_EQ(expect_locked(variant, -EINVAL),
		  agent_req(self->agent.sock, "move %s %s", self->cover, self->dst));
	/* inside: the mount arrived at dst only if the move happened */
	EXPECT_EQ(variant->userns ? -ENOENT : 0,
		  agent_req(self->agent.sock, "exists %s/marker", self->dst));
	EXPECT_FALSE(marked(self->dst)) TH_LOG("agent's move reached us");
}

FIXTURE(lockflag) {
	char s[PATH_MAX];
	char ro[PATH_MAX + 8];
	struct kisol_child agent;
};
FIXTURE_VARIANT(lockflag) {
	const char *name;
	unsigned long ms;   /* the MS_* flag the remount leaves out */
	unsigned attr;      /* the MOUNT_ATTR_* bit mount_setattr clears */
	bool userns;
	bool unpriv;
};
FIXTURE_VARIANT_ADD(lockflag, rdonly_userns) { "ro", MS_RDONLY, MOUNT_ATTR_RDONLY, true };
FIXTURE_VARIANT_ADD(lockflag, rdonly_unprivileged) { "ro", MS_RDONLY, MOUNT_ATTR_RDONLY, true, true };
FIXTURE_VARIANT_ADD(lockflag, nosuid_unprivileged) { "nosuid", MS_NOSUID, MOUNT_ATTR_NOSUID, true, true };
FIXTURE_VARIANT_ADD(lockflag, nodev_unprivileged) { "nodev", MS_NODEV, MOUNT_ATTR_NODEV, true, true };
FIXTURE_VARIANT_ADD(lockflag, nosuid_userns) { "nosuid", MS_NOSUID, MOUNT_ATTR_NOSUID, true };
FIXTURE_VARIANT_ADD(lockflag, nodev_userns) { "nodev", MS_NODEV, MOUNT_ATTR_NODEV, true };
FIXTURE_VARIANT_ADD(lockflag, rdonly_same_userns) { "ro", MS_RDONLY, MOUNT_ATTR_RDONLY, false };
FIXTURE_VARIANT_ADD(lockflag, nosuid_same_userns) { "nosuid", MS_NOSUID, MOUNT_ATTR_NOSUID, false };
FIXTURE_VARIANT_ADD(lockflag, nodev_same_userns) { "nodev", MS_NODEV, MOUNT_ATTR_NODEV, false };

FIXTURE_SETUP(lockflag)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->agent = init;
	self->s[0] = '\0';
	/* an ordinary user: the outside is a user namespace of its own */
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	NEED_NS_VIA(KISOL_NS_MNT, variant->userns);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("mntns", "size=1m", self->s, sizeof(self->s)));
	snprintf(self->ro, sizeof(self->ro), "%s/ro", self->s);
	ASSERT_EQ(0, mkdir(self->ro, 0755));
	ASSERT_EQ(0, mount_marked(self->ro));
	ASSERT_EQ(0, kisol_mnt_remount_bind(self->ro, RO_FLAGS));
	struct agent_opts o = { .unpriv = variant->unpriv };

	ASSERT_EQ(0, agent_start(&self->agent, variant->userns && !variant->unpriv, &o));
}

FIXTURE_TEARDOWN(lockflag)
{
	kisol_child_release(&self->agent);
	if (self->s[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->s));
}

static void our_flags_unchanged(struct __test_metadata *_metadata, const char *path)
{
	struct kisol_mnt_info mi;

	ASSERT_EQ(0, kisol_mnt_info(0, path, &mi));
	EXPECT_EQ(1, kisol_mnt_has_option(mi.options, "ro")) TH_LOG("%s", mi.options);
	EXPECT_EQ(1, kisol_mnt_has_option(mi.options, "nosuid"));
	EXPECT_EQ(1, kisol_mnt_has_option(mi.options, "nodev"));
}

TEST_F(lockflag, remount_clearing_flag)
{
	int r = agent_req(self->agent.sock, "remount %s %lu", self->ro,
			  (unsigned long)(RO_FLAGS & ~variant->ms));

	EXPECT_EQ(variant->userns ? -EPERM : 0, r) TH_LOG("clearing %s", variant->name);
	/* control: a remount that keeps every locked flag and adds noexec works */
	EXPECT_EQ(0, agent_req(self->agent.sock, "remount %s %lu", self->ro,
			       (unsigned long)(RO_FLAGS | MS_NOEXEC)))
		TH_LOG("remount keeping the flags must be allowed");
	our_flags_unchanged(_metadata, self->ro);
}

TEST_F(lockflag, mount_setattr_clearing_flag)
{
	int r;

	NEED_MNT_SETATTR();
	r = agent_req(self->agent.sock, "setattr %s 0 %u", self->ro, variant->attr);
	EXPECT_EQ(variant->userns ? -EPERM : 0, r) TH_LOG("clearing %s", variant->name);
	EXPECT_EQ(0, agent_req(self->agent.sock, "setattr %s %u 0", self->ro, MOUNT_ATTR_NOEXEC));
	our_flags_unchanged(_metadata, self->ro);
}

TEST_F(locked, shared_arrives_as_slave)
{
	char info[128];
	int shared, master, unb, id;
	struct kisol_mnt_info mine;

	ASSERT_EQ(0, kisol_mnt_info(0, self->shr, &mine));
	ASSERT_LT(0, mine.shared);
	ASSERT_LT(0, agent_req_str(self->agent.sock, info, sizeof(info), "info %s", self->shr));
	ASSERT_EQ(4, sscanf(info, "%d %d %d %d", &shared, &master, &unb, &id));
	if (variant->userns) {
		EXPECT_EQ(0, shared) TH_LOG("less privileged copy joined the peer group");
		EXPECT_EQ(mine.shared, master);
	} else {
		EXPECT_EQ(mine.shared, shared);
	}
	/* and so mounts made by the copy never reach the more privileged side */
	char x[PATH_MAX + 16];

	snprintf(x, sizeof(x), "%s/sub", self->shr);
	ASSERT_EQ(0, agent_req(self->agent.sock, "mount %s", x));
	EXPECT_EQ(!variant->userns, marked(x)) TH_LOG("propagation from the copy");
	/* while ours still reach it */
	snprintf(x, sizeof(x), "%s/sub2", self->shr);
	ASSERT_EQ(0, mount_marked(x));
	EXPECT_EQ(0, agent_req(self->agent.sock, "exists %s/marker", x));
}

TEST_F(locked, own_mounts_are_not_locked)
{
	ASSERT_EQ(0, agent_req(self->agent.sock, "mount %s", self->own));
	EXPECT_EQ(0, agent_req(self->agent.sock, "remount %s %lu", self->own,
			       (unsigned long)RO_FLAGS));
	/* the flags really changed, both ways: the agent's own mount is not locked */
	EXPECT_EQ(1, agent_req(self->agent.sock, "rdonly %s", self->own)) TH_LOG("ro not applied");
	EXPECT_EQ(0, agent_req(self->agent.sock, "remount %s 0", self->own));
	EXPECT_EQ(0, agent_req(self->agent.sock, "rdonly %s", self->own)) TH_LOG("ro not cleared");
	EXPECT_EQ(0, agent_req(self->agent.sock, "umount %s", self->own));
	EXPECT_FALSE(marked(self->own));
}

KISOL_META(lockflag, remount_clearing_flag,
	   "cve=CVE-2014-5207;commit=9566d6742852c527bf5af38af5cbb878dad75705;"
	   "ref=mnt: Correct permission checks in do_remount")
KISOL_META(lockflag, mount_setattr_clearing_flag,
	   "commit=90563b198e4c6674c63672fae1923da467215f45;ref=MNT_LOCK_READONLY")
KISOL_META(locked, lazy_umount_refused,
	   "commit=ce07d891a0891d3c0d0c2d73d577490486b809e1;ref=mnt: Honor MNT_LOCKED when detaching mounts")

KISOL_MAIN
