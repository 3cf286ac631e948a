// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-IPC-namespace sysctls (kernel.shm*, kernel.msg*, kernel.sem,
 * kernel.*_next_id, fs.mqueue.*): a value written inside a new IPC
 * namespace is seen there and nowhere else, a new namespace starts from
 * the defaults rather than its parent's values, setns switches the view,
 * and the limits are enforced per namespace. Writes happen only inside IPC
 * namespaces the test created; the host's value is compared before and
 * after every test. As root and as an unprivileged user (root of its own
 * user namespace, which owns the IPC namespace).
 */
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>

#include "kisol_test.h"

struct knob {
	const char *path;
	const char *value; /* written inside */
};

enum mode { ROOT, UNPRIV };

FIXTURE(ipc_sysctl) {
	char host[256];
	int host_ipc;
	struct kisol_child a, b;
};

FIXTURE_VARIANT(ipc_sysctl) {
	struct knob k;
	enum mode mode;
};

/* each value seen inside the new namespace and in the host's */
KISOL_META_FIXTURE(ipc_sysctl, "sides=both")
#define KNOB(name, p, v)                                                                  \
	FIXTURE_VARIANT_ADD(ipc_sysctl, name##_root) { .k = { p, v }, .mode = ROOT };    \
	FIXTURE_VARIANT_ADD(ipc_sysctl, name##_unpriv) { .k = { p, v }, .mode = UNPRIV };

KNOB(shmmax, "/proc/sys/kernel/shmmax", "123456789")
KNOB(shmall, "/proc/sys/kernel/shmall", "1234567")
KNOB(shmmni, "/proc/sys/kernel/shmmni", "1000")
KNOB(shm_rmid_forced, "/proc/sys/kernel/shm_rmid_forced", "1")
KNOB(msgmax, "/proc/sys/kernel/msgmax", "4096")
KNOB(msgmnb, "/proc/sys/kernel/msgmnb", "8192")
KNOB(msgmni, "/proc/sys/kernel/msgmni", "100")
KNOB(sem, "/proc/sys/kernel/sem", "250\t32000\t32\t128")
KNOB(shm_next_id, "/proc/sys/kernel/shm_next_id", "1000")
KNOB(msg_next_id, "/proc/sys/kernel/msg_next_id", "1001")
KNOB(sem_next_id, "/proc/sys/kernel/sem_next_id", "1002")
KNOB(mq_msg_max, "/proc/sys/fs/mqueue/msg_max", "20")
KNOB(mq_msgsize_max, "/proc/sys/fs/mqueue/msgsize_max", "4096")
KNOB(mq_queues_max, "/proc/sys/fs/mqueue/queues_max", "100")
KNOB(mq_msg_default, "/proc/sys/fs/mqueue/msg_default", "5")
KNOB(mq_msgsize_default, "/proc/sys/fs/mqueue/msgsize_default", "1024")

static int read_knob(const char *path, char *buf, size_t n)
{
	int r = kisol_read_file(path, buf, n);

	if (r >= 0)
		kisol_chomp(buf);
	return r;
}

FIXTURE_SETUP(ipc_sysctl)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->a = init;
	self->b = init;
	self->host_ipc = -EBADF;
	/* an ordinary user: root of a user namespace of its own, with an IPC namespace for "host" */
	NEED_ROOT_OR_OWN_USERNS_WITH(KISOL_NS_IPC, CLONE_NEWIPC);
	NEED_NS_VIA(KISOL_NS_IPC, variant->mode == UNPRIV);
	if (variant->mode == UNPRIV)
		NEED_USERNS_UNPRIV(KISOL_NS_IPC);
	if (access(variant->k.path, F_OK) < 0)
		SKIP(return, "%s does not exist on this kernel", variant->k.path);
	self->host_ipc = kisol_ns_open(0, KISOL_NS_IPC);
	ASSERT_LE(0, self->host_ipc);
	ASSERT_LE(0, read_knob(variant->k.path, self->host, sizeof(self->host)));
	if (!strcmp(self->host, variant->k.value))
		SKIP(return, "host value of %s already equals the test value", variant->k.path);
}

FIXTURE_TEARDOWN(ipc_sysctl)
{
	char now[256];

	kisol_child_release(&self->a);
	kisol_child_release(&self->b);
	/* back to the host's IPC namespace: its value must be unchanged */
	if (!kisol_ns_is_current(self->host_ipc, KISOL_NS_IPC))
		ASSERT_EQ(0, kisol_ns_enter(self->host_ipc, KISOL_NS_IPC));
	ASSERT_LE(0, read_knob(variant->k.path, now, sizeof(now)));
	EXPECT_STREQ(self->host, now) TH_LOG("host %s changed", variant->k.path);
	close(self->host_ipc);
}

static struct kisol_spawn_opts opts(const FIXTURE_VARIANT(ipc_sysctl) *v)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWIPC, .cgroup_fd = -1 };

	if (v->mode == UNPRIV) {
		o.flags |= CLONE_NEWUSER;
		o.map_root = true;
		o.unpriv = true;
	}
	return o;
}

