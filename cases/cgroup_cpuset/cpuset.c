// SPDX-License-Identifier: GPL-2.0-only
/*
 * cpuset controller, v1 and v2: cpus restrict sched_getaffinity (also live,
 * on change), setaffinity outside the set is refused, effective sets,
 * mems, v1's strict subset rule vs v2's intersection, empty sets,
 * partitions (v2).
 */
#include <sys/sysinfo.h>

#include "kisol_test.h"
#include "lib_cgroup/cgcase.h"
#include "cgroup_cpuset/cpucase.h"

CG_FIXTURE(cs, KISOL_CG_CPUSET)
/* Tests of properties cgroup v1 does not have: a v2 variant only. */
CG_FIXTURE_V2(cs_v2, KISOL_CG_CPUSET)
/* Tests of interfaces cgroup v2 does not have: a v1 variant only. */
CG_FIXTURE_V1(cs_v1, KISOL_CG_CPUSET)

static const char *F(int version, const char *v1, const char *v2)
{
	return version == 1 ? v1 : v2;
}


/* Child: report its affinity mask (bits of CPUs 0..63), then on request try setaffinity to CPU arg. */
static int affinity_probe(int sock, void *arg)
{
	cpu_set_t s;
	int64_t v, mask;

	kisol_send_int(sock, getpid());
	for (;;) {
		if (kisol_recv_int(sock, &v, -1) < 0)
			return 0;
		if (v < 0) {
			/* -1-cpu: try to move to that cpu, report 0 or -errno */
			CPU_ZERO(&s);
			CPU_SET((int)(-1 - v), &s);
			kisol_send_int(sock, sched_setaffinity(0, sizeof(s), &s) ? -errno : 0);
			continue;
		}
		mask = own_cpu_mask();
		if (mask < 0)
			return 100;
		kisol_send_int(sock, mask);
	}
}

static int64_t ask_move(struct kisol_child *k, int cpu)
{
	int64_t r = -EIO;

	if (kisol_send_int(k->sock, -1 - cpu) < 0 || kisol_recv_int(k->sock, &r, KISOL_TIMEOUT_MS) < 0)
		return -EIO;
	return r;
}

static int read_list(const struct kisol_cg *cg, const char *f, char *buf, size_t n)
{
	int r = kisol_cg_read(cg, f, buf, n);

	if (r >= 0)
		kisol_chomp(buf);
	return r;
}

/* cpus "0": a member's affinity is exactly CPU 0. */
TEST_F(cs, cpus_restrict_affinity)
{
	NEED_CPUS(2);
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cpuset.cpus", "0"));
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, affinity_probe, NULL, &self->kid[0]));
	EXPECT_EQ(1, ask_mask(&self->kid[0]));
}

/* Changing cpus updates a running member's affinity. */
TEST_F(cs, cpus_change_is_live)
{
	NEED_CPUS(2);
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, affinity_probe, NULL, &self->kid[0]));
	EXPECT_EQ(3, ask_mask(&self->kid[0]) & 3);
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cpuset.cpus", "1"));
	EXPECT_EQ(2, ask_mask(&self->kid[0]));
}

/* A member cannot set its affinity outside the cpuset (EINVAL) but can inside. */
TEST_F(cs, setaffinity_outside_refused)
{
	NEED_CPUS(2);
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cpuset.cpus", "0"));
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, affinity_probe, NULL, &self->kid[0]));
	EXPECT_EQ(-EINVAL, ask_move(&self->kid[0], 1));
	EXPECT_EQ(0, ask_move(&self->kid[0], 0));
	EXPECT_EQ(1, ask_mask(&self->kid[0]));
}

/* The effective set follows the configured one. */
TEST_F(cs, effective_cpus)
{
	char buf[64];

	NEED_CPUS(2);
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cpuset.cpus", "1"));
	ASSERT_LE(0, read_list(&self->cg, F(variant->version, "cpuset.effective_cpus",
					    "cpuset.cpus.effective"), buf, sizeof(buf)));
	EXPECT_STREQ("1", buf);
}

