// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a run creates outside its children carries its pid: the scratch
 * directory <storage>/kisol-validate-p<pid> and cgroups
 * kisol-validate-p<pid>-<name> in our own cgroup or one of its ancestors. A run removes its own at
 * exit and those of runs whose pid is gone (killed), at start.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "kisol/cgroup.h"
#include "kisol/mount.h"
#include "vl.h"

/* pid of "kisol-validate-p<pid>[-...]", 0 if the name is not ours */
static pid_t owner(const char *name)
{
	char *end;
	long pid;

	if (strncmp(name, "kisol-validate-p", 16))
		return 0;
	pid = strtol(name + 16, &end, 10);
	if (pid <= 0 || (*end && *end != '-'))
		return 0;
	return (pid_t)pid;
}

static bool dead(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

static void sweep(const char *dir, bool cgroup, int version)
{
	DIR *d = opendir(dir);
	char path[KISOL_CG_PATH + 300];

	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		pid_t pid = owner(e->d_name);

		if (!pid || !dead(pid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (cgroup) {
			struct kisol_cg cg = KISOL_CG_INIT;

			if (kisol_cg_open(path, version, &cg) == 0) {
				cg.owned = true;
				kisol_cg_destroy(&cg);
			}
		} else {
			kisol_mnt_rm_rf(path);
		}
	}
	closedir(d);
}

static const char *const storage_dirs[] = { "/var/lib/containers", "/var/lib/docker", "/var/tmp" };

void vl_stale_remove(void)
{
	struct kisol_cg_layout l;

	if (kisol_cg_discover(&l) == 0)
		for (int i = 0; i < l.n; i++) {
			char dir[KISOL_CG_PATH];

			/* our own cgroup and every ancestor (v2 probes make theirs there) */
			snprintf(dir, sizeof(dir), "%s", l.h[i].own_dir);
			while (dir[0] && strlen(dir) >= strlen(l.h[i].mnt)) {
				sweep(dir, true, l.h[i].version);
				*strrchr(dir, '/') = '\0';
			}
		}
	for (size_t i = 0; i < sizeof(storage_dirs) / sizeof(storage_dirs[0]); i++)
		sweep(storage_dirs[i], false, 0);
}

static const char *fs_name(long type)
{
	switch ((unsigned long)type) {
	case 0xEF53: return "ext4";
	case 0x58465342: return "xfs";
	case 0x9123683E: return "btrfs";
	case 0x01021994: return "tmpfs";
	case 0x794c7630: return "overlay";
	case 0x6969: return "nfs";
	case 0x65735546: return "fuse";
	case 0x2fc12fc1: return "zfs";
	case 0x858458f6: return "ramfs";
	case 0xf2f52010: return "f2fs";
	default: return "other";
	}
}

int vl_scratch_create(struct vl_ctx *ctx)
{
	struct statfs sf;

	if (ctx->opts.storage) {
		snprintf(ctx->storage, sizeof(ctx->storage), "%s", ctx->opts.storage);
	} else {
		for (size_t i = 0; i < sizeof(storage_dirs) / sizeof(storage_dirs[0]); i++)
			if (access(storage_dirs[i], W_OK | X_OK) == 0) {
				snprintf(ctx->storage, sizeof(ctx->storage), "%s", storage_dirs[i]);
				break;
			}
	}
	if (!ctx->storage[0] || statfs(ctx->storage, &sf) < 0)
		return -ENOENT;
	snprintf(ctx->storage_fs, sizeof(ctx->storage_fs), "%s", fs_name((long)sf.f_type));
	snprintf(ctx->scratch, sizeof(ctx->scratch), "%s/kisol-validate-p%d", ctx->storage, (int)getpid());
	if (mkdir(ctx->scratch, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (ctx->opts.storage)
		sweep(ctx->storage, false, 0);
	return 0;
}

void vl_scratch_remove(struct vl_ctx *ctx)
{
	if (ctx->scratch[0])
		kisol_mnt_rm_rf(ctx->scratch);
}
