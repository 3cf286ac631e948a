// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/overlay.c and lib/overlay_*.c: layers, mounting, probing,
 * markers, trees, snapshots and comparison, the model's operations, and
 * the error paths; the model check must catch a planted difference.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "kisol_test.h"
#include "kisol/mount.h"
#include "kisol/overlay.h"
#include "overlay/ovl_view.h"

FIXTURE(lo) {
	struct kisol_ovl o;
};

FIXTURE_SETUP(lo)
{
	struct kisol_ovl_layout l = { .nlower = 2, .upper_tmpfs = true };

	kisol_ovl_zero(&self->o);
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_ovl_init(&self->o, &l));
}

FIXTURE_TEARDOWN(lo)
{
	kisol_ovl_cleanup(&self->o);
}

/* user.* xattrs on dir's filesystem (tmpfs has them since 6.6)? */
static bool user_xattrs(const char *dir)
{
	char p[PATH_MAX + 32];
	bool ok;
	int fd;

	snprintf(p, sizeof(p), "%s/.probe", dir);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	close(fd);
	ok = lsetxattr(p, "user.kisol-probe", "1", 1, 0) == 0;
	unlink(p);
	return ok;
}

#define NEED_USER_XATTRS(dir)                                                          \
	do {                                                                           \
		if (!user_xattrs(dir))                                                 \
			SKIP(return, "user.* xattrs unsupported on the upper filesystem " \
				     "(EOPNOTSUPP; tmpfs has them since 6.6)");          \
	} while (0)

static int put(const char *dir, const char *name, const char *data)
{
	char p[PATH_MAX + 64];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (data && write(fd, data, strlen(data)) < 0) {
		close(fd);
		return -errno;
	}
	close(fd);
	return 0;
}

TEST_F(lo, init_layout_and_options)
{
	struct kisol_ovl_layout l = { .nlower = 2, .ndata = 1 };
	char opts[4 * PATH_MAX], want[6 * PATH_MAX];
	struct kisol_ovl d;
	struct stat st;

	EXPECT_EQ(0, stat(self->o.lower[1], &st));
	EXPECT_EQ(1, kisol_mnt_is_mountpoint(self->o.upperfs));
	EXPECT_TRUE(self->o.has_upper);
	ASSERT_EQ(0, kisol_ovl_options(&self->o, "index=on", opts, sizeof(opts)));
	snprintf(want, sizeof(want), "lowerdir=%s:%s,upperdir=%s,workdir=%s,index=on",
		 self->o.lower[0], self->o.lower[1], self->o.upper, self->o.work);
	EXPECT_STREQ(want, opts);
	EXPECT_EQ(-ENAMETOOLONG, kisol_ovl_options(&self->o, NULL, opts, 16));
	EXPECT_EQ(-EINVAL, kisol_ovl_options(NULL, NULL, opts, sizeof(opts)));
	/* data-only layers follow "::" */
	ASSERT_EQ(0, kisol_ovl_init(&d, &l));
	EXPECT_EQ(0, stat(d.data[0], &st));
	EXPECT_EQ(0, kisol_ovl_options(&d, NULL, opts, sizeof(opts)));
	snprintf(want, sizeof(want), "lowerdir=%s:%s::%s,upperdir=%s,workdir=%s", d.lower[0],
		 d.lower[1], d.data[0], d.upper, d.work);
	EXPECT_STREQ(want, opts);
	kisol_ovl_cleanup(&d);
}

TEST(init_rejects_bad_layouts)
{
	const struct kisol_ovl_layout bad[] = {
		{ .nlower = 0 }, { .nlower = KISOL_OVL_MAX_LOWER + 1 },
		{ .nlower = 1, .ndata = KISOL_OVL_MAX_DATA + 1 },
		{ .nlower = 1, .no_upper = true, .upper_tmpfs = true },
	};
	struct kisol_ovl o;
	size_t i;

	for (i = 0; i < KISOL_ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, kisol_ovl_init(&o, &bad[i])) TH_LOG("layout %zu", i);
	}
	EXPECT_EQ(-EINVAL, kisol_ovl_init(NULL, &bad[0]));
	kisol_ovl_zero(&o);
	kisol_ovl_cleanup(&o); /* a zeroed one is a no-op */
	kisol_ovl_cleanup(NULL);
}

