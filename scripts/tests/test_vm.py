# SPDX-License-Identifier: GPL-2.0-only
"""Tests of the VM runner pieces that need no qemu boot."""
import gzip
import json
import os
import shutil
import stat
import struct
import subprocess
import sys

import pytest

from kisol.vm import guest, initramfs as vm_initramfs, kernel as vm_kernel, serial as vm_serial

NAMES = """linux-image-6.1.0-47-cloud-amd64
linux-image-6.1.0-47-cloud-amd64-unsigned
linux-image-6.1.0-57-cloud-amd64-dbg
linux-image-6.1.0-9-cloud-amd64
linux-image-6.1.0-57-cloud-amd64-unsigned
linux-image-6.1.0-57-cloud-amd64
linux-image-6.12-cloud-amd64
linux-image-6.12.100+deb12-cloud-amd64
linux-image-6.12.117+deb12-cloud-amd64
linux-image-6.12.117+deb12-cloud-amd64-unsigned
linux-image-6.12.99+deb12-cloud-amd64
linux-image-6.12.120+deb12-cloud-amd64-unsigned
linux-image-6.1.0-57-amd64""".split()


# ---- kernel selection --------------------------------------------------------

def test_select_newest_of_series():
    assert vm_kernel.select_package('6.1', NAMES) == 'linux-image-6.1.0-57-cloud-amd64'
    # 6.12.120 exists only unsigned: taken, it is the newest
    assert vm_kernel.select_package('6.12', NAMES) == 'linux-image-6.12.120+deb12-cloud-amd64-unsigned'
    assert vm_kernel.select_package('6.12.117', NAMES) == 'linux-image-6.12.117+deb12-cloud-amd64'
    assert vm_kernel.select_package('6.12.1', NAMES) is None
    assert vm_kernel.select_package('5.10', NAMES) is None


def test_series_does_not_match_longer_minor():
    assert vm_kernel.series_matches('6.1', '6.1.0-57')
    assert not vm_kernel.series_matches('6.1', '6.12.117+deb12')
    assert not vm_kernel.series_matches('6.12.1', '6.12.117+deb12')


@pytest.mark.parametrize('spec,kind', [('6.1', 'series'), ('6.12', 'series'),
                                       ('6.12.117', 'series'), ('host', 'host')])
def test_classify_ok(spec, kind):
    assert vm_kernel.classify(spec)[0] == kind


@pytest.mark.parametrize('spec', ['', 'bogus', '6', 'linux-6.1', '/no/such/bzImage', '6.1; rm'])
def test_classify_bad(spec):
    with pytest.raises(vm_kernel.KernelError):
        vm_kernel.classify(spec)


def test_classify_path(tmp_path):
    img = tmp_path / 'bzImage'
    img.write_bytes(_fake_bzimage('6.99.0-test #1 SMP'))
    assert vm_kernel.classify(str(img)) == ('path', str(img))
    k = vm_kernel.from_path(str(img))
    assert k.release == '6.99.0-test' and k.modules_dir == ''
    with pytest.raises(vm_kernel.KernelError):
        vm_kernel.classify(str(tmp_path))       # a directory is not a bzImage


def _fake_bzimage(version):
    img = bytearray(0x1000)
    img[0x202:0x206] = b'HdrS'
    struct.pack_into('<H', img, 0x20E, 0x400 - 0x200)
    v = version.encode() + b'\0'
    img[0x400:0x400 + len(v)] = v
    return bytes(img)


def test_bad_kernel_exits_2_one_line(capsys):
    assert guest.main(['check', '--kernel', 'bogus']) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and err.startswith('vm: bad KERNEL')
    assert guest.main(['check', '--kernel', '6.12', '--cgroup', 'v3']) == 2
    assert capsys.readouterr().err.count('\n') == 1
    assert guest.main(['validate', '--kernel', '6.1']) == 0


