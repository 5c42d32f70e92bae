"""The main window: the voice map of the experiment's corpus, click to hear, carrier and device."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QLabel, QMainWindow, QProgressBar,
                               QPushButton, QStackedWidget, QTabWidget, QToolBar, QVBoxLayout,
                               QWidget)

from hd_desktop.errors import UserFacingError
from hd_desktop.store import SessionKind
from hd_desktop.gui.audio_output import AudioOutput
from hd_desktop.gui.engine_model import EngineModel
from hd_desktop.gui.engine_panel import EnginePanel
from hd_desktop.gui.experiment_panel import ExperimentPanel
from hd_desktop.gui.map_tab import MapTab
from hd_desktop.gui.preview_panel import PreviewPanel
from hd_desktop.gui.errors import channel, report
from hd_desktop.gui.jobs import cancel, start_job
from hd_desktop.settings import Settings, save_settings
from hd_desktop.voice import VoiceSpace, open_space

CARRIER_LABELS = {"sustained": "Sustained vowel (1 s)", "sentence": "Sentence (CMU ARCTIC)"}


@dataclass(frozen=True)
class PlayedVoice:
    z: tuple[float, ...]
    carrier: str
    playback: object


class MainWindow(QMainWindow):
    spaceReady = Signal(object)       # VoiceSpace
    played = Signal(object)           # PlayedVoice, when the voice was handed to the device
    evaluationReady = Signal(object)  # the evaluation table of a finished evaluation session

    def __init__(self, experiment: Path, corpus: Path | None, settings: Settings,
                 settings_note: str | None = None, *, dims: int | None = None):
        super().__init__()
        self.experiment, self.corpus, self.settings = Path(experiment), corpus, settings
        self.dims = dims                  # of a new experiment's space (None: 2)
        self._space_note: str | None = None
        self.space: VoiceSpace | None = None
        self.renderer = None
        self.lab = None
        self.session_window = None
        self._render_seq = 0
        self._build_worker = None
        channel().install(self.experiment, self)   # every error: told in words, logged there
        self.setWindowTitle(f"hd-desktop — {self.experiment.name}")
        self.resize(1200, 800)
        self.audio = AudioOutput(self)
        self.audio.unavailable.connect(self._audio_unavailable)
        self.engine = EngineModel(self)
        self.engine.resultReady.connect(self._engine_result)
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
        self.map_tab = MapTab()
        self.map, self.layers = self.map_tab.map, self.map_tab.layers
        self.map.pointClicked.connect(self.play_point)
        for fmt, b in self.map_tab.export_buttons.items():
            b.clicked.connect(lambda _=False, f=fmt: self._export_map(f))
        self.experiment_panel = ExperimentPanel()
        self.experiment_panel.startSession.connect(self.start_session)
        self.experiment_panel.resumeSession.connect(self.resume_session)
        self.experiment_panel.startAutopilot.connect(self.start_autopilot)
        self.experiment_panel.startEvaluation.connect(self.start_evaluation)
        self.engine_panel = EnginePanel(self.engine)
        self.preview = PreviewPanel(self.audio, lambda: self.carrier_box.currentData())
        self.tabs = QTabWidget()
        self.tabs.addTab(self.map_tab, "Voice map")
        self.tabs.addTab(self.experiment_panel, "Experiment")
        self.tabs.addTab(self.engine_panel, "Engine")
        self.tabs.addTab(self.preview, "New voices")
        self.pages.addWidget(loading)
        self.pages.addWidget(self.tabs)
        self.setCentralWidget(self.pages)

    def export_map(self, path: Path) -> Path:
        return self.map_tab.export_map(path)

    def _export_map(self, fmt: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export the map as {fmt}",
                                              str(self.experiment / f"map.{fmt.lower()}"),
                                              f"{fmt} (*.{fmt.lower()})")
        if path:
            try:
                self.export_map(Path(path))
            except (OSError, UserFacingError) as exc:
                report(f"exporting the map to {path}", exc)
                return
            self.statusBar().showMessage(f"Map written to {path}", 5000)

    def _engine_result(self, result) -> None:
        self.map_tab.show_model(result, {r: res.samples for r, res in self.engine.results.items()})
        self.preview.set_result(result)
        self.experiment_panel.refresh()     # evaluation needs a model
        self.statusBar().showMessage(f"Model of round {result.round} ready: the map shows what it "
                                     "learned; the New voices tab plays its samples.", 8000)

    # -- start-up ----------------------------------------------------------------------------

    def _start(self) -> None:
        from hd_desktop.lab.space_choice import space_settings_for

        self._open_audio(self.settings.effective_device())
        space_settings, self._space_note = space_settings_for(self.experiment, self.dims)
        self._build_worker = start_job(
            open_space, self.corpus, self.experiment / "space", space_settings,
            step="opening the voice space",
            on_progress=self._build_progress, on_result=self._space_ready,
            on_error=self._build_failed)
        self._build_worker.aborted.connect(
            lambda: self.progress_label.setText("Building the voice space was cancelled."))

    def _build_progress(self, p) -> None:
        self.progress.setValue(int(p.fraction * 100))
        self.progress_label.setText(p.message)

    def _space_ready(self, space: VoiceSpace) -> None:
        from hd_desktop.voice.render_pool import RenderPool

        self.space = space
        self.renderer = RenderPool(space)
        self.map_tab.set_space(space, self.corpus, self.experiment)
        self.pages.setCurrentIndex(1)
        if self._space_note:   # --dims set aside for an experiment built in other dimensions
            self.statusBar().showMessage(self._space_note, 20000)
        else:
            self.statusBar().showMessage(f"Voice space ready ({space.fingerprint[:12]})", 5000)
        self._open_lab(space)
        self.spaceReady.emit(space)

    def _open_lab(self, space: VoiceSpace) -> None:
        from hd_desktop.lab import Lab, LabSettings

        defaults = LabSettings(carrier=self.settings.carrier, gain_db=self.settings.gain_db)
        try:
            self.lab = Lab(self.experiment, space, defaults=defaults)
        except UserFacingError as exc:
            self.experiment_panel.setEnabled(False)
            self.experiment_panel.setToolTip(str(exc))
            self.statusBar().showMessage(f"Experiment {self.experiment} cannot be used: {exc}")
            return
        self.lab.events.subscribe(self._lab_event)
        self.carrier_box.blockSignals(True)
        self.carrier_box.setCurrentIndex(max(0, self.carrier_box.findData(self.lab.settings.carrier)))
        self.carrier_box.blockSignals(False)
        if self.audio.player is not None:
            self.audio.player.gain_db = self.lab.settings.gain_db
        self.engine.set_lab(self.lab)
        self.preview.set_space(space, self.renderer)
        self.experiment_panel.set_lab(self.lab)
        self.engine_panel.set_lab(self.lab)     # draws stored models, if any

    def _lab_event(self, event) -> None:
        """The experiment changed: the panels show it (the Lab decided what happens)."""
        if event.kind in ("block_done", "session_finished", "imported", "round_created"):
            self.experiment_panel.refresh()
            self.engine_panel.refresh()
        elif event.kind == "evaluation_report":
            self.experiment_panel.show_evaluation(event.table, event.written)
            self.evaluationReady.emit(event.table)
        elif event.kind == "settings":
            s = event.settings
            if (s.carrier, s.gain_db) != (self.settings.carrier, self.settings.gain_db):
                self._save_user_settings(self.settings.with_(carrier=s.carrier, gain_db=s.gain_db))

    # -- sessions ------------------------------------------------------------------------------

    def start_session(self, size: int, seed: int, kind: SessionKind = SessionKind.TRIALS) -> None:
        try:
            flow = self.lab.new_session(size, seed, self.experiment_panel.flow_settings(
                self.lab.settings.carrier, kind=kind))
        except UserFacingError as exc:
            self.statusBar().showMessage(str(exc))
            return
        self._open_session(flow)

    def start_autopilot(self, size: int, seed: int, name: str, seconds: float):
        """A session whose listener is a built-in simulated listener, answering visibly."""
        from hd_desktop.engine.listeners import BUILTIN

        self.start_session(size, seed, kind=SessionKind.SIMULATED)   # not a person's data
        if self.session_window is not None:
            self.session_window.start_autopilot(BUILTIN[name](seed=seed), seconds, name)
        return self.session_window

    def start_evaluation(self, n_each: int, seed: int, autopilot: str = "", seconds: float = 0.3):
        """Evaluation 2: real voices and samples of the latest model, blind, same trial screen."""
        from hd_desktop.lab.evaluations import create_evaluation, evaluation_session

        try:
            name = create_evaluation(self.lab, n_each, seed)
            flow = evaluation_session(self.lab, name, seed, self.experiment_panel.flow_settings(
                self.lab.settings.carrier, kind=SessionKind.EVALUATION))
        except UserFacingError as exc:
            self.statusBar().showMessage(str(exc))
            return None
        window = self._open_session(flow)   # the Lab writes the report when it finishes
        if autopilot:
            from hd_desktop.engine.listeners import BUILTIN

            window.start_autopilot(BUILTIN[autopilot](seed=seed), seconds, autopilot)
        return window

    def resume_session(self, session_id: str) -> None:
        self._open_session(self.lab.resume_session(session_id))

    def _open_session(self, flow):
        from hd_desktop.gui.session_window import SessionWindow

        if self.session_window is not None:
            self.session_window.close()
        self.session_window = SessionWindow(flow, self.space, self.audio, renderer=self.renderer)
        self.session_window.closed.connect(self.experiment_panel.refresh)
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
            self._save_user_settings(self.settings.with_(output_device=label))
            self._open_audio(label)
            if self.lab is not None and self.audio.player is not None:
                self.audio.player.gain_db = self.lab.settings.gain_db

    def _audio_unavailable(self, message: str) -> None:
        self.statusBar().showMessage(f"No sound: {message}")

    def _carrier_changed(self) -> None:
        carrier = self.carrier_box.currentData()
        if self.lab is not None:
            self.lab.set_settings(carrier=carrier)     # the experiment's carrier, kept in its store
        else:
            self._save_user_settings(self.settings.with_(carrier=carrier))

    def _save_user_settings(self, settings: Settings) -> None:
        """The user's settings (device; carrier and gain as defaults for a new experiment)."""
        self.settings = settings
        try:
            save_settings(settings)
        except UserFacingError as exc:
            report("saving the settings", exc)

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
        start_job(self._render, self.renderer, tuple(z), carrier, step=f"rendering {tuple(z)}",
                  on_result=lambda r: self._rendered(seq, *r),
                  on_error=lambda e: self.statusBar().showMessage(f"Rendering failed: {e}"))

    def _render(self, renderer, z, carrier):
        audio, rate = renderer.render(z, carrier)
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
        if self.lab is not None:
            self.lab.stop_engine()
        if self.session_window is not None:
            self.session_window.close()
        self.engine.shutdown()
        cancel(self._build_worker)
        if self.renderer is not None:
            self.renderer.close()
        if self.lab is not None:
            self.lab.close()
        self.audio.close()
        channel().uninstall()
        super().closeEvent(event)

