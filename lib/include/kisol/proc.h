/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol: processes. clone3 with fallback to clone, children that run a
 * function in new namespaces and talk to the parent over a socketpair,
 * pidfds, waiting with a timeout. No sleeps anywhere: every wait is a
 * poll() on a socket or a pidfd.
 */
#ifndef KISOL_PROC_H
#define KISOL_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kisol/ns.h"
#include "kisol/util.h"

/* Raw clone3(2); size is the size of the clone_args the caller passes. */
struct clone_args;
pid_t kisol_clone3_raw(struct clone_args *args, size_t size);

struct kisol_clone_opts {
	uint64_t flags;      /* CLONE_NEW*, CLONE_PIDFD, ... (no CLONE_VM) */
	int cgroup_fd;       /* >= 0: CLONE_INTO_CGROUP this cgroup; -1: none */
	const pid_t *set_tid; /* optional set_tid array, innermost first */
	size_t set_tid_size;
	int exit_signal;     /* 0 means SIGCHLD */
};

/*
 * fork-like clone: returns 0 in the child, the pid in the parent. With
 * ret_pidfd the parent gets a pidfd. Uses clone3, falling back to clone(2)
 * when clone3 is missing (ENOSYS) and the options allow it (no cgroup_fd,
 * no set_tid); -ENOSYS otherwise.
 */
pid_t kisol_clone(const struct kisol_clone_opts *opts, int *ret_pidfd);

/* pidfd_open(2) and pidfd_send_signal(2). */
int kisol_pidfd_open(pid_t pid);
int kisol_pidfd_signal(int pidfd, int sig);
/*
 * A new fd (O_CLOEXEC) for the namespace of that type the process of pidfd
 * is in (PIDFD_GET_*_NAMESPACE, 6.11); children: its pid_for_children or
 * time_for_children namespace (-EINVAL for other types). -ENOTTY on a
 * kernel without the ioctls; -EOPNOTSUPP when the type is not built in.
 */
int kisol_pidfd_get_ns(int pidfd, enum kisol_ns type, bool children);

/* A child started by kisol_spawn(). */
struct kisol_child {
	pid_t pid;
	int pidfd; /* always valid while the child exists */
	int sock;  /* parent's end of a SOCK_SEQPACKET socketpair */
	bool reaped;
	int status; /* wait status once reaped */
};

#define KISOL_CHILD_INIT { .pid = -1, .pidfd = -EBADF, .sock = -EBADF }

/* Child body: runs in the child; its return value is the exit status. */
typedef int (*kisol_child_fn)(int sock, void *arg);

struct kisol_spawn_opts {
	uint64_t flags;   /* CLONE_NEW* for the child */
	int cgroup_fd;    /* >= 0: born into this cgroup (CLONE_INTO_CGROUP) */
	/*
	 * With CLONE_NEWUSER: maps written by the parent before fn runs.
	 * uid_map/gid_map NULL and map_root set: map root inside to the
	 * caller's euid/egid. setgroups "deny" is written first if
	 * deny_setgroups is set (required for an unprivileged gid_map: a
	 * caller that is not root gets it with the map_root gid map).
	 */
	const char *uid_map;
	const char *gid_map;
	bool map_root;
	bool deny_setgroups;
	/*
	 * Unprivileged start: the child becomes an ordinary user and then
	 * unshares flags itself, as an ordinary user would. Root drops to
	 * unpriv_uid/unpriv_gid (0: KISOL_UNPRIV_UID/GID, ids with no special
	 * meaning; root of a user namespace of its own takes them in a nested
	 * one, kisol_userns_become_other); a caller that is not root runs as itself
	 * (kisol_unpriv_uid()), and -EPERM if unpriv_uid/gid name another id. With
	 * CLONE_NEWUSER and map_root it maps root inside to that uid/gid
	 * (setgroups "deny" first); uid_map/gid_map, if given, are written by
	 * the child itself. With CLONE_NEWPID/CLONE_NEWTIME it forks once
	 * more, so fn runs inside (pid 1 for CLONE_NEWPID); the pid and pidfd
	 * are then those of the middle process, which relays the exit status
	 * (a signal N is reported as exit code 128+N). kisol_spawn fails with
	 * the child's -errno when the drop or the unshare was refused.
	 */
	bool unpriv;
	uid_t unpriv_uid;
	gid_t unpriv_gid;
};

/*
 * Start a child in new namespaces that runs fn(sock, arg) and exits with
 * its return value. When maps are requested the child waits for the parent
 * to write them before fn runs. On success *ret holds pid, pidfd and the
 * parent's socket end. Before fn runs, a child given namespaces checks
 * each is not the caller's (for pid and time: the one the caller's
 * children get) and reports it: -EPROTO from a kernel that ignored a
 * CLONE_NEW* flag.
 */
int kisol_spawn(const struct kisol_spawn_opts *opts, kisol_child_fn fn,
		void *arg, struct kisol_child *ret);

/*
 * Wait for the child to exit, at most timeout_ms (-1: forever). Returns
 * -ETIMEDOUT if it is still running. On success the wait status is in
 * *ret_status (and in child->status).
 */
int kisol_child_wait(struct kisol_child *child, int timeout_ms, int *ret_status);
/* Exit code of a child that exited normally, -ECHILD if it was killed. */
int kisol_child_exit_code(struct kisol_child *child, int timeout_ms);
/* Signal via the pidfd (no pid reuse race). */
int kisol_child_kill(struct kisol_child *child, int sig);
/* SIGKILL if running, reap, close fds. Safe to call twice. */
void kisol_child_release(struct kisol_child *child);
#define _cleanup_child_ _cleanup_(kisol_child_release)

/*
 * Messages over a SOCK_SEQPACKET socket: one send is one message.
 * kisol_recv waits at most timeout_ms (-1: forever); -ETIMEDOUT, or
 * -EPIPE when the peer closed (for example, died), -EMSGSIZE when the
 * message was longer than len (its rest is lost), -EBADF for a bad socket.
 */
int kisol_send(int sock, const void *buf, size_t len);
int kisol_recv(int sock, void *buf, size_t len, int timeout_ms);
int kisol_send_int(int sock, int64_t v);
int kisol_recv_int(int sock, int64_t *ret, int timeout_ms);
int kisol_send_str(int sock, const char *s);
/* Receives a string message, NUL-terminated into buf. */
int kisol_recv_str(int sock, char *buf, size_t size, int timeout_ms);
/* Pass / receive a file descriptor (SCM_RIGHTS). */
int kisol_send_fd(int sock, int fd);
int kisol_recv_fd(int sock, int timeout_ms);

/*
 * The NSpid (or NStgid with tgid set) line of /proc/PID/status (pid 0:
 * self): the process's pid in each pid namespace from the one of the
 * procfs mount down to its own, outermost first. Returns the count (it
 * may exceed max; only max are stored).
 */
int kisol_proc_nspids(pid_t pid, bool tgid, pid_t *ret, size_t max);

/* Default timeout for handshakes in cases, in milliseconds. */
#define KISOL_TIMEOUT_MS 10000

#endif
