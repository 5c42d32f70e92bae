"""What the researcher's main window shows, and when its tabs show the experiment again (no Qt):
the toolbar's choices of outputs and screens, the output's state, the news of a space or a
model, and which of the Lab's events change what the tabs show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hd_desktop.lab.listener_screen import WINDOWED

RESEARCHER_OUTPUT_TIP = ("Where map clicks and the New voices tab play while a listener's session "
                         "is open. None: they are refused then, so the listener hears only the "
                         "trials.")
LISTENER_SCREEN_TIP = ("The screen the listener's window fills during a session "
                       "(HD_LISTENER_SCREEN sets it too); with one screen, this window is "
                       "minimised until the session ends.")

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


@dataclass(frozen=True)
class OutputView:
    """What the toolbar and the status bar show of the output just opened: the devices to
    choose from (for the listener's output and the researcher's), the standing words (`alarm`:
    shown as a problem), the problem as their tooltip, and a passing message (or None)."""

    devices: list[tuple[str, str | None]]
    researcher: list[tuple[str, str | None]]
    words: str
    alarm: bool
    tip: str
    told: str | None


def device_labels() -> list[str]:
    """The output devices found now; none when the audio system cannot be asked."""
    from hd_desktop.audio import list_output_devices

    try:
        return [d.label() for d in list_output_devices()]
    except OSError:
        return []


def output_view(opened: bool, label: str, problem: str | None,
                labels: Sequence[str] | None = None) -> OutputView:
    """The output as shown after opening it (`opened`, its `label`, its `problem`), among the
    devices `labels` (None: those found now)."""
    labels = device_labels() if labels is None else labels
    return OutputView(output_choices(labels), researcher_choices(labels),
                      output_words(opened, label), not opened, problem or "",
                      f"Output: {label}" if opened else None)


def carrier_chosen(lab, user_settings, carrier: str):
    """The carrier picked on the toolbar is the experiment's, kept in its store; before an
    experiment is open, the user's default: the user's settings to save then, else None."""
    if lab is not None:
        lab.set_settings(carrier=carrier)
        return None
    return user_settings.with_(carrier=carrier)


def user_choice(user_settings, setting: str, choice):
    """The user's settings after picking `choice` for `setting` on the toolbar, or None: a line
    that chooses nothing (such as "No output device found") is not saved."""
    if choice is None and setting == "output_device":
        return None
    return user_settings.with_(**{setting: choice})


def space_words(space, note: str | None) -> tuple[str, int]:
    """What the status bar says once the voice space is open, and for how many ms: a `note`
    (--dims set aside for an experiment built in other dimensions) stays longer."""
    if note:
        return note, 20000
    return f"Voice space ready ({space.fingerprint[:12]})", 5000


def model_ready_words(result) -> str:
    return (f"Model of round {result.round} ready: the map shows what it learned; the New "
            "voices tab plays its samples.")


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


def output_gain(lab, user_settings) -> float:
    """The gain an output opens at: the open experiment's, else the user's default."""
    return lab.settings.gain_db if lab is not None else user_settings.gain_db
