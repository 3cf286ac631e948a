// SPDX-License-Identifier: GPL-2.0-only
/*
 * libkisol userns, need and util modules: id maps written for a child,
 * dropping privileges, unprivileged self-mapping, requirement probes, and
 * the small file helpers, with their error paths.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <linux/capability.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "kisol_test.h"

/* Child waiting for the go, then reporting its uid, gid and maps. */
static int report_creds(int sock, void *arg)
{
	char buf[256];
	int64_t go;

	if (kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS) < 0)
		return 1;
	if (kisol_send_int(sock, getuid()) < 0 || kisol_send_int(sock, getgid()) < 0)
		return 2;
	if (kisol_read_file("/proc/self/setgroups", buf, sizeof(buf)) < 0)
		return 3;
	return kisol_send_str(sock, buf) < 0 ? 4 : 0;
}

FIXTURE(maps) {
	struct kisol_child child;
};

FIXTURE_SETUP(maps)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER, .cgroup_fd = -1 };
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	/*
	 * an ordinary user: root of a user namespace of its own, where only
	 * its own ids (0 there) can be mapped; what maps others needs root
	 */
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_USER);
	NEED_NS(KISOL_NS_USER);
	ASSERT_EQ(0, kisol_spawn(&o, report_creds, NULL, &self->child));
}

FIXTURE_TEARDOWN(maps)
{
	kisol_child_release(&self->child);
}

