// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/mount.c: every public function, its results and its error paths.
 */
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "kisol_test.h"
#include "kisol/mount.h"

FIXTURE(lm) {
	char dir[PATH_MAX];
};

FIXTURE_SETUP(lm)
{
	self->dir[0] = '\0';
	/* an ordinary user: root of a user namespace of its own, mounts in a mount namespace of its own */
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "libmnt", self->dir, sizeof(self->dir)));
}

FIXTURE_TEARDOWN(lm)
{
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_rm_rf(self->dir));
}

static void sub(char *buf, size_t size, const char *dir, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* ST_RDONLY of the mount path is on, by statvfs: 1/0, or -errno. */
static int rdonly(const char *path)
{
	struct statvfs sv;

	return statvfs(path, &sv) < 0 ? -errno : !!(sv.f_flag & ST_RDONLY);
}

TEST_F(lm, scratch_base_follows_env)
{
	char buf[PATH_MAX], tiny[4];

	ASSERT_EQ(0, setenv("KISOL_SCRATCH", self->dir, 1));
	ASSERT_EQ(0, kisol_mnt_scratch_base(buf, sizeof(buf)));
	EXPECT_STREQ(self->dir, buf);
	ASSERT_EQ(0, setenv("KISOL_SCRATCH", "/kisol/does/not/exist", 1));
	ASSERT_EQ(0, kisol_mnt_scratch_base(buf, sizeof(buf)));
	EXPECT_STREQ("/tmp", buf);
	ASSERT_EQ(0, unsetenv("KISOL_SCRATCH"));
	ASSERT_EQ(0, kisol_mnt_scratch_base(buf, sizeof(buf)));
	EXPECT_STREQ("/tmp", buf);
	EXPECT_EQ(-EINVAL, kisol_mnt_scratch_base(NULL, 10));
	EXPECT_EQ(-ENAMETOOLONG, kisol_mnt_scratch_base(tiny, sizeof(tiny)));
}

/* Disk scratch: the same env, /var/tmp (not the often-tmpfs /tmp) without it. */
TEST_F(lm, scratch_disk_follows_env)
{
	char buf[PATH_MAX], tiny[4];

	ASSERT_EQ(0, setenv("KISOL_SCRATCH", self->dir, 1));
	ASSERT_EQ(0, kisol_mnt_scratch_disk(buf, sizeof(buf)));
	EXPECT_STREQ(self->dir, buf);
	ASSERT_EQ(0, setenv("KISOL_SCRATCH", "/kisol/does/not/exist", 1));
	ASSERT_EQ(0, kisol_mnt_scratch_disk(buf, sizeof(buf)));
	EXPECT_STREQ("/var/tmp", buf);
	ASSERT_EQ(0, unsetenv("KISOL_SCRATCH"));
	ASSERT_EQ(0, kisol_mnt_scratch_disk(buf, sizeof(buf)));
	EXPECT_STREQ("/var/tmp", buf);
	EXPECT_EQ(-EINVAL, kisol_mnt_scratch_disk(NULL, 10));
	EXPECT_EQ(-ENAMETOOLONG, kisol_mnt_scratch_disk(tiny, sizeof(tiny)));
}

TEST_F(lm, mkdtemp_creates_and_errors)
{
	char p[PATH_MAX], missing[PATH_MAX + 16];
	struct stat st;

	ASSERT_EQ(0, kisol_mnt_mkdtemp(self->dir, "x", p, sizeof(p)));
	ASSERT_EQ(0, stat(p, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_NE(NULL, strstr(p, "/kisol-x-"));
	EXPECT_EQ(kisol_owner(), kisol_name_owner(strrchr(p, '/') + 1));
	sub(missing, sizeof(missing), self->dir, "missing");
	EXPECT_EQ(-ENOENT, kisol_mnt_mkdtemp(missing, "x", p, sizeof(p)));
	EXPECT_EQ(-EINVAL, kisol_mnt_mkdtemp(self->dir, "x", NULL, 0));
	EXPECT_EQ(-ENAMETOOLONG, kisol_mnt_mkdtemp(self->dir, "x", p, 8));
}

/* The names owners are read from (scripts/kisol/sandbox.py name_owner() reads the same). */
TEST(name_owner)
{
	EXPECT_EQ(12, kisol_name_owner("kisol-p12"));
	EXPECT_EQ(12, kisol_name_owner("kisol-run-20261205T1-host-p12"));
	EXPECT_EQ(12, kisol_name_owner("kisol-ovl-p12-aB3xYz"));
	EXPECT_EQ(12, kisol_name_owner("kisol-bench-p12-7"));
	EXPECT_EQ(0, kisol_name_owner("kisol-mntns-pRCEy0"));
	EXPECT_EQ(0, kisol_name_owner("kisol-mntns-aB3xYz"));
	EXPECT_EQ(0, kisol_name_owner("other-p12"));
	EXPECT_EQ(0, kisol_name_owner("kisol-p0"));
	EXPECT_EQ(0, kisol_name_owner("kisol-p99999999999"));
	EXPECT_EQ(0, kisol_name_owner("kisol-p12-"));
	EXPECT_EQ(0, kisol_name_owner("kisol-p12-a-b"));
}

TEST(pid_alive)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	EXPECT_TRUE(kisol_pid_alive(getpid()));
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	EXPECT_FALSE(kisol_pid_alive(pid));
}

TEST_F(lm, rm_rf_detaches_mounts_below)
{
	char a[PATH_MAX + 8], b[PATH_MAX + 16], f[PATH_MAX + 32];
	int fd;

	sub(a, sizeof(a), self->dir, "a");
	sub(b, sizeof(b), a, "b");
	ASSERT_EQ(0, mkdir(a, 0755));
	ASSERT_EQ(0, mkdir(b, 0755));
	ASSERT_EQ(0, kisol_mnt_tmpfs(b, NULL));
	sub(f, sizeof(f), b, "on-tmpfs");
	fd = open(f, O_CREAT | O_WRONLY, 0644);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, kisol_mnt_rm_rf(a));
	EXPECT_EQ(-1, access(a, F_OK));
	EXPECT_EQ(-ENOENT, kisol_mnt_info(0, b, &(struct kisol_mnt_info){ 0 }));
	EXPECT_EQ(0, kisol_mnt_rm_rf(a)) TH_LOG("missing path is not an error");
	EXPECT_EQ(-EINVAL, kisol_mnt_rm_rf("/"));
	EXPECT_EQ(-EINVAL, kisol_mnt_rm_rf(NULL));
}

TEST_F(lm, rm_rf_file_and_unreadable_dirs)
{
	char d[PATH_MAX + 8], f[PATH_MAX + 16];
	int fd;

	sub(d, sizeof(d), self->dir, "locked");
	sub(f, sizeof(f), d, "f");
	ASSERT_EQ(0, mkdir(d, 0755));
	fd = open(f, O_CREAT | O_WRONLY, 0644);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, chmod(d, 0));
	ASSERT_EQ(0, kisol_mnt_rm_rf(d));
	EXPECT_EQ(-1, access(d, F_OK));
}

