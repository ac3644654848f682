"""Which files a session touched, and where the text it wrote stands in a file today.

A tool call names files in its input (Read, Edit, Write, MultiEdit, NotebookEdit; Grep and Glob
paths); a Bash command may name files of the project too, which is recorded as ``inferred`` only
when the file exists. Paths are made absolute against the cwd the entry was written in, so they
compare equal to the paths of the editor's documents.

For the editor, what a session wrote (an Edit's new string, a Write's content) is located in the
document's *current* text, never by line numbers recorded at the time: after the user edits the
file the lines move, and text that is no longer there is not claimed.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from typing import Any

READ_TOOLS = frozenset({"Read"})
WRITE_TOOLS = frozenset({"Edit", "MultiEdit", "Write", "NotebookEdit"})
SEARCH_TOOLS = frozenset({"Grep", "Glob"})
# Written text kept per touch: enough to find an edit again in a file, bounded for huge Writes.
WRITTEN_CHARS = 64 * 1024
# A written snippet shorter than this (after stripping) is too common to attribute lines to.
MIN_WRITTEN_CHARS = 8
MAX_BASH_CANDIDATES = 20


@dataclass(frozen=True)
class Touch:
    path: str
    tool: str
    kind: str  # read | write | search | inferred
    written: str | None = None


def _norm(cwd: str | None, raw: Any) -> str | None:
    if not isinstance(raw, str) or not raw or "\x00" in raw:
        return None
    path = raw
    if not os.path.isabs(path):
        if not cwd:
            return None
        path = os.path.join(cwd, path)
    return os.path.normpath(path)


def touches_of_tool_use(name: str, inp: Any, cwd: str | None) -> list[Touch]:
    """The files one tool_use block names."""
    if not isinstance(inp, dict):
        return []
    if name in WRITE_TOOLS or name in READ_TOOLS:
        path = _norm(cwd, inp.get("file_path") or inp.get("notebook_path"))
        if path is None:
            return []
        if name in READ_TOOLS:
            return [Touch(path, name, "read")]
        return [Touch(path, name, "write", written_text(name, inp))]
    if name in SEARCH_TOOLS:
        path = _norm(cwd, inp.get("path"))
        return [Touch(path, name, "search")] if path else []
    if name == "Bash" and cwd:
        return _bash_touches(inp.get("command"), cwd)
    return []


def written_text(name: str, inp: dict[str, Any]) -> str | None:
    if name == "Edit":
        text = inp.get("new_string")
    elif name == "Write":
        text = inp.get("content")
    elif name == "NotebookEdit":
        text = inp.get("new_source")
    elif name == "MultiEdit":
        edits = inp.get("edits")
        parts: list[str] = [
            str(e["new_string"])
            for e in (edits if isinstance(edits, list) else [])
            if isinstance(e, dict) and isinstance(e.get("new_string"), str)
        ]
        text = "\x00".join(parts) if parts else None  # NUL separates pieces to locate one by one
    else:
        text = None
    return text[:WRITTEN_CHARS] if isinstance(text, str) else None


def _bash_touches(command: Any, cwd: str) -> list[Touch]:
    if not isinstance(command, str):
        return []
    try:
        tokens = shlex.split(command, comments=False)
    except ValueError:
        tokens = command.split()
    out: list[Touch] = []
    seen: set[str] = set()
    candidates = 0
    root = os.path.normpath(cwd)
    for tok in tokens:
        if tok.startswith("-") or ("/" not in tok and "." not in tok) or len(tok) > 400:
            continue
        candidates += 1
        if candidates > MAX_BASH_CANDIDATES:
            break
        path = _norm(cwd, tok)
        if path is None or path in seen:
            continue
        if not (path == root or path.startswith(root + os.sep)):
            continue
        if os.path.isfile(path):
            seen.add(path)
            out.append(Touch(path, "Bash", "inferred"))
    return out


@dataclass(frozen=True)
class Span:
    """Lines [start, end] (0-based, inclusive) of a document that hold written text."""

    start: int
    end: int


def locate(text: str, written: str) -> list[Span]:
    """Where the written text (or each piece of a MultiEdit) stands in the document now."""
    spans: list[Span] = []
    for piece in written.split("\x00"):
        needle = piece.strip("\n")
        if len(needle.strip()) < MIN_WRITTEN_CHARS:
            continue
        at = text.find(needle)
        if at < 0:
            continue
        start = text.count("\n", 0, at)
        spans.append(Span(start, start + needle.count("\n")))
    return spans
