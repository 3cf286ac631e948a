// SPDX-License-Identifier: GPL-2.0-only
/*
 * overlayfs semantics outside the operation model: whiteout and opaque
 * forms, metacopy, volatile, layer order, data-only layers, lowerdir+ /
 * datadir+, read-only overlays, the st_dev/st_ino rules of
 * Documentation/filesystems/overlayfs.rst, index and hardlinks, and option
 * conflicts the kernel must reject.
 */
#include <dirent.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "ovl_case.h"

static int read_str(const char *dir, const char *rel, char *buf, size_t size)
{
	struct kisol_ovl_op op = { .type = KISOL_OVL_OP_READ, .path = rel };

	return kisol_ovl_op_real(dir, &op, buf, size);
}

static int stat_in(const char *dir, const char *rel, struct stat *st)
{
	char p[2 * PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return lstat(p, st) < 0 ? kisol_negerrno() : 0;
}

/* ------------------------------------------------------------------ */
/* A plain fixture: an overlay scratch area; each test mounts its own.  */

FIXTURE(sem) {
	struct kisol_ovl o;
};

FIXTURE_VARIANT(sem) {
	bool upper_tmpfs;
	enum kisol_mnt_api api;
};

FIXTURE_VARIANT_ADD(sem, disk_legacy) { .api = KISOL_MNT_API_LEGACY };
FIXTURE_VARIANT_ADD(sem, tmpfs_newapi) { .upper_tmpfs = true, .api = KISOL_MNT_API_NEW };

FIXTURE_SETUP(sem)
{
	struct kisol_ovl_layout l = { .nlower = 3, .upper_tmpfs = variant->upper_tmpfs };

	kisol_ovl_zero(&self->o);
	NEED_ROOT_TO("populate layers with trusted.overlay.* markers (xattr whiteouts, opaque, "
		     "metacopy, redirect, index): a user namespace has only user.overlay.*");
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_ovl_init(&self->o, &l));
	OVL_NEED_XATTRS(&self->o);
}

FIXTURE_TEARDOWN(sem)
{
	kisol_ovl_cleanup(&self->o);
}

static const struct pop basic[] = {
	{ 2, P_FILE, "x", "from-l2" }, { 2, P_FILE, "only2", "2" }, { 2, P_DIR, "d" },
	{ 2, P_FILE, "d/in2", "2" },   { 1, P_FILE, "x", "from-l1" }, { 1, P_FILE, "only1", "1" },
	{ 1, P_DIR, "d" },             { 1, P_FILE, "d/in1", "1" },   { 0, P_FILE, "x", "from-l0" },
	{ 0, P_FILE, "f", "lowerdata" }, { 0, P_DIR, "d" },           { 0, P_FILE, "d/in0", "0" },
};

#define POP(arr) ASSERT_EQ(0, pop_layers(&self->o, arr, KISOL_ARRAY_SIZE(arr), false))

/*
 * The overlay mounted is the stack the test built (layers populated with
 * basic[]): a name only each lower layer has is seen through the merged
 * view, and the topmost layer wins a shared name. A kernel that silently
 * left a layer out would pass a test that only looks at one layer.
 */
static void all_lowers_seen(struct __test_metadata *_metadata, const struct kisol_ovl *o)
{
	char buf[64];

	ASSERT_EQ(0, read_str(o->merged, "x", buf, sizeof(buf)));
	EXPECT_STREQ("from-l0", buf);
	ASSERT_EQ(0, read_str(o->merged, "only1", buf, sizeof(buf))) TH_LOG("lower layer 1 missing");
	EXPECT_STREQ("1", buf);
	ASSERT_EQ(0, read_str(o->merged, "only2", buf, sizeof(buf))) TH_LOG("lower layer 2 missing");
	EXPECT_STREQ("2", buf);
}

