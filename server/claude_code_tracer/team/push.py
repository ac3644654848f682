"""Pushing this machine's sessions to the team database.

``TeamPush`` stores byte ranges of one author's files (complete lines, starting where the
database's copy ends) and knows nothing of where they came from. Each range is masked
(``redaction``), compressed with zstd and stored with the file's new end in one transaction, so
a push killed at any point leaves either the whole range or none of it, and the next push starts
where the database says the copy ends: every line is stored exactly once.

``push_sessions`` is the driver: it lists this machine's sessions from the catalog (whose
refresh archives their new bytes, and hands them to a ``sink.TeamSink`` when one is
registered), stores what the sink queued, then catches up from the archive only the bytes the
database still lacks, every segment checked against its recorded length and SHA-256
(``verified_bytes``): a damaged segment is reported and never pushed.
"""

from __future__ import annotations

import fnmatch
import getpass
import logging
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import zstandard

from ..models import SessionInfo, SessionsListParams
from .cliargs import CHUNK_BYTES
from .db import TeamUnavailable, _psycopg, check_schema, connect, display_url
from .gitinfo import GitOrigin, origin_of
from .redaction import redact_jsonl

if TYPE_CHECKING:
    from .sink import Piece, TeamSink

log = logging.getLogger(__name__)


# pieces of at most this many files share a transaction
_BATCH_FILES = 500
_LEVEL = 3


