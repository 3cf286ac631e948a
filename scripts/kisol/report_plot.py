# SPDX-License-Identifier: GPL-2.0-only
"""Charts for the kisol report, drawn by gnuplot from scripts in reports/.

Python only writes the data files (quantiles, CDF points, sweep series) and
calls `gnuplot -e 'var=...' reports/<chart>.gp`.
"""

import os
import re
import subprocess

from kisol.report_data import InputError

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPORTDIR = os.path.join(TOP, "reports")
MAX_BOXES = 12
MAX_CDF = 8
CDF_POINTS = 200


def _q(s):
    """A gnuplot string literal."""
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _slug(s):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", s).strip("_")[:80] or "chart"


def gnuplot(script, out_path, data_path, **vars_):
    fmt = "png" if out_path.endswith(".png") else "svg"
    v = dict(outfile=out_path, datafile=data_path, fmt=fmt, reportdir=REPORTDIR,
             width=vars_.pop("width", 660), height=vars_.pop("height", 420), **vars_)
    cmds = []
    for k, val in v.items():
        if hasattr(val, "item"):      # numpy scalar
            val = val.item()
        if isinstance(val, bool):
            val = int(val)
        cmds.append(f"{k}={val}" if isinstance(val, (int, float)) else f"{k}={_q(val)}")
    try:
        p = subprocess.run(["gnuplot", "-e", "; ".join(cmds),
                            os.path.join(REPORTDIR, script)],
                           capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise InputError("gnuplot not found (run scripts/install-deps)") from None
    if p.returncode != 0 or not os.path.exists(out_path):
        err = (p.stderr.strip().splitlines() or ["no output"])[-1]
        raise InputError(f"gnuplot {script} failed: {err}")
    return out_path


def _quantiles(g):
    import numpy as np
    if g.raw:
        a = np.asarray(g.raw, dtype=float)
        return [float(x) for x in np.percentile(a, [1, 25, 50, 75, 99])]
    s = g.stats
    med = s.get("median")
    return [s.get("min", med), med, med, med, s.get("p99", s.get("max", med))]


def _short(label, family):
    family = family.split(" (")[0]
    return label[len(family):].lstrip(".") if label.startswith(family + ".") else label


def tick_labels(groups, family):
    """Short names: the benchmark name without the family prefix, plus the
    parameters only where the same benchmark appears more than once."""
    from kisol.compare import HARNESS_PARAMS
    names = [g.benchmark for g in groups]
    out = []
    for g in groups:
        lbl = _short(g.benchmark, family)
        if names.count(g.benchmark) > 1:
            shown = {k: v for k, v in g.params.items() if k not in HARNESS_PARAMS}
            varying = {k: v for k, v in shown.items()
                       if len({str(h.params.get(k)) for h in groups
                               if h.benchmark == g.benchmark}) > 1}
            lbl += " " + ",".join(f"{k}={v}" for k, v in sorted((varying or shown).items()))
        out.append(lbl[:38])
    return out


def box_chart(groups, family, out_path, workdir):
    """groups: list of Group of one family (same unit)."""
    groups = groups[:MAX_BOXES]
    data = os.path.join(workdir, _slug("box-" + family) + ".dat")
    lo, hi = float("inf"), 0.0
    labels = tick_labels(groups, family)
    with open(data, "w") as f:
        for i, g in enumerate(groups):
            q = _quantiles(g)
            lo, hi = min(lo, q[0]), max(hi, q[4])
            f.write(f"{i} {_q(labels[i])} " + " ".join(f"{x:g}" for x in q) + "\n")
    logy = lo > 0 and hi / lo > 30
    return gnuplot("box.gp", out_path, data, n=len(groups), logy=logy,
                   ylabel=groups[0].unit, title=f"{family}: distribution per variant",
                   height=460)


def cdf_chart(groups, family, out_path, workdir):
    import numpy as np
    groups = [g for g in groups if g.raw][:MAX_CDF]
    if not groups:
        return None
    data = os.path.join(workdir, _slug("cdf-" + family) + ".dat")
    lo, hi = float("inf"), 0.0
    labels = tick_labels(groups, family)
    with open(data, "w") as f:
        for g, lbl in zip(groups, labels):
            a = np.sort(np.asarray(g.raw, dtype=float))
            idx = np.unique(np.linspace(0, len(a) - 1, min(CDF_POINTS, len(a))).astype(int))
            f.write(_q(lbl) + "\n")
            for i in idx:
                f.write(f"{a[i]:g} {(i + 1) / len(a):.5f}\n")
            f.write("\n\n")
            lo, hi = min(lo, a[0]), max(hi, a[-1])
    logx = lo > 0 and hi / lo > 30
    return gnuplot("cdf.gp", out_path, data, n=len(groups), logx=logx,
                   xlabel=groups[0].unit, title=f"{family}: cumulative distribution")


def find_sweeps(groups):
    """Benchmarks whose records differ in exactly one numeric parameter with
    at least 3 values: {(benchmark, param): {series_label: [(x, group)]}}."""
    by_name = {}
    for g in groups:
        by_name.setdefault(g.benchmark, []).append(g)
    sweeps = {}
    for name, gs in by_name.items():
        if len(gs) < 3:
            continue
        keys = set().union(*(g.params.keys() for g in gs))
        for k in sorted(keys):
            vals = [g.params.get(k) for g in gs]
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
                continue
            if len(set(vals)) < 3:
                continue
            from kisol.compare import HARNESS_PARAMS
            series = {}
            for g in gs:
                rest = {kk: vv for kk, vv in g.params.items()
                        if kk != k and kk not in HARNESS_PARAMS}
                lbl = ",".join(f"{kk}={rest[kk]}" for kk in sorted(rest)) or "median"
                series.setdefault(lbl, []).append((g.params[k], g))
            series = {s: sorted(pts, key=lambda p: p[0]) for s, pts in series.items()
                      if len(pts) >= 3}
            if series:
                sweeps[(name, k)] = series
                break
    return sweeps


def scaling_chart(name, param, series, out_path, workdir):
    data = os.path.join(workdir, _slug(f"scale-{name}-{param}") + ".dat")
    xs, ys = [], []
    items = list(series.items())[:MAX_CDF]
    with open(data, "w") as f:
        for lbl, pts in items:
            f.write(_q(lbl[:40]) + "\n")
            for x, g in pts:
                med = g.stats.get("median")
                p99 = g.stats.get("p99", med)
                f.write(f"{x:g} {med:g} {p99:g}\n")
                xs.append(x)
                ys += [med, p99]
            f.write("\n\n")
    unit = items[0][1][0][1].unit
    logx = min(xs) > 0 and max(xs) / min(xs) >= 50
    logy = min(ys) > 0 and max(ys) / min(ys) >= 50
    return gnuplot("scaling.gp", out_path, data, n=len(items), logx=logx, logy=logy,
                   xlabel=param, ylabel=unit, title=f"{name}: median (solid) and p99 (dashed) vs {param}")


def trend_chart(series, out_path, title, workdir=None):
    """series: {label: [(run_id, kernel, started, median, p99, unit)]}."""
    workdir = workdir or os.path.dirname(out_path) or "."
    os.makedirs(workdir, exist_ok=True)
    data = os.path.join(workdir, _slug("trend-" + title) + ".dat")
    items = list(series.items())[:MAX_CDF]
    with open(data, "w") as f:
        for lbl, pts in items:
            f.write(_q(lbl[:50]) + "\n")
            for i, (rid, kernel, started, med, p99, unit) in enumerate(pts):
                tick = f"{(started or '')[:16]} {kernel or ''}".strip() or rid
                f.write(f"{i} {med if med is not None else 'NaN'} "
                        f"{p99 if p99 is not None else 'NaN'} {_q(tick)}\n")
            f.write("\n\n")
    unit = items[0][1][0][5] or ""
    return gnuplot("trend.gp", out_path, data, n=len(items), ylabel=unit, title=title,
                   height=440)
