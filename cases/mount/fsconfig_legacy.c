// SPDX-License-Identifier: GPL-2.0-only
/*
 * CVE-2022-0185: fsconfig() feeds the VFS "legacy" fs context (filesystems
 * without their own parser) one parameter at a time; it collects them into
 * one page. The bound was computed as PAGE_SIZE - 2 - size in unsigned
 * arithmetic, so once a run of accepted parameters had filled the page to
 * PAGE_SIZE - 1 bytes the next parameter passed the check and was copied
 * past the page (heap overflow reachable by any user who can create a user
 * namespace: fsopen() only needs CAP_SYS_ADMIN over the caller's mount
 * namespace). Introduced with legacy_parse_param in 5.1 (3e1aeb00e6d1,
 * reachable through fsconfig since 5.2), fixed by 722d94847de2 (5.17,
 * 5.16.2, 5.15.16, 5.10.93, 5.4.173).
 *
 * SAFETY: these cases never add a parameter to a context holding more than
 * PAGE_SIZE - 2 bytes, the only state in which the vulnerable check wraps.
 * Fixed and vulnerable kernels take the same decisions on every call made
 * here; no call can write past the page on either. A vulnerable kernel is
 * reported by its release (cve_2022_0185_release_carries_fix), never
 * triggered.
 */
#include <linux/mount.h>
#include <sys/utsname.h>

#include "kisol_test.h"
#include "kisol/mount.h"

#define PAGE 4096
#define CHUNK 200 /* value bytes per filler parameter (fsconfig takes at most 256) */

/* What the child saw, every error as -errno. */
struct legacy_report {
	int find;          /* kisol_mnt_legacy_fstype() */
	char fstype[64];
	int fill;          /* first failing filler parameter, 0 if all accepted */
	int size;          /* bytes the context holds before the last parameter */
	int last;          /* the parameter that fits exactly / is one byte too long */
	char log[256];     /* the fs context's messages after the last parameter */
};

/*
 * Add parameters "a=xxx..." (no leading comma for the first, one before
 * each following) while more than 250 bytes stay below PAGE_SIZE - 2.
 * Returns the bytes held (at most PAGE_SIZE - 2 - 47), or -errno.
 */
static int fill(int fd)
{
	char v[CHUNK + 1];
	int size = 0, r;

	memset(v, 'x', CHUNK);
	v[CHUNK] = '\0';
	while (PAGE - 2 - size > 250) {
		r = kisol_mnt_fsconfig(fd, FSCONFIG_SET_STRING, "a", v, 0);
		if (r < 0)
			return r;
		size += (size ? 1 : 0) + 2 + CHUNK;
	}
	return size;
}

/*
 * One context: fill it, then add "a=<n x>" whose length brings the total
 * (with its comma and the final NUL) to PAGE_SIZE + extra bytes.
 */
static void last_param(struct legacy_report *rep, int extra)
{
	_cleanup_close_ int fd = kisol_mnt_fsopen(rep->fstype, FSOPEN_CLOEXEC);
	char v[256];
	int len, n;

	if (fd < 0) {
		rep->fill = fd;
		return;
	}
	rep->size = fill(fd);
	if (rep->size < 0) {
		rep->fill = rep->size;
		kisol_mnt_fs_log(fd, rep->log, sizeof(rep->log));
		return;
	}
	/* the kernel refuses when size + len + 2 > PAGE_SIZE, len = "a=" + value */
	len = PAGE - 2 - rep->size + extra;
	n = len - 2;
	memset(v, 'y', n);
	v[n] = '\0';
	rep->last = kisol_mnt_fsconfig(fd, FSCONFIG_SET_STRING, "a", v, 0);
	kisol_mnt_fs_log(fd, rep->log, sizeof(rep->log));
}

struct legacy_arg {
	int extra;
};

static int legacy_child(int sock, void *p)
{
	const struct legacy_arg *a = p;
	struct legacy_report rep = { 0 };

	rep.find = kisol_mnt_legacy_fstype(rep.fstype, sizeof(rep.fstype));
	if (rep.find == 0)
		last_param(&rep, a->extra);
	return kisol_send(sock, &rep, sizeof(rep)) < 0 ? 91 : 0;
}

FIXTURE(legacy) {
	struct kisol_child child;
};

FIXTURE_VARIANT(legacy) {
	bool unpriv; /* an ordinary user in a user namespace it created */
};

FIXTURE_VARIANT_ADD(legacy, root) { .unpriv = false };
FIXTURE_VARIANT_ADD(legacy, unprivileged_userns) { .unpriv = true };

FIXTURE_SETUP(legacy)
{
	self->child = (struct kisol_child)KISOL_CHILD_INIT;
	if (variant->unpriv)
		NEED_USERNS_UNPRIV(KISOL_NS_MNT);
	else
		NEED_ROOT_TO("fsopen outside a user namespace (unprivileged_userns does it inside one)");
}

FIXTURE_TEARDOWN(legacy)
{
	kisol_child_release(&self->child);
}

/*
 * Run the child (unprivileged: in new user+mount namespaces) and fetch its
 * report; false when the test was skipped.
 */
static bool run_legacy(struct __test_metadata *_metadata, FIXTURE_DATA(legacy) *self,
		       const FIXTURE_VARIANT(legacy) *variant, int extra,
		       struct legacy_report *rep)
{
	struct kisol_spawn_opts o = { .cgroup_fd = -1 };
	struct legacy_arg a = { .extra = extra };
	int r;

