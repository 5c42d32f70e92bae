"""The engine tab: update the model, watch training, check estimates and listeners, next round."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGroupBox, QHBoxLayout, QLabel,
                               QMessageBox, QProgressBar, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from hd_desktop.engine.config import ENGINE_PRESETS, PRESET_NOTES, preset_note
from hd_desktop.engine.screening import DEFAULT_MIN_GOLD
from hd_desktop.errors import UserFacingError
from hd_desktop.gui.experiment_panel import minutes
from hd_desktop.lab.engine_job import listener_table
from hd_desktop.lab.round_readiness import early_next_round
from hd_desktop.lab.results import stop_text


class EnginePanel(QWidget):
    def __init__(self, engine, parent=None):
        super().__init__(parent)
        self.engine = engine
        lay = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(self._run_box())
        left.addWidget(self._curve_box(), 1)
        lay.addLayout(left, 3)
        right = QVBoxLayout()
        right.addWidget(self._listeners_box(), 1)
        right.addWidget(self._next_round_box())
        lay.addLayout(right, 2)
        engine.progress.connect(self._progress)
        engine.resultReady.connect(self._result)
        engine.failed.connect(lambda msg: self.state.setText(f"<b>{msg}</b>"))
        engine.runningChanged.connect(self._running)
        self.setEnabled(False)

    # -- layout ------------------------------------------------------------------------------

    def _run_box(self) -> QWidget:
        box = QGroupBox("Model update (estimates → score network → Langevin samples)")
        lay = QVBoxLayout(box)
        row = QHBoxLayout()
        row.addWidget(QLabel("Engine preset:"))
        self.preset = QComboBox()
        for i, name in enumerate(ENGINE_PRESETS):
            self.preset.addItem(name)
            self.preset.setItemData(i, PRESET_NOTES[name], Qt.ToolTipRole)
        self.preset.setToolTip("How the engine learns from the votes; hover over a preset "
                               "for what it does")
        self.preset.setCurrentText("default")
        self.preset.currentTextChanged.connect(self._preset_changed)
        row.addWidget(self.preset)
        self.auto = QCheckBox("update after every session block")
        self.auto.setChecked(True)
        self.auto.toggled.connect(self._auto_changed)
        row.addWidget(self.auto)
        row.addStretch()
        lay.addLayout(row)
        self.preset_note = QLabel(PRESET_NOTES["default"])
        self.preset_note.setWordWrap(True)
        self.preset.currentTextChanged.connect(self._show_note)
        lay.addWidget(self.preset_note)
        row = QHBoxLayout()
        self.update_button = QPushButton("Update the model now")
        self.update_button.clicked.connect(self.engine.update)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.engine.cancel)
        self.bar = QProgressBar()
        row.addWidget(self.update_button)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        lay.addLayout(row)
        self.state = QLabel("No model yet: collect votes, then update.")
        self.state.setWordWrap(True)
        lay.addWidget(self.state)
        return box

    def _curve_box(self) -> QWidget:
        box = QGroupBox("Training curve")
        lay = QVBoxLayout(box)
        self.curve = pg.PlotWidget(background="w")
        self.curve.setLogMode(y=True)
        self.curve.getAxis("left").enableAutoSIPrefix(False)
        self.curve.setLabel("bottom", "Adam step")
        self.curve.setLabel("left", "training loss")
        self.curve_line = self.curve.plot(pen=pg.mkPen(30, 90, 200, width=2))
        lay.addWidget(self.curve)
        self.estimates_label = QLabel()
        self.estimates_label.setWordWrap(True)
        lay.addWidget(self.estimates_label)
        self.stop_label = QLabel()      # how far the last update moved the samples (stopping.py)
        self.stop_label.setWordWrap(True)
        lay.addWidget(self.stop_label)
        return box

    def _listeners_box(self) -> QWidget:
        box = QGroupBox("Listeners (screening)")
        lay = QVBoxLayout(box)
        self.listeners = QTableWidget(0, 5)
        self.listeners.setHorizontalHeaderLabels(["listener", "votes", "screening", "agreement", "use"])
        self.listeners.verticalHeader().hide()
        self.listeners.horizontalHeader().setStretchLastSection(True)
        self.listeners.itemChanged.connect(self._keep_changed)
        lay.addWidget(self.listeners)
        note = QLabel("Listeners below the screening threshold are left out of the estimates "
                      f"unless you tick them; a listener is judged from {DEFAULT_MIN_GOLD} screening "
                      "answers on (Experiment tab), and left out until then. Agreement: share of answers equal to the "
                      "majority of the other listeners on the same voices.")
        note.setWordWrap(True)
        lay.addWidget(note)
        return box

    def _next_round_box(self) -> QWidget:
        box = QGroupBox("Next round")
        lay = QVBoxLayout(box)
        self.next_label = QLabel("The next round starts from the samples of the current model.")
        self.next_label.setWordWrap(True)
        self.next_button = QPushButton("Create the next round from the samples")
        self.next_button.setEnabled(False)
        self.next_button.clicked.connect(self._create_next)
        lay.addWidget(self.next_label)
        lay.addWidget(self.next_button)
        return box

    # -- state -------------------------------------------------------------------------------

    def set_lab(self, lab) -> None:
        """Show the experiment's engine settings (kept in its store) and its stored models."""
        self.preset.blockSignals(True)   # showing the stored choice is not a new choice
        self.preset.setCurrentText(lab.settings.engine_preset)
        self.preset.blockSignals(False)
        self._show_note(lab.settings.engine_preset)
        self.auto.blockSignals(True)
        self.auto.setChecked(lab.settings.auto_update)
        self.auto.blockSignals(False)
        self.setEnabled(True)
        self.refresh()
        self.engine.restore()

    def refresh(self) -> None:
        """Listeners and next-round proposal from the store (after votes or imports)."""
        lab = self.engine.lab
        if lab is None or lab.current_round() is None:
            return
        snap = lab.engine_snapshot(lab.settings.engine_config(), lab.settings.engine_seed,
                                   lab.settings.keep_listeners)
        rows = listener_table(snap)
        agreement = agreement_with_others(snap.votes)
        self.listeners.blockSignals(True)
        self.listeners.setRowCount(len(rows))
        for i, row in enumerate(rows):
            screening = "—" if row["screening"] is None else \
                f"{row['screening']:.0%} of {row['gold_answers']}"
            if not row["judged"]:
                screening += f" (judged from {snap.min_gold})"
            share, n = agreement.get(row["listener"], (None, 0))
            cells = [row["listener"], str(row["votes"]), screening,
                     "—" if share is None else f"{share:.0%} of {n}"]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if not row["used"]:
                    item.setForeground(Qt.GlobalColor.red)
                self.listeners.setItem(i, j, item)
            use = QTableWidgetItem("used" if row["used"] else "left out")
            overridable = not row["used"] or row["listener"] in self.engine.keep_listeners
            use.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
                         if overridable else Qt.ItemFlag.ItemIsUserCheckable)
            use.setCheckState(Qt.CheckState.Checked if row["used"] else Qt.CheckState.Unchecked)
            use.setData(Qt.ItemDataRole.UserRole, row["listener"])
            self.listeners.setItem(i, 4, use)
        self.listeners.resizeColumnsToContents()
        self.listeners.blockSignals(False)
        self._update_next_round()

    def _update_next_round(self) -> None:
        lab, result = self.engine.lab, self.engine.latest
        current = lab.current_round()
        if result is None or result.round != current.index:
            self.next_label.setText(f"Round {current.index}: {current.covered} of "
                                    f"{current.n_stimuli} stimuli voted. Update the model to "
                                    "sample the anchors of the next round.")
            self.next_button.setEnabled(False)
            return
        params = self.next_params()
        count = lab.preview_round(params, result.samples)
        early = early_next_round(current)
        self.next_label.setText(
            f"Round {current.index}: {current.covered} of {current.n_stimuli} stimuli voted"
            f"{' (covered)' if current.complete else ''}"
            f"{f', {current.n_stimuli - current.covered} still without votes' if early else ''}"
            f". Round {current.index + 1} from "
            f"{len(result.samples)} samples: <b>{count['trials']} stimuli</b>, about "
            f"<b>{minutes(count['seconds'])}</b> for one listener.")
        self.next_button.setEnabled(True)

    def next_params(self):
        return self.engine.lab.next_round_proposal().params   # as the Experiment tab shows it

    # -- engine events -------------------------------------------------------------------------

    def _show_note(self, name: str) -> None:
        lab = self.engine.lab
        self.preset_note.setText(preset_note(name, lab.space.coords.shape[1] if lab else None))

    def _preset_changed(self, name: str) -> None:
        if self.engine.lab is not None:
            self.engine.lab.set_settings(engine_preset=name)

    def _auto_changed(self, on: bool) -> None:
        if self.engine.lab is not None:
            self.engine.lab.set_settings(auto_update=bool(on))

    def _running(self, running: bool) -> None:
        self.update_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if running:
            self.curve_line.setData([], [])
            self._curve = ([], [])

    def _progress(self, event) -> None:
        names = {"start": "Starting the engine process", "estimates": "Estimates", "train": "Training the score network",
                 "sample": "Langevin sampling"}
        self.bar.setRange(0, max(event.total, 1))
        self.bar.setValue(event.done)
        self.state.setText(f"Round {event.round}: {names.get(event.kind, event.kind)} "
                           f"({event.done}/{event.total})")
        if event.kind == "train" and "loss" in event.info:
            xs, ys = self._curve
            xs.append(event.done)
            ys.append(max(float(event.info["loss"]), 1e-12))
            self.curve_line.setData(xs, ys)

    def _result(self, result) -> None:
        steps = [c["step"] for c in result.curve]
        losses = [max(c["loss"], 1e-12) for c in result.curve]
        self.curve_line.setData(steps, losses)
        loss = result.loss or self.engine.config.loss  # the model's own, not today's preset
        self.curve.setLabel("left", LOSS_LABELS.get(loss, "training loss"))
        t = result.timings
        self.estimates_label.setText(estimates_summary(result))
        self.stop_label.setText(stop_text(self.engine.lab.experiment, result.model_id))
        self.state.setText(
            f"Model of round {result.round} ready: {len(result.samples)} samples. Training "
            f"{t.get('train_s', 0):.1f} s, sampling {t.get('sample_s', 0):.1f} s.")
        self.bar.setValue(self.bar.maximum())
        self.refresh()

    def _keep_changed(self, item) -> None:
        if item.column() != 4:
            return
        who = item.data(Qt.ItemDataRole.UserRole)
        lab = self.engine.lab
        keep = set(lab.settings.keep_listeners)
        if item.checkState() == Qt.CheckState.Checked:
            keep.add(who)
        else:
            keep.discard(who)
        lab.set_settings(keep_listeners=keep)    # kept in the experiment: survives a restart
        self.refresh()

    def _create_next(self) -> None:
        result = self.engine.latest
        current = self.engine.lab.current_round()
        early = early_next_round(current)
        if early is not None:
            choice = QMessageBox.question(
                self, "Create the next round now?",
                f"{early}\n\nCreate round {current.index + 1} anyway?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if choice != QMessageBox.StandardButton.Yes:
                self.state.setText(f"Round {current.index + 1} not created: round "
                                   f"{current.index} goes on collecting votes.")
                return
        try:
            self.engine.lab.create_round(self.next_params())   # from the stored samples
        except UserFacingError as exc:
            self.state.setText(f"<b>{exc}</b>")
            return
        self.state.setText(f"Round {result.round + 1} created from {len(result.samples)} samples.")
        self.refresh()


def agreement_with_others(votes) -> dict[str, tuple[float, int]]:
    """Per listener: (share of their answers equal to the others' majority, answers compared)."""
    by_stimulus: dict[str, list] = {}
    for v in votes:
        by_stimulus.setdefault(v.stimulus_id, []).append(v)
    agree: dict[str, list[int]] = {}
    for vs in by_stimulus.values():
        for v in vs:
            others = [o.response for o in vs if o.listener != v.listener]
            if not others or 2 * sum(others) == len(others):
                continue
            majority = int(2 * sum(others) > len(others))
            a = agree.setdefault(v.listener, [0, 0])
            a[0] += int(v.response == majority)
            a[1] += 1
    return {who: (ok / n, n) for who, (ok, n) in agree.items()}


LOSS_LABELS = {"paper": "loss |S_VD − ∇D|² + |S_D − D|²",
               "bernoulli": "loss: −log-likelihood of the votes + |S_VD − ∇D|² terms",
               "gp": "loss: KL(GP D̂ ‖ S_D) + |S_VD − ∇D̂|²"}


def estimates_summary(result) -> str:
    """What the model learned from: voted stimuli, NES estimates and their errors, who is left out."""
    est = result.estimates
    parts = [f"{result.votes_used} votes used"]
    if est.points is not None and len(est.points):
        if result.loss == "gp":
            how = "every vote smoothed by a GP classifier"
            floor = (f"lapse floor {result.lapse_floor:.3f}, {est.guess:.3f} measured on the "
                     f"far voices")
        else:
            how = "each vote counted where it was cast"
            floor = f"lapse floor {est.guess:.3f} from the far voices"
            if result.loss == "bernoulli" and result.lapse_floor is not None:
                floor += f", {result.lapse_floor:.3f} learned with the network"
        parts.append(f"{len(est.points)} voted stimuli, {how} ({floor})")
    if len(est):
        # a standard error needs two complete pairs at a neighbour: from one it reads 0 or nan
        two = np.asarray(est.n_pairs) >= 2
        if two.any():
            se = np.nanmedian(np.linalg.norm(est.grad_se[two], axis=1))
            errors = (f"median standard error over the {int(two.sum())} with two or more "
                      f"complete pairs: D {np.median(est.d_se[two]):.3f}, |∇D| {se:.3f}")
        else:
            errors = ("standard errors: not enough votes yet (a neighbour needs two complete "
                      "antithetic pairs for one)")
        parts.append(f"{len(est)} NES estimates from rounds "
                     f"{sorted(set(int(r) for r in est.round))}, {errors}")
    else:
        parts.append("no neighbour has a complete antithetic pair yet")
    return "; ".join(parts) + f". Excluded listeners: {', '.join(result.excluded) or 'none'}."
