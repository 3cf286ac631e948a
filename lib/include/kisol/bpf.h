/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kisol: cgroup BPF device programs, written as raw instructions and loaded
 * with bpf(2) (no libbpf, no compiler). A program denies the accesses its
 * rules list and allows everything else.
 */
#ifndef KISOL_BPF_H
#define KISOL_BPF_H

#include <stddef.h>
#include <stdint.h>

/* One denied access: device type 'c' or 'b', major, minor, access bits. */
enum kisol_dev_access {
	KISOL_DEV_MKNOD = 1, /* BPF_DEVCG_ACC_MKNOD */
	KISOL_DEV_READ = 2,  /* BPF_DEVCG_ACC_READ */
	KISOL_DEV_WRITE = 4, /* BPF_DEVCG_ACC_WRITE */
	KISOL_DEV_ALL = 7,
};

struct kisol_dev_rule {
	char type;         /* 'c' or 'b' */
	uint32_t major, minor;
	unsigned access;   /* enum kisol_dev_access bits that are denied */
};

/*
 * Load a BPF_PROG_TYPE_CGROUP_DEVICE program denying the n rules (at most
 * 64). Returns the program fd; the verifier's log goes into log when it
 * holds at least 128 bytes (the kernel refuses smaller log buffers).
 * -EINVAL for bad rules or when the kernel does not know the program type.
 */
int kisol_bpf_dev_prog(const struct kisol_dev_rule *rules, size_t n, char *log, size_t log_size);
/* BPF_PROG_ATTACH / BPF_PROG_DETACH of a device program to a cgroup2 directory fd. */
int kisol_bpf_dev_attach(int prog_fd, int cgroup_fd);
int kisol_bpf_dev_detach(int prog_fd, int cgroup_fd);
/* Number of device programs attached to the cgroup itself (BPF_PROG_QUERY). */
int kisol_bpf_dev_count(int cgroup_fd);

#endif
