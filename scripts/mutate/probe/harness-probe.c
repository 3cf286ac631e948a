// SPDX-License-Identifier: GPL-2.0-only
/*
 * harness-probe: a kselftest harness binary for scripts/tests/test_mutate.py,
 * to show that `kisol-mutate -o -t` charges each observed call to the test
 * that made it, whether the test's own process, a process it forked or a
 * thread of one made the call. Each test only creates namespaces for itself
 * (its process is thrown away after the test) and prints nothing.
 */
#include <pthread.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

TEST(uts_self)
{
	ASSERT_EQ(0, unshare(CLONE_NEWUTS));
}

TEST(nothing)
{
	ASSERT_EQ(getpid(), getpid());
}

static void *net_thread(void *arg)
{
	return (void *)(long)unshare(CLONE_NEWNET);
}

/* a grandchild's thread makes the call */
TEST(net_in_forked_thread)
{
	int ws;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		pthread_t t;
		void *r = (void *)1L;

		if (pthread_create(&t, NULL, net_thread, NULL) || pthread_join(t, &r))
			_exit(2);
		_exit(r ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &ws, 0));
	ASSERT_TRUE(WIFEXITED(ws));
	ASSERT_EQ(0, WEXITSTATUS(ws));
}

TEST(ipc_twice)
{
	ASSERT_EQ(0, unshare(CLONE_NEWIPC));
	ASSERT_EQ(0, unshare(CLONE_NEWIPC));
}

TEST_HARNESS_MAIN
