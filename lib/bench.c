// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kisol/bench.h"
#include "kisol/timing.h"
#include "kisol/util.h"

int kisol_bench_cfg_check(const struct kisol_bench_cfg *cfg)
{
	if (!cfg)
		return -EINVAL;
	if (cfg->batch == 0 || cfg->max_samples == 0 || cfg->min_samples == 0 ||
	    cfg->min_samples > cfg->max_samples || cfg->cpu < -1)
		return -EINVAL;
	return 0;
}

static int run_once(const struct kisol_bench_cfg *cfg, kisol_bench_op_fn op,
		    void *ctx, double *ret_ns)
{
	double self_ns, self_sum = 0;
	bool self_timed = false;
	uint64_t t0, t1;
	int r = 0;

	t0 = kisol_now_ns();
	for (uint64_t i = 0; i < cfg->batch && r == 0; i++) {
		self_ns = -1;
		r = op(ctx, &self_ns);
		if (self_ns >= 0) {
			self_timed = true;
			self_sum += self_ns;
		}
	}
	t1 = kisol_now_ns();
	if (r < 0)
		return r;
	/* An op that times itself does so on every call. */
	*ret_ns = (self_timed ? self_sum : (double)(t1 - t0)) / (double)cfg->batch;
	return 0;
}

int kisol_bench_measure(const struct kisol_bench_cfg *cfg, kisol_bench_op_fn op,
			void *ctx, struct kisol_samples *ret)
{
	uint64_t start, n = 0;
	double ns;
	int r;

	if (!op || !ret)
		return -EINVAL;
	r = kisol_bench_cfg_check(cfg);
	if (r < 0)
		return r;
	if (cfg->cpu >= 0) {
		r = kisol_timing_pin_cpu(cfg->cpu);
		if (r < 0)
			return r;
	}
	r = kisol_samples_reserve(ret, ret->n + (size_t)(cfg->max_samples < 100000 ?
							  cfg->max_samples : 100000));
	if (r < 0)
		return r;
	for (uint64_t i = 0; i < cfg->warmup; i++) {
		r = run_once(cfg, op, ctx, &ns);
		if (r < 0)
			return r;
	}
	start = kisol_now_ns();
	while (n < cfg->max_samples) {
		r = run_once(cfg, op, ctx, &ns);
		if (r < 0)
			return r;
		r = kisol_samples_add(ret, ns);
		if (r < 0)
			return r;
		n++;
		if (cfg->budget_ns && n >= cfg->min_samples &&
		    kisol_now_ns() - start >= cfg->budget_ns)
			break;
	}
	return (int)(n > INT32_MAX ? INT32_MAX : n);
}

static void cpu_model(char *buf, size_t size)
{
	char text[16384];
	const char *p, *e;

	snprintf(buf, size, "unknown");
	if (kisol_read_file("/proc/cpuinfo", text, sizeof(text)) < 0)
		return;
	p = strstr(text, "model name");
	if (!p)
		return;
	p = strchr(p, ':');
	if (!p)
		return;
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	e = strchr(p, '\n');
	snprintf(buf, size, "%.*s", (int)(e ? e - p : (ptrdiff_t)strlen(p)), p);
}

