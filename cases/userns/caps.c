// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capabilities in a user namespace: full inside, none over the parent's
 * resources (each refused action below leaves the host unchanged), what
 * survives execve, and file ownership seen through the id map. The user
 * namespace is created either by root with root mapped to an ordinary id,
 * or by an unprivileged user mapping itself.
 */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "kisol_test.h"

#define MAPPED 100000 /* outside id of root inside, for root-created namespaces */

/*
 * A process created by root into a user namespace keeps kernel uid 0, which
 * is not mapped there; becoming the namespace's own root makes it what a
 * container's init is (kernel uid MAPPED).
 */
static int become_ns_root(void)
{
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return -errno;
	return 0;
}

/* Full capability mask for this kernel, as /proc/PID/status prints it. */
static uint64_t full_caps(void)
{
	int64_t last = 40;

	kisol_read_int64("/proc/sys/kernel/cap_last_cap", &last);
	return last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
}

static uint64_t cap_eff(void)
{
	char buf[4096], *p;

	if (kisol_read_file("/proc/self/status", buf, sizeof(buf)) < 0)
		return 0;
	p = strstr(buf, "CapEff:");
	return p ? strtoull(p + 7, NULL, 16) : 0;
}

/* ---- a table of the parent's resources ---- */

struct scratch {
	char dir[PATH_MAX];
	char file[PATH_MAX + 16];
	pid_t helper;
};

struct resource {
	const char *name;
	int err; /* the errno the action must give */
	int (*act)(const struct scratch *s); /* errno, 0 on (wrong) success */
	bool other_owner; /* acts on a file or process only root can make another user's */
};

static int a_sethostname(const struct scratch *s)
{
	char h[65];

	if (gethostname(h, sizeof(h)) < 0)
		return 100;
	/* writing the same name back: harmless even if it were allowed */
	return sethostname(h, strlen(h)) < 0 ? errno : 0;
}

static int a_open_root_file(const struct scratch *s)
{
	int fd = open(s->file, O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? errno : 0;
}

static int a_kill_other(const struct scratch *s)
{
	return kill(s->helper, 0) < 0 ? errno : 0;
}

static int a_mount_host_ns(const struct scratch *s)
{
	if (mount("none", s->dir, "tmpfs", 0, NULL) == 0) {
		umount2(s->dir, MNT_DETACH);
		return 0;
	}
	return errno;
}

static int a_setns_host_net(const struct scratch *s)
{
	_cleanup_close_ int fd = kisol_ns_open(0, KISOL_NS_NET);

	return fd < 0 ? 100 : -kisol_ns_enter(fd, KISOL_NS_NET);
}

static int a_clock_settime(const struct scratch *s)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 100;
	return clock_settime(CLOCK_REALTIME, &ts) < 0 ? errno : 0;
}

static int a_host_sysctl(const struct scratch *s)
{
	int fd = open("/proc/sys/vm/swappiness", O_WRONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd); /* opened only, never written */
	return fd < 0 ? errno : 0;
}

static int a_rlimit(const struct scratch *s)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) < 0 || r.rlim_max == RLIM_INFINITY)
		return 100;
	r.rlim_max += 1;
	return setrlimit(RLIMIT_NOFILE, &r) < 0 ? errno : 0;
}

static int a_mknod(const struct scratch *s)
{
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/null", s->dir);
	if (mknod(p, S_IFCHR | 0600, makedev(1, 3)) == 0) {
		unlink(p);
		return 0;
	}
	return errno;
}

static int a_ptrace_root(const struct scratch *s)
{
	if (ptrace(PTRACE_ATTACH, s->helper, NULL, NULL) == 0) {
		ptrace(PTRACE_DETACH, s->helper, NULL, NULL);
		return 0;
	}
	return errno;
}

static int a_swapoff(const struct scratch *s)
{
	/* CAP_SYS_ADMIN is checked before the path: ENOENT would mean it passed */
	return syscall(SYS_swapoff, "/nonexistent-kisol-swap") < 0 ? errno : 0;
}

static int a_nice(const struct scratch *s)
{
	return setpriority(PRIO_PROCESS, 0, -5) < 0 ? errno : 0;
}

static int a_chown_root_file(const struct scratch *s)
{
	return chown(s->file, 0, 0) < 0 ? errno : 0;
}

enum mode { ROOT_CREATED, UNPRIV };

FIXTURE(no_outside_caps) {
	struct kisol_child child;
	struct scratch s;
	struct kisol_child helper;
};

