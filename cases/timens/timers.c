// SPDX-License-Identifier: GPL-2.0-only
/*
 * Time namespaces beyond clock reads (offsets.c): absolute deadlines given
 * inside a shifted namespace are converted to the host's clock, so a POSIX
 * timer (timer_settime TIMER_ABSTIME) and a futex wait with an absolute
 * CLOCK_MONOTONIC timeout expire after the time asked, neither at once nor
 * a day late; /proc/stat btime and sysinfo() uptime follow the boottime
 * offset (sysinfo: ecc421e05bab, 5.6) and ignore the monotonic one
 * (selftests timens timer, futex, procfs; LTP sysinfo03). Each variant
 * shifts one clock a day ahead or half its value back, so ignoring the
 * offset fails one way or the other. Waits are measured on
 * CLOCK_MONOTONIC_RAW, which no namespace shifts.
 */
#include <linux/futex.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>

#include "kisol_test.h"

#define NSEC 1000000000LL
#define WAIT_NS (50 * 1000000LL)

static int64_t now_ns(clockid_t c)
{
	struct timespec t;

	if (clock_gettime(c, &t) < 0)
		return INT64_MIN;
	return t.tv_sec * NSEC + t.tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	return (struct timespec){ .tv_sec = ns / NSEC, .tv_nsec = ns % NSEC };
}

/*
 * New time namespace for our children with clock (name) a day ahead
 * (sign > 0) or back by half its value; the offset set, in seconds, into
 * *ret. 0 or -errno.
 */
static int shift_children(const char *name, clockid_t clock, int sign, int64_t *ret)
{
	int64_t secs = sign > 0 ? 86400 : -(now_ns(clock) / NSEC / 2);
	char text[96];
	int r;

	if (unshare(CLONE_NEWTIME) < 0)
		return -errno;
	snprintf(text, sizeof(text), "%s %lld 0", name, (long long)secs);
	r = kisol_write_file("/proc/self/timens_offsets", text);
	if (r < 0)
		return r;
	*ret = secs;
	return 0;
}

/* Child (in the shifted namespace): arm the variant's deadline, report the raw wait and clocks. */
struct wait_report {
	int64_t err;       /* 0 or -errno of the setup */
	int64_t result;    /* -ETIMEDOUT (futex) / signal number (timer) */
	int64_t raw_ns;    /* CLOCK_MONOTONIC_RAW elapsed */
	int64_t deadline;  /* the absolute deadline, namespace clock */
	int64_t after;     /* the namespace clock when it returned */
};

struct wait_arg {
	clockid_t clock;
	bool futex;
};

static void wait_timer(const struct wait_arg *a, struct wait_report *r)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct itimerspec its = { 0 };
	struct timespec limit = { .tv_sec = KISOL_TIMEOUT_MS / 1000 };
	sigset_t set;
	timer_t t;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) || timer_create(a->clock, &sev, &t)) {
		r->err = -errno;
		return;
	}
	its.it_value = ts_of(r->deadline);
	if (timer_settime(t, TIMER_ABSTIME, &its, NULL)) {
		r->err = -errno;
		return;
	}
	sig = sigtimedwait(&set, NULL, &limit);
	r->result = sig < 0 ? -errno : sig;
	timer_delete(t);
}

static void wait_futex(struct wait_report *r)
{
	static uint32_t word;
	struct timespec dl = ts_of(r->deadline);
	long x;

	/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline */
	x = syscall(SYS_futex, &word, FUTEX_WAIT_BITSET, 0, &dl, NULL, FUTEX_BITSET_MATCH_ANY);
	r->result = x < 0 ? -errno : 0;
}

