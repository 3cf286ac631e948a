// SPDX-License-Identifier: GPL-2.0-only
/*
 * kisol cgroup: run directories, test cgroups, files, attach, freeze,
 * kill, drain and rmdir. Waiting is poll() on cgroup.events (v2) or on
 * pidfds of the member tasks (v1); v1 freezer.state has no notification
 * and is re-read (yielding) until it reaches the state or the deadline.
 */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "cgroup-internal.h"
#include "kisol/proc.h"
#include "kisol/userns.h"

#define DRAIN_MS 10000

struct run_state {
	pid_t pid;        /* process the state belongs to (reset after fork) */
	bool temp;        /* per-process run directory: removed with the last cgroup */
	int live;         /* test cgroups alive below it */
	uint64_t enabled; /* controllers we enabled in home (temp, v2) */
	char path[KISOL_CG_PATH];
	char home[KISOL_CG_PATH]; /* kisol_cg__home() the run dir was made in (temp) */
};

static struct run_state runs[KISOL_CG_MAX_HIER];

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining(int64_t deadline)
{
	int64_t r = deadline - now_ms();

	return r < 0 ? 0 : (int)r;
}

static int join(char *buf, size_t size, const char *a, const char *b)
{
	int n = snprintf(buf, size, "%s/%s", a, b);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* v1 cpuset: a new cgroup starts with empty cpus/mems; copy the parent's. */
int kisol_cg__cpuset_inherit(const char *dir)
{
	static const char *files[] = { "cpuset.cpus", "cpuset.mems" };
	char parent[KISOL_CG_PATH], p[KISOL_CG_PATH + 32], buf[1024];
	int r;

	snprintf(parent, sizeof(parent), "%s", dir);
	dirname(parent);
	for (size_t i = 0; i < KISOL_ARRAY_SIZE(files); i++) {
		if (join(p, sizeof(p), dir, files[i]) < 0)
			return -ENAMETOOLONG;
		r = kisol_read_file(p, buf, sizeof(buf));
		if (r == -ENOENT)
			return 0; /* not a cpuset hierarchy */
		if (r < 0)
			return r;
		if (kisol_chomp(buf))
			continue;
		if (join(p, sizeof(p), parent, files[i]) < 0)
			return -ENAMETOOLONG;
		r = kisol_read_file(p, buf, sizeof(buf));
		if (r < 0)
			return r;
		kisol_chomp(buf);
		join(p, sizeof(p), dir, files[i]);
		r = kisol_write_file(p, buf);
		if (r < 0)
			return r;
	}
	return 0;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return kisol_negerrno();
	return kisol_cg__cpuset_inherit(path);
}

int kisol_cg__v2_base(const struct kisol_cg_hier *h, char *buf, size_t size)
{
	const char *env = h->version == 2 ? getenv("KISOL_CG_V2_BASE") : NULL;
	char path[KISOL_CG_PATH];
	struct stat st;

	if (!env || !*env)
		return 0;
	if (env[0] == '/' && stat(env, &st) == 0)
		snprintf(path, sizeof(path), "%s", env);
	else if (join(path, sizeof(path), h->mnt, env[0] == '/' ? env + 1 : env) < 0)
		return -ENAMETOOLONG;
	if (stat(path, &st) < 0)
		return kisol_negerrno();
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (strlen(path) >= size)
		return -ENAMETOOLONG;
	snprintf(buf, size, "%s", path);
	return 1;
}

int kisol_cg__home(const struct kisol_cg_hier *h, char *buf, size_t size)
{
	if (!h->own_dir[0])
		return -ENOENT; /* own cgroup not visible in this mount */
	if (h->version == 2 && !kisol_is_root() && kisol_cg__delegated_root(h, buf, size) == 0)
		return 0;
	if (strlen(h->own_dir) >= size)
		return -ENAMETOOLONG;
	snprintf(buf, size, "%s", h->own_dir);
	return 0;
}

int kisol_cg_run_dir(int idx, char *buf, size_t size)
{
	const struct kisol_cg_hier *h = kisol_cg__hier(idx);
	struct run_state *rs;
	const char *env;
	char path[KISOL_CG_PATH], home[KISOL_CG_PATH] = "";
	bool temp = false;
	int r;

	if (!h || !buf || !size)
		return -EINVAL;
	rs = &runs[idx];
	if (rs->pid == getpid()) {
		snprintf(buf, size, "%s", rs->path);
		return 0;
	}
	r = kisol_cg__v2_base(h, path, sizeof(path));
	if (r < 0)
		return r;
	if (r == 0) {
		char name[64];

		r = kisol_cg__home(h, home, sizeof(home));
		if (r < 0)
			return r;
		env = getenv("KISOL_RUN_ID");
		if (h->version == 1 && env && *env) {
			snprintf(name, sizeof(name), "kisol-run-%s", env);
		} else {
			snprintf(name, sizeof(name), "kisol-p%d", (int)kisol_owner());
			temp = true;
		}
		if (join(path, sizeof(path), home, name) < 0)
			return -ENAMETOOLONG;
		r = make_dir(path);
		if (r < 0)
			return r;
	}
	memset(rs, 0, sizeof(*rs));
	rs->pid = getpid();
	rs->temp = temp;
	snprintf(rs->path, sizeof(rs->path), "%s", path);
	snprintf(rs->home, sizeof(rs->home), "%s", home);
	snprintf(buf, size, "%s", path);
	return 0;
}

static bool listed(const char *dir, const char *file, enum kisol_cg_ctrl c)
{
	char p[KISOL_CG_PATH + 32], buf[KISOL_CG_PATH];

	if (join(p, sizeof(p), dir, file) < 0 || kisol_read_file(p, buf, sizeof(buf)) < 0)
		return false;
	return kisol_cg__v2_bits(buf) & (1ULL << c);
}

static int enable_in(const char *dir, enum kisol_cg_ctrl c)
{
	char p[KISOL_CG_PATH + 32], s[64];

	if (listed(dir, "cgroup.subtree_control", c))
		return 0;
	snprintf(s, sizeof(s), "+%s", kisol_cg_table[c].v2);
	if (join(p, sizeof(p), dir, "cgroup.subtree_control") < 0)
		return -ENAMETOOLONG;
	return kisol_write_file(p, s);
}

int kisol_cg__prepare(int idx, enum kisol_cg_ctrl c)
{
	const struct kisol_cg_hier *h = kisol_cg__hier(idx);
	char dir[KISOL_CG_PATH];
	struct run_state *rs;
	int r;

	if (!h)
		return -EINVAL;
	r = kisol_cg_run_dir(idx, dir, sizeof(dir));
	if (r < 0)
		return r;
	if (h->version != 2 || !kisol_cg_table[c].v2 || !(h->ctrls & (1ULL << c)))
		return 0; /* v1, or served by the v2 core */
	rs = &runs[idx];
	if (!listed(dir, "cgroup.controllers", c)) {
		if (!rs->temp)
			return -ENODEV; /* the driver's base did not get it */
		r = enable_in(rs->home, c);
		if (r < 0)
			return r;
		rs->enabled |= 1ULL << c;
	}
	return enable_in(dir, c);
}

static void set_rel(struct kisol_cg *cg, const struct kisol_cg_hier *h)
{
	size_t ml = strlen(h->mnt);
	const char *tail = cg->path + ml;

	if (strncmp(cg->path, h->mnt, ml)) {
		cg->rel[0] = '\0';
		return;
	}
	snprintf(cg->rel, sizeof(cg->rel), "%s%s", strcmp(h->root, "/") ? h->root : "",
		 *tail ? tail : (strcmp(h->root, "/") ? "" : "/"));
}

static int open_into(struct kisol_cg *cg, const char *path, int version, int idx)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return kisol_negerrno();
	cg->dfd = fd;
	cg->version = version;
	cg->hier_idx = idx;
	snprintf(cg->path, sizeof(cg->path), "%s", path);
	if (kisol_cg__hier(idx))
		set_rel(cg, kisol_cg__hier(idx));
	return 0;
}

