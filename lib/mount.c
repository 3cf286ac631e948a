// SPDX-License-Identifier: GPL-2.0-only
/* kisol: mounts (see kisol/mount.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <linux/mount.h>

#include "kisol/mount.h"

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static int negret(long r)
{
	return r < 0 ? kisol_negerrno() : (int)r;
}

/* ------------------------------------------------------------------ */
/* Scratch directories                                                 */

/* $KISOL_SCRATCH when set and an existing directory, else fallback. */
static int scratch_dir(const char *fallback, char *buf, size_t size)
{
	const char *env = getenv("KISOL_SCRATCH");
	struct stat st;
	const char *base = fallback;
	int n;

	if (!buf || !size)
		return -EINVAL;
	if (env && *env && stat(env, &st) == 0 && S_ISDIR(st.st_mode))
		base = env;
	n = snprintf(buf, size, "%s", base);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int kisol_mnt_scratch_base(char *buf, size_t size)
{
	return scratch_dir("/tmp", buf, size);
}

int kisol_mnt_scratch_disk(char *buf, size_t size)
{
	return scratch_dir("/var/tmp", buf, size);
}

int kisol_mnt_mkdtemp(const char *parent, const char *prefix, char *ret_path, size_t size)
{
	char base[PATH_MAX], tmpl[PATH_MAX];
	int n, r;

	if (!ret_path || !size)
		return -EINVAL;
	if (parent) {
		n = snprintf(base, sizeof(base), "%s", parent);
		if (n < 0 || (size_t)n >= sizeof(base))
			return -ENAMETOOLONG;
	} else {
		r = kisol_mnt_scratch_base(base, sizeof(base));
		if (r < 0)
			return r;
	}
	n = snprintf(tmpl, sizeof(tmpl), "%s/kisol-%s-p%d-XXXXXX", base, prefix ? prefix : "tmp",
		     (int)kisol_owner());
	if (n < 0 || (size_t)n >= sizeof(tmpl) || (size_t)n >= size)
		return -ENAMETOOLONG;
	if (!mkdtemp(tmpl))
		return kisol_negerrno();
	memcpy(ret_path, tmpl, n + 1);
	return 0;
}

/* Remove everything below dirfd that lives on device dev. */
static int rm_children(int dirfd, dev_t dev)
{
	DIR *d;
	struct dirent *e;
	int ret = 0;

	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return kisol_negerrno();
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			ret = ret ?: kisol_negerrno();
			continue;
		}
		if (st.st_dev != dev) {
			ret = ret ?: -EXDEV; /* a mount we must not enter */
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int r;

			if (sub < 0) {
				/* e.g. overlay's work/work with mode 0 as non-root */
				fchmodat(dirfd, e->d_name, 0700, 0);
				sub = openat(dirfd, e->d_name,
					     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			}
			if (sub < 0) {
				ret = ret ?: kisol_negerrno();
				continue;
			}
			r = rm_children(sub, dev);
			if (r < 0)
				ret = ret ?: r;
			if (unlinkat(dirfd, e->d_name, AT_REMOVEDIR) < 0)
				ret = ret ?: kisol_negerrno();
		} else if (unlinkat(dirfd, e->d_name, 0) < 0) {
			ret = ret ?: kisol_negerrno();
		}
	}
	closedir(d);
	return ret;
}

struct below {
	const char *prefix;
	size_t len;
	char (*paths)[PATH_MAX];
	int n, max;
};

static int collect_below(const struct kisol_mnt_info *m, void *arg)
{
	struct below *b = arg;

	if (strncmp(m->mountpoint, b->prefix, b->len) ||
	    (m->mountpoint[b->len] != '/' && m->mountpoint[b->len] != '\0'))
		return 0;
	if (b->n < b->max)
		memcpy(b->paths[b->n++], m->mountpoint, PATH_MAX);
	return 0;
}

