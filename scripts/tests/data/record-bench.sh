#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Record a small real benchmark run of this machine, raw samples kept, for
# the compare tests: scripts/tests/data/record-bench.sh OUT.jsonl [REPEATS]
# The whole set is run REPEATS times (default 5), one record per benchmark
# and repetition; compare tests significance on the repetition medians.
# bench-aa-1.jsonl and bench-aa-2.jsonl were recorded back to back with it.
set -eu
out=${1:?usage: $0 OUT.jsonl [REPEATS]}
reps=${2:-5}
S="--samples 60 --min-samples 60 --budget-ms 4000 --raw"
: > "$out"
r=0
while [ $r -lt "$reps" ]; do
	./bench/floor $S --only floor.getppid --only floor.clock_gettime \
		--only floor.vfork_exit --only floor.fork_exit_wait >> "$out"
	for ns in uts ipc mnt pid net; do
		./bench/clone $S -p ns=$ns -p mode=create_exit_reap >> "$out"
	done
	./bench/clone $S -p ns=crun -p mode=create_exit_reap >> "$out"
	for ns in uts ipc mnt net cgroup; do
		./bench/unshare $S -p ns=$ns >> "$out"
	done
	for ns in uts ipc mnt net; do
		./bench/setns $S -p by=fd -p ns=$ns >> "$out"
	done
	r=$((r + 1))
done
grep -c kisol-bench/1 "$out"
