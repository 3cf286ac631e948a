// SPDX-License-Identifier: GPL-2.0-only
/*
 * setns(2) into a user namespace: allowed with CAP_SYS_ADMIN in the target
 * (which the namespace's owner has), refused for another user (EPERM),
 * refused into an ancestor (EPERM) and into the caller's own namespace
 * (EINVAL), refused in a multithreaded process (EINVAL); a joined process
 * is root with full capabilities inside and nothing outside.
 */
#include <pthread.h>
#include <sys/prctl.h>

#include "kisol_test.h"
#include "kisol/timing.h"

#define TX(v) do { if (kisol_send_int(sock, (int64_t)(v)) < 0) return 91; } while (0)

static int64_t rx(struct __test_metadata *_metadata, int sock)
{
	int64_t v = -99999;
	int r = kisol_recv_int(sock, &v, KISOL_TIMEOUT_MS);

	if (r < 0)
		TH_LOG("no message from the child: %s", strerror(-r));
	return v;
}

static uint64_t cap_eff(void)
{
	char buf[4096], *p;

	if (kisol_read_file("/proc/self/status", buf, sizeof(buf)) < 0)
		return 0;
	p = strstr(buf, "CapEff:");
	return p ? strtoull(p + 7, NULL, 16) : 0;
}

FIXTURE(join) {
	struct kisol_child target; /* holds the user namespace */
	struct kisol_child joiner;
	int nsfd;
};

FIXTURE_VARIANT(join) {
	bool target_unpriv; /* the namespace was created by an ordinary user (kisol_unpriv_uid) */
};

FIXTURE_VARIANT_ADD(join, root_owned) { };
FIXTURE_VARIANT_ADD(join, unpriv_owned) { .target_unpriv = true };

static int hold(int sock, void *arg)
{
	int64_t go;

	kisol_send_int(sock, 1);
	kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS);
	return 0;
}

FIXTURE_SETUP(join)
{
	struct kisol_child init = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWUSER, .cgroup_fd = -1, .map_root = true,
				      .unpriv = variant->target_unpriv };
	self->target = init;
	self->joiner = init;
	self->nsfd = -EBADF;
	NEED_NS(KISOL_NS_USER);
	if (variant->target_unpriv)
		NEED_USERNS_UNPRIV(-1);
	else
		NEED_ROOT_TO("own the user namespace as root");
	ASSERT_EQ(0, kisol_spawn(&o, hold, NULL, &self->target));
	ASSERT_EQ(1, rx(_metadata, self->target.sock));
}

FIXTURE_TEARDOWN(join)
{
	kisol_child_release(&self->joiner);
	kisol_child_release(&self->target);
	if (self->nsfd >= 0)
		close(self->nsfd);
}

/* The target's user namespace (no pid namespace: the spawned child itself). */
static int target_ns(struct __test_metadata *_metadata, FIXTURE_DATA(join) *self)
{
	self->nsfd = kisol_ns_open(self->target.pid, KISOL_NS_USER);
	return self->nsfd;
}

static int c_join(int sock, void *arg)
{
	uid_t as = (uid_t)(uintptr_t)arg;
	int fd = kisol_recv_fd(sock, KISOL_TIMEOUT_MS);
	struct kisol_ns_id id, want;
	char h[65];

	if (fd < 0)
		return 90;
	if (as && as != geteuid() && kisol_userns_drop_privs(as, as) < 0)
		return 92;
	TX(kisol_ns_enter(fd, KISOL_NS_USER));
	if (kisol_ns_id(0, KISOL_NS_USER, &id) < 0 || kisol_ns_id_fd(fd, &want) < 0)
		return 93;
	TX(kisol_ns_id_eq(&id, &want));
	TX(getuid());
	TX((int64_t)cap_eff());
	/* and nothing outside: the host's UTS namespace is not its own */
	gethostname(h, sizeof(h));
	TX(sethostname(h, strlen(h)) < 0 ? errno : 0);
	return 0;
}

TEST_F(join, owner_may_join_and_is_root_inside)
{
	uid_t owner = variant->target_unpriv ? kisol_unpriv_uid() : 0;
	int64_t caps;

	ASSERT_LE(0, target_ns(_metadata, self));
	ASSERT_EQ(0, kisol_spawn(NULL, c_join, (void *)(uintptr_t)owner, &self->joiner));
	ASSERT_EQ(0, kisol_send_fd(self->joiner.sock, self->nsfd));
	EXPECT_EQ(0, rx(_metadata, self->joiner.sock));
	EXPECT_EQ(1, rx(_metadata, self->joiner.sock));
	EXPECT_EQ(0, rx(_metadata, self->joiner.sock)); /* uid 0 inside */
	caps = rx(_metadata, self->joiner.sock);
	EXPECT_NE(0, caps);
	EXPECT_EQ(EPERM, rx(_metadata, self->joiner.sock)); /* no caps outside */
}
KISOL_META(join, owner_may_join_and_is_root_inside, "sides=both")

