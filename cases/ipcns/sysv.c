// SPDX-License-Identifier: GPL-2.0-only
/*
 * SysV IPC objects (shm, msg, sem) per IPC namespace: the same key gives
 * independent objects on each side, ids do not resolve across, contents
 * and removal are independent, /proc/sysvipc shows only the reader's
 * namespace, setns switches the view, and objects outlive their last
 * process while the namespace is pinned. The test process always takes an
 * IPC namespace of its own first, so the host's IPC namespace is never
 * touched. As root, root in a user namespace, and unprivileged.
 */
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "kisol_test.h"

#define KEY ((key_t)0x6b69736f) /* "kiso" */

struct ipc_ops {
	const char *name;  /* also /proc/sysvipc/<name> */
	int (*get)(key_t key, int flags);
	int (*stat)(int id);  /* 0 or -errno */
	int (*rm)(int id);
	int (*put)(int id, int v);
	int (*take)(int id);  /* value, or -errno (-ENOMSG when empty) */
};

static int shm_get(key_t k, int f) { return shmget(k, 4096, f | 0600); }
static int shm_stat(int id) { struct shmid_ds d; return shmctl(id, IPC_STAT, &d) < 0 ? -errno : 0; }
static int shm_rm(int id) { return shmctl(id, IPC_RMID, NULL) < 0 ? -errno : 0; }
static int shm_put(int id, int v)
{
	int *p = shmat(id, NULL, 0);

	if (p == (void *)-1)
		return -errno;
	*p = v;
	return shmdt(p) < 0 ? -errno : 0;
}
static int shm_take(int id)
{
	int *p = shmat(id, NULL, SHM_RDONLY), v;

	if (p == (void *)-1)
		return -errno;
	v = *p;
	shmdt(p);
	return v;
}

struct kmsg { long type; int v; };
static int msg_get(key_t k, int f) { return msgget(k, f | 0600); }
static int msg_stat(int id) { struct msqid_ds d; return msgctl(id, IPC_STAT, &d) < 0 ? -errno : 0; }
static int msg_rm(int id) { return msgctl(id, IPC_RMID, NULL) < 0 ? -errno : 0; }
static int msg_put(int id, int v)
{
	struct kmsg m = { 1, v };

	return msgsnd(id, &m, sizeof(int), IPC_NOWAIT) < 0 ? -errno : 0;
}
static int msg_take(int id)
{
	struct kmsg m;

	return msgrcv(id, &m, sizeof(int), 0, IPC_NOWAIT) < 0 ? -errno : m.v;
}

union semun { int val; struct semid_ds *buf; unsigned short *array; };
static int sem_get(key_t k, int f) { return semget(k, 1, f | 0600); }
static int sem_stat(int id)
{
	struct semid_ds d;
	union semun u = { .buf = &d };

	return semctl(id, 0, IPC_STAT, u) < 0 ? -errno : 0;
}
static int sem_rm(int id) { return semctl(id, 0, IPC_RMID) < 0 ? -errno : 0; }
static int sem_put(int id, int v)
{
	union semun u = { .val = v };

	return semctl(id, 0, SETVAL, u) < 0 ? -errno : 0;
}
static int sem_take(int id)
{
	int v = semctl(id, 0, GETVAL);

	return v < 0 ? -errno : v;
}

static const struct ipc_ops SHM = { "shm", shm_get, shm_stat, shm_rm, shm_put, shm_take };
static const struct ipc_ops MSG = { "msg", msg_get, msg_stat, msg_rm, msg_put, msg_take };
static const struct ipc_ops SEM = { "sem", sem_get, sem_stat, sem_rm, sem_put, sem_take };

enum mode { ROOT, IN_USERNS, UNPRIV };

FIXTURE(sysv) {
	struct kisol_child child;
	int outer_id;
};

FIXTURE_VARIANT(sysv) {
	const struct ipc_ops *o;
	enum mode mode;
};

