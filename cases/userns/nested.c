// SPDX-License-Identifier: GPL-2.0-only
/*
 * Nested user namespaces: ids translate through every level (including
 * CVE-2018-18955: with more than five extents in the parent's map, the
 * nested map's reverse direction was left untranslated, so a nested root
 * owned the host's root-owned files); the 32-level nesting limit; and the
 * user.max_<type>_namespaces limits set inside a child user namespace,
 * which bound that namespace's subtree only (ENOSPC) and leave the host's
 * values alone.
 */
#include <sys/prctl.h>
#include <sys/stat.h>

#include "kisol_test.h"

/* ---- CVE-2018-18955 ---- */

FIXTURE(extents) {
	struct kisol_child child;
};

FIXTURE_VARIANT(extents) {
	int n; /* extents in the outer namespace's maps */
};

FIXTURE_VARIANT_ADD(extents, one) { .n = 1 };
FIXTURE_VARIANT_ADD(extents, five) { .n = 5 };
FIXTURE_VARIANT_ADD(extents, six) { .n = 6 };
FIXTURE_VARIANT_ADD(extents, forty) { .n = 40 };
FIXTURE_VARIANT_ADD(extents, max_340) { .n = 340 };

FIXTURE_SETUP(extents)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	NEED_NS(KISOL_NS_USER);
	NEED_ROOT_TO("map ranges of other ids");
}

FIXTURE_TEARDOWN(extents)
{
	kisol_child_release(&self->child);
}

/* Outer namespace A: become its root, nest B mapping A's root, report. */
static int c_nest(int sock, void *arg)
{
	struct stat st;
	int64_t go;

	if (kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS) < 0)
		return 90;
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return 91;
	/* the id change cleared dumpable; /proc/self must stay ours */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return 95;
	if (stat("/", &st) < 0)
		return 92;
	KISOL_TX(st.st_uid); /* in A: the host's root is unmapped */
	KISOL_TX(kisol_userns_unshare_root(0));
	if (stat("/", &st) < 0)
		return 93;
	KISOL_TX(st.st_uid); /* in B: must still be unmapped */
	KISOL_TX(st.st_gid);
	if (stat("/proc/self", &st) < 0)
		return 94;
	KISOL_TX(st.st_uid); /* our own files: B's root */
	KISOL_TX(getuid());
	kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS);
	return 0;
}

TEST_F(extents, nested_root_does_not_own_host_root_files)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER, .cgroup_fd = -1 };
	_cleanup_free_ char *map = malloc(16 * 341);
	char *p = map, path[64], buf[4096];
	unsigned long in, out, count;
	uid_t ou;
	gid_t og;
	int64_t uid;

	ASSERT_NE(NULL, map);
	ASSERT_EQ(0, kisol_userns_overflow_uid(&ou));
	ASSERT_EQ(0, kisol_userns_overflow_gid(&og));
	p += sprintf(p, "0 100000 1\n");
	for (int i = 1; i < variant->n; i++)
		p += sprintf(p, "%d %d 1\n", i, 1000 + i);
	ASSERT_EQ(0, kisol_spawn(&o, c_nest, NULL, &self->child));
	ASSERT_EQ(0, kisol_userns_write_maps(self->child.pid, map, map, false));
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
	EXPECT_EQ(ou, kisol_rx(_metadata, self->child.sock));
	ASSERT_EQ(0, kisol_rx(_metadata, self->child.sock)) TH_LOG("nesting B failed");
	EXPECT_EQ(ou, kisol_rx(_metadata, self->child.sock)) TH_LOG("B's root owns the host's / (CVE-2018-18955)");
	EXPECT_EQ(og, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	/* outside: the process is kernel uid 100000, and B's map reads that way */
	snprintf(path, sizeof(path), "/proc/%d/status", self->child.pid);
	ASSERT_LT(0, kisol_read_file(path, buf, sizeof(buf)));
	ASSERT_EQ(0, kisol_keyed_int64(buf, "Uid", &uid));
	EXPECT_EQ(100000, uid);
	/* read from here, B's map says: 0 (B) is 100000 (ours) */
	snprintf(path, sizeof(path), "/proc/%d/uid_map", self->child.pid);
	ASSERT_LT(0, kisol_read_file(path, buf, sizeof(buf)));
	ASSERT_EQ(3, sscanf(buf, "%lu %lu %lu", &in, &out, &count));
	EXPECT_EQ(0ul, in);
	EXPECT_EQ(100000ul, out);
	EXPECT_EQ(1ul, count);
}

KISOL_META(extents, nested_root_does_not_own_host_root_files,
	   "sides=both;cve=CVE-2018-18955;commit=d2f007dbe7e4;ref=userns: also map extents in the reverse map to kernel IDs")

/* ---- nesting depth ---- */

FIXTURE(depth) {
	struct kisol_child child;
};

FIXTURE_VARIANT(depth) {
	bool unpriv;
};

FIXTURE_VARIANT_ADD(depth, root) { };
FIXTURE_VARIANT_ADD(depth, unpriv) { .unpriv = true };

FIXTURE_SETUP(depth)
{
	struct kisol_child init = KISOL_CHILD_INIT;
	char map[128];

	self->child = init;
	NEED_NS(KISOL_NS_USER);
	if (variant->unpriv)
		NEED_USERNS_UNPRIV(-1);
	else
		NEED_ROOT_TO("start the nesting as root");
	ASSERT_LT(0, kisol_read_file("/proc/self/uid_map", map, sizeof(map)));
	if (strtoul(map, NULL, 10) != 0 || !strstr(map, "4294967295"))
		SKIP(return, "the test runs inside a user namespace already (depth unknown)");
}

