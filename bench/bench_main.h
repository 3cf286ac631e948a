/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol: command line and plumbing shared by the bench/ binaries (a header,
 * included once by each bench/<name>.c; the harness itself is lib/bench.c).
 *
 *   bench/<name> [--list] [--only NAME]... [--verify] [-p key=value]...
 *                [--samples N] [--min-samples N] [--budget-ms N]
 *                [--warmup N] [--batch N] [--cpu N] [--raw] [--out FILE]
 *
 * Each binary defines a table of benchmark families (struct bench_def).
 * A run writes one kisol-bench/1 JSON line per measurement; --verify runs
 * each selected benchmark's operation once with its checks and writes one
 * kisol-bench-verify/1 line with the evidence (used by the tests). A
 * benchmark that cannot run here writes a kisol-bench-skip/1 line with the
 * reason. Bad options: one line on stderr, exit 2.
 */
#ifndef KISOL_BENCH_MAIN_H
#define KISOL_BENCH_MAIN_H

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kisol/bench.h"

/*
 * Paths are built with snprintf into PATH_MAX buffers; a truncated path
 * makes the following syscall fail with an error, which is reported.
 */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "kisol/stats.h"
#include "kisol/timing.h"
#include "kisol/util.h"

struct bench;

struct bench_def {
	const char *name;   /* family, e.g. "clone" */
	const char *params; /* accepted -p keys, comma separated ("" none) */
	const char *help;
	int (*run)(struct bench *b);
	int (*verify)(struct bench *b);
};

struct bench_kv {
	char key[32];
	char val[128];
};

struct bench {
	const struct bench_def *def;
	struct kisol_bench_cfg cfg;
	struct bench_kv kv[KISOL_BENCH_MAX_PARAMS];
	int nkv;
	bool verify;
	FILE *out;
	struct kisol_host_facts facts;
	double overhead_ns;
	int bad_param; /* set when a -p value does not parse */
	char bad_msg[160];
};

/* ---- parameters ---- */

static const char *bp_raw(struct bench *b, const char *key)
{
	for (int i = 0; i < b->nkv; i++)
		if (!strcmp(b->kv[i].key, key))
			return b->kv[i].val;
	return NULL;
}

static __attribute__((unused)) const char *bp_str(struct bench *b, const char *key, const char *dflt)
{
	const char *v = bp_raw(b, key);

	return v ? v : dflt;
}

static __attribute__((unused)) int64_t bp_int(struct bench *b, const char *key, int64_t dflt)
{
	const char *v = bp_raw(b, key);
	char *end;
	long long x;

	if (!v)
		return dflt;
	errno = 0;
	x = strtoll(v, &end, 0);
	if (errno || end == v || *end) {
		b->bad_param = 1;
		snprintf(b->bad_msg, sizeof(b->bad_msg), "parameter %s=%s is not an integer", key, v);
		return dflt;
	}
	return x;
}

/* ---- output ---- */

static __attribute__((unused)) void bench_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A record with the harness configuration and every -p parameter in it. */
static __attribute__((unused)) void bench_rec(struct bench *b, struct kisol_bench_record *rec, const char *name)
{
	kisol_bench_record_init(rec, name);
	kisol_bench_param_cfg(rec, &b->cfg);
	rec->timing_overhead_ns = b->overhead_ns;
}

static __attribute__((unused)) int bench_write(struct bench *b, struct kisol_bench_record *rec, const double *v, size_t n)
{
	int r = kisol_stats_compute(v, n, &rec->stats);

	if (r < 0)
		return r;
	if (b->cfg.raw) {
		rec->raw = v;
		rec->nraw = n;
	}
	return kisol_bench_record_write(b->out, rec, &b->facts);
}

/* Measure op with the configured harness and write the record. */
static __attribute__((unused)) int bench_measure(struct bench *b, struct kisol_bench_record *rec,
			 kisol_bench_op_fn op, void *ctx)
{
	struct kisol_samples s = KISOL_SAMPLES_INIT;
	int r;

	if (b->bad_param)
		return -EINVAL;
	r = kisol_bench_measure(&b->cfg, op, ctx, &s);
	if (r >= 0)
		r = bench_write(b, rec, s.v, s.n);
	kisol_samples_free(&s);
	return r;
}

/* A benchmark that cannot run here: say why, machine-readably. */
static __attribute__((unused)) int bench_skip(struct bench *b, const char *name, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (b->bad_param)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fputs("{\"schema\":\"kisol-bench-skip/1\",\"benchmark\":", b->out);
	kisol_bench_json_str(b->out, name);
	fputs(",\"reason\":", b->out);
	kisol_bench_json_str(b->out, why);
	fputs("}\n", b->out);
	fflush(b->out);
	return 0;
}

