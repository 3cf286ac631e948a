// SPDX-License-Identifier: GPL-2.0-only
/*
 * procfs magic links and the container escapes built on them.
 *  - Nothing can be mounted on the ephemeral entries of /proc/PID/fd,
 *    /proc/PID/fdinfo and /proc/PID/map_files (they vanish with the fd or
 *    mapping, leaving a mount nobody can reach): lock_mount() gives ENOENT.
 *    Merge d80b065bb172 (6.12): 74ce208089f4 (fd), cf71eaa1ad18 (fdinfo),
 *    3836b31c3e71 (map_files); LTP mount08.
 *  - The executable of a running process cannot be opened for writing,
 *    neither by path nor through /proc/PID/exe (ETXTBSY): a container that
 *    reaches a host runtime's binary through /proc/PID/exe cannot rewrite it
 *    while it runs (CVE-2019-5736).
 *  - A host process that joins a container's user namespace and made
 *    itself non-dumpable (what runc does since the CVE-2019-5736 fix) keeps
 *    its /proc/PID/exe away from the container's root: the ptrace check uses
 *    the user namespace its mm was created in (bfedb589252c, 4.10). A
 *    dumpable joiner is reachable (the control).
 *  - openat2() RESOLVE_NO_MAGICLINKS / RESOLVE_NO_SYMLINKS refuse
 *    /proc/self/exe and /proc/self/fd/N with ELOOP (fddb5d430ad9, 5.6),
 *    what runtimes use to open procfs paths safely.
 */
#include <linux/openat2.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/mount.h>

#include "kisol_test.h"
#include "kisol/mount.h"

/* ------------------------------------------------------------------ */
/* Mounts on ephemeral /proc entries                                   */

enum target { T_FD, T_FDINFO, T_MAP_FILES };

FIXTURE(overmount) {
	char dir[PATH_MAX];
	char foo[PATH_MAX + 8], bar[PATH_MAX + 8];
	int fd, pfd;
	void *map;
};

FIXTURE_VARIANT(overmount) {
	enum target t;
	bool new_api; /* move_mount() onto an O_PATH fd instead of mount(2) on a path */
};

FIXTURE_VARIANT_ADD(overmount, fd_mount) { .t = T_FD };
FIXTURE_VARIANT_ADD(overmount, fd_move_mount) { .t = T_FD, .new_api = true };
FIXTURE_VARIANT_ADD(overmount, fdinfo_mount) { .t = T_FDINFO };
FIXTURE_VARIANT_ADD(overmount, map_files_mount) { .t = T_MAP_FILES };

FIXTURE_SETUP(overmount)
{
	self->dir[0] = '\0';
	self->fd = self->pfd = -1;
	self->map = MAP_FAILED;
	/* for an ordinary user: as root of a user namespace of its own, in a mount namespace of its own */
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("ovm", "mode=0755", self->dir, sizeof(self->dir)));
	snprintf(self->foo, sizeof(self->foo), "%s/foo", self->dir);
	snprintf(self->bar, sizeof(self->bar), "%s/bar", self->dir);
	self->fd = open(self->foo, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(1, write(self->fd, "x", 1));
	close(open(self->bar, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
}

FIXTURE_TEARDOWN(overmount)
{
	if (self->map != MAP_FAILED)
		munmap(self->map, 4096);
	if (self->pfd >= 0)
		close(self->pfd);
	if (self->fd >= 0)
		close(self->fd);
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->dir));
}

