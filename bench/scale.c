// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scaling (issue 7, item 7).
 *  - scale.ns: creating a namespace (clone3 with the flag; mode=create or
 *    create_exit_reap) while `existing` namespaces of the same type
 *    (net, ipc, mnt, user; 1..10000) are alive, held by fds.
 *  - scale.cg_mkdir: cgroup mkdir (rmdir untimed) next to `existing`
 *    empty sibling cgroups.
 *  - scale.concurrent: N worker threads (1..2x CPUs) doing op=null|
 *    clone_none|clone_net|migrate for duration_ms, `rounds` times:
 *    per-operation latency (p99) and throughput. Shared state lives under
 *    liburcu: the control block (stop flag, round) and the population of
 *    live objects workers pick from are RCU-protected pointers replaced
 *    with rcu_xchg_pointer and freed with call_rcu; every worker writes only
 *    its own cache-line aligned result slot. op=null measures the
 *    harness's own cost per operation, which should stay flat with N.
 */
#include <dirent.h>
#include <pthread.h>
#include <sys/resource.h>
#include <urcu.h>

#include "bench_main.h"
#include "bench_ns.h"
#include "bench_cg.h"

/* ---- scale.ns ---- */

struct held {
	int *fds;
	int n;
};

static void held_close(struct held *h)
{
	for (int i = 0; i < h->n; i++)
		close(h->fds[i]);
	free(h->fds);
	h->fds = NULL;
	h->n = 0;
}

static int raise_nofile(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_cur >= want)
		return 0;
	rl.rlim_cur = want;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? -errno : 0;
}

/*
 * One more user namespace: a child sharing our memory and fd table
 * (CLONE_VM | CLONE_FILES, parent suspended until it exits, like vfork)
 * creates it and opens its ns file, so the fd lands in our table. Without
 * copying the address space this costs a few tens of microseconds, where a
 * fork per namespace took milliseconds on slow hosts.
 */
static char userns_stack[64 * 1024] __attribute__((aligned(16)));

static int userns_child(void *arg)
{
	int *fd = arg;

	*fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		*fd = -errno;
	return 0;
}

static int hold_userns(void)
{
	int fd = -EIO;
	pid_t pid;

	pid = clone(userns_child, userns_stack + sizeof(userns_stack),
		    CLONE_NEWUSER | CLONE_VM | CLONE_FILES | CLONE_VFORK | SIGCHLD, &fd);
	if (pid < 0)
		return -errno;
	if (waitpid(pid, NULL, 0) != pid && fd >= 0) {
		close(fd);
		return -ECHILD;
	}
	return fd;
}

static int populate(int type, int n, struct held *h)
{
	int orig = kisol_ns_open(0, type), r = 0;

	if (orig < 0)
		return orig;
	h->fds = calloc((size_t)(n ? n : 1), sizeof(int));
	if (!h->fds) {
		close(orig);
		return -ENOMEM;
	}
	while (h->n < n) {
		int fd;

		if (type == KISOL_NS_USER) {
			fd = hold_userns();
		} else {
			if (unshare((int)kisol_ns_table[type].flag) < 0) {
				r = -errno;
				break;
			}
			fd = kisol_ns_open(0, type);
		}
		if (fd < 0) {
			r = fd;
			break;
		}
		h->fds[h->n++] = fd;
	}
	if (type != KISOL_NS_USER && setns(orig, (int)kisol_ns_table[type].flag) < 0 && r == 0)
		r = -errno;
	close(orig);
	return r;
}

struct ns_ctx {
	uint64_t flag;
	bool exit_reap;
};

static int op_ns(void *arg, double *ret_ns)
{
	struct ns_ctx *c = arg;

	return ns_clone_timed(c->flag, c->exit_reap, ret_ns);
}

