// SPDX-License-Identifier: GPL-2.0-only
/*
 * mutate-probe WHAT [ARG]: small checks for scripts/tests/test_mutate.py.
 * Each performs one isolating call and prints what the kernel then did, as
 * "key=value" lines, so a test can run it with and without a mutation of
 * kisol-mutate active and compare. Exit status 0 unless the probe itself
 * could not run (then 1, with the reason on stderr).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/mount.h>
#include <linux/sched.h>

static int die(const char *what)
{
	fprintf(stderr, "mutate-probe: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned long ns_ino(const char *type)
{
	char p[64];
	struct stat st;

	snprintf(p, sizeof(p), "/proc/self/ns/%s", type);
	if (stat(p, &st) < 0)
		die(p);
	return st.st_ino;
}

static void print_ns(const char *type, unsigned long before)
{
	printf("%s=%s\n", type, ns_ino(type) == before ? "same" : "new");
}

/* unshare(flag) and report whether the namespace changed */
static int p_unshare(const char *type, int flag)
{
	unsigned long b = ns_ino(type);

	if (unshare(flag) < 0)
		die("unshare");
	print_ns(type, b);
	return 0;
}

/* child by clone3 or clone with flag; it reports through its exit status */
static int p_clone(const char *type, unsigned long flag, bool three)
{
	unsigned long b = ns_ino(type);
	int ws;
	pid_t pid;

	if (three) {
		struct clone_args a = { .flags = flag, .exit_signal = SIGCHLD };

		pid = syscall(SYS_clone3, &a, sizeof(a));
	} else {
		pid = syscall(SYS_clone, flag | SIGCHLD, 0, 0, 0, 0);
	}
	if (pid < 0)
		die("clone");
	if (pid == 0)
		_exit(ns_ino(type) == b ? 10 : 11);
	if (waitpid(pid, &ws, 0) < 0 || !WIFEXITED(ws))
		die("waitpid");
	printf("%s=%s\n", type, WEXITSTATUS(ws) == 10 ? "same" : "new");
	return 0;
}

static int p_hostname(const char *name)
{
	if (unshare(CLONE_NEWUTS) < 0)
		die("unshare");
	if (sethostname(name, strlen(name)) < 0)
		die("sethostname");
	printf("hostname=%s\n", name);
	return 0;
}

/* setns into a uts namespace a child made; the probe's own must change */
static int p_setns(void)
{
	int pfd[2], fd, ws, home = open("/proc/self/ns/uts", O_RDONLY);
	char path[64], c;
	unsigned long b = ns_ino("uts");
	pid_t pid;

	if (home < 0)
		die("/proc/self/ns/uts");

	if (pipe(pfd) < 0)
		die("pipe");
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWUTS) < 0)
			_exit(1);
		close(pfd[0]);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1)
		die("child");
	snprintf(path, sizeof(path), "/proc/%d/ns/uts", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	printf("setns=%d\n", setns(fd, CLONE_NEWUTS));
	print_ns("uts", b);
	/* and back home (where the probe started): that one is never mutated */
	printf("home=%d\n", setns(home, CLONE_NEWUTS));
	print_ns("uts", b);
	kill(pid, SIGKILL);
	waitpid(pid, &ws, 0);
	return 0;
}

static void scratch_mount(const char *dir)
{
	if (unshare(CLONE_NEWNS) < 0)
		die("unshare(NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make / private");
	if (mount("tmpfs", dir, "tmpfs", 0, NULL) < 0)
		die("mount tmpfs");
}

static int p_pivot(const char *dir)
{
	char old[4096];
	struct stat a, b;

	scratch_mount(dir);
	snprintf(old, sizeof(old), "%s/old", dir);
	if (mkdir(old, 0700) < 0 || stat("/", &a) < 0)
		die("mkdir");
	printf("pivot_root=%ld\n", syscall(SYS_pivot_root, dir, old));
	if (stat("/", &b) < 0)
		die("stat /");
	printf("root=%s\n", a.st_ino == b.st_ino && a.st_dev == b.st_dev ? "same" : "new");
	return 0;
}

static int writable(const char *dir)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%s/f", dir);
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static int p_rdonly(const char *dir)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

	scratch_mount(dir);
	if (mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		die("remount ro");
	printf("remount_ro=%s\n", writable(dir) ? "rw" : "ro");
	if (mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND, NULL) < 0)
		die("remount rw");
	if (syscall(SYS_mount_setattr, AT_FDCWD, dir, 0, &attr, sizeof(attr)) < 0)
		die("mount_setattr");
	printf("setattr_ro=%s\n", writable(dir) ? "rw" : "ro");
	return 0;
}

/* the optional fields of dir's line in mountinfo (shared:N, master:N) */
static void print_propagation(const char *dir)
{
	char line[4096], mp[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		die("mountinfo");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) == 1 && !strcmp(mp, dir))
			printf("shared=%s\n", strstr(line, " shared:") ? "yes" : "no");
	fclose(f);
}

