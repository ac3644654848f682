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
import itertools
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import orjson
import pyarrow as pa

from .cursor import fingerprint
from .models import FileSessionInfo, FileTouch, SessionInfo, SessionsListParams, Tokens
from .safefs import regular_stat
from .transcripts import (
    FileState,
    Parser,
    agent_id_from_name,
    first_session_id,
    is_agent_file,
    iter_session_files,
    nested_agent_files,
    tail_matches,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = "6"
CATALOG_FILE = "catalog.duckdb"

_COLUMNS: tuple[tuple[str, str, Any], ...] = (
    ("path", "VARCHAR PRIMARY KEY", pa.string()),
    ("root", "VARCHAR", pa.string()),
    ("project", "VARCHAR", pa.string()),
    ("session_id", "VARCHAR", pa.string()),
    ("size", "BIGINT", pa.int64()),
    ("mtime_ns", "BIGINT", pa.int64()),
    ("ino", "BIGINT", pa.int64()),
    ("parse_state", "VARCHAR", pa.string()),
    ("cwd", "VARCHAR", pa.string()),
    ("git_branch", "VARCHAR", pa.string()),
    ("title", "VARCHAR", pa.string()),
    ("first_prompt", "VARCHAR", pa.string()),
    ("first_ts", "TIMESTAMP", pa.string()),
    ("last_ts", "TIMESTAMP", pa.string()),
    ("message_count", "BIGINT", pa.int64()),
    ("tool_calls", "BIGINT", pa.int64()),
    ("errors", "BIGINT", pa.int64()),
    ("malformed", "BIGINT", pa.int64()),
    ("input_tokens", "BIGINT", pa.int64()),
    ("output_tokens", "BIGINT", pa.int64()),
    ("cache_read_tokens", "BIGINT", pa.int64()),
    ("cache_creation_tokens", "BIGINT", pa.int64()),
    ("models", "VARCHAR[]", pa.list_(pa.string())),
    ("subagent_count", "BIGINT", pa.int64()),
    ("deleted", "BOOLEAN", pa.bool_()),
    # with size and mtime, the file's identity: a same-size rewrite can restore the mtime, not this
    ("ctime_ns", "BIGINT", pa.int64()),
)
_NAMES = [c[0] for c in _COLUMNS]
_CTIME = _NAMES.index("ctime_ns")
# The list does not need the parse state (the largest column): same positions, NULL in its place.
_LIST_SELECT = ", ".join("NULL" if n == "parse_state" else n for n in _NAMES)
# Every file a tool call named, for "which sessions touched this file" and the editor's lenses.
_TOUCH_COLUMNS: tuple[tuple[str, str, Any], ...] = (
    ("session_path", "VARCHAR", pa.string()),
    ("session_id", "VARCHAR", pa.string()),
    ("project", "VARCHAR", pa.string()),
    ("path", "VARCHAR", pa.string()),
    ("tool", "VARCHAR", pa.string()),
    ("kind", "VARCHAR", pa.string()),
    ("written", "VARCHAR", pa.string()),
    ("uuid", "VARCHAR", pa.string()),
    ("tool_use_id", "VARCHAR", pa.string()),
    ("ts", "TIMESTAMP", pa.string()),
    ("prompt", "VARCHAR", pa.string()),
)
_TOUCH_NAMES = [c[0] for c in _TOUCH_COLUMNS]
_TOUCH_SCHEMA = pa.schema([(c[0], c[2]) for c in _TOUCH_COLUMNS])
_TOUCH_INSERT = ", ".join(
    "COALESCE(TRY_CAST(ts AS TIMESTAMP), TIMESTAMP '1970-01-01')" if n == "ts" else n
    for n in _TOUCH_NAMES
)
_SCHEMA = pa.schema([(c[0], c[2]) for c in _COLUMNS])
_INSERT_COLS = ", ".join(
    f"TRY_CAST({n} AS TIMESTAMP)" if n in ("first_ts", "last_ts") else n for n in _NAMES
)

Progress = Callable[[int, int], None]
T = TypeVar("T")
# DuckDB's file starts with three 4 KiB headers, then ``total_blocks`` blocks: a shorter file was
# truncated (its tables fail on the first read of a missing block, which may be much later).
_DUCKDB_HEADER_BYTES = 3 * 4096
# Generations are unique across the catalogs of a process (a reopened tracer never repeats one).
_GENERATIONS = itertools.count(1)


def _insert(
    cur: duckdb.DuckDBPyConnection,
    into: str,
    columns: str,
    data: dict[str, list[Any]],
    schema: pa.Schema,
) -> None:
    """Insert column lists in one statement through an Arrow table (no row-by-row inserts)."""
    cur.register("catalog_batch", pa.Table.from_pydict(data, schema=schema))
    try:
        cur.execute(f"{into} SELECT {columns} FROM catalog_batch").fetchall()
    finally:
        cur.unregister("catalog_batch")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "claude-code-tracer"


@dataclass
class RefreshReport:
    files: int = 0
    parsed: int = 0
    appended: int = 0
    deleted: int = 0


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


class Catalog:
    def __init__(self, cache_dir: Path | None, persistent: bool = True) -> None:
        self.path: Path | None = None
        self._lock = threading.Lock()
        # Why the catalog is in memory although a file was asked for (None: it is not, or it
        # was not asked for): what the log said, for a status line or a test.
        self.degraded: str | None = None
        self.con = self._open(cache_dir, persistent)
        self.total_parses = 0
        # Changes whenever a refresh wrote something: what callers cached from it may be stale.
        self.generation = next(_GENERATIONS)

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
            con.execute(
                "INSERT OR REPLACE INTO catalog_meta VALUES ('schema', ?)", [SCHEMA_VERSION]
            )

    def close(self) -> None:
        with self._lock:
            self.con.close()

    # -- refresh -----------------------------------------------------------------------------------
    def refresh(self, roots: list[Path], progress: Progress | None = None) -> RefreshReport:
        with self._lock:
            try:
                return self._refresh(roots, progress)
            except (duckdb.Error, OSError) as exc:
                if self.path is None:
                    raise
                self._recover(exc)
            return self._refresh(roots, progress)

    def _refresh(self, roots: list[Path], progress: Progress | None) -> RefreshReport:
        report = RefreshReport()
        cur = self.con.cursor()
        root_names = [str(r) for r in roots]
        # (size, mtime_ns, deleted, ctime_ns) per known file: all a refresh of an unchanged
        # archive reads.
        known: dict[str, tuple[int, int, bool, int]] = {
            row[0]: (row[1], row[2], row[3], row[4])
            for row in cur.execute(
                "SELECT path, size, mtime_ns, deleted, ctime_ns FROM sessions "
                "WHERE list_contains(?, root)",
                [root_names],
            ).fetchall()
        }
        seen: set[str] = set()
        changed: list[tuple[Path, str, str, os.stat_result]] = []
        for root in roots:
            for project, key, st in iter_session_files(root):
                seen.add(key)
                report.files += 1
                prev = known.get(key)
                if (
                    prev is not None
                    and prev[0] == st.st_size
                    and prev[1] == st.st_mtime_ns
                    and prev[3] == st.st_ctime_ns
                ):
                    if prev[2]:  # came back after being marked deleted
                        changed.append((root, project, key, st))
                    continue
                changed.append((root, project, key, st))
        rows: dict[str, tuple[Any, ...]] = {}
        if any(key in known for _, _, key, _ in changed):
            rows = {
                row[0]: row
                for row in cur.execute(
                    f"SELECT {', '.join(_NAMES)} FROM sessions WHERE list_contains(?, path)",
                    [[key for _, _, key, _ in changed if key in known]],
                ).fetchall()
            }
        work = [(root, project, Path(key), st, rows.get(key)) for root, project, key, st in changed]
        total = sum(st.st_size for *_, st, _row in work) or 1
        done = 0
        out: dict[str, list[Any]] = {n: [] for n in _NAMES}
        touches: dict[str, list[Any]] = {n: [] for n in _TOUCH_NAMES}
        reparsed: list[str] = []
        flat_agents: dict[Path, dict[str, list[Path]]] = {}
        for root, project, path, st, row in work:
            parsed = self._parse(root, project, path, st, row, report, flat_agents)
            done += st.st_size
            if progress is not None:
                progress(done, total)
            if parsed is None:
                continue
            record, found, incremental = parsed
            for n in _NAMES:
                out[n].append(record[n])
            if not incremental:
                reparsed.append(record["path"])
            for t in found:
                for n in _TOUCH_NAMES:
                    touches[n].append(t[n])
        gone = [k for k, prev in known.items() if k not in seen and not prev[2]]
        if out["path"] or gone:
            cur.execute("BEGIN TRANSACTION")
            try:
                if out["path"]:
                    _insert(cur, "INSERT OR REPLACE INTO sessions", _INSERT_COLS, out, _SCHEMA)
                if reparsed:
                    cur.execute(
                        "DELETE FROM file_touches WHERE list_contains(?, session_path)", [reparsed]
                    ).fetchall()
                if touches["path"]:
                    _insert(cur, "INSERT INTO file_touches", _TOUCH_INSERT, touches, _TOUCH_SCHEMA)
                if gone:
                    cur.execute(
                        "UPDATE sessions SET deleted = true WHERE list_contains(?, path)", [gone]
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
        return report

    def _parse(
        self,
        root: Path,
        project: str,
        path: Path,
        st: os.stat_result,
        row: tuple[Any, ...] | None,
        report: RefreshReport,
        flat_agents: dict[Path, dict[str, list[Path]]],
    ) -> tuple[dict[str, Any], list[dict[str, Any]], bool] | None:
        """The session's catalog row, the files its new lines touched, and whether the parse
        continued an earlier one (else the session's old touches are replaced)."""
        parser = Parser(collect_touches=True)
        state = FileState()
        base = (0, 0, 0, 0)
        incremental = False
        saved: dict[str, Any] | None = None
        # Continue an earlier parse only where the file grew (or is the very file it was): a
        # changed file of the same size was rewritten in place.
        same = row is not None and (row[4], row[5], row[_CTIME]) == (
            st.st_size,
            st.st_mtime_ns,
            st.st_ctime_ns,
        )
        if row is not None and row[6] == st.st_ino and (st.st_size > row[4] or same):
            saved = orjson.loads(row[7]) if row[7] else None
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
                m.cwd, m.git_branch = row[8], row[9]
                m.first_prompt = saved.get("first_prompt")
                m.last_prompt = saved.get("last_prompt")
                m.custom_title = saved.get("custom_title")
                m.ai_title = saved.get("ai_title")
                m.summary = saved.get("summary")
                m.first_ts = saved.get("first_ts")
                m.last_ts = saved.get("last_ts_meta")
                m.message_count, m.tool_calls, m.errors = row[14], row[15], row[16]
                m.models = set(row[22] or [])
                last_mid = saved.get("last_mid")
                last_usage = tuple(saved.get("last_usage") or (0, 0, 0, 0))
                if last_mid:
                    m.usage[last_mid] = last_usage
                base = (
                    row[18] - last_usage[0],
                    row[19] - last_usage[1],
                    row[20] - last_usage[2],
                    row[21] - last_usage[3],
                )
        try:
            parser.parse_file(path, 0, state, None)
        except OSError as exc:
            log.warning("cannot read %s: %s", path, exc)
            return None
        session_id = path.name[: -len(".jsonl")]
        agents = self._agent_files(path, session_id, flat_agents)
        agent_saved = saved.get("agents", {}) if incremental and saved else {}
        agent_result = self._agent_touches(agents, agent_saved, parser.meta.cwd)
        if agent_result is None:  # an agent file was rewritten: index the session anew
            return self._parse(root, project, path, st, None, report, flat_agents)
        agent_touches, agent_states = agent_result
        self.total_parses += 1
        if incremental:
            report.appended += 1
        else:
            report.parsed += 1
        m = parser.meta
        totals = m.token_totals()
        last_mid = next(reversed(m.usage)) if m.usage else None
        last_usage = m.usage[last_mid] if last_mid else (0, 0, 0, 0)
        tokens = tuple(b + t for b, t in zip(base, totals, strict=True))
        saved_state = {
            "offset": state.offset,
            "line": state.line,
            "last_ts": state.last_ts,
            "malformed": state.malformed,
            "probe": state.tail_probe.hex(),
            "first_prompt": m.first_prompt,
            "last_prompt": m.last_prompt,
            "custom_title": m.custom_title,
            "ai_title": m.ai_title,
            "summary": m.summary,
            "first_ts": m.first_ts,
            "last_ts_meta": m.last_ts,
            "last_mid": last_mid,
            "last_usage": list(last_usage),
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
            "first_prompt": m.first_prompt,
            "first_ts": m.first_ts,
            "last_ts": m.last_ts,
            "message_count": m.message_count,
            "tool_calls": m.tool_calls,
            "errors": m.errors,
            "malformed": state.malformed + int(state.torn_tail),
            "input_tokens": tokens[0],
            "output_tokens": tokens[1],
            "cache_read_tokens": tokens[2],
            "cache_creation_tokens": tokens[3],
            "models": sorted(m.models),
            "subagent_count": len(agents),
            "deleted": False,
            "ctime_ns": st.st_ctime_ns,
        }
        return record, found, incremental

    @staticmethod
    def _probe_ok(path: Path, saved: dict[str, Any]) -> bool:
        return tail_matches(
            path, int(saved.get("offset") or 0), bytes.fromhex(saved.get("probe") or "")
        )

    @staticmethod
    def _agent_files(
        path: Path, session_id: str, flat: dict[Path, dict[str, list[Path]]]
    ) -> list[Path]:
        """The session's subagent transcripts; flat 2.0.x ones are matched by their first line,
        read once per project and refresh."""
        found = nested_agent_files(path, session_id)
        project_dir = path.parent
        if project_dir not in flat:
            by_session: dict[str, list[Path]] = {}
            try:
                for entry in sorted(os.scandir(project_dir), key=lambda e: e.name):
                    if is_agent_file(entry.name) and regular_stat(
                        entry.path, project_dir, is_symlink=entry.is_symlink()
                    ):
                        sid = first_session_id(Path(entry.path))
                        if sid:
                            by_session.setdefault(sid, []).append(Path(entry.path))
            except OSError:
                pass
            flat[project_dir] = by_session
        return found + flat[project_dir].get(session_id, [])

    def _agent_touches(
        self,
        agents: list[Path],
        saved: dict[str, Any],
        cwd: str | None,
    ) -> tuple[list[tuple[Any, ...]], dict[str, Any]] | None:
        """Files the subagents named, parsed from where the last refresh stopped in each agent
        file. None when an agent file was rewritten: the caller then parses the session anew."""
        touches: list[tuple[Any, ...]] = []
        states: dict[str, Any] = {}
        for agent in agents:
            prev = saved.get(str(agent))
            state = FileState()
            if prev is not None:
                if not self._probe_ok(agent, prev):
                    return None
                state = FileState(
                    offset=prev["offset"],
                    line=prev["line"],
                    last_ts=prev.get("last_ts"),
                    tail_probe=bytes.fromhex(prev["probe"]),
                )
            parser = Parser(collect_touches=True)
            parser.meta.cwd = cwd
            parser.meta.last_prompt = prev.get("prompt") if prev else None
            try:
                parser.parse_file(agent, 1, state, None, agent_id_from_name(agent.name))
            except OSError as exc:
                log.warning("cannot read %s: %s", agent, exc)
                continue
            touches.extend(parser.meta.touches)
            states[str(agent)] = {
                "offset": state.offset,
                "line": state.line,
                "last_ts": state.last_ts,
                "probe": state.tail_probe.hex(),
                "prompt": parser.meta.last_prompt,
            }
        return touches, states

    # -- queries -----------------------------------------------------------------------------------
    def _read(self, roots: list[Path], sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
        def run() -> list[tuple[Any, ...]]:
            return self.con.cursor().execute(sql, args).fetchall()

        with self._lock:
            return self._guarded(roots, run)

    @staticmethod
    def _conditions(roots: list[Path], params: SessionsListParams) -> tuple[list[str], list[Any]]:
        conds = ["list_contains(?, root)"]
        args: list[Any] = [[str(r) for r in roots]]
        if not params.include_deleted:
            conds.append("NOT deleted")
        if params.project:
            conds.append("project = ?")
            args.append(params.project)
        if params.workspace:
            ws = params.workspace.rstrip("/\\") or params.workspace
            conds.append("(cwd = ? OR starts_with(cwd, ?) OR starts_with(cwd, ?))")
            args.extend([ws, ws + "/", ws + "\\"])
        if params.query:
            conds.append(
                "(contains(lower(coalesce(title, '')), ?) OR "
                "contains(lower(coalesce(first_prompt, '')), ?) OR session_id = ?)"
            )
            q = params.query.lower()
            args.extend([q, q, params.query])
        return conds, args

    def query(
        self,
        roots: list[Path],
        params: SessionsListParams,
        after: tuple[datetime, str] | None,
    ) -> list[SessionInfo]:
        """Sessions newest first, after the (last_ts, path) key of a previous page."""
        conds, args = self._conditions(roots, params)
        sort_ts = "coalesce(last_ts, TIMESTAMP '1970-01-01')"
        if after is not None:
            conds.append(f"({sort_ts}, path) < (?, ?)")
            args.extend([after[0], after[1]])
        sql = (
            f"SELECT {_LIST_SELECT} FROM sessions WHERE {' AND '.join(conds)} "
            f"ORDER BY {sort_ts} DESC, path DESC LIMIT ?"
        )
        args.append(params.limit + 1)
        rows = self._read(roots, sql, args)
        return [self._info(r) for r in rows]

    @staticmethod
    def _info(r: tuple[Any, ...]) -> SessionInfo:
        tokens = Tokens(input=r[18], output=r[19], cache_read=r[20], cache_creation=r[21])
        return SessionInfo(
            session_id=r[3],
            project=r[2],
            path=r[0],
            cwd=r[8],
            git_branch=r[9],
            title=r[10],
            first_prompt=r[11],
            first_timestamp=r[12],
            last_timestamp=r[13],
            message_count=r[14],
            tool_call_count=r[15],
            error_count=r[16],
            malformed_lines=r[17],
            tokens=tokens,
            models=list(r[22] or []),
            subagent_count=r[23],
            deleted=bool(r[24]),
            size_bytes=r[4],
        )

    @staticmethod
    def list_fingerprint(params: SessionsListParams) -> str:
        return fingerprint(params.model_dump(mode="json", exclude={"cursor", "limit"}))

    # -- files -------------------------------------------------------------------------------------
    _TOUCH_SELECT = (
        "t.session_id, t.project, t.uuid, t.tool_use_id, t.tool, t.kind, t.path, t.ts, t.prompt, "
        "s.title"
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
            "SELECT t.session_id, t.project, any_value(s.title), max(t.ts), count(*), "
            "histogram(t.tool), bool_or(s.deleted) FROM file_touches t "
            "JOIN sessions s ON s.path = t.session_path "
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
            "JOIN sessions s ON s.path = t.session_path "
            f"WHERE {' AND '.join(conds)} ORDER BY t.ts DESC, t.tool_use_id DESC LIMIT ?"
        )
        rows = self._read(roots, sql, [*args, limit + 1])
        return [self._touch(r) for r in rows]

    def file_writes(
        self, roots: list[Path], path: str, limit: int = 200
    ) -> list[tuple[FileTouch, str]]:
        """The latest writes to ``path`` with the text they wrote, newest first."""
        sql = (
            f"SELECT {self._TOUCH_SELECT}, t.written FROM file_touches t "
            "JOIN sessions s ON s.path = t.session_path "
            "WHERE t.path = ? AND t.kind = 'write' AND t.written IS NOT NULL "
            "AND list_contains(?, s.root) ORDER BY t.ts DESC LIMIT ?"
        )
        rows = self._read(roots, sql, [path, [str(r) for r in roots], limit])
        return [(self._touch(r), r[10]) for r in rows]
