// SPDX-License-Identifier: GPL-2.0-only
/*
 * Time namespaces: CLOCK_MONOTONIC and CLOCK_BOOTTIME offsets written to
 * /proc/PID/timens_offsets before the first process enters, seen by that
 * process through the vDSO and through the raw syscall alike, by
 * /proc/uptime, by absolute timerfd and clock_nanosleep deadlines; the
 * creating process itself keeps the host's clocks. Every comparison is an
 * ordering between readings taken before and after on the other side
 * (t0 + off <= inside <= t1 + off), so no tolerance is needed for clocks;
 * sleeps are measured on CLOCK_MONOTONIC_RAW, which no namespace offsets.
 */
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>

#include "kisol_test.h"

#define NSEC 1000000000LL
#define DEADLINE_MS 50

static int64_t ts_ns(const struct timespec *t)
{
	return t->tv_sec * NSEC + t->tv_nsec;
}

/* INT64_MIN when the clock cannot be read. */
static int64_t now_ns(clockid_t c)
{
	struct timespec t;

	if (clock_gettime(c, &t) < 0)
		return INT64_MIN;
	return ts_ns(&t);
}

static int64_t raw_now_ns(clockid_t c)
{
	struct timespec t;

	syscall(SYS_clock_gettime, c, &t);
	return ts_ns(&t);
}

static int write_offsets(pid_t pid, const char *text)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/timens_offsets", pid ? pid : getpid());
	return kisol_write_file(path, text);
}

FIXTURE(ofs) {
	int64_t off_ns;       /* offset actually configured */
	struct kisol_child child;
};
FIXTURE_VARIANT(ofs) {
	clockid_t clock;
	const char *name;
	int sign;             /* +1: one day ahead; -1: back by half the current value */
	bool unpriv;          /* as uid 65534 (unmapped), owning the time ns via a new userns */
};
FIXTURE_VARIANT_ADD(ofs, monotonic_ahead) { CLOCK_MONOTONIC, "monotonic", +1 };
FIXTURE_VARIANT_ADD(ofs, monotonic_behind) { CLOCK_MONOTONIC, "monotonic", -1 };
FIXTURE_VARIANT_ADD(ofs, boottime_ahead) { CLOCK_BOOTTIME, "boottime", +1 };
FIXTURE_VARIANT_ADD(ofs, boottime_behind) { CLOCK_BOOTTIME, "boottime", -1 };
FIXTURE_VARIANT_ADD(ofs, monotonic_ahead_unpriv) { CLOCK_MONOTONIC, "monotonic", +1, true };
FIXTURE_VARIANT_ADD(ofs, boottime_behind_unpriv) { CLOCK_BOOTTIME, "boottime", -1, true };

/*
 * Become an unprivileged user (uid/gid 65534, no groups, no capabilities)
 * that still may write its own /proc files (dumpable).
 */
static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		return -errno;
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

FIXTURE_SETUP(ofs)
{
	struct kisol_child init = KISOL_CHILD_INIT;
	char text[96];
	int64_t secs;
	int r;

	self->child = init;
	/* root's variant, for an ordinary user: as root of a user namespace of its own */
	if (!variant->unpriv)
		NEED_ROOT_OR_OWN_USERNS(KISOL_NS_TIME);
	NEED_NS_VIA(KISOL_NS_TIME, variant->unpriv);
	secs = variant->sign > 0 ? 86400 : -(now_ns(variant->clock) / NSEC / 2);
	self->off_ns = secs * NSEC;
	if (variant->unpriv) {
		NEED_NS(KISOL_NS_USER);
		if (geteuid() == 0) /* else the suite runs as an ordinary user already */
			ASSERT_EQ(0, drop_to_nobody());
		/* no capability left: the time ns needs a user ns of our own */
		ASSERT_EQ(-1, unshare(CLONE_NEWTIME));
		ASSERT_EQ(EPERM, errno);
		r = unshare(CLONE_NEWUSER | CLONE_NEWTIME);
		if (r < 0 && (errno == EPERM || errno == ENOSPC))
			SKIP(return, "unprivileged user namespaces refused here: %m");
		ASSERT_EQ(0, r) TH_LOG("unshare(CLONE_NEWUSER|CLONE_NEWTIME): %m");
	} else {
		ASSERT_EQ(0, unshare(CLONE_NEWTIME)) TH_LOG("unshare(CLONE_NEWTIME): %m");
	}
	snprintf(text, sizeof(text), "%s %lld 0", variant->name, (long long)secs);
	r = write_offsets(0, text);
	ASSERT_LE(0, r) TH_LOG("write offsets %s: %s", text, strerror(-r));
}

