// SPDX-License-Identifier: GPL-2.0-only
/*
 * kisol: the overlayfs expected-state model (see kisol/overlay.h).
 * Its parts: overlay_tree.c (trees), overlay_snapshot.c (reading a real
 * directory), overlay_compare.c, overlay_model.c (this file: the rules),
 * overlay_realops.c (the same operations on a real overlay) and
 * overlay_check.c (a mounted overlay against the model).
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

#include "overlay-internal.h"

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
			if (layer->e[j].kind != KISOL_OVL_DIR && kisol_ovl__is_below(l->path, layer->e[j].path))
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
	kisol_ovl__tree_sort(t);
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
		if (kisol_ovl__is_below(t->e[i].path, path) && strcmp(t->e[i].path, path))
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
		if (kisol_ovl__is_below(t->e[i].path, from)) {
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
	if (kisol_ovl__is_below(op->path2, op->path))
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
	kisol_ovl__tree_sort(&m->merged);
	kisol_ovl__tree_sort(&m->upper);
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
