"""The Qt binding the app runs on keeps Python's reference counts straight.

PySide6-Essentials 6.12.0 on Python 3.11 released a reference to None on every call of a
C++ method returning void (setText, processEvents, ...): a listening session died with
"none_dealloc" after a few thousand such calls. pyproject.toml keeps below 6.12; this test
catches any binding with the same fault before a listener meets it.
"""

from __future__ import annotations

import ctypes
import sys

import pytest
from PySide6.QtWidgets import QApplication, QLabel


def none_refcount_moves() -> bool:
    """Whether a lost reference to None would show: not where None is immortal (PEP 683,
    Python 3.12 on), whose count never moves, so no binding can lose a reference to it."""
    before = sys.getrefcount(None)
    for _ in range(100):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(None))
    moved = sys.getrefcount(None) - before
    for _ in range(100):
        ctypes.pythonapi.Py_DecRef(ctypes.py_object(None))
    return moved >= 100


def test_void_qt_calls_do_not_eat_references_to_none(qapp):
    if not none_refcount_moves():
        pytest.skip(f"None is immortal on Python {sys.version.split()[0]}: the fault cannot "
                    "happen there, nor be seen")
    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(3000):
        label.setText("x")
        QApplication.processEvents()
    assert sys.getrefcount(None) - before > -100
