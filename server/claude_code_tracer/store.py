"""Session tables in DuckDB: parsed once, refreshed by appended bytes, dropped when idle.

The seed design used a view over ``read_json_auto``, so every page re-parsed the whole file. Here
the first request for a session parses its files once (orjson, in Python, leniently) into one
DuckDB table per message kind; later requests query those tables. A file that only grew is
refreshed by parsing the appended bytes; any other change reparses the session. Idle sessions
expire after a TTL, and an LRU bound on the bytes loaded evicts the least recently used.

Requests read snapshots (``SessionView``): the rows whose seq is below the count the view was made
with. An append inserts higher seqs into the same tables, which older views never see; a reload
fills a new generation of tables and retires the old one, dropped when its last view is released.
So a long request (a whole-session stream) is never disturbed by the live session under it. A
big session not loaded yet can be parsed on a thread of its own, publishing a view after every
batch of rows: its head is served while the rest is parsed.
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import ctypes.util
import functools
import hashlib
import itertools
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from . import bytesource
from .bytesource import ArchivedStat, stat_source
from .errors import SessionNotFound, SourceUnavailable
from .ingest import Chunk, Record
from .models import ALL_KINDS, Kind
from .pageorder import Orders
from .queries import SUMMARY_COLUMNS, TABLE_NAME
from .transcripts import (
    COLUMNS,
    FLUSH_ROWS,
    FileState,
    Parser,
    RowBuffer,
    SessionFiles,
    agent_id_from_name,
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
# While a watcher reports changes, a loaded session's subagent files are stat'ed only when it
# reported them, and all of them at least this often (insurance against a lost event).
FULL_CHECK_SECONDS = 2.0
# (size, mtime_ns, inode, ctime_ns): ctime because a same-size rewrite can restore the mtime
# (os.utime: backups, sync tools) but nothing can set the ctime back.
FileIdentity = tuple[int, int, int, int]
_EMPTY_SUMMARIES = pa.table({c: pa.array([], pa.null()) for c in SUMMARY_COLUMNS})


class Database:
    """One DuckDB database per process; each thread queries through its own cursor."""

    def __init__(self, memory_limit: str | None = None) -> None:
        self.con = duckdb.connect(":memory:")
        # No automatic checkpoint: on an in-memory database it compresses the tables written
        # since the last one, holding both copies meanwhile. Loading the 1 GB session, that made
        # DuckDB's memory jump from ~150 to ~400 MB at each checkpoint (peak RSS 860 MB, load
        # 14.3 s); without it the table stays uncompressed (~240 MB), the peak is 653 MB and
        # the load 11.0 s (benchmarks/shapes.py).
        self.con.execute("SET checkpoint_threshold = '1TB'")
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


def identity(st: os.stat_result | ArchivedStat) -> FileIdentity:
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


@dataclass
class LoadedFile:
    path: Path
    agent_id: str | None
    file_id: int
    state: FileState = field(default_factory=FileState)
    ident: FileIdentity = (0, 0, 0, 0)
    spath: str = field(init=False)  # os.stat(str) is half the cost of Path.stat

    def __post_init__(self) -> None:
        self.spath = str(self.path)


class TableSet:
    """One generation of a session's table, with the number of requests reading it.

    A full reload makes a new generation and *retires* the old one; a retired table is dropped
    when the last request that holds a view of it releases it, never under a running query."""

    __slots__ = ("name", "retired", "users")

    def __init__(self, name: str) -> None:
        self.name = name
        self.users = 0
        self.retired = False


def bounded(name: str, bound: int, kind: Kind | None = None) -> str:
    """The rows of a session's table a view may see: those parsed before the view was made, of
    one kind when ``kind`` is given. A refresh appends rows with higher seqs to the same table; a
    view made earlier never sees them, so its queries and its summaries stay consistent however
    the files grow meanwhile."""
    assert TABLE_NAME.match(name)
    if kind is None:
        return f"(SELECT * FROM {name} WHERE seq < {int(bound)})"
    return f"(SELECT * FROM {name} WHERE seq < {int(bound)} AND kind = '{kind.value}')"


@dataclass(frozen=True)
class SessionView:
    """A consistent snapshot of a loaded session for one request: the rows with ``seq < bound``
    of its tables, and the summaries of exactly those rows. Obtained from
    ``SessionStore.acquire`` and handed back with ``release`` (or ``SessionStore.use``)."""

    files: SessionFiles
    #: every kind's rows, each a bounded subquery of the one table (``bounded``)
    tables: dict[Kind, str]
    #: the same, only for the kinds that have rows
    present: dict[Kind, str]
    #: all the view's rows, whatever their kind
    table: str
    chunks: tuple[pa.Table, ...]
    starts: tuple[int, ...]
    bound: int
    paths: tuple[Path, ...]
    malformed: int
    version: int
    complete: bool = True
    parsed: tuple[int, int] = (0, 0)
    tableset: TableSet | None = field(default=None, compare=False, repr=False)
    replayed: int = 0
    invalid_timestamps: int = 0
    invalid_numbers: int = 0
    state_lines: tuple[tuple[str, int], ...] = ()
    #: Page orders by filter, sorted once per view (``pageorder``): warm pages without SQL.
    orders: Orders = field(default_factory=Orders, compare=False, repr=False)

    @property
    def identity(self) -> int:
        """A key for results computed from this view (views are immutable)."""
        return self.version

    @functools.cached_property
    def file_names(self) -> list[str]:
        return ["session" if i == 0 else p.name for i, p in enumerate(self.paths)]

    def take(self, seqs: list[int]) -> list[dict[str, object]]:
        """Summary rows by seq (= row index), in the order asked: O(len(seqs) log chunks) at any
        depth. Chunks are never concatenated (Arrow's take over a chunked table would copy the
        whole table first, 0.6 s on a million rows)."""
        if not seqs:
            return []
        out: list[dict[str, object]] = [{}] * len(seqs)
        groups: dict[int, tuple[list[int], list[int]]] = {}
        starts = self.starts
        for i, seq in enumerate(seqs):
            if not 0 <= seq < self.bound:
                raise IndexError(f"seq {seq} is outside this view (0..{self.bound})")
            c = bisect.bisect_right(starts, seq) - 1
            pos, local = groups.setdefault(c, ([], []))
            pos.append(i)
            local.append(seq - starts[c])
        for c, (pos, local) in groups.items():
            rows = self.chunks[c].take(pa.array(local, pa.int64())).to_pylist()
            for i, row in zip(pos, rows, strict=True):
                out[i] = row
        return out


def _arrow_summaries(batch: pa.Table) -> pa.Table | None:
    """The batch's summary rows, made in Arrow: what ``_SUMMARY_SELECT`` makes in DuckDB, without
    a DuckDB scan of the batch (~2.5 ms a flush, most of a small session's load). None when a
    time does not parse as Arrow reads ISO 8601 (DuckDB's TRY_CAST then decides, as before)."""
    try:
        ts = pc.cast(batch.column("ts"), pa.timestamp("us", "UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    ts = pc.fill_null(pc.cast(ts, pa.timestamp("us")), pa.scalar(0, pa.timestamp("us")))
    summary = batch.select(list(SUMMARY_COLUMNS))
    summary = summary.set_column(summary.schema.get_field_index("ts"), "ts", ts)
    return summary.sort_by("seq")


class _Cancelled(Exception):
    """A background load was told to stop (the session was dropped or the store closed)."""


class LoadedSession:
    """One session's tables and the parse state needed to refresh them incrementally."""

    _generations = itertools.count(1)
    _versions = itertools.count(1)

    def __init__(self, files: SessionFiles) -> None:
        self.files = files
        self.key = hashlib.blake2b(str(files.main).encode(), digest_size=8).hexdigest()
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)  # a background load published or ended
        self.loaded = False
        self.loader: threading.Thread | None = None
        self.load_error: BaseException | None = None
        self.cancel = False
        self.tableset: TableSet | None = None
        self.counts: dict[Kind, int] = {}
        self.summary_chunks: list[pa.Table] = []
        self.rows = 0
        self.parser = Parser()
        self.loaded_files: list[LoadedFile] = []
        self.known: set[Path] = set()
        self.last_used = time.monotonic()
        self.view: SessionView | None = None
        # The page orders of the last view made, and of which tables: an append-only refresh
        # keeps the tables, and the next view extends those orders instead of sorting anew.
        self.last_orders: tuple[TableSet, Orders] | None = None
        self.parsed: tuple[int, int] = (0, 0)
        self.listener: Progress | None = None
        self.bytes_loaded = 0
        self.by_path: dict[str, LoadedFile] = {}
        self.dirty: set[str] = set()  # files a watcher reported since the last check
        self.checked_at = -1e18  # when every file was last stat'ed

    @property
    def table(self) -> str | None:
        return self.tableset.name if self.tableset is not None else None

    def count_bytes(self) -> None:
        """Update ``bytes_loaded`` (what the memory budget counts) after a parse."""
        self.bytes_loaded = sum(f.state.offset for f in self.loaded_files)

    def add_summaries(self, chunk: pa.Table) -> None:
        """Keep summary chunks few without copying much: a small chunk is merged into the small
        one before it (so a live session's one-line appends do not pile up as chunks)."""
        self.summary_chunks.append(chunk.combine_chunks())
        self.rows += chunk.num_rows
        chunks = self.summary_chunks
        while len(chunks) >= 2 and chunks[-2].num_rows < FLUSH_ROWS:
            last = chunks.pop()
            chunks[-1] = pa.concat_tables([chunks[-1], last]).combine_chunks()

    def make_view(self, complete: bool = True) -> SessionView:
        assert self.tableset is not None
        starts: list[int] = []
        n = 0
        for chunk in self.summary_chunks:
            starts.append(n)
            n += chunk.num_rows
        name = self.tableset.name
        prev = self.last_orders
        orders = prev[1].successor() if prev and prev[0] is self.tableset else Orders()
        self.last_orders = (self.tableset, orders)
        return SessionView(
            files=self.files,
            tables={k: bounded(name, n, k) for k in ALL_KINDS},
            present={k: bounded(name, n, k) for k in ALL_KINDS if self.counts.get(k)},
            table=bounded(name, n),
            chunks=tuple(self.summary_chunks),
            starts=tuple(starts),
            bound=n,
            paths=tuple(f.path for f in self.loaded_files),
            malformed=sum(f.state.malformed + int(f.state.torn_tail) for f in self.loaded_files),
            replayed=self.parser.meta.replayed,
            invalid_timestamps=sum(f.state.bad_timestamps for f in self.loaded_files),
            invalid_numbers=sum(f.state.bad_numbers for f in self.loaded_files),
            state_lines=tuple(sorted(self.parser.meta.state_lines.items())),
            version=next(LoadedSession._versions),
            complete=complete,
            parsed=self.parsed,
            orders=orders,
            tableset=self.tableset,
        )


class SessionStore:
    def __init__(
        self,
        db: Database,
        ttl_seconds: float = 300.0,
        max_loaded_bytes: int = 1 << 30,
        clock: Callable[[], float] = time.monotonic,
        head_first_bytes: int = 16 << 20,
    ) -> None:
        self.db = db
        self.ttl = ttl_seconds
        self.max_loaded_bytes = max_loaded_bytes
        self.clock = clock
        # A session whose files hold at least this many bytes is parsed in the background, its
        # head served as soon as it is parsed (``acquire(head_first=True)``).
        self.head_first_bytes = head_first_bytes
        self._sessions: dict[Path, LoadedSession] = {}
        self._lock = threading.Lock()
        self.full_parses = 0
        self.append_parses = 0
        self.tables_dropped = 0
        self.file_stats = 0  # stats of loaded files by refreshes (tests: a warm request's cost)
        # True while a watcher calls ``changed`` for every transcript change under the roots.
        self.watched = False
        self._owners: dict[str, LoadedSession] = {}
        # The store is a sink of the ingest pass (``accept``); what it reads of an append on
        # its own (a request came before the pass) goes to ``on_append``: the pass takes those
        # bytes from there instead of reading them again (``Catalog.park``).
        self.on_append: Callable[[Chunk], None] | None = None
        self.sink_parses = 0  # appends taken from the pass's chunks (tests)

    # -- a sink of the ingest pass -----------------------------------------------------------------
    name = "store"

    def wants(self, path: Path) -> bool:
        """Only a loaded session's files, and not while it is loaded in the background (its
        loader reads them): the pass decodes records for the store only then."""
        sess = self._owners.get(str(path))
        return sess is not None and sess.loaded and sess.loader is None

    def accept(self, chunk: Chunk) -> None:
        """Rows of a loaded session from the pass's chunk, when it continues where the
        session's last parse of that file stopped: the store then does not read those bytes
        again. Anything else (a session not loaded, being loaded, or used by a request right
        now; a chunk before or after the store's offset; a rewrite) is left to the store's own
        refresh, which reads what it lacks."""
        key = str(chunk.path)
        with self._lock:
            sess = self._owners.get(key)
        if sess is None or not sess.lock.acquire(blocking=False):
            return
        try:
            lf = sess.by_path.get(key)
            if (
                lf is None
                or not sess.loaded
                or sess.loader is not None
                or sess.tableset is None
                or lf.state.offset != chunk.start
                or chunk.start == 0
                # rows without a time wait for the next dated line, maybe in a later chunk
                or lf.state.last_ts is None
            ):
                return
            buf = RowBuffer()
            try:
                sess.parser.parse_chunk(chunk, lf.file_id, lf.state, buf, lf.agent_id)
                if len(buf):
                    self._insert(sess, sess.tableset.name, buf, self.db.cursor())
            except BaseException:
                self._reset(sess, sess.files)  # the next request loads it anew
                raise
            sess.count_bytes()
            sess.view = None
            self.sink_parses += 1
            # The file as the pass left it (no line being written after the chunk): the next
            # request's stat finds it fresh and reads nothing, not even a tail probe.
            with contextlib.suppress(OSError):
                st = stat_source(lf.spath)
                if st.st_size == chunk.end and st.st_ino == lf.ident[2]:
                    lf.ident = identity(st)
        finally:
            sess.lock.release()

    def finish(self) -> None:
        """Nothing to flush: every chunk is in the tables when ``accept`` returns."""

    # -- lifecycle ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def use(
        self, files: SessionFiles, progress: Progress | None = None, head_first: bool = False
    ) -> Iterator[SessionView]:
        view = self.acquire(files, progress, head_first)
        try:
            yield view
        finally:
            self.release(view)

    def acquire(
        self, files: SessionFiles, progress: Progress | None = None, head_first: bool = False
    ) -> SessionView:
        """A view of the session's tables, loaded or refreshed as needed; hand it back with
        ``release``. Concurrent callers for one session wait on its lock, so its files are
        parsed once. With ``head_first``, a big session not loaded yet is parsed in the
        background and the view of its head is returned as soon as there is one
        (``view.complete`` is False); without, the caller waits for the whole parse."""
        with self._lock:
            sess = self._sessions.get(files.main)
            if sess is None:
                sess = LoadedSession(files)
                self._sessions[files.main] = sess
        with sess.lock:
            if sess.loader is None and not sess.loaded:
                if head_first and self._size(files) >= self.head_first_bytes:
                    self._start_background_load(sess, files)
                else:
                    self._full_load(sess, files, progress, self.db.cursor())
            if sess.loader is not None:
                sess.listener = progress
                while sess.loader is not None and (not head_first or sess.view is None):
                    sess.changed.wait()
                sess.listener = None
                if sess.loader is None and not sess.loaded:
                    raise sess.load_error or SourceUnavailable(
                        f"the load of session {files.session_id} was stopped"
                    )
            else:
                self._refresh(sess, files, progress)
            if sess.view is None:
                sess.view = sess.make_view()
            view = sess.view
            assert view.tableset is not None
            with self._lock:
                view.tableset.users += 1
            sess.last_used = self.clock()
        self._evict_over_budget(keep=sess)
        return view

    def release(self, view: SessionView) -> None:
        """The caller is done with the view: its tables may be dropped if they were retired."""
        ts = view.tableset
        if ts is None:
            return
        with self._lock:
            ts.users -= 1
            drop = ts.retired and ts.users == 0
        if drop:
            self._drop_table(ts.name)

    def changed(self, path: Path) -> None:
        """A watcher saw ``path`` change: the next request for its session stats it."""
        key = str(path)
        with self._lock:
            sess = self._owners.get(key)
            if sess is not None:
                sess.dirty.add(key)

    def _to_check(self, sess: LoadedSession, consume: bool) -> list[LoadedFile]:
        """The files whose stat can tell a change: all of them, or, while a watcher reports
        changes, the main file and those it reported (all of them every FULL_CHECK_SECONDS)."""
        now = self.clock()
        if not self.watched or now - sess.checked_at >= FULL_CHECK_SECONDS:
            if consume:
                with self._lock:
                    sess.dirty = set()
                sess.checked_at = now
            return sess.loaded_files
        with self._lock:
            dirty = sess.dirty
            if consume:
                sess.dirty = set()
        check = [sess.by_path[p] for p in dirty if p in sess.by_path]
        check.sort(key=lambda lf: lf.file_id)
        if not check or check[0].file_id != 0:
            check.insert(0, sess.loaded_files[0])
        return check

    def is_fresh(self, files: SessionFiles) -> bool:
        """True when the session is loaded and no file changed (a stat per file, no parse)."""
        sess = self._sessions.get(files.main)
        if sess is None or not sess.loaded or sess.loader is not None:
            return False
        if files.agents is not sess.files.agents and any(p not in sess.known for p in files.agents):
            return False
        for lf in self._to_check(sess, consume=False):
            try:
                if identity(stat_source(lf.spath)) != lf.ident:
                    return False
            except OSError:
                return False
        return True

    def warm_up(self) -> None:
        """Pay the first use of the load path's machinery (DuckDB's first statement over an
        Arrow batch, Arrow's casts and sorts) before a request does."""
        cur = self.db.cursor()
        batch = pa.Table.from_pydict(RowBuffer().cols, schema=ARROW_SCHEMA)
        _arrow_summaries(batch)
        view = f"batch_{threading.get_ident()}"
        cur.register(view, batch)
        try:
            cur.execute(f"SELECT {_INSERT_SELECT} FROM {view}").fetchall()
        finally:
            cur.unregister(view)

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
    @staticmethod
    def _size(files: SessionFiles) -> int:
        """What a load of the session reads: its main file and its subagent files (620 of
        them weigh more than many a big main file)."""
        total = 0
        for path in files.all_files:
            with contextlib.suppress(OSError):
                total += stat_source(path).st_size
        return total

    def _drop(self, sess: LoadedSession, only_if_idle_since: float | None = None) -> bool:
        with sess.lock:
            if only_if_idle_since is not None and sess.last_used > only_if_idle_since:
                return False
            if sess.loader is not None:
                sess.cancel = True
                while sess.loader is not None:
                    sess.changed.wait()
            with self._lock:
                if self._sessions.get(sess.files.main) is sess:
                    del self._sessions[sess.files.main]
            self._retire(sess)
            self._disown(sess)
            sess.summary_chunks = []
            sess.rows = 0
            sess.view = None
            sess.loaded = False
        return True

    def _disown(self, sess: LoadedSession) -> None:
        with self._lock:
            for key in sess.by_path:
                if self._owners.get(key) is sess:
                    del self._owners[key]
        sess.by_path = {}

    def _retire(self, sess: LoadedSession) -> None:
        """Retire the session's current tables: dropped now, or by the last view's release."""
        ts, sess.tableset = sess.tableset, None
        if ts is None:
            return
        with self._lock:
            ts.retired = True
            drop = ts.users == 0
        if drop:
            self._drop_table(ts.name)

    def _drop_table(self, name: str) -> None:
        if TABLE_NAME.match(name):
            self.db.cursor().execute(f"DROP TABLE IF EXISTS {name}")
        with self._lock:
            self.tables_dropped += 1

    def _evict_over_budget(self, keep: LoadedSession) -> None:
        with self._lock:
            sessions = sorted(self._sessions.values(), key=lambda s: s.last_used)
        total = sum(s.bytes_loaded for s in sessions)
        for sess in sessions:
            if total <= self.max_loaded_bytes:
                break
            if sess is keep or sess.loader is not None:
                continue
            total -= sess.bytes_loaded
            self._drop(sess)

    def _new_table(self, sess: LoadedSession, cur: duckdb.DuckDBPyConnection) -> TableSet:
        """One table for all of a generation's rows, their kind a column: a load is one CREATE
        and one INSERT per flush (DuckDB's fixed cost per statement, ~2 ms an INSERT and
        ~0.6 ms a CREATE, made a small session's load cost ~20 ms over seven kind tables)."""
        name = f"s_{sess.key}_g{next(LoadedSession._generations)}"
        assert TABLE_NAME.match(name)
        cur.execute(f"CREATE TABLE {name} {TABLE_DDL}")
        return TableSet(name)

    def _reset(self, sess: LoadedSession, files: SessionFiles) -> None:
        self._retire(sess)
        self._disown(sess)
        sess.dirty = set()
        sess.checked_at = self.clock()
        sess.counts = {}
        sess.summary_chunks = []
        sess.rows = 0
        sess.view = None
        sess.last_orders = None
        sess.parser = Parser()
        # an orphan subagent transcript listed as a session: its own lines are the trunk
        sess.parser.trunk_file_is_agent = is_agent_file(files.main.name)
        sess.files = files
        sess.loaded_files = []
        sess.known = set()
        sess.bytes_loaded = 0
        sess.loaded = False

    def _full_load(
        self,
        sess: LoadedSession,
        files: SessionFiles,
        progress: Progress | None,
        cur: duckdb.DuckDBPyConnection,
        publish: Callable[[], None] | None = None,
    ) -> None:
        """Parse every file of the session into a new generation of tables; the previous
        generation is retired (readers holding views of it finish undisturbed)."""
        self._reset(sess, files)
        tableset = self._new_table(sess, cur)
        sess.tableset = tableset
        try:
            self._add_files(sess, files.all_files)
            self._parse_into(sess, sess.loaded_files, progress, cur, publish)
        except BaseException:
            if publish is None:  # a background load retires under the session lock (run())
                self._retire(sess)
            raise
        sess.loaded = True
        self.full_parses += 1

    def _start_background_load(self, sess: LoadedSession, files: SessionFiles) -> None:
        """Parse a big session on a thread of its own, publishing a view after every flush of
        rows: requests get the head at once, and later pages as the parse goes."""
        sess.cancel = False
        sess.load_error = None

        def report(done: int, total: int) -> None:
            sess.parsed = (done, total)
            listener = sess.listener
            if listener is not None:
                listener(done, total)

        def publish() -> None:
            # Called by the loader without the session lock (readers keep reading meanwhile).
            if sess.cancel:
                raise _Cancelled
            view = sess.make_view(complete=False)
            with sess.lock:
                sess.view = view
                sess.changed.notify_all()

        def run() -> None:
            cur = self.db.con.cursor()
            error: BaseException | None = None
            try:
                self._full_load(sess, files, report, cur, publish)
            except _Cancelled:
                pass
            except BaseException as exc:  # handed to the waiting request
                error = exc
            finally:
                cur.close()
            with sess.lock:
                sess.load_error = error
                sess.loader = None
                sess.view = None  # the next request makes the complete view
                if not sess.loaded:
                    self._retire(sess)
                if error is not None:
                    with self._lock:
                        if self._sessions.get(sess.files.main) is sess:
                            del self._sessions[sess.files.main]
                sess.changed.notify_all()

        sess.loader = threading.Thread(target=run, name=f"load-{sess.key}", daemon=True)
        sess.loader.start()

    def _add_files(self, sess: LoadedSession, paths: tuple[Path, ...]) -> list[LoadedFile]:
        added: list[LoadedFile] = []
        for path in paths:
            agent = agent_id_from_name(path.name) if is_agent_file(path.name) else None
            lf = LoadedFile(path, agent, len(sess.loaded_files))
            sess.loaded_files.append(lf)
            sess.known.add(path)
            sess.by_path[lf.spath] = lf
            added.append(lf)
        with self._lock:
            for lf in added:
                self._owners[lf.spath] = sess
        return added

    def _parse_into(
        self,
        sess: LoadedSession,
        todo: list[LoadedFile],
        progress: Progress | None,
        cur: duckdb.DuckDBPyConnection,
        publish: Callable[[], None] | None = None,
    ) -> None:
        assert sess.tableset is not None
        table = sess.tableset.name
        sizes: dict[int, int] = {}
        for lf in todo:
            try:
                st = stat_source(lf.spath)
            except FileNotFoundError as exc:
                if lf.file_id == 0:
                    raise SessionNotFound(f"session file {lf.path.name} no longer exists") from exc
                continue
            except OSError as exc:
                raise SourceUnavailable(f"cannot read {lf.path}: {exc}") from exc
            lf.ident = identity(st)
            sizes[lf.file_id] = max(0, st.st_size - lf.state.offset)
        total = sum(sizes.values()) or 1
        done = 0
        buf = RowBuffer()
        for lf in todo:
            if lf.file_id not in sizes:
                continue
            base = done

            def report(n: int, base: int = base) -> None:
                if progress is not None:
                    progress(min(total, base + n), total)

            def flush(rows: RowBuffer) -> None:
                self._insert(sess, table, rows, cur)
                rows.clear()
                if publish is not None:
                    publish()

            try:
                with bytesource.reading_for("store"):
                    done += sess.parser.parse_file(
                        lf.path,
                        lf.file_id,
                        lf.state,
                        buf,
                        lf.agent_id,
                        report,
                        flush,
                        # a head-first load publishes the main file's first block at once
                        first_flush_rows=1 if publish and lf.file_id == 0 else FLUSH_ROWS,
                        **self._parked_blocks(sess, lf),
                    )
            except FileNotFoundError as exc:
                if lf.file_id == 0:
                    raise SessionNotFound(f"session file {lf.path.name} vanished") from exc
                continue
            except OSError as exc:
                raise SourceUnavailable(f"cannot read {lf.path}: {exc}") from exc
            if publish is not None and lf.file_id == 0 and len(buf):
                flush(buf)  # the whole main file is a head: the trunk's pages need no more
        if len(buf):
            self._insert(sess, table, buf, cur)
        sess.count_bytes()
        release_free_memory()
        if progress is not None:
            progress(total, total)

    def _parked_blocks(self, sess: LoadedSession, lf: LoadedFile) -> dict[str, Any]:
        """For an append the store reads itself (its offset past 0), the ``parse_file``
        arguments that hand each block read, with its records, to ``on_append``."""
        park = self.on_append
        if park is None or lf.state.offset == 0:
            return {}
        files = sess.files

        def blocks(start: int, data: bytes, records: list[Record], lines: int, bad: int) -> None:
            chunk = Chunk(
                root=files.root, project=files.project, session_id=files.session_id,
                path=lf.path, agent_id=lf.agent_id, start=start, end=start + len(data),
                data=data, records=records, malformed=bad, lines=lines,
            )  # fmt: skip
            park(chunk)

        return {"blocks": blocks, "records": True}

    def _insert(
        self,
        sess: LoadedSession,
        table: str,
        buf: RowBuffer,
        cur: duckdb.DuckDBPyConnection,
    ) -> None:
        batch = pa.Table.from_pydict(buf.cols, schema=ARROW_SCHEMA)
        summaries = _arrow_summaries(batch)
        view = f"batch_{threading.get_ident()}"
        cur.register(view, batch)
        try:
            # Rows first, then their summaries: a view's bound (the number of summaries) never
            # covers a row that is not in the table yet. The buffer holds rows in seq order.
            cur.execute(f"INSERT INTO {table} SELECT {_INSERT_SELECT} FROM {view}")
            if summaries is None:
                summary = cur.sql(f"SELECT {_SUMMARY_SELECT} FROM {view} ORDER BY seq")
                summaries = summary.to_arrow_table()
            sess.add_summaries(summaries)
            counts = sess.counts
            for kind_name, n in Counter(buf.cols["kind"]).items():
                kind = Kind(kind_name)
                counts[kind] = counts.get(kind, 0) + n
        finally:
            cur.unregister(view)

    def _refresh(self, sess: LoadedSession, files: SessionFiles, progress: Progress | None) -> None:
        """Bring a loaded session up to date with its files at the cost of what changed."""
        cur = self.db.cursor()
        grown: list[LoadedFile] = []
        for lf in self._to_check(sess, consume=True):
            self.file_stats += 1
            try:
                st = stat_source(lf.spath)
            except FileNotFoundError:
                if lf.file_id == 0:
                    self._reset(sess, files)
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
                self._full_load(sess, files, progress, cur)
                return
        new_files: list[LoadedFile] = []
        if files.agents is not sess.files.agents:
            fresh = tuple(p for p in files.agents if p not in sess.known)
            new_files = self._add_files(sess, fresh)
            sess.files = files
        todo = grown + new_files
        if not todo:
            return
        self._parse_into(sess, todo, progress, cur)
        sess.view = None
        self.append_parses += 1
