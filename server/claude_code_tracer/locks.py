"""A lock between processes sharing a cache folder (kept light: no heavy import)."""

from __future__ import annotations

import fcntl
import logging
import os
import time
from pathlib import Path

log = logging.getLogger(__name__)


class BuilderLock:
    """One process at a time does the work (builds the search index, pulls into a team cache):
    an exclusive ``flock`` on a file beside what it guards, held for the work. The OS releases
    it when its holder exits or dies: no stale lock to clean. Two threads of one process with
    their own ``BuilderLock`` exclude each other too (a lock per open file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:
            log.warning("cannot open the lock %s (%s)", self.path, exc)
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def acquire(self, wait: float) -> bool:
        """Try for up to ``wait`` seconds (a CLI waits for another process's build)."""
        deadline = time.monotonic() + wait
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)  # the holder is working; polled, as flock has no timeout
        return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
