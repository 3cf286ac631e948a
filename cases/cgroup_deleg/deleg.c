// SPDX-License-Identifier: GPL-2.0-only
/*
 * Namespaces + cgroups: a subtree delegated (chowned, as
 * Documentation/admin-guide/cgroup-v2.rst "Delegation" describes) to the
 * host uid that a user namespace's root maps to. Root in that namespace
 * manages the subtree: makes children, moves its processes, sets their
 * knobs; it cannot change the delegated root's own knobs nor move out of
 * the subtree. On v2 even a writable foreign cgroup.procs does not let it
 * out (common-ancestor rule); v1 has no such containment. A cgroup
 * filesystem can be mounted only with a cgroup namespace owned by the
 * user namespace.
 */
#include <stdarg.h>
#include <grp.h>
#include <sys/mount.h>

#include "kisol_test.h"
#include "kisol/mount.h"
#include "lib_cgroup/cgcase.h"

#define NOBODY 65534

CG_FIXTURE(deleg, KISOL_CG_CORE)

struct dchild {
	uint64_t flags2; /* unshared after the maps are written (CLONE_NEWCGROUP, CLONE_NEWNS) */
};

/*
 * Child: unshare a user namespace, wait for the maps, unshare flags2, then
 * serve "mkdir P", "move P", "write P V", "mount T P" requests with 0 or -errno.
 */
static int dchild(int sock, void *p)
{
	struct dchild *a = p;
	char req[KISOL_CG_PATH * 2 + 64];
	int64_t v;

	/* become host uid NOBODY, then the root of a user namespace mapped to it */
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY) || unshare(CLONE_NEWUSER) < 0) {
		kisol_send_int(sock, -errno);
		return 1;
	}
	kisol_send_int(sock, 0);
	if (kisol_recv_int(sock, &v, KISOL_TIMEOUT_MS) < 0)
		return 1;
	if (a->flags2 && unshare(a->flags2) < 0) {
		kisol_send_int(sock, -errno);
		return 1;
	}
	/*
	 * No private remount of / needed: a mount namespace owned by a new
	 * user namespace gets the outer shared mounts as slaves
	 * (mount_namespaces(7)), so nothing mounted in it propagates out.
	 */
	kisol_send_int(sock, 0);
	while (kisol_recv_str(sock, req, sizeof(req), -1) > 0) {
		char *arg = strchr(req, ' '), *arg2;
		int r = 0;

		if (!arg)
			break;
		*arg++ = '\0';
		arg2 = strchr(arg, ' ');
		if (arg2)
			*arg2++ = '\0';
		if (!strcmp(req, "mkdir")) {
			r = mkdir(arg, 0755) ? -errno : 0;
		} else if (!strcmp(req, "move")) {
			char f[KISOL_CG_PATH + 32];

			snprintf(f, sizeof(f), "%s/cgroup.procs", arg);
			r = kisol_write_file(f, "0");
		} else if (!strcmp(req, "write") && arg2) {
			r = kisol_write_file(arg, arg2);
		} else if (!strcmp(req, "mount") && arg2) {
			/* "mount <fstype[:opts]> <dir>" */
			char *o = strchr(arg, ':');

			if (o)
				*o++ = '\0';
			r = mount("none", arg2, arg, 0, o) ? -errno : 0;
			if (!r)
				umount2(arg2, MNT_DETACH);
		} else {
			r = -EINVAL;
		}
		kisol_send_int(sock, r);
	}
	return 0;
}