static int p_propagation(const char *dir)
{
	struct mount_attr attr = { .propagation = MS_SHARED };

	scratch_mount(dir);
	if (mount(NULL, dir, NULL, MS_PRIVATE, NULL) < 0)
		die("make private");
	print_propagation(dir);
	if (syscall(SYS_mount_setattr, AT_FDCWD, dir, 0, &attr, sizeof(attr)) < 0)
		die("mount_setattr");
	print_propagation(dir);
	return 0;
}

/* write our pid to DIR/cgroup.procs; report the cgroup we are in after */
static int p_cgprocs(const char *dir)
{
	char p[4096], cg[4096];
	FILE *f;
	int fd;

	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	fd = open(p, O_WRONLY);
	if (fd < 0 || write(fd, "0", 1) != 1)
		die(p);
	close(fd);
	f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(cg, sizeof(cg), f))
		if (!strncmp(cg, "0::", 3))
			printf("cgroup=%s", cg + 3);
	return 0;
}

static int p_cgwrite(const char *dir, const char *file, const char *value)
{
	char p[4096], back[256] = "";
	int fd;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_RDWR);
	if (fd < 0)
		die(p);
	printf("write=%zd\n", write(fd, value, strlen(value)));
	n = pread(fd, back, sizeof(back) - 1, 0);
	back[n > 0 ? n : 0] = 0;
	printf("value=%s", back);
	return 0;
}

static int p_whiteout(const char *dir)
{
	char p[4096];
	struct stat st;

	snprintf(p, sizeof(p), "%s/wh", dir);
	printf("mknod=%d\n", mknod(p, S_IFCHR | 0, makedev(0, 0)));
	printf("whiteout=%s\n", lstat(p, &st) == 0 && S_ISCHR(st.st_mode) ? "yes" : "no");
	snprintf(p, sizeof(p), "%s/d", dir);
	if (mkdir(p, 0755) < 0)
		die("mkdir");
	printf("setxattr=%d\n", lsetxattr(p, "trusted.overlay.opaque", "y", 1, 0));
	printf("opaque=%s\n", lgetxattr(p, "trusted.overlay.opaque", NULL, 0) > 0 ? "yes" : "no");
	return 0;
}

static int p_ovl_lower(const char *dir)
{
	char opts[4096], p[4096];
	const char *sub[] = { "l1", "l2", "l3", "m" };
	struct stat st;

	scratch_mount(dir);
	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, sub[i]);
		if (mkdir(p, 0755) < 0)
			die("mkdir");
	}
	snprintf(p, sizeof(p), "%s/l2/from_l2", dir);
	if (close(open(p, O_CREAT | O_WRONLY, 0644)) < 0)
		die("create");
	snprintf(opts, sizeof(opts), "lowerdir=%s/l1:%s/l2:%s/l3", dir, dir, dir);
	snprintf(p, sizeof(p), "%s/m", dir);
	if (mount("overlay", p, "overlay", 0, opts) < 0)
		die("mount overlay");
	snprintf(p, sizeof(p), "%s/m/from_l2", dir);
	printf("second_lower=%s\n", stat(p, &st) == 0 ? "visible" : "missing");
	return 0;
}

int main(int argc, char **argv)
{
	const char *w = argc > 1 ? argv[1] : "";
	const char *a = argc > 2 ? argv[2] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(w, "unshare-uts"))
		return p_unshare("uts", CLONE_NEWUTS);
	if (!strcmp(w, "unshare-ipc"))
		return p_unshare("ipc", CLONE_NEWIPC);
	if (!strcmp(w, "unshare-net"))
		return p_unshare("net", CLONE_NEWNET);
	if (!strcmp(w, "unshare-time"))
		return p_unshare("time_for_children", CLONE_NEWTIME);
	if (!strcmp(w, "clone-net"))
		return p_clone("net", CLONE_NEWNET, false);
	if (!strcmp(w, "clone3-uts"))
		return p_clone("uts", CLONE_NEWUTS, true);
	if (!strcmp(w, "clone3-cgroup"))
		return p_clone("cgroup", CLONE_NEWCGROUP, true);
	if (!strcmp(w, "hostname"))
		return p_hostname(a);
	if (!strcmp(w, "setns"))
		return p_setns();
	if (!strcmp(w, "pivot"))
		return p_pivot(a);
	if (!strcmp(w, "rdonly"))
		return p_rdonly(a);
	if (!strcmp(w, "propagation"))
		return p_propagation(a);
	if (!strcmp(w, "cgprocs"))
		return p_cgprocs(a);
	if (!strcmp(w, "cgwrite") && argc == 5)
		return p_cgwrite(a, argv[3], argv[4]);
	if (!strcmp(w, "whiteout"))
		return p_whiteout(a);
	if (!strcmp(w, "ovl-lower"))
		return p_ovl_lower(a);
	fprintf(stderr, "usage: mutate-probe unshare-uts|unshare-ipc|unshare-net|unshare-time|clone-net|"
		"clone3-uts|clone3-cgroup|hostname NAME|setns|pivot DIR|rdonly DIR|propagation DIR|"
		"cgprocs CGDIR|cgwrite CGDIR FILE VALUE|whiteout DIR|ovl-lower DIR\n");
	return 2;
}
