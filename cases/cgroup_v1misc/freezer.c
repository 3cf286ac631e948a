// SPDX-License-Identifier: GPL-2.0-only
/*
 * Freezer: v1 freezer.state (FROZEN/THAWED, self/parent_freezing) and the
 * v2 equivalent (cgroup.freeze, cgroup.events frozen). Both must stop the
 * tasks (a counter in shared memory stops moving) and let them go on thaw.
 * The one intended difference: a frozen v1 task does not die of SIGKILL
 * until thawed; a frozen v2 task does.
 */
#include "kisol_test.h"
#include "lib_cgroup/cgcase.h"

CG_FIXTURE(frz, KISOL_CG_FREEZER)
/* Tests of interfaces cgroup v2 does not have: a v1 variant only. */
CG_FIXTURE_V1(frz_v1, KISOL_CG_FREEZER)

static int frozen(const struct kisol_cg *cg)
{
	char buf[32];
	int64_t v;

	if (cg->version == 2)
		return kisol_cg_keyed(cg, "cgroup.events", "frozen", &v) < 0 ? -1 : (int)v;
	if (kisol_cg_read(cg, "freezer.state", buf, sizeof(buf)) < 0)
		return -1;
	return !strncmp(buf, "FROZEN", 6);
}

/* Freezing reaches the frozen state and stops the member. */
TEST_F(frz, frozen_stops_task)
{
	volatile uint64_t *c = cg_counter_page();

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, cg_fn_count, (void *)c, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	EXPECT_EQ(1, frozen(&self->cg));
	EXPECT_TRUE(cg_counter_still(c, 20));
}

/* Thawing resumes it. */
TEST_F(frz, thaw_resumes)
{
	volatile uint64_t *c = cg_counter_page();

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, cg_fn_count, (void *)c, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, frozen(&self->cg));
	EXPECT_TRUE(cg_counter_moves(c, 2000));
}

/* A child cgroup is frozen by its parent (v1: parent_freezing 1, self_freezing 0). */
TEST_F(frz, child_frozen_by_parent)
{
	_cleanup_cg_ struct kisol_cg sub = KISOL_CG_INIT;
	volatile uint64_t *c = cg_counter_page();
	int64_t v;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	ASSERT_EQ(0, cg_spawn_fn(&sub, cg_fn_count, (void *)c, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	if (variant->version == 2) {
		EXPECT_EQ(0, kisol_cg_wait_event(&sub, "frozen", 1, KISOL_TIMEOUT_MS));
	} else {
		EXPECT_EQ(1, frozen(&sub));
		ASSERT_EQ(0, kisol_cg_read_int(&sub, "freezer.parent_freezing", &v));
		EXPECT_EQ(1, v);
		ASSERT_EQ(0, kisol_cg_read_int(&sub, "freezer.self_freezing", &v));
		EXPECT_EQ(0, v);
	}
	EXPECT_TRUE(cg_counter_still(c, 20));
	/* thawed before sub's cleanup: a task frozen through the v1 parent
	 * cannot die, and destroying sub would wait out its drain timeout */
	EXPECT_EQ(0, kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS));
}

/* v1 self_freezing is 1 on the cgroup that was frozen itself. */
TEST_F(frz_v1, self_freezing_flag)
{
	int64_t v;

	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "freezer.self_freezing", &v));
	EXPECT_EQ(1, v);
}

/* A task moved into a frozen cgroup stops too. */
TEST_F(frz, migrate_into_frozen)
{
	_cleanup_cg_ struct kisol_cg out = KISOL_CG_INIT;
	volatile uint64_t *c = cg_counter_page();

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, kisol_cg_create(KISOL_CG_FREEZER, variant->version, &out));
	ASSERT_EQ(0, cg_spawn_fn(&out, cg_fn_count, (void *)c, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_cg_attach(&self->cg, self->kid[0].pid));
	ASSERT_EQ(1, kisol_cg_is_member(&self->cg, self->kid[0].pid));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS)); /* settles again */
	EXPECT_TRUE(cg_counter_still(c, 20));
}

/* Bad states are refused: v1 accepts only FROZEN/THAWED. */
TEST_F(frz, bad_state_refused)
{
	if (variant->version == 2) {
		EXPECT_EQ(-ERANGE, kisol_cg_write(&self->cg, "cgroup.freeze", "3"));
		return;
	}
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "freezer.state", "FREEZING"));
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "freezer.state", "bogus"));
	EXPECT_EQ(0, frozen(&self->cg));
}

/* SIGKILL on a frozen task: v2 kills it at once; v1 only once thawed. */
TEST_F(frz, sigkill_while_frozen)
{
	ASSERT_EQ(0, cg_spawn_park(&self->cg, &self->kid[0]));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_child_kill(&self->kid[0], SIGKILL));
	if (variant->version == 2) {
		EXPECT_EQ(0, kisol_child_wait(&self->kid[0], KISOL_TIMEOUT_MS, NULL));
	} else {
		EXPECT_EQ(-ETIMEDOUT, kisol_child_wait(&self->kid[0], 50, NULL));
		ASSERT_EQ(0, kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS));
		EXPECT_EQ(0, kisol_child_wait(&self->kid[0], KISOL_TIMEOUT_MS, NULL));
	}
	EXPECT_EQ(SIGKILL, cg_termsig(self->kid[0].status));
}

/* An empty cgroup freezes at once and thaws at once. */
TEST_F(frz, empty_cgroup)
{
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, true, KISOL_TIMEOUT_MS));
	EXPECT_EQ(1, frozen(&self->cg));
	ASSERT_EQ(0, kisol_cg_freeze(&self->cg, false, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, frozen(&self->cg));
}

KISOL_MAIN
