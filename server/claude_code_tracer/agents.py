"""Where a session's files are, learned once and kept: request cost independent of the folder.

Finding a session's subagent transcripts used to cost, on every request, a recursive listing of
``<sessionId>/subagents/`` with a stat per file, and in the 2.0.x layout a read of the first line
of *every* flat ``agent-*.jsonl`` beside the sessions (thousands in old project folders) to learn
which session each belongs to. Here each folder is listed once and remembered with its mtime: a
folder's mtime changes when an entry is added, removed or renamed in it, so one ``stat`` of the
folder tells whether the remembered listing still holds. A flat agent file's first line is read
once, when the file is first seen (or, while it has no session id yet, whenever its size changes).

A listing made in the same clock tick as the folder's last change cannot be trusted (a file
created a moment later leaves the same mtime; git calls this "racily clean"): such a listing is
redone on the next request, until the folder has been still for ``SETTLE_NS``.

What this costs per warm request: a stat of the project folder, one per nested subagent folder
(usually one) and ``realpath`` of the main file; no listing, no read, whatever the number of
files around the session.
"""

from __future__ import annotations

import glob
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OutsideRoot, SessionNotFound
from .models import SAFE_NAME
from .transcripts import (
    SessionFiles,
    check_project,
    first_session_id,
    is_agent_file,
    resolve_session,
)

# Longer than the coarsest file-system timestamp tick in practice (jiffies, FAT's 2 s aside).
SETTLE_NS = 50_000_000
_SAFE = re.compile(SAFE_NAME)


def _inside(root: Path, path: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return False
    return True


@dataclass
class _Listing:
    """One folder's entries as of ``mtime_ns``; ``trusted`` once the folder was still long enough
    before the listing for a later change to be sure to move its mtime."""

    mtime_ns: int = -1
    trusted: bool = False
    files: list[str] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)


def _list(path: str, listing: _Listing) -> bool:
    """Refresh ``listing`` if the folder changed (or was listed too early); True if relisted."""
    try:
        st = os.stat(path)
    except OSError:
        changed = listing.mtime_ns != -1
        listing.mtime_ns, listing.trusted, listing.files, listing.dirs = -1, True, [], []
        return changed
    if listing.trusted and st.st_mtime_ns == listing.mtime_ns:
        return False
    started = time.time_ns()
    files: list[str] = []
    dirs: list[str] = []
    try:
        with os.scandir(path) as it:
            for entry in it:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        dirs.append(entry.name)
                    elif entry.name.endswith(".jsonl") and entry.is_file():
                        files.append(entry.name)
                except OSError:
                    continue
    except OSError:
        files, dirs = [], []
    files.sort()
    dirs.sort()
    listing.files, listing.dirs, listing.mtime_ns = files, dirs, st.st_mtime_ns
    listing.trusted = st.st_mtime_ns < started - SETTLE_NS
    return True


@dataclass
class _FlatFolder:
    """A project folder: its flat agent files grouped by the session their first line names."""

    listing: _Listing = field(default_factory=_Listing)
    owner: dict[str, str] = field(default_factory=dict)  # agent file name -> session id
    pending: dict[str, int] = field(default_factory=dict)  # no session id yet -> size then
    by_session: dict[str, tuple[Path, ...]] = field(default_factory=dict)


@dataclass
class _NestedTree:
    """``<sessionId>/subagents/`` and the folders below it (workflows nest deeper)."""

    listings: dict[str, _Listing] = field(default_factory=dict)
    files: tuple[Path, ...] = ()


