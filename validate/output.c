// SPDX-License-Identifier: GPL-2.0-only
/* Output: a table for people, JSON (kisol-validate/1, scripts/FORMATS.md) for tools. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kisol/bench.h"
#include "vl.h"

const char *vl_cfg_name(enum vl_cfg c)
{
	static const char *n[] = { "n/a", "yes", "module", "no", "unknown" };

	return n[c];
}

const char *vl_ans_name(enum vl_ans a, bool works)
{
	return a == VL_YES ? "yes" : a == VL_NO ? "no" : works ? "untested" : "unknown";
}

static const char *col(const struct vl_ctx *ctx, const char *code)
{
	return ctx->opts.color ? code : "";
}

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define OFF "\033[0m"

static const char *ans_col(const struct vl_ctx *ctx, enum vl_ans a)
{
	return col(ctx, a == VL_YES ? GREEN : a == VL_NO ? RED : YELLOW);
}

static const char *verdict_col(const struct vl_ctx *ctx, enum vl_verdict v)
{
	return col(ctx, v == VL_READY ? GREEN : v == VL_DEGRADED ? YELLOW : RED);
}

static void header(FILE *f, const struct vl_ctx *ctx)
{
	struct utsname u;

	uname(&u);
	fprintf(f, "%skisol-validate%s  host %s  kernel %s\n", col(ctx, BOLD), col(ctx, OFF), u.nodename,
		u.release);
	fprintf(f, "user %s (uid %u%s)  storage %s (%s)  kernel config %s\n", ctx->pol.user,
		(unsigned)ctx->pol.euid, ctx->pol.in_userns ? ", inside a user namespace" : "",
		ctx->storage, ctx->storage_fs, ctx->kc.loaded ? ctx->kc.source : "not found");
	if (ctx->pol.seccomp_mode > 0)
		fprintf(f, "seccomp mode %d with %d filter(s) on this process\n", ctx->pol.seccomp_mode,
			ctx->pol.seccomp_filters);
}

static void issue(FILE *f, const char *kind, const struct vl_issue *i)
{
	fprintf(f, "      %s %s: %s\n", kind, i->feature, i->why);
	if (i->fix)
		fprintf(f, "          fix: %s\n", i->fix);
}

void vl_print_human(FILE *f, const struct vl_ctx *ctx, const struct vl_result *res, int nres,
		    const struct vl_sec *sec, int nsec)
{
	header(f, ctx);
	fprintf(f, "\n%-22s %-10s %-9s %-8s %s\n", "FEATURE", "CONFIGURED", "PERMITTED", "WORKS", "DETAIL");
	for (size_t i = 0; i < ctx->nrows; i++) {
		const struct vl_row *r = &ctx->rows[i];

		fprintf(f, "%-22s %-10s %s%-9s%s %s%-8s%s %s\n", r->f->id, vl_cfg_name(r->configured),
			ans_col(ctx, r->permitted), vl_ans_name(r->permitted, false), col(ctx, OFF),
			ans_col(ctx, r->works), vl_ans_name(r->works, true), col(ctx, OFF), r->detail);
	}
	if (nsec >= 0) {
		fprintf(f, "\nSECURITY (kisol regression cases naming a CVE)\n");
		for (int i = 0; i < nsec; i++) {
			const struct vl_sec *s = &sec[i];
			enum vl_ans a = s->state == VL_SEC_FIXED ? VL_YES : s->state == VL_SEC_EXPOSED ? VL_NO
												: VL_UNKNOWN;

			fprintf(f, "  %s%-14s%s %-16s %s%s%s\n", ans_col(ctx, a), vl_sec_name(s->state),
				col(ctx, OFF), s->cve, s->test, s->reason[0] ? ": " : "", s->reason);
		}
		if (!nsec)
			fprintf(f, "  no case binaries found\n");
	}
	fprintf(f, "\nPROFILES\n");
	for (int i = 0; i < nres; i++) {
		const struct vl_result *r = &res[i];

		fprintf(f, "  %-17s %s%s%s  %s\n", r->p->name, verdict_col(ctx, r->verdict),
			vl_verdict_name(r->verdict), col(ctx, OFF), r->p->what);
		for (int j = 0; j < r->nblocking; j++)
			issue(f, "blocking", &r->blocking[j]);
		for (int j = 0; j < r->nmissing; j++)
			issue(f, "missing ", &r->missing[j]);
	}
}

static void kv(FILE *f, const char *key, const char *val, bool comma)
{
	kisol_bench_json_str(f, key);
	fputs(": ", f);
	if (val)
		kisol_bench_json_str(f, val);
	else
		fputs("null", f);
	if (comma)
		fputs(", ", f);
}

static void issues(FILE *f, const char *key, const struct vl_issue *l, int n)
{
	kisol_bench_json_str(f, key);
	fputs(": [", f);
	for (int i = 0; i < n; i++) {
		fputs(i ? ", {" : "{", f);
		kv(f, "feature", l[i].feature, true);
		kv(f, "why", l[i].why, true);
		kv(f, "fix", l[i].fix, false);
		fputs("}", f);
	}
	fputs("]", f);
}

void vl_print_json(FILE *f, const struct vl_ctx *ctx, const struct vl_result *res, int nres,
		   const struct vl_sec *sec, int nsec)
{
	struct utsname u;

	uname(&u);
	fputs("{", f);
	kv(f, "schema", "kisol-validate/1", true);
	kv(f, "host", u.nodename, true);
	kv(f, "kernel", u.release, true);
	fprintf(f, "\"user\": {\"name\": ");
	kisol_bench_json_str(f, ctx->pol.user);
	fprintf(f, ", \"uid\": %u, \"euid\": %u, \"root\": %s, \"in_userns\": %s}, ", (unsigned)ctx->pol.uid,
		(unsigned)ctx->pol.euid, ctx->pol.root ? "true" : "false",
		ctx->pol.in_userns ? "true" : "false");
	fputs("\"storage\": {", f);
	kv(f, "path", ctx->storage, true);
	kv(f, "fs", ctx->storage_fs, false);
	fputs("}, ", f);
	kv(f, "kernel_config", ctx->kc.loaded ? ctx->kc.source : NULL, true);
	fprintf(f, "\"seccomp_mode\": %d, \"features\": [", ctx->pol.seccomp_mode);
	for (size_t i = 0; i < ctx->nrows; i++) {
		const struct vl_row *r = &ctx->rows[i];

		fputs(i ? ", {" : "{", f);
		kv(f, "id", r->f->id, true);
		kv(f, "kconfig", vl_feature_kconfig(r->f), true);
		kv(f, "configured", vl_cfg_name(r->configured), true);
		kv(f, "permitted", vl_ans_name(r->permitted, false), true);
		kv(f, "works", vl_ans_name(r->works, true), true);
		kv(f, "detail", r->detail, false);
		fputs("}", f);
	}
	fputs("], \"profiles\": {", f);
	for (int i = 0; i < nres; i++) {
		kisol_bench_json_str(f, res[i].p->name);
		fputs(": {", f);
		kv(f, "verdict", vl_verdict_name(res[i].verdict), true);
		issues(f, "blocking", res[i].blocking, res[i].nblocking);
		fputs(", ", f);
		issues(f, "missing", res[i].missing, res[i].nmissing);
		fputs(i + 1 < nres ? "}, " : "}", f);
	}
	fputs("}, \"security\": ", f);
	if (nsec < 0)
		fputs("null", f);
	else {
		fputs("[", f);
		for (int i = 0; i < nsec; i++) {
			fputs(i ? ", {" : "{", f);
			kv(f, "cve", sec[i].cve, true);
			kv(f, "commit", sec[i].commit, true);
			kv(f, "test", sec[i].test, true);
			kv(f, "state", vl_sec_name(sec[i].state), true);
			kv(f, "reason", sec[i].reason, false);
			fputs("}", f);
		}
		fputs("]", f);
	}
	fputs("}\n", f);
}
