// SPDX-License-Identifier: GPL-2.0-only
/*
 * io (v1 blkio) and hugetlb: the interface files this host has, limits set
 * on a real block device and read back (no I/O is forced through them),
 * O_DIRECT read accounting, hugetlb per-size files and limits; enforcement
 * only where free huge pages exist (allocating them would change the host).
 */
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include "kisol_test.h"
#include "lib_cgroup/cgcase.h"

CG_FIXTURE(io, KISOL_CG_IO)

/* major:minor of a whole-disk block device (not loop/zram/ram), or -ENOENT. */
static int find_disk(char *buf, size_t n, char *name, size_t nn)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	int r = -ENOENT;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char p[300], dev[32];

		if (e->d_name[0] == '.' || !strncmp(e->d_name, "loop", 4) ||
		    !strncmp(e->d_name, "zram", 4) || !strncmp(e->d_name, "ram", 3))
			continue;
		snprintf(p, sizeof(p), "/sys/block/%s/dev", e->d_name);
		if (kisol_read_file(p, dev, sizeof(dev)) < 0)
			continue;
		kisol_chomp(dev);
		snprintf(buf, n, "%s", dev);
		snprintf(name, nn, "%s", e->d_name);
		r = 0;
		break;
	}
	closedir(d);
	return r;
}

#define NEED_DISK(dev, name)                                                        \
	do {                                                                        \
		if (find_disk(dev, sizeof(dev), name, sizeof(name)) < 0)            \
			SKIP(return, "no whole-disk block device in /sys/block");   \
	} while (0)

/* The per-version interface files exist. */
TEST_F(io, files)
{
	static const char *v1[] = { "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
				    "blkio.throttle.read_iops_device", "blkio.throttle.io_service_bytes" };
	static const char *v2[] = { "io.stat", "io.max" };
	const char **f = variant->version == 1 ? v1 : v2;
	size_t n = variant->version == 1 ? KISOL_ARRAY_SIZE(v1) : KISOL_ARRAY_SIZE(v2);

	for (size_t i = 0; i < n; i++) {
		EXPECT_EQ(1, kisol_cg_has_file(&self->cg, f[i])) TH_LOG("%s", f[i]);
	}
}

/* A bps limit on a real disk is stored and read back; 0 / max removes it. */
TEST_F(io, limit_readback)
{
	char dev[32], name[300], s[96], buf[512];

	NEED_DISK(dev, name);
	if (variant->version == 1) {
		snprintf(s, sizeof(s), "%s 1048576", dev);
		ASSERT_EQ(0, kisol_cg_write(&self->cg, "blkio.throttle.read_bps_device", s));
		ASSERT_LE(0, kisol_cg_read(&self->cg, "blkio.throttle.read_bps_device", buf, sizeof(buf)));
		EXPECT_NE(NULL, strstr(buf, s)) TH_LOG("%s", buf);
		snprintf(s, sizeof(s), "%s 0", dev);
		ASSERT_EQ(0, kisol_cg_write(&self->cg, "blkio.throttle.read_bps_device", s));
		ASSERT_LE(0, kisol_cg_read(&self->cg, "blkio.throttle.read_bps_device", buf, sizeof(buf)));
		EXPECT_EQ(NULL, strstr(buf, dev));
	} else {
		snprintf(s, sizeof(s), "%s rbps=1048576", dev);
		ASSERT_EQ(0, kisol_cg_write(&self->cg, "io.max", s));
		ASSERT_LE(0, kisol_cg_read(&self->cg, "io.max", buf, sizeof(buf)));
		EXPECT_NE(NULL, strstr(buf, "rbps=1048576")) TH_LOG("%s", buf);
		snprintf(s, sizeof(s), "%s rbps=max", dev);
		ASSERT_EQ(0, kisol_cg_write(&self->cg, "io.max", s));
		ASSERT_LE(0, kisol_cg_read(&self->cg, "io.max", buf, sizeof(buf)));
		EXPECT_EQ(NULL, strstr(buf, dev));
	}
}

/* A device that does not exist: ENODEV; a malformed value: EINVAL. */
TEST_F(io, bad_device)
{
	const char *f = variant->version == 1 ? "blkio.throttle.read_bps_device" : "io.max";
	char dev[32], name[300], s[96];

	EXPECT_EQ(-ENODEV, kisol_cg_write(&self->cg, f, variant->version == 1 ? "0:0 100" : "0:0 rbps=100"));
	NEED_DISK(dev, name);
	snprintf(s, sizeof(s), variant->version == 1 ? "%s lots" : "%s rbps=lots", dev);
	EXPECT_EQ(-EINVAL, kisol_cg_write(&self->cg, f, s));
}

