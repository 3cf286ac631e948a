// SPDX-License-Identifier: GPL-2.0-only
/*
 * procfs options per mount (5.8): each mount of proc is its own instance
 * with its own options, also within one pid namespace (fa10fed30f25), so a
 * container runtime can mount a restricted /proc without touching the
 * host's. hidepid=noaccess|invisible|ptraceable (1c6c4d112e81, 24a71ce5c47f)
 * hides other users' processes from an ordinary user, gid= exempts a group;
 * subset=pid (6814ef2d992a) leaves only the process directories. Each
 * property is checked on the restricted instance and on a plain instance
 * mounted next to it in the same pid namespace (selftests proc-subset-pid,
 * proc-multiple-procfs, proc-fsconfig-hidepid).
 */
#include <dirent.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kisol_test.h"
#include "kisol/mount.h"

/* A scratch tmpfs with two mount points: a (restricted proc) and b (plain proc). */
struct pair {
	char dir[PATH_MAX];
	char a[PATH_MAX + 8], b[PATH_MAX + 8];
};

static void pair_setup(struct __test_metadata *_metadata, struct pair *p)
{
	p->dir[0] = '\0';
	/*
	 * A new proc instance belongs to the pid namespace of the process that
	 * mounts it: as root the host's; an ordinary user goes on as pid 1 of a
	 * pid namespace that its own user namespace owns, whose proc it may
	 * mount (in a mount namespace of its own).
	 */
	NEED_ROOT_OR_OWN_PIDNS();
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("proc2", "mode=0755", p->dir, sizeof(p->dir)));
	snprintf(p->a, sizeof(p->a), "%s/a", p->dir);
	snprintf(p->b, sizeof(p->b), "%s/b", p->dir);
	ASSERT_EQ(0, mkdir(p->a, 0755));
	ASSERT_EQ(0, mkdir(p->b, 0755));
}

static void pair_teardown(struct __test_metadata *_metadata, struct pair *p)
{
	if (p->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(p->dir));
}

FIXTURE(proc2) {
	struct pair p;
	struct kisol_child viewer;
};

FIXTURE_SETUP(proc2)
{
	self->viewer = (struct kisol_child)KISOL_CHILD_INIT;
	pair_setup(_metadata, &self->p);
}

FIXTURE_TEARDOWN(proc2)
{
	kisol_child_release(&self->viewer);
	pair_teardown(_metadata, &self->p);
}

/*
 * Mount proc with options on a (through the variant's API) and a plain
 * proc on b; both must be distinct instances. false when skipped.
 */
static bool mount_pair(struct __test_metadata *_metadata, const struct pair *self,
		       const char *opts, bool new_api)
{
	struct kisol_mnt_info ma, mb;
	struct stat sa, sb;
	char log[256] = "";
	int r;

	r = kisol_mnt_fs_mount(new_api ? KISOL_MNT_API_NEW : KISOL_MNT_API_LEGACY, "proc", "proc",
			       self->a, opts, 0, log, sizeof(log));
	if (r == -ENOSYS)
		SKIP(return false, "fsopen gives ENOSYS (5.2+)");
	if (r == -EINVAL)
		SKIP(return false, "proc refuses \"%s\" (EINVAL%s%s): per-mount proc options came in 5.8 "
				   "(fa10fed30f25, 6814ef2d992a, 1c6c4d112e81)", opts, *log ? ": " : "", log);
	ASSERT_EQ(0, r) TH_LOG("mount proc -o %s: %s %s", opts, strerror(-r), log);
	ASSERT_EQ(0, kisol_mnt_mount("proc", self->b, "proc", 0, NULL));
	ASSERT_EQ(0, stat(self->a, &sa));
	ASSERT_EQ(0, stat(self->b, &sb));
	EXPECT_NE(sa.st_dev, sb.st_dev) TH_LOG("both mounts share one proc superblock");
	ASSERT_EQ(0, kisol_mnt_info(0, self->a, &ma));
	ASSERT_EQ(0, kisol_mnt_info(0, self->b, &mb));
	EXPECT_STREQ("proc", ma.fstype);
	TH_LOG("restricted: %s; plain: %s", ma.super_options, mb.super_options);
	EXPECT_EQ(NULL, strstr(mb.super_options, "hidepid")) TH_LOG("plain instance: %s", mb.super_options);
	EXPECT_EQ(NULL, strstr(mb.super_options, "subset")) TH_LOG("plain instance: %s", mb.super_options);
	return true;
}

/* What one instance shows an observer about process pid. */
struct seen {
	int stat;   /* stat(<mnt>/<pid>): 0 / -errno */
	int listed; /* 1 if readdir(<mnt>) lists it */
	int status; /* open(<mnt>/<pid>/status) */
	int self;   /* stat(<mnt>/<own pid>/status) */
};

