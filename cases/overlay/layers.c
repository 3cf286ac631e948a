// SPDX-License-Identifier: GPL-2.0-only
/*
 * Overlay layers beyond one plain lower (unionmount-testsuite's symlink,
 * trailing-slash and nested runs):
 *  - an overlay as the lower layer of another: the outer one copies up
 *    into its own upper and leaves the inner overlay untouched; an overlay
 *    is refused as upper layer, and a third level exceeds the stacking
 *    depth (FILESYSTEM_MAX_STACK_DEPTH 2);
 *  - path operations through symlinks and with trailing slashes, and
 *    O_CREAT through a dangling symlink, give on the merged view exactly
 *    the result and the tree a plain filesystem with the same content gives
 *    (the plain copy is the model), and never change the lower layer;
 *  - a read-only erofs image as lower layer (mounted from a file: erofs
 *    file-backed mounts, 6.12): copy-up to the upper, the image unchanged.
 *    squashfs needs a loop device, a host-wide object, so it is not used.
 */
#include <dirent.h>
#include <sys/wait.h>

#include "ovl_case.h"

static int mkfile(const char *dir, const char *name, const char *data)
{
	char p[PATH_MAX + 64];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (data && write(fd, data, strlen(data)) != (ssize_t)strlen(data)) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

static int content(const char *dir, const char *name, char *buf, size_t size)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return kisol_read_file(p, buf, size);
}

static int ovl_mount(const char *lower, const char *upper, const char *work, const char *target)
{
	char opts[4 * PATH_MAX];

	if (upper)
		snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
	else
		snprintf(opts, sizeof(opts), "lowerdir=%s", lower);
	return kisol_mnt_mount("overlay", target, "overlay", 0, opts);
}

static int ovl_mount_opts(const char *lower, const char *upper, const char *work,
			  const char *target, const char *extra)
{
	char opts[4 * PATH_MAX + 64];

	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s%s%s", lower, upper, work,
		 extra ? "," : "", extra ? extra : "");
	return kisol_mnt_mount("overlay", target, "overlay", 0, opts);
}

/* Sorted "name:type" list of a tree, one level deep plus one below directories. */
static void listing(const char *dir, const char *prefix, char *buf, size_t size)
{
	struct dirent **e;
	int n = scandir(dir, &e, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		char sub[PATH_MAX + 300], pre[300];

		if (strcmp(e[i]->d_name, ".") && strcmp(e[i]->d_name, "..")) {
			snprintf(buf + strlen(buf), size - strlen(buf), "%s%s:%d ", prefix, e[i]->d_name,
				 e[i]->d_type);
			if (e[i]->d_type == DT_DIR && !*prefix) {
				snprintf(sub, sizeof(sub), "%s/%s", dir, e[i]->d_name);
				snprintf(pre, sizeof(pre), "%s/", e[i]->d_name);
				listing(sub, pre, buf, size);
			}
		}
		free(e[i]);
	}
	if (n >= 0)
		free(e);
}

FIXTURE(lay) {
	char dir[PATH_MAX];
	char disk[PATH_MAX]; /* scratch directory on the host disk, if used */
	char l[PATH_MAX + 8], u[PATH_MAX + 8], w[PATH_MAX + 8], m[PATH_MAX + 8];
};

FIXTURE_SETUP(lay)
{
	static const char *const sub[] = { "l", "u", "w", "m", "u2", "w2", "m2", "u3", "w3", "m3",
					   "p" };
	char p[PATH_MAX + 8];

	self->dir[0] = self->disk[0] = '\0';
	NEED_ROOT_TO("stack overlays on an erofs image and the host disk (erofs is not mountable "
		     "in a user namespace)");
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("lay", "mode=0755", self->dir, sizeof(self->dir)));
	for (size_t i = 0; i < KISOL_ARRAY_SIZE(sub); i++) {
		snprintf(p, sizeof(p), "%s/%s", self->dir, sub[i]);
		ASSERT_EQ(0, mkdir(p, 0755));
	}
	snprintf(self->l, sizeof(self->l), "%s/l", self->dir);
	snprintf(self->u, sizeof(self->u), "%s/u", self->dir);
	snprintf(self->w, sizeof(self->w), "%s/w", self->dir);
	snprintf(self->m, sizeof(self->m), "%s/m", self->dir);
}

FIXTURE_TEARDOWN(lay)
{
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->dir));
	if (self->disk[0])
		EXPECT_EQ(0, kisol_mnt_rm_rf(self->disk));
}