/* Detach every mount at or below path, deepest (latest) first. */
static int detach_below(const char *real)
{
	struct below b = { .prefix = real, .len = strlen(real), .max = 256 };
	int r, i, n = 0;

	b.paths = calloc(b.max, PATH_MAX);
	if (!b.paths)
		return -ENOMEM;
	r = kisol_mnt_foreach(0, collect_below, &b);
	for (i = b.n - 1; r >= 0 && i >= 0; i--)
		if (umount2(b.paths[i], MNT_DETACH) == 0)
			n++;
	free(b.paths);
	return r < 0 ? r : n;
}

int kisol_mnt_rm_rf(const char *path)
{
	char real[PATH_MAX];
	struct stat st;
	int fd, r;

	if (!path || !*path)
		return -EINVAL;
	if (!realpath(path, real))
		return errno == ENOENT ? 0 : kisol_negerrno();
	if (!strcmp(real, "/"))
		return -EINVAL;
	r = detach_below(real);
	if (r < 0)
		return r;
	if (lstat(real, &st) < 0)
		return kisol_negerrno();
	if (!S_ISDIR(st.st_mode))
		return unlink(real) < 0 ? kisol_negerrno() : 0;
	fd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return kisol_negerrno();
	r = rm_children(fd, st.st_dev);
	if (rmdir(real) < 0)
		return r ?: kisol_negerrno();
	return r;
}

int kisol_mnt_remove_stale(void)
{
	char base[PATH_MAX], path[PATH_MAX * 2];
	struct dirent *e;
	DIR *d;
	int n = 0, r;

	r = kisol_mnt_scratch_base(base, sizeof(base));
	if (r < 0)
		return r;
	d = opendir(base);
	if (!d)
		return kisol_negerrno();
	while ((e = readdir(d))) {
		pid_t o = kisol_name_owner(e->d_name);

		if (!o || kisol_pid_alive(o) || e->d_type != DT_DIR)
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, e->d_name);
		if (kisol_mnt_rm_rf(path) == 0)
			n++;
	}
	closedir(d);
	return n;
}

int kisol_mnt_scratch_tmpfs(const char *prefix, const char *options, char *ret_path, size_t size)
{
	char dir[PATH_MAX];
	int r;

	r = kisol_mnt_mkdtemp(NULL, prefix, dir, sizeof(dir));
	if (r < 0)
		return r;
	r = kisol_mnt_tmpfs(dir, options);
	if (r == 0)
		r = kisol_mnt_set_propagation(dir, MS_PRIVATE, false);
	if (r < 0) {
		kisol_mnt_detach_all(dir);
		rmdir(dir);
		return r;
	}
	if (strlen(dir) >= size) {
		kisol_mnt_scratch_release(dir);
		return -ENAMETOOLONG;
	}
	strcpy(ret_path, dir);
	return 0;
}

int kisol_mnt_scratch_release(const char *path)
{
	return kisol_mnt_rm_rf(path);
}

/* ------------------------------------------------------------------ */
/* Isolation, legacy mounts                                            */

static int propagating_cb(const struct kisol_mnt_info *m, void *arg)
{
	return m->shared || m->master ? 1 : 0;
}

/*
 * The mounts a case makes after this must not reach the caller's
 * namespace. A kernel that ignored CLONE_NEWNS or MS_PRIVATE and said
 * it had not would let them; both are checked (-EPROTO).
 */
int kisol_mnt_isolate(void)
{
	struct stat before, after;
	int r;

	if (stat("/proc/self/ns/mnt", &before) < 0)
		return kisol_negerrno();
	if (unshare(CLONE_NEWNS) < 0)
		return kisol_negerrno();
	if (stat("/proc/self/ns/mnt", &after) < 0)
		return kisol_negerrno();
	if (before.st_ino == after.st_ino && before.st_dev == after.st_dev)
		return -EPROTO;
	r = kisol_mnt_set_propagation("/", MS_PRIVATE, true);
	if (r < 0)
		return r;
	r = kisol_mnt_foreach(0, propagating_cb, NULL);
	if (r < 0)
		return r;
	return r ? -EPROTO : 0;
}

