// SPDX-License-Identifier: GPL-2.0-only
/*
 * kisol overlay model: comparing two trees, with a readable first difference.
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