int kisol_cg_create(enum kisol_cg_ctrl c, int version, struct kisol_cg *ret)
{
	struct kisol_cg cg = KISOL_CG_INIT;
	static unsigned counter;
	char dir[KISOL_CG_PATH], path[KISOL_CG_PATH];
	int idx, r;

	if (!ret)
		return -EINVAL;
	idx = kisol_cg__locate_idx(c, version);
	if (idx < 0)
		return idx;
	r = kisol_cg__prepare(idx, c);
	if (r < 0)
		return r;
	kisol_cg_run_dir(idx, dir, sizeof(dir));
	for (;;) {
		char name[48];

		snprintf(name, sizeof(name), "t%d-%u", (int)getpid(), counter++);
		if (join(path, sizeof(path), dir, name) < 0)
			return -ENAMETOOLONG;
		if (mkdir(path, 0755) == 0)
			break;
		if (errno != EEXIST)
			return kisol_negerrno();
	}
	r = kisol_cg__cpuset_inherit(path);
	if (r >= 0)
		r = open_into(&cg, path, kisol_cg__hier(idx)->version, idx);
	if (r < 0) {
		rmdir(path);
		return r;
	}
	cg.ctrl = c;
	cg.owned = true;
	cg.run_child = true;
	runs[idx].live++;
	*ret = cg;
	return 0;
}