int kisol_mnt_set_propagation(const char *path, unsigned long type, bool recursive)
{
	if (!path || (type != MS_SHARED && type != MS_PRIVATE && type != MS_SLAVE &&
		      type != MS_UNBINDABLE))
		return -EINVAL;
	return negret(mount(NULL, path, NULL, type | (recursive ? MS_REC : 0), NULL));
}

int kisol_mnt_mount(const char *source, const char *target, const char *fstype,
		    unsigned long flags, const char *data)
{
	if (!target)
		return -EINVAL;
	return negret(mount(source, target, fstype, flags, data));
}

int kisol_mnt_tmpfs(const char *target, const char *options)
{
	return kisol_mnt_mount("kisol", target, "tmpfs", 0, options);
}

int kisol_mnt_bind(const char *source, const char *target, bool recursive)
{
	if (!source || !target)
		return -EINVAL;
	return negret(mount(source, target, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL));
}

int kisol_mnt_remount_bind(const char *target, unsigned long flags)
{
	if (!target)
		return -EINVAL;
	return negret(mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags, NULL));
}

int kisol_mnt_move(const char *source, const char *target)
{
	if (!source || !target)
		return -EINVAL;
	return negret(mount(source, target, NULL, MS_MOVE, NULL));
}

int kisol_mnt_umount(const char *target, int flags)
{
	if (!target)
		return -EINVAL;
	return negret(umount2(target, flags));
}

int kisol_mnt_detach(const char *target)
{
	return kisol_mnt_umount(target, MNT_DETACH);
}

int kisol_mnt_detach_all(const char *target)
{
	int n = 0;

	if (!target)
		return -EINVAL;
	while (n < 1024 && umount2(target, MNT_DETACH) == 0)
		n++;
	if (n == 0 && errno != EINVAL)
		return kisol_negerrno();
	return n;
}

/* ------------------------------------------------------------------ */
/* mountinfo                                                           */

/* Undo the octal escapes (\040 etc.) of mountinfo fields, in place. */
static void unescape(char *s)
{
	char *w = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
}

static void copy_field(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
	unescape(dst);
}

static int parse_line(char *line, struct kisol_mnt_info *m)
{
	char *save = NULL, *tok;
	int field = 0;
	bool after_sep = false;

	memset(m, 0, sizeof(*m));
	for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		if (after_sep) {
			if (field == 0)
				copy_field(m->fstype, sizeof(m->fstype), tok);
			else if (field == 1)
				copy_field(m->source, sizeof(m->source), tok);
			else if (field == 2)
				copy_field(m->super_options, sizeof(m->super_options), tok);
			field++;
			continue;
		}
		switch (field) {
		case 0: m->mnt_id = atoi(tok); break;
		case 1: m->parent_id = atoi(tok); break;
		case 2:
			if (sscanf(tok, "%u:%u", &m->major, &m->minor) != 2)
				return -EINVAL;
			break;
		case 3: copy_field(m->root, sizeof(m->root), tok); break;
		case 4: copy_field(m->mountpoint, sizeof(m->mountpoint), tok); break;
		case 5: copy_field(m->options, sizeof(m->options), tok); break;
		default:
			if (!strcmp(tok, "-")) {
				after_sep = true;
				field = 0;
				continue;
			}
			if (!strncmp(tok, "shared:", 7))
				m->shared = atoi(tok + 7);
			else if (!strncmp(tok, "master:", 7))
				m->master = atoi(tok + 7);
			else if (!strncmp(tok, "propagate_from:", 15))
				m->propagate_from = atoi(tok + 15);
			else if (!strcmp(tok, "unbindable"))
				m->unbindable = true;
		}
		field++;
	}
	return after_sep && field >= 2 ? 0 : -EINVAL;
}

