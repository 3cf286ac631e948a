// SPDX-License-Identifier: GPL-2.0-only
/*
 * User namespace id maps: what a privileged writer (root in the parent)
 * and an unprivileged process mapping itself may write to uid_map and
 * gid_map, malformed and overlapping maps (EINVAL), write-once (EPERM),
 * setgroups "deny" before an unprivileged gid_map, the map as read back
 * from inside and outside, and the ids a process sees before and after.
 */
#include <grp.h>

#include "kisol_test.h"

struct map_case {
	const char *file;  /* "uid_map" or "gid_map" */
	const char *map;   /* NULL: generated (see lines) */
	int lines;         /* generated map of this many one-id lines */
	int err;           /* expected errno of the write, 0 for success */
	bool twice;        /* write a valid map first, then this one */
	bool unpriv;       /* the process maps itself, unprivileged */
	bool deny;         /* write setgroups "deny" first (unpriv) */
};

FIXTURE(maps) {
	struct kisol_child child;
};

FIXTURE_VARIANT(maps) {
	struct map_case c;
};

#define BOTH(name, ...)                                                                      \
	FIXTURE_VARIANT_ADD(maps, uid_##name) { .c = { .file = "uid_map", __VA_ARGS__ } };  \
	FIXTURE_VARIANT_ADD(maps, gid_##name) { .c = { .file = "gid_map", __VA_ARGS__ } };

/* privileged writer */
BOTH(one_range, .map = "0 0 65536\n")
BOTH(two_ranges, .map = "0 0 10\n10 200000 10\n")
BOTH(max_340_extents, .lines = 340)
BOTH(too_many_341_extents, .lines = 341, .err = EINVAL)
BOTH(overlap_inside, .map = "0 100000 10\n5 200000 10\n", .err = EINVAL)
BOTH(overlap_outside, .map = "0 100000 10\n20 100005 10\n", .err = EINVAL)
BOTH(not_a_number, .map = "x 100000 1\n", .err = EINVAL)
BOTH(two_fields, .map = "0 100000\n", .err = EINVAL)
BOTH(zero_count, .map = "0 100000 0\n", .err = EINVAL)
BOTH(range_wraps, .map = "4294967290 0 10\n", .err = EINVAL)
BOTH(trailing_field, .map = "0 100000 1 7\n", .err = EINVAL)
BOTH(negative, .map = "-1 100000 1\n", .err = EINVAL)
BOTH(written_twice, .map = "0 100000 1\n", .twice = true, .err = EPERM)
/*
 * unprivileged writer, mapping itself: %1$u is its own id (KISOL_UNPRIV_UID
 * when the suite runs as root, else the user running it), %2$u the next one
 */
FIXTURE_VARIANT_ADD(maps, uid_unpriv_own_id) { .c = { "uid_map", "0 %1$u 1\n", .unpriv = true } };
FIXTURE_VARIANT_ADD(maps, uid_unpriv_root) { .c = { "uid_map", "0 0 1\n", .unpriv = true, .err = EPERM } };
FIXTURE_VARIANT_ADD(maps, uid_unpriv_range) { .c = { "uid_map", "0 %1$u 2\n", .unpriv = true, .err = EPERM } };
FIXTURE_VARIANT_ADD(maps, uid_unpriv_two_lines) { .c = { "uid_map", "0 %1$u 1\n1 %2$u 1\n", .unpriv = true, .err = EPERM } };
FIXTURE_VARIANT_ADD(maps, uid_unpriv_other_id) { .c = { "uid_map", "0 %2$u 1\n", .unpriv = true, .err = EPERM } };
FIXTURE_VARIANT_ADD(maps, gid_unpriv_without_deny) { .c = { "gid_map", "0 %1$u 1\n", .unpriv = true, .err = EPERM } };
FIXTURE_VARIANT_ADD(maps, gid_unpriv_with_deny) { .c = { "gid_map", "0 %1$u 1\n", .unpriv = true, .deny = true } };
FIXTURE_VARIANT_ADD(maps, gid_unpriv_other_id) { .c = { "gid_map", "0 %2$u 1\n", .unpriv = true, .deny = true, .err = EPERM } };

FIXTURE_SETUP(maps)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	NEED_NS(KISOL_NS_USER);
	if (variant->c.unpriv)
		NEED_USERNS_UNPRIV(-1);
	else
		NEED_ROOT_TO("write a map of ids other than its own");
}

FIXTURE_TEARDOWN(maps)
{
	kisol_child_release(&self->child);
}

static char *make_map(const struct map_case *c)
{
	size_t n = (size_t)c->lines * 16 + 1;
	char *m, *p;

	if (c->map && c->unpriv) {
		unsigned id = !strcmp(c->file, "uid_map") ? kisol_unpriv_uid() : kisol_unpriv_gid();

		return asprintf(&m, c->map, id, id + 1) < 0 ? NULL : m;
	}
	if (c->map)
		return strdup(c->map);
	m = calloc(1, n);
	if (!m)
		return NULL;
	p = m;
	/* short lines: the whole map must fit in one page */
	p += sprintf(p, "0 0 1\n");
	for (int i = 1; i < c->lines; i++)
		p += sprintf(p, "%d %d 1\n", i, 1000 + i);
	return m;
}

/* Parse a map as the kernel prints it (or as written): triples of numbers. */
static int parse_map(const char *s, unsigned long *v, int max)
{
	int n = 0;
	char *end;

	for (;;) {
		unsigned long x;

		while (*s == ' ' || *s == '\n' || *s == '\t')
			s++;
		if (!*s)
			return n;
		x = strtoul(s, &end, 10);
		if (end == s)
			return -1;
		if (n < max)
			v[n] = x;
		n++;
		s = end;
	}
}

/* Privileged: the child only reports what it is, after the parent's go. */
static int c_report(int sock, void *arg)
{
	int64_t go;

	if (kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS) < 0)
		return 1;
	kisol_send_int(sock, getuid());
	kisol_send_int(sock, getgid());
	kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS);
	return 0;
}