int kisol_cg_child(const struct kisol_cg *parent, const char *name, struct kisol_cg *ret)
{
	struct kisol_cg cg = KISOL_CG_INIT;
	char path[KISOL_CG_PATH];
	int r;

	if (!parent || !name || !ret || parent->dfd < 0)
		return -EINVAL;
	if (join(path, sizeof(path), parent->path, name) < 0)
		return -ENAMETOOLONG;
	if (mkdirat(parent->dfd, name, 0755) < 0)
		return kisol_negerrno();
	r = parent->version == 1 ? kisol_cg__cpuset_inherit(path) : 0;
	if (r >= 0)
		r = open_into(&cg, path, parent->version, parent->hier_idx);
	if (r < 0) {
		rmdir(path);
		return r;
	}
	cg.ctrl = parent->ctrl;
	cg.owned = true;
	*ret = cg;
	return 0;
}

int kisol_cg_open(const char *path, int version, struct kisol_cg *ret)
{
	const struct kisol_cg_layout *l;
	struct kisol_cg cg = KISOL_CG_INIT;
	int idx = -1, r;

	if (!path || !ret)
		return -EINVAL;
	r = kisol_cg_layout(&l);
	if (r < 0)
		return r;
	for (int i = 0; i < l->n; i++) {
		size_t ml = strlen(l->h[i].mnt);

		if ((!version || l->h[i].version == version) && !strncmp(path, l->h[i].mnt, ml) &&
		    (path[ml] == '/' || !path[ml]))
			idx = i;
	}
	r = open_into(&cg, path, idx >= 0 ? l->h[idx].version : version, idx);
	if (r < 0)
		return r;
	if (idx < 0 && version == 0)
		cg.version = faccessat(cg.dfd, "cgroup.controllers", F_OK, 0) == 0 ? 2 : 1;
	*ret = cg;
	return 0;
}

int kisol_cg_enable(const struct kisol_cg *cg, enum kisol_cg_ctrl c)
{
	char s[64];

	if (!cg || cg->dfd < 0 || (int)c < 0 || c >= _KISOL_CG_MAX)
		return -EINVAL;
	if (cg->version != 2 || !kisol_cg_table[c].v2)
		return 0;
	snprintf(s, sizeof(s), "+%s", kisol_cg_table[c].v2);
	return kisol_write_fileat(cg->dfd, "cgroup.subtree_control", s);
}

int kisol_cg_has_ctrl(const struct kisol_cg *cg, enum kisol_cg_ctrl c)
{
	char buf[KISOL_CG_PATH];
	int r;

	if (!cg || cg->dfd < 0 || (int)c < 0 || c >= _KISOL_CG_MAX)
		return -EINVAL;
	r = kisol_read_fileat(cg->dfd, "cgroup.controllers", buf, sizeof(buf));
	if (r < 0)
		return r;
	return !!(kisol_cg__v2_bits(buf) & (1ULL << c));
}

int kisol_cg_read(const struct kisol_cg *cg, const char *file, char *buf, size_t size)
{
	if (!cg || cg->dfd < 0 || !file)
		return -EINVAL;
	return kisol_read_fileat(cg->dfd, file, buf, size);
}

int kisol_cg_write(const struct kisol_cg *cg, const char *file, const char *s)
{
	if (!cg || cg->dfd < 0 || !file)
		return -EINVAL;
	return kisol_write_fileat(cg->dfd, file, s);
}

int kisol_cg_read_int(const struct kisol_cg *cg, const char *file, int64_t *ret)
{
	if (!cg || cg->dfd < 0 || !file || !ret)
		return -EINVAL;
	return kisol_read_int64at(cg->dfd, file, ret);
}

int kisol_cg_write_int(const struct kisol_cg *cg, const char *file, int64_t v)
{
	char s[32];

	if (v == INT64_MAX)
		snprintf(s, sizeof(s), "max");
	else
		snprintf(s, sizeof(s), "%lld", (long long)v);
	return kisol_cg_write(cg, file, s);
}

int kisol_cg_keyed(const struct kisol_cg *cg, const char *file, const char *key, int64_t *ret)
{
	char buf[8192];
	int r;

	if (!key || !ret)
		return -EINVAL;
	r = kisol_cg_read(cg, file, buf, sizeof(buf));
	if (r < 0)
		return r;
	return kisol_keyed_int64(buf, key, ret);
}