/* Child: O_DIRECT read of 1 MiB from the start of the disk, report bytes or -errno. */
static int direct_read(int sock, void *arg)
{
	const char *path = arg;
	void *buf;
	int64_t v, r;
	int fd;

	kisol_send_int(sock, getpid());
	if (posix_memalign(&buf, 4096, 1 << 20))
		return 100;
	fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
	} else {
		r = pread(fd, buf, 1 << 20, 0);
		if (r < 0)
			r = -errno;
		close(fd);
	}
	kisol_send_int(sock, r);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

/*
 * O_DIRECT open/read errors that mean "not possible here", not a kernel
 * fault: not permitted (EPERM, EACCES), no O_DIRECT or this alignment on
 * the device (EINVAL), no such device or medium (ENXIO, ENODEV, ENOMEDIUM).
 * Anything else (EIO included) is a failure.
 */
static bool direct_read_impossible(int64_t err)
{
	switch (-err) {
	case EPERM: case EACCES: case EINVAL: case ENXIO: case ENODEV: case ENOMEDIUM:
		return true;
	}
	return false;
}

/* The running kernel's release is older than major.minor (unparsable: no). */
static bool kernel_older_than(int major, int minor)
{
	struct utsname u;
	int ma, mi;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma < major || (ma == major && mi < minor);
}

/*
 * A member's direct reads are accounted to its cgroup (read-only, 1 MiB).
 * Before ad7c3b41e86b ("blk-throttle: Fix io statistics for cgroup v1",
 * v6.4) the v1 counters only saw bios of a cgroup with a throttle limit:
 * our unthrottled read leaves them at zero. That is XFAIL on a kernel
 * older than 6.4 only; a newer kernel must count the read.
 */
KISOL_META(io, read_accounted, "commit=ad7c3b41e86b;ref=blk-throttle: Fix io statistics for cgroup v1 (v6.4, XFAIL before)")
TEST_F(io, read_accounted)
{
	char dev[32], name[300], path[320], buf[4096], *p;
	int64_t got;
	long long bytes = 0;

	NEED_DISK(dev, name);
	snprintf(path, sizeof(path), "/dev/%s", name);
	if (access(path, R_OK))
		SKIP(return, "%s not accessible: %s", path, strerror(errno));
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, direct_read, path, &self->kid[0]));
	ASSERT_EQ(0, kisol_recv_int(self->kid[0].sock, &got, KISOL_TIMEOUT_MS));
	if (got < 0 && direct_read_impossible(got))
		SKIP(return, "O_DIRECT read of %s: %s", path, strerror((int)-got));
	ASSERT_EQ(1 << 20, got) TH_LOG("O_DIRECT read of %s: %s", path,
				       got < 0 ? strerror((int)-got) : "short read");
	if (variant->version == 1) {
		char key[64];

		ASSERT_LE(0, kisol_cg_read(&self->cg, "blkio.throttle.io_service_bytes", buf, sizeof(buf)));
		snprintf(key, sizeof(key), "%s Read ", dev);
		p = strstr(buf, key);
		bytes = p ? atoll(p + strlen(key)) : 0;
		if (bytes == 0 && kernel_older_than(6, 4))
			KISOL_XFAIL(return, "kernel predates ad7c3b41e86b (v6.4): "
				    "blkio.throttle.io_service_bytes %s Read is %s after a 1 MiB "
				    "unthrottled O_DIRECT read", dev, p ? "0" : "absent");
	} else {
		ASSERT_LE(0, kisol_cg_read(&self->cg, "io.stat", buf, sizeof(buf)));
		p = strstr(buf, "rbytes=");
		ASSERT_NE(NULL, p) TH_LOG("%s", buf);
		bytes = atoll(p + 7);
	}
	EXPECT_LE(1 << 20, bytes) TH_LOG("%s", buf);
}

/* ---- hugetlb ---- */

CG_FIXTURE(huge, KISOL_CG_HUGETLB)

/* "2MB"/"1GB" names of the huge page sizes; returns how many. */
static int huge_sizes(char names[][24], long kb[], int max)
{
	DIR *d = opendir("/sys/kernel/mm/hugepages");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		long k;

		if (sscanf(e->d_name, "hugepages-%ldkB", &k) != 1)
			continue;
		kb[n] = k;
		if (k >= 1024 * 1024)
			snprintf(names[n], 24, "%ldGB", k / (1024 * 1024));
		else if (k >= 1024)
			snprintf(names[n], 24, "%ldMB", k / 1024);
		else
			snprintf(names[n], 24, "%ldKB", k % 1024);
		n++;
	}
	closedir(d);
	return n;
}