/* Child: optionally write the knob, then report its value; stay until go. */
struct job {
	const char *path;
	const char *write; /* NULL: only read */
};

static int c_knob(int sock, void *arg)
{
	const struct job *j = arg;
	char buf[256];
	int64_t go;

	if (j->write && kisol_send_int(sock, kisol_write_file(j->path, j->write)) < 0)
		return 1;
	if (read_knob(j->path, buf, sizeof(buf)) < 0 || kisol_send_str(sock, buf) < 0)
		return 2;
	kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS);
	return 0;
}

static void rx_str(struct __test_metadata *_metadata, int sock, char *buf, size_t n)
{
	int r = kisol_recv_str(sock, buf, n, KISOL_TIMEOUT_MS);

	if (r < 0) {
		TH_LOG("no value from the child: %s", strerror(-r));
		buf[0] = '\0';
	}
}

TEST_F(ipc_sysctl, write_inside_host_unchanged)
{
	struct kisol_spawn_opts o = opts(variant);
	struct job j = { variant->k.path, variant->k.value };
	char buf[256];

	ASSERT_EQ(0, kisol_spawn(&o, c_knob, &j, &self->a));
	ASSERT_EQ(0, kisol_rx(_metadata, self->a.sock)) TH_LOG("write %s inside refused", j.path);
	rx_str(_metadata, self->a.sock, buf, sizeof(buf));
	EXPECT_STREQ(variant->k.value, buf);
	/* outside, while the namespace still exists */
	ASSERT_LE(0, read_knob(j.path, buf, sizeof(buf)));
	EXPECT_STREQ(self->host, buf);
}

TEST_F(ipc_sysctl, new_ns_starts_from_defaults)
{
	struct kisol_spawn_opts o = opts(variant);
	struct job rd = { variant->k.path, NULL };
	char fresh[256], child[256], mine[256];

	/* a fresh namespace's value, for reference */
	ASSERT_EQ(0, kisol_spawn(&o, c_knob, &rd, &self->b));
	rx_str(_metadata, self->b.sock, fresh, sizeof(fresh));
	/* our own IPC namespace, with the value changed */
	ASSERT_EQ(0, kisol_ns_unshare(CLONE_NEWIPC));
	ASSERT_EQ(0, kisol_write_file(variant->k.path, variant->k.value));
	ASSERT_LE(0, read_knob(variant->k.path, mine, sizeof(mine)));
	ASSERT_STREQ(variant->k.value, mine);
	/* a child namespace of ours does not inherit it */
	ASSERT_EQ(0, kisol_spawn(&o, c_knob, &rd, &self->a));
	rx_str(_metadata, self->a.sock, child, sizeof(child));
	EXPECT_STRNE(variant->k.value, child);
	EXPECT_STREQ(fresh, child);
}

TEST_F(ipc_sysctl, setns_switches_view)
{
	struct kisol_spawn_opts o = opts(variant);
	struct job j = { variant->k.path, variant->k.value };
	_cleanup_close_ int theirs = -EBADF;
	char buf[256];

	ASSERT_EQ(0, kisol_spawn(&o, c_knob, &j, &self->a));
	ASSERT_EQ(0, kisol_rx(_metadata, self->a.sock));
	rx_str(_metadata, self->a.sock, buf, sizeof(buf));
	theirs = kisol_ns_open(self->a.pid, KISOL_NS_IPC);
	ASSERT_LE(0, theirs);
	ASSERT_EQ(0, kisol_ns_enter(theirs, KISOL_NS_IPC));
	ASSERT_LE(0, read_knob(j.path, buf, sizeof(buf)));
	EXPECT_STREQ(variant->k.value, buf);
	ASSERT_EQ(0, kisol_ns_enter(self->host_ipc, KISOL_NS_IPC));
	ASSERT_LE(0, read_knob(j.path, buf, sizeof(buf)));
	EXPECT_STREQ(self->host, buf);
}

/* ---- limits are enforced per namespace ---- */

static int c_shmmax(int sock, void *arg)
{
	int id;

	if (kisol_write_file("/proc/sys/kernel/shmmax", "8192") < 0)
		return 90;
	id = shmget(IPC_PRIVATE, 16384, IPC_CREAT | 0600);
	kisol_send_int(sock, id < 0 ? errno : 0);
	id = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
	kisol_send_int(sock, id < 0 ? errno : 0);
	return 0;
}