int kisol_cg_has_file(const struct kisol_cg *cg, const char *file)
{
	if (!cg || cg->dfd < 0 || !file)
		return -EINVAL;
	if (faccessat(cg->dfd, file, F_OK, 0) == 0)
		return 1;
	return errno == ENOENT ? 0 : kisol_negerrno();
}

static int write_pid(const struct kisol_cg *cg, const char *file, pid_t pid)
{
	char s[24];

	snprintf(s, sizeof(s), "%d", (int)pid);
	return kisol_cg_write(cg, file, s);
}

int kisol_cg_attach(const struct kisol_cg *cg, pid_t pid)
{
	return write_pid(cg, "cgroup.procs", pid);
}

int kisol_cg_attach_thread(const struct kisol_cg *cg, pid_t tid)
{
	if (!cg)
		return -EINVAL;
	return write_pid(cg, cg->version == 2 ? "cgroup.threads" : "tasks", tid);
}

/* Pids in dir/cgroup.procs; returns the count, fills up to max. */
static int list_pids(int dfd, pid_t *pids, int max)
{
	char buf[16384], *p, *e;
	int r, n = 0;

	r = kisol_read_fileat(dfd, "cgroup.procs", buf, sizeof(buf));
	if (r < 0)
		return r;
	for (p = buf; *p; p = e) {
		long v = strtol(p, &e, 10);

		if (e == p)
			break;
		if (n < max && pids)
			pids[n] = (pid_t)v;
		n++;
		while (*e == '\n')
			e++;
	}
	return n;
}

int kisol_cg_nr_procs(const struct kisol_cg *cg)
{
	if (!cg || cg->dfd < 0)
		return -EINVAL;
	return list_pids(cg->dfd, NULL, 0);
}

int kisol_cg_has_pid(const struct kisol_cg *cg, pid_t pid)
{
	pid_t pids[1024];
	int n;

	if (!cg || cg->dfd < 0)
		return -EINVAL;
	n = list_pids(cg->dfd, pids, 1024);
	if (n < 0)
		return n;
	for (int i = 0; i < n && i < 1024; i++)
		if (pids[i] == pid)
			return 1;
	return 0;
}

int kisol_cg_is_member(const struct kisol_cg *cg, pid_t pid)
{
	const struct kisol_cg_hier *h;
	char path[KISOL_CG_PATH];
	int r;

	if (!cg || cg->dfd < 0 || pid <= 0)
		return -EINVAL;
	r = kisol_cg_has_pid(cg, pid);
	h = kisol_cg__hier(cg->hier_idx);
	if (r <= 0 || !h || !cg->rel[0])
		return r;
	r = kisol_cg_proc_path(pid, h->hier_id, path, sizeof(path));
	return r < 0 ? r : !strcmp(path, cg->rel);
}

/* Call fn on every child cgroup directory of dfd (name relative). */
typedef int (*subdir_fn)(int parent_dfd, const char *name, int version, void *arg);

/* struct linux_dirent64: what getdents64(2) fills in. */
struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/*
 * getdents64 into a buffer on the stack instead of opendir/readdir (which
 * allocate): the teardown below may run in a signal handler
 * (kisol_cg_destroy_registered).
 */
static int for_each_subdir(int dfd, int version, subdir_fn fn, void *arg)
{
	_cleanup_close_ int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	union {
		struct dirent64_raw e;
		char b[4096];
	} buf;
	int r = 0;

	if (fd < 0)
		return kisol_negerrno();
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf.b, sizeof(buf));

		if (n < 0)
			return r ? r : kisol_negerrno();
		if (n == 0)
			return r;
		for (long off = 0; off < n;) {
			struct dirent64_raw *e = (struct dirent64_raw *)(buf.b + off);
			int q;

			off += e->d_reclen;
			if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			q = fn(fd, e->d_name, version, arg);
			if (q < 0 && !r)
				r = q;
			if (q > 0)
				return q;
		}
	}
}

static int populated_v1(int dfd);

static int populated_sub(int parent, const char *name, int version, void *arg)
{
	_cleanup_close_ int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	return populated_v1(fd);
}

static int populated_v1(int dfd)
{
	int n = list_pids(dfd, NULL, 0);

	if (n != 0)
		return n < 0 ? n : 1;
	return for_each_subdir(dfd, 1, populated_sub, NULL);
}

