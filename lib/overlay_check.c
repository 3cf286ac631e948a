// SPDX-License-Identifier: GPL-2.0-only
/*
 * kisol overlay model: checking a mounted overlay (merged view, upper
 * layer) against the model.
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
	kisol_ovl__tree_sort(&x);
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
		kisol_ovl__tree_sort(&x);
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