FIXTURE_TEARDOWN(ofs)
{
	kisol_child_release(&self->child);
}

/* Children enter the namespace on fork (time_for_children). */
static int spawn_in(struct kisol_child *c, kisol_child_fn fn, void *arg)
{
	struct kisol_spawn_opts o = { .flags = 0, .cgroup_fd = -1 };

	return kisol_spawn(&o, fn, arg, c);
}

static int report_clock(int sock, void *arg)
{
	clockid_t c = *(clockid_t *)arg;
	int64_t v1 = now_ns(c), s = raw_now_ns(c), v2 = now_ns(c);

	return kisol_send_int(sock, v1) < 0 || kisol_send_int(sock, s) < 0 ||
	       kisol_send_int(sock, v2) < 0;
}

TEST_F(ofs, child_clock_offset_vdso_and_syscall)
{
	clockid_t c = variant->clock;
	int64_t t0, t1, v1, s, v2;

	t0 = now_ns(c);
	ASSERT_EQ(0, spawn_in(&self->child, report_clock, &c));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &v1, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &s, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &v2, KISOL_TIMEOUT_MS));
	t1 = now_ns(c);
	/* inside: shifted by exactly the offset relative to outside readings */
	EXPECT_LE(t0 + self->off_ns, v1) TH_LOG("vDSO clock not offset");
	EXPECT_GE(t1 + self->off_ns, v2);
	/* vDSO and syscall agree inside: ordered readings */
	EXPECT_LE(v1, s) TH_LOG("syscall clock behind vDSO: offset applied to one only");
	EXPECT_LE(s, v2);
	/* outside: the creator's own clock is not offset */
	EXPECT_LT(t1 - t0, NSEC * 60) TH_LOG("parent's clock jumped");
}
KISOL_META(ofs, child_clock_offset_vdso_and_syscall, "sides=both")

static int report_coarse(int sock, void *arg)
{
	clockid_t c = *(clockid_t *)arg;

	return kisol_send_int(sock, now_ns(c)) < 0;
}

static int report_two(int sock, void *arg)
{
	const clockid_t *c = arg;

	return kisol_send_int(sock, now_ns(c[0])) < 0 || kisol_send_int(sock, now_ns(c[1])) < 0;
}

/*
 * MONOTONIC_COARSE shares MONOTONIC's offset (one jiffy of slack, 10 ms);
 * the other base clock is not shifted by this offset.
 */
TEST_F(ofs, derived_follows_other_base_does_not)
{
	bool mono = variant->clock == CLOCK_MONOTONIC;
	clockid_t c[2] = { CLOCK_MONOTONIC_COARSE, mono ? CLOCK_BOOTTIME : CLOCK_MONOTONIC };
	int64_t coarse_off = mono ? self->off_ns : 0;
	int64_t a0, a1, b0, b1, a, b;

	a0 = now_ns(c[0]);
	b0 = now_ns(c[1]);
	ASSERT_EQ(0, spawn_in(&self->child, report_two, c));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &a, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &b, KISOL_TIMEOUT_MS));
	a1 = now_ns(c[0]);
	b1 = now_ns(c[1]);
	EXPECT_LE(a0 + coarse_off - NSEC / 100, a) TH_LOG("MONOTONIC_COARSE");
	EXPECT_GE(a1 + coarse_off + NSEC / 100, a);
	EXPECT_LE(b0, b) TH_LOG("%s shifted by the %s offset", mono ? "BOOTTIME" : "MONOTONIC",
				variant->name);
	EXPECT_GE(b1, b);
}
KISOL_META(ofs, derived_follows_other_base_does_not, "sides=both")