int kisol_cg_populated(const struct kisol_cg *cg)
{
	int64_t v;
	int r;

	if (!cg || cg->dfd < 0)
		return -EINVAL;
	if (cg->version == 2) {
		r = kisol_cg_keyed(cg, "cgroup.events", "populated", &v);
		return r < 0 ? r : !!v;
	}
	r = populated_v1(cg->dfd);
	return r < 0 ? r : !!r;
}

/*
 * Wait on the cgroup.events file dfd/file. The deadline is taken only once
 * the first read did not show the value: a state already reached costs
 * open, one pread, close (what the benchmarks time).
 */
static int wait_events_at(int dfd, const char *file, const char *key, int64_t value,
			  int timeout_ms)
{
	_cleanup_close_ int fd = openat(dfd, file, O_RDONLY | O_CLOEXEC);
	int64_t deadline = -1;

	if (fd < 0)
		return kisol_negerrno();
	for (;;) {
		char buf[512];
		int64_t v;
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		struct pollfd p = { .fd = fd, .events = POLLPRI };
		int r;

		if (n < 0)
			return kisol_negerrno();
		buf[n] = '\0';
		r = kisol_keyed_int64(buf, key, &v);
		if (r < 0)
			return r;
		if (v == value)
			return 0;
		if (deadline < 0)
			deadline = now_ms() + timeout_ms;
		if (timeout_ms >= 0 && remaining(deadline) == 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, timeout_ms < 0 ? -1 : remaining(deadline));
		if (r < 0 && errno != EINTR)
			return kisol_negerrno();
	}
}

static int wait_event_fd(int dfd, const char *key, int64_t value, int timeout_ms)
{
	return wait_events_at(dfd, "cgroup.events", key, value, timeout_ms);
}

int kisol_cg_wait_event(const struct kisol_cg *cg, const char *key, int64_t value, int timeout_ms)
{
	if (!cg || cg->dfd < 0 || !key)
		return -EINVAL;
	if (cg->version != 2)
		return -EOPNOTSUPP;
	return wait_event_fd(cg->dfd, key, value, timeout_ms);
}

int kisol_cg_wait_event_path(const struct kisol_cg *cg, const char *key, int64_t value,
			     int timeout_ms)
{
	char p[KISOL_CG_PATH + 32];

	if (!cg || cg->dfd < 0 || !key)
		return -EINVAL;
	if (cg->version != 2)
		return -EOPNOTSUPP;
	if (join(p, sizeof(p), cg->path, "cgroup.events") < 0)
		return -ENAMETOOLONG;
	return wait_events_at(AT_FDCWD, p, key, value, timeout_ms);
}

/*
 * v1: take pidfds of the tasks in dfd (signalling them with sig if not 0)
 * and wait for them to exit; repeat until cgroup.procs is empty.
 */
static int drain_v1(int dfd, int sig, int64_t deadline)
{
	for (;;) {
		pid_t pids[256];
		struct pollfd pf[256];
		int n = list_pids(dfd, pids, 256), k = 0;

		if (n <= 0)
			return n;
		for (int i = 0; i < n && i < 256; i++) {
			int fd = kisol_pidfd_open(pids[i]);

			if (fd < 0)
				continue; /* exited meanwhile */
			if (sig)
				kisol_pidfd_signal(fd, sig);
			pf[k].fd = fd;
			pf[k++].events = POLLIN;
		}
		for (int i = 0; i < k; i++) {
			int r;

			do
				r = poll(&pf[i], 1, remaining(deadline));
			while (r < 0 && errno == EINTR);
			close(pf[i].fd);
		}
		if (remaining(deadline) == 0)
			return list_pids(dfd, NULL, 0) > 0 ? -ETIMEDOUT : 0;
		if (!k)
			sched_yield(); /* tasks listed but exited: let exit finish */
	}
}

static int drain_tree_v1(int dfd, int sig, int64_t deadline);

static int drain_sub(int parent, const char *name, int version, void *arg)
{
	_cleanup_close_ int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	return drain_tree_v1(fd, ((int *)arg)[0], *(int64_t *)(((int *)arg) + 2));
}

static int drain_tree_v1(int dfd, int sig, int64_t deadline)
{
	struct { int sig; int pad; int64_t deadline; } a = { sig, 0, deadline };
	int r = for_each_subdir(dfd, 1, drain_sub, &a);
	int q = drain_v1(dfd, sig, deadline);

	return r < 0 ? r : q;
}

