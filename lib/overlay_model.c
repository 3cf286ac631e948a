// SPDX-License-Identifier: GPL-2.0-only
/*
 * kisol: the overlayfs expected-state model (see kisol/overlay.h).
 *
 * Trees of entries describe a directory hierarchy. A snapshot reads a real
 * directory into a tree; the model keeps three trees (union of the lower
 * layers, expected merged view, expected upper layer) and applies each
 * operation by the rules of Documentation/filesystems/overlayfs.rst:
 * copy-up of the entry and its parents before any change, whiteouts where
 * a removed name still exists below, opaque directories created over
 * whiteouts, redirects for renamed merged directories, metadata-only
 * copy-up with metacopy=on, hardlinks kept across copy-up with index=on.
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

#include "kisol/overlay.h"

/* ------------------------------------------------------------------ */
/* Trees                                                               */

void kisol_ovl_tree_free(struct kisol_ovl_tree *t)
{
	if (!t)
		return;
	free(t->e);
	t->e = NULL;
	t->n = t->cap = 0;
}

struct kisol_ovl_entry *kisol_ovl_tree_find(const struct kisol_ovl_tree *t, const char *path)
{
	size_t i;

	for (i = 0; t && path && i < t->n; i++)
		if (!strcmp(t->e[i].path, path))
			return &t->e[i];
	return NULL;
}

struct kisol_ovl_entry *kisol_ovl_tree_put(struct kisol_ovl_tree *t, const struct kisol_ovl_entry *e)
{
	struct kisol_ovl_entry *old = kisol_ovl_tree_find(t, e->path);

	if (old) {
		*old = *e;
		return old;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct kisol_ovl_entry *n = realloc(t->e, cap * sizeof(*n));

		if (!n)
			return NULL;
		t->e = n;
		t->cap = cap;
	}
	t->e[t->n] = *e;
	return &t->e[t->n++];
}

static bool is_below(const char *path, const char *top)
{
	size_t len = strlen(top);

	return !strncmp(path, top, len) && (path[len] == '\0' || path[len] == '/');
}

size_t kisol_ovl_tree_remove(struct kisol_ovl_tree *t, const char *path)
{
	size_t i = 0, gone = 0;

	while (t && i < t->n) {
		if (is_below(t->e[i].path, path)) {
			t->e[i] = t->e[--t->n];
			gone++;
		} else {
			i++;
		}
	}
	return gone;
}

int kisol_ovl_tree_copy(struct kisol_ovl_tree *dst, const struct kisol_ovl_tree *src)
{
	struct kisol_ovl_entry *e = NULL;

	if (src->n) {
		e = malloc(src->n * sizeof(*e));
		if (!e)
			return -ENOMEM;
		memcpy(e, src->e, src->n * sizeof(*e));
	}
	kisol_ovl_tree_free(dst);
	dst->e = e;
	dst->n = dst->cap = src->n;
	return 0;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct kisol_ovl_entry *)a)->path,
		      ((const struct kisol_ovl_entry *)b)->path);
}

static void tree_sort(struct kisol_ovl_tree *t)
{
	if (t->n)
		qsort(t->e, t->n, sizeof(*t->e), cmp_path);
}

/* ------------------------------------------------------------------ */
/* Snapshots                                                           */

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
	tree_sort(t);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Comparison                                                          */

static const char *kind_name(enum kisol_ovl_kind k)
{
	static const char *const names[] = { "nothing", "file", "dir", "symlink", "whiteout",
					     "other" };

	return k <= KISOL_OVL_OTHER ? names[k] : "?";
}

/* Smallest other path in the same hardlink group, "" if none. */
static const char *peer_of(const struct kisol_ovl_tree *t, const struct kisol_ovl_entry *e)
{
	const char *best = "";
	size_t i;

	if (!e->group)
		return best;
	for (i = 0; i < t->n; i++) {
		const struct kisol_ovl_entry *o = &t->e[i];

		if (o != e && o->group == e->group && (!*best || strcmp(o->path, best) < 0))
			best = o->path;
	}
	return best;
}

#define DIFF(...) (snprintf(diff, size, __VA_ARGS__), 1)

