// SPDX-License-Identifier: GPL-2.0-only
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/nsfs.h>

#include "kisol/ns.h"
#include "kisol/proc.h"
#include "kisol/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

const struct kisol_ns_info kisol_ns_table[_KISOL_NS_MAX] = {
	[KISOL_NS_MNT] = { "mnt", CLONE_NEWNS, NULL, NULL, 2, 4 },
	[KISOL_NS_UTS] = { "uts", CLONE_NEWUTS, NULL, "CONFIG_UTS_NS", 2, 6 },
	[KISOL_NS_IPC] = { "ipc", CLONE_NEWIPC, NULL, "CONFIG_IPC_NS", 2, 6 },
	[KISOL_NS_USER] = { "user", CLONE_NEWUSER, NULL, "CONFIG_USER_NS", 3, 8 },
	[KISOL_NS_PID] = { "pid", CLONE_NEWPID, "pid_for_children", "CONFIG_PID_NS", 2, 6 },
	[KISOL_NS_NET] = { "net", CLONE_NEWNET, NULL, "CONFIG_NET_NS", 2, 6 },
	[KISOL_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP, NULL, "CONFIG_CGROUPS", 4, 6 },
	[KISOL_NS_TIME] = { "time", CLONE_NEWTIME, "time_for_children", "CONFIG_TIME_NS", 5, 6 },
};

int kisol_ns_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (int t = 0; t < _KISOL_NS_MAX; t++)
		if (strcmp(kisol_ns_table[t].name, name) == 0)
			return t;
	return -EINVAL;
}

int kisol_ns_from_flag(uint64_t flag)
{
	for (int t = 0; t < _KISOL_NS_MAX; t++)
		if (kisol_ns_table[t].flag == flag)
			return t;
	return -EINVAL;
}

uint64_t kisol_ns_all_flags(void)
{
	uint64_t all = 0;

	for (int t = 0; t < _KISOL_NS_MAX; t++)
		all |= kisol_ns_table[t].flag;
	return all;
}

static bool valid_type(int type)
{
	return type >= 0 && type < _KISOL_NS_MAX;
}

static int open_proc_ns(pid_t pid, const char *name)
{
	char path[64];
	int fd;

	if (pid < 0)
		return -EINVAL;
	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	else
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? kisol_negerrno() : fd;
}

int kisol_ns_open(pid_t pid, enum kisol_ns type)
{
	if (!valid_type(type))
		return -EINVAL;
	return open_proc_ns(pid, kisol_ns_table[type].name);
}

int kisol_ns_open_children(pid_t pid, enum kisol_ns type)
{
	if (!valid_type(type) || !kisol_ns_table[type].children_name)
		return -EINVAL;
	return open_proc_ns(pid, kisol_ns_table[type].children_name);
}

int kisol_ns_id_fd(int nsfd, struct kisol_ns_id *ret)
{
	struct stat st;

	if (fstat(nsfd, &st) < 0)
		return kisol_negerrno();
	if (ret) {
		ret->dev = st.st_dev;
		ret->ino = st.st_ino;
	}
	return 0;
}

int kisol_ns_id(pid_t pid, enum kisol_ns type, struct kisol_ns_id *ret)
{
	_cleanup_close_ int fd = kisol_ns_open(pid, type);

	if (fd < 0)
		return fd;
	return kisol_ns_id_fd(fd, ret);
}

