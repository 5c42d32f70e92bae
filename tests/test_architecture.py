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


def _imports(path, package: str = ""):
    """Every module `path` imports, anywhere in it; relative imports resolved in `package`."""
    import ast

    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1])
                module = f"{base}.{module}" if module else base
            if module:
                yield module
                yield from (f"{module}.{alias.name}" for alias in node.names)


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
            package = ".".join(path.parent.relative_to(root.parent).parts)
            for imported in _imports(path, package):
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


# The windows render the Lab's events and call the Lab: the experiment's store, the engine and
# the online studies (hd_desktop.store, .engine, .web) they reach only through hd_desktop.lab
# (docs/design.md 2). What else they may import, and why none of it decides an experiment's
# lifecycle:
GUI_MAY_IMPORT = {
    "hd_desktop.gui": "itself",
    "hd_desktop.lab": "the application layer: every lifecycle decision",
    "hd_desktop.voice": "the voice space the map draws and the windows render to play; opened "
                        "before an experiment's Lab exists",
    "hd_desktop.design": "the round-design form: its fields, presets and size (values only)",
    "hd_desktop.session": "the listener's window is the view of a SessionFlow the Lab watches; "
                          "the listener texts and intake questions it shows",
    "hd_desktop.audio": "the output devices, playback and headphone-check sounds the windows own",
    "hd_desktop.errors": "the errors told to users",
    "hd_desktop.progress": "a long job's progress, as the workers report it",
    "hd_desktop.settings": "the user's own settings (devices, screen), not an experiment's",
    "hd_desktop.paths": "where experiments live by default",
}
# Read-only views of the packages the windows may not import, allowed one by one with a reason
# ("hd_desktop.store.records.SessionKind": "why"). None is needed today.
GUI_READ_ONLY_VIEWS: dict[str, str] = {}


def _gui_violations():
    def allowed(module: str) -> bool:
        return module == "hd_desktop" or module in GUI_READ_ONLY_VIEWS or any(
            module == ok or module.startswith(f"{ok}.") for ok in GUI_MAY_IMPORT)

    return [found for found in _violations(("gui",), ("hd_desktop",))
            if not allowed(found.split(" imports ")[1])]


def test_the_windows_reach_the_store_the_engine_and_the_web_only_through_the_lab():
    assert _gui_violations() == []


def test_the_window_check_sees_a_window_going_around_the_lab(tmp_path, monkeypatch):
    import hd_desktop

    fake = tmp_path / "hd_desktop"
    (fake / "gui").mkdir(parents=True)
    (fake / "gui" / "panel.py").write_text(
        "from hd_desktop.lab import Lab\nfrom hd_desktop.voice import VoiceSpace\n"
        "from .jobs import start_job\n"
        "def run():\n    from ..store import SessionKind\n    import hd_desktop.web.export\n"
        "    from hd_desktop import engine\n")
    monkeypatch.setattr(hd_desktop, "__file__", str(fake / "__init__.py"))
    assert _gui_violations() == ["hd_desktop/gui/panel.py imports hd_desktop.store",
                                 "hd_desktop/gui/panel.py imports hd_desktop.store.SessionKind",
                                 "hd_desktop/gui/panel.py imports hd_desktop.web.export",
                                 "hd_desktop/gui/panel.py imports hd_desktop.engine"]


# The researcher's voices (a map click, the New voices tab's samples and A/B) are rendered and
# played through one path, ResearcherAudio.play with lab.researcher_voices: it asks the
# PlaybackGuard, renders off the GUI thread, and lets only the latest request play. The
# listener's window renders its own trials (a Prefetcher) and is the one other place.
RENDERS_VOICES = ("session_window.py",)


def _voice_renders(gui_folder):
    """Lines of `gui_folder`'s modules that render a voice (a RenderPool's or a VoiceSpace's
    render called), outside the listener's window."""
    import re

    call = re.compile(r"\b(renderer|space)\.render\(")
    return [f"{path.name}:{n}" for path in sorted(gui_folder.glob("*.py"))
            if path.name not in RENDERS_VOICES
            for n, line in enumerate(path.read_text().splitlines(), 1)
            if call.search(line) and not line.lstrip().startswith("#")]


def test_the_researchers_voices_are_rendered_in_one_place(tmp_path):
    from pathlib import Path

    import hd_desktop

    assert _voice_renders(Path(hd_desktop.__file__).parent / "gui") == []
    (tmp_path / "panel.py").write_text("def play(self, z):\n    audio, rate = "
                                       "self.renderer.render(z, 'sustained')\n")
    assert _voice_renders(tmp_path) == ["panel.py:2"]