/* Several lower layers: the topmost wins a name, readdir merges all layers. */
TEST_F(sem, lower_layers_in_order)
{
	const char *want[] = { "in0", "in1", "in2" };
	char buf[64], p[2 * PATH_MAX];
	struct dirent *de;
	unsigned seen = 0, i;
	DIR *d;

	POP(basic);
	OVL_MOUNT_OR_SKIP(&self->o, variant->api, NULL, 0, variant->upper_tmpfs);
	ASSERT_EQ(0, read_str(self->o.merged, "x", buf, sizeof(buf)));
	EXPECT_STREQ("from-l0", buf);
	ASSERT_EQ(0, read_str(self->o.merged, "only2", buf, sizeof(buf)));
	EXPECT_STREQ("2", buf);
	snprintf(p, sizeof(p), "%s/d", self->o.merged);
	d = opendir(p);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d)))
		for (i = 0; i < 3; i++)
			if (!strcmp(de->d_name, want[i]))
				seen |= 1U << i;
	closedir(d);
	EXPECT_EQ(7U, seen) TH_LOG("merged readdir lacks entries of some layer (mask %u)", seen);
}
KISOL_META(sem, lower_layers_in_order, "sides=one: the merged view only, the layers are the test's own input")

/* A whiteout left by unlink is a 0/0 character device in upper. */
TEST_F(sem, whiteout_is_chardev_0_0)
{
	struct stat st;
	char p[2 * PATH_MAX];

	POP(basic);
	OVL_MOUNT_OR_SKIP(&self->o, variant->api, NULL, 0, variant->upper_tmpfs);
	snprintf(p, sizeof(p), "%s/only1", self->o.merged);
	ASSERT_EQ(0, unlink(p));
	ASSERT_EQ(0, stat_in(self->o.upper, "only1", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0, (int)major(st.st_rdev));
	EXPECT_EQ(0, (int)minor(st.st_rdev));
	snprintf(p, sizeof(p), "%s/only1", self->o.upper);
	EXPECT_EQ(1, kisol_ovl_whiteout_kind(AT_FDCWD, p, false));
	EXPECT_EQ(-ENOENT, stat_in(self->o.merged, "only1", &st));
	ASSERT_EQ(0, stat_in(self->o.lower[1], "only1", &st)) TH_LOG("lower layer changed");
}
KISOL_META(sem, whiteout_is_chardev_0_0, "sides=both")

/* An xattr whiteout (empty file + overlay.whiteout, parent overlay.whiteouts) in a lower layer hides the name below. */
TEST_F(sem, xattr_whiteout_in_lower_hides)
{
	static const struct pop p[] = {
		{ 1, P_FILE, "victim", "below" }, { 1, P_DIR, "d" }, { 1, P_FILE, "d/v2", "below" },
		{ 0, P_DIR, "d" },
	};
	struct stat st;
	char path[2 * PATH_MAX];
	int r;

	POP(p);
	snprintf(path, sizeof(path), "%s/d/v2", self->o.lower[0]);
	ASSERT_EQ(0, kisol_ovl_mk_xattr_whiteout(AT_FDCWD, path, false));
	OVL_MOUNT_OR_SKIP(&self->o, variant->api, NULL, 0, variant->upper_tmpfs);
	r = stat_in(self->o.merged, "d/v2", &st);
	if (r == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		SKIP(return, "kernel shows the xattr whiteout as a file: no xattr whiteout support (6.7+)");
	EXPECT_EQ(-ENOENT, r);
	EXPECT_EQ(0, stat_in(self->o.merged, "victim", &st));
}
KISOL_META(sem, xattr_whiteout_in_lower_hides, "sides=one: the merged view only, the layers are the test's own input")

/* trusted.overlay.opaque=y on a lower directory hides the directories below it. */
TEST_F(sem, opaque_lower_dir_hides_below)
{
	static const struct pop p[] = {
		{ 1, P_DIR, "d" }, { 1, P_FILE, "d/hidden", "h" }, { 1, P_DIR, "e" },
		{ 1, P_FILE, "e/seen1", "1" }, { 0, P_DIR, "d" }, { 0, P_OPAQUE, "d" },
		{ 0, P_FILE, "d/seen", "s" }, { 0, P_DIR, "e" },
	};
	struct stat st;

	POP(p);
	OVL_MOUNT_OR_SKIP(&self->o, variant->api, NULL, 0, variant->upper_tmpfs);
	EXPECT_EQ(-ENOENT, stat_in(self->o.merged, "d/hidden", &st));
	EXPECT_EQ(0, stat_in(self->o.merged, "d/seen", &st));
	/* control: the layer below is in the stack, its dir without the marker merges */
	EXPECT_EQ(0, stat_in(self->o.merged, "e/seen1", &st)) TH_LOG("lower layer 1 missing");
}
KISOL_META(sem, opaque_lower_dir_hides_below, "sides=one: the merged view only, the layers are the test's own input")

/* metacopy=on: chmod copies up metadata only; a write then copies the data and drops the marker. */
TEST_F(sem, metacopy_copies_metadata_only)
{
	char buf[64], v[8], up[2 * PATH_MAX], mp[2 * PATH_MAX];
	struct stat st;
	int fd;

	POP(basic);
	OVL_MOUNT_OR_SKIP(&self->o, variant->api, "metacopy=on,redirect_dir=on", 0,
			  variant->upper_tmpfs);
	all_lowers_seen(_metadata, &self->o);
	snprintf(mp, sizeof(mp), "%s/f", self->o.merged);
	snprintf(up, sizeof(up), "%s/f", self->o.upper);
	ASSERT_EQ(0, chmod(mp, 0600));
	ASSERT_EQ(0, stat(up, &st)) TH_LOG("chmod did not copy up");
	EXPECT_EQ(0, kisol_ovl_get_marker(AT_FDCWD, up, "metacopy", false, v, sizeof(v)));
	EXPECT_EQ((off_t)strlen("lowerdata"), st.st_size);
	/* the upper file is sparse: its own bytes are not the data */
	ASSERT_EQ(0, read_str(self->o.upper, "f", buf, sizeof(buf)));
	EXPECT_STRNE("lowerdata", buf) TH_LOG("metacopy upper file holds the data");
	ASSERT_EQ(0, read_str(self->o.merged, "f", buf, sizeof(buf)));
	EXPECT_STREQ("lowerdata", buf);
	fd = open(mp, O_WRONLY | O_APPEND);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "!", 1));
	close(fd);
	EXPECT_EQ(-ENODATA, kisol_ovl_get_marker(AT_FDCWD, up, "metacopy", false, v, sizeof(v)));
	ASSERT_EQ(0, read_str(self->o.upper, "f", buf, sizeof(buf)));
	EXPECT_STREQ("lowerdata!", buf);
}
KISOL_META(sem, metacopy_copies_metadata_only, "sides=both")

