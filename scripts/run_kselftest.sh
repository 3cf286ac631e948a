#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# kisol install-tree runner, in the kselftest layout: runs every collection
# in kselftest-list.txt (or the ones chosen with -c / -t) and prints KTAP.
# POSIX sh only: works under busybox, needs no compiler and no Python.
BASE_DIR=$(cd "$(dirname "$0")" && pwd)
LIST="$BASE_DIR/kselftest-list.txt"

usage() {
	cat <<USAGE
Usage: $0 [-c COLLECTION]... [-t COLLECTION:BINARY]... [-l] [-s] [-h]
  -c COLLECTION          run all binaries of a collection (e.g. kisol/utsns)
  -t COLLECTION:BINARY   run one binary (e.g. kisol/utsns:hostname)
  -l                     list the available binaries
  -s                     summary only (do not print each binary's output)
  -h                     this help
With no -c/-t every binary runs. Per-collection timeouts come from
kisol/<area>/settings (timeout=N seconds, 0 = none).
USAGE
}

[ -r "$LIST" ] || { echo "run_kselftest.sh: $LIST missing" >&2; exit 2; }
sel=""
summary=0
while getopts "c:t:lsh" opt; do
	case "$opt" in
	c) sel="$sel $(grep "^$OPTARG:" "$LIST" | tr '\n' ' ')"
	   grep -q "^$OPTARG:" "$LIST" || { echo "run_kselftest.sh: no collection '$OPTARG'" >&2; exit 2; } ;;
	t) grep -qx "$OPTARG" "$LIST" || { echo "run_kselftest.sh: no test '$OPTARG'" >&2; exit 2; }
	   sel="$sel $OPTARG" ;;
	l) cat "$LIST"; exit 0 ;;
	s) summary=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ -n "$sel" ] || sel=$(cat "$LIST")

total=0
for t in $sel; do total=$((total + 1)); done
echo "TAP version 13"
echo "1..$total"

n=0
rc=0
for t in $sel; do
	n=$((n + 1))
	coll=${t%%:*}
	bin=${t#*:}
	dir="$BASE_DIR/$coll"
	timeout=45
	if [ -r "$dir/settings" ]; then
		v=$(sed -n 's/^timeout=\([0-9]*\).*/\1/p' "$dir/settings")
		[ -n "$v" ] && timeout=$v
	fi
	echo "# selftests: $coll: $bin"
	out="${TMPDIR:-/tmp}/kisol-ktap-p$$"  # owner pid: other runs' leak checks skip it
	if [ "$timeout" -gt 0 ] && command -v timeout >/dev/null 2>&1; then
		(cd "$dir" && timeout "$timeout" "./$bin") >"$out" 2>&1
	else
		(cd "$dir" && "./$bin") >"$out" 2>&1
	fi
	status=$?
	[ "$summary" = 1 ] || sed 's/^/# /' "$out"
	rm -f "$out"
	case "$status" in
	0) echo "ok $n selftests: $coll: $bin" ;;
	4) echo "ok $n selftests: $coll: $bin # SKIP" ;;
	124) echo "not ok $n selftests: $coll: $bin # TIMEOUT $timeout seconds"; rc=1 ;;
	*) echo "not ok $n selftests: $coll: $bin # exit=$status"; rc=1 ;;
	esac
done
exit $rc
