// SPDX-License-Identifier: GPL-2.0-only
/*
 * UTS namespace isolation beyond the basic case: changes outside are
 * invisible inside (and a new namespace starts as a copy), length limits,
 * EPERM without CAP_SYS_ADMIN over the owning user namespace, uname() and
 * /proc/sys/kernel views, setns into another UTS namespace, independent
 * siblings, and a namespace kept alive by an fd or a bind mount of
 * /proc/PID/ns/uts after its last process exits. Hostname and domainname,
 * each as root, as root in a user namespace, and unprivileged.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "kisol_test.h"

struct uts_field {
	const char *name;
	const char *proc; /* /proc/sys/kernel/<proc> */
	int (*set)(const char *, size_t);
	int (*get)(char *, size_t);
	size_t uname_off;
};

static int get_host(char *b, size_t n) { return gethostname(b, n); }
static int get_domain(char *b, size_t n) { return getdomainname(b, n); }
static int set_host(const char *b, size_t n) { return sethostname(b, n); }
static int set_domain(const char *b, size_t n) { return setdomainname(b, n); }

static const struct uts_field HOST = { "hostname", "hostname", set_host, get_host,
				       offsetof(struct utsname, nodename) };
static const struct uts_field DOMAIN = { "domainname", "domainname", set_domain, get_domain,
					 offsetof(struct utsname, domainname) };

enum mode { ROOT, IN_USERNS, UNPRIV };

FIXTURE(uts_iso) {
	char before[HOST_NAME_MAX + 2];
	struct kisol_child a, b;
	char dir[PATH_MAX];
	int orig_uts;
};

FIXTURE_VARIANT(uts_iso) {
	const struct uts_field *f;
	enum mode mode;
};

/* each test asserts the name inside the namespace and ours outside it */
KISOL_META_FIXTURE(uts_iso, "sides=both")

FIXTURE_VARIANT_ADD(uts_iso, hostname_root) { .f = &HOST, .mode = ROOT };
FIXTURE_VARIANT_ADD(uts_iso, hostname_userns) { .f = &HOST, .mode = IN_USERNS };
FIXTURE_VARIANT_ADD(uts_iso, hostname_unpriv) { .f = &HOST, .mode = UNPRIV };
FIXTURE_VARIANT_ADD(uts_iso, domainname_root) { .f = &DOMAIN, .mode = ROOT };
FIXTURE_VARIANT_ADD(uts_iso, domainname_userns) { .f = &DOMAIN, .mode = IN_USERNS };
FIXTURE_VARIANT_ADD(uts_iso, domainname_unpriv) { .f = &DOMAIN, .mode = UNPRIV };

FIXTURE_SETUP(uts_iso)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->a = init;
	self->b = init;
	self->dir[0] = '\0';
	self->orig_uts = -EBADF;
	/*
	 * Every variant runs from any uid: an ordinary user is root of a user
	 * namespace of its own with a UTS namespace of its own (a copy of the
	 * host's, which it could not setns back to), root's variant as that root.
	 */
	NEED_ROOT_OR_OWN_USERNS_WITH(KISOL_NS_UTS, CLONE_NEWUTS);
	self->orig_uts = kisol_ns_open(0, KISOL_NS_UTS);
	ASSERT_LE(0, self->orig_uts);
	NEED_NS_VIA(KISOL_NS_UTS, variant->mode != ROOT);
	if (variant->mode == UNPRIV)
		NEED_USERNS_UNPRIV(KISOL_NS_UTS);
	ASSERT_EQ(0, variant->f->get(self->before, sizeof(self->before)));
}

FIXTURE_TEARDOWN(uts_iso)
{
	char now[HOST_NAME_MAX + 2], path[PATH_MAX + 16];

	kisol_child_release(&self->a);
	kisol_child_release(&self->b);
	if (self->dir[0]) {
		snprintf(path, sizeof(path), "%s/uts", self->dir);
		umount2(path, MNT_DETACH);
		unlink(path);
		rmdir(self->dir);
	}
	/* the test process may have entered other namespaces: check the host's */
	if (!kisol_ns_is_current(self->orig_uts, KISOL_NS_UTS))
		EXPECT_EQ(0, kisol_ns_enter(self->orig_uts, KISOL_NS_UTS));
	EXPECT_EQ(0, variant->f->get(now, sizeof(now)));
	EXPECT_STREQ(self->before, now);
	close(self->orig_uts);
}

