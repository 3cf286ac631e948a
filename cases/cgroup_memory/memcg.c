// SPDX-License-Identifier: GPL-2.0-only
/*
 * memory controller, cgroup v2 only: kernel memory (dentries, kernel
 * stacks) and socket buffers are charged to the cgroup of the task that
 * made them; memory.reclaim; memory.high against one allocation made in a
 * single kernel entry; memory.peak / memory.swap.peak reset per open file;
 * memory.oom.group kills the whole group at the level of the OOM, sparing
 * OOM_SCORE_ADJ_MIN tasks. Each test has a sibling cgroup (or the level
 * above) that must stay untouched.
 *
 * Facts: Documentation/admin-guide/cgroup-v2.rst (memory.stat, memory.reclaim,
 * memory.high, memory.peak, memory.oom.group) and the peers
 * tools/testing/selftests/cgroup/test_kmem.c and test_memcontrol.c (6.12).
 */
#include <netinet/in.h>
#include <sys/socket.h>

#include "kisol_test.h"
#include "lib_cgroup/cgcase.h"
#include "cgroup_memory/memcase.h"

CG_FIXTURE_V2(mcg, KISOL_CG_MEMORY)

/* self->cg with the memory controller enabled for two children a and b. */
static int two_children(const struct kisol_cg *cg, struct kisol_cg *a, struct kisol_cg *b)
{
	int r = kisol_cg_enable(cg, KISOL_CG_MEMORY);

	if (!r)
		r = kisol_cg_child(cg, "a", a);
	if (!r)
		r = kisol_cg_child(cg, "b", b);
	return r;
}

static int64_t stat_of(const struct kisol_cg *cg, const char *key)
{
	int64_t v = -1;

	kisol_cg_keyed(cg, "memory.stat", key, &v);
	return v;
}

static int64_t event_of(const struct kisol_cg *cg, const char *key)
{
	int64_t v = -1;

	kisol_cg_keyed(cg, "memory.events", key, &v);
	return v;
}

/*
 * memory.stat has no change notification and its counters are flushed
 * lazily (per-CPU batches): re-read until key <= max (below) or >= min,
 * at most KISOL_TIMEOUT_MS. Returns the last value.
 */
static int64_t stat_wait(const struct kisol_cg *cg, const char *key, int64_t bound, bool below)
{
	int64_t end = cg_now_ns(CLOCK_MONOTONIC) + KISOL_TIMEOUT_MS * 1000000LL, v;

	for (;;) {
		v = stat_of(cg, key);
		if (v >= 0 && (below ? v <= bound : v >= bound))
			return v;
		if (cg_now_ns(CLOCK_MONOTONIC) > end)
			return v;
		sched_yield();
	}
}

/* Wait (POLLPRI on memory.events) until key >= min; 0 or -ETIMEDOUT. */
static int events_wait(const struct kisol_cg *cg, const char *key, int64_t min)
{
	int fd = openat(cg->dfd, "memory.events", O_RDONLY | O_CLOEXEC);
	int64_t end = cg_now_ns(CLOCK_MONOTONIC) + KISOL_TIMEOUT_MS * 1000000LL;
	int r = -ETIMEDOUT;

	if (fd < 0)
		return -errno;
	for (;;) {
		char buf[512];
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		struct pollfd p = { .fd = fd, .events = POLLPRI };
		int64_t v, left = (end - cg_now_ns(CLOCK_MONOTONIC)) / 1000000;

		if (n > 0) {
			buf[n] = '\0';
			if (kisol_keyed_int64(buf, key, &v) == 0 && v >= min) {
				r = 0;
				break;
			}
		}
		if (left <= 0)
			break;
		poll(&p, 1, (int)left);
	}
	close(fd);
	return r;
}

static bool swap_enabled(void)
{
	char buf[4096];
	int n = kisol_read_file("/proc/swaps", buf, sizeof(buf));

	/* a header line, then one line per swap area */
	return n > 0 && strchr(buf, '\n') && strchr(buf, '\n')[1] != '\0';
}

/* ---- kernel memory ---- */