int kisol_mnt_foreach(pid_t pid, int (*fn)(const struct kisol_mnt_info *m, void *arg), void *arg)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;
	int ret = 0;
	struct kisol_mnt_info *m;

	if (!fn || pid < 0)
		return -EINVAL;
	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/mountinfo");
	else
		snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f) {
		free(m);
		return kisol_negerrno();
	}
	while (getline(&line, &cap, f) > 0) {
		if (parse_line(line, m) < 0)
			continue;
		ret = fn(m, arg);
		if (ret)
			break;
	}
	free(line);
	fclose(f);
	free(m);
	return ret;
}

struct find {
	const char *path;
	int id;
	struct kisol_mnt_info *found;
	bool hit;
};

static int find_cb(const struct kisol_mnt_info *m, void *arg)
{
	struct find *f = arg;

	if ((f->path && !strcmp(m->mountpoint, f->path)) || (!f->path && m->mnt_id == f->id)) {
		*f->found = *m; /* keep the last: the topmost of a stack */
		f->hit = true;
	}
	return 0;
}

/* The topmost mount matching f (by path or id); -ENOENT if none. */
static int find_mount(pid_t pid, struct find *f, struct kisol_mnt_info *ret)
{
	_cleanup_free_ struct kisol_mnt_info *tmp = malloc(sizeof(*tmp));
	int r;

	if (!tmp)
		return -ENOMEM;
	f->found = tmp;
	r = kisol_mnt_foreach(pid, find_cb, f);
	if (r < 0)
		return r;
	if (!f->hit)
		return -ENOENT;
	*ret = *tmp;
	return 0;
}

int kisol_mnt_info(pid_t pid, const char *path, struct kisol_mnt_info *ret)
{
	char real[PATH_MAX];
	struct find f = { .path = real };

	if (!path || !ret)
		return -EINVAL;
	if (pid == 0) {
		if (!realpath(path, real))
			return kisol_negerrno();
	} else {
		snprintf(real, sizeof(real), "%s", path);
	}
	return find_mount(pid, &f, ret);
}

int kisol_mnt_info_by_id(pid_t pid, int mnt_id, struct kisol_mnt_info *ret)
{
	struct find f = { .id = mnt_id };

	if (!ret || mnt_id <= 0)
		return -EINVAL;
	return find_mount(pid, &f, ret);
}

static int count_cb(const struct kisol_mnt_info *m, void *arg)
{
	(void)m;
	(*(int *)arg)++;
	return 0;
}

int kisol_mnt_count(pid_t pid)
{
	int n = 0, r;

	r = kisol_mnt_foreach(pid, count_cb, &n);
	return r < 0 ? r : n;
}

int kisol_mnt_has_option(const char *options, const char *opt)
{
	size_t len;
	const char *p;

	if (!options || !opt || !*opt)
		return -EINVAL;
	len = strlen(opt);
	for (p = options; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, opt, len) && (p[len] == ',' || p[len] == '\0'))
			return 1;
	return 0;
}

int kisol_mnt_id(int dfd, const char *path, uint64_t *ret)
{
	struct statx stx;

	if (!path || !ret)
		return -EINVAL;
	if (statx(dfd, path, AT_SYMLINK_NOFOLLOW | (*path ? 0 : AT_EMPTY_PATH), STATX_MNT_ID,
		  &stx) < 0)
		return kisol_negerrno();
	if (!(stx.stx_mask & STATX_MNT_ID))
		return -EOPNOTSUPP;
	*ret = stx.stx_mnt_id;
	return 0;
}

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif
#define KISOL_NR_STATMOUNT 457
#define KISOL_NR_LISTMOUNT 458

struct mnt_id_req_ {
	uint32_t size, spare;
	uint64_t mnt_id, param, mnt_ns_id;
};

/* Version 0 of the request (24 bytes, 6.8) unless a namespace id is given (32, 6.11). */
static struct mnt_id_req_ id_req(uint64_t mnt_id, uint64_t param, uint64_t mnt_ns_id)
{
	return (struct mnt_id_req_){ .size = mnt_ns_id ? 32 : 24, .mnt_id = mnt_id, .param = param,
				      .mnt_ns_id = mnt_ns_id };
}

