"""Read-only SQL over the Parquet export: ``claude-code-tracer sql "SELECT ..."``.

The query runs on a DuckDB connection of its own whose tables (``sessions``, ``messages``,
``tool_calls``, ``file_touches``, ``usage``, each with the hive columns ``project`` and
``month``) are Arrow datasets that pyarrow opened, read-only, from the files the export's manifest
lists (validated: each inside the export; a Parquet file planted beside them is never read).

It is read-only by construction, not by a keyword check: DuckDB itself reaches no file at all.
Once the datasets are registered, spilling to disk is turned off (``temp_directory = ''``),
replacement scans of Python variables too, external access is turned off with no allowed
directory, and the configuration is locked. ``COPY … TO``, ``EXPLAIN ANALYZE COPY``, ``EXPORT
DATABASE``, ``ATTACH``, ``read_text``/``read_csv``, ``INSTALL``/``LOAD``, ``CREATE SECRET`` and
any ``SET`` fail inside DuckDB (``tests/core/test_sql_sandbox.py`` tries each, and Hypothesis
tries generated statements, checking the file system after). The manifest is outside the
connection's reach. The single-SELECT check that runs first only turns an obvious mistake into a
friendly message; it is not what keeps the files safe.

Bounds of its own: a memory limit (``memory_limit``, default 1 GB, not DuckDB's 80 % of RAM), a
timeout (``con.interrupt()`` when it passes, default 30 s), and Ctrl-C: the query runs on a worker
thread while the main thread waits on an event a signal can interrupt, so a KeyboardInterrupt
stops the query at once instead of waiting for DuckDB to return.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from .errors import InvalidRequest
from .export import SCHEMAS, TABLES, manifest_files
from .sqllimits import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT

_ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}



@dataclass
class SqlResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    warnings: list[str] = field(default_factory=list)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_read_only(sql: str) -> None:
    """One SELECT (or EXPLAIN) statement, or a clear refusal.

    A courtesy, not the lock: a statement that slips past it still meets a connection that can
    write nowhere."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise InvalidRequest(f"cannot parse the query: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise InvalidRequest(f"one statement at a time, not {len(statements)}")
    kind = statements[0].type
    if kind not in _ALLOWED:
        name = str(kind).rsplit(".", 1)[-1]
        raise InvalidRequest(f"only SELECT queries are allowed (this is {name})")


def _dataset(export_dir: Path, table: str, files: list[Path]) -> Any:
    import pyarrow as pa
    import pyarrow.dataset as ds

    hive = pa.schema([("project", pa.string()), ("month", pa.string())])
    schema = pa.schema(list(SCHEMAS[table]) + list(hive))
    if not files:
        return schema.empty_table()
    return ds.dataset(
        [str(f) for f in files],
        schema=schema,
        format="parquet",
        # segment_encoding="uri": the exporter percent-encodes names, this decodes them
        partitioning=ds.HivePartitioning(hive, segment_encoding="uri"),
        partition_base_dir=str(export_dir / table),
    )


def connect(
    export_dir: Path, memory_limit: str = DEFAULT_MEMORY_LIMIT
) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    """A connection that can read the export's tables and reach no file, and the warnings about
    manifest entries that were refused."""
    files, refused = manifest_files(export_dir)
    con = duckdb.connect(":memory:")
    try:
        for table in TABLES:
            con.register(table, _dataset(export_dir, table, files[table]))
        try:
            con.execute("SET memory_limit = $1", [memory_limit])
        except duckdb.Error as exc:
            raise InvalidRequest(
                f"--memory-limit takes a size like 1GB or 500MB, not {memory_limit!r} "
                f"({_first_line(exc)})"
            ) from None
        # The order matters: temp_directory can no longer be changed once access is off.
        con.execute("SET temp_directory = ''")  # nothing spills to disk
        con.execute("SET python_enable_replacements = false")  # no Python variable as a table
        con.execute("SET autoinstall_known_extensions = false")
        con.execute("SET autoload_known_extensions = false")
        con.execute("SET enable_external_access = false")  # no allowed directory at all
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    warnings = (
        [
            f"the export's manifest names {len(refused)} path(s) outside the export or of a shape "
            f"it never writes; refused, not read: {', '.join(refused[:3])}"
        ]
        if refused
        else []
    )
    return con, warnings


def run_sql(
    export_dir: Path,
    sql: str,
    max_rows: int = 100_000,
    timeout: float = DEFAULT_TIMEOUT,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> SqlResult:
    """Run one read-only query with a timeout; Ctrl-C (KeyboardInterrupt) stops it at once."""
    check_read_only(sql)
    if not timeout > 0:
        raise InvalidRequest(f"the timeout must be a positive number of seconds, not {timeout}")
    con, warnings = connect(export_dir, memory_limit)
    done = threading.Event()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            cur = con.execute(sql)
            outcome["columns"] = [d[0] for d in cur.description or []]
            outcome["rows"] = cur.fetchmany(max_rows)
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=work, name="sql-query", daemon=True)
    finished = False
    try:
        worker.start()
        # Event.wait can be interrupted by a signal: Ctrl-C lands here, not inside DuckDB.
        finished = done.wait(timeout)
        if not finished:
            con.interrupt()
            finished = done.wait(10)
            raise InvalidRequest(
                f"the query ran longer than {timeout:g} s and was stopped (--timeout)"
            )
    except BaseException:
        con.interrupt()
        finished = done.wait(10)
        raise
    finally:
        if finished:
            con.close()  # (a worker that never returned keeps it: closing under it would crash)
    error = outcome.get("error")
    if error is not None:
        if isinstance(error, duckdb.Error):
            raise InvalidRequest(f"query failed: {_first_line(error)}") from None
        raise error
    return SqlResult(columns=outcome["columns"], rows=outcome["rows"], warnings=warnings)