TEST_F(lo, mount_umount_remount_states)
{
	char log[256], buf[64];
	const char *extra = ovl_extra("index=off", buf, sizeof(buf));

	ASSERT_EQ(0, put(self->o.lower[1], "f", "bottom"));
	ASSERT_EQ(0, kisol_ovl_mount(&self->o, KISOL_MNT_API_AUTO, extra, 0, log, sizeof(log)))
		TH_LOG("%s", log);
	EXPECT_TRUE(self->o.mounted);
	EXPECT_EQ(-EBUSY, kisol_ovl_mount(&self->o, KISOL_MNT_API_AUTO, NULL, 0, log, sizeof(log)));
	ASSERT_EQ(0, put(self->o.merged, "g", "new"));
	ASSERT_EQ(0, kisol_ovl_remount(&self->o, log, sizeof(log))) TH_LOG("%s", log);
	EXPECT_STREQ(extra, self->o.options);
	EXPECT_EQ(0, access(strcat(strcpy((char[PATH_MAX + 8]){ 0 }, self->o.merged), "/g"), F_OK));
	ASSERT_EQ(0, kisol_ovl_umount(&self->o));
	EXPECT_FALSE(self->o.mounted);
	EXPECT_EQ(0, kisol_ovl_umount(&self->o)) TH_LOG("umount when not mounted");
	EXPECT_EQ(-EINVAL, kisol_ovl_remount(&self->o, log, sizeof(log)));
	EXPECT_EQ(-EINVAL, kisol_ovl_mount(&self->o, KISOL_MNT_API_LEGACY, NULL,
					   KISOL_OVL_LAYERS_PLUS, log, sizeof(log)));
	EXPECT_EQ(-EINVAL, kisol_ovl_mount(&self->o, KISOL_MNT_API_AUTO, NULL, 1U << 30, log,
					   sizeof(log)));
}

TEST_F(lo, probe_names_refused_option)
{
	/* an option overlay takes in this view (index=on needs trusted.overlay.*) */
	const char *good = ovl_userxattr() ? "userxattr" : "index=on";
	char why[512], opts[64], quoted[64];

	EXPECT_EQ(0, kisol_ovl_probe(good, KISOL_MNT_API_AUTO, 0, true, why, sizeof(why)));
	snprintf(opts, sizeof(opts), "%s,kisol_bogus=1", good);
	snprintf(quoted, sizeof(quoted), "'%s", good);
	ASSERT_EQ(1, kisol_ovl_probe(opts, KISOL_MNT_API_NEW, 0, true, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "'kisol_bogus=1'")) TH_LOG("%s", why);
	EXPECT_EQ(NULL, strstr(why, quoted)) TH_LOG("%s", why);
	EXPECT_NE(NULL, strstr(why, "EINVAL")) TH_LOG("%s", why);
	ASSERT_EQ(1, kisol_ovl_probe("metacopy=on,redirect_dir=off", KISOL_MNT_API_LEGACY, 0,
				     false, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "legacy")) TH_LOG("%s", why);
}

