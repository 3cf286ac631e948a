// SPDX-License-Identifier: GPL-2.0-only
/*
 * kisol-validate: which container workloads this host can run, for the
 * invoking user, proven by doing. See validate/vl.h and README.md
 * ("Validating a host").
 */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vl.h"

static struct vl_ctx ctx;

static void on_signal(int sig)
{
	/* children die with us (PR_SET_PDEATHSIG); remove the scratch dir */
	vl_scratch_remove(&ctx);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void probe_all(void)
{
	static struct vl_row rows[64];

	ctx.rows = rows;
	ctx.nrows = vl_nfeatures;
	for (size_t i = 0; i < vl_nfeatures; i++) {
		struct vl_row *r = &rows[i];
		char missing[256];

		r->f = &vl_features[i];
		r->configured = vl_kconfig_row(&ctx.kc, vl_feature_kconfig(r->f), missing, sizeof(missing));
		r->f->probe(&ctx, r);
		if (r->configured == VL_CFG_NO)
			vl_append(r, "; config lacks %s", missing);
	}
}

static void exe_dir(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0) {
		snprintf(ctx.exe_dir, sizeof(ctx.exe_dir), ".");
		return;
	}
	buf[n] = '\0';
	snprintf(ctx.exe_dir, sizeof(ctx.exe_dir), "%s", dirname(buf));
}

int main(int argc, char **argv)
{
	struct vl_result res[8];
	struct vl_sec *sec = NULL;
	int nres = 0, nsec = -1, r, rc = 0;

	r = vl_opts_parse(argc, argv, &ctx.opts);
	if (r)
		return r == 1 ? 0 : 2;
	r = vl_kconfig_load(&ctx.kc, ctx.opts.kernel_config);
	if (r < 0 && ctx.opts.kernel_config) {
		fprintf(stderr, "kisol-validate: cannot read kernel config '%s': %s\n", ctx.opts.kernel_config,
			strerror(-r));
		return 2;
	}
	exe_dir();
	vl_policy_gather(&ctx.pol);
	vl_stale_remove();
	r = vl_scratch_create(&ctx);
	if (r < 0) {
		fprintf(stderr, "kisol-validate: storage '%s' unusable: %s\n",
			ctx.opts.storage ? ctx.opts.storage : ctx.storage, strerror(-r));
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	probe_all();
	if (!ctx.opts.no_security)
		nsec = vl_security_run(&ctx, &sec);
	if (nsec < 0 && !ctx.opts.no_security)
		nsec = 0;
	for (const struct vl_profile *p = vl_profiles; p->name; p++) {
		bool want = !ctx.opts.nprofiles;

		for (int i = 0; i < ctx.opts.nprofiles; i++)
			want |= !strcmp(ctx.opts.profiles[i], p->name);
		if (!want)
			continue;
		vl_profile_eval(&ctx, p, sec, nsec > 0 ? (size_t)nsec : 0, &res[nres]);
		if (res[nres].verdict == VL_NOT_READY ||
		    (ctx.opts.strict && res[nres].verdict == VL_DEGRADED))
			rc = 1;
		nres++;
	}
	vl_scratch_remove(&ctx);
	if (ctx.opts.json)
		vl_print_json(stdout, &ctx, res, nres, sec, nsec);
	else
		vl_print_human(stdout, &ctx, res, nres, sec, nsec);
	free(sec);
	vl_kconfig_free(&ctx.kc);
	return rc;
}
