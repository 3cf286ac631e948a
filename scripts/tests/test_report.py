# SPDX-License-Identifier: GPL-2.0-only
"""The HTML report: rendered from recorded real runs, opened in headless
Debian chromium (DevTools protocol over a pipe): it renders, every image
loads, no console errors. The screenshot is kept as a test artifact in
reports/out/test-artifacts/ (ignored by git)."""

import gzip
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from kisol import report_browser

# one worker runs this file: its module fixture renders the report page once,
# not on every worker
pytestmark = pytest.mark.xdist_group("report")

DATA = os.path.join(os.path.dirname(__file__), "data")
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.path.join(TOP, "reports", "out", "test-artifacts")

pytest.importorskip("scipy", reason="python3-scipy missing (scripts/install-deps --report)")
if not shutil.which("gnuplot"):
    pytest.skip("gnuplot missing (scripts/install-deps)", allow_module_level=True)


def make_run_dir(tmp_path, name, bench, started, extra_bench=()):
    d = tmp_path / name
    d.mkdir()
    run = json.load(open(os.path.join(DATA, "run-real.json")))
    run.update(run_id=name, started=started)
    (d / "run.json").write_text(json.dumps(run))
    with gzip.open(os.path.join(DATA, "cases-real.json.gz"), "rt") as f:
        cases = json.load(f)
    (d / "cases.json").write_text(json.dumps(dict(cases, run_id=name)))
    with gzip.open(os.path.join(DATA, bench), "rt") as f:
        text = f.read()
    text += "".join(json.dumps(r) + "\n" for r in extra_bench)
    (d / "bench.jsonl").write_text(text)
    return str(d)


def sweep_records():
    """Synthetic sweep (latency against existing objects) to exercise the
    scaling chart until a real sweep is recorded."""
    out = []
    for n in (1, 10, 100, 1000):
        raw = [1000 + n * 3 + (i % 7) * 5 for i in range(40)]
        s = sorted(raw)
        out.append({"schema": "kisol-bench/1", "benchmark": "scale.synthetic",
                    "params": {"existing": n}, "unit": "ns", "samples": 40, "min": s[0],
                    "median": s[20], "mean": sum(s) / 40, "p90": s[36], "p99": s[39],
                    "max": s[39], "raw": raw})
    return out


# recorded here: ./bench/cgroup --only cgroup.write -p hier=v2 -p file=memory
SKIP = {"schema": "kisol-bench-skip/1", "benchmark": "cgroup.write.memory.v2",
        "reason": "the memory controller is not available on cgroup v2 here "
                  "(cgroup.controllers: none)"}


