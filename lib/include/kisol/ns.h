/* SPDX-License-Identifier: GPL-2.0-only */
/* kisol: the namespace table, setns/unshare, namespace identity. */
#ifndef KISOL_NS_H
#define KISOL_NS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum kisol_ns {
	KISOL_NS_MNT,
	KISOL_NS_UTS,
	KISOL_NS_IPC,
	KISOL_NS_USER,
	KISOL_NS_PID,
	KISOL_NS_NET,
	KISOL_NS_CGROUP,
	KISOL_NS_TIME,
	_KISOL_NS_MAX,
	_KISOL_NS_INVALID = -1,
};

struct kisol_ns_info {
	const char *name;          /* "mnt", "uts", ... as in /proc/PID/ns/ */
	uint64_t flag;             /* CLONE_NEW* */
	const char *children_name; /* "pid_for_children" etc., or NULL */
	const char *kconfig;       /* CONFIG_*_NS option, or NULL (always on) */
	unsigned since_major, since_minor; /* kernel release that added it */
};

/* One row per namespace type; iterate with for (t = 0; t < _KISOL_NS_MAX; t++). */
extern const struct kisol_ns_info kisol_ns_table[_KISOL_NS_MAX];

/* Lookups return the type or -EINVAL. */
int kisol_ns_from_name(const char *name);
int kisol_ns_from_flag(uint64_t flag);
/* OR of every CLONE_NEW* flag in the table. */
uint64_t kisol_ns_all_flags(void);

/* Open /proc/PID/ns/<name> (pid 0: self). O_RDONLY|O_CLOEXEC. */
int kisol_ns_open(pid_t pid, enum kisol_ns type);
/* Open /proc/PID/ns/<type>_for_children; -EINVAL if the type has none. */
int kisol_ns_open_children(pid_t pid, enum kisol_ns type);

struct kisol_ns_id {
	uint64_t dev;
	uint64_t ino;
};

/* (dev, ino) identity of a namespace fd / of /proc/PID/ns/<type>. */
int kisol_ns_id_fd(int nsfd, struct kisol_ns_id *ret);
int kisol_ns_id(pid_t pid, enum kisol_ns type, struct kisol_ns_id *ret);
bool kisol_ns_id_eq(const struct kisol_ns_id *a, const struct kisol_ns_id *b);
/*
 * Is nsfd the caller's own namespace of that type (/proc/self/ns)? False
 * also when either cannot be read. Lets a teardown setns back only when
 * the test moved, which an ordinary user could not do.
 */
bool kisol_ns_is_current(int nsfd, enum kisol_ns type);

/*
 * The namespaces a new child of the caller would be in, for the types in
 * flags (CLONE_NEW*): <type>_for_children where the type has one (pid,
 * time), else the caller's own. A type whose file cannot be read here
 * (no usable /proc) is left out of known.
 */
struct kisol_ns_snap {
	uint64_t known; /* CLONE_NEW* flags of the types in id[] */
	struct kisol_ns_id id[_KISOL_NS_MAX];
};
void kisol_ns_snap_take(uint64_t flags, struct kisol_ns_snap *ret);
/*
 * After a call that was to create the namespaces in flags (unshare, or a
 * child's view after clone): -EPROTO if one of them, known in before and
 * readable now, is still the one in before (a kernel that ignored the
 * CLONE_NEW* flag and reported success), else 0.
 */
int kisol_ns_snap_all_new(uint64_t flags, const struct kisol_ns_snap *before);

/*
 * setns(2) with the type checked by the kernel; type -1 accepts any.
 * Afterwards the caller's namespace of that type (for pid and time: the
 * one its children get) must be the one of nsfd: -EPROTO if it is not (a
 * setns that reported success and did nothing).
 */
int kisol_ns_enter(int nsfd, int type);
/*
 * setns(2) on a pidfd with a set of CLONE_NEW* flags (5.8+), checked as
 * kisol_ns_enter() does where PIDFD_GET_*_NAMESPACE (6.11) names the
 * target's namespaces.
 */
int kisol_ns_enter_pidfd(int pidfd, uint64_t flags);
/*
 * unshare(2); every namespace type in flags must then be new (for pid
 * and time: the one children get): -EPROTO if one is the caller's old one.
 */
int kisol_ns_unshare(uint64_t flags);

/* nsfs ioctls. Each returns a new fd (or the type / writes the uid). */
int kisol_ns_get_type(int nsfd);          /* enum kisol_ns via NS_GET_NSTYPE */
int kisol_ns_get_userns(int nsfd);        /* NS_GET_USERNS */
int kisol_ns_get_parent(int nsfd);        /* NS_GET_PARENT */
int kisol_ns_get_owner_uid(int nsfd, uid_t *ret); /* NS_GET_OWNER_UID */

/*
 * 64-bit namespace id (NS_GET_ID, kernel 6.18+; for mount namespaces also
 * NS_GET_MNTNS_ID, 6.10+). -ENOTTY when the kernel has neither.
 */
int kisol_ns_get_id(int nsfd, uint64_t *ret);
/* readlink of /proc/PID/ns/<type> (pid 0: self), e.g. "uts:[4026531838]". */
int kisol_ns_link(pid_t pid, enum kisol_ns type, char *buf, size_t size);

/*
 * Can a namespace of this type be created here? Tries unshare() in a
 * short-lived child. 0 if yes, else the errno the kernel gave
 * (-EINVAL: type not built in; -EPERM: not permitted; -ENOSPC: limit),
 * or -EPROTO when unshare succeeded but the child is still in the
 * caller's namespace (a kernel that ignores the flag: not a missing
 * feature, a broken one).
 */
int kisol_ns_probe(enum kisol_ns type);
/* The same for any unshare(2) flags, e.g. CLONE_NEWUSER | CLONE_NEWNET. */
int kisol_ns_probe_flags(uint64_t flags);

#endif