/*
 * Verification output: bench_verify_begin(), then any number of
 * bench_ev_*() evidence fields, then bench_verify_end(ok).
 */
static int bench_ev_n;

static __attribute__((unused)) void bench_verify_begin(struct bench *b, const char *name)
{
	fputs("{\"schema\":\"kisol-bench-verify/1\",\"benchmark\":", b->out);
	kisol_bench_json_str(b->out, name);
	fputs(",\"params\":{", b->out);
	for (int i = 0; i < b->nkv; i++) {
		if (i)
			fputc(',', b->out);
		kisol_bench_json_str(b->out, b->kv[i].key);
		fputc(':', b->out);
		kisol_bench_json_str(b->out, b->kv[i].val);
	}
	fputs("},\"evidence\":{", b->out);
	bench_ev_n = 0;
}

static __attribute__((unused)) void bench_ev_int(struct bench *b, const char *k, int64_t v)
{
	fprintf(b->out, "%s\"%s\":%" PRId64, bench_ev_n++ ? "," : "", k, v);
}

static __attribute__((unused)) void bench_ev_str(struct bench *b, const char *k, const char *v)
{
	fprintf(b->out, "%s\"%s\":", bench_ev_n++ ? "," : "", k);
	kisol_bench_json_str(b->out, v);
}

static __attribute__((unused)) void bench_ev_bool(struct bench *b, const char *k, bool v)
{
	fprintf(b->out, "%s\"%s\":%s", bench_ev_n++ ? "," : "", k, v ? "true" : "false");
}

static __attribute__((unused)) int bench_verify_end(struct bench *b, bool ok)
{
	fprintf(b->out, "},\"ok\":%s}\n", ok ? "true" : "false");
	fflush(b->out);
	return ok ? 0 : -EPROTO;
}

/*
 * Run fn in a forked child (so namespace changes, pinning and mounts stay
 * out of the main process). Returns fn's result as the child's exit code:
 * 0, or a positive errno.
 */
static __attribute__((unused)) int bench_in_child(struct bench *b, int (*fn)(struct bench *b, void *arg), void *arg)
{
	int status;
	pid_t pid;

	if (b->bad_param)
		return -EINVAL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int r = fn(b, arg);

		fflush(NULL);
		_exit(r < 0 ? (-r & 0xff) : 0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status))
		return -WEXITSTATUS(status);
	return -EINTR;
}

/* ---- main ---- */

static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

static bool key_listed(const char *list, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == kl && !strncmp(p, key, l))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

static void usage(const char *prog, const struct bench_def *defs, size_t n)
{
	printf("usage: %s [--list] [--only NAME]... [--verify] [-p key=value]...\n"
	       "          [--samples N] [--min-samples N] [--budget-ms N] [--warmup N]\n"
	       "          [--batch N] [--cpu N] [--raw] [--out FILE]\n"
	       "Writes one kisol-bench/1 JSON line per measurement.\nbenchmarks:\n", prog);
	for (size_t i = 0; i < n; i++)
		printf("  %-22s params: %-28s %s\n", defs[i].name,
		       defs[i].params[0] ? defs[i].params : "-", defs[i].help);
}