/* Unprivileged: map itself and report the errno of the write. */
static int c_self(int sock, void *arg)
{
	const struct map_case *c = arg;
	_cleanup_free_ char *map = NULL;
	char path[64];
	int64_t go;
	int r;

	r = kisol_become_unpriv();
	/* our own id known now (after the drop), unknown after the unshare */
	if (r == 0 && !(map = make_map(c)))
		r = -ENOMEM;
	if (r == 0 && unshare(CLONE_NEWUSER) < 0)
		r = -errno;
	if (r == 0 && c->deny)
		r = kisol_write_file("/proc/self/setgroups", "deny");
	if (r < 0) {
		kisol_send_int(sock, 1000 - r);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/%s", c->file);
	kisol_send_int(sock, -kisol_write_file(path, map));
	kisol_send_int(sock, getuid());
	kisol_send_int(sock, getgid());
	kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS);
	return 0;
}

TEST_F(maps, write_and_read_back)
{
	const struct map_case *c = &variant->c;
	struct kisol_spawn_opts o = { .flags = c->unpriv ? 0 : CLONE_NEWUSER, .cgroup_fd = -1 };
	_cleanup_free_ char *map = make_map(c);
	unsigned long want[1100], got[1100];
	char path[64], buf[32768];
	int64_t err, uid, gid, overflow;
	int nw, ng;

	ASSERT_NE(NULL, map);
	ASSERT_EQ(0, kisol_spawn(&o, c->unpriv ? c_self : c_report, (void *)c, &self->child));
	snprintf(path, sizeof(path), "/proc/%d/%s", self->child.pid, c->file);
	if (c->unpriv) {
		ASSERT_EQ(0, kisol_recv_int(self->child.sock, &err, KISOL_TIMEOUT_MS));
		ASSERT_GT(1000, err) TH_LOG("setup in the child failed: %s", strerror((int)err - 1000));
	} else {
		if (c->twice)
			ASSERT_EQ(0, kisol_userns_write_map(self->child.pid, c->file, "0 100000 1\n"));
		err = -kisol_userns_write_map(self->child.pid, c->file, map);
		ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
	}
	EXPECT_EQ(c->err, err) TH_LOG("writing %s gave %s", c->file, strerror((int)err));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &uid, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &gid, KISOL_TIMEOUT_MS));
	/* outside view of the map */
	ASSERT_LE(0, kisol_read_file(path, buf, sizeof(buf)));
	ng = parse_map(buf, got, 1100);
	if (c->err && !c->twice) {
		EXPECT_EQ(0, ng) TH_LOG("a refused map was installed: %s", buf);
		/* inside: still unmapped, seen as the overflow id */
		ASSERT_EQ(0, kisol_read_int64(!strcmp(c->file, "uid_map") ?
				"/proc/sys/kernel/overflowuid" : "/proc/sys/kernel/overflowgid",
				&overflow));
		EXPECT_EQ(overflow, !strcmp(c->file, "uid_map") ? uid : gid);
		return;
	}
	if (c->twice) {
		/* the first map stays */
		ASSERT_EQ(3, ng);
		EXPECT_EQ(100000ul, got[1]);
		return;
	}
	nw = parse_map(map, want, 1100);
	ASSERT_EQ(nw, ng);
	for (int i = 0; i < nw; i++)
		EXPECT_EQ(want[i], got[i]);
	/* inside: id 0 maps to the first range's outside id */
	EXPECT_EQ(0, !strcmp(c->file, "uid_map") ? uid : gid);
}

