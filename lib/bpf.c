// SPDX-License-Identifier: GPL-2.0-only
/* kisol: cgroup BPF device programs (see kisol/bpf.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kisol/bpf.h"
#include "kisol/util.h"

#define MAX_RULES 64
#define PER_RULE 7

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/*
 * r1: struct bpf_cgroup_dev_ctx { access_type = access << 16 | type; major; minor }.
 * r2 = type, r3 = major, r4 = minor, r5 = access; then per rule
 * "if all match and access & rule: return 0", finally return 1.
 */
static size_t emit(struct bpf_insn *p, const struct kisol_dev_rule *rules, size_t n)
{
	size_t i = 0;

	p[i++] = insn(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0);
	p[i++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, 5, 2, 0, 0);
	p[i++] = insn(BPF_ALU64 | BPF_RSH | BPF_K, 5, 0, 0, 16);
	p[i++] = insn(BPF_ALU64 | BPF_AND | BPF_K, 2, 0, 0, 0xffff);
	p[i++] = insn(BPF_LDX | BPF_MEM | BPF_W, 3, 1, 4, 0);
	p[i++] = insn(BPF_LDX | BPF_MEM | BPF_W, 4, 1, 8, 0);
	for (size_t r = 0; r < n; r++) {
		int type = rules[r].type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;

		p[i++] = insn(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 6, type);
		p[i++] = insn(BPF_JMP | BPF_JNE | BPF_K, 3, 0, 5, (int32_t)rules[r].major);
		p[i++] = insn(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 4, (int32_t)rules[r].minor);
		p[i++] = insn(BPF_JMP | BPF_JSET | BPF_K, 5, 0, 1, (int32_t)rules[r].access);
		p[i++] = insn(BPF_JMP | BPF_JA, 0, 0, 2, 0);
		p[i++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
		p[i++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	p[i++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
	p[i++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return i;
}

int kisol_bpf_dev_prog(const struct kisol_dev_rule *rules, size_t n, char *log, size_t log_size)
{
	struct bpf_insn prog[8 + MAX_RULES * PER_RULE];
	union bpf_attr a;
	long fd;

	if (n > MAX_RULES || (n && !rules))
		return -EINVAL;
	for (size_t r = 0; r < n; r++)
		if ((rules[r].type != 'c' && rules[r].type != 'b') || !rules[r].access ||
		    (rules[r].access & ~(unsigned)KISOL_DEV_ALL))
			return -EINVAL;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insn_cnt = emit(prog, rules, n);
	a.insns = (uint64_t)(uintptr_t)prog;
	a.license = (uint64_t)(uintptr_t)"GPL";
	if (log && log_size)
		log[0] = '\0';
	if (log && log_size >= 128) { /* the kernel refuses smaller log buffers */
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = log_size;
		a.log_level = 1;
	}
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd < 0 && errno == ENOSPC && log) {
		/* log too small: load again without it */
		a.log_buf = 0;
		a.log_size = 0;
		a.log_level = 0;
		fd = sys_bpf(BPF_PROG_LOAD, &a);
	}
	return fd < 0 ? kisol_negerrno() : (int)fd;
}

static int attach_op(int cmd, int prog_fd, int cgroup_fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = cgroup_fd;
	a.attach_bpf_fd = prog_fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	return sys_bpf(cmd, &a) < 0 ? kisol_negerrno() : 0;
}

int kisol_bpf_dev_attach(int prog_fd, int cgroup_fd)
{
	return attach_op(BPF_PROG_ATTACH, prog_fd, cgroup_fd);
}

int kisol_bpf_dev_detach(int prog_fd, int cgroup_fd)
{
	return attach_op(BPF_PROG_DETACH, prog_fd, cgroup_fd);
}

int kisol_bpf_dev_count(int cgroup_fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = cgroup_fd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
		return kisol_negerrno();
	return (int)a.query.prog_cnt;
}
