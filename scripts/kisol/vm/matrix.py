# SPDX-License-Identifier: GPL-2.0-only
"""Cross-kernel matrix: run the cases on several kernels and compare.

    /usr/bin/python3 -m kisol.vm.matrix run --kernels "6.1 6.12 6.12@hybrid host" --tree build/install
    /usr/bin/python3 -m kisol.vm.matrix render RUN_DIR... [--out reports/out/matrix.html]

"host" runs the pytest driver on this machine; anything else is a guest
kernel for kisol.vm.  The page shows a case-by-kernel verdict matrix with
the rows that differ first, counts per area and kernel, and a benchmark
comparison between guest kernels (TCG timings only; host timings are never
put beside them).  A Markdown copy of the differences (matrix.md) and the
data (matrix.json) are written beside the page.
"""
import html
import json
import os
import re
import subprocess
import sys

from kisol import results
from kisol.vm import guest, initramfs as vm_initramfs, kernel as vm_kernel
from kisol.usage import Parser

TOP = results.TOP
VERDICTS = ('pass', 'fail', 'error', 'skip', 'xfail', 'xpass')
BAD = {'fail', 'error', 'xpass'}


class MatrixError(Exception):
    pass


# ---- data ------------------------------------------------------------------------

def label(run):
    if run.get('vm'):
        lay = run.get('cgroup_layout', '')
        return f"{run.get('kernel', '?')} (vm{', ' + lay if lay and lay != 'v2' else ''})"
    return f"{run.get('kernel', '?')} (host)"


def load_runs(dirs):
    runs = []
    for d in dirs:
        r = results.load_run(d)
        r['_dir'] = d
        r['_label'] = label(r)
        r['_bench'] = load_bench(d)
        runs.append(r)
    seen = {}
    for r in runs:     # keep labels unique
        n = seen.get(r['_label'], 0)
        seen[r['_label']] = n + 1
        if n:
            r['_label'] += f' #{n + 1}'
    return runs


def load_bench(d):
    recs = []
    try:
        with open(os.path.join(d, 'bench.jsonl')) as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        o = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(o, dict) and 'benchmark' in o and \
                            o.get('schema', 'kisol-bench/1') == 'kisol-bench/1' and \
                            isinstance(o.get('median'), (int, float)):
                        recs.append(o)
    except OSError:
        pass
    return recs


# Skip reasons that come from the cgroup layout (v1/v2/hybrid), not the kernel.
LAYOUT_RE = re.compile(r'cgroup v[12]\b|v[12]-only|v[12] only|on cgroup v[12]|not mounted on cgroup|'
                       r'no domain controller|no cgroup v1 interface|cgroup v1 only|cgroup v2 only|nsdelegate',
                       re.I)


def diff_kind(verdicts, reasons=None):
    """'' (all equal), 'fail' (a pass/fail split), 'skip' (skipped on some:
    a missing feature), 'layout' (skipped on some because of the cgroup
    layout), 'other', 'missing' (not run everywhere)."""
    present = [v for v in verdicts if v]
    if len(set(verdicts)) <= 1:
        return ''
    if any(v in BAD for v in present) and any(v not in BAD for v in present):
        return 'fail'
    if any(v == 'skip' for v in present) and any(v != 'skip' for v in present):
        why = [r for v, r in zip(verdicts, reasons or []) if v == 'skip']
        if why and all(LAYOUT_RE.search(r or '') for r in why):
            return 'layout'
        return 'skip'
    if len(present) < len(verdicts):
        return 'missing'
    return 'other'


DIFF_ORDER = {'fail': 0, 'skip': 1, 'other': 2, 'layout': 3, 'missing': 4, '': 5}


def build_matrix(runs):
    """Rows: {id, area, verdicts[], reasons[], diff} sorted differences first."""
    ids = {}
    for i, r in enumerate(runs):
        for c in r['cases']:
            row = ids.setdefault(c['id'], {'id': c['id'], 'area': c.get('area', ''),
                                           'verdicts': [''] * len(runs), 'reasons': [''] * len(runs)})
            row['verdicts'][i] = c['verdict']
            row['reasons'][i] = c.get('reason') or ''
    rows = list(ids.values())
    for row in rows:
        row['diff'] = diff_kind(row['verdicts'], row['reasons'])
    rows.sort(key=lambda r: (DIFF_ORDER[r['diff']], r['area'], r['id']))
    return rows