static struct kisol_spawn_opts opts(const FIXTURE_VARIANT(uts_iso) *v, uint64_t flags)
{
	struct kisol_spawn_opts o = { .flags = flags, .cgroup_fd = -1 };

	if (v->mode != ROOT) {
		o.flags |= CLONE_NEWUSER;
		o.map_root = true;
		o.deny_setgroups = true;
	}
	o.unpriv = v->mode == UNPRIV;
	return o;
}

static const struct uts_field *F; /* the variant's field, for children */

/* Child: report the name, then on each go set nothing and report again. */
static int c_report(int sock, void *arg)
{
	char buf[HOST_NAME_MAX + 2];

	for (;;) {
		if (F->get(buf, sizeof(buf)) < 0 || kisol_send_str(sock, buf) < 0)
			return 1;
		if (kisol_wait_go(sock) < 0)
			return 0;
	}
}

/* Child: set the name given by arg, report it, stay until go, then report it again. */
static int c_set(int sock, void *arg)
{
	const char *name = arg;
	char buf[HOST_NAME_MAX + 2];

	KISOL_TX(F->set(name, strlen(name)) < 0 ? -errno : 0);
	if (F->get(buf, sizeof(buf)) < 0 || kisol_send_str(sock, buf) < 0)
		return 2;
	if (kisol_wait_go(sock) < 0)
		return 0;
	if (F->get(buf, sizeof(buf)) < 0 || kisol_send_str(sock, buf) < 0)
		return 3;
	return 0;
}

static void rx_str(struct __test_metadata *_metadata, int sock, char *buf, size_t n)
{
	int r = kisol_recv_str(sock, buf, n, KISOL_TIMEOUT_MS);

	if (r < 0) {
		TH_LOG("no string from the child: %s", strerror(-r));
		buf[0] = '\0';
	}
}

TEST_F(uts_iso, outside_change_invisible_inside)
{
	struct kisol_spawn_opts o = opts(variant, CLONE_NEWUTS);
	char buf[HOST_NAME_MAX + 2];

	F = variant->f;
	/* the test process takes a UTS namespace of its own first */
	ASSERT_EQ(0, kisol_ns_unshare(CLONE_NEWUTS));
	ASSERT_EQ(0, F->set("kisol-outer-1", 13));
	ASSERT_EQ(0, kisol_spawn(&o, c_report, NULL, &self->a));
	rx_str(_metadata, self->a.sock, buf, sizeof(buf));
	EXPECT_STREQ("kisol-outer-1", buf); /* a new namespace starts as a copy */
	ASSERT_EQ(0, F->set("kisol-outer-2", 13));
	ASSERT_EQ(0, kisol_send_int(self->a.sock, 1));
	rx_str(_metadata, self->a.sock, buf, sizeof(buf));
	EXPECT_STREQ("kisol-outer-1", buf) TH_LOG("outside change leaked in");
	ASSERT_EQ(0, F->get(buf, sizeof(buf)));
	EXPECT_STREQ("kisol-outer-2", buf);
}

TEST_F(uts_iso, set_inside_invisible_outside)
{
	struct kisol_spawn_opts o = opts(variant, CLONE_NEWUTS);
	char buf[HOST_NAME_MAX + 2];

	F = variant->f;
	ASSERT_EQ(0, kisol_spawn(&o, c_set, "kisol-in", &self->a));
	ASSERT_EQ(0, kisol_rx(_metadata, self->a.sock));
	rx_str(_metadata, self->a.sock, buf, sizeof(buf));
	EXPECT_STREQ("kisol-in", buf);
	ASSERT_EQ(0, F->get(buf, sizeof(buf)));
	EXPECT_STREQ(self->before, buf) TH_LOG("%s set inside leaked out", F->name);
	/* and the inside keeps its own name after we looked outside */
	ASSERT_EQ(0, kisol_send_int(self->a.sock, 1));
	rx_str(_metadata, self->a.sock, buf, sizeof(buf));
	EXPECT_STREQ("kisol-in", buf);
	EXPECT_EQ(0, kisol_child_exit_code(&self->a, KISOL_TIMEOUT_MS));
}

