// SPDX-License-Identifier: GPL-2.0-only
/*
 * memory controller, v2-only properties: memory.high reclaims and throttles
 * without killing, memory.oom.group kills the whole group, memory.min and
 * memory.low protect page cache under pressure from a sibling, hierarchical
 * vs local events. Page cache comes from a file in the scratch directory
 * (host disk): on tmpfs it could not be reclaimed without swap, so those
 * cases SKIP there.
 */
#include "kisol_test.h"
#include "lib_cgroup/cgcase.h"
#include "cgroup_memory/memcase.h"

CG_FIXTURE_V2(pressure, KISOL_CG_MEMORY)

/* memory.high keeps page cache near the limit by reclaim; no task is killed. */
TEST_F(pressure, high_reclaims_without_kill)
{
	int64_t res, cur, ev;

	NEED_DISK_SCRATCH();
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "memory.high", "16M"));
	ASSERT_EQ(0, run(&self->cg, write_cache, 64 * MiB, &self->kid[0], &res));
	ASSERT_EQ(1, res);
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "memory.current", &cur));
	EXPECT_GE(32 * MiB, cur) TH_LOG("memory.current %lld with memory.high 16M", (long long)cur);
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "memory.events", "high", &ev));
	EXPECT_LE(1, ev);
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "memory.events", "oom_kill", &ev));
	EXPECT_EQ(0, ev);
	EXPECT_EQ(-ETIMEDOUT, kisol_child_wait(&self->kid[0], 0, NULL));
}

/* memory.high accepts max and byte values; reads back rounded to pages. */
TEST_F(pressure, high_values)
{
	int64_t v;

	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "memory.high", &v));
	EXPECT_EQ(INT64_MAX, v);
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "memory.high", "1000000"));
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "memory.high", &v));
	EXPECT_EQ(1000000 / 4096 * 4096, v);
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "memory.high", "lots"));
}

/* memory.oom.group 1: the OOM kill takes every task of the cgroup. */
TEST_F(pressure, oom_group_kills_all)
{
	int64_t res = 0, ev;

	NEED_CG_FILE(&self->cg, "memory.oom.group");
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "memory.max", "32M"));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "memory.oom.group", "1"));
	ASSERT_EQ(0, run(&self->cg, touch_anon, 4 * MiB, &self->kid[0], &res));
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, touch_anon, (void *)(uintptr_t)(128 * MiB), &self->kid[1]));
	ASSERT_EQ(0, kisol_child_wait(&self->kid[1], KISOL_TIMEOUT_MS, NULL));
	EXPECT_EQ(SIGKILL, cg_termsig(self->kid[1].status));
	ASSERT_EQ(0, kisol_child_wait(&self->kid[0], KISOL_TIMEOUT_MS, NULL));
	EXPECT_EQ(SIGKILL, cg_termsig(self->kid[0].status)) TH_LOG("bystander survived a group OOM");
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "memory.events", "oom_kill", &ev));
	EXPECT_LE(2, ev);
}

/* Control: without oom.group only the allocating task dies. */
TEST_F(pressure, oom_without_group_spares_bystander)
{
	int64_t res = 0;

	ASSERT_EQ(0, kisol_cg_write(&self->cg, "memory.max", "32M"));
	ASSERT_EQ(0, run(&self->cg, touch_anon, 4 * MiB, &self->kid[0], &res));
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, touch_anon, (void *)(uintptr_t)(128 * MiB), &self->kid[1]));
	ASSERT_EQ(0, kisol_child_wait(&self->kid[1], KISOL_TIMEOUT_MS, NULL));
	EXPECT_EQ(SIGKILL, cg_termsig(self->kid[1].status));
	EXPECT_EQ(-ETIMEDOUT, kisol_child_wait(&self->kid[0], 0, NULL));
}

