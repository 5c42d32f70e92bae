"""The researcher's dialog for what a listener meets before the trials: the language of the
listener texts (and the experiment's own copy to edit), consent, questionnaire, headphone check.
The choices are the experiment's settings (Lab.set_settings); this window stays English."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QLabel, QPushButton, QVBoxLayout)

from hd_desktop.lab.furniture import edit_texts, headphone_status
from hd_desktop.session.texts import experiment_file, shipped_languages

CHECKS = {"huggins": "Huggins pitch (Milne et al. 2021; pass at 4 of 6)",
          "antiphase": "Antiphase tones (Woods et al. 2017; pass at 5 of 6)",
          "none": "None"}
NAMES = {"en": "English", "ja": "Japanese (日本語)"}


class ListenerSettingsDialog(QDialog):
    def __init__(self, lab, parent=None):
        super().__init__(parent)
        self.lab = lab
        s = lab.settings
        self.setWindowTitle("Before the trials")
        self.language = QComboBox()
        for code in shipped_languages():
            self.language.addItem(f"{NAMES.get(code, code)} — assets/texts/{code}.json", code)
        self.language.setCurrentIndex(max(0, self.language.findData(s.language)))
        self.consent = QCheckBox("Ask for consent (no consent, no trials)")
        self.consent.setChecked(s.consent)
        self.questionnaire = QCheckBox("Ask the questionnaire (age band, hearing, headphones, "
                                       "native language)")
        self.questionnaire.setChecked(s.questionnaire)
        self.check = QComboBox()
        for code, text in CHECKS.items():
            self.check.addItem(text, code)
        self.check.setCurrentIndex(self.check.findData(s.headphone_check))
        self.excludes = QCheckBox("A failed headphone check in the lab leaves the listener out "
                                  "of the engine")
        self.excludes.setChecked(s.headphone_excludes)
        self.excludes_online = QCheckBox("A failed headphone check online leaves the participant "
                                         "out of the engine")
        self.excludes_online.setChecked(s.headphone_excludes_online)
        self.edit = QPushButton("Edit listener texts…")
        self.edit.clicked.connect(self.edit_texts)
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.language.currentIndexChanged.connect(self._show_where)
        self._show_where()
        status = headphone_status(lab.experiment)
        failed = sorted(k for k, v in status.items() if v == "failed")
        self.status = QLabel(f"Headphone check so far: {sum(v == 'passed' for v in status.values())}"
                             f" passed, {len(failed)} failed"
                             + (f" ({', '.join(failed)})" if failed else "")
                             + f", {sum(v == 'not tested' for v in status.values())} not tested.")
        form = QFormLayout()
        form.addRow("Listener language", self.language)
        form.addRow("", self.edit)
        form.addRow("", self.where)
        form.addRow("", self.consent)
        form.addRow("", self.questionnaire)
        form.addRow("Headphone check", self.check)
        form.addRow("", self.excludes)
        form.addRow("", self.excludes_online)
        form.addRow("", self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def _show_where(self) -> None:
        path = experiment_file(self.lab.folder, self.language.currentData())
        self.where.setText(f"This experiment's own texts: {path}" if path.exists() else
                           "Shipped texts (Edit makes this experiment's own copy).")

    def edit_texts(self):
        """Make the experiment's copy of the chosen language's texts and open it."""
        path = edit_texts(self.lab.folder, self.language.currentData())
        self.where.setText(f"Edit {path} in any text editor; the next session reads it "
                           "(a missing key or a changed {placeholder} is refused with a message).")
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        return path

    def accept(self) -> None:
        self.lab.set_settings(language=self.language.currentData(),
                              consent=self.consent.isChecked(),
                              questionnaire=self.questionnaire.isChecked(),
                              headphone_check=self.check.currentData(),
                              headphone_excludes=self.excludes.isChecked(),
                              headphone_excludes_online=self.excludes_online.isChecked())
        super().accept()


def open_listener_settings(parent, lab) -> None:
    ListenerSettingsDialog(lab, parent).exec()