static __attribute__((unused)) int bench_main(int argc, char **argv, const struct bench_def *defs, size_t ndefs)
{
	struct bench b = { .cfg = KISOL_BENCH_CFG_DEFAULT, .out = stdout };
	const char *only[32];
	int nonly = 0, failed = 0, ran = 0;
	uint64_t v;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t *dst = NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(argv[0], defs, ndefs);
			return 0;
		} else if (!strcmp(a, "--list")) {
			for (size_t d = 0; d < ndefs; d++)
				printf("%s\t%s\n", defs[d].name, defs[d].params);
			return 0;
		} else if (!strcmp(a, "--verify")) {
			b.verify = true;
			continue;
		} else if (!strcmp(a, "--raw")) {
			b.cfg.raw = true;
			continue;
		}
		if (!val) {
			bench_fail("%s: option %s needs a value (or is unknown)", argv[0], a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--only")) {
			if (nonly == (int)KISOL_ARRAY_SIZE(only)) {
				bench_fail("%s: too many --only", argv[0]);
				return 2;
			}
			only[nonly++] = val;
			continue;
		} else if (!strcmp(a, "-p")) {
			const char *eq = strchr(val, '=');

			if (!eq || eq == val || (size_t)(eq - val) >= sizeof(b.kv[0].key) ||
			    strlen(eq + 1) >= sizeof(b.kv[0].val) || b.nkv == KISOL_BENCH_MAX_PARAMS) {
				bench_fail("%s: bad parameter '%s' (want key=value)", argv[0], val);
				return 2;
			}
			snprintf(b.kv[b.nkv].key, sizeof(b.kv[0].key), "%.*s", (int)(eq - val), val);
			snprintf(b.kv[b.nkv].val, sizeof(b.kv[0].val), "%s", eq + 1);
			b.nkv++;
			continue;
		} else if (!strcmp(a, "--out")) {
			b.out = fopen(val, "a");
			if (!b.out) {
				bench_fail("%s: cannot open %s: %s", argv[0], val, strerror(errno));
				return 2;
			}
			continue;
		} else if (!strcmp(a, "--samples")) {
			dst = &b.cfg.max_samples;
		} else if (!strcmp(a, "--min-samples")) {
			dst = &b.cfg.min_samples;
		} else if (!strcmp(a, "--warmup")) {
			dst = &b.cfg.warmup;
		} else if (!strcmp(a, "--batch")) {
			dst = &b.cfg.batch;
		} else if (!strcmp(a, "--budget-ms") || !strcmp(a, "--cpu")) {
			if (parse_u64(val, &v) < 0 || v > 86400000) {
				bench_fail("%s: %s wants a non-negative integer, got '%s'", argv[0], a, val);
				return 2;
			}
			if (a[2] == 'b')
				b.cfg.budget_ns = v * 1000000ull;
			else
				b.cfg.cpu = (int)v;
			continue;
		} else {
			bench_fail("%s: unknown option %s (try --help)", argv[0], a);
			return 2;
		}
		if (parse_u64(val, dst) < 0) {
			bench_fail("%s: %s wants a non-negative integer, got '%s'", argv[0], a, val);
			return 2;
		}
	}
	if (b.cfg.min_samples > b.cfg.max_samples)
		b.cfg.min_samples = b.cfg.max_samples;
	if (kisol_bench_cfg_check(&b.cfg) < 0) {
		bench_fail("%s: bad harness settings (samples and batch must be >= 1)", argv[0]);
		return 2;
	}
	if (b.cfg.cpu >= 0 && kisol_timing_pin_cpu(b.cfg.cpu) < 0) {
		bench_fail("%s: cannot pin to CPU %d", argv[0], b.cfg.cpu);
		return 2;
	}
	for (int o = 0; o < nonly; o++) {
		bool any = false;

		for (size_t d = 0; d < ndefs; d++)
			any |= !fnmatch(only[o], defs[d].name, 0);
		if (!any) {
			bench_fail("%s: no benchmark matches '%s' (try --list)", argv[0], only[o]);
			return 2;
		}
	}
	kisol_bench_host_facts(&b.facts);
	kisol_timing_overhead_ns(10000, &b.overhead_ns);
	signal(SIGPIPE, SIG_IGN);

	for (size_t d = 0; d < ndefs; d++) {
		bool sel = nonly == 0;
		int r;

		for (int o = 0; o < nonly; o++)
			sel |= !fnmatch(only[o], defs[d].name, 0);
		if (!sel)
			continue;
		for (int k = 0; k < b.nkv; k++)
			if (!key_listed(defs[d].params, b.kv[k].key)) {
				bench_fail("%s: benchmark %s has no parameter '%s' (has: %s)", argv[0],
					   defs[d].name, b.kv[k].key,
					   defs[d].params[0] ? defs[d].params : "none");
				return 2;
			}
		b.def = &defs[d];
		b.bad_param = 0;
		if (b.verify && !defs[d].verify)
			continue;
		r = b.verify ? defs[d].verify(&b) : defs[d].run(&b);
		if (b.bad_param) {
			bench_fail("%s: %s", argv[0], b.bad_msg);
			return 2;
		}
		if (r == -EINVAL && b.bad_msg[0]) {
			bench_fail("%s: %s", argv[0], b.bad_msg);
			return 2;
		}
		ran++;
		if (r < 0) {
			bench_fail("%s: %s failed: %s", argv[0], defs[d].name, strerror(-r));
			failed++;
		}
	}
	if (b.out != stdout)
		fclose(b.out);
	return failed ? 1 : 0;
}

/* Set by a run function for a parameter whose value is not acceptable. */
static __attribute__((unused)) int bench_bad(struct bench *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->bad_msg, sizeof(b->bad_msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

#define BENCH_MAIN(defs)                                                        \
	int main(int argc, char **argv)                                        \
	{                                                                      \
		return bench_main(argc, argv, defs, KISOL_ARRAY_SIZE(defs));   \
	}

#endif