static int ns_params(struct bench *b, int *type, int *n, struct ns_ctx *c, char *name, size_t size)
{
	const char *ns = bp_str(b, "ns", "net");
	const char *mode = bp_str(b, "mode", "create_exit_reap");

	*type = kisol_ns_from_name(ns);
	*n = (int)bp_int(b, "existing", 100);
	if (*type != KISOL_NS_NET && *type != KISOL_NS_IPC && *type != KISOL_NS_MNT &&
	    *type != KISOL_NS_USER && *type != KISOL_NS_UTS)
		return bench_bad(b, "ns=%s: want net, ipc, mnt, uts or user", ns);
	if (*n < 0 || *n > 100000)
		return bench_bad(b, "existing=%d: want 0..100000", *n);
	if (strcmp(mode, "create") && strcmp(mode, "create_exit_reap"))
		return bench_bad(b, "mode=%s: want create or create_exit_reap", mode);
	c->flag = kisol_ns_table[*type].flag;
	c->exit_reap = mode[6] != '\0';
	snprintf(name, size, "scale.ns.%s.%s", ns, mode);
	return 0;
}

static int ns_body(struct bench *b, void *arg)
{
	struct kisol_bench_record rec;
	struct held h = { 0 };
	struct ns_ctx c;
	char name[96];
	int type, n, r;

	ns_params(b, &type, &n, &c, name, sizeof(name));
	r = raise_nofile((rlim_t)n + 1024);
	if (r == 0)
		r = populate(type, n, &h);
	if (r < 0) {
		held_close(&h);
		return bench_skip(b, name, "holding %d %s namespaces failed after %d: %s", n,
				  bp_str(b, "ns", "net"), h.n, strerror(-r));
	}
	if (b->verify) {
		uint64_t prev = 0;
		int distinct = 0, typed = 0;
		struct kisol_ns_id id, own;

		/* unshare/clone hand out increasing inode numbers: distinct = strictly increasing */
		for (int i = 0; i < h.n; i++) {
			if (kisol_ns_id_fd(h.fds[i], &id) == 0 && id.ino != prev)
				distinct++;
			prev = id.ino;
			typed += kisol_ns_get_type(h.fds[i]) == type;
		}
		bench_verify_begin(b, name);
		bench_ev_int(b, "existing", n);
		bench_ev_int(b, "held", h.n);
		bench_ev_int(b, "distinct", distinct);
		bench_ev_int(b, "of_type", typed);
		bench_ev_int(b, "own_is_held", h.n && kisol_ns_id(0, type, &own) == 0 && own.ino == prev);
		held_close(&h);
		return bench_verify_end(b, h.n == 0 && distinct == n && typed == n);
	}
	bench_rec(b, &rec, name);
	kisol_bench_param_str(&rec, "ns", bp_str(b, "ns", "net"));
	kisol_bench_param_int(&rec, "existing", n);
	kisol_bench_param_str(&rec, "mode", c.exit_reap ? "create_exit_reap" : "create");
	rec.floor = "floor.fork_exit_wait";
	r = bench_measure(b, &rec, op_ns, &c);
	held_close(&h);
	return r;
}

static int run_ns(struct bench *b)
{
	struct ns_ctx c;
	char name[96];
	int type, n, r = ns_params(b, &type, &n, &c, name, sizeof(name));

	return r < 0 ? r : bench_in_child(b, ns_body, NULL);
}

/* ---- scale.cg_mkdir ---- */

static int op_cg_mkdir(void *arg, double *ret_ns)
{
	const char *x = arg;
	uint64_t t0, t1;

	t0 = kisol_now_ns();
	if (mkdir(x, 0755) < 0)
		return -errno;
	t1 = kisol_now_ns();
	if (rmdir(x) < 0)
		return -errno;
	*ret_ns = (double)(t1 - t0);
	return 0;
}

