"""Listen to the new voices: the samples of the latest model, sortable, playable with one key,
A/B against their nearest real voice, and exported as WAV files with their coordinates."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from hd_desktop.gui.jobs import start_job
from hd_desktop.gui.widgets import button, fill_table, key_name, row, wrapped
from hd_desktop.lab.previews import PREVIEW_KEYS, export_words, new_voices, write_voices
from hd_desktop.progress import drive


class NumberItem(QTableWidgetItem):
    """A cell that sorts by its number, not its text."""

    def __init__(self, value: float, text: str):
        super().__init__(text)
        self.setData(Qt.ItemDataRole.UserRole, float(value))

    def __lt__(self, other):
        return self.data(Qt.ItemDataRole.UserRole) < other.data(Qt.ItemDataRole.UserRole)


class PreviewPanel(QWidget):
    played = Signal(str, object)     # "sample" / "real", Playback

    def __init__(self, audio, carrier_of, parent=None):
        """`audio`: a ResearcherAudio (gui/audio_output.py): it renders and plays the voices
        on the output the PlaybackGuard allows, or says why not (the status bar)."""
        super().__init__(parent)
        self.audio, self.carrier_of = audio, carrier_of
        self.space = self.voices = None
        lay = QVBoxLayout(self)
        self.title = wrapped("No samples yet: update the model in the Engine tab.")
        lay.addWidget(self.title)
        self.table = QTableWidget(0, 0)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _: self.play_selected())
        self.table.installEventFilter(self)   # Space and A belong to playback, not to the table
        lay.addWidget(self.table, 1)
        self.play_button = button("Play (Space)", self.play_selected)
        self.ab_button = button("A/B with nearest real voice (A)", self.play_ab)
        self.export_button = button("Export selected as WAV…", self._export)
        lay.addLayout(row(self.play_button, self.ab_button, self.export_button, stretch=True))
        self.audio.played.connect(self._played)

    def set_space(self, space, renderer=None) -> None:
        self.space = space
        self.renderer = renderer or space

    def set_result(self, result) -> None:
        """Show the samples of an engine result, with S_D and the nearest real voice."""
        self.voices = v = new_voices(result, self.space)
        headers = v.headers()
        self.table.setSortingEnabled(False)
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        fill_table(self.table, [[NumberItem(*c) if isinstance(c, tuple) else c for c in cells]
                                for cells in v.rows()])
        self.table.setSortingEnabled(True)
        self.table.sortItems(len(headers) + v.SORT_COLUMN, Qt.SortOrder.DescendingOrder)
        self.table.resizeColumnsToContents()      # the header's sort arrow too
        self.table.selectRow(0)
        self.title.setText(v.shown_words())

    def selected(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [int(self.table.item(r, 0).data(Qt.ItemDataRole.UserRole)) for r in rows]

    def eventFilter(self, obj, event) -> bool:
        action = PREVIEW_KEYS.get(key_name(event)) if event.type() == QEvent.Type.KeyPress else None
        if action is not None:
            self._play_chosen(ab=action == "ab")
            return True
        return super().eventFilter(obj, event)

    # -- sound --------------------------------------------------------------------------------

    def play_selected(self) -> None:
        self._play_chosen(ab=False)

    def play_ab(self) -> None:
        """The chosen sample, then (AB_GAP_S later) its nearest real voice."""
        self._play_chosen(ab=True)

    def _play_chosen(self, ab: bool) -> None:
        rows = self.selected()
        if rows:
            self.play_voices(self.voices.voices_for(rows[0], self.space.coords, ab=ab))

    def play_voices(self, voices) -> None:
        """[(name, z)] in turn, through the researcher's one path (ResearcherAudio.play)."""
        self.audio.play(self.audio.requests.preview(voices, self.carrier_of()), self.renderer)

    def _played(self, request, voice, playback) -> None:
        if request.source == "preview":
            self.played.emit(voice.name, playback)

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
                  self.space.render, step=f"exporting the chosen voices to {folder}", owner=self,
                  on_progress=lambda p: self.title.setText(export_words(p, folder)),
                  on_result=lambda written: self.title.setText(
                      export_words(None, folder, written)),
                  on_finished=lambda: self.export_button.setEnabled(True))
