# SPDX-License-Identifier: GPL-2.0-only
"""Compare kisol runs, mmtests compare-kernels style.

usage: python3 -m kisol.compare [options] BASE NEW [NEW...]

Each run is a results directory, a run id under results/, a bench.jsonl or
cases.json file, a history export, or a run stored in the history database.
One row per benchmark and statistic; a column per run; the first run is the
baseline and every other cell reads `value (+pct%)` where a positive
percentage always means better.

Significance rule (the median row of each benchmark): the units are the
medians of the rounds a run spreads every benchmark over (else of blocks of
raw samples), on a log scale. The difference of the two runs' mean log
unit is significant when it exceeds the t quantile (two-sided --alpha,
default 0.01) times its standard error AND the medians differ by at least
--min-effect percent (default 5). The standard error has two parts: the
spread of the rounds inside each run (s^2/na + s^2/nb) and the wander of a
whole run's level that no round sees, taken as --run-noise (default 1)
times the first part, or measured directly when the history holds
calibration runs (kisol.cli looks them up; Comparison takes them as its
noise argument). Without units the 95% confidence intervals of the medians
must not overlap instead. Where a row measures less than two timings'
worth (median below twice timing_overhead_ns of the run: mostly the clock
itself), a change of the median no larger than one timing is never
significant: the harness cannot resolve it. A significant change worse than --threshold
percent (default 5) is a regression. Exit status: 1 on any
regression or on a case that passed in the baseline and fails (or errors)
in a later run, 2 on bad input, 0 otherwise.
"""

import json
import math
import sys

from kisol import cli
from kisol.rundata import (HARNESS_PARAMS, REPEAT_PARAMS, STATS, InputError, bench_key,
                           bench_label, semantic_key)
from kisol.usage import Parser

SHOWN_STATS = ("median", "p99", "mean", "min")
MIN_SAMPLES = 5
BLOCKS = 8
MIN_REPS = 5


def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2.0


