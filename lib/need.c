// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "kisol/need.h"
#include "kisol/util.h"

static int unmet(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why && size) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return 1;
}

int kisol_need_ns(enum kisol_ns type, char *why, size_t size)
{
	const struct kisol_ns_info *i;
	int r;

	if (type < 0 || type >= _KISOL_NS_MAX)
		return -EINVAL;
	i = &kisol_ns_table[type];
	r = kisol_ns_probe(type);
	switch (r) {
	case 0:
		return 0;
	case -EINVAL:
		return unmet(why, size, "%s namespace: unshare gives EINVAL (kernel built without %s)",
			     i->name, i->kconfig ? i->kconfig : "it");
	case -EPERM:
		return unmet(why, size, "%s namespace: unshare gives EPERM (not permitted to create it here)",
			     i->name);
	case -ENOSPC:
		return unmet(why, size, "%s namespace: unshare gives ENOSPC (max_%s_namespaces limit reached)",
			     i->name, i->name);
	case -EUSERS:
		return unmet(why, size, "%s namespace: unshare gives EUSERS (nesting limit)", i->name);
	default:
		return unmet(why, size, "%s namespace: unshare gives %s", i->name, strerror(-r));
	}
}

int kisol_need_root(char *why, size_t size)
{
	if (geteuid() == 0)
		return 0;
	return unmet(why, size, "needs root (euid is %u)", (unsigned)geteuid());
}

int kisol_need_cap(int cap, char *why, size_t size)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { 0 };

	if (cap < 0 || cap > CAP_LAST_CAP)
		return -EINVAL;
	if (syscall(SYS_capget, &h, d) < 0)
		return unmet(why, size, "capget failed: %s", strerror(errno));
	if (d[cap / 32].effective & (1U << (cap % 32)))
		return 0;
	return unmet(why, size, "needs capability %d in the effective set", cap);
}
