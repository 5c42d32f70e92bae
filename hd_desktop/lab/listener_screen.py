"""On which screen the listener's window goes, and whether the researcher's window must step
aside (no Qt: the window code gives the screens' names and acts on the plan).

During a session the listener's window is the only thing on the listener's screen: full screen
on the chosen screen, the researcher's window on another one, or minimised until the session
ends when there is only one screen (the learned acceptance map would tell the listener which
voices the model finds natural).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WINDOWED = "window"     # the listener's window as an ordinary window: for trying the app out


@dataclass(frozen=True)
class ScreenPlan:
    screen: int                # index into the screens given
    full_screen: bool
    hide_researcher: bool      # the researcher's window is minimised while the session runs
    note: str | None = None    # a choice that could not be followed, in words


def plan_screens(screens: Sequence[str], researcher: int, choice: str | None) -> ScreenPlan:
    """`choice`: None or "auto" (a screen other than the researcher's, else the only one), a
    screen number counted from 1, a screen's name, or "window" (no listener mode)."""
    choice = (choice or "").strip()
    others = [i for i in range(len(screens)) if i != researcher]
    auto = others[0] if others else researcher
    note = None
    if choice.casefold() == WINDOWED:
        return ScreenPlan(researcher, full_screen=False, hide_researcher=False)
    if not choice or choice.casefold() == "auto":
        screen = auto
    elif choice.isdigit() and 1 <= int(choice) <= len(screens):
        screen = int(choice) - 1
    elif choice in screens:
        screen = list(screens).index(choice)
    else:
        screen = auto
        names = ", ".join(f"{i + 1} ({name})" for i, name in enumerate(screens))
        note = (f"listener screen {choice!r} is not one of the screens ({names}); the "
                f"listener's window is on screen {auto + 1}. Choose one in the toolbar or set "
                "HD_LISTENER_SCREEN to a number from that list.")
    return ScreenPlan(screen, full_screen=True, hide_researcher=screen == researcher, note=note)


@dataclass(frozen=True)
class Screen:
    """A screen as the window system gives it: its name and geometry (x, y, width, height)."""

    name: str
    geometry: tuple[int, int, int, int]


@dataclass(frozen=True)
class Placement:
    """Where the listener's window goes: `geometry` filled full screen on screen `screen`, or
    an ordinary window (`geometry` None); whether the researcher's window is minimised
    meanwhile, and a choice that could not be followed, in words."""

    screen: int
    geometry: tuple[int, int, int, int] | None
    hide_researcher: bool
    note: str | None = None


def place_listener_window(screens: Sequence[Screen], researcher: int | None, choice: str | None,
                          listener_mode: bool = True) -> Placement:
    """The listener's window on `screens`: the researcher's window is on screen `researcher`
    (None: not known, the first); `choice` as plan_screens takes it. Listener mode fills the
    chosen screen (its whole geometry: full screen without a window manager too); a
    simulated listener's session is an ordinary window."""
    plan = plan_screens([s.name for s in screens], researcher or 0,
                        choice if listener_mode else WINDOWED)
    geometry = screens[plan.screen].geometry if plan.full_screen and screens else None
    return Placement(plan.screen, geometry, plan.hide_researcher and geometry is not None,
                     plan.note)
