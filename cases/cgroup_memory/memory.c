// SPDX-License-Identifier: GPL-2.0-only
/*
 * memory controller, v1 and v2: the limit makes the kernel OOM-kill the
 * cgroup's task (and only it), events/oom_control count it, usage and
 * memory.stat account anonymous and shmem/page-cache memory, peak,
 * hierarchy. Limits are small (32 MiB) so an OOM stays inside the test
 * cgroup.
 */
#include <sys/prctl.h>

#include "kisol_test.h"
#include "lib_cgroup/cgcase.h"

#define MiB (1024LL * 1024)

CG_FIXTURE(mem, KISOL_CG_MEMORY)
/* Tests of interfaces cgroup v2 does not have: a v1 variant only. */
CG_FIXTURE_V1(mem_v1, KISOL_CG_MEMORY)

static const char *F(int version, const char *v1, const char *v2)
{
	return version == 1 ? v1 : v2;
}

/* Child: mmap and touch arg bytes of anonymous memory, report, park. */
static int alloc_anon(int sock, void *arg)
{
	size_t n = (size_t)(uintptr_t)arg;
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int64_t v;

	if (p == MAP_FAILED)
		return 100;
	kisol_send_int(sock, getpid()); /* started */
	for (size_t i = 0; i < n; i += 4096)
		p[i] = 1;
	kisol_send_int(sock, 1); /* done */
	kisol_recv_int(sock, &v, -1);
	return 0;
}

/* The rest of a child that has reported its start: write n bytes of c to fd, report 1, park. */
static int fill_and_park(int sock, int fd, size_t n, char c)
{
	static char buf[1 << 16];
	int64_t v;

	memset(buf, c, sizeof(buf));
	for (size_t i = 0; i < n; i += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			return 101;
	kisol_send_int(sock, 1);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

/* Child: write arg bytes into a memfd (shmem page cache), report, park. */
static int alloc_shmem(int sock, void *arg)
{
	int fd = memfd_create("kisol", MFD_CLOEXEC);

	if (fd < 0)
		return 100;
	kisol_send_int(sock, getpid());
	return fill_and_park(sock, fd, (size_t)(uintptr_t)arg, 1);
}

/* Child: write arg bytes to an unlinked file in the scratch dir (disk page cache), report, park. */
static int alloc_pagecache(int sock, void *arg)
{
	char dir[PATH_MAX];
	int fd;

	kisol_send_int(sock, getpid());
	fd = kisol_mnt_scratch_disk(dir, sizeof(dir));
	if (fd == 0)
		fd = (int)RET_NERRNO(open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
	if (fd < 0) {
		kisol_send_int(sock, fd);
		return 1;
	}
	return fill_and_park(sock, fd, (size_t)(uintptr_t)arg, 3);
}

static int run_alloc(const struct kisol_cg *cg, kisol_child_fn fn, int64_t bytes,
		     struct kisol_child *k)
{
	int64_t v;
	int r = cg_spawn_fn(cg, fn, (void *)(uintptr_t)bytes, k);

	if (r < 0)
		return r;
	return kisol_recv_int(k->sock, &v, KISOL_TIMEOUT_MS);
}

static int set_limit(const struct kisol_cg *cg, int version, int64_t bytes)
{
	return kisol_cg_write_int(cg, F(version, "memory.limit_in_bytes", "memory.max"), bytes);
}

static int64_t usage(const struct kisol_cg *cg, int version)
{
	int64_t v = -1;

	kisol_cg_read_int(cg, F(version, "memory.usage_in_bytes", "memory.current"), &v);
	return v;
}

static int64_t oom_kills(const struct kisol_cg *cg, int version)
{
	int64_t v = -1;

	kisol_cg_keyed(cg, F(version, "memory.oom_control", "memory.events"), "oom_kill", &v);
	return v;
}

/* No limit by default: "max" on v2, a page-rounded huge value on v1. */
TEST_F(mem, limit_default)
{
	int64_t v;

	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, F(variant->version, "memory.limit_in_bytes",
						   "memory.max"), &v));
	EXPECT_LE(1LL << 60, v);
}

/* Over the limit the kernel OOM-kills the cgroup's task and counts oom_kill. */
TEST_F(mem, oom_kill_inside)
{
	int64_t v;

	ASSERT_EQ(0, set_limit(&self->cg, variant->version, 32 * MiB));
	EXPECT_EQ(0, oom_kills(&self->cg, variant->version));
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, alloc_anon, (void *)(uintptr_t)(128 * MiB), &self->kid[0]));
	EXPECT_EQ(-EPIPE, kisol_recv_int(self->kid[0].sock, &v, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_child_wait(&self->kid[0], KISOL_TIMEOUT_MS, NULL));
	ASSERT_EQ(SIGKILL, cg_termsig(self->kid[0].status));
	EXPECT_LE(1, oom_kills(&self->cg, variant->version));
}

