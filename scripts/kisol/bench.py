# SPDX-License-Identifier: GPL-2.0-only
"""kisol benchmark driver: sweeps, selection, repeats, results and summary.

    /usr/bin/python3 -m kisol.bench [--quick] [--only GLOB]... [--scale N]
                                    [--repeat N] [--list] ...

Runs the bench/ binaries over the catalog below (the parameter sweeps live
here, not in C), writes every record to results/<run-id>/bench.jsonl
(kisol-bench/1, scripts/FORMATS.md) and prints a summary table: median, p99, the
95% CI of the median and each result as a multiple of its floor. Floors run
in every round.

Every measurement is spread over --rounds short rounds (default 6): round 1
runs the whole selection, then round 2, and so on, each with a share of the
time budget, so the slow wander of the machine between minutes of a run is
seen inside every run (the rounds are the units compare's test uses).
After a measurement the driver lets the kernel finish what it was left
(namespaces freed in workqueues after RCU grace periods, see settle())
before the next one starts. With --repeat N the rounds run N times and the
coefficient of variation of each benchmark's median across repeats is
reported.
"""
import argparse
import datetime
import fnmatch
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time

from kisol import history, paths, results
from kisol.rundata import InputError, fmt_ns, fmt_val, load_dir

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROG = "kisol-bench"
NS_TYPES = ["mnt", "uts", "ipc", "user", "pid", "net", "cgroup", "time"]
HIERS = ["v2", "v1:memory", "v1:cpu", "v1:pids", "v1:freezer"]
DEFAULT_ROUNDS = 6
DEFAULT_BUDGET_MS = 600
DEFAULT_SCALE = 1000


class UsageError(Exception):
    pass


class Entry:
    """One measurement: a binary, a benchmark family and its parameters."""

    def __init__(self, id, binary, family, params=None, quick=False, opts=None,
                 timeout=300, pin=True, rounds=None):
        self.id = id
        self.binary = binary
        self.family = family
        self.params = dict(params or {})
        self.quick = quick
        self.opts = dict(opts or {})
        self.timeout = timeout
        self.pin = pin  # False for multi-threaded benchmarks
        self.rounds = rounds  # None: the run's --rounds

    def argv(self, bindir, budget_ms=None, samples=None, extra=(), min_samples=None):
        a = [os.path.join(bindir, self.binary), "--only", self.family]
        for k, v in self.params.items():
            a += ["-p", f"{k}={v}"]
        opts = dict(self.opts)
        if budget_ms is not None:
            opts["budget-ms"] = budget_ms
        if samples is not None:
            opts["samples"] = samples
        if min_samples is not None and "min-samples" not in opts:
            opts["min-samples"] = min_samples
        for k, v in opts.items():
            a += [f"--{k}", str(v)]
        return a + list(extra)


def sweep(limit, start=1):
    """1, 10, 100, ... up to limit (inclusive), plus limit itself."""
    out, v = [], start
    while v <= limit:
        out.append(v)
        v *= 10
    if limit >= start and out[-1] != limit:
        out.append(limit)
    return out


