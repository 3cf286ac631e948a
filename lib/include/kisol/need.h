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

#include "kisol/ns.h"

#define KISOL_NEED_BROKEN 2

int kisol_need_ns(enum kisol_ns type, char *why, size_t size);
int kisol_need_root(char *why, size_t size);
/* cap is a CAP_* number; checks the effective set. */
int kisol_need_cap(int cap, char *why, size_t size);

/*
 * Unprivileged user namespaces: user.max_user_namespaces > 0, Debian's
 * kernel.unprivileged_userns_clone not 0, and a child dropped to
 * KISOL_UNPRIV_UID can unshare(CLONE_NEWUSER | flag of type) (type -1:
 * user namespace only). The reason names which of these failed.
 */
int kisol_need_userns_unpriv(int type, char *why, size_t size);
/* clone3(2) exists (not ENOSYS). */
int kisol_need_clone3(char *why, size_t size);
/* pidfd_open(2) exists. */
int kisol_need_pidfd(char *why, size_t size);

#endif
