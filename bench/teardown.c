// SPDX-License-Identifier: GPL-2.0-only
/*
 * Namespace teardown on its own (issue 15): the time from dropping the last
 * reference to a network or IPC namespace until the kernel has freed it.
 * Both are freed late, in a workqueue after at least one RCU grace period
 * (cleanup_net, free_ipc), so create+exit+reap never sees that cost; it
 * lands at random on whatever runs next.
 *
 * The end of the teardown is observed through the per-user-namespace
 * namespace count, which the kernel decrements at the very end of freeing
 * a namespace (dec_net_namespaces in cleanup_net, dec_ipc_namespaces in
 * free_ipc_ns). The worker enters a user namespace of its own, limits it
 * (/proc/sys/user/max_{net,ipc}_namespaces, writable by root of that user
 * namespace) to the namespaces it holds, so creating one more fails with
 * ENOSPC until one is really gone. A sample: close the fd holding the
 * namespace (its last reference), then retry unshare() every ~20 us until
 * it succeeds; the namespace that unshare() created is the next victim.
 * Nothing outside the benchmark's own user namespace is touched.
 */
#include <sys/prctl.h>
#include <time.h>

#include "bench_main.h"
#include "bench_ns.h"
#include "kisol/userns.h"

struct td_ctx {
	int type;      /* KISOL_NS_NET or KISOL_NS_IPC */
	int flag;      /* CLONE_NEWNET or CLONE_NEWIPC */
	int home;      /* fd of the worker's own namespace of that type */
	int victim;    /* fd holding the namespace to tear down next */
	uint64_t polls;
};

static int td_params(struct bench *b, struct td_ctx *c, char *name, size_t size)
{
	const char *ns = bp_str(b, "ns", "net");

	memset(c, 0, sizeof(*c));
	c->home = c->victim = -1;
	c->type = kisol_ns_from_name(ns);
	if (c->type != KISOL_NS_NET && c->type != KISOL_NS_IPC)
		return bench_bad(b, "ns=%s: want net or ipc", ns);
	c->flag = (int)kisol_ns_table[c->type].flag;
	snprintf(name, size, "teardown.%s", ns);
	return 0;
}

/* A new namespace of the type, held by the returned fd; we stay at home. */
static int td_new(struct td_ctx *c)
{
	int fd;

	if (unshare(c->flag) < 0)
		return -errno;
	fd = kisol_ns_open(0, c->type);
	if (setns(c->home, c->flag) < 0) {
		int r = -errno;

		if (fd >= 0)
			close(fd);
		return r;
	}
	return fd;
}

/*
 * User namespace of our own, a home namespace owned by it, and the limit:
 * home + one victim. Returns 0 or -errno.
 */
static int td_setup(struct td_ctx *c)
{
	char path[96];
	int r;

	r = kisol_userns_unshare_root((uint64_t)c->flag);
	if (r < 0)
		return r;
	c->home = kisol_ns_open(0, c->type);
	if (c->home < 0)
		return c->home;
	snprintf(path, sizeof(path), "/proc/sys/user/max_%s_namespaces",
		 kisol_ns_table[c->type].name);
	r = kisol_write_file(path, "2");
	if (r < 0)
		return r;
	c->victim = td_new(c);
	if (c->victim < 0)
		return c->victim;
	/* the limit holds: a third namespace is refused */
	if (unshare(c->flag) == 0)
		return -EPROTO;
	if (errno != ENOSPC)
		return -errno;
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	return 0;
}

static int op_teardown(void *arg, double *ret_ns)
{
	struct td_ctx *c = arg;
	struct timespec nap = { 0, 20000 };
	uint64_t t0, t1;
	int fd;

	t0 = kisol_now_ns();
	close(c->victim);
	c->victim = -1;
	for (;;) {
		if (unshare(c->flag) == 0)
			break;
		if (errno != ENOSPC)
			return -errno;
		c->polls++;
		if (kisol_now_ns() - t0 > 10000000000ull)
			return -ETIMEDOUT;
		nanosleep(&nap, NULL);
	}
	t1 = kisol_now_ns();
	/* the namespace unshare() just made is the next victim */
	fd = kisol_ns_open(0, c->type);
	if (fd < 0)
		return fd;
	if (setns(c->home, c->flag) < 0) {
		close(fd);
		return -errno;
	}
	c->victim = fd;
	*ret_ns = (double)(t1 - t0);
	return 0;
}

static int td_child(struct bench *b, void *arg)
{
	struct kisol_bench_record rec;
	struct td_ctx c;
	char name[64];
	int r;

	(void)arg;
	td_params(b, &c, name, sizeof(name));
	r = td_setup(&c);
	if (r < 0)
		return bench_skip(b, name, "no user namespace with a %s namespace limit here: %s",
				  kisol_ns_table[c.type].name, strerror(-r));
	if (b->verify) {
		struct kisol_ns_id before, after;
		bool kept;
		double ns = 0;

		if (kisol_ns_id(0, c.type, &before) < 0)
			before = (struct kisol_ns_id){ 0 };
		r = op_teardown(&c, &ns);
		kept = kisol_ns_id(0, c.type, &after) == 0 && kisol_ns_id_eq(&after, &before);
		bench_verify_begin(b, name);
		bench_ev_int(b, "teardown", r);
		bench_ev_int(b, "ns_elapsed", (int64_t)ns);
		/* ENOSPC before the close proved the victim counted; success after it proves it was freed */
		bench_ev_bool(b, "home_kept", kept);
		return bench_verify_end(b, r == 0 && ns > 0 && kept);
	}
	bench_rec(b, &rec, name);
	kisol_bench_param_str(&rec, "ns", kisol_ns_table[c.type].name);
	rec.floor = "floor.getppid";
	/* the warm-up iterations are real teardowns: keep them few */
	if (b->cfg.warmup > 2)
		b->cfg.warmup = 2;
	r = bench_measure(b, &rec, op_teardown, &c);
	if (c.victim >= 0)
		close(c.victim);
	return r;
}

static int run_teardown(struct bench *b)
{
	struct td_ctx c;
	char name[64];
	int r = td_params(b, &c, name, sizeof(name));

	return r < 0 ? r : bench_in_child(b, td_child, NULL);
}

static const struct bench_def defs[] = {
	{ "teardown", "ns", "last reference dropped until the namespace is freed (ns=net|ipc)",
	  run_teardown, run_teardown },
};

BENCH_MAIN(defs)
