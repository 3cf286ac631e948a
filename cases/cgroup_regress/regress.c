// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup escapes with known fixes:
 *  - CVE-2022-0492: release_agent of a v1 hierarchy writable from a user
 *    namespace (fixed by 24f600856418 "cgroup-v1: Require capabilities to
 *    set release_agent", refined by 467a726b754f). The host is vulnerable
 *    if the write succeeds; the case writes back the current value, so even
 *    then nothing changes.
 *  - CVE-2021-4197: migration permission checks used the writer's, not the
 *    opener's, credentials and cgroup namespace (1756d7994ad8, 0d2b5955b362,
 *    e57457641613).
 *  - CVE-2021-4154: cgroup v1 "source" parameter given as an fd through
 *    fsconfig() was treated as a string (3b0462726e7e). NOTE: on an unfixed
 *    kernel this probe triggers the use-after-free itself.
 */
#include <sys/mount.h>
#include <sys/syscall.h>

#include "kisol_test.h"
#include "kisol/mount.h"
#include "lib_cgroup/cgcase.h"

#define NOBODY 65534

/* A v1 hierarchy in whose root we are (so a cgroupns mount shows release_agent). */
static int v1_root_hier(const struct kisol_cg_hier **ret)
{
	const struct kisol_cg_layout *l;

	if (kisol_cg_layout(&l) < 0)
		return -EIO;
	for (int i = 0; i < l->n; i++)
		if (l->h[i].version == 1 && !strcmp(l->h[i].own, "/")) {
			*ret = &l->h[i];
			return 0;
		}
	return -ENOENT;
}

struct ra_arg {
	char mnt[KISOL_CG_PATH];
	char opts[64];
};

/*
 * Child in new user+mount+cgroup namespaces (root inside): mount the v1
 * hierarchy, then try to write release_agent with its current value.
 * Reports: -errno of the mount (stage 1), or of reading release_agent
 * (stage 2), of open/write (stage 3), 0 if written; then parks, so that
 * the parent can look at its namespaces.
 */
static int release_agent_try(int sock, void *p)
{
	struct ra_arg *a = p;
	char path[KISOL_CG_PATH + 32], cur[4096];
	int fd, r, stage = 1;
	int64_t v;

	/*
	 * No private remount of / needed: our mount namespace is owned by our
	 * new user namespace, so it got the outer shared mounts as slaves
	 * (mount_namespaces(7)) and nothing mounted here propagates out.
	 */
	if (mount("cgroup", a->mnt, "cgroup", 0, a->opts) < 0) {
		r = -errno;
		goto report;
	}
	snprintf(path, sizeof(path), "%s/release_agent", a->mnt);
	stage = 2;
	r = kisol_read_file(path, cur, sizeof(cur));
	if (r >= 0) {
		if (!cur[0])
			snprintf(cur, sizeof(cur), "\n"); /* empty stays empty */
		stage = 3;
		fd = open(path, O_WRONLY | O_CLOEXEC);
		r = fd < 0 ? -errno : (write(fd, cur, strlen(cur)) < 0 ? -errno : 0);
		if (fd >= 0)
			close(fd);
	}
	umount2(a->mnt, MNT_DETACH);
report:
	kisol_send_int(sock, stage);
	kisol_send_int(sock, r);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

static void release_agent_case(struct __test_metadata *_metadata, const char *map)
{
	const struct kisol_cg_hier *h;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWCGROUP,
				      .cgroup_fd = -1, .uid_map = map, .gid_map = map,
				      .deny_setgroups = true };
	struct kisol_child k = KISOL_CHILD_INIT;
	struct ra_arg a = { 0 };
	int64_t stage = 0, r = 0;
	int e;

	NEED_NS_IN_USERNS(KISOL_NS_MNT);
	NEED_NS_IN_USERNS(KISOL_NS_CGROUP);
	if (v1_root_hier(&h) < 0) {
		/*
		 * No v1 root to reach (pure v2 host): try to create a named v1
		 * hierarchy instead; a user namespace must not be allowed to.
		 */
		snprintf(a.opts, sizeof(a.opts), "none,name=kisol-cve-2022-0492");
	} else {
		ASSERT_EQ(0, kisol_cg_v1_opts(h, a.opts, sizeof(a.opts)));
	}
	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "ra", a.mnt, sizeof(a.mnt)));
	ASSERT_EQ(0, kisol_spawn(&o, release_agent_try, &a, &k));
	ASSERT_EQ(0, kisol_recv_int(k.sock, &stage, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(k.sock, &r, KISOL_TIMEOUT_MS));
	/* a refusal only counts from the namespaces the attack needs, all new */
	e = cg_ns_new(k.pid, o.flags);
	kisol_child_release(&k);
	rmdir(a.mnt);
	ASSERT_EQ(0, e) TH_LOG("the child's user, mount and cgroup namespaces: %s", strerror(-e));
	if (stage == 1) {
		/* could not even mount it: release_agent out of reach, which is the property */
		EXPECT_GT(0, r);
		TH_LOG("mount of v1 %s in the user namespace refused: %s", a.opts, strerror((int)-r));
		return;
	}
	ASSERT_EQ(3, stage) TH_LOG("reading release_agent: %s", strerror((int)-r));
	EXPECT_NE(0, r) TH_LOG("VULNERABLE (CVE-2022-0492): release_agent of v1 %s written from a user namespace",
			       a.opts);
	EXPECT_TRUE(r == -EPERM || r == -EACCES) TH_LOG("write gave %s", strerror((int)-r));
}