TEST_F(lm, scratch_tmpfs_private_and_released)
{
	struct kisol_mnt_info m;
	char p[PATH_MAX];

	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("t", "size=1m", p, sizeof(p)));
	ASSERT_EQ(0, kisol_mnt_info(0, p, &m));
	EXPECT_STREQ("tmpfs", m.fstype);
	EXPECT_EQ(0, m.shared);
	EXPECT_NE(NULL, strstr(m.super_options, "size=1024k"));
	ASSERT_EQ(0, kisol_mnt_scratch_release(p));
	EXPECT_EQ(-1, access(p, F_OK));
	EXPECT_EQ(-EINVAL, kisol_mnt_scratch_tmpfs("t", "size=kisol", p, sizeof(p)));
}

/* isolate: a mount made after it is invisible to the parent's namespace. */
static int isolate_and_mount(int sock, void *arg)
{
	const char *dir = arg;
	int r = kisol_mnt_isolate();

	if (r == 0)
		r = kisol_mnt_tmpfs(dir, NULL);
	kisol_send_int(sock, r);
	kisol_recv_int(sock, &(int64_t){ 0 }, KISOL_TIMEOUT_MS);
	return 0;
}

TEST_F(lm, isolate_hides_mounts)
{
	struct kisol_spawn_opts so = { .cgroup_fd = -1 };
	struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_mnt_info m;
	int64_t r;

	ASSERT_EQ(0, kisol_mnt_set_propagation("/", MS_SHARED, true));
	ASSERT_EQ(0, kisol_spawn(&so, isolate_and_mount, self->dir, &c));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &r, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, r);
	EXPECT_EQ(0, kisol_mnt_is_mountpoint(self->dir)) TH_LOG("child's mount reached the parent");
	EXPECT_EQ(0, kisol_mnt_info(c.pid, self->dir, &m)) TH_LOG("child's mount missing inside");
	EXPECT_EQ(0, kisol_mnt_set_propagation("/", MS_PRIVATE, true));
	kisol_send_int(c.sock, 1);
	kisol_child_release(&c);
}