TEST_F(join, other_user_may_not_join)
{
	NEED_ROOT_TO("run the joiner as another user");
	ASSERT_LE(0, target_ns(_metadata, self));
	ASSERT_EQ(0, kisol_spawn(NULL, c_join, (void *)(uintptr_t)61299, &self->joiner));
	ASSERT_EQ(0, kisol_send_fd(self->joiner.sock, self->nsfd));
	EXPECT_EQ(-EPERM, rx(_metadata, self->joiner.sock));
	EXPECT_EQ(0, rx(_metadata, self->joiner.sock)); /* still in its own */
}
KISOL_META(join, other_user_may_not_join, "sides=one: a refusal (EPERM), the joiner is checked still in its own namespace")

static int c_ancestor(int sock, void *arg)
{
	int host = kisol_recv_fd(sock, KISOL_TIMEOUT_MS);
	int own;

	if (host < 0)
		return 90;
	/* from inside the joined namespace: the parent (host) is an ancestor */
	TX(kisol_ns_enter(host, KISOL_NS_USER));
	own = kisol_ns_open(0, KISOL_NS_USER);
	TX(own < 0 ? own : kisol_ns_enter(own, KISOL_NS_USER));
	return 0;
}

static int c_inside_then(int sock, void *arg)
{
	int fd = kisol_recv_fd(sock, KISOL_TIMEOUT_MS);

	if (fd < 0 || kisol_ns_enter(fd, KISOL_NS_USER) < 0)
		return 90;
	return c_ancestor(sock, arg);
}

TEST_F(join, ancestor_eperm_own_einval)
{
	_cleanup_close_ int host = kisol_ns_open(0, KISOL_NS_USER);

	ASSERT_LE(0, host);
	ASSERT_LE(0, target_ns(_metadata, self));
	ASSERT_EQ(0, kisol_spawn(NULL, c_inside_then, NULL, &self->joiner));
	ASSERT_EQ(0, kisol_send_fd(self->joiner.sock, self->nsfd));
	ASSERT_EQ(0, kisol_send_fd(self->joiner.sock, host));
	EXPECT_EQ(-EPERM, rx(_metadata, self->joiner.sock));
	EXPECT_EQ(-EINVAL, rx(_metadata, self->joiner.sock));
	/* from here, our own namespace is refused as well */
	EXPECT_EQ(-EINVAL, kisol_ns_enter(host, KISOL_NS_USER));
}
KISOL_META(join, ancestor_eperm_own_einval, "sides=one: refusals (EPERM, EINVAL) from inside and from here, nothing is joined")

static void *idle(void *arg)
{
	int *fd = arg;
	char c;

	read(*fd, &c, 1);
	return NULL;
}

static int threads_now(void)
{
	char buf[2048];
	const char *p;

	if (kisol_read_file("/proc/self/status", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "\nThreads:");
	return p ? atoi(p + strlen("\nThreads:")) : -1;
}

/*
 * pthread_join() returns once the kernel cleared the thread's tid (in
 * exit_mm()); the thread still holds our fs_struct (until exit_fs()) and
 * stays in the thread group until release_task(), and setns(CLONE_NEWUSER)
 * refuses both with EINVAL. "Threads:" counts signal->nr_threads, dropped
 * in release_task() after both: re-check it, yielding, until a deadline.
 */
static int wait_single_threaded(void)
{
	uint64_t end = kisol_now_ns() + KISOL_TIMEOUT_MS * 1000000ull;
	int n;

	while ((n = threads_now()) != 1) {
		if (n < 0)
			return -EIO;
		if (kisol_now_ns() > end)
			return -ETIMEDOUT;
		sched_yield();
	}
	return 0;
}

static int c_threaded(int sock, void *arg)
{
	int fd = kisol_recv_fd(sock, KISOL_TIMEOUT_MS);
	int pfd[2];
	pthread_t t;

	if (fd < 0 || pipe(pfd) < 0)
		return 90;
	if (pthread_create(&t, NULL, idle, &pfd[0]))
		return 91;
	TX(kisol_ns_enter(fd, KISOL_NS_USER));
	close(pfd[1]);
	pthread_join(t, NULL);
	TX(wait_single_threaded());
	/* single-threaded again: now it works */
	TX(kisol_ns_enter(fd, KISOL_NS_USER));
	return 0;
}

TEST_F(join, refused_while_multithreaded)
{
	ASSERT_LE(0, target_ns(_metadata, self));
	ASSERT_EQ(0, kisol_spawn(NULL, c_threaded, NULL, &self->joiner));
	ASSERT_EQ(0, kisol_send_fd(self->joiner.sock, self->nsfd));
	EXPECT_EQ(-EINVAL, rx(_metadata, self->joiner.sock));
	ASSERT_EQ(0, rx(_metadata, self->joiner.sock))
		TH_LOG("joined thread still counted in /proc/self/status Threads:");
	EXPECT_EQ(0, rx(_metadata, self->joiner.sock));
}
KISOL_META(join, refused_while_multithreaded, "sides=one: a refusal (EINVAL) and its control after the thread is gone")

KISOL_MAIN
