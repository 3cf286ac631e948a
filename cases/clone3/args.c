// SPDX-License-Identifier: GPL-2.0-only
/*
 * clone3(2) argument handling: the struct is versioned by size (64, 80,
 * 88 bytes so far); a smaller size is EINVAL, a larger one is accepted
 * only if the unknown tail is zero (E2BIG otherwise, and above a page),
 * and the fields are validated (exit signal, stack, cgroup fd, pidfd).
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <linux/sched.h>

#include "kisol_test.h"

#define VER0 64
#define VER1 80
#define VER2 88

struct big_args {
	struct clone_args a;
	uint64_t tail[512]; /* room for a page and more */
};

FIXTURE(args) {
	struct big_args b;
	int fd;
};

FIXTURE_VARIANT(args) {
	size_t size;
	void (*prep)(struct big_args *b, int fd);
	int err;
};

static void p_none(struct big_args *b, int fd) { }
static void p_tail_last(struct big_args *b, int fd) { b->tail[1] = 1; }
static void p_tail_first(struct big_args *b, int fd) { b->tail[0] = 1ULL << 63; }
static void p_signal_65(struct big_args *b, int fd) { b->a.exit_signal = 65; }
static void p_signal_high(struct big_args *b, int fd) { b->a.exit_signal = 1ULL << 32 | SIGCHLD; }
static void p_stack_no_size(struct big_args *b, int fd) { b->a.stack = 4096; }
static void p_size_no_stack(struct big_args *b, int fd) { b->a.stack_size = 4096; }
static void p_cgroup_badfd(struct big_args *b, int fd)
{
	b->a.flags = CLONE_INTO_CGROUP;
	b->a.cgroup = 100000;
}
static void p_cgroup_notcg(struct big_args *b, int fd)
{
	b->a.flags = CLONE_INTO_CGROUP;
	b->a.cgroup = (uint64_t)fd; /* a /proc file */
}
static void p_cgroup_high(struct big_args *b, int fd)
{
	b->a.flags = CLONE_INTO_CGROUP;
	b->a.cgroup = 1ULL << 32;
}
static void p_pidfd_null(struct big_args *b, int fd) { b->a.flags = CLONE_PIDFD; }
static void p_tid_size_no_tid(struct big_args *b, int fd) { b->a.set_tid_size = 1; }
static void p_csignal_flag(struct big_args *b, int fd) { b->a.flags = SIGCHLD; }
static void p_clear_sighand(struct big_args *b, int fd) { b->a.flags = CLONE_CLEAR_SIGHAND; }
static void p_clear_sighand_sighand(struct big_args *b, int fd)
{
	b->a.flags = CLONE_CLEAR_SIGHAND | CLONE_SIGHAND | CLONE_VM;
}