bool kisol_ns_id_eq(const struct kisol_ns_id *a, const struct kisol_ns_id *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

/* The caller's namespace of type t, or for pid and time the one its children get. */
static int id_for_children(enum kisol_ns t, struct kisol_ns_id *ret)
{
	_cleanup_close_ int fd = kisol_ns_table[t].children_name ? kisol_ns_open_children(0, t)
								: kisol_ns_open(0, t);

	if (fd < 0)
		return fd;
	return kisol_ns_id_fd(fd, ret);
}

void kisol_ns_snap_take(uint64_t flags, struct kisol_ns_snap *ret)
{
	ret->known = 0;
	for (int t = 0; t < _KISOL_NS_MAX; t++)
		if ((flags & kisol_ns_table[t].flag) && id_for_children(t, &ret->id[t]) == 0)
			ret->known |= kisol_ns_table[t].flag;
}

/* -EPROTO if a type in flags that is known in snap is (same) / is not (!same) the one now. */
static int snap_compare(uint64_t flags, const struct kisol_ns_snap *snap, bool same)
{
	struct kisol_ns_id now;

	for (int t = 0; t < _KISOL_NS_MAX; t++) {
		if (!(flags & snap->known & kisol_ns_table[t].flag))
			continue;
		if (id_for_children(t, &now) < 0)
			continue; /* unreadable after the call (another /proc): not checked */
		if (kisol_ns_id_eq(&now, &snap->id[t]) == same)
			return -EPROTO;
	}
	return 0;
}

int kisol_ns_snap_all_new(uint64_t flags, const struct kisol_ns_snap *before)
{
	return snap_compare(flags, before, true);
}

int kisol_ns_enter(int nsfd, int type)
{
	struct kisol_ns_snap want = { 0 };
	int nstype = 0;

	if (type != -1) {
		if (!valid_type(type))
			return -EINVAL;
		nstype = (int)kisol_ns_table[type].flag;
	}
	if (setns(nsfd, nstype) < 0)
		return kisol_negerrno();
	if (type == -1)
		type = kisol_ns_get_type(nsfd);
	if (type >= 0 && kisol_ns_id_fd(nsfd, &want.id[type]) == 0)
		want.known = kisol_ns_table[type].flag;
	return snap_compare(want.known, &want, false);
}

int kisol_ns_enter_pidfd(int pidfd, uint64_t flags)
{
	struct kisol_ns_snap want = { 0 };

	if (flags == 0 || (flags & ~kisol_ns_all_flags()))
		return -EINVAL;
	/* the target's namespaces, taken before setns moves us (6.11+; else unchecked) */
	for (int t = 0; t < _KISOL_NS_MAX; t++) {
		_cleanup_close_ int fd = -EBADF;

		if (!(flags & kisol_ns_table[t].flag))
			continue;
		fd = kisol_pidfd_get_ns(pidfd, t, false);
		if (fd >= 0 && kisol_ns_id_fd(fd, &want.id[t]) == 0)
			want.known |= kisol_ns_table[t].flag;
	}
	if (setns(pidfd, (int)flags) < 0)
		return kisol_negerrno();
	return snap_compare(flags, &want, false);
}

int kisol_ns_unshare(uint64_t flags)
{
	struct kisol_ns_snap before;

	kisol_ns_snap_take(flags, &before);
	/* the raw syscall: all 64 bits reach the kernel (glibc's unshare() takes an int) */
	if (syscall(SYS_unshare, (unsigned long)flags) < 0)
		return kisol_negerrno();
	return kisol_ns_snap_all_new(flags, &before);
}

int kisol_ns_get_type(int nsfd)
{
	int r = ioctl(nsfd, NS_GET_NSTYPE);

	if (r < 0)
		return kisol_negerrno();
	r = kisol_ns_from_flag((uint64_t)r);
	return r < 0 ? -EPROTO : r;
}

static int ns_ioctl_fd(int nsfd, unsigned long req)
{
	int r = ioctl(nsfd, req);

	return r < 0 ? kisol_negerrno() : r;
}

int kisol_ns_get_userns(int nsfd)
{
	return ns_ioctl_fd(nsfd, NS_GET_USERNS);
}

int kisol_ns_get_parent(int nsfd)
{
	return ns_ioctl_fd(nsfd, NS_GET_PARENT);
}

int kisol_ns_get_owner_uid(int nsfd, uid_t *ret)
{
	uid_t uid;

	if (ioctl(nsfd, NS_GET_OWNER_UID, &uid) < 0)
		return kisol_negerrno();
	if (ret)
		*ret = uid;
	return 0;
}

#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(NSIO, 0x5, uint64_t)
#endif
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(NSIO, 13, uint64_t)
#endif

int kisol_ns_get_id(int nsfd, uint64_t *ret)
{
	uint64_t id = 0;

	if (nsfd < 0)
		return -EBADF;
	if (ioctl(nsfd, NS_GET_ID, &id) < 0) {
		int e = errno;

		if (e != ENOTTY && e != EINVAL)
			return -e;
		if (ioctl(nsfd, NS_GET_MNTNS_ID, &id) < 0)
			return errno == EINVAL ? -ENOTTY : kisol_negerrno();
	}
	if (ret)
		*ret = id;
	return 0;
}

int kisol_ns_link(pid_t pid, enum kisol_ns type, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	if (!valid_type(type) || pid < 0 || !buf || size == 0)
		return -EINVAL;
	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/ns/%s", kisol_ns_table[type].name);
	else
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, kisol_ns_table[type].name);
	n = readlink(path, buf, size);
	if (n < 0)
		return kisol_negerrno();
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return (int)n;
}

bool kisol_ns_is_current(int nsfd, enum kisol_ns type)
{
	struct kisol_ns_id a, b;

	return kisol_ns_id_fd(nsfd, &a) == 0 && kisol_ns_id(0, type, &b) == 0 &&
	       kisol_ns_id_eq(&a, &b);
}

int kisol_ns_probe_flags(uint64_t flags)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return kisol_negerrno();
	/* errno values fit an exit status; EPROTO: the namespace was not new */
	if (pid == 0)
		_exit(-kisol_ns_unshare(flags));
	if (waitpid(pid, &status, 0) < 0)
		return kisol_negerrno();
	if (!WIFEXITED(status))
		return -ECHILD;
	return -WEXITSTATUS(status);
}

int kisol_ns_probe(enum kisol_ns type)
{
	if (!valid_type(type))
		return -EINVAL;
	return kisol_ns_probe_flags(kisol_ns_table[type].flag);
}
