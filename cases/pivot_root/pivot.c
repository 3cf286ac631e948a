// SPDX-License-Identifier: GPL-2.0-only
/*
 * pivot_root(2): into a prepared root with the old root detached after,
 * both as "pivot_root(new, new/put_old) + umount put_old" and as
 * "pivot_root(".", ".") + umount2(".", MNT_DETACH)", as root and inside a
 * user namespace; no way back to the host's root afterwards (no mount of
 * it, no fd, no cwd, ".." of "/" is "/"); and every documented error.
 * A pivoting child reports what it sees; the parent asserts. A negative
 * control shows that a directory fd kept from before the pivot does reach
 * the old root, so the fd check can fail.
 */
#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <grp.h>
#include <sys/syscall.h>

#include "kisol_test.h"
#include "kisol/mount.h"

#define UNPRIV_ID 100000

struct facts {
	int setup;          /* 0 or -errno of preparing the root */
	int pivot;          /* 0 or -errno of pivot_root */
	int detach;         /* 0 or -errno of detaching the old root */
	int cwd_is_root;    /* getcwd() == "/" and "." is "/" */
	int dotdot_is_root; /* "/.." is "/" */
	int host_marker;    /* a marker file of the host's scratch dir is reachable by path */
	char listing[256];  /* names in the new "/" */
};

struct pv_arg {
	char dir[PATH_MAX];
	char marker[PATH_MAX]; /* an absolute host path that must become unreachable */
	unsigned major, minor; /* the host root fs */
	bool dotdot;           /* pivot_root(".", ".") style */
	bool bind_root;        /* new root is a bind mount of a host-disk dir, not a tmpfs */
	bool keep_fd;          /* negative control: keep a dir fd of the old root */
	bool userns;
};

/* Mounts of the host root filesystem showing its root directory, in PID's table. */
static int host_root_mounts(pid_t pid, unsigned major, unsigned minor)
{
	char line[4096], path[64];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned ma, mi;
		char root[PATH_MAX];

		if (sscanf(line, "%*d %*d %u:%u %4095s", &ma, &mi, root) == 3 && ma == major &&
		    mi == minor && !strcmp(root, "/"))
			n++;
	}
	fclose(f);
	return n;
}

/* Directory fds of PID on a mount missing from PID's own mount table: ways back. */
static int foreign_dir_fds(pid_t pid)
{
	char path[64], p[300], info[512];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct kisol_mnt_info *m;
		struct stat st;
		int64_t id;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/%d/fd/%s", (int)pid, de->d_name);
		if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		snprintf(p, sizeof(p), "/proc/%d/fdinfo/%s", (int)pid, de->d_name);
		if (kisol_read_file(p, info, sizeof(info)) < 0 || kisol_keyed_int64(info, "mnt_id", &id) < 0)
			continue;
		m = malloc(sizeof(*m));
		if (m && kisol_mnt_info_by_id(pid, (int)id, m) == -ENOENT)
			n++;
		free(m);
	}
	closedir(d);
	return n;
}

static int prepare(struct pv_arg *a)
{
	char p[PATH_MAX + 16];
	int r;

	r = kisol_mnt_set_propagation("/", MS_PRIVATE, true);
	if (r < 0)
		return r;
	if (a->bind_root) {
		r = kisol_mnt_bind(a->dir, a->dir, false);
		for (const char *d = "bin\0dev\0etc\0proc\0tmp\0oldroot\0"; r >= 0 && *d; d += strlen(d) + 1) {
			snprintf(p, sizeof(p), "%s/%s", a->dir, d);
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				r = -errno;
		}
		return r;
	}
	return kisol_mnt_make_root(a->dir, KISOL_ROOT_TMP | KISOL_ROOT_DEV |
					   (a->userns ? 0 : KISOL_ROOT_PROC));
}

static int do_pivot(struct pv_arg *a, struct facts *f)
{
	char put_old[PATH_MAX + 16];

	if (a->dotdot) {
		f->pivot = kisol_mnt_enter_root(a->dir);
		f->detach = f->pivot;
		return f->pivot;
	}
	snprintf(put_old, sizeof(put_old), "%s/oldroot", a->dir);
	f->pivot = kisol_mnt_pivot_root(a->dir, put_old);
	if (f->pivot < 0)
		return f->pivot;
	if (chdir("/") < 0)
		return f->pivot = -errno;
	f->detach = kisol_mnt_detach("/oldroot");
	return f->detach;
}

