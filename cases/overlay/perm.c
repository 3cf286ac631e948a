// SPDX-License-Identifier: GPL-2.0-only
/*
 * Overlay permission checks for an ordinary user (unionmount-testsuite's
 * "impermissible" set): an operation the user may not do on a file of a
 * lower layer is refused with the error the same operation gives on a
 * plain filesystem, and it leaves no trace: nothing is copied up, not even
 * the parent directory. CVE-2015-8660 ("ovl: fix permission checking for
 * setattr") and CVE-2016-1575/1576 ("ovl: setattr: check permissions
 * before copy-up") were chmod/chown/utimes on lower files the caller did
 * not own, allowed or copied up before the check.
 * The control variants do what the user may (write a world-writable file,
 * create in a world-writable directory) and must copy up.
 */
#include <dirent.h>
#include <sys/time.h>

#include "ovl_case.h"

enum op {
	OP_WRITE, OP_TRUNCATE, OP_CHMOD, OP_CHOWN, OP_UTIMES_SET, OP_UTIMES_NOW, OP_SETXATTR, OP_UNLINK,
	OP_RENAME, OP_CREATE, OP_MKDIR, OP_UNLINK_STICKY, OP_READ_PRIVATE, OP_LINK_PROTECTED,
	OP_CTL_WRITE, OP_CTL_CREATE,
};

FIXTURE(operm) {
	char dir[PATH_MAX];
	char lower[PATH_MAX + 8], upper[PATH_MAX + 8], work[PATH_MAX + 8], merged[PATH_MAX + 8];
	struct kisol_child child;
};

FIXTURE_VARIANT(operm) {
	enum op op;
	int err;          /* expected errno; 0 for the controls */
	const char *copy; /* control: what must be in upper afterwards */
};

FIXTURE_VARIANT_ADD(operm, write_0644) { .op = OP_WRITE, .err = EACCES };
FIXTURE_VARIANT_ADD(operm, truncate_0644) { .op = OP_TRUNCATE, .err = EACCES };
FIXTURE_VARIANT_ADD(operm, chmod_not_owner) { .op = OP_CHMOD, .err = EPERM };
FIXTURE_VARIANT_ADD(operm, chown_not_owner) { .op = OP_CHOWN, .err = EPERM };
FIXTURE_VARIANT_ADD(operm, utimes_set_not_owner) { .op = OP_UTIMES_SET, .err = EPERM };
FIXTURE_VARIANT_ADD(operm, utimes_now_no_write) { .op = OP_UTIMES_NOW, .err = EACCES };
FIXTURE_VARIANT_ADD(operm, setxattr_no_write) { .op = OP_SETXATTR, .err = EACCES };
FIXTURE_VARIANT_ADD(operm, unlink_in_0755_dir) { .op = OP_UNLINK, .err = EACCES };
FIXTURE_VARIANT_ADD(operm, rename_in_0755_dir) { .op = OP_RENAME, .err = EACCES };
FIXTURE_VARIANT_ADD(operm, create_in_0755_dir) { .op = OP_CREATE, .err = EACCES };
FIXTURE_VARIANT_ADD(operm, mkdir_in_0755_dir) { .op = OP_MKDIR, .err = EACCES };
FIXTURE_VARIANT_ADD(operm, unlink_sticky_not_owner) { .op = OP_UNLINK_STICKY, .err = EPERM };
FIXTURE_VARIANT_ADD(operm, read_0600) { .op = OP_READ_PRIVATE, .err = EACCES };
FIXTURE_VARIANT_ADD(operm, link_protected) { .op = OP_LINK_PROTECTED, .err = EPERM };
FIXTURE_VARIANT_ADD(operm, control_write_0666) { .op = OP_CTL_WRITE, .copy = "g0666" };
FIXTURE_VARIANT_ADD(operm, control_create_in_0777) { .op = OP_CTL_CREATE, .copy = "w/new" };

static int mk(const char *base, const char *name, mode_t mode, bool dir)
{
	char p[PATH_MAX + 32];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", base, name);
	if (dir)
		return mkdir(p, mode) || chmod(p, mode) ? -errno : 0;
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, "data", 4) != 4 || fchmod(fd, mode)) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