/* each object or message seen inside the new namespace and outside it */
KISOL_META_FIXTURE(sysv, "sides=both")
FIXTURE_VARIANT_ADD(sysv, shm_root) { .o = &SHM, .mode = ROOT };
FIXTURE_VARIANT_ADD(sysv, shm_userns) { .o = &SHM, .mode = IN_USERNS };
FIXTURE_VARIANT_ADD(sysv, shm_unpriv) { .o = &SHM, .mode = UNPRIV };
FIXTURE_VARIANT_ADD(sysv, msg_root) { .o = &MSG, .mode = ROOT };
FIXTURE_VARIANT_ADD(sysv, msg_userns) { .o = &MSG, .mode = IN_USERNS };
FIXTURE_VARIANT_ADD(sysv, msg_unpriv) { .o = &MSG, .mode = UNPRIV };
FIXTURE_VARIANT_ADD(sysv, sem_root) { .o = &SEM, .mode = ROOT };
FIXTURE_VARIANT_ADD(sysv, sem_userns) { .o = &SEM, .mode = IN_USERNS };
FIXTURE_VARIANT_ADD(sysv, sem_unpriv) { .o = &SEM, .mode = UNPRIV };

static const struct ipc_ops *O; /* the variant's ops, for children */

FIXTURE_SETUP(sysv)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	/* root's variant, for an ordinary user: as root of its own user namespace (below) */
	NEED_NS_VIA(KISOL_NS_IPC, variant->mode != ROOT || !kisol_is_root());
	if (variant->mode == UNPRIV) {
		NEED_USERNS_UNPRIV(KISOL_NS_IPC);
		NEED_ROOT_TO("start another ordinary user below its own IPC namespace");
	}
	O = variant->o;
	/*
	 * "outside" is an IPC namespace of the test process's own (for an
	 * ordinary user with a user namespace of its own around it)
	 */
	ASSERT_EQ(0, kisol_userns_unshare_rootless(CLONE_NEWIPC));
	self->outer_id = O->get(KEY, IPC_CREAT | IPC_EXCL);
	ASSERT_LE(0, self->outer_id) TH_LOG("%s get: %s", O->name, strerror(errno));
	ASSERT_EQ(0, O->put(self->outer_id, 11));
}

FIXTURE_TEARDOWN(sysv)
{
	kisol_child_release(&self->child);
	/* the namespace (and the object) go with the test process */
}

static void start(struct __test_metadata *_metadata, FIXTURE_DATA(sysv) *self,
		  const FIXTURE_VARIANT(sysv) *v, kisol_child_fn fn, void *arg)
{
	struct kisol_spawn_opts o = { .flags = CLONE_NEWIPC, .cgroup_fd = -1 };

	if (v->mode != ROOT) {
		o.flags |= CLONE_NEWUSER;
		o.map_root = true;
		o.deny_setgroups = true;
	}
	o.unpriv = v->mode == UNPRIV;
	ASSERT_EQ(0, kisol_spawn(&o, fn, arg, &self->child));
}

/* What a child saw inside (errors as -errno); each child fills its fields. */
struct sysv_reply {
	int64_t lookup; /* the outside object's key looked up inside */
	int64_t id;     /* object created inside with that key */
	int64_t put;    /* storing a value in it */
	int64_t take;   /* the value read back */
	int64_t stat;   /* the outside object's id used inside */
	int64_t rm;     /* removing by that id inside */
};

/* Inside: look up the key, then create our own with it. */
static int c_same_key(int sock, void *arg)
{
	struct sysv_reply rep = { 0 };

	rep.lookup = RET_NERRNO(O->get(KEY, 0));
	rep.id = RET_NERRNO(O->get(KEY, IPC_CREAT | IPC_EXCL));
	rep.put = rep.id < 0 ? rep.id : O->put((int)rep.id, 22);
	rep.take = rep.id < 0 ? rep.id : O->take((int)rep.id);
	KISOL_TX_REPLY(rep);
	kisol_wait_go(sock);
	return 0;
}