static int run_cg(struct bench *b)
{
	const char *spec = bp_str(b, "hier", "v2");
	int n = (int)bp_int(b, "existing", 100), r, made = 0;
	struct kisol_bench_record rec;
	char why[256], name[96], p[PATH_MAX], x[PATH_MAX];
	struct cg_hier h;

	if (n < 0 || n > 20000 - 8)
		return bench_bad(b, "existing=%d: want 0..19992", n);
	snprintf(name, sizeof(name), "scale.cg_mkdir.%s", spec);
	r = cg_open(spec, &h, why, sizeof(why));
	if (r == -EINVAL)
		return bench_bad(b, "hier=%s: want v2 or v1:<controller>", spec);
	if (r < 0)
		return bench_skip(b, name, "%s", why);
	/* the siblings: plain mkdir, the operation measured; removed with top */
	for (int i = 0; i < n && r == 0; i++) {
		snprintf(p, sizeof(p), "%s/s%d", h.top.path, i);
		r = mkdir(p, 0755) < 0 ? -errno : 0;
		made += r == 0;
	}
	snprintf(x, sizeof(x), "%s/x", h.top.path);
	if (r == 0 && b->verify) {
		int siblings = 0;
		DIR *d = opendir(h.top.path);
		struct dirent *de;

		while (d && (de = readdir(d)))
			siblings += de->d_type == DT_DIR && de->d_name[0] == 's';
		if (d)
			closedir(d);
		r = mkdir(x, 0755) < 0 ? -errno : 0;
		if (r == 0)
			rmdir(x);
		bench_verify_begin(b, name);
		bench_ev_int(b, "existing", n);
		bench_ev_int(b, "siblings", siblings);
		bench_ev_int(b, "mkdir", r);
		kisol_cg_destroy(&h.top);
		return bench_verify_end(b, r == 0 && siblings == n);
	}
	if (r == 0) {
		bench_rec(b, &rec, name);
		kisol_bench_param_str(&rec, "hier", spec);
		kisol_bench_param_int(&rec, "existing", made);
		rec.floor = "floor.getppid";
		r = bench_measure(b, &rec, op_cg_mkdir, x);
	}
	kisol_cg_destroy(&h.top);
	return r;
}

/* ---- scale.concurrent: N workers, shared state under liburcu ---- */

enum cop { COP_NULL, COP_CLONE_NONE, COP_CLONE_NET, COP_MIGRATE };

struct control {
	int stop;
	unsigned round;
	struct rcu_head rcu;
};

struct population {
	size_t n;
	struct rcu_head rcu;
	pid_t pids[];
};

struct slot {
	double *lat;
	size_t n, cap;
	uint64_t ops;
	int err;
} __attribute__((aligned(64)));

struct conc {
	enum cop op;
	int workers;
	struct control *ctl;      /* RCU-protected */
	struct population *pop;   /* RCU-protected */
	struct slot *slots;
	pthread_barrier_t start;
	int fda, fdb;             /* cgroup.procs of the two migration cgroups */
	struct cg_hier h;         /* top of the migration cgroups */
	struct kisol_cg a, b;
};

struct worker_arg {
	struct conc *c;
	int id;
};

static void free_ctl(struct rcu_head *h)
{
	free(caa_container_of(h, struct control, rcu));
}

static void free_pop(struct rcu_head *h)
{
	free(caa_container_of(h, struct population, rcu));
}

static int conc_op(struct conc *c, int id, pid_t task, bool flip)
{
	struct kisol_clone_opts o = { .cgroup_fd = -1 };
	char s[32];
	pid_t pid;
	int n;

	switch (c->op) {
	case COP_NULL:
		return 0;
	case COP_CLONE_NONE:
	case COP_CLONE_NET:
		o.flags = c->op == COP_CLONE_NET ? CLONE_NEWNET : 0;
		pid = kisol_clone(&o, NULL);
		if (pid == 0)
			_exit(0);
		if (pid < 0)
			return pid;
		return waitpid(pid, NULL, __WALL) == pid ? 0 : -errno;
	case COP_MIGRATE:
		n = snprintf(s, sizeof(s), "%d", task);
		return kisol_cg_write_fd(flip ? c->fda : c->fdb, s, (size_t)n);
	}
	return -EINVAL;
}