def area_counts(runs):
    """{area: [ {verdict: n} per run ]}."""
    out = {}
    for i, r in enumerate(runs):
        for c in r['cases']:
            per = out.setdefault(c.get('area', '?'), [dict() for _ in runs])
            per[i][c['verdict']] = per[i].get(c['verdict'], 0) + 1
    return out


# Harness knobs in a record's params: the same for every guest run, left off the label.
HARNESS_PARAMS = {'batch', 'budget_ms', 'cpu', 'max_samples', 'min_samples', 'warmup', 'clone_flags'}


def bench_key(rec):
    params = {k: v for k, v in (rec.get('params') or {}).items() if k not in HARNESS_PARAMS}
    return rec['benchmark'] + (' ' + ' '.join(f'{k}={params[k]}' for k in sorted(params)) if params else '')


def bench_table(runs):
    """Guest (TCG) runs only: ({key: [median|None per guest run]}, guest runs, units)."""
    guests = [r for r in runs if r.get('vm') and r['_bench']]
    table, units = {}, {}
    for i, r in enumerate(guests):
        for rec in r['_bench']:
            k = bench_key(rec)
            table.setdefault(k, [None] * len(guests))[i] = rec.get('median')
            units[k] = (rec.get('unit', ''), rec.get('better', 'lower'))
    return table, guests, units


# ---- output ----------------------------------------------------------------------

CSS = """body{font-family:sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}
th{background:#f0f0f0}td{max-width:32em;overflow-wrap:anywhere}td.pass{background:#d9f2d9}td.fail,td.error,td.xpass{background:#f6c6c6;font-weight:bold}
td.skip{background:#f3ecc8}td.xfail{background:#e0e0f0}td.none{color:#999}
tr.d-fail td:first-child{border-left:4px solid #c00}tr.d-skip td:first-child{border-left:4px solid #c90}
tr.d-layout td:first-child{border-left:4px solid #99c}
.note{background:#fff8dc;border:1px solid #e0d090;padding:6px 10px;max-width:60em}
.small{font-size:12px;color:#555}"""


KIND_NAMES = {'fail': 'pass/fail split', 'skip': 'feature missing on some', 'other': 'other',
              'layout': 'cgroup layout only', 'missing': 'not run everywhere'}


def render_html(runs, rows, counts, bench):
    e = html.escape
    out = ['<!DOCTYPE html><html><head><meta charset="utf-8"><title>kisol kernel matrix</title>',
           f'<style>{CSS}</style></head><body><h1>kisol: cases across kernels</h1>']
    out.append('<table><tr><th>kernel</th><th>where</th><th>cgroups</th><th>complete</th>'
               + ''.join(f'<th>{v}</th>' for v in VERDICTS) + '<th>run</th></tr>')
    for r in runs:
        n = {}
        for c in r['cases']:
            n[c['verdict']] = n.get(c['verdict'], 0) + 1
        where = f"qemu {r.get('vm_accel') or ''}" if r.get('vm') else 'host'
        comp = 'yes' if r.get('complete') else f"<b>NO</b> {e(r.get('incomplete_reason', ''))}"
        out.append(f"<tr><td>{e(r.get('kernel', '?'))}</td><td>{e(where)}</td>"
                   f"<td>{e(r.get('cgroup_layout', ''))}</td><td>{comp}</td>"
                   + ''.join(f'<td>{n.get(v, 0)}</td>' for v in VERDICTS)
                   + f"<td class=small>{e(r.get('run_id', ''))}</td></tr>")
    out.append('</table>')
    diffs = [r for r in rows if r['diff']]
    out.append(f'<h2>Differences ({len(diffs)} of {len(rows)} cases)</h2>')
    kinds = {}
    for r in diffs:
        kinds[r['diff']] = kinds.get(r['diff'], 0) + 1
    out.append('<p class=small>Rows where the verdict is not the same on every kernel come first: '
               'pass on one and fail on another (red edge), skipped on some because a feature is '
               'missing (yellow edge), other splits, then skips caused only by the cgroup layout '
               '(v1/v2/hybrid: compare runs with the same CGROUP= to see kernel differences '
               'alone), then cases that did not run everywhere.<br>'
               + ', '.join(f'{KIND_NAMES[k]}: {n}' for k, n in sorted(kinds.items(), key=lambda x: DIFF_ORDER[x[0]]))
               + '</p>')
    out.append(_matrix_table(runs, diffs))
    same = [r for r in rows if not r['diff']]
    out.append(f'<details><summary>{len(same)} cases with the same verdict on every kernel</summary>')
    out.append(_matrix_table(runs, same))
    out.append('</details>')
    out.append('<h2>Counts per area and kernel</h2><table><tr><th>area</th>'
               + ''.join(f"<th>{e(r['_label'])}</th>" for r in runs) + '</tr>')
    for area in sorted(counts):
        cells = []
        for per in counts[area]:
            s = ' '.join(f'{v}:{per[v]}' for v in VERDICTS if per.get(v))
            bad = any(per.get(v) for v in BAD)
            cells.append(f"<td class={'fail' if bad else 'pass' if s else 'none'}>{e(s) or '—'}</td>")
        out.append(f'<tr><td>{e(area)}</td>{"".join(cells)}</tr>')
    out.append('</table>')
    out.append(_bench_html(runs, bench))
    out.append('</body></html>')
    return '\n'.join(out)


