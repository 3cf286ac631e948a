# SPDX-License-Identifier: GPL-2.0-only
"""kisol run history: an SQLite database of every stored run.

usage: python3 -m kisol.history [--db FILE] list | show RUN | delete RUN
                                | export RUN [-o FILE] | import DIR_OR_FILE...
                                | trend BENCHMARK [--params K=V,..] [-o FILE]

RUN is a run id, a unique prefix of one, a row number from `list`, or
`latest`. `import` takes run directories (results/<run-id>), bench.jsonl
files or exports from another machine (`export` writes kisol-export/1 JSON
with run facts, every case verdict and every benchmark record with its raw
samples).

Built on kisol.rundata (Run, the loaders and the keys of a measurement);
compare and the report get this database's noise figures through kisol.cli
and never open it themselves.
"""

import json
import math
import os
import sqlite3
import sys
import zlib

from kisol import changepoint, report_plot
from kisol.rundata import (HARNESS_PARAMS, InputError, Run, bench_key, bench_label, case_area,
                           fmt_val, load_path, no_such_run, semantic_key)
from kisol.usage import Parser

DEFAULT_DB = "results/history.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id            INTEGER PRIMARY KEY,
    run_id        TEXT UNIQUE NOT NULL,
    host          TEXT,
    kernel        TEXT,
    kisol_commit  TEXT,
    started       TEXT,
    finished      TEXT,
    cgroup_layout TEXT,
    vm            INTEGER,
    stored        TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    run_json      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cases (
    run        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    case_id    TEXT NOT NULL,
    area       TEXT,
    verdict    TEXT NOT NULL,
    reason     TEXT,
    duration_s REAL,
    case_json  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bench (
    run       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    benchmark TEXT NOT NULL,
    params    TEXT NOT NULL,
    unit      TEXT,
    samples   INTEGER,
    median    REAL,
    p99       REAL,
    record    TEXT NOT NULL,   -- the record without "raw"
    raw       BLOB             -- zlib-compressed JSON list of raw samples
);
CREATE INDEX IF NOT EXISTS bench_name ON bench(benchmark, params);
CREATE INDEX IF NOT EXISTS cases_run ON cases(run);
"""


class _NotADb(InputError):
    pass


def connect(db, create=False):
    if not create and not os.path.exists(db):
        raise InputError(f"{db}: no history database (run `make report` first)")
    if create:
        os.makedirs(os.path.dirname(db) or ".", exist_ok=True)
    try:
        con = sqlite3.connect(db)
        con.execute("PRAGMA foreign_keys = ON")
        con.executescript(SCHEMA)
        cols = [r[1] for r in con.execute("PRAGMA table_info(bench)")]
        if "raw" not in cols:
            con.execute("ALTER TABLE bench ADD COLUMN raw BLOB")
    except sqlite3.DatabaseError as e:
        raise InputError(f"{db}: not a kisol history database ({e})") from None
    return con


def store(db, run, replace=True):
    """Store a Run; returns the row id. An existing run id is replaced."""
    con = connect(db, create=True)
    r = run.run
    with con:
        old = con.execute("SELECT id FROM runs WHERE run_id=?", (run.run_id,)).fetchone()
        if old:
            if not replace:
                raise InputError(f"{run.run_id}: already stored")
            con.execute("DELETE FROM runs WHERE id=?", (old[0],))
        cur = con.execute(
            "INSERT INTO runs(run_id,host,kernel,kisol_commit,started,finished,cgroup_layout,"
            "vm,run_json) VALUES (?,?,?,?,?,?,?,?,?)",
            (run.run_id, r.get("host"), r.get("kernel"), r.get("kisol_commit"),
             r.get("started"), r.get("finished"), r.get("cgroup_layout"),
             1 if r.get("vm") else 0,
             json.dumps(dict(r, run_id=run.run_id, **({"_bench_skips": run.bench_skips}
                                                      if run.bench_skips else {})),
                        sort_keys=True)))
        rowid = cur.lastrowid
        con.executemany(
            "INSERT INTO cases(run,case_id,area,verdict,reason,duration_s,case_json) "
            "VALUES (?,?,?,?,?,?,?)",
            [(rowid, c["id"], case_area(c), c.get("verdict"), c.get("reason"),
              c.get("duration_s"), json.dumps(c, sort_keys=True)) for c in run.cases])
        con.executemany(
            "INSERT INTO bench(run,seq,benchmark,params,unit,samples,median,p99,record,raw) "
            "VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(rowid, i, b["benchmark"], bench_key(b)[1], b.get("unit"), b.get("samples"),
              b.get("median"), b.get("p99"),
              json.dumps({k: v for k, v in b.items() if k != "raw"}, sort_keys=True),
              _pack(b.get("raw"))) for i, b in enumerate(run.bench)])
    con.close()
    return rowid


def _pack(raw):
    if raw is None:
        return None
    return zlib.compress(json.dumps(raw, separators=(",", ":")).encode(), 6)


def _unpack(rec, raw):
    rec = json.loads(rec)
    if raw is not None:
        rec["raw"] = json.loads(zlib.decompress(raw))
    return rec


def _find(con, spec):
    rows = con.execute("SELECT id, run_id FROM runs ORDER BY started, id").fetchall()
    if not rows:
        return None
    if spec == "latest":
        return rows[-1][0]
    if spec.isdigit() and 1 <= int(spec) <= len(rows) and len(spec) < 6:
        return rows[int(spec) - 1][0]
    exact = [r for r in rows if r[1] == spec]
    if exact:
        return exact[0][0]
    pre = [r for r in rows if r[1].startswith(spec)]
    if len(pre) > 1:
        raise InputError(f"{spec}: ambiguous, matches {len(pre)} stored runs")
    return pre[0][0] if pre else None


def _load_row(con, rowid, db):
    run = json.loads(con.execute("SELECT run_json FROM runs WHERE id=?", (rowid,)).fetchone()[0])
    cases = [json.loads(x[0]) for x in
             con.execute("SELECT case_json FROM cases WHERE run=? ORDER BY rowid", (rowid,))]
    bench = [_unpack(rec, raw) for rec, raw in
             con.execute("SELECT record, raw FROM bench WHERE run=? ORDER BY seq", (rowid,))]
    skips = run.pop("_bench_skips", [])
    return Run(run, cases, bench, f"{db}#{run.get('run_id')}", skips)


def load(db, spec):
    """Run stored under spec, or None."""
    con = connect(db)
    try:
        rowid = _find(con, spec)
        return _load_row(con, rowid, db) if rowid is not None else None
    finally:
        con.close()


def list_runs(db):
    """[(number, run_id, host, kernel, started, cases, pass, fail, bench)]"""
    con = connect(db)
    out = []
    q = ("SELECT r.id, r.run_id, r.host, r.kernel, r.started, r.kisol_commit, r.cgroup_layout,"
         " (SELECT count(*) FROM cases c WHERE c.run=r.id),"
         " (SELECT count(*) FROM cases c WHERE c.run=r.id AND c.verdict='pass'),"
         " (SELECT count(*) FROM cases c WHERE c.run=r.id AND c.verdict IN ('fail','error')),"
         " (SELECT count(*) FROM bench b WHERE b.run=r.id)"
         " FROM runs r ORDER BY r.started, r.id")
    for n, row in enumerate(con.execute(q), 1):
        out.append((n,) + tuple(row[1:]))
    con.close()
    return out


def previous_run(db, run_id, host=None, vm=None):
    """The most recent stored run started before run_id (same host and the
    same kind, native or VM, if given)."""
    if not os.path.exists(db):
        return None
    con = connect(db)
    try:
        me = con.execute("SELECT started, id FROM runs WHERE run_id=?", (run_id,)).fetchone()
        q = "SELECT id FROM runs WHERE run_id != ?"
        args = [run_id]
        if me and me[0]:
            q += " AND (started < ? OR (started = ? AND id < ?))"
            args += [me[0], me[0], me[1]]
        if host:
            q += " AND host = ?"
            args.append(host)
        if vm is not None:
            q += " AND vm = ?"
            args.append(1 if vm else 0)
        row = con.execute(q + " ORDER BY started DESC, id DESC LIMIT 1", args).fetchone()
        return _load_row(con, row[0], db) if row else None
    finally:
        con.close()


def noise(db, host, kernel, exclude=(), min_runs=3):
    """Between-run noise of each benchmark on one host and kernel:
    {group key: (robust CV as a fraction, number of runs)} for benchmarks
    stored in at least min_runs runs (runs in exclude left out). The CV is
    max(1.4826 * MAD, standard deviation) / median of the per-run medians."""
    if not db or not os.path.exists(db):
        return {}
    con = connect(db)
    rows = con.execute(
        "SELECT r.run_id, b.record FROM bench b JOIN runs r ON r.id=b.run "
        "WHERE r.host IS ? AND r.kernel IS ?", (host, kernel)).fetchall()
    con.close()
    per = {}
    for rid, rec in rows:
        if rid in exclude:
            continue
        per.setdefault(rid, []).append(json.loads(rec))
    return noise_of(per.values(), min_runs)


def noise_of(runs, min_runs=3):
    """The between-run noise table of history.noise() from runs given as
    lists of records (one list per run)."""
    per = {}
    for n, recs in enumerate(runs):
        for rec in recs:
            if isinstance(rec.get("median"), (int, float)):
                per.setdefault(semantic_key(rec), {}).setdefault(n, []).append(rec["median"])
    out = {}
    for key, by_run in per.items():
        if len(by_run) < min_runs:
            continue
        meds = [_median(v) for v in by_run.values()]
        m = _median(meds)
        if m:
            # the larger of the robust (MAD) and the plain estimate: with a
            # handful of runs the MAD alone can come out near zero by chance
            mad = 1.4826 * _median([abs(x - m) for x in meds])
            mean = sum(meds) / len(meds)
            sd = math.sqrt(sum((x - mean) ** 2 for x in meds) / (len(meds) - 1))
            out[key] = (max(mad, sd) / abs(m), len(meds))
    return out


def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2.0


def delete(db, spec):
    con = connect(db)
    with con:
        rowid = _find(con, spec)
        if rowid is None:
            raise InputError(f"{spec}: no such stored run")
        rid = con.execute("SELECT run_id FROM runs WHERE id=?", (rowid,)).fetchone()[0]
        con.execute("DELETE FROM runs WHERE id=?", (rowid,))
    con.close()
    return rid


def trend(db, benchmark, params=None, host=None):
    """{label: [(run_id, kernel, started, median, p99, unit, lo, hi)]}, oldest
    first, one point per stored run for one benchmark (params: dict that must
    be a subset of the record params; host: only runs of that host). A run
    measured in rounds gives the median of its round medians, and lo..hi is
    the range of the round medians (with 6 rounds a 97% confidence interval
    of the median); a single record gives its own ci95_median."""
    con = connect(db)
    q = ("SELECT r.run_id, r.kernel, r.started, b.record FROM bench b JOIN runs r ON r.id=b.run"
         " WHERE b.benchmark=?")
    args = [benchmark]
    if host:
        q += " AND r.host=?"
        args.append(host)
    rows = con.execute(q + " ORDER BY r.started, r.id, b.seq", args).fetchall()
    con.close()
    per = {}
    for rid, kernel, started, rec in rows:
        rec = json.loads(rec)
        p = rec.get("params") or {}
        if params and any(str(p.get(k)) != v for k, v in params.items()):
            continue
        if not isinstance(rec.get("median"), (int, float)):
            continue
        runs = per.setdefault(_trend_label(rec), {})
        runs.setdefault(rid, (kernel, started, []))[2].append(rec)
    out = {}
    for label, runs in per.items():
        pts = []
        for rid, (kernel, started, recs) in runs.items():
            meds = [r["median"] for r in recs]
            p99 = [r["p99"] for r in recs if isinstance(r.get("p99"), (int, float))]
            if len(recs) > 1:
                lo, hi = min(meds), max(meds)
            else:
                ci = recs[0].get("ci95_median")
                lo, hi = (ci if isinstance(ci, list) and len(ci) == 2 else (meds[0], meds[0]))
            pts.append((rid, kernel, started, _median(meds), _median(p99) if p99 else None,
                        recs[0].get("unit"), lo, hi))
        out[label] = pts
    return out


def _trend_label(rec):
    """Benchmark and parameters without the harness settings (budget, sample
    limits...), so one series spans runs made with different settings."""
    return bench_label({"benchmark": rec["benchmark"],
                        "params": {k: v for k, v in (rec.get("params") or {}).items()
                                   if k not in HARNESS_PARAMS}})


def trend_steps(series, alpha=0.01, min_step=2.0, permutations=499):
    """{label: [changepoint.Step]} of the steps in each series at least
    min_step percent big (changepoint.find on the run medians)."""
    out = {}
    for label, pts in series.items():
        meds = [p[3] for p in pts]
        if len(meds) < 6 or any(not isinstance(m, (int, float)) or m <= 0 for m in meds):
            out[label] = []
            continue
        out[label] = [s for s in changepoint.find(meds, alpha=alpha, permutations=permutations)
                      if abs(s.pct) >= min_step]
    return out


def trend_chart(db, benchmark, params, out_path, host=None, steps=None):
    series = trend(db, benchmark, params, host)
    if not series:
        raise InputError(f"{benchmark}: no stored records of this benchmark")
    if steps is None:
        steps = trend_steps(series)
    return report_plot.trend_chart(series, out_path, title=f"{benchmark}: median across runs",
                                   steps=steps)


def trend_text(series, steps):
    """The per-run medians and the steps found, as lines."""
    lines = []
    for label, pts in series.items():
        unit = pts[0][5] or "ns"
        lines.append(f"{label} ({len(pts)} runs)")
        marks = {s.index: s for s in steps.get(label, [])}
        for i, (rid, kernel, started, med, p99, _u, lo, hi) in enumerate(pts):
            st = marks.get(i)
            lines.append(f"  {i:>3} {rid}  {fmt_val(med, unit):>10}  [{fmt_val(lo, unit)}, "
                         f"{fmt_val(hi, unit)}]" + (f"  <- step {st.pct:+.1f}%, confidence "
                                                    f"{st.confidence * 100:.1f}%" if st else ""))
        for st in steps.get(label, []):
            lines.append("  " + changepoint.describe(st, [p[0] for p in pts]))
        if len(pts) < 6:
            lines.append("  (fewer than 6 runs: no step search)")
        elif not steps.get(label):
            lines.append("  no step found")
    return lines


def all_steps(db, host=None, alpha=0.01, min_step=2.0):
    """[(label, run_id, Step)] for every benchmark stored."""
    con = connect(db)
    names = [r[0] for r in con.execute("SELECT DISTINCT benchmark FROM bench ORDER BY benchmark")]
    con.close()
    out = []
    for name in names:
        series = trend(db, name, None, host)
        for label, steps in trend_steps(series, alpha, min_step).items():
            out += [(label, series[label][s.index][0], s) for s in steps]
    return out


def _parse_params(s):
    if not s:
        return None
    out = {}
    for kv in s.split(","):
        if "=" not in kv:
            raise InputError(f"--params: expected K=V[,K=V...], got {kv!r}")
        k, v = kv.split("=", 1)
        out[k] = v
    return out


def build_parser():
    p = Parser(prog="kisol-history", description="Stored kisol runs (SQLite).")
    p.add_argument("--db", default=DEFAULT_DB, help=f"database (default {DEFAULT_DB})")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="list stored runs")
    s = sub.add_parser("show", help="show one run")
    s.add_argument("run")
    s = sub.add_parser("delete", help="delete one run")
    s.add_argument("run")
    s = sub.add_parser("export", help="export one run as kisol-export/1 JSON")
    s.add_argument("run")
    s.add_argument("-o", "--output", help="file (default stdout)")
    s = sub.add_parser("import", help="store run directories, bench.jsonl files or exports")
    s.add_argument("paths", nargs="+")
    s = sub.add_parser("trend", help="one benchmark across stored runs: step changes and a chart "
                                     "(--all: the steps of every benchmark)")
    s.add_argument("benchmark", nargs="?")
    s.add_argument("--all", action="store_true", help="search every stored benchmark for steps")
    s.add_argument("--params", help="K=V,... select parameter values")
    s.add_argument("--host", help="only runs of this host")
    s.add_argument("--alpha", type=float, default=0.01,
                   help="permutation test level of a step (default 0.01)")
    s.add_argument("--min-step", type=float, default=2.0, metavar="PCT",
                   help="report steps at least this big (default 2%%)")
    s.add_argument("-o", "--output", default="reports/out/trend.svg", help="chart file (.svg/.png)")
    return p


def _show(run):
    r = run.run
    lines = [f"{'run':<14}{run.run_id}"]
    for k in ("host", "kernel", "kisol_commit", "started", "finished", "cgroup_layout",
              "cpu_model", "vm", "complete"):
        if r.get(k) is not None:
            lines.append(f"{k:<14}{r[k]}")
    counts = {}
    for c in run.cases:
        counts[c.get("verdict")] = counts.get(c.get("verdict"), 0) + 1
    lines.append(f"{'cases':<14}" + (", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "none"))
    for c in run.cases:
        if c.get("verdict") in ("fail", "error"):
            lines.append(f"  {c['verdict'].upper()} {c['id']}: {c.get('reason') or ''}")
    lines.append(f"{'bench':<14}{len(run.bench)} record(s)")
    for b in run.bench:
        lines.append(f"  {bench_label(b)}: median {b.get('median')} {b.get('unit')}, "
                     f"p99 {b.get('p99')}, n={b.get('samples')}")
    return "\n".join(lines)


def _load_import(path):
    """A run directory, bench.jsonl or export given to `import`."""
    run = load_path(path)
    if run is None:
        raise no_such_run(path)
    return run


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except InputError as e:
        print(f"kisol-history: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as e:
        print(f"kisol-history: {e.filename or args.db}: {e.strerror or e}", file=sys.stderr)
        return 2
    except sqlite3.Error as e:
        print(f"kisol-history: {args.db}: {e}", file=sys.stderr)
        return 2


def _run(args):
    if args.cmd == "list":
        rows = list_runs(args.db)
        if not rows:
            print("no stored runs")
        for n, rid, host, kernel, started, commit, layout, nc, npass, nfail, nb in rows:
            print(f"{n:>3}  {rid}  {kernel}  commit {commit}  {layout}  "
                  f"cases {nc} (pass {npass}, fail {nfail})  bench {nb}")
        return 0
    if args.cmd in ("show", "export"):
        run = load(args.db, args.run)
        if run is None:
            raise InputError(f"{args.run}: no such stored run")
        if args.cmd == "show":
            print(_show(run))
            return 0
        text = json.dumps(run.export(), indent=1, sort_keys=True) + "\n"
        if args.output:
            try:
                with open(args.output, "w") as f:
                    f.write(text)
            except OSError as e:
                raise InputError(f"{args.output}: {e.strerror}") from None
        else:
            sys.stdout.write(text)
        return 0
    if args.cmd == "delete":
        print(f"deleted {delete(args.db, args.run)}")
        return 0
    if args.cmd == "import":
        runs = [_load_import(p) for p in args.paths]  # validate all first
        for run in runs:
            store(args.db, run)
            print(f"stored {run.run_id} ({len(run.cases)} cases, {len(run.bench)} bench records)")
        return 0
    if args.cmd == "trend":
        if not 0 < args.alpha < 1 or args.min_step < 0:
            raise InputError("--alpha wants (0,1) and --min-step >= 0")
        if args.all:
            steps = all_steps(args.db, args.host, args.alpha, args.min_step)
            for label, rid, st in steps:
                print(f"{label}: {changepoint.describe(st, None).replace(f'#{st.index}', rid)}")
            print(f"{len(steps)} step(s) found")
            return 0
        if not args.benchmark:
            raise InputError("trend: name a benchmark (or --all)")
        series = trend(args.db, args.benchmark, _parse_params(args.params), args.host)
        if not series:
            raise InputError(f"{args.benchmark}: no stored records of this benchmark")
        steps = trend_steps(series, args.alpha, args.min_step)
        print("\n".join(trend_text(series, steps)))
        print(trend_chart(args.db, args.benchmark, _parse_params(args.params), args.output,
                          args.host, steps))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