def catalog(scale=10000, ncpu=None):
    ncpu = ncpu or os.cpu_count() or 1
    E = []
    fast = {"batch": 32, "samples": 5000}
    E += [Entry("harness.clock_pair", "floor", "harness.clock_pair", quick=True, opts={"samples": 10000}),
          Entry("harness.empty_op", "floor", "harness.empty_op", quick=True, opts={"samples": 10000}),
          Entry("floor.getppid", "floor", "floor.getppid", quick=True, opts=fast),
          Entry("floor.getppid_loop", "floor", "floor.getppid_loop", quick=True, opts={"samples": 200}),
          Entry("floor.clock_gettime", "floor", "floor.clock_gettime", quick=True, opts=fast),
          Entry("floor.vfork_exit", "floor", "floor.vfork_exit", quick=True),
          Entry("floor.fork_exit_wait", "floor", "floor.fork_exit_wait", quick=True)]
    # 1. clone
    sets = [(t, 0) for t in NS_TYPES] + [("none", 0)] + \
           [(s, u) for s in ("runc", "crun") for u in (0, 1)]
    for s, u in sets:
        label = "none" if s == "none" else s if s in ("runc", "crun") else "new" + s
        for mode in ("create", "create_exit_reap"):
            E.append(Entry(f"clone.{label}{'+user' if u else ''}.{mode}", "clone", "clone",
                           {"ns": s, "user": u, "mode": mode},
                           quick=(s in ("net", "runc") and u == 0 and mode == "create_exit_reap")))
    # 2. unshare
    for t in NS_TYPES:
        E.append(Entry(f"unshare.{t}", "unshare", "unshare", {"ns": t}, quick=t in ("net", "user")))
    # 3. setns
    for t in NS_TYPES:
        E.append(Entry(f"setns.{t}", "setns", "setns", {"by": "fd", "ns": t}, quick=t == "net"))
    for s, label in (("runc", "runc"), ("crun", "crun"),
                     ("mnt,uts,ipc,pid,net,cgroup,user", "newmnt+newuts+newipc+newpid+newnet+newcgroup+newuser")):
        E.append(Entry(f"setns.pidfd.{label}", "setns", "setns", {"by": "pidfd", "ns": s},
                       quick=s == "crun"))
    # 3b. teardown of the namespaces freed late (workqueue + RCU), on its own
    E.append(Entry("teardown.net", "teardown", "teardown", {"ns": "net"}, quick=True,
                   opts={"min-samples": 5}))
    E.append(Entry("teardown.ipc", "teardown", "teardown", {"ns": "ipc"}))
    # 4. pivot_root
    E.append(Entry("pivot_root.syscall", "pivot_root", "pivot_root.syscall", quick=True))
    E.append(Entry("pivot_root.sequence", "pivot_root", "pivot_root.sequence", quick=True))
    # 5. mounts
    for api in ("mount", "fsconfig"):
        for n in (1, 2, 4, 8, 16, 32, 64):
            E.append(Entry(f"mount.overlay.{api}[lowers={n}]", "mount", "mount.overlay",
                           {"lowers": n, "api": api}, quick=n in (1, 64)))
    E.append(Entry("mount.bind", "mount", "mount.bind", quick=True))
    for n in sweep(scale, 10):
        E.append(Entry(f"mount.mntns_copy[mounts={n}]", "mount", "mount.mntns_copy",
                       {"mounts": n}, quick=n == 100))
    # 6. cgroups
    for h in HIERS:
        q = h in ("v2", "v1:memory")
        E.append(Entry(f"cgroup.mkdir.{h}", "cgroup", "cgroup.mkdir", {"hier": h}, quick=q))
        E.append(Entry(f"cgroup.rmdir.{h}", "cgroup", "cgroup.rmdir", {"hier": h}))
        E.append(Entry(f"cgroup.migrate.{h}", "cgroup", "cgroup.migrate", {"hier": h}, quick=q))
        E.append(Entry(f"cgroup.spawn_procs.{h}", "cgroup", "cgroup.spawn", {"hier": h, "how": "procs"}, quick=h == "v2"))
    E.append(Entry("cgroup.spawn_into.v2", "cgroup", "cgroup.spawn", {"hier": "v2", "how": "into"}, quick=True))
    for f, h1 in (("memory", "v1:memory"), ("cpu", "v1:cpu"), ("pids", "v1:pids")):
        E.append(Entry(f"cgroup.write.{f}.{h1}", "cgroup", "cgroup.write", {"hier": h1, "file": f}, quick=f == "pids"))
        # v2 limit files: skipped on hybrid hosts, measured in the qemu guests (make matrix)
        E.append(Entry(f"cgroup.write.{f}.v2", "cgroup", "cgroup.write", {"hier": "v2", "file": f},
                       quick=True))
    E.append(Entry("cgroup.freeze.v2", "cgroup", "cgroup.freeze", {"hier": "v2", "wait": "poll"}, quick=True))
    E.append(Entry("cgroup.freeze_spin.v2", "cgroup", "cgroup.freeze", {"hier": "v2", "wait": "spin"}))
    E.append(Entry("cgroup.freeze.v1:freezer", "cgroup", "cgroup.freeze", {"hier": "v1:freezer"}))
    E.append(Entry("cgroup.kill.v2", "cgroup", "cgroup.kill", {"hier": "v2", "wait": "poll"}))
    E.append(Entry("cgroup.kill_spin.v2", "cgroup", "cgroup.kill", {"hier": "v2", "wait": "spin"}, quick=True))
    # 7. scaling
    for t in ("net", "ipc", "mnt", "user"):
        for n in sweep(scale):
            for mode in ("create", "create_exit_reap"):
                E.append(Entry(f"scale.ns.{t}.{mode}[existing={n}]", "scale", "scale.ns",
                               {"ns": t, "existing": n, "mode": mode},
                               quick=(t == "net" and n == 10 and mode == "create_exit_reap"),
                               opts={"samples": 300}))
    for h in ("v2", "v1:pids"):
        for n in sweep(scale):
            E.append(Entry(f"scale.cg_mkdir.{h}[existing={n}]", "scale", "scale.cg_mkdir",
                           {"hier": h, "existing": n}, quick=(h == "v2" and n == 100)))
    for op in ("null", "clone_none", "clone_net", "migrate"):
        for w in range(1, 2 * ncpu + 1):
            E.append(Entry(f"scale.concurrent.{op}[workers={w}]", "scale", "scale.concurrent",
                           {"op": op, "workers": w, "rounds": 1, "duration_ms": 100},
                           quick=(op in ("null", "migrate") and w in (1, 2)), pin=False))
    return E


