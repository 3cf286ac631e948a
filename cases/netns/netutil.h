/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by cases/lib_net and cases/netns. Host safety: every
 * test that touches links first moves its own process into a network
 * namespace it created (net_enter_fresh) and checks that it really left
 * the namespace it started in; links and addresses only ever go there or
 * into further namespaces the test created (net_new_ns_fd).
 */
#ifndef KISOL_CASES_NETUTIL_H
#define KISOL_CASES_NETUTIL_H

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kisol/net.h"
#include "kisol/ns.h"
#include "kisol/util.h"

/* Inode of the calling thread's current network namespace, 0 on error. */
static inline uint64_t net_cur_ino(void)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) < 0)
		return 0;
	return st.st_ino;
}

/* Inode of the network namespace behind nsfd, 0 on error. */
static inline uint64_t net_fd_ino(int nsfd)
{
	struct stat st;

	if (fstat(nsfd, &st) < 0)
		return 0;
	return st.st_ino;
}

/*
 * unshare(CLONE_NEWNET) for the calling (test) process and verify it is in
 * a new namespace. 0, or -errno. Afterwards links can be created safely.
 */
static inline int net_enter_fresh(void)
{
	uint64_t before = net_cur_ino(), after;

	if (!before)
		return -EIO;
	if (unshare(CLONE_NEWNET) < 0)
		return kisol_negerrno();
	after = net_cur_ino();
	if (!after || after == before)
		return -EIO;
	return 0;
}

/*
 * A further new network namespace, returned as an fd, while the caller
 * stays where it is. -errno on failure; -EPROTO when the kernel said yes
 * but no new namespace was made or the caller did not get back.
 */
static inline int net_new_ns_fd(void)
{
	_cleanup_close_ int here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd;

	if (here < 0)
		return kisol_negerrno();
	if (unshare(CLONE_NEWNET) < 0)
		return kisol_negerrno();
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (kisol_ns_enter(here, KISOL_NS_NET) < 0) {
		/* stuck in the new namespace: still test-owned, but report */
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	if (fd < 0)
		return -EIO;
	if (net_fd_ino(fd) == net_fd_ino(here)) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

/* Run in netns fd, then come back to where we were. */
static inline int net_switch(int nsfd, int *ret_back)
{
	int r, back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (back < 0)
		return kisol_negerrno();
	r = kisol_ns_enter(nsfd, KISOL_NS_NET);
	if (r < 0) {
		/* a setns that "worked" but left us here: nothing to undo */
		close(back);
		return r;
	}
	*ret_back = back;
	return 0;
}

static inline int net_switch_back(int *back)
{
	int r = 0;

	if (*back >= 0)
		r = kisol_ns_enter(*back, KISOL_NS_NET);
	kisol_closep(back);
	return r;
}

/* Is a link of this name in the netns behind fd? 1/0, or -errno. */
static inline int net_link_in(int nsfd, const char *name)
{
	int back = -EBADF, r, idx;

	r = net_switch(nsfd, &back);
	if (r < 0)
		return r;
	idx = kisol_net_ifindex(name);
	r = net_switch_back(&back);
	if (r < 0)
		return r;
	if (idx == -ENODEV)
		return 0;
	return idx < 0 ? idx : 1;
}

/* Can sockets of this family be created (CONFIG_IPV6 may be off)? */
static inline bool net_family_ok(int family)
{
	int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return errno != EAFNOSUPPORT;
	close(s);
	return true;
}

#define NEED_FAMILY(f)                                                                \
	do {                                                                          \
		if (!net_family_ok(f))                                                \
			SKIP(return, "address family %d not built in (EAFNOSUPPORT)", \
			     (int)(f));                                               \
	} while (0)

#endif
