# SPDX-License-Identifier: GPL-2.0-only
"""make mutate: does each case notice a kernel that silently drops a guarantee?

Every case test first runs once under build/kisol-mutate in observe mode
(no mutation; the supervisor reports which mutations its syscalls would
touch). A test that passes there then runs once per touched mutation with
that mutation active. Per test and mutation: touched (the mutation fired),
killed (the test did not pass), survived (it passed anyway). A survivor whose
metadata carries `mutant_immune=<mutation>: why` is reported as immune with
its reason. Every run goes through the driver's sandbox (leaf cgroup, private
mount namespace), and kisol-mutate adds fresh mount, UTS, IPC, net and PID
namespaces around it; the host state is compared before and after the whole
run. Results: results/<run>/mutation.json (scripts/FORMATS.md).
"""
import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from kisol import caselist, hoststate, ktap, results, sandbox

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUPERVISOR = os.path.join(TOP, "build", "kisol-mutate")
SCHEMA = "kisol-mutation/1"
TARGET = 0.95


class UserError(Exception):
    pass


def mutations(supervisor=SUPERVISOR):
    """{name: what it does}, in the supervisor's order."""
    p = subprocess.run([supervisor, "-l"], capture_output=True, text=True, check=True)
    return dict(l.split("\t", 1) for l in p.stdout.splitlines() if "\t" in l)


def immune_reasons(meta):
    """[(mutation pattern, why)] from mutant_immune=<mutation>: why (repeatable)."""
    vals = meta.get("mutant_immune", [])
    out = []
    for v in vals if isinstance(vals, list) else [vals]:
        pat, _, why = str(v).partition(":")
        out.append((pat.strip(), why.strip()))
    return out


def immune_for(meta, mutation):
    for pat, why in immune_reasons(meta):
        if fnmatch.fnmatchcase(mutation, pat):
            return why or "(no reason given)"
    return None


def collect(areas, pattern=None):
    """[(area, binary, CaseTest)] of every built case binary."""
    out = []
    base = os.path.join(TOP, "cases")
    for area in sorted(os.listdir(base)):
        d = os.path.join(base, area)
        if not os.path.isdir(d) or (areas and area not in areas):
            continue
        for f in sorted(os.listdir(d)):
            p = os.path.join(d, f)
            if f.endswith(".c") or "." in f or not os.access(p, os.X_OK) or os.path.isdir(p):
                continue
            if not os.path.exists(p + ".c"):
                continue
            for t in caselist.list_binary(p):
                if pattern and pattern not in f"cases/{area}/{f}::{t.name}":
                    continue
                out.append((area, f"cases/{area}/{f}", t))
    return out


def verdict_of(out, name, rc):
    """(verdict, reason) of test name from KTAP output."""
    if rc is None:
        return "timeout", ""
    try:
        doc = ktap.parse(out)
    except ktap.KtapError as e:
        return "error", str(e)
    res = [r for r in doc.results if r.name == name]
    if len(res) != 1:
        return "error", f"no result line (exit status {rc})"
    r = res[0]
    reason = r.reason
    if r.verdict == "fail":
        for d in r.diagnostics:
            s = d.lstrip("# ").strip()
            if "Expected" in s or "ASSERT" in s or "EXPECT" in s:
                reason = s[:300]
                break
    return r.verdict, reason


class Runner:
    """Runs `kisol-mutate ... -- binary -r test` in per-thread sandboxes."""

    def __init__(self, tag, scratch):
        self.tag = tag
        self.scratch = scratch
        self.local = threading.local()
        self.sandboxes = []
        self.lock = threading.Lock()
        self.main = sandbox.Sandbox(tag, f"mutate-{os.getpid()}")
        self.env = dict(os.environ, KISOL_RUN_ID=tag, KISOL_SCRATCH=scratch)
        if self.main.v2_base:
            self.env["KISOL_CG_V2_BASE"] = self.main.v2_base

    def _sb(self):
        sb = getattr(self.local, "sb", None)
        if sb is None:
            sb = sandbox.Sandbox(self.tag, f"t{threading.get_ident()}")
            self.local.sb = sb
            with self.lock:
                self.sandboxes.append(sb)
        return sb

    def run(self, binary, test, mutation, timeout):
        """(verdict, reason, report dict or None, seconds)."""
        fd, rep = tempfile.mkstemp(prefix="kisol-mutate-", dir=self.scratch)
        os.close(fd)
        try:
            mode = ["-o"] if mutation is None else ["-m", mutation]
            argv = [SUPERVISOR] + mode + ["-r", rep, "--", os.path.join(TOP, binary), "-r", test]
            rc, out, secs = self._sb().run(argv, self.env, timeout)
            with open(rep) as f:
                text = f.read()
        finally:
            os.unlink(rep)
        report = json.loads(text) if text.strip() else None
        v, reason = verdict_of(out, test, rc)
        if report is None and v == "pass":
            v, reason = "error", "the supervisor wrote no report"
        return v, reason, report, secs

    def close(self):
        for sb in self.sandboxes:
            sb.close()
        self.main.close()


