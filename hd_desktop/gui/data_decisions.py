"""The Experiment tab's say over what the engine learns from: the screening settings, and the
listeners and sessions with the decisions about their data (exclude with a reason, include
again). Views only: the Lab takes the decisions and keeps the settings (lab/decisions.py), and
its news of them refreshes the tabs (lab/window_view.py)."""

from __future__ import annotations

from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QFormLayout, QGroupBox, QInputDialog,
                               QMessageBox)

from hd_desktop.errors import UserFacingError
from hd_desktop.gui.widgets import button, column, fill_table, row, set_quietly, spin, table, wrapped
from hd_desktop.lab.decisions import (DECISIONS_NOTE, EXCLUDE_TIP, OVERVIEW_HEADERS,
                                      SCREENING_TIPS, decide_row, decided_words,
                                      decision_question, may_decide, row_cells, row_index,
                                      screening_form, screening_settings)


class ScreeningBox(QGroupBox):
    """Pass threshold, minimum of screening answers, and whether unjudged listeners and
    simulated votes count: the experiment's settings, stored as soon as they change."""

    def __init__(self, parent=None):
        super().__init__("Screening and what the engine learns from", parent)
        self.lab = None
        form = QFormLayout(self)
        self.threshold = spin(0, 100, suffix=" % as expected")
        self.minimum = spin(0, 1000, suffix=" answers")
        self.use_unjudged = QCheckBox("use listeners not judged yet")
        self.use_simulated = QCheckBox("use simulated votes beside people's")
        self.fields = {"screen_threshold": self.threshold, "screen_min": self.minimum,
                       "use_unjudged": self.use_unjudged, "use_simulated": self.use_simulated}
        for name, w in self.fields.items():
            w.setToolTip(SCREENING_TIPS[name])
        form.addRow("Pass with", self.threshold)
        form.addRow("Judge from", self.minimum)
        form.addRow(self.use_unjudged)
        form.addRow(self.use_simulated)
        for w in (self.threshold, self.minimum):
            w.valueChanged.connect(self._edited)
        for w in (self.use_unjudged, self.use_simulated):
            w.toggled.connect(self._edited)

    def set_lab(self, lab) -> None:
        self.lab = lab
        for name, value in screening_form(lab.settings).items():
            set_quietly(self.fields[name], value)

    def _edited(self) -> None:
        values = {name: w.isChecked() if isinstance(w, QCheckBox) else w.value()
                  for name, w in self.fields.items()}
        try:
            self.lab.set_settings(**screening_settings(values))
        except UserFacingError as exc:
            QMessageBox.warning(self, "Screening", str(exc))
            self.set_lab(self.lab)


class DecisionsBox(QGroupBox):
    """Listeners and, under each, their sessions: kind, votes, screening, the decision in force;
    Exclude… asks for the reason, Include again undoes it."""

    def __init__(self, parent=None):
        super().__init__("Listeners, sessions and decisions about data", parent)
        self.lab = None
        self.rows = []
        # more rows scroll; the forms above keep their room
        self.table = table(OVERVIEW_HEADERS, min_height=120, max_height=180, stretch_last=True)
        self.table.setWordWrap(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.exclude_button = button("Exclude…", self._decide, tip=EXCLUDE_TIP)
        self.include_button = button("Include again", self._decide)
        self.note = wrapped(DECISIONS_NOTE)
        self.note.setMaximumWidth(260)
        row((self.table, 1), column(self.exclude_button, self.include_button, self.note,
                                    stretch=True), into=self)
        self._selection_changed()

    def show_rows(self, rows) -> None:
        """lab.decisions.overview's rows; excluded ones in red, listeners in bold."""
        self.rows = rows
        table = self.table
        fill_table(table, [row_cells(r) for r in rows], red=lambda i: rows[i].excluded,
                   bold=lambda i: rows[i].target == "listener", tips=True)
        table.setColumnWidth(1, min(table.columnWidth(1), 300))
        table.resizeRowsToContents()     # a long reason wraps in its row
        self._selection_changed()

    def texts(self, target: str, target_id: str) -> list[str]:
        """The cells of a listener's or a session's row, as shown."""
        i = row_index(self.rows, target, target_id)
        return [self.table.item(i, j).text() for j in range(self.table.columnCount())]

    def selected_row(self):
        chosen = self.table.selectionModel().selectedRows()
        return self.rows[chosen[0].row()] if chosen and self.rows else None

    def select(self, target: str, target_id: str) -> None:
        """Select a listener's or a session's row (as a click does)."""
        i = row_index(self.rows, target, target_id)
        if i is None:
            raise KeyError(f"no {target} {target_id} in the table")
        self.table.selectRow(i)

    def _selection_changed(self) -> None:
        exclude, include = may_decide(self.selected_row())
        self.exclude_button.setEnabled(exclude)
        self.include_button.setEnabled(include)

    def _decide(self) -> None:
        """Exclude the selected row, or include it again: the reason asked first."""
        chosen = self.selected_row()
        if chosen is None:
            return
        title, question, proposed = decision_question(chosen)
        reason, ok = QInputDialog.getText(self, title, question, text=proposed)
        if not ok:
            return
        try:
            decision = decide_row(self.lab, chosen, reason)
        except UserFacingError as exc:
            QMessageBox.warning(self, "Decision about data", str(exc))
            return
        self.note.setText(decided_words(chosen, decision))
        self.select(chosen.target, chosen.id)