/* volatile leaves work/incompat/volatile and the next mount is refused until it is removed. */
TEST_F(sem, volatile_marker_blocks_next_mount)
{
	char p[2 * PATH_MAX], log[256];
	struct stat st;

	POP(basic);
	OVL_MOUNT_OR_SKIP(&self->o, variant->api, "volatile", 0, variant->upper_tmpfs);
	all_lowers_seen(_metadata, &self->o);
	snprintf(p, sizeof(p), "%s/work/incompat/volatile", self->o.work);
	EXPECT_EQ(0, stat(p, &st)) TH_LOG("no volatile marker at %s", p);
	ASSERT_EQ(0, kisol_ovl_umount(&self->o));
	EXPECT_EQ(-EINVAL, kisol_ovl_mount(&self->o, variant->api, NULL, 0, log, sizeof(log)))
		TH_LOG("a second mount over a volatile work dir was accepted");
	kisol_ovl_umount(&self->o);
	ASSERT_EQ(0, kisol_mnt_rm_rf(p)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, kisol_ovl_mount(&self->o, variant->api, NULL, 0, log, sizeof(log))) TH_LOG("%s", log);
}
KISOL_META(sem, volatile_marker_blocks_next_mount, "sides=both")

/* Data-only lower layer: its files are not in the namespace, but a metacopy redirect reaches them. */
static void data_only(struct __test_metadata *_metadata, struct kisol_ovl *o,
		      enum kisol_mnt_api api, unsigned flags, bool upper_tmpfs)
{
	static const struct pop p[] = {
		{ 'D', P_FILE, "blob", "from-data-layer" },
		{ 0, P_FILE, "meta", NULL },
	};
	char path[2 * PATH_MAX], buf[64];
	struct stat st;

