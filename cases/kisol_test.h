/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol: what every case includes. The kselftest harness (extracted from
 * Debian's linux-source package at build time), libkisol, requirement
 * helpers that turn a missing need into SKIP with a precise reason, and
 * KISOL_MAIN, which adds a machine-readable listing for the driver.
 */
#ifndef KISOL_TEST_H
#define KISOL_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"

#include "kisol/cgroup.h"
#include "kisol/mount.h"
#include "kisol/need.h"
#include "kisol/net.h"
#include "kisol/ns.h"
#include "kisol/proc.h"
#include "kisol/userns.h"
#include "kisol/util.h"

/*
 * Requirements, declared at the top of a TEST body or FIXTURE_SETUP. Each
 * expands to a SKIP with the reason its lib/need.c probe gave when the need
 * is not met (probes try the operation; none compares kernel versions).
 * A probe that saw the kernel report success without doing it (a "new"
 * namespace that is the caller's) fails the test instead.
 */
#define KISOL_NEED_WHY 320
#define KISOL_NEED_RESULT(r, why)                                \
	do {                                                     \
		ASSERT_NE(KISOL_NEED_BROKEN, (r)) TH_LOG("%s", (why)); \
		if ((r) != 0)                                    \
			SKIP(return, "%s", (why));               \
	} while (0)
#define KISOL_NEED(call)                                         \
	do {                                                     \
		char _why_[KISOL_NEED_WHY];                      \
		int _r_ = (call)(_why_, sizeof(_why_));          \
		KISOL_NEED_RESULT(_r_, _why_);                   \
	} while (0)
#define KISOL_NEED_ARG(fn, ...)                                  \
	do {                                                     \
		char _why_[KISOL_NEED_WHY];                      \
		int _r_ = fn(__VA_ARGS__, _why_, sizeof(_why_)); \
		KISOL_NEED_RESULT(_r_, _why_);                   \
	} while (0)
/*
 * Namespaces. NEED_NS(type): the caller can unshare(type) itself (root's
 * view; as an ordinary user it SKIPs with "needs CAP_SYS_ADMIN in the
 * initial user namespace"). NEED_NS_IN_USERNS(type): it can
 * unshare(CLONE_NEWUSER|type), what a variant that makes its own user
 * namespace needs from any uid. NEED_NS_VIA(type, in_userns) picks one of
 * the two by the variant. NEED_USERNS_UNPRIV(type): an ordinary user (root
 * drops to KISOL_UNPRIV_UID, anyone else is one) can (type -1: a user
 * namespace alone).
 */
#define NEED_NS(type) KISOL_NEED_ARG(kisol_need_ns, (type))
#define NEED_NS_IN_USERNS(type) KISOL_NEED_ARG(kisol_need_ns_in_userns, (type))
#define NEED_NS_VIA(type, in_userns)                             \
	do {                                                     \
		if (in_userns)                                   \
			NEED_NS_IN_USERNS(type);                 \
		else                                             \
			NEED_NS(type);                           \
	} while (0)
#define NEED_USERNS_UNPRIV(type) KISOL_NEED_ARG(kisol_need_userns_unpriv, (type))
/*
 * Root of the initial user namespace. NEED_ROOT_TO("what") names what needs
 * it in the reason ("needs root in the initial user namespace to <what>"):
 * declare it wherever a case maps other ids, writes host cgroups or files,
 * mounts outside a user namespace, and the like.
 */
#define NEED_ROOT() KISOL_NEED(kisol_need_root)
#define NEED_ROOT_TO(what) KISOL_NEED_ARG(kisol_need_root_to, (what))
/*
 * Root, or the rootless view: root of the initial user namespace goes on
 * as it is; anyone else needs unshare(CLONE_NEWUSER|type) (NEED_NS_IN_USERNS)
 * and the test process then enters a user namespace of its own in which it
 * is root (only its own uid and gid mapped: kisol_userns_unshare_rootless)
 * and which stands for the host: what the case does next (a mount namespace
 * of its own, mounts, further namespaces) it does with the capabilities of
 * that user namespace, as an ordinary user can. Afterwards !kisol_is_root()
 * tells the test it is rootless (for what needs root there: NEED_ROOT_TO).
 * NEED_ROOT_OR_OWN_USERNS_WITH(type, flags) unshares flags (CLONE_NEW*)
 * with that user namespace, where the test must be able to come back to
 * its "outside" namespace by setns (it cannot to the host's).
 */
#define NEED_ROOT_OR_OWN_USERNS_WITH(type, flags)                            \
	do {                                                                 \
		if (!kisol_is_root()) {                                      \
			NEED_NS_IN_USERNS(type);                             \
			ASSERT_EQ(0, kisol_userns_unshare_rootless(flags))   \
			TH_LOG("a user namespace of its own");               \
		}                                                            \
	} while (0)
#define NEED_ROOT_OR_OWN_USERNS(type) NEED_ROOT_OR_OWN_USERNS_WITH(type, 0)
/*
 * Root, or the rootless view with a pid namespace of its own, for a case
 * that mounts proc for the pid namespace it runs in: a new proc instance
 * belongs to the mounter's pid namespace, and only a pid namespace owned
 * by the mounter's user namespace can be mounted there. Root goes on as it
 * is (its instances are the host pid namespace's). Anyone else becomes
 * root of a user namespace of its own with a new pid namespace and the
 * test goes on in a child that is pid 1 of it (kisol_test_go_on_in_child);
 * the test process only waits for it. Call it first in FIXTURE_SETUP or
 * the TEST body: the child runs the rest, the test and the teardown.
 */
#define NEED_ROOT_OR_OWN_PIDNS()                                                   \
	do {                                                                       \
		if (!kisol_is_root()) {                                            \
			NEED_ROOT_OR_OWN_USERNS_WITH(KISOL_NS_PID, CLONE_NEWPID);  \
			kisol_test_go_on_in_child(_metadata);                      \
		}                                                                  \
	} while (0)

/*
 * Fork; the child goes on with the test (its results are in the harness's
 * shared metadata) and dies with the caller, which waits for it and ends
 * as it ended, running nothing of the test itself.
 */
static inline void kisol_test_go_on_in_child(struct __test_metadata *_metadata)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
	if (pid == 0) {
		ASSERT_EQ(0, prctl(PR_SET_PDEATHSIG, SIGKILL));
		return;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(KSFT_FAIL);
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		kill(getpid(), WTERMSIG(status));
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : KSFT_FAIL);
}
/* a CAP_* in the effective set */
#define NEED_CAP(cap) KISOL_NEED_ARG(kisol_need_cap, (cap))
#define NEED_CLONE3() KISOL_NEED(kisol_need_clone3)
#define NEED_PIDFD() KISOL_NEED(kisol_need_pidfd)
/* fsopen/fsmount/move_mount */
#define NEED_MOUNT_API() KISOL_NEED(kisol_need_mount_api)
#define NEED_MNT_SETATTR() KISOL_NEED(kisol_need_mnt_setattr)
/* controller ctrl usable on version (KISOL_CG_V1, _V2, _ANY) */
#define NEED_CG(ctrl, version) KISOL_NEED_ARG(kisol_cg_need, (ctrl), (version))
/* a file exists in a cgroup (feature probe: cgroup.kill, memory.peak) */
#define NEED_CG_FILE(cg, file) KISOL_NEED_ARG(kisol_cg_need_file, (cg), (file))