int kisol_cg_wait_empty(const struct kisol_cg *cg, int timeout_ms)
{
	if (!cg || cg->dfd < 0)
		return -EINVAL;
	if (cg->version == 2)
		return wait_event_fd(cg->dfd, "populated", 0, timeout_ms);
	return drain_tree_v1(cg->dfd, 0, now_ms() + (timeout_ms < 0 ? DRAIN_MS : timeout_ms));
}

static int v1_freezer_state(int dfd, const char *want, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	char buf[32];
	int r;

	r = kisol_write_fileat(dfd, "freezer.state", want);
	if (r < 0)
		return r;
	for (;;) {
		r = kisol_read_fileat(dfd, "freezer.state", buf, sizeof(buf));
		if (r < 0)
			return r;
		kisol_chomp(buf);
		if (!strcmp(buf, want))
			return 0;
		if (remaining(deadline) == 0)
			return -ETIMEDOUT;
		sched_yield();
	}
}

int kisol_cg_freeze(const struct kisol_cg *cg, bool freeze, int timeout_ms)
{
	int r;

	if (!cg || cg->dfd < 0)
		return -EINVAL;
	if (timeout_ms < 0)
		timeout_ms = DRAIN_MS;
	if (cg->version == 1)
		return v1_freezer_state(cg->dfd, freeze ? "FROZEN" : "THAWED", timeout_ms);
	r = kisol_write_fileat(cg->dfd, "cgroup.freeze", freeze ? "1" : "0");
	if (r < 0)
		return r;
	return wait_event_fd(cg->dfd, "frozen", freeze, timeout_ms);
}

static int kill_tree_v1(int dfd)
{
	return drain_tree_v1(dfd, SIGKILL, now_ms() + DRAIN_MS);
}

int kisol_cg_kill(const struct kisol_cg *cg)
{
	int r;

	if (!cg || cg->dfd < 0)
		return -EINVAL;
	if (cg->version == 2) {
		r = kisol_write_fileat(cg->dfd, "cgroup.kill", "1");
		if (r != -ENOENT)
			return r;
	}
	return kill_tree_v1(cg->dfd); /* v1, or v2 before cgroup.kill (5.14) */
}

/*
 * Thaw a frozen cgroup before its tasks are signalled: v1 frozen tasks
 * die only once thawed. Only a frozen one is written to: the teardown of
 * a cgroup never frozen writes nothing.
 */
static void thaw_if_frozen(int fd, int version)
{
	char buf[32];
	int64_t v;

	if (version == 2) {
		if (kisol_read_int64at(fd, "cgroup.freeze", &v) == 0 && v == 1)
			kisol_write_fileat(fd, "cgroup.freeze", "0");
		return;
	}
	if (kisol_read_fileat(fd, "freezer.state", buf, sizeof(buf)) < 0)
		return;
	kisol_chomp(buf);
	if (strcmp(buf, "THAWED"))
		v1_freezer_state(fd, "THAWED", DRAIN_MS);
}

/* Thaw, kill, drain, recurse, rmdir one directory. */
static int destroy_sub(int parent, const char *name, int version, void *arg);

