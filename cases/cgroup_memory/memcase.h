/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the cgroup_memory cases: a page-cache writer on a disk scratch
 * file (tmpfs page cache is not reclaimable without swap), an anonymous
 * memory toucher, and the SKIP for a scratch directory on tmpfs. Included
 * after kisol_test.h and lib_cgroup/cgcase.h.
 */
#ifndef KISOL_MEMCASE_H
#define KISOL_MEMCASE_H

#include <sys/statfs.h>
#include <linux/magic.h>

#define MiB (1024LL * 1024)

/* A scratch file on a disk filesystem, unlinked; -errno, or -EOPNOTSUPP on tmpfs/ramfs. */
static inline int disk_file(void)
{
	char dir[PATH_MAX];
	struct statfs sf;
	int fd = kisol_mnt_scratch_disk(dir, sizeof(dir));

	if (fd < 0)
		return fd;
	if (statfs(dir, &sf) < 0)
		return -errno;
	if (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC)
		return -EOPNOTSUPP;
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

#define NEED_DISK_SCRATCH()                                                           \
	do {                                                                          \
		int _fd = disk_file();                                                \
		if (_fd == -EOPNOTSUPP)                                               \
			SKIP(return, "scratch dir is on tmpfs/ramfs: page cache is not "  \
			     "reclaimable without swap (set KISOL_SCRATCH to a disk dir)"); \
		if (_fd < 0)                                                          \
			SKIP(return, "no scratch file: %s", strerror(-_fd));          \
		close(_fd);                                                           \
	} while (0)

/* Child: write arg bytes of page cache to a disk scratch file, report 1 (or -errno), park. */
static inline int write_cache(int sock, void *arg)
{
	size_t n = (size_t)(uintptr_t)arg;
	static char buf[1 << 16];
	int fd = disk_file();
	int64_t v;

	kisol_send_int(sock, getpid());
	if (fd < 0) {
		kisol_send_int(sock, fd);
		return 1;
	}
	memset(buf, 7, sizeof(buf));
	for (size_t i = 0; i < n; i += sizeof(buf)) {
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			kisol_send_int(sock, -errno);
			return 1;
		}
		/*
		 * Keep the cache clean (write back every 4 MiB): limit
		 * reclaim then finds the writer's own clean pages at once
		 * instead of stalling on dirty ones under a slow disk (qemu
		 * TCG), which ended in reclaim failure and OOM handling.
		 */
		if ((i + sizeof(buf)) % (4 << 20) == 0 && fdatasync(fd) < 0) {
			kisol_send_int(sock, -errno);
			return 1;
		}
	}
	kisol_send_int(sock, 1);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

/* n bytes of anonymous memory, every page touched (charged); NULL on error. */
static inline char *anon_touched(size_t n)
{
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	for (size_t i = 0; i < n; i += 4096)
		p[i] = 1;
	return p;
}

/* Child: touch arg bytes of anonymous memory, report 1, park. */
static inline int touch_anon(int sock, void *arg)
{
	char *p;
	int64_t v;

	kisol_send_int(sock, getpid());
	p = anon_touched((size_t)(uintptr_t)arg);
	if (!p)
		return 1;
	kisol_send_int(sock, 1);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

static inline int run(const struct kisol_cg *cg, kisol_child_fn fn, int64_t bytes, struct kisol_child *k,
	       int64_t *res)
{
	int r = cg_spawn_fn(cg, fn, (void *)(uintptr_t)bytes, k);

	if (r < 0)
		return r;
	return kisol_recv_int(k->sock, res, 60000);
}

#endif
