"""Keeping a long-running process (the language server) in step with the team database.

``TeamSync`` runs on a thread of its own: it pulls the teammates' new bytes into the local copy
(the tracer reads them like local files; new authors' folders are added to its roots) and, with
``push`` on, pushes this machine's new bytes. Those come from the refresh itself: a
``sink.TeamSink`` registered with the tracer queues each chunk the catalog's one pass reads, and
the sync stores the queue; only what the queue never held (bytes from before the process
started, a burst over its bound, what came while the database was away) is read back from the
archive, verified. It runs at start, soon after ``kick`` (a refresh brought new bytes, the
watcher saw a change) and every ``interval`` seconds.
A database that is away costs one log line, then retries with backoff (1 s doubling to 60 s);
no request ever waits for it, and nothing is lost: the next push sends what the database lacks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .db import TeamUnavailable
from .pull import TeamCache, pull
from .push import PushReport, default_author, push_sessions
from .sink import TeamSink

log = logging.getLogger(__name__)

_BACKOFF_FIRST = 1.0
_BACKOFF_MAX = 60.0
# after a kick, wait this long for more changes before syncing (a burst of appends, one sync)
_KICK_DELAY = 0.3


class TeamSync:
    def __init__(
        self,
        tracer: Any,
        cache: TeamCache,
        url: str,
        author: str | None = None,
        push: bool = False,
        interval: float = 30.0,
        on_pulled: Callable[[list[Path]], None] | None = None,
    ) -> None:
        self.tracer = tracer
        self.cache = cache
        self.url = url
        self.author = author or default_author()
        self.push = push
        self.interval = interval
        self.on_pulled = on_pulled
        self._kicked = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.down: str | None = None  # why the last sync failed, while it does
        self.syncs = 0
        self.sink: TeamSink | None = None
        # the next push reads every file's missing bytes from the archive (at start, and after
        # a failure); otherwise only the files the sink could not carry
        self._catch_up = True
        self.last_push: PushReport | None = None
        self._told: set[str] = set()
        self._syncing: int | None = None  # the thread running sync_once
        archive = getattr(tracer, "archive", None)
        if push and archive is None:
            # the push sends what the archive keeps: without it there is nothing to send from
            # (a sink would queue up to QUEUE_BYTES that no push ever takes)
            log.warning("team push is off: it needs the archive, which is turned off")
            self.push = False
        if self.push:
            self.sink = TeamSink(
                skip_roots=lambda: getattr(archive, "skip_roots", frozenset()),
                on_finish=self._queued,
            )
            tracer.add_sink(self.sink)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="team-sync", daemon=True)
        self._thread.start()

    def kick(self) -> None:
        """Sync soon: a transcript changed."""
        self._kicked.set()

    def _queued(self) -> None:
        """A refresh queued new bytes for the push: sync soon, unless the refresh is this sync's
        own listing, whose bytes the same push takes (it kicked the loop into syncing again and
        again while a session was live)."""
        if threading.get_ident() != self._syncing:
            self.kick()

    def stop(self, timeout: float = 10.0) -> None:
        if self.sink is not None:
            self.sink.close()  # the tracer keeps its sinks: this one stops queueing
        self._stop.set()
        self._kicked.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        wait = 0.0
        backoff = _BACKOFF_FIRST
        while not self._stop.is_set():
            if wait and self.down is None:
                self._kicked.wait(wait)
                if self._kicked.is_set():  # a change: wait a moment for the rest of the burst
                    self._stop.wait(_KICK_DELAY)
            elif wait:  # the database is away: changes do not hurry the retry
                self._stop.wait(wait)
            if self._stop.is_set():
                return
            self._kicked.clear()
            try:
                self.sync_once()
            except TeamUnavailable as exc:
                self._paused(True)
                if self.down is None:
                    log.warning("team sync paused: %s (retrying with backoff)", exc)
                self.down = str(exc)
                wait, backoff = backoff, min(_BACKOFF_MAX, backoff * 2)
                continue
            except Exception as exc:  # never let the thread die silently
                self._paused(True)
                log.exception("team sync failed: %s", exc)
                wait, backoff = backoff, min(_BACKOFF_MAX, backoff * 2)
                continue
            if self.down is not None:
                log.info("team database back: synced")
            self.down = None
            wait, backoff = self.interval, _BACKOFF_FIRST

    def _paused(self, paused: bool) -> None:
        """While the database is away the sink queues nothing (it marks files behind) and the
        next push catches every file up from the archive."""
        if paused:
            self._catch_up = True
        if self.sink is not None:
            self.sink.paused = paused

    def sync_once(self) -> None:
        """One pull (and push): what the database has that the local copy lacks, and back."""
        self._syncing = threading.get_ident()
        try:
            self._sync()
        finally:
            self._syncing = None

    def _sync(self) -> None:
        report = pull(self.cache, self.url, exclude_author=self.author)
        self.tracer.add_copied_roots(list(self.cache.roots()))
        if report.changed and self.on_pulled is not None:
            self.on_pulled(report.changed)
        if self.push:
            catch_up = self._catch_up
            self.last_push = push_sessions(
                self.tracer, self.url, self.author, feed=self.sink, catch_up=catch_up
            )
            self._catch_up = False
            self._paused(False)
            for problem in self.last_push.problems:
                if problem not in self._told:  # each damaged segment said once
                    self._told.add(problem)
                    log.warning("team push: %s", problem)
        self.syncs += 1