static int c_limits(int sock, void *arg)
{
	char name[HOST_NAME_MAX + 2], buf[HOST_NAME_MAX + 2];

	memset(name, 'k', sizeof(name));
	KISOL_TX(F->set(name, 64) < 0 ? errno : 0);
	if (F->get(buf, sizeof(buf)) < 0)
		return 2;
	KISOL_TX(strlen(buf));
	KISOL_TX(F->set(name, 65) < 0 ? errno : 0);
	KISOL_TX(F->set(name, (size_t)-1) < 0 ? errno : 0);
	KISOL_TX(F->set("", 0) < 0 ? errno : 0);
	if (F->get(buf, sizeof(buf)) < 0)
		return 3;
	KISOL_TX(strlen(buf));
	return 0;
}

TEST_F(uts_iso, length_limits)
{
	struct kisol_spawn_opts o = opts(variant, CLONE_NEWUTS);
	char buf[HOST_NAME_MAX + 2];

	F = variant->f;
	ASSERT_EQ(0, kisol_spawn(&o, c_limits, NULL, &self->a));
	EXPECT_EQ(0, kisol_rx(_metadata, self->a.sock));      /* 64 bytes: the maximum */
	EXPECT_EQ(64, kisol_rx(_metadata, self->a.sock));
	EXPECT_EQ(EINVAL, kisol_rx(_metadata, self->a.sock)); /* 65: too long */
	EXPECT_EQ(EINVAL, kisol_rx(_metadata, self->a.sock)); /* huge length */
	EXPECT_EQ(0, kisol_rx(_metadata, self->a.sock));      /* empty is allowed */
	EXPECT_EQ(0, kisol_rx(_metadata, self->a.sock));
	EXPECT_EQ(0, kisol_child_exit_code(&self->a, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, F->get(buf, sizeof(buf)));
	EXPECT_STREQ(self->before, buf);
}

static int c_eperm(int sock, void *arg)
{
	bool drop = (intptr_t)arg;
	struct kisol_ns_id id;

	if (kisol_ns_id(0, KISOL_NS_UTS, &id) < 0)
		return 89;
	KISOL_TX(id.ino); /* which UTS namespace it tries to change */
	if (drop && kisol_become_unpriv() < 0)
		return 90;
	KISOL_TX(F->set("kisol-denied", 12) < 0 ? errno : 0);
	return 0;
}

TEST_F(uts_iso, eperm_without_cap_over_owner)
{
	struct kisol_spawn_opts o;
	struct kisol_ns_id mine;
	char buf[HOST_NAME_MAX + 2];

	F = variant->f;
	if (variant->mode == ROOT) {
		/* own UTS namespace, but no capabilities at all */
		o = opts(variant, CLONE_NEWUTS);
		ASSERT_EQ(0, kisol_spawn(&o, c_eperm, (void *)1, &self->a));
	} else {
		/* root in a new user namespace that does not own the UTS namespace */
		o = opts(variant, 0);
		ASSERT_EQ(0, kisol_spawn(&o, c_eperm, (void *)0, &self->a));
	}
	/* root: its own UTS namespace; in a user namespace: ours, owned by our user namespace */
	ASSERT_EQ(0, kisol_ns_id(0, KISOL_NS_UTS, &mine));
	EXPECT_EQ(variant->mode != ROOT, (int64_t)mine.ino == kisol_rx(_metadata, self->a.sock));
	EXPECT_EQ(EPERM, kisol_rx(_metadata, self->a.sock));
	ASSERT_EQ(0, F->get(buf, sizeof(buf)));
	EXPECT_STREQ(self->before, buf);
}

static int c_views(int sock, void *arg)
{
	struct utsname u;
	char path[64], buf[HOST_NAME_MAX + 2];

	if (F->set("kisol-view", 10) < 0)
		return 2;
	if (uname(&u) < 0 || kisol_send_str(sock, (char *)&u + F->uname_off) < 0)
		return 3;
	snprintf(path, sizeof(path), "/proc/sys/kernel/%s", F->proc);
	if (kisol_read_file(path, buf, sizeof(buf)) < 0)
		return 4;
	kisol_chomp(buf);
	if (kisol_send_str(sock, buf) < 0)
		return 5;
	kisol_wait_go(sock);
	return 0;
}

TEST_F(uts_iso, uname_and_proc_sys_views)
{
	struct kisol_spawn_opts o = opts(variant, CLONE_NEWUTS);
	char buf[HOST_NAME_MAX + 2], path[64];
	struct utsname u;

	F = variant->f;
	ASSERT_EQ(0, kisol_spawn(&o, c_views, NULL, &self->a));
	rx_str(_metadata, self->a.sock, buf, sizeof(buf));
	EXPECT_STREQ("kisol-view", buf);
	rx_str(_metadata, self->a.sock, buf, sizeof(buf));
	EXPECT_STREQ("kisol-view", buf);
	/* outside, both views still show the host's name */
	ASSERT_EQ(0, uname(&u));
	EXPECT_STREQ(self->before, (char *)&u + F->uname_off);
	snprintf(path, sizeof(path), "/proc/sys/kernel/%s", F->proc);
	ASSERT_LT(0, kisol_read_file(path, buf, sizeof(buf)));
	kisol_chomp(buf);
	EXPECT_STREQ(self->before, buf);
}

static int c_try_setns(int sock, void *arg)
{
	int fd = kisol_recv_fd(sock, KISOL_TIMEOUT_MS);
	char buf[HOST_NAME_MAX + 2];
	int r;

	if (fd < 0)
		return 90;
	if (kisol_become_unpriv() < 0)
		return 91;
	r = kisol_ns_enter(fd, KISOL_NS_UTS);
	KISOL_TX(r);
	if (F->get(buf, sizeof(buf)) < 0 || kisol_send_str(sock, buf) < 0)
		return 92;
	return 0;
}

TEST_F(uts_iso, setns_into_other_uts_ns)
{
	struct kisol_spawn_opts o = opts(variant, CLONE_NEWUTS);
	_cleanup_close_ int mine = kisol_ns_open(0, KISOL_NS_UTS);
	_cleanup_close_ int theirs = -EBADF;
	char buf[HOST_NAME_MAX + 2];

	F = variant->f;
	ASSERT_LE(0, mine);
	ASSERT_EQ(0, kisol_spawn(&o, c_set, "kisol-target", &self->a));
	ASSERT_EQ(0, kisol_rx(_metadata, self->a.sock));
	rx_str(_metadata, self->a.sock, buf, sizeof(buf));
	theirs = kisol_ns_open(self->a.pid, KISOL_NS_UTS);
	ASSERT_LE(0, theirs);
	/* an unprivileged process may not join it */
	ASSERT_EQ(0, kisol_spawn(NULL, c_try_setns, NULL, &self->b));
	ASSERT_EQ(0, kisol_send_fd(self->b.sock, theirs));
	EXPECT_EQ(-EPERM, kisol_rx(_metadata, self->b.sock));
	rx_str(_metadata, self->b.sock, buf, sizeof(buf));
	EXPECT_STREQ(self->before, buf);
	/* root over its owner may: the name follows the namespace */
	ASSERT_EQ(0, kisol_ns_enter(theirs, KISOL_NS_UTS));
	ASSERT_EQ(0, F->get(buf, sizeof(buf)));
	EXPECT_STREQ("kisol-target", buf);
	/* and back: the original is intact */
	ASSERT_EQ(0, kisol_ns_enter(mine, KISOL_NS_UTS));
	ASSERT_EQ(0, F->get(buf, sizeof(buf)));
	EXPECT_STREQ(self->before, buf);
}

TEST_F(uts_iso, siblings_are_independent)
{
	struct kisol_spawn_opts o = opts(variant, CLONE_NEWUTS);
	char a[HOST_NAME_MAX + 2], b[HOST_NAME_MAX + 2];
	_cleanup_close_ int fa = -EBADF;

	F = variant->f;
	ASSERT_EQ(0, kisol_spawn(&o, c_set, "kisol-sib-a", &self->a));
	ASSERT_EQ(0, kisol_spawn(&o, c_set, "kisol-sib-b", &self->b));
	ASSERT_EQ(0, kisol_rx(_metadata, self->a.sock));
	ASSERT_EQ(0, kisol_rx(_metadata, self->b.sock));
	rx_str(_metadata, self->a.sock, a, sizeof(a));
	rx_str(_metadata, self->b.sock, b, sizeof(b));
	EXPECT_STREQ("kisol-sib-a", a);
	EXPECT_STREQ("kisol-sib-b", b);
	/* each seen from outside through setns: still its own */
	fa = kisol_ns_open(self->a.pid, KISOL_NS_UTS);
	ASSERT_LE(0, fa);
	ASSERT_EQ(0, kisol_ns_enter(fa, KISOL_NS_UTS));
	ASSERT_EQ(0, F->get(a, sizeof(a)));
	EXPECT_STREQ("kisol-sib-a", a);
}

/* Keep the namespace of a child alive after it exits; then look inside. */
static void kept_alive(struct __test_metadata *_metadata, FIXTURE_DATA(uts_iso) *self,
		       const FIXTURE_VARIANT(uts_iso) *variant, bool by_mount)
{
	struct kisol_spawn_opts o = opts(variant, CLONE_NEWUTS);
	_cleanup_close_ int fd = -EBADF, again = -EBADF;
	char buf[HOST_NAME_MAX + 2], path[PATH_MAX + 16], src[64];
	struct kisol_ns_id id, id2, mine;

	F = variant->f;
	ASSERT_EQ(0, kisol_spawn(&o, c_set, "kisol-kept", &self->a));
	ASSERT_EQ(0, kisol_rx(_metadata, self->a.sock));
	rx_str(_metadata, self->a.sock, buf, sizeof(buf));
	EXPECT_STREQ("kisol-kept", buf);
	ASSERT_EQ(0, kisol_ns_id(self->a.pid, KISOL_NS_UTS, &id));
	/* a namespace of its own: not ours, and its name is not ours */
	ASSERT_EQ(0, kisol_ns_id(0, KISOL_NS_UTS, &mine));
	ASSERT_FALSE(kisol_ns_id_eq(&id, &mine)) TH_LOG("the child is in our UTS namespace");
	ASSERT_EQ(0, F->get(buf, sizeof(buf)));
	EXPECT_STREQ(self->before, buf);
	if (by_mount) {
		/* a new, private mount namespace: the bind mount stays in it */
		ASSERT_EQ(0, kisol_mnt_isolate());
		ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "uts", self->dir, sizeof(self->dir)));
		snprintf(path, sizeof(path), "%s/uts", self->dir);
		fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		ASSERT_LE(0, fd);
		close(fd);
		snprintf(src, sizeof(src), "/proc/%d/ns/uts", self->a.pid);
		ASSERT_EQ(0, mount(src, path, NULL, MS_BIND, NULL));
		fd = -EBADF;
	} else {
		fd = kisol_ns_open(self->a.pid, KISOL_NS_UTS);
		ASSERT_LE(0, fd);
	}
	/* the last process leaves */
	ASSERT_EQ(0, kisol_send_int(self->a.sock, 1));
	ASSERT_EQ(0, kisol_child_exit_code(&self->a, KISOL_TIMEOUT_MS));
	if (by_mount) {
		again = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, again) TH_LOG("bind mount of the namespace is gone");
	} else {
		again = TAKE_FD(fd);
	}
	ASSERT_EQ(0, kisol_ns_id_fd(again, &id2));
	EXPECT_TRUE(kisol_ns_id_eq(&id, &id2));
	ASSERT_EQ(0, kisol_ns_enter(again, KISOL_NS_UTS));
	ASSERT_EQ(0, F->get(buf, sizeof(buf)));
	EXPECT_STREQ("kisol-kept", buf);
}

TEST_F(uts_iso, kept_alive_by_bind_mount)
{
	kept_alive(_metadata, self, variant, true);
}

TEST_F(uts_iso, kept_alive_by_fd)
{
	kept_alive(_metadata, self, variant, false);
}

KISOL_MAIN
