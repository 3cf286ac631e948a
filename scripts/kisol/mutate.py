# SPDX-License-Identifier: GPL-2.0-only
"""make mutate: does each case notice a kernel that silently drops a guarantee?

Every case test first runs under build/kisol-mutate in observe mode (no
mutation; the supervisor reports which mutations its syscalls would touch):
each binary once with all its tests, the supervisor charging what it sees
to the test that was running (-t); a test that did not pass there runs
again alone, whose verdict counts. A test that passes then runs once per
touched mutation, alone, with that mutation active. Per test and mutation: touched (the mutation fired),
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

from kisol import caselist, hoststate, ktap, results, rundata, sandbox
from kisol.usage import Parser

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUPERVISOR = os.path.join(TOP, "build", "kisol-mutate")
SCHEMA = "kisol-mutation/1"
TARGET = 0.95
OBSERVE_CHUNK = 40  # tests per observe run at most


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


def verdict_of(out, name, rc, doc=None):
    """(verdict, reason) of test name from KTAP output (or its parsed doc)."""
    if rc is None:
        return "timeout", ""
    try:
        doc = doc or ktap.parse(out)
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

    def _supervise(self, mode, binary, tests, timeout):
        """(exit status or None on timeout, output, report dict or None, seconds)."""
        fd, rep = tempfile.mkstemp(prefix="kisol-mutate-", dir=self.scratch)
        os.close(fd)
        try:
            argv = [SUPERVISOR] + mode + ["-r", rep, "--", os.path.join(TOP, binary)]
            for t in tests:
                argv += ["-r", t]
            rc, out, secs = self._sb().run(argv, self.env, timeout)
            with open(rep) as f:
                text = f.read()
        finally:
            os.unlink(rep)
        try:
            report = json.loads(text) if text.strip() else None
        except ValueError:
            report = None
        return rc, out, report, secs

    def run(self, binary, test, mutation, timeout):
        """(verdict, reason, report dict or None, seconds) of one test alone."""
        mode = ["-o"] if mutation is None else ["-m", mutation]
        rc, out, report, secs = self._supervise(mode, binary, [test], timeout)
        v, reason = verdict_of(out, test, rc)
        if report is None and v == "pass":
            v, reason = "error", "the supervisor wrote no report"
        return v, reason, report, secs

    def observe_binary(self, binary, tests, whole, timeout):
        """Observe every test of tests in one run of binary (all of its tests
        when whole). {name: (verdict, reason, observed, seconds)} for the tests
        that ran and were seen; the others are missing."""
        rc, out, report, secs = self._supervise(["-o", "-t"], binary, [] if whole else tests, timeout)
        if rc is None or not report or not report.get("done"):
            return {}
        try:
            doc = ktap.parse(out)
        except ktap.KtapError:
            return {}
        seen = report.get("tests") or {}
        # what one run of this binary costs beside its tests: a test run alone pays it too
        base = max(0.0, secs - sum(t.get("secs", 0) for t in seen.values()))
        res = {}
        for name in tests:
            if name not in seen:
                continue
            v, reason = verdict_of(out, name, rc, doc)
            res[name] = (v, reason, seen[name].get("observed") or {}, seen[name].get("secs", 0) + base)
        return res

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
    load_start = list(os.getloadavg())
    os.makedirs(scratch, exist_ok=True)
    started, t0 = results.now_iso(), time.monotonic()
    runner = Runner(tag, scratch)
    recs = {}
    phases = {}
    try:
        with ThreadPoolExecutor(args.jobs) as pool:
            by_bin = {}
            for area, binary, spec in tests:
                by_bin.setdefault(binary, []).append((area, binary, spec))
            every = {b: len(caselist.list_binary(os.path.join(TOP, b))) for b in by_bin} \
                if args.k else {}
            # a binary of hundreds of tests in pieces, so that no one run finishes the phase alone
            batches = [items[i:i + OBSERVE_CHUNK] for items in by_bin.values()
                       for i in range(0, len(items), OBSERVE_CHUNK)]

            def observe(batch):
                """Observe a binary's tests in one run; a test missing there or not
                passing is observed again alone (the mutated runs are alone too)."""
                binary = batch[0][1]
                names = [spec.name for _, _, spec in batch]
                whole = every.get(binary, len(by_bin[binary])) == len(batch)
                timeout = sum(spec.timeout for _, _, spec in batch) + 15
                seen = runner.observe_binary(binary, names, whole, timeout) if args.batch else {}
                out = []
                for item in batch:
                    spec = item[2]
                    got = seen.get(spec.name)
                    if got and got[0] == "pass":
                        out.append((item, got[0], got[1], got[2], got[3], "binary"))
                        continue
                    v, reason, rep, secs = runner.run(binary, spec.name, None, spec.timeout + 15)
                    out.append((item, v, reason, (rep or {}).get("observed") or {}, secs, "alone"))
                return out

            t_obs = time.monotonic()
            todo = []
            order = sorted(batches, key=len, reverse=True)
            prog = Progress("observe", len(order), args.quiet)
            for res in pool.map(observe, order):
                prog.step()
                for (area, binary, spec), v, reason, observed, secs, how in res:
                    obs = {m: n for m, n in observed.items() if not args.mutation or m in args.mutation}
                    rec = {"id": f"{binary}::{spec.name}", "area": area, "binary": binary,
                           "test": spec.name, "baseline": v,
                           "baseline_reason": reason if v != "pass" else "",
                           "observe_s": round(secs, 4), "observed_in": how, "observed": obs, "runs": []}
                    recs[rec["id"]] = (rec, spec)
                    if v == "pass":
                        todo += [(rec["id"], m) for m in obs]
            phases["observe_s"] = round(time.monotonic() - t_obs, 1)

            def mutate(job):
                cid, m = job
                rec, spec = recs[cid]
                timeout = mutated_timeout(spec, rec["observe_s"], args.timeout_factor)
                v, reason, rep, secs = runner.run(rec["binary"], spec.name, m, timeout)
                return cid, m, v, reason, rep, secs

            # longest first, so a slow case does not finish the run alone
            todo.sort(key=lambda j: -recs[j[0]][0]["observe_s"])
            t_mut = time.monotonic()
            prog = Progress("mutate", len(todo), args.quiet)
            for cid, m, v, reason, rep, secs in pool.map(mutate, todo):
                prog.step()
                rec, spec = recs[cid]
                r = mutated_record(m, v, reason, rep, secs)
                r["outcome"] = outcome(r, spec.meta)
                if r["outcome"] == "immune":
                    r["immune"] = immune_for(spec.meta, m)
                rec["runs"].append(r)
            phases["mutate_s"] = round(time.monotonic() - t_mut, 1)
    finally:
        runner.close()
    left, stuck = _cleanup(tag, scratch)
    leaks = stuck + hoststate.diff(before, hoststate.snapshot())
    cases = [rec for rec, _ in sorted(recs.values(), key=lambda x: x[0]["id"])]
    doc = {"schema": SCHEMA, "run_id": run_id, "host": facts["host"], "kernel": facts["kernel"],
           "kisol_commit": facts.get("kisol_commit"), "started": started, "finished": results.now_iso(),
           "duration_s": round(time.monotonic() - t0, 1), "phases": phases, "jobs": args.jobs,
           "load_avg_start": load_start, "load_avg": list(os.getloadavg()), "areas": args.area or [], "only": args.mutation or [],
           "mutations": muts, "target": TARGET, "cases": cases, "leaks": leaks,
           "left_by_mutants": left}
    doc["summary"] = summarize(cases)
    return doc


def mutated_record(m, v, reason, rep, secs):
    """The run record of one mutated run. A run the driver stopped (timeout)
    was touched only if the supervisor's report, written when the mutation
    first fired, says so; one that hung before that is an error, not a kill."""
    if v == "timeout":
        touched = bool(rep and rep.get("touched"))
    else:
        touched = bool(rep and rep.get("touched")) or (rep is None and v != "pass")
    r = {"mutation": m, "touched": touched, "verdict": v, "reason": reason,
         "duration_s": round(secs, 4)}
    if rep and rep.get("not_applied"):
        r["not_applied"] = rep["not_applied"]
        r["why_not"] = rep.get("why_not", "")
    elif v == "timeout" and not touched:
        r["not_applied"] = 0
        r["why_not"] = "hung before the mutation fired"
    return r


def outcome(r, meta):
    if r.get("not_applied") or r.get("why_not"):
        return "error"
    if not r["touched"]:
        return "untouched"
    if r["verdict"] != "pass":
        return "killed"
    return "immune" if immune_for(meta, r["mutation"]) else "survived"


def hung(r):
    """A killed run that the driver had to stop (the mutant hung)."""
    return r["outcome"] == "killed" and r.get("verdict") == "timeout"


def _add(tab, key, r):
    o = r["outcome"]
    t = tab.setdefault(key, {"touched": 0, "killed": 0, "timeout": 0, "survived": 0, "immune": 0,
                             "untouched": 0, "error": 0})
    t[o] += 1
    if o in ("killed", "survived", "immune"):
        t["touched"] += 1
    if hung(r):
        t["timeout"] += 1


def summarize(cases):
    """Counts per mutation, per area and per (area, mutation). The kill rate
    is killed / touched; immune survivors count as touched, not killed. A
    mutant that hangs until the driver stops it is killed (the case did not
    pass: as in standard mutation testing, a timeout is a detection), and is
    also counted in "timeout", so hangs are visible apart from failures."""
    per_mut, per_area, cells = {}, {}, {}
    for c in cases:
        for r in c["runs"]:
            _add(per_mut, r["mutation"], r)
            _add(per_area, c["area"], r)
            _add(cells, f"{c['area']}/{r['mutation']}", r)
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


COLUMNS = "| touched | killed | of which hung | survived | immune | kill rate |"


def _row(name, t):
    return (f"| {name} | {t['touched']} | {t['killed']} | {t.get('timeout', 0)} | {t['survived']} "
            f"| {t['immune']} | {_rate(t)} |")


def table(doc):
    """Markdown tables: per mutation (supervisor order), then per area."""
    s = doc["summary"]
    rule = "|---|---:|---:|---:|---:|---:|---:|"
    lines = ["| mutation " + COLUMNS, rule]
    lines += [_row(m, s["per_mutation"][m]) for m in doc["mutations"] if m in s["per_mutation"]]
    lines += ["", "| area " + COLUMNS, rule]
    lines += [_row(a, s["per_area"][a]) for a in sorted(s["per_area"])]
    return "\n".join(lines)


def below_target(doc):
    """["area/mutation rate", ...] under the target."""
    s = doc["summary"]
    return [f"{k} {_rate(t)}" for k, t in sorted(s["per_area_mutation"].items())
            if t["kill_rate"] is not None and t["kill_rate"] < doc["target"]]


README_BEGIN = "<!-- mutate-table begin: generated, see below; do not edit by hand -->"
README_END = "<!-- mutate-table end -->"


def readme_block(doc):
    """README's mutation section body, from one run's mutation.json."""
    s = doc["summary"]
    load = doc.get("load_avg_start")
    load = (f"load average {load[0]:.1f} at the start, {doc['load_avg'][0]:.1f} at the end"
            if load else f"load average {doc['load_avg'][0]:.1f} at the end")
    mins, secs = divmod(int(round(doc["duration_s"])), 60)
    imm = sum(t["immune"] for t in s["per_mutation"].values())
    surv = sum(t["survived"] for t in s["per_mutation"].values())
    hung = sum(t.get("timeout", 0) for t in s["per_mutation"].values())
    below = below_target(doc)
    what = "every area" if not doc.get("areas") else "areas " + ", ".join(doc["areas"])
    if doc.get("only"):
        what += ", mutations " + ", ".join(doc["only"])
    lines = [README_BEGIN,
             f"Run `{doc['run_id']}` (kisol {doc.get('kisol_commit')}, {what}): {mins} min {secs:02d} s "
             f"with {doc['jobs']} jobs, {load}; {s['tests']} tests observed, {s['mutated_runs']} "
             f"mutated runs; host state {'CHANGED' if doc.get('leaks') else 'unchanged'}; baseline not "
             f"passing under the supervisor (not mutated): "
             + (", ".join(f"{n} {v}" for v, n in sorted(s["baseline_not_pass"].items())) or "none")
             + f". Kill rate = killed / touched; {hung} killed runs hung until the driver stopped "
               f"them; {imm} survivors carry a `mutant_immune` reason, {surv} do not.",
             "", table(doc), "",
             ("Below the target (area/mutation): " + ", ".join(below) + ".") if below
             else f"No area/mutation pair below {100 * doc['target']:.0f}%.",
             README_END]
    return "\n".join(lines) + "\n"


def write_readme(path, block):
    """Replace the generated block of README (between the markers)."""
    with open(path) as f:
        text = f.read()
    a, b = text.find(README_BEGIN), text.find(README_END)
    if a < 0 or b < a:
        raise UserError(f"{path}: no '{README_BEGIN}' ... '{README_END}' block")
    with open(path, "w") as f:
        f.write(text[:a] + block + text[b + len(README_END) + 1:])


def print_summary(doc, out=sys.stdout):
    s = doc["summary"]
    print(table(doc), file=out)
    ph = doc.get("phases") or {}
    print(f"\n{s['tests']} tests observed, {s['mutated_runs']} mutated runs in {doc['duration_s']} s "
          f"(observe {ph.get('observe_s', '?')} s, mutate {ph.get('mutate_s', '?')} s; {doc['jobs']} "
          f"jobs, load {(doc.get('load_avg_start') or doc['load_avg'])[0]:.1f} -> "
          f"{doc['load_avg'][0]:.1f}); baseline not passing under the "
          f"supervisor: {s['baseline_not_pass'] or 'none'}", file=out)
    below = below_target(doc)
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
    p = Parser(prog="kisol.mutate", description=__doc__.split("\n")[0])
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
    p.add_argument("--no-batch", dest="batch", action="store_false",
                   help="observe each test in a run of its own (default: one run per binary)")
    p.add_argument("--readme-table", metavar="MUTATION_JSON",
                   help="print README's mutation table block for this run's mutation.json (no run)")
    p.add_argument("--write-readme", action="store_true",
                   help="with --readme-table: replace the generated block in README.md")
    a = p.parse_args(argv)
    if a.write_readme and not a.readme_table:
        p.error("--write-readme needs --readme-table")
    if a.area:
        a.area = [x for v in a.area for x in v.split()]
    if a.jobs < 1:
        p.error("-n must be at least 1")
    return a


def readme_table(args):
    try:
        doc = rundata.load_mutation_json(args.readme_table)
    except rundata.InputError as e:
        raise UserError(str(e)) from None
    block = readme_block(doc)
    if args.write_readme:
        write_readme(os.path.join(TOP, "README.md"), block)
        print(f"README.md: mutation table of {doc['run_id']} written")
    else:
        sys.stdout.write(block)
    return 0


def main(argv=None):
    args = parse_args(argv)
    try:
        if args.readme_table:
            return readme_table(args)
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