/* The OOM kill stays inside: a task in a sibling cgroup survives. */
TEST_F(mem, oom_spares_outside)
{
	_cleanup_cg_ struct kisol_cg other = KISOL_CG_INIT;

	ASSERT_EQ(0, kisol_cg_create(KISOL_CG_MEMORY, variant->version, &other));
	ASSERT_EQ(0, run_alloc(&other, alloc_anon, 8 * MiB, &self->kid[1]));
	ASSERT_EQ(0, set_limit(&self->cg, variant->version, 32 * MiB));
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, alloc_anon, (void *)(uintptr_t)(128 * MiB), &self->kid[0]));
	ASSERT_EQ(0, kisol_child_wait(&self->kid[0], KISOL_TIMEOUT_MS, NULL));
	EXPECT_EQ(SIGKILL, cg_termsig(self->kid[0].status));
	EXPECT_EQ(-ETIMEDOUT, kisol_child_wait(&self->kid[1], 0, NULL));
	EXPECT_EQ(0, oom_kills(&other, variant->version));
}

/* Hitting the limit is counted: v1 memory.failcnt, v2 memory.events max. */
TEST_F(mem, limit_hits_counted)
{
	int64_t v = 0;

	ASSERT_EQ(0, set_limit(&self->cg, variant->version, 32 * MiB));
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, alloc_anon, (void *)(uintptr_t)(128 * MiB), &self->kid[0]));
	ASSERT_EQ(0, kisol_child_wait(&self->kid[0], KISOL_TIMEOUT_MS, NULL));
	if (variant->version == 1) {
		ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "memory.failcnt", &v));
	} else {
		ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "memory.events", "max", &v));
	}
	EXPECT_LE(1, v);
}

/* Anonymous memory is charged: usage and anon/rss grow by at least the touched size. */
TEST_F(mem, anon_accounting)
{
	int64_t v, u0 = usage(&self->cg, variant->version);

	ASSERT_EQ(0, run_alloc(&self->cg, alloc_anon, 16 * MiB, &self->kid[0]));
	EXPECT_LE(u0 + 15 * MiB, usage(&self->cg, variant->version));
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "memory.stat", F(variant->version, "rss", "anon"), &v));
	EXPECT_LE(15 * MiB, v) TH_LOG("anon %lld", (long long)v);
	EXPECT_GE(64 * MiB, v) TH_LOG("anon %lld", (long long)v);
}

/* shmem page cache is charged to the writer's cgroup: file/cache and shmem in memory.stat. */
TEST_F(mem, shmem_accounting)
{
	int64_t v;

	ASSERT_EQ(0, run_alloc(&self->cg, alloc_shmem, 8 * MiB, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "memory.stat", F(variant->version, "cache", "file"), &v));
	/* memory.stat may lag by a per-CPU batch: allow 1 MiB */
	EXPECT_LE(7 * MiB, v) TH_LOG("file/cache %lld", (long long)v);
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "memory.stat", "shmem", &v));
	EXPECT_LE(7 * MiB, v) TH_LOG("shmem %lld", (long long)v);
	EXPECT_LE(8 * MiB, usage(&self->cg, variant->version));
}

/* Usage is hierarchical: the parent's usage covers the child's. */
TEST_F(mem, usage_hierarchical)
{
	_cleanup_cg_ struct kisol_cg sub = KISOL_CG_INIT;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	ASSERT_EQ(0, run_alloc(&sub, alloc_anon, 16 * MiB, &self->kid[0]));
	/* per-CPU charge batching makes the two reads differ by up to a few hundred KiB */
	EXPECT_LE(usage(&sub, variant->version), usage(&self->cg, variant->version) + 2 * MiB);
	EXPECT_LE(15 * MiB, usage(&self->cg, variant->version));
}

/* A parent's limit OOM-kills a task in a child cgroup that has no limit. */
TEST_F(mem, parent_limit_binds_child)
{
	_cleanup_cg_ struct kisol_cg sub = KISOL_CG_INIT;

	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	ASSERT_EQ(0, set_limit(&self->cg, variant->version, 32 * MiB));
	ASSERT_EQ(0, cg_spawn_fn(&sub, alloc_anon, (void *)(uintptr_t)(128 * MiB), &self->kid[0]));
	ASSERT_EQ(0, kisol_child_wait(&self->kid[0], KISOL_TIMEOUT_MS, NULL));
	EXPECT_EQ(SIGKILL, cg_termsig(self->kid[0].status));
	EXPECT_LE(1, oom_kills(variant->version == 2 ? &self->cg : &sub, variant->version));
}