/* Root of a user namespace mapped to host root (uid 0 -> 0), with its own cgroupns. */
TEST(cve_2022_0492_release_agent_userns_root)
{
	NEED_ROOT_TO("map host root into a user namespace");
	release_agent_case(_metadata, "0 0 1");
}
KISOL_META(global, cve_2022_0492_release_agent_userns_root,
	   "cve=CVE-2022-0492;commit=24f600856418;ref=467a726b754f")

/* The usual container: root inside mapped to an unprivileged host uid. */
TEST(cve_2022_0492_release_agent_mapped_nobody)
{
	char map[32];

	/* run by an ordinary user: root inside is that user */
	snprintf(map, sizeof(map), "0 %u 1", kisol_is_root() ? 65534u : (unsigned)geteuid());
	release_agent_case(_metadata, map);
}
KISOL_META(global, cve_2022_0492_release_agent_mapped_nobody,
	   "cve=CVE-2022-0492;commit=24f600856418;ref=467a726b754f")

/* ---- CVE-2021-4197 ---- */

CG_FIXTURE(r4197, KISOL_CG_CORE)
/* Tests of properties cgroup v1 does not have: a v2 variant only. */
CG_FIXTURE_V2(r4197_v2, KISOL_CG_CORE)

struct opener {
	char path[KISOL_CG_PATH + 32];
	bool drop;       /* open as nobody */
	bool cgroupns;   /* unshare a cgroupns before opening (we are in dst) */
};

/* Child: (drop privileges / unshare cgroupns), open path O_WRONLY, pass the fd, park. */
static int open_and_pass(int sock, void *p)
{
	struct opener *o = p;
	int64_t v;
	int fd;

	if (o->drop && (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY)))
		return 100;
	if (o->cgroupns && unshare(CLONE_NEWCGROUP))
		return 101;
	fd = open(o->path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		kisol_send_int(sock, -errno);
		return 0;
	}
	kisol_send_int(sock, 0);
	kisol_send_fd(sock, fd);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

static int get_fd(const struct kisol_cg *in, struct opener *o, struct kisol_child *k)
{
	int64_t r;
	int e = kisol_cg_spawn(in, 0, open_and_pass, o, k);

	if (e < 0)
		return e;
	if ((e = kisol_recv_int(k->sock, &r, KISOL_TIMEOUT_MS)) < 0)
		return e;
	if (r < 0)
		return (int)r;
	return kisol_recv_fd(k->sock, KISOL_TIMEOUT_MS);
}

static int write_pid_fd(int fd, pid_t pid)
{
	char s[24];

	snprintf(s, sizeof(s), "%d", (int)pid);
	return write(fd, s, strlen(s)) < 0 ? -errno : 0;
}

/*
 * nobody opens dst/cgroup.procs (it may: the file is chowned to it) and
 * hands the fd to root; root's write of a root-owned task must still be
 * judged with nobody's credentials and fail.
 */
TEST_F(r4197, open_time_credentials)
{
	_cleanup_cg_ struct kisol_cg src = KISOL_CG_INIT, dst = KISOL_CG_INIT;
	struct opener o = { .drop = true };
	char p[KISOL_CG_PATH + 32];
	int fd, r;

	NEED_ROOT_TO("use an fd that another uid (65534) opened on a task of its own uid");
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "src", &src));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "dst", &dst));
	snprintf(p, sizeof(p), "%s/cgroup.procs", dst.path);
	ASSERT_EQ(0, chown(p, NOBODY, NOBODY));
	ASSERT_EQ(0, cg_spawn_park(&src, &self->kid[1])); /* the victim, root-owned */
	snprintf(o.path, sizeof(o.path), "%s", p);
	fd = get_fd(&src, &o, &self->kid[0]);
	ASSERT_LE(0, fd) TH_LOG("nobody opening %s: %s", p, strerror(-fd));
	r = write_pid_fd(fd, self->kid[1].pid);
	close(fd);
	EXPECT_EQ(-EACCES, r) TH_LOG("write through nobody's fd: %s", r ? strerror(-r) : "succeeded (VULNERABLE, CVE-2021-4197)");
	EXPECT_EQ(1, kisol_cg_has_pid(&src, self->kid[1].pid));
}
KISOL_META(r4197, open_time_credentials, "cve=CVE-2021-4197;commit=1756d7994ad8;ref=0d2b5955b362")