/* memory.events is hierarchical, memory.events.local is not. */
TEST_F(pressure, events_local_vs_hierarchical)
{
	_cleanup_cg_ struct kisol_cg sub = KISOL_CG_INIT;
	int64_t v;

	NEED_CG_FILE(&self->cg, "memory.events.local");
	ASSERT_EQ(0, kisol_cg_enable(&self->cg, KISOL_CG_MEMORY));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	ASSERT_EQ(0, kisol_cg_write(&sub, "memory.max", "32M"));
	ASSERT_EQ(0, cg_spawn_fn(&sub, touch_anon, (void *)(uintptr_t)(128 * MiB), &self->kid[0]));
	ASSERT_EQ(0, kisol_child_wait(&self->kid[0], KISOL_TIMEOUT_MS, NULL));
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "memory.events", "oom_kill", &v));
	EXPECT_LE(1, v);
	ASSERT_EQ(0, kisol_cg_keyed(&self->cg, "memory.events.local", "oom_kill", &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, kisol_cg_keyed(&sub, "memory.events.local", "oom_kill", &v));
	EXPECT_LE(1, v);
}

/*
 * Protection: parent limited to 64M, A holds 24M of page cache under
 * memory.<knob> 32M, B then streams 128M of page cache. A keeps most of
 * its cache (>= 12M; unprotected it would be reclaimed to near nothing).
 */
static __attribute__((noinline)) void protect(struct __test_metadata *_metadata, FIXTURE_DATA(pressure) *self, const char *knob)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT;
	int64_t res, cur, ksw = 0;

	ASSERT_EQ(0, kisol_cg_write(&self->cg, "memory.max", "64M"));
	ASSERT_EQ(0, kisol_cg_enable(&self->cg, KISOL_CG_MEMORY));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "a", &a));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "b", &b));
	ASSERT_EQ(0, kisol_cg_write(&a, knob, "32M"));
	ASSERT_EQ(0, run(&a, write_cache, 24 * MiB, &self->kid[0], &res));
	ASSERT_EQ(1, res);
	ASSERT_EQ(0, kisol_cg_read_int(&a, "memory.current", &cur));
	if (cur < 16 * MiB)
		SKIP(return, "the scratch filesystem kept only %lld bytes of page cache for 24M written",
		     (long long)cur);
	ASSERT_EQ(0, run(&b, write_cache, 128 * MiB, &self->kid[1], &res));
	ASSERT_EQ(1, res);
	ASSERT_EQ(0, kisol_cg_read_int(&a, "memory.current", &cur));
	/*
	 * Protection only holds against reclaim below the parent we limited:
	 * global reclaim (kswapd) bounds it by the ancestors' protection, 0.
	 */
	if (cur < 12 * MiB && kisol_cg_keyed(&a, "memory.stat", "pgsteal_kswapd", &ksw) == 0 && ksw > 0)
		SKIP(return, "host-wide memory pressure: kswapd reclaimed %lld pages of the protected cgroup",
		     (long long)ksw);
	EXPECT_LE(12 * MiB, cur) {
		char ev[512] = "", st[512] = "";

		kisol_cg_read(&a, "memory.events", ev, sizeof(ev));
		kisol_cg_read(&a, "memory.stat", st, 200);
		TH_LOG("%s 32M: a kept %lld bytes; a events: %s; a stat: %s; a alive: %d", knob,
		       (long long)cur, ev, st, kisol_child_wait(&self->kid[0], 0, NULL) == -ETIMEDOUT);
	}
}

TEST_F(pressure, min_protects)
{
	NEED_DISK_SCRATCH();
	NEED_CG_FILE(&self->cg, "memory.min");
	protect(_metadata, self, "memory.min");
}

TEST_F(pressure, low_protects)
{
	NEED_DISK_SCRATCH();
	NEED_CG_FILE(&self->cg, "memory.low");
	protect(_metadata, self, "memory.low");
}

/* memory.min/low/high/max defaults: 0, 0, max, max. */
TEST_F(pressure, protection_defaults)
{
	int64_t v;

	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "memory.min", &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "memory.low", &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "memory.max", &v));
	EXPECT_EQ(INT64_MAX, v);
}

/* memory.swap.max limits swap; with no swap device the file still takes values. */
TEST_F(pressure, swap_max_values)
{
	int64_t v;

	NEED_CG_FILE(&self->cg, "memory.swap.max");
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "memory.swap.max", "0"));
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "memory.swap.max", &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "memory.swap.current", &v));
	EXPECT_EQ(0, v);
}

KISOL_MAIN
