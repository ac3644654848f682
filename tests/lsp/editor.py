"""An editor's side of the conversation: open, edit and close documents, ask for code lenses and
hovers, and workspaces whose files sessions wrote (the real samples', and generated ones)."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lsprotocol import types
from pygls import uris

from ..synthetic import GeneratedSession, encode_cwd, generate_session
from ..workspace import A0Y_PROJECT, A0Y_SESSION
from .lsp_support import WAIT, TracerClient

OPEN_TRACE = "claudeCodeTracer.openTrace"

EDITOR_CAPABILITIES = types.ClientCapabilities(
    window=types.WindowClientCapabilities(work_done_progress=True),
    workspace=types.WorkspaceClientCapabilities(
        configuration=True,
        code_lens=types.CodeLensWorkspaceClientCapabilities(refresh_support=True),
    ),
    text_document=types.TextDocumentClientCapabilities(
        synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
        hover=types.HoverClientCapabilities(
            content_format=[types.MarkupKind.Markdown, types.MarkupKind.PlainText]
        ),
        code_lens=types.CodeLensClientCapabilities(),
    ),
)


def editor_init(projects: Path, cache: Path) -> types.InitializeParams:
    return types.InitializeParams(
        capabilities=EDITOR_CAPABILITIES,
        initialization_options={"projectsRoot": str(projects), "cacheDir": str(cache)},
    )


@dataclass
class Doc:
    uri: str
    text: str
    version: int = 1


_languages = itertools.cycle(["plaintext", "shellscript", "elixir", "python", "markdown"])


def open_doc(client: TracerClient, where: Path | str, text: str | None = None) -> Doc:
    """didOpen for a file (its text on disk unless given) or a URI (any language id)."""
    if isinstance(where, Path):
        uri = uris.from_fs_path(str(where)) or ""
        if text is None:
            text = where.read_text(encoding="utf-8")
    else:
        uri = where
    doc = Doc(uri, text or "")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=next(_languages), version=1, text=doc.text
            )
        )
    )
    return doc


def _offset(text: str, line: int, character: int) -> int:
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[:line]) + character


def edit_doc(
    client: TracerClient, doc: Doc, start: tuple[int, int], end: tuple[int, int], new: str
) -> None:
    """An incremental didChange replacing [start, end) (line, character; ASCII text)."""
    doc.version += 1
    a, b = _offset(doc.text, *start), _offset(doc.text, *end)
    doc.text = doc.text[:a] + new + doc.text[b:]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(*start), types.Position(*end)), text=new
                )
            ],
        )
    )


def close_doc(client: TracerClient, doc: Doc) -> None:
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=doc.uri))
    )


async def lenses(client: TracerClient, doc: Doc) -> list[types.CodeLens]:
    params = types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=doc.uri))
    return list(await asyncio.wait_for(client.text_document_code_lens_async(params), WAIT) or [])


async def hover(client: TracerClient, doc: Doc, line: int, character: int = 0) -> Any:
    params = types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri),
        position=types.Position(line, character),
    )
    return await asyncio.wait_for(client.text_document_hover_async(params), WAIT)


def link_args(markdown: str) -> list[Any]:
    """The arguments of the (single) ``command:claudeCodeTracer.openTrace?...`` link."""
    start = markdown.index(f"(command:{OPEN_TRACE}?")
    target = markdown[start + 1 : markdown.index(" ", start)]
    return json.loads(unquote(urlsplit(target).query))


def line_of(text: str, needle: str) -> int:
    at = text.index(needle)
    return text.count("\n", 0, at)


# --- transcripts --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    session_id: str
    timestamp: datetime
    uuid: str
    tool_use_id: str
    name: str
    input: dict[str, Any]

    @property
    def written(self) -> list[str]:
        """The text pieces the call wrote (as the core keeps them)."""
        if self.name == "Write":
            return [self.input["content"]]
        if self.name == "Edit":
            return [self.input["new_string"]]
        if self.name == "MultiEdit":
            return [e["new_string"] for e in self.input["edits"]]
        return []


def tool_calls(session: Path) -> Iterator[Call]:
    """The tool calls of a transcript, in file order (lines split on \\n only)."""
    for line in session.read_text(encoding="utf-8").split("\n"):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict) or entry.get("type") != "assistant":
            continue
        stamp = datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00"))
        for block in entry["message"]["content"]:
            if isinstance(block, dict) and block.get("type") == "tool_use":
                yield Call(
                    entry["sessionId"], stamp, entry["uuid"], block["id"], block["name"],
                    block["input"],
                )  # fmt: skip


def copy_session(
    projects: Path, later: timedelta, prompt: str | None = None, session_id: str | None = None
) -> str:
    """A copy of the a0y session under a new id, every timestamp moved ``later``, and its first
    prompt replaced by ``prompt``: another session that wrote the same text."""
    new_id = session_id or str(uuid.uuid4())
    folder = projects / A0Y_PROJECT
    lines = []
    replaced = prompt is None
    for line in (folder / f"{A0Y_SESSION}.jsonl").read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        entry = json.loads(line)
        if entry.get("sessionId") == A0Y_SESSION:
            entry["sessionId"] = new_id
        stamp = entry.get("timestamp")
        if isinstance(stamp, str):
            moved = datetime.fromisoformat(stamp.replace("Z", "+00:00")) + later
            entry["timestamp"] = moved.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        message = entry.get("message")
        if not replaced and entry.get("type") == "user" and isinstance(message, dict):
            if isinstance(message.get("content"), str):
                message["content"] = prompt
                replaced = True
        lines.append(json.dumps(entry))
    tmp = folder / f".{new_id}.tmp"
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.rename(folder / f"{new_id}.jsonl")  # appears whole: the watcher never sees half of it
    return new_id


@dataclass
class Generated:
    """Generated sessions working in ``workspace``, and the files they wrote, recreated."""

    projects: Path
    workspace: Path
    sessions: list[GeneratedSession]
    calls: list[Call]  # every tool call, oldest first
    texts: dict[Path, str]  # the file each written path was given

    def writes(self, path: Path) -> list[Call]:
        return [c for c in self.calls if c.written and Path(c.input["file_path"]) == path]


SEPARATOR = "\n\n# ---- written by hand ----\n\n"


def generate_workspace(tmp: Path, now: datetime) -> Generated:
    """Three sessions (5, 4 and 3 hours ago) in one workspace; every file they wrote holds all
    the texts written to it (separated by a line of the user's), so every write is still there."""
    workspace = tmp / "gen-workspace"
    projects = tmp / "gen-projects"
    folder = projects / encode_cwd(str(workspace))
    sessions = [
        generate_session(
            folder, messages=200, seed=seed, cwd=str(workspace), start=now - timedelta(hours=hours)
        )
        for seed, hours in ((1, 5), (2, 4), (3, 3))
    ]
    calls = sorted((c for s in sessions for c in tool_calls(s.path)), key=lambda c: c.timestamp)
    pieces: dict[Path, list[str]] = {}
    for call in calls:
        for piece in call.written:
            pieces.setdefault(Path(call.input["file_path"]), []).append(piece)
    texts = {}
    for path, parts in pieces.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        text = SEPARATOR.join(parts) + "\n"
        path.write_text(text, encoding="utf-8")
        texts[path] = text
    return Generated(projects, workspace, sessions, calls, texts)
