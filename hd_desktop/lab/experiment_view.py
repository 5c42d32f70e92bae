"""What the Experiment tab shows, in words (no Qt): the open round and the next one, the size
of a design, the sessions to resume, an evaluation's table. The tab only lays these out."""

from __future__ import annotations

from dataclasses import dataclass

from hd_desktop.design import PRESETS, DesignParams, count_stimuli
from hd_desktop.lab.engine_view import minutes


def proposal_base(proposal) -> tuple[str, DesignParams]:
    """What the next round's form starts from (Lab.next_round_proposal): a name and its values."""
    base = proposal.name.removesuffix(" (edited)")
    return base, (proposal.params if base == proposal.name else
                  PRESETS.get(base, proposal.params))


def design_name(params: DesignParams, base: tuple[str, DesignParams]) -> str:
    """What a design's values are: a preset's name, or the `base` they started from, with
    "(edited)" once they differ from it."""
    from hd_desktop.lab.workbench import preset_name

    named = preset_name(params)
    if named is not None:
        return named
    return base[0] if params == base[1] else f"{base[0]} (edited)"


def round_words(current) -> str:
    """The open round's state (a RoundStatus, or None before round 0)."""
    if current is None:
        return ("No round yet. Choose a preset (or edit the values), check the size, then create "
                "round 0: anchors are the real voices.")
    return (f"Round {current.index}: {current.n_stimuli} stimuli, {current.covered} with votes, "
            f"{current.votes} votes in all" + (" — covered." if current.complete else "."))


def open_design_words(lab, current) -> str:
    """The open round's design as it was made (read-only), or "" before round 0."""
    if current is None:
        return ""
    params = DesignParams.from_dict(current.design["params"])
    count = count_stimuli(params, current.design.get("n_anchors_available",
                                                     len(lab.space.coords)))
    return (f"<b>Round {current.index} (open), as made: {current.design.get('preset', 'as stored')}"
            f"</b> — {count['anchors']} anchors × {params.m_neighbours} neighbours × "
            f"{params.r_pairs} pairs, σ_nei {params.sigma_nei:g}, σ_NES {params.sigma_nes:g}, "
            f"anchors {params.anchors}, seed {params.seed}; {count['trials']} stimuli "
            f"({count['gold']} screening), about {minutes(count['seconds'])} for one listener.")


