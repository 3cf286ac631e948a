// SPDX-License-Identifier: GPL-2.0-only
/*
 * devpts: every mount is a new, independent instance (eedf265aa003, 4.7;
 * "newinstance" is implied), so a container gets its own pty numbering and
 * cannot see or open the host's ptys, nor another container's. The ptmx of
 * an instance is reached through <instance>/ptmx, a bind mount of it, or a
 * ptmx character device whose sibling "pts" is the instance; TIOCGPTPEER
 * opens the peer inside the same instance without a path lookup
 * (54ebbfb16034, 4.13). ptmxmode= sets the mode of <instance>/ptmx.
 * Unprivileged users mount devpts in their own user namespace
 * (FS_USERNS_MOUNT). (selftests filesystems/devpts_pts)
 */
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>

#include "kisol_test.h"
#include "kisol/mount.h"

#define OPTS "newinstance,ptmxmode=0666,mode=0620"

/* Open a pty master through ptmx and unlock it; its index into *idx. */
static int pty_open(const char *ptmx, int *idx)
{
	int fd = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	int unlock = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, TIOCSPTLCK, &unlock) < 0 || ioctl(fd, TIOCGPTN, idx) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static int exists(const char *dir, int idx)
{
	char p[PATH_MAX + 16];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%d", dir, idx);
	return stat(p, &st) ? -errno : 0;
}

static dev_t dev_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_dev;
}

struct two {
	char dir[PATH_MAX];
	char a[PATH_MAX + 8], b[PATH_MAX + 8]; /* a is named "pts": sibling of dir/ptmx */
	char ptmx[PATH_MAX + 8];
	int fd[4];
};

/* Private mount namespace, scratch tmpfs, two devpts mounts at dir/pts and dir/b. */
static void two_setup(struct __test_metadata *_metadata, struct two *self)
{
	self->dir[0] = '\0';
	for (int i = 0; i < 4; i++)
		self->fd[i] = -1;
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("pts", "mode=0755", self->dir, sizeof(self->dir)));
	snprintf(self->a, sizeof(self->a), "%s/pts", self->dir);
	snprintf(self->b, sizeof(self->b), "%s/b", self->dir);
	snprintf(self->ptmx, sizeof(self->ptmx), "%s/ptmx", self->dir);
	ASSERT_EQ(0, mkdir(self->a, 0755));
	ASSERT_EQ(0, mkdir(self->b, 0755));
	ASSERT_EQ(0, kisol_mnt_mount("devpts", self->a, "devpts", MS_NOSUID | MS_NOEXEC, OPTS));
	ASSERT_EQ(0, kisol_mnt_mount("devpts", self->b, "devpts", MS_NOSUID | MS_NOEXEC, OPTS));
}

static void two_teardown(struct __test_metadata *_metadata, struct two *self)
{
	for (int i = 0; i < 4; i++)
		if (self->fd[i] >= 0)
			close(self->fd[i]);
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->dir));
}

FIXTURE(pts) {
	struct two t;
};

FIXTURE_SETUP(pts)
{
	two_setup(_metadata, &self->t);
}

FIXTURE_TEARDOWN(pts)
{
	two_teardown(_metadata, &self->t);
}

/* Two mounts, two instances: each numbers from 0 and lists only its own ptys. */
TEST_F(pts, instances_independent)
{
	char p[PATH_MAX + 16];
	int i0, i1, j0;

	ASSERT_NE(dev_of(self->t.a), dev_of(self->t.b));
	ASSERT_NE(dev_of(self->t.a), dev_of("/dev/pts"));
	snprintf(p, sizeof(p), "%s/ptmx", self->t.a);
	self->t.fd[0] = pty_open(p, &i0);
	ASSERT_LE(0, self->t.fd[0]) TH_LOG("%s: %s", p, strerror(-self->t.fd[0]));
	self->t.fd[1] = pty_open(p, &i1);
	ASSERT_LE(0, self->t.fd[1]);
	snprintf(p, sizeof(p), "%s/ptmx", self->t.b);
	self->t.fd[2] = pty_open(p, &j0);
	ASSERT_LE(0, self->t.fd[2]);
	EXPECT_EQ(0, i0);
	EXPECT_EQ(1, i1);
	EXPECT_EQ(0, j0) TH_LOG("the second instance does not number from 0");
	EXPECT_EQ(0, exists(self->t.a, 1));
	EXPECT_EQ(-ENOENT, exists(self->t.b, 1)) TH_LOG("a pty of one instance shows in the other");
}
KISOL_META(pts, instances_independent, "commit=eedf265aa003")

