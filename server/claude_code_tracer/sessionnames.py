"""Friendly session names from Claude Code's process files (FORMAT.md §11).

``~/.claude/sessions/<pid>.json`` (``{name, sessionId, cwd, kind, startedAt, version}``, 2.1.x) is
the only place a name given with ``/rename`` is joined to a session id; the folder is the
projects root's parent (``~/.claude``, or ``$CLAUDE_CONFIG_DIR``). A session named there is
titled by that name. Each file is untrusted: read bounded, only regular files inside the folder,
a bad one skipped. The folder is listed on each call (a handful of files, one per running or
recent process) and a file is read again only when its (size, mtime) changed.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import orjson

from .safefs import read_bounded, regular_stat

# A process file is a few hundred bytes; more is not one.
MAX_FILE = 64 * 1024
# Bounds the work of a folder filled with something else.
MAX_FILES = 5_000
MAX_NAME = 200

_lock = threading.Lock()
# folder -> {file: (size, mtime_ns, session id, name, started)}
_cache: dict[str, dict[str, tuple[int, int, str, str, str]]] = {}


def _read(path: str) -> tuple[str, str, str] | None:
    try:
        data = orjson.loads(read_bounded(path, MAX_FILE))
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    sid, name = data.get("sessionId"), data.get("name")
    if not isinstance(sid, str) or not isinstance(name, str) or not name.strip():
        return None
    started = data.get("startedAt")
    return sid, " ".join(name.split())[:MAX_NAME], str(started) if started is not None else ""


def friendly_names(roots: list[Path]) -> dict[str, str]:
    """session id -> the name its process files give it (the most recently started one)."""
    out: dict[str, tuple[str, str]] = {}
    for root in roots:
        folder = root.parent / "sessions"
        key = str(folder)
        with _lock:
            old = _cache.get(key, {})
        files: dict[str, tuple[int, int, str, str, str]] = {}
        try:
            entries = [e for e in os.scandir(folder) if e.name.endswith(".json")][:MAX_FILES]
        except OSError:
            continue
        for entry in entries:
            fst = regular_stat(entry.path, folder)
            if fst is None or fst.st_size > MAX_FILE:
                continue
            hit = old.get(entry.path)
            if hit is not None and hit[:2] == (fst.st_size, fst.st_mtime_ns):
                files[entry.path] = hit
                continue
            got = _read(entry.path)
            if got is not None:
                files[entry.path] = (fst.st_size, fst.st_mtime_ns, *got)
        with _lock:
            _cache[key] = files
        for _size, _mtime, sid, name, started in files.values():
            if sid not in out or started >= out[sid][1]:
                out[sid] = (name, started)
    return {sid: v[0] for sid, v in out.items()}