TEST_F(lm, propagation_types_and_errors)
{
	struct kisol_mnt_info m;

	ASSERT_EQ(0, kisol_mnt_tmpfs(self->dir, NULL));
	ASSERT_EQ(0, kisol_mnt_set_propagation(self->dir, MS_SHARED, false));
	ASSERT_EQ(0, kisol_mnt_info(0, self->dir, &m));
	EXPECT_LT(0, m.shared);
	ASSERT_EQ(0, kisol_mnt_set_propagation(self->dir, MS_UNBINDABLE, false));
	ASSERT_EQ(0, kisol_mnt_info(0, self->dir, &m));
	EXPECT_TRUE(m.unbindable);
	EXPECT_EQ(0, m.shared);
	ASSERT_EQ(0, kisol_mnt_set_propagation(self->dir, MS_PRIVATE, false));
	EXPECT_EQ(-EINVAL, kisol_mnt_set_propagation(self->dir, MS_BIND, false));
	EXPECT_EQ(-EINVAL, kisol_mnt_set_propagation(NULL, MS_PRIVATE, false));
	EXPECT_EQ(1, kisol_mnt_detach_all(self->dir));
}

TEST_F(lm, legacy_mount_calls)
{
	char a[PATH_MAX + 8], b[PATH_MAX + 8], c[PATH_MAX + 8];

	sub(a, sizeof(a), self->dir, "a");
	sub(b, sizeof(b), self->dir, "b");
	sub(c, sizeof(c), self->dir, "c");
	ASSERT_EQ(0, mkdir(a, 0755));
	ASSERT_EQ(0, mkdir(b, 0755));
	ASSERT_EQ(0, mkdir(c, 0755));
	ASSERT_EQ(0, kisol_mnt_tmpfs(a, "mode=0700"));
	ASSERT_EQ(0, kisol_mnt_bind(a, b, false));
	ASSERT_EQ(0, kisol_mnt_remount_bind(b, MS_RDONLY));
	/* the bind mount is read-only, the mount it was made from is not */
	EXPECT_EQ(1, rdonly(b));
	EXPECT_EQ(0, rdonly(a));
	ASSERT_EQ(0, kisol_mnt_move(b, c));
	EXPECT_EQ(0, kisol_mnt_is_mountpoint(b));
	EXPECT_EQ(1, kisol_mnt_is_mountpoint(c));
	EXPECT_EQ(0, kisol_mnt_umount(c, 0));
	EXPECT_EQ(0, kisol_mnt_detach(a));
	/* errors */
	EXPECT_EQ(-ENOENT, kisol_mnt_bind("/kisol/missing", b, false));
	EXPECT_EQ(-EINVAL, kisol_mnt_move(b, c)) TH_LOG("moving a non-mount");
	EXPECT_EQ(-EINVAL, kisol_mnt_umount(b, 0));
	EXPECT_EQ(-EINVAL, kisol_mnt_detach(b));
	EXPECT_EQ(-ENODEV, kisol_mnt_mount("x", b, "kisol-nofs", 0, NULL));
	EXPECT_EQ(-EINVAL, kisol_mnt_bind(NULL, b, false));
	EXPECT_EQ(-EINVAL, kisol_mnt_remount_bind(NULL, 0));
	EXPECT_EQ(-EINVAL, kisol_mnt_umount(NULL, 0));
	EXPECT_EQ(-EINVAL, kisol_mnt_mount("x", NULL, "tmpfs", 0, NULL));
}

