# SPDX-License-Identifier: GPL-2.0-only
"""A usage error of any kisol command (README: errors a user can cause) is
one line on stderr and exit status 2: no usage block, no traceback."""
import os
import re
import subprocess
import sys

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PKG = os.path.join(TOP, "scripts", "kisol")
# runs its own known-answer test whatever the arguments
NOT_A_COMMAND = {"kisol.changepoint"}


def commands():
    """Every module of the package that runs as `python3 -m kisol.X`."""
    out = []
    for dirpath, _, files in os.walk(PKG):
        for f in files:
            if not f.endswith(".py"):
                continue
            path = os.path.join(dirpath, f)
            if f != "__main__.py" and not re.search(r'^if __name__ == .__main__.:', open(path).read(), re.M):
                continue
            rel = os.path.relpath(path, os.path.dirname(PKG))[:-3].replace(os.sep, ".")
            out.append(rel[:-len(".__main__")] if rel.endswith(".__main__") else rel)
    return sorted(set(out) - NOT_A_COMMAND)


def test_commands_are_found():
    assert {"kisol.compare", "kisol.mutate", "kisol.vm", "kisol.vm.matrix", "kisol.lava"} <= set(commands())


@pytest.mark.parametrize("module", commands())
def test_unknown_flag_is_one_line(module, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KISOL_", "PYTEST_"))}
    env["PYTHONPATH"] = os.path.join(TOP, "scripts")
    p = subprocess.run([sys.executable, "-m", module, "--no-such-flag"], cwd=tmp_path, env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, (p.returncode, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert "Traceback" not in p.stderr and not lines[0].startswith("usage:"), p.stderr