static int waiter(int sock, void *p)
{
	const struct wait_arg *a = p;
	struct wait_report r = { 0 };
	int64_t raw0;

	raw0 = now_ns(CLOCK_MONOTONIC_RAW);
	r.deadline = now_ns(a->clock) + WAIT_NS;
	if (a->futex)
		wait_futex(&r);
	else
		wait_timer(a, &r);
	r.raw_ns = now_ns(CLOCK_MONOTONIC_RAW) - raw0;
	r.after = now_ns(a->clock);
	return kisol_send(sock, &r, sizeof(r)) < 0 ? 91 : 0;
}

FIXTURE(deadline) {
	struct kisol_child child;
	int64_t off;
};

FIXTURE_VARIANT(deadline) {
	clockid_t clock;
	const char *name;
	int sign;
	bool futex;
};

FIXTURE_VARIANT_ADD(deadline, timer_monotonic_ahead) { CLOCK_MONOTONIC, "monotonic", +1 };
FIXTURE_VARIANT_ADD(deadline, timer_monotonic_behind) { CLOCK_MONOTONIC, "monotonic", -1 };
FIXTURE_VARIANT_ADD(deadline, timer_boottime_ahead) { CLOCK_BOOTTIME, "boottime", +1 };
FIXTURE_VARIANT_ADD(deadline, timer_boottime_behind) { CLOCK_BOOTTIME, "boottime", -1 };
FIXTURE_VARIANT_ADD(deadline, futex_monotonic_ahead) { CLOCK_MONOTONIC, "monotonic", +1, true };
FIXTURE_VARIANT_ADD(deadline, futex_monotonic_behind) { CLOCK_MONOTONIC, "monotonic", -1, true };

FIXTURE_SETUP(deadline)
{
	int r;

	self->child = (struct kisol_child)KISOL_CHILD_INIT;
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_TIME);
	NEED_NS(KISOL_NS_TIME);
	r = shift_children(variant->name, variant->clock, variant->sign, &self->off);
	ASSERT_EQ(0, r) TH_LOG("shift %s: %s", variant->name, strerror(-r));
}

FIXTURE_TEARDOWN(deadline)
{
	kisol_child_release(&self->child);
}

TEST_F(deadline, absolute_deadline_in_namespace_time)
{
	struct kisol_spawn_opts o = { .cgroup_fd = -1 };
	struct wait_arg a = { .clock = variant->clock, .futex = variant->futex };
	struct kisol_ns_id in, out;
	struct wait_report r;
	int64_t host0, host1;
	int n;

	host0 = now_ns(variant->clock);
	ASSERT_EQ(0, kisol_spawn(&o, waiter, &a, &self->child));
	/* the child is in the shifted namespace, we are not */
	ASSERT_EQ(0, kisol_ns_id(self->child.pid, KISOL_NS_TIME, &in));
	ASSERT_EQ(0, kisol_ns_id(0, KISOL_NS_TIME, &out));
	ASSERT_FALSE(kisol_ns_id_eq(&in, &out));
	n = kisol_recv(self->child.sock, &r, sizeof(r), 2 * KISOL_TIMEOUT_MS);
	host1 = now_ns(variant->clock);
	ASSERT_EQ((int)sizeof(r), n) TH_LOG("no report: %s", strerror(-n));
	ASSERT_EQ(0, r.err) TH_LOG("arming: %s", strerror((int)-r.err));
	/* the deadline was set in namespace time: host time + offset */
	EXPECT_LE(host0 + self->off * NSEC, r.deadline - WAIT_NS);
	EXPECT_GE(host1 + self->off * NSEC, r.deadline - WAIT_NS);
	EXPECT_EQ(variant->futex ? -ETIMEDOUT : SIGUSR1, r.result)
	TH_LOG("the wait ended with %lld", (long long)r.result);
	/* not early (offset ignored backwards) and it did expire (offset ignored forwards) */
	EXPECT_LE(WAIT_NS, r.raw_ns) TH_LOG("expired after %lld ns", (long long)r.raw_ns);
	EXPECT_LE(r.deadline, r.after);
}
KISOL_META(deadline, absolute_deadline_in_namespace_time, "ref=selftests timens timer and futex")