def test_bad_kernel_from_cli_no_traceback():
    env = dict(os.environ, PYTHONPATH='scripts')
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    r = subprocess.run([sys.executable, '-m', 'kisol.vm', 'check', '--kernel', '/nope/bz'],
                       capture_output=True, text=True, cwd=top, env=env)
    assert r.returncode == 2
    assert r.stderr.count('\n') == 1 and 'Traceback' not in r.stderr


# ---- modules -------------------------------------------------------------------

def test_module_closure_deps_first_builtin_and_missing():
    deps = {'bridge': ['stp', 'llc'], 'stp': ['llc'], 'llc': [], 'veth': [],
            'vxlan': ['udp_tunnel', 'ip6_udp_tunnel'], 'udp_tunnel': [], 'ip6_udp_tunnel': []}
    idx = {n: f'/x/{n}.ko' for n in deps}
    order, missing = vm_kernel.module_closure(
        ['bridge', 'veth', 'overlay', 'vxlan', 'nosuch'], idx, builtin={'overlay'},
        deps_of=lambda n: deps[n])
    assert order.index('llc') < order.index('stp') < order.index('bridge')
    assert order.index('udp_tunnel') < order.index('vxlan')
    assert 'overlay' not in order and missing == ['nosuch']
    assert len(order) == len(set(order))


def test_modinfo_of_real_module_if_cached():
    cache = os.path.join(guest.TOP, 'build', 'vm-cache')
    mods = []
    for dirpath, _, files in os.walk(cache) if os.path.isdir(cache) else []:
        mods += [os.path.join(dirpath, f) for f in files if f.startswith('bridge.ko')]
    if not mods:
        pytest.skip('no cached Debian kernel (make vm-check fetches one)')
    info = vm_kernel.modinfo(vm_kernel.read_module(mods[0]))
    assert set(info['depends'].split(',')) == {'stp', 'llc'}


# ---- initramfs -----------------------------------------------------------------

def _tree(tmp_path):
    t = tmp_path / 'tree'
    (t / 'kisol' / 'utsns').mkdir(parents=True)
    (t / 'kisol' / 'netns').mkdir(parents=True)
    shutil.copy('/bin/true', t / 'kisol' / 'utsns' / 'hostname')
    shutil.copy('/bin/true', t / 'kisol' / 'netns' / 'veth')
    (t / 'kisol' / 'utsns' / 'settings').write_text('timeout=30\n')
    (t / 'kisol' / 'netns' / 'config').write_text('CONFIG_VETH=m\nCONFIG_NET_NS=y\n')
    (t / 'run_kselftest.sh').write_text('#!/bin/sh\n')
    (t / 'kselftest-list.txt').write_text('kisol/utsns:hostname\nkisol/netns:veth\n')
    return t


def test_initramfs_content_list(tmp_path):
    t = _tree(tmp_path)
    busybox = tmp_path / 'busybox'
    busybox.write_bytes(b'\x7fELF-static')
    k = vm_kernel.Kernel(spec='x', image='/x', release='6.99')
    out = tmp_path / 'initrd.cpio'
    listing, order, missing = vm_initramfs.build(
        str(out), tree=str(t), init_script=guest.INIT, conf_text='KISOL_VM_MODE=check\n',
        kernel=k, busybox=str(busybox))
    files = dict(listing)
    for p in ('init', 'bin/busybox', 'etc/kisol-vm.conf', 'etc/kisol-vm.modules', 'dev/console',
              'opt/kisol/run_kselftest.sh', 'opt/kisol/kselftest-list.txt',
              'opt/kisol/kisol/utsns/hostname', 'opt/kisol/kisol/netns/veth',
              'opt/kisol/kisol/utsns/settings', 'etc/passwd'):
        assert p in files, p
    assert files['dev/console'] == 'chardev' and files['bin/sh'] == 'symlink'
    # exactly the libraries /bin/true needs: libc and the loader, nothing else
    libs = sorted(p for p, kind in listing if kind == 'file' and '.so' in p)
    want = vm_initramfs.ldd_libs(['/bin/true'])
    assert sorted(x.lstrip('/') for x in want) == libs
    assert any('libc.so' in x for x in libs)
    assert order == [] and missing == []
    # the cpio is a valid newc archive that lists the same paths
    if shutil.which('cpio'):
        r = subprocess.run(['cpio', '-t', '--quiet'], stdin=open(out, 'rb'), capture_output=True, text=True)
        assert r.returncode == 0
        assert sorted(r.stdout.split()) == sorted(files)


