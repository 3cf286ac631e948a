// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/timing.c and lib/bench.c: the monotonic clock, pinning, the
 * measurement loop (warm-up, count, time budget, batch, self-timed ops,
 * error propagation) and the JSON record, checked structurally. Nothing
 * here asserts how fast anything is.
 */
#include <math.h>
#include <sched.h>

#include "kisol_test.h"
#include "kisol/bench.h"
#include "kisol/stats.h"
#include "kisol/timing.h"

TEST(clock_is_monotonic)
{
	uint64_t prev = kisol_now_ns(), res;

	for (int i = 0; i < 10000; i++) {
		uint64_t now = kisol_now_ns();

		ASSERT_GE(now, prev);
		prev = now;
	}
	ASSERT_EQ(0, kisol_timing_resolution_ns(&res));
	ASSERT_GE(res, (uint64_t)1);
	ASSERT_EQ(-EINVAL, kisol_timing_resolution_ns(NULL));
}

TEST(overhead_is_measured)
{
	double ns = -1;

	ASSERT_EQ(0, kisol_timing_overhead_ns(1000, &ns));
	ASSERT_GE(ns, 0);
	ASSERT_EQ(-EINVAL, kisol_timing_overhead_ns(0, &ns));
	ASSERT_EQ(-EINVAL, kisol_timing_overhead_ns(10, NULL));
}

TEST(pin_to_allowed_cpu)
{
	cpu_set_t set;
	int cpu = -1;

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (int i = 0; i < CPU_SETSIZE && cpu < 0; i++)
		if (CPU_ISSET(i, &set))
			cpu = i;
	ASSERT_GE(kisol_timing_ncpus(), 1);
	ASSERT_EQ(0, kisol_timing_pin_cpu(cpu));
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	ASSERT_EQ(1, CPU_COUNT(&set));
	ASSERT_TRUE(CPU_ISSET(cpu, &set));
	ASSERT_EQ(-EINVAL, kisol_timing_pin_cpu(-1));
	ASSERT_EQ(-EINVAL, kisol_timing_pin_cpu(CPU_SETSIZE));
}

struct counter {
	uint64_t calls;
	int fail_at;
	double self;
};

static int op_count(void *ctx, double *ret_ns)
{
	struct counter *c = ctx;

	c->calls++;
	if (c->fail_at && c->calls == (uint64_t)c->fail_at)
		return -EXDEV;
	if (c->self >= 0)
		*ret_ns = c->self;
	return 0;
}

TEST(count_warmup_and_batch)
{
	struct kisol_bench_cfg cfg = KISOL_BENCH_CFG_DEFAULT;
	struct kisol_samples s = KISOL_SAMPLES_INIT;
	struct counter c = { .self = -1 };

	cfg.max_samples = 100;
	cfg.min_samples = 10;
	cfg.budget_ns = 0;
	cfg.warmup = 7;
	cfg.batch = 3;
	ASSERT_EQ(100, kisol_bench_measure(&cfg, op_count, &c, &s));
	ASSERT_EQ((size_t)100, s.n);
	ASSERT_EQ((uint64_t)(7 + 100) * 3, c.calls);
	kisol_samples_free(&s);
}

TEST(self_timed_op_is_used)
{
	struct kisol_bench_cfg cfg = KISOL_BENCH_CFG_DEFAULT;
	struct kisol_samples s = KISOL_SAMPLES_INIT;
	struct counter c = { .self = 1234 };

	cfg.max_samples = 20;
	cfg.batch = 4;
	ASSERT_EQ(20, kisol_bench_measure(&cfg, op_count, &c, &s));
	for (size_t i = 0; i < s.n; i++)
		ASSERT_EQ(1234, s.v[i]); /* per op: sum over the batch / batch */
	kisol_samples_free(&s);
}

TEST(budget_stops_after_min_samples)
{
	struct kisol_bench_cfg cfg = KISOL_BENCH_CFG_DEFAULT;
	struct kisol_samples s = KISOL_SAMPLES_INIT;
	struct counter c = { .self = -1 };
	int n;

	cfg.max_samples = 1000000000;
	cfg.min_samples = 50;
	cfg.budget_ns = 1; /* spent at once: stop at min_samples */
	n = kisol_bench_measure(&cfg, op_count, &c, &s);
	ASSERT_EQ(50, n);
	kisol_samples_free(&s);
}

TEST(op_error_stops_and_propagates)
{
	struct kisol_bench_cfg cfg = KISOL_BENCH_CFG_DEFAULT;
	struct kisol_samples s = KISOL_SAMPLES_INIT;
	struct counter c = { .self = -1, .fail_at = 15 };

	cfg.warmup = 10;
	ASSERT_EQ(-EXDEV, kisol_bench_measure(&cfg, op_count, &c, &s));
	ASSERT_EQ((uint64_t)15, c.calls);
	kisol_samples_free(&s);
}