/* ---- setgroups ---- */

static int c_setgroups(int sock, void *arg)
{
	gid_t g = 0;
	int64_t go;

	if (kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS) < 0)
		return 1;
	kisol_send_int(sock, setgroups(1, &g) < 0 ? errno : 0);
	kisol_send_int(sock, setgroups(0, NULL) < 0 ? errno : 0);
	return 0;
}

TEST(setgroups_deny_blocks_setgroups_inside)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER, .cgroup_fd = -1 };
	char path[64], buf[16];
	int64_t v;

	NEED_NS(KISOL_NS_USER);
	ASSERT_EQ(0, kisol_spawn(&o, c_setgroups, NULL, &c));
	snprintf(path, sizeof(path), "/proc/%d/setgroups", c.pid);
	ASSERT_LT(0, kisol_read_file(path, buf, sizeof(buf)));
	EXPECT_STREQ("allow\n", buf);
	/* our own ids: what any user may map after setgroups "deny" */
	ASSERT_EQ(0, kisol_userns_map_root(c.pid, geteuid(), getegid(), true));
	ASSERT_LT(0, kisol_read_file(path, buf, sizeof(buf)));
	EXPECT_STREQ("deny\n", buf);
	/* deny is final */
	EXPECT_EQ(-EPERM, kisol_userns_setgroups(c.pid, "allow"));
	ASSERT_EQ(0, kisol_send_int(c.sock, 1));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(EPERM, v);
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(EPERM, v);
	/* outside: our own groups call still works */
	EXPECT_LE(0, getgroups(0, NULL));
}

TEST(setgroups_allowed_with_privileged_gid_map)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER, .cgroup_fd = -1 };
	int64_t v;

	NEED_NS(KISOL_NS_USER);
	NEED_ROOT_TO("write a gid_map without setgroups \"deny\"");
	ASSERT_EQ(0, kisol_spawn(&o, c_setgroups, NULL, &c));
	ASSERT_EQ(0, kisol_userns_map_root(c.pid, 0, 0, false));
	/* setgroups cannot be changed once gid_map is written */
	EXPECT_EQ(-EPERM, kisol_userns_setgroups(c.pid, "deny"));
	ASSERT_EQ(0, kisol_send_int(c.sock, 1));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, v);
}

KISOL_META(global, setgroups_deny_blocks_setgroups_inside,
	   "sides=both;cve=CVE-2014-8989;commit=9cc46516ddf4;ref=userns: Add a knob to disable setgroups on a per user namespace basis")
KISOL_META(global, setgroups_allowed_with_privileged_gid_map, "sides=one: what the process inside may do once a privileged gid_map is written;cve=CVE-2014-8989;commit=66d2f338ee4c")
KISOL_META(maps, write_and_read_back, "sides=both;commit=66d2f338ee4c;ref=unprivileged gid_map only after setgroups deny")

KISOL_MAIN
