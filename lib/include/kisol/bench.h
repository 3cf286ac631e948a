/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol: the benchmark harness shared by every bench/ binary.
 *
 * kisol_bench_measure() runs warm-up iterations, then timed samples until
 * max_samples are taken or the time budget is spent (after at least
 * min_samples). Each sample is timed with CLOCK_MONOTONIC in ns around
 * `batch` calls of the operation, unless the operation reports its own
 * duration (for operations that need untimed setup or teardown around the
 * timed part). Records are self-describing JSON lines (kisol-bench/1, see
 * scripts/FORMATS.md) written to a caller-provided stream.
 */
#ifndef KISOL_BENCH_H
#define KISOL_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kisol/stats.h"

struct kisol_bench_cfg {
	uint64_t max_samples; /* stop after this many samples */
	uint64_t min_samples; /* never stop on the budget before this many */
	uint64_t budget_ns;   /* time budget for the samples (0: none) */
	uint64_t warmup;      /* untimed iterations first */
	uint64_t batch;       /* operations per harness-timed sample (>= 1) */
	int cpu;              /* pin the calling thread to this CPU; -1: no */
	bool raw;             /* keep raw samples in the record */
};

#define KISOL_BENCH_CFG_DEFAULT                                              \
	{ .max_samples = 1000, .min_samples = 20, .budget_ns = 1000000000ull, \
	  .warmup = 10, .batch = 1, .cpu = -1, .raw = false }

/*
 * One operation. Returns 0 or -errno (stops the measurement). It may set
 * *ret_ns (pre-set to -1) to the duration it timed itself; otherwise the
 * harness's own timing of the call is used (divided by batch).
 */
typedef int (*kisol_bench_op_fn)(void *ctx, double *ret_ns);

/* Validate a configuration: -EINVAL for batch 0, max < min, and so on. */
int kisol_bench_cfg_check(const struct kisol_bench_cfg *cfg);

/*
 * Run the measurement; samples are appended to *ret (in ns per operation).
 * Returns the number of samples, or the op's error. Pins to cfg->cpu
 * first when it is >= 0 (and leaves the thread pinned).
 */
int kisol_bench_measure(const struct kisol_bench_cfg *cfg, kisol_bench_op_fn op,
			void *ctx, struct kisol_samples *ret);

/* Facts of the machine that every record carries. */
struct kisol_host_facts {
	char kernel[65];
	char host[65];
	char cpu_model[128];
	char cgroup_layout[8]; /* "v1", "v2" or "hybrid" */
};

int kisol_bench_host_facts(struct kisol_host_facts *ret);

#define KISOL_BENCH_MAX_PARAMS 32

struct kisol_bench_param {
	char key[32];
	char val[128];
	bool numeric; /* emitted as a JSON number */
};

struct kisol_bench_record {
	char benchmark[96];
	const char *unit;   /* "ns" when NULL */
	const char *floor;  /* floor benchmark name or NULL */
	const char *better; /* "lower" (NULL) or "higher" */
	struct kisol_bench_param params[KISOL_BENCH_MAX_PARAMS];
	size_t nparams;
	struct kisol_stats stats;
	const double *raw; /* optional raw samples */
	size_t nraw;
	double timing_overhead_ns; /* < 0: unknown (not written) */
};

/* Start a record: name set, no params, stats zero. -EINVAL on bad name. */
int kisol_bench_record_init(struct kisol_bench_record *rec, const char *benchmark);
/* Add or replace a parameter. -E2BIG when full, -EINVAL on a bad key. */
int kisol_bench_param_int(struct kisol_bench_record *rec, const char *key, int64_t v);
int kisol_bench_param_double(struct kisol_bench_record *rec, const char *key, double v);
int kisol_bench_param_str(struct kisol_bench_record *rec, const char *key, const char *v);
/* Parameters of the harness configuration (warmup, batch, cpu, ...). */
int kisol_bench_param_cfg(struct kisol_bench_record *rec, const struct kisol_bench_cfg *cfg);

/*
 * Write one JSON line: the record plus host facts and a UTC timestamp.
 * facts may be NULL (gathered on the fly).
 */
int kisol_bench_record_write(FILE *f, const struct kisol_bench_record *rec,
			     const struct kisol_host_facts *facts);

/* Write s as a JSON string literal (with quotes). */
int kisol_bench_json_str(FILE *f, const char *s);

#endif
