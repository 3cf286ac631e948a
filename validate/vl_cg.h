/* SPDX-License-Identifier: GPL-2.0-only */
/* kisol-validate: throwaway cgroups and processes in them (cg.c). */
#ifndef KISOL_VALIDATE_CG_H
#define KISOL_VALIDATE_CG_H

#include "kisol/cgroup.h"
#include "vl.h"

/*
 * Make <own cgroup>/kisol-validate-p<pid>-<name> where controller c lives
 * (version as kisol_cg_locate). ret is owned: kisol_cg_destroy() kills,
 * drains and removes it. -errno with the reason in why.
 */
int vl_cg_make(enum kisol_cg_ctrl c, int version, const char *name, struct kisol_cg *ret,
	       char *why, size_t size);

struct vl_cg_proc {
	pid_t pid;
	int pidfd;
};
#define VL_CG_PROC_INIT { .pid = -1, .pidfd = -1 }
/* Fork a child that runs fn(arg) (its exit code) only once attached to cg. */
int vl_cg_start(const struct kisol_cg *cg, int (*fn)(void *), void *arg, struct vl_cg_proc *ret);
/* Wait at most timeout_ms; -ETIMEDOUT if it still runs. */
int vl_cg_wait(struct vl_cg_proc *p, int timeout_ms, int *ret_status);
/* SIGKILL and reap (no-op when reaped). */
void vl_cg_stop(struct vl_cg_proc *p);

#endif
