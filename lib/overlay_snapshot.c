// SPDX-License-Identifier: GPL-2.0-only
/*
 * kisol overlay model: snapshots, reading a real directory into a tree
 * (kinds, modes, owners, sizes, overlay markers, hardlink groups).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "overlay-internal.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "name=value;" for each user.kisol* xattr, sorted. */
static void read_xattrs(const char *abs, char *out, size_t size)
{
	char list[1024], *names[32], val[64];
	ssize_t n;
	size_t cnt = 0, off = 0, i;
	char *p;

	out[0] = '\0';
	n = llistxattr(abs, list, sizeof(list));
	if (n <= 0)
		return;
	for (p = list; p < list + n && cnt < 32; p += strlen(p) + 1)
		if (!strncmp(p, "user.kisol", 10))
			names[cnt++] = p;
	qsort(names, cnt, sizeof(names[0]), cmp_str);
	for (i = 0; i < cnt; i++) {
		ssize_t v = lgetxattr(abs, names[i], val, sizeof(val) - 1);

		if (v < 0)
			continue;
		val[v] = '\0';
		off += snprintf(out + off, size - off, "%s=%s;", names[i], val);
		if (off >= size)
			break;
	}
}

static bool has_marker(const char *abs, const char *name, bool userxattr, char *val, size_t size)
{
	char buf[KISOL_OVL_PATH];
	int r = kisol_ovl_get_marker(AT_FDCWD, abs, name, userxattr, buf, sizeof(buf));

	if (r < 0)
		return false;
	if (val)
		snprintf(val, size, "%s", buf);
	return true;
}

static int snap_dir(const char *root, const char *rel, unsigned flags, struct kisol_ovl_tree *t)
{
	bool markers = flags & KISOL_OVL_SNAP_MARKERS;
	bool ux = flags & KISOL_OVL_SNAP_USERXATTR;
	char abs[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r = 0;

	snprintf(abs, sizeof(abs), "%s%s%s", root, *rel ? "/" : "", rel);
	d = opendir(abs);
	if (!d)
		return kisol_negerrno();
	while (r >= 0 && (de = readdir(d))) {
		struct kisol_ovl_entry e = { .mtime = -1 };
		char p[PATH_MAX];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(e.path, sizeof(e.path), "%s%s%s", rel, *rel ? "/" : "", de->d_name) >=
		    (int)sizeof(e.path)) {
			r = -ENAMETOOLONG;
			break;
		}
		snprintf(p, sizeof(p), "%s/%s", root, e.path);
		if (lstat(p, &st) < 0) {
			r = kisol_negerrno();
			break;
		}
		e.mode = st.st_mode & 07777;
		e.uid = st.st_uid;
		e.gid = st.st_gid;
		e.mtime = st.st_mtim.tv_sec;
		e.size = st.st_size;
		if (!S_ISDIR(st.st_mode) && st.st_nlink > 1)
			e.group = ((uint64_t)st.st_dev << 40) ^ (uint64_t)st.st_ino ^ (1ULL << 63);
		read_xattrs(p, e.xattrs, sizeof(e.xattrs));
		if (S_ISDIR(st.st_mode)) {
			e.kind = KISOL_OVL_DIR;
			if (markers) {
				e.opaque = kisol_ovl_is_opaque(AT_FDCWD, p, ux) == 1;
				has_marker(p, "redirect", ux, e.redirect, sizeof(e.redirect));
			}
		} else if (S_ISREG(st.st_mode)) {
			e.kind = KISOL_OVL_FILE;
			if (markers && kisol_ovl_whiteout_kind(AT_FDCWD, p, ux) == 2) {
				e.kind = KISOL_OVL_WHITEOUT;
			} else {
				int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
				ssize_t n;

				if (fd < 0) {
					r = kisol_negerrno();
					break;
				}
				n = read(fd, e.data, sizeof(e.data) - 1);
				close(fd);
				if (n < 0) {
					r = kisol_negerrno();
					break;
				}
				e.data[n] = '\0';
				if (markers)
					e.metacopy = has_marker(p, "metacopy", ux, NULL, 0);
			}
		} else if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlink(p, e.data, sizeof(e.data) - 1);

			e.kind = KISOL_OVL_SYMLINK;
			if (n < 0) {
				r = kisol_negerrno();
				break;
			}
			e.data[n] = '\0';
		} else if (markers && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
			e.kind = KISOL_OVL_WHITEOUT;
		} else {
			e.kind = KISOL_OVL_OTHER;
		}
		if (!kisol_ovl_tree_put(t, &e)) {
			r = -ENOMEM;
			break;
		}
		if (e.kind == KISOL_OVL_DIR)
			r = snap_dir(root, e.path, flags, t);
	}
	closedir(d);
	return r < 0 ? r : 0;
}

int kisol_ovl_snapshot(const char *root, unsigned flags, struct kisol_ovl_tree *t)
{
	int r;

	if (!root || !t)
		return -EINVAL;
	kisol_ovl_tree_free(t);
	r = snap_dir(root, "", flags, t);
	if (r < 0) {
		kisol_ovl_tree_free(t);
		return r;
	}
	kisol_ovl__tree_sort(t);
	return 0;
}
