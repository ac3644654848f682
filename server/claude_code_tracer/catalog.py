"""The persistent session catalog: the session list survives a restart without reparsing.

One row per trunk transcript, in an embedded DuckDB file in the user's cache folder. A refresh
costs a ``stat`` per file: an unchanged file (same size and mtime) is not read, a file that only
grew is parsed from the byte offset where the last parse stopped, and anything else is parsed
again. Rows of files that disappeared are kept and marked deleted, because Claude Code deletes
transcripts after 30 days and the history is worth keeping. The file is a cache: deleting it loses
nothing but time, and a file written with another schema version is rebuilt.

Whatever happens to the file, the tracer keeps serving (issue 11): a file DuckDB cannot open or
read (truncated, zero-filled, garbage) is moved aside to ``catalog.duckdb.damaged`` and rebuilt;
a file held by another process, or one that cannot be written (a full disk, a read-only folder),
leaves this process with a catalog in memory for its lifetime. Each is one warning in the log.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import itertools
import logging
import os
import stat
import threading
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import orjson

from . import bytesource
from .archive import Archive
from .cache import ResultCache
from .cursor import fingerprint
from .discovery import default_cache_dir
from .ingest import Chunk, FileEntry, Record, Sink
from .models import FileSessionInfo, FileTouch, SessionInfo, SessionsListParams
from .safefs import describe_mode, regular_stat
from .sessionnames import friendly_names
from .transcripts import (
    FileState,
    Parser,
    SessionMeta,
    agent_id_from_name,
    first_session_id,
    is_agent_file,
    iter_transcripts,
    nested_agent_files,
    tail_matches,
    uuid_hash,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = "9"
# At most this many bytes of appended lines parked by requests for the next pass (``park``):
# the records decoded from them are held too, several times their size.
PARK_BYTES = 4 << 20
CATALOG_FILE = "catalog.duckdb"

_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("path", "VARCHAR PRIMARY KEY", "string"),
    ("root", "VARCHAR", "string"),
    ("project", "VARCHAR", "string"),
    ("session_id", "VARCHAR", "string"),
    ("size", "BIGINT", "int64"),
    ("mtime_ns", "BIGINT", "int64"),
    ("ino", "BIGINT", "int64"),
    ("parse_state", "VARCHAR", "string"),
    ("cwd", "VARCHAR", "string"),
    ("git_branch", "VARCHAR", "string"),
    # the user's /rename or Claude's ai-title, else the first prompt or slash command; a summary
    # that names this session (from any file of its project) beats the latter (see _TITLE)
    ("title", "VARCHAR", "string"),
    ("own_title", "BOOLEAN", "bool_"),
    # the Agent SDK's tag (the last ``tag`` line)
    ("tag", "VARCHAR", "string"),
    ("first_prompt", "VARCHAR", "string"),
    ("first_ts", "TIMESTAMP", "string"),
    ("last_ts", "TIMESTAMP", "string"),
    ("message_count", "BIGINT", "int64"),
    ("tool_calls", "BIGINT", "int64"),
    ("errors", "BIGINT", "int64"),
    ("malformed", "BIGINT", "int64"),
    ("input_tokens", "BIGINT", "int64"),
    ("output_tokens", "BIGINT", "int64"),
    ("cache_read_tokens", "BIGINT", "int64"),
    ("cache_creation_tokens", "BIGINT", "int64"),
    ("models", "VARCHAR[]", "list_string"),
    ("subagent_count", "BIGINT", "int64"),
    ("deleted", "BOOLEAN", "bool_"),
    ("sub_input_tokens", "BIGINT", "int64"),
    ("sub_output_tokens", "BIGINT", "int64"),
    ("sub_cache_read_tokens", "BIGINT", "int64"),
    ("sub_cache_creation_tokens", "BIGINT", "int64"),
    ("sub_tool_calls", "BIGINT", "int64"),
    ("replayed", "BIGINT", "int64"),
    ("orphan", "BOOLEAN", "bool_"),
    ("parent_session_id", "VARCHAR", "string"),
    # deleted, but its bytes are in the archive: still listed and readable
    ("archived", "BOOLEAN", "bool_"),
    # 64-bit hashes of the uuids already counted: a replay in appended bytes is counted once
    ("uuid_hashes", "BLOB", "binary"),
    # with size and mtime, the file's identity: a same-size rewrite can restore the mtime, not this
    ("ctime_ns", "BIGINT", "int64"),
    # a deleted session read from the archive: the archive's ``signature`` when it was last
    # verified, what was wrong then (NULL: every byte checked out), and the messages its
    # verified bytes hold (NULL: all of them, ``message_count``)
    ("archive_sig", "VARCHAR", "string"),
    ("archive_problems", "VARCHAR", "string"),
    ("archive_count", "BIGINT", "int64"),
)
# added to a schema 9 catalog in place (``_prepare``), in this order, at the end
_ADDED_AFTER_9 = _COLUMNS[-3:]
_NAMES = [c[0] for c in _COLUMNS]
_POS = {n: i for i, n in enumerate(_NAMES)}
_CTIME = _POS["ctime_ns"]
# A summary line names the session holding its leafUuid, usually another file of the project
# (FORMAT.md §8); the newest summary of a session is its title unless it named itself.
_SUMMARY_TITLES = (
    "(SELECT target_path, arg_max(summary, source_ts) AS summary_title FROM summaries "
    "WHERE target_path IS NOT NULL GROUP BY target_path)"
)
_TITLE = "CASE WHEN s.own_title THEN s.title ELSE coalesce(x.summary_title, s.title) END"
# What a listing reads: SessionInfo's fields by name, in SQL (tokens as structs, the effective
# title), so a row becomes a model with one ``dict(zip(...))`` and one pydantic-core validation.
_LIST_FIELDS: tuple[tuple[str, str], ...] = (
    ("session_id", "s.session_id"),
    ("project", "s.project"),
    ("path", "s.path"),
    ("cwd", "s.cwd"),
    ("git_branch", "s.git_branch"),
    ("title", _TITLE),
    ("tag", "s.tag"),
    ("first_prompt", "s.first_prompt"),
    ("first_timestamp", "s.first_ts"),
    ("last_timestamp", "s.last_ts"),
    ("message_count", "coalesce(s.archive_count, s.message_count)"),
    ("tool_call_count", "s.tool_calls"),
    ("error_count", "s.errors"),
    ("malformed_lines", "s.malformed"),
    (
        "tokens",
        "{'input': s.input_tokens, 'output': s.output_tokens, "
        "'cache_read': s.cache_read_tokens, 'cache_creation': s.cache_creation_tokens}",
    ),
    ("models", "coalesce(s.models, [])"),
    ("subagent_count", "s.subagent_count"),
    (
        "subagent_tokens",
        "{'input': coalesce(s.sub_input_tokens, 0), 'output': coalesce(s.sub_output_tokens, 0), "
        "'cache_read': coalesce(s.sub_cache_read_tokens, 0), "
        "'cache_creation': coalesce(s.sub_cache_creation_tokens, 0)}",
    ),
    ("subagent_tool_call_count", "coalesce(s.sub_tool_calls, 0)"),
    ("replayed_lines", "coalesce(s.replayed, 0)"),
    ("deleted", "coalesce(s.deleted, false)"),
    ("orphan", "coalesce(s.orphan, false)"),
    ("archived", "coalesce(s.archived, false)"),
    ("parent_session_id", "s.parent_session_id"),
    ("size_bytes", "s.size"),
    ("complete", "s.archive_problems IS NULL"),
    (
        "warning",
        "CASE WHEN s.archive_problems IS NULL THEN NULL "
        "ELSE 'the archived copy is incomplete: ' || s.archive_problems END",
    ),
)
_LIST_NAMES = tuple(name for name, _ in _LIST_FIELDS)
_DELETED = _LIST_NAMES.index("deleted")
_ARCHIVED = _LIST_NAMES.index("archived")
_LIST_SELECT = ", ".join(sql for _, sql in _LIST_FIELDS)
_LIST_FROM = f"sessions s LEFT JOIN {_SUMMARY_TITLES} x ON x.target_path = s.path"
_SUMMARY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("source_path", "VARCHAR", "string"),
    ("root", "VARCHAR", "string"),
    ("project", "VARCHAR", "string"),
    ("leaf_uuid", "VARCHAR", "string"),
    ("summary", "VARCHAR", "string"),
    ("source_ts", "TIMESTAMP", "string"),
    ("target_path", "VARCHAR", "string"),
)
_SUMMARY_NAMES = [c[0] for c in _SUMMARY_COLUMNS]
_SUMMARY_SCHEMA = _SUMMARY_COLUMNS
_SUMMARY_INSERT = ", ".join(
    "TRY_CAST(source_ts AS TIMESTAMP)" if n == "source_ts" else n for n in _SUMMARY_NAMES
)
# Every file a tool call named, for "which sessions touched this file" and the editor's lenses.
_TOUCH_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("session_path", "VARCHAR", "string"),
    ("session_id", "VARCHAR", "string"),
    ("project", "VARCHAR", "string"),
    ("path", "VARCHAR", "string"),
    ("tool", "VARCHAR", "string"),
    ("kind", "VARCHAR", "string"),
    ("written", "VARCHAR", "string"),
    ("uuid", "VARCHAR", "string"),
    ("tool_use_id", "VARCHAR", "string"),
    ("ts", "TIMESTAMP", "string"),
    ("prompt", "VARCHAR", "string"),
)
_TOUCH_NAMES = [c[0] for c in _TOUCH_COLUMNS]
_TOUCH_SCHEMA = _TOUCH_COLUMNS
_TOUCH_INSERT = ", ".join(
    "COALESCE(TRY_CAST(ts AS TIMESTAMP), TIMESTAMP '1970-01-01')" if n == "ts" else n
    for n in _TOUCH_NAMES
)
_SCHEMA = _COLUMNS
_INSERT_COLS = ", ".join(
    f"TRY_CAST({n} AS TIMESTAMP)" if n in ("first_ts", "last_ts") else n for n in _NAMES
)

Progress = Callable[[int, int], None]
T = TypeVar("T")
# DuckDB's file starts with three 4 KiB headers, then ``total_blocks`` blocks: a shorter file was
# truncated (its tables fail on the first read of a missing block, which may be much later).
_DUCKDB_HEADER_BYTES = 3 * 4096
CATALOG_MEMORY_LIMIT = "1GB"
# Generations are unique across the catalogs of a process (a reopened tracer never repeats one).
_GENERATIONS = itertools.count(1)


@functools.cache
def _arrow_schema(columns: tuple[tuple[str, str, str], ...]) -> Any:
    """The Arrow schema of a table's columns, made when first written: pyarrow is imported
    only by a refresh that writes, not by a listing of a warm catalog (the CLI's start)."""
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "int64": pa.int64(),
        "bool_": pa.bool_(),
        "binary": pa.binary(),
        "list_string": pa.list_(pa.string()),
    }
    return pa.schema([(name, types[kind]) for name, _, kind in columns])


