# SPDX-License-Identifier: GPL-2.0-only
"""Charts for the kisol report, drawn by gnuplot from scripts in reports/.

Python only writes the data files (quantiles, CDF points, sweep series) and
calls `gnuplot -e 'var=...' reports/<chart>.gp`.
"""

import math
import os
import re
import subprocess

from kisol.rundata import HARNESS_PARAMS, InputError

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


TIME_UNITS = ((1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1.0, "ns"))


def human_unit(values, unit):
    """(divisor, label) putting a chart of `unit` values into human units:
    ns/µs/ms/s chosen from the geometric middle of the values (ns only);
    other units (ops/s) scale by k/M."""
    vals = [v for v in values if isinstance(v, (int, float)) and v > 0 and math.isfinite(v)]
    if not vals:
        return 1.0, unit
    mid = math.sqrt(min(vals) * max(vals))
    if unit == "ns":
        for div, lbl in TIME_UNITS:
            if mid >= div:
                return div, lbl
        return 1.0, "ns"
    for div, pre in ((1e6, "M"), (1e3, "k")):
        if mid >= div:
            return div, pre + unit
    return 1.0, unit


def geometric_sweep(xs):
    """True when the swept values grow by a constant-ish factor (1, 10, 100;
    1, 2, 4, ... 64): such a sweep is drawn on a log axis."""
    xs = sorted(set(x for x in xs if isinstance(x, (int, float))))
    if len(xs) < 3 or xs[0] <= 0 or xs[-1] / xs[0] < 10:
        return False
    return all(b / a >= 1.9 for a, b in zip(xs, xs[1:]))


def _floor_args(floor, div):
    """gnuplot variables of the floor reference line (floor: (name, value))."""
    if not floor or not floor[1]:
        return {"floorv": 0, "floorlbl": ""}
    return {"floorv": floor[1] / div, "floorlbl": f"floor: {floor[0]}"}


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


def box_chart(groups, family, out_path, workdir, floor=None):
    """groups: list of Group of one family (same unit); floor: (name, value)
    of the floor benchmark they are multiples of, drawn as a line."""
    groups = groups[:MAX_BOXES]
    data = os.path.join(workdir, _slug("box-" + family) + ".dat")
    labels = tick_labels(groups, family)
    qs = [_quantiles(g) for g in groups]
    allv = [x for q in qs for x in q] + ([floor[1]] if floor and floor[1] else [])
    div, ulabel = human_unit(allv, groups[0].unit)
    with open(data, "w") as f:
        for i, (g, q) in enumerate(zip(groups, qs)):
            lo, hi = g.ci if g.ci else (q[2], q[2])
            f.write(f"{i} {_q(labels[i])} " + " ".join(f"{x / div:g}" for x in q)
                    + f" {lo / div:g} {hi / div:g}\n")
    pos = [v for v in allv if v > 0]
    logy = bool(pos) and max(pos) / min(pos) > 30
    return gnuplot("box.gp", out_path, data, n=len(groups), logy=logy,
                   ylabel=ulabel, title=f"{family}: distribution per variant",
                   height=460, **_floor_args(floor, div))


def cdf_chart(groups, family, out_path, workdir):
    import numpy as np
    groups = [g for g in groups if g.raw][:MAX_CDF]
    if not groups:
        return None
    data = os.path.join(workdir, _slug("cdf-" + family) + ".dat")
    lo, hi = float("inf"), 0.0
    labels = tick_labels(groups, family)
    arrays = [np.sort(np.asarray(g.raw, dtype=float)) for g in groups]
    div, ulabel = human_unit([float(a[0]) for a in arrays] + [float(a[-1]) for a in arrays],
                             groups[0].unit)
    with open(data, "w") as f:
        for a, lbl in zip(arrays, labels):
            idx = np.unique(np.linspace(0, len(a) - 1, min(CDF_POINTS, len(a))).astype(int))
            f.write(_q(lbl) + "\n")
            for i in idx:
                f.write(f"{a[i] / div:g} {(i + 1) / len(a):.5f}\n")
            f.write("\n\n")
            lo, hi = min(lo, a[0]), max(hi, a[-1])
    logx = lo > 0 and hi / lo > 30
    return gnuplot("cdf.gp", out_path, data, n=len(groups), logx=logx,
                   xlabel=ulabel, title=f"{family}: cumulative distribution")


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


def scaling_chart(name, param, series, out_path, workdir, floor=None):
    """Median with the CI of the median as error bars, and p99 dashed,
    against the swept parameter; log x for a geometric sweep (1, 10, 100),
    log y when the values span more than 50x; floor: (name, value) line."""
    data = os.path.join(workdir, _slug(f"scale-{name}-{param}") + ".dat")
    items = list(series.items())[:MAX_CDF]
    xs, ys = [], []
    for _, pts in items:
        for x, g in pts:
            med = g.stats.get("median")
            xs.append(x)
            ys += [med, g.stats.get("p99", med)]
    div, ulabel = human_unit(ys + ([floor[1]] if floor and floor[1] else []), items[0][1][0][1].unit)
    with open(data, "w") as f:
        for lbl, pts in items:
            f.write(_q(lbl[:40]) + "\n")
            for x, g in pts:
                med = g.stats.get("median")
                p99 = g.stats.get("p99", med)
                lo, hi = g.ci if g.ci else (med, med)
                f.write(f"{x:g} {med / div:g} {p99 / div:g} {lo / div:g} {hi / div:g}\n")
            f.write("\n\n")
    logx = geometric_sweep(xs)
    pos = [y for y in ys if y and y > 0]
    logy = bool(pos) and max(pos) / min(pos) >= 50
    return gnuplot("scaling.gp", out_path, data, n=len(items), logx=logx, logy=logy,
                   xlabel=param + (" (log scale)" if logx else ""), ylabel=ulabel,
                   title=f"{name}: median with 95% CI (solid) and p99 (dashed) vs {param}",
                   **_floor_args(floor, div))


def trend_chart(series, out_path, title, workdir=None, steps=None):
    """series: {label: [(run_id, kernel, started, median, p99, unit, lo, hi)]}
    (history.trend); the band is the CI of each run's median; steps:
    {label: [changepoint.Step]} drawn as dashed lines with size and
    confidence."""
    workdir = workdir or os.path.dirname(out_path) or "."
    os.makedirs(workdir, exist_ok=True)
    data = os.path.join(workdir, _slug("trend-" + title) + ".dat")
    items = list(series.items())[:MAX_CDF]
    vals = [v for _, pts in items for p in pts for v in (p[3], p[6], p[7])
            if isinstance(v, (int, float))]
    div, ulabel = human_unit(vals, items[0][1][0][5] or "")
    marks = []
    with open(data, "w") as f:
        for lbl, pts in items:
            f.write(_q(lbl[:50]) + "\n")
            for i, p in enumerate(pts):
                rid, kernel, started, med, p99 = p[:5]
                lo, hi = (p[6], p[7]) if len(p) > 7 else (med, med)
                tick = f"{(started or '')[:16]} {kernel or ''}".strip() or rid
                num = lambda v: f"{v / div:g}" if isinstance(v, (int, float)) else "NaN"
                f.write(f"{i} {num(med)} {num(p99)} {_q(tick)} {num(lo)} {num(hi)}\n")
            f.write("\n\n")
            for st in (steps or {}).get(lbl, []):
                marks.append(f"{st.index - 0.5:g}|{st.pct:+.1f}% ({st.confidence * 100:.0f}%)")
    return gnuplot("trend.gp", out_path, data, n=len(items), ylabel=ulabel, title=title,
                   height=440, steps=";".join(marks), nsteps=len(marks))