TEST_F(lm, detach_all_stacked)
{
	ASSERT_EQ(0, kisol_mnt_tmpfs(self->dir, NULL));
	ASSERT_EQ(0, kisol_mnt_tmpfs(self->dir, NULL));
	ASSERT_EQ(0, kisol_mnt_tmpfs(self->dir, NULL));
	EXPECT_EQ(3, kisol_mnt_detach_all(self->dir));
	EXPECT_EQ(0, kisol_mnt_detach_all(self->dir));
	EXPECT_EQ(-ENOENT, kisol_mnt_detach_all("/kisol/missing"));
	EXPECT_EQ(-EINVAL, kisol_mnt_detach_all(NULL));
}

static int stop_at_second(const struct kisol_mnt_info *m, void *arg)
{
	(void)m;
	return ++*(int *)arg == 2 ? 42 : 0;
}

TEST_F(lm, mountinfo_queries)
{
	char spaced[PATH_MAX + 16];
	struct kisol_mnt_info m, byid;
	uint64_t id, id2;
	int n = 0, count;

	sub(spaced, sizeof(spaced), self->dir, "with space");
	ASSERT_EQ(0, mkdir(spaced, 0755));
	count = kisol_mnt_count(0);
	ASSERT_EQ(0, kisol_mnt_tmpfs(spaced, "mode=0711"));
	EXPECT_EQ(count + 1, kisol_mnt_count(0));
	ASSERT_EQ(0, kisol_mnt_info(0, spaced, &m)) TH_LOG("octal escape of the space not undone");
	EXPECT_STREQ(spaced, m.mountpoint);
	EXPECT_STREQ("kisol", m.source);
	EXPECT_EQ(1, kisol_mnt_has_option(m.options, "rw"));
	EXPECT_EQ(0, kisol_mnt_has_option("rw2,nosuid", "rw"));
	EXPECT_EQ(-EINVAL, kisol_mnt_has_option(NULL, "rw"));
	ASSERT_EQ(0, kisol_mnt_info_by_id(0, m.mnt_id, &byid));
	EXPECT_STREQ(spaced, byid.mountpoint);
	EXPECT_EQ(-ENOENT, kisol_mnt_info_by_id(0, 0x7fffffff, &byid));
	EXPECT_EQ(-EINVAL, kisol_mnt_info_by_id(0, 0, &byid));
	EXPECT_EQ(-ENOENT, kisol_mnt_info(0, self->dir, &byid)) TH_LOG("not a mount point");
	EXPECT_EQ(-ENOENT, kisol_mnt_info(0, "/kisol/missing", &byid));
	EXPECT_EQ(42, kisol_mnt_foreach(0, stop_at_second, &n));
	EXPECT_EQ(2, n);
	EXPECT_EQ(-EINVAL, kisol_mnt_foreach(0, NULL, NULL));
	EXPECT_EQ(-ENOENT, kisol_mnt_count(0x3ffffff0));
	/* mount ids and mount points */
	EXPECT_EQ(1, kisol_mnt_is_mountpoint(spaced));
	EXPECT_EQ(0, kisol_mnt_is_mountpoint(self->dir));
	EXPECT_EQ(-ENOENT, kisol_mnt_is_mountpoint("/kisol/missing"));
	ASSERT_EQ(0, kisol_mnt_id(AT_FDCWD, spaced, &id));
	ASSERT_EQ(0, kisol_mnt_id(AT_FDCWD, self->dir, &id2));
	EXPECT_NE(id, id2);
	EXPECT_EQ((uint64_t)m.mnt_id, id);
	EXPECT_EQ(-EBADF, kisol_mnt_id(-1, "", &id));
	EXPECT_EQ(-EINVAL, kisol_mnt_id(AT_FDCWD, NULL, &id));
}