static void *worker(void *p)
{
	struct worker_arg *wa = p;
	struct conc *c = wa->c;
	struct slot *sl = &c->slots[wa->id];
	bool flip = false;

	rcu_register_thread();
	pthread_barrier_wait(&c->start);
	for (;;) {
		struct control *ctl;
		struct population *pop;
		uint64_t t0, t1;
		pid_t task = 0;
		int stop, r;

		rcu_read_lock();
		ctl = rcu_dereference(c->ctl);
		stop = ctl->stop;
		pop = rcu_dereference(c->pop);
		if (pop && pop->n)
			task = pop->pids[(size_t)wa->id % pop->n];
		rcu_read_unlock();
		if (stop)
			break;
		flip = !flip;
		t0 = kisol_now_ns();
		r = conc_op(c, wa->id, task, flip);
		t1 = kisol_now_ns();
		if (r < 0) {
			sl->err = r;
			break;
		}
		if (sl->n < sl->cap)
			sl->lat[sl->n++] = (double)(t1 - t0);
		sl->ops++;
	}
	rcu_unregister_thread();
	return NULL;
}

/* Replace the control block (readers see old or new, never a torn one). */
static void publish_ctl(struct conc *c, int stop, unsigned round)
{
	struct control *n = calloc(1, sizeof(*n)), *old;

	if (!n)
		abort();
	n->stop = stop;
	n->round = round;
	old = rcu_xchg_pointer(&c->ctl, n);
	if (old)
		call_rcu(&old->rcu, free_ctl);
}

static int one_round(struct conc *c, uint64_t duration_ns, double *ret_ops_s, struct kisol_samples *lat)
{
	struct worker_arg wa[256];
	pthread_t th[256];
	struct timespec ts = { .tv_sec = (time_t)(duration_ns / 1000000000ull),
			       .tv_nsec = (long)(duration_ns % 1000000000ull) };
	uint64_t t0, t1, ops = 0;
	int r = 0;

	publish_ctl(c, 0, 0);
	pthread_barrier_init(&c->start, NULL, (unsigned)c->workers + 1);
	for (int i = 0; i < c->workers; i++) {
		c->slots[i].n = 0;
		c->slots[i].ops = 0;
		c->slots[i].err = 0;
		wa[i] = (struct worker_arg){ c, i };
		if (pthread_create(&th[i], NULL, worker, &wa[i]) != 0)
			abort();
	}
	pthread_barrier_wait(&c->start);
	t0 = kisol_now_ns();
	/* the measurement window itself (not synchronisation) */
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
	publish_ctl(c, 1, 0);
	for (int i = 0; i < c->workers; i++)
		pthread_join(th[i], NULL);
	t1 = kisol_now_ns();
	pthread_barrier_destroy(&c->start);
	for (int i = 0; i < c->workers; i++) {
		ops += c->slots[i].ops;
		if (c->slots[i].err)
			r = c->slots[i].err;
		for (size_t k = 0; k < c->slots[i].n && r == 0; k++)
			r = kisol_samples_add(lat, c->slots[i].lat[k]);
	}
	*ret_ops_s = (double)ops * 1e9 / (double)(t1 - t0);
	return r;
}

static const char *const cop_names[] = { "null", "clone_none", "clone_net", "migrate" };

