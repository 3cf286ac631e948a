# SPDX-License-Identifier: GPL-2.0-only
"""Render reports/out/index.html for one run (plus an optional comparison)."""

import datetime
import html
import os
import string
import sys

from kisol import report_plot
from kisol.caselist import sides_of
from kisol.compare import fmt_value, group_bench
from kisol.rundata import HARNESS_PARAMS, VERDICTS, InputError, case_area

REPORTDIR = report_plot.REPORTDIR
E = lambda s: html.escape("" if s is None else str(s), quote=True)
MAX_OUTPUT = 20000


def _counts(cases):
    out = {v: 0 for v in VERDICTS}
    for c in cases:
        out[c.get("verdict")] = out.get(c.get("verdict"), 0) + 1
    return out


def _sides(cases, kind):
    return sum(1 for c in cases if sides_of(c.get("meta")) == kind)


def _bar(counts):
    total = sum(counts.values()) or 1
    spans = "".join(f'<span class="{v}" style="width:{100.0 * counts[v] / total:.2f}%" '
                    f'title="{v} {counts[v]}"></span>' for v in VERDICTS if counts.get(v))
    return f'<div class="bar">{spans}</div>'


RUN_FILES = ("run.json", "cases.json", "bench.jsonl", "junit.xml", "console.log", "serial.log",
             "ktap")


def _files_row(run, out_dir):
    """Links to the run's own files (results directory), relative to the page."""
    d = run.source if os.path.isdir(run.source) else os.path.dirname(run.source)
    if not d or not os.path.isdir(d):
        return ""
    links = []
    for name in RUN_FILES:
        p = os.path.join(d, name)
        if os.path.exists(p):
            rel = os.path.relpath(os.path.abspath(p), os.path.abspath(out_dir))
            links.append(f'<a href="{E(rel)}">{E(name)}</a>')
    return " ".join(links)


def section_meta(run, out_dir="."):
    r = run.run
    rows = [("run id", run.run_id)]
    for k, lbl in (("host", "host"), ("kernel", "kernel release"), ("kisol_commit", "kisol commit"),
                   ("cpu_model", "CPU"), ("cgroup_layout", "cgroup layout"),
                   ("started", "started"), ("finished", "finished"), ("harness", "harness"),
                   ("vm", "VM run"), ("vm_accel", "VM accel"), ("complete", "complete")):
        if r.get(k) is not None:
            rows.append((lbl, r[k]))
    body = "".join(f"<tr><td>{E(a)}</td><td>{E(b)}</td></tr>" for a, b in rows)
    files = _files_row(run, out_dir)
    if files:
        body += f"<tr><td>files</td><td>{files}</td></tr>"
    return f'<section id="run"><h2>Run</h2><table class="meta">{body}</table></section>'


def section_summary(run, cmp):
    c = _counts(run.cases)
    cards = [f'<div class="card"><span class="{v}">{v}</span><b class="{v}">{c[v]}</b></div>'
             for v in VERDICTS if c[v] or v in ("pass", "fail", "skip")]
    cards.append(f'<div class="card">benchmarks<b>{len(group_bench(run.bench))}</b></div>')
    if cmp is not None:
        ok = not cmp.failed
        cls = "verdict-ok" if ok else "verdict-bad"
        txt = "no regression" if ok else (f"{len(cmp.regressions)} regression(s), "
                                          f"{len(cmp.case_regressions)} pass&rarr;fail")
        cards.append(f'<div class="card">vs {E(cmp.runs[0].run_id)}<b class="{cls}">{txt}</b></div>')
    return f'<section id="summary"><div class="cards">{"".join(cards)}</div></section>'


