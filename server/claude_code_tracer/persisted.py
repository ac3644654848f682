"""What a transcript line says beyond its content: the tool output Claude Code saved outside the
transcript, and the reasoning effort of an assistant message (FORMAT.md §11).

A large tool output (2.1.x) is written to ``<project>/<sessionId>/tool-results/<id>.txt``; the
tool_result line keeps a short stub and names the file in ``toolUseResult.persistedOutputPath``
(an absolute path on the machine that wrote it). The file is looked for by its name only, in the
folder of the session the line names (``sessionId``) beside the line's project folder: a path
from the line is never followed, so neither ``..`` nor a link nor a copied transcript whose
paths name another machine can lead out of the projects root. A file that is not there is said
to be missing, never an error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .models import SAFE_NAME
from .safefs import inside, read_bounded, regular_stat

# What is shown of one saved output (a person reads it, search indexes its start).
SHOWN_BYTES = 4 * 1024 * 1024
_SAFE = re.compile(SAFE_NAME)
_EFFORTS = ("effort", "perTurnEffort")


def persisted_name(entry: dict[str, Any]) -> str | None:
    """The saved output's file name a tool_result line names, when it is a plain file name."""
    tur = entry.get("toolUseResult")
    if not isinstance(tur, dict):
        return None
    raw = tur.get("persistedOutputPath")
    if not isinstance(raw, str) or not raw:
        return None
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    return name if _SAFE.match(name) and name not in (".", "..") else None


def saved_output_file(project_dir: Path, entry: dict[str, Any]) -> tuple[str, Path | None] | None:
    """(name relative to the session folder, the file or None when missing) for a line that
    names a saved output; None for a line that names none. ``project_dir``: the line's project
    folder under the projects root; the file must be a regular file inside its session folder."""
    name = persisted_name(entry)
    sid = entry.get("sessionId")
    if name is None or not isinstance(sid, str) or not _SAFE.match(sid):
        return None
    rel = f"tool-results/{name}"
    folder = project_dir / sid
    target = folder / "tool-results" / name
    if not inside(project_dir, target) or regular_stat(target, folder) is None:
        return rel, None
    return rel, target


def saved_output_block(project_dir: Path, entry: dict[str, Any]) -> dict[str, Any] | None:
    """A content block with the saved output's text (the stub's own blocks are kept apart), or
    one that says the file is missing; None for a line that names no saved output."""
    found = saved_output_file(project_dir, entry)
    if found is None:
        return None
    rel, path = found
    if path is None:
        return {"type": "saved_output", "file": rel, "missing": True,
                "text": f"[the saved output {rel} is missing]"}  # fmt: skip
    try:
        data = read_bounded(path, SHOWN_BYTES + 1)
    except OSError as exc:
        why = exc.strerror or str(exc)
        return {"type": "saved_output", "file": rel, "missing": True,
                "text": f"[the saved output {rel} cannot be read: {why}]"}  # fmt: skip
    truncated = len(data) > SHOWN_BYTES
    text = data[:SHOWN_BYTES].decode("utf-8", "replace")
    return {"type": "saved_output", "file": rel, "missing": False, "truncated": truncated,
            "text": text}  # fmt: skip


# How much of a saved output search indexes (the start of a large log is what people look for).
INDEXED_BYTES = 1024 * 1024


def saved_output_text(project_dir: Path, entry: dict[str, Any]) -> str:
    """The start of the saved output a tool_result line names ("" when none or missing): what
    search indexes and its snippets show beside the stub's own text."""
    found = saved_output_file(project_dir, entry)
    if found is None or found[1] is None:
        return ""
    try:
        return read_bounded(found[1], INDEXED_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""


def effort_of(entry: dict[str, Any]) -> str | None:
    """The reasoning effort an assistant line was sent with (2.1.212+), when it says one."""
    for key in _EFFORTS:
        value = entry.get(key)
        if isinstance(value, dict):
            value = value.get("level") or value.get("effort")
        if isinstance(value, str) and value:
            return value[:40]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    return None
