# SPDX-License-Identifier: GPL-2.0-only
"""Export a kisol run as KernelCI KCIDB I/O JSON (schema v4.3).

usage: python3 -m kisol.kcidb RUN [-o FILE] [--origin NAME]

RUN is a results directory, file, or stored run id (`latest`). Mapping:
- one checkout: the kernel release that ran (id <origin>:<release>); its git
  commit is added when the release string carries one (-gXXXX...), else the
  release goes into git_commit_name/comment;
- one build: that kernel on this architecture (id <origin>:<release>-<arch>);
- one test per case: path kisol.<area>.<test>, status PASS/FAIL/ERROR/SKIP
  (xfail -> FAIL waived, xpass -> PASS), the harness output as log_excerpt;
- one test per benchmark measurement: path kisol.bench.<benchmark>, status
  DONE, statistics and parameters under misc;
- environment (host, CPU, cgroup layout, VM) in every test's environment.
The document is validated against the schema before it is written.
"""

import hashlib
import json
import os
import re
import sys

from kisol import cli, kcidb_schema
from kisol.rundata import InputError, case_area, params_label
from kisol.usage import Parser

STATUS = {"pass": ("PASS", False), "fail": ("FAIL", False), "error": ("ERROR", False),
          "skip": ("SKIP", False), "xfail": ("FAIL", True), "xpass": ("PASS", False)}
MAX_EXCERPT = 16384


def _path_part(s):
    return re.sub(r"[^a-zA-Z0-9_-]+", "_", str(s)).strip("_") or "x"


def _time(s):
    """An RFC 3339 date-time or None."""
    if isinstance(s, str) and kcidb_schema._DATE_TIME.match(s):
        return s
    if isinstance(s, str) and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$", s):
        return s + "+00:00"
    return None


def _put(d, key, value):
    """KCIDB forbids nulls: only set present values."""
    if value is not None and value != "":
        d[key] = value


def export(run, origin="kisol"):
    if not re.match(f"^{kcidb_schema.ORIGIN}$", origin):
        raise InputError(f"--origin {origin!r}: must match [a-z0-9_]+")
    r = run.run
    kernel = r.get("kernel") or "unknown"
    arch = _path_part(r.get("arch") or os.uname().machine).lower()
    arch = re.sub(r"[^a-z0-9_]", "_", arch)
    started = _time(r.get("started"))
    checkout = {"id": f"{origin}:{kernel}", "origin": origin, "valid": True,
                "comment": f"Linux {kernel} as booted on {r.get('host') or '?'}",
                "git_commit_name": kernel}
    m = re.search(r"-g([0-9a-f]{40})\b", kernel)
    if m:
        checkout["git_commit_hash"] = m.group(1)
    _put(checkout, "start_time", started)
    build = {"id": f"{origin}:{kernel}-{arch}", "origin": origin, "checkout_id": checkout["id"],
             "architecture": arch, "valid": True,
             "comment": f"kernel {kernel} ({arch}) tested by kisol"}
    _put(build, "start_time", started)
    env = {"comment": f"{r.get('host') or '?'}: {r.get('cpu_model') or '?'}, cgroups "
                      f"{r.get('cgroup_layout') or '?'}{', VM' if r.get('vm') else ''}",
           "misc": {k: r[k] for k in ("host", "cpu_model", "cgroup_layout", "vm", "vm_accel",
                                      "harness") if r.get(k) is not None}}
    misc_run = {k: r[k] for k in ("run_id", "kisol_commit") if r.get(k) is not None}
    misc_run.setdefault("run_id", run.run_id)
    tests = []
    rid = _path_part(run.run_id)
    for c in run.cases:
        status, waived = STATUS[c["verdict"]]
        test = c.get("test") or c["id"].split("::")[-1]
        t = {"id": f"{origin}:{rid}:{c['id']}", "origin": origin, "build_id": build["id"],
             "path": f"kisol.{_path_part(case_area(c))}.{'.'.join(map(_path_part, test.split('.')))}",
             "status": status, "waived": waived, "environment": env,
             "misc": dict(misc_run, verdict=c["verdict"], case=c["id"],
                          **{k: v for k, v in (c.get("meta") or {}).items() if v is not None})}
        _put(t, "comment", (c.get("reason") or "")[:1000])
        _put(t, "log_excerpt", (c.get("output") or "")[-MAX_EXCERPT:])
        if isinstance(c.get("duration_s"), (int, float)):
            t["duration"] = float(c["duration_s"])
        _put(t, "start_time", started)
        tests.append(t)
    seen = {}
    for b in run.bench:
        p = b.get("params") or {}
        h = hashlib.sha1(json.dumps(p, sort_keys=True).encode()).hexdigest()[:12]
        rep = seen[(b["benchmark"], h)] = seen.get((b["benchmark"], h), 0) + 1
        stats = {k: b[k] for k in ("unit", "samples", "min", "median", "mean", "p90", "p99",
                                   "max", "stddev", "ci95_median", "floor", "better")
                 if b.get(k) is not None}
        t = {"id": f"{origin}:{rid}:bench:{b['benchmark']}:{h}:{rep}", "origin": origin,
             "build_id": build["id"], "status": "DONE", "environment": env,
             "path": "kisol.bench." + ".".join(map(_path_part, b["benchmark"].split("."))),
             "comment": f"{b['benchmark']} [{params_label(p)}]: median {b.get('median')} "
                        f"{b.get('unit')}",
             "misc": dict(misc_run, params=p, repetition=rep, **stats)}
        _put(t, "start_time", _time(b.get("timestamp")) or started)
        tests.append(t)
    doc = {"version": {"major": kcidb_schema.MAJOR, "minor": kcidb_schema.MINOR},
           "checkouts": [checkout], "builds": [build], "tests": tests}
    return doc


def main(argv=None):
    ap = Parser(prog="kisol-kcidb", description="Export a kisol run as KCIDB v4.3 JSON.")
    ap.add_argument("run", help="results directory, file or stored run id (latest)")
    ap.add_argument("-o", "--output", help="output file (default stdout)")
    ap.add_argument("--origin", default="kisol", help="KCIDB origin name (default kisol)")
    ap.add_argument("--results", default="results")
    ap.add_argument("--db", default="results/history.sqlite")
    args = ap.parse_args(argv)
    try:
        run = cli.resolve(args.run, args.results, args.db)
        doc = export(run, args.origin)
        errs = kcidb_schema.validate(doc)
        if errs:
            raise InputError(f"export does not validate against KCIDB v4.3: {errs[0]}")
        text = json.dumps(doc, indent=1, sort_keys=True) + "\n"
        if args.output:
            d = os.path.dirname(args.output)
            if d:
                os.makedirs(d, exist_ok=True)
            with open(args.output, "w") as f:
                f.write(text)
            print(f"{args.output}: {len(doc['tests'])} tests, KCIDB schema v4.3", file=sys.stderr)
        else:
            sys.stdout.write(text)
    except InputError as e:
        print(f"kisol-kcidb: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"kisol-kcidb: {args.output}: {e.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
