/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol: cgroups, v1, v2 and hybrid.
 *
 * Discovery reads /proc/self/mountinfo (every cgroup and cgroup2 mount;
 * named v1 hierarchies such as name=systemd are ignored) and
 * /proc/self/cgroup (the process's own cgroup in each hierarchy). One table
 * describes every controller with its v1 and v2 names and key files.
 *
 * Test cgroups live below a per-run directory:
 *  - v2 with KISOL_CG_V2_BASE set (the driver): that directory;
 *  - v1 with KISOL_RUN_ID set: <own cgroup>/kisol-run-<run id>, shared by the
 *    concurrent tests of the run and removed by the driver, never by a test;
 *  - otherwise (binary run alone, install tree, VM guest): a per-process
 *    <home>/kisol-p<owner> (kisol_owner(): the case binary's main
 *    process) that the library removes with the last test cgroup of the
 *    process. <home> is the own cgroup; for an ordinary user on v2 it is
 *    the top of the subtree delegated to it (kisol_cg_delegated_root()),
 *    so that controllers can be enabled there although the own cgroup is
 *    a leaf holding processes, as rootless runtimes do.
 * Per-test cgroups are t<pid>-<n> below it; kisol_cg_destroy() kills,
 * drains and removes them (descendants first).
 *
 * Errors: -ENOENT the controller is not mounted at all; -EXDEV it is bound
 * to (or, freezer/cpuacct, served by the core of) the other cgroup version;
 * -EOPNOTSUPP the version has no interface files for it (devices on v2);
 * -ENODEV it is on v2 but not delegated to the driver's KISOL_CG_V2_BASE;
 * -EBUSY (from the kernel) it cannot be enabled in the own cgroup because
 * that cgroup holds processes (no-internal-process rule). kisol_cg_need()
 * (kisol/need.h) turns these into a SKIP reason naming where the controller
 * is bound.
 */
#ifndef KISOL_CGROUP_H
#define KISOL_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kisol/util.h"

enum kisol_cg_ctrl {
	KISOL_CG_CORE, /* no controller: the hierarchy itself */
	KISOL_CG_CPU,
	KISOL_CG_CPUACCT,
	KISOL_CG_CPUSET,
	KISOL_CG_MEMORY,
	KISOL_CG_PIDS,
	KISOL_CG_FREEZER,
	KISOL_CG_DEVICES,
	KISOL_CG_IO, /* blkio on v1 */
	KISOL_CG_HUGETLB,
	KISOL_CG_PERF_EVENT,
	KISOL_CG_NET_CLS,
	KISOL_CG_NET_PRIO,
	KISOL_CG_RDMA,
	KISOL_CG_MISC,
	_KISOL_CG_MAX,
};

/* version arguments */
#define KISOL_CG_ANY 0
#define KISOL_CG_V1 1
#define KISOL_CG_V2 2

struct kisol_cg_info {
	const char *name;    /* kisol name: "memory", "io", ... */
	const char *v1;      /* v1 subsystem name (mount option), NULL: none */
	const char *v2;      /* v2 controller name, NULL: none */
	bool v2_core;        /* on v2 served by the core (freezer, cpuacct) */
	const char *v1_limit, *v2_limit;   /* main limit file */
	const char *v1_usage, *v2_usage;   /* main usage file */
	const char *v1_events, *v2_events; /* events / counters file */
	const char *kconfig;
};

extern const struct kisol_cg_info kisol_cg_table[_KISOL_CG_MAX];

/* Controller by kisol, v1 or v2 name; -EINVAL if unknown. */
int kisol_cg_ctrl_from_name(const char *name);

#define KISOL_CG_MAX_HIER 16
#define KISOL_CG_PATH 512

struct kisol_cg_hier {
	int version;     /* 1 or 2 */
	int hier_id;     /* hierarchy id in /proc/self/cgroup (0 on v2) */
	uint64_t ctrls;  /* 1 << ctrl for each controller bound here */
	char mnt[KISOL_CG_PATH];     /* mount point */
	char root[KISOL_CG_PATH];    /* root of the mount in the hierarchy */
	char own[KISOL_CG_PATH];     /* own cgroup as /proc/self/cgroup shows */
	char own_dir[KISOL_CG_PATH]; /* own cgroup directory, "" if not visible */
};

struct kisol_cg_layout {
	int n;
	int v2; /* index of the cgroup2 hierarchy, -1 if none */
	struct kisol_cg_hier h[KISOL_CG_MAX_HIER];
};

/* Read mountinfo and /proc/self/cgroup afresh. */
int kisol_cg_discover(struct kisol_cg_layout *ret);
/* Cached layout of this process (rediscovered after fork). */
int kisol_cg_layout(const struct kisol_cg_layout **ret);
struct kisol_cg;
/* The hierarchy a cgroup is in (this process's layout), NULL if none. */
const struct kisol_cg_hier *kisol_cg_hier_of(const struct kisol_cg *cg);
/* "v1", "v2", "hybrid" or "none". */
const char *kisol_cg_layout_name(const struct kisol_cg_layout *l);

/*
 * Where a controller lives. version KISOL_CG_ANY takes where it is bound
 * (v2 if listed in the v2 root's cgroup.controllers, else its v1
 * hierarchy, else the v2 core for freezer/cpuacct). 0 and *ret on success; -ENOENT (not mounted),
 * -EXDEV (bound to the other version), -EOPNOTSUPP (no files on that
 * version), -EINVAL.
 */
int kisol_cg_locate(enum kisol_cg_ctrl c, int version, const struct kisol_cg_hier **ret);
/* "cgroup v1 (/sys/fs/cgroup/memory)", "cgroup v2 (/sys/fs/cgroup/unified)", "not mounted". */
int kisol_cg_where(enum kisol_cg_ctrl c, char *buf, size_t size);

/*
 * The top of the cgroup v2 subtree delegated to the caller: the highest
 * cgroup from its own up whose directory, cgroup.procs and
 * cgroup.subtree_control it may write (what systemd's Delegate=yes hands
 * over, e.g. user@UID.service). Its path into buf. -ENOENT when there is
 * none (or the own cgroup is not visible in the mount, or no cgroup v2 is
 * mounted), -ENAMETOOLONG, -EINVAL.
 */
int kisol_cg_delegated_root(char *buf, size_t size);

/*
 * Mount options naming every controller of a v1 hierarchy ("cpu,cpuacct"):
 * mounting an existing hierarchy needs exactly its set (a subset would
 * ask for a new hierarchy: EBUSY, or EPERM inside a cgroup namespace).
 */
int kisol_cg_v1_opts(const struct kisol_cg_hier *h, char *buf, size_t size);

/*
 * The process's own cgroup path (as /proc/PID/cgroup shows it; pid 0:
 * self) in the hierarchy with that id (0: v2).
 */
int kisol_cg_proc_path(pid_t pid, int hier_id, char *buf, size_t size);

/* A cgroup directory the test made (or opened). */
struct kisol_cg {
	int version;
	enum kisol_cg_ctrl ctrl;
	int dfd;                    /* O_DIRECTORY fd, -EBADF when none */
	bool owned;                 /* kisol_cg_destroy() removes it */
	bool run_child;             /* a per-test child of the run directory */
	int hier_idx;               /* index in the layout */
	char path[KISOL_CG_PATH];   /* absolute directory */
	char rel[2 * KISOL_CG_PATH]; /* path inside the hierarchy ("/a/b") */
};

#define KISOL_CG_INIT { .dfd = -EBADF, .hier_idx = -1 }

/*
 * Per-test cgroup for controller c (KISOL_CG_CORE: none) on the given
 * version: t<pid>-<n> below the run directory; on v2 the controller is
 * enabled in the run directory's subtree_control first.
 */
int kisol_cg_create(enum kisol_cg_ctrl c, int version, struct kisol_cg *ret);
/* mkdir parent/name (owned, removed by destroy of the parent or itself). */
int kisol_cg_child(const struct kisol_cg *parent, const char *name, struct kisol_cg *ret);
/* Open an existing cgroup directory (not owned: destroy only closes). */
int kisol_cg_open(const char *path, int version, struct kisol_cg *ret);
/* The run directory for a hierarchy (created on demand). */
int kisol_cg_run_dir(int hier_idx, char *buf, size_t size);

/* v2: "+name" to cgroup.subtree_control (no-op on v1). */
int kisol_cg_enable(const struct kisol_cg *cg, enum kisol_cg_ctrl c);
/* Controller listed in the cgroup's cgroup.controllers (v2). 1/0 or -errno. */
int kisol_cg_has_ctrl(const struct kisol_cg *cg, enum kisol_cg_ctrl c);

int kisol_cg_read(const struct kisol_cg *cg, const char *file, char *buf, size_t size);
int kisol_cg_write(const struct kisol_cg *cg, const char *file, const char *s);
/* "max" reads as INT64_MAX; writing INT64_MAX writes "max". */
int kisol_cg_read_int(const struct kisol_cg *cg, const char *file, int64_t *ret);
int kisol_cg_write_int(const struct kisol_cg *cg, const char *file, int64_t v);
/* "key value" line of a file (cgroup.events, memory.events, cpu.stat ...). */
int kisol_cg_keyed(const struct kisol_cg *cg, const char *file, const char *key, int64_t *ret);
/* File exists in this cgroup: 1/0. */
int kisol_cg_has_file(const struct kisol_cg *cg, const char *file);

/* cgroup.procs / v2 cgroup.threads, v1 tasks. */
int kisol_cg_attach(const struct kisol_cg *cg, pid_t pid);
int kisol_cg_attach_thread(const struct kisol_cg *cg, pid_t tid);
/* Number of pids listed in cgroup.procs (not descendants). */
int kisol_cg_nr_procs(const struct kisol_cg *cg);
/* 1 if pid is listed in cgroup.procs, 0 if not. */
int kisol_cg_has_pid(const struct kisol_cg *cg, pid_t pid);
/*
 * pid is in cg, seen from both sides: cg's cgroup.procs lists it and the
 * line of cg's hierarchy in /proc/PID/cgroup names cg (that side only
 * when cg's hierarchy is known). 1/0 or -errno.
 */
int kisol_cg_is_member(const struct kisol_cg *cg, pid_t pid);
/* Populated: v2 cgroup.events, v1 any task in it or below. 1/0. */
int kisol_cg_populated(const struct kisol_cg *cg);

/*
 * v2: wait until cgroup.events has "key value" (poll POLLPRI), at most
 * timeout_ms; -ETIMEDOUT otherwise.
 */
int kisol_cg_wait_event(const struct kisol_cg *cg, const char *key, int64_t value, int timeout_ms);
/* Wait until no task is in the cgroup or below (v2 events, v1 pidfds). */
int kisol_cg_wait_empty(const struct kisol_cg *cg, int timeout_ms);

/* Freeze/thaw and wait for the state (v2 cgroup.freeze, v1 freezer.state). */
int kisol_cg_freeze(const struct kisol_cg *cg, bool freeze, int timeout_ms);
/* v2 cgroup.kill (falls back), v1: SIGKILL every task until empty. */
int kisol_cg_kill(const struct kisol_cg *cg);
/* Kill, drain and rmdir (descendants first) if owned; always close. */
int kisol_cg_destroy(struct kisol_cg *cg);
/*
 * Kill and remove the kisol cgroups in the own cgroup (in every
 * hierarchy; for an ordinary user on v2, in the top of the subtree
 * delegated to it, where its run directories are) whose owner is gone (kisol_name_owner: "kisol-p<pid>", a dead
 * driver's "kisol-run-...-p<pid>"). Returns how many were removed.
 */
int kisol_cg_remove_stale(void);
void kisol_cg_cleanup(struct kisol_cg *cg);
#define _cleanup_cg_ _cleanup_(kisol_cg_cleanup)

/*
 * Start a process born in cg (clone3 CLONE_INTO_CGROUP, v2 only): returns
 * 0 in the child, the pid in the parent (pidfd in *ret_pidfd if given).
 * Kernel bug seen on 6.18: when the caller's own cgroup was ever killed
 * through cgroup.kill, the child is SIGKILLed at birth (kill_seq of the
 * caller's cgroup compared with the target's). Call from a cgroup that
 * was never killed (kisol_cg_move_self()) to avoid it.
 */
pid_t kisol_cg_clone_into(const struct kisol_cg *cg, int *ret_pidfd);

/*
 * kisol_spawn() a child (flags: CLONE_NEW*) that runs fn(sock, arg) only
 * once it is in cg: the parent attaches it, checks that it is there
 * (kisol_cg_is_member(); -EIO when the attach reported success but the
 * child is not in cg), then sends a go message (CLONE_INTO_CGROUP is left
 * to kisol_cg_clone_into(), see there).
 */
struct kisol_child;
typedef int (*kisol_cg_child_fn)(int sock, void *arg);
int kisol_cg_spawn(const struct kisol_cg *cg, uint64_t flags, kisol_cg_child_fn fn, void *arg,
		   struct kisol_child *ret);

/*
 * Move the calling process into cg (cgroup.procs "0"); with ret_prev the
 * absolute directory it was in before (same hierarchy), for moving back
 * with kisol_cg_move_self_path().
 */
int kisol_cg_move_self(const struct kisol_cg *cg, char *ret_prev, size_t size);
int kisol_cg_move_self_path(const char *dir);

/* ---------------------------------------------------------------------
 * For programs that run outside the harness (the benchmarks)
 */

/*
 * A cgroup kisol-<prefix>-p<pid>-<n> (pid: the caller's) made directly in
 * the base directory of the hierarchy where c lives on version (as
 * kisol_cg_locate(); KISOL_CG_CORE on KISOL_CG_V2: the cgroup2 hierarchy):
 * on v2 $KISOL_CG_V2_BASE when set, else the caller's own cgroup (an
 * ordinary user's: the top of the subtree delegated to it, if any). Unlike
 * kisol_cg_create() there is no run directory in between and no controller
 * is enabled, so what a benchmark times in it does not depend on the
 * harness's layout. Owned (kisol_cg_destroy() kills, drains and removes it
 * with everything below) and registered (kisol_cg_register()); once the
 * caller is gone kisol_cg_remove_stale() takes it for a leftover. -ENOENT
 * when the own cgroup is not visible in the mount, -ENOSPC when the
 * registry is full, -EINVAL for an empty prefix or one with a '/'.
 */
int kisol_cg_create_top(enum kisol_cg_ctrl c, int version, const char *prefix,
			struct kisol_cg *ret);

/*
 * Registry of cgroups that must not outlive the program even when it is
 * stopped by a signal. kisol_cg_register() adds an owned cgroup (at most 32
 * at a time: -ENOSPC), kisol_cg_destroy() of it removes it again.
 * kisol_cg_destroy_registered() destroys every cgroup this process
 * registered and has not destroyed (as kisol_cg_destroy(): tasks killed and
 * drained, descendants first); it allocates nothing and takes no lock, so a
 * signal handler may call it. Registrations are per process: a forked
 * child's call leaves its parent's cgroups alone. Returns the first error.
 */
int kisol_cg_register(const struct kisol_cg *cg);
int kisol_cg_destroy_registered(void);
/*
 * Run kisol_cg_destroy_registered() at exit() and on SIGTERM, SIGINT and
 * SIGHUP; after a signal the process then dies of that signal (default
 * action). Installs the handlers once per process; later calls do nothing.
 */
int kisol_cg_destroy_registered_at_exit(void);

/*
 * A knob kept open for timed writes: kisol_cg_open_file() opens a file of
 * cg (flags as for open(2), O_CLOEXEC added) and returns the fd;
 * kisol_cg_write_fd() is exactly one write(2) of len bytes of s to it
 * (0, -errno, -EIO for a short write), nothing else: a benchmark times it.
 */
int kisol_cg_open_file(const struct kisol_cg *cg, const char *file, int flags);
int kisol_cg_write_fd(int fd, const char *s, size_t len);
/*
 * kisol_cg_write() through the file's absolute path (cg->path/file)
 * instead of cg's directory fd: open, one write, close, no allocation.
 * The path walk is part of what a manager without a directory fd pays,
 * and of what the cgroup.write, .freeze and .kill benchmarks time.
 */
int kisol_cg_write_path(const struct kisol_cg *cg, const char *file, const char *s);
/* kisol_cg_wait_event() opening cgroup.events by its absolute path, the same way. */
int kisol_cg_wait_event_path(const struct kisol_cg *cg, const char *key, int64_t value,
			     int timeout_ms);

/*
 * A task that does nothing (pause()) until it is killed, to populate
 * cgroups. With cg it is born in cg (clone3 CLONE_INTO_CGROUP; v2 only,
 * -EOPNOTSUPP on v1) and dies when cg is destroyed; with cg NULL it starts
 * in the caller's cgroups and dies with the caller (PR_SET_PDEATHSIG), as
 * no cgroup teardown would reach it. Returns its pid;
 * kisol_cg_reap_idle() kills and reaps it.
 */
pid_t kisol_cg_spawn_idle(const struct kisol_cg *cg);
int kisol_cg_reap_idle(pid_t pid);

#endif