/* Data written to a master of one instance reaches its own slave, not the other instance's. */
TEST_F(pts, same_index_different_tty)
{
	char p[PATH_MAX + 16], buf[8];
	struct pollfd pf = { .events = POLLIN };
	int ia, ib, sa, sb;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/ptmx", self->t.a);
	self->t.fd[0] = pty_open(p, &ia);
	ASSERT_LE(0, self->t.fd[0]);
	snprintf(p, sizeof(p), "%s/ptmx", self->t.b);
	self->t.fd[1] = pty_open(p, &ib);
	ASSERT_LE(0, self->t.fd[1]);
	ASSERT_EQ(ia, ib);
	snprintf(p, sizeof(p), "%s/%d", self->t.a, ia);
	sa = self->t.fd[2] = open(p, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	ASSERT_LE(0, sa);
	snprintf(p, sizeof(p), "%s/%d", self->t.b, ib);
	sb = self->t.fd[3] = open(p, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	ASSERT_LE(0, sb);
	ASSERT_EQ(2, write(self->t.fd[0], "k\n", 2));
	ASSERT_EQ(0, tcdrain(self->t.fd[0]));
	n = read(sb, buf, sizeof(buf));
	EXPECT_EQ(-1, n) TH_LOG("the other instance's pty %d read %zd bytes", ib, n);
	EXPECT_EQ(EAGAIN, errno);
	/* the line is in the right slave; wait for it with poll, not a sleep */
	pf.fd = sa;
	ASSERT_EQ(1, poll(&pf, 1, KISOL_TIMEOUT_MS));
	n = read(sa, buf, sizeof(buf));
	ASSERT_EQ(2, n);
	EXPECT_EQ(0, memcmp(buf, "k\n", 2));
}
KISOL_META(pts, same_index_different_tty, "commit=eedf265aa003")

/* TIOCGPTPEER opens the peer in the same instance (st_dev, and its /proc/self/fd name). */
TEST_F(pts, tiocgptpeer_same_instance)
{
	char p[PATH_MAX + 16], want[PATH_MAX + 16], link[PATH_MAX];
	struct stat st;
	ssize_t n;
	int idx, s;

	snprintf(p, sizeof(p), "%s/ptmx", self->t.b);
	self->t.fd[0] = pty_open(p, &idx);
	ASSERT_LE(0, self->t.fd[0]);
	s = ioctl(self->t.fd[0], TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0 && errno == EINVAL)
		SKIP(return, "TIOCGPTPEER refused (EINVAL): 4.13+ (54ebbfb16034)");
	ASSERT_LE(0, s);
	self->t.fd[1] = s;
	ASSERT_EQ(0, fstat(s, &st));
	EXPECT_EQ(dev_of(self->t.b), st.st_dev);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", s);
	n = readlink(p, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = '\0';
	snprintf(want, sizeof(want), "%s/%d", self->t.b, idx);
	EXPECT_STREQ(want, link);
}
KISOL_META(pts, tiocgptpeer_same_instance, "commit=54ebbfb16034")

/* ptmxmode= is the mode of <instance>/ptmx; without it ptmx is 0000. */
TEST_F(pts, ptmxmode)
{
	char p[PATH_MAX + 16], c[PATH_MAX + 8];
	struct stat st;

	snprintf(p, sizeof(p), "%s/ptmx", self->t.a);
	ASSERT_EQ(0, stat(p, &st));
	EXPECT_EQ(0666U, st.st_mode & 07777);
	snprintf(c, sizeof(c), "%s/c", self->t.dir);
	ASSERT_EQ(0, mkdir(c, 0755));
	ASSERT_EQ(0, kisol_mnt_mount("devpts", c, "devpts", 0, "newinstance,ptmxmode=0600"));
	snprintf(p, sizeof(p), "%s/ptmx", c);
	ASSERT_EQ(0, stat(p, &st));
	EXPECT_EQ(0600U, st.st_mode & 07777);
	ASSERT_EQ(0, kisol_mnt_detach(c));
	ASSERT_EQ(0, kisol_mnt_mount("devpts", c, "devpts", 0, NULL));
	ASSERT_EQ(0, stat(p, &st));
	EXPECT_EQ(0U, st.st_mode & 07777);
}
KISOL_META(pts, ptmxmode, "commit=eedf265aa003")

FIXTURE(ptmx) {
	struct two t;
};

FIXTURE_VARIANT(ptmx) {
	bool chardev; /* dir/ptmx is a c 5:2 node, not a bind mount of pts/ptmx */
};

FIXTURE_VARIANT_ADD(ptmx, bind) { .chardev = false };
FIXTURE_VARIANT_ADD(ptmx, chardev) { .chardev = true };

FIXTURE_SETUP(ptmx)
{
	two_setup(_metadata, &self->t);
}

FIXTURE_TEARDOWN(ptmx)
{
	two_teardown(_metadata, &self->t);
}

/*
 * dir/ptmx (a bind of dir/pts/ptmx, or a ptmx character device next to
 * dir/pts) allocates in the instance at dir/pts, not in the host's.
 */
TEST_F(ptmx, next_to_instance)
{
	char p[PATH_MAX + 16];
	int idx, first;

	if (variant->chardev)
		NEED_ROOT_TO("make the ptmx character device (5:2)");
	snprintf(p, sizeof(p), "%s/ptmx", self->t.a);
	self->t.fd[0] = pty_open(p, &first);
	ASSERT_LE(0, self->t.fd[0]);
	if (variant->chardev) {
		ASSERT_EQ(0, mknod(self->t.ptmx, S_IFCHR | 0666, makedev(5, 2)));
	} else {
		close(open(self->t.ptmx, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
		ASSERT_EQ(0, kisol_mnt_bind(p, self->t.ptmx, false));
	}
	self->t.fd[1] = pty_open(self->t.ptmx, &idx);
	ASSERT_LE(0, self->t.fd[1]) TH_LOG("%s: %s", self->t.ptmx, strerror(-self->t.fd[1]));
	EXPECT_EQ(first + 1, idx) TH_LOG("not the next pty of the instance at %s", self->t.a);
	EXPECT_EQ(0, exists(self->t.a, idx));
	EXPECT_EQ(-ENOENT, exists(self->t.b, idx));
}
KISOL_META(ptmx, next_to_instance, "commit=eedf265aa003")

/* ------------------------------------------------------------------ */
/* An ordinary user's own instance                                     */

struct userns_report {
	int mount;  /* -errno */
	int idx;    /* first pty index, or -errno */
	int64_t dev;
};

static int userns_devpts(int sock, void *arg)
{
	const char *dir = arg;
	struct userns_report r = { 0 };
	char p[PATH_MAX + 16];
	int fd;

	r.mount = kisol_mnt_mount("devpts", dir, "devpts", MS_NOSUID | MS_NOEXEC, OPTS);
	if (!r.mount) {
		snprintf(p, sizeof(p), "%s/ptmx", dir);
		fd = pty_open(p, &r.idx);
		if (fd < 0)
			r.idx = fd;
		else
			close(fd);
		r.dev = (int64_t)dev_of(dir);
	}
	return kisol_send(sock, &r, sizeof(r)) < 0 ? 91 : 0;
}

TEST(userns_own_instance)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER | CLONE_NEWNS, .cgroup_fd = -1,
				      .map_root = true, .unpriv = true };
	_cleanup_child_ struct kisol_child k = KISOL_CHILD_INIT;
	struct userns_report r;
	char dir[PATH_MAX];
	int n;

	NEED_USERNS_UNPRIV(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "ptsu", dir, sizeof(dir)));
	chmod(dir, 0777);
	ASSERT_EQ(0, kisol_spawn(&o, userns_devpts, dir, &k));
	n = kisol_recv(k.sock, &r, sizeof(r), KISOL_TIMEOUT_MS);
	kisol_child_release(&k);
	EXPECT_EQ(0, kisol_mnt_is_mountpoint(dir)) TH_LOG("the mount leaked out of the namespace");
	rmdir(dir);
	ASSERT_EQ((int)sizeof(r), n);
	ASSERT_EQ(0, r.mount) TH_LOG("mount devpts in the user namespace: %s", strerror(-r.mount));
	EXPECT_EQ(0, r.idx) TH_LOG("first pty of a fresh instance: %d", r.idx);
	EXPECT_NE((int64_t)dev_of("/dev/pts"), r.dev);
}
KISOL_META(global, userns_own_instance, "commit=eedf265aa003")

KISOL_META_FIXTURE(pts, "sides=both")
KISOL_META_FIXTURE(ptmx, "sides=both")
KISOL_META_FIXTURE(global, "sides=both")

KISOL_MAIN