/* Every huge page size has its limit/usage files. */
TEST_F(huge, per_size_files)
{
	char names[8][24], f[96];
	long kb[8];
	int n = huge_sizes(names, kb, 8);

	if (!n)
		SKIP(return, "no huge page sizes in /sys/kernel/mm/hugepages");
	for (int i = 0; i < n; i++) {
		snprintf(f, sizeof(f), "hugetlb.%s.%s", names[i],
			 variant->version == 1 ? "limit_in_bytes" : "max");
		EXPECT_EQ(1, kisol_cg_has_file(&self->cg, f)) TH_LOG("%s", f);
		snprintf(f, sizeof(f), "hugetlb.%s.%s", names[i],
			 variant->version == 1 ? "usage_in_bytes" : "current");
		EXPECT_EQ(1, kisol_cg_has_file(&self->cg, f)) TH_LOG("%s", f);
	}
}

/* A limit of two huge pages reads back; usage is 0. */
TEST_F(huge, limit_readback)
{
	char names[8][24], f[96];
	long kb[8];
	int64_t v;

	if (!huge_sizes(names, kb, 8))
		SKIP(return, "no huge page sizes in /sys/kernel/mm/hugepages");
	snprintf(f, sizeof(f), "hugetlb.%s.%s", names[0], variant->version == 1 ? "limit_in_bytes" : "max");
	ASSERT_EQ(0, kisol_cg_write_int(&self->cg, f, 2 * kb[0] * 1024));
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, f, &v));
	EXPECT_EQ(2 * kb[0] * 1024, v);
	snprintf(f, sizeof(f), "hugetlb.%s.%s", names[0], variant->version == 1 ? "usage_in_bytes" : "current");
	ASSERT_EQ(0, kisol_cg_read_int(&self->cg, f, &v));
	EXPECT_EQ(0, v);
}

/* Child: map and touch one huge page; report 0, or the fault/mmap error. */
static int touch_huge(int sock, void *arg)
{
	long bytes = (long)(intptr_t)arg;
	char *p;
	int64_t v;

	kisol_send_int(sock, getpid());
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED) {
		kisol_send_int(sock, -errno);
		return 0;
	}
	p[0] = 1; /* SIGBUS if the cgroup limit refuses the page */
	kisol_send_int(sock, 0);
	kisol_recv_int(sock, &v, -1);
	return 0;
}

/* With limit 0 a huge page fault fails (SIGBUS) and is counted; needs free huge pages. */
TEST_F(huge, limit_enforced)
{
	char names[8][24], f[128], buf[32];
	long kb[8];
	int64_t r = 1, v;

	if (!huge_sizes(names, kb, 8))
		SKIP(return, "no huge page sizes in /sys/kernel/mm/hugepages");
	snprintf(f, sizeof(f), "/sys/kernel/mm/hugepages/hugepages-%ldkB/free_hugepages", kb[0]);
	ASSERT_LE(0, kisol_read_file(f, buf, sizeof(buf)));
	if (atol(buf) < 1)
		SKIP(return, "no free %s huge pages (reserving some would change the host's nr_hugepages)",
		     names[0]);
	snprintf(f, sizeof(f), "hugetlb.%s.%s", names[0], variant->version == 1 ? "limit_in_bytes" : "max");
	ASSERT_EQ(0, kisol_cg_write(&self->cg, f, "0"));
	ASSERT_EQ(0, cg_spawn_fn(&self->cg, touch_huge, (void *)(intptr_t)(kb[0] * 1024), &self->kid[0]));
	kisol_recv_int(self->kid[0].sock, &r, KISOL_TIMEOUT_MS);
	if (r != -ENOMEM) {
		ASSERT_EQ(0, kisol_child_wait(&self->kid[0], KISOL_TIMEOUT_MS, NULL));
		EXPECT_EQ(SIGBUS, cg_termsig(self->kid[0].status));
	}
	snprintf(f, sizeof(f), "hugetlb.%s.%s", names[0], variant->version == 1 ? "failcnt" : "events");
	if (variant->version == 1) {
		ASSERT_EQ(0, kisol_cg_read_int(&self->cg, f, &v));
	} else {
		ASSERT_EQ(0, kisol_cg_keyed(&self->cg, f, "max", &v));
	}
	EXPECT_LE(1, v);
}

KISOL_MAIN