def test_initramfs_modules_from_config(tmp_path):
    t = _tree(tmp_path)
    names = vm_initramfs.wanted_modules(str(t))
    assert 'veth' in names and 'overlay' in names and 'net_ns' in names


def test_selected_collections(tmp_path):
    t = _tree(tmp_path)
    assert vm_initramfs.selected_collections(str(t), ['netns']) == [('kisol/netns', 'veth')]
    assert len(vm_initramfs.selected_collections(str(t), [])) == 2
    with pytest.raises(vm_initramfs.InitramfsError):
        vm_initramfs.selected_collections(str(t), ['nosuch'])
    with pytest.raises(vm_initramfs.InitramfsError):
        vm_initramfs.selected_collections(str(tmp_path), [])


def test_ldd_missing_library_is_an_error():
    with pytest.raises(vm_initramfs.InitramfsError):
        vm_initramfs.ldd_libs(['/x'], ldd=lambda b: '\tlibfoo.so.1 => not found\n')


# ---- serial stream -> KTAP -> cases ----------------------------------------------

STREAM = """\
noise before
@@KISOL-VM start kernel=6.1.0-57-cloud-amd64 layout=v2 mode=check run_id=r1
@@KISOL-VM info v2_controllers=cpuset,cpu,io,memory,pids
@@KISOL-VM section ktap
TAP version 13\r
1..2
# selftests: kisol/utsns: hostname
# TAP version 13
# 1..3
# # Starting 3 tests from 1 test cases.
# #  RUN           uts.a ...
# ok 1 uts.a
# ok 2 uts.b # SKIP no user namespaces (EPERM)
# # hostname.c:12:Expected 0 (0) == r (-1)
# not ok 3 uts.c
# # Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0
not ok 1 kisol:utsns:hostname # exit=1
# selftests: kisol/cgroup: memory
# TAP version 13
# 1..2
# ok 1 cg.memory.max
# ok 2 cg.memory.high
ok 2 selftests: kisol/cgroup: memory
@@KISOL-VM end ktap rc=1 secs=12
@@KISOL-VM section bench clone
{"schema":"kisol-bench/1","benchmark":"clone.newns","median":12}
@@KISOL-VM end bench rc=0 secs=3
@@KISOL-VM done
"""
EXPECTED = [('kisol/utsns', 'hostname'), ('kisol/cgroup', 'memory'), ('kisol/netns', 'veth')]


def _cases(text):
    st = vm_serial.parse_stream(text)
    runs = vm_serial.split_binaries(st.ktap_text(), EXPECTED)
    cases = [c for r in runs for c in vm_serial.cases_from_run(r)]
    return st, runs, {c['id']: c for c in cases}


def test_stream_complete():
    st, runs, cases = _cases(STREAM)
    assert st.complete and st.info['kernel'] == '6.1.0-57-cloud-amd64'
    assert st.info['v2_controllers'] == 'cpuset,cpu,io,memory,pids'
    assert [(r.collection, r.binary) for r in runs] == EXPECTED[:2]
    assert cases['cases/utsns/hostname::uts.a']['verdict'] == 'pass'
    s = cases['cases/utsns/hostname::uts.b']
    assert s['verdict'] == 'skip' and s['reason'] == 'no user namespaces (EPERM)'
    f = cases['cases/utsns/hostname::uts.c']
    assert f['verdict'] == 'fail' and 'Expected 0' in f['reason']
    assert cases['cases/cgroup/memory::cg.memory.high']['area'] == 'cgroup'
    assert not any(c['verdict'] == 'error' for c in cases.values())
    assert st.bench_records() == [{"schema": "kisol-bench/1", "benchmark": "clone.newns", "median": 12}]


