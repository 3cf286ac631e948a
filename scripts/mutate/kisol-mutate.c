// SPDX-License-Identifier: GPL-2.0-only
/*
 * kisol-mutate [-m MUTATION | -o [-t]] [-r REPORT] [-S] -- PROGRAM [ARG]...
 * kisol-mutate -l
 *
 * Runs PROGRAM with one mutation active (-m) or in observe mode (-o: which
 * mutations would its syscalls touch), following every fork, vfork, clone
 * and thread. The tracer is ptrace with seccomp-filter-triggered stops: a
 * filter installed before exec returns SECCOMP_RET_TRACE for the syscalls
 * the mutation needs and allows everything else, so only those calls stop.
 *
 * Process layout (unless -S):
 *   outer    unshare(NEWNS|NEWUTS|NEWIPC|NEWNET|NEWPID), fork, relay exit status
 *   tracer   pid 1 of the new pid namespace: / cut from the host's peer
 *            groups (shared within the sandbox), a fresh /proc, loopback up; forks PROGRAM and traces it. When it exits,
 *            every process left in the namespace dies with it.
 * A mutated case believes it made new namespaces and did not: whatever it
 * does then lands in this throwaway sandbox, not on the host.
 *
 * With -t (observe mode, PROGRAM a kselftest harness binary running
 * several tests) each observation is also charged to the test it belongs
 * to: the harness's main process writes "#  RUN  <test> ..." to stdout
 * (and flushes) before it forks the test's process, so a process belongs
 * to the test that was running when its ancestor was forked from main.
 *
 * The report (-r FILE) is one JSON object: mutation, touched (times the
 * mutation fired), not_applied (+ why), observed {mutation: count}, status,
 * done (false in the report written when the mutation first fires: a run
 * stopped on a timeout still says whether it was touched), and with -t
 * tests {test: {secs, observed}} in the order they ran.
 * Exit status: PROGRAM's (128+signal when killed); 125 on supervisor errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "mutate.h"

#define MAX_MUT 64
#define ERR_EXIT 125

/* One test of a harness binary (-t): what its processes would have touched. */
struct test {
	char name[256];
	long observed[MAX_MUT];
	double start, secs;
};

struct state {
	const struct mutation *active; /* NULL: observe */
	long observed[MAX_MUT];
	long touched, not_applied;
	const char *why_not;
	int status;
	bool done;
	FILE *rep;
	pid_t main_pid;
	/* -t: tests in the order they ran; the running one; tid -> test + 1 */
	bool per_test;
	struct test *tests;
	int ntests, cur;
	int *tid_test;
	size_t ntid;
};

static void report(FILE *f, const struct state *st);

static int fail(const char *what)
{
	fprintf(stderr, "kisol-mutate: %s: %s\n", what, strerror(errno));
	return ERR_EXIT;
}

/* ---- seccomp filter: RET_TRACE for the syscalls of interest ---- */

static int add_nrs(int *nrs, int n, const int *more)
{
	for (; *more >= 0; more++) {
		int i;

		for (i = 0; i < n && nrs[i] != *more; i++)
			;
		if (i == n)
			nrs[n++] = *more;
	}
	return n;
}

static int install_filter(const struct mutation *active)
{
	struct sock_filter f[8 + 2 * 64];
	int nrs[64], n = 0, k = 0;

	if (active)
		n = add_nrs(nrs, n, active->syscalls);
	else
		for (size_t i = 0; i < kisol_n_mutations; i++)
			n = add_nrs(nrs, n, kisol_mutations[i].syscalls);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (int i = 0; i < n; i++) {
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nrs[i], 0, 1);
		f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = k, .filter = f };
	/* as root no no_new_privs is needed (it would disable setuid exec) */
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
		return 0;
	if (errno != EACCES || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0 ? 0 : -errno;
}

