/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol: requirement probes. Each returns 0 when the need is met, or 1
 * with a one-line reason in why (for SKIP), or -errno on a bad argument.
 * Probes try the real operation rather than compare kernel versions.
 */
#ifndef KISOL_NEED_H
#define KISOL_NEED_H

#include <stddef.h>

#include "kisol/ns.h"

int kisol_need_ns(enum kisol_ns type, char *why, size_t size);
int kisol_need_root(char *why, size_t size);
/* cap is a CAP_* number; checks the effective set. */
int kisol_need_cap(int cap, char *why, size_t size);

#endif