static void go_and_read(struct __test_metadata *_metadata, struct kisol_child *c,
			int64_t *uid, int64_t *gid, char *sg, size_t n)
{
	ASSERT_EQ(0, kisol_send_int(c->sock, 1));
	ASSERT_EQ(0, kisol_recv_int(c->sock, uid, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(c->sock, gid, KISOL_TIMEOUT_MS));
	ASSERT_LT(0, kisol_recv_str(c->sock, sg, n, KISOL_TIMEOUT_MS));
}

TEST_F(maps, map_root_seen_inside)
{
	int64_t uid, gid;
	char sg[32];

	ASSERT_EQ(0, kisol_userns_map_root(self->child.pid, 0, 0, true));
	go_and_read(_metadata, &self->child, &uid, &gid, sg, sizeof(sg));
	EXPECT_EQ(0, uid);
	EXPECT_EQ(0, gid);
	EXPECT_STREQ("deny\n", sg);
}

TEST_F(maps, write_maps_ranges)
{
	int64_t uid, gid;
	char sg[32];

	NEED_ROOT_TO("write maps of ids other than its own");
	ASSERT_EQ(0, kisol_userns_write_maps(self->child.pid, "0 1000 10\n50 0 1\n",
					     "0 2000 10\n60 0 1\n", false));
	go_and_read(_metadata, &self->child, &uid, &gid, sg, sizeof(sg));
	EXPECT_EQ(50, uid);
	EXPECT_EQ(60, gid);
	EXPECT_STREQ("allow\n", sg);
}

TEST_F(maps, unmapped_shows_overflow)
{
	int64_t uid, gid;
	uid_t ou;
	gid_t og;
	char sg[32];

	NEED_ROOT_TO("write maps of ids other than its own");
	ASSERT_EQ(0, kisol_userns_overflow_uid(&ou));
	ASSERT_EQ(0, kisol_userns_overflow_gid(&og));
	/* root (0) outside is not in the map: the child sees the overflow ids */
	ASSERT_EQ(0, kisol_userns_write_maps(self->child.pid, "0 1000 1\n", NULL, false));
	go_and_read(_metadata, &self->child, &uid, &gid, sg, sizeof(sg));
	EXPECT_EQ((int64_t)ou, uid);
	EXPECT_EQ((int64_t)og, gid);
}

TEST_F(maps, write_once)
{
	ASSERT_EQ(0, kisol_userns_write_map(self->child.pid, "uid_map", "0 0 1\n"));
	EXPECT_EQ(-EPERM, kisol_userns_write_map(self->child.pid, "uid_map", "0 0 1\n"));
	ASSERT_EQ(0, kisol_userns_write_map(self->child.pid, "gid_map", "0 0 1\n"));
	EXPECT_EQ(-EPERM, kisol_userns_write_map(self->child.pid, "gid_map", "0 0 1\n"));
	/* setgroups cannot be set to deny once gid_map is written */
	EXPECT_EQ(-EPERM, kisol_userns_setgroups(self->child.pid, "deny"));
}

TEST_F(maps, argument_errors)
{
	EXPECT_EQ(-EINVAL, kisol_userns_setgroups(self->child.pid, "maybe"));
	EXPECT_EQ(-EINVAL, kisol_userns_setgroups(self->child.pid, NULL));
	EXPECT_EQ(-EINVAL, kisol_userns_setgroups(0, "deny"));
	EXPECT_EQ(-EINVAL, kisol_userns_setgroups(-5, "deny"));
	EXPECT_EQ(-EINVAL, kisol_userns_write_map(self->child.pid, "projid_map", "0 0 1\n"));
	EXPECT_EQ(-EINVAL, kisol_userns_write_map(self->child.pid, NULL, "0 0 1\n"));
	EXPECT_EQ(-EINVAL, kisol_userns_write_map(self->child.pid, "uid_map", NULL));
	EXPECT_EQ(-EINVAL, kisol_userns_write_map(0, "uid_map", "0 0 1\n"));
	EXPECT_EQ(-ENOENT, kisol_userns_write_map(4194305 + 7, "uid_map", "0 0 1\n"));
	EXPECT_EQ(-EINVAL, kisol_userns_write_map(self->child.pid, "uid_map", "x y z\n"));
	/* the maps stay writable after these failures */
	EXPECT_EQ(0, kisol_userns_map_root(self->child.pid, 0, 0, false));
}

TEST(overflow_ids_match_sysctl)
{
	int64_t u, g;
	uid_t ou;
	gid_t og;

	ASSERT_EQ(0, kisol_read_int64("/proc/sys/kernel/overflowuid", &u));
	ASSERT_EQ(0, kisol_read_int64("/proc/sys/kernel/overflowgid", &g));
	ASSERT_EQ(0, kisol_userns_overflow_uid(&ou));
	ASSERT_EQ(0, kisol_userns_overflow_gid(&og));
	EXPECT_EQ(u, (int64_t)ou);
	EXPECT_EQ(g, (int64_t)og);
	EXPECT_EQ(0, kisol_userns_overflow_uid(NULL));
}

static int exit_zero(int sock, void *arg)
{
	return 0;
}

/* Fork a child, run fn there, return its exit code (or -1). */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn() & 0xff);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int drop_checks(void)
{
	uid_t r, e, s;
	char why[128];

	if (kisol_userns_drop_privs(KISOL_UNPRIV_UID, KISOL_UNPRIV_GID) < 0)
		return 1;
	if (getresuid(&r, &e, &s) < 0 || r != KISOL_UNPRIV_UID || e != r || s != r)
		return 2;
	if (getgroups(0, NULL) != 0)
		return 3;
	/* no way back */
	if (setuid(0) == 0)
		return 4;
	if (kisol_need_root(why, sizeof(why)) != 1 || !strstr(why, "61234"))
		return 5;
	if (kisol_need_cap(CAP_SYS_ADMIN, why, sizeof(why)) != 1)
		return 6;
	/* a second drop to root is refused with EPERM */
	if (kisol_userns_drop_privs(0, 0) != -EPERM)
		return 7;
	return 0;
}

TEST(drop_privs_is_final)
{
	NEED_ROOT_TO("drop to another uid");
	EXPECT_EQ(0, in_child(drop_checks));
}

