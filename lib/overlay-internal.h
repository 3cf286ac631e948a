/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol overlay model: helpers shared by lib/overlay_*.c, not part of the
 * public API (kisol/overlay.h).
 */
#ifndef KISOL_OVERLAY_INTERNAL_H
#define KISOL_OVERLAY_INTERNAL_H

#include <stdbool.h>

#include "kisol/overlay.h"

/* path is top or below it ("a/b" is below "a", "ab" is not). */
bool kisol_ovl__is_below(const char *path, const char *top);
/* Sort a tree's entries by path. */
void kisol_ovl__tree_sort(struct kisol_ovl_tree *t);
/* In a function with a (char *diff, size_t size) pair: write the difference, return 1. */
#define DIFF(...) (snprintf(diff, size, __VA_ARGS__), 1)

#endif