static int start_dchild(const struct kisol_cg *cg, uint64_t flags2, struct kisol_child *k)
{
	static struct dchild a;
	char map[32];
	int64_t r;
	int e;

	a.flags2 = flags2;
	e = kisol_cg_spawn(cg, 0, dchild, &a, k);
	if (e < 0)
		return e;
	if ((e = kisol_recv_int(k->sock, &r, KISOL_TIMEOUT_MS)) < 0 || r < 0)
		return e < 0 ? e : (int)r;
	snprintf(map, sizeof(map), "0 %d 1", NOBODY);
	e = kisol_userns_write_maps(k->pid, map, map, true);
	if (e < 0)
		return e;
	if ((e = kisol_send_int(k->sock, 1)) < 0 || (e = kisol_recv_int(k->sock, &r, KISOL_TIMEOUT_MS)) < 0)
		return e;
	return r < 0 ? (int)r : cg_ns_new(k->pid, CLONE_NEWUSER | flags2);
}

static int req(struct kisol_child *k, const char *fmt, ...)
{
	char buf[KISOL_CG_PATH * 2 + 64];
	va_list ap;
	int64_t r;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (kisol_send_str(k->sock, buf) < 0 || kisol_recv_int(k->sock, &r, KISOL_TIMEOUT_MS) < 0)
		return -EIO;
	return (int)r;
}

/* chown the cgroup directory and the files the delegation guide lists. */
static int delegate(const struct kisol_cg *cg)
{
	static const char *files[] = { "", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control",
				       "tasks" };
	char p[KISOL_CG_PATH + 32];

	for (size_t i = 0; i < KISOL_ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", cg->path, files[i]);
		if (chown(p, NOBODY, NOBODY) < 0 && errno != ENOENT)
			return -errno;
	}
	return 0;
}

#define SETUP_DELEG(flags2)                                                          \
	do {                                                                         \
		int _e;                                                              \
		NEED_NS(KISOL_NS_USER);                                              \
		NEED_ROOT_TO("delegate the test cgroup to another uid (65534) and become it"); \
		ASSERT_EQ(0, delegate(&self->cg));                                   \
		_e = start_dchild(&self->cg, (flags2), &self->kid[0]);               \
		ASSERT_EQ(0, _e) TH_LOG("user namespace child: %s", strerror(-_e));  \
	} while (0)

/* Root of the user namespace makes a child cgroup and moves itself into it. */
TEST_F(deleg, manages_subtree)
{
	_cleanup_cg_ struct kisol_cg x = KISOL_CG_INIT;
	char p[KISOL_CG_PATH + 8];
	struct stat st;

	SETUP_DELEG(0);
	snprintf(p, sizeof(p), "%s/x", self->cg.path);
	ASSERT_EQ(0, req(&self->kid[0], "mkdir %s", p));
	ASSERT_EQ(0, stat(p, &st));
	EXPECT_EQ(NOBODY, (int)st.st_uid); /* seen from outside: the mapped uid */
	EXPECT_EQ(0, req(&self->kid[0], "move %s", p));
	EXPECT_EQ(0, kisol_cg_nr_procs(&self->cg));
	ASSERT_EQ(0, kisol_cg_open(p, variant->version, &x));
	EXPECT_EQ(1, kisol_cg_is_member(&x, self->kid[0].pid)) TH_LOG("not in %s", x.rel);
}

/* It cannot move itself into a cgroup outside the delegated subtree. */
TEST_F(deleg, cannot_escape)
{
	_cleanup_cg_ struct kisol_cg out = KISOL_CG_INIT;

	SETUP_DELEG(0);
	ASSERT_EQ(0, kisol_cg_create(KISOL_CG_CORE, variant->version, &out));
	EXPECT_EQ(-EACCES, req(&self->kid[0], "move %s", out.path));
	EXPECT_EQ(1, kisol_cg_has_pid(&self->cg, self->kid[0].pid));
}

/*
 * Even a foreign cgroup.procs it may write does not let it out on v2
 * (no write access to the common ancestor); v1 has no such containment.
 */
