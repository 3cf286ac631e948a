// SPDX-License-Identifier: GPL-2.0-only
/*
 * statmount(2) and listmount(2) (46eae99ef733 and b4c2bea8ceaa, 6.8) see
 * the caller's mount namespace: a new mount shows with its type, mount
 * point and options and in the list, and is invisible from the namespace
 * it was hidden from. Another namespace is reachable by its id (6.11) only
 * with CAP_SYS_ADMIN over its owner: an ordinary user in a user namespace
 * of its own gets ENOENT from listmount and EPERM from statmount for the
 * host's namespace, while its own works (selftests filesystems/statmount,
 * LTP statmount, listmount).
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include "kisol_test.h"
#include "kisol/mount.h"

#define SM_SIZE 8192
#define MAX_IDS 4096

static uint64_t ids[MAX_IDS];

static bool listed(uint64_t id, const uint64_t *v, int n)
{
	for (int i = 0; i < n; i++)
		if (v[i] == id)
			return true;
	return false;
}

FIXTURE(sm) {
	char dir[PATH_MAX];
	char a[PATH_MAX + 8];
	uint64_t a_id, outer_ns, inner_ns;
	struct kisol_statmount *buf;
	int outer; /* keeps the outer namespace alive (rootless: no process is left in it) */
};

/* Remember our mount namespace, make a private one with a tmpfs at dir/a. */
FIXTURE_SETUP(sm)
{
	_cleanup_close_ int inner = -1;
	int r;

	self->dir[0] = '\0';
	self->buf = NULL;
	self->outer = -EBADF;
	/* rootless: the outer mount namespace is one its user namespace owns */
	NEED_ROOT_OR_OWN_USERNS_WITH(KISOL_NS_MNT, CLONE_NEWNS);
	self->outer = kisol_ns_open(0, KISOL_NS_MNT);
	ASSERT_LE(0, self->outer);
	r = kisol_mnt_listmount(KISOL_LSMT_ROOT, 0, ids, 1);
	if (r == -ENOSYS)
		SKIP(return, "listmount gives ENOSYS (6.8+, b4c2bea8ceaa)");
	r = kisol_ns_get_id(self->outer, &self->outer_ns);
	if (r == -ENOTTY)
		SKIP(return, "no mount namespace id (NS_GET_MNTNS_ID 6.10+, NS_GET_ID 6.18+)");
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, kisol_mnt_isolate());
	inner = kisol_ns_open(0, KISOL_NS_MNT);
	ASSERT_LE(0, inner);
	ASSERT_EQ(0, kisol_ns_get_id(inner, &self->inner_ns));
	ASSERT_NE(self->outer_ns, self->inner_ns);
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("sm", "mode=0755", self->dir, sizeof(self->dir)));
	snprintf(self->a, sizeof(self->a), "%s/a", self->dir);
	ASSERT_EQ(0, mkdir(self->a, 0755));
	ASSERT_EQ(0, kisol_mnt_tmpfs(self->a, "size=1m,mode=0711"));
	ASSERT_EQ(0, kisol_mnt_unique_id(self->a, &self->a_id));
	self->buf = calloc(1, SM_SIZE);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(sm)
{
	free(self->buf);
	if (self->outer >= 0)
		close(self->outer);
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->dir));
}

/* The new mount as statmount describes it matches what we mounted and mountinfo. */
TEST_F(sm, statmount_describes_new_mount)
{
	struct kisol_mnt_info m;
	struct kisol_statmount *s = self->buf;
	uint64_t want = KISOL_STATMOUNT_SB_BASIC | KISOL_STATMOUNT_MNT_BASIC | KISOL_STATMOUNT_FS_TYPE |
			KISOL_STATMOUNT_MNT_POINT | KISOL_STATMOUNT_MNT_OPTS | KISOL_STATMOUNT_MNT_NS_ID;
	int r;

	r = kisol_mnt_statmount(self->a_id, 0, want, s, SM_SIZE);
	ASSERT_EQ(0, r) TH_LOG("statmount: %s", strerror(-r));
	ASSERT_EQ(0, kisol_mnt_info(0, self->a, &m));
	EXPECT_EQ(self->a_id, s->mnt_id);
	EXPECT_EQ((uint32_t)m.mnt_id, s->mnt_id_old);
	if (s->mask & KISOL_STATMOUNT_FS_TYPE)
		EXPECT_STREQ("tmpfs", s->str + s->fs_type);
	if (s->mask & KISOL_STATMOUNT_MNT_POINT)
		EXPECT_STREQ(self->a, s->str + s->mnt_point);
	if (s->mask & KISOL_STATMOUNT_MNT_OPTS)
		EXPECT_NE(NULL, strstr(s->str + s->mnt_opts, "size=1024k")) TH_LOG("%s", s->str + s->mnt_opts);
	if (s->mask & KISOL_STATMOUNT_MNT_NS_ID)
		EXPECT_EQ(self->inner_ns, s->mnt_ns_id);
}
KISOL_META(sm, statmount_describes_new_mount, "commit=46eae99ef733")