/* make_root + enter_root in a child: "/" is the new tmpfs, old root gone. */
static int enter_child(int sock, void *arg)
{
	const char *dir = arg;
	char cwd[64] = "";
	int r = kisol_mnt_set_propagation("/", MS_PRIVATE, true);

	if (r == 0)
		r = kisol_mnt_make_root(dir, KISOL_ROOT_TMP | KISOL_ROOT_DEV | KISOL_ROOT_PROC);
	if (r == 0)
		r = kisol_mnt_enter_root(dir);
	if (r == 0 && access("/oldroot", F_OK) < 0)
		r = -1000;
	if (r == 0 && access("/dev/null", W_OK) < 0)
		r = -1001;
	if (r == 0 && (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/")))
		r = -1002;
	if (r == 0 && access("/proc/self/mountinfo", R_OK) < 0)
		r = -1003;
	if (r == 0)
		r = kisol_mnt_count(0);
	kisol_send_int(sock, r);
	return 0;
}

TEST_F(lm, make_root_and_enter_root)
{
	struct kisol_spawn_opts so = { .flags = CLONE_NEWNS, .cgroup_fd = -1 };
	struct kisol_child c = KISOL_CHILD_INIT;
	int64_t r;

	/* rootless: proc mounts only for a pid namespace its user namespace owns */
	if (!kisol_is_root())
		so.flags |= CLONE_NEWPID;
	ASSERT_EQ(0, kisol_spawn(&so, enter_child, self->dir, &c));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &r, KISOL_TIMEOUT_MS));
	kisol_child_release(&c);
	EXPECT_LT(3, r) TH_LOG("child result %lld", (long long)r);
	EXPECT_EQ(0, kisol_mnt_is_mountpoint(self->dir));
	EXPECT_EQ(-EINVAL, kisol_mnt_make_root(self->dir, 1U << 20));
	EXPECT_EQ(-EINVAL, kisol_mnt_make_root(NULL, 0));
	EXPECT_EQ(-EINVAL, kisol_mnt_enter_root(NULL));
	EXPECT_EQ(-EINVAL, kisol_mnt_pivot_root(NULL, "/"));
	EXPECT_EQ(-ENOENT, kisol_mnt_enter_root("/kisol/missing"));
}

/* ------------------------------------------------------------------ */
/* New mount API helpers                                               */

TEST_F(lm, probes)
{
	int r = kisol_mnt_new_api_probe();

	if (r == -ENOSYS)
		SKIP(return, "new mount API gives ENOSYS");
	EXPECT_EQ(0, r);
	EXPECT_EQ(0, kisol_mnt_setattr_probe());
}

TEST_F(lm, fs_mount_every_api)
{
	const enum kisol_mnt_api apis[] = { KISOL_MNT_API_AUTO, KISOL_MNT_API_NEW,
					    KISOL_MNT_API_LEGACY };
	struct kisol_mnt_info m;
	char log[256];
	size_t i;

	for (i = 0; i < KISOL_ARRAY_SIZE(apis); i++) {
		ASSERT_EQ(0, kisol_mnt_fs_mount(apis[i], "tmpfs", "kisol", self->dir,
						"size=1m,mode=0700", MOUNT_ATTR_NOSUID, log,
						sizeof(log)))
			TH_LOG("%s: %s", kisol_mnt_api_name(apis[i]), log);
		ASSERT_EQ(0, kisol_mnt_info(0, self->dir, &m));
		EXPECT_NE(NULL, strstr(m.super_options, "size=1024k"));
		EXPECT_NE(NULL, strstr(m.super_options, "mode=700"));
		EXPECT_EQ(1, kisol_mnt_has_option(m.options, "nosuid")) TH_LOG("%s", kisol_mnt_api_name(apis[i]));
		ASSERT_EQ(0, kisol_mnt_detach(self->dir));
	}
	EXPECT_STREQ("auto", kisol_mnt_api_name(KISOL_MNT_API_AUTO));
	EXPECT_STREQ("new", kisol_mnt_api_name(KISOL_MNT_API_NEW));
	EXPECT_STREQ("legacy", kisol_mnt_api_name(KISOL_MNT_API_LEGACY));
	EXPECT_EQ(-EINVAL, kisol_mnt_fs_mount(KISOL_MNT_API_NEW, NULL, NULL, self->dir, NULL, 0, NULL, 0));
}

