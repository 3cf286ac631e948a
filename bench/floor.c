// SPDX-License-Identifier: GPL-2.0-only
/*
 * Floors: the cheapest things a kernel does, measured in every run so that
 * each other result can be read as a multiple of one of them. Also the
 * harness's own cost: the clock pair around a sample, an empty operation
 * through the harness, and the null syscall in a raw tight loop (no
 * harness, no indirect call) to compare the harnessed figure against.
 */
#include <sched.h>
#include <sys/syscall.h>

#include "bench_main.h"

static int op_empty(void *ctx, double *ret_ns)
{
	(void)ctx;
	(void)ret_ns;
	__asm__ volatile("" ::: "memory");
	return 0;
}

static int op_getppid(void *ctx, double *ret_ns)
{
	syscall(SYS_getppid);
	return 0;
}

static int op_clock(void *ctx, double *ret_ns)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return 0;
}

static char vfork_stack[64 * 1024] __attribute__((aligned(16)));

static int vfork_child(void *arg)
{
	_exit(0);
}

static int op_vfork(void *ctx, double *ret_ns)
{
	pid_t pid = clone(vfork_child, vfork_stack + sizeof(vfork_stack),
			  CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);

	if (pid < 0)
		return -errno;
	if (waitpid(pid, NULL, 0) != pid)
		return -errno;
	return 0;
}

static int op_fork(void *ctx, double *ret_ns)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(0);
	if (waitpid(pid, NULL, 0) != pid)
		return -errno;
	return 0;
}

/* A sample is `loop` getppid calls inline, divided: no per-call harness cost. */
static int op_getppid_loop(void *ctx, double *ret_ns)
{
	uint64_t loop = *(uint64_t *)ctx, t0, t1;

	t0 = kisol_now_ns();
	for (uint64_t i = 0; i < loop; i++)
		syscall(SYS_getppid);
	t1 = kisol_now_ns();
	*ret_ns = (double)(t1 - t0) / (double)loop;
	return 0;
}

static int run_simple(struct bench *b, const char *name, kisol_bench_op_fn op)
{
	struct kisol_bench_record rec;

	bench_rec(b, &rec, name);
	return bench_measure(b, &rec, op, NULL);
}

static int run_getppid(struct bench *b) { return run_simple(b, "floor.getppid", op_getppid); }
static int run_clock(struct bench *b) { return run_simple(b, "floor.clock_gettime", op_clock); }
static int run_vfork(struct bench *b) { return run_simple(b, "floor.vfork_exit", op_vfork); }
static int run_fork(struct bench *b) { return run_simple(b, "floor.fork_exit_wait", op_fork); }
static int run_empty(struct bench *b) { return run_simple(b, "harness.empty_op", op_empty); }

static int run_loop(struct bench *b)
{
	struct kisol_bench_record rec;
	uint64_t loop = (uint64_t)bp_int(b, "loop", 10000);

	if (loop < 1)
		return bench_bad(b, "loop must be >= 1");
	bench_rec(b, &rec, "floor.getppid_loop");
	kisol_bench_param_int(&rec, "loop", (int64_t)loop);
	return bench_measure(b, &rec, op_getppid_loop, &loop);
}

/* The clock pair alone: what every harness-timed sample pays on top. */
static int run_clock_pair(struct bench *b)
{
	struct kisol_samples s = KISOL_SAMPLES_INIT;
	struct kisol_bench_record rec;
	uint64_t n = b->cfg.max_samples;
	int r = 0;

	bench_rec(b, &rec, "harness.clock_pair");
	for (uint64_t i = 0; i < n && r == 0; i++) {
		uint64_t t0 = kisol_now_ns();
		uint64_t t1 = kisol_now_ns();

		r = kisol_samples_add(&s, (double)(t1 - t0));
	}
	if (r == 0)
		r = bench_write(b, &rec, s.v, s.n);
	kisol_samples_free(&s);
	return r;
}

/* Verification: the vfork floor really shares memory and the fork floor does not. */
static volatile int vfork_mark;

static int vfork_mark_child(void *arg)
{
	vfork_mark = 1;
	_exit(0);
}

static int verify_vfork(struct bench *b)
{
	pid_t pid;
	int st = -1;

	vfork_mark = 0;
	pid = clone(vfork_mark_child, vfork_stack + sizeof(vfork_stack),
		    CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	if (pid < 0)
		return -errno;
	bench_verify_begin(b, "floor.vfork_exit");
	bench_ev_bool(b, "shared_memory", vfork_mark == 1);
	bench_ev_bool(b, "reaped", waitpid(pid, &st, 0) == pid && WIFEXITED(st));
	return bench_verify_end(b, vfork_mark == 1 && WIFEXITED(st));
}

static int verify_getppid(struct bench *b)
{
	long p = syscall(SYS_getppid);

	bench_verify_begin(b, "floor.getppid");
	bench_ev_int(b, "getppid", p);
	bench_ev_int(b, "expected", getppid());
	return bench_verify_end(b, p == getppid());
}

static const struct bench_def defs[] = {
	{ "harness.clock_pair", "", "two back-to-back clock reads (per-sample timing overhead)", run_clock_pair, NULL },
	{ "harness.empty_op", "", "an empty operation through the harness", run_empty, NULL },
	{ "floor.getppid", "", "null syscall via the harness", run_getppid, verify_getppid },
	{ "floor.getppid_loop", "loop", "null syscall in a raw tight loop of `loop` calls", run_loop, NULL },
	{ "floor.clock_gettime", "", "clock_gettime(CLOCK_MONOTONIC)", run_clock, NULL },
	{ "floor.vfork_exit", "", "clone(CLONE_VM|CLONE_VFORK)+exit+wait", run_vfork, verify_vfork },
	{ "floor.fork_exit_wait", "", "fork+exit+wait", run_fork, NULL },
};

BENCH_MAIN(defs)
