# SPDX-License-Identifier: GPL-2.0-only
"""The kisol package's module structure: every module imports on its own
(PYTHONPATH=scripts, as the Makefile runs them), the graph of imports
between kisol modules has no cycle, and no kisol import hides inside a
function (where a cycle used to hide: compare, history, report_data and
report_plot imported each other from nine function bodies).

The graph is read from the source with ast, imports in function bodies
included, so it does not depend on what happens to be imported first."""

import ast
import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(TOP, "scripts")
PKG = "kisol"


def modules():
    """{module name: source path} of every module of the kisol package."""
    out = {}
    root = os.path.join(SCRIPTS, PKG)
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if os.path.exists(os.path.join(d, x, "__init__.py")))
        pkg = os.path.relpath(d, SCRIPTS).replace(os.sep, ".")
        for f in sorted(files):
            if not f.endswith(".py"):
                continue
            name = pkg if f == "__init__.py" else f"{pkg}.{f[:-3]}"
            out[name] = os.path.join(d, f)
    return out


def _is_package(name, mods):
    return name in mods and mods[name].endswith("__init__.py")


def imports(name, path, mods):
    """[(imported kisol module, line, in a function?)] of one module."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    out = []

    def visit(node, in_func):
        for ch in ast.iter_child_nodes(node):
            f = in_func or isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            targets = []
            if isinstance(ch, ast.Import):
                targets = [a.name for a in ch.names]
            elif isinstance(ch, ast.ImportFrom):
                base = ch.module or ""
                if ch.level:
                    here = name if _is_package(name, mods) else name.rpartition(".")[0]
                    up = here.split(".")[:len(here.split(".")) - (ch.level - 1)]
                    base = ".".join(up + ([base] if base else []))
                # `from kisol.vm import kernel` imports a module; `from
                # kisol.rundata import Run` a name from one
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base
                           for a in ch.names]
            for t in targets:
                while t and t not in mods:
                    t = t.rpartition(".")[0]
                if t and (t == PKG or t.startswith(PKG + ".")) and t != name:
                    out.append((t, ch.lineno, in_func))
            visit(ch, f)

    visit(tree, False)
    return out


def graph():
    mods = modules()
    return mods, {m: imports(m, p, mods) for m, p in mods.items()}


def find_cycle(edges):
    """One cycle of the graph {node: [node]} as a list of nodes, or None."""
    state, stack = {}, []

    def dfs(n):
        state[n] = 1
        stack.append(n)
        for m in edges.get(n, ()):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                c = dfs(m)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(edges):
        if n not in state:
            c = dfs(n)
            if c:
                return c
    return None


def test_find_cycle_sees_one():
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"], "d": []}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b", "c"], "b": ["c"], "c": []}) is None


def test_module_graph_is_acyclic():
    mods, g = graph()
    assert {"kisol.rundata", "kisol.history", "kisol.compare", "kisol.cli"} <= set(mods)
    cycle = find_cycle({m: sorted({t for t, _, _ in e}) for m, e in g.items()})
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_data_model_is_a_leaf():
    """kisol.rundata (loaders, keys, HARNESS_PARAMS) imports no kisol module,
    so everything that reads results can stand on it."""
    _, g = graph()
    assert g["kisol.rundata"] == []


def test_no_kisol_import_inside_a_function():
    _, g = graph()
    hidden = [f"{m}:{line} imports {t}" for m, e in g.items() for t, line, f in e if f]
    assert not hidden, "kisol imports belong at the top of the module: " + "; ".join(hidden)


def test_every_module_imports_on_its_own():
    """Each module in a fresh interpreter with PYTHONPATH=scripts, as the
    Makefile runs them (no module may rely on sys.path changes of its own
    or of another module imported before it)."""
    env = dict(os.environ, PYTHONPATH=SCRIPTS)
    code = ("import importlib, sys\n"
            "before = list(sys.path)\n"
            "importlib.import_module(sys.argv[1])\n"
            "assert sys.path == before, 'changed sys.path'\n")
    bad = []
    for m in sorted(modules()):
        p = subprocess.run([sys.executable, "-c", code, m], cwd="/", env=env,
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            bad.append(f"{m}: {p.stderr.strip().splitlines()[-1] if p.stderr.strip() else p.returncode}")
    assert not bad, "\n".join(bad)


def test_no_sys_path_changes():
    """The Makefile runs every module with -m and PYTHONPATH=scripts, pytest
    with pythonpath = scripts (scripts/pytest.ini): no file of the driver or
    its tests edits sys.path."""
    files = list(modules().values())
    tests = os.path.dirname(os.path.abspath(__file__))
    files += [os.path.join(tests, f) for f in sorted(os.listdir(tests)) if f.endswith(".py")]
    bad = []
    for path in files:
        for node in ast.walk(ast.parse(open(path, encoding="utf-8").read(), path)):
            if isinstance(node, ast.Attribute) and node.attr == "path" and \
                    isinstance(node.value, ast.Name) and node.value.id in ("sys", "_sys"):
                bad.append(f"{os.path.relpath(path, TOP)}:{node.lineno}")
    assert not bad, "sys.path used in: " + ", ".join(bad)
