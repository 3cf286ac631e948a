// SPDX-License-Identifier: GPL-2.0-only
/*
 * mount(2) semantics containers rely on: bind mounts of files and
 * directories, recursive vs plain bind, read-only bind remounts,
 * propagation types (shared, private, slave, unbindable), MNT_DETACH,
 * and mount flags locked in a less privileged user namespace (they cannot
 * be cleared there, by mount(2) or mount_setattr, and locked submounts
 * cannot be unmounted to reveal what is below). Locked flags: commit
 * 9566d6742852 ("mnt: Correct permission checks in do_remount"),
 * CVE-2014-5206/CVE-2014-5207.
 */
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kisol_test.h"
#include "kisol/mount.h"

#define UNPRIV_ID 100000

static int touch(const char *dir, const char *name)
{
	char p[PATH_MAX + 64];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static bool exists(const char *dir, const char *name)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

FIXTURE(lm) {
	char dir[PATH_MAX];
	char src[PATH_MAX + 8], sub[PATH_MAX + 16], dst[PATH_MAX + 8], file[PATH_MAX + 8],
		fdst[PATH_MAX + 8];
};

FIXTURE_SETUP(lm)
{
	self->dir[0] = '\0';
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("legacy", "mode=0755", self->dir, sizeof(self->dir)));
	snprintf(self->src, sizeof(self->src), "%s/src", self->dir);
	snprintf(self->sub, sizeof(self->sub), "%s/src/sub", self->dir);
	snprintf(self->dst, sizeof(self->dst), "%s/dst", self->dir);
	snprintf(self->file, sizeof(self->file), "%s/file", self->dir);
	snprintf(self->fdst, sizeof(self->fdst), "%s/fdst", self->dir);
	ASSERT_EQ(0, mkdir(self->src, 0755));
	ASSERT_EQ(0, mkdir(self->sub, 0755));
	ASSERT_EQ(0, mkdir(self->dst, 0755));
	ASSERT_EQ(0, touch(self->dir, "file"));
	ASSERT_EQ(0, touch(self->dir, "fdst"));
	ASSERT_EQ(0, touch(self->src, "in_src"));
	/* a submount inside src */
	ASSERT_EQ(0, kisol_mnt_tmpfs(self->sub, NULL));
	ASSERT_EQ(0, touch(self->sub, "in_sub"));
}

FIXTURE_TEARDOWN(lm)
{
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->dir));
}

TEST_F(lm, bind_directory)
{
	ASSERT_EQ(0, kisol_mnt_bind(self->src, self->dst, false));
	EXPECT_TRUE(exists(self->dst, "in_src"));
	ASSERT_EQ(0, touch(self->dst, "via_dst"));
	EXPECT_TRUE(exists(self->src, "via_dst")) TH_LOG("bind is not the same directory");
}

