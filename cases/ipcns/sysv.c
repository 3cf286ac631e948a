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
	NEED_NS_VIA(KISOL_NS_IPC, variant->mode != ROOT);
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

/* Inside: look up the key, then create our own with it. */
static int c_same_key(int sock, void *arg)
{
	int id;

	KISOL_TX(O->get(KEY, 0) < 0 ? errno : 0);
	id = O->get(KEY, IPC_CREAT | IPC_EXCL);
	KISOL_TX(id < 0 ? -errno : id);
	KISOL_TX(id < 0 ? -1 : O->put(id, 22));
	KISOL_TX(id < 0 ? -1 : O->take(id));
	kisol_wait_go(sock);
	return 0;
}

TEST_F(sysv, same_key_independent_objects)
{
	int64_t id;

	start(_metadata, self, variant, c_same_key, NULL);
	EXPECT_EQ(ENOENT, kisol_rx(_metadata, self->child.sock)) TH_LOG("outside %s visible inside", O->name);
	id = kisol_rx(_metadata, self->child.sock);
	ASSERT_LE(0, id) TH_LOG("IPC_EXCL create with the same key failed inside");
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(22, kisol_rx(_metadata, self->child.sock)); /* its own contents */
	/* outside: ours is still the one for the key, with our contents */
	EXPECT_EQ(self->outer_id, O->get(KEY, 0));
	EXPECT_EQ(11, O->take(self->outer_id));
	if (variant->o == &MSG)
		EXPECT_EQ(-ENOMSG, O->take(self->outer_id)); /* nothing else queued */
}

static int c_ids(int sock, void *arg)
{
	int64_t outer;
	int id;

	if (kisol_recv_int(sock, &outer, KISOL_TIMEOUT_MS) < 0)
		return 90;
	KISOL_TX(O->stat((int)outer));
	KISOL_TX(O->rm((int)outer));
	id = O->get(IPC_PRIVATE, IPC_CREAT);
	KISOL_TX(id < 0 ? -errno : id);
	kisol_wait_go(sock);
	return 0;
}

TEST_F(sysv, ids_do_not_resolve_across)
{
	int64_t id;

	start(_metadata, self, variant, c_ids, NULL);
	ASSERT_EQ(0, kisol_send_int(self->child.sock, self->outer_id));
	EXPECT_EQ(-EINVAL, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(-EINVAL, kisol_rx(_metadata, self->child.sock)); /* cannot remove ours */
	id = kisol_rx(_metadata, self->child.sock);
	ASSERT_LE(0, id);
	/* ours survived; theirs does not exist here (unless ids collide on ours) */
	EXPECT_EQ(0, O->stat(self->outer_id));
	if (id != self->outer_id)
		EXPECT_EQ(-EINVAL, O->stat((int)id));
}

static int count_keys(const char *name, key_t key, int *total)
{
	char path[64], buf[8192], *line;
	int n = 0, t = 0;

	snprintf(path, sizeof(path), "/proc/sysvipc/%s", name);
	if (kisol_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
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

static int c_proc(int sock, void *arg)
{
	int total, n;

	n = count_keys(O->name, KEY, &total);
	KISOL_TX(n);
	KISOL_TX(total);
	if (O->get(KEY + 1, IPC_CREAT) < 0)
		return 92;
	n = count_keys(O->name, KEY + 1, &total);
	KISOL_TX(n);
	KISOL_TX(total);
	kisol_wait_go(sock);
	return 0;
}

TEST_F(sysv, proc_sysvipc_shows_own_namespace)
{
	int total;

	start(_metadata, self, variant, c_proc, NULL);
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock)); /* empty inside */
	EXPECT_EQ(1, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(1, kisol_rx(_metadata, self->child.sock));
	/* outside: only ours */
	EXPECT_EQ(1, count_keys(O->name, KEY, &total));
	EXPECT_EQ(1, total);
	EXPECT_EQ(0, count_keys(O->name, KEY + 1, &total));
}

static int c_create(int sock, void *arg)
{
	int id = O->get(KEY, IPC_CREAT | IPC_EXCL);

	KISOL_TX(id < 0 ? -errno : id);
	KISOL_TX(id < 0 ? -1 : O->put(id, 33));
	kisol_wait_go(sock);
	return 0;
}

TEST_F(sysv, setns_switches_view)
{
	_cleanup_close_ int mine = kisol_ns_open(0, KISOL_NS_IPC);
	_cleanup_close_ int theirs = -EBADF;
	int64_t id;

	ASSERT_LE(0, mine);
	start(_metadata, self, variant, c_create, NULL);
	id = kisol_rx(_metadata, self->child.sock);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, kisol_rx(_metadata, self->child.sock));
	theirs = kisol_ns_open(self->child.pid, KISOL_NS_IPC);
	ASSERT_LE(0, theirs);
	ASSERT_EQ(0, kisol_ns_enter(theirs, KISOL_NS_IPC));
	EXPECT_EQ(id, O->get(KEY, 0));
	EXPECT_EQ(33, O->take((int)id));
	ASSERT_EQ(0, kisol_ns_enter(mine, KISOL_NS_IPC));
	EXPECT_EQ(self->outer_id, O->get(KEY, 0));
	EXPECT_EQ(11, O->take(self->outer_id));
}

static int c_rm(int sock, void *arg)
{
	int id = O->get(KEY, IPC_CREAT | IPC_EXCL);

	KISOL_TX(id < 0 ? -errno : 0);
	KISOL_TX(O->rm(id));
	KISOL_TX(O->get(KEY, 0) < 0 ? errno : 0);
	return 0;
}

TEST_F(sysv, removal_inside_leaves_outside)
{
	start(_metadata, self, variant, c_rm, NULL);
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(ENOENT, kisol_rx(_metadata, self->child.sock));
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
	EXPECT_EQ(self->outer_id, O->get(KEY, 0));
	EXPECT_EQ(0, O->stat(self->outer_id));
}

TEST_F(sysv, objects_live_while_namespace_pinned)
{
	_cleanup_close_ int mine = kisol_ns_open(0, KISOL_NS_IPC);
	_cleanup_close_ int pin = -EBADF;
	int64_t id;

	ASSERT_LE(0, mine);
	start(_metadata, self, variant, c_create, NULL);
	id = kisol_rx(_metadata, self->child.sock);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, kisol_rx(_metadata, self->child.sock));
	pin = kisol_ns_open(self->child.pid, KISOL_NS_IPC);
	ASSERT_LE(0, pin);
	/* the last process of the namespace exits */
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
	ASSERT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
	ASSERT_EQ(0, kisol_ns_enter(pin, KISOL_NS_IPC));
	EXPECT_EQ(id, O->get(KEY, 0));
	EXPECT_EQ(33, O->take((int)id));
	ASSERT_EQ(0, kisol_ns_enter(mine, KISOL_NS_IPC));
	EXPECT_EQ(11, O->take(self->outer_id));
}

KISOL_MAIN
