// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mount namespaces: mounts and umounts are invisible across namespaces in
 * both directions, /proc/PID/mountinfo shows the namespace of PID, a
 * detached open_tree(OPEN_TREE_CLONE) copy can be attached in another
 * namespace with move_mount, and fs.mount-max bounds the mounts of one
 * namespace (ENOSPC) without touching its parent.
 *
 * The test process isolates itself first (own mount namespace, / private)
 * and works below a private scratch tmpfs; the "agent" is a child in a
 * further new mount namespace (see agent.h).
 */
#include "kisol_test.h"
#include "mntns/agent.h"

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

FIXTURE(iso) {
	char s[PATH_MAX];
	char p[4][PATH_MAX + 16]; /* in, out, pre, base */
	struct kisol_child agent;
};
FIXTURE_VARIANT(iso) {
	bool userns;         /* agent in a new user namespace too (mounts get locked) */
	bool unshare_inside; /* agent unshares itself instead of clone flags */
	bool unpriv;         /* agent drops to uid 65534 and unshares user+mnt itself */
};
FIXTURE_VARIANT_ADD(iso, clone) { 0 };
FIXTURE_VARIANT_ADD(iso, unshare) { .unshare_inside = true };
FIXTURE_VARIANT_ADD(iso, userns) { .userns = true };
FIXTURE_VARIANT_ADD(iso, unprivileged) { .unpriv = true };

enum { P_IN, P_OUT, P_PRE };

FIXTURE_SETUP(iso)
{
	struct kisol_child init = KISOL_CHILD_INIT;
	struct agent_opts o = { .unshare_inside = variant->unshare_inside,
				.unpriv = variant->unpriv };
	const char *names[] = { "in", "out", "pre" };
	int r;

	self->agent = init;
	self->s[0] = '\0';
	/* an ordinary user: the outside is a user namespace of its own */
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	NEED_NS_VIA(KISOL_NS_MNT, variant->userns || variant->unpriv);
	ASSERT_EQ(0, kisol_mnt_isolate());
	r = kisol_mnt_scratch_tmpfs("mntns", "size=1m", self->s, sizeof(self->s));
	ASSERT_EQ(0, r) TH_LOG("scratch tmpfs: %s", strerror(-r));
	for (int i = 0; i < 3; i++) {
		snprintf(self->p[i], sizeof(self->p[i]), "%s/%s", self->s, names[i]);
		ASSERT_EQ(0, mkdir(self->p[i], 0755));
	}
	/* a mount that exists before the agent's namespace is copied */
	ASSERT_EQ(0, mount_marked(self->p[P_PRE]));
	ASSERT_EQ(0, agent_start(&self->agent, variant->userns, &o));
}

FIXTURE_TEARDOWN(iso)
{
	kisol_child_release(&self->agent);
	if (self->s[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->s));
}

TEST_F(iso, mount_inside_invisible_outside)
{
	int sock = self->agent.sock;
	struct kisol_mnt_info mi;

	ASSERT_EQ(0, agent_req(sock, "mount %s", self->p[P_IN]));
	EXPECT_EQ(0, agent_req(sock, "exists %s/marker", self->p[P_IN])) TH_LOG("inside view");
	EXPECT_FALSE(marked(self->p[P_IN])) TH_LOG("agent's mount visible outside");
	EXPECT_EQ(-ENOENT, kisol_mnt_info(0, self->p[P_IN], &mi));
	/* the outside view of the agent's table does list it */
	EXPECT_EQ(0, kisol_mnt_info(self->agent.pid, self->p[P_IN], &mi));
}
KISOL_META(iso, mount_inside_invisible_outside, "sides=both")

TEST_F(iso, mount_outside_invisible_inside)
{
	int sock = self->agent.sock;

	ASSERT_EQ(0, mount_marked(self->p[P_OUT]));
	EXPECT_TRUE(marked(self->p[P_OUT]));
	EXPECT_EQ(-ENOENT, agent_req(sock, "exists %s/marker", self->p[P_OUT]))
		TH_LOG("parent's later mount propagated into the agent");
}
KISOL_META(iso, mount_outside_invisible_inside, "sides=both")

