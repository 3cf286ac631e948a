// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup rows: the layout (v1, v2, hybrid and which controller where),
 * each controller a runtime uses with its limit enforced on a real process
 * (pids.max=2 stops the third fork, a memory limit holds, a CPU quota
 * throttles, a cpuset pins, a devices rule denies /dev/null), delegation
 * to this user, CLONE_INTO_CGROUP, cgroup.kill, freezing and PSI.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "kisol/bpf.h"
#include "kisol/cgroup.h"
#include "kisol/proc.h"
#include "kisol/timing.h"
#include "vl_cg.h"

static const char *vname(int v)
{
	return v == 2 ? "v2" : "v1";
}

void vl_probe_cg_layout(struct vl_ctx *ctx, struct vl_row *row)
{
	struct kisol_cg_layout l;
	int r = kisol_cg_discover(&l);

	if (r < 0)
		return vl_set(row, VL_UNKNOWN, VL_NO, "reading mountinfo: %s", strerror(-r));
	vl_set(row, VL_YES, l.n ? VL_YES : VL_NO, "%s", kisol_cg_layout_name(&l));
	for (int i = 0; i < l.n; i++) {
		const struct kisol_cg_hier *h = &l.h[i];
		char names[256] = "";

		for (int c = 1; c < _KISOL_CG_MAX; c++) {
			const char *n = h->version == 2 ? kisol_cg_table[c].v2 : kisol_cg_table[c].v1;

			if ((h->ctrls & (1ull << c)) && n) {
				size_t len = strlen(names);

				snprintf(names + len, sizeof(names) - len, "%s%s", len ? "," : "", n);
			}
		}
		if (h->version == 1 && !names[0])
			continue;
		vl_append(row, "; %s %s: %s", vname(h->version), h->mnt, names[0] ? names : "(none)");
	}
}

/* --- effects, each in a child attached to the cgroup ------------------- */

static int fork_two(void *arg)
{
	int ok = 0, err = 0;
	pid_t kids[2];

	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			pause();
			_exit(0);
		}
		if (kids[i] > 0)
			ok++;
		else
			err = errno;
	}
	for (int i = 0; i < 2; i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
		}
	/* 10: one fork allowed, the second refused with EAGAIN */
	return ok == 1 && err == EAGAIN ? 10 : ok * 2 + (err == EAGAIN);
}

static int touch_memory(void *arg)
{
	size_t len = 64u << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	return 0;
}

static int spin(void *arg)
{
	uint64_t end = kisol_now_ns() + 80000000ull;

	while (kisol_now_ns() < end)
		;
	return 0;
}

static int one_cpu(void *arg)
{
	cpu_set_t s;

	if (sched_getaffinity(0, sizeof(s), &s) < 0)
		return 2;
	return CPU_COUNT(&s) == 1 && CPU_ISSET(*(int *)arg, &s) ? 0 : 1;
}

static int open_null(void *arg)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		return 1;
	return errno == EPERM ? 0 : 2;
}

static int noop(void *arg)
{
	return 0;
}

static int run_in(struct kisol_cg *cg, int (*fn)(void *), void *arg, int *status)
{
	struct vl_cg_proc p = VL_CG_PROC_INIT;
	int r = vl_cg_start(cg, fn, arg, &p);

	if (r < 0)
		return r;
	r = vl_cg_wait(&p, 5000, status);
	vl_cg_stop(&p);
	return r;
}

static int code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static void eff_pids(struct kisol_cg *cg, struct vl_row *row)
{
	int st, r = kisol_cg_write(cg, cg->version == 2 ? "pids.max" : "pids.max", "2");

	if (r == 0)
		r = run_in(cg, fork_two, NULL, &st);
	if (r < 0)
		return vl_set(row, VL_YES, VL_NO, "pids.max: %s", strerror(-r));
	if (code(st) == 10)
		return vl_set(row, VL_YES, VL_YES, "pids.max=2: the third fork failed with EAGAIN");
	vl_set(row, VL_YES, VL_NO, "pids.max=2 not enforced (probe code %d)", code(st));
}

