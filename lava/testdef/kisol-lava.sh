#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run the kisol install tree and report every harness test as a LAVA test
# case (lava-test-case, grouped per area with lava-test-set), benchmark
# medians as measurements.  Outside LAVA (no lava-test-case on PATH) the same
# results are printed, one line each: "<set> <case> <result> [<value> <units>]".
# POSIX sh + awk: runs under busybox, needs no compiler and no Python.
#
# Names: case "<binary>.<fixture.variant.test>" in set "<area>"; a binary
# that crashed, timed out or stopped early gives "<binary>.__binary__" (fail);
# a binary that skipped as a whole "<binary>.__all__" (skip).  LAVA knows
# pass/fail/skip/unknown only: a known-bug XFAIL is reported as pass, an
# XPASS as fail.  The raw KTAP (with reasons and XFAILs) and the benchmark
# JSON records are printed between "KISOL-LAVA" marker lines, so the job log
# carries everything kisol's importer (kisol.lava import) needs.
usage() {
	cat <<USAGE
Usage: $0 [-t TREE] [-u TREE_URL] [-a "AREAS"] [-b quick|none] [-o OUTDIR]
  -t TREE      install tree (make install), default /opt/kisol
  -u TREE_URL  tarball of an install tree to fetch (wget/curl) and unpack first
  -a AREAS     space separated areas (default: all)
  -b BENCH     quick: run the tree's bench/plan-quick.sh; none (default)
  -o OUTDIR    where ktap.txt, results.txt and bench.jsonl go (default ./output)
USAGE
}

TREE=/opt/kisol TREE_URL= AREAS= BENCH=none OUTDIR=$(pwd)/output
while getopts "t:u:a:b:o:h" opt; do
	case "$opt" in
	t) TREE=$OPTARG ;;
	u) TREE_URL=$OPTARG ;;
	a) AREAS=$OPTARG ;;
	b) BENCH=$OPTARG ;;
	o) OUTDIR=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
case "$BENCH" in quick|none|"") ;; *) echo "kisol-lava: bad -b '$BENCH' (quick or none)" >&2; exit 2 ;; esac
mkdir -p "$OUTDIR" || exit 2

LAVA=0
command -v lava-test-case >/dev/null 2>&1 && LAVA=1

fetch_tree() {	# fetch_tree URL: unpack into $OUTDIR/tree, set TREE
	tgz="$OUTDIR/kisol-tree.tar.gz"
	if command -v wget >/dev/null 2>&1; then
		wget -q -O "$tgz" "$1"
	elif command -v curl >/dev/null 2>&1; then
		curl -fsSL -o "$tgz" "$1"
	else
		echo "kisol-lava: neither wget nor curl to fetch $1" >&2
		return 1
	fi || { echo "kisol-lava: cannot fetch $1" >&2; return 1; }
	rm -rf "$OUTDIR/tree" && mkdir -p "$OUTDIR/tree" &&
		tar -xzf "$tgz" -C "$OUTDIR/tree" || return 1
	TREE=$OUTDIR/tree
	[ -x "$TREE/run_kselftest.sh" ] || TREE=$(dirname "$(find "$OUTDIR/tree" -name run_kselftest.sh | head -n 1)")
}