TEST_F(sysv, same_key_independent_objects)
{
	struct sysv_reply rep;

	start(_metadata, self, variant, c_same_key, NULL);
	KISOL_RX_REPLY(self->child.sock, &rep);
	EXPECT_EQ(-ENOENT, rep.lookup) TH_LOG("outside %s visible inside", O->name);
	ASSERT_LE(0, rep.id) TH_LOG("IPC_EXCL create with the same key failed inside");
	EXPECT_EQ(0, rep.put);
	EXPECT_EQ(22, rep.take); /* its own contents */
	/* outside: ours is still the one for the key, with our contents */
	EXPECT_EQ(self->outer_id, O->get(KEY, 0));
	EXPECT_EQ(11, O->take(self->outer_id));
	if (variant->o == &MSG)
		EXPECT_EQ(-ENOMSG, O->take(self->outer_id)); /* nothing else queued */
}

static int c_ids(int sock, void *arg)
{
	struct sysv_reply rep = { 0 };
	int64_t outer;

	if (kisol_recv_int(sock, &outer, KISOL_TIMEOUT_MS) < 0)
		return 90;
	rep.stat = O->stat((int)outer);
	rep.rm = O->rm((int)outer);
	rep.id = RET_NERRNO(O->get(IPC_PRIVATE, IPC_CREAT));
	KISOL_TX_REPLY(rep);
	kisol_wait_go(sock);
	return 0;
}

TEST_F(sysv, ids_do_not_resolve_across)
{
	struct sysv_reply rep;

	start(_metadata, self, variant, c_ids, NULL);
	ASSERT_EQ(0, kisol_send_int(self->child.sock, self->outer_id));
	KISOL_RX_REPLY(self->child.sock, &rep);
	EXPECT_EQ(-EINVAL, rep.stat);
	EXPECT_EQ(-EINVAL, rep.rm); /* cannot remove ours */
	ASSERT_LE(0, rep.id);
	/* ours survived; theirs does not exist here (unless ids collide on ours) */
	EXPECT_EQ(0, O->stat(self->outer_id));
	if (rep.id != self->outer_id)
		EXPECT_EQ(-EINVAL, O->stat((int)rep.id));
}