static int compare_entry(const struct kisol_ovl_tree *et, const struct kisol_ovl_entry *x,
			 const struct kisol_ovl_tree *at, const struct kisol_ovl_entry *a,
			 unsigned flags, char *diff, size_t size)
{
	if (x->kind != a->kind)
		return DIFF("%s: expected %s, found %s", x->path, kind_name(x->kind),
			    kind_name(a->kind));
	if (x->kind == KISOL_OVL_WHITEOUT)
		return 0;
	if (x->mode != a->mode)
		return DIFF("%s: mode expected %04o, found %04o", x->path, x->mode, a->mode);
	if (x->uid != a->uid || x->gid != a->gid)
		return DIFF("%s: owner expected %u:%u, found %u:%u", x->path, x->uid, x->gid,
			    a->uid, a->gid);
	if (strcmp(x->xattrs, a->xattrs))
		return DIFF("%s: xattrs expected \"%s\", found \"%s\"", x->path, x->xattrs,
			    a->xattrs);
	if ((flags & KISOL_OVL_CMP_MARKERS) && x->metacopy != a->metacopy)
		return DIFF("%s: metacopy expected %s, found %s", x->path,
			    x->metacopy ? "set" : "unset", a->metacopy ? "set" : "unset");
	if (x->kind == KISOL_OVL_FILE && x->size != a->size)
		return DIFF("%s: size expected %lld, found %lld", x->path, (long long)x->size,
			    (long long)a->size);
	if ((x->kind == KISOL_OVL_FILE && !(x->metacopy && (flags & KISOL_OVL_CMP_MARKERS))) ||
	    x->kind == KISOL_OVL_SYMLINK)
		if (strcmp(x->data, a->data))
			return DIFF("%s: %s expected \"%s\", found \"%s\"", x->path,
				    x->kind == KISOL_OVL_SYMLINK ? "target" : "content", x->data,
				    a->data);
	if ((flags & KISOL_OVL_CMP_MARKERS) && x->kind == KISOL_OVL_DIR) {
		if (x->opaque != a->opaque)
			return DIFF("%s: opaque marker expected %s, found %s", x->path,
				    x->opaque ? "set" : "unset", a->opaque ? "set" : "unset");
		if (strcmp(x->redirect, a->redirect))
			return DIFF("%s: redirect expected \"%s\", found \"%s\"", x->path,
				    x->redirect, a->redirect);
	}
	if ((flags & KISOL_OVL_CMP_MTIME) && x->kind != KISOL_OVL_DIR && x->mtime != -1 &&
	    x->mtime != a->mtime)
		return DIFF("%s: mtime expected %lld, found %lld", x->path, (long long)x->mtime,
			    (long long)a->mtime);
	if ((flags & KISOL_OVL_CMP_GROUPS) && strcmp(peer_of(et, x), peer_of(at, a)))
		return DIFF("%s: hardlink peer expected \"%s\", found \"%s\"", x->path,
			    peer_of(et, x), peer_of(at, a));
	return 0;
}

int kisol_ovl_tree_compare(const struct kisol_ovl_tree *expected,
			   const struct kisol_ovl_tree *actual, unsigned flags,
			   char *diff, size_t size)
{
	size_t i;

	if (!expected || !actual || !diff || !size)
		return -EINVAL;
	diff[0] = '\0';
	for (i = 0; i < expected->n; i++) {
		const struct kisol_ovl_entry *x = &expected->e[i];
		const struct kisol_ovl_entry *a = kisol_ovl_tree_find(actual, x->path);

		if (!a)
			return DIFF("%s: expected %s, missing", x->path, kind_name(x->kind));
		if (compare_entry(expected, x, actual, a, flags, diff, size))
			return 1;
	}
	for (i = 0; i < actual->n; i++)
		if (!kisol_ovl_tree_find(expected, actual->e[i].path))
			return DIFF("%s: unexpected %s", actual->e[i].path,
				    kind_name(actual->e[i].kind));
	return 0;
}

/* ------------------------------------------------------------------ */
/* The model                                                           */

static void parent_of(const char *path, char *buf, size_t size)
{
	const char *s = strrchr(path, '/');

	snprintf(buf, size, "%.*s", s ? (int)(s - path) : 0, path);
}

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Lay one layer (snapshot with markers) over t. lower: t is the lowers' union. */
static int apply_layer(struct kisol_ovl_tree *t, const struct kisol_ovl_tree *layer, bool lower)
{
	size_t i;

	for (i = 0; i < layer->n; i++) {
		const struct kisol_ovl_entry *l = &layer->e[i];
		struct kisol_ovl_entry e = *l, *old;
		char parent[KISOL_OVL_PATH];
		size_t j;
		bool hidden = false;

		/* Skip entries under a whiteout or non-dir of this same layer. */
		for (j = 0; j < i; j++)
			if (layer->e[j].kind != KISOL_OVL_DIR && is_below(l->path, layer->e[j].path))
				hidden = true;
		if (hidden)
			continue;
		parent_of(l->path, parent, sizeof(parent));
		if (l->kind == KISOL_OVL_WHITEOUT) {
			kisol_ovl_tree_remove(t, l->path);
			continue;
		}
		e.opaque = false;
		e.metacopy = false;
		e.redirect[0] = '\0';
		old = kisol_ovl_tree_find(t, l->path);
		if (l->kind == KISOL_OVL_DIR && old && old->kind == KISOL_OVL_DIR && !l->opaque) {
			e.has_lpath = old->has_lpath;
			snprintf(e.lpath, sizeof(e.lpath), "%s", old->lpath);
			*old = e;
			continue;
		}
		kisol_ovl_tree_remove(t, l->path);
		if (l->kind == KISOL_OVL_DIR && lower) {
			e.has_lpath = true;
			snprintf(e.lpath, sizeof(e.lpath), "%s", l->path);
		}
		if (!kisol_ovl_tree_put(t, &e))
			return -ENOMEM;
	}
	tree_sort(t);
	return 0;
}

void kisol_ovl_model_free(struct kisol_ovl_model *m)
{
	unsigned i;

	if (!m)
		return;
	kisol_ovl_tree_free(&m->lowers);
	kisol_ovl_tree_free(&m->merged);
	kisol_ovl_tree_free(&m->upper);
	for (i = 0; i < KISOL_OVL_MAX_LOWER; i++)
		kisol_ovl_tree_free(&m->lower_snap[i]);
}

