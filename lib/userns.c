// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

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
