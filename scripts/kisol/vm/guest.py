# SPDX-License-Identifier: GPL-2.0-only
"""Run the kisol install tree inside a qemu guest on another kernel.

    /usr/bin/python3 -m kisol.vm check --kernel 6.1 --tree build/install [--areas "utsns cgroup"]
    /usr/bin/python3 -m kisol.vm bench --kernel 6.12 --tree build/install --bench-dir bench

The guest boots the kernel with an initramfs (kisol.vm.initramfs) whose init
(scripts/vm/init) runs the tree's run_kselftest.sh and streams KTAP (and
benchmark JSON lines) to a second serial port, captured in a file.  The
stream is parsed with kisol.ktap and stored as a run directory
results/<run-id>/ (kisol.results): run.json (vm: true), cases.json,
ktap/<binary>.ktap, bench.jsonl, console.log, serial.log.  A guest that
does not power off before the timeout is killed; what it sent so far is
kept and the run is marked complete: false.

Exit status: 0 all cases passed/skipped, 1 failures/errors or incomplete,
2 user error (one line on stderr).
"""
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

from kisol import bench, caselist, results, validate_schema
from kisol.vm import initramfs as vm_initramfs, kernel as vm_kernel, serial as vm_serial
from kisol.usage import Parser

TOP = results.TOP
INIT = os.path.join(TOP, 'scripts', 'vm', 'init')
QEMU = 'qemu-system-x86_64'
LAYOUTS = ('v2', 'v1', 'hybrid')


class UserError(Exception):
    pass


def _safe(s):
    return ''.join(c if c.isalnum() or c in '._-' else '_' for c in s)


