// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process creation in new namespaces (issue 7, item 1): clone3 with each
 * CLONE_NEW* flag alone, and with the sets runc and crun use, with and
 * without CLONE_NEWUSER. mode=create times clone3 until it returns in the
 * parent (the child is then killed and reaped, untimed); mode=
 * create_exit_reap times clone3, the child's exit and the parent's wait,
 * which includes namespace teardown work done synchronously on exit.
 */
#include <sys/syscall.h>

#include "bench_main.h"
#include "bench_ns.h"

struct clone_ctx {
	uint64_t flags;
	bool exit_reap;
};

static int op_clone(void *arg, double *ret_ns)
{
	struct clone_ctx *c = arg;

	return ns_clone_timed(c->flags, c->exit_reap, ret_ns);
}

static int clone_params(struct bench *b, struct clone_ctx *c, char *name, size_t size)
{
	const char *set = bp_str(b, "ns", "net");
	const char *mode = bp_str(b, "mode", "create_exit_reap");
	int64_t user = bp_int(b, "user", 0);
	char label[128];

	if (ns_parse_set(set, &c->flags, label, sizeof(label)) < 0)
		return bench_bad(b, "ns=%s: want none, runc, crun or a list of mnt,uts,ipc,user,pid,net,cgroup,time", set);
	if (strcmp(mode, "create") && strcmp(mode, "create_exit_reap"))
		return bench_bad(b, "mode=%s: want create or create_exit_reap", mode);
	if (user != 0 && user != 1)
		return bench_bad(b, "user=%" PRId64 ": want 0 or 1", user);
	if (user)
		c->flags |= CLONE_NEWUSER;
	c->exit_reap = mode[6] != '\0';
	snprintf(name, size, "clone.%s%s.%s", label, user ? "+user" : "", mode);
	return 0;
}

static int run_clone(struct bench *b)
{
	struct kisol_bench_record rec;
	struct clone_ctx c;
	char name[160];
	int r;

	r = clone_params(b, &c, name, sizeof(name));
	if (r < 0)
		return r;
	bench_rec(b, &rec, name);
	kisol_bench_param_str(&rec, "ns", bp_str(b, "ns", "net"));
	kisol_bench_param_int(&rec, "user", (c.flags & CLONE_NEWUSER) != 0);
	kisol_bench_param_str(&rec, "mode", c.exit_reap ? "create_exit_reap" : "create");
	kisol_bench_param_int(&rec, "clone_flags", (int64_t)c.flags);
	rec.floor = "floor.fork_exit_wait";
	/* Probe once: a kernel without a type gives EINVAL, a policy EPERM. */
	r = op_clone(&c, &(double){ 0 });
	if (r < 0)
		return bench_skip(b, name, "clone3(0x%" PRIx64 ") failed: %s", c.flags, strerror(-r));
	return bench_measure(b, &rec, op_clone, &c);
}

/* The child reports the inode of each of its namespaces, the parent compares. */
static int run_verify(struct bench *b)
{
	struct kisol_clone_opts o = { .cgroup_fd = -1 };
	uint64_t mine[_KISOL_NS_MAX], theirs[_KISOL_NS_MAX];
	struct clone_ctx c;
	char name[160];
	int p[2], st = -1, r;
	bool ok = true;
	pid_t pid;

	r = clone_params(b, &c, name, sizeof(name));
	if (r < 0)
		return r;
	if (pipe(p) < 0)
		return -errno;
	ns_inodes(mine, false);
	o.flags = c.flags;
	pid = kisol_clone(&o, NULL);
	if (pid == 0) {
		close(p[0]);
		ns_inodes(theirs, false);
		if (write(p[1], theirs, sizeof(theirs)) != sizeof(theirs))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return pid;
	}
	r = read(p[0], theirs, sizeof(theirs));
	close(p[0]);
	bench_verify_begin(b, name);
	bench_ev_int(b, "clone_flags", (int64_t)c.flags);
	for (int t = 0; t < _KISOL_NS_MAX; t++) {
		char k[48];
		bool want = (c.flags & kisol_ns_table[t].flag) != 0;
		bool got = r == sizeof(theirs) && theirs[t] != mine[t];

		snprintf(k, sizeof(k), "%s_parent", kisol_ns_table[t].name);
		bench_ev_int(b, k, (int64_t)mine[t]);
		snprintf(k, sizeof(k), "%s_child", kisol_ns_table[t].name);
		bench_ev_int(b, k, r == sizeof(theirs) ? (int64_t)theirs[t] : 0);
		snprintf(k, sizeof(k), "%s_new", kisol_ns_table[t].name);
		bench_ev_bool(b, k, got);
		ok &= want == got;
	}
	ok &= waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	bench_ev_bool(b, "reaped", ok);
	return bench_verify_end(b, ok);
}

static const struct bench_def defs[] = {
	{ "clone", "ns,user,mode", "clone3 into new namespaces (ns=net|runc|crun|none|list, user=0|1, mode=create|create_exit_reap)",
	  run_clone, run_verify },
};

BENCH_MAIN(defs)
