"""Where transcripts are: the projects roots and the one discovery of their files.

The catalog's refresh (the one stat loop, see ``ingest``) walks the roots with
``iter_transcripts``; the CLI's cached listing (``listcache``) walks them with the same function
to tell whether anything changed. Light on purpose (the standard library and ``safefs``): a
command that only needs to know what changed imports nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from .safefs import regular_stat


def default_cache_dir() -> Path:
    """Where the catalog, the archive and the index live unless told: $XDG_CACHE_HOME or
    ~/.cache, then ``claude-code-tracer``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "claude-code-tracer"


def default_roots(explicit: str | os.PathLike[str] | None = None) -> list[Path]:
    """The projects roots: an explicit one wins, then $CLAUDE_CONFIG_DIR (a comma-separated list
    is allowed), then ~/.claude."""
    if explicit:
        return [Path(explicit).expanduser()]
    env = os.environ.get("CLAUDE_CONFIG_DIR", "").strip()
    if env:
        return [Path(p.strip()).expanduser() / "projects" for p in env.split(",") if p.strip()]
    return [Path.home() / ".claude" / "projects"]


def is_agent_file(name: str) -> bool:
    return name.startswith("agent-") and name.endswith(".jsonl")


def agent_id_from_name(name: str) -> str:
    return name[len("agent-") : -len(".jsonl")]


def iter_transcripts(
    root: Path, owner: Callable[[Path, os.stat_result], str | None] | None = None
) -> Iterator[tuple[str, str, os.stat_result, str | None]]:
    """Yield (project, path, stat, parent) for every session of a projects root in one pass over
    its folders: trunk transcripts (parent None), then, when ``owner`` is given, the subagent
    transcripts whose session file is gone (Claude Code's cleanup, a partial copy), with the id
    of that session: nested ``<sessionId>/subagents/**/agent-*.jsonl`` beside no
    ``<sessionId>.jsonl``, and flat ``agent-*.jsonl`` whose first line names a session with no
    file. ``owner`` tells a flat file's session (the caller remembers it per file version)."""
    try:
        projects = list(os.scandir(root))
    except OSError:
        return
    for proj in projects:
        if not proj.is_dir(follow_symlinks=False):
            continue
        try:
            entries = list(os.scandir(proj.path))
        except OSError:
            continue
        sessions: set[str] = set()
        for entry in entries:
            name = entry.name
            if not name.endswith(".jsonl") or is_agent_file(name):
                continue
            sessions.add(name[: -len(".jsonl")])
            try:
                linked = entry.is_symlink()
            except OSError:
                continue
            st = regular_stat(entry.path, root, is_symlink=linked)
            if st is not None:
                yield proj.name, entry.path, st, None
        if owner is None:
            continue
        for entry in entries:
            name = entry.name
            try:
                if is_agent_file(name):
                    st = regular_stat(entry.path, root, is_symlink=entry.is_symlink())
                    if st is None:
                        continue
                    parent = owner(Path(entry.path), st)
                    if parent and parent not in sessions:
                        yield proj.name, entry.path, st, parent
                elif name not in sessions and entry.is_dir(follow_symlinks=False):
                    nested = Path(entry.path) / "subagents"
                    if not nested.is_dir():
                        continue
                    for path in sorted(nested.rglob("agent-*.jsonl")):
                        pst = regular_stat(path, root)
                        if pst is not None:
                            yield proj.name, str(path), pst, name
            except OSError:
                continue
