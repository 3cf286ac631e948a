// SPDX-License-Identifier: GPL-2.0-only
/*
 * kisol overlay model: trees of entries (find, put, remove, sort).
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

bool kisol_ovl__is_below(const char *path, const char *top)
{
	size_t len = strlen(top);

	return !strncmp(path, top, len) && (path[len] == '\0' || path[len] == '/');
}

size_t kisol_ovl_tree_remove(struct kisol_ovl_tree *t, const char *path)
{
	size_t i = 0, gone = 0;

	while (t && i < t->n) {
		if (kisol_ovl__is_below(t->e[i].path, path)) {
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

void kisol_ovl__tree_sort(struct kisol_ovl_tree *t)
{
	if (t->n)
		qsort(t->e, t->n, sizeof(*t->e), cmp_path);
}