TEST_F(lm, fs_create_reports_kernel_log)
{
	char log[256];
	int fd;

	fd = kisol_mnt_fs_create("tmpfs", NULL, "size=kisol", 0, log, sizeof(log));
	EXPECT_EQ(-EINVAL, fd);
	EXPECT_NE(NULL, strstr(log, "size")) TH_LOG("log: \"%s\"", log);
	EXPECT_EQ(-ENODEV, kisol_mnt_fs_create("kisol-nofs", NULL, NULL, 0, log, sizeof(log)));
	EXPECT_EQ(-EBADF, kisol_mnt_attach(-1, self->dir));
	EXPECT_EQ(-EINVAL, kisol_mnt_fsopen(NULL, 0));
	EXPECT_EQ(-EINVAL, kisol_mnt_fs_log(0, NULL, 0));
}

TEST_F(lm, fsconfig_opts_parsing)
{
	struct kisol_mnt_info m;
	int fs, mnt;

	fs = kisol_mnt_fsopen("tmpfs", FSOPEN_CLOEXEC);
	ASSERT_LE(0, fs);
	/* key=value strings, empty items skipped */
	EXPECT_EQ(0, kisol_mnt_fsconfig_opts(fs, "size=2m,,mode=0711,"));
	EXPECT_EQ(0, kisol_mnt_fsconfig_opts(fs, NULL));
	EXPECT_EQ(0, kisol_mnt_fsconfig_opts(fs, ""));
	/* an escaped comma stays in the value: tmpfs refuses "1m,x" as a size */
	EXPECT_EQ(-EINVAL, kisol_mnt_fsconfig_opts(fs, "size=1m\\,x"));
	ASSERT_EQ(0, kisol_mnt_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	mnt = kisol_mnt_fsmount(fs, FSMOUNT_CLOEXEC, 0);
	ASSERT_LE(0, mnt);
	ASSERT_EQ(0, kisol_mnt_attach(mnt, self->dir));
	ASSERT_EQ(0, kisol_mnt_info(0, self->dir, &m));
	EXPECT_NE(NULL, strstr(m.super_options, "size=2048k"));
	close(mnt);
	close(fs);
	EXPECT_EQ(1, kisol_mnt_detach_all(self->dir));
}

TEST_F(lm, clone_setattr_idmapped_errors)
{
	char a[PATH_MAX + 8], b[PATH_MAX + 8], x[PATH_MAX + 16];
	int fd;

	EXPECT_EQ(-ENOENT, kisol_mnt_clone_tree("/kisol/missing", false));
	EXPECT_EQ(-EINVAL, kisol_mnt_clone_tree(NULL, false));
	EXPECT_EQ(-EINVAL, kisol_mnt_setattr(AT_FDCWD, NULL, 0, 0, 0, false));
	EXPECT_EQ(-EINVAL, kisol_mnt_setattr(AT_FDCWD, self->dir, 0, 0, MS_BIND, false));
	EXPECT_EQ(-EBADF, kisol_mnt_idmapped(self->dir, self->dir, -1, false));
	EXPECT_EQ(-EINVAL, kisol_mnt_idmapped(NULL, self->dir, 0, false));
	sub(a, sizeof(a), self->dir, "a");
	sub(b, sizeof(b), self->dir, "b");
	sub(x, sizeof(x), b, "x");
	ASSERT_EQ(0, mkdir(a, 0755));
	ASSERT_EQ(0, mkdir(b, 0755));
	ASSERT_EQ(0, kisol_mnt_tmpfs(a, NULL));
	fd = kisol_mnt_clone_tree(a, false);
	ASSERT_LE(0, fd);
	/* a detached clone takes attributes by fd */
	EXPECT_EQ(0, kisol_mnt_setattr(fd, "", MOUNT_ATTR_RDONLY, 0, 0, false));
	ASSERT_EQ(0, kisol_mnt_attach(fd, b));
	close(fd);
	EXPECT_EQ(-1, mkdir(x, 0755));
	EXPECT_EQ(EROFS, errno);
	EXPECT_EQ(1, kisol_mnt_detach_all(b));
	EXPECT_EQ(1, kisol_mnt_detach_all(a));
}

TEST(attr_to_ms_table)
{
	EXPECT_EQ((unsigned long)MS_RDONLY, kisol_mnt_attr_to_ms(MOUNT_ATTR_RDONLY));
	EXPECT_EQ((unsigned long)(MS_NOSUID | MS_NODEV | MS_NOEXEC),
		  kisol_mnt_attr_to_ms(MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
	EXPECT_EQ((unsigned long)MS_NOATIME, kisol_mnt_attr_to_ms(MOUNT_ATTR_NOATIME));
	EXPECT_EQ((unsigned long)MS_STRICTATIME, kisol_mnt_attr_to_ms(MOUNT_ATTR_STRICTATIME));
	EXPECT_EQ((unsigned long)MS_NODIRATIME, kisol_mnt_attr_to_ms(MOUNT_ATTR_NODIRATIME));
	EXPECT_EQ((unsigned long)MS_NOSYMFOLLOW, kisol_mnt_attr_to_ms(MOUNT_ATTR_NOSYMFOLLOW));
	EXPECT_EQ(0UL, kisol_mnt_attr_to_ms(0));
}

/*
 * kisol_mnt_legacy_fstype: a name it returns is a registered filesystem
 * whose context refuses a binary parameter with EOPNOTSUPP; tmpfs (own parser)
 * is never one; bad buffers are EINVAL, a short one ENAMETOOLONG.
 */
TEST(legacy_fstype_contract)
{
	char fs[64], tiny[1];
	int r, fd;

	/* fsopen needs CAP_SYS_ADMIN over the mount namespace only: as root of a user namespace of its own */
	NEED_ROOT_OR_OWN_USERNS_WITH(KISOL_NS_MNT, CLONE_NEWNS);
	EXPECT_EQ(-EINVAL, kisol_mnt_legacy_fstype(NULL, 8));
	EXPECT_EQ(-EINVAL, kisol_mnt_legacy_fstype(fs, 0));
	r = kisol_mnt_legacy_fstype(fs, sizeof(fs));
	if (r == -ENOSYS)
		SKIP(return, "fsopen gives ENOSYS (5.2+)");
	if (r == -ENOENT) {
		EXPECT_EQ(-ENOENT, kisol_mnt_legacy_fstype(tiny, sizeof(tiny)));
		return;
	}
	ASSERT_EQ(0, r);
	EXPECT_STRNE("tmpfs", fs);
	EXPECT_EQ(-ENAMETOOLONG, kisol_mnt_legacy_fstype(tiny, sizeof(tiny)));
	fd = kisol_mnt_fsopen(fs, FSOPEN_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EOPNOTSUPP, kisol_mnt_fsconfig(fd, FSCONFIG_SET_BINARY, "k", "x", 1));
	close(fd);
}

/* statmount/listmount wrappers: argument checks, and the unique id of / is one statmount knows. */
TEST(statmount_wrappers)
{
	struct kisol_statmount *s = calloc(1, 4096);
	uint64_t id, ids[1];
	int r;

	ASSERT_NE(NULL, s);
	EXPECT_EQ(-EINVAL, kisol_mnt_statmount(1, 0, 0, NULL, 4096));
	EXPECT_EQ(-EINVAL, kisol_mnt_statmount(1, 0, 0, s, 8));
	EXPECT_EQ(-EINVAL, kisol_mnt_listmount(KISOL_LSMT_ROOT, 0, NULL, 1));
	EXPECT_EQ(-EINVAL, kisol_mnt_unique_id(NULL, &id));
	r = kisol_mnt_unique_id("/", &id);
	if (r == -EOPNOTSUPP || kisol_mnt_listmount(KISOL_LSMT_ROOT, 0, ids, 1) == -ENOSYS) {
		free(s);
		SKIP(return, "statmount/listmount or STATX_MNT_ID_UNIQUE missing (6.8+)");
	}
	ASSERT_EQ(0, r);
	EXPECT_EQ(0, kisol_mnt_statmount(id, 0, KISOL_STATMOUNT_MNT_BASIC, s, 4096));
	EXPECT_EQ(id, s->mnt_id);
	free(s);
}

KISOL_MAIN
