"""Errors whose message is meant for the user: they name the file or the step that failed."""


class UserFacingError(Exception):
    """A problem the user can act on; the message names the file or step."""


class BadInputError(UserFacingError):
    """An input file (audio, rating file, corpus) that cannot be used."""


class Cancelled(Exception):
    """A long job was cancelled by its caller."""