static int unshare_root_checks(void)
{
	uid_t uid = kisol_unpriv_uid();
	char buf[64], want[16];

	if (kisol_become_unpriv() < 0)
		return 1;
	if (kisol_userns_unshare_root(CLONE_NEWUTS) < 0)
		return 2;
	if (getuid() != 0 || getgid() != 0)
		return 3;
	if (kisol_read_file("/proc/self/uid_map", buf, sizeof(buf)) < 0)
		return 4;
	snprintf(want, sizeof(want), " %u ", (unsigned)uid);
	if (!strstr(buf, want))
		return 5;
	if (kisol_userns_depth(open("/proc/self/ns/user", O_RDONLY)) != 0)
		return 6;
	/* root in the new user ns owns the new UTS ns */
	if (sethostname("kisol-x", 7) < 0)
		return 7;
	return 0;
}

TEST(unshare_root_unprivileged)
{
	char host[65], now[65];

	NEED_USERNS_UNPRIV(KISOL_NS_UTS);
	ASSERT_EQ(0, gethostname(host, sizeof(host)));
	EXPECT_EQ(0, in_child(unshare_root_checks));
	ASSERT_EQ(0, gethostname(now, sizeof(now)));
	EXPECT_STREQ(host, now);
}

/*
 * The second user of the rootless view (kisol_userns_become_other): from
 * any uid, a child becomes root of a user namespace of its own (U1, only
 * its ids mapped, a UTS namespace of its own) and forks the "other user".
 * Inside, that one is uid/gid 4242 of a nested user namespace, holds no
 * capability (none effective or permitted), is refused what needs one
 * over U1's namespaces (a bare mount namespace, U1's hostname) and can
 * still make a user namespace of its own, as an ordinary user can. From
 * U1 it is one level below, and its uid is U1's own: what it proves is
 * capabilities and ownership, not file permissions (the same kernel uid).
 * Exit code: the first check that failed (1x inside, 2x outside).
 */
static int other_inside(int pfd)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	char c;

	if (kisol_userns_become_other(4242, 4242) < 0)
		return 10;
	if (geteuid() != 4242 || getuid() != 4242 || getegid() != 4242)
		return 11;
	if (syscall(SYS_capget, &h, d) < 0 || d[0].effective || d[1].effective ||
	    d[0].permitted || d[1].permitted)
		return 12;
	if (unshare(CLONE_NEWNS) == 0 || errno != EPERM)
		return 13;
	if (sethostname("kisol-other", 11) == 0 || errno != EPERM)
		return 14;
	if (kisol_is_root() || kisol_userns_become_other(1, 1) != -EPERM)
		return 15;
	if (write(pfd, "r", 1) != 1 || read(pfd, &c, 1) != 1)
		return 16;
	/* an ordinary user's own user namespace (last: it changes our namespaces) */
	if (kisol_userns_unshare_root(CLONE_NEWUTS) < 0 || sethostname("kisol-own", 9) < 0)
		return 17;
	return 0;
}

static int become_other_checks(void)
{
	_cleanup_close_ int mine = -EBADF, its = -EBADF;
	char path[64], status[2048], c;
	int sv[2], st;
	pid_t kid;

	if (kisol_become_unpriv() < 0 || kisol_userns_unshare_rootless(CLONE_NEWUTS) < 0)
		return 20;
	if (geteuid() != 0 || kisol_is_root() || sethostname("kisol-u1", 8) < 0)
		return 21;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 22;
	kid = fork();
	if (kid == 0)
		_exit(other_inside(sv[1]));
	if (kid < 0 || read(sv[0], &c, 1) != 1)
		return 23;
	mine = kisol_ns_open(0, KISOL_NS_USER);
	its = kisol_ns_open(kid, KISOL_NS_USER);
	if (mine < 0 || its < 0 || kisol_userns_depth(mine) != 0 || kisol_userns_depth(its) != 1)
		return 24;
	/* seen from U1 it is U1's own uid: not another user for file permissions */
	snprintf(path, sizeof(path), "/proc/%d/status", (int)kid);
	if (kisol_read_file(path, status, sizeof(status)) < 0 || !strstr(status, "\nUid:\t0\t0\t0\t0"))
		return 25;
	if (write(sv[0], "g", 1) != 1 || waitpid(kid, &st, 0) != kid || !WIFEXITED(st))
		return 26;
	if (WEXITSTATUS(st))
		return WEXITSTATUS(st);
	/* U1's hostname: untouched by the refused attempt and by the other's own namespace */
	if (kisol_read_file("/proc/sys/kernel/hostname", status, sizeof(status)) < 0 ||
	    strncmp(status, "kisol-u1", 8))
		return 27;
	return 0;
}

