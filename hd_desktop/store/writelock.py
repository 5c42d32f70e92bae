"""Taking the experiment's write lock fairly, and saying in words why a write failed.

SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25... ms between attempts, so a vote that
meets an import's short transaction could sleep past the end of it and then past its own
20 ms budget. Here the lock is polled every half millisecond instead, and the import pauses
between its transactions (merge.py), so a vote waits for at most one of them.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from hd_desktop.errors import UserFacingError

BUSY_TIMEOUT_MS = 15000
POLL_S = 0.0005


class StoreWriteError(UserFacingError):
    """A change could not be stored (disk full, read-only, busy); nothing of it was kept."""


def begin(con: sqlite3.Connection, path: Path) -> None:
    """BEGIN IMMEDIATE, retried every POLL_S while another connection holds the write lock."""
    timeout = BUSY_TIMEOUT_MS / 1000
    deadline = time.monotonic() + timeout
    con.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                con.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorname", "") != "SQLITE_BUSY":
                    raise failed(exc, path) from None
                if time.monotonic() > deadline:
                    raise StoreWriteError(
                        f"{path} is busy: another program has been writing to it for "
                        f"{timeout:g} s; this change was not stored. Try again when it has "
                        "finished (an import, or a second copy of the app?)") from None
                time.sleep(POLL_S)
    finally:
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def reason(exc: sqlite3.Error, path: Path | None = None) -> str | None:
    """What a storage failure means for the user, or None when it is not one (a bug, a
    constraint): disk full, read-only, an I/O error, a file that cannot be opened. SQLite
    reports a full disk as an I/O error when it is its -shm file that cannot grow."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    if name == "SQLITE_FULL" or "disk is full" in text or _full(path):
        return "the disk is full"
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return "it is read-only (a read-only disk, folder or file)"
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in text:
        return f"a disk error ({exc})"
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return "it cannot be opened (missing, or no permission to read it or its folder)"
    return None


def _full(path: Path | None) -> bool:
    if path is None:
        return False
    try:
        st = os.statvfs(Path(path).parent)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024


def damaged_in_words(exc: sqlite3.DatabaseError, what: str) -> str:
    """A storage error met while reading, in words: a damaged file, or its disk."""
    why = reason(exc)
    if why is not None:
        return f"{what}: its database cannot be read: {why}"
    name, text = getattr(exc, "sqlite_errorname", "") or "", str(exc).lower()
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "malformed" in text \
            or "not a database" in text or "could not decode" in text:  # text bytes flipped
        return (f"{what}: its database is damaged ({exc}): SQLite found it while reading, and "
                "what was reading stopped there. Restore the experiment folder from a backup, "
                "or check it with `sqlite3 experiment.sqlite 'PRAGMA integrity_check'`")
    return f"{what}: its database could not be read ({exc}); try again"


def failed(exc: sqlite3.Error, path: Path) -> UserFacingError | sqlite3.Error:
    """The error to raise for a failed write: in words when it is a storage failure."""
    why = reason(exc, path)
    if why is None:
        return exc
    return StoreWriteError(f"cannot write to {path}: {why}. This change was not stored; "
                           "everything stored before it is safe.")


class ImportLock:
    """One import at a time into an experiment folder, across threads and processes.

    Two imports checked at the same time would each find the other's answers absent, then
    write part way and collide (issue 22). Holding this from checking to the last write makes
    the second import wait and then be checked against what the first stored. It is an
    advisory `flock` on the experiment's folder itself: no file is left behind, and the system
    releases it when the process ends, however it ends (SIGKILL included). Votes never take it.
    """

    POLL_S = 0.05

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self._fd: int | None = None

    def acquire(self, progress=None) -> None:
        try:
            import fcntl
        except ImportError:  # no flock (Windows): imports are not serialised there
            return
        self._fd = os.open(self.folder, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        said = False
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if progress is not None and not said:
                    progress(0.0, f"Waiting for another import into {self.folder} to finish")
                    said = True
                time.sleep(self.POLL_S)
            except BaseException:
                self.release()
                raise

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)   # closing the descriptor releases the flock
            self._fd = None
