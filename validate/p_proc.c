// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process rows: pidfds (poll tells an exit, pidfd_send_signal kills the
 * right process), setns by pidfd (a grandchild joins a child's UTS
 * namespace and sees its hostname), seccomp filters with user
 * notification (a supervisor answers the filtered call), no_new_privs,
 * and veth/bridge inside network namespaces (a UDP datagram crosses a veth
 * pair between two namespaces the probe created).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "kisol/net.h"
#include "kisol/ns.h"
#include "kisol/proc.h"
#include "kisol/userns.h"
#include "vl.h"

static bool can_admin(const struct vl_ctx *ctx)
{
	return ctx->pol.cap_eff & (1ull << 21);
}

static void finish(struct vl_row *row, const struct vl_msg *m, const char *suffix)
{
	vl_set(row, m->rc == 0 || !m->denied ? VL_YES : VL_NO, m->rc == 0 ? VL_YES : VL_NO, "%s%s",
	       m->detail, suffix);
}

static int pidfd_child(void *arg, struct vl_msg *m)
{
	struct pollfd p;
	int fd, st;
	pid_t pid = fork();

	if (pid < 0)
		return vl_fail(m, errno, "fork");
	if (pid == 0) {
		pause();
		_exit(0);
	}
	fd = kisol_pidfd_open(pid);
	if (fd < 0) {
		kill(pid, SIGKILL);
		return vl_fail(m, fd, "pidfd_open");
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 0) != 0)
		return vl_fail(m, -EPROTO, "pidfd readable while the process runs");
	if (kisol_pidfd_signal(fd, SIGKILL) < 0)
		return vl_fail(m, errno, "pidfd_send_signal");
	if (poll(&p, 1, 3000) != 1)
		return vl_fail(m, -EPROTO, "pidfd not readable after the process died");
	waitpid(pid, &st, 0);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		return vl_fail(m, -EPROTO, "pidfd_send_signal did not kill the process");
	snprintf(m->detail, sizeof(m->detail), "pidfd_send_signal killed the process; poll saw it exit");
	return 0;
}

void vl_probe_pidfd(struct vl_ctx *ctx, struct vl_row *row)
{
	struct vl_msg m;

	vl_child(pidfd_child, NULL, NULL, 3000, &m);
	finish(row, &m, "");
}

static int setns_child(void *arg, struct vl_msg *m)
{
	bool userns = *(bool *)arg;
	int go[2], res[2], fd, r;
	char c = 0, host[64];
	pid_t holder, joiner;

	if (pipe(go) < 0 || pipe(res) < 0)
		return vl_fail(m, errno, "pipe");
	holder = fork();
	if (holder == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		r = userns ? kisol_userns_unshare_root(CLONE_NEWUTS) : kisol_ns_unshare(CLONE_NEWUTS);
		if (r == 0 && sethostname("kisol-vl-pidfd", 14) < 0)
			r = -errno;
		c = (char)(r < 0 ? -r : 0);
		if (write(res[1], &c, 1) != 1)
			_exit(1);
		close(go[1]);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(go[0]);
	if (holder < 0 || read(res[0], &c, 1) != 1)
		return vl_fail(m, -ECHILD, "holder child");
	if (c)
		return vl_fail(m, -c, "a UTS namespace for the holder");
	fd = kisol_pidfd_open(holder);
	if (fd < 0)
		return vl_fail(m, fd, "pidfd_open");
	joiner = fork();
	if (joiner == 0) {
		uint64_t flags = CLONE_NEWUTS | (userns ? CLONE_NEWUSER : 0);

		r = kisol_ns_enter_pidfd(fd, flags);
		if (r == 0 && (gethostname(host, sizeof(host)) < 0 || strcmp(host, "kisol-vl-pidfd")))
			r = -EPROTO;
		c = (char)(r < 0 ? -r : 0);
		_exit(write(res[1], &c, 1) == 1 ? 0 : 1);
	}
	r = joiner > 0 && read(res[0], &c, 1) == 1 ? -c : -ECHILD;
	close(go[1]);
	waitpid(joiner, NULL, 0);
	waitpid(holder, NULL, 0);
	if (r == -EPROTO)
		return vl_fail(m, r, "setns(pidfd, CLONE_NEWUTS) did not give the holder's hostname");
	if (r < 0)
		return vl_fail(m, r, "setns(pidfd, CLONE_NEWUTS)");
	snprintf(m->detail, sizeof(m->detail), "setns(pidfd) joined another process's UTS namespace");
	return 0;
}

void vl_probe_setns_pidfd(struct vl_ctx *ctx, struct vl_row *row)
{
	bool userns = !can_admin(ctx);
	struct vl_msg m;

	vl_child(setns_child, NULL, &userns, 3000, &m);
	finish(row, &m, userns ? " (inside a new user namespace)" : "");
}

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

/* Notify on getppid(2), allow everything else. */
static int install_notify(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = KISOL_ARRAY_SIZE(f), .filter = f };
	long fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	return fd < 0 ? -errno : (int)fd;
}

