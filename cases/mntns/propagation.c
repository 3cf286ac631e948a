// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mount namespaces: propagation between a namespace and its copy. A tree
 * A (with a submount B) is made recursively shared, a new mount namespace
 * copies it (its A and B join the peer groups), then the copy changes its
 * A to shared / slave / private / unbindable, with or without MS_REC.
 * Expected, per level L (A always; B only with MS_REC, else B stays shared):
 *   shared:      events flow both ways
 *   slave:       parent -> copy only
 *   private:     neither way
 *   unbindable:  neither way, and bind mounts of it are refused
 * Checked from both sides: marker files of new tmpfs mounts, and the
 * shared:/master:/unbindable tags of mountinfo. Separation in every
 * variant: the agent's mount namespace is not ours (agent_start), and
 * mounts on the private scratch outside A never cross in either direction.
 */
#include "kisol_test.h"
#include "mntns/agent.h"

FIXTURE(prop) {
	char s[PATH_MAX];
	char a[PATH_MAX + 8], b[PATH_MAX + 16];
	struct kisol_child agent;
};
FIXTURE_VARIANT(prop) {
	const char *type;
	bool rec;
};
/* each event or tag seen from the copy and from the parent */
KISOL_META_FIXTURE(prop, "sides=both")
FIXTURE_VARIANT_ADD(prop, shared_rec) { "shared", true };
FIXTURE_VARIANT_ADD(prop, shared) { "shared", false };
FIXTURE_VARIANT_ADD(prop, slave_rec) { "slave", true };
FIXTURE_VARIANT_ADD(prop, slave) { "slave", false };
FIXTURE_VARIANT_ADD(prop, private_rec) { "private", true };
FIXTURE_VARIANT_ADD(prop, private) { "private", false };
FIXTURE_VARIANT_ADD(prop, unbindable_rec) { "unbindable", true };
FIXTURE_VARIANT_ADD(prop, unbindable) { "unbindable", false };

FIXTURE_SETUP(prop)
{
	struct kisol_child init = KISOL_CHILD_INIT;
	char x[PATH_MAX + 32];
	int r;

	self->agent = init;
	self->s[0] = '\0';
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	NEED_NS(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("mntns", "size=1m", self->s, sizeof(self->s)));
	snprintf(self->a, sizeof(self->a), "%s/A", self->s);
	snprintf(self->b, sizeof(self->b), "%s/A/B", self->s);
	ASSERT_EQ(0, mkdir(self->a, 0755));
	ASSERT_EQ(0, mount_marked(self->a));
	ASSERT_EQ(0, mkdir(self->b, 0755));
	ASSERT_EQ(0, mount_marked(self->b));
	snprintf(x, sizeof(x), "%s/x", self->a);
	ASSERT_EQ(0, mkdir(x, 0755));
	snprintf(x, sizeof(x), "%s/y", self->a);
	ASSERT_EQ(0, mkdir(x, 0755));
	snprintf(x, sizeof(x), "%s/x", self->b);
	ASSERT_EQ(0, mkdir(x, 0755));
	ASSERT_EQ(0, kisol_mnt_set_propagation(self->a, MS_SHARED, true));
	snprintf(x, sizeof(x), "%s/ctl", self->s);
	ASSERT_EQ(0, mkdir(x, 0755));
	snprintf(x, sizeof(x), "%s/r", self->s);
	ASSERT_EQ(0, mkdir(x, 0755));
	r = agent_start(&self->agent, false, NULL);
	ASSERT_EQ(0, r) TH_LOG("agent: %s", strerror(-r));
	r = agent_req(self->agent.sock, "prop %s %s %d", self->a, variant->type, variant->rec);
	ASSERT_EQ(0, r) TH_LOG("agent: make-%s%s: %s", variant->rec ? "r" : "", variant->type,
			       strerror(-r));
}

FIXTURE_TEARDOWN(prop)
{
	kisol_child_release(&self->agent);
	if (self->s[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->s));
}