static void look_around(struct pv_arg *a, struct facts *f, int kept)
{
	struct stat root, dot, dd;
	char cwd[PATH_MAX];
	struct dirent *de;
	DIR *d;
	size_t off = 0;

	if (stat("/", &root) == 0 && stat(".", &dot) == 0 && getcwd(cwd, sizeof(cwd)))
		f->cwd_is_root = !strcmp(cwd, "/") && root.st_ino == dot.st_ino && root.st_dev == dot.st_dev;
	if (stat("/..", &dd) == 0)
		f->dotdot_is_root = dd.st_ino == root.st_ino && dd.st_dev == root.st_dev;
	f->host_marker = access(a->marker, F_OK) == 0;
	if (kept >= 0 && fchdir(kept) == 0 && access("./kisol-marker", F_OK) == 0)
		f->host_marker = 2; /* the kept fd reached the old root */
	d = opendir("/");
	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' && off < sizeof(f->listing) - 1)
				off += snprintf(f->listing + off, sizeof(f->listing) - off, "%s ", de->d_name);
		closedir(d);
	}
}

static int child(int sock, void *arg)
{
	struct pv_arg *a = arg;
	struct facts f = { 0 };
	int kept = -1;

	f.setup = prepare(a);
	if (f.setup == 0) {
		if (a->keep_fd) {
			char parent[PATH_MAX];

			snprintf(parent, sizeof(parent), "%s", a->marker);
			*strrchr(parent, '/') = '\0';
			kept = open(parent, O_RDONLY | O_DIRECTORY);
		}
		if (do_pivot(a, &f) == 0)
			look_around(a, &f, kept);
	}
	kisol_send(sock, &f, sizeof(f));
	/* stay until the parent has looked at our mount table and fds */
	kisol_recv_int(sock, &(int64_t){ 0 }, KISOL_TIMEOUT_MS);
	return 0;
}

FIXTURE(pivot) {
	char dir[PATH_MAX];
	char marker[PATH_MAX];
	struct kisol_child child;
};

FIXTURE_VARIANT(pivot) {
	bool dotdot, bind_root, userns;
};

/* the pivoting child reports its view; we read its mount table and fds and check ours */
KISOL_META_FIXTURE(pivot, "sides=both")

FIXTURE_VARIANT_ADD(pivot, tmpfs_put_old) { };
FIXTURE_VARIANT_ADD(pivot, tmpfs_dotdot) { .dotdot = true };
FIXTURE_VARIANT_ADD(pivot, bind_put_old) { .bind_root = true };
FIXTURE_VARIANT_ADD(pivot, bind_dotdot) { .bind_root = true, .dotdot = true };
FIXTURE_VARIANT_ADD(pivot, userns_tmpfs_dotdot) { .dotdot = true, .userns = true };
FIXTURE_VARIANT_ADD(pivot, userns_bind_put_old) { .bind_root = true, .userns = true };

FIXTURE_SETUP(pivot)
{
	struct kisol_child init = KISOL_CHILD_INIT;
	char holder[PATH_MAX - 32];
	int fd;

	self->child = init;
	self->dir[0] = '\0';
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	if (variant->userns)
		NEED_NS(KISOL_NS_USER);
	ASSERT_EQ(0, kisol_mnt_isolate());
	/* holder/ has the marker and root/ (the new root) */
	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "pivot", holder, sizeof(holder)));
	snprintf(self->marker, sizeof(self->marker), "%s/kisol-marker", holder);
	snprintf(self->dir, sizeof(self->dir), "%s/root", holder);
	fd = open(self->marker, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	if (fd < 0 || mkdir(self->dir, 0755) < 0 || chmod(holder, 0755) < 0 ||
	    /* rootless: UNPRIV_ID maps onto our own uid (kisol_userns_become_other) */
	    (variant->userns && kisol_is_root() && chown(self->dir, UNPRIV_ID, UNPRIV_ID) < 0)) {
		kisol_mnt_rm_rf(holder);
		ASSERT_TRUE(false) TH_LOG("scratch setup: %s", strerror(errno));
	}
}