static int destroy_dir(int parent, const char *name, int version)
{
	_cleanup_close_ int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int64_t deadline = now_ms() + DRAIN_MS;
	int r = 0, q;

	if (fd < 0)
		return errno == ENOENT ? 0 : kisol_negerrno();
	if (version == 1)
		thaw_if_frozen(fd, 1);
	if (version == 2 && kisol_write_fileat(fd, "cgroup.kill", "1") < 0)
		thaw_if_frozen(fd, 2); /* no cgroup.kill: thaw, signal below */
	q = for_each_subdir(fd, version, destroy_sub, NULL);
	if (q < 0)
		r = q;
	if (version == 2 && faccessat(fd, "cgroup.kill", F_OK, 0) == 0) {
		kisol_write_fileat(fd, "cgroup.kill", "1");
		q = wait_event_fd(fd, "populated", 0, DRAIN_MS);
	} else {
		q = drain_v1(fd, SIGKILL, deadline);
	}
	if (q < 0 && !r)
		r = q;
	for (;;) {
		if (unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			break;
		if (errno != EBUSY || remaining(deadline) == 0) {
			if (!r)
				r = kisol_negerrno();
			break;
		}
		sched_yield(); /* dying tasks still unlinking from the css_set */
	}
	return r;
}

int kisol_cg__destroy_at(int parent_fd, const char *name, int version)
{
	return destroy_dir(parent_fd, name, version);
}

static int destroy_sub(int parent, const char *name, int version, void *arg)
{
	int r = destroy_dir(parent, name, version);

	return r > 0 ? 0 : r;
}

static int stale_sub(int parent, const char *name, int version, void *arg)
{
	pid_t o = kisol_name_owner(name);

	if (!o || kisol_pid_alive(o) || destroy_dir(parent, name, version) < 0)
		return 0;
	(*(int *)arg)++;
	return 0;
}

int kisol_cg_remove_stale(void)
{
	const struct kisol_cg_layout *l;
	int n = 0, r = kisol_cg_layout(&l);

	if (r < 0)
		return r;
	for (int i = 0; i < l->n; i++) {
		_cleanup_close_ int fd = -EBADF;
		char home[KISOL_CG_PATH];

		if (kisol_cg__home(&l->h[i], home, sizeof(home)) < 0)
			continue;
		fd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			for_each_subdir(fd, l->h[i].version, stale_sub, &n);
	}
	return n;
}

static void run_release(int idx)
{
	struct run_state *rs = &runs[idx];
	const struct kisol_cg_hier *h = kisol_cg__hier(idx);

	if (idx < 0 || idx >= KISOL_CG_MAX_HIER || rs->pid != getpid())
		return;
	if (--rs->live > 0 || !rs->temp)
		return;
	if (rmdir(rs->path) < 0)
		return; /* something else still below it */
	for (int c = 0; h && c < _KISOL_CG_MAX; c++) {
		char p[KISOL_CG_PATH + 32], s[64];

		if (!(rs->enabled & (1ULL << c)))
			continue;
		snprintf(s, sizeof(s), "-%s", kisol_cg_table[c].v2);
		if (join(p, sizeof(p), rs->home, "cgroup.subtree_control") == 0)
			kisol_write_file(p, s);
	}
	rs->pid = 0;
}

/*
 * Registry of cgroups a program must not leave behind (kisol_cg_register):
 * fixed slots and no allocation, so that kisol_cg_destroy_registered() may
 * run in a signal handler. A slot is in use by the process whose pid it
 * holds (a forked child sees its parent's slots and leaves them alone); the
 * pid is written last when a slot is filled and cleared first when it is
 * emptied.
 */
#define REG_SLOTS 32
static struct reg_slot {
	volatile sig_atomic_t pid;
	int version;
	char parent[KISOL_CG_PATH];
	char name[KISOL_CG_PATH];
} reg[REG_SLOTS];

static int split_path(const char *path, char *parent, char *name)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path || !slash[1])
		return -EINVAL;
	snprintf(parent, KISOL_CG_PATH, "%.*s", (int)(slash - path), path);
	snprintf(name, KISOL_CG_PATH, "%s", slash + 1);
	return 0;
}

int kisol_cg_register(const struct kisol_cg *cg)
{
	pid_t self = getpid();

	if (!cg || cg->dfd < 0 || !cg->owned)
		return -EINVAL;
	for (int i = 0; i < REG_SLOTS; i++) {
		struct reg_slot *s = &reg[i];

		if (s->pid == self)
			continue;
		s->pid = 0;
		if (split_path(cg->path, s->parent, s->name) < 0)
			return -EINVAL;
		s->version = cg->version;
		s->pid = self;
		return 0;
	}
	return -ENOSPC;
}

static void unregister(const char *path)
{
	char parent[KISOL_CG_PATH], name[KISOL_CG_PATH];
	pid_t self = getpid();

	if (split_path(path, parent, name) < 0)
		return;
	for (int i = 0; i < REG_SLOTS; i++)
		if (reg[i].pid == self && !strcmp(reg[i].name, name) && !strcmp(reg[i].parent, parent))
			reg[i].pid = 0;
}

int kisol_cg_destroy_registered(void)
{
	pid_t self = getpid();
	int r = 0;

	for (int i = REG_SLOTS - 1; i >= 0; i--) {
		struct reg_slot *s = &reg[i];
		int fd, q;

		if (s->pid != self)
			continue;
		fd = open(s->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			q = errno == ENOENT ? 0 : kisol_negerrno();
		} else {
			q = destroy_dir(fd, s->name, s->version);
			close(fd);
		}
		s->pid = 0;
		if (q < 0 && !r)
			r = q;
	}
	return r;
}

