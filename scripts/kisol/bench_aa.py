# SPDX-License-Identifier: GPL-2.0-only
"""Is one benchmark run per kernel trustworthy here? (scripts/bench-aa)

Runs the default benchmark set (what `make bench` runs) several times in
this order, each a complete run of its own:

    q1  busy  q2  q3  slow1  q4  slow2  q5  slow3

q = quiet (the machine as it is), busy = with one CPU hog spinning for the
whole run, slow = under a real kernel-side slowdown the benchmarks know
nothing about (build/kisol-slowdown-exec: a seccomp filter doing INSNS
instructions of work on every system call of the driver and everything it
starts). It then reports:

- A/A: rows compare flags between q1 and q2 (the busy run in between) and
  between q2 and q3 (back to back), out of all rows and out of the median
  rows (the only ones with a significance test);
- A/A over every pair of the five quiet runs (10 pairs), and q1 against
  busy (does one CPU hog really move the medians?);
- sensitivity: each slow run against the quiet run before it (q3/slow1,
  q4/slow2, q5/slow3); the true slowdown of every benchmark is measured
  from the runs that pair does not contain (median of the other slow runs
  against the median of the other quiet runs); counted are the rows slowed
  by 10% or more, and among them those whose detectable effect is at most
  their slowdown (the rows this host's noise lets any test see);
- noise: how much of the between-run wander the rounds inside a run see
  (the run noise factor compare --run-noise takes);
- repeatability: the CV of the median across q1..q5 for the benchmarks
  whose median is above 10 us;
- the wall time of every run and the load average around it.

    scripts/bench-aa [--out DIR] [--insns N] [--reuse] [-- driver options]
"""

import itertools
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time

from kisol.compare import RUN_NOISE, Comparison, _rekey, group_bench
from kisol.history import noise_of
from kisol.rundata import fmt_val, load_dir, semantic_key
from kisol.usage import Parser

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = "/usr/bin/python3"
SLOWDOWN = os.path.join(TOP, "build", "kisol-slowdown-exec")
SEQUENCE = (("q1", "quiet"), ("busy", "busy"), ("q2", "quiet"), ("q3", "quiet"),
            ("slow1", "slow"), ("q4", "quiet"), ("slow2", "slow"), ("q5", "quiet"),
            ("slow3", "slow"))