/* The high-water mark (v1 max_usage_in_bytes, v2 memory.peak) stays after the memory is gone. */
TEST_F(mem, peak_kept)
{
	const char *f = F(variant->version, "memory.max_usage_in_bytes", "memory.peak");
	int64_t v;

	NEED_CG_FILE(&self->cg, f);
	ASSERT_EQ(0, run_alloc(&self->cg, alloc_anon, 24 * MiB, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_kill(&self->cg));
	ASSERT_EQ(0, kisol_cg_wait_empty(&self->cg, KISOL_TIMEOUT_MS));
	kisol_child_release(&self->kid[0]);
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, f, &v));
	EXPECT_LE(24 * MiB, v);
	EXPECT_GT(24 * MiB, usage(&self->cg, variant->version));
}

/* Bad limit values are refused with EINVAL; a set value reads back (page-rounded). */
TEST_F(mem, limit_values)
{
	const char *f = F(variant->version, "memory.limit_in_bytes", "memory.max");
	int64_t v;

	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, f, "abc"));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, f, "33554433"));
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, f, &v));
	EXPECT_EQ(32 * MiB, v); /* rounded down to pages */
	ASSERT_EQ(0, kisol_cg_write(&self->cg, f, "64M"));
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, f, &v));
	EXPECT_EQ(64 * MiB, v);
}

/* memory.stat has the per-version keys. */
TEST_F(mem, stat_keys)
{
	static const char *v1[] = { "cache", "rss", "mapped_file", "pgfault", "hierarchical_memory_limit" };
	static const char *v2[] = { "anon", "file", "kernel", "shmem", "pgfault", "oom_kill" };
	const char **k = variant->version == 1 ? v1 : v2;
	size_t n = variant->version == 1 ? KISOL_ARRAY_SIZE(v1) : KISOL_ARRAY_SIZE(v2);
	int64_t v;

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(k[i], "oom_kill") || !strcmp(k[i], "kernel"))
			continue; /* newer keys: checked elsewhere */
		EXPECT_EQ(0, kisol_cg_keyed(&self->cg, "memory.stat", k[i], &v)) TH_LOG("%s", k[i]);
	}
}

/* A swap limit needs swap: memory.swap.max (v2) / memsw (v1) accounting. */
TEST_F(mem, swap_limit)
{
	char buf[256];
	const char *f = F(variant->version, "memory.memsw.limit_in_bytes", "memory.swap.max");

	ASSERT_LE(0, kisol_read_file("/proc/swaps", buf, sizeof(buf)));
	if (!strchr(buf, '\n') || !strchr(buf, '\n')[1])
		SKIP(return, "no swap configured (/proc/swaps lists no device)");
	NEED_CG_FILE(&self->cg, f);
	ASSERT_EQ(0, kisol_cg_write(&self->cg, f, variant->version == 1 ? "67108864" : "0"));
}

/* v1 memsw limit below the memory limit is refused (EINVAL); v2 swap.max is independent. */
TEST_F(mem_v1, memsw_not_below_limit)
{
	NEED_CG_FILE(&self->cg, "memory.memsw.limit_in_bytes");
	ASSERT_EQ(0, set_limit(&self->cg, 1, 64 * MiB));
	EXPECT_EQ(-EINVAL, kisol_cg_write_int(&self->cg, "memory.memsw.limit_in_bytes", 32 * MiB));
	EXPECT_EQ(0, kisol_cg_write_int(&self->cg, "memory.memsw.limit_in_bytes", 128 * MiB));
}

/* v1 use_hierarchy is 1 and can no longer be turned off. */
TEST_F(mem_v1, v1_use_hierarchy)
{
	int64_t v;

	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "memory.use_hierarchy", &v));
	EXPECT_EQ(1, v);
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "memory.use_hierarchy", "0"));
}

/* v1 memory.oom_control reports oom_kill_disable/under_oom/oom_kill. */
TEST_F(mem_v1, v1_oom_control)
{
	int64_t v;

	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "memory.oom_control", "oom_kill_disable", &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "memory.oom_control", "under_oom", &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "memory.oom_control", "oom_kill", &v));
	EXPECT_EQ(0, v);
}

/* Page cache of a regular file is charged to the writer: file/cache grows by what was written. */
TEST_F(mem, pagecache_accounting)
{
	int64_t v, done;

	ASSERT_EQ(0, cg_spawn_fn(&self->cg, alloc_pagecache, (void *)(uintptr_t)(8 * MiB), &self->kid[0]));
	ASSERT_EQ(0, kisol_recv_int(self->kid[0].sock, &done, KISOL_TIMEOUT_MS));
	if (done < 0)
		SKIP(return, "no scratch file: %s", strerror((int)-done));
	ASSERT_EQ(1, done);
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "memory.stat", F(variant->version, "cache", "file"), &v));
	EXPECT_LE(7 * MiB, v) TH_LOG("file/cache %lld after writing 8M (stat may lag a batch)", (long long)v);
	EXPECT_LE(8 * MiB, usage(&self->cg, variant->version));
}

KISOL_MAIN