def _matrix_table(runs, rows):
    e = html.escape
    t = ['<table><tr><th>case</th>' + ''.join(f"<th>{e(r['_label'])}</th>" for r in runs) + '</tr>']
    for row in rows:
        cells = []
        for v, why in zip(row['verdicts'], row['reasons']):
            txt = v or '—'
            if why and row['diff'] and v != 'pass':
                txt += f': {why[:90]}'
            cells.append(f"<td class={v or 'none'} title=\"{e(why)}\">{e(txt)}</td>")
        t.append(f"<tr class=d-{row['diff'] or 'same'}><td>{e(row['id'])}</td>{''.join(cells)}</tr>")
    t.append('</table>')
    return '\n'.join(t)


def _bench_html(runs, bench):
    e = html.escape
    table, guests, units = bench
    out = ['<h2>Benchmarks between guest kernels</h2>',
           '<p class=note>These medians were measured inside qemu guests under TCG (software '
           'CPU emulation): they compare guest kernels with each other only. They are not '
           'comparable with timings taken on the host and host timings are deliberately not '
           'shown here.</p>']
    if not table:
        out.append('<p>No guest benchmark data in these runs (make vm-bench KERNEL=...).</p>')
        return '\n'.join(out)
    out.append('<table><tr><th>benchmark</th><th>unit</th>'
               + ''.join(f"<th>{e(g['_label'])}</th>" for g in guests)
               + (f"<th>{e(guests[-1]['_label'])} / {e(guests[0]['_label'])}</th>" if len(guests) > 1 else '')
               + '</tr>')
    for k in sorted(table):
        vals = table[k]
        unit, better = units[k]
        ratio = ''
        if len(vals) > 1 and vals[0] and vals[-1]:
            ratio = f'{vals[-1] / vals[0]:.2f}x' + (' (higher is better)' if better == 'higher' else '')
        out.append(f'<tr><td>{e(k)}</td><td>{e(unit)}</td>'
                   + ''.join(f"<td>{'' if v is None else f'{v:.4g}'}</td>" for v in vals)
                   + (f'<td>{ratio}</td>' if len(vals) > 1 else '') + '</tr>')
    out.append('</table>')
    return '\n'.join(out)


def render_markdown(runs, rows, counts):
    lines = ['| case | ' + ' | '.join(r['_label'] for r in runs) + ' |',
             '|---|' + '---|' * len(runs)]
    for row in rows:
        if not row['diff']:
            continue
        cells = []
        for v, why in zip(row['verdicts'], row['reasons']):
            cells.append((v or '—') + (f' ({why[:60]})' if why and v in ('skip', 'fail', 'error') else ''))
        lines.append(f"| {row['id']} | " + ' | '.join(c.replace('|', '/') for c in cells) + ' |')
    lines += ['', '| area | ' + ' | '.join(r['_label'] for r in runs) + ' |',
              '|---|' + '---|' * len(runs)]
    for area in sorted(counts):
        lines.append(f'| {area} | ' + ' | '.join(
            ' '.join(f'{v}:{per[v]}' for v in VERDICTS if per.get(v)) or '—'
            for per in counts[area]) + ' |')
    return '\n'.join(lines) + '\n'