FIXTURE_VARIANT(no_outside_caps) {
	struct resource r;
	enum mode mode;
};

#define RES(n, e, ...)                                                                        \
	FIXTURE_VARIANT_ADD(no_outside_caps, n##_root_created) { .r = { #n, e, a_##n, __VA_ARGS__ }, \
								  .mode = ROOT_CREATED };    \
	FIXTURE_VARIANT_ADD(no_outside_caps, n##_unpriv) { .r = { #n, e, a_##n, __VA_ARGS__ },      \
							   .mode = UNPRIV };

RES(sethostname, EPERM)
RES(open_root_file, EACCES, true)
RES(kill_other, EPERM, true)
RES(mount_host_ns, EPERM)
RES(setns_host_net, EPERM)
RES(clock_settime, EPERM)
RES(host_sysctl, EACCES)
RES(rlimit, EPERM)
RES(mknod, EPERM)
RES(ptrace_root, EPERM, true)
RES(swapoff, EPERM)
RES(nice, EACCES)
RES(chown_root_file, EPERM, true)

static int helper_body(int sock, void *arg)
{
	int64_t go;

	if (arg && kisol_userns_drop_privs(61235, 61235) < 0)
		return 1;
	kisol_send_int(sock, 1);
	kisol_recv_int(sock, &go, -1);
	return 0;
}

FIXTURE_SETUP(no_outside_caps)
{
	struct kisol_child init = KISOL_CHILD_INIT;
	int64_t ready;
	int fd;

	self->child = init;
	self->helper = init;
	self->s.dir[0] = '\0';
	NEED_NS(KISOL_NS_USER);
	if (variant->mode == UNPRIV)
		NEED_USERNS_UNPRIV(-1);
	else
		NEED_ROOT_TO("map root inside to another id");
	if (variant->r.other_owner)
		NEED_ROOT_TO("make a file or process of another user for the namespace to reach for");
	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "caps", self->s.dir, sizeof(self->s.dir)));
	ASSERT_EQ(0, chmod(self->s.dir, 0777)); /* even writable: caps, not modes, decide */
	snprintf(self->s.file, sizeof(self->s.file), "%s/secret", self->s.dir);
	fd = open(self->s.file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	/* a process of another user (kill) or of root (ptrace) */
	ASSERT_EQ(0, kisol_spawn(NULL, helper_body,
				 !strcmp(variant->r.name, "kill_other") ? (void *)1 : NULL, &self->helper));
	ASSERT_EQ(0, kisol_recv_int(self->helper.sock, &ready, KISOL_TIMEOUT_MS));
	self->s.helper = self->helper.pid;
}

FIXTURE_TEARDOWN(no_outside_caps)
{
	struct stat st;
	char p[PATH_MAX + 16];

	kisol_child_release(&self->child);
	kisol_child_release(&self->helper);
	if (!self->s.dir[0])
		return;
	/* the root file (ours when not root) is still root's and 0600 */
	EXPECT_EQ(0, stat(self->s.file, &st));
	EXPECT_EQ(geteuid(), st.st_uid);
	EXPECT_EQ(0600u, st.st_mode & 07777);
	unlink(self->s.file);
	snprintf(p, sizeof(p), "%s/null", self->s.dir);
	unlink(p);
	umount2(self->s.dir, MNT_DETACH);
	EXPECT_EQ(0, rmdir(self->s.dir));
}

static int c_act(int sock, void *arg)
{
	const FIXTURE_VARIANT(no_outside_caps) *v = arg;
	const struct scratch *s;
	static struct scratch copy;
	int64_t go;
	char buf[sizeof(copy)];

	/* the scratch description comes over the socket (the fixture lives in the parent) */
	if (kisol_recv(sock, buf, sizeof(buf), KISOL_TIMEOUT_MS) != sizeof(buf))
		return 90;
	memcpy(&copy, buf, sizeof(copy));
	s = &copy;
	if (v->mode == ROOT_CREATED && become_ns_root() < 0)
		return 91;
	kisol_send_int(sock, (int64_t)cap_eff());
	kisol_send_int(sock, getuid());
	kisol_send_int(sock, v->r.act(s));
	kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS);
	return 0;
}

