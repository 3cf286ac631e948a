/* SPDX-License-Identifier: GPL-2.0-only */
/* kisol: user namespace id maps. */
#ifndef KISOL_USERNS_H
#define KISOL_USERNS_H

#include <stdbool.h>
#include <stdint.h>
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

/*
 * An unprivileged identity for "unprivileged" variants: ids no account or
 * map gives a meaning to (not 0, not the overflow id 65534).
 */
#define KISOL_UNPRIV_UID ((uid_t)61234)
#define KISOL_UNPRIV_GID ((gid_t)61234)

/*
 * Become an ordinary user: clear supplementary groups, set real/effective/
 * saved gid and uid, and stay dumpable (so /proc/self/{uid,gid}_map and
 * setgroups stay writable by this process). Irreversible: call it in a
 * child.
 */
int kisol_userns_drop_privs(uid_t uid, gid_t gid);
/*
 * The ordinary user of the "unprivileged" variants: root drops to
 * KISOL_UNPRIV_UID/GID; a caller that is not root already is one and runs
 * as itself (the rootless view of the user who runs the suite).
 * kisol_become_unpriv() does that drop (irreversible: call it in a child;
 * root of a user namespace of its own becomes that uid in a nested one, see
 * kisol_userns_become_other) and changes nothing for a caller that is not
 * root; kisol_unpriv_uid()
 * and kisol_unpriv_gid() are the ids it ends with.
 */
int kisol_become_unpriv(void);
/*
 * Become another ordinary user (irreversible: call it in a child). Root of
 * the initial user namespace drops to uid/gid (kisol_userns_drop_privs).
 * Root of a user namespace of its own that maps only its owner (an
 * ordinary user's rootless view, kisol_userns_unshare_rootless) has no
 * other id to become: it enters a nested user namespace whose uid/gid map
 * onto its own ids and switches to them there. That process holds no
 * capability in the enclosing user namespace or in the nested one, so it
 * stands for another user in whatever is decided by capabilities and
 * namespace ownership (mounts, namespaces, setns, sysctls); it is the same
 * kernel uid for file permissions, so it does not stand for another user
 * there. Not root: -EPERM.
 */
int kisol_userns_become_other(uid_t uid, gid_t gid);
uid_t kisol_unpriv_uid(void);
gid_t kisol_unpriv_gid(void);
/*
 * unshare(CLONE_NEWUSER | flags) and map root inside to the caller's
 * euid/egid (one id each, setgroups "deny" first), writing the maps of
 * the calling process itself. Works unprivileged. Call it in a child.
 * -EPROTO when a namespace asked for is still the caller's.
 */
int kisol_userns_unshare_root(uint64_t flags);
/*
 * Root of the initial user namespace: euid 0 with the identity map of
 * every id (root of a user namespace that maps fewer ids is not).
 */
bool kisol_is_root(void);
/*
 * Namespaces of its own for the calling process, where a case keeps its
 * "outside" objects off the host: root unshares flags; an ordinary user
 * unshares them with a user namespace of its own and becomes its root
 * (kisol_userns_unshare_root), the rootless view in which that user
 * namespace stands for the host. Only the caller's id is mapped there.
 */
int kisol_userns_unshare_rootless(uint64_t flags);
/*
 * Nesting: how many levels the user namespace nsfd lies below the
 * caller's own user namespace (0: the caller's own, or one the caller
 * cannot see above). Counted with NS_GET_PARENT, which stops with EPERM
 * at the caller's user namespace. -errno if nsfd is not a user namespace.
 */
int kisol_userns_depth(int nsfd);

#endif
