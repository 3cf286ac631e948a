# SPDX-License-Identifier: GPL-2.0-only
"""`make report`: run the cases and the default benchmarks, store the run in
the history database, and write reports/out/index.html with gnuplot charts and
a comparison against the most recent earlier run (or --base).

usage: python3 -m kisol.report [--from RUN] [--base RUN] [--no-cases] [--no-bench] [--quick] ...

With --from nothing is run: an existing results directory, file or stored run
is rendered (and stored unless --no-store).
"""

import argparse
import json
import os
import re
import select
import shlex
import sqlite3
import subprocess
import sys
import time

from kisol import cli, history, report_html, report_plot, results
from kisol.compare import Comparison
from kisol.rundata import InputError, latest_mutation, load_dir
from kisol.usage import Parser

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = "/usr/bin/python3"
TREND_MAX = 6


def progress(msg):
    print(f"[report] {msg}", flush=True)


def build_parser():
    p = Parser(prog="kisol-report", description="Run kisol and write an HTML report.")
    p.add_argument("--from", dest="from_", metavar="RUN",
                   help="render an existing run (directory, file or stored run id); run nothing")
    p.add_argument("--base", metavar="RUN", help="compare against this run "
                   "(default: the most recent earlier stored run of this host)")
    p.add_argument("--no-compare", action="store_true", help="no comparison section")
    p.add_argument("--no-cases", action="store_true", help="do not run the cases")
    p.add_argument("--no-bench", action="store_true", help="do not run the benchmarks")
    p.add_argument("--quick", action="store_true", help="quick benchmark set (CI smoke test)")
    p.add_argument("--areas", default="", help="only these case areas (space separated)")
    p.add_argument("--jobs", type=int, default=2, help="parallel case workers (default 2)")
    p.add_argument("--repeat", type=int, default=1,
                   help="benchmark repetitions (>= 5 lets compare test on repetition medians)")
    p.add_argument("--bench-driver", metavar="SCRIPT", help=argparse.SUPPRESS)
    p.add_argument("--bench-args", default="", help="extra arguments for the bench driver")
    p.add_argument("--results", default="results", help="results directory (default results)")
    p.add_argument("--db", default=history.DEFAULT_DB, help="history database")
    p.add_argument("--no-store", action="store_true", help="do not store the run in the history")
    p.add_argument("--out", default="reports/out", help="output directory (default reports/out)")
    p.add_argument("--threshold", type=float, default=5.0, help="regression threshold percent")
    p.add_argument("--min-effect", type=float, default=5.0, help="minimum significant change percent")
    p.add_argument("--alpha", type=float, default=0.01, help="significance level of compare's t test")
    return p


def new_run_dir(results_dir):
    facts = results.host_facts()
    rid = results.make_run_id(facts["host"], facts["kernel"])
    return rid, os.path.join(results_dir, rid)


def run_cases(run_dir, args):
    paths = [f"cases/{a}" for a in args.areas.split()] or ["cases"]
    cmd = [PYTHON, "-m", "pytest", "-c", "scripts/pytest.ini", "--rootdir=.", "-v",
           "-p", "no:cacheprovider", "-n", str(args.jobs)] + paths + \
          [f"--kisol-results={run_dir}", f"--junitxml={os.path.join(run_dir, 'junit.xml')}"]
    progress("cases: " + " ".join(shlex.quote(c) for c in cmd))
    t0 = time.monotonic()
    env = dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts"))
    rc = subprocess.call(cmd, cwd=TOP, env=env)
    progress(f"cases done in {time.monotonic() - t0:.1f} s (pytest exit {rc})")
    return rc


def bench_command(results_dir, rid, args):
    """The bench driver (kisol.bench, owner: bench) writing
    <results_dir>/<rid>/bench.jsonl with raw samples."""
    if args.bench_driver:               # a script with the same options (tests)
        cmd = [PYTHON, args.bench_driver]
    elif os.path.exists(os.path.join(TOP, "scripts", "kisol", "bench.py")):
        cmd = [PYTHON, "-m", "kisol.bench"]
    else:
        return None
    cmd += ["--results", results_dir, "--run-id", rid, "--raw"]
    if args.quick:
        cmd.append("--quick")
    if args.repeat > 1:
        cmd += ["--repeat", str(args.repeat)]
    return cmd + shlex.split(args.bench_args)


def _bench_progress(path, seen, total):
    """Print one progress line per new record in bench.jsonl."""
    try:
        with open(path) as f:
            f.seek(seen[0])
            data = f.read()
    except OSError:
        return
    end = data.rfind("\n")
    if end < 0:
        return
    seen[0] += len(data[:end + 1].encode())
    for line in data[:end].split("\n"):
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("schema") != "kisol-bench/1":
            continue
        seen[1] += 1
        of = f" of ~{total[0]}" if total[0] else ""
        med = rec.get("median")
        progress(f"bench {seen[1]}{of}: {rec.get('benchmark')} median {med} {rec.get('unit', '')}")


def run_bench(results_dir, rid, args):
    cmd = bench_command(results_dir, rid, args)
    if cmd is None:
        progress("benchmarks: no driver (scripts/kisol/bench.py), skipped")
        return 0
    progress("benchmarks: " + " ".join(shlex.quote(c) for c in cmd))
    t0 = time.monotonic()
    env = dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts"))
    out = os.path.join(results_dir, rid, "bench.jsonl")
    proc = subprocess.Popen(cmd, cwd=TOP, env=env, stdout=subprocess.PIPE, text=True, bufsize=1)
    seen, total = [0, 0], [0]
    # Echo the driver's output and, whenever it is quiet for a second,
    # report the records it has written so far.
    while True:
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready:
            line = proc.stdout.readline()
            if not line:
                break
            m = re.match(r"kisol bench: (\d+) measurements x (\d+)", line)
            if m:
                total[0] = int(m.group(1)) * int(m.group(2))
            sys.stdout.write(line)
            sys.stdout.flush()
        _bench_progress(out, seen, total)
    rc = proc.wait()
    _bench_progress(out, seen, total)
    progress(f"benchmarks done in {time.monotonic() - t0:.1f} s (exit {rc})")
    return rc