/* The /proc entry the variant mounts on, as a path the kernel resolves to that entry. */
static void proc_target(struct __test_metadata *_metadata, FIXTURE_DATA(overmount) *self,
			const FIXTURE_VARIANT(overmount) *variant, char *path, size_t size)
{
	char link[128];
	pid_t pid = getpid();

	switch (variant->t) {
	case T_FDINFO:
		snprintf(path, size, "/proc/%d/fdinfo/%d", pid, self->fd);
		return;
	case T_FD:
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", pid, self->fd);
		break;
	case T_MAP_FILES:
		self->map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd, 0);
		ASSERT_NE(MAP_FAILED, self->map);
		snprintf(link, sizeof(link), "/proc/%d/map_files/%lx-%lx", pid,
			 (unsigned long)self->map, (unsigned long)self->map + 4096);
		break;
	}
	/*
	 * A magic link itself (not what it points to): an O_PATH|O_NOFOLLOW
	 * fd on it, reached again through /proc/PID/fd/<that fd>.
	 */
	self->pfd = open(link, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	ASSERT_LE(0, self->pfd) TH_LOG("open %s: %s", link, strerror(errno));
	snprintf(path, size, "/proc/%d/fd/%d", pid, self->pfd);
}

static int bind_onto(const FIXTURE_DATA(overmount) *self, const FIXTURE_VARIANT(overmount) *variant,
		     const char *path)
{
	_cleanup_close_ int tree = -1;

	if (!variant->new_api)
		return kisol_mnt_bind(self->bar, path, false);
	tree = kisol_mnt_clone_tree(self->bar, false);
	if (tree < 0)
		return tree;
	return kisol_mnt_move_mount(tree, "", self->pfd, "",
				    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

static bool kernel_at_least(int maj, int min)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return true;
	return a > maj || (a == maj && b >= min);
}

TEST_F(overmount, refused_enoent)
{
	char path[PATH_MAX];
	int before, r;

	if (variant->new_api)
		NEED_MOUNT_API();
	/* control: the same bind onto the file itself works */
	ASSERT_EQ(0, bind_onto(self, &(FIXTURE_VARIANT(overmount)){ .t = variant->t }, self->foo));
	ASSERT_EQ(1, kisol_mnt_is_mountpoint(self->foo));
	ASSERT_EQ(0, kisol_mnt_detach(self->foo));

	proc_target(_metadata, self, variant, path, sizeof(path));
	before = kisol_mnt_count(0);
	ASSERT_LT(0, before);
	r = bind_onto(self, variant, path);
	if (r == 0) {
		kisol_mnt_detach(path);
		if (!kernel_at_least(6, 12))
			SKIP(return, "mounting on /proc/PID/%s entries is allowed: the restriction "
				     "came in 6.12 (d80b065bb172), not backported",
			     variant->t == T_FD ? "fd" : variant->t == T_FDINFO ? "fdinfo" : "map_files");
	}
	EXPECT_EQ(-ENOENT, r) TH_LOG("bind onto %s gave %s", path, r ? strerror(-r) : "success");
	EXPECT_EQ(before, kisol_mnt_count(0)) TH_LOG("the mount table changed");
}
KISOL_META(overmount, refused_enoent, "commit=d80b065bb172;ref=74ce208089f4,cf71eaa1ad18,3836b31c3e71")

/* ------------------------------------------------------------------ */
/* Writing the executable of a running process                        */

FIXTURE(exe) {
	char dir[PATH_MAX];
	char copy[PATH_MAX + 8];
	pid_t pid;
	int in; /* the running copy's stdin: closing it ends the process */
};

FIXTURE_SETUP(exe)
{
	char buf[65536];
	int src, dst, ready[2], in[2], r;
	ssize_t n;

	self->dir[0] = '\0';
	self->pid = -1;
	self->in = -1;
	/* for an ordinary user: as root of a user namespace of its own (its copy, its scratch dir) */
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_USER);
	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "exe", self->dir, sizeof(self->dir)));
	snprintf(self->copy, sizeof(self->copy), "%s/cat", self->dir);
	src = open("/bin/cat", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, src);
	dst = open(self->copy, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	ASSERT_LE(0, dst);
	while ((n = read(src, buf, sizeof(buf))) > 0)
		ASSERT_EQ(n, write(dst, buf, n));
	close(src);
	close(dst);
	/* run the copy; the O_CLOEXEC end of ready reads EOF once exec is done */
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(in, O_CLOEXEC));
	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (self->pid == 0) {
		int e;

		dup2(in[0], 0);
		execl(self->copy, "cat", (char *)NULL);
		e = errno;
		write(ready[1], &e, sizeof(e));
		_exit(127);
	}
	close(ready[1]);
	close(in[0]);
	self->in = in[1];
	r = 0;
	n = read(ready[0], &r, sizeof(r));
	close(ready[0]);
	ASSERT_EQ(0, n) TH_LOG("exec of the copy failed: %s", strerror(r));
}