static int listed(const char *mnt, pid_t pid)
{
	char name[32];
	struct dirent *e;
	DIR *d = opendir(mnt);
	int found = 0;

	if (!d)
		return -errno;
	snprintf(name, sizeof(name), "%d", pid);
	while ((e = readdir(d)))
		if (!strcmp(e->d_name, name))
			found = 1;
	closedir(d);
	return found;
}

static void look(const char *mnt, pid_t pid, struct seen *s)
{
	char p[PATH_MAX + 64];
	struct stat st;
	int fd;

	snprintf(p, sizeof(p), "%s/%d", mnt, pid);
	s->stat = stat(p, &st) ? -errno : 0;
	s->listed = listed(mnt, pid);
	snprintf(p, sizeof(p), "%s/%d/status", mnt, pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	s->status = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	snprintf(p, sizeof(p), "%s/%d/status", mnt, getpid());
	s->self = stat(p, &st) ? -errno : 0;
}

struct view_arg {
	const char *a, *b;
	pid_t target;
};

struct view {
	struct seen a, b;
};

/* An ordinary user (not the target's owner) looks at both instances. */
static int viewer(int sock, void *p)
{
	const struct view_arg *va = p;
	struct view v;

	look(va->a, va->target, &v.a);
	look(va->b, va->target, &v.b);
	return kisol_send(sock, &v, sizeof(v)) < 0 ? 91 : 0;
}

static void view_as_user(struct __test_metadata *_metadata, FIXTURE_DATA(proc2) *self, struct view *v)
{
	struct kisol_spawn_opts o = { .cgroup_fd = -1, .unpriv = true };
	struct view_arg va = { .a = self->p.a, .b = self->p.b, .target = getpid() };
	int r;

	ASSERT_EQ(0, kisol_spawn(&o, viewer, &va, &self->viewer));
	/*
	 * In the rootless view the viewer is another uid of a nested user
	 * namespace with no capability: the same kernel uid as the target, but
	 * without the capabilities the target holds in its user namespace, so
	 * ptrace read access (what hidepid asks) is refused to it as to
	 * another uid (commoncap: the target's permitted set must be a subset
	 * of the caller's).
	 */
	r = kisol_recv(self->viewer.sock, v, sizeof(*v), KISOL_TIMEOUT_MS);
	ASSERT_EQ((int)sizeof(*v), r) TH_LOG("no report from the viewer: %s", strerror(-r));
	/* plain instance: root's process fully visible to the user (both sides) */
	EXPECT_EQ(0, v->b.stat);
	EXPECT_EQ(1, v->b.listed);
	EXPECT_EQ(0, v->b.status);
	/* the viewer always sees itself */
	EXPECT_EQ(0, v->a.self);
	EXPECT_EQ(0, v->b.self);
}

FIXTURE_VARIANT(proc2) {
	const char *opts;
	bool new_api;
	/* the restricted instance, for the viewer: */
	int stat, listed, status;
};

#define HIDE(name, o, st, li, stt)                                                              \
	FIXTURE_VARIANT_ADD(proc2, name) { .opts = o, .stat = st, .listed = li, .status = stt };  \
	FIXTURE_VARIANT_ADD(proc2, name##_fsconfig) { .opts = o, .new_api = true, .stat = st,   \
						      .listed = li, .status = stt }

HIDE(hidepid_invisible, "hidepid=invisible", -ENOENT, 0, -ENOENT);
HIDE(hidepid_2, "hidepid=2", -ENOENT, 0, -ENOENT);
HIDE(hidepid_noaccess, "hidepid=noaccess", 0, 1, -EPERM);
HIDE(hidepid_ptraceable, "hidepid=ptraceable", -ENOENT, 0, -ENOENT);
/* gid= exempts members of the group: the viewer's own gid (proc_opts) */
#define GID_EXEMPT "gid=61234"
HIDE(hidepid_invisible_gid_exempt, "hidepid=invisible," GID_EXEMPT, 0, 1, 0);
HIDE(subset_pid, "subset=pid", 0, 1, 0);

/*
 * The variant's options with gid= naming the viewer's group as the mounter
 * sees it: 61234 (KISOL_UNPRIV_GID) as root; in the rootless view the
 * viewer's kernel gid is the test's own, its gid in the test's user namespace.
 */
static const char *proc_opts(const char *opts, char *buf, size_t size)
{
	const char *g = strstr(opts, GID_EXEMPT);

	if (kisol_is_root() || !g)
		return opts;
	snprintf(buf, size, "%.*sgid=%u%s", (int)(g - opts), opts, (unsigned)getegid(),
		 g + strlen(GID_EXEMPT));
	return buf;
}

TEST_F(proc2, other_users_processes)
{
	char opts[64];
	struct view v;

	if (!mount_pair(_metadata, &self->p, proc_opts(variant->opts, opts, sizeof(opts)),
			variant->new_api))
		return;
	view_as_user(_metadata, self, &v);
	EXPECT_EQ(variant->stat, v.a.stat);
	EXPECT_EQ(variant->listed, v.a.listed);
	EXPECT_EQ(variant->status, v.a.status);
}
KISOL_META(proc2, other_users_processes, "commit=fa10fed30f25;ref=1c6c4d112e81,24a71ce5c47f")

/* subset=pid: only process directories (and self, thread-self); the plain instance has everything. */
FIXTURE(subset) {
	struct pair p;
};

FIXTURE_VARIANT(subset) {
	bool new_api;
};

FIXTURE_VARIANT_ADD(subset, mount) { .new_api = false };
FIXTURE_VARIANT_ADD(subset, fsconfig) { .new_api = true };

FIXTURE_SETUP(subset)
{
	pair_setup(_metadata, &self->p);
}

FIXTURE_TEARDOWN(subset)
{
	pair_teardown(_metadata, &self->p);
}

TEST_F(subset, pid_hides_the_rest)
{
	static const char *const gone[] = { "sys", "meminfo", "mounts", "sysvipc", "net" };
	static const char *const kept[] = { "self", "thread-self" };
	char p[PATH_MAX + 32];
	struct stat st;

	if (!mount_pair(_metadata, &self->p, "subset=pid", variant->new_api))
		return;
	for (size_t i = 0; i < KISOL_ARRAY_SIZE(gone); i++) {
		snprintf(p, sizeof(p), "%s/%s", self->p.a, gone[i]);
		EXPECT_EQ(-ENOENT, stat(p, &st) ? -errno : 0) TH_LOG("%s", p);
		snprintf(p, sizeof(p), "%s/%s", self->p.b, gone[i]);
		EXPECT_EQ(0, stat(p, &st) ? -errno : 0) TH_LOG("%s", p);
	}
	for (size_t i = 0; i < KISOL_ARRAY_SIZE(kept); i++) {
		snprintf(p, sizeof(p), "%s/%s/status", self->p.a, kept[i]);
		EXPECT_EQ(0, stat(p, &st) ? -errno : 0) TH_LOG("%s", p);
	}
	snprintf(p, sizeof(p), "%s/%d/status", self->p.a, getpid());
	EXPECT_EQ(0, stat(p, &st) ? -errno : 0);
}
KISOL_META(subset, pid_hides_the_rest, "commit=6814ef2d992a")

/* fsconfig: hidepid takes a string (number or name), not a binary blob, and nothing unknown. */
TEST(fsconfig_hidepid_values)
{
	_cleanup_close_ int fd = kisol_mnt_fsopen("proc", FSOPEN_CLOEXEC);
	int two = 2;

	/* fsopen needs CAP_SYS_ADMIN over the mount namespace only: as root of a user namespace of its own */
	NEED_ROOT_OR_OWN_USERNS_WITH(KISOL_NS_MNT, CLONE_NEWNS);
	NEED_MOUNT_API();
	if (fd < 0)
		fd = kisol_mnt_fsopen("proc", FSOPEN_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, kisol_mnt_fsconfig(fd, FSCONFIG_SET_BINARY, "hidepid", &two, sizeof(two)));
	EXPECT_EQ(0, kisol_mnt_fsconfig(fd, FSCONFIG_SET_STRING, "hidepid", "2", 0));
	EXPECT_EQ(0, kisol_mnt_fsconfig(fd, FSCONFIG_SET_STRING, "hidepid", "invisible", 0));
	EXPECT_EQ(-EINVAL, kisol_mnt_fsconfig(fd, FSCONFIG_SET_STRING, "hidepid", "kisol", 0));
	EXPECT_EQ(-EINVAL, kisol_mnt_fsconfig(fd, FSCONFIG_SET_STRING, "hidepid", "3", 0));
	EXPECT_EQ(-EINVAL, kisol_mnt_fsconfig(fd, FSCONFIG_SET_STRING, "subset", "kisol", 0));
}
KISOL_META(global, fsconfig_hidepid_values, "commit=1c6c4d112e81")

KISOL_META_FIXTURE(proc2, "sides=both")
KISOL_META_FIXTURE(subset, "sides=both")
KISOL_META_FIXTURE(global, "sides=one: parameter parsing of one fs context")

KISOL_MAIN