/* ------------------------------------------------------------------ */
/* /proc/stat btime and sysinfo() uptime                               */

struct boot_report {
	int64_t btime;  /* seconds */
	int64_t uptime; /* sysinfo, seconds */
	int64_t err;
};

static int64_t read_btime(void)
{
	char buf[16384];
	const char *p;
	long long v;

	if (kisol_read_file("/proc/stat", buf, sizeof(buf)) < 0 || !(p = strstr(buf, "\nbtime ")) ||
	    sscanf(p, "\nbtime %lld", &v) != 1)
		return -EIO;
	return v;
}

static int64_t sys_uptime(void)
{
	struct sysinfo si;

	return sysinfo(&si) ? -errno : si.uptime;
}

static int boot_reader(int sock, void *arg)
{
	struct boot_report r = { .btime = read_btime(), .uptime = sys_uptime() };

	return kisol_send(sock, &r, sizeof(r)) < 0 ? 91 : 0;
}

FIXTURE(boot) {
	struct kisol_child child;
	int64_t off;
};

FIXTURE_VARIANT(boot) {
	const char *name;
	clockid_t clock;
	int sign;
	bool follows; /* btime and uptime follow this clock's offset */
};

FIXTURE_VARIANT_ADD(boot, boottime_ahead) { "boottime", CLOCK_BOOTTIME, +1, true };
FIXTURE_VARIANT_ADD(boot, boottime_behind) { "boottime", CLOCK_BOOTTIME, -1, true };
FIXTURE_VARIANT_ADD(boot, monotonic_ahead_ignored) { "monotonic", CLOCK_MONOTONIC, +1, false };

FIXTURE_SETUP(boot)
{
	int r;

	self->child = (struct kisol_child)KISOL_CHILD_INIT;
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_TIME);
	NEED_NS(KISOL_NS_TIME);
	r = shift_children(variant->name, variant->clock, variant->sign, &self->off);
	ASSERT_EQ(0, r) TH_LOG("shift %s: %s", variant->name, strerror(-r));
}

FIXTURE_TEARDOWN(boot)
{
	kisol_child_release(&self->child);
}

TEST_F(boot, btime_and_sysinfo_uptime)
{
	struct kisol_spawn_opts o = { .cgroup_fd = -1 };
	struct boot_report r;
	int64_t b0, b1, u0, u1, shift;
	int n;

	shift = variant->follows ? self->off : 0;
	b0 = read_btime();
	u0 = sys_uptime();
	ASSERT_EQ(0, kisol_spawn(&o, boot_reader, NULL, &self->child));
	n = kisol_recv(self->child.sock, &r, sizeof(r), KISOL_TIMEOUT_MS);
	b1 = read_btime();
	u1 = sys_uptime();
	ASSERT_EQ((int)sizeof(r), n);
	ASSERT_LT(0, b0);
	ASSERT_LT(0, r.btime);
	/* outside: btime is constant (1 s of rounding between reads) */
	EXPECT_GE(1, llabs(b1 - b0));
	/* inside: the boot happened offset seconds earlier */
	EXPECT_GE(1, llabs(r.btime - (b0 - shift))) TH_LOG("btime inside %lld, outside %lld, offset %lld",
							 (long long)r.btime, (long long)b0, (long long)shift);
	EXPECT_LE(u0 + shift - 1, r.uptime) TH_LOG("sysinfo uptime inside %lld, outside %lld..%lld",
						  (long long)r.uptime, (long long)u0, (long long)u1);
	EXPECT_GE(u1 + shift + 1, r.uptime);
}
KISOL_META(boot, btime_and_sysinfo_uptime, "commit=ecc421e05bab;ref=selftests timens procfs")

KISOL_META_FIXTURE(deadline, "sides=both")
KISOL_META_FIXTURE(boot, "sides=both")

KISOL_MAIN
