"""Work-done progress for the core's long steps (indexing the archive, parsing a session)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from .host import Host

log = logging.getLogger(__name__)


class WorkDone:
    """Work-done progress fed by the core's ``progress(done, total)`` callback from any thread.

    Nothing is sent unless the core reports progress (a session already loaded reports none).
    With ``create`` the token is made server-side first (window/workDoneProgress/create).
    """

    def __init__(
        self, server: Host, title: str, token: types.ProgressToken | None, create: bool
    ) -> None:
        self._server = server
        self._loop = asyncio.get_running_loop()
        self._title = title
        self._token: types.ProgressToken = token if token is not None else f"cct-{uuid.uuid4()}"
        self._create = create
        self._begin_task: asyncio.Task[None] | None = None
        self._ready = False
        self._ended = False
        self._done = 0
        self._total = 0
        self._sent = -1

    def callback(self, done: int, total: int) -> None:
        """The ProgressFn given to the core; safe to call from a worker thread."""
        with contextlib.suppress(RuntimeError):  # loop closed: the server is going away
            self._loop.call_soon_threadsafe(self._on_progress, done, total)

    @property
    def percentage(self) -> int:
        if self._total <= 0:
            return 0
        return max(0, min(100, self._done * 100 // self._total))

    def _on_progress(self, done: int, total: int) -> None:
        self._done, self._total = done, total
        if self._begin_task is None:
            self._begin_task = self._loop.create_task(self._begin())
        elif self._ready:
            self._report()

    async def _begin(self) -> None:
        progress = self._server.work_done_progress
        try:
            if self._create:
                await asyncio.wait_for(progress.create_async(self._token), timeout=10)
            progress.begin(
                self._token,
                types.WorkDoneProgressBegin(
                    title=self._title, percentage=self.percentage, cancellable=False
                ),
            )
            self._sent = self.percentage
            self._ready = True
        except Exception as exc:
            log.debug("no work-done progress for %r: %s", self._title, exc)

    def _message(self) -> str:
        return f"{self._done / 1e6:.1f} of {self._total / 1e6:.1f} MB"

    def _report(self) -> None:
        if self._ended or self.percentage == self._sent:
            return
        self._sent = self.percentage
        self._server.work_done_progress.report(
            self._token,
            types.WorkDoneProgressReport(percentage=self._sent, message=self._message()),
        )

    def finish(self, message: str | None = None) -> None:
        """Send ``end`` (after ``begin``, if that is still waiting for the client)."""
        if self._begin_task is None:
            return
        if not self._begin_task.done():
            self._begin_task.add_done_callback(lambda _: self.finish(message))
            return
        if self._ready and not self._ended:
            self._report()
            self._ended = True
            progress = self._server.work_done_progress
            progress.end(self._token, types.WorkDoneProgressEnd(message=message))
            progress.tokens.pop(self._token, None)
