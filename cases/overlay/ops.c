// SPDX-License-Identifier: GPL-2.0-only
/*
 * overlayfs operations checked against the expected-state model.
 *
 * Every test applies operations to the merged view and to the model
 * (lib/overlay_model.c) side by side: the kernel's result must be the
 * model's; then the merged view must equal the model's, the upper layer
 * must hold exactly what the model says landed there (copy-ups, whiteouts,
 * opaque directories, redirects, metacopy files), the lower layers must be
 * unchanged; and all of it again after a remount.
 *
 * The same tests run over variants: upper on tmpfs or on the host disk,
 * mount(2) or the new mount API (fsconfig lowerdir+ in one variant),
 * redirect_dir, index, metacopy and xino on and off. A variant whose
 * options the kernel refuses SKIPs with the refused option.
 *
 * Semantics follow Documentation/filesystems/overlayfs.rst.
 */
#include "ovl_case.h"

#define OFF "redirect_dir=off,index=off,metacopy=off"

FIXTURE(ovl) {
	struct kisol_ovl o;
	struct kisol_ovl_model m;
	bool model_ok;
};

FIXTURE_VARIANT(ovl) {
	bool upper_tmpfs;
	enum kisol_mnt_api api;
	unsigned flags;
	const char *options;
	struct kisol_ovl_model_opts model;
};

FIXTURE_VARIANT_ADD(ovl, tmpfs_legacy_plain) {
	.upper_tmpfs = true, .api = KISOL_MNT_API_LEGACY, .options = OFF ",xino=off",
	.model = { .unstable_ino = true },
};
FIXTURE_VARIANT_ADD(ovl, disk_legacy_plain) {
	.api = KISOL_MNT_API_LEGACY, .options = OFF ",xino=off",
};
FIXTURE_VARIANT_ADD(ovl, tmpfs_newapi_redirect) {
	.upper_tmpfs = true, .api = KISOL_MNT_API_NEW,
	.options = "redirect_dir=on,index=off,metacopy=off,xino=off",
	.model = { .redirect_dir = true, .unstable_ino = true },
};
FIXTURE_VARIANT_ADD(ovl, disk_newapi_index) {
	.api = KISOL_MNT_API_NEW, .options = "redirect_dir=off,index=on,metacopy=off,xino=off",
	.model = { .index = true },
};
FIXTURE_VARIANT_ADD(ovl, disk_legacy_metacopy) {
	.api = KISOL_MNT_API_LEGACY, .options = "redirect_dir=on,index=off,metacopy=on,xino=off",
	.model = { .redirect_dir = true, .metacopy = true },
};
FIXTURE_VARIANT_ADD(ovl, tmpfs_newapi_xino) {
	.upper_tmpfs = true, .api = KISOL_MNT_API_NEW, .options = OFF ",xino=on",
	.model = { .xino_on = true },
};
FIXTURE_VARIANT_ADD(ovl, disk_layersplus_all) {
	.api = KISOL_MNT_API_NEW, .flags = KISOL_OVL_LAYERS_PLUS,
	.options = "redirect_dir=on,index=on,metacopy=on,xino=on",
	.model = { .redirect_dir = true, .index = true, .metacopy = true, .xino_on = true },
};
FIXTURE_VARIANT_ADD(ovl, tmpfs_legacy_index_metacopy) {
	.upper_tmpfs = true, .api = KISOL_MNT_API_LEGACY,
	.options = "redirect_dir=on,index=on,metacopy=on,xino=auto",
	.model = { .redirect_dir = true, .index = true, .metacopy = true },
};

/*
 * Two lower layers and a populated upper: files and directories in lower
 * only, upper only and both; a whiteout and an opaque directory in upper;
 * lower hardlinks; a lower file with an xattr; a name in both lowers.
 */
