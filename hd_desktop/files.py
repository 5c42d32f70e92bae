"""Files on disk: written so that a crash leaves either the old file or the whole new one, never
half; read only when they are regular files of a bounded size (never a pipe that blocks)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to a sibling temporary file, fsync it, then rename it over `path`."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def open_regular(path: str | os.PathLike, what: str = "file") -> BinaryIO:
    """`path` opened for reading, if it is a regular file (after links); else BadInputError.

    Opening a named pipe (FIFO) blocks until a writer comes, and a device can be endless: so
    the file is opened without waiting (O_NONBLOCK), what it is is checked on the open file
    itself (no race with a file swapped in between), and only a regular file is returned."""
    from hd_desktop.errors import BadInputError

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise BadInputError(f"{path}: no such {what}") from None
    except OSError as exc:
        raise BadInputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise BadInputError(f"{path}: {_kind(mode)}, not a regular {what}; give the file "
                                "itself")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; BadInputError for anything else
    (a pipe, a folder, a device, a larger file), said in words."""
    from hd_desktop.errors import BadInputError

    with open_regular(path, what) as f:
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise BadInputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise BadInputError(f"{path}: larger than {limit // 2**20} MB, more than any {what} of "
                            "this kind holds; is it the right file?")
    return data


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"