def _cleanup(tag, scratch):
    """Remove the run's scratch and cgroup directories. Returns (left by
    mutated cases, could not remove): a mutant often breaks its case's
    teardown, so leftovers inside the run's own directories are expected;
    they are removed here and reported, not counted as leaks."""
    left, stuck = [], []
    if os.path.isdir(scratch):
        left += [f"scratch: {scratch}/{n}" for n in sorted(os.listdir(scratch))]
        shutil.rmtree(scratch, onerror=lambda f, p, e: stuck.append(f"scratch: cannot remove {p}"))
    for d, key in sandbox.run_dirs(tag).items():
        for r, ds, _ in os.walk(d):
            for n in ds:
                rel = os.path.relpath(os.path.join(r, n), d)
                if rel not in ("sandbox", "cg") and not rel.startswith("sandbox/"):
                    left.append(f"cgroups: {os.path.join(r, n)}")
            if r != d:
                ds[:] = []
        stuck += [f"cgroups: cannot remove {l}" for l in sandbox.remove_tree(d, key == "v2")]
    return left, stuck


class Progress:
    """One stderr line every 10% (the run takes minutes)."""

    def __init__(self, what, total, quiet):
        self.what, self.total, self.n, self.quiet = what, total, 0, quiet
        self.t0 = time.monotonic()
        self.next = 0

    def step(self):
        self.n += 1
        if self.quiet or self.n < self.next:
            return
        self.next = self.n + max(1, self.total // 10)
        print(f"kisol.mutate: {self.what} {self.n}/{self.total} "
              f"({time.monotonic() - self.t0:.0f} s)", file=sys.stderr, flush=True)


def mutated_timeout(spec, observe_secs, factor):
    """A mutant that hangs is killed; do not wait the case's full timeout for it."""
    return min(spec.timeout + 15, max(2.0, factor * observe_secs))


def run(args):
    muts = mutations()
    for m in args.mutation or []:
        if m not in muts:
            raise UserError(f"unknown mutation '{m}' (known: {', '.join(muts)})")
    tests = collect(args.area, args.k)
    if not tests:
        raise UserError("no case test matches (build with `make`, check --area/-k)")
    facts = results.host_facts()
    run_id = args.run_id or results.make_run_id(facts["host"], facts["kernel"], suffix="-mutate")
    tag = f"{run_id}-p{os.getpid()}"
    scratch = f"/var/tmp/kisol-{tag}"
    sandbox.remove_stale_runs()
    hoststate.remove_stale_scratch()
    before = hoststate.snapshot()
    os.makedirs(scratch, exist_ok=True)
    started, t0 = results.now_iso(), time.monotonic()
    runner = Runner(tag, scratch)
    recs = {}
    try:
        with ThreadPoolExecutor(args.jobs) as pool:
            def observe(item):
                area, binary, spec = item
                v, reason, rep, secs = runner.run(binary, spec.name, None, spec.timeout + 15)
                return item, v, reason, rep, secs

            todo = []
            prog = Progress("observe", len(tests), args.quiet)
            for (area, binary, spec), v, reason, rep, secs in pool.map(observe, tests):
                prog.step()
                obs = {m: n for m, n in ((rep or {}).get("observed") or {}).items()
                       if not args.mutation or m in args.mutation}
                rec = {"id": f"{binary}::{spec.name}", "area": area, "binary": binary,
                       "test": spec.name, "baseline": v, "baseline_reason": reason if v != "pass" else "",
                       "observe_s": round(secs, 4), "observed": obs, "runs": []}
                recs[rec["id"]] = (rec, spec)
                if v == "pass":
                    todo += [(rec["id"], m) for m in obs]

            def mutate(job):
                cid, m = job
                rec, spec = recs[cid]
                timeout = mutated_timeout(spec, rec["observe_s"], args.timeout_factor)
                v, reason, rep, secs = runner.run(rec["binary"], spec.name, m, timeout)
                return cid, m, v, reason, rep, secs

            # longest first, so a slow case does not finish the run alone
            todo.sort(key=lambda j: -recs[j[0]][0]["observe_s"])
            prog = Progress("mutate", len(todo), args.quiet)
            for cid, m, v, reason, rep, secs in pool.map(mutate, todo):
                prog.step()
                rec, spec = recs[cid]
                touched = bool(rep and rep.get("touched")) or (rep is None and v != "pass")
                r = {"mutation": m, "touched": touched, "verdict": v, "reason": reason,
                     "duration_s": round(secs, 4)}
                if rep and rep.get("not_applied"):
                    r["not_applied"] = rep["not_applied"]
                    r["why_not"] = rep.get("why_not", "")
                r["outcome"] = outcome(r, spec.meta)
                if r["outcome"] == "immune":
                    r["immune"] = immune_for(spec.meta, m)
                rec["runs"].append(r)
    finally:
        runner.close()
    left, stuck = _cleanup(tag, scratch)
    leaks = stuck + hoststate.diff(before, hoststate.snapshot())
    cases = [rec for rec, _ in sorted(recs.values(), key=lambda x: x[0]["id"])]
    doc = {"schema": SCHEMA, "run_id": run_id, "host": facts["host"], "kernel": facts["kernel"],
           "kisol_commit": facts.get("commit"), "started": started, "finished": results.now_iso(),
           "duration_s": round(time.monotonic() - t0, 1), "jobs": args.jobs,
           "load_avg": list(os.getloadavg()), "areas": args.area or [], "only": args.mutation or [],
           "mutations": muts, "target": TARGET, "cases": cases, "leaks": leaks,
           "left_by_mutants": left}
    doc["summary"] = summarize(cases)
    return doc


def outcome(r, meta):
    if r.get("not_applied"):
        return "error"
    if not r["touched"]:
        return "untouched"
    if r["verdict"] != "pass":
        return "killed"
    return "immune" if immune_for(meta, r["mutation"]) else "survived"


def _add(tab, key, o):
    t = tab.setdefault(key, {"touched": 0, "killed": 0, "survived": 0, "immune": 0,
                             "untouched": 0, "error": 0})
    t[o] += 1
    if o in ("killed", "survived", "immune"):
        t["touched"] += 1


def summarize(cases):
    """Counts per mutation, per area and per (area, mutation). The kill rate
    is killed / touched; immune survivors count as touched, not killed."""
    per_mut, per_area, cells = {}, {}, {}
    for c in cases:
        for r in c["runs"]:
            _add(per_mut, r["mutation"], r["outcome"])
            _add(per_area, c["area"], r["outcome"])
            _add(cells, f"{c['area']}/{r['mutation']}", r["outcome"])
    for tab in (per_mut, per_area, cells):
        for t in tab.values():
            t["kill_rate"] = round(t["killed"] / t["touched"], 4) if t["touched"] else None
    excluded = {}
    for c in cases:
        if c["baseline"] != "pass":
            excluded[c["baseline"]] = excluded.get(c["baseline"], 0) + 1
    return {"per_mutation": per_mut, "per_area": per_area, "per_area_mutation": cells,
            "baseline_not_pass": excluded, "tests": len(cases),
            "mutated_runs": sum(len(c["runs"]) for c in cases)}


def survivors(doc, include_immune=False):
    """[(area, id, mutation, immune reason or None)]"""
    out = []
    for c in doc["cases"]:
        for r in c["runs"]:
            if r["outcome"] == "survived" or (include_immune and r["outcome"] == "immune"):
                out.append((c["area"], c["id"], r["mutation"], r.get("immune")))
    return out


def survivors_text(doc):
    lines = [f"# survivors of {doc['run_id']} ({doc['kisol_commit']}): area, test, mutation"]
    by_area = {}
    for area, cid, m, _ in survivors(doc):
        by_area.setdefault(area, []).append(f"{cid}  {m}")
    for area in sorted(by_area):
        lines.append(f"## {area} ({len(by_area[area])})")
        lines += sorted(by_area[area])
    return "\n".join(lines) + "\n"


def _rate(t):
    return "-" if t["kill_rate"] is None else f"{100 * t['kill_rate']:.1f}%"


def table(doc):
    s = doc["summary"]
    lines = ["| mutation | touched | killed | survived | immune | kill rate |",
             "|---|---:|---:|---:|---:|---:|"]
    for m in doc["mutations"]:
        t = s["per_mutation"].get(m)
        if t:
            lines.append(f"| {m} | {t['touched']} | {t['killed']} | {t['survived']} | {t['immune']} | {_rate(t)} |")
    lines += ["", "| area | touched | killed | survived | immune | kill rate |",
              "|---|---:|---:|---:|---:|---:|"]
    for a in sorted(s["per_area"]):
        t = s["per_area"][a]
        lines.append(f"| {a} | {t['touched']} | {t['killed']} | {t['survived']} | {t['immune']} | {_rate(t)} |")
    return "\n".join(lines)


def print_summary(doc, out=sys.stdout):
    s = doc["summary"]
    print(table(doc), file=out)
    print(f"\n{s['tests']} tests observed, {s['mutated_runs']} mutated runs in {doc['duration_s']} s "
          f"({doc['jobs']} jobs, load {doc['load_avg'][0]:.1f}); baseline not passing under the "
          f"supervisor: {s['baseline_not_pass'] or 'none'}", file=out)
    below = [f"{k} {_rate(t)}" for k, t in sorted(s["per_area_mutation"].items())
             if t["kill_rate"] is not None and t["kill_rate"] < doc["target"]]
    if below:
        print(f"below {100 * doc['target']:.0f}% (area/mutation): " + ", ".join(below), file=out)
    errs = [(c["id"], r["mutation"], r.get("why_not")) for c in doc["cases"] for r in c["runs"]
            if r["outcome"] == "error"]
    for cid, m, why in errs:
        print(f"NOT APPLIED {cid} {m}: {why}", file=out)
    for area, cid, m, _ in survivors(doc):
        print(f"SURVIVED {cid} {m}", file=out)
    if doc.get("left_by_mutants"):
        print(f"{len(doc['left_by_mutants'])} scratch/cgroup directories left inside the run's own "
              "directories by mutated cases were removed", file=out)
    if doc["leaks"]:
        print("LEAK: the mutation run changed host state:", file=out)
        for l in doc["leaks"]:
            print("  " + l, file=out)
    else:
        print("host state unchanged", file=out)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="kisol.mutate", description=__doc__.split("\n")[0])
    p.add_argument("--area", action="append", help="only this area (repeatable)")
    p.add_argument("--mutation", "-m", action="append", help="only this mutation (repeatable)")
    p.add_argument("-k", help="only tests whose id contains this string")
    p.add_argument("-n", "--jobs", type=int, default=2, help="parallel runs (default 2)")
    p.add_argument("--results", help="results directory (default results/<run-id>)")
    p.add_argument("--run-id", help=argparse.SUPPRESS)
    p.add_argument("--survivors", help="also write the survivors, per area, to this file")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.add_argument("--timeout-factor", type=float, default=10.0,
                   help="a mutated run may take this many times its observed duration (min 2 s)")
    a = p.parse_args(argv)
    if a.area:
        a.area = [x for v in a.area for x in v.split()]
    if a.jobs < 1:
        p.error("-n must be at least 1")
    return a


def main(argv=None):
    args = parse_args(argv)
    try:
        if not os.access(SUPERVISOR, os.X_OK):
            raise UserError(f"{SUPERVISOR} is not built: run `make` first")
        if args.area:
            for a in args.area:
                if not os.path.isdir(os.path.join(TOP, "cases", a)):
                    raise UserError(f"no area '{a}' under cases/")
        doc = run(args)
    except (UserError, caselist.ListError) as e:
        print(f"kisol.mutate: {e}", file=sys.stderr)
        return 2
    out = args.results or os.path.join(TOP, "results", doc["run_id"])
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "mutation.json"), "w") as f:
        json.dump(doc, f, indent=1)
    text = survivors_text(doc)
    with open(os.path.join(out, "survivors.txt"), "w") as f:
        f.write(text)
    if args.survivors:
        with open(args.survivors, "w") as f:
            f.write(text)
    print_summary(doc)
    print(f"results: {os.path.join(out, 'mutation.json')}")
    return 1 if doc["leaks"] else 0


if __name__ == "__main__":
    sys.exit(main())