FIXTURE_TEARDOWN(pivot)
{
	char holder[PATH_MAX];

	kisol_child_release(&self->child);
	if (self->dir[0]) {
		snprintf(holder, sizeof(holder), "%s", self->dir);
		*strrchr(holder, '/') = '\0';
		EXPECT_EQ(0, kisol_mnt_rm_rf(holder));
	}
}

struct seen {
	int mounts, host_root_mounts, foreign_fds;
};

static void run_child(struct __test_metadata *_metadata, FIXTURE_DATA(pivot) *self,
		      const FIXTURE_VARIANT(pivot) *variant, bool keep_fd, struct facts *f,
		      struct seen *out)
{
	struct kisol_spawn_opts so = { .flags = CLONE_NEWNS, .cgroup_fd = -1 };
	struct kisol_ns_id mine, its;
	struct kisol_mnt_info root;
	struct pv_arg a = { .dotdot = variant->dotdot, .bind_root = variant->bind_root,
			    .keep_fd = keep_fd, .userns = variant->userns };

	ASSERT_EQ(0, kisol_mnt_info(0, "/", &root));
	a.major = root.major;
	a.minor = root.minor;
	snprintf(a.dir, sizeof(a.dir), "%s", self->dir);
	snprintf(a.marker, sizeof(a.marker), "%s", self->marker);
	/* rootless: proc mounts only for a PID namespace its user namespace owns */
	if (!variant->userns && !kisol_is_root())
		so.flags |= CLONE_NEWPID;
	if (variant->userns) {
		so.flags |= CLONE_NEWUSER;
		so.unpriv = true;
		so.unpriv_uid = UNPRIV_ID;
		so.unpriv_gid = UNPRIV_ID;
		so.map_root = true;
	}
	ASSERT_EQ(0, kisol_spawn(&so, child, &a, &self->child));
	ASSERT_EQ((int)sizeof(*f), kisol_recv(self->child.sock, f, sizeof(*f), KISOL_TIMEOUT_MS))
		TH_LOG("child exit %d", kisol_child_exit_code(&self->child, 1000));
	ASSERT_EQ(0, f->setup) TH_LOG("preparing the root: %s", strerror(-f->setup));
	ASSERT_EQ(0, f->pivot) TH_LOG("pivot_root: %s", strerror(-f->pivot));
	ASSERT_EQ(0, f->detach) TH_LOG("detaching the old root: %s", strerror(-f->detach));
	/* from outside, while the child waits: it pivoted in a mount namespace of its own */
	ASSERT_EQ(0, kisol_ns_id(0, KISOL_NS_MNT, &mine));
	ASSERT_EQ(0, kisol_ns_id(self->child.pid, KISOL_NS_MNT, &its));
	EXPECT_FALSE(kisol_ns_id_eq(&mine, &its)) TH_LOG("the child pivoted our mount namespace");
	EXPECT_EQ(0, access(self->marker, F_OK)) TH_LOG("our root moved with the child's pivot");
	out->mounts = kisol_mnt_count(self->child.pid);
	out->host_root_mounts = host_root_mounts(self->child.pid, a.major, a.minor);
	out->foreign_fds = foreign_dir_fds(self->child.pid);
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
	ASSERT_LE(0, out->mounts);
	ASSERT_LE(0, out->host_root_mounts);
	ASSERT_LE(0, out->foreign_fds);
}

/* The new root is "/" and the old one is gone from the mount table. */
TEST_F(pivot, old_root_detached)
{
	struct facts f;
	struct seen o;
	struct stat st;

	run_child(_metadata, self, variant, false, &f, &o);
	EXPECT_EQ(0, o.host_root_mounts) TH_LOG("the host root fs is still mounted inside");
	EXPECT_NE(NULL, strstr(f.listing, "oldroot")) TH_LOG("listing: %s", f.listing);
	EXPECT_NE(NULL, strstr(f.listing, "tmp"));
	/* root, /tmp, /dev, six device nodes, /proc at most */
	EXPECT_GE(10, o.mounts) TH_LOG("%d mounts left inside", o.mounts);
	/* outside: nothing changed, our marker is still there */
	EXPECT_EQ(0, stat(self->marker, &st));
	EXPECT_EQ(0, kisol_mnt_is_mountpoint(self->dir)) TH_LOG("the child's mounts leaked out");
}