def default_author() -> str:
    """``user@host``: who pushed, unless ``--author`` says otherwise."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


@dataclass(frozen=True)
class FileKey:
    """One transcript file of a session: its project folder, its path under that folder (posix),
    and the archive generation (a file rewritten in place starts a new one)."""

    project: str
    path: str
    generation: int
    session_id: str | None = None


@dataclass
class PushReport:
    sessions: int = 0
    sessions_sent: int = 0
    files: int = 0
    chunks: int = 0
    source_bytes: int = 0
    stored_bytes: int = 0
    redactions: dict[str, int] = field(default_factory=dict)
    # bytes stored from the refresh's own read (the sink's queue), not read again
    fed_bytes: int = 0
    # archived segments that did not check out: neither they nor what follows were pushed
    problems: list[str] = field(default_factory=list)


class PushRaced(Exception):
    """Another push of the same author stored bytes of this file meanwhile."""

    def __init__(self, pushed_to: int) -> None:
        super().__init__(pushed_to)
        self.pushed_to = pushed_to


class TeamPush:
    """The sink: stores byte ranges and session rows of one author."""

    def __init__(self, con: Any, author: str, redact: bool = True) -> None:
        self.con = con
        self.author = author
        self.redact = redact
        self.report = PushReport()
        self._zstd = zstandard.ZstdCompressor(level=_LEVEL)
        self.batch_bytes = CHUNK_BYTES
        # queued pieces: (file, start, source length, masked length, zstd blob, redactions)
        self._pending: list[tuple[FileKey, int, int, int, bytes, int]] = []
        self._pending_bytes = 0

    def pushed(self) -> dict[tuple[str, str, int], int]:
        """Where the database's copy of each of this author's files ends (one query)."""
        rows = self.con.execute(
            "SELECT project, path, generation, pushed_to FROM cct.files WHERE author = %s",
            (self.author,),
        ).fetchall()
        self.con.commit()
        return {(r[0], r[1], r[2]): r[3] for r in rows}

    def send(self, key: FileKey, start: int, data: bytes) -> None:
        """Store ``data`` (complete lines) as the bytes of ``key`` from ``start``, now."""
        self.queue(key, start, data)
        self.flush()

    def queue(self, key: FileKey, start: int, data: bytes) -> None:
        """Store ``data`` with the next ``flush``: small files' pieces share one transaction
        (one file at most once per transaction; a batch holds about CHUNK_BYTES)."""
        if not data:
            return
        if any(p[0] == key for p in self._pending) or len(self._pending) >= _BATCH_FILES:
            self.flush()
        if self.redact:
            masked, counts = redact_jsonl(data)
            for kind, n in counts.items():
                self.report.redactions[kind] = self.report.redactions.get(kind, 0) + n
        else:
            masked, counts = data, {}
        blob = self._zstd.compress(masked)
        self._pending.append((key, start, len(data), len(masked), blob, sum(counts.values())))
        self._pending_bytes += len(data)
        if self._pending_bytes >= self.batch_bytes:
            self.flush()

    def discard(self) -> None:
        self._pending, self._pending_bytes = [], 0

    def flush(self) -> None:
        """Store what is queued in one transaction: every piece with its file's new end, or
        (another push got there first: PushRaced) none of them."""
        pending, self._pending, self._pending_bytes = self._pending, [], 0
        if not pending:
            return
        a = self.author
        with self.con.transaction(), self.con.cursor() as cur:
            cur.executemany(
                "INSERT INTO cct.files (author, project, path, generation, session_id)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [(a, k.project, k.path, k.generation, k.session_id) for k, *_ in pending],
            )
            rows = cur.execute(
                "SELECT f.project, f.path, f.generation, f.pushed_to FROM cct.files f"
                " JOIN unnest(%s::text[], %s::text[], %s::int[]) AS w(project, path, generation)"
                " USING (project, path, generation) WHERE f.author = %s FOR UPDATE OF f",
                (
                    [k.project for k, *_ in pending],
                    [k.path for k, *_ in pending],
                    [k.generation for k, *_ in pending],
                    a,
                ),
            ).fetchall()
            ends = {(r[0], r[1], r[2]): r[3] for r in rows}
            for k, start, *_ in pending:
                end = ends.get((k.project, k.path, k.generation), 0)
                if end != start:
                    raise PushRaced(end)
            cur.executemany(
                "INSERT INTO cct.chunks (author, project, path, generation, src_start, src_stop,"
                " raw_len, data, redactions) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (a, k.project, k.path, k.generation, st, st + n, raw, blob, red)
                    for k, st, n, raw, blob, red in pending
                ],
            )
            cur.executemany(
                "UPDATE cct.files SET pushed_to = %s, stored_bytes = stored_bytes + %s"
                " WHERE author = %s AND project = %s AND path = %s AND generation = %s",
                [
                    (st + n, len(blob), a, k.project, k.path, k.generation)
                    for k, st, n, _raw, blob, _red in pending
                ],
            )
        for _k, _st, n, _raw, blob, _red in pending:
            self.report.chunks += 1
            self.report.source_bytes += n
            self.report.stored_bytes += len(blob)

    def sent_sessions(self) -> dict[tuple[str, str], tuple[Any, ...]]:
        rows = self.con.execute(
            "SELECT project, session_id, message_count, last_ts, deleted, remote, git_commit,"
            " repo_root, title FROM cct.sessions WHERE author = %s",
            (self.author,),
        ).fetchall()
        self.con.commit()
        return {(r[0], r[1]): tuple(r[2:]) for r in rows}

    def sessions(self, rows: Iterable[tuple[SessionInfo, GitOrigin]]) -> int:
        """Upsert the catalog rows of sessions (their text masked like the bytes)."""
        params = [self._session_params(s, o) for s, o in rows]
        if not params:
            return 0
        with self.con.transaction(), self.con.cursor() as cur:
            cur.executemany(
                "INSERT INTO cct.sessions (author, project, session_id, cwd, git_branch, remote,"
                " git_commit, title, first_prompt, first_ts, last_ts, message_count, tool_calls,"
                " errors, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,"
                " models, subagent_count, deleted, repo_root) VALUES (%s, %s, %s, %s, %s, %s, %s,"
                " %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (author, project, session_id) DO UPDATE SET cwd = excluded.cwd,"
                " git_branch = excluded.git_branch, remote = excluded.remote,"
                " git_commit = excluded.git_commit, title = excluded.title,"
                " first_prompt = excluded.first_prompt, first_ts = excluded.first_ts,"
                " last_ts = excluded.last_ts, message_count = excluded.message_count,"
                " tool_calls = excluded.tool_calls, errors = excluded.errors,"
                " input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,"
                " cache_read_tokens = excluded.cache_read_tokens,"
                " cache_creation_tokens = excluded.cache_creation_tokens,"
                " models = excluded.models, subagent_count = excluded.subagent_count,"
                " deleted = excluded.deleted, repo_root = excluded.repo_root,"
                " pushed_at = now()",
                params,
            )
        return len(params)

    def _text(self, value: str | None) -> str | None:
        if value is None or not self.redact:
            return value
        from ..redaction import redact

        text, counts = redact(value)
        for kind, n in counts.items():
            self.report.redactions[kind] = self.report.redactions.get(kind, 0) + n
        return text

    def _session_params(self, s: SessionInfo, origin: GitOrigin) -> tuple[Any, ...]:
        return (
            self.author,
            s.project,
            s.session_id,
            self._text(s.cwd),
            s.git_branch,
            origin.remote,
            origin.commit,
            self._text(s.title),
            self._text(s.first_prompt),
            _aware(s.first_timestamp),
            _aware(s.last_timestamp),
            s.message_count,
            s.tool_call_count,
            s.error_count,
            s.tokens.input,
            s.tokens.output,
            s.tokens.cache_read,
            s.tokens.cache_creation,
            list(s.models),
            s.subagent_count,
            s.deleted,
            self._text(origin.toplevel),
        )


def _aware(ts: datetime | None) -> datetime | None:
    from datetime import UTC

    if ts is None:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def lines_in(blocks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """Re-cut blocks of bytes into pieces of about ``size`` bytes ending at a newline (a longer
    line is one piece); a tail without its newline is never yielded."""
    buf = bytearray()
    for block in blocks:
        buf += block
        while len(buf) >= size:
            cut = buf.rfind(b"\n", 0, size)
            if cut < 0:
                cut = buf.find(b"\n", size)
                if cut < 0:
                    break
            yield bytes(buf[: cut + 1])
            del buf[: cut + 1]
    cut = buf.rfind(b"\n")
    if cut >= 0:
        yield bytes(buf[: cut + 1])


# --- the driver -----------------------------------------------------------------------------------
Progress = Callable[[int, int], None]


def _local_sessions(tracer: Any) -> list[SessionInfo]:
    """This machine's sessions: a teammate's (read from a pulled copy, so annotated with its
    author) is never pushed as this machine's."""
    out: list[SessionInfo] = []
    cursor: str | None = None
    while True:
        page = tracer.list_sessions(
            SessionsListParams(limit=1000, cursor=cursor, include_deleted=True)
        )
        copied: frozenset[Path] = getattr(tracer.archive, "skip_roots", frozenset())
        out.extend(
            s
            for s in page.sessions
            if s.author is None and not any(Path(s.path).is_relative_to(r) for r in copied)
        )
        if not page.has_more or not page.next_cursor:
            return out
        cursor = page.next_cursor