static void eff_memory(struct kisol_cg *cg, struct vl_row *row)
{
	bool v2 = cg->version == 2;
	int64_t peak = -1, limit = 16 << 20;
	int st, r;

	r = kisol_cg_write_int(cg, v2 ? "memory.max" : "memory.limit_in_bytes", limit);
	if (r < 0)
		return vl_set(row, VL_YES, VL_NO, "setting the memory limit: %s", strerror(-r));
	if (v2 && kisol_cg_has_file(cg, "memory.swap.max") == 1)
		kisol_cg_write(cg, "memory.swap.max", "0");
	if (!v2 && kisol_cg_has_file(cg, "memory.memsw.limit_in_bytes") == 1)
		kisol_cg_write_int(cg, "memory.memsw.limit_in_bytes", limit);
	r = run_in(cg, touch_memory, NULL, &st);
	if (r < 0)
		return vl_set(row, VL_YES, VL_NO, "running the probe: %s", strerror(-r));
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		return vl_set(row, VL_YES, VL_YES, "a 64 MiB task was OOM-killed at a 16 MiB limit");
	kisol_cg_read_int(cg, v2 ? "memory.peak" : "memory.max_usage_in_bytes", &peak);
	if (peak >= 0 && peak <= limit + (1 << 20))
		return vl_set(row, VL_YES, VL_YES, "a 64 MiB task stayed at %lld KiB of a 16 MiB limit",
			      (long long)peak >> 10);
	vl_set(row, VL_YES, VL_NO, "a 64 MiB task ran to completion at a 16 MiB limit (peak %lld)",
	       (long long)peak);
}

static void eff_cpu(struct kisol_cg *cg, struct vl_row *row)
{
	bool v2 = cg->version == 2;
	int64_t thr = -1;
	int st, r;

	if (v2)
		r = kisol_cg_write(cg, "cpu.max", "1000 10000");
	else if ((r = kisol_cg_write(cg, "cpu.cfs_period_us", "10000")) == 0)
		r = kisol_cg_write(cg, "cpu.cfs_quota_us", "1000");
	if (r < 0)
		return vl_set(row, VL_YES, VL_NO, "setting a CPU quota: %s%s", strerror(-r),
			      r == -ENOENT ? " (CONFIG_CFS_BANDWIDTH?)" : "");
	r = run_in(cg, spin, NULL, &st);
	if (r == 0)
		r = kisol_cg_keyed(cg, "cpu.stat", "nr_throttled", &thr);
	if (r < 0)
		return vl_set(row, VL_YES, VL_NO, "cpu.stat: %s", strerror(-r));
	if (thr > 0)
		return vl_set(row, VL_YES, VL_YES, "a 10%% quota throttled a busy task %lld times",
			      (long long)thr);
	vl_set(row, VL_YES, VL_NO, "a 10%% quota never throttled a busy task");
}

static void eff_cpuset(struct kisol_cg *cg, struct vl_row *row)
{
	cpu_set_t s;
	int cpu = -1, st, r;
	char one[16];

	if (sched_getaffinity(0, sizeof(s), &s) < 0)
		return vl_set(row, VL_YES, VL_NO, "sched_getaffinity: %s", strerror(errno));
	for (int i = CPU_SETSIZE - 1; i >= 0; i--)
		if (CPU_ISSET(i, &s))
			cpu = i;
	snprintf(one, sizeof(one), "%d", cpu);
	r = kisol_cg_write(cg, "cpuset.cpus", one);
	if (r == 0)
		r = run_in(cg, one_cpu, &cpu, &st);
	if (r < 0)
		return vl_set(row, VL_YES, VL_NO, "cpuset.cpus: %s", strerror(-r));
	if (code(st) == 0)
		return vl_set(row, VL_YES, VL_YES, "cpuset.cpus=%d pinned a task to CPU %d", cpu, cpu);
	vl_set(row, VL_YES, VL_NO, "cpuset.cpus=%d did not restrict the task's affinity", cpu);
}

/*
 * cgroup v2 has no devices controller: a BPF_PROG_TYPE_CGROUP_DEVICE program
 * attached to the cgroup decides every device open and mknod in it (what
 * runc and crun attach). Deny read and write of /dev/null (c 1:3) and open it
 * from a task in the cgroup.
 */
static void eff_devices_bpf(struct kisol_cg *cg, struct vl_row *row)
{
	static const struct kisol_dev_rule null_rw = { 'c', 1, 3, KISOL_DEV_READ | KISOL_DEV_WRITE };
	char log[256] = "";
	int prog, st, r;

	prog = kisol_bpf_dev_prog(&null_rw, 1, log, sizeof(log));
	if (prog < 0)
		return vl_set(row, vl_denied_errno(prog) ? VL_NO : VL_UNKNOWN, VL_NO,
			      "loading a BPF_PROG_TYPE_CGROUP_DEVICE program: %s%s", strerror(-prog),
			      vl_denied_errno(prog) ? " (needs CAP_BPF in the initial user namespace)"
			      : prog == -EINVAL ? " (CONFIG_CGROUP_BPF off?)" : "");
	r = kisol_bpf_dev_attach(prog, cg->dfd);
	if (r < 0) {
		close(prog);
		return vl_set(row, vl_denied_errno(r) ? VL_NO : VL_YES, VL_NO,
			      "attaching a device program to the cgroup: %s", strerror(-r));
	}
	r = run_in(cg, open_null, NULL, &st);
	kisol_bpf_dev_detach(prog, cg->dfd);
	close(prog);
	if (r < 0)
		return vl_set(row, VL_YES, VL_NO, "attaching a task: %s", strerror(-r));
	if (code(st) == 0)
		return vl_set(row, VL_YES, VL_YES,
			      "a BPF device program attached to the cgroup refused /dev/null with EPERM");
	vl_set(row, VL_YES, VL_NO, "/dev/null opened despite a BPF device program denying it");
}