TEST_F(iso, umount_outside_invisible_inside)
{
	int sock = self->agent.sock;

	ASSERT_EQ(0, umount2(self->p[P_PRE], 0));
	EXPECT_FALSE(marked(self->p[P_PRE]));
	EXPECT_EQ(0, agent_req(sock, "exists %s/marker", self->p[P_PRE]))
		TH_LOG("parent's umount reached the agent's copy");
}
KISOL_META(iso, umount_outside_invisible_inside, "sides=both")

TEST_F(iso, umount_inside_invisible_outside)
{
	int sock = self->agent.sock, r;

	r = agent_req(sock, "umount %s", self->p[P_PRE]);
	if (variant->userns || variant->unpriv) {
		/* copied into a less privileged user namespace: locked (see locked.c) */
		EXPECT_EQ(-EINVAL, r);
		EXPECT_EQ(0, agent_req(sock, "exists %s/marker", self->p[P_PRE]));
	} else {
		EXPECT_EQ(0, r);
		EXPECT_EQ(-ENOENT, agent_req(sock, "exists %s/marker", self->p[P_PRE]));
	}
	EXPECT_TRUE(marked(self->p[P_PRE])) TH_LOG("agent's umount reached the parent");
}
KISOL_META(iso, umount_inside_invisible_outside, "sides=both")

TEST_F(iso, mountinfo_counts_and_ids)
{
	int sock = self->agent.sock, before, after, mine;
	struct kisol_mnt_info here;
	char info[128];
	int shared, master, unb, id;

	before = agent_req(sock, "count");
	mine = kisol_mnt_count(0);
	ASSERT_LT(0, before);
	/* a copy holds as many mounts as the original */
	EXPECT_EQ(mine, before);
	EXPECT_EQ(before, kisol_mnt_count(self->agent.pid)) TH_LOG("outside view of the agent");
	ASSERT_EQ(0, agent_req(sock, "mount %s", self->p[P_IN]));
	after = agent_req(sock, "count");
	EXPECT_EQ(before + 1, after);
	EXPECT_EQ(mine, kisol_mnt_count(0)) TH_LOG("agent's mount counted outside");
	/* copied mounts are new mounts: their ids differ from the originals */
	ASSERT_EQ(0, kisol_mnt_info(0, self->p[P_PRE], &here));
	ASSERT_LT(0, agent_req_str(sock, info, sizeof(info), "info %s", self->p[P_PRE]));
	ASSERT_EQ(4, sscanf(info, "%d %d %d %d", &shared, &master, &unb, &id)) TH_LOG("%s", info);
	EXPECT_NE(here.mnt_id, id);
}
KISOL_META(iso, mountinfo_counts_and_ids, "sides=both")

TEST_F(iso, namespaces_differ_by_inode)
{
	struct kisol_ns_id me, it;

	ASSERT_EQ(0, kisol_ns_id(0, KISOL_NS_MNT, &me));
	ASSERT_EQ(0, kisol_ns_id(self->agent.pid, KISOL_NS_MNT, &it));
	EXPECT_FALSE(kisol_ns_id_eq(&me, &it));
}
KISOL_META(iso, namespaces_differ_by_inode,
	   "sides=one: namespace identity is one fact, read from /proc/PID/ns, the agent's own report is compared in agent_start")

/* ---- open_tree(OPEN_TREE_CLONE) + move_mount across namespaces ------------- */

