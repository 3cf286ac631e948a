# SPDX-License-Identifier: GPL-2.0-only
"""kisol in a LAVA lab: job files, their validation, a local run with LAVA's
own dispatcher, and the import of LAVA's results into kisol's history.

    python3 -m kisol.lava job --kernel 6.1 [-o FILE]          qemu job + its artefacts
    python3 -m kisol.lava job --template board --kernel-url URL ... [-o FILE]
    python3 -m kisol.lava validate [FILE...]                   lava_common.schemas
    python3 -m kisol.lava tree -o build/lava/kisol-tree.tar.gz install tree tarball
    python3 -m kisol.lava run --kernel 6.1                     lava-run + import
    python3 -m kisol.lava import RESULTS [--log LOG]           results.yaml / lava-run log

The test definition (lava/testdef/kisol.yaml + kisol-lava.sh) reports each
harness test as LAVA test case "<binary>.<test>" in test set "<area>" and each
benchmark median as a measurement in set "bench".  LAVA results carry only
pass/fail/skip/unknown; the job log also carries the raw KTAP and benchmark
records between KISOL-LAVA marker lines, and the import uses them (when the
log is given) for skip reasons, XFAIL/XPASS, failure output and full
benchmark records.  LAVA's verdict stays authoritative.

Exit status: 0 ok, 1 a run with failures / a job LAVA failed, 2 user error.
"""
import datetime
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from kisol import history, results
from kisol.rundata import InputError, load_dir
from kisol.vm import guest, initramfs as vm_initramfs, kernel as vm_kernel, serial as vm_serial
from kisol.usage import Parser

TOP = results.TOP
LAVA_DIR = os.path.join(TOP, 'lava')
JOBS_DIR = os.path.join(LAVA_DIR, 'jobs')
TESTDEF = os.path.join(LAVA_DIR, 'testdef')
TEMPLATES = {'qemu': 'qemu-x86_64.yaml.jinja2', 'board': 'board.yaml.jinja2'}
DEVICE_DICT = os.path.join(LAVA_DIR, 'devices', 'kisol-qemu.jinja2')
SUITE = 'kisol'                    # the test definition's name
BENCH_SET = 'bench'
LAVA_TO_KISOL = {'pass': 'pass', 'fail': 'fail', 'skip': 'skip', 'unknown': 'error'}
# Placeholders of the board template when `make lava-validate` renders it.
BOARD_EXAMPLE = {
    'device_type': 'bcm2711-rpi-4-b',
    'kernel_url': 'https://lab.example.org/kisol/Image',
    'kernel_type': 'image',
    'dtb_url': 'https://lab.example.org/kisol/bcm2711-rpi-4-b.dtb',
    'rootfs_url': 'https://lab.example.org/kisol/rootfs.tar.xz',
    'rootfs_compression': 'xz',
    'tree_url': 'https://lab.example.org/kisol/kisol-tree-arm64.tar.gz',
    'prompt': 'root@debian:~#',
    'login': 'root',
}
DEFAULT_TESTDEF_REPO = 'https://github.com/kisol/kisol.git'


class UserError(Exception):
    pass


# ---- job files -------------------------------------------------------------

def _jinja_env(*dirs):
    try:
        import jinja2
    except ImportError:
        raise UserError('python3-jinja2 missing (scripts/install-deps --lava)') from None
    return jinja2.Environment(loader=jinja2.FileSystemLoader(list(dirs)),
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              keep_trailing_newline=True)


def job_defaults(template):
    d = {'areas': '', 'bench': 'none', 'job_minutes': 90, 'boot_minutes': 5,
         'test_minutes': 60, 'testdef_repo': DEFAULT_TESTDEF_REPO, 'testdef_revision': '',
         'kisol_commit': results.kisol_commit()}
    if template == 'qemu':
        d.update({'kernel_release': 'unknown', 'kernel_package': '',
                  'kernel_url': 'file:///var/lib/kisol/vmlinuz',
                  'initrd_url': 'file:///var/lib/kisol/initramfs.cpio',
                  'scratch_url': 'file:///var/lib/kisol/scratch.ext4.gz'})
    else:
        d.update(BOARD_EXAMPLE)
    return d


