// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroups (issue 7, item 6), on v1 (hier=v1:<controller>) and v2 (hier=v2):
 *  - cgroup.mkdir / cgroup.rmdir: creating and removing an empty cgroup;
 *  - cgroup.migrate: writing a sleeping task's pid to cgroup.procs,
 *    alternating between two cgroups (fds kept open);
 *  - cgroup.spawn: a new task ending up in a cgroup, how=procs (fork, the
 *    parent writes cgroup.procs, handshake, exit, reap) versus how=into
 *    (clone3 CLONE_INTO_CGROUP, exit, reap; v2 only);
 *  - cgroup.write: open+write+close latency of memory.max, cpu.max, pids.max
 *    (v1: memory.limit_in_bytes, cpu.cfs_quota_us, pids.max), alternating
 *    two values;
 *  - cgroup.freeze: freeze and thaw a cgroup holding one task, each half
 *    waited for (v2: cgroup.freeze + poll on cgroup.events "frozen";
 *    v1: freezer.state until it reads FROZEN / THAWED);
 *  - cgroup.kill: cgroup.kill until cgroup.events says "populated 0"
 *    (v2 only, 5.14+).
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "bench_main.h"
#include "bench_cg.h"
#include "kisol/proc.h"

struct cg_ctx {
	struct cg_hier h;
	char x[PATH_MAX];        /* mkdir/rmdir: <top>/x */
	struct kisol_cg a, b;    /* cgroups below top */
	int fda, fdb;            /* their cgroup.procs, kept open */
	bool into;               /* spawn how=into: CLONE_INTO_CGROUP a (a.dfd kept open) */
	pid_t task;
	bool flip;
	const char *file, *val[2];
	bool spin; /* wait=spin: re-read cgroup.events instead of poll() */
	char name[128];
};

static int open_hier(struct bench *b, struct cg_ctx *c, const char *what)
{
	const char *spec = bp_str(b, "hier", "v2");
	char why[256] = "";
	int r;

	memset(c, 0, sizeof(*c));
	c->a = c->b = (struct kisol_cg)KISOL_CG_INIT;
	c->fda = c->fdb = -1;
	snprintf(c->name, sizeof(c->name), "cgroup.%s.%s", what, spec);
	r = cg_open(spec, &c->h, why, sizeof(why));
	if (r == -EINVAL)
		return bench_bad(b, "hier=%s: want v2 or v1:<controller>", spec);
	if (r < 0)
		return bench_skip(b, c->name, "%s", why) ?: 1;
	return 0;
}

static void rec_common(struct bench *b, struct cg_ctx *c, struct kisol_bench_record *rec)
{
	bench_rec(b, rec, c->name);
	kisol_bench_param_str(rec, "hier", c->h.spec);
	rec->floor = "floor.getppid";
}

/* Reap the task, close the knobs, remove a, b and top (everything below it). */
static void ctx_close(struct cg_ctx *c)
{
	if (c->task > 0)
		kisol_cg_reap_idle(c->task);
	c->task = 0;
	if (c->fda >= 0)
		close(c->fda);
	if (c->fdb >= 0)
		close(c->fdb);
	c->fda = c->fdb = -1;
	kisol_cg_destroy(&c->a);
	kisol_cg_destroy(&c->b);
	kisol_cg_destroy(&c->h.top);
}

/* ---- mkdir / rmdir ---- */

static int op_mkdir(void *arg, double *ret_ns)
{
	struct cg_ctx *c = arg;
	uint64_t t0, t1;
	int r;

	t0 = kisol_now_ns();
	r = mkdir(c->x, 0755) < 0 ? -errno : 0;
	t1 = kisol_now_ns();
	if (r < 0)
		return r;
	if (rmdir(c->x) < 0)
		return -errno;
	*ret_ns = (double)(t1 - t0);
	return 0;
}

static int op_rmdir(void *arg, double *ret_ns)
{
	struct cg_ctx *c = arg;
	uint64_t t0, t1;
	int r;

	if (mkdir(c->x, 0755) < 0)
		return -errno;
	t0 = kisol_now_ns();
	r = rmdir(c->x) < 0 ? -errno : 0;
	t1 = kisol_now_ns();
	*ret_ns = (double)(t1 - t0);
	return r;
}