int kisol_ovl_model_init(struct kisol_ovl_model *m, const struct kisol_ovl *o,
			 const struct kisol_ovl_model_opts *opts)
{
	unsigned snap = KISOL_OVL_SNAP_MARKERS;
	int r = 0;
	unsigned i;

	if (!m || !o || !opts || !o->nlower)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->o = *opts;
	m->nlower = o->nlower;
	m->next_group = 1;
	if (opts->userxattr)
		snap |= KISOL_OVL_SNAP_USERXATTR;
	for (i = 0; r >= 0 && i < o->nlower; i++)
		r = kisol_ovl_snapshot(o->lower[i], snap, &m->lower_snap[i]);
	for (i = o->nlower; r >= 0 && i-- > 0;)
		r = apply_layer(&m->lowers, &m->lower_snap[i], true);
	if (r >= 0)
		r = kisol_ovl_tree_copy(&m->merged, &m->lowers);
	if (r >= 0 && o->has_upper)
		r = kisol_ovl_snapshot(o->upper, snap, &m->upper);
	if (r >= 0 && o->has_upper)
		r = apply_layer(&m->merged, &m->upper, false);
	if (r < 0)
		kisol_ovl_model_free(m);
	return r < 0 ? r : 0;
}

/* Is there something at this name in the lower layers (a removal needs a whiteout)? */
static bool lower_positive(const struct kisol_ovl_model *m, const char *path)
{
	char parent[KISOL_OVL_PATH], lp[2 * KISOL_OVL_PATH];
	const struct kisol_ovl_entry *pe;
	const char *plp = "";

	parent_of(path, parent, sizeof(parent));
	if (*parent) {
		pe = kisol_ovl_tree_find(&m->merged, parent);
		if (!pe || !pe->has_lpath)
			return false;
		plp = pe->lpath;
	}
	snprintf(lp, sizeof(lp), "%s%s%s", plp, *plp ? "/" : "", base_of(path));
	return kisol_ovl_tree_find(&m->lowers, lp) != NULL;
}

/* Copy the inode attributes of the merged entry onto its upper entry. */
static void sync_upper(struct kisol_ovl_model *m, const char *path)
{
	struct kisol_ovl_entry *me = kisol_ovl_tree_find(&m->merged, path);
	struct kisol_ovl_entry *ue = kisol_ovl_tree_find(&m->upper, path);

	if (!me || !ue || ue->kind == KISOL_OVL_WHITEOUT)
		return;
	ue->kind = me->kind;
	ue->mode = me->mode;
	ue->uid = me->uid;
	ue->gid = me->gid;
	ue->mtime = me->mtime;
	ue->size = me->size;
	ue->group = me->group;
	memcpy(ue->data, me->data, sizeof(ue->data));
	memcpy(ue->xattrs, me->xattrs, sizeof(ue->xattrs));
}

/* Apply fn to the merged entry and every hardlink of it; sync their upper entries. */
static void for_inode(struct kisol_ovl_model *m, struct kisol_ovl_entry *me,
		      void (*fn)(struct kisol_ovl_entry *e, const struct kisol_ovl_op *op),
		      const struct kisol_ovl_op *op)
{
	size_t i;

	if (!me->group) {
		fn(me, op);
		sync_upper(m, me->path);
		return;
	}
	for (i = 0; i < m->merged.n; i++)
		if (m->merged.e[i].group == me->group) {
			fn(&m->merged.e[i], op);
			sync_upper(m, m->merged.e[i].path);
		}
}

