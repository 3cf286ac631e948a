// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mount rows, all on --storage: overlayfs as root and inside a user
 * namespace (copy-up and whiteout seen in the upper layer, lower layer
 * untouched), its options with their effect (redirect xattr after a
 * directory rename, metacopy-only copy-up after chmod, an index entry for
 * a hard-linked copy-up, lowerdir+ layers), idmapped mounts, the new mount
 * API with mount_setattr, and pivot_root into a fresh root. Everything is
 * mounted in a private mount namespace of a throwaway child.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/mount.h>

#include "kisol/mount.h"
#include "kisol/overlay.h"
#include "kisol/userns.h"
#include "vl.h"

enum ovl_effect { OVL_BASE, OVL_REDIRECT, OVL_METACOPY, OVL_INDEX, OVL_XINO, OVL_LOWERPLUS };

struct ovl_arg {
	bool userns;
	enum ovl_effect effect;
	const char *extra;
	char dir[4096];
};

static int put(const char *dir, const char *name, const char *data)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return kisol_write_file(p, data);
}

static int mkfile(const char *dir, const char *name, const char *data)
{
	char p[PATH_MAX + 64];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, data, strlen(data)) < 0) {
		close(fd);
		return -errno;
	}
	close(fd);
	return 0;
}

static int enter(bool userns, struct vl_msg *m)
{
	int r;

	if (userns) {
		r = vl_become_ordinary();
		if (r == 0)
			r = vl_userns_root(CLONE_NEWNS);
		if (r < 0)
			return vl_fail(m, r, "user + mount namespace as an ordinary user");
	} else if (unshare(CLONE_NEWNS) < 0) {
		return vl_fail(m, errno, "unshare(CLONE_NEWNS)");
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return vl_fail(m, errno, "making / private");
	return 0;
}

static int layers(struct kisol_ovl *o, struct ovl_arg *a, struct vl_msg *m)
{
	struct kisol_ovl_layout l = { .nlower = 1, .parent = a->dir };
	char p[PATH_MAX + 8], q[PATH_MAX + 8];
	int r = kisol_ovl_init(o, &l);

	if (r < 0)
		return vl_fail(m, r, "creating layers on the storage");
	r = mkfile(o->lower[0], "a", "lower");
	if (r == 0)
		r = mkfile(o->lower[0], "b", "lower");
	snprintf(p, sizeof(p), "%s/d", o->lower[0]);
	if (r == 0 && mkdir(p, 0755) < 0)
		r = -errno;
	if (r == 0)
		r = mkfile(p, "f", "lower");
	snprintf(p, sizeof(p), "%s/a", o->lower[0]);
	snprintf(q, sizeof(q), "%s/a2", o->lower[0]);
	if (r == 0 && a->effect == OVL_INDEX && link(p, q) < 0)
		r = -errno;
	return r < 0 ? vl_fail(m, r, "filling the lower layer") : 0;
}

static int effect(struct kisol_ovl *o, struct ovl_arg *a, struct vl_msg *m)
{
	char p[PATH_MAX + 8], q[PATH_MAX + 8], buf[64];
	_cleanup_close_ int up = open(o->upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st, root;
	DIR *d;
	int n = 0;

	switch (a->effect) {
	case OVL_BASE:
		if ((n = put(o->merged, "a", "upper")) < 0)
			return vl_fail(m, n, "writing a lower file through the merged view");
		snprintf(p, sizeof(p), "%s/b", o->merged);
		if (unlink(p) < 0)
			return vl_fail(m, errno, "unlinking a lower file");
		snprintf(p, sizeof(p), "%s/a", o->upper);
		if (kisol_read_file(p, buf, sizeof(buf)) < 0 || strcmp(buf, "upper"))
			return vl_fail(m, -EPROTO, "no copy-up of the written file in the upper layer");
		snprintf(p, sizeof(p), "%s/a", o->lower[0]);
		if (kisol_read_file(p, buf, sizeof(buf)) < 0 || strcmp(buf, "lower"))
			return vl_fail(m, -EPROTO, "the lower layer changed");
		if (kisol_ovl_whiteout_kind(up, "b", a->userns) <= 0)
			return vl_fail(m, -EPROTO, "no whiteout for the unlinked file in the upper layer");
		snprintf(p, sizeof(p), "%s/b", o->merged);
		if (access(p, F_OK) == 0)
			return vl_fail(m, -EPROTO, "the unlinked file is still visible");
		snprintf(m->detail, sizeof(m->detail), "copy-up and whiteout seen in the upper layer");
		return 0;
	case OVL_REDIRECT:
		snprintf(p, sizeof(p), "%s/d", o->merged);
		snprintf(q, sizeof(q), "%s/e", o->merged);
		if (rename(p, q) < 0)
			return vl_fail(m, errno, "renaming a lower directory");
		if (kisol_ovl_get_marker(up, "e", "redirect", a->userns, buf, sizeof(buf)) < 0)
			return vl_fail(m, -EPROTO, "no redirect xattr after renaming a lower directory");
		snprintf(m->detail, sizeof(m->detail), "a renamed lower directory got a redirect xattr");
		return 0;
	case OVL_METACOPY:
		snprintf(p, sizeof(p), "%s/a", o->merged);
		if (chmod(p, 0600) < 0)
			return vl_fail(m, errno, "chmod of a lower file");
		if (kisol_ovl_get_marker(up, "a", "metacopy", a->userns, buf, sizeof(buf)) < 0)
			return vl_fail(m, -EPROTO, "chmod copied the data up (no metacopy xattr)");
		snprintf(m->detail, sizeof(m->detail), "chmod copied up metadata only");
		return 0;
	case OVL_INDEX:
		if ((n = put(o->merged, "a", "upper")) < 0)
			return vl_fail(m, n, "writing a hard-linked lower file");
		snprintf(p, sizeof(p), "%s/index", o->work);
		n = 0;
		d = opendir(p);
		if (!d)
			return vl_fail(m, errno, "index=on accepted but no workdir/index (index turned off%s)",
				       a->userns ? " inside a user namespace" : "");
		for (struct dirent *e; (e = readdir(d));)
			n += e->d_name[0] != '.';
		closedir(d);
		if (!n)
			return vl_fail(m, -EPROTO, "no index entry after copying up a hard-linked file");
		snprintf(m->detail, sizeof(m->detail), "copy-up of a hard-linked file made an index entry");
		return 0;
	case OVL_XINO:
		snprintf(p, sizeof(p), "%s/a", o->merged);
		if (stat(p, &st) < 0 || stat(o->merged, &root) < 0)
			return vl_fail(m, errno, "stat in the merged view");
		if (st.st_dev != root.st_dev)
			return vl_fail(m, -EPROTO, "a lower file shows another st_dev than the overlay");
		snprintf(m->detail, sizeof(m->detail), "files show the overlay's st_dev");
		return 0;
	case OVL_LOWERPLUS:
		snprintf(p, sizeof(p), "%s/a", o->merged);
		if (kisol_read_file(p, buf, sizeof(buf)) < 0 || strcmp(buf, "lower"))
			return vl_fail(m, -EPROTO, "lower file not visible through a lowerdir+ mount");
		snprintf(m->detail, sizeof(m->detail), "layers given one by one with fsconfig lowerdir+");
		return 0;
	}
	return -EINVAL;
}

static int ovl_child(void *p, struct vl_msg *m)
{
	struct ovl_arg *a = p;
	struct kisol_ovl o;
	char extra[128], log[256] = "";
	unsigned flags = a->effect == OVL_LOWERPLUS ? KISOL_OVL_LAYERS_PLUS : 0;
	int r;

	kisol_ovl_zero(&o);
	r = enter(a->userns, m);
	if (r == 0)
		r = layers(&o, a, m);
	snprintf(extra, sizeof(extra), "%s%s%s", a->extra ? a->extra : "",
		 a->extra && a->userns ? "," : "", a->userns ? "userxattr" : "");
	if (r == 0) {
		r = kisol_ovl_mount(&o, flags ? KISOL_MNT_API_NEW : KISOL_MNT_API_AUTO,
				    extra[0] ? extra : NULL, flags, log, sizeof(log));
		if (r < 0)
			vl_fail(m, r, "mounting overlay%s%s%s%s", extra[0] ? " with " : "", extra,
				log[0] ? ": " : "", log);
		/* overlay refuses these with userxattr: they need trusted.* xattrs */
		if (r == -EINVAL && a->userns && (a->effect == OVL_REDIRECT || a->effect == OVL_METACOPY)) {
			size_t l = strlen(m->detail);

			m->denied = true;
			snprintf(m->detail + l, sizeof(m->detail) - l,
				 "; userxattr mounts refuse it (it needs trusted.* xattrs: root only)");
		}
	}
	if (r == 0)
		r = effect(&o, a, m);
	kisol_ovl_cleanup(&o);
	return r;
}

static struct ovl_arg ovl_arg_for(const char *id)
{
	static const struct {
		const char *id;
		enum ovl_effect e;
		const char *extra;
	} t[] = {
		{ "overlay.redirect_dir", OVL_REDIRECT, "redirect_dir=on" },
		{ "overlay.metacopy", OVL_METACOPY, "metacopy=on" },
		{ "overlay.index", OVL_INDEX, "index=on" },
		{ "overlay.xino", OVL_XINO, "xino=on" },
		{ "overlay.lowerdir_plus", OVL_LOWERPLUS, NULL },
	};
	struct ovl_arg a = { .effect = OVL_BASE };

	for (size_t i = 0; i < KISOL_ARRAY_SIZE(t); i++)
		if (!strcmp(t[i].id, id)) {
			a.effect = t[i].e;
			a.extra = t[i].extra;
		}
	return a;
}

static void ovl_run(struct vl_ctx *ctx, struct vl_row *row, struct ovl_arg *a)
{
	uid_t owner = a->userns && ctx->pol.root ? KISOL_UNPRIV_UID : geteuid();
	struct vl_msg m;
	int r = vl_scratch_dir(ctx, a->userns ? "ovl-userns" : "ovl", owner, a->dir, sizeof(a->dir));

	if (r < 0)
		return vl_set(row, VL_UNKNOWN, VL_UNKNOWN, "no scratch directory on the storage: %s",
			      strerror(-r));
	vl_child(ovl_child, NULL, a, 5000, &m);
	vl_set(row, m.rc == 0 || !m.denied ? VL_YES : VL_NO, m.rc == 0 ? VL_YES : VL_NO, "%s", m.detail);
	vl_append(row, " (%s%s on %s, %s)", a->userns ? "inside a user namespace" : "as root",
		  a->userns && ctx->pol.root ? " as an ordinary user" : "", ctx->storage, ctx->storage_fs);
}

void vl_probe_overlay(struct vl_ctx *ctx, struct vl_row *row)
{
	struct ovl_arg a = { .effect = OVL_BASE, .userns = strstr(row->f->id, "userns") != NULL };

	if (!a.userns && !ctx->pol.root)
		return vl_set(row, VL_NO, VL_UNKNOWN, "needs root (see overlay.userns for this user)");
	ovl_run(ctx, row, &a);
}

void vl_probe_overlay_opt(struct vl_ctx *ctx, struct vl_row *row)
{
	struct ovl_arg a = ovl_arg_for(row->f->id);

	a.userns = !ctx->pol.root;
	ovl_run(ctx, row, &a);
}

/* --- idmapped mounts ------------------------------------------------------ */

struct dir_arg {
	char dir[4096];
	bool userns;
};

static pid_t userns_holder(int *ret_fd)
{
	int go[2], st;
	char path[64], c;
	pid_t pid;

	if (pipe(go) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(go[1]);
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(1);
		c = 0;
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(go[0]);
	for (int i = 0; i < 10000; i++) { /* until the child has unshared */
		char a[64], b[64];
		ssize_t la, lb;

		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		la = readlink(path, a, sizeof(a));
		lb = readlink("/proc/self/ns/user", b, sizeof(b));
		if (la > 0 && lb > 0 && (la != lb || memcmp(a, b, (size_t)la)))
			break;
		if (waitpid(pid, &st, WNOHANG) == pid)
			return -EPERM;
		sched_yield();
	}
	if (kisol_userns_write_maps(pid, "0 100000 65536\n", "0 100000 65536\n", false) < 0 ||
	    (*ret_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -EPERM;
	}
	close(go[1]);
	return pid;
}

static int idmap_child(void *p, struct vl_msg *m)
{
	struct dir_arg *a = p;
	char src[4200], dst[4200], f[4300];
	struct stat st;
	int fd = -1, r;
	pid_t holder;

	r = enter(false, m);
	if (r < 0)
		return r;
	snprintf(src, sizeof(src), "%s/src", a->dir);
	snprintf(dst, sizeof(dst), "%s/dst", a->dir);
	if ((mkdir(src, 0755) < 0 && errno != EEXIST) || (mkdir(dst, 0755) < 0 && errno != EEXIST))
		return vl_fail(m, errno, "mkdir on the storage");
	if (mkfile(src, "f", "x") < 0)
		return vl_fail(m, errno, "file on the storage");
	holder = userns_holder(&fd);
	if (holder < 0)
		return vl_fail(m, holder, "a user namespace mapping 0 to 100000");
	r = kisol_mnt_idmapped(src, dst, fd, false);
	waitpid(holder, NULL, 0);
	close(fd);
	if (r < 0)
		return vl_fail(m, r, "idmapped mount of %s", a->dir);
	snprintf(f, sizeof(f), "%s/f", dst);
	if (stat(f, &st) < 0)
		return vl_fail(m, errno, "stat through the idmapped mount");
	if (st.st_uid != 100000)
		return vl_fail(m, -EPROTO, "a root-owned file shows uid %u, not 100000", (unsigned)st.st_uid);
	snprintf(m->detail, sizeof(m->detail), "a root-owned file shows uid 100000 through the idmapped mount");
	return 0;
}

void vl_probe_idmapped(struct vl_ctx *ctx, struct vl_row *row)
{
	struct dir_arg a = { 0 };
	struct vl_msg m;
	int r;

	if (!ctx->pol.root)
		return vl_set(row, VL_NO, VL_UNKNOWN, "idmapping %s (%s) needs CAP_SYS_ADMIN in the initial "
			      "user namespace", ctx->storage, ctx->storage_fs);
	r = vl_scratch_dir(ctx, "idmap", 0, a.dir, sizeof(a.dir));
	if (r < 0)
		return vl_set(row, VL_UNKNOWN, VL_UNKNOWN, "no scratch directory: %s", strerror(-r));
	vl_child(idmap_child, NULL, &a, 3000, &m);
	vl_set(row, m.rc == 0 || !m.denied ? VL_YES : VL_NO, m.rc == 0 ? VL_YES : VL_NO, "%s (on %s, %s)",
	       m.detail, ctx->storage, ctx->storage_fs);
}

/* --- new mount API and pivot_root ----------------------------------------- */

static int api_child(void *p, struct vl_msg *m)
{
	struct dir_arg *a = p;
	char log[256] = "", f[4200];
	struct statfs sf;
	int fd, r;

	r = enter(a->userns, m);
	if (r < 0)
		return r;
	fd = kisol_mnt_fs_create("tmpfs", "kisol-vl", "size=64k", 0, log, sizeof(log));
	if (fd < 0)
		return vl_fail(m, fd, "fsopen/fsconfig/fsmount tmpfs%s%s", log[0] ? ": " : "", log);
	r = kisol_mnt_attach(fd, a->dir);
	close(fd);
	if (r < 0)
		return vl_fail(m, r, "move_mount");
	if (statfs(a->dir, &sf) < 0 || sf.f_type != TMPFS_MAGIC)
		return vl_fail(m, -EPROTO, "the attached mount is not the tmpfs");
	r = kisol_mnt_setattr(AT_FDCWD, a->dir, MOUNT_ATTR_RDONLY, 0, 0, false);
	snprintf(f, sizeof(f), "%s/x", a->dir);
	if (r == 0 && (mkfile(a->dir, "x", "x") != -EROFS))
		return vl_fail(m, -EPROTO, "mount_setattr(MOUNT_ATTR_RDONLY) did not make it read-only");
	snprintf(m->detail, sizeof(m->detail), "fsopen/fsmount/move_mount mounted a tmpfs; %s",
		 r == 0 ? "mount_setattr made it read-only" : "no mount_setattr (5.12+)");
	return 0;
}

static int pivot_child(void *p, struct vl_msg *m)
{
	struct dir_arg *a = p;
	struct statfs sf;
	int r;

	r = enter(a->userns, m);
	if (r < 0)
		return r;
	r = kisol_mnt_make_root(a->dir, 0);
	if (r < 0)
		return vl_fail(m, r, "preparing a root");
	r = kisol_mnt_enter_root(a->dir);
	if (r < 0)
		return vl_fail(m, r, "pivot_root");
	if (statfs("/", &sf) < 0 || sf.f_type != TMPFS_MAGIC)
		return vl_fail(m, -EPROTO, "/ is not the new root");
	if (access("/etc/passwd", F_OK) == 0 || access("/oldroot/etc", F_OK) == 0)
		return vl_fail(m, -EPROTO, "the old root is still reachable");
	snprintf(m->detail, sizeof(m->detail), "pivot_root into a fresh root; the old root unreachable");
	return 0;
}

static void dir_run(struct vl_ctx *ctx, struct vl_row *row, vl_child_fn fn, const char *name)
{
	struct dir_arg a = { .userns = !(ctx->pol.cap_eff & (1ull << 21)) };
	struct vl_msg m;
	int r = vl_scratch_dir(ctx, name, geteuid(), a.dir, sizeof(a.dir));

	if (r < 0)
		return vl_set(row, VL_UNKNOWN, VL_UNKNOWN, "no scratch directory: %s", strerror(-r));
	vl_child(fn, NULL, &a, 3000, &m);
	vl_set(row, m.rc == 0 || !m.denied ? VL_YES : VL_NO, m.rc == 0 ? VL_YES : VL_NO, "%s%s", m.detail,
	       a.userns ? " (inside a new user namespace)" : "");
}

void vl_probe_mount_api(struct vl_ctx *ctx, struct vl_row *row)
{
	dir_run(ctx, row, api_child, "api");
}

void vl_probe_pivot_root(struct vl_ctx *ctx, struct vl_row *row)
{
	dir_run(ctx, row, pivot_child, "pivot");
}
