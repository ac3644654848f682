"""Opening transcript files without trusting what sits in the projects folder.

A projects folder is written by other programs and may hold anything with a ``.jsonl`` name: a
FIFO (an ``open`` blocks until a writer comes, forever, while the catalog holds its lock), a
symlink to ``/dev/zero`` (a read never ends and memory grows without bound), or a symlink to a
file outside the root (which the server must not serve). Every read of the archive goes through
this module: ``regular_stat`` decides from a ``stat`` (which never blocks) whether a path is a
regular file inside its root, and ``open_regular`` opens with ``O_NONBLOCK`` and checks the opened
descriptor again, so a file swapped for a FIFO between the two cannot block either.

What was skipped is logged once per path and counted (``skipped_count``), so a user who wonders
why a session is missing finds the reason in the log.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from typing import BinaryIO

log = logging.getLogger(__name__)

_lock = threading.Lock()
_reported: set[tuple[str, str]] = set()
_skipped = 0
# How many distinct skipped paths are remembered for "log once"; past it, repeats log again.
_REPORT_LIMIT = 10_000


class NotRegularFile(OSError):
    """The path is not a regular file (a FIFO, a device, a folder...) or leaves the root."""


def note_skipped(path: str | os.PathLike[str], reason: str) -> None:
    """Count a skipped path and log it, once per (path, reason)."""
    global _skipped
    key = (os.fspath(path), reason)
    with _lock:
        _skipped += 1
        if key in _reported:
            return
        if len(_reported) >= _REPORT_LIMIT:
            _reported.clear()
        _reported.add(key)
    log.warning("skipping %s: %s", key[0], reason)


def skipped_count() -> int:
    """How many times a path was skipped since the process started (repeats included)."""
    return _skipped


def describe_mode(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def inside(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    """Whether ``path``, symlinks resolved, lies under ``root`` (also resolved)."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def regular_stat(
    path: str | os.PathLike[str],
    root: str | os.PathLike[str] | None = None,
    *,
    is_symlink: bool | None = None,
    st: os.stat_result | None = None,
) -> os.stat_result | None:
    """The stat (symlinks followed) of a regular file inside ``root``; None, logged, otherwise.

    ``is_symlink`` (from a ``DirEntry``, free) lets the caller skip the containment check for a
    plain file in a folder already known to be inside the root: only symlinks can leave it."""
    try:
        if st is None:
            st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        note_skipped(path, f"cannot stat it ({exc.strerror or exc})")
        return None
    if not stat.S_ISREG(st.st_mode):
        note_skipped(path, describe_mode(st.st_mode))
        return None
    if root is not None and is_symlink is not False:
        if not inside(root, path):
            note_skipped(path, f"it resolves outside the projects root {os.fspath(root)}")
            return None
    return st


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open a file for reading only if it is a regular file; never blocks on a FIFO.

    Raises ``NotRegularFile`` (an OSError) otherwise, so callers that already handle unreadable
    files handle this too."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            reason = describe_mode(st.st_mode)
            note_skipped(path, reason)
            raise NotRegularFile(f"{os.fspath(path)} is {reason}")
        # Regular files ignore O_NONBLOCK, but clear it so nothing downstream is surprised.
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: str | os.PathLike[str], limit: int) -> bytes:
    """The first ``limit`` bytes of a regular file (small side files such as agent metadata)."""
    with open_regular(path) as fh:
        return fh.read(limit)


__all__ = [
    "NotRegularFile",
    "inside",
    "note_skipped",
    "open_regular",
    "read_bounded",
    "regular_stat",
    "skipped_count",
]