static int conc_params(struct bench *b, struct conc *c, int *rounds, int64_t *dur_ms)
{
	const char *op = bp_str(b, "op", "null");
	int ncpu = kisol_timing_ncpus();

	c->op = (enum cop)-1;
	for (size_t i = 0; i < KISOL_ARRAY_SIZE(cop_names); i++)
		if (!strcmp(op, cop_names[i]))
			c->op = (enum cop)i;
	if ((int)c->op < 0)
		return bench_bad(b, "op=%s: want null, clone_none, clone_net or migrate", op);
	c->workers = (int)bp_int(b, "workers", ncpu > 0 ? ncpu : 1);
	*rounds = (int)bp_int(b, "rounds", 3);
	*dur_ms = bp_int(b, "duration_ms", 200);
	if (c->workers < 1 || c->workers > 256)
		return bench_bad(b, "workers=%d: want 1..256", c->workers);
	if (*rounds < 1 || *rounds > 1000 || *dur_ms < 1 || *dur_ms > 600000)
		return bench_bad(b, "rounds 1..1000 and duration_ms 1..600000");
	return 0;
}

static int conc_setup(struct bench *b, struct conc *c, char *why, size_t wsize)
{
	struct population *pop;
	int r;

	c->fda = c->fdb = -1;
	c->h.top = c->a = c->b = (struct kisol_cg)KISOL_CG_INIT;
	/* each slot on cache lines of its own, as its type says: calloc's
	 * 16-byte alignment put two workers' slots on one line (UBSan found it) */
	c->slots = aligned_alloc(_Alignof(struct slot), (size_t)c->workers * sizeof(*c->slots));
	if (!c->slots)
		return -ENOMEM;
	memset(c->slots, 0, (size_t)c->workers * sizeof(*c->slots));
	for (int i = 0; i < c->workers; i++) {
		c->slots[i].cap = 1u << 17; /* latencies kept per worker and round; ops are all counted */
		c->slots[i].lat = malloc(c->slots[i].cap * sizeof(double));
		if (!c->slots[i].lat)
			return -ENOMEM;
	}
	if (c->op != COP_MIGRATE)
		return 0;
	/* the population: one sleeping task per worker, moved between two cgroups */
	r = cg_open(bp_str(b, "hier", "v2"), &c->h, why, wsize);
	if (r < 0)
		return r;
	if ((r = kisol_cg_child(&c->h.top, "a", &c->a)) < 0 ||
	    (r = kisol_cg_child(&c->h.top, "b", &c->b)) < 0)
		return r;
	if ((c->fda = kisol_cg_open_file(&c->a, "cgroup.procs", O_WRONLY)) < 0)
		return c->fda;
	if ((c->fdb = kisol_cg_open_file(&c->b, "cgroup.procs", O_WRONLY)) < 0)
		return c->fdb;
	pop = calloc(1, sizeof(*pop) + (size_t)c->workers * sizeof(pid_t));
	if (!pop)
		return -ENOMEM;
	pop->n = (size_t)c->workers;
	for (int i = 0; i < c->workers; i++) {
		pop->pids[i] = kisol_cg_spawn_idle(NULL);
		if (pop->pids[i] < 0) {
			r = pop->pids[i];
			pop->n = (size_t)i;
			break;
		}
	}
	pop = rcu_xchg_pointer(&c->pop, pop);
	if (pop)
		call_rcu(&pop->rcu, free_pop);
	return r;
}

static void conc_release(struct conc *c)
{
	struct population *pop = rcu_xchg_pointer(&c->pop, NULL);

	synchronize_rcu();
	for (size_t i = 0; pop && i < pop->n; i++)
		kisol_cg_reap_idle(pop->pids[i]);
	free(pop);
	if (c->ctl) {
		free(rcu_xchg_pointer(&c->ctl, NULL));
	}
	for (int i = 0; c->slots && i < c->workers; i++)
		free(c->slots[i].lat);
	free(c->slots);
	if (c->fda >= 0)
		close(c->fda);
	if (c->fdb >= 0)
		close(c->fdb);
	kisol_cg_destroy(&c->a);
	kisol_cg_destroy(&c->b);
	kisol_cg_destroy(&c->h.top);
}

