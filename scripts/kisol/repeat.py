# SPDX-License-Identifier: GPL-2.0-only
"""Repeatability: run the cases several times and compare verdicts per test id.

usage: /usr/bin/python3 -m kisol.repeat [--runs N] [--hogs K] [--serial]
                                        [--jobs J] [--areas "a b"] [--out DIR]

Configurations, each compared with the first run of the first one:
  quiet   N runs with -n J (default 2), nothing else running of ours;
  hogs    N runs with -n J while K processes spin on the CPUs (--hogs K);
  serial  one run with -n 0 (--serial).
A test id whose verdict differs between any two runs is reported with the
verdict of every run; so is a run that leaked host state, or that did not
complete. Exit status 0 when every run agrees, 1 otherwise, 2 on bad input.
Speed is not compared: only verdicts.
"""
import json
import os
import signal
import subprocess
import sys
import time

from kisol import results
from kisol.usage import Parser

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class UserError(Exception):
    pass


def start_hogs(n):
    """n processes that spin on the CPU until stopped (they also stop when
    we die: each polls its parent)."""
    code = "import os\nppid = os.getppid()\nwhile os.getppid() == ppid:\n    for _ in range(100000): pass\n"
    return [subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL)
            for _ in range(n)]


def stop_hogs(hogs):
    for h in hogs:
        h.send_signal(signal.SIGKILL)
    for h in hogs:
        h.wait()


def one_run(top, out, jobs, areas, extra):
    """Run the cases once into out; returns ({id: verdict}, leaks, seconds, pytest status)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KISOL_", "PYTEST_"))}
    env["PYTHONPATH"] = os.path.join(TOP, "scripts")
    cmd = [sys.executable, "-m", "pytest", "-c", os.path.join(TOP, "scripts", "pytest.ini"),
           f"--rootdir={top}", "-p", "no:cacheprovider", "-q", "-n", str(jobs),
           f"--kisol-results={out}"] + ([f"cases/{a}" for a in areas] or ["cases"]) + extra
    os.makedirs(out, exist_ok=True)
    t0 = time.monotonic()
    with open(os.path.join(out, "pytest.log"), "w") as log:
        p = subprocess.run(cmd, cwd=top, env=env, stdout=log, stderr=subprocess.STDOUT)
    secs = time.monotonic() - t0
    try:
        run = results.load_run(out)
    except results.ResultsError as e:
        return {}, [f"no results ({e}); pytest exit {p.returncode}"], secs, p.returncode
    return {c["id"]: c["verdict"] for c in run["cases"]}, run.get("leaks", []), secs, p.returncode


def compare(runs):
    """runs: [(label, {id: verdict})]. Returns {id: [verdict per run]} of the
    ids whose verdict is not the same in every run ('-' where missing)."""
    ids = set()
    for _, v in runs:
        ids |= set(v)
    diff = {}
    for i in sorted(ids):
        vs = [v.get(i, "-") for _, v in runs]
        if len(set(vs)) > 1:
            diff[i] = vs
    return diff


def parse_args(argv):
    ap = Parser(prog="kisol.repeat", description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=10, help="runs per configuration (10)")
    ap.add_argument("--hogs", type=int, default=0, help="also N runs with this many CPU hogs")
    ap.add_argument("--serial", action="store_true", help="also one run with -n 0")
    ap.add_argument("--jobs", default="2", help="pytest-xdist workers of the parallel runs (2)")
    ap.add_argument("--areas", default="", help="space separated areas (default: all)")
    ap.add_argument("--top", default=TOP, help="tree holding cases/ (default: this checkout)")
    ap.add_argument("--out", default="", help="directory for the runs (default results/repeat-<time>)")
    ap.add_argument("pytest_args", nargs="*", help="more pytest options (after --)")
    a = ap.parse_args(argv)
    if a.runs < 1:
        raise UserError(f"--runs {a.runs}: need at least 1")
    if a.hogs < 0:
        raise UserError(f"--hogs {a.hogs}: need 0 or more")
    if not (a.jobs.isdigit() or a.jobs in ("auto", "logical")):
        raise UserError(f"--jobs '{a.jobs}': expected a number, auto or logical")
    a.areas = a.areas.split()
    for ar in a.areas:
        if not os.path.isdir(os.path.join(a.top, "cases", ar)):
            raise UserError(f"no area '{ar}' in {a.top}/cases")
    if not a.out:
        a.out = os.path.join(TOP, "results", time.strftime("repeat-%Y%m%d-%H%M%S"))
    return a


def plan(a):
    steps = [("quiet", a.jobs, 0, i) for i in range(a.runs)]
    if a.hogs:
        steps += [(f"hogs{a.hogs}", a.jobs, a.hogs, i) for i in range(a.runs)]
    if a.serial:
        steps.append(("serial", "0", 0, 0))
    return steps


def main(argv=None):
    try:
        a = parse_args(sys.argv[1:] if argv is None else argv)
    except UserError as e:
        print(f"kisol.repeat: {e}", file=sys.stderr)
        return 2
    os.makedirs(a.out, exist_ok=True)
    runs, bad = [], []
    for label, jobs, nhogs, i in plan(a):
        name = f"{label}-{i + 1}"
        hogs = start_hogs(nhogs)
        try:
            verdicts, leaks, secs, rc = one_run(a.top, os.path.join(a.out, name), jobs, a.areas,
                                                a.pytest_args)
        finally:
            stop_hogs(hogs)
        counts = {}
        for v in verdicts.values():
            counts[v] = counts.get(v, 0) + 1
        print(f"{name:10s} -n {jobs:4s} {secs:7.1f} s  {len(verdicts):5d} cases  "
              + " ".join(f"{v}:{n}" for v, n in sorted(counts.items())), flush=True)
        if leaks:
            bad.append(f"{name}: host state changed: " + "; ".join(leaks[:5]))
        if rc not in (0, 1):
            bad.append(f"{name}: pytest exit {rc} (see {a.out}/{name}/pytest.log)")
        runs.append((name, verdicts))
    diff = compare(runs)
    summary = {"runs": [n for n, _ in runs], "differ": diff, "problems": bad}
    with open(os.path.join(a.out, "repeat.json"), "w") as f:
        json.dump(summary, f, indent=1)
    for i, vs in diff.items():
        print(f"DIFFERS {i}: " + " ".join(f"{n}={v}" for (n, _), v in zip(runs, vs)))
    for b in bad:
        print(f"PROBLEM {b}")
    print(f"{len(runs)} runs, {len(runs[0][1])} cases in the first, {len(diff)} with differing "
          f"verdicts, {len(bad)} problems; {a.out}/repeat.json")
    return 1 if diff or bad else 0


if __name__ == "__main__":
    sys.exit(main())