class SessionLocator:
    """Resolves client-supplied session ids to files and keeps each session's subagent files.

    Thread-safe; one per tracer. ``files()`` returns the same ``agents`` tuple object while
    nothing changed, so a caller can tell "no new file" by identity at O(1)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._mains: dict[tuple[Path, str], Path] = {}  # (root, session id) -> main file
        self._flat: dict[str, _FlatFolder] = {}
        self._nested: dict[str, _NestedTree] = {}
        # main path -> (nested, flat, nested + flat) last returned
        self._agents: dict[str, tuple[tuple[Path, ...], ...]] = {}
        self.listings = 0  # folders listed (for tests: a warm request lists none)
        self.first_line_reads = 0

    # -- resolving ---------------------------------------------------------------------------------
    def resolve(self, roots: list[Path], session_id: str, project: str | None) -> SessionFiles:
        """Find a session's files from a client-supplied id, never leaving the projects roots."""
        if not _SAFE.match(session_id) or (project is not None and not _SAFE.match(project)):
            raise OutsideRoot(
                "a session id or project name is one path segment: no '/', not '.' or '..'"
            )
        if is_agent_file(f"{session_id}.jsonl"):
            # a subagent transcript listed on its own (an orphan): found where it lies
            return resolve_session(roots, session_id, project)
        for root in roots:
            main = self._main(root, session_id, project)
            if main is None:
                continue
            if not _inside(root, main):
                raise OutsideRoot(f"session {session_id} resolves outside the projects root")
            return SessionFiles(
                session_id, main.parent.name, root, main, self.agent_files(main, session_id)
            )
        if project is not None:
            check_project(roots, project)
        where = f" in project {project}" if project else ""
        raise SessionNotFound(f"no session {session_id}{where} under {', '.join(map(str, roots))}")

    def _main(self, root: Path, session_id: str, project: str | None) -> Path | None:
        if project is not None:
            path = root / project / f"{session_id}.jsonl"
            return path if path.is_file() else None
        key = (root, session_id)
        with self._lock:
            known = self._mains.get(key)
        if known is not None and known.is_file():
            return known
        for path in sorted(root.glob(f"*/{glob.escape(session_id)}.jsonl")):
            if path.is_file():
                with self._lock:
                    self._mains[key] = path
                return path
        return None

    # -- subagent files ----------------------------------------------------------------------------
    def agent_files(self, main: Path, session_id: str) -> tuple[Path, ...]:
        """Subagent transcripts of a session in both on-disk layouts: nested under
        ``<sessionId>/subagents/`` (2.1.x, also deeper workflow folders, sorted by path) and flat
        ``agent-*.jsonl`` beside the sessions (2.0.x, matched by the sessionId of their first
        line, sorted by name): the order of ``transcripts.find_agent_files``."""
        with self._lock:
            nested = self._nested_files(str(main.parent / session_id / "subagents"))
            flat = self._flat_files(str(main.parent), session_id)
            key = str(main)
            prev = self._agents.get(key)
            if prev is not None and prev[0] is nested and prev[1] is flat:
                return prev[2]
            agents = nested + flat if flat else nested
            if prev is not None and prev[2] == agents:
                agents = prev[2]
            self._agents[key] = (nested, flat, agents)
            return agents

    def _nested_files(self, top: str) -> tuple[Path, ...]:
        tree = self._nested.get(top)
        if tree is None:
            tree = self._nested[top] = _NestedTree()
        changed = False
        todo = [top]
        seen: set[str] = set()
        while todo:
            folder = todo.pop()
            seen.add(folder)
            listing = tree.listings.get(folder)
            if listing is None:
                listing = tree.listings[folder] = _Listing()
            if _list(folder, listing):
                changed = True
                self.listings += 1
            todo.extend(os.path.join(folder, d) for d in listing.dirs)
        for gone in [f for f in tree.listings if f not in seen]:
            del tree.listings[gone]
            changed = True
        if changed:
            tree.files = tuple(
                sorted(
                    Path(folder, name)
                    for folder, listing in tree.listings.items()
                    for name in listing.files
                    if is_agent_file(name)
                )
            )
        return tree.files

    def _flat_files(self, project_dir: str, session_id: str) -> tuple[Path, ...]:
        folder = self._flat.get(project_dir)
        if folder is None:
            folder = self._flat[project_dir] = _FlatFolder()
        relisted = _list(project_dir, folder.listing)
        if relisted:
            self.listings += 1
        touched = self._learn_owners(project_dir, folder, relisted)
        if relisted or touched:
            by_session: dict[str, list[Path]] = {}
            for name in folder.listing.files:
                sid = folder.owner.get(name)
                if sid is not None:
                    by_session.setdefault(sid, []).append(Path(project_dir, name))
            folder.by_session = {sid: tuple(paths) for sid, paths in by_session.items()}
        return folder.by_session.get(session_id, ())

    def _learn_owners(self, project_dir: str, folder: _FlatFolder, relisted: bool) -> bool:
        """Read the first lines of agent files not matched yet: new ones when the folder was
        relisted, and those still without a session id whose size changed since."""
        learned = False
        if relisted:
            present = {n for n in folder.listing.files if is_agent_file(n)}
            for gone in [n for n in folder.owner if n not in present]:
                del folder.owner[gone]
                learned = True
            for gone in [n for n in folder.pending if n not in present]:
                del folder.pending[gone]
            for name in present:
                if name not in folder.owner and name not in folder.pending:
                    folder.pending[name] = -1
        for name, size_then in list(folder.pending.items()):
            path = os.path.join(project_dir, name)
            try:
                size = os.stat(path).st_size
            except OSError:
                continue
            if size == size_then:
                continue
            self.first_line_reads += 1
            sid = first_session_id(Path(path))
            if sid is None:
                folder.pending[name] = size
            else:
                del folder.pending[name]
                folder.owner[name] = sid
                learned = True
        return learned

    def forget(self, path: Path) -> None:
        """A watcher saw ``path`` change: its folder is listed again on the next request (cheap
        insurance against a file-system whose folder mtimes do not move)."""
        with self._lock:
            for key in (str(path.parent), str(path)):
                folder = self._flat.get(key)
                if folder is not None:
                    folder.listing.trusted = False
                for tree in self._nested.values():
                    listing = tree.listings.get(key)
                    if listing is not None:
                        listing.trusted = False
