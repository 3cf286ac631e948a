// SPDX-License-Identifier: GPL-2.0-only
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>

#include "kisol/ns.h"
#include "kisol/proc.h"
#include "kisol/userns.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

pid_t kisol_clone3_raw(struct clone_args *args, size_t size)
{
	long r = syscall(__NR_clone3, args, size);

	return r < 0 ? kisol_negerrno() : (pid_t)r;
}

static pid_t clone_legacy(const struct kisol_clone_opts *o, int *ret_pidfd)
{
	int pidfd = -1;
	unsigned long flags = o->flags | (o->exit_signal ? o->exit_signal : SIGCHLD);
	long r;

	if (ret_pidfd)
		flags |= CLONE_PIDFD;
	/* x86-64 argument order: flags, stack, parent_tid, child_tid, tls */
	r = syscall(__NR_clone, flags, NULL, ret_pidfd ? &pidfd : NULL, NULL, 0);
	if (r < 0)
		return kisol_negerrno();
	if (r > 0 && ret_pidfd)
		*ret_pidfd = pidfd;
	return (pid_t)r;
}

pid_t kisol_clone(const struct kisol_clone_opts *o, int *ret_pidfd)
{
	struct clone_args args = { 0 };
	int pidfd = -1;
	pid_t r;

	if (!o)
		return -EINVAL;
	args.flags = o->flags;
	args.exit_signal = o->exit_signal ? o->exit_signal : SIGCHLD;
	if (ret_pidfd) {
		args.flags |= CLONE_PIDFD;
		args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	}
	if (o->cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)o->cgroup_fd;
	}
	if (o->set_tid_size) {
		args.set_tid = (uint64_t)(uintptr_t)o->set_tid;
		args.set_tid_size = o->set_tid_size;
	}
	r = kisol_clone3_raw(&args, sizeof(args));
	if (r == -ENOSYS) {
		if (o->cgroup_fd >= 0 || o->set_tid_size)
			return -ENOSYS;
		return clone_legacy(o, ret_pidfd);
	}
	if (r > 0 && ret_pidfd)
		*ret_pidfd = pidfd;
	return r;
}

int kisol_pidfd_open(pid_t pid)
{
	long r = syscall(SYS_pidfd_open, pid, 0);

	return r < 0 ? kisol_negerrno() : (int)r;
}

int kisol_pidfd_signal(int pidfd, int sig)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return kisol_negerrno();
	return 0;
}

/* PIDFD_GET_*_NAMESPACE ioctl numbers (linux/pidfd.h, 6.11): _IO(0xFF, n). */
#define KISOL_PIDFD_IOC(n) _IO(0xFF, (n))

int kisol_pidfd_get_ns(int pidfd, enum kisol_ns type, bool children)
{
	static const unsigned char nr[_KISOL_NS_MAX][2] = {
		[KISOL_NS_CGROUP] = { 1, 0 }, [KISOL_NS_IPC] = { 2, 0 },
		[KISOL_NS_MNT] = { 3, 0 },    [KISOL_NS_NET] = { 4, 0 },
		[KISOL_NS_PID] = { 5, 6 },    [KISOL_NS_TIME] = { 7, 8 },
		[KISOL_NS_USER] = { 9, 0 },   [KISOL_NS_UTS] = { 10, 0 },
	};
	int fd;

	if ((int)type < 0 || type >= _KISOL_NS_MAX || !nr[type][children ? 1 : 0])
		return -EINVAL;
	fd = ioctl(pidfd, KISOL_PIDFD_IOC(nr[type][children ? 1 : 0]), 0);
	return fd < 0 ? kisol_negerrno() : fd;
}

static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return kisol_negerrno();
	if (r == 0)
		return -ETIMEDOUT;
	return 0;
}

int kisol_send(int sock, const void *buf, size_t len)
{
	ssize_t n;

	if (sock < 0)
		return -EBADF;
	n = send(sock, buf, len, MSG_NOSIGNAL);
	if (n < 0)
		return kisol_negerrno();
	return (size_t)n == len ? 0 : -EIO;
}

int kisol_recv(int sock, void *buf, size_t len, int timeout_ms)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;
	int r;

	if (sock < 0)
		return -EBADF;
	if (!buf && len)
		return -EINVAL;
	r = wait_readable(sock, timeout_ms);
	if (r < 0)
		return r;
	n = recvmsg(sock, &msg, 0);
	if (n < 0)
		return kisol_negerrno();
	if (n == 0)
		return -EPIPE;
	/* a message that did not fit (datagram/seqpacket sockets) */
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	return (int)n;
}

int kisol_send_int(int sock, int64_t v)
{
	return kisol_send(sock, &v, sizeof(v));
}