/* ---- -t: which test a process belongs to ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int set_test(struct state *st, pid_t tid, int t)
{
	if ((size_t)tid >= st->ntid) {
		size_t n = st->ntid ? st->ntid : 1024;
		int *p;

		while (n <= (size_t)tid)
			n *= 2;
		p = realloc(st->tid_test, n * sizeof(*p));
		if (!p)
			return t;
		memset(p + st->ntid, 0, (n - st->ntid) * sizeof(*p));
		st->tid_test = p;
		st->ntid = n;
	}
	st->tid_test[tid] = t + 1;
	return t;
}

/* Tgid (threads) or PPid (processes) of tid: where it came from. */
static pid_t origin_of(pid_t tid)
{
	char p[64], line[128];
	pid_t tgid = 0, ppid = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/status", tid);
	f = fopen(p, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "Tgid: %d", &tgid);
		sscanf(line, "PPid: %d", &ppid);
	}
	fclose(f);
	return tgid && tgid != tid ? tgid : ppid;
}

/*
 * The test of tid: main's is the running one; any other process's is its
 * creator's at creation (the fork event, or its first stop when that came
 * first: it cannot have been reparented before it ever ran).
 */
static int test_of(struct state *st, pid_t tid, int depth)
{
	pid_t from;

	if (tid == st->main_pid)
		return st->cur;
	if ((size_t)tid < st->ntid && st->tid_test[tid])
		return st->tid_test[tid] - 1;
	from = depth < 16 ? origin_of(tid) : 0;
	return set_test(st, tid, from > 0 ? test_of(st, from, depth + 1) : st->cur);
}

static void end_test(struct state *st, double now)
{
	if (st->cur >= 0)
		st->tests[st->cur].secs = now - st->tests[st->cur].start;
}

/* main's write(1, ...) ending in the harness's "#  RUN  <name> ...\n": a test starts. */
static void maybe_run_line(struct state *st, const struct call *c)
{
	static const char tag[] = "#  RUN ", tail[] = " ...\n";
	char buf[1024], *p, *name, *end;
	size_t len = call_arg(c, 2), n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
	struct test *t;

	if (c->tid != st->main_pid || call_arg(c, 0) != 1 || !n ||
	    mem_read(c->tid, call_arg(c, 1) + len - n, buf, n) < 0)
		return;
	buf[n] = 0;
	if (n < strlen(tail) || strcmp(buf + n - strlen(tail), tail))
		return;
	for (p = buf, name = NULL; (p = strstr(p, tag)); p++)
		name = p + strlen(tag);
	if (!name)
		return;
	while (*name == ' ')
		name++;
	end = buf + n - strlen(tail);
	if (end <= name || memchr(name, '\n', end - name))
		return;
	t = realloc(st->tests, (st->ntests + 1) * sizeof(*t));
	if (!t)
		return;
	st->tests = t;
	t = &st->tests[st->ntests];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%.*s", (int)(end - name), name);
	t->start = now_s();
	end_test(st, t->start);
	st->cur = st->ntests++;
}

/* ---- one seccomp stop ---- */

static void on_syscall(struct state *st, pid_t tid)
{
	struct call c = { .tid = tid };

	if (ptrace(PTRACE_GETREGS, tid, NULL, &c.regs) < 0)
		return;
	if (!st->active) {
		if (st->per_test && call_nr(&c) == SYS_write)
			maybe_run_line(st, &c);
		for (size_t i = 0; i < kisol_n_mutations && i < MAX_MUT; i++) {
			const struct mutation *m = &kisol_mutations[i];

			for (const int *s = m->syscalls; *s >= 0; s++)
				if (*s == call_nr(&c)) {
					if (m->touch(m, &c, false)) {
						int t = st->per_test ? test_of(st, tid, 0) : -1;

						st->observed[i]++;
						if (t >= 0)
							st->tests[t].observed[i]++;
					}
					break;
				}
		}
		return;
	}
	if (!st->active->touch(st->active, &c, true))
		return;
	/* say it fired before anything can hang: a run stopped on a timeout still reports it */
	if (st->touched++ == 0 && st->rep)
		report(st->rep, st);
	if (c.why_not) {
		st->not_applied++;
		st->why_not = c.why_not;
		return;
	}
	if (c.dirty && ptrace(PTRACE_SETREGS, tid, NULL, &c.regs) < 0) {
		st->not_applied++;
		st->why_not = "PTRACE_SETREGS failed";
	}
}

