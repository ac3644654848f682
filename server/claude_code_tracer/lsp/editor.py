"""Beside the code: standard LSP on the user's own files (issue 5).

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
  markdown for command links); see ``render.py`` for the escaping. The hover's range covers the
  whole written span.
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
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lsprotocol import types
from pygls import uris
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec

from ..files import WRITE_TOOLS
from ..models import FileSessionInfo, FilesHistoryParams, FilesSessionsParams, FileTouch
from ..tracer import Tracer
from .params import to_rpc_error
from .render import OPEN_TRACE_COMMAND, ago, render_hover, trace_args

if TYPE_CHECKING:
    from .host import DocumentHost, Host

log = logging.getLogger(__name__)

# At most one workspace/codeLens/refresh per this many seconds while sessions keep changing.
LENS_REFRESH_SECONDS = 2.0


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


class EditorState:
    """The server's memory of the client's open documents: their spans and lenses, and the
    pending ``workspace/codeLens/refresh``."""

    def __init__(self, server: DocumentHost) -> None:
        self.server = server
        # Per open document (uri) its written spans, per path its lens.
        self.spans_cache: dict[str, DocumentSpans] = {}
        self.lens_cache: dict[str, FileLens] = {}
        self._refresh_task: asyncio.Task[None] | None = None
        self._refresh_wanted = False

    def open_document(self, uri: str) -> TextDocument | None:
        """The document the client opened (its current text), or None."""
        try:
            return self.server.workspace.text_documents.get(unquote(uri))
        except Exception:  # no workspace before initialize
            return None

    def forget_document(self, uri: str) -> None:
        self.spans_cache.pop(uri, None)
        path = document_path(uri)
        if path is not None:
            self.lens_cache.pop(path, None)

    def _supports_lens_refresh(self) -> bool:
        try:
            workspace = self.server.client_capabilities.workspace
        except Exception:
            return False
        lens = workspace.code_lens if workspace else None
        return bool(lens and lens.refresh_support)

    def request_lens_refresh(self) -> None:
        """Ask the client to fetch code lenses again (sessions changed): at once, then at most
        every LENS_REFRESH_SECONDS while changes keep coming."""
        if self.server.closing or not self._supports_lens_refresh():
            return
        try:
            if not any(uris.uri_scheme(u) == "file" for u in self.server.workspace.text_documents):
                return
        except Exception:
            return
        self._refresh_wanted = True
        if self._refresh_task is None:
            self._refresh_task = self.server.spawn(self._refresh_lenses(), "code lens refresh")

    async def _refresh_lenses(self) -> None:
        try:
            while self._refresh_wanted and not self.server.closing:
                self._refresh_wanted = False
                try:
                    await asyncio.wait_for(self.server.workspace_code_lens_refresh_async(None), 10)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.debug("workspace/codeLens/refresh: %s", exc)
                await asyncio.sleep(LENS_REFRESH_SECONDS)
        finally:
            self._refresh_task = None

    def stop(self) -> None:
        if self._refresh_task is not None:
            self._refresh_task.cancel()


# --- handlers -------------------------------------------------------------------------------------
def _state(ls: Host) -> EditorState:
    """The server's open-document state; the host shows it to other modules only as a
    ``LensRefresher``, the handlers here own its caches."""
    state = ls.editor
    assert isinstance(state, EditorState)
    return state


def _hover_markdown(ls: Host) -> bool:
    try:
        hover = ls.client_capabilities.text_document.hover  # type: ignore[union-attr]
    except Exception:
        return True
    formats = hover.content_format if hover else None
    return not formats or types.MarkupKind.Markdown in formats


def _available(ls: Host) -> bool:
    # Without an archive a lens or hover has nothing to say; the failure to open it was shown
    # once already, and an error per hover would only pop the client's output up again.
    return ls.tracer is not None and not ls.closing


async def code_lens(ls: Host, params: types.CodeLensParams) -> list[types.CodeLens]:
    """One lens at the top of a file that sessions touched; none for other files."""
    method = types.TEXT_DOCUMENT_CODE_LENS
    uri = params.text_document.uri
    path = document_path(uri)
    if path is None or not _available(ls):
        return []
    cached = _state(ls).lens_cache.get(path)
    try:
        lens = await ls.call(method, lambda tracer: compute_lens(tracer, path, cached))
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise to_rpc_error(method, exc) from None
    if _state(ls).open_document(uri) is not None:
        _state(ls).lens_cache[path] = lens
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


async def hover(ls: Host, params: types.HoverParams) -> types.Hover | None:
    """Which session wrote the hovered line (located in the current text; newest write wins)."""
    method = types.TEXT_DOCUMENT_HOVER
    uri = params.text_document.uri
    path = document_path(uri)
    doc = _state(ls).open_document(uri)
    if path is None or doc is None or not _available(ls):
        return None
    text, version, codec = doc.source, doc.version, doc.position_codec
    cached = _state(ls).spans_cache.get(uri)
    try:
        spans = await ls.call(
            method, lambda tracer: compute_spans(tracer, path, text, version, codec, cached)
        )
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise to_rpc_error(method, exc) from None
    current = _state(ls).open_document(uri)
    if current is not None and current.version == version:
        _state(ls).spans_cache[uri] = spans
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


def did_open(ls: Host, params: types.DidOpenTextDocumentParams) -> None:
    # pygls has stored the text; lenses and hovers are computed when asked.
    _state(ls).forget_document(params.text_document.uri)


def did_change(ls: Host, params: types.DidChangeTextDocumentParams) -> None:
    # pygls has applied the (incremental) changes; the spans of the old version are stale.
    _state(ls).spans_cache.pop(params.text_document.uri, None)


def did_close(ls: Host, params: types.DidCloseTextDocumentParams) -> None:
    _state(ls).forget_document(params.text_document.uri)
