"""What the listener's window does with a key in each phase, and the words it shows there (no
Qt): the trial's header and time left, the break, the end, the level check's output. The window
(gui/session_window.py) only turns a key into its action's call and lays the words out; every
text comes from the experiment's listener texts (`t`, hd_desktop.session.texts)."""

from __future__ import annotations

from hd_desktop.session.states import Phase

SECONDS_PER_TRIAL = 2.5     # until a few trials give the listener's own pace
VOTING = (Phase.PRACTICE, Phase.TRIALS)

# keys by their Qt names ("Key_F"); actions by the window's names for its handlers
TRIAL_KEYS = {"Key_F": "accept", "Key_Left": "accept", "Key_J": "reject", "Key_Right": "reject",
              "Key_Space": "replay", "Key_R": "replay", "Key_Backspace": "undo",
              "Key_P": "pause", "Key_Escape": "pause"}
ENTER_KEYS = ("Key_Return", "Key_Enter")
# Enter moves a page on; the autopilot does the same (but never leaves a pause by itself)
NEXT_STEP = {Phase.LISTENER: "listener", Phase.INSTRUCTIONS: "instructions",
             Phase.LEVEL_CHECK: "level", Phase.BREAK: "continue", Phase.PAUSED: "continue"}
LEVEL_KEYS = {"Key_Space": "reference", "Key_R": "reference", "Key_Up": "louder",
              "Key_Down": "softer"}
# a button does what its key does: each page's buttons (by the window's names) and their actions
BUTTON_ACTIONS = (("listener_page.start", "listener"), ("instructions_page.go", "instructions"),
                  ("level_page.play", "reference"), ("level_page.go", "level"),
                  ("trial_page.accept", "accept"), ("trial_page.reject", "reject"),
                  ("trial_page.replay", "replay"), ("trial_page.undo", "undo"),
                  ("trial_page.pause", "pause"), ("break_page.go", "continue"),
                  ("paused_page.go", "continue"))


def key_action(phase: Phase, key: str) -> str | None:
    """The action a key (its Qt name) stands for in `phase`, or None (the key is not the
    session's)."""
    if phase in VOTING:
        return TRIAL_KEYS.get(key)
    if phase == Phase.BREAK and TRIAL_KEYS.get(key) == "undo":
        return "undo"            # the last answer before a break can still be taken back
    if key in ENTER_KEYS:
        return NEXT_STEP.get(phase)
    if phase == Phase.LEVEL_CHECK:
        return LEVEL_KEYS.get(key)
    return None


def autopilot_action(phase: Phase) -> str | None:
    """What a simulated listener in the seat does on a page with no trial: what Enter does,
    except leaving a pause (someone paused it: a person comes back for that)."""
    return None if phase == Phase.PAUSED else NEXT_STEP.get(phase)


def seconds_per_trial(started: list[float]) -> float:
    """The listener's own pace over their last 20 trials, once 6 give it."""
    recent = started[-21:]
    if len(recent) >= 6:
        return (recent[-1] - recent[0]) / (len(recent) - 1)
    return SECONDS_PER_TRIAL


def trial_words(t, trial, started: list[float]) -> tuple[str, str]:
    """The trial's header ("Trial 3 of 240") and the time left (none in practice)."""
    header = t("trial.practice_header" if trial.practice else "trial.header",
               n=trial.index + 1, total=trial.total)
    left = (trial.total - trial.index) * seconds_per_trial(started)
    return header, "" if trial.practice else t("trial.minutes_left",
                                               minutes=max(1, round(left / 60)))


def break_words(t, flow) -> str:
    return t("break.body", done=flow.experiment.next_trial(flow.session_id),
             total=len(flow.order))


def summary_words(t, summary) -> str:
    """The end page: thanks, then what was stored (votes, screening, the rating file)."""
    acc = summary.screening.accuracy
    screening = (f"{summary.screening.correct} / {summary.screening.total} ({acc:.0%})"
                 if acc is not None else t("end.no_screening"))
    return t("end.body") + "<br><br>" + t(
        "end.details", listener=summary.listener, votes=summary.votes, accepted=summary.accepted,
        practice=summary.practice_votes, screening=screening, rating_file=summary.rating_csv)


def level_words(t, audio) -> str:
    """The level page's line about the output (an AudioOutput: its device, or its problem)."""
    return t("level.output", device=audio.device_label) if audio.player else \
        t("level.no_sound", problem=audio.problem)


def unsaved_question(exc) -> str:
    """Asked when the window closes with an answer the disk has not taken."""
    why = str(exc)
    return (f"{why[:1].upper()}{why[1:]}.\n\nClose anyway? The answer is then not in the "
            "experiment; it is written to errors.log in the experiment folder. Cancel keeps the "
            "window open and retrying.")


def welcome_back_words(t, flow) -> str | None:
    """A resumed session starts paused (the Lab paused it): the paused page welcomes the
    listener back and says where they are (in the practice, or in the trials); None when the
    session is not a resumed one waiting for its listener."""
    if flow.phase != Phase.PAUSED or flow.paused_trial is None:
        return None
    trial = flow.paused_trial
    key = "paused.welcome_back_practice" if trial.practice else "paused.welcome_back"
    return t(key, listener=flow.listener, done=trial.index, total=trial.total)


class HeadphoneRun:
    """One headphone check as the listener takes it (audio/headphone.py): its seeded trials,
    their sounds, the answers so far. The page plays and shows; the Intake stores the result."""

    def __init__(self, kind: str, seed: int):
        from hd_desktop.audio import headphone

        self.kind, self.seed = kind, seed
        self.trials = headphone.plan(kind, seed)
        self.answers: list[int] = []
        self.started = False        # the listener left the introduction

    def sounds(self) -> list:
        """(stereo samples, rate) of each trial: three sounds, one of them different."""
        from hd_desktop.audio import headphone

        return [(headphone.render_trial(self.kind, tr, self.seed), headphone.RATE)
                for tr in self.trials]

    @property
    def done(self) -> bool:
        return len(self.answers) >= len(self.trials)

    @property
    def stage(self) -> str:
        """The check's page now: "intro" until the listener starts, "trial" while answers
        are due, then "done"."""
        return "done" if self.done else "trial" if self.started else "intro"

    def progress(self) -> dict:
        return dict(n=len(self.answers) + 1, total=len(self.trials))

    def answer(self, n: int) -> None:
        self.answers.append(int(n))


def questionnaire() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """The questionnaire's choice questions in the order asked: (the answer's name, the key of
    its words in the listener texts, the codes of its choices); the native language follows
    as free text."""
    from hd_desktop.session.intake import AGE_BANDS, HEARING, OUTPUTS

    return (("age_band", "questionnaire.age", tuple(AGE_BANDS)),
            ("hearing_problems", "questionnaire.hearing", tuple(HEARING)),
            ("output", "questionnaire.output", tuple(OUTPUTS)))


CHECK_NUMBERS = {"Key_1": 1, "Key_2": 2, "Key_3": 3}


def headphone_key(stage: str, key: str):
    """What a key (its Qt name) does on the headphone check's `stage` ("intro", "trial",
    "done"): "start", "go", an answer 1-3, or None."""
    if key in ENTER_KEYS and stage in ("intro", "done"):
        return "start" if stage == "intro" else "go"
    return CHECK_NUMBERS.get(key) if stage == "trial" else None