/* Control: root's own fd does move the task (so the refusal above is about credentials). */
TEST_F(r4197, control_root_fd_moves)
{
	_cleanup_cg_ struct kisol_cg src = KISOL_CG_INIT, dst = KISOL_CG_INIT;
	char p[KISOL_CG_PATH + 32];
	int fd;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "src", &src));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "dst", &dst));
	ASSERT_EQ(0, cg_spawn_park(&src, &self->kid[1]));
	snprintf(p, sizeof(p), "%s/cgroup.procs", dst.path);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, write_pid_fd(fd, self->kid[1].pid));
	close(fd);
	EXPECT_EQ(1, kisol_cg_has_pid(&dst, self->kid[1].pid));
}

static bool v2_nsdelegate(void)
{
	const struct kisol_cg_layout *l;
	char buf[65536], *line;

	if (kisol_cg_layout(&l) < 0 || l->v2 < 0)
		return false;
	if (kisol_read_file("/proc/self/mountinfo", buf, sizeof(buf)) < 0)
		return false;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (strstr(line, " - cgroup2 ") && strstr(line, "nsdelegate"))
			return true;
	return false;
}

/*
 * With nsdelegate: an fd opened inside a cgroupns rooted at dst, used from
 * outside, must not move a task the opener could not see (ENOENT).
 */
TEST_F(r4197_v2, open_time_cgroupns)
{
	_cleanup_cg_ struct kisol_cg src = KISOL_CG_INIT, dst = KISOL_CG_INIT;
	struct opener o = { .cgroupns = true };
	int fd, r;

	if (!v2_nsdelegate())
		SKIP(return, "cgroup2 is mounted without nsdelegate: cgroupns are no delegation boundary here");
	NEED_NS(KISOL_NS_CGROUP);
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "src", &src));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "dst", &dst));
	ASSERT_EQ(0, cg_spawn_park(&src, &self->kid[1]));
	snprintf(o.path, sizeof(o.path), "%s/cgroup.procs", dst.path);
	fd = get_fd(&dst, &o, &self->kid[0]);
	ASSERT_LE(0, fd);
	r = write_pid_fd(fd, self->kid[1].pid);
	close(fd);
	EXPECT_EQ(-ENOENT, r);
	EXPECT_EQ(1, kisol_cg_has_pid(&src, self->kid[1].pid));
}
KISOL_META(r4197_v2, open_time_cgroupns, "cve=CVE-2021-4197;commit=e57457641613")

/* ---- CVE-2021-4154 ---- */

#ifndef FSCONFIG_SET_STRING
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_SET_FD 5
#endif

static void source_fd_case(struct __test_metadata *_metadata, const char *fstype)
{
	int fs, fd, r;

	NEED_ROOT_TO("fsopen a cgroup filesystem");
	NEED_MOUNT_API();
	fs = (int)syscall(SYS_fsopen, fstype, 1 /* FSOPEN_CLOEXEC */);
	if (fs < 0 && errno == ENODEV)
		SKIP(return, "%s filesystem not available", fstype);
	ASSERT_LE(0, fs) TH_LOG("fsopen %s: %s", fstype, strerror(errno));
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	r = (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, "source", NULL, fd);
	EXPECT_EQ(-1, r) TH_LOG("VULNERABLE (CVE-2021-4154): %s took an fd as \"source\"", fstype);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", "kisol", 0));
	close(fd);
	close(fs);
}

TEST(cve_2021_4154_v1_source_fd)
{
	source_fd_case(_metadata, "cgroup");
}
KISOL_META(global, cve_2021_4154_v1_source_fd, "cve=CVE-2021-4154;commit=3b0462726e7e")

TEST(cve_2021_4154_v2_source_fd)
{
	source_fd_case(_metadata, "cgroup2");
}
KISOL_META(global, cve_2021_4154_v2_source_fd, "cve=CVE-2021-4154;commit=3b0462726e7e")

KISOL_MAIN