	ASSERT_EQ(0, pop_layers(o, p, KISOL_ARRAY_SIZE(p), false));
	snprintf(path, sizeof(path), "%s/meta", o->lower[0]);
	ASSERT_EQ(0, truncate(path, strlen("from-data-layer")));
	ASSERT_EQ(0, kisol_ovl_set_marker(AT_FDCWD, path, "metacopy", false, "", 0));
	ASSERT_EQ(0, kisol_ovl_set_marker(AT_FDCWD, path, "redirect", false, "/blob", 5));
	OVL_MOUNT_OR_SKIP(o, api, "metacopy=on,redirect_dir=on", flags, upper_tmpfs);
	EXPECT_EQ(-ENOENT, stat_in(o->merged, "blob", &st)) TH_LOG("data-only layer is visible");
	ASSERT_EQ(0, read_str(o->merged, "meta", buf, sizeof(buf)));
	EXPECT_STREQ("from-data-layer", buf);
}

TEST_F(sem, data_only_lower_layer)
{
	struct kisol_ovl_layout l = { .nlower = 3, .ndata = 1, .upper_tmpfs = variant->upper_tmpfs };

	/* only this test has a data-only layer: kernels before 6.5 refuse the whole mount */
	kisol_ovl_cleanup(&self->o);
	ASSERT_EQ(0, kisol_ovl_init(&self->o, &l));
	POP(basic);
	data_only(_metadata, &self->o, variant->api, 0, variant->upper_tmpfs);
	if (self->o.mounted)
		all_lowers_seen(_metadata, &self->o);
}
KISOL_META(sem, data_only_lower_layer, "sides=one: the merged view only, the layers are the test's own input")

/* The same through fsconfig lowerdir+ / datadir+ (6.8+), three lower layers in order. */
FIXTURE(plus) {
	struct kisol_ovl o;
};

FIXTURE_SETUP(plus)
{
	struct kisol_ovl_layout l = { .nlower = 3, .ndata = 1 };

	kisol_ovl_zero(&self->o);
	NEED_ROOT_TO("mount data-only layers (lowerdir+/datadir+ need trusted.overlay.* "
		     "metacopy and redirects)");
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_ovl_init(&self->o, &l));
	OVL_NEED_XATTRS(&self->o);
}

FIXTURE_TEARDOWN(plus)
{
	kisol_ovl_cleanup(&self->o);
}

TEST_F(plus, lowerdir_plus_datadir_plus)
{
	char buf[64];

	POP(basic);
	data_only(_metadata, &self->o, KISOL_MNT_API_NEW, KISOL_OVL_LAYERS_PLUS, false);
	if (!self->o.mounted)
		return;
	ASSERT_EQ(0, read_str(self->o.merged, "x", buf, sizeof(buf)));
	EXPECT_STREQ("from-l0", buf) TH_LOG("lowerdir+ order is not top first");
	all_lowers_seen(_metadata, &self->o);
}
KISOL_META(plus, lowerdir_plus_datadir_plus, "sides=one: the merged view only, the layers are the test's own input")