int kisol_mnt_statmount(uint64_t mnt_id, uint64_t mnt_ns_id, uint64_t mask,
			struct kisol_statmount *buf, size_t size)
{
	struct mnt_id_req_ req = id_req(mnt_id, mask, mnt_ns_id);

	if (!buf || size < sizeof(*buf))
		return -EINVAL;
	return negret(syscall(KISOL_NR_STATMOUNT, &req, buf, size, 0));
}

int kisol_mnt_listmount(uint64_t mnt_id, uint64_t mnt_ns_id, uint64_t *ids, size_t n)
{
	struct mnt_id_req_ req = id_req(mnt_id, 0, mnt_ns_id);

	if (!ids && n)
		return -EINVAL;
	return negret(syscall(KISOL_NR_LISTMOUNT, &req, ids, n, 0));
}

int kisol_mnt_unique_id(const char *path, uint64_t *ret)
{
	struct statx stx;

	if (!path || !ret)
		return -EINVAL;
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID_UNIQUE, &stx) < 0)
		return kisol_negerrno();
	if (!(stx.stx_mask & STATX_MNT_ID_UNIQUE))
		return -EOPNOTSUPP;
	*ret = stx.stx_mnt_id;
	return 0;
}

int kisol_mnt_is_mountpoint(const char *path)
{
	struct statx stx;
	char parent[PATH_MAX];
	uint64_t a, b;
	int r;

	if (!path)
		return -EINVAL;
	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) < 0)
		return kisol_negerrno();
	if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
		return !!(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
	/* Fallback: the mount id differs from the parent's. */
	if (snprintf(parent, sizeof(parent), "%s/..", path) >= (int)sizeof(parent))
		return -ENAMETOOLONG;
	r = kisol_mnt_id(AT_FDCWD, path, &a);
	if (r < 0)
		return r;
	r = kisol_mnt_id(AT_FDCWD, parent, &b);
	if (r < 0)
		return r;
	return a != b;
}

/* ------------------------------------------------------------------ */
/* pivot_root, minimal root                                            */

int kisol_mnt_pivot_root(const char *new_root, const char *put_old)
{
	if (!new_root || !put_old)
		return -EINVAL;
	return negret(syscall(SYS_pivot_root, new_root, put_old));
}

static int mkdir_in(const char *dir, const char *name, mode_t mode)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return kisol_negerrno();
	return 0;
}

