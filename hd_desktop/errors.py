"""Errors whose message is meant for the user: they name the file or the step that failed."""


class UserFacingError(Exception):
    """A problem the user can act on; the message names the file or step."""


class BadInputError(UserFacingError):
    """An input file (audio, rating file, corpus) that cannot be used."""


class Cancelled(Exception):
    """A long job was cancelled by its caller."""



class NoOutputDevice(UserFacingError):
    """No audio output device matches the user's choice, or the machine has none."""

    def __init__(self, wanted: str | int | None = None, available: list[str] | None = None,
                 source: str | None = None):
        self.wanted, self.source = wanted, source
        self.available = list(available or [])
        if wanted is None:
            what = "No audio output device found (PortAudio reports no default output)"
        elif isinstance(wanted, int) or str(wanted).strip().isdigit():
            what = f"No audio output device has index {str(wanted).strip()}"
        else:
            what = f"No audio output device matches {wanted!r}"
        if wanted is not None and source:
            what += f" (from {source})"
        if self.available:
            what += ". Output devices here: " + "; ".join(self.available)
        else:
            what += ". PortAudio lists no output devices on this machine"
        super().__init__(
            what + ". Choose one in the app's settings, or set HD_AUDIO_DEVICE to a device "
            "index or part of its name; `hd-desktop devices` lists them."
        )
