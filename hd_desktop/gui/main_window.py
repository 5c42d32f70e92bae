"""The main window: the voice map of the experiment's corpus, click to hear, carrier and device."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QGroupBox, QHBoxLayout, QLabel, QMainWindow,
                               QPlainTextEdit, QProgressBar, QPushButton, QStackedWidget,
                               QTabWidget, QToolBar, QVBoxLayout, QWidget)

from hd_desktop.errors import UserFacingError
from hd_desktop.gui.audio_output import AudioOutput
from hd_desktop.gui.experiment_panel import ExperimentPanel
from hd_desktop.gui.jobs import cancel, start_job
from hd_desktop.gui.map_view import VoiceMap
from hd_desktop.settings import Settings, save_settings
from hd_desktop.voice import SpaceSettings, VoiceSpace, open_space

CARRIER_LABELS = {"sustained": "Sustained vowel (1 s)", "sentence": "Sentence (CMU ARCTIC)"}


@dataclass(frozen=True)
class PlayedVoice:
    z: tuple[float, ...]
    carrier: str
    playback: object


class MainWindow(QMainWindow):
    spaceReady = Signal(object)       # VoiceSpace
    played = Signal(object)           # PlayedVoice, when the voice was handed to the device

    def __init__(self, experiment: Path, corpus: Path | None, settings: Settings,
                 settings_note: str | None = None):
        super().__init__()
        self.experiment, self.corpus, self.settings = Path(experiment), corpus, settings
        self.space: VoiceSpace | None = None
        self.lab = None
        self.session_window = None
        self._render_seq = 0
        self._build_worker = None
        self.setWindowTitle(f"hd-desktop — {self.experiment.name}")
        self.resize(980, 720)
        self.audio = AudioOutput(self)
        self.audio.unavailable.connect(self._audio_unavailable)
        self._build_toolbar()
        self._build_pages()
        if settings_note:
            self.statusBar().showMessage(settings_note, 10000)
        QTimer.singleShot(0, self._start)

    # -- layout ------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = QToolBar("Voice", self)
        bar.setMovable(False)
        self.addToolBar(bar)
        self.output_state = QLabel()
        self.statusBar().addPermanentWidget(self.output_state)
        bar.addWidget(QLabel(" Carrier: "))
        self.carrier_box = QComboBox()
        for key, label in CARRIER_LABELS.items():
            self.carrier_box.addItem(label, key)
        self.carrier_box.setCurrentIndex(max(0, self.carrier_box.findData(self.settings.carrier)))
        self.carrier_box.currentIndexChanged.connect(self._carrier_changed)
        bar.addWidget(self.carrier_box)
        bar.addSeparator()
        bar.addWidget(QLabel(" Output: "))
        self.device_box = QComboBox()
        self.device_box.setMinimumWidth(260)
        self.device_box.activated.connect(self._device_chosen)
        bar.addWidget(self.device_box)

    def _build_pages(self) -> None:
        self.pages = QStackedWidget()
        loading = QWidget()
        lay = QVBoxLayout(loading)
        lay.addStretch()
        self.progress_label = QLabel("Opening the voice space…")
        self.progress_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(lambda: cancel(self._build_worker))
        for w in (self.progress_label, self.progress, self.cancel_button):
            lay.addWidget(w)
        lay.addStretch()
        self.map = VoiceMap()
        self.map.pointClicked.connect(self.play_point)
        map_page = QWidget()
        mlay = QHBoxLayout(map_page)
        left = QVBoxLayout()
        self.space_label = QLabel()
        self.space_label.setWordWrap(True)
        left.addWidget(self.space_label)
        left.addWidget(self.map, 1)
        mlay.addLayout(left, 1)
        mlay.addWidget(self._details_panel())
        self.experiment_panel = ExperimentPanel()
        self.experiment_panel.startSession.connect(self.start_session)
        self.experiment_panel.resumeSession.connect(self.resume_session)
        self.tabs = QTabWidget()
        self.tabs.addTab(map_page, "Voice map")
        self.tabs.addTab(self.experiment_panel, "Experiment")
        self.pages.addWidget(loading)
        self.pages.addWidget(self.tabs)
        self.setCentralWidget(self.pages)

    def _details_panel(self) -> QWidget:
        box = QGroupBox("Voice space")
        box.setFixedWidth(280)
        lay = QVBoxLayout(box)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.details)
        lay.addWidget(QLabel("Files skipped or changed:"))
        self.problems_view = QPlainTextEdit()
        self.problems_view.setReadOnly(True)
        lay.addWidget(self.problems_view, 1)
        return box

    # -- start-up ----------------------------------------------------------------------------

    def _start(self) -> None:
        self._open_audio(self.settings.effective_device())
        self._build_worker = start_job(
            open_space, self.corpus, self.experiment / "space", SpaceSettings(),
            on_progress=self._build_progress, on_result=self._space_ready,
            on_error=self._build_failed)
        self._build_worker.aborted.connect(
            lambda: self.progress_label.setText("Building the voice space was cancelled."))

    def _build_progress(self, p) -> None:
        self.progress.setValue(int(p.fraction * 100))
        self.progress_label.setText(p.message)

    def _space_ready(self, space: VoiceSpace) -> None:
        self.space = space
        info = space.info()
        labels = [f"{spk} — {item}" for spk, item in zip(space.speakers, space.items)]
        self.map.set_real(space.coords, labels, info["explained_variance"])
        self.space_label.setText("Click anywhere on the map to hear the voice at that point. "
                                 "Blue dots are real voices (hover for the speaker).")
        variance = ", ".join(f"{e:.0%}" for e in info["explained_variance"])
        self.details.setText(
            f"<b>{info['n_items']}</b> real items of <b>{info['n_speakers']}</b> speakers<br>"
            f"corpus: {self.corpus or 'bundled (AMI meeting corpus)'}<br>"
            f"{info['dims']} dimensions, explaining {variance} of the variance<br>"
            f"units: one unit = one SD of the real voices along that axis<br>"
            f"fingerprint: <tt>{space.fingerprint[:16]}</tt><br>"
            f"experiment: {self.experiment}")
        self.problems_view.setPlainText("\n".join(space.problems) or "none")
        self.pages.setCurrentIndex(1)
        self.statusBar().showMessage(f"Voice space ready ({space.fingerprint[:12]})", 5000)
        self._open_lab(space)
        self.spaceReady.emit(space)

    def _open_lab(self, space: VoiceSpace) -> None:
        from hd_desktop.lab import Lab

        try:
            self.lab = Lab(self.experiment, space)
        except UserFacingError as exc:
            self.experiment_panel.setEnabled(False)
            self.experiment_panel.setToolTip(str(exc))
            self.statusBar().showMessage(f"Experiment {self.experiment} cannot be used: {exc}")
            return
        self.experiment_panel.set_lab(self.lab)

    # -- sessions ------------------------------------------------------------------------------

    def start_session(self, size: int, seed: int) -> None:
        try:
            flow = self.lab.new_session(size, seed)
        except UserFacingError as exc:
            self.statusBar().showMessage(str(exc))
            return
        self._open_session(flow)

    def resume_session(self, session_id: str) -> None:
        self._open_session(self.lab.resume_session(session_id))

    def _open_session(self, flow):
        from hd_desktop.gui.session_window import SessionWindow

        if self.session_window is not None:
            self.session_window.close()
        self.session_window = SessionWindow(flow, self.space, self.audio,
                                            self.carrier_box.currentData())
        self.session_window.closed.connect(self.experiment_panel.refresh)
        self.session_window.finished.connect(lambda _: self.experiment_panel.refresh())
        self.session_window.show()
        self.session_window.activateWindow()
        return self.session_window

    def _build_failed(self, exc: Exception) -> None:
        self.progress_label.setText(f"The voice space could not be built: {exc}")
        self.cancel_button.hide()

    # -- audio -------------------------------------------------------------------------------

    def _open_audio(self, device) -> None:
        from hd_desktop.audio import list_output_devices

        ok = self.audio.open(device, self.settings.gain_db)
        self.device_box.clear()
        try:
            devices = list_output_devices()
        except OSError:
            devices = []
        for d in devices:
            self.device_box.addItem(d.label(), d.label())
        if not devices:
            self.device_box.addItem("No output device found")
        self.output_state.setText(f"Output: {self.audio.device_label}" if ok else "No sound: no output device")
        self.output_state.setStyleSheet("" if ok else "color: #b00020; font-weight: bold")
        self.output_state.setToolTip(self.audio.problem or "")
        if ok:
            self.device_box.setCurrentIndex(max(0, self.device_box.findData(self.audio.device_label)))
            self.statusBar().showMessage(f"Output: {self.audio.device_label}", 5000)

    def _device_chosen(self, index: int) -> None:
        label = self.device_box.itemData(index)
        if label:
            self.settings = self.settings.with_(output_device=label)
            save_settings(self.settings)
            self._open_audio(label)

    def _audio_unavailable(self, message: str) -> None:
        self.statusBar().showMessage(f"No sound: {message}")

    def _carrier_changed(self) -> None:
        self.settings = self.settings.with_(carrier=self.carrier_box.currentData())
        save_settings(self.settings)

    # -- click to hear -------------------------------------------------------------------------

    def play_point(self, x: float, y: float) -> None:
        """Render the voice at (x, y) off the GUI thread, then play it."""
        if self.space is None:
            return
        z = np.zeros(self.space.dims)
        z[:2] = (x, y)
        carrier = self.carrier_box.currentData()
        self.map.mark_point(x, y)
        self._render_seq += 1
        seq = self._render_seq
        self.statusBar().showMessage(f"Rendering ({x:.2f}, {y:.2f})…")
        start_job(self._render, self.space, tuple(z), carrier,
                  on_result=lambda r: self._rendered(seq, *r),
                  on_error=lambda e: self.statusBar().showMessage(f"Rendering failed: {e}"))

    def _render(self, space, z, carrier):
        audio, rate = space.render(z, carrier)
        return z, carrier, self.audio.prepare(audio, rate), len(audio) / rate

    def _rendered(self, seq, z, carrier, prepared, seconds) -> None:
        if seq != self._render_seq:
            return  # a later click wins
        playback = self.audio.play(prepared) if prepared is not None else None
        where = ", ".join(f"{v:.2f}" for v in z)
        if playback is None:
            self.statusBar().showMessage(f"({where}) rendered, but there is no output device: "
                                         f"{self.audio.problem}")
            return
        self.statusBar().showMessage(f"Playing ({where}), {CARRIER_LABELS[carrier].lower()}, "
                                     f"{seconds:.1f} s, on {self.audio.device_label}")
        self.played.emit(PlayedVoice(z, carrier, playback))

    def closeEvent(self, event) -> None:
        cancel(self._build_worker)
        if self.session_window is not None:
            self.session_window.close()
        if self.lab is not None:
            self.lab.close()
        self.audio.close()
        super().closeEvent(event)