int kisol_cg_destroy(struct kisol_cg *cg)
{
	int r = 0;

	if (!cg)
		return -EINVAL;
	if (cg->dfd >= 0 && cg->owned) {
		unregister(cg->path);
		char parent[KISOL_CG_PATH], name[KISOL_CG_PATH];
		_cleanup_close_ int pfd = -EBADF;

		snprintf(parent, sizeof(parent), "%s", cg->path);
		snprintf(name, sizeof(name), "%s", basename(cg->path));
		dirname(parent);
		pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = pfd < 0 ? kisol_negerrno() : destroy_dir(pfd, name, cg->version);
		if (cg->run_child)
			run_release(cg->hier_idx);
	}
	if (cg->dfd >= 0)
		close(cg->dfd);
	*cg = (struct kisol_cg)KISOL_CG_INIT;
	return r;
}

void kisol_cg_cleanup(struct kisol_cg *cg)
{
	int saved = errno;

	kisol_cg_destroy(cg);
	errno = saved;
}

pid_t kisol_cg_clone_into(const struct kisol_cg *cg, int *ret_pidfd)
{
	struct kisol_clone_opts o = { .cgroup_fd = -1 };

	if (!cg || cg->dfd < 0)
		return -EINVAL;
	if (cg->version != 2)
		return -EOPNOTSUPP;
	o.cgroup_fd = cg->dfd;
	return kisol_clone(&o, ret_pidfd);
}

struct spawn_arg {
	kisol_child_fn fn;
	void *arg;
};

/* v1 path: wait until the parent has attached us, then run fn. */
static int spawn_trampoline(int sock, void *p)
{
	struct spawn_arg *a = p;
	int64_t go;

	if (kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS) < 0 || go != 1)
		return 120;
	return a->fn(sock, a->arg);
}

int kisol_cg_spawn(const struct kisol_cg *cg, uint64_t flags, kisol_child_fn fn, void *arg,
		   struct kisol_child *ret)
{
	struct kisol_spawn_opts o = { .flags = flags, .cgroup_fd = -1 };
	struct spawn_arg a = { fn, arg };
	struct kisol_child c = KISOL_CHILD_INIT;
	int r;

	if (!cg || cg->dfd < 0 || !fn || !ret)
		return -EINVAL;
	/*
	 * Attach before a go message on both versions. CLONE_INTO_CGROUP is
	 * not used here: kernels with the fork/cgroup.kill race fix (6.14+)
	 * compare the target's kill_seq with the one read from the parent's
	 * cgroup and SIGKILL the child when the parent's cgroup was ever
	 * killed (kisol_cg_clone_into() exposes this; see cases/cgroup_core).
	 */
	r = kisol_spawn(&o, spawn_trampoline, &a, &c);
	if (r < 0)
		return r;
	r = kisol_cg_attach(cg, c.pid);
	if (r >= 0)
		r = kisol_cg_is_member(cg, c.pid);
	if (r == 0)
		r = -EIO; /* the attach reported success, the child is elsewhere */
	if (r >= 0)
		r = kisol_send_int(c.sock, 1);
	if (r < 0) {
		kisol_child_release(&c);
		return r;
	}
	*ret = c;
	return 0;
}

int kisol_cg_move_self(const struct kisol_cg *cg, char *ret_prev, size_t size)
{
	const struct kisol_cg_hier *h;
	char own[KISOL_CG_PATH], prev[KISOL_CG_PATH * 2];
	int r;

	if (!cg || cg->dfd < 0)
		return -EINVAL;
	h = kisol_cg__hier(cg->hier_idx);
	if (ret_prev) {
		size_t rl;

		if (!h)
			return -EINVAL;
		r = kisol_cg_proc_path(0, h->hier_id, own, sizeof(own));
		if (r < 0)
			return r;
		rl = strcmp(h->root, "/") ? strlen(h->root) : 0;
		if (strncmp(own, h->root, rl) || !strncmp(own, "/..", 3))
			return -EXDEV;
		snprintf(prev, sizeof(prev), "%s%s", h->mnt, strcmp(own + rl, "/") ? own + rl : "");
		if (strlen(prev) >= size)
			return -ENAMETOOLONG;
	}
	r = kisol_cg_write(cg, "cgroup.procs", "0");
	if (r < 0)
		return r;
	if (ret_prev)
		snprintf(ret_prev, size, "%s", prev);
	return 0;
}

int kisol_cg_move_self_path(const char *dir)
{
	char p[KISOL_CG_PATH + 32];

	if (!dir || join(p, sizeof(p), dir, "cgroup.procs") < 0)
		return -EINVAL;
	return kisol_write_file(p, "0");
}

int kisol_cg__gc(int idx)
{
	if (idx < 0 || idx >= KISOL_CG_MAX_HIER || runs[idx].pid != getpid() || runs[idx].live)
		return 0;
	runs[idx].live = 1;
	run_release(idx);
	return 0;
}