def _insert(
    cur: duckdb.DuckDBPyConnection,
    into: str,
    columns: str,
    data: dict[str, list[Any]],
    schema: tuple[tuple[str, str, str], ...],
) -> None:
    """Insert column lists in one statement through an Arrow table (no row-by-row inserts)."""
    import pyarrow as pa

    cur.register("catalog_batch", pa.Table.from_pydict(data, schema=_arrow_schema(schema)))
    try:
        cur.execute(f"{into} SELECT {columns} FROM catalog_batch").fetchall()
    finally:
        cur.unregister("catalog_batch")


@dataclass
class _Usage:
    """Tokens and tool calls of one file, carried across incremental reads. Split assistant
    lines repeat a message's usage (FORMAT.md §6), so the last message's usage is handed back to
    the next parser, which keeps the largest; the totals count it once."""

    tokens: tuple[int, int, int, int] = (0, 0, 0, 0)
    tool_calls: int = 0
    models: set[str] = field(default_factory=set)

    @classmethod
    def restore(cls, saved: dict[str, Any], usage: dict[str, tuple[int, int, int, int]]) -> _Usage:
        """The totals without the last message, whose usage goes back into ``usage``."""
        totals = [int(v) for v in saved.get("tokens") or (0, 0, 0, 0)]
        last_mid = saved.get("last_mid")
        if isinstance(last_mid, str):
            last = tuple(int(v) for v in saved.get("last_usage") or (0, 0, 0, 0))
            usage[last_mid] = (last[0], last[1], last[2], last[3])
            totals = [t - v for t, v in zip(totals, last, strict=True)]
        return cls(
            (totals[0], totals[1], totals[2], totals[3]),
            int(saved.get("tool_calls") or 0),
            set(saved.get("models") or []),
        )

    def plus(self, meta: SessionMeta) -> _Usage:
        t = meta.token_totals()
        return _Usage(
            (
                self.tokens[0] + t[0],
                self.tokens[1] + t[1],
                self.tokens[2] + t[2],
                self.tokens[3] + t[3],
            ),
            self.tool_calls + meta.tool_calls,
            self.models | meta.models,
        )

    def add(self, other: _Usage) -> None:
        self.tokens = (
            self.tokens[0] + other.tokens[0],
            self.tokens[1] + other.tokens[1],
            self.tokens[2] + other.tokens[2],
            self.tokens[3] + other.tokens[3],
        )
        self.tool_calls += other.tool_calls
        self.models |= other.models

    def saved(self, usage: dict[str, tuple[int, int, int, int]]) -> dict[str, Any]:
        last_mid = next(reversed(usage)) if usage else None
        return {
            "tokens": list(self.tokens),
            "last_mid": last_mid,
            "last_usage": list(usage[last_mid]) if last_mid else [0, 0, 0, 0],
            "tool_calls": self.tool_calls,
            "models": sorted(self.models),
        }


@dataclass
class RefreshReport:
    files: int = 0
    parsed: int = 0
    appended: int = 0
    deleted: int = 0


class _CatalogBusy(Exception):
    """A refresh holds the catalog: an answer made now would be missing what it adds."""


def _head(path: Path) -> bytes:
    """A file's first 64 bytes: whether a grown file is the same file appended to."""
    try:
        with bytesource.open_source(path) as fh:
            return fh.read(64)
    except OSError:
        return b""


def _wants(sink: Sink, path: Path) -> bool:
    """Whether a sink takes this file's chunks: all of them unless it says (``wants``), as the
    store does (only its loaded sessions' files)."""
    wants = getattr(sink, "wants", None)
    return wants is None or bool(wants(path))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _is_lock_conflict(exc: BaseException) -> bool:
    # DuckDB: 'Could not set lock on file "...": Conflicting lock is held in ...' (not "block")
    text = str(exc).lower()
    return "could not set lock" in text or "conflicting lock" in text


def _is_unwritable(exc: BaseException) -> bool:
    """A full disk, a quota or a read-only place: the file is fine, writing it is not."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        return True
    text = str(exc).lower()
    return any(
        s in text
        for s in ("no space left", "disk quota", "read-only file system", "permission denied")
    )



def _refuse_special(path: Path) -> None:
    """A catalog (or its write-ahead log) that is a FIFO, a device or a link to one would hang
    DuckDB's open or feed it /dev/zero: raised as damage, so it is set aside and made anew."""
    try:
        st = os.stat(path)  # follows a link; never blocks
    except FileNotFoundError:
        return
    if not stat.S_ISREG(st.st_mode):
        raise duckdb.IOException(f"{path} is {describe_mode(st.st_mode)}, not a database file")