def select(entries, only, quick):
    chosen = []
    for e in entries:
        floor = e.id.startswith(("floor.", "harness."))
        if quick and not e.quick:
            continue
        if only and not floor and not any(
                g == e.id or fnmatch.fnmatchcase(e.id, g) or e.id.startswith(g + ".") or e.id.startswith(g + "[")
                for g in only):
            continue
        chosen.append(e)
    return chosen


# ---- running ----

SETTLE_CACHES = ("net_namespace", "mnt_cache", "user_namespace", "pid_namespace",
                 "uts_namespace", "nsproxy")


def ns_objects(path="/proc/slabinfo"):
    """Live objects of the namespace slab caches, or None when unreadable."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    n = 0
    for line in text.splitlines():
        f = line.split()
        if len(f) > 1 and f[0] in SETTLE_CACHES and f[1].isdigit():
            n += int(f[1])
    return n


class Settler:
    """Lets the kernel finish freeing what a benchmark dropped before the
    next one starts. Namespaces are freed late and in batches (cleanup_net
    and free_ipc run in workqueues after RCU grace periods; 10000 network
    namespaces take seconds): a measurement started meanwhile pays for them
    at random. The live object count of the namespace slab caches is the
    signal: above the level seen at the start, wait while it keeps falling
    (20 ms steps, at most `timeout` seconds)."""

    def __init__(self, timeout=20.0, margin=64):
        self.base = ns_objects()
        self.timeout, self.margin = timeout, margin
        self.waited = 0.0

    def __call__(self):
        if self.base is None:
            return 0.0
        t0 = time.monotonic()
        prev = ns_objects()
        while prev is not None and prev > self.base + self.margin \
                and time.monotonic() - t0 < self.timeout:
            time.sleep(0.02)
            cur = ns_objects()
            if cur is None or cur >= prev:
                break
            prev = cur
        d = time.monotonic() - t0
        self.waited += d
        return d


def run_entry(e, bindir, args, quick, budget=None):
    if budget is None:
        budget = args.budget_ms if args.budget_ms is not None else (60 if quick else 300)
    extra = []
    if args.raw:
        extra.append("--raw")
    if args.cpu is not None and e.pin:
        extra += ["--cpu", str(args.cpu)]
    argv = e.argv(bindir, budget_ms=budget, samples=args.samples, extra=extra,
                  min_samples=getattr(args, "min_samples", None))
    if quick and e.family == "scale.concurrent":
        argv = [a.replace("duration_ms=100", "duration_ms=50") for a in argv]
    try:
        # own process group: on timeout SIGTERM reaches every helper, and the
        # benchmarks remove their cgroups on SIGTERM before SIGKILL follows
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
    except OSError as err:
        return [], [], f"cannot run {argv[0]}: {err.strerror}"
    try:
        stdout, stderr = proc.communicate(timeout=e.timeout)
    except subprocess.TimeoutExpired:
        for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, None)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.communicate(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        return [], [], f"timed out after {e.timeout} s"
    cp = subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr)
    recs, skips = [], []
    for line in cp.stdout.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if obj.get("schema") == "kisol-bench/1":
            recs.append(obj)
        elif obj.get("schema") == "kisol-bench-skip/1":
            skips.append(obj)
    err = None
    if cp.returncode != 0:
        err = (cp.stderr.strip().splitlines() or [f"exit status {cp.returncode}"])[-1]
    san = paths.sanitizer_report(cp.stderr) if paths.sanitized() else ""
    if san:         # also from a helper process whose status the benchmark ignores
        err = f"sanitizer: {san}"
    return recs, skips, err


def annotate(rec, floors, run_id, rep, rnd=0, rounds=1):
    rec["run_id"] = run_id
    rec["repeat"] = rep
    rec["round"] = rnd
    rec["rounds"] = rounds
    fm = floors.get(rec.get("floor"))
    rec["floor_median"] = fm
    rec["x_floor"] = round(rec["median"] / fm, 2) if fm and rec.get("unit", "ns") == "ns" else None


def _med(xs):
    return statistics.median(xs) if xs else None


def aggregate(recs):
    """One summary row of a benchmark's rounds: median and p99 (medians over
    the rounds), the spread of the round medians (half the range, percent of
    the median), x floor and the total sample count."""
    med = _med([r["median"] for r in recs])
    meds = [r["median"] for r in recs]
    xf = [r["x_floor"] for r in recs if r.get("x_floor")]
    spread = (max(meds) - min(meds)) / 2 / med * 100 if med and len(meds) > 1 else None
    return {"median": med, "p99": _med([r["p99"] for r in recs]), "spread": spread,
            "x_floor": _med(xf), "samples": sum(int(r["samples"]) for r in recs),
            "unit": recs[0].get("unit", "ns"), "rounds": len(recs)}


def host_info():
    try:
        return results, results.host_facts()
    except Exception:  # facts the host cannot give: a run id and table still come out
        u = os.uname()
        return None, {"host": u.nodename, "kernel": u.release, "cpu_model": platform.machine(),
                      "cgroup_layout": "unknown", "kisol_commit": "unknown"}


def make_run_id(results, facts):
    if results is not None:
        try:
            return results.make_run_id(facts["host"], facts["kernel"])
        except Exception:
            pass
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{when}-{facts['host']}-{facts['kernel']}"


def summary(rows, out=sys.stdout):
    """rows: [(id, aggregate dict)]"""
    w = max([len(r[0]) for r in rows] + [9])
    print(f"{'benchmark':<{w}}  {'median':>10} {'p99':>10}  {'rounds +-':>9} {'x floor':>9} {'n':>6}",
          file=out)
    for rid, a in rows:
        unit = a["unit"]
        xf = f"{a['x_floor']:.1f}x" if a.get("x_floor") else "-"
        sp = f"{a['rounds']}:{a['spread']:.1f}%" if a["spread"] is not None else f"{a['rounds']}"
        print(f"{rid:<{w}}  {fmt_val(a['median'], unit):>10} {fmt_val(a['p99'], unit):>10}"
              f"  {sp:>9} {xf:>9} {a['samples']:>6}", file=out)


def rec_id(entry, rec):
    """The entry id, or for a family emitting several records (throughput) its own name."""
    if rec["benchmark"].endswith(".throughput"):
        base = entry.id.split("[", 1)
        return base[0] + ".throughput" + ("[" + base[1] if len(base) > 1 else "")
    return entry.id


def parse_args(argv):
    try:
        paths.flavour()
    except paths.FlavourError as e:
        raise UsageError(str(e)) from None

    class P(argparse.ArgumentParser):
        def error(self, message):
            raise UsageError(message)

    p = P(prog=PROG, description="Run kisol microbenchmarks and write results/<run-id>/bench.jsonl.")
    p.add_argument("--quick", action="store_true", help="CI smoke set (< 30 s)")
    p.add_argument("--only", action="append", default=[], metavar="GLOB",
                   help="run only benchmarks whose id matches (fnmatch, or an id prefix such as 'cgroup'); repeatable. Floors always run.")
    p.add_argument("--scale", type=int, default=DEFAULT_SCALE, metavar="N",
                   help=f"largest object count of the scaling sweeps (mounts, existing namespaces, sibling cgroups): 1, 10, ... N (default {DEFAULT_SCALE})")
    p.add_argument("--rounds", type=int, default=None, metavar="N",
                   help=f"spread each measurement over N rounds interleaved across the run "
                        f"(default {DEFAULT_ROUNDS}, --quick 1)")
    p.add_argument("--repeat", type=int, default=1, metavar="N",
                   help="run all rounds N times and report the CV of each median across them")
    p.add_argument("--budget-ms", type=int, default=None, metavar="MS",
                   help=f"time budget per measurement, shared by its rounds (default {DEFAULT_BUDGET_MS}, --quick 60)")
    p.add_argument("--min-samples", type=int, default=None, metavar="N",
                   help="minimum samples per round (default: the binary's, 20)")
    p.add_argument("--no-settle", action="store_true",
                   help="do not wait for freed namespaces between measurements")
    p.add_argument("--samples", type=int, default=None, metavar="N", help="maximum samples per measurement")
    p.add_argument("--cpu", type=int, default=None, metavar="CPU",
                   help="pin each single-threaded benchmark (and the children it forks) to this CPU "
                        "(default: the highest CPU this process may use); scale.concurrent is never pinned")
    p.add_argument("--no-pin", action="store_true", help="do not pin")
    p.add_argument("--raw", action="store_true", help="keep raw samples in the records")
    p.add_argument("--results", default=paths.results_dir(), metavar="DIR",
                   help="results directory (default results/; build/san/results/ for the "
                        "sanitized build, KISOL_FLAVOUR=san)")
    p.add_argument("--run-id", default=None, help="run id (default <UTC time>-<host>-<kernel>)")
    p.add_argument("--bin-dir", default=paths.bench_dir(), metavar="DIR",
                   help="where the bench binaries are (default bench/; build/san/bench/ for the "
                        "sanitized build, KISOL_FLAVOUR=san)")
    p.add_argument("--list", action="store_true", help="list the selected benchmark ids and exit")
    p.add_argument("--calibrate", type=int, default=0, metavar="N",
                   help="run N times and store every run in the history database (--db), so that "
                        "compare knows this host's between-run noise (make bench-calibrate)")
    p.add_argument("--db", default=os.path.join(TOP, "results", "history.sqlite"),
                   help="history database for --calibrate (default results/history.sqlite)")
    a = p.parse_args(argv)
    if a.repeat < 1 or a.repeat > 100:
        raise UsageError("--repeat wants 1..100")
    if a.rounds is None:
        a.rounds = 1 if a.quick else DEFAULT_ROUNDS
    if not 1 <= a.rounds <= 50:
        raise UsageError("--rounds wants 1..50")
    if a.min_samples is not None and a.min_samples < 1:
        raise UsageError("--min-samples wants a positive number")
    if a.scale < 1 or a.scale > 100000:
        raise UsageError("--scale wants 1..100000")
    if a.budget_ms is not None and not 1 <= a.budget_ms <= 600000:
        raise UsageError("--budget-ms wants 1..600000")
    if a.samples is not None and a.samples < 1:
        raise UsageError("--samples wants a positive number")
    if a.cpu is not None and a.cpu not in os.sched_getaffinity(0):
        raise UsageError(f"--cpu {a.cpu}: not a CPU this process may use")
    if not 0 <= a.calibrate <= 20:
        raise UsageError("--calibrate wants 1..20 runs")
    if a.calibrate and paths.sanitized():
        raise UsageError("--calibrate with the sanitized build (KISOL_FLAVOUR=san): its timings "
                         "measure the sanitizer, calibrate with the plain build")
    if a.no_pin:
        a.cpu = None
    elif a.cpu is None:
        a.cpu = max(os.sched_getaffinity(0))
    return a


def calibrate(argv, args):
    """--calibrate N: N complete runs, each stored in the history database
    marked as a calibration run. compare raises each benchmark's minimum
    effect to the between-run noise of the stored runs of the baseline's
    host and kernel (kisol.history.noise)."""
    rest, skip = [], False
    for a in argv:          # the same options without --calibrate/--run-id
        if skip:
            skip = False
        elif a in ("--calibrate", "--run-id"):
            skip = True
        elif not a.startswith(("--calibrate=", "--run-id=")):
            rest.append(a)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    for i in range(args.calibrate):
        rid = f"{stamp}-calibrate-{i + 1}-{os.uname().nodename}"
        print(f"kisol bench: calibration run {i + 1} of {args.calibrate}", flush=True)
        rc = main(rest + ["--run-id", rid])
        if rc == 2:
            return 2
        try:
            run = load_dir(os.path.join(args.results, rid))
            run.run["calibration"] = True
            history.store(args.db, run)
        except InputError as e:
            print(f"{PROG}: error: {e}", file=sys.stderr)
            return 2
        print(f"stored {rid} in {args.db}", flush=True)
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parse_args(argv)
        if args.calibrate:
            return calibrate(argv, args)
        entries = select(catalog(args.scale), args.only, args.quick)
        if args.only and all(e.id.startswith(("floor.", "harness.")) for e in entries):
            raise UsageError(f"--only {' '.join(args.only)}: no benchmark matches (see --list)")
        if args.list:
            for e in entries:
                print(e.id)
            return 0
        missing = sorted({e.binary for e in entries
                          if not os.access(os.path.join(args.bin_dir, e.binary), os.X_OK)})
        if missing:
            raise UsageError(f"bench binaries not built in {args.bin_dir}: {', '.join(missing)} (run make)")
    except UsageError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2

    results, facts = host_info()
    run_id = args.run_id or make_run_id(results, facts)
    rundir = os.path.join(args.results, run_id)
    try:
        os.makedirs(rundir, exist_ok=True)
        out = open(os.path.join(rundir, "bench.jsonl"), "a")
    except OSError as e:
        print(f"{PROG}: error: cannot write {rundir}: {e.strerror}", file=sys.stderr)
        return 2
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    t_start = time.monotonic()
    rounds = args.rounds
    print(f"kisol bench: {len(entries)} measurements x {rounds} rounds"
          f"{f' x {args.repeat} repeats' if args.repeat > 1 else ''}, run {run_id}", flush=True)

    budget = args.budget_ms if args.budget_ms is not None else (60 if args.quick else DEFAULT_BUDGET_MS)
    settle = Settler() if not args.no_settle else (lambda: 0.0)
    skips, failures = {}, []
    per_id, order = {}, []          # rid -> {repeat: [records]}
    for rep in range(args.repeat):
        for rnd in range(rounds):
            floors = {}
            for e in entries:
                r_budget = max(1, round(budget / rounds))
                recs, sk, err = run_entry(e, args.bin_dir, args, args.quick, budget=r_budget)
                if err:
                    failures.append((e.id, err))
                    print(f"  FAIL {e.id}: {err}", file=sys.stderr, flush=True)
                for s in sk:
                    skips[e.id] = s["reason"]
                for rec in recs:
                    if rec["benchmark"].startswith("floor."):
                        floors[rec["benchmark"]] = rec["median"]
                    annotate(rec, floors, run_id, rep, rnd, rounds)
                    out.write(json.dumps(rec, sort_keys=True) + "\n")
                    rid = rec_id(e, rec)
                    if rid not in per_id:
                        per_id[rid] = {}
                        order.append(rid)
                    per_id[rid].setdefault(rep, []).append(rec)
                settle()
            out.flush()
    out.close()
    elapsed = time.monotonic() - t_start
    rows = [(rid, aggregate(per_id[rid][0])) for rid in order if 0 in per_id[rid]]
    medians = {rid: [aggregate(v)["median"] for _, v in sorted(per_id[rid].items())]
               for rid in order}

    if results is not None:
        run_json = os.path.join(rundir, "run.json")
        if not os.path.exists(run_json):
            try:
                results.write_run(rundir, {
                    "run_id": run_id, "host": facts["host"], "kernel": facts["kernel"],
                    "kisol_commit": facts.get("kisol_commit"), "started": started,
                    "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                    "cgroup_layout": facts.get("cgroup_layout"), "vm": False, "vm_accel": None,
                    "harness": facts.get("harness"), "cpu_model": facts.get("cpu_model"),
                    "complete": not failures})
            except Exception:
                pass

    print()
    summary(rows)
    by = dict(rows)
    print()
    cp, eo = by.get("harness.clock_pair"), by.get("harness.empty_op")
    if cp and eo:
        print(f"timing overhead per sample: {fmt_ns(cp['median'])} (clock pair), "
              f"{fmt_ns(eo['median'])} (empty op through the harness)")
    g, gl = by.get("floor.getppid"), by.get("floor.getppid_loop")
    if g and gl:
        d = (g["median"] / gl["median"] - 1) * 100
        print(f"null syscall: {fmt_ns(g['median'])} through the harness (batch "
              f"{per_id['floor.getppid'][0][0]['params'].get('batch')}) vs {fmt_ns(gl['median'])} in a raw tight loop ({d:+.1f}%)")
    if args.repeat > 1:
        print()
        print(f"repeatability: CV of the median over {args.repeat} runs (benchmarks with median > 10 us)")
        over = 0
        for rid, ms in medians.items():
            if len(ms) < 2 or statistics.mean(ms) <= 10000 or not by.get(rid) or by[rid].get("unit") != "ns":
                continue
            cv = statistics.stdev(ms) / statistics.mean(ms) * 100
            over += cv > 5
            print(f"  {rid:<60} {cv:5.1f}%{'  > 5%' if cv > 5 else ''}")
        print(f"  {over} above 5%")
    if skips:
        print()
        print("skipped:")
        for k, why in skips.items():
            print(f"  {k}: {why}")
    print()
    if not args.no_settle:
        print(f"waited {settle.waited:.1f} s in all for freed namespaces to settle")
    print(f"{len(rows)} benchmarks, {len(skips)} skipped, {len(failures)} failed in {elapsed:.0f} s; "
          f"results: {os.path.relpath(os.path.join(rundir, 'bench.jsonl'), os.getcwd())}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