static const struct pop population[] = {
	{ 1, P_FILE, "f_deep", "bottom" },
	{ 1, P_FILE, "only1", "only-in-l1" },
	{ 1, P_DIR, "d_lower" },
	{ 1, P_FILE, "d_lower/l1file", "l1" },
	{ 1, P_DIR, "d_bottom", NULL, 0711 },
	{ 1, P_FILE, "d_bottom/bx", "bx" },
	{ 1, P_SYMLINK, "d_bottom/bs", "bx" },
	{ 0, P_FILE, "f_lower", "lower", 0644 },
	{ 0, P_FILE, "f_deep", "top" },
	{ 0, P_FILE, "f_exec", "#!", 0755 },
	{ 0, P_DIR, "d_lower" },
	{ 0, P_FILE, "d_lower/a", "a" },
	{ 0, P_DIR, "d_lower/sub", NULL, 0750 },
	{ 0, P_FILE, "d_lower/sub/b", "b" },
	{ 0, P_SYMLINK, "s_lower", "f_lower" },
	{ 0, P_DIR, "e_lower" },
	{ 0, P_FILE, "hl1", "hard" },
	{ 0, P_HARDLINK, "hl2", "hl1" },
	{ 0, P_FILE, "x_lower", "x" },
	{ 0, P_XATTR, "x_lower", "orig" },
	{ 0, P_FILE, "f_both", "lower-both" },
	{ 0, P_DIR, "d_both" },
	{ 0, P_FILE, "d_both/la", "la" },
	{ 0, P_FILE, "gone", "hidden-by-whiteout" },
	{ 0, P_DIR, "d_opq" },
	{ 0, P_FILE, "d_opq/hidden", "hidden-by-opaque" },
	{ 'U', P_FILE, "f_both", "upper-both", 0600 },
	{ 'U', P_DIR, "d_both" },
	{ 'U', P_FILE, "d_both/ub", "ub" },
	{ 'U', P_FILE, "f_upper", "upper" },
	{ 'U', P_DIR, "d_upper" },
	{ 'U', P_FILE, "d_upper/u", "u" },
	{ 'U', P_WHITEOUT, "gone" },
	{ 'U', P_DIR, "d_opq" },
	{ 'U', P_OPAQUE, "d_opq" },
	{ 'U', P_FILE, "d_opq/new", "new" },
};

/* every test checks the merged view, the lower layers and upper against the model (ovl_verify) */
KISOL_META_FIXTURE(ovl, "sides=both")

FIXTURE_SETUP(ovl)
{
	struct kisol_ovl_layout l = { .nlower = 2, .upper_tmpfs = variant->upper_tmpfs };
	struct kisol_ovl_model_opts mo = variant->model;
	char extra[256];

	kisol_ovl_zero(&self->o);
	self->model_ok = false;
	OVL_NEED_TRUSTED_FOR(variant->options);
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	mo.userxattr = ovl_userxattr();
	/* in a user namespace a copied-up file reports its upper st_ino (c846af050f94) */
	mo.unstable_ino = mo.unstable_ino || mo.userxattr;
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_ovl_init(&self->o, &l));
	OVL_NEED_XATTRS(&self->o);
	OVL_SETUP_ASSERT(&self->o, pop_layers(&self->o, population, KISOL_ARRAY_SIZE(population),
					      mo.userxattr));
	OVL_SETUP_ASSERT(&self->o, kisol_ovl_model_init(&self->m, &self->o, &mo));
	self->model_ok = true;
	OVL_MOUNT_OR_SKIP(&self->o, variant->api, ovl_extra(variant->options, extra, sizeof(extra)),
			  variant->flags, variant->upper_tmpfs);
	if (!self->o.mounted)
		kisol_ovl_model_free(&self->m);
}

FIXTURE_TEARDOWN(ovl)
{
	if (self->model_ok)
		kisol_ovl_model_free(&self->m);
	kisol_ovl_cleanup(&self->o);
}

#define RUN(...)                                                                     \
	do {                                                                         \
		const struct kisol_ovl_op _ops_[] = { __VA_ARGS__ };                 \
		ovl_run_ops(_metadata, &self->m, &self->o, _ops_, KISOL_ARRAY_SIZE(_ops_)); \
		ovl_verify(_metadata, &self->m, &self->o, true);                     \
	} while (0)

