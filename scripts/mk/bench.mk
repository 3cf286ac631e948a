# SPDX-License-Identifier: GPL-2.0-only
# Benchmarks: `make bench` runs the default set (<= 5 min here),
# `make bench-quick` the CI smoke set (< 30 s). Both write
# results/<run-id>/bench.jsonl and print a summary table.
# BENCH_ARGS passes more driver options, e.g.
#   make bench BENCH_ARGS="--only cgroup --repeat 5"
# (see: PYTHONPATH=scripts /usr/bin/python3 -m kisol.bench --help).

BENCH_ARGS ?=

.PHONY: bench bench-quick

bench: all
	@PYTHONPATH=scripts $(PYTHON) -m kisol.bench $(BENCH_ARGS)

bench-quick: all
	@PYTHONPATH=scripts $(PYTHON) -m kisol.bench --quick $(BENCH_ARGS)
