"""Only hd_desktop.gui imports Qt: the numerics, store and audio run where Qt cannot be imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap

QT_MODULES = ["PySide6", "shiboken6", "PyQt5", "PyQt6", "pyqtgraph", "superqt", "qtpy"]


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


def test_the_gui_package_is_where_qt_lives():
    import hd_desktop.gui.main_window as mw

    assert "PySide6" in sys.modules and mw.MainWindow
