/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol: the overlay options of the view a case runs in (root, or the
 * rootless view), shared by cases/overlay and cases/lib_mount.
 */
#ifndef KISOL_OVL_VIEW_H
#define KISOL_OVL_VIEW_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kisol/userns.h"

/*
 * The rootless view (after NEED_ROOT_OR_OWN_USERNS the test is root of a
 * user namespace of its own): overlayfs mounts there (5.11+, commit
 * 459c7c565ac3) only with userxattr, its markers are user.overlay.* and
 * the options that need trusted.overlay.* (redirect_dir=on, index=on,
 * metacopy=on) are refused. ovl_userxattr() says which view the test is
 * in; ovl_extra() adds userxattr to a variant's options there, and asks
 * for redirect_dir=nofollow where the variant says redirect_dir=off
 * (refused with userxattr, EINVAL on 6.18; both create no redirects and
 * follow none, what the model's redirect_dir=false expects).
 */
static inline bool ovl_userxattr(void)
{
	return !kisol_is_root();
}

static inline const char *ovl_extra(const char *extra, char *buf, size_t size)
{
	static const char off[] = "redirect_dir=off";
	const char *at;

	if (!ovl_userxattr())
		return extra;
	extra = extra ? extra : "";
	at = strstr(extra, off);
	if (at)
		snprintf(buf, size, "%.*sredirect_dir=nofollow%s,userxattr", (int)(at - extra), extra,
			 at + strlen(off));
	else
		snprintf(buf, size, "%s%suserxattr", extra, *extra ? "," : "");
	return buf;
}

#endif
