"""Pushing this machine's sessions to the team database.

``TeamPush`` is a sink: it is handed a file's identity and a range of its bytes (complete lines,
starting where the database's copy ends) and knows nothing of where they came from. Each range
is masked (``redaction``), compressed with zstd and stored with the file's new end in one
transaction, so a push killed at any point leaves either the whole range or none of it, and the
next push starts where the database says the copy ends: every line is stored exactly once.

``push_sessions`` is the driver the CLI calls: it lists this machine's sessions from the
catalog (which archives their bytes on the way) and feeds the sink from the archive, reading
only the bytes the database does not have yet.
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
from typing import Any, Protocol

import zstandard

from ..models import SessionInfo, SessionsListParams
from .cliargs import CHUNK_BYTES
from .db import TeamUnavailable, _psycopg, check_schema, connect, display_url
from .gitinfo import GitOrigin, origin_of
from .redaction import redact_jsonl

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
) -> PushReport:
    """Push every local session (or those whose project folder or cwd matches one of
    ``projects``): the bytes the database lacks, then the changed catalog rows."""
    archive = tracer.archive
    if archive is None:
        raise TeamUnavailable("team push reads the archive, which is turned off (--no-archive)")
    sessions = [s for s in _local_sessions(tracer) if _wanted(s, projects or [])]
    author = author or default_author()
    psycopg = _psycopg()
    with connect(url) as con:
        check_schema(con, url)
        sink = TeamPush(con, author, redact)
        try:
            # one push per author at a time (a second waits, then finds little left to send);
            # a session lock: a killed push's ends with its connection
            con.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"cct-push:{author}",))
            con.commit()
            _push(sink, archive, sessions, chunk_bytes)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise TeamUnavailable(
                f"{display_url(url)} refused to store author {author!r}: "
                f"{str(exc).splitlines()[0]} (the admin maps a role to its author in cct.members)"
            ) from None
        except psycopg.OperationalError as exc:
            raise TeamUnavailable(
                f"lost the team database {display_url(url)} during the push (what was stored "
                f"stays; push again to send the rest): {str(exc).splitlines()[0]}"
            ) from None
    return sink.report


def _push(sink: TeamPush, archive: Any, sessions: list[SessionInfo], chunk_bytes: int) -> None:
    sink.report.sessions = len(sessions)
    sink.batch_bytes = chunk_bytes
    by_project: dict[str, set[str]] = {}
    for s in sessions:
        by_project.setdefault(s.project, set()).add(s.session_id)
    for _attempt in range(3):
        try:
            _push_bytes(sink, archive, by_project, chunk_bytes)
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


def _push_bytes(
    sink: TeamPush, archive: Any, by_project: dict[str, set[str]], chunk_bytes: int
) -> None:
    pushed = sink.pushed()
    sink.report.files = 0
    for project, sids in sorted(by_project.items()):
        for sid, rel in archive.project_files(project, sids):
            latest = archive.latest(rel)
            if latest is None:
                continue
            generation, end = latest
            key = FileKey(project, PurePosixPath(*rel.parts[1:]).as_posix(), generation, sid)
            at = pushed.get((key.project, key.path, generation), 0)
            if end <= at:
                continue
            sink.report.files += 1
            for piece in lines_in(archive.iter_bytes(rel, generation, at), chunk_bytes):
                sink.queue(key, at, piece)
                at += len(piece)
    sink.flush()


# --- the push as a consumer of the ingest pass ----------------------------------------------------
class ChunkLike(Protocol):
    """What the sink reads of a chunk of the ingest pass (``ingest.Chunk``): complete lines
    ``[start, end)`` of one file under ``root/project``, and whether the file was rewritten."""

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


class TeamSink:
    """``TeamPush`` fed by the refresh (the ingest pass's ``Sink``: ``accept`` each chunk of
    complete lines read, ``finish`` at the end), so a live session's appended lines reach the
    team without being read a second time. A chunk that continues the database's copy is stored;
    one already stored is skipped (or its stored head cut off, at a line end); one after a gap
    (bytes read before the sink was on, or while the database was away) marks its file
    ``behind``, for the driver's catch-up from the archive. Never raises: a database error marks
    the file behind and is logged once per refresh."""

    name = "team"

    def __init__(self, push: TeamPush) -> None:
        self.push = push
        self._ends: dict[tuple[str, str], tuple[int, int]] | None = None
        self.behind: set[tuple[str, str]] = set()
        self.error: str | None = None

    def _state(self) -> dict[tuple[str, str], tuple[int, int]]:
        if self._ends is None:
            newest: dict[tuple[str, str], tuple[int, int]] = {}
            for (project, path, gen), end in sorted(self.push.pushed().items()):
                newest[(project, path)] = (gen, end)
            self._ends = newest
        return self._ends

    def accept(self, chunk: ChunkLike) -> None:
        try:
            rel = chunk.path.relative_to(chunk.root / chunk.project).as_posix()
        except ValueError:
            return
        key = (chunk.project, rel)
        try:
            ends = self._state()
            gen, end = ends.get(key, (0, 0))
            if chunk.restart:
                gen, end = (gen + 1, 0) if end else (gen, 0)
            data, start = chunk.data, chunk.start
            if start < end:  # its head is stored already: keep what follows, from a line end
                cut = end - start
                if cut >= len(data) or data[cut - 1 : cut] != b"\n":
                    return
                data, start = data[cut:], end
            if start > end:
                self.behind.add(key)
                return
            session = (
                None
                if Path(rel).name.startswith("agent-") and "/" not in rel
                else (chunk.session_id)
            )
            self.push.send(FileKey(chunk.project, rel, gen, session), start, data)
            ends[key] = (gen, start + len(data))
        except PushRaced as raced:
            ends = self._state()
            ends[key] = (ends.get(key, (0, 0))[0], raced.pushed_to)
            self.behind.add(key)
        except Exception as exc:  # a sink never raises into the refresh
            if self.error is None:
                log.warning("team push of %s/%s failed: %s", chunk.project, rel, exc)
            self.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.behind.add(key)
            self._ends = None  # read the database's ends again next time

    def finish(self) -> None:
        """Each chunk committed itself: nothing is pending."""