FIXTURE(tree) {
	char s[PATH_MAX];
	char src[PATH_MAX + 8], sub[PATH_MAX + 16], dst[PATH_MAX + 8];
	struct kisol_child agent;
};
FIXTURE_SETUP(tree)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->agent = init;
	self->s[0] = '\0';
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	NEED_NS(KISOL_NS_MNT);
	NEED_MOUNT_API();
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("mntns", "size=1m", self->s, sizeof(self->s)));
	snprintf(self->src, sizeof(self->src), "%s/src", self->s);
	snprintf(self->sub, sizeof(self->sub), "%s/src/sub", self->s);
	snprintf(self->dst, sizeof(self->dst), "%s/dst", self->s);
	ASSERT_EQ(0, mkdir(self->src, 0755));
	ASSERT_EQ(0, mkdir(self->dst, 0755));
	ASSERT_EQ(0, mount_marked(self->src));
	ASSERT_EQ(0, mkdir(self->sub, 0755));
	ASSERT_EQ(0, mount_marked(self->sub));
	ASSERT_EQ(0, agent_start(&self->agent, false, NULL));
}
KISOL_META_FIXTURE(tree, "sides=both")
FIXTURE_TEARDOWN(tree)
{
	kisol_child_release(&self->agent);
	if (self->s[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->s));
}

static int send_attach(struct kisol_child *a, int fd, const char *dst)
{
	char req[PATH_MAX + 16];
	int64_t v;
	int r;

	snprintf(req, sizeof(req), "attach %s", dst);
	r = kisol_send_str(a->sock, req);
	if (!r)
		r = kisol_send_fd(a->sock, fd);
	if (!r)
		r = kisol_recv_int(a->sock, &v, KISOL_TIMEOUT_MS);
	return r < 0 ? -1000 + r : (int)v;
}

TEST_F(tree, recursive_clone_attached_in_other_ns)
{
	_cleanup_close_ int fd = kisol_mnt_clone_tree(self->src, true);
	char m[PATH_MAX + 32];

	ASSERT_LE(0, fd) TH_LOG("open_tree: %s", strerror(-fd));
	ASSERT_EQ(0, send_attach(&self->agent, fd, self->dst));
	snprintf(m, sizeof(m), "%s/sub", self->dst);
	EXPECT_EQ(0, agent_req(self->agent.sock, "exists %s/marker", self->dst));
	EXPECT_EQ(0, agent_req(self->agent.sock, "exists %s/marker", m)) TH_LOG("AT_RECURSIVE copy lacks sub");
	EXPECT_FALSE(marked(self->dst)) TH_LOG("attached in the agent, visible here");
}

TEST_F(tree, plain_clone_has_no_submounts)
{
	_cleanup_close_ int fd = kisol_mnt_clone_tree(self->src, false);
	char m[PATH_MAX + 32];

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_attach(&self->agent, fd, self->dst));
	snprintf(m, sizeof(m), "%s/sub", self->dst);
	EXPECT_EQ(0, agent_req(self->agent.sock, "exists %s/marker", self->dst));
	EXPECT_EQ(-ENOENT, agent_req(self->agent.sock, "exists %s/marker", m));
	EXPECT_FALSE(marked(self->dst)) TH_LOG("attached in the agent, visible here");
}

TEST_F(tree, clone_survives_source_umount)
{
	_cleanup_close_ int fd = kisol_mnt_clone_tree(self->src, true);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, umount2(self->sub, MNT_DETACH));
	ASSERT_EQ(0, umount2(self->src, MNT_DETACH));
	EXPECT_FALSE(marked(self->src));
	ASSERT_EQ(0, send_attach(&self->agent, fd, self->dst));
	EXPECT_EQ(0, agent_req(self->agent.sock, "exists %s/marker", self->dst));
	EXPECT_FALSE(marked(self->dst)) TH_LOG("attached in the agent, visible here");
}

TEST_F(tree, attached_mount_of_other_ns_cannot_be_moved)
{
	/* without OPEN_TREE_CLONE the fd names a mount attached in our namespace */
	_cleanup_close_ int fd = kisol_mnt_open_tree(AT_FDCWD, self->src, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, send_attach(&self->agent, fd, self->dst));
	EXPECT_EQ(-ENOENT, agent_req(self->agent.sock, "exists %s/marker", self->dst));
	EXPECT_TRUE(marked(self->src)) TH_LOG("source moved away from us");
}

