/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol cgroup: symbols shared between the library's cgroup files, not
 * part of the public API (cases and benchmarks use lib/include/kisol/cgroup.h).
 *
 * The files depend one way, each only on those before it:
 *   cgroup.c      discovery: controller table, layout, locating controllers
 *   cgroup_ops.c  operations: run directories, test cgroups, files, kill, destroy
 *   need.c        needs: kisol_cg_need*() probe through both
 */
#ifndef KISOL_CGROUP_INTERNAL_H
#define KISOL_CGROUP_INTERNAL_H

#include "kisol/cgroup.h"

/* discovery (cgroup.c) */
/* Bits of the v2 controllers in a space-separated cgroup.controllers line. */
uint64_t kisol_cg__v2_bits(const char *list);
/* Hierarchy idx of this process's cached layout, NULL if out of range. */
const struct kisol_cg_hier *kisol_cg__hier(int idx);
/* kisol_cg_locate() as an index into the layout, or -errno. */
int kisol_cg__locate_idx(enum kisol_cg_ctrl c, int version);
/* The caller may write dir, its cgroup.procs and cgroup.subtree_control
 * (what systemd's Delegate=yes hands over). */
bool kisol_cg__delegated(const char *dir);
/* kisol_cg_delegated_root() on the v2 hierarchy h; -EINVAL for v1. */
int kisol_cg__delegated_root(const struct kisol_cg_hier *h, char *buf, size_t size);

/* operations (cgroup_ops.c) */
/* v1 cpuset: copy the parent's cpus and mems into a new cgroup dir (no-op elsewhere). */
int kisol_cg__cpuset_inherit(const char *dir);
/* Run directory of hierarchy idx usable for controller c (v2: enabled). */
int kisol_cg__prepare(int hier_idx, enum kisol_cg_ctrl c);
/* Remove a per-process run directory that holds no test cgroup. */
int kisol_cg__gc(int hier_idx);
/*
 * v2 with KISOL_CG_V2_BASE set: that directory (absolute, or relative to
 * the mount) into buf, 1; 0 when it is not set (or h is v1); -errno.
 */
int kisol_cg__v2_base(const struct kisol_cg_hier *h, char *buf, size_t size);
/*
 * Where the library makes its per-process run directory and the top
 * cgroups when no KISOL_CG_V2_BASE is given: the own cgroup, except for an
 * ordinary user on v2, who gets the top of the subtree delegated to it
 * (kisol_cg_delegated_root; its own cgroup when none is). -ENOENT when the
 * own cgroup is not visible in the mount.
 */
int kisol_cg__home(const struct kisol_cg_hier *h, char *buf, size_t size);
/*
 * Kill, drain and remove parent_fd/name and everything below it. Allocates
 * nothing (a signal handler may call it).
 */
int kisol_cg__destroy_at(int parent_fd, const char *name, int version);

#endif