TEST_F(no_outside_caps, refused)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER, .cgroup_fd = -1 };
	char uid_map[32];
	int64_t caps, uid, err;

	if (variant->mode == ROOT_CREATED) {
		snprintf(uid_map, sizeof(uid_map), "0 %d 1\n", MAPPED);
		o.uid_map = uid_map;
		o.gid_map = uid_map;
	} else {
		o.unpriv = true;
		o.map_root = true;
	}
	ASSERT_EQ(0, kisol_spawn(&o, c_act, (void *)variant, &self->child));
	ASSERT_EQ(0, kisol_send(self->child.sock, &self->s, sizeof(self->s)));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &caps, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &uid, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &err, KISOL_TIMEOUT_MS));
	/* inside: root with every capability ... */
	EXPECT_EQ(0, uid);
	EXPECT_EQ(full_caps(), (uint64_t)caps);
	/* ... none of which reaches the parent's resources */
	EXPECT_EQ(variant->r.err, err) TH_LOG("%s: got %s", variant->r.name, strerror((int)err));
	/* outside: the other processes are untouched */
	EXPECT_EQ(0, kisol_child_kill(&self->helper, 0));
	EXPECT_EQ(-ETIMEDOUT, kisol_child_wait(&self->helper, 0, NULL));
}
KISOL_META(no_outside_caps, refused, "sides=both")

/* ---- execve ---- */

/*
 * The execve target is this binary itself: run with --kisol-print-caps it
 * prints its capability lines and exits before the harness starts (glibc
 * passes argc/argv to constructors), so no other program is needed.
 */
static void __attribute__((constructor)) print_caps_mode(int argc, char **argv)
{
	char buf[4096], out[512] = "";
	const char *keys[] = { "CapPrm:", "CapEff:", "CapBnd:" };

	if (argc != 2 || strcmp(argv[1], "--kisol-print-caps"))
		return;
	if (kisol_read_file("/proc/self/status", buf, sizeof(buf)) < 0)
		_exit(1);
	for (size_t i = 0; i < KISOL_ARRAY_SIZE(keys); i++) {
		char *p = strstr(buf, keys[i]), *e;

		if (!p)
			_exit(2);
		e = strchr(p, '\n');
		strncat(out, p, e ? (size_t)(e - p + 1) : strlen(p));
	}
	_exit(write(1, out, strlen(out)) < 0 ? 3 : 0);
}

static int c_exec(int sock, void *arg)
{
	uid_t as = (uid_t)(uintptr_t)arg;
	int64_t go;

	if (kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS) < 0)
		return 90;
	if (become_ns_root() < 0)
		return 94;
	if (as != 0 && setresuid(as, as, as) < 0)
		return 91;
	kisol_send_int(sock, (int64_t)cap_eff());
	if (dup2(sock, 1) < 0)
		return 92;
	execl("/proc/self/exe", "kisol-caps", "--kisol-print-caps", (char *)NULL);
	return 93;
}

static uint64_t cap_line(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoull(p + strlen(key), NULL, 16) : 0xdead;
}

static void exec_case(struct __test_metadata *_metadata, uid_t as, uint64_t want_eff)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER, .cgroup_fd = -1,
				      .uid_map = "0 100000 2000\n", .gid_map = "0 100000 2000\n" };
	char text[1024];
	int64_t before;

	NEED_NS(KISOL_NS_USER);
	NEED_ROOT_TO("map 2000 ids");
	ASSERT_EQ(0, kisol_spawn(&o, c_exec, (void *)(uintptr_t)as, &c));
	ASSERT_EQ(0, kisol_send_int(c.sock, 1));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &before, KISOL_TIMEOUT_MS));
	EXPECT_EQ(want_eff, (uint64_t)before);
	ASSERT_LT(0, kisol_recv_str(c.sock, text, sizeof(text), KISOL_TIMEOUT_MS));
	EXPECT_EQ(want_eff, cap_line(text, "CapEff:"));
	EXPECT_EQ(want_eff, cap_line(text, "CapPrm:"));
	/* the bounding set is not reduced by either */
	EXPECT_EQ(full_caps(), cap_line(text, "CapBnd:"));
	EXPECT_EQ(0, kisol_child_exit_code(&c, KISOL_TIMEOUT_MS));
}

TEST(execve_as_root_inside_keeps_caps)
{
	exec_case(_metadata, 0, full_caps());
}
KISOL_META(global, execve_as_root_inside_keeps_caps, "sides=one: the capability sets after execve inside, outside nothing changes (no_outside_caps.refused checks the outside)")

