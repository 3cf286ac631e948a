// SPDX-License-Identifier: GPL-2.0-only
/* kisol: overlayfs layers, mounting, probing, markers (see kisol/overlay.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <linux/mount.h>

#include "kisol/overlay.h"

void kisol_ovl_zero(struct kisol_ovl *o)
{
	memset(o, 0, sizeof(*o));
}

static int join(char *buf, size_t size, const char *a, const char *b)
{
	int n = snprintf(buf, size, "%s/%s", a, b);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int mkdir_join(char *buf, size_t size, const char *a, const char *b)
{
	int r = join(buf, size, a, b);

	if (r < 0)
		return r;
	return mkdir(buf, 0755) < 0 ? kisol_negerrno() : 0;
}

int kisol_ovl_init(struct kisol_ovl *o, const struct kisol_ovl_layout *l)
{
	char name[16];
	const char *uw;
	unsigned i;
	int r;

	if (!o || !l || l->nlower < 1 || l->nlower > KISOL_OVL_MAX_LOWER ||
	    l->ndata > KISOL_OVL_MAX_DATA || (l->no_upper && l->upper_tmpfs))
		return -EINVAL;
	kisol_ovl_zero(o);
	r = kisol_mnt_mkdtemp(l->parent, "ovl", o->root, sizeof(o->root));
	if (r < 0)
		return r;
	for (i = 0; r >= 0 && i < l->nlower; i++) {
		snprintf(name, sizeof(name), "l%u", i);
		r = mkdir_join(o->lower[i], PATH_MAX, o->root, name);
	}
	for (i = 0; r >= 0 && i < l->ndata; i++) {
		snprintf(name, sizeof(name), "d%u", i);
		r = mkdir_join(o->data[i], PATH_MAX, o->root, name);
	}
	if (r >= 0)
		r = mkdir_join(o->merged, PATH_MAX, o->root, "m");
	uw = o->root;
	if (r >= 0 && l->upper_tmpfs) {
		r = mkdir_join(o->upperfs, PATH_MAX, o->root, "t");
		if (r >= 0)
			r = kisol_mnt_tmpfs(o->upperfs, "mode=0755");
		if (r >= 0)
			r = kisol_mnt_set_propagation(o->upperfs, MS_PRIVATE, false);
		uw = o->upperfs;
	}
	if (r >= 0 && !l->no_upper) {
		r = mkdir_join(o->upper, PATH_MAX, uw, "u");
		if (r >= 0)
			r = mkdir_join(o->work, PATH_MAX, uw, "w");
		o->has_upper = true;
	}
	o->nlower = l->nlower;
	o->ndata = l->ndata;
	if (r < 0) {
		kisol_ovl_cleanup(o);
		return r;
	}
	return 0;
}

int kisol_ovl_options(const struct kisol_ovl *o, const char *extra, char *buf, size_t size)
{
	size_t off = 0;
	unsigned i;
	int n;

#define APPEND(...)                                                      \
	do {                                                             \
		n = snprintf(buf + off, size - off, __VA_ARGS__);        \
		if (n < 0 || (size_t)n >= size - off)                    \
			return -ENAMETOOLONG;                            \
		off += n;                                                \
	} while (0)

	if (!o || !buf || !size || !o->nlower)
		return -EINVAL;
	APPEND("lowerdir=");
	for (i = 0; i < o->nlower; i++)
		APPEND("%s%s", i ? ":" : "", o->lower[i]);
	for (i = 0; i < o->ndata; i++)
		APPEND("::%s", o->data[i]);
	if (o->has_upper)
		APPEND(",upperdir=%s,workdir=%s", o->upper, o->work);
	if (extra && *extra)
		APPEND(",%s", extra);
#undef APPEND
	return 0;
}

/*
 * Layer paths for fsconfig, whose strings are limited to 255 bytes: as
 * they are when short enough, else through /proc/self/fd/<fd of the
 * scratch root>/<relative path>.
 */
struct layer_paths {
	char lower[KISOL_OVL_MAX_LOWER + KISOL_OVL_MAX_DATA][PATH_MAX];
	char upper[PATH_MAX], work[PATH_MAX];
	char value[256 + PATH_MAX]; /* "L0:L1::D0" */
	int rootfd;
};

static void short_path(const struct kisol_ovl *o, int rootfd, const char *path, char *out)
{
	size_t len = strlen(o->root);

	if (rootfd >= 0 && !strncmp(path, o->root, len) && path[len] == '/')
		snprintf(out, PATH_MAX, "/proc/self/fd/%d%s", rootfd, path + len);
	else
		snprintf(out, PATH_MAX, "%s", path);
}