	if (variant->unpriv) {
		o.flags = CLONE_NEWUSER | CLONE_NEWNS;
		o.map_root = true;
		o.unpriv = true;
	}
	ASSERT_EQ(0, kisol_spawn(&o, legacy_child, &a, &self->child));
	r = kisol_recv(self->child.sock, rep, sizeof(*rep), KISOL_TIMEOUT_MS);
	ASSERT_EQ((int)sizeof(*rep), r) TH_LOG("no report from the child: %s", strerror(-r));
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
	if (rep->find == -ENOSYS)
		SKIP(return false, "fsopen gives ENOSYS (5.2+)");
	if (rep->find == -ENOENT)
		SKIP(return false, "no registered filesystem uses the VFS legacy fs context "
			     "(each has its own parser): legacy_parse_param is unreachable");
	ASSERT_EQ(0, rep->find) TH_LOG("looking for a legacy filesystem: %s", strerror(-rep->find));
	ASSERT_EQ(0, rep->fill) TH_LOG("%s: filler parameter refused: %s (%s)", rep->fstype,
				       strerror(-rep->fill), rep->log);
	TH_LOG("legacy filesystem %s, %d bytes before the last parameter", rep->fstype, rep->size);
	return true;
}

/*
 * A parameter that brings the collected options to exactly one page (its
 * comma, its bytes and the final NUL) is accepted: the bound is the page,
 * not less.
 */
TEST_F(legacy, page_exactly_full_accepted)
{
	struct legacy_report rep;

	if (!run_legacy(_metadata, self, variant, 0, &rep))
		return;
	EXPECT_EQ(0, rep.last) TH_LOG("%s: %s", strerror(-rep.last), rep.log);
}
KISOL_META(legacy, page_exactly_full_accepted, "cve=CVE-2022-0185;commit=722d94847de2")

/* One byte more is refused with EINVAL and the legacy shim's own message. */
TEST_F(legacy, page_plus_one_refused)
{
	struct legacy_report rep;

	if (!run_legacy(_metadata, self, variant, 1, &rep))
		return;
	EXPECT_EQ(-EINVAL, rep.last) TH_LOG("a parameter past the page gave %s",
					    rep.last ? strerror(-rep.last) : "success");
	EXPECT_NE(NULL, strstr(rep.log, "Cumulative options too large")) TH_LOG("log: %s", rep.log);
}
KISOL_META(legacy, page_plus_one_refused, "cve=CVE-2022-0185;commit=722d94847de2")

/*
 * The fix cannot be told apart from the bug without overflowing the page,
 * so a vulnerable kernel is recognised by its release: upstream 5.2 up to
 * the first release carrying 722d94847de2 in each stable line. A
 * distribution kernel that backported the fix without the stable number
 * is reported too: the message says so.
 */
static bool release_vulnerable(const char *rel)
{
	static const struct { int maj, min, fixed_patch; } fixed[] = {
		{ 5, 4, 173 }, { 5, 10, 93 }, { 5, 15, 16 }, { 5, 16, 2 },
	};
	int maj = 0, min = 0, patch = 0;

	if (sscanf(rel, "%d.%d.%d", &maj, &min, &patch) < 2)
		return false;
	if (maj != 5 || min < 2 || min > 16)
		return false;
	for (size_t i = 0; i < KISOL_ARRAY_SIZE(fixed); i++)
		if (fixed[i].min == min)
			return patch < fixed[i].fixed_patch;
	return true; /* a non-LTS 5.x line that ended before the fix */
}

TEST(cve_2022_0185_release_carries_fix)
{
	struct utsname u;
	char fs[64], why[256];
	int r;

	ASSERT_EQ(0, uname(&u));
	/* the release check itself, on known values */
	ASSERT_TRUE(release_vulnerable("5.15.15-generic"));
	ASSERT_FALSE(release_vulnerable("5.15.16"));
	ASSERT_TRUE(release_vulnerable("5.11.0"));
	ASSERT_FALSE(release_vulnerable("5.17.0"));
	ASSERT_FALSE(release_vulnerable("5.1.21"));
	if (!release_vulnerable(u.release))
		return;
	r = kisol_mnt_legacy_fstype(fs, sizeof(fs));
	if (r < 0) {
		TH_LOG("release %s predates 722d94847de2, but no filesystem here uses the legacy "
		       "fs context (%s): not reachable", u.release, strerror(-r));
		return;
	}
	r = kisol_need_userns_unpriv(KISOL_NS_MNT, why, sizeof(why));
	EXPECT_NE(0, r) TH_LOG("VULNERABLE (CVE-2022-0185, not triggered): release %s predates "
			       "722d94847de2, %s uses the legacy fs context and ordinary users can "
			       "create user+mount namespaces (unless a distribution backport "
			       "carries the fix under an older number)", u.release, fs);
	if (r)
		TH_LOG("release %s predates 722d94847de2 (%s); only root reaches it: %s",
		       u.release, fs, why);
}
KISOL_META(global, cve_2022_0185_release_carries_fix, "cve=CVE-2022-0185;commit=722d94847de2")

KISOL_META_FIXTURE(legacy, "sides=one: the bound of one fs context has no outside view")
KISOL_META_FIXTURE(global, "sides=one: a release check, nothing is isolated")

KISOL_MAIN