TEST_F(tree, clone_attached_elsewhere_cannot_be_reattached_here)
{
	_cleanup_close_ int fd = kisol_mnt_clone_tree(self->src, false);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_attach(&self->agent, fd, self->dst));
	/* the same fd now names a mount of the agent's namespace */
	EXPECT_EQ(-EINVAL, kisol_mnt_move_mount(fd, "", AT_FDCWD, self->dst, MOVE_MOUNT_F_EMPTY_PATH));
	EXPECT_FALSE(marked(self->dst));
	/* and it stays where it was attached */
	EXPECT_EQ(0, agent_req(self->agent.sock, "exists %s/marker", self->dst));
}

/* ---- fs.mount-max ------------------------------------------------------------- */

/*
 * Child in a new mount namespace: double the mount count with recursive
 * self-binds until the kernel refuses. Reports the errno, the count seen
 * before the refused step and after it.
 */
static int grow_mounts(int sock, void *arg)
{
	const char *dir = arg;
	char a[PATH_MAX];
	int r = 0, before = 0;

	snprintf(a, sizeof(a), "%s/a", dir);
	for (int i = 0; i < 40 && r == 0; i++) {
		before = kisol_mnt_count(0);
		r = kisol_mnt_bind(dir, a, true);
	}
	if (kisol_send_int(sock, r) < 0 || kisol_send_int(sock, before) < 0 ||
	    kisol_send_int(sock, kisol_mnt_count(0)) < 0)
		return 1;
	return 0;
}

FIXTURE(limit) {
	char s[PATH_MAX];
};
FIXTURE_SETUP(limit)
{
	self->s[0] = '\0';
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	NEED_NS(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("mntns", "size=1m", self->s, sizeof(self->s)));
}
FIXTURE_TEARDOWN(limit)
{
	if (self->s[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->s));
}

TEST_F_TIMEOUT(limit, mount_max_enospc_in_child_ns_only, 150)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWNS, .cgroup_fd = -1 };
	char g[PATH_MAX + 8], out[PATH_MAX + 8];
	int64_t max = 0, err, before, after;
	int mine;

	ASSERT_EQ(0, kisol_read_int64("/proc/sys/fs/mount-max", &max));
	if (max > 300000)
		SKIP(return, "fs.mount-max is %lld here; not changing it, too many mounts to reach",
		     (long long)max);
	snprintf(g, sizeof(g), "%s/grow", self->s);
	ASSERT_EQ(0, mkdir(g, 0755));
	ASSERT_EQ(0, kisol_mnt_tmpfs(g, "size=64k"));
	snprintf(g + strlen(g), sizeof(g) - strlen(g), "/a");
	ASSERT_EQ(0, mkdir(g, 0755));
	g[strlen(g) - 2] = '\0';
	snprintf(out, sizeof(out), "%s/out", self->s);
	ASSERT_EQ(0, mkdir(out, 0755));
	mine = kisol_mnt_count(0);
	ASSERT_EQ(0, kisol_spawn(&o, grow_mounts, g, &c));
	/* the last count reads a mountinfo of up to mount-max lines: as slow
	 * as the doubling itself in a TCG guest (it timed out at 5 s there) */
	ASSERT_EQ(0, kisol_recv_int(c.sock, &err, 60000));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &before, 60000));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &after, 60000));
	EXPECT_EQ(-ENOSPC, err) TH_LOG("doubling stopped with %lld", (long long)err);
	EXPECT_LE(after, max) TH_LOG("namespace holds %lld mounts, limit %lld",
				     (long long)after, (long long)max);
	EXPECT_EQ(before, after) TH_LOG("a refused recursive bind left mounts behind");
	EXPECT_LT(max / 4, after) TH_LOG("refused far below the limit");
	/* outside: our namespace is untouched and can still mount */
	EXPECT_EQ(mine, kisol_mnt_count(0));
	EXPECT_EQ(0, mount_marked(out));
}
KISOL_META(limit, mount_max_enospc_in_child_ns_only,
	   "sides=both;cve=CVE-2016-6213;commit=d29216842a85c7970c536108e093963f02714498")

KISOL_MAIN
