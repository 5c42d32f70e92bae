"""The researcher's 'Before the trials' dialog: language, own texts, consent, headphone check."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from hd_desktop.lab import Lab
from hd_desktop.voice import load_space


@pytest.mark.slow
def test_the_dialog_sets_the_experiment_and_makes_its_own_texts_to_edit(qtbot, tmp_home,
                                                                        monkeypatch):
    from PySide6.QtGui import QDesktopServices

    from hd_desktop.gui.listener_settings import ListenerSettingsDialog

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    lab = Lab(tmp_home / "sessions" / "exp", load_space(cache_dir=tmp_home / "space"))
    try:
        d = ListenerSettingsDialog(lab)
        qtbot.addWidget(d)
        assert "Shipped texts" in d.where.text()
        d.language.setCurrentIndex(d.language.findData("ja"))
        path = d.edit_texts()
        assert opened == [str(path)] and path == lab.folder / "listener-texts-ja.json"
        assert json.loads(path.read_text(encoding="utf-8"))["language"] == "ja"
        d.check.setCurrentIndex(d.check.findData("antiphase"))
        d.ticks["headphone_excludes"].setChecked(True)
        d.ticks["questionnaire"].setChecked(False)
        d.accept()
        s = lab.settings
        assert (s.language, s.headphone_check, s.headphone_excludes, s.questionnaire,
                s.consent) == ("ja", "antiphase", True, False, True)
        stored = lab.experiment.lab_settings()
        assert stored["language"] == "ja" and stored["headphone_check"] == "antiphase"
    finally:
        lab.close()