static int report_ns_and_offsets(int sock, void *arg)
{
	struct kisol_ns_id id;
	char buf[256];

	(void)arg;
	if (kisol_ns_id(0, KISOL_NS_TIME, &id) < 0 || kisol_send_int(sock, (int64_t)id.ino) < 0)
		return 1;
	if (kisol_read_file("/proc/self/timens_offsets", buf, sizeof(buf)) < 0)
		return 2;
	if (kisol_send_str(sock, buf) < 0)
		return 3;
	return kisol_recv_int(sock, &(int64_t){ 0 }, KISOL_TIMEOUT_MS) < 0 ? 4 : 0;
}

static void offsets_text_has(struct __test_metadata *_metadata, const char *text,
			     const char *name, int64_t secs)
{
	char want[64];
	const char *p = strstr(text, name);
	long long got = 0;

	snprintf(want, sizeof(want), "%lld", (long long)secs);
	ASSERT_NE(NULL, p) TH_LOG("%s", text);
	ASSERT_EQ(1, sscanf(p + strlen(name), "%lld", &got));
	EXPECT_EQ(secs, got) TH_LOG("%s", text);
}

TEST_F(ofs, namespace_membership_and_offsets_file)
{
	struct kisol_ns_id mine, kids;
	char text[256], outside[256], path[64];
	int64_t ino;

	ASSERT_EQ(0, kisol_ns_id(0, KISOL_NS_TIME, &mine));
	ASSERT_EQ(0, spawn_in(&self->child, report_ns_and_offsets, NULL));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &ino, KISOL_TIMEOUT_MS));
	ASSERT_LT(0, kisol_recv_str(self->child.sock, text, sizeof(text), KISOL_TIMEOUT_MS));
	/* the creator stayed; the child is in time_for_children */
	int fd = kisol_ns_open_children(0, KISOL_NS_TIME);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kisol_ns_id_fd(fd, &kids));
	close(fd);
	EXPECT_NE(mine.ino, kids.ino);
	EXPECT_EQ((int64_t)kids.ino, ino);
	/* inside view and outside view of the offsets agree */
	offsets_text_has(_metadata, text, variant->name, self->off_ns / NSEC);
	snprintf(path, sizeof(path), "/proc/%d/timens_offsets", self->child.pid);
	ASSERT_LT(0, kisol_read_file(path, outside, sizeof(outside)));
	EXPECT_STREQ(text, outside);
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
}
KISOL_META(ofs, namespace_membership_and_offsets_file, "sides=both")

/* Report the clock, then stay alive until the parent says go. */
static int report_and_hold(int sock, void *arg)
{
	if (report_coarse(sock, arg))
		return 1;
	return kisol_recv_int(sock, &(int64_t){ 0 }, KISOL_TIMEOUT_MS) < 0 ? 2 : 0;
}

TEST_F(ofs, offsets_frozen_once_a_process_entered)
{
	char text[64];
	int64_t seen;

	snprintf(text, sizeof(text), "%s 5 0", variant->name);
	ASSERT_EQ(0, spawn_in(&self->child, report_and_hold, &(clockid_t){ CLOCK_MONOTONIC }));
	/* the child runs inside the namespace and is held alive: its
	 * /proc/PID/timens_offsets exists (no ESRCH from an exited child) */
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &seen, KISOL_TIMEOUT_MS));
	EXPECT_EQ(-EACCES, write_offsets(0, text));
	/* also through the child's own file */
	EXPECT_EQ(-EACCES, write_offsets(self->child.pid, text));
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
}
KISOL_META(ofs, offsets_frozen_once_a_process_entered, "sides=one: a refused write (EACCES) of the offsets, by the creator and through the member's own file")