static int run_dir(struct bench *b, bool rm)
{
	struct kisol_bench_record rec;
	struct cg_ctx c;
	int r = open_hier(b, &c, rm ? "rmdir" : "mkdir");

	if (r)
		return r < 0 ? r : 0;
	snprintf(c.x, sizeof(c.x), "%s/x", c.h.top.path);
	rec_common(b, &c, &rec);
	r = bench_measure(b, &rec, rm ? op_rmdir : op_mkdir, &c);
	ctx_close(&c);
	return r;
}

static int run_mkdir(struct bench *b) { return run_dir(b, false); }
static int run_rmdir(struct bench *b) { return run_dir(b, true); }

static int verify_mkdir(struct bench *b)
{
	struct cg_ctx c;
	char p[PATH_MAX];
	bool procs, gone;
	int r = open_hier(b, &c, "mkdir");

	if (r)
		return r < 0 ? r : 0;
	snprintf(c.x, sizeof(c.x), "%s/x", c.h.top.path);
	r = mkdir(c.x, 0755) < 0 ? -errno : 0;
	snprintf(p, sizeof(p), "%s/cgroup.procs", c.x);
	procs = access(p, F_OK) == 0;
	if (r == 0)
		r = rmdir(c.x) < 0 ? -errno : 0;
	gone = access(c.x, F_OK) < 0;
	ctx_close(&c);
	bench_verify_begin(b, c.name);
	bench_ev_int(b, "result", r);
	bench_ev_bool(b, "is_cgroup", procs);
	bench_ev_bool(b, "gone_after_rmdir", gone);
	return bench_verify_end(b, r == 0 && procs && gone);
}

/* ---- migration ---- */

static int op_migrate(void *arg, double *ret_ns)
{
	struct cg_ctx *c = arg;
	char s[32];
	int n = snprintf(s, sizeof(s), "%d", c->task);

	c->flip = !c->flip;
	return kisol_cg_write_fd(c->flip ? c->fda : c->fdb, s, (size_t)n);
}

static int migrate_setup(struct cg_ctx *c)
{
	int r;

	if ((r = kisol_cg_child(&c->h.top, "a", &c->a)) < 0 ||
	    (r = kisol_cg_child(&c->h.top, "b", &c->b)) < 0)
		return r;
	if ((c->fda = kisol_cg_open_file(&c->a, "cgroup.procs", O_WRONLY)) < 0)
		return c->fda;
	if ((c->fdb = kisol_cg_open_file(&c->b, "cgroup.procs", O_WRONLY)) < 0)
		return c->fdb;
	c->task = kisol_cg_spawn_idle(NULL);
	return c->task < 0 ? c->task : 0;
}


static int run_migrate(struct bench *b)
{
	struct kisol_bench_record rec;
	struct cg_ctx c;
	int r = open_hier(b, &c, "migrate");

	if (r)
		return r < 0 ? r : 0;
	r = migrate_setup(&c);
	if (r == 0) {
		rec_common(b, &c, &rec);
		r = bench_measure(b, &rec, op_migrate, &c);
	}
	ctx_close(&c);
	return r;
}

static int verify_migrate(struct bench *b)
{
	char in_a[PATH_MAX] = "", in_b[PATH_MAX] = "";
	struct cg_ctx c;
	bool ok;
	int r = open_hier(b, &c, "migrate");

	if (r)
		return r < 0 ? r : 0;
	r = migrate_setup(&c);
	if (r == 0)
		r = op_migrate(&c, NULL);
	if (r == 0)
		kisol_cg_proc_path(c.task, c.h.hier_id, in_a, sizeof(in_a));
	if (r == 0)
		r = op_migrate(&c, NULL);
	if (r == 0)
		kisol_cg_proc_path(c.task, c.h.hier_id, in_b, sizeof(in_b));
	ok = r == 0 && !strcmp(in_a, c.a.rel) && !strcmp(in_b, c.b.rel);
	bench_verify_begin(b, c.name);
	bench_ev_int(b, "result", r);
	bench_ev_str(b, "target_a", c.a.rel);
	bench_ev_str(b, "task_after_a", in_a);
	bench_ev_str(b, "target_b", c.b.rel);
	bench_ev_str(b, "task_after_b", in_b);
	ctx_close(&c);
	return bench_verify_end(b, ok);
}