int kisol_recv_int(int sock, int64_t *ret, int timeout_ms)
{
	int64_t v;
	int r = kisol_recv(sock, &v, sizeof(v), timeout_ms);

	if (r < 0)
		return r;
	if (r != sizeof(v))
		return -EBADMSG;
	*ret = v;
	return 0;
}

int kisol_send_str(int sock, const char *s)
{
	if (!s)
		return -EINVAL;
	return kisol_send(sock, s, strlen(s));
}

int kisol_recv_str(int sock, char *buf, size_t size, int timeout_ms)
{
	int r;

	if (size == 0)
		return -EINVAL;
	r = kisol_recv(sock, buf, size - 1, timeout_ms);
	if (r < 0)
		return r;
	buf[r] = '\0';
	return r;
}

int kisol_send_fd(int sock, int fd)
{
	char byte = 'F';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = { 0 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	if (sock < 0 || fd < 0)
		return -EBADF;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		return kisol_negerrno();
	return 0;
}

int kisol_recv_fd(int sock, int timeout_ms)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t n;
	int fd, r;

	if (sock < 0)
		return -EBADF;
	r = wait_readable(sock, timeout_ms);
	if (r < 0)
		return r;
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return kisol_negerrno();
	if (n == 0)
		return -EPIPE;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int write_maps(const struct kisol_spawn_opts *o, pid_t pid)
{
	char uid_map[64], gid_map[64];
	const char *u = o->uid_map, *g = o->gid_map;
	bool deny = o->deny_setgroups;

	if (!u && !g && !o->map_root)
		return 0;
	if (o->map_root) {
		snprintf(uid_map, sizeof(uid_map), "0 %u 1\n", (unsigned)geteuid());
		snprintf(gid_map, sizeof(gid_map), "0 %u 1\n", (unsigned)getegid());
		if (!u)
			u = uid_map;
		if (!g) {
			g = gid_map;
			/* without CAP_SETGID only a setgroups-denied gid_map is accepted */
			deny = deny || geteuid() != 0;
		}
	}
	return kisol_userns_write_maps(pid, u, g, deny);
}

static bool needs_go(const struct kisol_spawn_opts *o)
{
	return !o->unpriv && (o->flags & CLONE_NEWUSER) &&
	       (o->uid_map || o->gid_map || o->map_root);
}

/*
 * Unprivileged start, in the child: become an ordinary user (root drops to
 * unpriv_uid/gid; a caller that is not root stays itself, and cannot
 * become another uid: -EPERM), unshare the namespaces itself, map itself,
 * and fork once more when a new PID (or time) namespace only applies to
 * children. The result goes to the parent as the first message (0 or
 * -errno).
 */
static int unpriv_enter(const struct kisol_spawn_opts *o)
{
	uid_t uid = o->unpriv_uid ? o->unpriv_uid : kisol_unpriv_uid();
	gid_t gid = o->unpriv_gid ? o->unpriv_gid : kisol_unpriv_gid();
	char map[48];
	int r;

	if (geteuid() == 0)
		r = kisol_userns_become_other(uid, gid); /* rootless: in a nested user namespace */
	else
		r = uid == geteuid() && gid == getegid() ? 0 : -EPERM;
	if (r < 0)
		return r;
	r = kisol_ns_unshare(o->flags); /* -EPROTO: a namespace is still ours */
	if (r < 0)
		return r;
	if (!(o->flags & CLONE_NEWUSER) || (!o->map_root && !o->uid_map && !o->gid_map))
		return 0;
	if (o->deny_setgroups || o->map_root) {
		r = kisol_write_file("/proc/self/setgroups", "deny");
		if (r < 0)
			return r;
	}
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	r = kisol_write_file("/proc/self/uid_map", o->uid_map ? o->uid_map : map);
	if (r < 0)
		return r;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	return kisol_write_file("/proc/self/gid_map", o->gid_map ? o->gid_map : map);
}

static void unpriv_child(const struct kisol_spawn_opts *o, int sock,
			 kisol_child_fn fn, void *arg)
{
	int r = unpriv_enter(o);
	siginfo_t si;
	pid_t pid;

	if (r < 0) {
		kisol_send_int(sock, r);
		_exit(125);
	}
	if (o->flags & (CLONE_NEWPID | CLONE_NEWTIME)) {
		pid = fork();
		if (pid < 0) {
			kisol_send_int(sock, kisol_negerrno());
			_exit(125);
		}
		if (pid > 0) {
			/* Middle process: only relays the exit status. */
			close(sock);
			if (waitid(P_PID, pid, &si, WEXITED) < 0)
				_exit(125);
			_exit(si.si_code == CLD_EXITED ? si.si_status & 0xff
						       : 128 + (si.si_status & 0x7f));
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	}
	if (kisol_send_int(sock, 0) < 0)
		_exit(125);
	_exit(fn(sock, arg) & 0xff);
}

/* The first message, 0 or -errno: sent by every child that gets namespaces. */
static bool sends_status(const struct kisol_spawn_opts *o)
{
	return o->unpriv || (o->flags & kisol_ns_all_flags());
}

int kisol_spawn(const struct kisol_spawn_opts *opts, kisol_child_fn fn,
		void *arg, struct kisol_child *ret)
{
	static const struct kisol_spawn_opts none = { .cgroup_fd = -1 };
	struct kisol_clone_opts co = { 0 };
	struct kisol_ns_snap before;
	_cleanup_close_ int pfd = -EBADF;
	int sv[2];
	int64_t v;
	pid_t pid;
	int r;

	if (!fn || !ret)
		return -EINVAL;
	if (!opts)
		opts = &none;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return kisol_negerrno();
	co.flags = opts->unpriv ? 0 : opts->flags;
	co.cgroup_fd = opts->cgroup_fd;
	kisol_ns_snap_take(co.flags, &before);
	fflush(stdout);
	fflush(stderr);
	pid = kisol_clone(&co, &pfd);
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return pid;
	}
	if (pid == 0) {
		int64_t go;

		close(sv[0]);
		if (opts->unpriv)
			unpriv_child(opts, sv[1], fn, arg);
		if (sends_status(opts)) {
			/* a namespace asked for that is still the parent's: -EPROTO */
			int err = kisol_ns_snap_all_new(opts->flags, &before);

			if (kisol_send_int(sv[1], err) < 0 || err < 0)
				_exit(125);
		}
		if (needs_go(opts) && kisol_recv_int(sv[1], &go, -1) < 0)
			_exit(125);
		_exit(fn(sv[1], arg) & 0xff);
	}
	close(sv[1]);
	ret->pid = pid;
	ret->pidfd = TAKE_FD(pfd);
	ret->sock = sv[0];
	ret->reaped = false;
	ret->status = 0;
	if (sends_status(opts)) {
		r = kisol_recv_int(ret->sock, &v, KISOL_TIMEOUT_MS);
		if (r == 0 && (v < -4095 || v > 0))
			r = -EBADMSG;
		if (r == 0)
			r = (int)v;
		if (r < 0) {
			kisol_child_release(ret);
			return r;
		}
	}
	if (needs_go(opts)) {
		r = write_maps(opts, pid);
		if (r < 0) {
			kisol_child_release(ret);
			return r;
		}
		r = kisol_send_int(ret->sock, 1);
		if (r < 0) {
			kisol_child_release(ret);
			return r;
		}
	}
	return 0;
}

int kisol_child_wait(struct kisol_child *c, int timeout_ms, int *ret_status)
{
	siginfo_t si = { 0 };
	int r;

	if (!c || c->pid <= 0)
		return -EINVAL;
	if (!c->reaped) {
		r = wait_readable(c->pidfd, timeout_ms);
		if (r < 0)
			return r;
		if (waitid((idtype_t)P_PIDFD, c->pidfd, &si, WEXITED) < 0)
			return kisol_negerrno();
		if (si.si_code == CLD_EXITED)
			c->status = (si.si_status & 0xff) << 8;
		else
			c->status = si.si_status & 0x7f;
		c->reaped = true;
	}
	if (ret_status)
		*ret_status = c->status;
	return 0;
}

int kisol_child_exit_code(struct kisol_child *c, int timeout_ms)
{
	int status, r;

	r = kisol_child_wait(c, timeout_ms, &status);
	if (r < 0)
		return r;
	if (!WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}

int kisol_child_kill(struct kisol_child *c, int sig)
{
	if (!c || c->pidfd < 0)
		return -EBADF;
	return kisol_pidfd_signal(c->pidfd, sig);
}

void kisol_child_release(struct kisol_child *c)
{
	if (!c)
		return;
	if (c->pid > 0 && !c->reaped && c->pidfd >= 0) {
		kisol_pidfd_signal(c->pidfd, SIGKILL);
		kisol_child_wait(c, -1, NULL);
	}
	kisol_closep(&c->pidfd);
	kisol_closep(&c->sock);
	c->pid = -1;
}

int kisol_proc_nspids(pid_t pid, bool tgid, pid_t *ret, size_t max)
{
	const char *key = tgid ? "\nNStgid:" : "\nNSpid:";
	char path[64], buf[4096];
	const char *p;
	int n = 0, r;

	if (pid < 0 || (!ret && max))
		return -EINVAL;
	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/status");
	else
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	r = kisol_read_file(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	p = strstr(buf, key);
	if (!p)
		return -ENOENT;
	p += strlen(key);
	for (;;) {
		char *end;
		long v;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n' || *p == '\0')
			break;
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p)
			return -EBADMSG;
		if ((size_t)n < max)
			ret[n] = (pid_t)v;
		n++;
		p = end;
	}
	return n;
}