static int layer_paths(const struct kisol_ovl *o, struct layer_paths *lp, bool shorten)
{
	unsigned i, n = o->nlower + o->ndata;
	size_t off = 0;

	lp->rootfd = -1;
	if (shorten)
		lp->rootfd = open(o->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (i = 0; i < n; i++)
		short_path(o, lp->rootfd, i < o->nlower ? o->lower[i] : o->data[i - o->nlower],
			   lp->lower[i]);
	short_path(o, lp->rootfd, o->upper, lp->upper);
	short_path(o, lp->rootfd, o->work, lp->work);
	for (i = 0; i < n; i++) {
		int k = snprintf(lp->value + off, sizeof(lp->value) - off, "%s%s",
				 i == 0 ? "" : i < o->nlower ? ":" : "::", lp->lower[i]);

		if (k < 0 || (size_t)k >= sizeof(lp->value) - off)
			return -ENAMETOOLONG;
		off += k;
	}
	return 0;
}

/*
 * New API: one fsconfig call per key. Values over fsconfig's 255 bytes go
 * through short /proc/self/fd paths; plus: one lowerdir+/datadir+ per layer.
 */
static int mount_new(struct kisol_ovl *o, const char *extra, unsigned attr, bool plus,
		     char *log, size_t log_size)
{
	_cleanup_close_ int fs = -EBADF;
	_cleanup_close_ int mnt = -EBADF;
	_cleanup_close_ int rootfd = -EBADF;
	_cleanup_free_ struct layer_paths *lp = malloc(sizeof(*lp));
	unsigned i;
	int r;

	if (!lp)
		return -ENOMEM;
	r = layer_paths(o, lp, false);
	if (r == 0 && (strlen(lp->value) > 255 || strlen(lp->upper) > 255 ||
		       strlen(lp->work) > 255)) {
		r = layer_paths(o, lp, true);
		rootfd = lp->rootfd;
	}
	if (r < 0)
		return r;
	if (!plus && strlen(lp->value) > 255)
		return -ENAMETOOLONG;
	fs = kisol_mnt_fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return fs;
	r = kisol_mnt_fsconfig(fs, FSCONFIG_SET_STRING, "source", "kisol", 0);
	if (r >= 0 && !plus)
		r = kisol_mnt_fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lp->value, 0);
	for (i = 0; r >= 0 && plus && i < o->nlower; i++)
		r = kisol_mnt_fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", lp->lower[i], 0);
	for (i = 0; r >= 0 && plus && i < o->ndata; i++)
		r = kisol_mnt_fsconfig(fs, FSCONFIG_SET_STRING, "datadir+", lp->lower[o->nlower + i], 0);
	if (r >= 0 && o->has_upper)
		r = kisol_mnt_fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", lp->upper, 0);
	if (r >= 0 && o->has_upper)
		r = kisol_mnt_fsconfig(fs, FSCONFIG_SET_STRING, "workdir", lp->work, 0);
	if (r >= 0)
		r = kisol_mnt_fsconfig_opts(fs, extra);
	if (r >= 0)
		r = kisol_mnt_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
	if (r >= 0) {
		mnt = kisol_mnt_fsmount(fs, FSMOUNT_CLOEXEC, attr);
		r = mnt < 0 ? mnt : 0;
	}
	if (r < 0) {
		if (log && log_size)
			kisol_mnt_fs_log(fs, log, log_size);
		return r;
	}
	return kisol_mnt_attach(mnt, o->merged);
}

int kisol_ovl_mount(struct kisol_ovl *o, enum kisol_mnt_api api, const char *extra,
		    unsigned flags, char *log, size_t log_size)
{
	char opts[4 * PATH_MAX + 1024];
	unsigned attr = (flags & KISOL_OVL_RDONLY) ? MOUNT_ATTR_RDONLY : 0;
	int r;

	if (!o || !o->nlower || (flags & ~(KISOL_OVL_LAYERS_PLUS | KISOL_OVL_RDONLY)))
		return -EINVAL;
	if (o->mounted)
		return -EBUSY;
	if (log && log_size)
		log[0] = '\0';
	if (extra && strlen(extra) >= sizeof(o->options))
		return -ENAMETOOLONG;
	if ((flags & KISOL_OVL_LAYERS_PLUS) && api == KISOL_MNT_API_LEGACY)
		return -EINVAL;
	r = -ENOSYS;
	if (api != KISOL_MNT_API_LEGACY)
		r = mount_new(o, extra, attr, flags & KISOL_OVL_LAYERS_PLUS, log, log_size);
	if (api == KISOL_MNT_API_LEGACY ||
	    ((r == -ENOSYS || r == -ENAMETOOLONG) && api == KISOL_MNT_API_AUTO &&
	     !(flags & KISOL_OVL_LAYERS_PLUS))) {
		r = kisol_ovl_options(o, extra, opts, sizeof(opts));
		if (r >= 0)
			r = kisol_mnt_mount("kisol", o->merged, "overlay",
					    kisol_mnt_attr_to_ms(attr), opts);
	}
	if (r < 0)
		return r;
	o->mounted = true;
	o->api = api;
	o->flags = flags;
	snprintf(o->options, sizeof(o->options), "%s", extra ? extra : "");
	return 0;
}