/* A read-only overlay (no upper): every change is EROFS. */
TEST_F(sem, no_upper_is_read_only)
{
	struct kisol_ovl_layout l = { .nlower = 3, .no_upper = true };
	const enum kisol_ovl_op_type types[] = { KISOL_OVL_OP_APPEND, KISOL_OVL_OP_UNLINK,
						 KISOL_OVL_OP_CHMOD, KISOL_OVL_OP_CREATE };
	char buf[64];
	size_t i;

	kisol_ovl_cleanup(&self->o);
	ASSERT_EQ(0, kisol_ovl_init(&self->o, &l));
	OVL_NEED_XATTRS(&self->o);
	POP(basic);
	OVL_MOUNT_OR_SKIP(&self->o, variant->api, NULL, 0, false);
	for (i = 0; i < KISOL_ARRAY_SIZE(types); i++) {
		struct kisol_ovl_op op = { .type = types[i], .path = "only1", .data = "x",
					   .mode = 0600 };

		EXPECT_EQ(-EROFS, kisol_ovl_op_real(self->o.merged, &op, buf, sizeof(buf)))
			TH_LOG("%s", kisol_ovl_op_name(types[i]));
	}
}
KISOL_META(sem, no_upper_is_read_only, "sides=one: refusals (EROFS) through the merged view, there is no upper layer to look at")

/* Mounted read-only (MOUNT_ATTR_RDONLY / MS_RDONLY): EROFS and nothing lands in upper. */
TEST_F(sem, rdonly_mount_no_copy_up)
{
	struct kisol_ovl_op op = { .type = KISOL_OVL_OP_CHMOD, .path = "f", .mode = 0600 };
	struct kisol_ovl_tree t = { 0 };

	POP(basic);
	OVL_MOUNT_OR_SKIP(&self->o, variant->api, NULL, KISOL_OVL_RDONLY, variant->upper_tmpfs);
	all_lowers_seen(_metadata, &self->o);
	EXPECT_EQ(-EROFS, kisol_ovl_op_real(self->o.merged, &op, NULL, 0));
	ASSERT_EQ(0, kisol_ovl_snapshot(self->o.upper, KISOL_OVL_SNAP_MARKERS, &t));
	EXPECT_EQ(0U, (unsigned)t.n) TH_LOG("upper gained %zu entries", t.n);
	kisol_ovl_tree_free(&t);
}
KISOL_META(sem, rdonly_mount_no_copy_up, "sides=both")

/* index=on keeps lower hardlinks one inode across copy-up and records it in work/index. */
TEST_F(sem, index_keeps_hardlinks)
{
	static const struct pop p[] = { { 0, P_FILE, "h1", "hard" }, { 0, P_HARDLINK, "h2", "h1" } };
	char p1[2 * PATH_MAX], p2[2 * PATH_MAX], idx[2 * PATH_MAX], buf[64];
	struct stat s1, s2;
	struct dirent *de;
	int fd, n = 0;
	DIR *d;

	POP(basic);
	POP(p);
	OVL_MOUNT_OR_SKIP(&self->o, variant->api, "index=on", 0, variant->upper_tmpfs);
	all_lowers_seen(_metadata, &self->o);
	snprintf(p1, sizeof(p1), "%s/h1", self->o.merged);
	snprintf(p2, sizeof(p2), "%s/h2", self->o.merged);
	fd = open(p1, O_WRONLY | O_APPEND);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "+", 1));
	close(fd);
	ASSERT_EQ(0, read_str(self->o.merged, "h2", buf, sizeof(buf)));
	EXPECT_STREQ("hard+", buf) TH_LOG("hardlink broken by copy-up despite index=on");
	ASSERT_EQ(0, stat(p1, &s1));
	ASSERT_EQ(0, stat(p2, &s2));
	EXPECT_EQ(s1.st_ino, s2.st_ino);
	EXPECT_EQ(2, (int)s1.st_nlink);
	snprintf(idx, sizeof(idx), "%s/index", self->o.work);
	d = opendir(idx);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	EXPECT_EQ(1, n) TH_LOG("work/index holds %d entries", n);
}
KISOL_META(sem, index_keeps_hardlinks, "sides=both")