def size_words(count: dict, session_size: int) -> str:
    """A design's size (Lab.preview_round) and what it asks of listeners in sessions."""
    per_trial = count["seconds"] / max(count["trials"], 1)
    sessions = -(-count["trials"] // max(session_size, 1))
    return (f"<b>{count['trials']} stimuli</b> ({count['nes']} NES from {count['anchors']} "
            f"anchors, {count['gold']} screening) — about <b>{minutes(count['seconds'])}</b> of "
            f"listening for one listener; {sessions} session(s) of {session_size} trials "
            f"(~{minutes(session_size * per_trial)} each).")


@dataclass(frozen=True)
class NextRoundSource:
    """Whether the next round can be created now, and the button's words."""

    possible: bool
    text: str


def next_round_source(lab) -> NextRoundSource:
    """Round 0 from the real voices; a later round once the open one has a stored model (its
    samples are the anchors, docs/design.md 1.7)."""
    current = lab.current_round()
    if current is None:
        return NextRoundSource(True, "Create round 0 from the real voices")
    if lab.model(current.index) is None:
        return NextRoundSource(False, f"Round {current.index + 1}: update the model first (its "
                                      "samples are the anchors)")
    return NextRoundSource(True, f"Create round {current.index + 1} from the samples")


def unfinished_lines(lab) -> list[tuple[str, str]]:
    """(words, session id) of each session to resume at the workstation."""
    return [(f"{s.listener} — {lab.experiment.next_trial(s.id)}/{len(s.order)} voted — started "
             f"{s.started_at[:16].replace('T', ' ')}", s.id) for s in lab.unfinished_sessions()]


def evaluation_rows(table: dict, written: str | None = None) -> tuple[list[list[str]], str]:
    """An evaluation's table (lab/evaluations.py) as rows of cells — group, voices, votes,
    accepted, 95% interval, spread — the difference last, and the note under it."""
    groups = table["groups"]
    rows = []
    for name, g in groups.items():
        ci = g["ci95_bootstrap"] or g["ci95_wilson"]
        rows.append([name, str(g["stimuli"]), str(g["votes"]),
                     "—" if g["acceptance"] is None else f"{g['acceptance']:.0%}",
                     "—" if ci is None else f"{ci[0]:.0%} – {ci[1]:.0%}",
                     f"{g['spread']['mean_distance_to_centroid']:.2f}"])
    d = table["difference"]
    ci = d["ci95_bootstrap"] or d["ci95_newcombe"]
    rows.append(["sampled − real", "", "", "—" if d["estimate"] is None else
                 f"{d['estimate']:+.0%}", "—" if ci is None else f"{ci[0]:+.0%} – {ci[1]:+.0%}",
                 ""])
    method = table["intervals"]["ci95_bootstrap" if groups["real"]["ci95_bootstrap"]
                                else "ci95_wilson"]
    who = "SIMULATED listener (autopilot), not people" if table.get("simulated") \
        else "listener(s)"
    note = (f"Evaluation {table.get('evaluation', '')}: {table['listeners']} {who}. Intervals: "
            f"{method}. Spread: mean distance to the group's centroid."
            + (f" Written to {written}." if written else ""))
    return rows, note


# The design form: each field of DesignParams the researcher edits, with its range or choices
# (min_gold is not among them: the experiment's screening minimum sets it).
WHOLE_NUMBERS = {"n_anchors": (1, 10000), "m_neighbours": (1, 100), "r_pairs": (1, 200),
                 "seed": (0, 2**31 - 1)}
DECIMALS = {"sigma_nei": (0.0, 20.0), "sigma_nes": (0.01, 10.0), "gold_rate": (0.0, 0.5),
            "gold_far_radius": (1.0, 50.0), "stimulus_seconds": (0.2, 10.0),
            "response_seconds": (0.2, 10.0)}
FROM_SETTINGS = ("min_gold",)


def design_form() -> list[tuple[str, str, tuple]]:
    """(field, "choice" | "whole" | "decimal", its choices or range) in DesignParams' order."""
    from dataclasses import fields

    from hd_desktop.design.params import ANCHOR_CHOICES

    form = []
    for f in fields(DesignParams):
        if f.name in FROM_SETTINGS:
            continue
        if f.name == "anchors":
            form.append((f.name, "choice", tuple(ANCHOR_CHOICES)))
        elif f.name in WHOLE_NUMBERS:
            form.append((f.name, "whole", WHOLE_NUMBERS[f.name]))
        else:
            form.append((f.name, "decimal", DECIMALS[f.name]))
    return form


def form_values(params: DesignParams) -> dict:
    """The value the form shows in each of its fields: a field left open (n_anchors None: all
    the anchors there are) shows as the top of its box's range, which means the same."""
    ranges = {**WHOLE_NUMBERS, **DECIMALS}
    values = {name: getattr(params, name) for name, _, _ in design_form()}
    return {name: ranges[name][1] if value is None else value for name, value in values.items()}


def proposal_title(proposal, name: str) -> str:
    """The heading over the form: the next round, what its values are, and why."""
    return (f"<b>Round {proposal.round} (next): {name}</b>"
            + (f" — {proposal.note}" if proposal.note else "") + ". Edit the values below.")


def short_screening(words: str) -> str:
    """The screening column of the online table: "85%", "85% failed", "not judged yet (…)"."""
    if words.startswith("passed "):
        return words.split()[1]
    if words.startswith("failed "):
        return f"{words.split()[1]} failed"
    return words


@dataclass(frozen=True)
class ExperimentState:
    """Everything the Experiment tab shows of the experiment now, and what it allows."""

    round: int | None            # the open round, None before round 0
    round_words: str
    open_design: str
    next_source: NextRoundSource
    can_evaluate: bool           # a model is stored (Lab.model: the one source)
    unfinished: list             # (words, session id) of the sessions to resume
    files_words: str
    overview: list               # lab.decisions.OverviewRow, listeners with their sessions
    listeners: list              # the online table's rows: lab listeners and participants

    @property
    def can_listen(self) -> bool:
        """Sessions, the autopilot and the online export need an open round."""
        return self.round is not None

    @property
    def next_index(self) -> int:
        return 0 if self.round is None else self.round + 1

    def enabled(self, online_busy: bool) -> dict[str, bool]:
        """Which of the tab's buttons may be pressed now, by their names in the tab: a new
        round when there is something to make it from, sessions and the online export with an
        open round (not a second export while one is written), evaluations with a model."""
        return {"create_button": self.next_source.possible,
                "start_button": self.can_listen, "autopilot_button": self.can_listen,
                "online_button": self.can_listen and not online_busy,
                "eval_button": self.can_evaluate, "eval_auto_button": self.can_evaluate}


def experiment_state(lab) -> ExperimentState:
    from hd_desktop.lab.decisions import overview
    from hd_desktop.lab.online import sessions_per_listener

    current = lab.current_round()
    rows = overview(lab)
    sessions = sessions_per_listener(lab)
    exp = lab.experiment
    return ExperimentState(
        None if current is None else current.index, round_words(current),
        open_design_words(lab, current), next_round_source(lab), lab.model() is not None,
        unfinished_lines(lab),
        f"{len(exp.votes())} votes stored in {exp.path}. Each finished session writes its "
        f"rating file to {exp.exports_dir}.", rows,
        [[r.id, r.kind, str(sessions.get(r.id, 0)), str(r.votes), short_screening(r.screening),
          r.decision] for r in rows if r.target == "listener"])


def study_words(folder, written) -> str:
    """What Export all sessions wrote."""
    return (f"Study written to {folder}: votes.csv and the other tables, "
            f"{sum(p.name.startswith('ratings-') for p in written)} rating files, and "
            "datapackage.json, the codebook of every column.")


def online_written_words(result) -> str:
    """An online study written (hd_desktop.web.export's StudyExport): where, and what next."""
    return (f"Study {result.study_id}: {result.n_stimuli} voices, {result.n_lists} list(s). "
            f"Serve {result.folder}, or import {result.jzip.name} into JATOS. Prolific: add "
            "?PROLIFIC_PID={{%PROLIFIC_PID%}} to the study link.")


ONLINE_NOTE = ("A study folder for any static host, and a .jzip for JATOS. Bring the results back "
               "with Import rating files or online results.")
# (placeholder, tooltip) of the online study's two links
ONLINE_END_URL_HINT = ("completion link (optional)",
                       "Under JATOS, where a participant goes at the end of the study "
                       "(Prolific's completion URL with its code)")
ONLINE_SCREEN_OUT_URL_HINT = ("screen-out link (optional)",
                              "Where a participant who refuses consent or fails the headphone "
                              "check goes: under JATOS at once, standalone as a link after the "
                              "download (Prolific's screen-out URL with its code)")
ONLINE_TRIALS_TIP = ("trials per participant: the round is split into lists of about this size, "
                     "pairs kept together")
AUTOPILOT_TIP = ("a simulated listener with a known acceptance takes the listener's seat (for "
                 "demos and tests)")
# the tables' columns, beside the functions that make their rows
EVALUATION_HEADERS = ("group", "voices", "votes", "accepted", "95% interval", "spread (SD)")
LISTENERS_HEADERS = ("listener", "where", "sessions", "votes", "screening", "decision")
EVALUATION_NOTE = ("Real voices and samples of the latest model, blind and in a random order, on "
                   "the same trial screen.")


class DesignForm:
    """The next round's design as the Experiment tab's form edits it: what its values started
    from (a preset, or the Lab's proposal), what they are called, the heading and the size
    above and below it. A new proposal is due once a round was made (`stale`)."""

    def __init__(self, lab):
        from hd_desktop.design import preset

        self.lab = lab
        self.base = ("lab-hour", preset("lab-hour"))    # what the values started from
        self.round: int | None = None                   # the round the proposal shown is for

    def propose(self) -> tuple[str | None, str, DesignParams]:
        """The Lab's proposal: (the preset to choose, or None when no preset names the values,
        the words the box shows then, the values)."""
        proposal = self.lab.next_round_proposal()
        self.base, self.round = proposal_base(proposal), proposal.round
        name = self.base[0]
        return (name if name in PRESETS else None), name, proposal.params

    @property
    def stale(self) -> bool:
        current = self.lab.current_round()
        return self.round != (0 if current is None else current.index + 1)

    def choose_preset(self, name: str) -> DesignParams:
        from hd_desktop.design import preset

        self.base = (name, preset(name))
        return preset(name)

    def name(self, params: DesignParams) -> str:
        """What the values are: a preset, or what they started from "(edited)"."""
        return design_name(params, self.base)

    def edited(self, params: DesignParams) -> str:
        """The researcher's values become the Lab's proposal; the form's heading for them."""
        name = self.name(params)
        proposal = self.lab.propose_next_round(params, name, self.lab.next_round_proposal().note)
        return proposal_title(proposal, name)

    def size(self, params: DesignParams, session_size: int) -> str:
        """The design's size and listening time, or why the values cannot make a round."""
        from hd_desktop.errors import UserFacingError

        try:
            return size_words(self.lab.preview_round(params), session_size)
        except UserFacingError as exc:
            return f"<b>{exc}</b>"

    def create(self, params: DesignParams):
        return self.lab.create_round(params, name=self.name(params))


def importing_words(files) -> str:
    return f"Importing {len(files)} file(s)… listening can go on meanwhile."


def online_progress_words(progress) -> str:
    return f"{progress.fraction:.0%} {progress.message}"


def session_settings(break_trials: int, break_minutes: float, carrier: str):
    """A listening session's settings as the Experiment tab sets them: a break every so many
    trials or minutes, the experiment's carrier."""
    from hd_desktop.session.states import FlowSettings

    return FlowSettings(break_every_trials=break_trials, break_every_minutes=break_minutes,
                        carrier=carrier)