/* The merged view of the populated layers: upper shadows, whiteout and opaque hide, lower order. */
TEST_F(ovl, initial_merge)
{
	char buf[64];

	ovl_verify(_metadata, &self->m, &self->o, true);
	/* spelled out, independent of the model */
	ASSERT_EQ(0, kisol_ovl_op_real(self->o.merged, &OVL_OP(READ, .path = "f_deep"), buf,
				       sizeof(buf)));
	EXPECT_STREQ("top", buf);
	ASSERT_EQ(0, kisol_ovl_op_real(self->o.merged, &OVL_OP(READ, .path = "f_both"), buf,
				       sizeof(buf)));
	EXPECT_STREQ("upper-both", buf);
	EXPECT_EQ(-ENOENT, kisol_ovl_op_real(self->o.merged, &OVL_OP(READ, .path = "gone"), buf,
					     sizeof(buf)));
	EXPECT_EQ(-ENOENT, kisol_ovl_op_real(self->o.merged,
					     &OVL_OP(READ, .path = "d_opq/hidden"), buf,
					     sizeof(buf)));
}

TEST_F(ovl, read_does_not_copy_up)
{
	RUN(OVL_OP(READ, .path = "f_lower"), OVL_OP(READ, .path = "d_lower/sub/b"),
	    OVL_OP(READ, .path = "only1"), OVL_OP(READ, .path = "d_lower"),
	    OVL_OP(READ, .path = "s_lower"));
}

TEST_F(ovl, open_rw_copies_up_data)
{
	RUN(OVL_OP(OPEN_RW, .path = "f_lower"),
	    OVL_OP(OPEN_RW, .path = "d_lower/sub/b"));
}

TEST_F(ovl, open_trunc_lower)
{
	RUN(OVL_OP(OPEN_TRUNC, .path = "f_lower"),
	    OVL_OP(READ, .path = "f_lower"));
}

TEST_F(ovl, create_new_files)
{
	RUN(OVL_OP(CREATE, .path = "n1", .data = "new1", .mode = 0640),
	    OVL_OP(CREATE, .path = "d_lower/sub/n2", .data = "new2", .mode = 0600),
	    OVL_OP(CREATE, .path = "d_upper/n3", .data = "n3", .mode = 0644),
	    OVL_OP(CREATE, .path = "f_lower", .data = "over", .mode = 0644),
	    OVL_OP(CREATE, .path = "nodir/x", .data = "x", .mode = 0644));
}

TEST_F(ovl, create_exclusive)
{
	RUN(OVL_OP(CREATE_EXCL, .path = "f_lower", .data = "x", .mode = 0644),
	    OVL_OP(CREATE_EXCL, .path = "f_upper", .data = "x", .mode = 0644),
	    OVL_OP(CREATE_EXCL, .path = "d_lower", .data = "x", .mode = 0644),
	    OVL_OP(CREATE_EXCL, .path = "gone", .data = "back", .mode = 0644),
	    OVL_OP(CREATE_EXCL, .path = "d_lower/ex", .data = "ex", .mode = 0604));
}

TEST_F(ovl, write_lower_deep)
{
	RUN(OVL_OP(APPEND, .path = "d_lower/sub/b", .data = "+1"),
	    OVL_OP(APPEND, .path = "only1", .data = "+2"),
	    OVL_OP(READ, .path = "d_lower/sub/b"));
}

TEST_F(ovl, write_upper_and_both)
{
	RUN(OVL_OP(APPEND, .path = "f_upper", .data = "+u"),
	    OVL_OP(APPEND, .path = "f_both", .data = "+b"),
	    OVL_OP(APPEND, .path = "d_both/la", .data = "+la"));
}

TEST_F(ovl, truncate_lower_and_upper)
{
	RUN(OVL_OP(TRUNCATE, .path = "f_lower", .len = 2),
	    OVL_OP(TRUNCATE, .path = "f_upper", .len = 1),
	    OVL_OP(TRUNCATE, .path = "d_lower", .len = 0));
}