TEST_F(lo, markers)
{
	char p[PATH_MAX + 16], v[64];

	NEED_USER_XATTRS(self->o.upper);
	snprintf(p, sizeof(p), "%s/wh", self->o.upper);
	ASSERT_EQ(0, kisol_ovl_mk_whiteout(AT_FDCWD, p));
	EXPECT_EQ(1, kisol_ovl_whiteout_kind(AT_FDCWD, p, false));
	EXPECT_EQ(-EEXIST, kisol_ovl_mk_whiteout(AT_FDCWD, p));
	snprintf(p, sizeof(p), "%s/xwh", self->o.upper);
	ASSERT_EQ(0, kisol_ovl_mk_xattr_whiteout(AT_FDCWD, p, true));
	EXPECT_EQ(2, kisol_ovl_whiteout_kind(AT_FDCWD, p, true));
	EXPECT_EQ(0, kisol_ovl_whiteout_kind(AT_FDCWD, p, false)) TH_LOG("wrong prefix counted");
	EXPECT_EQ(0, kisol_ovl_get_marker(AT_FDCWD, self->o.upper, "whiteouts", true, v, sizeof(v)));
	EXPECT_EQ(0, kisol_ovl_whiteout_kind(AT_FDCWD, self->o.upper, false));
	EXPECT_EQ(-ENOENT, kisol_ovl_whiteout_kind(AT_FDCWD, "/kisol/missing", false));
	EXPECT_EQ(0, kisol_ovl_is_opaque(AT_FDCWD, self->o.upper, ovl_userxattr()));
	/* the marker of this view (trusted.overlay.* as root) is read back under its prefix only */
	ASSERT_EQ(0, kisol_ovl_set_marker(AT_FDCWD, self->o.upper, "opaque", ovl_userxattr(), "y", 1));
	EXPECT_EQ(1, kisol_ovl_is_opaque(AT_FDCWD, self->o.upper, ovl_userxattr()));
	EXPECT_EQ(0, kisol_ovl_is_opaque(AT_FDCWD, self->o.upper, !ovl_userxattr()));
	EXPECT_EQ(-ENODATA, kisol_ovl_get_marker(AT_FDCWD, self->o.upper, "redirect", false, v,
						 sizeof(v)));
	EXPECT_EQ(0, kisol_ovl_xattr_name("origin", true, v, sizeof(v)));
	EXPECT_STREQ("user.overlay.origin", v);
	EXPECT_EQ(0, kisol_ovl_xattr_name("origin", false, v, sizeof(v)));
	EXPECT_STREQ("trusted.overlay.origin", v);
	EXPECT_EQ(-ENAMETOOLONG, kisol_ovl_xattr_name("origin", false, v, 8));
	EXPECT_EQ(-EINVAL, kisol_ovl_xattr_name(NULL, false, v, sizeof(v)));
}

TEST(tree_operations)
{
	struct kisol_ovl_tree t = { 0 }, c = { 0 };
	struct kisol_ovl_entry e = { .kind = KISOL_OVL_DIR, .mtime = -1 };
	char diff[256];

	strcpy(e.path, "d");
	ASSERT_NE(NULL, kisol_ovl_tree_put(&t, &e));
	strcpy(e.path, "d/a");
	e.kind = KISOL_OVL_FILE;
	strcpy(e.data, "x");
	e.size = 1;
	ASSERT_NE(NULL, kisol_ovl_tree_put(&t, &e));
	strcpy(e.path, "dd");
	ASSERT_NE(NULL, kisol_ovl_tree_put(&t, &e));
	EXPECT_EQ(3U, (unsigned)t.n);
	ASSERT_EQ(0, kisol_ovl_tree_copy(&c, &t));
	EXPECT_EQ(0, kisol_ovl_tree_compare(&t, &c, 0, diff, sizeof(diff)));
	strcpy(kisol_ovl_tree_find(&c, "d/a")->data, "y");
	EXPECT_EQ(1, kisol_ovl_tree_compare(&t, &c, 0, diff, sizeof(diff)));
	EXPECT_STREQ("d/a: content expected \"x\", found \"y\"", diff);
	kisol_ovl_tree_find(&c, "d/a")->kind = KISOL_OVL_WHITEOUT;
	EXPECT_EQ(1, kisol_ovl_tree_compare(&t, &c, 0, diff, sizeof(diff)));
	EXPECT_STREQ("d/a: expected file, found whiteout", diff);
	/* removing "d" takes d/a but not "dd" */
	EXPECT_EQ(2U, (unsigned)kisol_ovl_tree_remove(&c, "d"));
	EXPECT_NE(NULL, kisol_ovl_tree_find(&c, "dd"));
	EXPECT_EQ(1, kisol_ovl_tree_compare(&t, &c, 0, diff, sizeof(diff)));
	EXPECT_STREQ("d: expected dir, missing", diff);
	EXPECT_EQ(1, kisol_ovl_tree_compare(&c, &t, 0, diff, sizeof(diff)));
	EXPECT_STREQ("d: unexpected dir", diff);
	EXPECT_EQ(-EINVAL, kisol_ovl_tree_compare(NULL, &t, 0, diff, sizeof(diff)));
	kisol_ovl_tree_free(&t);
	kisol_ovl_tree_free(&c);
	kisol_ovl_tree_free(&c);
}