/* Propagation type of level 'a' (true) or 'b' in the copy. */
static const char *type_at(const FIXTURE_VARIANT(prop) *v, bool level_a)
{
	return level_a || v->rec ? v->type : "shared";
}

static bool receives(const char *t)
{
	return !strcmp(t, "shared") || !strcmp(t, "slave");
}

static bool sends(const char *t)
{
	return !strcmp(t, "shared");
}

static void parent_mounts(struct __test_metadata *_metadata, FIXTURE_DATA(prop) *self,
			  const FIXTURE_VARIANT(prop) *variant, bool level_a)
{
	char x[PATH_MAX + 32];
	const char *t = type_at(variant, level_a);
	int seen;

	snprintf(x, sizeof(x), "%s/x", level_a ? self->a : self->b);
	ASSERT_EQ(0, mount_marked(x));
	seen = agent_req(self->agent.sock, "exists %s/marker", x);
	EXPECT_EQ(receives(t) ? 0 : -ENOENT, seen)
		TH_LOG("%s copy: parent's mount %s", t, seen ? "not received" : "received");
	EXPECT_TRUE(marked(x));
	/* control: a mount on the private scratch stays ours */
	snprintf(x, sizeof(x), "%s/ctl", self->s);
	ASSERT_EQ(0, mount_marked(x));
	EXPECT_EQ(-ENOENT, agent_req(self->agent.sock, "exists %s/marker", x))
		TH_LOG("the copy sees a mount on our private scratch: one namespace?");
}

static void agent_mounts(struct __test_metadata *_metadata, FIXTURE_DATA(prop) *self,
			 const FIXTURE_VARIANT(prop) *variant, bool level_a)
{
	char x[PATH_MAX + 32];
	const char *t = type_at(variant, level_a);

	snprintf(x, sizeof(x), "%s/x", level_a ? self->a : self->b);
	ASSERT_EQ(0, agent_req(self->agent.sock, "mount %s", x));
	EXPECT_EQ(0, agent_req(self->agent.sock, "exists %s/marker", x));
	EXPECT_EQ(sends(t), marked(x)) TH_LOG("%s copy: agent's mount %s the parent", t,
					      marked(x) ? "reached" : "did not reach");
	/* control: a mount on the copy's private scratch stays the copy's */
	snprintf(x, sizeof(x), "%s/ctl", self->s);
	ASSERT_EQ(0, agent_req(self->agent.sock, "mount %s", x));
	EXPECT_FALSE(marked(x)) TH_LOG("the copy's mount on its private scratch reached us");
}

TEST_F(prop, parent_mount_in_a_reaches_copy)
{
	parent_mounts(_metadata, self, variant, true);
}

TEST_F(prop, parent_mount_in_b_reaches_copy)
{
	parent_mounts(_metadata, self, variant, false);
}

TEST_F(prop, copy_mount_in_a_reaches_parent)
{
	agent_mounts(_metadata, self, variant, true);
}

TEST_F(prop, copy_mount_in_b_reaches_parent)
{
	agent_mounts(_metadata, self, variant, false);
}

static void check_tags(struct __test_metadata *_metadata, const char *t, const char *info)
{
	int shared, master, unb, id;

	ASSERT_EQ(4, sscanf(info, "%d %d %d %d", &shared, &master, &unb, &id)) TH_LOG("%s", info);
	EXPECT_EQ(!strcmp(t, "shared"), shared > 0) TH_LOG("%s: %s", t, info);
	EXPECT_EQ(!strcmp(t, "slave"), master > 0) TH_LOG("%s: %s", t, info);
	EXPECT_EQ(!strcmp(t, "unbindable"), unb) TH_LOG("%s: %s", t, info);
}