report() {	# report SET CASE RESULT [MEASUREMENT UNITS]
	if [ "$LAVA" = 1 ]; then
		if [ $# -ge 5 ]; then
			lava-test-case "$2" --result "$3" --measurement "$4" --units "$5"
		else
			lava-test-case "$2" --result "$3"
		fi
	else
		echo "$*"
	fi
}

set_start() { [ "$LAVA" = 1 ] && lava-test-set start "$1"; }
set_stop() { [ "$LAVA" = 1 ] && lava-test-set stop; }

if [ -n "$TREE_URL" ]; then
	fetch_tree "$TREE_URL" || { report kisol tree fail; exit 1; }
fi
if [ ! -x "$TREE/run_kselftest.sh" ]; then
	echo "kisol-lava: no install tree at '$TREE' (run_kselftest.sh missing)" >&2
	report kisol tree fail
	exit 1
fi

# ---- cases ----
args=
for a in $AREAS; do args="$args -c kisol/${a#kisol/}"; done
echo "KISOL-LAVA ktap-begin tree=$TREE kernel=$(uname -r)"
# Streamed (tee) so the job log shows progress; the exit status via a file.
# shellcheck disable=SC2086
{ (cd "$TREE" && ./run_kselftest.sh $args) 2>&1; echo $? > "$OUTDIR/ktap.rc"; } | tee "$OUTDIR/ktap.txt"
echo "KISOL-LAVA ktap-end rc=$(cat "$OUTDIR/ktap.rc")"

# One line per result: area <TAB> case <TAB> result.  Only the first nesting
# level (one "# " prefix) holds a binary's own results.
awk '
function emit(verdict, name) {
	res = verdict
	if (verdict == "xfail") res = "pass"
	if (verdict == "xpass" || verdict == "error") res = "fail"
	printf "%s\t%s.%s\t%s\n", area, bin, name, res
}
/^# selftests: / {
	area = $3; sub(/:$/, "", area); sub(/^kisol\//, "", area); bin = $4
	plan = -1; n = 0; failed = 0; next
}
/^# 1\.\.[0-9]+/ { if (plan < 0) { plan = substr($2, 4) + 0 }; next }
/^# (ok|not ok) [0-9]+ / {
	line = substr($0, 3); ok = (line ~ /^ok /)
	sub(/^(not )?ok [0-9]+ /, "", line)
	name = line; dir = ""
	i = index(line, " # ")
	if (i > 0) { name = substr(line, 1, i - 1); dir = substr(line, i + 3) }
	sub(/[ \t]+$/, "", name)
	v = ok ? "pass" : "fail"
	if (dir ~ /^[Ss][Kk][Ii][Pp]/) v = "skip"
	else if (dir ~ /^XFAIL/) v = "xfail"
	else if (dir ~ /^XPASS/) v = "xpass"
	else if (dir ~ /^TIMEOUT/) v = "fail"
	if (v == "fail" || v == "xpass") failed++
	n++
	emit(v, name); next
}
/^(ok|not ok) [0-9]+ selftests: / {
	if ($0 ~ /^ok / && $0 ~ /# SKIP/ && n == 0) emit("skip", "__all__")
	else if (plan >= 0 && n < plan) emit("error", "__binary__")
	else if (n == 0 && plan < 0) emit("error", "__binary__")
	else if ($0 ~ /^not ok / && failed == 0) emit("error", "__binary__")
	area = ""; bin = ""
}
' "$OUTDIR/ktap.txt" > "$OUTDIR/results.txt"

cur=
tab=$(printf '\t')
while IFS="$tab" read -r area tcase res; do
	if [ "$area" != "$cur" ]; then
		[ -n "$cur" ] && set_stop
		set_start "$area"
		cur=$area
	fi
	report "$area" "$tcase" "$res"
done < "$OUTDIR/results.txt"
[ -n "$cur" ] && set_stop
if [ ! -s "$OUTDIR/results.txt" ]; then
	report kisol run fail	# the runner produced no result at all
fi

# ---- benchmarks: median of each record as a measurement ----
bench_one() {	# bench_one <id> <timeout> <argv...> (lines of bench/plan-quick.sh)
	id=$1 t=$2
	shift 2
	if command -v timeout >/dev/null 2>&1; then
		timeout "$t" "$@"
	else
		"$@"
	fi >> "$OUTDIR/bench.jsonl" 2>/dev/null || echo "kisol-lava: benchmark $id: exit $?" >&2
}
if [ "$BENCH" = quick ]; then
	if [ -r "$TREE/bench/plan-quick.sh" ]; then
		: > "$OUTDIR/bench.jsonl"
		# shellcheck disable=SC1091
		(cd "$TREE" && . ./bench/plan-quick.sh)
		echo "KISOL-LAVA bench-begin"
		cat "$OUTDIR/bench.jsonl"
		echo "KISOL-LAVA bench-end"
		set_start bench
		awk '
		function str(k,   i, s) {
			i = index($0, "\"" k "\":\""); if (!i) return ""
			s = substr($0, i + length(k) + 4); return substr(s, 1, index(s, "\"") - 1)
		}
		function num(k,   i, s) {
			i = index($0, "\"" k "\":"); if (!i) return ""
			s = substr($0, i + length(k) + 3); sub(/[,}].*/, "", s); return s
		}
		function params(   i, s) {
			i = index($0, "\"params\":{"); if (!i) return ""
			s = substr($0, i + 10); s = substr(s, 1, index(s, "}") - 1)
			gsub(/"/, "", s); gsub(/:/, "=", s); gsub(/,/, ".", s); return s
		}
		/^\{/ {
			name = str("benchmark"); p = params(); if (p != "") name = name "." p
			gsub(/[^-_a-zA-Z0-9.=]/, "_", name); gsub(/=/, "-", name)
			if (name != "" && num("median") != "") print name "\t" num("median") "\t" str("unit")
		}' "$OUTDIR/bench.jsonl" | while IFS="$tab" read -r name med unit; do
			report bench "$name" pass "$med" "$unit"
		done
		set_stop
	else
		echo "kisol-lava: $TREE/bench/plan-quick.sh missing (make lava-tree writes it)" >&2
		report bench plan skip
	fi
fi
exit 0