/* Child: arg lookups of names that do not exist in a disk directory (negative dentries). */
static int neg_dentries(int sock, void *arg)
{
	char dir[PATH_MAX];
	long n = (long)(uintptr_t)arg;
	int dfd, fails = 0;
	int64_t v;

	kisol_send_int(sock, getpid());
	dfd = kisol_mnt_scratch_disk(dir, sizeof(dir));
	if (dfd == 0)
		dfd = (int)RET_NERRNO(open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (dfd < 0) {
		kisol_send_int(sock, dfd);
		return 1;
	}
	for (long i = 0; i < n; i++) {
		char name[64];
		struct stat st;

		snprintf(name, sizeof(name), "kisol-neg-%d-%ld", getpid(), i);
		if (fstatat(dfd, name, &st, 0) == 0 || errno != ENOENT)
			fails++;
	}
	kisol_send_int(sock, fails ? -EEXIST : 1);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

/*
 * Dentries made by a task are slab memory of its cgroup: 20000 negative
 * dentries raise a's memory.stat slab by well over 1 MiB (about 192 bytes
 * each), count in a's memory.current and in the parent, and leave the
 * sibling b's slab where it was. Dentries are accounted since 5d097056c9a0
 * (4.5).
 */
TEST_F(mcg, kmem_dentries_charged)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT;
	int64_t a0, b0, a1, b1, res = 0, cur;

	NEED_DISK_SCRATCH();
	ASSERT_EQ(0, two_children(&self->cg, &a, &b));
	ASSERT_EQ(0, cg_spawn_park(&b, &self->kid[1]));
	ASSERT_EQ(0, cg_spawn_park(&a, &self->kid[2]));
	a0 = stat_of(&a, "slab");
	b0 = stat_of(&b, "slab");
	ASSERT_LE(0, a0) TH_LOG("no slab key in memory.stat");
	ASSERT_EQ(0, run(&a, neg_dentries, 20000, &self->kid[0], &res));
	ASSERT_EQ(1, res) TH_LOG("lookups: %s", strerror((int)-res));
	a1 = stat_wait(&a, "slab", a0 + MiB, false);
	b1 = stat_of(&b, "slab");
	EXPECT_LE(a0 + MiB, a1) TH_LOG("a's slab %lld -> %lld", (long long)a0, (long long)a1);
	EXPECT_GT((a1 - a0) / 4, b1 - b0) TH_LOG("b's slab %lld -> %lld", (long long)b0, (long long)b1);
	ASSERT_EQ(0, kisol_cg_read_int(&a, "memory.current", &cur));
	EXPECT_LE(a1, cur);
	EXPECT_LE(a1, stat_of(&self->cg, "slab"));
}
KISOL_META(mcg, kmem_dentries_charged, "sides=both;commit=5d097056c9a0;ref=selftests cgroup/test_kmem.c")

static void *thread_park(void *arg)
{
	char c;

	while (read((int)(intptr_t)arg, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* Child: start arg threads that block on a pipe, report how many started, park. */
static int many_threads(int sock, void *arg)
{
	int n = (int)(uintptr_t)arg, p[2], ok = 0;
	int64_t v;

	kisol_send_int(sock, getpid());
	if (pipe(p) < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		pthread_t t;
		pthread_attr_t at;

		pthread_attr_init(&at);
		pthread_attr_setstacksize(&at, 64 * 1024);
		if (pthread_create(&t, &at, thread_park, (void *)(intptr_t)p[0]) == 0)
			ok++;
		pthread_attr_destroy(&at);
	}
	kisol_send_int(sock, ok);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

/*
 * Kernel stacks of a cgroup's threads are charged to it: 64 threads raise
 * a's memory.stat kernel_stack by at least 64 x 8 KiB (THREAD_SIZE is 16
 * KiB on x86_64), b's stays.
 */
TEST_F(mcg, kmem_kernel_stacks_charged)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT;
	int64_t a0, b0, a1, b1, res = 0;

	ASSERT_EQ(0, two_children(&self->cg, &a, &b));
	ASSERT_EQ(0, cg_spawn_park(&b, &self->kid[1]));
	a0 = stat_of(&a, "kernel_stack");
	b0 = stat_of(&b, "kernel_stack");
	ASSERT_LE(0, a0) TH_LOG("no kernel_stack key in memory.stat");
	ASSERT_EQ(0, run(&a, many_threads, 64, &self->kid[0], &res));
	ASSERT_EQ(64, res);
	a1 = stat_wait(&a, "kernel_stack", a0 + 64 * 8192, false);
	b1 = stat_of(&b, "kernel_stack");
	EXPECT_LE(a0 + 64 * 8192, a1) TH_LOG("a's kernel_stack %lld -> %lld", (long long)a0, (long long)a1);
	EXPECT_GT(8 * 16384, b1 - b0) TH_LOG("b's kernel_stack %lld -> %lld", (long long)b0, (long long)b1);
}
KISOL_META(mcg, kmem_kernel_stacks_charged, "sides=both;ref=selftests cgroup/test_kmem.c test_kmem_kernel_stacks")

/* ---- socket memory ---- */

/*
 * Child (in a new network namespace): a TCP connection over its own
 * loopback; the reading side never reads, the writer fills both socket
 * buffers. Reports the bytes queued, parks; on any message closes both
 * ends and reports 1.
 */
static int tcp_fill(int sock, void *arg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int l, c, s;
	int64_t total = 0, v;
	static char buf[65536];

	kisol_send_int(sock, getpid());
	if (kisol_net_link_up("lo") < 0) {
		kisol_send_int(sock, -ENETDOWN);
		return 1;
	}
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || c < 0 || bind(l, (void *)&sa, sizeof(sa)) || listen(l, 1) ||
	    getsockname(l, (void *)&sa, &sl) || connect(c, (void *)&sa, sizeof(sa))) {
		kisol_send_int(sock, -errno);
		return 1;
	}
	s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0) {
		kisol_send_int(sock, -errno);
		return 1;
	}
	memset(buf, 'k', sizeof(buf));
	for (;;) {
		ssize_t n = send(c, buf, sizeof(buf), MSG_DONTWAIT);

		if (n <= 0)
			break;
		total += n;
	}
	kisol_send_int(sock, total);
	kisol_recv_int(sock, &v, -1);
	close(s);
	close(c);
	close(l);
	kisol_send_int(sock, 1);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

/*
 * Socket buffers are charged to the cgroup of the sockets' creator:
 * memory.stat sock of a grows with data queued on a loopback TCP
 * connection (at least 256 KiB of it), the sibling b (no sockets) shows
 * 0, the parent counts a's; after both ends are closed a's sock falls
 * back. Only cgroup v2 charges socket memory by default.
 */
TEST_F(mcg, sock_charged)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT;
	int64_t total = 0, s1, s2, v;

	NEED_NS(KISOL_NS_NET);
	ASSERT_EQ(0, two_children(&self->cg, &a, &b));
	ASSERT_EQ(0, cg_spawn_park(&b, &self->kid[1]));
	ASSERT_EQ(0, kisol_cg_spawn(&a, CLONE_NEWNET, tcp_fill, NULL, &self->kid[0]));
	ASSERT_EQ(0, kisol_recv_int(self->kid[0].sock, &v, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->kid[0].sock, &total, KISOL_TIMEOUT_MS));
	ASSERT_LE(512 * 1024, total) TH_LOG("queued %lld bytes", (long long)total);
	s1 = stat_wait(&a, "sock", 256 * 1024, false);
	EXPECT_LE(256 * 1024, s1) TH_LOG("a's sock %lld with %lld bytes queued", (long long)s1,
					 (long long)total);
	EXPECT_EQ(0, stat_of(&b, "sock"));
	EXPECT_LE(256 * 1024, stat_of(&self->cg, "sock"));
	ASSERT_EQ(0, kisol_send_int(self->kid[0].sock, 1));
	ASSERT_EQ(0, kisol_recv_int(self->kid[0].sock, &v, KISOL_TIMEOUT_MS));
	s2 = stat_wait(&a, "sock", s1 / 4, true);
	EXPECT_GE(s1 / 4, s2) TH_LOG("a's sock %lld after close (was %lld)", (long long)s2, (long long)s1);
}
KISOL_META(mcg, sock_charged, "sides=both;ref=selftests cgroup/test_memcontrol.c test_memcg_sock")

/* ---- memory.reclaim ---- */

/*
 * memory.reclaim takes page cache from the cgroup written to and from no
 * other: asking a for 16M drops a's memory.current by at least 8M, its
 * writer lives on, and b's page cache stays. Since 94968384dde1 (5.19).
 */
TEST_F(mcg, reclaim_takes_from_this_cgroup_only)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT;
	int64_t res, a0, a1, b0, b1;
	int r;

	NEED_DISK_SCRATCH();
	NEED_CG_FILE(&self->cg, "memory.reclaim");
	ASSERT_EQ(0, two_children(&self->cg, &a, &b));
	ASSERT_EQ(0, run(&a, write_cache, 32 * MiB, &self->kid[0], &res));
	ASSERT_EQ(1, res);
	ASSERT_EQ(0, run(&b, write_cache, 16 * MiB, &self->kid[1], &res));
	ASSERT_EQ(1, res);
	ASSERT_EQ(0, kisol_cg_read_int(&a, "memory.current", &a0));
	ASSERT_EQ(0, kisol_cg_read_int(&b, "memory.current", &b0));
	if (a0 < 24 * MiB || b0 < 12 * MiB)
		SKIP(return, "the scratch filesystem kept only %lld / %lld bytes of page cache",
		     (long long)a0, (long long)b0);
	r = kisol_cg_write(&a, "memory.reclaim", "16M");
	EXPECT_TRUE(r == 0 || r == -EAGAIN) TH_LOG("memory.reclaim: %s", strerror(-r));
	ASSERT_EQ(0, kisol_cg_read_int(&a, "memory.current", &a1));
	ASSERT_EQ(0, kisol_cg_read_int(&b, "memory.current", &b1));
	EXPECT_GE(a0 - 8 * MiB, a1) TH_LOG("a: %lld -> %lld", (long long)a0, (long long)a1);
	EXPECT_LE(b0 - 2 * MiB, b1) TH_LOG("b: %lld -> %lld", (long long)b0, (long long)b1);
	EXPECT_EQ(-ETIMEDOUT, kisol_child_wait(&self->kid[0], 0, NULL));
	EXPECT_EQ(0, event_of(&a, "oom_kill"));
}
KISOL_META(mcg, reclaim_takes_from_this_cgroup_only, "sides=both;commit=94968384dde1")

/*
 * memory.reclaim takes a size, anything else is EINVAL; an empty cgroup
 * has nothing to give: EAGAIN after the kernel's retries.
 */
TEST_F(mcg, reclaim_values)
{
	NEED_CG_FILE(&self->cg, "memory.reclaim");
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "memory.reclaim", "lots"));
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, "memory.reclaim", "-1"));
	EXPECT_EQ(-EAGAIN, kisol_cg_write(&self->cg, "memory.reclaim", "1M"));
}
KISOL_META(mcg, reclaim_values, "sides=one: input validation of one file")

