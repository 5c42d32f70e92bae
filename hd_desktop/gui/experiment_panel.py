"""The experimenter's panel: design a round (size and listening time shown first), run sessions,
resume interrupted ones, export and import rating files, run a round online (jsPsych/JATOS) and
see its participants beside the lab's listeners."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QFrame,
                               QGroupBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QMessageBox, QPushButton, QScrollArea, QSpinBox, QTableWidget,
                               QVBoxLayout, QWidget)

from hd_desktop.design import PRESETS, DesignParams, preset
from hd_desktop.design.params import ANCHOR_CHOICES
from hd_desktop.errors import UserFacingError
from hd_desktop.gui.data_decisions import DecisionsBox, ScreeningBox
from hd_desktop.gui.errors import report
from hd_desktop.gui.tables import fill_table
from hd_desktop.lab.experiment_view import (design_name, evaluation_rows, next_round_source,
                                            open_design_words, proposal_base, round_words,
                                            size_words, unfinished_lines)

INT_FIELDS = {"n_anchors": (1, 10000), "m_neighbours": (1, 100), "r_pairs": (1, 200),
              "seed": (0, 2**31 - 1)}
FLOAT_FIELDS = {"sigma_nei": (0.0, 20.0), "sigma_nes": (0.01, 10.0), "gold_rate": (0.0, 0.5),
                "gold_far_radius": (1.0, 50.0), "stimulus_seconds": (0.2, 10.0),
                "response_seconds": (0.2, 10.0)}
CHOICE_FIELDS = {"anchors": ANCHOR_CHOICES}
FROM_SETTINGS = ("min_gold",)     # set by the experiment's screening minimum, not in the form


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
        self._proposal_round = 0
        # the tab scrolls rather than squeezing its forms on a small screen
        content = QWidget()
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        own = QVBoxLayout(self)
        own.setContentsMargins(0, 0, 0, 0)
        own.addWidget(scroll)
        outer = QVBoxLayout(content)
        lay = QHBoxLayout()
        outer.addLayout(lay, 1)
        left = QVBoxLayout()
        left.addWidget(self._design_box(), 1)
        left.addWidget(self._online_box())
        lay.addLayout(left, 1)
        right = QVBoxLayout()
        right.addWidget(self._session_box())
        right.addWidget(self._evaluation_box())
        right.addWidget(self._files_box())
        right.addStretch()
        lay.addLayout(right, 1)
        bottom = QHBoxLayout()           # full width: the reasons are read here
        self.decisions = DecisionsBox()
        self.decisions.decided.connect(self.refresh)
        self.screening = ScreeningBox()
        self.screening.changed.connect(self.refresh)
        bottom.addWidget(self.decisions, 1)
        bottom.addWidget(self.screening)
        outer.addLayout(bottom)
        self.setEnabled(False)

    # -- layout ------------------------------------------------------------------------------

    def _design_box(self) -> QWidget:
        box = QGroupBox("Round design")
        lay = QVBoxLayout(box)
        self.round_state = QLabel()
        self.round_state.setWordWrap(True)
        lay.addWidget(self.round_state)
        self.open_design = QLabel()      # the open round's design as it was made (read-only)
        self.open_design.setWordWrap(True)
        self.open_design.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.open_design)
        self.proposal_title = QLabel()
        self.proposal_title.setWordWrap(True)
        lay.addWidget(self.proposal_title)
        self._base = ("lab-hour", preset("lab-hour"))   # what the form's values started from
        self.preset_box = QComboBox()
        self.preset_box.addItems(list(PRESETS))
        self.preset_box.setCurrentText("lab-hour")
        self.preset_box.currentTextChanged.connect(self._preset_chosen)
        form = QFormLayout()
        form.addRow("Preset", self.preset_box)
        for f in fields(DesignParams):
            if f.name in FROM_SETTINGS:
                continue
            if f.name in CHOICE_FIELDS:
                ed = QComboBox()
                ed.addItems(list(CHOICE_FIELDS[f.name]))
                ed.currentTextChanged.connect(self._params_edited)
            elif f.name in INT_FIELDS:
                ed = QSpinBox()
                ed.setRange(*INT_FIELDS[f.name])
                ed.valueChanged.connect(self._params_edited)
            else:
                ed = QDoubleSpinBox()
                ed.setRange(*FLOAT_FIELDS[f.name])
                ed.setDecimals(3)
                ed.setSingleStep(0.05)
                ed.valueChanged.connect(self._params_edited)
            self._editors[f.name] = ed
            form.addRow(f.name, ed)
        lay.addLayout(form)
        self.size_label = QLabel()
        self.size_label.setWordWrap(True)
        lay.addWidget(self.size_label)
        self.create_button = QPushButton("Create round 0 from the real voices")
        self.create_button.clicked.connect(self._create_round)
        lay.addWidget(self.create_button)
        lay.addStretch()
        return box

    def _session_box(self) -> QWidget:
        box = QGroupBox("Listening sessions")
        lay = QVBoxLayout(box)
        form = QFormLayout()
        self.session_size = QSpinBox()
        self.session_size.setRange(1, 100000)
        self.session_size.setValue(240)
        self.session_size.valueChanged.connect(self._update_size)
        form.addRow("Trials per session", self.session_size)
        self.session_seed = QSpinBox()
        self.session_seed.setRange(0, 2**31 - 1)
        self.session_seed.setValue(1)
        form.addRow("Order seed", self.session_seed)
        breaks = QHBoxLayout()
        self.break_trials = QSpinBox()
        self.break_trials.setRange(5, 10000)
        self.break_trials.setValue(60)
        self.break_trials.setSuffix(" trials")
        self.break_minutes = QDoubleSpinBox()
        self.break_minutes.setRange(1.0, 240.0)
        self.break_minutes.setValue(10.0)
        self.break_minutes.setSuffix(" min")
        breaks.addWidget(self.break_trials)
        breaks.addWidget(QLabel("or"))
        breaks.addWidget(self.break_minutes)
        form.addRow("Break every", breaks)
        self.listener_pages_button = QPushButton("Language, consent, headphone check…")
        self.listener_pages_button.clicked.connect(self._listener_settings)
        form.addRow("Before the trials", self.listener_pages_button)
        lay.addLayout(form)
        self.start_button = QPushButton("Start a listening session")
        self.start_button.clicked.connect(
            lambda: self.startSession.emit(self.session_size.value(), self.session_seed.value()))
        lay.addWidget(self.start_button)
        row = QHBoxLayout()
        row.addWidget(QLabel("Autopilot:"))
        self.autopilot_listener = QComboBox()
        from hd_desktop.lab.listening import AUTOPILOTS

        self.autopilot_listener.addItems(list(AUTOPILOTS))
        self.autopilot_listener.setToolTip("a simulated listener with a known acceptance "
                                           "takes the listener's seat (for demos and tests)")
        self.autopilot_speed = QDoubleSpinBox()
        self.autopilot_speed.setRange(0.0, 5.0)
        self.autopilot_speed.setValue(0.3)
        self.autopilot_speed.setSuffix(" s/answer")
        self.autopilot_button = QPushButton("Run on autopilot")
        self.autopilot_button.clicked.connect(lambda: self.startAutopilot.emit(
            self.session_size.value(), self.session_seed.value(),
            self.autopilot_listener.currentText(), self.autopilot_speed.value()))
        for w in (self.autopilot_listener, self.autopilot_speed, self.autopilot_button):
            row.addWidget(w)
        lay.addLayout(row)
        lay.addWidget(QLabel("Interrupted sessions (double-click to resume):"))
        self.unfinished = QListWidget()
        self.unfinished.setMaximumHeight(80)
        self.unfinished.itemDoubleClicked.connect(
            lambda item: self.resumeSession.emit(item.data(0x0100)))
        lay.addWidget(self.unfinished)
        return box

    def _evaluation_box(self) -> QWidget:
        box = QGroupBox("Evaluation: sampled vs real voices (the paper's Evaluation 2)")
        lay = QVBoxLayout(box)
        row = QHBoxLayout()
        self.eval_n = QSpinBox()
        self.eval_n.setRange(2, 1000)
        self.eval_n.setValue(30)
        self.eval_n.setSuffix(" voices per group")
        self.eval_seed = QSpinBox()
        self.eval_seed.setRange(0, 2**31 - 1)
        self.eval_seed.setValue(1)
        self.eval_seed.setPrefix("seed ")
        self.eval_button = QPushButton("Start an evaluation session")
        self.eval_button.clicked.connect(lambda: self.startEvaluation.emit(
            self.eval_n.value(), self.eval_seed.value(), "", 0.0))
        self.eval_auto_button = QPushButton("… on autopilot")
        self.eval_auto_button.clicked.connect(lambda: self.startEvaluation.emit(
            self.eval_n.value(), self.eval_seed.value(), self.autopilot_listener.currentText(),
            self.autopilot_speed.value()))
        for w in (self.eval_n, self.eval_seed, self.eval_button, self.eval_auto_button):
            row.addWidget(w)
        lay.addLayout(row)
        self.eval_table = QTableWidget(0, 6)
        self.eval_table.setHorizontalHeaderLabels(
            ["group", "voices", "votes", "accepted", "95% interval", "spread (SD)"])
        self.eval_table.verticalHeader().hide()
        self.eval_table.setMaximumHeight(110)
        lay.addWidget(self.eval_table)
        self.eval_note = QLabel("Real voices and samples of the latest model, blind and in a "
                                "random order, on the same trial screen.")
        self.eval_note.setWordWrap(True)
        lay.addWidget(self.eval_note)
        return box

    def show_evaluation(self, table: dict, written: str | None = None) -> None:
        """The result: acceptance of each group with its 95% interval, and each group's spread."""
        rows, note = evaluation_rows(table, written)
        fill_table(self.eval_table, rows)
        self.eval_note.setText(note)

    def _files_box(self) -> QWidget:
        box = QGroupBox("Rating files")
        lay = QVBoxLayout(box)
        self.files_state = QLabel()
        self.files_state.setWordWrap(True)
        lay.addWidget(self.files_state)
        row = QHBoxLayout()
        self.export_button = QPushButton("Export all sessions…")
        self.export_button.clicked.connect(self._export)
        self.import_button = QPushButton("Import rating files or online results…")
        self.import_button.clicked.connect(self._import)
        row.addWidget(self.export_button)
        row.addWidget(self.import_button)
        lay.addLayout(row)
        return box

    def _online_box(self) -> QWidget:
        from hd_desktop.voice.render import CARRIERS

        box = QGroupBox("Online study (jsPsych, JATOS, Prolific)")
        lay = QVBoxLayout(box)
        row = QHBoxLayout()
        self.online_trials = QSpinBox()
        self.online_trials.setRange(0, 100000)
        self.online_trials.setSpecialValueText("whole round")
        self.online_trials.setSuffix(" trials each")
        self.online_trials.setToolTip("trials per participant: the round is split into lists "
                                      "of about this size, pairs kept together")
        self.online_seed = QSpinBox()
        self.online_seed.setRange(0, 2**31 - 1)
        self.online_seed.setValue(1)
        self.online_seed.setPrefix("seed ")
        self.online_carrier = QComboBox()
        self.online_carrier.addItems(list(CARRIERS))
        self.online_button = QPushButton("Export the round for the web…")
        self.online_button.clicked.connect(self._export_online)
        for w in (self.online_trials, self.online_seed, self.online_carrier, self.online_button):
            row.addWidget(w)
        lay.addLayout(row)
        self.online_state = QLabel("A study folder for any static host, and a .jzip for JATOS. "
                                   "Bring the results back with Import rating files or online "
                                   "results.")
        self.online_state.setWordWrap(True)
        self.online_state.setMinimumHeight(3 * self.online_state.fontMetrics().lineSpacing())
        lay.addWidget(self.online_state)
        self.listeners_table = QTableWidget(0, 6)
        self.listeners_table.setHorizontalHeaderLabels(
            ["listener", "where", "sessions", "votes", "screening", "decision"])
        self.listeners_table.verticalHeader().hide()
        self.listeners_table.setMinimumHeight(90)
        self.listeners_table.setMaximumHeight(110)
        lay.addWidget(self.listeners_table)
        return box

    def _show_listeners(self, overview_rows) -> None:
        """Lab listeners and online participants side by side, screening and decision shown."""
        from hd_desktop.lab.online import sessions_per_listener

        sessions = sessions_per_listener(self.lab)
        fill_table(self.listeners_table, [
            [r.id, r.kind, str(sessions.get(r.id, 0)), str(r.votes), _short_screening(r.screening),
             r.decision] for r in overview_rows if r.target == "listener"])

    # -- state -------------------------------------------------------------------------------

    def flow_settings(self, carrier: str, **more):
        """The session settings chosen here (breaks), with the carrier in use."""
        from hd_desktop.session.states import FlowSettings

        return FlowSettings(break_every_trials=self.break_trials.value(),
                            break_every_minutes=self.break_minutes.value(), carrier=carrier, **more)

    def _listener_settings(self) -> None:
        from hd_desktop.gui.listener_settings import open_listener_settings

        open_listener_settings(self, self.lab)

    def set_lab(self, lab) -> None:
        self.lab = lab
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
        for name, ed in self._editors.items():
            ed.blockSignals(True)
            value = getattr(params, name)
            if isinstance(ed, QComboBox):
                ed.setCurrentText(value)
            else:
                ed.setValue(value if value is not None else ed.maximum())
            ed.blockSignals(False)
        self._params_edited()

    # -- the design: the open round as made, the next one as the Lab proposes it ------------

    def _show_proposal(self) -> None:
        """The form shows the Lab's proposal for the next round (its values and its name)."""
        proposal = self.lab.next_round_proposal()
        self._base = proposal_base(proposal)
        base = self._base[0]
        self.preset_box.blockSignals(True)
        if base in PRESETS:
            self.preset_box.setCurrentText(base)
        else:       # no preset names these values: the box says what they are, not a preset's name
            self.preset_box.setPlaceholderText(base)
            self.preset_box.setCurrentIndex(-1)
        self.preset_box.blockSignals(False)
        self.set_params(proposal.params)

    def _preset_chosen(self, name: str) -> None:
        self._base = (name, preset(name))
        self.set_params(preset(name))

    def design_name(self) -> str:
        """What the form's values are: a preset, or what they started from "(edited)"."""
        return design_name(self.params(), self._base)

    def _params_edited(self) -> None:
        if self.lab is not None:
            name = self.design_name()
            proposal = self.lab.propose_next_round(self.params(), name,
                                                   self.lab.next_round_proposal().note)
            self.proposal_title.setText(
                f"<b>Round {proposal.round} (next): {name}</b>" +
                (f" — {proposal.note}" if proposal.note else "") + ". Edit the values below.")
        self._update_size()

    def _update_size(self) -> None:
        if self.lab is None:
            return
        try:
            count = self.lab.preview_round(self.params())
        except UserFacingError as exc:
            self.size_label.setText(f"<b>{exc}</b>")
            return
        self.size_label.setText(size_words(count, self.session_size.value()))

    def refresh(self) -> None:
        if self.lab is None:
            return
        rounds = self.lab.rounds()
        current = rounds[-1] if rounds else None
        self.round_state.setText(round_words(current))
        self.open_design.setText(open_design_words(self.lab, current))
        source = next_round_source(self.lab)
        self.create_button.setEnabled(source.possible)
        self.create_button.setText(source.text)
        self.online_button.setEnabled(current is not None and self._online_job is None)
        self.start_button.setEnabled(current is not None)
        self.autopilot_button.setEnabled(current is not None)
        has_model = self.lab.experiment.latest_model() is not None
        self.eval_button.setEnabled(has_model)
        self.eval_auto_button.setEnabled(has_model)
        self.unfinished.clear()
        for words, session_id in unfinished_lines(self.lab):
            item = QListWidgetItem(words)
            item.setData(0x0100, session_id)
            self.unfinished.addItem(item)
        n_votes = len(self.lab.experiment.votes())
        self.files_state.setText(f"{n_votes} votes stored in {self.lab.experiment.path}. "
                                 f"Each finished session writes its rating file to "
                                 f"{self.lab.experiment.exports_dir}.")
        from hd_desktop.lab.decisions import overview

        rows = overview(self.lab)
        self._show_listeners(rows)
        self.decisions.show_rows(rows)
        if self._proposal_round != (0 if current is None else current.index + 1):
            self._proposal_round = 0 if current is None else current.index + 1
            self._show_proposal()        # a new round was made: the next one's proposal
        self._update_size()

    # -- actions -------------------------------------------------------------------------------

    def _create_round(self) -> None:
        try:
            self.lab.create_round(self.params(), name=self.design_name())
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
        self.files_state.setText(f"Study written to {folder}: votes.csv and the other tables, "
                                 f"{sum(p.name.startswith('ratings-') for p in written)} rating "
                                 "files, and datapackage.json, the codebook of every column.")
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
        self.files_state.setText(f"Importing {len(files)} file(s)… listening can go on meanwhile.")
        self._import_job = start_job(
            importer(self.lab, files), on_result=self._imported,
            on_finished=self._import_done, step="importing rating files or online results")

    def _imported(self, result) -> None:
        from PySide6.QtGui import Qt as QtText

        from hd_desktop.lab.online import import_words

        self.lab.imported(result)       # the views refresh on the Lab's news
        QMessageBox.information(self, "Import", QtText.convertFromPlainText(
            import_words(result), QtText.WhiteSpaceMode.WhiteSpaceNormal))

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
            break_every=self.break_trials.value(),
            on_progress=lambda p: self.online_state.setText(f"{p.fraction:.0%} {p.message}"),
            on_result=self._online_written, on_error=self._online_failed,
            on_finished=self._online_done)

    def _online_written(self, result) -> None:
        self.online_state.setText(
            f"Study {result.study_id}: {result.n_stimuli} voices, {result.n_lists} list(s). "
            f"Serve {result.folder}, or import {result.jzip.name} into JATOS. Prolific: add "
            "?PROLIFIC_PID={{%PROLIFIC_PID%}} to the study link.")
        self.onlineExported.emit(str(result.folder))

    def _online_failed(self, exc: Exception) -> None:
        self.online_state.setText(f"Export failed: {exc}")
        if isinstance(exc, UserFacingError):      # told in the app's one (non-modal) error box
            report("exporting the round for the web", exc)

    def _online_done(self) -> None:
        self._online_job = None
        self.refresh()


def _short_screening(words: str) -> str:
    """The screening column of the online table: "85%", "85% failed", "not judged yet (…)"."""
    if words.startswith("passed "):
        return words.split()[1]
    if words.startswith("failed "):
        return f"{words.split()[1]} failed"
    return words
