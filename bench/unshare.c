// SPDX-License-Identifier: GPL-2.0-only
/*
 * unshare(2) for each namespace type (issue 7, item 2). Types that can be
 * unshared again and again by one process (mnt, uts, ipc, net, cgroup,
 * time) are measured in one worker process, each call also dropping the
 * namespace the previous call made. user and pid cannot (a second
 * CLONE_NEWPID is refused, user namespaces would nest), so each of their
 * samples runs in a fresh child which times its own unshare and reports
 * back over a pipe; fresh=1 does that for every type.
 */
#include "bench_main.h"
#include "bench_ns.h"

struct unshare_ctx {
	uint64_t flag;
	bool fresh;
};

static int op_unshare(void *arg, double *ret_ns)
{
	struct unshare_ctx *c = arg;
	uint64_t t0, t1;
	double d;
	int p[2], st;
	pid_t pid;

	if (!c->fresh) {
		t0 = kisol_now_ns();
		if (unshare((int)c->flag) < 0)
			return -errno;
		t1 = kisol_now_ns();
		*ret_ns = (double)(t1 - t0);
		return 0;
	}
	if (pipe(p) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		t0 = kisol_now_ns();
		if (unshare((int)c->flag) < 0)
			_exit(1);
		t1 = kisol_now_ns();
		d = (double)(t1 - t0);
		_exit(write(p[1], &d, sizeof(d)) == sizeof(d) ? 0 : 1);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -errno;
	}
	st = read(p[0], &d, sizeof(d)) == sizeof(d) ? 0 : -EIO;
	close(p[0]);
	if (waitpid(pid, NULL, 0) != pid)
		return -errno;
	if (st == 0)
		*ret_ns = d;
	return st;
}

static int params(struct bench *b, struct unshare_ctx *c, char *name, size_t size)
{
	const char *type = bp_str(b, "ns", "net");
	int64_t fresh = bp_int(b, "fresh", -1);
	int t = kisol_ns_from_name(type);

	if (t < 0)
		return bench_bad(b, "ns=%s: want one of mnt,uts,ipc,user,pid,net,cgroup,time", type);
	if (fresh < -1 || fresh > 1)
		return bench_bad(b, "fresh=%" PRId64 ": want 0 or 1", fresh);
	c->flag = kisol_ns_table[t].flag;
	c->fresh = fresh == 1 || (fresh == -1 && (t == KISOL_NS_USER || t == KISOL_NS_PID));
	if (!c->fresh && (t == KISOL_NS_USER || t == KISOL_NS_PID))
		return bench_bad(b, "ns=%s cannot be unshared repeatedly by one process (use fresh=1)", type);
	snprintf(name, size, "unshare.%s", type);
	return 0;
}

static int measure_child(struct bench *b, void *arg)
{
	struct unshare_ctx *c = arg;
	struct kisol_bench_record rec;
	char name[64];

	params(b, c, name, sizeof(name));
	bench_rec(b, &rec, name);
	kisol_bench_param_str(&rec, "ns", bp_str(b, "ns", "net"));
	kisol_bench_param_int(&rec, "fresh", c->fresh);
	rec.floor = "floor.getppid";
	return bench_measure(b, &rec, op_unshare, c);
}

static int run_unshare(struct bench *b)
{
	struct unshare_ctx c;
	char name[64];
	int r;

	r = params(b, &c, name, sizeof(name));
	if (r < 0)
		return r;
	if (op_unshare(&(struct unshare_ctx){ c.flag, true }, &(double){ 0 }) < 0)
		return bench_skip(b, name, "unshare(%s) is not possible here", bp_str(b, "ns", "net"));
	return bench_in_child(b, measure_child, &c);
}

static int verify_child(struct bench *b, void *arg)
{
	uint64_t before[_KISOL_NS_MAX], after[_KISOL_NS_MAX];
	struct unshare_ctx *c = arg;
	char name[64];
	bool ok = true;
	int r;

	params(b, c, name, sizeof(name));
	ns_inodes(before, true);
	r = unshare((int)c->flag) < 0 ? -errno : 0;
	ns_inodes(after, true);
	bench_verify_begin(b, name);
	bench_ev_int(b, "unshare", r);
	for (int t = 0; t < _KISOL_NS_MAX; t++) {
		char k[48];
		bool want = c->flag == kisol_ns_table[t].flag, got = before[t] != after[t];

		snprintf(k, sizeof(k), "%s_before", kisol_ns_table[t].name);
		bench_ev_int(b, k, (int64_t)before[t]);
		snprintf(k, sizeof(k), "%s_after", kisol_ns_table[t].name);
		bench_ev_int(b, k, (int64_t)after[t]);
		snprintf(k, sizeof(k), "%s_new", kisol_ns_table[t].name);
		bench_ev_bool(b, k, got);
		ok &= want == got;
	}
	return bench_verify_end(b, ok && r == 0);
}

static int run_verify(struct bench *b)
{
	struct unshare_ctx c;
	char name[64];
	int r = params(b, &c, name, sizeof(name));

	return r < 0 ? r : bench_in_child(b, verify_child, &c);
}

static const struct bench_def defs[] = {
	{ "unshare", "ns,fresh", "unshare(2) of one namespace type (ns=mnt|uts|ipc|user|pid|net|cgroup|time)",
	  run_unshare, run_verify },
};

BENCH_MAIN(defs)
