/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol: requirement probes. Each returns 0 when the need is met, or 1
 * with a one-line reason in why (for SKIP), KISOL_NEED_BROKEN with a
 * reason when the operation reported success but did not do it (a
 * namespace that is the caller's: a FAIL, never a SKIP), or -errno on a
 * bad argument. Probes try the real operation rather than compare kernel
 * versions.
 */
#ifndef KISOL_NEED_H
#define KISOL_NEED_H

#include <stddef.h>

#include "kisol/cgroup.h"
#include "kisol/ns.h"

/* A need whose probe saw the kernel ignore the call: the test FAILs, never SKIPs. */
#define KISOL_NEED_BROKEN 2

/*
 * unshare(type) as the caller, in a short-lived child. Not root, EPERM
 * says "needs CAP_SYS_ADMIN in the initial user namespace": the variants
 * that create a user namespace first ask kisol_need_ns_in_userns instead.
 */
int kisol_need_ns(enum kisol_ns type, char *why, size_t size);
/*
 * unshare(CLONE_NEWUSER | type) as the caller, in a short-lived child:
 * what a case that makes its own user namespace needs, root or not.
 */
int kisol_need_ns_in_userns(enum kisol_ns type, char *why, size_t size);
int kisol_need_root(char *why, size_t size);
/* The same, naming what needs it: "needs root in the initial user namespace to <what>". */
int kisol_need_root_to(const char *what, char *why, size_t size);
/* cap is a CAP_* number; checks the effective set. */
int kisol_need_cap(int cap, char *why, size_t size);

/*
 * Unprivileged user namespaces: user.max_user_namespaces > 0, Debian's
 * kernel.unprivileged_userns_clone not 0, and a child that became an
 * ordinary user (kisol_become_unpriv: KISOL_UNPRIV_UID when root, else the
 * caller itself) can unshare(CLONE_NEWUSER | flag of type) (type -1: user
 * namespace only). The reason names which of these failed.
 */
int kisol_need_userns_unpriv(int type, char *why, size_t size);
/* clone3(2) exists (not ENOSYS). */
int kisol_need_clone3(char *why, size_t size);
/* pidfd_open(2) exists. */
int kisol_need_pidfd(char *why, size_t size);
/* fsopen/fsmount/move_mount exist (not ENOSYS; other errors are the case's to see). */
int kisol_need_mount_api(char *why, size_t size);
/* mount_setattr(2) exists (not ENOSYS). */
int kisol_need_mnt_setattr(char *why, size_t size);

/*
 * Need probe: 0 if controller c can be used on that version here (run
 * directory usable, controller enabled), else 1 with a reason that says
 * where the controller is bound, e.g. "memory is on cgroup v1
 * (/sys/fs/cgroup/memory); this case is v2-only".
 */
int kisol_cg_need(enum kisol_cg_ctrl c, int version, char *why, size_t size);
/* Same for a file in a cgroup (feature probe: cgroup.kill, memory.peak). */
int kisol_cg_need_file(const struct kisol_cg *cg, const char *file, char *why, size_t size);

#endif
