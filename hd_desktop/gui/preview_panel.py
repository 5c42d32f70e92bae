"""Listen to the new voices: the samples of the latest model, sortable, playable with one key,
A/B against their nearest real voice, and exported as WAV files with their coordinates."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from hd_desktop.gui.jobs import start_job
from hd_desktop.gui.tables import fill_table
from hd_desktop.lab.previews import new_voices, write_voices
from hd_desktop.progress import drive

AB_GAP_MS = 400


class NumberItem(QTableWidgetItem):
    """A cell that sorts by its number, not its text."""

    def __init__(self, value: float, text: str):
        super().__init__(text)
        self.setData(Qt.ItemDataRole.UserRole, float(value))

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
        self.space = self.voices = None
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
        self.voices = v = new_voices(result, self.space)
        k = v.samples.shape[1]
        headers = ["#"] + [f"z{i + 1}" for i in range(k)] + ["S_D", "nearest real voice", "distance"]
        self.table.setSortingEnabled(False)
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        fill_table(self.table, [
            [NumberItem(i, str(i)), *(NumberItem(x, f"{x:+.2f}") for x in z),
             NumberItem(v.s_d[i], f"{v.s_d[i]:.2f}"), v.nearest_label[i],
             NumberItem(v.distance[i], f"{v.distance[i]:.2f}")] for i, z in enumerate(v.samples)])
        self.table.setSortingEnabled(True)
        self.table.sortItems(k + 1, Qt.SortOrder.DescendingOrder)   # most acceptable first
        self.table.resizeColumnsToContents()      # the header's sort arrow too
        self.table.selectRow(0)
        self.title.setText(f"{v.title()} Select one and press Space to hear it, A to compare it "
                           "with its nearest real voice; click a header to sort.")

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
            self._render_then_play([("sample", self.voices.samples[rows[0]])])

    def play_ab(self) -> None:
        rows = self.selected()
        if rows:
            i = rows[0]
            self._render_then_play([("sample", self.voices.samples[i]),
                                    ("real", self.space.coords[self.voices.nearest[i]])])

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
        """WAV files of the chosen samples and voices.csv (lab/previews.py), here and now."""
        return drive(write_voices(self.voices, rows, folder, self.carrier_of(), self.space.render))

    def _export(self) -> None:
        """The chosen voices rendered and written on a worker thread: the window goes on."""
        rows = self.selected()
        folder = QFileDialog.getExistingDirectory(self, "Export the chosen voices to") \
            if rows else None
        if not folder:
            return
        self.export_button.setEnabled(False)
        start_job(write_voices, self.voices, rows, Path(folder), self.carrier_of(),
                  self.space.render, step=f"exporting the chosen voices to {folder}",
                  on_progress=lambda p: self.title.setText(f"Writing {p.message[6:]}…"),
                  on_result=lambda written: self.title.setText(
                      f"{len(written)} voices written to {folder} (with voices.csv)."),
                  on_finished=lambda: self.export_button.setEnabled(True))
