// SPDX-License-Identifier: GPL-2.0-only
/*
 * kisol_test.h itself: KISOL_XFAIL turns a test into XFAIL only when
 * nothing failed before the signature. Each test runs a small body
 * against a metadata record of its own (not the running test's), with
 * the harness's log output captured, and checks the verdict it left.
 * The real harness path (a case binary run by the driver) is proven by
 * scripts/tests/test_driver_e2e.py.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kisol_test.h"

struct inner {
	struct __test_metadata md;
	struct __test_results res;
	char log[1024];
};

/* Runs body(&in->md) with stderr captured into in->log. */
static int run_inner(struct inner *in, void (*body)(struct __test_metadata *))
{
	int mfd = memfd_create("kisol-inner-log", MFD_CLOEXEC), saved;
	ssize_t n;

	if (mfd < 0)
		return -errno;
	memset(in, 0, sizeof(*in));
	in->md.name = "inner";
	in->md.results = &in->res;
	in->md.exit_code = KSFT_PASS;
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	if (saved < 0 || dup2(mfd, STDERR_FILENO) < 0) {
		close(mfd);
		return -errno;
	}
	body(&in->md);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(mfd, in->log, sizeof(in->log) - 1, 0);
	close(mfd);
	return n < 0 ? -errno : 0;
}

static void sig_only(struct __test_metadata *_metadata)
{
	KISOL_XFAIL(return, "demo signature %d", 42);
}

static void expect_fails_then_sig(struct __test_metadata *_metadata)
{
	EXPECT_EQ(1, 2);
	KISOL_XFAIL(return, "demo signature %d", 42);
}

static void sig_then_expect_fails(struct __test_metadata *_metadata)
{
	KISOL_XFAIL(goto out, "demo signature");
out:
	EXPECT_EQ(1, 2);
}

TEST(signature_alone_is_xfail)
{
	struct inner in;

	ASSERT_EQ(0, run_inner(&in, sig_only));
	EXPECT_EQ(KSFT_XFAIL, in.md.exit_code);
	EXPECT_STREQ("demo signature 42", in.res.reason);
	EXPECT_NE(NULL, strstr(in.log, "XFAIL     demo signature 42")) TH_LOG("log: %s", in.log);
}

TEST(failure_before_signature_stays_fail)
{
	struct inner in;

	ASSERT_EQ(0, run_inner(&in, expect_fails_then_sig));
	EXPECT_EQ(KSFT_FAIL, in.md.exit_code);
	EXPECT_STREQ("", in.res.reason);
	EXPECT_NE(NULL, strstr(in.log, "not XFAIL")) TH_LOG("log: %s", in.log);
	EXPECT_NE(NULL, strstr(in.log, "demo signature 42")) TH_LOG("log: %s", in.log);
}

/* The statement runs either way; what follows it can still fail the test. */
TEST(failure_after_signature_is_fail)
{
	struct inner in;

	ASSERT_EQ(0, run_inner(&in, sig_then_expect_fails));
	EXPECT_EQ(KSFT_FAIL, in.md.exit_code);
}

KISOL_META_FIXTURE(global, "sides=none: checks kisol_test.h's verdict logic, no isolation property")

KISOL_MAIN