TEST_F(ovl, chmod_copies_up_metadata)
{
	RUN(OVL_OP(CHMOD, .path = "f_lower", .mode = 0600),
	    OVL_OP(CHMOD, .path = "d_lower/sub", .mode = 0700),
	    OVL_OP(CHMOD, .path = "f_exec", .mode = 0711),
	    OVL_OP(CHMOD, .path = "f_both", .mode = 0644));
}

TEST_F(ovl, chown_copies_up_metadata)
{
	NEED_ROOT_TO("chown to other ids (a user namespace of its own maps one)");
	RUN(OVL_OP(CHOWN, .path = "f_lower", .uid = 1234, .gid = 5678),
	    OVL_OP(CHOWN, .path = "s_lower", .uid = 42, .gid = 43),
	    OVL_OP(CHOWN, .path = "e_lower", .uid = 7, .gid = 8));
}

TEST_F(ovl, utimes_copies_up_metadata)
{
	RUN(OVL_OP(UTIMES, .path = "f_lower", .len = 1234567890),
	    OVL_OP(UTIMES, .path = "s_lower", .len = 1111111111),
	    OVL_OP(UTIMES, .path = "f_upper", .len = 1222222222));
}

TEST_F(ovl, xattr_set_and_remove)
{
	OVL_NEED_USER_XATTRS();
	RUN(OVL_OP(SETXATTR, .path = "f_lower", .data = "v1"),
	    OVL_OP(RMXATTR, .path = "x_lower"),
	    OVL_OP(RMXATTR, .path = "f_deep"),
	    OVL_OP(SETXATTR, .path = "d_lower", .data = "dir"),
	    OVL_OP(SETXATTR, .path = "s_lower", .data = "no"));
}

TEST_F(ovl, xattr_preserved_by_data_copy_up)
{
	OVL_NEED_USER_XATTRS();
	RUN(OVL_OP(APPEND, .path = "x_lower", .data = "+"),
	    OVL_OP(CHMOD, .path = "x_lower", .mode = 0640));
}

TEST_F(ovl, link_lower_file)
{
	RUN(OVL_OP(LINK, .path = "f_lower", .path2 = "f_link"),
	    OVL_OP(LINK, .path = "d_lower", .path2 = "d_link"),
	    OVL_OP(LINK, .path = "f_upper", .path2 = "d_lower/f_up_link"),
	    OVL_OP(LINK, .path = "f_lower", .path2 = "f_both"),
	    OVL_OP(APPEND, .path = "f_link", .data = "+shared"));
}

/* Lower hardlinks: copy-up of one breaks the link without index, keeps it with index=on. */
TEST_F(ovl, hardlink_copy_up)
{
	RUN(OVL_OP(APPEND, .path = "hl1", .data = "+1"),
	    OVL_OP(READ, .path = "hl2"),
	    OVL_OP(CHMOD, .path = "hl2", .mode = 0600));
}

TEST_F(ovl, symlink_and_readlink)
{
	RUN(OVL_OP(SYMLINK, .path = "new_sym", .data = "f_lower"),
	    OVL_OP(SYMLINK, .path = "d_lower/sub/s2", .data = "../a"),
	    OVL_OP(READLINK, .path = "new_sym"),
	    OVL_OP(READLINK, .path = "s_lower"),
	    OVL_OP(READLINK, .path = "f_lower"),
	    OVL_OP(SYMLINK, .path = "f_upper", .data = "x"));
}

TEST_F(ovl, unlink_lower_upper_both)
{
	RUN(OVL_OP(UNLINK, .path = "f_lower"),
	    OVL_OP(UNLINK, .path = "f_upper"),
	    OVL_OP(UNLINK, .path = "f_both"),
	    OVL_OP(UNLINK, .path = "d_lower/a"),
	    OVL_OP(UNLINK, .path = "s_lower"),
	    OVL_OP(UNLINK, .path = "only1"),
	    OVL_OP(UNLINK, .path = "d_lower"));
}

TEST_F(ovl, rmdir_lower_upper)
{
	RUN(OVL_OP(RMDIR, .path = "e_lower"),
	    OVL_OP(RMDIR, .path = "d_upper"),
	    OVL_OP(UNLINK, .path = "d_upper/u"),
	    OVL_OP(RMDIR, .path = "d_upper"),
	    OVL_OP(RMDIR, .path = "d_lower"),
	    OVL_OP(RMDIR, .path = "f_lower"));
}