static int bind_dev_node(const char *root, const char *name)
{
	char host[64], p[PATH_MAX];
	int fd;

	snprintf(host, sizeof(host), "/dev/%s", name);
	if (snprintf(p, sizeof(p), "%s/dev/%s", root, name) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
	if (fd < 0)
		return kisol_negerrno();
	close(fd);
	return kisol_mnt_bind(host, p, false);
}

int kisol_mnt_make_root(const char *dir, unsigned flags)
{
	static const char *const dirs[] = { "bin", "dev", "etc", "proc", "tmp", "oldroot" };
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	char p[PATH_MAX];
	size_t i;
	int r;

	if (!dir || (flags & ~(KISOL_ROOT_PROC | KISOL_ROOT_DEV | KISOL_ROOT_TMP)))
		return -EINVAL;
	r = kisol_mnt_tmpfs(dir, "mode=0755");
	if (r < 0)
		return r;
	r = kisol_mnt_set_propagation(dir, MS_PRIVATE, false);
	for (i = 0; r >= 0 && i < KISOL_ARRAY_SIZE(dirs); i++)
		r = mkdir_in(dir, dirs[i], 0755);
	if (r >= 0 && (flags & KISOL_ROOT_TMP)) {
		snprintf(p, sizeof(p), "%s/tmp", dir);
		r = kisol_mnt_tmpfs(p, "mode=01777");
	}
	if (r >= 0 && (flags & KISOL_ROOT_DEV)) {
		snprintf(p, sizeof(p), "%s/dev", dir);
		r = kisol_mnt_tmpfs(p, "mode=0755");
		for (i = 0; r >= 0 && i < KISOL_ARRAY_SIZE(nodes); i++) {
			r = bind_dev_node(dir, nodes[i]);
			if (r == -ENOENT || r == -ENXIO) /* e.g. no controlling tty */
				r = 0;
		}
	}
	if (r >= 0 && (flags & KISOL_ROOT_PROC)) {
		snprintf(p, sizeof(p), "%s/proc", dir);
		r = kisol_mnt_mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	}
	if (r < 0) {
		detach_below(dir);
		return r;
	}
	return 0;
}

int kisol_mnt_enter_root(const char *new_root)
{
	if (!new_root)
		return -EINVAL;
	if (chdir(new_root) < 0)
		return kisol_negerrno();
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return kisol_negerrno();
	/* The old root is now stacked on "." ; detach it. */
	if (umount2(".", MNT_DETACH) < 0)
		return kisol_negerrno();
	if (chdir("/") < 0)
		return kisol_negerrno();
	return 0;
}

/* ------------------------------------------------------------------ */
/* New mount API                                                       */

int kisol_mnt_fsopen(const char *fstype, unsigned flags)
{
	if (!fstype)
		return -EINVAL;
	return negret(syscall(SYS_fsopen, fstype, flags));
}

int kisol_mnt_fspick(int dfd, const char *path, unsigned flags)
{
	return negret(syscall(SYS_fspick, dfd, path, flags));
}

int kisol_mnt_fsconfig(int fsfd, unsigned cmd, const char *key, const void *value, int aux)
{
	return negret(syscall(SYS_fsconfig, fsfd, cmd, key, value, aux));
}

int kisol_mnt_fsmount(int fsfd, unsigned flags, unsigned attr_flags)
{
	return negret(syscall(SYS_fsmount, fsfd, flags, attr_flags));
}

int kisol_mnt_move_mount(int from_dfd, const char *from_path, int to_dfd,
			 const char *to_path, unsigned flags)
{
	return negret(syscall(SYS_move_mount, from_dfd, from_path, to_dfd, to_path, flags));
}

int kisol_mnt_open_tree(int dfd, const char *path, unsigned flags)
{
	return negret(syscall(SYS_open_tree, dfd, path, flags));
}

int kisol_mnt_mount_setattr(int dfd, const char *path, unsigned flags,
			    struct mount_attr *attr, size_t size)
{
	return negret(syscall(SYS_mount_setattr, dfd, path, flags, attr, size));
}

int kisol_mnt_new_api_probe(void)
{
	_cleanup_close_ int fs = -EBADF;
	_cleanup_close_ int mnt = -EBADF;
	int r;

	fs = kisol_mnt_fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return fs;
	r = kisol_mnt_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
	if (r < 0)
		return r;
	mnt = kisol_mnt_fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		return mnt;
	/* move_mount with a bad path: ENOSYS would show here, ENOENT means present */
	r = kisol_mnt_move_mount(mnt, "", AT_FDCWD, "", MOVE_MOUNT_F_EMPTY_PATH);
	return r == -ENOSYS ? r : 0;
}

int kisol_mnt_setattr_probe(void)
{
	struct mount_attr a = { 0 };
	int r;

	/* Invalid flags: EINVAL from a kernel that has the syscall. */
	r = kisol_mnt_mount_setattr(-1, "", ~0U, &a, sizeof(a));
	return r == -ENOSYS ? r : 0;
}

int kisol_mnt_fs_log(int fsfd, char *buf, size_t size)
{
	size_t off = 0;
	char msg[1024];

	if (!buf || !size)
		return -EINVAL;
	buf[0] = '\0';
	for (;;) {
		ssize_t n = read(fsfd, msg, sizeof(msg) - 1);

		if (n < 0) {
			if (errno == ENODATA)
				break;
			if (off)
				break;
			return kisol_negerrno();
		}
		if (n == 0)
			break;
		msg[n] = '\0';
		while (n > 0 && msg[n - 1] == '\n')
			msg[--n] = '\0';
		off += snprintf(buf + off, size - off, "%s%s", off ? "; " : "", msg);
		if (off >= size - 1) {
			off = size - 1;
			break;
		}
	}
	return (int)off;
}

/*
 * fsconfig() refuses binary, path and fd parameters for a legacy context
 * before parsing (EOPNOTSUPP), and the legacy shim takes any flag key; a
 * filesystem with its own parser refuses an unknown key (EINVAL).
 */
static bool fs_context_is_legacy(const char *fstype)
{
	_cleanup_close_ int fd = kisol_mnt_fsopen(fstype, FSOPEN_CLOEXEC);

	if (fd < 0)
		return false;
	return kisol_mnt_fsconfig(fd, FSCONFIG_SET_BINARY, "kisol", "x", 1) == -EOPNOTSUPP &&
	       kisol_mnt_fsconfig(fd, FSCONFIG_SET_FLAG, "kisol_probe", NULL, 0) == 0;
}

int kisol_mnt_legacy_fstype(char *buf, size_t size)
{
	_cleanup_close_ int probe = kisol_mnt_fsopen("tmpfs", FSOPEN_CLOEXEC);
	char line[256];
	FILE *f;
	int r = -ENOENT;

	if (!buf || !size)
		return -EINVAL;
	if (probe == -ENOSYS)
		return -ENOSYS;
	f = fopen("/proc/filesystems", "re");
	if (!f)
		return kisol_negerrno();
	while (r == -ENOENT && fgets(line, sizeof(line), f)) {
		char *name = strrchr(line, '\t');

		name = name ? name + 1 : line;
		name[strcspn(name, "\n")] = '\0';
		if (*name && fs_context_is_legacy(name))
			r = snprintf(buf, size, "%s", name) < (int)size ? 0 : -ENAMETOOLONG;
	}
	fclose(f);
	return r;
}

int kisol_mnt_fsconfig_opts(int fsfd, const char *options)
{
	_cleanup_free_ char *copy = NULL;
	char *p, *w, *tok;
	int r;

	if (!options || !*options)
		return 0;
	copy = strdup(options);
	if (!copy)
		return -ENOMEM;
	/* Split on unescaped commas, unescaping "\," into ",". */
	tok = w = p = copy;
	for (;; p++) {
		if (*p == '\\' && p[1] == ',') {
			*w++ = ',';
			p++;
			continue;
		}
		if (*p == ',' || *p == '\0') {
			bool last = *p == '\0';
			char *eq;

			*w = '\0';
			if (*tok) {
				eq = strchr(tok, '=');
				if (eq) {
					*eq = '\0';
					r = kisol_mnt_fsconfig(fsfd, FSCONFIG_SET_STRING, tok, eq + 1, 0);
				} else {
					r = kisol_mnt_fsconfig(fsfd, FSCONFIG_SET_FLAG, tok, NULL, 0);
				}
				if (r < 0)
					return r;
			}
			if (last)
				break;
			tok = w = p + 1;
			continue;
		}
		*w++ = *p;
	}
	return 0;
}

const char *kisol_mnt_api_name(enum kisol_mnt_api api)
{
	switch (api) {
	case KISOL_MNT_API_AUTO: return "auto";
	case KISOL_MNT_API_NEW: return "new";
	case KISOL_MNT_API_LEGACY: return "legacy";
	}
	return "?";
}

int kisol_mnt_fs_create(const char *fstype, const char *source, const char *options,
			unsigned attr_flags, char *log, size_t log_size)
{
	_cleanup_close_ int fs = -EBADF;
	int r, mnt;

	if (log && log_size)
		log[0] = '\0';
	fs = kisol_mnt_fsopen(fstype, FSOPEN_CLOEXEC);
	if (fs < 0)
		return fs;
	r = 0;
	if (source)
		r = kisol_mnt_fsconfig(fs, FSCONFIG_SET_STRING, "source", source, 0);
	if (r >= 0)
		r = kisol_mnt_fsconfig_opts(fs, options);
	if (r >= 0)
		r = kisol_mnt_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
	if (r < 0) {
		if (log && log_size)
			kisol_mnt_fs_log(fs, log, log_size);
		return r;
	}
	mnt = kisol_mnt_fsmount(fs, FSMOUNT_CLOEXEC, attr_flags);
	if (mnt < 0 && log && log_size)
		kisol_mnt_fs_log(fs, log, log_size);
	return mnt;
}

int kisol_mnt_attach(int mntfd, const char *target)
{
	if (mntfd < 0)
		return -EBADF;
	if (!target)
		return -EINVAL;
	return kisol_mnt_move_mount(mntfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
}

unsigned long kisol_mnt_attr_to_ms(unsigned attr_flags)
{
	unsigned long ms = 0;

	if (attr_flags & MOUNT_ATTR_RDONLY)
		ms |= MS_RDONLY;
	if (attr_flags & MOUNT_ATTR_NOSUID)
		ms |= MS_NOSUID;
	if (attr_flags & MOUNT_ATTR_NODEV)
		ms |= MS_NODEV;
	if (attr_flags & MOUNT_ATTR_NOEXEC)
		ms |= MS_NOEXEC;
	if (attr_flags & MOUNT_ATTR_NODIRATIME)
		ms |= MS_NODIRATIME;
	if (attr_flags & MOUNT_ATTR_NOSYMFOLLOW)
		ms |= MS_NOSYMFOLLOW;
	switch (attr_flags & MOUNT_ATTR__ATIME) {
	case MOUNT_ATTR_NOATIME: ms |= MS_NOATIME; break;
	case MOUNT_ATTR_STRICTATIME: ms |= MS_STRICTATIME; break;
	default: break;
	}
	return ms;
}

int kisol_mnt_fs_mount(enum kisol_mnt_api api, const char *fstype, const char *source,
		       const char *target, const char *options, unsigned attr_flags,
		       char *log, size_t log_size)
{
	_cleanup_close_ int mnt = -EBADF;

	if (!fstype || !target)
		return -EINVAL;
	if (log && log_size)
		log[0] = '\0';
	if (api != KISOL_MNT_API_LEGACY) {
		mnt = kisol_mnt_fs_create(fstype, source, options, attr_flags, log, log_size);
		if (mnt >= 0)
			return kisol_mnt_attach(mnt, target);
		if (mnt != -ENOSYS || api == KISOL_MNT_API_NEW)
			return mnt;
	}
	return kisol_mnt_mount(source ? source : fstype, target, fstype,
			       kisol_mnt_attr_to_ms(attr_flags), options);
}

int kisol_mnt_clone_tree(const char *path, bool recursive)
{
	if (!path)
		return -EINVAL;
	return kisol_mnt_open_tree(AT_FDCWD, path,
				   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					   (recursive ? AT_RECURSIVE : 0));
}

int kisol_mnt_setattr(int dfd, const char *path, uint64_t set, uint64_t clr,
		      uint64_t propagation, bool recursive)
{
	struct mount_attr a = { .attr_set = set, .attr_clr = clr, .propagation = propagation };
	unsigned flags = recursive ? AT_RECURSIVE : 0;

	if (!path)
		return -EINVAL;
	if (!*path)
		flags |= AT_EMPTY_PATH;
	return kisol_mnt_mount_setattr(dfd, path, flags, &a, sizeof(a));
}

int kisol_mnt_idmapped(const char *source, const char *target, int userns_fd, bool recursive)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };
	_cleanup_close_ int t = -EBADF;
	int r;

	if (!source || !target)
		return -EINVAL;
	if (userns_fd < 0)
		return -EBADF;
	t = kisol_mnt_clone_tree(source, recursive);
	if (t < 0)
		return t;
	r = kisol_mnt_mount_setattr(t, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a,
				    sizeof(a));
	if (r < 0)
		return r;
	return kisol_mnt_attach(t, target);
}
