"""Session tables in DuckDB: parsed once, refreshed by appended bytes, dropped when idle.

The seed design used a view over ``read_json_auto``, so every page re-parsed the whole file. Here
the first request for a session parses its files once (orjson, in Python, leniently) into one
DuckDB table per message kind; later requests query those tables. A file that only grew is
refreshed by parsing the appended bytes; any other change reparses the session. Idle sessions
expire after a TTL, and an LRU bound on the bytes loaded evicts the least recently used.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import itertools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from .errors import SessionNotFound, SourceUnavailable
from .models import ALL_KINDS, Kind
from .queries import SUMMARY_COLUMNS, TABLE_NAME
from .transcripts import (
    COLUMNS,
    FileState,
    Parser,
    RowBuffer,
    SessionFiles,
    agent_id_from_name,
    find_agent_files,
    is_agent_file,
    tail_matches,
)

ARROW_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("file_id", pa.int32()),
        ("line", pa.int64()),
        ("byte_offset", pa.int64()),
        ("byte_len", pa.int64()),
        ("uuid", pa.string()),
        ("parent_uuid", pa.string()),
        ("kind", pa.string()),
        ("subtype", pa.string()),
        ("ts", pa.string()),
        ("ts_guessed", pa.bool_()),
        ("is_sidechain", pa.bool_()),
        ("agent_id", pa.string()),
        ("spawned_agent_id", pa.string()),
        ("model", pa.string()),
        ("message_id", pa.string()),
        ("tool_names", pa.list_(pa.string())),
        ("tool_use_ids", pa.list_(pa.string())),
        ("is_error", pa.bool_()),
        ("preview", pa.string()),
        ("search", pa.string()),
        ("input_tokens", pa.int64()),
        ("output_tokens", pa.int64()),
        ("cache_read_tokens", pa.int64()),
        ("cache_creation_tokens", pa.int64()),
    ]
)
assert tuple(ARROW_SCHEMA.names) == COLUMNS

TABLE_DDL = """(
    seq BIGINT, file_id INTEGER, line BIGINT, byte_offset BIGINT, byte_len BIGINT,
    uuid VARCHAR, parent_uuid VARCHAR, kind VARCHAR, subtype VARCHAR, ts TIMESTAMP,
    ts_guessed BOOLEAN, is_sidechain BOOLEAN, agent_id VARCHAR, spawned_agent_id VARCHAR,
    model VARCHAR, message_id VARCHAR, tool_names VARCHAR[], tool_use_ids VARCHAR[],
    is_error BOOLEAN, search VARCHAR, input_tokens BIGINT, output_tokens BIGINT,
    cache_read_tokens BIGINT, cache_creation_tokens BIGINT)"""

_TS = "COALESCE(TRY_CAST(ts AS TIMESTAMP), TIMESTAMP '1970-01-01') AS ts"
# DuckDB holds what filters, sorts and statistics need; display-only text stays out of it.
_INSERT_SELECT = ", ".join(_TS if c == "ts" else c for c in COLUMNS if c != "preview")
# The summary table (Arrow, indexed by seq) holds what a page shows.
_SUMMARY_SELECT = ", ".join(_TS if c == "ts" else c for c in SUMMARY_COLUMNS)

Progress = Callable[[int, int], None]
# (size, mtime_ns, inode, ctime_ns): ctime because a same-size rewrite can restore the mtime
# (os.utime: backups, sync tools) but nothing can set the ctime back.
FileIdentity = tuple[int, int, int, int]
_EMPTY_SUMMARIES = pa.table({c: pa.array([], pa.null()) for c in SUMMARY_COLUMNS})


class Database:
    """One DuckDB database per process; each thread queries through its own cursor."""

    def __init__(self, memory_limit: str | None = None) -> None:
        self.con = duckdb.connect(":memory:")
        if memory_limit:
            self.con.execute("SET memory_limit = ?", [memory_limit])
        self._local = threading.local()
        self._all: list[duckdb.DuckDBPyConnection] = []
        self._lock = threading.Lock()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self.con.cursor()
            self._local.cursor = cur
            with self._lock:
                self._all.append(cur)
        return cur

    def interrupt(self) -> None:
        with self._lock:
            for cur in self._all:
                cur.interrupt()

    def close(self) -> None:
        with self._lock:
            for cur in self._all:
                cur.close()
            self._all.clear()
        self.con.close()


def _libc_trim() -> Callable[[], object] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], object] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return lambda: trim(0)


_TRIM = _libc_trim()
# Arrow's default allocator (mimalloc) keeps freed pages for reuse; the process's resident size
# then stays at the peak of its largest parse. The system allocator gives them back with the
# malloc_trim below (measured on a 94 MB session: 255 -> 236 MB peak).
pa.set_memory_pool(pa.system_memory_pool())


def release_free_memory() -> None:
    """Hand the parse's freed heap back to the OS (glibc keeps it otherwise, and the server's
    resident size would stay at the peak of its largest parse)."""
    if _TRIM is not None:
        _TRIM()


def identity(st: os.stat_result) -> FileIdentity:
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


@dataclass
class LoadedFile:
    path: Path
    agent_id: str | None
    state: FileState = field(default_factory=FileState)
    ident: FileIdentity = (0, 0, 0, 0)


@dataclass(frozen=True)
class SessionView:
    """A consistent snapshot of a loaded session for one request: its tables and its summary
    table change together on a refresh, so a request never mixes two versions."""

    files: SessionFiles
    tables: dict[Kind, str]
    present: dict[Kind, str]
    summaries: pa.Table
    paths: tuple[Path, ...]
    identity: tuple[tuple[str, FileIdentity], ...]
    malformed: int
    replayed: int = 0
    invalid_timestamps: int = 0
    state_lines: tuple[tuple[str, int], ...] = ()

    @property
    def file_names(self) -> list[str]:
        return ["session" if i == 0 else p.name for i, p in enumerate(self.paths)]

    def take(self, seqs: list[int]) -> list[dict[str, object]]:
        """Summary rows by seq (= row index), in the order asked: O(len(seqs)) at any depth."""
        if not seqs:
            return []
        rows: list[dict[str, object]] = self.summaries.take(pa.array(seqs, pa.int64())).to_pylist()
        return rows


class LoadedSession:
    """One session's tables and the parse state needed to refresh them incrementally."""

    _generations = itertools.count(1)

    def __init__(self, files: SessionFiles) -> None:
        self.files = files
        self.key = hashlib.blake2b(str(files.main).encode(), digest_size=8).hexdigest()
        self.lock = threading.Lock()
        self.loaded = False
        self.tables: dict[Kind, str] = {}
        self.counts: dict[Kind, int] = {}
        self.summary_chunks: list[pa.Table] = []
        self.parser = Parser()
        self.loaded_files: list[LoadedFile] = []
        self.last_used = time.monotonic()
        self.view: SessionView | None = None

    @property
    def bytes_loaded(self) -> int:
        return sum(f.state.offset for f in self.loaded_files)

    def make_view(self) -> SessionView:
        if len(self.summary_chunks) > 1:
            self.summary_chunks = [pa.concat_tables(self.summary_chunks).combine_chunks()]
        summaries = self.summary_chunks[0] if self.summary_chunks else _EMPTY_SUMMARIES
        return SessionView(
            files=self.files,
            tables=dict(self.tables),
            present={k: t for k, t in self.tables.items() if self.counts.get(k)},
            summaries=summaries,
            paths=tuple(f.path for f in self.loaded_files),
            identity=tuple((str(f.path), f.ident) for f in self.loaded_files),
            malformed=sum(f.state.malformed + int(f.state.torn_tail) for f in self.loaded_files),
            replayed=self.parser.meta.replayed,
            invalid_timestamps=sum(f.state.bad_timestamps for f in self.loaded_files),
            state_lines=tuple(sorted(self.parser.meta.state_lines.items())),
        )