TEST_F(ovl, rmdir_merged_after_emptying)
{
	RUN(OVL_OP(UNLINK, .path = "d_both/la"),
	    OVL_OP(UNLINK, .path = "d_both/ub"),
	    OVL_OP(RMDIR, .path = "d_both"),
	    OVL_OP(UNLINK, .path = "d_lower/a"),
	    OVL_OP(UNLINK, .path = "d_lower/l1file"),
	    OVL_OP(UNLINK, .path = "d_lower/sub/b"),
	    OVL_OP(RMDIR, .path = "d_lower/sub"),
	    OVL_OP(RMDIR, .path = "d_lower"));
}

TEST_F(ovl, mkdir_new_and_over_whiteout_is_opaque)
{
	RUN(OVL_OP(MKDIR, .path = "newdir", .mode = 0751),
	    OVL_OP(MKDIR, .path = "d_lower/sub/nd", .mode = 0700),
	    OVL_OP(RMDIR, .path = "e_lower"),
	    OVL_OP(MKDIR, .path = "e_lower", .mode = 0755),
	    OVL_OP(CREATE, .path = "e_lower/x", .data = "x", .mode = 0644),
	    OVL_OP(MKDIR, .path = "f_lower", .mode = 0755));
}

TEST_F(ovl, recreate_file_over_whiteout)
{
	RUN(OVL_OP(UNLINK, .path = "f_lower"),
	    OVL_OP(CREATE, .path = "f_lower", .data = "reborn", .mode = 0600),
	    OVL_OP(UNLINK, .path = "gone"),
	    OVL_OP(CREATE, .path = "gone", .data = "back", .mode = 0644),
	    OVL_OP(UNLINK, .path = "gone"));
}

/* A merged directory replaced by a new one: the new one hides the old content (opaque). */
TEST_F(ovl, replace_populated_dir)
{
	RUN(OVL_OP(UNLINK, .path = "d_both/la"),
	    OVL_OP(UNLINK, .path = "d_both/ub"),
	    OVL_OP(RMDIR, .path = "d_both"),
	    OVL_OP(MKDIR, .path = "d_both", .mode = 0700),
	    OVL_OP(CREATE, .path = "d_both/la", .data = "fresh", .mode = 0644));
}

TEST_F(ovl, rename_files)
{
	RUN(OVL_OP(RENAME, .path = "f_lower", .path2 = "f_renamed"),
	    OVL_OP(RENAME, .path = "f_upper", .path2 = "d_lower/f_moved"),
	    OVL_OP(RENAME, .path = "f_both", .path2 = "f_from_both"),
	    OVL_OP(RENAME, .path = "d_lower/sub/b", .path2 = "e_lower/b"),
	    OVL_OP(RENAME, .path = "s_lower", .path2 = "s_moved"));
}

TEST_F(ovl, rename_file_over_existing)
{
	RUN(OVL_OP(RENAME, .path = "f_lower", .path2 = "f_both"),
	    OVL_OP(RENAME, .path = "f_deep", .path2 = "f_upper"),
	    OVL_OP(RENAME, .path = "only1", .path2 = "d_lower"),
	    OVL_OP(RENAME, .path = "x_lower", .path2 = "x_lower"));
}

TEST_F(ovl, rename_empty_lower_dir)
{
	RUN(OVL_OP(RENAME, .path = "e_lower", .path2 = "e_moved"));
}

TEST_F(ovl, rename_populated_lower_dir)
{
	RUN(OVL_OP(RENAME, .path = "d_lower", .path2 = "d_moved"),
	    OVL_OP(READ, .path = "d_moved/a"),
	    OVL_OP(UNLINK, .path = "d_moved/a"),
	    OVL_OP(CREATE, .path = "d_lower", .data = "file now", .mode = 0644));
}

TEST_F(ovl, rename_merged_dir)
{
	RUN(OVL_OP(RENAME, .path = "d_both", .path2 = "d_both2"),
	    OVL_OP(READ, .path = "d_both2/la"));
}

