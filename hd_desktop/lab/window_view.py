"""What the researcher's main window shows, and when its tabs show the experiment again (no Qt):
the toolbar's choices of outputs and screens, the output's state, the news of a space or a
model, and which of the Lab's events change what the tabs show."""

from __future__ import annotations

from collections.abc import Sequence

from hd_desktop.lab.listener_screen import WINDOWED

# the Lab's news after which the Experiment and Engine tabs read the experiment again: votes,
# rounds, imports, models, decisions about data, and the settings that decide whose votes count
REFRESHING = frozenset({"block_done", "session_finished", "imported", "round_created",
                        "model_stored", "decision"})
WHOSE_VOTES = frozenset({"screen_threshold", "screen_min", "use_unjudged", "use_simulated",
                         "keep_listeners", "headphone_excludes", "headphone_excludes_online"})


def refreshes_tabs(event) -> bool:
    """Whether the tabs show the experiment again after `event` (a LabEvent): not for a
    carrier or a gain (a session's start sets its gain: the listener's trial comes first)."""
    if event.kind == "settings":
        return bool(event.changed & WHOSE_VOTES)
    return event.kind in REFRESHING


def output_choices(labels: Sequence[str]) -> list[tuple[str, str | None]]:
    """The Output box: every device found (text, label), or a line saying there is none."""
    return [(label, label) for label in labels] or [("No output device found", None)]


def researcher_choices(labels: Sequence[str]) -> list[tuple[str, str | None]]:
    """The Researcher output box: none (the researcher's voices refused during sessions) or a
    device."""
    return [("none: refuse during sessions", None)] + [(label, label) for label in labels]


def screen_choices(names: Sequence[str]) -> list[tuple[str, str | None]]:
    """The Listener screen box: auto, each screen counted from 1, or an ordinary window."""
    return [("auto", None)] + [(f"{i + 1}: {name}", str(i + 1)) for i, name in enumerate(names)] \
        + [("window (no listener mode)", WINDOWED)]


def output_words(opened: bool, label: str) -> str:
    """The status bar's standing words about the output."""
    return f"Output: {label}" if opened else "No sound: no output device"


def space_words(space, note: str | None) -> tuple[str, int]:
    """What the status bar says once the voice space is open, and for how many ms: a `note`
    (--dims set aside for an experiment built in other dimensions) stays longer."""
    if note:
        return note, 20000
    return f"Voice space ready ({space.fingerprint[:12]})", 5000


def model_ready_words(result) -> str:
    return (f"Model of round {result.round} ready: the map shows what it learned; the New "
            "voices tab plays its samples.")


def lab_refused_words(experiment, exc) -> str:
    return f"Experiment {experiment} cannot be used: {exc}"


def open_lab(folder, space, user_settings):
    """The experiment in `folder` bound to `space`, as the app opens it: a new experiment
    starts from the user's carrier and gain (UserFacingError when it cannot be used)."""
    from hd_desktop.lab import Lab, LabSettings

    defaults = LabSettings(carrier=user_settings.carrier, gain_db=user_settings.gain_db)
    return Lab(folder, space, defaults=defaults)


def user_defaults_after(event, user_settings) -> dict:
    """What of the user's own settings follows the experiment's news: its carrier and gain
    become the defaults of the next new experiment. {} when nothing changes."""
    if event.kind != "settings":
        return {}
    return {name: getattr(event.settings, name) for name in ("carrier", "gain_db")
            if getattr(event.settings, name) != getattr(user_settings, name)}


def model_figures(lab, result) -> tuple[dict, object]:
    """What the map draws of a model beside its surface: the samples of every round's latest
    model, and the votes behind each neighbour's estimate (lab.neighbour_votes)."""
    from hd_desktop.lab.neighbour_votes import map_votes

    return ({r: res.samples for r, res in lab.engine.results.items()},
            map_votes(lab, result))