class SessionStore:
    def __init__(
        self,
        db: Database,
        ttl_seconds: float = 300.0,
        max_loaded_bytes: int = 1 << 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.ttl = ttl_seconds
        self.max_loaded_bytes = max_loaded_bytes
        self.clock = clock
        self._sessions: dict[Path, LoadedSession] = {}
        self._lock = threading.Lock()
        self.full_parses = 0
        self.append_parses = 0

    # -- lifecycle ---------------------------------------------------------------------------------
    def acquire(self, files: SessionFiles, progress: Progress | None = None) -> SessionView:
        """The session's tables, loaded or refreshed as needed. Concurrent callers for one session
        wait on its lock, so its files are parsed once."""
        with self._lock:
            sess = self._sessions.get(files.main)
            if sess is None:
                sess = LoadedSession(files)
                self._sessions[files.main] = sess
        with sess.lock:
            if not sess.loaded:
                self._full_load(sess, files, progress)
            else:
                self._refresh(sess, progress)
            if sess.view is None:
                sess.view = sess.make_view()
            view = sess.view
            sess.last_used = self.clock()
        self._evict_over_budget(keep=sess)
        return view

    def is_fresh(self, files: SessionFiles) -> bool:
        """True when the session is loaded and no file changed (a stat per file, no parse)."""
        sess = self._sessions.get(files.main)
        if sess is None or not sess.loaded:
            return False
        for lf in sess.loaded_files:
            try:
                if identity(lf.path.stat()) != lf.ident:
                    return False
            except OSError:
                return False
        return True

    def loaded_sessions(self) -> list[LoadedSession]:
        with self._lock:
            return [s for s in self._sessions.values() if s.loaded]

    def sweep(self) -> int:
        """Drop sessions idle for longer than the TTL."""
        now = self.clock()
        with self._lock:
            idle = [s for s in self._sessions.values() if now - s.last_used > self.ttl]
        dropped = 0
        for sess in idle:
            if self._drop(sess, only_if_idle_since=now - self.ttl):
                dropped += 1
        if dropped:
            release_free_memory()
        return dropped

    def drop(self, main: Path) -> None:
        sess = self._sessions.get(main)
        if sess is not None:
            self._drop(sess)

    def close(self) -> None:
        for sess in list(self._sessions.values()):
            self._drop(sess)

    # -- internals ---------------------------------------------------------------------------------
    def _drop(self, sess: LoadedSession, only_if_idle_since: float | None = None) -> bool:
        with sess.lock:
            if only_if_idle_since is not None and sess.last_used > only_if_idle_since:
                return False
            with self._lock:
                if self._sessions.get(sess.files.main) is sess:
                    del self._sessions[sess.files.main]
            self._drop_tables(sess.tables)
            sess.tables = {}
            sess.summary_chunks = []
            sess.view = None
            sess.loaded = False
        return True

    def _drop_tables(self, tables: dict[Kind, str]) -> None:
        cur = self.db.cursor()
        for name in tables.values():
            if TABLE_NAME.match(name):
                cur.execute(f"DROP TABLE IF EXISTS {name}")

    def _evict_over_budget(self, keep: LoadedSession) -> None:
        with self._lock:
            sessions = sorted(self._sessions.values(), key=lambda s: s.last_used)
        total = sum(s.bytes_loaded for s in sessions)
        for sess in sessions:
            if total <= self.max_loaded_bytes:
                break
            if sess is keep:
                continue
            total -= sess.bytes_loaded
            self._drop(sess)

    def _new_tables(self, sess: LoadedSession) -> dict[Kind, str]:
        gen = next(LoadedSession._generations)
        tables = {k: f"s_{sess.key}_g{gen}_{k.value}" for k in ALL_KINDS}
        cur = self.db.cursor()
        for name in tables.values():
            assert TABLE_NAME.match(name)
            cur.execute(f"CREATE TABLE {name} {TABLE_DDL}")
        return tables

    def _full_load(
        self, sess: LoadedSession, files: SessionFiles, progress: Progress | None
    ) -> None:
        old_tables = sess.tables
        sess.counts = {}
        sess.summary_chunks = []
        sess.view = None
        sess.parser = Parser()
        # an orphan subagent transcript listed as a session: its own lines are the trunk
        sess.parser.trunk_file_is_agent = is_agent_file(files.main.name)
        sess.loaded_files = []
        tables = self._new_tables(sess)
        try:
            self._parse_files(sess, tables, files.all_files, progress)
        except BaseException:
            self._drop_tables(tables)
            raise
        sess.tables = tables
        sess.files = files
        sess.loaded = True
        self.full_parses += 1
        if old_tables:
            self._drop_tables(old_tables)

    def _parse_files(
        self,
        sess: LoadedSession,
        tables: dict[Kind, str],
        paths: tuple[Path, ...],
        progress: Progress | None,
    ) -> None:
        todo: list[LoadedFile] = []
        for path in paths:
            agent = agent_id_from_name(path.name) if is_agent_file(path.name) else None
            lf = LoadedFile(path, agent)
            sess.loaded_files.append(lf)
            todo.append(lf)
        self._parse_into(sess, tables, todo, progress)

    def _parse_into(
        self,
        sess: LoadedSession,
        tables: dict[Kind, str],
        todo: list[LoadedFile],
        progress: Progress | None,
    ) -> None:
        sizes: dict[int, int] = {}
        for lf in todo:
            try:
                st = lf.path.stat()
            except FileNotFoundError as exc:
                if lf is sess.loaded_files[0]:
                    raise SessionNotFound(f"session file {lf.path.name} no longer exists") from exc
                continue
            except OSError as exc:
                raise SourceUnavailable(f"cannot read {lf.path}: {exc}") from exc
            lf.ident = identity(st)
            sizes[id(lf)] = max(0, st.st_size - lf.state.offset)
        total = sum(sizes.values()) or 1
        done = 0
        buf = RowBuffer()
        for lf in todo:
            if id(lf) not in sizes:
                continue
            file_id = sess.loaded_files.index(lf)
            base = done

            def report(n: int, base: int = base) -> None:
                if progress is not None:
                    progress(min(total, base + n), total)

            def flush(rows: RowBuffer) -> None:
                self._insert(sess, tables, rows)
                rows.clear()

            try:
                done += sess.parser.parse_file(
                    lf.path, file_id, lf.state, buf, lf.agent_id, report, flush
                )
            except FileNotFoundError as exc:
                if file_id == 0:
                    raise SessionNotFound(f"session file {lf.path.name} vanished") from exc
                continue
            except OSError as exc:
                raise SourceUnavailable(f"cannot read {lf.path}: {exc}") from exc
        if len(buf):
            self._insert(sess, tables, buf)
        release_free_memory()
        if progress is not None:
            progress(total, total)

    def _insert(self, sess: LoadedSession, tables: dict[Kind, str], buf: RowBuffer) -> None:
        batch = pa.Table.from_pydict(buf.cols, schema=ARROW_SCHEMA)
        cur = self.db.cursor()
        view = f"batch_{threading.get_ident()}"
        cur.register(view, batch)
        try:
            # The summaries first: a reader that sees a row in DuckDB always finds its summary.
            summary = cur.sql(f"SELECT {_SUMMARY_SELECT} FROM {view} ORDER BY seq")
            sess.summary_chunks.append(summary.to_arrow_table())
            sess.view = None
            present: dict[str, int] = {}
            for kind_name in buf.cols["kind"]:
                present[kind_name] = present.get(kind_name, 0) + 1
            for kind in ALL_KINDS:
                if kind.value in present:
                    sess.counts[kind] = sess.counts.get(kind, 0) + present[kind.value]
                    cur.execute(
                        f"INSERT INTO {tables[kind]} SELECT {_INSERT_SELECT} FROM {view} "
                        "WHERE kind = ? ORDER BY seq",
                        [kind.value],
                    ).fetchall()
        finally:
            cur.unregister(view)

    def _refresh(self, sess: LoadedSession, progress: Progress | None) -> None:
        """Bring a loaded session up to date with its files at the cost of what changed."""
        grown: list[LoadedFile] = []
        for lf in sess.loaded_files:
            try:
                st = lf.path.stat()
            except FileNotFoundError:
                if lf is sess.loaded_files[0]:
                    self._drop_tables(sess.tables)
                    sess.tables = {}
                    sess.summary_chunks = []
                    sess.view = None
                    sess.loaded = False
                    raise SessionNotFound(f"session file {lf.path.name} was deleted") from None
                continue
            ident = identity(st)
            if ident == lf.ident:
                continue
            # Only a file that grew was appended to; a changed file of the same size (or a
            # smaller one) was rewritten, whatever its tail looks like.
            if (
                ident[2] == lf.ident[2]
                and st.st_size > lf.ident[0]
                and st.st_size >= lf.state.offset
                and tail_matches(lf.path, lf.state.offset, lf.state.tail_probe)
            ):
                grown.append(lf)
            else:
                self._full_load(sess, sess.files, progress)
                return
        main_changed = bool(grown) and grown[0] is sess.loaded_files[0]
        new_files: list[LoadedFile] = []
        if main_changed:
            known = {lf.path for lf in sess.loaded_files}
            for path in find_agent_files(sess.files.main, sess.files.session_id):
                if path not in known:
                    lf = LoadedFile(path, agent_id_from_name(path.name))
                    sess.loaded_files.append(lf)
                    new_files.append(lf)
        todo = grown + new_files
        if not todo:
            return
        self._parse_into(sess, sess.tables, todo, progress)
        sess.view = None
        self.append_parses += 1