#define SUB(buf, self, name) snprintf(buf, sizeof(buf), "%s/%s", (self)->dir, name)

/* Overlay B over overlay A: B copies up into its own upper; A and its layers are unchanged. */
TEST_F(lay, nested_overlay_as_lower)
{
	char u2[PATH_MAX + 8], w2[PATH_MAX + 8], m2[PATH_MAX + 8], buf[64] = "";
	char u3[PATH_MAX + 8], w3[PATH_MAX + 8], m3[PATH_MAX + 8], sub[PATH_MAX + 16];
	int r;

	SUB(u2, self, "u2");
	SUB(w2, self, "w2");
	SUB(m2, self, "m2");
	SUB(u3, self, "u3");
	SUB(w3, self, "w3");
	SUB(m3, self, "m3");
	ASSERT_EQ(0, mkfile(self->l, "f", "lower"));
	r = ovl_mount(self->l, self->u, self->w, self->m);
	if (r == -ENODEV)
		SKIP(return, "overlay filesystem not available (CONFIG_OVERLAY_FS)");
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, ovl_mount(self->m, u2, w2, m2));
	ASSERT_LT(0, content(m2, "f", buf, sizeof(buf)));
	EXPECT_STREQ("lower", buf);
	ASSERT_EQ(0, mkfile(m2, "f", "outer"));
	ASSERT_LT(0, content(u2, "f", buf, sizeof(buf)));
	EXPECT_STREQ("outer", buf) TH_LOG("the outer overlay's upper holds the copy-up");
	ASSERT_LT(0, content(self->m, "f", buf, sizeof(buf)));
	EXPECT_STREQ("lower", buf) TH_LOG("the inner overlay changed");
	EXPECT_EQ(-ENOENT, content(self->u, "f", buf, sizeof(buf))) TH_LOG("the inner upper got a copy-up");
	/* an overlay is no upper layer, and a third level is too deep */
	snprintf(sub, sizeof(sub), "%s/sub", self->m);
	ASSERT_EQ(0, mkdir(sub, 0755));
	EXPECT_NE(0, ovl_mount(self->l, sub, w3, m3)) TH_LOG("an overlay was taken as upper layer");
	EXPECT_EQ(-EINVAL, ovl_mount(m2, u3, w3, m3)) TH_LOG("a third stacking level was accepted");
	EXPECT_EQ(0, kisol_mnt_is_mountpoint(m3));
}
KISOL_META(lay, nested_overlay_as_lower, "ref=unionmount-testsuite nested layers")

/* ------------------------------------------------------------------ */
/* Symlinks, trailing slashes, dangling links: the merged view against a plain copy */

enum pop_op {
	PO_STAT, PO_OPEN, PO_OPEN_CREAT, PO_OPEN_CREAT_EXCL, PO_MKDIR, PO_RMDIR, PO_UNLINK, PO_RENAME,
	PO_LINK, PO_SYMLINK, PO_READLINK,
};

FIXTURE(path) {
	char dir[PATH_MAX];
	char l[PATH_MAX + 8], p[PATH_MAX + 8], m[PATH_MAX + 8];
};

FIXTURE_VARIANT(path) {
	enum pop_op op;
	const char *a, *b;
	const char *opts; /* extra overlay options */
	int exdev;        /* the merged view refuses with EXDEV where the plain fs renames */
};