def render_job(template, values):
    if template not in TEMPLATES:
        raise UserError(f"unknown template '{template}' (qemu or board)")
    ctx = job_defaults(template)
    ctx.update({k: v for k, v in values.items() if v is not None})
    return _jinja_env(JOBS_DIR).get_template(TEMPLATES[template]).render(**ctx)


# ---- validation --------------------------------------------------------------

def _schemas():
    try:
        from lava_common import schemas
        from lava_common.schemas.test import testdef
    except ImportError:
        raise UserError('lava_common missing: Debian package lava-common '
                        '(scripts/install-deps --lava)') from None
    return schemas, testdef


def _yaml():
    try:
        import yaml
    except ImportError:
        raise UserError('python3-yaml missing (scripts/install-deps --lava)') from None
    return yaml


def validate_job_text(text, name='job'):
    """Raise UserError with LAVA's own message when the job is invalid."""
    schemas, _ = _schemas()
    yaml = _yaml()
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise UserError(f'{name}: not YAML: {e}'.replace('\n', ' ')) from None
    if not isinstance(data, dict):
        raise UserError(f'{name}: not a LAVA job (a mapping expected)')
    try:
        schemas.validate(data, strict=True)
    except Exception as e:       # voluptuous.Invalid and its subclasses
        raise UserError(f'{name}: invalid LAVA job: {e}') from None
    return data


def validate_testdef(path):
    _, testdef = _schemas()
    yaml = _yaml()
    try:
        with open(path) as f:
            data = yaml.safe_load(f)
        testdef.validate(data)
    except OSError as e:
        raise UserError(f'{path}: {e.strerror}') from None
    except Exception as e:
        raise UserError(f'{path}: invalid LAVA test definition: {e}') from None
    return data


def validate_all(paths=()):
    """Every template rendered with its defaults (or the given job files),
    and the test definition.  Returns the names checked."""
    checked = [os.path.relpath(os.path.join(TESTDEF, 'kisol.yaml'), TOP)]
    validate_testdef(os.path.join(TESTDEF, 'kisol.yaml'))
    if paths:
        for p in paths:
            try:
                with open(p) as f:
                    text = f.read()
            except OSError as e:
                raise UserError(f'{p}: {e.strerror}') from None
            validate_job_text(text, p)
            checked.append(p)
        return checked
    for t in sorted(TEMPLATES):
        validate_job_text(render_job(t, {}), f'lava/jobs/{TEMPLATES[t]}')
        checked.append(f'lava/jobs/{TEMPLATES[t]}')
    return checked


# ---- artefacts for the qemu job ---------------------------------------------

def bench_plan_text(tree):
    """bench/plan-quick.sh for the tree: the quick set of the host driver's
    catalog, as `bench_one <id> <timeout> bench/<binary> args` lines run from
    the tree's top."""
    text, _ = guest.bench_plan(tree, quick=True)
    return text.replace(guest.GUEST_BENCH_DIR + '/', 'bench/')