QUIET = ("q1", "q2", "q3", "q4", "q5")


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def run_one(name, kind, outdir, insns, driver_args):
    """One complete benchmark run -> facts dict (wall time, load)."""
    cmd = [PYTHON, "-m", "kisol.bench", "--results", outdir, "--run-id", name] + driver_args
    if kind == "slow":
        cmd = [SLOWDOWN, str(insns)] + cmd
    env = dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts"))
    hog = None
    if kind == "busy":
        hog = subprocess.Popen([PYTHON, "-c", "while True: pass"])
    load0, t0 = loadavg(), time.monotonic()
    try:
        with open(os.path.join(outdir, f"{name}.log"), "w") as log:
            rc = subprocess.run(cmd, cwd=TOP, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    facts = {"run": name, "kind": kind, "exit": rc, "seconds": round(time.monotonic() - t0, 1),
             "load_before": load0, "load_after": loadavg()}
    with open(os.path.join(outdir, f"{name}.facts.json"), "w") as f:
        json.dump(facts, f)
    return facts


def _median(xs):
    return statistics.median(xs) if xs else None


def run_medians(run):
    """{semantic key: (label, median of the run's round medians, unit)}."""
    out = {}
    for g in _rekey(group_bench(run.bench)).values():
        meds = [r["median"] for r in g.records if isinstance(r.get("median"), (int, float))]
        if meds:
            out[semantic_key(g.records[0])] = (g.label, _median(meds), g.unit, g.better)
    return out


def aa(base, new, noise=None, run_noise=None):
    """-> dict: flagged rows of compare(base, new) out of all and median rows."""
    c = Comparison([base, new], noise=noise or {},
                   run_noise=RUN_NOISE if run_noise is None else run_noise)
    med = [r for r in c.rows if r["stat"] == "median"]
    flagged = [r for r in med if r["sig"][1]]
    return {"flagged": len(flagged), "median_rows": len(med), "rows": len(c.rows),
            "which": [(r["label"], round(r["pct"][1], 1)) for r in flagged],
            "regressions": len(c.regressions)}


def truth(base_runs, slow_runs):
    """{semantic key: (label, true slowdown %, its standard error %)} from
    independent runs: the median over the slow runs of the run medians
    against the same over the base runs (positive = slower). The standard
    error comes from the spread of the run medians on both sides (None
    with a single run on a side)."""
    bm = [run_medians(r) for r in base_runs]
    sm = [run_medians(r) for r in slow_runs]
    out = {}
    for k in bm[0]:
        bs = [m[k][1] for m in bm if k in m and m[k][1]]
        ss = [m[k][1] for m in sm if k in m and m[k][1]]
        b, s = _median(bs), _median(ss)
        if b and s and bm[0][k][3] != "higher":
            se = None
            if len(bs) > 1 and len(ss) > 1:
                var = sum(statistics.variance([math.log(x) for x in xs]) / len(xs)
                          for xs in (bs, ss))
                se = math.sqrt(var) * 100
            out[k] = (bm[0][k][0], (s / b - 1) * 100, se)
    return out


def sensitivity(judge_base, judge_slow, true, threshold=10.0, run_noise=None):
    """Rows slowed by >= threshold% (true: from truth()) and whether
    compare(judge_base, judge_slow) flags them as significantly slower."""
    c = Comparison([judge_base, judge_slow],
                   run_noise=RUN_NOISE if run_noise is None else run_noise)
    rows = []
    for r in c.rows:
        if r["stat"] != "median":
            continue
        k = semantic_key(next(g for g in c.groups[0].values() if g.label == r["label"]).records[0]) \
            if any(g.label == r["label"] for g in c.groups[0].values()) else None
        if k not in true or true[k][1] < threshold:
            continue
        hit = bool(r["sig"][1]) and (r["pct"][1] or 0) < 0
        rows.append({"label": r["label"], "true_pct": round(true[k][1], 1),
                     "true_se": round(true[k][2], 1) if true[k][2] is not None else None,
                     "seen_pct": round(-(r["pct"][1] or 0), 1), "flagged": hit,
                     "detectable": round(r["mde"][1], 1) if r["mde"][1] is not None else None})
    return rows


def run_noise_factor(runs):
    """How much a whole run's level wanders beyond what its rounds see:
    over the benchmarks with rounds in every run, the variance of the run
    means of the log round medians against the within-run variance of the
    log round medians over n (pooled over benchmarks). compare's
    --run-noise is this factor: 0 when the rounds see all of the wander.
    -> (factor, number of benchmarks) or None."""
    per = {}
    for r in runs:
        for g in _rekey(group_bench(r.bench)).values():
            xs = [math.log(x["median"]) for x in g.records
                  if isinstance(x.get("median"), (int, float)) and x["median"] > 0]
            if len(xs) >= 3:
                per.setdefault(semantic_key(g.records[0]), []).append(xs)
    between = within = 0.0
    nb = 0
    for k, runs_xs in per.items():
        if len(runs_xs) < len(runs) or len(runs) < 2:
            continue
        n = statistics.mean(len(x) for x in runs_xs)
        w = statistics.mean(statistics.variance(x) for x in runs_xs)
        between += statistics.variance([statistics.mean(x) for x in runs_xs])
        within += w / n
        nb += 1
    if not nb or within <= 0:
        return None
    return max(0.0, between / within - 1.0), nb


def repeatability(runs, above_ns=10000):
    """[(label, CV % of the run medians, median)] for ns benchmarks whose
    median is above above_ns."""
    meds = [run_medians(r) for r in runs]
    out = []
    for k, (label, _, unit, _b) in meds[0].items():
        xs = [m[k][1] for m in meds if k in m]
        if unit != "ns" or len(xs) < len(runs) or statistics.mean(xs) <= above_ns:
            continue
        out.append((label, statistics.stdev(xs) / statistics.mean(xs) * 100, _median(xs)))
    return out


HEADLINE = (
    ("floor.getppid", {}, "floor.getppid (null syscall)"),
    ("floor.fork_exit_wait", {}, "floor.fork_exit_wait"),
    ("clone.none.create_exit_reap", {}, None),
    ("clone.newnet.create", {}, None),
    ("clone.newnet.create_exit_reap", {}, None),
    ("clone.newipc.create_exit_reap", {}, None),
    ("clone.runc.create_exit_reap", {}, None),
    ("unshare.net", {}, None),
    ("unshare.user", {}, None),
    ("setns.net", {}, None),
    ("setns.pidfd.crun", {}, None),
    ("teardown.net", {}, None),
    ("teardown.ipc", {}, None),
    ("pivot_root.syscall", {}, None),
    ("pivot_root.sequence", {}, None),
    ("mount.overlay.mount", {"lowers": 1}, "mount.overlay.mount[lowers=1]"),
    ("mount.overlay.mount", {"lowers": 64}, "mount.overlay.mount[lowers=64]"),
    ("mount.mntns_copy", {"mounts": 1000}, "mount.mntns_copy[mounts=1000]"),
    ("cgroup.mkdir.v2", {}, None),
    ("cgroup.migrate.v2", {}, None),
    ("cgroup.spawn_procs.v2", {}, None),
    ("cgroup.spawn_into.v2", {}, None),
    ("cgroup.write.memory.v1:memory", {}, None),
    ("cgroup.freeze.v2", {}, None),
    ("cgroup.kill.v2", {}, "cgroup.kill.v2 (poll)"),
    ("cgroup.kill_spin.v2", {}, None),
    ("scale.ns.net.create_exit_reap", {"existing": 1}, "scale.ns.net.create_exit_reap[existing=1]"),
    ("scale.ns.net.create_exit_reap", {"existing": 1000}, "scale.ns.net.create_exit_reap[existing=1000]"),
)


def headline_table(runs):
    """Markdown rows: multiple of the floor first, then this host's median,
    p99 and the CV of the median across the runs."""
    per = [list(_rekey(group_bench(r.bench)).values()) for r in runs]
    lines = ["| benchmark | x floor | floor | median here | p99 here | CV (runs) |",
             "|---|---:|---|---:|---:|---:|"]
    for name, params, disp in HEADLINE:
        vals = []
        for gs in per:
            g = next((g for g in gs if g.benchmark == name
                      and all(g.params.get(k) == v for k, v in params.items())), None)
            if g is None:
                continue
            xf = [r["x_floor"] for r in g.records if r.get("x_floor")]
            vals.append((g.stats.get("median"), g.stats.get("p99"), _median(xf) if xf else None,
                         (g.floor or "").replace("floor.", "")))
        if len(vals) < 1:
            continue
        meds = [v[0] for v in vals]
        cv = statistics.stdev(meds) / statistics.mean(meds) * 100 if len(meds) > 1 else None
        xf = [v[2] for v in vals if v[2]]
        lines.append(f"| {disp or name} | {f'{_median(xf):.1f}x' if xf else '-'} | "
                     f"{vals[0][3] or '-'} | {fmt_val(_median(meds), 'ns')} | "
                     f"{fmt_val(_median([v[1] for v in vals]), 'ns')} | "
                     f"{f'{cv:.1f}%' if cv is not None else '-'} |")
    return lines


def report(outdir, facts):
    runs = {n: load_dir(os.path.join(outdir, n)) for n, _ in SEQUENCE
            if os.path.exists(os.path.join(outdir, n, "bench.jsonl"))}
    lines = []
    lines.append("runs (wall time, load average before -> after):")
    for n, _ in SEQUENCE:
        f = facts.get(n)
        if f:
            lines.append(f"  {n:<6} {f['kind']:<5} {f['seconds']:>6.0f} s  load {f['load_before']} -> "
                         f"{f['load_after']}  exit {f['exit']}")
    out = {"facts": facts}
    for a, b, what in (("q1", "q2", "A/A with a busy run (one CPU hog) in between"),
                       ("q2", "q3", "A/A back to back")):
        if a in runs and b in runs:
            r = aa(runs[a], runs[b])
            others = [runs[q].bench for q in QUIET if q not in (a, b) and q in runs]
            rn = aa(runs[a], runs[b], noise_of(others)) if len(others) >= 3 else None
            out[f"aa_{a}_{b}"] = {"plain": r, "calibrated": rn}
            lines.append(f"{what} ({a} vs {b}): {r['flagged']} of {r['median_rows']} median rows "
                         f"flagged ({r['flagged'] / max(1, r['median_rows']) * 100:.1f}%), "
                         f"{r['flagged'] / max(1, r['rows']) * 100:.2f}% of all {r['rows']} rows")
            for lbl, pct in r["which"]:
                lines.append(f"    flagged: {lbl} {pct:+.1f}%")
            if rn:
                lines.append(f"  with the noise of the {len(others)} other quiet runs as calibration: "
                             f"{rn['flagged']} of {rn['median_rows']} median rows flagged")
    qr = [n for n in QUIET if n in runs]
    if len(qr) >= 2:
        pairs = [aa(runs[x], runs[y]) for x, y in itertools.combinations(qr, 2)]
        f, m = sum(r["flagged"] for r in pairs), sum(r["median_rows"] for r in pairs)
        out["aa_all_quiet_pairs"] = {"pairs": len(pairs), "flagged": f, "median_rows": m,
                                     "per_pair": [r["flagged"] for r in pairs]}
        lines.append(f"A/A over all {len(pairs)} pairs of the quiet runs: {f} of {m} median rows "
                     f"flagged ({f / max(1, m) * 100:.2f}%); per pair "
                     f"{', '.join(str(r['flagged']) for r in pairs)}")
    if "q1" in runs and "busy" in runs:
        r = aa(runs["q1"], runs["busy"])
        slower = sum(1 for _, pct in r["which"] if pct < 0)
        out["q1_busy"] = r
        lines.append(f"q1 vs busy (one CPU hog during the run): {r['flagged']} of "
                     f"{r['median_rows']} median rows flagged, {slower} of them slower under the "
                     f"hog")
    if len(qr) >= 3:
        k = run_noise_factor([runs[n] for n in qr])
        if k:
            out["run_noise"] = {"factor": k[0], "benchmarks": k[1]}
            lines.append(f"run noise: over {k[1]} benchmarks the variance of a quiet run's level "
                         f"is {1 + k[0]:.2f} x what its rounds see (compare --run-noise "
                         f"{k[0]:.2f}; default {RUN_NOISE:g})")
    judged = [(qa, sl) for qa, sl in (("q3", "slow1"), ("q4", "slow2"), ("q5", "slow3"))
              if qa in runs and sl in runs]
    slows = [n for n in ("slow1", "slow2", "slow3") if n in runs]
    if judged and len(slows) >= 2:
        allrows = []
        for qa, sl in judged:
            base = [runs[n] for n in qr if n != qa]
            other = [runs[n] for n in slows if n != sl]
            rows = sensitivity(runs[qa], runs[sl], truth(base, other))
            for r in rows:
                r["pair"] = f"{qa}/{sl}"
            allrows += rows
        hit = sum(r["flagged"] for r in allrows)
        able = [r for r in allrows if r["detectable"] is not None
                and r["detectable"] <= r["true_pct"]]
        hit_able = sum(r["flagged"] for r in able)
        sure = [r for r in allrows if r["true_se"] is not None
                and r["true_pct"] - 2 * r["true_se"] >= 10]
        hit_sure = sum(r["flagged"] for r in sure)
        out["sensitivity"] = allrows
        lines.append(f"sensitivity ({', '.join(f'{a} vs {b}' for a, b in judged)}; true slowdown "
                     f"of each from the runs that pair does not contain): {hit} of {len(allrows)} "
                     f"median rows slowed >= 10% flagged ({hit / max(1, len(allrows)) * 100:.1f}%)")
        lines.append(f"  of those whose detectable effect is at most their slowdown: {hit_able} "
                     f"of {len(able)} ({hit_able / max(1, len(able)) * 100:.1f}%)")
        lines.append(f"  of those slowed >= 10% beyond doubt (true slowdown - 2 standard errors "
                     f">= 10%): {hit_sure} of {len(sure)}")
        for r in allrows:
            if not r["flagged"]:
                se = f" +-{r['true_se']}" if r["true_se"] is not None else ""
                lines.append(f"    missed {r['pair']}: {r['label']}: true {r['true_pct']:+.1f}%{se}, "
                             f"seen {r['seen_pct']:+.1f}%, detectable {r['detectable']}%")
    q = [runs[n] for n in QUIET if n in runs]
    if len(q) >= 3:
        rep = repeatability(q)
        ok = sum(cv <= 5 for _, cv, _ in rep)
        out["repeatability"] = rep
        lines.append(f"repeatability ({len(q)} quiet runs): {ok} of {len(rep)} benchmarks above 10 us "
                     f"have a CV of the median <= 5% ({ok / max(1, len(rep)) * 100:.1f}%)")
        for lbl, cv, _ in sorted(rep, key=lambda x: -x[1]):
            if cv > 5:
                lines.append(f"    CV {cv:5.1f}%  {lbl}")
        lines.append("")
        lines.append(f"headline figures (median over the {len(q)} quiet runs):")
        lines += headline_table(q)
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump(out, f, indent=1, default=str)
    return "\n".join(lines)


def main(argv=None):
    p = Parser(prog="bench-aa", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.path.join(TOP, "results", "bench-aa"),
                   help="directory for the runs and summary.json (default results/bench-aa)")
    p.add_argument("--insns", type=int, default=1000,
                   help="seccomp filter instructions per system call of the slow runs (default 1000)")
    p.add_argument("--reuse", action="store_true", help="keep runs already in --out (resume, or re-report)")
    p.add_argument("--only-report", action="store_true", help="report on the runs in --out, run nothing")
    p.add_argument("driver_args", nargs="*", help="options for kisol.bench (after --)")
    a = p.parse_args(argv)
    if not 1 <= a.insns <= 30000:
        print("bench-aa: --insns wants 1..30000", file=sys.stderr)
        return 2
    os.makedirs(a.out, exist_ok=True)
    facts = {}
    for name, kind in SEQUENCE:
        fp = os.path.join(a.out, f"{name}.facts.json")
        have = os.path.exists(os.path.join(a.out, name, "bench.jsonl"))
        if (a.reuse or a.only_report) and have and os.path.exists(fp):
            with open(fp) as f:
                facts[name] = json.load(f)
            continue
        if a.only_report:
            continue
        if kind == "slow" and not os.access(SLOWDOWN, os.X_OK):
            print(f"bench-aa: {SLOWDOWN} not built (make build/kisol-slowdown-exec)", file=sys.stderr)
            return 2
        if have:
            shutil.rmtree(os.path.join(a.out, name))
        print(f"bench-aa: run {name} ({kind})", flush=True)
        facts[name] = run_one(name, kind, a.out, a.insns, a.driver_args)
    text = report(a.out, facts)
    print(text)
    with open(os.path.join(a.out, "summary.txt"), "w") as f:
        f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