/* mems: node 0 can be set and is effective; a node that does not exist is refused. */
TEST_F(cs, mems)
{
	char buf[64];

	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cpuset.mems", "0"));
	ASSERT_LE(0, read_list(&self->cg, F(variant->version, "cpuset.effective_mems",
					    "cpuset.mems.effective"), buf, sizeof(buf)));
	EXPECT_STREQ("0", buf);
	EXPECT_GT(0, kisol_cg_write(&self->cg, "cpuset.mems", "1000"));
}

/* A CPU number beyond the machine is refused. */
TEST_F(cs, bad_cpu_refused)
{
	int r = kisol_cg_write(&self->cg, "cpuset.cpus", "4095");

	EXPECT_TRUE(r == -EINVAL || r == -ERANGE) TH_LOG("%s", strerror(-r));
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "cpuset.cpus", "zero"));
}

/* v1: a child's cpus must be a subset of the parent's (EACCES); v2: allowed, effective is clipped. */
TEST_F(cs, child_outside_parent)
{
	_cleanup_cg_ struct kisol_cg sub = KISOL_CG_INIT;
	char buf[64];
	int r;

	NEED_CPUS(2);
	if (variant->version == 2)
		ASSERT_EQ(0, kisol_cg_enable(&self->cg, KISOL_CG_CPUSET));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	ASSERT_EQ(0, kisol_cg_write(&sub, "cpuset.cpus", "0"));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cpuset.cpus", "0"));
	r = kisol_cg_write(&sub, "cpuset.cpus", "1");
	if (variant->version == 1) {
		EXPECT_EQ(-EACCES, r); /* validate_change: not a subset of the parent */
	} else {
		EXPECT_EQ(0, r);
		ASSERT_LE(0, read_list(&sub, "cpuset.cpus.effective", buf, sizeof(buf)));
		EXPECT_STREQ("0", buf);
	}
}

/* v1: a cgroup with no cpus takes no task (ENOSPC); v2: empty means "inherit". */
TEST_F(cs, empty_cpus)
{
	char path[KISOL_CG_PATH + 16];
	_cleanup_cg_ struct kisol_cg sub = KISOL_CG_INIT, other = KISOL_CG_INIT;
	int r;

	snprintf(path, sizeof(path), "%s/empty", self->cg.path);
	if (variant->version == 2)
		ASSERT_EQ(0, kisol_cg_enable(&self->cg, KISOL_CG_CPUSET));
	ASSERT_EQ(0, mkdir(path, 0755)); /* raw mkdir: cpus/mems not copied */
	ASSERT_EQ(0, kisol_cg_open(path, variant->version, &sub));
	sub.owned = true;
	ASSERT_EQ(0, kisol_cg_create(KISOL_CG_CPUSET, variant->version, &other));
	ASSERT_EQ(0, cg_spawn_park(&other, &self->kid[0]));
	r = kisol_cg_attach(&sub, self->kid[0].pid);
	EXPECT_EQ(variant->version == 1 ? -ENOSPC : 0, r) TH_LOG("%s", strerror(-r));
}

/* v1 cpu_exclusive needs an exclusive parent (EACCES below a non-exclusive cpuset). */
TEST_F(cs_v1, v1_exclusive_needs_exclusive_parent)
{
	_cleanup_cg_ struct kisol_cg sub = KISOL_CG_INIT;
	int64_t v;

	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "cpuset.cpu_exclusive", &v));
	if (v)
		SKIP(return, "test cgroup is already exclusive");
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "sub", &sub));
	EXPECT_EQ(-EACCES, kisol_cg_write(&sub, "cpuset.cpu_exclusive", "1"));
}

/* v2 partitions: member by default, bad values EINVAL, "root" is taken (valid or invalid) and undone. */
TEST_F(cs_v2, v2_partition)
{
	char buf[128];

	NEED_CG_FILE(&self->cg, "cpuset.cpus.partition");
	NEED_CPUS(2);
	ASSERT_LE(0, read_list(&self->cg, "cpuset.cpus.partition", buf, sizeof(buf)));
	EXPECT_STREQ("member", buf);
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "cpuset.cpus.partition", "bogus"));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cpuset.cpus", "1"));
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cpuset.cpus.partition", "root"));
	ASSERT_LE(0, read_list(&self->cg, "cpuset.cpus.partition", buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, "root", 4)) TH_LOG("%s", buf);
	ASSERT_EQ(0, kisol_cg_write(&self->cg, "cpuset.cpus.partition", "member"));
}

KISOL_MAIN