static void eff_devices(struct kisol_cg *cg, struct vl_row *row)
{
	int st, r;

	if (cg->version == 2)
		return eff_devices_bpf(cg, row);
	r = kisol_cg_write(cg, "devices.deny", "c 1:3 rwm");
	if (r == 0)
		r = run_in(cg, open_null, NULL, &st);
	if (r < 0)
		return vl_set(row, VL_YES, VL_NO, "devices.deny: %s", strerror(-r));
	if (code(st) == 0)
		return vl_set(row, VL_YES, VL_YES, "a devices.deny rule refused /dev/null with EPERM");
	vl_set(row, VL_YES, VL_NO, "/dev/null opened despite a devices.deny rule");
}

static void eff_attach(struct kisol_cg *cg, struct vl_row *row)
{
	static const char *files[][2] = {
		{ "io", "io.stat" }, { "blkio", "blkio.throttle.io_serviced" },
		{ "hugetlb", "hugetlb.2MB.max" }, { "hugetlb", "hugetlb.2MB.limit_in_bytes" },
	};
	const char *n = cg->version == 2 ? kisol_cg_table[cg->ctrl].v2 : kisol_cg_table[cg->ctrl].v1;
	const char *file = NULL;
	int st, r;

	for (size_t i = 0; i < KISOL_ARRAY_SIZE(files); i++)
		if (!strcmp(files[i][0], n) && kisol_cg_has_file(cg, files[i][1]) == 1)
			file = files[i][1];
	if (!file)
		return vl_set(row, VL_YES, VL_NO, "%s: no interface files in the cgroup", n);
	r = run_in(cg, noop, NULL, &st);
	if (r < 0)
		return vl_set(row, VL_YES, VL_NO, "attaching a task: %s", strerror(-r));
	vl_set(row, VL_YES, VL_YES, "%s present, a task ran in the cgroup (limits not exercised)", file);
}

void vl_probe_cg_ctrl(struct vl_ctx *ctx, struct vl_row *row)
{
	int c = kisol_cg_ctrl_from_name(row->f->id + 7);
	struct kisol_cg cg = KISOL_CG_INIT;
	char why[VL_DETAIL], where[KISOL_CG_PATH + 32];
	int in, r;

	if (c < 0)
		return vl_set(row, VL_UNKNOWN, VL_UNKNOWN, "unknown controller");
	/*
	 * devices is a v1 controller only (kisol_cg_locate(devices, v2):
	 * -EOPNOTSUPP); without a v1 hierarchy for it, cgroup v2 controls
	 * devices with BPF programs attached to any cgroup (eff_devices_bpf)
	 */
	in = c == KISOL_CG_DEVICES && kisol_cg_locate(c, KISOL_CG_ANY, NULL) == -ENOENT &&
	     kisol_cg_locate(KISOL_CG_CORE, KISOL_CG_V2, NULL) == 0 ? KISOL_CG_CORE : c;
	r = vl_cg_make(in, in == c ? KISOL_CG_ANY : KISOL_CG_V2, kisol_cg_table[c].name, &cg, why,
		       sizeof(why));
	if (r < 0)
		return vl_set(row, vl_denied_errno(r) || r == -ENODEV ? VL_NO : VL_UNKNOWN,
			      VL_NO, "%s", why);
	cg.ctrl = c;
	switch (c) {
	case KISOL_CG_PIDS: eff_pids(&cg, row); break;
	case KISOL_CG_MEMORY: eff_memory(&cg, row); break;
	case KISOL_CG_CPU: eff_cpu(&cg, row); break;
	case KISOL_CG_CPUSET: eff_cpuset(&cg, row); break;
	case KISOL_CG_DEVICES: eff_devices(&cg, row); break;
	default: eff_attach(&cg, row); break;
	}
	kisol_cg_where(in, where, sizeof(where));
	vl_append(row, " [%s]", where);
	kisol_cg_destroy(&cg);
}