TEST(execve_as_nonroot_inside_has_none)
{
	exec_case(_metadata, 1000, 0);
}
KISOL_META(global, execve_as_nonroot_inside_has_none, "sides=one: the capability sets after execve inside, outside nothing changes (no_outside_caps.refused checks the outside)")

/* ---- file ownership through the map ---- */

FIXTURE(owner) {
	char dir[PATH_MAX];
	struct kisol_child child;
};

FIXTURE_SETUP(owner)
{
	struct kisol_child init = KISOL_CHILD_INIT;
	static const struct { const char *n; uid_t u; } files[] = {
		{ "a", MAPPED }, { "b", MAPPED + 5 }, { "c", 0 }, { "d", 200000 },
	};
	char p[PATH_MAX + 8];

	self->child = init;
	NEED_NS(KISOL_NS_USER);
	NEED_ROOT_TO("give files to other ids and map ten ids");
	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "own", self->dir, sizeof(self->dir)));
	ASSERT_EQ(0, chown(self->dir, MAPPED, MAPPED));
	for (size_t i = 0; i < KISOL_ARRAY_SIZE(files); i++) {
		int fd;

		snprintf(p, sizeof(p), "%s/%s", self->dir, files[i].n);
		fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		ASSERT_LE(0, fd);
		close(fd);
		ASSERT_EQ(0, chown(p, files[i].u, files[i].u));
	}
}

FIXTURE_TEARDOWN(owner)
{
	char p[PATH_MAX + 8];
	const char *names[] = { "a", "b", "c", "d", "e" };

	kisol_child_release(&self->child);
	for (size_t i = 0; i < KISOL_ARRAY_SIZE(names); i++) {
		snprintf(p, sizeof(p), "%s/%s", self->dir, names[i]);
		unlink(p);
	}
	EXPECT_EQ(0, rmdir(self->dir));
}

static int c_owner(int sock, void *arg)
{
	const char *dir = arg;
	const char *names[] = { "a", "b", "c", "d" };
	char p[PATH_MAX + 8];
	struct stat st;
	int fd;

	if (become_ns_root() < 0)
		return 89;
	for (size_t i = 0; i < KISOL_ARRAY_SIZE(names); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		if (stat(p, &st) < 0)
			return 90;
		kisol_send_int(sock, st.st_uid);
		kisol_send_int(sock, st.st_gid);
	}
	snprintf(p, sizeof(p), "%s/e", dir);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	kisol_send_int(sock, fd < 0 ? errno : 0);
	if (fd >= 0)
		close(fd);
	kisol_send_int(sock, chown(p, 5, 5) < 0 ? errno : 0);
	kisol_send_int(sock, chown(p, 20, 20) < 0 ? errno : 0); /* unmapped */
	return 0;
}

TEST_F(owner, seen_through_the_map)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER, .cgroup_fd = -1,
				      .uid_map = "0 100000 10\n", .gid_map = "0 100000 10\n" };
	int64_t want[] = { 0, 0, 5, 5, 65534, 65534, 65534, 65534 }, v;
	uid_t ou;
	char p[PATH_MAX + 8];
	struct stat st;

	ASSERT_EQ(0, kisol_userns_overflow_uid(&ou));
	want[4] = want[5] = want[6] = want[7] = ou;
	ASSERT_EQ(0, kisol_spawn(&o, c_owner, self->dir, &self->child));
	for (size_t i = 0; i < KISOL_ARRAY_SIZE(want); i++) {
		ASSERT_EQ(0, kisol_recv_int(self->child.sock, &v, KISOL_TIMEOUT_MS));
		EXPECT_EQ(want[i], v) TH_LOG("id %zu", i);
	}
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, v); /* created inside ... */
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, v); /* chown to a mapped id ... */
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(EINVAL, v); /* chown to an unmapped id */
	/* ... outside it is owned by the mapped ids */
	snprintf(p, sizeof(p), "%s/e", self->dir);
	ASSERT_EQ(0, stat(p, &st));
	EXPECT_EQ((uid_t)(MAPPED + 5), st.st_uid);
	EXPECT_EQ((gid_t)(MAPPED + 5), st.st_gid);
	/* and the files we made keep their real owners */
	snprintf(p, sizeof(p), "%s/c", self->dir);
	ASSERT_EQ(0, stat(p, &st));
	EXPECT_EQ(0u, st.st_uid);
}
KISOL_META(owner, seen_through_the_map, "sides=both")

KISOL_MAIN