def report(*args):
    env = dict(os.environ, PYTHONPATH=os.path.join(TOP, "scripts"))
    return subprocess.run([sys.executable, "-m", "kisol.report", *args], cwd=TOP, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    base = make_run_dir(tmp, "run-base", "bench-aa-2.jsonl.gz", "2026-11-29T10:00:00+00:00",
                        sweep_records())
    new = make_run_dir(tmp, "run-new", "bench-aa-1.jsonl.gz", "2026-11-29T11:00:00+00:00",
                       sweep_records() + [SKIP])
    db, out = str(tmp / "h.sqlite"), str(tmp / "out")
    p = report("--from", base, "--db", db, "--out", out)
    assert p.returncode == 0, p.stderr
    p = report("--from", new, "--db", db, "--out", out)      # base = previous stored run
    assert p.returncode == 0, p.stderr
    assert "comparison against run-base" in p.stdout
    return os.path.join(out, "index.html")


def test_page_sections(page):
    html = open(page).read()
    for anchor in ("run", "correctness", "failures", "skips", "bench", "distributions",
                   "scaling", "compare", "trends"):
        assert f'id="{anchor}"' in html, anchor
    assert "Correctness per area" in html and ">lib_net<" in html
    assert re.search(r'<a href="[^"]*run-new/cases.json">cases.json</a>', html)
    assert "Failures (18)" in html and "Test terminated by timeout" in html
    assert "link kind dummy not in this kernel" in html          # skip grouped by reason
    assert "Comparison against run-base" in html and "gmean" in html
    assert "1</b> benchmark(s) skipped here" in html and "cgroup.write.memory.v2" in html
    assert "multiple of floor" in html and "&times; floor.fork_exit_wait" in html
    imgs = re.findall(r'<img src="([^"]+)"', html)
    assert any("box-" in i for i in imgs) and any("cdf-" in i for i in imgs)
    assert any("scale-" in i for i in imgs) and any("trend-" in i for i in imgs)
    for i in imgs:
        assert os.path.getsize(os.path.join(os.path.dirname(page), i)) > 1000, i


@pytest.mark.skipif(not os.path.exists(report_browser.CHROMIUM),
                    reason="chromium missing (scripts/install-deps --report)")
def test_page_in_headless_chromium(page):
    shot = os.path.join(ARTIFACTS, "report.png")
    if os.path.exists(shot):
        os.unlink(shot)
    r = report_browser.check_page(page, screenshot=shot)
    assert r["title"].startswith("kisol report: vm / 6.18")
    assert len(r["images"]) >= 6
    bad = [i["src"] for i in r["images"] if not i["complete"] or not i["width"]]
    assert not bad, bad
    assert r["errors"] == []
    assert r["too_wide"] == []          # no sideways scrolling at 1400 px
    with open(shot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(shot) > 50000


@pytest.mark.skipif(not os.path.exists(report_browser.CHROMIUM),
                    reason="chromium missing (scripts/install-deps --report)")
def test_browser_check_catches_broken_page(tmp_path, page):
    out = tmp_path / "broken"
    shutil.copytree(os.path.dirname(page), out)
    img = sorted(os.listdir(out / "img"))[0]
    os.unlink(out / "img" / img)
    with open(out / "index.html", "a") as f:
        f.write("<script>console.error('boom')</script>")
    r = report_browser.check_page(str(out / "index.html"))
    assert [i["src"] for i in r["images"] if not i["width"]] == [f"img/{img}"]
    assert any("boom" in e for e in r["errors"])
    assert any("ERR_FILE_NOT_FOUND" in e for e in r["errors"])


def test_report_without_running_anything(tmp_path):
    """The make-report path with cases and benchmarks switched off: writes
    run.json itself, stores the run, shows progress."""
    p = report("--no-cases", "--no-bench", "--results", str(tmp_path / "results"),
               "--db", str(tmp_path / "h.sqlite"), "--out", str(tmp_path / "out"))
    assert p.returncode == 0, p.stderr
    assert "[report] step 1/2: store" in p.stdout and "[report] wrote" in p.stdout
    (rdir,) = os.listdir(tmp_path / "results")
    assert json.load(open(tmp_path / "results" / rdir / "run.json"))["schema"] == "kisol-run/1"
    html = open(tmp_path / "out" / "index.html").read()
    assert "No case results in this run" in html and "No benchmark records" in html


@pytest.mark.parametrize("kind", ["missing", "empty", "truncated", "foreign"])
def test_bad_input_exit_2(tmp_path, kind):
    f = tmp_path / "run.json"
    if kind == "empty":
        f.write_text("")
    elif kind == "truncated":
        f.write_text(open(os.path.join(DATA, "run-real.json")).read()[:100])
    elif kind == "foreign":
        f.write_text('{"schema": "something-else/2"}')
    p = report("--from", str(f), "--db", str(tmp_path / "h.sqlite"), "--out", str(tmp_path / "o"))
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and p.stderr.startswith("kisol-report: ")


FAKE_BENCH = '''
import argparse, gzip, json, os, sys
p = argparse.ArgumentParser()
p.add_argument("--results"); p.add_argument("--run-id"); p.add_argument("--raw", action="store_true")
p.add_argument("--quick", action="store_true")
a = p.parse_args()
recs = [json.loads(x) for x in gzip.open(sys.argv[0] + ".data", "rt")][:3]
print(f"kisol bench: {len(recs)} measurements x 1, run {a.run_id}", flush=True)
d = os.path.join(a.results, a.run_id)
os.makedirs(d, exist_ok=True)
with open(os.path.join(d, "bench.jsonl"), "w") as f:
    for r in recs:
        f.write(json.dumps(r) + "\\n")
        f.flush()
print("3 records", flush=True)
'''


def test_report_runs_bench_driver_with_progress(tmp_path):
    """The benchmark step: the driver's output is passed through and one
    progress line per record written is shown; the records land in the
    stored run and the page."""
    drv = tmp_path / "fakebench.py"
    drv.write_text(FAKE_BENCH)
    shutil.copy(os.path.join(DATA, "bench-aa-1.jsonl.gz"), str(drv) + ".data")
    p = report("--no-cases", "--bench-driver", str(drv), "--results", str(tmp_path / "res"),
               "--db", str(tmp_path / "h.sqlite"), "--out", str(tmp_path / "out"))
    assert p.returncode == 0, p.stderr
    assert "kisol bench: 3 measurements x 1" in p.stdout
    for n, name in ((1, "floor.getppid"), (2, "floor.clock_gettime"), (3, "floor.vfork_exit")):
        assert f"[report] bench {n} of ~3: {name} median" in p.stdout
    assert "[report] step 2/3: store" in p.stdout
    assert "3 benchmark records" in p.stdout
    assert "floor.vfork_exit" in open(tmp_path / "out" / "index.html").read()


def test_unwritable_output_exit_2(tmp_path):
    p = report("--from", os.path.join(DATA, "bench-aa-1.jsonl.gz"), "--db",
               str(tmp_path / "h.sqlite"), "--out", "/proc/kisol-no-such-dir")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines() == ["kisol-report: /proc/kisol-no-such-dir: "
                                             "No such file or directory"]


def test_guest_run_is_labelled_tcg_and_charts_use_human_units(tmp_path):
    d = make_run_dir(tmp_path, "run-vm", "bench-aa-1.jsonl.gz", "2026-11-29T12:00:00+00:00",
                     sweep_records())
    run = json.load(open(os.path.join(d, "run.json")))
    run.update(vm=True, vm_accel="tcg")
    with open(os.path.join(d, "run.json"), "w") as f:
        json.dump(run, f)
    out = str(tmp_path / "out")
    p = report("--from", d, "--db", str(tmp_path / "h.sqlite"), "--out", out, "--no-compare")
    assert p.returncode == 0, p.stderr
    html = open(os.path.join(out, "index.html")).read()
    assert "[TCG guest]" in html and "not comparable with a host" in html
    svgs = [open(os.path.join(out, "img", f)).read() for f in os.listdir(os.path.join(out, "img"))
            if f.startswith("box-") and f.endswith(".svg")]
    assert svgs and all("e+0" not in s for s in svgs)                 # never 4.5e+06
    assert any(">µs<" in s or ">ms<" in s or ">ns<" in s for s in svgs)
    assert any("floor: floor." in s for s in svgs)                    # the reference line
    assert any("95% CI of the median" in s for s in svgs)


def test_human_units_and_log_sweeps():
    from kisol.report_plot import human_unit, geometric_sweep
    assert human_unit([80, 150], "ns") == (1.0, "ns")
    assert human_unit([1500, 90000], "ns") == (1e3, "µs")
    assert human_unit([4.5e6, 9e6], "ns") == (1e6, "ms")
    assert human_unit([2e9], "ns") == (1e9, "s")
    assert human_unit([24000, 31000], "ops/s") == (1e3, "kops/s")
    assert geometric_sweep([1, 10, 100, 1000]) and geometric_sweep([1, 2, 4, 8, 16, 32, 64])
    assert not geometric_sweep([1, 2, 3, 4]) and not geometric_sweep([10, 20, 30])