FIXTURE_VARIANT_ADD(args, size_ver0) { .size = VER0, .prep = p_none };
FIXTURE_VARIANT_ADD(args, size_ver1) { .size = VER1, .prep = p_none };
FIXTURE_VARIANT_ADD(args, size_ver2) { .size = VER2, .prep = p_none };
FIXTURE_VARIANT_ADD(args, size_known) { .size = sizeof(struct clone_args), .prep = p_none };
FIXTURE_VARIANT_ADD(args, size_zero_tail) { .size = sizeof(struct clone_args) + 16, .prep = p_none };
FIXTURE_VARIANT_ADD(args, size_page_zero_tail) { .size = 4096, .prep = p_none };
FIXTURE_VARIANT_ADD(args, size_below_ver0) { .size = VER0 - 8, .prep = p_none, .err = EINVAL };
FIXTURE_VARIANT_ADD(args, size_zero) { .size = 0, .prep = p_none, .err = EINVAL };
FIXTURE_VARIANT_ADD(args, size_unaligned) { .size = VER0 + 1, .prep = p_none };
FIXTURE_VARIANT_ADD(args, size_above_page) { .size = 4096 + 8, .prep = p_none, .err = E2BIG };
FIXTURE_VARIANT_ADD(args, nonzero_tail_last) { .size = sizeof(struct clone_args) + 16, .prep = p_tail_last, .err = E2BIG };
FIXTURE_VARIANT_ADD(args, nonzero_tail_first) { .size = sizeof(struct clone_args) + 16, .prep = p_tail_first, .err = E2BIG };
FIXTURE_VARIANT_ADD(args, exit_signal_65) { .size = sizeof(struct clone_args), .prep = p_signal_65, .err = EINVAL };
FIXTURE_VARIANT_ADD(args, exit_signal_high_bits) { .size = sizeof(struct clone_args), .prep = p_signal_high, .err = EINVAL };
FIXTURE_VARIANT_ADD(args, stack_without_size) { .size = sizeof(struct clone_args), .prep = p_stack_no_size, .err = EINVAL };
FIXTURE_VARIANT_ADD(args, size_without_stack) { .size = sizeof(struct clone_args), .prep = p_size_no_stack, .err = EINVAL };
FIXTURE_VARIANT_ADD(args, cgroup_bad_fd) { .size = sizeof(struct clone_args), .prep = p_cgroup_badfd, .err = EBADF };
FIXTURE_VARIANT_ADD(args, cgroup_not_a_cgroup) { .size = sizeof(struct clone_args), .prep = p_cgroup_notcg, .err = EBADF };
FIXTURE_VARIANT_ADD(args, cgroup_fd_above_int) { .size = sizeof(struct clone_args), .prep = p_cgroup_high, .err = EINVAL };
FIXTURE_VARIANT_ADD(args, cgroup_with_ver0) { .size = VER0, .prep = p_cgroup_badfd, .err = EINVAL };
FIXTURE_VARIANT_ADD(args, pidfd_null_pointer) { .size = sizeof(struct clone_args), .prep = p_pidfd_null, .err = EFAULT };
FIXTURE_VARIANT_ADD(args, set_tid_size_without_array) { .size = sizeof(struct clone_args), .prep = p_tid_size_no_tid, .err = EINVAL };
FIXTURE_VARIANT_ADD(args, signal_in_flags) { .size = sizeof(struct clone_args), .prep = p_csignal_flag, .err = EINVAL };
FIXTURE_VARIANT_ADD(args, clear_sighand) { .size = sizeof(struct clone_args), .prep = p_clear_sighand };
FIXTURE_VARIANT_ADD(args, clear_sighand_with_sighand) { .size = sizeof(struct clone_args), .prep = p_clear_sighand_sighand, .err = EINVAL };

FIXTURE_SETUP(args)
{
	NEED_CLONE3();
	memset(&self->b, 0, sizeof(self->b));
	self->b.a.exit_signal = SIGCHLD;
	self->fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(args)
{
	close(self->fd);
}

TEST_F(args, accepted_or_refused)
{
	int status;
	pid_t pid;

	variant->prep(&self->b, self->fd);
	pid = kisol_clone3_raw(&self->b.a, variant->size);
	if (pid == 0)
		_exit(7);
	if (variant->err) {
		EXPECT_EQ(-variant->err, pid) TH_LOG("got %s", pid < 0 ? strerror(-pid) : "a child");
		if (pid > 0)
			waitpid(pid, NULL, 0);
		/* nothing was created */
		EXPECT_EQ(-1, waitpid(-1, NULL, WNOHANG));
		return;
	}
	ASSERT_LT(0, pid) TH_LOG("refused with %s", strerror(-pid));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(7, WEXITSTATUS(status));
}

KISOL_META(args, accepted_or_refused, "sides=one: argument validation, no namespace is made: the errno or the child's exit status is the property;commit=7f192e3cd316;ref=fork: add clone3 (extensible struct), Linux 5.3")

KISOL_MAIN
