"""The main window: the voice map of the experiment's corpus, click to hear, carrier and device."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QComboBox, QFileDialog, QLabel, QMainWindow, QProgressBar,
                               QStackedWidget, QTabWidget, QToolBar)

from hd_desktop.errors import UserFacingError
from hd_desktop.gui.audio_output import AudioOutput, ResearcherAudio
from hd_desktop.gui.engine_model import EngineModel
from hd_desktop.gui.engine_panel import EnginePanel
from hd_desktop.gui.experiment_panel import ExperimentPanel
from hd_desktop.gui.map_tab import MapTab
from hd_desktop.gui.preview_panel import PreviewPanel
from hd_desktop.gui.errors import channel, report
from hd_desktop.gui.jobs import cancel, start_job
from hd_desktop.gui.widgets import STRETCH, button, fill_choices, framed, set_quietly
from hd_desktop.lab import window_view as view
from hd_desktop.lab.listener_screen import Screen, place_listener_window
from hd_desktop.lab.playback_guard import PlaybackGuard
from hd_desktop.lab.researcher_voices import CARRIER_LABELS, PlayedVoice
from hd_desktop.lab.startup import open_experiment, space_opening
from hd_desktop.settings import Settings, save_settings
from hd_desktop.voice import VoiceSpace


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
        self._build_worker = None
        channel().install(self.experiment, self)   # every error: told in words, logged there
        self.setWindowTitle(f"hd-desktop — {self.experiment.name}")
        self.resize(1200, 800)
        self.audio = AudioOutput(self)
        self.audio.unavailable.connect(self._audio_unavailable)
        # while a listener's session is open, the researcher's voices never reach its output
        self.guard = PlaybackGuard(settings.effective_researcher_output())
        self.researcher_audio = ResearcherAudio(self.audio, self.guard, self)
        self.researcher_audio.told.connect(self.statusBar().showMessage)
        self.researcher_audio.played.connect(self._researcher_played)
        self.listener_screen = settings.effective_listener_screen()
        self._state_before_session = None    # the researcher's window, minimised meanwhile
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
        self.carrier_box = self._tool_choice(bar, "Carrier")
        for key, label in CARRIER_LABELS.items():
            self.carrier_box.addItem(label, key)
        self.carrier_box.setCurrentIndex(max(0, self.carrier_box.findData(self.settings.carrier)))
        self.carrier_box.currentIndexChanged.connect(self._carrier_changed)
        bar.addSeparator()
        self.device_box = self._tool_choice(bar, "Output", "output_device", self._open_audio)
        self.device_box.setMinimumWidth(260)
        bar.addSeparator()
        self.researcher_box = self._tool_choice(
            bar, "Researcher output", "researcher_output", self.guard.set_researcher_output,
            view.RESEARCHER_OUTPUT_TIP)
        self.screen_box = self._tool_choice(
            bar, "Listener screen", "listener_screen",
            lambda choice: setattr(self, "listener_screen", choice), view.LISTENER_SCREEN_TIP)
        self._fill_screen_box()

    def _tool_choice(self, bar, label: str, setting: str | None = None, then=None,
                     tip: str = "") -> QComboBox:
        """A labelled choice on the toolbar: the user's `setting`, saved when they pick one
        (a line that chooses nothing, such as "No output device found", is not), then
        `then(choice)`."""
        bar.addWidget(QLabel(f" {label}: "))
        box = QComboBox()
        box.setToolTip(tip)
        if setting is not None:
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            box.activated.connect(lambda i: self._user_chose(setting, box.itemData(i), then))
        bar.addWidget(box)
        return box

    def _user_chose(self, setting: str, choice, then) -> None:
        chosen = view.user_choice(self.settings, setting, choice)
        if chosen is not None:
            self._save_user_settings(chosen)
            then(choice)

    def _build_pages(self) -> None:
        self.progress_label = QLabel("Opening the voice space…")
        self.progress_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.cancel_button = button("Cancel", lambda: cancel(self._build_worker))
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
        self.preview = PreviewPanel(self.researcher_audio, lambda: self.carrier_box.currentData())
        self.tabs = QTabWidget()
        for tab, name in ((self.map_tab, "Voice map"), (self.experiment_panel, "Experiment"),
                          (self.engine_panel, "Engine"), (self.preview, "New voices")):
            self.tabs.addTab(tab, name)
        self.pages = QStackedWidget()      # the space opening, then the tabs
        self.pages.addWidget(framed(STRETCH, self.progress_label, self.progress,
                                    self.cancel_button, STRETCH))
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
        self.map_tab.show_model(result, *view.model_figures(self.lab, result))
        self.preview.set_result(result)
        self.statusBar().showMessage(view.model_ready_words(result), 8000)

    # -- start-up ----------------------------------------------------------------------------

    def _start(self) -> None:
        """The output, then the voice space on a worker (lab.startup); the Lab once it is open."""
        self._open_audio(self.settings.effective_device())
        opening, self._space_note = space_opening(self.experiment, self.corpus, self.dims)
        self._build_worker = start_job(
            opening, step="opening the voice space", owner=self,
            on_progress=self._build_progress, on_result=self._space_ready,
            on_error=self._build_failed, on_aborted=lambda: self.progress_label.setText(
                "Building the voice space was cancelled."))

    def _build_progress(self, p) -> None:
        self.progress.setValue(int(p.fraction * 100))
        self.progress_label.setText(p.message)

    def _space_ready(self, space: VoiceSpace) -> None:
        from hd_desktop.voice.render_pool import RenderPool

        self.space = space
        self.renderer = RenderPool(space)
        self.map_tab.set_space(space, self.corpus, self.experiment)
        self.pages.setCurrentIndex(1)
        self.statusBar().showMessage(*view.space_words(space, self._space_note))
        self._open_lab(space)
        self.spaceReady.emit(space)

    def _open_lab(self, space: VoiceSpace) -> None:
        """The experiment as the Lab opened it (lab.startup), or why it cannot be used."""
        opened = open_experiment(self.experiment, space, self.settings)
        if opened.refused is not None:
            self.experiment_panel.setEnabled(False)
            self.experiment_panel.setToolTip(str(opened.refused))
            self.statusBar().showMessage(opened.refused_words(self.experiment))
            # the whole sentence, in a box
            report(f"opening the experiment {self.experiment}", opened.refused)
            return
        self.lab = opened.lab
        self.lab.events.subscribe(self._lab_event)
        set_quietly(self.carrier_box, CARRIER_LABELS.get(self.lab.settings.carrier, ""))
        if self.audio.player is not None:
            self.audio.player.gain_db = self.lab.settings.gain_db
        self.engine.set_lab(self.lab)
        self.preview.set_space(space, self.renderer)
        self.experiment_panel.set_lab(self.lab)
        self.engine_panel.set_lab(self.lab)     # draws stored models, if any
        if opened.evaluation is not None:       # after a restart, the last evaluation's result
            self.experiment_panel.show_evaluation(*opened.evaluation)
        if opened.evaluation_problem is not None:
            report("showing the stored evaluation", opened.evaluation_problem)

    def _lab_event(self, event) -> None:
        """The experiment changed: the panels show it (the Lab decided what happens)."""
        if view.refreshes_tabs(event):
            self.experiment_panel.refresh()
            self.engine_panel.refresh()
        if event.kind == "evaluation_report":
            self.experiment_panel.show_evaluation(event.table, event.written)
            self.evaluationReady.emit(event.table)
        follows = view.user_defaults_after(event, self.settings)
        if follows:
            self._save_user_settings(self.settings.with_(**follows))

    # -- sessions ------------------------------------------------------------------------------

    def start_session(self, size: int, seed: int, autopilot: str = "", seconds: float = 0.3):
        """A listener's session of the current round; with `autopilot` (a built-in simulated
        listener's name) that listener answers visibly and its votes are stored as simulated."""
        from hd_desktop.lab.listening import seat_session

        return self._seat(seat_session, size, seed, autopilot, seconds)

    def start_autopilot(self, size: int, seed: int, name: str, seconds: float):
        """A session whose listener is a built-in simulated listener, answering visibly."""
        return self.start_session(size, seed, name, seconds)

    def start_evaluation(self, n_each: int, seed: int, autopilot: str = "", seconds: float = 0.3):
        """Evaluation 2 (lab.listening.seat_evaluation); the Lab writes its report at its end."""
        from hd_desktop.lab.listening import seat_evaluation

        return self._seat(seat_evaluation, n_each, seed, autopilot, seconds)

    def _seat(self, seat_for, size: int, seed: int, autopilot: str, seconds: float):
        """The session the Lab makes, in the listener's window; the autopilot named takes
        the seat (lab.listening)."""
        settings = self.experiment_panel.flow_settings(self.lab.settings.carrier)
        try:
            seat = seat_for(self.lab, size, seed, settings, autopilot)
        except UserFacingError as exc:
            self.statusBar().showMessage(str(exc))
            return None
        window = self._open_session(seat.flow, seat.listener_mode)
        if seat.listener is not None:
            window.start_autopilot(seat.listener, seconds, seat.name)
        return window

    def resume_session(self, session_id: str) -> None:
        self._open_session(self.lab.resume_session(session_id))

    def _open_session(self, flow, listener_mode: bool = True):
        from hd_desktop.gui.session_window import SessionWindow

        if self.session_window is not None:
            self.session_window.close()
        self.session_window = SessionWindow(flow, self.space, self.audio, renderer=self.renderer)
        self.session_window.closed.connect(self.experiment_panel.refresh)
        self.session_window.closed.connect(self._session_closed)
        self.guard.session_opened(self.audio.device_label)
        self._show_listener_window(self.session_window, listener_mode)
        self.session_window.activateWindow()
        return self.session_window

    def _show_listener_window(self, window, listener_mode: bool) -> None:
        """Listener mode: the listener's window fills its screen; on a shared screen this
        window is minimised until the session ends (hd_desktop.lab.listener_screen)."""
        screens = QGuiApplication.screens()
        here = screens.index(self.screen()) if self.screen() in screens else None
        place = place_listener_window([Screen(s.name(), s.geometry().getRect()) for s in screens],
                                      here, self.listener_screen, listener_mode)
        if place.note:
            self.statusBar().showMessage(place.note, 20000)
        if place.geometry is None:
            return window.show()
        window.setScreen(screens[place.screen])
        window.setGeometry(*place.geometry)    # full screen without a window manager too
        window.showFullScreen()
        if place.hide_researcher:
            self._state_before_session = self.windowState()
            self.showMinimized()

    def _session_closed(self) -> None:
        self.guard.session_closed()
        if self._state_before_session is not None:
            state, self._state_before_session = self._state_before_session, None
            self.setWindowState(state & ~Qt.WindowState.WindowMinimized)
            self.show()
            self.activateWindow()

    def _build_failed(self, exc: Exception) -> None:
        self.progress_label.setText(f"The voice space could not be built: {exc}")
        self.cancel_button.hide()

    # -- audio -------------------------------------------------------------------------------

    def _open_audio(self, device) -> None:
        """The output on `device`, at the experiment's gain (the user's before one is open)."""
        ok = self.audio.open(device, view.output_gain(self.lab, self.settings))
        shown = view.output_view(ok, self.audio.device_label, self.audio.problem)
        fill_choices(self.device_box, shown.devices, self.audio.device_label)
        fill_choices(self.researcher_box, shown.researcher, self.guard.researcher_output)
        self.output_state.setText(shown.words)
        self.output_state.setStyleSheet("color: #b00020; font-weight: bold" if shown.alarm else "")
        self.output_state.setToolTip(shown.tip)
        if shown.told:
            self.statusBar().showMessage(shown.told, 5000)

    def _fill_screen_box(self) -> None:
        fill_choices(self.screen_box, view.screen_choices(
            [screen.name() for screen in QGuiApplication.screens()]), self.listener_screen)

    def _audio_unavailable(self, message: str) -> None:
        self.statusBar().showMessage(f"No sound: {message}")

    def _carrier_changed(self) -> None:
        user = view.carrier_chosen(self.lab, self.settings, self.carrier_box.currentData())
        if user is not None:
            self._save_user_settings(user)

    def _save_user_settings(self, settings: Settings) -> None:
        """The user's settings (device; carrier and gain as defaults for a new experiment)."""
        self.settings = settings
        try:
            save_settings(settings)
        except UserFacingError as exc:
            report("saving the settings", exc)

    # -- click to hear -------------------------------------------------------------------------

    def play_point(self, x: float, y: float) -> None:
        """The voice at (x, y), rendered off the GUI thread and played on the output the
        PlaybackGuard allows (during a session, never the listener's): the researcher's one
        path (ResearcherAudio.play, lab.researcher_voices), as the New voices tab's."""
        if self.space is None:
            return
        self.map.mark_point(x, y)
        request = self.researcher_audio.requests.point(self.space.dims, x, y,
                                                       self.carrier_box.currentData())
        self.researcher_audio.play(request, self.renderer)

    def _researcher_played(self, request, voice, playback) -> None:
        if request.source == "map":
            self.played.emit(PlayedVoice(voice.z, request.carrier, playback))

    def closeEvent(self, event) -> None:
        if self.lab is not None:
            self.lab.stop_engine()
        self._state_before_session = None     # closing: nothing to bring back
        if self.session_window is not None:
            self.session_window.close()
        self.engine.shutdown()
        cancel(self._build_worker)
        if self.renderer is not None:
            self.renderer.close()
        if self.lab is not None:
            self.lab.close()
        self.researcher_audio.close()
        self.audio.close()
        channel().uninstall()
        super().closeEvent(event)

