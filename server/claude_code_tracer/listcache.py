"""The last answer of the plainest listing, kept so that the CLI's ``sessions`` starts at once.

``claude-code-tracer sessions [--limit N] [--json]`` over an archive nothing changed in since the
last listing: the catalog's refresh would read nothing and write nothing, and the query would
give the same sessions. After such a listing the tracer keeps its first ``KEEP`` sessions here
(their wire form and the cursor after each), with what the catalog's stat loop saw: the size,
mtime and ctime of every transcript, the owner of each flat 2.0.x agent file, and the files of
the session-names folder (``sessionnames``). The CLI walks the roots with the same discovery
(``discovery.iter_transcripts``, a stat per file) and answers from here when every stamp is the
same, importing neither DuckDB nor pydantic (their imports were most of the command's time).
Anything else (a changed or new file, a filter, a cursor, a team, costs) takes the full path,
which refreshes the catalog and keeps the new answer.

Light on purpose: the standard library, orjson and ``safefs``/``discovery``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import orjson

from .discovery import iter_transcripts
from .safefs import read_bounded, regular_stat

FILE = "sessions-list.json"
VERSION = 1
# Sessions kept: a listing asks for 20 by default.
KEEP = 200
# What a kept answer may weigh (a stamp per transcript: about 150 bytes each).
MAX_BYTES = 64 * 1024 * 1024


class _Changed(Exception):
    """A flat agent file changed: the owner the catalog knows may not be its owner now."""


def names_stamp(roots: list[Path]) -> list[list[Any]]:
    """(file, size, mtime_ns) of each session-names file beside the roots (a ``/rename`` changes
    a title without touching a transcript)."""
    out: list[list[Any]] = []
    for root in roots:
        folder = root.parent / "sessions"
        try:
            entries = sorted(e.path for e in os.scandir(folder) if e.name.endswith(".json"))
        except OSError:
            continue
        for path in entries:
            st = regular_stat(path, folder)
            if st is not None:
                out.append([path, st.st_size, st.st_mtime_ns])
    return out


def _walk(roots: list[Path], owners: dict[str, list[Any]]) -> dict[str, list[int]] | None:
    """The catalog's stat loop, without the catalog: (size, mtime_ns, ctime_ns) per transcript;
    None when a flat agent file is not as the catalog last saw it."""

    def owner(path: Path, st: os.stat_result) -> str | None:
        hit = owners.get(str(path))
        if hit is None or hit[0] != st.st_size or hit[1] != st.st_mtime_ns:
            raise _Changed
        return hit[2] if isinstance(hit[2], str) else None

    stamps: dict[str, list[int]] = {}
    try:
        for root in roots:
            for _project, key, st, _parent in iter_transcripts(root, owner):
                stamps[key] = [st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    except _Changed:
        return None
    return stamps


def save(
    cache_dir: Path,
    roots: list[str],
    stamps: dict[str, list[int]],
    owners: dict[str, list[Any]],
    sessions: list[dict[str, Any]],
    cursors: list[str | None],
) -> None:
    """Keep a listing's answer: ``sessions`` newest first (their wire form), ``cursors[i]`` the
    next cursor of a page that ends with ``sessions[i]`` (None after the last session). Written
    whole or not at all; a failure costs the next command the full path, nothing else."""
    data = {
        "version": VERSION,
        "roots": roots,
        "stamps": stamps,
        "owners": owners,
        "names": names_stamp([Path(r) for r in roots]),
        "sessions": sessions,
        "cursors": cursors,
    }
    path = cache_dir / FILE
    tmp = path.with_name(f"{FILE}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(orjson.dumps(data))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def forget(cache_dir: Path) -> None:
    with contextlib.suppress(OSError):
        (cache_dir / FILE).unlink()


def answer(cache_dir: Path, roots: list[Path], limit: int) -> dict[str, Any] | None:
    """The page ``sessions --limit`` would print (the wire form of ``SessionsPage``), when the
    archive is as it was at the kept listing; None otherwise (then take the full path)."""
    try:
        data = orjson.loads(read_bounded(cache_dir / FILE, MAX_BYTES))
    except (OSError, orjson.JSONDecodeError):
        return None
    try:
        if data["version"] != VERSION or data["roots"] != [str(r) for r in roots]:
            return None
        sessions: list[dict[str, Any]] = data["sessions"]
        cursors: list[str | None] = data["cursors"]
        if len(cursors) != len(sessions) or limit < 1:
            return None
        if limit > len(sessions) and sessions and cursors[-1] is not None:
            return None  # more asked for than kept
        if names_stamp(roots) != data["names"]:
            return None
        if _walk(roots, data["owners"]) != data["stamps"]:
            return None
        rows = sessions[:limit]
        cursor = cursors[len(rows) - 1] if rows else None
    except (KeyError, TypeError, IndexError, AttributeError):
        return None  # not a file this module wrote
    return {"sessions": rows, "nextCursor": cursor, "hasMore": cursor is not None}