def testdef_snapshot(dest):
    """A git repository holding lava/testdef as it is in the work tree (LAVA
    clones it like a lab clones kisol's repository; no network)."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(os.path.join(dest, 'lava'))
    shutil.copytree(TESTDEF, os.path.join(dest, 'lava', 'testdef'))
    env = dict(os.environ, GIT_AUTHOR_NAME='kisol', GIT_AUTHOR_EMAIL='kisol@localhost',
               GIT_COMMITTER_NAME='kisol', GIT_COMMITTER_EMAIL='kisol@localhost')
    for cmd in (['init', '-q'], ['add', '-A'], ['commit', '-q', '-m', 'kisol LAVA test definition']):
        r = subprocess.run(['git', '-C', dest] + cmd, capture_output=True, text=True, env=env)
        if r.returncode:
            raise UserError(f'git {cmd[0]} in {dest}: {r.stderr.strip()}')
    return dest


def write_tree_tarball(tree, out):
    """The install tree plus lava/testdef and bench/plan-quick.sh as a .tar.gz."""
    import tarfile
    if not os.path.isfile(os.path.join(tree, 'run_kselftest.sh')):
        raise UserError(f"install tree '{tree}' has no run_kselftest.sh (make install)")
    plan = bench_plan_text(tree)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with tarfile.open(out, 'w:gz') as tf:
        tf.add(tree, arcname='kisol')
        tf.add(TESTDEF, arcname='kisol/lava/testdef')
        with tempfile.NamedTemporaryFile('w', delete=False) as f:
            f.write(plan)
        try:
            tf.add(f.name, arcname='kisol/bench/plan-quick.sh')
        finally:
            os.unlink(f.name)
    return out


def build_qemu_artefacts(kernel_spec, tree, work, kernel_modules='', cache=None):
    """Kernel, LAVA-mode initramfs, scratch disk and test definition repo
    under work/; returns the template values pointing at them (file://)."""
    if not os.path.isfile(os.path.join(tree, 'run_kselftest.sh')):
        raise UserError(f"install tree '{tree}' has no run_kselftest.sh (make install)")
    kernel = vm_kernel.resolve(kernel_spec, cache or os.path.join(TOP, 'build', 'vm-cache'),
                               kernel_modules)
    os.makedirs(work, exist_ok=True)
    conf = 'KISOL_VM_MODE=lava\nKISOL_VM_CGROUP=v2\nKISOL_RUN_ID=lava\n'
    initrd = os.path.join(work, 'initramfs.cpio')
    extra = {f'{vm_initramfs.TREE_DIR}/bench/plan-quick.sh': bench_plan_text(tree)}
    for f in sorted(os.listdir(TESTDEF)):
        with open(os.path.join(TESTDEF, f)) as fh:
            extra[f'{vm_initramfs.TREE_DIR}/lava/testdef/{f}'] = fh.read()
    vm_initramfs.build(initrd, tree=tree, init_script=guest.INIT, conf_text=conf, kernel=kernel,
                       extra_files=extra)
    os.chmod(initrd, 0o644)
    disk = guest.make_scratch_disk(os.path.join(work, 'scratch.ext4'), size_mb=256)
    if not disk:
        raise UserError('mkfs.ext4 failed for the scratch disk (scripts/install-deps --vm)')
    with open(disk, 'rb') as fi, gzip.open(disk + '.gz', 'wb', compresslevel=1) as fo:
        shutil.copyfileobj(fi, fo)
    os.unlink(disk)
    repo = testdef_snapshot(os.path.join(work, 'testdef.git'))
    return {'kernel_release': kernel.release, 'kernel_package': kernel.package or '',
            'kernel_url': 'file://' + os.path.abspath(kernel.image),
            'initrd_url': 'file://' + os.path.abspath(initrd),
            'scratch_url': 'file://' + os.path.abspath(disk + '.gz'),
            'testdef_repo': 'file://' + os.path.abspath(repo)}


# ---- the local dispatcher ---------------------------------------------------

def lava_server_templates(cache):
    """lava-server's device-type templates (qemu.jinja2, base.jinja2): the
    package is fetched and unpacked, not installed (it would pull a web
    server and a database).  Returns the directory."""
    dest = os.path.join(cache, 'lava-server')
    dt = os.path.join(dest, 'usr', 'share', 'lava-server', 'device-types')
    if os.path.isfile(os.path.join(dt, 'qemu.jinja2')):
        return dt
    os.makedirs(cache, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        r = subprocess.run(['apt-get', 'download', 'lava-server'], cwd=tmp,
                           capture_output=True, text=True)
        debs = [f for f in os.listdir(tmp) if f.endswith('.deb')]
        if r.returncode or not debs:
            raise UserError(f'apt-get download lava-server failed: {r.stderr.strip()[-200:]}')
        r = subprocess.run(['dpkg-deb', '-x', os.path.join(tmp, debs[0]), dest],
                           capture_output=True, text=True)
        if r.returncode:
            raise UserError(f'dpkg-deb -x lava-server: {r.stderr.strip()}')
    return dt


def render_device(job_text, cache):
    """The qemu device configuration, rendered from lava/devices/kisol-qemu.jinja2
    and lava-server's templates with the job's context (what the server does
    before it hands a job to a worker)."""
    yaml = _yaml()
    ctx = dict(yaml.safe_load(job_text).get('context') or {})
    env = _jinja_env(os.path.dirname(DEVICE_DICT), lava_server_templates(cache))
    env.undefined = __import__('jinja2').Undefined      # LAVA's templates rely on it
    return env.get_template(os.path.basename(DEVICE_DICT)).render(**ctx)


def lava_dispatcher_version():
    r = subprocess.run(['dpkg-query', '-W', '-f=${Version}', 'lava-dispatcher'],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def run_dispatcher(job_file, device_file, out_dir, job_id, log_path, timeout):
    """lava-run; its YAML log goes to log_path.  Returns (rc, seconds)."""
    if not shutil.which('lava-run'):
        raise UserError('lava-run not found: Debian package lava-dispatcher '
                        '(scripts/install-deps --lava-run)')
    import time
    t0 = time.monotonic()
    with open(log_path, 'w') as log:
        try:
            r = subprocess.run(['lava-run', '--job-id', str(job_id), '--output-dir', out_dir,
                                '--device', device_file, job_file],
                               stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
            rc = r.returncode
        except subprocess.TimeoutExpired:
            rc = 124
    return rc, time.monotonic() - t0


# ---- LAVA results -> kisol run ----------------------------------------------

def _load_yaml_stream(text):
    """lava-run's log: one flow-style mapping per line ("- " prefixed in the
    server's output.yaml).  Lines that do not parse are skipped."""
    yaml = _yaml()
    loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
    out = []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith('- '):
            s = s[2:]
        if not s.startswith('{'):
            continue
        try:
            d = yaml.load(s, Loader=loader)
        except yaml.YAMLError:
            continue
        if isinstance(d, dict):
            out.append(d)
    return out


def _read(path):
    try:
        if path.endswith('.gz'):
            with gzip.open(path, 'rt', encoding='utf-8', errors='replace') as f:
                return f.read()
        with open(path, encoding='utf-8', errors='replace') as f:
            return f.read()
    except (OSError, EOFError) as e:
        raise UserError(f'{path}: {getattr(e, "strerror", None) or e}') from None


def load_lava_results(path):
    """(records, log_records): test case records from a results file.

    Accepts what a LAVA server exports (`/results/<job>/yaml`, lavacli
    `results --yaml`: a list of {name, suite, result, measurement, unit,
    metadata}) and lava-run's own log (records of level "results"; then the
    log is returned too)."""
    text = _read(path)
    if not text.strip():
        raise UserError(f'{path}: empty file')
    yaml = _yaml()
    stream = [d for d in _load_yaml_stream(text) if 'lvl' in d and 'msg' in d]
    if stream:
        recs = []
        for d in stream:
            if d.get('lvl') == 'results' and isinstance(d.get('msg'), dict):
                m = d['msg']
                recs.append({'suite': str(m.get('definition', '')), 'name': str(m.get('case', '')),
                             'result': str(m.get('result', '')), 'set': m.get('set'),
                             'measurement': m.get('measurement'), 'unit': m.get('units'),
                             'metadata': m})
        return recs, stream
    try:
        data = yaml.load(text, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))
    except yaml.YAMLError as e:
        raise UserError(f'{path}: not YAML (truncated or corrupt): '
                        f'{str(e).splitlines()[0]}') from None
    if not isinstance(data, list) or not all(isinstance(x, dict) and 'result' in x and
                                             ('name' in x or 'case' in x) for x in data):
        raise UserError(f'{path}: not LAVA results (a list of test cases with '
                        'name/suite/result, or a lava-run log, expected)')
    recs = []
    for x in data:
        md = x.get('metadata') if isinstance(x.get('metadata'), dict) else {}
        recs.append({'suite': str(x.get('suite', md.get('definition', ''))),
                     'name': str(x.get('name', x.get('case', ''))),
                     'result': str(x.get('result', '')),
                     'set': md.get('set', x.get('set')),
                     'measurement': x.get('measurement'), 'unit': x.get('unit', x.get('units')),
                     'metadata': md})
    return recs, None


def _is_kisol_suite(suite):
    return suite == SUITE or re.fullmatch(r'\d+_' + SUITE, suite or '') is not None


def _measurement(v):
    if v in (None, '', 'None'):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def log_text(stream):
    """The device's output (level "target" messages) of a lava-run log.  The
    dispatcher escapes every double quote of the device's output (\\")."""
    return '\n'.join(d['msg'].replace('\\"', '"') for d in stream
                     if d.get('lvl') == 'target' and isinstance(d.get('msg'), str))


def log_sections(text):
    """(ktap text, bench records, kernel) from the KISOL-LAVA markers."""
    ktap, bench, kernel = [], [], None
    mode = None
    for line in text.splitlines():
        s = line.rstrip('\r')
        if 'KISOL-LAVA ' in s:
            word = s.split('KISOL-LAVA ', 1)[1].split()
            verb = word[0] if word else ''
            if verb == 'ktap-begin':
                mode, ktap = 'ktap', []
                m = re.search(r'kernel=(\S+)', s)
                kernel = m.group(1) if m else kernel
            elif verb == 'bench-begin':
                mode, bench = 'bench', []
            elif verb in ('ktap-end', 'bench-end'):
                mode = None
            continue
        if mode == 'ktap':
            ktap.append(s)
        elif mode == 'bench' and s.lstrip().startswith('{'):
            try:
                rec = json.loads(s.strip())
            except ValueError:
                continue
            if isinstance(rec, dict) and 'benchmark' in rec:
                bench.append(rec)
    return '\n'.join(ktap), bench, kernel


def case_from_lava(area, name, result):
    """A cases.json record from one LAVA test case of the kisol suite."""
    binary, _, test = name.partition('.')
    test = {'__binary__': '<binary>', '__all__': '*'}.get(test, test or '<binary>')
    bpath = f'cases/{area}/{binary}'
    verdict = LAVA_TO_KISOL.get(result, 'error')
    rec = {'id': f'{bpath}::{test}', 'area': area, 'binary': bpath, 'test': test,
           'verdict': verdict, 'reason': '' if verdict != 'error' else f'LAVA result {result}',
           'duration_s': None, 'meta': {}}
    if test == '<binary>' and verdict == 'fail':
        rec['verdict'] = 'error'
        rec['reason'] = 'binary crashed, timed out or stopped early (see the job log)'
    return rec


def ktap_cases(ktap_text):
    """{id: case record} from the runner's KTAP as the test printed it."""
    out = {}
    for br in vm_serial.split_binaries(ktap_text):
        for c in vm_serial.cases_from_run(br):
            out[c['id']] = c
    return out


def refine(rec, k):
    """LAVA's verdict, refined by the KTAP record of the same case: reasons,
    output, and XFAIL/XPASS which LAVA cannot express."""
    lv, kv = rec['verdict'], k['verdict']
    if (lv, kv) in (('pass', 'xfail'), ('fail', 'xpass'), ('error', 'error')) or lv == kv:
        rec['verdict'] = kv
    elif lv in ('pass', 'fail', 'skip'):
        rec['reason'] = (f'LAVA {lv}, KTAP {kv}: ' + (k.get('reason') or ''))[:300]
    for key in ('reason', 'output'):
        if k.get(key) and (key != 'reason' or rec['verdict'] == kv):
            rec[key] = k[key]
    return rec


def convert(recs, stream=None, log=None):
    """(cases, bench records, lava facts) from LAVA test cases (+ job log)."""
    cases, measurements, lava = [], [], {'suites': {}, 'job': None, 'errors': []}
    for r in recs:
        suite = r['suite']
        lava['suites'][suite] = lava['suites'].get(suite, 0) + 1
        if suite == 'lava':
            md = r['metadata'] or {}
            if r['name'] == 'job':
                lava['job'] = r['result']
                if md.get('error_msg'):
                    lava['errors'].append(f"{md.get('error_type', '')}: {md['error_msg']}")
            continue
        if not _is_kisol_suite(suite):
            continue
        area = r.get('set') or 'unknown'
        value = _measurement(r.get('measurement'))
        if area == BENCH_SET:
            if value is not None:
                measurements.append({'name': r['name'], 'value': value, 'unit': r.get('unit')})
            continue
        if area == 'kisol':     # the definition's own failures (no tree, no result)
            cases.append({'id': f'lava/kisol::{r["name"]}', 'area': 'lava',
                          'binary': 'lava/testdef/kisol-lava.sh', 'test': r['name'],
                          'verdict': LAVA_TO_KISOL.get(r['result'], 'error'),
                          'reason': 'the LAVA test definition could not run the tree',
                          'duration_s': None, 'meta': {}})
            continue
        cases.append(case_from_lava(area, r['name'], r['result']))
    text = log if log is not None else (log_text(stream) if stream else '')
    ktap, bench, kernel = log_sections(text) if text else ('', [], None)
    if ktap:
        known = ktap_cases(ktap)
        for c in cases:
            if c['id'] in known:
                refine(c, known[c['id']])
        lava['ktap_cases'] = len(known)
        lava['ktap_not_in_lava'] = len(set(known) - {c['id'] for c in cases})
    lava['measurements'] = measurements
    return cases, bench, lava, kernel


def import_results(path, log_path=None, results_dir=None, db=None, extra_run=None, out_dir=None):
    """Write results/<run-id>/ from LAVA results and store it in the history.
    Returns (run directory, run dict, cases)."""
    recs, stream = load_lava_results(path)
    log = None
    if log_path:
        raw = _read(log_path)
        s2 = [d for d in _load_yaml_stream(raw) if 'lvl' in d]
        log = log_text(s2) if s2 else raw          # a lava-run log, or plain device output
    cases, bench, lava, kernel = convert(recs, stream, log)
    if not cases and not lava['measurements'] and lava['job'] is None:
        raise UserError(f'{path}: no kisol test cases (suite "{SUITE}") and no LAVA job result')
    extra = dict(extra_run or {})
    facts = results.host_facts()
    kernel = extra.pop('kernel', None) or kernel or 'unknown'
    device = extra.pop('device', None) or 'lava'
    run_id = results.make_run_id(device, kernel, suffix='-lava')
    results_dir = results_dir or os.path.join(TOP, 'results')
    out = out_dir or os.path.join(results_dir, run_id)
    n, base = 1, out
    while not out_dir and os.path.exists(out):
        n += 1
        out = f'{base}.{n}'
    run_id = os.path.basename(out)
    os.makedirs(out, exist_ok=True)
    now = results.now_iso()
    complete = lava['job'] in (None, 'pass') and bool(cases)
    run = {'run_id': run_id, 'host': device, 'kernel': kernel,
           'kisol_commit': extra.pop('kisol_commit', None) or facts['kisol_commit'],
           'started': extra.pop('started', None) or now, 'finished': now,
           'cgroup_layout': extra.pop('cgroup_layout', None) or 'unknown',
           'vm': bool(extra.pop('vm', False)), 'vm_accel': extra.pop('vm_accel', None),
           'harness': facts['harness'], 'cpu_model': extra.pop('cpu_model', None) or 'unknown',
           'complete': complete,
           'incomplete_reason': '' if complete else (
               '; '.join(lava['errors']) or ('LAVA job ' + str(lava['job']) if lava['job'] != 'pass'
                                             else 'no kisol test case')),
           'source': 'lava', 'lava': lava, 'lava_results_file': os.path.abspath(path)}
    run.update(extra)
    results.write_run(out, run)
    results.write_cases(out, run_id, sorted(cases, key=lambda c: c['id']))
    if bench:
        with open(os.path.join(out, 'bench.jsonl'), 'w') as f:
            for b in bench:
                b = dict(b)
                if run.get('vm'):
                    b['vm'], b['vm_accel'] = True, run.get('vm_accel')
                f.write(json.dumps(b, sort_keys=True) + '\n')
    name = 'lava-results' + ('.log' if stream else '.yaml') + ('.gz' if path.endswith('.gz') else '')
    shutil.copy(path, os.path.join(out, name))
    if db:
        history.store(db, load_dir(out))
    return out, run, cases


def summary(cases):
    c = {}
    for x in cases:
        c[x['verdict']] = c.get(x['verdict'], 0) + 1
    return ' '.join(f'{k}:{v}' for k, v in sorted(c.items())) or 'no cases'


# ---- command line -------------------------------------------------------------

def _write(text, out):
    if out in (None, '-'):
        sys.stdout.write(text)
        return
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        f.write(text)


def cmd_job(a):
    values = {'areas': a.areas, 'bench': a.bench}
    if a.template == 'qemu':
        work = a.work or os.path.join(TOP, 'build', 'lava', re.sub(r'[^\w.-]', '_', a.kernel))
        values.update(build_qemu_artefacts(a.kernel, a.tree, work, a.kernel_modules))
        if a.artefact_url:      # for a lab: the artefacts served from its file server
            files = [values[k][len('file://'):] for k in ('kernel_url', 'initrd_url', 'scratch_url')]
            for k, f in zip(('kernel_url', 'initrd_url', 'scratch_url'), files):
                values[k] = a.artefact_url.rstrip('/') + '/' + os.path.basename(f)
            values['testdef_repo'] = a.testdef_repo or DEFAULT_TESTDEF_REPO
            print('lava: copy to ' + a.artefact_url + ': ' + ' '.join(files), file=sys.stderr)
    else:
        values['dtb_url'] = a.dtb_url
        for k in ('device_type', 'kernel_url', 'kernel_type', 'dtb_url', 'rootfs_url',
                  'rootfs_compression', 'tree_url', 'prompt', 'login', 'testdef_repo'):
            v = getattr(a, k, None)
            if v:
                values[k] = v
        missing = [k for k in ('device_type', 'kernel_url', 'rootfs_url', 'tree_url')
                   if not getattr(a, k, None)]
        if missing:
            raise UserError('board job needs ' + ', '.join(m.upper() for m in missing))
    text = render_job(a.template, values)
    validate_job_text(text, 'rendered job')
    out = a.output or (os.path.join(work, 'job.yaml') if a.template == 'qemu' else None)
    _write(text, out)
    if out and out != '-':
        print(f'lava: job {out}', file=sys.stderr)
    return 0


def cmd_validate(a):
    for name in validate_all(a.files):
        print(f'lava: valid: {name}')
    return 0


def cmd_tree(a):
    print(f'lava: {write_tree_tarball(a.tree, a.output)}')
    return 0


def cmd_import(a):
    extra = json.loads(a.run_facts) if a.run_facts else {}
    if a.kernel:
        extra['kernel'] = a.kernel
    if a.device:
        extra['device'] = a.device
    out, run, cases = import_results(a.results_file, a.log, a.results, a.db, extra)
    print(f'lava: {summary(cases)}; {len(run["lava"]["measurements"])} measurements'
          f'{"" if run["complete"] else "; INCOMPLETE: " + run["incomplete_reason"]}')
    print(f'lava: results in {os.path.relpath(out)}' + (f', stored in {a.db}' if a.db else ''))
    bad = sum(1 for c in cases if c['verdict'] in ('fail', 'error', 'xpass'))
    return 0 if run['complete'] and not bad else 1


def cmd_run(a):
    work = a.work or os.path.join(TOP, 'build', 'lava', re.sub(r'[^\w.-]', '_', a.kernel))
    ver = lava_dispatcher_version()
    if not ver or not shutil.which('lava-run'):
        raise UserError('lava-run not found: Debian package lava-dispatcher '
                        '(scripts/install-deps --lava-run)')
    values = {'areas': a.areas, 'bench': a.bench}
    values.update(build_qemu_artefacts(a.kernel, a.tree, work, a.kernel_modules))
    job_text = render_job('qemu', values)
    validate_job_text(job_text, 'rendered job')
    job = os.path.join(work, 'job.yaml')
    _write(job_text, job)
    dev = os.path.join(work, 'device.yaml')
    _write(render_device(job_text, os.path.join(TOP, 'build', 'lava-cache')), dev)
    out_dir = os.path.join(work, 'out')
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    log = os.path.join(work, 'lava-run.log')
    job_id = datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%d%H%M%S')
    print(f'lava: lava-run {ver} on {values["kernel_release"]} (qemu TCG); log {os.path.relpath(log)}',
          flush=True)
    started = results.now_iso()
    rc, secs = run_dispatcher(job, dev, out_dir, job_id, log, a.timeout)
    print(f'lava: lava-run exit {rc} after {secs:.0f}s', flush=True)
    facts = results.host_facts()
    extra = {'kernel': values['kernel_release'], 'device': 'lava-qemu', 'vm': True,
             'vm_accel': 'tcg', 'cgroup_layout': 'v2', 'started': started,
             'cpu_model': f"qemu tcg -cpu max on {facts['cpu_model']}",
             'lava_dispatcher': ver, 'lava_run_rc': rc, 'lava_run_s': round(secs, 1),
             'lava_job_id': job_id, 'vm_kernel_package': values['kernel_package'],
             'host_kernel': facts['kernel']}
    try:
        out, run, cases = import_results(log, None, a.results, a.db, extra)
    except UserError as e:
        tail = ''
        try:
            stream = _load_yaml_stream(open(log, errors='replace').read())
            errs = [str(d.get('msg')) for d in stream if d.get('lvl') in ('error', 'exception')]
            tail = errs[-1][:300] if errs else ''
        except OSError:
            pass
        raise UserError(f'{e}; lava-run exit {rc}{": " + tail if tail else ""}') from None
    print(f'lava: {values["kernel_release"]}: {summary(cases)}; LAVA job {run["lava"]["job"]}'
          f'{"" if run["complete"] else "; INCOMPLETE: " + run["incomplete_reason"]}')
    print(f'lava: results in {os.path.relpath(out)}, stored in {a.db}')
    bad = sum(1 for c in cases if c['verdict'] in ('fail', 'error', 'xpass'))
    return 0 if run['complete'] and not bad and rc == 0 else 1


def build_parser():
    ap = Parser(prog='kisol.lava', description='kisol in LAVA')
    sub = ap.add_subparsers(dest='cmd', required=True)

    def common_job(p):
        p.add_argument('--areas', default='', help='space separated areas (default: all)')
        p.add_argument('--bench', default='none', choices=('none', 'quick'))
        p.add_argument('--tree', default=os.path.join(TOP, 'build', 'install'))
        p.add_argument('--kernel', default='6.12', help='6.1, 6.12 or a bzImage path')
        p.add_argument('--kernel-modules', default='')
        p.add_argument('--work', default='', help='artefact directory (default build/lava/<kernel>)')

    p = sub.add_parser('job', help='render a job file')
    common_job(p)
    p.add_argument('--template', default='qemu', choices=sorted(TEMPLATES))
    p.add_argument('-o', '--output', default='')
    p.add_argument('--artefact-url', default='',
                   help='qemu: URL the lab serves the artefacts from (default file:// here)')
    for k in ('device-type', 'kernel-url', 'kernel-type', 'dtb-url', 'rootfs-url',
              'rootfs-compression', 'tree-url', 'prompt', 'login', 'testdef-repo'):
        p.add_argument('--' + k, default='')
    p = sub.add_parser('validate', help='validate job files (default: every template)')
    p.add_argument('files', nargs='*')
    p = sub.add_parser('tree', help='install tree tarball for boards (TREE_URL)')
    p.add_argument('--tree', default=os.path.join(TOP, 'build', 'install'))
    p.add_argument('-o', '--output', default=os.path.join(TOP, 'build', 'lava', 'kisol-tree.tar.gz'))
    p = sub.add_parser('run', help='run the qemu job with lava-run and import its results')
    common_job(p)
    p.add_argument('--timeout', type=float, default=3600)
    p.add_argument('--results', default=os.path.join(TOP, 'results'))
    p.add_argument('--db', default=os.path.join(TOP, 'results', 'history.sqlite'))
    p = sub.add_parser('import', help="import LAVA's results into kisol's history")
    p.add_argument('results_file', help='results.yaml from the server, or a lava-run log')
    p.add_argument('--log', default='', help="the job's log (lava-run log or plain output)")
    p.add_argument('--kernel', default='', help='kernel release (else from the log)')
    p.add_argument('--device', default='', help='device name (default "lava")')
    p.add_argument('--run-facts', default='', help='JSON object of extra run.json facts')
    p.add_argument('--results', default=os.path.join(TOP, 'results'))
    p.add_argument('--db', default=os.path.join(TOP, 'results', 'history.sqlite'))
    return ap


def main(argv=None):
    a = build_parser().parse_args(argv)
    try:
        return {'job': cmd_job, 'validate': cmd_validate, 'tree': cmd_tree,
                'import': cmd_import, 'run': cmd_run}[a.cmd](a)
    except UserError as e:
        print(f'lava: {e}', file=sys.stderr)
        return 2
    except ValueError as e:      # --run-facts JSON
        print(f'lava: {e}', file=sys.stderr)
        return 2
    except Exception as e:
        if isinstance(e, (InputError, vm_kernel.KernelError,
                          vm_initramfs.InitramfsError, results.ResultsError)):
            print(f'lava: {e}', file=sys.stderr)
            return 2
        raise


if __name__ == '__main__':
    sys.exit(main())