/* Make sure path and every parent directory exists in the upper layer. */
static int copy_up(struct kisol_ovl_model *m, const char *path, bool data)
{
	char pre[KISOL_OVL_PATH];
	const char *p = path;
	struct kisol_ovl_entry *me, *ue;

	for (;;) {
		const char *slash = strchr(p, '/');
		struct kisol_ovl_entry e;

		snprintf(pre, sizeof(pre), "%.*s", slash ? (int)(slash - path) : (int)strlen(path),
			 path);
		me = kisol_ovl_tree_find(&m->merged, pre);
		if (!me)
			return -ENOENT;
		ue = kisol_ovl_tree_find(&m->upper, pre);
		if (!ue || ue->kind == KISOL_OVL_WHITEOUT) {
			bool meta = !slash && !data && m->o.metacopy && me->kind == KISOL_OVL_FILE;
			const struct kisol_ovl_entry *peer = NULL;
			size_t i;

			/* With index=on a hardlink of an already copied-up inode is linked to it. */
			for (i = 0; m->o.index && me->group && i < m->upper.n; i++)
				if (m->upper.e[i].group == me->group &&
				    m->upper.e[i].kind == KISOL_OVL_FILE)
					peer = &m->upper.e[i];
			if (peer)
				meta = peer->metacopy && !data;

			if (me->group && !m->o.index && !slash)
				me->group = m->next_group++ | (1ULL << 62); /* copy-up breaks the link */
			e = *me;
			e.opaque = false;
			e.redirect[0] = '\0';
			e.metacopy = meta;
			ue = kisol_ovl_tree_put(&m->upper, &e);
			if (!ue)
				return -ENOMEM;
		} else if (!slash && data && ue->metacopy) {
			size_t i;

			/* the data copy-up completes the inode: every link of it */
			for (i = 0; ue->group && i < m->upper.n; i++)
				if (m->upper.e[i].group == ue->group)
					m->upper.e[i].metacopy = false;
			ue->metacopy = false;
			sync_upper(m, pre);
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	return 0;
}

/* Copy up the parents of path (not path itself). */
static int copy_up_parent(struct kisol_ovl_model *m, const char *path)
{
	char parent[KISOL_OVL_PATH];

	parent_of(path, parent, sizeof(parent));
	return *parent ? copy_up(m, parent, false) : 0;
}

/* Look up path in the merged view; -ENOENT/-ENOTDIR for a bad prefix. */
static int lookup(struct kisol_ovl_model *m, const char *path, struct kisol_ovl_entry **ret)
{
	char pre[KISOL_OVL_PATH];
	const char *s;
	struct kisol_ovl_entry *e;

	for (s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
		snprintf(pre, sizeof(pre), "%.*s", (int)(s - path), path);
		e = kisol_ovl_tree_find(&m->merged, pre);
		if (!e)
			return -ENOENT;
		if (e->kind != KISOL_OVL_DIR)
			return -ENOTDIR;
	}
	*ret = kisol_ovl_tree_find(&m->merged, path);
	return 0;
}

static bool has_children(const struct kisol_ovl_tree *t, const char *path)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (is_below(t->e[i].path, path) && strcmp(t->e[i].path, path))
			return true;
	return false;
}

/* Is the directory at path ("": the root) a merged directory (upper over lower)? */
static bool is_merge_dir(const struct kisol_ovl_model *m, const char *path)
{
	const struct kisol_ovl_entry *e;

	if (!*path)
		return true; /* the root always merges the lower roots */
	e = kisol_ovl_tree_find(&m->merged, path);
	return e && e->kind == KISOL_OVL_DIR && e->has_lpath;
}

/*
 * Without index, metacopy, redirect_dir and xino=on the layers may be
 * changed offline, and the kernel skips marking new directories in merged
 * parents opaque (an optimisation it makes otherwise).
 */
static bool offline_changes(const struct kisol_ovl_model *m)
{
	return !m->o.index && !m->o.metacopy && !m->o.redirect_dir && !m->o.xino_on;
}

/*
 * A new entry at path: upper gets it. A directory is opaque when created
 * over a whiteout, and in a merged parent unless offline changes are allowed.
 */
static int create_entry(struct kisol_ovl_model *m, struct kisol_ovl_entry *e)
{
	char parent[KISOL_OVL_PATH];
	struct kisol_ovl_entry *ue;
	bool over_whiteout;
	int r;

	r = copy_up_parent(m, e->path);
	if (r < 0)
		return r;
	ue = kisol_ovl_tree_find(&m->upper, e->path);
	over_whiteout = ue && ue->kind == KISOL_OVL_WHITEOUT;
	parent_of(e->path, parent, sizeof(parent));
	e->opaque = e->kind == KISOL_OVL_DIR &&
		    (over_whiteout || (is_merge_dir(m, parent) && !offline_changes(m)));
	if (!kisol_ovl_tree_put(&m->merged, e))
		return -ENOMEM;
	if (!kisol_ovl_tree_put(&m->upper, e))
		return -ENOMEM;
	return 0;
}

/* Remove path from the merged view; whiteout in upper if the name exists below. */
static int remove_entry(struct kisol_ovl_model *m, const char *path)
{
	bool wh = lower_positive(m, path);
	int r;

	kisol_ovl_tree_remove(&m->merged, path);
	kisol_ovl_tree_remove(&m->upper, path);
	if (wh) {
		struct kisol_ovl_entry w = { .kind = KISOL_OVL_WHITEOUT, .mtime = -1 };

		r = copy_up_parent(m, path);
		if (r < 0)
			return r;
		snprintf(w.path, sizeof(w.path), "%s", path);
		if (!kisol_ovl_tree_put(&m->upper, &w))
			return -ENOMEM;
	}
	return 0;
}

static void move_prefix(struct kisol_ovl_tree *t, const char *from, const char *to)
{
	size_t i, len = strlen(from);

	for (i = 0; i < t->n; i++)
		if (is_below(t->e[i].path, from)) {
			char np[KISOL_OVL_PATH];

			snprintf(np, sizeof(np), "%s%s", to, t->e[i].path + len);
			memcpy(t->e[i].path, np, sizeof(np));
		}
}

/*
 * The redirect a merged directory at path gets when renamed (the kernel
 * sets it before the rename): an existing one is kept unless the new
 * parent needs an absolute one and it is relative; a relative one is the
 * old name; an absolute one is the old path with each component replaced
 * by its own redirect, an absolute redirect of an ancestor ending the walk.
 */
static void get_redirect(const struct kisol_ovl_model *m, const char *path, bool samedir,
			 char *out, size_t size)
{
	const struct kisol_ovl_entry *ue = kisol_ovl_tree_find(&m->upper, path);
	char cur[KISOL_OVL_PATH], up[KISOL_OVL_PATH];
	char res[4 * KISOL_OVL_PATH] = "", tmp[4 * KISOL_OVL_PATH];

	if (ue && ue->redirect[0] && (samedir || ue->redirect[0] == '/')) {
		snprintf(out, size, "%s", ue->redirect);
		return;
	}
	if (samedir) {
		snprintf(out, size, "%s", base_of(path));
		return;
	}
	snprintf(cur, sizeof(cur), "%s", path);
	while (*cur) {
		const struct kisol_ovl_entry *e = kisol_ovl_tree_find(&m->upper, cur);
		const char *name = e && e->redirect[0] ? e->redirect : base_of(cur);

		size_t nl = strlen(name), rl = strlen(res), pos = nl;

		if (nl + rl + 2 > sizeof(tmp))
			break;
		memcpy(tmp, name, nl);
		if (rl) {
			tmp[pos++] = '/';
			memcpy(tmp + pos, res, rl);
			pos += rl;
		}
		tmp[pos] = '\0';
		memcpy(res, tmp, sizeof(res));
		if (name[0] == '/')
			break;
		parent_of(cur, up, sizeof(up));
		memcpy(cur, up, sizeof(cur));
	}
	snprintf(out, size, "%s%s", res[0] == '/' ? "" : "/", res);
}

static int model_rename(struct kisol_ovl_model *m, const struct kisol_ovl_op *op,
			struct kisol_ovl_entry *src)
{
	char op_parent[KISOL_OVL_PATH], np_parent[KISOL_OVL_PATH], redirect[KISOL_OVL_PATH] = "";
	struct kisol_ovl_entry *dst, *ue;
	bool wh, isdir = src->kind == KISOL_OVL_DIR, merge = isdir && src->has_lpath;
	int r;

	r = lookup(m, op->path2, &dst);
	if (r < 0)
		return r;
	parent_of(op->path2, np_parent, sizeof(np_parent));
	if (*np_parent && !kisol_ovl_tree_find(&m->merged, np_parent))
		return -ENOENT;
	if (!strcmp(op->path, op->path2))
		return 0;
	if (is_below(op->path2, op->path))
		return -EINVAL;
	if (dst && isdir && dst->kind != KISOL_OVL_DIR)
		return -ENOTDIR;
	if (dst && !isdir && dst->kind == KISOL_OVL_DIR)
		return -EISDIR;
	if (dst && dst->kind == KISOL_OVL_DIR && has_children(&m->merged, op->path2))
		return -ENOTEMPTY;
	if (merge && !m->o.redirect_dir)
		return -EXDEV;
	wh = lower_positive(m, op->path);
	r = copy_up(m, op->path, false);
	if (r < 0)
		return r;
	r = copy_up_parent(m, op->path2);
	if (r < 0)
		return r;
	if (merge) {
		parent_of(op->path, op_parent, sizeof(op_parent));
		get_redirect(m, op->path, !strcmp(op_parent, np_parent), redirect, sizeof(redirect));
	}
	/* Move in both trees: whatever was at the target goes. */
	kisol_ovl_tree_remove(&m->merged, op->path2);
	kisol_ovl_tree_remove(&m->upper, op->path2);
	move_prefix(&m->merged, op->path, op->path2);
	move_prefix(&m->upper, op->path, op->path2);
	ue = kisol_ovl_tree_find(&m->upper, op->path2);
	if (isdir && !merge && ue && !ue->opaque && is_merge_dir(m, np_parent))
		ue->opaque = true; /* a pure upper dir moved into a merged dir */
	if (merge && ue)
		memcpy(ue->redirect, redirect, sizeof(ue->redirect));
	if (wh) {
		struct kisol_ovl_entry w = { .kind = KISOL_OVL_WHITEOUT, .mtime = -1 };

		snprintf(w.path, sizeof(w.path), "%s", op->path);
		if (!kisol_ovl_tree_put(&m->upper, &w))
			return -ENOMEM;
	}
	tree_sort(&m->merged);
	tree_sort(&m->upper);
	return 0;
}

static void set_mode(struct kisol_ovl_entry *e, const struct kisol_ovl_op *op)
{
	e->mode = op->mode & 07777;
}

static void set_owner(struct kisol_ovl_entry *e, const struct kisol_ovl_op *op)
{
	e->uid = op->uid;
	e->gid = op->gid;
}

static void set_mtime(struct kisol_ovl_entry *e, const struct kisol_ovl_op *op)
{
	e->mtime = op->len;
}

static void set_xattr(struct kisol_ovl_entry *e, const struct kisol_ovl_op *op)
{
	snprintf(e->xattrs, sizeof(e->xattrs), "user.kisol=%s;", op->data);
}

static void clear_xattr(struct kisol_ovl_entry *e, const struct kisol_ovl_op *op)
{
	(void)op;
	e->xattrs[0] = '\0';
}

static void set_data(struct kisol_ovl_entry *e, const struct kisol_ovl_op *op)
{
	snprintf(e->data, sizeof(e->data), "%s", op->data ? op->data : "");
	e->size = (off_t)strlen(e->data);
	e->mtime = -1;
}

static void append_data(struct kisol_ovl_entry *e, const struct kisol_ovl_op *op)
{
	size_t len = strlen(e->data);

	snprintf(e->data + len, sizeof(e->data) - len, "%s", op->data ? op->data : "");
	e->size = (off_t)strlen(e->data);
	e->mtime = -1;
}

static void truncate_data(struct kisol_ovl_entry *e, const struct kisol_ovl_op *op)
{
	if (op->len < (int64_t)strlen(e->data))
		e->data[op->len] = '\0';
	e->size = op->len;
	e->mtime = -1;
}

static int new_entry(struct kisol_ovl_model *m, const struct kisol_ovl_op *op,
		     enum kisol_ovl_kind kind)
{
	struct kisol_ovl_entry e = { .kind = kind, .mtime = -1, .uid = geteuid(),
				     .gid = getegid() };

	snprintf(e.path, sizeof(e.path), "%s", op->path);
	if (kind == KISOL_OVL_SYMLINK) {
		e.mode = 0777;
		snprintf(e.data, sizeof(e.data), "%s", op->data);
		e.size = (off_t)strlen(e.data);
	} else {
		e.mode = op->mode & 07777;
	}
	if (kind == KISOL_OVL_FILE) {
		snprintf(e.data, sizeof(e.data), "%s", op->data ? op->data : "");
		e.size = (off_t)strlen(e.data);
	}
	if (kind == KISOL_OVL_DIR)
		e.size = 0;
	return create_entry(m, &e);
}

/* The op needs an existing entry; ENOENT (or the prefix error) if missing. */
#define NEED_ENTRY()                       \
	do {                               \
		if (r < 0)                 \
			return r;          \
		if (!e)                    \
			return -ENOENT;    \
	} while (0)

static int model_data_op(struct kisol_ovl_model *m, const struct kisol_ovl_op *op,
			 struct kisol_ovl_entry *e)
{
	int r;

	if (e->kind == KISOL_OVL_DIR)
		return -EISDIR;
	r = copy_up(m, op->path, true);
	if (r < 0)
		return r;
	e = kisol_ovl_tree_find(&m->merged, op->path);
	switch (op->type) {
	case KISOL_OVL_OP_OPEN_RW:
		sync_upper(m, op->path);
		break;
	case KISOL_OVL_OP_OPEN_TRUNC:
		for_inode(m, e, set_data, &(struct kisol_ovl_op){ .data = "" });
		break;
	case KISOL_OVL_OP_CREATE:
	case KISOL_OVL_OP_CREATE_EXCL:
		for_inode(m, e, set_data, op);
		break;
	case KISOL_OVL_OP_APPEND:
		for_inode(m, e, append_data, op);
		break;
	case KISOL_OVL_OP_TRUNCATE:
		for_inode(m, e, truncate_data, op);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int model_meta_op(struct kisol_ovl_model *m, const struct kisol_ovl_op *op,
			 struct kisol_ovl_entry *e)
{
	void (*fn)(struct kisol_ovl_entry *, const struct kisol_ovl_op *) = NULL;
	int r;

	switch (op->type) {
	case KISOL_OVL_OP_CHMOD: fn = set_mode; break;
	case KISOL_OVL_OP_CHOWN: fn = set_owner; break;
	case KISOL_OVL_OP_UTIMES: fn = set_mtime; break;
	case KISOL_OVL_OP_SETXATTR:
		if (e->kind == KISOL_OVL_SYMLINK)
			return -EPERM; /* user.* xattrs only on files and directories */
		fn = set_xattr;
		break;
	case KISOL_OVL_OP_RMXATTR:
		if (e->kind == KISOL_OVL_SYMLINK)
			return -EPERM;
		if (!strstr(e->xattrs, "user.kisol="))
			return -ENODATA; /* no copy-up for a failed removal */
		fn = clear_xattr;
		break;
	default:
		return -EINVAL;
	}
	r = copy_up(m, op->path, false);
	if (r < 0)
		return r;
	e = kisol_ovl_tree_find(&m->merged, op->path);
	for_inode(m, e, fn, op);
	return 0;
}

static int model_link(struct kisol_ovl_model *m, const struct kisol_ovl_op *op,
		      struct kisol_ovl_entry *e)
{
	struct kisol_ovl_entry *dst, n, *ue;
	int r;

	if (e->kind == KISOL_OVL_DIR)
		return -EPERM;
	r = lookup(m, op->path2, &dst);
	if (r < 0)
		return r;
	if (dst)
		return -EEXIST;
	{
		char parent[KISOL_OVL_PATH];

		parent_of(op->path2, parent, sizeof(parent));
		if (*parent && !kisol_ovl_tree_find(&m->merged, parent))
			return -ENOENT;
	}
	r = copy_up(m, op->path, false);
	if (r < 0)
		return r;
	e = kisol_ovl_tree_find(&m->merged, op->path);
	if (!e->group) {
		e->group = m->next_group++ | (1ULL << 62);
		sync_upper(m, op->path);
	}
	ue = kisol_ovl_tree_find(&m->upper, op->path);
	n = *e;
	snprintf(n.path, sizeof(n.path), "%s", op->path2);
	n.metacopy = ue ? ue->metacopy : false;
	return create_entry(m, &n);
}

int kisol_ovl_op_model(struct kisol_ovl_model *m, const struct kisol_ovl_op *op, char *out,
		       size_t size)
{
	struct kisol_ovl_entry *e = NULL;
	char parent[KISOL_OVL_PATH];
	int r;

	if (!m || !op || !op->path || op->type >= _KISOL_OVL_OP_MAX)
		return -EINVAL;
	r = lookup(m, op->path, &e);
	parent_of(op->path, parent, sizeof(parent));
	switch (op->type) {
	case KISOL_OVL_OP_READ:
		NEED_ENTRY();
		if (e->kind == KISOL_OVL_SYMLINK) { /* follow one relative symlink */
			char t[2 * KISOL_OVL_PATH];

			if (e->data[0] == '/')
				return -EINVAL;
			snprintf(t, sizeof(t), "%s%s%s", parent, *parent ? "/" : "", e->data);
			e = NULL;
			r = lookup(m, t, &e);
			NEED_ENTRY();
		}
		if (e->kind == KISOL_OVL_DIR)
			return -EISDIR;
		if (out && size)
			snprintf(out, size, "%s", e->data);
		return 0;
	case KISOL_OVL_OP_READLINK:
		NEED_ENTRY();
		if (e->kind != KISOL_OVL_SYMLINK)
			return -EINVAL;
		if (out && size)
			snprintf(out, size, "%s", e->data);
		return 0;
	case KISOL_OVL_OP_CREATE:
	case KISOL_OVL_OP_CREATE_EXCL:
		if (r < 0)
			return r;
		if (e && op->type == KISOL_OVL_OP_CREATE_EXCL)
			return -EEXIST;
		if (e)
			return model_data_op(m, op, e);
		if (*parent && !kisol_ovl_tree_find(&m->merged, parent))
			return -ENOENT;
		return new_entry(m, op, KISOL_OVL_FILE);
	case KISOL_OVL_OP_OPEN_RW:
	case KISOL_OVL_OP_OPEN_TRUNC:
	case KISOL_OVL_OP_APPEND:
	case KISOL_OVL_OP_TRUNCATE:
		NEED_ENTRY();
		return model_data_op(m, op, e);
	case KISOL_OVL_OP_CHMOD:
	case KISOL_OVL_OP_CHOWN:
	case KISOL_OVL_OP_UTIMES:
	case KISOL_OVL_OP_SETXATTR:
	case KISOL_OVL_OP_RMXATTR:
		NEED_ENTRY();
		return model_meta_op(m, op, e);
	case KISOL_OVL_OP_LINK:
		NEED_ENTRY();
		return model_link(m, op, e);
	case KISOL_OVL_OP_SYMLINK:
	case KISOL_OVL_OP_MKDIR:
		if (r < 0)
			return r;
		if (e)
			return -EEXIST;
		if (*parent && !kisol_ovl_tree_find(&m->merged, parent))
			return -ENOENT;
		return new_entry(m, op, op->type == KISOL_OVL_OP_MKDIR ? KISOL_OVL_DIR
								      : KISOL_OVL_SYMLINK);
	case KISOL_OVL_OP_UNLINK:
		NEED_ENTRY();
		if (e->kind == KISOL_OVL_DIR)
			return -EISDIR;
		return remove_entry(m, op->path);
	case KISOL_OVL_OP_RMDIR:
		NEED_ENTRY();
		if (e->kind != KISOL_OVL_DIR)
			return -ENOTDIR;
		if (has_children(&m->merged, op->path))
			return -ENOTEMPTY;
		return remove_entry(m, op->path);
	case KISOL_OVL_OP_RENAME:
		NEED_ENTRY();
		if (!op->path2)
			return -EINVAL;
		return model_rename(m, op, e);
	default:
		return -EINVAL;
	}
}

/* ------------------------------------------------------------------ */
/* Real operations                                                     */

static const char *const op_names[_KISOL_OVL_OP_MAX] = {
	"read", "open_rw", "open_trunc", "create", "create_excl", "append", "truncate",
	"chmod", "chown", "utimes", "setxattr", "rmxattr", "link", "symlink", "readlink",
	"unlink", "rmdir", "mkdir", "rename",
};

const char *kisol_ovl_op_name(enum kisol_ovl_op_type t)
{
	return t < _KISOL_OVL_OP_MAX ? op_names[t] : "?";
}

void kisol_ovl_op_describe(const struct kisol_ovl_op *op, char *buf, size_t size)
{
	snprintf(buf, size, "%s %s%s%s%s%s", kisol_ovl_op_name(op->type), op->path,
		 op->path2 ? " -> " : "", op->path2 ? op->path2 : "", op->data ? " data=" : "",
		 op->data ? op->data : "");
}

static int write_all(int fd, const char *s)
{
	size_t len = s ? strlen(s) : 0;
	ssize_t n;

	if (!len)
		return 0;
	n = write(fd, s, len);
	if (n < 0)
		return kisol_negerrno();
	return (size_t)n == len ? 0 : -EIO;
}

static int real_open_op(const char *p, const struct kisol_ovl_op *op)
{
	int flags = O_CLOEXEC, fd, r;

	switch (op->type) {
	case KISOL_OVL_OP_OPEN_RW: flags |= O_RDWR; break;
	case KISOL_OVL_OP_OPEN_TRUNC: flags |= O_WRONLY | O_TRUNC; break;
	case KISOL_OVL_OP_CREATE: flags |= O_WRONLY | O_CREAT | O_TRUNC; break;
	case KISOL_OVL_OP_CREATE_EXCL: flags |= O_WRONLY | O_CREAT | O_EXCL; break;
	case KISOL_OVL_OP_APPEND: flags |= O_WRONLY | O_APPEND; break;
	default: return -EINVAL;
	}
	fd = open(p, flags, op->mode);
	if (fd < 0)
		return kisol_negerrno();
	r = 0;
	if (op->type == KISOL_OVL_OP_CREATE || op->type == KISOL_OVL_OP_CREATE_EXCL ||
	    op->type == KISOL_OVL_OP_APPEND)
		r = write_all(fd, op->data);
	close(fd);
	return r;
}

int kisol_ovl_op_real(const char *root, const struct kisol_ovl_op *op, char *out, size_t size)
{
	char p[PATH_MAX], p2[PATH_MAX];
	struct timespec ts[2];
	mode_t old_umask;
	int r = 0, fd;
	ssize_t n;

	if (!root || !op || !op->path || op->type >= _KISOL_OVL_OP_MAX)
		return -EINVAL;
	snprintf(p, sizeof(p), "%s/%s", root, op->path);
	snprintf(p2, sizeof(p2), "%s/%s", root, op->path2 ? op->path2 : "");
	old_umask = umask(0);
	switch (op->type) {
	case KISOL_OVL_OP_READ:
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r = kisol_negerrno();
			break;
		}
		n = read(fd, out, size ? size - 1 : 0);
		r = n < 0 ? kisol_negerrno() : 0;
		if (n >= 0 && size)
			out[n] = '\0';
		close(fd);
		break;
	case KISOL_OVL_OP_READLINK:
		n = readlink(p, out, size ? size - 1 : 0);
		r = n < 0 ? kisol_negerrno() : 0;
		if (n >= 0 && size)
			out[n] = '\0';
		break;
	case KISOL_OVL_OP_OPEN_RW:
	case KISOL_OVL_OP_OPEN_TRUNC:
	case KISOL_OVL_OP_CREATE:
	case KISOL_OVL_OP_CREATE_EXCL:
	case KISOL_OVL_OP_APPEND:
		r = real_open_op(p, op);
		break;
	case KISOL_OVL_OP_TRUNCATE:
		r = truncate(p, op->len) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_CHMOD:
		r = chmod(p, op->mode) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_CHOWN:
		r = lchown(p, op->uid, op->gid) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_UTIMES:
		ts[0].tv_sec = ts[1].tv_sec = op->len;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		r = utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_SETXATTR:
		r = lsetxattr(p, "user.kisol", op->data, strlen(op->data), 0) < 0 ?
			    kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_RMXATTR:
		r = lremovexattr(p, "user.kisol") < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_LINK:
		r = link(p, p2) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_SYMLINK:
		r = symlink(op->data, p) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_UNLINK:
		r = unlink(p) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_RMDIR:
		r = rmdir(p) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_MKDIR:
		r = mkdir(p, op->mode) < 0 ? kisol_negerrno() : 0;
		break;
	case KISOL_OVL_OP_RENAME:
		r = rename(p, p2) < 0 ? kisol_negerrno() : 0;
		break;
	default:
		r = -EINVAL;
	}
	umask(old_umask);
	return r;
}

/* ------------------------------------------------------------------ */
/* Checking a mounted overlay against the model                        */

int kisol_ovl_model_check(const struct kisol_ovl_model *m, const struct kisol_ovl *o,
			  char *diff, size_t size)
{
	_cleanup_ovl_tree_ struct kisol_ovl_tree t = { 0 };
	_cleanup_ovl_tree_ struct kisol_ovl_tree x = { 0 };
	unsigned snap = KISOL_OVL_SNAP_MARKERS | (m->o.userxattr ? KISOL_OVL_SNAP_USERXATTR : 0);
	unsigned all = KISOL_OVL_CMP_MARKERS | KISOL_OVL_CMP_MTIME | KISOL_OVL_CMP_GROUPS;
	char sub[512];
	unsigned i;
	int r;

	if (!m || !o || !diff || !size)
		return -EINVAL;
	r = kisol_ovl_snapshot(o->merged, 0, &t);
	if (r < 0)
		return r;
	r = kisol_ovl_tree_copy(&x, &m->merged);
	if (r < 0)
		return r;
	tree_sort(&x);
	if (kisol_ovl_tree_compare(&x, &t,
				   KISOL_OVL_CMP_MTIME |
					   (m->o.unstable_ino ? 0 : KISOL_OVL_CMP_GROUPS),
				   sub, sizeof(sub)))
		return DIFF("merged view: %s", sub);
	if (o->has_upper) {
		r = kisol_ovl_snapshot(o->upper, snap, &t);
		if (r < 0)
			return r;
		r = kisol_ovl_tree_copy(&x, &m->upper);
		if (r < 0)
			return r;
		tree_sort(&x);
		if (kisol_ovl_tree_compare(&x, &t, all, sub, sizeof(sub)))
			return DIFF("upper layer: %s", sub);
	}
	for (i = 0; i < m->nlower; i++) {
		r = kisol_ovl_snapshot(o->lower[i], snap, &t);
		if (r < 0)
			return r;
		if (kisol_ovl_tree_compare(&m->lower_snap[i], &t, all, sub, sizeof(sub)))
			return DIFF("lower layer %u changed: %s", i, sub);
	}
	return 0;
}