/* Without index, copy-up breaks a lower hardlink: the other name keeps the old data. */
TEST_F(sem, no_index_breaks_hardlinks)
{
	static const struct pop p[] = { { 0, P_FILE, "h1", "hard" }, { 0, P_HARDLINK, "h2", "h1" } };
	char p1[2 * PATH_MAX], buf[64];
	int fd;

	POP(basic);
	POP(p);
	OVL_MOUNT_OR_SKIP(&self->o, variant->api, "index=off", 0, variant->upper_tmpfs);
	all_lowers_seen(_metadata, &self->o);
	snprintf(p1, sizeof(p1), "%s/h1", self->o.merged);
	fd = open(p1, O_WRONLY | O_APPEND);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "+", 1));
	close(fd);
	ASSERT_EQ(0, read_str(self->o.merged, "h2", buf, sizeof(buf)));
	EXPECT_STREQ("hard", buf);
}
KISOL_META(sem, no_index_breaks_hardlinks, "sides=one: the merged view only, the layers are the test's own input")

/* ------------------------------------------------------------------ */
/* st_dev / st_ino by the table in overlayfs.rst ("Inode properties").  */

FIXTURE(inode) {
	struct kisol_ovl o;
};

FIXTURE_VARIANT(inode) {
	bool upper_tmpfs;
	const char *options;
	bool uniform; /* all layers on one fs, or xino: every column "Y" */
};

FIXTURE_VARIANT_ADD(inode, same_fs) { .options = "xino=off", .uniform = true };
FIXTURE_VARIANT_ADD(inode, other_fs_xino_off) { .upper_tmpfs = true, .options = "xino=off" };
FIXTURE_VARIANT_ADD(inode, other_fs_xino_on) { .upper_tmpfs = true, .options = "xino=on", .uniform = true };

static void ino_fixture_setup(struct __test_metadata *_metadata, struct kisol_ovl *o,
			bool upper_tmpfs, const char *options)
{
	static const struct pop p[] = { { 0, P_FILE, "f", "f" }, { 0, P_DIR, "d" },
					{ 0, P_FILE, "d/g", "g" } };
	struct kisol_ovl_layout l = { .nlower = 1, .upper_tmpfs = upper_tmpfs };
	char extra[256];

	kisol_ovl_zero(o);
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_ovl_init(o, &l));
	OVL_NEED_XATTRS(o);
	OVL_SETUP_ASSERT(o, pop_layers(o, p, KISOL_ARRAY_SIZE(p), ovl_userxattr()));
	OVL_MOUNT_OR_SKIP(o, KISOL_MNT_API_AUTO, ovl_extra(options, extra, sizeof(extra)), 0,
			  upper_tmpfs);
}

FIXTURE_SETUP(inode)
{
	ino_fixture_setup(_metadata, &self->o, variant->upper_tmpfs, variant->options);
}

FIXTURE_TEARDOWN(inode)
{
	kisol_ovl_cleanup(&self->o);
}

/* Directories always report the overlay's st_dev; non-dirs too when uniform. */
TEST_F(inode, uniform_st_dev)
{
	struct stat root, d, f;

	ASSERT_EQ(0, stat(self->o.merged, &root));
	ASSERT_EQ(0, stat_in(self->o.merged, "d", &d));
	ASSERT_EQ(0, stat_in(self->o.merged, "f", &f));
	EXPECT_EQ(root.st_dev, d.st_dev);
	if (variant->uniform) {
		EXPECT_EQ(root.st_dev, f.st_dev);
	} else {
		EXPECT_NE(root.st_dev, f.st_dev)
			TH_LOG("layers on different fs without xino yet uniform st_dev");
	}
}
KISOL_META(inode, uniform_st_dev, "sides=one: st_dev as the merged view reports it (the overlayfs.rst inode table)")