class Catalog:
    def __init__(
        self, cache_dir: Path | None, persistent: bool = True, archive: Archive | None = None
    ) -> None:
        self.path: Path | None = None
        # every byte a refresh reads is also kept here (see archive.py), when there is one
        self.archive = archive
        # more consumers of the bytes a refresh reads (ingest.Sink): each gets every chunk
        self.sinks: list[Sink] = []
        self._sinks_lock = threading.Lock()  # two sinks added at once: both kept
        self._lock = threading.Lock()
        # appended lines a request read before the pass did, by path (``park``)
        self._park_lock = threading.Lock()
        self._parked_chunks: dict[str, list[Chunk]] = {}
        self._parked_bytes = 0
        # Why the catalog is in memory although a file was asked for (None: it is not, or it
        # was not asked for): what the log said, for a status line or a test.
        self.degraded: str | None = None
        self.con = self._open(cache_dir, persistent)
        self.total_parses = 0
        # flat agent file -> (size, mtime_ns, owning session id, inode, first 64 bytes): its first
        # line read once per file, again only when it was not just appended to
        self._flat_owners: dict[str, tuple[int, int, str | None, int, bytes]] = {}
        # Changes whenever a refresh wrote something: what callers cached from it may be stale.
        self.generation = next(_GENERATIONS)
        # search results' titles by (generation, roots, keys): a search per keystroke, or the
        # next page of one, asks the same again (the query and its cursor cost ~2.4 ms a search)
        self._titles_cache = ResultCache(64)
        # What the last full refresh's stat loop saw: the roots, and (size, mtime_ns, ctime_ns)
        # per transcript (a cached listing is served while the same loop sees the same).
        self.last_seen: tuple[list[str], dict[str, list[int]]] | None = None

    def _open(self, cache_dir: Path | None, persistent: bool) -> duckdb.DuckDBPyConnection:
        con: duckdb.DuckDBPyConnection | None = None
        if persistent:
            path = (cache_dir or default_cache_dir()) / CATALOG_FILE
            con = self._open_file(path)
        if con is None:
            con = duckdb.connect(":memory:")
            self._prepare(con)
        return con

    def _open_file(self, path: Path) -> duckdb.DuckDBPyConnection | None:
        """The catalog file, checked; a damaged one is moved aside and made anew. None (logged)
        when this process must keep its catalog in memory."""
        for attempt in (1, 2):
            con: duckdb.DuckDBPyConnection | None = None
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                _refuse_special(path)
                _refuse_special(path.with_name(path.name + ".wal"))
                con = duckdb.connect(str(path))
                self._prepare(con)
                self._check_size(con, path)
                self.path = path
                return con
            except (OSError, duckdb.Error) as exc:
                if con is not None:
                    with contextlib.suppress(duckdb.Error):
                        con.close()
                if _is_lock_conflict(exc):
                    # Another process (a second editor window) holds the file: this one keeps
                    # its catalog in memory, which costs a first indexing only.
                    self._in_memory(path, f"it is in use by another process ({exc})")
                    return None
                if _is_unwritable(exc) or attempt == 2:
                    self._in_memory(path, f"it cannot be opened ({exc})")
                    return None
                self._set_aside(path, exc)
        return None

    def _in_memory(self, path: Path, why: str) -> None:
        self.degraded = f"session catalog {path}: {why}; keeping it in memory"
        log.warning("%s", self.degraded)

    @staticmethod
    def _set_aside(path: Path, exc: BaseException) -> None:
        """Move a damaged catalog to ``<name>.damaged`` (kept for a bug report, replacing an
        older one) and drop its write-ahead log, so the next open starts empty."""
        aside = path.with_name(path.name + ".damaged")
        try:
            os.replace(path, aside)
            where = f"moved to {aside}"
        except FileNotFoundError:
            where = "gone"
        except OSError:
            with contextlib.suppress(OSError):
                path.unlink()
            where = "deleted"
        with contextlib.suppress(OSError):
            path.with_name(path.name + ".wal").unlink()
        log.warning("session catalog %s was damaged (%s); %s, rebuilding it", path, exc, where)

    @staticmethod
    def _check_size(con: duckdb.DuckDBPyConnection, path: Path) -> None:
        rows = con.execute("SELECT block_size, total_blocks FROM pragma_database_size()").fetchall()
        if rows:
            block_size, total_blocks = rows[0]
            expected = _DUCKDB_HEADER_BYTES + int(block_size) * int(total_blocks)
            size = path.stat().st_size
            if size < expected:
                raise duckdb.IOException(
                    f"the file is truncated: {size} bytes where its header promises {expected}"
                )

    def _recover(self, exc: BaseException) -> None:
        """After a persistent catalog failed mid-use: a damaged file is set aside and made anew,
        an unwritable one (full disk) is left alone and this process goes on in memory. Either
        way the next refresh indexes into the new catalog once, then is incremental again."""
        path = self.path
        if path is None:
            raise exc
        with contextlib.suppress(duckdb.Error):
            self.con.close()
        self.path = None
        con: duckdb.DuckDBPyConnection | None = None
        if _is_unwritable(exc):
            self._in_memory(path, f"it cannot be written ({_first_line(exc)})")
        else:
            self._set_aside(path, exc)
            con = self._open_file(path)
        if con is None:
            con = duckdb.connect(":memory:")
            self._prepare(con)
        self.con = con
        self.generation = next(_GENERATIONS)

    def _guarded(self, roots: list[Path], work: Callable[[], T]) -> T:
        """Run ``work`` on the catalog; when a persistent catalog fails, recover (see
        ``_recover``), index into the new one and run ``work`` again. The caller holds the
        lock."""
        try:
            return work()
        except (duckdb.Error, OSError) as exc:
            if self.path is None:
                raise
            self._recover(exc)
        self._refresh(roots, None)
        return work()

    @staticmethod
    def _prepare(con: duckdb.DuckDBPyConnection) -> None:
        # an explicit bound, not DuckDB's 80 % of the RAM (the catalog needs a few MB)
        con.execute(f"SET memory_limit = '{CATALOG_MEMORY_LIMIT}'")
        con.execute(
            "CREATE TABLE IF NOT EXISTS catalog_meta (key VARCHAR PRIMARY KEY, value VARCHAR)"
        )
        rows = con.execute("SELECT value FROM catalog_meta WHERE key = 'schema'").fetchall()
        if not rows or rows[0][0] != SCHEMA_VERSION:
            con.execute("DROP TABLE IF EXISTS sessions")
            ddl = ", ".join(f"{name} {sqltype}" for name, sqltype, _ in _COLUMNS)
            con.execute(f"CREATE TABLE sessions ({ddl})")
            con.execute("DROP TABLE IF EXISTS file_touches")
            tddl = ", ".join(f"{name} {sqltype}" for name, sqltype, _ in _TOUCH_COLUMNS)
            con.execute(f"CREATE TABLE file_touches ({tddl})")
            con.execute("DROP TABLE IF EXISTS summaries")
            sddl = ", ".join(f"{name} {sqltype}" for name, sqltype, _ in _SUMMARY_COLUMNS)
            con.execute(f"CREATE TABLE summaries ({sddl})")
            con.execute(
                "INSERT OR REPLACE INTO catalog_meta VALUES ('schema', ?)", [SCHEMA_VERSION]
            )
        # columns added since, in place: a new schema drops the rows, and with them the deleted
        # sessions the catalog lists from the archive (a rebuild finds only live files)
        have = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = 'sessions'"
            ).fetchall()
        }
        for name, sqltype, _ in _ADDED_AFTER_9:
            if name not in have:
                con.execute(f"ALTER TABLE sessions ADD COLUMN {name} {sqltype}")

    def close(self) -> None:
        with self._lock:
            # a use after this fails as closed: not a damaged file to set aside (_guarded)
            self.path = None
            self.con.close()

    # -- refresh -----------------------------------------------------------------------------------
    def refresh(
        self,
        roots: list[Path],
        progress: Progress | None = None,
        only: list[Path] | None = None,
    ) -> RefreshReport:
        """The one refresh loop: stat every transcript, read what changed once, and hand it
        to the catalog's metadata, the archive and every sink (``add_sink``). ``only``: the
        main transcripts of the sessions to look at (a loaded session's text filter), instead
        of every transcript under the roots; nothing is marked deleted then."""
        with self._lock, bytesource.reading_for(bytesource.PASS):
            try:
                return self._refresh_once(roots, progress, only)
            finally:
                for consumer in self.sinks:
                    try:
                        consumer.finish()
                    except Exception:
                        log.exception("sink %s failed to finish", consumer.name)

    def _refresh_once(
        self, roots: list[Path], progress: Progress | None, only: list[Path] | None
    ) -> RefreshReport:
        try:
            return self._refresh(roots, progress, only)
        except (duckdb.Error, OSError) as exc:
            if self.path is None:
                raise
            self._recover(exc)
        return self._refresh(roots, progress)

    def add_sink(self, sink: Sink) -> None:
        """One more consumer of the bytes every refresh reads (``ingest.Sink``). The list is
        replaced, not changed in place, and without the refresh lock: a pass under way reads
        the list it started with, and adding a sink never waits for a whole pass. A sink
        already there is not added twice."""
        with self._sinks_lock:
            if sink not in self.sinks:
                self.sinks = [*self.sinks, sink]

    def _transcripts(
        self, cur: duckdb.DuckDBPyConnection, roots: list[Path], only: list[Path] | None
    ) -> Iterator[tuple[Path, str, str, os.stat_result, str | None]]:
        """The stat loop: (root, project, path, stat, parent) of every transcript under the
        roots (``iter_transcripts``), or of the ``only`` files the catalog already lists."""
        if only is None:
            for root in roots:
                for project, key, st, parent in iter_transcripts(root, self._flat_owner):
                    yield root, project, key, st, parent
            return
        for path, root, project, parent in cur.execute(
            "SELECT path, root, project, parent_session_id FROM sessions "
            "WHERE list_contains(?, root) AND list_contains(?, path)",
            [[str(r) for r in roots], [str(p) for p in only]],
        ).fetchall():
            pst = regular_stat(path, Path(root))
            if pst is not None:
                yield Path(root), project, path, pst, parent

    def _refresh(
        self, roots: list[Path], progress: Progress | None, only: list[Path] | None = None
    ) -> RefreshReport:
        report = RefreshReport()
        cur = self.con.cursor()
        root_names = [str(r) for r in roots]
        # (size, mtime_ns, deleted, ctime_ns) per known file: all a refresh of an unchanged
        # archive reads.
        known: dict[str, tuple[int, int, bool, int]] = {
            row[0]: (row[1], row[2], row[3], row[4])
            for row in cur.execute(
                "SELECT path, size, mtime_ns, deleted, ctime_ns FROM sessions "
                "WHERE list_contains(?, root)"
                + ("" if only is None else " AND list_contains(?, path)"),
                [root_names] if only is None else [root_names, [str(p) for p in only]],
            ).fetchall()
        }
        if only is not None and len(known) < len(set(only)):
            # a session the catalog does not list yet: look at everything
            return self._refresh(roots, progress)
        seen: set[str] = set()
        stamps: dict[str, list[int]] = {}
        changed: list[tuple[Path, str, str, os.stat_result, str | None]] = []
        for root, project, key, st, parent in self._transcripts(cur, roots, only):
            seen.add(key)
            stamps[key] = [st.st_size, st.st_mtime_ns, st.st_ctime_ns]
            report.files += 1
            prev = known.get(key)
            if (
                prev is not None
                and prev[0] == st.st_size
                and prev[1] == st.st_mtime_ns
                and prev[3] == st.st_ctime_ns
            ):
                if prev[2]:  # came back after being marked deleted
                    changed.append((root, project, key, st, parent))
                continue
            changed.append((root, project, key, st, parent))
        rows: dict[str, tuple[Any, ...]] = {}
        if any(key in known for _, _, key, _, _ in changed):
            rows = {
                row[0]: row
                for row in cur.execute(
                    f"SELECT {', '.join(_NAMES)} FROM sessions WHERE list_contains(?, path)",
                    [[key for _, _, key, _, _ in changed if key in known]],
                ).fetchall()
            }
        if self._parked_chunks:
            self._unpark_unchanged(seen.difference(key for _, _, key, _, _ in changed))
        work = [
            (root, project, Path(key), st, rows.get(key), parent)
            for root, project, key, st, parent in changed
        ]
        total = sum(item[3].st_size for item in work) or 1
        done = 0
        out: dict[str, list[Any]] = {n: [] for n in _NAMES}
        touches: dict[str, list[Any]] = {n: [] for n in _TOUCH_NAMES}
        summaries: dict[str, list[Any]] = {n: [] for n in _SUMMARY_NAMES}
        reparsed: list[str] = []
        flat_agents: dict[Path, dict[str, list[Path]]] = {}
        for root, project, path, st, row, parent in work:
            parsed = self._parse(root, project, path, st, row, report, flat_agents, parent)
            done += st.st_size
            if progress is not None:
                progress(done, total)
            if parsed is None:
                continue
            record, found, incremental, leaves = parsed
            for n in _NAMES:
                out[n].append(record[n])
            if not incremental:
                reparsed.append(record["path"])
            for t in found:
                for n in _TOUCH_NAMES:
                    touches[n].append(t[n])
            for leaf, text in leaves:
                for n, v in zip(
                    _SUMMARY_NAMES,
                    (record["path"], str(root), project, leaf, text, record["first_ts"], None),
                    strict=True,
                ):
                    summaries[n].append(v)
        gone = (
            [k for k, prev in known.items() if k not in seen and not prev[2]]
            if only is None
            else []
        )
        if only is None:
            self.last_seen = ([str(r) for r in roots], stamps)
        adopted: list[str] = []
        if out["path"] or gone:
            cur.execute("BEGIN TRANSACTION")
            try:
                if out["path"]:
                    _insert(cur, "INSERT OR REPLACE INTO sessions", _INSERT_COLS, out, _SCHEMA)
                if reparsed:
                    cur.execute(
                        "DELETE FROM file_touches WHERE list_contains(?, session_path)", [reparsed]
                    ).fetchall()
                    cur.execute(
                        "DELETE FROM summaries WHERE list_contains(?, source_path)", [reparsed]
                    ).fetchall()
                if touches["path"]:
                    _insert(cur, "INSERT INTO file_touches", _TOUCH_INSERT, touches, _TOUCH_SCHEMA)
                if summaries["source_path"]:
                    self._resolve_summaries(cur, summaries)
                    _insert(
                        cur, "INSERT INTO summaries", _SUMMARY_INSERT, summaries, _SUMMARY_SCHEMA
                    )
                if gone:
                    # an orphan subagent transcript whose session came back is no longer listed
                    # on its own; everything else that vanished is kept and marked deleted
                    adopted = [k for k in gone if os.path.isfile(k) and is_agent_file(Path(k).name)]
                    if adopted:
                        cur.execute(
                            "DELETE FROM sessions WHERE list_contains(?, path)", [adopted]
                        ).fetchall()
                    cur.execute(
                        "UPDATE sessions SET deleted = true WHERE list_contains(?, path)", [gone]
                    )
                    kept = [k for k in gone if self._archived(Path(k))]
                    if kept:
                        cur.execute(
                            "UPDATE sessions SET archived = true WHERE list_contains(?, path)",
                            [kept],
                        )
                cur.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (a full disk) has already ended the transaction: a ROLLBACK
                # would raise "cannot rollback" and hide the real error.
                with contextlib.suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                raise
            finally:
                self.generation = next(_GENERATIONS)
            report.deleted = len(gone)
            if gone:
                self._check_archived(cur, gone)  # the deletion noticed: verify what is kept
                taken = set(adopted)
                self._tell_gone([k for k in gone if k not in taken])
        return report

    # -- deleted sessions read from the archive ---------------------------------------------------
    def _check_archived(
        self, cur: duckdb.DuckDBPyConnection, paths: list[str], force: bool = False
    ) -> bool:
        """Verify the archived copies of these deleted sessions (``Archive.verify``) when their
        archive changed on disk since the last check (``Archive.signatures``: stats only, so a
        listing pays a few ``stat`` calls per deleted session it shows), or with ``force`` (a
        read found a segment that does not check out). A damaged copy's row says what is wrong
        and how many messages its verified bytes hold, which the list then shows; a repaired one
        is whole again. True when a row changed. The caller holds the lock."""
        archive = self.archive
        if archive is None or not paths:
            return False
        rows = cur.execute(
            "SELECT path, project, session_id, archive_sig, archive_problems FROM sessions "
            "WHERE list_contains(?, path) AND deleted AND coalesce(archived, false) "
            "AND NOT coalesce(orphan, false)",
            [paths],
        ).fetchall()
        sigs = archive.signatures([(r[1], r[2]) for r in rows])
        updates: dict[str, list[Any]] = {"path": [], "sig": [], "problems": [], "count": []}
        for (path, project, sid, old_sig, old_problems), sig in zip(rows, sigs, strict=True):
            if sig == old_sig and not force:
                continue
            problems = "; ".join(archive.verify(project, sid)) or None
            count = self._servable_count(archive, project, sid) if problems else None
            for key, value in zip(updates, (path, sig, problems, count), strict=True):
                updates[key].append(value)
            if problems != old_problems:
                log.warning("archived session %s/%s: %s", project, sid, problems or "whole again")
        if not updates["path"]:
            return False
        # one statement (DuckDB's executemany costs ~8 ms a row)
        cur.execute(
            "UPDATE sessions SET archive_sig = u.sig, archive_problems = u.problems, "
            "archive_count = u.count FROM (SELECT unnest(?::VARCHAR[]) AS path, "
            "unnest(?::VARCHAR[]) AS sig, unnest(?::VARCHAR[]) AS problems, "
            "unnest(?::BIGINT[]) AS count) u WHERE sessions.path = u.path",
            [updates["path"], updates["sig"], updates["problems"], updates["count"]],
        )
        self.generation = next(_GENERATIONS)
        return True

    @staticmethod
    def _servable_count(archive: Archive, project: str, session_id: str) -> int | None:
        """The messages a damaged archived session's verified bytes hold, counted as the
        first parse counted them (its transcript, through the mounted archive: reads stop at the
        first segment that does not check out); None when the archive is not mounted."""
        path = archive.directory / project / f"{session_id}.jsonl"
        if bytesource.archived(path) is None:
            return None
        parser = Parser()
        try:
            parser.parse_file(path, 0, FileState(), None)
        except OSError as exc:
            log.warning("cannot read the archived %s: %s", path, exc)
            return 0
        return parser.meta.message_count

    def recheck_archived(self, roots: list[Path], project: str | None, session_id: str) -> None:
        """A read of this deleted session found its archived copy damaged: verify it again
        and correct what the list says (even when no stat changed: a bit flipped on disk); once,
        while the list still takes it for whole."""
        conds = (
            "list_contains(?, root) AND session_id = ? AND deleted AND archive_problems IS NULL"
        )
        args: list[Any] = [[str(r) for r in roots], session_id]
        if project is not None:
            conds += " AND project = ?"
            args.append(project)

        def run() -> None:
            cur = self.con.cursor()
            found = cur.execute(f"SELECT path FROM sessions WHERE {conds}", args).fetchall()
            self._check_archived(cur, [r[0] for r in found], force=True)

        with self._lock:
            self._guarded(roots, run)

    def _tell_gone(self, paths: list[str]) -> None:
        """Tell the sinks that keep something per file (the text index) which transcripts
        this refresh found gone: an optional ``gone(paths)`` of a sink, beside the protocol."""
        for consumer in self.sinks:
            hook = getattr(consumer, "gone", None)
            if hook is None:
                continue
            try:
                hook(paths)
            except Exception:
                log.exception("sink %s failed on gone files", consumer.name)

    def files(self, roots: list[Path], only: list[Path] | None = None) -> list[FileEntry]:
        """Every transcript file the catalog lists as live under the roots (subagent files
        included), with how far it has read each: what a sink that joined late (the text index
        opened after the catalog was built) compares with its own state to catch up. ``only``:
        the files of the sessions with these main transcripts."""
        sql = (
            "SELECT path, root, project, session_id, parse_state FROM sessions "
            "WHERE list_contains(?, root) AND NOT deleted"
        )
        args: list[Any] = [[str(r) for r in roots]]
        if only is not None:
            sql += " AND list_contains(?, path)"
            args.append([str(p) for p in only])
        sql += " ORDER BY root, project, path"  # the order of discovery: a build is repeatable
        out: list[FileEntry] = []
        for path, root, project, session_id, raw in self._read(roots, sql, args):
            state = orjson.loads(raw) if raw else {}
            out.append(
                FileEntry(Path(root), project, session_id, None, Path(path),
                          int(state.get("offset") or 0))
            )  # fmt: skip
            for agent, saved in sorted((state.get("agents") or {}).items()):
                apath = Path(agent)
                out.append(
                    FileEntry(Path(root), project, session_id, agent_id_from_name(apath.name),
                              apath, int(saved.get("offset") or 0))
                )  # fmt: skip
        return out

    def _archived(self, path: Path) -> bool:
        if self.archive is None or not path.name.endswith(".jsonl"):
            return False
        return self.archive.has(path.parent.name, path.name[: -len(".jsonl")])

    def flat_owners(self) -> dict[str, list[Any]]:
        """The flat agent files' owners as the stat loop knows them: path -> [size, mtime_ns,
        session id or None]."""
        return {k: list(v[:3]) for k, v in self._flat_owners.items()}

    def _flat_owner(self, path: Path, st: os.stat_result) -> str | None:
        """The session a flat 2.0.x ``agent-*.jsonl`` belongs to (its first line's sessionId),
        read once per file version and remembered."""
        key = str(path)
        hit = self._flat_owners.get(key)
        if hit is not None and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
            return hit[2]
        if (
            hit is not None
            and hit[2] is not None
            and hit[3] == st.st_ino
            and st.st_size > hit[0]
            and _head(path) == hit[4]
        ):
            # appended to (same file, grown, same first bytes): the same session, without
            # reading its first line again
            self._flat_owners[key] = (st.st_size, st.st_mtime_ns, hit[2], hit[3], hit[4])
            return hit[2]
        owner = first_session_id(path)
        self._flat_owners[key] = (st.st_size, st.st_mtime_ns, owner, st.st_ino, _head(path))
        return owner

    def _resolve_summaries(
        self, cur: duckdb.DuckDBPyConnection, summaries: dict[str, list[Any]]
    ) -> None:
        """Find, for each new summary line, the session file that holds its leafUuid: among the
        sessions of its project, the one whose uuids (kept as 64-bit hashes by the pass that
        read them, ``uuid_hashes``) include it. No file is read again (the target existed when
        the summary was written, so one look is enough; a summary whose target is gone names no
        session)."""
        by_project: dict[tuple[str, str], set[str]] = {}
        for root, project, leaf in zip(
            summaries["root"], summaries["project"], summaries["leaf_uuid"], strict=True
        ):
            by_project.setdefault((root, project), set()).add(leaf)
        found: dict[tuple[str, str, str], str] = {}
        for (root, project), leaves in by_project.items():
            wanted = {uuid_hash(leaf): leaf for leaf in leaves}
            for path, blob in cur.execute(
                "SELECT path, uuid_hashes FROM sessions "
                "WHERE root = ? AND project = ? AND NOT deleted",
                [root, project],
            ).fetchall():
                if not blob:
                    continue
                hashes = array("Q")
                hashes.frombytes(blob)
                for h in (h for h in hashes if h in wanted):
                    found.setdefault((root, project, wanted[h]), path)
                if all((root, project, leaf) in found for leaf in leaves):
                    break
        summaries["target_path"] = [
            found.get((r, p, leaf))
            for r, p, leaf in zip(
                summaries["root"], summaries["project"], summaries["leaf_uuid"], strict=True
            )
        ]

    def _parse(
        self,
        root: Path,
        project: str,
        path: Path,
        st: os.stat_result,
        row: tuple[Any, ...] | None,
        report: RefreshReport,
        flat_agents: dict[Path, dict[str, list[Path]]],
        parent: str | None = None,
    ) -> tuple[dict[str, Any], list[dict[str, Any]], bool, list[tuple[str, str]]] | None:
        """The session's catalog row, the files its new lines touched, whether the parse
        continued an earlier one (else the session's old touches are replaced), and the new
        summary lines (leafUuid, text) it read."""
        parser = Parser(collect_touches=True)
        parser.trunk_file_is_agent = parent is not None
        state = FileState()
        base = _Usage()
        incremental = False
        saved: dict[str, Any] | None = None
        prior_hashes = array("Q")
        # Continue an earlier parse only where the file grew (or is the very file it was): a
        # changed file of the same size was rewritten in place.
        same = row is not None and (row[_POS["size"]], row[_POS["mtime_ns"]], row[_CTIME]) == (
            st.st_size,
            st.st_mtime_ns,
            st.st_ctime_ns,
        )
        if (
            row is not None
            and row[_POS["ino"]] == st.st_ino
            and (st.st_size > row[_POS["size"]] or same)
        ):
            raw_state = row[_POS["parse_state"]]
            saved = orjson.loads(raw_state) if raw_state else None
            if saved and self._probe_ok(path, saved):
                incremental = True
                state = FileState(
                    offset=saved["offset"],
                    line=saved["line"],
                    last_ts=saved.get("last_ts"),
                    malformed=saved["malformed"],
                    tail_probe=bytes.fromhex(saved["probe"]),
                )
                m = parser.meta
                m.cwd, m.git_branch = row[_POS["cwd"]], row[_POS["git_branch"]]
                m.first_prompt = saved.get("first_prompt")
                m.first_command = saved.get("first_command")
                m.last_prompt = saved.get("last_prompt")
                m.custom_title = saved.get("custom_title")
                m.ai_title = saved.get("ai_title")
                m.tag = saved.get("tag")
                m.first_ts = saved.get("first_ts")
                m.last_ts = saved.get("last_ts_meta")
                m.message_count = row[_POS["message_count"]]
                m.errors = row[_POS["errors"]]
                m.replayed = row[_POS["replayed"]] or 0
                m.models = set(row[_POS["models"]] or [])
                base = _Usage.restore(saved.get("main") or {}, m.usage)
                blob = row[_POS["uuid_hashes"]]
                if blob:
                    prior_hashes.frombytes(blob)
                    parser.prior_seen = set(prior_hashes)
        try:
            own_agent = agent_id_from_name(path.name) if parent else None
            self._read_file(
                parser, root, path, 0, state, own_agent, project, parent or path.name[:-6],
                orphan=parent is not None,
            )  # fmt: skip
        except OSError as exc:
            log.warning("cannot read %s: %s", path, exc)
            return None
        session_id = path.name[: -len(".jsonl")]
        agents = [] if parent else self._agent_files(path, session_id, flat_agents)
        agent_saved = saved.get("agents", {}) if incremental and saved else {}
        agent_result = self._agent_touches(
            root, agents, agent_saved, parser.meta.cwd, project, session_id
        )
        if agent_result is None:  # an agent file was rewritten: index the session anew
            return self._parse(root, project, path, st, None, report, flat_agents, parent)
        agent_touches, agent_states, sub = agent_result
        self.total_parses += 1
        if incremental:
            report.appended += 1
        else:
            report.parsed += 1
        m = parser.meta
        main = base.plus(m)
        hashes = prior_hashes
        hashes.extend(uuid_hash(u) for u in parser.seen)
        saved_state = {
            "offset": state.offset,
            "line": state.line,
            "last_ts": state.last_ts,
            "malformed": state.malformed,
            "probe": state.tail_probe.hex(),
            "first_prompt": m.first_prompt,
            "first_command": m.first_command,
            "last_prompt": m.last_prompt,
            "custom_title": m.custom_title,
            "ai_title": m.ai_title,
            "tag": m.tag,
            "first_ts": m.first_ts,
            "last_ts_meta": m.last_ts,
            "main": main.saved(m.usage),
            "agents": agent_states,
        }
        found = [
            {
                "session_path": str(path),
                "session_id": session_id,
                "project": project,
                "path": touch.path,
                "tool": touch.tool,
                "kind": touch.kind,
                "written": touch.written,
                "uuid": uuid,
                "tool_use_id": tool_use_id,
                "ts": ts,
                "prompt": prompt,
            }
            for touch, uuid, ts, tool_use_id, prompt in [*m.touches, *agent_touches]
        ]
        record = {
            "path": str(path),
            "root": str(root),
            "project": project,
            "session_id": session_id,
            "size": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "ino": st.st_ino,
            "parse_state": orjson.dumps(saved_state).decode(),
            "cwd": m.cwd,
            "git_branch": m.git_branch,
            "title": m.title,
            "own_title": m.own_title is not None,
            "tag": m.tag,
            "first_prompt": m.first_prompt or m.first_command,
            "first_ts": m.first_ts,
            "last_ts": m.last_ts,
            "message_count": m.message_count,
            "tool_calls": main.tool_calls + sub.tool_calls,
            "errors": m.errors,
            "malformed": state.malformed + int(state.torn_tail),
            "input_tokens": main.tokens[0] + sub.tokens[0],
            "output_tokens": main.tokens[1] + sub.tokens[1],
            "cache_read_tokens": main.tokens[2] + sub.tokens[2],
            "cache_creation_tokens": main.tokens[3] + sub.tokens[3],
            "models": sorted(m.models | sub.models),
            "subagent_count": len(agents),
            "deleted": False,
            "sub_input_tokens": sub.tokens[0],
            "sub_output_tokens": sub.tokens[1],
            "sub_cache_read_tokens": sub.tokens[2],
            "sub_cache_creation_tokens": sub.tokens[3],
            "sub_tool_calls": sub.tool_calls,
            "replayed": m.replayed,
            "orphan": parent is not None,
            "parent_session_id": parent,
            "archived": False,
            "uuid_hashes": hashes.tobytes(),
            "ctime_ns": st.st_ctime_ns,
            "archive_sig": None,
            "archive_problems": None,
            "archive_count": None,
        }
        return record, found, incremental, m.summaries

    def _read_file(
        self,
        parser: Parser,
        root: Path,
        path: Path,
        file_id: int,
        state: FileState,
        agent_id: str | None,
        project: str,
        session_id: str,
        orphan: bool = False,
    ) -> None:
        """One read of the file's new bytes for the metadata, the archive and every ``Sink``
        alike: the blocks the parser reads, and the records it decoded from them, are handed
        to the archive's appender and to each sink (no second read, no second decode). When the
        archive cannot continue where this read starts (a rewrite, an archive behind), it
        reads and checks the file itself (``Archive.append``)."""
        sink = self.archive.appender(root, path, state.offset) if self.archive else None
        sinks = [s for s in self.sinks if _wants(s, path)]

        def each(
            offset: int, block: bytes, records: Sequence[Record], lines: int, bad: int
        ) -> None:
            if sink is not None:
                sink.accept(offset, block)
            if not sinks:
                return
            chunk = Chunk(
                root=root, project=project, session_id=session_id, path=path,
                agent_id=agent_id, start=offset, end=offset + len(block), data=block,
                records=records, restart=offset == 0, malformed=bad, lines=lines, orphan=orphan,
            )  # fmt: skip
            for consumer in sinks:
                try:
                    consumer.accept(chunk)
                except Exception:  # one sink's failure never starves the others
                    log.exception("sink %s failed on %s", consumer.name, path)

        try:
            # what a request already read of this append (the store's, ``park``): taken from
            # there, not read again; the rest, if any, from the file
            for chunk in self._parked(path, state.offset):
                parser.parse_chunk(chunk, file_id, state, None, agent_id)
                each(chunk.start, chunk.data, chunk.records, chunk.lines, chunk.malformed)
            parser.parse_file(
                path,
                file_id,
                state,
                None,
                agent_id,
                blocks=each if sink is not None or sinks else None,
                records=bool(sinks),
            )
        except BaseException:
            if sink is not None:
                sink.failed = True
                sink.close()
            raise
        if self.archive is None:
            return
        if sink is not None:
            failed = sink.failed
            sink.close()
            if not failed:
                return
        self.archive.append(root, path, state.offset)

    def park(self, chunk: Chunk) -> None:
        """Appended lines a request read before the pass did (the store's own refresh of a
        loaded session): the next pass takes them from here, with their records, instead of
        reading the bytes again. Bounded (``PARK_BYTES``): past it, the pass reads for itself."""
        key = str(chunk.path)
        size = len(chunk.data)
        if size > PARK_BYTES:
            return
        with self._park_lock:
            held = self._parked_chunks.get(key)
            if held and held[-1].end != chunk.start:
                self._unpark(key)  # not a continuation: the older ones are of no use
                held = None
            # over the bound: the files parked longest ago are let go first
            while self._parked_bytes + size > PARK_BYTES and self._parked_chunks:
                self._unpark(next(iter(self._parked_chunks)))
            if key not in self._parked_chunks:
                held = self._parked_chunks[key] = []
            assert held is not None
            held.append(chunk)
            self._parked_bytes += size

    def _unpark(self, key: str) -> list[Chunk]:
        held = self._parked_chunks.pop(key, [])
        self._parked_bytes -= sum(len(c.data) for c in held)
        return held

    def _unpark_unchanged(self, unchanged: set[str]) -> None:
        """Let go of what is parked for transcripts this pass's stat loop saw unchanged: the
        pass already read those bytes (a request read them again while the pass's chunk could
        not be taken). A session's subagent files are not in the stat loop (they are read with
        their session): theirs wait for the session's next read, within the park's bound."""
        with self._park_lock:
            for key in [k for k in self._parked_chunks if k in unchanged]:
                self._unpark(key)

    def _parked(self, path: Path, offset: int) -> list[Chunk]:
        """The parked chunks of ``path`` that continue a read from ``offset``, when the file
        still holds them (the bytes before their end are the ones parked: a 64-byte probe);
        none otherwise. Whatever is parked for the file is let go either way."""
        with self._park_lock:
            held = self._unpark(str(path))
        # a chunk this pass had read already (the request read it again): skipped
        held = [c for c in held if c.end > offset]
        if not held or held[0].start != offset:
            return []
        probe = b"".join(c.data for c in held[-2:])[-64:]
        return held if tail_matches(path, held[-1].end, probe) else []

    @staticmethod
    def _probe_ok(path: Path, saved: dict[str, Any]) -> bool:
        return tail_matches(
            path, int(saved.get("offset") or 0), bytes.fromhex(saved.get("probe") or "")
        )

    def _agent_files(
        self, path: Path, session_id: str, flat: dict[Path, dict[str, list[Path]]]
    ) -> list[Path]:
        """The session's subagent transcripts; flat 2.0.x ones are matched by their first line,
        read once per file version (``_flat_owner``, shared with the stat loop)."""
        found = nested_agent_files(path, session_id)
        project_dir = path.parent
        if project_dir not in flat:
            by_session: dict[str, list[Path]] = {}
            try:
                for entry in sorted(os.scandir(project_dir), key=lambda e: e.name):
                    if not is_agent_file(entry.name):
                        continue
                    ast = regular_stat(entry.path, project_dir, is_symlink=entry.is_symlink())
                    if ast is not None:
                        sid = self._flat_owner(Path(entry.path), ast)
                        if sid:
                            by_session.setdefault(sid, []).append(Path(entry.path))
            except OSError:
                pass
            flat[project_dir] = by_session
        return found + flat[project_dir].get(session_id, [])

    def _agent_touches(
        self,
        root: Path,
        agents: list[Path],
        saved: dict[str, Any],
        cwd: str | None,
        project: str = "",
        session_id: str = "",
    ) -> tuple[list[tuple[Any, ...]], dict[str, Any], _Usage] | None:
        """Files the subagents named and what they add to the session's tokens and tool calls,
        parsed from where the last refresh stopped in each agent file. None when an agent file
        was rewritten: the caller then parses the session anew."""
        touches: list[tuple[Any, ...]] = []
        states: dict[str, Any] = {}
        total = _Usage()
        for agent in agents:
            prev = saved.get(str(agent))
            state = FileState()
            parser = Parser(collect_touches=True)
            base = _Usage()
            if prev is not None:
                if not self._probe_ok(agent, prev):
                    return None
                state = FileState(
                    offset=prev["offset"],
                    line=prev["line"],
                    last_ts=prev.get("last_ts"),
                    tail_probe=bytes.fromhex(prev["probe"]),
                )
                base = _Usage.restore(prev.get("usage") or {}, parser.meta.usage)
            parser.meta.cwd = cwd
            parser.meta.last_prompt = prev.get("prompt") if prev else None
            try:
                self._read_file(
                    parser, root, agent, 1, state, agent_id_from_name(agent.name), project,
                    session_id,
                )  # fmt: skip
            except OSError as exc:
                log.warning("cannot read %s: %s", agent, exc)
                continue
            touches.extend(parser.meta.touches)
            usage = base.plus(parser.meta)
            total.add(usage)
            states[str(agent)] = {
                "offset": state.offset,
                "line": state.line,
                "last_ts": state.last_ts,
                "probe": state.tail_probe.hex(),
                "prompt": parser.meta.last_prompt,
                "usage": usage.saved(parser.meta.usage),
            }
        return touches, states, total

    # -- queries -----------------------------------------------------------------------------------
    def _read(self, roots: list[Path], sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
        def run() -> list[tuple[Any, ...]]:
            return self.con.cursor().execute(sql, args).fetchall()

        with self._lock:
            return self._guarded(roots, run)

    @staticmethod
    def _conditions(roots: list[Path], params: SessionsListParams) -> tuple[list[str], list[Any]]:
        # A file with no conversation line (only snapshots, modes, summaries: a session opened
        # and left) is nothing to read: not listed. Orphan subagent transcripts count their
        # lines as a subagent's and stay; so do sessions whose subagents hold the work, and a
        # damaged file (its malformed lines are what the list has to say about it).
        conds = [
            "list_contains(?, s.root)",
            "(s.message_count > 0 OR coalesce(s.orphan, false) OR s.subagent_count > 0"
            " OR s.malformed > 0)",
        ]
        args: list[Any] = [[str(r) for r in roots]]
        if not params.include_deleted:
            conds.append("(NOT s.deleted OR coalesce(s.archived, false))")
        if params.project:
            conds.append("s.project = ?")
            args.append(params.project)
        if params.workspace:
            ws = params.workspace.rstrip("/\\") or params.workspace
            conds.append("(s.cwd = ? OR starts_with(s.cwd, ?) OR starts_with(s.cwd, ?))")
            args.extend([ws, ws + "/", ws + "\\"])
        if params.since is not None:
            conds.append("s.last_ts >= ?")
            args.append(params.since)
        if params.until is not None:
            conds.append("s.first_ts <= ?")
            args.append(params.until)
        if params.query:
            conds.append(
                f"(contains(lower(coalesce({_TITLE}, '')), ?) OR "
                "contains(lower(coalesce(s.first_prompt, '')), ?) OR "
                "starts_with(s.session_id, ?) OR contains(lower(coalesce(s.tag, '')), ?))"
            )
            q = params.query.lower()
            args.extend([q, q, params.query, q])
        return conds, args

    def query(
        self,
        roots: list[Path],
        params: SessionsListParams,
        after: tuple[datetime, str] | None,
    ) -> list[SessionInfo]:
        """Sessions newest first, after the (last_ts, path) key of a previous page."""
        conds, args = self._conditions(roots, params)
        sort_ts = "coalesce(s.last_ts, TIMESTAMP '1970-01-01')"
        if after is not None:
            conds.append(f"({sort_ts}, s.path) < (?, ?)")
            args.extend([after[0], after[1]])
        sql = (
            f"SELECT {_LIST_SELECT} FROM {_LIST_FROM} WHERE {' AND '.join(conds)} "
            f"ORDER BY {sort_ts} DESC, s.path DESC LIMIT ?"
        )
        args.append(params.limit + 1)
        rows = self._read(roots, sql, args)
        archived = [r[_LIST_NAMES.index("path")] for r in rows if r[_DELETED] and r[_ARCHIVED]]
        if archived and self.archive is not None:
            # a deleted session's archive changed on disk since it was verified: again, first

            def check() -> bool:
                return self._check_archived(self.con.cursor(), archived)

            with self._lock:
                changed = self._guarded(roots, check)
            if changed:
                rows = self._read(roots, sql, args)
        infos = [self._info(r) for r in rows]
        names = friendly_names(roots)
        if names:
            for info in infos:
                name = names.get(info.session_id)
                if name is not None:
                    info.title = name  # the /rename of a live process (sessionnames.py)
        return infos

    @staticmethod
    def _info(r: tuple[Any, ...]) -> SessionInfo:
        # pydantic-core validates a plain dict in ~6 µs; building the models field by field in
        # Python cost 25-50 µs a row (50 ms of a 2,000-session listing).
        return SessionInfo.model_validate(dict(zip(_LIST_NAMES, r, strict=True)))

    def tags(self, roots: list[Path]) -> dict[tuple[str, str], str]:
        """(project, session id) -> tag of every tagged session under the roots."""
        rows = self._read(
            roots,
            "SELECT project, session_id, tag FROM sessions "
            "WHERE list_contains(?, root) AND tag IS NOT NULL",
            [[str(r) for r in roots]],
        )
        return {(r[0], r[1]): r[2] for r in rows}

    @staticmethod
    def list_fingerprint(params: SessionsListParams) -> str:
        return fingerprint(params.model_dump(mode="json", exclude={"cursor", "limit"}))

    # -- files -------------------------------------------------------------------------------------
    _TOUCH_SELECT = (
        "t.session_id, t.project, t.uuid, t.tool_use_id, t.tool, t.kind, t.path, t.ts, t.prompt, "
        f"{_TITLE}"
    )

    @staticmethod
    def _touch(r: tuple[Any, ...]) -> FileTouch:
        return FileTouch(
            session_id=r[0],
            project=r[1],
            uuid=r[2],
            tool_use_id=r[3],
            tool=r[4],
            kind=r[5],
            path=r[6],
            timestamp=r[7],
            prompt=r[8],
            session_title=r[9],
        )

    def file_sessions(self, roots: list[Path], path: str) -> list[FileSessionInfo]:
        """Sessions whose tool calls named ``path``, newest first, with counts by tool."""
        sql = (
            f"SELECT t.session_id, t.project, any_value({_TITLE}), max(t.ts), count(*), "
            "histogram(t.tool), bool_or(s.deleted) FROM file_touches t "
            f"JOIN {_LIST_FROM} ON s.path = t.session_path "
            "WHERE t.path = ? AND list_contains(?, s.root) "
            "GROUP BY t.session_id, t.project ORDER BY max(t.ts) DESC, t.session_id"
        )
        rows = self._read(roots, sql, [path, [str(r) for r in roots]])
        return [
            FileSessionInfo(
                session_id=r[0],
                project=r[1],
                title=r[2],
                last_timestamp=r[3],
                touches=r[4],
                by_tool=dict(r[5] or {}),
                deleted=bool(r[6]),
            )
            for r in rows
        ]

    def file_history(
        self, roots: list[Path], path: str, after: tuple[datetime, str] | None, limit: int
    ) -> list[FileTouch]:
        """The tool calls that named ``path``, newest first, after a (ts, tool_use_id) key."""
        conds = ["t.path = ?", "list_contains(?, s.root)"]
        args: list[Any] = [path, [str(r) for r in roots]]
        if after is not None:
            conds.append("(t.ts, t.tool_use_id) < (?, ?)")
            args.extend(after)
        sql = (
            f"SELECT {self._TOUCH_SELECT} FROM file_touches t "
            f"JOIN {_LIST_FROM} ON s.path = t.session_path "
            f"WHERE {' AND '.join(conds)} ORDER BY t.ts DESC, t.tool_use_id DESC LIMIT ?"
        )
        rows = self._read(roots, sql, [*args, limit + 1])
        return [self._touch(r) for r in rows]

    def titles(self, roots: list[Path], keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The listed title of each (project, session id), in one query (search results)."""
        if not keys:
            return {}
        memo = (self.generation, tuple(str(r) for r in roots), tuple(keys))
        try:
            found = self._titles_cache.get_or_compute(memo, lambda: self._query_titles(roots, keys))
        except _CatalogBusy:
            # not while a refresh holds the catalog (a first build, whose progress may search):
            # titles are then missing, as for sessions it has not listed yet
            return {}
        return dict(found)

    def _query_titles(
        self, roots: list[Path], keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], str]:
        sql = (
            f"SELECT s.project, s.session_id, {_TITLE} FROM {_LIST_FROM} "
            "WHERE list_contains(?, s.root) AND list_contains(?, s.project || '/' || s.session_id)"
        )
        wanted = [f"{p}/{sid}" for p, sid in keys]
        if not self._lock.acquire(blocking=False):
            raise _CatalogBusy
        try:
            rows = self._guarded(
                roots,
                lambda: self.con.cursor()
                .execute(sql, [[str(r) for r in roots], wanted])
                .fetchall(),
            )
        finally:
            self._lock.release()
        return {(r[0], r[1]): r[2] for r in rows if r[2] is not None}

    def session_touches(self, session_path: str) -> list[dict[str, Any]]:
        """Every file a session's tool calls named (its subagents' included), in time order."""
        sql = (
            "SELECT path, tool, kind, uuid, tool_use_id, ts FROM file_touches "
            "WHERE session_path = ? ORDER BY ts, tool_use_id"
        )
        with self._lock:
            rows = self.con.cursor().execute(sql, [session_path]).fetchall()
        names = ("path", "tool", "kind", "uuid", "tool_use_id", "ts")
        return [dict(zip(names, r, strict=True)) for r in rows]

    def file_writes(
        self, roots: list[Path], path: str, limit: int = 200
    ) -> list[tuple[FileTouch, str]]:
        """The latest writes to ``path`` with the text they wrote, newest first."""
        sql = (
            f"SELECT {self._TOUCH_SELECT}, t.written FROM file_touches t "
            f"JOIN {_LIST_FROM} ON s.path = t.session_path "
            "WHERE t.path = ? AND t.kind = 'write' AND t.written IS NOT NULL "
            "AND list_contains(?, s.root) ORDER BY t.ts DESC LIMIT ?"
        )
        rows = self._read(roots, sql, [path, [str(r) for r in roots], limit])
        return [(self._touch(r), r[10]) for r in rows]
