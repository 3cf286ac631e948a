// SPDX-License-Identifier: GPL-2.0-only
/*
 * Security section: the regression cases of kisol that name a CVE in
 * their metadata (`<binary> --kisol-list`), run one by one with
 * `<binary> -r <test>`: PASS is fixed, FAIL or XFAIL (the known bug's
 * signature seen) is exposed, SKIP is not applicable with the reason; no
 * result (the run cut at its deadline, or a crash) and a FAIL seen by an
 * ordinary user (missing privilege or a kernel bug: it cannot tell) are
 * undecided.
 * Binaries come from the install tree (<dir of kisol-validate>/kisol/<area>/)
 * or the source tree (<dir>/../cases/<area>/). As root each case runs as
 * pid 1 of a new pid namespace with its own /proc in a private mount
 * namespace, so nothing it starts outlives it or the validator.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kisol/util.h"
#include "vl.h"

const char *vl_sec_name(enum vl_sec_state s)
{
	return s == VL_SEC_FIXED ? "fixed" : s == VL_SEC_EXPOSED ? "exposed"
	       : s == VL_SEC_UNDECIDED ? "undecided" : "not applicable";
}

static void isolate_as_root(void)
{
	pid_t pid;
	int st;

	if (geteuid() != 0 || unshare(CLONE_NEWNS | CLONE_NEWPID) < 0)
		return;
	pid = fork();
	if (pid > 0) { /* relay: the case is pid 1 of the new pid namespace */
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	if (pid < 0)
		_exit(125);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/* A child whose output is collected: the listing or the run of one binary. */
struct job {
	char *argv[2 + 2 * 64];
	char names[64][200]; /* -r arguments */
	int first, k;        /* its tests: (*list)[first .. first + k) */
	bool isolate;
	bool cut;             /* killed at its deadline */
	int timeout_ms;
	pid_t pid;
	int fd;
	int64_t deadline;
	char *out;
	size_t got;
};