FIXTURE_TEARDOWN(depth)
{
	kisol_child_release(&self->child);
}

static int c_depth(int sock, void *arg)
{
	bool unpriv = arg;
	int levels = 0, r;

	if (unpriv && kisol_become_unpriv() < 0)
		return 90;
	for (;;) {
		r = kisol_userns_unshare_root(0);
		if (r < 0)
			break;
		levels++;
		if (levels > 40)
			break;
	}
	KISOL_TX(levels);
	KISOL_TX(r);
	KISOL_TX(getuid());
	return 0;
}

/*
 * create_user_ns() refuses when the parent's level is above 32: from the
 * initial namespace (level 0) 33 nested namespaces can be made, and the
 * next gives ENOSPC (EUSERS before the ucounts rework of Linux 4.9).
 */
TEST_F(depth, limit_is_parent_level_32)
{
	uid_t uid = getuid();

	ASSERT_EQ(0, kisol_spawn(NULL, c_depth, (void *)variant->unpriv, &self->child));
	EXPECT_EQ(33, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(-ENOSPC, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock)); /* root of level 32 */
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
	/* outside: we are still where we were */
	EXPECT_EQ(uid, getuid());
}
KISOL_META(depth, limit_is_parent_level_32, "sides=one: the innermost level reports the refusal (ENOSPC) of one more")

/* ---- user.max_<type>_namespaces inside a child user namespace ---- */

FIXTURE(ns_limit) {
	struct kisol_child child;
	char path[96];
	char host[32];
};

FIXTURE_VARIANT(ns_limit) {
	enum kisol_ns type;
};

FIXTURE_VARIANT_ADD(ns_limit, mnt) { .type = KISOL_NS_MNT };
FIXTURE_VARIANT_ADD(ns_limit, uts) { .type = KISOL_NS_UTS };
FIXTURE_VARIANT_ADD(ns_limit, ipc) { .type = KISOL_NS_IPC };
FIXTURE_VARIANT_ADD(ns_limit, user) { .type = KISOL_NS_USER };
FIXTURE_VARIANT_ADD(ns_limit, pid) { .type = KISOL_NS_PID };
FIXTURE_VARIANT_ADD(ns_limit, net) { .type = KISOL_NS_NET };
FIXTURE_VARIANT_ADD(ns_limit, cgroup) { .type = KISOL_NS_CGROUP };
FIXTURE_VARIANT_ADD(ns_limit, time) { .type = KISOL_NS_TIME };

FIXTURE_SETUP(ns_limit)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	NEED_NS(KISOL_NS_USER);
	NEED_NS_IN_USERNS(variant->type);
	snprintf(self->path, sizeof(self->path), "/proc/sys/user/max_%s_namespaces",
		 variant->type == KISOL_NS_MNT ? "mnt" : kisol_ns_table[variant->type].name);
	if (access(self->path, F_OK) < 0)
		SKIP(return, "%s does not exist on this kernel", self->path);
	ASSERT_LT(0, kisol_read_file(self->path, self->host, sizeof(self->host)));
}

FIXTURE_TEARDOWN(ns_limit)
{
	char now[32];

	kisol_child_release(&self->child);
	if (self->host[0]) {
		ASSERT_LT(0, kisol_read_file(self->path, now, sizeof(now)));
		EXPECT_STREQ(self->host, now) TH_LOG("host %s changed", self->path);
	}
}

static int create_one(enum kisol_ns t)
{
	if (t == KISOL_NS_USER)
		return kisol_userns_unshare_root(0);
	return kisol_ns_unshare(kisol_ns_table[t].flag);
}

/* In A: set the limit to 1, create one, then a child tries a second. */
struct limit_arg {
	const char *path;
	enum kisol_ns type;
};

static int c_limit(int sock, void *arg)
{
	const struct limit_arg *a = arg;
	char buf[32];
	siginfo_t si;
	pid_t kid;

	KISOL_TX(kisol_write_file(a->path, "1"));
	if (kisol_read_file(a->path, buf, sizeof(buf)) < 0)
		return 92;
	KISOL_TX(strtol(buf, NULL, 10));
	KISOL_TX(create_one(a->type));
	kid = fork();
	if (kid == 0)
		_exit(-create_one(a->type) & 0xff);
	if (kid < 0 || waitid(P_PID, kid, &si, WEXITED) < 0)
		return 93;
	KISOL_TX(si.si_code == CLD_EXITED ? si.si_status : 200);
	return 0;
}

TEST_F(ns_limit, enforced_in_child_userns_only)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER, .cgroup_fd = -1, .map_root = true };
	struct limit_arg a = { self->path, variant->type };

	ASSERT_EQ(0, kisol_spawn(&o, c_limit, &a, &self->child));
	ASSERT_EQ(0, kisol_rx(_metadata, self->child.sock)) TH_LOG("writing %s inside refused", a.path);
	EXPECT_EQ(1, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock)); /* the first is allowed */
	EXPECT_EQ(ENOSPC, kisol_rx(_metadata, self->child.sock)); /* the second is not */
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
	/* outside: still possible here (for an ordinary user: in a user namespace) */
	if (kisol_is_root()) {
		EXPECT_EQ(0, kisol_ns_probe(variant->type));
	} else {
		EXPECT_EQ(0, kisol_need_ns_in_userns(variant->type, NULL, 0));
	}
}
KISOL_META(ns_limit, enforced_in_child_userns_only, "sides=both")

KISOL_MAIN