TEST_F(lo, snapshot_reads_markers)
{
	struct kisol_ovl_tree t = { 0 };
	struct kisol_ovl_entry *e;
	char p[PATH_MAX + 16];

	NEED_USER_XATTRS(self->o.upper);
	ASSERT_EQ(0, put(self->o.upper, "f", "data"));
	snprintf(p, sizeof(p), "%s/wh", self->o.upper);
	ASSERT_EQ(0, kisol_ovl_mk_whiteout(AT_FDCWD, p));
	snprintf(p, sizeof(p), "%s/d", self->o.upper);
	ASSERT_EQ(0, mkdir(p, 0700));
	ASSERT_EQ(0, kisol_ovl_set_marker(AT_FDCWD, p, "opaque", ovl_userxattr(), "y", 1));
	ASSERT_EQ(0, kisol_ovl_set_marker(AT_FDCWD, p, "redirect", ovl_userxattr(), "/old", 4));
	ASSERT_EQ(0, lsetxattr(p, "user.kisol", "v", 1, 0));
	ASSERT_EQ(0, kisol_ovl_snapshot(self->o.upper,
					KISOL_OVL_SNAP_MARKERS | (ovl_userxattr() ? KISOL_OVL_SNAP_USERXATTR : 0),
					&t));
	ASSERT_EQ(3U, (unsigned)t.n);
	e = kisol_ovl_tree_find(&t, "d");
	ASSERT_NE(NULL, e);
	EXPECT_TRUE(e->opaque);
	EXPECT_STREQ("/old", e->redirect);
	EXPECT_STREQ("user.kisol=v;", e->xattrs);
	EXPECT_EQ(0700U, (unsigned)e->mode);
	EXPECT_EQ((int)KISOL_OVL_WHITEOUT, (int)kisol_ovl_tree_find(&t, "wh")->kind);
	EXPECT_STREQ("data", kisol_ovl_tree_find(&t, "f")->data);
	/* without markers the whiteout is just "other" */
	ASSERT_EQ(0, kisol_ovl_snapshot(self->o.upper, 0, &t));
	EXPECT_EQ((int)KISOL_OVL_OTHER, (int)kisol_ovl_tree_find(&t, "wh")->kind);
	EXPECT_FALSE(kisol_ovl_tree_find(&t, "d")->opaque);
	kisol_ovl_tree_free(&t);
	EXPECT_EQ(-ENOENT, kisol_ovl_snapshot("/kisol/missing", 0, &t));
	EXPECT_EQ(-EINVAL, kisol_ovl_snapshot(NULL, 0, &t));
}