TEST(bad_config_is_einval)
{
	struct kisol_bench_cfg cfg = KISOL_BENCH_CFG_DEFAULT;
	struct kisol_samples s = KISOL_SAMPLES_INIT;
	struct counter c = { .self = -1 };

	cfg.batch = 0;
	ASSERT_EQ(-EINVAL, kisol_bench_measure(&cfg, op_count, &c, &s));
	cfg = (struct kisol_bench_cfg)KISOL_BENCH_CFG_DEFAULT;
	cfg.min_samples = 10, cfg.max_samples = 5;
	ASSERT_EQ(-EINVAL, kisol_bench_cfg_check(&cfg));
	ASSERT_EQ(-EINVAL, kisol_bench_cfg_check(NULL));
	cfg = (struct kisol_bench_cfg)KISOL_BENCH_CFG_DEFAULT;
	ASSERT_EQ(-EINVAL, kisol_bench_measure(&cfg, NULL, &c, &s));
	ASSERT_EQ((uint64_t)0, c.calls);
}

static bool has(const char *text, const char *needle)
{
	return strstr(text, needle) != NULL;
}

TEST(record_is_self_describing_json)
{
	struct kisol_bench_cfg cfg = KISOL_BENCH_CFG_DEFAULT;
	struct kisol_bench_record rec;
	struct kisol_host_facts f;
	double raw[] = { 3, 1, 2 };
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	ASSERT_EQ(0, kisol_bench_host_facts(&f));
	ASSERT_NE(0, f.kernel[0]);
	ASSERT_TRUE(!strcmp(f.cgroup_layout, "v1") || !strcmp(f.cgroup_layout, "v2") ||
		    !strcmp(f.cgroup_layout, "hybrid"));
	ASSERT_EQ(0, kisol_bench_record_init(&rec, "clone.newnet"));
	ASSERT_EQ(0, kisol_bench_param_cfg(&rec, &cfg));
	ASSERT_EQ(0, kisol_bench_param_str(&rec, "ns", "net \"quoted\""));
	ASSERT_EQ(0, kisol_bench_param_int(&rec, "user", 1));
	ASSERT_EQ(0, kisol_bench_param_int(&rec, "user", 0)); /* replaces */
	ASSERT_EQ(0, kisol_stats_compute(raw, 3, &rec.stats));
	rec.floor = "floor.fork_exit_wait";
	rec.raw = raw;
	rec.nraw = 3;
	m = open_memstream(&buf, &len);
	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, kisol_bench_record_write(m, &rec, &f));
	fclose(m);
	ASSERT_TRUE(has(buf, "{\"schema\":\"kisol-bench/1\",\"benchmark\":\"clone.newnet\""));
	ASSERT_TRUE(has(buf, "\"ns\":\"net \\\"quoted\\\"\""));
	ASSERT_TRUE(has(buf, "\"user\":0"));
	ASSERT_FALSE(has(buf, "\"user\":1"));
	ASSERT_TRUE(has(buf, "\"warmup\":10"));
	ASSERT_TRUE(has(buf, "\"samples\":3"));
	ASSERT_TRUE(has(buf, "\"median\":2"));
	ASSERT_TRUE(has(buf, "\"ci95_median\":[1,3]"));
	ASSERT_TRUE(has(buf, "\"floor\":\"floor.fork_exit_wait\""));
	ASSERT_TRUE(has(buf, "\"raw\":[3,1,2]"));
	ASSERT_TRUE(has(buf, "\"kernel\":"));
	ASSERT_TRUE(has(buf, "\"cpu_model\":"));
	ASSERT_TRUE(has(buf, "\"cgroup_layout\":"));
	ASSERT_TRUE(has(buf, "\"timestamp\":\"20"));
	ASSERT_EQ('\n', buf[len - 1]);
	ASSERT_EQ(NULL, memchr(buf, '\n', len - 1)); /* one line */
	free(buf);
}

TEST(record_error_paths)
{
	struct kisol_bench_record rec;
	char longname[200];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ASSERT_EQ(-EINVAL, kisol_bench_record_init(&rec, ""));
	ASSERT_EQ(-EINVAL, kisol_bench_record_init(&rec, longname));
	ASSERT_EQ(-EINVAL, kisol_bench_record_init(NULL, "x.y"));
	ASSERT_EQ(0, kisol_bench_record_init(&rec, "x.y"));
	ASSERT_EQ(-EINVAL, kisol_bench_param_int(&rec, "bad key", 1));
	ASSERT_EQ(-EINVAL, kisol_bench_param_str(&rec, "", "v"));
	ASSERT_EQ(-EINVAL, kisol_bench_param_double(&rec, "d", NAN));
	for (int i = 0; i < KISOL_BENCH_MAX_PARAMS; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%d", i);
		ASSERT_EQ(0, kisol_bench_param_int(&rec, k, i));
	}
	ASSERT_EQ(-E2BIG, kisol_bench_param_int(&rec, "onemore", 1));
	/* no samples: nothing to write */
	ASSERT_EQ(-EINVAL, kisol_bench_record_write(stdout, &rec, NULL));
	ASSERT_EQ(-EINVAL, kisol_bench_json_str(NULL, "x"));
}

KISOL_MAIN