class Group:
    """All records of one benchmark+params in one run (repetitions pooled)."""

    def __init__(self, recs):
        r0 = recs[0]
        self.benchmark = r0["benchmark"]
        self.params = {k: v for k, v in (r0.get("params") or {}).items()
                       if k not in REPEAT_PARAMS}
        shown = {k: v for k, v in self.params.items() if k not in HARNESS_PARAMS}
        self.label = bench_label({"benchmark": self.benchmark, "params": shown})
        self.unit = r0.get("unit", "")
        self.better = r0.get("better", "lower")
        self.floor = r0.get("floor")
        self.records = recs
        self.resolution = _resolution(recs, self.unit)
        raw = []
        for r in recs:
            if isinstance(r.get("raw"), list):
                raw.extend(r["raw"])
        self.raw = raw if len(raw) >= MIN_SAMPLES else None
        self.stats = self._stats(recs)
        self.ci = self._ci(recs)
        self.n = len(self.raw) if self.raw else sum(int(r.get("samples") or 0) for r in recs)
        self.units, self.method = self._units(recs)
        self.log_sd = _log_sd(self.units)

    def _units(self, recs):
        """Observations for the test: the medians of the repetitions
        when there are at least MIN_REPS (fewer cannot reach p < 0.01), else
        the medians of BLOCKS consecutive blocks of the raw samples."""
        if len(recs) >= MIN_REPS:
            meds = []
            for r in recs:
                if isinstance(r.get("raw"), list) and r["raw"]:
                    meds.append(_median(r["raw"]))
                elif isinstance(r.get("median"), (int, float)):
                    meds.append(r["median"])
            if len(meds) >= MIN_REPS:
                return meds, f"{len(meds)} repetitions"
        if self.raw and len(self.raw) >= 2 * BLOCKS:
            k = len(self.raw) // BLOCKS
            return [_median(self.raw[i * k:(i + 1) * k]) for i in range(BLOCKS)], \
                f"{BLOCKS} blocks"
        raw = [x for r in recs if isinstance(r.get("raw"), list) for x in r["raw"]]
        if len(raw) >= 2:      # a few samples (e.g. 3 rounds): the test on them
            return raw, f"{len(raw)} samples"
        return None, None

    def _stats(self, recs):
        if self.raw:
            import numpy as np
            a = np.asarray(self.raw, dtype=float)
            return {"min": float(a.min()), "median": float(np.median(a)),
                    "mean": float(a.mean()), "p90": float(np.percentile(a, 90)),
                    "p99": float(np.percentile(a, 99)), "max": float(a.max())}
        out = {}
        for s in STATS:
            vals = sorted(r[s] for r in recs if isinstance(r.get(s), (int, float)))
            if vals:
                out[s] = vals[len(vals) // 2] if s != "min" else vals[0]
        if "max" in out:
            out["max"] = max(r["max"] for r in recs if isinstance(r.get("max"), (int, float)))
        return out

    def _ci(self, recs):
        meds = sorted(r["median"] for r in recs if isinstance(r.get("median"), (int, float)))
        if len(meds) >= MIN_REPS:
            # rounds: distribution-free CI of the median from the round
            # medians (order statistics; 6 rounds give min..max, 97%)
            return median_ci(meds)
        if len(recs) > 1:
            if not self.raw:
                return None
            # distribution-free 95% CI of the pooled median (order statistics)
            a = sorted(self.raw)
            n = len(a)
            h = 0.98 * math.sqrt(n)
            return (float(a[max(0, int(math.floor(n / 2 - h)))]),
                    float(a[min(n - 1, int(math.ceil(n / 2 + h)))]))
        ci = recs[0].get("ci95_median")
        if isinstance(ci, list) and len(ci) == 2 and all(isinstance(x, (int, float)) for x in ci):
            return (float(ci[0]), float(ci[1]))
        return None


def median_ci(xs, level=0.95):
    """Distribution-free CI of the median of a few values: the k-th smallest
    and largest, k the largest with P(Binomial(n, 1/2) < k) <= (1-level)/2."""
    xs = sorted(xs)
    n = len(xs)
    k, tail = 0, 0.0
    while k < n // 2:
        nxt = tail + math.comb(n, k) / 2.0 ** n
        if nxt > (1 - level) / 2:
            break
        tail, k = nxt, k + 1
    k = max(k, 1)
    return (float(xs[k - 1]), float(xs[n - k]))


def _resolution(recs, unit):
    """The cost of one timing in this row's run (two clock reads,
    timing_overhead_ns, measured in the same run), in the row's unit; 0
    when unknown. See _below_resolution()."""
    if unit != "ns":
        return 0.0
    vals = [r["timing_overhead_ns"] for r in recs
            if isinstance(r.get("timing_overhead_ns"), (int, float)) and r["timing_overhead_ns"] > 0]
    return float(max(vals)) if vals else 0.0


def _clock_bound(gb, gn):
    """The timing cost when the row measures less than two timings' worth
    (then what is measured is mostly the clock), else 0. Here the clock
    (kvm-clock) advances in steps of about 10 ns and two reads cost 20 or
    30 ns about half of the time each, so the median of an operation that
    costs nothing flips between 20 and 30 ns from run to run: a change of
    such a median no larger than one timing is not the kernel's."""
    res = max(gb.resolution, gn.resolution)
    mb, mn = gb.stats.get("median"), gn.stats.get("median")
    if not res or mb is None or mn is None or min(mb, mn) >= 2 * res:
        return 0.0
    return res


def _below_resolution(gb, gn):
    """True when the medians differ by no more than _clock_bound()."""
    res = _clock_bound(gb, gn)
    return bool(res) and abs(gn.stats["median"] - gb.stats["median"]) <= res


def _log_sd(units):
    """Spread of the rank-test units (round medians) on a log scale: the
    larger of 1.4826 x MAD and the plain standard deviation of log(x), so
    that a handful of rounds agreeing by chance does not look noiseless.
    None with fewer than 3 positive units."""
    xs = [math.log(x) for x in (units or ()) if isinstance(x, (int, float)) and x > 0]
    if len(xs) < 3:
        return None
    m = _median(xs)
    mad = 1.4826 * _median([abs(x - m) for x in xs])
    mean = sum(xs) / len(xs)
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))
    return max(mad, sd)