def make_scratch_disk(path, size_mb=1024):
    """A sparse ext4 image for the guest's /var/tmp (KISOL_SCRATCH): the host
    has its scratch on a disk filesystem, and overlayfs/xattr behaviour on
    tmpfs differs (e.g. no user.* xattrs on tmpfs before 6.6)."""
    mkfs = shutil.which('mkfs.ext4') or '/usr/sbin/mkfs.ext4' or '/sbin/mkfs.ext4'
    if os.path.exists(path):
        os.unlink(path)
    try:
        r = subprocess.run([mkfs, '-q', '-F', '-m', '0', '-L', 'kisol-scratch', path, f'{size_mb}M'],
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return path if r.returncode == 0 else None


def qemu_cmd(kernel_image, initrd, console, serial, *, accel='tcg', mem=2048, smp=2, append='',
             disk=None):
    acc = 'tcg,thread=multi' if accel == 'tcg' else accel
    cmdline = 'console=ttyS0 panic=-1 loglevel=4 mitigations=off ' + append
    return [QEMU, '-accel', acc, '-cpu', 'max' if accel == 'tcg' else 'host',
            '-smp', str(smp), '-m', str(mem),
            '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
            '-kernel', kernel_image, '-initrd', initrd, '-append', cmdline.strip(),
            '-serial', f'file:{console}', '-serial', f'file:{serial}'] + \
        (['-drive', f'file={disk},if=virtio,format=raw,cache=unsafe'] if disk else [])


def _read(path):
    try:
        with open(path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')
    except OSError:
        return ''


def run_qemu(cmd, serial, timeout, progress=None, boot_timeout=None):
    """Run qemu until it exits or timeout; returns (timed_out, boot_s, wall_s, rc).

    With boot_timeout, a guest whose init has not started by then is killed
    and reported as not booted (timed_out False, boot_s None)."""
    t0 = time.monotonic()
    boot_s = None
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    timed_out = False
    seen = 0
    while True:
        try:
            p.wait(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic() - t0
        if boot_s is None and vm_serial.MARK + 'start' in _read(serial):
            boot_s = now
        if progress:
            seen = progress(serial, seen)
        no_boot = boot_s is None and boot_timeout is not None and now > boot_timeout
        if now > timeout or no_boot:
            timed_out = not no_boot
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            break
    wall = time.monotonic() - t0
    if boot_s is None and vm_serial.MARK + 'start' in _read(serial):
        boot_s = wall
    out = p.stdout.read().decode('utf-8', 'replace') if p.stdout else ''
    p.stdout.close()
    if p.returncode not in (0, None) and not timed_out and out.strip():
        sys.stderr.write(f"vm: qemu: {out.strip().splitlines()[-1]}\n")
    return timed_out, boot_s, wall, p.returncode


def probe_kvm(kernel, workdir):
    """True when a KVM guest really boots to our init within 20 s."""
    if not os.access('/dev/kvm', os.R_OK | os.W_OK):
        return False
    conf = 'KISOL_VM_MODE=probe\n'
    initrd = os.path.join(workdir, 'probe.cpio')
    cp = vm_initramfs.Cpio()
    cp.add_host_file('bin/busybox', vm_initramfs.BUSYBOX, 0o755)
    cp.add_chardev('dev/console', 5, 1)
    cp.add_host_file('init', INIT, 0o755)
    cp.add_file(vm_initramfs.CONF, conf.encode())
    cp.write(initrd)
    ser = os.path.join(workdir, 'probe.serial')
    cmd = qemu_cmd(kernel.image, initrd, os.path.join(workdir, 'probe.console'), ser,
                   accel='kvm', mem=512, smp=1)
    timed_out, _, _, _ = run_qemu(cmd, ser, 20)
    return not timed_out and vm_serial.MARK + 'done' in _read(ser)


def _progress_printer(quiet):
    def progress(serial, seen):
        if quiet:
            return seen
        text = _read(serial)
        lines = text.replace('\r', '').split('\n')
        for line in lines[seen:-1]:
            s = line.strip()
            if s.startswith(('ok ', 'not ok ')) and ('kisol:' in s or 'selftests:' in s):
                print(f'  vm: {s}', flush=True)
        return max(seen, len(lines) - 1)
    return progress


CONSOLE_PROBLEMS = ('BUG:', 'Oops', 'WARNING:', 'Kernel panic', 'general protection fault',
                    'UBSAN:', 'KASAN:', 'INFO: task', 'hung_task', 'soft lockup', 'RCU stall')


def console_problems(console_text, limit=20):
    """Kernel splats in the guest console: a kernel problem a case provoked."""
    out = []
    for line in console_text.splitlines():
        if any(k in line for k in CONSOLE_PROBLEMS):
            out.append(line.split('] ', 1)[-1].strip()[:200])
            if len(out) >= limit:
                break
    return out


def boot_failure_line(console_text):
    for line in console_text.splitlines():
        if any(k in line for k in ('Oops', 'BUG:', 'Kernel panic', 'general protection')):
            return line.split('] ', 1)[-1].strip()[:120]
    return 'no init marker'


def died_without_results(boot_s, console_text, serial_text):
    """Why a boot gave no result worth keeping, or None when it did: the
    guest never reached our init (boot_s None), or its kernel oopsed after
    init started but before any case printed a line (seen once with 6.12:
    an int3 in kmem_cache_free under PID 1's wait4, the same text-patching
    oops of multi-threaded TCG). A guest that ran a case is never retried."""
    oops = boot_failure_line(console_text)
    if boot_s is None:
        return oops
    st = vm_serial.parse_stream(serial_text)
    if st.complete or any(sec.lines for sec in st.sections) or oops == 'no init marker':
        return None
    return oops


def binary_meta(tree, collection, binary):
    """{test name: meta} from the binary's --kisol-list, run on the host."""
    path = os.path.join(tree, collection, binary)
    try:
        return {t.name: t.meta for t in caselist.list_binary(path, timeout=10)}
    except Exception:   # listing is best effort: no meta, same verdicts
        return {}


def collect(stream, expected, tree, out_dir):
    """cases.json records and ktap/<binary>.ktap files from a parsed stream."""
    text = stream.ktap_text()
    runs = vm_serial.split_binaries(text, expected)
    cases = []
    kdir = os.path.join(out_dir, 'ktap')
    os.makedirs(kdir, exist_ok=True)
    for br in runs:
        with open(os.path.join(kdir, f'{br.area}_{br.binary}.ktap'), 'w') as f:
            f.write('\n'.join(br.lines) + '\n')
        cases += vm_serial.cases_from_run(br, binary_meta(tree, br.collection, br.binary))
    return runs, cases


def counts(cases):
    c = {}
    for r in cases:
        c[r['verdict']] = c.get(r['verdict'], 0) + 1
    return c


def print_areas(cases, out=sys.stdout, max_fail=15):
    per = {}
    for c in cases:
        d = per.setdefault(c['area'], {})
        d[c['verdict']] = d.get(c['verdict'], 0) + 1
    for area in sorted(per):
        out.write(f"  {area:16s} " + '  '.join(f'{v}:{k}' for v, k in sorted(per[area].items())) + '\n')
    bad = [c for c in cases if c['verdict'] in ('fail', 'error', 'xpass')]
    for c in bad[:max_fail]:
        out.write(f"  {c['verdict'].upper():5s} {c['id']}: {c['reason'][:160]}\n")
    if len(bad) > max_fail:
        out.write(f'  ... {len(bad) - max_fail} more in cases.json\n')


def parse_args(argv):
    ap = Parser(prog='kisol.vm', description='run kisol in a qemu guest')
    ap.add_argument('mode', choices=('check', 'bench', 'both', 'validator', 'validate'),
                    help='validate: check the arguments only; validator: run kisol-validate in the guest')
    ap.add_argument('--kernel', required=True, help='6.1, 6.12, or a path to a bzImage')
    ap.add_argument('--smoke', action='store_true',
                    help='keep only the --areas the tree has (at least one)')
    ap.add_argument('--kernel-modules', default='', help='modules dir for a bzImage')
    ap.add_argument('--cgroup', default='v2')
    ap.add_argument('--areas', default='', help='space separated areas (default: all)')
    ap.add_argument('--tree', default=os.path.join(TOP, 'build', 'install'))
    ap.add_argument('--results', default=os.path.join(TOP, 'results'))
    ap.add_argument('--out', default='', help='exact run directory (default results/<run-id>)')
    ap.add_argument('--cache', default=os.path.join(TOP, 'build', 'vm-cache'))
    ap.add_argument('--work', default=os.path.join(TOP, 'build', 'vm'))
    ap.add_argument('--timeout', type=float, default=840)
    ap.add_argument('--accel', default='tcg', choices=('tcg', 'kvm', 'auto'))
    ap.add_argument('--mem', type=int, default=2048)
    ap.add_argument('--smp', type=int, default=2)
    ap.add_argument('--bench', default='', help='benchmark id globs (kisol.bench --only)')
    ap.add_argument('--bench-full', action='store_true', help='full sweep, not the quick set')
    ap.add_argument('--bench-budget-ms', type=int, default=60)
    ap.add_argument('--modules', default='', help='extra kernel modules to load')
    ap.add_argument('--as', dest='as_user', default='root',
                    choices=('root', 'uid65534-delegated', 'uid65534-delegated-nobase'),
                    help='who runs the cases: root, or uid 65534 in a cgroup v2 subtree '
                         'delegated to it (as systemd Delegate=yes), the runner in a leaf with '
                         'KISOL_CG_V2_BASE a sibling (uid65534-delegated) or in the leaf '
                         'init.scope with no base given (uid65534-delegated-nobase: the library '
                         'finds the delegated subtree itself)')
    ap.add_argument('--quiet', action='store_true')
    a = ap.parse_args(argv)
    if a.cgroup not in LAYOUTS:
        raise UserError(f"bad CGROUP '{a.cgroup}': expected one of {', '.join(LAYOUTS)}")
    if a.timeout <= 0:
        raise UserError('timeout must be positive')
    if a.as_user != 'root' and (a.cgroup == 'v1' or a.mode not in ('check', 'both', 'validate')):
        raise UserError(f"--as {a.as_user} needs cgroup v2 (CGROUP=v2 or hybrid) and the cases "
                        "(vm-check)")
    kind, _ = vm_kernel.classify(a.kernel)
    if kind == 'host':
        raise UserError("KERNEL=host is only valid for 'make matrix'")
    if kind == 'series' and a.mode == 'validate':
        vm_kernel.check_series(a.kernel, a.cache)
    return a


def smoke_areas(tree, preferred):
    """The preferred areas the tree has; else its first three."""
    have = []
    for c, _ in vm_initramfs.selected_collections(tree, []):
        a = c.split('/', 1)[-1]
        if a not in have:
            have.append(a)
    if not have:
        raise UserError(f"install tree '{tree}' lists no binaries")
    return [a for a in preferred if a in have] or have[:3]


GUEST_BENCH_DIR = '/' + vm_initramfs.TREE_DIR + '/bench'
BENCH_PLAN = 'etc/kisol-vm-bench.sh'


def bench_plan(tree, only=(), quick=True, budget_ms=60, ncpu=2, scale=1000):
    """(shell text, count): the guest's benchmark sequence.

    The sweep comes from kisol.bench (the host driver's catalog) so guest and
    host run the same measurements; each one is framed as a bench section."""
    bdir = os.path.join(tree, 'bench')
    if not os.path.isdir(bdir) or not any(vm_initramfs.is_elf(os.path.join(bdir, f))
                                          for f in os.listdir(bdir)):
        raise UserError(f"install tree '{tree}' has no bench/ binaries (make install)")
    entries = bench.select(bench.catalog(scale=scale, ncpu=ncpu), list(only), quick)
    if not entries:
        raise UserError(f"BENCH '{' '.join(only)}': no benchmark matches")
    lines = []
    for e in entries:
        if not os.path.isfile(os.path.join(bdir, e.binary)):
            continue
        argv = e.argv(GUEST_BENCH_DIR, budget_ms=budget_ms)
        if quick and e.family == 'scale.concurrent':
            argv = [x.replace('duration_ms=100', 'duration_ms=50')
                    for x in argv]
        sec = ''.join(c if c.isalnum() or c in '._-[]=:+,' else '_' for c in e.id)
        lines.append(f'bench_one {shlex.quote(sec)} {int(e.timeout)} {shlex.join(argv)}')
    return ''.join(x + '\n' for x in lines), len(lines)


def main(argv=None):
    try:
        a = parse_args(sys.argv[1:] if argv is None else argv)
        if a.mode == 'validate':
            return 0
        return run(a)
    except (UserError, vm_kernel.KernelError, vm_initramfs.InitramfsError,
            results.ResultsError) as e:
        sys.stderr.write(f'vm: {e}\n')
        return 2
    except KeyboardInterrupt:
        sys.stderr.write('vm: interrupted\n')
        return 2


def run(a):
    if not shutil.which(QEMU):
        raise UserError(f'{QEMU} not found (scripts/install-deps --vm)')
    if not os.path.isfile(vm_initramfs.BUSYBOX):
        raise UserError('busybox-static not installed (scripts/install-deps --vm)')
    if not os.path.isfile(os.path.join(a.tree, 'run_kselftest.sh')):
        raise UserError(f"install tree '{a.tree}' has no run_kselftest.sh (make install INSTALL_PATH=...)")
    kernel = vm_kernel.resolve(a.kernel, a.cache, a.kernel_modules)
    areas = a.areas.split()
    if a.smoke:
        areas = smoke_areas(a.tree, areas)
    pairs = vm_initramfs.selected_collections(a.tree, areas)
    if a.mode == 'validator':
        if not os.access(os.path.join(a.tree, 'kisol-validate'), os.X_OK):
            raise UserError(f"install tree '{a.tree}' has no kisol-validate (make install)")
        pairs = []
    plan, nbench = ('', 0)
    if a.mode in ('bench', 'both'):
        plan, nbench = bench_plan(a.tree, a.bench.split(), not a.bench_full,
                                  a.bench_budget_ms, a.smp)
    facts = results.host_facts()
    run_id = results.make_run_id(facts['host'], facts['kernel'], suffix=f'-vm-{_safe(kernel.release)}')
    n, base = 1, run_id
    while not a.out and os.path.exists(os.path.join(a.results, run_id)):
        n += 1          # a parallel run started in the same second
        run_id = f'{base}.{n}'
    out_dir = a.out or os.path.join(a.results, run_id)
    a.result_dir = out_dir
    work = os.path.join(a.work, run_id)
    os.makedirs(work, exist_ok=True)
    os.makedirs(out_dir, exist_ok=True)

    accel = a.accel
    if accel == 'auto':
        accel = 'kvm' if probe_kvm(kernel, work) else 'tcg'
    mode = a.mode
    conf = ''.join(f'{k}={shlex.quote(v)}\n' for k, v in (
        ('KISOL_VM_MODE', mode), ('KISOL_VM_CGROUP', a.cgroup), ('KISOL_VM_AS', a.as_user),
        ('KISOL_VM_COLLECTIONS', ' '.join(sorted({c for c, _ in pairs})) if areas else ''),
        ('KISOL_RUN_ID', run_id)))
    initrd = os.path.join(work, 'initramfs.cpio')
    t_build = time.monotonic()
    extra = {BENCH_PLAN: plan} if plan else {}
    if mode == 'validator' and kernel.config and os.path.isfile(kernel.config):
        with open(kernel.config) as f:   # Debian kernels have no /proc/config.gz
            extra[f'boot/config-{kernel.release}'] = f.read()
    listing, loaded, missing = vm_initramfs.build(
        initrd, tree=a.tree, init_script=INIT, conf_text=conf, kernel=kernel,
        extra_files=extra, extra_modules=a.modules.split())
    t_build = time.monotonic() - t_build
    with open(os.path.join(work, 'initramfs.list'), 'w') as f:
        f.writelines(f'{k} {p}\n' for p, k in listing)
    if missing:
        print(f"vm: modules not in {kernel.release}: {' '.join(missing)}", file=sys.stderr)
    console = os.path.join(out_dir, 'console.log')
    serial = os.path.join(out_dir, 'serial.log')
    for p in (console, serial):
        open(p, 'w').close()
    disk = make_scratch_disk(os.path.join(work, 'scratch.ext4'))
    cmd = qemu_cmd(kernel.image, initrd, console, serial, accel=accel, mem=a.mem, smp=a.smp,
                   disk=disk)
    with open(os.path.join(work, 'qemu.cmd'), 'w') as f:
        f.write(shlex.join(cmd) + '\n')
    started = results.now_iso()
    print(f'vm: booting {kernel.release} ({accel}, cgroup {a.cgroup}, '
          f'{len(pairs) if mode != "bench" else 0} binaries, {nbench} benchmarks, initramfs {os.path.getsize(initrd) >> 20} MiB)', flush=True)
    # A kernel that dies before our init runs (e.g. an int3 oops while
    # patching kernel text under multi-threaded TCG, seen here now and then
    # with 6.12) is a boot failure, not a result: boot again, up to 3 times.
    attempts, boot_failures = 0, []
    while True:
        attempts += 1
        for p in (console, serial):
            open(p, 'w').close()
        if disk and attempts > 1:
            make_scratch_disk(disk)
        timed_out, boot_s, wall, rc = run_qemu(cmd, serial, a.timeout, _progress_printer(a.quiet),
                                               boot_timeout=min(a.timeout, 150))
        oops = died_without_results(boot_s, _read(console), _read(serial))
        if oops is None or attempts >= 3 or timed_out:
            break
        boot_failures.append(oops)
        shutil.copy(console, os.path.join(out_dir, f'console.boot{attempts}.log'))
        when = 'init' if boot_s is None else 'any case ran'
        print(f'vm: guest died before {when} ({oops}); booting again', flush=True)
    finished = results.now_iso()

    stream = vm_serial.parse_stream(_read(serial))
    runs, cases = collect(stream, pairs if mode != 'bench' else [], a.tree, out_dir)
    if mode in ('check', 'both'):
        ran = {(r.collection, r.binary) for r in runs}
        for coll, binary in pairs:
            if (coll, binary) not in ran and not stream.complete:
                area = coll.split('/', 1)[-1]
                cases.append({'id': f'cases/{area}/{binary}::<binary>', 'area': area,
                              'binary': f'cases/{area}/{binary}', 'test': '<binary>',
                              'verdict': 'error', 'reason': 'not run: guest stopped before it',
                              'duration_s': None, 'meta': {}})
    complete = stream.complete and not timed_out
    why = ''
    if timed_out:
        why = f'guest killed after the {a.timeout:.0f}s timeout'
    elif not stream.started:
        why = 'guest never reached the kisol init (see console.log)'
    elif not complete:
        why = 'guest stopped before the end of the run (crash? see console.log)'
    left = leftover(a.as_user, stream.info) if complete and mode in ('check', 'both') else ''
    if left:
        complete, why = False, left
    benches_out = stream.bench_records()
    if benches_out:
        with open(os.path.join(out_dir, 'bench.jsonl'), 'w') as f:
            for r in benches_out:
                r.setdefault('kernel', kernel.release)
                r['vm'] = True
                r['vm_accel'] = accel
                r.setdefault('cgroup_layout', a.cgroup)
                f.write(json.dumps(r, sort_keys=True) + '\n')
    run = {'run_id': run_id, 'host': facts['host'], 'kernel': kernel.release,
           'kisol_commit': facts['kisol_commit'], 'started': started, 'finished': finished,
           'cgroup_layout': a.cgroup, 'vm': True, 'vm_accel': accel,
           'harness': facts['harness'],
           'cpu_model': f"qemu {accel} -cpu max on {facts['cpu_model']}",
           'complete': complete, 'incomplete_reason': why,
           'host_kernel': facts['kernel'], 'vm_kernel_spec': a.kernel,
           'vm_kernel_package': kernel.package, 'vm_mode': mode, 'vm_as': a.as_user,
           'areas': areas, 'boot_s': round(boot_s, 2) if boot_s is not None else None,
           'wall_s': round(wall, 1), 'boot_attempts': attempts, 'boot_failures': boot_failures, 'initramfs_build_s': round(t_build, 2),
           'guest_info': stream.info, 'modules_missing': missing,
           'console_problems': console_problems(_read(console))}
    if mode == 'validator':
        return validator_results(stream, out_dir, run, kernel)
    results.write_run(out_dir, run)
    if mode != 'bench':
        results.write_cases(out_dir, run_id, sorted(cases, key=lambda c: c['id']))
    n = counts(cases)
    if not a.quiet or n.get('fail') or n.get('error'):
        print_areas(cases)
    summary = ' '.join(f'{k}:{v}' for k, v in sorted(n.items())) or 'no cases'
    boot = f'{boot_s:.1f}s' if boot_s is not None else 'n/a'
    print(f'vm: {kernel.release} cgroup={a.cgroup}: {summary}; boot {boot}, wall {wall:.0f}s'
          f'{", bench records " + str(len(benches_out)) if mode != "check" else ""}'
          f'{"" if complete else "; INCOMPLETE: " + why}')
    for line in run['console_problems'][:5]:
        print(f'vm: guest kernel console: {line}')
    print(f'vm: results in {os.path.relpath(out_dir)}')
    bad = n.get('fail', 0) + n.get('error', 0) + n.get('xpass', 0)
    return 0 if complete and not bad else 1


def leftover(as_user, info):
    """A run as a delegated user must leave nothing in the subtree it was given:
    the reason it is incomplete, or '' (the init lists what is left after the cases)."""
    left = info.get('delegated_left', 'none' if as_user == 'root' else '')
    if left == 'none':
        return ''
    return f"cgroups left in the delegated subtree: {left.rstrip(',')}" if left else \
        'the init did not say what the cases left in the delegated subtree'


# The rows that only a cgroup v2 subtree delegated to the user can make work
# (the init delegates one to uid 65534 as systemd's Delegate=yes does).
DELEGATED_ROWS = ('cgroup.delegation', 'cgroup.clone_into', 'cgroup.kill')


def expected_rows(name, doc, info):
    """What kisol-validate must say as <name> in this guest: [problem, ...].

    uid65534-delegated: the delegation rows and one row per controller the
    init delegated and enabled (info delegated_controllers) work; uid65534
    (nothing delegated): the delegation rows are not permitted."""
    rows = {r.get('id'): r for r in doc.get('features', []) if isinstance(r, dict)}
    want = {}
    if name == 'uid65534-delegated':
        ctrls = [c for c in info.get('delegated_controllers', '').split(',') if c]
        want = {i: ('yes', 'yes') for i in DELEGATED_ROWS + tuple(f'cgroup.{c}' for c in ctrls)}
    elif name == 'uid65534' and info.get('delegated', 'none') != 'none':
        want = {i: ('no', 'no') for i in DELEGATED_ROWS}
    bad = []
    for i, (permitted, works) in want.items():
        r = rows.get(i)
        if r is None:
            bad.append(f'{i}: no such row')
        elif (r.get('permitted'), r.get('works')) != (permitted, works):
            bad.append(f"{i}: permitted {r.get('permitted')} works {r.get('works')}, expected "
                       f"{permitted}/{works} ({r.get('detail', '')})")
    return bad


def validator_results(stream, out_dir, run, kernel):
    """kisol-validate's output as root, as uid 65534 and as uid 65534 with a
    delegated cgroup: validate-<who>.json and .txt."""
    results.write_run(out_dir, run)
    bad = 0
    for sec in stream.sections:
        if sec.kind != 'validate':
            continue
        text = '\n'.join(sec.lines).strip() + '\n'
        name, _, ext = (sec.name.replace('/', '_') or 'run-txt').rpartition('-')
        with open(os.path.join(out_dir, f'validate-{name}.{ext}'), 'w') as f:
            f.write(text)
        if ext == 'txt':
            print(f'vm: kisol-validate ({name}, rc={sec.rc}):')
            print(text, end='')
            continue
        try:
            doc = json.loads(text)
            errs = validate_schema.errors(doc)
            errs += expected_rows(name, doc, stream.info) if not errs else []
        except ValueError as e:
            errs = [f'not JSON: {e}']
        for e in errs:
            print(f'vm: validate-{name}.json: {e}', file=sys.stderr)
        bad += bool(errs) or sec.rc not in (0, 1)
    # every layout with cgroup v2 gets the delegated run (see console.log when not)
    delegated = stream.info.get('delegated', 'none') != 'none'
    ran = 'uid65534-delegated-json' in {s.name for s in stream.sections if s.kind == 'validate'}
    if run['complete'] and not (delegated == ran == (run['cgroup_layout'] != 'v1')):
        print(f'vm: cgroup {run["cgroup_layout"]}: delegated to uid 65534 {delegated}, '
              f'run as uid65534-delegated {ran}', file=sys.stderr)
        bad += 1
    print(f'vm: {kernel.release} cgroup={run["cgroup_layout"]}: kisol-validate results in '
          f'{os.path.relpath(out_dir)}{"" if run["complete"] else "; INCOMPLETE: " + run["incomplete_reason"]}')
    return 0 if run['complete'] and not bad else 1


if __name__ == '__main__':
    sys.exit(main())