FIXTURE_TEARDOWN(exe)
{
	if (self->in >= 0)
		close(self->in);
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_rm_rf(self->dir));
}

static int open_w(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Refused by path and through /proc/PID/exe while it runs; allowed once it has exited. */
TEST_F(exe, running_binary_not_writable)
{
	char p[64], link[PATH_MAX];
	ssize_t n;
	int st;

	snprintf(p, sizeof(p), "/proc/%d/exe", self->pid);
	n = readlink(p, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = '\0';
	ASSERT_STREQ(self->copy, link); /* the process runs the copy we made */
	EXPECT_EQ(-ETXTBSY, open_w(p));
	EXPECT_EQ(-ETXTBSY, open_w(self->copy));
	close(self->in);
	self->in = -1;
	ASSERT_EQ(self->pid, waitpid(self->pid, &st, 0));
	self->pid = -1;
	EXPECT_EQ(0, open_w(self->copy)) TH_LOG("the copy is writable once nothing runs it");
}
KISOL_META(exe, running_binary_not_writable, "cve=CVE-2019-5736")

/* ------------------------------------------------------------------ */
/* A joiner's /proc/PID/exe, seen from the container it joined         */

FIXTURE(joiner) {
	struct kisol_child ctr, join;
};

FIXTURE_VARIANT(joiner) {
	bool dumpable;
	int expect; /* 0 or -errno of the container root's open() */
};

FIXTURE_VARIANT_ADD(joiner, nondumpable_hidden) { .dumpable = false, .expect = -EACCES };
FIXTURE_VARIANT_ADD(joiner, dumpable_reachable) { .dumpable = true, .expect = 0 };

FIXTURE_SETUP(joiner)
{
	self->ctr = (struct kisol_child)KISOL_CHILD_INIT;
	self->join = (struct kisol_child)KISOL_CHILD_INIT;
	/*
	 * for an ordinary user: as root of a user namespace of its own, which
	 * stands for the host; the container's user namespace is nested in it
	 */
	if (!variant->dumpable)
		NEED_ROOT_TO("hide a non-dumpable joiner by its mm's user namespace (an ordinary user's "
			     "mm belongs to the initial one, which hides it from everyone but root)");
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_USER);
	NEED_NS(KISOL_NS_USER);
}

FIXTURE_TEARDOWN(joiner)
{
	kisol_child_release(&self->join);
	kisol_child_release(&self->ctr);
}

/* Container root: wait for a pid, open /proc/<pid>/exe, report 0/-errno. */
static int ctr_open_exe(int sock, void *arg)
{
	char p[64];
	int64_t pid;
	int fd;

	if (kisol_recv_int(sock, &pid, KISOL_TIMEOUT_MS) < 0)
		return 1;
	snprintf(p, sizeof(p), "/proc/%d/exe", (int)pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	KISOL_TX(fd < 0 ? -errno : 0);
	if (fd >= 0)
		close(fd);
	return 0;
}

struct join_arg {
	pid_t target;
	bool dumpable;
};

/* Host root: set dumpable, join the target's user namespace, report, park. */
static int join_userns(int sock, void *p)
{
	const struct join_arg *a = p;
	int fd, r;

	r = prctl(PR_SET_DUMPABLE, a->dumpable ? 1 : 0, 0, 0, 0) ? -errno : 0;
	if (!r) {
		fd = kisol_ns_open(a->target, KISOL_NS_USER);
		r = fd < 0 ? fd : kisol_ns_enter(fd, KISOL_NS_USER);
		if (fd >= 0)
			close(fd);
	}
	KISOL_TX(r);
	kisol_wait_go(sock);
	return 0;
}

TEST_F(joiner, exe_from_container)
{
	struct kisol_spawn_opts co = { .flags = CLONE_NEWUSER, .cgroup_fd = -1,
				       .uid_map = "0 100000 1", .gid_map = "0 100000 1" };
	struct kisol_spawn_opts jo = { .cgroup_fd = -1 };
	struct join_arg a = { .dumpable = variant->dumpable };
	struct kisol_ns_id cns, jns;

	/*
	 * Rootless view: only our own id can be mapped, so the container's
	 * root is the joiner's uid in kernel terms; the ptrace check then
	 * passes the uid test and the dumpable one (capabilities in the user
	 * namespace of the joiner's mm, bfedb589252c) decides alone.
	 */
	if (!kisol_is_root())
		co.uid_map = co.gid_map = "0 0 1";

	ASSERT_EQ(0, kisol_spawn(&co, ctr_open_exe, NULL, &self->ctr));
	a.target = self->ctr.pid;
	ASSERT_EQ(0, kisol_spawn(&jo, join_userns, &a, &self->join));
	ASSERT_EQ(0, kisol_rx(_metadata, self->join.sock)) TH_LOG("joining the user namespace failed");
	/* the joiner is in the container's user namespace, not the host's */
	ASSERT_EQ(0, kisol_ns_id(self->ctr.pid, KISOL_NS_USER, &cns));
	ASSERT_EQ(0, kisol_ns_id(self->join.pid, KISOL_NS_USER, &jns));
	ASSERT_TRUE(kisol_ns_id_eq(&cns, &jns));
	ASSERT_EQ(0, kisol_send_int(self->ctr.sock, self->join.pid));
	EXPECT_EQ(variant->expect, kisol_rx(_metadata, self->ctr.sock));
}
KISOL_META(joiner, exe_from_container, "cve=CVE-2019-5736,CVE-2015-8709;commit=bfedb589252c")

/* ------------------------------------------------------------------ */
/* openat2 resolve restrictions on magic links                         */

static int openat2_(const char *path, uint64_t resolve)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = resolve };
	long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));

	if (fd < 0)
		return -errno;
	close((int)fd);
	return 0;
}

