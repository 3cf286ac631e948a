/* SPDX-License-Identifier: GPL-2.0-only */
/* kisol: user namespace id maps. */
#ifndef KISOL_USERNS_H
#define KISOL_USERNS_H

#include <stdbool.h>
#include <sys/types.h>

/* Write /proc/PID/setgroups ("allow" or "deny"). */
int kisol_userns_setgroups(pid_t pid, const char *mode);
/* Write /proc/PID/uid_map or gid_map ("inside outside count" lines). */
int kisol_userns_write_map(pid_t pid, const char *which, const char *map);
/*
 * Write both maps for a process in a new user namespace, optionally
 * writing setgroups "deny" first. Either map may be NULL (not written).
 */
int kisol_userns_write_maps(pid_t pid, const char *uid_map, const char *gid_map,
			    bool deny_setgroups);
/* Map root inside to (uid, gid) outside, one id each. */
int kisol_userns_map_root(pid_t pid, uid_t uid, gid_t gid, bool deny_setgroups);
/* The overflow uid/gid (/proc/sys/kernel/overflowuid), 65534 by default. */
int kisol_userns_overflow_uid(uid_t *ret);
int kisol_userns_overflow_gid(gid_t *ret);

#endif