/* No path, cwd or fd leads back to the host's root. */
TEST_F(pivot, no_way_back)
{
	struct facts f;
	struct seen o;

	run_child(_metadata, self, variant, false, &f, &o);
	EXPECT_EQ(0, f.host_marker) TH_LOG("host marker reachable after pivot");
	EXPECT_EQ(1, f.cwd_is_root);
	EXPECT_EQ(1, f.dotdot_is_root);
	EXPECT_EQ(0, o.foreign_fds) TH_LOG("%d directory fds lead outside", o.foreign_fds);
}

/* Negative control: a directory fd kept from before the pivot does lead back. */
TEST_F(pivot, kept_fd_leads_back)
{
	struct facts f;
	struct seen o;

	run_child(_metadata, self, variant, true, &f, &o);
	EXPECT_EQ(2, f.host_marker) TH_LOG("a kept fd should reach the old root");
	EXPECT_LE(1, o.foreign_fds) TH_LOG("the fd check missed the kept fd");
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */

enum pv_err_case {
	E_NOT_MOUNTPOINT, E_PUT_OLD_OUTSIDE, E_SHARED_PARENT, E_NEW_ROOT_FILE,
	E_PUT_OLD_FILE, E_MISSING, E_EPERM, E_CURRENT_ROOT, E_NEW_ROOT_IS_ROOT_CHROOTED,
};

struct err_arg {
	char dir[PATH_MAX];
	enum pv_err_case c;
};

static int err_child(int sock, void *arg)
{
	struct err_arg *a = arg;
	char nr[PATH_MAX + 32], po[PATH_MAX + 32];
	int r = 0, r0;

	kisol_mnt_set_propagation("/", MS_PRIVATE, true);
	/* keep new_root and put_old off the current root mount (else EBUSY comes first) */
	if (a->c != E_CURRENT_ROOT && a->c != E_NEW_ROOT_IS_ROOT_CHROOTED &&
	    a->c != E_SHARED_PARENT)
		r = kisol_mnt_tmpfs(a->dir, NULL);
	snprintf(nr, sizeof(nr), "%s/new", a->dir);
	snprintf(po, sizeof(po), "%s/new/old", a->dir);
	mkdir(nr, 0755);
	r0 = r;
	switch (a->c) {
	case E_NOT_MOUNTPOINT:
		mkdir(po, 0755);
		break;
	case E_PUT_OLD_OUTSIDE:
		r = kisol_mnt_tmpfs(nr, NULL);
		snprintf(po, sizeof(po), "%s/outside", a->dir);
		mkdir(po, 0755);
		break;
	case E_SHARED_PARENT:
		/* new root's parent mount shared: pivot would propagate */
		r = kisol_mnt_tmpfs(a->dir, NULL);
		if (r == 0)
			r = kisol_mnt_set_propagation(a->dir, MS_SHARED, false);
		mkdir(nr, 0755);
		if (r == 0)
			r = kisol_mnt_tmpfs(nr, NULL);
		mkdir(po, 0755);
		break;
	case E_NEW_ROOT_FILE:
		r = kisol_mnt_tmpfs(nr, NULL);
		snprintf(nr, sizeof(nr), "%s/new/file", a->dir);
		close(open(nr, O_CREAT | O_WRONLY, 0644));
		mkdir(po, 0755);
		break;
	case E_PUT_OLD_FILE:
		r = kisol_mnt_tmpfs(nr, NULL);
		close(open(po, O_CREAT | O_WRONLY, 0644));
		break;
	case E_MISSING:
		r = kisol_mnt_tmpfs(nr, NULL);
		snprintf(po, sizeof(po), "%s/new/missing", a->dir);
		break;
	case E_EPERM:
		r = kisol_mnt_tmpfs(nr, NULL);
		mkdir(po, 0755);
		/* rootless: UNPRIV_ID of a nested user namespace, no capability over ours */
		if (r == 0)
			r = kisol_userns_become_other(UNPRIV_ID, UNPRIV_ID);
		break;
	case E_CURRENT_ROOT:
		snprintf(nr, sizeof(nr), "/");
		snprintf(po, sizeof(po), "/");
		break;
	case E_NEW_ROOT_IS_ROOT_CHROOTED:
		/* the current root is not a mount point: chroot into a plain dir */
		r = kisol_mnt_tmpfs(nr, NULL);
		mkdir(po, 0755);
		snprintf(po, sizeof(po), "%s/jail", a->dir);
		mkdir(po, 0755);
		if (r == 0 && (chroot(po) < 0 || chdir("/") < 0))
			r = -errno;
		mkdir("/n", 0755);
		mkdir("/n/o", 0755);
		if (r == 0)
			r = kisol_mnt_tmpfs("/n", NULL);
		mkdir("/n/o", 0755);
		snprintf(nr, sizeof(nr), "/n");
		snprintf(po, sizeof(po), "/n/o");
		break;
	}
	if (r0 < 0)
		r = r0;
	if (r == 0)
		r = kisol_mnt_pivot_root(nr, po);
	else
		r = 1000 + -r; /* setup failure */
	kisol_send_int(sock, r);
	return 0;
}

FIXTURE(pverr) {
	char dir[PATH_MAX];
	struct kisol_child child;
};

FIXTURE_VARIANT(pverr) {
	enum pv_err_case c;
	int err;
};

FIXTURE_VARIANT_ADD(pverr, new_root_not_a_mount_point) { .c = E_NOT_MOUNTPOINT, .err = EINVAL };
FIXTURE_VARIANT_ADD(pverr, put_old_not_under_new_root) { .c = E_PUT_OLD_OUTSIDE, .err = EINVAL };
FIXTURE_VARIANT_ADD(pverr, parent_mount_shared) { .c = E_SHARED_PARENT, .err = EINVAL };
FIXTURE_VARIANT_ADD(pverr, new_root_not_a_directory) { .c = E_NEW_ROOT_FILE, .err = ENOTDIR };
FIXTURE_VARIANT_ADD(pverr, put_old_not_a_directory) { .c = E_PUT_OLD_FILE, .err = ENOTDIR };
FIXTURE_VARIANT_ADD(pverr, put_old_missing) { .c = E_MISSING, .err = ENOENT };
FIXTURE_VARIANT_ADD(pverr, no_cap_sys_admin) { .c = E_EPERM, .err = EPERM };
FIXTURE_VARIANT_ADD(pverr, new_root_is_current_root) { .c = E_CURRENT_ROOT, .err = EBUSY };
FIXTURE_VARIANT_ADD(pverr, current_root_not_a_mount) { .c = E_NEW_ROOT_IS_ROOT_CHROOTED, .err = EINVAL };

FIXTURE_SETUP(pverr)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	self->dir[0] = '\0';
	NEED_ROOT_OR_OWN_USERNS(KISOL_NS_MNT);
	ASSERT_EQ(0, kisol_mnt_isolate());
	ASSERT_EQ(0, kisol_mnt_mkdtemp(NULL, "pverr", self->dir, sizeof(self->dir)));
}