#define OUT_SIZE 65536

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int job_start(struct job *j, const char *scratch)
{
	int p[2];

	j->out = calloc(1, OUT_SIZE);
	if (!j->out || pipe2(p, O_CLOEXEC) < 0)
		return -ENOMEM;
	fflush(NULL);
	j->pid = fork();
	if (j->pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (j->pid == 0) {
		int null = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(p[1], 1);
		dup2(null, 0);
		dup2(p[1], 2);
		if (scratch)
			setenv("KISOL_SCRATCH", scratch, 1);
		if (j->isolate)
			isolate_as_root();
		execv(j->argv[0], j->argv);
		_exit(127);
	}
	close(p[1]);
	j->fd = p[0];
	j->got = 0;
	j->deadline = now_ms() + j->timeout_ms;
	return 0;
}

/* Read what is there; 1 when the job ended (EOF or deadline), 0 otherwise. */
static int job_read(struct job *j)
{
	char chunk[4096];
	ssize_t n = read(j->fd, chunk, sizeof(chunk));

	if (n < 0 && errno == EINTR)
		return 0;
	if (n > 0) {
		if ((size_t)n > OUT_SIZE - 1 - j->got)
			n = (ssize_t)(OUT_SIZE - 1 - j->got);
		memcpy(j->out + j->got, chunk, (size_t)n);
		j->got += (size_t)n;
		return 0;
	}
	return 1;
}

static void job_end(struct job *j)
{
	if (now_ms() >= j->deadline) {
		kill(j->pid, SIGKILL);
		j->cut = true;
	}
	close(j->fd);
	j->fd = -1;
	while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
		;
	j->pid = -1;
	j->out[j->got] = '\0';
}

/* Run every job, at most par at a time, each cut at its deadline. */
static void jobs_run(struct job *jobs, int n, int par, const char *scratch)
{
	struct pollfd pf[16];
	int idx[16], next = 0, running = 0;

	if (par > 16)
		par = 16;
	while (next < n || running) {
		int64_t wait = 1000, t;
		int np = 0;

		while (running < par && next < n) {
			if (job_start(&jobs[next], scratch) == 0)
				running++;
			next++;
		}
		t = now_ms();
		for (int i = 0; i < next; i++)
			if (jobs[i].pid > 0) {
				pf[np] = (struct pollfd){ .fd = jobs[i].fd, .events = POLLIN };
				idx[np++] = i;
				if (jobs[i].deadline - t < wait)
					wait = jobs[i].deadline - t;
			}
		if (!np)
			continue;
		poll(pf, (nfds_t)np, wait > 0 ? (int)wait : 0);
		t = now_ms();
		for (int i = 0; i < np; i++) {
			struct job *j = &jobs[idx[i]];

			if (((pf[i].revents & (POLLIN | POLLHUP)) && job_read(j)) || t >= j->deadline) {
				job_end(j);
				running--;
			}
		}
	}
}

static int find_cases(const char *exe_dir, char *ret, size_t size)
{
	struct stat st;

	snprintf(ret, size, "%s/kisol", exe_dir);
	if (stat(ret, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	snprintf(ret, size, "%s/../cases", exe_dir);
	if (stat(ret, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return -ENOENT;
}

static void meta_get(const char *meta, const char *key, char *buf, size_t size)
{
	const char *p = meta;
	size_t kl = strlen(key);

	buf[0] = '\0';
	while ((p = strstr(p, key))) {
		if ((p == meta || p[-1] == ';') && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, ";\n");

			snprintf(buf, size, "%.*s", (int)n, p + kl + 1);
			return;
		}
		p += kl;
	}
}

/* Verdict from the harness's KTAP: the "ok N name" / "not ok N name" line. */
static void verdict(const char *out, const char *name, const struct job *j, struct vl_sec *s)
{
	const char *line = NULL, *p = out;
	size_t nl = strlen(name);

	for (; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *q = p;

		if (!strncmp(q, "not ", 4))
			q += 4;
		if (strncmp(q, "ok ", 3))
			continue;
		q += 3 + strspn(q + 3, "0123456789");
		if (*q == ' ' && !strncmp(q + 1, name, nl) && (q[1 + nl] == ' ' || q[1 + nl] == '\n' || !q[1 + nl]))
			line = p;
	}
	s->state = VL_SEC_NA;
	if (!line) {
		s->state = VL_SEC_UNDECIDED;
		if (j->cut)
			snprintf(s->reason, sizeof(s->reason), "no result: the run was cut after %d s",
				 (j->timeout_ms + 999) / 1000);
		else
			snprintf(s->reason, sizeof(s->reason), "no result: the case binary died without one");
		return;
	}
	{
		size_t n = strcspn(line, "\n");
		const char *hash = memchr(line, '#', n);
		char rest[VL_DETAIL - 32];

		snprintf(rest, sizeof(rest), "%.*s", hash ? (int)(n - (size_t)(hash - line) - 1) : 0,
			 hash ? hash + 1 : "");
		if (!strncmp(line, "not ok", 6)) {
			char first[200] = "";
			const char *a = strstr(out, "\n# cases/");

			if (a)
				snprintf(first, sizeof(first), "%.*s", (int)strcspn(a + 3, "\n"), a + 3);
			if (geteuid() == 0) {
				s->state = VL_SEC_EXPOSED;
				snprintf(s->reason, sizeof(s->reason), "case failed: %s", first);
			} else {
				s->state = VL_SEC_UNDECIDED;
				snprintf(s->reason, sizeof(s->reason),
					 "failed as uid %u, which cannot decide it (run as root): %s",
					 (unsigned)geteuid(), first);
			}
		} else if (strstr(rest, "SKIP")) {
			snprintf(s->reason, sizeof(s->reason), "%s", rest + strspn(rest, " SKIP"));
		} else if (strstr(rest, "XFAIL") && geteuid() == 0) {
			s->state = VL_SEC_EXPOSED;
			snprintf(s->reason, sizeof(s->reason), "known bug seen: %s", rest);
		} else {
			s->state = VL_SEC_FIXED;
		}
	}
}

/* From the listing of a job: its CVE cases, appended to *list, as -r arguments. */
static int collect(struct job *j, const char *area, struct vl_sec **list, int *n)
{
	const char *bin = j->argv[0];
	char *save = NULL;

	j->first = *n;
	j->k = 0;
	j->timeout_ms = 0;
	for (char *l = strtok_r(j->out, "\n", &save); l && j->k < 64; l = strtok_r(NULL, "\n", &save)) {
		char *f[6] = { 0 }, *s2 = NULL, cve[32];
		int nf = 0;
		struct vl_sec *nl, *e;

		for (char *c = strtok_r(l, "\t", &s2); c && nf < 6; c = strtok_r(NULL, "\t", &s2))
			f[nf++] = c;
		if (nf == 5) { /* empty variant: fixture, test, timeout, xfail, meta */
			memmove(&f[2], &f[1], 4 * sizeof(f[0]));
			f[1] = "";
		} else if (nf < 6) {
			continue;
		}
		meta_get(f[5], "cve", cve, sizeof(cve));
		if (!cve[0])
			continue;
		nl = realloc(*list, (size_t)(*n + 1) * sizeof(**list));
		if (!nl)
			return -ENOMEM;
		*list = nl;
		e = &nl[(*n)++];
		memset(e, 0, sizeof(*e));
		snprintf(e->cve, sizeof(e->cve), "%s", cve);
		meta_get(f[5], "commit", e->commit, sizeof(e->commit));
		snprintf(j->names[j->k], sizeof(j->names[0]), "%s%s%s.%s", f[0], f[1][0] ? "." : "", f[1], f[2]);
		snprintf(e->test, sizeof(e->test), "%s/%s::%s", area, strrchr(bin, '/') + 1, j->names[j->k]);
		j->argv[1 + 2 * j->k] = "-r";
		j->argv[2 + 2 * j->k] = j->names[j->k];
		j->timeout_ms += atoi(f[3]) > 0 ? atoi(f[3]) * 1000 : 30000;
		j->k++;
	}
	j->argv[1 + 2 * j->k] = NULL;
	/* one run of the binary for all its CVE cases; a hanging run is cut at 10 s */
	if (j->timeout_ms > 10000)
		j->timeout_ms = 10000;
	j->isolate = true;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct vl_sec *x = a, *y = b;
	int c = strcmp(x->cve, y->cve);

	return c ? c : strcmp(x->test, y->test);
}

/* Every executable in <dir>/<area>/: a job listing it. */
static int list_binaries(const char *dir, struct job **ret, char (**areas)[64])
{
	struct dirent **a;
	struct job *jobs = NULL;
	char (*an)[64] = NULL;
	int n = 0, na = scandir(dir, &a, NULL, alphasort);

	if (na < 0)
		return -errno;
	for (int i = 0; i < na; i++) {
		char adir[4500], bin[4800];
		struct dirent **b;
		int nb = a[i]->d_name[0] == '.' ? -1 : 0;

		snprintf(adir, sizeof(adir), "%s/%s", dir, a[i]->d_name);
		if (nb == 0)
			nb = scandir(adir, &b, NULL, alphasort);
		for (int k = 0; k < nb; k++) {
			struct stat st;

			snprintf(bin, sizeof(bin), "%s/%s", adir, b[k]->d_name);
			if (b[k]->d_name[0] != '.' && !strchr(b[k]->d_name, '.') && stat(bin, &st) == 0 &&
			    S_ISREG(st.st_mode) && (st.st_mode & S_IXUSR) && strcmp(b[k]->d_name, "settings") &&
			    strcmp(b[k]->d_name, "config")) {
				struct job *nj = realloc(jobs, (size_t)(n + 1) * sizeof(*jobs));
				char (*na2)[64] = realloc(an, (size_t)(n + 1) * sizeof(*an));

				if (nj)
					jobs = nj;
				if (na2)
					an = na2;
				if (nj && na2) {
					memset(&jobs[n], 0, sizeof(jobs[n]));
					jobs[n].argv[0] = strdup(bin);
					jobs[n].argv[1] = "--kisol-list";
					jobs[n].timeout_ms = 3000;
					jobs[n].pid = -1;
					snprintf(an[n], sizeof(an[n]), "%.63s", a[i]->d_name);
					n++;
				}
			}
			free(b[k]);
		}
		if (nb >= 0)
			free(b);
		free(a[i]);
	}
	free(a);
	*ret = jobs;
	*areas = an;
	return n;
}

int vl_security_run(struct vl_ctx *ctx, struct vl_sec **ret)
{
	char dir[4200], (*areas)[64] = NULL;
	struct vl_sec *list = NULL;
	struct job *jobs = NULL, *runs;
	int n = 0, nj, nr = 0, r;

	*ret = NULL;
	r = find_cases(ctx->exe_dir, dir, sizeof(dir));
	if (r < 0)
		return r;
	nj = list_binaries(dir, &jobs, &areas);
	if (nj <= 0)
		return nj;
	jobs_run(jobs, nj, 4, NULL);
	runs = calloc((size_t)nj, sizeof(*runs));
	for (int i = 0; runs && i < nj; i++) {
		struct job *j = &runs[nr];

		j->argv[0] = jobs[i].argv[0];
		j->out = jobs[i].out;
		if (collect(j, areas[i], &list, &n) == 0 && j->k) {
			j->out = NULL;
			j->pid = -1;
			nr++;
		}
	}
	if (runs)
		jobs_run(runs, nr, 3, ctx->scratch);
	for (int i = 0; i < nr; i++) {
		for (int t = 0; t < runs[i].k; t++)
			verdict(runs[i].out, runs[i].names[t], &runs[i], &list[runs[i].first + t]);
		free(runs[i].out);
	}
	for (int i = 0; i < nj; i++) {
		free(jobs[i].argv[0]);
		free(jobs[i].out);
	}
	free(jobs);
	free(runs);
	free(areas);
	if (n)
		qsort(list, (size_t)n, sizeof(*list), by_name);
	*ret = list;
	return n;
}
