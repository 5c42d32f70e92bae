"""The researcher's dialog for what a listener meets before the trials: the language of the
listener texts (and the experiment's own copy to edit), consent, questionnaire, headphone check.
The choices are the experiment's settings (Lab.set_settings); this window stays English; its
choices and words are the Lab's (hd_desktop.lab.furniture)."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout

from hd_desktop.gui.widgets import button, column, fill_choices, wrapped
from hd_desktop.lab.furniture import (ASKED, CHECK_EXCLUDES, HEADPHONE_CHECKS, edit_texts,
                                      editing_words, headphone_summary, language_choices,
                                      texts_where)


class ListenerSettingsDialog(QDialog):
    def __init__(self, lab, parent=None):
        super().__init__(parent)
        self.lab = lab
        s = lab.settings
        self.setWindowTitle("Before the trials")
        self.language = QComboBox()
        fill_choices(self.language, language_choices(), s.language)
        self.ticks = {name: QCheckBox(words) for name, words in {**ASKED, **CHECK_EXCLUDES}.items()}
        for name, box in self.ticks.items():
            box.setChecked(getattr(s, name))
        self.check = QComboBox()
        fill_choices(self.check, [(text, code) for code, text in HEADPHONE_CHECKS.items()],
                     s.headphone_check)
        self.edit = button("Edit listener texts…", self.edit_texts)
        self.where = wrapped()
        self.language.currentIndexChanged.connect(self._show_where)
        self._show_where()
        self.status = wrapped(headphone_summary(lab.experiment))
        form = QFormLayout()
        form.addRow("Listener language", self.language)
        for widget in (self.edit, self.where, *(self.ticks[name] for name in ASKED)):
            form.addRow("", widget)
        form.addRow("Headphone check", self.check)
        for widget in (*(self.ticks[name] for name in CHECK_EXCLUDES), self.status):
            form.addRow("", widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.setLayout(column(form, buttons))

    def _show_where(self) -> None:
        self.where.setText(texts_where(self.lab.folder, self.language.currentData()))

    def edit_texts(self):
        """Make the experiment's copy of the chosen language's texts and open it."""
        path = edit_texts(self.lab.folder, self.language.currentData())
        self.where.setText(editing_words(path))
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        return path

    def accept(self) -> None:
        self.lab.set_settings(language=self.language.currentData(),
                              headphone_check=self.check.currentData(),
                              **{name: box.isChecked() for name, box in self.ticks.items()})
        super().accept()


def open_listener_settings(parent, lab) -> None:
    ListenerSettingsDialog(lab, parent).exec()