TEST_F(lo, op_and_model_errors)
{
	struct kisol_ovl_op bad = { .type = _KISOL_OVL_OP_MAX, .path = "x" };
	struct kisol_ovl_model_opts mo = { 0 };
	struct kisol_ovl_model m;
	char d[128];

	EXPECT_EQ(-EINVAL, kisol_ovl_op_real(self->o.merged, &bad, NULL, 0));
	EXPECT_EQ(-EINVAL, kisol_ovl_op_real(NULL, &bad, NULL, 0));
	ASSERT_EQ(0, kisol_ovl_model_init(&m, &self->o, &mo));
	EXPECT_EQ(-EINVAL, kisol_ovl_op_model(&m, &bad, NULL, 0));
	EXPECT_EQ(-EINVAL, kisol_ovl_op_model(&m, NULL, NULL, 0));
	kisol_ovl_model_free(&m);
	EXPECT_EQ(-EINVAL, kisol_ovl_model_init(NULL, &self->o, &mo));
	EXPECT_STREQ("rename", kisol_ovl_op_name(KISOL_OVL_OP_RENAME));
	EXPECT_STREQ("?", kisol_ovl_op_name(_KISOL_OVL_OP_MAX));
	kisol_ovl_op_describe(&(struct kisol_ovl_op){ .type = KISOL_OVL_OP_RENAME, .path = "a",
						      .path2 = "b" }, d, sizeof(d));
	EXPECT_STREQ("rename a -> b", d);
}

/* The model check catches a lower layer changed behind the overlay's back, and a wrong upper. */
TEST_F(lo, model_check_catches_planted_differences)
{
	/* with userxattr a copied-up file reports its upper st_ino (cases/overlay semantics, pino) */
	struct kisol_ovl_model_opts mo = { .userxattr = ovl_userxattr(), .unstable_ino = ovl_userxattr() };
	char buf[64];
	const char *extra = ovl_extra("index=off,redirect_dir=off", buf, sizeof(buf));
	struct kisol_ovl_op op = { .type = KISOL_OVL_OP_CHMOD, .path = "f", .mode = 0600 };
	struct kisol_ovl_model m;
	char diff[512], log[256], p[PATH_MAX + 16];

	ASSERT_EQ(0, put(self->o.lower[0], "f", "lower"));
	ASSERT_EQ(0, kisol_ovl_model_init(&m, &self->o, &mo));
	ASSERT_EQ(0, kisol_ovl_mount(&self->o, KISOL_MNT_API_AUTO, extra, 0, log, sizeof(log)))
		TH_LOG("%s", log);
	EXPECT_EQ(0, kisol_ovl_model_check(&m, &self->o, diff, sizeof(diff))) TH_LOG("%s", diff);
	EXPECT_EQ(0, kisol_ovl_op_model(&m, &op, NULL, 0));
	EXPECT_EQ(0, kisol_ovl_op_real(self->o.merged, &op, NULL, 0));
	EXPECT_EQ(0, kisol_ovl_model_check(&m, &self->o, diff, sizeof(diff))) TH_LOG("%s", diff);
	/* plant: an extra file in upper */
	ASSERT_EQ(0, put(self->o.upper, "planted", "x"));
	ASSERT_EQ(1, kisol_ovl_model_check(&m, &self->o, diff, sizeof(diff)));
	EXPECT_NE(NULL, strstr(diff, "planted")) TH_LOG("%s", diff);
	snprintf(p, sizeof(p), "%s/planted", self->o.upper);
	ASSERT_EQ(0, unlink(p));
	/* plant: a lower layer changed */
	ASSERT_EQ(0, kisol_ovl_umount(&self->o));
	ASSERT_EQ(0, put(self->o.lower[1], "sneaky", "x"));
	ASSERT_EQ(0, kisol_ovl_mount(&self->o, KISOL_MNT_API_AUTO, extra, 0, log, sizeof(log)))
		TH_LOG("%s", log);
	ASSERT_EQ(1, kisol_ovl_model_check(&m, &self->o, diff, sizeof(diff)));
	EXPECT_NE(NULL, strstr(diff, "sneaky")) TH_LOG("%s", diff);
	kisol_ovl_model_free(&m);
}

KISOL_MAIN