def _wanted(s: SessionInfo, globs: list[str]) -> bool:
    if not globs:
        return True
    return any(
        fnmatch.fnmatchcase(s.project, g) or (s.cwd and fnmatch.fnmatchcase(s.cwd, g))
        for g in globs
    )


def push_sessions(
    tracer: Any,
    url: str,
    author: str | None = None,
    projects: list[str] | None = None,
    redact: bool = True,
    chunk_bytes: int = CHUNK_BYTES,
    feed: TeamSink | None = None,
    catch_up: bool = True,
) -> PushReport:
    """Push every local session (or those whose project folder or cwd matches one of
    ``projects``): the bytes the database lacks, then the changed catalog rows.

    With ``feed`` (a ``TeamSink`` registered with the tracer), the bytes the refresh just read
    are stored from its queue first, so the catch-up from the archive finds nothing left to
    read for them; ``catch_up=False`` then limits the archive's part to the files the sink
    marked behind. Without it (the CLI), every file is caught up from the archive."""
    archive = tracer.archive
    if archive is None:
        raise TeamUnavailable("team push reads the archive, which is turned off (--no-archive)")
    # listing refreshes the catalog: what it reads is queued in ``feed`` on the way
    sessions = [s for s in _local_sessions(tracer) if _wanted(s, projects or [])]
    author = author or default_author()
    psycopg = _psycopg()
    with connect(url) as con:
        check_schema(con, url)
        sink = TeamPush(con, author, redact)
        pieces: list[Piece] = []
        behind: set[tuple[str, str]] = set()
        try:
            # one push per author at a time (a second waits, then finds little left to send);
            # a session lock: a killed push's ends with its connection
            con.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"cct-push:{author}",))
            con.commit()
            if feed is not None:
                pieces, behind = feed.take()
            left = _push(sink, archive, sessions, chunk_bytes, pieces, None if catch_up else behind)
            if feed is not None and left:
                feed.mark_behind(left)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise TeamUnavailable(
                f"{display_url(url)} refused to store author {author!r}: "
                f"{str(exc).splitlines()[0]} (the admin maps a role to its author in cct.members)"
            ) from None
        except psycopg.OperationalError as exc:
            if feed is not None:  # nothing taken is lost: the archive holds it, verified
                feed.mark_behind({(p.project, p.path) for p in pieces} | behind)
            raise TeamUnavailable(
                f"lost the team database {display_url(url)} during the push (what was stored "
                f"stays; push again to send the rest): {str(exc).splitlines()[0]}"
            ) from None
    return sink.report