/* --- cgroup v2 core features --------------------------------------------- */

static int make_core(struct vl_row *row, const char *name, struct kisol_cg *cg)
{
	char why[VL_DETAIL];
	int r = vl_cg_make(KISOL_CG_CORE, KISOL_CG_V2, name, cg, why, sizeof(why));

	if (r < 0)
		vl_set(row, vl_denied_errno(r) ? VL_NO : VL_UNKNOWN, VL_NO, "%s",
		       r == -ENOENT ? "no cgroup v2 hierarchy" : why);
	return r;
}

/* Where the subtree this user may manage starts, and what it offers. */
static void append_delegated(struct vl_row *row)
{
	char top[KISOL_CG_PATH], p[KISOL_CG_PATH + 32], avail[256] = "", on[256] = "";

	if (kisol_cg_delegated_root(top, sizeof(top)) < 0)
		return;
	snprintf(p, sizeof(p), "%s/cgroup.controllers", top);
	kisol_read_file(p, avail, sizeof(avail));
	snprintf(p, sizeof(p), "%s/cgroup.subtree_control", top);
	kisol_read_file(p, on, sizeof(on));
	kisol_chomp(avail);
	kisol_chomp(on);
	vl_append(row, "; delegated to this user from %s: controllers %s (enabled for its children: %s)",
		  top, avail[0] ? avail : "none", on[0] ? on : "none");
}

void vl_probe_cg_delegation(struct vl_ctx *ctx, struct vl_row *row)
{
	struct kisol_cg cg = KISOL_CG_INIT;
	char ctrls[256] = "";
	int st, r;

	if (make_core(row, "deleg", &cg) < 0)
		return;
	r = run_in(&cg, noop, NULL, &st);
	kisol_cg_read(&cg, "cgroup.controllers", ctrls, sizeof(ctrls));
	kisol_chomp(ctrls);
	if (r < 0)
		vl_set(row, VL_NO, VL_NO, "a cgroup was created but a task cannot be moved in: %s",
		       strerror(-r));
	else
		vl_set(row, VL_YES, VL_YES, "%s can create and populate cgroups in its own cgroup; "
		       "controllers there: %s", ctx->pol.user, ctrls[0] ? ctrls : "none");
	if (r == 0 && !ctx->pol.root)
		append_delegated(row);
	kisol_cg_destroy(&cg);
}

static int in_cgroup(void *arg)
{
	char buf[4096];

	if (kisol_read_file("/proc/self/cgroup", buf, sizeof(buf)) < 0)
		return 2;
	return strstr(buf, (const char *)arg) ? 0 : 1;
}

void vl_probe_cg_clone_into(struct vl_ctx *ctx, struct vl_row *row)
{
	struct kisol_cg cg = KISOL_CG_INIT;
	int pidfd = -1, st = 0;
	char name[64];
	pid_t pid;

	if (make_core(row, "clone", &cg) < 0)
		return;
	snprintf(name, sizeof(name), "kisol-validate-p%d-clone", (int)getpid());
	pid = kisol_cg_clone_into(&cg, &pidfd);
	if (pid == 0)
		_exit(in_cgroup(name));
	if (pid < 0) {
		vl_set(row, vl_denied_errno(pid) ? VL_NO : VL_YES, VL_NO, "clone3(CLONE_INTO_CGROUP): %s",
		       strerror(-pid));
	} else {
		waitpid(pid, &st, 0);
		close(pidfd);
		if (code(st) == 0)
			vl_set(row, VL_YES, VL_YES, "a child born with CLONE_INTO_CGROUP was in the cgroup");
		else
			vl_set(row, VL_YES, VL_NO, "the child was not born in the cgroup (code %d)", code(st));
	}
	kisol_cg_destroy(&cg);
}

static int pause_forever(void *arg)
{
	pause();
	return 0;
}