static bool is_cgroup2(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

int kisol_bench_host_facts(struct kisol_host_facts *ret)
{
	struct kisol_host_facts f = { 0 };
	struct utsname u;

	if (!ret)
		return -EINVAL;
	if (uname(&u) < 0)
		return kisol_negerrno();
	snprintf(f.kernel, sizeof(f.kernel), "%s", u.release);
	snprintf(f.host, sizeof(f.host), "%s", u.nodename);
	cpu_model(f.cpu_model, sizeof(f.cpu_model));
	if (is_cgroup2("/sys/fs/cgroup"))
		snprintf(f.cgroup_layout, sizeof(f.cgroup_layout), "v2");
	else if (is_cgroup2("/sys/fs/cgroup/unified"))
		snprintf(f.cgroup_layout, sizeof(f.cgroup_layout), "hybrid");
	else
		snprintf(f.cgroup_layout, sizeof(f.cgroup_layout), "v1");
	*ret = f;
	return 0;
}

int kisol_bench_record_init(struct kisol_bench_record *rec, const char *benchmark)
{
	if (!rec || !benchmark || !*benchmark || strlen(benchmark) >= sizeof(rec->benchmark))
		return -EINVAL;
	memset(rec, 0, sizeof(*rec));
	snprintf(rec->benchmark, sizeof(rec->benchmark), "%s", benchmark);
	rec->timing_overhead_ns = -1;
	return 0;
}

static bool key_ok(const char *key)
{
	if (!key || !*key || strlen(key) >= sizeof(((struct kisol_bench_param *)0)->key))
		return false;
	for (const char *p = key; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

static struct kisol_bench_param *param_slot(struct kisol_bench_record *rec, const char *key)
{
	for (size_t i = 0; i < rec->nparams; i++)
		if (!strcmp(rec->params[i].key, key))
			return &rec->params[i];
	if (rec->nparams == KISOL_BENCH_MAX_PARAMS)
		return NULL;
	return &rec->params[rec->nparams++];
}

static int param_set(struct kisol_bench_record *rec, const char *key, const char *val,
		     bool numeric)
{
	struct kisol_bench_param *p;

	if (!rec || !key_ok(key) || !val || strlen(val) >= sizeof(p->val))
		return -EINVAL;
	p = param_slot(rec, key);
	if (!p)
		return -E2BIG;
	snprintf(p->key, sizeof(p->key), "%s", key);
	snprintf(p->val, sizeof(p->val), "%s", val);
	p->numeric = numeric;
	return 0;
}

int kisol_bench_param_int(struct kisol_bench_record *rec, const char *key, int64_t v)
{
	char b[32];

	snprintf(b, sizeof(b), "%" PRId64, v);
	return param_set(rec, key, b, true);
}

int kisol_bench_param_double(struct kisol_bench_record *rec, const char *key, double v)
{
	char b[64];

	if (!isfinite(v))
		return -EINVAL;
	snprintf(b, sizeof(b), "%.6g", v);
	return param_set(rec, key, b, true);
}

int kisol_bench_param_str(struct kisol_bench_record *rec, const char *key, const char *v)
{
	return param_set(rec, key, v, false);
}

int kisol_bench_param_cfg(struct kisol_bench_record *rec, const struct kisol_bench_cfg *cfg)
{
	int r;

	if (!cfg)
		return -EINVAL;
	if ((r = kisol_bench_param_int(rec, "warmup", (int64_t)cfg->warmup)) < 0 ||
	    (r = kisol_bench_param_int(rec, "batch", (int64_t)cfg->batch)) < 0 ||
	    (r = kisol_bench_param_int(rec, "max_samples", (int64_t)cfg->max_samples)) < 0 ||
	    (r = kisol_bench_param_int(rec, "min_samples", (int64_t)cfg->min_samples)) < 0 ||
	    (r = kisol_bench_param_double(rec, "budget_ms", (double)cfg->budget_ns / 1e6)) < 0 ||
	    (r = kisol_bench_param_int(rec, "cpu", cfg->cpu)) < 0)
		return r;
	return 0;
}

int kisol_bench_json_str(FILE *f, const char *s)
{
	if (!f || !s)
		return -EINVAL;
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
	return 0;
}

static void json_num(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("null", f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.3f", v);
}

static void kv_str(FILE *f, const char *k, const char *v)
{
	fprintf(f, ",\"%s\":", k);
	if (v)
		kisol_bench_json_str(f, v);
	else
		fputs("null", f);
}

static void kv_num(FILE *f, const char *k, double v)
{
	fprintf(f, ",\"%s\":", k);
	json_num(f, v);
}

int kisol_bench_record_write(FILE *f, const struct kisol_bench_record *rec,
			     const struct kisol_host_facts *facts)
{
	struct kisol_host_facts own;
	const struct kisol_stats *s;
	char ts[32];
	struct timespec now;
	struct tm tm;
	int r;

	if (!f || !rec || !rec->benchmark[0] || rec->stats.n == 0)
		return -EINVAL;
	if (!facts) {
		r = kisol_bench_host_facts(&own);
		if (r < 0)
			return r;
		facts = &own;
	}
	s = &rec->stats;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);

	fputs("{\"schema\":\"kisol-bench/1\"", f);
	kv_str(f, "benchmark", rec->benchmark);
	fputs(",\"params\":{", f);
	for (size_t i = 0; i < rec->nparams; i++) {
		if (i)
			fputc(',', f);
		kisol_bench_json_str(f, rec->params[i].key);
		fputc(':', f);
		if (rec->params[i].numeric)
			fputs(rec->params[i].val, f);
		else
			kisol_bench_json_str(f, rec->params[i].val);
	}
	fputc('}', f);
	kv_str(f, "unit", rec->unit ? rec->unit : "ns");
	kv_str(f, "better", rec->better ? rec->better : "lower");
	fprintf(f, ",\"samples\":%zu", s->n);
	kv_num(f, "min", s->min);
	kv_num(f, "median", s->median);
	kv_num(f, "mean", s->mean);
	kv_num(f, "p90", s->p90);
	kv_num(f, "p99", s->p99);
	kv_num(f, "max", s->max);
	kv_num(f, "stddev", s->stddev);
	fputs(",\"ci95_median\":[", f);
	json_num(f, s->ci_lo);
	fputc(',', f);
	json_num(f, s->ci_hi);
	fputc(']', f);
	kv_str(f, "floor", rec->floor);
	if (rec->timing_overhead_ns >= 0)
		kv_num(f, "timing_overhead_ns", rec->timing_overhead_ns);
	kv_str(f, "kernel", facts->kernel);
	kv_str(f, "host", facts->host);
	kv_str(f, "cpu_model", facts->cpu_model);
	kv_str(f, "cgroup_layout", facts->cgroup_layout);
	kv_str(f, "timestamp", ts);
	if (rec->raw && rec->nraw) {
		fputs(",\"raw\":[", f);
		for (size_t i = 0; i < rec->nraw; i++) {
			if (i)
				fputc(',', f);
			json_num(f, rec->raw[i]);
		}
		fputc(']', f);
	}
	fputs("}\n", f);
	fflush(f);
	return ferror(f) ? -EIO : 0;
}