TEST(become_other_in_rootless_view)
{
	char host[65], now[65];

	NEED_USERNS_UNPRIV(KISOL_NS_UTS);
	ASSERT_EQ(0, gethostname(host, sizeof(host)));
	EXPECT_EQ(0, in_child(become_other_checks));
	ASSERT_EQ(0, gethostname(now, sizeof(now)));
	EXPECT_STREQ(host, now);
}

/* Child: nest three user namespaces, then hand the innermost out. */
static int nest3(int sock, void *arg)
{
	_cleanup_close_ int fd = -EBADF;
	int64_t go;

	for (int i = 0; i < 2; i++)
		if (kisol_userns_unshare_root(0) < 0)
			return 10 + i;
	fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	/* from inside: the own namespace is depth 0 (the parent is hidden) */
	if (kisol_userns_depth(fd) != 0)
		return 20;
	if (kisol_send_fd(sock, fd) < 0)
		return 21;
	kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS);
	return 0;
}

TEST(depth_counts_nesting)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER, .cgroup_fd = -1, .map_root = true };
	_cleanup_close_ int self_fd = kisol_ns_open(0, KISOL_NS_USER);
	_cleanup_close_ int uts = kisol_ns_open(0, KISOL_NS_UTS);
	_cleanup_close_ int fd = -EBADF;

	NEED_NS(KISOL_NS_USER);
	ASSERT_LE(0, self_fd);
	EXPECT_EQ(0, kisol_userns_depth(self_fd));
	EXPECT_EQ(-EINVAL, kisol_userns_depth(uts));
	EXPECT_EQ(-EBADF, kisol_userns_depth(-1));
	ASSERT_EQ(0, kisol_spawn(&o, nest3, NULL, &c));
	fd = kisol_recv_fd(c.sock, KISOL_TIMEOUT_MS);
	ASSERT_LE(0, fd) TH_LOG("child exit %d", kisol_child_exit_code(&c, 1000));
	/* from outside: three levels below us */
	EXPECT_EQ(3, kisol_userns_depth(fd));
}

TEST(need_root_and_cap)
{
	char why[128] = "";

	NEED_ROOT();
	EXPECT_EQ(0, kisol_need_root(why, sizeof(why)));
	EXPECT_EQ(0, kisol_need_cap(CAP_SYS_ADMIN, why, sizeof(why)));
	EXPECT_EQ(-EINVAL, kisol_need_cap(-1, why, sizeof(why)));
	EXPECT_EQ(-EINVAL, kisol_need_cap(CAP_LAST_CAP + 1, why, sizeof(why)));
	/* NULL why is allowed */
	EXPECT_EQ(0, kisol_need_cap(CAP_NET_ADMIN, NULL, 0));
}

TEST(need_probes)
{
	char why[256];

	EXPECT_EQ(0, kisol_need_clone3(why, sizeof(why)));
	EXPECT_EQ(0, kisol_need_pidfd(why, sizeof(why)));
	EXPECT_EQ(-EINVAL, kisol_need_userns_unpriv(_KISOL_NS_MAX, why, sizeof(why)));
	EXPECT_EQ(-EINVAL, kisol_need_userns_unpriv(-2, why, sizeof(why)));
	for (int t = 0; t < _KISOL_NS_MAX; t++) {
		int r = kisol_need_ns(t, why, sizeof(why));

		/* 0, or 1 with a reason naming the type */
		ASSERT_TRUE(r == 0 || r == 1);
		if (r == 1)
			EXPECT_NE(NULL, strstr(why, kisol_ns_table[t].name));
	}
}

/*
 * As an ordinary user (root drops to KISOL_UNPRIV_UID first): the plain
 * probe of a UTS namespace names the missing capability, the probe inside
 * a user namespace succeeds, root is not claimed, and a spawn asking for
 * another uid is refused. Exit code: the first check that failed.
 */