/*
 * listmount of our namespace holds the new mount (and at least what
 * mountinfo shows); the namespace we came from does not hold it, and statmount
 * of it there gives ENOENT.
 */
TEST_F(sm, new_mount_only_in_its_namespace)
{
	int n, r;

	n = kisol_mnt_listmount(KISOL_LSMT_ROOT, 0, ids, MAX_IDS);
	ASSERT_LT(0, n);
	EXPECT_TRUE(listed(self->a_id, ids, n));
	/* at least every mount mountinfo shows below our root */
	EXPECT_LE(kisol_mnt_count(0) - 1, n);
	n = kisol_mnt_listmount(KISOL_LSMT_ROOT, self->outer_ns, ids, MAX_IDS);
	if (n == -EINVAL)
		SKIP(return, "listmount of another namespace refused (EINVAL): 6.11+");
	ASSERT_LT(0, n) TH_LOG("listmount of the outer namespace: %s", strerror(-n));
	EXPECT_FALSE(listed(self->a_id, ids, n)) TH_LOG("a private mount is listed in the outer namespace");
	r = kisol_mnt_statmount(self->a_id, self->outer_ns, KISOL_STATMOUNT_MNT_BASIC, self->buf, SM_SIZE);
	EXPECT_EQ(-ENOENT, r);
}
KISOL_META(sm, new_mount_only_in_its_namespace, "commit=b4c2bea8ceaa")

struct foreign_report {
	int64_t own_list, own_stat; /* > 0 / 0 on the user's own namespace */
	int64_t host_list, host_stat;
};

struct foreign_arg {
	uint64_t host_ns, host_mnt;
};

/* An ordinary user in its own user+mount namespaces. */
static int foreign(int sock, void *p)
{
	const struct foreign_arg *a = p;
	struct foreign_report r = { 0 };
	struct kisol_statmount *s = calloc(1, SM_SIZE);
	_cleanup_close_ int own = kisol_ns_open(0, KISOL_NS_MNT);
	uint64_t own_ns = 0;

	if (!s || own < 0 || kisol_ns_get_id(own, &own_ns) < 0)
		return 90;
	r.own_list = kisol_mnt_listmount(KISOL_LSMT_ROOT, own_ns, ids, MAX_IDS);
	r.own_stat = r.own_list > 0 ? kisol_mnt_statmount(ids[0], own_ns, KISOL_STATMOUNT_MNT_BASIC, s,
							   SM_SIZE) : -ENODATA;
	r.host_list = kisol_mnt_listmount(KISOL_LSMT_ROOT, a->host_ns, ids, MAX_IDS);
	r.host_stat = kisol_mnt_statmount(a->host_mnt, a->host_ns, KISOL_STATMOUNT_MNT_BASIC, s, SM_SIZE);
	free(s);
	return kisol_send(sock, &r, sizeof(r)) < 0 ? 91 : 0;
}

TEST_F(sm, other_namespace_needs_cap_over_its_owner)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER | CLONE_NEWNS, .cgroup_fd = -1,
				      .map_root = true, .unpriv = true };
	_cleanup_child_ struct kisol_child k = KISOL_CHILD_INIT;
	struct foreign_arg a = { .host_ns = self->inner_ns, .host_mnt = self->a_id };
	struct foreign_report r;
	int n;

	NEED_USERNS_UNPRIV(KISOL_NS_MNT);
	/* control: root reaches the namespace by id */
	n = kisol_mnt_listmount(KISOL_LSMT_ROOT, self->inner_ns, ids, MAX_IDS);
	if (n == -EINVAL)
		SKIP(return, "listmount of another namespace refused (EINVAL): 6.11+");
	ASSERT_LT(0, n);
	ASSERT_EQ(0, kisol_spawn(&o, foreign, &a, &k));
	n = kisol_recv(k.sock, &r, sizeof(r), KISOL_TIMEOUT_MS);
	ASSERT_EQ((int)sizeof(r), n);
	EXPECT_LT(0, r.own_list) TH_LOG("own namespace: %s", strerror((int)-r.own_list));
	EXPECT_EQ(0, r.own_stat);
	EXPECT_EQ(-ENOENT, r.host_list);
	EXPECT_EQ(-EPERM, r.host_stat);
}
KISOL_META(sm, other_namespace_needs_cap_over_its_owner, "commit=b4c2bea8ceaa")

KISOL_META_FIXTURE(sm, "sides=both")

KISOL_MAIN