FIXTURE_SETUP(operm)
{
	char opts[4 * PATH_MAX];
	int r;

	self->dir[0] = '\0';
	self->child = (struct kisol_child)KISOL_CHILD_INIT;
	NEED_ROOT_TO("act as a second uid on the layers (permission checks compare kernel uids; "
		     "a user namespace of its own maps one)");
	if (variant->op == OP_LINK_PROTECTED) {
		int64_t v = 0;

		if (kisol_read_int64("/proc/sys/fs/protected_hardlinks", &v) < 0 || v != 1)
			SKIP(return, "fs.protected_hardlinks is not 1 here");
	}
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("operm", "mode=0755", self->dir, sizeof(self->dir)));
	snprintf(self->lower, sizeof(self->lower), "%s/l", self->dir);
	snprintf(self->upper, sizeof(self->upper), "%s/u", self->dir);
	snprintf(self->work, sizeof(self->work), "%s/w", self->dir);
	snprintf(self->merged, sizeof(self->merged), "%s/m", self->dir);
	ASSERT_EQ(0, mk(self->dir, "l", 0755, true));
	ASSERT_EQ(0, mk(self->dir, "u", 0755, true));
	ASSERT_EQ(0, mk(self->dir, "w", 0755, true));
	ASSERT_EQ(0, mk(self->dir, "m", 0755, true));
	/* the lower layer, all root's */
	ASSERT_EQ(0, mk(self->lower, "f0644", 0644, false));
	ASSERT_EQ(0, mk(self->lower, "f0600", 0600, false));
	ASSERT_EQ(0, mk(self->lower, "g0666", 0666, false));
	ASSERT_EQ(0, mk(self->lower, "d", 0755, true));
	ASSERT_EQ(0, mk(self->lower, "d/x", 0644, false));
	ASSERT_EQ(0, mk(self->lower, "sticky", 01777, true));
	ASSERT_EQ(0, mk(self->lower, "sticky/y", 0644, false));
	ASSERT_EQ(0, mk(self->lower, "w", 0777, true));
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", self->lower, self->upper,
		 self->work);
	r = kisol_mnt_mount("overlay", self->merged, "overlay", 0, opts);
	if (r == -ENODEV)
		SKIP(return, "overlay filesystem not available (CONFIG_OVERLAY_FS)");
	ASSERT_EQ(0, r);
}

FIXTURE_TEARDOWN(operm)
{
	kisol_child_release(&self->child);
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->dir));
}

static int rc(int r)
{
	return r < 0 ? -errno : 0;
}

/* The operation, by an ordinary user, on the merged view m: 0 or -errno. */
static int do_op(const char *m, enum op op)
{
	struct timeval tv[2] = { { 1, 0 }, { 1, 0 } };
	char a[PATH_MAX + 32], b[PATH_MAX + 32];
	int fd;

#define P(buf, name) snprintf(buf, sizeof(buf), "%s/%s", m, name)
	switch (op) {
	case OP_WRITE:
	case OP_CTL_WRITE:
		P(a, op == OP_WRITE ? "f0644" : "g0666");
		fd = open(a, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	case OP_TRUNCATE:
		P(a, "f0644");
		return rc(truncate(a, 0));
	case OP_CHMOD:
		P(a, "f0644");
		return rc(chmod(a, 0777));
	case OP_CHOWN:
		P(a, "f0644");
		return rc(chown(a, getuid(), getgid()));
	case OP_UTIMES_SET:
		P(a, "f0644");
		return rc(utimes(a, tv));
	case OP_UTIMES_NOW:
		P(a, "f0644");
		return rc(utimes(a, NULL));
	case OP_SETXATTR:
		P(a, "f0644");
		return rc(setxattr(a, "user.kisol", "1", 1, 0));
	case OP_UNLINK:
		P(a, "d/x");
		return rc(unlink(a));
	case OP_RENAME:
		P(a, "d/x");
		P(b, "d/z");
		return rc(rename(a, b));
	case OP_CREATE:
	case OP_CTL_CREATE:
		P(a, op == OP_CREATE ? "d/new" : "w/new");
		fd = open(a, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	case OP_MKDIR:
		P(a, "d/new");
		return rc(mkdir(a, 0755));
	case OP_UNLINK_STICKY:
		P(a, "sticky/y");
		return rc(unlink(a));
	case OP_READ_PRIVATE:
		P(a, "f0600");
		fd = open(a, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	case OP_LINK_PROTECTED:
		P(a, "f0644");
		P(b, "w/l");
		return rc(link(a, b));
	}
#undef P
	return -EINVAL;
}

struct user_arg {
	const char *merged;
	enum op op;
};

static int as_user(int sock, void *p)
{
	const struct user_arg *a = p;

	KISOL_TX(getuid() == 0 ? -EPERM : do_op(a->merged, a->op));
	return 0;
}

/* Entries below dir (recursively), as "a/b" paths joined by spaces into buf; the count. */
static int list_tree(const char *dir, const char *prefix, char *buf, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char sub[PATH_MAX + 300], rel[600];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(rel, sizeof(rel), "%s%s", prefix, e->d_name);
		snprintf(buf + strlen(buf), size - strlen(buf), "%s ", rel);
		n++;
		if (e->d_type == DT_DIR) {
			snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
			snprintf(rel + strlen(rel), sizeof(rel) - strlen(rel), "/");
			n += list_tree(sub, rel, buf, size);
		}
	}
	closedir(d);
	return n;
}

TEST_F(operm, user_op)
{
	struct kisol_spawn_opts o = { .cgroup_fd = -1, .unpriv = true };
	struct user_arg a = { .merged = self->merged, .op = variant->op };
	char up[4096] = "";
	int n;

	ASSERT_EQ(0, list_tree(self->upper, "", up, sizeof(up)));
	ASSERT_EQ(0, kisol_spawn(&o, as_user, &a, &self->child));
	EXPECT_EQ(-variant->err, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
	n = list_tree(self->upper, "", up, sizeof(up));
	if (variant->err) {
		EXPECT_EQ(0, n) TH_LOG("copied up by a refused operation: %s", up);
	} else {
		EXPECT_NE(NULL, strstr(up, variant->copy)) TH_LOG("upper holds: %s", up);
	}
}
KISOL_META(operm, user_op, "cve=CVE-2015-8660,CVE-2016-1576")

KISOL_META_FIXTURE(operm, "sides=both")

KISOL_MAIN