Z_POWER = 0.8416       # 80% power
RUN_NOISE = 1.0        # default --run-noise (measured 0.85 here: scripts/bench-aa)


def _mean_log(units):
    xs = [math.log(x) for x in (units or ()) if isinstance(x, (int, float)) and x > 0]
    return sum(xs) / len(xs) if xs else None


def standard_error(gb, gn, run_noise=RUN_NOISE, between_cv=None):
    """Standard error of the difference of two runs' mean log units, and
    its degrees of freedom: the pooled spread s of the rounds inside the
    runs gives s^2 (1/na + 1/nb); the wander of a whole run's level, which
    rounds inside one run cannot see, adds run_noise times that much, or,
    when the history measured this benchmark's between-run CV, at least
    2 x CV^2 (the variance of the difference of two run levels).
    None when either run has fewer than 3 units."""
    if gb is None or gn is None or gb.log_sd is None or gn.log_sd is None:
        return None
    na, nb = len(gb.units), len(gn.units)
    df = na + nb - 2
    pooled2 = ((na - 1) * gb.log_sd ** 2 + (nb - 1) * gn.log_sd ** 2) / df
    var = pooled2 * (1.0 / na + 1.0 / nb) * (1.0 + run_noise)
    if between_cv:
        var = max(var, 2.0 * math.log1p(between_cv) ** 2)
    return math.sqrt(var), df


def detectable(gb, gn, alpha, min_effect, run_noise=RUN_NOISE, between_cv=None):
    """Minimum detectable effect in percent for one row: the change of the
    median the test below finds with 80% power at alpha, (t quantile +
    z_0.8) standard errors, never below min_effect. None when the runs
    have no rounds to judge from."""
    from scipy.stats import t as tdist
    se = standard_error(gb, gn, run_noise, between_cv)
    if se is None:
        return None
    shift = (float(tdist.ppf(1 - alpha / 2, se[1])) + Z_POWER) * se[0]
    mde = max(min_effect, (math.exp(shift) - 1) * 100.0)
    res = _clock_bound(gb, gn)
    if res:
        # the smallest change that also exceeds what the clock resolves
        mde = max(mde, res / gb.stats["median"] * 100.0 * (1 + 1e-9))
    return mde


def group_key(rec):
    p = {k: v for k, v in (rec.get("params") or {}).items() if k not in REPEAT_PARAMS}
    return bench_key({"benchmark": rec["benchmark"], "params": p})


def _rekey(groups):
    """Key groups by benchmark and parameters without the harness settings
    (warm-up, batch, sample limits, CPU pinning) where that is unique in
    the run, so runs made with different harness settings still line up."""
    sem = {}
    for k, g in groups.items():
        sk = bench_key({"benchmark": g.benchmark,
                        "params": {p: v for p, v in g.params.items() if p not in HARNESS_PARAMS}})
        sem.setdefault(sk, []).append(k)
    out = {}
    for sk, ks in sem.items():
        if len(ks) == 1:
            out[sk] = groups[ks[0]]
        else:
            out.update((k, groups[k]) for k in ks)
    return out


def group_bench(records):
    groups, order = {}, []
    for r in records:
        k = group_key(r)
        if k not in groups:
            groups[k] = []
            order.append(k)
        groups[k].append(r)
    return {k: Group(groups[k]) for k in order}


def pct_better(base, new, better):
    """Relative change in percent, positive = better."""
    if base is None or new is None or base == 0:
        return None
    d = (new - base) / abs(base) * 100.0
    return d if better == "higher" else -d


def significance(gb, gn, alpha, min_effect, run_noise=RUN_NOISE, between_cv=None):
    """-> (significant: bool|None, p-value|None, method). A t test on the
    difference of the mean log units (round medians) against
    standard_error(), and a change of the median of at least min_effect
    percent; without units, confidence intervals that do not overlap."""
    d = pct_better(gb.stats.get("median"), gn.stats.get("median"), gb.better)
    if d is None:
        return None, None, "n/a"
    if _below_resolution(gb, gn):
        return False, None, "below resolution"
    se = standard_error(gb, gn, run_noise, between_cv)
    if se is not None:
        from scipy.stats import t as tdist
        diff = _mean_log(gn.units) - _mean_log(gb.units)
        if se[0] == 0:
            p = 1.0 if diff == 0 else 0.0
        else:
            p = float(2 * tdist.sf(abs(diff) / se[0], se[1]))
        return (p < alpha and abs(d) >= min_effect), p, gb.method
    if gb.ci and gn.ci:
        apart = gb.ci[1] < gn.ci[0] or gn.ci[1] < gb.ci[0]
        return (apart and abs(d) >= min_effect), None, "ci"
    return None, None, "n/a"