/* ---- the tracer loop ---- */

static bool stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static int trace(struct state *st, pid_t main_pid)
{
	for (;;) {
		int ws, sig, ev;
		pid_t pid = waitpid(-1, &ws, __WALL);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			return errno == ECHILD ? 0 : fail("waitpid");
		}
		if (WIFEXITED(ws) || WIFSIGNALED(ws)) {
			if ((size_t)pid < st->ntid)
				st->tid_test[pid] = 0;
			if (pid == main_pid) {
				st->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
				return 0;
			}
			continue;
		}
		if (!WIFSTOPPED(ws))
			continue;
		sig = WSTOPSIG(ws);
		ev = ws >> 16;
		switch (ev) {
		case 0: /* signal-delivery-stop: deliver it */
			ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
			break;
		case PTRACE_EVENT_SECCOMP:
			on_syscall(st, pid);
			ptrace(PTRACE_CONT, pid, NULL, NULL);
			break;
		case PTRACE_EVENT_STOP:
			if (stop_signal(sig))
				ptrace(PTRACE_LISTEN, pid, NULL, NULL); /* group-stop */
			else
				ptrace(PTRACE_CONT, pid, NULL, NULL);
			break;
		case PTRACE_EVENT_FORK:
		case PTRACE_EVENT_VFORK:
		case PTRACE_EVENT_CLONE:
			if (st->per_test) {
				unsigned long kid;

				if (ptrace(PTRACE_GETEVENTMSG, pid, NULL, &kid) == 0 && kid > 0)
					set_test(st, (pid_t)kid, test_of(st, pid, 0));
			}
			ptrace(PTRACE_CONT, pid, NULL, NULL);
			break;
		default: /* exec, vfork-done */
			ptrace(PTRACE_CONT, pid, NULL, NULL);
		}
	}
}

static int run_traced(struct state *st, char **argv)
{
	int go[2], r;
	pid_t pid;
	char c;

	if (pipe2(go, O_CLOEXEC) < 0)
		return fail("pipe2");
	pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(ERR_EXIT);
		r = install_filter(st->active);
		if (r < 0) {
			errno = -r;
			_exit(fail("seccomp"));
		}
		execvp(argv[0], argv);
		_exit(fail(argv[0]));
	}
	close(go[0]);
	st->main_pid = pid;
	if (ptrace(PTRACE_SEIZE, pid, NULL,
		   (void *)(long)(PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
				  PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) < 0) {
		r = fail("PTRACE_SEIZE");
		kill(pid, SIGKILL);
		return r;
	}
	if (write(go[1], "g", 1) != 1)
		return fail("write");
	close(go[1]);
	return trace(st, pid);
}

