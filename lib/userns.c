// SPDX-License-Identifier: GPL-2.0-only
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <sys/syscall.h>
#include <string.h>

#include "kisol/ns.h"
#include "kisol/userns.h"
#include "kisol/util.h"

static int proc_write(pid_t pid, const char *file, const char *s)
{
	char path[64];

	if (pid <= 0 || !s)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return kisol_write_file(path, s);
}

int kisol_userns_setgroups(pid_t pid, const char *mode)
{
	if (!mode || (strcmp(mode, "allow") && strcmp(mode, "deny")))
		return -EINVAL;
	return proc_write(pid, "setgroups", mode);
}

int kisol_userns_write_map(pid_t pid, const char *which, const char *map)
{
	if (!which || (strcmp(which, "uid_map") && strcmp(which, "gid_map")))
		return -EINVAL;
	return proc_write(pid, which, map);
}

int kisol_userns_write_maps(pid_t pid, const char *uid_map, const char *gid_map,
			    bool deny_setgroups)
{
	int r;

	if (deny_setgroups) {
		r = kisol_userns_setgroups(pid, "deny");
		if (r < 0)
			return r;
	}
	if (uid_map) {
		r = kisol_userns_write_map(pid, "uid_map", uid_map);
		if (r < 0)
			return r;
	}
	if (gid_map) {
		r = kisol_userns_write_map(pid, "gid_map", gid_map);
		if (r < 0)
			return r;
	}
	return 0;
}

int kisol_userns_map_root(pid_t pid, uid_t uid, gid_t gid, bool deny_setgroups)
{
	char u[48], g[48];

	snprintf(u, sizeof(u), "0 %u 1\n", (unsigned)uid);
	snprintf(g, sizeof(g), "0 %u 1\n", (unsigned)gid);
	return kisol_userns_write_maps(pid, u, g, deny_setgroups);
}

static int read_overflow(const char *path, unsigned *ret)
{
	int64_t v;
	int r = kisol_read_int64(path, &v);

	if (r < 0)
		return r;
	if (v < 0 || v > 0xffffffffLL)
		return -ERANGE;
	*ret = (unsigned)v;
	return 0;
}

int kisol_userns_overflow_uid(uid_t *ret)
{
	unsigned v;
	int r = read_overflow("/proc/sys/kernel/overflowuid", &v);

	if (r == 0 && ret)
		*ret = v;
	return r;
}

int kisol_userns_overflow_gid(gid_t *ret)
{
	unsigned v;
	int r = read_overflow("/proc/sys/kernel/overflowgid", &v);

	if (r == 0 && ret)
		*ret = v;
	return r;
}

int kisol_userns_drop_privs(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) < 0)
		return kisol_negerrno();
	if (setresgid(gid, gid, gid) < 0)
		return kisol_negerrno();
	if (setresuid(uid, uid, uid) < 0)
		return kisol_negerrno();
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return kisol_negerrno();
	return 0;
}

bool kisol_is_root(void)
{
	char buf[128];
	unsigned inside, outside, count;

	if (geteuid() != 0)
		return false;
	/* root of a user namespace mapping fewer ids is not the host's root */
	if (kisol_read_file("/proc/self/uid_map", buf, sizeof(buf)) < 0)
		return true; /* no user namespaces: the only root there is */
	return sscanf(buf, "%u %u %u", &inside, &outside, &count) == 3 &&
	       inside == 0 && outside == 0 && count == 4294967295U;
}

int kisol_userns_unshare_rootless(uint64_t flags)
{
	if (kisol_is_root())
		return kisol_ns_unshare(flags);
	return kisol_userns_unshare_root(flags);
}

uid_t kisol_unpriv_uid(void)
{
	return geteuid() == 0 ? KISOL_UNPRIV_UID : geteuid();
}

gid_t kisol_unpriv_gid(void)
{
	return geteuid() == 0 ? KISOL_UNPRIV_GID : getegid();
}

int kisol_become_unpriv(void)
{
	if (geteuid() != 0)
		return 0;
	return kisol_userns_become_other(KISOL_UNPRIV_UID, KISOL_UNPRIV_GID);
}

int kisol_userns_become_other(uid_t uid, gid_t gid)
{
	gid_t own_gid = getegid(); /* unmapped (overflow) in the new namespace until its gid_map */
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { 0 };
	char map[48];
	int r;

	if (geteuid() != 0)
		return -EPERM;
	if (kisol_is_root())
		return kisol_userns_drop_privs(uid, gid);
	/* root of a user namespace of its own: uid and gid of a nested one, mapped onto ours */
	r = kisol_ns_unshare(CLONE_NEWUSER);
	if (r < 0)
		return r;
	r = kisol_write_file("/proc/self/setgroups", "deny");
	if (r < 0)
		return r;
	snprintf(map, sizeof(map), "%u 0 1\n", (unsigned)uid);
	r = kisol_write_file("/proc/self/uid_map", map);
	if (r < 0)
		return r;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)own_gid);
	r = kisol_write_file("/proc/self/gid_map", map);
	if (r < 0)
		return r;
	/* setgroups is denied here: no supplementary groups were mapped anyway */
	if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return kisol_negerrno();
	/*
	 * uid 0 is unmapped here, so leaving it did not drop the capabilities
	 * this process got in the new user namespace: drop them all.
	 */
	if (syscall(SYS_capset, &h, d) < 0)
		return kisol_negerrno();
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return kisol_negerrno();
	return 0;
}

int kisol_userns_unshare_root(uint64_t flags)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[48];
	int r;

	r = kisol_ns_unshare(flags | CLONE_NEWUSER); /* -EPROTO: a namespace is still ours */
	if (r < 0)
		return r;
	r = kisol_write_file("/proc/self/setgroups", "deny");
	if (r < 0)
		return r;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	r = kisol_write_file("/proc/self/uid_map", map);
	if (r < 0)
		return r;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	return kisol_write_file("/proc/self/gid_map", map);
}

int kisol_userns_depth(int nsfd)
{
	int fd, depth = 0;

	if (nsfd < 0)
		return -EBADF;
	fd = ioctl(nsfd, NS_GET_NSTYPE);
	if (fd < 0)
		return errno == ENOTTY ? -EINVAL : kisol_negerrno();
	if (fd != CLONE_NEWUSER)
		return -EINVAL;
	fd = fcntl(nsfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return kisol_negerrno();
	for (;;) {
		int parent = ioctl(fd, NS_GET_PARENT);

		if (parent < 0) {
			int e = errno;

			close(fd);
			return e == EPERM ? depth : -e;
		}
		close(fd);
		fd = parent;
		depth++;
	}
}