/* ---- spawn: cgroup.procs after fork vs CLONE_INTO_CGROUP ---- */

static int spawn_procs(struct cg_ctx *c, int report)
{
	char buf[PATH_MAX] = "";
	int p[2], r = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		char go;

		close(p[1]);
		if (read(p[0], &go, 1) != 1)
			_exit(1);
		if (report >= 0) {
			kisol_cg_proc_path(0, c->h.hier_id, buf, sizeof(buf));
			if (write(report, buf, strlen(buf)) < 0)
				_exit(1);
		}
		_exit(0);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -errno;
	}
	r = kisol_cg_write_fd(c->fda, buf, (size_t)snprintf(buf, sizeof(buf), "%d", pid));
	if (write(p[1], "g", 1) != 1 && r == 0)
		r = -errno;
	close(p[1]);
	if (waitpid(pid, NULL, 0) != pid && r == 0)
		r = -errno;
	return r;
}

static int spawn_into(struct cg_ctx *c, int report)
{
	char buf[PATH_MAX] = "";
	pid_t pid = kisol_cg_clone_into(&c->a, NULL);

	if (pid == 0) {
		if (report >= 0) {
			kisol_cg_proc_path(0, c->h.hier_id, buf, sizeof(buf));
			if (write(report, buf, strlen(buf)) < 0)
				_exit(1);
		}
		_exit(0);
	}
	if (pid < 0)
		return pid;
	return waitpid(pid, NULL, 0) == pid ? 0 : -errno;
}

static int op_spawn(void *arg, double *ret_ns)
{
	struct cg_ctx *c = arg;

	return c->into ? spawn_into(c, -1) : spawn_procs(c, -1);
}

static int spawn_setup(struct bench *b, struct cg_ctx *c)
{
	const char *how = bp_str(b, "how", "procs");
	int r;

	if (strcmp(how, "procs") && strcmp(how, "into"))
		return bench_bad(b, "how=%s: want procs or into", how);
	r = open_hier(b, c, !strcmp(how, "into") ? "spawn_into" : "spawn_procs");
	if (r)
		return r;
	if ((r = kisol_cg_child(&c->h.top, "a", &c->a)) < 0)
		return r;
	if ((c->fda = kisol_cg_open_file(&c->a, "cgroup.procs", O_WRONLY)) < 0)
		return c->fda;
	if (!strcmp(how, "into")) {
		if (!c->h.v2) {
			ctx_close(c);
			return bench_skip(b, c->name, "CLONE_INTO_CGROUP takes a cgroup2 directory; %s is v1", c->h.spec) ?: 1;
		}
		c->into = true;
		r = spawn_into(c, -1);
		if (r < 0) {
			ctx_close(c);
			return bench_skip(b, c->name, "clone3(CLONE_INTO_CGROUP): %s", strerror(-r)) ?: 1;
		}
	}
	return 0;
}

static int run_spawn(struct bench *b)
{
	struct kisol_bench_record rec;
	struct cg_ctx c;
	int r = spawn_setup(b, &c);

	if (r)
		return r < 0 ? r : 0;
	rec_common(b, &c, &rec);
	kisol_bench_param_str(&rec, "how", c.into ? "into" : "procs");
	rec.floor = "floor.fork_exit_wait";
	r = bench_measure(b, &rec, op_spawn, &c);
	ctx_close(&c);
	return r;
}

static int verify_spawn(struct bench *b)
{
	char seen[PATH_MAX] = "";
	struct cg_ctx c;
	int r = spawn_setup(b, &c), p[2];
	ssize_t n;

	if (r)
		return r < 0 ? r : 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	r = c.into ? spawn_into(&c, p[1]) : spawn_procs(&c, p[1]);
	close(p[1]);
	n = read(p[0], seen, sizeof(seen) - 1);
	seen[n > 0 ? n : 0] = '\0';
	close(p[0]);
	bench_verify_begin(b, c.name);
	bench_ev_int(b, "result", r);
	bench_ev_str(b, "target", c.a.rel);
	bench_ev_str(b, "child_saw", seen);
	bench_verify_end(b, r == 0 && !strcmp(seen, c.a.rel));
	r = r == 0 && !strcmp(seen, c.a.rel) ? 0 : -EPROTO;
	ctx_close(&c);
	return r;
}