/* ---- report ---- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_counts(FILE *f, const long *observed)
{
	bool first = true;

	fputc('{', f);
	for (size_t i = 0; i < kisol_n_mutations && i < MAX_MUT; i++) {
		if (!observed[i])
			continue;
		fprintf(f, "%s", first ? "" : ", ");
		json_str(f, kisol_mutations[i].name);
		fprintf(f, ": %ld", observed[i]);
		first = false;
	}
	fputc('}', f);
}

/* Rewritten in place: once when the mutation first fires (done false), once at the end. */
static void report(FILE *f, const struct state *st)
{
	if (ftruncate(fileno(f), 0) < 0 || fseek(f, 0, SEEK_SET) < 0)
		return;
	fprintf(f, "{\"mutation\": ");
	if (st->active)
		json_str(f, st->active->name);
	else
		fprintf(f, "null");
	fprintf(f, ", \"touched\": %ld, \"not_applied\": %ld, \"why_not\": ", st->touched, st->not_applied);
	json_str(f, st->why_not ? st->why_not : "");
	fprintf(f, ", \"status\": %d, \"done\": %s, \"observed\": ", st->status,
		st->done ? "true" : "false");
	json_counts(f, st->observed);
	if (st->per_test) {
		fprintf(f, ", \"tests\": {");
		for (int t = 0; t < st->ntests; t++) {
			fprintf(f, "%s", t ? ", " : "");
			json_str(f, st->tests[t].name);
			fprintf(f, ": {\"secs\": %.4f, \"observed\": ", st->tests[t].secs);
			json_counts(f, st->tests[t].observed);
			fputc('}', f);
		}
		fputc('}', f);
	}
	fprintf(f, "}\n");
	fflush(f);
}

/* ---- the outer sandbox ---- */

static int loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (s < 0)
		return -errno;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		r = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!r && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		r = -errno;
	close(s);
	return r;
}

static int enter_sandbox(void)
{
	int ws;
	pid_t pid;

	if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID) < 0)
		return fail("unshare");
	pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid > 0) {
		/* outer: wait for the namespace's pid 1 and relay its status */
		while (waitpid(pid, &ws, 0) < 0)
			if (errno != EINTR)
				return fail("waitpid");
		exit(WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
	}
	/*
	 * Cut from the host's peer groups, then shared again in groups of
	 * the sandbox's own, as on a systemd host: a case's MS_PRIVATE then
	 * has something to do, and dropping it is not a no-op.
	 */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail("mount(/, MS_REC|MS_PRIVATE)");
	if (mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0)
		return fail("mount(/, MS_REC|MS_SHARED)");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return fail("mount(proc)");
	errno = -loopback_up();
	if (errno)
		return fail("loopback up");
	return 0;
}

static int usage(const char *msg)
{
	fprintf(stderr, "kisol-mutate: %s\nusage: kisol-mutate [-m MUTATION | -o [-t]] [-r REPORT] [-S] -- "
		"PROGRAM [ARG]...\n       kisol-mutate -l   (list the mutations)\n", msg);
	return 2;
}

int main(int argc, char **argv)
{
	struct state st = { .cur = -1 };
	bool observe = false, sandbox = true;
	FILE *rep = NULL;
	int opt, r;

	while ((opt = getopt(argc, argv, "+m:otr:Slh")) != -1) {
		switch (opt) {
		case 'm':
			st.active = mutation_find(optarg);
			if (!st.active)
				return usage("unknown mutation (see -l)");
			break;
		case 'o':
			observe = true;
			break;
		case 't':
			st.per_test = true;
			break;
		case 'r':
			rep = fopen(optarg, "we");
			if (!rep) {
				fprintf(stderr, "kisol-mutate: %s: %s\n", optarg, strerror(errno));
				return 2;
			}
			break;
		case 'S':
			sandbox = false;
			break;
		case 'l':
			for (size_t i = 0; i < kisol_n_mutations; i++)
				printf("%s\t%s\n", kisol_mutations[i].name, kisol_mutations[i].what);
			return 0;
		default:
			return usage("bad option");
		}
	}
	if (optind >= argc)
		return usage("no program given");
	if (!observe == !st.active)
		return usage("give exactly one of -m MUTATION and -o");
	if (st.per_test && !observe)
		return usage("-t goes with -o");
	if (sandbox && (r = enter_sandbox()))
		return r;
	st.rep = rep;
	r = run_traced(&st, argv + optind);
	if (r)
		return r;
	end_test(&st, now_s());
	st.done = true;
	if (rep)
		report(rep, &st);
	return st.status;
}