def render(dirs, out):
    runs = load_runs(dirs)
    if not runs:
        raise MatrixError('no runs to compare')
    rows = build_matrix(runs)
    counts = area_counts(runs)
    bench = bench_table(runs)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        f.write(render_html(runs, rows, counts, bench))
    base = os.path.splitext(out)[0]
    with open(base + '.md', 'w') as f:
        f.write(render_markdown(runs, rows, counts))
    with open(base + '.json', 'w') as f:
        json.dump({'schema': 'kisol-matrix/1',
                   'runs': [{'label': r['_label'], 'dir': r['_dir'], 'run_id': r.get('run_id'),
                             'kernel': r.get('kernel'), 'vm': r.get('vm'),
                             'complete': r.get('complete')} for r in runs],
                   'rows': rows}, f, indent=1)
    return runs, rows


# ---- running ---------------------------------------------------------------------

def run_host(results_dir, areas):
    facts = results.host_facts()
    out = os.path.join(results_dir, results.make_run_id(facts['host'], facts['kernel']))
    cmd = [sys.executable, '-m', 'pytest', '-c', 'scripts/pytest.ini', '--rootdir=.',
           '-p', 'no:cacheprovider', '-q', '-n', os.environ.get('JOBS', '2'),
           f'--kisol-results={out}'] + ([f'cases/{a}' for a in areas] or ['cases'])
    env = dict(os.environ, PYTHONPATH=os.path.join(TOP, 'scripts'))
    print(f"matrix: host run ({' '.join(areas) or 'all areas'})", flush=True)
    r = subprocess.run(cmd, cwd=TOP, env=env)
    if not os.path.isfile(os.path.join(out, 'run.json')):
        raise MatrixError(f'host run wrote no results (pytest exit {r.returncode})')
    return out


def split_spec(spec, default_layout):
    """'6.12@hybrid' -> ('6.12', 'hybrid'); '6.1' -> ('6.1', default)."""
    k, sep, layout = spec.partition('@')
    if sep and k == 'host':
        raise MatrixError("'host' runs with the host's own cgroup layout (no @layout)")
    return k, (layout if sep else default_layout)


def run_all(a):
    kernels = a.kernels.split()
    if not kernels:
        raise MatrixError('KERNELS is empty')
    for spec in kernels:       # validate all before running any
        k, layout = split_spec(spec, a.cgroup)
        if k != 'host':
            guest.parse_args(['validate', '--kernel', k, '--cgroup', layout])
    dirs = []
    for spec in kernels:
        k, layout = split_spec(spec, a.cgroup)
        if k == 'host':
            dirs.append(run_host(a.results, a.areas.split()))
            continue
        args = guest.parse_args(['both' if a.bench else 'check', '--kernel', k, '--cgroup', layout, '--tree', a.tree,
                                 '--results', a.results, '--timeout', str(a.timeout),
                                 '--areas', a.areas, '--quiet'])
        guest.run(args)
        dirs.append(args.result_dir)
    runs, rows = render(dirs, a.out)
    nd = sum(1 for r in rows if r['diff'])
    print(f'matrix: {len(rows)} cases on {len(runs)} kernels, {nd} differ; page {os.path.relpath(a.out)}')
    return 0


def main(argv=None):
    ap = Parser(prog='kisol.vm.matrix')
    sub = ap.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run', help='run the cases on each kernel, then render')
    r.add_argument('--kernels', default='6.1 6.12 host')
    r.add_argument('--tree', default=os.path.join(TOP, 'build', 'install'))
    r.add_argument('--results', default=os.path.join(TOP, 'results'))
    r.add_argument('--areas', default='')
    r.add_argument('--cgroup', default='v2')
    r.add_argument('--timeout', type=float, default=840)
    r.add_argument('--bench', action='store_true',
                   help='also run the quick benchmark set in each guest (TCG timings)')
    r.add_argument('--out', default=os.path.join(TOP, 'reports', 'out', 'matrix.html'))
    g = sub.add_parser('render', help='render a page from existing run directories')
    g.add_argument('dirs', nargs='+')
    g.add_argument('--out', default=os.path.join(TOP, 'reports', 'out', 'matrix.html'))
    a = ap.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if a.cmd == 'run':
            return run_all(a)
        runs, rows = render(a.dirs, a.out)
        print(f"matrix: {len(rows)} cases on {len(runs)} kernels, "
              f"{sum(1 for r in rows if r['diff'])} differ; page {os.path.relpath(a.out)}")
        return 0
    except (MatrixError, results.ResultsError, guest.UserError, vm_kernel.KernelError,
            vm_initramfs.InitramfsError) as e:
        sys.stderr.write(f'matrix: {e}\n')
        return 2


if __name__ == '__main__':
    sys.exit(main())
