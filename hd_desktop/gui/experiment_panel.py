"""The experimenter's panel: design a round (size and listening time shown first), run sessions,
resume interrupted ones, export and import rating files, run a round online (jsPsych/JATOS) and
see its participants beside the lab's listeners."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QFrame, QLineEdit,
                               QListWidget, QListWidgetItem, QMessageBox, QScrollArea,
                               QVBoxLayout, QWidget)

from hd_desktop.design import PRESETS, DesignParams
from hd_desktop.errors import UserFacingError
from hd_desktop.gui.data_decisions import DecisionsBox, ScreeningBox
from hd_desktop.gui.errors import report
from hd_desktop.gui.widgets import (button, choices, column, fill_table, framed, group, row,
                                   set_quietly, spin, table, wrapped)
from hd_desktop.lab import experiment_view as view
from hd_desktop.lab.experiment_view import evaluation_rows


IMPORTING = "importing rating files or online results"


class ExperimentPanel(QWidget):
    startSession = Signal(int, int)     # size, seed
    startAutopilot = Signal(int, int, str, float)   # size, seed, built-in listener, s per answer
    startEvaluation = Signal(int, int, str, float)  # voices per group, seed, autopilot ("" = human), s
    resumeSession = Signal(str)         # session id
    onlineExported = Signal(str)        # the study folder written

    def __init__(self, parent=None):
        super().__init__(parent)
        self.lab = None
        self._online_job = self._import_job = None   # workers of the web export and the import
        self._editors: dict[str, QWidget] = {}
        self.form = None        # the Lab's view of the design form (lab.experiment_view)
        self.decisions = DecisionsBox()       # the Lab's news of a decision refreshes the tabs
        self.screening = ScreeningBox()       # ... and of new settings
        content = framed(
            (row((column((self._design_box(), 1), self._online_box()), 1),
                 (column(self._session_box(), self._evaluation_box(), self._files_box(),
                         stretch=True), 1)), 1),
            row((self.decisions, 1), self.screening))     # full width: the reasons are read here
        # the tab scrolls rather than squeezing its forms on a small screen
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        own = QVBoxLayout(self)
        own.setContentsMargins(0, 0, 0, 0)
        own.addWidget(scroll)
        self.setEnabled(False)

    # -- layout ------------------------------------------------------------------------------

    def _design_box(self) -> QWidget:
        self.round_state = wrapped()
        self.open_design = wrapped(selectable=True)   # the open round's design as it was made
        self.proposal_title = wrapped()
        self.preset_box = choices(PRESETS)
        self.preset_box.setCurrentText("lab-hour")
        self.preset_box.currentTextChanged.connect(self._preset_chosen)
        form = QFormLayout()
        form.addRow("Preset", self.preset_box)
        for name, kind, values in view.design_form():
            if kind == "choice":
                ed = choices(values, on_change=self._params_edited)
            else:
                ed = spin(*values)
                if kind == "decimal":
                    ed.setDecimals(3)
                    ed.setSingleStep(0.05)
                ed.valueChanged.connect(self._params_edited)
            self._editors[name] = ed
            form.addRow(name, ed)
        self.size_label = wrapped()
        self.create_button = button("Create round 0 from the real voices", self._create_round)
        return group("Round design", self.round_state, self.open_design, self.proposal_title,
                     form, self.size_label, self.create_button, stretch=True)

    def _session_box(self) -> QWidget:
        from hd_desktop.lab.listening import AUTOPILOTS

        form = QFormLayout()
        self.session_size = spin(1, 100000, 240)
        self.session_size.valueChanged.connect(self._update_size)
        form.addRow("Trials per session", self.session_size)
        self.session_seed = spin(0, 2**31 - 1, 1)
        form.addRow("Order seed", self.session_seed)
        self.break_trials = spin(5, 10000, 60, suffix=" trials")
        self.break_minutes = spin(1.0, 240.0, 10.0, suffix=" min")
        form.addRow("Break every", row(self.break_trials, "or", self.break_minutes))
        self.listener_pages_button = button("Language, consent, headphone check…",
                                            self._listener_settings)
        form.addRow("Before the trials", self.listener_pages_button)
        self.start_button = button("Start a listening session", lambda: self.startSession.emit(
            self.session_size.value(), self.session_seed.value()))
        self.autopilot_listener = choices(AUTOPILOTS, tip=view.AUTOPILOT_TIP)
        self.autopilot_speed = spin(0.0, 5.0, 0.3, suffix=" s/answer")
        self.autopilot_button = button("Run on autopilot", lambda: self.startAutopilot.emit(
            self.session_size.value(), self.session_seed.value(),
            self.autopilot_listener.currentText(), self.autopilot_speed.value()))
        self.unfinished = QListWidget()
        self.unfinished.setMaximumHeight(80)
        self.unfinished.itemDoubleClicked.connect(
            lambda item: self.resumeSession.emit(item.data(0x0100)))
        return group("Listening sessions", form, self.start_button,
                     row("Autopilot:", self.autopilot_listener, self.autopilot_speed,
                         self.autopilot_button),
                     "Interrupted sessions (double-click to resume):", self.unfinished)

    def _evaluation_box(self) -> QWidget:
        self.eval_n = spin(2, 1000, 30, suffix=" voices per group")
        self.eval_seed = spin(0, 2**31 - 1, 1, prefix="seed ")
        self.eval_button = button("Start an evaluation session", lambda: self.startEvaluation.emit(
            self.eval_n.value(), self.eval_seed.value(), "", 0.0))
        self.eval_auto_button = button("… on autopilot", lambda: self.startEvaluation.emit(
            self.eval_n.value(), self.eval_seed.value(), self.autopilot_listener.currentText(),
            self.autopilot_speed.value()))
        self.eval_table = table(view.EVALUATION_HEADERS, max_height=110)
        self.eval_note = wrapped(view.EVALUATION_NOTE)
        return group("Evaluation: sampled vs real voices (the paper's Evaluation 2)",
                     row(self.eval_n, self.eval_seed, self.eval_button, self.eval_auto_button),
                     self.eval_table, self.eval_note)

    def show_evaluation(self, table: dict, written: str | None = None) -> None:
        """The result: acceptance of each group with its 95% interval, and each group's spread."""
        rows, note = evaluation_rows(table, written)
        fill_table(self.eval_table, rows)
        self.eval_note.setText(note)

    def _files_box(self) -> QWidget:
        self.files_state = wrapped()
        self.export_button = button("Export all sessions…", self._export)
        self.import_button = button("Import rating files or online results…", self._import)
        return group("Rating files", self.files_state, row(self.export_button, self.import_button))

    def _online_box(self) -> QWidget:
        from hd_desktop.voice.render import CARRIERS

        self.online_trials = spin(0, 100000, suffix=" trials each", special="whole round")
        self.online_trials.setToolTip(view.ONLINE_TRIALS_TIP)
        self.online_seed = spin(0, 2**31 - 1, 1, prefix="seed ")
        self.online_carrier = choices(CARRIERS)
        self.online_button = button("Export the round for the web…", self._export_online)
        # where JATOS sends a participant at the end, and one who refuses consent or fails the
        # headphone check (Prolific's completion and screen-out links, with their codes)
        self.online_end_url, self.online_screen_out_url = QLineEdit(), QLineEdit()
        for edit, (hint, tip) in ((self.online_end_url, view.ONLINE_END_URL_HINT),
                                  (self.online_screen_out_url, view.ONLINE_SCREEN_OUT_URL_HINT)):
            edit.setPlaceholderText(hint)
            edit.setToolTip(tip)
        self.online_state = wrapped(view.ONLINE_NOTE)
        self.online_state.setMinimumHeight(3 * self.online_state.fontMetrics().lineSpacing())
        # lab listeners and online participants side by side, screening and decision shown
        self.listeners_table = table(view.LISTENERS_HEADERS, min_height=90, max_height=110)
        return group("Online study (jsPsych, JATOS, Prolific)",
                     row(self.online_trials, self.online_seed, self.online_carrier,
                         self.online_button),
                     row(self.online_end_url, self.online_screen_out_url),
                     self.online_state, self.listeners_table)

    # -- state -------------------------------------------------------------------------------

    def flow_settings(self, carrier: str):
        """The session settings chosen here (breaks), with the carrier in use."""
        return view.session_settings(self.break_trials.value(), self.break_minutes.value(), carrier)

    def _listener_settings(self) -> None:
        from hd_desktop.gui.listener_settings import open_listener_settings

        open_listener_settings(self, self.lab)

    def set_lab(self, lab) -> None:
        self.lab = lab
        self.form = view.DesignForm(lab)
        self.setEnabled(True)
        self.decisions.lab = lab
        self.screening.set_lab(lab)
        self._show_proposal()
        self.refresh()

    def params(self) -> DesignParams:
        values = {name: ed.currentText() if isinstance(ed, QComboBox) else ed.value()
                  for name, ed in self._editors.items()}
        return DesignParams(**values)

    def set_params(self, params: DesignParams) -> None:
        for name, value in view.form_values(params).items():
            set_quietly(self._editors[name], value)
        self._params_edited()

    # -- the design: the open round as made, the next one as the Lab proposes it ------------

    def _show_proposal(self) -> None:
        """The form shows the Lab's proposal for the next round (its values and its name)."""
        chosen, words, params = self.form.propose()
        if chosen is not None:
            set_quietly(self.preset_box, chosen)
        else:       # no preset names these values: the box says what they are, not a preset's name
            self.preset_box.setPlaceholderText(words)
            set_quietly(self.preset_box, "")
        self.set_params(params)

    def _preset_chosen(self, name: str) -> None:
        if self.lab is not None:
            self.set_params(self.form.choose_preset(name))

    def design_name(self) -> str:
        """What the form's values are: a preset, or what they started from "(edited)"."""
        return self.form.name(self.params())

    def _params_edited(self) -> None:
        if self.lab is not None:
            self.proposal_title.setText(self.form.edited(self.params()))
        self._update_size()

    def _update_size(self) -> None:
        if self.lab is not None:
            self.size_label.setText(self.form.size(self.params(), self.session_size.value()))

    def refresh(self) -> None:
        if self.lab is None:
            return
        state = view.experiment_state(self.lab)
        self.round_state.setText(state.round_words)
        self.open_design.setText(state.open_design)
        self.create_button.setText(state.next_source.text)
        for name, enabled in state.enabled(online_busy=self._online_job is not None).items():
            getattr(self, name).setEnabled(enabled)
        self.unfinished.clear()
        for words, session_id in state.unfinished:
            item = QListWidgetItem(words)
            item.setData(0x0100, session_id)
            self.unfinished.addItem(item)
        self.files_state.setText(state.files_words)
        fill_table(self.listeners_table, state.listeners)
        self.decisions.show_rows(state.overview)
        if self.form.stale:
            self._show_proposal()        # a new round was made: the next one's proposal
        self._update_size()

    # -- actions -------------------------------------------------------------------------------

    def _create_round(self) -> None:
        try:
            self.form.create(self.params())
        except UserFacingError as exc:
            QMessageBox.warning(self, "Round design", str(exc))
        self.refresh()

    def _export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export rating files to")
        if folder:
            self.export(Path(folder))

    def export(self, folder: Path) -> list[Path]:
        """Every session's rating file into `folder`; a failure is told and logged."""
        try:
            written = self.lab.export_study(folder)
        except (OSError, UserFacingError) as exc:
            report(f"exporting rating files to {folder}", exc)
            return []
        self.files_state.setText(view.study_words(folder, written))
        return written

    def _import(self) -> None:
        """Merge the chosen files on a worker thread: a 100k-row file takes tens of seconds, and
        the window (and a listener voting in it) must not wait for it."""
        from hd_desktop.gui.jobs import start_job
        from hd_desktop.lab.online import importer

        files, _ = QFileDialog.getOpenFileNames(
            self, "Import rating files or online results", "",
            "Rating files and online results (*.csv *.json *.zip *.jrzip *.txt)")
        if not files:
            return
        self.import_button.setEnabled(False)
        self.files_state.setText(view.importing_words(files))
        self._import_job = start_job(
            importer(self.lab, files), owner=self, on_result=self._imported,
            on_error=lambda exc: self._import_refused(files, exc),
            on_finished=self._import_done, step=IMPORTING)

    def _imported(self, result) -> None:
        from PySide6.QtGui import Qt as QtText

        from hd_desktop.lab.online import import_words

        self.lab.imported(result)       # the views refresh on the Lab's news
        QMessageBox.information(self, "Import", QtText.convertFromPlainText(
            import_words(result), QtText.WhiteSpaceMode.WhiteSpaceNormal))

    def _import_refused(self, files, exc: Exception) -> None:
        """Nothing came in: told (and logged) in words; the Lab's news is a refusal."""
        report(IMPORTING, exc)
        if isinstance(exc, UserFacingError):
            self.lab.import_refused(files, exc)

    def _import_done(self) -> None:
        self._import_job = None
        self.import_button.setEnabled(True)
        self.refresh()

    def _export_online(self) -> None:
        """Render and write the current round as an online study, on a worker thread."""
        from hd_desktop.gui.jobs import start_job
        from hd_desktop.lab.online import online_export_steps

        parent = QFileDialog.getExistingDirectory(self, "Write the online study into")
        if not parent:
            return
        self.online_button.setEnabled(False)
        self._online_job = start_job(
            online_export_steps, self.lab, Path(parent), carrier=self.online_carrier.currentText(),
            trials=self.online_trials.value(), seed=self.online_seed.value(),
            break_every=self.break_trials.value(), end_url=self.online_end_url.text().strip(),
            screen_out_url=self.online_screen_out_url.text().strip(),
            on_progress=lambda p: self.online_state.setText(view.online_progress_words(p)),
            on_result=self._online_written, on_error=self._online_failed, owner=self,
            on_finished=self._online_done)

    def _online_written(self, result) -> None:
        self.online_state.setText(view.online_written_words(result))
        self.onlineExported.emit(str(result.folder))

    def _online_failed(self, exc: Exception) -> None:
        self.online_state.setText(f"Export failed: {exc}")
        if isinstance(exc, UserFacingError):      # told in the app's one (non-modal) error box
            report("exporting the round for the web", exc)

    def _online_done(self) -> None:
        self._online_job = None
        self.refresh()

