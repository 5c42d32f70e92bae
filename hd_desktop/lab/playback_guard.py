"""Who may play on which output while a listener sits at the workstation (no Qt).

While a session's window is open, the listener's output plays the session and nothing else
(docs/design.md 2): a voice-map click, a preview or an A/B from the New voices tab would be
heard by the listener in place of the trial, and the vote stored as normal. The researcher's
playback then goes to the researcher output chosen in the settings, or is refused with the
reason and what to do. The panels ask `route` before they render anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    """Where a researcher's voice may play: `device` None is the main output; `refused` says
    why nothing plays."""

    device: str | None = None
    refused: str | None = None

    @property
    def allowed(self) -> bool:
        return self.refused is None


def _label(choice: str) -> str:
    from hd_desktop.audio.devices import resolve_output_device

    return resolve_output_device(choice).label()


class PlaybackGuard:
    """Knows whether a listener's session is open and on which device; decides each route."""

    def __init__(self, researcher_output: str | None = None,
                 resolve: Callable[[str], str] = _label):
        self.researcher_output = researcher_output or None
        self._resolve = resolve
        self.listener_device: str | None = None     # the session's output, while one is open

    @property
    def session_open(self) -> bool:
        return self.listener_device is not None

    def session_opened(self, device_label: str) -> None:
        self.listener_device = device_label

    def session_closed(self) -> None:
        self.listener_device = None

    def set_researcher_output(self, choice: str | None) -> None:
        self.researcher_output = choice or None

    def route(self, what: str) -> Route:
        """Where `what` (e.g. "the voice at (1.00, -0.50)") plays now, or why it does not."""
        if not self.session_open:
            return Route()
        after = (f"{what[:1].upper()}{what[1:]} not played: the listener of the open session "
                 "would hear it")
        if self.researcher_output is None:
            return Route(refused=f"{after}. To listen during sessions, pick a Researcher output "
                                 "(toolbar).")
        try:
            label = self._resolve(self.researcher_output)
        except Exception as exc:     # a missing device is a notice, never a crash
            return Route(refused=f"{after}; the researcher output {self.researcher_output!r} "
                                 f"cannot be used ({exc}). Choose another researcher output.")
        if label == self.listener_device:
            return Route(refused=f"{after}; the researcher output {label} is the listener's "
                                 "device. Choose another researcher output (toolbar).")
        return Route(device=label)