/*
 * Without swap, anonymous memory cannot be reclaimed: memory.reclaim
 * answers EAGAIN and the memory stays charged, the task alive.
 */
TEST_F(mcg, reclaim_anon_without_swap_eagain)
{
	int64_t res, c0, c1;

	NEED_CG_FILE(&self->cg, "memory.reclaim");
	if (swap_enabled())
		SKIP(return, "swap is on (/proc/swaps): anonymous memory is reclaimable here");
	ASSERT_EQ(0, run(&self->cg, touch_anon, 16 * MiB, &self->kid[0], &res));
	ASSERT_EQ(1, res);
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "memory.current", &c0));
	EXPECT_EQ(-EAGAIN, kisol_cg_write(&self->cg, "memory.reclaim", "8M"));
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "memory.current", &c1));
	EXPECT_LE(15 * MiB, c1) TH_LOG("%lld -> %lld", (long long)c0, (long long)c1);
	EXPECT_EQ(-ETIMEDOUT, kisol_child_wait(&self->kid[0], 0, NULL));
}
KISOL_META(mcg, reclaim_anon_without_swap_eagain, "sides=one: a refusal, nothing crosses a boundary")

/* ---- memory.high and one large allocation ---- */

/* Child: mmap arg bytes, report 1, mlock them all in one syscall, report 2 (or -errno), park. */
static int mlock_all(int sock, void *arg)
{
	size_t n = (size_t)(uintptr_t)arg;
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int64_t v;

	kisol_send_int(sock, getpid());
	if (p == MAP_FAILED) {
		kisol_send_int(sock, -errno);
		return 1;
	}
	kisol_send_int(sock, 1);
	kisol_send_int(sock, mlock(p, n) ? -errno : 2);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

/* Until pid sleeps in the memory.high penalty (wchan); true if seen within the timeout. */
static bool wait_throttled(pid_t pid, char *wchan, size_t size)
{
	char path[64];
	int64_t end = cg_now_ns(CLOCK_MONOTONIC) + KISOL_TIMEOUT_MS * 1000000LL;

	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	while (cg_now_ns(CLOCK_MONOTONIC) < end) {
		if (kisol_read_file(path, wchan, size) >= 0 &&
		    !strcmp(wchan, "mem_cgroup_handle_over_high"))
			return true;
		sched_yield();
	}
	return false;
}

/*
 * memory.high 32M against one 128M mlock() (a single kernel entry): the
 * task is throttled (memory.events high counts, the task sleeps in the
 * memory.high penalty, mlock does not return), never OOM-killed (max and
 * oom_kill stay 0) and killable. The same mlock in the sibling b without
 * memory.high completes. How far the charge overruns memory.high before
 * the penalty differs: 6.12 throttled well below 128M, 6.1 charged the
 * whole 128M first (the usage is logged, not asserted). Synchronous
 * enforcement inside the kernel entry since c9afe31ec443 (5.18).
 */
TEST_F(mcg, high_throttles_single_large_allocation)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT;
	int64_t v, cur;
	char wchan[128] = "";

	NEED_ROOT_TO("mlock 128 MiB (beyond an ordinary user's RLIMIT_MEMLOCK; root has CAP_IPC_LOCK)");
	ASSERT_EQ(0, two_children(&self->cg, &a, &b));
	ASSERT_EQ(0, kisol_cg_write(&a, "memory.high", "32M"));
	ASSERT_EQ(0, kisol_cg_write(&a, "memory.max", "160M"));
	if (kisol_cg_has_file(&a, "memory.swap.max") == 1)
		ASSERT_EQ(0, kisol_cg_write(&a, "memory.swap.max", "0"));
	/* outside: b, no memory.high, same mlock completes */
	ASSERT_EQ(0, cg_spawn_fn(&b, mlock_all, (void *)(uintptr_t)(128 * MiB), &self->kid[1]));
	ASSERT_EQ(0, kisol_recv_int(self->kid[1].sock, &v, KISOL_TIMEOUT_MS));
	ASSERT_EQ(1, v);
	ASSERT_EQ(0, kisol_recv_int(self->kid[1].sock, &v, 60000));
	ASSERT_EQ(2, v) TH_LOG("mlock in b: %s", strerror((int)-v));
	EXPECT_EQ(0, event_of(&b, "high"));
	/* inside */
	ASSERT_EQ(0, cg_spawn_fn(&a, mlock_all, (void *)(uintptr_t)(128 * MiB), &self->kid[0]));
	ASSERT_EQ(0, kisol_recv_int(self->kid[0].sock, &v, KISOL_TIMEOUT_MS));
	ASSERT_EQ(1, v);
	ASSERT_EQ(0, events_wait(&a, "high", 1)) TH_LOG("no memory.high event");
	EXPECT_TRUE(wait_throttled(self->kid[0].pid, wchan, sizeof(wchan)))
		TH_LOG("never saw the task in the memory.high penalty; last wchan '%s'", wchan);
	ASSERT_EQ(0, kisol_cg_read_int(&a, "memory.current", &cur));
	EXPECT_LE(32 * MiB, cur);
	TH_LOG("memory.current %lld MiB while throttled", (long long)(cur / MiB));
	EXPECT_EQ(-ETIMEDOUT, kisol_recv_int(self->kid[0].sock, &v, 0)) TH_LOG("mlock returned %lld", (long long)v);
	EXPECT_EQ(0, event_of(&a, "max"));
	EXPECT_EQ(0, event_of(&a, "oom_kill"));
	ASSERT_EQ(0, kisol_child_kill(&self->kid[0], SIGKILL));
	ASSERT_EQ(0, kisol_child_wait(&self->kid[0], KISOL_TIMEOUT_MS, NULL));
	EXPECT_TRUE(WIFSIGNALED(self->kid[0].status) && WTERMSIG(self->kid[0].status) == SIGKILL);
	EXPECT_EQ(0, event_of(&a, "oom_kill"));
}
KISOL_META(mcg, high_throttles_single_large_allocation,
	   "sides=both;commit=c9afe31ec443;ref=selftests cgroup/test_memcontrol.c test_memcg_high_sync")

