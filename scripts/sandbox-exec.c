// SPDX-License-Identifier: GPL-2.0-only
/*
 * kisol-sandbox-exec CGROUP_PROCS_FILE PROGRAM [ARG]...
 *
 * The driver's launcher: join the given cgroup, enter a mount namespace of
 * our own whose mounts never propagate back (MS_REC|MS_PRIVATE on /), then
 * exec PROGRAM. Doing this in a small C program instead of a Python
 * preexec_fn lets the driver start cases with vfork, a few hundred
 * microseconds less per case.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "kisol-sandbox-exec: %s: %s\n", what, strerror(errno));
	return 126;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: kisol-sandbox-exec CGROUP_PROCS_FILE PROGRAM [ARG]...\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		return die(argv[1]);
	close(fd);
	if (unshare(CLONE_NEWNS) < 0)
		return die("unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return die("mount(/, MS_REC|MS_PRIVATE)");
	execv(argv[2], argv + 2);
	return die(argv[2]);
}