/*
 * One error contract, also between a child and its parent: every error is
 * -errno. RET_NERRNO(call) is the result of a libc call that returns -1 and
 * sets errno, with -errno in place of the -1 (systemd's RET_NERRNO).
 */
#define RET_NERRNO(call)                                                 \
	({                                                               \
		int64_t _r_ = (int64_t)(call);                           \
		_r_ < 0 ? (int64_t)-errno : _r_;                         \
	})

/*
 * Child/parent reports over the kisol_spawn() socket.
 *
 * A child that answers more than one thing fills a small struct, one named
 * field per answer, and sends it whole: KISOL_TX_REPLY(rep) from the child
 * body (whose socket is named sock; ends the child with status 91 if the
 * parent is gone), KISOL_RX_REPLY(sock, &rep) in the test, which asserts
 * that the whole reply arrived.
 *
 * A single integer: KISOL_TX(v) from the child, kisol_rx() in the test,
 * which returns -99999 (and logs why) when no message came, so the
 * assertion that follows fails with a readable value.
 */
#define KISOL_TX(v)                                                      \
	do {                                                             \
		if (kisol_send_int(sock, (int64_t)(v)) < 0)              \
			return 91;                                       \
	} while (0)
#define KISOL_TX_REPLY(rep)                                              \
	do {                                                             \
		if (kisol_send(sock, &(rep), sizeof(rep)) < 0)           \
			return 91;                                       \
	} while (0)
