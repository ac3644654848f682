"""``TracerServer``: the pygls server holding the core ``Tracer``, its options, the worker
threads every blocking call runs on, and the background tasks (watcher, sweeper); plus
``create_server``, the one table of what is served, and ``run_stdio``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidRequest,
    JsonRpcServerNotInitialized,
)
from pygls.lsp.server import LanguageServer

from .. import __version__
from ..errors import TracerError
from ..framing import serve_stdio
from ..models import METHOD_PARAMS, ServerOptions
from ..team.background import TeamSync
from ..team.lsp import start_team_sync, team_options
from ..tracer import Tracer, TracerOptions
from ..transcripts import default_roots
from . import editor, lifecycle, sessions
from .editor import EditorState
from .logs import ClientLogHandler, log_to_stderr
from .params import REQUEST_FAILED
from .protocol import TracerProtocol
from .watching import publish_changes, watch

log = logging.getLogger(__name__)

T = TypeVar("T")

SERVER_NAME = "claude-code-tracer"
# Threads for the core's blocking work; the stdin reader has its own pool (LanguageServer's).
WORKER_THREADS = 4


class TracerServer(LanguageServer):
    """Holds the core ``Tracer``, the options it was made from and the background tasks."""

    def __init__(self) -> None:
        super().__init__(
            SERVER_NAME,
            __version__,
            protocol_cls=TracerProtocol,
            # Every document the client opens (any language, any file): lenses and hovers
            # are computed from the text the client sends, kept current incrementally.
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            max_workers=2,  # the stdin reader's pool; the core's work runs on `executor`
        )
        self.options = ServerOptions()
        self.executor = ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="tracer")
        self._tracer: Tracer | None = None
        self._tracer_error: str | None = None
        # Requests using each tracer; a replaced tracer is closed when its last user is done.
        self._users: dict[int, int] = {}
        self._retired: dict[int, Tracer] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._watch_task: asyncio.Task[None] | None = None
        self._watch_stop: asyncio.Event | None = None
        self._sweep_task: asyncio.Task[None] | None = None
        self._initialized = False  # the client sent `initialized`: background tasks may start
        self._shut_down = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self._log_handler: ClientLogHandler | None = None
        self.editor = EditorState(self)  # beside the code: open documents' spans and lenses
        self.team_sync: TeamSync | None = None  # the `team` option's background pull and push

    # -- state the handlers read (lsp/host.py) -------------------------------------------------
    @property
    def closing(self) -> bool:
        return self._shut_down

    @property
    def tracer(self) -> Tracer | None:
        return self._tracer

    def mark_initialized(self) -> None:
        """The client sent ``initialized``: background tasks may start."""
        self._initialized = True

    # -- tracer lifetime -----------------------------------------------------------------------
    def tracer_options(self, options: ServerOptions) -> TracerOptions:
        roots = [Path(options.projects_root).expanduser()] if options.projects_root else []
        team = team_options(options)  # the team's pulled sessions, read beside these
        if team.roots:
            roots = (roots or default_roots()) + team.roots
        return TracerOptions(
            projects_roots=roots,
            unarchived_roots=team.roots,
            annotate=team.annotate,
            path_aliases=team.aliases,
            cache_dir=Path(options.cache_dir).expanduser() if options.cache_dir else None,
            session_ttl_seconds=options.session_ttl_seconds,
            max_loaded_bytes=options.max_loaded_bytes,
            archive=options.archive,
            archive_dir=Path(options.archive_dir).expanduser() if options.archive_dir else None,
            prices=dict(options.prices),
            max_line_bytes=options.max_line_bytes,
        )

    def open_failed(self, exc: Exception) -> None:
        self._tracer_error = f"cannot open the session archive: {exc}"
        log.error("%s", self._tracer_error, exc_info=not isinstance(exc, TracerError))
        self.show_error(self._tracer_error)

    def install_tracer(self, tracer: Tracer, options: ServerOptions) -> None:
        """Serve from ``tracer``; the previous one is closed once its requests finish."""
        old, self._tracer, self.options, self._tracer_error = self._tracer, tracer, options, None
        if old is not None:
            self._retire(old)
        try:
            roots = ", ".join(str(root) for root in tracer.roots)
        except Exception:
            roots = "?"
        log.info("%s %s reading %s", SERVER_NAME, __version__, roots or "(no projects root)")
        if self._initialized:
            self.restart_background()

    def restart_team(self) -> None:
        """(Re)start the `team` option's background sync for the current tracer."""
        if self.team_sync is not None:
            self.team_sync.stop(timeout=0)
            self.team_sync = None
        if self._tracer is None or self._shut_down or self.options.team is None:
            return
        loop = self.loop

        def pulled(paths: list[Path]) -> None:
            # a teammate's new lines: announced like a local change (sessions/didChange)
            if loop is not None and not loop.is_closed():
                seen = {p: {"modified"} for p in paths}
                loop.call_soon_threadsafe(
                    lambda: self.spawn(publish_changes(self, seen), "team changes")
                )

        self.team_sync = start_team_sync(self._tracer, self.options, pulled)

    async def apply_options(self, options: ServerOptions) -> None:
        """Reopen for new options off the event loop; the old tracer serves until then."""
        try:
            tracer = await self.run(Tracer, self.tracer_options(options))
        except Exception as exc:
            self.open_failed(exc)
            return
        if self._shut_down:
            self._close_soon(tracer)
        else:
            self.install_tracer(tracer, options)

    def acquire(self, method: str) -> Tracer:
        """The current tracer, counted as in use until ``release`` (loop thread only)."""
        tracer = self._tracer
        if tracer is None:
            if self._shut_down:
                raise JsonRpcInvalidRequest(f"{method}: the server is shutting down")
            if self._tracer_error is not None:
                raise JsonRpcException(
                    message=f"{method}: {self._tracer_error}", code=REQUEST_FAILED
                )
            raise JsonRpcServerNotInitialized(f"{method}: the server is not initialized yet")
        self._users[id(tracer)] = self._users.get(id(tracer), 0) + 1
        return tracer

    def release(self, tracer: Tracer) -> None:
        key = id(tracer)
        left = self._users.get(key, 1) - 1
        if left > 0:
            self._users[key] = left
            return
        self._users.pop(key, None)
        if key in self._retired:
            self._close_soon(self._retired.pop(key))

    def release_threadsafe(self, tracer: Tracer) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.release, tracer)

    def _retire(self, tracer: Tracer) -> None:
        if self._users.get(id(tracer)):
            self._retired[id(tracer)] = tracer
        else:
            self._close_soon(tracer)

    def _close_soon(self, tracer: Tracer) -> None:
        def close() -> None:
            try:
                tracer.close()
            except Exception:
                log.exception("closing the previous tracer failed")

        self.executor.submit(close)

    # -- running blocking work -----------------------------------------------------------------
    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` on a worker thread; a cancel stops the wait at once (the thread finishes)."""
        return await asyncio.wrap_future(self.executor.submit(fn, *args))

    async def call(self, method: str, fn: Callable[[Tracer], T]) -> T:
        """``fn(tracer)`` on a worker thread. The tracer stays in use until the thread is done,
        even when the request is cancelled first, so a reconfiguration never closes it under
        a running query."""
        tracer = self.acquire(method)
        try:
            future = self.executor.submit(fn, tracer)
        except BaseException:
            self.release(tracer)
            raise
        future.add_done_callback(lambda _: self.release_threadsafe(tracer))
        return await asyncio.wrap_future(future)

    def spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        """Start a background task, keep a reference, and log its failure."""
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self._tasks.discard(finished)
            if not finished.cancelled() and (exc := finished.exception()) is not None:
                log.error("%s failed: %s", name, exc, exc_info=exc)

        task.add_done_callback(done)
        return task

    # -- background: watcher and sweeper ------------------------------------------------------
    def restart_background(self) -> None:
        self.stop_background()
        if self._tracer is None or self._shut_down:
            return
        self.restart_team()
        if self.options.watch:
            self._watch_stop = asyncio.Event()
            self._watch_task = self.spawn(watch(self, self._watch_stop), "watcher")
        else:
            log.info("not watching for changes: the watch option is off")
        self._sweep_task = self.spawn(self._sweep_loop(), "sweeper")

    def stop_background(self) -> None:
        if self.team_sync is not None:
            self.team_sync.stop(timeout=0)
            self.team_sync = None
        if self._watch_stop is not None:
            self._watch_stop.set()
        for task in (self._watch_task, self._sweep_task):
            if task is not None:
                task.cancel()
        self._watch_task = self._sweep_task = self._watch_stop = None

    async def _sweep_loop(self) -> None:
        interval = min(60.0, max(1.0, self.options.session_ttl_seconds / 2))
        while True:
            await asyncio.sleep(interval)
            try:
                dropped = await self.call("sweeper", lambda tracer: tracer.sweep())
                if dropped:
                    log.info(
                        "released %d session(s) idle for over %gs",
                        dropped,
                        self.options.session_ttl_seconds,
                    )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("sweep failed: %s", exc)

    # -- client-facing helpers -----------------------------------------------------------------
    def show_error(self, message: str) -> None:
        with contextlib.suppress(Exception):
            self.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Error, message=message)
            )

    def client_supports_work_done(self) -> bool:
        try:
            window = self.client_capabilities.window
        except Exception:
            return False
        return bool(window and window.work_done_progress)

    def install_log_handler(self) -> None:
        if self._log_handler is None:
            self._log_handler = ClientLogHandler(self)
            logging.getLogger("claude_code_tracer").addHandler(self._log_handler)

    def remove_log_handler(self) -> None:
        if self._log_handler is not None:
            logging.getLogger("claude_code_tracer").removeHandler(self._log_handler)
            self._log_handler = None

    async def shut_down(self) -> None:
        self._shut_down = True
        self.editor.stop()
        self.stop_background()
        tracer, self._tracer = self._tracer, None
        self._tracer_error = "the server has shut down"
        if tracer is not None:
            self._retire(tracer)


def create_server() -> TracerServer:
    server = TracerServer()
    server.feature(types.INITIALIZE)(lifecycle.initialize)
    server.feature(types.INITIALIZED)(lifecycle.initialized)
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(lifecycle.did_change_configuration)
    server.feature(types.SHUTDOWN)(lifecycle.shutdown)
    server.feature(types.EXIT)(lifecycle.exit_)
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(editor.did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(editor.did_change)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(editor.did_close)
    server.feature(types.TEXT_DOCUMENT_CODE_LENS)(editor.code_lens)
    server.feature(types.TEXT_DOCUMENT_HOVER)(editor.hover)
    sessions.register(server)
    for method in sorted(set(METHOD_PARAMS) - set(server.protocol.fm.features)):
        log.warning("models.METHOD_PARAMS names %s, which this server does not serve", method)
    return server


def prepare_process() -> None:
    """What the core makes lazily for the CLI's start (the store's and the search's modules:
    pyarrow, tantivy; every model's validator), made here at the server's start instead, before
    the first message is read: no request of a long-lived server pays a first use of them."""
    from .. import contextsize, pageorder, pricing, sessionsearch, store  # noqa: F401
    from ..models import build_models

    build_models()


def run_stdio() -> None:
    """Serve LSP over stdin/stdout until the client sends exit (or closes the pipe)."""
    log_to_stderr()
    prepare_process()
    # pygls' own stdin loop goes deaf or dies on a malformed frame (see framing.py).
    serve_stdio(create_server())