/* ---- memory.peak / memory.swap.peak reset ---- */

/*
 * Open file for a resettable peak, reset once: SKIP when the file is
 * missing, or refuses the write (a write resets the peak seen through that
 * open file since c6f53ed8f213, 6.12; 6.1 opens it for writing and answers
 * EINVAL).
 */
#define OPEN_PEAK(cg, file, fd)                                                                \
	do {                                                                                   \
		NEED_CG_FILE((cg), (file));                                                    \
		(fd) = openat((cg)->dfd, (file), O_RDWR | O_CLOEXEC);                          \
		if ((fd) >= 0 && write((fd), "reset", 5) < 0) {                                \
			int _e = errno;                                                        \
			close(fd);                                                             \
			(fd) = -1;                                                             \
			errno = _e;                                                            \
		}                                                                              \
		if ((fd) < 0 && (errno == EACCES || errno == EPERM || errno == EINVAL))        \
			SKIP(return, "%s cannot be written here (%s): resetting it by a write "  \
			     "came with c6f53ed8f213 (6.12)", (file), strerror(errno));        \
		ASSERT_LE(0, (fd)) TH_LOG("%s: %s", (file), strerror(errno));                  \
	} while (0)

static int64_t read_fd(int fd)
{
	char buf[64];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

/* Child: touch arg bytes of anonymous memory, report, on a message unmap and report, park. */
static int anon_then_free(int sock, void *arg)
{
	size_t n = (size_t)(uintptr_t)arg;
	char *p;
	int64_t v;

	kisol_send_int(sock, getpid());
	p = anon_touched(n);
	if (!p)
		return 1;
	kisol_send_int(sock, 1);
	kisol_recv_int(sock, &v, -1);
	munmap(p, n);
	kisol_send_int(sock, 1);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

/*
 * A write to memory.peak resets the peak seen through that open file to
 * the current usage; another open file (and a new open) still sees the
 * old peak. 32M touched and freed, then reset: the reset file reads
 * below 16M, the other one at least 32M.
 */
TEST_F(mcg, peak_reset_per_open_file)
{
	int fd1, fd2, fd3;
	int64_t v;

	OPEN_PEAK(&self->cg, "memory.peak", fd1);
	fd2 = openat(self->cg.dfd, "memory.peak", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, run(&self->cg, anon_then_free, 32 * MiB, &self->kid[0], &v));
	ASSERT_EQ(1, v);
	ASSERT_EQ(0, kisol_send_int(self->kid[0].sock, 1));
	ASSERT_EQ(0, kisol_recv_int(self->kid[0].sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_LE(32 * MiB, read_fd(fd1));
	ASSERT_EQ(5, write(fd1, "reset", 5)) TH_LOG("%s", strerror(errno));
	EXPECT_GT(16 * MiB, read_fd(fd1)) TH_LOG("the reset file still reads %lld", (long long)read_fd(fd1));
	EXPECT_LE(32 * MiB, read_fd(fd2)) TH_LOG("the reset reached another open file");
	fd3 = openat(self->cg.dfd, "memory.peak", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd3);
	EXPECT_LE(32 * MiB, read_fd(fd3)) TH_LOG("the reset changed the cgroup's own peak");
	close(fd1);
	close(fd2);
	close(fd3);
}
KISOL_META(mcg, peak_reset_per_open_file, "sides=both;commit=c6f53ed8f213")

/*
 * memory.swap.peak resets the same way: anonymous memory pushed to swap
 * with memory.reclaim raises it, a write through one open file resets
 * that file's view only. Needs a swap area.
 */
TEST_F(mcg, swap_peak_reset_per_open_file)
{
	int fd1, fd2;
	int64_t v, sw;
	int r;

	OPEN_PEAK(&self->cg, "memory.swap.peak", fd1);
	if (!swap_enabled()) {
		close(fd1);
		SKIP(return, "no swap area (/proc/swaps lists none): memory.swap.peak cannot rise");
	}
	NEED_CG_FILE(&self->cg, "memory.reclaim");
	fd2 = openat(self->cg.dfd, "memory.swap.peak", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, run(&self->cg, anon_then_free, 16 * MiB, &self->kid[0], &v));
	ASSERT_EQ(1, v);
	r = kisol_cg_write(&self->cg, "memory.reclaim", "12M");
	EXPECT_TRUE(r == 0 || r == -EAGAIN) TH_LOG("%s", strerror(-r));
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, "memory.swap.current", &sw));
	ASSERT_LE(4 * MiB, sw) TH_LOG("only %lld bytes went to swap", (long long)sw);
	ASSERT_EQ(0, kisol_send_int(self->kid[0].sock, 1));
	ASSERT_EQ(0, kisol_recv_int(self->kid[0].sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_LE(sw, read_fd(fd1));
	ASSERT_EQ(5, write(fd1, "reset", 5));
	EXPECT_GT(sw, read_fd(fd1));
	EXPECT_LE(sw, read_fd(fd2));
	close(fd1);
	close(fd2);
}
KISOL_META(mcg, swap_peak_reset_per_open_file, "sides=both;commit=c6f53ed8f213")

/* ---- memory.oom.group ---- */

/* Child: set own oom_score_adj to arg, report 1 (or -errno), park. */
static int park_adj(int sock, void *arg)
{
	char s[16];
	int64_t v;
	int r;

	kisol_send_int(sock, getpid());
	snprintf(s, sizeof(s), "%d", (int)(intptr_t)arg);
	r = kisol_write_file("/proc/self/oom_score_adj", s);
	kisol_send_int(sock, r < 0 ? r : 1);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

static int start_adj(const struct kisol_cg *cg, int adj, struct kisol_child *k)
{
	int64_t v = 0;
	int r = run(cg, park_adj, adj, k, &v);

	return r < 0 ? r : v == 1 ? 0 : -EIO;
}

/* Start an allocator of 128M in cg and wait for its death; 0 if it was killed. */
static int oom_in(const struct kisol_cg *cg, struct kisol_child *k)
{
	int r = cg_spawn_fn(cg, touch_anon, (void *)(uintptr_t)(128 * MiB), k);

	if (r < 0)
		return r;
	r = kisol_child_wait(k, KISOL_TIMEOUT_MS, NULL);
	if (r < 0)
		return r;
	return WIFSIGNALED(k->status) ? 0 : -ESRCH;
}

static bool alive(struct kisol_child *k)
{
	return kisol_child_wait(k, 0, NULL) == -ETIMEDOUT;
}

static bool killed(struct kisol_child *k)
{
	return kisol_child_wait(k, KISOL_TIMEOUT_MS, NULL) == 0 && WIFSIGNALED(k->status);
}

/*
 * OOM in a group with memory.oom.group 1: the allocator and a bystander
 * die, a task with oom_score_adj -1000 (OOM_SCORE_ADJ_MIN) is spared,
 * memory.events counts the group kill, a task in the sibling b lives.
 */
TEST_F(mcg, oom_group_spares_score_adj_min)
{
	_cleanup_cg_ struct kisol_cg a = KISOL_CG_INIT, b = KISOL_CG_INIT;

	NEED_CG_FILE(&self->cg, "memory.oom.group");
	NEED_ROOT_TO("set oom_score_adj -1000 (lowering it needs CAP_SYS_RESOURCE)");
	ASSERT_EQ(0, two_children(&self->cg, &a, &b));
	ASSERT_EQ(0, kisol_cg_write(&a, "memory.max", "32M"));
	ASSERT_EQ(0, kisol_cg_write(&a, "memory.oom.group", "1"));
	if (kisol_cg_has_file(&a, "memory.swap.max") == 1)
		ASSERT_EQ(0, kisol_cg_write(&a, "memory.swap.max", "0"));
	ASSERT_EQ(0, start_adj(&a, 0, &self->kid[1]));
	ASSERT_EQ(0, start_adj(&a, -1000, &self->kid[2]));
	ASSERT_EQ(0, cg_spawn_park(&b, &self->kid[3]));
	ASSERT_EQ(0, oom_in(&a, &self->kid[0]));
	EXPECT_TRUE(killed(&self->kid[1])) TH_LOG("the bystander survived the group kill");
	EXPECT_TRUE(alive(&self->kid[2])) TH_LOG("the OOM_SCORE_ADJ_MIN task was killed");
	EXPECT_TRUE(alive(&self->kid[3])) TH_LOG("the sibling's task was killed");
	EXPECT_LE(2, event_of(&a, "oom_kill"));
	if (event_of(&a, "oom_group_kill") >= 0)
		EXPECT_LE(1, event_of(&a, "oom_group_kill"));
	EXPECT_EQ(0, event_of(&b, "oom_kill"));
}
KISOL_META(mcg, oom_group_spares_score_adj_min,
	   "sides=both;ref=selftests cgroup/test_memcontrol.c test_memcg_oom_group_score_events")

/*
 * The OOM domain decides: p (memory.oom.group 1, memory.max 48M) has
 * children c1 and c2. An OOM at p's limit, triggered in c2, kills the
 * tasks of both children (the group is p). An OOM at c2's own limit is
 * handled in c2: p's oom.group does not reach above it, so c1 lives.
 */
static void oom_domain(struct __test_metadata *_metadata, FIXTURE_DATA(mcg) *self, bool at_parent)
{
	_cleanup_cg_ struct kisol_cg p = KISOL_CG_INIT, c1 = KISOL_CG_INIT, c2 = KISOL_CG_INIT, out = KISOL_CG_INIT;

	ASSERT_EQ(0, kisol_cg_enable(&self->cg, KISOL_CG_MEMORY));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "p", &p));
	ASSERT_EQ(0, kisol_cg_child(&self->cg, "out", &out));
	NEED_CG_FILE(&p, "memory.oom.group");
	ASSERT_EQ(0, kisol_cg_enable(&p, KISOL_CG_MEMORY));
	ASSERT_EQ(0, kisol_cg_child(&p, "c1", &c1));
	ASSERT_EQ(0, kisol_cg_child(&p, "c2", &c2));
	ASSERT_EQ(0, kisol_cg_write(&p, "memory.oom.group", "1"));
	ASSERT_EQ(0, kisol_cg_write(&p, "memory.max", "48M"));
	if (!at_parent)
		ASSERT_EQ(0, kisol_cg_write(&c2, "memory.max", "16M"));
	if (kisol_cg_has_file(&p, "memory.swap.max") == 1)
		ASSERT_EQ(0, kisol_cg_write(&p, "memory.swap.max", "0"));
	ASSERT_EQ(0, start_adj(&c1, 0, &self->kid[1]));
	ASSERT_EQ(0, cg_spawn_park(&out, &self->kid[2]));
	ASSERT_EQ(0, oom_in(&c2, &self->kid[0]));
	if (at_parent) {
		EXPECT_TRUE(killed(&self->kid[1])) TH_LOG("c1's task survived an OOM of group p");
		EXPECT_LE(1, event_of(&p, "oom_kill"));
	} else {
		EXPECT_TRUE(alive(&self->kid[1])) TH_LOG("p's oom.group acted on an OOM inside c2");
		EXPECT_EQ(0, event_of(&c1, "oom_kill"));
	}
	EXPECT_TRUE(alive(&self->kid[2])) TH_LOG("a task outside p was killed");
}

TEST_F(mcg, oom_group_kills_at_parent_level)
{
	oom_domain(_metadata, self, true);
}
KISOL_META(mcg, oom_group_kills_at_parent_level,
	   "sides=both;ref=selftests cgroup/test_memcontrol.c test_memcg_oom_group_parent_events")

TEST_F(mcg, oom_group_not_above_oom_domain)
{
	oom_domain(_metadata, self, false);
}
KISOL_META(mcg, oom_group_not_above_oom_domain, "sides=both")

KISOL_MAIN