class Comparison:
    def __init__(self, runs, alpha=0.01, min_effect=5.0, threshold=5.0, stats=SHOWN_STATS,
                 noise=None, run_noise=RUN_NOISE):
        self.runs = runs
        self.alpha, self.min_effect, self.threshold = alpha, min_effect, threshold
        self.run_noise = run_noise
        self.noise = noise or {}    # group key -> (between-run CV, runs)
        self.stats = stats
        self.groups = [_rekey(group_bench(r.bench)) for r in runs]
        self.harness_diffs = self._harness_diffs()
        self.rows = []          # dicts, see _bench_rows
        self.regressions = []   # (run index, label, pct)
        self.case_changes = []  # (run index, case id, old, new)
        self.gmean = []         # per later run: pct or None
        self._bench_rows()
        self._case_rows()

    def _harness_diffs(self):
        """[(label, {param: (base value, other value)})] for measurements
        matched across runs although their harness settings differ."""
        out = []
        for k, gb in self.groups[0].items():
            for g in self.groups[1:]:
                gn = g.get(k)
                if gn is None:
                    continue
                d = {p: (gb.params.get(p), gn.params.get(p)) for p in HARNESS_PARAMS
                     if gb.params.get(p) != gn.params.get(p)}
                if d:
                    out.append((gb.label, d))
        return out

    def _bench_rows(self):
        keys = list(self.groups[0])
        for g in self.groups[1:]:
            keys += [k for k in g if k not in keys]
        logs = [[] for _ in self.runs[1:]]
        for k in keys:
            cells = [g.get(k) for g in self.groups]
            ref = next(c for c in cells if c is not None)
            for s in self.stats:
                if not any(c is not None and s in c.stats for c in cells):
                    continue
                row = {"key": k, "label": ref.label, "benchmark": ref.benchmark,
                       "params": ref.params, "unit": ref.unit, "better": ref.better,
                       "stat": s, "values": [], "pct": [], "sig": [], "p": [],
                       "regress": [], "effect": self.min_effect, "mde": []}
                nk = semantic_key(ref.records[0])
                between = self.noise[nk][0] if nk in self.noise else None
                base = cells[0]
                for i, c in enumerate(cells):
                    v = c.stats.get(s) if c is not None else None
                    row["values"].append(v)
                    if s == "median":
                        row["mde"].append(detectable(base, c, self.alpha, self.min_effect,
                                                     self.run_noise, between) if i else None)
                    if i == 0:
                        row["pct"].append(None)
                        row["sig"].append(None)
                        row["p"].append(None)
                        row["regress"].append(False)
                        continue
                    bv = base.stats.get(s) if base is not None else None
                    d = pct_better(bv, v, ref.better)
                    sig = p = None
                    if s == "median" and base is not None and c is not None:
                        sig, p, _ = significance(base, c, self.alpha, self.min_effect,
                                                 self.run_noise, between)
                        if d is not None and bv and v and bv > 0 and v > 0:
                            r = v / bv if ref.better == "higher" else bv / v
                            logs[i - 1].append(math.log(r))
                    reg = bool(sig) and d is not None and d < -max(self.threshold, row["effect"])
                    if reg:
                        self.regressions.append((i, ref.label, d))
                    row["pct"].append(d)
                    row["sig"].append(sig)
                    row["p"].append(p)
                    row["regress"].append(reg)
                self.rows.append(row)
        self.gmean = [((math.exp(sum(lg) / len(lg)) - 1) * 100.0) if lg else None
                      for lg in logs]

    def _case_rows(self):
        base = {c["id"]: c.get("verdict") for c in self.runs[0].cases}
        for i, r in enumerate(self.runs[1:], 1):
            for c in r.cases:
                old = base.get(c["id"])
                new = c.get("verdict")
                if old != new and old is not None:
                    self.case_changes.append((i, c["id"], old, new))

    def floor_shifts(self):
        """Floor benchmarks (null syscall, fork...) that changed significantly:
        a sign that the machine or its load differs between the runs."""
        return [(self.runs[i].run_id, r["label"], r["pct"][i]) for r in self.rows
                if r["stat"] == "median" and r["benchmark"].startswith("floor.")
                for i in range(1, len(self.runs)) if r["sig"][i]]

    @property
    def case_regressions(self):
        return [c for c in self.case_changes
                if c[2] in ("pass", "xfail") and c[3] in ("fail", "error", "xpass")]

    @property
    def failed(self):
        return bool(self.regressions or self.case_regressions)

    def significant_rows(self):
        return [r for r in self.rows if any(r["sig"][1:])]

    def to_json(self):
        return {"runs": [r.run_id for r in self.runs], "alpha": self.alpha,
                "min_effect": self.min_effect, "threshold": self.threshold,
                "run_noise": self.run_noise,
                "rows": [{k: v for k, v in r.items() if k != "key"} for r in self.rows],
                "gmean_pct": self.gmean,
                "regressions": [{"run": self.runs[i].run_id, "benchmark": l, "pct": d}
                                for i, l, d in self.regressions],
                "case_changes": [{"run": self.runs[i].run_id, "id": cid, "old": o, "new": n}
                                 for i, cid, o, n in self.case_changes],
                "failed": self.failed}


