# SPDX-License-Identifier: GPL-2.0-only
"""Write cases/lib_cgroup/COVERAGE.md: usage: coverage.py HOST_cases.json [NAME GUEST_cases.json]..."""
import json, sys, collections, re
host = json.load(open(sys.argv[1]))['cases']
vms = [(n, json.load(open(p))['cases']) for n, p in zip(sys.argv[2::2], sys.argv[3::2])]

def version(c):
    t = c['test']
    m = re.search(r'\.(v1|v2)\.', t)
    if m:
        return m.group(1)
    if t.startswith('st.'):
        return 'v2'
    if 'cve_2022_0492' in t:
        return 'v1'
    if 'cve_2021_4154_v1' in t:
        return 'v1 (fs context)'
    if 'cve_2021_4154_v2' in t:
        return 'v2 (fs context)'
    return 'n/a'

out = []
out.append('# cgroup cases: where each ran\n')
out.append('Generated from `make check AREA="lib_cgroup cgroupns cgroup_core cgroup_pids cgroup_memory '
           'cgroup_cpu cgroup_cpuset cgroup_v1misc cgroup_deleg cgroup_regress" PYTEST_ARGS=--kisol-results=DIR` '
           'on the hybrid host (kernel 6.18: v1 holds cpu, cpuacct, cpuset, memory, pids, freezer, devices, blkio; '
           'cgroup2 holds hugetlb) and from `make vm-check CGROUP=v2` guests (pure v2, every controller).\n')
cnt = collections.Counter((version(c), c['verdict']) for c in host)
out.append('\n## Host summary\n\n| version | pass | skip | xfail |\n|---|---|---|---|\n')
for v in sorted({k[0] for k in cnt}):
    out.append(f"| {v} | {cnt[(v,'pass')]} | {cnt[(v,'skip')]} | {cnt[(v,'xfail')]} |\n")
for n, cases in vms:
    c2 = collections.Counter(c['verdict'] for c in cases)
    out.append(f"\nGuest {n}: " + ', '.join(f'{k} {v}' for k, v in sorted(c2.items())) + '\n')
def section(title, pred):
    out.append(f'\n## {title}\n\n')
    by = collections.defaultdict(list)
    for c in host:
        if pred(c):
            by[c['area']].append(c)
    for a in sorted(by):
        out.append(f"- **{a}**: " + ', '.join(f"`{c['binary'].split('/')[-1]}::{c['test']}`" for c in sorted(by[a], key=lambda c: c['test'])) + '\n')
section('Ran on cgroup v1 here (pass)', lambda c: c['verdict'] == 'pass' and version(c).startswith('v1'))
section('Ran on cgroup v2 here (pass)', lambda c: c['verdict'] in ('pass', 'xfail') and version(c).startswith('v2'))
section('Version-independent (pass)', lambda c: c['verdict'] == 'pass' and version(c) == 'n/a')
out.append('\n## Skipped here, with the reason\n\n')
reasons = collections.defaultdict(list)
for c in host:
    if c['verdict'] == 'skip':
        reasons[c['reason']].append(f"{c['binary'].split('/')[-1]}::{c['test']}")
for r, l in sorted(reasons.items(), key=lambda x: -len(x[1])):
    out.append(f"- {len(l)} x \"{r}\": " + ', '.join(f'`{x}`' for x in sorted(l)) + '\n')
xf = [c for c in host if c['verdict'] == 'xfail']
if xf:
    out.append('\n## Expected failures (kernel bugs seen here)\n\n')
    for c in xf:
        out.append(f"- `{c['id']}`: {c['reason']}\n")
for n, cases in vms:
    bad = [c for c in cases if c['verdict'] in ('fail', 'error', 'xfail', 'xpass')]
    out.append(f'\n## Guest {n}: non-pass, non-skip verdicts\n\n')
    out.append(''.join(f"- `{c['id']}` {c['verdict']}: {c['reason']}\n" for c in bad) or 'none\n')
sys.stdout.write(''.join(out))
