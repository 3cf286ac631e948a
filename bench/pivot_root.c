// SPDX-License-Identifier: GPL-2.0-only
/*
 * pivot_root (issue 7, item 4). Both forms run each sample in a fresh
 * child of a worker that owns a private mount namespace with a tmpfs
 * scratch area (see bench_scratch.h):
 *  - pivot_root.syscall: the child enters a mount namespace of its own
 *    (untimed) and times only pivot_root(".", ".") into a tmpfs mount;
 *  - pivot_root.sequence: the child times what a runtime does: unshare a
 *    mount namespace, make / private, bind the new root onto itself,
 *    pivot_root(".", "."), detach the old root, chdir("/").
 */
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "bench_main.h"
#include "bench_scratch.h"

#define MARKER ".kisol-newroot"

static int do_pivot(void)
{
	return syscall(SYS_pivot_root, ".", ".") < 0 ? -errno : 0;
}

static int op_syscall_child(void *arg, double *ret_ns)
{
	uint64_t t0, t1;

	if (unshare(CLONE_NEWNS) < 0 || chdir("mnt") < 0)
		return -errno;
	t0 = kisol_now_ns();
	if (do_pivot() < 0)
		return -errno;
	t1 = kisol_now_ns();
	*ret_ns = (double)(t1 - t0);
	return 0;
}

static int sequence(void)
{
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("root", "root", NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    chdir("root") < 0)
		return -errno;
	if (do_pivot() < 0)
		return -errno;
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return -errno;
	return 0;
}

static int op_sequence_child(void *arg, double *ret_ns)
{
	uint64_t t0, t1;
	int r;

	t0 = kisol_now_ns();
	r = sequence();
	t1 = kisol_now_ns();
	if (r < 0)
		return r;
	*ret_ns = (double)(t1 - t0);
	return 0;
}

/* Run fn(arg) in a fresh child that reports the ns it measured over a pipe. */
static int timed_in_child(int (*fn)(void *arg, double *ret_ns), void *arg, double *ret_ns)
{
	int p[2], st, status;
	double d = -1;
	pid_t pid;

	if (pipe(p) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		st = fn(arg, &d);
		if (st < 0)
			_exit(-st & 0xff);
		_exit(write(p[1], &d, sizeof(d)) == sizeof(d) ? 0 : EIO);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -errno;
	}
	st = read(p[0], &d, sizeof(d)) == sizeof(d) ? 0 : -EIO;
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (st < 0 && WIFEXITED(status) && WEXITSTATUS(status))
		return -WEXITSTATUS(status);
	if (st == 0)
		*ret_ns = d;
	return st;
}

static int op_syscall(void *arg, double *ret_ns)
{
	return timed_in_child(op_syscall_child, arg, ret_ns);
}

static int op_sequence(void *arg, double *ret_ns)
{
	return timed_in_child(op_sequence_child, arg, ret_ns);
}

static int prepare(void)
{
	int fd;

	if (mkdir("mnt", 0755) < 0 || mkdir("root", 0755) < 0)
		return -errno;
	if (mount("kisol-newroot", "mnt", "tmpfs", 0, "size=1m") < 0)
		return -errno;
	fd = open("root/" MARKER, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	fd = open("mnt/" MARKER, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int measure(struct bench *b, struct scratch *s, void *arg)
{
	bool seq = arg != NULL;
	struct kisol_bench_record rec;
	int r = prepare();

	if (r < 0)
		return r;
	bench_rec(b, &rec, seq ? "pivot_root.sequence" : "pivot_root.syscall");
	rec.floor = seq ? "floor.fork_exit_wait" : "floor.getppid";
	return bench_measure(b, &rec, seq ? op_sequence : op_syscall, NULL);
}

static int run_syscall(struct bench *b) { return bench_in_scratch(b, measure, NULL); }
static int run_sequence(struct bench *b) { return bench_in_scratch(b, measure, (void *)1); }

/* In a child: after the sequence, / is the new root (marker, same inode) and the old root is gone. */
static int verify_body(struct bench *b, struct scratch *s, void *arg)
{
	bool seq = arg != NULL;
	struct stat want, now, old;
	int p[2], r;
	int64_t ev[4] = { -1, -1, -1, -1 };
	pid_t pid;

	r = prepare();
	if (r < 0)
		return r;
	if (stat(seq ? "root" : "mnt", &want) < 0 || pipe(p) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (seq)
			r = sequence();
		else
			r = unshare(CLONE_NEWNS) < 0 || chdir("mnt") < 0 ? -errno : do_pivot();
		if (!seq && r == 0)
			r = umount2(".", MNT_DETACH) < 0 || chdir("/") < 0 ? -errno : 0;
		ev[0] = r;
		ev[1] = stat("/", &now) == 0 && now.st_dev == want.st_dev && now.st_ino == want.st_ino;
		ev[2] = access("/" MARKER, F_OK) == 0;
		ev[3] = stat(s->dir, &old) == 0; /* the old root's path to the scratch dir */
		_exit(write(p[1], ev, sizeof(ev)) == sizeof(ev) ? 0 : 1);
	}
	close(p[1]);
	if (pid < 0)
		return -errno;
	r = read(p[0], ev, sizeof(ev));
	close(p[0]);
	waitpid(pid, NULL, 0);
	bench_verify_begin(b, seq ? "pivot_root.sequence" : "pivot_root.syscall");
	bench_ev_int(b, "result", ev[0]);
	bench_ev_bool(b, "root_is_new_root", ev[1] == 1);
	bench_ev_bool(b, "marker_visible", ev[2] == 1);
	bench_ev_bool(b, "old_root_visible", ev[3] == 1);
	return bench_verify_end(b, ev[0] == 0 && ev[1] == 1 && ev[2] == 1 && ev[3] == 0);
}

static int verify_syscall(struct bench *b) { return bench_in_scratch(b, verify_body, NULL); }
static int verify_sequence(struct bench *b) { return bench_in_scratch(b, verify_body, (void *)1); }

static const struct bench_def defs[] = {
	{ "pivot_root.syscall", "", "pivot_root(\".\", \".\") alone, in a fresh mount namespace", run_syscall, verify_syscall },
	{ "pivot_root.sequence", "", "unshare mnt ns, make private, bind, pivot_root, detach old root", run_sequence, verify_sequence },
};

BENCH_MAIN(defs)
