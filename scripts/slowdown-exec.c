// SPDX-License-Identifier: GPL-2.0-only
/*
 * kisol-slowdown-exec INSNS PROGRAM [ARG]...
 *
 * A real kernel-side slowdown the benchmarks know nothing about, for
 * scripts/bench-aa's sensitivity check: install a seccomp filter that does
 * INSNS instructions of work on every system call of PROGRAM and all its
 * descendants (filters are inherited across fork, clone and exec), then
 * exec PROGRAM. The filter allows every call.
 *
 * The filter reads the first system-call argument before its arithmetic,
 * so the kernel's cache of filters that allow a call regardless of its
 * arguments (seccomp action cache, 5.11+) cannot skip it: the work really
 * runs on every call. Filters longer than one program (4096 instructions)
 * are stacked. Nothing outside PROGRAM's process tree is affected.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PER_FILTER 4000

static int install(unsigned n)
{
	struct sock_filter *f = calloc(n + 2, sizeof(*f));
	struct sock_fprog prog = { .len = (unsigned short)(n + 2), .filter = f };
	int r;

	if (!f)
		return -ENOMEM;
	f[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					    offsetof(struct seccomp_data, args[0]));
	for (unsigned i = 1; i <= n; i++)
		f[i] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, i);
	f[n + 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 ? -errno : 0;
	free(f);
	return r;
}

int main(int argc, char **argv)
{
	char *end;
	unsigned long insns;
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: kisol-slowdown-exec INSNS PROGRAM [ARG]...\n");
		return 2;
	}
	errno = 0;
	insns = strtoul(argv[1], &end, 10);
	if (errno || *end || insns < 1 || insns > 30000) {
		fprintf(stderr, "kisol-slowdown-exec: INSNS wants 1..30000, got '%s'\n", argv[1]);
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "kisol-slowdown-exec: no_new_privs: %s\n", strerror(errno));
		return 126;
	}
	while (insns) {
		unsigned n = insns > PER_FILTER ? PER_FILTER : (unsigned)insns;

		r = install(n);
		if (r < 0) {
			fprintf(stderr, "kisol-slowdown-exec: seccomp filter: %s\n", strerror(-r));
			return 126;
		}
		insns -= n;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "kisol-slowdown-exec: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
