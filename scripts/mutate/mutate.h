/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol-mutate: run a program under ptrace with seccomp-triggered stops and
 * make the kernel "lie" about one isolation guarantee (a mutation).
 * See kisol-mutate.c for the process layout and mutations.c for the table.
 */
#ifndef KISOL_MUTATE_H
#define KISOL_MUTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

/* One syscall-entry stop of one tracee. */
struct call {
	pid_t tid;
	struct user_regs_struct regs;
	bool dirty;          /* regs changed: PTRACE_SETREGS before resuming */
	unsigned long scratch; /* next free byte below the red zone (tracee stack) */
	const char *why_not; /* set when a mutation touched but could not be applied */
};

static inline long call_nr(const struct call *c) { return (long)c->regs.orig_rax; }
unsigned long call_arg(const struct call *c, int i);
void call_set_arg(struct call *c, int i, unsigned long v);
/* The syscall does not run; the tracee sees ret as its result. */
void call_skip(struct call *c, long ret);

/* Tracee memory. Return 0 or -errno. */
int mem_read(pid_t tid, unsigned long addr, void *buf, size_t len);
int mem_write(pid_t tid, unsigned long addr, const void *buf, size_t len);
/* NUL-terminated string of at most size-1 bytes; -ENAMETOOLONG if longer. */
int mem_read_str(pid_t tid, unsigned long addr, char *buf, size_t size);
/* Copy buf to the tracee's stack below its red zone; returns the address or 0. */
unsigned long mem_push(struct call *c, const void *buf, size_t len);

/* What a file descriptor of the tracee is: its basename, and whether it is on a cgroup fs. */
int fd_cgroup_file(pid_t tid, int fd, char *name, size_t size);

/* 1 if the cgroup of the cgroup file fd has processes (cgroup.events), 0 if not, -errno. */
int fd_cgroup_populated(pid_t tid, int fd);
/* 1 if fd is an nsfs file of a namespace the tracer itself is in, 0 if not. */
int fd_is_home_ns(pid_t tid, int fd);

struct mutation {
	const char *name;
	const char *what;      /* one line: the lie it tells */
	const int *syscalls;   /* -1 terminated: the syscalls that stop */
	/* Does this call touch the mutation? With apply, also rewrite it. */
	bool (*touch)(const struct mutation *m, struct call *c, bool apply);
	unsigned long arg;     /* e.g. the CLONE_NEW* flag */
};

extern const struct mutation kisol_mutations[];
extern const size_t kisol_n_mutations;
const struct mutation *mutation_find(const char *name);

#endif