TEST_F(lm, bind_file)
{
	char buf[8] = "";
	int fd;

	fd = open(self->file, O_WRONLY | O_TRUNC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(2, write(fd, "hi", 2));
	close(fd);
	ASSERT_EQ(0, kisol_mnt_bind(self->file, self->fdst, false));
	fd = open(self->fdst, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(2, read(fd, buf, sizeof(buf) - 1));
	close(fd);
	EXPECT_STREQ("hi", buf);
	/* a file cannot be bound onto a directory */
	EXPECT_EQ(-ENOTDIR, kisol_mnt_bind(self->file, self->dst, false));
}

TEST_F(lm, plain_bind_omits_submounts)
{
	char p[PATH_MAX + 16];

	ASSERT_EQ(0, kisol_mnt_bind(self->src, self->dst, false));
	snprintf(p, sizeof(p), "%s/sub", self->dst);
	EXPECT_FALSE(exists(p, "in_sub"));
	EXPECT_EQ(0, kisol_mnt_is_mountpoint(p));
}

TEST_F(lm, recursive_bind_carries_submounts)
{
	char p[PATH_MAX + 16];

	ASSERT_EQ(0, kisol_mnt_bind(self->src, self->dst, true));
	snprintf(p, sizeof(p), "%s/sub", self->dst);
	EXPECT_TRUE(exists(p, "in_sub"));
	EXPECT_EQ(1, kisol_mnt_is_mountpoint(p));
}

TEST_F(lm, readonly_bind_remount)
{
	struct kisol_mnt_info m;

	ASSERT_EQ(0, kisol_mnt_bind(self->src, self->dst, false));
	ASSERT_EQ(0, kisol_mnt_remount_bind(self->dst, MS_RDONLY));
	EXPECT_EQ(-EROFS, touch(self->dst, "x"));
	EXPECT_EQ(0, touch(self->src, "x")) TH_LOG("the original became read-only too");
	ASSERT_EQ(0, kisol_mnt_info(0, self->dst, &m));
	EXPECT_EQ(1, kisol_mnt_has_option(m.options, "ro"));
}

/* MNT_DETACH: gone from the namespace at once, still usable through an open fd. */
TEST_F(lm, detach_keeps_open_files_usable)
{
	char p[PATH_MAX + 32];
	int dfd, fd;

	snprintf(p, sizeof(p), "%s/in_sub", self->sub);
	fd = open(p, O_RDWR);
	ASSERT_LE(0, fd);
	dfd = open(self->sub, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, dfd);
	EXPECT_EQ(-EBUSY, kisol_mnt_umount(self->sub, 0)) TH_LOG("busy mount unmounted without MNT_DETACH");
	ASSERT_EQ(0, kisol_mnt_detach(self->sub));
	EXPECT_EQ(0, kisol_mnt_is_mountpoint(self->sub));
	EXPECT_FALSE(exists(self->sub, "in_sub"));
	EXPECT_EQ(2, write(fd, "ok", 2));
	EXPECT_EQ(0, faccessat(dfd, "in_sub", F_OK, 0)) TH_LOG("detached tree not reachable by fd");
	close(fd);
	close(dfd);
}

/* ------------------------------------------------------------------ */
/* Propagation                                                         */

FIXTURE(prop) {
	char dir[PATH_MAX];
	char a[PATH_MAX + 8], b[PATH_MAX + 8];
};

FIXTURE_VARIANT(prop) {
	unsigned long type; /* MS_SHARED / MS_PRIVATE / MS_SLAVE / MS_UNBINDABLE on the bind b */
	bool a_to_b;        /* a mount under a shows up under b */
	bool b_to_a;        /* a mount under b shows up under a */
};

FIXTURE_VARIANT_ADD(prop, shared) { .type = MS_SHARED, .a_to_b = true, .b_to_a = true };
FIXTURE_VARIANT_ADD(prop, private) { .type = MS_PRIVATE };
FIXTURE_VARIANT_ADD(prop, slave) { .type = MS_SLAVE, .a_to_b = true };

FIXTURE_SETUP(prop)
{
	self->dir[0] = '\0';
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("prop", NULL, self->dir, sizeof(self->dir)));
	snprintf(self->a, sizeof(self->a), "%s/a", self->dir);
	snprintf(self->b, sizeof(self->b), "%s/b", self->dir);
	ASSERT_EQ(0, mkdir(self->a, 0755));
	ASSERT_EQ(0, mkdir(self->b, 0755));
	ASSERT_EQ(0, kisol_mnt_tmpfs(self->a, NULL));
	ASSERT_EQ(0, mkdir(strcat(strcpy((char[PATH_MAX + 16]){ 0 }, self->a), "/x"), 0755));
	ASSERT_EQ(0, mkdir(strcat(strcpy((char[PATH_MAX + 16]){ 0 }, self->a), "/y"), 0755));
	ASSERT_EQ(0, kisol_mnt_set_propagation(self->a, MS_SHARED, false));
	ASSERT_EQ(0, kisol_mnt_bind(self->a, self->b, false));
	if (variant->type != MS_SHARED)
		ASSERT_EQ(0, kisol_mnt_set_propagation(self->b, variant->type, false));
}

FIXTURE_TEARDOWN(prop)
{
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->dir));
}

TEST_F(prop, mount_under_source)
{
	char pa[PATH_MAX + 16], pb[PATH_MAX + 16];

	snprintf(pa, sizeof(pa), "%s/x", self->a);
	snprintf(pb, sizeof(pb), "%s/x", self->b);
	ASSERT_EQ(0, kisol_mnt_tmpfs(pa, NULL));
	EXPECT_EQ(variant->a_to_b, kisol_mnt_is_mountpoint(pb) == 1);
}

TEST_F(prop, mount_under_bind)
{
	char pa[PATH_MAX + 16], pb[PATH_MAX + 16];

	snprintf(pa, sizeof(pa), "%s/y", self->a);
	snprintf(pb, sizeof(pb), "%s/y", self->b);
	ASSERT_EQ(0, kisol_mnt_tmpfs(pb, NULL));
	EXPECT_EQ(variant->b_to_a, kisol_mnt_is_mountpoint(pa) == 1);
}