TEST_F(ovl, rename_upper_only_dir)
{
	RUN(OVL_OP(RENAME, .path = "d_upper", .path2 = "d_upper2"),
	    OVL_OP(RENAME, .path = "d_upper2", .path2 = "d_lower/d_up_moved"),
	    OVL_OP(RENAME, .path = "d_opq", .path2 = "d_opq2"));
}

TEST_F(ovl, rename_dir_across_parents)
{
	RUN(OVL_OP(RENAME, .path = "d_lower/sub", .path2 = "e_lower/sub"),
	    OVL_OP(READ, .path = "e_lower/sub/b"));
}

/* Renaming a renamed directory: the redirect keeps pointing at the lower directory. */
TEST_F(ovl, rename_dir_twice)
{
	RUN(OVL_OP(RENAME, .path = "d_lower", .path2 = "d_a"),
	    OVL_OP(RENAME, .path = "d_a", .path2 = "d_b"),
	    OVL_OP(RENAME, .path = "d_b", .path2 = "e_lower/d_c"),
	    OVL_OP(READ, .path = "e_lower/d_c/sub/b"));
}

/* A subdirectory of a renamed directory moved elsewhere: its absolute redirect goes through the parent's. */
TEST_F(ovl, rename_child_of_renamed_dir)
{
	RUN(OVL_OP(RENAME, .path = "d_lower", .path2 = "d_moved"),
	    OVL_OP(RENAME, .path = "d_moved/sub", .path2 = "e_lower/sub2"),
	    OVL_OP(UNLINK, .path = "e_lower/sub2/b"),
	    OVL_OP(RMDIR, .path = "e_lower/sub2"));
}

/* A directory only in the bottom lower layer: rename, then remove through the new name. */
TEST_F(ovl, rename_dir_from_bottom_layer)
{
	RUN(OVL_OP(RENAME, .path = "d_bottom", .path2 = "d_lower/from_bottom"),
	    OVL_OP(READ, .path = "d_lower/from_bottom/bs"),
	    OVL_OP(UNLINK, .path = "d_lower/from_bottom/bx"),
	    OVL_OP(RENAME, .path = "d_bottom", .path2 = "d_bottom2"));
}

/* Changes inside a directory that only the bottom layer has. */
TEST_F(ovl, change_inside_bottom_only_dir)
{
	RUN(OVL_OP(CHMOD, .path = "d_bottom/bx", .mode = 0600),
	    OVL_OP(UNLINK, .path = "d_bottom/bs"),
	    OVL_OP(CREATE, .path = "d_bottom/new", .data = "n", .mode = 0644),
	    OVL_OP(MKDIR, .path = "d_bottom/nd", .mode = 0755));
}

TEST_F(ovl, errors_match)
{
	RUN(OVL_OP(READ, .path = "missing"),
	    OVL_OP(READ, .path = "f_lower/x"),
	    OVL_OP(UNLINK, .path = "d_lower"),
	    OVL_OP(RMDIR, .path = "f_lower"),
	    OVL_OP(MKDIR, .path = "f_lower", .mode = 0755),
	    OVL_OP(CREATE, .path = "missing/x", .data = "x", .mode = 0644),
	    OVL_OP(OPEN_RW, .path = "d_lower"),
	    OVL_OP(RENAME, .path = "missing", .path2 = "x"),
	    OVL_OP(RENAME, .path = "d_lower", .path2 = "f_lower"),
	    OVL_OP(RENAME, .path = "f_lower", .path2 = "e_lower"),
	    OVL_OP(RMDIR, .path = "gone"),
	    OVL_OP(READLINK, .path = "d_opq/hidden"));
}

TEST_F(ovl, layer_order_copy_up_from_bottom)
{
	RUN(OVL_OP(READ, .path = "f_deep"),
	    OVL_OP(APPEND, .path = "f_deep", .data = "+"),
	    OVL_OP(CHMOD, .path = "d_lower/l1file", .mode = 0600),
	    OVL_OP(UNLINK, .path = "only1"));
}

KISOL_MAIN