static int count_keys(const char *name, key_t key, int *total)
{
	char path[64], buf[8192], *line;
	int n = 0, t = 0, r;

	snprintf(path, sizeof(path), "/proc/sysvipc/%s", name);
	r = kisol_read_file(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	line = strchr(buf, '\n'); /* skip the header */
	while (line && *++line) {
		long k = strtol(line, NULL, 10);

		t++;
		if ((key_t)k == key)
			n++;
		line = strchr(line, '\n');
	}
	*total = t;
	return n;
}

/* /proc/sysvipc/<name> inside: entries with a key, and all entries. */
struct proc_reply {
	int64_t outer_key, total_before; /* before creating anything inside */
	int64_t inner_key, total_after;  /* after creating one with KEY + 1 */
};

static int c_proc(int sock, void *arg)
{
	struct proc_reply rep = { 0 };
	int total = -1;

	rep.outer_key = count_keys(O->name, KEY, &total);
	rep.total_before = total;
	if (O->get(KEY + 1, IPC_CREAT) < 0)
		return 92;
	total = -1;
	rep.inner_key = count_keys(O->name, KEY + 1, &total);
	rep.total_after = total;
	KISOL_TX_REPLY(rep);
	kisol_wait_go(sock);
	return 0;
}

TEST_F(sysv, proc_sysvipc_shows_own_namespace)
{
	struct proc_reply rep;
	int total;

	start(_metadata, self, variant, c_proc, NULL);
	KISOL_RX_REPLY(self->child.sock, &rep);
	EXPECT_EQ(0, rep.outer_key);
	EXPECT_EQ(0, rep.total_before); /* empty inside */
	EXPECT_EQ(1, rep.inner_key);
	EXPECT_EQ(1, rep.total_after);
	/* outside: only ours */
	EXPECT_EQ(1, count_keys(O->name, KEY, &total));
	EXPECT_EQ(1, total);
	EXPECT_EQ(0, count_keys(O->name, KEY + 1, &total));
}

static int c_create(int sock, void *arg)
{
	struct sysv_reply rep = { 0 };

	rep.id = RET_NERRNO(O->get(KEY, IPC_CREAT | IPC_EXCL));
	rep.put = rep.id < 0 ? rep.id : O->put((int)rep.id, 33);
	KISOL_TX_REPLY(rep);
	kisol_wait_go(sock);
	return 0;
}

TEST_F(sysv, setns_switches_view)
{
	_cleanup_close_ int mine = kisol_ns_open(0, KISOL_NS_IPC);
	_cleanup_close_ int theirs = -EBADF;
	struct sysv_reply rep;

	ASSERT_LE(0, mine);
	start(_metadata, self, variant, c_create, NULL);
	KISOL_RX_REPLY(self->child.sock, &rep);
	ASSERT_LE(0, rep.id);
	ASSERT_EQ(0, rep.put);
	theirs = kisol_ns_open(self->child.pid, KISOL_NS_IPC);
	ASSERT_LE(0, theirs);
	ASSERT_EQ(0, kisol_ns_enter(theirs, KISOL_NS_IPC));
	EXPECT_EQ(rep.id, O->get(KEY, 0));
	EXPECT_EQ(33, O->take((int)rep.id));
	ASSERT_EQ(0, kisol_ns_enter(mine, KISOL_NS_IPC));
	EXPECT_EQ(self->outer_id, O->get(KEY, 0));
	EXPECT_EQ(11, O->take(self->outer_id));
}

static int c_rm(int sock, void *arg)
{
	struct sysv_reply rep = { 0 };

	rep.id = RET_NERRNO(O->get(KEY, IPC_CREAT | IPC_EXCL));
	rep.rm = O->rm((int)rep.id);
	rep.lookup = RET_NERRNO(O->get(KEY, 0));
	KISOL_TX_REPLY(rep);
	return 0;
}

TEST_F(sysv, removal_inside_leaves_outside)
{
	struct sysv_reply rep;

	start(_metadata, self, variant, c_rm, NULL);
	KISOL_RX_REPLY(self->child.sock, &rep);
	EXPECT_LE(0, rep.id);
	EXPECT_EQ(0, rep.rm);
	EXPECT_EQ(-ENOENT, rep.lookup);
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
	EXPECT_EQ(self->outer_id, O->get(KEY, 0));
	EXPECT_EQ(0, O->stat(self->outer_id));
}

TEST_F(sysv, objects_live_while_namespace_pinned)
{
	_cleanup_close_ int mine = kisol_ns_open(0, KISOL_NS_IPC);
	_cleanup_close_ int pin = -EBADF;
	struct sysv_reply rep;

	ASSERT_LE(0, mine);
	start(_metadata, self, variant, c_create, NULL);
	KISOL_RX_REPLY(self->child.sock, &rep);
	ASSERT_LE(0, rep.id);
	ASSERT_EQ(0, rep.put);
	pin = kisol_ns_open(self->child.pid, KISOL_NS_IPC);
	ASSERT_LE(0, pin);
	/* the last process of the namespace exits */
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
	ASSERT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_ns_enter(pin, KISOL_NS_IPC));
	EXPECT_EQ(rep.id, O->get(KEY, 0));
	EXPECT_EQ(33, O->take((int)rep.id));
	ASSERT_EQ(0, kisol_ns_enter(mine, KISOL_NS_IPC));
	EXPECT_EQ(11, O->take(self->outer_id));
}

KISOL_MAIN
