"""The language server: pygls 2 glue between JSON-RPC and the core ``Tracer``.

Handlers are thin: validate the raw params with the pydantic model of ``models.METHOD_PARAMS``,
call one ``Tracer`` method on a worker thread, return ``model.dump()``. Everything that blocks
(DuckDB, file reads) runs on ``TracerServer.executor`` so the event loop stays free to read
``$/cancelRequest`` and to answer other sessions' requests. Nothing here knows SQL.

Server-initiated traffic: ``window/logMessage`` (the ``claude_code_tracer`` logger), the
``sessions/didChange`` notification (a ``watchfiles`` watcher over the projects roots), and
work-done progress while an archive is indexed or a session is parsed.

Beside the code (standard LSP on the user's own files; issue 5):

- Text sync: ``textDocumentSync`` is openClose + Incremental for every document the client
  sends, whatever its language; pygls keeps the current text in ``ls.workspace``. The client
  chooses which documents (the VS Code extension's selector is ``{scheme: 'file'}``); only
  ``file:`` URIs get lenses and hovers (``untitled:``, ``git:``... get none).
- ``textDocument/codeLens``: one lens at line 0 of a file that sessions touched (the file index:
  ``Tracer.file_sessions``/``file_history``), ``Claude: edited in 3 sessions · last 2 h ago``, or
  ``read in N sessions`` when no session wrote it; counts and the time are the sessions' whose
  transcript still exists. Its command is ``claudeCodeTracer.openTrace`` (``OPEN_TRACE_COMMAND``,
  implemented by the client, never registered here) with one argument ``{sessionId, project,
  uuid, toolUseId}``: the assistant message holding the newest write (or, for a file only
  read, the newest touch). No lens for files no session touched.
- ``textDocument/hover``: on a line whose *current* text a session wrote
  (``Tracer.written_spans`` on the open document's text: an Edit's new string or a Write's
  content found where it stands now, so lines moved by the user keep their hover and text the
  user changed has none). Newest write wins where several cover the line. Markdown (plain text
  for clients that cannot show it): the session's title, absolute UTC time and relative time,
  the tool, the prompt that led to it in a fenced code block, and an ``[Open trace]`` link
  ``command:claudeCodeTracer.openTrace?<url-encoded JSON [args]>`` (the client must trust the
  markdown for command links). Transcript text is untrusted: the title and tool are escaped
  character by character (no link, HTML, emphasis or autolink can form); the prompt's fence is
  longer than any backtick run in it. The hover's range covers the whole written span.
- Caches: spans per open document keyed by (uri, version, file-index generation), lens per path
  keyed by generation (``Tracer.files_generation``, which changes when a refresh of the index
  wrote something). A repeated hover costs one worker hop and a dict lookup; a new version
  (didChange) or a new generation recomputes (one query and ``str.find`` per write). didClose
  drops the document's entries. Open documents only: a hover on a document the client has not
  opened answers nothing (lenses need no text, so they do answer).
- ``workspace/codeLens/refresh`` is sent (when the client supports it and files are open) after
  the watcher reports changed sessions: at once, then at most every ``LENS_REFRESH_SECONDS``.
- Without an archive (it failed to open) lenses and hovers are empty rather than errors: the
  failure was shown once, and an error per hover would keep raising the client's output.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import string
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future as ConcurrentFuture
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, unquote

import attrs
from lsprotocol import types
from pydantic import ValidationError
from pygls import uris
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInternalError,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcRequestCancelled,
    JsonRpcServerNotInitialized,
)
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec
from watchfiles import Change, awatch

from . import __version__
from .errors import InvalidRequest, SourceUnavailable, TracerError
from .files import WRITE_TOOLS
from .framing import serve_stdio
from .models import (
    METHOD_PARAMS,
    FileSessionInfo,
    FilesHistoryParams,
    FilesSessionsParams,
    FileTouch,
    MessagesPage,
    MessagesStreamParams,
    Method,
    Model,
    Params,
    SearchParams,
    ServerOptions,
    SessionRef,
    SessionsDidChange,
    SessionsListParams,
)
from .sessionexport import export_session
from .tracer import ProgressFn, Tracer, TracerOptions

log = logging.getLogger(__name__)

T = TypeVar("T")

SERVER_NAME = "claude-code-tracer"
# LSP's RequestFailed: the request was valid but the server could not do it (I/O trouble).
REQUEST_FAILED = types.LSPErrorCodes.RequestFailed.value
# Custom request methods whose params reach the handlers as the raw JSON (dicts), not namedtuples.
RAW_METHODS = frozenset(METHOD_PARAMS)
# Internal method a request is rerouted to when pygls cannot even structure it.
_MALFORMED = "$/claudeCodeTracer/malformed"
# Threads for the core's blocking work; the stdin reader has its own pool (LanguageServer's).
WORKER_THREADS = 4
WATCH_DEBOUNCE_MS = 200
WATCH_STEP_MS = 50
# Settings sections a client may nest the options under in workspace/didChangeConfiguration.
SETTINGS_SECTIONS = ("claudeCodeTracer", "claude-code-tracer", "claude_code_tracer")
# The client-side command code lenses and hover links run (the extension implements it).
OPEN_TRACE_COMMAND = "claudeCodeTracer.openTrace"
# At most one workspace/codeLens/refresh per this many seconds while sessions keep changing.
LENS_REFRESH_SECONDS = 2.0
# How much of the prompt a hover quotes.
HOVER_PROMPT_CHARS = 800
HOVER_PROMPT_LINES = 12
HOVER_TITLE_CHARS = 120


# --- raw-dict protocol ----------------------------------------------------------------------------
@attrs.define
class RawRequest:
    """A request whose params stay the JSON the client sent (pygls would make namedtuples)."""

    id: int | str
    method: str
    jsonrpc: str
    params: Any = None


@attrs.define
class RawNotification:
    method: str
    jsonrpc: str
    params: Any = None


class TracerProtocol(LanguageServerProtocol):
    """Hands the custom methods their params as dicts, and answers requests pygls cannot parse.

    pygls turns unknown methods' params into namedtuples (keys renamed, nested objects echoed back
    as arrays). And when a standard method's params fail to structure, pygls logs and drops the
    message, leaving the client waiting forever; here such a request is answered InvalidParams.
    """

    def structure_message(self, data: dict[str, Any]) -> Any:
        method = data.get("method") if "jsonrpc" in data else None
        if isinstance(method, str) and method in RAW_METHODS:
            if "id" in data:
                return RawRequest(
                    id=data["id"], method=method, jsonrpc=data["jsonrpc"], params=data.get("params")
                )
            return RawNotification(
                method=method, jsonrpc=data["jsonrpc"], params=data.get("params")
            )
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(method, str) and isinstance(data.get("id"), int | str):
                cause = exc.__cause__ or exc
                return RawRequest(
                    id=data["id"],
                    method=_MALFORMED,
                    jsonrpc=str(data.get("jsonrpc")),
                    params={"method": method, "error": _first_line(str(cause))},
                )
            # A nested object that merely looks like a message (or a broken notification): keep
            # the dict; the outer message, if any, goes on being parsed.
            return data

    def handle_message(self, message: Any) -> None:
        # A second `initialize` would re-root pygls' workspace under the running server: refused.
        if getattr(message, "method", None) == types.INITIALIZE and hasattr(message, "id"):
            if getattr(self, "_initialize_seen", False):
                error = JsonRpcInvalidRequest("initialize: the server is already initialized")
                self._send_response(message.id, error=error.to_response_error())
                return
            self._initialize_seen = True
        # pygls drops requests after `shutdown` without an answer; the spec wants InvalidRequest.
        if self._shutdown and hasattr(message, "id") and hasattr(message, "method"):
            if message.method != types.EXIT:
                error = JsonRpcInvalidRequest(f"{message.method}: the server has been shut down")
                self._send_response(message.id, error=error.to_response_error())
                return
        super().handle_message(message)

    def _handle_request(self, msg_id: Any, method_name: str, params: Any) -> None:
        if method_name == _MALFORMED:
            error = JsonRpcInvalidParams(
                f"{params['method']}: the params do not match the LSP specification "
                f"({params['error']})"
            )
            self._send_response(msg_id, error=error.to_response_error())
            return
        super()._handle_request(msg_id, method_name, params)


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "unreadable params"
    return line[:limit]


# --- errors ---------------------------------------------------------------------------------------
def describe_validation_error(method: str, error: ValidationError) -> str:
    """One sentence a person can act on, naming each bad parameter by its wire (camelCase) name."""
    parts: list[str] = []
    for item in error.errors(include_url=False):
        loc = ".".join(str(part) for part in item["loc"])
        kind = item["type"]
        value = item.get("input")
        if kind == "extra_forbidden":
            parts.append(f"unknown parameter '{loc}'")
        elif kind == "string_pattern_mismatch":
            parts.append(
                f"{loc} must be a plain name (letters, digits, '.', '_' or '-'; no '/' and not "
                f"'..'), got {_short(value)}"
            )
        elif kind == "model_type" and not loc:
            parts.append(f"params must be an object, got {type(value).__name__}")
        else:
            where = f"{loc}: " if loc else ""
            parts.append(f"{where}{item['msg']} (got {_short(value)})")
    if len(parts) > 5:
        parts = [*parts[:5], f"and {len(parts) - 5} more"]
    return f"{method}: invalid params: " + "; ".join(parts)


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def to_rpc_error(method: str, exc: BaseException) -> JsonRpcException:
    """Map the core's and pydantic's errors to JSON-RPC errors (see errors.py)."""
    if isinstance(exc, JsonRpcException):
        return exc
    if isinstance(exc, ValidationError):
        data = exc.errors(include_url=False, include_context=False, include_input=False)
        return JsonRpcInvalidParams(describe_validation_error(method, exc), data=data)
    if isinstance(exc, InvalidRequest):
        return JsonRpcInvalidParams(f"{method}: {exc}")
    if isinstance(exc, SourceUnavailable | OSError):
        return JsonRpcException(message=f"{method}: {exc}", code=REQUEST_FAILED)
    if isinstance(exc, TracerError):
        return JsonRpcException(message=f"{method}: {exc}", code=REQUEST_FAILED)
    log.error("%s failed", method, exc_info=(type(exc), exc, exc.__traceback__))
    return JsonRpcInternalError(f"{method}: internal error: {type(exc).__name__}: {exc}")


def parse_params(method: str, raw: Any) -> Params:
    """The params, validated strictly as the JSON they arrived as: ``"10"`` or ``true`` is not a
    number, ``1`` is not a boolean (pydantic's strict JSON mode still reads ISO timestamps and
    enum values, which its strict Python mode would refuse)."""
    model = METHOD_PARAMS[method]
    if raw is None:
        raw = {}
    try:
        return model.model_validate_json(json.dumps(raw), strict=True)
    except ValidationError as exc:
        raise to_rpc_error(method, exc) from None


class _QuietExpectedErrors(logging.Filter):
    """pygls logs a traceback for every error response; InvalidParams and cancels are routine."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "pygls.protocol.json_rpc" and str(record.msg).startswith(
            "Unable to deserialize message"
        ):
            # pygls logs a traceback for params it cannot structure; TracerProtocol answers
            # them InvalidParams, so one line is enough.
            record.msg = "params that do not match the LSP specification: answered InvalidParams"
            record.args = ()
            return True
        if record.exc_info and record.exc_info[0] is not None:
            return not issubclass(
                record.exc_info[0], JsonRpcInvalidParams | JsonRpcRequestCancelled
            )
        return True