def _push(
    sink: TeamPush,
    archive: Any,
    sessions: list[SessionInfo],
    chunk_bytes: int,
    pieces: list[Piece] | None = None,
    only: set[tuple[str, str]] | None = None,
) -> set[tuple[str, str]]:
    """Store the sink's pieces, catch up from the archive, send the changed rows; returns the
    files still behind (a gap the archive could not fill: a damaged segment)."""
    sink.report.sessions = len(sessions)
    sink.batch_bytes = chunk_bytes
    by_project: dict[str, set[str]] = {}
    for s in sessions:
        by_project.setdefault(s.project, set()).add(s.session_id)
    from .sink import drain

    def wanted(project: str, sid: str) -> bool:
        return sid in by_project.get(project, ())

    left: set[tuple[str, str]] = set()
    waiting: list[Piece] = []
    stops: dict[tuple[str, str], int] = {}
    if pieces:
        fed, waiting = drain(sink, archive, pieces, wanted)
        sink.report.fed_bytes = sum(len(p.data) for p in pieces)
        for p in waiting:  # the catch-up fills the gap before them, and no further
            stops.setdefault((p.project, p.path), p.start)
        if only is not None:
            only = only | fed
    for _attempt in range(3):
        try:
            _push_bytes(sink, archive, by_project, chunk_bytes, only, stops)
            if waiting:
                # the gap before them is filled (unless the archive could not fill it)
                left, waiting = drain(sink, archive, waiting, wanted)
            break
        except PushRaced:
            # another push of this author stored some of these bytes meanwhile: what it
            # stored stays, this pass's batch was rolled back; start again from the database
            log.info("another push of %s ran meanwhile; pushing what is left", sink.author)
            sink.discard()
    else:
        raise TeamUnavailable("the team copy keeps changing under concurrent pushes")
    sent = sink.sent_sessions()
    changed: list[tuple[SessionInfo, GitOrigin]] = []
    origins: dict[str | None, GitOrigin] = {}
    for s in sessions:
        if s.cwd not in origins:
            origins[s.cwd] = origin_of(s.cwd)
        origin = origins[s.cwd]
        before = sent.get((s.project, s.session_id))
        now = (
            s.message_count,
            _aware(s.last_timestamp),
            s.deleted,
            origin.remote,
            origin.commit,
            origin.toplevel,
        )
        if before is None or before[:6] != now:
            changed.append((s, origin))
    sink.report.sessions_sent = sink.sessions(changed)
    return left


def verified_bytes(
    archive: Any, rel: Path, start: int, stop: int, problems: list[str]
) -> Iterator[bytes]:
    """The archived bytes ``[start, stop)`` of a file's newest generation, segment by segment, each
    checked against the length and SHA-256 its index recorded (``Archive.chain`` and
    ``read_segment``, as pages of a deleted session are served). At a segment that does not
    check out it stops, and says so in ``problems``: a damaged segment is never pushed, nor
    anything after it (the database's copy must stay a prefix of the file)."""
    for seg_start, seg_stop, path, digest in archive.chain(rel) or []:
        if seg_stop <= start:
            continue
        if seg_start >= stop:
            return
        data = archive.read_segment(rel, seg_start, seg_stop, path, digest)
        if data is None:
            problems.append(
                f"{rel}: archived segment {path.name} is damaged or does not match its "
                f"checksum; bytes from {seg_start:,} are not pushed"
            )
            return
        yield data[max(0, start - seg_start) : stop - seg_start]
        start = seg_stop


def _push_bytes(
    sink: TeamPush,
    archive: Any,
    by_project: dict[str, set[str]],
    chunk_bytes: int,
    only: set[tuple[str, str]] | None = None,
    stops: dict[tuple[str, str], int] | None = None,
) -> None:
    """The catch-up: each file's archived bytes past the database's copy (``only``: just these
    files; ``stops``: up to where the sink's queued bytes of a file begin), read verified."""
    pushed = sink.pushed()
    sink.report.files = 0
    for project, sids in sorted(by_project.items()):
        if only is not None and not any(p == project for p, _ in only):
            continue
        for sid, rel in archive.project_files(project, sids):
            path = PurePosixPath(*rel.parts[1:]).as_posix()
            if only is not None and (project, path) not in only:
                continue
            latest = archive.latest(rel)
            if latest is None:
                continue
            generation, end = latest
            if stops and (project, path) in stops:
                end = min(end, stops[(project, path)])
            key = FileKey(project, path, generation, sid)
            at = pushed.get((key.project, key.path, generation), 0)
            if end <= at:
                continue
            sink.report.files += 1
            blocks = verified_bytes(archive, rel, at, end, sink.report.problems)
            for piece in lines_in(blocks, chunk_bytes):
                sink.queue(key, at, piece)
                at += len(piece)
    sink.flush()