static int seccomp_child(void *arg, struct vl_msg *m)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	int sv[2], fd, r, st;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		return vl_fail(m, errno, "socketpair");
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		fd = install_notify();
		if (fd < 0 || kisol_send_fd(sv[1], fd) < 0)
			_exit(fd < 0 ? -fd : 100);
		_exit(syscall(__NR_getppid) == 4242 ? 0 : 101);
	}
	close(sv[1]);
	fd = kisol_recv_fd(sv[0], 3000);
	if (fd < 0) {
		waitpid(pid, &st, 0);
		r = WIFEXITED(st) && WEXITSTATUS(st) < 100 ? -WEXITSTATUS(st) : fd;
		return vl_fail(m, r, "seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER)");
	}
	memset(&req, 0, sizeof(req));
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
		kill(pid, SIGKILL);
		return vl_fail(m, errno, "SECCOMP_IOCTL_NOTIF_RECV");
	}
	resp = (struct seccomp_notif_resp){ .id = req.id, .val = 4242 };
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0) {
		kill(pid, SIGKILL);
		return vl_fail(m, errno, "SECCOMP_IOCTL_NOTIF_SEND");
	}
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return vl_fail(m, -EPROTO, "the filtered call did not return the supervisor's answer");
	snprintf(m->detail, sizeof(m->detail), "a supervisor answered a filtered getppid() through the listener");
	return 0;
}

void vl_probe_seccomp(struct vl_ctx *ctx, struct vl_row *row)
{
	struct vl_msg m;

	vl_child(seccomp_child, NULL, NULL, 3000, &m);
	finish(row, &m, "");
	if (ctx->pol.seccomp_mode == 2)
		vl_append(row, "; this process already runs under %d seccomp filter(s)", ctx->pol.seccomp_filters);
}

static int nnp_child(void *arg, struct vl_msg *m)
{
	char buf[4096];
	int64_t v = -1;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return vl_fail(m, errno, "PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return vl_fail(m, -EPROTO, "PR_GET_NO_NEW_PRIVS is not 1");
	if (kisol_read_file("/proc/self/status", buf, sizeof(buf)) < 0 ||
	    kisol_keyed_int64(buf, "NoNewPrivs:", &v) < 0 || v != 1)
		return vl_fail(m, -EPROTO, "/proc/self/status does not show NoNewPrivs: 1");
	if (prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0)
		return vl_fail(m, -EPROTO, "no_new_privs could be cleared");
	snprintf(m->detail, sizeof(m->detail), "set, sticky (cannot be cleared), shown in /proc/self/status");
	return 0;
}

void vl_probe_nnp(struct vl_ctx *ctx, struct vl_row *row)
{
	struct vl_msg m;

	vl_child(nnp_child, NULL, NULL, 3000, &m);
	finish(row, &m, "");
}

/* --- network -------------------------------------------------------------- */

static int udp_across(int ns_a, int ns_b, struct vl_msg *m)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(4242) };
	struct pollfd p;
	char buf[16];
	int rx, tx, r;

	if (setns(ns_b, CLONE_NEWNET) < 0)
		return vl_fail(m, errno, "setns into the second netns");
	r = kisol_net_addr_add("vlb", "10.213.0.2/24");
	if (r == 0)
		r = kisol_net_link_up("vlb");
	if (r == 0)
		r = kisol_net_link_up("lo");
	rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	inet_pton(AF_INET, "10.213.0.2", &to.sin_addr);
	if (r < 0 || rx < 0 || bind(rx, (struct sockaddr *)&to, sizeof(to)) < 0)
		return vl_fail(m, r < 0 ? r : -errno, "configuring the peer end");
	if (setns(ns_a, CLONE_NEWNET) < 0)
		return vl_fail(m, errno, "setns back");
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (tx < 0 || sendto(tx, "kisol", 5, 0, (struct sockaddr *)&to, sizeof(to)) != 5)
		return vl_fail(m, errno, "sending across the veth");
	p = (struct pollfd){ .fd = rx, .events = POLLIN };
	if (poll(&p, 1, 2000) != 1 || recv(rx, buf, sizeof(buf), 0) != 5)
		return vl_fail(m, -ETIMEDOUT, "no datagram arrived across the veth pair");
	return 0;
}

static int net_child(void *arg, struct vl_msg *m)
{
	bool userns = *(bool *)arg;
	int ns_a, ns_b, r;

	r = userns ? kisol_userns_unshare_root(CLONE_NEWNET) : kisol_ns_unshare(CLONE_NEWNET);
	if (r < 0)
		return vl_fail(m, r, "a network namespace");
	ns_a = kisol_ns_open(0, KISOL_NS_NET);
	if (unshare(CLONE_NEWNET) < 0)
		return vl_fail(m, errno, "a second network namespace");
	ns_b = kisol_ns_open(0, KISOL_NS_NET);
	if (ns_a < 0 || ns_b < 0 || setns(ns_a, CLONE_NEWNET) < 0)
		return vl_fail(m, -EBADF, "namespace fds");
	r = kisol_net_veth_create("vla", "vlb", ns_b);
	if (r < 0)
		return vl_fail(m, r, "veth pair with its peer in another netns%s",
			       r == -EOPNOTSUPP ? " (CONFIG_VETH?)" : "");
	r = kisol_net_addr_add("vla", "10.213.0.1/24");
	if (r == 0)
		r = kisol_net_link_up("vla");
	if (r < 0)
		return vl_fail(m, r, "configuring the veth");
	r = udp_across(ns_a, ns_b, m);
	if (r < 0)
		return r;
	r = kisol_net_link_create("vlbr", "bridge");
	if (r < 0)
		return vl_fail(m, r, "veth works; bridge link%s", r == -EOPNOTSUPP ? " (CONFIG_BRIDGE?)" : "");
	r = kisol_net_link_up("vlbr");
	if (r < 0)
		return vl_fail(m, r, "veth works; bringing the bridge up");
	snprintf(m->detail, sizeof(m->detail),
		 "a UDP datagram crossed a veth pair between two new netns; a bridge came up");
	return 0;
}

void vl_probe_net(struct vl_ctx *ctx, struct vl_row *row)
{
	bool userns = !can_admin(ctx);
	struct vl_msg m;

	vl_child(net_child, NULL, &userns, 5000, &m);
	finish(row, &m, userns ? " (inside a new user namespace)" : "");
}