# --- the server -----------------------------------------------------------------------------------
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
        self._log_handler: _ClientLogHandler | None = None
        # Beside the code: per open document (uri) its written spans, per path its lens.
        self.spans_cache: dict[str, DocumentSpans] = {}
        self.lens_cache: dict[str, FileLens] = {}
        self._lens_refresh_task: asyncio.Task[None] | None = None
        self._lens_refresh_wanted = False

    # -- tracer lifetime -----------------------------------------------------------------------
    def tracer_options(self, options: ServerOptions) -> TracerOptions:
        roots = [Path(options.projects_root).expanduser()] if options.projects_root else []
        return TracerOptions(
            projects_roots=roots,
            cache_dir=Path(options.cache_dir).expanduser() if options.cache_dir else None,
            session_ttl_seconds=options.session_ttl_seconds,
            max_loaded_bytes=options.max_loaded_bytes,
            archive=options.archive,
            archive_dir=Path(options.archive_dir).expanduser() if options.archive_dir else None,
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
        if self.options.watch:
            self._watch_stop = asyncio.Event()
            self._watch_task = self.spawn(self._watch(self._watch_stop), "watcher")
        else:
            log.info("not watching for changes: the watch option is off")
        self._sweep_task = self.spawn(self._sweep_loop(), "sweeper")

    def stop_background(self) -> None:
        if self._watch_stop is not None:
            self._watch_stop.set()
        for task in (self._watch_task, self._sweep_task):
            if task is not None:
                task.cancel()
        self._watch_task = self._sweep_task = self._watch_stop = None

    async def _watch(self, stop: asyncio.Event) -> None:
        names = {Change.added: "added", Change.modified: "modified", Change.deleted: "deleted"}
        tracer = self.acquire("watcher")
        try:
            roots = [root for root in tracer.roots if root.is_dir()]
        finally:
            self.release(tracer)
        if not roots:
            log.info("not watching for changes: no projects root exists yet")
            return
        # awatch sets up its inotify watches synchronously when first iterated, so a callback
        # queued now runs once they exist: clients (and tests) may rely on "watching" meaning it.
        asyncio.get_running_loop().call_soon(
            log.info, "watching %s", ", ".join(str(root) for root in roots)
        )
        tracer.set_watched(True)  # subagent files are then stat'ed when reported (perf, #10)
        try:
            await self._watch_loop(roots, stop, names)
        finally:
            tracer.set_watched(False)

    async def _watch_loop(
        self, roots: list[Path], stop: asyncio.Event, names: dict[Change, str]
    ) -> None:
        async for batch in awatch(
            *roots,
            watch_filter=_is_transcript_change,
            debounce=WATCH_DEBOUNCE_MS,
            step=WATCH_STEP_MS,
            stop_event=stop,
            recursive=True,
            ignore_permission_denied=True,
        ):
            seen: dict[Path, set[str]] = {}
            for change, path in batch:
                if path.endswith(".jsonl"):
                    seen.setdefault(Path(path), set()).add(names.get(change, "modified"))
                elif change == Change.added:
                    # A new folder is watched only from when its creation is seen; files written
                    # into it before that raise no event of their own, so look for them.
                    for found in await self.run(_transcripts_under, Path(path)):
                        seen.setdefault(found, set()).add("added")
            if not seen:
                continue
            try:
                await self._publish_changes(seen)
            except Exception as exc:
                log.warning("could not map file changes to sessions: %s", exc)

    async def _publish_changes(self, seen: dict[Path, set[str]]) -> None:
        paths = {path: _change_kind(path, kinds) for path, kinds in seen.items()}
        changes = await self.call("watcher", lambda tracer: tracer.changes_for(paths))
        if changes and not self._shut_down:
            note = SessionsDidChange(changes=changes).dump()
            self.protocol.notify(Method.SESSIONS_DID_CHANGE, note)
            self.request_lens_refresh()

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
            self._log_handler = _ClientLogHandler(self)
            logging.getLogger("claude_code_tracer").addHandler(self._log_handler)

    def remove_log_handler(self) -> None:
        if self._log_handler is not None:
            logging.getLogger("claude_code_tracer").removeHandler(self._log_handler)
            self._log_handler = None

    # -- beside the code ---------------------------------------------------------------------
    def open_document(self, uri: str) -> TextDocument | None:
        """The document the client opened (its current text), or None."""
        try:
            return self.workspace.text_documents.get(unquote(uri))
        except Exception:  # no workspace before initialize
            return None

    def forget_document(self, uri: str) -> None:
        self.spans_cache.pop(uri, None)
        path = document_path(uri)
        if path is not None:
            self.lens_cache.pop(path, None)

    def _supports_lens_refresh(self) -> bool:
        try:
            workspace = self.client_capabilities.workspace
        except Exception:
            return False
        lens = workspace.code_lens if workspace else None
        return bool(lens and lens.refresh_support)

    def request_lens_refresh(self) -> None:
        """Ask the client to fetch code lenses again (sessions changed): at once, then at most
        every LENS_REFRESH_SECONDS while changes keep coming."""
        if self._shut_down or not self._supports_lens_refresh():
            return
        try:
            if not any(uris.uri_scheme(u) == "file" for u in self.workspace.text_documents):
                return
        except Exception:
            return
        self._lens_refresh_wanted = True
        if self._lens_refresh_task is None:
            self._lens_refresh_task = self.spawn(self._refresh_lenses(), "code lens refresh")

    async def _refresh_lenses(self) -> None:
        try:
            while self._lens_refresh_wanted and not self._shut_down:
                self._lens_refresh_wanted = False
                try:
                    await asyncio.wait_for(self.workspace_code_lens_refresh_async(None), 10)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.debug("workspace/codeLens/refresh: %s", exc)
                await asyncio.sleep(LENS_REFRESH_SECONDS)
        finally:
            self._lens_refresh_task = None

    async def shut_down(self) -> None:
        self._shut_down = True
        if self._lens_refresh_task is not None:
            self._lens_refresh_task.cancel()
        self.stop_background()
        tracer, self._tracer = self._tracer, None
        self._tracer_error = "the server has shut down"
        if tracer is not None:
            self._retire(tracer)


def _is_transcript_change(change: Any, path: str) -> bool:
    return path.endswith(".jsonl") or (change == Change.added and os.path.isdir(path))


def _transcripts_under(folder: Path) -> list[Path]:
    try:
        return [path for path in folder.rglob("*.jsonl") if path.is_file()]
    except OSError:
        return []


def _change_kind(path: Path, kinds: set[str]) -> str:
    """One kind per path for a debounced batch (a set, so the events' order is lost)."""
    if not path.exists():
        return "deleted"
    return "added" if "added" in kinds else "modified"


class _ClientLogHandler(logging.Handler):
    """Forwards the package's log records to the client as window/logMessage."""

    LEVELS = (
        (logging.ERROR, types.MessageType.Error),
        (logging.WARNING, types.MessageType.Warning),
        (logging.INFO, types.MessageType.Info),
    )

    def __init__(self, server: TracerServer) -> None:
        super().__init__(logging.INFO)
        self.server = server
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        loop = self.server.loop
        if loop is None or loop.is_closed():
            return
        kind = next(
            (t for level, t in self.LEVELS if record.levelno >= level), types.MessageType.Log
        )
        try:
            params = types.LogMessageParams(type=kind, message=self.format(record))
        except Exception:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._send(params)
        else:
            loop.call_soon_threadsafe(self._send, params)

    def _send(self, params: types.LogMessageParams) -> None:
        if self.server._shut_down and params.type != types.MessageType.Error:
            return
        with contextlib.suppress(Exception):
            self.server.window_log_message(params)


class WorkDone:
    """Work-done progress fed by the core's ``progress(done, total)`` callback from any thread.

    Nothing is sent unless the core reports progress (a session already loaded reports none).
    With ``create`` the token is made server-side first (window/workDoneProgress/create).
    """

    def __init__(
        self, server: TracerServer, title: str, token: types.ProgressToken | None, create: bool
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


# --- handlers -------------------------------------------------------------------------------------
Call = Callable[[Tracer, Any], Model]

SIMPLE_METHODS: dict[str, Call] = {
    Method.MESSAGES_PAGE: lambda tracer, params: tracer.page(params),
    Method.MESSAGES_GET: lambda tracer, params: tracer.get_message(params),
    Method.SESSION_METRICS: lambda tracer, params: tracer.metrics(params),
    Method.SESSION_TOOLS: lambda tracer, params: tracer.tools(params),
    Method.SESSION_SUBAGENTS: lambda tracer, params: tracer.subagents(params),
    Method.SESSION_COST: lambda tracer, params: tracer.cost(params),
    Method.SESSION_CONTEXT: lambda tracer, params: tracer.context(params),
    Method.MESSAGES_FILTERS: lambda tracer, params: tracer.filters(params),
    Method.FILES_SESSIONS: lambda tracer, params: tracer.file_sessions(params),
    Method.FILES_HISTORY: lambda tracer, params: tracer.file_history(params),
    Method.SESSION_EXPORT: lambda tracer, params: export_session(tracer, params),
}


def _path_from_uri(method: str, value: str) -> str:
    """LSP clients name files and folders by URI; the core wants a path."""
    if not value.startswith("file:"):
        return value
    try:
        path = uris.to_fs_path(value)
    except ValueError:  # urllib refuses it (e.g. an unclosed IPv6 host: file://[::1/x)
        path = None
    if not path:
        raise JsonRpcInvalidParams(f"{method}: {value!r} is not a file: URI the server can read")
    return path


def _register_simple(server: TracerServer, method: str, call: Call) -> None:
    async def handler(ls: TracerServer, raw: Any) -> dict[str, Any]:
        params = parse_params(method, raw)
        if isinstance(getattr(params, "path", None), str):
            params.path = _path_from_uri(method, params.path)  # type: ignore[attr-defined]
        try:
            return await ls.call(method, lambda tracer: call(tracer, params).dump())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise to_rpc_error(method, exc) from None

    handler.__name__ = "handle_" + method.replace("/", "_")
    server.feature(method)(handler)


async def sessions_list(ls: TracerServer, raw: Any) -> dict[str, Any]:
    method = Method.SESSIONS_LIST
    params = parse_params(method, raw)
    assert isinstance(params, SessionsListParams)
    if params.workspace:
        params.workspace = _path_from_uri(method, params.workspace)
    work: WorkDone | None = None
    if ls.client_supports_work_done():
        work = WorkDone(ls, "Indexing Claude Code sessions", token=None, create=True)
    try:
        progress: ProgressFn | None = work.callback if work else None
        return await ls.call(method, lambda tracer: tracer.list_sessions(params, progress).dump())
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise to_rpc_error(method, exc) from None
    finally:
        if work is not None:
            work.finish()


def _next_dumped(pages: Iterator[MessagesPage]) -> dict[str, Any] | None:
    page = next(pages, None)
    return None if page is None else page.dump()


async def messages_stream(ls: TracerServer, raw: Any) -> dict[str, Any]:
    """Batches go out as ``$/progress`` on the partialResultToken; the response is the last one.

    Every message is sent once, in order: a batch is held back until the next one is read, so
    the batch that turns out to be the last carries the cursor fields in the response.
    """
    method = Method.MESSAGES_STREAM
    params = parse_params(method, raw)
    assert isinstance(params, MessagesStreamParams)
    token = params.partial_result_token
    pending: ConcurrentFuture[Any] | None = None
    pages: Iterator[MessagesPage] | None = None
    tracer: Tracer | None = None

    async def step(fn: Callable[..., T], *args: Any) -> T:
        # `pending` tells the cleanup whether a worker thread is still inside the core.
        nonlocal pending
        pending = ls.executor.submit(fn, *args)
        result = await asyncio.wrap_future(pending)
        pending = None
        return result

    try:
        tracer = ls.acquire(method)  # released by the cleanup, once no thread uses the iterator
        if params.work_done_token is not None:
            work = WorkDone(
                ls, f"Reading session {params.session_id}", params.work_done_token, create=False
            )
            ref = SessionRef(session_id=params.session_id, project=params.project)
            try:
                await step(tracer.ensure_loaded, ref, work.callback)
            finally:
                work.finish()
        pages = tracer.stream_pages(params, params.batch_size)
        held: dict[str, Any] | None = None
        collected: list[Any] = []
        while True:
            page = await step(_next_dumped, pages)
            if page is None:
                break
            if held is not None:
                if token is not None:
                    ls.progress(
                        types.ProgressParams(token=token, value={"messages": held["messages"]})
                    )
                else:
                    collected.extend(held["messages"])
            held = page
        if held is None:
            held = MessagesPage(messages=[]).dump()
        if collected:
            held["messages"] = collected + held["messages"]
        return held
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise to_rpc_error(method, exc) from None
    finally:
        if tracer is not None:
            _cleanup_stream(ls, tracer, pages, pending)


def _cleanup_stream(
    ls: TracerServer,
    tracer: Tracer,
    pages: Iterator[MessagesPage] | None,
    pending: ConcurrentFuture[Any] | None,
) -> None:
    """Close the core's iterator (releasing its resources) once no thread is inside it."""

    def close() -> None:
        try:
            close_fn = getattr(pages, "close", None)
            if close_fn is not None:
                close_fn()
        except Exception:
            log.exception("closing a message stream failed")
        finally:
            ls.release_threadsafe(tracer)

    if pending is not None and not pending.done():
        pending.add_done_callback(lambda _: close())  # runs on the worker thread when it returns
    else:
        try:
            ls.executor.submit(close)
        except RuntimeError:  # executor shut down
            ls.release(tracer)


async def search_query(ls: TracerServer, raw: Any) -> dict[str, Any]:
    """Search every session. With a partialResultToken each session's group of hits goes out
    as ``$/progress`` and the response keeps only the paging fields; a first build of the
    index reports work-done progress."""
    method = Method.SEARCH_QUERY
    params = parse_params(method, raw)
    assert isinstance(params, SearchParams)
    if params.workspace:
        params.workspace = _path_from_uri(method, params.workspace)
    work: WorkDone | None = None
    if params.work_done_token is not None:
        work = WorkDone(ls, "Indexing Claude Code messages", params.work_done_token, create=False)
    elif ls.client_supports_work_done():
        work = WorkDone(ls, "Indexing Claude Code messages", token=None, create=True)
    try:
        progress: ProgressFn | None = work.callback if work else None
        page = await ls.call(method, lambda tracer: tracer.search(params, progress).dump())
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise to_rpc_error(method, exc) from None
    finally:
        if work is not None:
            work.finish()
    token = params.partial_result_token
    if token is not None:
        for group in page["groups"]:
            ls.progress(types.ProgressParams(token=token, value={"groups": [group]}))
            await asyncio.sleep(0)
        page["groups"] = []
    return page


# --- beside the code: code lenses and hovers ------------------------------------------------------
def document_path(uri: str) -> str | None:
    """The absolute path of a ``file:`` document; None for other schemes (untitled:, git:, ...)."""
    try:
        if uris.uri_scheme(uri) != "file":
            return None
        path = uris.to_fs_path(uri)
    except ValueError:  # a URI urllib cannot split: no document of ours
        return None
    if not path or not os.path.isabs(path) or "\x00" in path:
        return None
    return os.path.normpath(path)


def trace_args(touch: FileTouch) -> dict[str, str]:
    """The argument of ``claudeCodeTracer.openTrace``: the message holding the tool call."""
    return {
        "sessionId": touch.session_id,
        "project": touch.project,
        "uuid": touch.uuid,
        "toolUseId": touch.tool_use_id,
    }


def _utc(when: datetime) -> datetime:
    # The catalog stores naive UTC timestamps.
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def ago(when: datetime, now: datetime) -> str:
    """``5 min ago``, ``2 h ago``, ``3 d ago``...; a time in the future (clock skew) is now."""
    seconds = (now - _utc(when)).total_seconds()
    if seconds < 60:
        return "just now"
    for unit, size, limit in (
        ("min", 60, 60),
        ("h", 3600, 48),
        ("d", 86400, 60),
        ("mo", 30 * 86400, 24),
    ):
        if seconds < size * limit:
            return f"{int(seconds // size)} {unit} ago"
    return f"{int(seconds // (365 * 86400))} y ago"


@dataclass(frozen=True)
class FileLens:
    """What the lens of one file says, as of one generation of the file index."""

    generation: int
    edited: bool  # some session wrote the file; else the sessions only read or searched it
    sessions: int
    latest: FileTouch | None  # the newest write (or touch, when only read) of a live session

    def title(self, now: datetime) -> str:
        plural = "" if self.sessions == 1 else "s"
        what = "edited" if self.edited else "read"
        text = f"Claude: {what} in {self.sessions} session{plural}"
        if self.latest is not None and self.latest.timestamp is not None:
            text += f" · last {ago(self.latest.timestamp, now)}"
        return text


def _wrote(info: FileSessionInfo) -> bool:
    return any(info.by_tool.get(tool) for tool in WRITE_TOOLS)


def compute_lens(tracer: Tracer, path: str, cached: FileLens | None) -> FileLens:
    """Worker thread: the lens of ``path`` (``cached`` while the file index is unchanged)."""
    generation = tracer.files_generation()
    if cached is not None and cached.generation == generation:
        return cached
    infos = tracer.file_sessions(FilesSessionsParams(path=path)).sessions
    live = [s for s in infos if not s.deleted]  # a deleted transcript cannot be opened
    if not live:
        return FileLens(generation, edited=False, sessions=0, latest=None)
    writers = [s for s in live if _wrote(s)]
    edited = bool(writers)
    keys = {(s.session_id, s.project) for s in live}
    latest: FileTouch | None = None
    first: FileTouch | None = None
    cursor: str | None = None
    for _ in range(20):  # bounded: reads are interleaved with writes, the newest write is near
        page = tracer.file_history(FilesHistoryParams(path=path, cursor=cursor, limit=200))
        for touch in page.touches:
            if (touch.session_id, touch.project) not in keys:
                continue
            first = first or touch
            if not edited or touch.kind == "write":
                latest = touch
                break
        if latest is not None or not page.has_more:
            break
        cursor = page.next_cursor
    return FileLens(
        generation, edited=edited, sessions=len(writers or live), latest=latest or first
    )


@dataclass(frozen=True)
class HoverSpan:
    """Lines [start, end] of the current text that ``touch`` wrote; ``end_character`` is the
    length of the end line in the client's position units (the hover's range)."""

    start: int
    end: int
    end_character: int
    touch: FileTouch


@dataclass(frozen=True)
class DocumentSpans:
    """The written spans of one version of an open document, newest write first."""

    version: int | None
    generation: int
    spans: tuple[HoverSpan, ...]

    def at(self, line: int) -> HoverSpan | None:
        return next((s for s in self.spans if s.start <= line <= s.end), None)


def compute_spans(
    tracer: Tracer,
    path: str,
    text: str,
    version: int | None,
    codec: PositionCodec,
    cached: DocumentSpans | None,
) -> DocumentSpans:
    """Worker thread: where sessions' writes stand in ``text`` (``cached`` when neither the
    document's version nor the file index changed)."""
    generation = tracer.files_generation()
    if cached is not None and cached.version == version and cached.generation == generation:
        return cached
    found = tracer.written_spans(path, text)
    if found:
        infos = tracer.file_sessions(FilesSessionsParams(path=path)).sessions
        gone = {(s.session_id, s.project) for s in infos if s.deleted}
        found = [w for w in found if (w.touch.session_id, w.touch.project) not in gone]
    lines = text.split("\n") if found else []
    spans = []
    for w in found:
        if w.end_line >= len(lines):
            continue
        end_text = lines[w.end_line].rstrip("\r")
        spans.append(HoverSpan(w.start_line, w.end_line, codec.client_num_units(end_text), w.touch))
    return DocumentSpans(version, generation, tuple(spans))


_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
_BLANKS = re.compile(r"\s+")


def md_text(text: str) -> str:
    """Untrusted text as one line of literal markdown: every ASCII punctuation is escaped (no
    link, image, HTML, autolink or emphasis can form), whitespace runs become one space."""
    return _MD_SPECIAL.sub(r"\\\1", _BLANKS.sub(" ", text).strip())


def md_code_block(text: str) -> str:
    """Untrusted text as a fenced code block: the fence is longer than any backtick run in it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _clip(text: str, chars: int, lines: int | None = None) -> str:
    clipped = text.strip()
    if lines is not None:
        parts = clipped.splitlines()
        if len(parts) > lines:
            clipped = "\n".join(parts[:lines]) + "\n…"
    if len(clipped) > chars:
        clipped = clipped[: chars - 1].rstrip() + "…"
    return clipped


def command_uri(command: str, args: list[Any]) -> str:
    return f"command:{command}?{quote(json.dumps(args), safe='')}"


def render_hover(touch: FileTouch, now: datetime, markdown: bool) -> str:
    """The hover of a written line: session, when, tool, the prompt, a link to the trace."""
    title = _clip(touch.session_title or f"session {touch.session_id}", HOVER_TITLE_CHARS)
    if touch.timestamp is not None:
        when = f"{_utc(touch.timestamp):%Y-%m-%d %H:%M} UTC ({ago(touch.timestamp, now)})"
    else:
        when = "at an unknown time"
    prompt = _clip(touch.prompt or "", HOVER_PROMPT_CHARS, HOVER_PROMPT_LINES)
    if not markdown:
        out = [f"Claude Code wrote this ({touch.tool}) in: {_BLANKS.sub(' ', title)}", when]
        if prompt:
            out += ["", "Prompt:", prompt]
        return "\n".join(out)
    link = command_uri(OPEN_TRACE_COMMAND, [trace_args(touch)])
    out = [
        f"**Claude Code** wrote this ({md_text(touch.tool)}) in *{md_text(title)}*",
        "",
        when,  # made here: digits, '-', ':', '(', ')' and words
    ]
    if prompt:
        out += ["", "Prompt:", "", md_code_block(prompt)]
    out += ["", f'[Open trace]({link} "Open the session at this tool call")']
    return "\n".join(out)


def _hover_markdown(ls: TracerServer) -> bool:
    try:
        hover = ls.client_capabilities.text_document.hover  # type: ignore[union-attr]
    except Exception:
        return True
    formats = hover.content_format if hover else None
    return not formats or types.MarkupKind.Markdown in formats


def _available(ls: TracerServer) -> bool:
    # Without an archive a lens or hover has nothing to say; the failure to open it was shown
    # once already, and an error per hover would only pop the client's output up again.
    return ls._tracer is not None and not ls._shut_down


async def code_lens(ls: TracerServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    """One lens at the top of a file that sessions touched; none for other files."""
    method = types.TEXT_DOCUMENT_CODE_LENS
    uri = params.text_document.uri
    path = document_path(uri)
    if path is None or not _available(ls):
        return []
    cached = ls.lens_cache.get(path)
    try:
        lens = await ls.call(method, lambda tracer: compute_lens(tracer, path, cached))
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise to_rpc_error(method, exc) from None
    if ls.open_document(uri) is not None:
        ls.lens_cache[path] = lens
    if lens.sessions == 0:
        return []
    top = types.Range(types.Position(0, 0), types.Position(0, 0))
    command = None
    if lens.latest is not None:
        command = types.Command(
            title=lens.title(datetime.now(UTC)),
            command=OPEN_TRACE_COMMAND,
            arguments=[trace_args(lens.latest)],
            tooltip="Open the Claude Code session at its latest "
            + ("edit" if lens.edited else "read")
            + " of this file",
        )
    else:
        command = types.Command(title=lens.title(datetime.now(UTC)), command="")
    return [types.CodeLens(range=top, command=command)]


async def hover(ls: TracerServer, params: types.HoverParams) -> types.Hover | None:
    """Which session wrote the hovered line (located in the current text; newest write wins)."""
    method = types.TEXT_DOCUMENT_HOVER
    uri = params.text_document.uri
    path = document_path(uri)
    doc = ls.open_document(uri)
    if path is None or doc is None or not _available(ls):
        return None
    text, version, codec = doc.source, doc.version, doc.position_codec
    cached = ls.spans_cache.get(uri)
    try:
        spans = await ls.call(
            method, lambda tracer: compute_spans(tracer, path, text, version, codec, cached)
        )
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise to_rpc_error(method, exc) from None
    current = ls.open_document(uri)
    if current is not None and current.version == version:
        ls.spans_cache[uri] = spans
    span = spans.at(params.position.line)
    if span is None:
        return None
    markdown = _hover_markdown(ls)
    kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText
    return types.Hover(
        contents=types.MarkupContent(
            kind=kind, value=render_hover(span.touch, datetime.now(UTC), markdown)
        ),
        range=types.Range(
            types.Position(span.start, 0), types.Position(span.end, span.end_character)
        ),
    )


def did_open(ls: TracerServer, params: types.DidOpenTextDocumentParams) -> None:
    # pygls has stored the text; lenses and hovers are computed when asked.
    ls.forget_document(params.text_document.uri)


def did_change(ls: TracerServer, params: types.DidChangeTextDocumentParams) -> None:
    # pygls has applied the (incremental) changes; the spans of the old version are stale.
    ls.spans_cache.pop(params.text_document.uri, None)


def did_close(ls: TracerServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.forget_document(params.text_document.uri)


# --- lifecycle ------------------------------------------------------------------------------------
def _section(raw: Any) -> Any:
    """The options, whether sent bare or nested under the extension's settings section."""
    if isinstance(raw, dict):
        for section in SETTINGS_SECTIONS:
            if isinstance(raw.get(section), dict):
                return raw[section]
    return raw


def read_options(
    ls: TracerServer, raw: Any, source: str, fallback: ServerOptions | None = None
) -> ServerOptions:
    """Options from the client; invalid ones are reported and replaced by ``fallback``."""
    raw = _section(raw)
    if raw is None:
        raw = {}
    try:
        return ServerOptions.model_validate(raw)
    except ValidationError as exc:
        keep = "keeping the current options" if fallback else "using the defaults"
        message = f"{describe_validation_error(source, exc)}; {keep}"
        log.warning("%s", message)
        ls.show_error(message)
        return fallback or ServerOptions()


def initialize(ls: TracerServer, params: types.InitializeParams) -> None:
    # Synchronous on purpose: no request is handled before the tracer exists (opening it is
    # quick: DuckDB in memory plus the catalog file).
    ls.loop = asyncio.get_running_loop()
    ls.install_log_handler()
    options = read_options(ls, params.initialization_options, "initializationOptions")
    ls.options = options
    try:
        tracer = Tracer(ls.tracer_options(options))
    except Exception as exc:
        ls.open_failed(exc)
        return
    ls.install_tracer(tracer, options)


async def initialized(ls: TracerServer, params: types.InitializedParams) -> None:
    ls._initialized = True
    ls.restart_background()


async def _pull_settings(ls: TracerServer) -> Any:
    """Ask a pull-model client (settings: null) for our section; None when it cannot say."""
    workspace = ls.client_capabilities.workspace
    if not (workspace and workspace.configuration):
        return None
    try:
        items = await asyncio.wait_for(
            ls.workspace_configuration_async(
                types.ConfigurationParams(
                    items=[types.ConfigurationItem(section=SETTINGS_SECTIONS[0])]
                )
            ),
            timeout=10,
        )
    except Exception as exc:
        log.warning("could not read the configuration from the client: %s", exc)
        return None
    return items[0] if items else None


async def did_change_configuration(
    ls: TracerServer, params: types.DidChangeConfigurationParams
) -> None:
    """Apply changed settings. Keys not sent keep their current value (send null to reset)."""
    source = "workspace/didChangeConfiguration"
    raw = _section(params.settings)
    if not raw:
        raw = await _pull_settings(ls)
    if not isinstance(raw, dict) or not raw:
        if raw not in (None, {}):
            read_options(ls, raw, source, fallback=ls.options)  # reports the bad value
        return
    merged = {**ls.options.model_dump(by_alias=True, exclude_unset=True), **raw}
    options = read_options(ls, merged, source, fallback=ls.options)
    if options == ls.options and ls._tracer is not None:
        return
    log.info("configuration changed; reopening the archive")
    await ls.apply_options(options)


async def shutdown(ls: TracerServer, params: Any) -> None:
    await ls.shut_down()


def exit_(ls: TracerServer, params: Any) -> None:
    ls.remove_log_handler()
    ls.executor.shutdown(wait=False, cancel_futures=True)


def create_server() -> TracerServer:
    server = TracerServer()
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
    server.feature(types.SHUTDOWN)(shutdown)
    server.feature(types.EXIT)(exit_)
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    server.feature(types.TEXT_DOCUMENT_CODE_LENS)(code_lens)
    server.feature(types.TEXT_DOCUMENT_HOVER)(hover)
    server.feature(Method.SESSIONS_LIST)(sessions_list)
    server.feature(Method.MESSAGES_STREAM)(messages_stream)
    server.feature(Method.SEARCH_QUERY)(search_query)
    for method, call in SIMPLE_METHODS.items():
        _register_simple(server, method, call)
    for method in sorted(set(METHOD_PARAMS) - set(server.protocol.fm.features)):
        log.warning("models.METHOD_PARAMS names %s, which this server does not serve", method)
    return server


def run_stdio() -> None:
    """Serve LSP over stdin/stdout until the client sends exit (or closes the pipe)."""
    # stderr gets warnings (or $CLAUDE_CODE_TRACER_LOG); the client gets INFO via logMessage.
    name = os.environ.get("CLAUDE_CODE_TRACER_LOG", "WARNING").upper()
    level = logging.getLevelNamesMapping().get(name, logging.WARNING)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(level)
    stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    stderr.addFilter(_QuietExpectedErrors())
    root = logging.getLogger()
    root.addHandler(stderr)
    root.setLevel(level)
    logging.getLogger("claude_code_tracer").setLevel(min(level, logging.INFO))
    # pygls' own stdin loop goes deaf or dies on a malformed frame (see framing.py).
    serve_stdio(create_server())


if __name__ == "__main__":
    run_stdio()