int kisol_ovl_umount(struct kisol_ovl *o)
{
	int r;

	if (!o)
		return -EINVAL;
	if (!o->mounted)
		return 0;
	r = kisol_mnt_detach(o->merged);
	if (r < 0)
		return r;
	o->mounted = false;
	return 0;
}

int kisol_ovl_remount(struct kisol_ovl *o, char *log, size_t log_size)
{
	char extra[sizeof(o->options)];
	int r;

	if (!o || !o->mounted)
		return -EINVAL;
	/* A plain umount (not lazy): the superblock must go so that the
	 * next mount reads the layers afresh. */
	r = kisol_mnt_umount(o->merged, 0);
	if (r < 0)
		return r;
	o->mounted = false;
	memcpy(extra, o->options, sizeof(extra));
	return kisol_ovl_mount(o, o->api, extra, o->flags, log, log_size);
}

void kisol_ovl_cleanup(struct kisol_ovl *o)
{
	if (!o || !o->root[0])
		return;
	if (o->mounted)
		kisol_mnt_detach_all(o->merged);
	o->mounted = false;
	kisol_mnt_rm_rf(o->root);
	o->root[0] = '\0';
}

/* Mount once on a throw-away overlay with this layout: 0, or -errno (log filled). */
static int try_mount(const struct kisol_ovl_layout *layout, const char *extra,
		     enum kisol_mnt_api api, unsigned flags, char *log, size_t log_size)
{
	struct kisol_ovl o;
	int r;

	r = kisol_ovl_init(&o, layout);
	if (r < 0)
		return 1000 - r; /* setup failure, not the kernel's answer */
	r = kisol_ovl_mount(&o, api, extra, flags, log, log_size);
	kisol_ovl_cleanup(&o);
	return r;
}

/* Which single options of a comma separated list does the kernel refuse? */
static void blame_option(const struct kisol_ovl_layout *layout, const char *extra,
			 enum kisol_mnt_api api, unsigned flags, char *out, size_t size)
{
	_cleanup_free_ char *copy = strdup(extra ? extra : "");
	char *save = NULL, *tok;
	size_t off = 0;

	out[0] = '\0';
	if (!copy)
		return;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char log[8];
		int r = try_mount(layout, tok, api, flags, log, sizeof(log));

		if (r < 0)
			off += snprintf(out + off, size - off, "%s%s", off ? "," : "", tok);
		if (off >= size)
			break;
	}
}

int kisol_ovl_probe_layout(const struct kisol_ovl_layout *layout, const char *extra,
			   enum kisol_mnt_api api, unsigned flags, char *why, size_t size)
{
	struct kisol_ovl_layout one = { .nlower = 1, .upper_tmpfs = layout->upper_tmpfs,
					.no_upper = layout->no_upper, .parent = layout->parent };
	char log[256] = "", blame[256] = "";
	const char *what = NULL;
	int r;

	if (!layout || !why || size < 8)
		return -EINVAL;
	/* the layer setup itself: lowerdir+/datadir+, then data-only layers */
	if (flags & KISOL_OVL_LAYERS_PLUS) {
		r = try_mount(&one, NULL, api, flags, log, sizeof(log));
		if (r > 1000)
			return 1000 - r;
		if (r < 0)
			what = "fsconfig lowerdir+/datadir+ (6.8+)";
	}
	if (!what && layout->ndata) {
		r = try_mount(layout, NULL, api, flags, log, sizeof(log));
		if (r > 1000)
			return 1000 - r;
		if (r < 0)
			what = "data-only lower layers '::' (6.5+)";
	}
	if (!what) {
		r = try_mount(layout, extra, api, flags, log, sizeof(log));
		if (r > 1000)
			return 1000 - r;
		if (r == 0)
			return 0;
		if (r == -ENAMETOOLONG)
			what = "a lowerdir value over fsconfig's 255 bytes and no lowerdir+ (6.8+)";
		else if (extra && strchr(extra, ','))
			blame_option(layout, extra, api, flags, blame, sizeof(blame));
	}
	snprintf(why, size, "overlayfs (%s API%s) refused %s%s%s (%s)%s%s",
		 kisol_mnt_api_name(api), (flags & KISOL_OVL_LAYERS_PLUS) ? ", lowerdir+" : "",
		 what ? what : "'", what ? "" : (blame[0] ? blame : (extra ? extra : "")),
		 what ? "" : "'", strerrorname_np(-r) ?: "?", log[0] ? ": " : "", log);
	return 1;
}