TEST_F(deleg, foreign_writable_procs)
{
	_cleanup_cg_ struct kisol_cg out = KISOL_CG_INIT;
	char p[KISOL_CG_PATH + 32];
	int r;

	SETUP_DELEG(0);
	ASSERT_EQ(0, kisol_cg_create(KISOL_CG_CORE, variant->version, &out));
	snprintf(p, sizeof(p), "%s/cgroup.procs", out.path);
	ASSERT_EQ(0, chown(p, NOBODY, NOBODY));
	r = req(&self->kid[0], "move %s", out.path);
	if (variant->version == 2) {
		EXPECT_EQ(-EACCES, r);
		EXPECT_EQ(1, kisol_cg_has_pid(&self->cg, self->kid[0].pid));
	} else {
		EXPECT_EQ(0, r) TH_LOG("v1: the destination file's permission is all that is checked");
	}
}

/* It cannot change the delegated root's own knobs (not chowned), but can its children's. */
TEST_F(deleg, knobs_root_vs_children)
{
	const char *knob = variant->version == 2 ? "cgroup.max.depth" : "notify_on_release";
	char p[KISOL_CG_PATH + 64], x[KISOL_CG_PATH + 8], buf[32];
	int64_t before, v;

	SETUP_DELEG(0);
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, knob, &before));
	snprintf(p, sizeof(p), "%s/%s", self->cg.path, knob);
	EXPECT_EQ(-EACCES, req(&self->kid[0], "write %s 1", p));
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, knob, &v));
	EXPECT_EQ(before, v) TH_LOG("the delegated root's %s changed", knob);
	snprintf(x, sizeof(x), "%s/x", self->cg.path);
	ASSERT_EQ(0, req(&self->kid[0], "mkdir %s", x));
	snprintf(p, sizeof(p), "%s/%s", x, knob);
	EXPECT_EQ(0, req(&self->kid[0], "write %s 1", p));
	/* seen from outside: the child's knob holds the value written inside */
	ASSERT_LT(0, kisol_read_file(p, buf, sizeof(buf)));
	EXPECT_STREQ("1\n", buf);
}

/* It cannot make cgroups next to the delegated one (parent not delegated). */
TEST_F(deleg, no_mkdir_beside)
{
	char p[KISOL_CG_PATH + 16];
	struct stat st;

	SETUP_DELEG(0);
	snprintf(p, sizeof(p), "%s-beside", self->cg.path);
	EXPECT_EQ(-EACCES, req(&self->kid[0], "mkdir %s", p));
	if (stat(p, &st) == 0)
		rmdir(p);
}

static int mount_req(struct __test_metadata *_metadata, struct kisol_cg *cg, struct kisol_child *k)
{
	const struct kisol_cg_hier *h = kisol_cg_hier_of(cg);
	char dir[KISOL_CG_PATH], type[64] = "cgroup2";
	int r;

	if (h->version == 1) {
		char o[48];

		if (kisol_cg_v1_opts(h, o, sizeof(o)) < 0)
			return -EINVAL;
		snprintf(type, sizeof(type), "cgroup:%s", o);
	}
	if (kisol_mnt_mkdtemp(NULL, "deleg", dir, sizeof(dir)) < 0)
		return -EIO;
	r = req(k, "mount %s %s", type, dir);
	rmdir(dir);
	return r;
}

/* With a cgroup namespace owned by the user namespace, its root can mount the cgroup fs. */
TEST_F(deleg, mount_with_own_cgroupns)
{
	int r;

	SETUP_DELEG(CLONE_NEWCGROUP | CLONE_NEWNS);
	r = mount_req(_metadata, &self->cg, &self->kid[0]);
	EXPECT_EQ(0, r) TH_LOG("mount in userns+cgroupns: %s", strerror(-r));
}

/* Without one (the cgroupns still belongs to the initial user namespace): EPERM. */
TEST_F(deleg, mount_needs_own_cgroupns)
{
	SETUP_DELEG(CLONE_NEWNS);
	EXPECT_EQ(-EPERM, mount_req(_metadata, &self->cg, &self->kid[0]));
}

KISOL_MAIN