FIXTURE_TEARDOWN(pverr)
{
	kisol_child_release(&self->child);
	if (self->dir[0])
		EXPECT_EQ(0, kisol_mnt_rm_rf(self->dir));
}

TEST_F(pverr, refused)
{
	struct kisol_spawn_opts so = { .flags = CLONE_NEWNS, .cgroup_fd = -1 };
	struct err_arg a = { .c = variant->c };
	int64_t r;

	if (variant->c == E_CURRENT_ROOT)
		NEED_ROOT_TO("pivot_root the host's root onto itself (a copy of that mount is locked in a "
			     "user namespace's mount namespace: EINVAL comes before EBUSY)");
	snprintf(a.dir, sizeof(a.dir), "%s", self->dir);
	ASSERT_EQ(0, kisol_spawn(&so, err_child, &a, &self->child));
	ASSERT_EQ(0, kisol_recv_int(self->child.sock, &r, KISOL_TIMEOUT_MS));
	ASSERT_GT(1000, r) TH_LOG("setup in the child failed: %s", strerror((int)r - 1000));
	EXPECT_EQ(-variant->err, r) TH_LOG("pivot_root gave %s, expected %s",
					   r ? strerrorname_np((int)-r) : "success",
					   strerrorname_np(variant->err));
	/* outside: still our own root */
	EXPECT_EQ(0, access("/proc/self/mountinfo", R_OK));
}
KISOL_META(pverr, refused, "sides=one: a refusal, the errno is the property and nothing was pivoted")

KISOL_MAIN