int kisol_ovl_probe(const char *extra, enum kisol_mnt_api api, unsigned flags,
		    bool upper_tmpfs, char *why, size_t size)
{
	struct kisol_ovl_layout l = { .nlower = 1, .upper_tmpfs = upper_tmpfs };
	char buf[512];
	int r;

	r = kisol_ovl_probe_layout(&l, extra, api, flags, buf, sizeof(buf));
	if (r == 1 && why && size)
		snprintf(why, size, "%s", buf);
	return r;
}

/* ------------------------------------------------------------------ */
/* Markers                                                             */

int kisol_ovl_xattr_name(const char *name, bool userxattr, char *buf, size_t size)
{
	int n;

	if (!name || !buf)
		return -EINVAL;
	n = snprintf(buf, size, "%s.overlay.%s", userxattr ? "user" : "trusted", name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* getxattr relative to dfd without following a final symlink. */
static ssize_t lgetxattrat(int dfd, const char *path, const char *name, void *buf, size_t size)
{
	char p[PATH_MAX];

	if (dfd == AT_FDCWD || path[0] == '/') {
		snprintf(p, sizeof(p), "%s", path);
	} else {
		char fdp[64];
		ssize_t n;

		snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", dfd);
		n = readlink(fdp, p, sizeof(p) - 1);
		if (n < 0)
			return -1;
		p[n] = '\0';
		if (*path && strlen(p) + strlen(path) + 2 > sizeof(p)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (*path) {
			strcat(p, "/");
			strcat(p, path);
		}
	}
	return lgetxattr(p, name, buf, size);
}

int kisol_ovl_get_marker(int dfd, const char *path, const char *name, bool userxattr,
			 char *buf, size_t size)
{
	char x[128];
	ssize_t n;
	int r;

	if (!path || !buf || !size)
		return -EINVAL;
	r = kisol_ovl_xattr_name(name, userxattr, x, sizeof(x));
	if (r < 0)
		return r;
	n = lgetxattrat(dfd, path, x, buf, size - 1);
	if (n < 0)
		return kisol_negerrno();
	buf[n] = '\0';
	return (int)n;
}

int kisol_ovl_set_marker(int dfd, const char *path, const char *name, bool userxattr,
			 const char *value, size_t len)
{
	char x[128], p[PATH_MAX];
	int r;

	if (!path || !name)
		return -EINVAL;
	r = kisol_ovl_xattr_name(name, userxattr, x, sizeof(x));
	if (r < 0)
		return r;
	if (dfd != AT_FDCWD && path[0] != '/') {
		char fdp[64];
		ssize_t n;

		snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", dfd);
		n = readlink(fdp, p, sizeof(p) - 1);
		if (n < 0)
			return kisol_negerrno();
		p[n] = '\0';
		if (snprintf(p + n, sizeof(p) - n, "/%s", path) >= (int)(sizeof(p) - n))
			return -ENAMETOOLONG;
		path = p;
	}
	return lsetxattr(path, x, value, len, 0) < 0 ? kisol_negerrno() : 0;
}

int kisol_ovl_whiteout_kind(int dfd, const char *path, bool userxattr)
{
	struct stat st;
	char v[8];

	if (!path)
		return -EINVAL;
	if (fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return kisol_negerrno();
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
		return 1;
	if (S_ISREG(st.st_mode) && st.st_size == 0 &&
	    kisol_ovl_get_marker(dfd, path, "whiteout", userxattr, v, sizeof(v)) >= 0)
		return 2;
	return 0;
}

int kisol_ovl_is_opaque(int dfd, const char *path, bool userxattr)
{
	char v[8];
	int r;

	r = kisol_ovl_get_marker(dfd, path, "opaque", userxattr, v, sizeof(v));
	if (r == -ENODATA)
		return 0;
	if (r < 0)
		return r;
	return v[0] == 'y' || v[0] == 'x';
}

int kisol_ovl_mk_whiteout(int dfd, const char *path)
{
	if (!path)
		return -EINVAL;
	return mknodat(dfd, path, S_IFCHR | 0, makedev(0, 0)) < 0 ? kisol_negerrno() : 0;
}

int kisol_ovl_mk_xattr_whiteout(int dfd, const char *path, bool userxattr)
{
	char parent[PATH_MAX], *slash;
	int fd, r;

	if (!path)
		return -EINVAL;
	fd = openat(dfd, path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return kisol_negerrno();
	close(fd);
	r = kisol_ovl_set_marker(dfd, path, "whiteout", userxattr, "", 0);
	if (r < 0)
		return r;
	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(parent, ".");
	return kisol_ovl_set_marker(dfd, parent, "whiteouts", userxattr, "", 0);
}