def ensure_run_json(run_dir, rid, started):
    if os.path.exists(os.path.join(run_dir, "run.json")):
        return
    run = dict(results.host_facts(), schema="kisol-run/1", run_id=rid, started=started,
               finished=time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
               vm=False, vm_accel=None, complete=True)
    results.write_run(run_dir, run)


def _mark_finished(run_dir):
    """The run ends after the benchmarks: update run.json's finished time."""
    path = os.path.join(run_dir, "run.json")
    try:
        with open(path) as f:
            run = json.load(f)
        run["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        with open(path + ".tmp", "w") as f:
            json.dump(run, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(path + ".tmp", path)
    except (OSError, ValueError):
        pass


def trend_figures(db, run, imgdir, cmp):
    if not os.path.exists(db) or len(history.list_runs(db)) < 2:
        return []
    names = []
    if cmp is not None:
        names += [r["benchmark"] for r in cmp.rows if any(r["sig"][1:])]
    # then the floors and the first benchmark of each family (sweeps and the
    # harness self-checks have their own charts)
    fams = set()
    for b in run.bench:
        name = b["benchmark"]
        fam = name.split(".", 1)[0]
        if fam in ("harness", "scale") or (fam in fams and fam != "floor"):
            continue
        fams.add(fam)
        names.append(name)
    figs, seen = [], set()
    for name in names:
        if name in seen or len(figs) >= TREND_MAX:
            continue
        seen.add(name)
        series = history.trend(db, name)
        if not series or max(len(v) for v in series.values()) < 2:
            continue
        path = os.path.join(imgdir, "trend-" + report_plot._slug(name) + ".svg")
        try:
            figs.append((report_plot.trend_chart(series, path, f"{name}: median across runs",
                                                 workdir=imgdir), f"{name}: median per stored run"))
        except InputError as e:
            print(f"kisol-report: warning: chart left out: {e}", file=sys.stderr)
    for f in os.listdir(imgdir):
        if f.endswith(".dat"):
            os.unlink(os.path.join(imgdir, f))
    return figs


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return _main(args)
    except InputError as e:
        print(f"kisol-report: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"kisol-report: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
        return 2
    except sqlite3.Error as e:
        print(f"kisol-report: {args.db}: {e}", file=sys.stderr)
        return 2


def _main(args):
    os.chdir(TOP) if not args.from_ else None
    status = 0
    # a wrong --base fails before anything runs, not after the whole run
    given_base = cli.resolve(args.base, args.results, args.db) if args.base else None
    if args.from_:
        run = cli.resolve(args.from_, args.results, args.db)
    else:
        rid, run_dir = new_run_dir(args.results)
        os.makedirs(run_dir, exist_ok=True)
        started = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        steps = (not args.no_cases) + (not args.no_bench) + 2
        step = 0
        progress(f"run {rid} -> {run_dir}")
        if not args.no_cases:
            step += 1
            progress(f"step {step}/{steps}: cases")
            rc = run_cases(run_dir, args)
            if rc not in (0, 1, 5):     # 1 = some cases failed: shown in the report
                progress(f"WARNING: the case driver did not complete (pytest exit {rc})")
                status = 1
        if not args.no_bench:
            step += 1
            progress(f"step {step}/{steps}: benchmarks")
            rc = run_bench(args.results, rid, args)
            if rc not in (0, 1):
                progress(f"WARNING: the benchmark driver did not complete (exit {rc})")
                status = 1
        ensure_run_json(run_dir, rid, started)
        if not args.no_bench:
            _mark_finished(run_dir)
        run = load_dir(run_dir)
        progress(f"step {step + 1}/{steps}: store in {args.db}")
        progress(f"step {step + 2}/{steps}: report")
    if not args.no_store:
        history.store(args.db, run)
    cmp = None
    if not args.no_compare:
        base = given_base if args.base else \
            history.previous_run(args.db, run.run_id, run.run.get("host"),
                                 bool(run.run.get("vm")))
        if base is not None:
            cmp = Comparison([base, run], alpha=args.alpha, min_effect=args.min_effect,
                             threshold=args.threshold,
                             noise=cli.history_noise(args.db, [base, run]))
    imgdir = os.path.join(args.out, "img")
    os.makedirs(imgdir, exist_ok=True)
    trends = trend_figures(args.db, run, imgdir, cmp) if not args.no_store else []
    if run.mutation is None:
        # the newest `make mutate` of this kernel, when there is one
        try:
            run.mutation = latest_mutation(args.results, run.run.get("kernel"))
        except InputError:
            run.mutation = None
    page = report_html.render(run, args.out, cmp, trends)
    counts = {}
    for c in run.cases:
        counts[c.get("verdict")] = counts.get(c.get("verdict"), 0) + 1
    progress("cases: " + (", ".join(f"{n} {v}" for v, n in sorted(counts.items())) or "none")
             + f"; {len(run.bench)} benchmark records")
    progress(f"wrote {page}")
    if cmp is not None:
        progress(f"comparison against {cmp.runs[0].run_id}: "
                 f"{'REGRESSION' if cmp.failed else 'no regression'}")
    return 1 if status else 0


if __name__ == "__main__":
    sys.exit(main())
