# SPDX-License-Identifier: GPL-2.0-only
"""The results stream a guest writes to its second serial port.

The guest init (scripts/vm/init) frames its output with marker lines:

    @@KISOL-VM start kernel=<uname -r> layout=<v2|v1|hybrid>
    @@KISOL-VM info <key>=<value ...>
    @@KISOL-VM section ktap
    <run_kselftest.sh output: TAP 13, one "ok N kisol:<area>:<bin>" per binary>
    @@KISOL-VM end ktap rc=<n> secs=<n>
    @@KISOL-VM section bench <name>
    <JSON lines>
    @@KISOL-VM end bench rc=<n> secs=<n>
    @@KISOL-VM done

A stream without "done" (guest hung, crashed or was killed) is incomplete;
whatever came before is still parsed.
"""
import json
import re
from dataclasses import dataclass, field

from kisol import ktap

MARK = '@@KISOL-VM '
_TOP_RESULT = re.compile(r'^(ok|not ok)\s+(\d+)\s*(?:-\s*)?([^#]*?)\s*(#.*)?$')
_SELFTESTS_NAME = re.compile(r'^selftests:\s*(\S+?):\s*(\S+)$')
_HEADER = re.compile(r'^#\s*selftests:\s*(\S+?):?\s+(\S+)\s*$')


@dataclass
class Section:
    kind: str
    name: str = ''
    lines: list = field(default_factory=list)
    ended: bool = False
    rc: int | None = None
    secs: float | None = None


@dataclass
class Stream:
    sections: list = field(default_factory=list)
    info: dict = field(default_factory=dict)
    started: bool = False
    done: bool = False

    @property
    def complete(self):
        return self.started and self.done and all(s.ended for s in self.sections)

    def ktap_text(self):
        return '\n'.join(line for s in self.sections if s.kind == 'ktap' for line in s.lines)

    def bench_records(self):
        recs = []
        for s in self.sections:
            if s.kind != 'bench':
                continue
            for line in s.lines:
                line = line.strip()
                if line.startswith('{'):
                    try:
                        obj = json.loads(line)
                    except ValueError:
                        continue        # a line cut by the timeout
                    if isinstance(obj, dict):
                        recs.append(obj)
        return recs


def _kv(words):
    out = {}
    for w in words:
        k, sep, v = w.partition('=')
        if sep:
            out[k] = v
    return out


def parse_stream(text):
    """Split a raw serial capture into sections (tolerates \\r and noise)."""
    st = Stream()
    cur = None
    for raw in text.replace('\r', '').split('\n'):
        line = raw
        i = line.find(MARK)
        if i < 0:
            if cur is not None:
                cur.lines.append(line)
            continue
        words = line[i + len(MARK):].split()
        if not words:
            continue
        verb, rest = words[0], words[1:]
        if verb == 'start':
            st.started = True
            st.info.update(_kv(rest))
        elif verb == 'info':
            for k, v in _kv(rest).items():
                st.info[k] = v
            if rest and '=' in rest[0]:
                k = rest[0].split('=', 1)[0]
                st.info[k] = line.split(k + '=', 1)[1].strip()
        elif verb == 'section' and rest:
            cur = Section(kind=rest[0], name=rest[1] if len(rest) > 1 else '')
            st.sections.append(cur)
        elif verb == 'end' and cur is not None:
            kv = _kv(rest)
            cur.ended = True
            try:
                cur.rc = int(kv.get('rc', ''))
            except ValueError:
                pass
            try:
                cur.secs = float(kv.get('secs', ''))
            except ValueError:
                pass
            cur = None
        elif verb == 'done':
            st.done = True
    return st


# ---- KTAP of run_kselftest.sh -> per-binary blocks --------------------------

@dataclass
class BinaryRun:
    collection: str          # kisol/<area>
    binary: str
    lines: list = field(default_factory=list)   # dedented nested KTAP
    top: object = None       # the top-level result (None: cut off)

    @property
    def area(self):
        return self.collection.split('/', 1)[-1]


def _dedent(line):
    if line.startswith('# '):
        return line[2:]
    if line.startswith('#'):
        return line[1:]
    return line