/* ---- limit file writes ---- */

static int write_setup(struct bench *b, struct cg_ctx *c)
{
	const char *file = bp_str(b, "file", "pids");
	const char *v2f, *v1f, *ctrl;
	char what[64];
	int r;

	if (!strcmp(file, "memory"))
		ctrl = "memory", v2f = "memory.max", v1f = "memory.limit_in_bytes";
	else if (!strcmp(file, "cpu"))
		ctrl = "cpu", v2f = "cpu.max", v1f = "cpu.cfs_quota_us";
	else if (!strcmp(file, "pids"))
		ctrl = "pids", v2f = "pids.max", v1f = "pids.max";
	else
		return bench_bad(b, "file=%s: want memory, cpu or pids", file);
	snprintf(what, sizeof(what), "write.%s", ctrl);
	r = open_hier(b, c, what);
	if (r)
		return r;
	c->file = c->h.v2 ? v2f : v1f;
	if (ctrl[0] == 'm')
		c->val[0] = "1073741824", c->val[1] = "2147483648";
	else if (ctrl[0] == 'c')
		c->val[0] = "50000", c->val[1] = "100000";
	else
		c->val[0] = "1000", c->val[1] = "max";
	if (!c->h.v2 && strcmp(c->h.spec + 3, ctrl)) {
		ctx_close(c);
		return bench_skip(b, c->name, "%s lives in the v1 %s hierarchy, not %s", c->file, ctrl, c->h.spec) ?: 1;
	}
	if (c->h.v2 && !strcmp(file, "cpu"))
		c->val[0] = "50000 100000", c->val[1] = "max 100000";
	if (c->h.v2) {
		int k = kisol_cg_ctrl_from_name(ctrl);
		char ctrls[512] = "";

		kisol_cg_read(&c->h.top, "cgroup.controllers", ctrls, sizeof(ctrls));
		if (kisol_cg_has_ctrl(&c->h.top, k) != 1 || kisol_cg_enable(&c->h.top, k) < 0) {
			ctx_close(c);
			return bench_skip(b, c->name, "the %s controller is not available on cgroup v2 here (cgroup.controllers: %s)",
					  ctrl, kisol_chomp(ctrls) ? ctrls : "none") ?: 1;
		}
	}
	return kisol_cg_child(&c->h.top, "a", &c->a);
}

static int op_write(void *arg, double *ret_ns)
{
	struct cg_ctx *c = arg;

	c->flip = !c->flip;
	return kisol_cg_write_path(&c->a, c->file, c->val[c->flip]);
}

static int run_write(struct bench *b)
{
	struct kisol_bench_record rec;
	struct cg_ctx c;
	int r = write_setup(b, &c);

	if (r)
		return r < 0 ? r : 0;
	rec_common(b, &c, &rec);
	kisol_bench_param_str(&rec, "file", c.file);
	r = bench_measure(b, &rec, op_write, &c);
	ctx_close(&c);
	return r;
}

static int verify_write(struct bench *b)
{
	char got[128] = "";
	struct cg_ctx c;
	bool ok;
	int r = write_setup(b, &c);

	if (r)
		return r < 0 ? r : 0;
	r = kisol_cg_write_path(&c.a, c.file, c.val[0]);
	kisol_cg_read(&c.a, c.file, got, sizeof(got));
	kisol_chomp(got);
	ok = r == 0 && !strcmp(got, c.val[0]);
	bench_verify_begin(b, c.name);
	bench_ev_int(b, "result", r);
	bench_ev_str(b, "file", c.file);
	bench_ev_str(b, "written", c.val[0]);
	bench_ev_str(b, "read_back", got);
	ctx_close(&c);
	return bench_verify_end(b, ok);
}

/*
 * Waiting for a cgroup.events change. The kernel rate-limits these
 * notifications (at most one per 10 ms per file, cgroup_file_notify()), so
 * wait=poll measures what a manager sleeping in poll() sees; wait=spin
 * re-reads the file and shows when the state itself changed.
 */
