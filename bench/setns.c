// SPDX-License-Identifier: GPL-2.0-only
/*
 * setns(2) (issue 7, item 3): by namespace fd for each type, and several
 * types at once by pidfd (5.8+). The target namespaces belong to a helper
 * child created with them; the home namespaces are the worker's own (for
 * the pidfd form: a helper child that stayed in them). Each sample is one
 * setns, alternating target and home. user namespaces cannot be left for
 * the parent again, so with user each sample is a fresh child timing its
 * own setns and reporting over a pipe.
 */
#include <sys/syscall.h>

#include "bench_main.h"
#include "bench_ns.h"

struct setns_ctx {
	int type;          /* enum kisol_ns, or -1 for the pidfd form */
	uint64_t flags;    /* CLONE_NEW* of the target */
	int target, home;  /* ns fds or pidfds */
	int nstype;        /* setns nstype argument */
	bool fresh, away;
	pid_t helper, home_helper;
};

static pid_t spawn_waiting(uint64_t flags, int *ret_pidfd)
{
	struct kisol_clone_opts o = { .flags = flags, .cgroup_fd = -1 };
	pid_t pid = kisol_clone(&o, ret_pidfd);

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static int op_setns(void *arg, double *ret_ns)
{
	struct setns_ctx *c = arg;
	uint64_t t0, t1;
	double d;
	int p[2], st;
	pid_t pid;

	if (!c->fresh) {
		int fd = c->away ? c->home : c->target;

		t0 = kisol_now_ns();
		if (setns(fd, c->nstype) < 0)
			return -errno;
		t1 = kisol_now_ns();
		c->away = !c->away;
		*ret_ns = (double)(t1 - t0);
		return 0;
	}
	if (pipe(p) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		t0 = kisol_now_ns();
		if (setns(c->target, c->nstype) < 0)
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

static void ctx_release(struct setns_ctx *c)
{
	if (c->target >= 0)
		close(c->target);
	if (c->home >= 0)
		close(c->home);
	if (c->helper > 0) {
		kill(c->helper, SIGKILL);
		waitpid(c->helper, NULL, 0);
	}
	if (c->home_helper > 0) {
		kill(c->home_helper, SIGKILL);
		waitpid(c->home_helper, NULL, 0);
	}
}

static int params(struct bench *b, struct setns_ctx *c, char *name, size_t size)
{
	const char *by = bp_str(b, "by", "fd");
	const char *ns = bp_str(b, "ns", !strcmp(by, "pidfd") ? "crun" : "net");
	char label[128];

	memset(c, 0, sizeof(*c));
	c->target = c->home = -1;
	if (!strcmp(by, "fd")) {
		c->type = kisol_ns_from_name(ns);
		if (c->type < 0)
			return bench_bad(b, "ns=%s: want one of mnt,uts,ipc,user,pid,net,cgroup,time", ns);
		c->flags = kisol_ns_table[c->type].flag;
		c->nstype = (int)c->flags;
		snprintf(name, size, "setns.%s", ns);
	} else if (!strcmp(by, "pidfd")) {
		c->type = -1;
		if (ns_parse_set(ns, &c->flags, label, sizeof(label)) < 0 || !c->flags)
			return bench_bad(b, "ns=%s: want runc, crun or a list of types", ns);
		c->nstype = (int)c->flags;
		snprintf(name, size, "setns.pidfd.%s", label);
	} else {
		return bench_bad(b, "by=%s: want fd or pidfd", by);
	}
	c->fresh = (c->flags & CLONE_NEWUSER) != 0;
	return 0;
}

static int setup(struct setns_ctx *c)
{
	int pidfd = -1, r;

	c->helper = spawn_waiting(c->flags, &pidfd);
	if (c->helper < 0)
		return c->helper;
	if (c->type >= 0) {
		close(pidfd);
		c->target = kisol_ns_open(c->helper, c->type);
		if (c->target < 0)
			return c->target;
		c->home = kisol_ns_open(0, c->type);
		if (c->home < 0)
			return c->home;
		/* pid and time: the home is the *_for_children namespace */
		if (kisol_ns_table[c->type].children_name) {
			close(c->home);
			c->home = kisol_ns_open_children(0, c->type);
			if (c->home < 0)
				return c->home;
		}
		return 0;
	}
	c->target = pidfd;
	c->home_helper = spawn_waiting(0, &pidfd);
	if (c->home_helper < 0) {
		r = c->home_helper;
		c->home_helper = 0;
		return r;
	}
	c->home = pidfd;
	return 0;
}

static int measure_child(struct bench *b, void *arg)
{
	struct kisol_bench_record rec;
	struct setns_ctx c;
	char name[160];
	int r;

	params(b, &c, name, sizeof(name));
	r = setup(&c);
	if (r == 0) {
		bench_rec(b, &rec, name);
		kisol_bench_param_str(&rec, "by", c.type >= 0 ? "fd" : "pidfd");
		kisol_bench_param_str(&rec, "ns", bp_str(b, "ns", c.type >= 0 ? "net" : "crun"));
		kisol_bench_param_int(&rec, "fresh", c.fresh);
		rec.floor = "floor.getppid";
		r = bench_measure(b, &rec, op_setns, &c);
	} else {
		r = bench_skip(b, name, "cannot create the target namespaces: %s", strerror(-r));
	}
	ctx_release(&c);
	return r;
}

static int run_setns(struct bench *b)
{
	struct setns_ctx c;
	char name[160];
	int r = params(b, &c, name, sizeof(name));

	return r < 0 ? r : bench_in_child(b, measure_child, &c);
}

/* After setns into the target, /proc/self/ns/<type> is the helper's. */
static int verify_child(struct bench *b, void *arg)
{
	uint64_t now[_KISOL_NS_MAX];
	struct setns_ctx c;
	char name[160];
	bool ok = true;
	int r;

	params(b, &c, name, sizeof(name));
	r = setup(&c);
	if (r == 0)
		r = setns(c.target, c.nstype) < 0 ? -errno : 0;
	bench_verify_begin(b, name);
	bench_ev_int(b, "setns", r);
	ns_inodes(now, true);
	for (int t = 0; t < _KISOL_NS_MAX && r == 0; t++) {
		struct kisol_ns_id id;
		uint64_t want = kisol_ns_id(c.helper, t, &id) == 0 ? id.ino : 0;
		uint64_t got = now[t];
		char k[48];

		if (!(c.flags & kisol_ns_table[t].flag))
			continue;
		snprintf(k, sizeof(k), "%s_target", kisol_ns_table[t].name);
		bench_ev_int(b, k, (int64_t)want);
		snprintf(k, sizeof(k), "%s_now", kisol_ns_table[t].name);
		bench_ev_int(b, k, (int64_t)got);
		ok &= want && want == got;
	}
	ctx_release(&c);
	return bench_verify_end(b, ok && r == 0);
}

static int run_verify(struct bench *b)
{
	struct setns_ctx c;
	char name[160];
	int r = params(b, &c, name, sizeof(name));

	return r < 0 ? r : bench_in_child(b, verify_child, &c);
}

static const struct bench_def defs[] = {
	{ "setns", "by,ns", "setns(2) into a helper's namespaces (by=fd ns=<type> | by=pidfd ns=<set>)",
	  run_setns, run_verify },
};

BENCH_MAIN(defs)