static int report_uptime(int sock, void *arg)
{
	char buf[128];
	double up = 0, idle = 0;

	(void)arg;
	if (kisol_read_file("/proc/uptime", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%lf %lf", &up, &idle) != 2)
		return 1;
	return kisol_send_int(sock, (int64_t)(up * 100)) < 0;
}

static int64_t uptime_cs(void)
{
	char buf[128];
	double up = -1, idle;

	if (kisol_read_file("/proc/uptime", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%lf %lf", &up, &idle) != 2)
		return -1;
	return (int64_t)(up * 100);
}

TEST_F(ofs, proc_uptime_follows_boottime_only)
{
	int64_t u0, u1, inside, shift;

	shift = variant->clock == CLOCK_BOOTTIME ? self->off_ns / (NSEC / 100) : 0;
	u0 = uptime_cs();
	ASSERT_LE(0, u0);
	ASSERT_EQ(0, spawn_in(&self->child, report_uptime, NULL));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &inside, KISOL_TIMEOUT_MS));
	u1 = uptime_cs();
	/* centisecond resolution: one unit of slack each side */
	EXPECT_LE(u0 + shift - 1, inside) TH_LOG("uptime inside %lld, outside %lld..%lld, shift %lld",
						 (long long)inside, (long long)u0, (long long)u1,
						 (long long)shift);
	EXPECT_GE(u1 + shift + 1, inside);
}
KISOL_META(ofs, proc_uptime_follows_boottime_only, "sides=both")

/* Child: arm an absolute deadline DEADLINE_MS ahead on the namespace clock. */
static int timer_child(int sock, void *arg)
{
	const int *how = arg; /* [0] clock, [1] 0 timerfd / 1 clock_nanosleep */
	struct timespec now, start, end;
	int64_t elapsed;

	clock_gettime(how[0], &now);
	now.tv_nsec += DEADLINE_MS * 1000000L;
	if (now.tv_nsec >= NSEC) {
		now.tv_sec++;
		now.tv_nsec -= NSEC;
	}
	clock_gettime(CLOCK_MONOTONIC_RAW, &start);
	if (how[1] == 0) {
		struct itimerspec its = { .it_value = now };
		int fd = timerfd_create(how[0], TFD_CLOEXEC);
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (fd < 0 || timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
			return 1;
		/* bounded: an unshifted deadline a day away must not hang us */
		if (poll(&p, 1, 3000) != 1)
			return kisol_send_int(sock, -1) < 0;
	} else {
		int r;

		do
			r = clock_nanosleep(how[0], TIMER_ABSTIME, &now, NULL);
		while (r == EINTR);
		if (r)
			return 2;
	}
	clock_gettime(CLOCK_MONOTONIC_RAW, &end);
	elapsed = ts_ns(&end) - ts_ns(&start);
	return kisol_send_int(sock, elapsed) < 0;
}

static void check_deadline(struct __test_metadata *_metadata, FIXTURE_DATA(ofs) *self,
			   const FIXTURE_VARIANT(ofs) *variant, int kind)
{
	int how[2] = { variant->clock, kind };
	int64_t elapsed = 0;
	int r;

	if (variant->clock == CLOCK_BOOTTIME && kind == 0) {
		/* timerfd on BOOTTIME is fine; on a _ALARM clock it would need CAP_WAKE_ALARM */
	}
	ASSERT_EQ(0, spawn_in(&self->child, timer_child, how));
	r = kisol_recv_int(self->child.sock, &elapsed, 4000);
	ASSERT_EQ(0, r) TH_LOG("no report: deadline not translated (a day away?) %s", strerror(-r));
	ASSERT_NE(-1, elapsed) TH_LOG("absolute deadline did not fire within 3 s");
	/* fired after the relative wait, not at once (an unshifted past deadline) */
	EXPECT_LE((int64_t)(DEADLINE_MS - 5) * 1000000, elapsed) TH_LOG("fired early: %lld ns",
									 (long long)elapsed);
	EXPECT_GT(2000LL * 1000000, elapsed);
}

TEST_F(ofs, absolute_timerfd_honours_offset)
{
	check_deadline(_metadata, self, variant, 0);
}
KISOL_META(ofs, absolute_timerfd_honours_offset, "sides=one: a deadline armed and measured inside (on MONOTONIC_RAW, which no namespace offsets), outside clocks play no part")

TEST_F(ofs, absolute_clock_nanosleep_honours_offset)
{
	check_deadline(_metadata, self, variant, 1);
}
KISOL_META(ofs, absolute_clock_nanosleep_honours_offset, "sides=one: a deadline armed and measured inside (on MONOTONIC_RAW, which no namespace offsets), outside clocks play no part")

static int report_realtime(int sock, void *arg)
{
	(void)arg;
	return kisol_send_int(sock, now_ns(CLOCK_REALTIME)) < 0 ||
	       kisol_send_int(sock, now_ns(CLOCK_MONOTONIC_RAW)) < 0;
}

/*
 * REALTIME is never offset; MONOTONIC_RAW carries the MONOTONIC offset
 * (it cannot be set on its own, see badwrite.monotonic_raw).
 */
TEST_F(ofs, realtime_kept_raw_follows_monotonic)
{
	int64_t r0, r1, rin, m0, m1, min;
	int64_t raw_off = variant->clock == CLOCK_MONOTONIC ? self->off_ns : 0;

	r0 = now_ns(CLOCK_REALTIME);
	m0 = now_ns(CLOCK_MONOTONIC_RAW);
	ASSERT_EQ(0, spawn_in(&self->child, report_realtime, NULL));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &rin, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &min, KISOL_TIMEOUT_MS));
	r1 = now_ns(CLOCK_REALTIME);
	m1 = now_ns(CLOCK_MONOTONIC_RAW);
	EXPECT_LE(m0 + raw_off, min) TH_LOG("MONOTONIC_RAW: expected shift %lld", (long long)raw_off);
	EXPECT_GE(m1 + raw_off, min);
	/* realtime may be stepped by NTP meanwhile: one second of slack */
	EXPECT_LE(r0 - NSEC, rin) TH_LOG("REALTIME shifted");
	EXPECT_GE(r1 + NSEC, rin);
}
KISOL_META(ofs, realtime_kept_raw_follows_monotonic, "sides=both")

/* ---- what cannot be written ------------------------------------------------ */

FIXTURE(badwrite) {};
FIXTURE_VARIANT(badwrite) {
	const char *text;
	int err;
};
/* only MONOTONIC (1) and BOOTTIME (7) can be offset */
FIXTURE_VARIANT_ADD(badwrite, realtime_by_id) { "0 10 0", -EINVAL };
FIXTURE_VARIANT_ADD(badwrite, realtime_by_name) { "realtime 10 0", -EINVAL };
FIXTURE_VARIANT_ADD(badwrite, monotonic_raw) { "4 10 0", -EINVAL };
FIXTURE_VARIANT_ADD(badwrite, monotonic_coarse) { "6 10 0", -EINVAL };
FIXTURE_VARIANT_ADD(badwrite, boottime_alarm) { "9 10 0", -EINVAL };
FIXTURE_VARIANT_ADD(badwrite, tai) { "11 10 0", -EINVAL };
FIXTURE_VARIANT_ADD(badwrite, nsec_one_second) { "1 10 1000000000", -EINVAL };
FIXTURE_VARIANT_ADD(badwrite, nsec_negative) { "1 10 -1", -EINVAL };
FIXTURE_VARIANT_ADD(badwrite, missing_nsec) { "1 10", -EINVAL };
FIXTURE_VARIANT_ADD(badwrite, garbage) { "kisol", -EINVAL };
/* offsets that would take the clock below zero or past KTIME_SEC_MAX / 2 */
FIXTURE_VARIANT_ADD(badwrite, monotonic_negative_result) { "1 -9999999999 0", -ERANGE };
FIXTURE_VARIANT_ADD(badwrite, boottime_negative_result) { "7 -9999999999 0", -ERANGE };
FIXTURE_VARIANT_ADD(badwrite, monotonic_beyond_half_ktime_max) { "1 4611686018 0", -ERANGE };
FIXTURE_VARIANT_ADD(badwrite, boottime_beyond_ktime_max) { "7 9223372037 0", -ERANGE };

FIXTURE_SETUP(badwrite)
{
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_TIME);
	NEED_NS(KISOL_NS_TIME);
	ASSERT_EQ(0, unshare(CLONE_NEWTIME));
}
FIXTURE_TEARDOWN(badwrite) {}

TEST_F(badwrite, refused_and_nothing_changed)
{
	char buf[256];

	EXPECT_EQ(variant->err, write_offsets(0, variant->text));
	/* the file still holds zero offsets, and a valid write still works */
	ASSERT_LT(0, kisol_read_file("/proc/self/timens_offsets", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "monotonic           0         0")) TH_LOG("%s", buf);
	EXPECT_LE(0, write_offsets(0, "1 1 0"));
}
KISOL_META(badwrite, refused_and_nothing_changed, "sides=one: a refused write of the offsets file, checked unchanged after")

KISOL_MAIN