def section_correctness(run):
    if not run.cases:
        return ('<section id="correctness"><h2>Correctness</h2>'
                '<p>No case results in this run.</p></section>')
    areas = {}
    for c in run.cases:
        areas.setdefault(case_area(c), []).append(c)
    head = "".join(f'<th class="num {v}">{v}</th>' for v in VERDICTS)
    rows = []
    for a in sorted(areas):
        cnt = _counts(areas[a])
        cells = "".join(f'<td class="num">{cnt[v] or ""}</td>' for v in VERDICTS)
        sides = "".join(f'<td class="num">{_sides(areas[a], s) or ""}</td>' for s in ("both", "one"))
        rows.append(f"<tr><td>{E(a)}</td>{cells}<td class='num'>{len(areas[a])}</td>{sides}"
                    f"<td>{_bar(cnt)}</td></tr>")
    tot = _counts(run.cases)
    cells = "".join(f'<th class="num">{tot[v]}</th>' for v in VERDICTS)
    sides = "".join(f'<th class="num">{_sides(run.cases, s)}</th>' for s in ("both", "one"))
    rows.append(f"<tr><th>all</th>{cells}<th class='num'>{len(run.cases)}</th>{sides}"
                f"<th>{_bar(tot)}</th></tr>")
    out = [f'<section id="correctness"><h2>Correctness per area</h2><table><tr><th>area</th>{head}'
           f'<th class="num">total</th><th class="num" title="asserted from inside and outside">'
           f'both sides</th><th class="num" title="one side, with the reason in the case metadata">'
           f'one side</th><th></th></tr>{"".join(rows)}</table>']
    bad = [c for c in run.cases if c.get("verdict") in ("fail", "error", "xpass")]
    out.append(f'<h3 id="failures">Failures ({len(bad)})</h3>')
    if not bad:
        out.append("<p>None.</p>")
    for n, c in enumerate(bad):
        text = c.get("output") or "(no output recorded)"
        if len(text) > MAX_OUTPUT:
            text = text[:MAX_OUTPUT] + "\n... (truncated)"
        meta = c.get("meta") or {}
        tags = " ".join(f"{k}={v}" for k, v in sorted(meta.items()) if v)
        out.append(f'<details{" open" if n < 3 else ""}><summary><b class="{E(c["verdict"])}">{E(c["verdict"].upper())}</b> '
                   f'{E(c["id"])} &mdash; {E(c.get("reason"))}'
                   f'{" <span class=small>" + E(tags) + "</span>" if tags else ""}</summary>'
                   f"<pre>{E(text)}</pre></details>")
    skips = {}
    for c in run.cases:
        if c.get("verdict") in ("skip", "xfail"):
            skips.setdefault((c.get("reason") or "(no reason given)").strip(), []).append(c)
    out.append(f'<h3 id="skips">Skips and expected failures by reason ({sum(map(len, skips.values()))})</h3>')
    if not skips:
        out.append("<p>None.</p>")
    for reason, cs in sorted(skips.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        items = "".join(f"<li>{E(c['id'])}{' (xfail)' if c['verdict'] == 'xfail' else ''}</li>"
                        for c in cs)
        out.append(f'<details class="skipgrp"><summary><b>{len(cs)}</b> &times; {E(reason)}</summary>'
                   f"<ul>{items}</ul></details>")
    out.append("</section>")
    return "\n".join(out)


def fmt_unit(v, unit):
    """Human-readable value: nanoseconds scaled to us/ms/s."""
    if v is None:
        return ""
    if unit == "ns":
        for div, u in ((1e9, "s"), (1e6, "ms"), (1e3, "&micro;s")):
            if abs(v) >= div:
                return f"{v / div:.3g} {u}" if v / div < 100 else f"{v / div:.0f} {u}"
        return f"{v:.3g} ns" if v < 100 else f"{v:.0f} ns"
    return f"{fmt_value(v)} {E(unit)}"


def _floor_of(g, groups):
    f = g.floor
    if not f:
        return None
    for h in groups.values():
        if h.benchmark in (f, f"floor.{f}") or h.benchmark.endswith("." + f):
            return h
    return None


def _common_floor(gs, groups):
    """(name, median) of the floor every group of a chart is a multiple of,
    or None when they have none or different ones."""
    fls = {id(f): f for f in (_floor_of(g, groups) for g in gs)}
    if len(fls) != 1:
        return None
    fl = next(iter(fls.values()))
    if fl is None or any(g is fl for g in gs) or not fl.stats.get("median"):
        return None
    return (fl.benchmark, fl.stats["median"])


def _chart(fn, *args, **kw):
    """A chart that gnuplot cannot draw is left out with a warning; the
    rest of the report still gets written."""
    try:
        return fn(*args, **kw)
    except InputError as e:
        print(f"kisol-report: warning: chart left out: {e}", file=sys.stderr)
        return None


def family(g):
    return g.benchmark.split(".", 1)[0]


def section_bench(run, imgdir, rel):
    groups = group_bench(run.bench)
    if not groups:
        return ('<section id="bench"><h2>Benchmarks</h2><p>No benchmark records in this run.</p>'
                '</section>'), []
    rows = []
    for g in groups.values():
        s = g.stats
        fl = _floor_of(g, groups)
        mult = ""
        if fl is not None and fl is not g and fl.stats.get("median"):
            mult = f"{s['median'] / fl.stats['median']:.1f}&times; {E(fl.benchmark)}"
        ci = f"{fmt_unit(g.ci[0], g.unit)} &ndash; {fmt_unit(g.ci[1], g.unit)}" if g.ci else ""
        params = ", ".join(f"{k}={v}" for k, v in sorted(g.params.items())
                           if k not in HARNESS_PARAMS)
        reps = f" ({len(g.records)} runs)" if len(g.records) > 1 else ""
        rows.append(f"<tr><td>{E(g.benchmark)}</td><td class='params'>{E(params)}</td>"
                    f"<td class='num'>{g.n}{reps}</td>"
                    f"<td class='num'>{fmt_unit(s.get('median'), g.unit)}</td>"
                    f"<td class='num'>{fmt_unit(s.get('p99'), g.unit)}</td><td class='num'>{ci}</td>"
                    f"<td>{'higher' if g.better == 'higher' else 'lower'}</td>"
                    f"<td class='num'>{mult}</td></tr>")
    where = ""
    note = ""
    if run.run.get("vm"):
        accel = (run.run.get("vm_accel") or "emulated").upper()
        where = f" [{accel} guest]"
        note = (f"<p class='note'><b>Measured in a qemu {E(accel)} guest</b> "
                f"({E(run.run.get('kernel') or '')}): every instruction is emulated, so these "
                f"figures are not comparable with a host's; compare them only with other "
                f"{E(accel)} runs.</p>")
    out = ['<section id="bench"><h2>Benchmarks' + E(where) + '</h2>' + note
           + '<table><tr><th>benchmark</th><th>parameters</th>'
           '<th class="num">samples</th><th class="num">median</th><th class="num">p99</th>'
           '<th class="num">95% CI of median</th><th>better</th><th class="num">multiple of floor</th></tr>'
           + "".join(rows) + "</table>"]
    if run.bench_skips:
        items = "".join(f"<li>{E(k.get('benchmark') or k.get('id') or '?')}: {E(k.get('reason'))}</li>"
                        for k in run.bench_skips)
        out.append(f"<details class='skipgrp'><summary><b>{len(run.bench_skips)}</b> benchmark(s) "
                   f"skipped here</summary><ul>{items}</ul></details>")
    sweeps = report_plot.find_sweeps(list(groups.values()))
    in_sweep = {id(g) for ser in sweeps.values() for pts in ser.values() for _, g in pts}
    fams = {}
    for g in groups.values():
        if id(g) not in in_sweep:
            fams.setdefault((family(g), g.unit), []).append(g)
    figs = []
    for (fam, unit), gs in fams.items():
        chunks = [gs[i:i + report_plot.MAX_BOXES] for i in range(0, len(gs), report_plot.MAX_BOXES)]
        for n, part in enumerate(chunks, 1):
            tag = f" ({n}/{len(chunks)})" if len(chunks) > 1 else ""
            name = report_plot._slug(f"{fam}-{unit}-{n}")
            p = _chart(report_plot.box_chart, part, fam + tag + where,
                       os.path.join(imgdir, f"box-{name}.svg"), imgdir,
                       floor=_common_floor(part, groups))
            if p:
                figs.append((p, f"{fam}{tag}: p1/q1/median/q3/p99 per variant ({unit})"))
        withraw = [g for g in gs if g.raw]
        chunks = [withraw[i:i + report_plot.MAX_CDF]
                  for i in range(0, len(withraw), report_plot.MAX_CDF)]
        for n, part in enumerate(chunks, 1):
            tag = f" ({n}/{len(chunks)})" if len(chunks) > 1 else ""
            name = report_plot._slug(f"{fam}-{unit}-{n}")
            p = _chart(report_plot.cdf_chart, part, fam + tag + where,
                       os.path.join(imgdir, f"cdf-{name}.svg"), imgdir)
            if p:
                figs.append((p, f"{fam}{tag}: CDF of raw samples ({unit})"))
    out.append('<h3 id="distributions">Latency distributions</h3>')
    out.append(_figures(figs, rel) if figs else "<p>No distributions to draw.</p>")
    figs = []
    for (name, param), series in sweeps.items():
        slug = report_plot._slug(f"{name}-{param}")
        gs = [g for pts in series.values() for _, g in pts]
        p = _chart(report_plot.scaling_chart, name + where, param, series,
                   os.path.join(imgdir, f"scale-{slug}.png"), imgdir,
                   floor=_common_floor(gs, groups))
        if p:
            figs.append((p, f"{name}: scaling with {param}"))
    out.append('<h3 id="scaling">Scaling curves</h3>')
    out.append(_figures(figs, rel) if figs else "<p>No parameter sweeps in this run.</p>")
    out.append("</section>")
    return "\n".join(out), figs


def _figures(figs, rel):
    items = [f'<figure><img src="{E(rel + "/" + os.path.basename(p))}" alt="{E(cap)}">'
             f"<figcaption>{E(cap)}</figcaption></figure>" for p, cap in figs]
    return f'<div class="charts">{"".join(items)}</div>'


def section_compare(cmp):
    if cmp is None:
        return ('<section id="compare"><h2>Comparison</h2><p>No earlier run to compare with '
                '(run <code>make report</code> again, or pass <code>BASE=</code>).</p></section>')
    runs = cmp.runs
    head = "".join(f"<th class='num'>{E(r.run_id)}{' (base)' if i == 0 else ''}</th>"
                   for i, r in enumerate(runs))
    rows = []
    for row in cmp.rows:
        cells = []
        for i in range(len(runs)):
            v = row["values"][i]
            if i == 0 or v is None or row["pct"][i] is None:
                cells.append(f"<td class='num'>{fmt_value(v)}</td>")
                continue
            d = row["pct"][i]
            cls = ["num", "better" if d > 0 else "worse" if d < 0 else ""]
            if row["sig"][i]:
                cls.append("sig")
            if row["regress"][i]:
                cls.append("regress")
            mark = "!" if row["regress"][i] else ("*" if row["sig"][i] else "")
            pv = f" title='t test p={row['p'][i]:.2g}'" if row["p"][i] is not None else ""
            cells.append(f"<td class='{' '.join(c for c in cls if c)}'{pv}>{fmt_value(v)} "
                         f"({d:+.2f}%){mark}</td>")
        name = f"{E(row['label'])} <span class=small>{E(row['unit'])}</span>" \
            if row["stat"] == "median" else ""
        rows.append(f"<tr><td>{name}</td><td>{E(row['stat'])}</td>{''.join(cells)}</tr>")
    if cmp.gmean:
        cells = "".join(f"<td class='num'>{(1 + g / 100):.3f} ({g:+.2f}%)</td>" if g is not None
                        else "<td></td>" for g in cmp.gmean)
        rows.append(f"<tr><th>geometric mean of median ratios</th><th>gmean</th>"
                    f"<td class='num'>1.000</td>{cells}</tr>")
    out = [f'<section id="compare"><h2>Comparison against {E(runs[0].run_id)}</h2>',
           f"<p>Positive percentages are better. <b>*</b> significant: t test of the round medians "
           f"(spread inside the runs plus a run's own wander) p&lt;{cmp.alpha:g} and a change of at least {cmp.min_effect:g}% in the median; "
           f"<b>!</b> significant regression beyond {cmp.threshold:g}% (fails "
           f"<code>make compare</code>).</p>"]
    for rid, lbl, d in cmp.floor_shifts():
        out.append(f"<p class='small'><b>Note:</b> floor {E(lbl)} changed {d:+.1f}% in "
                   f"{E(rid)}: the machine or its load differs, costs built on it are not "
                   f"comparable.</p>")
    if cmp.harness_diffs:
        lbl, d = cmp.harness_diffs[0]
        ex = ", ".join(f"{p} {a} &rarr; {b}" for p, (a, b) in sorted(d.items()))
        out.append(f"<p class='small'>Note: {len(cmp.harness_diffs)} measurement(s) ran with "
                   f"different harness settings than the baseline (e.g. {E(lbl)}: {ex}).</p>")
    if cmp.noise:
        out.append(f"<p class='small'>Between-run noise of {len(cmp.noise)} benchmark(s) is known "
                   f"from stored runs of this host and kernel; their test uses "
                   f"that noise where it exceeds the runs' own.</p>")
    if cmp.rows:
        sig = [(r, i) for r in cmp.significant_rows() for i in range(1, len(runs)) if r["sig"][i]]
        sig.sort(key=lambda ri: ri[0]["pct"][ri[1]])
        out.append(f"<h3>Significant changes ({len(sig)} of {len(cmp.rows)} rows)</h3>")
        multi = len(runs) > 2
        if sig:
            items = "".join(
                f"<tr><td>{E(r['label'])}</td>"
                + (f"<td>{E(runs[i].run_id)}</td>" if multi else "") +
                f"<td class='num'>{fmt_value(r['values'][0])}</td>"
                f"<td class='num'>{fmt_value(r['values'][i])}</td>"
                f"<td class='num {'better' if r['pct'][i] > 0 else 'worse'}"
                f"{' regress' if r['regress'][i] else ''}'>{r['pct'][i]:+.2f}%"
                f"{'!' if r['regress'][i] else '*'}</td><td>{E(r['unit'])}</td></tr>"
                for r, i in sig)
            out.append("<table><tr><th>benchmark</th>" + ("<th>run</th>" if multi else "")
                       + "<th class='num'>base median</th>"
                       "<th class='num'>median</th><th class='num'>change</th><th>unit</th></tr>"
                       + items + "</table>")
        else:
            out.append("<p>None.</p>")
        out.append(f"<details class='skipgrp'><summary>Full table: {len(cmp.rows)} rows, "
                   f"geometric mean of median ratios</summary>"
                   f"<table><tr><th>benchmark</th><th>stat</th>{head}</tr>{''.join(rows)}</table>"
                   f"</details>")
    else:
        out.append("<p>No benchmark records in common.</p>")
    out.append(f"<h3>Correctness changes ({len(cmp.case_changes)})</h3>")
    if cmp.case_changes:
        items = []
        for i, cid, o, n in cmp.case_changes:
            bad = (i, cid, o, n) in cmp.case_regressions
            items.append(f"<tr><td>{E(runs[i].run_id)}</td><td>{E(cid)}</td>"
                         f"<td class='{E(o)}'>{E(o)}</td><td class='{E(n)}'>{E(n)}"
                         f"{' &mdash; <b class=fail>regression</b>' if bad else ''}</td></tr>")
        out.append("<table><tr><th>run</th><th>case</th><th>was</th><th>now</th></tr>"
                   + "".join(items) + "</table>")
    else:
        out.append("<p>No case changed its verdict.</p>")
    out.append("</section>")
    return "\n".join(out)


def section_trends(trend_figs, rel):
    if not trend_figs:
        return ""
    return ('<section id="trends"><h2>Trends across stored runs</h2>'
            + _figures(trend_figs, rel) + "</section>")


def _rate_cell(t):
    if not t or not t.get("touched"):
        return '<td class="num"></td>'
    rate = t["killed"] / t["touched"]
    cls = "pass" if rate >= 0.95 else "fail"
    hung = f', {t["timeout"]} of them hung' if t.get("timeout") else ""
    return (f'<td class="num {cls}" title="{t["killed"]} killed of {t["touched"]} touched{hung}">'
            f"{100 * rate:.0f}%<span class=small> {t['killed']}/{t['touched']}</span></td>")


def section_mutation(mut):
    """Kill rate per area and mutation of `make mutate`, survivors with their reasons."""
    if not mut:
        return ""
    s = mut["summary"]
    muts = [m for m in mut.get("mutations", {}) if m in s["per_mutation"]]
    head = "".join(f'<th class="num" title="{E(mut["mutations"][m])}">{E(m)}</th>' for m in muts)
    rows = []
    for a in sorted(s["per_area"]):
        cells = "".join(_rate_cell(s["per_area_mutation"].get(f"{a}/{m}")) for m in muts)
        rows.append(f"<tr><td>{E(a)}</td>{cells}{_rate_cell(s['per_area'][a])}</tr>")
    cells = "".join(_rate_cell(s["per_mutation"][m]) for m in muts)
    rows.append(f"<tr><th>all</th>{cells}<td></td></tr>")
    hung = sum(t.get("timeout", 0) for t in s["per_mutation"].values())
    out = [f'<section id="mutation"><h2>Mutation run: can each case fail?</h2>'
           f'<p class="small">run {E(mut.get("run_id"))}, kisol {E(mut.get("kisol_commit"))}, '
           f'{s["tests"]} tests observed, {s["mutated_runs"]} mutated runs in {mut.get("duration_s")} s. '
           f'Kill rate = killed / touched (immune survivors count as not killed); target '
           f'{100 * mut.get("target", 0.95):.0f}%. A mutant that hangs until the driver stops it counts '
           f'as killed (a timeout is a detection): {hung} killed runs hung. Baseline not passing under '
           f'the supervisor (not mutated): {E(s.get("baseline_not_pass") or "none")}.</p>'
           f'<table><tr><th>area</th>{head}<th class="num">area</th></tr>{"".join(rows)}</table>']
    surv, immune = [], []
    for c in mut["cases"]:
        for r in c.get("runs", []):
            if r.get("outcome") == "survived":
                surv.append((c["id"], r["mutation"]))
            elif r.get("outcome") == "immune":
                immune.append((c["id"], r["mutation"], r.get("immune")))
    out.append(f'<h3 id="survivors">Survivors without a reason ({len(surv)})</h3>')
    out.append("<ul>" + "".join(f"<li>{E(i)} &mdash; <b>{E(m)}</b></li>" for i, m in surv) + "</ul>"
               if surv else "<p>None.</p>")
    out.append(f'<h3 id="immune">Survivors with a mutant_immune reason ({len(immune)})</h3>')
    if immune:
        out.append("<table><tr><th>test</th><th>mutation</th><th>why</th></tr>" + "".join(
            f"<tr><td>{E(i)}</td><td>{E(m)}</td><td>{E(w)}</td></tr>" for i, m, w in immune) + "</table>")
    else:
        out.append("<p>None.</p>")
    if mut.get("leaks"):
        out.append("<p class=fail>The mutation run changed host state: " +
                   E("; ".join(mut["leaks"])) + "</p>")
    out.append("</section>")
    return "\n".join(out)


def render(run, out_dir, cmp=None, trend_figs=(), title=None):
    """Write out_dir/index.html and out_dir/img/*; returns the page path."""
    imgdir = os.path.join(out_dir, "img")
    os.makedirs(imgdir, exist_ok=True)
    for f in os.listdir(imgdir):
        if f.endswith((".svg", ".png", ".dat")) and not f.startswith("trend-"):
            os.unlink(os.path.join(imgdir, f))
    bench_html, _ = section_bench(run, imgdir, "img")
    body = "\n".join([section_summary(run, cmp), section_meta(run, out_dir), section_correctness(run),
                      section_mutation(getattr(run, "mutation", None)),
                      bench_html, section_compare(cmp), section_trends(list(trend_figs), "img")])
    for f in os.listdir(imgdir):
        if f.endswith(".dat"):
            os.unlink(os.path.join(imgdir, f))
    r = run.run
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in (
        ("run", "Run"), ("correctness", "Correctness"), ("failures", "Failures"),
        ("skips", "Skips")) + ((("mutation", "Mutation"),) if getattr(run, "mutation", None) else ()) + (
        ("bench", "Benchmarks"), ("distributions", "Distributions"),
        ("scaling", "Scaling"), ("compare", "Comparison")) + ((("trends", "Trends"),)
                                                             if trend_figs else ()))
    with open(os.path.join(REPORTDIR, "page.html")) as f:
        tmpl = string.Template(f.read())
    with open(os.path.join(REPORTDIR, "report.css")) as f:
        css = f.read()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    page = tmpl.substitute(
        title=E(title or f"kisol report: {r.get('host') or '?'} / {r.get('kernel') or '?'}"),
        subtitle=E(f"run {run.run_id}, kisol {r.get('kisol_commit') or '?'}, "
                   f"cgroups {r.get('cgroup_layout') or '?'}"),
        css=css, nav=nav, body=body,
        footer=E(f"Generated {now} by scripts/kisol/report.py; charts by gnuplot."))
    path = os.path.join(out_dir, "index.html")
    with open(path + ".tmp", "w") as f:
        f.write(page)
    os.replace(path + ".tmp", path)
    return path