FIXTURE(resolve) {
	int fd;
};

FIXTURE_VARIANT(resolve) {
	uint64_t resolve;
};

FIXTURE_VARIANT_ADD(resolve, no_magiclinks) { .resolve = RESOLVE_NO_MAGICLINKS };
FIXTURE_VARIANT_ADD(resolve, no_symlinks) { .resolve = RESOLVE_NO_SYMLINKS };

FIXTURE_SETUP(resolve)
{
	self->fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	if (openat2_("/", 0) == -ENOSYS)
		SKIP(return, "openat2 gives ENOSYS (5.6+)");
}

FIXTURE_TEARDOWN(resolve)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(resolve, proc_magic_links_eloop)
{
	char fdpath[64], status[64];

	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", self->fd);
	snprintf(status, sizeof(status), "/proc/%d/status", getpid());
	/* without restriction both resolve */
	ASSERT_EQ(0, openat2_("/proc/self/exe", 0));
	ASSERT_EQ(0, openat2_(fdpath, 0));
	EXPECT_EQ(-ELOOP, openat2_("/proc/self/exe", variant->resolve));
	EXPECT_EQ(-ELOOP, openat2_(fdpath, variant->resolve));
	/* a path without any link still opens */
	EXPECT_EQ(0, openat2_(status, variant->resolve));
}
KISOL_META(resolve, proc_magic_links_eloop, "commit=fddb5d430ad9")

KISOL_META_FIXTURE(overmount, "sides=one: the refusal is the property and the control bind onto the file itself works")
KISOL_META_FIXTURE(exe, "sides=one: refused while the copy runs and writable once it exited (the control)")
KISOL_META_FIXTURE(joiner, "sides=both")
KISOL_META_FIXTURE(resolve, "sides=one: a path resolution flag and the same opens without it (the control)")

KISOL_MAIN