FIXTURE_VARIANT_ADD(path, stat_link_slash) { PO_STAT, "ln/" };
FIXTURE_VARIANT_ADD(path, stat_file_slash) { PO_STAT, "f/" };
FIXTURE_VARIANT_ADD(path, open_file_slash) { PO_OPEN, "f/" };
FIXTURE_VARIANT_ADD(path, creat_through_dangling) { PO_OPEN_CREAT, "dangling" };
FIXTURE_VARIANT_ADD(path, creat_excl_through_dangling) { PO_OPEN_CREAT_EXCL, "dangling" };
FIXTURE_VARIANT_ADD(path, creat_dangling_slash) { PO_OPEN_CREAT, "dangling/" };
FIXTURE_VARIANT_ADD(path, creat_in_dir_through_link) { PO_OPEN_CREAT, "ln/new" };
FIXTURE_VARIANT_ADD(path, mkdir_slash) { PO_MKDIR, "nd/" };
FIXTURE_VARIANT_ADD(path, mkdir_over_dangling) { PO_MKDIR, "dangling/" };
FIXTURE_VARIANT_ADD(path, rmdir_link_slash) { PO_RMDIR, "ln/" };
FIXTURE_VARIANT_ADD(path, rmdir_dir_slash) { PO_RMDIR, "e/" };
FIXTURE_VARIANT_ADD(path, unlink_link_slash) { PO_UNLINK, "ln/" };
FIXTURE_VARIANT_ADD(path, unlink_link) { PO_UNLINK, "ln" };
FIXTURE_VARIANT_ADD(path, rename_file_to_slash) { PO_RENAME, "f", "g/" };
FIXTURE_VARIANT_ADD(path, rename_dir_slash_redirect) { PO_RENAME, "d/", "d2/", "redirect_dir=on" };
/* without redirect_dir a lower directory is not renamed: EXDEV, userspace copies instead */
FIXTURE_VARIANT_ADD(path, rename_dir_slash_no_redirect) { PO_RENAME, "d/", "d2/", "redirect_dir=off", 1 };
FIXTURE_VARIANT_ADD(path, rename_link_slash) { PO_RENAME, "ln/", "ln2" };
FIXTURE_VARIANT_ADD(path, rename_over_link) { PO_RENAME, "f", "ln" };
FIXTURE_VARIANT_ADD(path, link_into_dir_through_link) { PO_LINK, "f", "ln/f" };
FIXTURE_VARIANT_ADD(path, symlink_slash) { PO_SYMLINK, "f", "nl/" };
FIXTURE_VARIANT_ADD(path, readlink_slash) { PO_READLINK, "ln/" };

/* l and p get the same tree: f, d/x, e (empty dir), ln -> d, dangling -> missing. */
static int populate(const char *root)
{
	char p[PATH_MAX + 32];

	snprintf(p, sizeof(p), "%s/d", root);
	if (mkdir(p, 0755))
		return -errno;
	snprintf(p, sizeof(p), "%s/e", root);
	if (mkdir(p, 0755))
		return -errno;
	if (mkfile(root, "f", "f") || mkfile(root, "d/x", "x"))
		return -EIO;
	snprintf(p, sizeof(p), "%s/ln", root);
	if (symlink("d", p))
		return -errno;
	snprintf(p, sizeof(p), "%s/dangling", root);
	return symlink("missing", p) ? -errno : 0;
}

FIXTURE_SETUP(path)
{
	char u[PATH_MAX + 8], w[PATH_MAX + 8], extra[256];
	int r;

	self->dir[0] = '\0';
	OVL_NEED_TRUSTED_FOR(variant->opts);
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_scratch_tmpfs("opath", "mode=0755", self->dir, sizeof(self->dir)));
	snprintf(self->l, sizeof(self->l), "%s/l", self->dir);
	snprintf(self->p, sizeof(self->p), "%s/p", self->dir);
	snprintf(self->m, sizeof(self->m), "%s/m", self->dir);
	SUB(u, self, "u");
	SUB(w, self, "w");
	ASSERT_EQ(0, mkdir(self->l, 0755));
	ASSERT_EQ(0, mkdir(self->p, 0755));
	ASSERT_EQ(0, mkdir(self->m, 0755));
	ASSERT_EQ(0, mkdir(u, 0755));
	ASSERT_EQ(0, mkdir(w, 0755));
	ASSERT_EQ(0, populate(self->l));
	ASSERT_EQ(0, populate(self->p));
	r = ovl_mount_opts(self->l, u, w, self->m, ovl_extra(variant->opts, extra, sizeof(extra)));
	if (r == -ENODEV)
		SKIP(return, "overlay filesystem not available (CONFIG_OVERLAY_FS)");
	ASSERT_EQ(0, r);
}

FIXTURE_TEARDOWN(path)
{
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_scratch_release(self->dir));
}

static int rc(long r)
{
	return r < 0 ? -errno : 0;
}

