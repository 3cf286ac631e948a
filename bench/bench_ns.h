/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol bench: namespace helpers shared by the clone, unshare, setns and
 * scale benchmarks (a header; each bench binary is one translation unit).
 * Namespace sets are named on the command line as a comma list of
 * kisol_ns_table names, "none", or the sets runc and crun create for a
 * container ("runc": mnt,uts,ipc,pid,net; "crun": the same plus cgroup).
 */
#ifndef KISOL_BENCH_NS_H
#define KISOL_BENCH_NS_H

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kisol/ns.h"
#include "kisol/proc.h"
#include "kisol/timing.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define NS_SET_RUNC (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET)
#define NS_SET_CRUN (NS_SET_RUNC | CLONE_NEWCGROUP)

/* Parse a set; the label is "newnet", "runc", "newnet+newipc", "none". */
static __attribute__((unused)) int ns_parse_set(const char *s, uint64_t *ret_flags,
						char *label, size_t lsize)
{
	char buf[128], *save = NULL, *tok;
	uint64_t flags = 0;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	if (!strcmp(s, "none") || !strcmp(s, "runc") || !strcmp(s, "crun")) {
		*ret_flags = s[0] == 'n' ? 0 : s[0] == 'r' ? NS_SET_RUNC : NS_SET_CRUN;
		snprintf(label, lsize, "%s", s);
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	label[0] = '\0';
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int t = kisol_ns_from_name(tok);
		size_t l = strlen(label);

		if (t < 0)
			return -EINVAL;
		flags |= kisol_ns_table[t].flag;
		snprintf(label + l, lsize - l, "%snew%s", l ? "+" : "", tok);
	}
	if (!flags)
		return -EINVAL;
	*ret_flags = flags;
	return 0;
}

/*
 * The inode of each namespace type, the numbers the verify records carry:
 * the caller's own (kisol_ns_id), or with children the ones its children
 * get (kisol_ns_snap_take: pid_for_children, time_for_children). 0 where
 * it cannot be read.
 */
static __attribute__((unused)) void ns_inodes(uint64_t ino[_KISOL_NS_MAX], bool children)
{
	struct kisol_ns_snap snap;
	struct kisol_ns_id id;

	if (children)
		kisol_ns_snap_take(kisol_ns_all_flags(), &snap);
	for (int t = 0; t < _KISOL_NS_MAX; t++) {
		if (children)
			ino[t] = snap.known & kisol_ns_table[t].flag ? snap.id[t].ino : 0;
		else
			ino[t] = kisol_ns_id(0, t, &id) == 0 ? id.ino : 0;
	}
}

/*
 * One timed process creation with the given CLONE_NEW* flags. create: from
 * the clone until it returns in the parent (the child is then killed and
 * reaped, untimed). create_exit_reap: clone, the child's exit and the
 * parent's wait, which includes namespace teardown done on exit.
 */
static __attribute__((unused)) int ns_clone_timed(uint64_t flags, bool exit_reap, double *ret_ns)
{
	struct kisol_clone_opts o = { .flags = flags, .cgroup_fd = -1 };
	uint64_t t0, t1 = 0;
	pid_t pid;

	t0 = kisol_now_ns();
	pid = kisol_clone(&o, NULL);
	if (pid == 0) {
		if (!exit_reap)
			for (;;)
				pause();
		_exit(0);
	}
	if (pid < 0)
		return pid;
	if (!exit_reap) {
		t1 = kisol_now_ns();
		kill(pid, SIGKILL);
	}
	if (waitpid(pid, NULL, 0) != pid)
		return -errno;
	if (exit_reap)
		t1 = kisol_now_ns();
	*ret_ns = (double)(t1 - t0);
	return 0;
}

#endif
