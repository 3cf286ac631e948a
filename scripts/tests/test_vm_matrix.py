# SPDX-License-Identifier: GPL-2.0-only
"""The cross-kernel matrix page from synthetic run directories."""
import json

from kisol import results
from kisol.vm import matrix


def _run(tmp_path, name, kernel, vm, verdicts, bench=None):
    d = tmp_path / name
    results.write_run(str(d), {'run_id': name, 'kernel': kernel, 'vm': vm,
                               'vm_accel': 'tcg' if vm else None, 'cgroup_layout': 'v2',
                               'complete': True})
    cases = [{'id': f'cases/{cid.split("/")[0]}/bin::{cid}', 'area': cid.split('/')[0],
              'verdict': v, 'reason': 'no open_tree (ENOSYS)' if v == 'skip' else ''}
             for cid, v in verdicts.items()]
    results.write_cases(str(d), name, cases)
    if bench:
        with open(d / 'bench.jsonl', 'w') as f:
            for b, med in bench.items():
                f.write(json.dumps({'schema': 'kisol-bench/1', 'benchmark': b, 'params': {'n': 1},
                                    'unit': 'ns', 'median': med}) + '\n')
    return str(d)


def test_matrix_differences_first(tmp_path):
    a = _run(tmp_path, 'a', '6.1.0', True, {'mount/same': 'pass', 'mount/newapi': 'skip',
                                            'cgroup/x': 'fail'}, {'clone.newns': 100.0})
    b = _run(tmp_path, 'b', '6.12.1', True, {'mount/same': 'pass', 'mount/newapi': 'pass',
                                             'cgroup/x': 'pass'}, {'clone.newns': 50.0})
    h = _run(tmp_path, 'h', '6.18', False, {'mount/same': 'pass', 'mount/newapi': 'pass',
                                            'cgroup/x': 'pass', 'netns/only_host': 'pass'},
             {'clone.newns': 1.0})
    out = tmp_path / 'out' / 'matrix.html'
    assert matrix.main(['render', a, b, h, '--out', str(out)]) == 0
    data = json.loads((tmp_path / 'out' / 'matrix.json').read_text())
    rows = data['rows']
    assert [r['diff'] for r in rows] == ['fail', 'skip', 'missing', '']
    assert rows[0]['id'].endswith('cgroup/x') and rows[-1]['id'].endswith('mount/same')
    page = out.read_text()
    assert 'no open_tree (ENOSYS)' in page and 'TCG' in page
    # guest medians are compared with each other; the host's 1.0 is not on the page
    bench = page.split('Benchmarks between guest kernels')[1]
    assert '0.50x' in bench and '<td>100</td>' in bench and '<td>1</td>' not in bench
    assert '(host)' not in bench
    md = (tmp_path / 'out' / 'matrix.md').read_text()
    assert 'mount/newapi' in md and 'mount/same' not in md.split('| area')[0]


def test_matrix_bad_run_dir_exit_2(tmp_path, capsys):
    assert matrix.main(['render', str(tmp_path / 'nope'), '--out', str(tmp_path / 'm.html')]) == 2
    assert capsys.readouterr().err.count('\n') == 1
    (tmp_path / 'bad').mkdir()
    (tmp_path / 'bad' / 'run.json').write_text('{"truncated": ')
    assert matrix.main(['render', str(tmp_path / 'bad'), '--out', str(tmp_path / 'm.html')]) == 2


def test_diff_kind():
    assert matrix.diff_kind(['pass', 'pass']) == ''
    assert matrix.diff_kind(['pass', 'error']) == 'fail'
    assert matrix.diff_kind(['skip', 'pass']) == 'skip'
    assert matrix.diff_kind(['pass', '']) == 'missing'
    assert matrix.diff_kind(['fail', 'error']) == 'other'
    assert matrix.diff_kind(['skip', 'pass'], ['memory is on cgroup v1 (/sys/fs/cgroup/memory); '
                                                  'this case is v2-only', '']) == 'layout'
    assert matrix.diff_kind(['skip', 'pass'], ['no open_tree (ENOSYS)', '']) == 'skip'


def test_kernel_spec_with_layout(capsys):
    assert matrix.split_spec('6.12@hybrid', 'v2') == ('6.12', 'hybrid')
    assert matrix.split_spec('6.1', 'v2') == ('6.1', 'v2')
    assert matrix.main(['run', '--kernels', '6.1@v3 host']) == 2
    assert capsys.readouterr().err.startswith('matrix: bad CGROUP')
    assert matrix.main(['run', '--kernels', 'host@v1']) == 2
    assert matrix.main(['run', '--kernels', 'bogus']) == 2