#define KISOL_RX_REPLY(sock, rep)                                        \
	do {                                                             \
		int _n_ = kisol_recv((sock), (rep), sizeof(*(rep)),      \
				     KISOL_TIMEOUT_MS);                  \
		ASSERT_EQ((int)sizeof(*(rep)), _n_)                      \
		TH_LOG("no whole reply from the child: %s",              \
		       _n_ < 0 ? strerror(-_n_) : "short message");      \
	} while (0)

/* Child side: block until the parent says go (any integer); -errno on error. */
static inline int kisol_wait_go(int sock)
{
	int64_t go;

	return kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS);
}

static inline int64_t kisol_rx(struct __test_metadata *_metadata, int sock)
{
	int64_t v = -99999;
	int r = kisol_recv_int(sock, &v, KISOL_TIMEOUT_MS);

	if (r < 0)
		TH_LOG("no message from the child: %s", strerror(-r));
	return v;
}

/*
 * Runtime XFAIL: the check ran and saw the exact signature of a known
 * kernel bug (name it, with the fixing or breaking commit where known).
 * Reported as XFAIL with the reason; a kernel without the bug passes, and
 * any other deviation must still FAIL. Use like SKIP:
 * KISOL_XFAIL(return, "known bug: ...").
 * A test that already failed (an EXPECT before the signature was seen)
 * stays FAIL: the signature explains one deviation, not an earlier one.
 */
