"""Read-only SQL over the Parquet export: ``claude-code-tracer sql "SELECT ..."``.

The query runs on a DuckDB connection of its own whose tables are views over the export
(``sessions``, ``messages``, ``tool_calls``, ``file_touches``, ``usage``, each with the hive
columns ``project`` and ``month``). It is read-only by two locks: exactly one statement is taken,
and only a SELECT (or an EXPLAIN of one), so nothing can be inserted, copied out or attached; and
the connection reaches no file but the export (``enable_external_access`` off, the export folder
the one allowed directory, the configuration locked).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from .errors import InvalidRequest
from .export import SCHEMAS, TABLES

_ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


@dataclass
class SqlResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def check_read_only(sql: str) -> None:
    """One SELECT (or EXPLAIN) statement, or a clear refusal."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise InvalidRequest(f"cannot parse the query: {exc}") from exc
    if len(statements) != 1:
        raise InvalidRequest(f"one statement at a time, not {len(statements)}")
    kind = statements[0].type
    if kind not in _ALLOWED:
        name = str(kind).rsplit(".", 1)[-1]
        raise InvalidRequest(f"only SELECT queries are allowed (this is {name})")


def connect(export_dir: Path) -> duckdb.DuckDBPyConnection:
    """A connection whose only reachable files are the export's, with one view per table."""
    con = duckdb.connect(":memory:")
    root = str(export_dir.resolve())
    con.execute(f"SET allowed_directories = [{_literal(root + '/')}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    for table in TABLES:
        if any((export_dir / table).rglob("*.parquet")):
            glob = _literal(f"{root}/{table}/**/*.parquet")
            con.execute(
                f"CREATE VIEW {table} AS SELECT * FROM read_parquet({glob}, "
                "hive_partitioning = true, union_by_name = true)"
            )
        else:
            cols = ", ".join(f"NULL::{_duck_type(f.type)} AS {f.name}" for f in SCHEMAS[table])
            con.execute(
                f"CREATE VIEW {table} AS SELECT {cols}, NULL::VARCHAR AS project, "
                "NULL::VARCHAR AS month WHERE false"
            )
    return con


def _duck_type(t: Any) -> str:
    import pyarrow as pa

    if pa.types.is_list(t):
        return "VARCHAR[]"
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_integer(t):
        return "BIGINT"
    return "VARCHAR"


def run_sql(export_dir: Path, sql: str, max_rows: int = 100_000) -> SqlResult:
    check_read_only(sql)
    con = connect(export_dir)
    try:
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description or []]
        rows = cur.fetchmany(max_rows)
    except duckdb.Error as exc:
        raise InvalidRequest(f"query failed: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()
    return SqlResult(columns=columns, rows=rows)
