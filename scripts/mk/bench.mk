# SPDX-License-Identifier: GPL-2.0-only
# Benchmarks: `make bench` runs the default set (<= 5 min here),
# `make bench-quick` the CI smoke set (< 30 s). Both write
# results/<run-id>/bench.jsonl and print a summary table.
# `make bench-calibrate` stores CALIBRATE_RUNS (3) default runs in the history
# database so `make compare` knows this host's between-run noise;
# `make bench-aa` runs scripts/bench-aa (A/A, sensitivity, repeatability).
# BENCH_ARGS passes more driver options, e.g.
#   make bench BENCH_ARGS="--only cgroup --repeat 5"
# (see: PYTHONPATH=scripts /usr/bin/python3 -m kisol.bench --help).
# SANITIZE=1 runs the sanitized binaries (build/san/bench) and writes to
# build/san/results/: their timings measure the sanitizer, not the kernel.

BENCH_ARGS ?=

CALIBRATE_RUNS ?= 3

.PHONY: bench bench-quick bench-calibrate bench-aa

bench: all
	@$(FLAVOUR_ENV) PYTHONPATH=scripts $(PYTHON) -m kisol.bench $(BENCH_ARGS)

bench-quick: all
	@$(FLAVOUR_ENV) PYTHONPATH=scripts $(PYTHON) -m kisol.bench --quick $(BENCH_ARGS)

bench-calibrate: all
	@PYTHONPATH=scripts $(PYTHON) -m kisol.bench --calibrate $(CALIBRATE_RUNS) $(BENCH_ARGS)

bench-aa: all $(BUILD)/kisol-slowdown-exec
	@scripts/bench-aa $(BENCH_AA_ARGS)

# A real kernel-side slowdown for scripts/bench-aa (seccomp work per syscall).
SLOWDOWN := $(BUILD)/kisol-slowdown-exec
$(SLOWDOWN): scripts/slowdown-exec.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) -o $@ $<