static int cg_wait(struct cg_ctx *c, const char *key, int64_t want)
{
	char p[PATH_MAX], text[512];
	int64_t v;

	if (!c->spin)
		return kisol_cg_wait_event_path(&c->a, key, want, 10000);
	snprintf(p, sizeof(p), "%s/cgroup.events", c->a.path);
	for (long i = 0; i < 100000000; i++) {
		if (kisol_read_file(p, text, sizeof(text)) < 0)
			return -errno;
		if (kisol_keyed_int64(text, key, &v) == 0 && v == want)
			return 0;
		sched_yield();
	}
	return -ETIMEDOUT;
}

static int wait_param(struct bench *b, struct cg_ctx *c)
{
	const char *w = bp_str(b, "wait", "poll");

	if (strcmp(w, "poll") && strcmp(w, "spin"))
		return bench_bad(b, "wait=%s: want poll or spin", w);
	c->spin = w[0] == 's';
	return 0;
}

/* ---- freeze round trip ---- */

static int v1_freezer_wait(const char *dir, const char *want)
{
	char p[PATH_MAX], s[64];

	snprintf(p, sizeof(p), "%s/freezer.state", dir);
	/* v1 has no notification: re-read until the state settles (no sleeping) */
	for (long i = 0; i < 10000000; i++) {
		if (kisol_read_file(p, s, sizeof(s)) < 0)
			return -errno;
		kisol_chomp(s);
		if (!strcmp(s, want))
			return 0;
		sched_yield();
	}
	return -ETIMEDOUT;
}

static int freeze(struct cg_ctx *c, bool on)
{
	int r;

	if (c->h.v2) {
		r = kisol_cg_write_path(&c->a, "cgroup.freeze", on ? "1" : "0");
		return r < 0 ? r : cg_wait(c, "frozen", on);
	}
	r = kisol_cg_write_path(&c->a, "freezer.state", on ? "FROZEN" : "THAWED");
	return r < 0 ? r : v1_freezer_wait(c->a.path, on ? "FROZEN" : "THAWED");
}

static int op_freeze(void *arg, double *ret_ns)
{
	int r = freeze(arg, true);

	return r < 0 ? r : freeze(arg, false);
}

static int freeze_setup(struct bench *b, struct cg_ctx *c)
{
	int r = open_hier(b, c, !strcmp(bp_str(b, "wait", "poll"), "spin") ? "freeze_spin" : "freeze");

	if (r)
		return r;
	if ((r = wait_param(b, c)) < 0)
		return r;
	if (!c->h.v2 && c->h.ctrl != KISOL_CG_FREEZER) {
		ctx_close(c);
		return bench_skip(b, c->name, "on v1 freezing needs hier=v1:freezer") ?: 1;
	}
	if ((r = kisol_cg_child(&c->h.top, "a", &c->a)) < 0)
		return r;
	c->task = kisol_cg_spawn_idle(NULL);
	if (c->task < 0)
		return c->task;
	return kisol_cg_attach(&c->a, c->task);
}

static int run_freeze(struct bench *b)
{
	struct kisol_bench_record rec;
	struct cg_ctx c;
	int r = freeze_setup(b, &c);

	if (r)
		return r < 0 ? r : 0;
	rec_common(b, &c, &rec);
	kisol_bench_param_str(&rec, "wait", c.spin ? "spin" : "poll");
	r = bench_measure(b, &rec, op_freeze, &c);
	freeze(&c, false);
	ctx_close(&c);
	return r;
}

static char task_state(pid_t pid)
{
	char p[64], s[4096], *l;

	snprintf(p, sizeof(p), "/proc/%d/status", pid);
	if (kisol_read_file(p, s, sizeof(s)) < 0 || !(l = strstr(s, "State:\t")))
		return '?';
	return l[7];
}

