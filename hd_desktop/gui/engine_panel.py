"""The engine tab: update the model, watch training, check estimates and listeners, next round."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QMessageBox, QProgressBar, QWidget

from hd_desktop.gui.widgets import (button, check_item, choices, column, fill_table, group, row,
                                    set_quietly, table, wrapped)
from hd_desktop.lab.engine_view import (ENGINE_PRESETS, LISTENERS_HEADERS, LISTENERS_NOTE,
                                        PRESET_NOTES, USE_COLUMN, TrainingCurve,
                                        create_next_round_asking, curve_of, estimates_summary,
                                        keep_listener, listener_lines, model_words, next_round,
                                        preset_note, progress_words)
from hd_desktop.lab.results import stop_text


class EnginePanel(QWidget):
    def __init__(self, engine, parent=None):
        super().__init__(parent)
        self.engine = engine
        row((column(self._run_box(), (self._curve_box(), 1)), 3),
            (column((self._listeners_box(), 1), self._next_round_box()), 2), into=self)
        engine.progress.connect(self._progress)
        engine.resultReady.connect(self._result)
        engine.failed.connect(lambda msg: self.state.setText(f"<b>{msg}</b>"))
        engine.runningChanged.connect(self._running)
        self.setEnabled(False)

    # -- layout ------------------------------------------------------------------------------

    def _run_box(self) -> QWidget:
        self.preset = choices(ENGINE_PRESETS, tip="How the engine learns from the votes; hover "
                              "over a preset for what it does")
        for i, name in enumerate(ENGINE_PRESETS):
            self.preset.setItemData(i, PRESET_NOTES[name], Qt.ToolTipRole)
        self.preset.setCurrentText("default")
        # the experiment's settings (the tab is enabled once it has a Lab)
        self.preset.currentTextChanged.connect(
            lambda name: self.engine.lab.set_settings(engine_preset=name))
        self.auto = QCheckBox("update after every session block")
        self.auto.setChecked(True)
        self.auto.toggled.connect(lambda on: self.engine.lab.set_settings(auto_update=bool(on)))
        self.preset_note = wrapped(PRESET_NOTES["default"])
        self.preset.currentTextChanged.connect(self._show_note)
        self.update_button = button("Update the model now", self.engine.update)
        self.cancel_button = button("Cancel", self.engine.cancel, enabled=False)
        self.bar = QProgressBar()
        self.state = wrapped("No model yet: collect votes, then update.")
        return group("Model update (estimates → score network → Langevin samples)",
                     row("Engine preset:", self.preset, self.auto, stretch=True), self.preset_note,
                     row(self.update_button, (self.bar, 1), self.cancel_button), self.state)

    def _curve_box(self) -> QWidget:
        self.curve = pg.PlotWidget(background="w")
        self.curve.setLogMode(y=True)
        self.curve.getAxis("left").enableAutoSIPrefix(False)
        self.curve.setLabel("bottom", "Adam step")
        self.curve.setLabel("left", "training loss")
        self.curve_line = self.curve.plot(pen=pg.mkPen(30, 90, 200, width=2))
        self.estimates_label = wrapped()
        self.stop_label = wrapped()     # how far the last update moved the samples (stopping.py)
        return group("Training curve", self.curve, self.estimates_label, self.stop_label)

    def _listeners_box(self) -> QWidget:
        self.listeners = table(LISTENERS_HEADERS, stretch_last=True)
        self.listeners.itemChanged.connect(self._keep_changed)
        return group("Listeners (screening)", self.listeners, wrapped(LISTENERS_NOTE))

    def _next_round_box(self) -> QWidget:
        self.next_label = wrapped("The next round starts from the samples of the current model.")
        self.next_button = button("Create the next round from the samples", self._create_next,
                                  enabled=False)
        return group("Next round", self.next_label, self.next_button)

    # -- state -------------------------------------------------------------------------------

    def set_lab(self, lab) -> None:
        """Show the experiment's engine settings (kept in its store) and its stored models."""
        set_quietly(self.preset, lab.settings.engine_preset)   # shown, not chosen anew
        self._show_note(lab.settings.engine_preset)
        set_quietly(self.auto, lab.settings.auto_update)
        self.setEnabled(True)
        self.refresh()
        self.engine.restore()

    def refresh(self) -> None:
        """Listeners and the next round from the store (after votes, imports, decisions)."""
        lab = self.engine.lab
        if lab is None or lab.current_round() is None:
            return
        lines = listener_lines(lab)
        self.listeners.blockSignals(True)
        fill_table(self.listeners, [[*line.cells(), check_item(*line.use_cell())]
                                    for line in lines], red=lambda i: not lines[i].used)
        self.listeners.blockSignals(False)
        state = next_round(lab)
        self.next_label.setText(state.text)
        self.next_button.setEnabled(state.possible)

    # -- engine events -------------------------------------------------------------------------

    def _show_note(self, name: str) -> None:
        lab = self.engine.lab
        self.preset_note.setText(preset_note(name, lab.space.coords.shape[1] if lab else None))

    def _running(self, running: bool) -> None:
        self.update_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if running:
            self.curve_line.setData([], [])
            self._curve = TrainingCurve()

    def _progress(self, event) -> None:
        self.bar.setRange(0, max(event.total, 1))
        self.bar.setValue(event.done)
        self.state.setText(progress_words(event))
        if self._curve.add(event):
            self.curve_line.setData(self._curve.steps, self._curve.losses)

    def _result(self, result) -> None:
        steps, losses, label = curve_of(result)
        self.curve_line.setData(steps, losses)
        self.curve.setLabel("left", label)
        self.estimates_label.setText(estimates_summary(result))
        self.stop_label.setText(stop_text(result))      # made with the model: only read here
        self.state.setText(model_words(result))
        self.bar.setValue(self.bar.maximum())
        self.refresh()

    def _keep_changed(self, item) -> None:
        if item.column() == USE_COLUMN:    # the Lab's settings change: its news refreshes the tab
            keep_listener(self.engine.lab, item.data(Qt.ItemDataRole.UserRole),
                          item.checkState() == Qt.CheckState.Checked)

    def _create_next(self) -> None:
        self.state.setText(create_next_round_asking(self.engine.lab, self._may_create_early))

    def _may_create_early(self, question: str) -> bool:
        buttons = QMessageBox.StandardButton
        return QMessageBox.question(self, "Create the next round now?", question,
                                    buttons.Yes | buttons.No, buttons.No) == buttons.Yes