static int ordinary_user_needs(void)
{
	uid_t want = kisol_unpriv_uid();
	struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER, .cgroup_fd = -1, .unpriv = true };
	char why[256];

	if (kisol_become_unpriv() < 0)
		return 1;
	if (geteuid() != want || kisol_unpriv_uid() != want || kisol_become_unpriv() != 0)
		return 2;
	if (kisol_is_root())
		return 3;
	if (kisol_need_ns(KISOL_NS_UTS, why, sizeof(why)) != 1 ||
	    !strstr(why, "CAP_SYS_ADMIN in the initial user namespace"))
		return 4;
	if (kisol_need_ns_in_userns(KISOL_NS_UTS, why, sizeof(why)) != 0)
		return 5;
	if (kisol_need_root_to("do x", why, sizeof(why)) != 1 || !strstr(why, "to do x"))
		return 6;
	if (kisol_need_userns_unpriv(KISOL_NS_UTS, why, sizeof(why)) != 0)
		return 7;
	o.unpriv_uid = want + 1;
	if (kisol_spawn(&o, NULL, NULL, &c) != -EINVAL) /* no body */
		return 8;
	return kisol_spawn(&o, exit_zero, NULL, &c) == -EPERM && c.pid == -1 ? 0 : 9;
}

TEST(need_as_ordinary_user)
{
	NEED_USERNS_UNPRIV(KISOL_NS_UTS);
	EXPECT_EQ(0, in_child(ordinary_user_needs));
}

TEST(need_ns_in_userns)
{
	char why[256];

	EXPECT_EQ(-EINVAL, kisol_need_ns_in_userns(_KISOL_NS_MAX, why, sizeof(why)));
	EXPECT_EQ(-EINVAL, kisol_need_ns_in_userns(-1, why, sizeof(why)));
	for (int t = 0; t < _KISOL_NS_MAX; t++) {
		int r = kisol_need_ns_in_userns(t, why, sizeof(why));

		ASSERT_TRUE(r == 0 || r == 1);
		if (r == 1)
			EXPECT_NE(NULL, strstr(why, kisol_ns_table[t].name));
		/* what root can make directly it can make in a user namespace */
		if (kisol_is_root() && kisol_need_ns(t, NULL, 0) == 0)
			EXPECT_EQ(0, r) TH_LOG("%s: %s", kisol_ns_table[t].name, why);
	}
}

/* --- util (the lead's module, tested here) --- */

FIXTURE(files) {
	char dir[128];
};

FIXTURE_SETUP(files)
{

	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "libns", self->dir, sizeof(self->dir)));
}

FIXTURE_TEARDOWN(files)
{
	char p[192];
	static const char *const names[] = { "a", "int", "max", "bad", "empty" };

	for (size_t i = 0; i < KISOL_ARRAY_SIZE(names); i++) {
		snprintf(p, sizeof(p), "%s/%s", self->dir, names[i]);
		unlink(p);
	}
	EXPECT_EQ(0, rmdir(self->dir));
}

static void make_file(struct __test_metadata *_metadata, const char *dir,
		      const char *name, const char *text)
{
	char p[192];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(text), write(fd, text, strlen(text)));
	close(fd);
}

TEST_F(files, read_write_roundtrip)
{
	char p[192], buf[32];
	_cleanup_close_ int dfd = -EBADF;

	make_file(_metadata, self->dir, "a", "old");
	snprintf(p, sizeof(p), "%s/a", self->dir);
	ASSERT_EQ(0, kisol_write_file(p, "hello\n"));
	ASSERT_EQ(6, kisol_read_file(p, buf, sizeof(buf)));
	EXPECT_STREQ("hello\n", buf);
	EXPECT_EQ(5u, kisol_chomp(buf));
	EXPECT_STREQ("hello", buf);
	/* short buffer: truncated, still terminated */
	ASSERT_EQ(3, kisol_read_file(p, buf, 4));
	EXPECT_STREQ("hel", buf);
	dfd = open(self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dfd);
	/* one write(2) at offset 0, no truncation (proc/cgroup semantics) */
	ASSERT_EQ(0, kisol_write_fileat(dfd, "a", "x"));
	ASSERT_EQ(6, kisol_read_fileat(dfd, "a", buf, sizeof(buf)));
	EXPECT_STREQ("xello\n", buf);
}