@pytest.mark.parametrize('cut', ['# ok 1 cg.memory.max', '# 1..2', 'ok 2 selftests: kisol/cgroup: memory'])
def test_stream_truncated_is_incomplete(cut):
    text = STREAM[:STREAM.index(cut) + len(cut)] + '\n# ok 2 cg.mem'
    st, runs, cases = _cases(text)
    assert not st.complete
    # results before the cut are kept
    assert cases['cases/utsns/hostname::uts.a']['verdict'] == 'pass'
    if not cut.startswith('ok 2'):
        err = cases['cases/cgroup/memory::<binary>']
        assert err['verdict'] == 'error' and 'guest stopped' in err['reason']
    if cut == '# ok 1 cg.memory.max':
        assert cases['cases/cgroup/memory::cg.memory.max']['verdict'] == 'pass'


def test_truncated_without_header_uses_expected_order():
    text = STREAM.replace('# selftests: kisol/cgroup: memory\n', '')
    text = text[:text.index('ok 2 selftests: kisol/cgroup')]
    _, runs, cases = _cases(text)
    assert runs[-1].collection == 'kisol/cgroup' and runs[-1].top is None
    assert cases['cases/cgroup/memory::cg.memory.high']['verdict'] == 'pass'


def test_binary_that_died_early_is_an_error():
    text = """TAP version 13\n1..1\n# TAP version 13\n# 1..3\n# ok 1 a.b\nnot ok 1 kisol:utsns:hostname # exit=139\n"""
    text2 = text.replace('kisol:utsns:hostname', 'selftests: kisol/utsns: hostname')
    assert [(r.collection, r.binary) for r in vm_serial.split_binaries(text2)] == [('kisol/utsns', 'hostname')]
    runs = vm_serial.split_binaries(text, EXPECTED)
    cases = vm_serial.cases_from_run(runs[0])
    err = [c for c in cases if c['verdict'] == 'error']
    assert len(err) == 1 and '1 of 3' in err[0]['reason']


def test_stream_without_start_or_bench_garbage():
    st = vm_serial.parse_stream('kernel panic\n')
    assert not st.complete and st.sections == []
    st = vm_serial.parse_stream('@@KISOL-VM start\n@@KISOL-VM section bench x\n{"a":1}\n{"b":\n')
    assert st.bench_records() == [{"a": 1}] and not st.complete


# ---- qemu process handling -----------------------------------------------------

def test_run_qemu_timeout_kills(tmp_path):
    ser = tmp_path / 'serial'
    ser.write_text('@@KISOL-VM start\n')
    timed_out, boot, wall, _ = guest.run_qemu(['sleep', '30'], str(ser), 0.5)
    assert timed_out and wall < 10 and boot is not None


def test_qemu_cmd_is_tcg_by_default():
    cmd = guest.qemu_cmd('/k', '/i', '/c', '/s')
    assert cmd[cmd.index('-accel') + 1].startswith('tcg') and cmd[cmd.index('-cpu') + 1] == 'max'
    assert 'file:/s' in cmd and '-no-reboot' in cmd