static int conc_body(struct bench *b, void *arg)
{
	struct kisol_samples lat = KISOL_SAMPLES_INIT, tput = KISOL_SAMPLES_INIT;
	struct kisol_bench_record rec;
	struct conc c = { 0 };
	char name[96], why[256] = "";
	int rounds, r;
	int64_t dur;

	conc_params(b, &c, &rounds, &dur);
	rcu_register_thread();
	snprintf(name, sizeof(name), "scale.concurrent.%s", cop_names[c.op]);
	r = conc_setup(b, &c, why, sizeof(why));
	if (r < 0) {
		conc_release(&c);
		rcu_unregister_thread();
		return why[0] ? bench_skip(b, name, "%s", why) : r;
	}
	for (int i = 0; i < rounds && r == 0; i++) {
		double ops_s;

		r = one_round(&c, (uint64_t)dur * 1000000ull, &ops_s, &lat);
		if (r == 0)
			r = kisol_samples_add(&tput, ops_s);
	}
	if (r == 0 && b->verify) {
		struct population *pop = c.pop;
		int in_ours = 0;
		char path[PATH_MAX];

		if (c.op == COP_MIGRATE) {
			for (size_t i = 0; pop && i < pop->n; i++)
				if (kisol_cg_proc_path(pop->pids[i], c.h.hier_id, path, sizeof(path)) == 0 &&
				    strstr(path, "/kisol-bench-") &&
				    (strstr(path, "/a") || strstr(path, "/b")))
					in_ours++;
		}
		bench_verify_begin(b, name);
		bench_ev_int(b, "workers", c.workers);
		bench_ev_int(b, "ops", (int64_t)lat.n);
		bench_ev_int(b, "tasks_in_target_cgroups", in_ours);
		r = bench_verify_end(b, lat.n > 0 && (c.op != COP_MIGRATE || in_ours == c.workers));
	} else if (r == 0) {
		bench_rec(b, &rec, name);
		kisol_bench_param_str(&rec, "op", cop_names[c.op]);
		kisol_bench_param_int(&rec, "workers", c.workers);
		kisol_bench_param_int(&rec, "rounds", rounds);
		kisol_bench_param_int(&rec, "duration_ms", dur);
		if (c.op == COP_MIGRATE)
			kisol_bench_param_str(&rec, "hier", bp_str(b, "hier", "v2"));
		rec.floor = c.op == COP_NULL ? NULL : c.op == COP_MIGRATE ? "floor.getppid" : "floor.fork_exit_wait";
		r = bench_write(b, &rec, lat.v, lat.n);
		if (r == 0) {
			char tname[128];

			snprintf(tname, sizeof(tname), "%s.throughput", name);
			snprintf(rec.benchmark, sizeof(rec.benchmark), "%s", tname);
			rec.unit = "ops/s";
			rec.better = "higher";
			rec.floor = NULL;
			r = bench_write(b, &rec, tput.v, tput.n);
		}
	}
	kisol_samples_free(&lat);
	kisol_samples_free(&tput);
	conc_release(&c);
	rcu_barrier();
	rcu_unregister_thread();
	return r;
}

static int run_conc(struct bench *b)
{
	struct conc c;
	int rounds;
	int64_t dur;
	int r = conc_params(b, &c, &rounds, &dur);

	return r < 0 ? r : bench_in_child(b, conc_body, NULL);
}

static const struct bench_def defs[] = {
	{ "scale.ns", "ns,existing,mode", "clone3 with a namespace flag while `existing` namespaces of that type live", run_ns, run_ns },
	{ "scale.cg_mkdir", "hier,existing", "cgroup mkdir next to `existing` sibling cgroups", run_cg, run_cg },
	{ "scale.concurrent", "op,workers,rounds,duration_ms,hier", "N workers doing op=null|clone_none|clone_net|migrate: latency and throughput", run_conc, run_conc },
};

BENCH_MAIN(defs)
