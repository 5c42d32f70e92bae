"""The Qt binding the app runs on keeps Python's reference counts straight.

PySide6-Essentials 6.12.0 on Python 3.11 released a reference to None on every call of a
C++ method returning void (setText, processEvents, ...): a listening session died with
"none_dealloc" after a few thousand such calls. pyproject.toml keeps below 6.12; this test
catches any binding with the same fault before a listener meets it.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QLabel


def test_void_qt_calls_do_not_eat_references_to_none(qapp):
    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(3000):
        label.setText("x")
        QApplication.processEvents()
    assert sys.getrefcount(None) - before > -100
