"""What participants typed is shown as text in the app, never as HTML (issue 22): an id like
`<h1>HACKED</h1><a href=...>` in the import's summary or in a refusal reads literally."""

from __future__ import annotations

import pytest
from helpers.app import open_window
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from hd_desktop.errors import BadInputError
from hd_desktop.gui.errors import channel
from hd_desktop.store import ImportReport
from hd_desktop.web.importing import ResultsReport

HOSTILE = "<h1>HACKED</h1><a href='https://example.org/x'>click</a>"


def seen(box: QMessageBox) -> str:
    """The text the user reads in a message box, as Qt renders its label."""
    label = box.findChild(QLabel, "qt_msgbox_label")
    text, fmt = label.text(), label.textFormat()
    if fmt == Qt.TextFormat.RichText or (fmt == Qt.TextFormat.AutoText
                                         and Qt.mightBeRichText(text)):
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


@pytest.mark.slow
def test_participant_ids_in_the_import_summary_and_in_a_refusal_read_as_text(qtbot, tmp_home):
    w = open_window(qtbot, tmp_home)
    shown: list[str] = []

    def close_box():  # the summary is modal: read it, then close it
        for top in QApplication.topLevelWidgets():
            if isinstance(top, QMessageBox) and top.isVisible() and top.windowTitle() == "Import":
                shown.append(seen(top))
                top.done(0)
                return
        QTimer.singleShot(20, close_box)

    QTimer.singleShot(20, close_box)
    report = ResultsReport(ImportReport(files=1, new_votes=3), participants=[HOSTILE],
                           unfinished=[f"{HOSTILE}: 3 of 51 voices"], shared_ids=[HOSTILE])
    w.experiment_panel._imported(report)
    qtbot.waitUntil(lambda: bool(shown), timeout=60_000)
    assert shown[0].count(HOSTILE) == 3, shown[0]

    channel().report("importing rating files or online results",
                     BadInputError(f"results.csv: participant {HOSTILE} is refused"))
    assert HOSTILE in seen(channel().box)
    w.close()