void vl_probe_cg_kill(struct vl_ctx *ctx, struct vl_row *row)
{
	struct vl_cg_proc p[2] = { VL_CG_PROC_INIT, VL_CG_PROC_INIT };
	struct kisol_cg cg = KISOL_CG_INIT;
	int killed = 0, st, r = 0;

	if (make_core(row, "kill", &cg) < 0)
		return;
	if (kisol_cg_has_file(&cg, "cgroup.kill") != 1) {
		vl_set(row, VL_YES, VL_NO, "no cgroup.kill (kernel before 5.14)");
		goto out;
	}
	for (int i = 0; i < 2 && r == 0; i++)
		r = vl_cg_start(&cg, pause_forever, NULL, &p[i]);
	if (r == 0)
		r = kisol_cg_write(&cg, "cgroup.kill", "1");
	if (r == 0)
		r = kisol_cg_wait_event(&cg, "populated", 0, 3000);
	for (int i = 0; i < 2; i++)
		if (p[i].pid > 0 && vl_cg_wait(&p[i], 1000, &st) == 0 && WIFSIGNALED(st) &&
		    WTERMSIG(st) == SIGKILL)
			killed++;
	if (r < 0)
		vl_set(row, vl_denied_errno(r) ? VL_NO : VL_YES, VL_NO, "cgroup.kill: %s", strerror(-r));
	else if (killed == 2)
		vl_set(row, VL_YES, VL_YES, "writing cgroup.kill SIGKILLed both tasks and emptied the cgroup");
	else
		vl_set(row, VL_YES, VL_NO, "cgroup.kill left %d of 2 tasks alive", 2 - killed);
out:
	for (int i = 0; i < 2; i++)
		vl_cg_stop(&p[i]);
	kisol_cg_destroy(&cg);
}

struct echo {
	int in, out;
};

static int echo_loop(void *arg)
{
	struct echo *e = arg;
	char c;

	while (read(e->in, &c, 1) == 1)
		if (write(e->out, &c, 1) != 1)
			break;
	return 0;
}

static bool ping(const struct echo *parent, int timeout_ms)
{
	struct pollfd p = { .fd = parent->in, .events = POLLIN };
	char c = 'p';

	if (write(parent->out, &c, 1) != 1 || poll(&p, 1, timeout_ms) != 1)
		return false;
	return read(parent->in, &c, 1) == 1;
}

void vl_probe_cg_freeze(struct vl_ctx *ctx, struct vl_row *row)
{
	struct vl_cg_proc p = VL_CG_PROC_INIT;
	struct kisol_cg cg = KISOL_CG_INIT;
	int a[2], b[2], r, v;
	struct echo child, parent;
	char why[VL_DETAIL];
	bool before, frozen, after;

	r = vl_cg_make(KISOL_CG_FREEZER, KISOL_CG_ANY, "freeze", &cg, why, sizeof(why));
	if (r < 0)
		return vl_set(row, vl_denied_errno(r) ? VL_NO : VL_UNKNOWN, VL_NO, "%s", why);
	v = cg.version;
	if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0) {
		vl_set(row, VL_UNKNOWN, VL_NO, "pipe: %s", strerror(errno));
		kisol_cg_destroy(&cg);
		return;
	}
	child = (struct echo){ a[0], b[1] };
	parent = (struct echo){ b[0], a[1] };
	r = vl_cg_start(&cg, echo_loop, &child, &p);
	before = r == 0 && ping(&parent, 3000);
	if (r == 0)
		r = kisol_cg_freeze(&cg, true, 3000);
	frozen = r == 0 && ping(&parent, 100);
	if (r == 0)
		r = kisol_cg_freeze(&cg, false, 3000);
	after = r == 0 && ping(&parent, 3000);
	if (r < 0)
		vl_set(row, vl_denied_errno(r) ? VL_NO : VL_YES, VL_NO, "freezing (%s): %s",
		       v == 2 ? "cgroup.freeze" : "freezer.state", strerror(-r));
	else if (before && !frozen && after)
		vl_set(row, VL_YES, VL_YES, "a frozen task stopped answering and answered again after thaw (%s)",
		       v == 2 ? "cgroup.freeze" : "v1 freezer");
	else
		vl_set(row, VL_YES, VL_NO, "task answered: before %d, frozen %d, thawed %d", before, frozen, after);
	vl_cg_stop(&p);
	for (int i = 0; i < 2; i++)
		close(a[i]), close(b[i]);
	kisol_cg_destroy(&cg);
}

void vl_probe_psi(struct vl_ctx *ctx, struct vl_row *row)
{
	static const char *files[] = { "/proc/pressure/cpu", "/proc/pressure/memory", "/proc/pressure/io" };
	char buf[512];

	for (size_t i = 0; i < KISOL_ARRAY_SIZE(files); i++) {
		int r = kisol_read_file(files[i], buf, sizeof(buf));

		if (r < 0)
			return vl_set(row, VL_YES, VL_NO, "%s: %s%s", files[i], strerror(-r),
				      r == -EOPNOTSUPP ? " (PSI disabled at boot; fix: boot with psi=1)" : "");
		if (!strstr(buf, "some avg10="))
			return vl_set(row, VL_YES, VL_NO, "%s has no 'some' line", files[i]);
	}
	vl_set(row, VL_YES, VL_YES, "/proc/pressure/{cpu,memory,io} report stall times");
}