/* Persistent st_ino: only the configurations where the table says Y. */
FIXTURE(pino) {
	struct kisol_ovl o;
};

FIXTURE_VARIANT(pino) {
	bool upper_tmpfs;
	const char *options;
};

FIXTURE_VARIANT_ADD(pino, same_fs) { .options = "xino=off" };
FIXTURE_VARIANT_ADD(pino, other_fs_xino_on) { .upper_tmpfs = true, .options = "xino=on" };

FIXTURE_SETUP(pino)
{
	/* userns.c's uino checks the user namespace side (XFAIL, by design) */
	NEED_ROOT_TO("keep st_ino across copy-up: in a user namespace overlay cannot decode file "
		     "handles and stores no origin (c846af050f94, by design)");
	ino_fixture_setup(_metadata, &self->o, variant->upper_tmpfs, variant->options);
}

FIXTURE_TEARDOWN(pino)
{
	kisol_ovl_cleanup(&self->o);
}

/* st_ino persists across copy-up and remount, for dirs and non-dirs. */
TEST_F(pino, persistent_st_ino)
{
	struct stat f0, d0, f1, d1;
	char p[2 * PATH_MAX];

	ASSERT_EQ(0, stat_in(self->o.merged, "f", &f0));
	ASSERT_EQ(0, stat_in(self->o.merged, "d", &d0));
	snprintf(p, sizeof(p), "%s/f", self->o.merged);
	ASSERT_EQ(0, chmod(p, 0600));
	snprintf(p, sizeof(p), "%s/d/new", self->o.merged);
	ASSERT_EQ(0, mkdir(p, 0700));
	ASSERT_EQ(0, kisol_ovl_remount(&self->o, NULL, 0));
	ASSERT_EQ(0, stat_in(self->o.merged, "f", &f1));
	ASSERT_EQ(0, stat_in(self->o.merged, "d", &d1));
	EXPECT_EQ(f0.st_ino, f1.st_ino);
	EXPECT_EQ(d0.st_ino, d1.st_ino);
}
KISOL_META(pino, persistent_st_ino, "sides=one: st_ino as the merged view reports it, across copy-up and remount")

/* xino: a lower file's st_ino keeps the real inode number in the low bits, the layer's fsid above. */
TEST_F(pino, st_ino_low_bits_are_real)
{
	struct stat m, l;

	ASSERT_EQ(0, stat_in(self->o.merged, "f", &m));
	ASSERT_EQ(0, stat_in(self->o.lower[0], "f", &l));
	if (!variant->upper_tmpfs) {
		EXPECT_EQ(l.st_ino, m.st_ino) TH_LOG("same fs: st_ino is the real one");
	} else {
		EXPECT_NE(l.st_ino, m.st_ino) TH_LOG("xino=on on two fs: no fsid bits added");
		EXPECT_EQ((uint32_t)l.st_ino, (uint32_t)m.st_ino);
	}
}
KISOL_META(pino, st_ino_low_bits_are_real, "sides=both")

/* readdir's d_ino equals stat's st_ino: for non-dirs always, for dirs where uniform. */
TEST_F(inode, st_ino_equals_d_ino)
{
	struct dirent *de;
	int checked = 0;
	DIR *dir;

	dir = opendir(self->o.merged);
	ASSERT_NE(NULL, dir);
	while ((de = readdir(dir))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		ASSERT_EQ(0, stat_in(self->o.merged, de->d_name, &st));
		if (S_ISDIR(st.st_mode) && !variant->uniform)
			continue;
		EXPECT_EQ((uint64_t)st.st_ino, (uint64_t)de->d_ino) TH_LOG("%s", de->d_name);
		checked++;
	}
	closedir(dir);
	EXPECT_LE(1, checked);
}
KISOL_META(inode, st_ino_equals_d_ino, "sides=one: stat and readdir of the merged view agree")

