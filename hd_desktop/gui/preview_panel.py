"""Listen to the new voices: the samples of the latest model, sortable, playable with one key,
A/B against their nearest real voice, and exported as WAV files with their coordinates."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import soundfile as sf
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from hd_desktop.gui.errors import report
from hd_desktop.gui.jobs import start_job

AB_GAP_MS = 400


def nearest_real(samples: np.ndarray, real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each sample's nearest real voice, and the distance to it (voice-space units)."""
    d = np.linalg.norm(samples[:, None, :] - real[None, :, :], axis=2)
    idx = d.argmin(1)
    return idx, d[np.arange(len(samples)), idx]


class NumberItem(QTableWidgetItem):
    """A cell that sorts by its number, not its text."""

    def __init__(self, value: float, text: str):
        super().__init__(text)
        self.setData(Qt.ItemDataRole.UserRole, float(value))
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def __lt__(self, other):
        return self.data(Qt.ItemDataRole.UserRole) < other.data(Qt.ItemDataRole.UserRole)


class PreviewPanel(QWidget):
    played = Signal(str, object)     # "sample" / "real", Playback
    refused = Signal(str)            # why a voice was not played (a listener's session is open)

    def __init__(self, audio, carrier_of, parent=None):
        """`audio`: a ResearcherAudio (gui/audio_output.py), asked for an output before each
        voice is rendered; during a session it may refuse."""
        super().__init__(parent)
        self.audio, self.carrier_of = audio, carrier_of
        self.space = None
        self.samples = np.empty((0, 2))
        self.s_d = np.empty(0)
        self.round = None
        self._ab_next = None
        lay = QVBoxLayout(self)
        self.title = QLabel("No samples yet: update the model in the Engine tab.")
        self.title.setWordWrap(True)
        lay.addWidget(self.title)
        self.table = QTableWidget(0, 0)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _: self.play_selected())
        self.table.installEventFilter(self)   # Space and A belong to playback, not to the table
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.play_button = QPushButton("Play (Space)")
        self.play_button.clicked.connect(self.play_selected)
        self.ab_button = QPushButton("A/B with nearest real voice (A)")
        self.ab_button.clicked.connect(self.play_ab)
        self.export_button = QPushButton("Export selected as WAV…")
        self.export_button.clicked.connect(self._export)
        for b in (self.play_button, self.ab_button, self.export_button):
            row.addWidget(b)
        row.addStretch()
        lay.addLayout(row)
        self.audio.finished.connect(self._maybe_play_b)

    def set_space(self, space, renderer=None) -> None:
        self.space = space
        self.renderer = renderer or space

    def set_result(self, result) -> None:
        """Show the samples of an engine result, with S_D and the nearest real voice."""
        from hd_desktop.engine.training import predict

        self.round = result.round
        self.samples = np.asarray(result.samples)
        self.s_d, _ = predict(result.net, self.samples)
        idx, dist = nearest_real(self.samples, self.space.coords)
        self.nearest, self.distance = idx, dist
        k = self.samples.shape[1]
        headers = ["#"] + [f"z{i + 1}" for i in range(k)] + ["S_D", "nearest real voice", "distance"]
        self.table.setSortingEnabled(False)
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(self.samples))
        for i, z in enumerate(self.samples):
            cells = [NumberItem(i, str(i))] + [NumberItem(v, f"{v:+.2f}") for v in z] + [
                NumberItem(self.s_d[i], f"{self.s_d[i]:.2f}")]
            speaker = QTableWidgetItem(f"{self.space.speakers[idx[i]]} ({self.space.items[idx[i]]})")
            speaker.setFlags(speaker.flags() & ~Qt.ItemFlag.ItemIsEditable)
            cells += [speaker, NumberItem(dist[i], f"{dist[i]:.2f}")]
            for j, item in enumerate(cells):
                self.table.setItem(i, j, item)
        self.table.setSortingEnabled(True)
        self.table.sortItems(k + 1, Qt.SortOrder.DescendingOrder)   # most acceptable first
        self.table.resizeColumnsToContents()
        self.table.selectRow(0)
        self.title.setText(
            f"{len(self.samples)} new voices sampled by the model of round {result.round}. "
            f"Median distance to the nearest real voice: {np.median(dist):.2f} SD. Select one and "
            "press Space to hear it, A to compare it with its nearest real voice; click a header "
            "to sort.")

    def selected(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [int(self.table.item(r, 0).data(Qt.ItemDataRole.UserRole)) for r in rows]

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.play_selected()
                return True
            if event.key() == Qt.Key.Key_A:
                self.play_ab()
                return True
        return super().eventFilter(obj, event)

    # -- sound --------------------------------------------------------------------------------

    def play_selected(self) -> None:
        rows = self.selected()
        if rows:
            self._ab_next = None
            self._render_then_play([("sample", self.samples[rows[0]])])

    def play_ab(self) -> None:
        rows = self.selected()
        if rows:
            i = rows[0]
            self._render_then_play([("sample", self.samples[i]),
                                    ("real", self.space.coords[self.nearest[i]])])

    def _output(self, names):
        """The output to play on now, or None after saying why (a listener's session is open)."""
        out, why = self.audio.output(f"the {' and '.join(names)} voice from the New voices tab")
        if out is None:
            self._ab_next = None
            self.refused.emit(why)
        return out

    def _render_then_play(self, voices) -> None:
        renderer, carrier = self.renderer, self.carrier_of()
        out = self._output([name for name, _ in voices])
        if out is None:
            return

        def render():
            return [(name, out.prepare(*renderer.render(z, carrier))) for name, z in voices]

        start_job(render, on_result=lambda prepared: self._play_sequence(out, prepared),
                  step=f"rendering {' and '.join(name for name, _ in voices)} voice for the preview")

    def _play_sequence(self, out, prepared) -> None:
        (name, first), rest = prepared[0], prepared[1:]
        if self._output([name]) is not out:
            return     # a session opened while it rendered: the route changed
        self._ab_next = (out, *rest[0]) if rest else None
        playback = out.play(first) if first is not None else None
        self._ab_first = playback
        if playback is not None:
            self.played.emit(name, playback)

    def _maybe_play_b(self, playback) -> None:
        if self._ab_next is not None and playback is self._ab_first:
            out, name, prepared = self._ab_next
            self._ab_next = None
            QTimer.singleShot(AB_GAP_MS, lambda: self._play_b(out, name, prepared))

    def _play_b(self, out, name, prepared) -> None:
        if prepared is None or self._output([name]) is not out:
            return
        playback = out.play(prepared)
        if playback is not None:
            self.played.emit(name, playback)

    # -- export ---------------------------------------------------------------------------------

    def export(self, rows: list[int], folder: Path) -> list[Path]:
        """WAV files of the chosen samples and a CSV of their coordinates, S_D and nearest voice."""
        folder.mkdir(parents=True, exist_ok=True)
        carrier = self.carrier_of()
        written = []
        with open(folder / "voices.csv", "w", newline="") as f:
            w = csv.writer(f)
            k = self.samples.shape[1]
            w.writerow(["file", "round", "sample"] + [f"z{i + 1}" for i in range(k)] +
                       ["S_D", "nearest_real_item", "distance", "carrier"])
            for i in rows:
                audio, rate = self.space.render(self.samples[i], carrier)
                path = folder / f"round{self.round}-sample{i:04d}-{carrier}.wav"
                sf.write(path, audio, rate, subtype="PCM_16")
                w.writerow([path.name, self.round, i] + [repr(float(v)) for v in self.samples[i]] +
                           [f"{self.s_d[i]:.4f}", self.space.items[self.nearest[i]],
                            f"{self.distance[i]:.4f}", carrier])
                written.append(path)
        return written

    def _export(self) -> None:
        rows = self.selected()
        if not rows:
            return
        folder = QFileDialog.getExistingDirectory(self, "Export the chosen voices to")
        if folder:
            try:
                written = self.export(rows, Path(folder))
            except OSError as exc:
                report(f"exporting the chosen voices to {folder}", exc)
                return
            self.title.setText(f"{len(written)} voices written to {folder} (with voices.csv).")