static int verify_freeze(struct bench *b)
{
	struct cg_ctx c;
	int r = freeze_setup(b, &c), r2 = -1;
	char st_frozen = '?', v1state[64] = "";
	bool ok;

	if (r)
		return r < 0 ? r : 0;
	r = freeze(&c, true);
	if (r == 0) {
		st_frozen = task_state(c.task);
		kisol_cg_read(&c.a, c.h.v2 ? "cgroup.events" : "freezer.state", v1state, sizeof(v1state));
		r2 = freeze(&c, false);
	}
	ok = r == 0 && r2 == 0 &&
	     (c.h.v2 ? strstr(v1state, "frozen 1") != NULL : strstr(v1state, "FROZEN") != NULL);
	bench_verify_begin(b, c.name);
	bench_ev_int(b, "freeze", r);
	bench_ev_int(b, "thaw", r2);
	bench_ev_str(b, "state_when_frozen", v1state);
	bench_ev_str(b, "task_state_when_frozen", (char[]){ st_frozen, 0 });
	ctx_close(&c);
	return bench_verify_end(b, ok);
}

/* ---- kill round trip ---- */

static int op_kill(void *arg, double *ret_ns)
{
	struct cg_ctx *c = arg;
	uint64_t t0, t1;
	pid_t pid = kisol_cg_spawn_idle(&c->a);
	int r;

	if (pid < 0)
		return pid;
	t0 = kisol_now_ns();
	r = kisol_cg_write_path(&c->a, "cgroup.kill", "1");
	if (r == 0)
		r = cg_wait(c, "populated", 0);
	t1 = kisol_now_ns();
	kisol_cg_reap_idle(pid);
	*ret_ns = (double)(t1 - t0);
	return r;
}

static int kill_setup(struct bench *b, struct cg_ctx *c)
{
	int r = open_hier(b, c, !strcmp(bp_str(b, "wait", "poll"), "spin") ? "kill_spin" : "kill");

	if (r)
		return r;
	if ((r = wait_param(b, c)) < 0)
		return r;
	if (!c->h.v2 || kisol_cg_has_file(&c->h.top, "cgroup.kill") != 1) {
		ctx_close(c);
		return bench_skip(b, c->name, c->h.v2 ? "no cgroup.kill (kernel before 5.14)" :
				  "cgroup.kill exists on cgroup v2 only") ?: 1;
	}
	return kisol_cg_child(&c->h.top, "a", &c->a);
}

static int run_kill(struct bench *b)
{
	struct kisol_bench_record rec;
	struct cg_ctx c;
	int r = kill_setup(b, &c);

	if (r)
		return r < 0 ? r : 0;
	rec_common(b, &c, &rec);
	kisol_bench_param_str(&rec, "wait", c.spin ? "spin" : "poll");
	r = bench_measure(b, &rec, op_kill, &c);
	ctx_close(&c);
	return r;
}

static int verify_kill(struct bench *b)
{
	struct cg_ctx c;
	int r = kill_setup(b, &c), st = 0;
	bool killed = false;
	pid_t pid;

	if (r)
		return r < 0 ? r : 0;
	pid = kisol_cg_spawn_idle(&c.a);
	r = pid < 0 ? pid : kisol_cg_write_path(&c.a, "cgroup.kill", "1");
	if (r == 0)
		r = cg_wait(&c, "populated", 0);
	if (pid > 0)
		killed = waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
	bench_verify_begin(b, c.name);
	bench_ev_int(b, "result", r);
	bench_ev_bool(b, "task_killed_by_sigkill", killed);
	ctx_close(&c);
	return bench_verify_end(b, r == 0 && killed);
}

static const struct bench_def defs[] = {
	{ "cgroup.mkdir", "hier", "mkdir of an empty cgroup (hier=v2|v1:<ctrl>)", run_mkdir, verify_mkdir },
	{ "cgroup.rmdir", "hier", "rmdir of an empty cgroup", run_rmdir, verify_mkdir },
	{ "cgroup.migrate", "hier", "write a task's pid to cgroup.procs (alternating two cgroups)", run_migrate, verify_migrate },
	{ "cgroup.spawn", "hier,how", "new task in a cgroup: how=procs (fork+cgroup.procs) or into (CLONE_INTO_CGROUP)", run_spawn, verify_spawn },
	{ "cgroup.write", "hier,file", "open+write+close of a limit file (file=memory|cpu|pids)", run_write, verify_write },
	{ "cgroup.freeze", "hier,wait", "freeze and thaw round trip of a cgroup with one task", run_freeze, verify_freeze },
	{ "cgroup.kill", "hier,wait", "cgroup.kill until cgroup.events says populated 0", run_kill, verify_kill },
};

BENCH_MAIN(defs)
