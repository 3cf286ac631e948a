// SPDX-License-Identifier: GPL-2.0-only
/*
 * devices controller (cgroup v1; v2 has no files and uses BPF device
 * programs, so the v2 variant SKIPs): the device list denies open() and
 * mknod(), allows exactly what is listed, read-only entries refuse writes,
 * and a child cannot grant itself more than its parent has.
 */
#include <sys/sysmacros.h>

#include "kisol_test.h"
#include "lib_cgroup/cgcase.h"

CG_FIXTURE_V1(dev, KISOL_CG_DEVICES)

struct op {
	const char *path;
	int flags;
	bool mknod_; /* mknod a char device (major/minor below) in a scratch dir */
	unsigned maj, min;
};

/* Child: perform the operation, report 0 or -errno, park. */
static int do_op(int sock, void *p)
{
	const struct op *o = p;
	int64_t v, r = 0;

	kisol_send_int(sock, getpid());
	if (kisol_recv_int(sock, &v, -1) < 0)
		return 1;
	if (o->mknod_) {
		char dir[PATH_MAX], node[PATH_MAX + 8];

		r = kisol_mnt_mkdtemp(NULL, "dev", dir, sizeof(dir));
		if (r == 0) {
			snprintf(node, sizeof(node), "%s/n", dir);
			r = mknod(node, S_IFCHR | 0600, makedev(o->maj, o->min)) ? -errno : 0;
			unlink(node);
			rmdir(dir);
		}
	} else {
		int fd = open(o->path, o->flags | O_CLOEXEC);

		r = fd < 0 ? -errno : 0;
		if (fd >= 0)
			close(fd);
	}
	kisol_send_int(sock, r);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

static int64_t run_op(const struct kisol_cg *cg, const struct op *o, struct kisol_child *k)
{
	int64_t r = -EIO;

	if (cg_spawn_fn(cg, do_op, (void *)o, k) < 0)
		return -EIO;
	kisol_send_int(k->sock, 1);
	kisol_recv_int(k->sock, &r, KISOL_TIMEOUT_MS);
	return r;
}

static const struct op open_null = { "/dev/null", O_RDWR };
static const struct op open_zero = { "/dev/zero", O_RDONLY };

/* A new cgroup inherits "a *:* rwm" and everything opens. */
TEST_F(dev, default_allows_all)
{
	char buf[256];

	ASSERT_LT(0, kisol_cg_read(&self->cg, "devices.list", buf, sizeof(buf)));
	EXPECT_STREQ("a *:* rwm\n", buf);
	EXPECT_EQ(0, run_op(&self->cg, &open_null, &self->kid[0]));
}

/* deny "a": open of /dev/null fails with EPERM; the list is empty. */
TEST_F(dev, deny_all_blocks_open)
{
	char buf[256];

	ASSERT_EQ(0, kisol_cg_write(&self->cg, "devices.deny", "a"));
	EXPECT_EQ(-EPERM, run_op(&self->cg, &open_null, &self->kid[0]));
	ASSERT_LE(0, kisol_cg_read(&self->cg, "devices.list", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
}

/* Allowing c 1:3 lets /dev/null open while /dev/zero (1:5) stays denied. */
TEST_F(dev, allow_exactly_listed)
{
	char buf[256];

	ASSERT_EQ(0, kisol_cg_write(&self->cg, "devices.deny", "a"));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "devices.allow", "c 1:3 rw"));
	EXPECT_EQ(0, run_op(&self->cg, &open_null, &self->kid[0]));
	EXPECT_EQ(-EPERM, run_op(&self->cg, &open_zero, &self->kid[1]));
	ASSERT_LE(0, kisol_cg_read(&self->cg, "devices.list", buf, sizeof(buf)));
	EXPECT_STREQ("c 1:3 rw\n", buf);
}

/* A read-only entry: O_RDONLY works, O_WRONLY gets EPERM. */
TEST_F(dev, read_only_entry)
{
	static const struct op wr = { "/dev/null", O_WRONLY }, rd = { "/dev/null", O_RDONLY };

	ASSERT_EQ(0, kisol_cg_write(&self->cg, "devices.deny", "a"));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "devices.allow", "c 1:3 r"));
	EXPECT_EQ(0, run_op(&self->cg, &rd, &self->kid[0]));
	EXPECT_EQ(-EPERM, run_op(&self->cg, &wr, &self->kid[1]));
}

/* mknod needs "m": rw alone does not allow creating the node. */
TEST_F(dev, mknod_needs_m)
{
	static const struct op mk = { .mknod_ = true, .maj = 1, .min = 3 };

	ASSERT_EQ(0, kisol_cg_write(&self->cg, "devices.deny", "a"));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "devices.allow", "c 1:3 rw"));
	EXPECT_EQ(-EPERM, run_op(&self->cg, &mk, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "devices.allow", "c 1:3 m"));
	EXPECT_EQ(0, run_op(&self->cg, &mk, &self->kid[1]));
}

/* A child cannot allow what its parent denies (EPERM) and inherits the parent's list. */
TEST_F(dev, child_cannot_exceed_parent)
{
	_cleanup_cg_ struct kisol_cg sub = KISOL_CG_INIT;
	char buf[256];

	ASSERT_EQ(0, kisol_cg_write(&self->cg, "devices.deny", "a"));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "devices.allow", "c 1:3 rw"));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	ASSERT_LE(0, kisol_cg_read(&sub, "devices.list", buf, sizeof(buf)));
	EXPECT_STREQ("c 1:3 rw\n", buf);
	EXPECT_EQ(-EPERM, kisol_cg_write(&sub, "devices.allow", "c 1:5 rw"));
	EXPECT_EQ(-EPERM, run_op(&sub, &open_zero, &self->kid[0]));
}

/* Tightening a parent revokes a child's access too. */
TEST_F(dev, parent_deny_propagates)
{
	_cleanup_cg_ struct kisol_cg sub = KISOL_CG_INIT;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	EXPECT_EQ(0, run_op(&sub, &open_zero, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "devices.deny", "c 1:5 rwm"));
	EXPECT_EQ(-EPERM, run_op(&sub, &open_zero, &self->kid[1]));
}

/* Malformed rules are refused with EINVAL. */
TEST_F(dev, malformed_rules)
{
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "devices.allow", "x 1:3 rw"));
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "devices.deny", "c 1:3 rwz"));
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "devices.allow", "c 1 rw"));
}

/* Only the cgroup's members are restricted: the test process itself still opens the device. */
TEST_F(dev, outside_unaffected)
{
	int fd;

	ASSERT_EQ(0, kisol_cg_write(&self->cg, "devices.deny", "a"));
	EXPECT_EQ(-EPERM, run_op(&self->cg, &open_null, &self->kid[0]));
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
}

KISOL_MAIN