TEST_F(prop, mountinfo_fields)
{
	struct kisol_mnt_info ma, mb;

	ASSERT_EQ(0, kisol_mnt_info(0, self->a, &ma));
	ASSERT_EQ(0, kisol_mnt_info(0, self->b, &mb));
	EXPECT_LT(0, ma.shared);
	switch (variant->type) {
	case MS_SHARED:
		EXPECT_EQ(ma.shared, mb.shared);
		break;
	case MS_PRIVATE:
		EXPECT_EQ(0, mb.shared);
		EXPECT_EQ(0, mb.master);
		break;
	case MS_SLAVE:
		EXPECT_EQ(0, mb.shared);
		EXPECT_EQ(ma.shared, mb.master);
		break;
	}
}

/*
 * Making the bind unbindable, whatever it was (shared, private, slave),
 * leaves it private and unbindable: no peer group, no master, nothing
 * propagates into it from its old peer or master, and it cannot be bind
 * mounted.
 */
TEST_F(prop, unbindable_refuses_bind)
{
	char c[PATH_MAX + 16], pa[PATH_MAX + 16], pb[PATH_MAX + 16];
	struct kisol_mnt_info mb;

	snprintf(c, sizeof(c), "%s/c", self->dir);
	ASSERT_EQ(0, mkdir(c, 0755));
	ASSERT_EQ(0, kisol_mnt_set_propagation(self->b, MS_UNBINDABLE, false));
	ASSERT_EQ(0, kisol_mnt_info(0, self->b, &mb));
	EXPECT_TRUE(mb.unbindable);
	EXPECT_EQ(0, mb.shared) TH_LOG("still in peer group %d", mb.shared);
	EXPECT_EQ(0, mb.master) TH_LOG("still a slave of %d", mb.master);
	snprintf(pa, sizeof(pa), "%s/x", self->a);
	snprintf(pb, sizeof(pb), "%s/x", self->b);
	ASSERT_EQ(0, kisol_mnt_tmpfs(pa, NULL));
	EXPECT_EQ(0, kisol_mnt_is_mountpoint(pb)) TH_LOG("a mount under a propagated into b");
	EXPECT_EQ(-EINVAL, kisol_mnt_bind(self->b, c, false));
	EXPECT_EQ(0, kisol_mnt_is_mountpoint(c));
}

/* ------------------------------------------------------------------ */
/* Flags locked in a less privileged user namespace                    */

FIXTURE(locked) {
	char dir[PATH_MAX];
	char m[PATH_MAX + 8], sub[PATH_MAX + 16];
	struct kisol_child child;
};

FIXTURE_VARIANT(locked) {
	unsigned long ms;     /* flag set by the host on the mount */
	unsigned attr;        /* the same as MOUNT_ATTR_* */
	bool by_setattr;      /* try to clear it with mount_setattr instead of mount(2) */
};

#define LOCKED(name, m, a)                                                               \
	FIXTURE_VARIANT_ADD(locked, name##_remount) { .ms = m, .attr = a };              \
	FIXTURE_VARIANT_ADD(locked, name##_setattr) { .ms = m, .attr = a, .by_setattr = true }

LOCKED(rdonly, MS_RDONLY, MOUNT_ATTR_RDONLY);
LOCKED(nosuid, MS_NOSUID, MOUNT_ATTR_NOSUID);
LOCKED(nodev, MS_NODEV, MOUNT_ATTR_NODEV);
LOCKED(noexec, MS_NOEXEC, MOUNT_ATTR_NOEXEC);
LOCKED(noatime, MS_NOATIME, MOUNT_ATTR_NOATIME);

FIXTURE_SETUP(locked)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	self->dir[0] = '\0';
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	NEED_NS(KISOL_NS_USER);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "locked", self->dir, sizeof(self->dir)));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	snprintf(self->m, sizeof(self->m), "%s/m", self->dir);
	snprintf(self->sub, sizeof(self->sub), "%s/m/sub", self->dir);
	ASSERT_EQ(0, mkdir(self->m, 0755));
	ASSERT_EQ(0, kisol_mnt_tmpfs(self->m, "mode=0777"));
	ASSERT_EQ(0, mkdir(self->sub, 0777));
	ASSERT_EQ(0, touch(self->sub, "under_sub"));
	ASSERT_EQ(0, kisol_mnt_tmpfs(self->sub, "mode=0777"));
	ASSERT_EQ(0, kisol_mnt_remount_bind(self->m, variant->ms));
}

FIXTURE_TEARDOWN(locked)
{
	kisol_child_release(&self->child);
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_rm_rf(self->dir));
}

struct lk_arg {
	char m[PATH_MAX + 8], sub[PATH_MAX + 16];
	unsigned long ms;
	unsigned attr;
	bool by_setattr;
};

