// SPDX-License-Identifier: GPL-2.0-only
/* Registers, memory and file descriptors of a tracee stopped at syscall entry. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/magic.h>

#include "mutate.h"

#define RED_ZONE 128

unsigned long call_arg(const struct call *c, int i)
{
	const struct user_regs_struct *r = &c->regs;

	switch (i) {
	case 0: return r->rdi;
	case 1: return r->rsi;
	case 2: return r->rdx;
	case 3: return r->r10;
	case 4: return r->r8;
	default: return r->r9;
	}
}

void call_set_arg(struct call *c, int i, unsigned long v)
{
	struct user_regs_struct *r = &c->regs;

	switch (i) {
	case 0: r->rdi = v; break;
	case 1: r->rsi = v; break;
	case 2: r->rdx = v; break;
	case 3: r->r10 = v; break;
	case 4: r->r8 = v; break;
	default: r->r9 = v; break;
	}
	c->dirty = true;
}

void call_skip(struct call *c, long ret)
{
	c->regs.orig_rax = (unsigned long)-1;
	c->regs.rax = (unsigned long)ret;
	c->dirty = true;
}

int mem_read(pid_t tid, unsigned long addr, void *buf, size_t len)
{
	struct iovec l = { buf, len }, r = { (void *)addr, len };

	if (!addr)
		return -EFAULT;
	return process_vm_readv(tid, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

int mem_write(pid_t tid, unsigned long addr, const void *buf, size_t len)
{
	struct iovec l = { (void *)buf, len }, r = { (void *)addr, len };

	return process_vm_writev(tid, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

int mem_read_str(pid_t tid, unsigned long addr, char *buf, size_t size)
{
	size_t got = 0;

	if (!addr)
		return -EFAULT;
	/* page by page: a string may end just before an unmapped page */
	while (got < size - 1) {
		size_t n = 4096 - ((addr + got) & 4095);
		char *nul;

		if (n > size - 1 - got)
			n = size - 1 - got;
		if (mem_read(tid, addr + got, buf + got, n) < 0)
			return -EFAULT;
		nul = memchr(buf + got, 0, n);
		if (nul)
			return 0;
		got += n;
	}
	buf[size - 1] = 0;
	return -ENAMETOOLONG;
}

unsigned long mem_push(struct call *c, const void *buf, size_t len)
{
	unsigned long at;

	if (!c->scratch)
		c->scratch = c->regs.rsp - RED_ZONE;
	at = (c->scratch - len) & ~15UL;
	if (mem_write(c->tid, at, buf, len) < 0)
		return 0;
	c->scratch = at;
	return at;
}

/* Where the tracee's fd points: its /proc link in link, the target in target. */
static int fd_target(pid_t tid, int fd, char *link, size_t lsize, char *target, size_t size)
{
	ssize_t n;

	snprintf(link, lsize, "/proc/%d/fd/%d", tid, fd);
	n = readlink(link, target, size - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	return 0;
}

int fd_cgroup_file(pid_t tid, int fd, char *name, size_t size)
{
	char link[64], target[PATH_MAX];
	struct statfs sf;
	const char *base;
	int r;

	r = fd_target(tid, fd, link, sizeof(link), target, sizeof(target));
	if (r < 0)
		return r;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (statfs(link, &sf) < 0)
		return -errno;
	if (sf.f_type != CGROUP_SUPER_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC)
		return 0;
	snprintf(name, size, "%s", base);
	return 1;
}

int fd_is_home_ns(pid_t tid, int fd)
{
	char link[64], target[128], own[128];
	const char *colon;
	ssize_t n;

	n = fd_target(tid, fd, link, sizeof(link), target, sizeof(target));
	if (n < 0)
		return n;
	colon = strchr(target, ':');
	if (!colon || colon - target > 16 || strncmp(colon, ":[", 2))
		return 0;
	snprintf(link, sizeof(link), "/proc/self/ns/%.*s", (int)(colon - target), target);
	n = readlink(link, own, sizeof(own) - 1);
	if (n < 0)
		return 0;
	own[n] = 0;
	return !strcmp(own, target);
}

int fd_cgroup_populated(pid_t tid, int fd)
{
	char link[64], target[PATH_MAX], events[PATH_MAX + 64], buf[256];
	char *slash;
	ssize_t n;
	int efd;

	n = fd_target(tid, fd, link, sizeof(link), target, sizeof(target));
	if (n < 0)
		return n;
	slash = strrchr(target, '/');
	if (target[0] != '/' || !slash)
		return -EINVAL;
	*slash = 0;
	/* the path is the tracee's: look it up from its root, in its mount namespace */
	snprintf(events, sizeof(events), "/proc/%d/root%s/cgroup.events", tid, target);
	efd = open(events, O_RDONLY | O_CLOEXEC);
	if (efd < 0)
		return -errno;
	n = read(efd, buf, sizeof(buf) - 1);
	close(efd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return strstr(buf, "populated 1") ? 1 : 0;
}
