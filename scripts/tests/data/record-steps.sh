#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Record the change-point test series: RUNS runs of a few syscall-bound
# benchmarks on this machine as it is (base-N), alternating with RUNS runs
# under a real kernel-side slowdown (slow-N; build/kisol-slowdown-exec: a
# seccomp filter doing INSNS instructions of work per system call, which the
# benchmarks cannot see). Alternating spreads changes of the machine's load
# over both kinds; the test orders the stored runs base-0..N, slow-0..N.
#   scripts/tests/data/record-steps.sh OUT.jsonl.gz [RUNS] [INSNS]
# Run from the top of the tree after `make all build/kisol-slowdown-exec`.
# steps.jsonl.gz was recorded with RUNS=8, INSNS=1500.
set -eu
out=${1:?usage: $0 OUT.jsonl.gz [RUNS] [INSNS]}
runs=${2:-8}
insns=${3:-1000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sel="--only setns.uts --only setns.ipc --only setns.net --only unshare.uts --only unshare.cgroup
     --only cgroup.write.pids.v1:pids --only cgroup.migrate.v1:pids"
one() {
	id=$1
	shift
	PYTHONPATH=scripts "$@" /usr/bin/python3 -m kisol.bench $sel --rounds 3 --budget-ms 300 \
		--results "$tmp" --run-id "$id" > /dev/null
	sed -e 's/,"raw":\[[^]]*\]//' "$tmp/$id/bench.jsonl" >> "$tmp/all.jsonl"
}
i=0
while [ $i -lt "$runs" ]; do
	one "base-$i" env
	one "slow-$i" build/kisol-slowdown-exec "$insns"
	i=$((i + 1))
done
gzip -9 < "$tmp/all.jsonl" > "$out"
echo "$(zcat "$out" | wc -l) records in $out"
