// SPDX-License-Identifier: GPL-2.0-only
/*
 * UTS namespace: hostname and domainname are per namespace, in both
 * directions; sethostname needs CAP_SYS_ADMIN over the owning user
 * namespace.
 */
#include <limits.h>
#include <sys/utsname.h>

#include "kisol_test.h"

struct uts_field {
	const char *name;
	int (*set)(const char *, size_t);
	int (*get)(char *, size_t);
};

static int get_host(char *b, size_t n) { return gethostname(b, n); }
static int get_domain(char *b, size_t n) { return getdomainname(b, n); }
static int set_host(const char *b, size_t n) { return sethostname(b, n); }
static int set_domain(const char *b, size_t n) { return setdomainname(b, n); }

FIXTURE(uts) {
	char before[HOST_NAME_MAX + 1];
	struct kisol_child child;
};

FIXTURE_VARIANT(uts) {
	struct uts_field f;
	bool userns; /* create the UTS namespace from inside a new user namespace */
};

FIXTURE_VARIANT_ADD(uts, hostname) { .f = { "hostname", set_host, get_host } };
FIXTURE_VARIANT_ADD(uts, domainname) { .f = { "domainname", set_domain, get_domain } };
FIXTURE_VARIANT_ADD(uts, hostname_userns) { .f = { "hostname", set_host, get_host }, .userns = true };
FIXTURE_VARIANT_ADD(uts, domainname_userns) { .f = { "domainname", set_domain, get_domain }, .userns = true };

FIXTURE_SETUP(uts)
{
	struct kisol_child init = KISOL_CHILD_INIT;

	self->child = init;
	NEED_NS(KISOL_NS_UTS);
	if (variant->userns)
		NEED_NS(KISOL_NS_USER);
	ASSERT_EQ(0, variant->f.get(self->before, sizeof(self->before)));
}

FIXTURE_TEARDOWN(uts)
{
	char now[HOST_NAME_MAX + 1];

	kisol_child_release(&self->child);
	/* The host's name must never change, whatever the test did. */
	EXPECT_EQ(0, variant->f.get(now, sizeof(now)));
	EXPECT_STREQ(self->before, now);
}

/* Child: set the name, report what it reads back, wait, report again. */
static int set_and_report(int sock, void *arg)
{
	const struct uts_field *f = arg;
	char buf[HOST_NAME_MAX + 1];
	int64_t go;

	if (f->set("kisol-inside", strlen("kisol-inside")) < 0)
		return errno;
	if (f->get(buf, sizeof(buf)) < 0 || kisol_send_str(sock, buf) < 0)
		return 100;
	/* parent checks the outside, then lets us read again */
	if (kisol_recv_int(sock, &go, KISOL_TIMEOUT_MS) < 0)
		return 101;
	if (f->get(buf, sizeof(buf)) < 0 || kisol_send_str(sock, buf) < 0)
		return 102;
	return 0;
}

static uint64_t uts_flags(const FIXTURE_VARIANT(uts) *v)
{
	return CLONE_NEWUTS | (v->userns ? CLONE_NEWUSER : 0);
}

TEST_F(uts, set_inside_invisible_outside)
{
	struct kisol_spawn_opts o = { .flags = uts_flags(variant), .cgroup_fd = -1,
				      .map_root = variant->userns, .deny_setgroups = true };
	char inside[HOST_NAME_MAX + 1], outside[HOST_NAME_MAX + 1];

	ASSERT_EQ(0, kisol_spawn(&o, set_and_report, (void *)&variant->f, &self->child));
	ASSERT_LT(0, kisol_recv_str(self->child.sock, inside, sizeof(inside), KISOL_TIMEOUT_MS))
		TH_LOG("child did not report; exit code %d",
		       kisol_child_exit_code(&self->child, 1000));
	EXPECT_STREQ("kisol-inside", inside);
	ASSERT_EQ(0, variant->f.get(outside, sizeof(outside)));
	EXPECT_STREQ(self->before, outside) TH_LOG("%s set inside leaked out", variant->f.name);
	ASSERT_EQ(0, kisol_send_int(self->child.sock, 1));
	ASSERT_LT(0, kisol_recv_str(self->child.sock, inside, sizeof(inside), KISOL_TIMEOUT_MS));
	EXPECT_STREQ("kisol-inside", inside);
	EXPECT_EQ(0, kisol_child_exit_code(&self->child, KISOL_TIMEOUT_MS));
}

KISOL_MAIN