static int apply(const char *root, enum pop_op op, const char *a, const char *b)
{
	char pa[PATH_MAX + 64], pb[PATH_MAX + 64], buf[64];
	struct stat st;
	int fd, flags = O_RDONLY;

	snprintf(pa, sizeof(pa), "%s/%s", root, a);
	snprintf(pb, sizeof(pb), "%s/%s", root, b ? b : "");
	switch (op) {
	case PO_STAT:
		return rc(stat(pa, &st));
	case PO_OPEN_CREAT:
		flags = O_WRONLY | O_CREAT;
		goto do_open;
	case PO_OPEN_CREAT_EXCL:
		flags = O_WRONLY | O_CREAT | O_EXCL;
		goto do_open;
	case PO_OPEN:
do_open:
		fd = open(pa, flags | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	case PO_MKDIR:
		return rc(mkdir(pa, 0755));
	case PO_RMDIR:
		return rc(rmdir(pa));
	case PO_UNLINK:
		return rc(unlink(pa));
	case PO_RENAME:
		return rc(rename(pa, pb));
	case PO_LINK:
		return rc(link(pa, pb));
	case PO_SYMLINK:
		return rc(symlink(a, pb));
	case PO_READLINK:
		return rc(readlink(pa, buf, sizeof(buf)));
	}
	return -EINVAL;
}

TEST_F(path, same_as_plain_filesystem)
{
	char want[4096] = "", got[4096] = "", l0[4096] = "", l1[4096] = "";
	int rp, rm;

	listing(self->l, "", l0, sizeof(l0));
	if (variant->exdev)
		listing(self->p, "", want, sizeof(want)); /* the refused rename leaves this tree */
	rp = apply(self->p, variant->op, variant->a, variant->b);
	rm = apply(self->m, variant->op, variant->a, variant->b);
	EXPECT_EQ(variant->exdev ? -EXDEV : rp, rm) TH_LOG("plain: %s, merged: %s",
							  rp ? strerror(-rp) : "ok",
							  rm ? strerror(-rm) : "ok");
	if (!variant->exdev)
		listing(self->p, "", want, sizeof(want));
	listing(self->m, "", got, sizeof(got));
	EXPECT_STREQ(want, got);
	listing(self->l, "", l1, sizeof(l1));
	EXPECT_STREQ(l0, l1) TH_LOG("the lower layer changed");
}
KISOL_META(path, same_as_plain_filesystem, "ref=unionmount-testsuite symlink, trailing slash")

/* ------------------------------------------------------------------ */
/* erofs lower layer                                                   */

static int run_mkfs_erofs(const char *img, const char *src)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execlp("mkfs.erofs", "mkfs.erofs", "--quiet", img, src, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -ECHILD;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

TEST_F(lay, erofs_image_as_lower)
{
	char src[PATH_MAX + 8], img[PATH_MAX + 32], ro[PATH_MAX + 8], buf[64] = "";
	char before[4096] = "", after[4096] = "";
	int r;

	SUB(src, self, "p");
	SUB(ro, self, "m2");
	/* on the host disk: a file-backed erofs needs read_folio, which tmpfs lacks */
	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "erofs", self->disk, sizeof(self->disk)));
	snprintf(img, sizeof(img), "%s/lower.erofs", self->disk);
	ASSERT_EQ(0, mkfile(src, "f", "image"));
	r = run_mkfs_erofs(img, src);
	if (r == 127)
		SKIP(return, "mkfs.erofs not found (Debian package erofs-utils)");
	ASSERT_EQ(0, r) TH_LOG("mkfs.erofs exited with %d", r);
	r = kisol_mnt_mount(img, ro, "erofs", MS_RDONLY, NULL);
	if (r == -ENODEV)
		SKIP(return, "erofs not available (CONFIG_EROFS_FS)");
	if (r == -ENOTBLK)
		SKIP(return, "erofs refuses an image file (ENOTBLK): file-backed mounts need 6.12 and "
			     "CONFIG_EROFS_FS_BACKED_BY_FILE");
	ASSERT_EQ(0, r) TH_LOG("mount erofs: %s", strerror(-r));
	listing(ro, "", before, sizeof(before));
	r = ovl_mount(ro, self->u, self->w, self->m);
	ASSERT_EQ(0, r) TH_LOG("overlay on erofs: %s", strerror(-r));
	ASSERT_LT(0, content(self->m, "f", buf, sizeof(buf)));
	EXPECT_STREQ("image", buf);
	ASSERT_EQ(0, mkfile(self->m, "f", "changed"));
	ASSERT_EQ(0, mkfile(self->m, "new", "n"));
	ASSERT_LT(0, content(self->u, "f", buf, sizeof(buf)));
	EXPECT_STREQ("changed", buf);
	ASSERT_LT(0, content(ro, "f", buf, sizeof(buf)));
	EXPECT_STREQ("image", buf);
	listing(ro, "", after, sizeof(after));
	EXPECT_STREQ(before, after);
}
KISOL_META(lay, erofs_image_as_lower, "ref=unionmount-testsuite;mutant_immune=rdonly: erofs is read-only by itself (its fill_super sets SB_RDONLY on every superblock), so MS_RDONLY dropped from the image mount changes nothing: an equivalent mutant")

KISOL_META_FIXTURE(lay, "sides=both")
KISOL_META_FIXTURE(path, "sides=both")

KISOL_MAIN