def test_init_script_is_posix_sh():
    if not shutil.which('sh'):
        pytest.skip('no sh')
    r = subprocess.run(['sh', '-n', guest.INIT], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert os.stat(guest.INIT).st_mode & stat.S_IXUSR


# ---- benchmarks in the guest ---------------------------------------------------

def test_bench_plan_from_catalog(tmp_path):
    t = _tree(tmp_path)
    (t / 'bench').mkdir()
    for b in ('clone', 'floor', 'unshare'):
        shutil.copy('/bin/true', t / 'bench' / b)
    text, n = guest.bench_plan(str(t), quick=True)
    lines = text.splitlines()
    assert n == len(lines) > 0
    assert all(x.startswith('bench_one ') for x in lines)
    assert all(guest.GUEST_BENCH_DIR + '/' in x for x in lines)
    # only binaries the tree has; floors always in
    assert any('/floor --only' in x for x in lines)
    assert not any('/cgroup --only' in x or '/scale --only' in x for x in lines)
    text, n2 = guest.bench_plan(str(t), only=['clone'], quick=True)
    assert 0 < n2 < n or n2 <= n
    with pytest.raises(guest.UserError):
        guest.bench_plan(str(tmp_path))            # no bench/ in the tree


def test_boot_failure_line():
    con = '[    1.4] foo\n[    1.41] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n'
    assert guest.boot_failure_line(con).startswith('Oops: int3')
    assert guest.boot_failure_line('') == 'no init marker'


def test_died_without_results_retries_only_a_guest_that_ran_nothing():
    oops = '[    4.65] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n'
    started = '@@KISOL-VM start kernel=6.12\n'
    # before our init: always a boot failure, oops or not
    assert guest.died_without_results(None, '', '') == 'no init marker'
    # init started, the kernel oopsed before any case printed a line
    assert guest.died_without_results(4.0, oops, started).startswith('Oops: int3')
    # ... and the same with a section begun: a case ran, keep the result
    assert guest.died_without_results(4.0, oops, started + '@@KISOL-VM section ktap utsns\nok 1 x\n') is None
    # no oops on the console: a real (incomplete) result, not retried
    assert guest.died_without_results(4.0, '', started) is None


def test_info_values_keep_spaces_and_summary_lists_failures():
    st = vm_serial.parse_stream('@@KISOL-VM start kernel=6.1\n'
                                '@@KISOL-VM info v1_hierarchies=cpu,cpuacct memory pids\n')
    assert st.info['v1_hierarchies'] == 'cpu,cpuacct memory pids'
    import io
    out = io.StringIO()
    guest.print_areas([{'area': 'a', 'verdict': 'pass', 'id': 'x', 'reason': ''},
                    {'area': 'a', 'verdict': 'fail', 'id': 'cases/a/b::t', 'reason': 'boom'}], out)
    assert 'fail:1  pass:1' in out.getvalue() and 'FAIL  cases/a/b::t: boom' in out.getvalue()


def test_console_problems():
    con = ('[    1.0] ok\n[  12.5] WARNING: CPU: 1 PID: 33 at fs/x.c:12 f+0x1\n'
           '[  13.0] BUG: kernel NULL pointer dereference, address: 0\n')
    assert guest.console_problems(con) == ['WARNING: CPU: 1 PID: 33 at fs/x.c:12 f+0x1',
                                        'BUG: kernel NULL pointer dereference, address: 0']
    assert guest.console_problems('[ 1.0] fine\n') == []


# ---- vm-validate: the delegated cgroup run ---------------------------------------

VALIDATE_SERIAL = os.path.join(os.path.dirname(__file__), 'data', 'vm-validate-6.12.serial.gz')


def _validator(tmp_path, text, layout='v2'):
    st = vm_serial.parse_stream(text)
    run = {'cgroup_layout': layout, 'complete': st.complete, 'incomplete_reason': ''}
    kern = vm_kernel.Kernel(spec='6.12', image='/k', release='6.12.0-test')
    return st, guest.validator_results(st, str(tmp_path), run, kern)


def _recorded():
    with gzip.open(VALIDATE_SERIAL, 'rt') as f:
        return f.read()


def test_vm_validate_recorded_run_has_the_delegated_rows(tmp_path, capsys):
    text = _recorded()
    st, rc = _validator(tmp_path, text)
    err = capsys.readouterr().err
    assert rc == 0, err
    assert st.info['delegated'].endswith('/user-65534.slice/user@65534.service')
    assert st.info['delegated_controllers'] == 'cpu,io,memory,pids'
    docs = {who: json.loads((tmp_path / f'validate-{who}.json').read_text())
            for who in ('root', 'uid65534', 'uid65534-delegated')}
    rows = {who: {r['id']: (r['permitted'], r['works']) for r in d['features']} for who, d in docs.items()}
    for i in guest.DELEGATED_ROWS:
        assert rows['uid65534-delegated'][i] == ('yes', 'yes')
        assert rows['uid65534'][i] == ('no', 'no')
        assert rows['root'][i] == ('yes', 'yes')
    for c in ('cpu', 'io', 'memory', 'pids'):
        assert rows['uid65534-delegated'][f'cgroup.{c}'] == ('yes', 'yes')
        assert rows['uid65534'][f'cgroup.{c}'] == ('no', 'no')
    # not delegated: cpuset and hugetlb stay the root's, and the reason says so
    d = {r['id']: r for r in docs['uid65534-delegated']['features']}
    assert d['cgroup.cpuset']['permitted'] == 'no' and 'not delegated' in d['cgroup.cpuset']['detail']
    assert 'delegated to this user from ' + st.info['delegated'] in d['cgroup.delegation']['detail']
    prof = docs['uid65534-delegated']['profiles']['rootless']
    assert 'cgroup.delegation' not in json.dumps(prof)
    assert 'cgroup.delegation' in json.dumps(docs['uid65534']['profiles']['rootless'])


def test_vm_validate_misjudged_delegated_row_fails(tmp_path, capsys):
    text = _recorded()
    lines = text.split('\n')
    sec = lines.index('@@KISOL-VM section validate uid65534-delegated-json')
    doc = json.loads(lines[sec + 1])
    for r in doc['features']:
        if r['id'] == 'cgroup.kill':
            r['works'] = 'no'
    bad = lines[:sec + 1] + [json.dumps(doc)] + lines[sec + 2:]
    _, rc = _validator(tmp_path, '\n'.join(bad))
    assert rc == 1
    assert 'cgroup.kill: permitted yes works no, expected yes/yes' in capsys.readouterr().err


def test_vm_validate_delegated_run_missing_fails(tmp_path, capsys):
    text = _recorded()
    cut = text.index('@@KISOL-VM info delegated=')
    text = text[:cut] + '@@KISOL-VM info delegated=none\n@@KISOL-VM done\n'
    _, rc = _validator(tmp_path, text)
    assert rc == 1 and 'run as uid65534-delegated False' in capsys.readouterr().err
    # with cgroup v1 only there is nothing to delegate: no delegated run is right
    _, rc = _validator(tmp_path, text, layout='v1')
    assert rc == 0, capsys.readouterr().err


def test_as_delegated_user_needs_cgroup_v2(capsys):
    assert guest.main(['validate', '--kernel', '6.1', '--as', 'uid65534-delegated']) == 0
    assert guest.main(['validate', '--kernel', '6.1', '--cgroup', 'v1', '--as', 'uid65534-delegated']) == 2
    assert 'needs cgroup v2' in capsys.readouterr().err
    a = guest.parse_args(['check', '--kernel', '6.1', '--cgroup', 'hybrid', '--as', 'uid65534-delegated'])
    assert a.as_user == 'uid65534-delegated'
    a = guest.parse_args(['check', '--kernel', '6.1', '--as', 'uid65534-delegated-nobase'])
    assert a.as_user == 'uid65534-delegated-nobase'
    assert guest.main(['check', '--kernel', '6.1', '--cgroup', 'v1', '--as', 'uid65534-delegated-nobase']) == 2
    with pytest.raises(guest.UserError):
        guest.parse_args(['bench', '--kernel', '6.1', '--as', 'uid65534-delegated'])


def test_delegated_run_leaves_nothing():
    assert guest.leftover('root', {}) == ''
    assert guest.leftover('uid65534-delegated-nobase', {'delegated_left': 'none'}) == ''
    assert 'did not say' in guest.leftover('uid65534-delegated', {})
    why = guest.leftover('uid65534-delegated-nobase', {'delegated_left': '/sys/fs/cgroup/u/kisol-p9,'})
    assert why == 'cgroups left in the delegated subtree: /sys/fs/cgroup/u/kisol-p9'
