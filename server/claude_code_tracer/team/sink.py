"""The team push as one more consumer of the refresh's single pass (``ingest.Sink``).

A long-running process (the language server, the MCP server) registers a ``TeamSink`` with
``Tracer.add_sink``: each chunk of complete lines the catalog reads is handed to it with the
catalog's own read, so a live session's appended lines reach the team without a second read of
the transcript nor of the archive. ``accept`` runs inside the refresh, so it does no I/O at all:
it queues the chunk (bounded) and returns; the background sync (``background.TeamSync``) takes
the queue and stores it with ``drain`` on its own thread, where a database that is slow or away
costs no request anything.

What the queue cannot hold (bytes read before the sink was on, a queue over its bound, chunks
taken while the database was away) is not lost: their files are marked ``behind`` and the
sync's catch-up sends what the database lacks from the archive, every segment verified
(``push._push_bytes``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from .push import FileKey, PushRaced, TeamPush

log = logging.getLogger(__name__)

# bytes the queue holds at most between two syncs (a burst beyond it is caught up from the archive)
QUEUE_BYTES = 64 << 20

FileId = tuple[str, str]  # (project, path under the project folder, posix)


class ChunkLike(Protocol):
    """What the sink reads of a chunk of the ingest pass (``ingest.Chunk``): complete lines
    ``[start, start + len(data))`` of one file under ``root/project``, and its session."""

    @property
    def root(self) -> Path: ...
    @property
    def project(self) -> str: ...
    @property
    def session_id(self) -> str: ...
    @property
    def path(self) -> Path: ...
    @property
    def start(self) -> int: ...
    @property
    def data(self) -> bytes: ...
    @property
    def restart(self) -> bool: ...


@dataclass(frozen=True)
class Piece:
    """A queued chunk: the file, its session (the parent session for a subagent file) and
    complete lines from ``start``."""

    project: str
    path: str
    session_id: str
    start: int
    data: bytes


class TeamSink:
    """The queue between the refresh and the background push. Thread-safe: ``accept`` and
    ``finish`` run on the refresh's thread, ``take`` on the sync's."""

    name = "team"

    def __init__(
        self,
        skip_roots: Callable[[], Collection[Path]] = frozenset,
        on_finish: Callable[[], None] | None = None,
        max_bytes: int = QUEUE_BYTES,
    ) -> None:
        # roots of copies kept elsewhere (teammates' pulled sessions): never this machine's
        self.skip_roots = skip_roots
        self.on_finish = on_finish
        self.max_bytes = max_bytes
        self.paused = False  # the database is away: mark files behind, queue nothing
        self._lock = threading.Lock()
        self._pieces: list[Piece] = []
        self._queued: dict[FileId, int] = {}  # pieces queued per file
        self._bytes = 0
        self._behind: set[FileId] = set()
        self._fresh = False
        self.closed = False

    def close(self) -> None:
        """Stop queueing (the sync that took the queue stopped); drops what was queued."""
        with self._lock:
            self.closed = True
            self._pieces, self._behind, self._bytes = [], set(), 0
            self._queued = {}

    def accept(self, chunk: ChunkLike) -> None:
        if self.closed:
            return
        root = chunk.root
        if any(root == r or root.is_relative_to(r) for r in self.skip_roots()):
            return
        try:
            rel = chunk.path.relative_to(root / chunk.project).as_posix()
        except ValueError:
            return
        fid = (chunk.project, rel)
        with self._lock:
            self._fresh = True
            if chunk.restart and self._queued.pop(fid, 0):
                # read from byte 0: the file was rewritten, and what is queued of it belongs
                # to its old copy (drain names every piece by the archive's current
                # generation: an old append would be stored as the new copy's continuation)
                old = [p for p in self._pieces if (p.project, p.path) == fid]
                self._pieces = [p for p in self._pieces if (p.project, p.path) != fid]
                self._bytes -= sum(len(p.data) for p in old)
            if self.paused or self._bytes + len(chunk.data) > self.max_bytes:
                self._behind.add(fid)
                return
            self._pieces.append(
                Piece(chunk.project, rel, chunk.session_id, chunk.start, chunk.data)
            )
            self._bytes += len(chunk.data)
            self._queued[fid] = self._queued.get(fid, 0) + 1

    def finish(self) -> None:
        """The refresh is over: wake the sync when it brought something."""
        with self._lock:
            fresh, self._fresh = self._fresh, False
        if fresh and self.on_finish is not None:
            self.on_finish()

    def mark_behind(self, files: Collection[FileId]) -> None:
        with self._lock:
            self._behind.update(files)

    def take(self) -> tuple[list[Piece], set[FileId]]:
        """Everything queued and every file marked behind, emptying both."""
        with self._lock:
            pieces, behind = self._pieces, self._behind
            self._pieces, self._behind, self._bytes = [], set(), 0
            self._queued = {}
        return pieces, behind

    @property
    def queued_bytes(self) -> int:
        with self._lock:
            return self._bytes


def _file_key(piece: Piece, generation: int) -> FileKey:
    # a flat 2.0.x agent file names its session only inside (as the archive's listing has it)
    flat_agent = "/" not in piece.path and PurePosixPath(piece.path).name.startswith("agent-")
    return FileKey(piece.project, piece.path, generation, None if flat_agent else piece.session_id)


def drain(
    push: TeamPush,
    archive: Any,
    pieces: list[Piece],
    wanted: Callable[[str, str], bool] | None = None,
) -> tuple[set[FileId], list[Piece]]:
    """Store the queued pieces that continue the database's copy of their file; returns the files
    left behind (a gap before a piece, another push storing the same file meanwhile), for the
    catch-up from the archive, and the pieces that wait for it (those after a gap: once the
    catch-up has filled the gap, from the archive up to their start, they are drained again and
    their bytes are not read back). The generation of each file is the archive's (the refresh that
    read the piece archived it first), so the catch-up and the sink name the same copy. Database
    errors propagate (the caller marks every piece's file behind)."""
    behind: set[FileId] = set()
    waiting: list[Piece] = []
    gapped: set[FileId] = set()
    if not pieces:
        return behind, waiting
    ends = push.pushed()
    generations: dict[FileId, int | None] = {}
    try:
        for piece in pieces:
            fid = (piece.project, piece.path)
            if wanted is not None and not wanted(piece.project, piece.session_id):
                continue
            if fid in gapped:  # the rest of a file after a gap waits with it
                waiting.append(piece)
                continue
            if fid in behind:
                continue
            if fid not in generations:
                latest = archive.latest(Path(piece.project, *piece.path.split("/")))
                generations[fid] = None if latest is None else latest[0]
            gen = generations[fid]
            if gen is None:  # not archived (a folder the archive skips): nothing to name it by
                behind.add(fid)
                continue
            end = ends.get((piece.project, piece.path, gen), 0)
            data, start = piece.data, piece.start
            if start < end:  # its head is stored already: keep what follows, from a line end
                cut = end - start
                if cut >= len(data):
                    continue
                if data[cut - 1 : cut] != b"\n":
                    behind.add(fid)
                    continue
                data, start = data[cut:], end
            if start > end:  # bytes the queue never held: the catch-up sends them first
                behind.add(fid)
                gapped.add(fid)
                waiting.append(Piece(piece.project, piece.path, piece.session_id, start, data))
                continue
            push.queue(_file_key(piece, gen), start, data)
            ends[(piece.project, piece.path, gen)] = start + len(data)
        push.flush()
    except PushRaced:
        # another push of this author stored some of these files meanwhile: this batch was
        # rolled back; the catch-up reads what the database still lacks
        push.discard()
        behind.update((p.project, p.path) for p in pieces)
        waiting = []
    return behind, waiting