/* In a new user + mount namespace: try to clear the flag, and to unmount the locked submount. */
static int lk_child(int sock, void *arg)
{
	struct lk_arg *a = arg;
	int64_t res[3];
	char p[PATH_MAX + 32];

	if (a->by_setattr)
		res[0] = kisol_mnt_setattr(AT_FDCWD, a->m, 0,
					   a->attr | ((a->attr & MOUNT_ATTR__ATIME) ? MOUNT_ATTR__ATIME : 0),
					   0, false);
	else
		/* a bind remount keeps the atime mode unless one is given: ask for strictatime */
		res[0] = kisol_mnt_remount_bind(a->m, (a->ms & MS_NOATIME) ? MS_STRICTATIME : 0);
	/* keeping the flag while changing something else is allowed */
	res[1] = kisol_mnt_remount_bind(a->m, a->ms | ((a->ms == MS_NOSUID) ? MS_NODEV : MS_NOSUID));
	if (res[1] == 0)
		kisol_mnt_remount_bind(a->m, a->ms);
	res[2] = kisol_mnt_umount(a->sub, MNT_DETACH);
	snprintf(p, sizeof(p), "%s/under_sub", a->sub);
	if (access(p, F_OK) == 0)
		res[2] = 1; /* the locked submount went and revealed what was under it */
	kisol_send(sock, res, sizeof(res));
	return 0;
}

TEST_F(locked, cannot_clear_in_user_namespace)
{
	struct kisol_spawn_opts so = { .flags = CLONE_NEWUSER | CLONE_NEWNS, .cgroup_fd = -1,
				       .unpriv = true, .unpriv_uid = UNPRIV_ID,
				       .unpriv_gid = UNPRIV_ID, .map_root = true };
	struct lk_arg a = { .ms = variant->ms, .attr = variant->attr, .by_setattr = variant->by_setattr };
	struct kisol_mnt_info mi;
	int64_t res[3];

	snprintf(a.m, sizeof(a.m), "%s", self->m);
	snprintf(a.sub, sizeof(a.sub), "%s", self->sub);
	if (variant->by_setattr)
		NEED_MNT_SETATTR();
	ASSERT_EQ(0, kisol_spawn(&so, lk_child, &a, &self->child));
	ASSERT_EQ((int)sizeof(res), kisol_recv(self->child.sock, res, sizeof(res), KISOL_TIMEOUT_MS))
		TH_LOG("child exit %d", kisol_child_exit_code(&self->child, 1000));
	EXPECT_EQ(-EPERM, res[0]) TH_LOG("clearing a locked flag gave %s",
					 res[0] ? strerror((int)-res[0]) : "success");
	EXPECT_EQ(0, res[1]) TH_LOG("a remount keeping the locked flag was refused: %s",
				    strerror((int)-res[1]));
	EXPECT_EQ(-EINVAL, res[2]) TH_LOG("locked submount: umount gave %lld", (long long)res[2]);
	/* outside: the host's mount keeps its flag */
	ASSERT_EQ(0, kisol_mnt_info(0, self->m, &mi));
	EXPECT_EQ(1, kisol_mnt_has_option(mi.options,
					  variant->ms == MS_RDONLY ? "ro" :
					  variant->ms == MS_NOSUID ? "nosuid" :
					  variant->ms == MS_NODEV ? "nodev" :
					  variant->ms == MS_NOEXEC ? "noexec" : "noatime"))
		TH_LOG("%s", mi.options);
}
KISOL_META(lm, bind_directory, "sides=both")
KISOL_META(lm, bind_file, "sides=one: the bound file read through the bind, the source is the test's own input")
KISOL_META(lm, plain_bind_omits_submounts, "sides=one: the bind's view, the submount stays in the source by construction")
KISOL_META(lm, recursive_bind_carries_submounts, "sides=one: the bind's view, the submount stays in the source by construction")
KISOL_META(lm, readonly_bind_remount, "sides=both")
KISOL_META(lm, detach_keeps_open_files_usable, "sides=both")
KISOL_META(prop, mount_under_source, "sides=one: one direction of propagation (mount_under_bind is the other)")
KISOL_META(prop, mount_under_bind, "sides=one: one direction of propagation (mount_under_source is the other)")
KISOL_META(prop, mountinfo_fields, "sides=one: propagation tags of our own mount table")
KISOL_META(prop, unbindable_refuses_bind, "sides=one: the bind's tags, nothing propagated into it, and a refusal (EINVAL)")
KISOL_META(locked, cannot_clear_in_user_namespace, "sides=both;cve=CVE-2014-5207;commit=9566d6742852;ref=CVE-2014-5206 (MNT_LOCK_READONLY kept across bind remount)")

KISOL_MAIN