def fmt_value(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 1e6:
        return f"{v:.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def fmt_cell(row, i):
    v = row["values"][i]
    if i == 0 or v is None:
        return fmt_value(v)
    d = row["pct"][i]
    mark = "!" if row["regress"][i] else ("*" if row["sig"][i] else " ")
    ds = f"{d:+.2f}%" if d is not None else "n/a"
    return f"{fmt_value(v)} ({ds}){mark}"


def fmt_mde(row):
    vals = [m for m in row.get("mde") or () if m is not None]
    return f"+-{max(vals):.1f}%" if vals else ""


def render_text(cmp):
    out = []
    runs = cmp.runs
    heads = ["benchmark", "stat"] + [r.label() for r in runs] + ["detectable"]
    labels = [r.run_id for r in runs]
    body = []
    for row in cmp.rows:
        name = row["label"] + (f" ({row['unit']})" if row["stat"] == "median" else "")
        body.append([name if row["stat"] == "median" else "", row["stat"]]
                    + [fmt_cell(row, i) for i in range(len(runs))] + [fmt_mde(row)])
    if cmp.gmean:
        body.append(["geometric mean of median ratios", "gmean", "1.00"]
                     + [f"{(1 + g / 100):.3f} ({g:+.2f}%)" if g is not None else "-"
                        for g in cmp.gmean] + [""])
    for i, l in enumerate(labels):
        out.append(f"run {i}{' (baseline)' if i == 0 else ''}: {l}")
    out.append("")
    if body:
        widths = [max(len(str(x[j])) for x in body + [heads]) for j in range(len(heads))]
        fmt = lambda cols: "  ".join(str(c).ljust(w) if j < 2 else str(c).rjust(w)
                                     for j, (c, w) in enumerate(zip(cols, widths)))
        out.append(fmt(heads))
        out.append("  ".join("-" * w for w in widths))
        out.extend(fmt(b) for b in body)
        out.append("")
        out.append(f"positive % = better; * = significant (t test of the round medians' mean "
                   f"log, p<{cmp.alpha:g}, and |change| >= {cmp.min_effect:g}%); ! = significant "
                   f"regression beyond {cmp.threshold:g}%")
        out.append(f"noise = the spread of the rounds inside each run, plus {cmp.run_noise:g} x "
                   f"that much for the wander of a whole run's level (--run-noise)"
                   + (f", or the between-run CV of {len(cmp.noise)} benchmark(s) stored in the "
                      f"history where larger" if cmp.noise else ""))
        out.append(f"detectable = the smallest change of the median this noise lets the test "
                   f"find (80% power at p<{cmp.alpha:g}); a change below it reads as 'no "
                   f"change' whether or not there is one; for rows cheaper than two timings never "
                   f"below the run's own timing cost (timing_overhead_ns)")
    else:
        out.append("no benchmark records to compare")
    for rid, lbl, d in cmp.floor_shifts():
        out.append(f"note: floor {lbl} changed {d:+.1f}% in {rid}: the machine or its load "
                   f"differs, costs built on it are not comparable")
    if cmp.harness_diffs:
        lbl, d = cmp.harness_diffs[0]
        ex = ", ".join(f"{p} {a} -> {b}" for p, (a, b) in sorted(d.items()))
        out.append(f"note: {len(cmp.harness_diffs)} measurement(s) ran with different harness "
                   f"settings than the baseline (e.g. {lbl}: {ex})")
    if cmp.case_changes:
        out.append("")
        out.append("correctness changes against the baseline:")
        for i, cid, o, n in cmp.case_changes:
            bad = " REGRESSION" if (i, cid, o, n) in cmp.case_regressions else ""
            out.append(f"  {labels[i]}: {cid}: {o} -> {n}{bad}")
    out.append("")
    nreg, ncase = len(cmp.regressions), len(cmp.case_regressions)
    out.append(f"result: {'FAIL' if cmp.failed else 'OK'} ({nreg} benchmark regression(s), "
               f"{ncase} pass->fail case(s), {len(cmp.significant_rows())} significant row(s) "
               f"of {len(cmp.rows)})")
    return "\n".join(out)


def build_parser():
    p = Parser(prog="kisol-compare", description=__doc__.split("\n\n")[0],
               epilog="Exit status: 0 ok, 1 regression, 2 bad input.")
    p.add_argument("runs", nargs="+", metavar="RUN", help="baseline first, then one or more runs")
    p.add_argument("--threshold", type=float, default=5.0,
                   help="percent a significant slowdown must exceed to fail (default 5)")
    p.add_argument("--min-effect", type=float, default=5.0,
                   help="minimum change in percent to call significant (default 5)")
    p.add_argument("--alpha", type=float, default=0.01, help="significance level of the t test (default 0.01)")
    p.add_argument("--results", default="results", help="results directory (default results)")
    p.add_argument("--db", default="results/history.sqlite", help="history database")
    p.add_argument("--no-noise", action="store_true",
                   help="ignore the between-run noise learnt from the history database")
    p.add_argument("--run-noise", type=float, default=RUN_NOISE, metavar="K",
                   help="variance of a whole run's level as a multiple of the rounds' own "
                        f"(default {RUN_NOISE:g}; scripts/bench-aa measures it)")
    p.add_argument("--json", metavar="FILE", help="also write the comparison as JSON")
    p.add_argument("--all-stats", action="store_true", help="show min/median/mean/p90/p99/max")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    if len(args.runs) < 2:
        print("kisol-compare: need at least two runs (BASE NEW)", file=sys.stderr)
        return 2
    if not (0 < args.alpha < 1) or min(args.threshold, args.min_effect, args.run_noise) < 0:
        print("kisol-compare: --alpha must be in (0,1), --threshold, --min-effect and "
              "--run-noise >= 0", file=sys.stderr)
        return 2
    try:
        runs = [cli.resolve(s, args.results, args.db) for s in args.runs]
    except InputError as e:
        print(f"kisol-compare: {e}", file=sys.stderr)
        return 2
    stats = STATS if args.all_stats else SHOWN_STATS
    noise = {} if args.no_noise else cli.history_noise(args.db, runs)
    cmp = Comparison(runs, args.alpha, args.min_effect, args.threshold, stats, noise,
                     args.run_noise)
    print(render_text(cmp))
    if args.json:
        try:
            with open(args.json, "w") as f:
                json.dump(cmp.to_json(), f, indent=1)
        except OSError as e:
            print(f"kisol-compare: {args.json}: {e.strerror}", file=sys.stderr)
            return 2
    return 1 if cmp.failed else 0


if __name__ == "__main__":
    sys.exit(main())