#define KISOL_XFAIL(statement, fmt, ...)                                          \
	do {                                                                      \
		if (_metadata->exit_code != KSFT_PASS) {                          \
			fprintf(TH_LOG_STREAM, "#      not XFAIL: the test had "  \
				"failed before the signature: " fmt "\n",         \
				##__VA_ARGS__);                                   \
		} else {                                                          \
			snprintf(_metadata->results->reason,                      \
				 sizeof(_metadata->results->reason), fmt,         \
				 ##__VA_ARGS__);                                  \
			fprintf(TH_LOG_STREAM, "#      XFAIL     %s\n",           \
				_metadata->results->reason);                      \
			_metadata->exit_code = KSFT_XFAIL;                        \
		}                                                                 \
		statement;                                                        \
	} while (0)

/*
 * Metadata for a test, shown by --kisol-list: "key=value" pairs separated
 * by ';', e.g. KISOL_META(fixture, test, "cve=CVE-2018-18955;commit=d2f007dbe7e4").
 * For a TEST() without fixture use global as the fixture name. "xfail=<why>"
 * is the reason the driver shows for an XFAIL_ADD expectation;
 * "mutant_immune=<mutation>: <why>" (repeatable) says why a test passes
 * with that mutation of `make mutate` active. KISOL_META_FIXTURE gives
 * every test of a fixture the same pairs (before the test's own).
 *
 * "sides=both": the isolation property is asserted from inside and from
 * outside; "sides=one: <why one side suffices>" otherwise (no ';' in why);
 * "sides=none: <why>" for a test of kisol itself that checks no isolation
 * property (counted in neither column).
 *
 * "mutant_immune=<mutation>: <why>" (repeatable, all are kept) says why the
 * test passes with that mutation of `make mutate` active (no ';' in why).
 */
struct kisol_meta {
	const char *fixture, *test, *text;
	struct kisol_meta *next;
};
static struct kisol_meta *kisol_meta_list;
#define KISOL_META_REG(id, fixture_name, test_name, meta_text)                    \
	static struct kisol_meta _kisol_meta_##id = {                             \
		fixture_name, test_name, meta_text, NULL };                        \
	static void __attribute__((constructor)) _kisol_meta_reg_##id(void)       \
	{                                                                          \
		_kisol_meta_##id.next = kisol_meta_list;                           \
		kisol_meta_list = &_kisol_meta_##id;                               \
	}
#define KISOL_META(fixture_name, test_name, meta_text)                            \
	KISOL_META_REG(fixture_name##_##test_name, #fixture_name, #test_name, meta_text)
#define KISOL_META_FIXTURE(fixture_name, meta_text)                               \
	KISOL_META_REG(fixture_name##__all, #fixture_name, "*", meta_text)

static inline const char *kisol_meta_find(const char *f, const char *t)
{
	static char buf[8192];
	size_t n = 0;

	buf[0] = '\0';
	/* fixture-wide pairs first, then the test's own */
	for (int pass = 0; pass < 2; pass++)
		for (struct kisol_meta *m = kisol_meta_list; m; m = m->next)
			if (!strcmp(m->fixture, f) && n < sizeof(buf) &&
			    (!strcmp(m->test, pass ? t : "*") ||
			     (!pass && !strcmp(m->test, "ALL")))) /* KISOL_META(f, ALL, ...): older spelling */
				n += snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? ";" : "", m->text);
	return buf;
}

/*
 * One line per runnable test: fixture, variant, test, timeout (s), xfail
 * (0/1), metadata; tab separated. The harness's own -l prints fixtures,
 * variants and tests side by side, not their product.
 */
static inline void kisol_list_tests(void)
{
	struct __fixture_variant_metadata none = { .name = "" };

	for (struct __fixture_metadata *f = __fixture_list; f; f = f->next)
		for (struct __fixture_variant_metadata *v = f->variant ?: &none; v; v = v->next)
			for (struct __test_metadata *t = f->tests; t; t = t->next) {
				int xfail = 0;

				for (struct __test_xfail *x = v->xfails; x; x = x->next)
					if (x->test == t)
						xfail = 1;
				printf("%s\t%s\t%s\t%d\t%d\t%s\n", f->name, v->name,
				       t->name, t->timeout, xfail,
				       kisol_meta_find(f->name, t->name));
			}
}

/*
 * Start of a case binary. The kisol objects it names carry the main pid as
 * owner (kisol_owner). A test process the harness forks dies with the main
 * process (PR_SET_PDEATHSIG), so killing only the main process leaves no
 * test running. Run without the driver (by hand, run_kselftest.sh, a VM
 * guest), the binary first removes what killed earlier instances left
 * (cgroups and scratch directories whose owner is gone; live objects of
 * other instances are kept), then, as root, moves into a private mount
 * namespace as the driver's sandbox does, so no mount of a killed test can
 * stay on the host. Under the driver (KISOL_RUN_ID) the driver does both.
 */
static pid_t kisol_main_pid;

static inline void kisol_harness_child(void)
{
	if (getppid() != kisol_main_pid)
		return; /* a fork inside a test: left as the case made it */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != kisol_main_pid)
		_exit(KSFT_FAIL); /* main died before the prctl */
}

static inline void kisol_case_start(void)
{
	kisol_main_pid = getpid();
	kisol_owner_set(kisol_main_pid);
	pthread_atfork(NULL, NULL, kisol_harness_child);
	if (getenv("KISOL_RUN_ID"))
		return;
	kisol_cg_remove_stale();
	kisol_mnt_remove_stale();
	if (geteuid() == 0)
		kisol_mnt_isolate();
}

#define KISOL_MAIN                                                     \
	int main(int argc, char **argv)                                \
	{                                                              \
		if (argc == 2 && !strcmp(argv[1], "--kisol-list")) {   \
			kisol_list_tests();                            \
			return 0;                                      \
		}                                                      \
		kisol_case_start();                                    \
		return test_harness_run(argc, argv);                   \
	}

#endif
