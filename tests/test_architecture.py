"""Only hd_desktop.gui imports Qt: the numerics, store and audio run where Qt cannot be imported."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

QT_MODULES = ["PySide6", "shiboken6", "PyQt5", "PyQt6", "pyqtgraph", "superqt", "qtpy"]


@pytest.mark.slow  # a fresh interpreter imports every package (torch, scipy): seconds
def test_only_the_gui_package_imports_qt():
    script = textwrap.dedent(f"""
        import importlib, pkgutil, sys
        for name in {QT_MODULES!r}:
            sys.modules[name] = None   # any import of it now raises ImportError
        import hd_desktop
        failures, checked = [], []
        for mod in pkgutil.walk_packages(hd_desktop.__path__, "hd_desktop."):
            if mod.name.startswith("hd_desktop.gui"):
                continue
            try:
                importlib.import_module(mod.name)
                checked.append(mod.name)
            except ImportError as exc:
                failures.append(f"{{mod.name}}: {{exc}}")
        print(len(checked))
        if failures:
            print("\\n".join(failures))
            sys.exit(1)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert int(done.stdout.split()[0]) >= 10  # it really walked the packages


@pytest.mark.slow  # the same, then Qt
def test_the_gui_package_is_where_qt_lives():
    # In a fresh interpreter (this one has Qt loaded by pytest-qt): every other package loads
    # without Qt even when it could be imported, and the main window brings it.
    script = textwrap.dedent(f"""
        import importlib, pkgutil, sys
        import hd_desktop
        for mod in pkgutil.walk_packages(hd_desktop.__path__, "hd_desktop."):
            if not mod.name.startswith("hd_desktop.gui"):
                importlib.import_module(mod.name)
        loaded = sorted(name for name in {QT_MODULES!r} if name in sys.modules)
        print("before the gui:", loaded)
        if loaded:
            sys.exit(1)
        from hd_desktop.gui.main_window import MainWindow
        from PySide6.QtWidgets import QMainWindow
        sys.exit(0 if issubclass(MainWindow, QMainWindow) else 2)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stdout + done.stderr


# The layers, top to bottom: gui (and the command line) -> lab -> the packages below.
# An import may only point down: nothing below imports lab or gui; lab never imports gui or
# the command line (docs/design.md 2). Imports inside functions count too.
LOWER = ("voice", "design", "engine", "store", "audio", "session", "web", "errors", "files",
         "paths", "settings", "progress")
TOP = ("hd_desktop.gui", "hd_desktop.commands", "hd_desktop.cli")


def _imports(path):
    import ast

    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _violations(packages, forbidden):
    from pathlib import Path

    import hd_desktop

    root = Path(hd_desktop.__file__).parent
    found = []
    for name in packages:
        files = [root / f"{name}.py"] if (root / f"{name}.py").exists() \
            else sorted((root / name).rglob("*.py"))
        assert files, name
        for path in files:
            for imported in _imports(path):
                if imported.startswith(forbidden):
                    found.append(f"{path.relative_to(root.parent)} imports {imported}")
    return found


def test_imports_point_down_the_layers():
    assert _violations(LOWER, ("hd_desktop.lab", *TOP)) == []
    assert _violations(("lab",), TOP) == []


def test_the_layer_check_sees_a_wrong_import(tmp_path, monkeypatch):
    import hd_desktop

    fake = tmp_path / "hd_desktop"
    (fake / "engine").mkdir(parents=True)
    (fake / "engine" / "bad.py").write_text("def f():\n    from hd_desktop.lab import Lab\n")
    monkeypatch.setattr(hd_desktop, "__file__", str(fake / "__init__.py"))
    assert _violations(("engine",), ("hd_desktop.lab",)) == ["hd_desktop/engine/bad.py imports "
                                                             "hd_desktop.lab",
                                                             "hd_desktop/engine/bad.py imports "
                                                             "hd_desktop.lab.Lab"]


def _lab_cycles(root):
    """Import cycles among the modules of `root`/lab (imports inside functions and under
    TYPE_CHECKING count: a cycle is two modules that cannot be read one without the other)."""
    modules = {("hd_desktop.lab" if p.stem == "__init__" else f"hd_desktop.lab.{p.stem}"): p
               for p in sorted((root / "lab").glob("*.py"))}
    graph = {}
    for name, path in modules.items():
        graph[name] = set()
        for imported in _imports(path):
            while imported and imported not in modules:     # hd_desktop.lab.x.Name -> the module
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                graph[name].add(imported)
    cycles, done = [], set()

    def visit(name, path):
        if name in path:
            cycle = path[path.index(name):] + [name]
            if set(cycle) not in [set(c) for c in cycles]:
                cycles.append(cycle)
            return
        if name in done:
            return
        for nxt in sorted(graph[name]):
            visit(nxt, path + [name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])
    return [" -> ".join(c) for c in cycles]


def test_the_lab_package_has_no_import_cycle(tmp_path):
    from pathlib import Path

    import hd_desktop

    assert _lab_cycles(Path(hd_desktop.__file__).parent) == []
    # and the check sees one: a module-level import one way, an in-function one back
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "a.py").write_text("from hd_desktop.lab.b import B\n")
    (tmp_path / "lab" / "b.py").write_text("def f():\n    from hd_desktop.lab import a\n")
    assert _lab_cycles(tmp_path) == ["hd_desktop.lab.a -> hd_desktop.lab.b -> hd_desktop.lab.a"]