def _split_name(name, fallback):
    """'kisol:utsns:hostname' or 'selftests: kisol/utsns: hostname'
    -> ('kisol/utsns', 'hostname')."""
    m = _SELFTESTS_NAME.match(name.strip())
    if m:
        return m.group(1), m.group(2)
    if ' ' in name.strip() or not name.strip():
        return fallback
    parts = name.split(':')
    if len(parts) >= 3:
        return f'{parts[0]}/{parts[1]}', parts[-1]
    if len(parts) == 2:
        return parts[0], parts[1]
    return fallback


def split_binaries(text, expected=()):
    """Cut the runner's output into one BinaryRun per binary.

    expected: [(collection, binary), ...] in the order the runner runs them;
    it names a binary that was cut off before its top-level result line."""
    runs, block, header = [], [], None
    expected = list(expected)
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        if line.startswith('#'):
            m = _HEADER.match(line)
            if m:
                header = (m.group(1), m.group(2))
                block = []
                continue
            block.append(_dedent(line))
            continue
        m = _TOP_RESULT.match(line)
        if m:
            idx = len(runs)
            fb = header or (expected[idx] if idx < len(expected) else ('kisol/unknown', f'binary{idx + 1}'))
            coll, binary = _split_name(m.group(3), fb)
            r = ktap.KtapResult(num=int(m.group(2)), ok=m.group(1) == 'ok', name=m.group(3))
            tail = m.group(4) or ''
            dm = re.search(r'#\s*(SKIP|XFAIL|XPASS|TIMEOUT)\b\s*(.*)', tail, re.I)
            if dm:
                r.directive, r.reason = dm.group(1).upper(), dm.group(2).strip()
            runs.append(BinaryRun(coll, binary, block, r))
            block, header = [], None
            continue
        # "TAP version", plan, or noise at top level: ignore
    if block or header:
        idx = len(runs)
        coll, binary = header or (expected[idx] if idx < len(expected) else ('kisol/unknown', f'binary{idx + 1}'))
        runs.append(BinaryRun(coll, binary, block, None))
    return runs


def _first_fail(r):
    for d in r.diagnostics:
        s = d.lstrip('# ').strip()
        if ':' in s and ('Expected' in s or 'ASSERT' in s or 'EXPECT' in s or 'Test' in s):
            return s[:300]
    return ''


def cases_from_run(br, meta=None):
    """Case records (scripts/FORMATS.md cases.json) from one binary's nested KTAP."""
    meta = meta or {}
    area, binary = br.area, br.binary
    bpath = f'cases/{area}/{binary}'
    text = '\n'.join(br.lines)
    recs = []
    doc = None
    try:
        doc = ktap.parse(text)
    except ktap.KtapError:
        doc = None
    results = doc.results if doc else []
    for r in results:
        v = r.verdict
        rec = {'id': f'{bpath}::{r.name}', 'area': area, 'binary': bpath, 'test': r.name,
               'verdict': v,
               'reason': r.reason if v in ('skip', 'xfail') else _first_fail(r),
               'duration_s': None, 'meta': meta.get(r.name, {})}
        if v in ('fail', 'error', 'xpass'):
            rec['output'] = '\n'.join(r.diagnostics)[-20000:]
        recs.append(rec)
    problem = ''
    if br.top is None:
        problem = 'guest stopped while this binary was running (timeout or crash)'
    elif doc is None:
        problem = f'no KTAP from binary (runner said: {"ok" if br.top.ok else "not ok"}' \
                  f'{" # " + br.top.directive + " " + br.top.reason if br.top.directive else ""})'
        if br.top.directive == 'SKIP':
            problem = ''
            recs.append({'id': f'{bpath}::*', 'area': area, 'binary': bpath, 'test': '*',
                         'verdict': 'skip', 'reason': br.top.reason or 'binary skipped',
                         'duration_s': None, 'meta': {}})
    elif doc.plan is not None and len(results) < doc.plan:
        problem = f'binary ended after {len(results)} of {doc.plan} tests'
        if br.top.directive == 'TIMEOUT' or 'timeout' in (br.top.reason or '').lower():
            problem += ' (runner timeout)'
    elif not br.top.ok and not br.top.directive and not any(
            r['verdict'] in ('fail', 'xpass') for r in recs):
        problem = 'binary failed but no test failed (crash or exit status)'
    if problem:
        recs.append({'id': f'{bpath}::<binary>', 'area': area, 'binary': bpath,
                     'test': '<binary>', 'verdict': 'error', 'reason': problem,
                     'duration_s': None, 'meta': {},
                     'output': '\n'.join(br.lines)[-20000:]})
    return recs