/* ------------------------------------------------------------------ */
/* Option conflicts and bad layer setups must be rejected.             */

FIXTURE(reject) {
	struct kisol_ovl o;
};

FIXTURE_VARIANT(reject) {
	enum kisol_mnt_api api;
	const char *extra;   /* appended to the normal layers */
	int how;             /* 0: normal; 1: no workdir; 2: workdir inside upper; 3: no lowerdir */
	const char *log;     /* new API: the kernel's message must contain this */
};

#define REJECT(name, ex, h, msg)                                                          \
	FIXTURE_VARIANT_ADD(reject, name##_legacy) { .api = KISOL_MNT_API_LEGACY, .extra = ex, .how = h }; \
	FIXTURE_VARIANT_ADD(reject, name##_newapi) { .api = KISOL_MNT_API_NEW, .extra = ex, .how = h, .log = msg }

REJECT(metacopy_with_redirect_off, "metacopy=on,redirect_dir=off", 0, "conflicting");
REJECT(metacopy_with_redirect_nofollow, "metacopy=on,redirect_dir=nofollow", 0, "conflicting");
REJECT(userxattr_with_redirect_on, "userxattr,redirect_dir=on", 0, "conflicting");
REJECT(userxattr_with_metacopy, "userxattr,metacopy=on", 0, "conflicting");
REJECT(nfs_export_with_metacopy, "index=on,nfs_export=on,metacopy=on", 0, "conflicting");
REJECT(bad_xino_value, "xino=bogus", 0, "xino");
REJECT(upper_without_workdir, NULL, 1, "workdir");
REJECT(workdir_inside_upper, NULL, 2, NULL);
REJECT(no_lowerdir, NULL, 3, "lowerdir");

FIXTURE_SETUP(reject)
{
	struct kisol_ovl_layout l = { .nlower = 1 };

	kisol_ovl_zero(&self->o);
	NEED_ROOT_TO("see overlay refuse trusted.overlay.* options (index, nfs_export, metacopy)");
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_ovl_init(&self->o, &l));
}

FIXTURE_TEARDOWN(reject)
{
	kisol_ovl_cleanup(&self->o);
}

TEST_F(reject, mount_refused)
{
	char opts[4 * PATH_MAX], log[256] = "";
	int r;

	switch (variant->how) {
	case 0:
		ASSERT_EQ(0, kisol_ovl_options(&self->o, variant->extra, opts, sizeof(opts)));
		break;
	case 1:
		snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s", self->o.lower[0], self->o.upper);
		break;
	case 2:
		snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s/w2", self->o.lower[0],
			 self->o.upper, self->o.upper);
		ASSERT_EQ(0, kisol_ovl_op_real(self->o.upper,
					       &(struct kisol_ovl_op){ .type = KISOL_OVL_OP_MKDIR,
								       .path = "w2", .mode = 0755 },
					       NULL, 0));
		break;
	default:
		snprintf(opts, sizeof(opts), "upperdir=%s,workdir=%s", self->o.upper, self->o.work);
	}
	r = kisol_mnt_fs_mount(variant->api, "overlay", "kisol", self->o.merged, opts, 0, log,
			       sizeof(log));
	EXPECT_EQ(-EINVAL, r) TH_LOG("options \"%s\" gave %s", opts, r ? strerror(-r) : "success");
	EXPECT_EQ(0, kisol_mnt_is_mountpoint(self->o.merged)) TH_LOG("something got mounted");
	if (variant->log && r < 0 && log[0]) /* some errors go to the kernel log only */
		EXPECT_NE(NULL, strstr(log, variant->log)) TH_LOG("kernel message: \"%s\"", log);
}
KISOL_META(reject, mount_refused, "sides=one: a refused mount, nothing is mounted")

KISOL_MAIN