TEST(shmmax_enforced_inside_only)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWIPC, .cgroup_fd = -1 };
	int64_t v;
	int id;

	NEED_ROOT_OR_OWN_USERNS_WITH(KISOL_NS_IPC, CLONE_NEWIPC);
	NEED_NS(KISOL_NS_IPC);
	ASSERT_EQ(0, kisol_spawn(&o, c_shmmax, NULL, &c));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(EINVAL, v);
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, v);
	EXPECT_EQ(0, kisol_child_exit_code(&c, KISOL_TIMEOUT_MS));
	/* outside (an IPC namespace of our own, default limits): allowed */
	ASSERT_EQ(0, kisol_ns_unshare(CLONE_NEWIPC));
	id = shmget(IPC_PRIVATE, 16384, IPC_CREAT | 0600);
	EXPECT_LE(0, id);
}
KISOL_META(global, shmmax_enforced_inside_only, "sides=both")

static int c_msgmax(int sock, void *arg)
{
	struct { long type; char text[200]; } m = { 1, "" };
	int id;

	if (kisol_write_file("/proc/sys/kernel/msgmax", "100") < 0)
		return 90;
	id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (id < 0)
		return 91;
	kisol_send_int(sock, msgsnd(id, &m, 200, IPC_NOWAIT) < 0 ? errno : 0);
	kisol_send_int(sock, msgsnd(id, &m, 100, IPC_NOWAIT) < 0 ? errno : 0);
	return 0;
}

TEST(msgmax_enforced_inside_only)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWIPC, .cgroup_fd = -1 };
	struct { long type; char text[200]; } m = { 1, "" };
	int64_t v;
	int id;

	NEED_ROOT_OR_OWN_USERNS_WITH(KISOL_NS_IPC, CLONE_NEWIPC);
	NEED_NS(KISOL_NS_IPC);
	ASSERT_EQ(0, kisol_spawn(&o, c_msgmax, NULL, &c));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(EINVAL, v);
	ASSERT_EQ(0, kisol_recv_int(c.sock, &v, KISOL_TIMEOUT_MS));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, kisol_ns_unshare(CLONE_NEWIPC));
	id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	EXPECT_EQ(0, msgsnd(id, &m, 200, IPC_NOWAIT));
}
KISOL_META(global, msgmax_enforced_inside_only, "sides=both")

/* shm_rmid_forced in a namespace: a creator's exit destroys its segments there */
static int c_rmid(int sock, void *arg)
{
	bool forced = arg;
	int id;

	if (forced && kisol_write_file("/proc/sys/kernel/shm_rmid_forced", "1") < 0)
		return 90;
	id = shmget(0x6b69, 4096, IPC_CREAT | IPC_EXCL | 0600);
	int64_t go;

	kisol_send_int(sock, id < 0 ? -errno : id);
	kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS); /* until the namespace is pinned */
	return 0; /* exit: exit_shm() runs now, synchronously */
}

static void rmid_case(struct __test_metadata *_metadata, bool forced)
{
	_cleanup_child_ struct kisol_child c = KISOL_CHILD_INIT;
	struct kisol_spawn_opts o = { .flags = CLONE_NEWIPC, .cgroup_fd = -1 };
	_cleanup_close_ int pin = -EBADF;
	_cleanup_close_ int hostns = -EBADF;
	char host[32], now[32];
	int64_t id;

	NEED_ROOT_OR_OWN_USERNS_WITH(KISOL_NS_IPC, CLONE_NEWIPC);
	NEED_NS(KISOL_NS_IPC);
	hostns = kisol_ns_open(0, KISOL_NS_IPC);
	ASSERT_LE(0, hostns);
	ASSERT_LE(0, read_knob("/proc/sys/kernel/shm_rmid_forced", host, sizeof(host)));
	ASSERT_EQ(0, kisol_spawn(&o, c_rmid, (void *)forced, &c));
	ASSERT_EQ(0, kisol_recv_int(c.sock, &id, KISOL_TIMEOUT_MS));
	ASSERT_LE(0, id);
	pin = kisol_ns_open(c.pid, KISOL_NS_IPC);
	ASSERT_LE(0, pin);
	ASSERT_EQ(0, kisol_send_int(c.sock, 1));
	ASSERT_EQ(0, kisol_child_exit_code(&c, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_ns_enter(pin, KISOL_NS_IPC));
	if (forced) {
		EXPECT_EQ(-1, shmget(0x6b69, 0, 0)) TH_LOG("segment survived its creator");
	} else {
		EXPECT_EQ(id, shmget(0x6b69, 0, 0));
	}
	/* outside: the host's setting is unchanged */
	ASSERT_EQ(0, kisol_ns_enter(hostns, KISOL_NS_IPC));
	ASSERT_LE(0, read_knob("/proc/sys/kernel/shm_rmid_forced", now, sizeof(now)));
	EXPECT_STREQ(host, now);
}

TEST(shm_rmid_forced_inside_destroys_on_exit)
{
	rmid_case(_metadata, true);
}
KISOL_META(global, shm_rmid_forced_inside_destroys_on_exit, "sides=both")

TEST(shm_survives_exit_without_rmid_forced)
{
	rmid_case(_metadata, false);
}
KISOL_META(global, shm_survives_exit_without_rmid_forced, "sides=both")

KISOL_MAIN