TEST_F(prop, mountinfo_tags_inside_and_outside)
{
	struct kisol_mnt_info mine, mine_a, theirs;
	char info[128];

	ASSERT_LT(0, agent_req_str(self->agent.sock, info, sizeof(info), "info %s", self->a));
	check_tags(_metadata, type_at(variant, true), info);
	ASSERT_LT(0, agent_req_str(self->agent.sock, info, sizeof(info), "info %s", self->b));
	check_tags(_metadata, type_at(variant, false), info);
	/* outside: the parent's A and B are still shared */
	ASSERT_EQ(0, kisol_mnt_info(0, self->a, &mine_a));
	EXPECT_LT(0, mine_a.shared);
	EXPECT_FALSE(mine_a.unbindable);
	ASSERT_EQ(0, kisol_mnt_info(0, self->b, &mine));
	EXPECT_LT(0, mine.shared);
	/* the parent reads the copy's table through /proc/PID/mountinfo */
	ASSERT_EQ(0, kisol_mnt_info(self->agent.pid, self->a, &theirs));
	if (!strcmp(variant->type, "slave")) {
		EXPECT_EQ(mine_a.shared, theirs.master) TH_LOG("slave of another group");
	} else if (!strcmp(variant->type, "shared")) {
		EXPECT_EQ(mine_a.shared, theirs.shared) TH_LOG("copy left the peer group");
	} else {
		EXPECT_EQ(0, theirs.shared + theirs.master);
	}
}

TEST_F(prop, bind_refused_only_when_unbindable)
{
	char y[PATH_MAX + 32];
	bool unb = !strcmp(variant->type, "unbindable");

	snprintf(y, sizeof(y), "%s/y", self->a);
	/* bind B (a submount) inside the copy: its type decides */
	EXPECT_EQ(unb && variant->rec ? -EINVAL : 0,
		  agent_req(self->agent.sock, "bind %s %s 0", self->b, y));
	/* the parent's own B stays bindable */
	EXPECT_EQ(0, kisol_mnt_bind(self->b, y, false));
}

/*
 * A recursive bind copies a tree without its unbindable mounts (and what
 * is below them). Inside: the copy binds the scratch S recursively onto
 * S/r and sees A (and B under it) only where they are bindable there.
 * Outside: that bind (on our private S) did not reach us, and the same
 * recursive bind here still copies our A and B: the copy's change of
 * type did not leak back. Binding the unbindable A itself is refused.
 */
TEST_F(prop, recursive_bind_of_a_skips_unbindable)
{
	bool a_ok = strcmp(type_at(variant, true), "unbindable") != 0;
	bool b_ok = a_ok && strcmp(type_at(variant, false), "unbindable") != 0;
	char r[PATH_MAX + 32], y[PATH_MAX + 64];

	snprintf(r, sizeof(r), "%s/r", self->s);
	ASSERT_EQ(0, agent_req(self->agent.sock, "bind %s %s 1", self->s, r));
	EXPECT_EQ(0, agent_req(self->agent.sock, "exists %s/A", r)) TH_LOG("the bind copied nothing");
	EXPECT_EQ(a_ok ? 0 : -ENOENT, agent_req(self->agent.sock, "exists %s/A/marker", r))
		TH_LOG("A (%s) in the copy's recursive bind", type_at(variant, true));
	EXPECT_EQ(b_ok ? 0 : -ENOENT, agent_req(self->agent.sock, "exists %s/A/B/marker", r))
		TH_LOG("B (%s) in the copy's recursive bind", type_at(variant, false));
	/* outside */
	snprintf(y, sizeof(y), "%s/A", r);
	EXPECT_NE(0, access(y, F_OK)) TH_LOG("the copy's bind on our private scratch reached us");
	ASSERT_EQ(0, kisol_mnt_bind(self->s, r, true));
	EXPECT_TRUE(marked(y));
	snprintf(y, sizeof(y), "%s/A/B", r);
	EXPECT_TRUE(marked(y));
	/* binding the unbindable A itself is refused */
	snprintf(y, sizeof(y), "%s/x", self->b);
	EXPECT_EQ(strcmp(variant->type, "unbindable") ? 0 : -EINVAL,
		  agent_req(self->agent.sock, "bind %s %s 1", self->a, y));
}

KISOL_MAIN