TEST_F(files, read_write_errors)
{
	char p[192], buf[8];

	snprintf(p, sizeof(p), "%s/missing", self->dir);
	EXPECT_EQ(-ENOENT, kisol_read_file(p, buf, sizeof(buf)));
	EXPECT_EQ(-ENOENT, kisol_write_file(p, "x")); /* never creates */
	EXPECT_EQ(-EINVAL, kisol_read_file("/proc/self/status", NULL, 8));
	EXPECT_EQ(-EINVAL, kisol_read_file("/proc/self/status", buf, 0));
	EXPECT_EQ(-EINVAL, kisol_write_file("/proc/self/comm", NULL));
	EXPECT_EQ(-EBADF, kisol_read_fileat(-1, "a", buf, sizeof(buf)));
	EXPECT_EQ(-EISDIR, kisol_read_file(self->dir, buf, sizeof(buf)));
	EXPECT_EQ(-EISDIR, kisol_write_file(self->dir, "x"));
}

TEST_F(files, int64_parsing)
{
	char p[192];
	int64_t v = 77;

	make_file(_metadata, self->dir, "int", "-42\n");
	make_file(_metadata, self->dir, "max", "max\n");
	make_file(_metadata, self->dir, "bad", "12abc\n");
	make_file(_metadata, self->dir, "empty", "");
	snprintf(p, sizeof(p), "%s/int", self->dir);
	ASSERT_EQ(0, kisol_read_int64(p, &v));
	EXPECT_EQ(-42, v);
	snprintf(p, sizeof(p), "%s/max", self->dir);
	ASSERT_EQ(0, kisol_read_int64(p, &v));
	EXPECT_EQ(INT64_MAX, v);
	v = 77;
	snprintf(p, sizeof(p), "%s/bad", self->dir);
	EXPECT_EQ(-EINVAL, kisol_read_int64(p, &v));
	snprintf(p, sizeof(p), "%s/empty", self->dir);
	EXPECT_EQ(-EINVAL, kisol_read_int64(p, &v));
	EXPECT_EQ(77, v);
	EXPECT_EQ(-ENOENT, kisol_read_int64at(AT_FDCWD, "/nonexistent/kisol", &v));
}

TEST(keyed_int64)
{
	const char *text = "Name:\tx\nPid:\t123\nPPid:\t1\nNSpid:\t123\t1\nfoo 9\n";
	int64_t v = -1;

	ASSERT_EQ(0, kisol_keyed_int64(text, "Pid", &v));
	EXPECT_EQ(123, v);
	ASSERT_EQ(0, kisol_keyed_int64(text, "PPid", &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, kisol_keyed_int64(text, "foo", &v));
	EXPECT_EQ(9, v);
	v = -1;
	EXPECT_EQ(-ENOENT, kisol_keyed_int64(text, "Tgid", &v));
	EXPECT_EQ(-ENOENT, kisol_keyed_int64(text, "Pi", &v)); /* no prefix match */
	EXPECT_EQ(-EINVAL, kisol_keyed_int64(text, "Name", &v)); /* not a number */
	EXPECT_EQ(-EINVAL, kisol_keyed_int64(NULL, "Pid", &v));
	EXPECT_EQ(-EINVAL, kisol_keyed_int64(text, "", &v));
	EXPECT_EQ(-1, v);
}

TEST(chomp)
{
	char a[] = "abc\n\n", b[] = "", c[] = "x \n";

	EXPECT_EQ(3u, kisol_chomp(a));
	EXPECT_STREQ("abc", a);
	EXPECT_EQ(0u, kisol_chomp(b));
	EXPECT_EQ(1u, kisol_chomp(c));
	EXPECT_STREQ("x", c);
}

KISOL_MAIN
